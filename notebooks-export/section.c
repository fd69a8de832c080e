/* One export in progress and its sections (section.h). */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <starc/results.h>

#include "cells.h"
#include "files.h"
#include "section.h"
#include "../tools/output.h"

int nb_exporter_init(nb_exporter *x, const nb_options *o, starc_error *err)
{
    memset(x, 0, sizeof *x);
    x->o = *o; /* resolved by nb_export(), which owns the defaults */
    if (x->o.table_rows == 0)
        x->o.table_rows = 1;
    x->err = err;
    x->cells = json_array();
    x->inputs = json_array();
    x->manifest = json_object();
    x->sections = json_array();
    x->skipped = json_array();
    x->warnings = json_array();
    x->ids = json_object();
    if (!x->cells || !x->inputs || !x->manifest || !x->sections || !x->skipped || !x->warnings || !x->ids)
        return nb_oom(x);
    return STARC_OK;
}

void nb_exporter_free(nb_exporter *x)
{
    free(x->result_name);
    free(x->data_tmp);
    free(x->data_name);
    json_decref(x->cells);
    json_decref(x->inputs);
    json_decref(x->manifest);
    json_decref(x->sections);
    json_decref(x->skipped);
    json_decref(x->warnings);
    json_decref(x->ids);
    memset(x, 0, sizeof *x);
}

int nb_oom(nb_exporter *x)
{
    return nb_fail(x->err, STARC_ENOMEM, "out of memory");
}

void nb_warn(nb_exporter *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(x->warnings, nb_json_str(msg));
}

int nb_skip(nb_exporter *x, const char *sub)
{
    char *p = cli_path_join(x->result_name, sub);
    if (!p)
        return nb_oom(x);
    json_array_append_new(x->skipped, nb_json_str(p));
    free(p);
    return STARC_OK;
}

static void section_free(nb_section *s)
{
    free(s->src);
    free(s->shown);
    free(s->id);
    free(s->dir);
}

int nb_section_end(nb_section *s, int st)
{
    if (!st && s->id) {
        json_t *e = json_object();
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_ID, json_string(s->id));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_KIND, json_string(s->kind));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_PATH, nb_json_str(s->shown));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_FIGURES, json_integer(s->figures));
        if (json_array_append_new(s->x->sections, e))
            st = nb_oom(s->x);
    }
    section_free(s);
    return st;
}

/* The safe base of a section's id: sub with '/' as '-' (a file's extension
 * dropped), or the argument's name; the kind when nothing is left of it. */
static char *section_base(nb_exporter *x, const char *kind, const char *src, const char *sub)
{
    char *base = NULL;
    if (*sub) {
        char *flat = strdup(sub);
        if (flat)
            for (char *p = flat; *p; p++)
                if (*p == '/')
                    *p = '-';
        base = flat && !nb_is_dir(src) ? nb_strip_ext(flat) : (flat ? strdup(flat) : NULL);
        free(flat);
    } else {
        base = nb_is_dir(src) ? strdup(x->result_name) : nb_strip_ext(x->result_name);
    }
    char *id = base ? nb_safe_name(base) : NULL;
    free(base);
    if (id && (strcmp(id, "_") == 0 || strcmp(id, "_.") == 0 || strcmp(id, "_..") == 0)) {
        free(id);
        id = strdup(kind);
    }
    return id;
}

int nb_section_begin(nb_exporter *x, nb_section *s, const char *kind, const char *src, const char *sub)
{
    memset(s, 0, sizeof *s);
    s->x = x;
    s->kind = kind;
    s->src = strdup(src);
    s->shown = *sub ? cli_path_join(x->result_name, sub) : strdup(x->result_name);
    char *id = section_base(x, kind, src, sub);
    size_t len = id ? strlen(id) + 24 : 0;
    if (!s->src || !s->shown || !id || !(s->id = malloc(len))) {
        free(id);
        return nb_oom(x);
    }
    /* unique ids: id, id-2, id-3, ... */
    snprintf(s->id, len, "%s", id);
    for (unsigned k = 2; json_object_get(x->ids, s->id); k++)
        snprintf(s->id, len, "%s-%u", id, k);
    free(id);
    json_object_set_new(x->ids, s->id, json_true());
    s->dir = cli_path_join(x->data_tmp, s->id);
    if (!s->dir)
        return nb_oom(x);
    if (mkdir(s->dir, 0755) != 0)
        return nb_fail(x->err, STARC_EIO, "%s: cannot create directory: %s", s->dir, strerror(errno));
    return STARC_OK;
}

static int add_cell(nb_section *s, nb_cell_type type, const nb_buf *b, json_t *outputs)
{
    if (!nb_buf_ok(b)) {
        json_decref(outputs);
        return nb_oom(s->x);
    }
    json_t *c = nb_cell_new(type, nb_buf_str(b), outputs);
    return !c || json_array_append_new(s->x->cells, c) ? nb_oom(s->x) : STARC_OK;
}

int nb_section_md(nb_section *s, const nb_buf *b)
{
    return add_cell(s, NB_CELL_MARKDOWN, b, NULL);
}

int nb_section_code(nb_section *s, const nb_buf *b, json_t *outputs)
{
    return add_cell(s, NB_CELL_CODE, b, outputs);
}

void nb_section_heading(nb_buf *b, const nb_section *s, const char *what)
{
    nb_buf_printf(b, "## %s: ", what);
    nb_buf_md(b, NB_MD_TEXT, s->shown);
    nb_buf_add(b, "\n\n");
}

void nb_section_py_path(nb_buf *b, const nb_section *s, const char *name)
{
    nb_buf tail;
    nb_buf_init(&tail);
    nb_buf_printf(&tail, "/%s/%s", s->id, name);
    nb_buf_add(b, "DATA + ");
    nb_buf_py(b, NB_PY_STRING, nb_buf_str(&tail));
    if (!nb_buf_ok(&tail))
        b->oom = 1;
    nb_buf_free(&tail);
}

void nb_section_py_load_json(nb_buf *b, const nb_section *s, const char *name, const char *var)
{
    nb_buf_add(b, "with open(");
    nb_section_py_path(b, s, name);
    nb_buf_printf(b, ", encoding=\"utf-8\") as f:\n    %s = json.load(f)\n", var);
}

char *nb_section_shown(const nb_section *s, const char *srcname)
{
    if (nb_is_dir(s->src))
        return cli_path_join(s->shown, srcname);
    char *dir = nb_dirname(s->shown);
    char *p = !dir ? NULL : strcmp(dir, ".") == 0 ? strdup(srcname) : cli_path_join(dir, srcname);
    free(dir);
    return p;
}
