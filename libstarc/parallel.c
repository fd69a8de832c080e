/* The parallel runner (parallel-internal.h): fixed contiguous state ranges,
 * one per thread, so that callers can combine per-state results in state
 * order whatever the thread count. */
#include <config.h>
#include <pthread.h>

#include "parallel-internal.h"

struct par_job {
    starci_parallel_fn fn;
    void *ctx;
    size_t s0, s1;
    int tid;
};

static void *par_run(void *arg)
{
    struct par_job *j = arg;
    j->fn(j->ctx, j->s0, j->s1, j->tid);
    return NULL;
}

void starci_parallel_run(int nthreads, size_t S, size_t work, starci_parallel_fn fn, void *ctx)
{
    if (nthreads > STARCI_PARALLEL_MAX_THREADS)
        nthreads = STARCI_PARALLEL_MAX_THREADS;
    if (nthreads > (int)S)
        nthreads = (int)S;
    if (nthreads <= 1 || work < STARCI_PARALLEL_MIN) {
        fn(ctx, 0, S, 0);
        return;
    }
    struct par_job jobs[STARCI_PARALLEL_MAX_THREADS];
    pthread_t th[STARCI_PARALLEL_MAX_THREADS];
    int started[STARCI_PARALLEL_MAX_THREADS] = {0};
    size_t chunk = (S + (size_t)nthreads - 1) / (size_t)nthreads;
    for (int t = 0; t < nthreads; t++) {
        size_t s0 = (size_t)t * chunk, s1 = s0 + chunk < S ? s0 + chunk : S;
        jobs[t] = (struct par_job){fn, ctx, s0 < S ? s0 : S, s1, t};
    }
    for (int t = 1; t < nthreads; t++)
        started[t] = jobs[t].s0 < jobs[t].s1 && pthread_create(&th[t], NULL, par_run, &jobs[t]) == 0;
    par_run(&jobs[0]);
    for (int t = 1; t < nthreads; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else if (jobs[t].s0 < jobs[t].s1)
            par_run(&jobs[t]); /* could not start a thread: do it here */
    }
}
