/* starc regularize: the exact maximiser of Jn(pi, proxy) - coef * D(pi) for
 * an AD-KL, OM-chi2, OM-sqrt-chi2 (ORPO) or OM-KL penalty. */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *CMD = "regularize";

static void help(void)
{
    printf("Usage: starc regularize --mdp M.npz --proxy R [--true R] --base P.npy\n"
           "                        --method ad-kl|om-chi2|om-sqrt-chi2|om-kl --coef L|orpo\n"
           "                        [-o POLICY.npy] [--gnuplot F.gp] [--tol X] [--max-iter N]\n"
           "                        [--adkl-solver pi|vi] [--engine auto|dense|sparse] [--format text|json]\n\n"
           "The exact maximiser of Jn(pi, proxy) - L * D(pi), Jn the normalised return (1-gamma) mu0.V:\n"
           "  ad-kl         D = sum_s d_pi(s) KL(pi(.|s) || base(.|s))   soft policy iteration\n"
           "  om-chi2       D = chi2(mu_pi || mu_base)                  Newton on the dual over values\n"
           "  om-sqrt-chi2  D = sqrt(chi2(mu_pi || mu_base)) (ORPO)     1-D search on the om-chi2 path\n"
           "  om-kl         D = KL(mu_pi || mu_base)                     Newton on the dual over values\n"
           "--coef orpo uses CP's coefficient sigma_proxy sqrt(1 - r^2) under the base (needs --true).\n\n"
           "  --mdp FILE         MDP .npz with T, mu0, gamma (or T in CSR form: a sparse MDP; rewards\n"
           "                     then (S,), (S,A) or (nnz,); om-* need S*A*S <= 2^24 there)\n"
           "  --proxy SPEC       the proxy reward that is optimised (FILE.npy or FILE.npz:KEY)\n"
           "  --true SPEC        the true reward, for reporting (optional)\n"
           "  --base FILE        base policy .npy (S,A), or 'uniform'\n"
           "  --method NAME      the penalty (see above)\n"
           "  --coef L           penalty coefficient > 0, or 'orpo'\n"
           "  --tol X            tolerance (default 1e-10): flow residual for om-*, relative soft Bellman\n"
           "                     residual for ad-kl\n"
           "  --max-iter N       Newton / soft policy iteration steps (default 1000)\n"
           "  --adkl-solver S    pi (soft policy iteration, default) or vi (soft value iteration)\n"
           "  --engine E         on a sparse MDP: auto (default), dense or sparse (UMFPACK) for ad-kl\n"
           "                     and the occupancies\n"
           "  -o FILE            write the optimal policy (S,A) as .npy\n"
           "  --gnuplot FILE     scatter of proxy vs true expected reward weighted by the base and the\n"
           "                     optimum's occupancies (needs --true)\n"
           "  --format FMT       text (default) or json\n"
           "  -h, --help         this help\n");
}

static const char *const methods[] = {"ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl", NULL};

/* ------------------------------------------------------------------ parse */

enum { PARSED_HELP = -1 };

static int parse_options(int argc, char **argv, regularize_args *a)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"base", required_argument, NULL, 'b'},
        {"method", required_argument, NULL, 'M'}, {"coef", required_argument, NULL, 'c'},
        {"tol", required_argument, NULL, 'T'}, {"max-iter", required_argument, NULL, 'I'},
        {"adkl-solver", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {"gnuplot", required_argument, NULL, 'g'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {"engine", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
    static const char *const solvers[] = {"pi", "vi", NULL};
    int c, rc, solver = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mdp = optarg; break;
        case 't': a->tpath = optarg; break;
        case 'p': a->ppath = optarg; break;
        case 'b': a->bpath = optarg; break;
        case 'M': if ((rc = cli_parse_choice(CMD, "method", optarg, methods, &a->method))) return rc; break;
        case 'c': a->coef_arg = optarg; break;
        case 'T':
            if ((rc = cli_parse_double(CMD, "tol", optarg, &a->ro.tol)))
                return rc;
            if (!(a->ro.tol > 0))
                return cli_usage(CMD, "option --tol: '%s' must be > 0", optarg);
            break;
        case 'I':
            if ((rc = cli_parse_size(CMD, "max-iter", optarg, &a->ro.max_iter)))
                return rc;
            if (a->ro.max_iter == 0)
                return cli_usage(CMD, "option --max-iter: must be > 0");
            break;
        case 'a': if ((rc = cli_parse_choice(CMD, "adkl-solver", optarg, solvers, &solver))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->outpath))) return rc; break;
        case 'g': if ((rc = cli_parse_path(CMD, "gnuplot", optarg, &a->gppath))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'e':
            if (starc_policy_engine_parse(optarg, &a->ro.engine))
                return cli_usage(CMD, "option --engine: '%s' is not auto, dense or sparse", optarg);
            break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc regularize", c, argv);
        }
    }
    a->ro.adkl_solver = solver ? STARC_REGULARIZE_ADKL_VALUE_ITERATION : STARC_REGULARIZE_ADKL_POLICY_ITERATION;
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    return EXIT_OK;
}

static int check_options(regularize_args *a)
{
    int rc;
    if ((rc = cli_require(CMD, "mdp", a->mdp)) || (rc = cli_require(CMD, "proxy", a->ppath)) ||
        (rc = cli_require(CMD, "base", a->bpath)))
        return rc;
    if (a->method < 0)
        return cli_usage(CMD, "option --method is required (ad-kl, om-chi2, om-sqrt-chi2, om-kl)");
    if ((rc = cli_require(CMD, "coef", a->coef_arg)))
        return rc;
    a->orpo = strcmp(a->coef_arg, "orpo") == 0;
    if (!a->orpo) {
        if ((rc = cli_parse_double(CMD, "coef", a->coef_arg, &a->coef)))
            return rc;
        if (!(a->coef > 0))
            return cli_usage(CMD, "option --coef: '%s' must be > 0 (or 'orpo')", a->coef_arg);
    } else if (!a->tpath)
        return cli_usage(CMD, "option --coef: 'orpo' needs --true (it uses r and sigma_proxy under the base)");
    if (a->gppath && !a->tpath)
        return cli_usage(CMD, "option --gnuplot needs --true");
    return EXIT_OK;
}

/* --------------------------------------------------------------- load, run */

typedef struct reg_run {
    starc_mdp *m;
    double *base, *bt, *bp, *pi; /* bt: NULL without --true */
    starc_regularize *rg;
    starc_proxy_stats ps; /* NaN without --true */
    double coef;
    starc_regularize_result res;
} reg_run;

static void run_free(reg_run *r)
{
    starc_regularize_free(r->rg);
    starc_mdp_free(r->m);
    free(r->base), free(r->bt), free(r->bp), free(r->pi);
}

static int load_inputs(const regularize_args *a, reg_run *r)
{
    int rc; /* the regularised problem needs only the expected rewards */
    if ((rc = cli_load_mdp(CMD, a->mdp, &r->m)) ||
        (a->tpath && (rc = cli_load_reward_expected(CMD, "true", a->tpath, r->m, &r->bt))) ||
        (rc = cli_load_reward_expected(CMD, "proxy", a->ppath, r->m, &r->bp)) ||
        (rc = cli_load_policy(CMD, "base", strcmp(a->bpath, "uniform") ? a->bpath : NULL, r->m, &r->base)))
        return rc;
    const size_t SA = starc_mdp_states(r->m) * starc_mdp_actions(r->m);
    if (!(r->pi = malloc(SA * sizeof(double))))
        return cli_fail(CMD, "out of memory");
    return EXIT_OK;
}

static int run(const regularize_args *a, reg_run *r)
{
    starc_error err;
    starc_error_clear(&err);
    const size_t SA = starc_mdp_states(r->m) * starc_mdp_actions(r->m);
    int st = starc_regularize_alloc_rbar(r->m, r->bt, r->bp, r->base, &a->ro, &r->rg, &err);
    if (!st && r->bt)
        st = starc_proxy_weighted_stats(SA, starc_regularize_base_occupancy(r->rg), r->bt, r->bp, NULL, &r->ps, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    r->coef = a->orpo ? r->ps.orpo_coef : a->coef;
    if (a->orpo && !(r->coef > 0))
        return cli_fail(CMD, "option --coef: the ORPO coefficient sigma_proxy sqrt(1 - r^2) = %g is not > 0 "
                             "(r = %g, sigma_proxy = %g)", r->coef, r->ps.r, r->ps.sigma_proxy);
    if ((st = starc_regularize_solve(r->rg, (starc_regularize_method)a->method, r->coef, r->pi, &r->res, &err)))
        return cli_lib_error(CMD, st, &err);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ write */

/* -o: the optimal policy; --gnuplot: the scatter under the base's and the optimum's occupancies. */
static int write_files(const regularize_args *a, const reg_run *r)
{
    const size_t S = starc_mdp_states(r->m), A = starc_mdp_actions(r->m);
    size_t shape[2] = {S, A};
    int rc = a->outpath ? cli_write_npy(CMD, a->outpath, 2, shape, r->pi) : EXIT_OK;
    if (!rc && a->gppath) {
        char title[256];
        snprintf(title, sizeof title, "%s, coef %.4g: true %.4g (base %.4g)", methods[a->method], r->coef,
                 r->res.true_return, r->res.true_return - r->res.true_delta);
        rc = proxy_write_scatter(CMD, a->gppath, S * A, r->bp, r->bt, starc_regularize_base_occupancy(r->rg),
                                 "base occupancy", starc_regularize_occupancy(r->rg), "regularised optimum", title);
    }
    return rc;
}

static int print_result(FILE *out, const regularize_args *a, const reg_run *r)
{
    const starc_regularize_result *res = &r->res;
    double Jbp, Jbt;
    starc_regularize_base_returns(r->rg, &Jbt, &Jbp);
    const struct {
        const char *k;
        double v;
    } kv[] = {
        {STARC_RESULTS_REGULARIZE_KEY_COEF, r->coef}, {STARC_RESULTS_REGULARIZE_KEY_OBJECTIVE, res->objective}, {"divergence", res->divergence},
        {"proxy_return", res->proxy_return}, {"true_return", res->true_return},
        {"proxy_return_normalized", res->proxy_return_normalized}, {"true_return_normalized", res->true_return_normalized},
        {"base_proxy_return", Jbp}, {"base_true_return", Jbt},
        {"proxy_delta", res->proxy_delta}, {"true_delta", res->true_delta},
        {"ad_kl", res->ad_kl}, {"ad_kl_unnormalized", res->ad_kl_unnormalized}, {"state_kl", res->state_kl},
        {"om_kl", res->om_kl}, {"chi2", res->chi2}, {"tv", res->tv}, {"inner_coef", res->inner_coef},
        {"r", r->ps.r}, {"sigma_proxy", r->ps.sigma_proxy}, {"orpo_coef", r->ps.orpo_coef},
        {"residual", res->residual}, {"tol", a->ro.tol},
    };
    const size_t nkv = sizeof kv / sizeof kv[0];
    if (a->fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, STARC_RESULTS_REGULARIZE_KEY_METHOD, json_string(methods[a->method]));
        for (size_t i = 0; i < nkv; i++)
            json_object_set_new(o, kv[i].k, cli_json_num(kv[i].v));
        json_object_set_new(o, "converged", json_boolean(res->converged));
        json_object_set_new(o, "iterations", json_integer((json_int_t)res->iterations));
        return cli_json_fprint(out, o);
    }
    fprintf(out, "method\t%s\n", methods[a->method]);
    for (size_t i = 0; i < nkv; i++)
        cli_put_num(out, kv[i].k, kv[i].v);
    fprintf(out, "converged\t%s\n", res->converged ? "true" : "false");
    fprintf(out, "iterations\t%zu\n", res->iterations);
    return EXIT_OK;
}

void regularize_args_init(regularize_args *a)
{
    memset(a, 0, sizeof *a);
    a->method = -1;
    a->coef = NAN;
    a->fmt = CLI_TEXT;
    starc_regularize_options_default(&a->ro);
}

int regularize_job(regularize_args *a, FILE *out)
{
    int rc = check_options(a);
    if (rc)
        return rc;
    reg_run r;
    memset(&r, 0, sizeof r);
    r.ps = (starc_proxy_stats){NAN, NAN, NAN, NAN, NAN, NAN};
    if (!(rc = load_inputs(a, &r)) && !(rc = run(a, &r)) && !(rc = write_files(a, &r)))
        rc = print_result(out, a, &r);
    run_free(&r);
    return rc;
}

int cmd_regularize(int argc, char **argv)
{
    regularize_args a;
    regularize_args_init(&a);
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    return regularize_job(&a, stdout);
}
