#!/bin/sh
# Every man page in docs/ renders without warnings from man(1).
set -u
command -v man >/dev/null 2>&1 || { echo "SKIP: man (man-db) not installed"; exit 77; }
fails=0 n=0
for f in "$top_srcdir"/docs/*.[0-9]; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -E UTF-8 "$f" 2>&1 >/dev/null)
    if [ -n "$out" ]; then
        echo "FAIL $f:"; echo "$out"; fails=$((fails + 1))
    else
        echo "ok $f"
    fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no man pages found"; exit 1; }
echo "$((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
