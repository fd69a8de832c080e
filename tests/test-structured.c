/* Structured tensors X = B(s,a) + G(s') + E(on T's support) (structured.c)
 * against the slow, obviously-correct reference: expand X to a dense S*A*S
 * array and T to a dense MDP, then call the dense norms and metrics
 * (starc_norm_value, starc_metric_value) or sum the entries directly.  Seeded
 * random CSR patterns with S up to 64, A up to 4, rows with a single
 * successor, absorbing states, full rows (the complement walk), explicit
 * zeros; every component present or absent; scales 1e-300, 1 and 1e300, and
 * G with a large mean cancelled by B (the centring). */
#include <config.h>
#include <float.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "sparse-pattern.h"

static const double scales[3] = {1e-300, 1.0, 1e300};

/* Every norm against starc_norm_value on the expansion, at three scales. */
static void test_norms(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1501);
    for (int trial = 0; trial < 60; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, trial < 40 ? 12 : 64), A = 1 + gsl_rng_uniform_int(r, 4);
        pattern pt;
        random_pattern(r, S, A, 0.9, &pt);
        const starci_csr p = csr_of(&pt);
        starci_struct_ws ws;
        assert_ok(starci_struct_ws_alloc(&p, &ws, NULL));
        for (int sc = 0; sc < 3; sc++) {
            comps cp;
            random_comps(r, &pt, scales[sc], &cp);
            double *X = expand(&pt, &cp.x);
            for (int kind = STARC_NORM_L1; kind <= STARC_NORM_WLINF; kind++) {
                double v, ref;
                assert_ok(starci_struct_norm(&p, kind, &cp.x, &ws, &v, NULL));
                assert_ok(starc_norm_value(pt.m, (starc_norm_kind)kind, X, NULL, &ref, NULL));
                assert_close(v, ref, 1e-12, 0.0);
            }
            double seen, ref_seen = 0.0, ref_all = 0.0;
            double all = starci_struct_maxabs(&p, &cp.x, &ws, &seen);
            for (size_t rr = 0; rr < S * A; rr++) {
                for (size_t j = 0; j < S; j++)
                    ref_all = fmax(ref_all, fabs(X[rr * S + j]));
                for (size_t k = pt.indptr[rr]; k < pt.indptr[rr + 1]; k++)
                    ref_seen = fmax(ref_seen, fabs(X[rr * S + pt.indices[k]]));
            }
            assert_close(all, ref_all, 1e-13, 0.0); /* c + (G - mean G): round-off of mean G */
            assert_close(seen, ref_seen, 1e-15, 0.0);
            free(X);
            comps_free(&cp);
        }
        starci_struct_ws_free(&ws);
        pattern_free(&pt);
    }
    gsl_rng_free(r);
}

/* Metrics of differences, inner products and the Pearson distance. */
static void test_metrics_dot_pearson(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1502);
    for (int trial = 0; trial < 60; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, trial < 40 ? 12 : 64), A = 1 + gsl_rng_uniform_int(r, 4);
        const size_t n = S * A * S;
        pattern pt;
        random_pattern(r, S, A, 0.9, &pt);
        const starci_csr p = csr_of(&pt);
        starci_struct_ws ws;
        assert_ok(starci_struct_ws_alloc(&p, &ws, NULL));
        for (int sc = 0; sc < 3; sc++) {
            comps c1, c2;
            random_comps(r, &pt, scales[sc], &c1);
            random_comps(r, &pt, scales[sc], &c2);
            double *X = expand(&pt, &c1.x), *Y = expand(&pt, &c2.x);
            for (int kind = STARC_METRIC_L1; kind <= STARC_METRIC_WLINF; kind++) {
                double v, ref;
                assert_ok(starci_struct_metric(&p, kind, &c1.x, &c2.x, &ws, &v, NULL));
                assert_ok(starc_metric_value(pt.m, (starc_metric_kind)kind, X, Y, NULL, &ref, NULL));
                assert_close(v, ref, 1e-12, 0.0);
            }
            /* inner products: direct sums of the entries, computed at scale 1 */
            const double c = scales[sc];
            double dref = 0.0, wref = 0.0, mag = 0.0, wmag = 0.0;
            for (size_t i = 0; i < n; i++) {
                dref += (X[i] / c) * (Y[i] / c);
                mag += fabs((X[i] / c) * (Y[i] / c));
                wref += pt.T[i] * (X[i] / c) * (Y[i] / c);
                wmag += pt.T[i] * fabs((X[i] / c) * (Y[i] / c));
            }
            double d = starci_struct_dot(&p, &c1.x, &c2.x, 0, &ws), w = starci_struct_dot(&p, &c1.x, &c2.x, 1, &ws);
            if (sc == 1) { /* 1e-300^2 and 1e300^2 leave the doubles: only at scale 1 */
                assert_close(d, dref, 0.0, 1e-12 * mag);
                assert_close(w, wref, 0.0, 1e-12 * wmag);
            }
            /* Pearson: mean and sd against two-pass sums, the distance against the dense metric */
            double mean, sd, m1 = 0.0, v1 = 0.0;
            starci_struct_moments(&p, &c1.x, &ws, &mean, &sd);
            for (size_t i = 0; i < n; i++)
                m1 += X[i] / c;
            m1 /= (double)n;
            for (size_t i = 0; i < n; i++)
                v1 += (X[i] / c - m1) * (X[i] / c - m1);
            double xm = 0.0;
            for (size_t i = 0; i < n; i++)
                xm = fmax(xm, fabs(X[i] / c));
            assert_close(mean / c, m1, 0.0, 1e-13 * xm);
            assert_close(sd / c, sqrt(v1 / (double)n), 1e-11, 1e-13 * xm);
            double dp, refp;
            int stp = starc_metric_value(pt.m, STARC_METRIC_PEARSON, X, Y, NULL, &refp, NULL);
            dp = starci_struct_pearson(&p, &c1.x, &c2.x, &ws);
            if (stp == STARC_OK)
                assert_close(dp, refp, 1e-10, 0.0);
            free(X);
            free(Y);
            comps_free(&c1);
            comps_free(&c2);
        }
        starci_struct_ws_free(&ws);
        pattern_free(&pt);
    }
    gsl_rng_free(r);
}

/* Close pairs take the refinement path: Pearson of x and x + tiny noise. */
static void test_pearson_close(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1503);
    for (int trial = 0; trial < 20; trial++) {
        const size_t S = 2 + gsl_rng_uniform_int(r, 30), A = 1 + gsl_rng_uniform_int(r, 4);
        pattern pt;
        random_pattern(r, S, A, 0.9, &pt);
        const starci_csr p = csr_of(&pt);
        starci_struct_ws ws;
        assert_ok(starci_struct_ws_alloc(&p, &ws, NULL));
        comps c1, c2;
        random_comps(r, &pt, 1.0, &c1);
        random_comps(r, &pt, 1.0, &c2);
        /* x2 = 3 x1 + 1e-6 noise, as structured components */
        const double eps = 1e-6;
        double *B = malloc(S * A * sizeof(double)), *G = malloc(S * sizeof(double)), *E = malloc(pt.nnz * sizeof(double));
        for (size_t i = 0; i < S * A; i++)
            B[i] = 3.0 * (c1.x.B ? c1.x.B[i] : 0.0) + eps * c2.B[i];
        for (size_t i = 0; i < S; i++)
            G[i] = 3.0 * (c1.x.G ? c1.x.G[i] : 0.0) + eps * c2.G[i];
        for (size_t i = 0; i < pt.nnz; i++)
            E[i] = 3.0 * (c1.x.E ? c1.x.E[i] : 0.0) + eps * c2.E[i];
        starci_struct y = {.B = B, .G = G, .E = E};
        double *X = expand(&pt, &c1.x), *Y = expand(&pt, &y), ref;
        if (starc_metric_value(pt.m, STARC_METRIC_PEARSON, X, Y, NULL, &ref, NULL) == STARC_OK) {
            double d = starci_struct_pearson(&p, &c1.x, &y, &ws);
            assert_true(d < 1e-3);
            assert_close(d, ref, 1e-8, 0.0);
        }
        free(X), free(Y), free(B), free(G), free(E);
        comps_free(&c1);
        comps_free(&c2);
        starci_struct_ws_free(&ws);
        pattern_free(&pt);
    }
    gsl_rng_free(r);
}

/* The expectation sum_s' T X per (s,a) against starc_mdp_reward_expected on the expansion. */
static void test_expected(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1504);
    for (int trial = 0; trial < 20; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, 40), A = 1 + gsl_rng_uniform_int(r, 4);
        pattern pt;
        random_pattern(r, S, A, 0.9, &pt);
        const starci_csr p = csr_of(&pt);
        comps cp;
        random_comps(r, &pt, 1.0, &cp);
        double *X = expand(&pt, &cp.x), *got = malloc(S * A * sizeof(double)), *ref = malloc(S * A * sizeof(double));
        starci_struct_expected(&p, &cp.x, got);
        starc_mdp_reward_expected(pt.m, X, ref);
        double xm = 0.0;
        for (size_t i = 0; i < S * A * S; i++)
            xm = fmax(xm, fabs(X[i]));
        for (size_t i = 0; i < S * A; i++)
            assert_close(got[i], ref[i], 0.0, 1e-14 * S * xm);
        free(X), free(got), free(ref);
        comps_free(&cp);
        pattern_free(&pt);
    }
    gsl_rng_free(r);
}

/* An S x S sparse part F(s,s') (DARD's K term): every norm, metric, the
 * maxima, inner products, moments, Pearson and the expectation against the
 * dense expansion, at three scales; F on one or both operands. */
static void test_with_f(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1505);
    for (int trial = 0; trial < 40; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, trial < 25 ? 12 : 48), A = 1 + gsl_rng_uniform_int(r, 4);
        const size_t n = S * A * S;
        pattern pt;
        random_pattern(r, S, A, 0.9, &pt);
        const starci_csr p = csr_of(&pt);
        starci_struct_ws ws;
        assert_ok(starci_struct_ws_alloc(&p, &ws, NULL));
        for (int sc = 0; sc < 3; sc++) {
            comps c1, c2;
            random_comps(r, &pt, scales[sc], &c1);
            random_f(r, &pt, scales[sc], &c1);
            random_comps(r, &pt, scales[sc], &c2);
            if (trial % 2 == 0) { /* the same pattern, other values */
                random_f(r, &pt, scales[sc], &c2);
                free(c2.fptr), free(c2.fidx);
                c2.fptr = NULL, c2.fidx = NULL;
                free(c2.F);
                c2.F = malloc((c1.fptr[S] + 1) * sizeof(double));
                for (size_t m = 0; m < c1.fptr[S]; m++)
                    c2.F[m] = scales[sc] * gsl_ran_gaussian(r, 1.0);
                c2.x.F = c2.F;
                c2.x.fptr = c1.fptr;
                c2.x.fidx = c1.fidx;
            }
            assert_ok(starci_struct_ws_alloc_f(&ws, c1.fptr[S], NULL));
            double *X = expand(&pt, &c1.x), *Y = expand(&pt, &c2.x);
            for (int kind = STARC_NORM_L1; kind <= STARC_NORM_WLINF; kind++) {
                double v, ref;
                assert_ok(starci_struct_norm(&p, kind, &c1.x, &ws, &v, NULL));
                assert_ok(starc_norm_value(pt.m, (starc_norm_kind)kind, X, NULL, &ref, NULL));
                assert_close(v, ref, 1e-12, 0.0);
            }
            for (int kind = STARC_METRIC_L1; kind <= STARC_METRIC_WLINF; kind++) {
                double v, ref;
                assert_ok(starci_struct_metric(&p, kind, &c1.x, &c2.x, &ws, &v, NULL));
                assert_ok(starc_metric_value(pt.m, (starc_metric_kind)kind, X, Y, NULL, &ref, NULL));
                assert_close(v, ref, 1e-12, 0.0);
            }
            double seen, ref_seen = 0.0, ref_all = 0.0;
            const double all = starci_struct_maxabs(&p, &c1.x, &ws, &seen);
            for (size_t rr = 0; rr < S * A; rr++) {
                for (size_t j = 0; j < S; j++)
                    ref_all = fmax(ref_all, fabs(X[rr * S + j]));
                for (size_t k = pt.indptr[rr]; k < pt.indptr[rr + 1]; k++)
                    ref_seen = fmax(ref_seen, fabs(X[rr * S + pt.indices[k]]));
            }
            assert_close(all, ref_all, 1e-13, 0.0);
            assert_close(seen, ref_seen, 1e-15, 0.0);
            const double c = scales[sc];
            double dref = 0.0, wref = 0.0, mag = 0.0, wmag = 0.0, m1 = 0.0, v1 = 0.0, xm = 0.0;
            for (size_t i = 0; i < n; i++) {
                dref += (X[i] / c) * (Y[i] / c);
                mag += fabs((X[i] / c) * (Y[i] / c));
                wref += pt.T[i] * (X[i] / c) * (Y[i] / c);
                wmag += pt.T[i] * fabs((X[i] / c) * (Y[i] / c));
                m1 += X[i] / c;
                xm = fmax(xm, fabs(X[i] / c));
            }
            m1 /= (double)n;
            for (size_t i = 0; i < n; i++)
                v1 += (X[i] / c - m1) * (X[i] / c - m1);
            if (sc == 1) {
                assert_close(starci_struct_dot(&p, &c1.x, &c2.x, 0, &ws), dref, 0.0, 1e-12 * mag);
                assert_close(starci_struct_dot(&p, &c1.x, &c2.x, 1, &ws), wref, 0.0, 1e-12 * wmag);
            }
            double mean, sd;
            starci_struct_moments(&p, &c1.x, &ws, &mean, &sd);
            assert_close(mean / c, m1, 0.0, 1e-13 * xm);
            assert_close(sd / c, sqrt(v1 / (double)n), 1e-11, 1e-13 * xm);
            double refp;
            if (starc_metric_value(pt.m, STARC_METRIC_PEARSON, X, Y, NULL, &refp, NULL) == STARC_OK)
                assert_close(starci_struct_pearson(&p, &c1.x, &c2.x, &ws), refp, 1e-10, 0.0);
            if (starc_metric_value(pt.m, STARC_METRIC_PEARSON, X, X, NULL, &refp, NULL) == STARC_OK)
                assert_close(starci_struct_pearson(&p, &c1.x, &c1.x, &ws), 0.0, 0.0, 1e-7);
            double *got = malloc(S * A * sizeof(double)), *ref = malloc(S * A * sizeof(double));
            starci_struct_expected(&p, &c1.x, got);
            starc_mdp_reward_expected(pt.m, X, ref);
            for (size_t i = 0; i < S * A; i++)
                assert_close(got[i] / c, ref[i] / c, 0.0, 1e-14 * S * xm);
            free(got), free(ref), free(X), free(Y);
            comps_free(&c1);
            comps_free(&c2);
        }
        starci_struct_ws_free(&ws);
        pattern_free(&pt);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norms),
        cmocka_unit_test(test_with_f),
        cmocka_unit_test(test_metrics_dot_pearson),
        cmocka_unit_test(test_pearson_close),
        cmocka_unit_test(test_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
