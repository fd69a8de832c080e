#!/bin/sh
# Diagnostics stay one line (tools/cli.c, cli_escape): file names, option
# values and library messages holding newlines, tabs or other control
# characters are escaped (\n, \t, \r, \xHH) -- once, also when the library has
# escaped a name already.  Option values: a subnormal number is finite and
# accepted; NaN, infinities, overflow and a value that would underflow to 0
# are refused; an integer option refuses " -1" (strtoul would wrap it).
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-messages.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

nl='
'
tab=$(printf '\t')
esc=$(printf '\033')

check mdp 0 "" -- "$STARC" generate mdp --states 3 --actions 2 --seed 1 -o "$w/m.npz"
check rewards 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --count 2 --seed 2 -o "$w/r.npz"

# ---- file names with control characters -----------------------------------------------------
# (check requires exactly one line on stderr for a failing run)
check input-newline 2 'a\\nb\.npz' -- "$STARC" distance --mdp "$w/a${nl}b.npz" "$w/r.npz"
check input-tab-esc 2 'a\\tb\\x1bc\.npz' -- "$STARC" info "$w/a${tab}b${esc}c.npz"
check reward-newline 2 'r\\nx\.npy' -- "$STARC" regret --mdp "$w/m.npz" --true "$w/r${nl}x.npy" --proxy "$w/r.npz:r2"
check output-newline 2 'no\\tdir/x\\n\.npz: cannot create' -- "$STARC" generate mdp --states 3 --actions 2 \
    -o "$w/no${tab}dir/x${nl}.npz"
check outdir-newline 2 'x\\ny: not a directory' -- sh -c ": >\"\$1\" && exec \"\$2\" experiment --mdps 3 --pairs 1 \
    --steps 2 --states 3 --actions 2 -o \"\$1\"" sh "$w/x${nl}y" "$STARC"
check key-newline 2 'r\.npz.*a\\nb' -- "$STARC" regret --mdp "$w/m.npz" --true "$w/r.npz:a${nl}b" --proxy "$w/r.npz:r2"

# ---- option values with control characters ----------------------------------------------------
check value-newline 2 "option --gamma: '1\\\\n2' is not a finite number" -- "$STARC" generate mdp --gamma "1${nl}2" \
    -o "$w/g.npz"
check choice-newline 2 "option --method: 'om\\\\nchi2'" -- "$STARC" regularize --mdp "$w/m.npz" \
    --proxy "$w/r.npz:r2" --base uniform --method "om${nl}chi2" --coef 1
check unknown-option-newline 2 "unknown option '--x\\\\ny'" -- "$STARC" distance "--x${nl}y"

# ---- warnings: one line each (a gnuplot that fails noisily, a directory name with a newline) ---
cat >"$w/bad-gnuplot" <<'EOF'
#!/bin/sh
printf 'first complaint\nsecond line\n' >&2
exit 1
EOF
chmod +x "$w/bad-gnuplot"
GNUPLOT=$(pwd)/$w/bad-gnuplot "$STARC" experiment --mdps 3 --pairs 1 --steps 2 --states 3 --actions 2 \
    -o "$w/e${nl}x" >"$w/out" 2>"$w/err"
rc=$?
[ $rc = 0 ] || fail "warnings: exit $rc"
[ "$(wc -l <"$w/err")" = 2 ] || { fail "warnings: want two lines (one per figure):"; cat "$w/err"; }
[ "$(grep -c '^starc experiment: warning: gnuplot failed to render .*e\\nx/figure.png: first complaint; the script .*e\\nx/figure.gp is kept$' "$w/err")" = 1 ] ||
    { fail "warnings: figure.png's warning:"; cat "$w/err"; }
echo "ok warnings"

# ---- the library's escaping is not escaped again ----------------------------------------------
if [ -n "${PYTHON3:-}" ] && "$PYTHON3" -c 'import numpy' 2>/dev/null; then
    "$PYTHON3" -c 'import numpy as np, sys; np.savez(sys.argv[1], **{"a\nb": np.zeros((3, 2, 3)), "c": np.ones(3)})' \
        "$w/ctl.npz"
    check library-escape 2 'a\\nb' -- "$STARC" regret --mdp "$w/m.npz" --true "$w/ctl.npz:x" --proxy "$w/r.npz:r2"
    grep -q 'a\\\\nb' "$w/err" && fail "library-escape: escaped twice: $(cat "$w/err")"
else
    echo "skip library-escape: no numpy"
fi

# ---- numbers: subnormals are finite ---------------------------------------------------------------
check subnormal-gamma 0 "" -- "$STARC" generate mdp --states 3 --actions 2 --gamma 4.9e-324 -o "$w/sub.npz"
check subnormal-info 0 "" -- "$STARC" info "$w/sub.npz"
grep -q 'gamma=4.9406564584124654e-324' "$w/out" || { fail "subnormal: gamma was not kept"; cat "$w/out"; }
check subnormal-hex 0 "" -- "$STARC" generate mdp --states 3 --actions 2 --gamma 0x1p-1070 -o "$w/sub2.npz"
check subnormal-negative 2 "option --gamma: -4.9406564584124654e-324 is outside" -- "$STARC" experiment --mdps 3 \
    --pairs 1 --steps 2 --states 3 --actions 2 --gamma -4.9e-324 -o "$w/never"
# --coef 4.9e-324 is a number now: whatever the solver makes of it, not "not a finite number"
"$STARC" regularize --mdp "$w/m.npz" --true "$w/r.npz:r1" --proxy "$w/r.npz:r2" --base uniform --method om-chi2 \
    --coef 4.9e-324 >"$w/out" 2>"$w/err"
grep -q 'finite' "$w/err" && fail "subnormal-coef: refused as not finite: $(cat "$w/err")"
echo "ok subnormal-coef"
check underflow 2 "option --gamma: '1e-400' is too small to represent" -- "$STARC" generate mdp --gamma 1e-400 \
    -o "$w/g.npz"
check overflow 2 "option --gamma: '1e400' is not a finite number" -- "$STARC" generate mdp --gamma 1e400 -o "$w/g.npz"
check nan 2 "option --gamma: 'nan' is not a finite number" -- "$STARC" generate mdp --gamma nan -o "$w/g.npz"
check inf 2 "option --gamma: '-inf' is not a finite number" -- "$STARC" generate mdp --gamma -inf -o "$w/g.npz"
check negative-seed 2 "option --seed: ' -1' is not a non-negative integer" -- "$STARC" generate mdp --seed " -1" \
    -o "$w/g.npz"
check plus-count 2 "option --count: ' 2' is not a non-negative integer" -- "$STARC" generate reward --mdp "$w/m.npz" \
    --count " 2" -o "$w/g.npz"
[ -e "$w/g.npz" ] && fail "a refused option wrote $w/g.npz"
[ -e "$w/never" ] && fail "a refused option created $w/never"

[ "$fails" = 0 ] && rm -rf "$w"
exit $((fails > 0))
