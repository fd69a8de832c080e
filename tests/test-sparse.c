/* The sparse policy engine (libstarc/sparse.c) against the dense one on the
 * same MDPs: values, action values, occupancies, optimal and worst policies,
 * returns and regret agree to 1e-10 relative to each quantity's own scale, on
 * random sparse MDPs with deterministic rows, an absorbing state and
 * unreachable states, gamma from 0 to 0.999. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <config.h>
#include <float.h>
#include "testutil.h"
#include "sparse-util.h"

#define RTOL 1e-10

/* x and y agree to RTOL relative to max |y|. */
static void assert_agree(const double *x, const double *y, size_t n)
{
    const double tol = RTOL * sparse_util_max_abs(y, n);
    assert_all_close(x, y, n, 0.0, tol);
}

/* The dense engine against eng (sparse LU or iterative). */
static void compare_engines(gsl_rng *r, size_t S, size_t A, double gamma, int zeros, starc_policy_engine eng)
{
    starc_mdp *d = sparse_util_structured_mdp(r, S, A, gamma), *m = sparse_twin(d, zeros);
    const size_t SA = S * A;
    double *Rbar = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double)), *pi = malloc(SA * sizeof(double));
    double *V1 = malloc(S * sizeof(double)), *V2 = malloc(S * sizeof(double));
    double *Q1 = malloc(SA * sizeof(double)), *Q2 = malloc(SA * sizeof(double));
    double *d1 = malloc(S * sizeof(double)), *d2 = malloc(S * sizeof(double));
    double *mu1 = malloc(SA * sizeof(double)), *mu2 = malloc(SA * sizeof(double));
    size_t *a1 = malloc(S * sizeof(size_t)), *a2 = malloc(S * sizeof(size_t));
    testutil_gaussian(r, Rbar, SA);
    testutil_gaussian(r, Rp, SA);
    testutil_random_policy(r, S, A, pi);
    starc_policy_options dense, sparse;
    starc_policy_options_default(&dense);
    starc_policy_options_default(&sparse);
    dense.engine = STARC_POLICY_ENGINE_DENSE;
    sparse.engine = eng;

    /* evaluation and occupancy: the dense MDP on the dense engine, its sparse twin forced sparse */
    assert_ok(starc_policy_solve(d, pi, Rbar, &dense, V1, Q1, d1, mu1, NULL));
    assert_ok(starc_policy_solve(m, pi, Rbar, &sparse, V2, Q2, d2, mu2, NULL));
    assert_agree(V2, V1, S);
    assert_agree(Q2, Q1, SA);
    assert_agree(d2, d1, S);
    assert_agree(mu2, mu1, SA);
    /* the dense MDP forced onto the sparse engine, and the twin forced dense */
    assert_ok(starc_policy_solve(d, pi, Rbar, &sparse, V2, Q2, d2, NULL, NULL));
    assert_agree(V2, V1, S);
    assert_agree(d2, d1, S);
    assert_ok(starc_policy_solve(m, pi, Rbar, &dense, V2, NULL, NULL, mu2, NULL));
    assert_agree(V2, V1, S);
    assert_agree(mu2, mu1, SA);
    /* the unreachable states have zero occupancy */
    if (S >= 6)
        for (size_t s = S - 2; s < S; s++)
            assert_true(d1[s] == 0.0 && d2[s] >= 0.0 && d2[s] <= RTOL);

    /* optimal and worst policies: identical actions, values agree */
    size_t it1, it2;
    assert_ok(starc_policy_optimal_rbar(d, Rbar, &dense, a1, V1, &it1, NULL, NULL));
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &sparse, a2, V2, &it2, NULL, NULL));
    assert_memory_equal(a1, a2, S * sizeof(size_t));
    assert_agree(V2, V1, S);
    for (size_t i = 0; i < SA; i++)
        Rp[i] = -Rbar[i];
    assert_ok(starc_policy_optimal_rbar(d, Rp, &dense, a1, V1, NULL, NULL, NULL));
    assert_ok(starc_policy_optimal_rbar(m, Rp, &sparse, a2, V2, NULL, NULL, NULL));
    assert_memory_equal(a1, a2, S * sizeof(size_t));
    starc_policy_range_result g1, g2;
    assert_ok(starc_policy_range_rbar(d, Rbar, &dense, &g1, NULL, NULL));
    assert_ok(starc_policy_range_rbar(m, Rbar, &sparse, &g2, NULL, NULL));
    const double jscale = fmax(fabs(g1.optimal_return), fabs(g1.worst_return));
    assert_close(g2.optimal_return, g1.optimal_return, 0.0, RTOL * jscale);
    assert_close(g2.worst_return, g1.worst_return, 0.0, RTOL * jscale);

    /* regret of a proxy */
    testutil_gaussian(r, Rp, SA);
    starc_regret_options ro1, ro2;
    starc_regret_options_default(&ro1);
    starc_regret_options_default(&ro2);
    ro1.policy_options.engine = STARC_POLICY_ENGINE_DENSE;
    ro2.policy_options.engine = eng;
    starc_regret_result r1, r2;
    assert_ok(starc_regret_rbar(d, Rbar, Rp, &ro1, &r1, NULL, NULL));
    assert_ok(starc_regret_rbar(m, Rbar, Rp, &ro2, &r2, NULL, NULL));
    assert_close(r2.regret, r1.regret, 0.0, RTOL);
    assert_close(r2.proxy_policy_return, r1.proxy_policy_return, 0.0, RTOL * jscale);

    /* value iteration on the sparse engine: the dense path's sweeps and greedy actions */
    if (gamma <= 0.9) {
        size_t s1, s2;
        assert_ok(starc_policy_value_iteration_rbar(d, Rbar, &dense, V1, a1, &s1, NULL));
        assert_ok(starc_policy_value_iteration_rbar(m, Rbar, &sparse, V2, a2, &s2, NULL));
        assert_int_equal(s1, s2);
        assert_agree(V2, V1, S);
    }
    free(Rbar), free(Rp), free(pi), free(V1), free(V2), free(Q1), free(Q2), free(d1), free(d2), free(mu1), free(mu2);
    free(a1), free(a2);
    starc_mdp_free(d);
    starc_mdp_free(m);
}

static void test_engines_agree(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(2024);
    static const size_t sizes[] = {1, 2, 5, 17, 64, 200, 512};
    static const double gammas[] = {0.0, 0.5, 0.9, 0.99, 0.999};
    const size_t nsz = testutil_slow() ? 7 : 6;
    static const starc_policy_engine engines[] = {STARC_POLICY_ENGINE_SPARSE, STARC_POLICY_ENGINE_ITERATIVE};
    for (size_t e = 0; e < 2; e++) {
        for (size_t i = 0; i < nsz; i++)
            for (size_t j = 0; j < sizeof gammas / sizeof gammas[0]; j++)
                compare_engines(r, sizes[i], 1 + (i + j) % 4, gammas[j], (int)((i + j) % 2), engines[e]);
        if (!testutil_slow())
            compare_engines(r, 512, 3, 0.99, 1, engines[e]);
    }
    gsl_rng_free(r);
}

/* gamma near 1, where ||V|| / ||r_pi|| is large: the residual b - M x
 * computed in double carries rounding of u || |M| |x| ||, above the rule's
 * tol ||b|| (S = 17, A = 4, gamma = 0.999 of test_engines_agree: the worst
 * policy's evaluation ended with STARC_ENOCONV at 1.18e-13 of |b| after 10^5
 * products while its accurate residual was 7e-14).  The iterative engine
 * must finish every solve here with the LU's optimal and worst actions, and
 * its values and occupancies within the documented bound
 * max(tol ||b||, 2u || |M| |x| ||) / (1 - gamma) of the LU's. */
static void test_roundoff_floor(void **state)
{
    (void)state;
    static const double gammas[] = {0.999, 0.9999};
    static const size_t sizes[] = {17, 64};
    for (unsigned seed = 1; seed <= 12; seed++)
        for (size_t i = 0; i < 4; i++) {
            const size_t S = sizes[i % 2], A = 4, SA = S * A;
            const double gamma = gammas[i / 2];
            gsl_rng *r = testutil_rng(seed);
            starc_mdp *d = sparse_util_structured_mdp(r, S, A, gamma), *m = sparse_twin(d, 0);
            double *Rbar = malloc(SA * sizeof(double)), *pi = malloc(SA * sizeof(double));
            double *V1 = malloc(S * sizeof(double)), *V2 = malloc(S * sizeof(double));
            double *d1 = malloc(S * sizeof(double)), *d2 = malloc(S * sizeof(double));
            size_t *a1 = malloc(S * sizeof(size_t)), *a2 = malloc(S * sizeof(size_t));
            testutil_gaussian(r, Rbar, SA);
            testutil_random_policy(r, S, A, pi);
            starc_policy_options lu, it;
            starc_policy_options_default(&lu);
            starc_policy_options_default(&it);
            lu.engine = STARC_POLICY_ENGINE_SPARSE;
            it.engine = STARC_POLICY_ENGINE_ITERATIVE;
            for (int sign = 1; sign >= -1; sign -= 2) {
                for (size_t k = 0; k < SA; k++)
                    Rbar[k] = -Rbar[k];
                assert_ok(starc_policy_optimal_rbar(m, Rbar, &lu, a1, V1, NULL, NULL, NULL));
                assert_ok(starc_policy_optimal_rbar(m, Rbar, &it, a2, V2, NULL, NULL, NULL));
                assert_memory_equal(a1, a2, S * sizeof(size_t));
                /* bound: max(tol, 2u ||M||_inf ||V|| / ||r||) ||r|| / (1 - gamma), ||M||_inf <= 1 + gamma */
                double bn = 0.0;
                for (size_t s = 0; s < S; s++)
                    bn = fmax(bn, fabs(Rbar[s * A + a1[s]]));
                const double vn = sparse_util_max_abs(V1, S), lu_err = S * DBL_EPSILON * vn;
                const double bound = fmax(1e-13 * bn, DBL_EPSILON * (1.0 + gamma) * vn) / (1.0 - gamma);
                assert_all_close(V2, V1, S, 0.0, bound + lu_err);
            }
            assert_ok(starc_policy_solve(m, pi, Rbar, &lu, V1, NULL, d1, NULL, NULL));
            assert_ok(starc_policy_solve(m, pi, Rbar, &it, V2, NULL, d2, NULL, NULL));
            assert_agree(d2, d1, S);
            free(Rbar), free(pi), free(V1), free(V2), free(d1), free(d2), free(a1), free(a2);
            starc_mdp_free(d);
            starc_mdp_free(m);
            gsl_rng_free(r);
        }
}

/* A reward on a sparse MDP gives the same regret whatever its positive scale
 * (the dense path's scale invariance holds on the sparse engine). */
static void test_scale(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(5);
    starc_mdp *d = sparse_util_structured_mdp(r, 300, 3, 0.95), *m = sparse_twin(d, 0);
    double Rt[900], Rp[900], Rs[900];
    testutil_gaussian(r, Rt, 900);
    testutil_gaussian(r, Rp, 900);
    starc_regret_result a, b;
    starc_regret_options ro;
    starc_regret_options_default(&ro);
    for (int e = STARC_POLICY_ENGINE_AUTO; e <= STARC_POLICY_ENGINE_ITERATIVE; e += 3) {
        ro.policy_options.engine = (starc_policy_engine)e;
        assert_ok(starc_regret_rbar(m, Rt, Rp, &ro, &a, NULL, NULL));
        for (size_t i = 0; i < 900; i++)
            Rs[i] = 1e-200 * Rt[i];
        assert_ok(starc_regret_rbar(m, Rs, Rp, &ro, &b, NULL, NULL));
        assert_close(a.regret, b.regret, 1e-12, 0.0);
        for (size_t i = 0; i < 900; i++)
            Rs[i] = 1e200 * Rt[i];
        assert_ok(starc_regret_rbar(m, Rs, Rp, &ro, &b, NULL, NULL));
        assert_close(a.regret, b.regret, 1e-12, 0.0);
    }
    starc_mdp_free(d);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Every public function that still needs the dense T refuses a sparse MDP
 * with STARC_EINVAL and the documented message, without touching the
 * (missing) dense T; the policy functions work on it. */
static void test_refusals(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(8);
    starc_mdp *d = sparse_util_structured_mdp(r, 6, 2, 0.9), *m = sparse_twin(d, 0);
    enum { N = 6 * 2 * 6 };
    double R1[N], R2[N], C[N], pi[12], v = 0.0;
    testutil_gaussian(r, R1, N);
    testutil_gaussian(r, R2, N);
    starc_policy_uniform(m, pi);
    starc_canon *c = NULL;
    starc_distance_plan *pl = NULL;
    starc_overopt *oo = NULL;
    starc_policy_evaluator *ev = NULL;
    starc_generate_rng *gr = testutil_generate_rng(1);
    starc_error err;
    int st[15], k = 0;
    st[k++] = starc_canon_alloc(m, STARC_CANON_VAL, NULL, &c, &err);
    st[k++] = starc_canon_compute(m, STARC_CANON_VAL, NULL, R1, C, &err);
    /* norms, metrics and distances work on sparse MDPs (tests/test-canon-sparse.c); standardize's output is S*A*S */
    st[k++] = starc_distance_plan_alloc(m, NULL, &pl, &err) == STARC_OK
                  ? starc_distance_standardize(pl, R1, C, NULL, NULL, &err) : -1;
    /* proxies and regularisers work on sparse MDPs (tests/test-proxy-sparse.c) */
    st[k++] = starc_proxygen(m, R1, pi, NULL, C, &err);
    st[k++] = starc_overopt_alloc(m, R1, R2, pi, NULL, &oo, &err);
    st[k++] = starc_policy_evaluator_alloc(m, pi, &ev, &err);
    for (int i = 0; i < k; i++) {
        if (st[i] != STARC_EINVAL) {
            print_error("call %d returned %d\n", i, st[i]);
            fail();
        }
    }
    assert_non_null(strstr(err.message, "needs a dense MDP (sparse MDPs: see docs/sparse.md)"));
    starc_distance_plan_free(pl);
    assert_null(c), assert_null(oo), assert_null(ev);
    /* the policy module works on it */
    double V[6], Q[12];
    size_t act[6];
    assert_ok(starc_policy_evaluate_rbar(m, pi, R1, V, Q, NULL, NULL));
    assert_ok(starc_policy_evaluate(m, pi, R1, V, Q, NULL, NULL));
    assert_ok(starc_policy_return(m, pi, R1, &v, NULL, NULL));
    assert_ok(starc_policy_occupancy(m, pi, V, Q, NULL, NULL));
    assert_ok(starc_policy_optimal(m, R1, NULL, act, V, NULL, NULL, NULL));
    assert_ok(starc_policy_worst(m, R1, NULL, act, V, NULL, NULL, NULL));
    starc_regret_result rr;
    assert_ok(starc_regret(m, R1, R2, NULL, &rr, NULL, NULL));
    assert_ok(starc_regret_symmetric(m, R1, R2, NULL, &v, NULL, NULL));
    starc_generate_rng_free(gr);
    starc_mdp_free(d);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

static void test_engine_names(void **state)
{
    (void)state;
    starc_policy_engine e;
    for (int i = 0; i < 4; i++) {
        assert_ok(starc_policy_engine_parse(starc_policy_engine_name((starc_policy_engine)i), &e));
        assert_int_equal(e, i);
    }
    assert_int_equal(starc_policy_engine_parse("umfpack", &e), STARC_EINVAL);
    assert_null(starc_policy_engine_name((starc_policy_engine)7));
}

/* The iterative engine's stopping rule: too few products is STARC_ENOCONV
 * with a message; the documented bound ||x - x*||_inf <= tol ||b||_inf /
 * (1 - gamma) holds against the LU's values at several tolerances. */
static void test_iterative_rule(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    const size_t S = 400, A = 3;
    const double gamma = 0.99;
    starc_mdp *d = sparse_util_structured_mdp(r, S, A, gamma), *m = sparse_twin(d, 0);
    double Rbar[400 * 3], pi[400 * 3], V1[400], V2[400];
    testutil_gaussian(r, Rbar, S * A);
    testutil_random_policy(r, S, A, pi);
    starc_policy_options lu, it;
    starc_policy_options_default(&lu);
    starc_policy_options_default(&it);
    lu.engine = STARC_POLICY_ENGINE_SPARSE;
    it.engine = STARC_POLICY_ENGINE_ITERATIVE;
    assert_ok(starc_policy_solve(m, pi, Rbar, &lu, V1, NULL, NULL, NULL, NULL));
    double bmax = 0.0; /* ||r_pi||_inf */
    for (size_t s = 0; s < S; s++) {
        double rs = 0.0;
        for (size_t a = 0; a < A; a++)
            rs += pi[s * A + a] * Rbar[s * A + a];
        bmax = fmax(bmax, fabs(rs));
    }
    static const double tols[] = {1e-4, 1e-8, 1e-13};
    for (size_t i = 0; i < 3; i++) {
        it.iterative_tol = tols[i];
        assert_ok(starc_policy_solve(m, pi, Rbar, &it, V2, NULL, NULL, NULL, NULL));
        double e = 0.0;
        for (size_t s = 0; s < S; s++)
            e = fmax(e, fabs(V2[s] - V1[s]));
        /* the bound, plus the LU's own round-off (S eps ||V||) */
        assert_true(e <= tols[i] * bmax / (1.0 - gamma) + S * 2.3e-16 * sparse_util_max_abs(V1, S));
    }
    it.iterative_tol = 1e-13;
    it.iterative_max_iter = 2;
    starc_error err;
    assert_int_equal(starc_policy_solve(m, pi, Rbar, &it, V2, NULL, NULL, NULL, &err), STARC_ENOCONV);
    assert_non_null(strstr(err.message, "iterative solve of I - gamma P_pi"));
    it.iterative_tol = 0.0;
    assert_int_equal(starc_policy_solve(m, pi, Rbar, &it, V2, NULL, NULL, NULL, &err), STARC_EINVAL);
    starc_mdp_free(d);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engines_agree),
        cmocka_unit_test(test_roundoff_floor),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_engine_names),
        cmocka_unit_test(test_iterative_rule),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("sparse", tests, NULL, NULL);
}
