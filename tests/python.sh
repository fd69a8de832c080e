#!/bin/sh
# The starc Python package (python/): every test module in tests/python/ with the standard
# library's unittest, importing the package from the source tree and loading the library
# just built (STARC_LIBRARY, set by mk/python.am).  Temporary files go to tests/python.tmp in
# the build tree.  Skips (77) without a python3 that has numpy, without a shared library
# (--disable-shared), or with a sanitizer build of it.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${STARC_LIBRARY:?}" "${STARC_PYTHONPATH:?}"
py=${PYTHON3:-/usr/bin/python3}
if ! "$py" -c 'import numpy' >/dev/null 2>&1; then
    echo "SKIP: no python3 with numpy (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
if [ ! -f "$STARC_LIBRARY" ]; then
    echo "SKIP: no shared library $STARC_LIBRARY (configured with --disable-shared?)"
    exit 77
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
"$py" -m unittest discover -v -s "$top_srcdir/tests/python" -t "$top_srcdir/tests/python" -p 'test_*.py'
rc=$?
[ $rc -eq 0 ] && rm -rf "$w"
exit $rc
