/* starc/fit.h against slow references: exact recovery of known coefficients for every form and
 * centring, the normal equations solved by hand, the coverage of the bootstrap intervals measured
 * over many seeded data sets, scaling invariance, the best-of-n estimator against enumeration of
 * every n-subset (with and without ties) and its KL against the exact discrete formula and
 * numerical integration, the extrapolation check, and the scaling fits on exact log-linear data. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include "testutil.h"

static const starc_fit_form all_forms[4] = {STARC_FIT_BON, STARC_FIT_RL, STARC_FIT_LOG1P, STARC_FIT_POWER};

/* Coefficients with a peak inside d in (0, 4): alpha, beta, g. */
static void random_coef(gsl_rng *r, starc_fit_form form, double *a, double *b, double *g)
{
    *g = form == STARC_FIT_POWER ? 0.5 + 1.5 * gsl_rng_uniform(r) : NAN;
    *b = 0.2 + gsl_rng_uniform(r);
    double dstar = 0.8 + 2.0 * gsl_rng_uniform(r);
    switch (form) {
    case STARC_FIT_BON: *a = 2.0 * *b * dstar; break;
    case STARC_FIT_RL: *a = *b * (1.0 + log(dstar)); break;
    case STARC_FIT_LOG1P: *a = *b * (log1p(dstar) + dstar / (1.0 + dstar)); break;
    default: *a = *b * (1.0 + *g) * pow(dstar, *g);
    }
}

/* n points d = sqrt(KL) on (0, 4] with a random spacing, the first one at 0 when with_zero. */
static void random_d(gsl_rng *r, size_t n, int with_zero, double *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] = with_zero && i == 0 ? 0.0 : 4.0 * ((double)i + gsl_rng_uniform(r)) / (double)n;
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < STARC_FIT_FORM_COUNT; i++) {
        starc_fit_form f;
        assert_ok(starc_fit_form_parse(starc_fit_form_name((starc_fit_form)i), &f, NULL));
        assert_int_equal(f, i);
    }
    starc_fit_form f;
    starc_fit_center c;
    starc_fit_scaling_kind k;
    assert_int_equal(starc_fit_form_parse("quadratic", &f, NULL), STARC_EINVAL);
    assert_int_equal(starc_fit_form_parse(NULL, &f, NULL), STARC_EINVAL);
    assert_null(starc_fit_form_name((starc_fit_form)4));
    assert_string_equal(starc_fit_form_name(STARC_FIT_RL), "rl");
    for (int i = 0; i < STARC_FIT_CENTER_COUNT; i++) {
        assert_ok(starc_fit_center_parse(starc_fit_center_name((starc_fit_center)i), &c, NULL));
        assert_int_equal(c, i);
    }
    assert_int_equal(starc_fit_center_parse("mean", &c, NULL), STARC_EINVAL);
    assert_ok(starc_fit_scaling_kind_parse("joint", &k, NULL));
    assert_int_equal(k, STARC_FIT_SCALING_JOINT);
    assert_int_equal(starc_fit_scaling_kind_parse("both", &k, NULL), STARC_EINVAL);
    for (int i = 0; i < STARC_FIT_SCALING_KIND_COUNT; i++) {
        assert_ok(starc_fit_scaling_kind_parse(starc_fit_scaling_kind_name((starc_fit_scaling_kind)i), &k, NULL));
        assert_int_equal(k, i);
    }
    assert_null(starc_fit_center_name((starc_fit_center)STARC_FIT_CENTER_COUNT));
    assert_null(starc_fit_scaling_kind_name((starc_fit_scaling_kind)STARC_FIT_SCALING_KIND_COUNT));
    /* like every _parse: the message names the bad name and lists the valid ones */
    starc_error err;
    assert_int_equal(starc_fit_form_parse("quadratic", &f, &err), STARC_EINVAL);
    assert_string_equal(err.message, "'quadratic' is not a fit form (bon, rl, log1p, power)");
    assert_int_equal(starc_fit_center_parse(NULL, &c, &err), STARC_EINVAL);
    assert_string_equal(err.message, "'(null)' is not a fit centring (none, origin, intercept, auto)");
    assert_int_equal(starc_fit_scaling_kind_parse("both", &k, &err), STARC_EINVAL);
    assert_string_equal(err.message, "'both' is not a scaling kind (separate, joint)");
    /* the overopt wrapper's forms are fit.h's first two */
    assert_close(starc_overopt_gao_eval(STARC_OVEROPT_GAO_RL, 1.5, 0.7, 2.0),
                 starc_fit_eval(STARC_FIT_RL, 1.5, 0.7, NAN, 2.0), 0, 0);
    assert_true(isnan(starc_fit_eval(STARC_FIT_BON, 1, 1, NAN, -1)));
    assert_close(starc_fit_eval(STARC_FIT_POWER, 1, 1, 0.5, 0), 0, 0, 0);
}

/* Noise-free data: every form and centring recovers the coefficients, and the peak is the
 * maximum of the fitted curve. */
static void test_exact_recovery(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    for (int trial = 0; trial < 48; trial++) {
        starc_fit_form form = all_forms[trial % 4];
        starc_fit_center center = (starc_fit_center)((trial / 4) % 3);
        size_t n = 8 + (size_t)(trial % 5) * 5;
        double a, b, g, d[40], y[40], res[40];
        random_coef(r, form, &a, &b, &g);
        const double scale = pow(10.0, (double)(trial % 7) - 3.0), off = center ? 3.0 * scale : 0.0;
        random_d(r, n, center == STARC_FIT_CENTER_ORIGIN, d);
        for (size_t i = 0; i < n; i++)
            y[i] = off + scale * starc_fit_eval(form, a, b, g, d[i]);
        o.center = center;
        starc_fit_result f;
        starc_error err;
        if (starc_fit_points(form, n, d, y, &o, &f, res, &err) != STARC_OK) {
            print_error("trial %d: %s\n", trial, err.message);
            fail();
        }
        assert_int_equal(f.center, center);
        assert_int_equal(f.n, n);
        assert_close(f.alpha, scale * a, 1e-8, 0);
        assert_close(f.beta, scale * b, 1e-8, 0);
        if (form == STARC_FIT_POWER)
            assert_close(f.g, g, 1e-8, 0);
        else
            assert_true(isnan(f.g));
        assert_close(f.offset, off, 1e-8, 1e-8 * scale);
        assert_true(f.r2 > 1.0 - 1e-12);
        for (size_t i = 0; i < n; i++)
            assert_close(res[i], 0.0, 0, 1e-8 * scale);
        /* the peak: the grid maximum is never above it, and it is where the slope is zero */
        assert_true(f.peak_d > 0.0);
        assert_close(f.peak_kl, f.peak_d * f.peak_d, 1e-15, 0);
        assert_close(f.peak_value, starc_fit_eval(form, f.alpha, f.beta, f.g, f.peak_d), 1e-14, 0);
        for (int k = 0; k <= 400; k++) {
            double x = 0.02 * k;
            assert_true(starc_fit_eval(form, f.alpha, f.beta, f.g, x) <= f.peak_value * (1 + 1e-12));
        }
        double h = 1e-5 * f.peak_d;
        double slope = (starc_fit_eval(form, f.alpha, f.beta, f.g, f.peak_d + h) -
                        starc_fit_eval(form, f.alpha, f.beta, f.g, f.peak_d - h)) / (2 * h);
        assert_close(slope, 0.0, 0, 1e-6 * scale);
        /* a linear form's coefficients have zero standard error on exact data */
        if (form != STARC_FIT_POWER)
            assert_true(f.alpha_ci.se <= 1e-6 * scale);
    }
    gsl_rng_free(r);
}

/* Solve the p x p system A x = b by Gaussian elimination with partial pivoting (p <= 3). */
static void solve_small(size_t p, double A[3][3], double *b, double *x)
{
    for (size_t c = 0; c < p; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < p; r++)
            if (fabs(A[r][c]) > fabs(A[piv][c]))
                piv = r;
        for (size_t k = 0; k < p; k++) {
            double t = A[c][k];
            A[c][k] = A[piv][k];
            A[piv][k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (size_t r = c + 1; r < p; r++) {
            double m = A[r][c] / A[c][c];
            for (size_t k = c; k < p; k++)
                A[r][k] -= m * A[c][k];
            b[r] -= m * b[c];
        }
    }
    for (size_t c = p; c-- > 0;) {
        double s = b[c];
        for (size_t k = c + 1; k < p; k++)
            s -= A[c][k] * x[k];
        x[c] = s / A[c][c];
    }
}

/* Noisy data, linear forms: coefficients and standard errors against the normal equations. */
static void test_normal_equations(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(12);
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    for (int trial = 0; trial < 30; trial++) {
        starc_fit_form form = all_forms[trial % 3];
        int icpt = trial % 2;
        size_t n = 12 + (size_t)trial, p = 2 + (size_t)icpt;
        double a, b, g, d[48], y[48], X[48][3];
        random_coef(r, form, &a, &b, &g);
        random_d(r, n, 0, d);
        for (size_t i = 0; i < n; i++) {
            y[i] = 1.5 * icpt + starc_fit_eval(form, a, b, g, d[i]) + 0.3 * gsl_ran_gaussian(r, 1.0);
            X[i][0] = d[i];
            X[i][1] = form == STARC_FIT_BON ? -d[i] * d[i] : form == STARC_FIT_RL ? -d[i] * log(d[i]) : -d[i] * log1p(d[i]);
            X[i][2] = 1.0;
        }
        double A[3][3] = {{0}}, rhs[3] = {0}, x[3];
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p; j++) {
                rhs[j] += X[i][j] * y[i];
                for (size_t k = 0; k < p; k++)
                    A[j][k] += X[i][j] * X[i][k];
            }
        double A2[3][3], rhs2[3];
        memcpy(A2, A, sizeof A);
        memcpy(rhs2, rhs, sizeof rhs);
        solve_small(p, A2, rhs2, x);
        o.center = icpt ? STARC_FIT_CENTER_INTERCEPT : STARC_FIT_CENTER_NONE;
        starc_fit_result f;
        assert_ok(starc_fit_points(form, n, d, y, &o, &f, NULL, NULL));
        assert_close(f.alpha, x[0], 1e-9, 0);
        assert_close(f.beta, x[1], 1e-9, 0);
        if (icpt)
            assert_close(f.offset, x[2], 1e-9, 1e-12);
        double rss = 0.0, mean = 0.0, tss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = y[i] - (icpt ? x[2] : 0.0) - x[0] * X[i][0] - x[1] * X[i][1];
            rss += e * e;
            mean += y[i] / (double)n;
        }
        for (size_t i = 0; i < n; i++)
            tss += (y[i] - mean) * (y[i] - mean);
        assert_close(f.rss, rss, 1e-9, 0);
        assert_close(f.r2, 1 - rss / tss, 1e-9, 1e-12);
        /* standard errors: s^2 (X^T X)^-1, its diagonal by solving A c_j = e_j */
        double s2 = rss / (double)(n - p);
        for (size_t j = 0; j < p; j++) {
            double e[3] = {0}, col[3];
            e[j] = 1.0;
            memcpy(A2, A, sizeof A);
            solve_small(p, A2, e, col);
            double se = sqrt(s2 * col[j]);
            double got = j == 0 ? f.alpha_ci.se : j == 1 ? f.beta_ci.se : f.offset_ci.se;
            assert_close(got, se, 1e-7, 0);
        }
        /* the overopt wrapper is the same code path: bit for bit */
        if (!icpt && form != STARC_FIT_LOG1P) {
            starc_overopt_gao_fit gf;
            const starc_overopt_gao_form gform = form == STARC_FIT_BON ? STARC_OVEROPT_GAO_BON : STARC_OVEROPT_GAO_RL;
            assert_ok(starc_overopt_gao_fit_points(gform, n, d, y, &gf, NULL));
            assert_true(gf.alpha == f.alpha && gf.beta == f.beta && gf.r2 == f.r2 && gf.rss == f.rss);
            assert_true(gf.peak_d == f.peak_d || (isnan(gf.peak_d) && isnan(f.peak_d)));
        }
    }
    gsl_rng_free(r);
}

/* Origin centring: the offset is the mean at d = 0 and its standard error s/sqrt(n0); the
 * coefficients are those of the fit to y - offset. */
static void test_origin_centring(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(13);
    double d[30], y[30], yc[30];
    size_t n = 30;
    for (size_t i = 0; i < n; i++) {
        d[i] = i < 3 ? 0.0 : 0.1 * (double)i;
        y[i] = 2.0 + starc_fit_eval(STARC_FIT_RL, 1.0, 0.8, NAN, d[i]) + 0.1 * gsl_ran_gaussian(r, 1.0);
    }
    double y0 = (y[0] + y[1] + y[2]) / 3.0;
    for (size_t i = 0; i < n; i++)
        yc[i] = y[i] - y0;
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    o.center = STARC_FIT_CENTER_AUTO;
    starc_fit_result f, g;
    assert_ok(starc_fit_points(STARC_FIT_RL, n, d, y, &o, &f, NULL, NULL));
    assert_int_equal(f.center, STARC_FIT_CENTER_ORIGIN);
    assert_int_equal(f.nparam, 3);
    assert_close(f.offset, y0, 1e-14, 0);
    assert_close(f.offset_ci.se, f.sigma / sqrt(3.0), 1e-12, 0);
    o.center = STARC_FIT_CENTER_NONE;
    assert_ok(starc_fit_points(STARC_FIT_RL, n, d, yc, &o, &g, NULL, NULL));
    assert_close(f.alpha, g.alpha, 1e-12, 0);
    assert_close(f.beta, g.beta, 1e-12, 0);
    /* the offset's noise widens the coefficients' errors */
    assert_true(f.alpha_ci.se > g.alpha_ci.se * sqrt((double)(n - 2) / (double)(n - 3)) * (1 - 1e-12));
    /* no point at d = 0: auto means intercept, origin is an error */
    o.center = STARC_FIT_CENTER_AUTO;
    assert_ok(starc_fit_points(STARC_FIT_RL, n - 3, d + 3, y + 3, &o, &f, NULL, NULL));
    assert_int_equal(f.center, STARC_FIT_CENTER_INTERCEPT);
    o.center = STARC_FIT_CENTER_ORIGIN;
    starc_error err;
    assert_int_equal(starc_fit_points(STARC_FIT_RL, n - 3, d + 3, y + 3, &o, &f, NULL, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "KL = 0"));
    gsl_rng_free(r);
}

/* Coverage of the 95% intervals over many seeded data sets with known coefficients (Gaussian
 * noise, so alpha +- t se covers exactly 95%).  2000 data sets of 25 points, 500 replicates each:
 * the binomial standard error of a 95% rate is 0.49 points, so [0.935, 0.965] is a +-3 sigma band.
 * Plain percentile intervals (without the expansion of interval() in fit.c) measured 0.929-0.936
 * here with 400 replicates and fail it; these measured 0.945-0.952. */
static void test_coverage(void **state)
{
    (void)state;
    if (!testutil_slow())
        skip(); /* 2 x 2000 data sets x 500 bootstrap draws: the slow tier (make check-slow) */
    const int sets = 2000;
    struct { starc_fit_form form; starc_fit_center center; } cases[2] = {
        {STARC_FIT_BON, STARC_FIT_CENTER_NONE}, {STARC_FIT_RL, STARC_FIT_CENTER_ORIGIN}};
    for (int c = 0; c < 2; c++) {
        gsl_rng *r = testutil_rng(100 + (unsigned long)c);
        starc_fit_options o;
        starc_fit_options_default(&o);
        o.bootstrap = 500;
        o.center = cases[c].center;
        const double a = 1.2, b = 0.5, off = c ? 0.7 : 0.0;
        double pd, pv;
        assert_ok(starc_fit_peak(cases[c].form, a, b, NAN, NULL, &pd, &pv, NULL));
        int cov_a = 0, cov_b = 0, cov_p = 0, cov_se = 0;
        for (int s = 0; s < sets; s++) {
            const size_t n = 25;
            double d[25], y[25];
            for (size_t i = 0; i < n; i++) {
                d[i] = c ? (i < 2 ? 0.0 : 0.2 * (double)i) : 0.15 * (double)(i + 1);
                y[i] = off + starc_fit_eval(cases[c].form, a, b, NAN, d[i]) + 0.25 * gsl_ran_gaussian(r, 1.0);
            }
            o.seed = (uint64_t)s + 1;
            starc_fit_result f;
            assert_ok(starc_fit_points(cases[c].form, n, d, y, &o, &f, NULL, NULL));
            assert_int_equal(f.boot + f.boot_failed, 500);
            assert_int_equal(f.boot_failed, 0);
            cov_a += f.alpha_ci.lo <= a && a <= f.alpha_ci.hi;
            cov_b += f.beta_ci.lo <= b && b <= f.beta_ci.hi;
            cov_p += f.peak_d_ci.lo <= pd && pd <= f.peak_d_ci.hi;
            cov_se += fabs(f.alpha - a) <= gsl_cdf_tdist_Pinv(0.975, (double)(n - f.nparam)) * f.alpha_ci.se;
        }
        double ra = cov_a / (double)sets, rb = cov_b / (double)sets, rp = cov_p / (double)sets,
               rs = cov_se / (double)sets;
        print_message("coverage (%s, %s): alpha %.3f beta %.3f peak_d %.3f, alpha +- t se %.3f\n",
                      starc_fit_form_name(cases[c].form), starc_fit_center_name(cases[c].center), ra, rb, rp, rs);
        assert_true(ra >= 0.935 && ra <= 0.965);
        assert_true(rb >= 0.935 && rb <= 0.965);
        assert_true(rp >= 0.935 && rp <= 0.965);
        assert_true(rs >= 0.935 && rs <= 0.965);
        gsl_rng_free(r);
    }
}

/* y -> c y: coefficients, offsets, intervals and peak values scale by c; peak positions do not. */
static void test_scaling_invariance(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(14);
    for (int k = 0; k < 4; k++) {
        starc_fit_form form = all_forms[k];
        double a, b, g, d[30], y[30], yc[30];
        random_coef(r, form, &a, &b, &g);
        random_d(r, 30, 1, d);
        for (size_t i = 0; i < 30; i++) {
            y[i] = 0.4 + starc_fit_eval(form, a, b, g, d[i]) + 0.05 * gsl_ran_gaussian(r, 1.0);
            yc[i] = 1e4 * y[i];
        }
        starc_fit_options o;
        starc_fit_options_default(&o);
        o.bootstrap = 500;
        o.center = STARC_FIT_CENTER_AUTO;
        starc_fit_result f, h;
        assert_ok(starc_fit_points(form, 30, d, y, &o, &f, NULL, NULL));
        assert_ok(starc_fit_points(form, 30, d, yc, &o, &h, NULL, NULL));
        const double t = 1e-7;
        assert_close(h.alpha, 1e4 * f.alpha, t, 0);
        assert_close(h.beta, 1e4 * f.beta, t, 0);
        assert_close(h.offset, 1e4 * f.offset, t, 0);
        assert_close(h.alpha_ci.se, 1e4 * f.alpha_ci.se, t, 0);
        assert_close(h.alpha_ci.lo, 1e4 * f.alpha_ci.lo, t, 0);
        assert_close(h.beta_ci.hi, 1e4 * f.beta_ci.hi, t, 0);
        assert_close(h.peak_d, f.peak_d, t, 0);
        assert_close(h.peak_value, 1e4 * f.peak_value, t, 0);
        assert_close(h.peak_d_ci.lo, f.peak_d_ci.lo, 1e-6, 0);
        assert_close(h.r2, f.r2, 1e-9, 0);
        if (form == STARC_FIT_POWER)
            assert_close(h.g, f.g, t, 0);
        /* same seed, same intervals; another seed, other intervals */
        starc_fit_result f2;
        assert_ok(starc_fit_points(form, 30, d, y, &o, &f2, NULL, NULL));
        assert_true(f2.alpha_ci.lo == f.alpha_ci.lo && f2.peak_value_ci.hi == f.peak_value_ci.hi);
        o.seed = 2;
        assert_ok(starc_fit_points(form, 30, d, y, &o, &f2, NULL, NULL));
        assert_true(f2.alpha_ci.lo != f.alpha_ci.lo);
    }
    gsl_rng_free(r);
}

static void test_errors(void **state)
{
    (void)state;
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    starc_fit_result f;
    starc_error err;
    double d1[3] = {1, 1, 1}, y1[3] = {1, 2, 3};
    assert_int_equal(starc_fit_points(STARC_FIT_RL, 3, d1, y1, &o, &f, NULL, &err), STARC_EUNDEF);
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 3, d1, y1, &o, &f, NULL, &err), STARC_EUNDEF);
    double d2[3] = {0, 0, 2}, y2[3] = {0, 0, 1};
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 3, d2, y2, &o, &f, NULL, &err), STARC_EUNDEF);
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 1, d2 + 2, y2 + 2, &o, &f, NULL, &err), STARC_EUNDEF);
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 0, d2, y2, &o, &f, NULL, &err), STARC_EUNDEF);
    double d3[3] = {1, -1, 2}, y3[3] = {0, 0, 0};
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 3, d3, y3, &o, &f, NULL, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "negative"));
    double d4[4] = {1, 2, NAN, 3}, y4[4] = {1, 1.5, 2, INFINITY}, res[4];
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 4, d4, y4, &o, &f, NULL, &err), STARC_EINVAL);
    o.skip_nonfinite = 1;
    assert_ok(starc_fit_points(STARC_FIT_BON, 4, d4, y4, &o, &f, res, &err));
    assert_int_equal(f.n, 2);
    assert_int_equal(f.skipped, 2);
    assert_true(isnan(res[2]) && isnan(res[3]) && isfinite(res[0]));
    assert_true(isnan(f.sigma) && isnan(f.alpha_ci.se)); /* n = nparam: exact, no error estimate */
    /* power form: needs three distinct d > 0; a cap of one iteration does not converge on noise */
    double d5[3] = {1, 2, 3}, y5[3] = {1, 1, 0};
    assert_int_equal(starc_fit_points(STARC_FIT_POWER, 2, d5, y5, &o, &f, NULL, &err), STARC_EUNDEF);
    gsl_rng *r = testutil_rng(15);
    double d6[20], y6[20];
    for (size_t i = 0; i < 20; i++) {
        d6[i] = 0.2 * (double)(i + 1);
        y6[i] = starc_fit_eval(STARC_FIT_POWER, 1.0, 0.3, 1.3, d6[i]) + 0.05 * gsl_ran_gaussian(r, 1.0);
    }
    o.max_iter = 1;
    assert_int_equal(starc_fit_points(STARC_FIT_POWER, 20, d6, y6, &o, &f, NULL, &err), STARC_ENOCONV);
    assert_non_null(strstr(err.message, "did not converge"));
    o.max_iter = 200;
    assert_ok(starc_fit_points(STARC_FIT_POWER, 20, d6, y6, &o, &f, NULL, &err));
    assert_true(f.iterations > 1 && f.iterations < 200);
    /* bad options */
    o.level = 1.0;
    assert_int_equal(starc_fit_points(STARC_FIT_BON, 20, d6, y6, &o, &f, NULL, &err), STARC_EINVAL);
    o.level = 0.95;
    assert_int_equal(starc_fit_points((starc_fit_form)9, 20, d6, y6, &o, &f, NULL, &err), STARC_EINVAL);
    /* no finite maximum */
    double pd, pv;
    assert_ok(starc_fit_peak(STARC_FIT_RL, 1.0, -0.5, NAN, NULL, &pd, &pv, NULL));
    assert_true(isnan(pd) && isnan(pv));
    assert_ok(starc_fit_peak(STARC_FIT_LOG1P, -1.0, 0.5, NAN, NULL, &pd, &pv, NULL));
    assert_true(pd == 0.0 && pv == 0.0);
    assert_int_equal(starc_fit_peak(STARC_FIT_POWER, 1.0, 0.5, -1.0, NULL, &pd, &pv, NULL), STARC_EINVAL);
    gsl_rng_free(r);
}

/* ------------------------------------------------------------ best-of-n */

/* Mean over all n-subsets of the kept sample's scores (ties broken uniformly). */
static void brute_bon(size_t N, const double *p, const double *g, size_t n, double *gold, double *proxy)
{
    double gs = 0.0, ps = 0.0;
    size_t cnt = 0;
    for (unsigned mask = 0; mask < (1u << N); mask++) {
        if ((size_t)__builtin_popcount(mask) != n)
            continue;
        double best = -INFINITY;
        for (size_t i = 0; i < N; i++)
            if (mask & (1u << i))
                best = fmax(best, p[i]);
        double gm = 0.0;
        size_t m = 0;
        for (size_t i = 0; i < N; i++)
            if ((mask & (1u << i)) && p[i] == best)
                gm += g[i], m++;
        gs += gm / (double)m;
        ps += best;
        cnt++;
    }
    *gold = gs / (double)cnt;
    *proxy = ps / (double)cnt;
}

static void test_bon_enumeration(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(16);
    for (int trial = 0; trial < 40; trial++) {
        const size_t P = 1 + (size_t)(trial % 3);
        size_t count[3], total = 0;
        for (size_t j = 0; j < P; j++)
            total += count[j] = 4 + gsl_rng_uniform_int(r, 9); /* 4..12 samples */
        double p[36], g[36];
        const int ties = trial % 2;
        for (size_t i = 0; i < total; i++) {
            p[i] = ties ? (double)gsl_rng_uniform_int(r, 4) : gsl_ran_gaussian(r, 1.0);
            g[i] = gsl_ran_gaussian(r, 1.0);
        }
        size_t nmax = count[0];
        for (size_t j = 1; j < P; j++)
            nmax = count[j] < nmax ? count[j] : nmax;
        double gb[12], pb[12], kl[12];
        assert_ok(starc_fit_bon_curve(P, count, p, g, nmax, NULL, gb, pb, kl, NULL));
        for (size_t n = 1; n <= nmax; n++) {
            double gref = 0.0, pref = 0.0;
            for (size_t j = 0, base = 0; j < P; base += count[j], j++) {
                double a, b;
                brute_bon(count[j], p + base, g + base, n, &a, &b);
                gref += a / (double)P;
                pref += b / (double)P;
            }
            assert_close(gb[n - 1], gref, 1e-12, 1e-13);
            assert_close(pb[n - 1], pref, 1e-12, 1e-13);
            const double bound = log((double)n) - (double)(n - 1) / (double)n;
            if (!ties)
                assert_close(kl[n - 1], bound, 1e-12, 1e-14);
            else
                assert_true(kl[n - 1] <= bound + 1e-14);
        }
        /* n = 1 is the mean */
        double mean = 0.0;
        for (size_t j = 0, base = 0; j < P; base += count[j], j++)
            for (size_t i = 0; i < count[j]; i++)
                mean += g[base + i] / (double)count[j] / (double)P;
        assert_close(gb[0], mean, 1e-13, 1e-14);
        assert_close(kl[0], 0.0, 0, 1e-15);
    }
    gsl_rng_free(r);
}

/* KL with ties against two references: only tied classes (every score twice) is a discrete
 * distribution, whose best-of-n KL starc_overopt_bon_distribution() computes exactly; a mix of atoms and
 * distinct scores against midpoint-rule integration of the continuous slices. */
static void test_bon_kl_ties(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(17);
    for (int trial = 0; trial < 20; trial++) {
        size_t C = 2 + (size_t)(trial % 5), N = 0, m[6];
        double p[40], g[40], cp[6], score[6];
        for (size_t c = 0; c < C; c++) {
            m[c] = 2 + gsl_rng_uniform_int(r, 3);
            score[c] = (double)c;
            for (size_t k = 0; k < m[c]; k++, N++) {
                p[N] = (double)c;
                g[N] = 0.0;
            }
        }
        for (size_t c = 0; c < C; c++)
            cp[c] = (double)m[c] / (double)N;
        double kl[40], out[6], ref;
        assert_ok(starc_fit_bon_curve(1, &N, p, g, N, NULL, NULL, NULL, kl, NULL));
        for (size_t n = 1; n <= N; n++) {
            assert_ok(starc_overopt_bon_distribution(C, cp, score, n, 0.0, out, &ref, NULL));
            assert_close(kl[n - 1], ref, 1e-12, 1e-14);
        }
    }
    /* atoms and slices: the slice [a, b] contributes int_a^b n u^(n-1) log(n u^(n-1)) du */
    double p[9] = {0.1, 0.5, 0.5, 0.5, 0.9, 1.3, 1.3, 2.0, 2.5};
    size_t N = 9;
    double kl[9];
    assert_ok(starc_fit_bon_curve(1, &N, p, NULL, N, NULL, NULL, NULL, kl, NULL));
    const size_t lo[6] = {0, 1, 4, 5, 7, 8}, hi[6] = {1, 4, 5, 7, 8, 9};
    for (size_t n = 1; n <= N; n++) {
        double ref = 0.0, dn = (double)n;
        for (int c = 0; c < 6; c++) {
            double a = lo[c] / 9.0, b = hi[c] / 9.0;
            if (hi[c] - lo[c] > 1) {
                double P = pow(b, dn) - pow(a, dn);
                ref += P * log(P / (b - a));
            } else {
                const int steps = 20000;
                for (int k = 0; k < steps; k++) {
                    double u = a + (b - a) * (k + 0.5) / steps, dens = dn * pow(u, dn - 1);
                    ref += (b - a) / steps * dens * log(dens);
                }
            }
        }
        assert_close(kl[n - 1], ref, 1e-7, 1e-9);
        assert_true(kl[n - 1] < log(dn) - (dn - 1) / dn + 1e-15);
    }
    /* a tie tolerance merges near-equal scores */
    double q[4] = {1.0, 1.0 + 1e-9, 2.0, 3.0}, kt[4], k0[4];
    size_t N4 = 4;
    starc_fit_options o;
    starc_fit_options_default(&o);
    assert_ok(starc_fit_bon_curve(1, &N4, q, NULL, 4, &o, NULL, NULL, k0, NULL));
    o.tie_tol = 1e-6;
    assert_ok(starc_fit_bon_curve(1, &N4, q, NULL, 4, &o, NULL, NULL, kt, NULL));
    assert_close(k0[3], log(4.0) - 0.75, 1e-12, 0);
    assert_true(kt[3] < k0[3]);
    /* errors */
    starc_error err;
    size_t cnt[2] = {4, 2};
    assert_int_equal(starc_fit_bon_curve(2, cnt, q, NULL, 3, NULL, NULL, NULL, kt, &err), STARC_EINVAL);
    cnt[1] = 0;
    assert_int_equal(starc_fit_bon_curve(2, cnt, q, NULL, 1, NULL, NULL, NULL, kt, &err), STARC_EINVAL);
    gsl_rng_free(r);
}

/* -------------------------------------------------------- extrapolation */

static void test_extrapolate(void **state)
{
    (void)state;
    double d[20], y[20], yr[20];
    for (size_t i = 0; i < 20; i++) {
        d[i] = 0.25 * (double)(i + 1);
        y[i] = starc_fit_eval(STARC_FIT_BON, 1.0, 0.2, NAN, d[i]);
        yr[i] = starc_fit_eval(STARC_FIT_RL, 1.0, 0.4, NAN, d[i]);
    }
    starc_fit_options o;
    starc_fit_options_default(&o);
    starc_fit_extrapolation x;
    assert_ok(starc_fit_extrapolate(STARC_FIT_BON, 20, d, y, &o, &x, NULL));
    /* median of KL = d^2 over 20 points: between the 10th and 11th */
    assert_close(x.cutoff_kl, 0.5 * (d[9] * d[9] + d[10] * d[10]), 1e-15, 0);
    assert_int_equal(x.n_fit, 10);
    assert_int_equal(x.n_test, 10);
    assert_close(x.rmse_test, 0.0, 0, 1e-10);
    assert_close(x.fit.alpha, 1.0, 1e-10, 0);
    /* the wrong form fits the left half well and extrapolates badly */
    assert_ok(starc_fit_extrapolate(STARC_FIT_BON, 20, d, yr, &o, &x, NULL));
    assert_true(x.rmse_test > 3 * x.rmse_fit);
    assert_true(x.rmse_test > x.rmse_test_full);
    assert_true(x.max_abs_test >= x.rmse_test);
    double ref = 0.0, bias = 0.0;
    for (size_t i = 10; i < 20; i++) {
        double e = yr[i] - starc_fit_eval(STARC_FIT_BON, x.fit.alpha, x.fit.beta, NAN, d[i]);
        ref += e * e / 10;
        bias += e / 10;
    }
    assert_close(x.rmse_test, sqrt(ref), 1e-12, 0);
    assert_close(x.bias_test, bias, 1e-12, 1e-15);
    o.cutoff_kl = 100.0;
    starc_error err;
    assert_int_equal(starc_fit_extrapolate(STARC_FIT_BON, 20, d, y, &o, &x, &err), STARC_EUNDEF);
}

/* -------------------------------------------------------------- scaling */

static void test_scaling(void **state)
{
    (void)state;
    const size_t K = 4;
    const double size[4] = {3e6, 1.2e7, 1.2e8, 1.2e9};
    double dk[4][15], yk[4][15];
    const double *dp[4], *yp[4];
    size_t np[4];
    /* separate lines: alpha = 0.2 + 0.05 log s, beta = 0.9 - 0.03 log s */
    for (size_t k = 0; k < K; k++) {
        double ls = log(size[k]), a = 0.2 + 0.05 * ls, b = 0.9 - 0.03 * ls;
        for (size_t i = 0; i < 15; i++) {
            dk[k][i] = i == 0 ? 0.0 : 0.3 * (double)i;
            yk[k][i] = 1.0 + starc_fit_eval(STARC_FIT_RL, a, b, NAN, dk[k][i]);
        }
        dp[k] = dk[k], yp[k] = yk[k], np[k] = 15;
    }
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.center = STARC_FIT_CENTER_AUTO;
    o.bootstrap = 50;
    starc_fit_scaling *s = NULL;
    assert_ok(starc_fit_scaling_alloc(STARC_FIT_RL, K, size, np, dp, yp, &o, &s, NULL));
    starc_fit_scaling_result R;
    starc_fit_scaling_get(s, &R);
    assert_int_equal(R.nsizes, 4);
    assert_close(R.alpha0, 0.2, 1e-9, 0);
    assert_close(R.alpha1, 0.05, 1e-9, 0);
    assert_close(R.beta0, 0.9, 1e-9, 0);
    assert_close(R.beta1, -0.03, 1e-9, 0);
    assert_close(R.alpha_r2, 1.0, 1e-12, 0);
    starc_fit_prediction p;
    const double unseen = 5e9, ls = log(unseen);
    assert_ok(starc_fit_scaling_predict(s, STARC_FIT_SCALING_SEPARATE, unseen, &p, NULL));
    assert_close(p.alpha, 0.2 + 0.05 * ls, 1e-9, 0);
    assert_close(p.beta, 0.9 - 0.03 * ls, 1e-9, 0);
    assert_close(p.peak_d, exp(p.alpha / p.beta - 1), 1e-12, 0);
    assert_true(p.alpha_ci.lo <= p.alpha * (1 + 1e-9) && p.alpha * (1 - 1e-9) <= p.alpha_ci.hi);
    starc_fit_result g;
    assert_ok(starc_fit_scaling_group(s, 2, &g, NULL, NULL, NULL));
    assert_close(g.offset, 1.0, 1e-12, 0);
    assert_int_equal(starc_fit_scaling_group(s, 4, &g, NULL, NULL, NULL), STARC_EINVAL);
    starc_fit_scaling_free(s);

    /* joint: one alpha for every size, beta = 1.1 - 0.04 log s, noise-free */
    for (size_t k = 0; k < K; k++) {
        double b = 1.1 - 0.04 * log(size[k]);
        for (size_t i = 0; i < 15; i++)
            yk[k][i] = 1.0 + starc_fit_eval(STARC_FIT_RL, 0.6, b, NAN, dk[k][i]);
    }
    assert_ok(starc_fit_scaling_alloc(STARC_FIT_RL, K, size, np, dp, yp, &o, &s, NULL));
    starc_fit_scaling_get(s, &R);
    assert_close(R.joint_alpha, 0.6, 1e-9, 0);
    assert_close(R.joint_beta0, 1.1, 1e-9, 0);
    assert_close(R.joint_beta1, -0.04, 1e-9, 0);
    assert_close(R.joint_r2, 1.0, 1e-12, 0);
    double jb;
    assert_ok(starc_fit_scaling_group(s, 1, NULL, &jb, NULL, NULL));
    assert_close(jb, 1.1 - 0.04 * log(size[1]), 1e-9, 0);
    assert_ok(starc_fit_scaling_predict(s, STARC_FIT_SCALING_JOINT, unseen, &p, NULL));
    assert_close(p.alpha, 0.6, 1e-9, 0);
    assert_close(p.beta, 1.1 - 0.04 * ls, 1e-9, 0);
    starc_fit_scaling_free(s);

    /* errors: one size, the power form */
    const double same[4] = {1e6, 1e6, 1e6, 1e6};
    starc_error err;
    assert_int_equal(starc_fit_scaling_alloc(STARC_FIT_RL, K, same, np, dp, yp, &o, &s, &err), STARC_EUNDEF);
    assert_null(s);
    assert_int_equal(starc_fit_scaling_alloc(STARC_FIT_POWER, K, size, np, dp, yp, &o, &s, &err), STARC_EINVAL);
    starc_fit_scaling_free(NULL);
}

/* Noisy scaling data: the joint fit's standard errors against the normal equations of its
 * design (alpha column, one beta column per curve), intercept-centred curves. */
static void test_scaling_joint_normal_equations(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(18);
    const size_t K = 2, n = 12;
    const double size[2] = {1e6, 1e8};
    double dk[2][12], yk[2][12];
    const double *dp[2] = {dk[0], dk[1]}, *yp[2] = {yk[0], yk[1]};
    size_t np[2] = {n, n};
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < n; i++) {
            dk[k][i] = 0.25 * (double)(i + 1) + 0.01 * (double)k;
            yk[k][i] = starc_fit_eval(STARC_FIT_BON, 0.8, 0.2 + 0.1 * (double)k, NAN, dk[k][i]) +
                       0.05 * gsl_ran_gaussian(r, 1.0);
        }
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    starc_fit_scaling *s;
    assert_ok(starc_fit_scaling_alloc(STARC_FIT_BON, K, size, np, dp, yp, &o, &s, NULL));
    starc_fit_scaling_result R;
    starc_fit_scaling_get(s, &R);
    double A[3][3] = {{0}}, b[3] = {0}, x[3];
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < n; i++) {
            double row[3] = {dk[k][i], k == 0 ? -dk[k][i] * dk[k][i] : 0.0, k == 1 ? -dk[k][i] * dk[k][i] : 0.0};
            for (int u = 0; u < 3; u++) {
                b[u] += row[u] * yk[k][i];
                for (int v = 0; v < 3; v++)
                    A[u][v] += row[u] * row[v];
            }
        }
    double A2[3][3];
    memcpy(A2, A, sizeof A);
    solve_small(3, A2, b, x);
    assert_close(R.joint_alpha, x[0], 1e-9, 0);
    double jb;
    starc_fit_ci ci;
    assert_ok(starc_fit_scaling_group(s, 1, NULL, &jb, &ci, NULL));
    assert_close(jb, x[2], 1e-9, 0);
    double rss = 0.0;
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < n; i++) {
            double e = yk[k][i] - starc_fit_eval(STARC_FIT_BON, x[0], x[1 + k], NAN, dk[k][i]);
            rss += e * e;
        }
    double e2[3] = {0, 0, 1}, col[3];
    memcpy(A2, A, sizeof A);
    solve_small(3, A2, e2, col);
    assert_close(ci.se, sqrt(rss / (double)(2 * n - 3) * col[2]), 1e-7, 0);
    assert_true(isnan(ci.lo)); /* no bootstrap */
    starc_fit_scaling_free(s);
    gsl_rng_free(r);
}

/* Best-of-n fits with prompt resampling: the point fit is starc_fit_points() on the mean curve,
 * and the intervals cover the population curve's coefficients.  Proxy = gold ~ N(0, 1): the
 * best-of-n score is E[max of n normals] = m_n for every prompt (no ties, so the KL and the design
 * are exact and fixed), and least squares is linear in y, so the fit of (d_n, m_n - m_1) is the
 * expectation of the estimate.  300 data sets of 40 prompts x 12 samples: a binomial standard error
 * of 1.3 points, [0.91, 0.99] is a +-3 sigma band (measured: 0.960 and 0.957). */
static double expected_max(size_t n)
{
    const int steps = 40000;
    const double lo = -12.0, hi = 12.0, h = (hi - lo) / steps;
    double s = 0.0;
    for (int k = 0; k <= steps; k++) {
        double x = lo + h * k, w = (k == 0 || k == steps) ? 0.5 : 1.0;
        s += w * x * (double)n * gsl_ran_ugaussian_pdf(x) * pow(gsl_cdf_ugaussian_P(x), (double)n - 1.0);
    }
    return s * h;
}

static void test_bon_points(void **state)
{
    (void)state;
    enum { P = 40, N = 12 };
    double d[N], y[N];
    for (size_t n = 1; n <= N; n++) {
        d[n - 1] = sqrt(log((double)n) - (double)(n - 1) / (double)n);
        y[n - 1] = expected_max(n) - expected_max(1);
    }
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    starc_fit_result truth;
    assert_ok(starc_fit_points(STARC_FIT_BON, N, d, y, &o, &truth, NULL, NULL));
    gsl_rng *r = testutil_rng(19);
    size_t count[P];
    double p[P * N];
    for (size_t j = 0; j < P; j++)
        count[j] = N;
    /* the point fit is the mean curve's */
    testutil_gaussian(r, p, P * N);
    double sb[N], kl[N], gb[N], k2[N];
    starc_fit_result f, g;
    o.bootstrap = 200;
    o.center = STARC_FIT_CENTER_AUTO;
    assert_ok(starc_fit_bon_points(STARC_FIT_RL, P, count, p, p, N, &o, &f, sb, kl, NULL));
    assert_ok(starc_fit_bon_curve(P, count, p, p, N, &o, gb, NULL, k2, NULL));
    for (size_t n = 0; n < N; n++)
        assert_true(sb[n] == gb[n] && kl[n] == k2[n]);
    for (size_t n = 0; n < N; n++)
        d[n] = sqrt(kl[n]);
    o.bootstrap = 0;
    assert_ok(starc_fit_points(STARC_FIT_RL, N, d, gb, &o, &g, NULL, NULL));
    assert_true(f.alpha == g.alpha && f.beta == g.beta && f.peak_d == g.peak_d);
    assert_int_equal(f.center, STARC_FIT_CENTER_ORIGIN);
    assert_int_equal(f.boot, 200);
    assert_true(f.alpha_ci.se > 0 && f.alpha_ci.lo < f.alpha && f.alpha < f.alpha_ci.hi);
    /* coverage */
    o.bootstrap = 400;
    o.center = STARC_FIT_CENTER_NONE;
    const int sets = 300;
    int cov_a = 0, cov_b = 0, cov_res = 0;
    for (int s = 0; s < sets; s++) {
        testutil_gaussian(r, p, P * N);
        o.seed = (uint64_t)s + 1;
        assert_ok(starc_fit_bon_points(STARC_FIT_BON, P, count, p, p, N, &o, &f, sb, NULL, NULL));
        /* re-centre at n = 1 (the truth is a change from the base) by hand: both share d */
        double off = sb[0];
        for (size_t n = 0; n < N; n++)
            sb[n] -= off;
        cov_a += f.alpha_ci.lo <= truth.alpha && truth.alpha <= f.alpha_ci.hi;
        cov_b += f.beta_ci.lo <= truth.beta && truth.beta <= f.beta_ci.hi;
        /* for contrast: the residual bootstrap on the same points */
        for (size_t n = 0; n < N; n++)
            d[n] = sqrt(log((double)n + 1.0) - (double)n / (double)(n + 1));
        starc_fit_result h;
        assert_ok(starc_fit_points(STARC_FIT_BON, N, d, sb, &o, &h, NULL, NULL));
        cov_res += h.alpha_ci.lo <= truth.alpha && truth.alpha <= h.alpha_ci.hi;
    }
    print_message("best-of-n coverage (prompt bootstrap): alpha %.3f beta %.3f; residual bootstrap alpha %.3f\n",
                  cov_a / (double)sets, cov_b / (double)sets, cov_res / (double)sets);
    assert_true(cov_a >= 0.91 * sets && cov_a <= 0.99 * sets);
    assert_true(cov_b >= 0.91 * sets && cov_b <= 0.99 * sets);
    /* the test is sensitive to the points' shared noise: resampling residuals measured 14% here */
    assert_true(cov_res < 0.5 * sets);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_exact_recovery),
        cmocka_unit_test(test_normal_equations), cmocka_unit_test(test_origin_centring),
        cmocka_unit_test(test_coverage),        cmocka_unit_test(test_scaling_invariance),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_bon_enumeration),
        cmocka_unit_test(test_bon_kl_ties),     cmocka_unit_test(test_extrapolate),
        cmocka_unit_test(test_scaling),         cmocka_unit_test(test_scaling_joint_normal_equations),
        cmocka_unit_test(test_bon_points),
    };
    return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
