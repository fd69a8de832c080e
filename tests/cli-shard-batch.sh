#!/bin/sh
# Shards of `starc distance` matrices (issue 17 item 3): for N in {1, 2, 3, 7}
# the K/N shards of a 9-reward matrix, merged by `starc merge`, give the bytes
# of the unsharded command's stdout (TSV and json), on a dense and a sparse MDP
# and for Gram (l2, Pearson) and pairwise (l1, linf) metrics; merge refuses
# mixed kinds, shards of another input (one reward file changed), missing and
# overlapping shards, each with one line; an interrupted shard (killed after it
# started) leaves nothing merge accepts, and running it again completes the set.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-shard-batch.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

check gen-mdp 0 "" -- "$STARC" generate mdp --states 6 --actions 3 --seed 3 -o "$w/m.npz"
check gen-rw 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --count 8 --seed 5 -o "$w/r.npz"
check gen-r9 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --seed 6 -o "$w/r9.npy"
check gen-sp 0 "" -- "$STARC" generate mdp --states 12 --actions 3 --successors 3 --seed 4 -o "$w/sp.npz"
check gen-spr 0 "" -- "$STARC" generate reward --mdp "$w/sp.npz" --count 9 --seed 2 -o "$w/spr.npz"

# shards N MDP TAG OPTIONS... -- REWARDS...: every K/N into $w/TAG-N-K, merged into $w/TAG-N
shards() {
    n=$1 mdp=$2 tag=$3
    shift 3
    dirs=""
    for k in $(seq 1 "$n"); do
        check "$tag-$k/$n" 0 "" -- "$STARC" distance --mdp "$mdp" --shard "$k/$n" -o "$w/$tag-$n-$k" "$@"
        dirs="$dirs $w/$tag-$n-$k"
    done
    # shellcheck disable=SC2086
    check "$tag-merge-$n" 0 "" -- "$STARC" merge $dirs -o "$w/$tag-$n" --format json
}

for opts in "" "--epic" "--canon none --norm none --metric l1" "--canon minimal --norm range --metric linf"; do
    tag=d$(echo "$opts" | tr -cd 'a-z0-9')
    # shellcheck disable=SC2086
    check "$tag-full" 0 "" -- "$STARC" distance --mdp "$w/m.npz" $opts "$w/r.npz" "$w/r9.npy"
    cp "$w/out" "$w/$tag.tsv"
    # shellcheck disable=SC2086
    check "$tag-json" 0 "" -- "$STARC" distance --mdp "$w/m.npz" $opts --format json "$w/r.npz" "$w/r9.npy"
    cp "$w/out" "$w/$tag.json"
    for n in 1 2 3 7; do
        # shellcheck disable=SC2086
        shards "$n" "$w/m.npz" "$tag" $opts "$w/r.npz" "$w/r9.npy"
        cmp -s "$w/$tag.tsv" "$w/$tag-$n/matrix.tsv" || fail "$tag N=$n: merged TSV differs from the unsharded run"
        cmp -s "$w/$tag.json" "$w/$tag-$n/matrix.json" || fail "$tag N=$n: merged json differs from the unsharded run"
    done
done
for n in 2 3; do # sparse (CSR) MDP: entry by entry
    check "sp-full" 0 "" -- "$STARC" distance --mdp "$w/sp.npz" --epic "$w/spr.npz"
    cp "$w/out" "$w/sp.tsv"
    shards "$n" "$w/sp.npz" sp --epic "$w/spr.npz"
    cmp -s "$w/sp.tsv" "$w/sp-$n/matrix.tsv" || fail "sparse N=$n: merged TSV differs from the unsharded run"
done

# refusals: one line, nothing written
D=$w/d-3
CHECK_QUIET_FAILURE=1
check missing 2 "shard 3/3 is missing" -- "$STARC" merge "$D-1" "$D-2" -o "$w/bad"
check overlap 2 "overlap" -- "$STARC" merge "$D-1" "$D-2" "$D-2" "$D-3" -o "$w/bad"
check mixed-n 2 "N differs" -- "$STARC" merge "$D-1" "$D-2" "$D-3" "$w/d-2-1" -o "$w/bad"
check mixed-settings 2 "differ" -- "$STARC" merge "$D-1" "$D-2" "$w/depic-3-3" -o "$w/bad"
cp "$w/r.npz" "$w/r-orig.npz"
check gen-other 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --count 8 --seed 7 -o "$w/r.npz"
check other-input 0 "" -- "$STARC" distance --mdp "$w/m.npz" --shard 2/3 -o "$w/other-2" "$w/r.npz" "$w/r9.npy"
check other-merge 2 "reward_files" -- "$STARC" merge "$D-1" "$w/other-2" "$D-3" -o "$w/bad"
cp "$w/r-orig.npz" "$w/r.npz"
check shard-two 2 "at least three rewards" -- "$STARC" distance --mdp "$w/m.npz" --shard 1/2 -o "$w/x" "$w/r9.npy" "$w/r9.npy"
check shard-stdout 2 "needs -o DIR" -- "$STARC" distance --mdp "$w/m.npz" --shard 1/2 "$w/r.npz"
check shard-bad 2 "option --shard" -- "$STARC" distance --mdp "$w/m.npz" --shard 3/2 -o "$w/x" "$w/r.npz"
[ -e "$w/bad" ] && fail "a refused merge wrote $w/bad"
unset CHECK_QUIET_FAILURE

# kinds: the same shard under another kind's name is refused
cp -r "$D-2" "$w/kind-2"
sed 's/"distance-matrix"/"study"/' "$D-2/shard.json" >"$w/kind-2/shard.json"
check kinds 2 "kind" -- "$STARC" merge "$D-1" "$w/kind-2" "$D-3" -o "$w/bad"

# an interrupted shard leaves nothing merge accepts.  Killed while it reads its
# inputs (a reward from a fifo that never gets data): no directory, no
# manifest.  Killed while it writes (the state cli_dir_begin leaves: the
# marker, the entries, no manifest; the old manifest is removed first).
rm -rf "$D-2"
mkfifo "$w/slow.npy"
"$STARC" distance --mdp "$w/m.npz" --shard 2/3 -o "$D-2" "$w/r.npz" "$w/slow.npy" 2>/dev/null &
pid=$!
sleep 0.2
kill -9 "$pid"
wait "$pid" 2>/dev/null
check killed 2 "d-3-2" -- "$STARC" merge "$D-1" "$D-2" "$D-3" -o "$w/bad"
mkdir -p "$D-2" && cp "$D-3/entries.npy" "$D-2/" && echo "starc distance" >"$D-2/STARC-INCOMPLETE"
check interrupted 2 "did not finish" -- "$STARC" merge "$D-1" "$D-2" "$D-3" -o "$w/bad"
check rerun 0 "" -- "$STARC" distance --mdp "$w/m.npz" --shard 2/3 -o "$D-2" "$w/r.npz" "$w/r9.npy"
[ -e "$D-2/STARC-INCOMPLETE" ] && fail "the rerun left the marker"
check complete 0 "" -- "$STARC" merge "$D-1" "$D-2" "$D-3" -o "$w/again"
cmp -s "$w/d.tsv" "$w/again/matrix.tsv" || fail "merge after the rerun differs from the unsharded run"

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
