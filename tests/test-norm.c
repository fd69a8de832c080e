/* The normalisations (norm.c) against slow references on seeded random small
 * MDPs (tests/testref.h): the vector norms as plain sums over the S*A*S
 * entries, `range` as the spread of the returns of every deterministic policy
 * (enumerated), and the invariances the theory
 * promises: n(c x) = c n(x) for c > 0, `range` unchanged by potential shaping. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "testref.h"

static void test_norms_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(61);
    for (int trial = 0; trial < 12; trial++) {
        const size_t S = 2 + trial % 3, A = 2 + trial % 2, n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        testutil_gaussian(r, x, n);
        const double c = exp(gsl_ran_gaussian(r, 3.0)); /* scales from about 1e-4 to 1e4 */
        for (size_t i = 0; i < n; i++)
            y[i] = c * x[i];
        for (int k = 0; k < STARC_NORM_KIND_COUNT; k++) {
            double v, vc;
            assert_ok(starc_norm_value(m, (starc_norm_kind)k, x, NULL, &v, NULL));
            assert_ok(starc_norm_value(m, (starc_norm_kind)k, y, NULL, &vc, NULL));
            if (k == STARC_NORM_NONE) {
                assert_true(v == 1.0 && vc == 1.0);
                continue;
            }
            assert_close(v, ref_norm(m, k, x), 1e-10, 0.0);
            assert_close(vc, c * v, 1e-12, 0.0); /* positive homogeneity */
        }
        starc_mdp_free(m);
        free(x), free(y);
    }
    gsl_rng_free(r);
}

/* range is unchanged by potential shaping x + gamma Phi(s') - Phi(s) (docs/theory.md §2). */
static void test_range_shaping(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(62);
    const size_t S = 4, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.8, 0);
    double x[48], y[48], phi[4];
    testutil_gaussian(r, x, n);
    testutil_gaussian(r, phi, S);
    const double g = starc_mdp_gamma(m);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t u = 0; u < S; u++)
                y[(s * A + a) * S + u] = x[(s * A + a) * S + u] + g * phi[u] - phi[s];
    double vx, vy;
    assert_ok(starc_norm_value(m, STARC_NORM_RANGE, x, NULL, &vx, NULL));
    assert_ok(starc_norm_value(m, STARC_NORM_RANGE, y, NULL, &vy, NULL));
    assert_close(vy, vx, 1e-10, 0.0);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* A potential-shaping reward gamma Phi(s') - Phi(s) ties every action in every
 * state (Q(s,a) = -Phi(s)); with Phi = 0 in some states their Q are 0 up to the
 * solve's round-off (about eps max|Phi|), far above tie_tol times their own
 * size.  The tie rule's floor (docs/theory.md §1) must call those ties: policy
 * iteration then returns the lowest action everywhere, and `range` is 0 up to
 * round-off.  A floor scaled by tie_tol let such states switch on round-off
 * (and cycle: STARC_ENOCONV in tests/bench/trivial-roundoff). */
static void test_ties_at_vanishing_values(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(63);
    const size_t S = 16, A = 3, n = S * A * S;
    double *x = malloc(n * sizeof(double)), phi[16], V[16];
    size_t act[16];
    for (int trial = 0; trial < 200; trial++) {
        const double gamma = trial % 2 ? 0.9 : 0.5;
        starc_mdp *m = testutil_random_mdp(r, S, A, gamma, trial % 4 == 3);
        testutil_gaussian(r, phi, S);
        for (size_t s = 0; s < S; s += 2)
            phi[s] = 0.0;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                for (size_t u = 0; u < S; u++)
                    x[(s * A + a) * S + u] = gamma * phi[u] - phi[s];
        assert_ok(starc_policy_optimal(m, x, NULL, act, V, NULL, NULL, NULL));
        for (size_t s = 0; s < S; s++)
            assert_int_equal(act[s], 0);
        double v;
        assert_ok(starc_norm_value(m, STARC_NORM_RANGE, x, NULL, &v, NULL));
        assert_true(v <= 1e-12 * maxabs(x, n) / (1.0 - gamma));
        starc_mdp_free(m);
    }
    free(x);
    gsl_rng_free(r);
}

static void test_norm_names_and_errors(void **state)
{
    (void)state;
    starc_norm_kind k;
    for (int i = 0; i < STARC_NORM_KIND_COUNT; i++) {
        assert_ok(starc_norm_kind_parse(starc_norm_kind_name((starc_norm_kind)i), &k, NULL));
        assert_int_equal(k, i);
    }
    assert_null(starc_norm_kind_name((starc_norm_kind)STARC_NORM_KIND_COUNT));
    starc_error err;
    assert_int_equal(starc_norm_kind_parse("l3", &k, &err), STARC_EINVAL);
    gsl_rng *r = testutil_rng(63);
    starc_mdp *m = testutil_random_mdp(r, 2, 2, 0.5, 0);
    double x[8] = {0}, v;
    assert_int_equal(starc_norm_value(m, (starc_norm_kind)STARC_NORM_KIND_COUNT, x, NULL, &v, &err), STARC_EINVAL);
    assert_int_equal(starc_norm_value(m, STARC_NORM_L1, NULL, NULL, &v, &err), STARC_EINVAL);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norms_reference),
        cmocka_unit_test(test_range_shaping),
        cmocka_unit_test(test_ties_at_vanishing_values),
        cmocka_unit_test(test_norm_names_and_errors),
    };
    return cmocka_run_group_tests_name("norm", tests, NULL, NULL);
}
