/* The section of a result file (section-file.h). */
#include <config.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>

#include "discovery.h"
#include "section-distance.h"
#include "section-file.h"
#include "section-json.h"
#include "staging.h"

/* Stage the file (its bytes in text) under its safe name and build the cells of r. */
static int file_cells(nb_section *s, const nb_file_result *r, const char *path, const char *text, size_t len)
{
    char *base = nb_basename(path), *dir = nb_dirname(path);
    char *name = base ? nb_safe_name(base) : NULL, *stem = base ? nb_strip_ext(base) : NULL;
    int st = !base || !dir || !name || !stem ? nb_oom(s->x) : nb_stage_write(s, name, text, len, s->shown);
    if (st)
        ;
    else if (strcmp(r->kind, STARC_RESULTS_KIND_DISTANCE) == 0)
        st = nb_distance_cells(s, r, name, dir, stem);
    else if (strcmp(r->kind, STARC_RESULTS_KIND_PAIR) == 0)
        st = nb_pair_cells(s, r, name);
    else
        st = nb_json_result_cells(s, r, name);
    free(base);
    free(dir);
    free(name);
    free(stem);
    return st;
}

int nb_file_section(nb_exporter *x, const char *path, const char *sub, int *recognised)
{
    *recognised = 0;
    char *text = NULL;
    size_t len = 0;
    nb_file_result r;
    int st = nb_slurp(path, NB_SMALL_MAX, &text, &len, x->err);
    if (!st)
        st = nb_file_result_read(path, text, len, &r, recognised, x->err);
    if (!st) {
        nb_section s;
        st = nb_section_begin(x, &s, r.kind, path, sub);
        if (!st)
            st = file_cells(&s, &r, path, text, len);
        st = nb_section_end(&s, st);
        nb_file_result_free(&r);
    }
    free(text);
    return st;
}
