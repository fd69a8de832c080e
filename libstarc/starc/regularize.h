/** @file starc/regularize.h
 *  @brief Exact regularised optima on tabular MDPs (docs/theory.md §5): AD-KL, OM-chi2, OM-sqrt-chi2, OM-KL.
 *
 *  For a base policy `pi_b` with normalised occupancy `mu_b` and a proxy
 *  reward with expected reward `Rbar_p`, a regulariser maximises
 *  `Jn(pi, Rp) - coef * D(pi)` over all policies, `Jn = (1-gamma) mu0 . V`
 *  the normalised return, for one of these divergences:
 *
 *  - ::STARC_REGULARIZE_AD_KL: `D = sum_s d_pi(s) KL(pi(.|s) || pi_b(.|s))` (action-distribution KL,
 *    normalised state occupancy).  Soft Bellman equation with the base as reference,
 *    `V(s) = beta log sum_a pi_b(a|s) exp(Q(s,a)/beta)`, `beta = coef`, on unnormalised values;
 *    solved by soft policy iteration (exact LU evaluation of the entropy-regularised policy,
 *    improvement `pi = pi_b exp((Q - V)/beta)`) or soft value iteration.
 *  - ::STARC_REGULARIZE_OM_CHI2: `D = chi2(mu_pi || mu_b) = sum mu_pi^2/mu_b - 1`.  Exact convex dual over
 *    values V: `L(V) = (1-gamma) mu0.V + alpha sum mu_b f*(e_V/alpha)`, `alpha = 2 coef`,
 *    `e_V = Rbar_p + gamma T V - V`, `f*(y) = y + y^2/2` (y >= -1), `-1/2` otherwise; minimised by a
 *    regularised semismooth Newton method (generalised Hessian `sum_active mu_b/alpha g g^T` from the
 *    active pairs, Cholesky with a ridge `max(1e-14, min(1e-8, residual))` times its largest diagonal
 *    entry, a strong-Wolfe line search on the directional derivative, and an exact move of V(s) for a
 *    state that no active pair touches); the primal is `mu = mu_b max(0, 1 + e_V/alpha)`.  The
 *    returned policy is `mu(s,a) / sum_a mu(s,a)`.
 *  - ::STARC_REGULARIZE_OM_SQRT_CHI2: `D = sqrt(chi2)` (ORPO, Laidlaw, Singhal & Dragan, ICLR 2025).  Its
 *    optimum is the OM-chi2 optimum at the inner coefficient `c'` with `2 c' sqrt(chi2) = coef`, found
 *    by a safeguarded 1-D search in log c'; when coef is at least the slope of the Pareto frontier at
 *    the base (`sup_c' 2 c' sqrt(chi2(c'))`) the optimum is the base policy itself.
 *    CP's suggested coefficient is `sigma_p sqrt(1 - r^2)` (starc/proxy.h).
 *  - ::STARC_REGULARIZE_OM_KL: `D = KL(mu_pi || mu_b)`; dual
 *    `L(V) = (1-gamma) mu0.V + coef sum mu_b exp(e_V/coef - 1)`,
 *    primal `mu = mu_b exp(e_V/coef - 1)`, Newton's method with the same stopping rule as OM-chi2.
 *
 *  Every optimum stays inside the base policy's support (state-action pairs with `mu_b > 0`, actions
 *  with `pi_b > 0`), so its divergences are finite.  Where the base never visits a state, the OM
 *  methods return the base row (the optimum never visits the state either); AD-KL returns the soft-optimal
 *  row `pi_b exp((Q - V)/beta)` at every state.
 *
 *  Plan/execute: starc_regularize_alloc_rbar() does the set-up for one (MDP, true, proxy, base policy)
 *  tuple (base occupancy, expected rewards, workspaces); starc_regularize_solve() is then called for
 *  any number of methods and coefficients and warm-starts from the previous solution of the same
 *  method family (see ::starc_regularize_options.warm_start), which makes pressure sweeps cheap.  A
 *  regulariser is not safe for concurrent use; use one per thread.
 */
#ifndef STARC_REGULARIZE_H
#define STARC_REGULARIZE_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Which divergence penalises the policy (see the file description). */
typedef enum starc_regularize_method {
    STARC_REGULARIZE_AD_KL = 0,        /**< action-distribution KL, `sum_s d_pi(s) KL(pi(.|s)||pi_b(.|s))` */
    STARC_REGULARIZE_OM_CHI2 = 1,      /**< occupancy-measure chi-squared `chi2(mu_pi||mu_b)` */
    STARC_REGULARIZE_OM_SQRT_CHI2 = 2, /**< `sqrt(chi2(mu_pi||mu_b))` (CP's ORPO) */
    STARC_REGULARIZE_OM_KL = 3         /**< occupancy-measure KL `KL(mu_pi||mu_b)` */
} starc_regularize_method;

/** @brief Number of methods in ::starc_regularize_method. */
#define STARC_REGULARIZE_METHOD_COUNT 4

/** @brief The method's CLI name ("ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl"), or NULL if out of range. */
const char *starc_regularize_method_name(starc_regularize_method method);

/** @brief Parse a CLI method name; ::STARC_EINVAL (message lists the names) if unknown. */
int starc_regularize_method_parse(const char *name, starc_regularize_method *method, starc_error *err);

/** @brief Solver for ::STARC_REGULARIZE_AD_KL. */
typedef enum starc_regularize_adkl_solver {
    /** "pi": soft policy iteration: exact LU evaluation, softmax improvement (default) */
    STARC_REGULARIZE_ADKL_POLICY_ITERATION = 0,
    /** "vi": soft value iteration (contraction gamma; slow for gamma near 1) */
    STARC_REGULARIZE_ADKL_VALUE_ITERATION = 1
} starc_regularize_adkl_solver;

/** @brief Number of AD-KL solvers. */
#define STARC_REGULARIZE_ADKL_SOLVER_COUNT 2

/** @brief The solver's CLI name ("pi", "vi"), or NULL if out of range. */
const char *starc_regularize_adkl_solver_name(starc_regularize_adkl_solver solver);

/** @brief Parse a CLI solver name; ::STARC_EINVAL (message lists the names) if unknown. */
int starc_regularize_adkl_solver_parse(const char *name, starc_regularize_adkl_solver *solver, starc_error *err);

/** @brief Options for the regularised solvers; initialise with starc_regularize_options_default(). */
typedef struct starc_regularize_options {
    /** Convergence tolerance (default 1e-10).  AD-KL: stop when the sup-norm soft Bellman residual
     *  `max_s |B(V)(s) - V(s)|` of the unnormalised soft values (the change one soft value-iteration
     *  sweep would make) is `<= tol * max_s |V(s)|` (relative); then `|V - V*| <= that / (1 - gamma)`.
     *  OM-chi2 / OM-KL: stop when the max-norm of the flow residual
     *  `(1-gamma) mu0(s) + gamma sum_{s',a'} T[s',a',s] mu(s',a') - sum_a mu(s,a)` (the dual gradient;
     *  occupancies sum to 1) is `<= tol`, or, when that is below the precision the residual can be
     *  computed to, `<= 8 A DBL_EPSILON (2 max|V| + max|Rbar_p|) max(w) / alpha` with w = mu_b (chi2) or
     *  mu (KL) and alpha = 2 coef (chi2) or coef (KL): its round-off floor, which only matters for tiny
     *  coefficients (::starc_regularize_result.residual reports the value reached); a floor above 1e-6
     *  (a coefficient far below the reward's scale) leaves mu undetermined and is ::STARC_ENOCONV.
     *  No halving of the residual
     *  in stall_max_iter Newton steps is ::STARC_ENOCONV. */
    double tol;
    /** Cap on Newton steps (OM methods, per solve) and soft policy-iteration steps (default 1000);
     *  exceeding it is ::STARC_ENOCONV. */
    size_t max_iter;
    /** Cap on soft value-iteration sweeps (default 100000); exceeding it is ::STARC_ENOCONV. */
    size_t max_sweeps;
    /** Relative tolerance of the OM-sqrt-chi2 1-D search on `2 c' sqrt(chi2(c'))` (default 1e-10):
     *  stop when `|2 c' sqrt(chi2) - coef| <= search_tol * coef`.  Safeguarded Newton in log c' with
     *  the slope from differentiating the dual optimality condition; at most search_max_iter search
     *  steps (each an OM-chi2 solve), more is ::STARC_ENOCONV. */
    double search_tol;
    /** Cap on the OM-sqrt-chi2 1-D search steps (default 200); exceeding it is ::STARC_ENOCONV. */
    size_t search_max_iter;
    /** OM-chi2 / OM-KL: more than stall_max_iter Newton steps in a row without halving the flow
     *  residual is ::STARC_ENOCONV (default 50). */
    size_t stall_max_iter;
    /** AD-KL solver (default ::STARC_REGULARIZE_ADKL_POLICY_ITERATION). */
    starc_regularize_adkl_solver adkl_solver;
    /** Start from the previous solution of the same method family (default 1); 0 starts every
     *  solve from the base policy. */
    int warm_start;
    /** Probability tolerance used to validate the base policy (default ::STARC_MDP_PROB_TOL). */
    double prob_tol;
    /** On a sparse MDP: the engine of AD-KL's evaluations and of the exact occupancies (default
     *  ::STARC_POLICY_ENGINE_AUTO).  The OM methods run on the MDP expanded to S*A*S (their Newton
     *  system is dense) and are refused above 2^24 entries (docs/sparse.md).  A dense MDP always
     *  uses the dense path. */
    starc_policy_engine engine;
} starc_regularize_options;

/** @brief Fill @p o with the defaults documented in ::starc_regularize_options. */
void starc_regularize_options_default(starc_regularize_options *o);

/** @brief Diagnostics of one policy relative to the base policy.
 *
 *  Returns are discounted and unnormalised (`mu0 . V`) unless the name ends in `_normalized`
 *  (`(1-gamma)` times it).  Divergences are between normalised occupancies, except
 *  `ad_kl_unnormalized = sum_{s,a} eta(s,a) log(pi/pi_b)` with `eta = mu/(1-gamma)` the
 *  unnormalised occupancy.  A divergence is `INFINITY` when the policy puts mass where the base
 *  has none (chi2, OM-KL: `mu > 0` where `mu_b = 0`; AD-KL: `pi > 0` where `pi_b = 0` at a visited state). */
typedef struct starc_regularize_result {
    starc_regularize_method method;   /**< the method solved (set by starc_regularize_solve()) */
    double coef;               /**< the coefficient asked for */
    double inner_coef;         /**< OM-sqrt-chi2: the matched OM-chi2 coefficient c' (INFINITY when the optimum is the base); otherwise = coef */
    double divergence;         /**< D(pi) of the method (ad_kl, chi2, sqrt(chi2) or om_kl) */
    double objective;          /**< `proxy_return_normalized - coef * divergence` */
    double proxy_return;       /**< J(pi, proxy) */
    double true_return;        /**< J(pi, true); NaN when the regulariser has no true reward */
    double proxy_return_normalized; /**< (1-gamma) J(pi, proxy) */
    double true_return_normalized;  /**< (1-gamma) J(pi, true), or NaN */
    double proxy_delta;        /**< J(pi, proxy) - J(pi_b, proxy) */
    double true_delta;         /**< J(pi, true) - J(pi_b, true), or NaN */
    double proxy_delta_normalized; /**< (1-gamma) proxy_delta */
    double true_delta_normalized;  /**< (1-gamma) true_delta, or NaN */
    double ad_kl;              /**< `sum_s d(s) KL(pi(.|s)||pi_b(.|s)) = sum mu log(pi/pi_b)` (normalised) */
    double ad_kl_unnormalized; /**< `sum eta log(pi/pi_b) = ad_kl / (1-gamma)` */
    double state_kl;           /**< `KL(d_pi || d_b)` of the state occupancies */
    double om_kl;              /**< `KL(mu_pi || mu_b) = state_kl + ad_kl` */
    double chi2;               /**< `chi2(mu_pi || mu_b) = sum mu^2/mu_b - 1` */
    double tv;                 /**< total variation `(1/2) sum |mu_pi - mu_b|` */
    int converged;             /**< 1 if the solver met its tolerance (always 1 on ::STARC_OK) */
    size_t iterations;         /**< outer iterations (Newton steps, policy-iteration steps or sweeps; summed over the 1-D search) */
    double residual;           /**< final value of the quantity compared with tol (OM: flow residual; AD-KL: relative value change) */
} starc_regularize_result;

/** @brief A regularised-optimisation plan for one (MDP, true reward, proxy, base policy) (opaque). */
typedef struct starc_regularize starc_regularize;

/** @brief Set up a regulariser from expected rewards.
 *
 *  @param m        the MDP (borrowed: must outlive the regulariser)
 *  @param Rbar_t   expected true reward (S*A, copied), or NULL (true-reward fields are then NaN)
 *  @param Rbar_p   expected proxy reward (S*A, copied), e.g. from starc_mdp_reward_expected()
 *  @param base     base policy pi_b (S*A, copied); zero entries and states it never visits are allowed
 *  @param opt      options (copied), or NULL for the defaults
 *  @param out      receives the new regulariser; release with starc_regularize_free()
 *  @return ::STARC_EINVAL for an invalid base policy, non-finite rewards or bad options,
 *          ::STARC_ELAPACK if the base policy cannot be evaluated, ::STARC_ENOMEM. */
int starc_regularize_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                                const double *base, const starc_regularize_options *opt,
                                starc_regularize **out, starc_error *err);

/** @brief Release a regulariser; NULL is a no-op. */
void starc_regularize_free(starc_regularize *rg);

/** @brief Replace the options (validated as in starc_regularize_alloc_rbar()); keeps warm-start state. */
int starc_regularize_set_options(starc_regularize *rg, const starc_regularize_options *opt, starc_error *err);

/** @brief Forget the warm-start state: the next solve of every method starts from the base policy. */
void starc_regularize_reset(starc_regularize *rg);

/** @brief The exact maximiser of `Jn(pi, proxy) - coef * D(pi)` for @p method.
 *
 *  @param coef  the coefficient, finite and > 0 (an unregularised optimum is starc_policy_optimal_rbar())
 *  @param pi    output S*A optimal policy, or NULL
 *  @param res   output diagnostics (required); filled also when the solver fails to converge
 *               (then `converged = 0` and the fields describe the last iterate)
 *  @return ::STARC_OK; ::STARC_EINVAL for a bad method or coefficient; ::STARC_ENOCONV when the
 *          iteration cap is reached first (message says how far from tol); ::STARC_ELAPACK. */
int starc_regularize_solve(starc_regularize *rg, starc_regularize_method method, double coef,
                           double *pi, starc_regularize_result *res, starc_error *err);

/** @brief Diagnostics of an arbitrary policy @p pi (S*A) against the plan's base.
 *
 *  Fills every field of @p res except that `method`/`coef` are taken from the arguments, `divergence` and
 *  `objective` are computed for that method and coefficient, `converged = 1`, `iterations = 0`,
 *  `residual = 0`.  Infinite divergences are reported as INFINITY (objective then -INFINITY when coef > 0).
 *  @return ::STARC_EINVAL if @p pi is not a policy. */
int starc_regularize_evaluate(starc_regularize *rg, const double *pi, starc_regularize_method method,
                              double coef, starc_regularize_result *res, starc_error *err);

/** @brief The base policy's normalised state-action occupancy mu_b (S*A, owned by the plan). */
const double *starc_regularize_base_occupancy(const starc_regularize *rg);

/** @brief The base policy's unnormalised returns J(pi_b, true) and J(pi_b, proxy) (either pointer may be NULL;
 *  the true return is NaN without a true reward). */
void starc_regularize_base_returns(const starc_regularize *rg, double *true_return, double *proxy_return);

/** @brief The exact normalised state-action occupancy (S*A) of the policy returned by the last
 *  starc_regularize_solve() or starc_regularize_evaluate(), or NULL before one (LU solve, exact
 *  zeros on unreachable states; it satisfies the Bellman flow to round-off).  For the OM methods it
 *  agrees with the dual's primal `mu` to about the tolerance.  Owned by the plan, overwritten by
 *  the next call. */
const double *starc_regularize_occupancy(const starc_regularize *rg);

#ifdef __cplusplus
}
#endif
#endif
