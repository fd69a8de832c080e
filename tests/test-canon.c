/* Canonicalisations against slow, obviously-correct references on seeded
 * random MDPs: explicit sums for EPIC and DARD, iterative policy evaluation
 * for VAL, generic least squares on the full (S*A*S) x S system for the
 * minimal ones (LAPACK dgels / dgelsd), the projection characterisation of
 * `minimal`, the invariances docs/theory.md promises, and the small exact vectors of docs/theory.md (Reference values). */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "lapack.h"

#define IDX(s, a, t) (((s) * A + (a)) * S + (t))

static double maxabs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

/* |x - y| <= tol * max(1, max|y|) entrywise. */
static void assert_tensor_close(const double *x, const double *y, size_t n, double tol)
{
    double scale = fmax(1.0, maxabs(y, n));
    for (size_t i = 0; i < n; i++)
        assert_close(x[i], y[i], 0.0, tol * scale);
}

static void random_dist(gsl_rng *r, double *p, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (p[i] = gsl_rng_uniform_pos(r));
    for (size_t i = 0; i < n; i++)
        p[i] /= sum;
}

/* ---- references ----------------------------------------------------------- */

/* EPIC: C = R + E[gamma R(s',A,S') - R(s,A,S') - gamma R(S,A,S')], S,S' ~ D_S, A ~ D_A. */
static void ref_epic(const starc_mdp *m, const double *R, const double *ds, const double *da, double *C)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double g = starc_mdp_gamma(m);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++) {
                double e = 0.0;
                for (size_t b = 0; b < A; b++)
                    for (size_t u = 0; u < S; u++) {
                        e += da[b] * ds[u] * (g * R[IDX(t, b, u)] - R[IDX(s, b, u)]);
                        for (size_t x = 0; x < S; x++)
                            e -= g * ds[x] * da[b] * ds[u] * R[IDX(x, b, u)];
                    }
                C[IDX(s, a, t)] = R[IDX(s, a, t)] + e;
            }
}

/* DARD: C = R + E[gamma R(s',A,S'') - R(s,A,S') - gamma R(S',A,S'')], A ~ D_A, S' ~ T(s,A), S'' ~ T(s',A). */
static void ref_dard(const starc_mdp *m, const double *R, const double *da, double *C)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < S; t++) {
            double e = 0.0;
            for (size_t b = 0; b < A; b++)
                for (size_t u = 0; u < S; u++)
                    for (size_t v = 0; v < S; v++)
                        e += da[b] * T[IDX(s, b, u)] * T[IDX(t, b, v)] *
                             (g * R[IDX(t, b, v)] - R[IDX(s, b, u)] - g * R[IDX(u, b, v)]);
            for (size_t a = 0; a < A; a++)
                C[IDX(s, a, t)] = R[IDX(s, a, t)] + e;
        }
}

/* V^pi by iterating the Bellman expectation operator to a fixed point. */
static void ref_values(const starc_mdp *m, const double *pi, const double *R, double *V)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    double *Vn = calloc(S, sizeof(double));
    memset(V, 0, S * sizeof(double));
    for (int it = 0; it < 100000; it++) {
        double diff = 0.0;
        for (size_t s = 0; s < S; s++) {
            double v = 0.0;
            for (size_t a = 0; a < A; a++)
                for (size_t t = 0; t < S; t++)
                    v += pi[s * A + a] * T[IDX(s, a, t)] * (R[IDX(s, a, t)] + g * V[t]);
            Vn[s] = v;
            diff = fmax(diff, fabs(v - V[s]));
        }
        memcpy(V, Vn, S * sizeof(double));
        if (diff < 1e-14 * fmax(1.0, maxabs(V, S)))
            break;
    }
    free(Vn);
}

static void ref_val(const starc_mdp *m, const double *pi, const double *R, int potential, double *C)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    double *V = calloc(S, sizeof(double));
    ref_values(m, pi, R, V);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double adv = -V[s];
            for (size_t t = 0; t < S; t++)
                adv += T[IDX(s, a, t)] * (R[IDX(s, a, t)] + g * V[t]);
            for (size_t t = 0; t < S; t++)
                C[IDX(s, a, t)] = potential ? R[IDX(s, a, t)] - V[s] + g * V[t] : adv;
        }
    free(V);
}

/* minimal-potential: Phi = argmin || sqrt(w) (R + B Phi) ||, B Phi(s,a,s') = gamma Phi(s') - Phi(s),
 * by QR least squares (dgels) on the full (S*A*S) x S system. */
static void ref_minpot(const starc_mdp *m, const double *R, int weighted, double *C)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    double *B = calloc(n * S, sizeof(double)), *y = calloc(n, sizeof(double));
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++) {
                size_t row = IDX(s, a, t);
                double sw = weighted ? sqrt(T[row]) : 1.0;
                B[row * S + t] += sw * g;
                B[row * S + s] -= sw;
                y[row] = -sw * R[row];
            }
    assert_int_equal(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)n, (lapack_int)S, 1, B, (lapack_int)S, y, 1), 0);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++)
                C[IDX(s, a, t)] = R[IDX(s, a, t)] + g * y[t] - y[s];
    free(B);
    free(y);
}

/* minimal: R minus its least-squares fit by [B | N], N spanning the
 * S'-redistributions of zero (per (s,a): vectors orthogonal to T(s,a,.)),
 * i.e. the orthogonal projection onto the complement of {rewards ~ 0}.
 * Rank-deficient system: SVD least squares (dgelsd). */
static void ref_minimal(const starc_mdp *m, const double *R, double *C)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S, k = S + S * A * S;
    double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    double *N = calloc(n * k, sizeof(double)), *N0, *y = calloc(k > n ? k : n, sizeof(double));
    double *sv = calloc(n < k ? n : k, sizeof(double));
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *t = T + IDX(s, a, 0);
            double tt = 0.0;
            for (size_t u = 0; u < S; u++)
                tt += t[u] * t[u];
            for (size_t u = 0; u < S; u++) {
                size_t row = IDX(s, a, u);
                N[row * k + u] += g;
                N[row * k + s] -= 1.0;
                /* column S + IDX(s,a,j): e_j - T_j T / |T|^2 within block (s,a) */
                for (size_t j = 0; j < S; j++)
                    N[row * k + S + IDX(s, a, j)] = (u == j ? 1.0 : 0.0) - t[j] * t[u] / tt;
                y[row] = R[row];
            }
        }
    N0 = malloc(n * k * sizeof(double));
    memcpy(N0, N, n * k * sizeof(double));
    lapack_int rank;
    assert_int_equal(LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)k, 1, N, (lapack_int)k, y, 1, sv,
                                    1e-12, &rank), 0);
    for (size_t row = 0; row < n; row++) {
        double fit = 0.0;
        for (size_t j = 0; j < k; j++)
            fit += N0[row * k + j] * y[j];
        C[row] = R[row] - fit;
    }
    free(N);
    free(N0);
    free(y);
    free(sv);
}

/* ---- fixtures --------------------------------------------------------------- */

/* docs/theory.md (Reference values) "small exact vectors". */
static const double small_T[8] = {.9, .1, .3, .7, .2, .8, .9, .1}, small_mu0[2] = {.5, .5};
static const double small_R[8] = {0, 0, -1, 5, -2, 1, 1, 0};

static void test_small_vectors(void **state)
{
    (void)state;
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(2, 2, small_T, small_mu0, 0.9, NULL, &m, NULL));
    double C[8];
    static const double val[8] = {-1.331414, -1.331414, 1.331414, 1.331414, -0.563351, -0.563351, 0.563351, 0.563351};
    static const double epic[8] = {-0.55, -1.45, -1.55, 3.55, -1.55, 0.55, 1.45, -0.45};
    static const double dard[8] = {-0.61, -1.2625, -1.61, 3.7375, -1.9075, 0.9125, 1.0925, -0.0875};
    static const double minimal[8] = {-1.649100, -0.183233, 0.454733, 1.061044,
                                      -0.159353, -0.637413, 1.001991, 0.111332};
    assert_ok(starc_canon_compute(m, STARC_CANON_VAL, NULL, small_R, C, NULL));
    assert_all_close(C, val, 8, 0, 5e-7);
    assert_ok(starc_canon_compute(m, STARC_CANON_EPIC, NULL, small_R, C, NULL));
    assert_all_close(C, epic, 8, 0, 1e-13);
    assert_ok(starc_canon_compute(m, STARC_CANON_DARD, NULL, small_R, C, NULL));
    assert_all_close(C, dard, 8, 0, 1e-13);
    assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL, NULL, small_R, C, NULL));
    assert_all_close(C, minimal, 8, 0, 5e-7);
    assert_ok(starc_canon_compute(m, STARC_CANON_NONE, NULL, small_R, C, NULL));
    assert_all_close(C, small_R, 8, 0, 0);
    starc_mdp_free(m);
}

/* Sizes exercised by the reference comparisons: (S, A, sparse T). */
static const size_t sizes[][3] = {{1, 1, 0}, {1, 3, 0}, {2, 2, 0}, {3, 1, 1}, {4, 3, 1}, {5, 2, 0}, {6, 3, 1}, {7, 4, 0}};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void test_epic_dard_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    for (size_t c = 0; c < NSIZES; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.1 + 0.8 * gsl_rng_uniform(r), (int)sizes[c][2]);
        double *R = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double)), *ref = malloc(n * sizeof(double));
        double *ds = malloc(S * sizeof(double)), *da = malloc(A * sizeof(double));
        double *us = malloc(S * sizeof(double)), *ua = malloc(A * sizeof(double));
        for (size_t s = 0; s < S; s++)
            us[s] = 1.0 / (double)S;
        for (size_t a = 0; a < A; a++)
            ua[a] = 1.0 / (double)A;
        for (int rep = 0; rep < 3; rep++) {
            testutil_gaussian(r, R, n);
            random_dist(r, ds, S);
            random_dist(r, da, A);
            starc_canon_options o;
            /* uniform defaults */
            assert_ok(starc_canon_compute(m, STARC_CANON_EPIC, NULL, R, C, NULL));
            ref_epic(m, R, us, ua, ref);
            assert_tensor_close(C, ref, n, 1e-12);
            assert_ok(starc_canon_compute(m, STARC_CANON_DARD, NULL, R, C, NULL));
            ref_dard(m, R, ua, ref);
            assert_tensor_close(C, ref, n, 1e-12);
            /* random D_S, D_A */
            starc_canon_options_default(&o);
            o.state_dist = ds;
            o.action_dist = da;
            assert_ok(starc_canon_compute(m, STARC_CANON_EPIC, &o, R, C, NULL));
            ref_epic(m, R, ds, da, ref);
            assert_tensor_close(C, ref, n, 1e-12);
            assert_ok(starc_canon_compute(m, STARC_CANON_DARD, &o, R, C, NULL));
            ref_dard(m, R, da, ref);
            assert_tensor_close(C, ref, n, 1e-12);
        }
        free(R);
        free(C);
        free(ref);
        free(ds);
        free(da);
        free(us);
        free(ua);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

static void test_val_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(12);
    for (size_t c = 0; c < NSIZES; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.1 + 0.8 * gsl_rng_uniform(r), (int)sizes[c][2]);
        double *R = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double)), *ref = malloc(n * sizeof(double));
        double *pi = malloc(S * A * sizeof(double));
        for (int rep = 0; rep < 3; rep++) {
            testutil_gaussian(r, R, n);
            starc_canon_options o;
            starc_canon_options_default(&o);
            if (rep > 0) {
                testutil_random_policy(r, S, A, pi);
                o.policy = pi;
            } else {
                starc_policy_uniform(m, pi);
            }
            assert_ok(starc_canon_compute(m, STARC_CANON_VAL, &o, R, C, NULL));
            ref_val(m, pi, R, 0, ref);
            assert_tensor_close(C, ref, n, 1e-10);
            assert_ok(starc_canon_compute(m, STARC_CANON_VAL_POTENTIAL, &o, R, C, NULL));
            ref_val(m, pi, R, 1, ref);
            assert_tensor_close(C, ref, n, 1e-10);
        }
        free(R);
        free(C);
        free(ref);
        free(pi);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

static void test_minimal_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(13);
    for (size_t c = 0; c < NSIZES; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.1 + 0.85 * gsl_rng_uniform(r), (int)sizes[c][2]);
        double *R = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double)), *ref = malloc(n * sizeof(double));
        double *CC = malloc(n * sizeof(double));
        for (int rep = 0; rep < 2; rep++) {
            testutil_gaussian(r, R, n);
            starc_canon_options o;
            starc_canon_options_default(&o);
            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL_POTENTIAL, &o, R, C, NULL));
            ref_minpot(m, R, 0, ref);
            assert_tensor_close(C, ref, n, 1e-10);
            o.weighted = 1;
            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL_POTENTIAL, &o, R, C, NULL));
            ref_minpot(m, R, 1, ref);
            assert_tensor_close(C, ref, n, 1e-10);

            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL, NULL, R, C, NULL));
            ref_minimal(m, R, ref);
            assert_tensor_close(C, ref, n, 1e-9);
            /* a projection: c(c(R)) = c(R), and <c(R), R - c(R)> = 0 */
            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL, NULL, C, CC, NULL));
            assert_tensor_close(CC, C, n, 1e-10);
            double ip = 0.0, nr = 0.0;
            for (size_t i = 0; i < n; i++) {
                ip += C[i] * (R[i] - C[i]);
                nr += R[i] * R[i];
            }
            assert_close(ip, 0.0, 0, 1e-10 * nr);
            /* minimal-potential is idempotent too (it removes the best potential) */
            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL_POTENTIAL, NULL, R, C, NULL));
            assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL_POTENTIAL, NULL, C, CC, NULL));
            assert_tensor_close(CC, C, n, 1e-10);
        }
        free(R);
        free(C);
        free(ref);
        free(CC);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* c(R + shaping) = c(R) (all but none); c(R') = c(R) for an S'-redistribution R'
 * (val, minimal); c(alpha R1 + beta R2) = alpha c(R1) + beta c(R2). */
static void test_invariances(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(14);
    for (size_t c = 0; c < NSIZES; c++) {
        size_t S = sizes[c][0], A = sizes[c][1], n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.2 + 0.75 * gsl_rng_uniform(r), (int)sizes[c][2]);
        const double *T = starc_mdp_transitions(m);
        double g = starc_mdp_gamma(m);
        double *R = malloc(n * sizeof(double)), *R2 = malloc(n * sizeof(double)), *X = malloc(n * sizeof(double));
        double *C = malloc(n * sizeof(double)), *C2 = malloc(n * sizeof(double)), *CX = malloc(n * sizeof(double));
        double *phi = malloc(S * sizeof(double)), *noise = malloc(S * sizeof(double));
        testutil_gaussian(r, R, n);
        testutil_gaussian(r, R2, n);
        testutil_gaussian(r, phi, S);
        for (int k = 0; k < STARC_CANON_KIND_COUNT; k++) {
            starc_canon *cp;
            starc_canon_options o;
            starc_canon_options_default(&o);
            o.weighted = (int)(c % 2);
            assert_ok(starc_canon_alloc(m, (starc_canon_kind)k, &o, &cp, NULL));
            assert_int_equal(starc_canon_get_kind(cp), k);
            assert_ok(starc_canon_apply(cp, R, C, NULL));
            assert_ok(starc_canon_apply(cp, R2, C2, NULL));
            double scale = 10.0 * fmax(1.0, maxabs(C, n));
            if (k != STARC_CANON_NONE) {
                for (size_t s = 0; s < S; s++)
                    for (size_t a = 0; a < A; a++)
                        for (size_t t = 0; t < S; t++)
                            X[IDX(s, a, t)] = R[IDX(s, a, t)] + 10.0 * (g * phi[t] - phi[s]);
                assert_ok(starc_canon_apply(cp, X, CX, NULL));
                for (size_t i = 0; i < n; i++)
                    assert_close(CX[i], C[i], 0, 1e-11 * scale);
            }
            if (k == STARC_CANON_VAL || k == STARC_CANON_MINIMAL) {
                /* add noise orthogonal to each row of T: same expected reward */
                memcpy(X, R, n * sizeof(double));
                for (size_t sa = 0; sa < S * A; sa++) {
                    const double *t = T + sa * S;
                    double tn = 0.0, tt = 0.0;
                    testutil_gaussian(r, noise, S);
                    for (size_t u = 0; u < S; u++) {
                        tn += t[u] * noise[u];
                        tt += t[u] * t[u];
                    }
                    for (size_t u = 0; u < S; u++)
                        X[sa * S + u] += 5.0 * (noise[u] - tn / tt * t[u]);
                }
                assert_ok(starc_canon_apply(cp, X, CX, NULL));
                for (size_t i = 0; i < n; i++)
                    assert_close(CX[i], C[i], 0, 1e-11 * scale);
            }
            /* linearity (positive scaling in particular) */
            for (size_t i = 0; i < n; i++)
                X[i] = 2.5 * R[i] - 0.75 * R2[i];
            assert_ok(starc_canon_apply(cp, X, CX, NULL));
            for (size_t i = 0; i < n; i++)
                assert_close(CX[i], 2.5 * C[i] - 0.75 * C2[i], 0, 1e-11 * scale);
            /* in place */
            memcpy(X, R, n * sizeof(double));
            assert_ok(starc_canon_apply(cp, X, X, NULL));
            assert_all_close(X, C, n, 0, 0);
            starc_canon_free(cp);
        }
        free(R);
        free(R2);
        free(X);
        free(C);
        free(C2);
        free(CX);
        free(phi);
        free(noise);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* The larger sizes take the blocked/BLAS paths (dgemm, dsyrk, dpotrf) with many rows. */
static void test_larger_reference(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(15);
    size_t S = 24, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 1);
    double *R = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double)), *ref = malloc(n * sizeof(double));
    double *da = malloc(A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
    testutil_gaussian(r, R, n);
    random_dist(r, da, A);
    starc_canon_options o;
    starc_canon_options_default(&o);
    o.action_dist = da;
    assert_ok(starc_canon_compute(m, STARC_CANON_DARD, &o, R, C, NULL));
    ref_dard(m, R, da, ref);
    assert_tensor_close(C, ref, n, 1e-12);
    starc_policy_uniform(m, pi);
    assert_ok(starc_canon_compute(m, STARC_CANON_VAL, NULL, R, C, NULL));
    ref_val(m, pi, R, 0, ref);
    assert_tensor_close(C, ref, n, 1e-9);
    assert_ok(starc_canon_compute(m, STARC_CANON_MINIMAL_POTENTIAL, NULL, R, C, NULL));
    ref_minpot(m, R, 0, ref);
    assert_tensor_close(C, ref, n, 1e-10);
    free(R);
    free(C);
    free(ref);
    free(da);
    free(pi);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

static void test_names_and_errors(void **state)
{
    (void)state;
    starc_error err;
    for (int k = 0; k < STARC_CANON_KIND_COUNT; k++) {
        starc_canon_kind kk;
        assert_non_null(starc_canon_kind_name((starc_canon_kind)k));
        assert_ok(starc_canon_kind_parse(starc_canon_kind_name((starc_canon_kind)k), &kk, NULL));
        assert_int_equal(kk, k);
    }
    assert_null(starc_canon_kind_name((starc_canon_kind)STARC_CANON_KIND_COUNT));
    starc_canon_kind kk;
    assert_int_equal(starc_canon_kind_parse("bogus", &kk, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "'bogus'"));

    starc_mdp *m;
    assert_ok(starc_mdp_alloc(2, 2, small_T, small_mu0, 0.9, NULL, &m, NULL));
    starc_canon *c = NULL;
    starc_canon_options o;
    double bad[2] = {0.7, 0.7}, neg[2] = {1.5, -0.5}, badpi[4] = {0.5, 0.5, 0.2, 0.2};
    starc_canon_options_default(&o);
    o.state_dist = bad;
    assert_int_equal(starc_canon_alloc(m, STARC_CANON_EPIC, &o, &c, &err), STARC_EINVAL);
    assert_null(c);
    assert_non_null(strstr(err.message, "D_S"));
    starc_canon_options_default(&o);
    o.action_dist = neg;
    assert_int_equal(starc_canon_alloc(m, STARC_CANON_DARD, &o, &c, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "D_A"));
    starc_canon_options_default(&o);
    o.policy = badpi;
    assert_int_equal(starc_canon_alloc(m, STARC_CANON_VAL, &o, &c, &err), STARC_EINVAL);
    assert_int_equal(starc_canon_alloc(m, (starc_canon_kind)99, NULL, &c, &err), STARC_EINVAL);
    /* options a kind does not use are ignored */
    assert_ok(starc_canon_alloc(m, STARC_CANON_MINIMAL, &o, &c, NULL));
    assert_int_equal(starc_canon_apply(c, NULL, bad, &err), STARC_EINVAL);
    starc_canon_free(c);
    starc_canon_free(NULL);
    starc_mdp_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_vectors),
        cmocka_unit_test(test_epic_dard_reference),
        cmocka_unit_test(test_val_reference),
        cmocka_unit_test(test_minimal_reference),
        cmocka_unit_test(test_invariances),
        cmocka_unit_test(test_larger_reference),
        cmocka_unit_test(test_names_and_errors),
    };
    return cmocka_run_group_tests_name("canon", tests, NULL, NULL);
}
