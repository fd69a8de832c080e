#!/usr/bin/python3
"""Write a slippery W x H gridworld in CSR form (4 actions: the intended move
with probability 1 - slip, each other direction slip/3; moves off the grid
stay) with gamma 0.9, uniform mu0, and two correlated (S,A) rewards, for
`starc proxy` and `starc regularize` on sparse MDPs (docs/sparse.md).
Usage: bench-proxy-sparse.py W H SLIP OUTDIR"""
import sys
import numpy as np

W, H, slip, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
S, A = W * H, 4
x, y = np.arange(S) % W, np.arange(S) // W
moves = [(0, -1), (0, 1), (-1, 0), (1, 0)]
succ = np.empty((S, 4), dtype=np.int64)
for d, (dx, dy) in enumerate(moves):
    nx, ny = np.clip(x + dx, 0, W - 1), np.clip(y + dy, 0, H - 1)
    succ[:, d] = ny * W + nx
rows_i, rows_j, rows_p = [], [], []
for a in range(A):
    p = np.full(4, slip / 3.0)
    p[a] = 1.0 - slip
    for d in range(4):
        rows_i.append(np.arange(S) * A + a)
        rows_j.append(succ[:, d])
        rows_p.append(np.full(S, p[d]))
r, c, v = np.concatenate(rows_i), np.concatenate(rows_j), np.concatenate(rows_p)
order = np.lexsort((c, r))
r, c, v = r[order], c[order], v[order]
keep = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
grp = np.cumsum(keep) - 1
data = np.bincount(grp, weights=v)
r, c = r[keep], c[keep]
indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=S * A))]
np.savez(out + "/grid.npz", T_data=data, T_indices=c, T_indptr=indptr, T_shape=np.array([S, A, S]),
         mu0=np.full(S, 1.0 / S), gamma=np.float64(0.9))
rng = np.random.default_rng(1)
rt = rng.normal(size=(S, A))
np.save(out + "/true.npy", rt)
np.save(out + "/proxy.npy", rt + 0.5 * rng.normal(size=(S, A)))
print(S, A, len(data))
