/** @file starc/norm.h
 *  @brief Normalisations n of reward tensors (docs/theory.md §3); the metrics are in starc/metric.h.
 *
 *  Vector norms over all S*A*S entries of a dense tensor x:
 *  `l1 = sum |x|`, `l2 = sqrt(sum x^2)`, `linf = max |x|`; transition-weighted
 *  `wl1 = sum T |x|`, `wl2 = sqrt(sum T x^2)`, `wlinf = max T |x|`; `none` (n = 1);
 *  value-based `range`: `n(x) = max_pi J_x(pi) - min_pi J_x(pi)` with
 *  `J_x(pi) = mu0 . V^pi` the discounted return of x, found by exact policy
 *  iteration for the optimal and the worst policy (starc_policy_optimal(),
 *  starc_policy_worst(); ties to the lowest action).
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

/** @brief The name of a normalisation ("l1", ...), or NULL for an invalid value. */
const char *starc_norm_kind_name(starc_norm_kind kind);
/** @brief Look a normalisation up by name; ::STARC_EINVAL (listing the valid names) if unknown. */
int starc_norm_kind_parse(const char *name, starc_norm_kind *kind, starc_error *err);

/** @brief The normaliser n(x) of a dense tensor @p x (S*A*S) on MDP @p m.
 *
 *  @param opt  policy-iteration options for `range` (NULL = defaults), ignored otherwise
 *  @return ::STARC_ENOCONV / ::STARC_ELAPACK from policy iteration (range only). */
int starc_norm_value(const starc_mdp *m, starc_norm_kind kind, const double *x,
                     const starc_policy_options *opt, double *value, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
