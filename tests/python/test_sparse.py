"""Sparse MDPs from Python (issue 15 item 4): starc.MDP with a scipy.sparse T against the same MDP
given densely (every quantity to 1e-10 relative to its own scale), against the ``starc`` command
on the same CSR files (bit for bit), scipy inputs in every format with unsorted and duplicate
indices, and the errors."""

import itertools
import os
import pickle
import unittest

import numpy as np
import scipy.sparse as sp  # python3-scipy is a test dependency (.ci/debian-packages): a failure, not a skip

import starc
from clirun import run, run_json, same, workdir

TOL = 1e-10


def random_sparse(rng, S, A, *, density=0.3):
    """(csr (S*A, S), dense T (S, A, S)): rows with a random support, some deterministic rows,
    one absorbing state, an explicit stored zero; state S-1 unreachable when S > 2."""
    T = np.zeros((S, A, S))
    reach = S - 1 if S > 2 else S
    for s in range(S):
        for a in range(A):
            if s == 0 and S > 1:  # absorbing
                T[s, a, 0] = 1.0
                continue
            if rng.random() < 0.2:  # deterministic
                T[s, a, rng.integers(reach)] = 1.0
                continue
            k = max(1, int(density * reach))
            cols = rng.choice(reach, size=min(k, reach), replace=False)
            T[s, a, cols] = rng.dirichlet(np.ones(cols.size))
    csr = sp.csr_matrix(T.reshape(S * A, S))
    if S == 1:
        return csr, T
    # one explicit zero stored in a row that has room for it
    r = int(np.argmax(np.diff(csr.indptr) < S))
    row = set(csr.indices[csr.indptr[r]:csr.indptr[r + 1]])
    z = next(c for c in range(S) if c not in row)
    coo = csr.tocoo()
    csr = sp.csr_matrix((np.append(coo.data, 0.0), (np.append(coo.row, r), np.append(coo.col, z))),
                        shape=csr.shape)
    csr.sum_duplicates()
    assert csr.nnz == coo.nnz + 1
    return csr, T


def on_support(csr, S, A, values):
    """The dense (S, A, S) tensor of an (nnz,) reward: its values on T's support, 0 elsewhere."""
    out = np.zeros((S * A, S))
    rows = np.repeat(np.arange(S * A), np.diff(csr.indptr))
    out[rows, csr.indices] = values
    return out.reshape(S, A, S)


def close(tc, x, y, scale, what):
    x, y = np.asarray(x, float), np.asarray(y, float)
    tc.assertEqual(x.shape, y.shape, what)
    err = float(np.max(np.abs(x - y))) if x.size else 0.0
    tc.assertTrue(err <= TOL * scale, f"{what}: |sparse - dense| = {err:.3g}, scale {scale:.3g}")


class SparseAgainstDense(unittest.TestCase):
    """The same MDP given as a scipy.sparse matrix and as a dense (S, A, S) array."""

    CASES = [(1, 2, 0.5), (5, 3, 0.0), (9, 2, 0.9), (40, 3, 0.99), (128, 4, 0.95)]

    def pair(self, seed, S, A, gamma):
        rng = np.random.default_rng(seed)
        csr, T = random_sparse(rng, S, A)
        mu0 = rng.dirichlet(np.ones(S))
        ms = starc.MDP(csr, mu0, gamma)
        md = starc.MDP(T, mu0, gamma)
        self.addCleanup(ms.close)
        self.addCleanup(md.close)
        self.assertTrue(ms.is_sparse)
        self.assertFalse(md.is_sparse)
        self.assertEqual(ms.nnz, csr.nnz)
        E = rng.normal(size=csr.nnz)
        rewards = {  # (as the sparse MDP takes it, as the dense MDP takes it)
            "state": (rng.normal(size=S),) * 2,
            "state-action": (rng.normal(size=(S, A)),) * 2,
            "nnz": (E, on_support(csr, S, A, E)),
        }
        return rng, csr, T, ms, md, rewards

    def test_properties_and_round_trips(self):
        rng, csr, T, ms, md, _ = self.pair(1, 9, 2, 0.9)
        c = ms.csr
        self.assertIsInstance(c, sp.csr_matrix)
        np.testing.assert_array_equal(c.toarray(), csr.toarray())
        np.testing.assert_array_equal(c.indptr, csr.indptr)
        np.testing.assert_array_equal(c.indices, csr.indices)
        np.testing.assert_array_equal(c.data, csr.data)
        c.data[:] = 7.0  # a copy: the MDP is unchanged
        np.testing.assert_array_equal(ms.csr.data, csr.data)
        self.assertIsNone(md.csr)
        self.assertEqual(md.nnz, 9 * 2 * 9)
        with self.assertRaises(starc.Error):
            ms.T
        np.testing.assert_array_equal(ms.mu0, md.mu0)
        m2 = pickle.loads(pickle.dumps(ms))
        self.addCleanup(m2.close)
        self.assertTrue(m2.is_sparse)
        np.testing.assert_array_equal(m2.csr.toarray(), csr.toarray())
        with workdir() as d:
            path = os.path.join(d, "m.npz")
            ms.save(path)
            z = np.load(path)
            np.testing.assert_array_equal(z["T_shape"], [9, 2, 9])
            back = sp.csr_matrix((z["T_data"], z["T_indices"], z["T_indptr"]), shape=(18, 9))
            np.testing.assert_array_equal(back.toarray(), csr.toarray())
            m3 = starc.load_mdp(path)
            self.addCleanup(m3.close)
            self.assertTrue(m3.is_sparse)
            r = rng.normal(size=ms.nnz)
            self.assertEqual(m3.distance(r, r[::-1].copy()), ms.distance(r, r[::-1].copy()))

    def test_every_canon_norm_metric(self):
        """Every canonicalisation x normalisation x metric, every reward shape, on a small MDP."""
        rng, csr, T, ms, md, rewards = self.pair(2, 7, 2, 0.8)
        shapes = list(rewards)
        for canon, norm, metric in itertools.product(starc.CANONS, starc.NORMS, starc.METRICS):
            for k1, k2 in [("state", "nnz"), ("state-action", "nnz"), ("state", "state-action"), ("nnz", "nnz")]:
                a1, d1 = rewards[k1]
                a2, d2 = rewards[k2]
                if k1 == k2:
                    a2, d2 = -2.0 * a1 + 0.5 * rng.normal(size=a1.shape), None
                    d2 = on_support(csr, 7, 2, a2)
                x = ms.distance(a1, a2, canon, norm, metric)
                y = md.distance(d1, d2, canon, norm, metric)
                what = f"{canon}/{norm}/{metric} {k1}-{k2}"
                self.assertEqual(x.undefined, y.undefined, what)
                if not y.undefined:
                    close(self, x, y, abs(y), what)
        self.assertEqual(len(shapes), 3)

    def test_distances_policies_regret(self):
        for seed, (S, A, gamma) in enumerate(self.CASES):
            with self.subTest(S=S, A=A, gamma=gamma):
                self.check_case(seed + 10, S, A, gamma)

    def check_case(self, seed, S, A, gamma):
        rng, csr, T, ms, md, rewards = self.pair(seed, S, A, gamma)
        names = list(rewards)
        # distances: every canonicalisation (defaults), EPIC, DARD, range and a Pearson STARC
        for k1, k2 in itertools.combinations(names, 2):
            (a1, d1), (a2, d2) = rewards[k1], rewards[k2]
            for canon in starc.CANONS:
                x, y = ms.distance(a1, a2, canon), md.distance(d1, d2, canon)
                self.assertEqual(x.undefined, y.undefined)
                if not y.undefined:
                    close(self, x, y, abs(y), f"{canon} {k1}-{k2}")
            for f, g in [(ms.epic, md.epic), (ms.dard, md.dard)]:
                x, y = f(a1, a2), g(d1, d2)
                if not y.undefined:
                    close(self, x, y, abs(y), f"{f.__name__} {k1}-{k2}")
            x, y = ms.distance(a1, a2, "val", "range", "l1"), md.distance(d1, d2, "val", "range", "l1")
            close(self, x, y, abs(y), f"val/range/l1 {k1}-{k2}")
        Ds = ms.distance_matrix([rewards[k][0] for k in names], epic=True)
        Dd = md.distance_matrix([rewards[k][1] for k in names], epic=True)
        self.assertEqual(np.isnan(Ds).tolist(), np.isnan(Dd).tolist())
        close(self, np.nan_to_num(Ds), np.nan_to_num(Dd), np.nanmax(np.abs(Dd)) or 1.0, "epic matrix")
        Ds = ms.distance_matrix([rewards[k][0] for k in names], "minimal-potential", "l1", "l2")
        Dd = md.distance_matrix([rewards[k][1] for k in names], "minimal-potential", "l1", "l2")
        close(self, Ds, Dd, np.max(np.abs(Dd)), "minimal-potential matrix")
        # norms and metrics of full tensors
        E, Ed = rewards["nnz"]
        F = rng.normal(size=ms.nnz)
        Fd = on_support(csr, S, A, F)
        for norm in starc.NORMS:
            close(self, ms.norm(E, norm), md.norm(Ed, norm), abs(md.norm(Ed, norm)), f"norm {norm}")
        for metric in starc.METRICS:
            x, y = ms.metric(E, F, metric), md.metric(Ed, Fd, metric)
            close(self, x, y, abs(y), f"metric {metric}")
        # policies, values, occupancies, returns, regret, on every engine
        pi = rng.dirichlet(np.ones(A), size=S)
        for name in names:
            a, d = rewards[name]
            scale = np.max(np.abs(md.expected(d))) / (1 - gamma)
            close(self, ms.expected(a), md.expected(d), scale * (1 - gamma), f"expected {name}")
            Vd, Qd = md.evaluate(pi, d)
            Jd = md.returns(pi, d)
            od = md.optimal_policy(d)
            wd = md.worst_policy(d)
            rd = md.return_range(d)
            for engine in (None,) + starc.ENGINES:
                what = f"{name} engine {engine}"
                V, Q = ms.evaluate(pi, a, engine=engine)
                close(self, V, Vd, scale, "V " + what)
                close(self, Q, Qd, scale, "Q " + what)
                close(self, ms.returns(pi, a, engine=engine), Jd, scale, "J " + what)
                o = ms.optimal_policy(a, engine=engine)
                self.assertEqual(o.actions.tolist(), od.actions.tolist(), "optimal " + what)
                close(self, o.values, od.values, scale, "V* " + what)
                w = ms.worst_policy(a, engine=engine)
                self.assertEqual(w.actions.tolist(), wd.actions.tolist(), "worst " + what)
                close(self, ms.return_range(a, engine=engine), rd, scale, "range " + what)
        for engine in (None,) + starc.ENGINES:
            dd, mud = md.occupancy(pi)
            ds, mus = ms.occupancy(pi, engine=engine)
            close(self, ds, dd, 1.0, f"occupancy d engine {engine}")  # sums to 1: scale 1
            close(self, mus, mud, 1.0, f"occupancy mu engine {engine}")
        for k1, k2 in itertools.permutations(names, 2):
            (a1, d1), (a2, d2) = rewards[k1], rewards[k2]
            y = md.regret(d1, d2, symmetric=True)
            for engine in (None,) + starc.ENGINES:
                x = ms.regret(a1, a2, symmetric=True, engine=engine)
                close(self, x.regret, y.regret, 1.0, f"regret {k1}-{k2} {engine}")  # in [0, 1]
                scale = np.max(np.abs(md.expected(d1))) / (1 - gamma)
                close(self, x.true_optimal_return, y.true_optimal_return, scale, "J*")
                close(self, x.proxy_policy_return, y.proxy_policy_return, scale, "J proxy")

    def test_proxy_regularize_overopt(self):
        """proxy, regularize (ad-kl, om-chi2) and Overopt sweeps on the sparse MDP equal the dense twin's."""

        def agree(x, y, what):
            if isinstance(x, dict):
                self.assertEqual(sorted(x), sorted(y), what)
                for k in x:
                    agree(x[k], y[k], f"{what}.{k}")
            elif isinstance(x, (list, tuple)):
                self.assertEqual(len(x), len(y), what)
                for i, (a, b) in enumerate(zip(x, y)):
                    agree(a, b, f"{what}[{i}]")
            elif isinstance(x, np.ndarray) or isinstance(x, float):
                a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
                self.assertEqual(a.shape, b.shape, what)
                fin = np.isfinite(a)
                np.testing.assert_array_equal(fin, np.isfinite(b), what)
                scale = np.max(np.abs(a[fin]), initial=0.0)
                np.testing.assert_allclose(a[fin], b[fin], rtol=0, atol=1e-10 * scale, err_msg=what)
            else:
                self.assertEqual(x, y, what)

        for seed, S, A, gamma in [(3, 9, 2, 0.9), (4, 40, 3, 0.5)]:
            _, csr, T, ms, md, rewards = self.pair(seed, S, A, gamma)
            for name, (rs, rd) in rewards.items():
                rt_s, rt_d = rewards["state-action"]
                agree(starc.proxy(ms, rt_s, rs).to_dict(), starc.proxy(md, rt_d, rd).to_dict(), f"proxy {name}")
                for method in ("ad-kl", "om-chi2"):
                    a = starc.regularize(ms, rt_s, rs, None, method, 0.3).to_dict()
                    b = starc.regularize(md, rt_d, rd, None, method, 0.3).to_dict()
                    for k in ("iterations", "residual"):  # solver diagnostics: round-off-level, not results
                        a.pop(k, None), b.pop(k, None)
                    agree(a, b, f"regularize {method} {name}")
            rt_s, rt_d = rewards["state-action"]
            ps, pd = rewards["nnz"]
            with starc.Overopt(ms, rt_s, ps, points=9) as os_, starc.Overopt(md, rt_d, pd, points=9) as od:
                agree(os_.info, od.info, "overopt info")
                for method in ("ad-kl", "bon"):
                    cs, cd = os_.sweep(method), od.sweep(method)
                    for f in ("coef", "kl", "d", "chi2", "proxy_return", "true_return", "proxy_delta", "true_delta"):
                        agree(getattr(cs, f), getattr(cd, f), f"overopt {method} {f}")

    def test_scale_invariance(self):
        rng, csr, T, ms, md, rewards = self.pair(5, 20, 3, 0.9)
        a1, a2 = rewards["state-action"][0], rewards["nnz"][0]
        for canon in ("val", "epic", "minimal-potential", "dard"):
            d = ms.distance(a1, a2, canon)
            for c in (1e-300, 1e300):
                close(self, ms.distance(c * a1, a2, canon), d, d, f"{canon} x{c}")
        reg = ms.regret(a2, a1).regret
        self.assertEqual(ms.regret(2.0 ** 900 * a2, a1).regret, reg)  # an exact scaling: the same bits
        close(self, ms.regret(1e300 * a2, a1).regret, reg, 1.0, "regret x1e300")  # in [0, 1]

    def test_generators(self):
        g = starc.slippery_gridworld(6, 4, slip=0.3, gamma=0.9)
        gd = starc.slippery_gridworld(6, 4, slip=0.3, gamma=0.9, sparse=False)
        self.addCleanup(g.close)
        self.addCleanup(gd.close)
        self.assertTrue(g.is_sparse)
        self.assertFalse(gd.is_sparse)
        np.testing.assert_array_equal(g.csr.toarray().reshape(24, 4, 24), gd.T)
        m = starc.random_mdp(50, 3, 0.9, seed=4, successors=5)
        self.addCleanup(m.close)
        self.assertEqual(m.nnz, 50 * 3 * 5)
        self.assertTrue((np.diff(m.csr.indptr) == 5).all())
        R = starc.random_rewards(m, count=2, seed=3)
        self.assertEqual(R.shape, (2, m.nnz))
        md = starc.MDP(m.csr.toarray().reshape(50, 3, 50), m.mu0, m.gamma)
        self.addCleanup(md.close)
        x, y = m.distance(R[0], R[1]), md.distance(on_support(m.csr, 50, 3, R[0]), on_support(m.csr, 50, 3, R[1]))
        close(self, x, y, y, "generated")


class ScipyInputs(unittest.TestCase):
    """Every scipy format, unsorted and duplicate indices: the MDP is the matrix's toarray()."""

    def setUp(self):
        rng = np.random.default_rng(7)
        self.S, self.A = 11, 3
        self.csr, self.T = random_sparse(rng, self.S, self.A)
        self.mu0 = np.full(self.S, 1 / self.S)
        self.ref = starc.MDP(self.csr, self.mu0, 0.9)
        self.addCleanup(self.ref.close)
        self.rng = rng

    def variants(self):
        c = self.csr
        rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
        # split every stored value into two exact halves, shuffled: duplicates, unsorted
        order = self.rng.permutation(2 * c.nnz)
        r2 = np.concatenate([rows, rows])[order]
        c2 = np.concatenate([c.indices, c.indices])[order]
        v2 = np.concatenate([c.data / 2, c.data / 2])[order]
        coo = sp.coo_matrix((v2, (r2, c2)), shape=c.shape)
        # a CSR with unsorted and duplicate column indices inside its rows
        o = np.lexsort((order, r2))
        counts = np.bincount(r2, minlength=c.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        raw = sp.csr_matrix((v2[o], c2[o], indptr), shape=c.shape)
        out = {"csr": c.copy(), "csc": c.tocsc(), "coo": coo, "csr-unsorted-duplicates": raw,
               "csc-from-coo": coo.tocsc(), "int-dtype": None}
        if hasattr(sp, "csr_array"):
            out["csr_array"] = sp.csr_array(c)
        return out

    def test_formats(self):
        r = self.rng.normal(size=self.ref.nnz)
        want = self.ref.distance(r, np.ones(self.S))
        for name, T in self.variants().items():
            if T is None:
                continue
            with self.subTest(format=name):
                before = [np.copy(x) for x in _arrays(T)]
                m = starc.MDP(T, self.mu0, 0.9)
                self.addCleanup(m.close)
                for x, y in zip(before, _arrays(T)):
                    np.testing.assert_array_equal(x, y)  # the input is not modified
                c = m.csr
                self.assertEqual(m.nnz, self.ref.nnz)  # duplicates summed, the explicit zero kept
                np.testing.assert_array_equal(c.indptr, self.ref.csr.indptr)
                np.testing.assert_array_equal(c.indices, self.ref.csr.indices)
                np.testing.assert_array_equal(c.data, self.ref.csr.data)  # exact halves sum exactly
                self.assertEqual(m.distance(r, np.ones(self.S)), want)

    def test_integer_and_bool_data(self):
        S = 4
        P = sp.csr_matrix(np.eye(S, dtype=np.int64)[[1, 2, 3, 0]])
        m = starc.MDP(P, np.full(S, 0.25), 0.5)
        self.addCleanup(m.close)
        self.assertEqual(m.nnz, S)
        m2 = starc.MDP(P.astype(bool), np.full(S, 0.25), 0.5)
        self.addCleanup(m2.close)
        np.testing.assert_array_equal(m2.csr.toarray(), P.toarray())


def _arrays(T):
    if hasattr(T, "indptr"):
        return [T.data, T.indices, T.indptr]
    return [T.data, T.row, T.col]


class Errors(unittest.TestCase):
    S, A = 6, 2

    def setUp(self):
        rng = np.random.default_rng(3)
        self.csr, _ = random_sparse(rng, self.S, self.A)
        self.mu0 = np.full(self.S, 1 / self.S)
        self.m = starc.MDP(self.csr, self.mu0, 0.9)
        self.addCleanup(self.m.close)

    def raises(self, status, f, *args, **kw):
        with self.assertRaises(starc.Error) as cm:
            f(*args, **kw)
        self.assertEqual(cm.exception.status, status, str(cm.exception))
        self.assertNotIn("\n", str(cm.exception))
        return str(cm.exception)

    def bad_csr(self, data=None, indices=None, indptr=None):
        c = self.csr
        return sp.csr_matrix((c.data.copy() if data is None else data, c.indices.copy() if indices is None else indices,
                              c.indptr.copy() if indptr is None else indptr), shape=c.shape)

    def test_bad_mdps(self):
        S, A = self.S, self.A
        self.raises(starc.EDIM, starc.MDP, sp.csr_matrix((S * A + 1, S)), self.mu0, 0.9)
        self.raises(starc.EDIM, starc.MDP, sp.csr_matrix((0, S)), self.mu0, 0.9)
        self.raises(starc.EDIM, starc.MDP, self.csr, np.full(S + 1, 1 / (S + 1)), 0.9)
        self.raises(starc.EINVAL, starc.MDP, self.csr, self.mu0, 1.0)
        d = self.csr.data.copy()
        d[0] = np.nan
        self.assertIn("not finite", self.raises(starc.EINVAL, starc.MDP, self.bad_csr(data=d), self.mu0, 0.9))
        d = self.csr.data.copy()
        k = int(np.argmax(d > 0.1))
        d[k] = -d[k]
        self.raises(starc.EINVAL, starc.MDP, self.bad_csr(data=d), self.mu0, 0.9)
        self.raises(starc.EINVAL, starc.MDP, self.bad_csr(data=self.csr.data * 0.5), self.mu0, 0.9)  # row sums
        ix = self.csr.indices.copy()
        ix[-1] = S  # out of range
        self.raises(starc.EINVAL, starc.MDP, self.bad_csr(indices=ix), self.mu0, 0.9)
        ix[-1] = -1
        self.raises(starc.EINVAL, starc.MDP, self.bad_csr(indices=ix), self.mu0, 0.9)
        self.raises(starc.EINVAL, starc.MDP, self.csr.astype(np.complex128), self.mu0, 0.9)

    def test_bad_rewards_and_calls(self):
        S, A, m = self.S, self.A, self.m
        r = np.ones(m.nnz)
        for bad in (np.ones((S, A, S)), np.ones(m.nnz + 1), np.ones((A, S)), np.ones(())):
            self.raises(starc.EDIM, m.distance, bad, r)
            self.raises(starc.EDIM, m.distance, r, bad)
            self.raises(starc.EDIM, m.regret, bad, r)
            self.raises(starc.EDIM, m.optimal_policy, bad)
            self.raises(starc.EDIM, m.evaluate, m.uniform_policy(), bad)
        nan = np.ones(S)
        nan[2] = np.inf
        self.assertIn("R1", self.raises(starc.EINVAL, m.distance, nan, r))
        self.assertIn("R2", self.raises(starc.EINVAL, m.epic, r, nan))
        self.raises(starc.EINVAL, m.regret, nan, r)
        self.raises(starc.EINVAL, m.distance_matrix, [r, nan, r])
        self.raises(starc.EDIM, m.norm, np.ones(S))
        self.raises(starc.EDIM, m.metric, np.ones((S, A)), r)
        self.raises(starc.EINVAL, m.optimal_policy, r, engine="fast")
        self.raises(starc.EINVAL, m.distance, r, r, engine=1)
        for f in (lambda: m.canonicalize(r), lambda: m.standardize(r), lambda: m.evaluator(m.uniform_policy()),
                  lambda: m.epic(r, r, coverage=np.full((S, A, S), 1 / (S * A * S)))):
            self.assertIn("needs a dense MDP", self.raises(starc.EINVAL, f))

    def test_file_with_duplicates_is_refused(self):
        """The library's rule for files: duplicates are an error (the package sums a scipy matrix's)."""
        c = self.csr
        with workdir() as d:
            path = os.path.join(d, "dup.npz")
            ix = c.indices.copy()
            r = int(np.argmax(np.diff(c.indptr) >= 2))
            ix[c.indptr[r] + 1] = ix[c.indptr[r]]
            np.savez(path, T_data=c.data, T_indices=ix, T_indptr=c.indptr, T_shape=np.array([self.S, self.A, self.S]),
                     mu0=self.mu0, gamma=np.float64(0.9))
            msg = self.raises(starc.EINVAL, starc.load_mdp, path)
            self.assertIn("dup.npz", msg)


class AgainstCli(unittest.TestCase):
    """The package and ``starc`` on the same CSR files: equal bit for bit."""

    def test_distance_regret_generate(self):
        rng = np.random.default_rng(11)
        S, A = 30, 3
        csr, _ = random_sparse(rng, S, A)
        mu0 = rng.dirichlet(np.ones(S))
        with workdir() as d:
            p = lambda name: os.path.join(d, name)  # noqa: E731
            np.savez(p("m.npz"), T_data=csr.data, T_indices=csr.indices.astype(np.int32), T_indptr=csr.indptr,
                     T_shape=np.array([S, A, S]), mu0=mu0, gamma=np.float64(0.95))
            R = {"s": rng.normal(size=S), "sa": rng.normal(size=(S, A)), "e": rng.normal(size=csr.nnz)}
            for k, v in R.items():
                np.save(p(k + ".npy"), v)
            np.savez(p("all.npz"), **R)
            m = starc.load_mdp(p("m.npz"))
            mm = starc.MDP(csr, mu0, 0.95)
            self.addCleanup(m.close)
            self.addCleanup(mm.close)
            loaded = starc.load_rewards(p("all.npz"), m)
            self.assertEqual({k: v.shape for k, v in loaded.items()}, {k: v.shape for k, v in R.items()})
            for canon in starc.CANONS:
                for k1, k2 in itertools.combinations(R, 2):
                    cli = run_json("distance", "--mdp", p("m.npz"), "--canon", canon, p(k1 + ".npy"),
                                   p(k2 + ".npy"))["distance"]
                    for mdp in (m, mm):
                        self.assertTrue(same(mdp.distance(R[k1], R[k2], canon), cli), f"{canon} {k1}-{k2}")
            for flag, f in (("--epic", m.epic), ("--dard", m.dard)):
                cli = run_json("distance", "--mdp", p("m.npz"), flag, p("s.npy"), p("e.npy"))["distance"]
                self.assertTrue(same(f(R["s"], R["e"]), cli), flag)
            cli = run_json("distance", "--mdp", p("m.npz"), "--epic", p("all.npz"))
            D = m.distance_matrix(loaded, epic=True)
            for i in range(3):
                for j in range(3):
                    self.assertTrue(same(D[i, j], cli["matrix"][i][j]), f"matrix {i},{j}")
            for engine in starc.ENGINES:
                cli = run_json("regret", "--mdp", p("m.npz"), "--true", p("sa.npy"), "--proxy", p("e.npy"),
                               "--engine", engine)
                res = m.regret(R["sa"], R["e"], engine=engine).to_dict()
                for k in cli:
                    self.assertTrue(same(res[k], cli[k]), f"regret {engine} {k}")
            # generators: the same bytes
            run("generate", "gridworld", "--size", "7x5", "--slip", "0.3", "--sparse", "--mdp", p("g.npz"))
            g = starc.slippery_gridworld(7, 5, slip=0.3)
            self.addCleanup(g.close)
            g.save(p("g2.npz"))
            z1, z2 = np.load(p("g.npz")), np.load(p("g2.npz"))
            for k in ("T_data", "T_indices", "T_indptr", "T_shape", "mu0", "gamma"):
                np.testing.assert_array_equal(z1[k], z2[k], k)
            run("generate", "mdp", "--successors", "4", "--states", "40", "--actions", "3", "--seed", "9",
                "-o", p("k.npz"))
            k = starc.random_mdp(40, 3, 0.95, seed=9, successors=4)
            self.addCleanup(k.close)
            z = np.load(p("k.npz"))
            np.testing.assert_array_equal(z["T_data"], k.csr.data)
            np.testing.assert_array_equal(z["T_indices"], k.csr.indices)


if __name__ == "__main__":
    unittest.main()
