/* starc overopt --batch LIST.tsv [--shard K/N] -o DIR: the single run's outputs
 * for every entry of a list of MDPs, into DIR/NAME, then the batch's table
 * DIR/batch.tsv and DIR/summary.json; shards of the list and their merge.
 * Both the unsharded run and the merge build the table and summary from the
 * entries' summary.json files, so a merge gives the unsharded bytes. */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt17.h"
#include "overopt-batch.h"

static const char *CMD = "overopt";

/* ------------------------------------------------------------------ the list */

typedef struct batch_entry {
    char *name, *mdp, *tru, *proxy, *base; /* paths resolved against the list's directory; base may be NULL */
    size_t line;
} batch_entry;

typedef struct batch_list {
    size_t n, cap;
    batch_entry *e;
} batch_list;

static void list_free(batch_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].name), free(l->e[i].mdp), free(l->e[i].tru), free(l->e[i].proxy), free(l->e[i].base);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}

enum { COL_NAME, COL_MDP, COL_TRUE, COL_PROXY, COL_BASE, NCOL };
static const char *const col_names[NCOL] = {STARC_RESULTS_OVEROPT_LIST_NAME, STARC_RESULTS_OVEROPT_LIST_MDP,
                                            STARC_RESULTS_OVEROPT_LIST_TRUE, STARC_RESULTS_OVEROPT_LIST_PROXY,
                                            STARC_RESULTS_OVEROPT_LIST_BASE};

/* Split line (no newline) at tabs in place: at most max fields, *n their number (max + 1 when more). */
static void split_tabs(char *line, char **f, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = line;; p++) {
        char *t = strchr(p, '\t');
        if (*n < max)
            f[*n] = p;
        (*n)++;
        if (!t || *n > max)
            return;
        *t = '\0';
        p = t;
    }
}

/* The header: col[c] = the field index of column c (-1 when absent). */
static int parse_header(const char *list, char *line, int col[NCOL])
{
    char *f[NCOL + 1];
    size_t n;
    split_tabs(line, f, NCOL + 1, &n);
    for (int c = 0; c < NCOL; c++)
        col[c] = -1;
    if (n > NCOL)
        return cli_usage(CMD, "%s:1: more than %d columns in the header", list, NCOL);
    for (size_t i = 0; i < n; i++) {
        int c = 0;
        while (c < NCOL && strcmp(f[i], col_names[c]) != 0)
            c++;
        if (c == NCOL)
            return cli_usage(CMD, "%s:1: unknown column '%s' (name, mdp, true, proxy, base)", list, f[i]);
        if (col[c] >= 0)
            return cli_usage(CMD, "%s:1: column '%s' is given twice", list, f[i]);
        col[c] = (int)i;
    }
    for (int c = 0; c < COL_BASE; c++)
        if (col[c] < 0)
            return cli_usage(CMD, "%s:1: the header lacks column '%s' (name, mdp, true, proxy, base)", list, col_names[c]);
    return EXIT_OK;
}

/* Why NAME cannot name an entry's directory, or NULL. */
static const char *name_problem(const char *name)
{
    static const char *const reserved[] = {STARC_RESULTS_OVEROPT_BATCH, STARC_RESULTS_OVEROPT_BATCH_SUMMARY,
                                           STARC_RESULTS_SHARD_MANIFEST, CLI_INCOMPLETE, NULL};
    if (!*name)
        return "is empty";
    if (strlen(name) > 200)
        return "is longer than 200 characters";
    if (name[0] == '.' || name[0] == '-')
        return "starts with '.' or '-'";
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
            return "has a character other than letters, digits, '.', '_', '+' and '-'";
    for (int i = 0; reserved[i]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return "is the name of one of the batch's own files";
    return NULL;
}

/* P relative to the list's directory (the part of LIST up to its last '/'), malloc'd. */
static char *resolve(const char *list, const char *p)
{
    const char *slash = strrchr(list, '/');
    if (p[0] == '/' || !slash)
        return strdup(p);
    size_t dl = (size_t)(slash - list) + 1, pl = strlen(p);
    char *r = malloc(dl + pl + 1);
    if (r) {
        memcpy(r, list, dl);
        memcpy(r + dl, p, pl + 1);
    }
    return r;
}

/* One row (line number ln) into a new entry of l. */
static int parse_row(const char *list, size_t ln, char *line, const int col[NCOL], size_t ncol, batch_list *l)
{
    char *f[NCOL + 1];
    size_t n;
    split_tabs(line, f, NCOL, &n);
    if (n != ncol)
        return cli_usage(CMD, "%s:%zu: %zu fields, the header has %zu", list, ln, n, ncol);
    const char *name = f[col[COL_NAME]], *why = name_problem(name);
    if (why)
        return cli_usage(CMD, "%s:%zu: name '%s' %s", list, ln, name, why);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, name) == 0)
            return cli_usage(CMD, "%s:%zu: name '%s' is given twice (also line %zu)", list, ln, name, l->e[i].line);
    for (int c = COL_MDP; c < COL_BASE; c++)
        if (!*f[col[c]])
            return cli_usage(CMD, "%s:%zu: entry '%s' has no %s", list, ln, name, col_names[c]);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        batch_entry *e = realloc(l->e, cap * sizeof *e);
        if (!e)
            return cli_fail(CMD, "out of memory");
        l->e = e, l->cap = cap;
    }
    batch_entry *e = &l->e[l->n++];
    memset(e, 0, sizeof *e);
    e->line = ln;
    const char *base = col[COL_BASE] >= 0 ? f[col[COL_BASE]] : "";
    if (!(e->name = strdup(name)) || !(e->mdp = resolve(list, f[col[COL_MDP]])) ||
        !(e->tru = resolve(list, f[col[COL_TRUE]])) || !(e->proxy = resolve(list, f[col[COL_PROXY]])) ||
        (*base && !(e->base = resolve(list, base))))
        return cli_fail(CMD, "out of memory");
    return EXIT_OK;
}

/* LIST into l: every row checked before anything is computed; blank lines are skipped. */
static int list_read(const char *list, batch_list *l)
{
    memset(l, 0, sizeof *l);
    FILE *f = fopen(list, "r");
    if (!f)
        return cli_usage(CMD, "option --batch: cannot read %s: %s", list, strerror(errno));
    char *line = NULL;
    size_t cap = 0, ln = 0, ncol = 0;
    ssize_t len;
    int col[NCOL], rc = EXIT_OK;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        ln++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (ln == 1) {
            rc = parse_header(list, line, col);
            ncol = (size_t)(col[COL_BASE] >= 0 ? NCOL : NCOL - 1);
        } else if (len > 0) {
            rc = parse_row(list, ln, line, col, ncol, l);
        }
    }
    if (!rc && ferror(f))
        rc = cli_usage(CMD, "option --batch: cannot read %s", list);
    if (!rc && ln == 0)
        rc = cli_usage(CMD, "%s: empty; want a header row (name, mdp, true, proxy, base) and entries", list);
    if (!rc && l->n == 0)
        rc = cli_usage(CMD, "%s: no entries after the header", list);
    free(line);
    fclose(f);
    if (rc)
        list_free(l);
    return rc;
}

/* ------------------------------------------------------------- the settings */

/* Every option that changes an entry's files, the names and digests of every input. */
static int batch_settings(const batch_list *l, const run_config *cfg, json_t *set)
{
    const starc_overopt_options *o = &cfg->opt;
    json_t *methods = json_array(), *names = json_array(), *inputs = json_array();
    for (size_t k = 0; k < cfg->nmethods; k++)
        json_array_append_new(methods, json_string(starc_overopt_method_name(cfg->methods[k])));
    json_object_set_new(set, STARC_RESULTS_OVEROPT_KEY_METHODS, methods);
    json_object_set_new(set, "coef_min", json_real(o->coef_min));
    json_object_set_new(set, "coef_max", json_real(o->coef_max));
    json_object_set_new(set, STARC_RESULTS_OVEROPT_KEY_POINTS, json_integer((json_int_t)o->points));
    json_object_set_new(set, "range_tol", json_real(o->range_tol));
    json_object_set_new(set, "bon_max", json_integer((json_int_t)o->bon_max));
    json_object_set_new(set, "tol", json_real(o->regularize_options.tol));
    json_object_set_new(set, "max_iter", json_integer((json_int_t)o->regularize_options.max_iter));
    json_object_set_new(set, "engine", json_string(starc_policy_engine_name(o->regularize_options.engine)));
    json_object_set_new(set, "png", json_boolean(cfg->png));
    json_object_set_new(set, "svg", json_boolean(cfg->svg));
    json_object_set_new(set, STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES, names);
    json_object_set_new(set, "inputs", inputs);
    int rc = EXIT_OK;
    for (size_t i = 0; !rc && i < l->n; i++) {
        const batch_entry *e = &l->e[i];
        const char *paths[4] = {e->mdp, e->tru, e->proxy, e->base};
        json_t *d = json_array();
        json_array_append_new(names, json_string(e->name));
        json_array_append_new(inputs, d);
        for (int c = 0; !rc && c < 4; c++) {
            char hex[SHARD_DIGEST_LEN + 1];
            if (paths[c] && !(rc = shard_file_digest("batch", paths[c], hex)))
                json_array_append_new(d, json_string(hex));
            else if (!paths[c])
                json_array_append_new(d, json_null());
        }
    }
    return rc;
}

/* ------------------------------------------------------ the batch's results */

/* A summary.json value as a batch.tsv cell: integers as integers, reals as fmt17, null as nan. */
static void put_cell(FILE *f, const json_t *v)
{
    char b[40];
    if (json_is_integer(v)) {
        fprintf(f, "\t%lld", (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        fprintf(f, "\t%d", json_is_true(v));
    } else {
        fmt17(b, json_is_number(v) ? json_number_value(v) : NAN);
        fprintf(f, "\t%s", b);
    }
}

/* One entry's rows of batch.tsv from its summary.json. */
static void batch_rows(FILE *f, const char *name, const json_t *js)
{
    static const char *const pk[] = {STARC_RESULTS_OVEROPT_KEY_INDEX, STARC_RESULTS_OVEROPT_KEY_TRUE_DELTA,
                                     STARC_RESULTS_OVEROPT_KEY_COEF, STARC_RESULTS_OVEROPT_KEY_KL,
                                     STARC_RESULTS_OVEROPT_KEY_D, NULL};
    static const char *const ek[] = {STARC_RESULTS_OVEROPT_KEY_TRUE_DELTA, STARC_RESULTS_OVEROPT_KEY_PROXY_DELTA,
                                     STARC_RESULTS_OVEROPT_KEY_KL, STARC_RESULTS_OVEROPT_KEY_COEF, NULL};
    static const char *const mk[] = {STARC_RESULTS_OVEROPT_KEY_DROP, STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED,
                                     STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE, STARC_RESULTS_OVEROPT_KEY_LOCAL_MAXIMA,
                                     NULL};
    static const char *const fk[] = {STARC_RESULTS_OVEROPT_FIT_ALPHA, STARC_RESULTS_OVEROPT_FIT_BETA,
                                     STARC_RESULTS_OVEROPT_FIT_R2, STARC_RESULTS_OVEROPT_FIT_PEAK_D,
                                     STARC_RESULTS_OVEROPT_FIT_PEAK_KL, STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE, NULL};
    const char *method;
    json_t *e;
    json_object_foreach(json_object_get(js, STARC_RESULTS_OVEROPT_KEY_METHODS), method, e)
    {
        const json_t *peak = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_PEAK);
        const json_t *end = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_END);
        const char *form = strcmp(method, starc_overopt_method_name(STARC_OVEROPT_BON)) == 0
                               ? STARC_RESULTS_OVEROPT_FORM_BON : STARC_RESULTS_OVEROPT_FORM_RL;
        const json_t *fit = json_object_get(
            json_object_get(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_FITS), STARC_RESULTS_OVEROPT_TARGET_TRUE), form);
        fprintf(f, "%s\t%s", name, method);
        put_cell(f, json_object_get(e, STARC_RESULTS_OVEROPT_KEY_POINTS));
        for (int i = 0; pk[i]; i++)
            put_cell(f, json_object_get(peak, pk[i]));
        for (int i = 0; ek[i]; i++)
            put_cell(f, json_object_get(end, ek[i]));
        for (int i = 0; mk[i]; i++)
            put_cell(f, json_object_get(e, mk[i]));
        fprintf(f, "\t%s", form);
        for (int i = 0; fk[i]; i++)
            put_cell(f, json_object_get(fit, fk[i]));
        fputc('\n', f);
    }
}

/* Per method over the entries: their number, how many are non-monotone, drop_normalized's mean and max. */
static json_t *batch_methods(size_t n, json_t *const *js)
{
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *method;
        json_t *e;
        json_object_foreach(json_object_get(js[i], STARC_RESULTS_OVEROPT_KEY_METHODS), method, e)
        {
            if (json_object_get(out, method))
                continue;
            size_t count = 0, nonmono = 0, nd = 0;
            double sum = 0.0, mx = NAN;
            for (size_t j = i; j < n; j++) {
                const json_t *ej = json_object_get(json_object_get(js[j], STARC_RESULTS_OVEROPT_KEY_METHODS), method);
                const json_t *dn = json_object_get(ej, STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED);
                count += ej != NULL;
                nonmono += json_is_true(json_object_get(ej, STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE));
                if (json_is_number(dn)) {
                    double v = json_number_value(dn);
                    sum += v, nd++;
                    mx = nd == 1 || v > mx ? v : mx;
                }
            }
            json_t *m = json_object();
            json_object_set_new(m, STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES, json_integer((json_int_t)count));
            json_object_set_new(m, STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE, json_integer((json_int_t)nonmono));
            json_object_set_new(m, STARC_RESULTS_OVEROPT_BATCH_KEY_DROP_MEAN, cli_json_num(nd ? sum / (double)nd : NAN));
            json_object_set_new(m, STARC_RESULTS_OVEROPT_BATCH_KEY_DROP_MAX, cli_json_num(mx));
            json_object_set_new(out, method, m);
        }
    }
    return out;
}

/* The entries' summaries, read back from DIR/NAME/summary.json. */
static int read_summaries(const char *cmd, const char *dir, size_t n, const char *const *names, json_t **js)
{
    for (size_t i = 0; i < n; i++) {
        char *sub = cli_path_join(dir, names[i]), *path = sub ? cli_path_join(sub, STARC_RESULTS_OVEROPT_SUMMARY) : NULL;
        json_error_t jerr;
        js[i] = path ? json_load_file(path, 0, &jerr) : NULL;
        int rc = !path ? cli_fail(cmd, "out of memory") : !js[i] ? cli_usage(cmd, "%s: %s", path, jerr.text) : EXIT_OK;
        free(sub), free(path);
        if (rc)
            return rc;
    }
    return EXIT_OK;
}

/* DIR/batch.tsv and DIR/summary.json from the entries' summaries, DIR marked done, then the
 * table (text) or the summary (json) on stdout. */
static int batch_finish(const char *cmd, const char *dir, size_t n, const char *const *names, enum cli_format fmt)
{
    json_t **js = calloc(n, sizeof *js), *sum = json_object(), *jn = json_array();
    char *tsv = cli_path_join(dir, STARC_RESULTS_OVEROPT_BATCH), *sp = cli_path_join(dir, STARC_RESULTS_OVEROPT_BATCH_SUMMARY);
    char *table = NULL, *text = NULL;
    size_t tlen = 0;
    FILE *mf = NULL;
    int rc = js && sum && jn && tsv && sp ? read_summaries(cmd, dir, n, names, js) : cli_fail(cmd, "out of memory");
    if (!rc && !(mf = open_memstream(&table, &tlen)))
        rc = cli_fail(cmd, "out of memory");
    if (!rc) {
        fputs(STARC_RESULTS_OVEROPT_LIST_NAME "\t" STARC_RESULTS_OVEROPT_COL_METHOD "\t" STARC_RESULTS_OVEROPT_BATCH_COLUMNS
              "\n", mf);
        for (size_t i = 0; i < n; i++) {
            batch_rows(mf, names[i], js[i]);
            json_array_append_new(jn, json_string(names[i]));
        }
        json_object_set(sum, STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES, jn);
        json_object_set_new(sum, STARC_RESULTS_OVEROPT_KEY_METHODS, batch_methods(n, js));
        text = json_dumps(sum, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(2));
    }
    if (mf && fclose(mf) != 0 && !rc)
        rc = cli_fail(cmd, "out of memory");
    if (!rc && !text)
        rc = cli_fail(cmd, "could not encode JSON");
    if (!rc && !(rc = cli_write_file(cmd, tsv, table)) && !(rc = cli_write_line(cmd, sp, text)) &&
        !(rc = cli_dir_done(cmd, dir))) {
        if (fmt == CLI_JSON) {
            rc = cli_json_print(sum);
            sum = NULL;
        } else {
            fputs(table, stdout);
        }
    }
    for (size_t i = 0; js && i < n; i++)
        json_decref(js[i]);
    free(js), free(tsv), free(sp), free(table), free(text);
    json_decref(jn);
    json_decref(sum);
    return rc;
}

/* ------------------------------------------------------------------- the run */

/* One entry: its inputs, then the single run's outputs into DIR/NAME. */
static int run_entry(const batch_entry *e, const run_config *cfg, const char *dir)
{
    char *sub = cli_path_join(dir, e->name);
    json_t *summary = NULL;
    int rc = sub ? overopt_run_files(e->mdp, e->tru, e->proxy, e->base, cfg, sub, &summary)
                 : cli_fail(CMD, "out of memory");
    json_decref(summary);
    free(sub);
    return rc;
}

/* A shard's report: its manifest's fields, one line of text or json. */
static int shard_report(const shard_spec *s, size_t begin, size_t end, size_t total, enum cli_format fmt)
{
    if (fmt != CLI_JSON) {
        printf("shard %zu/%zu: entries %zu to %zu of %zu\n", s->k, s->n, begin + 1, end, total);
        return EXIT_OK;
    }
    json_t *o = json_object(), *sh = json_object(), *r = json_object();
    json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_K, json_integer((json_int_t)s->k));
    json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_N, json_integer((json_int_t)s->n));
    json_object_set_new(r, STARC_RESULTS_SHARD_KEY_BEGIN, json_integer((json_int_t)begin));
    json_object_set_new(r, STARC_RESULTS_SHARD_KEY_END, json_integer((json_int_t)end));
    json_object_set_new(o, STARC_RESULTS_SHARD_KEY_SHARD, sh);
    json_object_set_new(o, STARC_RESULTS_SHARD_KEY_RANGE, r);
    json_object_set_new(o, STARC_RESULTS_SHARD_KEY_TOTAL, json_integer((json_int_t)total));
    return cli_json_print(o);
}

/* 1 when ARG spells long option --NAME (an unambiguous prefix, as getopt_long takes it), 2 when its
 * value is attached (--NAME=VALUE). */
static int long_option(const char *arg, const char *name)
{
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    return len > 0 && len <= strlen(name) && strncmp(arg + 2, name, len) == 0 ? (eq ? 2 : 1) : 0;
}

/* The figures' provenance line (cli_provenance_set()): the command line without --shard K/N and
 * -o DIR, so that every shard and the unsharded run write the same bytes. */
static void batch_provenance(void)
{
    char **argv = malloc(((size_t)cli_argc + 1) * sizeof *argv);
    int n = 0;
    if (!argv)
        return;
    for (int i = 0; i < cli_argc; i++) {
        const char *a = cli_argv[i];
        int lo = i > 1 ? long_option(a, "output") : 0, ls = i > 1 ? long_option(a, "shard") : 0;
        if (i > 1 && (lo || ls || strncmp(a, "-o", 2) == 0)) {
            i += (lo == 1 || ls == 1 || strcmp(a, "-o") == 0); /* and the value that follows */
            continue;
        }
        argv[n++] = cli_argv[i];
    }
    argv[n] = NULL;
    cli_provenance_set(cli_join_argv(n, argv));
    free(argv);
}

int overopt_batch(const char *list, const shard_spec *shard, const char *dir, enum cli_format fmt,
                  const run_config *cfg)
{
    batch_list l;
    int rc = list_read(list, &l);
    if (rc)
        return rc;
    batch_provenance();
    size_t begin, end;
    shard_range(l.n, shard, &begin, &end);
    json_t *set = json_object();
    if (!set)
        rc = cli_fail(CMD, "out of memory");
    if (!rc && shard->n && !(rc = batch_settings(&l, cfg, set)))
        rc = shard_manifest_remove(dir);
    if (!rc)
        rc = cli_dir_begin(CMD, dir);
    for (size_t i = begin; !rc && i < end; i++) {
        if (cfg->progress)
            fprintf(stderr, "starc overopt: entry %zu of %zu: %s\n", i + 1, l.n, l.e[i].name);
        rc = run_entry(&l.e[i], cfg, dir);
    }
    if (!rc && !shard->n) {
        const char **names = malloc(l.n * sizeof *names);
        for (size_t i = 0; names && i < l.n; i++)
            names[i] = l.e[i].name;
        rc = names ? batch_finish(CMD, dir, l.n, names, fmt) : cli_fail(CMD, "out of memory");
        free(names);
    } else if (!rc && !(rc = cli_dir_done(CMD, dir)) &&
               !(rc = shard_manifest_write(dir, STARC_RESULTS_OVEROPT_SHARD_KIND, shard, begin, end, l.n, set))) {
        rc = shard_report(shard, begin, end, l.n, fmt);
    }
    json_decref(set);
    list_free(&l);
    return rc;
}

/* ----------------------------------------------------------------- the merge */

/* SRC's bytes to DST, atomically. */
static int copy_file(const char *cmd, const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return cli_usage(cmd, "%s: %s", src, strerror(errno));
    char *tmp = NULL, buf[1 << 16];
    int fd = -1, e = cli_tmp_create(dst, &tmp, &fd);
    size_t len;
    while (!e && (len = fread(buf, 1, sizeof buf, in)) > 0)
        for (size_t off = 0; !e && off < len;) {
            ssize_t w = write(fd, buf + off, len - off);
            if (w < 0 && errno != EINTR)
                e = errno;
            off += w > 0 ? (size_t)w : 0;
        }
    int rerr = ferror(in);
    fclose(in);
    if (fd >= 0 && close(fd) != 0 && !e)
        e = errno;
    if (rerr && !e) {
        cli_tmp_discard(tmp);
        return cli_usage(cmd, "%s: read error", src);
    }
    if (!e)
        e = cli_tmp_commit(tmp, dst);
    else
        cli_tmp_discard(tmp);
    return e ? cli_fail(cmd, "%s: %s", dst, strerror(e)) : EXIT_OK;
}

/* Entry NAME's files from the shard directory SDIR into OUT/NAME. */
static int copy_entry(const char *cmd, const char *sdir, const char *out, const char *name, int png, int svg)
{
    static const char *const files[] = {STARC_RESULTS_OVEROPT_CURVES, STARC_RESULTS_OVEROPT_FITS,
                                        STARC_RESULTS_OVEROPT_SUMMARY, STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_GP,
                                        STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_PNG,
                                        STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_SVG};
    char *from = cli_path_join(sdir, name), *to = cli_path_join(out, name);
    int rc = from && to ? cli_mkdir_p(cmd, to) : cli_fail(cmd, "out of memory");
    for (int i = 0; !rc && i < 6; i++) {
        if ((i == 4 && !png) || (i == 5 && !svg))
            continue;
        char *s = cli_path_join(from, files[i]), *d = cli_path_join(to, files[i]);
        rc = s && d ? copy_file(cmd, s, d) : cli_fail(cmd, "out of memory");
        free(s), free(d);
    }
    free(from), free(to);
    return rc;
}

int overopt_merge(const shard_set *set, const shard_merge_args *a)
{
    json_t *jn = json_object_get(set->settings, STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES);
    const size_t n = json_is_array(jn) ? json_array_size(jn) : 0;
    const int png = json_is_true(json_object_get(set->settings, "png"));
    const int svg = json_is_true(json_object_get(set->settings, "svg"));
    if (n == 0 || n != set->total)
        return cli_usage(a->cmd, "%s: the manifest's entries and total do not agree", set->dirs[0]);
    const char **names = calloc(n, sizeof *names);
    int rc = names ? EXIT_OK : cli_fail(a->cmd, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        if (!(names[i] = json_string_value(json_array_get(jn, i))) || name_problem(names[i]))
            rc = cli_usage(a->cmd, "%s: entry %zu of the manifest is not a valid name", set->dirs[0], i + 1);
    if (!rc)
        rc = cli_dir_begin(a->cmd, a->out);
    for (size_t k = 0; !rc && k < set->n; k++)
        for (size_t i = set->begin[k]; !rc && i < set->end[k]; i++)
            rc = copy_entry(a->cmd, set->dirs[k], a->out, names[i], png, svg);
    if (!rc)
        rc = batch_finish(a->cmd, a->out, n, names, a->fmt);
    free(names);
    return rc;
}
