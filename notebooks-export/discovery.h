/* Discovery: what a result directory or file is, by the names of the results
 * contract (<starc/results.h>), the header the writers use too.
 *
 * - A directory with pairs.tsv or correlations.tsv is a study (`starc
 *   experiment`), one with curves.tsv an overoptimisation sweep (`starc
 *   overopt`), one with points.tsv and fits.tsv (and no curves.tsv) the
 *   fits of logged runs (`starc fit`), one with MANIFEST.sha256 an earlier export's data directory
 *   (never a result).
 * - A JSON file is a result by its keys (nb_json_kind()).
 * - A .tsv or .txt file is a distance matrix (a header of N names, optionally
 *   after an empty corner cell, then N rows of N numbers, each optionally led
 *   by its name) or, holding a single number, the distance of a pair.
 *
 * No side effects: these functions read files and parse; sections and
 * staging are elsewhere.  Not part of libstarc's API.  Implemented by
 * discovery.c. */
#ifndef STARC_NB_DISCOVERY_H
#define STARC_NB_DISCOVERY_H

#include <stddef.h>
#include <jansson.h>
#include <starc/error.h>

#include "tsv.h"

/* Directories searched below the argument when it is a directory of results. */
#define NB_MAX_DEPTH 4

typedef enum nb_dir_kind {
    NB_DIR_OTHER = 0,  /* searched for results, if a collection is being walked */
    NB_DIR_STUDY,
    NB_DIR_OVEROPT,
    NB_DIR_FIT,        /* a `starc fit` directory */
    NB_DIR_DATA        /* an earlier export's data directory */
} nb_dir_kind;

/* What the directory dir is. */
nb_dir_kind nb_dir_kind_of(const char *dir);

/* The kind of result directory the file base (in directory dir) belongs to:
 * NB_DIR_STUDY for pairs.tsv and correlations.tsv, and for summary.json in a
 * study directory; NB_DIR_OVEROPT for curves.tsv, fits.tsv and summary.json
 * in an overopt directory; NB_DIR_FIT for the files of `starc fit`
 * (STARC_RESULTS_FIT_*_TSV, summary.json) in a fit directory; else
 * NB_DIR_OTHER. */
nb_dir_kind nb_file_dir_kind(const char *dir, const char *base);

/* Is the file name one that may hold a result (.tsv, .json, .txt)? */
int nb_is_result_name(const char *name);

/* The result kind (STARC_RESULTS_KIND_*) of a JSON value by its keys, or
 * NULL: names + matrix: distance; sigma_true or proxy_optimal: proxy;
 * method + coef + objective: regularize; regret + true_optimal_return:
 * regret; distance (a number or null): pair. */
const char *nb_json_kind(json_t *j);

/* A distance matrix: n names (borrowed from the parsed file) and n x n
 * distances, row-major, NaN where undefined. */
typedef struct nb_matrix {
    size_t n;
    char **names;
    double *D;
} nb_matrix;

/* A distance matrix from a TSV table (see above); STARC_EFORMAT naming
 * the file (name) and the row otherwise.  M->names point into t. */
int nb_matrix_from_table(const nb_table *t, nb_matrix *M, const char *name, starc_error *err);
/* A distance matrix from JSON {"names": [...], "matrix": [[...]]} (null =
 * undefined); STARC_EFORMAT otherwise.  M->names is malloc'd (free it),
 * its strings point into j. */
int nb_matrix_from_json(json_t *j, nb_matrix *M, const char *name, starc_error *err);
/* Free a matrix parsed from JSON (names too) or from a table (names_owned 0). */
void nb_matrix_free(nb_matrix *M, int names_owned);

/* A result file, read and recognised. */
typedef struct nb_file_result {
    const char *kind;  /* STARC_RESULTS_KIND_DISTANCE, _PAIR, _PROXY, _REGULARIZE or _REGRET */
    json_t *json;      /* the parsed JSON, for a .json file */
    nb_table table;    /* the parsed table, for a TSV/text file */
    nb_matrix M;       /* kind distance: the matrix */
    double pair;       /* kind pair: the distance (NaN: undefined) */
} nb_file_result;

/* Recognise the result in the file path whose len bytes are text.  On
 * success r holds it (free with nb_file_result_free()).  *recognised tells
 * whether the file is a result at all: a file that is none (not JSON, JSON
 * with unknown keys, a table that is no matrix) fails with *recognised 0;
 * a result that is malformed (a JSON matrix with a short row) fails with
 * *recognised 1. */
int nb_file_result_read(const char *path, const char *text, size_t len, nb_file_result *r, int *recognised,
                        starc_error *err);
void nb_file_result_free(nb_file_result *r);

#endif
