/* The single `starc overopt` run (overopt-run.c), below both the command
 * (cmd-overopt.c) and the batch (overopt-batch.c): the run's configuration and
 * the run itself, which writes one entry's directory. */
#ifndef STARC_OVEROPT_RUN_H
#define STARC_OVEROPT_RUN_H

#include <jansson.h>
#include <starc/starc.h>

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

#endif
