/* Internals shared by canon.c, norm.c, distance.c and study.c (not installed).
 *
 * A canonical form is kept in a structured representation so that norms and
 * metrics can be computed in one streaming pass over the reward without
 * materialising c(R):
 *   DENSE  x(s,a,s') = R(s,a,s') + E(s,s')     (dard: E an S x S offset)
 *          x(s,a,s') = R(s,a,s') + P(s') + Q(s) (shaping-type offsets, or none)
 *   SA     x(s,a,s') = u(s,a)                   (val: the advantage A^pi)
 *   SAT    x(s,a,s') = u(s,a) T(s,a,s')         (minimal)
 * Reductions run over fixed blocks (one block per state, in state order), so
 * results do not depend on how many threads process the blocks. */
#ifndef STARC_DISTANCE_INTERNAL_H
#define STARC_DISTANCE_INTERNAL_H

#include <stddef.h>
#include "starc/canon.h"
#include "starc/norm.h"
#include "starc/policy.h"

/* The larger of two numbers in one instruction (fmax is a libm call at -O2,
 * which would dominate the streaming loops); NaN inputs are not ordered. */
#define MAXD(a, b) ((a) > (b) ? (a) : (b))

enum { STARCI_CF_DENSE = 0, STARCI_CF_SA = 1, STARCI_CF_SAT = 2 };

typedef struct starci_cform {
    int kind;
    const double *R; /* DENSE: the reward (borrowed) */
    const double *E; /* DENSE: S*S offset E(s,s'), or NULL */
    const double *P, *Q; /* DENSE without E: offset P(s') + Q(s) (S each), or NULL for x = R */
    const double *u; /* SA, SAT: S*A */
    double rmax;     /* max |R|; negative when not known (DENSE with E == NULL: rmax = max|x|) */
} starci_cform;

/* Canonical forms of k <= 2 rewards at once (rewards that share a pass over
 * T are read together).  The forms point into the plan's scratch (slot i for
 * reward i) and stay valid until the next call on the plan. */
int starci_canon_forms(starc_canon *c, size_t k, const double *const *R, starci_cform *cf,
                       starc_error *err);

/* Materialise row (s,a) of a DENSE or SAT form into buf (S doubles); returns
 * the row (which may point into R when no offset is needed). */
const double *starci_cform_row(const starci_cform *cf, const double *T, size_t S, size_t A,
                               size_t s, size_t a, double *buf);

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

/* Run fn(ctx, s0, s1, tid) on contiguous ranges of the S states with up to
 * nthreads threads (fewer for small work: `work` is the number of tensor
 * entries the call touches).  Callers keep per-state results, so the outcome
 * does not depend on the number of threads.  Thread creation failures fall
 * back to the calling thread. */
typedef void (*starci_range_fn)(void *ctx, size_t s0, size_t s1, int tid);
void starci_parallel(int nthreads, size_t S, size_t work, starci_range_fn fn, void *ctx);

/* Below this many tensor entries a pass runs on one thread. */
#define STARCI_PARALLEL_MIN ((size_t)1 << 18)

/* need_T: fill T1, Tmax, Tsum, Tmaxall (weighted norms and metrics, range); else they are 0. */
int starci_weights_init(starci_weights *w, const starc_mdp *m, const double *coverage, int need_T, starc_error *err);
void starci_weights_clear(starci_weights *w);

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
void starci_stats_pass(const starci_weights *w, size_t k, const starci_cform *cf, const starci_request *req,
                       double *const *cbar, starci_stats *st, starci_joint *jt, double *rowbuf,
                       starci_block *blocks);

/* One pass computing a metric of delta = a1 x1 - a2 x2 - shift (rowbuf and blockacc as for the stats pass) (shift is
 * used by the Pearson refinement, kind STARCI_SQ_COVERAGE: sum D delta^2).
 * Metric kinds are starc_metric_kind l1..wlinf (the sum / max / sqrt as for
 * the norm), or STARCI_SQ_* (a bare weighted sum of squares, no sqrt). */
enum { STARCI_SQ_PLAIN = 100, STARCI_SQ_T = 101, STARCI_SQ_COVERAGE = 102 };
double starci_metric_pass(const starci_weights *w, int kind, const starci_cform *cf1, double a1,
                          const starci_cform *cf2, double a2, double shift, double *rowbuf,
                          double *blockacc);

/* Pearson distance of two forms from their moments (both must have positive
 * variance); refines with a direct pass when 1 - rho < STARCI_REFINE. */
int starci_pearson(const starci_weights *w, const starci_cform *cf, const starci_stats *st, const starci_joint *jt,
                   double *d, double *rowbuf, double *blockacc);

/* range normaliser of an expected reward cbar (S*A): max_pi J - min_pi J by
 * exact policy iteration; neg is S*A scratch; ws may be NULL. */
int starci_range(const starc_mdp *m, const double *cbar, const starc_pi_options *opt, starc_workspace *ws,
                 double *neg, double *range, starc_error *err);

/* Below this, 1 - rho (Pearson) or d^2 / (|x|^2 + |y|^2) (l2, wl2) computed
 * from moments or a Gram matrix has lost too many digits to cancellation, and
 * the difference is recomputed directly. */
#define STARCI_REFINE 0.0625

/* Finish a norm from its accumulator (sqrt for l2/wl2; none = 1). */
double starci_norm_finish(int norm, double nacc);

/* Expected reward of a dense row set: Rbar_i(s,a) = sum_s' T R_i for k <= 2
 * rewards in one pass over T; rmax_i = max |R_i|.  Optional: if rhs != NULL,
 * rhs_i[s'] += coef(s,a) * Rbar_i(s,a) * T[s,a,s'] (minimal). */
void starci_rbar_multi(const double *T, size_t S, size_t A, size_t k, const double *const *R,
                       double *const *Rbar, double *rmax, const double *coef, double *const *rhs, int nthreads);

/* Y[i*S*A + sa] = sum_s' T[sa,s'] V[i*S + s'] for k <= 2 vectors in one pass over T. */
void starci_tv_multi(const double *T, size_t S, size_t A, size_t k, const double *V, double *Y, int nthreads);

/* The trivial-reward rule (starc/distance.h, docs/theory.md §3.1): its one
 * implementation, used by the distance plans and the study.  delta = tol * rmax
 * bounds the round-off in the entries of the computed c(R).  The verdict is
 *   STARCI_TRIVIAL   when xmax <= delta (c(R) is round-off), or the
 *                    normaliser vanishes up to round-off: wl1, wl2, wlinf when
 *                    xseen <= delta (they see only entries with T > 0); range
 *                    when n <= nunit * delta; l1, l2, linf when n <= delta
 *                    (impossible in exact arithmetic, as n >= xmax: it catches
 *                    an underflowed norm);
 *   STARCI_CONSTANT  (Pearson undefined) when trivial, or sigma <= delta;
 *   STARCI_NEED_SEEN when the verdict needs xseen (a weighted normaliser with
 *                    n <= nunit * delta, necessary for xseen <= delta) and
 *                    xseen is NAN: compute it and ask again. */
typedef struct starci_rule_args {
    double tol;   /* the resolved tolerance, starc_distance_trivial_tol() */
    double rmax;  /* max |R| */
    double xmax;  /* max |c(R)| */
    int norm;     /* starc_norm_kind of the normaliser, or -1 for none tested */
    double n;     /* n(c(R)) */
    double nunit; /* the normaliser's largest value on a tensor with entries bounded by 1 */
    double xseen; /* wl1, wl2, wlinf: max |c(R)| over the entries with T > 0, or NAN */
    double sigma; /* the standard deviation of c(R) under the Pearson coverage, or NAN */
} starci_rule_args;
enum { STARCI_TRIVIAL = 1, STARCI_CONSTANT = 2, STARCI_NEED_SEEN = 4 };
int starci_distance_rule(const starci_rule_args *a);

#endif
