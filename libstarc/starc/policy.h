/** @file starc/policy.h
 *  @brief Policies: exact evaluation, occupancy measures, optimal and worst policies.
 *
 *  A stochastic policy is a row-major S*A array `pi[s*A + a]` whose rows sum
 *  to 1; a deterministic policy is an array of S action indices.  Formulas are
 *  docs/theory.md §1: `V^pi = (I - gamma P_pi)^{-1} r_pi` by one dense LU solve
 *  (LAPACK), `Q^pi = Rbar + gamma T V^pi`, returns `J = mu0 . V`
 *  (discounted, unnormalised), normalised occupancy
 *  `d = (1-gamma) (I - gamma P_pi)^{-T} mu0`, `mu(s,a) = d(s) pi(s,a)`.
 */
#ifndef STARC_POLICY_H
#define STARC_POLICY_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy-types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Allocate a workspace for MDPs with S states and A actions.
 *  @return ::STARC_EDIM if S or A is 0 or S*S overflows, ::STARC_ENOMEM. */
int starc_policy_workspace_alloc(size_t S, size_t A, starc_policy_workspace **out, starc_error *err);
/** @brief Release a workspace; NULL is a no-op. */
void starc_policy_workspace_free(starc_policy_workspace *ws);

/** @brief The command-line name of @p e: "auto", "dense", "sparse", "iterative" (NULL if out of range). */
const char *starc_policy_engine_name(starc_policy_engine e);
/** @brief Parse "auto", "dense", "sparse" or "iterative"; ::STARC_EINVAL otherwise. */
int starc_policy_engine_parse(const char *name, starc_policy_engine *out);

/** @brief Fill @p o with the defaults documented in ::starc_policy_options. */
void starc_policy_options_default(starc_policy_options *o);

/** @brief Check that @p pi (S*A) is a policy: finite, non-negative, rows summing to 1 within
 *  `opt->prob_tol` (@p opt NULL = defaults). */
int starc_policy_validate(const starc_mdp *m, const double *pi, const starc_policy_options *opt, starc_error *err);

/** @brief Fill @p pi (S*A) with the uniformly random policy. */
void starc_policy_uniform(const starc_mdp *m, double *pi);

/** @brief Turn deterministic actions @p act (S) into a one-hot policy @p pi (S*A). */
void starc_policy_from_actions(const starc_mdp *m, const size_t *act, double *pi);

/** @brief Exact V^pi and Q^pi of policy @p pi for the expected reward @p Rbar (S*A).
 *
 *  @param V  output, S values (required)
 *  @param Q  output, S*A action values, or NULL
 *  @return ::STARC_ELAPACK if I - gamma P_pi is numerically singular. */
int starc_policy_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar,
                               double *V, double *Q, starc_policy_workspace *ws, starc_error *err);

/** @brief Exact V^pi and Q^pi for a dense reward @p R (S*A*S); see starc_policy_evaluate_rbar(). */
int starc_policy_evaluate(const starc_mdp *m, const double *pi, const double *R,
                          double *V, double *Q, starc_policy_workspace *ws, starc_error *err);

/** @brief Discounted, unnormalised return J(pi) = mu0 . V^pi for a dense reward @p R. */
int starc_policy_return(const starc_mdp *m, const double *pi, const double *R, double *J,
                        starc_policy_workspace *ws, starc_error *err);

/** @brief Like starc_policy_return() for an expected reward @p Rbar (S*A). */
int starc_policy_return_rbar(const starc_mdp *m, const double *pi, const double *Rbar, double *J,
                             starc_policy_workspace *ws, starc_error *err);

/** @brief The return `J = sum_s mu0(s) V(s)` of the values @p V (S), summed in state order. */
double starc_policy_values_return(const starc_mdp *m, const double *V);

/** @brief Evaluation and occupancy of @p pi on the engine `opt->engine` chooses (@p opt NULL = auto).
 *
 *  V (S) and Q (S*A) as starc_policy_evaluate_rbar() for the expected reward
 *  @p Rbar, d (S) and mu (S*A) as starc_policy_occupancy(); every output may
 *  be NULL (V and Q need @p Rbar).  The one entry point that forces the dense
 *  or the sparse engine for these quantities (docs/sparse.md). */
int starc_policy_solve(const starc_mdp *m, const double *pi, const double *Rbar, const starc_policy_options *opt,
                       double *V, double *Q, double *d, double *mu, starc_error *err);

/** @brief Normalised discounted occupancy of @p pi.
 *
 *  @param d   output, S state occupancies `(1-gamma) (I - gamma P_pi)^{-T} mu0` (sum 1), or NULL
 *  @param mu  output, S*A state-action occupancies `d(s) pi(s,a)` (sum 1), or NULL
 *  Then `(1-gamma) J(pi) = sum mu * Rbar`. */
int starc_policy_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu,
                           starc_policy_workspace *ws, starc_error *err);

/** @brief An optimal deterministic policy by exact policy iteration (Howard).
 *
 *  Starts from action 0 everywhere; a state switches action only when another
 *  action beats the current one by more than the tie tolerance, so the
 *  iteration terminates.  At the fixed point each state takes the
 *  **lowest-indexed** action whose Q value is tied with the maximum.
 *  @param Rbar  expected reward (S*A)
 *  @param opt   options, or NULL for the defaults
 *  @param act   output, S actions (required)
 *  @param V     output, S optimal values, or NULL
 *  @param iters output, number of evaluations performed, or NULL */
int starc_policy_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                              size_t *act, double *V, size_t *iters,
                              starc_policy_workspace *ws, starc_error *err);

/** @brief starc_policy_optimal_rbar() for a dense reward @p R (S*A*S). */
int starc_policy_optimal(const starc_mdp *m, const double *R, const starc_policy_options *opt,
                         size_t *act, double *V, size_t *iters,
                         starc_policy_workspace *ws, starc_error *err);

/** @brief A worst deterministic policy: the optimal policy of -R (same tie rule). */
int starc_policy_worst(const starc_mdp *m, const double *R, const starc_policy_options *opt,
                       size_t *act, double *V, size_t *iters,
                       starc_policy_workspace *ws, starc_error *err);

/** @brief Optimal and worst returns of the expected reward @p Rbar (S*A) by exact policy iteration.
 *
 *  Their difference is the `range` normaliser and the denominator of the
 *  regret.  @p opt as for starc_policy_optimal_rbar() (NULL = defaults). */
int starc_policy_range_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                            starc_policy_range_result *res, starc_policy_workspace *ws, starc_error *err);

/** @brief Value iteration on the Bellman optimality operator for the expected reward @p Rbar (S*A)
 *  (reference method).
 *
 *  Stopping rule: stop when `max_s |V_{k+1}(s) - V_k(s)| <= tol` (`opt->tol`); then the
 *  greedy policy is `2 gamma tol / (1 - gamma)`-optimal.  More than
 *  `opt->max_sweeps` sweeps is ::STARC_ENOCONV.  Greedy ties go to the lowest index.
 *  @param opt   options, or NULL for the defaults
 *  @param act   output, S greedy actions, or NULL
 *  @param iters output, number of sweeps, or NULL */
int starc_policy_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                      double *V, size_t *act, size_t *iters, starc_error *err);

/** @brief Policy evaluation plan: (I - gamma P_pi) factorised once for a fixed policy,
 *  then values, returns and occupancies for many rewards without allocating. */
typedef struct starc_policy_evaluator starc_policy_evaluator;

/** @brief Factorise I - gamma P_pi for policy @p pi (S*A, copied). */
int starc_policy_evaluator_alloc(const starc_mdp *m, const double *pi, starc_policy_evaluator **out, starc_error *err);
/** @brief Release an evaluator; NULL is a no-op. */
void starc_policy_evaluator_free(starc_policy_evaluator *ev);
/** @brief V (S, required) and Q (S*A, or NULL) of the plan's policy for the dense reward @p R.
 *  Uses the evaluator's own scratch: not for concurrent use on one evaluator.
 *  @return ::STARC_ELAPACK if the triangular solve fails. */
int starc_policy_evaluator_values(starc_policy_evaluator *ev, const double *R, double *V, double *Q,
                                  starc_error *err);
/** @brief Like starc_policy_evaluator_values() for an expected reward @p Rbar (S*A). */
int starc_policy_evaluator_values_rbar(starc_policy_evaluator *ev, const double *Rbar, double *V, double *Q,
                                       starc_error *err);
/** @brief The plan's normalised occupancies d (S) and mu (S*A), either may be NULL.
 *  @return ::STARC_ELAPACK if the triangular solve fails. */
int starc_policy_evaluator_occupancy(starc_policy_evaluator *ev, double *d, double *mu, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
