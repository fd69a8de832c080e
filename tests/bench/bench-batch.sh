#!/bin/sh
# N x N distance matrices against numpy's Gram matrix (`make bench`; never `make check`):
# tests/bench/bench-batch.py with the C side tests/bench/bench-batch-c, OpenBLAS on one thread.
# Says why and does nothing without numpy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_BATCH_C:-./tests/bench/bench-batch-c}
py=${PYTHON3:-/usr/bin/python3}
[ -x "$bin" ] || { echo "bench-batch.sh: build $bin first (make bench)" >&2; exit 2; }
if ! "$py" -c "import numpy" 2>/dev/null; then
    echo "== bench-batch: numpy not found for $py: skipped"
    exit 0
fi
OPENBLAS_NUM_THREADS=1 "$py" "$here/bench-batch.py" --c-bin "$bin" "$@"
