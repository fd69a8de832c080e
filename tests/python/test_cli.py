"""Every capability of the package against the ``starc`` command on the same files: the
command prints %.17g, which reads back to the same double, so the numbers must be equal bit
for bit (clirun.same)."""

import json
import os
import unittest

import numpy as np

import pyref
import starc
from clirun import assert_same_dict, read_tsv, run, run_json, same, workdir


class CliCase(unittest.TestCase):
    """A temporary directory with an MDP, rewards of every shape and policies, written by numpy."""

    S, A, GAMMA = 5, 3, 0.9

    def setUp(self):
        self._dir = workdir()
        self.addCleanup(self._dir.cleanup)
        self.dir = self._dir.name
        rng = np.random.default_rng(2024)
        S, A = self.S, self.A
        T, mu0, g = pyref.random_mdp(rng, S, A, self.GAMMA, alpha=0.5)
        self.T, self.mu0 = T, mu0
        np.savez(self.p("m.npz"), T=T, mu0=mu0, gamma=np.float64(g))
        self.mdp = starc.MDP(T, mu0, g)
        self.addCleanup(self.mdp.close)
        self.R = {
            "r1": rng.normal(size=(S, A, S)),
            "r2": rng.normal(size=(S, A)),
            "r3": rng.normal(size=S),
            "r4": rng.normal(size=(S, A, S)).astype(np.float32),
        }
        for k, v in self.R.items():
            np.save(self.p(k + ".npy"), v)
        np.savez(self.p("all.npz"), **self.R)
        self.pi = pyref.random_policy(rng, S, A)
        self.base = pyref.random_policy(rng, S, A)
        np.save(self.p("pi.npy"), self.pi)
        np.save(self.p("base.npy"), self.base)
        self.ds = rng.dirichlet(np.ones(S))
        self.da = rng.dirichlet(np.ones(A))
        self.cov = rng.dirichlet(np.ones(S * A * S)).reshape(S, A, S)
        np.save(self.p("ds.npy"), self.ds)
        np.save(self.p("da.npy"), self.da)
        np.save(self.p("cov.npy"), self.cov)
        self.pols = rng.dirichlet(np.ones(A), size=(6, S))
        np.save(self.p("pols.npy"), self.pols)

    def p(self, name):
        return os.path.join(self.dir, name)

    def r(self, name):
        return self.p(name + ".npy")


class TestDistance(CliCase):
    def test_pairs_every_variant(self):
        combos = [(c, n, "l2") for c in starc.CANONS for n in starc.NORMS]
        combos += [("val", "l2", m) for m in starc.METRICS] + [("minimal", "wl1", "wlinf"), ("dard", "range", "l1")]
        for c, n, m in combos:
            out, _, _ = run("distance", "--mdp", self.p("m.npz"), "--canon", c, "--norm", n, "--metric", m,
                            self.r("r1"), self.r("r2"))
            d = self.mdp.distance(self.R["r1"], self.R["r2"], c, n, m)
            self.assertTrue(same(d, float(out)), f"{c}:{n}:{m}: python {d!r}, starc {out.strip()}")

    def test_options(self):
        m = self.p("m.npz")
        cases = [
            (["--policy", self.p("pi.npy")], dict(policy=self.pi)),
            (["--canon", "val-potential", "--policy", self.p("pi.npy")], dict(canon="val-potential", policy=self.pi)),
            (["--canon", "epic", "--state-dist", self.p("ds.npy"), "--action-dist", self.p("da.npy")],
             dict(canon="epic", state_dist=self.ds, action_dist=self.da)),
            (["--canon", "dard", "--action-dist", self.p("da.npy")], dict(canon="dard", action_dist=self.da)),
            (["--metric", "pearson", "--coverage", self.p("cov.npy")], dict(metric="pearson", coverage=self.cov)),
            (["--canon", "minimal-potential", "--weighted"], dict(canon="minimal-potential", weighted=True)),
            (["--trivial-tol", "0.5"], dict(trivial_tol=0.5)),
            (["--threads", "2", "--norm", "range"], dict(nthreads=2, norm="range")),
        ]
        for args, kw in cases:
            for r1, r2 in (("r1", "r2"), ("r3", "r4")):
                out, _, _ = run("distance", "--mdp", m, *args, self.r(r1), self.r(r2))
                d = self.mdp.distance(self.R[r1], self.R[r2], **kw)
                self.assertTrue(same(d, float(out)), f"{args}: python {d!r}, starc {out.strip()}")
        for flag, f in (("--epic", self.mdp.epic), ("--dard", self.mdp.dard)):
            out, _, _ = run("distance", "--mdp", m, flag, self.r("r1"), self.r("r3"))
            self.assertTrue(same(f(self.R["r1"], self.R["r3"]), float(out)), flag)
        out, _, _ = run("distance", "--mdp", m, "--epic", "--coverage", self.p("cov.npy"), self.r("r1"),
                        self.r("r2"))
        self.assertTrue(same(self.mdp.epic(self.R["r1"], self.R["r2"], coverage=self.cov), float(out)))

    def test_matrix(self):
        for args, kw in (([], {}), (["--epic"], dict(epic=True)), (["--canon", "minimal", "--metric", "linf"],
                                                                  dict(canon="minimal", metric="linf"))):
            js = run_json("distance", "--mdp", self.p("m.npz"), *args, self.p("all.npz"))
            D = self.mdp.distance_matrix(self.R, **kw)
            self.assertEqual(js["names"], list(self.R))
            assert_same_dict(self, {"matrix": D.tolist()}, {"matrix": js["matrix"]}, where=str(args))
            rs = starc.load_rewards(self.p("all.npz"), self.mdp)
            np.testing.assert_array_equal(self.mdp.distance_matrix(rs, **kw), D)

    def test_undefined(self):
        np.save(self.p("zero.npy"), np.zeros(self.S))
        _, err, rc = run("distance", "--mdp", self.p("m.npz"), "--epic", self.p("zero.npy"), self.r("r1"), ok=False)
        d = self.mdp.epic(np.zeros(self.S), self.R["r1"])
        self.assertEqual(rc, 1)
        self.assertTrue(d.undefined and np.isnan(d))
        self.assertIn(d.message, err)
        js = run_json("distance", "--mdp", self.p("m.npz"), "--epic", self.p("zero.npy"), self.r("r1"),
                      self.r("r2"))
        D = self.mdp.distance_matrix([np.zeros(self.S), self.R["r1"], self.R["r2"]], epic=True)
        assert_same_dict(self, {"matrix": D.tolist()}, {"matrix": js["matrix"]})
        self.assertTrue(np.isnan(D[0]).all())


class TestRegretProxy(CliCase):
    def test_regret(self):
        for t, p in (("r1", "r2"), ("r3", "r4"), ("r2", "r2")):
            js = run_json("regret", "--mdp", self.p("m.npz"), "--true", self.r(t), "--proxy", self.r(p))
            assert_same_dict(self, self.mdp.regret(self.R[t], self.R[p]).to_dict(), js)
            js = run_json("regret", "--mdp", self.p("m.npz"), "--true", self.r(t), "--proxy", self.r(p), "--symmetric")
            py = self.mdp.regret(self.R[t], self.R[p], symmetric=True).to_dict()
            assert_same_dict(self, py, js)

    def test_proxy(self):
        m = self.p("m.npz")
        common = ["--mdp", m, "--true", self.r("r1"), "--proxy", self.r("r2")]
        js = run_json("proxy", *common, "--base", self.p("base.npy"), "--policy", self.p("pi.npy"), "--policies",
                      self.p("pols.npy"))
        py = starc.proxy(self.mdp, self.R["r1"], self.R["r2"], self.base, policy=self.pi, policies=self.pols)
        d = py.to_dict()
        d["proxy_optimal"]["actions"] = d["proxy_optimal"]["actions"].tolist()
        h = d["hackability"]
        d["hackability"]["witness"] = list(h["witness"]) if h["witness"] is not None else None
        assert_same_dict(self, d, js)
        js = run_json("proxy", *common, "--base", "uniform", "--all-deterministic", "--tie-tol", "1e-6")
        py = starc.proxy(self.mdp, self.R["r1"], self.R["r2"], None, all_deterministic=True, tie_tol=1e-6)
        self.assertEqual(py.hackability.policies, self.A ** self.S)
        self.assertEqual(py.hackability.hackable, js["hackability"]["hackable"])
        self.assertEqual(py.hackability.policies, js["hackability"]["policies"])
        self.assertEqual(list(py.hackability.witness) if py.hackability.witness else None, js["hackability"]["witness"])
        for k in ("r", "sigma_true", "orpo_coef", "base_true_return", "reward_hacking"):
            self.assertTrue(same(getattr(py, k), js[k]), k)
        out, _, _ = run("proxy", *common, "--base", self.p("base.npy"), "-o", self.p("po.npy"))
        np.testing.assert_array_equal(np.load(self.p("po.npy")), starc.proxy(self.mdp, self.R["r1"], self.R["r2"],
                                                                             self.base).proxy_optimal.policy)

    def test_regularize(self):
        m = self.p("m.npz")
        for method in starc.REGULARIZE_METHODS:
            for coef, extra, kw in (("0.3", [], {}), ("orpo", [], {}), ("0.05", ["--tol", "1e-11"], dict(tol=1e-11)),
                                    ("0.2", ["--adkl-solver", "vi", "--max-iter", "500"],
                                     dict(adkl_solver="vi", max_iter=500))):
                js = run_json("regularize", "--mdp", m, "--true", self.r("r1"), "--proxy", self.r("r2"), "--base",
                              self.p("base.npy"), "--method", method, "--coef", coef, "-o", self.p("rp.npy"), *extra)
                py = starc.regularize(self.mdp, self.R["r1"], self.R["r2"], self.base, method,
                                      coef if coef == "orpo" else float(coef), **kw)
                assert_same_dict(self, py.to_dict(), js, where=f"{method} {coef} {extra}: ")
                np.testing.assert_array_equal(np.load(self.p("rp.npy")), py.policy)
        # without a true reward the true-return fields are NaN (null in json)
        js = run_json("regularize", "--mdp", m, "--proxy", self.r("r3"), "--base", "uniform", "--method", "om-chi2",
                      "--coef", "0.1")
        assert_same_dict(self, starc.regularize(self.mdp, None, self.R["r3"], None, "om-chi2", 0.1).to_dict(), js)


class TestOveropt(CliCase):
    def test_overopt(self):
        rng = np.random.default_rng(7)
        base = np.full((self.S, self.A), 0.15 / (self.A - 1))
        base[np.arange(self.S), rng.integers(0, self.A, self.S)] = 0.85
        np.save(self.p("ob.npy"), base)
        Rp = starc.proxy_reward(self.mdp, self.R["r1"], base, "off-distribution", seed=2)
        np.save(self.p("op.npy"), Rp)
        out = self.p("oo")
        run("overopt", "--mdp", self.p("m.npz"), "--true", self.r("r1"), "--proxy", self.p("op.npy"), "--base",
            self.p("ob.npy"), "--points", "7", "--bon-max", "40", "--method", "ad-kl,om-chi2,om-sqrt-chi2,om-kl,bon",
            "-o", out)
        res = starc.overopt(self.mdp, self.R["r1"], Rp, base, "ad-kl,om-chi2,om-sqrt-chi2,om-kl,bon", points=7,
                            bon_max=40)
        head, rows = read_tsv(os.path.join(out, "curves.tsv"))
        i = 0
        for name, c in res.methods.items():
            for j in range(len(c.coef)):
                row = rows[i]
                i += 1
                self.assertEqual(row[0], name)
                for col, field in enumerate(head[1:], 1):
                    self.assertTrue(same(getattr(c, field)[j], row[col]), f"{name} point {j} {field}")
        self.assertEqual(i, len(rows))
        head, rows = read_tsv(os.path.join(out, "fits.tsv"))
        for row in rows:
            f = res.methods[row[0]].fits[row[1]][row[2]]
            for col, field in enumerate(head[3:-1], 3):
                self.assertTrue(same(getattr(f, field) if f else None, row[col]), f"{row[:3]} {field}")
        with open(os.path.join(out, "summary.json")) as fh:
            js = json.load(fh)
        py = res.to_dict()
        for k in ("base_true_return", "base_proxy_return", "proxy_optimal_true_return", "true_range", "r",
                  "sigma_true", "sigma_proxy"):
            self.assertTrue(same(py[k], js[k]), k)
        for name, e in js["methods"].items():
            s = res.methods[name].summary
            self.assertTrue(same(s.peak_true_delta, e["peak"]["true_delta"]))
            self.assertEqual(s.peak_index, e["peak"]["index"])
            self.assertTrue(same(s.drop_normalized, e["drop_normalized"]))
            self.assertEqual(s.non_monotone, e["non_monotone"])
            self.assertEqual(s.local_maxima, e["local_maxima"])
            self.assertTrue(same(res.methods[name].coef_min, e["coef_min"]))
            self.assertTrue(same(res.methods[name].coef_max, e["coef_max"]))


class TestExperiment(CliCase):
    def test_experiment(self):
        out = self.p("study")
        args = dict(mdps=3, pairs=2, steps=4, states=6, actions=3, gamma=0.9, seed=11)
        run("experiment", *[f"--{k}={v}" for k, v in args.items()], "--jobs", "2", "--no-render", "-o", out)
        res = starc.experiment(**args, nthreads=2)
        head, rows = read_tsv(os.path.join(out, "correlations.tsv"))
        self.assertEqual(len(rows), len(res.variants))
        for v, row in enumerate(rows):
            self.assertEqual(":".join(row[:3]), res.variants[v])
            self.assertTrue(same(res.pearson[v], row[3]), res.variants[v])
            self.assertTrue(same(res.spearman[v], row[4]), res.variants[v])
        head, rows = read_tsv(os.path.join(out, "pairs.tsv"))
        self.assertEqual(head[4:], res.variants)
        got = np.array(rows)
        np.testing.assert_array_equal(got[:, 0], res.mdp)
        np.testing.assert_array_equal(got[:, 1], res.pair)
        np.testing.assert_array_equal(got[:, 2], res.step)
        np.testing.assert_array_equal(got[:, 3], res.regret)
        np.testing.assert_array_equal(got[:, 4:], res.values)


class TestGenerate(CliCase):
    def test_mdp_and_rewards(self):
        run("generate", "mdp", "--states", 7, "--actions", 2, "--gamma", 0.8, "--seed", 9, "-o", self.p("g.npz"))
        z = np.load(self.p("g.npz"))
        with starc.random_mdp(7, 2, 0.8, seed=9) as m:
            np.testing.assert_array_equal(m.T, z["T"])
            np.testing.assert_array_equal(m.mu0, z["mu0"])
            self.assertEqual(m.gamma, float(z["gamma"]))
            run("generate", "reward", "--mdp", self.p("g.npz"), "--count", 3, "--seed", 4, "--p-shape", 0.9,
                "-o", self.p("gr.npz"))
            z = np.load(self.p("gr.npz"))
            R = starc.random_rewards(m, 3, seed=4, p_shape=0.9)
            for i in range(3):
                np.testing.assert_array_equal(R[i], z[f"r{i + 1}"])
            run("generate", "reward", "--mdp", self.p("g.npz"), "--from", self.p("gr.npz:r1"), "--to",
                self.p("gr.npz:r2"), "--steps", 5, "-o", self.p("gi.npz"))
            z = np.load(self.p("gi.npz"))
            I = starc.interpolate(R[0], R[1], 5)
            for i in range(6):
                np.testing.assert_array_equal(I[i], z[f"step{i}"])
        run("generate", "mdp", "--states", 4, "--actions", 3, "--dirichlet", 0.4, "--seed", 2, "-o", self.p("d.npz"))
        with starc.random_mdp(4, 3, 0.95, seed=2, dirichlet=0.4) as m:
            np.testing.assert_array_equal(m.T, np.load(self.p("d.npz"))["T"])
        run("generate", "reward", "--states", 3, "--actions", 2, "--gamma", 0.5, "--seed", 1, "-o", self.p("u.npy"))
        np.testing.assert_array_equal(starc.random_reward(states=3, actions=2, gamma=0.5, seed=1),
                                      np.load(self.p("u.npy")))

    def test_gridworld_tomato_proxy(self):
        run("generate", "gridworld", "-o", self.p("grid"))
        mdp, rewards = starc.epic_gridworld()
        self.addCleanup(mdp.close)
        z = np.load(self.p("grid/mdp.npz"))
        np.testing.assert_array_equal(mdp.T, z["T"])
        z = np.load(self.p("grid/rewards.npz"))
        self.assertEqual(list(z.files), list(rewards))
        for k in rewards:
            np.testing.assert_array_equal(rewards[k], z[k])
        run("generate", "tomato", "--dry-prob", 0.2, "--epsilon", 0.4, "-o", self.p("tom"))
        t = starc.tomato(dry_prob=0.2, epsilon=0.4)
        self.addCleanup(t.mdp.close)
        np.testing.assert_array_equal(t.mdp.T, np.load(self.p("tom/mdp.npz"))["T"])
        z = np.load(self.p("tom/rewards.npz"))
        np.testing.assert_array_equal(t.true, z["true"])
        np.testing.assert_array_equal(t.proxy, z["proxy"])
        np.testing.assert_array_equal(t.base, np.load(self.p("tom/base.npy")))
        for kind in starc.PROXY_KINDS:
            run("generate", "proxy", "--mdp", self.p("m.npz"), "--true", self.r("r1"), "--base", self.p("base.npy"),
                "--kind", kind, "--seed", 5, "--scale", 0.7, "-o", self.p("px.npy"))
            np.testing.assert_array_equal(starc.proxy_reward(self.mdp, self.R["r1"], self.base, kind, seed=5,
                                                             scale=0.7), np.load(self.p("px.npy")), kind)


if __name__ == "__main__":
    unittest.main()
