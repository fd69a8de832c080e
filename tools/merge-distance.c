/* starc merge for distance-matrix shards (`starc distance --shard K/N -o DIR_K`):
 * the shards' entries, in the order of their ranges, are the upper triangle of
 * the matrix; OUT/matrix.tsv (and OUT/matrix.json with --format json) get the
 * bytes `starc distance` prints without --shard. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* Shard k's entries into packed[begin, end). */
static int read_entries(const char *cmd, const shard_set *set, size_t k, double *packed)
{
    char *path = cli_path_join(set->dirs[k], STARC_RESULTS_DISTANCE_ENTRIES);
    if (!path)
        return cli_fail(cmd, "out of memory");
    starc_npy_array arr;
    starc_npy_array_init(&arr);
    starc_error err;
    starc_error_clear(&err);
    const size_t len = set->end[k] - set->begin[k];
    int rc = EXIT_OK;
    if (starc_npy_read(path, &arr, &err))
        rc = cli_usage(cmd, "%s", err.message);
    else if (arr.ndim != 1 || arr.shape[0] != len)
        rc = cli_usage(cmd, "%s: %zu entries expected (range %zu to %zu of the shard's manifest)", path, len,
                       set->begin[k], set->end[k]);
    else
        memcpy(packed + set->begin[k], arr.data, len * sizeof *packed);
    starc_npy_array_clear(&arr);
    free(path);
    return rc;
}

/* The reward names of the settings; *n their number, checked against the set's total. */
static int read_names(const char *cmd, const shard_set *set, char ***names, size_t *n)
{
    json_t *jn = json_object_get(set->settings, STARC_RESULTS_DISTANCE_SET_NAMES);
    *n = json_is_array(jn) ? json_array_size(jn) : 0;
    if (*n < 3 || set->total != *n * (*n + 1) / 2)
        return cli_usage(cmd, "%s: the manifest's names and total do not describe a matrix", set->dirs[0]);
    if (!(*names = calloc(*n, sizeof **names)))
        return cli_fail(cmd, "out of memory");
    for (size_t i = 0; i < *n; i++)
        if (!((*names)[i] = (char *)json_string_value(json_array_get(jn, i))))
            return cli_usage(cmd, "%s: reward name %zu in the manifest is not a string", set->dirs[0], i + 1);
    return EXIT_OK;
}

static int write_out(const shard_merge_args *a, size_t n, char *const *names, const double *D)
{
    char *tsv = cli_path_join(a->out, STARC_RESULTS_DISTANCE_MATRIX_TSV);
    char *js = cli_path_join(a->out, STARC_RESULTS_DISTANCE_MATRIX_JSON);
    int rc = tsv && js ? cli_dir_begin(a->cmd, a->out) : cli_fail(a->cmd, "out of memory");
    if (!rc)
        rc = distance_write_matrix(a->cmd, tsv, CLI_TEXT, n, names, D);
    if (!rc && a->fmt == CLI_JSON)
        rc = distance_write_matrix(a->cmd, js, CLI_JSON, n, names, D);
    if (!rc && !(rc = cli_dir_done(a->cmd, a->out))) {
        if (a->fmt == CLI_JSON) {
            json_t *o = json_object();
            json_t *jn = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(jn, json_string(names[i]));
            json_object_set_new(o, STARC_RESULTS_DISTANCE_KEY_MATRIX, json_string(js));
            json_object_set_new(o, STARC_RESULTS_DISTANCE_KEY_NAMES, jn);
            rc = cli_json_print(o) ? cli_fail(a->cmd, "could not encode JSON output") : EXIT_OK;
        } else {
            printf("%s: %zu x %zu distance matrix\n", tsv, n, n);
        }
    }
    free(tsv);
    free(js);
    return rc;
}

int distance_merge(const shard_set *set, const shard_merge_args *a)
{
    char **names = NULL;
    size_t n = 0;
    int rc = read_names(a->cmd, set, &names, &n);
    double *packed = rc ? NULL : malloc(set->total * sizeof *packed);
    double *D = rc ? NULL : malloc(n * n * sizeof *D);
    if (!rc && (!packed || !D))
        rc = cli_fail(a->cmd, "out of memory for a %zu x %zu matrix", n, n);
    for (size_t k = 0; !rc && k < set->n; k++)
        rc = read_entries(a->cmd, set, k, packed);
    if (!rc) {
        distance_unpack(n, packed, D);
        rc = write_out(a, n, names, D);
    }
    free(names);
    free(packed);
    free(D);
    return rc;
}
