/* Benchmark of libstarc's distances (a program, not a test; run by
 * tests/bench/bench-distance.sh, which adds the numpy baseline).
 *
 *   bench-distance [--quick] [--reps N] [--data DIR]
 *
 * Cases: one STARC-VAL (l2, l2), one EPIC and one DARD distance for S=32,
 * A=4 and S=1024, A=8 (dense random T, gamma 0.95, N(0,1) rewards), and
 * 64 x 64 matrices at S=32, A=4.  Each is timed from scratch (plan + pair)
 * and with the plan reused (pair only); times are the minimum over repeated
 * runs (the machine may be shared).  The machine's limits are measured in
 * the same run: the time to stream-read the bytes a case must read at least
 * once (T, R1, R2 for VAL and DARD; R1, R2 for EPIC), one LAPACK dgesv and
 * one dgemm of size S.  With --data DIR the inputs are written as .npz for
 * the numpy baseline.  Output: TSV lines `case S A what seconds value`. */
#include <config.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include "lapack.h"
#include <starc/starc.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double uniform(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gaussian(void)
{
    return sqrt(-2.0 * log(uniform())) * cos(2.0 * M_PI * uniform());
}

static starc_mdp *random_mdp(size_t S, size_t A)
{
    double *T = malloc(S * A * S * sizeof(double)), *mu0 = malloc(S * sizeof(double));
    for (size_t sa = 0; sa < S * A; sa++) {
        double sum = 0.0;
        for (size_t t = 0; t < S; t++)
            sum += (T[sa * S + t] = uniform());
        for (size_t t = 0; t < S; t++)
            T[sa * S + t] /= sum;
    }
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    starc_mdp *m;
    starc_error err;
    if (starc_mdp_alloc(S, A, T, mu0, 0.95, NULL, &m, &err)) {
        fprintf(stderr, "bench-distance: %s\n", err.message);
        exit(1);
    }
    free(T);
    free(mu0);
    return m;
}

/* ---- machine limits ------------------------------------------------------- */

struct stream_arg {
    const double *x;
    size_t n;
    double sum;
};

/* A read-only sweep that is memory-bound, not compute-bound: 2-double
 * vectors (GNU C) with eight independent accumulators. */
#if defined(__GNUC__)
typedef double v2d __attribute__((vector_size(16)));
#endif
static void *stream_read(void *p)
{
    struct stream_arg *a = p;
    size_t i = 0;
    double tail = 0.0;
#if defined(__GNUC__)
    v2d acc[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    for (; i + 8 <= a->n; i += 8)
        for (int k = 0; k < 4; k++) {
            v2d v;
            memcpy(&v, a->x + i + 2 * k, sizeof v);
            acc[k] += v;
        }
    v2d t = acc[0] + acc[1] + acc[2] + acc[3];
    tail = t[0] + t[1];
#endif
    for (; i < a->n; i++)
        tail += a->x[i];
    a->sum = tail;
    return NULL;
}

/* Best time to read k arrays with 1 or 2 threads of our own (threads = 1, 2),
 * or with OpenBLAS's dasum (threads = 0: its own threading). */
static double time_stream(const double *const *arr, const size_t *len, int k, int reps, int threads)
{
    double best = INFINITY, sink = 0.0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (int j = 0; j < k; j++) {
            struct stream_arg a[2] = {{arr[j], len[j] / 2, 0}, {arr[j] + len[j] / 2, len[j] - len[j] / 2, 0}};
            if (threads == 0) {
                a[0].sum = cblas_dasum((int)len[j], arr[j], 1);
                a[1].sum = 0;
            } else if (threads == 2) {
                pthread_t th;
                pthread_create(&th, NULL, stream_read, &a[1]);
                stream_read(&a[0]);
                pthread_join(th, NULL);
            } else {
                a[0].n = len[j];
                stream_read(&a[0]);
                a[1].sum = 0;
            }
            sink += a[0].sum + a[1].sum;
        }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    if (sink == 42.0) /* keep the reads */
        fprintf(stderr, "%g\n", sink);
    return best;
}

/* dgesv of a random, well-conditioned S x S system (column-major: no
 * LAPACKE transposition).  The buffers persist between calls so that the
 * samples taken between the library's repetitions do not churn the heap. */
static double time_dgesv(size_t S, int reps)
{
    static double *M, *W, *b;
    static lapack_int *ip;
    static size_t have;
    if (have != S) {
        free(M);
        free(W);
        free(b);
        free(ip);
        M = malloc(S * S * sizeof(double));
        W = malloc(S * S * sizeof(double));
        b = malloc(S * sizeof(double));
        ip = malloc(S * sizeof(lapack_int));
        uint64_t z = 12345;
        for (size_t i = 0; i < S * S; i++) {
            z = z * 6364136223846793005ULL + 1442695040888963407ULL;
            M[i] = -0.95 * (double)(z >> 11) / 9007199254740992.0 / (double)S;
        }
        for (size_t i = 0; i < S; i++)
            M[i * S + i] += 1.0;
        have = S;
    }
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        memcpy(W, M, S * S * sizeof(double));
        for (size_t i = 0; i < S; i++)
            b[i] = 1.0;
        double t0 = now();
        LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)S, 1, W, (lapack_int)S, ip, b, (lapack_int)S);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

static double time_dgemm(size_t S, int reps)
{
    double *X = malloc(S * S * sizeof(double)), *Y = malloc(S * S * sizeof(double)), *Z = malloc(S * S * sizeof(double));
    uint64_t z = 678;
    for (size_t i = 0; i < S * S; i++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        X[i] = (double)(z >> 11) / 9007199254740992.0;
        Y[i] = 1.0 - X[i];
    }
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)S, (int)S, (int)S, 1.0, X, (int)S, Y, (int)S, 0.0, Z,
                    (int)S);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    free(X);
    free(Y);
    free(Z);
    return best;
}

/* Cost of touching freshly allocated memory (page faults), per 4 KiB page:
 * what every new temporary array of a reward's size pays on first use. */
static double time_first_touch(size_t bytes, int reps)
{
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        volatile char *p = malloc(bytes);
        if (!p)
            return NAN;
        for (size_t i = 0; i < bytes; i += 4096)
            p[i] = (char)i;
        double dt = now() - t0;
        free((void *)p);
        if (dt < best)
            best = dt;
    }
    return best / (double)(bytes / 4096);
}

/* ---- libstarc ------------------------------------------------------------- */

static const char *case_name(int c)
{
    return c == 0 ? "val" : c == 1 ? "epic" : "dard";
}

static int bench_threads = 1;

/* Limits measured between the library's repetitions, so that both see the
 * same machine load (the minimum over all samples is kept). */
struct limits {
    const double *arr[3];
    size_t len[3];
    size_t S;
    double stream3[3], stream2[3], dgesv, dgemm;
};
static struct limits *cur_limits;

static double time_stream(const double *const *arr, const size_t *len, int k, int reps, int threads);
static double time_dgesv(size_t S, int reps);

static void sample_limits(void)
{
    struct limits *l = cur_limits;
    if (!l)
        return;
    for (int th = 0; th <= 2; th++) {
        l->stream3[th] = fmin(l->stream3[th], time_stream(l->arr, l->len, 3, 1, th));
        l->stream2[th] = fmin(l->stream2[th], time_stream(l->arr + 1, l->len + 1, 2, 1, th));
    }
    l->dgesv = fmin(l->dgesv, time_dgesv(l->S, 1));
}

static void options_for(int c, starc_distance_options *o)
{
    if (c == 0)
        starc_distance_options_default(o);
    else if (c == 1)
        starc_distance_options_epic(o);
    else
        starc_distance_options_dard(o);
    o->nthreads = bench_threads;
}

static void die(const char *what, const starc_error *err)
{
    fprintf(stderr, "bench-distance: %s: %s\n", what, err->message);
    exit(1);
}

static void bench_pair(const starc_mdp *m, int c, const double *R1, const double *R2, int reps)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_distance_options o;
    starc_error err;
    options_for(c, &o);
    double best_plan = INFINITY, best_pair = INFINITY, best_scratch = INFINITY, d = NAN;
    for (int r = 0; r < reps; r++) {
        starc_distance_plan *p;
        double t0 = now();
        if (starc_distance_plan_alloc(m, &o, &p, &err))
            die("plan", &err);
        double t1 = now();
        if (starc_distance_pair(p, R1, R2, &d, &err))
            die("pair", &err);
        double t2 = now();
        starc_distance_plan_free(p);
        best_plan = fmin(best_plan, t1 - t0);
        best_scratch = fmin(best_scratch, t2 - t0);
        sample_limits();
    }
    starc_distance_plan *p;
    if (starc_distance_plan_alloc(m, &o, &p, &err))
        die("plan", &err);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (starc_distance_pair(p, R1, R2, &d, &err))
            die("pair", &err);
        best_pair = fmin(best_pair, now() - t0);
        sample_limits();
    }
    starc_distance_plan_free(p);
    printf("%s\t%zu\t%zu\tplan\t%.6g\t%.17g\n", case_name(c), S, A, best_plan, d);
    printf("%s\t%zu\t%zu\tpair\t%.6g\t%.17g\n", case_name(c), S, A, best_pair, d);
    printf("%s\t%zu\t%zu\tscratch\t%.6g\t%.17g\n", case_name(c), S, A, best_scratch, d);
    fflush(stdout);
}

static void bench_matrix(const starc_mdp *m, int c, size_t N, const double *R, int reps)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    const double **Rp = malloc(N * sizeof *Rp);
    double *D = malloc(N * N * sizeof(double)), best = INFINITY, sum = 0.0;
    for (size_t i = 0; i < N; i++)
        Rp[i] = R + i * n;
    starc_distance_options o;
    starc_error err;
    options_for(c, &o);
    for (int r = 0; r < reps; r++) {
        starc_distance_plan *p;
        double t0 = now();
        if (starc_distance_plan_alloc(m, &o, &p, &err) || starc_distance_matrix(p, N, Rp, D, &err))
            die("matrix", &err);
        best = fmin(best, now() - t0);
        starc_distance_plan_free(p);
    }
    for (size_t i = 0; i < N * N; i++)
        sum += D[i];
    printf("matrix-%s\t%zu\t%zu\tscratch\t%.6g\t%.17g\n", case_name(c), S, A, best, sum);
    fflush(stdout);
    free(Rp);
    free(D);
}

static void save(const char *dir, const char *stem, size_t S, size_t A, const starc_mdp *m, size_t N,
                 const double *R)
{
    char path[4096];
    starc_error err;
    snprintf(path, sizeof path, "%s/%s-mdp.npz", dir, stem);
    if (starc_io_mdp_save(path, m, &err))
        die(path, &err);
    starc_npy_array *arr = calloc(N, sizeof *arr);
    char **names = calloc(N, sizeof *names);
    for (size_t i = 0; i < N; i++) {
        starc_npy_array_init(&arr[i]);
        arr[i].ndim = 3;
        arr[i].shape[0] = S;
        arr[i].shape[1] = A;
        arr[i].shape[2] = S;
        arr[i].data = (double *)(R + i * S * A * S);
        names[i] = malloc(16);
        snprintf(names[i], 16, "R%02zu", i);
    }
    snprintf(path, sizeof path, "%s/%s-rewards.npz", dir, stem);
    if (starc_npy_npz_write(path, N, (const char *const *)names, arr, 0, &err))
        die(path, &err);
    for (size_t i = 0; i < N; i++)
        free(names[i]);
    free(names);
    free(arr);
}

int main(int argc, char **argv)
{
    int quick = 0, reps_small = 50, reps_large = 7;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps_large = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench-distance [--quick] [--reps N] [--data DIR]\n");
            return 2;
        }
    }
    if (reps_large < 1)
        reps_large = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    bench_threads = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (int)ncpu;
    printf("# libstarc passes use %d threads (starc_distance_options.nthreads)\n", bench_threads);
    static const size_t sizes[2][2] = {{32, 4}, {1024, 8}};
    printf("case\tS\tA\twhat\tseconds\tvalue\n");
    for (int z = 0; z < 2; z++) {
        size_t S = sizes[z][0], A = sizes[z][1], n = S * A * S;
        if (quick && z == 1) {
            S = 256;
            A = 4;
            n = S * A * S;
        }
        int reps = z == 0 ? reps_small : reps_large;
        starc_mdp *m = random_mdp(S, A);
        double *R = malloc(2 * n * sizeof(double));
        for (size_t i = 0; i < 2 * n; i++)
            R[i] = gaussian();
        if (dir) {
            char stem[64];
            snprintf(stem, sizeof stem, "pair-%zu-%zu", S, A);
            save(dir, stem, S, A, m, 2, R);
        }
        struct limits lim;
        lim.arr[0] = starc_mdp_transitions(m);
        lim.arr[1] = R;
        lim.arr[2] = R + n;
        lim.len[0] = lim.len[1] = lim.len[2] = n;
        lim.S = S;
        for (int th = 0; th <= 2; th++)
            lim.stream3[th] = lim.stream2[th] = INFINITY;
        lim.dgesv = INFINITY;
        cur_limits = &lim;
        for (int c = 0; c < 3; c++)
            bench_pair(m, c, R, R + n, c == 2 && z == 1 ? (reps < 3 ? reps : 3) : reps);
        cur_limits = NULL;
        for (int th = 0; th <= 2; th++) {
            printf("limit\t%zu\t%zu\tstream-T-R1-R2-%dthr\t%.6g\t%zu\n", S, A, th, lim.stream3[th], 3 * n * sizeof(double));
            printf("limit\t%zu\t%zu\tstream-R1-R2-%dthr\t%.6g\t%zu\n", S, A, th, lim.stream2[th], 2 * n * sizeof(double));
        }
        printf("limit\t%zu\t%zu\tdgesv\t%.6g\t%zu\n", S, A, lim.dgesv, S);
        printf("limit\t%zu\t%zu\tfirst-touch-per-page\t%.6g\t%zu\n", S, A, time_first_touch(n * sizeof(double), 3),
               n * sizeof(double));
        printf("limit\t%zu\t%zu\tdgemm\t%.6g\t%zu\n", S, A, time_dgemm(S, reps), S);
        fflush(stdout);
        free(R);
        starc_mdp_free(m);
    }
    /* 64 x 64 matrices */
    {
        size_t S = 32, A = 4, n = S * A * S, N = 64;
        starc_mdp *m = random_mdp(S, A);
        double *R = malloc(N * n * sizeof(double));
        for (size_t i = 0; i < N * n; i++)
            R[i] = gaussian();
        if (dir)
            save(dir, "matrix-32-4", S, A, m, N, R);
        for (int c = 0; c < 3; c++)
            bench_matrix(m, c, N, R, quick ? 3 : 10);
        free(R);
        starc_mdp_free(m);
    }
    return 0;
}
