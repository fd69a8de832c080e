#!/bin/sh
# Distances of two (nnz,) rewards on large sparse MDPs (`make bench`; never
# part of `make check`): a 1000x1000 slippery gridworld (10^6 states, 4
# actions) and a random MDP (10^5 states, 8 actions, 10 successors).
#   1. the structured closed forms alone (bench-sparse-distance: EPIC, and
#      STARC with the unweighted minimal-potential, which needs no solve);
#   2. `starc distance` end to end from files: STARC-VAL (l2, l2; V^pi by the
#      sparse engine) and EPIC (--epic).
# Each with wall time and peak memory (GNU time).  Recorded in docs/sparse.md.
set -eu
bin=${BENCH_SPARSE_DISTANCE:-./tests/bench/bench-sparse-distance}
starc=${STARC:-./tools/starc}
[ -x "$bin" ] || { echo "bench-sparse-distance.sh: build $bin first (make bench)" >&2; exit 2; }
tm=/usr/bin/time
[ -x "$tm" ] || { echo "bench-sparse-distance.sh: needs GNU time (/usr/bin/time) for peak memory" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-sparse-distance.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
echo "== machine: $(nproc) CPUs, $(uname -m)"
for args in "grid 1000 1000 0.1" "random 100000 8 10 1"; do
    echo "== closed forms: $args"
    $tm -f "wall_s %e peak_rss_kib %M" "$bin" $args
    "$bin" $args "$work" >/dev/null
    for opt in "" "--epic"; do
        echo "== starc distance --mdp ($args) ${opt:-(STARC-VAL)}"
        # capped at the 8 GiB (address space) and 600 s, so that a run that does not fit fails
        # instead of taking the shared machine's memory
        (ulimit -v 8388608; timeout 600 $tm -f "wall_s %e peak_rss_kib %M" "$starc" distance --mdp "$work/mdp.npz" \
            $opt "$work/r1.npy" "$work/r2.npy") || echo "(exit $?)"
    done
done
