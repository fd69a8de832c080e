/* Internals of structured.c (not installed): tensors on a sparse MDP that are
 * never materialised as S*A*S arrays (docs/sparse.md).  With T's CSR pattern
 * (row r = s*A + a holds the stored successors of (s,a)),
 *
 *     X(s,a,s') = B(s,a) + G(s') + E(s,a,s')
 *
 * where E is stored on T's support in CSR order and is 0 elsewhere; any of
 * B (S*A), G (S), E (nnz) may be NULL (= 0).  A (S,) or (S,A) reward is B only,
 * an (nnz,) reward is E only; canonical forms add a G (shaping by a potential
 * or EPIC's g) and change B.
 *
 * Norms over all S*A*S entries (l1, l2, linf), the T-weighted ones (only the
 * support counts), inner products, metrics of differences and the Pearson
 * statistic under the uniform coverage over (s,a,s') are computed in closed
 * form: each row's entries off the support are B(s,a) + G(s'), whose sum,
 * sum of squares, sum of absolute values and extremes over all s' follow from
 * O(S) summaries of G (its mean, centred sum of squares, sorted values and
 * prefix sums), corrected on the row's few support entries.  A row whose
 * support covers more than half of the states walks its complement directly
 * instead, so the off-support part is never a small difference of two large
 * sums there.  Cost O(S*A log S + nnz + S log S) time (a binary search per row
 * for l1), O(S*A + nnz) memory (the workspace), never S*A*S.
 *
 * An S x S sparse part F(s,s') (the same for every action) widens the set of
 * entries of row (s,a) treated one by one from J_r to J_r united with row s
 * of F's pattern: the cost grows by A * nnz(F).
 *
 * Scale: each tensor is multiplied by a power of two (exact) that brings the
 * bound max|B| + max|G| + max|E| + max|F| into the band norm.c uses
 * (STARCI_SCALE_BAND), so sums of squares neither overflow nor underflow
 * between 1e-300 and 1e300; results are scaled back. */
#ifndef STARC_STRUCTURED_INTERNAL_H
#define STARC_STRUCTURED_INTERNAL_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/metric.h"
#include "starc/norm.h"

/* T's CSR pattern: S*A rows, indices strictly increasing within a row. */
typedef struct starci_csr {
    size_t S, A;
    const size_t *indptr;  /* S*A + 1 */
    const size_t *indices; /* nnz */
    const double *data;    /* nnz: T's values (weighted norms, expectations) */
} starci_csr;

static inline size_t starci_csr_nnz(const starci_csr *p)
{
    return p->indptr[p->S * p->A];
}

/* X = B(s,a) + G(s') + E(on support) + F(s,s'); NULL components are 0.
 * F is an S x S sparse matrix, the same for every action (DARD's K term,
 * docs/sparse.md), on the pattern fptr/fidx (CSR with S rows, indices
 * strictly increasing within a row); two operands of one call that both have
 * an F share its pattern. */
typedef struct starci_struct {
    const double *B;     /* S*A */
    const double *G;     /* S */
    const double *E;     /* nnz, CSR order */
    const double *F;     /* fptr[S], CSR order of fptr/fidx */
    const size_t *fptr;  /* S + 1 (when F != NULL) */
    const size_t *fidx;  /* fptr[S] */
} starci_struct;

/* Scratch of the closed forms: O(S*A + nnz), allocated once per pattern. */
typedef struct starci_struct_ws {
    size_t S, A, nnz;
    double *gc[2];  /* S each: centred, scaled G of operand i */
    double *sorted; /* S: sorted centred G (l1, linf) */
    size_t *perm;   /* S: the states in sorted order */
    double *pre;    /* S + 1: compensated prefix sums of sorted */
    size_t *mark;   /* S: row stamps (linf) */
    double *B, *G, *E; /* S*A, S, nnz: a combination (metrics, Pearson refinement) */
    double *F;         /* nF: the F of a combination (starci_struct_ws_alloc_f), or NULL */
    size_t nF;
} starci_struct_ws;

int starci_struct_ws_alloc(const starci_csr *p, starci_struct_ws *ws, starc_error *err);
/* Room in ws for combinations of operands with an F of nF entries (nF = 0: none). */
int starci_struct_ws_alloc_f(starci_struct_ws *ws, size_t nF, starc_error *err);
void starci_struct_ws_free(starci_struct_ws *ws);

/* out = a1 x1 + a2 x2 + shift (shift added to B), written into ws->B/G/E
 * (components that are 0 in both operands and need no shift stay NULL).
 * x1 and x2 must not point into ws->B/G/E. */
void starci_struct_combine(const starci_csr *p, double a1, const starci_struct *x1, double a2,
                           const starci_struct *x2, double shift, starci_struct_ws *ws, starci_struct *out);

/* Norm of kind STARC_NORM_L1 .. STARC_NORM_WLINF (starc/norm.h) of x.
 * STARC_EUNDEF when the value exceeds the largest double. */
int starci_struct_norm(const starci_csr *p, int kind, const starci_struct *x, starci_struct_ws *ws, double *value,
                       starc_error *err);

/* Metric of kind STARC_METRIC_L1 .. STARC_METRIC_WLINF: the norm of x1 - x2 (ws->B/G/E are overwritten). */
int starci_struct_metric(const starci_csr *p, int kind, const starci_struct *x1, const starci_struct *x2,
                         starci_struct_ws *ws, double *value, starc_error *err);
/* The same metric between a1 x1 and a2 x2: the norm of a1 x1 - a2 x2. */
int starci_struct_metric_scaled(const starci_csr *p, int kind, double a1, const starci_struct *x1, double a2,
                                const starci_struct *x2, starci_struct_ws *ws, double *value, starc_error *err);

/* Inner product over all S*A*S entries (weighted = 0) or sum T x1 x2 over the
 * support (weighted = 1).  The value may be +-inf or 0 when it leaves the
 * range of doubles (operands of very different scale). */
double starci_struct_dot(const starci_csr *p, const starci_struct *x1, const starci_struct *x2, int weighted,
                         starci_struct_ws *ws);

/* max |X| over all entries, and (if seen != NULL) over the support only. */
double starci_struct_maxabs(const starci_csr *p, const starci_struct *x, starci_struct_ws *ws, double *seen);

/* Mean and population standard deviation of X under the uniform coverage
 * over (s,a,s') (the standard deviation, not the variance: the latter leaves
 * the range of doubles for tensors of scale 1e-300 or 1e300). */
void starci_struct_moments(const starci_csr *p, const starci_struct *x, starci_struct_ws *ws, double *mean,
                           double *sd);

/* Pearson correlation rho of x1 and x2 under the uniform coverage, with their
 * means and standard deviations; NaN when a standard deviation is 0. */
void starci_struct_correlation(const starci_csr *p, const starci_struct *x1, const starci_struct *x2,
                               starci_struct_ws *ws, double mean[2], double sd[2], double *rho);

/* EPIC's Pearson distance sqrt((1 - rho)/2) under the uniform coverage, from
 * the moments; when 1 - rho < STARCI_REFINE (kernels-internal.h) recomputed as
 * sqrt(E[(x1^ - x2^)^2]) / 2 on the standardised difference, which is
 * structured too.  Both standard deviations must be positive (the caller's
 * trivial rule decides); ws->B/G/E are overwritten. */
double starci_struct_pearson(const starci_csr *p, const starci_struct *x1, const starci_struct *x2,
                             starci_struct_ws *ws);

/* Expected value per (s,a): out(s,a) = sum_s' T[s,a,s'] X(s,a,s') (S*A). */
void starci_struct_expected(const starci_csr *p, const starci_struct *x, double *out);

#endif
