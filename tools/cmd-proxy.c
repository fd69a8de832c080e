/* starc proxy: correlation of proxy and true reward under a base policy, the
 * bounds on the true improvement, reward hacking and hackability (CP). */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gnuplot.h"

static const char *CMD = "proxy";

static void help(void)
{
    printf("Usage: starc proxy --mdp M.npz --true R --proxy R --base P.npy [--policy P.npy]\n"
           "                   [--policies SET.npy | --all-deterministic] [-o POLICY.npy]\n"
           "                   [--gnuplot F.gp] [--format text|json]\n\n"
           "Correlated proxies (Laidlaw, Singhal & Dragan, ICLR 2025): the correlation r of the expected\n"
           "true and proxy rewards under the base policy's normalised occupancy, their standard deviations,\n"
           "the base returns, and for the proxy-optimal policy (exact policy iteration, ties to the lowest\n"
           "action) its returns, normalised changes, chi2 to the base occupancy and the three lower bounds\n"
           "(A, B, tight) on its normalised true change; reward hacking = some proxy-optimal policy has a\n"
           "lower true return than the base.  chi2 is infinite (json null) when a policy leaves the base's\n"
           "support; the bounds are then -inf.\n\n"
           "  --mdp FILE           MDP .npz with T, mu0, gamma\n"
           "  --true SPEC          the true reward (FILE.npy or FILE.npz:KEY)\n"
           "  --proxy SPEC         the proxy reward\n"
           "  --base FILE          base policy .npy (S,A), or 'uniform'\n"
           "  --policy FILE        also analyse this policy (S,A)\n"
           "  --policies FILE      hackability (Skalse et al. 2022) on this set of policies, shape (n,S,A)\n"
           "  --all-deterministic  hackability on all A^S deterministic policies (at most 65536)\n"
           "  --tie-tol X          relative tie tolerance of policy iteration (default 1e-10)\n"
           "  -o FILE              write the proxy-optimal policy (S,A) as .npy\n"
           "  --gnuplot FILE       scatter of proxy vs true expected reward weighted by the base occupancy\n"
           "  --format FMT         text (default) or json\n"
           "  -h, --help           this help\n");
}

typedef struct {
    double p, t, w[2];  /* p, t: grouping keys */
    double op, ot;      /* the first member's rewards, for display */
    size_t count, idx;
} scatter_pt;

static int cmp_pt(const void *a, const void *b)
{
    const scatter_pt *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Same grouping key (equal up to the merge grid). */
static int same_pt(const scatter_pt *x, const scatter_pt *y)
{
    return x->p == y->p && x->t == y->t;
}

/* Shared with cmd-regularize.c: a gnuplot scatter of (Rbar_p, Rbar_t) per
 * state-action pair; pairs with identical rewards are merged (weights summed),
 * point area grows with the occupancy weight. */
int proxy_write_scatter(const char *cmd, const char *path, size_t n, const double *Rp, const double *Rt,
                        const double *w1, const char *label1, const double *w2, const char *label2,
                        const char *title)
{
    scatter_pt *pts = calloc(n ? n : 1, sizeof *pts);
    if (!pts)
        return cli_fail(cmd, "out of memory");
    for (size_t i = 0; i < n; i++) {
        /* Expected rewards carry round-off from sum_s' T R: merge on a 2^-36 grid. */
        pts[i].p = fabs(Rp[i]) < 4096.0 ? ldexp(rint(ldexp(Rp[i], 36)), -36) : Rp[i];
        pts[i].t = fabs(Rt[i]) < 4096.0 ? ldexp(rint(ldexp(Rt[i], 36)), -36) : Rt[i];
        pts[i].op = Rp[i];
        pts[i].ot = Rt[i];
        pts[i].w[0] = w1[i];
        pts[i].w[1] = w2 ? w2[i] : 0.0;
        pts[i].count = 1;
        pts[i].idx = i;
    }
    qsort(pts, n, sizeof *pts, cmp_pt);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && same_pt(&pts[m - 1], &pts[i])) {
            pts[m - 1].w[0] += pts[i].w[0];
            pts[m - 1].w[1] += pts[i].w[1];
            pts[m - 1].count++;
        } else
            pts[m++] = pts[i];
    }
    double wmax = 0.0;
    for (size_t i = 0; i < m; i++)
        wmax = fmax(wmax, fmax(pts[i].w[0], pts[i].w[1]));
    if (!(wmax > 0.0))
        wmax = 1.0;
    cli_out o;
    int rc = cli_out_open(cmd, path, &o);
    if (rc) {
        free(pts);
        return rc;
    }
    FILE *f = o.f;
    char *defout = gp_default_output(path, GP_DEFAULT_TERM);
    if (!defout) {
        cli_out_abort(&o);
        free(pts);
        return cli_fail(cmd, "out of memory");
    }
    gp_figure fig = {"Proxy vs true expected reward",
                     "State-action pairs with equal rewards merged, point area ~ occupancy.", GP_DEFAULT_TERM,
                     defout, 800, 600};
    gp_begin(f, &fig);
    free(defout);
    fprintf(f, "$DATA << EOD\n# proxy true weight_1%s pairs\n", w2 ? " weight_2" : "");
    for (size_t i = 0; i < m; i++) {
        if (!(pts[i].w[0] > 0.0) && !(pts[i].w[1] > 0.0))
            continue;
        gp_number(f, pts[i].op);
        fputc(' ', f);
        gp_number(f, pts[i].ot);
        fputc(' ', f);
        gp_number(f, pts[i].w[0] / wmax);
        if (w2) {
            fputc(' ', f);
            gp_number(f, pts[i].w[1] / wmax);
        }
        fprintf(f, " %zu\n", pts[i].count);
    }
    fprintf(f, "EOD\n");
    fputs("set title ", f);
    gp_string(f, title);
    fputs(" noenhanced\n", f);
    fprintf(f, "set xlabel 'proxy expected reward Rbar_p(s,a)' noenhanced\n"
               "set ylabel 'true expected reward Rbar_t(s,a)' noenhanced\n"
               "set key top left noenhanced\nset grid\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n");
    fprintf(f, "plot ");
    if (w2) {
        fputs("$DATA using 1:2:($4 > 0 ? 0.3 + 4 * sqrt($4) : 1/0) with points pt 7 ps variable "
              "lc rgb '#d62728' title ", f);
        gp_string(f, label2);
        fputs(", \\\n     ", f);
    }
    fputs("$DATA using 1:2:($3 > 0 ? 0.3 + 4 * sqrt($3) : 1/0) with points pt 6 ps variable lw 2 "
          "lc rgb '#1f77b4' title ", f);
    gp_string(f, label1);
    fputc('\n', f);
    free(pts);
    return cli_out_commit(cmd, &o);
}

static json_t *policy_json(const starc_proxy_policy *pp)
{
    json_t *o = json_object();
    json_object_set_new(o, "true_return", cli_json_num(pp->true_return));
    json_object_set_new(o, "proxy_return", cli_json_num(pp->proxy_return));
    json_object_set_new(o, "true_delta_normalized", cli_json_num(pp->true_delta_normalized));
    json_object_set_new(o, "proxy_delta_normalized", cli_json_num(pp->proxy_delta_normalized));
    json_object_set_new(o, "a", cli_json_num(pp->a));
    json_object_set_new(o, "chi2", cli_json_num(pp->chi2));
    json_object_set_new(o, "leaves_base_support", json_boolean(isinf(pp->chi2)));
    json_object_set_new(o, "bound_a", cli_json_num(pp->bound_a));
    json_object_set_new(o, "bound_b", cli_json_num(pp->bound_b));
    json_object_set_new(o, "bound_tight", cli_json_num(pp->bound_tight));
    return o;
}

static void policy_text(const char *pre, const starc_proxy_policy *pp)
{
    const struct {
        const char *k;
        double v;
    } kv[] = {{"true_return", pp->true_return}, {"proxy_return", pp->proxy_return},
              {"true_delta_normalized", pp->true_delta_normalized},
              {"proxy_delta_normalized", pp->proxy_delta_normalized}, {"a", pp->a}, {"chi2", pp->chi2}};
    char key[96];
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        snprintf(key, sizeof key, "%s.%s", pre, kv[i].k);
        cli_put_num(stdout, key, kv[i].v);
    }
    printf("%s.leaves_base_support\t%s\n", pre, isinf(pp->chi2) ? "true" : "false");
    snprintf(key, sizeof key, "%s.bound_a", pre);
    cli_put_num(stdout, key, pp->bound_a);
    snprintf(key, sizeof key, "%s.bound_b", pre);
    cli_put_num(stdout, key, pp->bound_b);
    snprintf(key, sizeof key, "%s.bound_tight", pre);
    cli_put_num(stdout, key, pp->bound_tight);
}

/* Load an (n,S,A) policy set. */
static int load_policy_set(const char *path, const starc_mdp *m, double **out, size_t *n)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_array a;
    starc_error err;
    starc_error_clear(&err);
    starc_array_init(&a);
    int st = starc_npy_read(path, &a, &err);
    if (st)
        return cli_usage(CMD, "option --policies: %s", err.message[0] ? err.message : starc_strerror(st));
    if (a.ndim != 3 || a.shape[1] != S || a.shape[2] != A || a.shape[0] == 0) {
        starc_array_clear(&a);
        return cli_usage(CMD, "option --policies: %s must have shape (n,%zu,%zu)", path, S, A);
    }
    *n = a.shape[0];
    *out = a.data;
    return EXIT_OK;
}

int cmd_proxy(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"base", required_argument, NULL, 'b'},
        {"policy", required_argument, NULL, 'P'}, {"policies", required_argument, NULL, 'S'},
        {"all-deterministic", no_argument, NULL, 'D'}, {"tie-tol", required_argument, NULL, 'T'},
        {"output", required_argument, NULL, 'o'}, {"gnuplot", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *mdp_path = NULL, *tpath = NULL, *ppath = NULL, *bpath = NULL, *polpath = NULL;
    const char *setpath = NULL, *outpath = NULL, *gppath = NULL;
    int alldet = 0, c, rc;
    double tie_tol = 1e-10;
    enum cli_format fmt = CLI_TEXT;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mdp_path = optarg; break;
        case 't': tpath = optarg; break;
        case 'p': ppath = optarg; break;
        case 'b': bpath = optarg; break;
        case 'P': polpath = optarg; break;
        case 'S': setpath = optarg; break;
        case 'D': alldet = 1; break;
        case 'T':
            if ((rc = cli_parse_double(CMD, "tie-tol", optarg, &tie_tol)))
                return rc;
            if (tie_tol < 0)
                return cli_usage(CMD, "option --tie-tol: must be >= 0");
            break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &outpath))) return rc; break;
        case 'g': if ((rc = cli_parse_path(CMD, "gnuplot", optarg, &gppath))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc proxy", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", mdp_path)))
        return rc;
    if ((rc = cli_require(CMD, "true", tpath)))
        return rc;
    if ((rc = cli_require(CMD, "proxy", ppath)))
        return rc;
    if ((rc = cli_require(CMD, "base", bpath)))
        return rc;
    if (setpath && alldet)
        return cli_usage(CMD, "options --policies and --all-deterministic exclude each other");

    starc_mdp *m = NULL;
    double *Rt = NULL, *Rp = NULL, *base = NULL, *pol = NULL, *set = NULL, *bt = NULL, *bp = NULL, *pi = NULL;
    size_t *act = NULL, nset = 0;
    starc_proxy *px = NULL;
    starc_error err;
    starc_error_clear(&err);
    if ((rc = cli_load_mdp(CMD, mdp_path, &m)) || (rc = cli_load_reward(CMD, "true", tpath, m, &Rt, NULL)) ||
        (rc = cli_load_reward(CMD, "proxy", ppath, m, &Rp, NULL)) ||
        (rc = cli_load_policy(CMD, "base", strcmp(bpath, "uniform") ? bpath : NULL, m, &base)) ||
        (polpath && (rc = cli_load_policy(CMD, "policy", polpath, m, &pol))) ||
        (setpath && (rc = load_policy_set(setpath, m, &set, &nset))))
        goto done;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    if (alldet) {
        double cnt = pow((double)A, (double)S);
        if (cnt > 65536) {
            rc = cli_usage(CMD, "option --all-deterministic: A^S = %zu^%zu exceeds 65536 policies", A, S);
            goto done;
        }
        nset = (size_t)cnt;
        set = calloc(nset * S * A, sizeof(double));
        if (!set) {
            rc = cli_fail(CMD, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < nset; k++) {
            size_t code = k;
            for (size_t s = 0; s < S; s++) {
                set[(k * S + s) * A + code % A] = 1.0;
                code /= A;
            }
        }
    }
    bt = malloc(S * A * sizeof(double));
    bp = malloc(S * A * sizeof(double));
    pi = malloc(S * A * sizeof(double));
    act = calloc(S, sizeof(size_t));
    if (!bt || !bp || !pi || !act) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    starc_reward_expected(m, Rt, bt);
    starc_reward_expected(m, Rp, bp);
    int st = starc_proxy_alloc(m, base, bt, bp, STARC_PROB_TOL, &px, &err);
    starc_proxy_hacking hk;
    starc_proxy_policy pp;
    starc_pi_options po;
    starc_pi_options_default(&po);
    po.tie_tol = tie_tol;
    if (!st)
        st = starc_proxy_check_hacking(px, &po, act, &hk, &err);
    if (!st && pol)
        st = starc_proxy_analyze(px, pol, &pp, &err);
    int hackable = 0;
    size_t wi = 0, wj = 0;
    if (!st && set)
        st = starc_proxy_hackable(m, bt, bp, nset, set, 1e-10, &hackable, &wi, &wj, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    const starc_proxy_stats *ps = starc_proxy_get_stats(px);
    double Jbt, Jbp, g = starc_mdp_gamma(m);
    starc_proxy_base_returns(px, &Jbt, &Jbp);
    if (outpath) {
        size_t shape[2] = {S, A};
        starc_policy_from_actions(m, act, pi);
        if ((rc = cli_write_npy(CMD, outpath, 2, shape, pi)))
            goto done;
    }
    if (gppath) {
        char title[256];
        snprintf(title, sizeof title, "proxy vs true reward under the base occupancy: r = %.4f", ps->r);
        rc = proxy_write_scatter(CMD, gppath, S * A, bp, bt, starc_proxy_base_occupancy(px), "base occupancy",
                                 NULL, NULL, title);
        if (rc)
            goto done;
    }
    if (fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "r", cli_json_num(ps->r));
        json_object_set_new(o, "sigma_true", cli_json_num(ps->sigma_true));
        json_object_set_new(o, "sigma_proxy", cli_json_num(ps->sigma_proxy));
        json_object_set_new(o, "orpo_coef", cli_json_num(ps->orpo_coef));
        json_object_set_new(o, "base_true_return", cli_json_num(Jbt));
        json_object_set_new(o, "base_proxy_return", cli_json_num(Jbp));
        json_object_set_new(o, "base_true_return_normalized", cli_json_num((1 - g) * Jbt));
        json_object_set_new(o, "base_proxy_return_normalized", cli_json_num((1 - g) * Jbp));
        json_object_set_new(o, "reward_hacking", json_boolean(hk.reward_hacking));
        json_t *po_j = policy_json(&hk.proxy_optimal);
        json_object_set_new(po_j, "true_return_min", cli_json_num(hk.true_return_min));
        json_object_set_new(po_j, "true_return_max", cli_json_num(hk.true_return_max));
        json_t *acts = json_array();
        for (size_t s = 0; s < S; s++)
            json_array_append_new(acts, json_integer((json_int_t)act[s]));
        json_object_set_new(po_j, "actions", acts);
        json_object_set_new(o, "proxy_optimal", po_j);
        if (pol)
            json_object_set_new(o, "policy", policy_json(&pp));
        if (set) {
            json_t *h = json_object();
            json_object_set_new(h, "policies", json_integer((json_int_t)nset));
            json_object_set_new(h, "hackable", json_boolean(hackable));
            json_object_set_new(h, "witness", hackable ? json_pack("[I,I]", (json_int_t)wi, (json_int_t)wj) : json_null());
            json_object_set_new(o, "hackability", h);
        }
        rc = cli_json_print(o);
    } else {
        cli_put_num(stdout, "r", ps->r);
        cli_put_num(stdout, "sigma_true", ps->sigma_true);
        cli_put_num(stdout, "sigma_proxy", ps->sigma_proxy);
        cli_put_num(stdout, "orpo_coef", ps->orpo_coef);
        cli_put_num(stdout, "base_true_return", Jbt);
        cli_put_num(stdout, "base_proxy_return", Jbp);
        printf("reward_hacking\t%s\n", hk.reward_hacking ? "true" : "false");
        policy_text("proxy_optimal", &hk.proxy_optimal);
        cli_put_num(stdout, "proxy_optimal.true_return_min", hk.true_return_min);
        cli_put_num(stdout, "proxy_optimal.true_return_max", hk.true_return_max);
        if (pol)
            policy_text("policy", &pp);
        if (set) {
            printf("hackability.policies\t%zu\n", nset);
            printf("hackability.hackable\t%s\n", hackable ? "true" : "false");
            if (hackable)
                printf("hackability.witness\t%zu %zu\n", wi, wj);
        }
        rc = EXIT_OK;
    }
done:
    starc_proxy_free(px);
    starc_mdp_free(m);
    free(Rt);
    free(Rp);
    free(base);
    free(pol);
    free(set);
    free(bt);
    free(bp);
    free(pi);
    free(act);
    return rc;
}
