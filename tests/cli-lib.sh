# Shared by the CLI test scripts: sourced after the script has set $w, its
# scratch directory in the build tree.  Counts failures in $fails.
fails=0

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# check NAME EXPECTED_STATUS STDERR_PATTERN -- command...
# The command must exit with EXPECTED_STATUS and its stderr must match the
# pattern (if non-empty).  A failing run (status != 0) must say exactly one
# line on stderr, and with CHECK_QUIET_FAILURE=1 nothing on stdout.  The
# command's output is left in $w/out and $w/err.  Returns 1 on failure.
check() {
    name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$w/out" 2>"$w/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "$name: exit $got, want $want"; cat "$w/err"; return 1
    fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$w/err"; then
        fail "$name: stderr does not match '$pat':"; cat "$w/err"; return 1
    fi
    if [ "$want" != 0 ] && [ "$(wc -l <"$w/err")" -ne 1 ]; then
        fail "$name: want exactly one line on stderr:"; cat "$w/err"; return 1
    fi
    if [ "$want" != 0 ] && [ "${CHECK_QUIET_FAILURE:-0}" = 1 ] && [ -s "$w/out" ]; then
        fail "$name: failed run wrote to stdout:"; cat "$w/out"; return 1
    fi
    echo "ok $name"
}

# close A B TOL: |A - B| <= TOL
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
