"""Running the real ``starc`` command from the Python tests (the command is $STARC, the
build tree's tools/starc), and comparing its numbers with the package's."""

import json
import math
import os
import subprocess
import tempfile

import numpy as np

STARC = os.environ.get("STARC", "starc")


def run(*args, ok=True):
    """(stdout, stderr, exit status) of ``starc ARGS``; with ok, a non-zero status fails."""
    p = subprocess.run([STARC, *map(str, args)], capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise AssertionError(f"starc {' '.join(map(str, args))} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout, p.stderr, p.returncode


def run_json(*args):
    return json.loads(run(*args, "--format", "json")[0])


def read_tsv(path):
    """(header, rows) of a TSV file, numbers parsed (nan, inf, -inf included)."""
    with open(path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return lines[0], [[_num(x) for x in row] for row in lines[1:]]


def _num(x):
    try:
        return float(x)
    except ValueError:
        return x


def workdir():
    """A temporary directory (under $TMPDIR, which tests/python.sh points into the build tree)."""
    return tempfile.TemporaryDirectory(prefix="starc-py-")


def same(a, b):
    """a == b exactly, non-finite values (or JSON null) matching any non-finite value of the
    same kind: the CLI prints %.17g, which reads back to the same double."""
    if a is None or b is None:
        x = b if a is None else a
        return x is None or (isinstance(x, float) and not math.isfinite(x))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a) == bool(b)
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def assert_same_dict(tc, py, cli, keys=None, where=""):
    """Every key of the CLI's JSON object (or of @p keys) equal in the package's dict."""
    for k in keys if keys is not None else cli:
        v = cli[k]
        if isinstance(v, dict):
            assert_same_dict(tc, py[k], v, where=f"{where}{k}.")
        elif isinstance(v, list):
            tc.assertEqual(len(py[k]), len(v), f"{where}{k}")
            for i, (x, y) in enumerate(zip(py[k], v)):
                if isinstance(y, list):
                    for j, (xx, yy) in enumerate(zip(x, y)):
                        tc.assertTrue(same(xx, yy), f"{where}{k}[{i}][{j}]: python {xx!r}, starc {yy!r}")
                else:
                    tc.assertTrue(same(x, y), f"{where}{k}[{i}]: python {x!r}, starc {y!r}")
        else:
            tc.assertTrue(same(py[k], v), f"{where}{k}: python {py[k]!r}, starc {v!r}")
