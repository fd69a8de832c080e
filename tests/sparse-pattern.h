/* Shared by the sparse tests (test-structured, test-canon-sparse): seeded
 * random CSR patterns of T with their dense expansion, random structured
 * tensors B(s,a) + G(s') + E(on the support), and the dense expansion of a
 * structured tensor (the slow reference).  Include after cmocka.h and
 * testutil.h. */
#ifndef STARC_SPARSE_PATTERN_H
#define STARC_SPARSE_PATTERN_H

#include "structured-internal.h"

/* A random CSR pattern and its dense T. */
typedef struct pattern {
    size_t S, A, nnz;
    size_t *indptr, *indices;
    double *data;
    double *T; /* S*A*S */
    starc_mdp *m;
} pattern;

static inline void pattern_free(pattern *pt)
{
    free(pt->indptr);
    free(pt->indices);
    free(pt->data);
    free(pt->T);
    starc_mdp_free(pt->m);
}

static inline void random_pattern(gsl_rng *r, size_t S, size_t A, double gamma, pattern *pt)
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
    assert_ok(starc_mdp_alloc(S, A, pt->T, mu0, gamma, NULL, &pt->m, NULL));
    free(mu0);
}

static inline starci_csr csr_of(const pattern *pt)
{
    starci_csr c = {pt->S, pt->A, pt->indptr, pt->indices, pt->data};
    return c;
}

/* Random components (each present with probability 3/4), scaled by c. */
typedef struct comps {
    double *B, *G, *E;
    double *F;          /* random_f: an S x S sparse part, or NULL */
    size_t *fptr, *fidx;
    starci_struct x;
} comps;

static inline void random_comps(gsl_rng *r, const pattern *pt, double c, comps *cp)
{
    const size_t S = pt->S, SA = pt->S * pt->A;
    memset(cp, 0, sizeof *cp);
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

/* Add an S x S sparse part F(s,s') (the same for every action) on a random
 * pattern: empty rows, single entries, full rows and rows with about a third
 * of the states; scaled by c. */
static inline void random_f(gsl_rng *r, const pattern *pt, double c, comps *cp)
{
    const size_t S = pt->S;
    cp->fptr = calloc(S + 1, sizeof(size_t));
    cp->fidx = malloc((S * S + 1) * sizeof(size_t));
    cp->F = malloc((S * S + 1) * sizeof(double));
    size_t n = 0;
    for (size_t s = 0; s < S; s++) {
        const int type = (int)gsl_rng_uniform_int(r, 4);
        for (size_t j = 0; j < S; j++)
            if (type == 1 ? j == s : type == 2 ? 1 : type == 3 ? gsl_rng_uniform(r) < 0.35 : 0) {
                cp->fidx[n] = j;
                cp->F[n++] = c * gsl_ran_gaussian(r, 1.0);
            }
        cp->fptr[s + 1] = n;
    }
    cp->x.F = cp->F;
    cp->x.fptr = cp->fptr;
    cp->x.fidx = cp->fidx;
}

static inline void comps_free(comps *cp)
{
    free(cp->B);
    free(cp->G);
    free(cp->E);
    free(cp->F);
    free(cp->fptr);
    free(cp->fidx);
}

/* The dense expansion: X(s,a,s') = B + G + E on the support, B + G elsewhere. */
static inline double *expand(const pattern *pt, const starci_struct *x)
{
    const size_t S = pt->S, A = pt->A;
    double *X = malloc(S * A * S * sizeof(double));
    for (size_t r = 0; r < S * A; r++) {
        for (size_t j = 0; j < S; j++)
            X[r * S + j] = (x->B ? x->B[r] : 0.0) + (x->G ? x->G[j] : 0.0);
        for (size_t k = pt->indptr[r]; k < pt->indptr[r + 1]; k++)
            X[r * S + pt->indices[k]] += x->E ? x->E[k] : 0.0;
        const size_t s = r / A;
        for (size_t m = 0; x->F && m < x->fptr[s + 1] - x->fptr[s]; m++)
            X[r * S + x->fidx[x->fptr[s] + m]] += x->F[x->fptr[s] + m];
    }
    return X;
}

#endif
