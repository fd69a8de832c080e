#!/bin/sh
# The starc Python package (python/): every test module in tests/python/, run with pytest
# (Debian's python3-pytest) on the python3 configure found, importing the package from the
# source tree and loading the library just built (STARC_LIBRARY, set by mk/python.am).
# Temporary files go to tests/python.tmp in the build tree.
#
# Skips (77) only for what configure decided: the package is not built (--disable-python,
# or no python3 with numpy), or the library cannot be loaded into an interpreter (built with
# --disable-shared, or with --enable-sanitizers, whose runtime must come first).  A python3
# without pytest, or an import that fails, is a failure, not a skip.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${STARC_LIBRARY:?}" "${STARC_PYTHONPATH:?}" "${STARC_PYTHON_ENABLED:?}"
if [ "$STARC_PYTHON_ENABLED" != yes ]; then
    echo "SKIP: the Python package is not built (configure found no python3 with numpy, or --disable-python)"
    exit 77
fi
py=${STARC_PYTHON:?}
if [ ! -f "$STARC_LIBRARY" ]; then
    echo "SKIP: no shared library $STARC_LIBRARY (configured with --disable-shared)"
    exit 77
fi
if ! "$py" -c 'import pytest' >/dev/null 2>&1; then
    echo "FAIL: $py has no pytest (Debian: apt-get install python3-pytest)"
    exit 1
fi
# A library built with --enable-sanitizers cannot be loaded into an interpreter that was not
# started with the sanitizer's runtime.
if ! out=$(PYTHONPATH=$STARC_PYTHONPATH STARC_LIBRARY=$STARC_LIBRARY "$py" -c 'import starc' 2>&1); then
    case $out in
    *"runtime does not come first"*) echo "SKIP: $STARC_LIBRARY is built with a sanitizer runtime"; exit 77 ;;
    *) echo "FAIL: import starc: $out"; exit 1 ;;
    esac
fi
w=tests/python.tmp
rm -rf "$w" && mkdir -p "$w" || exit 99
TMPDIR=$(cd "$w" && pwd)
PYTHONPATH=$STARC_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}
PYTHONDONTWRITEBYTECODE=1
export TMPDIR PYTHONPATH PYTHONDONTWRITEBYTECODE
# -p no:cacheprovider: no .pytest_cache in the source tree (distcheck's is read-only).
"$py" -m pytest -p no:cacheprovider -v -rs --rootdir="$top_srcdir/tests/python" \
    "$top_srcdir/tests/python"
rc=$?
[ $rc -eq 0 ] && rm -rf "$w"
exit $rc
