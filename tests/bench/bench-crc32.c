/* GB/s of the CRC-32 (libstarc/crc32.c: carry-less where the CPU has it)
 * against zlib's crc32() and a memcpy of the same buffer (the memory's
 * bandwidth), on a buffer that stays in L2 and on one of 256 MiB; the three
 * are run in turn, rounds alternating, and each figure is the median (min-max)
 * over the rounds, with the ratios taken round by round in this process.
 * Usage: bench-crc32 [ROUNDS] (default 9). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "crc32-internal.h"

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

/* Seconds for one pass of what over n bytes (reps passes, the time divided). */
static double run(int what, const unsigned char *b, unsigned char *d, size_t n, int reps)
{
    const double t0 = now();
    for (int r = 0; r < reps; r++) {
        if (what == 0)
            sink = starci_crc32(sink, b, n);
        else if (what == 1)
            sink = starci_crc32_zlib(sink, b, n);
        else {
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
    double *g[3], *ratio[2];
    for (int i = 0; i < 3; i++)
        g[i] = malloc((size_t)rounds * sizeof(double));
    for (int i = 0; i < 2; i++)
        ratio[i] = malloc((size_t)rounds * sizeof(double));
    if (!b || !d || !g[0] || !g[1] || !g[2] || !ratio[0] || !ratio[1]) {
        fprintf(stderr, "bench-crc32: out of memory\n");
        return 1;
    }
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < sizes[1]; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)(x >> 56);
    }
    memcpy(d, b, sizes[1]); /* fault every page in before timing */
    printf("CRC-32 over a buffer, GB/s, median (min-max) of %d rounds; starci_crc32 = %s\n", rounds,
           starci_crc32_pick() == starci_crc32_zlib ? "zlib (fallback)" : "PCLMULQDQ");
    for (int s = 0; s < 2; s++) {
        const size_t n = sizes[s];
        const int reps = s == 0 ? 2000 : 3;
        for (int r = 0; r < rounds; r++) {
            double t[3];
            for (int w = 0; w < 3; w++) {
                (void)run(w, b, d, n, 1); /* warm */
                t[w] = run(w, b, d, n, reps);
                g[w][r] = (double)n / t[w] / 1e9;
            }
            ratio[0][r] = t[1] / t[0]; /* zlib time / starci_crc32 time */
            ratio[1][r] = t[2] / t[0]; /* memcpy time / starci_crc32 time */
        }
        printf("%s:", s == 0 ? "512 KiB (L2)" : "256 MiB");
        summary("starci_crc32", g[0], rounds);
        summary("zlib", g[1], rounds);
        summary("memcpy", g[2], rounds);
        summary("speed-up over zlib", ratio[0], rounds);
        summary("memcpy time / crc time", ratio[1], rounds);
        printf("\n");
    }
    free(b);
    free(d);
    for (int i = 0; i < 3; i++)
        free(g[i]);
    for (int i = 0; i < 2; i++)
        free(ratio[i]);
    return 0;
}
