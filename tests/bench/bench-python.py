#!/usr/bin/python3
"""Benchmark of the starc Python package (a program, not a test; never run by `make check`).

    make bench-python        (or `make bench`, which runs it through tests/bench/bench-python.sh)
    PYTHONPATH=python STARC_LIBRARY=libstarc/.libs/libstarc.so.1 OPENBLAS_NUM_THREADS=1 \\
        /usr/bin/python3 tests/bench/bench-python.py [--quick] [--c-bin tests/bench/bench-python-c]

Times are the minimum over repetitions (the machine may be shared).  OpenBLAS runs on one
thread in every process, as the starc command runs it.

1. Per-call overhead at S=4, A=2: `mdp.distance(R1, R2)` (STARC-VAL, l2, l2; the plan kept by
   the MDP) against the same call from C, `starc_distance_pair()` on a reused plan, timed by
   tests/bench/bench-python-c (built by `make bench`) on the same arrays and the same library.
   The difference is what Python and ctypes add.
2. `mdp.distance` and `mdp.epic` at S=32 A=4, S=256 A=8 and S=512 A=8 against a vectorised
   numpy implementation of the same formulas: tests/bench/bench-distance.py's (imported, not
   copied): STARC-VAL on (S,A,S) tensors ("numpy") and in (S,A) ("numpy-sa"), with the
   policy's linear system solved per call ("scratch") or its inverse precomputed ("reused",
   numpy's nearest analogue of a plan), and EPIC's canonicalisation and Pearson distance.
   The same C program times `starc_distance_pair()` at each size: the ceiling for the package.
   The values must agree; the largest relative difference is printed.

Output: one TSV line per measurement (`case S A what seconds value`), then markdown tables.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import starc

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

def best(fn, reps, number=1):
    out, t = None, float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        t = min(t, (time.perf_counter() - t0) / number)
    return t, out


def numpy_baseline():
    spec = importlib.util.spec_from_file_location("bench_distance", os.path.join(HERE, "bench-distance.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def problem(S, A, seed):
    """A dense random MDP (gamma 0.95) and two N(0,1) rewards (S, A, S), all seeded."""
    rng = np.random.default_rng(seed)
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    return T, np.full(S, 1.0 / S), 0.95, rng.normal(size=(S, A, S)), rng.normal(size=(S, A, S))


def c_times(work, T, mu0, g, R1, R2, cbin, n):
    """(pair, scratch, value) per call from C (tests/bench/bench-python-c on the same arrays),
    or None without the program."""
    if not cbin:
        return None
    np.savez(os.path.join(work, "m.npz"), T=T, mu0=mu0, gamma=np.float64(g))
    np.savez(os.path.join(work, "r.npz"), R1=R1, R2=R2)
    try:
        out = subprocess.run([cbin, os.path.join(work, "m.npz"), os.path.join(work, "r.npz"), str(n)], check=True,
                             capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"# no C measurement: {getattr(e, 'stderr', '') or e}", file=sys.stderr)
        return None
    pair, scratch, value = out.split()
    return float(pair), float(scratch), float(value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, no S=512")
    ap.add_argument("--c-bin", default=os.environ.get("BENCH_PYTHON_C", ""),
                    help="tests/bench/bench-python-c (built by make bench); without it no C times")
    args = ap.parse_args()
    rows = []

    def emit(case, S, A, what, t, value):
        rows.append((case, S, A, what, t, value))
        print(f"{case}\t{S}\t{A}\t{what}\t{t:.6g}\t{value:.17g}", flush=True)

    print(f"# starc {starc.__version__} from {starc.LIBRARY_PATH}; numpy {np.__version__}; {os.cpu_count()} CPUs; "
          f"OpenBLAS threads {starc.blas_threads()}; load average {os.getloadavg()[0]:.2f} (the machine may be "
          f"shared: read the ratios with it)", flush=True)
    work_dir = tempfile.TemporaryDirectory(prefix="bench-python-")
    work = work_dir.name

    # 1. per-call overhead at S=4
    n = 20000 if args.quick else 100000
    reps = 3 if args.quick else 7
    T, mu0, g, R1, R2 = problem(4, 2, 1)
    c = c_times(work, T, mu0, g, R1, R2, args.c_bin, n)
    with starc.MDP(T, mu0, g) as m:
        t, v = best(lambda: m.distance(R1, R2), reps, n)
        emit("overhead", 4, 2, "python-distance", t, v)
        with m.distance_plan() as plan:
            t, v2 = best(lambda: plan.distance(R1, R2), reps, n)
            emit("overhead", 4, 2, "python-plan", t, v2)
        uni = m.uniform_policy()
        t, _ = best(lambda: m.distance(R1, R2, policy=uni), reps, n // 10)
        emit("overhead", 4, 2, "python-scratch", t, v)
        pi = m.uniform_policy()
        t, _ = best(lambda: m.evaluate(pi, R1), reps, n)
        emit("overhead", 4, 2, "python-evaluate", t, 0.0)
        if c is not None:
            emit("overhead", 4, 2, "c-pair", c[0], c[2])
            emit("overhead", 4, 2, "c-scratch", c[1], c[2])
            if c[2] != v:
                print(f"WARNING: C {c[2]!r} and Python {v!r} differ", flush=True)

    # 2. against numpy, and the C ceiling
    bd = numpy_baseline()
    sizes = ((32, 4), (256, 8)) if args.quick else ((32, 4), (256, 8), (512, 8))
    worst = 0.0
    for S, A in sizes:
        reps = {32: 200, 256: 15, 512: 9}[S] // (3 if args.quick else 1) or 1
        T, mu0, g, R1, R2 = problem(S, A, S)
        c = c_times(work, T, mu0, g, R1, R2, args.c_bin, {32: 2000, 256: 50, 512: 20}[S])
        with starc.MDP(T, mu0, g) as m:
            m.distance(R1, R2)  # the MDP's plan, made once
            t, v = best(lambda: m.distance(R1, R2), reps)
            emit("val", S, A, "starc-reused", t, v)
            if c is not None:
                emit("val", S, A, "c-reused", c[0], c[2])
                emit("val", S, A, "c-scratch", c[1], c[2])
                if c[2] != v:
                    print(f"WARNING: C {c[2]!r} and Python {v!r} differ at S={S}", flush=True)

            def scratch():
                with m.distance_plan() as p:
                    return p.distance(R1, R2)
            t, _ = best(scratch, reps)
            emit("val", S, A, "starc-scratch", t, v)
            t, ve = best(lambda: m.epic(R1, R2), reps)
            emit("epic", S, A, "starc", t, ve)
        pi, M = bd.val_system(T, g)
        Minv = np.linalg.inv(M)
        for name, kern in (("numpy", bd.val_pair_tensor), ("numpy-sa", bd.val_pair_sa)):
            def np_scratch():
                pi_, M_ = bd.val_system(T, g)
                return kern(T, g, R1, R2, pi_, lambda b: np.linalg.solve(M_, b))
            t, nv = best(np_scratch, reps)
            emit("val", S, A, name + "-scratch", t, nv)
            worst = max(worst, abs(nv - v) / abs(v))
            t, nv = best(lambda: kern(T, g, R1, R2, pi, lambda b: Minv @ b), reps)
            emit("val", S, A, name + "-reused", t, nv)
            worst = max(worst, abs(nv - v) / abs(v))
        t, nv = best(lambda: bd.pearson_distance(bd.epic_canon(R1, g), bd.epic_canon(R2, g)), reps)
        emit("epic", S, A, "numpy", t, nv)
        worst = max(worst, abs(nv - ve) / abs(ve))
    work_dir.cleanup()

    def get(case, S, what):
        for r in rows:
            if r[0] == case and r[1] == S and r[3] == what:
                return r[4]
        return None

    def us(x):
        return "n/a" if x is None else f"{1e6 * x:.2f} us"

    def ms(x):
        return "n/a" if x is None else (f"{1e3 * x:.4f} ms" if x < 1e-3 else f"{1e3 * x:.3f} ms" if x < 1e-2
                                        else f"{1e3 * x:.1f} ms")

    def ratio(a, b):
        return "n/a" if a is None or b is None else f"{a / b:.1f}x"

    print()
    print("| per call, S=4 A=2 | Python | C | Python - C |")
    print("|---|---|---|---|")
    for py, cw, label in (("python-distance", "c-pair", "distance, plan reused (mdp.distance)"),
                          ("python-plan", "c-pair", "distance on a DistancePlan"),
                          ("python-scratch", "c-scratch", "distance, plan made per call")):
        a, b = get("overhead", 4, py), get("overhead", 4, cw)
        print(f"| {label} | {us(a)} | {us(b)} | {us(None if a is None or b is None else a - b)} |")
    print(f"| mdp.evaluate (no C counterpart timed) | {us(get('overhead', 4, 'python-evaluate'))} | | |")
    print()
    print("| case | S, A | starc (Python) | C (same call) | numpy (S,A,S) | numpy (S,A) | numpy / starc | "
          "numpy / C |")
    print("|---|---|---|---|---|---|---|---|")
    for S, A in sizes:
        for kind in ("reused", "scratch"):
            s, cc = get("val", S, f"starc-{kind}"), get("val", S, f"c-{kind}")
            n1, n2 = get("val", S, f"numpy-{kind}"), get("val", S, f"numpy-sa-{kind}")
            print(f"| STARC-VAL, plan {kind} | {S}, {A} | {ms(s)} | {ms(cc)} | {ms(n1)} | {ms(n2)} | "
                  f"{ratio(n1, s)} ({ratio(n2, s)}) | {ratio(n1, cc)} ({ratio(n2, cc)}) |")
        s, n1 = get("epic", S, "starc"), get("epic", S, "numpy")
        print(f"| EPIC | {S}, {A} | {ms(s)} | | {ms(n1)} | | {ratio(n1, s)} | |")
    print(f"\nstarc and numpy values agree to a relative {worst:.1e}.  Load average at the end: "
          f"{os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
