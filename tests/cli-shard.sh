#!/bin/sh
# `starc experiment --shard K/N` and `starc merge`: the merged shards are the
# single run's files byte for byte for N in {1, 2, 3, 7} and N > MDPs (empty
# shards); merge refuses mismatched settings, other versions, missing,
# overlapping and unfinished shards (a shard killed with SIGTERM) with one
# line, exit 2 and no output; rerunning only the missing shard completes it;
# docs/cluster.md's GNU parallel and Slurm scripts run and merge.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-shard.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

E="--mdps 14 --pairs 2 --steps 3 --states 8 --actions 3 --seed 11 --save-data 4"
E="$E --scatter val:l2:l2,epic:none:pearson,minimal:l1:l1"

# same A B: B holds exactly A's files, each with A's bytes; B may lack A's
# renderings (.png) when it was merged with --no-render.  Every file is compared
# whole: the gnuplot scripts' provenance comment is the study's canonical command
# (its settings), the same for a single run, a merge and any -o or --jobs.
same() {
    la=$(cd "$1" && find . -type f ! -name '*.png' | sort)
    lb=$(cd "$2" && find . -type f ! -name '*.png' | sort)
    [ "$la" = "$lb" ] || { fail "$2: files differ from $1's: $(echo $lb)"; return 1; }
    for f in $la; do
        cmp -s "$1/$f" "$2/$f" || { fail "$2/$f differs from $1/$f"; return 1; }
    done
    for f in $(cd "$2" && find . -name '*.png'); do
        cmp -s "$1/$f" "$2/$f" || { fail "$2/$f differs from $1/$f"; return 1; }
    done
    echo "ok $2: the same files as $1"
}

# shards N DIRSTEM [OPTIONS]: run shards 1/N .. N/N of $E into DIRSTEM-K.
shards() {
    n=$1 stem=$2
    shift 2
    k=1
    while [ $k -le "$n" ]; do
        # shellcheck disable=SC2086
        "$STARC" experiment $E "$@" --jobs 2 --shard $k/"$n" -o "$stem-$k" >"$w/out" 2>"$w/err" ||
            { fail "shard $k/$n: exit $?: $(cat "$w/err")"; return 1; }
        k=$((k + 1))
    done
}

# ---- byte-identical merges -----------------------------------------------------
# shellcheck disable=SC2086
check single 0 "" -- "$STARC" experiment $E -o "$w/single"
for n in 1 2 3 7 20; do
    shards $n "$w/s$n" || continue
    render=--no-render
    [ $n = 3 ] && render=
    # the directories in reverse order: the merge orders them by K
    # shellcheck disable=SC2046,SC2086
    check "merge-$n" 0 "" -- "$STARC" merge $render $(ls -d "$w/s$n"-* | sort -r) -o "$w/m$n" &&
        same "$w/single" "$w/m$n"
done
grep -q "MDPs \[0, 0) of 14, 0 points" "$w/out" 2>/dev/null ||
    "$STARC" experiment $E --shard 1/20 -o "$w/empty" | grep -q "MDPs \[0, 0) of 14, 0 points" ||
    fail "shard 1/20 of 14 MDPs is not empty"
# starc experiment --merge is the same merge
# shellcheck disable=SC2046
check exp-merge 0 "" -- "$STARC" experiment --merge --no-render $(ls -d "$w/s2"-*) -o "$w/em2" &&
    same "$w/single" "$w/em2"
# --no-pairs shards merge into a study without pairs.tsv
# shellcheck disable=SC2086
check single-np 0 "" -- "$STARC" experiment $E --no-pairs --no-render -o "$w/single-np"
shards 2 "$w/np" --no-pairs --no-render
check merge-np 0 "" -- "$STARC" merge --no-render "$w/np-1" "$w/np-2" -o "$w/mnp" && same "$w/single-np" "$w/mnp"
[ -e "$w/np-1/pairs.tsv" ] && fail "a --no-pairs shard wrote pairs.tsv"
check merge-json 0 "" -- "$STARC" merge --no-render --format json "$w/s3-1" "$w/s3-2" "$w/s3-3" -o "$w/mjson"
grep -q '"points":84' "$w/out" || fail "merge --format json: $(cat "$w/out")"

# ---- refused sets: one line, exit 2, no output -----------------------------------
export CHECK_QUIET_FAILURE=1
refuse() {
    name=$1 pat=$2
    shift 2
    rm -rf "$w/bad"
    check "$name" 2 "$pat" -- "$STARC" merge "$@" -o "$w/bad" && { [ ! -e "$w/bad" ] || fail "$name: left $w/bad"; }
}
# shellcheck disable=SC2086
"$STARC" experiment $E --seed 12 --shard 2/3 -o "$w/seed12" >/dev/null || fail "shard with --seed 12"
refuse settings "$w/seed12: setting seed is 12, but 11 in $w/s3-1" "$w/s3-1" "$w/seed12" "$w/s3-3"
# shellcheck disable=SC2086
"$STARC" experiment $E --scatter val:l2:l2 --shard 2/3 -o "$w/scatter" >/dev/null || fail "shard with --scatter"
refuse settings-scatter "setting scatter is \"val:l2:l2\"" "$w/s3-1" "$w/scatter" "$w/s3-3"
cp -r "$w/s3-2" "$w/oldver"
sed 's/"version": "[^"]*"/"version": "0.0.1"/' "$w/s3-2/shard.json" >"$w/oldver/shard.json"
refuse version "$w/oldver: written by libstarc 0.0.1" "$w/s3-1" "$w/oldver" "$w/s3-3"
refuse missing "shard 2/3 is missing: run it (--shard 2/3)" "$w/s3-1" "$w/s3-3"
refuse missing-many "4 shards are missing (2/7, 3/7, 5/7, 6/7)" "$w/s7-1" "$w/s7-4" "$w/s7-7"
refuse overlap "shard 2/3 is given twice" "$w/s3-1" "$w/s3-2" "$w/s3-2" "$w/s3-3"
refuse other-n "$w/s2-2: shard 2/2, but $w/s3-1 is shard 1/3: N differs" "$w/s3-1" "$w/s2-2"
refuse not-a-shard "$w/single: no shard.json: the shard did not finish" "$w/single"
refuse no-dir "$w/nowhere: No such file or directory" "$w/nowhere"
cp -r "$w/s1-1" "$w/huge" && sed 's/"steps": 3/"steps": 99999999/' "$w/s1-1/shard.json" >"$w/huge/shard.json"
refuse huge "huge/shard.json: settings out of range" "$w/huge"
cp -r "$w/s3-2" "$w/damaged" && cp "$w/s3-1/points.npy" "$w/damaged/points.npy"
refuse damaged "damaged/points.npy: not 30 points of 339 columns" "$w/s3-1" "$w/damaged" "$w/s3-3"
check out-is-shard 2 "option --output: $w/s3-1 is the shard directory" -- "$STARC" merge "$w/s3-1" "$w/s3-2" "$w/s3-3" -o "$w/s3-1"
check no-dirs 2 "no shard directories given" -- "$STARC" merge -o "$w/bad"
check no-out 2 "option --output is required" -- "$STARC" merge "$w/s3-1"
check bad-shard 2 "option --shard: \"3/2\": K must be between 1 and N" -- "$STARC" experiment --shard 3/2 -o "$w/bad"
check bad-shard-n 2 "option --shard: \"1/0\": N must be between 1 and 1000000" -- "$STARC" experiment --shard 1/0 -o "$w/bad"
check bad-shard-form 2 "option --shard: \"-1/2\" is not K/N" -- "$STARC" experiment --shard -1/2 -o "$w/bad"
check merge-opts 2 "option --seed: not with --merge" -- "$STARC" experiment --merge --seed 3 "$w/s3-1" -o "$w/bad"
unset CHECK_QUIET_FAILURE

# ---- a shard killed with SIGTERM leaves nothing merge accepts; rerunning it completes ----
if env --default-signal=INT true 2>/dev/null; then
    # a shard of about a second (0.9 s here): SIGTERM arrives long before it could finish
    K="--mdps 24 --pairs 6 --steps 8 --states 96 --actions 4 --seed 3 --jobs 1 --no-render"
    # kill NAME: start shard 2/2 of $K into $w/k-2 and stop it with SIGTERM once it writes
    killed() {
        # shellcheck disable=SC2086
        env --default-signal=INT,HUP,TERM "$STARC" experiment $K --shard 2/2 -o "$w/k-2" >"$w/out" 2>"$w/err" &
        pid=$!
        i=0
        while [ $i -lt 600 ] && [ -z "$(find "$w/k-2" -name 'pairs.tsv.tmp*' 2>/dev/null)" ] && kill -0 $pid 2>/dev/null; do
            sleep 0.05
            i=$((i + 1))
        done
        kill -TERM $pid 2>/dev/null
        wait $pid
        st=$?
        [ $st = 143 ] || fail "$1: the shard was not stopped by SIGTERM (exit $st): increase its size"
        [ -e "$w/k-2/shard.json" ] && fail "$1: a killed shard left shard.json"
        refuse "$1" "$w/k-2: STARC-INCOMPLETE: the shard did not finish; run it again" "$w/k-1" "$w/k-2"
    }
    # shellcheck disable=SC2086
    "$STARC" experiment $K --shard 1/2 -o "$w/k-1" >/dev/null || fail "shard 1/2 of the kill test"
    killed killed-shard
    # shellcheck disable=SC2086
    check rerun 0 "" -- "$STARC" experiment $K --shard 2/2 -o "$w/k-2"
    # a finished shard rerun and killed is unfinished again (its old manifest is removed first)
    killed killed-rerun
    # shellcheck disable=SC2086
    check rerun-again 0 "" -- "$STARC" experiment $K --shard 2/2 -o "$w/k-2"
    check merge-rerun 0 "" -- "$STARC" merge --no-render "$w/k-1" "$w/k-2" -o "$w/km"
    # shellcheck disable=SC2086
    check single-k 0 "" -- "$STARC" experiment $K -o "$w/ksingle"
    same "$w/ksingle" "$w/km"
else
    echo "SKIP the SIGTERM test: needs env --default-signal (coreutils 8.31)"
fi

# ---- the scripts of docs/cluster.md ------------------------------------------------
# GNU parallel's script (run with xargs -P, so GNU parallel is not needed), and the Slurm
# job array's, whose SLURM_ARRAY_TASK_ID drives --shard, give the single run's files.
ex="$top_srcdir/docs/examples"
for f in study-parallel.sh study-slurm.sh; do
    sh -n "$ex/$f" && echo "ok sh -n $f" || fail "$f is not valid sh"
done
C="--mdps 9 --pairs 2 --steps 3 --states 8 --actions 3 --seed 2"
# shellcheck disable=SC2086
check single-c 0 "" -- "$STARC" experiment $C -o "$w/single-c"
# shellcheck disable=SC2086
(cd "$w" && STARC="$STARC" STARC_NO_GNU_PARALLEL=1 PARALLEL_JOBS=2 sh "$ex/study-parallel.sh" 4 par $C --no-render >out 2>err) ||
    fail "study-parallel.sh: $(cat "$w/err")"
same "$w/single-c" "$w/par"
# a shard lost: rerunning the script runs it alone, and the merge completes
rm -rf "$w/par" "$w/par.shards/3"
cp "$w/par.shards/1/shard.json" "$w/kept.json"
# shellcheck disable=SC2086
(cd "$w" && STARC="$STARC" STARC_NO_GNU_PARALLEL=1 sh "$ex/study-parallel.sh" 4 par $C --no-render >out 2>err) ||
    fail "study-parallel.sh, rerun: $(cat "$w/err")"
[ "$(grep -c '^STARC random-MDP study, shard' "$w/out")" = 1 ] || fail "the rerun ran other shards than the lost one"
same "$w/single-c" "$w/par"
mkdir -p "$w/slurm"
for k in 1 2 3; do
    (cd "$w/slurm" && SLURM_ARRAY_TASK_ID=$k STARC_SHARDS=3 STUDY="$C" STARC="$STARC" sh "$ex/study-slurm.sh" >out 2>err) ||
        fail "study-slurm.sh as array task $k: $(cat "$w/slurm/err")"
done
check merge-slurm 0 "" -- "$STARC" merge "$w/slurm/shards/1" "$w/slurm/shards/2" "$w/slurm/shards/3" -o "$w/slurm/study" &&
    same "$w/single-c" "$w/slurm/study"
(cd "$w/slurm" && STARC="$STARC" sh "$ex/study-slurm.sh" >out 2>err) && fail "study-slurm.sh ran outside a job array"

[ "$fails" = 0 ] && rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
