"""The package against numpy references (pyref.py) on seeded random MDPs, the invariances the
theory promises, and the input conventions (shapes, dtypes, memory orders)."""

import math
import unittest

import numpy as np

import pyref
import starc
from clirun import same

GAMMAS = (0.0, 0.5, 0.9, 0.99, 0.999)
EPS = np.finfo(float).eps


def close(tc, a, b, rtol, what=""):
    """|a - b| <= rtol * max|b| (elementwise, relative to the reference's own scale)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    tc.assertEqual(a.shape, b.shape, what)
    scale = max(np.abs(b).max(initial=0.0), np.finfo(float).tiny)
    err = np.abs(a - b).max(initial=0.0)
    tc.assertLessEqual(err, rtol * scale, f"{what}: max error {err:.3g} against scale {scale:.3g}")


class Base(unittest.TestCase):
    def mdp(self, seed, S, A, gamma, alpha=1.0):
        rng = np.random.default_rng(seed)
        T, mu0, g = pyref.random_mdp(rng, S, A, gamma, alpha)
        m = starc.MDP(T, mu0, g)
        self.addCleanup(m.close)
        return rng, T, mu0, g, m


class TestPolicies(Base):
    def test_evaluate_occupancy_returns(self):
        for k, g in enumerate(GAMMAS):
            for S, A in ((1, 1), (3, 2), (7, 4), (64, 3)):
                rng, T, mu0, g, m = self.mdp(10 * k + S, S, A, g)
                pi = pyref.random_policy(rng, S, A)
                R = rng.normal(size=(S, A, S))
                V, Q = m.evaluate(pi, R)
                Vr, Qr = pyref.evaluate(T, mu0, g, pi, R)
                # LU against LU: both backward stable, error ~ cond(I - g P) eps = eps/(1-g)
                tol = 1e-12 / (1 - g)
                close(self, V, Vr, tol, f"V S={S} g={g}")
                close(self, Q, Qr, tol, f"Q S={S} g={g}")
                close(self, m.returns(pi, R), mu0 @ Vr, tol, "J")
                d, mu = m.occupancy(pi)
                dr, mur = pyref.occupancy(T, mu0, g, pi)
                close(self, d, dr, tol, "d")
                close(self, mu, mur, tol, "mu")
                self.assertAlmostEqual(mu.sum(), 1.0, delta=1e-12 / (1 - g))
                with m.evaluator(pi) as ev:
                    V2, Q2 = ev.values(R)
                    np.testing.assert_array_equal(V2, V)
                    close(self, ev.returns(R), mu0 @ Vr, tol, "evaluator J")
                    d2, mu2 = ev.occupancy()
                    close(self, d2, dr, tol, "evaluator d")

    def test_optimal_worst_regret_by_enumeration(self):
        for k, g in enumerate((0.0, 0.5, 0.9, 0.99)):
            for S, A in ((2, 2), (3, 3), (4, 2)):
                rng, T, mu0, g, m = self.mdp(100 + 10 * k + S, S, A, g)
                Rt = rng.normal(size=(S, A, S))
                Rp = rng.normal(size=(S, A))
                js = pyref.all_returns(T, mu0, g, Rt)
                hi, lo = max(j for _, j in js), min(j for _, j in js)
                tol = 1e-12 / (1 - g)
                opt = m.optimal_policy(Rt)
                worst = m.worst_policy(Rt)
                close(self, mu0 @ opt.values, hi, tol, "optimal return")
                close(self, pyref.ret(T, mu0, g, opt.policy, Rt), hi, tol, "optimal policy's return")
                close(self, pyref.ret(T, mu0, g, worst.policy, Rt), lo, tol, "worst policy's return")
                np.testing.assert_array_equal(opt.policy[np.arange(S), opt.actions], 1.0)
                hi2, lo2 = m.return_range(Rt)
                close(self, [hi2, lo2], [hi, lo], tol, "range")
                vi = m.value_iteration(Rt, tol=1e-12)
                np.testing.assert_array_equal(vi.actions, opt.actions)
                reg = m.regret(Rt, Rp)
                ref = pyref.regret(T, mu0, g, Rt, pyref.dense(Rp, S, A))
                close(self, [reg.regret, reg.true_optimal_return, reg.proxy_policy_return, reg.true_worst_return],
                      ref, tol, "regret")
                sym = m.regret(Rt, Rp, symmetric=True)
                back = m.regret(Rp, Rt)
                self.assertEqual(sym.regret, 0.5 * (reg.regret + back.regret))

    def test_policy_from_actions_and_uniform(self):
        rng, T, mu0, g, m = self.mdp(3, 5, 3, 0.9)
        act = np.array([0, 2, 1, 1, 0])
        pi = m.policy_from_actions(act)
        np.testing.assert_array_equal(pi.argmax(axis=1), act)
        np.testing.assert_array_equal(pi.sum(axis=1), 1.0)
        np.testing.assert_array_equal(m.uniform_policy(), np.full((5, 3), 1 / 3))
        R = rng.normal(size=(5, 3, 5))
        np.testing.assert_array_equal(m.evaluate(act, R)[0], m.evaluate(pi, R)[0])


class TestCanonDistance(Base):
    CANONS = ("none", "epic", "dard", "val", "val-potential", "minimal-potential", "minimal")

    def test_canonicalisations(self):
        for k, g in enumerate(GAMMAS):
            S, A = 4, 3
            rng, T, mu0, g, m = self.mdp(200 + k, S, A, g)
            R = rng.normal(size=(S, A, S))
            pi = pyref.random_policy(rng, S, A)
            ds = rng.dirichlet(np.ones(S))
            da = rng.dirichlet(np.ones(A))
            # the minimal ones solve with the conditioning squared: round-off eps/(1-g)^2
            for canon in self.CANONS:
                p = 2 if canon.startswith("minimal") else 1
                tol = 1e-12 / (1 - g) ** p
                close(self, m.canonicalize(R, canon), pyref.canonicalize(T, mu0, g, R, canon), tol, canon)
            close(self, m.canonicalize(R, "val", policy=pi), pyref.canon_val(T, mu0, g, R, pi), 1e-12 / (1 - g),
                  "val with a policy")
            close(self, m.canonicalize(R, "epic", state_dist=ds, action_dist=da),
                  pyref.canon_epic(T, g, R, ds, da), 1e-12, "epic with D_S, D_A")
            close(self, m.canonicalize(R, "dard", action_dist=da), pyref.canon_dard(T, g, R, da), 1e-12,
                  "dard with D_A")
            close(self, m.canonicalize(R, "minimal-potential", weighted=True),
                  pyref.canon_minimal_potential(T, g, R, weighted=True), 1e-11 / (1 - g) ** 2, "weighted")

    def test_shaping_and_redistribution_invariance(self):
        for k, g in enumerate((0.0, 0.6, 0.95)):
            S, A = 5, 3
            rng, T, mu0, g, m = self.mdp(300 + k, S, A, g)
            R = rng.normal(size=(S, A, S))
            phi = rng.normal(size=S) * 3
            Rs = pyref.shaped(T, g, R, phi)
            Rd = pyref.redistributed(T, R, rng)
            for canon in self.CANONS[1:]:
                p = 2 if canon.startswith("minimal") else 1
                tol = 1e-11 / (1 - g) ** p
                C = m.canonicalize(R, canon)
                close(self, m.canonicalize(Rs, canon), C, tol, f"{canon}: shaping")
                if canon in ("val", "minimal"):
                    close(self, m.canonicalize(Rd, canon), C, tol, f"{canon}: S'-redistribution")
            close(self, m.canonicalize(m.canonicalize(R, "minimal"), "minimal"), m.canonicalize(R, "minimal"),
                  1e-11 / (1 - g) ** 2, "minimal is a projection")

    def test_distance_against_reference(self):
        S, A = 4, 2
        for k, g in enumerate((0.0, 0.5, 0.9, 0.99)):
            rng, T, mu0, g, m = self.mdp(400 + k, S, A, g)
            R1 = rng.normal(size=(S, A, S))
            R2 = rng.normal(size=(S, A))
            R2d = pyref.dense(R2, S, A)
            cov = rng.dirichlet(np.ones(S * A * S)).reshape(S, A, S)
            for canon in self.CANONS:
                for nrm in starc.NORMS:
                    for met in starc.METRICS:
                        d = m.distance(R1, R2, canon, nrm, met)
                        ref = pyref.distance(T, mu0, g, R1, R2d, canon, nrm, met)
                        p = 2 if canon.startswith("minimal") else 1
                        self.assertFalse(d.undefined)
                        close(self, d, ref, 1e-10 / (1 - g) ** p, f"{canon}:{nrm}:{met} g={g}")
            close(self, m.epic(R1, R2), pyref.distance(T, mu0, g, R1, R2d, "epic", "l2", "pearson"), 1e-10, "epic")
            close(self, m.dard(R1, R2), pyref.distance(T, mu0, g, R1, R2d, "dard", "l2", "pearson"), 1e-10, "dard")
            close(self, m.epic(R1, R2, coverage=cov),
                  pyref.distance(T, mu0, g, R1, R2d, "epic", "l2", "pearson", coverage=cov), 1e-10, "coverage")

    def test_distance_invariances_and_properties(self):
        S, A = 6, 3
        rng, T, mu0, g, m = self.mdp(500, S, A, 0.9)
        R1, R2 = rng.normal(size=(2, S, A, S))
        phi = rng.normal(size=S)
        for canon in self.CANONS[1:]:
            d = m.distance(R1, R2, canon)
            # positive scaling and shaping do not move a reward's standardised form
            self.assertAlmostEqual(m.distance(pyref.shaped(T, g, R1, phi, 7.5), R2, canon), d, delta=1e-12 * 2)
            self.assertAlmostEqual(m.distance(1e-6 * R1, 1e6 * R2, canon), d, delta=1e-12 * 2)
            self.assertLessEqual(m.distance(R1, pyref.shaped(T, g, R1, phi, 3.0), canon), 1e-12)
            self.assertAlmostEqual(m.distance(R1, -R1, canon), 2.0, delta=1e-12)
            self.assertAlmostEqual(m.distance(R1, np.zeros(S), canon), 1.0, delta=1e-12)
            self.assertAlmostEqual(d, m.distance(R2, R1, canon), delta=4 * np.finfo(float).eps)
        D = m.distance_matrix([R1, R2, -R1], "val")
        np.testing.assert_array_equal(D, D.T)
        np.testing.assert_array_equal(np.diag(D), 0.0)
        self.assertAlmostEqual(D[0, 1], m.distance(R1, R2), delta=1e-14)
        self.assertLessEqual(D[0, 2], D[0, 1] + D[1, 2] + 1e-14)

    def test_matrix_epic_dard_and_undefined(self):
        mdp, rewards = starc.epic_gridworld()
        D = mdp.distance_matrix(rewards, epic=True)
        stack = np.stack(list(rewards.values()))
        np.testing.assert_array_equal(mdp.distance_matrix(stack, epic=True), D)
        self.assertAlmostEqual(D[0, 1], mdp.epic(rewards["Sparse"], rewards["Dense"]), delta=1e-15)
        # the zero reward has no Pearson distance, not even to itself
        Z = mdp.distance_matrix([rewards["Sparse"], np.zeros(9)], epic=True)
        self.assertTrue(np.isnan(Z[1, 1]) and np.isnan(Z[0, 1]))
        d = mdp.epic(np.zeros(9), rewards["Dense"])
        self.assertTrue(d.undefined and math.isnan(d) and "trivial" in d.message)
        self.assertFalse(mdp.epic(rewards["Sparse"], rewards["Dense"]).undefined)
        D2 = mdp.distance_matrix(rewards, dard=True)
        self.assertAlmostEqual(D2[2, 3], mdp.dard(rewards["Center"], rewards["Penalty"]), delta=1e-14)

    def test_standardize_norm_metric(self):
        S, A = 4, 3
        rng, T, mu0, g, m = self.mdp(600, S, A, 0.8)
        R = rng.normal(size=(S, A, S))
        st = m.standardize(R, "epic", "l1")
        C = pyref.canon_epic(T, g, R)
        close(self, st.reward, C / np.abs(C).sum(), 1e-12, "standardize")
        close(self, st.norm, np.abs(C).sum(), 1e-12, "norm")
        self.assertFalse(st.trivial)
        self.assertTrue(m.standardize(pyref.shaped(T, g, np.zeros((S, A, S)), rng.normal(size=S)), "epic").trivial)
        for nrm in starc.NORMS:
            close(self, m.norm(R, nrm), pyref.norm(T, mu0, g, R, nrm), 1e-12, nrm)
        X = rng.normal(size=(S, A, S))
        for met in starc.METRICS:
            close(self, m.metric(R, X, met), pyref.metric(T, mu0, g, R, X, met), 1e-12, met)
        with m.distance_plan("val", "l2", "l2") as plan:
            self.assertEqual(plan.distance(R, X), m.distance(R, X))
            self.assertEqual((plan.canon, plan.norm, plan.metric), ("val", "l2", "l2"))
            self.assertEqual(plan.trivial_tol, m.trivial_tol("val"))
        # the derived trivial tolerance: 32 S eps / (1 - gamma)^p, p = 2 for the minimal ones
        eps = np.finfo(float).eps
        self.assertAlmostEqual(m.trivial_tol("epic"), 32 * S * eps / (1 - g), delta=1e-6 * 32 * S * eps / (1 - g))
        self.assertAlmostEqual(m.trivial_tol("minimal"), 32 * S * eps / (1 - g) ** 2,
                               delta=1e-6 * 32 * S * eps / (1 - g) ** 2)
        self.assertEqual(m.trivial_tol("val", tol=1e-7), 1e-7)


class TestInputs(Base):
    """Non-contiguous, Fortran-ordered, float32 and integer inputs give the same answers as
    the C-contiguous float64 arrays they equal."""

    def test_layouts_and_dtypes(self):
        S, A = 5, 3
        rng, T, mu0, g, m = self.mdp(700, S, A, 0.9)
        R1 = rng.integers(-5, 6, size=(S, A, S)).astype(np.float64)
        R2 = rng.integers(-5, 6, size=(S, A)).astype(np.float64)
        # rows exact in float32 and in integers over 4: 1/2, 1/4, 1/4 in random order
        pi = np.array([rng.permutation([0.5, 0.25, 0.25]) for _ in range(S)])
        d = m.distance(R1, R2)
        V, Q = m.evaluate(pi, R1)
        big = np.zeros((S, 2 * A, S))
        big[:, ::2, :] = R1
        variants = {
            "fortran": np.asfortranarray(R1),
            "strided": big[:, ::2, :],
            "float32": R1.astype(np.float32),
            "int": R1.astype(np.int64),
            "int8": R1.astype(np.int8),
            "list": R1.tolist(),
            "reversed": R1[::-1][::-1],
        }
        for name, x in variants.items():
            self.assertEqual(m.distance(x, R2), d, name)
            self.assertEqual(m.distance(R1, R2.astype(np.float32)), d, name)
            np.testing.assert_array_equal(m.evaluate(np.asfortranarray(pi), x)[0], V, name)
            np.testing.assert_array_equal(m.evaluate(pi.astype(np.float32), x)[1], Q, name)
        m2 = starc.MDP(np.asfortranarray(T).astype(np.float64), mu0.tolist(), np.float32(0.9).item())
        self.addCleanup(m2.close)
        self.assertEqual(m2.gamma, float(np.float32(0.9)))
        m3 = starc.MDP(T.tolist(), mu0, g)
        self.addCleanup(m3.close)
        np.testing.assert_array_equal(m3.T, T)
        np.testing.assert_array_equal(m3.mu0, mu0)

    def test_inputs_not_modified_and_outputs_owned(self):
        S, A = 4, 2
        rng, T, mu0, g, m = self.mdp(800, S, A, 0.9)
        R = rng.normal(size=(S, A, S))
        keep = R.copy()
        R.setflags(write=False)
        m.distance(R, keep[::-1])
        m.canonicalize(R, "minimal")
        np.testing.assert_array_equal(R, keep)
        E = m.expand(R)
        self.assertIsNot(E, R)
        np.testing.assert_array_equal(E, R)
        E[:] = 0
        np.testing.assert_array_equal(R, keep)
        Tc = m.T
        Tc[:] = 0
        np.testing.assert_array_equal(m.T, T)

    def test_pickle(self):
        import pickle
        rng, T, mu0, g, m = self.mdp(950, 4, 2, 0.8)
        m2 = pickle.loads(pickle.dumps(m))
        self.addCleanup(m2.close)
        np.testing.assert_array_equal(m2.T, T)
        R = rng.normal(size=(4, 2, 4))
        self.assertEqual(m2.distance(R, R[::-1]), m.distance(R, R[::-1]))
        d = pickle.loads(pickle.dumps(m.epic(np.zeros(4), R)))
        self.assertTrue(d.undefined and "trivial" in d.message)
        r = pickle.loads(pickle.dumps(m.regret(R, R[::-1], symmetric=True)))
        self.assertEqual(r.to_dict(), m.regret(R, R[::-1], symmetric=True).to_dict())

    def test_reward_shapes(self):
        S, A = 4, 3
        rng, T, mu0, g, m = self.mdp(900, S, A, 0.7)
        r = rng.normal(size=S)
        ra = rng.normal(size=(S, A))
        np.testing.assert_array_equal(m.expand(r), pyref.dense(r, S, A))
        np.testing.assert_array_equal(m.expand(ra), pyref.dense(ra, S, A))
        close(self, m.expected(r), np.repeat(r[:, None], A, axis=1), 1e-15, "expected of a state reward")
        self.assertEqual(m.distance(r, ra), m.distance(pyref.dense(r, S, A), pyref.dense(ra, S, A)))


class TestProxyRegularize(Base):
    def test_proxy_statistics_against_reference(self):
        S, A = 5, 3
        rng, T, mu0, g, m = self.mdp(1000, S, A, 0.9)
        Rt, Rp = rng.normal(size=(2, S, A, S))
        base = pyref.random_policy(rng, S, A)
        res = starc.proxy(m, Rt, Rp, base, all_deterministic=True)
        _, mu = pyref.occupancy(T, mu0, g, base)
        bt, bp = pyref.expected(T, Rt), pyref.expected(T, Rp)
        mt, mp = (mu * bt).sum(), (mu * bp).sum()
        st, sp = np.sqrt((mu * (bt - mt) ** 2).sum()), np.sqrt((mu * (bp - mp) ** 2).sum())
        r = (mu * (bt - mt) * (bp - mp)).sum() / (st * sp)
        close(self, [res.r, res.sigma_true, res.sigma_proxy, res.mean_true], [r, st, sp, mt], 1e-12, "stats")
        close(self, res.base_occupancy, mu, 1e-12, "mu_b")
        close(self, res.orpo_coef, sp * np.sqrt(1 - r * r), 1e-12, "orpo")
        close(self, res.base_true_return, pyref.ret(T, mu0, g, base, Rt), 1e-12, "J_b")
        # the proxy-optimal policy: enumeration
        js = dict((tuple(a), j) for a, j in pyref.all_returns(T, mu0, g, Rp))
        best = max(js, key=js.get)
        np.testing.assert_array_equal(res.proxy_optimal.actions, best)
        self.assertEqual(res.reward_hacking, pyref.ret(T, mu0, g, res.proxy_optimal.policy, Rt) <
                         res.base_true_return)
        a, b, t = starc.proxy_bounds(res.r, res.sigma_true, res.sigma_proxy,
                                     res.proxy_optimal.proxy_delta_normalized, res.proxy_optimal.chi2)
        for x, y in zip((a, b, t), (res.proxy_optimal.bound_a, res.proxy_optimal.bound_b,
                                    res.proxy_optimal.bound_tight)):
            self.assertTrue(same(x, y), (x, y))
        self.assertLessEqual(t, res.proxy_optimal.true_delta_normalized + 1e-12)
        w = starc.weighted_stats(mu, bt, bp)
        self.assertEqual(w.r, res.r)
        # hackability by enumeration
        pols = starc.deterministic_policies(m)
        self.assertEqual(pols.shape, (A ** S, S, A))
        for k in (0, 1, A ** S - 1, 17):
            np.testing.assert_array_equal(pols[k].argmax(axis=1), (k // A ** np.arange(S)) % A)
        with self.assertRaises(starc.Error):
            starc.deterministic_policies(m, max_policies=A ** S - 1)
        jt = [pyref.ret(T, mu0, g, p, Rt) for p in pols]
        jp = [pyref.ret(T, mu0, g, p, Rp) for p in pols]
        hk = any(jt[i] < jt[j] - 1e-9 and jp[i] > jp[j] + 1e-9 for i in range(len(jt)) for j in range(len(jt)))
        self.assertEqual(res.hackability.hackable, hk)
        if hk:
            i, j = res.hackability.witness
            self.assertTrue(jt[i] < jt[j] and jp[i] > jp[j])

    def test_tomato_hacking_and_orpo(self):
        t = starc.tomato()
        self.addCleanup(t.mdp.close)
        res = starc.proxy(t.mdp, t.true, t.proxy, t.base)
        self.assertTrue(res.reward_hacking)
        self.assertGreater(res.r, 0.99)
        with starc.Regularizer(t.mdp, t.true, t.proxy, t.base) as rg:
            orpo = rg.solve("om-sqrt-chi2", "orpo")
            self.assertTrue(orpo.converged)
            self.assertGreater(orpo.true_return, res.proxy_optimal.true_return)
            # the regularised optimum's diagnostics agree with an independent evaluation
            T, mu0, g = t.mdp.T, t.mdp.mu0, t.mdp.gamma
            close(self, orpo.true_return, pyref.ret(T, mu0, g, orpo.policy, pyref.dense(t.true, t.mdp.S, 5)),
                  1e-10, "true return")
            _, mu = pyref.occupancy(T, mu0, g, orpo.policy)
            close(self, orpo.occupancy, mu, 1e-10, "occupancy")
            _, mub = pyref.occupancy(T, mu0, g, t.base)
            close(self, orpo.chi2, (mu ** 2 / np.where(mub > 0, mub, 1)).sum() - 1, 1e-8, "chi2")
            ev = rg.evaluate(orpo.policy, "om-chi2", 1.0)
            self.assertAlmostEqual(ev.chi2, orpo.chi2, delta=1e-10)
            for method in starc.REGULARIZE_METHODS:
                r = rg.solve(method, 0.05)
                self.assertTrue(r.converged, method)
                self.assertEqual(r.method, method)
                # the optimum beats the base on its own objective
                self.assertGreaterEqual(r.objective, (1 - g) * rg.base_returns[1] - 1e-12)
                np.testing.assert_allclose(r.policy.sum(axis=1), 1.0, atol=1e-12)

    def test_overopt_and_bon(self):
        S, A = 6, 3
        rng, T, mu0, g, m = self.mdp(1100, S, A, 0.9, alpha=0.3)
        Rt = rng.normal(size=(S, A))
        base = rng.dirichlet(np.ones(A) * 2, size=S)
        Rp = starc.proxy_reward(m, Rt, base, "off-distribution", seed=3)
        res = starc.overopt(m, Rt, Rp, base, ["ad-kl", "bon"], points=9, bon_max=50)
        for name, c in res.methods.items():
            self.assertEqual(len(c.coef), c.summary.n)
            # every point measured exactly: check its true return independently
            self.assertTrue(np.all(np.diff(c.kl) >= -1e-12), name)
        with starc.Overopt(m, Rt, Rp, base) as plan:
            pi, pt = plan.bon(4)
            close(self, pt.true_return, pyref.ret(T, mu0, g, pi, pyref.dense(Rt, S, A)), 1e-12, "bon return")
            self.assertLessEqual(pt.kl_normalized, math.log(4) - 3 / 4 + 1e-12)
            self.assertEqual(plan.evaluate(pi, 4.0).true_return, pt.true_return)
        out, kl = starc.bon_distribution([0.5, 0.25, 0.25], [1.0, 3.0, 2.0], 2)
        # best of two draws: action 1 unless both miss it (P = 0.75^2), then 2 unless both are 0
        np.testing.assert_allclose(out, [0.25, 1 - 0.75 ** 2, 0.75 ** 2 - 0.25], atol=1e-15)
        self.assertAlmostEqual(kl, sum(o * math.log(o / p) for o, p in zip(out, [0.5, 0.25, 0.25])), delta=1e-15)
        d = np.array([0.1, 0.5, 1.0, 2.0, 3.0])
        y = d * (1.5 - 0.4 * d)
        f = starc.gao_fit(d, y, "bon")
        self.assertAlmostEqual(f.alpha, 1.5, delta=1e-12)
        self.assertAlmostEqual(f.beta, 0.4, delta=1e-12)
        np.testing.assert_allclose(starc.gao_eval("bon", 1.5, 0.4, d), y, rtol=1e-15)


class TestGenerators(Base):
    def test_gridworld_and_tomato(self):
        with starc.gridworld(2, 3, 0.9) as m:
            T = m.T
            self.assertEqual(T.shape, (6, 5, 6))
            self.assertEqual(T[0, 4, 1], 1.0)   # right from (0,0)
            self.assertEqual(T[0, 1, 0], 1.0)   # up off the grid stays
            self.assertEqual(T[0, 2, 3], 1.0)   # down
        t = starc.tomato()
        self.addCleanup(t.mdp.close)
        self.assertEqual(t.mdp.S, 15 * 2 ** t.tomatoes)
        row, col, mask = t.state(t.mdp.S - 1)
        self.assertEqual((row, col, mask), (2, 4, 2 ** t.tomatoes - 1))
        np.testing.assert_allclose(t.base.sum(axis=1), 1.0, atol=1e-15)

    def test_random_is_seeded(self):
        a = starc.random_mdp(6, 2, 0.9, seed=5)
        b = starc.random_mdp(6, 2, 0.9, seed=5)
        c = starc.random_mdp(6, 2, 0.9, seed=6)
        for x in (a, b, c):
            self.addCleanup(x.close)
        np.testing.assert_array_equal(a.T, b.T)
        self.assertFalse(np.array_equal(a.T, c.T))
        R = starc.random_rewards(a, 3, seed=1)
        np.testing.assert_array_equal(R, starc.random_rewards(a, 3, seed=1))
        np.testing.assert_array_equal(R[0], starc.random_reward(a, seed=1))
        I = starc.interpolate(R[0], R[1], 4)
        np.testing.assert_allclose(I[2], 0.5 * (R[0] + R[1]), rtol=0, atol=1e-15 * np.abs(R[:2]).max())
        np.testing.assert_array_equal(I[0], R[0])
        d = starc.random_mdp(4, 2, 0.5, seed=1, dirichlet=0.5)
        self.addCleanup(d.close)
        np.testing.assert_allclose(d.T.sum(axis=2), 1.0, atol=1e-14)
        self.assertEqual(starc.transition_threshold(10), 1.0)
        self.assertEqual(starc.sparsity_threshold(60), 3.5)

    def test_rng_draws(self):
        with starc.Rng(9) as a, starc.Rng(9) as b:
            x = [a.gaussian() for _ in range(4000)]
            self.assertEqual(x[:5], [b.gaussian() for _ in range(5)])
            self.assertLess(abs(np.mean(x)), 5 / np.sqrt(4000))
            self.assertLess(abs(np.var(x) - 1), 5 * np.sqrt(2 / 4000))
            k = [a.uniform_int(3) for _ in range(3000)]
            self.assertEqual(set(k), {0, 1, 2})
            u = [a.uniform() for _ in range(1000)]
            self.assertTrue(0 <= min(u) and max(u) < 1)

    def test_stats(self):
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(2, 50))
        self.assertAlmostEqual(starc.pearson(x, y), np.corrcoef(x, y)[0, 1], delta=1e-14)
        rx = np.argsort(np.argsort(x)) + 1.0
        ry = np.argsort(np.argsort(y)) + 1.0
        self.assertAlmostEqual(starc.spearman(x, y), np.corrcoef(rx, ry)[0, 1], delta=1e-14)
        np.testing.assert_array_equal(starc.rank_average([3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0])

    def test_bradley_terry(self):
        # two parameters, comparisons of single items: w1 - w0 is the log-odds, shrunk by the ridge
        s1 = np.array([1] * 30 + [0] * 10)
        s2 = np.array([0] * 30 + [1] * 10)
        pref = np.ones(40)
        w, it = starc.bradley_terry(s1, s2, pref, 2, l2=1e-6)
        self.assertGreater(it, 0)
        self.assertAlmostEqual(w[1] - w[0], math.log(3.0), delta=1e-4)


class TestStudy(unittest.TestCase):
    def test_experiment_small(self):
        seen = []
        res = starc.experiment(mdps=3, pairs=2, steps=3, states=5, actions=2, seed=7, nthreads=2,
                               progress=lambda d, t: seen.append((d, t)))
        N = 3 * 2 * 3
        self.assertEqual(seen[-1], (N, N))
        self.assertEqual(res.values.shape, (N, len(res.variants)))
        self.assertEqual(res.variants, [":".join(v) for v in starc.variants()])
        np.testing.assert_array_equal(res.step[:3], [1, 2, 3])
        np.testing.assert_array_equal(res.mdp, np.repeat([0, 1, 2], 6))
        # every point again from the generator the study seeds for its MDP: the MDP, then R1 and
        # R2 of each pair; target the symmetric regret, predictors the distances
        v = res.index("val:l2:l2")
        e = res.index("epic:none:pearson")
        for j in range(3):
            with starc.Rng(starc.mdp_seed(7, j)) as rng, rng.mdp(5, 2, 0.95) as m:
                for k in range(2):
                    R1, R2 = rng.reward(m), rng.reward(m)
                    for i, Ri in enumerate(starc.interpolate(R1, R2, 3)[1:]):
                        q = (j * 2 + k) * 3 + i
                        self.assertEqual(res.regret[q], m.regret(R1, Ri, symmetric=True).regret)
                        # the study batches its distances its own way; both are within round-off,
                        # which d = sqrt(moment formula) turns into eps/d near d = 0
                        for col, args in ((v, ()), (e, ("epic", "none", "pearson"))):
                            a, b = res.values[q, col], m.distance(R1, Ri, *args)
                            self.assertTrue(same(a, b) or abs(a - b) <= 8 * EPS * (1 + 1 / max(b, EPS ** 0.5)),
                                            f"point {q}: {a!r} {b!r}")
        self.assertTrue(np.all((res.regret >= 0) & (res.regret <= 1)))
        p = np.isfinite(res.values[:, v])
        self.assertAlmostEqual(res.pearson[v], starc.pearson(res.values[p, v], res.regret[p]), delta=1e-12)
        # the same for any number of threads
        again = starc.experiment(mdps=3, pairs=2, steps=3, states=5, actions=2, seed=7, nthreads=1)
        np.testing.assert_array_equal(again.values, res.values)
        np.testing.assert_array_equal(again.pearson, res.pearson)

    def test_progress_exception_stops(self):
        class Stop(Exception):
            pass

        def progress(done, total):
            raise Stop()

        with self.assertRaises(Stop):
            starc.experiment(mdps=4, pairs=1, steps=2, states=4, actions=2, nthreads=1, progress=progress)


if __name__ == "__main__":
    unittest.main()
