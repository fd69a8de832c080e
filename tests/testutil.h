/* Shared helpers for libstarc's cmocka tests: tolerant comparisons that print
 * both values, and seeded random MDPs, rewards and policies (GSL's mt19937).
 * Include after <cmocka.h>. */
#ifndef STARC_TESTUTIL_H
#define STARC_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <starc/starc.h>
#include "gsl-view.h"

/* |a - b| <= atol + rtol * max(|a|, |b|), else fail printing both with %.17g. */
#define assert_close(a, b, rtol, atol) \
    testutil_assert_close((a), (b), (rtol), (atol), #a, #b, __FILE__, __LINE__)

static inline void testutil_assert_close(double a, double b, double rtol, double atol,
                                         const char *ea, const char *eb, const char *file, int line)
{
    double tol = atol + rtol * fmax(fabs(a), fabs(b));
    if (!(fabs(a - b) <= tol)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s = %.17g and %s = %.17g differ by %.3g > tol %.3g",
                 ea, a, eb, b, fabs(a - b), tol);
        print_error("%s\n", msg);
        _fail(file, line);
    }
}

/* Elementwise version for arrays of n doubles. */
#define assert_all_close(x, y, n, rtol, atol) do { \
        for (size_t i_ = 0; i_ < (size_t)(n); i_++) \
            testutil_assert_close((x)[i_], (y)[i_], (rtol), (atol), #x "[i]", #y "[i]", __FILE__, __LINE__); \
    } while (0)

/* The status must be STARC_OK; on failure show the library's message. */
#define assert_ok(expr) do { \
        int st_ = (expr); \
        if (st_ != STARC_OK) { \
            print_error("%s returned %d (%s)\n", #expr, st_, starc_error_string(st_)); \
            _fail(__FILE__, __LINE__); \
        } \
    } while (0)

/* The slow tier (docs/testing.md): make check-slow sets STARC_TEST_SLOW=1 and the
 * big randomised checks run in full; under make check they skip or run a
 * proportionally smaller sample. */
static inline int testutil_slow(void)
{
    const char *v = getenv("STARC_TEST_SLOW");
    return v && *v && strcmp(v, "0") != 0;
}

static inline gsl_rng *testutil_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* The library's generator with the same seed and stream as testutil_rng(seed). */
static inline starc_generate_rng *testutil_generate_rng(unsigned long seed)
{
    starc_generate_rng *r = NULL;
    if (starc_generate_rng_alloc(seed, &r, NULL) != STARC_OK) {
        print_error("starc_generate_rng_alloc failed\n");
        _fail(__FILE__, __LINE__);
    }
    return r;
}

/* A random row-stochastic T with Dirichlet(1) rows (some rows sparse when
 * sparse != 0: a random subset of successors), uniform-random mu0. */
static inline starc_mdp *testutil_random_mdp(gsl_rng *r, size_t S, size_t A, double gamma, int sparse)
{
    double *T = calloc(S * A * S, sizeof(double)), *mu0 = calloc(S, sizeof(double));
    double *alpha = calloc(S, sizeof(double));
    for (size_t sa = 0; sa < S * A; sa++) {
        for (size_t t = 0; t < S; t++)
            alpha[t] = (!sparse || gsl_rng_uniform(r) < 0.4 || t == sa % S) ? 1.0 : 0.0;
        double sum = 0.0;
        for (size_t t = 0; t < S; t++) {
            T[sa * S + t] = alpha[t] > 0 ? gsl_ran_gamma(r, 1.0, 1.0) : 0.0;
            sum += T[sa * S + t];
        }
        for (size_t t = 0; t < S; t++)
            T[sa * S + t] /= sum;
    }
    double sum = 0.0;
    for (size_t s = 0; s < S; s++)
        sum += (mu0[s] = gsl_rng_uniform_pos(r));
    for (size_t s = 0; s < S; s++)
        mu0[s] /= sum;
    starc_mdp *m = NULL;
    starc_error err;
    if (starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, &err) != STARC_OK) {
        fprintf(stderr, "testutil_random_mdp: %s\n", err.message);
        abort();
    }
    free(T);
    free(mu0);
    free(alpha);
    return m;
}

/* n i.i.d. N(0,1) entries. */
static inline void testutil_gaussian(gsl_rng *r, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_gaussian(r, 1.0);
}

/* A random stochastic policy with Dirichlet(1) rows. */
static inline void testutil_random_policy(gsl_rng *r, size_t S, size_t A, double *pi)
{
    for (size_t s = 0; s < S; s++) {
        double sum = 0.0;
        for (size_t a = 0; a < A; a++)
            sum += (pi[s * A + a] = gsl_ran_gamma(r, 1.0, 1.0));
        for (size_t a = 0; a < A; a++)
            pi[s * A + a] /= sum;
    }
}

#endif
