/* Round-off of returns, return differences, weighted standard deviations and
 * the OM regularisers' flow residual: the measurement behind the defaults of
 * the regret's trivial rule (starc/regret.h), the proxy tolerances
 * (starc/proxy.h: sigma_tol, hacking_tol, hackable_tol) and the OM regularisers'
 * convergence cap (regularize.c), docs/theory.md §1 and §5.  Built and run by
 * `make bench`, never by `make check`.
 *
 * 1. returns: for an exactly trivial reward (roundoff-families.h: shaping,
 *    constants, S'-redistribution and sums; dense and softmax dynamics;
 *    S = 2..1024, A in {1, 2, 4} (2 for S >= 256; S = 1024 softmax only), gamma in {0 .. 0.999})
 *    every policy has the same return, so the computed return range
 *    J(pi*) - J(pi-) (starc_policy_range_rbar) and the differences
 *    |J(pi) - J(pi_b)| of random stochastic and deterministic policies
 *    (starc_policy_return_rbar) are round-off.  Both are printed relative to
 *    the reward's return scale max|R|/(1-gamma) (R the dense reward) and
 *    max|Rbar|/(1-gamma) (what starc_regret_rbar sees).
 * 2. small real rewards: shaping of size 1 plus a reward 1 on a transition
 *    of probability p (1e-9, 1e-11) out of action 0 of every state: the
 *    return range is ~ p/(1-gamma), a fraction ~p of the scale.  Printed: the
 *    ratio the rule tests, and the relative error of the computed range
 *    against the range of the rare reward alone (the same without shaping).
 * 3. sigma: the weighted standard deviation of a constant under random
 *    occupancy weights (starc_proxy_weighted_stats, sigma_tol = 0), relative
 *    to max|x| on the support, for n = 2 .. 4096.
 * 4. om: the flow residual the OM-chi2 / OM-KL / OM-sqrt-chi2 solvers reach
 *    (starc_regularize_result.residual) with tol = 1e-300 (so they stop at
 *    their round-off floor, or fail with STARC_ENOCONV) and with the default
 *    tol, over coefficient / (max|Rbar_p| / (1 - gamma)) = 1e-12 .. 1e2,
 *    S = 4 .. 256, gamma up to 0.999.
 *
 * Usage: return-roundoff [--quick] [--part returns|small|sigma|om] */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <starc/starc.h>
#include "../gsl-view.h"
#include "roundoff-families.h"

static const double gammas[] = {0.0, 0.5, 0.9, 0.95, 0.99, 0.999};
#define NGAMMA (sizeof gammas / sizeof gammas[0])
#define NSIZE 11 /* S = 2^1 .. 2^10 */

static void die(const char *what, const starc_error *err)
{
    fprintf(stderr, "return-roundoff: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static starc_mdp *mdp_of(size_t S, size_t A, const double *T, double gamma)
{
    double *mu0 = malloc(S * sizeof(double));
    if (!mu0)
        die("memory", NULL);
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    starc_mdp *m;
    starc_error err;
    if (starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, &err))
        die("mdp", &err);
    free(mu0);
    return m;
}

/* ---- 1. returns of trivial rewards ---------------------------------------- */

typedef struct worst {
    double v;
    int fam, tk;
    size_t S, A;
} worst;

static void see(worst *w, double v, int fam, int tk, size_t S, size_t A)
{
    if (v > w->v || w->S == 0)
        *w = (worst){v, fam, tk, S, A};
}

/* [gamma][log2 S]: range / (max|R|/(1-g)), range / (max|Rbar|/(1-g)), differences / (max|R|/(1-g)) */
static worst w_range[NGAMMA][NSIZE], w_range_bar[NGAMMA][NSIZE], w_diff[NGAMMA][NSIZE];
static worst w_fam_bar[NFAM], w_fam[NFAM];

static void returns_run(gsl_rng *r, int tk, size_t S, size_t A, int trials)
{
    const size_t n = S * A * S;
    double *T = malloc(n * sizeof(double)), *R = malloc(n * sizeof(double));
    double *Rbar = malloc(S * A * sizeof(double)), *phi = malloc(2 * S * sizeof(double));
    double *pb = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
    if (!T || !R || !Rbar || !phi || !pb || !pi)
        die("memory", NULL);
    int lg = 0;
    while (((size_t)1 << lg) < S)
        lg++;
    starc_policy_workspace *ws;
    starc_error err;
    if (starc_policy_workspace_alloc(S, A, &ws, &err))
        die("workspace", &err);
    for (int t = 0; t < trials; t++) {
        transitions(r, tk, S, A, T);
        for (size_t g = 0; g < NGAMMA; g++) {
            starc_mdp *m = mdp_of(S, A, T, gammas[g]);
            const double og = 1.0 - gammas[g];
            for (int f = F_SHAPING; f <= F_SUMALL; f++) {
                make_reward(r, f, T, S, A, gammas[g], phi, R);
                starc_mdp_reward_expected(m, R, Rbar);
                const double js = maxabs(n, R) / og, jsb = maxabs(S * A, Rbar) / og;
                starc_policy_range_result rg;
                if (starc_policy_range_rbar(m, Rbar, NULL, &rg, ws, &err))
                    die("range", &err);
                const double range = rg.optimal_return - rg.worst_return;
                /* the base and three other policies: two stochastic, one deterministic */
                double jb, d = 0.0;
                for (int k = 0; k < 4; k++) {
                    double *p = k == 0 ? pb : pi;
                    for (size_t s = 0; s < S; s++) {
                        double sum = 0.0;
                        size_t a0 = gsl_rng_uniform_int(r, A);
                        for (size_t a = 0; a < A; a++)
                            sum += (p[s * A + a] = k == 3 ? (a == a0) : gsl_ran_gamma(r, 1.0, 1.0));
                        for (size_t a = 0; a < A; a++)
                            p[s * A + a] /= sum;
                    }
                    double J;
                    if (starc_policy_return_rbar(m, p, Rbar, &J, ws, &err))
                        die("return", &err);
                    if (k == 0)
                        jb = J;
                    else
                        d = fmax(d, fabs(J - jb));
                }
                see(&w_range[g][lg], range / js, f, tk, S, A);
                see(&w_diff[g][lg], d / js, f, tk, S, A);
                see(&w_fam[f], fmax(range, d) / js, f, tk, S, A);
                if (jsb > 0.0) {
                    see(&w_range_bar[g][lg], range / jsb, f, tk, S, A);
                    see(&w_fam_bar[f], fmax(range, d) / jsb, f, tk, S, A);
                }
            }
            starc_mdp_free(m);
        }
    }
    starc_policy_workspace_free(ws);
    free(T), free(R), free(Rbar), free(phi), free(pb), free(pi);
}

static void print_table(const char *title, worst w[NGAMMA][NSIZE], size_t maxS, int per_eps)
{
    printf("\n# %s%s\ngamma", title, per_eps ? " (c = ratio (1-gamma) / (sqrt(S) DBL_EPSILON); the default is K = 16 of it)" : "");
    for (size_t S = 2; S <= maxS; S *= 2)
        printf("\tS=%zu", S);
    printf("\tworst\twhere\n");
    for (size_t g = 0; g < NGAMMA; g++) {
        printf("%g", gammas[g]);
        worst all = {0};
        int lg = 1;
        for (size_t S = 2; S <= maxS; S *= 2, lg++) {
            const worst *c = &w[g][lg];
            const double k = c->v / (sqrt((double)S) * DBL_EPSILON) * (per_eps ? 1.0 - gammas[g] : 1.0);
            printf(per_eps ? "\t%.3f" : "\t%.1e", per_eps ? k : c->v);
            if (c->S && (per_eps ? k > all.v : c->v > all.v))
                all = (worst){per_eps ? k : c->v, c->fam, c->tk, c->S, c->A};
        }
        if (all.S)
            printf(per_eps ? "\t%.3f\t%s %s S=%zu A=%zu\n" : "\t%.2e\t%s %s S=%zu A=%zu\n", all.v, fam_names[all.fam], tk_names[all.tk], all.S, all.A);
        else
            printf("\t-\t-\n");
    }
}

static void part_returns(gsl_rng *r, int quick)
{
    const size_t maxS = quick ? 64 : 1024;
    for (int tk = TK_DENSE; tk <= TK_SOFTMAX; tk++)
        for (size_t S = 2; S <= maxS; S *= 2) {
            static const size_t As[] = {1, 2, 4};
            for (size_t ia = 0; ia < 3; ia++) {
                const size_t A = As[ia];
                if ((S >= 256 && A != 2) || (S == 1024 && tk == TK_DENSE))
                    continue; /* S = 1024: softmax only, to stay under a minute */
                returns_run(r, tk, S, A, S <= 16 ? 8 : S <= 64 ? 4 : S <= 128 ? 2 : 1);
            }
        }
    printf("# 1. Exactly trivial rewards (shaping, constant, redistribution, sums; dense and softmax T):\n"
           "# worst over families, dynamics, A and draws.\n");
    print_table("return range / (max|R| / (1-gamma))", w_range, maxS, 0);
    print_table("return range / (max|R| / (1-gamma))", w_range, maxS, 1);
    print_table("max |J(pi) - J(pi_b)| over 3 random policies / (max|R| / (1-gamma))", w_diff, maxS, 0);
    print_table("max |J(pi) - J(pi_b)| over 3 random policies / (max|R| / (1-gamma))", w_diff, maxS, 1);
    print_table("return range / (max|Rbar| / (1-gamma))", w_range_bar, maxS, 0);
    printf("\n# worst of range and differences per family\nfamily\t/(max|R|/(1-g))\twhere\t/(max|Rbar|/(1-g))\twhere\n");
    for (int f = F_SHAPING; f <= F_SUMALL; f++)
        printf("%s\t%.2e\t%s S=%zu A=%zu\t%.2e\t%s S=%zu A=%zu\n", fam_names[f], w_fam[f].v, tk_names[w_fam[f].tk],
               w_fam[f].S, w_fam[f].A, w_fam_bar[f].v, tk_names[w_fam_bar[f].tk], w_fam_bar[f].S, w_fam_bar[f].A);
}

/* ---- 2. small real rewards ----------------------------------------------- */

static void part_small(gsl_rng *r, int quick)
{
    static const double ps[] = {1e-9, 1e-11};
    printf("\n# 2. Shaping and a constant of size ~1 plus reward 1 on a transition of probability p out of action 0 of every\n"
           "# state (A = 2): ratio = range / (max|Rbar| / (1-gamma)) (what the rule tests; max|R| gives the\n"
           "# same within a factor 2 here), err = |range - range of the rare reward alone| / the latter.\n"
           "# Worst (smallest ratio, largest err) over 4 draws.\n");
    printf("p\tdynamics\tS\tgamma\tratio\terr\n");
    const size_t A = 2;
    for (size_t ip = 0; ip < 2; ip++)
        for (int tk = TK_DENSE; tk <= TK_SOFTMAX; tk++)
            for (size_t S = 4; S <= (quick ? 64u : 256u); S *= 4)
                for (size_t g = 0; g < NGAMMA; g++) {
                    const size_t n = S * A * S;
                    double *T = malloc(n * sizeof(double)), *R = malloc(n * sizeof(double));
                    double *X = malloc(n * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
                    double *phi = malloc(S * sizeof(double));
                    if (!T || !R || !X || !Rbar || !phi)
                        die("memory", NULL);
                    double rmin = INFINITY, emax = 0.0;
                    for (int t = 0; t < 4; t++) {
                        transitions(r, tk, S, A, T);
                        for (size_t s = 0; s < S; s++) { /* successor s+1 of (s, 0) gets probability p */
                            double *row = T + (s * A) * S, rest = 0.0;
                            const size_t u = (s + 1) % S;
                            row[u] = 0.0;
                            for (size_t j = 0; j < S; j++)
                                rest += row[j];
                            for (size_t j = 0; j < S; j++)
                                row[j] *= (1.0 - ps[ip]) / rest;
                            row[u] = ps[ip];
                        }
                        starc_mdp *m = mdp_of(S, A, T, gammas[g]);
                        for (size_t s = 0; s < S; s++)
                            phi[s] = gsl_ran_gaussian(r, 1.0);
                        const double c0 = gsl_ran_gaussian(r, 1.0);
                        for (size_t s = 0; s < S; s++)
                            for (size_t a = 0; a < A; a++)
                                for (size_t j = 0; j < S; j++) {
                                    const size_t k = (s * A + a) * S + j;
                                    X[k] = a == 0 && j == (s + 1) % S ? 1.0 : 0.0;
                                    R[k] = gammas[g] * phi[j] - phi[s] + c0 + X[k];
                                }
                        starc_policy_range_result rg, rx;
                        starc_error err;
                        starc_mdp_reward_expected(m, X, Rbar);
                        if (starc_policy_range_rbar(m, Rbar, NULL, &rx, NULL, &err))
                            die("range", &err);
                        starc_mdp_reward_expected(m, R, Rbar);
                        if (starc_policy_range_rbar(m, Rbar, NULL, &rg, NULL, &err))
                            die("range", &err);
                        const double range = rg.optimal_return - rg.worst_return;
                        const double ref = rx.optimal_return - rx.worst_return;
                        rmin = fmin(rmin, range / (maxabs(S * A, Rbar) / (1.0 - gammas[g])));
                        emax = fmax(emax, fabs(range - ref) / ref);
                        starc_mdp_free(m);
                    }
                    printf("%g\t%s\t%zu\t%g\t%.2e\t%.1e\n", ps[ip], tk_names[tk], S, gammas[g], rmin, emax);
                    free(T), free(R), free(X), free(Rbar), free(phi);
                }
}

/* ---- 3. weighted standard deviation of a constant ----------------------------- */

static void part_sigma(gsl_rng *r)
{
    printf("\n# 3. sigma of a constant x = k (k = +-10^U(-2,2) 2^U(-100,100)) under weights w (random\n"
           "# occupancy-like: Dirichlet(1), a quarter of the entries 0 where x is junk), relative to max|x| on\n"
           "# the support; 200 draws per n.\nn\tworst sigma/max|x|\tin units of DBL_EPSILON\n");
    double all = 0.0;
    for (size_t n = 2; n <= 4096; n *= 2) {
        double *w = malloc(n * sizeof(double)), *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        if (!w || !x || !y)
            die("memory", NULL);
        double worst_v = 0.0;
        starc_proxy_options o;
        starc_proxy_options_default(&o);
        o.sigma_tol = 0.0;
        for (int t = 0; t < 200; t++) {
            const double k = mag(r) * ldexp(1.0, (int)gsl_rng_uniform_int(r, 201) - 100);
            for (size_t i = 0; i < n; i++) {
                const int off = i > 0 && gsl_rng_uniform(r) < 0.25;
                w[i] = off ? 0.0 : gsl_ran_gamma(r, 1.0, 1.0) * (gsl_rng_uniform(r) < 0.1 ? 1e-9 : 1.0);
                x[i] = off ? 1e3 * k * gsl_ran_gaussian(r, 1.0) : k;
                y[i] = gsl_ran_gaussian(r, 1.0);
            }
            starc_proxy_stats st;
            starc_error err;
            if (starc_proxy_weighted_stats(n, w, x, y, &o, &st, &err))
                die("stats", &err);
            worst_v = fmax(worst_v, st.sigma_true / fabs(k));
        }
        all = fmax(all, worst_v);
        printf("%zu\t%.2e\t%.2f\n", n, worst_v, worst_v / DBL_EPSILON);
        free(w), free(x), free(y);
    }
    printf("# worst overall %.2e = %.1f DBL_EPSILON\n", all, all / DBL_EPSILON);
}

/* ---- 4. OM regularisers' flow residual ----------------------------------------- */

static void part_om(gsl_rng *r, int quick)
{
    static const double ratios[] = {1e-12, 1e-10, 1e-9, 1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2};
    static const double ogam[] = {0.5, 0.9, 0.99, 0.999};
    static const starc_regularize_method meth[] = {STARC_REGULARIZE_OM_CHI2, STARC_REGULARIZE_OM_KL,
                                                   STARC_REGULARIZE_OM_SQRT_CHI2};
    static const char *const mname[] = {"om-chi2", "om-kl", "om-sqrt-chi2"};
    printf("\n# 4. OM regularisers: flow residual reached (occupancy units), worst over S = 4, 16, 64%s\n"
           "# (A = 4, softmax dynamics), gamma in {0.5, 0.9, 0.99, 0.999} and 2 draws; coef = ratio max|Rbar_p|/(1-gamma)\n"
           "# (om-sqrt-chi2: ratio * 0.01, its coefficients are on CP's scale sigma_p).  floor: tol = 1e-300,\n"
           "# the solver stops at its round-off floor; default: tol = 1e-10.  fail = STARC_ENOCONV count.\n",
           quick ? "" : ", 256");
    printf("method\tratio\tfloor reached\tfail\tdefault reached\tfail\n");
    for (size_t im = 0; im < 3; im++)
        for (size_t ir = 0; ir < sizeof ratios / sizeof ratios[0]; ir++) {
            double wf = 0.0, wd = 0.0;
            int ff = 0, fd = 0;
            for (size_t S = 4; S <= (quick ? 64u : 256u); S *= 4)
                for (size_t g = 0; g < 4; g++)
                    for (int t = 0; t < (S >= 256 ? 1 : 2); t++) {
                        if (S >= 256 && g < 3)
                            continue; /* S = 256: gamma = 0.999 only (time) */
                        const size_t A = 4, n = S * A * S;
                        double *T = malloc(n * sizeof(double)), *Rt = malloc(S * A * sizeof(double));
                        double *Rp = malloc(S * A * sizeof(double)), *pb = malloc(S * A * sizeof(double));
                        if (!T || !Rt || !Rp || !pb)
                            die("memory", NULL);
                        transitions(r, TK_SOFTMAX, S, A, T);
                        starc_mdp *m = mdp_of(S, A, T, ogam[g]);
                        for (size_t i = 0; i < S * A; i++)
                            Rt[i] = gsl_ran_gaussian(r, 1.0), Rp[i] = Rt[i] + gsl_ran_gaussian(r, 1.0);
                        for (size_t s = 0; s < S; s++)
                            for (size_t a = 0; a < A; a++)
                                pb[s * A + a] = 1.0 / (double)A;
                        const double coef = ratios[ir] * (im == 2 ? 0.01 : 1.0) * maxabs(S * A, Rp) / (1.0 - ogam[g]);
                        for (int pass = 0; pass < 2; pass++) {
                            starc_regularize_options o;
                            starc_regularize_options_default(&o);
                            if (pass == 0)
                                o.tol = 1e-300;
                            starc_regularize *rg;
                            starc_error err;
                            if (starc_regularize_alloc_rbar(m, Rt, Rp, pb, &o, &rg, &err))
                                die("regularize", &err);
                            starc_regularize_result res;
                            int st = starc_regularize_solve(rg, meth[im], coef, NULL, &res, &err);
                            if (st == STARC_OK || st == STARC_ENOCONV) {
                                double *wv = pass ? &wd : &wf;
                                if (st == STARC_OK)
                                    *wv = fmax(*wv, res.residual);
                                else
                                    *(pass ? &fd : &ff) += 1;
                            } else if (st != STARC_EUNDEF) {
                                die(mname[im], &err);
                            }
                            starc_regularize_free(rg);
                        }
                        starc_mdp_free(m);
                        free(T), free(Rt), free(Rp), free(pb);
                    }
            printf("%s\t%g\t%.1e\t%d\t%.1e\t%d\n", mname[im], ratios[ir], wf, ff, wd, fd);
        }
}

int main(int argc, char **argv)
{
    int quick = 0;
    const char *part = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--part") && i + 1 < argc)
            part = argv[++i];
        else {
            fprintf(stderr, "usage: return-roundoff [--quick] [--part returns|small|sigma|om]\n");
            return 2;
        }
    }
    starc_generate_rng *gen = NULL;
    gsl_rng *r = NULL;
    if (starc_generate_rng_alloc(20240602, &gen, NULL) || !(r = gsl_view_alloc(gen))) {
        fprintf(stderr, "return-roundoff: out of memory\n");
        return 1;
    }
    if (!part || !strcmp(part, "returns"))
        part_returns(r, quick);
    if (!part || !strcmp(part, "small"))
        part_small(r, quick);
    if (!part || !strcmp(part, "sigma"))
        part_sigma(r);
    if (!part || !strcmp(part, "om"))
        part_om(r, quick);
    gsl_rng_free(r);
    starc_generate_rng_free(gen);
    return 0;
}
