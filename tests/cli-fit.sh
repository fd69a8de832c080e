#!/bin/sh
# `starc fit`: fits of the curves a real `starc overopt` run writes agree with overopt's own fits
# (one fitting code path), the example logs of docs/examples, best-of-n from samples, outputs and
# their columns, reproducibility for a seed, and bad input: exit 2 with one line naming the file,
# line and column (or option), and no output directory.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-fit.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
ex=$top_srcdir/docs/examples

# ------------------------------------------------ the real producer: starc overopt
check gen-mdp 0 "" -- "$STARC" generate mdp --states 12 --actions 3 --seed 4 -o "$w/om.npz"
check gen-rw 0 "" -- "$STARC" generate reward --mdp "$w/om.npz" --seed 5 -o "$w/ot.npy"
check gen-px 0 "" -- "$STARC" generate proxy --mdp "$w/om.npz" --true "$w/ot.npy" --kind off-distribution --seed 6 -o "$w/op.npy"
check overopt 0 "" -- "$STARC" overopt --mdp "$w/om.npz" --true "$w/ot.npy" --proxy "$w/op.npy" --method ad-kl,om-chi2,bon -o "$w/oo"
check fit-curves 0 "" -- "$STARC" fit "$w/oo/curves.tsv" --group method --gold true_delta --proxy proxy_delta \
    --method rl --center none --bootstrap 0 -o "$w/fc"
# overopt's fits.tsv: method target(true|proxy) form alpha beta r2 peak_d peak_kl peak_value n;
# starc fit's: the same numbers, printed the same way, must be identical strings
col() { head -1 "$1" | tr '\t' '\n' | grep -n -x "$2" | cut -d: -f1; }
for q in alpha beta r2 peak_d peak_kl peak_value; do
    a=$(awk -F '\t' -v c="$(col "$w/oo/fits.tsv" $q)" 'NR > 1 { t = $2 == "true" ? "gold" : $2; print $1, t, $3, $c }' "$w/oo/fits.tsv" | sort)
    b=$(awk -F '\t' -v c="$(col "$w/fc/fits.tsv" $q)" 'NR > 1 && ($5 == "bon" || $5 == "rl") { print $1, $4, $5, $c }' "$w/fc/fits.tsv" | sort)
    [ -n "$a" ] && [ "$a" = "$b" ] || { fail "fit of curves.tsv: $q differs from overopt's"; echo "$a"; echo "$b"; }
done
[ "$(awk -F '\t' 'NR > 1' "$w/fc/fits.tsv" | wc -l)" = 24 ] || fail "fits.tsv: want 3 groups x 2 targets x 4 forms"

# ------------------------------------------------ the example logs (docs/examples)
check example 0 "" -- "$STARC" fit "$ex/rlhf-log.csv" --group rm --predict 1e10 --format json -o "$w/rl"
[ "$(wc -l <"$w/out")" = 1 ] || fail "json output is not one line"
for f in points.tsv fits.tsv extrapolation.tsv summary.json fit.gp extrapolation.gp scaling.tsv scaling.gp; do
    [ -s "$w/rl/$f" ] || fail "example: no $f"
done
for k in alpha beta alpha_se alpha_ci beta_ci peak_kl peak_kl_ci peak_value_ci r2 offset; do
    grep -q "\"$k\": " "$w/rl/summary.json" || fail "summary.json lacks $k"
done
# the generator's truth (make-fit-logs.py): alpha 0.6 for every size, beta = 0.795 - 0.025 log(size);
# the joint fit's 95% intervals contain it
"${PYTHON3:-python3}" - "$w/rl/summary.json" <<'PY' || fail "joint scaling intervals miss the generator's truth"
import json, math, sys
j = json.load(open(sys.argv[1]))["scaling"]["joint"]
truth = {"alpha": 0.6, "beta0": 0.45 + 0.025 * math.log(1e6), "beta1": -0.025}
for k, v in truth.items():
    lo, hi = j[k + "_ci"]
    print(k, j[k], [lo, hi], v)
    assert lo <= v <= hi, k
PY
# one proxy cell is empty: rm-12M's proxy fit has 24 points, its gold fit 25
awk -F '\t' '$1 == "rm-12M" && $5 == "rl" { n[$4] = $8 } END { exit !(n["gold"] == 25 && n["proxy"] == 24) }' \
    "$w/rl/fits.tsv" || fail "the missing proxy value was not skipped"
# groups ordered by size, one row per group x target x form
[ "$(awk -F '\t' 'NR > 1 && $4 == "gold" && $5 == "rl" { printf "%s ", $1 }' "$w/rl/fits.tsv")" = "rm-3M rm-12M rm-120M rm-1.2B " ] ||
    fail "groups are not ordered by size"
# same seed, same bytes; another seed, other intervals
check again 0 "" -- "$STARC" fit "$ex/rlhf-log.csv" --group rm --predict 1e10 -o "$w/rl2"
for f in points.tsv fits.tsv extrapolation.tsv scaling.tsv; do cmp -s "$w/rl/$f" "$w/rl2/$f" || fail "rerun changed $f"; done
check seed 0 "" -- "$STARC" fit "$ex/rlhf-log.csv" --group rm --seed 2 -o "$w/rl3"
cmp -s "$w/rl/fits.tsv" "$w/rl3/fits.tsv" && fail "another seed gave the same intervals"
# the same data as TSV, sorted the other way round, with comments: the same coefficients
awk -F ',' 'BEGIN { OFS = "\t" } /^#/ { next } { $1 = $1; print }' "$ex/rlhf-log.csv" >"$w/rev.tsv"
{ echo "# a comment"; head -1 "$w/rev.tsv"; echo; tail -n +2 "$w/rev.tsv" | sort -r; } >"$w/rev2.tsv"
check reversed 0 "" -- "$STARC" fit "$w/rev2.tsv" --group rm --bootstrap 0 -o "$w/rv"
a=$(awk -F '\t' '$4 == "gold" && $5 == "rl" { print $1, $10 }' "$w/rl/fits.tsv")
b=$(awk -F '\t' '$4 == "gold" && $5 == "rl" { print $1, $10 }' "$w/rv/fits.tsv")
echo "$a" | while read -r g x; do
    y=$(echo "$b" | awk -v g="$g" '$1 == g { print $2 }')
    close "$x" "$y" 1e-12 || { echo "FAIL $g alpha $x vs $y"; exit 1; }
done || fail "row order or format changed the coefficients"

# ------------------------------------------------ best-of-n from samples
check samples 0 "" -- "$STARC" fit --samples "$ex/bon-samples.tsv" -o "$w/bon"
# n = 1 is the mean gold score over prompts (64 samples each) and has KL 0; n = 2 has KL log 2 - 1/2
mean=$(awk -F '\t' '!/^#/ && $1 != "prompt" { s += $4; n++ } END { printf "%.17g", s / n }' "$ex/bon-samples.tsv")
set -- $(awk -F '\t' '$4 == 1 { print $5, $7 }' "$w/bon/points.tsv")
[ "$1" = 0 ] && close "$2" "$mean" 1e-12 || fail "best-of-1 is not the mean ($*, want 0 $mean)"
kl2=$(awk -F '\t' '$4 == 2 { print $5 }' "$w/bon/points.tsv")
awk -v k="$kl2" 'BEGIN { exit !(k <= log(2) - 0.5 + 1e-15 && k > 0.19) }' || fail "best-of-2 KL $kl2"
[ "$(awk -F '\t' 'NR > 1' "$w/bon/points.tsv" | wc -l)" = 64 ] || fail "samples: want n = 1..64"
check samples-max 0 "" -- "$STARC" fit --samples "$ex/bon-samples.tsv" --bon-max 16 -o "$w/bon16"
[ "$(awk -F '\t' 'NR > 1' "$w/bon16/points.tsv" | wc -l)" = 16 ] || fail "--bon-max 16: want 16 points"

# ------------------------------------------------ the reader (tools/fit-log.c; fuzzed by tests/fuzz/fuzz-fitlog.c)
# quoted CSV fields, blanks around fields and at line ends, CRLF: read as the plain file
printf 'kl,gold\n0,0\n1,1.5\n4,2\n9,1.5\n' >"$w/plain.csv"
printf ' "kl" , "gold"  \r\n"0","0" \r\n 1 ,"1.5"\t\r\n"4" ,2\r\n9,  "1.5"  \r\n' >"$w/quoted.csv"
check plain 0 "" -- "$STARC" fit "$w/plain.csv" --bootstrap 0 -o "$w/plain"
check quoted 0 "" -- "$STARC" fit "$w/quoted.csv" --bootstrap 0 -o "$w/quoted"
[ "$(cut -f 2- "$w/plain/fits.tsv")" = "$(cut -f 2- "$w/quoted/fits.tsv")" ] ||
    fail "quoted.csv: fits differ from plain.csv's (the group, a file's stem, aside)"
# a wide header above blank lines: memory by the rows the file can hold, not lines x columns (a 0.9 MB
# file asked for 80 GB and ended "out of memory", exit 1); a bad file, exit 2 naming it
awk 'BEGIN { printf "kl,gold"; for (j = 0; j < 100000; j++) printf ",c%d", j; printf "\n";
             for (i = 0; i < 100000; i++) printf "\n" }' >"$w/wide.csv"
check wide-header 2 "wide.csv: no data rows after the header" -- "$STARC" fit "$w/wide.csv" -o "$w/e"

# ------------------------------------------------ bad input: exit 2, one line, no outputs
E=$w/e
: >"$w/empty.tsv"
printf 'kl\tgold\n' >"$w/header.tsv"
printf 'kl\tgold\n0\t1\n' >"$w/one.tsv"
printf 'kl\tgold\n0\tnan\n1\t\n2\tNA\n' >"$w/allnan.tsv"
printf 'kl\tgold\n0\t1\n1\t2\n-0.5\t3\n4\t1\n' >"$w/negkl.tsv"
printf 'kl\tgold\n0\t1\n1\tabc\n' >"$w/word.tsv"
printf 'kl\tgold\n0\t1\n1\t2\t3\n' >"$w/fields.tsv"
printf 'kl,gold,group,size\n0,1,a,5\n1,2,a,6\n' >"$w/size.csv"
printf 'KL\tgold\n0\t1\n1\t2\n2\t2.5\n' >"$w/colname.tsv"
printf 'kl\tgold\tmethod\n0\t1\trl\n1\t2\tbon\n' >"$w/method.tsv"
check empty 2 "empty.tsv: empty file" -- "$STARC" fit "$w/empty.tsv" -o "$E"
check header-only 2 "header.tsv: no data rows" -- "$STARC" fit "$w/header.tsv" -o "$E"
check one-point 2 "group 'one': 1 point with finite KL and gold score" -- "$STARC" fit "$w/one.tsv" -o "$E"
check all-nan 2 "allnan.tsv: column 'gold' has no values" -- "$STARC" fit "$w/allnan.tsv" -o "$E"
check negative-kl 2 "negkl.tsv:4: column 'kl': KL -0.5 is negative" -- "$STARC" fit "$w/negkl.tsv" -o "$E"
check wrong-column 2 "colname.tsv: no column 'kl' (option --kl); the columns are: KL, gold" -- "$STARC" fit "$w/colname.tsv" -o "$E"
check not-number 2 "word.tsv:3: column 'gold': 'abc' is not a number" -- "$STARC" fit "$w/word.tsv" -o "$E"
check fields 2 "fields.tsv:3: 3 fields, but the header has 2" -- "$STARC" fit "$w/fields.tsv" -o "$E"
check method-change 2 "method.tsv:3: column 'method': group 'method' is bon here and rl before" -- "$STARC" fit "$w/method.tsv" -o "$E"
check size-change 2 "size.csv:3: column 'size': group 'a' has size 6 here and 5 before" -- "$STARC" fit "$w/size.csv" -o "$E"
check no-file 2 "nonexistent.tsv: cannot open" -- "$STARC" fit "$w/nonexistent.tsv" -o "$E"
check gold-column 2 "no column 'score' (option --gold)" -- "$STARC" fit "$ex/rlhf-log.csv" --gold score -o "$E"
check bad-method 2 "option --method: 'ppo' is not one of bon, rl" -- "$STARC" fit "$ex/rlhf-log.csv" --method ppo -o "$E"
check bad-center 2 "option --center" -- "$STARC" fit "$ex/rlhf-log.csv" --center mean -o "$E"
check bad-level 2 "option --level" -- "$STARC" fit "$ex/rlhf-log.csv" --level 1.5 -o "$E"
check no-out 2 "option -o/--output DIR is required" -- "$STARC" fit "$ex/rlhf-log.csv"
check no-input 2 "no input FILE" -- "$STARC" fit -o "$E"
check predict-nosize 2 "option --predict: no scaling fit" -- "$STARC" fit "$w/oo/curves.tsv" --gold true_delta --group method --method rl --predict 5 -o "$E"
check samples-bonmax 2 "option --bon-max: 99 is more than the 64 samples" -- "$STARC" fit --samples "$ex/bon-samples.tsv" --bon-max 99 -o "$E"
[ -e "$E" ] && fail "a failed run created $E"

# ------------------------------------------------ the figures
mkdir -p "$w/bin"
ln -s /usr/bin/* /bin/* "$w/bin/" 2>/dev/null
rm -f "$w/bin/gnuplot"
check no-gnuplot 1 "gnuplot" -- env -u GNUPLOT PATH="$PWD/$w/bin" "$STARC" fit "$ex/rlhf-log.csv" --group rm --svg -o "$E"
[ -e "$E" ] && fail "a run without gnuplot created $E"
gp=${GNUPLOT:-}
[ -n "$gp" ] || gp=$(command -v gnuplot 2>/dev/null || true)
if [ -n "$gp" ]; then
    for d in rl bon fc; do
        for s in fit extrapolation scaling; do
            [ -e "$w/$d/$s.gp" ] || continue
            (cd "$w/$d" && "$gp" "$s.gp") >"$w/gp.out" 2>"$w/gp.err" || fail "gnuplot $d/$s.gp failed"
            [ -s "$w/gp.err" ] && { fail "gnuplot $d/$s.gp printed warnings:"; cat "$w/gp.err"; }
            grep -q "<svg" "$w/$d/$s.svg" || fail "$d/$s.gp did not write an svg"
        done
    done
    check render 0 "" -- "$STARC" fit "$ex/rlhf-log.csv" --group rm --bootstrap 100 --png -o "$w/g"
    for s in fit extrapolation scaling; do
        [ "$(od -An -tx1 -N4 "$w/g/$s.png" | tr -d ' ')" = 89504e47 ] || fail "$s.png is not a PNG"
    done
    ls "$w/g" | grep -q tmp && fail "rendering left a temporary file"
    rm -rf "$w"
    echo "$fails failed"
    [ "$fails" = 0 ]
    exit
fi
rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ] || exit 1
echo "SKIP: gnuplot not installed, figures not rendered"
exit 77
