#!/bin/sh
# The fuzz smoke test (make fuzz-smoke, run by CI): each harness for SECONDS
# on its seed corpus, from the build directory.  Usage: smoke.sh SECONDS NAME...
# New inputs go to tests/fuzz/work/NAME (the seeds stay as generated); a crash,
# leak, sanitizer report, timeout or out-of-memory stops that harness, leaves
# the input in tests/fuzz/artifacts/ and makes this script fail after showing
# the report and the input in base64.  One summary line per harness: runs,
# libFuzzer's coverage (cov: edges, ft: features) and corpus size.
set -u
secs=$1
shift
fails=0
mkdir -p tests/fuzz/work tests/fuzz/artifacts || exit 1
for h in "$@"; do
    bin=tests/fuzz/fuzz-$h work=tests/fuzz/work/$h log=tests/fuzz/work/$h.log
    mkdir -p "$work" || exit 1
    start=$(date +%s)
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="tests/fuzz/artifacts/$h-" "$work" "tests/fuzz/corpus/$h" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1)
    cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    echo "fuzz-$h: ${runs:-?} runs in $(($(date +%s) - start)) s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, exit $rc"
    if [ "$rc" != 0 ]; then
        fails=$((fails + 1))
        echo "---- fuzz-$h failed; the end of $log:"
        tail -n 60 "$log"
        for a in tests/fuzz/artifacts/"$h"-*; do
            [ -f "$a" ] || continue
            echo "---- $a (base64):"
            base64 "$a"
        done
    fi
done
echo "fuzz-smoke: $(($# - fails)) passed, $fails failed"
[ "$fails" = 0 ]
