/* starc overopt over a list of MDPs (`--batch LIST.tsv`, overopt-batch.c) and
 * its merge; each entry is one single run (overopt-run.h). */
#ifndef STARC_OVEROPT_BATCH_H
#define STARC_OVEROPT_BATCH_H

#include <jansson.h>
#include <starc/starc.h>

#include "cli.h"
#include "overopt-run.h"
#include "shard.h"

/* `starc overopt --batch LIST [--shard K/N] -o DIR`: every entry (or shard's slice) into DIR/NAME;
 * unsharded, DIR/batch.tsv and DIR/summary.json and the table (or json) on stdout; sharded, the
 * manifest. */
int overopt_batch(const char *list, const shard_spec *shard, const char *dir, enum cli_format fmt,
                  const run_config *cfg);

/* Overopt-batch shards (kind STARC_RESULTS_OVEROPT_SHARD_KIND) into OUT: every entry's files,
 * then batch.tsv and summary.json, the bytes of the unsharded run. */
int overopt_merge(const shard_set *set, const shard_merge_args *a);

#endif
