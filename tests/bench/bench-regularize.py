"""numpy baseline for bench-regularize: the same algorithms (soft policy
iteration for ad-kl, semismooth Newton on the om-chi2 dual) on the instance
bench-regularize wrote, to the same tolerances; prints times next to the C
times and checks that the objectives agree."""
import sys, time
import numpy as np

d = sys.argv[1] if len(sys.argv) > 1 else "bench-regularize.tmp"
S, A = 256, 8
T = np.fromfile(d + "/T.f64").reshape(S * A, S)
Rp = np.fromfile(d + "/Rp.f64")
pb = np.fromfile(d + "/pb.f64").reshape(S, A)
mu0 = np.full(S, 1.0 / S)
E = np.repeat(np.eye(S), A, axis=0)  # pair -> its state


def occupancy(pi, g):
    P = (pi.reshape(-1, 1) * T).reshape(S, A, S).sum(1)
    dd = (1 - g) * np.linalg.solve((np.eye(S) - g * P).T, mu0)
    return (dd[:, None] * pi).ravel()


def values(pi, r, g):
    P = (pi.reshape(-1, 1) * T).reshape(S, A, S).sum(1)
    return np.linalg.solve(np.eye(S) - g * P, r)


def adkl(beta, g, tol=1e-10):
    pi = pb.copy()
    for it in range(1000):
        kl = (pi * np.log(np.where(pi > 0, pi / pb, 1))).sum(1)
        V = values(pi, (pi * Rp.reshape(S, A)).sum(1) - beta * kl, g)
        Q = (Rp + g * T @ V).reshape(S, A)
        m = Q.max(1, keepdims=True)
        z = (pb * np.exp((Q - m) / beta)).sum(1)
        B = m[:, 0] + beta * np.log(z)
        pi = pb * np.exp((Q - B[:, None]) / beta)
        if np.abs(B - V).max() / max(1.0, np.abs(V).max()) <= tol:
            break
    mu = occupancy(pi, g)
    adk = (mu * np.log(np.where(mu > 0, pi.ravel() / pb.ravel(), 1))).sum()
    return (mu * Rp).sum() - beta * adk


def omchi2(lam, g, tol=1e-10):
    mub = occupancy(pb, g)
    alpha = 2 * lam
    G = g * T - E

    def ev(V):
        e = Rp + G @ V
        w = 1 + e / alpha
        act = w > 0
        mu = np.where(act, mub * w, 0.0)
        L = (1 - g) * mu0 @ V + np.where(act, mub * (e + 0.5 * e * e / alpha), -0.5 * mub * alpha).sum()
        return L, (1 - g) * mu0 + G.T @ mu, mu, act

    V = values(pb, (pb * Rp.reshape(S, A)).sum(1), g)
    L, grad, mu, act = ev(V)
    for it in range(1000):
        if np.abs(grad).max() <= tol:
            break
        wts = np.where(act, mub / alpha, 0.0)
        Gw = G * np.sqrt(wts)[:, None]
        H = Gw.T @ Gw
        H[np.diag_indices(S)] += 1e-14 * H.diagonal().max() + (H.diagonal() == 0) * 1e-12
        dv = -np.linalg.solve(H, grad)
        t = 1.0
        for ls in range(60):
            Lt, gt, mt, at = ev(V + t * dv)
            if Lt <= L + 1e-4 * t * grad @ dv or (np.abs(gt).max() < 0.5 * np.abs(grad).max() and Lt <= L + 1e-13 * (1 + abs(L))):
                break
            t *= 0.5
        V, L, grad, mu, act = V + t * dv, Lt, gt, mt, at
    pi = mu.reshape(S, A)
    z = pi.sum(1, keepdims=True)
    pi = np.where(z > 0, pi / np.where(z > 0, z, 1), pb)
    m = occupancy(pi, g)
    chi2 = (np.where(mub > 0, (m - mub) ** 2 / np.where(mub > 0, mub, 1), 0)).sum()
    return (m * Rp).sum() - lam * chi2


rows = [l.split() for l in open(d + "/c-results.txt")]
print("numpy baseline (same algorithms, same tolerance), single process:")
print("  %-8s %5s %6s %10s %10s %7s %10s" % ("method", "gamma", "coef", "numpy_ms", "C_ms", "ratio", "|dobj|"))
worst = 0.0
for meth, g, c, tc, objc in rows:
    g, c, tc, objc = float(g), float(c), float(tc), float(objc)
    f = adkl if meth == "ad-kl" else omchi2
    t0 = time.perf_counter()
    obj = f(c, g)
    tn = time.perf_counter() - t0
    worst = max(worst, abs(obj - objc))
    print("  %-8s %5.2f %6g %10.2f %10.2f %7.1f %10.1e" % (meth, g, c, 1e3 * tn, 1e3 * tc, tn / tc, abs(obj - objc)))
print("largest objective difference C vs numpy: %.2e" % worst)
sys.exit(0 if worst < 1e-8 else 1)
