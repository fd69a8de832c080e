#!/bin/sh
# `starc overopt` on a sparse (CSR) MDP against the same MDP stored dense:
# every column of curves.tsv agrees to 1e-10 relative to the column's own
# scale (the four return columns to the returns' scale), and the report's
# facts too; (nnz,) rewards against their dense (S,A,S) expansion, an (S,A)
# reward as given; engines sparse, iterative and auto; every method (the OM
# methods run on the expanded MDP here).  Above the OM limit: om-chi2 is one
# line, exit 2 and no output; ad-kl and bon run.  A bad --engine: exit 2.
# Needs python3 with numpy (skips otherwise).
set -u
: "${STARC:?}" "${top_srcdir:?}"
py=${PYTHON3:-/usr/bin/python3}
"$py" -c "import numpy" 2>/dev/null || { echo "numpy not found for $py: skipped"; exit 77; }
w=cli-overopt-sparse.tmp
rm -rf "$w" && mkdir -p "$w"
fail=0
"$py" - "$w" <<'PY' || exit 1
import numpy as np, sys
w = sys.argv[1]
rng = np.random.default_rng(15)
S, A, K = 24, 3, 4
T = np.zeros((S, A, S))
for s in range(S):
    for a in range(A):
        k = 1 if (s + a) % 7 == 0 else K
        T[s, a, rng.choice(S - 2, k, replace=False)] = rng.dirichlet(np.ones(k))
T[0, :, :] = 0.0; T[0, :, 0] = 1.0                 # absorbing
mu0 = np.r_[np.full(S - 2, 1.0 / (S - 2)), 0, 0]    # the last two states unreachable
np.savez(w + "/m-dense.npz", T=T, mu0=mu0, gamma=np.float64(0.9))
flat = T.reshape(S * A, S)
ip, ix, dt = [0], [], []
for r in range(S * A):
    nz = np.nonzero(flat[r])[0]
    ix += list(nz); dt += list(flat[r, nz]); ip.append(len(ix))
np.savez(w + "/m.npz", T_data=np.array(dt), T_indices=np.array(ix, dtype=np.int32),
         T_indptr=np.array(ip, dtype=np.int64), T_shape=np.array([S, A, S]), mu0=mu0, gamma=np.float64(0.9))
t = rng.normal(size=len(ix))
for name, e in (("t", t), ("p", t + 0.8 * rng.normal(size=len(ix)))):
    np.save(w + "/" + name + ".npy", e)
    D = np.zeros((S * A, S))
    for r in range(S * A):
        D[r, ix[ip[r]:ip[r + 1]]] = e[ip[r]:ip[r + 1]]
    np.save(w + "/d" + name + ".npy", D.reshape(S, A, S))
np.save(w + "/sa.npy", rng.normal(size=(S, A)))
# above the OM limit: S*A*S > 2^24
S2, A2 = 2100, 4
ip2, ix2, dt2 = [0], [], []
for s in range(S2):
    for a in range(A2):
        succ = sorted({s, (s + 1 + a) % S2})
        ix2 += succ; dt2 += [1.0 / len(succ)] * len(succ); ip2.append(len(ix2))
np.savez(w + "/big.npz", T_data=np.array(dt2), T_indices=np.array(ix2, dtype=np.int64),
         T_indptr=np.array(ip2, dtype=np.int64), T_shape=np.array([S2, A2, S2]), mu0=np.full(S2, 1.0 / S2),
         gamma=np.float64(0.9))
x = np.arange(S2 * A2)
np.save(w + "/big-t.npy", np.sin(x).reshape(S2, A2))
np.save(w + "/big-p.npy", (np.sin(x) + 0.5 * np.cos(3 * x)).reshape(S2, A2))
PY
# same DIR1 OUT1 DIR2 OUT2: curves.tsv column by column, the report's facts
same() {
    "$py" - "$@" <<'PY'
import sys
d1, o1, d2, o2 = sys.argv[1:5]
def rows(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        return head, [l.rstrip("\n").split("\t") for l in f]
h1, r1 = rows(d1 + "/curves.tsv"); h2, r2 = rows(d2 + "/curves.tsv")
bad = h1 != h2 or len(r1) != len(r2) or len(r1) < 10
rets = ("proxy_return", "true_return", "proxy_delta", "true_delta")
for meth in sorted({r[0] for r in r2}):
    a = [r for r in r1 if r[0] == meth]; b = [r for r in r2 if r[0] == meth]
    if len(a) != len(b):
        print("  %s: %d vs %d points" % (meth, len(a), len(b))); bad = True; continue
    rs = max(abs(float(r[h2.index(c)])) for r in b for c in rets)
    for j, c in enumerate(h2[1:], 1):
        fin = [abs(float(r[j])) for r in b if abs(float(r[j])) != float("inf")]
        sc = rs if c in rets else max(fin + [0.0])
        for x, y in zip(a, b):
            u, v = float(x[j]), float(y[j])
            if (u != v) if (abs(v) == float("inf") or v != v) else abs(u - v) > 1e-10 * sc:
                print("  %s %s: %r vs %r (scale %g)" % (meth, c, u, v, sc)); bad = True
f1 = dict(l.split("\t", 1) for l in open(o1).read().splitlines()[:6])
f2 = dict(l.split("\t", 1) for l in open(o2).read().splitlines()[:6])
sc = max(abs(float(v)) for k, v in f2.items() if k != "r")
for k in f2:
    if abs(float(f1[k]) - float(f2[k])) > 1e-10 * (1.0 if k == "r" else sc):
        print("  %s: %s vs %s" % (k, f1[k], f2[k])); bad = True
sys.exit(1 if bad else 0)
PY
}
meths=ad-kl,om-chi2,om-sqrt-chi2,om-kl,bon
for spec in "t.npy p.npy dt.npy dp.npy" "sa.npy p.npy sa.npy dp.npy"; do
    set -- $spec
    "$STARC" overopt --mdp "$w/m-dense.npz" --true "$w/$3" --proxy "$w/$4" --method $meths --points 11 \
        -o "$w/d" >"$w/d.out" 2>"$w/d.err" || { echo "FAIL: dense $3: $(cat "$w/d.err")"; fail=1; continue; }
    for engine in sparse iterative auto; do
        rm -rf "$w/s"
        "$STARC" overopt --mdp "$w/m.npz" --true "$w/$1" --proxy "$w/$2" --method $meths --points 11 \
            --engine $engine -o "$w/s" >"$w/s.out" 2>"$w/s.err" ||
            { echo "FAIL: sparse $1 $engine: $(cat "$w/s.err")"; fail=1; continue; }
        same "$w/s" "$w/s.out" "$w/d" "$w/d.out" || { echo "FAIL: $1 $engine: sparse and dense differ"; fail=1; }
    done
done
"$STARC" overopt --mdp "$w/big.npz" --true "$w/big-t.npy" --proxy "$w/big-p.npy" --method om-chi2 --points 3 \
    -o "$w/big" >"$w/s.out" 2>"$w/s.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$w/s.err")" -eq 1 ] && [ ! -s "$w/s.out" ] && [ ! -e "$w/big" ] &&
    grep -q "om-chi2 on a sparse MDP needs S\*A\*S <= 16777216" "$w/s.err" ||
    { echo "FAIL: om-chi2 above the limit: rc $rc: $(cat "$w/s.err")"; fail=1; }
"$STARC" overopt --mdp "$w/big.npz" --true "$w/big-t.npy" --proxy "$w/big-p.npy" --method ad-kl,bon --points 3 \
    --bon-max 4 -o "$w/big" >"$w/s.out" 2>"$w/s.err" && [ "$(wc -l <"$w/big/curves.tsv")" -eq 7 ] ||
    { echo "FAIL: ad-kl and bon on the large sparse MDP: $(cat "$w/s.err")"; fail=1; }
"$STARC" overopt --mdp "$w/m.npz" --true "$w/t.npy" --proxy "$w/p.npy" --engine lu -o "$w/e" >"$w/s.out" 2>"$w/s.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$w/s.err")" -eq 1 ] && [ ! -s "$w/s.out" ] && [ ! -e "$w/e" ] &&
    grep -q -- "--engine" "$w/s.err" || { echo "FAIL: bad --engine: rc $rc: $(cat "$w/s.err")"; fail=1; }
[ $fail -eq 0 ] && rm -rf "$w"
exit $fail
