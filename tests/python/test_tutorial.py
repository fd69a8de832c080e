"""docs/tutorial.md cannot rot: its ```sh and ```python blocks run in page order in one empty
directory (the commands with the build tree's ``starc`` first on PATH, the Python blocks in one
namespace with the package under test), and the numbers the Python blocks compute are the ones
the commands printed or wrote, bit for bit."""

import contextlib
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import starc

from clirun import STARC, read_tsv, same

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
PAGE = os.path.join(TOP, "docs", "tutorial.md")


def blocks():
    with open(PAGE) as f:
        return re.findall(r"^```(sh|python)\n(.*?)^```", f.read(), re.S | re.M)


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory):
    """(outputs of the sh blocks, stdout of the python blocks, the Python namespace, directory)."""
    d = tmp_path_factory.mktemp("tutorial")
    bindir = d / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(STARC), bindir / "starc")
    os.symlink(sys.executable, bindir / "python3")
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", top_srcdir=os.path.abspath(TOP))
    work = d / "work"
    work.mkdir()
    sh_out, py_out, ns = [], [], {}
    # one shell for every sh block, as tests/tutorial.sh runs them (variables carry over); -e:
    # a failing command ends it, which the read below sees
    shell = subprocess.Popen(["sh", "-e"], cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    cwd = os.getcwd()
    os.chdir(work)
    saved_top = os.environ.get("top_srcdir")
    os.environ["top_srcdir"] = os.path.abspath(TOP)
    try:
        for i, (lang, code) in enumerate(blocks(), 1):
            if lang == "sh":
                (d / f"b{i}.sh").write_text(code)
                shell.stdin.write(f". '{d}/b{i}.sh' >'{d}/b{i}.out' 2>'{d}/b{i}.err'\necho done\n")
                shell.stdin.flush()
                done = shell.stdout.readline()
                err = (d / f"b{i}.err").read_text()
                assert done == "done\n", f"tutorial block {i} (sh) failed:\n{code}\n{err}"
                sh_out.append((d / f"b{i}.out").read_text())
            else:
                buf = io.StringIO()
                # OpenBLAS on one thread, as the command runs it (docs/tutorial.md says so)
                with contextlib.redirect_stdout(buf), starc.single_blas_thread():
                    try:
                        exec(compile(code, f"docs/tutorial.md block {i}", "exec"), ns)
                    except Exception as e:
                        raise AssertionError(f"tutorial block {i} (python) failed: {e!r}\n{code}") from e
                py_out.append(buf.getvalue())
    finally:
        shell.stdin.close()
        shell.wait()
        os.chdir(cwd)
        if saved_top is None:
            os.environ.pop("top_srcdir", None)
        else:
            os.environ["top_srcdir"] = saved_top
    return sh_out, py_out, ns, work


def test_every_step_has_both(tutorial):
    kinds = [k for k, _ in blocks()]
    assert kinds.count("python") >= 8 and kinds.count("sh") >= 10
    # every numbered step from 1 to 7 and 9 shows Python (8 is the C section)
    with open(PAGE) as f:
        steps = re.split(r"^## ", f.read(), flags=re.M)[1:]
    for step in steps:
        if not step.startswith("8."):
            assert "```python" in step, step.splitlines()[0]


def test_distances_and_regret_match_the_command(tutorial):
    sh, _, ns, work = tutorial
    lines = sh[1].split("\n")
    assert same(ns["d_shaped"], float(lines[0])) and same(ns["d_other"], float(lines[1]))
    assert same(ns["d_epic"], float(lines[2]))
    assert abs(ns["d_shaped"]) < 1e-9
    # the matrix: a header of names, then one row of numbers per reward
    assert lines[3].split("\t") == ["r", "r_shaped", "r_other"]
    np.testing.assert_array_equal(ns["D"], np.array([ln.split("\t") for ln in lines[4:7]], dtype=float))
    with open(work / "matrix.json") as f:
        assert json.load(f)["names"] == ["r", "r_shaped", "r_other"]
    head, rows = read_tsv(str(work / "epic.tsv"))
    np.testing.assert_array_equal(ns["E"], np.array(rows, dtype=float))
    assert head == list(ns["rewards"])
    # regret: the text line "regret\t0" and the JSON
    assert ns["reg_shaped"].regret == 0 and "regret\t0\n" in sh[3]
    js = json.loads(sh[3][sh[3].index("{"):])
    for k, v in js.items():
        assert same(ns["reg_other"].to_dict()[k], v), k


def test_study_proxy_and_curves_match_the_command(tutorial):
    sh, _, ns, work = tutorial
    head, rows = read_tsv(str(work / "study" / "correlations.tsv"))
    study = ns["study"]
    assert len(rows) == len(study.variants)
    for v, row in enumerate(rows):
        assert ":".join(row[:3]) == study.variants[v]
        assert same(study.pearson[v], row[3]) and same(study.spearman[v], row[4])
    # step 7's recomputation from pairs.tsv is the stored value
    v = study.index("val:l2:l2")
    assert ns["x"][ns["ok"]].size == study.nfinite[v]
    assert same(starc.pearson(ns["x"][ns["ok"]], ns["y"][ns["ok"]]), rows[v][3])
    with open(work / "orpo.json") as f:
        orpo = json.load(f)
    for k, v in orpo.items():
        if not isinstance(v, (dict, list)):
            assert same(ns["orpo"].to_dict()[k], v), k
    np.testing.assert_array_equal(np.load(work / "adkl-policy.npy"), ns["adkl"].policy)
    om = np.load(work / "om.npz")
    np.testing.assert_array_equal(ns["om"].T, om["T"])
    np.testing.assert_array_equal(ns["ot"], np.load(work / "ot.npy"))
    np.testing.assert_array_equal(ns["op"], np.load(work / "op.npy"))
    head, rows = read_tsv(str(work / "curves" / "curves.tsv"))
    i = 0
    for name, c in ns["curves"].methods.items():
        for j in range(len(c.coef)):
            assert rows[i][0] == name
            for col, field in enumerate(head[1:], 1):
                assert same(getattr(c, field)[j], rows[i][col]), (name, j, field)
            i += 1
    assert i == len(rows)


def test_python_blocks_print(tutorial):
    _, py, ns, _ = tutorial
    assert "MDP(S=5, A=3, gamma=0.9)" in py[0]
    assert "True" in py[5]  # the tomato proxy hacks
    assert ns["cp"].reward_hacking and ns["orpo"].converged
    assert ns["orpo"].true_return > ns["cp"].proxy_optimal.true_return
