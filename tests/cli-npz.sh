#!/bin/sh
# Hostile and unlucky .npz archives through the starc command: sizes in the zip
# directory that the archive cannot hold (a bad file, exit 2, one line naming
# file and member; never an allocation of the claimed size), member names that
# would corrupt a TSV table, and the count in "holds N rewards".  The archives
# are built by tests/npz-craft.py (standard library only).
set -u
: "${STARC:?}" "${top_srcdir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import zlib, zipfile, struct' >/dev/null 2>&1; then
    echo "SKIP: no python3 (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
w=cli-npz.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

"$STARC" generate mdp --states 3 --actions 2 -o "$w/m.npz" >/dev/null &&
    "$STARC" generate reward --mdp "$w/m.npz" -o "$w/r.npy" >/dev/null &&
    "$STARC" generate reward --mdp "$w/m.npz" --count 3 -o "$w/rs.npz" >/dev/null &&
    "$PYTHON3" "$top_srcdir/tests/npz-craft.py" "$w/r.npy" "$w" || { echo "FAIL: making the inputs"; exit 99; }

# Declared sizes: checked against the archive and the .npy header, EFORMAT.
# (starc info reports on stdout what it could read, so stdout is not checked.)
check big-stored 2 "big-stored.npz: member 'r' .*declares 3500000000 bytes" -- "$STARC" info "$w/big-stored.npz"
check big-deflated 2 "big-deflated.npz: member 'r': .*declares 3500000000 bytes" -- \
    "$STARC" info "$w/big-deflated.npz"
check huge64 2 "huge64.npz: member 'r' .*declares 4611686018427387904 bytes" -- "$STARC" info "$w/huge64.npz"
check huge64-comp 2 "huge64-comp.npz: member 'r': .*declares 4611686018427387904 compressed bytes" -- \
    "$STARC" info "$w/huge64-comp.npz"
CHECK_QUIET_FAILURE=1
check huge64-reward 2 "option --true: .*huge64.npz: member 'r'" -- \
    "$STARC" regret --mdp "$w/m.npz" --true "$w/huge64.npz" --proxy "$w/r.npy"
grep -q "out of memory" "$w/err" && fail "huge64-reward: reported as out of memory"

# "holds N rewards" counts the archive's rewards.
check holds-3 2 "option --true: $w/rs.npz holds 3 rewards; name one as FILE.npz:KEY" -- \
    "$STARC" regret --mdp "$w/m.npz" --true "$w/rs.npz" --proxy "$w/r.npy"

# Member names with a tab or newline would corrupt the TSV: refused, escaped in the message.
check tab-name 2 "tab.npz: reward name \"a\\\\tb\" holds a control character" -- \
    "$STARC" distance --mdp "$w/m.npz" "$w/r.npy" "$w/tab.npz"
check newline-name 2 "newline.npz: reward name \"x\\\\ny\" holds a control character" -- \
    "$STARC" distance --mdp "$w/m.npz" --epic "$w/newline.npz" "$w/r.npy"
check newline-key 2 "reward name \"x\\\\ny\"" -- "$STARC" distance --mdp "$w/m.npz" "$w/r.npy" "$w/newline.npz:x
y"
# the other members stay usable
check tab-other-member 0 "" -- "$STARC" distance --mdp "$w/m.npz" "$w/r.npy" "$w/tab.npz:r1"
grep -q "^0$" "$w/out" || { fail "tab-other-member: distance of r to itself is not 0"; cat "$w/out"; }

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
