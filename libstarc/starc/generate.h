/** @file starc/generate.h
 *  @brief Random MDPs and rewards: the STARC study's protocol, Dirichlet MDPs, interpolation.
 *
 *  The STARC random-MDP study (Skalse et al., ICLR 2024, Figure 1; protocol
 *  from the authors' code, docs/theory.md (Reference values)) draws transition rows by a
 *  "sparse softmax" and rewards by a chain of random sparsification, scaling,
 *  shifting and potential shaping.  Every generator here takes a random
 *  number generator (::starc_generate_rng, made from a seed by
 *  starc_generate_rng_alloc()) and consumes it in the documented order
 *  below, so that a seed fixes the output bit for bit on every platform.  The
 *  functions never seed, allocate or free the generator.
 *
 *  The generator is GSL's MT19937 (`gsl_rng_mt19937`) seeded with
 *  `gsl_rng_set(seed)`; draws are made with `gsl_ran_gaussian(r, 1.0)` for
 *  N(0,1), `gsl_rng_uniform(r)` for U(0,1) (in [0,1)) and
 *  `gsl_ran_dirichlet()`.
 */
#ifndef STARC_GENERATE_H
#define STARC_GENERATE_H

#include <stddef.h>
#include <stdint.h>
#include "starc/error.h"
#include "starc/mdp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A seeded random number generator (opaque): GSL's MT19937. */
typedef struct starc_generate_rng starc_generate_rng;

/** @brief A generator seeded with @p seed, as `gsl_rng_set(gsl_rng_alloc(gsl_rng_mt19937), seed)`.
 *
 *  MT19937 uses the low 32 bits of the seed (seed 0 is GSL's default seed 4357).
 *  @return ::STARC_ENOMEM. */
int starc_generate_rng_alloc(uint64_t seed, starc_generate_rng **out, starc_error *err);

/** @brief Release a generator; NULL is a no-op. */
void starc_generate_rng_free(starc_generate_rng *rng);

/** @brief The next U(0,1) draw in [0,1) (`gsl_rng_uniform`); advances the generator by one draw. */
double starc_generate_rng_uniform(starc_generate_rng *rng);

/** @brief The next N(0,1) draw (`gsl_ran_gaussian(r, 1.0)`). */
double starc_generate_rng_gaussian(starc_generate_rng *rng);

/** @brief The next integer draw, uniform on 0..n-1 (`gsl_rng_uniform_int(r, n)`); @p n must be
 *  between 1 and 2^32 (MT19937's range). */
size_t starc_generate_rng_uniform_int(starc_generate_rng *rng, size_t n);

/** @brief The study's transition threshold for S states: 1 for S < 50, 1.5 for S < 100, else 1.8. */
double starc_generate_transition_threshold(size_t S);

/** @brief The study's reward sparsity threshold for S states: 3 for S < 50, 3.5 for S < 100, else 3.8. */
double starc_generate_sparsity_threshold(size_t S);

/** @brief Options of the sparse-softmax transition protocol. */
typedef struct starc_generate_mdp_options {
    double gamma;     /**< discount of the generated MDP (default 0.95) */
    double threshold; /**< entries <= threshold are floored; NaN (the default) means
                           starc_generate_transition_threshold(S) */
    double floor;     /**< the value floored entries get before the softmax (default -20) */
} starc_generate_mdp_options;

/** @brief Fill @p o with the study's defaults (gamma 0.95, threshold by S, floor -20). */
void starc_generate_mdp_options_default(starc_generate_mdp_options *o);

/** @brief Transition tensor by the STARC study's sparse-softmax protocol.
 *
 *  For each row (s,a), in row-major order: draw x ~ N(0,1)^S (S draws, s' =
 *  0..S-1), replace every x[s'] <= threshold by `floor`, and set
 *  `T[s,a,:] = softmax(x)` (computed as exp(x - max x) / sum).  When no entry
 *  exceeds the threshold every entry equals `floor`, so the row is exactly
 *  uniform, as the protocol asks.  Entries that were floored keep the tiny
 *  mass exp(floor - x[s'']) / sum relative to the kept ones (about 1e-9 of it
 *  for floor = -20); the protocol does not remove it and neither does this.
 *  @param T output, S*A*S doubles
 *  @return ::STARC_EDIM if S or A is 0 or S*A*S overflows, ::STARC_EINVAL for
 *          a non-finite threshold or floor, or a floor above the threshold. */
int starc_generate_transitions(starc_generate_rng *rng, size_t S, size_t A, const starc_generate_mdp_options *o,
                               double *T, starc_error *err);

/** @brief A random MDP by the STARC protocol: starc_generate_transitions(), uniform mu0.
 *
 *  @p o may be NULL (defaults).  On success @p *out owns a new MDP (free it
 *  with starc_mdp_free()).  Errors as starc_generate_transitions(), plus
 *  ::STARC_EINVAL for gamma outside [0,1) and ::STARC_ENOMEM. */
int starc_generate_mdp(starc_generate_rng *rng, size_t S, size_t A, const starc_generate_mdp_options *o,
                       starc_mdp **out, starc_error *err);

/** @brief A random MDP whose transition rows are Dirichlet(alpha, ..., alpha), uniform mu0.
 *
 *  Rows are drawn in row-major order with `gsl_ran_dirichlet()` (S gamma
 *  variates per row).  alpha = 1 gives rows uniform on the simplex; small
 *  alpha gives nearly deterministic rows (GSL switches to a log-space method
 *  when the gamma variates underflow).
 *  @return ::STARC_EINVAL unless alpha > 0 and finite and gamma in [0,1). */
int starc_generate_mdp_dirichlet(starc_generate_rng *rng, size_t S, size_t A, double gamma, double alpha,
                                 starc_mdp **out, starc_error *err);

/** @brief A random sparse MDP (CSR): every row (s,a) has exactly @p K distinct successors,
 *  uniform mu0.
 *
 *  For each row (s,a), in row-major order: the successors are a uniform
 *  random K-subset of the S states (Floyd's algorithm: for j = S-K .. S-1
 *  draw t = starc_generate_rng_uniform_int(j+1) and take t, or j when t is
 *  taken already), sorted increasing; then their probabilities are
 *  Dirichlet(alpha, ..., alpha) (`gsl_ran_dirichlet()`, K gamma variates) in
 *  that order.  Nothing of size S*S or S*A*S is allocated: memory is
 *  O(S*A*K).  (A probability may underflow to 0 for a tiny alpha; the entry
 *  stays stored.)
 *  @return ::STARC_EDIM if S, A or K is 0, K > S or S*A*K overflows;
 *          ::STARC_EINVAL unless alpha > 0 and finite and gamma in [0,1); ::STARC_ENOMEM. */
int starc_generate_mdp_successors(starc_generate_rng *rng, size_t S, size_t A, size_t K, double gamma, double alpha,
                                  starc_mdp **out, starc_error *err);

/** @brief Options of the STARC reward protocol (defaults are the study's). */
typedef struct starc_generate_reward_options {
    double p_sparse;         /**< probability of sparsification (default 0.2) */
    double sparse_threshold; /**< keep only entries > this; NaN (default) means
                                  starc_generate_sparsity_threshold(S) */
    double p_scale;          /**< probability of scaling (default 0.7) */
    double scale_max;        /**< scale factor is scale_max * U(0,1) (default 10) */
    double p_shift;          /**< probability of a constant shift (default 0.3) */
    double shift_max;        /**< the shift is shift_max * U(0,1) (default 10) */
    double p_shape;          /**< probability of potential shaping (default 0.5) */
    double shape_max;        /**< Phi = N(0,1)^S * shape_max * U(0,1) + U(0,1) (default 10) */
} starc_generate_reward_options;

/** @brief Fill @p o with the study's reward protocol (0.2, 0.7, 0.3, 0.5; factors 10). */
void starc_generate_reward_options_default(starc_generate_reward_options *o);

/** @brief What starc_generate_reward() did (for tests and reports). */
typedef struct starc_generate_reward_info {
    int sparse;     /**< 1 if the reward was sparsified */
    int scaled;     /**< 1 if it was multiplied by @p scale */
    int shifted;    /**< 1 if @p shift was added */
    int shaped;     /**< 1 if potential shaping was added */
    double scale;   /**< the factor (1 if not scaled) */
    double shift;   /**< the shift (0 if not shifted) */
    size_t nonzero; /**< entries != 0 after sparsification (all S*A*S, or nnz, if not sparsified) */
} starc_generate_reward_info;

/** @brief A random reward (S*A*S) by the STARC study's protocol, for MDP @p m (S, A, gamma).
 *
 *  On a sparse MDP the reward is a full reward of starc_mdp_reward_size(m) =
 *  nnz values, one per stored transition in T's CSR order (0 off the
 *  support), and every step below runs over those entries instead of all
 *  S*A*S: step 1 draws nnz Gaussians, and shaping adds gamma Phi[s'] -
 *  Phi[s] on the stored (s,a,s') only.  On a dense MDP nothing changes.
 *
 *  Draw order (each step in this order, decisions by one U(0,1) draw u, the
 *  step applied when u < p):
 *  1. R[k] ~ N(0,1) for k = 0..S*A*S-1 (row-major (s,a,s')).
 *  2. u; sparsify: R[k] = R[k] if R[k] > sparse_threshold, else 0.
 *  3. u; scale: draw U, R *= scale_max * U.
 *  4. u; shift: draw U, R += shift_max * U.
 *  5. u; shape: draw x ~ N(0,1)^S, then U1, then U2;
 *     Phi = x * (shape_max * U1) + U2;  R[s,a,s'] += gamma Phi[s'] - Phi[s].
 *  @param o    options, or NULL for the study's protocol
 *  @param R    output, starc_mdp_reward_size(m) doubles (S*A*S for a dense MDP)
 *  @param info what was done, or NULL
 *  @return ::STARC_EINVAL for a probability outside [0,1] or a non-finite factor. */
int starc_generate_reward(starc_generate_rng *rng, const starc_mdp *m, const starc_generate_reward_options *o,
                          double *R, starc_generate_reward_info *info, starc_error *err);

/** @brief Linear interpolation `out = R1 + t (R2 - R1)` over @p n entries.
 *
 *  The study's data points are (R1, R_i) with R_i = R1 + (i/T)(R2 - R1),
 *  i = 1..T.  @p out may alias @p R1 or @p R2. */
void starc_generate_interpolate(size_t n, const double *R1, const double *R2, double t, double *out);

/** @brief An MDP with uniform transition rows T(s,a,.) = 1/S and uniform mu0, for @p gamma.
 *
 *  Consumes no randomness: a stand-in when only S, A and gamma matter (the reward protocol of
 *  starc_generate_reward() reads nothing else).
 *  @return ::STARC_EDIM if S or A is 0 or S*A*S overflows, ::STARC_EINVAL for gamma outside [0,1),
 *          ::STARC_ENOMEM. */
int starc_generate_mdp_uniform(size_t S, size_t A, double gamma, starc_mdp **out, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
