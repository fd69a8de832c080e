/* The proxy generators (proxygen.c) against slow references: the noise
 * kinds' error statistics against their distributions (occupancy-weighted
 * correlation computed directly), Bradley-Terry fits against their
 * optimality conditions (KKT), the learned proxy's reproducibility and
 * errors, and the kinds' names. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include "testutil.h"

static double *random_reward(gsl_rng *r, size_t S, size_t A)
{
    double *R = malloc(S * A * S * sizeof(double));
    testutil_gaussian(r, R, S * A * S);
    return R;
}

static void test_proxygen_kind_names(void **state)
{
    (void)state;
    starc_error err;
    starc_proxygen_kind pk;
    for (int i = 0; i < STARC_PROXYGEN_KIND_COUNT; i++) {
        assert_ok(starc_proxygen_kind_parse(starc_proxygen_kind_name((starc_proxygen_kind)i), &pk, NULL));
        assert_int_equal(pk, i);
    }
    assert_string_equal(starc_proxygen_kind_name(STARC_PROXYGEN_OFF_DISTRIBUTION), "off-distribution");
    assert_null(starc_proxygen_kind_name((starc_proxygen_kind)STARC_PROXYGEN_KIND_COUNT));
    assert_int_equal(starc_proxygen_kind_parse("gaussian", &pk, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "heavy-tail"));
}


static void mu_stats(const starc_mdp *m, const double *pb, const double *x, const double *y, double *r,
                     double *sx)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *mu = malloc(S * A * sizeof(double));
    starc_policy_occupancy(m, pb, NULL, mu, NULL, NULL);
    double mx = 0, my = 0, vx = 0, vy = 0, c = 0;
    for (size_t i = 0; i < S * A; i++)
        mx += mu[i] * x[i], my += mu[i] * y[i];
    for (size_t i = 0; i < S * A; i++)
        vx += mu[i] * (x[i] - mx) * (x[i] - mx), vy += mu[i] * (y[i] - my) * (y[i] - my),
            c += mu[i] * (x[i] - mx) * (y[i] - my);
    *r = c / sqrt(vx * vy);
    *sx = sqrt(vx);
    free(mu);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Error statistics of the noise kinds on many (s,a) pairs. */
static void test_proxygen_noise_kinds(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(41);
    size_t S = 60, A = 25, SA = S * A;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *Rt = random_reward(r, S, A), *pb = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double));
    double *Rbar = malloc(SA * sizeof(double)), *mu = malloc(SA * sizeof(double)), *z = malloc(SA * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_mdp_reward_expected(m, Rt, Rbar);
    assert_ok(starc_policy_occupancy(m, pb, NULL, mu, NULL, NULL));
    double corr, sigma;
    mu_stats(m, pb, Rbar, Rbar, &corr, &sigma);
    starc_proxygen_options o;
    starc_proxygen_options_default(&o);
    o.seed = 5;
    o.scale = 0.3;

    /* noise: z = error / (scale sigma) is N(0,1): mean square 1 within 4 sd (sd = sqrt(2/SA)) */
    o.kind = STARC_PROXYGEN_NOISE;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    double ms = 0;
    for (size_t i = 0; i < SA; i++)
        z[i] = (Rp[i] - Rbar[i]) / (o.scale * sigma), ms += z[i] * z[i] / SA;
    assert_close(ms, 1.0, 0, 4 * sqrt(2.0 / SA));

    /* off-distribution: z = error sqrt(SA mu + floor) / (scale sigma) is N(0,1) */
    o.kind = STARC_PROXYGEN_OFF_DISTRIBUTION;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    ms = 0;
    double raw_lo = 0, raw_hi = 0;
    size_t nlo = 0, nhi = 0;
    for (size_t i = 0; i < SA; i++) {
        double e = Rp[i] - Rbar[i];
        z[i] = e * sqrt(SA * mu[i] + o.floor) / (o.scale * sigma), ms += z[i] * z[i] / SA;
        if (SA * mu[i] < 0.1)
            raw_lo += e * e, nlo++;
        else if (SA * mu[i] > 1)
            raw_hi += e * e, nhi++;
    }
    assert_close(ms, 1.0, 0, 4 * sqrt(2.0 / SA));
    assert_true(nlo > 20 && nhi > 20);
    assert_true(raw_lo / nlo > 5 * raw_hi / nhi); /* larger errors where the base rarely goes */

    /* heavy tail: the median and 90% quantile of |z| match Student-t's (df = 1.5) */
    o.kind = STARC_PROXYGEN_HEAVY_TAIL;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    for (size_t i = 0; i < SA; i++)
        z[i] = fabs(Rp[i] - Rbar[i]) / (o.scale * sigma);
    qsort(z, SA, sizeof(double), cmp_double);
    assert_close(z[SA / 2], gsl_cdf_tdist_Pinv(0.75, o.df), 0.08, 0);
    assert_close(z[(size_t)(0.9 * SA)], gsl_cdf_tdist_Pinv(0.95, o.df), 0.15, 0);
    assert_true(z[SA - 1] > 20); /* far beyond any Gaussian's reach at this size */

    /* reproducible: same seed, same bytes; another seed, another proxy */
    double *Rq = malloc(SA * sizeof(double));
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rq, NULL));
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    assert_memory_equal(Rp, Rq, SA * sizeof(double));
    o.seed = 6;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rq, NULL));
    assert_memory_not_equal(Rp, Rq, SA * sizeof(double));

    /* scale 0 is the truth itself */
    o.scale = 0;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    assert_all_close(Rp, Rbar, SA, 0, 0);

    starc_error err;
    o.scale = -1;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "scale"));
    o.scale = 1, o.df = 0;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    o.df = 2, o.floor = 0;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    o.floor = 1, o.kind = (starc_proxygen_kind)9;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    o.kind = STARC_PROXYGEN_NOISE;
    pb[0] += 0.5;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    starc_mdp_free(m);
    free(Rt), free(pb), free(Rp), free(Rq), free(Rbar), free(mu), free(z);
    gsl_rng_free(r);
}

/* The Bradley-Terry fit satisfies its optimality condition, recomputed densely. */
static void test_bt_fit_kkt(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(42);
    for (int trial = 0; trial < 5; trial++) {
        size_t p = 4 + trial * 3, n = 50 + 40 * trial, H = 1 + trial % 3;
        size_t *s1 = malloc(n * H * sizeof(size_t)), *s2 = malloc(n * H * sizeof(size_t));
        double *pref = malloc(n * sizeof(double)), *w = malloc(p * sizeof(double));
        for (size_t i = 0; i < n * H; i++)
            s1[i] = gsl_rng_uniform_int(r, p), s2[i] = gsl_rng_uniform_int(r, p);
        for (size_t i = 0; i < n; i++)
            pref[i] = trial == 4 ? gsl_rng_uniform(r) : (double)gsl_rng_uniform_int(r, 2);
        double l2 = 0.5 + trial;
        size_t it = 0;
        starc_proxygen_options bo;
        starc_proxygen_options_default(&bo);
        bo.l2 = l2, bo.tol = 1e-10, bo.max_iter = 100;
        assert_ok(starc_proxygen_bt_fit(p, n, H, s1, s2, pref, &bo, w, &it, NULL));
        assert_true(it >= 1 && it < 100);
        double *g = calloc(p, sizeof(double)), *x = malloc(p * sizeof(double));
        for (size_t j = 0; j < p; j++)
            g[j] = l2 * w[j];
        for (size_t i = 0; i < n; i++) {
            memset(x, 0, p * sizeof(double));
            for (size_t h = 0; h < H; h++)
                x[s1[i * H + h]] += 1, x[s2[i * H + h]] -= 1;
            double zz = 0;
            for (size_t j = 0; j < p; j++)
                zz += x[j] * w[j];
            for (size_t j = 0; j < p; j++)
                g[j] += (1 / (1 + exp(-zz)) - pref[i]) * x[j];
        }
        for (size_t j = 0; j < p; j++)
            assert_close(g[j], 0, 0, 1e-9);
        free(g), free(x), free(s1), free(s2), free(pref), free(w);
    }
    starc_error err;
    size_t a[1] = {0}, b[1] = {5};
    double pr[1] = {1}, w[2];
    starc_proxygen_options bo;
    starc_proxygen_options_default(&bo);
    bo.l2 = 1, bo.tol = 1e-9, bo.max_iter = 10;
    assert_int_equal(starc_proxygen_bt_fit(2, 1, 1, a, b, pr, &bo, w, NULL, &err), STARC_EINVAL);
    b[0] = 1, pr[0] = 1.5;
    assert_int_equal(starc_proxygen_bt_fit(2, 1, 1, a, b, pr, &bo, w, NULL, &err), STARC_EINVAL);
    pr[0] = 1;
    bo.l2 = 0;
    assert_int_equal(starc_proxygen_bt_fit(2, 1, 1, a, b, pr, &bo, w, NULL, &err), STARC_EINVAL);
    bo.l2 = 1, bo.tol = 1e-300, bo.max_iter = 0;
    assert_int_equal(starc_proxygen_bt_fit(2, 1, 1, a, b, pr, &bo, w, NULL, &err), STARC_ENOCONV);
    gsl_rng_free(r);
}

/* A learned proxy from many base-policy comparisons tracks the truth where the base goes. */
static void test_proxygen_learned(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(43);
    size_t S = 8, A = 3, SA = S * A;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *Rt = random_reward(r, S, A), *pb = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double));
    double *Rbar = malloc(SA * sizeof(double)), *Rq = malloc(SA * sizeof(double));
    starc_policy_uniform(m, pb);
    starc_mdp_reward_expected(m, Rt, Rbar);
    starc_proxygen_options o;
    starc_proxygen_options_default(&o);
    o.kind = STARC_PROXYGEN_LEARNED;
    o.seed = 3;
    o.comparisons = 20000;
    for (size_t H = 1; H <= 3; H += 2) {
        o.segment = H;
        assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
        double corr, sd;
        mu_stats(m, pb, Rp, Rbar, &corr, &sd);
        assert_true(corr > 0.9);
        assert_ok(starc_proxygen(m, Rt, pb, &o, Rq, NULL));
        assert_memory_equal(Rp, Rq, SA * sizeof(double));
    }
    /* few comparisons: a worse fit */
    o.segment = 1, o.comparisons = 30;
    assert_ok(starc_proxygen(m, Rt, pb, &o, Rp, NULL));
    double corr, sd;
    mu_stats(m, pb, Rp, Rbar, &corr, &sd);
    assert_true(corr < 0.9);
    starc_error err;
    o.temperature = 0;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    o.temperature = 1, o.segment = 0;
    assert_int_equal(starc_proxygen(m, Rt, pb, &o, Rp, &err), STARC_EINVAL);
    starc_mdp_free(m);
    free(Rt), free(pb), free(Rp), free(Rbar), free(Rq);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxygen_kind_names),
        cmocka_unit_test(test_proxygen_noise_kinds),
        cmocka_unit_test(test_bt_fit_kkt),
        cmocka_unit_test(test_proxygen_learned),
    };
    return cmocka_run_group_tests_name("proxygen", tests, NULL, NULL);
}
