/* starc regularize: the exact maximiser of Jn(pi, proxy) - coef * D(pi) for
 * an AD-KL, OM-chi2, OM-sqrt-chi2 (ORPO) or OM-KL penalty. */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *CMD = "regularize";

static void help(void)
{
    printf("Usage: starc regularize --mdp M.npz --proxy R [--true R] --base P.npy\n"
           "                        --method ad-kl|om-chi2|om-sqrt-chi2|om-kl --coef L|orpo\n"
           "                        [-o POLICY.npy] [--gnuplot F.gp] [--tol X] [--max-iter N]\n"
           "                        [--adkl-solver pi|vi] [--format text|json]\n\n"
           "The exact maximiser of Jn(pi, proxy) - L * D(pi), Jn the normalised return (1-gamma) mu0.V:\n"
           "  ad-kl         D = sum_s d_pi(s) KL(pi(.|s) || base(.|s))   soft policy iteration\n"
           "  om-chi2       D = chi2(mu_pi || mu_base)                  Newton on the dual over values\n"
           "  om-sqrt-chi2  D = sqrt(chi2(mu_pi || mu_base)) (ORPO)     1-D search on the om-chi2 path\n"
           "  om-kl         D = KL(mu_pi || mu_base)                     Newton on the dual over values\n"
           "--coef orpo uses CP's coefficient sigma_proxy sqrt(1 - r^2) under the base (needs --true).\n\n"
           "  --mdp FILE         MDP .npz with T, mu0, gamma\n"
           "  --proxy SPEC       the proxy reward that is optimised (FILE.npy or FILE.npz:KEY)\n"
           "  --true SPEC        the true reward, for reporting (optional)\n"
           "  --base FILE        base policy .npy (S,A), or 'uniform'\n"
           "  --method NAME      the penalty (see above)\n"
           "  --coef L           penalty coefficient > 0, or 'orpo'\n"
           "  --tol X            tolerance (default 1e-10): flow residual for om-*, relative soft Bellman\n"
           "                     residual for ad-kl\n"
           "  --max-iter N       Newton / soft policy iteration steps (default 1000)\n"
           "  --adkl-solver S    pi (soft policy iteration, default) or vi (soft value iteration)\n"
           "  -o FILE            write the optimal policy (S,A) as .npy\n"
           "  --gnuplot FILE     scatter of proxy vs true expected reward weighted by the base and the\n"
           "                     optimum's occupancies (needs --true)\n"
           "  --format FMT       text (default) or json\n"
           "  -h, --help         this help\n");
}

int cmd_regularize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"base", required_argument, NULL, 'b'},
        {"method", required_argument, NULL, 'M'}, {"coef", required_argument, NULL, 'c'},
        {"tol", required_argument, NULL, 'T'}, {"max-iter", required_argument, NULL, 'I'},
        {"adkl-solver", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {"gnuplot", required_argument, NULL, 'g'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    static const char *const methods[] = {"ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl", NULL};
    static const char *const solvers[] = {"pi", "vi", NULL};
    const char *mdp_path = NULL, *tpath = NULL, *ppath = NULL, *bpath = NULL, *outpath = NULL, *gppath = NULL;
    const char *coef_arg = NULL;
    int method = -1, solver = 0, c, rc;
    double coef = NAN;
    starc_reg_options ro;
    starc_reg_options_default(&ro);
    enum cli_format fmt = CLI_TEXT;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mdp_path = optarg; break;
        case 't': tpath = optarg; break;
        case 'p': ppath = optarg; break;
        case 'b': bpath = optarg; break;
        case 'M': if ((rc = cli_parse_choice(CMD, "method", optarg, methods, &method))) return rc; break;
        case 'c': coef_arg = optarg; break;
        case 'T':
            if ((rc = cli_parse_double(CMD, "tol", optarg, &ro.tol)))
                return rc;
            if (!(ro.tol > 0))
                return cli_usage(CMD, "option --tol: '%s' must be > 0", optarg);
            break;
        case 'I':
            if ((rc = cli_parse_size(CMD, "max-iter", optarg, &ro.max_iter)))
                return rc;
            if (ro.max_iter == 0)
                return cli_usage(CMD, "option --max-iter: must be > 0");
            break;
        case 'a': if ((rc = cli_parse_choice(CMD, "adkl-solver", optarg, solvers, &solver))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &outpath))) return rc; break;
        case 'g': if ((rc = cli_parse_path(CMD, "gnuplot", optarg, &gppath))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc regularize", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", mdp_path)))
        return rc;
    if ((rc = cli_require(CMD, "proxy", ppath)))
        return rc;
    if ((rc = cli_require(CMD, "base", bpath)))
        return rc;
    if (method < 0)
        return cli_usage(CMD, "option --method is required (ad-kl, om-chi2, om-sqrt-chi2, om-kl)");
    if ((rc = cli_require(CMD, "coef", coef_arg)))
        return rc;
    int orpo = strcmp(coef_arg, "orpo") == 0;
    if (!orpo) {
        if ((rc = cli_parse_double(CMD, "coef", coef_arg, &coef)))
            return rc;
        if (!(coef > 0))
            return cli_usage(CMD, "option --coef: '%s' must be > 0 (or 'orpo')", coef_arg);
    } else if (!tpath)
        return cli_usage(CMD, "option --coef: 'orpo' needs --true (it uses r and sigma_proxy under the base)");
    if (gppath && !tpath)
        return cli_usage(CMD, "option --gnuplot needs --true");
    ro.adkl_solver = solver ? STARC_ADKL_VALUE_ITERATION : STARC_ADKL_POLICY_ITERATION;

    starc_mdp *m = NULL;
    double *Rt = NULL, *Rp = NULL, *base = NULL, *bt = NULL, *bp = NULL, *pi = NULL;
    starc_regularizer *rg = NULL;
    starc_error err;
    starc_error_clear(&err);
    if ((rc = cli_load_mdp(CMD, mdp_path, &m)) || (tpath && (rc = cli_load_reward(CMD, "true", tpath, m, &Rt, NULL))) ||
        (rc = cli_load_reward(CMD, "proxy", ppath, m, &Rp, NULL)) || (rc = cli_load_policy(CMD, "base", strcmp(bpath, "uniform") ? bpath : NULL, m, &base)))
        goto done;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    bp = malloc(S * A * sizeof(double));
    bt = Rt ? malloc(S * A * sizeof(double)) : NULL;
    pi = malloc(S * A * sizeof(double));
    if (!bp || (Rt && !bt) || !pi) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    starc_reward_expected(m, Rp, bp);
    if (Rt)
        starc_reward_expected(m, Rt, bt);
    int st = starc_regularizer_alloc(m, base, bp, bt, &ro, &rg, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    starc_proxy_stats ps = {NAN, NAN, NAN, NAN, NAN, NAN};
    if (Rt) {
        st = starc_proxy_weighted_stats(S * A, starc_regularizer_base_occupancy(rg), bt, bp, &ps, &err);
        if (st) {
            rc = cli_lib_error(CMD, st, &err);
            goto done;
        }
    }
    if (orpo) {
        coef = ps.orpo_coef;
        if (!(coef > 0)) {
            rc = cli_fail(CMD, "option --coef: the ORPO coefficient sigma_proxy sqrt(1 - r^2) = %g is not > 0 "
                               "(r = %g, sigma_proxy = %g)", coef, ps.r, ps.sigma_proxy);
            goto done;
        }
    }
    starc_reg_result res;
    st = starc_regularizer_solve(rg, (starc_reg_method)method, coef, pi, &res, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    if (outpath) {
        size_t shape[2] = {S, A};
        if ((rc = cli_write_npy(CMD, outpath, 2, shape, pi)))
            goto done;
    }
    if (gppath) {
        char title[256];
        snprintf(title, sizeof title, "%s, coef %.4g: true %.4g (base %.4g)", methods[method], coef,
                 res.true_return, res.true_return - res.true_delta);
        rc = proxy_write_scatter(CMD, gppath, S * A, bp, bt, starc_regularizer_base_occupancy(rg), "base occupancy",
                                 starc_regularizer_occupancy(rg), "regularised optimum", title);
        if (rc)
            goto done;
    }
    double Jbp, Jbt;
    starc_regularizer_base_returns(rg, &Jbp, &Jbt);
    struct {
        const char *k;
        double v;
    } kv[] = {
        {"coef", coef}, {"objective", res.objective}, {"divergence", res.divergence},
        {"proxy_return", res.proxy_return}, {"true_return", res.true_return},
        {"proxy_return_normalized", res.proxy_return_normalized}, {"true_return_normalized", res.true_return_normalized},
        {"base_proxy_return", Jbp}, {"base_true_return", Jbt},
        {"proxy_delta", res.proxy_delta}, {"true_delta", res.true_delta},
        {"ad_kl", res.ad_kl}, {"ad_kl_unnormalized", res.ad_kl_unnormalized}, {"state_kl", res.state_kl},
        {"om_kl", res.om_kl}, {"chi2", res.chi2}, {"tv", res.tv}, {"inner_coef", res.inner_coef},
        {"r", ps.r}, {"sigma_proxy", ps.sigma_proxy}, {"orpo_coef", ps.orpo_coef},
        {"residual", res.residual}, {"tol", ro.tol},
    };
    size_t nkv = sizeof kv / sizeof kv[0];
    if (fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "method", json_string(methods[method]));
        for (size_t i = 0; i < nkv; i++)
            json_object_set_new(o, kv[i].k, cli_json_num(kv[i].v));
        json_object_set_new(o, "converged", json_boolean(res.converged));
        json_object_set_new(o, "iterations", json_integer((json_int_t)res.iterations));
        rc = cli_json_print(o);
    } else {
        printf("method\t%s\n", methods[method]);
        for (size_t i = 0; i < nkv; i++)
            cli_put_num(stdout, kv[i].k, kv[i].v);
        printf("converged\t%s\n", res.converged ? "true" : "false");
        printf("iterations\t%zu\n", res.iterations);
        rc = EXIT_OK;
    }
done:
    starc_regularizer_free(rg);
    starc_mdp_free(m);
    free(Rt);
    free(Rp);
    free(base);
    free(bt);
    free(bp);
    free(pi);
    return rc;
}
