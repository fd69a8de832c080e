/* Streaming row kernels (not installed): a header-only part of the base layer,
 * used by the canonicalisation and norm passes.
 *
 * Every reduction keeps four partial results, lane i taking the elements
 * j = i (mod 4), combined as (l0 + l1) + (l2 + l3); the tail goes to lane 0.
 * With GCC or Clang the lanes are a 4-double vector (GNU vector extensions:
 * two SSE2 operations on baseline x86-64, one AVX operation where enabled);
 * otherwise four scalars.  Both give bitwise identical results, and neither
 * needs -ffast-math: the association order is fixed here, not by the
 * compiler.  Inputs are finite; max ignores NaN. */
#ifndef STARC_KERNELS_INTERNAL_H
#define STARC_KERNELS_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(STARC_SCALAR_KERNELS)
#define STARCI_VEC 1
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* 2-double vectors: native on every x86-64 (SSE2) and most other targets;
 * two of them make the four lanes. */
typedef double starci_v2 __attribute__((vector_size(16)));
typedef long long starci_v2i __attribute__((vector_size(16)));

static inline starci_v2 kv_load(const double *p)
{
    starci_v2 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kv_store(double *p, starci_v2 v)
{
    memcpy(p, &v, sizeof v);
}
static inline starci_v2 kv_splat(double x)
{
    return (starci_v2){x, x};
}
static inline starci_v2 kv_abs(starci_v2 x)
{
    const long long m = 0x7fffffffffffffffLL;
    return (starci_v2)((starci_v2i)x & (starci_v2i){m, m});
}
static inline starci_v2 kv_max(starci_v2 a, starci_v2 b)
{
#if defined(__SSE2__)
    /* maxpd: one instruction, where the portable blend below takes four */
    return (starci_v2)_mm_max_pd((__m128d)a, (__m128d)b);
#else
    starci_v2i gt = a > b;
    return (starci_v2)((gt & (starci_v2i)a) | (~gt & (starci_v2i)b));
#endif
}
#endif

/* The larger of two numbers in one instruction (fmax is a libm call at -O2,
 * which would dominate the streaming loops); NaN inputs are not ordered. */
#define MAXD(a, b) ((a) > (b) ? (a) : (b))

/* Generates a reduction kernel NAME PARAMS over j < n.  EXPR is the term of
 * element j (scalar); VEXPR the same for elements J, J+1 (vector), with J
 * a macro parameter. */
#ifdef STARCI_VEC
#define STARCI_SUM_KERNEL(NAME, PARAMS, EXPR, VEXPR)                                                 \
    static inline double NAME PARAMS                                                                 \
    {                                                                                                \
        starci_v2 lo = kv_splat(0.0), hi = kv_splat(0.0);                                            \
        size_t j = 0;                                                                                \
        for (; j + 4 <= n; j += 4) {                                                                 \
            lo += VEXPR(j);                                                                          \
            hi += VEXPR(j + 2);                                                                      \
        }                                                                                            \
        double t = 0.0;                                                                              \
        for (; j < n; j++)                                                                           \
            t += EXPR;                                                                               \
        lo[0] += t;                                                                                  \
        return (lo[0] + lo[1]) + (hi[0] + hi[1]);                                                    \
    }
#define STARCI_MAX_KERNEL(NAME, PARAMS, EXPR, VEXPR)                                                 \
    static inline double NAME PARAMS                                                                 \
    {                                                                                                \
        starci_v2 lo = kv_splat(0.0), hi = kv_splat(0.0);                                            \
        size_t j = 0;                                                                                \
        for (; j + 4 <= n; j += 4) {                                                                 \
            lo = kv_max(lo, VEXPR(j));                                                               \
            hi = kv_max(hi, VEXPR(j + 2));                                                           \
        }                                                                                            \
        double t = 0.0;                                                                              \
        for (; j < n; j++)                                                                           \
            t = MAXD(t, EXPR);                                                                       \
        lo[0] = MAXD(lo[0], t);                                                                      \
        lo = kv_max(lo, hi);                                                                         \
        return MAXD(lo[0], lo[1]);                                                                   \
    }
#else
#define STARCI_SUM_KERNEL(NAME, PARAMS, EXPR, VEXPR)                                                 \
    static inline double NAME PARAMS                                                                 \
    {                                                                                                \
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, t = 0.0;                                      \
        size_t j = 0;                                                                                \
        for (; j + 4 <= n; j += 4) {                                                                 \
            a0 += EXPR;                                                                              \
            j++;                                                                                     \
            a1 += EXPR;                                                                              \
            j++;                                                                                     \
            a2 += EXPR;                                                                              \
            j++;                                                                                     \
            a3 += EXPR;                                                                              \
            j -= 3;                                                                                  \
        }                                                                                            \
        for (; j < n; j++)                                                                           \
            t += EXPR;                                                                               \
        a0 += t;                                                                                     \
        return (a0 + a1) + (a2 + a3);                                                                \
    }
#define STARCI_MAX_KERNEL(NAME, PARAMS, EXPR, VEXPR)                                                 \
    static inline double NAME PARAMS                                                                 \
    {                                                                                                \
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, t = 0.0;                                      \
        size_t j = 0;                                                                                \
        for (; j + 4 <= n; j += 4) {                                                                 \
            a0 = MAXD(a0, EXPR);                                                                     \
            j++;                                                                                     \
            a1 = MAXD(a1, EXPR);                                                                     \
            j++;                                                                                     \
            a2 = MAXD(a2, EXPR);                                                                     \
            j++;                                                                                     \
            a3 = MAXD(a3, EXPR);                                                                     \
            j -= 3;                                                                                  \
        }                                                                                            \
        for (; j < n; j++)                                                                           \
            t = MAXD(t, EXPR);                                                                       \
        a0 = MAXD(a0, t);                                                                            \
        a0 = MAXD(a0, a2);                                                                           \
        a1 = MAXD(a1, a3);                                                                           \
        return MAXD(a0, a1);                                                                         \
    }
#endif

#define V_(J) kv_load(x + (J))
#define VSUM(J) V_(J)
#define VSUMABS(J) kv_abs(V_(J))
#define VSUMSQ(J) (V_(J) * V_(J))
#define VDOT(J) (V_(J) * kv_load(y + (J)))
#define VWSUMABS(J) (kv_load(w + (J)) * kv_abs(V_(J)))
#define VWSUMSQ(J) (kv_load(w + (J)) * V_(J) * V_(J))
#define VWDOT(J) (kv_load(w + (J)) * V_(J) * kv_load(y + (J)))
#define VCSQ(J) ((V_(J) - m) * (V_(J) - m))
#define VWCSQ(J) (kv_load(w + (J)) * (V_(J) - m) * (V_(J) - m))
#define VCDOT(J) ((V_(J) - mx) * (kv_load(y + (J)) - my))
#define VWCDOT(J) (kv_load(w + (J)) * (V_(J) - mx) * (kv_load(y + (J)) - my))
#define VMAXABS(J) kv_abs(V_(J))
#define VWMAXABS(J) (kv_load(w + (J)) * kv_abs(V_(J)))

STARCI_SUM_KERNEL(k_sum, (const double *x, size_t n), x[j], VSUM)
STARCI_SUM_KERNEL(k_sumabs, (const double *x, size_t n), fabs(x[j]), VSUMABS)
STARCI_SUM_KERNEL(k_sumsq, (const double *x, size_t n), x[j] * x[j], VSUMSQ)
STARCI_SUM_KERNEL(k_dot, (const double *x, const double *y, size_t n), x[j] * y[j], VDOT)
STARCI_SUM_KERNEL(k_wsumabs, (const double *w, const double *x, size_t n), w[j] * fabs(x[j]), VWSUMABS)
STARCI_SUM_KERNEL(k_wsumsq, (const double *w, const double *x, size_t n), w[j] * x[j] * x[j], VWSUMSQ)
STARCI_SUM_KERNEL(k_wdot, (const double *w, const double *x, const double *y, size_t n), w[j] * x[j] * y[j], VWDOT)
/* sum (x - m)^2 and sum w (x - m)^2 */
STARCI_SUM_KERNEL(k_csq, (const double *x, double m, size_t n), (x[j] - m) * (x[j] - m), VCSQ)
STARCI_SUM_KERNEL(k_wcsq, (const double *w, const double *x, double m, size_t n), w[j] * (x[j] - m) * (x[j] - m),
                  VWCSQ)
/* sum (x - mx)(y - my) and its weighted form */
STARCI_SUM_KERNEL(k_cdot, (const double *x, double mx, const double *y, double my, size_t n),
                  (x[j] - mx) * (y[j] - my), VCDOT)
STARCI_SUM_KERNEL(k_wcdot, (const double *w, const double *x, double mx, const double *y, double my, size_t n),
                  w[j] * (x[j] - mx) * (y[j] - my), VWCDOT)
STARCI_MAX_KERNEL(k_maxabs, (const double *x, size_t n), fabs(x[j]), VMAXABS)
STARCI_MAX_KERNEL(k_wmaxabs, (const double *w, const double *x, size_t n), w[j] * fabs(x[j]), VWMAXABS)

/* dst = a x - b y - c (dst may alias x or y). */
static inline void k_axpby(double *dst, double a, const double *x, double b, const double *y, double c, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(dst + j, a * kv_load(x + j) - b * kv_load(y + j) - c);
#endif
    for (; j < n; j++)
        dst[j] = a * x[j] - b * y[j] - c;
}

/* dst = x + y (dst may alias x or y). */
static inline void k_add(double *dst, const double *x, const double *y, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(dst + j, kv_load(x + j) + kv_load(y + j));
#endif
    for (; j < n; j++)
        dst[j] = x[j] + y[j];
}

/* y += x z (elementwise) */
static inline void k_addmul(double *y, const double *x, const double *z, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(y + j, kv_load(y + j) + kv_load(x + j) * kv_load(z + j));
#endif
    for (; j < n; j++)
        y[j] += x[j] * z[j];
}

/* dst = x + y + c (dst may alias x or y). */
static inline void k_add_c(double *dst, const double *x, const double *y, double c, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(dst + j, kv_load(x + j) + kv_load(y + j) + c);
#endif
    for (; j < n; j++)
        dst[j] = x[j] + y[j] + c;
}

/* z = x + y + c (y may be NULL: z = x + c), stored to dst unless dst is NULL,
 * and in the same sweep max |z|, sum z, sum z^2 (association as k_maxabs,
 * k_sum, k_sumsq). */
static inline void k_gen_mom(double *dst, const double *x, const double *y, double c, size_t n, double *mx,
                             double *sum, double *sq)
{
    size_t j = 0;
    double ts = 0.0, tq = 0.0, tm = 0.0;
#ifdef STARCI_VEC
    starci_v2 s0 = kv_splat(0.0), s1 = kv_splat(0.0), q0 = kv_splat(0.0), q1 = kv_splat(0.0);
    starci_v2 m0 = kv_splat(0.0), m1 = kv_splat(0.0);
    for (; j + 4 <= n; j += 4) {
        starci_v2 z0 = kv_load(x + j), z1 = kv_load(x + j + 2);
        if (y) {
            z0 += kv_load(y + j);
            z1 += kv_load(y + j + 2);
        }
        z0 += c;
        z1 += c;
        if (dst) {
            kv_store(dst + j, z0);
            kv_store(dst + j + 2, z1);
        }
        s0 += z0;
        s1 += z1;
        q0 += z0 * z0;
        q1 += z1 * z1;
        m0 = kv_max(m0, kv_abs(z0));
        m1 = kv_max(m1, kv_abs(z1));
    }
#else
    double s0[2] = {0, 0}, s1[2] = {0, 0}, q0[2] = {0, 0}, q1[2] = {0, 0}, m0[2] = {0, 0}, m1[2] = {0, 0};
    for (; j + 4 <= n; j += 4)
        for (int l = 0; l < 4; l++) {
            double z = (y ? x[j + l] + y[j + l] : x[j + l]) + c;
            if (dst)
                dst[j + l] = z;
            double *sp = l < 2 ? s0 : s1, *qp = l < 2 ? q0 : q1, *mp = l < 2 ? m0 : m1;
            sp[l % 2] += z;
            qp[l % 2] += z * z;
            mp[l % 2] = MAXD(mp[l % 2], fabs(z));
        }
#endif
    for (; j < n; j++) {
        double z = (y ? x[j] + y[j] : x[j]) + c;
        if (dst)
            dst[j] = z;
        ts += z;
        tq += z * z;
        tm = MAXD(tm, fabs(z));
    }
    s0[0] += ts;
    q0[0] += tq;
    m0[0] = MAXD(m0[0], tm);
    *sum = (s0[0] + s0[1]) + (s1[0] + s1[1]);
    *sq = (q0[0] + q0[1]) + (q1[0] + q1[1]);
    double ma = MAXD(m0[0], m1[0]), mb = MAXD(m0[1], m1[1]);
    *mx = MAXD(ma, mb);
}

/* k_gen_mom for two rows at once (same results as two calls; the two input
 * streams advance together, which keeps the memory prefetchers busy). */
static inline void k_gen_mom2(double *dst1, const double *x1, const double *y1, double c1, double *dst2,
                              const double *x2, const double *y2, double c2, size_t n, double *mx, double *sum,
                              double *sq)
{
#ifdef STARCI_VEC
    size_t j = 0;
    starci_v2 s[4], q[4], m[4];
    for (int l = 0; l < 4; l++)
        s[l] = q[l] = m[l] = kv_splat(0.0);
    for (; j + 4 <= n; j += 4) {
        starci_v2 a0 = kv_load(x1 + j), a1 = kv_load(x1 + j + 2);
        starci_v2 b0 = kv_load(x2 + j), b1 = kv_load(x2 + j + 2);
        if (y1) {
            a0 += kv_load(y1 + j);
            a1 += kv_load(y1 + j + 2);
        }
        if (y2) {
            b0 += kv_load(y2 + j);
            b1 += kv_load(y2 + j + 2);
        }
        a0 += c1;
        a1 += c1;
        b0 += c2;
        b1 += c2;
        if (dst1) {
            kv_store(dst1 + j, a0);
            kv_store(dst1 + j + 2, a1);
        }
        if (dst2) {
            kv_store(dst2 + j, b0);
            kv_store(dst2 + j + 2, b1);
        }
        s[0] += a0;
        s[1] += a1;
        s[2] += b0;
        s[3] += b1;
        q[0] += a0 * a0;
        q[1] += a1 * a1;
        q[2] += b0 * b0;
        q[3] += b1 * b1;
        m[0] = kv_max(m[0], kv_abs(a0));
        m[1] = kv_max(m[1], kv_abs(a1));
        m[2] = kv_max(m[2], kv_abs(b0));
        m[3] = kv_max(m[3], kv_abs(b1));
    }
    for (int r = 0; r < 2; r++) {
        const double *x = r ? x2 : x1, *y = r ? y2 : y1;
        double *dst = r ? dst2 : dst1, c = r ? c2 : c1, ts = 0.0, tq = 0.0, tm = 0.0;
        for (size_t i = j; i < n; i++) {
            double z = (y ? x[i] + y[i] : x[i]) + c;
            if (dst)
                dst[i] = z;
            ts += z;
            tq += z * z;
            tm = MAXD(tm, fabs(z));
        }
        starci_v2 *sp = s + 2 * r, *qp = q + 2 * r, *mp = m + 2 * r;
        sp[0][0] += ts;
        qp[0][0] += tq;
        mp[0][0] = MAXD(mp[0][0], tm);
        sum[r] = (sp[0][0] + sp[0][1]) + (sp[1][0] + sp[1][1]);
        sq[r] = (qp[0][0] + qp[0][1]) + (qp[1][0] + qp[1][1]);
        double ma = MAXD(mp[0][0], mp[1][0]), mb = MAXD(mp[0][1], mp[1][1]);
        mx[r] = MAXD(ma, mb);
    }
#else
    k_gen_mom(dst1, x1, y1, c1, n, &mx[0], &sum[0], &sq[0]);
    k_gen_mom(dst2, x2, y2, c2, n, &mx[1], &sum[1], &sq[1]);
#endif
}

/* One sweep: sum w (x - mx)^2, sum w (y - my)^2, sum w (x - mx)(y - my); w NULL = 1. */
static inline void k_cmom2(const double *w, const double *x, double mx, const double *y, double my, size_t n,
                           double *sxx, double *syy, double *sxy)
{
    size_t j = 0;
    double ta = 0.0, tb = 0.0, tc = 0.0;
#ifdef STARCI_VEC
    starci_v2 a0 = kv_splat(0.0), a1 = kv_splat(0.0), b0 = kv_splat(0.0), b1 = kv_splat(0.0);
    starci_v2 c0 = kv_splat(0.0), c1 = kv_splat(0.0);
    if (w) {
        for (; j + 4 <= n; j += 4) {
            starci_v2 u0 = kv_load(x + j) - mx, u1 = kv_load(x + j + 2) - mx;
            starci_v2 v0 = kv_load(y + j) - my, v1 = kv_load(y + j + 2) - my;
            starci_v2 w0 = kv_load(w + j), w1 = kv_load(w + j + 2);
            a0 += w0 * u0 * u0;
            a1 += w1 * u1 * u1;
            b0 += w0 * v0 * v0;
            b1 += w1 * v1 * v1;
            c0 += w0 * u0 * v0;
            c1 += w1 * u1 * v1;
        }
    } else {
        for (; j + 4 <= n; j += 4) {
            starci_v2 u0 = kv_load(x + j) - mx, u1 = kv_load(x + j + 2) - mx;
            starci_v2 v0 = kv_load(y + j) - my, v1 = kv_load(y + j + 2) - my;
            a0 += u0 * u0;
            a1 += u1 * u1;
            b0 += v0 * v0;
            b1 += v1 * v1;
            c0 += u0 * v0;
            c1 += u1 * v1;
        }
    }
#else
    double a0[2] = {0, 0}, a1[2] = {0, 0}, b0[2] = {0, 0}, b1[2] = {0, 0}, c0[2] = {0, 0}, c1[2] = {0, 0};
    for (; j + 4 <= n; j += 4)
        for (int l = 0; l < 4; l++) {
            double u = x[j + l] - mx, v = y[j + l] - my, ww = w ? w[j + l] : 1.0;
            double *ap = l < 2 ? a0 : a1, *bp = l < 2 ? b0 : b1, *cp = l < 2 ? c0 : c1;
            ap[l % 2] += ww * u * u;
            bp[l % 2] += ww * v * v;
            cp[l % 2] += ww * u * v;
        }
#endif
    for (; j < n; j++) {
        double u = x[j] - mx, v = y[j] - my, ww = w ? w[j] : 1.0;
        ta += ww * u * u;
        tb += ww * v * v;
        tc += ww * u * v;
    }
    a0[0] += ta;
    b0[0] += tb;
    c0[0] += tc;
    *sxx = (a0[0] + a0[1]) + (a1[0] + a1[1]);
    *syy = (b0[0] + b0[1]) + (b1[0] + b1[1]);
    *sxy = (c0[0] + c0[1]) + (c1[0] + c1[1]);
}

/* dst = x + c */
static inline void k_shift(double *dst, const double *x, double c, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(dst + j, kv_load(x + j) + c);
#endif
    for (; j < n; j++)
        dst[j] = x[j] + c;
}

/* dst = a (x - m) w (w NULL: dst = a (x - m)) */
static inline void k_cscale(double *dst, double a, const double *x, double m, const double *w, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    if (w)
        for (; j + 2 <= n; j += 2)
            kv_store(dst + j, a * (kv_load(x + j) - m) * kv_load(w + j));
    else
        for (; j + 2 <= n; j += 2)
            kv_store(dst + j, a * (kv_load(x + j) - m));
#endif
    for (; j < n; j++)
        dst[j] = w ? a * (x[j] - m) * w[j] : a * (x[j] - m);
}

/* dst = a x */
static inline void k_scale(double *dst, double a, const double *x, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(dst + j, a * kv_load(x + j));
#endif
    for (; j < n; j++)
        dst[j] = a * x[j];
}

/* y += a x */
static inline void k_axpy(double *y, double a, const double *x, size_t n)
{
    size_t j = 0;
#ifdef STARCI_VEC
    for (; j + 2 <= n; j += 2)
        kv_store(y + j, kv_load(y + j) + a * kv_load(x + j));
#endif
    for (; j < n; j++)
        y[j] += a * x[j];
}

/* One sweep: *dot = sum t r (or sum r when t == NULL) and *mx = max(mx, max |r|).
 * Same association as k_dot / k_sum and k_maxabs. */
static inline void k_dot_maxabs(const double *t, const double *r, size_t n, double *dot, double *mx)
{
    size_t j = 0;
#ifdef STARCI_VEC
    starci_v2 s0 = kv_splat(0.0), s1 = kv_splat(0.0), m0 = kv_splat(0.0), m1 = kv_splat(0.0);
    for (; j + 4 <= n; j += 4) {
        starci_v2 x0 = kv_load(r + j), x1 = kv_load(r + j + 2);
        s0 += t ? kv_load(t + j) * x0 : x0;
        s1 += t ? kv_load(t + j + 2) * x1 : x1;
        m0 = kv_max(m0, kv_abs(x0));
        m1 = kv_max(m1, kv_abs(x1));
    }
    double ts = 0.0, tm = 0.0;
    for (; j < n; j++) {
        ts += t ? t[j] * r[j] : r[j];
        tm = MAXD(tm, fabs(r[j]));
    }
    s0[0] += ts;
    m0[0] = MAXD(m0[0], tm);
    m0 = kv_max(m0, m1);
    *dot = (s0[0] + s0[1]) + (s1[0] + s1[1]);
    *mx = MAXD(*mx, MAXD(m0[0], m0[1]));
#else
    *dot = t ? k_dot(t, r, n) : k_sum(r, n);
    double m = k_maxabs(r, n);
    *mx = MAXD(*mx, m);
    (void)j;
#endif
}

/* sum t v1 and sum t v2 in one sweep (same association as k_dot). */
static inline void k_dot2(const double *t, const double *v1, const double *v2, size_t n, double *d1, double *d2)
{
#ifdef STARCI_VEC
    size_t j = 0;
    starci_v2 a0 = kv_splat(0.0), a1 = kv_splat(0.0), b0 = kv_splat(0.0), b1 = kv_splat(0.0);
    for (; j + 4 <= n; j += 4) {
        starci_v2 t0 = kv_load(t + j), t1 = kv_load(t + j + 2);
        a0 += t0 * kv_load(v1 + j);
        a1 += t1 * kv_load(v1 + j + 2);
        b0 += t0 * kv_load(v2 + j);
        b1 += t1 * kv_load(v2 + j + 2);
    }
    double ta = 0.0, tb = 0.0;
    for (; j < n; j++) {
        ta += t[j] * v1[j];
        tb += t[j] * v2[j];
    }
    a0[0] += ta;
    b0[0] += tb;
    *d1 = (a0[0] + a0[1]) + (a1[0] + a1[1]);
    *d2 = (b0[0] + b0[1]) + (b1[0] + b1[1]);
#else
    *d1 = k_dot(t, v1, n);
    *d2 = k_dot(t, v2, n);
#endif
}

/* k_dot_maxabs for two rows r1, r2 against the same t, in one sweep. */
static inline void k_dot_maxabs2(const double *t, const double *r1, const double *r2, size_t n, double *dot1,
                                 double *dot2, double *mx1, double *mx2)
{
#ifdef STARCI_VEC
    size_t j = 0;
    starci_v2 a0 = kv_splat(0.0), a1 = kv_splat(0.0), b0 = kv_splat(0.0), b1 = kv_splat(0.0);
    starci_v2 ma0 = kv_splat(0.0), ma1 = kv_splat(0.0), mb0 = kv_splat(0.0), mb1 = kv_splat(0.0);
    for (; j + 4 <= n; j += 4) {
        starci_v2 t0 = kv_load(t + j), t1 = kv_load(t + j + 2);
        starci_v2 x0 = kv_load(r1 + j), x1 = kv_load(r1 + j + 2);
        starci_v2 y0 = kv_load(r2 + j), y1 = kv_load(r2 + j + 2);
        a0 += t0 * x0;
        a1 += t1 * x1;
        b0 += t0 * y0;
        b1 += t1 * y1;
        ma0 = kv_max(ma0, kv_abs(x0));
        ma1 = kv_max(ma1, kv_abs(x1));
        mb0 = kv_max(mb0, kv_abs(y0));
        mb1 = kv_max(mb1, kv_abs(y1));
    }
    double ta = 0.0, tb = 0.0, tma = 0.0, tmb = 0.0;
    for (; j < n; j++) {
        ta += t[j] * r1[j];
        tb += t[j] * r2[j];
        tma = MAXD(tma, fabs(r1[j]));
        tmb = MAXD(tmb, fabs(r2[j]));
    }
    a0[0] += ta;
    b0[0] += tb;
    ma0[0] = MAXD(ma0[0], tma);
    mb0[0] = MAXD(mb0[0], tmb);
    ma0 = kv_max(ma0, ma1);
    mb0 = kv_max(mb0, mb1);
    *dot1 = (a0[0] + a0[1]) + (a1[0] + a1[1]);
    *dot2 = (b0[0] + b0[1]) + (b1[0] + b1[1]);
    *mx1 = MAXD(*mx1, MAXD(ma0[0], ma0[1]));
    *mx2 = MAXD(*mx2, MAXD(mb0[0], mb0[1]));
#else
    k_dot_maxabs(t, r1, n, dot1, mx1);
    k_dot_maxabs(t, r2, n, dot2, mx2);
#endif
}

/* Below this, 1 - rho (Pearson) or d^2 / (|x|^2 + |y|^2) (l2, wl2) computed
 * from moments or a Gram matrix has lost too many digits to cancellation, and
 * the difference is recomputed directly (norm.c, distance.c, structured.c). */
#define STARCI_REFINE 0.0625

/* Scale invariance (docs/theory.md, Numerics): the power-of-two exponent k
 * that brings max |x| into [1, 2) when max |x| lies outside
 * [2^-STARCI_SCALE_BAND, 2^STARCI_SCALE_BAND], else 0 (also when x is zero or
 * not finite).  Multiplying by 2^k is exact (up to entries that become
 * subnormal, far below the round-off of the largest one), so results for
 * rewards inside the band are bit-identical to unscaled ones, and sums of
 * squares of the rescaled data can neither overflow nor underflow. */
#define STARCI_SCALE_BAND 128

static inline int starci_scale_band_exp(double m)
{
    if (!(m > 0.0) || !isfinite(m))
        return 0;
    const int e = ilogb(m);
    return e >= -STARCI_SCALE_BAND && e <= STARCI_SCALE_BAND ? 0 : -e;
}

static inline double starci_scale_abs_max(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = MAXD(m, fabs(x[i]));
    return m;
}

static inline int starci_norm_scale_exp(const double *x, size_t n)
{
    return starci_scale_band_exp(starci_scale_abs_max(x, n));
}

/* The exponent of max(max |x|, max |y|) by the same rule (y may be NULL). */
static inline int starci_norm_scale_exp2(const double *x, const double *y, size_t n)
{
    return starci_scale_band_exp(MAXD(starci_scale_abs_max(x, n), y ? starci_scale_abs_max(y, n) : 0.0));
}

/* out = 2^k x (out may be x). */
static inline void starci_norm_scale_copy(const double *x, size_t n, int k, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ldexp(x[i], k);
}

/* Whether the environment says STARC_KERNELS=baseline: then the portable
 * kernels run instead of those chosen for the CPU (AVX in canon.c, PCLMULQDQ
 * in crc32.c), which the tests use to compare the two.  The one reader of
 * that variable. */
static inline int starci_kernels_baseline(void)
{
    const char *e = getenv("STARC_KERNELS");
    return e && strcmp(e, "baseline") == 0;
}

#endif
