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

# `starc regret` keeps an (S,) or (S,A) reward in its shape (its expected reward from one pass
# over T): the same bytes as from the same reward expanded to (S,A,S), every pairing, both ways.
"$STARC" generate mdp --states 6 --actions 3 --seed 5 -o "$w/m6.npz" >/dev/null &&
    "$PYTHON3" - "$w" <<'PY' || { echo "FAIL: making the shaped rewards"; exit 99; }
import random, struct, sys
S, A, d = 6, 3, sys.argv[1]
def save(name, shape, vals):
    h = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }" % "".join("%d," % n for n in shape)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    with open("%s/%s.npy" % (d, name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<%dd" % len(vals), *vals))
rng = random.Random(11)
rs = [rng.gauss(0, 1) * 1e-3 for _ in range(S)]
rsa = [rng.gauss(0, 1) * 1e3 for _ in range(S * A)]
save("rs", (S,), rs)
save("rsa", (S, A), rsa)
save("rsF", (S, A, S), [rs[i // (A * S)] for i in range(S * A * S)])
save("rsaF", (S, A, S), [rsa[i // S] for i in range(S * A * S)])
PY
"$STARC" generate reward --mdp "$w/m6.npz" --seed 3 -o "$w/r6.npy" >/dev/null || { echo "FAIL: making r6"; exit 99; }
for t in rs rsa r6; do
    for p in rs rsa r6; do
        tf=$t pf=$p
        case $t in r6) ;; *) tf=${t}F ;; esac
        case $p in r6) ;; *) pf=${p}F ;; esac
        check "shaped-$t-$p" 0 "" -- "$STARC" regret --symmetric --format json --mdp "$w/m6.npz" --true "$w/$t.npy" --proxy "$w/$p.npy" &&
            cp "$w/out" "$w/shaped.out" &&
            check "expanded-$t-$p" 0 "" -- "$STARC" regret --symmetric --format json --mdp "$w/m6.npz" --true "$w/$tf.npy" --proxy "$w/$pf.npy" &&
            { cmp -s "$w/out" "$w/shaped.out" || fail "regret $t $p: shaped and expanded rewards give different bytes"; }
    done
done
check shaped-bad-shape 2 "option --proxy: .*rs.npy.*shape" -- "$STARC" regret --mdp "$w/m.npz" --true "$w/r.npy" --proxy "$w/rs.npy"
# `starc distance` of two rewards keeps them in their shape too (val and minimal form Rbar from
# the given values; the other canonical forms expand them): the bytes of the expanded files,
# every canonicalisation and pairing.
for c in val minimal epic dard val-potential minimal-potential none; do
    for t in rs rsa r6; do
        for p in rs rsa; do
            tf=$t pf=${p}F
            case $t in r6) ;; *) tf=${t}F ;; esac
            check "dist-shaped-$c-$t-$p" 0 "" -- "$STARC" distance --canon "$c" --mdp "$w/m6.npz" "$w/$t.npy" "$w/$p.npy" &&
                cp "$w/out" "$w/shaped.out" &&
                check "dist-expanded-$c-$t-$p" 0 "" -- "$STARC" distance --canon "$c" --mdp "$w/m6.npz" "$w/$tf.npy" "$w/$pf.npy" &&
                { cmp -s "$w/out" "$w/shaped.out" || fail "distance $c $t $p: shaped and expanded rewards give different bytes"; }
        done
    done
done

# A matrix (three or more rewards, an .npz of (S,) and (S,A) members, --shard) keeps them in their
# shape too, mixed with full ones: the bytes of the same rewards expanded (same names, in full/),
# every canonicalisation, 1 and 3 threads, both kernel sets; shards merged give the whole matrix.
mkdir -p "$w/full" "$w/sh" && cp "$w/rsF.npy" "$w/full/rs.npy" && cp "$w/rsaF.npy" "$w/full/rsa.npy" &&
    cp "$w/r6.npy" "$w/full/r6.npy" && "$PYTHON3" - "$w" <<'PY' || { echo "FAIL: making the shaped sets"; exit 99; }
import sys, zipfile
d = sys.argv[1]
for sub, a, b in (("", "rs", "rsa"), ("full/", "rsF", "rsaF")):
    with zipfile.ZipFile("%s/%sset.npz" % (d, sub), "w") as z:
        z.write("%s/%s.npy" % (d, a), "x.npy")
        z.write("%s/%s.npy" % (d, b), "y.npy")
PY
for c in val minimal epic dard val-potential minimal-potential none; do
    for nm in "l2 l2" "l1 l1" "none linf" "range pearson"; do
        set -- $nm
        for th in 1 3; do
            for k in default baseline; do
                what="mat-$c-$1-$2-$th-$k"
                check "$what" 0 "" -- env STARC_KERNELS=$k "$STARC" distance --canon "$c" --norm "$1" --metric "$2" --threads $th \
                    --mdp "$w/m6.npz" "$w/rs.npy" "$w/rsa.npy" "$w/r6.npy" "$w/set.npz" &&
                    cp "$w/out" "$w/shaped.out" &&
                    check "$what-expanded" 0 "" -- env STARC_KERNELS=$k "$STARC" distance --canon "$c" --norm "$1" --metric "$2" \
                        --threads $th --mdp "$w/m6.npz" "$w/full/rs.npy" "$w/full/rsa.npy" "$w/full/r6.npy" "$w/full/set.npz" &&
                    { cmp -s "$w/out" "$w/shaped.out" || fail "$what: shaped and expanded rewards give different bytes"; }
            done
        done
        rm -rf "$w/sh" "$w/merged"
        for q in 1 2 3; do
            check "shard-$c-$1-$2-$q" 0 "" -- "$STARC" distance --canon "$c" --norm "$1" --metric "$2" --shard $q/3 -o "$w/sh/$q" \
                --mdp "$w/m6.npz" "$w/rs.npy" "$w/rsa.npy" "$w/r6.npy" "$w/set.npz"
        done
        check "merge-$c-$1-$2" 0 "" -- "$STARC" merge -o "$w/merged" "$w/sh/1" "$w/sh/2" "$w/sh/3" &&
            "$STARC" distance --canon "$c" --norm "$1" --metric "$2" --mdp "$w/m6.npz" "$w/rs.npy" "$w/rsa.npy" \
                "$w/r6.npy" "$w/set.npz" >"$w/whole.tsv" &&
            { cmp -s "$w/merged/matrix.tsv" "$w/whole.tsv" || fail "shards $c $1 $2: merged matrix differs from the whole"; }
    done
done
# a non-finite entry of a shaped member of a matrix: the loaders' error, nothing written
"$PYTHON3" - "$w" <<'PY' || { echo "FAIL: making the bad reward"; exit 99; }
import struct, sys
d = sys.argv[1]
with open(d + "/rsa.npy", "rb") as f:
    b = bytearray(f.read())
o = 10 + struct.unpack("<H", bytes(b[8:10]))[0]
b[o + 8 * 4:o + 8 * 5] = struct.pack("<d", float("nan"))
with open(d + "/rsaN.npy", "wb") as f:
    f.write(bytes(b))
PY
for c in val epic; do
    check "mat-nonfinite-$c" 2 "rsaN.npy.*not finite" -- "$STARC" distance --canon "$c" --mdp "$w/m6.npz" -o "$w/none.tsv" \
        "$w/r6.npy" "$w/rs.npy" "$w/rsaN.npy"
    [ -e "$w/none.tsv" ] && fail "mat-nonfinite-$c: output written"
done

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
