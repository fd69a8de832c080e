/* The STARC random-MDP study (starc/study.h): generation, exact symmetric regrets,
 * every distance variant, correlations; multi-threaded with results independent of
 * the thread count.
 *
 * Determinism: MDP j's numbers depend only on (seed, j) -- its own generator, its
 * own buffers, the same sequence of floating-point operations whichever thread runs
 * it -- and every reduction over MDPs (the correlations) runs in index order on
 * the stored per-point values.
 *
 * Shared code: returns, ranges and evaluations go through the policy module
 * (starc_policy_values_return, starc_policy_range_rbar, starc_policy_return_rbar,
 * the evaluator); correlations through the stats module.  Three things stay here:
 *  - the fused metrics6() pass: norm.c's passes sum each state's block of S*A
 *    entries and then the S block sums (threaded per state), the study sums four
 *    interleaved lanes over the flat tensor and computes the six norms at once;
 *    the two orders round differently in the last bit, and the study's published
 *    numbers (and the golden outputs) were computed with this one;
 *  - pearson_distances(): the metric module's Pearson runs a weighted
 *    (coverage) streaming pass over the same blocks; the study uses the uniform
 *    coverage in standardised form, in flat order, for the same reason;
 *  - starci_regret_normalize() (regret-internal.h): starc_regret_rbar()'s rule,
 *    applied to returns the study already has (the range and optimal actions
 *    of R1 are reused over the T interpolation steps; starc_regret_rbar()
 *    would redo three policy iterations per call). */
#include <config.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define STUDY_X2 1 /* metrics6x2() */
#endif

#include "error-internal.h"
#include "distance-internal.h"
#include "generate-internal.h"
#include "kernels-internal.h"
#include "policy-internal.h"
#include "stats-internal.h"
#include "regret-internal.h"
#include "starc/canon.h"
#include "starc/distance.h"
#include "starc/generate.h"
#include "starc/regret.h"
#include "starc/study.h"

/* --------------------------------------------------------------- features
 * For one reward: its canonical form under each canonicalisation, each of
 * their norms, and the scale 1/n(c(R)) (0 for a trivial reward).  For a pair:
 * the metrics of s(R1) - s(R_i) for every (canon, norm), and the Pearson
 * distances. */

#define STARCI_NCANON 7
#define STARCI_NNORM 8
#define STARCI_NMETRIC 6
#define STARCI_NVARIANTS (STARCI_NCANON * STARCI_NNORM * STARCI_NMETRIC + 2)

enum { C_NONE, C_EPIC, C_DARD, C_VAL, C_VALPOT, C_MINPOT, C_MIN };
enum { N_L1, N_L2, N_LINF, N_WL1, N_WL2, N_WLINF, N_NONE, N_RANGE };

typedef struct reward_feat {
    double *C;                                 /* NCANON * n canonical forms */
    double scale[STARCI_NCANON][STARCI_NNORM]; /* 1/n(c(R)), or 0 when trivial (distance.h's rule) */
    double mean[STARCI_NCANON], css[STARCI_NCANON]; /* for the Pearson distances */
    double xmax[STARCI_NCANON];                /* max |c(R)| */
    double rmax;                               /* max |R| */
} reward_feat;

typedef struct features {
    size_t S, A, n;
    double trivial_tol;               /* the option: >= 0, or STARC_DISTANCE_TRIVIAL_TOL_DERIVED */
    double tol[STARCI_NCANON];        /* per MDP: the resolved tolerance of each canonicalisation */
    starc_policy_options pi;
    const starc_mdp *m;
    starc_canon *plan[STARCI_NCANON]; /* per MDP */
    double bound[STARCI_NNORM];       /* n_1: each normaliser's largest value on entries bounded by 1 */
    reward_feat f1, fi;
    starc_policy_workspace *ws[2]; /* the optimal and the worst policy's: each keeps its last factor */
    double *Rbar, *neg, *V;
    size_t *dact[2]; /* optimal and worst actions of the last DARD form's range: the next step's start */
} features;

static void features_unplan(features *f)
{
    for (size_t c = 0; c < STARCI_NCANON; c++) {
        starc_canon_free(f->plan[c]);
        f->plan[c] = NULL;
    }
    f->m = NULL;
}

static void features_free(features *f)
{
    if (!f)
        return;
    features_unplan(f);
    free(f->f1.C);
    free(f->fi.C);
    starc_policy_workspace_free(f->ws[0]);
    starc_policy_workspace_free(f->ws[1]);
    free(f->Rbar);
    free(f->neg);
    free(f->V);
    free(f->dact[0]);
    free(f->dact[1]);
    free(f);
}

static features *features_alloc(size_t S, size_t A, double trivial_tol, const starc_policy_options *pi)
{
    features *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->S = S;
    f->A = A;
    f->n = S * A * S;
    f->trivial_tol = trivial_tol;
    f->pi = *pi;
    f->f1.C = starci_dalloc(STARCI_NCANON * f->n);
    f->fi.C = starci_dalloc(STARCI_NCANON * f->n);
    (void)starc_policy_workspace_alloc(S, A, &f->ws[0], NULL); /* NULL on failure: checked below */
    (void)starc_policy_workspace_alloc(S, A, &f->ws[1], NULL);
    f->Rbar = starci_dalloc(S * A);
    f->neg = starci_dalloc(S * A);
    f->V = starci_dalloc(S);
    f->dact[0] = calloc(S, sizeof(size_t));
    f->dact[1] = calloc(S, sizeof(size_t));
    if (!f->f1.C || !f->fi.C || !f->ws[0] || !f->ws[1] || !f->Rbar || !f->neg || !f->V || !f->dact[0] || !f->dact[1]) {
        features_free(f);
        return NULL;
    }
    return f;
}

/* Per-MDP set-up: one canonicalisation plan per kind (default distributions and
 * uniform policy, as `starc distance` uses), the trivial tolerances and the
 * normaliser bounds. */
static int features_plan(features *f, const starc_mdp *m, starc_error *err)
{
    features_unplan(f);
    f->m = m;
    for (size_t c = 0; c < STARCI_NCANON; c++) {
        int st = starc_canon_alloc(m, (starc_canon_kind)c, NULL, &f->plan[c], err);
        if (st)
            return st;
        f->tol[c] = starc_distance_trivial_tol(f->trivial_tol, (starc_canon_kind)c, starc_mdp_gamma(m), f->S);
    }
    const double *T = starc_mdp_transitions(m);
    double tsum = 0.0, tmax = 0.0;
    for (size_t k = 0; k < f->n; k++) {
        tsum += T[k];
        tmax = T[k] > tmax ? T[k] : tmax;
    }
    /* the largest value each normaliser takes on a tensor with max|x| = 1 (distance.h) */
    f->bound[N_L1] = (double)f->n;
    f->bound[N_L2] = sqrt((double)f->n);
    f->bound[N_LINF] = 1.0;
    f->bound[N_WL1] = tsum;
    f->bound[N_WL2] = sqrt(tsum);
    f->bound[N_WLINF] = tmax;
    f->bound[N_NONE] = 0.0;
    f->bound[N_RANGE] = 2.0 / (1.0 - starc_mdp_gamma(m));
    return STARC_OK;
}

/* Canonicalise R into out. */
static int canon_apply(features *f, size_t c, const double *R, double *out, starc_error *err)
{
    return starc_canon_apply(f->plan[c], R, out, err);
}

/* The hot loops: fused norms / metrics over S*A*S entries, run 56 times per data
 * point.  Four independent partial sums per quantity (a fixed split, so the
 * result does not depend on how the compiler vectorises it); on x86-64 an AVX2
 * clone is chosen at load time where the CPU has it.  No FMA is enabled, so both
 * clones round identically. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define STUDY_SIMD __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef STUDY_SIMD
#define STUDY_SIMD
#endif
#define LANES 4

/* metrics6()'s last step: the four lanes combined in order. */
static void metrics6_finish(const double *l1, const double *l2, const double *li, const double *w1,
                            const double *w2, const double *wi, double *out)
{
    double s1 = 0, s2 = 0, m = 0, t1 = 0, t2 = 0, tm = 0;
    for (size_t j = 0; j < LANES; j++) {
        s1 += l1[j], s2 += l2[j], m = li[j] > m ? li[j] : m;
        t1 += w1[j], t2 += w2[j], tm = wi[j] > tm ? wi[j] : tm;
    }
    out[0] = s1, out[1] = sqrt(s2), out[2] = m, out[3] = t1, out[4] = sqrt(t2), out[5] = tm;
}

/* The six metrics l1, l2, linf, wl1, wl2, wlinf (docs/theory.md §3) of a x - b y
 * (T the transition weights) in one pass; with y = NULL, of a x.  The two
 * loops are kept apart on purpose: folding y = NULL into b = 0 would add a
 * multiply and a load per entry to the norms' pass, and turn an infinite x
 * into NaN (inf - 0 * y). */
STUDY_SIMD
static void metrics6(size_t n, const double *T, const double *x, double a, const double *y, double b, double *out)
{
    double l1[LANES] = {0}, l2[LANES] = {0}, li[LANES] = {0}, w1[LANES] = {0}, w2[LANES] = {0}, wi[LANES] = {0};
    size_t k = 0, nl = n - n % LANES;
    if (y) {
        for (; k < nl; k += LANES)
            for (size_t j = 0; j < LANES; j++) {
                double d = fabs(a * x[k + j] - b * y[k + j]), td = T[k + j] * d;
                l1[j] += d;
                l2[j] += d * d;
                li[j] = d > li[j] ? d : li[j];
                w1[j] += td;
                w2[j] += td * d;
                wi[j] = td > wi[j] ? td : wi[j];
            }
        for (; k < n; k++) {
            double d = fabs(a * x[k] - b * y[k]), td = T[k] * d;
            l1[0] += d, l2[0] += d * d, li[0] = d > li[0] ? d : li[0];
            w1[0] += td, w2[0] += td * d, wi[0] = td > wi[0] ? td : wi[0];
        }
    } else {
        for (; k < nl; k += LANES)
            for (size_t j = 0; j < LANES; j++) {
                double d = fabs(a * x[k + j]), td = T[k + j] * d;
                l1[j] += d;
                l2[j] += d * d;
                li[j] = d > li[j] ? d : li[j];
                w1[j] += td;
                w2[j] += td * d;
                wi[j] = td > wi[j] ? td : wi[j];
            }
        for (; k < n; k++) {
            double d = fabs(a * x[k]), td = T[k] * d;
            l1[0] += d, l2[0] += d * d, li[0] = d > li[0] ? d : li[0];
            w1[0] += td, w2[0] += td * d, wi[0] = td > wi[0] ? td : wi[0];
        }
    }
    metrics6_finish(l1, l2, li, w1, w2, wi, out);
}

#ifdef STUDY_X2
/* The end of a two-call pass (metrics6x2(), norms6x2()): lanes 0-3 of the six
 * sums v are call 0's, lanes 4-7 call 1's; each call h finishes its entries
 * k..n-1 in lane 0 as metrics6() does (of a x - b y, or a x when y is NULL)
 * and combines its lanes into os[h]. */
__attribute__((target("avx512f"), optimize("fp-contract=off")))
static void metrics6x2_finish(size_t n, size_t k, const double *T, const double *const xs[2], const double as[2],
                              const double *const ys[2], const double bs[2], const __m512d v[6], double *const os[2])
{
    double L[6][8];
    for (int q = 0; q < 6; q++)
        _mm512_storeu_pd(L[q], v[q]);
    for (int h = 0; h < 2; h++) {
        const double a = as[h], b = bs[h], *x = xs[h], *y = ys[h];
        double *p1 = L[0] + 4 * h, *p2 = L[1] + 4 * h, *pi = L[2] + 4 * h, *q1 = L[3] + 4 * h, *q2 = L[4] + 4 * h,
               *qi = L[5] + 4 * h;
        for (size_t r = k; r < n; r++) {
            double d = y ? fabs(a * x[r] - b * y[r]) : fabs(a * x[r]), td = T[r] * d;
            p1[0] += d, p2[0] += d * d, pi[0] = d > pi[0] ? d : pi[0];
            q1[0] += td, q2[0] += td * d, qi[0] = td > qi[0] ? td : qi[0];
        }
        metrics6_finish(p1, p2, pi, q1, q2, qi, os[h]);
    }
}

/* One step of metrics6x2() and norms6x2() on the lanes' |differences| d and
 * weights tv: the six running sums and maxima v (l1, l2, linf, wl1, wl2,
 * wlinf) in metrics6()'s order of operations. */
__attribute__((target("avx512f"), optimize("fp-contract=off"), always_inline))
static inline void acc6x2(__m512d v[6], __m512d tv, __m512d d)
{
    const __m512d td = _mm512_mul_pd(tv, d);
    v[0] = _mm512_add_pd(v[0], d);
    v[1] = _mm512_add_pd(v[1], _mm512_mul_pd(d, d));
    v[2] = _mm512_max_pd(d, v[2]);
    v[3] = _mm512_add_pd(v[3], td);
    v[4] = _mm512_add_pd(v[4], _mm512_mul_pd(td, d));
    v[5] = _mm512_max_pd(td, v[5]);
}

/* metrics6() of a0 x - b0 y into o0 and of a1 x - b1 y into o1 in one pass
 * on AVX-512F: lanes 0-3 are the first call's four partial sums, lanes 4-7
 * the second's, each lane doing metrics6()'s operations in its order (no
 * FMA: contraction is off; max(d, m) is d > m ? d : m), so the results
 * have metrics6()'s bits.  Two normalisations of one canonical form share
 * the reads of x, y and T and fill the 512-bit units (a third of the study
 * was metrics6()). */
__attribute__((target("avx512f"), optimize("fp-contract=off")))
static void metrics6x2(size_t n, const double *T, const double *x, const double *y, double a0, double b0, double a1,
                       double b1, double *o0, double *o1)
{
    const __m512d va = _mm512_set_pd(a1, a1, a1, a1, a0, a0, a0, a0);
    const __m512d vb = _mm512_set_pd(b1, b1, b1, b1, b0, b0, b0, b0);
    const __m512i mask = _mm512_set1_epi64(0x7fffffffffffffffLL);
    __m512d v[6] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    size_t k = 0, nl = n - n % LANES;
    for (; k < nl; k += LANES) {
        __m512d xv = _mm512_broadcast_f64x4(_mm256_loadu_pd(x + k));
        __m512d yv = _mm512_broadcast_f64x4(_mm256_loadu_pd(y + k));
        __m512d tv = _mm512_broadcast_f64x4(_mm256_loadu_pd(T + k));
        __m512d e = _mm512_sub_pd(_mm512_mul_pd(va, xv), _mm512_mul_pd(vb, yv));
        __m512d d = _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(e), mask));
        acc6x2(v, tv, d);
    }
    const double *xs[2] = {x, x}, *ys[2] = {y, y}, as[2] = {a0, a1}, bs[2] = {b0, b1};
    double *os[2] = {o0, o1};
    metrics6x2_finish(n, k, T, xs, as, ys, bs, v, os);
}

/* norms6() of x0 into o0 and of x1 into o1 in one pass on AVX-512F, lanes
 * 0-3 for x0 and 4-7 for x1 (metrics6x2()'s scheme; the product by a = 1 of
 * metrics6() is left out: 1 * x is x). */
__attribute__((target("avx512f"), optimize("fp-contract=off")))
static void norms6x2(size_t n, const double *T, const double *x0, const double *x1, double *o0, double *o1)
{
    const __m512i mask = _mm512_set1_epi64(0x7fffffffffffffffLL);
    __m512d v[6] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    size_t k = 0, nl = n - n % LANES;
    for (; k < nl; k += LANES) {
        __m512d xv = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(x0 + k)), _mm256_loadu_pd(x1 + k), 1);
        __m512d tv = _mm512_broadcast_f64x4(_mm256_loadu_pd(T + k));
        __m512d d = _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(xv), mask));
        acc6x2(v, tv, d);
    }
    const double *xs[2] = {x0, x1}, *ys[2] = {NULL, NULL}, as[2] = {1.0, 1.0}, bs[2] = {0.0, 0.0};
    double *os[2] = {o0, o1};
    metrics6x2_finish(n, k, T, xs, as, ys, bs, v, os);
}
#endif

static void norms6(size_t n, const double *T, const double *x, double out[6])
{
    metrics6(n, T, x, 1.0, NULL, 0.0, out);
}

/* max |x| over the entries with T > 0 (those the weighted normalisers see). */
static double seen_max(size_t n, const double *T, const double *x)
{
    double m = 0.0;
    for (size_t k = 0; k < n; k++)
        if (T[k] > 0.0 && fabs(x[k]) > m)
            m = fabs(x[k]);
    return m;
}

/* Return range max_pi J - min_pi J of a dense reward: the two policy
 * iterations of starc_policy_range_rbar(), warm-started from f->dact (the
 * previous interpolation step's optimal and worst actions), which receives
 * this reward's; the same bits (starci_policy_optimal_warm). */
static int return_range(features *f, const double *R, double *range, starc_error *err)
{
    const size_t SA = f->S * f->A;
    starc_mdp_reward_expected(f->m, R, f->Rbar);
    int st = starci_policy_optimal_warm(f->m, f->Rbar, &f->pi, f->dact[0], f->V, f->ws[0], err);
    if (st)
        return st;
    const double jopt = 1.0 * starc_policy_values_return(f->m, f->V);
    for (size_t i = 0; i < SA; i++)
        f->neg[i] = -f->Rbar[i];
    if ((st = starci_policy_optimal_warm(f->m, f->neg, &f->pi, f->dact[1], f->V, f->ws[1], err)))
        return st;
    *range = jopt - -1.0 * starc_policy_values_return(f->m, f->V);
    return STARC_OK;
}

/* The norms of the NCANON canonical forms in C (n entries each) into nv
 * (norms6(); two forms per pass where metrics6x2() runs). */
static void forms_norms(const features *f, const double *C, double nv[STARCI_NCANON][STARCI_NNORM])
{
    const size_t n = f->n;
    const double *T = starc_mdp_transitions(f->m);
    size_t c = 0;
#ifdef STUDY_X2
    if (__builtin_cpu_supports("avx512f"))
        for (; c + 1 < STARCI_NCANON; c += 2)
            norms6x2(n, T, C + c * n, C + (c + 1) * n, nv[c], nv[c + 1]);
#endif
    for (; c < STARCI_NCANON; c++)
        norms6(n, T, C + c * n, nv[c]);
}

/* Canonical form c's scales 1/n(c(R)) (0 when trivial: distance.h's rule)
 * from its norms nv; rmax = max |R|. */
static void form_scales(const features *f, reward_feat *rf, size_t c, const double nv[STARCI_NNORM], double rmax)
{
    const size_t n = f->n;
    const double *T = starc_mdp_transitions(f->m), *C = rf->C + c * n;
    /* the canonical form vanishes up to round-off, or a semi-norm does */
    const double xmax = nv[N_LINF];
    starci_rule_args a = {f->tol[c], rmax, xmax, -1, 0.0, 0.0, NAN, NAN};
    const int trivial = starci_distance_rule(&a) & STARCI_TRIVIAL;
    rf->xmax[c] = xmax;
    for (size_t k = 0; k < STARCI_NNORM; k++) {
        int v = trivial;
        if (!trivial && k != N_NONE) {
            a.norm = (int)k;
            a.n = nv[k];
            a.nunit = f->bound[k];
            if ((v = starci_distance_rule(&a)) & STARCI_NEED_SEEN) {
                a.xseen = seen_max(n, T, C); /* the same for the three weighted norms */
                v = starci_distance_rule(&a);
            }
            v &= STARCI_TRIVIAL;
        }
        rf->scale[c][k] = v ? 0.0 : 1.0 / nv[k];
    }
}

/* Mean and centred sum of squares of x and of y (n entries each), each
 * summed in index order; the two sums run side by side (independent
 * additions: the latency of one hides the other's). */
static void mean_css2(size_t n, const double *x, const double *y, double mean[2], double css[2])
{
    double mx = 0.0, my = 0.0, cx = 0.0, cy = 0.0;
    for (size_t k = 0; k < n; k++)
        mx += x[k], my += y[k];
    mx /= (double)n, my /= (double)n;
    for (size_t k = 0; k < n; k++)
        cx += (x[k] - mx) * (x[k] - mx), cy += (y[k] - my) * (y[k] - my);
    mean[0] = mx, mean[1] = my, css[0] = cx, css[1] = cy;
}

/* Canonical forms, norms and scales of R; range_R = max J_R - min J_R (already known). */
static int features_reward(features *f, reward_feat *rf, const double *R, double range_R, starc_error *err)
{
    const size_t n = f->n;
    /* R is finite (drawn and interpolated), where k_maxabs is the maximum in any order */
    const double rmax = k_maxabs(R, n);
    double nv[STARCI_NCANON][STARCI_NNORM], mean[2], css[2];
    rf->rmax = rmax;
    for (size_t c = 0; c < STARCI_NCANON; c++) {
        int st = canon_apply(f, c, R, rf->C + c * n, err);
        if (st)
            return st;
    }
    forms_norms(f, rf->C, nv);
    for (size_t c = 0; c < STARCI_NCANON; c++) {
        nv[c][N_NONE] = 1.0;
        /* potential shaping, S'-redistribution and constant shifts leave the range
         * unchanged, so only DARD (whose K(s,s') term is none of these) needs its own */
        if (c == C_DARD) {
            int st = return_range(f, rf->C + c * n, &nv[c][N_RANGE], err);
            if (st)
                return st;
        } else
            nv[c][N_RANGE] = range_R;
        form_scales(f, rf, c, nv[c], rmax);
    }
    /* for the Pearson distances */
    mean_css2(n, rf->C + C_EPIC * n, rf->C + C_DARD * n, mean, css);
    rf->mean[C_EPIC] = mean[0], rf->css[C_EPIC] = css[0];
    rf->mean[C_DARD] = mean[1], rf->css[C_DARD] = css[1];
    return STARC_OK;
}

static int features_first(features *f, const double *R1, double range, starc_error *err)
{
    memset(f->dact[0], 0, f->S * sizeof(size_t)); /* a new pair: cold starts */
    memset(f->dact[1], 0, f->S * sizeof(size_t));
    return features_reward(f, &f->f1, R1, range, err);
}

/* Pearson distances sqrt((1 - rho)/2) (docs/theory.md §3) of R1 and R_i's
 * canonical forms C_EPIC (out[0]) and C_DARD (out[1]) under the uniform
 * coverage; NaN when undefined (distance.h: a trivial reward, or a standard
 * deviation <= tol * max|R|).  Each sum runs in index order; the two run side
 * by side (independent additions). */
static void pearson_distances(const features *f, double out[2])
{
    static const size_t cs[2] = {C_EPIC, C_DARD};
    const reward_feat *a = &f->f1, *b = &f->fi;
    const size_t n = f->n;
    const double *x[2], *y[2];
    double mx[2], my[2], ix[2], iy[2], acc[2] = {0.0, 0.0};
    int undefined[2];
    for (int h = 0; h < 2; h++) {
        const size_t c = cs[h];
        double sa = sqrt(a->css[c] / (double)n), sb = sqrt(b->css[c] / (double)n);
        starci_rule_args ra = {f->tol[c], a->rmax, a->xmax[c], -1, 0.0, 0.0, NAN, sa};
        starci_rule_args rb = {f->tol[c], b->rmax, b->xmax[c], -1, 0.0, 0.0, NAN, sb};
        undefined[h] = (starci_distance_rule(&ra) & STARCI_CONSTANT) || (starci_distance_rule(&rb) & STARCI_CONSTANT);
        x[h] = a->C + c * n, y[h] = b->C + c * n, mx[h] = a->mean[c], my[h] = b->mean[c];
        ix[h] = 1.0 / sa, iy[h] = 1.0 / sb;
    }
    /* (1 - rho)/2 = (1/4) sum_k (1/n) (x~_k - y~_k)^2 with x~, y~ standardised: no
     * cancellation when rho is close to 1 */
    for (size_t k = 0; k < n; k++) {
        double d0 = (x[0][k] - mx[0]) * ix[0] - (y[0][k] - my[0]) * iy[0];
        double d1 = (x[1][k] - mx[1]) * ix[1] - (y[1][k] - my[1]) * iy[1];
        acc[0] += d0 * d0, acc[1] += d1 * d1;
    }
    for (int h = 0; h < 2; h++) {
        double d2 = 0.25 * acc[h] / (double)n;
        out[h] = undefined[h] ? NAN : sqrt(d2 < 1.0 ? d2 : 1.0);
    }
}

static int features_second(features *f, const double *Ri, double range, double *out, starc_error *err)
{
    int st = features_reward(f, &f->fi, Ri, range, err);
    if (st)
        return st;
    const size_t n = f->n;
    const double *T = starc_mdp_transitions(f->m);
#ifdef STUDY_X2
    const int x2 = __builtin_cpu_supports("avx512f");
#endif
    for (size_t c = 0; c < STARCI_NCANON; c++) {
        const double *x = f->f1.C + c * n, *y = f->fi.C + c * n;
        for (size_t k = 0; k < STARCI_NNORM; k++) {
            double a = f->f1.scale[c][k], b = f->fi.scale[c][k], *o = out + (c * STARCI_NNORM + k) * STARCI_NMETRIC;
#ifdef STUDY_X2
            if (x2 && k + 1 < STARCI_NNORM) {
                metrics6x2(n, T, x, y, a, b, f->f1.scale[c][k + 1], f->fi.scale[c][k + 1], o, o + STARCI_NMETRIC);
                k++;
                continue;
            }
#endif
            metrics6(n, T, x, a, y, b, o);
        }
    }
    size_t base = STARCI_NCANON * STARCI_NNORM * STARCI_NMETRIC;
    pearson_distances(f, out + base);
    return STARC_OK;
}

/* ---------------------------------------------------------------- options */

void starc_study_options_default(starc_study_options *o)
{
    o->mdps = 384;
    o->pairs = 8;
    o->steps = 16;
    o->states = 32;
    o->actions = 4;
    o->gamma = 0.95;
    o->seed = 0;
    o->nthreads = 0;
    o->trivial_tol = STARC_DISTANCE_TRIVIAL_TOL_DERIVED;
    starc_regret_options_default(&o->regret_options);
    o->mdp_begin = 0;
    o->mdp_end = 0;
}

uint64_t starc_study_mdp_seed(uint64_t seed, size_t j)
{
    /* SplitMix64 (Steele, Lea, Flood 2014) of a combination of both; the high
     * 32 bits are the best mixed and mt19937 only uses 32. */
    uint64_t z = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + (uint64_t)j + 1;
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z >> 32;
}

/* --------------------------------------------------------------- variants */

static starc_study_variant variant_table[STARCI_NVARIANTS];
static pthread_once_t variant_once = PTHREAD_ONCE_INIT;

static void variant_init(void)
{
    size_t v = 0;
    for (size_t c = 0; c < STARCI_NCANON; c++)
        for (size_t n = 0; n < STARCI_NNORM; n++)
            for (size_t m = 0; m < STARCI_NMETRIC; m++) {
                /* the C_, N_ and metric indices are the kinds' values */
                variant_table[v].canon = (starc_canon_kind)c;
                variant_table[v].norm = (starc_norm_kind)n;
                variant_table[v].metric = (starc_metric_kind)m;
                v++;
            }
    variant_table[v++] = (starc_study_variant){STARC_CANON_EPIC, STARC_NORM_NONE, STARC_METRIC_PEARSON};
    variant_table[v++] = (starc_study_variant){STARC_CANON_DARD, STARC_NORM_NONE, STARC_METRIC_PEARSON};
}

size_t starc_study_nvariants(void)
{
    return STARCI_NVARIANTS;
}

const starc_study_variant *starc_study_variants(void)
{
    pthread_once(&variant_once, variant_init);
    return variant_table;
}

long starc_study_variant_index(starc_canon_kind canon, starc_norm_kind norm, starc_metric_kind metric)
{
    const starc_study_variant *t = starc_study_variants();
    for (size_t v = 0; v < STARCI_NVARIANTS; v++)
        if (t[v].canon == canon && t[v].norm == norm && t[v].metric == metric)
            return (long)v;
    return -1;
}

/* ------------------------------------------------------------- the study */

struct starc_study {
    size_t npoints, nvar;
    double *regret;   /* npoints */
    double *values;   /* nvar * npoints, variant-major */
    double *pearson, *spearman;
    size_t *nfinite;
};

void starc_study_free(starc_study *s)
{
    if (!s)
        return;
    free(s->regret);
    free(s->values);
    free(s->pearson);
    free(s->spearman);
    free(s->nfinite);
    free(s);
}

size_t starc_study_npoints(const starc_study *s)
{
    return s->npoints;
}

const double *starc_study_regrets(const starc_study *s)
{
    return s->regret;
}

const double *starc_study_values(const starc_study *s, size_t v)
{
    return v < s->nvar ? s->values + v * s->npoints : NULL;
}

double starc_study_pearson(const starc_study *s, size_t v)
{
    return v < s->nvar ? s->pearson[v] : NAN;
}

double starc_study_spearman(const starc_study *s, size_t v)
{
    return v < s->nvar ? s->spearman[v] : NAN;
}

size_t starc_study_nfinite(const starc_study *s, size_t v)
{
    return v < s->nvar ? s->nfinite[v] : 0;
}

/* One MDP's results; a window of these is in flight. */
typedef struct slot {
    int state; /* SLOT_FREE, SLOT_BUSY, SLOT_DONE */
    size_t j;  /* the MDP it holds while BUSY or DONE */
    int status;
    starc_error err;
    starc_mdp *m;
    double *R1, *R2, *regret, *values;
    void *data;
    starc_study_batch b;
} slot;

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

/* Per-thread scratch for the regrets. */
typedef struct worker {
    struct runner *run;
    starc_generate_rng *rng;
    starc_policy_workspace *ws, *wws; /* the optimal and the worst policy's: each keeps its last factor */
    features *feat;
    double *Ri, *Rbar1, *Rbari, *V, *pi;
    size_t *act1, *acti;   /* optimal actions of R1 and of the last R_i */
    size_t *wact1, *wacti; /* worst actions of R1 and of the last R_i */
    pthread_t tid;
} worker;

typedef struct runner {
    const starc_study_options *o;
    const starc_study_callbacks *cb;
    size_t S, A, n, W, nslots_pts;
    slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t done_cv, space_cv;
    size_t begin, end;   /* the slice of MDPs [begin, end) */
    size_t next, emitted; /* the next MDP to start, and to hand on in order */
    int abort;
} runner;

/* MDP j and its P reward pairs, drawn from the MDP's own generator. */
static int draw_mdp(worker *w, size_t j, slot *sl, uint64_t *seed)
{
    const starc_study_options *o = w->run->o;
    const size_t n = w->run->n;
    *seed = starc_study_mdp_seed(o->seed, j);
    starci_generate_rng_seed(w->rng, *seed);
    starc_generate_mdp_options mo;
    starc_generate_mdp_options_default(&mo);
    mo.gamma = o->gamma;
    starc_mdp_free(sl->m);
    sl->m = NULL;
    int st = starc_generate_mdp(w->rng, w->run->S, w->run->A, &mo, &sl->m, &sl->err);
    for (size_t k = 0; !st && k < o->pairs; k++)
        if (!(st = starc_generate_reward(w->rng, sl->m, NULL, sl->R1 + k * n, NULL, &sl->err)))
            st = starc_generate_reward(w->rng, sl->m, NULL, sl->R2 + k * n, NULL, &sl->err);
    return st;
}

/* J(pi-) and J(pi*) of Rbar, in that order (neg: S*A scratch receiving -Rbar):
 * policy iterations started from the worst actions wact and the optimal
 * actions act, which receive Rbar's (warm starts: the same results as from
 * 0, starci_policy_optimal_warm); w->ws keeps the factor of pi* and w->wws
 * that of pi-, which the next step's runs start from (policy.c reuses them). */
static int extremes(worker *w, const starc_mdp *m, const double *Rbar, double *neg, size_t *act, size_t *wact,
                    double *jopt, double *jworst, starc_error *err)
{
    const size_t SA = w->run->S * w->run->A;
    const starc_policy_options *po = &w->run->o->regret_options.policy_options;
    for (size_t i = 0; i < SA; i++)
        neg[i] = -Rbar[i];
    int st = starci_policy_optimal_warm(m, neg, po, wact, w->V, w->wws, err);
    if (st)
        return st;
    *jworst = -starc_policy_values_return(m, w->V);
    if ((st = starci_policy_optimal_warm(m, Rbar, po, act, w->V, w->ws, err)))
        return st;
    *jopt = starc_policy_values_return(m, w->V);
    return STARC_OK;
}

/* Step i of a pair: the symmetric regret of R1 and R_i (Rbar1, its returns
 * j1[0] = J(pi*), j1[1] = J(pi-), and ev1, the evaluator of pi*_1, are the
 * pair's) and the variants' values. */
static int compute_step(worker *w, const starc_mdp *m, const double *R1, const double *R2, double t,
                        const double j1[2], starc_policy_evaluator *ev1, double *regret, double *values,
                        starc_error *err)
{
    const size_t n = w->run->n;
    const double tt = starc_regret_trivial_tol(w->run->o->regret_options.trivial_tol, starc_mdp_gamma(m),
                                               starc_mdp_states(m));
    double jiopt, jiworst, j1_at_i, ji_at_1;
    starc_generate_interpolate(n, R1, R2, t, w->Ri);
    starc_mdp_reward_expected(m, w->Ri, w->Rbari);
    int st = extremes(w, m, w->Rbari, w->pi, w->acti, w->wacti, &jiopt, &jiworst, err);
    if (st)
        return st;
    /* J_1(pi*_i) (with the factor of pi*_i policy iteration left) and J_i(pi*_1) */
    if ((st = starci_policy_return_act(m, w->acti, w->Rbar1, w->pi, &j1_at_i, w->ws, err)))
        return st;
    if ((st = starc_policy_evaluator_values_rbar(ev1, w->Rbari, w->V, NULL, err)))
        return st;
    ji_at_1 = starc_policy_values_return(m, w->V);
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    *regret = 0.5 * (starci_regret_normalize(j1[0], j1[1], j1_at_i, tt, starci_regret_scale(w->Rbar1, SA, g)) +
                     starci_regret_normalize(jiopt, jiworst, ji_at_1, tt, starci_regret_scale(w->Rbari, SA, g)));
    return features_second(w->feat, w->Ri, jiopt - jiworst, values, err);
}

/* Pair k: R1's returns, features and optimal policy once, then the T steps. */
static int compute_pair(worker *w, const starc_mdp *m, size_t k, slot *sl)
{
    const size_t n = w->run->n, T = w->run->o->steps;
    const double *R1 = sl->R1 + k * n, *R2 = sl->R2 + k * n;
    starc_error *err = &sl->err;
    double j1[2];
    starc_mdp_reward_expected(m, R1, w->Rbar1);
    memset(w->act1, 0, w->run->S * sizeof(size_t)); /* a new pair: cold starts */
    memset(w->wact1, 0, w->run->S * sizeof(size_t));
    int st = extremes(w, m, w->Rbar1, w->Rbari, w->act1, w->wact1, &j1[0], &j1[1], err);
    if (!st)
        st = features_first(w->feat, R1, j1[0] - j1[1], err);
    if (st)
        return st;
    starc_policy_evaluator *ev1;
    starc_policy_from_actions(m, w->act1, w->pi);
    if ((st = starc_policy_evaluator_alloc(m, w->pi, &ev1, err)))
        return st;
    memcpy(w->acti, w->act1, w->run->S * sizeof(size_t)); /* step 1 starts from R1's policies */
    memcpy(w->wacti, w->wact1, w->run->S * sizeof(size_t));
    for (size_t i = 1; !st && i <= T; i++) {
        size_t p = k * T + (i - 1);
        st = compute_step(w, m, R1, R2, (double)i / (double)T, j1, ev1, &sl->regret[p],
                          sl->values + p * STARCI_NVARIANTS, err);
    }
    starc_policy_evaluator_free(ev1);
    return st;
}

static int compute_mdp(worker *w, size_t j, slot *sl)
{
    const starc_study_options *o = w->run->o;
    uint64_t seed;
    int st = draw_mdp(w, j, sl, &seed);
    if (!st)
        st = features_plan(w->feat, sl->m, &sl->err);
    for (size_t k = 0; !st && k < o->pairs; k++)
        st = compute_pair(w, sl->m, k, sl);
    if (st)
        return st;
    sl->b.mdp = j;
    sl->b.seed = seed;
    sl->b.m = sl->m;
    sl->b.pairs = o->pairs;
    sl->b.steps = o->steps;
    sl->b.nvariants = STARCI_NVARIANTS;
    sl->b.R1 = sl->R1;
    sl->b.R2 = sl->R2;
    sl->b.regret = sl->regret;
    sl->b.values = sl->values;
    return STARC_OK;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    runner *run = w->run;
    pthread_mutex_lock(&run->mu);
    for (;;) {
        if (run->abort || run->next >= run->end)
            break;
        if (run->next >= run->emitted + run->W) {
            pthread_cond_wait(&run->space_cv, &run->mu);
            continue;
        }
        size_t j = run->next++;
        slot *sl = &run->slots[j % run->W];
        sl->state = SLOT_BUSY;
        sl->j = j;
        pthread_mutex_unlock(&run->mu);

        starc_error_clear(&sl->err);
        sl->data = NULL;
        int st = compute_mdp(w, j, sl);
        if (st) {
            /* say which MDP failed, keeping the solver's message */
            char msg[STARC_ERROR_MSGLEN];
            memcpy(msg, sl->err.message, sizeof msg);
            msg[sizeof msg - 1] = '\0';
            starci_error(&sl->err, st, "MDP %zu: %s", j, msg[0] ? msg : starc_error_string(st));
        } else if (run->cb && run->cb->worker && run->cb->worker(&sl->b, run->cb->user, &sl->data))
            st = starci_error(&sl->err, STARC_EIO, "MDP %zu: the worker callback failed", j);
        sl->status = st;

        pthread_mutex_lock(&run->mu);
        sl->state = SLOT_DONE;
        pthread_cond_broadcast(&run->done_cv);
    }
    pthread_mutex_unlock(&run->mu);
    return NULL;
}

static void worker_free(worker *w)
{
    if (!w)
        return;
    starc_generate_rng_free(w->rng);
    starc_policy_workspace_free(w->ws);
    starc_policy_workspace_free(w->wws);
    features_free(w->feat);
    free(w->Ri);
    free(w->Rbar1);
    free(w->Rbari);
    free(w->V);
    free(w->pi);
    free(w->act1);
    free(w->acti);
    free(w->wact1);
    free(w->wacti);
}

static int worker_init(worker *w, runner *run)
{
    const size_t S = run->S, A = run->A;
    memset(w, 0, sizeof *w);
    w->run = run;
    (void)starc_generate_rng_alloc(0, &w->rng, NULL); /* NULL on failure: checked below */
    (void)starc_policy_workspace_alloc(S, A, &w->ws, NULL); /* NULL on failure: checked below */
    (void)starc_policy_workspace_alloc(S, A, &w->wws, NULL);
    w->feat = features_alloc(S, A, run->o->trivial_tol, &run->o->regret_options.policy_options);
    w->Ri = starci_dalloc(run->n);
    w->Rbar1 = starci_dalloc(S * A);
    w->Rbari = starci_dalloc(S * A);
    w->V = starci_dalloc(S);
    w->pi = starci_dalloc(S * A);
    w->act1 = calloc(S, sizeof(size_t));
    w->acti = calloc(S, sizeof(size_t));
    w->wact1 = calloc(S, sizeof(size_t));
    w->wacti = calloc(S, sizeof(size_t));
    if (!w->rng || !w->ws || !w->wws || !w->feat || !w->Ri || !w->Rbar1 || !w->Rbari || !w->V || !w->pi || !w->act1 || !w->acti ||
        !w->wact1 || !w->wacti)
        return STARC_ENOMEM;
    return STARC_OK;
}

/* Correlations of variants [v0, v1) (each variant's computation is sequential). */
typedef struct corr_job {
    starc_study *s;
    const double *rank_reg;
    size_t v0, v1, stride;
    int status;
    pthread_t tid;
} corr_job;

static void *corr_main(void *arg)
{
    corr_job *cj = arg;
    starc_study *s = cj->s;
    const size_t N = s->npoints;
    double *x = starci_dalloc(N), *y = starci_dalloc(N), *rx = starci_dalloc(N), *ry = starci_dalloc(N);
    starci_stats_keyed *k = malloc((N ? 2 * N : 1) * sizeof *k);
    cj->status = STARC_OK;
    if (!x || !y || !rx || !ry || !k) {
        cj->status = STARC_ENOMEM;
        goto done;
    }
    for (size_t v = cj->v0; v < cj->v1; v += cj->stride) {
        const double *val = s->values + v * N;
        size_t nf = 0;
        for (size_t i = 0; i < N; i++)
            if (isfinite(val[i]))
                nf++;
        s->nfinite[v] = nf;
        s->pearson[v] = s->spearman[v] = NAN;
        if (nf < 2)
            continue;
        if (nf == N) {
            starc_stats_pearson(N, val, s->regret, &s->pearson[v], NULL);
            if (starci_stats_rank_with(N, val, rx, k) == STARC_OK)
                starc_stats_pearson(N, rx, cj->rank_reg, &s->spearman[v], NULL);
        } else {
            size_t t = 0;
            for (size_t i = 0; i < N; i++)
                if (isfinite(val[i])) {
                    x[t] = val[i];
                    y[t] = s->regret[i];
                    t++;
                }
            starc_stats_pearson(nf, x, y, &s->pearson[v], NULL);
            if (starci_stats_rank_with(nf, x, rx, k) == STARC_OK && starci_stats_rank_with(nf, y, ry, k) == STARC_OK)
                starc_stats_pearson(nf, rx, ry, &s->spearman[v], NULL);
        }
    }
done:
    free(x);
    free(y);
    free(rx);
    free(ry);
    free(k);
    return NULL;
}

static size_t online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

static int correlations(starc_study *s, size_t jobs, starc_error *err)
{
    const size_t N = s->npoints;
    double *rank_reg = starci_dalloc(N);
    starci_stats_keyed *k = malloc((N ? 2 * N : 1) * sizeof *k);
    int st = STARC_OK;
    if (!rank_reg || !k) {
        st = starci_error(err, STARC_ENOMEM, "out of memory for the correlations");
        goto done;
    }
    if (starci_stats_rank_with(N, s->regret, rank_reg, k)) {
        st = starci_error(err, STARC_EINVAL, "a regret is NaN");
        goto done;
    }
    if (jobs > s->nvar)
        jobs = s->nvar;
    corr_job *cj = calloc(jobs, sizeof *cj);
    if (!cj) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    size_t started = 0;
    for (size_t t = 0; t < jobs; t++) {
        cj[t] = (corr_job){s, rank_reg, t, s->nvar, jobs, STARC_OK, 0};
        if (t + 1 < jobs) {
            if (pthread_create(&cj[t].tid, NULL, corr_main, &cj[t]) != 0) {
                cj[t].v1 = cj[t].v0; /* run its share below instead */
                break;
            }
            started++;
        }
    }
    /* the calling thread does the last share, and any share a thread could not take */
    for (size_t t = started; t < jobs; t++) {
        cj[t].v1 = s->nvar;
        corr_main(&cj[t]);
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(cj[t].tid, NULL);
    for (size_t t = 0; t < jobs; t++)
        if (cj[t].status && !st)
            st = starci_error(err, cj[t].status, "out of memory in the correlations");
    free(cj);
done:
    free(rank_reg);
    free(k);
    return st;
}

/* The options' slice [*begin, *end) of the MDPs: EINVAL when it is empty or past mdps. */
static int slice_of(const starc_study_options *o, size_t *begin, size_t *end, starc_error *err)
{
    *begin = o->mdp_begin;
    *end = o->mdp_end ? o->mdp_end : o->mdps;
    if (*begin >= *end || *end > o->mdps)
        return starci_error(err, STARC_EINVAL, "the slice of MDPs [%zu, %zu) is empty or not within [0, %zu)",
                            o->mdp_begin, *end, o->mdps);
    return STARC_OK;
}

static int check_options(const starc_study_options *o, size_t *n, size_t *npoints, starc_error *err)
{
    if (o->mdps == 0 || o->pairs == 0 || o->steps == 0)
        return starci_error(err, STARC_EINVAL, "mdps, pairs and steps must be at least 1");
    if (o->states == 0 || o->actions == 0)
        return starci_error(err, STARC_EDIM, "states and actions must be at least 1");
    if (!starci_mul3_ok(o->states, o->actions, o->states, n) || *n > SIZE_MAX / sizeof(double) / 4)
        return starci_error(err, STARC_EDIM, "S*A*S overflows for S=%zu, A=%zu", o->states, o->actions);
    if (!starci_mul3_ok(o->mdps, o->pairs, o->steps, npoints) || *npoints > SIZE_MAX / sizeof(double) / (STARCI_NVARIANTS + 1))
        return starci_error(err, STARC_EDIM, "mdps*pairs*steps overflows");
    if (!isfinite(o->gamma) || o->gamma < 0.0 || o->gamma >= 1.0)
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", o->gamma);
    if (!((o->trivial_tol >= 0.0 && isfinite(o->trivial_tol)) || o->trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED))
        return starci_error(err, STARC_EINVAL,
                            "trivial_tol = %g is neither a finite number >= 0 nor STARC_DISTANCE_TRIVIAL_TOL_DERIVED",
                            o->trivial_tol);
    if (o->steps > 1 && o->pairs > SIZE_MAX / o->steps / STARCI_NVARIANTS)
        return starci_error(err, STARC_EDIM, "pairs*steps is too large");
    size_t begin, end;
    int st = slice_of(o, &begin, &end, err);
    if (!st)
        *npoints = (end - begin) * o->pairs * o->steps; /* <= mdps * pairs * steps */
    return st;
}

/* The results: npoints regrets, NV * npoints values, the correlations. */
static starc_study *study_alloc(size_t npoints, starc_error *err)
{
    const size_t NV = STARCI_NVARIANTS;
    starc_study *s = calloc(1, sizeof *s);
    if (!s) {
        starci_error(err, STARC_ENOMEM, "out of memory");
        return NULL;
    }
    s->npoints = npoints;
    s->nvar = NV;
    s->regret = starci_dalloc(npoints);
    s->values = malloc(npoints * NV * sizeof(double));
    s->pearson = starci_dalloc(NV);
    s->spearman = starci_dalloc(NV);
    s->nfinite = calloc(NV, sizeof(size_t));
    if (!s->regret || !s->values || !s->pearson || !s->spearman || !s->nfinite) {
        starci_error(err, STARC_ENOMEM, "out of memory for %zu points x %zu variants", npoints, NV);
        starc_study_free(s);
        return NULL;
    }
    return s;
}

static void runner_free(runner *run, worker *ws, size_t jobs)
{
    if (ws)
        for (size_t t = 0; t < jobs; t++)
            worker_free(&ws[t]);
    free(ws);
    if (run->slots) {
        for (size_t i = 0; i < run->W; i++) {
            starc_mdp_free(run->slots[i].m);
            free(run->slots[i].R1);
            free(run->slots[i].R2);
            free(run->slots[i].regret);
            free(run->slots[i].values);
        }
        free(run->slots);
    }
}

/* The work window (2 * jobs slots) and each worker's scratch, into *ws. */
static int runner_init(runner *run, const starc_study_options *o, const starc_study_callbacks *cb, size_t n,
                       size_t jobs, worker **ws, starc_error *err)
{
    const size_t P = o->pairs, T = o->steps, NV = STARCI_NVARIANTS;
    memset(run, 0, sizeof *run);
    *ws = NULL;
    run->o = o;
    run->cb = cb;
    run->S = o->states;
    run->A = o->actions;
    run->n = n;
    run->W = 2 * jobs;
    slice_of(o, &run->begin, &run->end, NULL); /* checked by check_options() */
    run->next = run->emitted = run->begin;
    run->slots = calloc(run->W, sizeof(slot));
    if (!run->slots)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    for (size_t i = 0; i < run->W; i++) {
        slot *sl = &run->slots[i];
        sl->R1 = starci_dalloc(P * n);
        sl->R2 = starci_dalloc(P * n);
        sl->regret = starci_dalloc(P * T);
        sl->values = starci_dalloc(P * T * NV);
        if (!sl->R1 || !sl->R2 || !sl->regret || !sl->values)
            return starci_error(err, STARC_ENOMEM, "out of memory for the work window");
    }
    if (!(*ws = calloc(jobs, sizeof **ws)))
        return starci_error(err, STARC_ENOMEM, "out of memory");
    for (size_t t = 0; t < jobs; t++)
        if (worker_init(&(*ws)[t], run))
            return starci_error(err, STARC_ENOMEM, "out of memory for the worker scratch");
    return STARC_OK;
}

/* Hand MDP j's batch (done by a worker) to the ordered callback, store its
 * points and free its slot. */
static int consume(runner *run, starc_study *s, size_t j, starc_error *err)
{
    const starc_study_callbacks *cb = run->cb;
    const size_t NV = STARCI_NVARIANTS, per = run->o->pairs * run->o->steps, npoints = s->npoints;
    slot *sl = &run->slots[j % run->W];
    pthread_mutex_lock(&run->mu);
    while (!(sl->state == SLOT_DONE && sl->j == j))
        pthread_cond_wait(&run->done_cv, &run->mu);
    pthread_mutex_unlock(&run->mu);
    if (sl->status) {
        if (err)
            *err = sl->err;
        return sl->status;
    }
    void *data = sl->data;
    sl->data = NULL; /* ordered() owns it now */
    if (cb && cb->ordered && cb->ordered(&sl->b, data, cb->user))
        return starci_error(err, STARC_EIO, "MDP %zu: the output callback failed", j);
    for (size_t p = 0; p < per; p++) {
        size_t g = (j - run->begin) * per + p;
        s->regret[g] = sl->regret[p];
        const double *row = sl->values + p * NV;
        for (size_t v = 0; v < NV; v++)
            s->values[v * npoints + g] = row[v];
    }
    pthread_mutex_lock(&run->mu);
    sl->state = SLOT_FREE;
    run->emitted++;
    pthread_cond_broadcast(&run->space_cv);
    pthread_mutex_unlock(&run->mu);
    if (cb && cb->progress)
        cb->progress((j + 1 - run->begin) * per, npoints, cb->user);
    return STARC_OK;
}

/* Start the workers, consume the MDPs in index order, stop and join the
 * workers, and drop the results computed but never delivered. */
static int run_workers(runner *run, worker *ws, size_t jobs, starc_study *s, starc_error *err)
{
    const starc_study_callbacks *cb = run->cb;
    size_t nstarted = 0;
    int st = STARC_OK;
    pthread_mutex_init(&run->mu, NULL);
    pthread_cond_init(&run->done_cv, NULL);
    pthread_cond_init(&run->space_cv, NULL);
    for (size_t t = 0; t < jobs; t++) {
        if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0)
            break;
        nstarted++;
    }
    if (nstarted == 0)
        st = starci_error(err, STARC_ENOMEM, "cannot start a worker thread");
    for (size_t j = run->begin; !st && j < run->end; j++)
        st = consume(run, s, j, err);
    pthread_mutex_lock(&run->mu);
    run->abort = 1;
    pthread_cond_broadcast(&run->space_cv);
    pthread_mutex_unlock(&run->mu);
    for (size_t t = 0; t < nstarted; t++)
        pthread_join(ws[t].tid, NULL);
    for (size_t i = 0; i < run->W; i++)
        if (run->slots[i].data && cb && cb->discard)
            cb->discard(run->slots[i].data, cb->user);
    pthread_mutex_destroy(&run->mu);
    pthread_cond_destroy(&run->done_cv);
    pthread_cond_destroy(&run->space_cv);
    return st;
}

int starc_study_run(const starc_study_options *o, const starc_study_callbacks *cb,
                    starc_study **out, starc_error *err)
{
    starc_study_options def;
    size_t n, npoints;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!o) {
        starc_study_options_default(&def);
        o = &def;
    }
    int st = check_options(o, &n, &npoints, err);
    if (st)
        return st;
    starc_study_variants(); /* the table is built before threads use it */
    size_t jobs = o->nthreads > 0 ? (size_t)o->nthreads : online_cpus(), begin, end;
    slice_of(o, &begin, &end, NULL);
    if (jobs > end - begin)
        jobs = end - begin;
    starc_study *s = study_alloc(npoints, err);
    if (!s)
        return STARC_ENOMEM;
    runner run;
    worker *ws;
    st = runner_init(&run, o, cb, n, jobs, &ws, err);
    if (!st)
        st = run_workers(&run, ws, jobs, s, err);
    if (!st)
        st = correlations(s, jobs, err);
    runner_free(&run, ws, jobs);
    if (st) {
        starc_study_free(s);
        return st;
    }
    *out = s;
    return STARC_OK;
}

int starc_study_from_points(size_t npoints, const double *regret, const double *values, int nthreads,
                            starc_study **out, starc_error *err)
{
    const size_t NV = STARCI_NVARIANTS;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!regret || !values)
        return starci_error(err, STARC_EINVAL, "regret or values is NULL");
    if (npoints == 0)
        return starci_error(err, STARC_EINVAL, "a study needs at least one point");
    if (npoints > SIZE_MAX / sizeof(double) / (NV + 1))
        return starci_error(err, STARC_EDIM, "%zu points x %zu variants overflow", npoints, NV);
    starc_study_variants(); /* the table is built before threads use it */
    starc_study *s = study_alloc(npoints, err);
    if (!s)
        return STARC_ENOMEM;
    memcpy(s->regret, regret, npoints * sizeof(double));
    memcpy(s->values, values, npoints * NV * sizeof(double));
    size_t jobs = nthreads > 0 ? (size_t)nthreads : online_cpus();
    int st = correlations(s, jobs, err);
    if (st) {
        starc_study_free(s);
        return st;
    }
    *out = s;
    return STARC_OK;
}
