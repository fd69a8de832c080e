#!/bin/sh
# The example program of libstarc(3) (built by make check from the page's
# EXAMPLE section) prints what the page says it prints: V under the uniform
# policy from the small exact example of docs/theory.md, and regret 1 for -R.
set -u
: "${top_builddir:?}"
out=$("$top_builddir/tests/man-example") || { echo "FAIL: the example exited $?"; exit 1; }
echo "$out"
fails=0
echo "$out" | grep -qx 'V = \[12\.418848, 11\.424084\]' || { echo "FAIL: V"; fails=$((fails + 1)); }
echo "$out" | grep -qx 'optimal actions: 1 1' || { echo "FAIL: optimal actions line"; fails=$((fails + 1)); }
echo "$out" | grep -qx 'regret of optimising -R: 1\.000000' || { echo "FAIL: regret"; fails=$((fails + 1)); }
echo "$((3 - fails)) passed, $fails failed"
[ "$fails" = 0 ]
