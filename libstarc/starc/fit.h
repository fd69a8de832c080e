/** @file starc/fit.h
 *  @brief Fitting overoptimisation curves: Gao et al.'s functional forms with standard errors,
 *  bootstrap intervals, peaks, an extrapolation check, scaling with reward-model size, and the
 *  unbiased best-of-n estimator (docs/theory.md, section 7).
 *
 *  Gao, Schulman and Hilton ("Scaling laws for reward model overoptimization", arXiv 2210.10760)
 *  describe the gold-reward change of a policy as a function of `d = sqrt(KL)` (KL in nats between
 *  the policy and the initial policy).  libstarc fits four forms (::starc_fit_form); the first three
 *  are linear in (alpha, beta) and are solved by linear least squares (GSL `gsl_multifit_linear`),
 *  the fourth has a fitted exponent and is solved by GSL's trust-region `gsl_multifit_nlinear`
 *  (Levenberg-Marquardt) with the stopping rule of ::starc_fit_options.
 *
 *  Uncertainty: coefficient standard errors are the usual `sqrt(diag(s^2 (X^T X)^-1))` (the
 *  Jacobian J in place of X for the nonlinear form), `s^2 = RSS/(n - p)`; intervals are seeded
 *  residual-bootstrap percentile intervals (fixed design: the KL values are the experimenter's
 *  checkpoints), which also give intervals for the peak.  This is the one fitting code path of
 *  libstarc: starc_overopt_gao_fit_points() (starc/overopt.h) is a wrapper over starc_fit_points().
 */
#ifndef STARC_FIT_H
#define STARC_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "starc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The functional form of the reward change R(d), d = sqrt(KL) in nats (natural logs). */
typedef enum starc_fit_form {
    STARC_FIT_BON = 0,   /**< "bon": `R(d) = d (alpha - beta d)` (Gao's best-of-n form) */
    STARC_FIT_RL = 1,    /**< "rl": `R(d) = d (alpha - beta log d)` (Gao's RL form; R(0) = 0 by continuity) */
    STARC_FIT_LOG1P = 2, /**< "log1p": `R(d) = d (alpha - beta log(1 + d))` (an alternative RL form) */
    STARC_FIT_POWER = 3  /**< "power": `R(d) = d (alpha - beta d^g)`, exponent g > 0 fitted too (nonlinear) */
} starc_fit_form;

/** @brief Number of forms in ::starc_fit_form. */
#define STARC_FIT_FORM_COUNT 4

/** @brief The form's command-line name ("bon", "rl", "log1p", "power"), or NULL if out of range. */
const char *starc_fit_form_name(starc_fit_form form);

/** @brief Parse a form name; ::STARC_EINVAL (the message lists the names) if @p name is not one
 *  of starc_fit_form_name()'s. */
int starc_fit_form_parse(const char *name, starc_fit_form *out, starc_error *err);

/** @brief How the curve is recalibrated so that R(0) = 0 (re-centring on the initial policy). */
typedef enum starc_fit_center {
    /** "none": the data already are changes from the initial policy (e.g. `starc overopt`'s
     *  `true_delta`); no offset. */
    STARC_FIT_CENTER_NONE = 0,
    /** "origin": subtract the mean score of the points at d = 0 (the initial policy's
     *  evaluations); ::STARC_EINVAL when there is none. */
    STARC_FIT_CENTER_ORIGIN = 1,
    /** "intercept": fit a free offset c with the curve, `y = c + R(d)`, and subtract it. */
    STARC_FIT_CENTER_INTERCEPT = 2,
    /** "auto": "origin" when some point has d = 0, else "intercept". */
    STARC_FIT_CENTER_AUTO = 3
} starc_fit_center;

/** @brief Number of centrings in ::starc_fit_center. */
#define STARC_FIT_CENTER_COUNT 4

/** @brief The centring's command-line name ("none", "origin", "intercept", "auto"), or NULL. */
const char *starc_fit_center_name(starc_fit_center center);

/** @brief Parse a centring name; ::STARC_EINVAL (the message lists the names) if unknown. */
int starc_fit_center_parse(const char *name, starc_fit_center *out, starc_error *err);

/** @brief Options of every fit in this module; initialise with starc_fit_options_default(). */
typedef struct starc_fit_options {
    /** Recalibration to R(0) = 0 (default ::STARC_FIT_CENTER_NONE). */
    starc_fit_center center;
    /** 1: points whose d or y is NaN or infinite are left out (and counted); 0: they are an
     *  error, ::STARC_EINVAL (default 0).  A finite negative d is always an error. */
    int skip_nonfinite;
    /** Bootstrap replicates for the intervals (default 1000, the usual minimum for percentile
     *  intervals: the Monte-Carlo error of a 2.5% quantile is then about 0.5 percentage points
     *  of coverage); 0 = no intervals (NaN). */
    size_t bootstrap;
    /** Seed of the bootstrap's random numbers (default 1): results are a function of the seed. */
    uint64_t seed;
    /** Confidence level of the intervals, in (0, 1) (default 0.95). */
    double level;
    /** Columns of a linear design count as dependent (::STARC_EUNDEF) when the determinant of
     *  their normalised Gram matrix (the cosines between columns) is at most this (default 1e-12). */
    double collinear_tol;
    /** Nonlinear fit (power form): relative step tolerance, GSL's xtol (default 1e-10); the fit
     *  has converged when every parameter step is below `tol * (|x_i| + tol)`. */
    double tol;
    /** Nonlinear fit: scaled-gradient tolerance, GSL's gtol (default 1e-12): converged also when
     *  `max_i |g_i| max(|x_i|, 1) / max(cost, 1) <= gtol`. */
    double gtol;
    /** Iteration cap of the nonlinear fit and of the peak's root search (default 200); reaching it
     *  is ::STARC_ENOCONV. */
    size_t max_iter;
    /** Relative tolerance of the peak's root search for the log1p form (default 1e-13). */
    double peak_tol;
    /** Extrapolation check (starc_fit_extrapolate()): fit the points with KL <= cutoff_kl, test on
     *  the others; 0 = the median KL of the points (default 0). */
    double cutoff_kl;
    /** Best-of-n: two proxy scores of one prompt tie when they differ by at most
     *  `tie_tol * (max - min)` of that prompt's proxy scores (default 0: only equal scores tie). */
    double tie_tol;
} starc_fit_options;

/** @brief Fill @p o with the defaults documented in ::starc_fit_options. */
void starc_fit_options_default(starc_fit_options *o);

/** @brief Uncertainty of one estimated quantity. */
typedef struct starc_fit_ci {
    double se; /**< standard error of a fitted coefficient (from the covariance matrix; NaN when
                    n <= number of parameters); NaN for derived quantities (peaks, predictions), whose
                    uncertainty is their interval */
    double lo; /**< lower end of the bootstrap percentile interval (NaN without bootstrap) */
    double hi; /**< upper end (+inf when more than the tail fraction of replicates have no finite peak) */
} starc_fit_ci;

/** @brief One fitted curve. */
typedef struct starc_fit_result {
    starc_fit_form form;     /**< the form fitted */
    starc_fit_center center; /**< the centring used (::STARC_FIT_CENTER_AUTO resolved) */
    size_t n;                /**< points fitted */
    size_t skipped;          /**< non-finite points left out (options.skip_nonfinite) */
    size_t nparam;           /**< parameters estimated: alpha, beta, g (power), the offset (origin, intercept) */
    double alpha;            /**< fitted alpha */
    double beta;             /**< fitted beta */
    double g;                /**< fitted exponent of the power form; NaN for the other forms */
    double offset;           /**< the score at d = 0 that was subtracted (0 for ::STARC_FIT_CENTER_NONE) */
    double r2;               /**< `1 - RSS/TSS`, TSS about the mean of y (can be negative; NaN when all y are
                                  equal and the fit is not exact; 1 when exact) */
    double rss;              /**< residual sum of squares `sum (y - offset - R(d))^2` */
    double sigma;            /**< residual standard deviation `sqrt(RSS/(n - nparam))` (NaN when n <= nparam) */
    double peak_d;           /**< argmax over d >= 0 of R (starc_fit_peak()); NaN when beta <= 0 */
    double peak_kl;          /**< peak_d squared */
    double peak_value;       /**< R(peak_d), the largest change from the initial policy */
    starc_fit_ci alpha_ci;   /**< uncertainty of alpha */
    starc_fit_ci beta_ci;    /**< uncertainty of beta */
    starc_fit_ci g_ci;       /**< uncertainty of g (NaN for the linear forms) */
    starc_fit_ci offset_ci;  /**< uncertainty of the offset (all NaN for ::STARC_FIT_CENTER_NONE) */
    starc_fit_ci peak_d_ci;  /**< interval of peak_d */
    starc_fit_ci peak_kl_ci; /**< interval of peak_kl */
    starc_fit_ci peak_value_ci; /**< interval of peak_value */
    size_t boot;             /**< bootstrap replicates whose fit succeeded */
    size_t boot_failed;      /**< replicates whose fit failed (left out of the intervals) */
    size_t iterations;       /**< iterations of the nonlinear fit (0 for the linear forms) */
} starc_fit_result;

/** @brief R(d) of @p form with coefficients @p alpha, @p beta (and exponent @p g for the power
 *  form; ignored otherwise) at @p d >= 0; 0 at d = 0, NaN for d < 0 or NaN. */
double starc_fit_eval(starc_fit_form form, double alpha, double beta, double g, double d);

/** @brief The maximum of R over d >= 0.
 *
 *  With beta > 0: bon `d* = max(0, alpha/(2 beta))`; rl `d* = exp(alpha/beta - 1)`; power
 *  `d* = (alpha/(beta (1 + g)))^(1/g)` (0 when alpha <= 0); log1p the root of
 *  `log(1 + d) + d/(1 + d) = alpha/beta` (0 when alpha <= 0), found by safeguarded Newton steps to
 *  relative accuracy `o->peak_tol` within `o->max_iter` steps.  With beta <= 0 there is no finite
 *  maximum and both outputs are NaN (status ::STARC_OK).
 *  @param o  options (peak_tol, max_iter), NULL for the defaults
 *  @return ::STARC_EINVAL on a bad form or g <= 0 for the power form, ::STARC_ENOCONV. */
int starc_fit_peak(starc_fit_form form, double alpha, double beta, double g, const starc_fit_options *o,
                   double *peak_d, double *peak_value, starc_error *err);

/** @brief Fit @p form to the points (d_i, y_i), i < n.
 *
 *  Linear forms: least squares on the columns `(d, -x(d))` with `x(d) = d^2`, `d log d`,
 *  `d log(1 + d)` (and a column of ones for an intercept), by `gsl_multifit_linear`; no intercept
 *  unless the centring asks for one.  Power form: Levenberg-Marquardt from the best exponent of the
 *  grid {0.25, 0.5, 1, 1.5, 2, 3} (each solved linearly), stopping rule in ::starc_fit_options.
 *  Then R^2, the peak, standard errors, and `opt->bootstrap` residual-bootstrap replicates: the
 *  centred residuals, scaled by `sqrt(n/(n - nparam))`, are resampled with replacement onto the
 *  fitted values and every replicate is refitted (and re-centred) the same way; the intervals are
 *  the replicates' expanded percentile intervals (Hesterberg 2015: quantiles at
 *  `Phi(-t_{n-nparam}((1 + level)/2))` and its complement, which corrects the narrowness of plain
 *  percentiles in small samples), a replicate with no finite peak counting as +inf for the peak.
 *  @param d      n values >= 0 (sqrt of the KL in nats)
 *  @param y      n scores (gold or proxy), or their changes from the initial policy
 *  @param opt    options, NULL for the defaults
 *  @param res    output
 *  @param resid  output, n residuals `y - offset - R(d)` (NaN for points left out), or NULL
 *  @return ::STARC_EINVAL on bad options, a negative d, a non-finite value (unless skipped), or
 *          "origin" centring without a point at d = 0; ::STARC_EUNDEF when the columns are
 *          dependent (e.g. fewer distinct d > 0 than coefficients; rl with every d = 1) or the power
 *          form's exponent is not > 0; ::STARC_ENOCONV when the nonlinear fit does not converge;
 *          ::STARC_ENOMEM. */
int starc_fit_points(starc_fit_form form, size_t n, const double *d, const double *y,
                     const starc_fit_options *opt, starc_fit_result *res, double *resid, starc_error *err);

/** @brief Result of the extrapolation check (starc_fit_extrapolate()). */
typedef struct starc_fit_extrapolation {
    double cutoff_kl;      /**< the cutoff used */
    size_t n_fit;          /**< points with KL <= cutoff (fitted) */
    size_t n_test;         /**< points with KL > cutoff (predicted) */
    starc_fit_result fit;  /**< the fit of the points left of the cutoff (no bootstrap) */
    double rmse_fit;       /**< root mean squared residual on the fitted points */
    double rmse_test;      /**< root mean squared error of the prediction on the test points */
    double rmse_test_full; /**< the same error for the fit of all points (what an in-sample fit achieves) */
    double max_abs_test;   /**< largest absolute prediction error on the test points */
    double bias_test;      /**< mean of (observed - predicted) on the test points */
    double range;          /**< max y - min y over all points (to read the errors against) */
} starc_fit_extrapolation;

/** @brief Honest extrapolation: fit @p form to the points with `d <= sqrt(cutoff_kl)` only and
 *  report how well that fit predicts the points beyond the cutoff (Gao et al., Fig. 26).
 *
 *  The fit uses @p opt as given except that no bootstrap is run.  Prediction errors compare
 *  `y - offset` with R(d), the offset being the left fit's.
 *  @return as starc_fit_points(), and ::STARC_EUNDEF when no point lies beyond the cutoff. */
int starc_fit_extrapolate(starc_fit_form form, size_t n, const double *d, const double *y,
                          const starc_fit_options *opt, starc_fit_extrapolation *res, starc_error *err);

/* ------------------------------------------------------------- best-of-n */

/** @brief Best-of-n from raw samples: the unbiased estimates for every n = 1..nmax and the KL.
 *
 *  Prompt j has `count[j]` samples (consecutive in @p proxy and @p gold).  Best-of-n draws n of a
 *  prompt's N samples and keeps the one with the highest proxy score.  With the samples sorted by
 *  proxy score (rank k = 1..N), the estimate of E[score of the kept sample] over all n-subsets is
 *  `sum_k C(k-1, n-1)/C(N, n) score_k` (Nakano et al. 2021; Gao et al. 2022), the weights computed in
 *  log space.  Ties: a class of m tied samples is the subset's maximum with probability
 *  `sum_{k in class} C(k-1, n-1)/C(N, n)`, and the kept sample is then uniform among the subset's
 *  members of the class, so every member gets 1/m of that; this equals the mean over all n-subsets
 *  with uniform tie-breaking (tests/test-fit.c checks it by enumeration).
 *
 *  KL: for a continuous proxy-score distribution, best-of-n has `KL = log n - (n-1)/n`.  A tied class
 *  is an atom of mass m/N, which best-of-n picks with probability `P = F^n - F^-^n` (F, F^- the
 *  empirical distribution function at and below it), contributing `P log(P N/m)`; untied samples are
 *  treated as continuous slices of mass 1/N, contributing `int n u^(n-1) log(n u^(n-1)) du` over
 *  their slice.  Without ties this is exactly `log n - (n-1)/n`; with ties it is smaller.  Every
 *  output is the mean over prompts (the KL of the joint prompt-and-response distribution).
 *  @param nprompts  number of prompts, >= 1
 *  @param count     samples per prompt, each >= 1
 *  @param proxy     proxy scores, sum(count) finite values
 *  @param gold      gold scores, sum(count) finite values (NULL: proxy only)
 *  @param nmax      largest n, 1 <= nmax <= min(count)
 *  @param opt       options (tie_tol), NULL for the defaults
 *  @param gold_bon  output, nmax estimates of the gold score of best-of-n, n = 1..nmax (NULL if gold is)
 *  @param proxy_bon output, nmax estimates of the proxy score of best-of-n, or NULL
 *  @param kl        output, nmax KL values in nats, or NULL
 *  @return ::STARC_EINVAL on bad counts, nmax or non-finite scores, ::STARC_ENOMEM. */
int starc_fit_bon_curve(size_t nprompts, const size_t *count, const double *proxy, const double *gold, size_t nmax,
                        const starc_fit_options *opt, double *gold_bon, double *proxy_bon, double *kl,
                        starc_error *err);

/** @brief Fit @p form to the best-of-n curve of raw samples, with intervals from resampling prompts.
 *
 *  The points are starc_fit_bon_curve()'s (n = 1..nmax, d = sqrt(KL), y = the best-of-n estimate
 *  of @p score, the samples ranked by @p proxy; pass @p proxy as @p score for the proxy curve) and
 *  the fit is starc_fit_points()'s without bootstrap.  These points share their noise (every n
 *  uses the same samples), so the residual bootstrap would be too narrow: here each replicate draws
 *  nprompts prompts with replacement, recomputes the curve (a reweighting of the prompts' own
 *  curves) and refits it.  Intervals: expanded percentile intervals on nprompts - 1 degrees of
 *  freedom; standard errors of the coefficients: the replicates' standard deviation (NaN without
 *  bootstrap or with one prompt).
 *  @param score_bon  output, nmax estimates (the fitted points), or NULL
 *  @param kl         output, nmax KL values, or NULL
 *  @return as starc_fit_bon_curve() and starc_fit_points(). */
int starc_fit_bon_points(starc_fit_form form, size_t nprompts, const size_t *count, const double *proxy,
                         const double *score, size_t nmax, const starc_fit_options *opt, starc_fit_result *res,
                         double *score_bon, double *kl, starc_error *err);

/* --------------------------------------------------------------- scaling */

/** @brief How the coefficients depend on the reward model's size. */
typedef enum starc_fit_scaling_kind {
    /** "separate": one fit per size; `alpha(s) = a0 + a1 log s` and `beta(s) = b0 + b1 log s` by
     *  least squares through the per-size coefficients (Gao's "approximate logarithmic trends"). */
    STARC_FIT_SCALING_SEPARATE = 0,
    /** "joint": one fit of all sizes together with one shared alpha and one beta per size
     *  (Gao's RL fits), then `beta(s) = b0 + b1 log s` through the per-size betas. */
    STARC_FIT_SCALING_JOINT = 1
} starc_fit_scaling_kind;

/** @brief Number of kinds in ::starc_fit_scaling_kind. */
#define STARC_FIT_SCALING_KIND_COUNT 2

/** @brief The kind's name ("separate", "joint"), or NULL if out of range. */
const char *starc_fit_scaling_kind_name(starc_fit_scaling_kind kind);

/** @brief Parse a scaling kind name; ::STARC_EINVAL (the message lists the names) if unknown. */
int starc_fit_scaling_kind_parse(const char *name, starc_fit_scaling_kind *out, starc_error *err);

/** @brief A scaling fit (opaque): per-size fits, the lines through their coefficients against
 *  log(size), the joint fit, and bootstrap replicates of all of them for predictions. */
typedef struct starc_fit_scaling starc_fit_scaling;

/** @brief Coefficients of a scaling fit (lines in the natural log of the size). */
typedef struct starc_fit_scaling_result {
    starc_fit_form form;        /**< the form (a linear one) */
    size_t ngroups;             /**< curves (one per run; several may share a size) */
    size_t nsizes;              /**< distinct sizes */
    double alpha0;              /**< separate: `alpha(s) = alpha0 + alpha1 log s` */
    double alpha1;              /**< separate: the slope of alpha in log s */
    starc_fit_ci alpha0_ci;     /**< uncertainty of alpha0 (se from the line fit, NaN with 2 groups) */
    starc_fit_ci alpha1_ci;     /**< uncertainty of alpha1 */
    double beta0;               /**< separate: `beta(s) = beta0 + beta1 log s` */
    double beta1;               /**< separate: the slope of beta in log s */
    starc_fit_ci beta0_ci;      /**< uncertainty of beta0 */
    starc_fit_ci beta1_ci;      /**< uncertainty of beta1 */
    double alpha_r2;            /**< R^2 of the alpha line */
    double beta_r2;             /**< R^2 of the beta line */
    double joint_alpha;         /**< joint: the shared alpha */
    starc_fit_ci joint_alpha_ci;       /**< its uncertainty (se from the joint fit) */
    double joint_beta0;         /**< joint: `beta(s) = joint_beta0 + joint_beta1 log s` */
    double joint_beta1;         /**< joint: the slope of beta in log s */
    starc_fit_ci joint_beta0_ci; /**< uncertainty of joint_beta0 */
    starc_fit_ci joint_beta1_ci; /**< uncertainty of joint_beta1 */
    double joint_r2;            /**< R^2 of the joint fit of all points */
    double joint_beta_r2;       /**< R^2 of the line through the joint fit's betas */
    size_t boot;                /**< replicates in which every fit succeeded */
    size_t boot_failed;         /**< replicates left out */
} starc_fit_scaling_result;

/** @brief Fit @p form to @p ngroups curves of reward-model sizes @p size and relate the
 *  coefficients to log(size).
 *
 *  Every curve is fitted as by starc_fit_points() (centred per curve by `opt->center`, no own
 *  bootstrap).  The joint fit solves one linear least-squares problem over all points with the
 *  columns `d` (shared alpha), `-x(d)` restricted to each curve (one beta per curve) and, for curves
 *  centred by intercept, an indicator column per curve.  Bootstrap: each replicate resamples every
 *  curve's residuals (of its own fit, and of the joint fit) as starc_fit_points() does and refits
 *  everything; the lines' intervals and the predictions' (starc_fit_scaling_predict()) are the
 *  replicates' expanded percentile intervals, on the curves' residual degrees of freedom.
 *  @param form   ::STARC_FIT_BON, ::STARC_FIT_RL or ::STARC_FIT_LOG1P
 *  @param size   ngroups sizes > 0 (e.g. parameter counts), at least two distinct
 *  @param npts   points per curve
 *  @param d, y   per curve, npts[k] points as for starc_fit_points()
 *  @return ::STARC_EINVAL (bad sizes, the power form, bad points), ::STARC_EUNDEF (one distinct size,
 *          a curve that cannot be fitted), ::STARC_ENOMEM. */
int starc_fit_scaling_alloc(starc_fit_form form, size_t ngroups, const double *size, const size_t *npts,
                            const double *const *d, const double *const *y, const starc_fit_options *opt,
                            starc_fit_scaling **out, starc_error *err);

/** @brief Release a scaling fit; NULL is a no-op. */
void starc_fit_scaling_free(starc_fit_scaling *s);

/** @brief The coefficients of the scaling fit. */
void starc_fit_scaling_get(const starc_fit_scaling *s, starc_fit_scaling_result *res);

/** @brief Curve @p k's separate fit (@p fit, intervals NaN) and its beta in the joint fit
 *  (@p joint_beta with @p joint_beta_ci); any output may be NULL.  ::STARC_EINVAL if k is out of range. */
int starc_fit_scaling_group(const starc_fit_scaling *s, size_t k, starc_fit_result *fit, double *joint_beta,
                            starc_fit_ci *joint_beta_ci, starc_error *err);

/** @brief A predicted curve for one reward-model size. */
typedef struct starc_fit_prediction {
    double size;           /**< the size asked for */
    double alpha;          /**< predicted alpha */
    double beta;           /**< predicted beta */
    double peak_d;         /**< predicted peak position (NaN when beta <= 0) */
    double peak_kl;        /**< peak_d squared */
    double peak_value;     /**< predicted largest change */
    starc_fit_ci alpha_ci;      /**< bootstrap interval of alpha (se NaN) */
    starc_fit_ci beta_ci;       /**< bootstrap interval of beta */
    starc_fit_ci peak_d_ci;     /**< bootstrap interval of peak_d */
    starc_fit_ci peak_kl_ci;    /**< bootstrap interval of peak_kl */
    starc_fit_ci peak_value_ci; /**< bootstrap interval of peak_value */
} starc_fit_prediction;

/** @brief Predict the coefficients and the peak for a size @p size > 0 (seen or not) from the
 *  @p kind lines. */
int starc_fit_scaling_predict(const starc_fit_scaling *s, starc_fit_scaling_kind kind, double size,
                              starc_fit_prediction *pred, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
