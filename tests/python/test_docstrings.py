"""Every public name of the package has a numpy-style docstring: walks ``starc.__all__``
(and the public methods and properties of every public class) and fails on a function, class,
method or property without a docstring, on a callable that takes arguments without a
``Parameters`` section naming each of them, on one that returns a value without a ``Returns``
section, and on a result record without an ``Attributes`` section naming each field."""

import ast
import dataclasses
import inspect
import re
import textwrap

import pytest

import starc
from starc._util import Result


def _sections(doc):
    """{section title: body text} of a numpy-style docstring."""
    doc = inspect.cleandoc(doc or "")
    out = {}
    parts = re.split(r"^(\w[\w ]*)\n-{3,}\s*$", doc, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[parts[i].strip()] = parts[i + 1]
    return out


def _documented_names(body):
    """Names documented in a Parameters/Attributes body: ``a, b : type`` lines."""
    names = set()
    for line in body.splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ")[0]
            for n in head.split(","):
                names.add(n.strip().lstrip("*"))
    return names


def _returns_value(f):
    """Whether the function's own body has a ``return <value>`` or a ``yield``."""
    try:
        src = textwrap.dedent(inspect.getsource(f))
    except (OSError, TypeError):
        return False
    tree = ast.parse(src)
    top = tree.body[0]

    class V(ast.NodeVisitor):
        found = False

        def visit_FunctionDef(self, node):
            if node is top:
                self.generic_visit(node)

        visit_AsyncFunctionDef = visit_FunctionDef
        visit_Lambda = visit_ClassDef = lambda self, node: None

        def visit_Return(self, node):
            if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
                self.found = True

        def visit_Yield(self, node):
            self.found = True

    v = V()
    v.visit(top)
    return v.found


def _params(f, skip_first):
    sig = inspect.signature(f)
    ps = list(sig.parameters.values())
    if skip_first:
        ps = ps[1:]
    return [p.name for p in ps]


def _ours(obj):
    return getattr(obj, "__module__", "").startswith("starc")


def _targets():
    """(qualified name, object, kind) of everything public that needs a docstring."""
    seen = set()
    for name in starc.__all__:
        obj = getattr(starc, name)
        if inspect.isclass(obj) and _ours(obj):
            yield name, obj, "class"
            for cls in obj.__mro__:
                if not _ours(cls):
                    continue
                for mname, m in vars(cls).items():
                    if mname.startswith("_") or (obj, mname) in seen:
                        continue
                    seen.add((obj, mname))
                    if isinstance(m, property):
                        yield f"{name}.{mname}", m, "property"
                    elif isinstance(m, (staticmethod, classmethod)):
                        yield f"{name}.{mname}", m.__func__, "static" if isinstance(m, staticmethod) else "method"
                    elif inspect.isfunction(m):
                        yield f"{name}.{mname}", m, "method"
        elif inspect.isfunction(obj) and _ours(obj):
            yield name, obj, "function"


TARGETS = list(_targets())


def test_walk_finds_the_api():
    names = {t[0] for t in TARGETS}
    for n in ("MDP", "MDP.distance", "MDP.epic", "proxy", "regularize", "overopt", "experiment", "random_mdp",
              "Distance", "RegretResult.to_dict"):
        assert n in names, n
    assert len(TARGETS) > 100


def _problems(qual, obj, kind):
    doc = obj.__doc__ if kind != "class" else obj.__dict__.get("__doc__")
    if not doc or not doc.strip():
        return [f"{qual}: no docstring"]
    if kind == "property":
        return []
    secs = _sections(doc)
    out = []
    if kind == "class":
        if issubclass(obj, Result) and dataclasses.is_dataclass(obj):
            fields = [f.name for f in dataclasses.fields(obj)]
            if "Attributes" not in secs:
                return [f"{qual}: a record without an Attributes section"]
            missing = set(fields) - _documented_names(secs["Attributes"])
            if missing:
                out.append(f"{qual}: Attributes does not name {sorted(missing)}")
            return out
        init = obj.__dict__.get("__init__")
        if init is None or not inspect.isfunction(init):
            return out
        params, f = _params(init, True), init
    else:
        params, f = _params(obj, kind == "method"), obj
    if params:
        if "Parameters" not in secs:
            out.append(f"{qual}: takes {params} without a Parameters section")
        else:
            missing = set(params) - _documented_names(secs["Parameters"])
            if missing:
                out.append(f"{qual}: Parameters does not name {sorted(missing)}")
    if kind != "class" and _returns_value(f) and "Returns" not in secs and "Yields" not in secs:
        out.append(f"{qual}: returns a value without a Returns section")
    return out


@pytest.mark.parametrize("qual,obj,kind", TARGETS, ids=[t[0] for t in TARGETS])
def test_docstring(qual, obj, kind):
    problems = _problems(qual, obj, kind)
    assert not problems, "\n".join(problems)


def test_the_check_can_fail():
    def bare(x):
        return x

    def good(x):
        """One line.

        Parameters
        ----------
        x : float
            A number.

        Returns
        -------
        float
        """
        return x

    assert _problems("bare", bare, "function") == ["bare: no docstring"]
    bare.__doc__ = "One line."
    assert len(_problems("bare", bare, "function")) == 2
    assert _problems("good", good, "function") == []
    good.__doc__ = good.__doc__.replace("x : float", "y : float")
    assert "does not name ['x']" in _problems("good", good, "function")[0]
