/** @file starc/norm.h
 *  @brief Normalisations n and metrics m on reward tensors (docs/theory.md §3).
 *
 *  Vector norms over all S*A*S entries of a dense tensor x:
 *  `l1 = sum |x|`, `l2 = sqrt(sum x^2)`, `linf = max |x|`; transition-weighted
 *  `wl1 = sum T |x|`, `wl2 = sqrt(sum T x^2)`, `wlinf = max T |x|`; `none` (n = 1);
 *  value-based `range`: `n(x) = max_pi J_x(pi) - min_pi J_x(pi)` with
 *  `J_x(pi) = mu0 . V^pi` the discounted return of x, found by exact policy
 *  iteration for the optimal and the worst policy (starc_policy_optimal(),
 *  starc_policy_worst(); ties to the lowest action).  Metrics are the same
 *  norms applied to `x - y`, plus the Pearson distance
 *  `sqrt((1 - rho) / 2)` of EPIC (Gleave et al., ICLR 2021), rho the
 *  correlation of x and y when (s,a,s') is drawn from a coverage distribution
 *  D over all S*A*S transitions (uniform by default).
 *
 *  The weighted norms are only semi-norms on tensors that are non-zero on
 *  impossible transitions, and `range` is a semi-norm in general; see
 *  starc/distance.h for how a vanishing normaliser is treated.
 */
#ifndef STARC_NORM_H
#define STARC_NORM_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Normalisations; names as on the command line. */
typedef enum starc_norm_kind {
    STARC_NORM_L1 = 0,    /**< "l1" */
    STARC_NORM_L2 = 1,    /**< "l2" */
    STARC_NORM_LINF = 2,  /**< "linf" */
    STARC_NORM_WL1 = 3,   /**< "wl1": sum T |x| */
    STARC_NORM_WL2 = 4,   /**< "wl2": sqrt(sum T x^2) */
    STARC_NORM_WLINF = 5, /**< "wlinf": max T |x| */
    STARC_NORM_NONE = 6,  /**< "none": n = 1 */
    STARC_NORM_RANGE = 7  /**< "range": max_pi J - min_pi J */
} starc_norm_kind;

/** @brief Number of normalisation kinds. */
#define STARC_NORM_KIND_COUNT 8

/** @brief Metrics; names as on the command line.  The first six have the
 *  same values as the corresponding ::starc_norm_kind. */
typedef enum starc_metric_kind {
    STARC_METRIC_L1 = 0,     /**< "l1" */
    STARC_METRIC_L2 = 1,     /**< "l2" */
    STARC_METRIC_LINF = 2,   /**< "linf" */
    STARC_METRIC_WL1 = 3,    /**< "wl1" */
    STARC_METRIC_WL2 = 4,    /**< "wl2" */
    STARC_METRIC_WLINF = 5,  /**< "wlinf" */
    STARC_METRIC_PEARSON = 6 /**< "pearson": sqrt((1 - rho)/2) under the coverage distribution */
} starc_metric_kind;

/** @brief Number of metric kinds. */
#define STARC_METRIC_KIND_COUNT 7

/** @brief The name of a normalisation ("l1", ...), or NULL for an invalid value. */
const char *starc_norm_kind_name(starc_norm_kind kind);
/** @brief Look a normalisation up by name; ::STARC_EINVAL (listing the valid names) if unknown. */
int starc_norm_kind_parse(const char *name, starc_norm_kind *kind, starc_error *err);
/** @brief The name of a metric ("l1", ..., "pearson"), or NULL for an invalid value. */
const char *starc_metric_kind_name(starc_metric_kind kind);
/** @brief Look a metric up by name; ::STARC_EINVAL (listing the valid names) if unknown. */
int starc_metric_kind_parse(const char *name, starc_metric_kind *kind, starc_error *err);

/** @brief The normaliser n(x) of a dense tensor @p x (S*A*S) on MDP @p m.
 *
 *  @param opt  policy-iteration options for `range` (NULL = defaults), ignored otherwise
 *  @return ::STARC_ENOCONV / ::STARC_ELAPACK from policy iteration (range only). */
int starc_norm_value(const starc_mdp *m, starc_norm_kind kind, const double *x,
                     const starc_policy_options *opt, double *value, starc_error *err);

/** @brief The metric m(x, y) of two dense tensors (S*A*S each).
 *
 *  @param coverage  Pearson only: D (S*A*S, non-negative, sum 1) or NULL for uniform
 *  @param tol       Pearson only: x (or y) counts as constant under D when its
 *                   standard deviation is at most `tol * max|x|` (for canonical
 *                   rewards, a round-off level such as starc_distance_trivial_tol()
 *                   of starc/distance.h); the correlation is then undefined
 *  @return ::STARC_EUNDEF (and @p value NaN) for an undefined Pearson distance,
 *  ::STARC_EINVAL for an invalid coverage. */
int starc_metric_value(const starc_mdp *m, starc_metric_kind kind, const double *x, const double *y,
                       const double *coverage, double tol, double *value, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
