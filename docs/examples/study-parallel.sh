#!/bin/sh
# A STARC study as N shards run side by side with GNU parallel (on this machine,
# or on several with parallel's --sshlogin), then merged.  docs/cluster.md.
#
#   study-parallel.sh N OUT [starc experiment options...]
#   study-parallel.sh 8 study --mdps 2000 --states 128 --jobs 1 --no-render
#
# Shard K goes to OUT.shards/K.  Run the script again after a failure: shards
# that finished (OUT.shards/K/shard.json exists) are skipped, the others rerun,
# and the merge refuses to write OUT until every shard has finished.
# PARALLEL_JOBS shards run at a time (default: parallel's, one per CPU);
# STARC names the starc program; without GNU parallel, xargs -P runs them.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 N OUT [starc experiment options...]" >&2; exit 2; }
N=$1 OUT=$2
shift 2
STARC=${STARC:-starc}
mkdir -p "$OUT.shards"
# the shards still to run
todo=$(k=1; while [ "$k" -le "$N" ]; do [ -f "$OUT.shards/$k/shard.json" ] || echo "$k"; k=$((k + 1)); done)
if [ -n "$todo" ]; then
    if command -v parallel >/dev/null 2>&1 && [ "${STARC_NO_GNU_PARALLEL:-0}" != 1 ]; then
        # --halt now,fail=1: the first failure stops the others (rerun the script)
        echo "$todo" | parallel --halt now,fail=1 ${PARALLEL_JOBS:+--jobs "$PARALLEL_JOBS"} \
            "$STARC" experiment "$@" --shard "{}/$N" -o "$OUT.shards/{}"
    else
        echo "$todo" | xargs -P "${PARALLEL_JOBS:-2}" -I{} \
            "$STARC" experiment "$@" --shard "{}/$N" -o "$OUT.shards/{}"
    fi
fi
# the shards in order of K (merge orders them anyway)
k=1
set --
while [ "$k" -le "$N" ]; do
    set -- "$@" "$OUT.shards/$k"
    k=$((k + 1))
done
"$STARC" merge "$@" -o "$OUT"
