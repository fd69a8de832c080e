#!/bin/sh
# The MPI driver of starc experiment (configure --with-mpi): under
# `mpirun --oversubscribe -np 3` the ranks split the study and rank 0 writes
# the single run's files byte for byte (also with more ranks than MDPs and
# with the points gathered in many small rounds); a failure on any rank is one
# line of starc's and a non-zero exit, with no output.  Skips (77) when starc
# was built without MPI or mpirun is missing.
set -u
: "${STARC:?}" "${top_srcdir:?}" "${top_builddir:?}"
grep -q '^#define HAVE_MPI 1' "$top_builddir/config.h" 2>/dev/null || { echo "SKIP: built without MPI"; exit 77; }
MPIRUN=$(command -v mpirun 2>/dev/null) || { echo "SKIP: mpirun not found"; exit 77; }
w=cli-mpi.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

# Open MPI refuses to run as root unless told; CI runs as root.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under --enable-sanitizers: Open MPI's own allocations outlive MPI_Finalize
# (LeakSanitizer would fail every rank for memory that is not starc's).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ASAN_OPTIONS
mpi() { "$MPIRUN" --oversubscribe -x ASAN_OPTIONS "$@"; }

E="--mdps 11 --pairs 2 --steps 3 --states 8 --actions 3 --seed 4"

# run DIR [mpirun options --]: starc experiment $E -o out in $w/DIR (the same
# command line, so the figure scripts' provenance comment is the same too).
run() {
    d=$1
    shift
    mkdir -p "$w/$d"
    # shellcheck disable=SC2086
    (cd "$w/$d" && "$@" "$STARC" experiment $E -o out >../out 2>../err)
}

# same A B: the same files, byte for byte.
same() {
    la=$(cd "$w/$1/out" && find . -type f | sort)
    lb=$(cd "$w/$2/out" && find . -type f | sort)
    [ "$la" = "$lb" ] || { fail "$2: files differ from $1's: $(echo $lb)"; return 1; }
    for f in $la; do
        cmp -s "$w/$1/out/$f" "$w/$2/out/$f" || { fail "$2: $f differs from $1's"; return 1; }
    done
    echo "ok $2: the same $(echo "$la" | wc -l) files as $1"
}

run single || fail "the single run: $(cat "$w/err")"
run np3 mpi -np 3 && same single np3 || fail "mpirun -np 3: $(cat "$w/err")"
run np1 mpi -np 1 && same single np1 || fail "mpirun -np 1: $(cat "$w/err")"
# more ranks than MDPs: ranks with no MDP
E="--mdps 2 --pairs 2 --steps 3 --states 8 --actions 3 --seed 4"
run single2 || fail "the single run of 2 MDPs: $(cat "$w/err")"
run np4 mpi -np 4 && same single2 np4 || fail "mpirun -np 4 on 2 MDPs: $(cat "$w/err")"
# the points gathered 5 doubles per rank per round (the slicing that keeps
# MPI_Gatherv's counts below INT_MAX)
E="--mdps 11 --pairs 2 --steps 3 --states 8 --actions 3 --seed 4"
run chunk mpi -x STARC_MPI_GATHER_CHUNK=5 -np 3 && same single chunk || fail "gather in rounds: $(cat "$w/err")"

# starc's diagnostics on stderr: exactly one line starting "starc " (mpirun adds its own).
one_line() {
    n=$(grep -c '^starc ' "$w/err")
    [ "$n" = 1 ] && grep -q -- "$2" "$w/err" && echo "ok $1" || { fail "$1: want one line matching '$2':"; cat "$w/err"; }
}
# a rank launched with other options (rank 2 of 3, MPMD) fails every rank, before any output
mkdir -p "$w/mpmd"
# shellcheck disable=SC2086
(cd "$w/mpmd" && mpi -np 2 "$STARC" experiment $E -o out : -np 1 "$STARC" experiment $E --seed 5 -o out >../out 2>../err) &&
    fail "mpmd: a rank with other options did not fail"
one_line mpmd "MPI rank 2: its study options differ from rank 0's"
[ -e "$w/mpmd/out" ] && fail "mpmd: left $w/mpmd/out"
# shellcheck disable=SC2086
(cd "$w/mpmd" && mpi -np 2 "$STARC" experiment $E --save-data 2 -o out >../out 2>../err) && fail "save-data under MPI ran"
one_line save-data "option --save-data: not under an MPI launcher"
: >"$w/afile"
# shellcheck disable=SC2086
mpi -np 2 "$STARC" experiment $E -o "$w/afile/out" >"$w/out" 2>"$w/err" && fail "a bad output directory was accepted"
one_line bad-output "$w/afile/out"
[ -s "$w/out" ] && fail "a failed MPI run wrote on stdout"

[ "$fails" = 0 ] && rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
