/** @file starc/regret.h
 *  @brief Normalised regret of optimising a proxy reward (docs/theory.md §1).
 *
 *  `reg(Rt, Rp) = (J_t(pi*_t) - J_t(pi*_p)) / (J_t(pi*_t) - J_t(pi-_t))`, where
 *  pi*_t, pi*_p are optimal deterministic policies for the true and proxy
 *  rewards and pi-_t is a worst policy for the true reward, all found by exact
 *  policy iteration with ties to the lowest action index.  The regret is 0 when
 *  the true reward is trivial (denominator <= trivial_tol * max|Rbar_t| / (1 - gamma), the largest
 *  |return| of any policy: relative to the reward's own scale, ::starc_regret_options).  Rewards
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

/** @brief Default relative tolerance under which a reward's return range counts as zero
 *  (::starc_regret_options.trivial_tol). */
#define STARC_REGRET_TRIVIAL_TOL 1e-12

/** @brief Options of the regret functions. */
typedef struct starc_regret_options {
    starc_policy_options policy_options; /**< policy iteration for the optimal and worst policies (defaults) */
    double trivial_tol;                  /**< the regret is 0 when `J_t(pi*_t) - J_t(pi-_t) <=
                                              trivial_tol * max|Rbar_t| / (1 - gamma)`, >= 0
                                              (default ::STARC_REGRET_TRIVIAL_TOL) */
} starc_regret_options;

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
