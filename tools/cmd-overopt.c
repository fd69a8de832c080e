/* starc overopt: overoptimisation curves (pressure sweeps, best-of-n, Gao fits,
 * drop metrics) written as TSV, JSON and a self-contained gnuplot figure. */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fmt17.h"
#include "gnuplot.h"
#include "overopt-batch.h"

static const char *CMD = "overopt";

static void help(void)
{
    printf("Usage: starc overopt --mdp M.npz --true R --proxy R [--base P.npy] [--method M[,M...]]...\n"
           "                     [--coef-min X] [--coef-max X] [--points N] [--bon-max N]\n"
           "                     [--engine E] [--png] [--svg] [--format text|json] -o DIR\n"
           "       starc overopt --batch LIST.tsv [--shard K/N] [options] -o DIR\n\n"
           "Overoptimisation curves (Gao, Schulman & Hilton 2022): the exact true and proxy returns of\n"
           "policies that optimise the proxy harder and harder, starting from the base policy.\n"
           "Writes DIR/curves.tsv, DIR/fits.tsv, DIR/summary.json and DIR/overopt.gp.\n\n"
           "  --mdp FILE        MDP .npz with T (dense, or CSR: docs/sparse.md), mu0, gamma\n"
           "  --true SPEC       the true reward (FILE.npy of shape (S,), (S,A), (S,A,S) or, on a sparse MDP,\n"
           "                    (nnz,); or FILE.npz:KEY)\n"
           "  --proxy SPEC      the proxy reward that is optimised\n"
           "  --base FILE       base policy .npy (S,A) (default: uniform)\n"
           "  --method LIST     ad-kl, om-chi2, om-sqrt-chi2, om-kl, bon; repeatable or comma-separated\n"
           "                    (default: ad-kl,om-chi2,om-sqrt-chi2,bon)\n"
           "  --coef-min X      smallest regulariser coefficient (default: automatic)\n"
           "  --coef-max X      largest regulariser coefficient (default: automatic)\n"
           "  --points N        points per method, >= 2 (default 41)\n"
           "  --range-tol X     automatic range: fraction of the proxy gain left at each end (default 1e-3)\n"
           "  --bon-max N       largest n of best-of-n (default 1000)\n"
           "  --tol X           solver tolerance (default 1e-10)\n"
           "  --max-iter N      solver iteration cap (default 1000)\n"
           "  --engine E        on a sparse MDP, the engine of every solve: auto (default), dense, sparse\n"
           "                    or iterative (docs/sparse.md); a dense MDP keeps the dense path\n"
           "  --png, --svg      also render DIR/overopt.png / DIR/overopt.svg with gnuplot\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --progress        report progress on stderr (default: only on a terminal)\n"
           "  --batch LIST      every entry of LIST (tab-separated, a header row: name, mdp, true, proxy\n"
           "                    and optionally base; paths relative to LIST's directory) into DIR/NAME,\n"
           "                    then DIR/batch.tsv and DIR/summary.json (starc-overopt(1))\n"
           "  --shard K/N       with --batch: the K-th of N contiguous slices of the entries and\n"
           "                    DIR/shard.json; `starc merge` gives the unsharded directory\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n");
}

static int add_methods(run_config *cfg, const char *arg)
{
    char *copy = strdup(arg);
    if (!copy)
        return cli_fail(CMD, "out of memory");
    int rc = EXIT_OK;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        starc_overopt_method m;
        if (starc_overopt_method_parse(tok, &m, NULL) != STARC_OK) {
            rc = cli_usage(CMD, "option --method: '%s' is not one of ad-kl, om-chi2, om-sqrt-chi2, om-kl, bon", tok);
            break;
        }
        int dup = 0;
        for (size_t k = 0; k < cfg->nmethods; k++)
            dup |= cfg->methods[k] == m;
        if (!dup)
            cfg->methods[cfg->nmethods++] = m;
    }
    if (!rc && cfg->nmethods == 0)
        rc = cli_usage(CMD, "option --method: '%s' names no method", arg);
    free(copy);
    return rc;
}

static void print_text(FILE *out, const json_t *js)
{
    static const char *const keys[] = {"base_true_return", "base_proxy_return", "proxy_optimal_true_return",
                                       "proxy_optimal_proxy_return", "true_range", STARC_RESULTS_OVEROPT_KEY_R, NULL};
    char b[40];
    for (int i = 0; keys[i]; i++) {
        fmt17(b, json_is_real(json_object_get(js, keys[i])) ? json_real_value(json_object_get(js, keys[i])) : NAN);
        fprintf(out, "%s\t%s\n", keys[i], b);
    }
    fprintf(out, "method\tpoints\tpeak_true_delta\tpeak_coef\tpeak_kl\tend_true_delta\tdrop\tdrop_normalized"
                 "\tnon_monotone\tlocal_maxima\tfit_form\tfit_alpha\tfit_beta\tfit_r2\n");
    const char *name;
    json_t *e;
    json_object_foreach(json_object_get(js, STARC_RESULTS_OVEROPT_KEY_METHODS), name, e)
    {
        json_t *pk = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_PEAK), *en = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_END);
        const char *form = strcmp(name, STARC_RESULTS_OVEROPT_FORM_BON) == 0 ? STARC_RESULTS_OVEROPT_FORM_BON : STARC_RESULTS_OVEROPT_FORM_RL;
        json_t *fit = json_object_get(json_object_get(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_FITS), "true"), form);
        double v[9] = {json_number_value(json_object_get(pk, "true_delta")), json_number_value(json_object_get(pk, "coef")),
                       json_number_value(json_object_get(pk, "kl")), json_number_value(json_object_get(en, "true_delta")),
                       json_number_value(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_DROP)), NAN, NAN, NAN, NAN};
        json_t *dn = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED);
        v[5] = json_is_number(dn) ? json_number_value(dn) : NAN;
        const char *fk[3] = {STARC_RESULTS_OVEROPT_FIT_ALPHA, STARC_RESULTS_OVEROPT_FIT_BETA, STARC_RESULTS_OVEROPT_FIT_R2};
        for (int i = 0; i < 3; i++) {
            json_t *x = json_object_get(fit, fk[i]);
            v[6 + i] = json_is_number(x) ? json_number_value(x) : NAN;
        }
        fprintf(out, "%s\t%lld", name, (long long)json_integer_value(json_object_get(e, "points")));
        for (int i = 0; i < 6; i++) {
            fmt17(b, v[i]);
            fprintf(out, "\t%s", b);
        }
        fprintf(out, "\t%d\t%lld\t%s", json_is_true(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE)),
                (long long)json_integer_value(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_LOCAL_MAXIMA)), form);
        for (int i = 6; i < 9; i++) {
            fmt17(b, v[i]);
            fprintf(out, "\t%s", b);
        }
        fprintf(out, "\n");
    }
}

typedef struct overopt_args {
    const char *mdp, *tpath, *ppath, *bpath, *dir, *batch;
    enum cli_format fmt;
    shard_spec shard;
} overopt_args;

enum { PARSED_HELP = -1 };

static int parse_options(int argc, char **argv, overopt_args *a, run_config *cfg)
{
    enum { O_COEF_MIN = 256, O_COEF_MAX, O_POINTS, O_RANGE_TOL, O_BON_MAX, O_TOL, O_MAX_ITER, O_PNG, O_SVG,
           O_PROGRESS, O_BASE, O_METHOD, O_ENGINE, O_BATCH, O_SHARD };
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'},         {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'},       {"base", required_argument, NULL, O_BASE},
        {"method", required_argument, NULL, O_METHOD}, {"coef-min", required_argument, NULL, O_COEF_MIN},
        {"coef-max", required_argument, NULL, O_COEF_MAX}, {"points", required_argument, NULL, O_POINTS},
        {"range-tol", required_argument, NULL, O_RANGE_TOL}, {"bon-max", required_argument, NULL, O_BON_MAX},
        {"tol", required_argument, NULL, O_TOL},       {"max-iter", required_argument, NULL, O_MAX_ITER},
        {"png", no_argument, NULL, O_PNG},             {"svg", no_argument, NULL, O_SVG},
        {"output", required_argument, NULL, 'o'},      {"progress", no_argument, NULL, O_PROGRESS},
        {"format", required_argument, NULL, 'f'},      {"help", no_argument, NULL, 'h'},
        {"engine", required_argument, NULL, O_ENGINE}, {"batch", required_argument, NULL, O_BATCH},
        {"shard", required_argument, NULL, O_SHARD},   {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mdp = optarg; break;
        case 't': a->tpath = optarg; break;
        case 'p': a->ppath = optarg; break;
        case O_BASE: a->bpath = optarg; break;
        case O_BATCH: if ((rc = cli_parse_path(CMD, "batch", optarg, &a->batch))) return rc; break;
        case O_SHARD: if ((rc = shard_parse("shard", optarg, &a->shard))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->dir))) return rc; break;
        case O_METHOD: if ((rc = add_methods(cfg, optarg))) return rc; break;
        case O_COEF_MIN:
            if ((rc = cli_parse_double(CMD, "coef-min", optarg, &cfg->opt.coef_min))) return rc;
            if (!(cfg->opt.coef_min > 0)) return cli_usage(CMD, "option --coef-min: '%s' must be > 0", optarg);
            break;
        case O_COEF_MAX:
            if ((rc = cli_parse_double(CMD, "coef-max", optarg, &cfg->opt.coef_max))) return rc;
            if (!(cfg->opt.coef_max > 0)) return cli_usage(CMD, "option --coef-max: '%s' must be > 0", optarg);
            break;
        case O_POINTS:
            if ((rc = cli_parse_size(CMD, "points", optarg, &cfg->opt.points))) return rc;
            if (cfg->opt.points < 2 || cfg->opt.points > 100000)
                return cli_usage(CMD, "option --points: '%s' must be between 2 and 100000", optarg);
            break;
        case O_RANGE_TOL:
            if ((rc = cli_parse_double(CMD, "range-tol", optarg, &cfg->opt.range_tol))) return rc;
            if (!(cfg->opt.range_tol > 0 && cfg->opt.range_tol < 0.5))
                return cli_usage(CMD, "option --range-tol: '%s' must be in (0, 0.5)", optarg);
            break;
        case O_BON_MAX:
            if ((rc = cli_parse_size(CMD, "bon-max", optarg, &cfg->opt.bon_max))) return rc;
            if (cfg->opt.bon_max < 1) return cli_usage(CMD, "option --bon-max: '%s' must be >= 1", optarg);
            break;
        case O_TOL:
            if ((rc = cli_parse_double(CMD, "tol", optarg, &cfg->opt.regularize_options.tol))) return rc;
            if (!(cfg->opt.regularize_options.tol > 0)) return cli_usage(CMD, "option --tol: '%s' must be > 0", optarg);
            break;
        case O_MAX_ITER:
            if ((rc = cli_parse_size(CMD, "max-iter", optarg, &cfg->opt.regularize_options.max_iter))) return rc;
            if (cfg->opt.regularize_options.max_iter < 1)
                return cli_usage(CMD, "option --max-iter: '%s' must be >= 1", optarg);
            break;
        case O_ENGINE:
            if (starc_policy_engine_parse(optarg, &cfg->opt.regularize_options.engine))
                return cli_usage(CMD, "option --engine: '%s' is not auto, dense, sparse or iterative", optarg);
            break;
        case O_PNG: cfg->png = 1; break;
        case O_SVG: cfg->svg = 1; break;
        case O_PROGRESS: cfg->progress = 1; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc overopt", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    return EXIT_OK;
}

static int check_options(const overopt_args *a, run_config *cfg)
{
    int rc;
    if (a->batch && (a->mdp || a->tpath || a->ppath || a->bpath))
        return cli_usage(CMD, "option --batch: the list gives every entry's inputs; do not combine it with --%s",
                         a->mdp ? "mdp" : a->tpath ? "true" : a->ppath ? "proxy" : "base");
    if (a->shard.n && !a->batch)
        return cli_usage(CMD, "option --shard needs --batch LIST (a single run is not split)");
    if (!a->batch && ((rc = cli_require(CMD, "mdp", a->mdp)) || (rc = cli_require(CMD, "true", a->tpath)) ||
                      (rc = cli_require(CMD, "proxy", a->ppath))))
        return rc;
    if (!a->dir)
        return cli_usage(CMD, "option -o/--output DIR is required");
    if (cfg->opt.coef_min > 0 && cfg->opt.coef_max > 0 && !(cfg->opt.coef_min < cfg->opt.coef_max))
        return cli_usage(CMD, "option --coef-min: %.17g must be below --coef-max %.17g", cfg->opt.coef_min,
                         cfg->opt.coef_max);
    if (cfg->nmethods == 0) {
        const starc_overopt_method def[4] = {STARC_OVEROPT_AD_KL, STARC_OVEROPT_OM_CHI2, STARC_OVEROPT_OM_SQRT_CHI2,
                                             STARC_OVEROPT_BON};
        memcpy(cfg->methods, def, sizeof def);
        cfg->nmethods = 4;
    }
    if ((cfg->png || cfg->svg) && !gp_available())
        return cli_fail(CMD, "option --%s: gnuplot not found (%s); install gnuplot, set GNUPLOT or drop the option",
                        cfg->png ? "png" : "svg", gp_program());
    return EXIT_OK;
}

int cmd_overopt(int argc, char **argv)
{
    overopt_args a;
    memset(&a, 0, sizeof a);
    a.fmt = CLI_TEXT;
    run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    starc_overopt_options_default(&cfg.opt);
    cfg.progress = isatty(STDERR_FILENO);
    int rc = parse_options(argc, argv, &a, &cfg);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    if ((rc = check_options(&a, &cfg)))
        return rc;
    if (a.batch)
        return overopt_batch(a.batch, &a.shard, a.dir, a.fmt, &cfg);
    json_t *summary = NULL;
    if ((rc = overopt_run_files(a.mdp, a.tpath, a.ppath, a.bpath, &cfg, a.dir, &summary)))
        return rc;
    if (a.fmt == CLI_JSON)
        return cli_json_print(summary);
    print_text(stdout, summary);
    json_decref(summary);
    return rc;
}

/* ------------------------------------------------------------ the demo */

/* The demo's problem: a random MDP (Dirichlet(0.3) rows: few likely successors), a
 * Gaussian true reward r(s,a), a base policy that strongly prefers one action per state,
 * and an off-distribution proxy: its errors are largest on the actions the base rarely
 * takes, so optimising it harder first helps and then hurts the true return.  Rt and
 * Rp are (S,A,S) (the (S,A) rewards expanded), Rp_sa and pb are (S,A). */
enum { DEMO_S = 12, DEMO_A = 4 };

static int demo_problem(starc_mdp **m, double *Rt, double *Rp_sa, double *Rp, double *pb)
{
    const size_t S = DEMO_S, A = DEMO_A, shape[2] = {S, A};
    starc_error err;
    starc_error_clear(&err);
    double rt[DEMO_S * DEMO_A];
    starc_generate_rng *r = NULL;
    if (starc_generate_rng_alloc(20240611, &r, &err))
        return cli_fail("demo", "out of memory");
    int st = starc_generate_mdp_dirichlet(r, S, A, 0.9, 0.3, m, &err);
    if (!st) { /* then, from the same stream: the reward, the base's favourite actions */
        for (size_t sa = 0; sa < S * A; sa++)
            rt[sa] = starc_generate_rng_gaussian(r);
        for (size_t s = 0; s < S; s++) {
            size_t fav = starc_generate_rng_uniform_int(r, A);
            for (size_t a = 0; a < A; a++)
                pb[s * A + a] = a == fav ? 0.85 : 0.15 / (double)(A - 1);
        }
        st = starc_mdp_reward_expand(*m, 2, shape, rt, Rt, &err);
    }
    starc_generate_rng_free(r);
    starc_proxygen_options po;
    starc_proxygen_options_default(&po);
    po.kind = STARC_PROXYGEN_OFF_DISTRIBUTION;
    po.seed = 7;
    po.scale = 0.5;
    if (!st && !(st = starc_proxygen(*m, Rt, pb, &po, Rp_sa, &err)))
        st = starc_mdp_reward_expand(*m, 2, shape, Rp_sa, Rp, &err);
    return st ? cli_lib_error("demo", st, &err) : EXIT_OK;
}

/* The demo's inputs next to its results, for re-running `starc overopt` on them. */
static int demo_save_inputs(const char *sub, const starc_mdp *m, const double *Rt, const double *Rp_sa,
                            const double *pb)
{
    const size_t shape[3] = {DEMO_S, DEMO_A, DEMO_S}, pshape[2] = {DEMO_S, DEMO_A};
    char *mp = cli_path_join(sub, STARC_RESULTS_MDP), *tp = cli_path_join(sub, STARC_RESULTS_DEMO_TRUE);
    char *pp = cli_path_join(sub, STARC_RESULTS_DEMO_PROXY), *bp = cli_path_join(sub, STARC_RESULTS_DEMO_BASE);
    int rc = mp && tp && pp && bp ? EXIT_OK : cli_fail("demo", "out of memory");
    if (!rc && !(rc = cli_write_mdp("demo", mp, m)) && !(rc = cli_write_npy("demo", tp, 3, shape, Rt)) &&
        !(rc = cli_write_npy("demo", pp, 2, pshape, Rp_sa)))
        rc = cli_write_npy("demo", bp, 2, pshape, pb);
    free(mp), free(tp), free(pp), free(bp);
    return rc;
}

static void demo_report(FILE *out, const char *sub, const json_t *js, int svg)
{
    fprintf(out, "== Overoptimisation: %d-state MDP, off-distribution proxy (r = %.3f under the base policy)\n", DEMO_S,
            json_real_value(json_object_get(js, STARC_RESULTS_OVEROPT_KEY_R)));
    const char *name;
    json_t *e;
    json_object_foreach(json_object_get(js, STARC_RESULTS_OVEROPT_KEY_METHODS), name, e)
    {
        json_t *pk = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_PEAK);
        json_t *dn = json_object_get(e, STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED);
        fprintf(out, "   %-13s true peak %+.4f at KL %.4f, end %+.4f, drop %.4f (%.1f%% of the true range)%s\n", name,
                json_number_value(json_object_get(pk, "true_delta")), json_number_value(json_object_get(pk, "kl")),
                json_number_value(json_object_get(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_END), "true_delta")),
                json_number_value(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_DROP)), json_is_number(dn) ? 100 * json_number_value(dn) : NAN,
                json_is_true(json_object_get(e, STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE)) ? ", rises then falls" : "");
    }
    fputs("   wrote ", out), cli_escape(out, sub);
    fprintf(out, "/{curves.tsv,fits.tsv,summary.json,overopt.gp%s}\n", svg ? ",overopt.svg" : "");
}

/* `starc demo`'s overoptimisation section: the same run and writers as `starc overopt`,
 * into DIR/overopt/, with the figure rendered when gnuplot is found. */
int starc_demo_overopt(FILE *out, const char *dir, json_t *summary)
{
    const size_t S = DEMO_S, A = DEMO_A;
    double *Rt = malloc(S * A * S * sizeof(double)), *Rp = malloc(S * A * S * sizeof(double));
    double *Rp_sa = malloc(S * A * sizeof(double)), *pb = malloc(S * A * sizeof(double));
    double bt[DEMO_S * DEMO_A], bp[DEMO_S * DEMO_A];
    char *sub = cli_path_join(dir, STARC_RESULTS_DEMO_OVEROPT);
    starc_mdp *m = NULL;
    json_t *js = NULL;
    run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    starc_overopt_options_default(&cfg.opt);
    const starc_overopt_method def[4] = {STARC_OVEROPT_AD_KL, STARC_OVEROPT_OM_CHI2, STARC_OVEROPT_OM_SQRT_CHI2,
                                         STARC_OVEROPT_BON};
    memcpy(cfg.methods, def, sizeof def);
    cfg.nmethods = 4;
    cfg.svg = gp_available();
    int rc = Rt && Rp && Rp_sa && pb && sub ? EXIT_OK : cli_fail("demo", "out of memory");
    if (!rc && !(rc = demo_problem(&m, Rt, Rp_sa, Rp, pb))) {
        starc_mdp_reward_expected(m, Rt, bt);
        starc_mdp_reward_expected(m, Rp, bp);
        rc = overopt_run(m, bt, bp, pb, &cfg, sub, &js);
    }
    if (!rc && !(rc = demo_save_inputs(sub, m, Rt, Rp_sa, pb))) {
        demo_report(out, sub, js, cfg.svg);
        json_object_set_new(summary, STARC_RESULTS_DEMO_OVEROPT, js);
        js = NULL;
    }
    json_decref(js);
    starc_mdp_free(m);
    free(Rt), free(Rp), free(Rp_sa), free(pb), free(sub);
    return rc;
}
