/* The small TSV reader of the notebook exporter (tsv.h). */
#include <config.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "tsv.h"

void nb_table_free(nb_table *t)
{
    if (!t)
        return;
    free(t->head);
    if (t->rows)
        for (size_t i = 0; i < t->nrow; i++)
            free(t->rows[i]);
    free(t->rows);
    free(t->nf);
    free(t->store);
    memset(t, 0, sizeof *t);
}

/* Split one line (NUL-terminated, writable) on tabs into a malloc'd array. */
static char **split_tabs(char *line, size_t *nf)
{
    size_t k = 1;
    for (char *p = line; *p; p++)
        k += *p == '\t';
    char **f = malloc(k * sizeof *f);
    if (!f)
        return NULL;
    size_t i = 0;
    f[i++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            f[i++] = p + 1;
        }
    *nf = k;
    return f;
}

int nb_table_parse(const char *text, size_t len, const char *name, nb_table *t, starc_error *err)
{
    memset(t, 0, sizeof *t);
    if (memchr(text, '\0', len))
        return nb_fail(err, STARC_EFORMAT, "%s: not a text file (NUL byte)", name);
    t->store = malloc(len + 1);
    if (!t->store)
        return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
    memcpy(t->store, text, len);
    t->store[len] = '\0';
    size_t cap = 0;
    int have_head = 0;
    char *p = t->store;
    while (*p) {
        char *e = strchr(p, '\n');
        char *next = e ? e + 1 : p + strlen(p);
        if (e)
            *e = '\0';
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        int blank = 1;
        for (char *q = p; *q; q++)
            if (!isspace((unsigned char)*q))
                blank = 0;
        if (!blank && p[0] != '#') {
            size_t nf;
            char **f = split_tabs(p, &nf);
            if (!f) {
                nb_table_free(t);
                return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
            }
            if (!have_head) {
                t->head = f;
                t->ncol = nf;
                have_head = 1;
            } else {
                if (t->nrow == cap) {
                    cap = cap ? 2 * cap : 64;
                    char ***r = realloc(t->rows, cap * sizeof *r);
                    size_t *c = r ? realloc(t->nf, cap * sizeof *c) : NULL;
                    if (r)
                        t->rows = r;
                    if (c)
                        t->nf = c;
                    if (!r || !c) {
                        free(f);
                        nb_table_free(t);
                        return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
                    }
                }
                t->rows[t->nrow] = f;
                t->nf[t->nrow] = nf;
                t->nrow++;
            }
        }
        p = next;
    }
    if (!have_head) {
        nb_table_free(t);
        return nb_fail(err, STARC_EFORMAT, "%s: no header line", name);
    }
    return STARC_OK;
}

long nb_table_col(const nb_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncol; j++)
        if (strcmp(t->head[j], name) == 0)
            return (long)j;
    return -1;
}

int nb_parse_number(const char *s, double *x)
{
    char *end;
    while (*s == ' ')
        s++;
    if (!*s)
        return 0;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    while (*end == ' ')
        end++;
    if (*end)
        return 0;
    *x = v;
    return 1;
}

int nb_table_col_numeric(const nb_table *t, size_t j)
{
    double x;
    for (size_t i = 0; i < t->nrow; i++)
        if (j < t->nf[i] && !nb_parse_number(t->rows[i][j], &x))
            return 0;
    return 1;
}

double nb_table_num(const nb_table *t, size_t i, long j)
{
    double v;
    if (j < 0 || (size_t)j >= t->nf[i] || !nb_parse_number(t->rows[i][j], &v))
        return NAN;
    return v;
}
