#!/bin/sh
# `starc proxy` and `starc regularize` on a sparse (CSR) MDP against the same
# MDP stored dense: every number of the text report agrees to 1e-10
# relative ((nnz,) rewards against their dense (S,A,S) expansion, an (S,A)
# reward as given); the sparse engine forced and auto; om-* refused above
# their limit with one line, exit 2 and no output.
# Needs python3 with numpy to write the inputs (skips otherwise).
set -u
: "${STARC:?}" "${top_srcdir:?}"
py=${PYTHON3:-/usr/bin/python3}
"$py" -c "import numpy" 2>/dev/null || { echo "numpy not found for $py: skipped"; exit 77; }
w=cli-proxy-sparse.tmp
rm -rf "$w" && mkdir -p "$w"
fail=0
"$py" - "$w" <<'PY' || exit 1
import numpy as np, sys
w = sys.argv[1]
rng = np.random.default_rng(16)
def save(name, T, gamma, mu0):
    S, A, _ = T.shape
    np.savez(w + "/" + name + "-dense.npz", T=T, mu0=mu0, gamma=np.float64(gamma))
    flat = T.reshape(S * A, S)
    ip, ix, dt = [0], [], []
    for r in range(S * A):
        nz = np.nonzero(flat[r])[0]
        ix += list(nz); dt += list(flat[r, nz]); ip.append(len(ix))
    np.savez(w + "/" + name + ".npz", T_data=np.array(dt), T_indices=np.array(ix, dtype=np.int32),
             T_indptr=np.array(ip, dtype=np.int64), T_shape=np.array([S, A, S]), mu0=mu0, gamma=np.float64(gamma))
    return ip, ix
S, A, K = 30, 3, 4
T = np.zeros((S, A, S))
for s in range(S):
    for a in range(A):
        k = 1 if (s + a) % 7 == 0 else K
        T[s, a, rng.choice(S - 2, k, replace=False)] = rng.dirichlet(np.ones(k))
T[0, :, :] = 0.0; T[0, :, 0] = 1.0                 # absorbing
mu0 = np.r_[np.full(S - 2, 1.0 / (S - 2)), 0, 0]    # the last two states unreachable
ip, ix = save("m", T, 0.9, mu0)
for name in ("t", "p"):
    e = rng.normal(size=len(ix))
    np.save(w + "/" + name + ".npy", e)
    D = np.zeros((S * A, S))
    for r in range(S * A):
        D[r, ix[ip[r]:ip[r + 1]]] = e[ip[r]:ip[r + 1]]
    np.save(w + "/d" + name + ".npy", D.reshape(S, A, S))
np.save(w + "/sa.npy", rng.normal(size=(S, A)))
# above the OM limit: S*A*S > 2^24
S2, A2 = 2100, 4
T2 = None
ip2, ix2, dt2 = [0], [], []
for s in range(S2):
    for a in range(A2):
        succ = sorted({s, (s + 1 + a) % S2})
        ix2 += succ; dt2 += [1.0 / len(succ)] * len(succ); ip2.append(len(ix2))
np.savez(w + "/big.npz", T_data=np.array(dt2), T_indices=np.array(ix2, dtype=np.int64),
         T_indptr=np.array(ip2, dtype=np.int64), T_shape=np.array([S2, A2, S2]), mu0=np.full(S2, 1.0 / S2),
         gamma=np.float64(0.9))
np.save(w + "/big-r.npy", np.sin(np.arange(S2 * A2)).reshape(S2, A2))
PY
# same FILE1 FILE2: key<TAB>value lines, the same keys, numbers within 1e-10
# relative; the solver's residual (a round-off-level number whose unit is
# the occupancy's mass 1, or relative for ad-kl) within 1e-10 of it
same() {
    paste "$1" "$2" | awk -F'\t' '{ if ($1 != $3) bad = 1; a = $2; b = $4
        if (a + 0 != a || b + 0 != b) { if (a != b) bad = 1; next }
        d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a) > (b < 0 ? -b : b) ? (a < 0 ? -a : a) : (b < 0 ? -b : b)
        if ($1 == "residual") m = 1
        if (d > 1e-10 * m) { bad = 1; print "  " $1 ": " a " vs " b } } END { exit bad }'
}
run() { # NAME ARGS...: sparse and dense, same output
    name=$1; shift
    "$STARC" "$@" >"$w/s.out" 2>"$w/s.err" || { echo "FAIL: $name sparse: $(cat "$w/s.err")"; fail=1; return; }
    dargs=$(echo "$*" | sed -e "s|$w/m.npz|$w/m-dense.npz|" -e "s|$w/t.npy|$w/dt.npy|" -e "s|$w/p.npy|$w/dp.npy|" \
                             -e 's|--engine [a-z]*||')
    "$STARC" $dargs >"$w/d.out" 2>"$w/d.err" || { echo "FAIL: $name dense: $(cat "$w/d.err")"; fail=1; return; }
    [ "$(wc -l <"$w/s.out")" -gt 5 ] || { echo "FAIL: $name: short output"; fail=1; }
    same "$w/s.out" "$w/d.out" || { echo "FAIL: $name: sparse and dense differ"; fail=1; }
}
for engine in sparse auto; do
    run "proxy $engine" proxy --mdp "$w/m.npz" --true "$w/t.npy" --proxy "$w/p.npy" --base uniform --engine $engine
    run "proxy (S,A) $engine" proxy --mdp "$w/m.npz" --true "$w/sa.npy" --proxy "$w/p.npy" --base uniform --engine $engine
    for method in ad-kl om-chi2 om-sqrt-chi2 om-kl; do
        run "regularize $method $engine" regularize --mdp "$w/m.npz" --true "$w/t.npy" --proxy "$w/p.npy" \
            --base uniform --method $method --coef 0.3 --engine $engine
    done
    run "regularize ad-kl vi $engine" regularize --mdp "$w/m.npz" --true "$w/t.npy" --proxy "$w/p.npy" \
        --base uniform --method ad-kl --adkl-solver vi --coef orpo --engine $engine
done
"$STARC" regularize --mdp "$w/big.npz" --proxy "$w/big-r.npy" --base uniform --method om-chi2 --coef 1 \
    -o "$w/big-pi.npy" >"$w/s.out" 2>"$w/s.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$w/s.err")" -eq 1 ] && [ ! -s "$w/s.out" ] && [ ! -e "$w/big-pi.npy" ] &&
    grep -q "om-chi2 on a sparse MDP needs S\*A\*S <= 16777216" "$w/s.err" ||
    { echo "FAIL: om-chi2 above the limit: rc $rc: $(cat "$w/s.err")"; fail=1; }
"$STARC" regularize --mdp "$w/big.npz" --proxy "$w/big-r.npy" --base uniform --method ad-kl --coef 1 >"$w/s.out" ||
    { echo "FAIL: ad-kl on the large sparse MDP"; fail=1; }
[ $fail -eq 0 ] && rm -rf "$w"
exit $fail
