/* starc experiment's pieces shared by the single run (cmd-experiment.c), its
 * shards and their merge (experiment-shard.c) and the MPI driver
 * (experiment-mpi.c).  Every output of a study is written by
 * exp_write_outputs() from a complete starc_study, whichever way it was
 * computed; pairs.tsv alone is written as the points arrive (streamed by the
 * run, concatenated by the merge, by MPI's rank 0 as each rank's rows arrive). */
#ifndef STARC_EXPERIMENT_H
#define STARC_EXPERIMENT_H

#include <stdio.h>
#include <jansson.h>

#include "cli.h"
#include "shard.h"

/* The options of one experiment. */
typedef struct exp_args {
    starc_study_options o;
    const char *cmd;     /* the subcommand, for diagnostics ("experiment", "merge") */
    const char *dir;     /* -o DIR */
    const char *scatter; /* --scatter LIST */
    int no_pairs, no_render, progress;
    size_t save_data;
    size_t jobs;         /* --jobs, given to the study as nthreads (0 = all CPUs) */
    enum cli_format fmt;
    shard_spec shard;    /* --shard K/N; n == 0: the whole study */
    int merge;           /* --merge: the operands are shard directories */
} exp_args;

/* The variants of scatter.gp (--scatter). */
#define EXP_SCATTER_MAX 16
typedef struct scatter_spec {
    size_t n;
    long v[EXP_SCATTER_MAX];
    char name[EXP_SCATTER_MAX][64];
} scatter_spec;

/* --scatter's list of canon:norm:metric names: EXIT_OK or one line. */
int exp_parse_scatter(const char *cmd, const char *list, scatter_spec *sc);

/* pairs.tsv's header row with its newline (malloc'd; NULL when out of memory). */
char *exp_pairs_header(void);
/* DIR/pairs.tsv opened with its header row (o->f NULL with --no-pairs). */
int exp_open_pairs(const exp_args *a, cli_out *o);
/* --save-data: the file names of MDP j (mdp-J.npz, rewards-J.npz) into the two buffers. */
void exp_data_names(size_t j, char mdp[64], char rewards[64]);

/* Run the study of a->o (its slice, for a shard): pairs.tsv's rows streamed
 * onto pairs (NULL: none) and --save-data files into a->dir as MDPs finish,
 * a progress bar on stderr when show_progress; *secs gets the wall time. */
int exp_stream(const exp_args *a, FILE *pairs, int show_progress, starc_study **s, double *secs);
/* exp_stream() into a->dir/pairs.tsv (with its header, unless --no-pairs),
 * committed when the run succeeds; progress with --progress or a terminal. */
int exp_compute(const exp_args *a, starc_study **s, double *secs);

/* Every output of the complete study s into a->dir (marked incomplete by
 * the caller's cli_dir_begin): correlations.tsv, summary.json, figure.gp,
 * scatter.gp and their png (unless --no-render or without gnuplot), then the
 * directory marked done; the report on out (NULL: none) and the JSON summary's
 * members into summary (NULL: none).  secs: the time reported. */
int exp_write_outputs(const exp_args *a, const scatter_spec *sc, const starc_study *s, double secs, FILE *out,
                      json_t *summary);

/* experiment-shard.c: the settings of the study a (with the variants of sc)
 * that shards must share: a new JSON object. */
json_t *exp_settings(const exp_args *a, const scatter_spec *sc);
/* experiment-shard.c: --shard K/N: the slice's pairs.tsv rows, --save-data
 * files, points.npy and, last, shard.json into a->dir. */
int exp_run_shard(const exp_args *a, const scatter_spec *sc, FILE *out, json_t *summary);

/* experiment-mpi.c: whether this process was started by an MPI launcher
 * (mpirun, srun; always 0 without MPI), and the run over its ranks: rank 0
 * writes into a->dir exactly what the single run writes, the others nothing. */
int exp_mpi_launched(void);
int exp_run_mpi(const exp_args *a, const scatter_spec *sc);

#endif
