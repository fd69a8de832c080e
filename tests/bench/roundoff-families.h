/* Exactly trivial rewards for the round-off measurements of tests/bench
 * (trivial-roundoff.c, return-roundoff.c): the families each canonicalisation removes and the dynamics they are drawn on
 * (docs/theory.md §2, §3.1). */
#ifndef STARC_BENCH_ROUNDOFF_FAMILIES_H
#define STARC_BENCH_ROUNDOFF_FAMILIES_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <starc/starc.h>
#include "../gsl-view.h"

enum { F_SHAPING, F_CONSTANT, F_REDIST, F_SUM, F_SUMALL, F_OFF, F_OFFSH, NFAM };
static const char *const fam_names[NFAM] = {"shaping", "constant", "redistribution", "shaping+constant",
                                            "shaping+constant+redistribution", "off-support",
                                            "off-support+shaping"};
enum { TK_DENSE, TK_SOFTMAX, TK_SPARSE, NTK };
static const char *const tk_names[NTK] = {"dense", "softmax", "sparse"};
static inline double maxabs(size_t n, const double *x)
{
    double m = 0.0;
    for (size_t k = 0; k < n; k++)
        m = fabs(x[k]) > m ? fabs(x[k]) : m;
    return m;
}

static inline double mag(gsl_rng *r)
{
    return pow(10.0, -2.0 + 4.0 * gsl_rng_uniform(r)) * (gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0);
}

static inline void transitions(gsl_rng *r, int tk, size_t S, size_t A, double *T)
{
    if (tk == TK_SOFTMAX) {
        if (starc_generate_transitions(gsl_view_source(r), S, A, NULL, T, NULL))
            abort();
        return;
    }
    for (size_t row = 0; row < S * A; row++) {
        double *t = T + row * S, sum = 0.0;
        if (tk == TK_DENSE) {
            for (size_t j = 0; j < S; j++)
                sum += (t[j] = -log(1.0 - gsl_rng_uniform(r)));
        } else {
            memset(t, 0, S * sizeof(double));
            size_t k = 1 + gsl_rng_uniform_int(r, 3);
            for (size_t i = 0; i < k; i++)
                t[gsl_rng_uniform_int(r, S)] += gsl_rng_uniform_pos(r);
            for (size_t j = 0; j < S; j++)
                sum += t[j];
        }
        for (size_t j = 0; j < S; j++)
            t[j] /= sum;
    }
}

/* R += an exactly trivial reward of family f (f != F_SUM) with magnitude scale;
 * phi: 2 S doubles of scratch. */
static inline void add_family(gsl_rng *r, int f, const double *T, size_t S, size_t A, double gamma, double scale,
                       double *phi, double *R)
{
    const size_t n = S * A * S;
    if (f == F_SHAPING) {
        double m0 = gsl_rng_uniform(r) < 0.5 ? 0.0 : mag(r);
        for (size_t s = 0; s < S; s++)
            phi[s] = scale * (m0 + gsl_ran_gaussian(r, 1.0));
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                for (size_t j = 0; j < S; j++)
                    R[(s * A + a) * S + j] += gamma * phi[j] - phi[s];
    } else if (f == F_CONSTANT) {
        for (size_t k = 0; k < n; k++)
            R[k] += scale;
    } else if (f == F_REDIST) {
        int sparse = gsl_rng_uniform(r) < 0.5;
        double thr = starc_generate_sparsity_threshold(S);
        double *x = phi + S; /* S doubles of scratch after phi */
        for (size_t sa = 0; sa < S * A; sa++) {
            double e = 0.0;
            for (size_t j = 0; j < S; j++) {
                double v = gsl_ran_gaussian(r, 1.0);
                x[j] = sparse && v <= thr ? 0.0 : scale * v;
                e += T[sa * S + j] * x[j];
            }
            for (size_t j = 0; j < S; j++)
                R[sa * S + j] += x[j] - e;
        }
    } else if (f == F_OFF) {
        for (size_t k = 0; k < n; k++)
            if (T[k] == 0.0)
                R[k] += scale * gsl_ran_gaussian(r, 1.0);
    }
}

static inline void make_reward(gsl_rng *r, int f, const double *T, size_t S, size_t A, double gamma, double *phi, double *R)
{
    const size_t n = S * A * S;
    memset(R, 0, n * sizeof(double));
    if (f == F_SUM || f == F_SUMALL) {
        for (int g = F_SHAPING; g <= (f == F_SUM ? F_CONSTANT : F_REDIST); g++)
            add_family(r, g, T, S, A, gamma, mag(r), phi, R);
    } else if (f == F_OFFSH) {
        add_family(r, F_OFF, T, S, A, gamma, mag(r), phi, R);
        add_family(r, F_SHAPING, T, S, A, gamma, mag(r), phi, R);
    } else {
        add_family(r, f, T, S, A, gamma, mag(r), phi, R);
    }
    double s = ldexp(1.0, (int)gsl_rng_uniform_int(r, 201) - 100);
    for (size_t k = 0; k < n; k++)
        R[k] *= s;
}

#endif
