#!/bin/sh
# Shards of `starc distance` matrices and `starc overopt --batch` lists (issue
# 17 item 3).  Matrices: for N in {1, 2, 3, 7} the K/N shards of a 9-reward
# matrix, merged by `starc merge`, give the bytes of the unsharded command's
# stdout (TSV and json), on a dense and a sparse MDP and for Gram (l2, Pearson)
# and pairwise (l1, linf) metrics.  Overopt batches: each entry's files are the
# single run's (the figure's provenance line aside), and for N in {1, 2, 3, 7}
# the merged directory and report are the unsharded run's, byte for byte; the
# list's names and columns are checked.  Merge refuses mixed kinds, shards of
# another input (one reward file changed), missing and overlapping shards, each
# with one line; an interrupted shard leaves nothing merge accepts, and running
# it again completes the set.
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
        # --progress computes the range in 20 parts (N <= 2 here): the same bits
        check "$tag-$k/$n" 0 "" -- "$STARC" distance --mdp "$mdp" --shard "$k/$n" --progress -o "$w/$tag-$n-$k" "$@"
        grep -q "^starc distance: shard $k/$n: [0-9]* of [0-9]* entries\$" "$w/err" || fail "$tag $k/$n: no progress"
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

# ------------------------------------------------------------ overopt --batch
L=$w/list
mkdir -p "$L"
check demo 0 "" -- "$STARC" demo -o "$w/demo"
cp "$w/demo/overopt/mdp.npz" "$w/demo/overopt/true.npy" "$w/demo/overopt/proxy.npy" "$w/demo/overopt/base.npy" "$L/"
printf 'name\tmdp\ttrue\tproxy\tbase\n' >"$L/list.tsv"
for i in 1 2 3; do
    check "ogen-$i" 0 "" -- "$STARC" generate mdp --states 5 --actions 2 --seed "$i" -o "$L/m$i.npz"
    check "ogen-t$i" 0 "" -- "$STARC" generate reward --mdp "$L/m$i.npz" --seed "$((i + 10))" -o "$L/t$i.npy"
    check "ogen-p$i" 0 "" -- "$STARC" generate proxy --mdp "$L/m$i.npz" --true "$L/t$i.npy" --kind off-distribution \
        --seed "$i" -o "$L/p$i.npy"
    printf 'e%s\tm%s.npz\tt%s.npy\tp%s.npy\t\n' "$i" "$i" "$i" "$i" >>"$L/list.tsv"
done
printf 'demo.1\tmdp.npz\ttrue.npy\tproxy.npy\tbase.npy\n' >>"$L/list.tsv"
O="--points 5 --bon-max 20 --method ad-kl,om-chi2,bon"
# shellcheck disable=SC2086
check ob-full 0 "" -- "$STARC" overopt --batch "$L/list.tsv" $O -o "$w/ob"
cp "$w/out" "$w/ob.out"
head -1 "$w/ob/batch.tsv" | grep -q "^name	method	points	peak_index	peak_true_delta" || fail "batch.tsv header"
[ "$(wc -l <"$w/ob/batch.tsv")" = 13 ] || fail "batch.tsv: want 4 entries x 3 methods + header"
cmp -s "$w/ob/batch.tsv" "$w/ob.out" || fail "the text report is not batch.tsv"
grep -q '"entries"' "$w/ob/summary.json" || fail "batch summary.json lacks entries"
# shellcheck disable=SC2086
check ob-single 0 "" -- "$STARC" overopt --mdp "$L/mdp.npz" --true "$L/true.npy" --proxy "$L/proxy.npy" \
    --base "$L/base.npy" $O -o "$w/single"
for f in curves.tsv fits.tsv summary.json; do
    cmp -s "$w/single/$f" "$w/ob/demo.1/$f" || fail "entry demo.1: $f differs from the single run's"
done
grep -v "^# Generated by" "$w/single/overopt.gp" >"$w/g1"
grep -v "^# Generated by" "$w/ob/demo.1/overopt.gp" >"$w/g2"
cmp -s "$w/g1" "$w/g2" || fail "entry demo.1: overopt.gp differs from the single run's beyond its provenance"
for n in 1 2 3 7; do
    dirs=""
    for k in $(seq 1 "$n"); do
        # shellcheck disable=SC2086
        check "ob-$k/$n" 0 "" -- "$STARC" overopt --batch "$L/list.tsv" $O --shard "$k/$n" -o "$w/ob-$n-$k"
        dirs="$dirs $w/ob-$n-$k"
    done
    # shellcheck disable=SC2086
    check "ob-merge-$n" 0 "" -- "$STARC" merge $dirs -o "$w/obm-$n"
    diff -r "$w/ob" "$w/obm-$n" >/dev/null || fail "overopt N=$n: merged directory differs from the unsharded run"
    cmp -s "$w/ob.out" "$w/out" || fail "overopt N=$n: merge's report differs from the unsharded run's"
done

# the list: one line naming the list, its line and the problem; nothing computed
CHECK_QUIET_FAILURE=1
bad() { # bad NAME PATTERN ROW...: a list with the header and ROWs
    n=$1 pat=$2
    shift 2
    printf 'name\tmdp\ttrue\tproxy\n' >"$L/bad.tsv"
    for r in "$@"; do printf '%s\n' "$r" >>"$L/bad.tsv"; done
    check "list-$n" 2 "$pat" -- "$STARC" overopt --batch "$L/bad.tsv" -o "$w/badrun"
}
bad dup "bad.tsv:3: name 'x' is given twice (also line 2)" "x	m1.npz	t1.npy	p1.npy" "x	m2.npz	t2.npy	p2.npy"
bad dotdot "bad.tsv:2: name '..' starts with" "..	m1.npz	t1.npy	p1.npy"
bad slash "bad.tsv:2: name 'a/b' has a character" "a/b	m1.npz	t1.npy	p1.npy"
bad empty "bad.tsv:2: name '' is empty" "	m1.npz	t1.npy	p1.npy"
bad reserved "own files" "batch.tsv	m1.npz	t1.npy	p1.npy"
bad fields "bad.tsv:2: 3 fields, the header has 4" "x	m1.npz	t1.npy"
bad noproxy "bad.tsv:2: entry 'x' has no proxy" "x	m1.npz	t1.npy	"
bad noentry "no entries"
printf 'name\tmdp\ttrue\n' >"$L/bad.tsv"
check list-column 2 "bad.tsv:1: the header lacks column 'proxy'" -- "$STARC" overopt --batch "$L/bad.tsv" -o "$w/badrun"
printf 'name\tmdp\ttrue\tproxy\tpolicy\n' >"$L/bad.tsv"
check list-unknown 2 "unknown column 'policy'" -- "$STARC" overopt --batch "$L/bad.tsv" -o "$w/badrun"
check list-missing 2 "option --batch: cannot read" -- "$STARC" overopt --batch "$L/none.tsv" -o "$w/badrun"
check batch-mdp 2 "do not combine it with --mdp" -- "$STARC" overopt --batch "$L/list.tsv" --mdp "$L/m1.npz" -o "$w/badrun"
check shard-single 2 "option --shard needs --batch" -- "$STARC" overopt --mdp "$L/m1.npz" --true "$L/t1.npy" \
    --proxy "$L/p1.npy" --shard 1/2 -o "$w/badrun"
[ -e "$w/badrun" ] && fail "a refused list left $w/badrun"

# refusals of the merge
B=$w/ob-3
check ob-missing 2 "shard 2/3 is missing" -- "$STARC" merge "$B-1" "$B-3" -o "$w/bad"
check ob-overlap 2 "overlap" -- "$STARC" merge "$B-1" "$B-2" "$B-2" "$B-3" -o "$w/bad"
check ob-kinds 2 "a distance-matrix shard, but" -- "$STARC" merge "$B-1" "$w/d-3-2" "$B-3" -o "$w/bad"
check ob-points 0 "" -- "$STARC" overopt --batch "$L/list.tsv" --points 6 --bon-max 20 --method ad-kl,om-chi2,bon \
    --shard 2/3 -o "$w/ob-pts-2"
check ob-settings 2 "points" -- "$STARC" merge "$B-1" "$w/ob-pts-2" "$B-3" -o "$w/bad"
cp "$L/p2.npy" "$L/p2-orig.npy"
check ogen-other 0 "" -- "$STARC" generate proxy --mdp "$L/m2.npz" --true "$L/t2.npy" --kind noise --seed 9 -o "$L/p2.npy"
# shellcheck disable=SC2086
check ob-other 0 "" -- "$STARC" overopt --batch "$L/list.tsv" $O --shard 2/3 -o "$w/ob-other-2"
check ob-other-merge 2 "inputs" -- "$STARC" merge "$B-1" "$w/ob-other-2" "$B-3" -o "$w/bad"
cp "$L/p2-orig.npy" "$L/p2.npy"
[ -e "$w/bad" ] && fail "a refused merge wrote $w/bad"

# interrupted: shard 2/3 (entry e2) with a reward that is a fifo that never
# gets data, killed while it reads its inputs (no directory); then the state a
# kill while it writes leaves (the marker, part of the entry, no manifest)
mkfifo "$L/slow.npy"
sed 's/^e2	m2.npz	t2.npy	p2.npy/e2	m2.npz	t2.npy	slow.npy/' "$L/list.tsv" >"$L/slow.tsv"
rm -rf "$B-2"
# shellcheck disable=SC2086
"$STARC" overopt --batch "$L/slow.tsv" $O --shard 2/3 -o "$B-2" >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ -e "$B-2/shard.json" ] && fail "a killed shard left a manifest"
check ob-killed 2 "ob-3-2" -- "$STARC" merge "$B-1" "$B-2" "$B-3" -o "$w/bad"
mkdir -p "$B-2/e2" && cp "$B-1/e1/curves.tsv" "$B-2/e2/" && echo "starc overopt" >"$B-2/STARC-INCOMPLETE"
check ob-interrupted 2 "did not finish" -- "$STARC" merge "$B-1" "$B-2" "$B-3" -o "$w/bad"
# shellcheck disable=SC2086
check ob-rerun 0 "" -- "$STARC" overopt --batch "$L/list.tsv" $O --shard 2/3 -o "$B-2"
check ob-complete 0 "" -- "$STARC" merge "$B-1" "$B-2" "$B-3" -o "$w/ob-again"
diff -r "$w/ob" "$w/ob-again" >/dev/null || fail "overopt: merge after the rerun differs from the unsharded run"
unset CHECK_QUIET_FAILURE

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
