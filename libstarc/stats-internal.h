/* Internals of stats.c (not installed): ranking with the caller's scratch,
 * for the study, which ranks many columns of the same length (study.c). */
#ifndef STARC_STATS_INTERNAL_H
#define STARC_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "starc/stats.h"

/* Sort scratch: 2n keys and 2n indices (LSD radix sort, ping-pong buffers). */
typedef struct starci_stats_keyed {
    uint64_t key;
    size_t i;
} starci_stats_keyed;

/* starc_stats_rank_average() with a scratch k of 2n entries; returns
 * STARC_EINVAL (no message) for a NaN entry. */
int starci_stats_rank_with(size_t n, const double *x, double *ranks, starci_stats_keyed *k);

#endif
