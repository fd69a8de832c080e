#!/bin/sh
# `starc generate mdp|reward` and `starc experiment`: outputs, determinism across
# seeds and thread counts, correlations recomputed from pairs.tsv (numpy),
# figure scripts that gnuplot renders, exit codes and one-line diagnostics.
set -u
: "${STARC:?}" "${top_srcdir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
w=cli-study.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"



# ---- starc generate ---------------------------------------------------------
check gen-help 0 "" -- "$STARC" generate --help
grep -q "sparse-softmax" "$w/out" || fail "generate --help mentions the protocol"
check gen-mdp 0 "" -- "$STARC" generate mdp --seed 3 -o "$w/m.npz"
grep -q "^wrote $w/m.npz" "$w/out" || fail "generate mdp reports the file"
check gen-mdp-again 0 "" -- "$STARC" generate mdp --seed 3 -o "$w/m2.npz"
cmp -s "$w/m.npz" "$w/m2.npz" || fail "generate mdp: same seed, different bytes"
check gen-mdp-seed 0 "" -- "$STARC" generate mdp --seed 4 -o "$w/m4.npz"
cmp -s "$w/m.npz" "$w/m4.npz" && fail "generate mdp: seeds 3 and 4 gave the same MDP"
check gen-mdp-json 0 "" -- "$STARC" generate mdp --format json --states 5 --actions 2 --gamma 0.9 -o "$w/small.npz"
for k in '"kind":"mdp"' '"states":5' '"actions":2' '"threshold":1'; do
    grep -q "$k" "$w/out" || fail "generate mdp json lacks $k: $(cat "$w/out")"
done
check gen-dirichlet 0 "" -- "$STARC" generate mdp --dirichlet 0.5 --states 7 --actions 3 --seed 1 -o "$w/dir.npz"
check gen-reward 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --seed 1 -o "$w/r1.npy"
check gen-reward2 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --seed 2 -o "$w/r2.npy"
check gen-rewards 0 "" -- "$STARC" generate reward --states 6 --actions 2 --count 3 --format json -o "$w/rs.npz"
grep -q '"name":"r3"' "$w/out" || fail "generate reward --count 3 json lists r3"
check gen-plain 0 "" -- "$STARC" generate reward --states 4 --actions 2 --p-sparse 0 --p-scale 0 --p-shift 0 --p-shape 0 -o "$w/plain.npy"
check gen-interp 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --from "$w/r1.npy" --to "$w/r2.npy" --steps 4 -o "$w/path.npz"
grep -q "step0..step4" "$w/out" || fail "interpolation reports its members: $(cat "$w/out")"

check gen-no-kind 2 "missing KIND" -- "$STARC" generate
check gen-bad-kind 2 "'maze' is not a kind of generate" -- "$STARC" generate maze -o "$w/x.npz"
check gen-no-output 2 "option -o/--output is required" -- "$STARC" generate mdp
check gen-bad-suffix 2 "an MDP is written as .npz" -- "$STARC" generate mdp -o "$w/x.npy"
check gen-bad-gamma 2 "option --gamma" -- "$STARC" generate mdp --gamma 1 -o "$w/x.npz"
check gen-bad-states 2 "option --states: must be at least 1" -- "$STARC" generate mdp --states 0 -o "$w/x.npz"
check gen-bad-alpha 2 "option --dirichlet" -- "$STARC" generate mdp --dirichlet -1 -o "$w/x.npz"
check gen-bad-prob 2 "option --p-sparse" -- "$STARC" generate reward --p-sparse 1.5 -o "$w/x.npy"
check gen-steps-alone 2 "option --steps" -- "$STARC" generate reward --steps 4 -o "$w/x.npz"
check gen-from-alone 2 "needs both --from and --to" -- "$STARC" generate reward --mdp "$w/m.npz" --from "$w/r1.npy" -o "$w/x.npz"
check gen-interp-no-mdp 2 "needs --mdp" -- "$STARC" generate reward --from "$w/r1.npy" --to "$w/r2.npy" -o "$w/x.npz"
check gen-count-npy 2 "several rewards need a .npz" -- "$STARC" generate reward --count 2 -o "$w/x.npy"
check gen-missing-mdp 2 "nonexistent.npz" -- "$STARC" generate reward --mdp "$w/nonexistent.npz" -o "$w/x.npy"
check gen-reward-mismatch 2 "" -- "$STARC" generate reward --mdp "$w/small.npz" --from "$w/r1.npy" --to "$w/r2.npy" -o "$w/x.npz"
check gen-mdp-opts 2 "are for 'starc generate reward'" -- "$STARC" generate mdp --count 2 -o "$w/x.npz"
: >"$w/afile"
check gen-bad-dir 2 "afile" -- "$STARC" generate mdp -o "$w/afile/m.npz"
ls "$w"/x.* "$w"/afile.* 2>/dev/null && fail "a failed generate left files behind"

# ---- starc experiment -------------------------------------------------------
E="--mdps 3 --pairs 2 --steps 4 --states 6 --actions 3 --seed 5"
check exp-help 0 "" -- "$STARC" experiment --help
# shellcheck disable=SC2086
check exp 0 "" -- "$STARC" experiment $E --jobs 1 -o "$w/e1"
[ -s "$w/err" ] && fail "experiment wrote to stderr without a terminal or --progress: $(cat "$w/err")"
for f in pairs.tsv correlations.tsv summary.json figure.gp scatter.gp; do
    [ -s "$w/e1/$f" ] || fail "experiment did not write $f"
done
grep -q "^val:l2:l2 " "$w/out" || fail "experiment's report lists val:l2:l2"
[ "$(head -1 "$w/e1/correlations.tsv")" = "$(printf 'canon\tnorm\tmetric\tpearson_r\tspearman_r')" ] ||
    fail "correlations.tsv header: $(head -1 "$w/e1/correlations.tsv")"
[ "$(wc -l <"$w/e1/correlations.tsv")" -eq 339 ] || fail "correlations.tsv has $(wc -l <"$w/e1/correlations.tsv") lines, want 339"
grep -q "^epic	none	pearson	" "$w/e1/correlations.tsv" || fail "correlations.tsv lacks the EPIC original"
grep -q "^minimal	range	wlinf	" "$w/e1/correlations.tsv" || fail "correlations.tsv lacks minimal/range"
[ "$(wc -l <"$w/e1/pairs.tsv")" -eq 25 ] || fail "pairs.tsv has $(wc -l <"$w/e1/pairs.tsv") lines, want 25"
[ "$(head -1 "$w/e1/pairs.tsv" | awk -F'\t' '{print NF}')" -eq 342 ] || fail "pairs.tsv header has the wrong width"
awk -F'\t' 'NR > 1 && NF != 342 { bad = 1 } END { exit bad }' "$w/e1/pairs.tsv" || fail "pairs.tsv rows of the wrong width"
grep -q '"points": 24' "$w/e1/summary.json" || fail "summary.json points"
grep -q "^# Generated by starc (libstarc) .*starc experiment --mdps 3 --pairs 2 --steps 4 --states 6 --actions 3 --gamma 0.94999999999999996 --seed 5 --scatter " "$w/e1/figure.gp" ||
    fail "figure.gp's provenance is not the study's canonical command: $(sed -n 2p "$w/e1/figure.gp")"
grep -q '^\$N_l2 << EOD' "$w/e1/figure.gp" || fail "figure.gp is not self-contained"
grep -q noenhanced "$w/e1/figure.gp" || fail "figure.gp uses enhanced text for data labels"

# the same bytes whatever the thread count and -o (the figures record the canonical command)
# shellcheck disable=SC2086
check exp-jobs 0 "" -- "$STARC" experiment $E --jobs 3 --progress -o "$w/e2"
grep -q "points" "$w/err" || fail "--progress drew no progress bar"
for f in pairs.tsv correlations.tsv summary.json figure.gp scatter.gp; do
    cmp -s "$w/e1/$f" "$w/e2/$f" || fail "$f differs between --jobs 1 and --jobs 3"
done
# shellcheck disable=SC2086
check exp-seed 0 "" -- "$STARC" experiment $E --seed 6 --no-render --no-pairs -o "$w/e3"
cmp -s "$w/e1/correlations.tsv" "$w/e3/correlations.tsv" && fail "seeds 5 and 6 gave the same study"
[ -e "$w/e3/pairs.tsv" ] && fail "--no-pairs wrote pairs.tsv"
[ -e "$w/e3/figure.png" ] && fail "--no-render rendered"
# shellcheck disable=SC2086
check exp-json 0 "" -- "$STARC" experiment $E --no-render --no-pairs --format json -o "$w/e4"
for k in '"points":24' '"variants":338' '"val:l2:l2":{"pearson_r":' '"dir":'; do
    grep -q "$k" "$w/out" || fail "experiment json lacks $k: $(head -c 300 "$w/out")"
done
check exp-trivial 0 "" -- "$STARC" experiment $E --trivial-tol 1e-12 --no-render -o "$w/e5"
# summary.json records the tolerance each canonicalisation used: the given one, or the
# derived 32 S DBL_EPSILON / (1 - gamma)^p (starc/distance.h), here S = 6, gamma = 0.95
if "$PYTHON3" - "$w/e5/summary.json" "$w/e1/summary.json" <<'EOF'; then echo "ok summary-trivial-tol"; else fail "summary.json trivial_tol"; fi
import json, sys
given = json.load(open(sys.argv[1]))["options"]["trivial_tol"]
derived = json.load(open(sys.argv[2]))["options"]["trivial_tol"]
power = {"none": 1, "epic": 1, "dard": 1, "val": 1, "val-potential": 2, "minimal-potential": 2, "minimal": 2}
assert sorted(given) == sorted(power) and sorted(derived) == sorted(power), (given, derived)
for c, p in power.items():
    assert given[c] == 1e-12, (c, given[c])
    want = 32 * 6 * 2.0 ** -52 / (1 - 0.95) ** p
    assert abs(derived[c] - want) <= 1e-15 * want, (c, derived[c], want)
EOF

check exp-no-output 2 "option -o/--output is required" -- "$STARC" experiment --mdps 2
check exp-zero 2 "option --mdps: must be at least 1" -- "$STARC" experiment --mdps 0 -o "$w/x"
check exp-bad-gamma 2 "option --gamma" -- "$STARC" experiment --gamma 1.5 -o "$w/x"
check exp-bad-jobs 2 "option --jobs" -- "$STARC" experiment --jobs many -o "$w/x"
check exp-bad-tol 2 "option --trivial-tol" -- "$STARC" experiment --trivial-tol -1 -o "$w/x"
check exp-bad-scatter 2 "option --scatter: 'val:l2' is not canon:norm:metric" -- "$STARC" experiment --scatter val:l2 -o "$w/x"
check exp-bad-scatter2 2 "no variant val:l2:pearson" -- "$STARC" experiment --scatter val:l2:pearson -o "$w/x"
check exp-bad-format 2 "option --format" -- "$STARC" experiment --format yaml -o "$w/x"
check exp-extra 2 "unexpected argument 'x'" -- "$STARC" experiment -o "$w/x" x
check exp-bad-dir 2 "afile" -- "$STARC" experiment --mdps 2 --pairs 1 --steps 2 --states 3 -o "$w/afile/sub"
[ -e "$w/x" ] && fail "a rejected experiment created its output directory"

# ---- correlations recomputed from pairs.tsv ---------------------------------
if "$PYTHON3" -c "import numpy" 2>/dev/null; then
    if "$PYTHON3" - "$w" <<'EOF'; then echo "ok numpy-recompute"; else fail "numpy checks"; fi
import sys, numpy as np
w = sys.argv[1]
bad = []

def ranks(x):  # average ranks for ties
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return r

with open(w + "/e1/pairs.tsv") as f:
    head = f.readline().rstrip("\n").split("\t")
rows = np.genfromtxt(w + "/e1/pairs.tsv", delimiter="\t", skip_header=1)
reg = rows[:, 3]
if not (np.all(reg >= 0) and np.all(reg <= 1)):
    bad.append("regret outside [0, 1]")
corr = {}
for line in open(w + "/e1/correlations.tsv").read().splitlines()[1:]:
    c, n, m, p, s = line.split("\t")
    corr[c + ":" + n + ":" + m] = (float(p), float(s))
if set(corr) != set(head[4:]):
    bad.append("pairs.tsv columns and correlations.tsv rows name different variants")
checked = 0
for k, name in enumerate(head[4:]):
    x = rows[:, 4 + k]
    ok = np.isfinite(x)
    p, s = corr[name]
    if ok.sum() < 2 or np.std(x[ok]) == 0:
        if not (np.isnan(p) and np.isnan(s)):
            bad.append(name + ": correlation of a constant or undefined column is not nan")
        continue
    pr = np.corrcoef(x[ok], reg[ok])[0, 1]
    sr = np.corrcoef(ranks(x[ok]), ranks(reg[ok]))[0, 1]
    if abs(pr - p) > 1e-9 or abs(sr - s) > 1e-9:
        bad.append("%s: pearson %r vs %r, spearman %r vs %r" % (name, p, pr, s, sr))
    checked += 1
for name in ("val:l2:l2", "epic:l2:l2", "minimal:l2:l2"):
    x = rows[:, 4 + head[4:].index(name)]
    if not (np.all(x >= 0) and np.all(x <= 2 + 1e-12)):
        bad.append(name + " outside [0, 2]")
for name in ("epic:none:pearson", "dard:none:pearson"):
    x = rows[:, 4 + head[4:].index(name)]
    x = x[np.isfinite(x)]
    if not (np.all(x >= 0) and np.all(x <= 1)):
        bad.append(name + " outside [0, 1]")

# generated files
m = np.load(w + "/m.npz")
T, mu0 = m["T"], m["mu0"]
if T.shape != (32, 4, 32) or float(m["gamma"]) != 0.95:
    bad.append("generated MDP shape/gamma")
if np.abs(T.sum(axis=2) - 1).max() > 1e-12 or np.abs(mu0 - 1 / 32).max() > 1e-15:
    bad.append("generated MDP rows/mu0")
support = (T > 1e-6 * T.max(axis=2, keepdims=True)).sum(axis=2)
support[support == 32] = 0  # uniform rows: nothing exceeded the threshold
if not 3.5 < support.mean() < 6.5:
    bad.append("mean row support %g, expected about 32 * 0.1587 = 5.08" % support.mean())
d = np.load(w + "/dir.npz")["T"]
if d.shape != (7, 3, 7) or np.abs(d.sum(axis=2) - 1).max() > 1e-12:
    bad.append("Dirichlet MDP")
r1, r2 = np.load(w + "/r1.npy"), np.load(w + "/r2.npy")
path = np.load(w + "/path.npz")
if sorted(path.files) != ["step%d" % i for i in range(5)]:
    bad.append("interpolation members %s" % path.files)
elif not (np.array_equal(path["step0"], r1) and np.allclose(path["step4"], r2, rtol=0, atol=1e-12)
          and np.allclose(path["step2"], (r1 + r2) / 2, rtol=1e-15, atol=1e-14)):
    bad.append("interpolation values")
rs = np.load(w + "/rs.npz")
if sorted(rs.files) != ["r1", "r2", "r3"] or rs["r1"].shape != (6, 2, 6):
    bad.append("--count 3 members %s" % rs.files)
plain = np.load(w + "/plain.npy")
if plain.shape != (4, 2, 4) or np.count_nonzero(plain) != 32:
    bad.append("plain Gaussian reward")
print("recomputed %d correlations from pairs.tsv" % checked)
if checked < 300:
    bad.append("only %d correlations could be checked" % checked)
for b in bad:
    print("numpy check:", b)
sys.exit(1 if bad else 0)
EOF
else
    echo "SKIP numpy checks: $PYTHON3 has no numpy"
fi

# ---- the figures render -----------------------------------------------------
GP=${GNUPLOT:-$(command -v gnuplot 2>/dev/null)}
if [ -n "$GP" ] && [ -x "$GP" ]; then
    [ -s "$w/e1/figure.png" ] && [ -s "$w/e1/scatter.png" ] || fail "experiment did not render its figures with gnuplot on PATH"
    for f in figure scatter; do
        if "$GP" -e "term='svg'; outfile='$w/$f.svg'" "$w/e1/$f.gp" 2>"$w/gp.err" && grep -q "<svg" "$w/$f.svg"; then
            echo "ok render $f.gp as svg"
        else
            fail "gnuplot cannot render $f.gp: $(cat "$w/gp.err")"
        fi
    done
else
    echo "SKIP rendering checks: gnuplot not found"
fi

[ "$fails" = 0 ] && rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
