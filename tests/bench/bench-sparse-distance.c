/* Benchmark (make bench; tests/bench/bench-sparse-distance.sh): distances of
 * two (nnz,) rewards on large sparse MDPs through the structured closed forms
 * (libstarc/structured.c, libstarc/canon-sparse.c), never materialising
 * S*A*S entries:
 *   gridworld W x H, 4 actions, slip p (the intended move with probability
 *   1 - p, each of the 4 moves with p/4; moves into a wall stay);
 *   random MDP, S states, A actions, K distinct successors per (s,a) with
 *   exponential(1) weights normalised.
 * Prints the EPIC distance (epic + Pearson under the uniform coverage) and the
 * STARC distance with minimal-potential (unweighted, closed form), l2 norm and
 * l2 metric, and the time of each stage.  STARC-VAL needs V^pi from the
 * sparse policy engine (not on this branch): see docs/sparse.md.
 * Usage: bench-sparse-distance grid W H P | random S A K SEED
 * With DIR after the arguments, the MDP (DIR/mdp.npz, CSR) and the two
 * rewards (DIR/r1.npy, DIR/r2.npy) are written instead, for timing
 * `starc distance` end to end (tests/bench/bench-sparse-distance.sh). */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <starc/io.h>
#include <starc/npy.h>

#include "canon-sparse-internal.h"
#include "structured-internal.h"

static uint64_t rng_state;
static uint64_t splitmix(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(void) { return ((double)(splitmix() >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(void) { return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif()); }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "bench-sparse-distance: %s\n", what);
    exit(1);
}

static void grid(size_t W, size_t H, double slip, starci_csr *p)
{
    const size_t S = W * H, A = 4;
    size_t *ip = malloc((S * A + 1) * sizeof *ip), *ix = malloc(S * A * 5 * sizeof *ix);
    double *dt = malloc(S * A * 5 * sizeof *dt);
    if (!ip || !ix || !dt)
        die("out of memory");
    static const int dx[4] = {0, 0, -1, 1}, dy[4] = {-1, 1, 0, 0};
    size_t nnz = 0;
    ip[0] = 0;
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++)
            for (size_t a = 0; a < A; a++) {
                size_t succ[5];
                double pr[5];
                size_t n = 0;
                for (int m = 0; m < 4; m++) {
                    long nx = (long)x + dx[m], ny = (long)y + dy[m];
                    size_t t = (nx < 0 || ny < 0 || nx >= (long)W || ny >= (long)H) ? y * W + x : (size_t)ny * W + (size_t)nx;
                    double q = slip / 4.0 + ((size_t)m == a ? 1.0 - slip : 0.0);
                    size_t i = 0;
                    while (i < n && succ[i] != t)
                        i++;
                    if (i == n) {
                        succ[n] = t;
                        pr[n++] = 0.0;
                    }
                    pr[i] += q;
                }
                /* sort the (<= 4) successors */
                for (size_t i = 1; i < n; i++)
                    for (size_t j = i; j > 0 && succ[j - 1] > succ[j]; j--) {
                        size_t ts = succ[j]; succ[j] = succ[j - 1]; succ[j - 1] = ts;
                        double tp = pr[j]; pr[j] = pr[j - 1]; pr[j - 1] = tp;
                    }
                for (size_t i = 0; i < n; i++) {
                    ix[nnz] = succ[i];
                    dt[nnz++] = pr[i];
                }
                ip[(y * W + x) * A + a + 1] = nnz;
            }
    *p = (starci_csr){S, A, ip, ix, dt};
}

static void random_mdp(size_t S, size_t A, size_t K, starci_csr *p)
{
    size_t *ip = malloc((S * A + 1) * sizeof *ip), *ix = malloc(S * A * K * sizeof *ix);
    double *dt = malloc(S * A * K * sizeof *dt);
    if (!ip || !ix || !dt)
        die("out of memory");
    ip[0] = 0;
    for (size_t r = 0; r < S * A; r++) {
        size_t *row = ix + r * K;
        for (size_t k = 0; k < K; k++) {
            size_t t;
            int dup;
            do { /* distinct successors */
                t = (size_t)(splitmix() % S);
                dup = 0;
                for (size_t i = 0; i < k; i++)
                    dup |= row[i] == t;
            } while (dup);
            row[k] = t;
        }
        qsort(row, K, sizeof *row, cmp_size);
        double sum = 0.0;
        for (size_t k = 0; k < K; k++)
            sum += (dt[r * K + k] = -log(unif()));
        for (size_t k = 0; k < K; k++)
            dt[r * K + k] /= sum;
        ip[r + 1] = (r + 1) * K;
    }
    *p = (starci_csr){S, A, ip, ix, dt};
}

int main(int argc, char **argv)
{
    starci_csr p;
    double gamma = 0.9;
    double t0 = now();
    const char *dir = NULL;
    if ((argc == 6 && strcmp(argv[1], "grid") == 0) || (argc == 7 && strcmp(argv[1], "random") == 0))
        dir = argv[--argc];
    if (argc == 5 && strcmp(argv[1], "grid") == 0) {
        grid(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), atof(argv[4]), &p);
    } else if (argc == 6 && strcmp(argv[1], "random") == 0) {
        rng_state = strtoull(argv[5], NULL, 10);
        random_mdp(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), &p);
    } else {
        fprintf(stderr, "usage: bench-sparse-distance grid W H P | random S A K SEED\n");
        return 2;
    }
    const size_t nnz = starci_csr_nnz(&p);
    double *R1 = malloc(nnz * sizeof *R1), *R2 = malloc(nnz * sizeof *R2);
    if (!R1 || !R2)
        die("out of memory");
    for (size_t k = 0; k < nnz; k++) {
        R1[k] = gauss();
        R2[k] = R1[k] + 0.5 * gauss();
    }
    double t1 = now();
    printf("S %zu A %zu nnz %zu build_s %.3f\n", p.S, p.A, nnz, t1 - t0);
    starc_error err;
    if (dir) {
        char path[4096];
        double *mu0 = malloc(p.S * sizeof *mu0);
        if (!mu0)
            die("out of memory");
        for (size_t s = 0; s < p.S; s++)
            mu0[s] = 1.0 / (double)p.S;
        starc_mdp *m;
        if (starc_mdp_alloc_csr_adopt(p.S, p.A, nnz, (size_t *)p.indptr, (size_t *)p.indices, (double *)p.data, mu0,
                                      gamma, NULL, &m, &err))
            die(err.message);
        snprintf(path, sizeof path, "%s/mdp.npz", dir);
        if (starc_io_mdp_save(path, m, &err))
            die(err.message);
        const size_t shape[1] = {nnz};
        snprintf(path, sizeof path, "%s/r1.npy", dir);
        if (starc_npy_write(path, 1, shape, R1, &err))
            die(err.message);
        snprintf(path, sizeof path, "%s/r2.npy", dir);
        if (starc_npy_write(path, 1, shape, R2, &err))
            die(err.message);
        starc_mdp_free(m);
        free(R1);
        free(R2);
        return 0;
    }
    starci_struct_ws ws;
    if (starci_struct_ws_alloc(&p, &ws, &err))
        die(err.message);
    const starci_struct x1 = {.E = R1}, x2 = {.E = R2};
    /* STARC_BENCH_ALL=1 adds the kinds that factorise with CHOLMOD: weighted minimal-potential, minimal */
    const starc_canon_kind kinds[4] = {STARC_CANON_EPIC, STARC_CANON_MINIMAL_POTENTIAL, STARC_CANON_MINIMAL_POTENTIAL,
                                       STARC_CANON_MINIMAL};
    const char *all = getenv("STARC_BENCH_ALL");
    const int nk = all && strcmp(all, "1") == 0 ? 4 : 2;
    for (int i = 0; i < nk; i++) {
        double ta = now();
        starci_canon_sparse *c;
        starci_struct c1, c2;
        starc_canon_options o;
        starc_canon_options_default(&o);
        o.weighted = i == 2;
        if (starci_canon_sparse_alloc(&p, gamma, kinds[i], &o, &c, &err) ||
            starci_canon_sparse_form(c, 0, &x1, NULL, &c1, &err) || starci_canon_sparse_form(c, 1, &x2, NULL, &c2, &err))
            die(err.message);
        double tb = now(), d;
        if (kinds[i] == STARC_CANON_EPIC) {
            d = starci_struct_pearson(&p, &c1, &c2, &ws);
        } else { /* STARC: s(R) = c(R)/|c(R)|_2, d = |s(R1) - s(R2)|_2 */
            double n1, n2;
            if (starci_struct_norm(&p, STARC_NORM_L2, &c1, &ws, &n1, &err) ||
                starci_struct_norm(&p, STARC_NORM_L2, &c2, &ws, &n2, &err))
                die(err.message);
            /* the metric of the standardised forms: scale E, B, G in place (the plan's buffers) */
            starci_struct s[2] = {c1, c2};
            const double inv[2] = {1.0 / n1, 1.0 / n2};
            for (int j = 0; j < 2; j++) {
                double *B = (double *)s[j].B, *G = (double *)s[j].G, *E = (double *)s[j].E;
                for (size_t r = 0; B && r < p.S * p.A; r++)
                    B[r] *= inv[j];
                for (size_t r = 0; G && r < p.S; r++)
                    G[r] *= inv[j];
                for (size_t r = 0; E && r < nnz; r++)
                    E[r] *= inv[j];
            }
            if (starci_struct_metric(&p, STARC_METRIC_L2, &s[0], &s[1], &ws, &d, &err))
                die(err.message);
        }
        double tc = now();
        static const char *const names[4] = {"epic-pearson", "minimal-potential-l2-l2",
                                             "weighted-minimal-potential-l2-l2", "minimal-l2-l2"};
        printf("%s distance %.17g canon_s %.3f metric_s %.3f total_s %.3f\n", names[i], d, tb - ta, tc - tb, tc - ta);
        starci_canon_sparse_free(c);
    }
    starci_struct_ws_free(&ws);
    free(R1);
    free(R2);
    free((void *)p.indptr);
    free((void *)p.indices);
    free((void *)p.data);
    return 0;
}
