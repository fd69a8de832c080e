/** @file starc/overopt.h
 *  @brief Overoptimisation curves: pressure paths, exact best-of-n, Gao fits and summaries (docs/theory.md §6).
 *
 *  A *pressure path* is a sequence of policies that optimise a proxy reward
 *  Rp harder and harder, starting from a base policy pi_b: the optima of a
 *  regularised objective as its coefficient falls (starc_overopt_sweep()), or
 *  the exact per-state best-of-n policies for growing n (starc_overopt_bon()).
 *  For every point libstarc records the divergence from pi_b and the exact
 *  proxy and true returns (::starc_overopt_point); Gao, Schulman and Hilton's
 *  scaling-law forms (arXiv 2210.10760) are fitted by least squares
 *  (starc_overopt_gao_fit_points()) and the true curve is summarised without assuming it has
 *  one peak (starc_overopt_summarize()).
 *
 *  Units: returns are discounted and unnormalised (`J = mu0 . V`), as are
 *  their changes from the base policy.  `kl` is the unnormalised discounted
 *  KL divergence `sum_{s,a} eta(s,a) log(pi(a|s)/pi_b(a|s))` (eta the
 *  unnormalised occupancy of pi), `kl_normalized = (1-gamma) kl` (the
 *  occupancy-weighted mean per-state KL) and `d = sqrt(kl)`, the x-axis of
 *  Gao's forms.  `chi2 = chi2(mu_pi || mu_b)` on normalised occupancies.
 */
#ifndef STARC_OVEROPT_H
#define STARC_OVEROPT_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/regularize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- Gao fits */

/** @brief Gao et al.'s functional forms for the gold-reward change R(d), d = sqrt(KL). */
typedef enum starc_overopt_gao_form {
    STARC_OVEROPT_GAO_BON = 0, /**< best-of-n form `R(d) = d (alpha - beta d)` */
    STARC_OVEROPT_GAO_RL = 1   /**< RL form `R(d) = d (alpha - beta log d)` (natural log; `R(0) = 0`) */
} starc_overopt_gao_form;

/** @brief A least-squares fit of one of Gao's forms. */
typedef struct starc_overopt_gao_fit {
    starc_overopt_gao_form form; /**< which form was fitted */
    size_t n;            /**< number of points used */
    double alpha;        /**< fitted alpha */
    double beta;         /**< fitted beta */
    double r2;           /**< coefficient of determination `1 - SS_res / SS_tot`, SS_tot centred on the mean of y
                              (can be negative; NaN when all y are equal and the fit is not exact) */
    double rss;          /**< residual sum of squares SS_res */
    double peak_d;       /**< argmax over d >= 0 of the fitted curve: BoN `max(0, alpha/(2 beta))`,
                              RL `exp(alpha/beta - 1)`; NaN when beta <= 0 (no finite maximum) */
    double peak_kl;      /**< peak_d squared (NaN when peak_d is) */
    double peak_value;   /**< fitted R at peak_d (BoN `alpha^2/(4 beta)` when alpha > 0, RL `beta peak_d`) */
} starc_overopt_gao_fit;

/** @brief Value of Gao's form @p form with coefficients @p alpha, @p beta at @p d >= 0.
 *
 *  The RL form at d = 0 is its limit 0.  Returns NaN for d < 0. */
double starc_overopt_gao_eval(starc_overopt_gao_form form, double alpha, double beta, double d);

/** @brief Fit Gao's form to points (d_i, y_i) by least squares without intercept.
 *
 *  A wrapper over starc_fit_points() (starc/fit.h, which adds centring, standard errors,
 *  bootstrap intervals and more forms) with its default options and no bootstrap.
 *  Both forms are linear in (alpha, beta): the design matrix has columns
 *  `(d, -d^2)` (BoN) or `(d, -d log d)` (RL), solved with GSL's
 *  `gsl_multifit_linear` (SVD).  Peaks as in ::starc_overopt_gao_fit.
 *  @param d   n values >= 0 (e.g. sqrt(KL) in nats)
 *  @param y   n finite values (e.g. true return minus the base policy's)
 *  @return ::STARC_EINVAL on a negative or non-finite d or a non-finite y,
 *          ::STARC_EUNDEF when the two columns are (numerically) linearly
 *          dependent, e.g. fewer than two distinct d > 0 (for RL: d = 1 gives a
 *          zero second column), ::STARC_ENOMEM. */
int starc_overopt_gao_fit_points(starc_overopt_gao_form form, size_t n, const double *d, const double *y,
                                 starc_overopt_gao_fit *fit, starc_error *err);

/* ---------------------------------------------------------- best-of-n */

/** @brief Default relative tolerance under which two scores count as tied (see starc_overopt_bon_distribution()). */
#define STARC_OVEROPT_BON_TIE_TOL 1e-10

/** @brief Exact best-of-n distribution over A actions (one state), tie-aware.
 *
 *  Draw n actions i.i.d. from @p p and keep one with the highest @p score,
 *  breaking ties uniformly at random among the drawn maxima.  Actions are
 *  grouped into tie classes (scores within @p tol of the class's highest
 *  score; classes are formed from the top down).  With `F(c)` the base
 *  probability of scoring at most class c and `F^-(c)` of scoring below it,
 *  the best draw lands in class c with probability `P_n(c) = F(c)^n - F^-(c)^n`
 *  (docs/theory.md §6), and by exchangeability the chosen action is distributed as
 *  @p p restricted to c: `out(a) = p(a) P_n(c) / p(c)`.  Actions with p(a) = 0
 *  are never drawn.  For n = 1, out = p.
 *
 *  KL(out || p) = sum_c P_n(c) log(P_n(c)/p(c)) <= log n - (n-1)/n; the bound is
 *  reached only in the continuous limit (no atoms), never exactly for a finite
 *  action set, and ties lower the KL further.
 *  @param p      base probabilities (A, non-negative, sum 1 within ::STARC_MDP_PROB_TOL)
 *  @param score  A finite scores
 *  @param n      number of draws, >= 1
 *  @param tol    absolute tie tolerance, >= 0
 *  @param out    output, A probabilities (may not alias @p p)
 *  @param kl     output KL(out || p) in nats, or NULL
 *  @return ::STARC_EINVAL on bad p, scores, n = 0 or tol < 0. */
int starc_overopt_bon_distribution(size_t A, const double *p, const double *score, size_t n, double tol,
                           double *out, double *kl, starc_error *err);

/* --------------------------------------------------------- pressure points */

/** @brief One point on a pressure path (units in the file comment). */
typedef struct starc_overopt_point {
    double coef;          /**< regulariser coefficient lambda, or n for best-of-n */
    double kl;            /**< unnormalised discounted KL `sum eta log(pi/pi_b)` (inf if pi leaves pi_b's support) */
    double kl_normalized; /**< (1-gamma) kl */
    double d;             /**< sqrt(kl) */
    double chi2;          /**< chi2(mu_pi || mu_b) of normalised occupancies, computed as
                               `sum (mu_pi - mu_b)^2 / mu_b` (inf off mu_b's support) */
    double proxy_return;  /**< J(pi, Rp), discounted, unnormalised */
    double true_return;   /**< J(pi, Rt) */
    double proxy_delta;   /**< J(pi, Rp) - J(pi_b, Rp) */
    double true_delta;    /**< J(pi, Rt) - J(pi_b, Rt) */
    double bound;         /**< CP lower bound on true_delta (Liu-Sun-Zheng tight form, docs/theory.md §5, converted to
                               unnormalised units by 1/(1-gamma)); -inf when chi2 is infinite; NaN when
                               r is undefined (sigma_t or sigma_p is 0 under mu_b) */
} starc_overopt_point;

/** @brief Default of ::starc_overopt_options.support_tol: occupancy entries at or below it count as
 *  zero when testing support (chi2, KL). */
#define STARC_OVEROPT_SUPPORT_TOL 1e-14

/** @brief Options of an overoptimisation plan and of its paths; initialise with starc_overopt_options_default().
 *
 *  starc_overopt_alloc() keeps a copy as the plan's options; starc_overopt_sweep() and
 *  starc_overopt_bon() use the options they are given for the whole call (NULL: the plan's). */
typedef struct starc_overopt_options {
    /** Smallest coefficient (highest pressure) of a regularised sweep; 0 = automatic (default 0). */
    double coef_min;
    /** Largest coefficient (lowest pressure); 0 = automatic (default 0). */
    double coef_max;
    /** Points per sweep, >= 2 (default 41): a log-spaced coefficient grid from coef_max down to
     *  coef_min, or a log-spaced grid of n from 1 to bon_max (rounded, duplicates dropped). */
    size_t points;
    /** Automatic range (default 1e-3): with `f(c) = (J_p(pi_c) - J_p(pi_b)) / (J_p* - J_p(pi_b))` the
     *  fraction of the achievable proxy gain at coefficient c, coef_max is the smallest power-of-two
     *  multiple of the scale (sigma_p under mu_b, else max |Rbar_p|, else 1) with `f <= range_tol` ("stays at the base") and
     *  coef_min the largest with `f >= 1 - range_tol` ("reaches the proxy optimum"). */
    double range_tol;
    /** Cap on doublings/halvings of the automatic range search (default 200); ::STARC_ENOCONV beyond. */
    size_t range_max_steps;
    /** Largest n of the best-of-n path, >= 1 (default 1000). */
    size_t bon_max;
    /** Relative tie tolerance of best-of-n scores (default ::STARC_OVEROPT_BON_TIE_TOL). */
    double tie_tol;
    /** Options of the regularised solvers (starc_regularize_options_default()).  On a sparse MDP
     *  its `engine` is the engine of every solve of the plan (starc_overopt_alloc_rbar()). */
    starc_regularize_options regularize_options;
    /** Policies (the base, evaluated policies) must have rows summing to 1 within prob_tol, and the
     *  best-of-n base probabilities too (default ::STARC_MDP_PROB_TOL). */
    double prob_tol;
    /** Occupancy entries at or below support_tol count as zero when testing support in chi2 and
     *  KL (default ::STARC_OVEROPT_SUPPORT_TOL). */
    double support_tol;
    /** The proxy counts as not improvable over the base when `J_p* - J_p(pi_b) <= gain_tol
     *  max |Rbar_p| / (1 - gamma)` (the largest |return| of any policy); the automatic grid is then
     *  `scale * [1e-3, 1e3]` (default 1e-12). */
    double gain_tol;
    /** starc_overopt_summarize(): changes smaller than `flat_tol * max(true_range, max |true_delta|)`
     *  count as flat (default 1e-9), >= 0. */
    double flat_tol;
} starc_overopt_options;

/** @brief Fill @p o with the defaults documented in ::starc_overopt_options. */
void starc_overopt_options_default(starc_overopt_options *o);


/** @brief An overoptimisation plan (opaque): the MDP, true and proxy rewards, the base
 *  policy and everything about them computed once (base values and occupancy,
 *  proxy Q of the base, CP statistics, proxy-optimal and true-extreme returns). */
typedef struct starc_overopt starc_overopt;

/** @brief Build a plan for true reward @p Rt, proxy @p Rp (dense S*A*S each, dense MDPs only:
 *  a sparse MDP is ::STARC_EINVAL, use starc_overopt_alloc_rbar()) and base
 *  policy @p pi_b (S*A); all three are copied, @p m must outlive the plan.
 *
 *  Computes the base policy's exact returns, occupancy and proxy Q values, the
 *  CP statistics r, sigma_t, sigma_p under mu_b (docs/theory.md §5), the proxy-optimal
 *  policy by policy iteration and the true reward's return range
 *  `max_pi J_t - min_pi J_t`.  @p out is freed with starc_overopt_free().
 *  @param opt  the plan's options (copied; NULL = defaults): prob_tol validates @p pi_b, the
 *              regularised solvers start with `opt->regularize`
 *  @return ::STARC_EINVAL on a bad policy, non-finite reward or bad options, ::STARC_ELAPACK,
 *          ::STARC_ENOCONV (policy iteration), ::STARC_ENOMEM. */
int starc_overopt_alloc(const starc_mdp *m, const double *Rt, const double *Rp, const double *pi_b,
                        const starc_overopt_options *opt, starc_overopt **out, starc_error *err);

/** @brief starc_overopt_alloc() from the expected rewards @p Rbar_t and @p Rbar_p (S*A each,
 *  `Rbar(s,a) = sum_s' T(s,a,s') R(s,a,s')`, starc_mdp_reward_expected()): every quantity of the
 *  plan and its paths depends on the rewards only through Rbar.  Works on dense and sparse MDPs.
 *  On a dense MDP the plan is the one starc_overopt_alloc() builds (the same results bit for bit).
 *  On a sparse MDP (docs/sparse.md, "Proxies, regularisers and overopt") every solve of the plan
 *  and of its paths (the base's evaluation and occupancy, the proxy optimum, the true range, the
 *  regularised solvers, each point's occupancy) runs on the engine
 *  `opt->regularize_options.engine` (auto, dense, sparse or iterative; ::starc_policy_engine), and
 *  nothing allocates S*S or S*A*S, except the OM methods, which regularize.c runs on the MDP
 *  expanded to S*A*S up to its limit (starc_regularize_solve() refuses them above it).  There the
 *  base's returns and each point's are `sum mu Rbar / (1 - gamma)` from the occupancy mu (one solve
 *  per point), equal to `mu0 . V` up to rounding.
 *  @return as starc_overopt_alloc(); ::STARC_EINVAL also on a NULL argument or a non-finite Rbar. */
int starc_overopt_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *pi_b,
                             const starc_overopt_options *opt, starc_overopt **out, starc_error *err);

/** @brief Release a plan; NULL is a no-op. */
void starc_overopt_free(starc_overopt *p);

/** @brief Facts about the plan's base, proxy optimum and true reward (returns unnormalised). */
typedef struct starc_overopt_info {
    double base_true_return;         /**< J(pi_b, Rt) */
    double base_proxy_return;        /**< J(pi_b, Rp) */
    double proxy_optimal_proxy_return; /**< max_pi J(pi, Rp) */
    double proxy_optimal_true_return;  /**< J(pi*_p, Rt), pi*_p the lowest-index optimal deterministic policy */
    double true_optimal_return;      /**< max_pi J(pi, Rt) */
    double true_worst_return;        /**< min_pi J(pi, Rt) */
    double true_range;               /**< true_optimal_return - true_worst_return */
    double r;                        /**< Pearson correlation of Rbar_t, Rbar_p under mu_b (NaN if a sigma is 0) */
    double sigma_true;               /**< std of Rbar_t under mu_b */
    double sigma_proxy;              /**< std of Rbar_p under mu_b */
} starc_overopt_info;

/** @brief Copy the plan's summary facts into @p info. */
void starc_overopt_get_info(const starc_overopt *p, starc_overopt_info *info);

/** @brief The plan's proxy-optimal deterministic policy as S*A one-hot rows (ties to the lowest action). */
void starc_overopt_proxy_optimal_policy(const starc_overopt *p, double *pi);

/** @brief Measure an arbitrary policy @p pi (S*A) against the plan's base: fills every field
 *  of @p pt (with `coef` set to @p coef) by exact evaluation (prob_tol and support_tol of the
 *  plan's options).
 *  @return ::STARC_EINVAL on a bad policy, ::STARC_ELAPACK. */
int starc_overopt_evaluate(starc_overopt *p, const double *pi, double coef, starc_overopt_point *pt,
                           starc_error *err);

/** @brief The exact best-of-n policy of the plan and its point.
 *
 *  In every state, n actions are drawn from pi_b(.|s) and the one with the
 *  highest proxy action value under the base policy, `Q_p^{pi_b}(s,a)`, is kept
 *  (the advantage `A_p^{pi_b} = Q - V` orders actions identically, so it gives
 *  the same policy); starc_overopt_bon_distribution() with absolute tie tolerance
 *  `max(tie_tol |max_a Q_p^{pi_b}(s,a)|, S DBL_EPSILON max_{s,a} |Q_p^{pi_b}|)`, policy
 *  iteration's tie rule (::starc_policy_options.tie_tol).  The resulting stationary
 *  policy is evaluated exactly; its per-state KL is at most log n - (n-1)/n, so
 *  `kl_normalized <= log n - (n-1)/n`.
 *  @param o   options (tie_tol, prob_tol, support_tol), or NULL for the plan's
 *  @param pi  output S*A policy, or NULL
 *  @param pt  output point (coef = n), or NULL */
int starc_overopt_bon(starc_overopt *p, size_t n, const starc_overopt_options *o, double *pi,
                      starc_overopt_point *pt, starc_error *err);


/* ----------------------------------------------------------------- sweeps */

/** @brief A way of applying optimisation pressure. */
typedef enum starc_overopt_method {
    STARC_OVEROPT_AD_KL = 0,        /**< ::STARC_REGULARIZE_AD_KL optima as the coefficient falls */
    STARC_OVEROPT_OM_CHI2 = 1,      /**< ::STARC_REGULARIZE_OM_CHI2 optima as the coefficient falls */
    STARC_OVEROPT_OM_SQRT_CHI2 = 2, /**< ::STARC_REGULARIZE_OM_SQRT_CHI2 (ORPO) optima as the coefficient falls */
    STARC_OVEROPT_OM_KL = 3,        /**< ::STARC_REGULARIZE_OM_KL optima as the coefficient falls (extra) */
    STARC_OVEROPT_BON = 4           /**< exact per-state best-of-n as n grows (starc_overopt_bon()) */
} starc_overopt_method;

/** @brief Number of methods in ::starc_overopt_method. */
#define STARC_OVEROPT_METHOD_COUNT 5

/** @brief The method's CLI name ("ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl", "bon"), or NULL if out of range. */
const char *starc_overopt_method_name(starc_overopt_method method);

/** @brief Parse a CLI method name; ::STARC_EINVAL (message lists the names) if unknown. */
int starc_overopt_method_parse(const char *name, starc_overopt_method *method, starc_error *err);

/** @brief Run one pressure path: `points` points in order of increasing pressure.
 *
 *  Regularised methods solve the exact optimum (starc/regularize.h, warm-started along the path;
 *  a warm-started solve that does not converge is retried once from the base policy)
 *  at each coefficient of a log grid from coef_max down to coef_min, automatic ends as in
 *  ::starc_overopt_options.  ::STARC_OVEROPT_OM_SQRT_CHI2 with both ends automatic is the
 *  exception: its optima are OM-chi2's (docs/theory.md §5) but nearly all of the path lies in a narrow
 *  band of its own coefficient, so it walks OM-chi2's automatic grid of inner coefficients c'
 *  and reports each point's coefficient `lambda = 2 c' sqrt(chi2)` (non-increasing along the
 *  path; while no occupancy is clipped the OM-chi2 optima move on a straight line and all share
 *  lambda = the frontier's slope at the base, where each of them, the base included, is optimal);
 *  with a user-given end it solves OM-sqrt-chi2 directly on a log grid.  When the proxy cannot be
 *  improved over the base
 *  (`J_p* - J_p(pi_b) <= gain_tol max |Rbar_p| / (1 - gamma)`) the automatic grid is `scale * [1e-3, 1e3]`.
 *  Best-of-n evaluates starc_overopt_bon() on the n grid.  Each point is measured by
 *  starc_overopt_evaluate().
 *  @param o         options for the whole call, or NULL for the plan's
 *  @param pts       output, room for `o->points` points
 *  @param npts      output, number of points written (fewer than points only for best-of-n,
 *                   when rounding the n grid gives duplicates)
 *  @param coef_lo   output, the smallest coefficient used (for best-of-n: 1), or NULL
 *  @param coef_hi   output, the largest coefficient used (for best-of-n: the largest n), or NULL
 *  @return ::STARC_EINVAL on bad options (coef_min >= coef_max, points < 2, ...), ::STARC_ENOCONV
 *          when a solver or the range search fails to converge, ::STARC_ELAPACK, ::STARC_ENOMEM. */
int starc_overopt_sweep(starc_overopt *p, starc_overopt_method method, const starc_overopt_options *o,
                        starc_overopt_point *pts, size_t *npts, double *coef_lo, double *coef_hi,
                        starc_error *err);

/** @brief The policy of one regularised optimum along a path (for inspection): solves
 *  @p method at @p coef with the plan's solver and writes the S*A policy @p pi and its point @p pt
 *  (either may be NULL).  ::STARC_EINVAL for ::STARC_OVEROPT_BON (use starc_overopt_bon()).
 *  @param opt  the regularised solvers' options from now on, or NULL to keep the current ones */
int starc_overopt_solve(starc_overopt *p, starc_overopt_method method, double coef, const starc_regularize_options *opt,
                        double *pi, starc_overopt_point *pt, starc_error *err);

/* --------------------------------------------------------------- summaries */

/** @brief Summary of one true-return curve (points ordered by increasing pressure). */
typedef struct starc_overopt_summary {
    size_t n;                /**< number of points */
    size_t peak_index;       /**< index of the largest true_delta (the first one, at the lowest pressure, on ties) */
    double peak_true_delta;  /**< largest true_delta */
    double peak_coef;        /**< coef at the peak */
    double peak_kl;          /**< kl at the peak */
    double peak_d;           /**< d at the peak */
    double end_true_delta;   /**< true_delta at the last (highest-pressure) point */
    double end_proxy_delta;  /**< proxy_delta at the last point */
    double end_kl;           /**< kl at the last point */
    double drop;             /**< peak_true_delta - end_true_delta (>= 0) */
    double drop_normalized;  /**< drop / true_range; NaN when true_range is 0 */
    int non_monotone;        /**< 1 if the true curve both rises and falls by more than the tolerance */
    size_t local_maxima;     /**< number of strict local maxima of the true curve (plateaus count once,
                                  endpoints count when higher than their neighbour) */
} starc_overopt_summary;

/** @brief Summarise the true curve of @p n points (ordered by increasing pressure).
 *
 *  Changes smaller than `flat_tol * max(true_range, max |true_delta|)` count as flat
 *  when deciding monotonicity and local maxima.  Never assumes a single peak.
 *  @param true_range  max J_t - min J_t, used for drop_normalized
 *  @param o           options (flat_tol), or NULL for the defaults
 *  @return ::STARC_EINVAL if n = 0, a true_delta is not finite or flat_tol < 0. */
int starc_overopt_summarize(const starc_overopt_point *pts, size_t n, double true_range,
                            const starc_overopt_options *o, starc_overopt_summary *s, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
