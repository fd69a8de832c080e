#!/bin/sh
# The writer (tools/output.c): an output path that exists and is not a
# regular file (fifo, directory, device node, a symlink to one) is bad input,
# exit 2, and stays what it was; an empty path is bad input; a failed write
# to standard output is exit 1 with one line on stderr, for every subcommand.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-output.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
CHECK_QUIET_FAILURE=1

check mdp 0 "" -- "$STARC" generate mdp --states 4 --actions 2 --seed 1 -o "$w/m.npz"
check rewards 0 "" -- "$STARC" generate reward --mdp "$w/m.npz" --count 3 --seed 2 -o "$w/r.npz"
M=$w/m.npz RT=$w/r.npz:r1 RP=$w/r.npz:r2

# ---- targets that are not regular files -------------------------------------------
mkfifo "$w/fifo" && mkdir "$w/dir" && ln -s fifo "$w/link" || { echo "FAIL cannot make the targets"; exit 1; }
targets="fifo dir link"
# as root, a character device node like /dev/full (which a rename would replace)
if [ "$(id -u)" = 0 ] && mknod "$w/dev" c 1 7 2>/dev/null; then targets="$targets dev"; fi
kind() { if [ -h "$1" ]; then echo link; elif [ -p "$1" ]; then echo fifo; elif [ -d "$1" ]; then echo dir;
         elif [ -c "$1" ]; then echo dev; else echo other; fi; }
for t in $targets; do
    T=$w/$t
    check "distance-o-$t" 2 "not a regular file" -- "$STARC" distance --mdp "$M" "$w/r.npz" -o "$T"
    check "distance-gnuplot-$t" 2 "not a regular file" -- "$STARC" distance --mdp "$M" "$w/r.npz" --gnuplot "$T"
    check "distance-png-$t" 2 "not a regular file" -- "$STARC" distance --mdp "$M" "$w/r.npz" --png "$T"
    check "proxy-o-$t" 2 "not a regular file" -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP" \
        --base uniform -o "$T"
    check "regularize-o-$t" 2 "not a regular file" -- "$STARC" regularize --mdp "$M" --proxy "$RP" \
        --base uniform --method om-chi2 --coef 1 -o "$T"
    ln -s "$t" "$T.npz" # (an MDP's name ends in .npz)
    check "generate-mdp-$t" 2 "not a regular file" -- "$STARC" generate mdp --states 3 --actions 2 -o "$T.npz"
    [ -h "$T.npz" ] || fail "$t.npz: the link was replaced"
    [ "$(kind "$T")" = "$t" ] || fail "$t: the target was replaced"
done
# inside an output directory: overopt's curves.tsv is a fifo
mkdir -p "$w/ov" && mkfifo "$w/ov/curves.tsv"
check overopt-file-fifo 2 "curves.tsv: exists and is not a regular file" -- "$STARC" overopt --mdp "$M" --true "$RT" \
    --proxy "$RP" --method ad-kl --points 3 -o "$w/ov"
[ -p "$w/ov/curves.tsv" ] || fail "overopt replaced a fifo"
# an output directory that is a file
: >"$w/plain"
check experiment-dir-file 2 "not a directory" -- "$STARC" experiment --mdps 3 --pairs 1 --steps 2 --states 3 \
    --actions 2 -o "$w/plain"

# ---- empty paths ----------------------------------------------------------------------
check empty-experiment 2 "option --output: the path is empty" -- "$STARC" experiment --mdps 3 --pairs 1 --steps 2 \
    --states 3 --actions 2 -o ""
check empty-overopt 2 "option --output: the path is empty" -- "$STARC" overopt --mdp "$M" --true "$RT" --proxy "$RP" -o ""
check empty-distance 2 "option --output: the path is empty" -- "$STARC" distance --mdp "$M" "$w/r.npz" -o ""
check empty-gnuplot 2 "option --gnuplot: the path is empty" -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP" \
    --base uniform --gnuplot ""
check empty-generate 2 "option --output: the path is empty" -- "$STARC" generate mdp -o ""
check empty-tomato 2 "option --output: the path is empty" -- "$STARC" generate tomato -o ""
check empty-demo 2 "option --output: the path is empty" -- "$STARC" demo -o ""

# ---- standard output that cannot be written ----------------------------------------------
if [ -w /dev/full ]; then
    full() { # NAME -- command...: exit 1, one line naming standard output
        n=$1; shift 2
        check "full-$n" 1 "error writing to standard output" -- sh -c '"$@" >/dev/full' sh "$@"
    }
    full help -- "$STARC" --help
    full version -- "$STARC" --version
    full regret-help -- "$STARC" regret --help
    full regret -- "$STARC" regret --mdp "$M" --true "$RT" --proxy "$RP"
    full regret-json -- "$STARC" regret --mdp "$M" --true "$RT" --proxy "$RP" --format json
    full distance -- "$STARC" distance --mdp "$M" "$w/r.npz"
    full distance-dash -- "$STARC" distance --mdp "$M" "$w/r.npz" -o -
    full proxy -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP" --base uniform
    full regularize -- "$STARC" regularize --mdp "$M" --true "$RT" --proxy "$RP" --base uniform --method om-chi2 --coef 1
    full overopt -- "$STARC" overopt --mdp "$M" --true "$RT" --proxy "$RP" --method ad-kl --points 3 -o "$w/ovf"
    full generate -- "$STARC" generate mdp --states 3 --actions 2 -o "$w/g.npz"
    full generate-reward -- "$STARC" generate reward --mdp "$M" -o "$w/g.npy"
    full generate-gridworld -- "$STARC" generate gridworld -o "$w/gw"
    full generate-tomato -- "$STARC" generate tomato -o "$w/tom"
    full generate-proxy -- "$STARC" generate proxy --mdp "$M" --true "$RT" --kind noise -o "$w/gp.npy"
    full experiment -- "$STARC" experiment --mdps 3 --pairs 1 --steps 2 --states 3 --actions 2 --no-render -o "$w/ex"
    full info -- "$STARC" info "$M"
else
    echo "SKIP /dev/full checks: no writable /dev/full"
fi

# ---- paths on standard output: escaped as in messages (tools/cli.c cli_escape) -----------
# A report that names an output path holding a newline or a tab stays one line
# per item: the path is shown as \n and \t.
nl='
'
tab=$(printf '\t')
# reported NAME LINES WANT CMD...: CMD exits 0, prints LINES lines, and one holds WANT
reported() {
    name=$1 lines=$2 want=$3
    shift 3
    if ! "$@" >"$w/out" 2>"$w/err"; then fail "$name: exit $?: $(cat "$w/err")"; return; fi
    n=$(wc -l <"$w/out")
    [ "$n" = "$lines" ] || { fail "$name: $n lines on stdout, want $lines"; cat "$w/out"; return; }
    grep -qF -- "$want" "$w/out" || { fail "$name: no line holds '$want'"; cat "$w/out"; return; }
    echo "ok $name"
}
P="$w/a${nl}b${tab}c"
reported "generate mdp, path with a newline" 1 'a\nb\tc.npz: ' \
    "$STARC" generate mdp --states 3 --actions 2 --seed 1 -o "$P.npz"
reported "generate reward, path with a newline" 1 'a\nb\tc.npy: ' \
    "$STARC" generate reward --mdp "$M" --seed 1 -o "$P.npy"
reported "generate proxy, path with a newline" 5 'output	'"$w"'/a\nb\tc-p.npy' \
    "$STARC" generate proxy --mdp "$M" --true "$RT" --kind noise -o "$P-p.npy"
reported "generate gridworld, path with a newline" "$("$STARC" generate gridworld -o "$w/gwref" | wc -l)" 'rewards	'"$w"'/a\nb\tc-gw' \
    "$STARC" generate gridworld -o "$P-gw"
ex=$("$STARC" experiment --mdps 3 --pairs 1 --steps 2 --states 3 --actions 2 --no-render -o "$w/ref" | wc -l)
reported "experiment, directory with a newline" "$ex" 'wrote '"$w"'/a\nb\tc-ex/{' \
    "$STARC" experiment --mdps 3 --pairs 1 --steps 2 --states 3 --actions 2 --no-render -o "$P-ex"
reported "notebook, path with a newline" "$("$STARC" notebook "$w/ref" -o "$w/ref.ipynb" --no-render | wc -l)" \
    'notebook	'"$w"'/a\nb\tc.ipynb' "$STARC" notebook "$w/ref" -o "$P.ipynb" --no-render
reported "generate tomato, path with a newline" "$("$STARC" generate tomato -o "$w/tomref" | wc -l)" \
    'Try: starc proxy --mdp '"$w"'/a\nb\tc-tom/mdp.npz --true '"$w"'/a\nb\tc-tom/rewards.npz:true' \
    "$STARC" generate tomato -o "$P-tom"
dl=$("$STARC" demo -o "$w/demoref" | wc -l)
reported "demo, directory with a newline" "$dl" 'wrote '"$w"'/a\nb\tc-demo/small-mdp.npz and ' \
    "$STARC" demo -o "$P-demo"
reported "demo's overopt, directory with a newline" "$dl" 'wrote '"$w"'/a\nb\tc-demo2/overopt/{' \
    "$STARC" demo -o "$P-demo2"

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
