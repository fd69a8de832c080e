#!/bin/sh
# End-to-end benchmark, the way users meet the command: numpy writes an MDP
# and two (S,A,S) rewards (A = 8, gamma 0.95), then `starc distance --mdp
# m.npz r1.npy r2.npy` (VAL, EPIC, DARD) is timed as a whole process against a
# numpy script doing np.load plus a vectorised implementation of the same
# formula (bench-e2e.py, reusing bench-distance.py), from the same files in
# the page cache.  Also reports, from /usr/bin/time -v, peak RSS and page
# faults per input byte of the CLI.  Never part of `make check`.
#   tests/bench/bench-e2e.sh [STARC [SIZES]]   (default ./tools/starc, "512 1024 2048")
# Runs are alternated CLI, numpy, CLI, ... ($RUNS pairs, default 5) and the
# ratio CLI/numpy is taken pair by pair; the median is printed with min and max.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
starc=${1:-./tools/starc}
sizes=${2:-"512 1024 2048"}
py=${PYTHON3:-/usr/bin/python3}
runs=${RUNS:-5}
kinds=${KINDS:-"val epic dard"}
"$py" -c "import numpy" 2>/dev/null || { echo "bench-e2e.sh: $py has no numpy" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
now() { "$py" -c 'import time; print(repr(time.perf_counter()))'; }

echo "== $(nproc) CPUs, $(uname -m); starc = $starc; $runs alternating pairs"
printf 'S\tdistance\tcli_s\tnumpy_s\tratio_median\tratio_min\tratio_max\tpeak_rss/input\tfaults/input_4KiB\n'
for S in $sizes; do
    d="$work/$S"
    mkdir -p "$d"
    "$py" "$here/bench-e2e.py" gen "$d" "$S"
    bytes=$(cat "$d/m.npz" "$d/r1.npy" "$d/r2.npy" | wc -c)
    for k in $kinds; do
        case $k in val) flag="--canon val" ;; epic) flag=--epic ;; dard) flag=--dard ;; esac
        # warm-up (and page cache), then alternate
        $starc distance $flag --mdp "$d/m.npz" "$d/r1.npy" "$d/r2.npy" >/dev/null
        "$py" "$here/bench-e2e.py" run "$k" "$d" >/dev/null
        : >"$d/r"
        i=0
        while [ $i -lt "$runs" ]; do
            t0=$(date +%s.%N)
            $starc distance $flag --mdp "$d/m.npz" "$d/r1.npy" "$d/r2.npy" >/dev/null
            t1=$(date +%s.%N)
            "$py" "$here/bench-e2e.py" run "$k" "$d" >/dev/null
            t2=$(date +%s.%N)
            echo "$t0 $t1 $t2" | awk '{ printf "%.6f %.6f %.6f\n", $2 - $1, $3 - $2, ($2 - $1) / ($3 - $2) }' >>"$d/r"
            i=$((i + 1))
        done
        /usr/bin/time -v $starc distance $flag --mdp "$d/m.npz" "$d/r1.npy" "$d/r2.npy" 2>"$d/tv" >/dev/null
        rss=$(awk -F': ' '/Maximum resident/ { print $2 * 1024 }' "$d/tv")
        flt=$(awk -F': ' '/(Major|Minor).*page faults/ { s += $2 } END { print s }' "$d/tv")
        sort -n -k1 "$d/r" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print $1 }' >"$d/c"
        sort -n -k2 "$d/r" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print $2 }' >"$d/p"
        sort -n -k3 "$d/r" | awk -v n="$runs" -v S="$S" -v k="$k" -v c="$(cat "$d/c")" -v p="$(cat "$d/p")" \
            -v b="$bytes" -v rss="$rss" -v f="$flt" '
            NR == 1 { lo = $3 } NR == int((n + 1) / 2) { med = $3 } { hi = $3 }
            END { printf "%s\t%s\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%.4f\n",
                        S, k, c, p, med, lo, hi, rss / b, f / (b / 4096) }'
    done
    rm -rf "$d"
done
