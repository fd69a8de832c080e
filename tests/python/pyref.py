"""Slow, obviously-correct numpy references for the Python tests: dense linear algebra and
enumeration, straight from the definitions in docs/theory.md (sections 1-5).  Nothing here
calls libstarc."""

import itertools

import numpy as np


def random_mdp(rng, S, A, gamma, alpha=1.0):
    """(T, mu0, gamma) with Dirichlet(alpha) rows and a random initial distribution."""
    T = rng.dirichlet(np.full(S, alpha), size=(S, A))
    mu0 = rng.dirichlet(np.ones(S))
    return T, mu0, gamma


def random_policy(rng, S, A):
    return rng.dirichlet(np.ones(A), size=S)


def dense(R, S, A):
    R = np.asarray(R, dtype=np.float64)
    if R.shape == (S,):
        return np.broadcast_to(R[:, None, None], (S, A, S)).copy()
    if R.shape == (S, A):
        return np.broadcast_to(R[:, :, None], (S, A, S)).copy()
    return R.copy()


def expected(T, R):
    return (T * R).sum(axis=2)


def evaluate(T, mu0, g, pi, R):
    """V (S,) by one dense solve of (I - g P_pi) V = r_pi, and Q = Rbar + g T V."""
    S, A, _ = T.shape
    Rb = expected(T, R)
    P = np.einsum("sa,sat->st", pi, T)
    r = (pi * Rb).sum(axis=1)
    V = np.linalg.solve(np.eye(S) - g * P, r)
    Q = Rb + g * T @ V
    return V, Q


def ret(T, mu0, g, pi, R):
    return float(mu0 @ evaluate(T, mu0, g, pi, R)[0])


def occupancy(T, mu0, g, pi):
    """d = (1-g) (I - g P_pi)^-T mu0, mu = d pi."""
    S = T.shape[0]
    P = np.einsum("sa,sat->st", pi, T)
    d = (1 - g) * np.linalg.solve((np.eye(S) - g * P).T, mu0)
    return d, d[:, None] * pi


def deterministic(S, A):
    """Every deterministic policy as (actions, one-hot policy)."""
    for act in itertools.product(range(A), repeat=S):
        pi = np.zeros((S, A))
        pi[np.arange(S), act] = 1.0
        yield np.array(act), pi


def all_returns(T, mu0, g, R):
    S, A, _ = T.shape
    return [(act, ret(T, mu0, g, pi, R)) for act, pi in deterministic(S, A)]


def regret(T, mu0, g, Rt, Rp):
    """Normalised regret by enumeration of the deterministic policies."""
    S, A, _ = T.shape
    jt = {tuple(a): j for a, j in all_returns(T, mu0, g, Rt)}
    jp = {tuple(a): j for a, j in all_returns(T, mu0, g, Rp)}
    best_p = max(jp, key=jp.get)
    hi, lo = max(jt.values()), min(jt.values())
    return (hi - jt[best_p]) / (hi - lo), hi, jt[best_p], lo


# ---------------------------------------------------------------- canonicalisations

def canon_epic(T, g, R, ds=None, da=None):
    """R + g G(s') - G(s) - g K, G(x) = E_{A~D_A, U~D_S} R(x, A, U), K = E_{X~D_S} G(X)."""
    S, A, _ = T.shape
    ds = np.full(S, 1 / S) if ds is None else ds
    da = np.full(A, 1 / A) if da is None else da
    G = np.array([sum(da[a] * ds[u] * R[x, a, u] for a in range(A) for u in range(S)) for x in range(S)])
    K = ds @ G
    return R + g * G[None, None, :] - G[:, None, None] - g * K


def canon_dard(T, g, R, da=None):
    """R + g G(s') - G(s) - g K(s, s'), G(x) = E_{A~D_A} Rbar(x, A),
    K(s, s') = E_{A~D_A} E_{U~T(s,A), V~T(s',A)} R(U, A, V)."""
    S, A, _ = T.shape
    da = np.full(A, 1 / A) if da is None else da
    Rb = expected(T, R)
    G = Rb @ da
    K = np.zeros((S, S))
    for s in range(S):
        for t in range(S):
            K[s, t] = sum(da[a] * T[s, a, u] * T[t, a, v] * R[u, a, v]
                          for a in range(A) for u in range(S) for v in range(S))
    return R + g * G[None, None, :] - G[:, None, None] - g * K[:, None, :]


def canon_val(T, mu0, g, R, pi=None):
    """A^pi(s, a) = Q^pi(s, a) - V^pi(s) for every s'."""
    S, A, _ = T.shape
    pi = np.full((S, A), 1 / A) if pi is None else pi
    V, Q = evaluate(T, mu0, g, pi, R)
    return np.broadcast_to((Q - V[:, None])[:, :, None], (S, A, S)).copy()


def canon_val_potential(T, mu0, g, R, pi=None):
    S, A, _ = T.shape
    pi = np.full((S, A), 1 / A) if pi is None else pi
    V, _ = evaluate(T, mu0, g, pi, R)
    return R - V[:, None, None] + g * V[None, None, :]


def canon_minimal_potential(T, g, R, weighted=False):
    """R + g Phi(s') - Phi(s), Phi the least-squares potential (rows weighted by sqrt(T))."""
    S, A, _ = T.shape
    D = np.zeros((S, A, S, S))
    for s in range(S):
        for a in range(A):
            for t in range(S):
                D[s, a, t, t] += g
                D[s, a, t, s] -= 1
    D = D.reshape(-1, S)
    w = np.sqrt(T.ravel()) if weighted else np.ones(S * A * S)
    phi = np.linalg.lstsq(w[:, None] * D, -w * R.ravel(), rcond=None)[0]
    return R + (D @ phi).reshape(S, A, S)


def canon_minimal(T, g, R):
    """The orthogonal projection of R onto the complement of the rewards equivalent to 0,
    {R : Rbar = B Phi for some Phi}, B Phi (s, a) = Phi(s) - g sum_s' T Phi (s')."""
    S, A, _ = T.shape
    M = np.zeros((S * A, S * A * S))
    for s in range(S):
        for a in range(A):
            M[s * A + a, (s * A + a) * S:(s * A + a + 1) * S] = T[s, a]
    B = np.zeros((S * A, S))
    for s in range(S):
        for a in range(A):
            B[s * A + a, s] += 1
            B[s * A + a] -= g * T[s, a]
    Qb, _ = np.linalg.qr(B)
    P_perp = np.eye(S * A) - Qb @ Qb.T
    U, sv, _ = np.linalg.svd(M.T @ P_perp, full_matrices=False)
    Z = U[:, sv > 1e-10 * sv.max()]
    return (Z @ (Z.T @ R.ravel())).reshape(S, A, S)


def canonicalize(T, mu0, g, R, canon, **kw):
    if canon == "none":
        return R.copy()
    if canon == "epic":
        return canon_epic(T, g, R, kw.get("state_dist"), kw.get("action_dist"))
    if canon == "dard":
        return canon_dard(T, g, R, kw.get("action_dist"))
    if canon == "val":
        return canon_val(T, mu0, g, R, kw.get("policy"))
    if canon == "val-potential":
        return canon_val_potential(T, mu0, g, R, kw.get("policy"))
    if canon == "minimal-potential":
        return canon_minimal_potential(T, g, R, kw.get("weighted", False))
    if canon == "minimal":
        return canon_minimal(T, g, R)
    raise ValueError(canon)


# ---------------------------------------------------------------- norms, metrics, distances

def norm(T, mu0, g, x, kind):
    if kind == "l1":
        return np.abs(x).sum()
    if kind == "l2":
        return np.sqrt((x * x).sum())
    if kind == "linf":
        return np.abs(x).max()
    if kind == "wl1":
        return (T * np.abs(x)).sum()
    if kind == "wl2":
        return np.sqrt((T * x * x).sum())
    if kind == "wlinf":
        return (T * np.abs(x)).max()
    if kind == "none":
        return 1.0
    if kind == "range":
        js = [j for _, j in all_returns(T, mu0, g, x)]
        return max(js) - min(js)
    raise ValueError(kind)


def pearson_distance(x, y, cov=None):
    w = np.full(x.size, 1 / x.size) if cov is None else cov.ravel()
    x, y = x.ravel(), y.ravel()
    mx, my = w @ x, w @ y
    cxy = w @ ((x - mx) * (y - my))
    rho = cxy / np.sqrt((w @ (x - mx) ** 2) * (w @ (y - my) ** 2))
    return np.sqrt((1 - rho) / 2)


def metric(T, mu0, g, x, y, kind, cov=None):
    if kind == "pearson":
        return pearson_distance(x, y, cov)
    return norm(T, mu0, g, x - y, kind)


def standardize(T, mu0, g, R, canon, nrm, eps=1e-9, **kw):
    C = canonicalize(T, mu0, g, R, canon, **kw)
    if np.abs(C).max() <= eps * np.abs(R).max():
        return np.zeros_like(C)
    return C / norm(T, mu0, g, C, nrm)


def distance(T, mu0, g, R1, R2, canon="val", nrm="l2", met="l2", **kw):
    s1 = standardize(T, mu0, g, R1, canon, nrm, **kw)
    s2 = standardize(T, mu0, g, R2, canon, nrm, **kw)
    return metric(T, mu0, g, s1, s2, met, kw.get("coverage"))


def shaped(T, g, R, phi, scale=1.0):
    """scale R + g phi(s') - phi(s): equivalent to R for every canonicalisation but none."""
    return scale * R + g * phi[None, None, :] - phi[:, None, None]


def redistributed(T, R, rng):
    """R plus a tensor with zero expected reward on every (s, a): the same Rbar."""
    X = rng.normal(size=R.shape)
    X -= ((T * X).sum(axis=2) / (T * T).sum(axis=2))[:, :, None] * T
    return R + X
