#!/bin/sh
# Benchmark of a large study split over processes (`make bench`; never part of
# `make check`; docs/benchmarks.md, docs/cluster.md): S = 128 (A = 4, 8 pairs x
# 16 steps per MDP), MDPS MDPs (default 96: the issue's 2,000 cost about half
# an hour of CPU per configuration), every configuration with --jobs 1 per
# process and --no-render:
#   single    one process, the baseline: the per-MDP cost (CPU and wall)
#   shards P  P shards run concurrently (P = 1, 2, 4), then starc merge
#   merge     the merge alone (of the 4 shards)
#   mpi P     mpirun --oversubscribe -np P (when starc is built with MPI)
# Each configuration runs REPS (default 3) times; printed: median wall seconds,
# min-max, and the speed-up against single's median.  Every merged and MPI
# result is checked to be single's pairs.tsv and correlations.tsv, byte for byte.
#
#   bench-shard.sh             the whole benchmark
#   bench-shard.sh shards P    one run of one configuration (also: single, mpi P, merge),
#                              for an external timer; DIR=... keeps its files there
# Environment: STARC (default tools/starc), MDPS, STATES, REPS, MPIRUN.
set -eu
STARC=${STARC:-tools/starc}
MDPS=${MDPS:-96}
STATES=${STATES:-128}
REPS=${REPS:-3}
MPIRUN=${MPIRUN:-$(command -v mpirun 2>/dev/null || true)}
STUDY="--mdps $MDPS --states $STATES --jobs 1 --no-render"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM

now() { date +%s.%N; }

# one run of configuration $1 (with P = $2) into directory $3
one() {
    d=$3
    rm -rf "$d" && mkdir -p "$d"
    case $1 in
    single)
        # shellcheck disable=SC2086
        "$STARC" experiment $STUDY -o "$d/out" >/dev/null ;;
    shards)
        k=1
        while [ "$k" -le "$2" ]; do
            # shellcheck disable=SC2086
            "$STARC" experiment $STUDY --shard "$k/$2" -o "$d/s$k" >/dev/null &
            k=$((k + 1))
        done
        wait
        # shellcheck disable=SC2046
        "$STARC" merge --no-render $(k=1; while [ "$k" -le "$2" ]; do echo "$d/s$k"; k=$((k + 1)); done) \
            -o "$d/out" >/dev/null ;;
    merge) # the shards once (not timed again), then the merge; one() sets d, so use $3
        [ -f "$3.shards/s4/shard.json" ] || one shards 4 "$3.shards"
        "$STARC" merge --no-render "$3.shards/s1" "$3.shards/s2" "$3.shards/s3" "$3.shards/s4" -o "$3/out" >/dev/null ;;
    mpi)
        # shellcheck disable=SC2086
        "$MPIRUN" --oversubscribe -np "$2" "$STARC" experiment $STUDY -o "$d/out" >/dev/null ;;
    esac
}

if [ $# -gt 0 ]; then
    one "$1" "${2:-1}" "${DIR:-bench-shard.one}"
    exit
fi

w=bench-shard.tmp
rm -rf "$w" && mkdir -p "$w"
echo "== bench-shard: $MDPS MDPs, S=$STATES, A=4, 8 pairs x 16 steps, --jobs 1 per process, $REPS runs each"
echo "   $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
base=""
# run NAME CONFIG P: REPS timed runs, the median and spread, checked against single
run() {
    : >"$w/$1.times"
    r=0
    while [ $r -lt "$REPS" ]; do
        t0=$(now)
        one "$2" "$3" "$w/$1"
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$w/$1.times"
        r=$((r + 1))
    done
    med=$(sort -n "$w/$1.times" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
    lo=$(sort -n "$w/$1.times" | head -n 1)
    hi=$(sort -n "$w/$1.times" | tail -n 1)
    [ -n "$base" ] || base=$med
    awk -v n="$1" -v m="$med" -v lo="$lo" -v hi="$hi" -v b="$base" -v M="$MDPS" \
        'BEGIN { printf "%-10s median %8.2f s  (%.2f-%.2f)", n, m, lo, hi
                 if (n == "merge") printf "  (the merge alone: %.1f ms per MDP)\n", 1000 * m / M
                 else printf "  speed-up %5.2f  %.3f s per MDP\n", b / m, m / M }'
    if [ "$1" != single ]; then
        for f in pairs.tsv correlations.tsv summary.json; do
            cmp -s "$w/single/out/$f" "$w/$1/out/$f" || echo "   MISMATCH: $1's $f differs from the single run's"
        done
    fi
}
run single single 1
if [ -x /usr/bin/time ]; then
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S" -o "$w/cpu" "$STARC" experiment $STUDY -o "$w/cpu-run" >/dev/null
    awk -v M="$MDPS" '{ printf "per-MDP CPU (user + sys, one process): %.3f s\n", ($1 + $2) / M }' "$w/cpu"
fi
for p in 1 2 4; do run "shards-$p" shards $p; done
one shards 4 "$w/merge.shards" # made before the merge's timed runs
run merge merge 4
if [ -n "$MPIRUN" ]; then
    for p in 1 2 4; do run "mpi-$p" mpi $p; done
else
    echo "mpi: mpirun not found"
fi
echo "   load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
rm -rf "$w"
