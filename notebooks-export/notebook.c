/* Assembly of a notebook (notebook.h): nb_export().
 *
 * Flow: check the output paths; create a temporary data directory beside
 * the notebook; find the results under the argument (discovery.h) and give
 * each its section (section-*.c), which stages its files and adds its cells;
 * write the manifest; put the provenance and set-up cells in front
 * (section-provenance.h), give every cell its id and write the notebook
 * (cells.h) to a temporary file with the tool's atomic writer (tools/cli.h);
 * finally rename the data directory into place, then the notebook. */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <starc/results.h>
#include <starc/starc.h>

#include "../tools/cli.h"
#include "cells.h"
#include "discovery.h"
#include "files.h"
#include "notebook.h"
#include "section-file.h"
#include "section-fit.h"
#include "section-overopt.h"
#include "section-provenance.h"
#include "section-study.h"
#include "section.h"
#include "staging.h"
#include "../tools/output.h"

void nb_options_default(nb_options *o)
{
    o->render = 1;
    o->cmd = "notebook";
    o->command = NULL;
    o->title = NULL;
    o->table_rows = 12;
    o->svg_max_bytes = (size_t)1 << 20;
}

/* ---- finding the results ---------------------------------------------------- */

/* A directory below the argument: a result directory is a section, an
 * earlier export's data directory is left alone, any other is searched. */
static int walk(nb_exporter *x, const char *dir, const char *sub, int depth);

static int walk_dir(nb_exporter *x, const char *path, const char *sub, int depth)
{
    switch (nb_dir_kind_of(path)) {
    case NB_DIR_DATA: return STARC_OK;
    case NB_DIR_STUDY: return nb_study_section(x, path, sub);
    case NB_DIR_OVEROPT: return nb_overopt_section(x, path, sub);
    case NB_DIR_FIT: return nb_fit_section(x, path, sub);
    default: return depth < NB_MAX_DEPTH ? walk(x, path, sub, depth + 1) : STARC_OK;
    }
}

/* A file below the argument: .tsv, .json and .txt files are tried as results;
 * one that is none is reported as skipped. */
static int walk_file(nb_exporter *x, const char *path, const char *sub)
{
    int recognised;
    int st = nb_file_section(x, path, sub, &recognised);
    if (st && !recognised && st != STARC_ENOMEM && st != STARC_EIO) {
        starc_error_clear(x->err);
        st = nb_skip(x, sub);
    }
    return st;
}

/* Walk a directory of results, entries in byte order of names, hidden ones left out. */
static int walk(nb_exporter *x, const char *dir, const char *sub, int depth)
{
    char **names;
    size_t n;
    int st = nb_list_dir(dir, &names, &n, x->err);
    for (size_t i = 0; i < n && !st; i++) {
        if (names[i][0] == '.')
            continue;
        char *path = cli_path_join(dir, names[i]);
        char *child = *sub ? cli_path_join(sub, names[i]) : strdup(names[i]);
        if (!path || !child)
            st = nb_oom(x);
        else if (nb_is_dir(path))
            st = walk_dir(x, path, child, depth);
        else if (nb_is_file(path) && nb_is_result_name(names[i]))
            st = walk_file(x, path, child);
        free(path);
        free(child);
    }
    nb_free_list(names, n);
    return st;
}

/* A file argument: a file of a result directory exports the directory (shown
 * by its name), any other is a result file. */
static int find_file_results(nb_exporter *x, const char *result)
{
    char *base = nb_basename(result), *dir = nb_dirname(result);
    nb_dir_kind k = base && dir ? nb_file_dir_kind(dir, base) : NB_DIR_OTHER;
    char *dbase = k != NB_DIR_OTHER ? nb_basename(dir) : NULL;
    int st, recognised;
    if (!base || !dir || (k != NB_DIR_OTHER && !dbase)) {
        st = nb_oom(x);
    } else if (k != NB_DIR_OTHER) {
        free(x->result_name);
        x->result_name = dbase;
        dbase = NULL;
        st = k == NB_DIR_STUDY     ? nb_study_section(x, dir, "")
             : k == NB_DIR_OVEROPT ? nb_overopt_section(x, dir, "")
                                   : nb_fit_section(x, dir, "");
    } else {
        st = nb_file_section(x, result, "", &recognised);
    }
    free(dbase);
    free(base);
    free(dir);
    return st;
}

/* The argument: a result directory, a directory of results, a file inside a
 * result directory, or a result file. */
static int find_results(nb_exporter *x, const char *result)
{
    if (nb_is_dir(result)) {
        switch (nb_dir_kind_of(result)) {
        case NB_DIR_DATA:
            return nb_fail(x->err, STARC_EINVAL, "%s: is a notebook data directory, not a result", result);
        case NB_DIR_STUDY: return nb_study_section(x, result, "");
        case NB_DIR_OVEROPT: return nb_overopt_section(x, result, "");
        case NB_DIR_FIT: return nb_fit_section(x, result, "");
        default: x->collection = 1; return walk(x, result, "", 1);
        }
    }
    if (!nb_is_file(result)) {
        if (access(result, F_OK) != 0)
            return nb_fail(x->err, STARC_EINVAL, "%s: %s", result, strerror(errno));
        return nb_fail(x->err, STARC_EINVAL, "%s: not a file or directory", result);
    }
    return find_file_results(x, result);
}

/* ---- the notebook -------------------------------------------------------------- */

/* Notebook metadata: starc's provenance. */
static json_t *provenance(const nb_exporter *x)
{
    json_t *pv = json_object();
    if (!pv)
        return NULL;
    json_object_set_new(pv, "version", json_string(starc_version()));
    json_object_set_new(pv, "command", x->o.command ? nb_json_str(x->o.command) : json_null());
    json_object_set_new(pv, "result", nb_json_str(x->result_name));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR, json_string(x->data_name));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_INPUTS, json_deep_copy(x->inputs));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_SECTIONS, json_deep_copy(x->sections));
    return pv;
}

/* The notebook's text: provenance and set-up cells, the sections' cells, ids. */
static char *notebook_text(nb_exporter *x, size_t *len)
{
    json_t *cells = json_array();
    if (!cells || nb_provenance_cells(x, cells) || json_array_extend(cells, x->cells) ||
        nb_cells_assign_ids(cells)) {
        json_decref(cells);
        return NULL;
    }
    json_t *nb = nb_notebook_new(cells, provenance(x));
    char *text = nb ? nb_notebook_dumps(nb, len) : NULL;
    json_decref(nb);
    return text;
}

/* ---- output paths and placing ---------------------------------------------------- */

/* Where the outputs go. */
typedef struct outputs {
    const char *notebook;  /* the notebook's path */
    char *dir;             /* its directory */
    char *data;            /* the data directory's path */
    char *trash;           /* an earlier data directory moved aside, or NULL */
    int tmp_made;          /* x->data_tmp exists */
    cli_out file;          /* the notebook's temporary file, while open */
} outputs;

/* The name inputs are shown under: the argument's last component. */
static char *result_display_name(const char *result)
{
    char *b = nb_basename(result);
    if (b && (strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || strcmp(b, "/") == 0)) {
        char *real = realpath(result, NULL);
        if (real) {
            free(b);
            b = nb_basename(real);
            free(real);
        }
    }
    return b;
}

/* The data directory's name: the notebook's without ".ipynb", plus "_data", made safe. */
static char *data_dir_name(const char *notebook_base)
{
    size_t bl = strlen(notebook_base);
    size_t stem = nb_ends_with(notebook_base, ".ipynb") && bl > 6 ? bl - 6 : bl;
    size_t n = stem + sizeof STARC_RESULTS_NOTEBOOK_DATA_SUFFIX;
    char *dn = malloc(n);
    if (!dn)
        return NULL;
    snprintf(dn, n, "%.*s" STARC_RESULTS_NOTEBOOK_DATA_SUFFIX, (int)stem, notebook_base);
    char *safe = nb_safe_name(dn);
    free(dn);
    return safe;
}

/* Check the output paths and create the temporary data directory. */
static int prepare(nb_exporter *x, const char *result, const char *out, outputs *o)
{
    char *base = nb_basename(out);
    o->notebook = out;
    o->dir = nb_dirname(out);
    x->data_name = base ? data_dir_name(base) : NULL;
    x->result_name = result_display_name(result);
    free(base);
    if (!o->dir || !x->data_name || !x->result_name)
        return nb_oom(x);
    if (nb_is_dir(out))
        return nb_fail(x->err, STARC_EINVAL, "%s: is a directory; give the notebook's file name", out);
    if (!nb_is_dir(o->dir))
        return nb_fail(x->err, STARC_EINVAL, "%s: no such directory", o->dir);
    if (!(o->data = strchr(out, '/') ? cli_path_join(o->dir, x->data_name) : strdup(x->data_name)))
        return nb_oom(x);
    struct stat sb;
    if (lstat(o->data, &sb) == 0 && !(S_ISDIR(sb.st_mode) && nb_dir_kind_of(o->data) == NB_DIR_DATA))
        return nb_fail(x->err, STARC_EINVAL, "%s: exists and was not written by starc notebook; remove it or "
                                             "choose another output name", o->data);
    size_t tl = strlen(o->dir) + strlen(x->data_name) + 16;
    if (!(x->data_tmp = malloc(tl)))
        return nb_oom(x);
    snprintf(x->data_tmp, tl, "%s/.%s.tmpXXXXXX", o->dir, x->data_name);
    if (!mkdtemp(x->data_tmp))
        return nb_fail(x->err, STARC_EIO, "%s: cannot create a directory there: %s", o->dir, strerror(errno));
    o->tmp_made = 1;
    chmod(x->data_tmp, 0755);
    return STARC_OK;
}

/* A failure a tools/cli.h function has reported, as a status that gives the
 * exit status it chose (EXIT_USAGE: STARC_EIO; EXIT_COMPUTE: STARC_ENOMEM,
 * the one status of exit status 1 among those of a failed write). */
static int cli_reported(nb_exporter *x, int rc)
{
    return nb_reported(x->err, rc == EXIT_USAGE ? STARC_EIO : STARC_ENOMEM);
}

/* Write the notebook's text to its temporary file (tools/cli.h), kept open until placed. */
static int write_notebook(nb_exporter *x, outputs *o, const char *text, size_t len)
{
    /* cli_out_open() takes "-" for stdout; a notebook named "-" is a file */
    int rc = cli_out_open(x->o.cmd, strcmp(o->notebook, "-") == 0 ? "./-" : o->notebook, &o->file);
    if (rc)
        return cli_reported(x, rc);
    if (fwrite(text, 1, len, o->file.f) != len) {
        cli_out_abort(&o->file);
        return nb_fail(x->err, STARC_EIO, "%s: write failed", o->notebook);
    }
    return STARC_OK;
}

/* Into place: an earlier data directory aside, the new one in, then the
 * notebook; on failure the earlier data directory is put back. */
static int place(nb_exporter *x, outputs *o)
{
    struct stat sb;
    if (lstat(o->data, &sb) == 0) {
        size_t n = strlen(o->dir) + strlen(x->data_name) + 16;
        if (!(o->trash = malloc(n)))
            return nb_oom(x);
        snprintf(o->trash, n, "%s/.%s.oldXXXXXX", o->dir, x->data_name);
        if (!mkdtemp(o->trash) || rename(o->data, o->trash) != 0) {
            int st = nb_fail(x->err, STARC_EIO, "%s: cannot replace: %s", o->data, strerror(errno));
            if (o->trash[strlen(o->trash) - 1] != 'X')
                rmdir(o->trash);
            free(o->trash);
            o->trash = NULL;
            return st;
        }
    }
    if (rename(x->data_tmp, o->data) != 0) {
        int st = nb_fail(x->err, STARC_EIO, "%s: cannot rename into place: %s", o->data, strerror(errno));
        if (o->trash)
            rename(o->trash, o->data);
        return st;
    }
    o->tmp_made = 0;
    int rc = cli_out_commit(x->o.cmd, &o->file);
    if (rc) {
        nb_rmtree(o->data);
        if (o->trash)
            rename(o->trash, o->data);
        return cli_reported(x, rc);
    }
    if (o->trash)
        nb_rmtree(o->trash);
    return STARC_OK;
}

/* What was written, for the caller. */
static json_t *report_of(const nb_exporter *x, const outputs *o)
{
    json_t *r = json_object();
    if (!r)
        return NULL;
    json_object_set_new(r, STARC_RESULTS_NOTEBOOK_KEY_NOTEBOOK, nb_json_str(o->notebook));
    json_object_set_new(r, STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR, nb_json_str(o->data));
    json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_SECTIONS, x->sections);
    json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_INPUTS, x->inputs);
    json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_SKIPPED, x->skipped);
    json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_WARNINGS, x->warnings);
    return r;
}

/* Find the results, build the sections and the notebook, write and place them. */
static int export_into(nb_exporter *x, const char *result, outputs *o)
{
    int st = find_results(x, result);
    if (!st && json_array_size(x->sections) == 0)
        st = nb_fail(x->err, STARC_EINVAL, "%s: no starc result found (distance matrix, study, proxy, regularize, "
                                           "regret, overopt or fit output)", result);
    if (!st)
        st = nb_stage_manifest(x);
    if (st)
        return st;
    size_t len = 0;
    char *text = notebook_text(x, &len);
    if (!text)
        st = x->err && x->err->status ? x->err->status : nb_oom(x);
    else
        st = write_notebook(x, o, text, len);
    free(text);
    if (!st && (st = place(x, o)) && o->file.f)
        cli_out_abort(&o->file);
    return st;
}

int nb_export(const char *result, const char *out, const nb_options *opt, json_t **report, starc_error *err)
{
    starc_error_clear(err);
    if (report)
        *report = NULL;
    nb_exporter x;
    outputs o;
    memset(&o, 0, sizeof o);
    nb_options defaults;
    nb_options_default(&defaults);
    int st = nb_exporter_init(&x, opt ? opt : &defaults, err);
    if (!st && (!result || !*result || !out || !*out))
        st = nb_fail(err, STARC_EINVAL, "nb_export: missing result or output path");
    if (!st)
        st = prepare(&x, result, out, &o);
    if (!st)
        st = export_into(&x, result, &o);
    if (!st && report && !(*report = report_of(&x, &o)))
        st = nb_oom(&x);
    if (o.tmp_made)
        nb_rmtree(x.data_tmp);
    free(o.dir);
    free(o.data);
    free(o.trash);
    nb_exporter_free(&x);
    return st;
}
