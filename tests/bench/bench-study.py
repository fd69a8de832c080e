#!/usr/bin/python3
"""numpy baseline for the STARC random-MDP study (tests/bench/bench-study.sh).

The same pipeline as libstarc's study (libstarc/study.c), written the way a numpy
user would: for each saved MDP of a `starc experiment --save-data N` run, every
data point's exact symmetric regret (policy iteration with numpy.linalg.solve)
and all 338 distance variants (7 canonicalisations x 8 normalisations x 6
metrics + the EPIC and DARD Pearson distances), vectorised over the norms and
metrics.  It is timed per point and its numbers are compared with the
pairs.tsv of the same run, so the baseline is also an independent check of the
C implementation (formulas: docs/theory.md).

usage: bench-study.py DIR NMDPS
prints `key value` lines: points, seconds, us_per_point, regret_max_abs_diff,
regret_points_differing_over_1e-9, variants_max_abs_diff, n_compared, n_nan_agree.
Regrets of rewards whose return range is ~1e-9 of their size (the protocol makes
some: sparse rewards that sit on the -20 floor transitions) are ill-conditioned,
so both implementations round them differently in the 7th digit.
"""
import sys
import time

import numpy as np

CANONS = ["none", "epic", "dard", "val", "val-potential", "minimal-potential", "minimal"]
NORMS = ["l1", "l2", "linf", "wl1", "wl2", "wlinf", "none", "range"]
METRICS = ["l1", "l2", "linf", "wl1", "wl2", "wlinf"]
# distance.h's derived trivial tolerance: K S DBL_EPSILON / (1 - gamma)^p
TRIVIAL_K = 32.0
TRIVIAL_P = np.array([1, 1, 1, 1, 2, 2, 2])  # per canonicalisation, CANONS order
TIE = 1e-10           # policy iteration tie tolerance
REGRET_TRIVIAL = 1e-12


def policy_iteration(T, Rbar, gamma):
    """Howard's PI from action 0, ties to the lowest index (policy.h)."""
    S, A = Rbar.shape
    act = np.zeros(S, dtype=int)
    I = np.eye(S)
    idx = np.arange(S)
    while True:
        V = np.linalg.solve(I - gamma * T[idx, act], Rbar[idx, act])
        Q = Rbar + gamma * T @ V
        qmax = Q.max(axis=1)
        tol = TIE * np.maximum(1.0, np.abs(qmax))
        best = np.argmax(Q >= (qmax - tol)[:, None], axis=1)
        change = Q[idx, act] < qmax - tol
        if not change.any():
            return best, V
        act = np.where(change, best, act)


def evaluate(T, Rbar, gamma, act):
    S = Rbar.shape[0]
    idx = np.arange(S)
    return np.linalg.solve(np.eye(S) - gamma * T[idx, act], Rbar[idx, act])


def regret_from(jopt, jworst, jp):
    den = jopt - jworst
    if den <= REGRET_TRIVIAL * max(1.0, abs(jopt)):
        return 0.0
    return min(1.0, max(0.0, (jopt - jp) / den))


class Plan:
    """Per-MDP set-up of the canonicalisations (what a numpy user would cache)."""

    def __init__(self, T, mu0, gamma):
        self.T, self.mu0, self.gamma = T, mu0, gamma
        S, A, _ = T.shape
        self.S, self.A = S, A
        # val / val-potential: uniform policy
        P = T.mean(axis=1)
        self.val_lhs = np.linalg.inv(np.eye(S) - gamma * P)
        # minimal-potential: least squares over all (s,a,s') of R + gamma Phi(s') - Phi(s)
        # design M[(s,a,s'), :] = gamma e_s' - e_s; normal matrix M^T M
        M = np.zeros((S, A, S, S))
        for s in range(S):
            M[s, :, :, s] -= 1.0
        M[:, :, np.arange(S), np.arange(S)] += gamma
        self.M = M.reshape(S * A * S, S)
        self.mp_pinv = np.linalg.solve(self.M.T @ self.M, self.M.T)
        # minimal: w = 1 / sum T^2, weighted LS for Phi in Rbar + gamma T Phi - Phi
        self.w = 1.0 / (T ** 2).sum(axis=2)
        E = np.zeros((S, A, S))
        E[np.arange(S), :, np.arange(S)] = 1.0
        Mm = (gamma * T - E).reshape(S * A, S)
        W = self.w.reshape(-1)
        self.min_Mm = Mm
        self.min_solve = np.linalg.solve(Mm.T @ (W[:, None] * Mm), Mm.T * W)
        self.bound = np.array([S * A * S, np.sqrt(S * A * S), 1.0, T.sum(), np.sqrt(T.sum()), T.max(), 0.0,
                               2.0 / (1.0 - gamma)])

    def canon(self, R, Rbar):
        T, g, S, A = self.T, self.gamma, self.S, self.A
        out = np.empty((7, S, A, S))
        out[0] = R
        ge = R.mean(axis=(1, 2))
        out[1] = R + g * ge[None, None, :] - ge[:, None, None] - g * ge.mean()
        gd = Rbar.mean(axis=1)
        Ta = T.transpose(1, 0, 2)
        K = (Ta @ R.transpose(1, 0, 2) @ Ta.transpose(0, 2, 1)).mean(axis=0)
        out[2] = R + g * gd[None, None, :] - gd[:, None, None] - g * K[:, None, :]
        r_pi = Rbar.mean(axis=1)
        V = self.val_lhs @ r_pi
        Adv = Rbar + g * T @ V - V[:, None]
        out[3] = Adv[:, :, None]
        out[4] = R - V[:, None, None] + g * V[None, None, :]
        phi = -self.mp_pinv @ R.reshape(-1)
        out[5] = R + g * phi[None, None, :] - phi[:, None, None]
        phim = -self.min_solve @ Rbar.reshape(-1)
        y = Rbar + g * T @ phim - phim[:, None]
        out[6] = (self.w * y)[:, :, None] * T
        return out

    def features(self, R, Rbar, rng_R):
        """Canonical forms, the 8 scales per canon, Pearson moments."""
        T = self.T
        C = self.canon(R, Rbar)
        X = np.abs(C.reshape(7, -1))
        Tf = T.reshape(-1)
        n = np.empty((7, 8))
        n[:, 0] = X.sum(axis=1)
        n[:, 1] = np.sqrt((X ** 2).sum(axis=1))
        n[:, 2] = X.max(axis=1)
        n[:, 3] = (Tf * X).sum(axis=1)
        n[:, 4] = np.sqrt((Tf * X ** 2).sum(axis=1))
        n[:, 5] = (Tf * X).max(axis=1)
        n[:, 6] = 1.0
        n[:, 7] = rng_R
        # DARD's K(s,s') term is not shaping: its range is its own
        cb = (T * C[2]).sum(axis=2)
        a1, V1 = policy_iteration(T, cb, self.gamma)
        a2, V2 = policy_iteration(T, -cb, self.gamma)
        n[2, 7] = max(self.mu0 @ V1 + self.mu0 @ V2, 0.0)
        xmax = n[:, 2]
        rmax = np.abs(R).max()
        # distance.h's rule: delta = tol max|R| bounds the round-off of c(R)'s entries; trivial
        # when max|c(R)| <= delta, or the weighted normalisers see only round-off (|c| <= delta
        # where T > 0), or range <= 2 delta / (1 - gamma), or (underflow only) l1, l2, linf <= delta
        tol = TRIVIAL_K * self.S * np.finfo(float).eps / (1.0 - self.gamma) ** TRIVIAL_P
        delta = tol * rmax
        trivial = ~(xmax > delta)
        seen = np.where(Tf > 0, X, 0.0).max(axis=1)
        vanish = np.zeros((7, 8), dtype=bool)
        vanish[:, [0, 1, 2]] = ~(n[:, [0, 1, 2]] > delta[:, None])
        vanish[:, [3, 4, 5]] = ~(seen > delta)[:, None]
        vanish[:, 7] = ~(n[:, 7] > self.bound[7] * delta)
        scale = np.where(trivial[:, None] | vanish, 0.0, 1.0 / np.where(n == 0, 1.0, n))
        flat = C.reshape(7, -1)
        mean = flat.mean(axis=1)
        sd = np.sqrt(((flat - mean[:, None]) ** 2).mean(axis=1))
        return flat, scale, mean, sd, trivial, delta


def distances(p, f1, fi):
    C1, a1, m1, s1, t1, x1 = f1
    Ci, ai, mi, si, ti, xi = fi
    Tf = p.T.reshape(-1)
    D = np.abs(a1[:, :, None] * C1[:, None, :] - ai[:, :, None] * Ci[:, None, :])  # (7, 8, SAS)
    out = np.empty((7, 8, 6))
    out[:, :, 0] = D.sum(axis=2)
    out[:, :, 1] = np.sqrt((D ** 2).sum(axis=2))
    out[:, :, 2] = D.max(axis=2)
    TD = Tf * D
    out[:, :, 3] = TD.sum(axis=2)
    out[:, :, 4] = np.sqrt((TD * D).sum(axis=2))
    out[:, :, 5] = TD.max(axis=2)
    pe = []
    for c in (1, 2):
        if t1[c] or ti[c] or not s1[c] > x1[c] or not si[c] > xi[c]:  # x: delta
            pe.append(np.nan)
            continue
        d = (C1[c] - m1[c]) / s1[c] - (Ci[c] - mi[c]) / si[c]
        pe.append(np.sqrt(min(1.0, 0.25 * np.mean(d * d))))
    return np.concatenate([out.reshape(-1), pe])


def run_mdp(data_dir, j, steps):
    m = np.load("%s/mdp-%05d.npz" % (data_dir, j))
    T, mu0, gamma = m["T"], m["mu0"], float(m["gamma"])
    z = np.load("%s/rewards-%05d.npz" % (data_dir, j))
    pairs = len(z.files) // 2
    p = Plan(T, mu0, gamma)
    rows = []
    for k in range(pairs):
        R1, R2 = z["R1_%d" % k], z["R2_%d" % k]
        Rb1 = (T * R1).sum(axis=2)
        _, Vw = policy_iteration(T, -Rb1, gamma)
        act1, Vo = policy_iteration(T, Rb1, gamma)
        j1opt, j1worst = mu0 @ Vo, -(mu0 @ Vw)
        f1 = p.features(R1, Rb1, j1opt - j1worst)
        for i in range(1, steps + 1):
            Ri = R1 + (i / steps) * (R2 - R1)
            Rbi = (T * Ri).sum(axis=2)
            _, Vw = policy_iteration(T, -Rbi, gamma)
            acti, Vo = policy_iteration(T, Rbi, gamma)
            jiopt, jiworst = mu0 @ Vo, -(mu0 @ Vw)
            j1_at_i = mu0 @ evaluate(T, Rb1, gamma, acti)
            ji_at_1 = mu0 @ evaluate(T, Rbi, gamma, act1)
            reg = 0.5 * (regret_from(j1opt, j1worst, j1_at_i) + regret_from(jiopt, jiworst, ji_at_1))
            fi = p.features(Ri, Rbi, jiopt - jiworst)
            rows.append(np.concatenate([[reg], distances(p, f1, fi)]))
    return rows


def main():
    out, nmdp = sys.argv[1], int(sys.argv[2])
    with open(out + "/pairs.tsv") as f:
        head = f.readline().rstrip("\n").split("\t")
    want = [c + ":" + n + ":" + m for c in CANONS for n in NORMS for m in METRICS] + ["epic:none:pearson",
                                                                                     "dard:none:pearson"]
    assert head[4:] == want, "pairs.tsv columns are not the study's variants in order"
    steps = None
    ref = {}
    with open(out + "/pairs.tsv") as f:
        f.readline()
        for line in f:
            parts = line.split("\t", 3)
            j = int(parts[0])
            if j >= nmdp:
                break
            ref.setdefault(j, []).append(np.array(line.split("\t")[3:], dtype=float))
            steps = max(steps or 0, int(parts[2]))
    t0 = time.perf_counter()
    mine = {j: run_mdp(out + "/data", j, steps) for j in range(nmdp)}
    secs = time.perf_counter() - t0
    npts = sum(len(v) for v in mine.values())
    dreg = []
    dabs = 0.0
    nnan = 0
    ncmp = 0
    worst = ""
    for j in range(nmdp):
        for a, b in zip(mine[j], ref[j]):
            dreg.append(abs(a[0] - b[0]))
            both_nan = np.isnan(a[1:]) & np.isnan(b[1:])
            nnan += int(both_nan.sum())
            if (np.isnan(a[1:]) != np.isnan(b[1:])).any():
                worst = "NaN mismatch"
                dabs = np.inf
            ok = ~np.isnan(a[1:]) & ~np.isnan(b[1:])
            # distances are O(1) (normalised rewards): absolute differences
            r = np.abs(a[1:][ok] - b[1:][ok])
            ncmp += int(ok.sum())
            if r.size and r.max() > dabs:
                dabs = r.max()
                worst = want[int(np.flatnonzero(ok)[np.argmax(r)])]
    dreg = np.array(dreg)
    print("points", npts)
    print("seconds", "%.3f" % secs)
    print("us_per_point", "%.1f" % (1e6 * secs / npts))
    print("regret_max_abs_diff", "%.3g" % dreg.max())
    print("regret_points_differing_over_1e-9", int((dreg > 1e-9).sum()))
    print("variants_max_abs_diff", "%.3g" % dabs, worst)
    print("n_compared", ncmp)
    print("n_nan_agree", nnan)


if __name__ == "__main__":
    main()
