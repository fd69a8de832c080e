/* GB/s of the CRC-32 (libstarc/crc32.c: carry-less on 128-bit registers,
 * PCLMULQDQ, and on 512-bit ones, VPCLMULQDQ, where the CPU has them) against
 * zlib's crc32() and a memcpy of the same buffer (the memory's bandwidth), on
 * a buffer that stays in L2 and on one of 256 MiB; all are run in turn,
 * rounds alternating, and each figure is the median (min-max) over the
 * rounds, the ratios taken round by round in this process.
 * Usage: bench-crc32 [ROUNDS] (default 9). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "../../libstarc/crc32-internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint32_t sink;

/* Seconds for one pass of what over n bytes (reps passes, the time divided):
 * 0..2 a CRC-32 implementation, 3 a memcpy. */
static double run(starci_crc32_fn f[3], int what, const unsigned char *b, unsigned char *d, size_t n, int reps)
{
    const double t0 = now();
    for (int r = 0; r < reps; r++) {
        if (what < 3) {
            sink = f[what](sink, b, n);
        } else {
            memcpy(d, b, n);
            sink = d[r % n];
        }
    }
    return (now() - t0) / reps;
}

static void summary(const char *what, double *x, int k)
{
    qsort(x, (size_t)k, sizeof *x, cmp);
    printf(" %s %.2f (%.2f-%.2f)", what, x[k / 2], x[0], x[k - 1]);
}

int main(int argc, char **argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 9;
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "bench-crc32: ROUNDS must be 1..1000\n");
        return 2;
    }
    const size_t sizes[2] = {(size_t)512 << 10, (size_t)256 << 20};
    unsigned char *b = malloc(sizes[1]), *d = malloc(sizes[1]);
    static const char *const names[4] = {"512-bit", "128-bit", "zlib", "memcpy"};
    starci_crc32_fn f[3] = {starci_crc32_vpclmul(), starci_crc32_pclmul(), starci_crc32_zlib};
    double *g[4], *ratio[3];
    int ok = b && d;
    for (int i = 0; i < 4; i++)
        ok &= (g[i] = malloc((size_t)rounds * sizeof(double))) != NULL;
    for (int i = 0; i < 3; i++)
        ok &= (ratio[i] = malloc((size_t)rounds * sizeof(double))) != NULL;
    if (!ok) {
        fprintf(stderr, "bench-crc32: out of memory\n");
        return 1;
    }
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < sizes[1]; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)(x >> 56);
    }
    memcpy(d, b, sizes[1]); /* fault every page in before timing */
    printf("CRC-32 over a buffer, GB/s, median (min-max) of %d rounds; starci_crc32 picks %s\n", rounds,
           starci_crc32_pick() == f[0] ? "512-bit" : starci_crc32_pick() == f[1] ? "128-bit" : "zlib");
    for (int s = 0; s < 2; s++) {
        const size_t n = sizes[s];
        const int reps = s == 0 ? 2000 : 3;
        for (int r = 0; r < rounds; r++) {
            double t[4];
            for (int w = 0; w < 4; w++) {
                if (w < 3 && !f[w]) {
                    t[w] = 0.0 / 0.0;
                } else {
                    (void)run(f, w, b, d, n, 1); /* warm */
                    t[w] = run(f, w, b, d, n, reps);
                }
                g[w][r] = (double)n / t[w] / 1e9;
            }
            ratio[0][r] = t[2] / t[1]; /* zlib / 128-bit */
            ratio[1][r] = t[1] / t[0]; /* 128-bit / 512-bit */
            ratio[2][r] = t[3] / t[1]; /* memcpy / 128-bit */
        }
        printf("%s, GB/s:", s == 0 ? "512 KiB (in L2)" : "256 MiB");
        for (int w = 0; w < 4; w++)
            summary(names[w], g[w], rounds);
        printf("\n  time ratios:");
        summary("zlib/128-bit", ratio[0], rounds);
        summary("128-bit/512-bit", ratio[1], rounds);
        summary("memcpy/128-bit", ratio[2], rounds);
        printf("\n");
    }
    free(b);
    free(d);
    for (int i = 0; i < 4; i++)
        free(g[i]);
    for (int i = 0; i < 3; i++)
        free(ratio[i]);
    return 0;
}
