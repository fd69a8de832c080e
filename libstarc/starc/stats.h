/** @file starc/stats.h
 *  @brief Statistics of paired samples: Pearson's correlation, average ranks, Spearman's rank correlation.
 *
 *  Sums run in index order (two passes, centred), so results are the same on
 *  every platform and thread count.  The study (starc/study.h) correlates
 *  each distance variant with the regret through these.
 */
#ifndef STARC_STATS_H
#define STARC_STATS_H

#include <stddef.h>
#include "starc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Pearson correlation coefficient of @p x and @p y (n entries, two-pass, in index order).
 *
 *  @return ::STARC_EINVAL for n < 2 or a non-finite entry, ::STARC_EUNDEF (and
 *  @p *r = NaN) when either has zero variance. */
int starc_stats_pearson(size_t n, const double *x, const double *y, double *r, starc_error *err);

/** @brief Ranks 1..n of @p x, ties given their average rank (fractional ranking).
 *  @return ::STARC_EINVAL for a NaN entry, ::STARC_ENOMEM. */
int starc_stats_rank_average(size_t n, const double *x, double *ranks, starc_error *err);

/** @brief Spearman's rank correlation: starc_stats_pearson() of the average ranks.
 *  Errors as starc_stats_pearson() and starc_stats_rank_average(). */
int starc_stats_spearman(size_t n, const double *x, const double *y, double *rho, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
