#!/bin/sh
# CLI conventions and `starc regret`: exit codes, one-line diagnostics naming the
# file or option, json keys, --version.  Inputs come from `starc demo`.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-core.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"


check version 0 "" -- "$STARC" --version
grep -q "^starc (libstarc) [0-9]" "$w/out" || { echo "FAIL version text"; fails=$((fails + 1)); }
check help 0 "" -- "$STARC" --help
grep -q regret "$w/out" || { echo "FAIL help lists subcommands"; fails=$((fails + 1)); }
check no-args 2 "missing subcommand" -- "$STARC"
check unknown-subcommand 2 "'frobnicate' is not a subcommand" -- "$STARC" frobnicate
check regret-help 0 "" -- "$STARC" regret --help
check demo 0 "" -- "$STARC" demo -o "$w/demo"
M=$w/demo/small-mdp.npz R=$w/demo/small-reward.npy
# the demo's results: EPIC's published Sparse-Path distance, the tomato hack, the notebook
awk 'NR == 2 { exit !($5 > 0.16015 && $5 < 0.16025) }' "$w/demo/gridworld/epic.tsv" ||
    { echo "FAIL demo EPIC Sparse-Path"; fails=$((fails + 1)); }
grep -q '"reward_hacking":true' "$w/demo/tomato/proxy.json" || { echo "FAIL demo tomato hack"; fails=$((fails + 1)); }
for f in study/correlations.tsv overopt/curves.tsv notebook/starc-demo.ipynb; do
    [ -s "$w/demo/$f" ] || { echo "FAIL demo lacks $f"; fails=$((fails + 1)); }
done
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
