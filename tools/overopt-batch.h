/* starc overopt over a list of MDPs (`--batch LIST.tsv`, overopt-batch.c) and
 * what it shares with the single run (cmd-overopt.c): the run's configuration
 * and the run itself, which writes one entry's directory. */
#ifndef STARC_OVEROPT_BATCH_H
#define STARC_OVEROPT_BATCH_H

#include <jansson.h>
#include <starc/starc.h>

#include "cli.h"
#include "shard.h"

/* Every option of a run but its inputs and output directory. */
typedef struct run_config {
    starc_overopt_method methods[STARC_OVEROPT_METHOD_COUNT];
    size_t nmethods;
    starc_overopt_options opt;
    int png, svg, progress;
} run_config;

/* Sweep, fit, summarise and write DIR/{curves.tsv, fits.tsv, summary.json, overopt.gp} (and the
 * renderings asked for); *summary gets the json summary.  Rt, Rp: full rewards as loaded. */
int overopt_run(const starc_mdp *m, const double *Rt, const double *Rp, const double *pb, const run_config *cfg,
                const char *dir, json_t **summary);

/* `starc overopt --batch LIST [--shard K/N] -o DIR`: every entry (or shard's slice) into DIR/NAME;
 * unsharded, DIR/batch.tsv and DIR/summary.json and the table (or json) on stdout; sharded, the
 * manifest. */
int overopt_batch(const char *list, const shard_spec *shard, const char *dir, enum cli_format fmt,
                  const run_config *cfg);

/* Overopt-batch shards (kind STARC_RESULTS_OVEROPT_SHARD_KIND) into OUT: every entry's files,
 * then batch.tsv and summary.json, the bytes of the unsharded run. */
int overopt_merge(const shard_set *set, const shard_merge_args *a);

#endif
