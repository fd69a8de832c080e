#!/bin/sh
# `starc notebook` on what the starc command really writes: a small study
# (starc experiment), an overoptimisation sweep (starc overopt, rendered to SVG
# and PNG), distance matrices and pairs (TSV, text and JSON), proxy,
# regularize and regret results (JSON), fits of the shipped example logs
# (starc fit: RLHF runs of four reward-model sizes, best-of-n samples), and the
# whole `starc demo` directory.
# Checks exit codes, one-line errors, provenance against sha256sum, the
# manifest, byte-identical re-export, atomic failure; then every notebook is
# validated with nbformat (tests/notebook-check.py), converted to HTML with
# `jupyter nbconvert --to html`, and executed with `jupyter nbconvert --execute`.
# Hand-written files are used only where an export must be refused or a file
# skipped.  Without python3-nbformat / jupyter-nbconvert the test is skipped
# (77) once the checks that need neither have passed.
set -u
: "${STARC:?}" "${top_srcdir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
w=cli-notebook.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

# starc notebook runs $GNUPLOT, or gnuplot from $PATH when that is empty;
# starc experiment and overopt render with gnuplot from $PATH
have_gnuplot=0
gp=${GNUPLOT:-$(command -v gnuplot || true)}
if [ -n "$gp" ] && [ -x "$gp" ] && command -v gnuplot >/dev/null; then have_gnuplot=1; fi
TAB=$(printf '\t')

# ---- results, made by the producers ------------------------------------------
P=$w/res
I=$w/in
mkdir -p "$P/dist" "$P/misc" "$I"
# produce NAME OUT -- command: run a producer (exit 0), its stdout into OUT ("" = keep none)
produce() {
    name=$1 out=$2
    shift 3
    if check "make-$name" 0 "" -- "$@" && [ -n "$out" ]; then cp "$w/out" "$out"; fi
}
produce mdp "" -- "$STARC" generate mdp --states 4 --actions 2 --seed 3 -o "$I/m.npz"
produce rewards "" -- "$STARC" generate reward --mdp "$I/m.npz" --count 3 --seed 5 -o "$I/r.npz"
# all entries drawn sparsified away: the zero reward, whose EPIC distance is undefined
produce zero "" -- "$STARC" generate reward --mdp "$I/m.npz" --p-sparse 1 --p-scale 0 --p-shift 0 --p-shape 0 \
    --seed 1 -o "$I/zero.npy"
produce proxy-reward "" -- "$STARC" generate proxy --mdp "$I/m.npz" --true "$I/r.npz:r1" --kind off-distribution \
    --seed 2 -o "$I/p.npy"
M="--mdp $I/m.npz"
produce distance-tsv "$P/dist/epic.tsv" -- "$STARC" distance $M --epic "$I/r.npz" "$I/zero.npy" --gnuplot "$P/dist/epic.gp"
grep -q "nan" "$P/dist/epic.tsv" || fail "the zero reward's EPIC distances are undefined"
produce distance-json "$P/misc/D.json" -- "$STARC" distance $M --epic "$I/r.npz" "$I/zero.npy" --format json
produce pair-json "$P/misc/pair.json" -- "$STARC" distance $M "$I/r.npz:r1" "$I/r.npz:r2" --format json
produce pair-txt "$P/misc/pair.txt" -- "$STARC" distance $M "$I/r.npz:r1" "$I/r.npz:r2"
produce proxy "$P/misc/proxy.json" -- "$STARC" proxy $M --true "$I/r.npz:r1" --proxy "$I/p.npy" --base uniform --format json
produce regularize "$P/misc/reg.json" -- "$STARC" regularize $M --true "$I/r.npz:r1" --proxy "$I/p.npy" --base uniform \
    --method om-chi2 --coef 0.1 --format json
produce regret "$P/misc/regret.json" -- "$STARC" regret $M --true "$I/r.npz:r1" --proxy "$I/p.npy" --format json
# a JSON file that is no result: skipped in a directory, refused alone
printf '{"hello": 1}\n' >"$P/misc/notes.json"

# a study, rendered by starc experiment when gnuplot is there; the same not rendered
STUDY="--mdps 3 --pairs 2 --steps 2 --states 4 --actions 2 --seed 1"
produce study "" -- "$STARC" experiment $STUDY -o "$P/study"
produce study-nr "" -- "$STARC" experiment $STUDY --no-render -o "$P/study-nr"
# a study whose scatter is too large as SVG (over 1 MiB): starc notebook renders it as PNG
produce bigfig "" -- "$STARC" experiment --mdps 100 --pairs 16 --steps 16 --states 2 --actions 2 --no-pairs \
    --no-render -o "$P/bigfig"
# an overoptimisation sweep, rendered as SVG and PNG by starc overopt
if [ "$have_gnuplot" = 1 ]; then render="--svg --png"; else render=""; fi
produce overopt "" -- "$STARC" overopt $M --true "$I/r.npz:r1" --proxy "$I/p.npy" --points 8 $render -o "$P/overopt"
# fits of logged runs (starc fit) on the shipped example logs, in a directory of results: RLHF runs
# of four reward-model sizes (rendered by starc fit when gnuplot is there; scaling) and best-of-n
# samples (not rendered)
if [ "$have_gnuplot" = 1 ]; then fitrender="--svg"; else fitrender=""; fi
produce fit-rl "" -- "$STARC" fit "$top_srcdir/docs/examples/rlhf-log.csv" --group rm --size size $fitrender \
    --bootstrap 200 -o "$P/fits/rl"
produce fit-bon "" -- "$STARC" fit "$top_srcdir/docs/examples/bon-samples.tsv" --samples --bootstrap 200 \
    -o "$P/fits/bon"
# everything at once
produce demo "" -- "$STARC" demo -o "$P/demo"

# what the study's files say, for the checks below
points=$(awk 'NR > 1' "$P/study/pairs.tsv" | wc -l | tr -d ' ')
columns=$(awk -F '\t' 'NR == 1 { print NF }' "$P/study/pairs.tsv")
[ "$points" = 12 ] && [ "$columns" -gt 4 ] || fail "study: $points points (want 3 x 2 x 2 = 12), $columns columns"
HEADLINE=val:l2:l2,epic:l2:l2,dard:l2:l2,none:l2:l2

# ---- exports ---------------------------------------------------------------
O=$w/nb
mkdir -p "$O"
check help 0 "" -- "$STARC" notebook --help
grep -q "^Usage: starc notebook RESULT" "$w/out" || fail "help text"

check distance-tsv 0 "" -- "$STARC" notebook "$P/dist/epic.tsv" -o "$O/epic.ipynb"
grep -q "^section${TAB}distance${TAB}epic${TAB}epic.tsv$" "$w/out" || { fail "distance-tsv report"; cat "$w/out"; }
check distance-json 0 "" -- "$STARC" notebook "$P/misc/D.json" -o "$O/D.ipynb"
check pair-json 0 "" -- "$STARC" notebook "$P/misc/pair.json" -o "$O/pair.ipynb"
check pair-txt 0 "" -- "$STARC" notebook "$P/misc/pair.txt" -o "$O/pairtxt.ipynb"
check proxy 0 "" -- "$STARC" notebook "$P/misc/proxy.json" -o "$O/proxy.ipynb"
check regularize 0 "" -- "$STARC" notebook "$P/misc/reg.json" -o "$O/reg.ipynb"
check regret 0 "" -- "$STARC" notebook "$P/misc/regret.json" -o "$O/regret.ipynb"
check study 0 "" -- "$STARC" notebook "$P/study" -o "$O/study.ipynb"
grep -q '"variants = \[\\"val:l2:l2\\", \\"epic:l2:l2\\", \\"dard:l2:l2\\", \\"none:l2:l2\\"\]\\n"' "$O/study.ipynb" ||
    fail "the study notebook draws regret against the headline variants of pairs.tsv"
for f in pairs.tsv correlations.tsv summary.json; do
    check "study-by-$f" 0 "" -- "$STARC" notebook "$P/study/$f" -o "$O/study-$f.ipynb"
    grep -q "^section${TAB}study${TAB}study${TAB}study$" "$w/out" || { fail "$f exports its study directory"; cat "$w/out"; }
done
check overopt 0 "" -- "$STARC" notebook --format json "$P/overopt" -o "$O/overopt.ipynb"
grep -q '"kind": *"overopt"' "$w/out" || { fail "overopt json report"; cat "$w/out"; }
check misc 0 "" -- "$STARC" notebook "$P/misc" -o "$O/misc.ipynb"
grep -q "^skipped${TAB}misc/notes.json$" "$w/out" || { fail "misc: notes.json reported as skipped"; cat "$w/out"; }
check fit-rl 0 "" -- "$STARC" notebook "$P/fits/rl" -o "$O/fit-rl.ipynb"
grep -q "^section${TAB}fit${TAB}rl${TAB}rl$" "$w/out" || { fail "fit-rl report"; cat "$w/out"; }
check fit-by-file 0 "" -- "$STARC" notebook "$P/fits/rl/fits.tsv" -o "$O/fit-file.ipynb"
grep -q "^section${TAB}fit${TAB}rl${TAB}rl$" "$w/out" || { fail "fits.tsv exports its fit directory"; cat "$w/out"; }
check fits 0 "" -- "$STARC" notebook "$P/fits" -o "$O/fits.ipynb"
grep -q "^section${TAB}fit${TAB}bon${TAB}fits/bon$" "$w/out" &&
    grep -q "^section${TAB}fit${TAB}rl${TAB}fits/rl$" "$w/out" ||
    { fail "fits: both fit directories of a directory of results"; cat "$w/out"; }
grep -q "^skipped" "$w/out" && { fail "fits: a file of starc fit skipped"; cat "$w/out"; }
# the group table shows fits.tsv's numbers (4 significant digits) with their intervals
a=$(awk -F '\t' 'NR == 1 { for (j = 1; j <= NF; j++) c[$j] = j; next }
    $c["group"] == "rm-3M" && $c["target"] == "gold" && $c["form"] == "rl" {
        printf "%.4g \\\\[%.4g, %.4g\\\\]", $c["alpha"], $c["alpha_lo"], $c["alpha_hi"] }' "$P/fits/rl/fits.tsv")
grep -qF "| gold | rl | yes | $a |" "$O/fit-rl.ipynb" || fail "fit-rl: rm-3M's gold rl alpha with its interval ($a)"
check demo 0 "" -- "$STARC" notebook "$P/demo" -o "$O/demo.ipynb" --title "Demo results"
[ "$(grep -c "^section" "$w/out")" = 7 ] || { fail "demo: 7 sections"; cat "$w/out"; }
grep -q "^skipped${TAB}demo/gridworld/generate.txt$" "$w/out" || { fail "demo: generate.txt skipped"; cat "$w/out"; }
grep -q "Reward hacking: yes" "$O/demo.ipynb" || fail "demo notebook states the tomato's reward hacking"

# provenance: every input's SHA-256 (coreutils) is in the notebook and the manifest
for f in study/pairs.tsv study/correlations.tsv study/figure.gp gridworld/epic.tsv tomato/proxy.json \
         overopt/curves.tsv overopt/summary.json; do
    h=$(sha256sum "$P/demo/$f" | cut -d' ' -f1)
    n=$(wc -c <"$P/demo/$f" | tr -d ' ')
    grep -qF "| demo/$f | $n | \`$h\` |" "$O/demo.ipynb" || fail "provenance row with the SHA-256 of demo/$f"
    grep -q "^$h  " "$O/demo_data/MANIFEST.sha256" || fail "manifest lists $f"
done
(cd "$O/demo_data" && sha256sum -c --quiet MANIFEST.sha256) || fail "sha256sum -c of the demo manifest"
cmp -s "$P/demo/study/pairs.tsv" "$O/demo_data/study/pairs.tsv" || fail "pairs.tsv copied byte for byte"
grep -q '"id": "c00-[0-9a-f]*"' "$O/demo.ipynb" || fail "deterministic cell ids"
# the notebook starc demo wrote itself holds the same sections
for k in distance overopt study proxy regularize; do
    [ "$(grep -c "\"kind\": \"$k\"" "$P/demo/notebook/starc-demo.ipynb")" = "$(grep -c "\"kind\": \"$k\"" "$O/demo.ipynb")" ] ||
        fail "starc demo's own notebook and the export differ in their $k sections"
done

# determinism: the same export twice gives the same bytes (and replaces the data directory)
cp "$O/demo.ipynb" "$w/demo1.ipynb"
cp "$O/demo_data/MANIFEST.sha256" "$w/manifest1"
check demo-again 0 "" -- "$STARC" notebook "$P/demo" -o "$O/demo.ipynb" --title "Demo results"
cmp -s "$O/demo.ipynb" "$w/demo1.ipynb" || fail "second export differs"
cmp -s "$O/demo_data/MANIFEST.sha256" "$w/manifest1" || fail "second export's data differ"
ls -A "$O" | grep -q '^\.' && { fail "temporary files left in $O"; ls -A "$O"; }

# figures: starc notebook renders the scripts nobody rendered, unless told not to
check study-nr 0 "" -- "$STARC" notebook "$P/study-nr" -o "$O/study-nr.ipynb"
check study-no-render 0 "" -- "$STARC" notebook --no-render "$P/study-nr" -o "$O/study-nr-nr.ipynb"
[ -e "$O/study-nr-nr_data/study-nr/figure.svg" ] && fail "--no-render rendered a figure"
check study-no-gnuplot 0 "gnuplot not found" -- env GNUPLOT=/nonexistent/gnuplot \
    "$STARC" notebook "$P/study-nr" -o "$O/study-ng.ipynb"
[ -e "$O/study-ng_data/study-nr/figure.svg" ] && fail "rendered without gnuplot"
check big-figure 0 "" -- "$STARC" notebook "$P/bigfig" -o "$O/bigfig.ipynb"
if [ "$have_gnuplot" = 1 ]; then
    for f in figure scatter; do
        [ -s "$O/study-nr_data/study-nr/$f.svg" ] || fail "study figure $f rendered to svg"
        [ -s "$P/study/$f.png" ] || fail "starc experiment rendered $f.png"
    done
    grep -q '"image/svg+xml": \[' "$O/study-nr.ipynb" || fail "study notebook embeds the svg"
    grep -q '"image/svg+xml": \[' "$O/overopt.ipynb" && grep -q '"image/png": "iVBORw0KGgo' "$O/overopt.ipynb" ||
        fail "overopt notebook embeds starc overopt's SVG and PNG"
    [ -s "$O/epic_data/epic/epic.svg" ] || fail "distance figure rendered to svg"
    [ -s "$O/bigfig_data/bigfig/scatter.png" ] && [ ! -e "$O/bigfig_data/bigfig/scatter.svg" ] ||
        fail "a figure over 1 MiB as SVG is rendered as PNG"
    [ -s "$O/bigfig_data/bigfig/figure.svg" ] || fail "bigfig's small figure rendered to svg"
    grep -q '"image/png": "iVBORw0KGgo' "$O/bigfig.ipynb" || fail "bigfig notebook embeds the PNG"
    grep -q '"<?xml' "$O"/*.ipynb "$P/demo/notebook/starc-demo.ipynb" &&
        fail "a stored SVG keeps its XML declaration"
    figs=1
else
    figs=0
fi

# ---- errors: one line naming the file or option, status 2, nothing written --
F=$w/bad
E=$w/err-out
mkdir -p "$F/empty" "$E"
check no-output 2 "option --output is required" -- "$STARC" notebook "$P/study"
check no-result 2 "missing RESULT" -- "$STARC" notebook -o "$E/x.ipynb"
check two-results 2 "unexpected argument" -- "$STARC" notebook "$P/study" "$P/overopt" -o "$E/x.ipynb"
check stdout-output 2 "option --output" -- "$STARC" notebook "$P/study" -o -
check bad-option 2 "unknown option '--bogus'" -- "$STARC" notebook --bogus
check bad-format 2 "option --format" -- "$STARC" notebook --format yaml "$P/study" -o "$E/x.ipynb"
check bad-rows 2 "option --table-rows" -- "$STARC" notebook --table-rows 0 "$P/study" -o "$E/x.ipynb"
check missing-result 2 "nonexistent" -- "$STARC" notebook "$F/nonexistent" -o "$E/x.ipynb"
check unknown-json 2 "notes.json: not a starc result" -- "$STARC" notebook "$P/misc/notes.json" -o "$E/x.ipynb"
printf 'a\tb\tc\n0\t1\t2\n1\t0\n' >"$F/ragged.tsv"
check ragged-matrix 2 "ragged.tsv: not a starc result (.*row 2 has 2 fields, expected 3)" -- "$STARC" notebook "$F/ragged.tsv" -o "$E/x.ipynb"
printf '{"names": ["a"], "matrix": [[0, 1]]}\n' >"$F/badmatrix.json"
check bad-matrix-json 2 "badmatrix.json: matrix row 0" -- "$STARC" notebook "$F/badmatrix.json" -o "$E/x.ipynb"
printf '{"distance": \n' >"$F/broken.json"
check broken-json 2 "broken.json: line" -- "$STARC" notebook "$F/broken.json" -o "$E/x.ipynb"
check empty-dir 2 "no starc result found" -- "$STARC" notebook "$F/empty" -o "$E/x.ipynb"
check no-out-dir 2 "no such directory" -- "$STARC" notebook "$P/study" -o "$E/nodir/x.ipynb"
check out-is-dir 2 "is a directory" -- "$STARC" notebook "$P/study" -o "$E"
mkdir -p "$E/mine_data" && : >"$E/mine_data/precious"
check foreign-data-dir 2 "mine_data: exists and was not written by starc notebook" -- \
    "$STARC" notebook "$P/study" -o "$E/mine.ipynb"
[ -e "$E/mine_data/precious" ] || fail "a foreign data directory was touched"
rm -rf "$E/mine_data"
[ -z "$(ls -A "$E")" ] || { fail "failed exports left files behind"; ls -A "$E"; }

# ---- nbformat validation -----------------------------------------------------
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
nbcheck valid-distance-tsv exported "$O/epic.ipynb" "$P/dist" --kinds distance --figures "$figs" --rendered "$figs"
nbcheck valid-distance-json exported "$O/D.ipynb" "$P/misc" --kinds distance --figures 0
nbcheck valid-pair-json exported "$O/pair.ipynb" "$P/misc" --kinds pair --figures 0
nbcheck valid-pair-txt exported "$O/pairtxt.ipynb" "$P/misc" --kinds pair --figures 0
nbcheck valid-proxy exported "$O/proxy.ipynb" "$P/misc" --kinds proxy
nbcheck valid-regularize exported "$O/reg.ipynb" "$P/misc" --kinds regularize
nbcheck valid-regret exported "$O/regret.ipynb" "$P/misc" --kinds regret
nbcheck valid-study exported "$O/study.ipynb" "$P" --kinds study --figures $((2 * figs)) --rendered 0 \
    --scatter "$HEADLINE"
nbcheck valid-study-by-file exported "$O/study-pairs.tsv.ipynb" "$P" --kinds study --scatter "$HEADLINE"
nbcheck valid-study-nr exported "$O/study-nr.ipynb" "$P" --kinds study --figures $((2 * figs)) \
    --rendered $((2 * figs)) --scatter "$HEADLINE"
nbcheck valid-study-no-render exported "$O/study-nr-nr.ipynb" "$P" --kinds study --figures 0 --rendered 0 \
    --scatter "$HEADLINE"
nbcheck valid-bigfig exported "$O/bigfig.ipynb" "$P" --kinds study --figures $((2 * figs)) --rendered $((2 * figs))
nbcheck valid-overopt exported "$O/overopt.ipynb" "$P" --kinds overopt --figures "$figs" --rendered 0
nbcheck valid-fit-rl exported "$O/fit-rl.ipynb" "$P/fits" --kinds fit --figures $((3 * figs)) --rendered 0
nbcheck valid-fit-by-file exported "$O/fit-file.ipynb" "$P/fits" --kinds fit --figures $((3 * figs)) --rendered 0
nbcheck valid-fits exported "$O/fits.ipynb" "$P" --kinds fit,fit --figures $((5 * figs)) --rendered $((2 * figs))
nbcheck valid-misc exported "$O/misc.ipynb" "$P" --kinds distance,pair,pair,proxy,regularize,regret
nbcheck valid-demo exported "$O/demo.ipynb" "$P" \
    --kinds distance,distance,distance,overopt,study,proxy,regularize --figures $((6 * figs)) \
    --rendered $((3 * figs)) --scatter "$HEADLINE"
nbcheck valid-demo-own exported "$P/demo/notebook/starc-demo.ipynb" "$P" \
    --kinds distance,distance,distance,overopt,study,proxy,regularize --scatter "$HEADLINE"

if ! "$PYTHON3" -c 'import nbconvert, ipykernel, matplotlib, numpy' 2>/dev/null; then
    echo "SKIP: jupyter-nbconvert / python3-ipykernel / matplotlib not installed; notebooks not converted or executed ($fails failed so far)"
    rm -rf "$w"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
# Jupyter and matplotlib keep their state in the build directory.
JUPYTER_RUNTIME_DIR=$PWD/$w/jupyter-runtime MPLCONFIGDIR=$PWD/$w/mpl IPYTHONDIR=$PWD/$w/ipython
JUPYTER_CONFIG_DIR=$PWD/$w/jupyter-config PYDEVD_DISABLE_FILE_VALIDATION=1 MPLBACKEND=
export JUPYTER_RUNTIME_DIR MPLCONFIGDIR IPYTHONDIR JUPYTER_CONFIG_DIR PYDEVD_DISABLE_FILE_VALIDATION
unset MPLBACKEND

# ---- every notebook converts to HTML (what people open them with) -------------
H=$w/html
mkdir -p "$H"
cp "$P/demo/notebook/starc-demo.ipynb" "$O/demo-own.ipynb"
if "$PYTHON3" -m nbconvert --to html --output-dir "$H" "$O"/*.ipynb >"$w/nbconvert.log" 2>&1; then
    nbcheck html html "$H" "$O"/*.ipynb
else
    fail "jupyter nbconvert --to html:"; tail -n 30 "$w/nbconvert.log"
fi

# ---- and executes -------------------------------------------------------------
X=$w/executed
mkdir -p "$X"
# The study notebook's `import starc` cell, run with the package of this tree (python/, the
# library just built): it recomputes the headline Pearson r with the library and must find the
# value stored in correlations.tsv exactly.  Not when configure did not build the package, or
# when the library cannot be loaded into an interpreter (--disable-shared, sanitizers).
if [ "${STARC_PYTHON_ENABLED:-no}" = yes ] && [ -f "${STARC_LIBRARY:-}" ] &&
    PYTHONPATH=$STARC_PYTHONPATH STARC_LIBRARY=$STARC_LIBRARY "$PYTHON3" -c 'import starc' >/dev/null 2>&1; then
    mkdir -p "$X/pkg"
    if PYTHONPATH=$STARC_PYTHONPATH STARC_LIBRARY=$STARC_LIBRARY "$PYTHON3" -m nbconvert --to notebook --execute \
        --ExecutePreprocessor.timeout=120 --output-dir "$X/pkg" "$O/study.ipynb" >"$w/nbconvert.log" 2>&1; then
        nbcheck execute-study-import-starc executed "$X/pkg/study.ipynb" \
            --expect-re "^val:l2:l2: Pearson r with regret recomputed by starc \S+ = \S+; stored in correlations.tsv = \S+; recomputed value matches: yes\$"
    else
        fail "jupyter nbconvert --execute study.ipynb with the starc package:"; tail -n 30 "$w/nbconvert.log"
    fi
else
    echo "skip the study notebook's import-starc cell with the in-tree package: the package is not built or cannot load $STARC_LIBRARY"
fi
if [ -z "${STARC_TEST_SLOW:-}" ]; then
    echo "skip executing the notebooks (Jupyter kernels, 15 s): make check-slow does (STARC_TEST_SLOW=1)"
elif "$PYTHON3" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 --output-dir "$X" \
    "$O/study.ipynb" "$O/demo.ipynb" "$O/misc.ipynb" "$O/fits.ipynb" >"$w/nbconvert.log" 2>&1; then
    # what the files say the notebooks must print
    pearson() { # pearson DIR VARIANT: pearson_r of correlations.tsv, 4 decimals
        awk -F '\t' -v v="$2" 'NR > 1 && $1 ":" $2 ":" $3 == v { printf "%.4f", $4 }' "$1/correlations.tsv"
    }
    json_num() { sed -n "s/^.*\"$2\": *\([^,}]*\).*\$/\1/p" "$1"; } # compact JSON, the key once
    # the regret-against-distance cell's r is correlations.tsv's (NaN distances are left out of both)
    set --
    for v in $(echo "$HEADLINE" | tr , ' '); do
        set -- "$@" --expect-re "^$v: Pearson r = $(pearson "$P/study" "$v") over [0-9]+ points\$"
    done
    # without the package on its path the import-starc cell says so (or, installed, recomputes r)
    nbcheck execute-study executed "$X/study.ipynb" --expect "$points points; $columns columns" "$@" \
        --expect-re "(is not importable here .*not recomputed\.|recomputed value matches: yes)\$"
    dpoints=$(awk 'NR > 1' "$P/demo/study/pairs.tsv" | wc -l | tr -d ' ')
    methods=$(awk -F '\t' 'NR > 1 && !seen[$1]++ { printf "%s%s", n++ ? ", " : "", $1 }' "$P/demo/overopt/curves.tsv")
    curve_rows=$(awk 'NR > 1' "$P/demo/overopt/curves.tsv" | wc -l | tr -d ' ')
    nbcheck execute-demo executed "$X/demo.ipynb" \
        --expect "rewards: $(head -n 1 "$P/demo/gridworld/epic.tsv" | sed "s/$TAB/, /g")" \
        --expect "$dpoints points; " \
        --expect-re "^val:l2:l2: Pearson r = $(pearson "$P/demo/study" val:l2:l2) over [0-9]+ points\$" \
        --expect "methods: $methods - $curve_rows points" \
        --expect '"reward_hacking": true' \
        --expect-re '^bound_tight: \S+ <= true_delta_normalized \S+: True$' \
        --expect-value '"objective":' "$(json_num "$P/demo/tomato/regularize-orpo.json" objective)"
    nbcheck execute-misc executed "$X/misc.ipynb" \
        --expect "rewards: r1, r2, r3, zero" \
        --expect-value "distance:" "$(json_num "$P/misc/pair.json" distance)" \
        --expect-value "distance:" "$(cat "$P/misc/pair.txt")" \
        --expect-value '"regret":' "$(json_num "$P/misc/regret.json" regret)" \
        --expect-value '"objective":' "$(json_num "$P/misc/reg.json" objective)" \
        --expect-value '"r":' "$(json_num "$P/misc/proxy.json" r)"
    # every fit's quantities printed by the executed notebook are fits.tsv's, exactly; its figure cells drew
    nbcheck execute-fits executed "$X/fits.ipynb" --expect "100 points in 4 groups: rm-3M, rm-12M, rm-120M, rm-1.2B"
    if "$PYTHON3" - "$X/fits.ipynb" "$P/fits/rl/fits.tsv" "$P/fits/bon/fits.tsv" >"$w/fitcheck.log" 2>&1 <<'PY'
import csv, math, sys
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
printed = {}  # (group, target, form) -> {quantity: "value [lo, hi]"}
for c in nb.cells:
    for o in c.get("outputs", []) if c.cell_type == "code" else []:
        for line in o.get("text", "").splitlines() if o.get("output_type") == "stream" else []:
            f = line.split("\t")
            if f[0] == "fit":
                printed[tuple(f[1:4])] = dict(q.split("=", 1) for q in f[4:])
rows = []
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as fh:
        rows += [r for r in csv.DictReader((l for l in fh if not l.startswith("#")), delimiter="\t")]
same = lambda x, y: x == y or (math.isnan(x) and math.isnan(y))
bad = 0
for r in rows:
    key = (r["group"], r["target"], r["form"])
    if key not in printed:
        print("not printed:", key)
        bad += 1
        continue
    for q, text in printed[key].items():
        v, lohi = text.split(" [")
        lo, hi = lohi.rstrip("]").split(", ")
        want = (float(r[q]), float(r[q + "_lo"]), float(r[q + "_hi"]))
        if not all(same(float(x), y) for x, y in zip((v, lo, hi), want)):
            print("differs:", key, q, text, want)
            bad += 1
print(len(rows), "fits of fits.tsv,", len(printed), "printed,", bad, "differences")
sys.exit(1 if bad or len(printed) != len(rows) or not rows or not all(printed.values()) else 0)
PY
    then
        echo "ok execute-fits-coefficients: $(tail -n 1 "$w/fitcheck.log")"
    else
        fail "execute-fits-coefficients:"; cat "$w/fitcheck.log"
    fi
else
    fail "jupyter nbconvert --execute:"; tail -n 30 "$w/nbconvert.log"
fi

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
