/* starc regret: normalised regret of the proxy-optimal policy under the true reward. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *CMD = "regret";

static void help(void)
{
    printf("Usage: starc regret --mdp M.npz --true R --proxy R [--symmetric]\n"
           "                    [--engine auto|dense|sparse|iterative] [--threads N]\n"
           "                    [--format text|json]\n\n"
           "Normalised regret (J_t(pi*_t) - J_t(pi*_p)) / (J_t(pi*_t) - J_t(pi-_t)) of optimising the\n"
           "proxy reward when the true reward is --true; exact policy iteration, ties to the lowest action.\n"
           "Rewards: FILE.npy of shape (S,), (S,A) or (S,A,S) ((nnz,) for a sparse MDP), or FILE.npz:KEY.\n\n"
           "  --mdp FILE       MDP .npz with T, mu0, gamma (or T in CSR form: a sparse MDP)\n"
           "  --true SPEC      the true reward\n"
           "  --proxy SPEC     the proxy reward\n"
           "  --symmetric      report (reg(true,proxy) + reg(proxy,true)) / 2 as regret\n"
           "  --engine E       auto (default), dense (LAPACK LU), sparse (UMFPACK sparse LU) or\n"
           "                   iterative (GMRES, residual <= 1e-13 |b|); auto: dense for a dense MDP, for\n"
           "                   a sparse one dense up to %d states, sparse LU up to %d, iterative above\n"
           "  --threads N      threads for the three policy iterations (default: online CPUs; 1 to 64,\n"
           "                   at most 3 used); the same result for every N\n"
           "  --format FMT     text (default) or json\n"
           "  -h, --help       this help\n",
           STARC_POLICY_ENGINE_DENSE_MAX_S, STARC_POLICY_ENGINE_SPARSE_MAX_S);
}

typedef struct regret_args {
    const char *mdp, *tpath, *ppath;
    int symmetric;
    enum cli_format fmt;
    starc_policy_engine engine;
    int nthreads;
} regret_args;

enum { PARSED_HELP = -1 };

static int parse_options(int argc, char **argv, regret_args *a)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"symmetric", no_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {"engine", required_argument, NULL, 'e'}, {"threads", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mdp = optarg; break;
        case 't': a->tpath = optarg; break;
        case 'p': a->ppath = optarg; break;
        case 's': a->symmetric = 1; break;
        case 'e':
            if (starc_policy_engine_parse(optarg, &a->engine))
                return cli_usage(CMD, "option --engine: '%s' is not auto, dense, sparse or iterative", optarg);
            break;
        case 'j': if ((rc = cli_parse_threads(CMD, optarg, &a->nthreads))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc regret", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", a->mdp)) || (rc = cli_require(CMD, "true", a->tpath)) ||
        (rc = cli_require(CMD, "proxy", a->ppath)))
        return rc;
    return EXIT_OK;
}

static int print_result(const regret_args *a, const starc_regret_result *fwd, const starc_regret_result *rev)
{
    double reg = a->symmetric ? 0.5 * (fwd->regret + rev->regret) : fwd->regret;
    if (a->fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, STARC_RESULTS_REGRET_KEY_REGRET, cli_json_num(reg));
        json_object_set_new(o, STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL, cli_json_num(fwd->true_optimal_return));
        json_object_set_new(o, STARC_RESULTS_REGRET_KEY_PROXY_POLICY, cli_json_num(fwd->proxy_policy_return));
        json_object_set_new(o, STARC_RESULTS_REGRET_KEY_TRUE_WORST, cli_json_num(fwd->true_worst_return));
        if (a->symmetric) {
            json_object_set_new(o, "symmetric", json_true());
            json_object_set_new(o, "regret_true_proxy", cli_json_num(fwd->regret));
            json_object_set_new(o, "regret_proxy_true", cli_json_num(rev->regret));
        }
        return cli_json_print(o);
    }
    cli_put_num(stdout, "regret", reg);
    cli_put_num(stdout, STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL, fwd->true_optimal_return);
    cli_put_num(stdout, STARC_RESULTS_REGRET_KEY_PROXY_POLICY, fwd->proxy_policy_return);
    cli_put_num(stdout, STARC_RESULTS_REGRET_KEY_TRUE_WORST, fwd->true_worst_return);
    if (a->symmetric) {
        cli_put_num(stdout, "regret_true_proxy", fwd->regret);
        cli_put_num(stdout, "regret_proxy_true", rev->regret);
    }
    return EXIT_OK;
}

int cmd_regret(int argc, char **argv)
{
    regret_args a = {NULL, NULL, NULL, 0, CLI_TEXT, STARC_POLICY_ENGINE_AUTO, cli_default_threads()};
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    starc_mdp *m = NULL;
    /* Regret needs only the expected rewards: an (S,) or (S,A) reward stays in its shape. */
    starc_io_reward_set rt, rp;
    starc_io_reward_set_init(&rt);
    starc_io_reward_set_init(&rp);
    if ((rc = cli_load_mdp(CMD, a.mdp, &m)) || (rc = cli_load_reward_shaped(CMD, "true", a.tpath, m, &rt)) ||
        (rc = cli_load_reward_shaped(CMD, "proxy", a.ppath, m, &rp)))
        goto done;
    size_t sht[3], shp[3];
    const double *Rt, *Rp;
    const size_t ndt = cli_reward_shape(m, &rt, sht, &Rt), ndp = cli_reward_shape(m, &rp, shp, &Rp);
    starc_regret_result fwd, rev;
    starc_error err;
    starc_error_clear(&err);
    starc_regret_options ro;
    starc_regret_options_default(&ro);
    ro.policy_options.engine = a.engine;
    ro.nthreads = a.nthreads;
    int st = starc_regret_shaped(m, ndt, sht, Rt, ndp, shp, Rp, &ro, &fwd, NULL, &err);
    if (!st && a.symmetric)
        st = starc_regret_shaped(m, ndp, shp, Rp, ndt, sht, Rt, &ro, &rev, NULL, &err);
    rc = st ? cli_lib_error(CMD, st, &err) : print_result(&a, &fwd, &rev);
done:
    starc_mdp_free(m);
    starc_io_reward_set_clear(&rt);
    starc_io_reward_set_clear(&rp);
    return rc;
}
