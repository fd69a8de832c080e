#include <config.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "kernels-internal.h"
#include "mdp-internal.h"
#include "npy-internal.h"
#include "starc/mdp.h"

struct starc_mdp {
    size_t S, A;
    double gamma;
    double *T;   /* S*A*S, or NULL for a sparse MDP */
    int T_mapped; /* T is from starci_npy_dalloc_mapped(), not malloc() */
    double *mu0;
    /* Sparse MDPs (T == NULL): CSR rows s*A + a (starc/mdp.h). */
    size_t nnz;
    size_t *indptr;  /* S*A + 1 */
    size_t *indices; /* nnz */
    double *data;    /* nnz */
};

void starc_mdp_options_default(starc_mdp_options *o)
{
    o->prob_tol = STARC_MDP_PROB_TOL;
}

static int check_mu0(size_t S, const double *mu0, double tol, starc_error *err);

/* The exact check of row (s, a) of T, one entry at a time in order (the
 * message names the first bad entry; the sum is the sequential one). */
static int check_row_exact(const double *row, size_t S, size_t s, size_t a, double tol, starc_error *err)
{
    double sum = 0.0;
    for (size_t t = 0; t < S; t++) {
        if (!isfinite(row[t]))
            return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] is not finite", s, a, t);
        if (row[t] < 0.0)
            return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] = %.17g is negative", s, a, t, row[t]);
        sum += row[t];
    }
    if (fabs(sum - 1.0) > tol)
        return starci_error(err, STARC_EINVAL, "row T[%zu,%zu,:] sums to %.17g, not 1 (tolerance %g)", s, a, sum, tol);
    return STARC_OK;
}

/* 1 when row[0 .. S) is certainly valid: every entry in [0, DBL_MAX] and a
 * four-lane sum within tol of 1 by more than the rounding that separates it
 * from the sequential sum (each sum of non-negative terms is within
 * (S-1) u sum of the exact one, u = DBL_EPSILON / 2), so that
 * check_row_exact() would accept the row too; 0 means "ask it". */
static int row_surely_valid(const double *row, size_t S, double tol)
{
    double l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0;
    int ok = 1;
    size_t t = 0;
    for (; t + 4 <= S; t += 4) {
        ok &= (row[t] >= 0.0) & (row[t] <= DBL_MAX) & (row[t + 1] >= 0.0) & (row[t + 1] <= DBL_MAX) &
              (row[t + 2] >= 0.0) & (row[t + 2] <= DBL_MAX) & (row[t + 3] >= 0.0) & (row[t + 3] <= DBL_MAX);
        l0 += row[t], l1 += row[t + 1], l2 += row[t + 2], l3 += row[t + 3];
    }
    for (; t < S; t++) {
        ok &= (row[t] >= 0.0) & (row[t] <= DBL_MAX);
        l0 += row[t];
    }
    const double sum = (l0 + l1) + (l2 + l3);
    return ok && fabs(sum - 1.0) <= tol - 2.0 * (double)S * DBL_EPSILON * sum;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__AVX__)
#define MDP_AVX 1
#include <immintrin.h>

/* row_surely_valid() on 256-bit registers: two of them, eight lanes, summed
 * in another order (the bound there holds for any order of non-negative
 * terms); NaN fails both comparisons as there. */
__attribute__((target("avx"))) static int row_surely_valid_avx(const double *row, size_t S, double tol)
{
    const __m256d zero = _mm256_setzero_pd(), big = _mm256_set1_pd(DBL_MAX);
    __m256d s0 = zero, s1 = zero, bad = zero;
    size_t t = 0;
    for (; t + 8 <= S; t += 8) {
        const __m256d a = _mm256_loadu_pd(row + t), b = _mm256_loadu_pd(row + t + 4);
        bad = _mm256_or_pd(bad, _mm256_or_pd(_mm256_cmp_pd(a, zero, _CMP_NGE_UQ), _mm256_cmp_pd(a, big, _CMP_NLE_UQ)));
        bad = _mm256_or_pd(bad, _mm256_or_pd(_mm256_cmp_pd(b, zero, _CMP_NGE_UQ), _mm256_cmp_pd(b, big, _CMP_NLE_UQ)));
        s0 = _mm256_add_pd(s0, a);
        s1 = _mm256_add_pd(s1, b);
    }
    double l[4];
    _mm256_storeu_pd(l, _mm256_add_pd(s0, s1));
    int ok = _mm256_movemask_pd(bad) == 0;
    double sum = (l[0] + l[1]) + (l[2] + l[3]);
    for (; t < S; t++) {
        ok &= (row[t] >= 0.0) & (row[t] <= DBL_MAX);
        sum += row[t];
    }
    return ok && fabs(sum - 1.0) <= tol - 2.0 * (double)S * DBL_EPSILON * sum;
}
#endif

/* Whether the rows are screened on 256-bit registers (the CPU has AVX and
 * the environment does not ask for the baseline kernels). */
static int rows_avx(void)
{
#ifdef MDP_AVX
    /* libgcc's constructor has filled the CPU model by now */
    return !starci_kernels_baseline() && __builtin_cpu_supports("avx");
#else
    return 0;
#endif
}

static int row_screen(int avx, const double *row, size_t S, double tol)
{
#ifdef MDP_AVX
    if (avx)
        return row_surely_valid_avx(row, S, tol);
#else
    (void)avx;
#endif
    return row_surely_valid(row, S, tol);
}

/* The checks of starc_mdp_validate() (starc/mdp.h); scan, when not NULL,
 * sees each row of T (its bytes, in order) just before the row is checked:
 * a pass of the caller's fused into this one, which may also bring the row
 * in (npy.c reads T's values a chunk at a time as this pass reaches them,
 * so that the read, the CRC-32 and the checks meet each chunk in cache). */
static int validate_dense(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                          const starc_mdp_options *opt, const starci_mdp_hold *hold, starc_error *err)
{
    starc_mdp_options def;
    if (!opt) {
        starc_mdp_options_default(&def);
        opt = &def;
    }
    const double tol = opt->prob_tol;
    size_t n;
    if (S == 0 || A == 0)
        return starci_error(err, STARC_EDIM, "MDP needs at least one state and one action (got S=%zu, A=%zu)", S, A);
    if (!starci_mul3_ok(S, A, S, &n) || n > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "S*A*S overflows for S=%zu, A=%zu", S, A);
    if (!T || !mu0)
        return starci_error(err, STARC_EINVAL, "T and mu0 must not be NULL");
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance must be >= 0");
    if (!isfinite(gamma) || gamma < 0.0 || gamma >= 1.0)
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", gamma);
    const int avx = rows_avx();
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *row = T + (s * A + a) * S;
            int st;
            if (hold && hold->scan)
                hold->scan(hold->ctx, row, S * sizeof(double));
            if (!row_screen(avx, row, S, tol) && (st = check_row_exact(row, S, s, a, tol, err)))
                return st;
        }
    return check_mu0(S, mu0, tol, err);
}

int starc_mdp_validate(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                       const starc_mdp_options *opt, starc_error *err)
{
    return validate_dense(S, A, T, mu0, gamma, opt, NULL, err);
}

/* mu0 finite, non-negative, summing to 1 within tol. */
static int check_mu0(size_t S, const double *mu0, double tol, starc_error *err)
{
    double sum = 0.0;
    for (size_t s = 0; s < S; s++) {
        if (!isfinite(mu0[s]))
            return starci_error(err, STARC_EINVAL, "mu0[%zu] is not finite", s);
        if (mu0[s] < 0.0)
            return starci_error(err, STARC_EINVAL, "mu0[%zu] = %.17g is negative", s, mu0[s]);
        sum += mu0[s];
    }
    if (fabs(sum - 1.0) > tol)
        return starci_error(err, STARC_EINVAL, "mu0 sums to %.17g, not 1 (tolerance %g)", sum, tol);
    return STARC_OK;
}

/* The object around validated buffers it now owns (freed by starc_mdp_free). */
static int mdp_wrap(size_t S, size_t A, double *T, double *mu0, double gamma, starc_mdp **out, starc_error *err)
{
    starc_mdp *m = calloc(1, sizeof *m);
    if (!m)
        return starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP");
    m->S = S;
    m->A = A;
    m->gamma = gamma;
    m->T = T;
    m->mu0 = mu0;
    *out = m;
    return STARC_OK;
}

int starc_mdp_alloc(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                    const starc_mdp_options *opt, starc_mdp **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = starc_mdp_validate(S, A, T, mu0, gamma, opt, err);
    if (st)
        return st;
    double *Tc = starci_dalloc(S * A * S), *mc = starci_dalloc(S);
    if (!Tc || !mc) {
        free(Tc);
        free(mc);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP (S=%zu, A=%zu)", S, A);
    }
    memcpy(Tc, T, S * A * S * sizeof(double));
    memcpy(mc, mu0, S * sizeof(double));
    if ((st = mdp_wrap(S, A, Tc, mc, gamma, out, err))) {
        free(Tc);
        free(mc);
    }
    return st;
}

int starc_mdp_alloc_adopt(size_t S, size_t A, double *T, double *mu0, double gamma, const starc_mdp_options *opt,
                          starc_mdp **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = starc_mdp_validate(S, A, T, mu0, gamma, opt, err);
    return st ? st : mdp_wrap(S, A, T, mu0, gamma, out, err);
}

int starci_mdp_alloc_adopt_held(size_t S, size_t A, double *T, double *mu0, double gamma,
                                const starc_mdp_options *opt, const starci_mdp_hold *hold, starc_mdp **out,
                                starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = validate_dense(S, A, T, mu0, gamma, opt, hold, err);
    if (!st && !(st = mdp_wrap(S, A, T, mu0, gamma, out, err)))
        (*out)->T_mapped = hold && hold->mapped;
    return st;
}


/* ------------------------------------------------------------------ CSR */

/* The CSR checks of starc_mdp_alloc_csr (starc/mdp.h), in one pass over the
 * rows: structure first (indptr, then each row's indices), then values. */
static int validate_csr(size_t S, size_t A, size_t nnz, const size_t *indptr, const size_t *indices,
                        const double *data, const double *mu0, double gamma, const starc_mdp_options *opt,
                        starc_error *err)
{
    starc_mdp_options def;
    if (!opt) {
        starc_mdp_options_default(&def);
        opt = &def;
    }
    const double tol = opt->prob_tol;
    size_t rows;
    if (S == 0 || A == 0)
        return starci_error(err, STARC_EDIM, "MDP needs at least one state and one action (got S=%zu, A=%zu)", S, A);
    if (!starci_mul_ok(S, A, &rows) || rows == SIZE_MAX || rows + 1 > SIZE_MAX / sizeof(size_t))
        return starci_error(err, STARC_EDIM, "S*A+1 overflows for S=%zu, A=%zu", S, A);
    if (nnz > SIZE_MAX / sizeof(double) || nnz > SIZE_MAX / sizeof(size_t))
        return starci_error(err, STARC_EDIM, "nnz = %zu transitions overflow a buffer size", nnz);
    if (!indptr || (nnz && (!indices || !data)) || !mu0)
        return starci_error(err, STARC_EINVAL, "CSR arrays and mu0 must not be NULL");
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance must be >= 0");
    if (!isfinite(gamma) || gamma < 0.0 || gamma >= 1.0)
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", gamma);
    if (indptr[0] != 0)
        return starci_error(err, STARC_EDIM, "T_indptr[0] = %zu, not 0", indptr[0]);
    if (indptr[rows] != nnz)
        return starci_error(err, STARC_EDIM, "T_indptr[%zu] = %zu, not nnz = %zu", rows, indptr[rows], nnz);
    for (size_t r = 0; r < rows; r++)
        if (indptr[r + 1] < indptr[r] || indptr[r + 1] > nnz)
            return starci_error(err, STARC_EDIM, "T_indptr[%zu] = %zu is outside [T_indptr[%zu] = %zu, nnz = %zu]",
                                r + 1, indptr[r + 1], r, indptr[r], nnz);
    for (size_t r = 0; r < rows; r++) {
        const size_t s = r / A, a = r % A;
        double sum = 0.0;
        for (size_t k = indptr[r]; k < indptr[r + 1]; k++) {
            const size_t t = indices[k];
            if (t >= S)
                return starci_error(err, STARC_EINVAL, "T_indices[%zu] = %zu (row T[%zu,%zu,:]) is outside [0, %zu)",
                                    k, t, s, a, S);
            if (k > indptr[r] && t <= indices[k - 1])
                return starci_error(err, STARC_EINVAL, "T_indices[%zu] = %zu (row T[%zu,%zu,:]) is not above the "
                                    "previous index %zu: indices must be sorted, without duplicates", k, t, s, a,
                                    indices[k - 1]);
            if (!isfinite(data[k]))
                return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] (T_data[%zu]) is not finite", s, a, t, k);
            if (data[k] < 0.0)
                return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] (T_data[%zu]) = %.17g is negative", s, a, t, k,
                                    data[k]);
            sum += data[k];
        }
        if (fabs(sum - 1.0) > tol)
            return starci_error(err, STARC_EINVAL, "row T[%zu,%zu,:] sums to %.17g, not 1 (tolerance %g)", s, a, sum,
                                tol);
    }
    return check_mu0(S, mu0, tol, err);
}

int starc_mdp_alloc_csr_adopt(size_t S, size_t A, size_t nnz, size_t *indptr, size_t *indices, double *data,
                              double *mu0, double gamma, const starc_mdp_options *opt, starc_mdp **out,
                              starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = validate_csr(S, A, nnz, indptr, indices, data, mu0, gamma, opt, err);
    if (st)
        return st;
    starc_mdp *m = calloc(1, sizeof *m);
    if (!m)
        return starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP");
    m->S = S;
    m->A = A;
    m->gamma = gamma;
    m->mu0 = mu0;
    m->nnz = nnz;
    m->indptr = indptr;
    m->indices = indices;
    m->data = data;
    *out = m;
    return STARC_OK;
}

int starc_mdp_alloc_csr(size_t S, size_t A, size_t nnz, const size_t *indptr, const size_t *indices,
                        const double *data, const double *mu0, double gamma, const starc_mdp_options *opt,
                        starc_mdp **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = validate_csr(S, A, nnz, indptr, indices, data, mu0, gamma, opt, err);
    if (st)
        return st;
    const size_t rows = S * A + 1, n = nnz ? nnz : 1;
    size_t *ip = malloc(rows * sizeof *ip), *ix = malloc(n * sizeof *ix);
    double *dt = starci_dalloc(n), *mc = starci_dalloc(S);
    if (ip && ix && dt && mc) {
        memcpy(ip, indptr, rows * sizeof *ip);
        if (nnz) {
            memcpy(ix, indices, nnz * sizeof *ix);
            memcpy(dt, data, nnz * sizeof *dt);
        }
        memcpy(mc, mu0, S * sizeof *mc);
        if (!(st = starc_mdp_alloc_csr_adopt(S, A, nnz, ip, ix, dt, mc, gamma, opt, out, err)))
            return STARC_OK;
    } else {
        st = starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP (S=%zu, A=%zu, nnz=%zu)", S, A, nnz);
    }
    free(ip);
    free(ix);
    free(dt);
    free(mc);
    return st;
}

void starc_mdp_free(starc_mdp *m)
{
    if (!m)
        return;
    if (m->T_mapped)
        starci_npy_dfree_mapped(m->T, m->S * m->A * m->S);
    else
        free(m->T);
    free(m->mu0);
    free(m->indptr);
    free(m->indices);
    free(m->data);
    free(m);
}

size_t starc_mdp_states(const starc_mdp *m) { return m->S; }
size_t starc_mdp_actions(const starc_mdp *m) { return m->A; }
double starc_mdp_gamma(const starc_mdp *m) { return m->gamma; }
const double *starc_mdp_transitions(const starc_mdp *m) { return m->T; }
const double *starc_mdp_initial(const starc_mdp *m) { return m->mu0; }
int starc_mdp_is_sparse(const starc_mdp *m) { return m->T == NULL; }
size_t starc_mdp_nnz(const starc_mdp *m) { return m->T ? m->S * m->A * m->S : m->nnz; }
size_t starc_mdp_reward_size(const starc_mdp *m) { return starc_mdp_nnz(m); }

void starc_mdp_csr(const starc_mdp *m, const size_t **indptr, const size_t **indices, const double **data)
{
    if (indptr)
        *indptr = m->indptr;
    if (indices)
        *indices = m->indices;
    if (data)
        *data = m->data;
}

/* "(S,)", "(S,A)", ... for messages. */
static void shape_string(size_t ndim, const size_t *shape, char *got, size_t cap)
{
    snprintf(got, cap, "()");
    if (ndim == 1) snprintf(got, cap, "(%zu,)", shape[0]);
    else if (ndim == 2) snprintf(got, cap, "(%zu,%zu)", shape[0], shape[1]);
    else if (ndim == 3) snprintf(got, cap, "(%zu,%zu,%zu)", shape[0], shape[1], shape[2]);
    else if (ndim > 3) snprintf(got, cap, "a %zu-d array", ndim);
}

/* A reward on a sparse MDP: its values on the support, in CSR order. */
static int expand_csr(const starc_mdp *m, size_t ndim, const size_t *shape, const double *src, double *R,
                      starc_error *err)
{
    const size_t S = m->S, A = m->A;
    int state = ndim == 1 && shape[0] == S, sa = ndim == 2 && shape[0] == S && shape[1] == A;
    int full = !state && ndim == 1 && shape[0] == m->nnz;
    if (!state && !sa && !full) {
        char got[96];
        shape_string(ndim, shape, got, sizeof got);
        return starci_error(err, STARC_EDIM, "reward has shape %s; the sparse MDP needs (%zu,), (%zu,%zu) or "
                            "(nnz,) = (%zu,)", got, S, S, A, m->nnz);
    }
    size_t n = state ? S : sa ? S * A : m->nnz;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(src[i]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu (flat index) is not finite", i);
    if (full) {
        memmove(R, src, m->nnz * sizeof(double));
        return STARC_OK;
    }
    for (size_t r = 0; r < S * A; r++) {
        double v = state ? src[r / A] : src[r];
        for (size_t k = m->indptr[r]; k < m->indptr[r + 1]; k++)
            R[k] = v;
    }
    return STARC_OK;
}

int starc_mdp_reward_expand(const starc_mdp *m, size_t ndim, const size_t *shape,
                        const double *src, double *R, starc_error *err)
{
    const size_t S = m->S, A = m->A;
    if (!src || !R || (ndim > 0 && !shape))
        return starci_error(err, STARC_EINVAL, "reward arrays must not be NULL");
    if (!m->T)
        return expand_csr(m, ndim, shape, src, R, err);
    int ok = (ndim == 1 && shape[0] == S) ||
             (ndim == 2 && shape[0] == S && shape[1] == A) ||
             (ndim == 3 && shape[0] == S && shape[1] == A && shape[2] == S);
    if (!ok) {
        char got[96];
        shape_string(ndim, shape, got, sizeof got);
        return starci_error(err, STARC_EDIM,
                            "reward has shape %s; the MDP needs (%zu,), (%zu,%zu) or (%zu,%zu,%zu)",
                            got, S, S, A, S, A, S);
    }
    size_t n = ndim == 1 ? S : ndim == 2 ? S * A : S * A * S;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(src[i]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu (flat index) is not finite", i);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *row = R + (s * A + a) * S;
            if (ndim == 3) {
                memmove(row, src + (s * A + a) * S, S * sizeof(double));
            } else {
                double v = ndim == 1 ? src[s] : src[s * A + a];
                for (size_t t = 0; t < S; t++)
                    row[t] = v;
            }
        }
    return STARC_OK;
}

void starc_mdp_reward_expected(const starc_mdp *m, const double *R, double *Rbar)
{
    const size_t S = m->S, A = m->A;
    if (!m->T) {
        for (size_t r = 0; r < S * A; r++) {
            double acc = 0.0;
            for (size_t k = m->indptr[r]; k < m->indptr[r + 1]; k++)
                acc += m->data[k] * R[k];
            Rbar[r] = acc;
        }
        return;
    }
    for (size_t sa = 0; sa < S * A; sa++) {
        const double *t = m->T + sa * S, *r = R + sa * S;
        double acc = 0.0;
        for (size_t u = 0; u < S; u++)
            acc += t[u] * r[u];
        Rbar[sa] = acc;
    }
}

int starc_mdp_reward_expected_shaped(const starc_mdp *m, size_t ndim, const size_t *shape, const double *R,
                                     double *Rbar, starc_error *err)
{
    if (!m || !R || !Rbar || (ndim > 0 && !shape))
        return starci_error(err, STARC_EINVAL, "starc_mdp_reward_expected_shaped: NULL argument");
    const size_t S = m->S, A = m->A;
    const int state = ndim == 1 && shape[0] == S, sa = ndim == 2 && shape[0] == S && shape[1] == A;
    const int full = m->T ? ndim == 3 && shape[0] == S && shape[1] == A && shape[2] == S
                          : !state && ndim == 1 && shape[0] == m->nnz;
    if (full) {
        starc_mdp_reward_expected(m, R, Rbar);
        return STARC_OK;
    }
    if (!state && !sa) /* starc_mdp_reward_expand()'s shape error: it checks the shape first, before any access */
        return starc_mdp_reward_expand(m, ndim, shape, R, Rbar, err);
    for (size_t r = 0; r < S * A; r++) { /* the loops of starc_mdp_reward_expected() with r[u] = c */
        const double c = state ? R[r / A] : R[r];
        double acc = 0.0;
        if (m->T) {
            const double *t = m->T + r * S;
            for (size_t u = 0; u < S; u++)
                acc += t[u] * c;
        } else {
            for (size_t k = m->indptr[r]; k < m->indptr[r + 1]; k++)
                acc += m->data[k] * c;
        }
        Rbar[r] = acc;
    }
    return STARC_OK;
}

void starc_mdp_state_reward_expected(const starc_mdp *m, const double *r, double *Rbar)
{
    const size_t S = m->S, A = m->A;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            Rbar[s * A + a] = r[s];
}
