#!/bin/sh
# Benchmark of libstarc's distances against a numpy baseline and the machine's
# limits, all measured in this run (`make bench`; never part of `make check`).
#   tests/bench/bench-distance.sh [--quick]
# Prints the raw measurements, then a markdown table (docs/benchmarks.md).
# Uses $PYTHON3 (default /usr/bin/python3) with numpy for the baseline; without
# numpy only libstarc and the limits are reported.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_DISTANCE:-./tests/bench/bench-distance}
py=${PYTHON3:-/usr/bin/python3}
quick=
[ "${1:-}" = "--quick" ] && quick=--quick
[ -x "$bin" ] || { echo "bench-distance.sh: build $bin first (make bench)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-distance.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "== machine: $(nproc) CPUs, $(uname -m), OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
"$bin" $quick --data "$work" >"$work/c.tsv"
cat "$work/c.tsv"
if [ -z "$quick" ] && "$py" -c "import numpy" 2>/dev/null; then
    "$py" "$here/bench-distance.py" "$work" >"$work/np.tsv"
    cat "$work/np.tsv"
else
    : >"$work/np.tsv"
    [ -n "$quick" ] || echo "== numpy not found for $py: no baseline"
fi

awk -F'\t' '
function ms(x) { return x == "" ? "n/a" : (x < 0.01 ? sprintf("%.3f ms", 1e3 * x) : sprintf("%.1f ms", 1e3 * x)) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "n/a" : sprintf("%.1fx", a / b) }
function best2(a, b) { return a < b ? a : b }
function best3(a, b, c) { return best2(best2(a, b), c) }
function rel(a, b) { d = a - b; if (d < 0) d = -d; s = a < 0 ? -a : a; return s > 0 ? d / s : d }
$1 == "case" || $1 ~ /^#/ { next }
FILENAME ~ /c.tsv$/ {
    if ($1 == "limit") { lim[$2, $4] = $5; next }
    t[$1, $2, $4] = $5; val[$1, $2] = $6; if (!seen[$1, $2]++) order[++n] = $1 SUBSEP $2; A[$2] = $3; next
}
{ t[$1, $2, $4] = $5; nval[$1, $2, $4] = $6 }
END {
    print ""
    print "| case | S, A | libstarc | numpy, (S,A,S) tensors | numpy, VAL in (S,A) | numpy / libstarc | machine limit | libstarc / limit |"
    print "|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) {
        split(order[i], k, SUBSEP); c = k[1]; S = k[2]
        sa = S ", " A[S]
        stream3 = best3(lim[S, "stream-T-R1-R2-0thr"], lim[S, "stream-T-R1-R2-1thr"], lim[S, "stream-T-R1-R2-2thr"])
        stream2 = best3(lim[S, "stream-R1-R2-0thr"], lim[S, "stream-R1-R2-1thr"], lim[S, "stream-R1-R2-2thr"])
        if (c == "val") {
            l = stream3 + lim[S, "dgesv"]
            printf "| STARC-VAL, from scratch | %s | %s | %s | %s | %s (%s) | %s (stream T,R1,R2 + dgesv) | %s |\n", sa,
                ms(t[c, S, "scratch"]), ms(t[c, S, "numpy-scratch"]), ms(t[c, S, "numpy-sa-scratch"]),
                ratio(t[c, S, "numpy-scratch"], t[c, S, "scratch"]), ratio(t[c, S, "numpy-sa-scratch"], t[c, S, "scratch"]),
                ms(l), ratio(t[c, S, "scratch"], l)
            printf "| STARC-VAL, plan reused | %s | %s | %s | %s | %s (%s) | %s (stream T,R1,R2) | %s |\n", sa,
                ms(t[c, S, "pair"]), ms(t[c, S, "numpy-reused"]), ms(t[c, S, "numpy-sa-reused"]),
                ratio(t[c, S, "numpy-reused"], t[c, S, "pair"]), ratio(t[c, S, "numpy-sa-reused"], t[c, S, "pair"]),
                ms(stream3), ratio(t[c, S, "pair"], stream3)
        } else if (c == "epic" || c == "dard") {
            nm = c == "epic" ? "EPIC" : "DARD"
            l = c == "epic" ? stream2 : 4 * A[S] * lim[S, "dgemm"] + stream3
            lw = c == "epic" ? "stream R1,R2" : "4A dgemm + stream"
            printf "| %s, from scratch | %s | %s | %s | | %s | %s (%s) | %s |\n", nm, sa, ms(t[c, S, "scratch"]),
                ms(t[c, S, "numpy-scratch"]), ratio(t[c, S, "numpy-scratch"], t[c, S, "scratch"]), ms(l), lw,
                ratio(t[c, S, "scratch"], l)
            printf "| %s, plan reused | %s | %s | %s | | %s | %s (%s) | %s |\n", nm, sa, ms(t[c, S, "pair"]),
                ms(t[c, S, "numpy-scratch"]), ratio(t[c, S, "numpy-scratch"], t[c, S, "pair"]), ms(l), lw,
                ratio(t[c, S, "pair"], l)
        } else {
            name = c; sub(/^matrix-/, "", name)
            printf "| 64 x 64 %s matrix | %s | %s | %s | | %s | | |\n", toupper(name), sa, ms(t[c, S, "scratch"]),
                ms(t[c, S, "numpy-scratch"]), ratio(t[c, S, "numpy-scratch"], t[c, S, "scratch"])
        }
    }
    for (i = 1; i <= n; i++) {
        split(order[i], k, SUBSEP); c = k[1]; S = k[2]
        if ((c, S, "numpy-scratch") in nval) {
            e = rel(val[c, S], nval[c, S, "numpy-scratch"])
            if (e > worst) worst = e
            if (e > 1e-8) printf "WARNING: %s S=%s: libstarc %.17g, numpy %.17g\n", c, S, val[c, S], nval[c, S, "numpy-scratch"]
            have = 1
        }
    }
    if (have) printf "\nlibstarc and numpy values agree to a relative %.1e.\n", worst
    for (S in A) if ((S, "first-touch-per-page") in lim && S + 0 >= 1024)
        printf "First touch of fresh memory: %.1f us per 4 KiB page (%.0f ms for one S=%s reward).\n",
            1e6 * lim[S, "first-touch-per-page"], 1e3 * lim[S, "first-touch-per-page"] * S * A[S] * S * 8 / 4096, S
}' "$work/c.tsv" "$work/np.tsv"
