/** @file starc/proxy.h
 *  @brief Correlated proxies (docs/theory.md §5): correlation under a base policy, bounds on the true
 *  improvement, reward hacking and hackability.
 *
 *  Laidlaw, Singhal & Dragan ("Correlated Proxies", ICLR 2025, arXiv 2403.03185; CP) measure a
 *  proxy reward by the correlation of proxy and true reward under the base policy's normalised
 *  state-action occupancy `mu_b`.  With `Rbar_t`, `Rbar_p` the expected rewards (S*A):
 *
 *  - `r` = Pearson correlation of `Rbar_t(s,a)` and `Rbar_p(s,a)` with `(s,a) ~ mu_b` (population form),
 *    `sigma_t`, `sigma_p` their standard deviations under `mu_b`;
 *  - for a policy pi: `dJt = Jn(pi,Rt) - Jn(pi_b,Rt)` (normalised returns), `dJp` likewise,
 *    `a = dJp / sigma_p`, `chi2 = chi2(mu_pi || mu_b)`;
 *  - lower bounds on `dJt`: A `sigma_t (r a - sqrt(1-r^2) sqrt(chi2))`;
 *    B (CP's form) `sigma_t/(r sigma_p) (dJp - sigma_p sqrt(1-r^2) sqrt(chi2))`, valid for r > 0;
 *    tight (Liu, Sun & Zheng, ICLR 2026) `sigma_t (r a - sqrt(1-r^2) sqrt(chi2 - a^2))`.
 *    All hold because `dJt = E_b[x Rt]` with `x = mu_pi/mu_b - 1`, `E_b[x] = 0`, `E_b[x^2] = chi2`;
 *    tight >= B (r > 0) and tight >= A always.
 *  - reward hacking (CP Def. 4.2): some optimal policy for the proxy has a lower true return than the base;
 *  - hackability (Skalse et al., NeurIPS 2022): on a set of policies, two rewards are hackable when
 *    some pair of policies is ordered strictly oppositely by their returns.
 */
#ifndef STARC_PROXY_H
#define STARC_PROXY_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Options of the proxy module; initialise with starc_proxy_options_default(). */
typedef struct starc_proxy_options {
    double prob_tol;     /**< policies (the base, analysed policies, hackability's set) must have rows
                              summing to 1 within prob_tol (default ::STARC_MDP_PROB_TOL) */
    double sigma_tol;    /**< a weighted standard deviation at most `sigma_tol * max|x| on the
                              support` counts as 0: round-off on a constant reward (default 1e-13,
                              16 times the worst measured for n <= 4096 entries, docs/theory.md §5) */
    double hacking_tol;  /**< reward hacking needs `true_return_min < J(pi_b, Rt) - tol *
                              max|Rbar_t| / (1 - gamma)`, tol = starc_regret_trivial_tol(hacking_tol,
                              gamma, S): the margin absorbs round-off (default
                              ::STARC_REGRET_TRIVIAL_TOL_DERIVED, the derived tolerance) */
    double hackable_tol; /**< hackability: return differences count as strict when they exceed
                              `tol * max|Rbar| / (1 - gamma)` of the reward concerned, tol =
                              starc_regret_trivial_tol(hackable_tol, gamma, S) (default
                              ::STARC_REGRET_TRIVIAL_TOL_DERIVED) */
    starc_policy_engine engine; /**< engine of the exact solves on a sparse MDP (occupancies, returns;
                              default ::STARC_POLICY_ENGINE_AUTO); a dense MDP always uses the dense path */
} starc_proxy_options;

/** @brief Fill @p o with the defaults documented in ::starc_proxy_options. */
void starc_proxy_options_default(starc_proxy_options *o);

/** @brief Correlation statistics of a true/proxy pair under a weighting (normally the base occupancy). */
typedef struct starc_proxy_stats {
    double r;           /**< weighted Pearson correlation; NaN when sigma_true or sigma_proxy is 0 */
    double sigma_true;  /**< weighted standard deviation of Rbar_t (population form) */
    double sigma_proxy; /**< weighted standard deviation of Rbar_p */
    double mean_true;   /**< weighted mean of Rbar_t (= Jn(pi_b, Rt) for the base occupancy) */
    double mean_proxy;  /**< weighted mean of Rbar_p (= Jn(pi_b, Rp)) */
    double orpo_coef;   /**< CP's ORPO coefficient `sigma_proxy sqrt(1 - r^2)`; NaN when r is */
} starc_proxy_stats;

/** @brief Weighted correlation of @p x (true) and @p y (proxy) under weights @p w (n entries, w >= 0, sum > 0).
 *
 *  Two-pass, centred sums.  A standard deviation at most `opt->sigma_tol * max|x| on the support`
 *  counts as 0 (then r is NaN: a constant reward has no correlation).  r is clamped to [-1, 1].
 *  @param opt  options, or NULL for the defaults
 *  @return ::STARC_EINVAL for negative or non-finite weights, zero total weight or non-finite values. */
int starc_proxy_weighted_stats(size_t n, const double *w, const double *x, const double *y,
                               const starc_proxy_options *opt, starc_proxy_stats *out, starc_error *err);

/** @brief The three lower bounds on the normalised true improvement dJt (see the file description).
 *
 *  @param r, sigma_t, sigma_p  correlation and standard deviations under mu_b
 *  @param dJp   normalised proxy improvement of the policy
 *  @param chi2  chi2(mu_pi || mu_b), may be INFINITY
 *  Conventions: chi2 = INFINITY gives -INFINITY for all three (no information); sigma_t = 0 with finite
 *  chi2 gives 0 (then dJt = 0 exactly); otherwise a NaN r or sigma_p = 0 gives NaN; B is NaN unless r > 0;
 *  `chi2 - a^2` is clamped at 0 (it is >= 0 exactly, by Cauchy-Schwarz). */
void starc_proxy_bounds(double r, double sigma_t, double sigma_p, double dJp, double chi2,
                        double *bound_a, double *bound_b, double *bound_tight);

/** @brief Everything starc_proxy_analyze() measures for one policy. */
typedef struct starc_proxy_analyze_result {
    double true_return;            /**< J(pi, Rt), discounted, unnormalised */
    double proxy_return;           /**< J(pi, Rp) */
    double true_delta_normalized;  /**< dJt = (1-gamma)(J(pi,Rt) - J(pi_b,Rt)) */
    double proxy_delta_normalized; /**< dJp */
    double a;                      /**< dJp / sigma_p (NaN when sigma_p = 0) */
    double chi2;                   /**< chi2(mu_pi || mu_b); INFINITY if pi leaves the base's support */
    double bound_a;                /**< bound A on dJt */
    double bound_b;                /**< bound B on dJt (CP's form) */
    double bound_tight;            /**< the tight bound on dJt */
} starc_proxy_analyze_result;

/** @brief A correlated-proxy analysis plan for (MDP, true, proxy, base policy) (opaque). */
typedef struct starc_proxy starc_proxy;

/** @brief Set up the analysis from expected rewards: base occupancy, returns and correlation statistics.
 *
 *  @param m       the MDP (borrowed: must outlive the plan)
 *  @param Rbar_t  expected true reward (S*A, copied)
 *  @param Rbar_p  expected proxy reward (S*A, copied)
 *  @param base    base policy (S*A, copied), validated at `opt->prob_tol`
 *  @param opt     options (copied), or NULL for the defaults
 *  @return ::STARC_EINVAL for a bad policy, non-finite reward or bad options, ::STARC_ELAPACK, ::STARC_ENOMEM. */
int starc_proxy_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *base,
                           const starc_proxy_options *opt, starc_proxy **out, starc_error *err);

/** @brief Release a plan; NULL is a no-op. */
void starc_proxy_free(starc_proxy *p);

/** @brief The correlation statistics under the base occupancy (owned by the plan). */
const starc_proxy_stats *starc_proxy_get_stats(const starc_proxy *p);

/** @brief The base policy's returns J(pi_b, Rt) and J(pi_b, Rp) (unnormalised; either pointer may be NULL). */
void starc_proxy_base_returns(const starc_proxy *p, double *true_return, double *proxy_return);

/** @brief The base policy's normalised state-action occupancy mu_b (S*A, owned by the plan). */
const double *starc_proxy_base_occupancy(const starc_proxy *p);

/** @brief Returns, normalised changes, `a`, chi2 and the three bounds for policy @p pi (S*A).
 *  @return ::STARC_EINVAL if @p pi is not a policy (tolerance as at alloc), ::STARC_ELAPACK. */
int starc_proxy_analyze(starc_proxy *p, const double *pi, starc_proxy_analyze_result *out, starc_error *err);

/** @brief Result of the reward-hacking check. */
typedef struct starc_proxy_hacking_result {
    starc_proxy_analyze_result proxy_optimal; /**< analysis of the proxy-optimal policy (ties to the lowest action) */
    double true_return_min;  /**< lowest J(pi, Rt) over all proxy-optimal policies */
    double true_return_max;  /**< highest J(pi, Rt) over all proxy-optimal policies */
    int reward_hacking;      /**< 1 if true_return_min < J(pi_b, Rt) (CP Def. 4.2), else 0 */
} starc_proxy_hacking_result;

/** @brief Reward-hacking check: does an optimal policy for the proxy do worse than the base on the truth?
 *
 *  The proxy-optimal deterministic policy is found by exact policy iteration (starc_policy_optimal_rbar(),
 *  options @p opt or NULL for defaults; ties to the lowest index).  The set of all proxy-optimal
 *  policies is the set of policies that only take actions whose optimal proxy Q value is tied with the
 *  maximum (within `opt->tie_tol * max |Q|`); the extreme true returns over that set are found
 *  by exact policy iteration restricted to those actions.  Hacking means
 *  `true_return_min < J(pi_b, Rt) - tol * max|Rbar_t| / (1 - gamma)` (tol from hacking_tol, ::starc_proxy_options of the plan;
 *  the margin absorbs round-off).
 *  @param act  output S actions of the tie-lowest proxy-optimal policy, or NULL */
int starc_proxy_check_hacking(starc_proxy *p, const starc_policy_options *opt, size_t *act,
                              starc_proxy_hacking_result *out, starc_error *err);

/** @brief Hackability of two rewards on a finite set of policies (Skalse et al. 2022, Def. 1).
 *
 *  Rewards R1, R2 (expected rewards @p Rbar1, @p Rbar2, S*A) are hackable on the set of @p n policies
 *  @p policies (n*S*A, policy k at `policies + k*S*A`) when some pair has `J1(pi_i) < J1(pi_j)` and
 *  `J2(pi_i) > J2(pi_j)`.  Returns are exact (LU); differences count as strict when they exceed
 *  `tol * max|Rbar| / (1 - gamma)` for the reward concerned (tol from hackable_tol,
 *  ::starc_proxy_options); policies are validated at
 *  prob_tol (::starc_proxy_options).  Runs in O(n S^3 + n log n).
 *  @param opt       options, or NULL for the defaults
 *  @param hackable  output 1 or 0
 *  @param wi, wj    output witness pair (J1 lower at wi, J2 higher at wi) when hackable, or NULL */
int starc_proxy_hackable_rbar(const starc_mdp *m, const double *Rbar1, const double *Rbar2, size_t n,
                              const double *policies, const starc_proxy_options *opt, int *hackable, size_t *wi,
                              size_t *wj, starc_error *err);

/** @brief Options of hackability on all deterministic policies. */
typedef struct starc_proxy_deterministic_options {
    starc_proxy_options proxy_options; /**< given to starc_proxy_hackable_rbar(): its hackable_tol (strictness
                                            of return differences) and prob_tol (defaults) */
    size_t max_policies; /**< refuse more than this many policies A^S (default 65536: the set takes
                              max_policies * S * A doubles, and the returns one LU solve each) */
} starc_proxy_deterministic_options;

/** @brief Fill @p o with the defaults (starc_proxy_options_default(), at most 65536 policies). */
void starc_proxy_deterministic_options_default(starc_proxy_deterministic_options *o);

/** @brief The number A^S of deterministic policies of @p m, if it is within the limit.
 *
 *  @param o  options (only max_policies is used), or NULL for the defaults
 *  @return ::STARC_EINVAL (message "A^S = A^S exceeds N policies") when A^S is above
 *          `o->max_policies` or does not fit a size_t. */
int starc_proxy_deterministic_count(const starc_mdp *m, const starc_proxy_deterministic_options *o, size_t *n,
                                    starc_error *err);

/** @brief Deterministic policy number @p k (S*A, one-hot rows) of @p m.
 *
 *  Policies are numbered as the S-digit base-A number of their actions, state 0 the least
 *  significant digit: policy k takes action `(k / A^s) % A` in state s (k is taken modulo A^S). */
void starc_proxy_deterministic_policy(const starc_mdp *m, size_t k, double *pi);

/** @brief Result of starc_proxy_hackable_deterministic_rbar(). */
typedef struct starc_proxy_hackability_result {
    size_t policies; /**< A^S, the number of policies compared */
    int hackable;    /**< 1 if some pair is ordered strictly oppositely by the two rewards */
    size_t witness_i, witness_j; /**< when hackable: the true return is lower and the proxy return
                                      higher at policy witness_i than at witness_j (numbers as in
                                      starc_proxy_deterministic_policy()); else 0 */
} starc_proxy_hackability_result;

/** @brief Hackability (Skalse et al. 2022, Def. 1) of a true and a proxy reward on the set of all
 *         A^S deterministic policies of @p m.
 *
 *  The set is starc_proxy_deterministic_policy(m, k) for k = 0..A^S-1, compared by
 *  starc_proxy_hackable_rbar() with `o->proxy_options`.  Memory: A^S * S * A doubles.
 *  @param Rbar_true, Rbar_proxy  expected rewards (S*A)
 *  @param o  options, or NULL for the defaults
 *  @return ::STARC_EINVAL when A^S exceeds `o->max_policies` (see starc_proxy_deterministic_count())
 *          or a tolerance is negative, ::STARC_ENOMEM, ::STARC_ELAPACK. */
int starc_proxy_hackable_deterministic_rbar(const starc_mdp *m, const double *Rbar_true, const double *Rbar_proxy,
                                            const starc_proxy_deterministic_options *o,
                                            starc_proxy_hackability_result *out, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
