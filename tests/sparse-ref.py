"""Reference side of tests/cli-sparse.sh: scipy writes sparse MDPs and
rewards, and checks what libstarc reads, writes and computes.

  sparse-ref.py make DIR          random CSR MDPs (int32/int64/uint32 indices), dense twins, rewards,
                                  and a 100x100 slippery gridworld (10^4 states)
  sparse-ref.py roundtrip IN OUT  OUT (written by starc_io_mdp_save) holds IN's arrays exactly
  sparse-ref.py regret MDP RT RP JSON   scipy policy iteration (spsolve) against `starc regret` JSON
  sparse-ref.py close JSON1 JSON2 regret/returns of two runs agree to 1e-10 (relative)
"""
import json
import sys

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def random_csr(rng, S, A, K, idx_dtype):
    rows, cols, vals = [], [], []
    for r in range(S * A):
        succ = np.sort(rng.choice(S, size=min(K, S), replace=False))
        w = rng.gamma(1.0, size=len(succ))
        rows += [r] * len(succ)
        cols += list(succ)
        vals += list(w / w.sum())
    T = sp.csr_matrix((vals, (rows, cols)), shape=(S * A, S))
    T.sort_indices()
    return T.data, T.indices.astype(idx_dtype), T.indptr.astype(idx_dtype)


def gridworld(W, H, slip):
    """4 actions (up, down, left, right); with probability slip a uniformly random direction."""
    S, A = W * H, 4
    moves = [(0, -1), (0, 1), (-1, 0), (1, 0)]
    rows, cols, vals = [], [], []
    for y in range(H):
        for x in range(W):
            s = y * W + x
            for a in range(A):
                p = {}
                for b, (dx, dy) in enumerate(moves):
                    q = (1 - slip if b == a else 0.0) + slip / 4
                    nx, ny = min(max(x + dx, 0), W - 1), min(max(y + dy, 0), H - 1)
                    t = ny * W + nx
                    p[t] = p.get(t, 0.0) + q
                for t in sorted(p):
                    rows.append(s * A + a)
                    cols.append(t)
                    vals.append(p[t])
    T = sp.csr_matrix((vals, (rows, cols)), shape=(S * A, S))
    T.sort_indices()
    return S, A, T


def save_csr(path, S, A, data, indices, indptr, mu0, gamma):
    np.savez(path, T_data=data, T_indices=indices, T_indptr=indptr, T_shape=np.array([S, A, S]), mu0=mu0,
             gamma=np.float64(gamma))


def make(d):
    rng = np.random.default_rng(7)
    S, A, K = 40, 3, 4
    for dt in ("int32", "int64", "uint32"):
        data, ind, ptr = random_csr(rng, S, A, K, dt)
        mu0 = rng.random(S)
        mu0 /= mu0.sum()
        save_csr(f"{d}/m_{dt}.npz", S, A, data, ind, ptr, mu0, 0.9)
        if dt == "int32":
            T = sp.csr_matrix((data, ind, ptr), shape=(S * A, S)).toarray().reshape(S, A, S)
            np.savez(f"{d}/m_dense.npz", T=T, mu0=mu0, gamma=np.float64(0.9))
            rt = rng.standard_normal((S, A))
            rp = rng.standard_normal(len(data))
            np.save(f"{d}/rt.npy", rt)
            np.save(f"{d}/rp.npy", rp)
            # the (nnz,) reward as the dense (S,A,S) tensor: 0 off the support
            np.save(f"{d}/rp_dense.npy", sp.csr_matrix((rp, ind, ptr), shape=(S * A, S)).toarray().reshape(S, A, S))
    # broken files: an unsorted row, float indices
    data, ind, ptr = random_csr(rng, S, A, K, "int64")
    bad = ind.copy()
    bad[0], bad[1] = bad[1], bad[0]
    save_csr(f"{d}/bad_order.npz", S, A, data, bad, ptr, np.full(S, 1.0 / S), 0.9)
    save_csr(f"{d}/bad_float.npz", S, A, data, ind.astype(np.float64), ptr, np.full(S, 1.0 / S), 0.9)
    S, A, T = gridworld(100, 100, 0.2)
    mu0 = np.zeros(S)
    mu0[0] = 1.0
    save_csr(f"{d}/grid.npz", S, A, T.data, T.indices, T.indptr, mu0, 0.95)
    np.save(f"{d}/grid_rt.npy", rng.standard_normal((S, A)))
    np.save(f"{d}/grid_rp.npy", rng.standard_normal(S))


def roundtrip(a, b):
    x, y = np.load(a, allow_pickle=False), np.load(b, allow_pickle=False)
    S, A, _ = (int(v) for v in x["T_shape"])
    X = sp.csr_matrix((x["T_data"], x["T_indices"], x["T_indptr"]), shape=(S * A, S))
    Y = sp.csr_matrix((y["T_data"], y["T_indices"], y["T_indptr"]), shape=(S * A, S))
    assert y["T_indices"].dtype == np.int64 and y["T_indptr"].dtype == np.int64, y["T_indices"].dtype
    assert list(y["T_shape"]) == [S, A, S]
    for k in ("T_data", "T_indices", "T_indptr", "mu0", "gamma"):
        assert np.array_equal(x[k], y[k]), k
    assert (X != Y).nnz == 0


def load_csr(path):
    z = np.load(path)
    S, A, _ = (int(v) for v in z["T_shape"])
    T = sp.csr_matrix((z["T_data"], z["T_indices"], z["T_indptr"]), shape=(S * A, S))
    return S, A, T, z["mu0"], float(z["gamma"])


def rbar_of(S, A, T, r):
    if r.shape == (S,):
        return np.repeat(r, A)
    if r.shape == (S, A):
        return r.reshape(-1)
    return np.asarray(T.multiply(sp.csr_matrix((r, T.indices, T.indptr), shape=T.shape)).sum(axis=1)).ravel()


def evaluate(S, A, T, g, Rbar, act):
    rows = np.arange(S) * A + act
    P = T[rows]
    M = sp.identity(S, format="csc") - g * P.tocsc()
    return spla.spsolve(M, Rbar[rows])


def pi_optimal(S, A, T, g, Rbar, tie=1e-10):
    act = np.zeros(S, dtype=np.int64)
    for _ in range(1000):
        V = evaluate(S, A, T, g, Rbar, act)
        Q = (Rbar + g * (T @ V)).reshape(S, A)
        qmax = Q.max(axis=1)
        tol = tie * np.maximum(np.abs(qmax), S * np.finfo(float).eps * np.abs(Q).max())
        cur = Q[np.arange(S), act]
        switch = cur < qmax - tol
        if not switch.any():
            return act, V
        act[switch] = np.argmax(Q >= (qmax - tol)[:, None], axis=1)[switch]
    raise RuntimeError("no convergence")


def regret(mdp, rt, rp, js):
    S, A, T, mu0, g = load_csr(mdp)
    bt, bp = rbar_of(S, A, T, np.load(rt)), rbar_of(S, A, T, np.load(rp))
    _, Vo = pi_optimal(S, A, T, g, bt)
    _, Vw = pi_optimal(S, A, T, g, -bt)
    ap, _ = pi_optimal(S, A, T, g, bp)
    jo, jw, jp = mu0 @ Vo, -(mu0 @ Vw), mu0 @ evaluate(S, A, T, g, bt, ap)
    reg = (jo - jp) / (jo - jw)
    got = json.load(open(js))
    scale = max(abs(jo), abs(jw))
    for k, want in (("true_optimal_return", jo), ("true_worst_return", jw), ("proxy_policy_return", jp)):
        assert abs(got[k] - want) <= 1e-10 * scale, (k, got[k], want)
    assert abs(got["regret"] - reg) <= 1e-10, (got["regret"], reg)
    print(f"scipy reference: S={S} regret={reg:.17g} J*={jo:.17g} J-={jw:.17g} Jp={jp:.17g}")


def close(a, b):
    x, y = json.load(open(a)), json.load(open(b))
    scale = max(abs(x["true_optimal_return"]), abs(x["true_worst_return"]))
    for k in ("true_optimal_return", "true_worst_return", "proxy_policy_return"):
        assert abs(x[k] - y[k]) <= 1e-10 * scale, (k, x[k], y[k])
    assert abs(x["regret"] - y["regret"]) <= 1e-10, (x["regret"], y["regret"])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"make": make, "roundtrip": roundtrip, "regret": regret, "close": close}[cmd](*args)
