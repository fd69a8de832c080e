/* The subcommands as functions of their parsed options, so that `starc demo`
 * runs exactly the computations and the writers the command line runs (never
 * by redirecting stdout or reading their output back).  Each X_job() loads its
 * inputs, computes with the library, writes its files atomically and prints
 * its report on `out`; like every cli_* function it has said its one line on
 * stderr when it returns non-zero. */
#ifndef STARC_COMMANDS_H
#define STARC_COMMANDS_H

#include <stdio.h>

#include "cli.h"
#include "shard.h"

/* starc distance (cmd-distance.c) */
typedef struct distance_args {
    const char *mdp, *canon, *norm, *metric, *policy, *sdist, *adist, *cov, *gp, *png, *out;
    int epic, dard, weighted;
    enum cli_format fmt;
    starc_distance_options o;
    char **rewards; /* the reward arguments */
    int nrewards;
    shard_spec shard; /* --shard K/N (n == 0: the whole matrix) */
    int progress;     /* --progress: a shard reports its entries on stderr (also on a terminal) */
} distance_args;
/* Defaults: --canon val --norm l2 --metric l2, -o -, text, one thread per online CPU (at most 64). */
void distance_args_init(distance_args *a);
/* The distance or matrix to a->out, figures to a->gp / a->png; *D (if D is not NULL)
 * gets the n x n matrix when one was computed (more than two rewards or a figure),
 * else NULL; free it. */
int distance_job(distance_args *a, double **D, size_t *n);
/* The n x n matrix D as `starc distance` prints it (TSV, or json) to PATH ("-" = stdout), atomically. */
int distance_write_matrix(const char *cmd, const char *path, enum cli_format fmt, size_t n, char *const *names,
                          const double *D);
/* The n(n+1)/2 entries of the upper triangle (row by row, diagonal included) into the symmetric n x n D. */
void distance_unpack(size_t n, const double *packed, double *D);
/* Distance-matrix shards (kind STARC_RESULTS_DISTANCE_SHARD_KIND) into OUT/matrix.tsv (merge-distance.c). */
int distance_merge(const shard_set *set, const shard_merge_args *a);

/* starc generate gridworld (cmd-generate-gridworld.c) */
typedef struct gridworld_args {
    const char *dir, *mdp, *rewards;
    double gamma;
    enum cli_format fmt;
} gridworld_args;
/* The files; the list of what was written (text or json) on out. */
int gridworld_job(const gridworld_args *a, FILE *out);

/* starc proxy (cmd-proxy.c) */
typedef struct proxy_args {
    const char *mdp, *tpath, *ppath, *bpath, *polpath, *setpath, *outpath, *gppath;
    int alldet;
    double tie_tol;
    enum cli_format fmt;
    starc_policy_engine engine; /* on a sparse MDP (0: auto) */
} proxy_args;
void proxy_args_init(proxy_args *a);
int proxy_job(const proxy_args *a, FILE *out);

/* starc regularize (cmd-regularize.c) */
typedef struct regularize_args {
    const char *mdp, *tpath, *ppath, *bpath, *outpath, *gppath, *coef_arg;
    int method, orpo; /* method: index into ad-kl, om-chi2, om-sqrt-chi2, om-kl */
    double coef;
    starc_regularize_options ro;
    enum cli_format fmt;
} regularize_args;
void regularize_args_init(regularize_args *a);
/* Checks the combination of options first (as the command line does). */
int regularize_job(regularize_args *a, FILE *out);

/* starc merge (cmd-merge.c) and the merge of each kind of shard */
int cmd_merge(int argc, char **argv);
/* Study shards (kind STARC_RESULTS_STUDY_KIND) into the single run's outputs (cmd-experiment.c). */
int experiment_merge(const shard_set *set, const shard_merge_args *a);

#endif
