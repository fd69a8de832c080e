/* What a result directory or file is (discovery.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>

#include "discovery.h"
#include "files.h"
#include "text.h"
#include "../tools/output.h"

static int has_file(const char *dir, const char *name)
{
    char *p = cli_path_join(dir, name);
    int r = p && nb_is_file(p);
    free(p);
    return r;
}

static int is_study_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_STUDY_PAIRS) || has_file(dir, STARC_RESULTS_STUDY_CORRELATIONS);
}

static int is_overopt_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_OVEROPT_CURVES);
}

static int is_fit_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_FIT_POINTS_TSV) && has_file(dir, STARC_RESULTS_FIT_FITS_TSV);
}

nb_dir_kind nb_dir_kind_of(const char *dir)
{
    if (has_file(dir, STARC_RESULTS_NOTEBOOK_MANIFEST))
        return NB_DIR_DATA;
    if (is_study_dir(dir))
        return NB_DIR_STUDY;
    if (is_overopt_dir(dir))
        return NB_DIR_OVEROPT;
    if (is_fit_dir(dir))
        return NB_DIR_FIT;
    return NB_DIR_OTHER;
}

nb_dir_kind nb_file_dir_kind(const char *dir, const char *base)
{
#define IS(name) (strcmp(base, name) == 0)
    if (IS(STARC_RESULTS_STUDY_PAIRS) || IS(STARC_RESULTS_STUDY_CORRELATIONS) ||
        (IS(STARC_RESULTS_STUDY_SUMMARY) && is_study_dir(dir)))
        return NB_DIR_STUDY;
    if ((IS(STARC_RESULTS_OVEROPT_CURVES) || IS(STARC_RESULTS_OVEROPT_FITS) || IS(STARC_RESULTS_OVEROPT_SUMMARY)) &&
        is_overopt_dir(dir))
        return NB_DIR_OVEROPT;
    if ((IS(STARC_RESULTS_FIT_POINTS_TSV) || IS(STARC_RESULTS_FIT_FITS_TSV) || IS(STARC_RESULTS_FIT_EXTRAP_TSV) ||
         IS(STARC_RESULTS_FIT_SCALING_TSV) || IS(STARC_RESULTS_FIT_SUMMARY_JSON)) &&
        nb_dir_kind_of(dir) == NB_DIR_FIT)
        return NB_DIR_FIT;
#undef IS
    return NB_DIR_OTHER;
}

int nb_is_result_name(const char *name)
{
    const char *e = nb_ext(name);
    return strcmp(e, ".tsv") == 0 || strcmp(e, ".json") == 0 || strcmp(e, ".txt") == 0;
}

const char *nb_json_kind(json_t *j)
{
    if (!json_is_object(j))
        return NULL;
#define HAS(key) (json_object_get(j, key) != NULL)
    if (HAS(STARC_RESULTS_DISTANCE_KEY_MATRIX) && HAS(STARC_RESULTS_DISTANCE_KEY_NAMES))
        return STARC_RESULTS_KIND_DISTANCE;
    if (HAS(STARC_RESULTS_PROXY_KEY_SIGMA_TRUE) || HAS(STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL))
        return STARC_RESULTS_KIND_PROXY;
    if (HAS(STARC_RESULTS_REGULARIZE_KEY_METHOD) && HAS(STARC_RESULTS_REGULARIZE_KEY_COEF) &&
        HAS(STARC_RESULTS_REGULARIZE_KEY_OBJECTIVE))
        return STARC_RESULTS_KIND_REGULARIZE;
    if (HAS(STARC_RESULTS_REGRET_KEY_REGRET) && HAS(STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL))
        return STARC_RESULTS_KIND_REGRET;
#undef HAS
    json_t *d = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_DISTANCE);
    if (d && (json_is_number(d) || json_is_null(d)))
        return STARC_RESULTS_KIND_PAIR;
    return NULL;
}

/* ---- distance matrices ------------------------------------------------------ */

void nb_matrix_free(nb_matrix *M, int names_owned)
{
    if (names_owned)
        free(M->names);
    free(M->D);
    M->names = NULL;
    M->D = NULL;
    M->n = 0;
}

int nb_matrix_from_table(const nb_table *t, nb_matrix *M, const char *name, starc_error *err)
{
    size_t n = t->nrow;
    M->n = n;
    M->names = NULL;
    M->D = NULL;
    if (n == 0)
        return nb_fail(err, STARC_EFORMAT, "%s: no rows under the header", name);
    if (t->ncol != n && t->ncol != n + 1) /* n + 1: a corner cell before the names */
        return nb_fail(err, STARC_EFORMAT, "%s: header has %zu names for %zu rows", name, t->ncol, n);
    /* every row has the same layout: n numbers, or a label and n numbers
     * (always the latter under a header with a corner cell) */
    size_t want = t->ncol == n + 1 ? n + 1 : t->nf[0];
    if (want != n && want != n + 1)
        want = n;
    if (!(M->D = malloc(n * n * sizeof *M->D)))
        return nb_fail(err, STARC_ENOMEM, "out of memory");
    int st = STARC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        if (t->nf[i] != want) {
            st = nb_fail(err, STARC_EFORMAT, "%s: row %zu has %zu fields, expected %zu", name, i + 1, t->nf[i],
                         want);
            break;
        }
        size_t off = t->nf[i] - n;
        for (size_t j = 0; j < n && !st; j++)
            if (!nb_parse_number(t->rows[i][off + j], &M->D[i * n + j]))
                st = nb_fail(err, STARC_EFORMAT, "%s: row %zu, column %zu: '%s' is not a number", name, i + 1,
                             j + 1, t->rows[i][off + j]);
    }
    if (st) {
        nb_matrix_free(M, 0);
        return st;
    }
    M->n = n;
    M->names = t->head + (t->ncol - n);
    return STARC_OK;
}

/* Row i of a JSON matrix into D[i*n ...]; STARC_EFORMAT naming the entry otherwise. */
static int json_row(json_t *row, size_t i, size_t n, double *D, const char *name, starc_error *err)
{
    if (!json_is_array(row) || json_array_size(row) != n)
        return nb_fail(err, STARC_EFORMAT, "%s: matrix row %zu does not have %zu entries", name, i, n);
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_array_get(row, k);
        if (json_is_number(v))
            D[i * n + k] = json_number_value(v);
        else if (json_is_null(v))
            D[i * n + k] = NAN;
        else
            return nb_fail(err, STARC_EFORMAT, "%s: matrix[%zu][%zu] is not a number or null", name, i, k);
    }
    return STARC_OK;
}

int nb_matrix_from_json(json_t *j, nb_matrix *M, const char *name, starc_error *err)
{
    json_t *names = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_NAMES);
    json_t *mat = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_MATRIX);
    M->D = NULL;
    M->names = NULL;
    M->n = 0;
    if (!json_is_array(names) || !json_is_array(mat))
        return nb_fail(err, STARC_EFORMAT, "%s: \"" STARC_RESULTS_DISTANCE_KEY_NAMES "\" and \""
                       STARC_RESULTS_DISTANCE_KEY_MATRIX "\" must be arrays", name);
    size_t n = json_array_size(names);
    if (n == 0 || json_array_size(mat) != n)
        return nb_fail(err, STARC_EFORMAT, "%s: %zu names but %zu matrix rows", name, n, json_array_size(mat));
    M->n = n;
    M->names = calloc(n, sizeof *M->names);
    M->D = malloc(n * n * sizeof *M->D);
    int st = !M->names || !M->D ? nb_fail(err, STARC_ENOMEM, "out of memory") : STARC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        json_t *s = json_array_get(names, i);
        if (!json_is_string(s))
            st = nb_fail(err, STARC_EFORMAT, "%s: names[%zu] is not a string", name, i);
        else {
            M->names[i] = (char *)json_string_value(s);
            st = json_row(json_array_get(mat, i), i, n, M->D, name, err);
        }
    }
    if (st)
        nb_matrix_free(M, 1);
    return st;
}

/* ---- result files ------------------------------------------------------------ */

void nb_file_result_free(nb_file_result *r)
{
    nb_matrix_free(&r->M, r->json != NULL); /* a JSON matrix owns its names array */
    json_decref(r->json);
    nb_table_free(&r->table);
    memset(r, 0, sizeof *r);
}

static int read_json(const char *path, const char *text, size_t len, nb_file_result *r, int *recognised,
                     starc_error *err)
{
    json_error_t je;
    r->json = json_loadb(text, len, 0, &je);
    if (!r->json)
        return nb_fail(err, STARC_EFORMAT, "%s: line %d: %s", path, je.line, je.text);
    r->kind = nb_json_kind(r->json);
    if (!r->kind)
        return nb_fail(err, STARC_EINVAL, "%s: not a starc result (unknown JSON keys)", path);
    *recognised = 1;
    if (strcmp(r->kind, STARC_RESULTS_KIND_DISTANCE) == 0)
        return nb_matrix_from_json(r->json, &r->M, path, err);
    if (strcmp(r->kind, STARC_RESULTS_KIND_PAIR) == 0) {
        json_t *d = json_object_get(r->json, STARC_RESULTS_DISTANCE_KEY_DISTANCE);
        r->pair = json_is_number(d) ? json_number_value(d) : NAN;
    }
    return STARC_OK;
}

static int read_table(const char *path, const char *text, size_t len, nb_file_result *r, int *recognised,
                      starc_error *err)
{
    starc_error local;
    starc_error_clear(&local);
    if (nb_table_parse(text, len, path, &r->table, &local))
        return nb_fail(err, STARC_EINVAL, "%s: not a starc result (%s)", path, local.message);
    const nb_table *t = &r->table;
    if (t->nrow == 0 && t->ncol == 1 && nb_parse_number(t->head[0], &r->pair))
        r->kind = STARC_RESULTS_KIND_PAIR;
    else if (nb_matrix_from_table(t, &r->M, path, &local) == STARC_OK)
        r->kind = STARC_RESULTS_KIND_DISTANCE;
    else
        return nb_fail(err, local.status == STARC_ENOMEM ? STARC_ENOMEM : STARC_EINVAL,
                       "%s: not a starc result (%s)", path, local.message);
    *recognised = 1;
    return STARC_OK;
}

int nb_file_result_read(const char *path, const char *text, size_t len, nb_file_result *r, int *recognised,
                        starc_error *err)
{
    memset(r, 0, sizeof *r);
    r->pair = NAN;
    *recognised = 0;
    char *base = nb_basename(path);
    if (!base)
        return nb_fail(err, STARC_ENOMEM, "out of memory");
    int json = strcmp(nb_ext(base), ".json") == 0;
    free(base);
    int st = json ? read_json(path, text, len, r, recognised, err)
                  : read_table(path, text, len, r, recognised, err);
    if (st)
        nb_file_result_free(r);
    return st;
}
