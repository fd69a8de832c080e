#!/bin/sh
# CLI conventions and `starc regret`: exit codes, one-line diagnostics naming the
# file or option, json keys, --version; and what `starc demo` finds: EPIC's
# published gridworld matrix, a study, an overoptimisation sweep, the tomato's
# reward hacking and the notebook gathering them, each checked against its own
# files (the demo's results are the inputs of the regret checks).
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-core.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
TAB=$(printf '\t')


check version 0 "" -- "$STARC" --version
grep -q "^starc (libstarc) [0-9]" "$w/out" || { echo "FAIL version text"; fails=$((fails + 1)); }
check help 0 "" -- "$STARC" --help
grep -q regret "$w/out" || { echo "FAIL help lists subcommands"; fails=$((fails + 1)); }
check no-args 2 "missing subcommand" -- "$STARC"
check unknown-subcommand 2 "'frobnicate' is not a subcommand" -- "$STARC" frobnicate
check regret-help 0 "" -- "$STARC" regret --help
check demo 0 "" -- "$STARC" demo -o "$w/demo"
M=$w/demo/small-mdp.npz R=$w/demo/small-reward.npy
D=$w/demo
cp "$w/out" "$w/demo.stdout"

# jflat FILE: a JSON file as lines "a.b.c<TAB>value" (strings without their quotes),
# so the checks below need neither python nor jq
jflat() {
    awk '{ s = s $0 "\n" }
    function emit(v,   p, k) { p = ""; for (k = 1; k <= d; k++) p = p (k > 1 ? "." : "") key[k]; print p "\t" v }
    END {
        d = 0
        while (length(s)) {
            c = substr(s, 1, 1)
            if (c == "{" || c == "[") { d++; obj[d] = c == "{"; wantkey[d] = obj[d]; key[d] = 0; s = substr(s, 2) }
            else if (c == "}" || c == "]") { d--; s = substr(s, 2) }
            else if (c == ",") { if (obj[d]) wantkey[d] = 1; else key[d]++; s = substr(s, 2) }
            else if (match(s, /^"([^"\\]|\\.)*"/)) {
                v = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1)
                if (obj[d] && wantkey[d]) { key[d] = v; wantkey[d] = 0 } else emit(v)
            } else if (match(s, /^[-+0-9.eEa-z]+/)) { emit(substr(s, 1, RLENGTH)); s = substr(s, RLENGTH + 1) }
            else s = substr(s, 2) # white space and ":"
        }
    }' "$1"
}
# jget FLAT PATH: the value at PATH
jget() { awk -F '\t' -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
# same A B: the two numbers are the same double
same() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0 && a != "") }'; }

# ---- the gridworld: EPIC's published matrix (Gleave et al. 2021, Figure A.2(a)) to four decimals
names="Sparse${TAB}Dense${TAB}Center${TAB}Penalty${TAB}Path${TAB}Cliff"
for k in starc epic dard; do
    [ "$(head -n 1 "$D/gridworld/$k.tsv")" = "$names" ] || fail "gridworld $k.tsv: header is not $names"
done
cat >"$w/epic-published" <<'PUB'
0 0 0.75 1 0.1602 0.3676
0 0 0.75 1 0.1602 0.3676
0.75 0.75 0 0.6614 0.7071 0.6692
1 1 0.6614 0 0.9871 0.93
0.1602 0.1602 0.7071 0.9871 0 0.2672
0.3676 0.3676 0.6692 0.93 0.2672 0
PUB
awk -F '\t' 'NR == FNR { for (j = 1; j <= 6; j++) P[FNR, j] = $j; next; }
    FNR > 1 { n++; for (j = 1; j <= 6; j++) { d = $j - P[FNR - 1, j]; if (d < 0) d = -d
              if (!(d <= 0.5e-4)) { printf "FAIL EPIC[%d][%d] = %s, published %s\n", FNR - 1, j, $j, P[FNR - 1, j]; bad = 1 } } }
    END { exit bad || n != 6 }' FS=' ' "$w/epic-published" FS='\t' "$D/gridworld/epic.tsv" ||
    fail "demo EPIC matrix is not the paper's to four decimals"
# what the theory says of all three: symmetric, zero on the diagonal, 0 between Sparse and its
# shaped copy Dense, the largest distance (2 for STARC, 1 for the Pearson distances) between
# Sparse and Penalty = -Sparse; tolerances relative to that largest distance
for k in starc:2 epic:1 dard:1; do
    awk -F '\t' -v top="${k#*:}" 'NR > 1 { for (j = 1; j <= NF; j++) D[NR - 1, j] = $j; n = NR - 1 }
        END { t = 1e-12 * top
              for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) {
                  a = D[i, j] - D[j, i]; if (a < 0) a = -a
                  if (a > t || D[i, j] < -t || D[i, j] > top + t || (i == j && D[i, j] != 0)) bad = 1 }
              s = D[1, 4] - top; if (s < 0) s = -s
              exit bad || n != 6 || D[1, 2] > t || s > t }' "$D/gridworld/${k%:*}.tsv" ||
        fail "gridworld ${k%:*}.tsv: not a symmetric distance matrix in [0, ${k#*:}] with d(Sparse, Dense) = 0, d(Sparse, Penalty) = ${k#*:}"
done
sp=$(awk -F '\t' 'NR == 2 { printf "%.4f", $5 }' "$D/gridworld/epic.tsv")
grep -q "epic   d(Sparse, Dense) = 0.0000 .* d(Sparse, Path) = $sp " "$w/demo.stdout" ||
    fail "demo report's EPIC d(Sparse, Path) is not epic.tsv's $sp"

# ---- the study: structure and self-consistency (its numbers depend on the trivial-reward rule)
jflat "$D/study/summary.json" >"$w/study.flat"
[ "$(jget "$w/study.flat" kind)" = starc-experiment ] || fail "study summary.json kind"
nv=$(jget "$w/study.flat" variants) np=$(jget "$w/study.flat" points)
o=options
[ "$np" = $(($(jget "$w/study.flat" $o.mdps) * $(jget "$w/study.flat" $o.pairs) * $(jget "$w/study.flat" $o.steps))) ] ||
    fail "study: $np points is not mdps x pairs x steps"
[ "$nv" = $((7 * 8 * 6 + 2)) ] || fail "study: $nv variants, want 7 canons x 8 norms x 6 metrics + EPIC + DARD = 338"
[ "$(head -n 1 "$D/study/correlations.tsv")" = "canon${TAB}norm${TAB}metric${TAB}pearson_r${TAB}spearman_r" ] ||
    fail "correlations.tsv header"
[ "$(awk 'NR > 1' "$D/study/correlations.tsv" | wc -l | tr -d ' ')" = "$nv" ] || fail "correlations.tsv has not $nv rows"
# pairs.tsv: mdp pair step regret, then every variant of correlations.tsv, in its order, named canon:norm:metric
awk -F '\t' 'NR > 1 { print $1 ":" $2 ":" $3 }' "$D/study/correlations.tsv" >"$w/variants"
head -n 1 "$D/study/pairs.tsv" | tr '\t' '\n' >"$w/columns"
{ printf 'mdp\npair\nstep\nregret\n'; cat "$w/variants"; } | cmp -s - "$w/columns" ||
    fail "pairs.tsv columns are not mdp pair step regret and the variants of correlations.tsv as canon:norm:metric"
awk -F '\t' -v n="$nv" 'NR > 1 { rows++; if (NF != n + 4 || !($4 >= 0 && $4 <= 1)) bad = 1 }
    END { print rows; exit bad }' "$D/study/pairs.tsv" >"$w/rows" || fail "pairs.tsv: a row of the wrong width or a regret outside [0, 1]"
[ "$(cat "$w/rows")" = "$np" ] || fail "pairs.tsv has $(cat "$w/rows") points, summary.json $np"
# the headline variants: each in correlations.tsv with the Pearson r recomputed from pairs.tsv
# (finite points; relative agreement 1e-9), positive, and the same double in summary.json
for v in val:l2:l2 epic:l2:l2 dard:l2:l2 none:l2:l2; do
    r=$(awk -F '\t' -v v="$v" 'NR > 1 && $1 ":" $2 ":" $3 == v { print $4 }' "$D/study/correlations.tsv")
    [ -n "$r" ] || { fail "correlations.tsv lacks $v"; continue; }
    same "$r" "$(jget "$w/study.flat" "correlations.$v.pearson_r")" || fail "summary.json's r of $v is not correlations.tsv's $r"
    awk -F '\t' -v v="$v" -v r="$r" '
        NR == 1 { for (j = 1; j <= NF; j++) { if ($j == v) c = j; if ($j == "regret") g = j }; next }
        $c != "nan" && $c != "inf" && $c != "-inf" { n++; x[n] = $c; y[n] = $g; sx += $c; sy += $g }
        END { if (!c || n < 2) exit 1; mx = sx / n; my = sy / n
              for (i = 1; i <= n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ^ 2; syy += (y[i] - my) ^ 2 }
              q = sxy / sqrt(sxx * syy); e = q - r; if (e < 0) e = -e
              if (e > 1e-9) printf "FAIL %s: r from pairs.tsv %.17g, correlations.tsv %s\n", v, q, r
              exit !(e <= 1e-9 && r > 0 && r <= 1) }' "$D/study/pairs.tsv" ||
        fail "study: $v's Pearson r $r is not in (0, 1] or not pairs.tsv's"
done

# ---- the overoptimisation sweep: summary.json agrees with curves.tsv and fits.tsv
[ "$(head -n 1 "$D/overopt/curves.tsv")" = \
  "method${TAB}coef${TAB}kl${TAB}kl_normalized${TAB}d${TAB}chi2${TAB}proxy_return${TAB}true_return${TAB}proxy_delta${TAB}true_delta${TAB}bound" ] ||
    fail "curves.tsv header"
jflat "$D/overopt/summary.json" >"$w/overopt.flat"
range=$(jget "$w/overopt.flat" true_range)
methods=$(awk -F '\t' 'NR > 1 && !seen[$1]++ { print $1 }' "$D/overopt/curves.tsv")
[ "$(echo $methods)" = "ad-kl om-chi2 om-sqrt-chi2 bon" ] || fail "demo overopt methods: $(echo $methods)"
for m in $methods; do
    e=methods.$m
    # the first largest true_delta, its row (0-based within the method), the last row, the drop
    awk -F '\t' -v m="$m" '$1 == m { if (n == 0 || $10 > pk) { pk = $10; pi = n; pc = $2; pkl = $3; pd = $5 }
                                     end = $10; n++ }
        END { printf "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%.17g\n", pi, pk, pc, pkl, pd, end, n, pk - end }' \
        "$D/overopt/curves.tsv" >"$w/peak"
    IFS="$TAB" read -r pi pk pc pkl pd end n drop <"$w/peak"
    [ "$(jget "$w/overopt.flat" $e.peak.index)" = "$pi" ] && same "$(jget "$w/overopt.flat" $e.peak.true_delta)" "$pk" &&
        same "$(jget "$w/overopt.flat" $e.peak.coef)" "$pc" && same "$(jget "$w/overopt.flat" $e.peak.kl)" "$pkl" &&
        same "$(jget "$w/overopt.flat" $e.peak.d)" "$pd" || fail "overopt $m: summary's peak is not curves.tsv's row $pi"
    same "$(jget "$w/overopt.flat" $e.end.true_delta)" "$end" && [ "$(jget "$w/overopt.flat" $e.points)" = "$n" ] &&
        same "$(jget "$w/overopt.flat" $e.drop)" "$drop" || fail "overopt $m: summary's end, points or drop disagree with curves.tsv"
    awk -v d="$drop" -v r="$range" -v dn="$(jget "$w/overopt.flat" $e.drop_normalized)" \
        'BEGIN { exit !(d > 0 && d / r == dn + 0) }' || fail "overopt $m: the true curve does not fall after its peak ($drop)"
    grep -q "^   $m  *true peak $(printf '%+.4f' "$pk") at KL $(printf '%.4f' "$pkl"), end $(printf '%+.4f' "$end")" \
        "$w/demo.stdout" || fail "overopt $m: demo report disagrees with curves.tsv"
    for t in true proxy; do
        for f in bon rl; do
            a=$(awk -F '\t' -v m="$m" -v t="$t" -v f="$f" '$1 == m && $2 == t && $3 == f { print $4 }' "$D/overopt/fits.tsv")
            same "$a" "$(jget "$w/overopt.flat" $e.fits.$t.$f.alpha)" || fail "overopt $m: fits.tsv's $t $f alpha is not summary's"
        done
    done
done

# ---- the tomato: reward hacking under a near-perfectly correlated proxy, and ORPO avoiding it
jflat "$D/tomato/proxy.json" >"$w/proxy.flat"
jflat "$D/tomato/regularize-orpo.json" >"$w/orpo.flat"
base=$(jget "$w/proxy.flat" base_true_return)
[ "$(jget "$w/proxy.flat" reward_hacking)" = true ] || fail "demo tomato: no reward hacking"
awk -v b="$base" -v h="$(jget "$w/proxy.flat" proxy_optimal.true_return)" -v r="$(jget "$w/proxy.flat" r)" \
    -v o="$(jget "$w/orpo.flat" true_return)" 'BEGIN { exit !(h < b && r > 0.9 && o > b) }' ||
    fail "demo tomato: the proxy-optimal policy must lose true return (r > 0.9) and ORPO's optimum gain it"
for b in bound_a bound_b bound_tight; do # lower bounds on the proxy-optimal policy's normalised change
    awk -v x="$(jget "$w/proxy.flat" proxy_optimal.$b)" -v t="$(jget "$w/proxy.flat" proxy_optimal.true_delta_normalized)" \
        'BEGIN { exit !(x <= t) }' || fail "demo tomato: $b is not a lower bound"
done
[ "$(jget "$w/orpo.flat" method)" = om-sqrt-chi2 ] && [ "$(jget "$w/orpo.flat" converged)" = true ] &&
    same "$(jget "$w/orpo.flat" coef)" "$(jget "$w/proxy.flat" orpo_coef)" ||
    fail "demo tomato: regularize-orpo.json is not the converged om-sqrt-chi2 optimum at proxy.json's orpo_coef"

# ---- the notebook: every result's section, the regret-against-distance cell, embeddable SVG
NB=$D/notebook/starc-demo.ipynb
[ "$(grep -o '"kind": "[a-z]*"' "$NB" | cut -d'"' -f4 | tr '\n' ' ')" = \
  "distance distance distance overopt study proxy regularize " ] || fail "demo notebook: sections"
[ "$(grep -c '"# Heat map of the distance matrix' "$NB")" = 3 ] || fail "demo notebook: three heat maps"
grep -q '"variants = \[\\"val:l2:l2\\", \\"epic:l2:l2\\", \\"dard:l2:l2\\", \\"none:l2:l2\\"\]\\n"' "$NB" ||
    fail "demo notebook: no regret-against-distance cell for the headline variants"
grep -q 'Reward hacking: yes' "$NB" || fail "demo notebook: does not state the tomato's reward hacking"
grep -q '"<?xml\|DOCTYPE' "$NB" && fail "demo notebook: a stored SVG keeps its XML declaration"
if command -v gnuplot >/dev/null; then
    [ "$(grep -c '"image/svg+xml": \[' "$NB")" = 4 ] || fail "demo notebook: 4 SVG figures (3 heat maps, overopt)"
    [ "$(grep -c '"<svg ' "$NB")" = 4 ] || fail "demo notebook: the SVG figures start at <svg"
fi
(cd "$D/notebook/starc-demo_data" && sha256sum -c --quiet MANIFEST.sha256) || fail "demo notebook: manifest"
cmp -s "$D/study/pairs.tsv" "$D/notebook/starc-demo_data/study/pairs.tsv" || fail "demo notebook: pairs.tsv copy"
check regret-self 0 "" -- "$STARC" regret --mdp "$M" --true "$R" --proxy "$R"
grep -q "^regret	0$" "$w/out" || { echo "FAIL regret of R against itself is not 0"; cat "$w/out"; fails=$((fails + 1)); }
check regret-json 0 "" -- "$STARC" regret --format json --symmetric --mdp "$M" --true "$R" --proxy "$R"
for k in regret true_optimal_return proxy_policy_return true_worst_return; do
    grep -q "\"$k\":" "$w/out" || { echo "FAIL json lacks $k"; cat "$w/out"; fails=$((fails + 1)); }
done
check missing-mdp 2 "option --mdp is required" -- "$STARC" regret --true "$R" --proxy "$R"
check missing-file 2 "nonexistent.npz" -- "$STARC" regret --mdp "$w/nonexistent.npz" --true "$R" --proxy "$R"
check bad-format 2 "option --format: 'yaml' is not one of text, json" -- "$STARC" regret --format yaml --mdp "$M" --true "$R" --proxy "$R"
check bad-option 2 "unknown option '--bogus'" -- "$STARC" regret --bogus
check missing-value 2 "needs a value" -- "$STARC" regret --mdp
check reward-is-mdp 2 "" -- "$STARC" regret --mdp "$M" --true "$M" --proxy "$R"
check extra-arg 2 "unexpected argument 'x'" -- "$STARC" regret --mdp "$M" --true "$R" --proxy "$R" x
# an output directory that cannot be made: status 2, nothing left behind
: >"$w/afile"
check demo-bad-dir 2 "afile" -- "$STARC" demo -o "$w/afile/sub"

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
