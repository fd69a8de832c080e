/** @file starc/metric.h
 *  @brief Metrics m(x, y) between reward tensors (docs/theory.md §3).
 *
 *  The vector metrics are the norms of starc/norm.h applied to `x - y` over
 *  all S*A*S entries: `l1`, `l2`, `linf` and the transition-weighted `wl1`,
 *  `wl2`, `wlinf`.  `pearson` is EPIC's Pearson distance `sqrt((1 - rho) / 2)`
 *  (Gleave et al., ICLR 2021), rho the correlation of x and y when (s,a,s') is
 *  drawn from a coverage distribution D over all S*A*S transitions (uniform by
 *  default).  The streaming passes are shared with the normalisations
 *  (libstarc/norm.c); the STARC distance (starc/distance.h) applies a metric
 *  to standardised rewards.
 */
#ifndef STARC_METRIC_H
#define STARC_METRIC_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/norm.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/** @brief The name of a metric ("l1", ..., "pearson"), or NULL for an invalid value. */
const char *starc_metric_kind_name(starc_metric_kind kind);
/** @brief Look a metric up by name; ::STARC_EINVAL (listing the valid names) if unknown. */
int starc_metric_kind_parse(const char *name, starc_metric_kind *kind, starc_error *err);

/** @brief Options of starc_metric_value(); only the Pearson distance uses them. */
typedef struct starc_metric_options {
    const double *coverage; /**< Pearson coverage D over (s,a,s') (S*A*S, non-negative, sum 1);
                                 NULL (default) = uniform over all S*A*S transitions */
    double trivial_tol;     /**< x (or y) counts as constant under D when its standard deviation is
                                 at most `trivial_tol * max|x|`; the correlation is then undefined
                                 (default 1e-9; for canonical rewards, a round-off level such as
                                 starc_distance_trivial_tol() of starc/distance.h), >= 0 */
    double prob_tol;        /**< absolute tolerance on the sum of the coverage (default ::STARC_MDP_PROB_TOL) */
} starc_metric_options;

/** @brief Fill @p o with the defaults documented in ::starc_metric_options. */
void starc_metric_options_default(starc_metric_options *o);

/** @brief The metric m(x, y) of two dense tensors (S*A*S each).
 *
 *  @param opt  options (Pearson only), or NULL for the defaults
 *  @return ::STARC_EUNDEF (and @p value NaN) for an undefined Pearson distance,
 *  ::STARC_EINVAL for an invalid coverage or tolerance. */
int starc_metric_value(const starc_mdp *m, starc_metric_kind kind, const double *x, const double *y,
                       const starc_metric_options *opt, double *value, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
