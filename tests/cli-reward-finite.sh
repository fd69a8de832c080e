#!/bin/sh
# `starc distance` proves full (S,A,S) rewards finite in the first pass that
# reads them (Rbar, EPIC's g, the statistics pass of none), not in a pass of
# their own when loading them.  A non-finite entry must still be reported as
# the loaders report it: one line naming the file (and member) and the flat
# index, exit 2, nothing on stdout, before any other error; a finite reward
# whose sums overflow must still give its distance (the scale invariance:
# exactly the distance of the reward divided by a power of two).
set -u
: "${STARC:?}" "${top_srcdir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import struct, zipfile' >/dev/null 2>&1; then
    echo "SKIP: no python3 (PYTHON3='${PYTHON3:-}')"
    exit 77
fi
w=cli-reward-finite.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
CHECK_QUIET_FAILURE=1

# S = 5: not a multiple of the row kernels' lane width.  S*A*S = 75 entries: 0, 37 and 74.
S=5 A=3 N=75
"$STARC" generate mdp --states $S --actions $A --seed 3 -o "$w/m.npz" >/dev/null &&
    "$STARC" generate reward --mdp "$w/m.npz" --count 2 --seed 6 -o "$w/rs.npz" >/dev/null &&
    "$PYTHON3" - "$w" <<'PY' || { echo "FAIL: making the inputs"; exit 99; }
import io, struct, sys, zipfile
d = sys.argv[1]
z = zipfile.ZipFile(d + "/rs.npz")
def values(member):
    b = z.read(member)
    hl = struct.unpack("<H", b[8:10])[0]
    return b[:10 + hl], list(struct.unpack("<%dd" % ((len(b) - 10 - hl) // 8), b[10 + hl:]))
names = sorted(z.namelist())
def save(path, head, v):
    with open(path, "wb") as f:
        f.write(head + struct.pack("<%dd" % len(v), *v))
h1, r1 = values(names[0])
h2, r2 = values(names[1])
save(d + "/r1.npy", h1, r1)
save(d + "/r2.npy", h2, r2)
bad = {"nan": float("nan"), "inf": float("inf"), "ninf": -float("inf")}
for kind, x in bad.items():
    for pos in (0, len(r2) // 2, len(r2) - 1):
        v = list(r2)
        v[pos] = x
        save("%s/%s-%d.npy" % (d, kind, pos), h2, v)
        if kind == "nan":  # an archive member, named in the message as FILE:MEMBER
            buf = io.BytesIO()
            buf.write(h2 + struct.pack("<%dd" % len(v), *v))
            with zipfile.ZipFile("%s/nan-%d.npz" % (d, pos), "w") as out:
                out.writestr("good.npy", h1 + struct.pack("<%dd" % len(r1), *r1))
                out.writestr("bad.npy", buf.getvalue())
# huge finite rewards: 2^k r2 with max |2^k r2| in [2^1022, 2^1023) (the sums of |R| overflow)
# and r2 with three entries at the largest double (their sum overflows)
import math
k = 1023 - math.frexp(max(abs(x) for x in r2))[1]
save(d + "/huge.npy", h2, [x * 2.0 ** k for x in r2])
v = list(r2)
for pos in (0, len(r2) // 2, len(r2) - 1):
    v[pos] = 1.7976931348623157e308 * (1 if pos % 2 == 0 else -1)
save(d + "/max3.npy", h2, v)
PY

for canon in val epic dard none minimal minimal-potential val-potential; do
    case $canon in
    epic) opt="--epic" ;;
    dard) opt="--dard" ;;
    *) opt="--canon $canon" ;;
    esac
    for kind in nan inf ninf; do
        for pos in 0 37 74; do
            f="$w/$kind-$pos.npy"
            msg="^starc distance: $f: reward entry $pos (flat index) is not finite\$"
            # shellcheck disable=SC2086
            check "$canon-$kind-$pos-second" 2 "$msg" -- "$STARC" distance --mdp "$w/m.npz" $opt "$w/r1.npy" "$f"
            # shellcheck disable=SC2086
            check "$canon-$kind-$pos-first" 2 "$msg" -- "$STARC" distance --mdp "$w/m.npz" $opt "$f" "$w/r1.npy"
        done
    done
    # the first bad reward in argument order is the one reported
    # shellcheck disable=SC2086
    check "$canon-two-bad" 2 "^starc distance: $w/inf-37.npy: reward entry 37 " -- \
        "$STARC" distance --mdp "$w/m.npz" $opt "$w/inf-37.npy" "$w/nan-0.npy"
    # a matrix (three rewards), and a figure with two
    # shellcheck disable=SC2086
    check "$canon-matrix" 2 "^starc distance: $w/nan-74.npy: reward entry 74 (flat index) is not finite\$" -- \
        "$STARC" distance --mdp "$w/m.npz" $opt "$w/r1.npy" "$w/r2.npy" "$w/nan-74.npy"
    # shellcheck disable=SC2086
    check "$canon-figure" 2 "^starc distance: $w/nan-0.npy: reward entry 0 (flat index) is not finite\$" -- \
        "$STARC" distance --mdp "$w/m.npz" $opt --gnuplot "$w/fig.gp" "$w/r1.npy" "$w/nan-0.npy"
    [ -e "$w/fig.gp" ] && fail "$canon-figure: wrote $w/fig.gp"
    # an archive member: FILE:MEMBER
    # shellcheck disable=SC2086
    check "$canon-npz" 2 "^starc distance: $w/nan-37.npz:bad: reward entry 37 (flat index) is not finite\$" -- \
        "$STARC" distance --mdp "$w/m.npz" $opt "$w/nan-37.npz"
    # huge finite rewards: the distance, exactly that of r2 (2^k r2 is r2 in the distance's eyes)
    # shellcheck disable=SC2086
    if check "$canon-ref" 0 "" -- "$STARC" distance --mdp "$w/m.npz" $opt "$w/r1.npy" "$w/r2.npy"; then
        ref=$(cat "$w/out")
        # shellcheck disable=SC2086
        check "$canon-huge" 0 "" -- "$STARC" distance --mdp "$w/m.npz" $opt "$w/r1.npy" "$w/huge.npy" &&
            { [ "$(cat "$w/out")" = "$ref" ] || fail "$canon-huge: $(cat "$w/out"), want $ref"; }
    fi
    # shellcheck disable=SC2086
    check "$canon-max3" 0 "" -- "$STARC" distance --mdp "$w/m.npz" $opt "$w/max3.npy" "$w/r1.npy" &&
        { [ -s "$w/err" ] && fail "$canon-max3: wrote to stderr"; }
done

# A bad reward is reported before the errors met after loading the rewards.
check one-reward 2 "^starc distance: $w/nan-37.npy: reward entry 37 (flat index) is not finite\$" -- \
    "$STARC" distance --mdp "$w/m.npz" "$w/nan-37.npy"
check bad-policy 2 "^starc distance: $w/nan-37.npy: reward entry 37 " -- \
    "$STARC" distance --mdp "$w/m.npz" --policy "$w/missing.npy" "$w/r1.npy" "$w/nan-37.npy"
check bad-coverage 2 "^starc distance: $w/nan-0.npy: reward entry 0 " -- \
    "$STARC" distance --mdp "$w/m.npz" --epic --coverage "$w/missing.npy" "$w/r1.npy" "$w/nan-0.npy"
# an (S,A) reward with a full one (starc_distance_pair_shaped)
"$PYTHON3" - "$w" <<'PY' || { echo "FAIL: making the (S,A) reward"; exit 99; }
import struct, sys
h = "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }"
h += " " * (63 - (10 + len(h)) % 64) + "\n"
with open(sys.argv[1] + "/sa.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<15d", *range(15)))
PY
check shaped-pair 2 "^starc distance: $w/inf-74.npy: reward entry 74 (flat index) is not finite\$" -- \
    "$STARC" distance --mdp "$w/m.npz" "$w/sa.npy" "$w/inf-74.npy"

rm -rf "$w"
[ "$fails" -eq 0 ] || exit 1
