#!/bin/sh
# `starc distance` on a sparse (CSR) MDP against the same MDP stored dense:
# every canonicalisation with its default norm and metric, EPIC and DARD
# matrices, an (S,A) and an (S,) reward (which hold their value off T's
# support), agreement to 1e-10 relative.
# Needs python3 with numpy to write the inputs (skips otherwise).
set -u
: "${STARC:?}" "${top_srcdir:?}"
py=${PYTHON3:-/usr/bin/python3}
"$py" -c "import numpy" 2>/dev/null || { echo "numpy not found for $py: skipped"; exit 77; }
w=cli-sparse-distance.tmp
rm -rf "$w" && mkdir -p "$w"
fail=0
"$py" - "$w" <<'PY' || exit 1
import numpy as np, sys
w = sys.argv[1]
rng = np.random.default_rng(15)
S, A, K = 30, 3, 4
T = np.zeros((S, A, S))
for s in range(S):
    for a in range(A):
        k = 1 if (s + a) % 7 == 0 else K          # some single-successor rows
        idx = rng.choice(S, k, replace=False)
        T[s, a, idx] = rng.dirichlet(np.ones(k))
T[0, :, :] = 0.0; T[0, :, 0] = 1.0                # an absorbing state
mu0 = np.full(S, 1.0 / S)
np.savez(w + "/dense.npz", T=T, mu0=mu0, gamma=np.float64(0.9))
flat = T.reshape(S * A, S)
ip, ix, dt = [0], [], []
for r in range(S * A):
    nz = np.nonzero(flat[r])[0]
    ix += list(nz); dt += list(flat[r, nz]); ip.append(len(ix))
np.savez(w + "/sparse.npz", T_data=np.array(dt), T_indices=np.array(ix, dtype=np.int32),
         T_indptr=np.array(ip, dtype=np.int64), T_shape=np.array([S, A, S]), mu0=mu0, gamma=np.float64(0.9))
for name in ("e1", "e2"):
    e = rng.normal(size=len(dt))
    np.save(w + "/" + name + ".npy", e)
    D = np.zeros((S * A, S))
    for r in range(S * A):
        D[r, ix[ip[r]:ip[r + 1]]] = e[ip[r]:ip[r + 1]]
    np.save(w + "/d" + name + ".npy", D.reshape(S, A, S))
np.save(w + "/sa.npy", rng.normal(size=(S, A)))
np.save(w + "/st.npy", rng.normal(size=S))
PY
# same FILE1 FILE2: every number agrees to 1e-10 relative (TSV or one number)
same() {
    paste "$1" "$2" | awk -F'\t' '{ n = NF / 2; for (i = 1; i <= n; i++) { a = $i; b = $(i + n)
        if (a + 0 != a || b + 0 != b) { if (a != b) bad = 1; continue }   # header names are file stems
        d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a) > (b < 0 ? -b : b) ? (a < 0 ? -a : a) : (b < 0 ? -b : b)
        if (d > 1e-10 * m) bad = 1 } } END { exit bad }'
}
for canon in none epic dard val val-potential minimal-potential minimal; do
    for pair in "e1 e2" "e1 sa" "st e2"; do
        set -- $pair
        d1=$w/$1.npy; d2=$w/$2.npy
        [ "$1" = e1 ] && dd1=$w/de1.npy || dd1=$d1
        [ "$2" = e2 ] && dd2=$w/de2.npy || dd2=$d2
        "$STARC" distance --mdp "$w/sparse.npz" --canon $canon "$d1" "$d2" >"$w/s.out" 2>"$w/s.err" || { echo "FAIL: sparse $canon $pair: $(cat "$w/s.err")"; fail=1; }
        "$STARC" distance --mdp "$w/dense.npz" --canon $canon "$dd1" "$dd2" >"$w/d.out" 2>&1 || { echo "FAIL: dense $canon $pair"; fail=1; }
        same "$w/s.out" "$w/d.out" || { echo "FAIL: $canon $pair: sparse $(cat "$w/s.out") dense $(cat "$w/d.out")"; fail=1; }
    done
done
for k in epic dard; do
    "$STARC" distance --mdp "$w/sparse.npz" --$k "$w/e1.npy" "$w/e2.npy" "$w/sa.npy" "$w/st.npy" >"$w/s.out" || fail=1
    "$STARC" distance --mdp "$w/dense.npz" --$k "$w/de1.npy" "$w/de2.npy" "$w/sa.npy" "$w/st.npy" | sed 1d >"$w/d.out" || fail=1
    sed 1d "$w/s.out" >"$w/s2.out"
    same "$w/s2.out" "$w/d.out" || { echo "FAIL: $k matrix differs"; fail=1; }
done
[ $fail -eq 0 ] && rm -rf "$w"
exit $fail
