/* starc proxy: correlation of proxy and true reward under a base policy, the
 * bounds on the true improvement, reward hacking and hackability (CP). */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gnuplot.h"

static const char *CMD = "proxy";

static void help(void)
{
    printf("Usage: starc proxy --mdp M.npz --true R --proxy R --base P.npy [--policy P.npy]\n"
           "                   [--policies SET.npy | --all-deterministic] [-o POLICY.npy]\n"
           "                   [--gnuplot F.gp] [--engine auto|dense|sparse] [--format text|json]\n\n"
           "Correlated proxies (Laidlaw, Singhal & Dragan, ICLR 2025): the correlation r of the expected\n"
           "true and proxy rewards under the base policy's normalised occupancy, their standard deviations,\n"
           "the base returns, and for the proxy-optimal policy (exact policy iteration, ties to the lowest\n"
           "action) its returns, normalised changes, chi2 to the base occupancy and the three lower bounds\n"
           "(A, B, tight) on its normalised true change; reward hacking = some proxy-optimal policy has a\n"
           "lower true return than the base.  chi2 is infinite (json null) when a policy leaves the base's\n"
           "support; the bounds are then -inf.\n\n"
           "  --mdp FILE           MDP .npz with T, mu0, gamma (or T in CSR form: a sparse MDP;\n"
           "                       rewards then (S,), (S,A) or (nnz,))\n"
           "  --true SPEC          the true reward (FILE.npy or FILE.npz:KEY)\n"
           "  --proxy SPEC         the proxy reward\n"
           "  --base FILE          base policy .npy (S,A), or 'uniform'\n"
           "  --policy FILE        also analyse this policy (S,A)\n"
           "  --policies FILE      hackability (Skalse et al. 2022) on this set of policies, shape (n,S,A)\n"
           "  --all-deterministic  hackability on all A^S deterministic policies (at most 65536)\n"
           "  --tie-tol X          relative tie tolerance of policy iteration (default 1e-10)\n"
           "  -o FILE              write the proxy-optimal policy (S,A) as .npy\n"
           "  --engine E           on a sparse MDP: auto (default), dense or sparse (UMFPACK)\n"
           "  --gnuplot FILE       scatter of proxy vs true expected reward weighted by the base occupancy\n"
           "  --format FMT         text (default) or json\n"
           "  -h, --help           this help\n");
}

static json_t *policy_json(const starc_proxy_analyze_result *pp)
{
    json_t *o = json_object();
    json_object_set_new(o, "true_return", cli_json_num(pp->true_return));
    json_object_set_new(o, "proxy_return", cli_json_num(pp->proxy_return));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED, cli_json_num(pp->true_delta_normalized));
    json_object_set_new(o, "proxy_delta_normalized", cli_json_num(pp->proxy_delta_normalized));
    json_object_set_new(o, "a", cli_json_num(pp->a));
    json_object_set_new(o, "chi2", cli_json_num(pp->chi2));
    json_object_set_new(o, "leaves_base_support", json_boolean(isinf(pp->chi2)));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_BOUND_A, cli_json_num(pp->bound_a));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_BOUND_B, cli_json_num(pp->bound_b));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_BOUND_TIGHT, cli_json_num(pp->bound_tight));
    return o;
}

static void policy_text(FILE *out, const char *pre, const starc_proxy_analyze_result *pp)
{
    const struct {
        const char *k;
        double v;
    } kv[] = {{"true_return", pp->true_return}, {"proxy_return", pp->proxy_return},
              {STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED, pp->true_delta_normalized},
              {"proxy_delta_normalized", pp->proxy_delta_normalized}, {"a", pp->a}, {"chi2", pp->chi2}};
    char key[96];
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        snprintf(key, sizeof key, "%s.%s", pre, kv[i].k);
        cli_put_num(out, key, kv[i].v);
    }
    fprintf(out, "%s.leaves_base_support\t%s\n", pre, isinf(pp->chi2) ? "true" : "false");
    snprintf(key, sizeof key, "%s.bound_a", pre);
    cli_put_num(out, key, pp->bound_a);
    snprintf(key, sizeof key, "%s.bound_b", pre);
    cli_put_num(out, key, pp->bound_b);
    snprintf(key, sizeof key, "%s.bound_tight", pre);
    cli_put_num(out, key, pp->bound_tight);
}

/* ------------------------------------------------------------------ parse */

enum { PARSED_HELP = -1 };

static int parse_options(int argc, char **argv, proxy_args *a)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"base", required_argument, NULL, 'b'},
        {"policy", required_argument, NULL, 'P'}, {"policies", required_argument, NULL, 'S'},
        {"all-deterministic", no_argument, NULL, 'D'}, {"tie-tol", required_argument, NULL, 'T'},
        {"output", required_argument, NULL, 'o'}, {"gnuplot", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {"engine", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mdp = optarg; break;
        case 't': a->tpath = optarg; break;
        case 'p': a->ppath = optarg; break;
        case 'b': a->bpath = optarg; break;
        case 'P': a->polpath = optarg; break;
        case 'S': a->setpath = optarg; break;
        case 'D': a->alldet = 1; break;
        case 'T':
            if ((rc = cli_parse_double(CMD, "tie-tol", optarg, &a->tie_tol)))
                return rc;
            if (a->tie_tol < 0)
                return cli_usage(CMD, "option --tie-tol: must be >= 0");
            break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->outpath))) return rc; break;
        case 'g': if ((rc = cli_parse_path(CMD, "gnuplot", optarg, &a->gppath))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'e':
            if (starc_policy_engine_parse(optarg, &a->engine))
                return cli_usage(CMD, "option --engine: '%s' is not auto, dense or sparse", optarg);
            break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc proxy", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", a->mdp)) || (rc = cli_require(CMD, "true", a->tpath)) ||
        (rc = cli_require(CMD, "proxy", a->ppath)) || (rc = cli_require(CMD, "base", a->bpath)))
        return rc;
    if (a->setpath && a->alldet)
        return cli_usage(CMD, "options --policies and --all-deterministic exclude each other");
    return EXIT_OK;
}

/* ------------------------------------------------------------------- load */

typedef struct proxy_run {
    starc_mdp *m;
    double *base, *pol, *set; /* set: --policies, nset policies */
    size_t nset;
    double *bt, *bp; /* expected rewards (S,A) */
    size_t *act;     /* the proxy-optimal policy's actions */
    starc_proxy *px;
    starc_proxy_hacking_result hk;
    starc_proxy_analyze_result pp; /* --policy */
    starc_proxy_hackability_result hb; /* --policies or --all-deterministic */
    double Jbt, Jbp;
} proxy_run;

static void run_free(proxy_run *r)
{
    starc_proxy_free(r->px);
    starc_mdp_free(r->m);
    free(r->base), free(r->pol), free(r->set);
    free(r->bt), free(r->bp), free(r->act);
}

/* Load an (n,S,A) policy set. */
static int load_policy_set(const char *path, const starc_mdp *m, double **out, size_t *n)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_npy_array a;
    starc_error err;
    starc_error_clear(&err);
    starc_npy_array_init(&a);
    int st = starc_npy_read(path, &a, &err);
    if (st)
        return cli_usage(CMD, "option --policies: %s", err.message[0] ? err.message : starc_error_string(st));
    if (a.ndim != 3 || a.shape[1] != S || a.shape[2] != A || a.shape[0] == 0) {
        starc_npy_array_clear(&a);
        return cli_usage(CMD, "option --policies: %s must have shape (n,%zu,%zu)", path, S, A);
    }
    *n = a.shape[0];
    *out = a.data;
    return EXIT_OK;
}

static int load_inputs(const proxy_args *a, proxy_run *r)
{
    int rc;
    /* everything below needs only the expected rewards */
    if ((rc = cli_load_mdp(CMD, a->mdp, &r->m)) ||
        (rc = cli_load_reward_expected(CMD, "true", a->tpath, r->m, &r->bt)) ||
        (rc = cli_load_reward_expected(CMD, "proxy", a->ppath, r->m, &r->bp)) ||
        (rc = cli_load_policy(CMD, "base", strcmp(a->bpath, "uniform") ? a->bpath : NULL, r->m, &r->base)) ||
        (a->polpath && (rc = cli_load_policy(CMD, "policy", a->polpath, r->m, &r->pol))) ||
        (a->setpath && (rc = load_policy_set(a->setpath, r->m, &r->set, &r->nset))))
        return rc;
    if (a->alldet) { /* refuse a set too large before computing anything */
        starc_error err;
        size_t n;
        if (starc_proxy_deterministic_count(r->m, NULL, &n, &err))
            return cli_usage(CMD, "option --all-deterministic: %s", err.message);
    }
    return EXIT_OK;
}

/* -------------------------------------------------------------------- run */

static int run(const proxy_args *a, proxy_run *r)
{
    const size_t S = starc_mdp_states(r->m);
    starc_error err;
    starc_error_clear(&err);
    if (!(r->act = calloc(S, sizeof(size_t))))
        return cli_fail(CMD, "out of memory");
    starc_policy_options po;
    starc_policy_options_default(&po);
    po.tie_tol = a->tie_tol;
    po.engine = a->engine;
    starc_proxy_deterministic_options dopt;
    starc_proxy_deterministic_options_default(&dopt);
    dopt.proxy_options.engine = a->engine;
    int hackable = 0, st = starc_proxy_alloc_rbar(r->m, r->bt, r->bp, r->base, &dopt.proxy_options, &r->px, &err);
    if (!st)
        st = starc_proxy_check_hacking(r->px, &po, r->act, &r->hk, &err);
    if (!st && r->pol)
        st = starc_proxy_analyze(r->px, r->pol, &r->pp, &err);
    if (!st && r->set) {
        st = starc_proxy_hackable_rbar(r->m, r->bt, r->bp, r->nset, r->set, &dopt.proxy_options, &hackable,
                                       &r->hb.witness_i, &r->hb.witness_j, &err);
        r->hb.policies = r->nset;
        r->hb.hackable = hackable;
    }
    if (!st && a->alldet)
        st = starc_proxy_hackable_deterministic_rbar(r->m, r->bt, r->bp, &dopt, &r->hb, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    starc_proxy_base_returns(r->px, &r->Jbt, &r->Jbp);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ write */

/* -o: the proxy-optimal policy; --gnuplot: the scatter under the base occupancy. */
static int write_files(const proxy_args *a, const proxy_run *r)
{
    const size_t S = starc_mdp_states(r->m), A = starc_mdp_actions(r->m);
    int rc = EXIT_OK;
    if (a->outpath) {
        size_t shape[2] = {S, A};
        double *pi = malloc(S * A * sizeof(double));
        if (!pi)
            return cli_fail(CMD, "out of memory");
        starc_policy_from_actions(r->m, r->act, pi);
        rc = cli_write_npy(CMD, a->outpath, 2, shape, pi);
        free(pi);
    }
    if (!rc && a->gppath) {
        char title[256];
        snprintf(title, sizeof title, "proxy vs true reward under the base occupancy: r = %.4f",
                 starc_proxy_get_stats(r->px)->r);
        rc = proxy_write_scatter(CMD, a->gppath, S * A, r->bp, r->bt, starc_proxy_base_occupancy(r->px),
                                 "base occupancy", NULL, NULL, title);
    }
    return rc;
}

static json_t *result_json(const proxy_run *r)
{
    const starc_proxy_stats *ps = starc_proxy_get_stats(r->px);
    const double g = starc_mdp_gamma(r->m);
    json_t *o = json_object();
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_R, cli_json_num(ps->r));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_SIGMA_TRUE, cli_json_num(ps->sigma_true));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_SIGMA_PROXY, cli_json_num(ps->sigma_proxy));
    json_object_set_new(o, "orpo_coef", cli_json_num(ps->orpo_coef));
    json_object_set_new(o, "base_true_return", cli_json_num(r->Jbt));
    json_object_set_new(o, "base_proxy_return", cli_json_num(r->Jbp));
    json_object_set_new(o, "base_true_return_normalized", cli_json_num((1 - g) * r->Jbt));
    json_object_set_new(o, "base_proxy_return_normalized", cli_json_num((1 - g) * r->Jbp));
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_REWARD_HACKING, json_boolean(r->hk.reward_hacking));
    json_t *po_j = policy_json(&r->hk.proxy_optimal);
    json_object_set_new(po_j, "true_return_min", cli_json_num(r->hk.true_return_min));
    json_object_set_new(po_j, "true_return_max", cli_json_num(r->hk.true_return_max));
    json_t *acts = json_array();
    for (size_t s = 0; s < starc_mdp_states(r->m); s++)
        json_array_append_new(acts, json_integer((json_int_t)r->act[s]));
    json_object_set_new(po_j, "actions", acts);
    json_object_set_new(o, STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL, po_j);
    if (r->pol)
        json_object_set_new(o, "policy", policy_json(&r->pp));
    if (r->hb.policies) {
        json_t *h = json_object();
        json_object_set_new(h, "policies", json_integer((json_int_t)r->hb.policies));
        json_object_set_new(h, "hackable", json_boolean(r->hb.hackable));
        json_object_set_new(h, "witness", r->hb.hackable ? json_pack("[I,I]", (json_int_t)r->hb.witness_i,
                                                                     (json_int_t)r->hb.witness_j)
                                                         : json_null());
        json_object_set_new(o, "hackability", h);
    }
    return o;
}

static void print_text(FILE *out, const proxy_run *r)
{
    const starc_proxy_stats *ps = starc_proxy_get_stats(r->px);
    cli_put_num(out, STARC_RESULTS_PROXY_KEY_R, ps->r);
    cli_put_num(out, STARC_RESULTS_PROXY_KEY_SIGMA_TRUE, ps->sigma_true);
    cli_put_num(out, STARC_RESULTS_PROXY_KEY_SIGMA_PROXY, ps->sigma_proxy);
    cli_put_num(out, "orpo_coef", ps->orpo_coef);
    cli_put_num(out, "base_true_return", r->Jbt);
    cli_put_num(out, "base_proxy_return", r->Jbp);
    fprintf(out, "reward_hacking\t%s\n", r->hk.reward_hacking ? "true" : "false");
    policy_text(out, "proxy_optimal", &r->hk.proxy_optimal);
    cli_put_num(out, "proxy_optimal.true_return_min", r->hk.true_return_min);
    cli_put_num(out, "proxy_optimal.true_return_max", r->hk.true_return_max);
    if (r->pol)
        policy_text(out, "policy", &r->pp);
    if (r->hb.policies) {
        fprintf(out, "hackability.policies\t%zu\n", r->hb.policies);
        fprintf(out, "hackability.hackable\t%s\n", r->hb.hackable ? "true" : "false");
        if (r->hb.hackable)
            fprintf(out, "hackability.witness\t%zu %zu\n", r->hb.witness_i, r->hb.witness_j);
    }
}

void proxy_args_init(proxy_args *a)
{
    memset(a, 0, sizeof *a);
    a->tie_tol = 1e-10;
    a->fmt = CLI_TEXT;
}

int proxy_job(const proxy_args *a, FILE *out)
{
    proxy_run r;
    memset(&r, 0, sizeof r);
    int rc;
    if (!(rc = load_inputs(a, &r)) && !(rc = run(a, &r)) && !(rc = write_files(a, &r))) {
        if (a->fmt == CLI_JSON)
            rc = cli_json_fprint(out, result_json(&r));
        else
            print_text(out, &r);
    }
    run_free(&r);
    return rc;
}

int cmd_proxy(int argc, char **argv)
{
    proxy_args a;
    proxy_args_init(&a);
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    return proxy_job(&a, stdout);
}
