/* Internals of parallel.c (not installed): the runner that splits a pass over
 * the S states of an MDP among threads, and the cap on their number. */
#ifndef STARC_PARALLEL_INTERNAL_H
#define STARC_PARALLEL_INTERNAL_H

#include <stddef.h>

/* Most threads a pass uses; options asking for more are clamped to this. */
#define STARCI_PARALLEL_MAX_THREADS 64

/* Below this many tensor entries a pass runs on one thread. */
#define STARCI_PARALLEL_MIN ((size_t)1 << 18)

/* fn(ctx, s0, s1, tid) processes states s0 <= s < s1 as thread tid (0 <= tid < nthreads). */
typedef void (*starci_parallel_fn)(void *ctx, size_t s0, size_t s1, int tid);

/* Run fn on contiguous ranges of the S states with up to nthreads threads
 * (at most STARCI_PARALLEL_MAX_THREADS and S; one thread when `work`, the
 * number of tensor entries the call touches, is below STARCI_PARALLEL_MIN).
 * Callers keep per-state results, so the outcome does not depend on the
 * number of threads.  Thread creation failures fall back to the calling
 * thread. */
void starci_parallel_run(int nthreads, size_t S, size_t work, starci_parallel_fn fn, void *ctx);

#endif
