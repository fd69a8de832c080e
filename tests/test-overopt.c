/* Overoptimisation curves and proxy generators against slow references:
 * Gao fits against exact synthetic data and 2x2 normal equations, best-of-n
 * against enumeration of every draw sequence, KL/chi2/returns against
 * power-series occupancies, plan facts against enumeration of deterministic
 * policies.  The proxy generators (proxygen.c) are tested in test-proxygen.c. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

/* ------------------------------------------------------------- helpers */

static double *random_reward(gsl_rng *r, size_t S, size_t A)
{
    double *R = malloc(S * A * S * sizeof(double));
    testutil_gaussian(r, R, S * A * S);
    return R;
}

/* Occupancy by a truncated power series: eta(s) = sum_t gamma^t P(s_t = s). */
static void ref_occupancy(const starc_mdp *m, const double *pi, double *eta)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m);
    double g = starc_mdp_gamma(m), w = 1.0;
    double *p = malloc(S * sizeof(double)), *q = malloc(S * sizeof(double));
    memcpy(p, starc_mdp_initial(m), S * sizeof(double));
    memset(eta, 0, S * sizeof(double));
    for (int t = 0; t < 3000 && w > 1e-17; t++, w *= g) {
        for (size_t s = 0; s < S; s++)
            eta[s] += w * p[s];
        memset(q, 0, S * sizeof(double));
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                for (size_t u = 0; u < S; u++)
                    q[u] += p[s] * pi[s * A + a] * T[(s * A + a) * S + u];
        memcpy(p, q, S * sizeof(double));
    }
    free(p), free(q);
}

/* Return J = sum_{s,a} eta(s) pi(s,a) Rbar(s,a) from the power-series occupancy. */
static double ref_return(const starc_mdp *m, const double *pi, const double *R)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *eta = malloc(S * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
    ref_occupancy(m, pi, eta);
    starc_mdp_reward_expected(m, R, Rbar);
    double J = 0.0;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            J += eta[s] * pi[s * A + a] * Rbar[s * A + a];
    free(eta), free(Rbar);
    return J;
}

/* ------------------------------------------------------------ Gao fits */

static void test_gao_exact_recovery(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    for (int trial = 0; trial < 40; trial++) {
        starc_overopt_gao_form form = trial % 2 ? STARC_OVEROPT_GAO_RL : STARC_OVEROPT_GAO_BON;
        double alpha = gsl_ran_flat(r, -3, 5), beta = gsl_ran_flat(r, -2, 3);
        size_t n = 3 + (size_t)gsl_rng_uniform_int(r, 40);
        double *d = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            d[i] = i == 0 ? 0.0 : gsl_ran_flat(r, 0.01, 4.0);
            y[i] = starc_overopt_gao_eval(form, alpha, beta, d[i]);
        }
        starc_overopt_gao_fit f;
        assert_ok(starc_overopt_gao_fit_points(form, n, d, y, &f, NULL));
        assert_int_equal(f.form, form);
        assert_int_equal(f.n, n);
        assert_close(f.alpha, alpha, 1e-10, 1e-10);
        assert_close(f.beta, beta, 1e-10, 1e-10);
        assert_close(f.r2, 1.0, 0, 1e-12);
        assert_true(f.rss < 1e-20 * (1 + n));
        if (beta > 0) {
            double pk = form == STARC_OVEROPT_GAO_BON ? fmax(0.0, alpha / (2 * beta)) : exp(alpha / beta - 1);
            assert_close(f.peak_d, pk, 1e-8, 1e-12);
            assert_close(f.peak_kl, pk * pk, 1e-8, 1e-12);
            assert_close(f.peak_value, starc_overopt_gao_eval(form, alpha, beta, pk), 1e-8, 1e-12);
            /* it is the maximum over a fine grid of d >= 0 */
            for (double x = 0; x < 6 * (1 + pk); x += 1e-3 * (1 + pk))
                assert_true(starc_overopt_gao_eval(form, f.alpha, f.beta, x) <=
                            f.peak_value + 1e-9 * (1 + fabs(f.peak_value)));
        } else {
            assert_true(isnan(f.peak_d));
            assert_true(isnan(f.peak_value));
        }
        free(d), free(y);
    }
    gsl_rng_free(r);
}

/* Noisy data: the fit must equal the 2x2 normal-equation solution (Cramer's rule). */
static void test_gao_normal_equations(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(12);
    for (int trial = 0; trial < 20; trial++) {
        starc_overopt_gao_form form = trial % 2 ? STARC_OVEROPT_GAO_RL : STARC_OVEROPT_GAO_BON;
        size_t n = 30;
        double d[30], y[30];
        for (size_t i = 0; i < n; i++) {
            d[i] = gsl_ran_flat(r, 0, 3);
            y[i] = d[i] * (1.3 - 0.4 * d[i]) + gsl_ran_gaussian(r, 0.3);
        }
        double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
        for (size_t i = 0; i < n; i++) {
            double x1 = d[i];
            double x2 = form == STARC_OVEROPT_GAO_BON ? -d[i] * d[i] : -(d[i] > 0 ? d[i] * log(d[i]) : 0);
            a11 += x1 * x1, a12 += x1 * x2, a22 += x2 * x2, b1 += x1 * y[i], b2 += x2 * y[i];
        }
        double det = a11 * a22 - a12 * a12;
        double alpha = (b1 * a22 - a12 * b2) / det, beta = (a11 * b2 - a12 * b1) / det;
        double mean = 0, rss = 0, tss = 0;
        for (size_t i = 0; i < n; i++)
            mean += y[i] / n;
        for (size_t i = 0; i < n; i++) {
            double x2 = form == STARC_OVEROPT_GAO_BON ? d[i] * d[i] : (d[i] > 0 ? d[i] * log(d[i]) : 0);
            double e = y[i] - (alpha * d[i] - beta * x2);
            rss += e * e, tss += (y[i] - mean) * (y[i] - mean);
        }
        starc_overopt_gao_fit f;
        assert_ok(starc_overopt_gao_fit_points(form, n, d, y, &f, NULL));
        assert_close(f.alpha, alpha, 1e-9, 1e-12);
        assert_close(f.beta, beta, 1e-9, 1e-12);
        assert_close(f.rss, rss, 1e-9, 1e-14);
        assert_close(f.r2, 1 - rss / tss, 1e-9, 1e-12);
        assert_true(f.r2 < 1.0);
    }
    gsl_rng_free(r);
}

static void test_gao_errors(void **state)
{
    (void)state;
    starc_overopt_gao_fit f;
    starc_error err;
    double d1[3] = {1, 1, 1}, y1[3] = {1, 2, 3};
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_RL, 3, d1, y1, &f, &err), STARC_EUNDEF);
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 3, d1, y1, &f, &err), STARC_EUNDEF);
    double d2[3] = {0, 0, 2}, y2[3] = {0, 0, 1};
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 3, d2, y2, &f, &err), STARC_EUNDEF);
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 1, d2 + 2, y2 + 2, &f, &err), STARC_EUNDEF);
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 0, d2, y2, &f, &err), STARC_EUNDEF);
    double d3[3] = {0.5, -1, 2}, y3[3] = {0, 0, 1};
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 3, d3, y3, &f, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "point 1"));
    double d4[3] = {0.5, 1, 2}, y4[3] = {0, NAN, 1};
    assert_int_equal(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_RL, 3, d4, y4, &f, &err), STARC_EINVAL);
    assert_true(isnan(starc_overopt_gao_eval(STARC_OVEROPT_GAO_BON, 1, 1, -1)));
    assert_close(starc_overopt_gao_eval(STARC_OVEROPT_GAO_RL, 1, 1, 0), 0, 0, 0);
    /* alpha < 0 < beta: the best-of-n curve falls from the start, its peak is d = 0 */
    double d5[4] = {0.5, 1, 1.5, 2}, y5[4];
    for (int i = 0; i < 4; i++)
        y5[i] = starc_overopt_gao_eval(STARC_OVEROPT_GAO_BON, -1, 0.5, d5[i]);
    assert_ok(starc_overopt_gao_fit_points(STARC_OVEROPT_GAO_BON, 4, d5, y5, &f, NULL));
    assert_close(f.peak_d, 0, 0, 0);
    assert_close(f.peak_value, 0, 0, 1e-15);
}

/* ------------------------------------------------------------ best-of-n */

/* Enumerate all A^n draw sequences; the kept draw is uniform among the drawn maxima. */
static void ref_bon(size_t A, const double *p, const double *score, size_t n, double *out)
{
    size_t *seq = calloc(n, sizeof(size_t));
    memset(out, 0, A * sizeof(double));
    for (;;) {
        double prob = 1, best = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            prob *= p[seq[i]];
            best = fmax(best, score[seq[i]]);
        }
        if (prob > 0) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                k += score[seq[i]] == best;
            for (size_t i = 0; i < n; i++)
                if (score[seq[i]] == best)
                    out[seq[i]] += prob / k;
        }
        size_t j = 0;
        while (j < n && ++seq[j] == A)
            seq[j++] = 0;
        if (j == n)
            break;
    }
    free(seq);
}

static double kl_div(size_t A, const double *q, const double *p)
{
    double kl = 0;
    for (size_t a = 0; a < A; a++)
        if (q[a] > 0)
            kl += q[a] * log(q[a] / p[a]);
    return kl;
}

static void test_bon_enumeration(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(21);
    for (int trial = 0; trial < 300; trial++) {
        size_t A = 1 + (size_t)gsl_rng_uniform_int(r, 4), n = 1 + (size_t)gsl_rng_uniform_int(r, 6);
        double p[4], sc[4], out[4], ref[4], kl;
        testutil_random_policy(r, 1, A, p);
        if (A > 2 && trial % 3 == 0) { /* an action the base never takes */
            double z = p[0];
            p[0] = 0;
            p[1] += z;
        }
        for (size_t a = 0; a < A; a++) /* few distinct values: plenty of ties */
            sc[a] = (double)gsl_rng_uniform_int(r, 3) * 0.5;
        assert_ok(starc_overopt_bon_distribution(A, p, sc, n, 0.0, out, &kl, NULL));
        ref_bon(A, p, sc, n, ref);
        assert_all_close(out, ref, A, 1e-12, 1e-15);
        assert_close(kl, kl_div(A, ref, p), 1e-10, 1e-14);
        if (n == 1)
            assert_all_close(out, p, A, 0, 1e-15);
    }
    gsl_rng_free(r);
}

/* Scores within tol of a class's top count as tied: equal to exactly tied scores. */
static void test_bon_tolerance(void **state)
{
    (void)state;
    double p[4] = {0.1, 0.2, 0.3, 0.4}, sc[4] = {1.0, 1.0 + 1e-12, 0.5, 1.0 - 5e-13}, tied[4] = {1, 1, 0.5, 1};
    double out[4], ref[4];
    assert_ok(starc_overopt_bon_distribution(4, p, sc, 5, 1e-11, out, NULL, NULL));
    ref_bon(4, p, tied, 5, ref);
    assert_all_close(out, ref, 4, 1e-12, 1e-15);
    assert_ok(starc_overopt_bon_distribution(4, p, sc, 5, 0.0, out, NULL, NULL));
    ref_bon(4, p, sc, 5, ref);
    assert_all_close(out, ref, 4, 1e-12, 1e-15);
    starc_error err;
    assert_int_equal(starc_overopt_bon_distribution(4, p, sc, 0, 0, out, NULL, &err), STARC_EINVAL);
    assert_int_equal(starc_overopt_bon_distribution(4, p, sc, 2, -1, out, NULL, &err), STARC_EINVAL);
    double bad[4] = {0.5, 0.5, 0.5, -0.5};
    assert_int_equal(starc_overopt_bon_distribution(4, bad, sc, 2, 0, out, NULL, &err), STARC_EINVAL);
    double sum[4] = {0.5, 0.5, 0.5, 0};
    assert_int_equal(starc_overopt_bon_distribution(4, sum, sc, 2, 0, out, NULL, &err), STARC_EINVAL);
}

/* KL <= log n - (n-1)/n always; ties lower it further (coarse-graining); with
 * distinct scores it tends to the bound in the continuous limit, at rate 1/A^2. */
static void test_bon_kl_bound(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(22);
    const size_t A = 12;
    double p[12], sc[12], tied[12], out[12], kl, klt;
    for (int trial = 0; trial < 200; trial++) {
        size_t n = 1 + (size_t)gsl_rng_uniform_int(r, 300);
        testutil_random_policy(r, 1, A, p);
        for (size_t a = 0; a < A; a++) {
            sc[a] = gsl_rng_uniform(r);
            tied[a] = floor(4 * sc[a]); /* same order, merged into classes */
        }
        double bound = log((double)n) - (double)(n - 1) / (double)n;
        assert_ok(starc_overopt_bon_distribution(A, p, sc, n, 0, out, &kl, NULL));
        assert_true(kl <= bound + 1e-12);
        assert_close(kl, kl_div(A, out, p), 1e-10, 1e-14);
        assert_ok(starc_overopt_bon_distribution(A, p, tied, n, 0, out, &klt, NULL));
        assert_true(klt <= kl + 1e-12);
        if (n == 1)
            assert_close(kl, 0, 0, 0);
    }
    size_t ns[3] = {2, 16, 256};
    for (int i = 0; i < 3; i++) {
        double gap[2];
        for (int j = 0; j < 2; j++) {
            size_t AA = j ? 10000 : 1000;
            double *pu = malloc(AA * sizeof(double)), *su = malloc(AA * sizeof(double)), *o = malloc(AA * sizeof(double));
            for (size_t a = 0; a < AA; a++)
                pu[a] = 1.0 / AA, su[a] = (double)((a * 7919) % AA); /* distinct, shuffled */
            assert_ok(starc_overopt_bon_distribution(AA, pu, su, ns[i], 0, o, &kl, NULL));
            gap[j] = log((double)ns[i]) - (double)(ns[i] - 1) / ns[i] - kl;
            assert_true(gap[j] > 0);
            free(pu), free(su), free(o);
        }
        assert_true(gap[1] < 1e-4);
        assert_true(gap[1] < gap[0] / 50);
    }
    gsl_rng_free(r);
}

/* -------------------------------------------------------- plan & points */

/* Brute force over deterministic policies: max/min true return, best proxy. */
static void brute(const starc_mdp *m, const double *Rt, const double *Rp, double *tmax, double *tmin,
                  double *pbest, double *t_at_pbest)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = calloc(S, sizeof(size_t));
    double *pi = malloc(S * A * sizeof(double));
    *tmax = -INFINITY, *tmin = INFINITY, *pbest = -INFINITY;
    for (;;) {
        double jt, jp;
        starc_policy_from_actions(m, act, pi);
        starc_policy_return(m, pi, Rt, &jt, NULL, NULL);
        starc_policy_return(m, pi, Rp, &jp, NULL, NULL);
        *tmax = fmax(*tmax, jt), *tmin = fmin(*tmin, jt);
        if (jp > *pbest + 1e-12)
            *pbest = jp, *t_at_pbest = jt;
        size_t k = 0;
        while (k < S && ++act[k] == A)
            act[k++] = 0;
        if (k == S)
            break;
    }
    free(act), free(pi);
}

static void test_plan_info(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(31);
    for (int trial = 0; trial < 6; trial++) {
        size_t S = 3 + trial % 3, A = 2 + trial % 2;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *Rt = random_reward(r, S, A), *Rp = random_reward(r, S, A), *pb = malloc(S * A * sizeof(double));
        testutil_random_policy(r, S, A, pb);
        starc_overopt *p;
        assert_ok(starc_overopt_alloc(m, Rt, Rp, pb, NULL, &p, NULL));
        starc_overopt_info I;
        starc_overopt_get_info(p, &I);
        double tmax, tmin, pbest, tpb = 0;
        brute(m, Rt, Rp, &tmax, &tmin, &pbest, &tpb);
        assert_close(I.true_optimal_return, tmax, 1e-10, 1e-10);
        assert_close(I.true_worst_return, tmin, 1e-10, 1e-10);
        assert_close(I.true_range, tmax - tmin, 1e-10, 1e-10);
        assert_close(I.proxy_optimal_proxy_return, pbest, 1e-10, 1e-10);
        assert_close(I.proxy_optimal_true_return, tpb, 1e-10, 1e-10);
        assert_close(I.base_true_return, ref_return(m, pb, Rt), 1e-9, 1e-9);
        assert_close(I.base_proxy_return, ref_return(m, pb, Rp), 1e-9, 1e-9);
        /* CP statistics from the power-series occupancy */
        double *eta = malloc(S * sizeof(double)), *bt = malloc(S * A * sizeof(double)), *bp = malloc(S * A * sizeof(double));
        ref_occupancy(m, pb, eta);
        starc_mdp_reward_expected(m, Rt, bt);
        starc_mdp_reward_expected(m, Rp, bp);
        double g = 1 - starc_mdp_gamma(m), w, mt = 0, mp = 0, vt = 0, vp = 0, c = 0;
        for (size_t i = 0; i < S * A; i++)
            w = g * eta[i / A] * pb[i], mt += w * bt[i], mp += w * bp[i];
        for (size_t i = 0; i < S * A; i++) {
            w = g * eta[i / A] * pb[i];
            vt += w * (bt[i] - mt) * (bt[i] - mt), vp += w * (bp[i] - mp) * (bp[i] - mp);
            c += w * (bt[i] - mt) * (bp[i] - mp);
        }
        assert_close(I.sigma_true, sqrt(vt), 1e-9, 1e-12);
        assert_close(I.sigma_proxy, sqrt(vp), 1e-9, 1e-12);
        assert_close(I.r, c / sqrt(vt * vp), 1e-9, 1e-12);
        /* the proxy-optimal policy attains the best proxy return */
        double *po = malloc(S * A * sizeof(double));
        starc_overopt_proxy_optimal_policy(p, po);
        assert_close(ref_return(m, po, Rp), pbest, 1e-9, 1e-9);
        free(eta), free(bt), free(bp), free(po);
        starc_overopt_free(p);
        starc_mdp_free(m);
        free(Rt), free(Rp), free(pb);
    }
    starc_overopt_free(NULL);
    gsl_rng_free(r);
}

/* Points: KL, chi2 and returns against power-series references; the CP bound holds. */
static void test_evaluate_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(32);
    size_t S = 5, A = 3;
    for (int trial = 0; trial < 8; trial++) {
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.8 + 0.02 * trial, trial % 2);
        double g = 1 - starc_mdp_gamma(m);
        double *Rt = random_reward(r, S, A), *Rp = malloc(S * A * S * sizeof(double));
        double *pb = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        for (size_t i = 0; i < S * A * S; i++) /* correlated proxy */
            Rp[i] = Rt[i] + 0.7 * gsl_ran_gaussian(r, 1.0);
        testutil_random_policy(r, S, A, pb);
        starc_overopt *p;
        assert_ok(starc_overopt_alloc(m, Rt, Rp, pb, NULL, &p, NULL));
        starc_overopt_info I;
        starc_overopt_get_info(p, &I);
        double *eta = malloc(S * sizeof(double)), *etab = malloc(S * sizeof(double));
        ref_occupancy(m, pb, etab);
        for (int k = 0; k < 10; k++) {
            testutil_random_policy(r, S, A, pi);
            if (k == 0)
                memcpy(pi, pb, S * A * sizeof(double));
            starc_overopt_point pt;
            assert_ok(starc_overopt_evaluate(p, pi, 3.5, &pt, NULL));
            ref_occupancy(m, pi, eta);
            double kl = 0, c2 = 0;
            for (size_t s = 0; s < S; s++)
                for (size_t a = 0; a < A; a++) {
                    double q = pi[s * A + a], b = pb[s * A + a];
                    kl += eta[s] * q * log(q / b);
                    c2 += (g * eta[s] * q) * (g * eta[s] * q) / (g * etab[s] * b);
                }
            c2 -= 1;
            assert_close(pt.coef, 3.5, 0, 0);
            assert_close(pt.kl, kl, 1e-8, 1e-12);
            assert_close(pt.kl_normalized, g * kl, 1e-8, 1e-12);
            assert_close(pt.d, sqrt(kl), 1e-8, 1e-12);
            assert_close(pt.chi2, c2, 1e-8, 1e-12);
            assert_close(pt.true_return, ref_return(m, pi, Rt), 1e-9, 1e-9);
            assert_close(pt.proxy_return, ref_return(m, pi, Rp), 1e-9, 1e-9);
            assert_close(pt.true_delta, pt.true_return - I.base_true_return, 0, 1e-12);
            assert_close(pt.proxy_delta, pt.proxy_return - I.base_proxy_return, 0, 1e-12);
            /* the tight CP bound, recomputed from docs/theory.md §5 */
            double a = g * pt.proxy_delta / I.sigma_proxy;
            double b = I.sigma_true * (I.r * a - sqrt(1 - I.r * I.r) * sqrt(fmax(0, c2 - a * a))) / g;
            /* sqrt(chi2) turns round-off in chi2 ~ 1e-16 into ~1e-8 at the base policy */
            assert_close(pt.bound, b, 1e-8, k == 0 ? 1e-6 * I.sigma_true / g : 1e-10);
            assert_true(pt.true_delta >= pt.bound - 1e-9);
            if (k == 0) {
                assert_close(pt.kl, 0, 0, 1e-14);
                assert_close(pt.chi2, 0, 0, 1e-12);
                assert_close(pt.true_delta, 0, 0, 1e-12);
            }
        }
        /* leaving the base's support: infinite KL and chi2, bound -inf */
        double *pz = malloc(S * A * sizeof(double));
        memcpy(pz, pb, S * A * sizeof(double));
        pz[0] += pz[1], pz[1] = 0; /* base without action 1 in state 0 */
        starc_overopt *pzp;
        assert_ok(starc_overopt_alloc(m, Rt, Rp, pz, NULL, &pzp, NULL));
        for (size_t a = 0; a < A; a++)
            pi[a] = a == 1;
        for (size_t i = A; i < S * A; i++)
            pi[i] = pz[i];
        starc_overopt_point pt;
        assert_ok(starc_overopt_evaluate(pzp, pi, 0, &pt, NULL));
        assert_true(isinf(pt.kl) && isinf(pt.chi2) && isinf(pt.d));
        assert_true(isinf(pt.bound) && pt.bound < 0);
        starc_error err;
        pi[0] = 2;
        assert_int_equal(starc_overopt_evaluate(pzp, pi, 0, &pt, &err), STARC_EINVAL);
        starc_overopt_free(pzp);
        free(pz);
        free(eta), free(etab);
        starc_overopt_free(p);
        starc_mdp_free(m);
        free(Rt), free(Rp), free(pb), free(pi);
    }
    gsl_rng_free(r);
}

/* Best-of-n on an MDP: rows from the base's proxy Q, the KL bound, n = 1 is the base,
 * and every n improves the proxy (policy improvement theorem). */
static void test_bon_mdp(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(33);
    size_t S = 6, A = 4;
    for (int trial = 0; trial < 4; trial++) {
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double g = 1 - starc_mdp_gamma(m);
        double *Rt = random_reward(r, S, A), *Rp = random_reward(r, S, A);
        double *pb = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        double *Q = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double)), row[4];
        testutil_random_policy(r, S, A, pb);
        assert_ok(starc_policy_evaluate(m, pb, Rp, V, Q, NULL, NULL));
        starc_overopt *p;
        assert_ok(starc_overopt_alloc(m, Rt, Rp, pb, NULL, &p, NULL));
        size_t ns[6] = {1, 2, 3, 7, 50, 100000};
        for (int k = 0; k < 6; k++) {
            size_t n = ns[k];
            starc_overopt_point pt;
            assert_ok(starc_overopt_bon(p, n, NULL, pi, &pt, NULL));
            for (size_t s = 0; s < S; s++) {
                assert_ok(starc_overopt_bon_distribution(A, pb + s * A, Q + s * A, n, 0, row, NULL, NULL));
                assert_all_close(pi + s * A, row, A, 1e-9, 1e-12);
            }
            assert_close(pt.coef, (double)n, 0, 0);
            double bound = log((double)n) - (double)(n - 1) / n;
            assert_true(pt.kl_normalized <= bound + 1e-12);
            assert_close(pt.kl, pt.kl_normalized / g, 1e-12, 0);
            assert_true(pt.proxy_delta >= -1e-10);
            assert_true(pt.true_delta >= pt.bound - 1e-9);
            if (n == 1) {
                assert_close(pt.kl, 0, 0, 1e-14);
                assert_close(pt.true_delta, 0, 0, 1e-12);
                assert_all_close(pi, pb, S * A, 0, 1e-15);
            }
        }
        /* point-only and policy-only calls agree */
        starc_overopt_point pt;
        assert_ok(starc_overopt_bon(p, 9, NULL, NULL, &pt, NULL));
        assert_ok(starc_overopt_bon(p, 9, NULL, pi, NULL, NULL));
        assert_close(pt.true_return, ref_return(m, pi, Rt), 1e-9, 1e-9);
        starc_error err;
        assert_int_equal(starc_overopt_bon(p, 0, NULL, pi, NULL, &err), STARC_EINVAL);
        starc_overopt_free(p);
        starc_mdp_free(m);
        free(Rt), free(Rp), free(pb), free(pi), free(Q), free(V);
    }
    gsl_rng_free(r);
}

/* ------------------------------------------------------------ summaries */

static void summarize_seq(const double *y, size_t n, double range, starc_overopt_summary *s)
{
    starc_overopt_point pts[16];
    for (size_t i = 0; i < n; i++) {
        memset(&pts[i], 0, sizeof pts[i]);
        pts[i].true_delta = y[i];
        pts[i].coef = 100.0 / (1 + i);
        pts[i].kl = (double)i;
        pts[i].d = sqrt((double)i);
        pts[i].proxy_delta = 2.0 * i;
    }
    assert_ok(starc_overopt_summarize(pts, n, range, NULL, s, NULL));
}

static void test_summarize(void **state)
{
    (void)state;
    starc_overopt_summary s;
    double up[5] = {0, 1, 2, 3, 4};
    summarize_seq(up, 5, 8, &s);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.peak_index, 4);
    assert_int_equal(s.non_monotone, 0);
    assert_int_equal(s.local_maxima, 1);
    assert_close(s.drop, 0, 0, 0);
    assert_close(s.end_true_delta, 4, 0, 0);
    assert_close(s.end_proxy_delta, 8, 0, 0);
    assert_close(s.end_kl, 4, 0, 0);

    double hump[6] = {0, 1, 3, 2, 2, -1};
    summarize_seq(hump, 6, 8, &s);
    assert_int_equal(s.peak_index, 2);
    assert_close(s.peak_true_delta, 3, 0, 0);
    assert_close(s.peak_coef, 100.0 / 3, 0, 0);
    assert_close(s.peak_kl, 2, 0, 0);
    assert_close(s.peak_d, sqrt(2), 0, 0);
    assert_close(s.drop, 4, 0, 0);
    assert_close(s.drop_normalized, 0.5, 0, 0);
    assert_int_equal(s.non_monotone, 1);
    assert_int_equal(s.local_maxima, 1);

    double two[7] = {0, 2, 1, 1, 3, 0.5, 0.5};
    summarize_seq(two, 7, 10, &s);
    assert_int_equal(s.local_maxima, 2);
    assert_int_equal(s.peak_index, 4);
    assert_int_equal(s.non_monotone, 1);

    double valley[5] = {2, 0, 1, 1, 3}; /* endpoints higher than neighbours: 2 maxima */
    summarize_seq(valley, 5, 10, &s);
    assert_int_equal(s.local_maxima, 2);
    assert_int_equal(s.non_monotone, 1);
    assert_close(s.drop, 0, 0, 0);

    double down[4] = {0, -1, -1, -2};
    summarize_seq(down, 4, 10, &s);
    assert_int_equal(s.peak_index, 0);
    assert_int_equal(s.non_monotone, 0);
    assert_int_equal(s.local_maxima, 1);

    double flat[4] = {1, 1 + 1e-12, 1 - 1e-12, 1}; /* round-off wiggles are flat */
    summarize_seq(flat, 4, 1, &s);
    assert_int_equal(s.non_monotone, 0);
    assert_int_equal(s.local_maxima, 1);

    double tie[5] = {0, 2, 1, 2, 0}; /* equal peaks: the first is reported */
    summarize_seq(tie, 5, 0, &s);
    assert_int_equal(s.peak_index, 1);
    assert_int_equal(s.local_maxima, 2);
    assert_true(isnan(s.drop_normalized));

    starc_overopt_point bad = {0};
    bad.true_delta = NAN;
    starc_error err;
    assert_int_equal(starc_overopt_summarize(&bad, 1, 1, NULL, &s, &err), STARC_EINVAL);
    assert_int_equal(starc_overopt_summarize(&bad, 0, 1, NULL, &s, &err), STARC_EINVAL);
}


/* ---------------------------------------------------------------- sweeps */

/* Regularised paths: divergence and proxy return are monotone in the coefficient
 * (from the optimality of each point), the ends are the base and the proxy optimum,
 * the automatic range is minimal within a factor 2, and the points agree with the
 * regulariser's own diagnostics. */
static void test_sweep_regularized(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(51);
    const starc_overopt_method methods[4] = {STARC_OVEROPT_AD_KL, STARC_OVEROPT_OM_CHI2, STARC_OVEROPT_OM_SQRT_CHI2,
                                             STARC_OVEROPT_OM_KL};
    for (int trial = 0; trial < 3; trial++) {
        size_t S = 4 + trial, A = 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial == 1);
        double *Rt = random_reward(r, S, A), *Rp = malloc(S * A * S * sizeof(double));
        double *pb = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        for (size_t i = 0; i < S * A * S; i++)
            Rp[i] = Rt[i] + gsl_ran_gaussian(r, 1.0);
        testutil_random_policy(r, S, A, pb);
        starc_overopt *p;
        assert_ok(starc_overopt_alloc(m, Rt, Rp, pb, NULL, &p, NULL));
        starc_overopt_info I;
        starc_overopt_get_info(p, &I);
        double gap = I.proxy_optimal_proxy_return - I.base_proxy_return;
        assert_true(gap > 0);
        starc_overopt_options o;
        starc_overopt_options_default(&o);
        o.points = 25;
        o.range_tol = 1e-4;
        starc_overopt_point pts[25], q;
        for (int k = 0; k < 4; k++) {
            size_t n = 0;
            double lo, hi;
            starc_error e0;
            int st0 = starc_overopt_sweep(p, methods[k], &o, pts, &n, &lo, &hi, &e0);
            if (st0) print_error("trial %d method %d: %s\n", trial, k, e0.message);
            assert_ok(st0);
            assert_int_equal(n, 25);
            assert_close(pts[0].coef, hi, 0, 0);
            assert_close(pts[n - 1].coef, lo, 0, 0);
            for (size_t i = 1; i < n; i++) {
                /* om-sqrt-chi2's lambda(c') is constant (the frontier's slope at the base) while
                 * no occupancy is clipped: there consecutive values agree to the accuracy of the
                 * om-chi2 solutions they come from, whose stopping rule is a flow residual of
                 * 1e-10 (seen: 1.1e-10 relative), so allow 100 times that */
                if (methods[k] == STARC_OVEROPT_OM_SQRT_CHI2)
                    assert_true(pts[i].coef <= pts[i - 1].coef * (1 + 1e-8));
                else
                    assert_true(pts[i].coef < pts[i - 1].coef);
                if (methods[k] != STARC_OVEROPT_OM_SQRT_CHI2)
                    assert_close(log(pts[i - 1].coef / pts[i].coef), log(hi / lo) / (n - 1), 1e-9, 0);
                double div = methods[k] == STARC_OVEROPT_AD_KL ? pts[i].kl : methods[k] == STARC_OVEROPT_OM_KL ? -1 : pts[i].chi2;
                double prev = methods[k] == STARC_OVEROPT_AD_KL ? pts[i - 1].kl : methods[k] == STARC_OVEROPT_OM_KL ? -1 : pts[i - 1].chi2;
                assert_true(div >= prev - 1e-8 * (1 + fabs(prev)));
                assert_true(pts[i].proxy_return >= pts[i - 1].proxy_return - 1e-8 * (1 + fabs(gap)));
            }
            /* ends: within range_tol of the base and of the proxy optimum */
            assert_true(pts[0].proxy_delta <= o.range_tol * gap + 1e-12);
            assert_true(pts[0].proxy_delta >= -1e-9 * gap);
            assert_true(fabs(pts[0].true_delta) <= 0.05 * I.true_range);
            assert_true(pts[n - 1].proxy_return >= I.proxy_optimal_proxy_return - o.range_tol * gap - 1e-12);
            assert_close(pts[n - 1].true_return, I.proxy_optimal_true_return, 0, 0.05 * I.true_range);
            /* minimal range within a factor 2 (unless the base end is exact, as for om-sqrt-chi2) */
            if (hi / 2 > lo && methods[k] != STARC_OVEROPT_OM_SQRT_CHI2) {
                assert_ok(starc_overopt_solve(p, methods[k], hi / 2, NULL, NULL, &q, NULL));
                assert_true(q.proxy_delta > o.range_tol * gap);
            }
            if (2 * lo < hi) {
                assert_ok(starc_overopt_solve(p, methods[k], 2 * lo, NULL, NULL, &q, NULL));
                assert_true(q.proxy_return < I.proxy_optimal_proxy_return - o.range_tol * gap);
            }
            /* om-sqrt-chi2 walks om-chi2's optima: solving om-sqrt-chi2 directly at a reported
             * coefficient gives the same point wherever lambda is below the frontier's slope at
             * the base (on the unclipped segment every point has lambda = that slope, and all of
             * them, the base included, are optimal there) */
            size_t compared = 0;
            if (methods[k] == STARC_OVEROPT_OM_SQRT_CHI2)
                for (size_t i = 1; i < n; i++) {
                    /* plateau points agree with pts[0] only to the om-chi2 solutions'
                     * accuracy, amplified by 1/sqrt(chi2) near the base (seen: 6.5e-9) */
                    if (!(pts[i].coef < pts[0].coef * (1 - 1e-7)))
                        continue;
                    compared++;
                    assert_ok(starc_overopt_solve(p, methods[k], pts[i].coef, NULL, NULL, &q, NULL));
                    assert_close(q.chi2, pts[i].chi2, 1e-6, 1e-9);
                    assert_close(q.true_return, pts[i].true_return, 1e-7, 1e-9);
                }
            /* the point of one coefficient equals the regulariser's diagnostics */
            if (methods[k] == STARC_OVEROPT_OM_SQRT_CHI2) {
                assert_true(compared >= n / 4);
                continue;
            }
            starc_regularize *rg;
            double *bt = malloc(S * A * sizeof(double)), *bp = malloc(S * A * sizeof(double));
            starc_mdp_reward_expected(m, Rt, bt);
            starc_mdp_reward_expected(m, Rp, bp);
            assert_ok(starc_regularize_alloc_rbar(m, bt, bp, pb, NULL, &rg, NULL));
            starc_regularize_result res;
            double c = pts[n / 2].coef;
            const starc_regularize_method rm[4] = {STARC_REGULARIZE_AD_KL, STARC_REGULARIZE_OM_CHI2,
                                                   STARC_REGULARIZE_OM_SQRT_CHI2, STARC_REGULARIZE_OM_KL};
            assert_ok(starc_regularize_solve(rg, rm[k], c, pi, &res, NULL));
            assert_close(pts[n / 2].kl, res.ad_kl_unnormalized, 1e-6, 1e-9);
            assert_close(pts[n / 2].chi2, res.chi2, 1e-6, 1e-9);
            assert_close(pts[n / 2].true_return, res.true_return, 1e-7, 1e-9);
            assert_close(pts[n / 2].proxy_return, res.proxy_return, 1e-7, 1e-9);
            starc_regularize_free(rg);
            free(bt), free(bp);
        }
        /* user-given range */
        o.coef_min = 0.1, o.coef_max = 10, o.points = 5;
        size_t n;
        assert_ok(starc_overopt_sweep(p, STARC_OVEROPT_AD_KL, &o, pts, &n, NULL, NULL, NULL));
        double want[5] = {10, sqrt(10), 1, sqrt(0.1), 0.1};
        for (int i = 0; i < 5; i++)
            assert_close(pts[i].coef, want[i], 1e-14, 0);
        /* one end given, the other automatic */
        o.coef_max = 0;
        double lo, hi;
        assert_ok(starc_overopt_sweep(p, STARC_OVEROPT_OM_CHI2, &o, pts, &n, &lo, &hi, NULL));
        assert_close(lo, 0.1, 0, 0);
        assert_true(hi > lo && pts[0].proxy_delta <= o.range_tol * gap + 1e-12);
        starc_error err;
        o.coef_max = 0.05;
        assert_int_equal(starc_overopt_sweep(p, STARC_OVEROPT_AD_KL, &o, pts, &n, NULL, NULL, &err), STARC_EINVAL);
        o.coef_max = 0, o.points = 1;
        assert_int_equal(starc_overopt_sweep(p, STARC_OVEROPT_AD_KL, &o, pts, &n, NULL, NULL, &err), STARC_EINVAL);
        assert_int_equal(starc_overopt_solve(p, STARC_OVEROPT_BON, 1, NULL, NULL, &q, &err), STARC_EINVAL);
        starc_overopt_free(p);
        starc_mdp_free(m);
        free(Rt), free(Rp), free(pb), free(pi);
    }
    gsl_rng_free(r);
}

static void test_sweep_bon_and_names(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(52);
    size_t S = 5, A = 4;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 0);
    double *Rt = random_reward(r, S, A), *Rp = random_reward(r, S, A), *pb = malloc(S * A * sizeof(double));
    testutil_random_policy(r, S, A, pb);
    starc_overopt *p;
    assert_ok(starc_overopt_alloc(m, Rt, Rp, pb, NULL, &p, NULL));
    starc_overopt_options o;
    starc_overopt_options_default(&o);
    o.points = 30;
    o.bon_max = 50;
    starc_overopt_point pts[30], q;
    size_t n;
    double lo, hi;
    assert_ok(starc_overopt_sweep(p, STARC_OVEROPT_BON, &o, pts, &n, &lo, &hi, NULL));
    assert_true(n >= 15 && n < 30); /* rounding 50^(i/29) repeats small n */
    assert_close(pts[0].coef, 1, 0, 0);
    assert_close(pts[n - 1].coef, 50, 0, 0);
    assert_close(lo, 1, 0, 0);
    assert_close(hi, 50, 0, 0);
    for (size_t i = 0; i < n; i++) {
        double k = pts[i].coef;
        assert_true(k == floor(k));
        if (i)
            assert_true(k > pts[i - 1].coef);
        assert_true(pts[i].kl_normalized <= log(k) - (k - 1) / k + 1e-12);
        assert_ok(starc_overopt_bon(p, (size_t)k, &o, NULL, &q, NULL));
        assert_memory_equal(&q, &pts[i], sizeof q);
    }
    starc_overopt_method me;
    for (int i = 0; i < STARC_OVEROPT_METHOD_COUNT; i++) {
        assert_ok(starc_overopt_method_parse(starc_overopt_method_name((starc_overopt_method)i), &me, NULL));
        assert_int_equal(me, i);
    }
    assert_null(starc_overopt_method_name(STARC_OVEROPT_METHOD_COUNT));
    starc_error err;
    assert_int_equal(starc_overopt_method_parse("kl", &me, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "om-sqrt-chi2"));
    starc_overopt_free(p);
    starc_mdp_free(m);
    free(Rt), free(Rp), free(pb);
    gsl_rng_free(r);
}


/* The demo's construction (tools/cmd-overopt.c): an off-distribution proxy on a random
 * MDP with a peaked base policy overoptimises: every path rises, then falls. */
static void test_rise_then_fall(void **state)
{
    (void)state;
    const size_t S = 12, A = 4;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20240611);
    double *T = calloc(S * A * S, sizeof(double)), mu0[12], alpha[12], *Rt = calloc(S * A * S, sizeof(double));
    double *Rp = calloc(S * A, sizeof(double)), *Rpd = calloc(S * A * S, sizeof(double)), *pb = calloc(S * A, sizeof(double));
    for (size_t s = 0; s < S; s++)
        alpha[s] = 0.3, mu0[s] = 1.0 / S;
    for (size_t sa = 0; sa < S * A; sa++)
        gsl_ran_dirichlet(r, S, alpha, T + sa * S);
    for (size_t sa = 0; sa < S * A; sa++) {
        double x = gsl_ran_gaussian(r, 1.0);
        for (size_t t = 0; t < S; t++)
            Rt[sa * S + t] = x;
    }
    for (size_t s = 0; s < S; s++) {
        size_t fav = gsl_rng_uniform_int(r, A);
        for (size_t a = 0; a < A; a++)
            pb[s * A + a] = a == fav ? 0.85 : 0.15 / (A - 1);
    }
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(S, A, T, mu0, 0.9, NULL, &m, NULL));
    starc_proxygen_options po;
    starc_proxygen_options_default(&po);
    po.kind = STARC_PROXYGEN_OFF_DISTRIBUTION;
    po.seed = 7;
    assert_ok(starc_proxygen(m, Rt, pb, &po, Rp, NULL));
    for (size_t sa = 0; sa < S * A; sa++)
        for (size_t t = 0; t < S; t++)
            Rpd[sa * S + t] = Rp[sa];
    starc_overopt *p;
    assert_ok(starc_overopt_alloc(m, Rt, Rpd, pb, NULL, &p, NULL));
    starc_overopt_info I;
    starc_overopt_get_info(p, &I);
    assert_true(I.r > 0.5);                                  /* a good proxy where the base goes ... */
    assert_true(I.proxy_optimal_true_return < I.base_true_return); /* ... whose optimum is reward hacking */
    starc_overopt_point pts[41];
    for (int k = 0; k < STARC_OVEROPT_METHOD_COUNT; k++) {
        if (k == STARC_OVEROPT_OM_KL)
            continue;
        size_t n;
        assert_ok(starc_overopt_sweep(p, (starc_overopt_method)k, NULL, pts, &n, NULL, NULL, NULL));
        starc_overopt_summary sm;
        assert_ok(starc_overopt_summarize(pts, n, I.true_range, NULL, &sm, NULL));
        assert_int_equal(sm.non_monotone, 1);
        assert_true(sm.peak_index > 0 && sm.peak_index < n - 1);
        assert_true(sm.peak_true_delta > 0 && sm.end_true_delta < 0);
        assert_true(sm.drop_normalized > 0.1);
        /* the CP bound holds at every point */
        for (size_t i = 0; i < n; i++)
            assert_true(pts[i].true_delta >= pts[i].bound - 1e-9 * (1 + fabs(pts[i].bound)));
    }
    starc_overopt_free(p);
    starc_mdp_free(m);
    free(T), free(Rt), free(Rp), free(Rpd), free(pb);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gao_exact_recovery),   cmocka_unit_test(test_gao_normal_equations),
        cmocka_unit_test(test_gao_errors),           cmocka_unit_test(test_bon_enumeration),
        cmocka_unit_test(test_bon_tolerance),        cmocka_unit_test(test_bon_kl_bound),
        cmocka_unit_test(test_plan_info),            cmocka_unit_test(test_evaluate_reference),
        cmocka_unit_test(test_bon_mdp),              cmocka_unit_test(test_summarize),
        cmocka_unit_test(test_sweep_regularized),    cmocka_unit_test(test_sweep_bon_and_names),
        cmocka_unit_test(test_rise_then_fall),
    };
    return cmocka_run_group_tests_name("overopt", tests, NULL, NULL);
}
