#!/usr/bin/python3
"""N x N distance matrices against numpy's Gram-matrix implementation (a program, not a test).

    make bench               (runs it through tests/bench/bench-batch.sh)
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench-batch.py --c-bin tests/bench/bench-batch-c
        [--states 64] [--actions 8] [--rewards 256] [--runs 5]

A dense random MDP (gamma 0.95, seeded) and N N(0,1) rewards of shape (S,A,S).  Each run times
libstarc's `starc_distance_matrix()` (STARC-VAL, l2, l2) from C, tests/bench/bench-batch-c, with
the plan reused and made per call (best of 3 calls), then numpy's vectorised Gram-matrix
implementations of the same formula (best of 3): tests/bench/bench-distance.py's `matrix_val`
(canonical rewards as (S,A,S) tensors, imported, not copied) and the same in (S,A) (the
advantages standardised in (S,A) space: the repeated s' axis scales every feature by sqrt(S),
which the normalisation removes).  Runs alternate C and numpy; the report gives the median and
the spread (min-max) over the runs of each time and of each ratio, and the largest relative
difference between the matrices.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def bench_distance():
    spec = importlib.util.spec_from_file_location("bench_distance", os.path.join(HERE, "bench-distance.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def matrix_val_sa(bd, T, g, Rs):
    """STARC-VAL (l2, l2) matrix from the advantages in (S, A): one Gram matrix of the standardised rows."""
    pi, M = bd.val_system(T, g)
    adv = bd.val_adv(T, g, pi, lambda b: np.linalg.solve(M, b), Rs).reshape(len(Rs), -1)
    F = adv / np.linalg.norm(adv, axis=1)[:, None]
    return bd.gram_distances(F)


def best(fn, reps):
    t, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def spread(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2], xs[0], xs[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--c-bin", required=True, help="tests/bench/bench-batch-c (built by make bench)")
    ap.add_argument("--states", type=int, default=64)
    ap.add_argument("--actions", type=int, default=8)
    ap.add_argument("--rewards", type=int, default=256)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    S, A, N = a.states, a.actions, a.rewards
    bd = bench_distance()
    rng = np.random.default_rng(S * 1000 + N)
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    g = 0.95
    Rs = rng.normal(size=(N, S, A, S))
    print(f"# S={S} A={A} N={N}; numpy {np.__version__}; {os.cpu_count()} CPUs; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        mp, rp, out = (os.path.join(work, f) for f in ("m.npz", "r.npz", "D.bin"))
        np.savez(mp, T=T, mu0=np.full(S, 1.0 / S), gamma=np.float64(g))
        np.savez(rp, **{f"r{i:04d}": Rs[i] for i in range(N)})
        rows = {k: [] for k in ("c-reused", "c-scratch", "numpy", "numpy-sa")}
        worst = 0.0
        for run in range(a.runs):
            res = subprocess.run([a.c_bin, mp, rp, "3", out], check=True, capture_output=True, text=True,
                                 env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}).stdout.split()
            rows["c-reused"].append(float(res[0]))
            rows["c-scratch"].append(float(res[1]))
            D = np.fromfile(out).reshape(N, N)
            t, Dn = best(lambda: bd.matrix_val(T, g, Rs), 3)
            rows["numpy"].append(t)
            t, Ds = best(lambda: matrix_val_sa(bd, T, g, Rs), 3)
            rows["numpy-sa"].append(t)
            for X in (Dn, Ds):
                off = ~np.eye(N, dtype=bool)
                worst = max(worst, float(np.max(np.abs(X[off] - D[off]) / np.abs(D[off]))))
            print("run", run, *(f"{k}={v[-1]:.6g}" for k, v in rows.items()), flush=True)
    print()
    print(f"| {N} x {N} STARC-VAL matrix, S={S} A={A} | median | min-max |")
    print("|---|---|---|")
    for k, label in (("c-reused", "libstarc, plan reused"), ("c-scratch", "libstarc, plan made per call"),
                     ("numpy", "numpy Gram, (S,A,S) tensors"), ("numpy-sa", "numpy Gram, (S,A)")):
        m, lo, hi = spread(rows[k])
        print(f"| {label} | {1e3 * m:.2f} ms | {1e3 * lo:.2f}-{1e3 * hi:.2f} ms |")
    for num, den in (("numpy", "c-reused"), ("numpy-sa", "c-reused"), ("numpy", "c-scratch"),
                     ("numpy-sa", "c-scratch")):
        m, lo, hi = spread([x / y for x, y in zip(rows[num], rows[den])])
        print(f"| {num} / {den} | {m:.1f}x | {lo:.1f}-{hi:.1f}x |")
    print(f"\nlibstarc and numpy agree to a relative {worst:.1e} (off-diagonal entries).  Load average at the end: "
          f"{os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    sys.exit(main())
