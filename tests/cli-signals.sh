#!/bin/sh
# Interruption (tools/output.c): SIGINT, SIGTERM or SIGHUP during a run
# removes this run's temporary files -- the writer's, the library's (.npy/.npz
# through cli_save_*), a figure being rendered -- kills the gnuplot it runs,
# and ends the process by that signal (exit status 130, 143, 129).  A
# directory of several outputs keeps its STARC-INCOMPLETE marker when the run
# does not finish, also when a write fails (a file size limit stands in for a
# full disk).  A signal ignored at start-up stays ignored.  After SIGKILL,
# which cannot be caught, every file left is an output, the marker, or a
# temporary file named NAME.tmpXXXXXX[...] (the documented policy).  Standard
# output closed by its reader (SIGPIPE) removes the temporary files too and
# ends silently by SIGPIPE (141); with SIGPIPE ignored it is exit 1, one line.
#
# Nothing here is timed: each run is started, the test waits until the run is
# visibly in the phase to interrupt (a file appears), then sends the signal.
# The runs are sized to take a few seconds if they were not interrupted.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-signals.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

# A background job of a non-interactive shell starts with SIGINT ignored,
# and a harness may ignore SIGHUP or SIGTERM (nohup); starc keeps an ignored
# signal ignored, so every run below gets the three signals' default
# actions from env.
env --default-signal=INT true 2>/dev/null || { echo "SKIP: needs env --default-signal (coreutils 8.31)"; exit 77; }

# appear DIR NAME PID: wait until a file NAME (a find -name pattern) exists
# under DIR; fails when process PID has ended first (or after about a minute).
appear() {
    i=0
    while [ $i -lt 600 ]; do
        [ -n "$(find "$1" -name "$2" 2>/dev/null | head -n 1)" ] && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# leftovers DIR: fail if a temporary file (the writer's NAME.tmpXXXXXX, the
# library's NAME.tmpXXXXXX.YYYYYY, or NAME.npz.YYYYYY as the library names its
# own when called directly) is left under DIR.
leftovers() {
    left=$(find "$1" -name '*.tmp*' -o -name '*.np[yz].??????')
    [ -z "$left" ] || fail "$2: temporary files left: $left"
}

# stopped NAME STATUS WANT: the run's exit status, and nothing on stderr (an
# interrupted run says nothing; the shell reports the signal).
stopped() {
    [ "$2" = "$3" ] || { fail "$1: exit $2, want $3"; cat "$w/err"; return 1; }
    [ ! -s "$w/err" ] || { fail "$1: wrote on stderr:"; cat "$w/err"; return 1; }
    echo "ok $1: exit $2"
}

# gone PID: the process no longer runs (exited; a zombie counts as gone).
gone() {
    st=$(ps -o stat= -p "$1" 2>/dev/null)
    case "$st" in "" | Z*) return 0 ;; *) return 1 ;; esac
}

big="--mdps 200 --pairs 1 --steps 3 --states 64 --actions 4 --jobs 1 --no-render"

# ---- SIGINT while the study streams pairs.tsv ---------------------------------------------
env --default-signal=INT,HUP,TERM "$STARC" experiment $big -o "$w/int" >"$w/out" 2>"$w/err" &
pid=$!
appear "$w/int" 'pairs.tsv.tmp*' $pid || fail "int: pairs.tsv's temporary file never appeared"
kill -INT $pid
wait $pid
stopped int $? 130 && leftovers "$w/int" int
[ -f "$w/int/STARC-INCOMPLETE" ] || fail "int: the directory is not marked incomplete"
[ -e "$w/int/pairs.tsv" ] && fail "int: a pairs.tsv was left"
grep -q "starc experiment .*-o $w/int" "$w/int/STARC-INCOMPLETE" 2>/dev/null ||
    fail "int: the marker does not name the command"

# ---- SIGTERM while --save-data writes numpy files (the library's own temporaries) -------
env --default-signal=INT,HUP,TERM "$STARC" experiment $big --no-pairs --save-data 200 -o "$w/save" >"$w/out" 2>"$w/err" &
pid=$!
appear "$w/save" 'rewards-00001.npz' $pid || fail "save: the data files never appeared"
kill -TERM $pid
wait $pid
stopped save-data $? 143 && leftovers "$w/save" save-data
[ -f "$w/save/STARC-INCOMPLETE" ] || fail "save-data: the directory is not marked incomplete"

# ---- SIGKILL cannot be caught: what is left is marked and named as starc's -----------------
env --default-signal=INT,HUP,TERM "$STARC" experiment $big --save-data 200 -o "$w/kill" >"$w/out" 2>"$w/err" &
pid=$!
appear "$w/kill" 'rewards-00001.npz' $pid || fail "kill: the data files never appeared"
kill -KILL $pid
wait $pid
[ -f "$w/kill/STARC-INCOMPLETE" ] || fail "kill: the directory is not marked incomplete"
odd=$(cd "$w/kill" && find . -type f ! -name STARC-INCOMPLETE ! -name '*.tmp??????*' \
    ! -name 'mdp-[0-9][0-9][0-9][0-9][0-9].npz' ! -name 'rewards-[0-9][0-9][0-9][0-9][0-9].npz')
[ -z "$odd" ] || fail "kill: files not named as starc's outputs or temporary files: $odd"
echo "ok kill: left $(find "$w/kill" -name '*.tmp*' | wc -l) temporary file(s), all named *.tmp??????*"

# ---- during rendering: a slow gnuplot is killed, its empty output removed ----------------
cat >"$w/slow-gnuplot" <<EOF
#!/bin/sh
echo \$\$ >"$(pwd)/$w/gp.pid"
sleep 60 &
echo \$! >"$(pwd)/$w/gp-child.pid"
wait
EOF
chmod +x "$w/slow-gnuplot"
small="--mdps 3 --pairs 1 --steps 2 --states 3 --actions 2"
for sig in TERM HUP; do
    rm -f "$w/gp.pid" "$w/gp-child.pid"
    GNUPLOT=$(pwd)/$w/slow-gnuplot env --default-signal=INT,HUP,TERM "$STARC" experiment $small -o "$w/render-$sig" \
        >"$w/out" 2>"$w/err" &
    pid=$!
    appear "$w" gp-child.pid $pid || fail "render-$sig: gnuplot never started"
    [ -n "$(find "$w/render-$sig" -name 'figure.png.tmp*')" ] || fail "render-$sig: no temporary figure to remove"
    kill -$sig $pid
    wait $pid
    rc=$?
    [ $sig = TERM ] && want=143 || want=129
    stopped "render-$sig" $rc $want && leftovers "$w/render-$sig" "render-$sig"
    for p in "$(cat "$w/gp.pid")" "$(cat "$w/gp-child.pid")"; do
        gone "$p" || { fail "render-$sig: gnuplot's process $p still runs"; kill -KILL "$p"; }
    done
    [ -f "$w/render-$sig/STARC-INCOMPLETE" ] || fail "render-$sig: the directory is not marked incomplete"
    [ -f "$w/render-$sig/summary.json" ] || fail "render-$sig: the files written before rendering are missing"
done

# ---- starc demo, interrupted while it renders --------------------------------------------
rm -f "$w/gp.pid" "$w/gp-child.pid"
GNUPLOT=$(pwd)/$w/slow-gnuplot env --default-signal=INT,HUP,TERM "$STARC" demo -o "$w/demo" >"$w/out" 2>"$w/err" &
pid=$!
appear "$w" gp-child.pid $pid || fail "demo: gnuplot never started"
kill -INT $pid
wait $pid
stopped demo $? 130 && leftovers "$w/demo" demo
[ -f "$w/demo/STARC-INCOMPLETE" ] || fail "demo: the directory is not marked incomplete"
gone "$(cat "$w/gp.pid")" || fail "demo: gnuplot still runs"

# ---- an ignored SIGINT stays ignored: the run completes ----------------------------------
env --ignore-signal=INT "$STARC" experiment ${big#--mdps 200} --mdps 100 -o "$w/ign" >"$w/out" 2>"$w/err" &
pid=$!
appear "$w/ign" 'pairs.tsv.tmp*' $pid || fail "ignored: pairs.tsv's temporary file never appeared"
kill -INT $pid
wait $pid
stopped ignored $? 0 && leftovers "$w/ign" ignored
[ -f "$w/ign/summary.json" ] && [ ! -e "$w/ign/STARC-INCOMPLETE" ] || fail "ignored: the run did not complete"

# ---- standard output closed by its reader (SIGPIPE) ---------------------------------------
# The policy (docs/testing.md, starc(1)): the run's temporary files are removed
# and the process dies silently by SIGPIPE (141), as filters do; with SIGPIPE
# ignored at start-up the write fails instead: exit 1, one line.
# closed CMD...: run CMD with standard output a pipe whose reader has gone
# (no race: the read end is closed before CMD starts), stderr in $w/err;
# prints the exit status as the shell reports it (128 + signal).
closed() {
    "${PYTHON3:-python3}" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[2:], stdout=w, stderr=open(sys.argv[1], "w"))
print(128 - p.returncode if p.returncode < 0 else p.returncode)' "$w/err" "$@"
}
printf '#!/bin/sh\nexit 0\n' >"$w/fast-gnuplot"
chmod +x "$w/fast-gnuplot"
"$STARC" generate mdp --states 3 --actions 2 --seed 1 -o "$w/m.npz" >/dev/null &&
    "$STARC" generate reward --mdp "$w/m.npz" --count 200 --seed 2 -o "$w/r200.npz" >/dev/null ||
    fail "pipe: generate"
# the literal case: a 200 x 200 matrix (> 64 KiB, more than the pipe holds) into head -c1
rc=$( ("$STARC" distance --mdp "$w/m.npz" "$w/r200.npz" 2>"$w/err"; echo $? >"$w/rc") | head -c1 >/dev/null
    cat "$w/rc")
stopped "distance | head -c1" "$rc" 141
# experiment: its report is written at the end, when the outputs are complete;
# demo: the buffered report is flushed before gnuplot starts, while a figure's
# temporary file exists
for cmd in "experiment $small --no-render" demo; do
    name=${cmd%% *}
    rc=$(GNUPLOT=$(pwd)/$w/fast-gnuplot closed "$STARC" $cmd -o "$w/pipe-$name")
    stopped "$name -o DIR, stdout closed" "$rc" 141 && leftovers "$w/pipe-$name" "$name, stdout closed"
    [ -f "$w/pipe-$name/STARC-INCOMPLETE" ] || [ -f "$w/pipe-$name/summary.json" ] ||
        fail "$name, stdout closed: neither complete nor marked incomplete"
done
# SIGPIPE ignored at start-up: the failed write is reported
rc=$(closed sh -c 'trap "" PIPE; exec "$@"' sh "$STARC" experiment $small --no-render -o "$w/pipe-ign")
[ "$rc" = 1 ] || fail "stdout closed, SIGPIPE ignored: exit $rc, want 1"
[ "$(wc -l <"$w/err")" = 1 ] && grep -q "starc experiment: error writing to standard output: Broken pipe" "$w/err" ||
    { fail "stdout closed, SIGPIPE ignored: want one line naming standard output"; cat "$w/err"; }
leftovers "$w/pipe-ign" "stdout closed, SIGPIPE ignored"
echo "ok stdout closed, SIGPIPE ignored: exit 1, one line"

# ---- a write that fails (the file size limit stands in for a full disk) -------------------
# SIGXFSZ ignored: the write fails with EFBIG instead of killing the process.
( ulimit -f 1024 && trap '' XFSZ && exec "$STARC" demo -o "$w/full" ) >"$w/out" 2>"$w/err"
rc=$?
[ $rc = 1 ] || [ $rc = 2 ] || fail "full demo: exit $rc, want 1 or 2"
[ "$(wc -l <"$w/err")" = 1 ] || { fail "full demo: want one line on stderr"; cat "$w/err"; }
grep -q "pairs.tsv" "$w/err" || { fail "full demo: the message does not name pairs.tsv"; cat "$w/err"; }
leftovers "$w/full" "full demo"
[ -f "$w/full/STARC-INCOMPLETE" ] && [ -f "$w/full/study/STARC-INCOMPLETE" ] ||
    fail "full demo: the directories are not marked incomplete"
# the library's writer: the message names the file, not the temporary one
( ulimit -f 32 && trap '' XFSZ && exec "$STARC" experiment --mdps 3 --pairs 4 --steps 2 --states 16 --actions 4 \
    --no-pairs --no-render --save-data 3 -o "$w/fullsave" ) >"$w/out" 2>"$w/err"
rc=$?
[ $rc != 0 ] || fail "full save-data: exit 0"
[ "$(wc -l <"$w/err")" = 1 ] || { fail "full save-data: want one line on stderr"; cat "$w/err"; }
grep -q "fullsave/data/rewards-00000.npz: " "$w/err" || { fail "full save-data: the message does not name the file"; cat "$w/err"; }
grep -q 'npz\.tmp\|npz\.[A-Za-z0-9]\{6\}' "$w/err" && { fail "full save-data: the message names a temporary file"; cat "$w/err"; }
leftovers "$w/fullsave" "full save-data"
[ -f "$w/fullsave/STARC-INCOMPLETE" ] || fail "full save-data: the directory is not marked incomplete"

[ "$fails" = 0 ] && rm -rf "$w"
exit $((fails > 0))
