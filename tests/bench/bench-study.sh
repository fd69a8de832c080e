#!/bin/sh
# Benchmark of the STARC random-MDP study (`make bench`; never part of `make check`).
#  1. machine limits and the study through the library (tests/bench/bench-study);
#  2. `starc experiment` at the paper's size (384 MDPs x 8 pairs x 16 steps =
#     49,152 points, S=32, A=4, gamma=0.95), everything written, as a user runs it;
#  3. the numpy baseline (tests/bench/bench-study.py) on the first NPY MDPs of
#     that run (the same MDPs and rewards, saved with --save-data), timed per
#     point and checked against pairs.tsv, and the ratio.
# Environment: STARC, PYTHON3, top_srcdir, top_builddir (set by make); NPY
# (default 3) MDPs for numpy; JOBS (default: all CPUs).
set -eu
: "${STARC:?}" "${top_srcdir:?}" "${top_builddir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
NPY=${NPY:-3}
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
w=bench-study.tmp
rm -rf "$w" && mkdir -p "$w"

echo "== bench-study: machine limits and the library engine"
"$top_builddir/tests/bench/bench-study" 384 "$JOBS" | tee "$w/lib.txt"

echo "== starc experiment at the paper's size (--jobs $JOBS, pairs.tsv written)"
t0=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "cli_cpu_user_s %U\ncli_cpu_sys_s %S\ncli_max_rss_kb %M" -o "$w/time.txt" \
        "$STARC" experiment --jobs "$JOBS" --save-data "$NPY" -o "$w/full" >"$w/report.txt"
else
    "$STARC" experiment --jobs "$JOBS" --save-data "$NPY" -o "$w/full" >"$w/report.txt"
    : >"$w/time.txt"
fi
t1=$(date +%s.%N)
cli_wall=$(echo "$t1 - $t0" | bc -l 2>/dev/null || awk "BEGIN { print $t1 - $t0 }")
cat "$w/report.txt"
printf "cli_wall_s %.2f\n" "$cli_wall"
cat "$w/time.txt"
echo "pairs_tsv_bytes $(wc -c <"$w/full/pairs.tsv")"

echo "== numpy baseline on the first $NPY MDPs of that run ($PYTHON3)"
if "$PYTHON3" -c "import numpy" 2>/dev/null; then
    # one BLAS thread, as for libstarc's workers: the matrices are 32 x 32
    OPENBLAS_NUM_THREADS=1 "$PYTHON3" "$top_srcdir/tests/bench/bench-study.py" "$w/full" "$NPY" | tee "$w/numpy.txt"
    np_us=$(awk '$1 == "us_per_point" { print $2 }' "$w/numpy.txt")
    lib1=$(awk '$1 == "slice_1thread_us_per_point" { print $2 }' "$w/lib.txt")
    awk -v np="$np_us" -v lib1="$lib1" -v wall="$cli_wall" -v jobs="$JOBS" 'BEGIN {
        pts = 49152
        printf "numpy_extrapolated_full_s %.0f (one process, %.0f us/point x %d points)\n", np * pts / 1e6, np, pts
        printf "ratio_numpy_vs_starc_per_core %.1f (numpy %.0f us/point vs libstarc 1 thread %.0f us/point)\n", np / lib1, np, lib1
        printf "ratio_numpy_vs_starc_experiment %.1f (numpy extrapolated vs starc experiment --jobs %d, wall)\n", np * pts / 1e6 / wall, jobs
    }'
else
    echo "SKIP numpy baseline: $PYTHON3 has no numpy"
fi
rm -rf "$w/full/pairs.tsv"
