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
#include "structured-internal.h"

/* A random CSR pattern and its dense T. */
typedef struct pattern {
    size_t S, A, nnz;
    size_t *indptr, *indices;
    double *data;
    double *T; /* S*A*S */
    starc_mdp *m;
} pattern;

static void pattern_free(pattern *pt)
{
    free(pt->indptr);
    free(pt->indices);
    free(pt->data);
    free(pt->T);
    starc_mdp_free(pt->m);
}

static void random_pattern(gsl_rng *r, size_t S, size_t A, pattern *pt)
{
    pt->S = S;
    pt->A = A;
    pt->indptr = calloc(S * A + 1, sizeof(size_t));
    pt->indices = malloc(S * A * S * sizeof(size_t));
    pt->data = malloc(S * A * S * sizeof(double));
    pt->T = calloc(S * A * S, sizeof(double));
    size_t nnz = 0;
    const int absorbing = (S > 1) ? (int)gsl_rng_uniform_int(r, S) : 0; /* this state loops on itself */
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            size_t row = s * A + a, lo = nnz;
            int type = (int)gsl_rng_uniform_int(r, 5);
            if ((int)s == absorbing) {
                pt->indices[nnz++] = s;
            } else if (type == 0) { /* one successor */
                pt->indices[nnz++] = gsl_rng_uniform_int(r, S);
            } else if (type == 1) { /* full row */
                for (size_t j = 0; j < S; j++)
                    pt->indices[nnz++] = j;
            } else { /* a random subset, sometimes more than half of the states */
                double q = type == 2 ? 0.8 : 3.0 / (double)S;
                for (size_t j = 0; j < S; j++)
                    if (gsl_rng_uniform(r) < q)
                        pt->indices[nnz++] = j;
                if (nnz == lo)
                    pt->indices[nnz++] = gsl_rng_uniform_int(r, S);
            }
            double sum = 0.0;
            for (size_t k = lo; k < nnz; k++) {
                /* explicit zeros: stored, probability 0 (not the only entry) */
                pt->data[k] = (nnz - lo > 1 && gsl_rng_uniform(r) < 0.15) ? 0.0 : gsl_ran_gamma(r, 1.0, 1.0);
                sum += pt->data[k];
            }
            if (sum == 0.0) {
                pt->data[lo] = 1.0;
                sum = 1.0;
            }
            for (size_t k = lo; k < nnz; k++) {
                pt->data[k] /= sum;
                pt->T[row * S + pt->indices[k]] = pt->data[k];
            }
            pt->indptr[row + 1] = nnz;
        }
    pt->nnz = nnz;
    double *mu0 = malloc(S * sizeof(double));
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    assert_ok(starc_mdp_alloc(S, A, pt->T, mu0, 0.9, NULL, &pt->m, NULL));
    free(mu0);
}

static starci_csr csr_of(const pattern *pt)
{
    starci_csr c = {pt->S, pt->A, pt->indptr, pt->indices, pt->data};
    return c;
}

/* Random components (each present with probability 3/4), scaled by c. */
typedef struct comps {
    double *B, *G, *E;
    starci_struct x;
} comps;

static void random_comps(gsl_rng *r, const pattern *pt, double c, comps *cp)
{
    const size_t S = pt->S, SA = pt->S * pt->A;
    cp->B = malloc(SA * sizeof(double));
    cp->G = malloc(S * sizeof(double));
    cp->E = malloc((pt->nnz ? pt->nnz : 1) * sizeof(double));
    const int mask = 1 + (int)gsl_rng_uniform_int(r, 7); /* never all absent */
    const double gmean = gsl_rng_uniform(r) < 0.3 ? 50.0 : 0.0; /* a large mean of G, cancelled by B */
    for (size_t i = 0; i < SA; i++)
        cp->B[i] = c * (gsl_ran_gaussian(r, 1.0) - ((mask & 2) ? gmean : 0.0));
    for (size_t i = 0; i < S; i++)
        cp->G[i] = c * (gsl_ran_gaussian(r, 1.0) + gmean);
    for (size_t i = 0; i < pt->nnz; i++)
        cp->E[i] = c * gsl_ran_gaussian(r, 1.0);
    cp->x.B = (mask & 1) ? cp->B : NULL;
    cp->x.G = (mask & 2) ? cp->G : NULL;
    cp->x.E = (mask & 4) ? cp->E : NULL;
}

static void comps_free(comps *cp)
{
    free(cp->B);
    free(cp->G);
    free(cp->E);
}

/* The dense expansion: X(s,a,s') = B + G + E on the support, B + G elsewhere. */
static double *expand(const pattern *pt, const starci_struct *x)
{
    const size_t S = pt->S, A = pt->A;
    double *X = malloc(S * A * S * sizeof(double));
    for (size_t r = 0; r < S * A; r++) {
        for (size_t j = 0; j < S; j++)
            X[r * S + j] = (x->B ? x->B[r] : 0.0) + (x->G ? x->G[j] : 0.0);
        for (size_t k = pt->indptr[r]; k < pt->indptr[r + 1]; k++)
            X[r * S + pt->indices[k]] += x->E ? x->E[k] : 0.0;
    }
    return X;
}

static const double scales[3] = {1e-300, 1.0, 1e300};

/* Every norm against starc_norm_value on the expansion, at three scales. */
static void test_norms(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(1501);
    for (int trial = 0; trial < 60; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, trial < 40 ? 12 : 64), A = 1 + gsl_rng_uniform_int(r, 4);
        pattern pt;
        random_pattern(r, S, A, &pt);
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
        random_pattern(r, S, A, &pt);
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
        random_pattern(r, S, A, &pt);
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
        starci_struct y = {B, G, E};
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
        random_pattern(r, S, A, &pt);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norms),
        cmocka_unit_test(test_metrics_dot_pearson),
        cmocka_unit_test(test_pearson_close),
        cmocka_unit_test(test_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
