/* The metrics (metric.c) against slow references on seeded random small
 * MDPs (tests/testref.h): the six vector metrics as the norms of x - y, the
 * Pearson distance in two passes under the uniform and a random coverage,
 * every norm and metric on one MDP with the kinds' names (moved from
 * test-distance.c); and the invariances:
 * m(c x, c y) = c m(x, y) for c > 0, Pearson unchanged by x -> a x + b (a > 0)
 * and symmetric, pearson(x, x) = 0 and pearson(x, -x) = 1. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "testref.h"

static void test_norm_metric_values(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(28);
    size_t S = 3, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.8, 1);
    double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)), v;
    testutil_gaussian(r, x, n);
    testutil_gaussian(r, y, n);
    for (int k = 0; k < STARC_NORM_KIND_COUNT; k++) {
        starc_norm_kind kk;
        assert_ok(starc_norm_kind_parse(starc_norm_kind_name((starc_norm_kind)k), &kk, NULL));
        assert_int_equal(kk, k);
        assert_ok(starc_norm_value(m, (starc_norm_kind)k, x, NULL, &v, NULL));
        assert_close(v, ref_norm(m, k, x), 1e-12, 0);
    }
    for (int k = 0; k < STARC_METRIC_KIND_COUNT; k++) {
        starc_metric_kind kk;
        assert_ok(starc_metric_kind_parse(starc_metric_kind_name((starc_metric_kind)k), &kk, NULL));
        assert_int_equal(kk, k);
        assert_ok(starc_metric_value(m, (starc_metric_kind)k, x, y, NULL, &v, NULL));
        assert_close(v, ref_metric(m, k, x, y, NULL, 1e-9), 1e-12, 0);
    }
    starc_norm_kind nk;
    starc_metric_kind mk;
    starc_error err;
    assert_int_equal(starc_norm_kind_parse("l3", &nk, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "'l3'"));
    assert_int_equal(starc_metric_kind_parse("range", &mk, &err), STARC_EINVAL);
    assert_null(starc_norm_kind_name((starc_norm_kind)STARC_NORM_KIND_COUNT));
    assert_null(starc_metric_kind_name((starc_metric_kind)STARC_METRIC_KIND_COUNT));
    free(x);
    free(y);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

static void test_metrics_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(71);
    for (int trial = 0; trial < 12; trial++) {
        const size_t S = 2 + trial % 4, A = 2 + trial % 3, n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        double *cx = malloc(n * sizeof(double)), *cy = malloc(n * sizeof(double));
        testutil_gaussian(r, x, n);
        testutil_gaussian(r, y, n);
        const double c = exp(gsl_ran_gaussian(r, 3.0));
        for (size_t i = 0; i < n; i++)
            cx[i] = c * x[i], cy[i] = c * y[i];
        for (int k = 0; k < STARC_METRIC_PEARSON; k++) {
            double v, vc;
            assert_ok(starc_metric_value(m, (starc_metric_kind)k, x, y, NULL, &v, NULL));
            assert_ok(starc_metric_value(m, (starc_metric_kind)k, cx, cy, NULL, &vc, NULL));
            assert_close(v, ref_metric(m, k, x, y, NULL, 0.0), 1e-12, 0.0);
            assert_close(vc, c * v, 1e-12, 0.0);
        }
        starc_mdp_free(m);
        free(x), free(y), free(cx), free(cy);
    }
    gsl_rng_free(r);
}

static void test_pearson_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(72);
    for (int trial = 0; trial < 12; trial++) {
        const size_t S = 2 + trial % 3, A = 2 + trial % 2, n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)), *z = malloc(n * sizeof(double));
        double *D = malloc(n * sizeof(double)), sum = 0.0;
        testutil_gaussian(r, x, n);
        testutil_gaussian(r, y, n);
        for (size_t i = 0; i < n; i++)
            y[i] += 0.5 * x[i]; /* correlated, so rho is away from 0 */
        for (size_t i = 0; i < n; i++)
            sum += (D[i] = gsl_rng_uniform_pos(r));
        for (size_t i = 0; i < n; i++)
            D[i] /= sum;
        const double a = exp(gsl_ran_gaussian(r, 3.0)), b = 10.0 * gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < n; i++)
            z[i] = a * x[i] + b;
        starc_metric_options o;
        starc_metric_options_default(&o);
        for (int cov = 0; cov < 2; cov++) {
            o.coverage = cov ? D : NULL;
            double v, vz, vs, vself;
            assert_ok(starc_metric_value(m, STARC_METRIC_PEARSON, x, y, &o, &v, NULL));
            assert_close(v, ref_pearson(n, x, y, o.coverage, 0.0, 0.0), 1e-10, 0.0);
            assert_ok(starc_metric_value(m, STARC_METRIC_PEARSON, z, y, &o, &vz, NULL));
            assert_close(vz, v, 1e-10, 0.0);
            assert_ok(starc_metric_value(m, STARC_METRIC_PEARSON, y, x, &o, &vs, NULL));
            assert_close(vs, v, 1e-12, 0.0);
            assert_ok(starc_metric_value(m, STARC_METRIC_PEARSON, x, z, &o, &vself, NULL));
            assert_true(vself <= 1e-7); /* sqrt of a round-off-sized 1 - rho */
            for (size_t i = 0; i < n; i++)
                z[i] = -x[i];
            assert_ok(starc_metric_value(m, STARC_METRIC_PEARSON, x, z, &o, &vself, NULL));
            assert_close(vself, 1.0, 1e-12, 0.0);
            for (size_t i = 0; i < n; i++)
                z[i] = a * x[i] + b;
        }
        starc_mdp_free(m);
        free(x), free(y), free(z), free(D);
    }
    gsl_rng_free(r);
}

static void test_metric_names_and_errors(void **state)
{
    (void)state;
    starc_metric_kind k;
    for (int i = 0; i < STARC_METRIC_KIND_COUNT; i++) {
        assert_ok(starc_metric_kind_parse(starc_metric_kind_name((starc_metric_kind)i), &k, NULL));
        assert_int_equal(k, i);
    }
    assert_null(starc_metric_kind_name((starc_metric_kind)STARC_METRIC_KIND_COUNT));
    starc_error err;
    assert_int_equal(starc_metric_kind_parse("cosine", &k, &err), STARC_EINVAL);
    gsl_rng *r = testutil_rng(73);
    starc_mdp *m = testutil_random_mdp(r, 2, 2, 0.5, 0);
    double x[8] = {1, 1, 1, 1, 1, 1, 1, 1}, y[8] = {1, 2, 3, 4, 5, 6, 7, 8}, v;
    /* a constant x has no correlation */
    assert_int_equal(starc_metric_value(m, STARC_METRIC_PEARSON, x, y, NULL, &v, &err), STARC_EUNDEF);
    assert_int_equal(starc_metric_value(m, (starc_metric_kind)STARC_METRIC_KIND_COUNT, x, y, NULL, &v, &err),
                     STARC_EINVAL);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_metric_values),
        cmocka_unit_test(test_metrics_reference),
        cmocka_unit_test(test_pearson_reference),
        cmocka_unit_test(test_metric_names_and_errors),
    };
    return cmocka_run_group_tests_name("metric", tests, NULL, NULL);
}
