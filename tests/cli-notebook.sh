#!/bin/sh
# `starc notebook`: exports of every result kind (synthetic fixtures made here,
# in the formats of DESIGN.md), a directory gathering several, provenance
# hashes against sha256sum, determinism, atomic outputs and usage errors.
# Then the notebooks are validated with nbformat and executed with
# `jupyter nbconvert --execute` (tests/notebook-check.py); without
# python3-nbformat / jupyter-nbconvert the test is skipped (77) once the
# checks that need neither have passed.
set -u
: "${STARC:?}" "${top_srcdir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
w=cli-notebook.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"



# starc notebook runs $GNUPLOT, or gnuplot from $PATH when that is empty
have_gnuplot=0
gp=${GNUPLOT:-$(command -v gnuplot || true)}
if [ -n "$gp" ] && [ -x "$gp" ]; then have_gnuplot=1; fi

# ---- fixtures --------------------------------------------------------------
F=$w/fix
mkdir -p "$F/dist" "$F/study" "$F/overopt" "$F/misc" "$F/demo/runs" "$F/empty"
TAB=$(printf '\t')

# distance matrices: TSV (with an undefined entry) and JSON (null)
printf 'Sparse\tDense\tCenter\tzero\n0\t0\t0.75\tnan\n0\t0\t0.75\tnan\n0.75\t0.75\t0\tnan\nnan\tnan\tnan\t0\n' >"$F/dist/epic.tsv"
cat >"$F/dist/epic.gp" <<'EOF'
# starc distance (test fixture): heat map
if (!exists("term")) term = "svg"
if (!exists("outfile")) outfile = "epic.svg"
set terminal term
set output outfile
$DATA << EOD
0 0 0
0 1 0.75
1 0 0.75
1 1 0
EOD
plot $DATA using 1:2:3 with image notitle
EOF
cat >"$F/misc/D.json" <<'EOF'
{"names": ["a", "b-2", "c|d"], "matrix": [[0, 0.5, 1.25], [0.5, 0, null], [1.25, null, 0]]}
EOF
printf '{"distance": 0.40000000000000002}\n' >"$F/misc/pair.json"
printf '0.25\n' >"$F/misc/pair.txt"
cat >"$F/misc/proxy.json" <<'EOF'
{"r": 0.98999999999999999, "sigma_true": 1.5, "sigma_proxy": 2.0, "base_true_return": 3.25, "base_proxy_return": 4.5, "reward_hacking": true, "proxy_optimal": {"true_return": 2.75, "proxy_return": 9.5, "true_delta_normalized": -0.05, "chi2": 4.0, "bound_a": -0.5, "bound_b": -0.75, "bound_tight": -0.25}}
EOF
cat >"$F/misc/reg.json" <<'EOF'
{"method": "om-chi2", "coef": 0.10000000000000001, "objective": 0.61, "proxy_return": 7.5, "true_return": 3.5, "ad_kl": 0.125, "om_kl": 0.25, "chi2": 0.5, "tv": 0.20000000000000001, "converged": true}
EOF
cat >"$F/misc/regret.json" <<'EOF'
{"regret": 0.375, "true_optimal_return": 10, "proxy_policy_return": 7, "true_worst_return": 2}
EOF
printf '{"hello": 1}\n' >"$F/misc/notes.json"

# a study: pairs.tsv, correlations.tsv and a figure script (not rendered)
awk 'BEGIN {
    OFS = "\t"
    print "mdp", "pair", "step", "regret", "val-l2-l2", "epic-l2-l2", "dard-l2-l2", "none-l2-l2", "minimal-potential-l1-l2"
    for (i = 0; i < 48; i++) {
        t = (i % 16 + 1) / 16
        r = t * t * 0.5 + (i % 5) * 0.01
        print int(i / 16), int(i / 8) % 2, i % 16 + 1, r, t * 0.9 + (i % 3) * 0.02, t * 0.8 + (i % 7) * 0.03, t * 0.7, (i % 4 == 0 ? "nan" : t * 0.5 + (i % 11) * 0.05), t
    }
}' >"$F/study/pairs.tsv"
printf 'canon\tnorm\tmetric\tpearson_r\tspearman_r\nval\tl2\tl2\t0.95\t0.94\nepic\tl2\tl2\t0.9\t0.89\ndard\tl2\tl2\t0.92\t0.9\nnone\tl2\tl2\tnan\tnan\nminimal-potential\tl1\tl2\t0.97\t0.96\n' >"$F/study/correlations.tsv"
cat >"$F/study/figure.gp" <<'EOF'
# starc experiment (libstarc test fixture): regret against distance
# command: starc experiment --mdps 3 -o study
if (!exists("term")) term = "svg"
if (!exists("outfile")) outfile = "figure.svg"
set terminal term
set output outfile
$DATA << EOD
0.1 0.01
0.5 0.2
0.9 0.45
EOD
set xlabel "distance (val-l2-l2)" noenhanced
set ylabel "regret"
plot $DATA using 1:2 with points title "val-l2-l2" noenhanced
EOF

# overoptimisation: curves, fits, summary, a script and a pre-rendered PNG
awk 'BEGIN {
    OFS = "\t"
    print "# starc overopt (test fixture): one row per point"
    print "method", "coef", "kl", "kl_normalized", "d", "chi2", "proxy_return", "true_return", "proxy_delta", "true_delta"
    split("ad-kl om-chi2", m, " ")
    for (k = 1; k <= 2; k++)
        for (i = 0; i < 8; i++) {
            d = i * 0.25; c = 2 ^ (3 - i)
            print m[k], c, d * d, d * d * 0.05, d, d * d * 1.5, 1 + d * k, 1 + d * (1 - 0.4 * d), d * k, d * (1 - 0.4 * d)
        }
}' >"$F/overopt/curves.tsv"
{   # as starc overopt writes them: both forms, fitted to both curves
    printf 'method\ttarget\tform\talpha\tbeta\tr2\tpeak_d\n'
    for m in ad-kl om-chi2; do
        printf '%s\ttrue\tbon\t1.2\t0.6\t0.95\t1\n%s\ttrue\trl\t1.0\t0.5\t0.98\t1.6487212707001282\n' "$m" "$m"
        printf '%s\tproxy\tbon\t1.0\t0.01\t0.99\t50\n%s\tproxy\trl\t1.0\t0.1\t0.99\t8103.0839275753842\n' "$m" "$m"
    done
} >"$F/overopt/fits.tsv"
cat >"$F/overopt/summary.json" <<'EOF'
{"methods": {"ad-kl": {"true_peak": 0.625, "true_peak_d": 1.25, "end": 0.35, "drop": 0.275, "drop_normalized": 0.1}, "om-chi2": {"true_peak": 0.625, "true_peak_d": 1.25, "end": 0.35, "drop": 0.275, "drop_normalized": 0.1}}, "hacking": true}
EOF
cat >"$F/overopt/overopt.gp" <<'EOF'
# starc overopt (libstarc test fixture)
if (!exists("term")) term = "svg"
if (!exists("outfile")) outfile = "overopt.svg"
set terminal term
set output outfile
$DATA << EOD
0 0
1 0.6
2 0.4
EOD
plot $DATA using 1:2 with lines title "true"
EOF
# a 1x1 PNG stands for the rendered figure: it must be embedded as it is
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' |
    base64 -d >"$F/overopt/overopt.png"

# a study whose figure is too large as SVG: rendered as PNG instead
mkdir -p "$F/bigfig"
printf 'canon\tnorm\tmetric\tpearson_r\nval\tl2\tl2\t0.5\n' >"$F/bigfig/correlations.tsv"
{
    printf 'if (!exists("term")) term = "svg"\nif (!exists("outfile")) outfile = "figure.svg"\n'
    printf 'set terminal term\nset output outfile\n$DATA << EOD\n'
    awk 'BEGIN { for (i = 0; i < 30000; i++) print i % 173, (i * 7919) % 1009 }'
    printf 'EOD\nplot $DATA using 1:2 with points notitle\n'
} >"$F/bigfig/figure.gp"

# a demo-like directory gathering several results, plus things that are none
cp -R "$F/study" "$F/demo/study"
cp -R "$F/overopt" "$F/demo/runs/overopt_adkl"
cp "$F/dist/epic.tsv" "$F/demo/distance.tsv"
cp "$F/misc/proxy.json" "$F/misc/notes.json" "$F/demo/"
cp -R "$F/misc" "$F/demo/extra"
printf 'not a result\n' >"$F/demo/mdp.npz"

# ---- exports ---------------------------------------------------------------
O=$w/nb
mkdir -p "$O"
check help 0 "" -- "$STARC" notebook --help
grep -q "^Usage: starc notebook RESULT" "$w/out" || fail "help text"

check distance-tsv 0 "" -- "$STARC" notebook "$F/dist/epic.tsv" -o "$O/epic.ipynb"
grep -q "^section${TAB}distance${TAB}epic${TAB}epic.tsv$" "$w/out" || { fail "distance-tsv report"; cat "$w/out"; }
check distance-json 0 "" -- "$STARC" notebook "$F/misc/D.json" -o "$O/D.ipynb"
check pair-json 0 "" -- "$STARC" notebook "$F/misc/pair.json" -o "$O/pair.ipynb"
check pair-txt 0 "" -- "$STARC" notebook "$F/misc/pair.txt" -o "$O/pairtxt.ipynb"
check proxy 0 "" -- "$STARC" notebook "$F/misc/proxy.json" -o "$O/proxy.ipynb"
grep -q "Reward hacking: yes" "$O/proxy.ipynb" || fail "proxy notebook states reward hacking"
check regularize 0 "" -- "$STARC" notebook "$F/misc/reg.json" -o "$O/reg.ipynb"
check regret 0 "" -- "$STARC" notebook "$F/misc/regret.json" -o "$O/regret.ipynb"
check study 0 "" -- "$STARC" notebook "$F/study" -o "$O/study.ipynb"
check study-by-file 0 "" -- "$STARC" notebook "$F/study/correlations.tsv" -o "$O/study2.ipynb"
grep -q "^section${TAB}study${TAB}study${TAB}study$" "$w/out" || { fail "a study file exports its directory"; cat "$w/out"; }
check overopt 0 "" -- "$STARC" notebook --format json "$F/overopt" -o "$O/overopt.ipynb"
grep -q '"kind": *"overopt"' "$w/out" || { fail "overopt json report"; cat "$w/out"; }
check misc 0 "" -- "$STARC" notebook "$F/misc" -o "$O/misc.ipynb"
grep -q "^skipped${TAB}misc/notes.json$" "$w/out" || { fail "misc: notes.json reported as skipped"; cat "$w/out"; }
check demo 0 "" -- "$STARC" notebook "$F/demo" -o "$O/demo.ipynb" --title "Demo results"
[ "$(grep -c "^section" "$w/out")" = 10 ] || { fail "demo: 10 sections"; cat "$w/out"; }
[ "$(grep -c "^skipped" "$w/out")" = 2 ] || { fail "demo: 2 skipped"; cat "$w/out"; }

# provenance: every input's SHA-256 (coreutils) is in the notebook and the manifest
for f in study/pairs.tsv study/correlations.tsv study/figure.gp distance.tsv proxy.json \
         runs/overopt_adkl/curves.tsv runs/overopt_adkl/overopt.png; do
    h=$(sha256sum "$F/demo/$f" | cut -d' ' -f1)
    n=$(wc -c <"$F/demo/$f" | tr -d ' ')
    esc=$(printf 'demo/%s' "$f" | sed 's/_/\\\\_/g') # markdown-escaped, then JSON-escaped
    grep -qF "| $esc | $n | \`$h\` |" "$O/demo.ipynb" || fail "provenance row with the SHA-256 of demo/$f"
    grep -q "^$h  " "$O/demo_data/MANIFEST.sha256" || fail "manifest lists $f"
done
(cd "$O/demo_data" && sha256sum -c --quiet MANIFEST.sha256) || fail "sha256sum -c of the demo manifest"
cmp -s "$F/demo/study/pairs.tsv" "$O/demo_data/study/pairs.tsv" || fail "pairs.tsv copied byte for byte"
grep -q '"id": "c00-[0-9a-f]*"' "$O/demo.ipynb" || fail "deterministic cell ids"

# determinism: the same export twice gives the same bytes (and replaces the data directory)
cp "$O/demo.ipynb" "$w/demo1.ipynb"
cp "$O/demo_data/MANIFEST.sha256" "$w/manifest1"
check demo-again 0 "" -- "$STARC" notebook "$F/demo" -o "$O/demo.ipynb" --title "Demo results"
cmp -s "$O/demo.ipynb" "$w/demo1.ipynb" || fail "second export differs"
cmp -s "$O/demo_data/MANIFEST.sha256" "$w/manifest1" || fail "second export's data differ"
ls -A "$O" | grep -q '^\.' && { fail "temporary files left in $O"; ls -A "$O"; }

# figures: gnuplot renders the scripts (the study's, the distance matrix's) unless told not to
check study-no-render 0 "" -- "$STARC" notebook --no-render "$F/study" -o "$O/study-nr.ipynb"
[ -e "$O/study-nr_data/study/figure.svg" ] && fail "--no-render rendered a figure"
check study-no-gnuplot 0 "gnuplot not found" -- env GNUPLOT=/nonexistent/gnuplot \
    "$STARC" notebook "$F/study" -o "$O/study-ng.ipynb"
[ -e "$O/study-ng_data/study/figure.svg" ] && fail "rendered without gnuplot"
if [ "$have_gnuplot" = 1 ]; then
    [ -s "$O/study_data/study/figure.svg" ] || fail "study figure rendered to svg"
    grep -q '"image/svg+xml": \[' "$O/study.ipynb" || fail "study notebook embeds the svg"
    [ -s "$O/epic_data/epic/epic.svg" ] || fail "distance figure rendered to svg"
    study_figs=1
else
    study_figs=0
fi

check big-figure 0 "" -- "$STARC" notebook "$F/bigfig" -o "$O/bigfig.ipynb"
if [ "$have_gnuplot" = 1 ]; then
    [ -s "$O/bigfig_data/bigfig/figure.png" ] && [ ! -e "$O/bigfig_data/bigfig/figure.svg" ] ||
        fail "a figure over 1 MiB as SVG is rendered as PNG"
    grep -q '"image/png": "iVBORw0KGgo' "$O/bigfig.ipynb" || fail "bigfig notebook embeds the PNG"
    big_figs=1
else
    big_figs=0
fi

# ---- errors: one line naming the file or option, status 2, nothing written --
E=$w/err-out
mkdir -p "$E"
check no-output 2 "option --output is required" -- "$STARC" notebook "$F/study"
check no-result 2 "missing RESULT" -- "$STARC" notebook -o "$E/x.ipynb"
check two-results 2 "unexpected argument" -- "$STARC" notebook "$F/study" "$F/overopt" -o "$E/x.ipynb"
check stdout-output 2 "option --output" -- "$STARC" notebook "$F/study" -o -
check bad-option 2 "unknown option '--bogus'" -- "$STARC" notebook --bogus
check bad-format 2 "option --format" -- "$STARC" notebook --format yaml "$F/study" -o "$E/x.ipynb"
check bad-rows 2 "option --table-rows" -- "$STARC" notebook --table-rows 0 "$F/study" -o "$E/x.ipynb"
check missing-result 2 "nonexistent" -- "$STARC" notebook "$F/nonexistent" -o "$E/x.ipynb"
check unknown-json 2 "notes.json: not a starc result" -- "$STARC" notebook "$F/misc/notes.json" -o "$E/x.ipynb"
printf 'a\tb\tc\n0\t1\t2\n1\t0\n' >"$F/ragged.tsv"
check ragged-matrix 2 "ragged.tsv: not a starc result (.*row 2 has 2 fields, expected 3)" -- "$STARC" notebook "$F/ragged.tsv" -o "$E/x.ipynb"
printf '{"names": ["a"], "matrix": [[0, 1]]}\n' >"$F/badmatrix.json"
check bad-matrix-json 2 "badmatrix.json: matrix row 0" -- "$STARC" notebook "$F/badmatrix.json" -o "$E/x.ipynb"
printf '{"distance": \n' >"$F/broken.json"
check broken-json 2 "broken.json: line" -- "$STARC" notebook "$F/broken.json" -o "$E/x.ipynb"
check empty-dir 2 "no starc result found" -- "$STARC" notebook "$F/empty" -o "$E/x.ipynb"
check no-out-dir 2 "no such directory" -- "$STARC" notebook "$F/study" -o "$E/nodir/x.ipynb"
check out-is-dir 2 "is a directory" -- "$STARC" notebook "$F/study" -o "$E"
mkdir -p "$E/mine_data" && : >"$E/mine_data/precious"
check foreign-data-dir 2 "mine_data: exists and was not written by starc notebook" -- \
    "$STARC" notebook "$F/study" -o "$E/mine.ipynb"
[ -e "$E/mine_data/precious" ] || fail "a foreign data directory was touched"
rm -rf "$E/mine_data"
[ -z "$(ls -A "$E")" ] || { fail "failed exports left files behind"; ls -A "$E"; }

# ---- nbformat validation and execution -------------------------------------
if ! "$PYTHON3" -c 'import nbformat' 2>/dev/null; then
    echo "SKIP: python3-nbformat not installed; exports not validated ($fails failed so far)"
    rm -rf "$w"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
C="$PYTHON3 $top_srcdir/tests/notebook-check.py"
nbcheck() { # nbcheck NAME args...
    name=$1
    shift
    if $C "$@" >"$w/check.log" 2>&1; then echo "ok $name"; else fail "$name:"; grep -v '^ok' "$w/check.log"; fi
}
nbcheck valid-distance-tsv exported "$O/epic.ipynb" "$F/dist" --kinds distance --figures "$study_figs" \
    --rendered "$study_figs"
nbcheck valid-distance-json exported "$O/D.ipynb" "$F/misc" --kinds distance --figures 0
nbcheck valid-pair-json exported "$O/pair.ipynb" "$F/misc" --kinds pair --figures 0
nbcheck valid-pair-txt exported "$O/pairtxt.ipynb" "$F/misc" --kinds pair --figures 0
nbcheck valid-proxy exported "$O/proxy.ipynb" "$F/misc" --kinds proxy
nbcheck valid-regularize exported "$O/reg.ipynb" "$F/misc" --kinds regularize
nbcheck valid-regret exported "$O/regret.ipynb" "$F/misc" --kinds regret
nbcheck valid-study exported "$O/study.ipynb" "$F" --kinds study --figures "$study_figs" --rendered "$study_figs"
nbcheck valid-study-no-render exported "$O/study-nr.ipynb" "$F" --kinds study --figures 0
nbcheck valid-bigfig exported "$O/bigfig.ipynb" "$F" --kinds study --figures "$big_figs" --rendered "$big_figs"
nbcheck valid-overopt exported "$O/overopt.ipynb" "$F" --kinds overopt --figures 1 --rendered 0
nbcheck valid-misc exported "$O/misc.ipynb" "$F" --kinds distance,pair,pair,proxy,regularize,regret
nbcheck valid-demo exported "$O/demo.ipynb" "$F" \
    --kinds distance,distance,pair,pair,proxy,regularize,regret,proxy,overopt,study \
    --figures $((1 + study_figs)) --rendered "$study_figs"

if ! "$PYTHON3" -c 'import nbconvert, ipykernel, matplotlib, numpy' 2>/dev/null; then
    echo "SKIP: jupyter-nbconvert / python3-ipykernel / matplotlib not installed; notebooks not executed ($fails failed so far)"
    rm -rf "$w"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
# Jupyter and matplotlib keep their state in the build directory.
JUPYTER_RUNTIME_DIR=$PWD/$w/jupyter-runtime MPLCONFIGDIR=$PWD/$w/mpl IPYTHONDIR=$PWD/$w/ipython
JUPYTER_CONFIG_DIR=$PWD/$w/jupyter-config PYDEVD_DISABLE_FILE_VALIDATION=1 MPLBACKEND=
export JUPYTER_RUNTIME_DIR MPLCONFIGDIR IPYTHONDIR JUPYTER_CONFIG_DIR PYDEVD_DISABLE_FILE_VALIDATION
unset MPLBACKEND
X=$w/executed
mkdir -p "$X"
run_nb() { # run_nb NAME NOTEBOOK expected-text...
    name=$1 nb=$2
    shift 2
    if "$PYTHON3" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 \
        --output-dir "$X" --output "$name.ipynb" "$nb" >"$w/nbconvert.log" 2>&1; then
        n=$# i=0
        set -- "$@" executed "$X/$name.ipynb"
        while [ "$i" -lt "$n" ]; do t=$1; shift; set -- "$@" --expect "$t"; i=$((i + 1)); done
        nbcheck "execute-$name" "$@"
    else
        fail "jupyter nbconvert --execute $nb:"; tail -n 30 "$w/nbconvert.log"
    fi
}
# one kernel for every kind: the demo directory holds them all
run_nb demo "$O/demo.ipynb" "rewards: Sparse, Dense, Center, zero" "48 points; 9 columns" \
    "methods: ad-kl, om-chi2 - 16 points" '"reward_hacking": true' "bound_tight: -0.25 <= true_delta_normalized -0.05: True" \
    "rewards: a, b-2, c|d" "distance: 0.4" "distance: 0.25" '"method": "om-chi2"' '"regret": 0.375'

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
