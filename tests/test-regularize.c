/* Regularised optima against slow references: plain soft value iteration for
 * AD-KL, brute-force optimisation over softmax-parameterised policies (GSL
 * multimin) for every method, and the identities of docs/theory.md §5. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_errno.h>
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

/* Divergences of a policy computed the slow way from its occupancy. */
typedef struct {
    double Jn_p, chi2, adkl, omkl, skl, tv;
} slow_diag;

static void slow_diagnose(const starc_mdp *m, const double *pi, const double *pb, const double *Rp, slow_diag *o)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *d = malloc(S * sizeof(double)), *mu = malloc(S * A * sizeof(double));
    double *db = malloc(S * sizeof(double)), *mub = malloc(S * A * sizeof(double));
    assert_ok(starc_policy_occupancy(m, pi, d, mu, NULL, NULL));
    assert_ok(starc_policy_occupancy(m, pb, db, mub, NULL, NULL));
    memset(o, 0, sizeof *o);
    /* chi2 as sum (mu - mub)^2 / mub: equal to sum mu^2/mub - 1 (both sum to 1) but free of its
     * cancellation, which would let sqrt(chi2) reward round-off near the base. */
    double c = 0.0;
    for (size_t i = 0; i < S * A; i++) {
        o->Jn_p += mu[i] * Rp[i];
        if (mub[i] > 0)
            c += (mu[i] - mub[i]) * (mu[i] - mub[i]) / mub[i];
        else if (mu[i] > 1e-15)
            c = INFINITY;
        if (mu[i] > 1e-15)
            o->omkl += mu[i] * log(mu[i] / mub[i]);
        if (mu[i] > 1e-15 && pi[i] > 0)
            o->adkl += mu[i] * log(pi[i] / pb[i]);
        o->tv += 0.5 * fabs(mu[i] - mub[i]);
    }
    for (size_t s = 0; s < S; s++)
        if (d[s] > 0)
            o->skl += d[s] * log(d[s] / db[s]);
    o->chi2 = c;
    free(d);
    free(mu);
    free(db);
    free(mub);
}

/* Reference soft value iteration (plain loops, to 1e-13). */
static void ref_soft_values(const starc_mdp *m, const double *pb, const double *Rbar, double beta, double *V)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m);
    double g = starc_mdp_gamma(m), *Vn = calloc(S, sizeof(double));
    memset(V, 0, S * sizeof(double));
    for (int it = 0; it < 200000; it++) {
        double diff = 0;
        for (size_t s = 0; s < S; s++) {
            double q[64], qm = -INFINITY;
            for (size_t a = 0; a < A; a++) {
                q[a] = Rbar[s * A + a];
                for (size_t u = 0; u < S; u++)
                    q[a] += g * T[(s * A + a) * S + u] * V[u];
                if (pb[s * A + a] > 0 && q[a] > qm)
                    qm = q[a];
            }
            double z = 0;
            for (size_t a = 0; a < A; a++)
                if (pb[s * A + a] > 0)
                    z += pb[s * A + a] * exp((q[a] - qm) / beta);
            Vn[s] = qm + beta * log(z);
            diff = fmax(diff, fabs(Vn[s] - V[s]));
        }
        memcpy(V, Vn, S * sizeof(double));
        if (diff < 1e-13)
            break;
    }
    free(Vn);
}

static void test_adkl_identity(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    for (int trial = 0; trial < 6; trial++) {
        size_t S = 3 + trial, A = 2 + trial % 3;
        double g = trial % 2 ? 0.9 : 0.6;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *Rp = expected(m, r), *Rt = expected(m, r), *pb = malloc(S * A * sizeof(double));
        double *pi = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        starc_regularize *rg;
        assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, NULL, &rg, NULL));
        double betas[] = {5.0, 0.7, 0.05};
        for (int k = 0; k < 3; k++) {
            double beta = betas[k];
            starc_regularize_result res;
            assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, beta, pi, &res, NULL));
            assert_int_equal(res.converged, 1);
            ref_soft_values(m, pb, Rp, beta, V);
            double mv = 0;
            for (size_t s = 0; s < S; s++)
                mv += starc_mdp_initial(m)[s] * V[s];
            /* J - beta KL_unnorm = mu0 . V for the soft optimum. */
            assert_close(res.proxy_return - beta * res.ad_kl_unnormalized, mv, 1e-9, 1e-9);
            assert_close(res.objective, (1 - g) * mv, 1e-9, 1e-9);
            /* the policy is the softmax of the reference Q */
            const double *T = starc_mdp_transitions(m);
            for (size_t s = 0; s < S; s++)
                for (size_t a = 0; a < A; a++) {
                    double q = Rp[s * A + a];
                    for (size_t u = 0; u < S; u++)
                        q += g * T[(s * A + a) * S + u] * V[u];
                    assert_close(pi[s * A + a], pb[s * A + a] * exp((q - V[s]) / beta), 1e-7, 1e-12);
                }
            /* diagnostics against slow formulas */
            slow_diag sd;
            slow_diagnose(m, pi, pb, Rp, &sd);
            assert_close(res.proxy_return_normalized, sd.Jn_p, 1e-10, 1e-12);
            assert_close(res.chi2, sd.chi2, 1e-7, 1e-12);
            {
                double lit = -1.0, *mu = malloc(S * A * sizeof(double)), *mub = malloc(S * A * sizeof(double));
                assert_ok(starc_policy_occupancy(m, pi, NULL, mu, NULL, NULL));
                assert_ok(starc_policy_occupancy(m, pb, NULL, mub, NULL, NULL));
                for (size_t i = 0; i < S * A; i++)
                    lit += mu[i] * mu[i] / mub[i];
                assert_close(res.chi2, lit, 1e-7, 1e-12); /* the literal docs/theory.md §5 formula */
                free(mu);
                free(mub);
            }
            assert_close(res.ad_kl, sd.adkl, 1e-8, 1e-12);
            assert_close(res.om_kl, sd.omkl, 1e-8, 1e-12);
            assert_close(res.state_kl, sd.skl, 1e-7, 1e-12);
            assert_close(res.tv, sd.tv, 1e-9, 1e-12);
            /* OM-KL = state KL + AD-KL >= AD-KL */
            assert_close(res.om_kl, res.state_kl + res.ad_kl, 1e-9, 1e-13);
            assert_true(res.om_kl >= res.ad_kl - 1e-13);
            assert_close(res.ad_kl_unnormalized * (1 - g), res.ad_kl, 1e-12, 0);
            /* the value-iteration path agrees with policy iteration */
            starc_regularize_options o;
            starc_regularize_options_default(&o);
            o.adkl_solver = STARC_REGULARIZE_ADKL_VALUE_ITERATION;
            o.tol = 1e-13;
            o.warm_start = 0;
            starc_regularize *rv;
            starc_regularize_result rr;
            assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, &o, &rv, NULL));
            assert_ok(starc_regularize_solve(rv, STARC_REGULARIZE_AD_KL, beta, NULL, &rr, NULL));
            assert_close(rr.objective, res.objective, 1e-9, 1e-10);
            assert_close(rr.ad_kl, res.ad_kl, 1e-6, 1e-10);
            starc_regularize_free(rv);
        }
        starc_regularize_free(rg);
        starc_mdp_free(m);
        free(Rp);
        free(Rt);
        free(pb);
        free(pi);
        free(V);
    }
    gsl_rng_free(r);
}

/* Flow residual of mu: (1-gamma) mu0 + gamma T^T mu - sum_a mu. */
static double flow_residual(const starc_mdp *m, const double *mu)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m), *mu0 = starc_mdp_initial(m);
    double g = starc_mdp_gamma(m), worst = 0;
    for (size_t s = 0; s < S; s++) {
        double x = (1 - g) * mu0[s];
        for (size_t a = 0; a < A; a++)
            x -= mu[s * A + a];
        for (size_t u = 0; u < S; u++)
            for (size_t a = 0; a < A; a++)
                x += g * T[(u * A + a) * S + s] * mu[u * A + a];
        worst = fmax(worst, fabs(x));
    }
    return worst;
}

static void test_occupancy_flow(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(12);
    for (int trial = 0; trial < 4; trial++) {
        size_t S = 6 + 3 * trial, A = 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 1);
        double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        starc_regularize *rg;
        assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
        assert_null(starc_regularize_occupancy(rg));
        for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
            for (double c = 3.0; c > 1e-3; c *= 0.2) {
                starc_regularize_result res;
                assert_ok(starc_regularize_solve(rg, (starc_regularize_method)meth, c, NULL, &res, NULL));
                const double *mu = starc_regularize_occupancy(rg);
                assert_non_null(mu);
                double sum = 0;
                for (size_t i = 0; i < S * A; i++) {
                    assert_true(mu[i] >= 0);
                    sum += mu[i];
                }
                assert_close(sum, 1.0, 0, 1e-12);
                assert_true(flow_residual(m, mu) < 1e-12);
                assert_true(isnan(res.true_return));
                assert_true(res.tv >= 0 && res.tv <= 1 + 1e-12);
                assert_close(res.om_kl, res.state_kl + res.ad_kl, 1e-9, 1e-13);
                if (meth != STARC_REGULARIZE_AD_KL)
                    assert_true(res.residual <= 1e-10);
            }
        starc_regularize_free(rg);
        starc_mdp_free(m);
        free(Rp);
        free(pb);
    }
    gsl_rng_free(r);
}

/* ---- brute force over softmax policies ---------------------------------- */

typedef struct {
    const starc_mdp *m;
    const double *pb, *Rp;
    const unsigned char *allowed; /* NULL: all actions */
    starc_regularize_method method;
    double coef;
    double *pi;
} bf_ctx;

static double bf_objective(const bf_ctx *c, const double *pi)
{
    slow_diag sd;
    slow_diagnose(c->m, pi, c->pb, c->Rp, &sd);
    double D = c->method == STARC_REGULARIZE_AD_KL ? sd.adkl
             : c->method == STARC_REGULARIZE_OM_CHI2 ? sd.chi2
             : c->method == STARC_REGULARIZE_OM_SQRT_CHI2 ? sqrt(fmax(0, sd.chi2))
             : sd.omkl;
    return sd.Jn_p - c->coef * D;
}

static double bf_f(const gsl_vector *x, void *params)
{
    bf_ctx *c = params;
    size_t S = starc_mdp_states(c->m), A = starc_mdp_actions(c->m);
    for (size_t s = 0; s < S; s++) {
        double mx = -INFINITY, z = 0;
        for (size_t a = 0; a < A; a++)
            if (!c->allowed || c->allowed[s * A + a])
                mx = fmax(mx, gsl_vector_get(x, s * A + a));
        for (size_t a = 0; a < A; a++) {
            int ok = !c->allowed || c->allowed[s * A + a];
            c->pi[s * A + a] = ok ? exp(gsl_vector_get(x, s * A + a) - mx) : 0.0;
            z += c->pi[s * A + a];
        }
        for (size_t a = 0; a < A; a++)
            c->pi[s * A + a] /= z;
    }
    return -bf_objective(c, c->pi);
}

/* Best objective found by Nelder-Mead from several starts. */
static double brute_force(bf_ctx *c, gsl_rng *r)
{
    size_t S = starc_mdp_states(c->m), A = starc_mdp_actions(c->m), n = S * A;
    gsl_multimin_function f = {bf_f, n, c};
    double best = -INFINITY;
    for (int start = 0; start < 2; start++) {
        gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
        for (size_t i = 0; i < n; i++) {
            gsl_vector_set(x, i, start == 0 ? log(fmax(c->pb[i], 1e-300)) : 2 * gsl_rng_uniform(r) - 1);
            gsl_vector_set(step, i, 1.0);
        }
        gsl_multimin_fminimizer *mz = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
        gsl_multimin_fminimizer_set(mz, &f, x, step);
        for (int round = 0; round < 2; round++) {
            for (int it = 0; it < 6000; it++) {
                if (gsl_multimin_fminimizer_iterate(mz))
                    break;
                if (gsl_multimin_fminimizer_size(mz) < 1e-11)
                    break;
            }
            /* restart the simplex at the current point to escape collapse */
            gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(mz));
            gsl_multimin_fminimizer_set(mz, &f, x, step);
        }
        best = fmax(best, -gsl_multimin_fminimizer_minimum(mz));
        gsl_multimin_fminimizer_free(mz);
        gsl_vector_free(x);
        gsl_vector_free(step);
    }
    return best;
}

static void check_against_brute_force(const starc_mdp *m, const double *pb, const double *Rp,
                                      const unsigned char *allowed, gsl_rng *r)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *pi = malloc(S * A * sizeof(double)), *work = malloc(S * A * sizeof(double));
    starc_regularize *rg;
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
    double coefs[] = {2.0, 0.3, 0.05};
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
        for (int k = 0; k < 3; k++) {
            starc_regularize_result res;
            assert_ok(starc_regularize_solve(rg, (starc_regularize_method)meth, coefs[k], pi, &res, NULL));
            bf_ctx c = {m, pb, Rp, allowed, (starc_regularize_method)meth, coefs[k], work};
            /* the library's own objective agrees with the slow formula for its policy */
            assert_close(res.objective, bf_objective(&c, pi), 1e-8, 1e-10);
            double bf = brute_force(&c, r);
            /* optimal: nothing the brute force finds is better, and it finds about as much */
            if (!(res.objective >= bf - 1e-9)) {
                print_error("%s coef %g: library %.17g < brute force %.17g\n", starc_regularize_method_name(meth),
                            coefs[k], res.objective, bf);
                fail();
            }
            assert_close(res.objective, bf, 0, 2e-5);
        }
    starc_regularize_free(rg);
    free(pi);
    free(work);
}

static void test_brute_force(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(13);
    for (int trial = 0; trial < 3; trial++) {
        size_t S = 3, A = 2;
        starc_mdp *m = testutil_random_mdp(r, S, A, trial == 2 ? 0.9 : 0.7, 0);
        double *Rp = expected(m, r), pb[6];
        testutil_random_policy(r, S, A, pb);
        check_against_brute_force(m, pb, Rp, NULL, r);
        starc_mdp_free(m);
        free(Rp);
    }
    gsl_rng_free(r);
}

/* A base with zero-probability actions and a state it never reaches. */
static void test_zero_support(void **state)
{
    (void)state;
    /* 4 states, 2 actions.  State 3 is reachable only by action 1 in state 2,
     * which the base never takes. */
    double T[4 * 2 * 4] = {0};
#define TT(s, a, u) T[((s) * 2 + (a)) * 4 + (u)]
    TT(0, 0, 1) = 0.7; TT(0, 0, 0) = 0.3;
    TT(0, 1, 2) = 1.0;
    TT(1, 0, 0) = 0.5; TT(1, 0, 2) = 0.5;
    TT(1, 1, 1) = 1.0;
    TT(2, 0, 0) = 1.0;
    TT(2, 1, 3) = 1.0;
    TT(3, 0, 3) = 1.0;
    TT(3, 1, 0) = 1.0;
#undef TT
    double mu0[4] = {1, 0, 0, 0};
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(4, 2, T, mu0, 0.8, NULL, &m, NULL));
    double pb[8] = {0.5, 0.5, 0.3, 0.7, 1.0, 0.0, 0.5, 0.5};
    double Rp[8] = {0.1, -0.2, 0.4, 0.0, -0.3, 5.0, 9.0, 9.0};
    double Rt[8] = {0.2, -0.1, 0.3, 0.1, -0.2, 1.0, -9.0, -9.0};
    starc_regularize *rg;
    assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, NULL, &rg, NULL));
    const double *mub = starc_regularize_base_occupancy(rg);
    assert_true(mub[5] == 0.0 && mub[6] == 0.0 && mub[7] == 0.0);
    double pi[8];
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
        for (double c = 1.0; c > 1e-3; c *= 0.1) {
            starc_regularize_result res;
            assert_ok(starc_regularize_solve(rg, (starc_regularize_method)meth, c, pi, &res, NULL));
            assert_true(pi[5] == 0.0);         /* never leaves the base's support */
            assert_true(isfinite(res.chi2));
            assert_true(isfinite(res.ad_kl) && isfinite(res.om_kl));
            if (meth != STARC_REGULARIZE_AD_KL)
                assert_close(pi[6], 0.5, 0, 0); /* unvisited state: base row */
        }
    /* A policy that takes the base's zero-probability action: infinite divergences. */
    double leave[8] = {0, 1, 0.5, 0.5, 0, 1, 1, 0};
    starc_regularize_result ev;
    assert_ok(starc_regularize_evaluate(rg, leave, STARC_REGULARIZE_OM_CHI2, 0.1, &ev, NULL));
    assert_true(isinf(ev.chi2) && isinf(ev.ad_kl) && isinf(ev.om_kl));
    assert_true(isinf(ev.objective) && ev.objective < 0);
    assert_true(ev.proxy_return_normalized > 4.0); /* it does reach the rewarding state */
    starc_regularize_free(rg);
    /* Brute force restricted to the base's support. */
    gsl_rng *r = testutil_rng(14);
    unsigned char allowed[8] = {1, 1, 1, 1, 1, 0, 1, 1};
    check_against_brute_force(m, pb, Rp, allowed, r);
    gsl_rng_free(r);
    starc_mdp_free(m);
}

static void test_sqrt_matches_chi2(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(15);
    for (int trial = 0; trial < 4; trial++) {
        size_t S = 5 + 4 * trial, A = 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
        double *p1 = malloc(S * A * sizeof(double)), *p2 = malloc(S * A * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        starc_regularize *rg;
        assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
        int inner_found = 0;
        for (double lam = 2.0; lam > 1e-3; lam *= 0.3) {
            starc_regularize_result rs, rc;
            assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_OM_SQRT_CHI2, lam, p1, &rs, NULL));
            assert_close(rs.divergence, sqrt(rs.chi2), 1e-12, 0);
            if (isinf(rs.inner_coef)) {
                /* the base itself: chi2 = 0 */
                assert_close(rs.chi2, 0, 0, 1e-20);
                continue;
            }
            inner_found = 1;
            assert_close(2 * rs.inner_coef * sqrt(rs.chi2), lam, 1e-7, 0);
            assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_OM_CHI2, rs.inner_coef, p2, &rc, NULL));
            assert_all_close(p1, p2, S * A, 1e-7, 1e-9);
            assert_close(rs.chi2, rc.chi2, 1e-7, 1e-12);
            assert_close(rs.proxy_return, rc.proxy_return, 1e-9, 1e-12);
        }
        assert_true(inner_found);
        starc_regularize_free(rg);
        starc_mdp_free(m);
        free(Rp);
        free(pb);
        free(p1);
        free(p2);
    }
    gsl_rng_free(r);
}

static void test_warm_equals_cold(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(16);
    size_t S = 30, A = 4;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 1);
    double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize_options cold;
    starc_regularize_options_default(&cold);
    cold.warm_start = 0;
    starc_regularize *w, *c;
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &w, NULL));
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, &cold, &c, NULL));
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
        for (double k = 10; k > 1e-3; k *= 0.5) {
            starc_regularize_result a, b;
            assert_ok(starc_regularize_solve(w, (starc_regularize_method)meth, k, NULL, &a, NULL));
            assert_ok(starc_regularize_solve(c, (starc_regularize_method)meth, k, NULL, &b, NULL));
            assert_close(a.objective, b.objective, 1e-10, 1e-12);
            assert_close(a.chi2, b.chi2, 1e-6, 1e-10);
        }
    starc_regularize_reset(w);
    starc_regularize_free(w);
    starc_regularize_free(c);
    starc_mdp_free(m);
    free(Rp);
    free(pb);
    gsl_rng_free(r);
}

/* Monotone pressure path: less penalty, more proxy return and more divergence. */
static void test_monotone_path(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(17);
    size_t S = 20, A = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize *rg;
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
        double prevJ = -INFINITY, prevD = -1;
        for (double k = 20; k > 1e-3; k *= 0.7) {
            starc_regularize_result res;
            assert_ok(starc_regularize_solve(rg, (starc_regularize_method)meth, k, NULL, &res, NULL));
            assert_true(res.proxy_return_normalized >= prevJ - 1e-10);
            assert_true(res.divergence >= prevD - 1e-9);
            prevJ = res.proxy_return_normalized;
            prevD = res.divergence;
        }
        /* tiny penalty: close to the unregularised optimum (within the base's support, here full) */
        size_t act[20];
        double V[20], Jopt = 0;
        assert_ok(starc_policy_optimal_rbar(m, Rp, NULL, act, V, NULL, NULL, NULL));
        for (size_t s = 0; s < S; s++)
            Jopt += starc_mdp_initial(m)[s] * V[s];
        assert_close(prevJ, (1 - 0.9) * Jopt, 0, 2e-3);
        assert_true(prevJ <= (1 - 0.9) * Jopt + 1e-12);
    }
    starc_regularize_free(rg);
    starc_mdp_free(m);
    free(Rp);
    free(pb);
    gsl_rng_free(r);
}

static void test_gamma_near_one(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(18);
    size_t S = 40, A = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.999, 1);
    double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize *rg;
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
    starc_regularize_result res;
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, 0.1, NULL, &res, NULL));
    assert_true(res.iterations <= 20); /* soft policy iteration: a handful of exact evaluations */
    double *V = malloc(S * sizeof(double)), mv = 0;
    ref_soft_values(m, pb, Rp, 0.1, V);
    for (size_t s = 0; s < S; s++)
        mv += starc_mdp_initial(m)[s] * V[s];
    assert_close(res.proxy_return - 0.1 * res.ad_kl_unnormalized, mv, 1e-8, 1e-8);
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_OM_CHI2, 0.1, NULL, &res, NULL));
    assert_true(res.residual <= 1e-10);
    starc_regularize_free(rg);
    starc_mdp_free(m);
    free(Rp);
    free(pb);
    free(V);
    gsl_rng_free(r);
}

static void test_errors(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(19);
    size_t S = 25, A = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.99, 1);
    double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize *rg = NULL;
    starc_error err;
    /* bad base policy */
    pb[0] += 0.5;
    assert_int_equal(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "base policy"));
    assert_null(rg);
    pb[0] -= 0.5;
    starc_regularize_options o;
    starc_regularize_options_default(&o);
    o.tol = -1;
    assert_int_equal(starc_regularize_alloc_rbar(m, NULL, Rp, pb, &o, &rg, &err), STARC_EINVAL);
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, &err));
    starc_regularize_result res;
    assert_int_equal(starc_regularize_solve(rg, STARC_REGULARIZE_OM_CHI2, 0.0, NULL, &res, &err), STARC_EINVAL);
    assert_int_equal(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, NAN, NULL, &res, &err), STARC_EINVAL);
    assert_int_equal(starc_regularize_solve(rg, (starc_regularize_method)9, 1.0, NULL, &res, &err), STARC_EINVAL);
    /* iteration caps are honoured and reported */
    starc_regularize_options_default(&o);
    o.max_iter = 1;
    o.warm_start = 0;
    assert_ok(starc_regularize_set_options(rg, &o, NULL));
    assert_int_equal(starc_regularize_solve(rg, STARC_REGULARIZE_OM_KL, 0.01, NULL, &res, &err), STARC_ENOCONV);
    assert_int_equal(res.converged, 0);
    assert_true(res.residual > o.tol);
    assert_non_null(strstr(err.message, "om-kl"));
    o.max_iter = 1000;
    o.adkl_solver = STARC_REGULARIZE_ADKL_VALUE_ITERATION;
    o.max_sweeps = 10;
    assert_ok(starc_regularize_set_options(rg, &o, NULL));
    assert_int_equal(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, 0.1, NULL, &res, &err), STARC_ENOCONV);
    assert_int_equal(res.converged, 0);
    assert_int_equal(res.iterations, 10);
    /* names */
    starc_regularize_method meth;
    assert_ok(starc_regularize_method_parse("om-sqrt-chi2", &meth, NULL));
    assert_int_equal(meth, STARC_REGULARIZE_OM_SQRT_CHI2);
    assert_string_equal(starc_regularize_method_name(STARC_REGULARIZE_AD_KL), "ad-kl");
    assert_null(starc_regularize_method_name((starc_regularize_method)7));
    assert_int_equal(starc_regularize_method_parse("kl", &meth, &err), STARC_EINVAL);
    starc_regularize_adkl_solver sv;
    for (int i = 0; i < STARC_REGULARIZE_ADKL_SOLVER_COUNT; i++) {
        assert_ok(starc_regularize_adkl_solver_parse(
            starc_regularize_adkl_solver_name((starc_regularize_adkl_solver)i), &sv, NULL));
        assert_int_equal(sv, i);
    }
    assert_string_equal(starc_regularize_adkl_solver_name(STARC_REGULARIZE_ADKL_VALUE_ITERATION), "vi");
    assert_null(starc_regularize_adkl_solver_name((starc_regularize_adkl_solver)STARC_REGULARIZE_ADKL_SOLVER_COUNT));
    assert_int_equal(starc_regularize_adkl_solver_parse("newton", &sv, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "pi, vi"));
    starc_regularize_free(rg);
    starc_regularize_free(NULL);
    starc_mdp_free(m);
    free(Rp);
    free(pb);
    gsl_rng_free(r);
}

/* Robustness: many random MDPs (gamma up to 0.99, bases with zero entries), every method over six
 * decades of coefficients, warm-started as in a sweep; every solve converges, Newton in few steps. */
static void test_stress_convergence(void **state)
{
    (void)state;
    if (!testutil_slow())
        skip(); /* 60 random MDPs x 4 methods x 14 coefficients: the slow tier (make check-slow) */
    gsl_rng *r = testutil_rng(20);
    size_t worst[STARC_REGULARIZE_METHOD_COUNT] = {0};
    for (int trial = 0; trial < 60; trial++) {
        size_t S = 2 + gsl_rng_uniform_int(r, 30), A = 2 + gsl_rng_uniform_int(r, 4);
        double g = trial % 3 == 0 ? 0.99 : trial % 3 == 1 ? 0.9 : 0.5;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *Rp = expected(m, r), *pb = malloc(S * A * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        if (trial % 4 == 0)
            for (size_t i = 0; i < S * A; i += A)
                if (gsl_rng_uniform(r) < 0.5) {
                    pb[i + 1] += pb[i];
                    pb[i] = 0.0;
                }
        starc_regularize *rg;
        assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &rg, NULL));
        for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
            for (double c = 30; c > 1e-4; c *= 0.37) {
                starc_regularize_result res;
                starc_error err;
                int st = starc_regularize_solve(rg, (starc_regularize_method)meth, c, NULL, &res, &err);
                if (st != STARC_OK) {
                    print_error("trial %d S %zu A %zu gamma %g %s coef %g: %s\n", trial, S, A, g,
                                starc_regularize_method_name((starc_regularize_method)meth), c, err.message);
                    fail();
                }
                if (res.iterations > worst[meth])
                    worst[meth] = res.iterations;
            }
        starc_regularize_free(rg);
        starc_mdp_free(m);
        free(Rp);
        free(pb);
    }
    /* soft policy iteration and Newton take a handful of steps; the sqrt search sums its solves */
    assert_true(worst[STARC_REGULARIZE_AD_KL] <= 15);
    assert_true(worst[STARC_REGULARIZE_OM_CHI2] <= 30);
    assert_true(worst[STARC_REGULARIZE_OM_KL] <= 60);
    assert_true(worst[STARC_REGULARIZE_OM_SQRT_CHI2] <= 200);
    gsl_rng_free(r);
}

/* Scale invariance (docs/theory.md, Numerics): with the proxy (and true)
 * reward multiplied by c in 1e-300 .. 1e300 and the coefficient by c, every
 * method's optimum is the same policy, its divergences are unchanged and its
 * returns scale by c, to 1e-12 (the solvers' tolerances are relative). */
static void test_scale_invariance(void **state)
{
    (void)state;
    static const double scales[] = {1e-300, 1e-150, 1.0, 1e150, 1e300};
    gsl_rng *r = testutil_rng(515);
    size_t S = 5, A = 3, n = S * A;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *Rp = expected(m, r), *Rt = expected(m, r), *pb = malloc(n * sizeof(double));
    double *Xp = malloc(n * sizeof(double)), *Xt = malloc(n * sizeof(double));
    double *pi0 = malloc(n * sizeof(double)), *pi = malloc(n * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize_options o;
    starc_regularize_options_default(&o);
    o.warm_start = 0;
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
        for (double k = 2.0; k > 1e-2; k *= 0.2) {
            starc_regularize *g;
            starc_regularize_result a, b;
            assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, &o, &g, NULL));
            assert_ok(starc_regularize_solve(g, (starc_regularize_method)meth, k, pi0, &a, NULL));
            starc_regularize_free(g);
            for (size_t j = 0; j < sizeof scales / sizeof scales[0]; j++) {
                const double c = scales[j];
                for (size_t i = 0; i < n; i++)
                    Xp[i] = c * Rp[i], Xt[i] = c * Rt[i];
                assert_ok(starc_regularize_alloc_rbar(m, Xt, Xp, pb, &o, &g, NULL));
                starc_error e2;
                const int st = starc_regularize_solve(g, (starc_regularize_method)meth, c * k, pi, &b, &e2);
                if (st)
                    print_error("%s at scale %g: %s\n", starc_regularize_method_name((starc_regularize_method)meth),
                                c, e2.message);
                assert_ok(st);
                assert_true(b.converged);
                /* probabilities: their scale is 1 */
                assert_all_close(pi, pi0, n, 0, 1e-12);
                assert_close(b.chi2, a.chi2, 1e-12, 0);
                assert_close(b.om_kl, a.om_kl, 1e-12, 0);
                assert_close(b.ad_kl, a.ad_kl, 1e-12, 0);
                assert_close(b.divergence, a.divergence, 1e-12, 0);
                if (isinf(a.inner_coef)) /* om-sqrt-chi2: the base is optimal */
                    assert_true(b.inner_coef == a.inner_coef);
                else
                    assert_close(b.inner_coef, c * a.inner_coef, 1e-12, 0);
                assert_close(b.proxy_return, c * a.proxy_return, 1e-12, 0);
                assert_close(b.true_return, c * a.true_return, 1e-12, 0);
                assert_close(b.proxy_return_normalized, c * a.proxy_return_normalized, 1e-12, 0);
                assert_close(b.objective, c * a.objective, 1e-12, 0);
                double jb[2], jb0[2];
                starc_regularize_base_returns(g, &jb[0], &jb[1]);
                starc_regularize *g0;
                assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, pb, &o, &g0, NULL));
                starc_regularize_base_returns(g0, &jb0[0], &jb0[1]);
                starc_regularize_free(g0);
                assert_close(jb[0], c * jb0[0], 1e-12, 0);
                assert_close(jb[1], c * jb0[1], 1e-12, 0);
                starc_regularize_free(g);
            }
        }
    free(Rp), free(Rt), free(pb), free(Xp), free(Xt), free(pi0), free(pi);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* A coefficient far below the reward's scale is not reported as converged:
 * OM methods fail with STARC_ENOCONV naming the coefficient (it converged
 * with a flow residual of 1e284 before); AD-KL, exact there, converges. */
static void test_tiny_coefficient(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(516);
    size_t S = 5, A = 3, n = S * A;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *Rp = expected(m, r), *pb = malloc(n * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_regularize *g;
    assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &g, NULL));
    for (int meth = 1; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
        starc_regularize_result res;
        starc_error err;
        int st = starc_regularize_solve(g, (starc_regularize_method)meth, 1e-300, NULL, &res, &err);
        if (st == STARC_OK) {
            assert_true(res.converged);
            assert_true(res.residual <= 1e-6);
        } else {
            assert_int_equal(st, STARC_ENOCONV);
            assert_false(res.converged);
            assert_true(res.residual > 1e-6 || strstr(err.message, "overflows"));
        }
    }
    starc_regularize_free(g);
    free(Rp), free(pb);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Coefficients beyond a double's range relative to the proxy's scale: above
 * it (coef / max |Rbar_p| > 2^1023) the optimum is the base policy to double
 * precision, returned as such for every method; below it (< 2^-1074) AD-KL
 * is the hard maximum on the base's support (as at the smallest positive
 * coefficient) and the OM methods fail as too small, naming the coefficient. */
static void test_coefficient_out_of_range(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(517);
    size_t S = 5, A = 3, n = S * A;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *Rp = expected(m, r), *pb = malloc(n * sizeof(double)), *pi = malloc(n * sizeof(double));
    double *pih = malloc(n * sizeof(double)), *X = malloc(n * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
        starc_regularize *g;
        starc_regularize_result res;
        starc_error err;
        for (size_t i = 0; i < n; i++)
            X[i] = 1e-300 * Rp[i];
        assert_ok(starc_regularize_alloc_rbar(m, NULL, X, pb, NULL, &g, NULL));
        assert_ok(starc_regularize_solve(g, (starc_regularize_method)meth, 1e300, pi, &res, NULL));
        assert_true(res.converged);
        assert_all_close(pi, pb, n, 0, 0);
        assert_close(res.divergence, 0.0, 0, 1e-12);
        starc_regularize_free(g);
        for (size_t i = 0; i < n; i++)
            X[i] = 1e300 * Rp[i];
        assert_ok(starc_regularize_alloc_rbar(m, NULL, X, pb, NULL, &g, NULL));
        int st = starc_regularize_solve(g, (starc_regularize_method)meth, 1e-300, pi, &res, &err);
        if (meth == STARC_REGULARIZE_AD_KL) {
            assert_ok(st);
            /* the hard maximum: the same policy as at coefficient 1e-300 on rewards of scale 1 */
            starc_regularize *h;
            starc_regularize_result rh;
            assert_ok(starc_regularize_alloc_rbar(m, NULL, Rp, pb, NULL, &h, NULL));
            assert_ok(starc_regularize_solve(h, STARC_REGULARIZE_AD_KL, 1e-300, pih, &rh, NULL));
            assert_all_close(pi, pih, n, 0, 1e-12);
            starc_regularize_free(h);
        } else {
            assert_int_equal(st, STARC_ENOCONV);
            assert_non_null(strstr(err.message, "1e-300"));
        }
        starc_regularize_free(g);
    }
    free(Rp), free(pb), free(pi), free(pih), free(X);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adkl_identity),
        cmocka_unit_test(test_occupancy_flow),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_zero_support),
        cmocka_unit_test(test_sqrt_matches_chi2),
        cmocka_unit_test(test_warm_equals_cold),
        cmocka_unit_test(test_monotone_path),
        cmocka_unit_test(test_gamma_near_one),
        cmocka_unit_test(test_stress_convergence),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_tiny_coefficient),
        cmocka_unit_test(test_coefficient_out_of_range),
    };
    return cmocka_run_group_tests_name("regularize", tests, NULL, NULL);
}
