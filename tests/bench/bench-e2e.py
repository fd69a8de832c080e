#!/usr/bin/python3
"""End-to-end baseline for tests/bench/bench-e2e.sh: what a numpy user runs.

    bench-e2e.py gen DIR S [A]        write DIR/m.npz (T, mu0, gamma = 0.95, stored
                                      like np.savez), DIR/r1.npy, DIR/r2.npy (S, A, S)
    bench-e2e.py run val|epic|dard DIR
                                      np.load the same files and compute the distance
                                      `starc distance --mdp DIR/m.npz DIR/r1.npy DIR/r2.npy`
                                      computes (--canon val / --epic / --dard), with the
                                      vectorised formulas of bench-distance.py; prints it.
    bench-e2e.py run regret DIR       the normalised regret of optimising r2 when r1 is
                                      true (`starc regret --true r1.npy --proxy r2.npy`):
                                      exact policy iteration, one np.linalg.solve a step
    bench-e2e.py gen-batch DIR S N    DIR/m.npz and DIR/rs.npz, N (S, 8, S) rewards
    bench-e2e.py run batch DIR        the N x N STARC-VAL (l2, l2) matrix of DIR/rs.npz
                                      (`starc distance --mdp m.npz rs.npz`): canonical
                                      forms kept in (S, A), one Gram matrix F F^T
    bench-e2e.py floor [KIND] DIR     the machine floor of KIND (default val) on DIR: read
                                      m.npz, r1.npy and r2.npy once (page cache, into a
                                      buffer already touched) plus, for val and regret,
                                      one LU solve of size S, for dard its 2A dense S^3
                                      products (epic: the read only), on one BLAS thread;
                                      prints its seconds (best of 5), then the same with
                                      m.npz read into fresh memory (the held floor: what a
                                      program keeping T in aligned memory cannot avoid)
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
    if kind == "batch":
        print("%.17g" % batch(d))
        return
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
    elif kind == "regret":
        out = regret(T, g, z["mu0"], R1, R2)
    else:
        sys.exit("bench-e2e.py: unknown distance " + kind)
    print("%.17g" % out)


def optimal(T, g, Rb):
    """Exact policy iteration from action 0: the optimal deterministic policy of Rb (S, A)."""
    S = T.shape[0]
    act = np.zeros(S, dtype=int)
    idx = np.arange(S)
    while True:
        V = np.linalg.solve(np.eye(S) - g * T[idx, act], Rb[idx, act])
        Q = Rb + g * T @ V
        best = Q.argmax(axis=1)
        better = Q[idx, best] > Q[idx, act] + 1e-10 * np.abs(Q[idx, best])
        if not better.any():
            return act
        act = np.where(better, best, act)


def ret(T, g, mu0, Rb, act):
    S = T.shape[0]
    idx = np.arange(S)
    return mu0 @ np.linalg.solve(np.eye(S) - g * T[idx, act], Rb[idx, act])


def regret(T, g, mu0, Rt, Rp):
    Rbt = np.einsum("sat,sat->sa", T, Rt)
    Rbp = np.einsum("sat,sat->sa", T, Rp)
    jopt = ret(T, g, mu0, Rbt, optimal(T, g, Rbt))
    jworst = ret(T, g, mu0, Rbt, optimal(T, g, -Rbt))
    jp = ret(T, g, mu0, Rbt, optimal(T, g, Rbp))
    return (jopt - jp) / (jopt - jworst) if jopt > jworst else 0.0


def gen_batch(d, S, n, A=8, seed=17):
    rng = np.random.default_rng(seed)
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    np.savez(os.path.join(d, "m.npz"), T=T, mu0=np.full(S, 1.0 / S), gamma=np.float64(0.95))
    np.savez(os.path.join(d, "rs.npz"), **{"R%03d" % i: rng.standard_normal((S, A, S)) for i in range(n)})


def batch(d):
    z = np.load(os.path.join(d, "m.npz"))
    T, g = z["T"], float(z["gamma"])
    r = np.load(os.path.join(d, "rs.npz"))
    Rs = np.stack([r[k] for k in r.files])
    pi, M = bd.val_system(T, g)
    adv = bd.val_adv(T, g, pi, lambda b: np.linalg.solve(M, b), Rs)   # (n, S, A)
    F = adv.reshape(len(Rs), -1)
    F = F / np.linalg.norm(F, axis=1)[:, None]
    D = bd.gram_distances(F)
    return D.sum()


def floor(d, kind="val"):
    """Best of 5 of what no program computing KIND on DIR can avoid: reading
    m.npz, r1.npy and r2.npy once from the page cache into a buffer already
    touched, plus for val and regret one LU solve of size S, for dard the 2A
    dense S x S x S products of its expectation term (one BLAS thread)."""
    import mmap
    import time
    names = [os.path.join(d, f) for f in ("m.npz", "r1.npy", "r2.npy")]
    size = max(os.path.getsize(f) for f in names)
    buf = np.ones(size // 8 + 1)                         # touched: no page faults in the timing
    mv = memoryview(buf).cast("B")
    z = np.load(os.path.join(d, "m.npz"))
    T = z["T"]
    S, A = T.shape[0], T.shape[1]
    M = np.eye(S) - 0.95 * T.mean(axis=1)
    b = np.ones(S)
    if kind == "dard":
        R = np.load(os.path.join(d, "r1.npy"))
        Ta, Ra = [np.ascontiguousarray(T[:, a, :]) for a in range(A)], [np.ascontiguousarray(R[:, a, :]) for a in range(A)]
    best = [float("inf"), float("inf")]
    for held in (0, 1):
        for _ in range(5):
            t0 = time.perf_counter()
            for f in names:
                # held: m.npz into fresh memory, as a program that keeps T in
                # 8-aligned memory must (np.savez stores T at an odd offset,
                # so it cannot be mapped in place): its page faults count.
                fresh = mmap.mmap(-1, size) if held and f == names[0] else None
                dst = memoryview(fresh) if fresh is not None else mv
                with open(f, "rb", buffering=0) as fh:
                    while fh.readinto(dst) > 0:
                        pass
                if fresh is not None:
                    dst.release()
                    fresh.close()
            if kind in ("val", "regret"):
                np.linalg.solve(M, b)
            elif kind == "dard":
                for a in range(A):
                    Ta[a] @ Ra[a] @ Ta[a].T
            best[held] = min(best[held], time.perf_counter() - t0)
    print("%.6f %.6f" % tuple(best))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), *(int(a) for a in sys.argv[4:5]))
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "gen-batch":
        gen_batch(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "floor":
        floor(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "floor":
        floor(sys.argv[3], sys.argv[2])
    else:
        sys.exit(__doc__)
