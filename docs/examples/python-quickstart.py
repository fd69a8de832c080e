#!/usr/bin/python3
"""libstarc from Python in one page: distances, regret, correlated proxies, regularisation,
overoptimisation curves and the STARC study, all on numpy arrays.

Run it with the package installed (`make install`), or from a build tree:

    PYTHONPATH=python STARC_LIBRARY=libstarc/.libs/libstarc.so.1 python3 docs/examples/python-quickstart.py

It takes a few seconds and writes quickstart-results.npz in the current directory.
`make check` runs it (tests/python/test_docs.py).
"""

import numpy as np

import starc

# ---- 1. An MDP and rewards, from numpy ----------------------------------------------------
rng = np.random.default_rng(0)
S, A, gamma = 6, 3, 0.9
T = rng.dirichlet(np.ones(S), size=(S, A))          # T[s, a, :] sums to 1
mdp = starc.MDP(T, np.full(S, 1 / S), gamma)
r = rng.normal(size=(S, A, S))
phi = rng.normal(size=S)
r_shaped = 2.0 * r + gamma * phi[None, None, :] - phi[:, None, None]   # same preferences
r_other = rng.normal(size=(S, A))                  # an (S, A) reward

# ---- 2. Distances: STARC (VAL, L2, L2 by default), EPIC, DARD -----------------------------
print("STARC d(r, shaped r) =", mdp.distance(r, r_shaped))        # 0 up to round-off
print("STARC d(r, other)    =", mdp.distance(r, r_other))
print("EPIC  d(r, other)    =", mdp.epic(r, r_other))
print("DARD  d(r, other)    =", mdp.dard(r, r_other))
print("minimal/l1/l1        =", mdp.distance(r, r_other, "minimal", "l1", "l1"))
D = mdp.distance_matrix([r, r_shaped, r_other])
print("matrix:\n", np.round(D, 4))
d0 = mdp.epic(np.zeros(S), r)                       # the zero reward has no Pearson distance
print("EPIC of the zero reward:", d0, "undefined:", d0.undefined)

# The EPIC paper's gridworld and its published distance matrix
grid, rewards = starc.epic_gridworld()
print("EPIC gridworld, Sparse vs Dense/Path:", round(grid.epic(rewards["Sparse"], rewards["Dense"]), 4),
      round(grid.epic(rewards["Sparse"], rewards["Path"]), 4))

# ---- 3. Policies and regret ---------------------------------------------------------------
best = mdp.optimal_policy(r)
V, Q = mdp.evaluate(best.policy, r)
d, mu = mdp.occupancy(best.policy)
reg = mdp.regret(r, r_other)
print(f"optimal return {mdp.returns(best.policy, r):.4f}, regret of optimising r_other {reg.regret:.4f}")

# ---- 4. Correlated proxies: the tomato-watering gridworld ---------------------------------
t = starc.tomato()
res = starc.proxy(t.mdp, t.true, t.proxy, t.base)
print(f"tomato: r = {res.r:.3f} under the base policy; reward hacking: {res.reward_hacking}; "
      f"true return {res.base_true_return:.2f} (base) -> {res.proxy_optimal.true_return:.2f} (proxy-optimal)")
orpo = starc.regularize(t.mdp, t.true, t.proxy, t.base, "om-sqrt-chi2", "orpo")
adkl = starc.regularize(t.mdp, t.true, t.proxy, t.base, "ad-kl", orpo.coef)
print(f"at CP's coefficient {orpo.coef:.4f}: chi2-regularised true return {orpo.true_return:.2f}, "
      f"KL-regularised {adkl.true_return:.2f}")

# ---- 5. Overoptimisation curves ------------------------------------------------------------
# A Dirichlet(0.3) MDP, a base policy that prefers one action per state, and a proxy whose
# error is largest where the base policy rarely goes: optimising it first helps, then hurts.
m2 = starc.random_mdp(12, 4, 0.9, seed=3, dirichlet=0.3)
rt = rng.normal(size=(12, 4))
base = np.full((12, 4), 0.05)
base[np.arange(12), rng.integers(0, 4, 12)] = 0.85
rp = starc.proxy_reward(m2, rt, base, kind="off-distribution", seed=7)
curves = starc.overopt(m2, rt, rp, base, methods=["ad-kl", "om-chi2", "bon"], points=21)
for name, c in curves.methods.items():
    s = c.summary
    form = "bon" if name == "bon" else "rl"
    print(f"{name:8s} true change peaks at {s.peak_true_delta:+.4f} (KL {s.peak_kl:.3f}), ends at "
          f"{s.end_true_delta:+.4f}{', rises then falls' if s.non_monotone else ''}; "
          f"Gao {form} fit alpha {c.fits['true'][form].alpha:.3f}, beta {c.fits['true'][form].beta:.3f}")

# ---- 6. Do distances predict regret?  A small STARC study ---------------------------------
study = starc.experiment(mdps=6, pairs=2, steps=4, states=8, actions=3, seed=1,
                         progress=lambda done, total: None)
for v in ("val:l2:l2", "epic:none:pearson", "dard:none:pearson"):
    p, sp = study.correlation(v)
    print(f"{v:18s} Pearson r with regret {p:.3f}, Spearman {sp:.3f}")

# ---- 7. Results as numpy files (libstarc's writer: atomic, reproducible) -------------------
starc.save_npz("quickstart-results.npz", {"matrix": D, "regret": study.regret,
                                          "val_distance": study.values[:, study.index("val:l2:l2")]})
for obj in (mdp, grid, t.mdp, m2):
    obj.close()                                        # or let the garbage collector do it
