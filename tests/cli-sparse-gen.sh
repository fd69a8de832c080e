#!/bin/sh
# The sparse generators from the command line (issue 15): `starc generate
# gridworld --size WxH` and `starc generate mdp --successors K` write CSR
# files that scipy reads as csr_matrix((T_data, T_indices, T_indptr),
# shape=(S*A, S)); the gridworld equals a transition matrix built cell by
# cell in python from the documented rule, the K-successor MDP has exactly K
# distinct successors per (s,a) with rows summing to 1; `starc info` reports
# storage and nnz; the same seed gives the same bytes, another seed other
# bytes; bad sizes are refused with one line.  Skips (77) without a python3
# that has scipy.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${top_builddir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import scipy.sparse' >/dev/null 2>&1; then
    echo "SKIP: no python3 with scipy (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
w=cli-sparse-gen.tmp
rm -rf "$w" && mkdir -p "$w" || exit 99
. "$top_srcdir/tests/cli-lib.sh"

# python3 CHECK FILE ARGS...: the scipy-side checks (exit 1 with a message on failure)
ref() {
    "$PYTHON3" - "$@" <<'EOF'
import sys
import numpy as np
import scipy.sparse as sp

def load(path):
    z = np.load(path)
    S, A, S2 = (int(x) for x in z["T_shape"])
    assert S == S2, "T_shape"
    T = sp.csr_matrix((z["T_data"], z["T_indices"], z["T_indptr"]), shape=(S * A, S))
    assert T.has_sorted_indices and T.has_canonical_format, "indices not sorted/unique"
    assert np.all(T.data >= 0) and np.allclose(T.sum(axis=1).A1, 1.0, rtol=0, atol=1e-12), "row sums"
    assert np.allclose(z["mu0"], 1.0 / S, rtol=1e-15, atol=0), "mu0 not uniform"
    return z, T, S, A

def grid(path, W, H, slip, gamma):
    z, T, S, A = load(path)
    assert (S, A) == (W * H, 4), (S, A)
    assert float(z["gamma"]) == gamma, "gamma"
    # the documented rule, cell by cell: 0 up (y-1), 1 down (y+1), 2 left, 3 right;
    # own way 1 - slip, each of the four ways slip/4, off the grid stays put
    moves = [(0, -1), (0, 1), (-1, 0), (1, 0)]
    ref = sp.lil_matrix((S * A, S))
    for y in range(H):
        for x in range(W):
            s = W * y + x
            for a in range(4):
                for b, (dx, dy) in enumerate(moves):
                    p = slip / 4 + (1 - slip if a == b else 0.0)
                    if p == 0.0:
                        continue
                    nx, ny = x + dx, y + dy
                    t = W * ny + nx if 0 <= nx < W and 0 <= ny < H else s
                    ref[s * A + a, t] += p
    ref = ref.tocsr()
    ref.eliminate_zeros()
    assert np.array_equal(T.indptr, ref.indptr) and np.array_equal(T.indices, ref.indices), "pattern"
    assert np.max(np.abs(T.data - ref.data)) <= 4e-16, "probabilities"
    return T.nnz

def succ(path, S, A, K):
    z, T, S2, A2 = load(path)
    assert (S2, A2) == (S, A), (S2, A2)
    assert np.all(np.diff(T.indptr) == K), "not K successors per row"
    assert np.all(T.data > 0), "zero probability stored"
    return T.nnz

try:
    what, path = sys.argv[1], sys.argv[2]
    if what == "grid":
        nnz = grid(path, int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
    else:
        nnz = succ(path, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    print(nnz)
except AssertionError as e:
    print("%s %s: %s" % (sys.argv[1], sys.argv[2], e))
    sys.exit(1)
EOF
}

# gridworlds: several shapes (one row, one column, rectangular), slips 0, 0.3 and 1, CSR at any size
for spec in "1x1 0.2 0.95" "7x1 0.3 0.9" "1x5 0 0.5" "13x9 0.3 0.95" "17x16 1 0.99" "40x30 0.2 0.95"; do
    set -- $spec
    size=$1 slip=$2 gamma=$3 W=${1%x*} H=${1#*x}
    f="$w/g_$size.npz"
    check "gridworld $size" 0 "" -- "$STARC" generate gridworld --size "$size" --slip "$slip" --gamma "$gamma" \
        --sparse --mdp "$f" || continue
    nnz=$(ref grid "$f" "$W" "$H" "$slip" "$gamma") || { fail "gridworld $size vs scipy: $nnz"; continue; }
    check "info gridworld $size" 0 "" -- "$STARC" info "$f" &&
        { grep -q "sparse (CSR), S=$((W * H)) A=4 nnz=$nnz gamma=" "$w/out" || fail "info $size: $(head -1 "$w/out")"; }
    "$STARC" generate gridworld --size "$size" --slip "$slip" --gamma "$gamma" --sparse --mdp "$w/again.npz" \
        >/dev/null && cmp -s "$f" "$w/again.npz" || fail "gridworld $size: not the same bytes twice"
done
# without --sparse: dense up to 256 states, CSR above
check "gridworld 16x16 dense" 0 "" -- "$STARC" generate gridworld --size 16x16 --mdp "$w/d16.npz" &&
    { "$STARC" info "$w/d16.npz" | grep -q "sparse (CSR)" && fail "16x16 written in CSR without --sparse"; }
check "gridworld 17x16 auto" 0 "" -- "$STARC" generate gridworld --size 17x16 --mdp "$w/a17.npz" &&
    { cmp -s "$w/a17.npz" "$w/g_17x16.npz" && fail "17x16: slip 1 file equals slip 0.2"; \
      ref grid "$w/a17.npz" 17 16 0.2 0.95 >/dev/null || fail "17x16 CSR (auto) vs scipy"; }

# random MDPs with K successors: scipy reads them, same seed same bytes, another seed not
for spec in "50 3 1" "200 4 7" "64 2 64"; do
    set -- $spec
    f="$w/r_$1_$2_$3.npz"
    check "mdp successors $spec" 0 "" -- "$STARC" generate mdp --states "$1" --actions "$2" --successors "$3" \
        --seed 5 -o "$f" || continue
    nnz=$(ref succ "$f" "$1" "$2" "$3") || { fail "successors $spec vs scipy: $nnz"; continue; }
    [ "$nnz" = $(($1 * $2 * $3)) ] || fail "successors $spec: nnz $nnz"
    check "info successors $spec" 0 "" -- "$STARC" info "$f" &&
        { grep -q "sparse (CSR), S=$1 A=$2 nnz=$nnz gamma=" "$w/out" || fail "info $spec: $(head -1 "$w/out")"; }
    "$STARC" generate mdp --states "$1" --actions "$2" --successors "$3" --seed 5 -o "$w/again.npz" >/dev/null &&
        cmp -s "$f" "$w/again.npz" || fail "successors $spec: not the same bytes for seed 5"
    "$STARC" generate mdp --states "$1" --actions "$2" --successors "$3" --seed 6 -o "$w/other.npz" >/dev/null
    if [ "$3" -lt "$1" ]; then
        cmp -s "$f" "$w/other.npz" && fail "successors $spec: seeds 5 and 6 give the same bytes"
    fi
done
# rewards on a generated sparse MDP: nnz values, the same bytes for a seed
check "reward on gridworld" 0 "" -- "$STARC" generate reward --mdp "$w/g_13x9.npz" --count 2 --seed 3 -o "$w/gr.npz" &&
    "$STARC" generate reward --mdp "$w/g_13x9.npz" --count 2 --seed 3 -o "$w/gr2.npz" >/dev/null &&
    { cmp -s "$w/gr.npz" "$w/gr2.npz" || fail "reward: not the same bytes for seed 3"; }
check "regret on generated files" 0 "" -- "$STARC" regret --mdp "$w/g_13x9.npz" --true "$w/gr.npz:r1" \
    --proxy "$w/gr.npz:r2"

# refusals: one line naming the option, no file written
check "size 0" 2 "--size" -- "$STARC" generate gridworld --size 0x5 --mdp "$w/bad.npz"
check "size junk" 2 "--size" -- "$STARC" generate gridworld --size 5by5 --mdp "$w/bad.npz"
check "slip" 2 "--slip" -- "$STARC" generate gridworld --size 5x5 --slip 1.5 --mdp "$w/bad.npz"
check "successors > states" 2 "successors" -- "$STARC" generate mdp --states 4 --successors 5 -o "$w/bad.npz"
[ -e "$w/bad.npz" ] && fail "a refused command wrote bad.npz"

[ "$fails" = 0 ] && rm -rf "$w"
exit $((fails > 0))
