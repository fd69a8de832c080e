#!/bin/sh
# numpy baseline for bench-regularize (run after it by 'make bench').
set -u
: "${top_srcdir:=.}"
if [ ! -f bench-regularize.tmp/c-results.txt ]; then
    echo "bench-regularize.sh: run tests/bench/bench-regularize first"; exit 1
fi
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c "import numpy" 2>/dev/null; then
    echo "bench-regularize.sh: python3-numpy not available, no baseline"; exit 0
fi
"$PYTHON3" "$top_srcdir/tests/bench/bench-regularize.py" bench-regularize.tmp
