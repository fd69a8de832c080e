#!/bin/sh
# Distances of two (nnz,) rewards on large sparse MDPs through the structured
# closed forms (`make bench`; never part of `make check`): a 1000x1000 slippery
# gridworld (10^6 states, 4 actions) and a random MDP (10^5 states, 8 actions,
# 10 successors), each with its wall time and peak memory (GNU time).
# Recorded in docs/sparse.md.
set -eu
bin=${BENCH_SPARSE_DISTANCE:-./tests/bench/bench-sparse-distance}
[ -x "$bin" ] || { echo "bench-sparse-distance.sh: build $bin first (make bench)" >&2; exit 2; }
tm=/usr/bin/time
[ -x "$tm" ] || { echo "bench-sparse-distance.sh: needs GNU time (/usr/bin/time) for peak memory" >&2; exit 2; }
echo "== machine: $(nproc) CPUs, $(uname -m)"
for args in "grid 1000 1000 0.1" "random 100000 8 10 1"; do
    echo "== $args"
    $tm -f "wall_s %e peak_rss_kib %M" "$bin" $args
done
