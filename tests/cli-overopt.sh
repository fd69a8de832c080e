#!/bin/sh
# `starc overopt` and `starc generate proxy`: outputs and their columns, golden values,
# reproducibility, exit codes with one-line diagnostics naming the option or file, no
# partial outputs, and the gnuplot figure rendering (skipped without gnuplot).
# Inputs: the 2-state MDP and reward written by `starc demo`.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-overopt.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"


check demo 0 "" -- "$STARC" demo -o "$w/demo"
M=$w/demo/small-mdp.npz R=$w/demo/small-reward.npy

# ---------------------------------------------------------------- generate proxy
check gen-help 0 "" -- "$STARC" generate proxy --help
grep -q "off-distribution" "$w/out" || fail "generate proxy --help lacks the kinds"
for k in noise heavy-tail off-distribution learned; do
    check "gen-$k" 0 "" -- "$STARC" generate proxy --mdp "$M" --true "$R" --kind "$k" --seed 3 -o "$w/p-$k.npy"
    [ -s "$w/p-$k.npy" ] || fail "gen-$k wrote nothing"
done
check gen-again 0 "" -- "$STARC" generate proxy --mdp "$M" --true "$R" --kind off-distribution --seed 3 -o "$w/p2.npy"
cmp -s "$w/p-off-distribution.npy" "$w/p2.npy" || fail "same seed gave different bytes"
check gen-seed 0 "" -- "$STARC" generate proxy --mdp "$M" --true "$R" --kind off-distribution --seed 4 -o "$w/p3.npy"
cmp -s "$w/p-off-distribution.npy" "$w/p3.npy" && fail "another seed gave the same proxy"
check gen-zero 0 "" -- "$STARC" generate proxy --format json --mdp "$M" --true "$R" --kind noise --scale 0 -o "$w/p0.npy"
for k in output kind seed shape r sigma_true sigma_proxy; do
    grep -q "\"$k\":" "$w/out" || { fail "generate json lacks $k"; cat "$w/out"; }
done
# scale 0: the proxy is the truth, so r = 1 and the sigmas agree (docs/theory.md (Reference values) reward, uniform base)
r=$(sed -n 's/.*"r": *\([^,]*\),.*/\1/p' "$w/out")
close "$r" 1 1e-12 || fail "scale 0 proxy has r = $r, want 1"
check gen-bad-kind 2 "option --kind: 'gauss' is not one of noise, heavy-tail, off-distribution, learned" -- \
    "$STARC" generate proxy --mdp "$M" --true "$R" --kind gauss -o "$w/x.npy"
check gen-no-kind 2 "option --kind is required" -- "$STARC" generate proxy --mdp "$M" --true "$R" -o "$w/x.npy"
check gen-no-out 2 "option -o/--output FILE is required" -- "$STARC" generate proxy --mdp "$M" --true "$R" --kind noise
check gen-bad-scale 2 "option --scale" -- "$STARC" generate proxy --mdp "$M" --true "$R" --kind noise --scale -1 -o "$w/x.npy"
check gen-bad-base 2 "option --base" -- "$STARC" generate proxy --mdp "$M" --true "$R" --base "$R" --kind noise -o "$w/x.npy"
check gen-unknown 2 "'frob' is not a kind" -- "$STARC" generate frob
[ -e "$w/x.npy" ] && fail "a failed generate left $w/x.npy"
P=$w/p-off-distribution.npy

# ---------------------------------------------------------------- overopt
check help 0 "" -- "$STARC" overopt --help
check run 0 "" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" -o "$w/o"
for f in curves.tsv fits.tsv summary.json overopt.gp; do [ -s "$w/o/$f" ] || fail "run did not write $f"; done
[ "$(head -1 "$w/o/curves.tsv")" = "$(printf 'method\tcoef\tkl\tkl_normalized\td\tchi2\tproxy_return\ttrue_return\tproxy_delta\ttrue_delta\tbound')" ] ||
    fail "curves.tsv header: $(head -1 "$w/o/curves.tsv")"
[ "$(head -1 "$w/o/fits.tsv")" = "$(printf 'method\ttarget\tform\talpha\tbeta\tr2\tpeak_d\tpeak_kl\tpeak_value\tn')" ] ||
    fail "fits.tsv header: $(head -1 "$w/o/fits.tsv")"
for m in ad-kl om-chi2 om-sqrt-chi2; do
    n=$(awk -v m="$m" '$1 == m' "$w/o/curves.tsv" | wc -l)
    [ "$n" = 41 ] || fail "$m has $n points, want 41"
done
nb=$(awk '$1 == "bon"' "$w/o/curves.tsv" | wc -l)
[ "$nb" -ge 20 ] && [ "$nb" -le 41 ] || fail "bon has $nb points"
[ "$(awk 'NR > 1' "$w/o/fits.tsv" | wc -l)" = 16 ] || fail "fits.tsv does not have 4 rows per method"
# golden: the base (uniform) return of the small exact MDP of docs/theory.md (Reference values), mu0 . V = (12.418848 + 11.424084)/2
base=$(sed -n 's/^ *"base_true_return": \([^,]*\),$/\1/p' "$w/o/summary.json")
close "$base" 11.921466 1e-6 || fail "base_true_return $base, want 11.921466"
# best-of-1 is the base policy: KL 0, no change
awk -F '\t' '$1 == "bon" && $2 == 1 { found = 1; if ($3 != 0 || $10 + 0 != 0) bad = 1 } END { exit !(found && !bad) }' \
    "$w/o/curves.tsv" || fail "bon n=1 row is not the base policy"
# best-of-n KL bound: kl_normalized <= log n - (n-1)/n
awk -F '\t' '$1 == "bon" && $4 > log($2) - ($2 - 1) / $2 + 1e-12 { bad = 1 } END { exit bad }' "$w/o/curves.tsv" ||
    fail "a bon row exceeds the KL bound"
# along ad-kl, KL and proxy return are non-decreasing as the coefficient falls
awk -F '\t' '$1 == "ad-kl" { if (n && ($2 >= c || $3 < k - 1e-9 || $7 < p - 1e-9)) bad = 1; c = $2; k = $3; p = $7; n++ }
    END { exit bad }' "$w/o/curves.tsv" || fail "ad-kl path is not monotone"
# the proxy ends at its optimum: the last ad-kl row is within 1e-3 of the gain (here the optimum is known)
popt=$(sed -n 's/^ *"proxy_optimal_proxy_return": \([^,]*\),$/\1/p' "$w/o/summary.json")
bpr=$(sed -n 's/^ *"base_proxy_return": \([^,]*\),$/\1/p' "$w/o/summary.json")
last=$(awk -F '\t' '$1 == "ad-kl" { p = $7 } END { print p }' "$w/o/curves.tsv")
awk -v l="$last" -v o="$popt" -v b="$bpr" 'BEGIN { exit !(l >= o - 1e-3 * (o - b) - 1e-12 && l <= o + 1e-9) }' ||
    fail "last ad-kl point $last is not within range-tol of the proxy optimum $popt"
for k in base_true_return methods drop drop_normalized non_monotone local_maxima peak_d r2 alpha beta; do
    grep -q "\"$k\": " "$w/o/summary.json" || fail "summary.json lacks $k"
done
# same inputs, same bytes
mkdir -p "$w/keep" && cp "$w/o/"* "$w/keep/"
check rerun 0 "" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" -o "$w/o"
for f in curves.tsv fits.tsv summary.json overopt.gp; do cmp -s "$w/o/$f" "$w/keep/$f" || fail "rerun changed $f"; done
# json on stdout is the summary
check json 0 "" -- "$STARC" overopt --format json --mdp "$M" --true "$R" --proxy "$P" --method bon,ad-kl --method bon -o "$w/j"
[ "$(wc -l <"$w/out")" = 1 ] || fail "json output is not one line"
grep -q '"methods": *{"bon": *{' "$w/out" || fail "json methods are not bon, ad-kl in order"
grep -q '"ad-kl": *{' "$w/out" || fail "json lacks ad-kl"
grep -q '"om-chi2"' "$w/out" && fail "json has a method that was not asked for"
[ "$(awk -F '\t' 'NR > 1 { print $1 }' "$w/j/curves.tsv" | sort -u | tr '\n' ' ')" = "ad-kl bon " ] || fail "curves has other methods"
# a user-given range: exactly the log grid
check range 0 "" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --method ad-kl --coef-min 0.1 --coef-max 10 --points 3 -o "$w/r"
set -- $(awk -F '\t' 'NR > 1 { print $2 }' "$w/r/curves.tsv")
[ $# = 3 ] && close "$1" 10 1e-12 && close "$2" 1 1e-12 && close "$3" 0.1 1e-12 || fail "grid is $*, want 10 1 0.1"
# text output: one row per method
check text 0 "" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --method om-sqrt-chi2 -o "$w/t"
grep -q "^om-sqrt-chi2	41	" "$w/out" || { fail "text output lacks the om-sqrt-chi2 row"; cat "$w/out"; }

# errors: one line naming the option or file, no outputs
check bad-method 2 "option --method: 'kl' is not one of" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --method ad-kl,kl -o "$w/e"
check bad-points 2 "option --points" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --points 1 -o "$w/e"
check bad-range 2 "option --coef-min" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --coef-min 5 --coef-max 1 -o "$w/e"
check neg-coef 2 "option --coef-max" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --coef-max -1 -o "$w/e"
check no-out 2 "option -o/--output DIR is required" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P"
check no-proxy 2 "option --proxy is required" -- "$STARC" overopt --mdp "$M" --true "$R" -o "$w/e"
check missing-file 2 "nonexistent.npy" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$w/nonexistent.npy" -o "$w/e"
check bad-base 2 "option --base" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --base "$R" -o "$w/e"
check bad-format 2 "option --format" -- "$STARC" overopt --format yaml --mdp "$M" --true "$R" --proxy "$P" -o "$w/e"
[ -e "$w/e" ] && fail "a failed run created $w/e"
: >"$w/afile"
check out-is-file 2 "afile" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --method bon -o "$w/afile/sub"
# a PATH with every usual command except gnuplot (the libtool wrapper needs some of them)
mkdir -p "$w/bin"
ln -s /usr/bin/* /bin/* "$w/bin/" 2>/dev/null
rm -f "$w/bin/gnuplot"
check no-gnuplot 1 "gnuplot not found" -- env -u GNUPLOT PATH="$PWD/$w/bin" "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --png -o "$w/e"
[ -e "$w/e" ] && fail "a run without gnuplot created $w/e"

# ---------------------------------------------------------------- the figure
gp=${GNUPLOT:-}
[ -n "$gp" ] || gp=$(command -v gnuplot 2>/dev/null || true)
if [ -n "$gp" ]; then
    (cd "$w/o" && "$gp" overopt.gp) >"$w/gp.out" 2>"$w/gp.err" || fail "gnuplot overopt.gp failed"
    [ -s "$w/gp.err" ] && { fail "gnuplot printed warnings:"; cat "$w/gp.err"; }
    grep -q "<svg" "$w/o/overopt.svg" || fail "default terminal did not write an svg"
    "$gp" -e "term='pngcairo'; outfile='$w/x.png'" "$w/o/overopt.gp" 2>"$w/gp.err" || fail "gnuplot pngcairo failed"
    [ -s "$w/gp.err" ] && { fail "gnuplot (pngcairo) printed warnings:"; cat "$w/gp.err"; }
    [ "$(od -An -tx1 -N4 "$w/x.png" | tr -d ' ')" = 89504e47 ] || fail "pngcairo output is not a PNG"
    check render 0 "" -- "$STARC" overopt --mdp "$M" --true "$R" --proxy "$P" --method bon,om-chi2 --png --svg -o "$w/g"
    [ -s "$w/g/overopt.png" ] && [ -s "$w/g/overopt.svg" ] || fail "--png --svg did not render"
    ls "$w/g" | grep -q tmp && fail "rendering left a temporary file"
    rm -rf "$w"
    echo "$fails failed"
    [ "$fails" = 0 ]
    exit
fi
rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ] || exit 1
echo "SKIP: gnuplot not installed, figure not rendered"
exit 77
