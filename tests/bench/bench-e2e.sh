#!/bin/sh
# End-to-end benchmark, the way users meet the command: numpy writes an MDP
# and two (S,A,S) rewards (A = 8, gamma 0.95), then `starc distance --mdp
# m.npz r1.npy r2.npy` (VAL, EPIC, DARD) and `starc regret --true r1.npy
# --proxy r2.npy` are timed as whole processes against a numpy script doing
# np.load plus a vectorised implementation of the same formula (bench-e2e.py,
# reusing bench-distance.py), from the same files in the page cache.  Also
# reports, from /usr/bin/time -v, peak RSS and page faults per input byte of
# the CLI; for every computation the machine floor measured in the same run
# (bench-e2e.py floor: reading the three files once, plus one LU of size S for
# VAL and regret, the 2A dense S^3 products for DARD) and numpy's and the
# CLI's time over it (numpy/floor under 5: no program is 5x faster than numpy
# there); and
# the N x N STARC-VAL matrix of N = 256 rewards at S = 64 against numpy's
# Gram-matrix implementation.  Never part of `make check`.
#   tests/bench/bench-e2e.sh [STARC [SIZES]]   (default ./tools/starc, "32 128 512 1024 2048")
# A libtool wrapper STARC is replaced by the binary it runs (real-binary.sh).
# Runs are alternated CLI, numpy, CLI, ... ($RUNS pairs, default 5) and the
# ratio CLI/numpy is taken pair by pair; the median is printed with min and
# max.  KINDS (default "val epic dard regret") picks the computations; DARD
# runs up to DARD_MAX states (default 1024: numpy's DARD needs 2A dense S^3
# products per reward).  BATCH=0 skips the matrix.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/real-binary.sh"
real_binary "${1:-./tools/starc}"
starc=$REAL_BINARY
sizes=${2:-"32 128 512 1024 2048"}
py=${PYTHON3:-/usr/bin/python3}
runs=${RUNS:-5}
kinds=${KINDS:-"val epic dard regret"}
dard_max=${DARD_MAX:-1024}
"$py" -c "import numpy" 2>/dev/null || { echo "bench-e2e.sh: $py has no numpy" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# pairs OUT CLI... -- NUMPY...: a warm-up of each, then $runs alternating
# pairs; OUT gets "cli_s numpy_s ratio" per pair.
pairs() {
    out=$1
    shift
    cli=""
    while [ "$1" != "--" ]; do cli="$cli $1"; shift; done
    shift
    $cli >/dev/null
    "$@" >/dev/null
    : >"$out"
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(date +%s.%N)
        $cli >/dev/null
        t1=$(date +%s.%N)
        "$@" >/dev/null
        t2=$(date +%s.%N)
        echo "$t0 $t1 $t2" | awk '{ printf "%.6f %.6f %.6f\n", $2 - $1, $3 - $2, ($2 - $1) / ($3 - $2) }' >>"$out"
        i=$((i + 1))
    done
}

# median FILE COLUMN
median() {
    sort -n -k"$2" "$1" | awk -v n="$runs" -v c="$2" 'NR == int((n + 1) / 2) { print $c }'
}

echo "== $(nproc) CPUs, $(uname -m); starc = $starc; $runs alternating pairs"
printf 'S\tcomputation\tcli_s\tnumpy_s\tratio_median\tratio_min\tratio_max\tpeak_rss/input\tfaults/input_4KiB\tfloor_s\tnumpy/floor\tcli/floor\theld_floor_s\tnumpy/held\tcli/held\n'
for S in $sizes; do
    d="$work/$S"
    mkdir -p "$d"
    "$py" "$here/bench-e2e.py" gen "$d" "$S"
    bytes=$(cat "$d/m.npz" "$d/r1.npy" "$d/r2.npy" | wc -c)
    for k in $kinds; do
        case $k in
        val) cmd="$starc distance --canon val --mdp $d/m.npz $d/r1.npy $d/r2.npy" ;;
        epic) cmd="$starc distance --epic --mdp $d/m.npz $d/r1.npy $d/r2.npy" ;;
        dard) [ "$S" -le "$dard_max" ] || continue
              cmd="$starc distance --dard --mdp $d/m.npz $d/r1.npy $d/r2.npy" ;;
        regret) cmd="$starc regret --mdp $d/m.npz --true $d/r1.npy --proxy $d/r2.npy" ;;
        *) echo "bench-e2e.sh: unknown computation $k" >&2; exit 2 ;;
        esac
        pairs "$d/r" $cmd -- "$py" "$here/bench-e2e.py" run "$k" "$d"
        /usr/bin/time -v $cmd 2>"$d/tv" >/dev/null
        rss=$(awk -F': ' '/Maximum resident/ { print $2 * 1024 }' "$d/tv")
        flt=$(awk -F': ' '/(Major|Minor).*page faults/ { s += $2 } END { print s }' "$d/tv")
        # The floor of this computation (bench-e2e.py floor): numpy/floor < 5
        # means no program can be 5x faster than numpy here.
        OPENBLAS_NUM_THREADS=1 "$py" "$here/bench-e2e.py" floor "$k" "$d" >"$d/floor"
        sort -n -k3 "$d/r" | awk -v n="$runs" -v S="$S" -v k="$k" -v c="$(median "$d/r" 1)" \
            -v p="$(median "$d/r" 2)" -v b="$bytes" -v rss="$rss" -v f="$flt" -v fl="$(cut -d" " -f1 "$d/floor")" -v hf="$(cut -d" " -f2 "$d/floor")" '
            NR == 1 { lo = $3 } NR == int((n + 1) / 2) { med = $3 } { hi = $3 }
            END { printf "%s\t%s\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%.4f\t%.5f\t%.1f\t%.1f\t%.5f\t%.1f\t%.1f\n",
                        S, k, c, p, med, lo, hi, rss / b, f / (b / 4096), fl, p / fl, c / fl, hf, p / hf, c / hf }'
    done
    rm -rf "$d"
done

if [ "${BATCH:-1}" != 0 ]; then
    d="$work/batch"
    mkdir -p "$d"
    "$py" "$here/bench-e2e.py" gen-batch "$d" 64 256
    pairs "$d/r" "$starc" distance --mdp "$d/m.npz" "$d/rs.npz" -- "$py" "$here/bench-e2e.py" run batch "$d"
    sort -n -k3 "$d/r" | awk -v n="$runs" -v c="$(median "$d/r" 1)" -v p="$(median "$d/r" 2)" '
        NR == 1 { lo = $3 } NR == int((n + 1) / 2) { med = $3 } { hi = $3 }
        END { printf "batch 256 x 256 STARC-VAL matrix, S=64, A=8: CLI %.3f s, numpy Gram %.3f s, CLI/numpy median %.2f (%.2f-%.2f)\n",
                     c, p, med, lo, hi }'
fi
