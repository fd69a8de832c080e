"""Wrong shapes, NaN, wrong dtypes and types, bad option names and failing computations raise
starc.Error with the library's one-line message (the text the ``starc`` command prints after
its prefix), never crash; closed objects refuse to work."""

import os
import unittest

import numpy as np

import starc
from clirun import run, workdir


class Errors(unittest.TestCase):
    def setUp(self):
        self.T = np.full((3, 2, 3), 1 / 3)
        self.mu0 = np.full(3, 1 / 3)
        self.m = starc.MDP(self.T, self.mu0, 0.9)
        self.addCleanup(self.m.close)
        self._dir = workdir()
        self.addCleanup(self._dir.cleanup)
        self.dir = self._dir.name
        np.savez(self.p("m.npz"), T=self.T, mu0=self.mu0, gamma=np.float64(0.9))
        np.save(self.p("ok.npy"), np.ones(3))

    def p(self, name):
        return os.path.join(self.dir, name)

    def raises(self, status, f, *args, contains=None, **kw):
        with self.assertRaises(starc.Error) as cm:
            f(*args, **kw)
        e = cm.exception
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.status, status, str(e))
        self.assertEqual(str(e), e.message)
        self.assertNotIn("\n", str(e))
        if contains:
            self.assertIn(contains, str(e))
        return str(e)

    def cli_message(self, *args):
        """The CLI's one line on stderr without its 'starc CMD: ' prefix (exit status 2)."""
        _, err, rc = run(*args, ok=False)
        self.assertEqual(rc, 2, err)
        self.assertEqual(err.count("\n"), 1, err)
        return err.split(": ", 1)[1].rstrip("\n")

    def test_same_message_as_the_command(self):
        T = self.T.copy()
        T[0, 1, 0] += 0.1
        np.savez(self.p("bad.npz"), T=T, mu0=self.mu0, gamma=np.float64(0.9))
        r = np.ones((3, 2, 3))
        r[1, 0, 2] = np.nan
        np.save(self.p("nan.npy"), r)
        np.save(self.p("shape.npy"), np.ones((3, 4)))
        np.save(self.p("pol.npy"), np.full((3, 2), 0.4))
        cli = self.cli_message("distance", "--mdp", self.p("bad.npz"), self.p("ok.npy"), self.p("ok.npy"))
        self.assertEqual(self.raises(starc.EINVAL, starc.load_mdp, self.p("bad.npz")), cli)
        # the same check on arrays: the library's text without the file name
        msg = self.raises(starc.EINVAL, starc.MDP, T, self.mu0, 0.9)
        self.assertTrue(cli.endswith(msg), (cli, msg))
        cli = self.cli_message("distance", "--mdp", self.p("m.npz"), self.p("nan.npy"), self.p("ok.npy"))
        self.assertEqual(self.raises(starc.EINVAL, starc.load_rewards, self.p("nan.npy"), self.m), cli)
        msg = self.raises(starc.EINVAL, self.m.distance, r, np.ones(3))
        self.assertEqual(msg, "R1: " + cli.split(": ", 1)[1])
        cli = self.cli_message("distance", "--mdp", self.p("m.npz"), self.p("shape.npy"), self.p("ok.npy"))
        msg = self.raises(starc.EDIM, self.m.distance, np.ones(3), np.ones((3, 4)))
        self.assertEqual(msg, "R2: " + cli.split(": ", 1)[1])
        cli = self.cli_message("proxy", "--mdp", self.p("m.npz"), "--true", self.p("ok.npy"), "--proxy",
                               self.p("ok.npy"), "--base", self.p("pol.npy"))
        self.assertEqual(self.raises(starc.EINVAL, starc.load_policy, self.p("pol.npy"), self.m),
                         cli.split(": ", 1)[1])
        msg = self.raises(starc.EINVAL, starc.proxy, self.m, np.ones(3), np.ones(3), np.full((3, 2), 0.4))
        self.assertTrue(msg.endswith(cli.split(": ", 2)[2]), (msg, cli))
        cli = self.cli_message("distance", "--mdp", self.p("missing.npz"), self.p("ok.npy"), self.p("ok.npy"))
        self.assertEqual(self.raises(starc.EIO, starc.load_mdp, self.p("missing.npz")), cli)

    def test_shapes(self):
        m = self.m
        self.raises(starc.EDIM, starc.MDP, np.ones((3, 3)), self.mu0, 0.9, contains="(S,A,S)")
        self.raises(starc.EDIM, starc.MDP, self.T, np.ones(4) / 4, 0.9, contains="mu0")
        self.raises(starc.EDIM, starc.MDP, np.ones((2, 1, 3)) / 3, np.ones(2) / 2, 0.9)
        self.raises(starc.EDIM, starc.MDP, np.empty((0, 2, 0)), np.empty(0), 0.9)
        for bad in (np.ones(4), np.ones((3, 3)), np.ones((3, 2, 2)), np.ones((3, 2, 3, 1)), 5.0):
            self.raises(starc.EDIM, m.distance, bad, np.ones(3), contains="the MDP needs (3,), (3,2) or (3,2,3)")
            self.raises(starc.EDIM, m.evaluate, m.uniform_policy(), bad)
            self.raises(starc.EDIM, m.regret, np.ones(3), bad)
            self.raises(starc.EDIM, starc.proxy, m, bad, np.ones(3))
        self.raises(starc.EDIM, m.evaluate, np.ones((2, 3)) / 3, np.ones(3), contains="policy has shape (2,3)")
        self.raises(starc.EDIM, m.distance, np.ones(3), np.ones(3), policy=np.ones((3, 3)) / 3)
        self.raises(starc.EDIM, m.distance, np.ones(3), np.ones(3), coverage=np.ones(5))
        self.raises(starc.EDIM, m.distance, np.ones(3), np.ones(3), canon="epic", state_dist=np.ones(2) / 2)
        self.raises(starc.EDIM, m.hackable, np.ones(3), np.ones(3), np.ones((3, 2)))
        self.raises(starc.EDIM, starc.pearson, [1, 2, 3], [1, 2])
        self.raises(starc.EINVAL, m.policy_from_actions, [0, 2, 1], contains="[0, 2)")

    def test_nan_and_inf(self):
        m = self.m
        for bad in (np.nan, np.inf, -np.inf):
            R = np.ones((3, 2))
            R[2, 1] = bad
            self.raises(starc.EINVAL, m.distance, np.ones(3), R, contains="R2: reward entry 5 (flat index) is not finite")
            self.raises(starc.EINVAL, m.canonicalize, R, contains="not finite")
            self.raises(starc.EINVAL, m.optimal_policy, R, contains="not finite")
            self.raises(starc.EINVAL, m.evaluate, m.uniform_policy(), R, contains="not finite")
            self.raises(starc.EINVAL, m.regret, R, np.ones(3), contains="true: reward entry")
            self.raises(starc.EINVAL, starc.proxy, m, np.ones(3), R, contains="proxy: reward entry")
            self.raises(starc.EINVAL, starc.regularize, m, None, R, None, "ad-kl", 1.0, contains="not finite")
            self.raises(starc.EINVAL, m.distance_matrix, [np.ones(3), R], contains="rewards[1]")
            stack = np.ones((2, 3, 2, 3))
            stack[1, 2, 1, 0] = bad
            self.raises(starc.EINVAL, m.distance_matrix, stack, contains="rewards[1]: reward entry 15")
            T = self.T.copy()
            T[1, 1, 1] = bad
            self.raises(starc.EINVAL, starc.MDP, T, self.mu0, 0.9, contains="T[1,1,1] is not finite")
            pi = m.uniform_policy()
            pi[0, 0] = bad
            self.raises(starc.EINVAL, m.evaluate, pi, np.ones(3), contains="not finite")
            self.raises(starc.EINVAL, starc.MDP, self.T, self.mu0, bad)
        # the largest finite doubles are finite
        big = np.full((3, 2, 3), np.finfo(float).max)
        self.assertEqual(m.expand(big)[0, 0, 0], np.finfo(float).max)

    def test_dtypes_and_types(self):
        m = self.m
        for bad in (np.ones(3, dtype=complex), np.array(["a", "b", "c"]), np.array([1, None, 2], dtype=object),
                    "abc", None, [[1, 2], [3]], {"a": 1}, np.ones(3, dtype="datetime64[s]")):
            msg = self.raises(starc.EINVAL, m.distance, bad, np.ones(3))
            self.assertTrue(msg.startswith("R1: "), msg)
        self.raises(starc.EINVAL, starc.MDP, "T", self.mu0, 0.9)
        self.raises(starc.EINVAL, starc.MDP, self.T, self.mu0, "0.9x")
        self.raises(starc.EINVAL, starc.MDP, self.T, self.mu0, None)
        self.raises(starc.EINVAL, m.distance, np.ones(3), np.ones(3), nthreads="two")
        self.raises(starc.EINVAL, m.distance, np.ones(3), np.ones(3), nthreads=1.5)
        self.raises(starc.EINVAL, starc.random_rewards, m, count=0)
        self.raises(starc.EINVAL, starc.load_mdp, 42)
        self.raises(starc.EINVAL, starc.tomato, map=5)
        self.raises(starc.EINVAL, m.distance_matrix, 17)
        self.raises(starc.EINVAL, starc.save_npz, self.p("x.npz"), [1, 2])
        self.raises(starc.EINVAL, m.distance_matrix, [np.ones(3)], bogus=1, contains="unknown option 'bogus'")

    def test_bad_option_names(self):
        m = self.m
        for kw, word in ((dict(canon="foo"), "canonicalisation"), (dict(norm="l3"), "l2"),
                         (dict(metric="cosine"), "pearson"), (dict(canon=3), "val")):
            msg = self.raises(starc.EINVAL, m.distance, np.ones(3), np.ones(3), **kw)
            self.assertIn(word, msg)
        self.raises(starc.EINVAL, starc.regularize, m, None, np.ones(3), None, "l2-reg", 1.0, contains="ad-kl")
        self.raises(starc.EINVAL, starc.regularize, m, None, np.ones(3), None, "ad-kl", 1.0, adkl_solver="newton",
                    contains="vi")
        self.raises(starc.EINVAL, starc.overopt, m, np.ones(3), np.ones(3), None, ["bon", "best-of-n"],
                    contains="bon")
        self.raises(starc.EINVAL, starc.proxy_reward, m, np.ones(3), None, "gaussian", contains="heavy-tail")
        self.raises(starc.EINVAL, starc.gao_fit, [1, 2], [1, 2], "cubic")

    def test_every_status(self):
        m = self.m
        self.raises(starc.EINVAL, starc.MDP, self.T, self.mu0, 1.5, contains="gamma")
        self.raises(starc.EDIM, m.distance, np.ones(2), np.ones(3))
        self.raises(starc.EIO, starc.load, self.p("nothing.npy"), contains="nothing.npy")
        with open(self.p("junk.npy"), "wb") as f:
            f.write(b"\x93NUMPY\x01\x00junk")
        self.raises(starc.EFORMAT, starc.load, self.p("junk.npy"), contains="junk.npy")
        np.save(self.p("obj.npy"), np.array([{"a": 1}], dtype=object), allow_pickle=True)
        self.raises(starc.EFORMAT, starc.load, self.p("obj.npy"))
        self.raises(starc.EUNDEF, starc.pearson, [1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
        self.raises(starc.EUNDEF, starc.gao_fit, [1.0, 1.0], [1.0, 2.0], "bon")
        rng = np.random.default_rng(0)
        with starc.random_mdp(6, 3, 0.99, seed=1) as mm:
            with self.assertRaises(starc.Error) as cm:
                starc.regularize(mm, None, rng.normal(size=(6, 3)), None, "om-chi2", 1e-3, max_iter=1)
            self.assertEqual(cm.exception.status, starc.ENOCONV)
            self.assertIsInstance(cm.exception.result, starc.RegularizeResult)
            self.assertFalse(cm.exception.result.converged)
            self.raises(starc.ENOCONV, mm.optimal_policy, rng.normal(size=(6, 3)), max_iter=1)
        self.raises(starc.EINVAL, starc.regularize, m, None, np.ones(3), None, "ad-kl", -1.0, contains="coefficient")
        self.raises(starc.EINVAL, starc.regularize, m, None, np.ones(3), None, "ad-kl", "orpo", contains="true reward")
        self.raises(starc.EINVAL, starc.tomato, map="T.T/..A", contains="bucket")

    def test_closed_objects(self):
        m = starc.MDP(self.T, self.mu0, 0.5)
        plan = m.distance_plan()
        ev = m.evaluator(m.uniform_policy())
        m.distance(np.ones(3), np.arange(3.0))  # a pooled plan
        m.close()
        m.close()
        self.assertTrue(m.closed and plan.closed and ev.closed)
        self.raises(starc.EINVAL, m.distance, np.ones(3), np.ones(3), contains="closed")
        self.raises(starc.EINVAL, plan.distance, np.ones(3), np.ones(3), contains="closed")
        self.raises(starc.EINVAL, ev.values, np.ones(3), contains="closed")
        self.assertEqual(repr(m), "MDP(closed)")
        with starc.MDP(self.T, self.mu0, 0.5) as m2:
            pass
        self.assertTrue(m2.closed)


if __name__ == "__main__":
    unittest.main()
