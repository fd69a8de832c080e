/* Generators: the STARC study's MDP and reward protocol against a literal
 * re-implementation, their statistics on many seeds, Dirichlet MDPs and
 * interpolation. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include <starc/generate.h>

/* ---- literal reference implementations of the study protocol of docs/theory.md (Reference values) ---- */

static void ref_transitions(gsl_rng *r, size_t S, size_t A, double thresh, double *T)
{
    double *x = malloc(S * sizeof(double));
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            int any = 0;
            for (size_t t = 0; t < S; t++) {
                x[t] = gsl_ran_gaussian(r, 1.0);
                if (x[t] > thresh)
                    any = 1;
                else
                    x[t] = -20.0;
            }
            double *row = T + (s * A + a) * S;
            if (!any) { /* "if no entry exceeds thresh the row is uniform" */
                for (size_t t = 0; t < S; t++)
                    row[t] = 1.0 / (double)S;
                continue;
            }
            double sum = 0.0;
            for (size_t t = 0; t < S; t++)
                sum += exp(x[t]);
            for (size_t t = 0; t < S; t++)
                row[t] = exp(x[t]) / sum;
        }
    free(x);
}

static void ref_reward(gsl_rng *r, size_t S, size_t A, double gamma, double *R)
{
    size_t n = S * A * S;
    double thr = S >= 100 ? 3.8 : S >= 50 ? 3.5 : 3.0;
    for (size_t k = 0; k < n; k++)
        R[k] = gsl_ran_gaussian(r, 1.0);
    if (gsl_rng_uniform(r) < 0.2)
        for (size_t k = 0; k < n; k++)
            R[k] = R[k] > thr ? R[k] : 0.0;
    if (gsl_rng_uniform(r) < 0.7) {
        double c = 10.0 * gsl_rng_uniform(r);
        for (size_t k = 0; k < n; k++)
            R[k] = R[k] * c;
    }
    if (gsl_rng_uniform(r) < 0.3) {
        double c = 10.0 * gsl_rng_uniform(r);
        for (size_t k = 0; k < n; k++)
            R[k] = R[k] + c;
    }
    if (gsl_rng_uniform(r) < 0.5) {
        double *phi = malloc(S * sizeof(double));
        for (size_t s = 0; s < S; s++)
            phi[s] = gsl_ran_gaussian(r, 1.0);
        double a = 10.0 * gsl_rng_uniform(r), b = gsl_rng_uniform(r);
        for (size_t s = 0; s < S; s++)
            phi[s] = phi[s] * a + b;
        for (size_t s = 0; s < S; s++)
            for (size_t u = 0; u < A; u++)
                for (size_t t = 0; t < S; t++)
                    R[(s * A + u) * S + t] += gamma * phi[t] - phi[s];
        free(phi);
    }
}

/* ---- tests ---- */

static void test_thresholds(void **state)
{
    (void)state;
    assert_close(starc_generate_transition_threshold(1), 1.0, 0, 0);
    assert_close(starc_generate_transition_threshold(49), 1.0, 0, 0);
    assert_close(starc_generate_transition_threshold(50), 1.5, 0, 0);
    assert_close(starc_generate_transition_threshold(99), 1.5, 0, 0);
    assert_close(starc_generate_transition_threshold(100), 1.8, 0, 0);
    assert_close(starc_generate_sparsity_threshold(32), 3.0, 0, 0);
    assert_close(starc_generate_sparsity_threshold(50), 3.5, 0, 0);
    assert_close(starc_generate_sparsity_threshold(100), 3.8, 0, 0);
}

/* The generator's own draws are GSL's on MT19937 with the same seed, one for one,
 * in any interleaving; and the gsl_rng view of tests/gsl-view.h draws the same
 * stream through every GSL distribution the tests use. */
static void test_rng_draws(void **state)
{
    (void)state;
    static const size_t ns[] = {1, 2, 3, 7, 121, 1000003, 4294967295UL};
    for (unsigned long seed = 0; seed <= 5; seed++) {
        starc_generate_rng *r1 = testutil_generate_rng(seed), *r3 = testutil_generate_rng(seed);
        gsl_rng *r2 = testutil_rng(seed), *r4 = testutil_rng(seed);
        gsl_rng *v = gsl_view_alloc(r3);
        assert_non_null(v);
        for (size_t i = 0; i < 2000; i++) {
            const size_t n = ns[i % (sizeof ns / sizeof ns[0])];
            switch (i % 3) {
            case 0: assert_true(starc_generate_rng_uniform(r1) == gsl_rng_uniform(r2)); break;
            case 1: assert_true(starc_generate_rng_gaussian(r1) == gsl_ran_gaussian(r2, 1.0)); break;
            default: assert_true(starc_generate_rng_uniform_int(r1, n) == (size_t)gsl_rng_uniform_int(r2, n)); break;
            }
            switch (i % 6) {
            case 0: assert_true(gsl_rng_uniform(v) == gsl_rng_uniform(r4)); break;
            case 1: assert_true(gsl_rng_uniform_pos(v) == gsl_rng_uniform_pos(r4)); break;
            case 2: assert_true(gsl_rng_uniform_int(v, n) == gsl_rng_uniform_int(r4, n)); break;
            case 3: assert_true(gsl_ran_gaussian(v, 1.0) == gsl_ran_gaussian(r4, 1.0)); break;
            case 4: assert_true(gsl_ran_gamma(v, 1.0, 1.0) == gsl_ran_gamma(r4, 1.0, 1.0)); break;
            default: assert_true(gsl_rng_get(v) == gsl_rng_get(r4)); break;
            }
        }
        gsl_rng_free(v);
        /* the view draws from r3 itself: both streams are where r4 is */
        assert_true(starc_generate_rng_uniform(r3) == gsl_rng_uniform(r4));
        starc_generate_rng_free(r1), starc_generate_rng_free(r3);
        gsl_rng_free(r2), gsl_rng_free(r4);
    }
}

/* The generator agrees with the literal protocol on many seeds and sizes. */
static void test_transitions_reference(void **state)
{
    (void)state;
    const size_t sizes[][2] = {{32, 4}, {5, 3}, {60, 2}, {120, 1}, {1, 1}};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        double *T = malloc(n * sizeof(double)), *U = malloc(n * sizeof(double));
        for (unsigned long seed = 1; seed <= 20; seed++) {
            starc_generate_rng *r1 = testutil_generate_rng(seed);
            gsl_rng *r2 = testutil_rng(seed);
            assert_ok(starc_generate_transitions(r1, S, A, NULL, T, NULL));
            ref_transitions(r2, S, A, starc_generate_transition_threshold(S), U);
            assert_all_close(T, U, n, 1e-13, 0);
            /* both consumed the same number of draws */
            assert_true(starc_generate_rng_uniform(r1) == gsl_rng_uniform(r2));
            starc_generate_rng_free(r1);
            gsl_rng_free(r2);
        }
        free(T);
        free(U);
    }
}

/* Row support sizes follow Binomial(S, P(N(0,1) > thresh)); rows without support are uniform. */
static void test_transitions_statistics(void **state)
{
    (void)state;
    const size_t sizes[] = {32, 64, 128};
    const double ptail[] = {0.15865525393145705, 0.066807201268858057, 0.035930319112925789};
    for (size_t c = 0; c < 3; c++) {
        size_t S = sizes[c], A = 4, n = S * A * S;
        double p = ptail[c];
        double *T = malloc(n * sizeof(double));
        size_t rows = 0, uniform = 0;
        double ksum = 0.0, kmax = 0;
        size_t nmdp = c == 0 ? 200 : 25;
        for (unsigned long seed = 0; seed < nmdp; seed++) {
            starc_generate_rng *r = testutil_generate_rng(1000 + seed);
            assert_ok(starc_generate_transitions(r, S, A, NULL, T, NULL));
            starc_generate_rng_free(r);
            for (size_t row = 0; row < S * A; row++) {
                const double *x = T + row * S;
                double sum = 0.0, mx = 0.0, mn = 1.0;
                for (size_t t = 0; t < S; t++) {
                    sum += x[t];
                    mx = fmax(mx, x[t]);
                    mn = fmin(mn, x[t]);
                }
                assert_close(sum, 1.0, 0, 1e-12);
                /* kept entries are exp(x) >= e^thresh, floored ones exp(-20): a ratio >= e^21 */
                size_t k = 0;
                for (size_t t = 0; t < S; t++)
                    if (x[t] > 1e-6 * mx)
                        k++;
                for (size_t t = 0; t < S; t++)
                    if (x[t] <= 1e-6 * mx)
                        assert_true(x[t] <= exp(-20.0 - starc_generate_transition_threshold(S)) * mx * 1.0000001);
                if (k == S) { /* only possible for an all-floored (uniform) row at these sizes */
                    assert_close(mn, mx, 1e-12, 0);
                    assert_close(mx, 1.0 / (double)S, 1e-12, 0);
                    uniform++;
                    k = 0;
                }
                ksum += (double)k;
                kmax = fmax(kmax, (double)k);
                rows++;
            }
        }
        double mean = ksum / (double)rows, sd = sqrt((double)S * p * (1 - p) / (double)rows);
        print_message("S=%zu: %zu rows, mean support %.4f (expected %.4f, sd %.4f), %zu uniform rows\n",
                      S, rows, mean, (double)S * p, sd, uniform);
        assert_close(mean, (double)S * p, 0, 5 * sd);
        double pu = pow(1 - p, (double)S), eu = pu * (double)rows;
        assert_close((double)uniform, eu, 0, 5 * sqrt(eu) + 1);
        free(T);
    }
}

static void test_reward_reference(void **state)
{
    (void)state;
    const size_t sizes[][2] = {{32, 4}, {3, 2}, {55, 2}, {101, 1}};
    for (size_t c = 0; c < 4; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        gsl_rng *mr = testutil_rng(7);
        starc_mdp *m = testutil_random_mdp(mr, S, A, 0.95, 0);
        gsl_rng_free(mr);
        double *R = malloc(n * sizeof(double)), *U = malloc(n * sizeof(double));
        int seen[4] = {0, 0, 0, 0};
        for (unsigned long seed = 1; seed <= 60; seed++) {
            starc_generate_rng *r1 = testutil_generate_rng(seed);
            gsl_rng *r2 = testutil_rng(seed);
            starc_generate_reward_info info;
            assert_ok(starc_generate_reward(r1, m, NULL, R, &info, NULL));
            ref_reward(r2, S, A, 0.95, U);
            assert_all_close(R, U, n, 1e-14, 1e-14);
            assert_true(starc_generate_rng_uniform(r1) == gsl_rng_uniform(r2));
            seen[0] |= info.sparse, seen[1] |= info.scaled, seen[2] |= info.shifted, seen[3] |= info.shaped;
            starc_generate_rng_free(r1);
            gsl_rng_free(r2);
        }
        /* every step was exercised against the reference */
        assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
        free(R);
        free(U);
        starc_mdp_free(m);
    }
}

/* Step rates and the sparsity statistics on many seeds. */
static void test_reward_statistics(void **state)
{
    (void)state;
    if (!testutil_slow())
        skip(); /* 2 x 3000 rewards on S = 32: the slow tier (make check-slow) */
    size_t S = 32, A = 4, n = S * A * S, N = 3000;
    gsl_rng *mr = testutil_rng(3);
    starc_mdp *m = testutil_random_mdp(mr, S, A, 0.95, 0);
    gsl_rng_free(mr);
    double *R = malloc(n * sizeof(double));
    size_t cnt[4] = {0, 0, 0, 0}, allzero = 0, nsparse = 0;
    double nz = 0.0, scale = 0.0, shift = 0.0;
    starc_generate_reward_options sparse_only;
    starc_generate_reward_options_default(&sparse_only);
    sparse_only.p_scale = sparse_only.p_shift = sparse_only.p_shape = 0.0;
    for (size_t i = 0; i < N; i++) {
        starc_generate_rng *r = testutil_generate_rng(50000 + i);
        starc_generate_reward_info info;
        assert_ok(starc_generate_reward(r, m, NULL, R, &info, NULL));
        cnt[0] += (size_t)info.sparse, cnt[1] += (size_t)info.scaled;
        cnt[2] += (size_t)info.shifted, cnt[3] += (size_t)info.shaped;
        if (info.scaled)
            scale += info.scale;
        if (info.shifted)
            shift += info.shift;
        starc_generate_rng_free(r);
        /* the sparsification itself, measured on the data */
        r = testutil_generate_rng(90000 + i);
        assert_ok(starc_generate_reward(r, m, &sparse_only, R, &info, NULL));
        starc_generate_rng_free(r);
        if (info.sparse) {
            size_t k = 0;
            nsparse++;
            for (size_t j = 0; j < n; j++)
                if (R[j] != 0.0) {
                    assert_true(R[j] > 3.0);
                    k++;
                }
            assert_int_equal(k, info.nonzero);
            nz += (double)k;
            allzero += k == 0;
        } else {
            size_t zeros = 0;
            for (size_t j = 0; j < n; j++)
                zeros += R[j] == 0.0;
            assert_int_equal(zeros, 0);
        }
    }
    const double p[4] = {0.2, 0.7, 0.3, 0.5};
    for (int k = 0; k < 4; k++) {
        double f = (double)cnt[k] / (double)N, sd = sqrt(p[k] * (1 - p[k]) / (double)N);
        print_message("step %d: rate %.4f (expected %.2f, sd %.4f)\n", k, f, p[k], sd);
        assert_close(f, p[k], 0, 5 * sd);
    }
    /* U(0,1) * 10 has mean 5 and sd 10/sqrt(12) */
    assert_close(scale / (double)cnt[1], 5.0, 0, 5 * 2.8867513 / sqrt((double)cnt[1]));
    assert_close(shift / (double)cnt[2], 5.0, 0, 5 * 2.8867513 / sqrt((double)cnt[2]));
    /* kept entries per sparse reward: Binomial(4096, P(N > 3)) */
    double q = 0.0013498980316301;
    double mean = nz / (double)nsparse, sd = sqrt((double)n * q * (1 - q) / (double)nsparse);
    print_message("sparse: %zu rewards, mean kept %.3f (expected %.3f), %zu all-zero\n",
                  nsparse, mean, (double)n * q, allzero);
    assert_close(mean, (double)n * q, 0, 5 * sd);
    free(R);
    starc_mdp_free(m);
}

/* Shaping adds gamma Phi(s') - Phi(s): the difference from the unshaped reward
 * (same seed, shaping switched off) has that form. */
static void test_reward_shaping_form(void **state)
{
    (void)state;
    size_t S = 6, A = 3, n = S * A * S;
    gsl_rng *mr = testutil_rng(11);
    starc_mdp *m = testutil_random_mdp(mr, S, A, 0.8, 0);
    gsl_rng_free(mr);
    starc_generate_reward_options on, off;
    starc_generate_reward_options_default(&on);
    on.p_shape = 1.0;
    off = on;
    off.p_shape = 0.0;
    double *R1 = malloc(n * sizeof(double)), *R0 = malloc(n * sizeof(double));
    for (unsigned long seed = 1; seed < 30; seed++) {
        starc_generate_rng *r = testutil_generate_rng(seed);
        starc_generate_reward_info i1, i0;
        assert_ok(starc_generate_reward(r, m, &on, R1, &i1, NULL));
        starc_generate_rng_free(r);
        r = testutil_generate_rng(seed);
        assert_ok(starc_generate_reward(r, m, &off, R0, &i0, NULL));
        starc_generate_rng_free(r);
        assert_true(i1.shaped && !i0.shaped);
        /* D = R1 - R0 = 0.8 phi(t) - phi(s): phi(s) = (0.8 phi(0) - D[s,a,0]) for any a */
        double phi[6], D0 = R1[0] - R0[0]; /* D[0,0,0] = -0.2 phi(0) */
        phi[0] = -D0 / 0.2;
        for (size_t s = 0; s < S; s++)
            phi[s] = 0.8 * phi[0] - (R1[(s * A) * S] - R0[(s * A) * S]);
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                for (size_t t = 0; t < S; t++) {
                    size_t k = (s * A + a) * S + t;
                    assert_close(R1[k] - R0[k], 0.8 * phi[t] - phi[s], 1e-9, 1e-9);
                }
    }
    free(R1);
    free(R0);
    starc_mdp_free(m);
}

static void test_mdp_protocol(void **state)
{
    (void)state;
    starc_generate_rng *r = testutil_generate_rng(5);
    gsl_rng *r2 = testutil_rng(5);
    starc_mdp *m = NULL;
    assert_ok(starc_generate_mdp(r, 32, 4, NULL, &m, NULL));
    assert_int_equal(starc_mdp_states(m), 32);
    assert_int_equal(starc_mdp_actions(m), 4);
    assert_close(starc_mdp_gamma(m), 0.95, 0, 0);
    for (size_t s = 0; s < 32; s++)
        assert_close(starc_mdp_initial(m)[s], 1.0 / 32, 1e-15, 0);
    double *T = malloc(32 * 4 * 32 * sizeof(double));
    ref_transitions(r2, 32, 4, 1.0, T);
    assert_all_close(starc_mdp_transitions(m), T, 32 * 4 * 32, 1e-13, 0);
    free(T);
    starc_mdp_free(m);
    /* custom threshold and gamma */
    starc_generate_mdp_options o;
    starc_generate_mdp_options_default(&o);
    o.gamma = 0.5;
    o.threshold = 10.0; /* nothing exceeds it: every row uniform */
    assert_ok(starc_generate_mdp(r, 4, 2, &o, &m, NULL));
    assert_close(starc_mdp_gamma(m), 0.5, 0, 0);
    for (size_t k = 0; k < 32; k++)
        assert_close(starc_mdp_transitions(m)[k], 0.25, 1e-15, 0);
    starc_mdp_free(m);
    starc_generate_rng_free(r);
    gsl_rng_free(r2);
}

static void test_dirichlet(void **state)
{
    (void)state;
    const double alphas[] = {1.0, 0.1, 5.0};
    for (int c = 0; c < 3; c++) {
        size_t S = 8, A = 3, N = 400;
        double alpha = alphas[c], m1 = 0, m2 = 0;
        size_t cnt = 0;
        starc_generate_rng *r = testutil_generate_rng(77 + (unsigned long)c);
        for (size_t i = 0; i < N; i++) {
            starc_mdp *m = NULL;
            assert_ok(starc_generate_mdp_dirichlet(r, S, A, 0.9, alpha, &m, NULL));
            const double *T = starc_mdp_transitions(m);
            for (size_t row = 0; row < S * A; row++) {
                double sum = 0;
                for (size_t t = 0; t < S; t++) {
                    double x = T[row * S + t];
                    assert_true(x >= 0.0);
                    sum += x;
                    m1 += x;
                    m2 += x * x;
                    cnt++;
                }
                assert_close(sum, 1.0, 0, 1e-12);
            }
            starc_mdp_free(m);
        }
        /* entries are Beta(alpha, (S-1) alpha): mean 1/S, variance (1/S)(1-1/S)/(S alpha + 1) */
        double mean = m1 / (double)cnt, var = m2 / (double)cnt - mean * mean;
        double evar = (1.0 / S) * (1 - 1.0 / S) / ((double)S * alpha + 1);
        print_message("alpha %.1f: var %.5f expected %.5f\n", alpha, var, evar);
        assert_close(mean, 1.0 / S, 1e-12, 0);
        assert_close(var, evar, 0.05, 0);
        starc_generate_rng_free(r);
    }
}

/* The stand-in MDP: rows and mu0 exactly uniform, and the reward protocol draws the same
 * rewards on it as on any MDP with the same S, A and gamma (it reads nothing else). */
static void test_mdp_uniform(void **state)
{
    (void)state;
    starc_generate_rng *r1 = testutil_generate_rng(91), *r2 = testutil_generate_rng(91);
    starc_generate_rng *rm = testutil_generate_rng(92);
    for (size_t S = 1; S <= 7; S += 3)
        for (size_t A = 1; A <= 4; A += 3) {
            starc_mdp *u = NULL, *d = NULL;
            assert_ok(starc_generate_mdp_uniform(S, A, 0.8, &u, NULL));
            assert_int_equal(starc_mdp_states(u), S);
            assert_int_equal(starc_mdp_actions(u), A);
            assert_true(starc_mdp_gamma(u) == 0.8);
            for (size_t i = 0; i < S * A * S; i++)
                assert_true(starc_mdp_transitions(u)[i] == 1.0 / (double)S);
            for (size_t s = 0; s < S; s++)
                assert_true(starc_mdp_initial(u)[s] == 1.0 / (double)S);
            assert_ok(starc_generate_mdp_dirichlet(rm, S, A, 0.8, 0.5, &d, NULL));
            double *Ru = malloc(S * A * S * sizeof(double)), *Rd = malloc(S * A * S * sizeof(double));
            assert_ok(starc_generate_reward(r1, u, NULL, Ru, NULL, NULL));
            assert_ok(starc_generate_reward(r2, d, NULL, Rd, NULL, NULL));
            assert_memory_equal(Ru, Rd, S * A * S * sizeof(double));
            free(Ru), free(Rd);
            starc_mdp_free(u);
            starc_mdp_free(d);
        }
    starc_mdp *m = NULL;
    assert_int_equal(starc_generate_mdp_uniform(0, 2, 0.9, &m, NULL), STARC_EDIM);
    assert_int_equal(starc_generate_mdp_uniform(2, 2, 1.0, &m, NULL), STARC_EINVAL);
    assert_int_equal(starc_generate_mdp_uniform((size_t)1 << 40, 2, 0.9, &m, NULL), STARC_EDIM);
    assert_null(m);
    starc_generate_rng_free(r1), starc_generate_rng_free(r2), starc_generate_rng_free(rm);
}

static void test_interpolate(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(9);
    double a[50], b[50], c[50];
    testutil_gaussian(r, a, 50);
    testutil_gaussian(r, b, 50);
    starc_generate_interpolate(50, a, b, 0.0, c);
    assert_all_close(c, a, 50, 0, 0);
    starc_generate_interpolate(50, a, b, 1.0, c);
    assert_all_close(c, b, 50, 1e-15, 1e-15);
    starc_generate_interpolate(50, a, b, 0.25, c);
    for (int i = 0; i < 50; i++)
        assert_close(c[i], 0.75 * a[i] + 0.25 * b[i], 1e-15, 1e-15);
    /* in place */
    memcpy(c, a, sizeof a);
    starc_generate_interpolate(50, c, b, 0.5, c);
    for (int i = 0; i < 50; i++)
        assert_close(c[i], 0.5 * (a[i] + b[i]), 1e-15, 1e-15);
    gsl_rng_free(r);
}

static void test_errors(void **state)
{
    (void)state;
    starc_generate_rng *r = testutil_generate_rng(1);
    starc_mdp *m = NULL;
    starc_error err;
    assert_int_equal(starc_generate_mdp(r, 0, 4, NULL, &m, &err), STARC_EDIM);
    assert_null(m);
    starc_generate_mdp_options o;
    starc_generate_mdp_options_default(&o);
    o.gamma = 1.0;
    assert_int_equal(starc_generate_mdp(r, 3, 2, &o, &m, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "gamma"));
    starc_generate_mdp_options_default(&o);
    o.floor = 5.0;
    assert_int_equal(starc_generate_mdp(r, 3, 2, &o, &m, &err), STARC_EINVAL);
    assert_int_equal(starc_generate_mdp_dirichlet(r, 3, 2, 0.9, 0.0, &m, &err), STARC_EINVAL);
    assert_int_equal(starc_generate_mdp_dirichlet(r, 3, 2, 0.9, NAN, &m, &err), STARC_EINVAL);
    assert_int_equal(starc_generate_mdp_dirichlet(r, 3, 2, -0.1, 1.0, &m, &err), STARC_EINVAL);
    assert_ok(starc_generate_mdp(r, 3, 2, NULL, &m, NULL));
    starc_generate_reward_options ro;
    starc_generate_reward_options_default(&ro);
    ro.p_shift = 1.5;
    double R[18];
    assert_int_equal(starc_generate_reward(r, m, &ro, R, NULL, &err), STARC_EINVAL);
    starc_generate_reward_options_default(&ro);
    ro.scale_max = INFINITY;
    assert_int_equal(starc_generate_reward(r, m, &ro, R, NULL, &err), STARC_EINVAL);
    starc_mdp_free(m);
    starc_generate_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_rng_draws),
        cmocka_unit_test(test_transitions_reference),
        cmocka_unit_test(test_transitions_statistics),
        cmocka_unit_test(test_reward_reference),
        cmocka_unit_test(test_reward_statistics),
        cmocka_unit_test(test_reward_shaping_form),
        cmocka_unit_test(test_mdp_protocol),
        cmocka_unit_test(test_dirichlet),
        cmocka_unit_test(test_mdp_uniform),
        cmocka_unit_test(test_interpolate),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("generate", tests, NULL, NULL);
}
