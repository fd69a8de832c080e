#!/bin/sh
# Runs every ```sh block of docs/tutorial.md, in order, in one shell, in an
# empty directory, with `starc` and a numpy-capable `python3` first on PATH.
set -u
: "${STARC:?}" "${top_srcdir:?}"
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import numpy' >/dev/null 2>&1; then
    echo "SKIP: no python3 with numpy"; exit 77
fi
w=$(pwd)/tutorial.tmp
rm -rf "$w" && mkdir -p "$w/bin"
ln -s "$STARC" "$w/bin/starc"
ln -s "$PYTHON3" "$w/bin/python3"
awk '/^```sh$/ {inb=1; n++; print "echo \"== tutorial block " n "\""; next}
     /^```/ {inb=0; next}
     inb {print}' "$top_srcdir/docs/tutorial.md" > "$w/script.sh"
blocks=$(grep -c '^```sh$' "$top_srcdir/docs/tutorial.md")
[ "$blocks" -gt 5 ] || { echo "FAIL: only $blocks sh blocks found"; exit 1; }
cd "$w"
PATH="$w/bin:$PATH" sh -e script.sh > out.txt 2> err.txt
rc=$?
cat out.txt err.txt
if [ "$rc" != 0 ]; then echo "FAIL: a tutorial command failed (exit $rc)"; exit 1; fi
# what the page promises
fails=0
first=$(sed -n '/^== tutorial block 2$/,$p' out.txt | sed -n 2p)
awk -v x="$first" 'BEGIN { exit !(x + 0 < 1e-9 && x + 0 > -1e-9) }' ||
    { echo "FAIL: distance of a reward to its shaped copy is $first, not 0"; fails=$((fails + 1)); }
grep -q '^regret	0$' out.txt || { echo "FAIL: regret of a shaped copy is not 0"; fails=$((fails + 1)); }
grep -q 'REWARD HACKING\|reward_hacking.*true\|hacking: yes\|reward hacking' out.txt ||
    { echo "FAIL: the tomato proxy does not hack"; fails=$((fails + 1)); }
"$PYTHON3" - <<'PY' || fails=$((fails + 1))
import json, numpy as np
o = json.load(open("orpo.json"))
assert o["method"] == "om-sqrt-chi2" and o["converged"], o
print("orpo true_return", o["true_return"])
m = np.genfromtxt("epic.tsv", names=True, delimiter="\t")
print("EPIC Sparse-Path", m["Path"][0])
assert abs(m["Path"][0] - 0.1602) < 1e-4
PY
cd .. && rm -rf "$w"
echo "$((1 - (fails > 0))) passed, $((fails > 0)) failed"
[ "$fails" = 0 ]
