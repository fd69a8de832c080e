/* Reading the tabular logs of `starc fit` (tools/fit-log.c). */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "fit-log.h"

static const char *CMD = "fit";

void fit_log_free(fit_log_table *t)
{
    free(t->buf);
    free(t->names);
    free(t->cells);
    free(t->line);
    memset(t, 0, sizeof *t);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Split one line in place; CSV fields may be double-quoted ("" is a quote).  Returns the number
 * of fields (at most cap stored), or (size_t)-1 on an unterminated quote. */
static size_t split_line(char *s, char sep, char **out, size_t cap)
{
    size_t n = 0;
    if (sep == ',') /* the line's trailing blanks, once (per field it was quadratic in the line) */
        trim(s);
    for (;;) {
        char *f = s;
        if (sep == ',' && s[strspn(s, " \t\r")] == '"') {
            char *q = strchr(s, '"') + 1, *w = q;
            f = q;
            for (;;) {
                if (*q == '\0')
                    return (size_t)-1;
                if (*q == '"') {
                    if (q[1] == '"') {
                        *w++ = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                *w++ = *q++;
            }
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q != '\0' && *q != sep)
                return (size_t)-1;
            char c = *q;
            *w = '\0';
            if (n < cap)
                out[n] = f;
            n++;
            if (c == '\0')
                return n;
            s = q + 1;
            continue;
        }
        char *e = strchr(s, sep);
        if (e)
            *e = '\0';
        if (n < cap)
            out[n] = trim(f);
        n++;
        if (!e)
            return n;
        s = e + 1;
    }
}

typedef struct named {
    const char *name;
    size_t i;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The header's names: EXIT_USAGE at the first column (in header order) whose name is empty or
 * that an earlier column has; sorted, not pairwise, so that a wide header costs n log n. */
static int check_names(const fit_log_table *t, const char *path, size_t lineno)
{
    size_t nc = t->ncols, empty = nc, dup = nc;
    named *v = malloc(nc * sizeof *v);
    if (!v)
        return cli_fail(CMD, "out of memory");
    for (size_t j = 0; j < nc; j++) {
        v[j].name = t->names[j];
        v[j].i = j;
        if (!*t->names[j] && empty == nc)
            empty = j;
    }
    qsort(v, nc, sizeof *v, cmp_named);
    for (size_t k = 1; k < nc; k++)
        if (v[k].i < dup && strcmp(v[k - 1].name, v[k].name) == 0)
            dup = v[k].i;
    free(v);
    if (empty < dup)
        return cli_usage(CMD, "%s:%zu: column %zu has an empty name", path, lineno, empty + 1);
    if (dup < nc)
        return cli_usage(CMD, "%s:%zu: column '%s' appears twice in the header", path, lineno, t->names[dup]);
    return EXIT_OK;
}

/* The whole file as one NUL-terminated text buffer (t->buf, owned by t). */
static int read_text(fit_log_table *t, const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_usage(CMD, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    for (;;) {
        if (!b) {
            fclose(f);
            return cli_fail(CMD, "out of memory");
        }
        size_t r = fread(b + len, 1, cap - len - 1, f);
        len += r;
        if (len < cap - 1)
            break;
        char *nb = realloc(b, cap *= 2);
        if (!nb)
            free(b);
        b = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        return cli_usage(CMD, "%s: read error", path);
    }
    b[len] = '\0';
    t->buf = b;
    *len_out = len;
    if (memchr(b, '\0', len))
        return cli_usage(CMD, "%s: not a text file (it contains NUL bytes)", path);
    return EXIT_OK;
}

/* The header row s: the separator (guessed when the extension does not say), the column
 * names, and room for the rows the file can hold. */
static int take_header(fit_log_table *t, char *s, char *sep, size_t len, size_t nlines, const char *path,
                       size_t lineno)
{
    if (!*sep)
        *sep = strchr(s, '\t') ? '\t' : ',';
    char *copy = strdup(s); /* counting splits in place: count on a copy */
    if (!copy)
        return cli_fail(CMD, "out of memory");
    size_t nc = split_line(copy, *sep, NULL, 0);
    free(copy);
    if (nc == (size_t)-1)
        return cli_usage(CMD, "%s:%zu: unterminated quote in the header", path, lineno);
    /* room for the rows the file can hold: a row of nc fields has nc - 1 separators of
     * its own, and so has the header, so at most len / (nc - 1) - 1 rows are ever
     * stored or split (lines x columns would be quadratic in the file's size) */
    size_t rows = nc > 1 && len / (nc - 1) < nlines ? len / (nc - 1) : nlines;
    t->ncols = nc;
    t->names = calloc(nc, sizeof *t->names);
    t->cells = calloc(rows * nc, sizeof *t->cells);
    t->line = calloc(rows, sizeof *t->line);
    if (!t->names || !t->cells || !t->line)
        return cli_fail(CMD, "out of memory");
    split_line(s, *sep, t->names, nc);
    return check_names(t, path, lineno);
}

int fit_log_read(const char *path, fit_log_table *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    size_t len = 0;
    int rc0 = read_text(t, path, &len);
    if (rc0)
        return rc0;
    char *b = t->buf;
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += b[i] == '\n';
    size_t plen = strlen(path);
    char sep = 0;
    if (plen >= 4 && strcmp(path + plen - 4, ".csv") == 0)
        sep = ',';
    else if (plen >= 4 && strcmp(path + plen - 4, ".tsv") == 0)
        sep = '\t';
    char *line = b;
    size_t lineno = 0;
    for (size_t k = 0; k < nlines; k++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        /* only the line end is stripped: a trailing tab is an empty last field */
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r')
            line[--ll] = '\0';
        char *s = line;
        while (*s == ' ')
            s++;
        char *next = nl ? nl + 1 : line + strlen(line);
        if (s[strspn(s, " \t")] == '\0' || *s == '#') {
            line = next;
            continue;
        }
        if (!t->names) {
            int rc = take_header(t, s, &sep, len, nlines, path, lineno);
            if (rc)
                return rc;
        } else {
            char **row = t->cells + t->nrows * t->ncols;
            size_t nc = split_line(s, sep, row, t->ncols);
            if (nc == (size_t)-1)
                return cli_usage(CMD, "%s:%zu: unterminated quote", path, lineno);
            if (nc != t->ncols)
                return cli_usage(CMD, "%s:%zu: %zu fields, but the header has %zu", path, lineno, nc, t->ncols);
            t->line[t->nrows++] = lineno;
        }
        line = next;
    }
    if (!t->names)
        return cli_usage(CMD, "%s: empty file (no header row)", path);
    if (t->nrows == 0)
        return cli_usage(CMD, "%s: no data rows after the header", path);
    return EXIT_OK;
}

/* Column index of name, or -1. */
long fit_log_column(const fit_log_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return (long)j;
    return -1;
}

int fit_log_no_column(const fit_log_table *t, const char *opt, const char *name)
{
    char list[256] = "";
    size_t n = 0;
    for (size_t j = 0; j < t->ncols && n < sizeof list - 8; j++) {
        int w = snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "", t->names[j]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (n >= sizeof list - 8)
        snprintf(list + sizeof list - 8, 8, ", ...");
    return cli_usage(CMD, "%s: no column '%s' (option --%s); the columns are: %s", t->path, name, opt, list);
}

static int is_missing(const char *s)
{
    static const char *const words[] = {"", "nan", "na", "n/a", "null", "none", "-", NULL};
    for (int i = 0; words[i]; i++)
        if (strcasecmp(s, words[i]) == 0)
            return 1;
    return 0;
}

/* A numeric cell: NaN when missing; exit 2 naming file, line and column when not a number. */
int fit_log_number(const fit_log_table *t, size_t row, long col, double *out)
{
    const char *s = t->cells[row * t->ncols + (size_t)col];
    if (is_missing(s)) {
        *out = NAN;
        return EXIT_OK;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0')
        return cli_usage(CMD, "%s:%zu: column '%s': '%s' is not a number", t->path, t->line[row], t->names[col], s);
    *out = x;
    return EXIT_OK;
}
