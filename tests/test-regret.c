/* Normalised regret against enumeration of deterministic policies, and the
 * invariances it must have. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

/* Brute force: returns of all deterministic policies for Rt and Rp. */
static double brute_regret(const starc_mdp *m, const double *Rt, const double *Rp)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = calloc(S, sizeof(size_t));
    double *pi = malloc(S * A * sizeof(double));
    double jmax = -INFINITY, jmin = INFINITY, pbest = -INFINITY, jt_at_pbest = 0;
    for (;;) {
        double jt, jp;
        starc_policy_from_actions(m, act, pi);
        starc_policy_return(m, pi, Rt, &jt, NULL, NULL);
        starc_policy_return(m, pi, Rp, &jp, NULL, NULL);
        jmax = fmax(jmax, jt);
        jmin = fmin(jmin, jt);
        if (jp > pbest)
            pbest = jp, jt_at_pbest = jt;
        size_t k = 0;
        while (k < S && ++act[k] == A)
            act[k++] = 0;
        if (k == S)
            break;
    }
    free(act), free(pi);
    return (jmax - jt_at_pbest) / (jmax - jmin);
}

static void test_bruteforce(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(99);
    for (int trial = 0; trial < 40; trial++) {
        size_t S = 2 + gsl_rng_uniform_int(r, 4), A = 2 + gsl_rng_uniform_int(r, 2), n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.3 + 0.6 * gsl_rng_uniform(r), 0);
        double *Rt = malloc(n * sizeof(double)), *Rp = malloc(n * sizeof(double));
        testutil_gaussian(r, Rt, n);
        testutil_gaussian(r, Rp, n);
        for (size_t i = 0; i < n; i++) /* correlated proxies make regret values spread out */
            Rp[i] = Rt[i] + (trial % 4) * 0.5 * Rp[i];
        starc_regret_result res;
        assert_ok(starc_regret(m, Rt, Rp, NULL, &res, NULL, NULL));
        assert_close(res.regret, brute_regret(m, Rt, Rp), 1e-9, 1e-9);
        assert_true(res.regret >= 0 && res.regret <= 1);
        assert_true(res.true_worst_return <= res.proxy_policy_return + 1e-12);
        assert_true(res.proxy_policy_return <= res.true_optimal_return + 1e-12);
        double sym;
        assert_ok(starc_regret_symmetric(m, Rt, Rp, NULL, &sym, NULL, NULL));
        assert_close(sym, 0.5 * (brute_regret(m, Rt, Rp) + brute_regret(m, Rp, Rt)), 1e-9, 1e-9);
        free(Rt), free(Rp);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

static void test_invariances(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1234);
    size_t S = 6, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *R = malloc(n * sizeof(double)), *P = malloc(n * sizeof(double)), phi[6];
    testutil_gaussian(r, R, n);
    testutil_gaussian(r, phi, S);
    /* potential shaping and positive scaling: regret 0 both ways */
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++)
                P[(s * A + a) * S + t] = 3.5 * R[(s * A + a) * S + t] + 0.9 * phi[t] - phi[s];
    starc_regret_result res;
    assert_ok(starc_regret(m, R, P, NULL, &res, NULL, NULL));
    assert_close(res.regret, 0.0, 0, 1e-12);
    /* R against -R: the proxy-optimal policy is the worst policy */
    for (size_t i = 0; i < n; i++)
        P[i] = -R[i];
    assert_ok(starc_regret(m, R, P, NULL, &res, NULL, NULL));
    assert_close(res.regret, 1.0, 0, 1e-12);
    /* a trivial true reward (pure shaping) has regret 0 by definition */
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++)
                P[(s * A + a) * S + t] = 0.9 * phi[t] - phi[s];
    assert_ok(starc_regret(m, P, R, NULL, &res, NULL, NULL));
    assert_close(res.regret, 0.0, 0, 0);
    free(R), free(P);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Scale invariance (docs/theory.md, Numerics): the regret is unchanged to
 * 1e-12 when either reward (or both) is multiplied by c in 1e-300 .. 1e300,
 * the true returns scale by c, and a trivial true reward stays trivial. */
static void test_scale_invariance(void **state)
{
    (void)state;
    static const double scales[] = {1e-300, 1e-150, 1.0, 1e150, 1e300};
    gsl_rng *r = testutil_rng(777);
    for (int trial = 0; trial < 10; trial++) {
        size_t S = 2 + gsl_rng_uniform_int(r, 5), A = 2 + gsl_rng_uniform_int(r, 2), n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.5 + 0.49 * gsl_rng_uniform(r), 0);
        double *Rt = malloc(n * sizeof(double)), *Rp = malloc(n * sizeof(double));
        double *Xt = malloc(n * sizeof(double)), *Xp = malloc(n * sizeof(double)), phi[6];
        testutil_gaussian(r, Rt, n);
        testutil_gaussian(r, Rp, n);
        for (size_t i = 0; i < n; i++)
            Rp[i] = Rt[i] + (trial % 3) * 0.7 * Rp[i];
        starc_regret_result ref, res;
        assert_ok(starc_regret(m, Rt, Rp, NULL, &ref, NULL, NULL));
        assert_true(ref.true_optimal_return > ref.true_worst_return);
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++)
            for (int which = 0; which < 3; which++) {
                const double ct = which != 1 ? scales[k] : 1.0, cp = which != 0 ? scales[k] : 1.0;
                for (size_t i = 0; i < n; i++)
                    Xt[i] = ct * Rt[i], Xp[i] = cp * Rp[i];
                assert_ok(starc_regret(m, Xt, Xp, NULL, &res, NULL, NULL));
                assert_close(res.regret, ref.regret, 1e-12, 0);
                assert_close(res.true_optimal_return, ct * ref.true_optimal_return, 1e-12, 0);
                assert_close(res.true_worst_return, ct * ref.true_worst_return, 1e-12, 0);
                assert_close(res.proxy_policy_return, ct * ref.proxy_policy_return, 1e-12, 0);
            }
        /* a trivial true reward (shaping) stays trivial at every scale */
        testutil_gaussian(r, phi, S);
        const double g = starc_mdp_gamma(m);
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
            for (size_t s = 0; s < S; s++)
                for (size_t a = 0; a < A; a++)
                    for (size_t t = 0; t < S; t++)
                        Xt[(s * A + a) * S + t] = scales[k] * (g * phi[t] - phi[s]);
            assert_ok(starc_regret(m, Xt, Rp, NULL, &res, NULL, NULL));
            assert_close(res.regret, 0.0, 0, 0);
        }
        free(Rt), free(Rp), free(Xt), free(Xp);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bruteforce),
        cmocka_unit_test(test_invariances),
        cmocka_unit_test(test_scale_invariance),
    };
    return cmocka_run_group_tests_name("regret", tests, NULL, NULL);
}
