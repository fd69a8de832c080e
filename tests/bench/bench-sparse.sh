#!/bin/sh
# Scaling of the sparse path from the command line (`make bench`; never part
# of `make check`), recorded in docs/sparse.md ("Benchmarks"):
#   1. `starc regret`, `starc distance` (STARC-VAL: val, l2, l2, uniform
#      policy) and `starc distance --epic` on slippery gridworlds (slip 0.2,
#      gamma 0.95, two rewards by `starc generate reward`) from 32x32 to
#      1000x1000 (10^3 to 10^6 states), and on random MDPs with 8 actions and
#      10 successors (10^4, 10^5 states); wall time, user CPU and peak RSS
#      from GNU time, each run under the issue's 8 GiB (address space) and
#      600 s;
#   2. the growth exponent b of time = a S^b and memory = a S^b on the
#      gridworlds, fitted by least squares on log-log (numpy);
#   3. the engine crossover: `starc regret --engine dense|sparse|iterative`
#      on gridworlds of 256 to 4096 states (user CPU);
#   4. with gnuplot, the figure tests/bench/bench-sparse.gp drawn from the
#      table, to $BENCH_SPARSE_SVG (default bench-sparse.svg; the committed
#      one is docs/sparse-scaling.svg).
# BENCH_SPARSE_MAX (default 1000) caps the gridworld's side; BENCH_SPARSE_MIN
# (default 0) skips the smaller gridworlds and, when above 0, the random MDPs
# and the crossover (BENCH_SPARSE_MIN=1000: the 10^6-state row alone).
set -eu
starc=${STARC:-./tools/starc}
srcdir=${top_srcdir:-.}
py=${PYTHON3_NUMPY:-/usr/bin/python3}
max=${BENCH_SPARSE_MAX:-1000}
min=${BENCH_SPARSE_MIN:-0}
svg=${BENCH_SPARSE_SVG:-bench-sparse.svg}
tm=/usr/bin/time
[ -x "$tm" ] || { echo "bench-sparse.sh: needs GNU time (/usr/bin/time) for peak memory" >&2; exit 2; }
"$py" -c 'import numpy' 2>/dev/null || { echo "bench-sparse.sh: needs $py with numpy for the fit" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-sparse.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
tsv=${BENCH_SPARSE_TSV:-$work/scaling.tsv}
echo "== machine: $(nproc) CPUs, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: one timed run, capped; appends "wall user rss_kib" to $work/t
run() {
    name=$1
    shift
    if (ulimit -v 8388608; timeout 600 $tm -o "$work/t" -f "%e %U %M" "$@" >"$work/out" 2>"$work/err"); then
        set -- $(tail -1 "$work/t")
        echo "$name wall_s $1 user_s $2 peak_rss_kib $3 result $(head -1 "$work/out" | tr '\t' ' ')"
        last="$1 $2 $3"
    else
        echo "$name failed: $(tail -1 "$work/err")"
        last="nan nan nan"
    fi
}

printf 'kind\tS\tnnz\tregret_wall\tregret_user\tregret_kib\tval_wall\tval_user\tval_kib\tepic_wall\tepic_user\tepic_kib\n' >"$tsv"
point() { # kind S mdp rewards
    nnz=$("$starc" info "$3" | sed -n 's/.* nnz=\([0-9]*\) .*/\1/p' | head -1)
    run "$1 S=$2 regret" "$starc" regret --mdp "$3" --true "$4:r1" --proxy "$4:r2"
    r=$last
    run "$1 S=$2 STARC-VAL" "$starc" distance --mdp "$3" "$4:r1" "$4:r2"
    v=$last
    run "$1 S=$2 EPIC" "$starc" distance --epic --mdp "$3" "$4:r1" "$4:r2"
    e=$last
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$nnz" "$(echo $r | tr ' ' '\t')" "$(echo $v | tr ' ' '\t')" \
        "$(echo $e | tr ' ' '\t')" >>"$tsv"
}

for n in 32 56 100 178 316 562 1000; do
    [ "$n" -le "$max" ] && [ "$n" -ge "$min" ] || continue
    "$starc" generate gridworld --size ${n}x$n --sparse --mdp "$work/g.npz" >/dev/null
    "$starc" generate reward --mdp "$work/g.npz" --count 2 --seed 2 -o "$work/r.npz" >/dev/null
    point gridworld $((n * n)) "$work/g.npz" "$work/r.npz"
done
for S in 10000 100000; do
    [ "$min" -eq 0 ] || continue
    "$starc" generate mdp --successors 10 --states $S --actions 8 --seed 1 -o "$work/m.npz" >/dev/null
    "$starc" generate reward --mdp "$work/m.npz" --count 2 --seed 2 -o "$work/r.npz" >/dev/null
    point random $S "$work/m.npz" "$work/r.npz"
done
echo "== table"
cat "$tsv"

echo "== growth exponents (gridworld, least squares on log-log; time = a S^b)"
"$py" - "$tsv" <<'EOF'
import sys
import numpy as np
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
head, rows = rows[0], [r for r in rows[1:] if r[0] == "gridworld"]
S = np.array([float(r[1]) for r in rows])
for col in ("regret_user", "regret_kib", "val_user", "val_kib", "epic_user", "epic_kib"):
    y = np.array([float(r[head.index(col)]) for r in rows])
    ok = np.isfinite(y) & (y > 0) & (S >= 10000)  # below 10^4 states start-up dominates
    if ok.sum() < 2:
        print("%-12s too few points" % col)
        continue
    b, a = np.polyfit(np.log(S[ok]), np.log(y[ok]), 1)
    print("%-12s b = %.3f  (from S = %d to %d, %d points)" % (col, b, S[ok].min(), S[ok].max(), ok.sum()))
EOF

echo "== engine crossover: starc regret --engine E (user CPU s), gridworlds"
for n in 16 32 48 64; do
    [ "$min" -eq 0 ] || continue
    "$starc" generate gridworld --size ${n}x$n --sparse --mdp "$work/g.npz" >/dev/null
    "$starc" generate reward --mdp "$work/g.npz" --count 2 --seed 2 -o "$work/r.npz" >/dev/null
    for e in dense sparse iterative; do
        if [ $e = dense ] && [ $n -gt 48 ]; then continue; fi # 64x64 dense: 38 s, measured once in docs/sparse.md
        run "S=$((n * n)) engine=$e" "$starc" regret --engine $e --mdp "$work/g.npz" --true "$work/r.npz:r1" \
            --proxy "$work/r.npz:r2"
    done
done

if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "data='$tsv'; outfile='$svg'" "$srcdir/tests/bench/bench-sparse.gp" && echo "== figure: $svg"
fi
