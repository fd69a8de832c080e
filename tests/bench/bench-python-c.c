/* The C side of tests/bench/bench-python.py (built by `make bench`; not a test).
 *
 *   bench-python-c M.npz R.npz [N]
 *
 * Loads the MDP and the two rewards of R.npz (its first two members), then times N calls
 * of starc_distance_pair() on one reused plan (STARC-VAL, l2, l2: the library's defaults)
 * and N/10 calls of starc_distance() (a plan made per call), seven times each, and prints the
 * best time per call of each and the distance, tab-separated:
 *
 *   PAIR_SECONDS  SCRATCH_SECONDS  DISTANCE(%.17g)
 *
 * The Python script times the same calls through the starc package on the same files; the
 * difference is what Python and ctypes add.  OpenBLAS should run on one thread
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
    long n = argc > 3 ? atol(argv[3]) : 100000;
    if (argc < 3 || n < 10) {
        fprintf(stderr, "usage: bench-python-c M.npz R.npz [N >= 10]\n");
        return 2;
    }
    starc_io_reward_set_init(&rs);
    if (starc_io_mdp_load(argv[1], NULL, &m, &err) || starc_io_reward_load(argv[2], m, &rs, &err) ||
        starc_distance_plan_alloc(m, NULL, &p, &err)) {
        fprintf(stderr, "bench-python-c: %s\n", err.message);
        return 1;
    }
    if (rs.n < 2) {
        fprintf(stderr, "bench-python-c: %s: need two rewards\n", argv[2]);
        return 1;
    }
    size_t L = starc_mdp_states(m) * starc_mdp_actions(m) * starc_mdp_states(m);
    double d = 0.0, best_pair = 1e300, best_scratch = 1e300;
    int st = STARC_OK;
    for (int rep = 0; rep < 7 && !st; rep++) {
        double t0 = now();
        for (long i = 0; i < n && !st; i++)
            st = starc_distance_pair(p, rs.R, rs.R + L, &d, &err);
        double t = (now() - t0) / (double)n;
        best_pair = t < best_pair ? t : best_pair;
        t0 = now();
        for (long i = 0; i < n / 10 && !st; i++)
            st = starc_distance(m, NULL, rs.R, rs.R + L, &d, &err);
        t = (now() - t0) / (double)(n / 10);
        best_scratch = t < best_scratch ? t : best_scratch;
    }
    if (st)
        fprintf(stderr, "bench-python-c: %s\n", err.message);
    else if (printf("%.9g\t%.9g\t%.17g\n", best_pair, best_scratch, d) < 0 || fflush(stdout))
        st = STARC_EIO;
    starc_distance_plan_free(p);
    starc_io_reward_set_clear(&rs);
    starc_mdp_free(m);
    return st ? 1 : 0;
}
