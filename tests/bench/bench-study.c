/* Benchmark of the STARC random-MDP study engine (libstarc/study.c), run by
 * tests/bench/bench-study.sh through `make bench`; never part of `make check`.
 *
 * Prints `key value` lines:
 *  - machine limits measured in the same run: single-thread OpenBLAS dgemm
 *    GFLOP/s and a streaming-read memory bandwidth;
 *  - the study at the paper's size through the library (no files), with 1 and
 *    J threads on a slice and J threads on the whole thing: wall and CPU time.
 * Usage: bench-study [MDPS [JOBS]] (defaults 384 and the number of CPUs). */
#include <config.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include <starc/starc.h>

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double dgemm_gflops(void)
{
    const int n = 512;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n * n; i++)
        a[i] = 1.0 / (i + 1), b[i] = 1.0 / (i + 2), c[i] = 0.0;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now(CLOCK_MONOTONIC);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        t = now(CLOCK_MONOTONIC) - t;
        best = t < best ? t : best;
    }
    free(a), free(b), free(c);
    return 2.0 * n * (double)n * n / best * 1e-9;
}

static double read_bandwidth(void)
{
    const size_t n = (size_t)32 << 20; /* 256 MB */
    double *x = malloc(n * sizeof(double)), best = 1e30, sink = 0.0;
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i & 1023);
    for (int r = 0; r < 4; r++) {
        double t = now(CLOCK_MONOTONIC), s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = 0; i < n; i += 4)
            s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
        t = now(CLOCK_MONOTONIC) - t;
        sink += s0 + s1 + s2 + s3;
        best = t < best ? t : best;
    }
    free(x);
    if (sink == 42.0)
        puts("");
    return (double)(n * sizeof(double)) / best * 1e-9;
}

static int run(size_t mdps, size_t jobs, double *wall, double *cpu, double *val)
{
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = mdps;
    o.nthreads = (int)jobs;
    starc_study *s = NULL;
    starc_error err;
    double w = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);
    int st = starc_study_run(&o, NULL, &s, &err);
    *wall = now(CLOCK_MONOTONIC) - w;
    *cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c;
    if (st) {
        fprintf(stderr, "bench-study: %s\n", err.message);
        return 1;
    }
    *val = starc_study_pearson(s, (size_t)starc_study_variant_index(STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_L2));
    starc_study_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    size_t mdps = argc > 1 ? (size_t)atol(argv[1]) : 384;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs = argc > 2 ? (size_t)atol(argv[2]) : (size_t)(ncpu > 0 ? ncpu : 1);
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
    if (set)
        set(1);
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la) {
        if (!fgets(load, sizeof load, la))
            strcpy(load, "?");
        fclose(la);
        load[strcspn(load, "\n")] = '\0';
    }
    printf("cpus %ld\n", ncpu);
    printf("loadavg_at_start %s\n", load);
    printf("dgemm_gflops_1thread %.2f\n", dgemm_gflops());
    printf("read_bandwidth_gbs %.2f\n", read_bandwidth());
    double w1, c1, wj, cj, v;
    size_t slice = mdps < 32 ? mdps : 32, pts = slice * 8 * 16;
    if (run(slice, 1, &w1, &c1, &v) || run(slice, jobs, &wj, &cj, &v))
        return 1;
    printf("slice_points %zu\n", pts);
    printf("slice_1thread_wall_s %.3f\nslice_1thread_us_per_point %.1f\n", w1, 1e6 * w1 / (double)pts);
    printf("slice_%zuthreads_wall_s %.3f\nslice_speedup %.2f\n", jobs, wj, w1 / wj);
    if (run(mdps, jobs, &wj, &cj, &v))
        return 1;
    printf("full_points %zu\nfull_%zuthreads_wall_s %.3f\nfull_cpu_s %.3f\nfull_val_l2_l2_pearson %.4f\n",
           mdps * 128, jobs, wj, cj, v);
    return 0;
}
