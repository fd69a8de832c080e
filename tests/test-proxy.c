/* Correlated proxies: weighted correlation against explicit sums, the three
 * bounds on random true rewards built with a prescribed correlation, edge
 * cases (r = +-1, sigma = 0, bases with zero entries), the reward-hacking
 * check against enumeration of deterministic policies, hackability against an
 * O(n^2) scan, and the tomato gridworld's phenomenon. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

static double *expected(const starc_mdp *m, gsl_rng *r)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *R = malloc(S * A * S * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
    testutil_gaussian(r, R, S * A * S);
    starc_mdp_reward_expected(m, R, Rbar);
    free(R);
    return Rbar;
}

static void test_weighted_stats(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(21);
    size_t n = 37;
    double w[37], x[37], y[37];
    for (size_t i = 0; i < n; i++) {
        w[i] = i % 5 == 0 ? 0.0 : gsl_rng_uniform(r);
        x[i] = gsl_ran_gaussian(r, 2.0) + 3;
        y[i] = 0.5 * x[i] + gsl_ran_gaussian(r, 1.0);
    }
    starc_proxy_stats st;
    assert_ok(starc_proxy_weighted_stats(n, w, x, y, NULL, &st, NULL));
    /* reference: E[xy] - E[x]E[y] in long double */
    long double W = 0, Sx = 0, Sy = 0, Sxx = 0, Syy = 0, Sxy = 0;
    for (size_t i = 0; i < n; i++) {
        W += w[i];
        Sx += w[i] * x[i];
        Sy += w[i] * y[i];
        Sxx += (long double)w[i] * x[i] * x[i];
        Syy += (long double)w[i] * y[i] * y[i];
        Sxy += (long double)w[i] * x[i] * y[i];
    }
    long double mx = Sx / W, my = Sy / W, vx = Sxx / W - mx * mx, vy = Syy / W - my * my, c = Sxy / W - mx * my;
    assert_close(st.mean_true, (double)mx, 1e-12, 0);
    assert_close(st.mean_proxy, (double)my, 1e-12, 0);
    assert_close(st.sigma_true, sqrt((double)vx), 1e-10, 0);
    assert_close(st.sigma_proxy, sqrt((double)vy), 1e-10, 0);
    assert_close(st.r, (double)(c / sqrtl(vx * vy)), 1e-10, 0);
    assert_close(st.orpo_coef, st.sigma_proxy * sqrt(1 - st.r * st.r), 1e-12, 0);
    /* invariances: positive affine maps keep r, a sign flip negates it; scaling the weights keeps all */
    double x2[37], y2[37], w2[37];
    for (size_t i = 0; i < n; i++) {
        x2[i] = 3 * x[i] - 7;
        y2[i] = -y[i];
        w2[i] = 4 * w[i];
    }
    starc_proxy_stats s2;
    assert_ok(starc_proxy_weighted_stats(n, w2, x2, y2, NULL, &s2, NULL));
    assert_close(s2.r, -st.r, 1e-12, 1e-15);
    assert_close(s2.sigma_true, 3 * st.sigma_true, 1e-12, 0);
    /* r = 1 exactly for an affine copy, r undefined for a constant */
    for (size_t i = 0; i < n; i++)
        y2[i] = 2 * x[i] + 1;
    assert_ok(starc_proxy_weighted_stats(n, w, x, y2, NULL, &s2, NULL));
    assert_close(s2.r, 1.0, 0, 1e-14);
    assert_close(s2.orpo_coef, 0.0, 0, 1e-6);
    for (size_t i = 0; i < n; i++)
        y2[i] = 0.1; /* not exactly representable: round-off must not make a spread */
    assert_ok(starc_proxy_weighted_stats(n, w, x, y2, NULL, &s2, NULL));
    assert_true(s2.sigma_proxy == 0.0);
    assert_true(isnan(s2.r) && isnan(s2.orpo_coef));
    /* bad input */
    w[3] = -1;
    assert_int_equal(starc_proxy_weighted_stats(n, w, x, y, NULL, &st, NULL), STARC_EINVAL);
    memset(w, 0, sizeof w);
    assert_int_equal(starc_proxy_weighted_stats(n, w, x, y, NULL, &st, NULL), STARC_EINVAL);
    gsl_rng_free(r);
}

/* Rt with correlation exactly rho to Rp under weights mub (Gram-Schmidt in the mub inner product). */
static void make_correlated(size_t n, const double *mub, const double *Rp, double rho, double sigma_t, double mean_t,
                            gsl_rng *r, double *Rt)
{
    double mp = 0, vp = 0;
    for (size_t i = 0; i < n; i++)
        mp += mub[i] * Rp[i];
    for (size_t i = 0; i < n; i++)
        vp += mub[i] * (Rp[i] - mp) * (Rp[i] - mp);
    double sp = sqrt(vp), *z = malloc(n * sizeof(double)), *w = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        z[i] = (Rp[i] - mp) / sp;
    for (size_t i = 0; i < n; i++)
        w[i] = gsl_ran_gaussian(r, 1.0);
    for (int pass = 0; pass < 2; pass++) {
        double mw = 0, cz = 0;
        for (size_t i = 0; i < n; i++)
            mw += mub[i] * w[i];
        for (size_t i = 0; i < n; i++)
            w[i] -= mw;
        for (size_t i = 0; i < n; i++)
            cz += mub[i] * w[i] * z[i];
        for (size_t i = 0; i < n; i++)
            w[i] -= cz * z[i];
    }
    double vw = 0;
    for (size_t i = 0; i < n; i++)
        vw += mub[i] * w[i] * w[i];
    for (size_t i = 0; i < n; i++)
        Rt[i] = mean_t + sigma_t * (rho * z[i] + sqrt(1 - rho * rho) * w[i] / sqrt(vw));
    free(z);
    free(w);
}

static void check_bounds(const starc_proxy_analyze_result *pp, double r, const char *what)
{
    double dJt = pp->true_delta_normalized, slack = 1e-9;
    if (!(dJt >= pp->bound_a - slack) || !(dJt >= pp->bound_tight - slack) ||
        (r > 0 && !(dJt >= pp->bound_b - slack))) {
        print_error("%s: dJt %.17g vs bounds A %.17g B %.17g tight %.17g (r %.3g)\n", what, dJt, pp->bound_a,
                    pp->bound_b, pp->bound_tight, r);
        fail();
    }
    /* tight dominates A always and B when r > 0 */
    assert_true(pp->bound_tight >= pp->bound_a - slack);
    if (r > 0)
        assert_true(pp->bound_tight >= pp->bound_b - slack);
    else
        assert_true(isnan(pp->bound_b));
}

static void test_bounds_hold(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(22);
    double rhos[] = {0.95, 0.6, 0.2, -0.3, -0.9};
    for (int trial = 0; trial < 10; trial++) {
        size_t S = 4 + trial, A = 2 + trial % 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *Rp = expected(m, r), *Rt = malloc(S * A * sizeof(double)), *pb = malloc(S * A * sizeof(double));
        double *mub = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        assert_ok(starc_policy_occupancy(m, pb, NULL, mub, NULL, NULL));
        double rho = rhos[trial % 5];
        make_correlated(S * A, mub, Rp, rho, 1.7, 0.3, r, Rt);
        starc_proxy *p;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
        const starc_proxy_stats *st = starc_proxy_get_stats(p);
        assert_close(st->r, rho, 1e-10, 1e-12);
        assert_close(st->sigma_true, 1.7, 1e-10, 0);
        assert_close(st->mean_true, 0.3, 1e-10, 1e-12);
        double Jt, Jp;
        starc_proxy_base_returns(p, &Jt, &Jp);
        assert_close((1 - 0.9) * Jt, st->mean_true, 1e-10, 1e-12);
        assert_close((1 - 0.9) * Jp, st->mean_proxy, 1e-10, 1e-12);
        /* random policies, regularised optima (all inside the support) and the proxy optimum */
        starc_regularize *rg;
        assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, NULL, &rg, NULL));
        for (int k = 0; k < 40; k++) {
            starc_proxy_analyze_result pp;
            if (k < 20)
                testutil_random_policy(r, S, A, pi);
            else {
                starc_regularize_result res;
                const starc_regularize_method meth = (starc_regularize_method)(k % 4);
                assert_ok(starc_regularize_solve(rg, meth, pow(0.6, k - 20), pi, &res, NULL));
            }
            assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
            check_bounds(&pp, rho, "policy");
        }
        starc_proxy_hacking_result hk;
        assert_ok(starc_proxy_check_hacking(p, NULL, NULL, &hk, NULL));
        check_bounds(&hk.proxy_optimal, rho, "proxy optimum");
        starc_regularize_free(rg);
        starc_proxy_free(p);
        starc_mdp_free(m);
        free(Rp);
        free(Rt);
        free(pb);
        free(mub);
        free(pi);
    }
    gsl_rng_free(r);
}

/* The tight bound is attained: for a given policy, the true reward with correlation r that is worst for
 * it is Rt = r zp - sqrt(1-r^2) x_perp/|x_perp| (x = mu/mub - 1, x_perp its part orthogonal to zp). */
static void test_tight_attained(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(26);
    for (int trial = 0; trial < 8; trial++) {
        size_t S = 5 + trial, A = 3, n = S * A;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *Rp = expected(m, r), *Rt = malloc(n * sizeof(double)), *pb = malloc(n * sizeof(double));
        double *pi = malloc(n * sizeof(double)), *mu = malloc(n * sizeof(double)), *mub = malloc(n * sizeof(double));
        double *x = malloc(n * sizeof(double)), *z = malloc(n * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        testutil_random_policy(r, S, A, pi);
        assert_ok(starc_policy_occupancy(m, pb, NULL, mub, NULL, NULL));
        assert_ok(starc_policy_occupancy(m, pi, NULL, mu, NULL, NULL));
        double mp = 0, vp = 0, a = 0, nx = 0;
        for (size_t i = 0; i < n; i++)
            mp += mub[i] * Rp[i];
        for (size_t i = 0; i < n; i++)
            vp += mub[i] * (Rp[i] - mp) * (Rp[i] - mp);
        for (size_t i = 0; i < n; i++) {
            z[i] = (Rp[i] - mp) / sqrt(vp);
            x[i] = mu[i] / mub[i] - 1;
            a += mub[i] * x[i] * z[i];
        }
        for (size_t i = 0; i < n; i++) {
            x[i] -= a * z[i];
            nx += mub[i] * x[i] * x[i];
        }
        double rho = trial % 2 ? 0.8 : -0.4, q = sqrt(1 - rho * rho);
        for (size_t i = 0; i < n; i++)
            Rt[i] = 2.0 * (rho * z[i] - q * x[i] / sqrt(nx)) + 5.0;
        starc_proxy *p;
        starc_proxy_analyze_result pp;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
        assert_close(starc_proxy_get_stats(p)->r, rho, 1e-10, 0);
        assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
        assert_close(pp.bound_tight, pp.true_delta_normalized, 1e-8, 1e-12);
        assert_true(pp.bound_a < pp.true_delta_normalized - 1e-6); /* A is not tight here */
        starc_proxy_free(p);
        starc_mdp_free(m);
        free(Rp); free(Rt); free(pb); free(pi); free(mu); free(mub); free(x); free(z);
    }
    gsl_rng_free(r);
}

/* The bound formulas on hand-computed values and their edge conventions. */
static void test_bounds_formula(void **state)
{
    (void)state;
    double A, B, T;
    /* r = 1: all three give sigma_t a */
    starc_proxy_bounds(1.0, 2.0, 4.0, 0.8, 0.5, &A, &B, &T);
    assert_close(A, 0.4, 1e-15, 0);
    assert_close(B, 0.4, 1e-15, 0);
    assert_close(T, 0.4, 1e-15, 0);
    /* r = -1 */
    starc_proxy_bounds(-1.0, 2.0, 4.0, 0.8, 0.5, &A, &B, &T);
    assert_close(A, -0.4, 1e-15, 0);
    assert_true(isnan(B));
    assert_close(T, -0.4, 1e-15, 0);
    /* r = 0: nothing but the chi2 term */
    starc_proxy_bounds(0.0, 2.0, 4.0, 0.8, 0.5, &A, &B, &T);
    assert_close(A, -2.0 * sqrt(0.5), 1e-15, 0);
    assert_close(T, -2.0 * sqrt(0.5 - 0.04), 1e-15, 0);
    /* hand values: r = 0.6, q = 0.8, sigma_t = 1, sigma_p = 2, dJp = 1 (a = 0.5), chi2 = 1 */
    starc_proxy_bounds(0.6, 1.0, 2.0, 1.0, 1.0, &A, &B, &T);
    assert_close(A, 0.3 - 0.8, 1e-15, 0);
    assert_close(B, 1.0 / 1.2 * (1.0 - 1.6), 1e-15, 0);
    assert_close(T, 0.3 - 0.8 * sqrt(0.75), 1e-15, 0);
    /* sigma_t = 0: dJt = 0 exactly, bounds 0; infinite chi2: no information */
    starc_proxy_bounds(NAN, 0.0, 2.0, 1.0, 1.0, &A, &B, &T);
    assert_true(A == 0.0 && B == 0.0 && T == 0.0);
    starc_proxy_bounds(0.5, 1.0, 2.0, 1.0, INFINITY, &A, &B, &T);
    assert_true(isinf(A) && A < 0 && isinf(B) && isinf(T));
    /* sigma_p = 0 (r undefined): NaN */
    starc_proxy_bounds(NAN, 1.0, 0.0, 0.0, 1.0, &A, &B, &T);
    assert_true(isnan(A) && isnan(B) && isnan(T));
    /* a^2 > chi2 by round-off is clamped */
    starc_proxy_bounds(0.5, 1.0, 1.0, 1.0, 1.0 - 1e-16, &A, &B, &T);
    assert_close(T, 0.5, 1e-15, 0);
}

/* r = +-1 and sigma_t = 0 on an MDP: bounds equal the true change exactly. */
static void test_bounds_edge_mdp(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(23);
    size_t S = 6, A = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.8, 0);
    double *Rp = expected(m, r), Rt[18], pb[18], pi[18];
    testutil_random_policy(r, S, A, pb);
    for (int sign = -1; sign <= 1; sign += 2) {
        for (size_t i = 0; i < S * A; i++)
            Rt[i] = sign * 3.0 * Rp[i] + 1.0;
        starc_proxy *p;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
        assert_close(starc_proxy_get_stats(p)->r, sign, 0, 1e-14);
        for (int k = 0; k < 5; k++) {
            testutil_random_policy(r, S, A, pi);
            starc_proxy_analyze_result pp;
            assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
            assert_close(pp.true_delta_normalized, sign * 3.0 * pp.proxy_delta_normalized, 1e-10, 1e-13);
            assert_close(pp.bound_a, pp.true_delta_normalized, 1e-9, 1e-12);
            assert_close(pp.bound_tight, pp.true_delta_normalized, 1e-9, 1e-12);
            if (sign > 0)
                assert_close(pp.bound_b, pp.true_delta_normalized, 1e-9, 1e-12);
        }
        starc_proxy_free(p);
    }
    /* a constant true reward: sigma_t = 0, r undefined, dJt = 0 = every bound */
    for (size_t i = 0; i < S * A; i++)
        Rt[i] = 0.7;
    starc_proxy *p;
    assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
    assert_true(isnan(starc_proxy_get_stats(p)->r));
    assert_true(starc_proxy_get_stats(p)->sigma_true == 0.0);
    testutil_random_policy(r, S, A, pi);
    starc_proxy_analyze_result pp;
    assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
    assert_close(pp.true_delta_normalized, 0.0, 0, 1e-14);
    assert_true(pp.bound_a == 0.0 && pp.bound_tight == 0.0);
    starc_proxy_free(p);
    /* a base with zero entries: a policy outside its support has chi2 = inf and -inf bounds */
    make_correlated(S * A, pb, Rp, 0.5, 1.0, 0.0, r, Rt); /* any true reward */
    pb[0] = 0.0;
    pb[1] = 0.4;
    pb[2] = 0.6;
    assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
    starc_policy_uniform(m, pi);
    assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
    if (starc_proxy_base_occupancy(p)[1] > 0) { /* state 0 is visited */
        assert_true(isinf(pp.chi2));
        assert_true(isinf(pp.bound_a) && pp.bound_a < 0);
    }
    /* inside the support the bounds hold */
    pi[0] = 0.0;
    pi[1] = 0.5;
    pi[2] = 0.5;
    assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
    assert_true(isfinite(pp.chi2));
    check_bounds(&pp, starc_proxy_get_stats(p)->r, "zero-entry base");
    starc_proxy_free(p);
    starc_mdp_free(m);
    free(Rp);
    gsl_rng_free(r);
}

/* Reward hacking against enumeration of every deterministic policy. */
static void test_hacking_enumeration(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(24);
    int seen_hack = 0, seen_nohack = 0;
    for (int trial = 0; trial < 30; trial++) {
        size_t S = 4, A = 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.85, 1);
        double *Rp = expected(m, r), *Rt = expected(m, r), pb[12], pi[12];
        if (trial % 3 == 0) /* ties: a proxy blind to one action */
            for (size_t s = 0; s < S; s++)
                Rp[s * A + 2] = Rp[s * A + 1];
        if (trial % 3 == 1) /* a proxy that mostly agrees */
            for (size_t i = 0; i < S * A; i++)
                Rp[i] = Rt[i] + 0.3 * Rp[i];
        testutil_random_policy(r, S, A, pb);
        starc_proxy *p;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
        starc_proxy_hacking_result hk;
        size_t act[4];
        assert_ok(starc_proxy_check_hacking(p, NULL, act, &hk, NULL));
        /* enumerate A^S policies */
        double best = -INFINITY, jmin = INFINITY, jmax = -INFINITY, V[4];
        size_t n = 81;
        double *Jp = malloc(n * sizeof(double)), *Jt = malloc(n * sizeof(double));
        for (size_t k = 0; k < n; k++) {
            size_t a[4], c = k;
            for (size_t s = 0; s < S; s++) {
                a[s] = c % A;
                c /= A;
            }
            starc_policy_from_actions(m, a, pi);
            Jp[k] = Jt[k] = 0;
            assert_ok(starc_policy_evaluate_rbar(m, pi, Rp, V, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++)
                Jp[k] += starc_mdp_initial(m)[s] * V[s];
            assert_ok(starc_policy_evaluate_rbar(m, pi, Rt, V, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++)
                Jt[k] += starc_mdp_initial(m)[s] * V[s];
            best = fmax(best, Jp[k]);
        }
        for (size_t k = 0; k < n; k++)
            if (Jp[k] >= best - 1e-9 * fmax(1, fabs(best))) {
                jmin = fmin(jmin, Jt[k]);
                jmax = fmax(jmax, Jt[k]);
            }
        assert_close(hk.proxy_optimal.proxy_return, best, 1e-10, 1e-12);
        assert_close(hk.true_return_min, jmin, 1e-10, 1e-12);
        assert_close(hk.true_return_max, jmax, 1e-10, 1e-12);
        double Jb;
        starc_proxy_base_returns(p, &Jb, NULL);
        assert_int_equal(hk.reward_hacking, jmin < Jb);
        seen_hack += hk.reward_hacking;
        seen_nohack += !hk.reward_hacking;
        free(Jp);
        free(Jt);
        starc_proxy_free(p);
        starc_mdp_free(m);
        free(Rp);
        free(Rt);
    }
    assert_true(seen_hack > 0 && seen_nohack > 0);
    gsl_rng_free(r);
}

static void test_hackability(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(25);
    size_t S = 5, A = 3, n = 40;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R1 = expected(m, r), *R2 = expected(m, r), R3[15], V[5];
    double *pols = malloc(n * S * A * sizeof(double));
    for (size_t k = 0; k < n; k++)
        testutil_random_policy(r, S, A, pols + k * S * A);
    for (int variant = 0; variant < 4; variant++) {
        /* 0: independent, 1: negated, 2: positive scaling + potential shaping, 3: small perturbation */
        const double *T = starc_mdp_transitions(m);
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++) {
                double shape = 0;
                for (size_t u = 0; u < S; u++)
                    shape += 0.9 * T[(s * A + a) * S + u] * (double)u;
                shape -= (double)s;
                size_t i = s * A + a;
                R3[i] = variant == 0 ? R2[i] : variant == 1 ? -R1[i] : variant == 2 ? 2.5 * R1[i] + shape
                                                                     : R1[i] + 0.05 * R2[i];
            }
        int hk;
        size_t wi = 99, wj = 99;
        assert_ok(starc_proxy_hackable_rbar(m, R1, R3, n, pols, NULL, &hk, &wi, &wj, NULL));
        /* brute force over all pairs */
        double J1[40], J2[40];
        for (size_t k = 0; k < n; k++) {
            J1[k] = J2[k] = 0;
            assert_ok(starc_policy_evaluate_rbar(m, pols + k * S * A, R1, V, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++)
                J1[k] += starc_mdp_initial(m)[s] * V[s];
            assert_ok(starc_policy_evaluate_rbar(m, pols + k * S * A, R3, V, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++)
                J2[k] += starc_mdp_initial(m)[s] * V[s];
        }
        int bf = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (J1[i] < J1[j] - 1e-9 && J2[i] > J2[j] + 1e-9)
                    bf = 1;
        assert_int_equal(hk, bf);
        if (hk) {
            assert_true(J1[wi] < J1[wj] && J2[wi] > J2[wj]);
        }
        if (variant == 1)
            assert_int_equal(hk, 1);
        if (variant == 2)
            assert_int_equal(hk, 0);
    }
    /* one policy or none: never hackable */
    int hk = 1;
    assert_ok(starc_proxy_hackable_rbar(m, R1, R2, 1, pols, NULL, &hk, NULL, NULL, NULL));
    assert_int_equal(hk, 0);
    /* an invalid policy in the set is reported with its index */
    starc_error err;
    pols[S * A * 3] = -1;
    assert_int_equal(starc_proxy_hackable_rbar(m, R1, R2, n, pols, NULL, &hk, NULL, NULL, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "policy 3"));
    free(pols);
    free(R1);
    free(R2);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Hackability on all deterministic policies against a slow reference: the policies enumerated
 * independently (an odometer over action tuples), each evaluated with the dense-reward
 * evaluator, every pair compared with the documented strictness; the witness is checked by
 * re-evaluating the two policies it names. */
static double det_return(const starc_mdp *m, const size_t *act, const double *Rbar)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *pi = calloc(S * A, sizeof(double)), *R = malloc(S * A * S * sizeof(double)), J;
    for (size_t s = 0; s < S; s++)
        pi[s * A + act[s]] = 1.0;
    for (size_t sa = 0; sa < S * A; sa++) /* R(s,a,s') = Rbar(s,a): the same expected reward */
        for (size_t t = 0; t < S; t++)
            R[sa * S + t] = Rbar[sa];
    assert_ok(starc_policy_return(m, pi, R, &J, NULL, NULL));
    free(pi);
    free(R);
    return J;
}

static void test_hackable_deterministic(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(27);
    starc_proxy_deterministic_options o;
    starc_proxy_deterministic_options_default(&o);
    for (int trial = 0; trial < 12; trial++) {
        size_t S = 2 + (size_t)trial % 3, A = 2 + (size_t)(trial / 3) % 2;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *Rt = expected(m, r), *Rn = expected(m, r), *Rp = malloc(S * A * sizeof(double));
        int variant = trial % 4; /* independent, negated, positively scaled, a small perturbation */
        for (size_t i = 0; i < S * A; i++)
            Rp[i] = variant == 0 ? Rn[i] : variant == 1 ? -Rt[i] : variant == 2 ? 3.0 * Rt[i] : Rt[i] + 0.05 * Rn[i];
        starc_proxy_hackability_result res;
        assert_ok(starc_proxy_hackable_deterministic_rbar(m, Rt, Rp, &o, &res, NULL));
        size_t n = 1;
        for (size_t s = 0; s < S; s++)
            n *= A;
        assert_int_equal(res.policies, n);
        /* the reference: all action tuples, in odometer order (state 0 fastest) */
        double *Jt = malloc(n * sizeof(double)), *Jp = malloc(n * sizeof(double));
        size_t act[8] = {0};
        /* strictness relative to each reward's return scale max|Rbar|/(1-gamma) */
        const double g = starc_mdp_gamma(m), tol = starc_regret_trivial_tol(o.proxy_options.hackable_tol, g, S);
        double mt = 0.0, mp = 0.0;
        for (size_t i = 0; i < S * A; i++)
            mt = fmax(mt, fabs(Rt[i]) / (1.0 - g)), mp = fmax(mp, fabs(Rp[i]) / (1.0 - g));
        for (size_t k = 0; k < n; k++) {
            Jt[k] = det_return(m, act, Rt);
            Jp[k] = det_return(m, act, Rp);
            for (size_t s = 0; s < S && ++act[s] == A; s++)
                act[s] = 0;
        }
        int bf = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                bf |= Jt[i] < Jt[j] - tol * mt && Jp[i] > Jp[j] + tol * mp;
        assert_int_equal(res.hackable, bf);
        if (variant == 1)
            assert_int_equal(res.hackable, 1);
        if (variant == 2)
            assert_int_equal(res.hackable, 0);
        if (res.hackable) {
            assert_true(res.witness_i < n && res.witness_j < n);
            assert_true(Jt[res.witness_i] < Jt[res.witness_j] && Jp[res.witness_i] > Jp[res.witness_j]);
        }
        /* policy k is the k-th tuple of the odometer */
        double *pi = malloc(S * A * sizeof(double));
        for (size_t k = 0; k < n; k++) {
            starc_proxy_deterministic_policy(m, k, pi);
            size_t code = 0, place = 1;
            for (size_t s = 0; s < S; s++, place *= A) {
                size_t ones = 0, a1 = 0;
                for (size_t a = 0; a < A; a++)
                    if (pi[s * A + a] == 1.0)
                        ones++, a1 = a;
                    else
                        assert_true(pi[s * A + a] == 0.0);
                assert_int_equal(ones, 1);
                code += a1 * place;
            }
            assert_int_equal(code, k);
        }
        free(pi);
        free(Jt), free(Jp), free(Rt), free(Rn), free(Rp);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* The size limit: A^S is refused above max_policies, and long before it overflows. */
static void test_deterministic_count(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(28);
    starc_proxy_deterministic_options o;
    starc_proxy_deterministic_options_default(&o);
    assert_int_equal(o.max_policies, 65536);
    size_t n = 0;
    starc_error err;
    starc_mdp *m16 = testutil_random_mdp(r, 16, 2, 0.9, 1), *m17 = testutil_random_mdp(r, 17, 2, 0.9, 1);
    starc_mdp *m70 = testutil_random_mdp(r, 70, 2, 0.9, 1); /* 2^70 does not fit a size_t */
    assert_ok(starc_proxy_deterministic_count(m16, &o, &n, NULL));
    assert_int_equal(n, 65536);
    assert_int_equal(starc_proxy_deterministic_count(m17, &o, &n, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "2^17 exceeds 65536"));
    o.max_policies = SIZE_MAX;
    assert_int_equal(starc_proxy_deterministic_count(m70, &o, &n, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "2^70"));
    starc_mdp *m1 = testutil_random_mdp(r, 1, 7, 0.5, 0);
    o.max_policies = 7;
    assert_ok(starc_proxy_deterministic_count(m1, &o, &n, NULL));
    assert_int_equal(n, 7);
    o.max_policies = 6;
    assert_int_equal(starc_proxy_deterministic_count(m1, &o, &n, &err), STARC_EINVAL);
    starc_mdp_free(m1);
    starc_proxy_hackability_result res;
    double Rb[34] = {0};
    assert_int_equal(starc_proxy_hackable_deterministic_rbar(m17, Rb, Rb, NULL, &res, &err), STARC_EINVAL);
    starc_mdp_free(m16);
    starc_mdp_free(m17);
    starc_mdp_free(m70);
    gsl_rng_free(r);
}

/* The tomato gridworld reproduces CP's phenomenon: strong correlation under the base, the proxy
 * optimum hacks, ORPO at CP's coefficient improves the true return over the base. */
static void test_tomato(void **state)
{
    (void)state;
    starc_tomato *t;
    assert_ok(starc_tomato_alloc(NULL, &t, NULL));
    const starc_mdp *m = starc_tomato_mdp(t);
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), k = starc_tomato_count(t);
    assert_int_equal(k, 3);
    assert_int_equal(S, starc_tomato_rows(t) * starc_tomato_cols(t) * 8);
    assert_int_equal(A, 5);
    /* structure: state decoding, rewards, deterministic moves, drying */
    size_t row, col;
    unsigned long mask;
    size_t bucket = starc_tomato_bucket(t), cols = starc_tomato_cols(t);
    assert_ok(starc_tomato_state(t, bucket * 8 + 5, &row, &col, &mask, NULL));
    assert_int_equal(row * cols + col, bucket);
    assert_int_equal(mask, 5);
    assert_int_equal(starc_tomato_state(t, S, NULL, NULL, NULL, NULL), STARC_EINVAL);
    assert_close(starc_tomato_true_reward(t)[bucket * 8 + 5], 2.0 / 3.0, 1e-15, 0);
    assert_close(starc_tomato_proxy_reward(t)[bucket * 8 + 5], 1.0, 0, 0);
    assert_close(starc_tomato_proxy_reward(t)[0 * 8 + 3], starc_tomato_true_reward(t)[3], 0, 0);
    /* From the start cell (row 2, col 2 of "T.T.B/...../T.A..") with tomato 0 watered, moving left
     * (to row 2, col 1): tomato 0 stays watered w.p. 0.9 */
    const double *T = starc_mdp_transitions(m);
    size_t s = (2 * cols + 2) * 8 + 1, to = (2 * cols + 1) * 8;
    assert_close(T[(s * A + 3) * S + to + 1], 0.9, 1e-15, 0);
    assert_close(T[(s * A + 3) * S + to + 0], 0.1, 1e-15, 0);
    /* moving left again waters tomato 2 (row 2, col 0) */
    s = (2 * cols + 1) * 8;
    to = (2 * cols + 0) * 8 + 4;
    assert_close(T[(s * A + 3) * S + to], 1.0, 0, 0);
    /* the phenomenon */
    double *Rt = malloc(S * A * sizeof(double)), *Rp = malloc(S * A * sizeof(double));
    for (size_t i = 0; i < S; i++)
        for (size_t a = 0; a < A; a++) {
            Rt[i * A + a] = starc_tomato_true_reward(t)[i];
            Rp[i * A + a] = starc_tomato_proxy_reward(t)[i];
        }
    starc_proxy *p;
    assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, starc_tomato_base_policy(t), NULL, &p, NULL));
    const starc_proxy_stats *st = starc_proxy_get_stats(p);
    assert_true(st->r > 0.98);
    starc_proxy_hacking_result hk;
    assert_ok(starc_proxy_check_hacking(p, NULL, NULL, &hk, NULL));
    double Jb;
    starc_proxy_base_returns(p, &Jb, NULL);
    assert_int_equal(hk.reward_hacking, 1);
    assert_true(hk.proxy_optimal.true_return < 0.5 * Jb);
    check_bounds(&hk.proxy_optimal, st->r, "tomato proxy optimum");
    starc_regularize *rg;
    assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, starc_tomato_base_policy(t), NULL, &rg, NULL));
    starc_regularize_result orpo, adkl;
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_OM_SQRT_CHI2, st->orpo_coef, NULL, &orpo, NULL));
    assert_true(orpo.true_delta > 0.1 * Jb);       /* ORPO improves the true return */
    assert_true(orpo.proxy_delta > 0);
    /* the same coefficient on the action-distribution KL does not protect: it hacks */
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, st->orpo_coef, NULL, &adkl, NULL));
    assert_true(adkl.true_return < Jb);
    /* the ORPO optimum obeys the bounds too */
    double *pi = malloc(S * A * sizeof(double));
    starc_proxy_analyze_result pp;
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_OM_SQRT_CHI2, st->orpo_coef, pi, &orpo, NULL));
    assert_ok(starc_proxy_analyze(p, pi, &pp, NULL));
    check_bounds(&pp, st->r, "tomato orpo");
    assert_close(pp.true_delta_normalized, orpo.true_delta_normalized, 1e-10, 1e-12);
    free(pi);
    starc_regularize_free(rg);
    starc_proxy_free(p);
    free(Rt);
    free(Rp);
    starc_tomato_free(t);
    /* malformed maps */
    starc_tomato_options o;
    starc_error err;
    starc_tomato_options_default(&o);
    o.map = "T.B/..";
    assert_int_equal(starc_tomato_alloc(&o, &t, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "row 2"));
    o.map = "T.BX/A...";
    assert_int_equal(starc_tomato_alloc(&o, &t, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "'X'"));
    o.map = "T.../A...";
    assert_int_equal(starc_tomato_alloc(&o, &t, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "bucket"));
    o.map = "T#B/A..";
    o.gamma = 1.0;
    assert_int_equal(starc_tomato_alloc(&o, &t, &err), STARC_EINVAL);
    o.gamma = 0.9;
    assert_ok(starc_tomato_alloc(&o, &t, &err)); /* walls are fine */
    starc_tomato_free(t);
    starc_tomato_free(NULL);
}

/* |got - c want| <= rtol |c want| (both NaN, or both the same infinity, also pass). */
static double check_rtol = 1e-12;
static void check_scaled(double got, double want, double c, const char *what, double sc)
{
    if ((isnan(got) && isnan(want)) || (isinf(want) && got == want))
        return;
    if (!(fabs(got - c * want) <= check_rtol * fabs(c * want))) {
        print_error("%s at scale %g: got %.17g, want %.17g\n", what, sc, got, c * want);
        fail();
    }
}

/* Scale invariance (docs/theory.md, Numerics): for Rt -> c Rt, Rp -> c' Rp
 * with c, c' in 1e-300 .. 1e300, r, a, chi2 and the hacking verdict are
 * unchanged, sigma_true, the true returns, dJt and the bounds scale by c,
 * the proxy's by c', all to 1e-12. */
static void test_scale_invariance(void **state)
{
    (void)state;
    static const double scales[] = {1e-300, 1e-150, 1.0, 1e150, 1e300};
    gsl_rng *r = testutil_rng(3131);
    for (int trial = 0; trial < 6; trial++) {
        size_t S = 3 + trial, A = 2 + trial % 2, n = S * A;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *Rp = expected(m, r), *Rt = malloc(n * sizeof(double)), *pb = malloc(n * sizeof(double));
        double *mub = malloc(n * sizeof(double)), *Xt = malloc(n * sizeof(double)), *Xp = malloc(n * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        assert_ok(starc_policy_occupancy(m, pb, NULL, mub, NULL, NULL));
        make_correlated(n, mub, Rp, trial == 0 ? 1.0 : 0.8 - 0.3 * trial, 1.3, -0.2, r, Rt);
        starc_proxy *p;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, pb, NULL, &p, NULL));
        const starc_proxy_stats st = *starc_proxy_get_stats(p);
        starc_proxy_hacking_result hk;
        assert_ok(starc_proxy_check_hacking(p, NULL, NULL, &hk, NULL));
        starc_proxy_free(p);
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++)
            for (int which = 0; which < 3; which++) {
                const double sc = scales[k], ct = which != 1 ? sc : 1.0, cp = which != 0 ? sc : 1.0;
                for (size_t i = 0; i < n; i++)
                    Xt[i] = ct * Rt[i], Xp[i] = cp * Rp[i];
                assert_ok(starc_proxy_alloc_rbar(m, Xt, Xp, pb, NULL, &p, NULL));
                const starc_proxy_stats *s2 = starc_proxy_get_stats(p);
                check_scaled(s2->r, st.r, 1.0, "r", sc);
                check_scaled(s2->sigma_true, st.sigma_true, ct, "sigma_true", sc);
                check_scaled(s2->sigma_proxy, st.sigma_proxy, cp, "sigma_proxy", sc);
                check_scaled(s2->mean_true, st.mean_true, ct, "mean_true", sc);
                if (fabs(st.r) < 1.0) {
                    check_scaled(s2->orpo_coef, st.orpo_coef, cp, "orpo_coef", sc);
                } else { /* sigma_p sqrt(1 - r^2) at r = 1: one ulp of r is 1.5e-8 sigma_p */
                    assert_true(s2->orpo_coef <= 1e-7 * cp * st.sigma_proxy);
                    assert_close(s2->r, 1.0, 1e-15, 0);
                }
                starc_proxy_hacking_result h2;
                assert_ok(starc_proxy_check_hacking(p, NULL, NULL, &h2, NULL));
                const starc_proxy_analyze_result *a = &hk.proxy_optimal, *b = &h2.proxy_optimal;
                check_scaled(b->true_return, a->true_return, ct, "true_return", sc);
                check_scaled(b->proxy_return, a->proxy_return, cp, "proxy_return", sc);
                check_scaled(b->true_delta_normalized, a->true_delta_normalized, ct, "dJt", sc);
                check_scaled(b->proxy_delta_normalized, a->proxy_delta_normalized, cp, "dJp", sc);
                check_scaled(b->a, a->a, 1.0, "a", sc);
                check_scaled(b->chi2, a->chi2, 1.0, "chi2", sc);
                /* the bounds hold sqrt(1 - r^2): at r = 1 one ulp of r moves them by 1.5e-8 */
                check_rtol = fabs(st.r) < 1.0 ? 1e-12 : 1e-6;
                check_scaled(b->bound_a, a->bound_a, ct, "bound_a", sc);
                check_scaled(b->bound_b, a->bound_b, ct, "bound_b", sc);
                check_scaled(b->bound_tight, a->bound_tight, ct, "bound_tight", sc);
                check_rtol = 1e-12;
                check_scaled(h2.true_return_min, hk.true_return_min, ct, "true_return_min", sc);
                check_scaled(h2.true_return_max, hk.true_return_max, ct, "true_return_max", sc);
                assert_int_equal(h2.reward_hacking, hk.reward_hacking);
                starc_proxy_free(p);
            }
        free(Rp), free(Rt), free(pb), free(mub), free(Xt), free(Xp);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* The return tolerances of hacking and hackability (docs/theory.md §5) are
 * relative to each reward's scale max|Rbar|/(1-gamma), not to max |J| over the
 * set: for shaping whose returns cancel (mu0 . phi = 0, so every policy has
 * return 0 and the computed ones are round-off) no pair of policies is
 * strictly ordered, so two such rewards are never hackable; and a trivial
 * true reward (a constant plus shaping: every policy has the base's return)
 * is never hacked, at every gamma up to 0.999. */
static void test_return_tolerances(void **state)
{
    (void)state;
    static const double gammas[] = {0.0, 0.5, 0.9, 0.99, 0.999};
    gsl_rng *r = testutil_rng(2626);
    const size_t S = 4, A = 3;
    for (size_t g = 0; g < sizeof gammas / sizeof gammas[0]; g++)
        for (int draw = 0; draw < 5; draw++) {
            starc_mdp *m = testutil_random_mdp(r, S, A, gammas[g], 0);
            const double *T = starc_mdp_transitions(m), *mu0 = starc_mdp_initial(m);
            double R[2][12], phi[4], pb[12], Rp[12];
            for (int w = 0; w < 2; w++) {
                testutil_gaussian(r, phi, S);
                double c = 0.0;
                for (size_t s = 0; s < S; s++)
                    c += mu0[s] * phi[s];
                for (size_t s = 0; s < S; s++)
                    phi[s] -= c; /* mu0 . phi = 0 up to round-off: J = -mu0 . phi = 0 */
                for (size_t s = 0; s < S; s++)
                    for (size_t a = 0; a < A; a++) {
                        double e = 0.0;
                        for (size_t u = 0; u < S; u++)
                            e += T[(s * A + a) * S + u] * phi[u];
                        R[w][s * A + a] = gammas[g] * e - phi[s];
                    }
            }
            starc_proxy_hackability_result hr;
            assert_ok(starc_proxy_hackable_deterministic_rbar(m, R[0], R[1], NULL, &hr, NULL));
            assert_int_equal(hr.policies, 81);
            if (hr.hackable)
                fail_msg("gamma %g: round-off returns called hackable (policies %zu, %zu)", gammas[g], hr.witness_i,
                         hr.witness_j);
            /* real side: R and -R are hackable */
            for (size_t i = 0; i < S * A; i++)
                Rp[i] = gsl_ran_gaussian(r, 1.0), R[1][i] = -Rp[i];
            assert_ok(starc_proxy_hackable_deterministic_rbar(m, Rp, R[1], NULL, &hr, NULL));
            assert_true(hr.hackable);
            /* a constant plus shaping true reward is never hacked */
            const double k = gsl_ran_gaussian(r, 10.0);
            for (size_t i = 0; i < S * A; i++)
                R[0][i] += k;
            testutil_random_policy(r, S, A, pb);
            starc_proxy *p;
            assert_ok(starc_proxy_alloc_rbar(m, R[0], Rp, pb, NULL, &p, NULL));
            starc_proxy_hacking_result h;
            assert_ok(starc_proxy_check_hacking(p, NULL, NULL, &h, NULL));
            if (h.reward_hacking)
                fail_msg("gamma %g: trivial true reward hacked", gammas[g]);
            starc_proxy_free(p);
            starc_mdp_free(m);
        }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_stats),
        cmocka_unit_test(test_bounds_hold),
        cmocka_unit_test(test_tight_attained),
        cmocka_unit_test(test_bounds_formula),
        cmocka_unit_test(test_bounds_edge_mdp),
        cmocka_unit_test(test_hacking_enumeration),
        cmocka_unit_test(test_hackability),
        cmocka_unit_test(test_hackable_deterministic),
        cmocka_unit_test(test_deterministic_count),
        cmocka_unit_test(test_tomato),
        cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_return_tolerances),
    };
    return cmocka_run_group_tests_name("proxy", tests, NULL, NULL);
}
