#!/bin/sh
# `starc distance` and `starc generate gridworld`: the EPIC paper's matrix,
# golden values, undefined distances (nan / null / exit 1), option plumbing,
# usage errors (exit 2, one line naming the option or file), atomic outputs,
# gnuplot heatmaps, and independence of the BLAS thread count.
# Small .npy inputs are written byte by byte, so numpy is not needed.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-distance.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
CHECK_QUIET_FAILURE=1



# near FILE WANT TOL: the file holds one number within TOL of WANT
near() {
    awk -v want="$2" -v tol="$3" 'NR == 1 { d = $1 - want; if (d < 0) d = -d; ok = (NF == 1 && d <= tol) }
        END { exit !(ok && NR == 1) }' "$1"
}

# ---- tiny .npy writer (float64, C order) -------------------------------------
hexbytes() { # little-endian hex string -> bytes (one awk pass to octal escapes, one printf)
    # shellcheck disable=SC2059
    printf "$(printf %s "$1" | awk '{ for (i = 0; i < 256; i++) o[sprintf("%02x", i)] = sprintf("\\%03o", i)
        for (k = 1; k < length($0); k += 2) printf "%s", o[tolower(substr($0, k, 2))] }')"
}
rep() { # rep HEX N: HEX repeated N times
    r= i=0
    while [ $i -lt "$2" ]; do r=$r$1; i=$((i + 1)); done
    printf %s "$r"
}
mknpy() { # mknpy FILE SHAPE HEXDATA
    dict="{'descr': '<f8', 'fortran_order': False, 'shape': $2, }"
    len=$((${#dict} + 1))
    pad=$(((64 - (10 + len) % 64) % 64))
    hl=$((len + pad))
    {
        printf '\223NUMPY\001\000'
        printf "\\$(printf %03o $((hl % 256)))\\$(printf %03o $((hl / 256)))"
        printf '%s' "$dict"
        [ $pad -gt 0 ] && printf "%${pad}s" ""
        printf '\n'
        hexbytes "$3"
    } >"$1"
}
Z=0000000000000000 ONE=000000000000f03f M1=000000000000f0bf TWO=0000000000000040 M2=00000000000000c0
FIVE=0000000000001440 M5=00000000000014c0 HALF=000000000000e03f
FIFTH=9a9999999999c93f NINTH=1cc7711cc771bc3f COV405=4deeab30273a643f

# ---- the EPIC gridworld ----------------------------------------------------------
check gen-help 0 "" -- "$STARC" generate gridworld --help
grep -q "Sparse, Dense" "$w/out" || fail "generate gridworld --help lists the rewards"
check gen 0 "" -- "$STARC" generate gridworld -o "$w/gw"
for f in mdp.npz rewards.npz Sparse.npy Dense.npy Center.npy Penalty.npy Path.npy Cliff.npy; do
    [ -s "$w/gw/$f" ] || fail "generate gridworld did not write $f"
done
check gen-json 0 "" -- "$STARC" generate gridworld --mdp "$w/m2.npz" --rewards "$w/r2.npz" --format json
grep -q '"names":\["Sparse","Dense","Center","Penalty","Path","Cliff"\]' "$w/out" || { fail "gen json names"; cat "$w/out"; }
cmp -s "$w/m2.npz" "$w/gw/mdp.npz" || fail "the MDP file is not reproducible"
cmp -s "$w/r2.npz" "$w/gw/rewards.npz" || fail "the rewards file is not reproducible"
check gen-no-output 2 "give -o DIR" -- "$STARC" generate gridworld
check gen-bad-gamma 2 "option --gamma" -- "$STARC" generate gridworld -o "$w/x" --gamma 1.5
check gen-unknown-kind 2 "unknown kind 'bogus'" -- "$STARC" generate bogus
check gen-help-kinds 0 "" -- "$STARC" generate --help

M=$w/gw/mdp.npz
check epic-matrix 0 "" -- "$STARC" distance --epic --mdp "$M" "$w/gw/rewards.npz"
cp "$w/out" "$w/epic.tsv"
head -1 "$w/epic.tsv" | grep -q "^Sparse	Dense	Center	Penalty	Path	Cliff$" || fail "TSV header row"
# Gleave et al. (2021), Figure A.2(a)
cat >"$w/published" <<'EOF'
0      0      0.75   1      0.1602 0.3676
0      0      0.75   1      0.1602 0.3676
0.75   0.75   0      0.6614 0.7071 0.6692
1      1      0.6614 0      0.9871 0.93
0.1602 0.1602 0.7071 0.9871 0      0.2672
0.3676 0.3676 0.6692 0.93   0.2672 0
EOF
tail -n +2 "$w/epic.tsv" | awk -F'\t' 'NR == FNR { for (j = 1; j <= NF; j++) want[FNR, j] = $j; next }
    { for (j = 1; j <= 6; j++) { d = $j - want[FNR, j]; if (d < 0) d = -d; if (d > 1e-4 || NF != 6) bad++ } n++ }
    END { exit !(n == 6 && bad == 0) }' FS='[ \t]+' "$w/published" FS='\t' - ||
    { fail "EPIC matrix differs from the published one:"; cat "$w/epic.tsv"; }
check epic-matrix-json 0 "" -- "$STARC" distance --epic --format json --mdp "$M" "$w/gw/rewards.npz"
grep -q '^{"names":\["Sparse","Dense","Center","Penalty","Path","Cliff"\],"matrix":\[\[0.0,' "$w/out" ||
    { fail "json matrix layout"; cat "$w/out"; }
# the same rewards named one by one, and with FILE.npz:KEY
check epic-pair 0 "" -- "$STARC" distance --epic --mdp "$M" "$w/gw/Sparse.npy" "$w/gw/rewards.npz:Path"
near "$w/out" 0.1602 1e-4 || { fail "EPIC(Sparse, Path)"; cat "$w/out"; }
check epic-equivalent 0 "" -- "$STARC" distance --epic --mdp "$M" "$w/gw/Sparse.npy" "$w/gw/Dense.npy"
near "$w/out" 0 1e-12 || { fail "EPIC(Sparse, Dense) is not 0"; cat "$w/out"; }
check val-negation 0 "" -- "$STARC" distance --mdp "$M" "$w/gw/Sparse.npy" "$w/gw/Penalty.npy"
near "$w/out" 2 1e-12 || { fail "STARC-VAL(R, -R) is not 2"; cat "$w/out"; }
check pair-json 0 "" -- "$STARC" distance --format json --mdp "$M" "$w/gw/Sparse.npy" "$w/gw/Penalty.npy"
grep -q '^{"distance":[0-9.e+-]*}$' "$w/out" || { fail "pair json"; cat "$w/out"; }

# ---- small exact MDP (docs/theory.md, Reference values): golden values ------------------------------------------
check demo 0 "" -- "$STARC" demo -o "$w/demo"
SM=$w/demo/small-mdp.npz R=$w/demo/small-reward.npy
mknpy "$w/neg.npy" "(2, 2, 2)" "$Z$Z$ONE$M5$TWO$M1$M1$Z"      # -R
mknpy "$w/r2.npy" "(2, 2)" "$ONE$M2$FIVE$HALF"                 # an (S,A) reward
check small-val 0 "" -- "$STARC" distance --mdp "$SM" "$R" "$w/neg.npy"
near "$w/out" 2 1e-14 || { fail "small STARC-VAL(R,-R)"; cat "$w/out"; }
for c in none epic dard val val-potential minimal-potential minimal; do
    check "small-$c-negation" 0 "" -- "$STARC" distance --canon "$c" --norm l1 --metric l1 --mdp "$SM" "$R" "$w/neg.npy"
    near "$w/out" 2 1e-13 || { fail "$c: d(R,-R) with n = m = l1"; cat "$w/out"; }
done
# golden values of d(R, r2), r2 = [[1,-2],[5,0.5]]: checked against an independent numpy
# implementation of docs/theory.md (val, epic, none, minimal, EPIC, range/linf, wl2/wlinf)
while read -r gwant gargs; do
    # shellcheck disable=SC2086
    check "golden $gargs" 0 "" -- "$STARC" distance $gargs --mdp "$SM" "$R" "$w/r2.npy"
    near "$w/out" "$gwant" 1e-12 || { fail "golden $gargs: want $gwant"; cat "$w/out"; }
done <<'EOF'
1.7564441683088325 --canon=val
1.500723498437329 --canon=epic
1.4372024604240012 --canon=dard
1.6025547785276542 --canon=none
1.8199011048499525 --canon=minimal
1.5100913497107258 --canon=val-potential
1.5758583874882641 --canon=minimal-potential
0.75036174921866439 --epic
0.71919614562766498 --dard
0.10786470199845237 --norm=range --metric=linf
0.95712370698220894 --canon=minimal --norm=wl2 --metric=wlinf
EOF

# ---- option plumbing: explicit uniform distributions equal the defaults ------------
mknpy "$w/pi-unif.npy" "(9, 5)" "$(rep $FIFTH 45)"
mknpy "$w/ds-unif.npy" "(9,)" "$(rep $NINTH 9)"
mknpy "$w/da-unif.npy" "(5,)" "$(rep $FIFTH 5)"
mknpy "$w/cov-unif.npy" "(9, 5, 9)" "$(rep $COV405 405)"
mknpy "$w/pi-stay.npy" "(9, 5)" "$(rep "$ONE$Z$Z$Z$Z" 9)"
mknpy "$w/ds-corner.npy" "(2,)" "$ONE$Z"
mknpy "$w/bad-ds.npy" "(8,)" "$(rep $NINTH 8)"
G="$w/gw/Path.npy $w/gw/Cliff.npy"
"$STARC" distance --mdp "$M" $G >"$w/val" 2>&1 || fail "val Path Cliff"
check policy-uniform 0 "" -- "$STARC" distance --policy "$w/pi-unif.npy" --mdp "$M" $G
near "$w/out" "$(cat "$w/val")" 1e-12 || fail "--policy uniform differs from the default"
check policy-stay 0 "" -- "$STARC" distance --policy "$w/pi-stay.npy" --mdp "$M" $G
near "$w/out" "$(cat "$w/val")" 1e-6 && fail "--policy has no effect"
"$STARC" distance --epic --mdp "$M" $G >"$w/epic" 2>&1 || fail "epic Path Cliff"
check state-dist-uniform 0 "" -- "$STARC" distance --epic --state-dist "$w/ds-unif.npy" --mdp "$M" $G
near "$w/out" "$(cat "$w/epic")" 1e-12 || fail "--state-dist uniform differs from the default"
check action-dist-uniform 0 "" -- "$STARC" distance --epic --action-dist "$w/da-unif.npy" --mdp "$M" $G
near "$w/out" "$(cat "$w/epic")" 1e-12 || fail "--action-dist uniform differs from the default"
check coverage-uniform 0 "" -- "$STARC" distance --epic --coverage "$w/cov-unif.npy" --mdp "$M" $G
near "$w/out" "$(cat "$w/epic")" 1e-12 || fail "--coverage uniform differs from the default"
# on the gridworld EPIC does not depend on D_S (every reward there is r(s) + shaping): use R
"$STARC" distance --epic --mdp "$SM" "$R" "$w/r2.npy" >"$w/epic-small" 2>&1 || fail "epic small"
check state-dist-corner 0 "" -- "$STARC" distance --epic --state-dist "$w/ds-corner.npy" --mdp "$SM" "$R" "$w/r2.npy"
near "$w/out" "$(cat "$w/epic-small")" 1e-6 && fail "--state-dist has no effect"
check weighted 0 "" -- "$STARC" distance --canon minimal-potential --weighted --mdp "$M" $G
check trivial-tol 0 "" -- "$STARC" distance --trivial-tol 0.5 --mdp "$M" $G

# ---- undefined distances ------------------------------------------------------------
mknpy "$w/zero.npy" "(9,)" "$(rep $Z 9)"
check undefined-pair 1 "undefined" -- "$STARC" distance --epic --mdp "$M" "$w/gw/Sparse.npy" "$w/zero.npy"
grep -q "zero.*Sparse\|Sparse.*zero" "$w/err" || fail "undefined message names the rewards"
check undefined-pair-json 1 "undefined" -- "$STARC" distance --dard --format json --mdp "$M" "$w/zero.npy" "$w/gw/Sparse.npy"
check undefined-pair-file 1 "undefined" -- "$STARC" distance --epic -o "$w/never.tsv" --mdp "$M" "$w/gw/Sparse.npy" "$w/zero.npy"
[ -e "$w/never.tsv" ] && fail "a failed run left an output file"
check undefined-matrix 0 "" -- "$STARC" distance --epic --mdp "$M" "$w/gw/Sparse.npy" "$w/zero.npy" "$w/gw/Path.npy"
awk -F'\t' 'NR == 1 { ok = ($0 == "Sparse\tzero\tPath") } NR > 1 { for (j = 1; j <= 3; j++) if ((j == 2 || NR == 3) != ($j == "nan")) ok = 0 }
    END { exit !(ok && NR == 4) }' "$w/out" || { fail "nan pattern of the TSV matrix"; cat "$w/out"; }
check undefined-matrix-json 0 "" -- "$STARC" distance --epic --format json --mdp "$M" "$w/gw/Sparse.npy" "$w/zero.npy" "$w/gw/Path.npy"
grep -q '"matrix":\[\[0.0,null,[0-9.]*\],\[null,null,null\],\[[0-9.]*,null,0.0\]\]' "$w/out" ||
    { fail "null pattern of the json matrix"; cat "$w/out"; }
# STARC (not Pearson) distances to the zero reward are defined: d(R, trivial) = 1
check starc-zero 0 "" -- "$STARC" distance --mdp "$M" "$w/gw/Sparse.npy" "$w/zero.npy"
near "$w/out" 1 1e-14 || { fail "d(R, 0) is not 1"; cat "$w/out"; }

# ---- usage errors -----------------------------------------------------------------
check help 0 "" -- "$STARC" distance --help
grep -q -- "--coverage" "$w/out" || fail "help lists --coverage"
check no-mdp 2 "option --mdp is required" -- "$STARC" distance "$R" "$R"
check no-rewards 2 "no rewards" -- "$STARC" distance --mdp "$SM"
check one-reward 2 "at least two rewards" -- "$STARC" distance --mdp "$SM" "$R"
check bad-canon 2 "option --canon: 'bogus' is not one of" -- "$STARC" distance --canon bogus --mdp "$SM" "$R" "$R"
check bad-norm 2 "option --norm: 'l3'" -- "$STARC" distance --norm l3 --mdp "$SM" "$R" "$R"
check bad-metric 2 "option --metric: 'range'" -- "$STARC" distance --metric range --mdp "$SM" "$R" "$R"
check epic-and-dard 2 "exclude each other" -- "$STARC" distance --epic --dard --mdp "$SM" "$R" "$R"
check epic-and-canon 2 "do not combine it with --canon" -- "$STARC" distance --epic --canon val --mdp "$SM" "$R" "$R"
check policy-with-epic 2 "option --policy only applies" -- "$STARC" distance --epic --policy "$w/pi-unif.npy" --mdp "$M" $G
check coverage-with-l2 2 "option --coverage only applies" -- "$STARC" distance --coverage "$w/cov-unif.npy" --mdp "$M" $G
check weighted-with-val 2 "option --weighted only applies" -- "$STARC" distance --weighted --mdp "$M" $G
check bad-state-dist 2 "bad-ds.npy" -- "$STARC" distance --epic --state-dist "$w/bad-ds.npy" --mdp "$M" $G
check bad-tol 2 "option --trivial-tol" -- "$STARC" distance --trivial-tol -1 --mdp "$M" $G
check bad-format 2 "option --format" -- "$STARC" distance --format yaml --mdp "$M" $G
check missing-reward 2 "nonexistent.npy" -- "$STARC" distance --mdp "$M" "$w/gw/Path.npy" "$w/nonexistent.npy"
check wrong-shape 2 "shape" -- "$STARC" distance --mdp "$M" "$w/gw/Path.npy" "$R"
check missing-key 2 "Nope" -- "$STARC" distance --mdp "$M" "$w/gw/Path.npy" "$w/gw/rewards.npz:Nope"
check unknown-option 2 "unknown option '--bogus'" -- "$STARC" distance --bogus

# ---- outputs --------------------------------------------------------------------
check output-file 0 "" -- "$STARC" distance --epic -o "$w/m.tsv" --mdp "$M" "$w/gw/rewards.npz"
cmp -s "$w/m.tsv" "$w/epic.tsv" || fail "-o FILE differs from standard output"
ls "$w" | grep -q "tmp" && fail "temporary files left behind"
# BLAS threads: dgemm (dard) and dsyrk (matrices) must not change the digits we print
OPENBLAS_NUM_THREADS=1 "$STARC" distance --dard --mdp "$M" "$w/gw/rewards.npz" >"$w/t1" || fail "dard, 1 thread"
OPENBLAS_NUM_THREADS=2 "$STARC" distance --dard --mdp "$M" "$w/gw/rewards.npz" >"$w/t2" || fail "dard, 2 threads"
cmp -s "$w/t1" "$w/t2" || fail "the DARD matrix depends on the BLAS thread count"
OPENBLAS_NUM_THREADS=1 "$STARC" distance --canon minimal --mdp "$M" "$w/gw/rewards.npz" >"$w/t1" || fail "minimal, 1 thread"
OPENBLAS_NUM_THREADS=2 "$STARC" distance --canon minimal --mdp "$M" "$w/gw/rewards.npz" >"$w/t2" || fail "minimal, 2 threads"
cmp -s "$w/t1" "$w/t2" || fail "the minimal matrix depends on the BLAS thread count"

# our own threads: bitwise the same output
"$STARC" distance --threads 1 --epic --mdp "$M" "$w/gw/rewards.npz" >"$w/t1" || fail "epic, --threads 1"
"$STARC" distance --threads 3 --epic --mdp "$M" "$w/gw/rewards.npz" >"$w/t2" || fail "epic, --threads 3"
cmp -s "$w/t1" "$w/t2" || fail "the EPIC matrix depends on --threads"
check bad-threads 2 "option --threads" -- "$STARC" distance --threads 0 --mdp "$M" $G

# ---- gnuplot heatmaps ------------------------------------------------------------
check gnuplot-script 0 "" -- "$STARC" distance --epic --gnuplot "$w/h.gp" --mdp "$M" "$w/gw/rewards.npz"
cmp -s "$w/out" "$w/epic.tsv" || fail "--gnuplot changed the printed matrix"
grep -q '^\$DIST << EOD$' "$w/h.gp" || fail "script lacks its datablock"
grep -q "^# Generated by starc (libstarc) .*distance --epic --gnuplot" "$w/h.gp" || fail "script lacks provenance"
grep -q "'Cliff' 5" "$w/h.gp" || fail "script lacks reward names"
grep -q "noenhanced" "$w/h.gp" || fail "script labels are not noenhanced"
grep -q "outfile = '$w/h.svg'" "$w/h.gp" || fail "script's default output is not h.svg"
check png-no-gnuplot 1 "gnuplot" -- env GNUPLOT=/nonexistent/gnuplot "$STARC" distance --epic \
    --png "$w/nope.png" -o "$w/nope.tsv" --mdp "$M" "$w/gw/rewards.npz"
[ -e "$w/nope.png" ] || [ -e "$w/nope.tsv" ] && fail "--png without gnuplot left files"
if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then
    "$GNUPLOT" "$w/h.gp" 2>"$w/gp.err" || { fail "gnuplot cannot run the script"; cat "$w/gp.err"; }
    grep -q "<svg" "$w/h.svg" 2>/dev/null || fail "the script did not render an svg"
    "$GNUPLOT" -e "term='pngcairo'; outfile='$w/o.png'" "$w/h.gp" 2>"$w/gp.err" || fail "term/outfile override"
    head -c 4 "$w/o.png" | grep -q "PNG" || fail "override did not write a png"
    check png 0 "" -- env GNUPLOT="$GNUPLOT" "$STARC" distance --png "$w/h.png" --mdp "$M" "$w/gw/rewards.npz"
    head -c 4 "$w/h.png" | grep -q "PNG" || fail "--png did not write a png"
    ls "$w" | grep -q "tmp\|gpX" && fail "rendering left temporary files"
else
    echo "SKIP gnuplot rendering: gnuplot not found"
fi

# ---- numpy reads what generate wrote (optional) -------------------------------------
if [ -n "${PYTHON3:-}" ] && "$PYTHON3" -c "import numpy" 2>/dev/null; then
    "$PYTHON3" - "$w/gw" <<'EOF' || fail "numpy check of the gridworld files"
import sys, numpy as np
d = sys.argv[1]
m, r = np.load(d + "/mdp.npz"), np.load(d + "/rewards.npz")
assert m["T"].shape == (9, 5, 9) and np.allclose(m["T"].sum(-1), 1) and float(m["gamma"]) == 0.99
assert list(r.keys()) == ["Sparse", "Dense", "Center", "Penalty", "Path", "Cliff"]
rs = np.array([-1, -1, -1, -1, -1, -1, -1, -1, 3.0])
phi = np.array([-12, -9, -6, -9, -6, -3, -6, -3, 0.0])
want = rs[:, None, None] + 0.99 * phi[None, None, :] - phi[:, None, None] + np.zeros((9, 5, 9))
assert np.array_equal(r["Dense"], want)
assert np.array_equal(np.load(d + "/Cliff.npy"), r["Cliff"])
EOF
    echo "ok numpy reads the gridworld"
else
    echo "SKIP numpy check: python3-numpy not found"
fi

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
