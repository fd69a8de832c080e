#!/bin/sh
# numpy <-> libstarc interop.  numpy writes every layout libstarc claims to
# read (dtypes, byte orders, C/Fortran order, format 1.0/2.0/3.0, np.savez and
# np.savez_compressed, 0-d and (1,) gamma); `starc info --format json --data`
# must report exactly the values numpy loads.  Files libstarc writes
# (tests/npy-copy: starc_npy_write, starc_npy_npz_write, starc_io_mdp_save) must load
# in numpy with allow_pickle=False, unchanged.  Files numpy writes that libstarc
# cannot represent must be refused with one line on stderr naming the file.
# The checks themselves are in tests/npy-gen.py.  Skips (77) without a python3
# that has numpy.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${top_builddir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import numpy' >/dev/null 2>&1; then
    echo "SKIP: no python3 with numpy (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
GEN="$top_srcdir/tests/npy-gen.py"
COPY="$top_builddir/tests/npy-copy"
w=npy-interop.tmp
rm -rf "$w" && mkdir -p "$w/out" || exit 99
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
files() { # the files listed in $w/$1 (first column), one per line
    while IFS="$(printf '\t')" read -r f rest; do printf '%s\n' "$w/$f"; done <"$w/$1"
}

"$PYTHON3" "$GEN" gen "$w" || { echo "FAIL: generating the numpy files"; exit 1; }

# starc info on every layout numpy writes (values checked by npy-gen.py check).
# shellcheck disable=SC2046 # the generated names have no spaces
"$STARC" info --format json --data $(files good.list) >"$w/info.json" 2>"$w/err" ||
    { bad "starc info failed on numpy's files:"; cat "$w/err"; }
[ "$(wc -l <"$w/good.list")" -ge 20 ] || bad "only $(wc -l <"$w/good.list") files generated"

# The text format shows the same facts.
"$STARC" info "$w/f8_f.npy" "$w/mdp.npz" >"$w/info.txt" 2>&1 || bad "starc info (text) failed"
grep -q "^  f8_f: shape=(3,4,2) dtype=<f8 order=F size=24 min=" "$w/info.txt" ||
    { bad "text output for f8_f.npy:"; cat "$w/info.txt"; }
grep -q "^$w/mdp.npz: MDP (npz with T, mu0, gamma), S=4 A=3 gamma=0.9[0-9]*, valid$" "$w/info.txt" ||
    { bad "text output for mdp.npz:"; cat "$w/info.txt"; }

# libstarc reads numpy's files and writes its own; npy-gen.py check loads them in numpy.
"$COPY" -f "$w/copies.tsv" || bad "npy-copy could not copy every file"
leftover=$(ls "$w/out" | grep -v '\.np[yz]$')
[ -z "$leftover" ] || bad "temporary files left in $w/out: $leftover"

# --mdp: reward / policy verdicts.
# shellcheck disable=SC2046
"$STARC" info --format json --mdp "$w/mdp.npz" $(files fits.list) >"$w/fits-info.json" 2>"$w/err" ||
    { bad "starc info --mdp failed:"; cat "$w/err"; }

# Files to refuse, all in one run with a good one: exit 2, one line per bad file,
# the good file still described.
# shellcheck disable=SC2046
"$STARC" info --mdp "$w/mdp.npz" "$w/r_sa.npy" $(files rejects.tsv) >"$w/rejects.out" 2>"$w/rejects.err"
rc=$?
[ "$rc" = 2 ] || bad "starc info on refused files: exit $rc, want 2"
grep -q "^  r_sa: shape=(4,3) .* fits=reward$" "$w/rejects.out" || { bad "good file not described among bad ones:"; cat "$w/rejects.out"; }
# Alone, a bad file gives exit 2 and exactly one line.
"$STARC" info "$w/object.npy" >/dev/null 2>"$w/err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$w/err")" -eq 1 ] || { bad "object.npy: exit $rc, stderr:"; cat "$w/err"; }

"$PYTHON3" "$GEN" check "$w" || bad "numpy disagrees (see above)"

[ "$fails" = 0 ] && rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
