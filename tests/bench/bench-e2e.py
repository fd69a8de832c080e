#!/usr/bin/python3
"""End-to-end baseline for tests/bench/bench-e2e.sh: what a numpy user runs.

    bench-e2e.py gen DIR S [A]        write DIR/m.npz (T, mu0, gamma = 0.95, stored
                                      like np.savez), DIR/r1.npy, DIR/r2.npy (S, A, S)
    bench-e2e.py run val|epic|dard DIR
                                      np.load the same files and compute the distance
                                      `starc distance --mdp DIR/m.npz DIR/r1.npy DIR/r2.npy`
                                      computes (--canon val / --epic / --dard), with the
                                      vectorised formulas of bench-distance.py; prints it.
"""
import importlib.util
import os
import sys

import numpy as np

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench_distance", os.path.join(_here, "bench-distance.py"))
bd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bd)


def gen(d, S, A=8, seed=13):
    rng = np.random.default_rng(seed)
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    mu0 = np.full(S, 1.0 / S)
    np.savez(os.path.join(d, "m.npz"), T=T, mu0=mu0, gamma=np.float64(0.95))
    del T
    for name in ("r1", "r2"):
        np.save(os.path.join(d, name + ".npy"), rng.standard_normal((S, A, S)))


def run(kind, d):
    z = np.load(os.path.join(d, "m.npz"))
    T, g = z["T"], float(z["gamma"])
    R1 = np.load(os.path.join(d, "r1.npy"))
    R2 = np.load(os.path.join(d, "r2.npy"))
    if kind == "val":
        pi, M = bd.val_system(T, g)
        lu = np.linalg.inv(M)  # one factorisation for both rewards
        out = bd.val_pair_sa(T, g, R1, R2, pi, lambda b: lu @ b)
    elif kind == "epic":
        out = bd.pearson_distance(bd.epic_canon(R1, g), bd.epic_canon(R2, g))
    elif kind == "dard":
        out = bd.pearson_distance(bd.dard_canon(T, R1, g), bd.dard_canon(T, R2, g))
    else:
        sys.exit("bench-e2e.py: unknown distance " + kind)
    print("%.17g" % out)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), *(int(a) for a in sys.argv[4:5]))
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
