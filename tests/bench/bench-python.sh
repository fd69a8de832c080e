#!/bin/sh
# The starc Python package's benchmark (`make bench`, `make bench-python`; never `make check`):
# tests/bench/bench-python.py with the package of this tree, the library just built and the C
# side tests/bench/bench-python-c.  Says why and does nothing when the package is not built.
set -u
: "${top_srcdir:?}" "${STARC_LIBRARY:?}" "${STARC_PYTHONPATH:?}"
if [ "${STARC_PYTHON_ENABLED:-no}" != yes ] || [ ! -f "$STARC_LIBRARY" ]; then
    echo "== bench-python: the Python package is not built (or no shared library): skipped"
    exit 0
fi
bin=${BENCH_PYTHON_C:-./tests/bench/bench-python-c}
[ -x "$bin" ] || { echo "bench-python.sh: build $bin first (make bench)" >&2; exit 2; }
# the C side runs from libtool's wrapper: the library just built, not an installed one
PYTHONPATH=$STARC_PYTHONPATH STARC_LIBRARY=$STARC_LIBRARY OPENBLAS_NUM_THREADS=1 \
    "${STARC_PYTHON:-/usr/bin/python3}" "$top_srcdir/tests/bench/bench-python.py" --c-bin "$bin" "$@"
