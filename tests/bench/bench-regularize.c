/* Benchmark of the regularised solvers on S=256, A=8 (never part of make check).
 * Times cold solves of ad-kl, om-chi2, om-sqrt-chi2 and om-kl at several
 * coefficients and a warm-started 24-point pressure sweep, and measures the
 * machine limits that bound one iteration in the same run: a 256x256 LU
 * (dgesv, one soft policy-iteration step) and the Newton Hessian product
 * (dsyrk of a 2048x256 matrix), plus dgemm GFLOP/s.  Writes the instance and
 * the C results to bench-regularize.tmp/ for the numpy baseline
 * (bench-regularize.sh). */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <starc/starc.h>
#include "../../libstarc/lapack.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void dump(const char *dir, const char *name, const double *x, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.f64", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(x, sizeof(double), n, f) != n) {
        fprintf(stderr, "bench-regularize: cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

int main(void)
{
    const size_t S = 256, A = 8;
    const char *dir = "bench-regularize.tmp";
    mkdir(dir, 0755);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    double *T = calloc(S * A * S, sizeof(double)), mu0[256], *Rp = malloc(S * A * sizeof(double));
    double *Rt = malloc(S * A * sizeof(double)), *pb = malloc(S * A * sizeof(double));
    /* Sparse Dirichlet rows (about 10 successors) keep the problem from mixing in one step. */
    for (size_t sa = 0; sa < S * A; sa++) {
        double sum = 0;
        for (int k = 0; k < 10; k++) {
            size_t u = gsl_rng_uniform_int(r, S);
            double x = gsl_ran_gamma(r, 1.0, 1.0);
            T[sa * S + u] += x;
            sum += x;
        }
        for (size_t u = 0; u < S; u++)
            T[sa * S + u] /= sum;
        Rp[sa] = gsl_ran_gaussian(r, 1.0);
        Rt[sa] = 0.7 * Rp[sa] + 0.7 * gsl_ran_gaussian(r, 1.0);
    }
    for (size_t s = 0; s < S; s++) {
        mu0[s] = 1.0 / (double)S;
        double sum = 0;
        for (size_t a = 0; a < A; a++)
            sum += (pb[s * A + a] = gsl_ran_gamma(r, 1.0, 1.0));
        for (size_t a = 0; a < A; a++)
            pb[s * A + a] /= sum;
    }
    dump(dir, "T", T, S * A * S);
    dump(dir, "Rp", Rp, S * A);
    dump(dir, "pb", pb, S * A);
    FILE *out = fopen("bench-regularize.tmp/c-results.txt", "w");
    if (!out)
        return 1;

    /* machine limits */
    size_t n = 512;
    double *X = malloc(n * n * sizeof(double)), *Y = malloc(n * n * sizeof(double)), *Z = malloc(n * n * sizeof(double));
    for (size_t i = 0; i < n * n; i++)
        X[i] = Y[i] = 1.0 / (double)(1 + i % 17);
    double t0 = now();
    int reps = 10;
    for (int k = 0; k < reps; k++)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, X, (int)n, Y, (int)n, 0.0, Z, (int)n);
    double gflops = reps * 2.0 * n * n * n / (now() - t0) / 1e9;
    lapack_int ipiv[256];
    double *M = malloc(S * S * sizeof(double)), b[256];
    t0 = now();
    reps = 50;
    for (int k = 0; k < reps; k++) {
        for (size_t i = 0; i < S * S; i++)
            M[i] = (i % (S + 1) == 0 ? 2.0 : 0.0) - 0.95 * T[i] / 8.0;
        for (size_t i = 0; i < S; i++)
            b[i] = 1.0;
        LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)S, 1, M, (lapack_int)S, ipiv, b, 1);
    }
    double t_lu = (now() - t0) / reps;
    double *G = malloc(S * A * S * sizeof(double));
    memcpy(G, T, S * A * S * sizeof(double));
    t0 = now();
    reps = 20;
    for (int k = 0; k < reps; k++)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)S, (int)(S * A), 1.0, G, (int)S, 0.0, M, (int)S);
    double t_syrk = (now() - t0) / reps;
    printf("machine: dgemm %.1f GFLOP/s; one 256x256 dgesv %.3f ms; one dsyrk 2048x256 %.3f ms\n", gflops,
           1e3 * t_lu, 1e3 * t_syrk);

    starc_mdp *m;
    starc_error err;
    for (int gi = 0; gi < 2; gi++) {
        double gamma = gi ? 0.99 : 0.95;
        if (starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        starc_regularize_options o;
        starc_regularize_options_default(&o);
        o.warm_start = 0;
        starc_regularize *rg;
        if (starc_regularize_alloc_rbar(m, Rt, Rp, pb, &o, &rg, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        printf("S=%zu A=%zu gamma=%.2f, tol %g, cold starts:\n", S, A, gamma, o.tol);
        printf("  %-13s %8s %6s %10s %10s %12s\n", "method", "coef", "iters", "time_ms", "ms/iter", "residual");
        double coefs[] = {1.0, 0.1, 0.01};
        for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++)
            for (int k = 0; k < 3; k++) {
                starc_regularize_result res;
                t0 = now();
                int st = starc_regularize_solve(rg, (starc_regularize_method)meth, coefs[k], NULL, &res, &err);
                double dt = now() - t0;
                printf("  %-13s %8g %6zu %10.2f %10.2f %12.2e%s\n",
                       starc_regularize_method_name((starc_regularize_method)meth),
                       coefs[k], res.iterations, 1e3 * dt, res.iterations ? 1e3 * dt / (double)res.iterations : 0.0,
                       res.residual, st ? "  NOT CONVERGED" : "");
                if (meth == STARC_REGULARIZE_AD_KL || meth == STARC_REGULARIZE_OM_CHI2)
                    fprintf(out, "%s %.2f %g %.9f %.17g\n",
                            starc_regularize_method_name((starc_regularize_method)meth), gamma,
                            coefs[k], dt, res.objective);
            }
        /* a warm-started pressure sweep, as the overoptimisation module runs it */
        o.warm_start = 1;
        starc_regularize_set_options(rg, &o, NULL);
        for (int meth = 0; meth < 2; meth++) {
            size_t its = 0;
            t0 = now();
            for (int k = 0; k < 24; k++) {
                starc_regularize_result res;
                starc_regularize_solve(rg, (starc_regularize_method)meth, 10.0 * pow(0.65, k), NULL, &res, NULL);
                its += res.iterations;
            }
            printf("  warm sweep of 24 coefficients (10 .. 0.0005), %s: %.1f ms total, %zu iterations\n",
                   starc_regularize_method_name((starc_regularize_method)meth), 1e3 * (now() - t0), its);
        }
        starc_regularize_free(rg);
        starc_mdp_free(m);
    }
    fclose(out);
    free(T); free(Rp); free(Rt); free(pb); free(X); free(Y); free(Z); free(M); free(G);
    gsl_rng_free(r);
    return 0;
}
