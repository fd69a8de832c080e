"""docs/python.md and docs/examples/python-quickstart.py cannot rot: every Python block of the
page runs, in order, in one namespace, and the example script runs to the end."""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "docs")


class Docs(unittest.TestCase):
    def test_python_md(self):
        with open(os.path.join(DOCS, "python.md")) as f:
            blocks = re.findall(r"^```python\n(.*?)^```", f.read(), re.S | re.M)
        self.assertGreaterEqual(len(blocks), 10)
        ns = {}
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as d:
            os.chdir(d)
            try:
                out = io.StringIO()
                for i, code in enumerate(blocks):
                    with contextlib.redirect_stdout(out):
                        try:
                            exec(compile(code, f"docs/python.md block {i + 1}", "exec"), ns)
                        except Exception as e:
                            raise AssertionError(f"docs/python.md block {i + 1} failed: {e!r}\n{code}") from e
            finally:
                os.chdir(cwd)
        self.assertIn("0.75", out.getvalue())  # the EPIC paper's matrix was printed

    def test_example(self):
        with tempfile.TemporaryDirectory() as d:
            import starc
            pkg = os.path.dirname(os.path.dirname(os.path.abspath(starc.__file__)))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [pkg, os.environ.get("PYTHONPATH")])))
            p = subprocess.run([sys.executable, os.path.join(DOCS, "examples", "python-quickstart.py")], cwd=d,
                               capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("reward hacking: True", p.stdout)
            self.assertTrue(os.path.exists(os.path.join(d, "quickstart-results.npz")))


if __name__ == "__main__":
    unittest.main()
