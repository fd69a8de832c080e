/* The single `starc overopt` run, shared by the command (cmd-overopt.c), the
 * batch (overopt-batch.c) and `starc demo`: the run's configuration and the
 * run itself, which sweeps, fits, summarises and writes one directory. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt17.h"
#include "gnuplot.h"
#include "overopt-run.h"

static const char *CMD = "overopt";

/* ------------------------------------------------------------ results */

#define NFIT 4 /* (true, proxy) x (bon, rl) */

typedef struct method_result {
    starc_overopt_method method;
    starc_overopt_point *pts;
    size_t n;
    double coef_lo, coef_hi;
    starc_overopt_summary sum;
    starc_fit_result fit[NFIT];
    int fit_ok[NFIT];
} method_result;

static const char *fit_target(int k)
{
    return k < 2 ? STARC_RESULTS_OVEROPT_TARGET_TRUE : STARC_RESULTS_OVEROPT_TARGET_PROXY;
}
static starc_fit_form fit_form(int k) { return k % 2 ? STARC_FIT_RL : STARC_FIT_BON; }
static const char *form_name(starc_fit_form f) { return f == STARC_FIT_RL ? STARC_RESULTS_OVEROPT_FORM_RL : STARC_RESULTS_OVEROPT_FORM_BON; }

static const char *const colours[STARC_OVEROPT_METHOD_COUNT] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

/* Gao's natural form for a method: best-of-n for bon, RL for the regularised paths. */
static int natural_fit(starc_overopt_method m) { return m == STARC_OVEROPT_BON ? 0 : 1; }

static void put(FILE *f, double x, const char *sep)
{
    fmt17_put(f, x);
    fputs(sep, f);
}

static void write_point(FILE *f, const starc_overopt_point *p, const char *sep, const char *end)
{
    put(f, p->coef, sep);
    put(f, p->kl, sep);
    put(f, p->kl_normalized, sep);
    put(f, p->d, sep);
    put(f, p->chi2, sep);
    put(f, p->proxy_return, sep);
    put(f, p->true_return, sep);
    put(f, p->proxy_delta, sep);
    put(f, p->true_delta, sep);
    put(f, p->bound, end);
}

static const char *POINT_COLUMNS = STARC_RESULTS_OVEROPT_POINT_COLUMNS;

static int write_curves(const char *path, const method_result *res, size_t nm)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fprintf(o.f, STARC_RESULTS_OVEROPT_COL_METHOD "\t%s\n", POINT_COLUMNS);
    for (size_t k = 0; k < nm; k++)
        for (size_t i = 0; i < res[k].n; i++) {
            fprintf(o.f, "%s\t", starc_overopt_method_name(res[k].method));
            write_point(o.f, &res[k].pts[i], "\t", "\n");
        }
    return cli_out_commit(CMD, &o);
}

static int write_fits(const char *path, const method_result *res, size_t nm)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    fprintf(o.f, STARC_RESULTS_OVEROPT_COL_METHOD "\t" STARC_RESULTS_OVEROPT_FIT_TARGET
                 "\t" STARC_RESULTS_OVEROPT_FIT_FORM "\t" STARC_RESULTS_OVEROPT_FIT_ALPHA
                 "\t" STARC_RESULTS_OVEROPT_FIT_BETA "\t" STARC_RESULTS_OVEROPT_FIT_R2
                 "\t" STARC_RESULTS_OVEROPT_FIT_PEAK_D "\t" STARC_RESULTS_OVEROPT_FIT_PEAK_KL
                 "\t" STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE "\t" STARC_RESULTS_OVEROPT_FIT_N "\n");
    for (size_t k = 0; k < nm; k++)
        for (int j = 0; j < NFIT; j++) {
            const starc_fit_result *g = &res[k].fit[j];
            fprintf(o.f, "%s\t%s\t%s\t", starc_overopt_method_name(res[k].method), fit_target(j),
                    form_name(fit_form(j)));
            if (res[k].fit_ok[j]) {
                put(o.f, g->alpha, "\t");
                put(o.f, g->beta, "\t");
                put(o.f, g->r2, "\t");
                put(o.f, g->peak_d, "\t");
                put(o.f, g->peak_kl, "\t");
                put(o.f, g->peak_value, "\t");
            } else {
                fputs("nan\tnan\tnan\tnan\tnan\tnan\t", o.f);
            }
            fprintf(o.f, "%zu\n", res[k].n);
        }
    return cli_out_commit(CMD, &o);
}

static json_t *fit_json(const starc_fit_result *g, int ok)
{
    json_t *o = json_object();
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_ALPHA, cli_json_num(ok ? g->alpha : NAN));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_BETA, cli_json_num(ok ? g->beta : NAN));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_R2, cli_json_num(ok ? g->r2 : NAN));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_PEAK_D, cli_json_num(ok ? g->peak_d : NAN));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_PEAK_KL, cli_json_num(ok ? g->peak_kl : NAN));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE, cli_json_num(ok ? g->peak_value : NAN));
    return o;
}

static json_t *summary_json(const starc_mdp *m, const starc_overopt_info *I, const method_result *res, size_t nm)
{
    json_t *o = json_object();
    json_t *md = json_object();
    json_object_set_new(md, "states", json_integer((json_int_t)starc_mdp_states(m)));
    json_object_set_new(md, "actions", json_integer((json_int_t)starc_mdp_actions(m)));
    json_object_set_new(md, "gamma", cli_json_num(starc_mdp_gamma(m)));
    json_object_set_new(o, "mdp", md);
    json_object_set_new(o, "base_true_return", cli_json_num(I->base_true_return));
    json_object_set_new(o, "base_proxy_return", cli_json_num(I->base_proxy_return));
    json_object_set_new(o, "proxy_optimal_true_return", cli_json_num(I->proxy_optimal_true_return));
    json_object_set_new(o, "proxy_optimal_proxy_return", cli_json_num(I->proxy_optimal_proxy_return));
    json_object_set_new(o, "true_optimal_return", cli_json_num(I->true_optimal_return));
    json_object_set_new(o, "true_worst_return", cli_json_num(I->true_worst_return));
    json_object_set_new(o, "true_range", cli_json_num(I->true_range));
    json_object_set_new(o, STARC_RESULTS_OVEROPT_KEY_R, cli_json_num(I->r));
    json_object_set_new(o, "sigma_true", cli_json_num(I->sigma_true));
    json_object_set_new(o, "sigma_proxy", cli_json_num(I->sigma_proxy));
    json_t *ms = json_object();
    for (size_t k = 0; k < nm; k++) {
        const method_result *r = &res[k];
        const starc_overopt_summary *s = &r->sum;
        json_t *e = json_object();
        json_object_set_new(e, "points", json_integer((json_int_t)r->n));
        json_object_set_new(e, "coef_min", cli_json_num(r->coef_lo));
        json_object_set_new(e, "coef_max", cli_json_num(r->coef_hi));
        json_t *pk = json_object();
        json_object_set_new(pk, STARC_RESULTS_OVEROPT_KEY_INDEX, json_integer((json_int_t)s->peak_index));
        json_object_set_new(pk, "true_delta", cli_json_num(s->peak_true_delta));
        json_object_set_new(pk, "coef", cli_json_num(s->peak_coef));
        json_object_set_new(pk, "kl", cli_json_num(s->peak_kl));
        json_object_set_new(pk, "d", cli_json_num(s->peak_d));
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_PEAK, pk);
        json_t *en = json_object();
        json_object_set_new(en, "true_delta", cli_json_num(s->end_true_delta));
        json_object_set_new(en, "proxy_delta", cli_json_num(s->end_proxy_delta));
        json_object_set_new(en, "kl", cli_json_num(s->end_kl));
        json_object_set_new(en, "coef", cli_json_num(r->pts[r->n - 1].coef));
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_END, en);
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_DROP, cli_json_num(s->drop));
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED, cli_json_num(s->drop_normalized));
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE, json_boolean(s->non_monotone));
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_LOCAL_MAXIMA, json_integer((json_int_t)s->local_maxima));
        json_t *fits = json_object();
        for (int t = 0; t < 2; t++) {
            json_t *ft = json_object();
            for (int f = 0; f < 2; f++)
                json_object_set_new(ft, form_name(fit_form(2 * t + f)), fit_json(&r->fit[2 * t + f], r->fit_ok[2 * t + f]));
            json_object_set_new(fits, fit_target(2 * t), ft);
        }
        json_object_set_new(e, STARC_RESULTS_OVEROPT_KEY_FITS, fits);
        json_object_set_new(ms, starc_overopt_method_name(r->method), e);
    }
    json_object_set_new(o, STARC_RESULTS_OVEROPT_KEY_METHODS, ms);
    return o;
}

/* gnuplot datablock name for a method: '$' + name with '-' -> '_'. */
static void block_name(starc_overopt_method m, char *buf, size_t n)
{
    snprintf(buf, n, "$%s", starc_overopt_method_name(m));
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
}

/* One method's datablock, the largest KL and its natural Gao form as a function. */
static void write_method_block(FILE *f, const method_result *r)
{
    char name[64];
    block_name(r->method, name, sizeof name);
    fprintf(f, "# %s: %s\n%s << EOD\n", starc_overopt_method_name(r->method), POINT_COLUMNS, name);
    for (size_t i = 0; i < r->n; i++) {
        starc_overopt_point q = r->pts[i];
        /* gnuplot reads 'nan' as missing; infinities cannot be plotted either */
        if (isinf(q.kl)) q.kl = q.kl_normalized = q.d = NAN;
        if (isinf(q.chi2)) q.chi2 = NAN;
        if (isinf(q.bound)) q.bound = NAN;
        write_point(f, &q, " ", "\n");
    }
    fprintf(f, "EOD\n");
    int j = natural_fit(r->method);
    const starc_fit_result *g = &r->fit[j];
    double kmax = 0.0;
    for (size_t i = 0; i < r->n; i++)
        if (isfinite(r->pts[i].kl))
            kmax = fmax(kmax, r->pts[i].kl);
    fprintf(f, "%s_kmax = ", name + 1);
    put(f, kmax, "\n");
    if (r->fit_ok[j] && isfinite(g->alpha) && isfinite(g->beta)) {
        fprintf(f, "%s_alpha = ", name + 1);
        put(f, g->alpha, "\n");
        fprintf(f, "%s_beta = ", name + 1);
        put(f, g->beta, "\n");
        if (j == 1)
            fprintf(f, "%s_fit(x) = (x > 0 && x <= %s_kmax) ? sqrt(x) * (%s_alpha - %s_beta * log(sqrt(x))) : NaN\n",
                    name + 1, name + 1, name + 1, name + 1);
        else
            fprintf(f, "%s_fit(x) = (x >= 0 && x <= %s_kmax) ? sqrt(x) * (%s_alpha - %s_beta * sqrt(x)) : NaN\n",
                    name + 1, name + 1, name + 1, name + 1);
    } else {
        fprintf(f, "%s_fit(x) = NaN\n", name + 1);
    }
    fprintf(f, "\n");
}

/* The four panels of the multiplot. */
static void write_panels(FILE *f, const method_result *res, size_t nm)
{
    char name[64];
    fprintf(f, "set multiplot layout 2,2 title 'Overoptimisation: true and proxy return along pressure paths'\n");
    fprintf(f, "set key top left box opaque font ',9'\nset grid\nset xzeroaxis\n\n");

    /* panel 1 */
    fprintf(f, "set title 'Change from base vs KL (true solid, proxy dashed, Gao fit dotted)'\n");
    fprintf(f, "set xlabel 'KL (nats, square-root axis)'\nset ylabel 'return - base return'\n");
    fprintf(f, "set nonlinear x via sqrt(x) inverse x*x\nset xrange [0:*]\nset samples 400\n");
    fprintf(f, "plot \\\n");
    for (size_t k = 0; k < nm; k++) {
        const char *mn = starc_overopt_method_name(res[k].method);
        const char *col = colours[res[k].method];
        block_name(res[k].method, name, sizeof name);
        char title[64];
        snprintf(title, sizeof title, "%s (fit: %s)", mn, natural_fit(res[k].method) ? "RL" : "BoN");
        fprintf(f, "  %s using 2:9 with linespoints lw 2 pt 7 ps 0.5 lc rgb '%s' dt 1 title ", name, col);
        gp_string(f, title);
        fprintf(f, ", \\\n");
        fprintf(f, "  %s using 2:8 with lines lw 1.5 lc rgb '%s' dt 2 notitle, \\\n", name, col);
        fprintf(f, "  %s_fit(x) with lines lw 1.5 lc rgb '%s' dt 3 notitle%s\n", name + 1, col,
                k + 1 < nm ? ", \\" : "");
    }
    fprintf(f, "unset nonlinear x\nset xrange [*:*]\n\n");

    /* panel 2 */
    fprintf(f, "set title 'True vs proxy change along each path'\n");
    fprintf(f, "set xlabel 'proxy return - base'\nset ylabel 'true return - base'\n");
    fprintf(f, "plot \\\n");
    for (size_t k = 0; k < nm; k++) {
        block_name(res[k].method, name, sizeof name);
        fprintf(f, "  %s using 8:9 with linespoints lw 2 pt 7 ps 0.5 lc rgb '%s' title ", name, colours[res[k].method]);
        gp_string(f, starc_overopt_method_name(res[k].method));
        fprintf(f, "%s\n", k + 1 < nm ? ", \\" : "");
    }
    fprintf(f, "\n");

    /* panels 3, 4 */
    const char *what[2] = {"KL (nats)", "chi2(mu || mu_b)"};
    const int col[2] = {2, 5};
    for (int pnl = 0; pnl < 2; pnl++) {
        char title[64];
        snprintf(title, sizeof title, "%s vs coefficient (bon: n)", what[pnl]);
        fputs("set title ", f);
        gp_string(f, title);
        fputs("\nset logscale xy\nset format y '%g'\nset xlabel 'coefficient (lambda; n for bon)'\nset ylabel ", f);
        gp_string(f, what[pnl]);
        fputc('\n', f);
        fprintf(f, "plot \\\n");
        for (size_t k = 0; k < nm; k++) {
            block_name(res[k].method, name, sizeof name);
            fprintf(f, "  %s using 1:($%d > 1e-12 ? $%d : NaN) with linespoints lw 2 pt 7 ps 0.5 lc rgb '%s' title ",
                    name, col[pnl], col[pnl], colours[res[k].method]);
            gp_string(f, starc_overopt_method_name(res[k].method));
            fprintf(f, "%s\n", k + 1 < nm ? ", \\" : "");
        }
        fprintf(f, "unset logscale xy\n\n");
    }
    fprintf(f, "unset multiplot\n");
}

static int write_gnuplot(const char *path, const method_result *res, size_t nm)
{
    static const gp_figure fig = {
        "overopt.gp: overoptimisation curves",
        "Panels: true (solid) and proxy (dashed) change from the base policy against KL on a\n"
        "square-root axis (d = sqrt(KL), unnormalised discounted KL in nats) with Gao's fitted form\n"
        "(dotted: RL form for regularised paths, best-of-n form for bon); true against proxy change;\n"
        "KL and chi2 against the coefficient (n for best-of-n; values below 1e-12, i.e. round-off at\n"
        "the base policy, are not drawn on the log axes).",
        "svg", STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_SVG, 1200, 900};
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    gp_begin(o.f, &fig);
    fprintf(o.f, "set datafile separator whitespace\n");
    fprintf(o.f, "set datafile missing 'nan'\n\n");
    for (size_t k = 0; k < nm; k++)
        write_method_block(o.f, &res[k]);
    write_panels(o.f, res, nm);
    return cli_out_commit(CMD, &o);
}

/* ------------------------------------------------------------ the job */

static void free_results(method_result *res, size_t nm)
{
    for (size_t k = 0; k < nm; k++)
        free(res[k].pts);
    free(res);
}

/* Every output into dir (created): curves.tsv, fits.tsv, summary.json, overopt.gp
 * and the renderings asked for; *summary gets the json summary. */
static int write_outputs(const starc_mdp *m, const starc_overopt_info *I, const method_result *res,
                         const run_config *cfg, const char *dir, json_t **summary)
{
    static const char *const names[4] = {STARC_RESULTS_OVEROPT_CURVES, STARC_RESULTS_OVEROPT_FITS, STARC_RESULTS_OVEROPT_SUMMARY, STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_GP};
    char *paths[4] = {NULL, NULL, NULL, NULL};
    int rc = cli_mkdir_p(CMD, dir);
    for (int i = 0; !rc && i < 4; i++)
        if (!(paths[i] = cli_path_join(dir, names[i])))
            rc = cli_fail(CMD, "out of memory");
    json_t *js = rc ? NULL : summary_json(m, I, res, cfg->nmethods);
    char *text = js ? json_dumps(js, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
    if (!rc && !text)
        rc = cli_fail(CMD, "could not encode JSON");
    if (!rc && !(rc = write_curves(paths[0], res, cfg->nmethods)) && !(rc = write_fits(paths[1], res, cfg->nmethods)) &&
        !(rc = cli_write_line(CMD, paths[2], text)))
        rc = write_gnuplot(paths[3], res, cfg->nmethods);
    for (int f = 0; f < 2 && !rc; f++) {
        if (!(f ? cfg->svg : cfg->png))
            continue;
        char *out = cli_path_join(dir, f ? STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_SVG : STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_PNG);
        rc = out ? gp_render(CMD, paths[3], f ? "svg" : "pngcairo", out) : cli_fail(CMD, "out of memory");
        free(out);
    }
    free(text);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    if (rc)
        json_decref(js);
    else
        *summary = js;
    return rc;
}

int overopt_run_files(const char *mdp, const char *tru, const char *proxy, const char *base, const run_config *cfg,
                      const char *dir, json_t **summary)
{
    starc_mdp *m = NULL;
    double *bt = NULL, *bp = NULL, *pb = NULL; /* the run needs only the expected rewards */
    int rc;
    if (!(rc = cli_load_mdp(CMD, mdp, &m)) && !(rc = cli_load_reward_expected(CMD, "true", tru, m, &bt)) &&
        !(rc = cli_load_reward_expected(CMD, "proxy", proxy, m, &bp)) &&
        !(rc = cli_load_policy(CMD, "base", base, m, &pb)))
        rc = overopt_run(m, bt, bp, pb, cfg, dir, summary);
    starc_mdp_free(m);
    free(bt), free(bp), free(pb);
    return rc;
}

/* Sweep, fit, summarise and write every output into dir; *summary gets the json summary. */
int overopt_run(const starc_mdp *m, const double *bt, const double *bp, const double *pb, const run_config *cfg,
                const char *dir, json_t **summary)
{
    starc_error err;
    starc_error_clear(&err);
    starc_overopt *plan = NULL;
    /* The plan with the default options but the engine; each sweep passes cfg->opt. */
    starc_overopt_options po;
    starc_overopt_options_default(&po);
    po.regularize_options.engine = cfg->opt.regularize_options.engine;
    int st = starc_overopt_alloc_rbar(m, bt, bp, pb, &po, &plan, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    starc_overopt_info I;
    starc_overopt_get_info(plan, &I);
    int rc = EXIT_OK;
    method_result *res = calloc(cfg->nmethods, sizeof *res);
    if (!res) {
        starc_overopt_free(plan);
        return cli_fail(CMD, "out of memory");
    }
    for (size_t k = 0; k < cfg->nmethods; k++) {
        method_result *r = &res[k];
        r->method = cfg->methods[k];
        r->pts = calloc(cfg->opt.points, sizeof *r->pts);
        if (!r->pts) {
            rc = cli_fail(CMD, "out of memory");
            goto done;
        }
        if (cfg->progress)
            fprintf(stderr, "starc overopt: %s sweep (%zu points)\n", starc_overopt_method_name(r->method),
                    cfg->opt.points);
        if ((st = starc_overopt_sweep(plan, r->method, &cfg->opt, r->pts, &r->n, &r->coef_lo, &r->coef_hi, &err))) {
            rc = cli_lib_error(CMD, st, &err);
            goto done;
        }
        if ((st = starc_overopt_summarize(r->pts, r->n, I.true_range, NULL, &r->sum, &err))) {
            rc = cli_lib_error(CMD, st, &err);
            goto done;
        }
        double *d = malloc(r->n * sizeof(double)), *y = malloc(r->n * sizeof(double));
        if (!d || !y) {
            free(d), free(y);
            rc = cli_fail(CMD, "out of memory");
            goto done;
        }
        /* Gao's forms by starc/fit.h (the one fitting code path): no centring (the deltas are
         * changes from the base already), points off the base's support (KL = inf) left out. */
        starc_fit_options fo;
        starc_fit_options_default(&fo);
        fo.bootstrap = 0;
        fo.skip_nonfinite = 1;
        for (int j = 0; j < NFIT; j++) {
            for (size_t i = 0; i < r->n; i++) {
                d[i] = r->pts[i].d;
                y[i] = j < 2 ? r->pts[i].true_delta : r->pts[i].proxy_delta;
            }
            /* An undefined fit (e.g. the proxy cannot move the policy) is reported as nan/null. */
            r->fit_ok[j] = starc_fit_points(fit_form(j), r->n, d, y, &fo, &r->fit[j], NULL, NULL) == STARC_OK;
        }
        free(d), free(y);
    }
    rc = write_outputs(m, &I, res, cfg, dir, summary);
done:
    free_results(res, cfg->nmethods);
    starc_overopt_free(plan);
    return rc;
}
