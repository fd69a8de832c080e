/** @file starc/distance.h
 *  @brief STARC, EPIC and DARD distances between reward functions (docs/theory.md §3).
 *
 *  STARC (Skalse et al., ICLR 2024): `s(R) = c(R) / n(c(R))` with c a
 *  canonicalisation (starc/canon.h) and n a normalisation (starc/norm.h), and
 *  `d(R1, R2) = m(s(R1), s(R2))` for a metric m.  With m = n, d lies in
 *  [0, 2], `d(R, -R) = 2` and `d(R, trivial) = 1`; there is no 1/2 factor.
 *
 *  Trivial rewards.  R is *trivial* (and `s(R) = 0`) when its canonical form
 *  vanishes up to round-off.  With tol = ::starc_distance_options.trivial_tol,
 *  `delta = tol * max|R|` bounds the round-off in the entries of the computed
 *  c(R), and:
 *  - R is trivial when `max|c(R)| <= delta` (for every normalisation, `none`
 *    and `range` included);
 *  - for the normalisers that are only semi-norms, R is also trivial when what
 *    the normaliser sees vanishes up to round-off, since s(R) = c(R)/n(c(R))
 *    would otherwise divide by round-off: for wl1, wl2 and wlinf (zero on
 *    tensors that live on impossible transitions) when `|c(R)| <= delta` on
 *    every transition with T > 0 (checked by one more pass over c(R), made only
 *    when the normaliser is at most `delta` times its value on a tensor of
 *    ones, which that requires); for range (zero on every reward whose
 *    return is the same for all policies) when `range(c(R)) <= 2 delta /
 *    (1 - gamma)`, the most round-off of size delta can make it;
 *  - the Pearson distance is undefined when R is trivial or the standard
 *    deviation of c(R) under the coverage is `<= delta`.
 *  The default tolerance is derived from the round-off the canonicalisation
 *  was measured to make on exactly trivial rewards (docs/theory.md §3.1,
 *  `tests/bench/trivial-roundoff.c`): for an MDP with S states and discount
 *  gamma, `tol = K S DBL_EPSILON / (1 - gamma)^p` with K =
 *  ::STARC_DISTANCE_TRIVIAL_TOL_MARGIN and p the power of the conditioning
 *  1/(1 - gamma) the canonicalisation's round-off grows with: 1 for none,
 *  epic, dard and val (a trivial reward's own round-off is DBL_EPSILON times
 *  its potential, up to max|R|/(1 - gamma)), 2 for val-potential,
 *  minimal-potential and minimal, which solve with the conditioning squared
 *  (starc_distance_trivial_tol()).  A reward
 *  whose canonical form is small because its mass sits on rare transitions
 *  (probability 1e-9, say) is therefore not trivial, unless gamma is so close
 *  to 1 that 1e-9 is within the canonicalisation's round-off.  The rule is
 *  invariant under positive scaling of R.
 *
 *  EPIC (Gleave et al., ICLR 2021) is `canon = epic`, `metric = pearson`; DARD
 *  (Wulfe et al., ICLR 2022) is `canon = dard`, `metric = pearson`
 *  (starc_distance_options_epic(), starc_distance_options_dard()).  The
 *  Pearson distance `sqrt((1 - rho)/2)` is scale-invariant, so the
 *  normalisation only matters through the trivial rule.  It is *undefined*
 *  when a standardised reward is constant under the coverage distribution
 *  (trivial, or standard deviation `<= tol * max|R|`): starc_distance_pair()
 *  then returns ::STARC_EUNDEF and starc_distance_matrix() stores NaN.  The zero
 *  reward has no Pearson distance, not even to itself.
 *
 *  Plan/execute.  starc_distance_plan_alloc() does all MDP-dependent work once
 *  (the canonicalisation plan, per-(s,a) weights of T and of the coverage);
 *  starc_distance_pair() then streams over the two rewards together: the
 *  canonicalisation pass (val, minimal and dard read T alongside), then one
 *  statistics pass that yields both normalisers and, for the l2, wl2 and
 *  Pearson metrics, the cross moments from which the distance follows; a third
 *  pass over the difference is made for the other metrics, or when the two
 *  standardised rewards are so close (d^2 < (|x|^2 + |y|^2)/16, resp.
 *  1 - rho < 1/16) that the moment formula would lose digits.  val and
 *  minimal finish on (S,A) summaries.  It allocates no memory (with nthreads
 *  > 1 it starts threads for large rewards).
 *  starc_distance_matrix() canonicalises and normalises each of the N rewards
 *  once; for the l2, wl2 and Pearson metrics the standardised rewards are
 *  mapped to feature rows whose Euclidean distance is the metric's, and each
 *  entry is the distance of two rows, summed by itself in a fixed order.  The
 *  other metrics are evaluated pairwise.  starc_distance_matrix_entries()
 *  computes any contiguous range of the upper triangle's entries with the same
 *  bits as the whole matrix (a matrix split over processes).
 *  Passes over large rewards can use several threads
 *  (::starc_distance_options.nthreads).  The plan's scratch memory makes it
 *  single-caller: use one plan per calling thread.
 *
 *  Sparse MDPs (docs/sparse.md): a full reward has starc_mdp_reward_size() = nnz values (0 off
 *  T's support); canonical forms are kept as `B(s,a) + G(s') + E(on the support)` and every norm,
 *  metric and the Pearson statistic (uniform coverage) is computed in closed form, never on S*A*S
 *  entries.  Every canonicalisation (`dard` keeps its K(s,s') as an S x S sparse matrix, refused with
 *  ::STARC_ENOMEM above ::starc_canon_options.max_bytes), every normalisation and metric; a custom
 *  coverage and starc_distance_standardize() (whose output is S*A*S) return ::STARC_EINVAL
 *  ("... needs a dense MDP (sparse MDPs: see docs/sparse.md)").  starc_distance_matrix() uses the
 *  inner products of the canonical forms for l2 (with a normalisation) and Pearson, pairs otherwise.  V^pi (val, val-potential) and `range` use the sparse
 *  policy engine.
 *
 *  Reproducibility: libstarc's own reductions use a fixed blocking (one block
 *  per state) and a fixed order, so results do not depend on
 *  ::starc_distance_options.nthreads; BLAS/LAPACK calls (dgemm for dard, the
 *  factorisations) may differ in the last bits between OpenBLAS thread counts.
 */
#ifndef STARC_DISTANCE_H
#define STARC_DISTANCE_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"
#include "starc/canon.h"
#include "starc/norm.h"
#include "starc/metric.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief ::starc_distance_options.trivial_tol value (the default) that asks for the tolerance
 *  derived from the MDP and the canonicalisation, starc_distance_trivial_tol(). */
#define STARC_DISTANCE_TRIVIAL_TOL_DERIVED (-1.0)

/** @brief Margin K of the derived trivial tolerance `K S DBL_EPSILON / (1 - gamma)^p`: the
 *  largest round-off measured on exactly trivial rewards is below 3.6 S DBL_EPSILON / (1 - gamma)^p
 *  (docs/theory.md §3.1), so K = 32 leaves a margin of 9. */
#define STARC_DISTANCE_TRIVIAL_TOL_MARGIN 32.0

/** @brief What distance to compute, and its parameters. */
typedef struct starc_distance_options {
    starc_canon_kind canon;            /**< canonicalisation (default ::STARC_CANON_VAL) */
    starc_norm_kind norm;              /**< normalisation (default ::STARC_NORM_L2) */
    starc_metric_kind metric;          /**< metric (default ::STARC_METRIC_L2) */
    starc_canon_options canon_options; /**< distributions / policy of the canonicalisation (defaults: uniform);
                                            its nthreads and prob_tol are replaced by the fields below */
    const double *coverage;            /**< Pearson coverage D over (s,a,s') (S*A*S, sum 1), copied;
                                            NULL (default) = uniform over all S*A*S transitions */
    double trivial_tol;                /**< tol of the trivial rule, >= 0, or ::STARC_DISTANCE_TRIVIAL_TOL_DERIVED
                                            (default): derived from the MDP, starc_distance_trivial_tol() */
    starc_policy_options policy_options; /**< policy iteration for the `range` normalisation (defaults) */
    int nthreads;                      /**< threads for the passes over large rewards, also given to the
                                            canonicalisation (default 1; < 1 means 1).  Passes over fewer
                                            than 2^18 entries run on one thread.  Results are identical for
                                            every value: work is split by state, combined in state order. */
    double prob_tol;                   /**< absolute tolerance on the sum of the coverage, also given to the
                                            canonicalisation (its distributions and policy; default
                                            ::STARC_MDP_PROB_TOL) */
} starc_distance_options;

/** @brief The tolerance of the trivial-reward rule.
 *
 *  @p tol itself when it is >= 0; otherwise (::STARC_DISTANCE_TRIVIAL_TOL_DERIVED) the default derived
 *  for canonicalisation @p canon on an MDP with @p S states and discount @p gamma:
 *  `STARC_DISTANCE_TRIVIAL_TOL_MARGIN * S * DBL_EPSILON / (1 - gamma)^p`, p = 1 for none, epic, dard and
 *  val, 2 for val-potential, minimal-potential and minimal (see the file description).
 *  For the study's MDPs (S = 32, gamma = 0.95) that is 4.5e-12 (p = 1) and 9.1e-11 (p = 2). */
double starc_distance_trivial_tol(double tol, starc_canon_kind canon, double gamma, size_t S);

/** @brief Fill @p o with the defaults: STARC-VAL, l2 normalisation, l2 metric. */
void starc_distance_options_default(starc_distance_options *o);
/** @brief Defaults, then `canon = epic`, `metric = pearson`: the EPIC distance. */
void starc_distance_options_epic(starc_distance_options *o);
/** @brief Defaults, then `canon = dard`, `metric = pearson`: the DARD distance. */
void starc_distance_options_dard(starc_distance_options *o);

/** @brief A distance plan for one MDP and one set of options (opaque). */
typedef struct starc_distance_plan starc_distance_plan;

/** @brief Prepare distances on @p m with options @p o (NULL = defaults).
 *
 *  The plan keeps a pointer to @p m, which must outlive it; arrays in @p o
 *  are copied.  @return ::STARC_EINVAL for an invalid kind, distribution,
 *  policy, coverage or tolerance (message names it); errors of
 *  starc_canon_alloc(). */
int starc_distance_plan_alloc(const starc_mdp *m, const starc_distance_options *o,
                              starc_distance_plan **out, starc_error *err);

/** @brief Release a plan; NULL is a no-op. */
void starc_distance_plan_free(starc_distance_plan *p);

/** @brief The options a plan was made with (its pointers refer to the plan's copies; its
 *  trivial_tol is the tolerance in use, the derived one when the default was asked for). */
const starc_distance_options *starc_distance_plan_options(const starc_distance_plan *p);

/** @brief d(R1, R2) for two dense rewards (S*A*S each).
 *
 *  Allocates no memory.  @return ::STARC_EUNDEF with `*d = NaN` (and a message)
 *  when the Pearson distance is undefined; ::STARC_ENOCONV / ::STARC_ELAPACK
 *  from the `range` normalisation's policy iteration. */
int starc_distance_pair(starc_distance_plan *p, const double *R1, const double *R2, double *d,
                        starc_error *err);

/** @brief The N x N matrix `D[i*n + j] = d(R[i], R[j])`.
 *
 *  Each reward is canonicalised and normalised once; see the file
 *  description for the Gram-matrix path.  Undefined entries (Pearson on a
 *  reward that is constant under the coverage, including its diagonal entry)
 *  are NaN and do not make the call fail.  The diagonal is 0 otherwise and
 *  the matrix is exactly symmetric.  Allocates `N * L` doubles of features
 *  (L = S*A*S, or S*A for val), an N x N Gram matrix and, for wl2 and a
 *  Pearson coverage, L weights.
 *  @param R  n pointers to dense rewards (S*A*S each)
 *  @param D  output, n*n doubles (row-major) */
int starc_distance_matrix(starc_distance_plan *p, size_t n, const double *const *R, double *D,
                          starc_error *err);

/** @brief Entries @p e0 <= e < @p e1 of the N x N matrix of starc_distance_matrix(), in the order of
 *  its upper triangle row by row, diagonal included: e = 0 is (0, 0), then (0, 1) ... (0, n-1), (1, 1) ...,
 *  n(n+1)/2 entries in all (`out[e - e0]`).
 *
 *  Each entry has the same bits as in starc_distance_matrix() on the same plan and rewards, for any
 *  range and any ::starc_distance_options.nthreads: a matrix can be computed in pieces (`starc distance
 *  --shard`).  All @p n rewards must be given: the features of the rewards from the range's first row
 *  on are computed (with norm none, every reward is read for the common scale factor).  Dense MDPs
 *  only (::STARC_EINVAL on a sparse one); ::STARC_EINVAL for a range beyond n(n+1)/2. */
int starc_distance_matrix_entries(starc_distance_plan *p, size_t n, const double *const *R, size_t e0, size_t e1,
                                  double *out, starc_error *err);

/** @brief The standardised reward s(R) = c(R)/n(c(R)) as a dense tensor.
 *
 *  @param out      output, S*A*S doubles (may equal @p R)
 *  @param norm     output, n(c(R)) (NaN-free; 0 for a trivial reward), or NULL
 *  @param trivial  output, 1 when R is trivial (then @p out is all zeros), or NULL */
int starc_distance_standardize(starc_distance_plan *p, const double *R, double *out, double *norm,
                               int *trivial, starc_error *err);

/** @brief d(R1, R2) for rewards given in their own shapes: (S,) (`R(s,a,s') = r(s)` for every s'),
 *  (S,A) (`r(s,a)` for every s'), or full: (S,A,S) on a dense MDP, (nnz,) on a sparse one.
 *
 *  Shapes as for starc_mdp_reward_expand() (@p ndim and @p shape of each reward; a 1-d array of
 *  length S is a state reward).  On a sparse MDP an (S,) or (S,A) reward is not the same tensor as
 *  its values on T's support: it holds its value off the support too, which the canonicalisations
 *  that read off-support entries (none, epic, val-potential, minimal-potential) and the unweighted
 *  norms and metrics see (docs/sparse.md).  On a dense MDP starc_distance_pair() is called on
 *  the full rewards as given and on temporary S*A*S expansions (allocated here) of the others.
 *  @return ::STARC_EDIM for a shape the MDP does not take; as starc_distance_pair() otherwise. */
int starc_distance_pair_shaped(starc_distance_plan *p, size_t ndim1, const size_t *shape1, const double *R1,
                               size_t ndim2, const size_t *shape2, const double *R2, double *d,
                               starc_error *err);

/** @brief starc_distance_matrix() for rewards given in their own shapes, as for
 *  starc_distance_pair_shaped(): reward i has @p ndim[i] dimensions, its shape in the first
 *  @p ndim[i] entries of `shape + 3*i` (@p shape holds 3n sizes), its values at @p R[i].
 *
 *  Dense MDPs only (::STARC_EINVAL on a sparse one).  D has the bits starc_distance_matrix() gives
 *  for the (S,A,S) expansions of the rewards.  A full reward is used where it is.  For the
 *  canonicalisations whose forms need no more of a reward than its expected reward Rbar (val and
 *  minimal), an (S,) or (S,A) reward with finite values is not expanded: its Rbar is formed from the
 *  given values, with the row kernels and lane order of its expansion.  For the others (none, epic,
 *  dard, val-potential, minimal-potential, each R plus an offset) such rewards are expanded into
 *  temporaries, allocated here.  @return ::STARC_EDIM for a shape the MDP does not take,
 *  ::STARC_EINVAL for a non-finite entry (named as starc_mdp_reward_expand() names it; the first
 *  bad reward in order); as starc_distance_matrix() otherwise. */
int starc_distance_matrix_shaped(starc_distance_plan *p, size_t n, const size_t *ndim, const size_t *shape,
                                 const double *const *R, double *D, starc_error *err);

/** @brief starc_distance_matrix_entries() for rewards given in their own shapes (as
 *  starc_distance_matrix_shaped()): each entry has the bits of starc_distance_matrix_shaped() and of
 *  starc_distance_matrix() on the expansions.  Dense MDPs only. */
int starc_distance_matrix_entries_shaped(starc_distance_plan *p, size_t n, const size_t *ndim, const size_t *shape,
                                         const double *const *R, size_t e0, size_t e1, double *out,
                                         starc_error *err);

/** @brief starc_distance_standardize() for a reward given in its own shape (@p ndim, @p shape as for
 *  starc_distance_pair_shaped()): the bits of starc_distance_standardize() on its expansion,
 *  which is not made for val and minimal.  @p out (S*A*S doubles) must not overlap @p R.  Dense MDPs
 *  only. */
int starc_distance_standardize_shaped(starc_distance_plan *p, size_t ndim, const size_t *shape, const double *R,
                                      double *out, double *norm, int *trivial, starc_error *err);

/** @brief One-shot d(R1, R2): plan, pair, free.  @p o may be NULL (defaults). */
int starc_distance(const starc_mdp *m, const starc_distance_options *o, const double *R1,
                   const double *R2, double *d, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
