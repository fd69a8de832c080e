#!/bin/sh
# A STARC study as a Slurm job array: array task K computes shard K of N.
# docs/cluster.md.  Submit it, then the merge once every task has succeeded:
#
#   jobid=$(sbatch --parsable docs/examples/study-slurm.sh)
#   sbatch --dependency=afterok:$jobid --wrap 'starc merge shards/* -o study'
#
# A task that fails or hits its time limit leaves shards/K without shard.json
# and the merge names it (shard K/N is missing or did not finish): resubmit
# just that task, e.g. sbatch --array=K docs/examples/study-slurm.sh, and merge.
#SBATCH --job-name=starc-study
#SBATCH --array=1-50
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=starc-shard-%a.log
set -eu
# N must be the same in every task: the array's size, not --array's range
# (a resubmitted single task keeps N = 50)
N=${STARC_SHARDS:-50}
K=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch (it runs as a job array task)}
STARC=${STARC:-starc}
# the study: every task must run the same options
STUDY=${STUDY:---mdps 2000 --states 128 --seed 0}
# shellcheck disable=SC2086
exec "$STARC" experiment $STUDY --jobs "${SLURM_CPUS_PER_TASK:-1}" --no-render --shard "$K/$N" -o "shards/$K"
