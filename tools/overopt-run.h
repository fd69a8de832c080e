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
 * renderings asked for); *summary gets the json summary.  bt, bp: the true and proxy expected
 * rewards (S*A; the run needs nothing more of them). */
int overopt_run(const starc_mdp *m, const double *bt, const double *bp, const double *pb, const run_config *cfg,
                const char *dir, json_t **summary);
/* overopt_run() on inputs from files: the MDP, the true and proxy rewards (SPECs; (S,) and (S,A)
 * ones are not expanded) and the base policy (NULL: uniform), each error naming its file. */
int overopt_run_files(const char *mdp, const char *tru, const char *proxy, const char *base, const run_config *cfg,
                      const char *dir, json_t **summary);

#endif
