/* Internals of norm.c (not installed): the streaming passes that compute
 * norms, metrics and Pearson moments on canonical forms (canon-internal.h),
 * shared with metric.c and distance.c.  Reductions run over fixed blocks (one block per
 * state, in state order), so results do not depend on how many threads
 * process the blocks. */
#ifndef STARC_NORM_INTERNAL_H
#define STARC_NORM_INTERNAL_H

#include <stddef.h>
#include "canon-internal.h"
#include "starc/norm.h"
#include "starc/policy.h"

/* MDP- and coverage-derived data used by the norms and metrics. */
typedef struct starci_weights {
    size_t S, A;
    double gamma;
    const double *T, *mu0;
    double *T1;     /* S*A: sum_s' T */
    double *Tmax;   /* S*A: max_s' T */
    double Tsum;    /* sum of all T (= S*A up to round-off) */
    double Tmaxall; /* max T */
    double *D;      /* coverage (S*A*S, normalised to sum 1), or NULL = uniform */
    double *Dsa;    /* S*A: sum_s' D (uniform: 1/(S*A)) */
    int nthreads;   /* threads for the streaming passes (>= 1); rowbuf holds 5*S per thread */
} starci_weights;

/* need_T: fill T1, Tmax, Tsum, Tmaxall (weighted norms and metrics, range); else they are 0.
 * A coverage must sum to 1 within prob_tol. */
int starci_norm_weights_init(starci_weights *w, const starc_mdp *m, const double *coverage, double prob_tol,
                             int need_T, starc_error *err);
void starci_norm_weights_clear(starci_weights *w);

/* Which statistics a stats pass accumulates. */
typedef struct starci_request {
    int norm;       /* starc_norm_kind of the normaliser, or -1 */
    int cross;      /* 1: sum w x^2 and (k=2) sum w x1 x2, w = 1 (cross_weighted 0) or T */
    int cross_weighted;
    int pearson;    /* 1: coverage-weighted mean, centred second moments (and covariance) */
} starci_request;

typedef struct starci_stats {
    double xmax;  /* max |x| */
    double rmax;  /* max |R| (copied from the form, or = xmax) */
    double nacc;  /* l1/wl1: sum; l2/wl2: sum of squares; linf/wlinf: max */
    double sq;    /* cross: sum w x^2 */
    double W, mean, M2; /* pearson: total weight, weighted mean, sum D (x - mean)^2 */
    double xsum;  /* dense forms (not SA): sum x over every entry, finite when every entry is (unless
                   * it overflowed): the finiteness proof of a reward read first by this pass (none) */
} starci_stats;

typedef struct starci_joint {
    double s12; /* cross: sum w x1 x2 */
    double c12; /* pearson: sum D (x1 - m1)(x2 - m2) */
} starci_joint;

/* Per-block partial sums (one per state); scratch of the caller, S entries. */
typedef struct starci_block {
    starci_stats st[2];
    starci_joint jt;
} starci_block;

/* One pass over k <= 2 forms accumulating what req asks; cbar[i] (S*A, or
 * NULL) receives the expected value sum_s' T x of form i for `range`.
 * rowbuf: 5*S doubles of scratch per thread; blocks: S entries of scratch. */
void starci_norm_stats_pass(const starci_weights *w, size_t k, const starci_cform *cf, const starci_request *req,
                            double *const *cbar, starci_stats *st, starci_joint *jt, double *rowbuf,
                            starci_block *blocks);

/* One pass computing a metric of delta = a1 x1 - a2 x2 - shift (rowbuf and blockacc as for the stats pass) (shift is
 * used by the Pearson refinement, kind STARCI_SQ_COVERAGE: sum D delta^2).
 * kind is the norm kind l1..wlinf applied to delta (the sum / max / sqrt as
 * for the norm; the metric kinds l1..wlinf have the same values), or
 * STARCI_SQ_* (a bare weighted sum of squares, no sqrt). */
enum { STARCI_SQ_PLAIN = 100, STARCI_SQ_T = 101, STARCI_SQ_COVERAGE = 102 };
double starci_norm_metric_pass(const starci_weights *w, int kind, const starci_cform *cf1, double a1,
                               const starci_cform *cf2, double a2, double shift, double *rowbuf,
                               double *blockacc);

/* Pearson distance of two forms from their moments (both must have positive
 * variance); refines with a direct pass when 1 - rho < STARCI_REFINE. */
int starci_norm_pearson(const starci_weights *w, const starci_cform *cf, const starci_stats *st,
                        const starci_joint *jt, double *d, double *rowbuf, double *blockacc);

/* range normaliser of an expected reward cbar (S*A): max_pi J - min_pi J
 * (starci_policy_range); neg is S*A scratch; ws may be NULL. */
int starci_norm_range(const starc_mdp *m, const double *cbar, const starc_policy_options *opt,
                      starc_policy_workspace *ws,
                      double *neg, double *range, starc_error *err);

/* STARCI_REFINE is in kernels-internal.h (shared with structured.c). */

/* Finish a norm from its accumulator (sqrt for l2/wl2; none = 1). */
double starci_norm_finish(int norm, double nacc);

/* Scratch for one pass on dense tensors of S states. */
typedef struct starci_scratch {
    double *rowbuf;
    starci_block *blocks;
    double *blockacc;
} starci_scratch;

int starci_norm_scratch_alloc(size_t S, starci_scratch *p, starc_error *err);
void starci_norm_scratch_free(starci_scratch *p);

/* The scale helpers starci_norm_scale_* and STARCI_SCALE_BAND are in kernels-internal.h (base layer). */

#endif
