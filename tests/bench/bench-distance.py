#!/usr/bin/python3
"""numpy baseline for tests/bench/bench-distance (run by bench-distance.sh).

    bench-distance.py DATA_DIR [REPS_LARGE]

A vectorised numpy implementation of the same formulas (docs/theory.md sections 2-3)
on the inputs bench-distance wrote to DATA_DIR: STARC-VAL (l2, l2), EPIC and
DARD distances for two rewards, and 64 x 64 matrices.  As docs/theory.md §3 defines
them, canonical rewards are (S, A, S) tensors and norms run over all S*A*S
entries ("numpy"); for VAL a second variant stays in (S, A), where the
canonical reward lives ("numpy-sa").  "scratch" times include the
MDP-dependent work (P_pi and its LU solve); "reused" times precompute
(I - gamma P_pi)^-1 once, numpy's nearest analogue of a plan.  Times are the
minimum over repetitions, as in the C program.  Output: TSV lines
`case S A what seconds value`, value being the distance (or the matrix sum).
"""
import sys
import time

import numpy as np



def val_tol(S, g):
    """libstarc's derived trivial tolerance for val: 32 S DBL_EPSILON / (1 - gamma)."""
    return 32.0 * S * np.finfo(float).eps / (1.0 - g)


def best(fn, reps):
    out, t = None, float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def maxabs(x):
    return max(x.max(), -x.min())


def load(path):
    z = np.load(path)
    return {k: z[k] for k in z.files}


# ---- STARC-VAL -------------------------------------------------------------------

def val_system(T, g):
    S, A, _ = T.shape
    pi = np.full((S, A), 1.0 / A)
    return pi, np.eye(S) - g * np.einsum("sa,sat->st", pi, T)


def val_adv(T, g, pi, solve, Rs):
    """Advantages A^pi(s,a) of the rewards Rs (n, S, A, S) or a list of (S, A, S), V^pi under each reward."""
    if isinstance(Rs, np.ndarray):
        Rb = np.einsum("sat,nsat->nsa", T, Rs)
    else:  # no stacked copy of the rewards
        Rb = np.stack([np.einsum("sat,sat->sa", T, R) for R in Rs])
    V = solve(np.einsum("sa,nsa->sn", pi, Rb))           # (S, n)
    Q = Rb + g * np.einsum("sat,tn->nsa", T, V)
    return Q - V.T[:, :, None]


def standardise(C, R, tol):
    """s(R) = c(R)/||c(R)||_2 with the trivial rule."""
    if not maxabs(C) > tol * maxabs(R):
        return np.zeros_like(C)
    return C / np.linalg.norm(C)


def val_pair_tensor(T, g, R1, R2, pi, solve):
    S = T.shape[0]
    adv = val_adv(T, g, pi, solve, [R1, R2])
    C = np.repeat(adv[..., None], S, axis=-1)            # c(R)(s,a,s') = A^pi(s,a)
    tol = val_tol(S, g)
    s1, s2 = standardise(C[0], R1, tol), standardise(C[1], R2, tol)
    return np.linalg.norm(s1 - s2)


def val_pair_sa(T, g, R1, R2, pi, solve):
    S = T.shape[0]
    adv = val_adv(T, g, pi, solve, [R1, R2])
    out = []
    for a, R in zip(adv, (R1, R2)):
        if not maxabs(a) > val_tol(S, g) * maxabs(R):
            out.append(np.zeros_like(a))
        else:
            out.append(a / (np.sqrt(S) * np.linalg.norm(a)))
    return np.sqrt(S) * np.linalg.norm(out[0] - out[1])


# ---- EPIC and DARD -----------------------------------------------------------------

def epic_canon(R, g):
    gg = R.mean(axis=(1, 2))                             # uniform D_A, D_S
    return R + g * gg[None, None, :] - gg[:, None, None] - g * gg.mean()


def dard_canon(T, R, g):
    S, A, _ = T.shape
    gg = np.einsum("sat,sat->sa", T, R).mean(axis=1)     # uniform D_A
    K = sum(T[:, a, :] @ R[:, a, :] @ T[:, a, :].T for a in range(A)) / A
    return R + g * gg[None, None, :] - gg[:, None, None] - g * K[:, None, :]


def pearson_distance(C1, C2):
    x = C1.ravel() - C1.mean()
    y = C2.ravel() - C2.mean()
    rho = (x @ y) / np.sqrt((x @ x) * (y @ y))
    return np.sqrt(max(0.0, (1.0 - rho) / 2.0))


# ---- matrices ----------------------------------------------------------------------

def gram_distances(F):
    G = F @ F.T
    d = np.diag(G)
    return np.sqrt(np.maximum(d[:, None] + d[None, :] - 2 * G, 0.0))


def matrix_val(T, g, Rs):
    S = T.shape[0]
    pi, M = val_system(T, g)
    adv = val_adv(T, g, pi, lambda b: np.linalg.solve(M, b), Rs)
    C = np.repeat(adv[..., None], S, axis=-1).reshape(len(Rs), -1)
    F = C / np.linalg.norm(C, axis=1)[:, None]
    return gram_distances(F)


def matrix_pearson(C):
    C = C.reshape(len(C), -1)
    F = C - C.mean(axis=1)[:, None]
    F /= np.linalg.norm(F, axis=1)[:, None]
    rho = np.clip(F @ F.T, -1.0, 1.0)
    return np.sqrt((1.0 - rho) / 2.0)


def matrix_epic(T, g, Rs):
    gg = Rs.mean(axis=(2, 3))
    C = Rs + g * gg[:, None, None, :] - gg[:, :, None, None] - g * gg.mean(axis=1)[:, None, None, None]
    return matrix_pearson(C)


def matrix_dard(T, g, Rs):
    S, A, _ = T.shape
    gg = np.einsum("sat,nsat->nsa", T, Rs).mean(axis=2)
    K = sum(T[:, a, :] @ Rs[:, :, a, :] @ T[:, a, :].T for a in range(A)) / A
    C = Rs + g * gg[:, None, None, :] - gg[:, :, None, None] - g * K[:, :, None, :]
    return matrix_pearson(C)


def main():
    d = sys.argv[1]
    reps_large = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    for S, A in ((32, 4), (1024, 8)):
        reps = 50 if S == 32 else reps_large
        m = load(f"{d}/pair-{S}-{A}-mdp.npz")
        T, g = m["T"], float(m["gamma"])
        r = load(f"{d}/pair-{S}-{A}-rewards.npz")
        R1, R2 = r["R00"], r["R01"]

        def scratch(kernel):
            pi, M = val_system(T, g)
            return kernel(T, g, R1, R2, pi, lambda b: np.linalg.solve(M, b))

        pi, M = val_system(T, g)
        Minv = np.linalg.inv(M)
        rows = []
        for name, kern in (("numpy", val_pair_tensor), ("numpy-sa", val_pair_sa)):
            t, v = best(lambda: scratch(kern), reps)
            rows.append(("val", name + "-scratch", t, v))
            t, v = best(lambda: kern(T, g, R1, R2, pi, lambda b: Minv @ b), reps)
            rows.append(("val", name + "-reused", t, v))
        t, v = best(lambda: pearson_distance(epic_canon(R1, g), epic_canon(R2, g)), reps)
        rows.append(("epic", "numpy-scratch", t, v))
        t, v = best(lambda: pearson_distance(dard_canon(T, R1, g), dard_canon(T, R2, g)),
                    reps if S == 32 else min(reps, 3))
        rows.append(("dard", "numpy-scratch", t, v))
        for case, what, t, v in rows:
            print(f"{case}\t{S}\t{A}\t{what}\t{t:.6g}\t{v:.17g}", flush=True)

    m = load(f"{d}/matrix-32-4-mdp.npz")
    T, g = m["T"], float(m["gamma"])
    r = load(f"{d}/matrix-32-4-rewards.npz")
    Rs = np.stack([r[k] for k in sorted(r)])
    for case, fn in (("matrix-val", matrix_val), ("matrix-epic", matrix_epic), ("matrix-dard", matrix_dard)):
        t, D = best(lambda: fn(T, g, Rs), 10)
        np.fill_diagonal(D, 0.0)
        print(f"{case}\t32\t4\tnumpy-scratch\t{t:.6g}\t{D.sum():.17g}", flush=True)


if __name__ == "__main__":
    main()
