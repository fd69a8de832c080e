/* Staging a result's files into the notebook's data directory (staging.h). */
#include <config.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>

#include "cells.h"
#include "staging.h"
#include "../tools/output.h"

int nb_stage_record(nb_section *s, const char *name, const char *sha, uint64_t bytes, const char *shown)
{
    nb_exporter *x = s->x;
    char *rel = cli_path_join(s->id, name);
    if (!rel)
        return nb_oom(x);
    json_object_set_new(x->manifest, rel, json_string(sha));
    free(rel);
    if (shown) {
        json_t *e = json_object();
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_PATH, nb_json_str(shown));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_BYTES, json_integer((json_int_t)bytes));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_SHA256, json_string(sha));
        json_array_append_new(x->inputs, e);
    }
    return STARC_OK;
}

int nb_stage_copy(nb_section *s, const char *src, const char *srcname, const char *name, nb_copy_info *info)
{
    char *dst = cli_path_join(s->dir, name);
    char *shown = nb_section_shown(s, srcname);
    nb_copy_info tmp;
    int st;
    if (!dst || !shown)
        st = nb_oom(s->x);
    else if (!(st = nb_copy(src, dst, &tmp, s->x->err)))
        st = nb_stage_record(s, name, tmp.sha256, tmp.bytes, shown);
    if (!st && info)
        *info = tmp;
    else if (!st)
        nb_copy_info_clear(&tmp);
    free(dst);
    free(shown);
    return st;
}

int nb_stage_write(nb_section *s, const char *name, const char *data, size_t len, const char *shown)
{
    char *dst = cli_path_join(s->dir, name);
    char sha[65];
    nb_sha256_hex(data, len, sha);
    int st = !dst ? nb_oom(s->x) : nb_write(dst, data, len, s->x->err);
    if (!st)
        st = nb_stage_record(s, name, sha, len, shown);
    free(dst);
    return st;
}

int nb_stage_load(nb_section *s, const char *src, const char *srcname, const char *name, char **data, size_t *len)
{
    int st = nb_slurp(src, NB_SMALL_MAX, data, len, s->x->err);
    if (st)
        return st;
    char *shown = nb_section_shown(s, srcname);
    st = shown ? nb_stage_write(s, name, *data, *len, shown) : nb_oom(s->x);
    free(shown);
    if (st) {
        free(*data);
        *data = NULL;
    }
    return st;
}

/* If dir holds name: stage it and hand back its bytes and full path (*data
 * NULL when absent). */
static int stage_if_present(nb_section *s, const char *dir, const char *name, char **path, char **data, size_t *len)
{
    *data = NULL;
    *path = cli_path_join(dir, name);
    if (!*path)
        return nb_oom(s->x);
    return nb_is_file(*path) ? nb_stage_load(s, *path, name, name, data, len) : STARC_OK;
}

int nb_stage_table(nb_section *s, const char *dir, const char *name, nb_table *t, int *have)
{
    *have = 0;
    char *path, *text;
    size_t len;
    int st = stage_if_present(s, dir, name, &path, &text, &len);
    if (!st && text) {
        st = nb_table_parse(text, len, path, t, s->x->err);
        *have = !st;
    }
    free(text);
    free(path);
    return st;
}

int nb_stage_json(nb_section *s, const char *dir, const char *name, json_t **json)
{
    *json = NULL;
    char *path, *text;
    size_t len;
    int st = stage_if_present(s, dir, name, &path, &text, &len);
    if (!st && text) {
        json_error_t je;
        *json = json_loadb(text, len, 0, &je);
        if (!*json)
            st = nb_fail(s->x->err, STARC_EFORMAT, "%s: line %d: %s", path, je.line, je.text);
    }
    free(text);
    free(path);
    return st;
}

int nb_stage_read(nb_section *s, const char *name, char **data, size_t *len)
{
    char *path = cli_path_join(s->dir, name);
    int st = path ? nb_slurp(path, NB_SMALL_MAX, data, len, s->x->err) : nb_oom(s->x);
    free(path);
    return st;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int nb_stage_manifest(nb_exporter *x)
{
    size_t n = json_object_size(x->manifest), k = 0;
    const char **keys = malloc((n + 1) * sizeof *keys);
    if (!keys)
        return nb_oom(x);
    const char *key;
    json_t *v;
    json_object_foreach(x->manifest, key, v)
        keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_str_ptr);
    nb_buf b;
    nb_buf_init(&b);
    for (size_t i = 0; i < k; i++)
        nb_buf_printf(&b, "%s  %s\n", json_string_value(json_object_get(x->manifest, keys[i])), keys[i]);
    free(keys);
    char *path = cli_path_join(x->data_tmp, STARC_RESULTS_NOTEBOOK_MANIFEST);
    int st = !path || !nb_buf_ok(&b) ? nb_oom(x) : nb_write(path, nb_buf_str(&b), b.len, x->err);
    free(path);
    nb_buf_free(&b);
    return st;
}
