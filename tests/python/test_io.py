"""Reading and writing numpy files through libstarc: every layout numpy writes reads back to
numpy's values, and what the package writes loads in numpy unchanged."""

import json
import os
import unittest

import numpy as np

import starc
from clirun import run, workdir


class IO(unittest.TestCase):
    def setUp(self):
        self._dir = workdir()
        self.addCleanup(self._dir.cleanup)
        self.dir = self._dir.name
        self.rng = np.random.default_rng(5)

    def p(self, name):
        return os.path.join(self.dir, name)

    def test_layouts_numpy_writes(self):
        x = self.rng.normal(size=(3, 4, 2))
        cases = {
            "f8": x, "f4": x.astype(np.float32), "be": x.astype(">f8"), "fortran": np.asfortranarray(x),
            "i4": (10 * x).astype(np.int32), "u1": np.abs(10 * x).astype(np.uint8), "bool": x > 0,
            "scalar": np.float64(2.5), "empty": np.empty((0, 3)),
        }
        for name, a in cases.items():
            np.save(self.p(name + ".npy"), a)
            got = starc.load(self.p(name + ".npy"))
            self.assertEqual(got.dtype, np.float64, name)
            self.assertTrue(got.flags.c_contiguous, name)
            np.testing.assert_array_equal(got, np.asarray(a, dtype=np.float64), name)
        np.savez(self.p("a.npz"), **{k: v for k, v in cases.items() if k != "empty"})
        np.savez_compressed(self.p("c.npz"), one=x, two=x.T)
        z = starc.load(self.p("a.npz"))
        self.assertEqual(list(z), [k for k in cases if k != "empty"])
        np.testing.assert_array_equal(z["be"], x)
        np.testing.assert_array_equal(starc.load(self.p("c.npz") + ":two"), x.T)
        # the same values `starc info --data` prints
        js = json.loads(run("info", "--format", "json", "--data", self.p("f4.npy"))[0])
        self.assertEqual(js["files"][0]["arrays"][0]["data"], starc.load(self.p("f4.npy")).ravel().tolist())

    def test_mdp_rewards_policy(self):
        S, A = 4, 3
        T = self.rng.dirichlet(np.ones(S), size=(S, A))
        mu0 = self.rng.dirichlet(np.ones(S))
        np.savez(self.p("m.npz"), T=T.astype(np.float32).astype(np.float64) / T.astype(np.float32).astype(
            np.float64).sum(axis=2, keepdims=True), mu0=mu0, gamma=np.array([0.9]))
        with starc.load_mdp(self.p("m.npz")) as m:
            self.assertEqual((m.S, m.A, m.gamma), (S, A, 0.9))
            m.save(self.p("m2.npz"))
            z = np.load(self.p("m2.npz"), allow_pickle=False)
            np.testing.assert_array_equal(z["T"], m.T)
            np.testing.assert_array_equal(z["mu0"], mu0)
            self.assertEqual(z["gamma"].shape, ())
            r = {"s": self.rng.normal(size=S), "sa": self.rng.normal(size=(S, A)),
                 "sas": self.rng.normal(size=(S, A, S))}
            np.savez(self.p("r.npz"), **r)
            np.save(self.p("one.npy"), r["sa"])
            rs = starc.load_rewards(self.p("r.npz"), m)
            self.assertEqual(list(rs), ["s", "sa", "sas"])
            for k in r:
                np.testing.assert_array_equal(rs[k], m.expand(r[k]))
            np.testing.assert_array_equal(starc.load_reward(self.p("r.npz:sa"), m), m.expand(r["sa"]))
            self.assertEqual(list(starc.load_rewards(self.p("one.npy"), m)), ["one"])
            with self.assertRaises(starc.Error):
                starc.load_reward(self.p("r.npz"), m)
            pi = self.rng.dirichlet(np.ones(A), size=S)
            np.save(self.p("pi.npy"), pi)
            np.testing.assert_array_equal(starc.load_policy(self.p("pi.npy"), m), pi)

    def test_writers(self):
        x = self.rng.normal(size=(2, 3))
        starc.save(self.p("x.npy"), x.T)
        np.testing.assert_array_equal(np.load(self.p("x.npy")), x.T)
        starc.save(self.p("s.npy"), 3.0)
        self.assertEqual(np.load(self.p("s.npy")).shape, ())
        for compress in (False, True):
            starc.save_npz(self.p("w.npz"), {"a": x, "b": [1, 2, 3]}, compress=compress)
            z = np.load(self.p("w.npz"), allow_pickle=False)
            np.testing.assert_array_equal(z["a"], x)
            np.testing.assert_array_equal(z["b"], [1.0, 2.0, 3.0])
        with open(self.p("w.npz"), "rb") as f:
            first = f.read()
        starc.save_npz(self.p("w.npz"), {"a": x, "b": [1, 2, 3]}, compress=True)
        with open(self.p("w.npz"), "rb") as f:
            self.assertEqual(f.read(), first)  # reproducible bytes
        self.assertEqual([n for n in os.listdir(self.dir) if "tmp" in n], [])


if __name__ == "__main__":
    unittest.main()
