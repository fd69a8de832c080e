/* The C side of tests/bench/bench-batch.py (built by `make bench`; not a test).
 *
 *   bench-batch-c M.npz R.npz REPS OUT
 *
 * Loads the MDP and every reward of R.npz, then times starc_distance_matrix()
 * (STARC-VAL, l2, l2: the library's defaults) REPS times on one reused plan and
 * REPS times with a plan made per call, and prints the best time of each and
 * the sum of the matrix, tab-separated:
 *
 *   REUSED_SECONDS  SCRATCH_SECONDS  SUM(%.17g)
 *
 * and writes the N x N matrix to OUT (raw float64, row-major) for the script
 * to compare with numpy's.  OpenBLAS should run on one thread
 * (OPENBLAS_NUM_THREADS=1), as the starc command and the script run it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <starc/starc.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    starc_error err;
    starc_mdp *m = NULL;
    starc_io_reward_set rs;
    starc_distance_plan *p = NULL;
    const double **Rp = NULL;
    double *D = NULL;
    int reps = argc > 3 ? atoi(argv[3]) : 0, st = 1;
    if (argc != 5 || reps < 1) {
        fprintf(stderr, "usage: bench-batch-c M.npz R.npz REPS OUT\n");
        return 2;
    }
    starc_io_reward_set_init(&rs);
    if (starc_io_mdp_load(argv[1], NULL, &m, &err) || starc_io_reward_load(argv[2], m, &rs, &err) ||
        starc_distance_plan_alloc(m, NULL, &p, &err)) {
        fprintf(stderr, "bench-batch-c: %s\n", err.message);
        goto out;
    }
    const size_t n = rs.n, L = starc_mdp_states(m) * starc_mdp_actions(m) * starc_mdp_states(m);
    Rp = malloc(n * sizeof *Rp);
    D = malloc(n * n * sizeof *D);
    if (!Rp || !D) {
        fprintf(stderr, "bench-batch-c: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        Rp[i] = rs.R + i * L;
    double best_reused = 1e300, best_scratch = 1e300;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = now();
        if (starc_distance_matrix(p, n, Rp, D, &err))
            goto fail;
        double t = now() - t0;
        best_reused = t < best_reused ? t : best_reused;
        t0 = now();
        starc_distance_plan *q;
        if (starc_distance_plan_alloc(m, NULL, &q, &err))
            goto fail;
        int s = starc_distance_matrix(q, n, Rp, D, &err);
        starc_distance_plan_free(q);
        if (s)
            goto fail;
        t = now() - t0;
        best_scratch = t < best_scratch ? t : best_scratch;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n * n; i++)
        sum += D[i];
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(D, sizeof *D, n * n, f) != n * n || fclose(f)) {
        fprintf(stderr, "bench-batch-c: %s: cannot write the matrix\n", argv[4]);
        goto out;
    }
    if (printf("%.9g\t%.9g\t%.17g\n", best_reused, best_scratch, sum) < 0 || fflush(stdout))
        goto out;
    st = 0;
    goto out;
fail:
    fprintf(stderr, "bench-batch-c: %s\n", err.message);
out:
    free(Rp);
    free(D);
    starc_distance_plan_free(p);
    starc_io_reward_set_clear(&rs);
    starc_mdp_free(m);
    return st;
}
