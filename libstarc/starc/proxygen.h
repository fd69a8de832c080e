/** @file starc/proxygen.h
 *  @brief Proxy rewards that overoptimise: noisy, heavy-tailed, off-distribution and learned proxies.
 *
 *  Each generator takes an MDP, a true reward Rt and a base policy pi_b and
 *  returns a proxy `Rp(s,a)` (shape (S,A)) that agrees with the true expected
 *  reward `Rbar_t(s,a)` up to an error of a chosen kind.  They make the
 *  characteristic rise-then-fall of the true return along a pressure path
 *  (starc/overopt.h) easy to reproduce: errors that are rare or concentrated
 *  where the base policy seldom goes are exploited only under high pressure.
 *
 *  The error scale is `scale * sigma`, where sigma is the standard deviation
 *  of Rbar_t under the base occupancy mu_b (docs/theory.md §5); if that is 0, under
 *  the uniform distribution over (s,a); if that is 0 too, 1.  Randomness comes
 *  from GSL's mt19937 seeded with the options' seed: the same seed gives the
 *  same proxy on every platform and thread count.
 */
#ifndef STARC_PROXYGEN_H
#define STARC_PROXYGEN_H

#include <stddef.h>
#include <stdint.h>
#include "starc/error.h"
#include "starc/mdp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The kind of proxy error. */
typedef enum starc_proxygen_kind {
    /** `Rp = Rbar_t + scale sigma Z`, Z i.i.d. N(0,1) per (s,a). */
    STARC_PROXYGEN_NOISE = 0,
    /** `Rp = Rbar_t + scale sigma Z`, Z i.i.d. Student-t with `df` degrees of freedom
     *  (heavy tails: a few large errors; df <= 2 has infinite variance). */
    STARC_PROXYGEN_HEAVY_TAIL = 1,
    /** `Rp = Rbar_t + scale sigma Z / sqrt(S A mu_b(s,a) + floor)`, Z i.i.d. N(0,1):
     *  the error of an estimate from a sample whose size is proportional to the
     *  base occupancy; it is about `scale sigma` where mu_b is uniform and grows
     *  to `scale sigma / sqrt(floor)` where the base policy never goes. */
    STARC_PROXYGEN_OFF_DISTRIBUTION = 2,
    /** A Bradley-Terry reward model fitted (starc_proxygen_bt_fit()) to `comparisons` pairs
     *  of length-`segment` trajectory segments of the base policy (start state
     *  from the base's normalised state occupancy, then pi_b and T), labelled 1
     *  with probability `sigmoid((G1 - G2) / (temperature sigma))`, G the
     *  segment's sum of sampled rewards R(s,a,s').  Output `Rp = temperature sigma w`
     *  in reward units; pairs the base never visits stay at the prior 0. */
    STARC_PROXYGEN_LEARNED = 3
} starc_proxygen_kind;

/** @brief Number of proxy error kinds. */
#define STARC_PROXYGEN_KIND_COUNT 4

/** @brief The kind's CLI name ("noise", "heavy-tail", "off-distribution", "learned"), or NULL if out of range. */
const char *starc_proxygen_kind_name(starc_proxygen_kind kind);

/** @brief Parse a CLI kind name; ::STARC_EINVAL (message lists the names) if unknown. */
int starc_proxygen_kind_parse(const char *name, starc_proxygen_kind *kind, starc_error *err);

/** @brief Options for starc_proxygen(); initialise with starc_proxygen_options_default(). */
typedef struct starc_proxygen_options {
    starc_proxygen_kind kind;  /**< error kind (default ::STARC_PROXYGEN_NOISE) */
    uint64_t seed;             /**< mt19937 seed (default 0; as starc_generate_rng_alloc() seeds) */
    double scale;              /**< error scale in units of sigma (default 0.5; not used by learned) */
    double df;                 /**< heavy-tail degrees of freedom, > 0 (default 1.5) */
    double floor;              /**< off-distribution floor, > 0 (default 0.01) */
    size_t comparisons;        /**< learned: number of comparisons; 0 means 10 S A (default 0) */
    size_t segment;            /**< learned: segment length, >= 1 (default 1) */
    double temperature;        /**< learned: labeller temperature in units of sigma, > 0 (default 0.5) */
    double l2;                 /**< learned, starc_proxygen_bt_fit(): ridge weight on the logit-scale reward, > 0
                                    (default 1) */
    double tol;                /**< learned, starc_proxygen_bt_fit(): Newton stops when max |gradient| <= tol
                                    (default 1e-9) */
    size_t max_iter;           /**< learned, starc_proxygen_bt_fit(): Newton iteration cap (default 100); exceeding
                                    it is ::STARC_ENOCONV */
    double prob_tol;           /**< the base policy's rows must sum to 1 within prob_tol
                                    (default ::STARC_MDP_PROB_TOL) */
} starc_proxygen_options;

/** @brief Fill @p o with the defaults documented in ::starc_proxygen_options. */
void starc_proxygen_options_default(starc_proxygen_options *o);

/** @brief Generate a proxy for true reward @p Rt (dense S*A*S) and base policy @p pi_b (S*A).
 *
 *  @param o   options, or NULL for the defaults
 *  @param Rp  output, S*A proxy expected reward
 *  @return ::STARC_EINVAL on bad options, a bad policy or a non-finite reward,
 *          ::STARC_ENOCONV if the learned fit does not converge, ::STARC_ELAPACK, ::STARC_ENOMEM. */
int starc_proxygen(const starc_mdp *m, const double *Rt, const double *pi_b, const starc_proxygen_options *o,
                   double *Rp, starc_error *err);

/** @brief Fit a Bradley-Terry reward to segment comparisons by penalised maximum likelihood.
 *
 *  Comparison i sets segment 1 (`seg1[i*H .. i*H+H-1]`, indices into the p
 *  parameters, e.g. s*A + a) against segment 2 (`seg2[...]`) with preference
 *  `pref[i]` in [0,1] for segment 1.  With `x_i = counts(seg1_i) - counts(seg2_i)`
 *  and `z_i = x_i . w`, minimises the strictly convex
 *  `L(w) = sum_i [log(1 + e^{z_i}) - pref_i z_i] + (l2/2) |w|^2`
 *  by Newton's method with backtracking (Hessian `X^T diag(s(1-s)) X + l2 I`,
 *  LAPACK dposv, O(p^3) per step), starting from w = 0, until
 *  `max_j |dL/dw_j| <= tol`.  l2, tol and max_iter are the fields of @p opt.
 *  @param opt    options, or NULL for the defaults (only l2, tol and max_iter are used)
 *  @param w      output, p parameters
 *  @param iters  output, Newton steps taken, or NULL
 *  @return ::STARC_EINVAL (index >= p, pref outside [0,1], l2 <= 0, tol <= 0),
 *          ::STARC_ENOCONV after max_iter steps, ::STARC_ELAPACK, ::STARC_ENOMEM. */
int starc_proxygen_bt_fit(size_t p, size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *pref,
                          const starc_proxygen_options *opt, double *w, size_t *iters, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
