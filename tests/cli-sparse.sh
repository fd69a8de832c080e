#!/bin/sh
# Sparse MDPs from the command line (issue 15): scipy writes CSR MDPs with
# int32, int64 and uint32 indices; `starc info` reads them and reports nnz;
# starc_io_mdp_save writes them back (tests/npy-copy mdp) and scipy reads the
# identical arrays; `starc regret` on the sparse engine agrees with the dense
# engine on the dense twin and with a scipy policy iteration (spsolve) on a
# 10^4-state gridworld.  The checks are in tests/sparse-ref.py.  Skips (77)
# without a python3 that has scipy.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${top_builddir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import scipy.sparse' >/dev/null 2>&1; then
    echo "SKIP: no python3 with scipy (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
REF="$top_srcdir/tests/sparse-ref.py"
w=cli-sparse.tmp
rm -rf "$w" && mkdir -p "$w" || exit 99
. "$top_srcdir/tests/cli-lib.sh"

"$PYTHON3" "$REF" make "$w" || { echo "FAIL make"; exit 1; }
for dt in int32 int64 uint32; do
    check "info $dt" 0 "" -- "$STARC" info "$w/m_$dt.npz" &&
        { grep -q "sparse (CSR), S=40 A=3 nnz=480 gamma=0.90000000000000002, valid" "$w/out" || fail "info $dt: $(cat "$w/out")"; }
    check "copy $dt" 0 "" -- "$top_builddir/tests/npy-copy" mdp "$w/m_$dt.npz" "$w/c_$dt.npz" &&
        { "$PYTHON3" "$REF" roundtrip "$w/m_$dt.npz" "$w/c_$dt.npz" || fail "roundtrip $dt"; }
done
check "info json" 0 "" -- "$STARC" info --format json "$w/m_int64.npz" &&
    { grep -q '"nnz":480' "$w/out" && grep -q '"storage":"sparse (CSR)"' "$w/out" || fail "info json: $(cat "$w/out")"; }
check "info rewards" 0 "" -- "$STARC" info --mdp "$w/m_int64.npz" "$w/rt.npy" "$w/rp.npy" &&
    { [ "$(grep -c 'fits=reward' "$w/out")" = 2 ] || fail "info rewards: $(cat "$w/out")"; }
check "unsorted" 2 "bad_order.npz: T_indices\[1\] = .* is not above the previous index" -- \
    "$STARC" info "$w/bad_order.npz"
check "float indices" 2 "bad_float.npz: member 'T_indices' has dtype '<f8'; expected an integer dtype" -- \
    "$STARC" info "$w/bad_float.npz"
check "dense reward on sparse" 2 "rp_dense.npy: reward has shape (40,3,40); the sparse MDP needs" -- \
    "$STARC" regret --mdp "$w/m_int64.npz" --true "$w/rt.npy" --proxy "$w/rp_dense.npy"
check "bad engine" 2 "option --engine: 'lu' is not auto, dense, sparse or iterative" -- \
    "$STARC" regret --mdp "$w/m_int64.npz" --true "$w/rt.npy" --proxy "$w/rp.npy" --engine lu

# the sparse engine against the dense one on the dense twin, every engine choice
check "regret dense twin" 0 "" -- "$STARC" regret --format json --mdp "$w/m_dense.npz" --true "$w/rt.npy" \
    --proxy "$w/rp_dense.npy" && cp "$w/out" "$w/dense.json"
for e in sparse dense auto; do
    check "regret sparse MDP, $e engine" 0 "" -- "$STARC" regret --format json --engine $e --mdp "$w/m_int32.npz" \
        --true "$w/rt.npy" --proxy "$w/rp.npy" &&
        { "$PYTHON3" "$REF" close "$w/dense.json" "$w/out" || fail "regret $e engine differs from dense"; }
done

# scipy reference on the 100x100 gridworld
check "regret gridworld" 0 "" -- "$STARC" regret --format json --mdp "$w/grid.npz" --true "$w/grid_rt.npy" \
    --proxy "$w/grid_rp.npy" &&
    { "$PYTHON3" "$REF" regret "$w/grid.npz" "$w/grid_rt.npy" "$w/grid_rp.npy" "$w/out" || fail "gridworld vs scipy"; }

# --threads: the three policy iterations concurrently, the same bytes as one thread
# (the 100x100 gridworld: the iterative engine; the 40-state MDP on sparse LU), both directions
for t in 1 2 3; do
    check "regret gridworld --threads $t" 0 "" -- "$STARC" regret --symmetric --mdp "$w/grid.npz" \
        --true "$w/grid_rt.npy" --proxy "$w/grid_rp.npy" --threads $t && cp "$w/out" "$w/grid-t$t.txt"
    check "regret sparse LU --threads $t" 0 "" -- "$STARC" regret --engine sparse --mdp "$w/m_int32.npz" \
        --true "$w/rt.npy" --proxy "$w/rp.npy" --threads $t && cp "$w/out" "$w/lu-t$t.txt"
done
for t in 2 3; do
    cmp -s "$w/grid-t1.txt" "$w/grid-t$t.txt" || fail "regret gridworld: --threads $t differs from --threads 1"
    cmp -s "$w/lu-t1.txt" "$w/lu-t$t.txt" || fail "regret sparse LU: --threads $t differs from --threads 1"
done
check "bad threads" 2 "option --threads: '0' is not between 1 and 64" -- \
    "$STARC" regret --mdp "$w/m_int64.npz" --true "$w/rt.npy" --proxy "$w/rp.npy" --threads 0

[ "$fails" = 0 ] && rm -rf "$w"
exit $((fails > 0))
