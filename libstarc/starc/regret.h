/** @file starc/regret.h
 *  @brief Normalised regret of optimising a proxy reward (docs/theory.md §1).
 *
 *  `reg(Rt, Rp) = (J_t(pi*_t) - J_t(pi*_p)) / (J_t(pi*_t) - J_t(pi-_t))`, where
 *  pi*_t, pi*_p are optimal deterministic policies for the true and proxy
 *  rewards and pi-_t is a worst policy for the true reward, all found by exact
 *  policy iteration with ties to the lowest action index.  The regret is 0 when
 *  the true reward is trivial: denominator <= tol * rmax / (1 - gamma), rmax / (1 - gamma) the
 *  reward's return scale (rmax = max |R_t| over the transitions with T > 0 for a full reward,
 *  max |Rbar_t| for an expected one) and tol = starc_regret_trivial_tol(), by default
 *  `STARC_REGRET_TRIVIAL_TOL_MARGIN sqrt(S) DBL_EPSILON / (1 - gamma)`, derived from the measured
 *  round-off of return differences (docs/theory.md §1).  Rewards
 *  with max|Rbar| outside [2^-128, 2^128] are multiplied by a power of two first (exactly), so
 *  the regret is unchanged when either reward is multiplied by a positive constant.
 */
#ifndef STARC_REGRET_H
#define STARC_REGRET_H

#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief ::starc_regret_options.trivial_tol value (the default) that asks for the tolerance derived
 *  from the MDP, starc_regret_trivial_tol(). */
#define STARC_REGRET_TRIVIAL_TOL_DERIVED (-1.0)

/** @brief Margin K of the derived tolerance `K sqrt(S) DBL_EPSILON / (1 - gamma)`: about 12 times the
 *  worst round-off measured in return differences of exactly trivial rewards (docs/theory.md §1). */
#define STARC_REGRET_TRIVIAL_TOL_MARGIN 16.0

/** @brief Former fixed default of ::starc_regret_options.trivial_tol, kept for source compatibility:
 *  the default is now ::STARC_REGRET_TRIVIAL_TOL_DERIVED. */
#define STARC_REGRET_TRIVIAL_TOL STARC_REGRET_TRIVIAL_TOL_DERIVED

/** @brief Options of the regret functions. */
typedef struct starc_regret_options {
    starc_policy_options policy_options; /**< policy iteration for the optimal and worst policies (defaults) */
    double trivial_tol;                  /**< the regret is 0 when `J_t(pi*_t) - J_t(pi-_t) <=
                                              tol * rmax / (1 - gamma)` (rmax: the file comment), tol =
                                              trivial_tol when >= 0, or derived from S and gamma by
                                              starc_regret_trivial_tol() when it is
                                              ::STARC_REGRET_TRIVIAL_TOL_DERIVED (default) */
    int nthreads;                        /**< threads for the three policy iterations (the true reward's
                                              optimal and worst policies, the proxy's optimal policy and
                                              its true return): default 1 (in turn); < 1 means 1, more
                                              than 3 use 3.  On the sparse path (a sparse MDP, or the
                                              sparse or iterative engine) they run concurrently, each on
                                              its own scratch and engine state; on the dense engine they
                                              share their first factorisation and run on three threads of
                                              which at most nthreads compute at once when OpenBLAS runs
                                              each call on one thread (as the starc command sets it),
                                              otherwise in lockstep on the calling one (the workspace, when
                                              given, is the proxy's).  The results are identical for every
                                              value.  The memory of the concurrent iterations adds up (dense:
                                              three S x S matrices besides the workspace). */
} starc_regret_options;

/** @brief The relative tolerance of the trivial-true-reward rule: @p tol itself when it is >= 0;
 *  otherwise (::STARC_REGRET_TRIVIAL_TOL_DERIVED) `STARC_REGRET_TRIVIAL_TOL_MARGIN sqrt(S) DBL_EPSILON /
 *  (1 - gamma)`.  Also the tolerance of the proxy module's return comparisons (starc/proxy.h). */
double starc_regret_trivial_tol(double tol, double gamma, size_t S);

/** @brief Fill @p o with the defaults documented in ::starc_regret_options. */
void starc_regret_options_default(starc_regret_options *o);

/** @brief Everything starc_regret() measures. Returns are discounted, unnormalised. */
typedef struct starc_regret_result {
    double regret;              /**< normalised regret in [0, 1] */
    double true_optimal_return; /**< J_t(pi*_t) */
    double proxy_policy_return; /**< J_t(pi*_p): true return of the proxy-optimal policy */
    double true_worst_return;   /**< J_t(pi-_t) */
} starc_regret_result;

/** @brief Normalised regret of the proxy @p Rp's optimal policy under the true reward @p Rt.
 *
 *  @p Rt and @p Rp are dense S*A*S rewards.  @p opt may be NULL (defaults),
 *  @p ws may be NULL (allocates internally). */
int starc_regret(const starc_mdp *m, const double *Rt, const double *Rp, const starc_regret_options *opt,
                 starc_regret_result *res, starc_policy_workspace *ws, starc_error *err);

/** @brief starc_regret() for rewards given in their own shapes: (S,) (`R(s,a,s') = r(s)` for every s'),
 *  (S,A) (`r(s,a)` for every s'), or full: (S,A,S) on a dense MDP, (nnz,) on a sparse one.
 *
 *  Shapes as for starc_mdp_reward_expand() (@p ndim_t and @p shape_t of the true reward, @p ndim_p
 *  and @p shape_p of the proxy; a 1-d array of length S is a state reward).  Regret needs only the
 *  expected rewards, so an (S,) or (S,A) reward is never expanded: its Rbar is one pass over T,
 *  bit for bit the Rbar of its expansion, and the result is starc_regret()'s on the expansions.
 *  @return ::STARC_EDIM for a shape the MDP does not take; as starc_regret() otherwise. */
int starc_regret_shaped(const starc_mdp *m, size_t ndim_t, const size_t *shape_t, const double *Rt, size_t ndim_p,
                        const size_t *shape_p, const double *Rp, const starc_regret_options *opt,
                        starc_regret_result *res, starc_policy_workspace *ws, starc_error *err);

/** @brief Symmetric regret (reg(R1,R2) + reg(R2,R1)) / 2, as in the STARC study. */
int starc_regret_symmetric(const starc_mdp *m, const double *R1, const double *R2,
                           const starc_regret_options *opt, double *regret,
                           starc_policy_workspace *ws, starc_error *err);

/** @brief Regret from expected rewards (S*A each); same definition as starc_regret(). */
int starc_regret_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                      const starc_regret_options *opt, starc_regret_result *res,
                      starc_policy_workspace *ws, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
