"""docs/python.md, the README's usage section and docs/examples/python-quickstart.py cannot
rot: every Python block of the page runs, in order, in one namespace; the README's block runs on
files written by numpy and gives the numbers the commands beside it print; the example script
runs to the end."""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "docs")
README = os.path.join(DOCS, os.pardir, "README.md")


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

    def test_readme_usage(self):
        import numpy as np
        import pyref
        import starc
        from clirun import assert_same_dict, run, run_json, same
        with open(README) as f:
            text = f.read()
        usage = text[text.index("## Using it\n"):text.index("\n## ", text.index("## Using it\n") + 1)]
        blocks = re.findall(r"^```python\n(.*?)^```", usage, re.S | re.M)
        self.assertEqual(len(blocks), 1)
        # every command of the sh block above it has its line in the Python block
        for cmd in ("distance", "regret", "experiment", "proxy", "regularize", "overopt", "generate"):
            self.assertIn(f"starc {cmd}", blocks[0])
        rng = np.random.default_rng(14)
        S, A = 5, 3
        T, mu0, g = pyref.random_mdp(rng, S, A, 0.9)
        with tempfile.TemporaryDirectory() as d:
            np.savez(os.path.join(d, "m.npz"), T=T, mu0=mu0, gamma=np.float64(g))
            for name, shape in (("r1", (S, A, S)), ("r2", (S, A)), ("rt", (S, A, S)), ("rp", (S, A))):
                np.save(os.path.join(d, name + ".npy"), rng.normal(size=shape))
            np.savez(os.path.join(d, "rewards.npz"), a=rng.normal(size=S), b=rng.normal(size=(S, A, S)),
                     c=rng.normal(size=(S, A)))
            np.save(os.path.join(d, "pi.npy"), pyref.random_policy(rng, S, A))
            ns = {}
            cwd = os.getcwd()
            os.chdir(d)
            try:
                with starc.single_blas_thread():
                    exec(compile(blocks[0], "README.md, Using it", "exec"), ns)
                p = lambda name: os.path.join(d, name)
                m = ["--mdp", p("m.npz")]
                out, _, _ = run("distance", *m, p("r1.npy"), p("r2.npy"))
                self.assertTrue(same(ns["d"], float(out)), (ns["d"], out))
                js = run_json("distance", *m, "--epic", p("rewards.npz"))
                assert_same_dict(self, {"matrix": ns["D"].tolist()}, {"matrix": js["matrix"]})
                assert_same_dict(self, ns["reg"].to_dict(),
                                 run_json("regret", *m, "--true", p("rt.npy"), "--proxy", p("rp.npy")))
                js = run_json("proxy", *m, "--true", p("rt.npy"), "--proxy", p("rp.npy"), "--base", p("pi.npy"))
                for k in ("r", "sigma_true", "sigma_proxy", "orpo_coef", "base_true_return", "reward_hacking"):
                    self.assertTrue(same(getattr(ns["cp"], k), js[k]), k)
                js = run_json("regularize", *m, "--true", p("rt.npy"), "--proxy", p("rp.npy"), "--base",
                              p("pi.npy"), "--method", "om-sqrt-chi2", "--coef", "orpo")
                assert_same_dict(self, ns["opt"].to_dict(), js)
                self.assertTrue(np.isfinite(ns["fit"].alpha))
                self.assertEqual(ns["study"].values.shape[0], 4 * 2 * 4)
            finally:
                os.chdir(cwd)
                for k in ("mdp", "grid", "m2"):
                    ns[k].close()

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
