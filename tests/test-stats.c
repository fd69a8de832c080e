/* Statistics (starc/stats.h): Pearson's correlation against a long-double
 * reference, average ranks against counting, Spearman's correlation as the
 * Pearson correlation of the ranks. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include <starc/stats.h>

static double ref_pearson(size_t n, const double *x, const double *y)
{
    /* textbook one-pass sums in long double, as a reference */
    long double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i], sy += y[i];
        sxx += (long double)x[i] * x[i], syy += (long double)y[i] * y[i], sxy += (long double)x[i] * y[i];
    }
    long double N = (long double)n;
    return (double)((N * sxy - sx * sy) / sqrtl((N * sxx - sx * sx) * (N * syy - sy * sy)));
}

static void test_pearson(void **state)
{
    (void)state;
    double r;
    const double x[] = {1, 2, 3}, y[] = {1, 2, 4};
    assert_ok(starc_stats_pearson(3, x, y, &r, NULL));
    assert_close(r, 0.98198050606196574, 1e-14, 0);
    gsl_rng *g = testutil_rng(4);
    double a[500], b[500];
    for (int t = 0; t < 20; t++) {
        testutil_gaussian(g, a, 500);
        for (int i = 0; i < 500; i++)
            b[i] = 0.3 * t * a[i] + gsl_ran_gaussian(g, 1.0) + 100.0;
        assert_ok(starc_stats_pearson(500, a, b, &r, NULL));
        assert_close(r, ref_pearson(500, a, b), 1e-12, 1e-14);
        /* scale and shift invariance, sign flip */
        double c[500];
        for (int i = 0; i < 500; i++)
            c[i] = -7.0 * b[i] + 3.0;
        double r2;
        assert_ok(starc_stats_pearson(500, a, c, &r2, NULL));
        assert_close(r2, -r, 1e-12, 1e-14);
    }
    gsl_rng_free(g);
    const double k[] = {2, 2, 2};
    starc_error err;
    assert_int_equal(starc_stats_pearson(3, x, k, &r, &err), STARC_EUNDEF);
    assert_true(isnan(r));
    assert_int_equal(starc_stats_pearson(1, x, y, &r, &err), STARC_EINVAL);
    const double bad[] = {1, NAN, 3};
    assert_int_equal(starc_stats_pearson(3, bad, y, &r, &err), STARC_EINVAL);
}

static void test_ranks_spearman(void **state)
{
    (void)state;
    const double x[] = {3, 1, 2, 2, 5, 2};
    double rk[6];
    assert_ok(starc_stats_rank_average(6, x, rk, NULL));
    const double want[] = {5, 1, 3, 3, 6, 3};
    assert_all_close(rk, want, 6, 0, 0);
    const double y[] = {1, 2, 2, 3};
    double ry[4];
    assert_ok(starc_stats_rank_average(4, y, ry, NULL));
    assert_close(ry[1], 2.5, 0, 0);
    assert_close(ry[2], 2.5, 0, 0);
    /* Spearman = Pearson of ranks; invariant under strictly increasing maps */
    gsl_rng *g = testutil_rng(8);
    double a[300], b[300], fa[300], ra[300], rb[300];
    testutil_gaussian(g, a, 300);
    for (int i = 0; i < 300; i++) {
        b[i] = a[i] + 0.5 * gsl_ran_gaussian(g, 1.0);
        b[i] = round(b[i] * 4.0) / 4.0; /* many ties */
        fa[i] = exp(3.0 * a[i]);
    }
    double s1, s2, p;
    assert_ok(starc_stats_spearman(300, a, b, &s1, NULL));
    assert_ok(starc_stats_spearman(300, fa, b, &s2, NULL));
    assert_close(s1, s2, 1e-15, 0);
    assert_ok(starc_stats_rank_average(300, a, ra, NULL));
    assert_ok(starc_stats_rank_average(300, b, rb, NULL));
    assert_ok(starc_stats_pearson(300, ra, rb, &p, NULL));
    assert_close(s1, p, 0, 0);
    /* ranks of tied values are the mean of the positions they occupy: check by brute force */
    for (int i = 0; i < 300; i++) {
        double less = 0, eq = 0;
        for (int j = 0; j < 300; j++)
            less += b[j] < b[i], eq += b[j] == b[i];
        assert_close(rb[i], less + (eq + 1) / 2.0, 0, 1e-12);
    }
    /* signs, zeros of both signs, infinities, a larger n */
    const double z[] = {-0.0, 0.0, -1.5, 2.0, -INFINITY, INFINITY, -0.0, 1e-300, -1e-300, 2.0};
    double rz[10];
    assert_ok(starc_stats_rank_average(10, z, rz, NULL));
    const double wz[] = {5, 5, 2, 8.5, 1, 10, 5, 7, 3, 8.5};
    assert_all_close(rz, wz, 10, 0, 0);
    size_t big = 20000;
    double *u = malloc(big * sizeof(double)), *ru = malloc(big * sizeof(double));
    for (size_t i = 0; i < big; i++)
        u[i] = round(gsl_ran_gaussian(g, 100.0)) * (i % 7 ? 1.0 : 1e-3);
    assert_ok(starc_stats_rank_average(big, u, ru, NULL));
    for (size_t i = 0; i < big; i += 97) {
        double less = 0, eq = 0;
        for (size_t j = 0; j < big; j++)
            less += u[j] < u[i], eq += u[j] == u[i];
        assert_close(ru[i], less + (eq + 1) / 2.0, 0, 1e-9);
    }
    free(u);
    free(ru);
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_ranks_spearman),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
