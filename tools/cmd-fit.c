/* starc fit: Gao et al.'s overoptimisation forms fitted to the user's own logs (TSV/CSV of KL,
 * gold and proxy scores per checkpoint) or to best-of-n estimates from raw samples, with
 * intervals, the extrapolation check, scaling with reward-model size, and gnuplot figures.
 * All of the mathematics is libstarc's (starc/fit.h); this file reads tables and writes files. */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "fit-log.h"
#include "fmt17.h"
#include "gnuplot.h"

static const char *CMD = "fit";

static void help(void)
{
    printf("Usage: starc fit FILE... [--kl COL] [--gold COL] [--proxy COL] [--group COL] [--size COL]\n"
           "                 [--method bon|rl] [--samples [--prompt COL] [--bon-max N]] [--center C]\n"
           "                 [--cutoff KL] [--bootstrap N] [--seed X] [--level P] [--predict SIZE[,SIZE...]]\n"
           "                 [--svg] [--png] [--format text|json] -o DIR\n\n"
           "Fit Gao, Schulman & Hilton's overoptimisation forms to logs of RLHF or best-of-n runs:\n"
           "with d = sqrt(KL) (nats), bon d(alpha - beta d), rl d(alpha - beta log d), log1p\n"
           "d(alpha - beta log(1+d)) and power d(alpha - beta d^g), for the gold and the proxy score, with\n"
           "standard errors, bootstrap intervals, peaks, an extrapolation check and, with several\n"
           "reward-model sizes, alpha and beta against log(size).  FILEs are TSV or CSV with a header\n"
           "row; '#' lines and blank lines are skipped; empty, nan or NA cells are missing values.\n"
           "Writes DIR/points.tsv, fits.tsv, extrapolation.tsv, summary.json, fit.gp, extrapolation.gp,\n"
           "and with two or more sizes scaling.tsv and scaling.gp.\n\n"
           "  --kl COL          KL to the initial policy in nats (default kl)\n"
           "  --gold COL        gold (true) score (default gold)\n"
           "  --proxy COL       proxy (reward model) score (default proxy; optional unless given)\n"
           "  --group COL       one curve per value (default group if present, else one per FILE)\n"
           "  --size COL        reward-model size, e.g. parameters (default size if present)\n"
           "  --method M        bon or rl: Gao's form for these runs (default: a 'method' column, else rl)\n"
           "  --samples         FILEs hold raw best-of-n samples (one row per sample: prompt, proxy, gold);\n"
           "                    the unbiased best-of-n estimate and its KL for n = 1..N are fitted\n"
           "  --prompt COL      prompt column of --samples (default prompt)\n"
           "  --bon-max N       largest n for --samples (default: the fewest samples of a prompt)\n"
           "  --center C        R(0) = 0 by: none, origin (mean at KL = 0), intercept, auto (default:\n"
           "                    origin when a curve has a KL = 0 point, else intercept)\n"
           "  --cutoff KL       extrapolation check: fit KL <= cutoff, test beyond (default: median KL)\n"
           "  --bootstrap N     bootstrap replicates for the intervals (default 1000; 0 = none)\n"
           "  --seed X          seed of the bootstrap (default 1)\n"
           "  --level P         confidence level of the intervals (default 0.95)\n"
           "  --predict LIST    sizes to predict the curve and peak for (with two or more sizes)\n"
           "  --svg, --png      also render every figure with gnuplot\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n");
}

/* ============================================================ the data */

typedef struct sample {
    const char *prompt;
    double proxy, gold;
    size_t order;
} sample;

typedef struct group {
    char *name;
    double size;            /* NaN without a size column */
    starc_fit_form method;  /* STARC_FIT_BON or STARC_FIT_RL */
    int method_set;         /* method read from a method column */
    size_t order;           /* first appearance */
    size_t n, cap;
    double *nb, *kl, *gold, *proxy;
    size_t ns, scap;        /* --samples */
    sample *smp;
    size_t nprompts, nmax;  /* --samples: prompts, largest n */
    size_t *count;          /* samples per prompt (sorted by prompt) */
    double *sp, *sg;        /* their proxy and gold scores */
    size_t dup;             /* points whose KL repeats an earlier point's */
    /* results, [target][form]: target 0 gold, 1 proxy */
    starc_fit_result fit[2][STARC_FIT_FORM_COUNT];
    starc_fit_extrapolation ex[2][STARC_FIT_FORM_COUNT];
    char *err[2][STARC_FIT_FORM_COUNT], *exerr[2][STARC_FIT_FORM_COUNT];
} group;

typedef struct data {
    group *g;
    size_t ng, gcap;
    int have_proxy, have_size;
} data;

static const char *const target_names[2] = {"gold", "proxy"};

static void data_free(data *D)
{
    for (size_t k = 0; k < D->ng; k++) {
        group *g = &D->g[k];
        free(g->name), free(g->nb), free(g->kl), free(g->gold), free(g->proxy), free(g->smp);
        free(g->count), free(g->sp), free(g->sg);
        for (int t = 0; t < 2; t++)
            for (int f = 0; f < STARC_FIT_FORM_COUNT; f++)
                free(g->err[t][f]), free(g->exerr[t][f]);
    }
    free(D->g);
}

static group *find_group(data *D, const char *name)
{
    for (size_t k = 0; k < D->ng; k++)
        if (strcmp(D->g[k].name, name) == 0)
            return &D->g[k];
    if (D->ng == D->gcap) {
        size_t nc = D->gcap ? 2 * D->gcap : 8;
        group *ng = realloc(D->g, nc * sizeof *ng);
        if (!ng)
            return NULL;
        D->g = ng;
        D->gcap = nc;
    }
    group *g = &D->g[D->ng];
    memset(g, 0, sizeof *g);
    g->name = strdup(name);
    if (!g->name)
        return NULL;
    g->size = NAN;
    g->method = STARC_FIT_RL;
    g->order = D->ng++;
    return g;
}

static int add_point(group *g, double nb, double kl, double gold, double proxy)
{
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 64;
        double *a = realloc(g->nb, nc * sizeof *a);
        if (a) g->nb = a;
        double *b = realloc(g->kl, nc * sizeof *b);
        if (b) g->kl = b;
        double *c = realloc(g->gold, nc * sizeof *c);
        if (c) g->gold = c;
        double *d = realloc(g->proxy, nc * sizeof *d);
        if (d) g->proxy = d;
        if (!a || !b || !c || !d)
            return 0;
        g->cap = nc;
    }
    g->nb[g->n] = nb, g->kl[g->n] = kl, g->gold[g->n] = gold, g->proxy[g->n] = proxy;
    g->n++;
    return 1;
}

static int add_sample(group *g, const char *prompt, double proxy, double gold)
{
    if (g->ns == g->scap) {
        size_t nc = g->scap ? 2 * g->scap : 256;
        sample *s = realloc(g->smp, nc * sizeof *s);
        if (!s)
            return 0;
        g->smp = s;
        g->scap = nc;
    }
    g->smp[g->ns] = (sample){prompt, proxy, gold, g->ns};
    g->ns++;
    return 1;
}

/* The file's stem: the group name of a file without a group column. */
static char *stem(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

typedef struct config {
    const char *kl, *gold, *proxy, *group, *size, *prompt;
    int proxy_given, group_given, size_given;
    int method_given;
    starc_fit_form method;
    int samples;
    size_t bon_max;
    double predict[32];
    size_t npredict;
    starc_fit_options opt;
    int svg, png;
} config;

/* Row r's reward-model size and method, checked against what its group said before. */
static int row_group_facts(const config *C, const fit_log_table *t, size_t r, long csize, long cmeth, double size,
                             group *g)
{
    if (csize >= 0) {
        if (!(size > 0.0) || !isfinite(size)) {
            return cli_usage(CMD, "%s:%zu: column '%s': size '%s' is not a finite number > 0", t->path, t->line[r],
                             C->size, t->cells[r * t->ncols + (size_t)csize]);
        }
        if (!isnan(g->size) && g->size != size) {
            return cli_usage(CMD, "%s:%zu: column '%s': group '%s' has size %.17g here and %.17g before", t->path,
                             t->line[r], C->size, g->name, size, g->size);
        }
        g->size = size;
    }
    if (cmeth >= 0) {
        const char *m = t->cells[r * t->ncols + (size_t)cmeth];
        starc_fit_form f;
        if (starc_fit_form_parse(m, &f, NULL) != STARC_OK || (f != STARC_FIT_BON && f != STARC_FIT_RL)) {
            return cli_usage(CMD, "%s:%zu: column 'method': '%s' is not bon or rl (or give --method)", t->path,
                             t->line[r], m);
        }
        if (g->method_set && g->method != f) {
            return cli_usage(CMD, "%s:%zu: column 'method': group '%s' is %s here and %s before", t->path,
                             t->line[r], g->name, m, starc_fit_form_name(g->method));
        }
        g->method = f;
        g->method_set = 1;
    } else {
        g->method = C->samples ? STARC_FIT_BON : C->method;
    }
    return EXIT_OK;
}

/* Read one file into the groups. */
static int load_file(const config *C, fit_log_table *t, data *D)
{
    long ckl = C->samples ? -1 : fit_log_column(t, C->kl), cgold = fit_log_column(t, C->gold);
    long cproxy = fit_log_column(t, C->proxy), cgrp = fit_log_column(t, C->group);
    long csize = fit_log_column(t, C->size), cmeth = C->method_given ? -1 : fit_log_column(t, "method");
    long cprompt = C->samples ? fit_log_column(t, C->prompt) : -1;
    if (!C->samples && ckl < 0)
        return fit_log_no_column(t, "kl", C->kl);
    if (cgold < 0)
        return fit_log_no_column(t, "gold", C->gold);
    if (cproxy < 0 && (C->proxy_given || C->samples))
        return fit_log_no_column(t, "proxy", C->proxy);
    if (cgrp < 0 && C->group_given)
        return fit_log_no_column(t, "group", C->group);
    if (csize < 0 && C->size_given)
        return fit_log_no_column(t, "size", C->size);
    if (C->samples && cprompt < 0)
        return fit_log_no_column(t, "prompt", C->prompt);
    if (cproxy >= 0)
        D->have_proxy = 1;
    if (csize >= 0)
        D->have_size = 1;
    char *fstem = NULL;
    if (cgrp < 0 && !(fstem = stem(t->path)))
        return cli_fail(CMD, "out of memory");
    int rc = EXIT_OK;
    size_t seen_gold = 0, seen_proxy = 0, seen_kl = 0;
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        const char *gname = cgrp >= 0 ? t->cells[r * t->ncols + (size_t)cgrp] : fstem;
        group *g = find_group(D, gname);
        if (!g) {
            rc = cli_fail(CMD, "out of memory");
            break;
        }
        double kl = NAN, gold, proxy = NAN, size = NAN;
        if ((ckl >= 0 && (rc = fit_log_number(t, r, ckl, &kl))) || (rc = fit_log_number(t, r, cgold, &gold)) ||
            (cproxy >= 0 && (rc = fit_log_number(t, r, cproxy, &proxy))) ||
            (csize >= 0 && (rc = fit_log_number(t, r, csize, &size))))
            break;
        if ((rc = row_group_facts(C, t, r, csize, cmeth, size, g)))
            break;
        if (!C->samples && !isnan(kl) && kl < 0.0) {
            rc = cli_usage(CMD, "%s:%zu: column '%s': KL %s is negative", t->path, t->line[r], C->kl,
                           t->cells[r * t->ncols + (size_t)ckl]);
            break;
        }
        seen_kl += !isnan(kl);
        seen_gold += !isnan(gold);
        seen_proxy += !isnan(proxy);
        if (C->samples) {
            const char *which = isfinite(gold) ? (isfinite(proxy) ? NULL : C->proxy) : C->gold;
            if (which) {
                rc = cli_usage(CMD, "%s:%zu: column '%s': a sample needs a finite score", t->path, t->line[r], which);
                break;
            }
            if (!add_sample(g, t->cells[r * t->ncols + (size_t)cprompt], proxy, gold))
                rc = cli_fail(CMD, "out of memory");
        } else if (!add_point(g, NAN, kl, gold, proxy)) {
            rc = cli_fail(CMD, "out of memory");
        }
    }
    free(fstem);
    if (rc)
        return rc;
    if (!C->samples && seen_kl == 0)
        return cli_usage(CMD, "%s: column '%s' has no values", t->path, C->kl);
    if (seen_gold == 0)
        return cli_usage(CMD, "%s: column '%s' has no values", t->path, C->gold);
    if (cproxy >= 0 && seen_proxy == 0)
        return cli_usage(CMD, "%s: column '%s' has no values", t->path, C->proxy);
    return EXIT_OK;
}

static int cmp_sample(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    int c = strcmp(x->prompt, y->prompt);
    return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

/* --samples: every group's best-of-n points from its raw samples (library: starc_fit_bon_curve). */
static int samples_to_points(const config *C, group *g)
{
    qsort(g->smp, g->ns, sizeof *g->smp, cmp_sample);
    size_t np = 0;
    for (size_t i = 0; i < g->ns; i++)
        np += i == 0 || strcmp(g->smp[i].prompt, g->smp[i - 1].prompt) != 0;
    size_t *count = calloc(np, sizeof *count);
    double *p = malloc(g->ns * sizeof *p), *q = malloc(g->ns * sizeof *q);
    if (!count || !p || !q) {
        free(count), free(p), free(q);
        return cli_fail(CMD, "out of memory");
    }
    size_t j = 0, nmin = (size_t)-1;
    for (size_t i = 0; i < g->ns; i++) {
        if (i > 0 && strcmp(g->smp[i].prompt, g->smp[i - 1].prompt) != 0)
            j++;
        count[j]++;
        p[i] = g->smp[i].proxy;
        q[i] = g->smp[i].gold;
    }
    for (j = 0; j < np; j++)
        nmin = count[j] < nmin ? count[j] : nmin;
    size_t nmax = C->bon_max ? C->bon_max : nmin;
    int rc = EXIT_OK;
    if (nmax > nmin) {
        rc = cli_usage(CMD, "option --bon-max: %zu is more than the %zu samples of the smallest prompt of group '%s'",
                       nmax, nmin, g->name);
    } else if (nmax < 3) {
        rc = cli_usage(CMD, "group '%s': a prompt has only %zu sample%s; best-of-n fits need at least 3 per prompt",
                       g->name, nmin, nmin == 1 ? "" : "s");
    } else {
        double *gb = malloc(nmax * sizeof *gb), *pb = malloc(nmax * sizeof *pb), *kl = malloc(nmax * sizeof *kl);
        starc_error err;
        int st;
        if (!gb || !pb || !kl)
            rc = cli_fail(CMD, "out of memory");
        else if ((st = starc_fit_bon_curve(np, count, p, q, nmax, &C->opt, gb, pb, kl, &err)))
            rc = cli_lib_error(CMD, st, &err);
        for (size_t n = 0; !rc && n < nmax; n++)
            if (!add_point(g, (double)(n + 1), kl[n], gb[n], pb[n]))
                rc = cli_fail(CMD, "out of memory");
        free(gb), free(pb), free(kl);
    }
    if (rc) {
        free(count), free(p), free(q);
        return rc;
    }
    /* kept for the fits, which resample prompts */
    g->nprompts = np, g->nmax = nmax, g->count = count, g->sp = p, g->sg = q;
    return rc;
}

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int nx = isnan(x->size), ny = isnan(y->size);
    if (nx != ny)
        return nx - ny;
    if (!nx && x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* ============================================================ the fits */

static char *dup_msg(const starc_error *e)
{
    return strdup(e->message[0] ? e->message : "the fit failed");
}

static int fit_all(const config *C, data *D)
{
    double *d = NULL, *y = NULL;
    for (size_t k = 0; k < D->ng; k++) {
        group *g = &D->g[k];
        size_t usable = 0;
        for (size_t i = 0; i < g->n; i++) {
            usable += isfinite(g->kl[i]) && isfinite(g->gold[i]);
            for (size_t q = 0; q < i; q++)
                if (g->kl[q] == g->kl[i] && isfinite(g->kl[i])) {
                    g->dup++;
                    break;
                }
        }
        if (usable < 3)
            return cli_usage(CMD, "group '%s': %zu point%s with finite KL and gold score; a fit needs at least 3",
                             g->name, usable, usable == 1 ? "" : "s");
        free(d), free(y);
        d = malloc(g->n * sizeof *d), y = malloc(g->n * sizeof *y);
        if (!d || !y) {
            free(d), free(y);
            return cli_fail(CMD, "out of memory");
        }
        for (size_t i = 0; i < g->n; i++)
            d[i] = sqrt(g->kl[i]);
        for (int t = 0; t < 1 + D->have_proxy; t++) {
            for (size_t i = 0; i < g->n; i++)
                y[i] = t ? g->proxy[i] : g->gold[i];
            for (int f = 0; f < STARC_FIT_FORM_COUNT; f++) {
                starc_error err;
                err.message[0] = '\0';
                /* best-of-n from samples: the points share their samples, so intervals resample prompts */
                int st = g->count ? starc_fit_bon_points((starc_fit_form)f, g->nprompts, g->count, g->sp,
                                                         t ? g->sp : g->sg, g->nmax, &C->opt, &g->fit[t][f], NULL,
                                                         NULL, &err)
                                  : starc_fit_points((starc_fit_form)f, g->n, d, y, &C->opt, &g->fit[t][f], NULL, &err);
                if (st != STARC_OK && !(g->err[t][f] = dup_msg(&err))) {
                    free(d), free(y);
                    return cli_fail(CMD, "out of memory");
                }
                err.message[0] = '\0';
                if (starc_fit_extrapolate((starc_fit_form)f, g->n, d, y, &C->opt, &g->ex[t][f], &err) != STARC_OK &&
                    !(g->exerr[t][f] = dup_msg(&err))) {
                    free(d), free(y);
                    return cli_fail(CMD, "out of memory");
                }
            }
        }
    }
    free(d), free(y);
    return EXIT_OK;
}

/* Scaling of the gold fits with size: needs sizes, two distinct, and one method for all groups. */
typedef struct scaling {
    starc_fit_scaling *s;
    starc_fit_form form;
    char *skip; /* why there is none, or NULL */
} scaling;

static int fit_scaling(const config *C, data *D, scaling *S)
{
    memset(S, 0, sizeof *S);
    const char *why = NULL;
    size_t distinct = 0;
    for (size_t k = 0; k < D->ng; k++) {
        int seen = 0;
        for (size_t q = 0; q < k; q++)
            seen |= D->g[q].size == D->g[k].size;
        distinct += !seen && !isnan(D->g[k].size);
        if (D->g[k].method != D->g[0].method)
            why = "the groups mix methods (bon and rl)";
    }
    if (!D->have_size)
        why = "no size column";
    else if (distinct < 2)
        why = "fewer than two distinct sizes";
    if (why) {
        if (C->npredict)
            return cli_usage(CMD, "option --predict: no scaling fit (%s)", why);
        S->skip = strdup(why);
        return S->skip ? EXIT_OK : cli_fail(CMD, "out of memory");
    }
    const size_t K = D->ng;
    double *size = malloc(K * sizeof *size), *dd = NULL;
    const double **dp = malloc(K * sizeof *dp), **yp = malloc(K * sizeof *yp);
    size_t *np = malloc(K * sizeof *np), tot = 0;
    for (size_t k = 0; k < K; k++)
        tot += D->g[k].n;
    dd = malloc((tot ? tot : 1) * sizeof *dd);
    if (!size || !dp || !yp || !np || !dd) {
        free(size), free(dp), free(yp), free(np), free(dd);
        return cli_fail(CMD, "out of memory");
    }
    for (size_t k = 0, o = 0; k < K; k++) {
        size[k] = D->g[k].size;
        np[k] = D->g[k].n;
        for (size_t i = 0; i < np[k]; i++)
            dd[o + i] = sqrt(D->g[k].kl[i]);
        dp[k] = dd + o;
        yp[k] = D->g[k].gold;
        o += np[k];
    }
    S->form = D->g[0].method;
    starc_error err;
    int st = starc_fit_scaling_alloc(S->form, K, size, np, dp, yp, &C->opt, &S->s, &err);
    free(size), free(dp), free(yp), free(np), free(dd);
    if (st)
        return cli_lib_error(CMD, st, &err);
    return EXIT_OK;
}

/* ============================================================ writing */

static void put(FILE *f, double x)
{
    char b[40];
    if (isnan(x))
        strcpy(b, "nan");
    else
        fmt17(b, x);
    fputs(b, f);
}

/* The estimated quantities of a fit: name, value, uncertainty; defined once for fits.tsv and
 * summary.json. */
typedef struct quantity {
    const char *name;
    size_t value, ci; /* offsets into starc_fit_result */
} quantity;

static const quantity quantities[] = {
    {STARC_RESULTS_FIT_Q_ALPHA, offsetof(starc_fit_result, alpha), offsetof(starc_fit_result, alpha_ci)},
    {STARC_RESULTS_FIT_Q_BETA, offsetof(starc_fit_result, beta), offsetof(starc_fit_result, beta_ci)},
    {STARC_RESULTS_FIT_Q_G, offsetof(starc_fit_result, g), offsetof(starc_fit_result, g_ci)},
    {STARC_RESULTS_FIT_Q_OFFSET, offsetof(starc_fit_result, offset), offsetof(starc_fit_result, offset_ci)},
    {STARC_RESULTS_FIT_Q_PEAK_D, offsetof(starc_fit_result, peak_d), offsetof(starc_fit_result, peak_d_ci)},
    {STARC_RESULTS_FIT_Q_PEAK_KL, offsetof(starc_fit_result, peak_kl), offsetof(starc_fit_result, peak_kl_ci)},
    {STARC_RESULTS_FIT_Q_PEAK_VALUE, offsetof(starc_fit_result, peak_value), offsetof(starc_fit_result, peak_value_ci)},
};
#define NQUANT (sizeof quantities / sizeof quantities[0])

static double q_value(const starc_fit_result *r, const quantity *q)
{
    return *(const double *)((const char *)r + q->value);
}

static const starc_fit_ci *q_ci(const starc_fit_result *r, const quantity *q)
{
    return (const starc_fit_ci *)((const char *)r + q->ci);
}

static int write_points(const char *path, const data *D)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fprintf(o.f, "%s\n", STARC_RESULTS_FIT_POINTS_COLUMNS);
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        for (size_t i = 0; i < g->n; i++) {
            fprintf(o.f, "%s\t", g->name);
            put(o.f, g->size);
            fprintf(o.f, "\t%s\t", starc_fit_form_name(g->method));
            const double v[5] = {g->nb[i], g->kl[i], sqrt(g->kl[i]), g->gold[i], g->proxy[i]};
            for (int j = 0; j < 5; j++) {
                put(o.f, v[j]);
                fputc(j < 4 ? '\t' : '\n', o.f);
            }
        }
    }
    return cli_out_commit(CMD, &o);
}

static int write_fits(const char *path, const data *D)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fputs(STARC_RESULTS_FIT_FITS_KEYS, o.f);
    for (size_t j = 0; j < NQUANT; j++)
        fprintf(o.f, "\t%s\t%s" STARC_RESULTS_FIT_SUFFIX_SE "\t%s" STARC_RESULTS_FIT_SUFFIX_LO "\t%s" STARC_RESULTS_FIT_SUFFIX_HI,
                quantities[j].name, quantities[j].name, quantities[j].name, quantities[j].name);
    fprintf(o.f, "\t%s\n", STARC_RESULTS_FIT_FITS_STATS);
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        for (int t = 0; t < 1 + D->have_proxy; t++)
            for (int f = 0; f < STARC_FIT_FORM_COUNT; f++) {
                const starc_fit_result *r = &g->fit[t][f];
                const int ok = !g->err[t][f];
                fprintf(o.f, "%s\t", g->name);
                put(o.f, g->size);
                fprintf(o.f, "\t%s\t%s\t%s\t%d\t%s\t%zu\t%zu", starc_fit_form_name(g->method), target_names[t],
                        starc_fit_form_name((starc_fit_form)f), f == (int)g->method,
                        ok ? starc_fit_center_name(r->center) : "nan", ok ? r->n : 0, ok ? r->skipped : 0);
                for (size_t j = 0; j < NQUANT; j++) {
                    const starc_fit_ci *ci = q_ci(r, &quantities[j]);
                    const double v[4] = {q_value(r, &quantities[j]), ci->se, ci->lo, ci->hi};
                    for (int u = 0; u < 4; u++) {
                        fputc('\t', o.f);
                        put(o.f, ok ? v[u] : NAN);
                    }
                }
                const double s[3] = {r->r2, r->rss, r->sigma};
                for (int u = 0; u < 3; u++) {
                    fputc('\t', o.f);
                    put(o.f, ok ? s[u] : NAN);
                }
                fprintf(o.f, "\t%zu\t%zu\n", ok ? r->boot : 0, ok ? r->boot_failed : 0);
            }
    }
    return cli_out_commit(CMD, &o);
}

static int write_extrap(const char *path, const data *D)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fprintf(o.f, "%s\n", STARC_RESULTS_FIT_EXTRAP_COLUMNS);
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        for (int t = 0; t < 1 + D->have_proxy; t++)
            for (int f = 0; f < STARC_FIT_FORM_COUNT; f++) {
                const starc_fit_extrapolation *x = &g->ex[t][f];
                const int ok = !g->exerr[t][f];
                fprintf(o.f, "%s\t", g->name);
                put(o.f, g->size);
                fprintf(o.f, "\t%s\t%s\t", target_names[t], starc_fit_form_name((starc_fit_form)f));
                put(o.f, ok ? x->cutoff_kl : NAN);
                fprintf(o.f, "\t%zu\t%zu", ok ? x->n_fit : 0, ok ? x->n_test : 0);
                const double v[6] = {x->rmse_fit, x->rmse_test, x->rmse_test_full, x->max_abs_test, x->bias_test,
                                     x->range};
                for (int u = 0; u < 6; u++) {
                    fputc('\t', o.f);
                    put(o.f, ok ? v[u] : NAN);
                }
                fputc('\n', o.f);
            }
    }
    return cli_out_commit(CMD, &o);
}

/* Rows of the scaling fit: (kind, quantity, value, ci). */
typedef struct srow {
    const char *kind, *name;
    double size, value;
    starc_fit_ci ci;
} srow;

static size_t scaling_rows(const config *C, const scaling *S, srow *rows, size_t cap)
{
    starc_fit_scaling_result R;
    starc_fit_scaling_get(S->s, &R);
    size_t n = 0;
#define ROW(k, nm, v, c) do { if (n < cap) rows[n] = (srow){k, nm, NAN, v, c}; n++; } while (0)
    ROW("separate", "alpha0", R.alpha0, R.alpha0_ci);
    ROW("separate", "alpha1", R.alpha1, R.alpha1_ci);
    ROW("separate", "beta0", R.beta0, R.beta0_ci);
    ROW("separate", "beta1", R.beta1, R.beta1_ci);
    ROW("joint", "alpha", R.joint_alpha, R.joint_alpha_ci);
    ROW("joint", "beta0", R.joint_beta0, R.joint_beta0_ci);
    ROW("joint", "beta1", R.joint_beta1, R.joint_beta1_ci);
#undef ROW
    for (size_t i = 0; i < C->npredict; i++)
        for (int kind = 0; kind < 2; kind++) {
            starc_fit_prediction p;
            if (starc_fit_scaling_predict(S->s, (starc_fit_scaling_kind)kind, C->predict[i], &p, NULL) != STARC_OK)
                continue;
            const char *kn = kind ? "predict-joint" : "predict-separate";
            const struct { const char *nm; double v; starc_fit_ci c; } pv[5] = {
                {STARC_RESULTS_FIT_Q_ALPHA, p.alpha, p.alpha_ci},
                {STARC_RESULTS_FIT_Q_BETA, p.beta, p.beta_ci},
                {STARC_RESULTS_FIT_Q_PEAK_D, p.peak_d, p.peak_d_ci},
                {STARC_RESULTS_FIT_Q_PEAK_KL, p.peak_kl, p.peak_kl_ci},
                {STARC_RESULTS_FIT_Q_PEAK_VALUE, p.peak_value, p.peak_value_ci}};
            for (int u = 0; u < 5; u++) {
                if (n < cap)
                    rows[n] = (srow){kn, pv[u].nm, p.size, pv[u].v, pv[u].c};
                n++;
            }
        }
    return n;
}

static int write_scaling(const char *path, const srow *rows, size_t n)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fprintf(o.f, "%s\n", STARC_RESULTS_FIT_SCALING_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        fprintf(o.f, "%s\t", rows[i].kind);
        put(o.f, rows[i].size);
        fprintf(o.f, "\t%s\t", rows[i].name);
        const double v[4] = {rows[i].value, rows[i].ci.se, rows[i].ci.lo, rows[i].ci.hi};
        for (int u = 0; u < 4; u++) {
            put(o.f, v[u]);
            fputc(u < 3 ? '\t' : '\n', o.f);
        }
    }
    return cli_out_commit(CMD, &o);
}

/* ----------------------------------------------------------------- json */

static json_t *ci_json(const starc_fit_ci *ci)
{
    json_t *a = json_array();
    json_array_append_new(a, cli_json_num(ci->lo));
    json_array_append_new(a, cli_json_num(ci->hi));
    return a;
}

static void put_quantity(json_t *o, const char *name, double v, const starc_fit_ci *ci)
{
    char key[64];
    json_object_set_new(o, name, cli_json_num(v));
    snprintf(key, sizeof key, "%s_se", name);
    json_object_set_new(o, key, cli_json_num(ci->se));
    snprintf(key, sizeof key, "%s_ci", name);
    json_object_set_new(o, key, ci_json(ci));
}

static json_t *fit_json(const starc_fit_result *r, const char *err)
{
    json_t *o = json_object();
    if (err) {
        json_object_set_new(o, "error", json_string(err));
        return o;
    }
    json_object_set_new(o, "center", json_string(starc_fit_center_name(r->center)));
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    json_object_set_new(o, "skipped", json_integer((json_int_t)r->skipped));
    for (size_t j = 0; j < NQUANT; j++) {
        if (strcmp(quantities[j].name, STARC_RESULTS_FIT_Q_G) == 0 && r->form != STARC_FIT_POWER)
            continue;
        put_quantity(o, quantities[j].name, q_value(r, &quantities[j]), q_ci(r, &quantities[j]));
    }
    json_object_set_new(o, "r2", cli_json_num(r->r2));
    json_object_set_new(o, "rss", cli_json_num(r->rss));
    json_object_set_new(o, "sigma", cli_json_num(r->sigma));
    json_object_set_new(o, "bootstrap", json_integer((json_int_t)r->boot));
    json_object_set_new(o, "bootstrap_failed", json_integer((json_int_t)r->boot_failed));
    return o;
}

static json_t *extrap_json(const starc_fit_extrapolation *x, const char *err)
{
    json_t *o = json_object();
    if (err) {
        json_object_set_new(o, "error", json_string(err));
        return o;
    }
    json_object_set_new(o, "cutoff_kl", cli_json_num(x->cutoff_kl));
    json_object_set_new(o, "n_fit", json_integer((json_int_t)x->n_fit));
    json_object_set_new(o, "n_test", json_integer((json_int_t)x->n_test));
    json_object_set_new(o, STARC_RESULTS_FIT_Q_ALPHA, cli_json_num(x->fit.alpha));
    json_object_set_new(o, STARC_RESULTS_FIT_Q_BETA, cli_json_num(x->fit.beta));
    json_object_set_new(o, "rmse_fit", cli_json_num(x->rmse_fit));
    json_object_set_new(o, "rmse_test", cli_json_num(x->rmse_test));
    json_object_set_new(o, "rmse_test_full", cli_json_num(x->rmse_test_full));
    json_object_set_new(o, "max_abs_test", cli_json_num(x->max_abs_test));
    json_object_set_new(o, "bias_test", cli_json_num(x->bias_test));
    json_object_set_new(o, "range", cli_json_num(x->range));
    return o;
}

static json_t *summary_json(const config *C, int nfiles, char **files, const data *D, const scaling *S,
                            const srow *rows, size_t nrows)
{
    json_t *o = json_object();
    json_t *in = json_array();
    for (int i = 0; i < nfiles; i++)
        json_array_append_new(in, json_string(files[i]));
    json_object_set_new(o, "inputs", in);
    json_object_set_new(o, "samples", json_boolean(C->samples));
    json_t *op = json_object();
    json_object_set_new(op, "center", json_string(starc_fit_center_name(C->opt.center)));
    json_object_set_new(op, "bootstrap", json_integer((json_int_t)C->opt.bootstrap));
    json_object_set_new(op, "seed", json_integer((json_int_t)C->opt.seed));
    json_object_set_new(op, "level", cli_json_num(C->opt.level));
    json_object_set_new(op, "cutoff_kl", C->opt.cutoff_kl > 0 ? cli_json_num(C->opt.cutoff_kl) : json_string("median"));
    json_object_set_new(o, "options", op);
    json_t *gs = json_array();
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(g->name));
        json_object_set_new(e, "size", cli_json_num(g->size));
        json_object_set_new(e, "method", json_string(starc_fit_form_name(g->method)));
        json_object_set_new(e, "points", json_integer((json_int_t)g->n));
        json_object_set_new(e, "duplicate_kl", json_integer((json_int_t)g->dup));
        if (C->samples)
            json_object_set_new(e, "samples", json_integer((json_int_t)g->ns));
        json_t *fits = json_object(), *ex = json_object();
        for (int t = 0; t < 1 + D->have_proxy; t++) {
            json_t *ft = json_object(), *xt = json_object();
            for (int f = 0; f < STARC_FIT_FORM_COUNT; f++) {
                const char *fn = starc_fit_form_name((starc_fit_form)f);
                json_object_set_new(ft, fn, fit_json(&g->fit[t][f], g->err[t][f]));
                json_object_set_new(xt, fn, extrap_json(&g->ex[t][f], g->exerr[t][f]));
            }
            json_object_set_new(fits, target_names[t], ft);
            json_object_set_new(ex, target_names[t], xt);
        }
        json_object_set_new(e, "fits", fits);
        json_object_set_new(e, "extrapolation", ex);
        json_array_append_new(gs, e);
    }
    json_object_set_new(o, "groups", gs);
    json_t *sc = json_object();
    if (S->skip) {
        json_object_set_new(sc, "skipped", json_string(S->skip));
    } else {
        starc_fit_scaling_result R;
        starc_fit_scaling_get(S->s, &R);
        json_object_set_new(sc, "target", json_string("gold"));
        json_object_set_new(sc, "form", json_string(starc_fit_form_name(S->form)));
        json_object_set_new(sc, "sizes", json_integer((json_int_t)R.nsizes));
        json_t *sep = json_object(), *jt = json_object(), *pred = json_array();
        for (size_t i = 0; i < nrows; i++) {
            const srow *r = &rows[i];
            if (strcmp(r->kind, "separate") == 0)
                put_quantity(sep, r->name, r->value, &r->ci);
            else if (strcmp(r->kind, "joint") == 0)
                put_quantity(jt, r->name, r->value, &r->ci);
        }
        json_object_set_new(sep, "alpha_r2", cli_json_num(R.alpha_r2));
        json_object_set_new(sep, "beta_r2", cli_json_num(R.beta_r2));
        json_object_set_new(jt, "r2", cli_json_num(R.joint_r2));
        json_object_set_new(jt, "beta_r2", cli_json_num(R.joint_beta_r2));
        json_t *jb = json_array();
        for (size_t k = 0; k < D->ng; k++) {
            double b;
            starc_fit_ci ci;
            starc_fit_scaling_group(S->s, k, NULL, &b, &ci, NULL);
            json_t *e = json_object();
            json_object_set_new(e, "group", json_string(D->g[k].name));
            put_quantity(e, "beta", b, &ci);
            json_array_append_new(jb, e);
        }
        json_object_set_new(jt, "betas", jb);
        for (size_t i = 0; i < C->npredict; i++) {
            json_t *p = json_object();
            json_object_set_new(p, "size", cli_json_num(C->predict[i]));
            for (int kind = 0; kind < 2; kind++) {
                json_t *pk = json_object();
                const char *kn = kind ? "predict-joint" : "predict-separate";
                for (size_t r = 0; r < nrows; r++)
                    if (strcmp(rows[r].kind, kn) == 0 && rows[r].size == C->predict[i])
                        put_quantity(pk, rows[r].name, rows[r].value, &rows[r].ci);
                json_object_set_new(p, kind ? "joint" : "separate", pk);
            }
            json_array_append_new(pred, p);
        }
        json_object_set_new(sc, "separate", sep);
        json_object_set_new(sc, "joint", jt);
        json_object_set_new(sc, "predictions", pred);
        json_object_set_new(sc, "bootstrap", json_integer((json_int_t)R.boot));
        json_object_set_new(sc, "bootstrap_failed", json_integer((json_int_t)R.boot_failed));
    }
    json_object_set_new(o, "scaling", sc);
    return o;
}

/* --------------------------------------------------------------- gnuplot */

/* One colour per group, ordered by size: viridis from dark to light. */
static void group_colour(size_t k, size_t K, char *buf)
{
    static const double anchor[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {181, 222, 43}};
    double t = K > 1 ? 4.0 * (double)k / (double)(K - 1) : 0.0;
    int i = (int)floor(t);
    if (i >= 4)
        i = 3;
    double u = t - i;
    int c[3];
    for (int j = 0; j < 3; j++)
        c[j] = (int)lround(anchor[i][j] + u * (anchor[i + 1][j] - anchor[i][j]));
    sprintf(buf, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* gnuplot expression of R(x) for form with coefficient variables PREFIX_a, _b, _g, x = KL. */
static void gp_form(FILE *f, starc_fit_form form, const char *v)
{
    switch (form) {
    case STARC_FIT_BON: fprintf(f, "sqrt(x) * (%s_a - %s_b * sqrt(x))", v, v); break;
    case STARC_FIT_RL: fprintf(f, "(x > 0 ? sqrt(x) * (%s_a - %s_b * log(sqrt(x))) : 0)", v, v); break;
    case STARC_FIT_LOG1P: fprintf(f, "sqrt(x) * (%s_a - %s_b * log(1 + sqrt(x)))", v, v); break;
    default: fprintf(f, "(x > 0 ? sqrt(x) * (%s_a - %s_b * sqrt(x)**%s_g) : 0)", v, v, v);
    }
}

static void gp_coef(FILE *f, const char *v, const starc_fit_result *r)
{
    fprintf(f, "%s_a = ", v);
    put(f, r->alpha);
    fprintf(f, "; %s_b = ", v);
    put(f, r->beta);
    if (r->form == STARC_FIT_POWER) {
        fprintf(f, "; %s_g = ", v);
        put(f, r->g);
    }
    fputc('\n', f);
}

static double group_kmax(const group *g)
{
    double m = 0.0;
    for (size_t i = 0; i < g->n; i++)
        if (isfinite(g->kl[i]))
            m = fmax(m, g->kl[i]);
    return m;
}

/* $Gk: kl, gold - offset, proxy - offset (each centred by its primary fit). */
static void gp_group_data(FILE *f, const data *D, size_t k)
{
    const group *g = &D->g[k];
    const int m = (int)g->method;
    double og = g->err[0][m] ? NAN : g->fit[0][m].offset;
    double op = D->have_proxy && !g->err[1][m] ? g->fit[1][m].offset : NAN;
    fprintf(f, "$G%zu << EOD\n# kl gold proxy (changes from the initial policy)\n", k);
    for (size_t i = 0; i < g->n; i++) {
        put(f, isfinite(g->kl[i]) ? g->kl[i] : NAN);
        fputc(' ', f);
        put(f, g->gold[i] - og);
        fputc(' ', f);
        put(f, g->proxy[i] - op);
        fputc('\n', f);
    }
    fputs("EOD\n", f);
}

static void gp_title(FILE *f, const group *g)
{
    char t[512];
    if (isnan(g->size))
        snprintf(t, sizeof t, "%s", g->name);
    else
        snprintf(t, sizeof t, "%s (size %g)", g->name, g->size);
    gp_string(f, t);
}

/* The peak's interval can be drawn (no bootstrap, or replicates without a finite peak, make
 * it NaN or infinite: the peak is then drawn without bars). */
static int peak_bars(const starc_fit_result *r)
{
    return isfinite(r->peak_kl_ci.lo) && isfinite(r->peak_kl_ci.hi) && isfinite(r->peak_value_ci.lo) &&
           isfinite(r->peak_value_ci.hi);
}

/* A finite fitted peak to draw (within the plotted KL range or not: gnuplot clips it). */
static int has_peak(const data *D, size_t k, int t)
{
    const group *g = &D->g[k];
    return !g->err[t][g->method] && isfinite(g->fit[t][g->method].peak_kl);
}

static double all_kmax(const data *D)
{
    double m = 0.0;
    for (size_t k = 0; k < D->ng; k++)
        m = fmax(m, group_kmax(&D->g[k]));
    return m > 0.0 ? m : 1.0;
}

static int write_fit_gp(const char *path, const data *D)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    FILE *f = o.f;
    gp_header(f, "fit.gp: overoptimisation logs with Gao's forms fitted (starc fit)", GP_DEFAULT_TERM, "fit.svg",
              1200, 520);
    fprintf(f, "# Points: score minus the fitted offset (R(0) = 0); lines: each group's primary form (its\n"
               "# method's: bon or rl); open circles with error bars: the peak and its bootstrap interval (no\n"
               "# bars when the interval is not finite: too many replicates have no finite peak)\n"
               "# (peaks beyond the data's KL range are outside the picture; see fits.tsv).\n"
               "# x: KL in nats on a square-root axis.  One colour per group, ordered by size.\n"
               "set datafile missing 'NaN'\n");
    char c[16], v[32];
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        gp_group_data(f, D, k);
        for (int t = 0; t < 1 + D->have_proxy; t++) {
            const starc_fit_result *r = &g->fit[t][g->method];
            snprintf(v, sizeof v, "g%zu%c", k, t ? 'p' : 'g');
            if (g->err[t][g->method]) {
                fprintf(f, "%s_ok = 0; %s_a = 0; %s_b = 0; %s_g = 1\n", v, v, v, v);
                continue;
            }
            fprintf(f, "%s_ok = 1\n", v);
            gp_coef(f, v, r);
            if (!has_peak(D, k, t))
                continue;
            fprintf(f, "$P%zu%c << EOD\n", k, t ? 'p' : 'g');
            const double pk[6] = {r->peak_kl, r->peak_value, r->peak_kl_ci.lo, r->peak_kl_ci.hi, r->peak_value_ci.lo,
                                  r->peak_value_ci.hi};
            for (int u = 0; u < 6; u++) {
                put(f, peak_bars(r) || u < 2 ? pk[u] : pk[u % 2]);
                fputc(u < 5 ? ' ' : '\n', f);
            }
            fputs("EOD\n", f);
        }
        fprintf(f, "g%zu_kmax = ", k);
        put(f, group_kmax(g));
        fputc('\n', f);
    }
    fprintf(f, "set multiplot layout 1,%d title 'Overoptimisation fits'\n", 1 + D->have_proxy);
    fprintf(f, "set key top left box opaque font ',9'\nset grid\nset xzeroaxis\nset samples 400\n"
               "set nonlinear x via sqrt(x) inverse x*x\nset xlabel 'KL (nats, square-root axis)'\n");
    /* the data's KL range: a peak far beyond it is left out of the picture rather than squashing it */
    fprintf(f, "set xrange [0:");
    put(f, 1.1 * all_kmax(D));
    fprintf(f, "]\n");
    for (int t = 0; t < 1 + D->have_proxy; t++) {
        fprintf(f, "set title '%s score'\nset ylabel '%s - initial'\nplot \\\n", target_names[t], target_names[t]);
        for (size_t k = 0; k < D->ng; k++) {
            const group *g = &D->g[k];
            group_colour(k, D->ng, c);
            snprintf(v, sizeof v, "g%zu%c", k, t ? 'p' : 'g');
            fprintf(f, "  $G%zu using 1:%d with points pt 7 ps 0.6 lc rgb '%s' title ", k, 2 + t, c);
            gp_title(f, g);
            fprintf(f, ", \\\n  (%s_ok && x <= g%zu_kmax ? ", v, k);
            gp_form(f, g->method, v);
            fprintf(f, " : NaN) with lines lw 2 lc rgb '%s' notitle", c);
            if (has_peak(D, k, t))
                fprintf(f, ", \\\n  $P%zu%c using 1:2:3:4:5:6 with xyerrorbars pt 6 ps 1.5 lw 1.5 lc rgb '%s' notitle", k,
                        t ? 'p' : 'g', c);
            fprintf(f, "%s\n", k + 1 < D->ng ? ", \\" : "");
        }
    }
    fprintf(f, "unset multiplot\n");
    return cli_out_commit(CMD, &o);
}

static int write_extrap_gp(const char *path, const data *D)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    FILE *f = o.f;
    gp_header(f, "extrapolation.gp: does a fit left of the KL cutoff predict the right? (starc fit)",
              GP_DEFAULT_TERM, "extrapolation.svg", 900, 600);
    fprintf(f, "# Gold score minus the left fit's offset; solid: the fit of the points left of the cutoff\n"
               "# (dashed vertical line), extrapolated; dotted: the fit of all points.  Primary forms.\n"
               "set datafile missing 'NaN'\n");
    char c[16], v[32];
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        const int m = (int)g->method;
        const int ok = !g->exerr[0][m] && !g->err[0][m];
        fprintf(f, "$G%zu << EOD\n# kl gold\n", k);
        for (size_t i = 0; i < g->n; i++) {
            put(f, isfinite(g->kl[i]) ? g->kl[i] : NAN);
            fputc(' ', f);
            put(f, ok ? g->gold[i] - g->ex[0][m].fit.offset : NAN);
            fputc('\n', f);
        }
        fputs("EOD\n", f);
        snprintf(v, sizeof v, "L%zu", k);
        fprintf(f, "%s_ok = %d\n", v, ok);
        gp_coef(f, v, ok ? &g->ex[0][m].fit : &g->fit[0][m]);
        snprintf(v, sizeof v, "F%zu", k);
        gp_coef(f, v, &g->fit[0][m]);
        fprintf(f, "F%zu_off = ", k);
        put(f, ok ? g->fit[0][m].offset - g->ex[0][m].fit.offset : 0.0);
        fprintf(f, "\ng%zu_kmax = ", k);
        put(f, group_kmax(g));
        fprintf(f, "\ng%zu_cut = ", k);
        put(f, ok ? g->ex[0][m].cutoff_kl : NAN);
        fputc('\n', f);
    }
    fprintf(f, "set key top left box opaque font ',9'\nset grid\nset xzeroaxis\nset samples 400\n"
               "set nonlinear x via sqrt(x) inverse x*x\nset xrange [0:*]\nset xlabel 'KL (nats, square-root axis)'\n"
               "set ylabel 'gold - initial'\nset title 'Extrapolation check: fit left of the cutoff, test right'\n");
    for (size_t k = 0; k < D->ng; k++) {
        group_colour(k, D->ng, c);
        fprintf(f, "if (L%zu_ok) set arrow from g%zu_cut, graph 0 to g%zu_cut, graph 1 nohead dt 2 lc rgb '%s'\n", k, k,
                k, c);
    }
    fprintf(f, "plot \\\n");
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        group_colour(k, D->ng, c);
        fprintf(f, "  $G%zu using 1:2 with points pt 7 ps 0.6 lc rgb '%s' title ", k, c);
        gp_title(f, g);
        snprintf(v, sizeof v, "L%zu", k);
        fprintf(f, ", \\\n  (L%zu_ok && x <= g%zu_kmax ? ", k, k);
        gp_form(f, g->method, v);
        fprintf(f, " : NaN) with lines lw 2 lc rgb '%s' notitle, \\\n", c);
        snprintf(v, sizeof v, "F%zu", k);
        fprintf(f, "  (L%zu_ok && x <= g%zu_kmax ? F%zu_off + ", k, k, k);
        gp_form(f, g->method, v);
        fprintf(f, " : NaN) with lines lw 1.5 dt 3 lc rgb '%s' notitle%s\n", c, k + 1 < D->ng ? ", \\" : "");
    }
    return cli_out_commit(CMD, &o);
}

static int write_scaling_gp(const char *path, const data *D, const scaling *S)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    FILE *f = o.f;
    starc_fit_scaling_result R;
    starc_fit_scaling_get(S->s, &R);
    gp_header(f, "scaling.gp: Gao coefficients against reward-model size (starc fit)", GP_DEFAULT_TERM,
              "scaling.svg", 1100, 480);
    fprintf(f, "# Gold fits, form %s.  Points with error bars: each group's alpha and beta with their bootstrap\n"
               "# intervals (separate fits) and the joint fit's betas (shared alpha); lines: the least-squares\n"
               "# lines in log(size).\nset datafile missing 'NaN'\n", starc_fit_form_name(S->form));
    fprintf(f, "$C << EOD\n# size alpha lo hi beta lo hi joint_beta lo hi\n");
    for (size_t k = 0; k < D->ng; k++) {
        starc_fit_result g;
        double jb;
        starc_fit_ci jc;
        starc_fit_scaling_group(S->s, k, &g, &jb, &jc, NULL);
        const starc_fit_result *r = &D->g[k].fit[0][S->form];
        const int ok = !D->g[k].err[0][S->form];
        const double v[10] = {D->g[k].size, g.alpha, ok ? r->alpha_ci.lo : NAN, ok ? r->alpha_ci.hi : NAN, g.beta,
                              ok ? r->beta_ci.lo : NAN, ok ? r->beta_ci.hi : NAN, jb, jc.lo, jc.hi};
        for (int u = 0; u < 10; u++) {
            put(f, isfinite(v[u]) ? v[u] : NAN);
            fputc(u < 9 ? ' ' : '\n', f);
        }
    }
    fputs("EOD\n", f);
    const double c[6] = {R.alpha0, R.alpha1, R.beta0, R.beta1, R.joint_beta0, R.joint_beta1};
    const char *cn[6] = {"a0", "a1", "b0", "b1", "jb0", "jb1"};
    for (int u = 0; u < 6; u++) {
        fprintf(f, "%s = ", cn[u]);
        put(f, c[u]);
        fputc('\n', f);
    }
    fprintf(f, "ja = ");
    put(f, R.joint_alpha);
    fprintf(f, "\nset multiplot layout 1,2 title 'Coefficients against reward-model size'\n"
               "set logscale x\nset grid\nset key top left box opaque font ',9'\nset xlabel 'size'\nset offsets graph 0.05, graph 0.05, 0, 0\n"
               "set title 'alpha'\nplot $C using 1:2:3:4 with yerrorbars pt 7 lc rgb '#3b528b' title 'separate fits', \\\n"
               "  a0 + a1 * log(x) with lines lw 2 lc rgb '#3b528b' title 'alpha0 + alpha1 log(size)', \\\n"
               "  ja with lines dt 2 lw 2 lc rgb '#21918c' title 'joint: shared alpha'\n"
               "set key top right\nset title 'beta'\nplot $C using 1:5:6:7 with yerrorbars pt 7 lc rgb '#3b528b' title 'separate fits', \\\n"
               "  b0 + b1 * log(x) with lines lw 2 lc rgb '#3b528b' title 'beta0 + beta1 log(size)', \\\n"
               "  $C using 1:8:9:10 with yerrorbars pt 6 lc rgb '#21918c' title 'joint fit', \\\n"
               "  jb0 + jb1 * log(x) with lines dt 2 lw 2 lc rgb '#21918c' title 'joint: beta0 + beta1 log(size)'\n"
               "unset multiplot\n");
    return cli_out_commit(CMD, &o);
}

/* ----------------------------------------------------------------- text */

static void print_text(const data *D, const scaling *S)
{
    printf("group\tsize\tmethod\ttarget\tn\talpha\talpha_lo\talpha_hi\tbeta\tbeta_lo\tbeta_hi\tr2\tpeak_kl\tpeak_value\n");
    for (size_t k = 0; k < D->ng; k++) {
        const group *g = &D->g[k];
        for (int t = 0; t < 1 + D->have_proxy; t++) {
            const starc_fit_result *r = &g->fit[t][g->method];
            const int ok = !g->err[t][g->method];
            printf("%s\t", g->name);
            put(stdout, g->size);
            printf("\t%s\t%s\t%zu", starc_fit_form_name(g->method), target_names[t], ok ? r->n : 0);
            const double v[9] = {r->alpha, r->alpha_ci.lo, r->alpha_ci.hi, r->beta, r->beta_ci.lo, r->beta_ci.hi,
                                 r->r2, r->peak_kl, r->peak_value};
            for (int u = 0; u < 9; u++) {
                putchar('\t');
                put(stdout, ok ? v[u] : NAN);
            }
            putchar('\n');
        }
    }
    if (!S->skip) {
        starc_fit_scaling_result R;
        starc_fit_scaling_get(S->s, &R);
        printf("scaling (gold, %s): alpha = ", starc_fit_form_name(S->form));
        put(stdout, R.alpha0);
        printf(" + ");
        put(stdout, R.alpha1);
        printf(" log(size), beta = ");
        put(stdout, R.beta0);
        printf(" + ");
        put(stdout, R.beta1);
        printf(" log(size); joint alpha ");
        put(stdout, R.joint_alpha);
        putchar('\n');
    }
}

/* ================================================================= main */

static int parse_predict(config *C, const char *arg)
{
    char *copy = strdup(arg);
    if (!copy)
        return cli_fail(CMD, "out of memory");
    int rc = EXIT_OK;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        double x;
        if ((rc = cli_parse_double(CMD, "predict", tok, &x)))
            break;
        if (!(x > 0))
            rc = cli_usage(CMD, "option --predict: size '%s' must be > 0", tok);
        else if (C->npredict == sizeof C->predict / sizeof C->predict[0])
            rc = cli_usage(CMD, "option --predict: at most %zu sizes", sizeof C->predict / sizeof C->predict[0]);
        else
            C->predict[C->npredict++] = x;
    }
    free(copy);
    return rc;
}

static int render_all(const config *C, const char *dir, const char *const *scripts, int n)
{
    for (int i = 0; i < n; i++)
        for (int png = 0; png < 2; png++) {
            if (!(png ? C->png : C->svg))
                continue;
            char *sp = cli_path_join(dir, scripts[i]);
            char *out = sp ? gp_default_output(sp, png ? "png" : "svg") : NULL;
            int rc = sp && out ? gp_render(CMD, sp, png ? "pngcairo" : "svg", out) : cli_fail(CMD, "out of memory");
            free(sp), free(out);
            if (rc)
                return rc;
        }
    return EXIT_OK;
}

/* Options into C, the output directory and the format; EXIT_OK, PARSE_HELP after --help, or the
 * exit status of a usage error (already reported).  One switch over the options: longer than 80
 * lines because each option is a case, and splitting the switch would scatter them. */
enum { PARSE_HELP = -1 };
static int parse_options(int argc, char **argv, config *C, const char **dir, enum cli_format *fmt)
{
    enum { O_KL = 256, O_GOLD, O_PROXY, O_GROUP, O_SIZE, O_METHOD, O_SAMPLES, O_PROMPT, O_BON_MAX, O_CENTER,
           O_CUTOFF, O_BOOT, O_SEED, O_LEVEL, O_PREDICT, O_SVG, O_PNG };
    static const struct option opts[] = {
        {"kl", required_argument, NULL, O_KL},           {"gold", required_argument, NULL, O_GOLD},
        {"proxy", required_argument, NULL, O_PROXY},     {"group", required_argument, NULL, O_GROUP},
        {"size", required_argument, NULL, O_SIZE},       {"method", required_argument, NULL, O_METHOD},
        {"samples", no_argument, NULL, O_SAMPLES},       {"prompt", required_argument, NULL, O_PROMPT},
        {"bon-max", required_argument, NULL, O_BON_MAX}, {"center", required_argument, NULL, O_CENTER},
        {"cutoff", required_argument, NULL, O_CUTOFF},   {"bootstrap", required_argument, NULL, O_BOOT},
        {"seed", required_argument, NULL, O_SEED},       {"level", required_argument, NULL, O_LEVEL},
        {"predict", required_argument, NULL, O_PREDICT}, {"svg", no_argument, NULL, O_SVG},
        {"png", no_argument, NULL, O_PNG},               {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(C, 0, sizeof *C);
    C->kl = "kl", C->gold = "gold", C->proxy = "proxy", C->group = "group", C->size = "size", C->prompt = "prompt";
    C->method = STARC_FIT_RL;
    starc_fit_options_default(&C->opt);
    C->opt.center = STARC_FIT_CENTER_AUTO;
    C->opt.skip_nonfinite = 1;
    *dir = NULL;
    *fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case O_KL: C->kl = optarg; break;
        case O_GOLD: C->gold = optarg; break;
        case O_PROXY: C->proxy = optarg, C->proxy_given = 1; break;
        case O_GROUP: C->group = optarg, C->group_given = 1; break;
        case O_SIZE: C->size = optarg, C->size_given = 1; break;
        case O_PROMPT: C->prompt = optarg; break;
        case O_METHOD:
            if (starc_fit_form_parse(optarg, &C->method, NULL) != STARC_OK ||
                (C->method != STARC_FIT_BON && C->method != STARC_FIT_RL))
                return cli_usage(CMD, "option --method: '%s' is not one of bon, rl", optarg);
            C->method_given = 1;
            break;
        case O_SAMPLES: C->samples = 1; break;
        case O_BON_MAX:
            if ((rc = cli_parse_size(CMD, "bon-max", optarg, &C->bon_max))) return rc;
            if (C->bon_max < 3) return cli_usage(CMD, "option --bon-max: '%s' must be >= 3", optarg);
            break;
        case O_CENTER:
            if (starc_fit_center_parse(optarg, &C->opt.center, NULL) != STARC_OK)
                return cli_usage(CMD, "option --center: '%s' is not one of none, origin, intercept, auto", optarg);
            break;
        case O_CUTOFF:
            if ((rc = cli_parse_double(CMD, "cutoff", optarg, &C->opt.cutoff_kl))) return rc;
            if (!(C->opt.cutoff_kl > 0)) return cli_usage(CMD, "option --cutoff: '%s' must be a KL > 0", optarg);
            break;
        case O_BOOT:
            if ((rc = cli_parse_size(CMD, "bootstrap", optarg, &C->opt.bootstrap))) return rc;
            if (C->opt.bootstrap > 1000000) return cli_usage(CMD, "option --bootstrap: '%s' is more than 1000000", optarg);
            break;
        case O_SEED: {
            unsigned long s;
            if ((rc = cli_parse_ulong(CMD, "seed", optarg, &s))) return rc;
            C->opt.seed = s;
            break;
        }
        case O_LEVEL:
            if ((rc = cli_parse_double(CMD, "level", optarg, &C->opt.level))) return rc;
            if (!(C->opt.level > 0 && C->opt.level < 1)) return cli_usage(CMD, "option --level: '%s' must be in (0, 1)", optarg);
            break;
        case O_PREDICT: if ((rc = parse_predict(C, optarg))) return rc; break;
        case O_SVG: C->svg = 1; break;
        case O_PNG: C->png = 1; break;
        case 'o': *dir = optarg; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, fmt))) return rc; break;
        case 'h': help(); return PARSE_HELP;
        default: return cli_bad_option(CMD, "starc fit", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage(CMD, "no input FILE; see 'starc fit --help'");
    if (!*dir)
        return cli_usage(CMD, "option -o/--output DIR is required");
    if (C->samples && C->method_given && C->method != STARC_FIT_BON)
        return cli_usage(CMD, "option --method: --samples are best-of-n (bon), not '%s'", starc_fit_form_name(C->method));
    if ((C->svg || C->png) && !gp_available())
        return cli_fail(CMD, "option --%s: gnuplot (%s) not found; install gnuplot or drop the option",
                        C->png ? "png" : "svg", gp_program());
    return EXIT_OK;
}

int cmd_fit(int argc, char **argv)
{
    config C;
    const char *dir;
    enum cli_format fmt;
    int rc = parse_options(argc, argv, &C, &dir, &fmt);
    if (rc)
        return rc == PARSE_HELP ? EXIT_OK : rc;

    const int nfiles = argc - optind;
    fit_log_table *tabs = calloc((size_t)nfiles, sizeof *tabs);
    data D;
    memset(&D, 0, sizeof D);
    scaling S;
    memset(&S, 0, sizeof S);
    srow rows[7 + 10 * 32];
    size_t nrows = 0;
    json_t *js = NULL;
    char *paths[8] = {NULL};
    if (!tabs)
        return cli_fail(CMD, "out of memory");
    rc = EXIT_OK;
    for (int i = 0; i < nfiles && !rc; i++)
        if (!(rc = fit_log_read(argv[optind + i], &tabs[i])))
            rc = load_file(&C, &tabs[i], &D);
    for (size_t k = 0; k < D.ng && !rc && C.samples; k++)
        rc = samples_to_points(&C, &D.g[k]);
    if (rc)
        goto done;
    qsort(D.g, D.ng, sizeof *D.g, cmp_group);
    if ((rc = fit_all(&C, &D)) || (rc = fit_scaling(&C, &D, &S)))
        goto done;
    if (!S.skip)
        nrows = scaling_rows(&C, &S, rows, sizeof rows / sizeof rows[0]);
    js = summary_json(&C, nfiles, argv + optind, &D, &S, rows, nrows);
    char *text = json_dumps(js, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(2));
    char *text_nl = text ? malloc(strlen(text) + 2) : NULL;
    if (text_nl)
        sprintf(text_nl, "%s\n", text);
    free(text);
    if (!text_nl) {
        rc = cli_fail(CMD, "could not encode JSON");
        goto done;
    }
    const char *names[8] = {STARC_RESULTS_FIT_POINTS_TSV, STARC_RESULTS_FIT_FITS_TSV, STARC_RESULTS_FIT_EXTRAP_TSV, STARC_RESULTS_FIT_SUMMARY_JSON, STARC_RESULTS_FIT_FIT_GP, STARC_RESULTS_FIT_EXTRAP_GP,
                            STARC_RESULTS_FIT_SCALING_TSV, STARC_RESULTS_FIT_SCALING_GP};
    const int nout = S.skip ? 6 : 8;
    if ((rc = cli_mkdir_p(CMD, dir))) {
        free(text_nl);
        goto done;
    }
    for (int i = 0; i < nout; i++)
        if (!(paths[i] = cli_path_join(dir, names[i]))) {
            free(text_nl);
            rc = cli_fail(CMD, "out of memory");
            goto done;
        }
    if ((rc = write_points(paths[0], &D)) || (rc = write_fits(paths[1], &D)) || (rc = write_extrap(paths[2], &D)) ||
        (rc = cli_write_file(CMD, paths[3], text_nl)) || (rc = write_fit_gp(paths[4], &D)) ||
        (rc = write_extrap_gp(paths[5], &D)) ||
        (!S.skip && ((rc = write_scaling(paths[6], rows, nrows)) || (rc = write_scaling_gp(paths[7], &D, &S))))) {
        free(text_nl);
        goto done;
    }
    free(text_nl);
    const char *scripts[3] = {STARC_RESULTS_FIT_FIT_GP, STARC_RESULTS_FIT_EXTRAP_GP, STARC_RESULTS_FIT_SCALING_GP};
    if ((rc = render_all(&C, dir, scripts, S.skip ? 2 : 3)))
        goto done;
    if (fmt == CLI_JSON) {
        rc = cli_json_print(js);
        js = NULL;
    } else {
        print_text(&D, &S);
        rc = fflush(stdout) == 0 ? EXIT_OK : cli_fail(CMD, "error writing to standard output");
    }
done:
    json_decref(js);
    for (int i = 0; i < 8; i++)
        free(paths[i]);
    for (int i = 0; i < nfiles; i++)
        fit_log_free(&tabs[i]);
    free(tabs);
    data_free(&D);
    starc_fit_scaling_free(S.s);
    free(S.skip);
    return rc;
}
