/* Canonicalisations (docs/theory.md §2).  Each kind is computed as a structured form
 * (canon-internal.h) so that distances never materialise c(R); the
 * public starc_canon_apply() writes the dense tensor from that form. */
#include <config.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "canon-internal.h"
#include "error-internal.h"
#include "sparse-internal.h"
#include "kernels-internal.h"
#include "lapack.h"
#include "parallel-internal.h"
#include "policy-internal.h"
#include "starc/canon.h"
#include "starc/policy.h"

/* ---- 256-bit row kernels for the passes over T (Rbar and T V) ----------------
 * The four lanes of kernels-internal.h as one AVX register instead of two SSE2
 * ones: lane i takes the elements j = i (mod 4) and the lanes are combined as
 * (l0 + l1) + (l2 + l3) after lane 0 took the tail, exactly as k_dot,
 * k_dot2, k_dot_maxabs and k_dot_maxabs2 do, so the results are bitwise the
 * same (no FMA: the products are rounded before the sums, as there; max is
 * exact in any order).  Used when the CPU and the OS support AVX and the
 * environment does not say STARC_KERNELS=baseline (which the tests use to
 * compare both bit for bit). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(STARC_SCALAR_KERNELS) && \
    !defined(__FMA__) && !defined(__AVX__)
#define CANON_AVX 1
#include <immintrin.h>
#define AVX_FN __attribute__((target("avx")))

AVX_FN static inline __m256d avx_abs(__m256d x)
{
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
}

/* (l0 + l1) + (l2 + l3) of v after l0 += tail. */
AVX_FN static inline double avx_sum(__m256d v, double tail)
{
    double l[4];
    _mm256_storeu_pd(l, v);
    l[0] += tail;
    return (l[0] + l[1]) + (l[2] + l[3]);
}

AVX_FN static inline double avx_max(__m256d v, double tail)
{
    double l[4];
    _mm256_storeu_pd(l, v);
    l[0] = MAXD(l[0], tail);
    return MAXD(MAXD(l[0], l[2]), MAXD(l[1], l[3]));
}

/* Rbar_i[sa] = sum_j T r_i and mx_i = max(mx_i, max |r_i|) for rows sa0..sa1-1 of k <= 2 rewards. */
AVX_FN static void avx_dot_maxabs_rows(const double *T, size_t S, size_t sa0, size_t sa1, size_t k,
                                       const double *const *R, double *const *Rbar, double *mx)
{
    for (size_t sa = sa0; sa < sa1; sa++) {
        const double *t = T + sa * S, *x = R[0] + sa * S, *y = k == 2 ? R[1] + sa * S : x;
        __m256d a = _mm256_setzero_pd(), b = a, ma = a, mb = a;
        size_t j = 0;
        for (; j + 4 <= S; j += 4) {
            __m256d tt = _mm256_loadu_pd(t + j), xx = _mm256_loadu_pd(x + j), yy = _mm256_loadu_pd(y + j);
            a = _mm256_add_pd(a, _mm256_mul_pd(tt, xx));
            ma = _mm256_max_pd(ma, avx_abs(xx));
            if (k == 2) {
                b = _mm256_add_pd(b, _mm256_mul_pd(tt, yy));
                mb = _mm256_max_pd(mb, avx_abs(yy));
            }
        }
        double ta = 0.0, tb = 0.0, tma = 0.0, tmb = 0.0;
        for (; j < S; j++) {
            ta += t[j] * x[j];
            tma = MAXD(tma, fabs(x[j]));
            if (k == 2) {
                tb += t[j] * y[j];
                tmb = MAXD(tmb, fabs(y[j]));
            }
        }
        Rbar[0][sa] = avx_sum(a, ta);
        mx[0] = MAXD(mx[0], avx_max(ma, tma));
        if (k == 2) {
            Rbar[1][sa] = avx_sum(b, tb);
            mx[1] = MAXD(mx[1], avx_max(mb, tmb));
        }
    }
}

/* Y[i*SA + sa] = sum_j T V_i for rows sa0..sa1-1 and k <= 2 vectors V_i = V + i*S. */
AVX_FN static void avx_dot_rows(const double *T, size_t S, size_t SA, size_t sa0, size_t sa1, size_t k,
                                const double *V, double *Y)
{
    const double *v = V, *w = k == 2 ? V + S : V;
    for (size_t sa = sa0; sa < sa1; sa++) {
        const double *t = T + sa * S;
        __m256d a = _mm256_setzero_pd(), b = a;
        size_t j = 0;
        for (; j + 4 <= S; j += 4) {
            __m256d tt = _mm256_loadu_pd(t + j);
            a = _mm256_add_pd(a, _mm256_mul_pd(tt, _mm256_loadu_pd(v + j)));
            if (k == 2)
                b = _mm256_add_pd(b, _mm256_mul_pd(tt, _mm256_loadu_pd(w + j)));
        }
        double ta = 0.0, tb = 0.0;
        for (; j < S; j++) {
            ta += t[j] * v[j];
            if (k == 2)
                tb += t[j] * w[j];
        }
        Y[sa] = avx_sum(a, ta);
        if (k == 2)
            Y[SA + sa] = avx_sum(b, tb);
    }
}
#endif

/* Whether the passes over T use the 256-bit kernels (decided per plan). */
static int avx_wanted(void)
{
#ifdef CANON_AVX
    if (starci_kernels_baseline())
        return 0;
    /* libgcc's constructor has filled the CPU model by now: no __builtin_cpu_init(),
     * which would write it again (a data race when plans are made on several threads) */
    return __builtin_cpu_supports("avx") != 0;
#else
    return 0;
#endif
}

static const char *const canon_names[STARC_CANON_KIND_COUNT] = {
    "none", "epic", "dard", "val", "val-potential", "minimal-potential", "minimal"};

const char *starc_canon_kind_name(starc_canon_kind kind)
{
    return (unsigned)kind < STARC_CANON_KIND_COUNT ? canon_names[kind] : NULL;
}

int starc_canon_kind_parse(const char *name, starc_canon_kind *kind, starc_error *err)
{
    for (int i = 0; name && i < STARC_CANON_KIND_COUNT; i++)
        if (strcmp(name, canon_names[i]) == 0) {
            *kind = (starc_canon_kind)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL,
                        "'%s' is not a canonicalisation (none, epic, dard, val, val-potential, minimal-potential, minimal)",
                        name ? name : "(null)");
}

void starc_canon_options_default(starc_canon_options *o)
{
    o->state_dist = NULL;
    o->action_dist = NULL;
    o->policy = NULL;
    o->weighted = 0;
    o->nthreads = 1;
    o->prob_tol = STARC_MDP_PROB_TOL;
    o->max_bytes = STARC_CANON_MAX_BYTES_DEFAULT;
}

struct canon_slot {
    double *E;    /* S*S offset (dard) */
    double *P, *Q; /* S each: offset P(s') + Q(s) (epic, val-potential, minimal-potential) */
    double *u;    /* S*A (val, minimal) */
    double *Rbar; /* S*A */
    double *v;    /* S: g (epic, dard), V (val*), Phi (minimal*) */
    double *y;    /* S*A: T V (val), T Phi (minimal) */
    double *b;    /* S: right-hand sides and row/column sums */
    double rsum;  /* the finiteness proof of the last forms (starci_canon_rsum()) */
};

/* Rbar, max |R| and the finiteness proof of k <= 2 rewards, computed before the forms. */
struct rbar_given {
    const double *const *Rbar;
    const double *rmax, *rsum;
    const double *const *V, *const *TV; /* val: V^pi and T V^pi from starci_canon_val_set(), or NULL */
};

struct starc_canon {
    const starc_mdp *m;
    size_t S, A;
    double gamma;
    starc_canon_kind kind;
    double *ds, *da, *pi; /* D_S (S), D_A (A), policy (S*A) */
    int ds_uniform, weighted;
    int nthreads;         /* threads of the streaming passes */
    int avx;              /* the passes over T use the 256-bit row kernels (avx_wanted()) */
    starc_policy_evaluator *ev;  /* val, val-potential */
    double *chol;         /* S*S Cholesky factor, column-major lower (minimal-potential, minimal) */
    double *w;            /* S*A: 1 / sum_s' T^2 (minimal) */
    double *M;            /* S*S dgemm scratch (dard) */
    double *vbuf, *ybuf, *bbuf; /* slot i's v, y, b at offset i*S, i*S*A, i*S: contiguous for dgemm */
    double *fill;         /* 2*S per thread: rows of (S,A) rewards' values repeated (starci_canon_forms_sa) */
    struct canon_slot slot[2];
    const struct rbar_given *given; /* during starci_canon_forms_rbar(): the rewards' Rbar */
};

starc_canon_kind starc_canon_get_kind(const starc_canon *c)
{
    return c->kind;
}

void starc_canon_free(starc_canon *c)
{
    if (!c)
        return;
    free(c->ds);
    free(c->da);
    free(c->pi);
    starc_policy_evaluator_free(c->ev);
    free(c->chol);
    free(c->w);
    free(c->M);
    for (int i = 0; i < 2; i++) {
        free(c->slot[i].E);
        free(c->slot[i].P);
        free(c->slot[i].Q);
        free(c->slot[i].u);
        free(c->slot[i].Rbar);
    }
    free(c->vbuf);
    free(c->ybuf);
    free(c->bbuf);
    free(c->fill);
    free(c);
}

/* A probability vector of n entries, named in the message. */
static int check_dist(const char *what, const double *p, size_t n, double tol, starc_error *err)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]) || p[i] < 0.0)
            return starci_error(err, STARC_EINVAL, "%s entry %zu = %.17g is negative or not finite", what, i, p[i]);
        sum += p[i];
    }
    if (fabs(sum - 1.0) > tol)
        return starci_error(err, STARC_EINVAL, "%s sums to %.17g, not 1 (tolerance %g)", what, sum, tol);
    return STARC_OK;
}

/* Normal equations of minimal-potential: G = B^T W B for B Phi = gamma Phi(s') - Phi(s),
 * W = 1 or T.  G(k,l) = [k=l] (gamma^2 colw(k) + roww(k)) - gamma (Ws(k,l) + Ws(l,k)),
 * colw(k) = sum_{s,a} w(s,a,k), roww(k) = sum_{a,s'} w(k,a,s'), Ws(s,s') = sum_a w(s,a,s'). */
static void assemble_minpot(const starc_canon *c, double *G)
{
    const size_t S = c->S, A = c->A;
    const double g = c->gamma, *T = starc_mdp_transitions(c->m);
    memset(G, 0, S * S * sizeof(double));
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *t = T + (s * A + a) * S;
            for (size_t k = 0; k < S; k++) {
                double wk = c->weighted ? t[k] : 1.0;
                G[k * S + k] += g * g * wk; /* colw */
                G[s * S + s] += wk;         /* roww */
                G[s * S + k] -= g * wk;
                G[k * S + s] -= g * wk;
            }
        }
}

/* Normal equations of minimal: H = M^T W M, M = gamma T - E (SA x S), W = diag(w).
 * H = gamma^2 T^T W T - gamma (F + F^T) + diag(sum_a w(k,a)), F(k,l) = sum_a w(k,a) T(k,a,l).
 * T^T W T is accumulated one action at a time with dsyrk on sqrt(w) T_a (S x S scratch). */
static void assemble_minimal(const starc_canon *c, double *H, double *B)
{
    const size_t S = c->S, A = c->A;
    const double g = c->gamma, *T = starc_mdp_transitions(c->m);
    for (size_t a = 0; a < A; a++) {
        for (size_t s = 0; s < S; s++) {
            double sw = sqrt(c->w[s * A + a]);
            const double *t = T + (s * A + a) * S;
            for (size_t k = 0; k < S; k++)
                B[s * S + k] = sw * t[k];
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)S, (int)S, g * g, B, (int)S,
                    a == 0 ? 0.0 : 1.0, H, (int)S);
    }
    /* Upper triangle only: H(k,l), k <= l, gets -gamma (F(k,l) + F(l,k)). */
    for (size_t k = 0; k < S; k++)
        for (size_t a = 0; a < A; a++) {
            double wk = c->w[k * A + a];
            const double *t = T + (k * A + a) * S;
            H[k * S + k] += wk;
            for (size_t l = 0; l < S; l++) {
                double f = g * wk * t[l];
                if (l >= k)
                    H[k * S + l] -= f;
                if (l <= k)
                    H[l * S + k] -= f;
            }
        }
}

/* The options' distributions and policy, for the kinds that use them. */
static int check_inputs(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    int st;
    if (S * A > (size_t)INT_MAX) /* BLAS/LAPACK take int dimensions */
        return starci_error(err, STARC_EDIM, "S*A = %zu exceeds the BLAS/LAPACK dimension limit", S * A);
    if (kind == STARC_CANON_EPIC && opt->state_dist &&
        (st = check_dist("state distribution D_S", opt->state_dist, S, opt->prob_tol, err)))
        return st;
    if ((kind == STARC_CANON_EPIC || kind == STARC_CANON_DARD) && opt->action_dist &&
        (st = check_dist("action distribution D_A", opt->action_dist, A, opt->prob_tol, err)))
        return st;
    if ((kind == STARC_CANON_VAL || kind == STARC_CANON_VAL_POTENTIAL) && opt->policy &&
        (st = starci_policy_check(m, opt->policy, opt->prob_tol, err)))
        return st;
    return STARC_OK;
}

/* The two slots' scratch (E, P/Q, u as the kind needs) and DARD's M; 0 when out of memory. */
static int alloc_slots(starc_canon *c)
{
    const size_t S = c->S, A = c->A;
    const starc_canon_kind kind = c->kind;
    int need_E = kind == STARC_CANON_DARD;
    int need_PQ = kind == STARC_CANON_EPIC || kind == STARC_CANON_VAL_POTENTIAL || kind == STARC_CANON_MINIMAL_POTENTIAL;
    int need_u = kind == STARC_CANON_VAL || kind == STARC_CANON_MINIMAL;
    if (!(c->vbuf = starci_dalloc(2 * S)) || !(c->ybuf = starci_dalloc(2 * S * A)) || !(c->bbuf = starci_dalloc(2 * S)))
        return 0;
    for (int i = 0; i < 2; i++) {
        struct canon_slot *sl = &c->slot[i];
        if (need_E && !(sl->E = starci_dalloc(S * S)))
            return 0;
        if (need_PQ && (!(sl->P = starci_dalloc(S)) || !(sl->Q = starci_dalloc(S))))
            return 0;
        if (need_u && !(sl->u = starci_dalloc(S * A)))
            return 0;
        if (!(sl->Rbar = starci_dalloc(S * A)))
            return 0;
        sl->v = c->vbuf + i * S;
        sl->y = c->ybuf + i * S * A;
        sl->b = c->bbuf + i * S;
    }
    return kind != STARC_CANON_DARD || (c->M = starci_dalloc(S * S)) != NULL;
}

/* The minimal(-potential) kinds' normal equations, assembled and Cholesky-factorised. */
static int factorise_minimal(starc_canon *c, starc_error *err)
{
    const size_t S = c->S, A = c->A;
    if (!(c->chol = starci_dalloc(S * S)))
        return STARC_ENOMEM;
    if (c->kind == STARC_CANON_MINIMAL_POTENTIAL) {
        assemble_minpot(c, c->chol);
    } else {
        const double *T = starc_mdp_transitions(c->m);
        double *B = starci_dalloc(S * S);
        if (!(c->w = starci_dalloc(S * A)) || !B) {
            free(B);
            return STARC_ENOMEM;
        }
        for (size_t sa = 0; sa < S * A; sa++) {
            double q = 0.0;
            for (size_t k = 0; k < S; k++)
                q += T[sa * S + k] * T[sa * S + k];
            c->w[sa] = 1.0 / q; /* q >= 1/S > 0: rows of T sum to 1 */
        }
        assemble_minimal(c, c->chol, B);
        free(B);
    }
    /* The upper triangle in row-major order is the lower one in column-major
     * order: factorising that way spares LAPACKE's row-major transposes.
     * Solves use dpotrs_work, which skips LAPACKE's per-call NaN scan of
     * the factor. */
    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)S, c->chol, (lapack_int)S);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "%s: normal equations are not positive definite (dpotrf info %d)",
                            canon_names[c->kind], (int)info);
    return STARC_OK;
}

int starc_canon_alloc(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt,
                      starc_canon **out, starc_error *err)
{
    if (starci_sparse_refuse(m, "starc_canon_alloc", err))
        return STARC_EINVAL;
    if (!m || !out)
        return starci_error(err, STARC_EINVAL, "MDP and output pointer must not be NULL");
    *out = NULL;
    if ((unsigned)kind >= STARC_CANON_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid canonicalisation kind %d", (int)kind);
    starc_canon_options def;
    if (!opt) {
        starc_canon_options_default(&def);
        opt = &def;
    }
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    int st = check_inputs(m, kind, opt, err);
    if (st)
        return st;
    starc_canon *c = calloc(1, sizeof *c);
    if (!c)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    c->m = m;
    c->S = S;
    c->A = A;
    c->gamma = starc_mdp_gamma(m);
    c->kind = kind;
    c->weighted = opt->weighted != 0;
    c->nthreads = opt->nthreads > 0 ? opt->nthreads : 1;
    c->avx = avx_wanted();
    c->ds = starci_dalloc(S);
    c->da = starci_dalloc(A);
    c->pi = starci_dalloc(S * A);
    if (!c->ds || !c->da || !c->pi)
        goto nomem;
    c->ds_uniform = opt->state_dist == NULL;
    for (size_t s = 0; s < S; s++)
        c->ds[s] = opt->state_dist ? opt->state_dist[s] : 1.0 / (double)S;
    for (size_t a = 0; a < A; a++)
        c->da[a] = opt->action_dist ? opt->action_dist[a] : 1.0 / (double)A;
    if (opt->policy)
        memcpy(c->pi, opt->policy, S * A * sizeof(double));
    else
        starc_policy_uniform(m, c->pi);
    if (!alloc_slots(c))
        goto nomem;
    if (kind == STARC_CANON_VAL || kind == STARC_CANON_VAL_POTENTIAL)
        st = starc_policy_evaluator_alloc(m, c->pi, &c->ev, err);
    else if ((kind == STARC_CANON_MINIMAL_POTENTIAL || kind == STARC_CANON_MINIMAL) &&
             (st = factorise_minimal(c, err)) == STARC_ENOMEM)
        goto nomem;
    if (st) {
        starc_canon_free(c);
        return st;
    }
    *out = c;
    return STARC_OK;
nomem:
    starc_canon_free(c);
    return starci_error(err, STARC_ENOMEM, "out of memory preparing the %s canonicalisation (S=%zu, A=%zu)",
                        canon_names[kind], S, A);
}

struct rbar_ctx {
    const double *T;
    size_t S, A, k;
    int avx;
    const double *const *R;
    const double *const *Rsa; /* NULL, or per reward its (S,A) values (R[i] then unused) or NULL */
    double *fill;             /* 2*S per thread, with Rsa */
    double *const *Rbar;
    double rmax[STARCI_PARALLEL_MAX_THREADS][2];
};

/* Row sa of k <= 2 rewards, reward i given by its (S,A) values Rsa[i] or in
 * full (R[i]): an (S,A) value is repeated S times in f + i*S, the row its
 * expansion would have, and fed to the same row kernel, so that Rbar and
 * max |R| are those of the expanded reward bit for bit (same four-lane sums,
 * AVX or baseline), without the (S,A,S) tensor. */
static void rbar_row_sa(const double *T, size_t S, size_t sa, size_t k, const double *const *R,
                        const double *const *Rsa, double *f, double *const *Rbar, double *mx, int avx)
{
    const double *row[2] = {NULL, NULL};
    double *out[2] = {NULL, NULL};
    for (size_t i = 0; i < k; i++) {
        if (Rsa[i]) {
            const double v = Rsa[i][sa];
            for (size_t j = 0; j < S; j++)
                f[i * S + j] = v;
            row[i] = f + i * S;
        } else {
            row[i] = R[i] + sa * S;
        }
        out[i] = Rbar[i] + sa;
    }
    const double *t = T + sa * S;
#ifdef CANON_AVX
    if (avx) {
        avx_dot_maxabs_rows(t, S, 0, 1, k, row, out, mx);
        return;
    }
#else
    (void)avx;
#endif
    if (k == 2)
        k_dot_maxabs2(t, row[0], row[1], S, out[0], out[1], &mx[0], &mx[1]);
    else
        k_dot_maxabs(t, row[0], S, out[0], &mx[0]);
}

/* Rbar_i[sa] and mx_i for rows sa0..sa1-1 of k <= 2 full rewards: the AVX or baseline row kernel. */
static void rbar_rows(const double *T, size_t S, size_t sa0, size_t sa1, size_t k, const double *const *R,
                      double *const *Rbar, double *mx, int avx)
{
#ifdef CANON_AVX
    if (avx) {
        avx_dot_maxabs_rows(T, S, sa0, sa1, k, R, Rbar, mx);
        return;
    }
#else
    (void)avx;
#endif
    for (size_t sa = sa0; sa < sa1; sa++) {
        const double *t = T + sa * S;
        if (k == 2)
            k_dot_maxabs2(t, R[0] + sa * S, R[1] + sa * S, S, &Rbar[0][sa], &Rbar[1][sa], &mx[0], &mx[1]);
        else
            k_dot_maxabs(t, R[0] + sa * S, S, &Rbar[0][sa], &mx[0]);
    }
}

static void rbar_states(void *arg, size_t s0, size_t s1, int tid)
{
    struct rbar_ctx *c = arg;
    const size_t S = c->S, A = c->A;
    double *mx = c->rmax[tid];
    mx[0] = mx[1] = 0.0;
    if (c->Rsa) {
        for (size_t sa = s0 * A; sa < s1 * A; sa++)
            rbar_row_sa(c->T, S, sa, c->k, c->R, c->Rsa, c->fill + (size_t)tid * 2 * S, c->Rbar, mx, c->avx);
        return;
    }
    rbar_rows(c->T, S, s0 * A, s1 * A, c->k, c->R, c->Rbar, mx, c->avx);
}

/* Expected reward of a dense row set: Rbar_i(s,a) = sum_s' T R_i for k <= 2
 * rewards in one pass over T; rmax_i = max |R_i|.  Optional: if rhs != NULL,
 * rhs_i[s'] += coef(s,a) * Rbar_i(s,a) * T[s,a,s'] (minimal).  Rsa, fill:
 * as in struct rbar_ctx (NULL: every reward in full). */
static void rbar_multi(const double *T, size_t S, size_t A, size_t k, const double *const *R,
                       const double *const *Rsa, double *fill, double *const *Rbar, double *rmax, const double *coef,
                       double *const *rhs, int nthreads, int avx)
{
    if (rhs) {
        /* the right-hand sides accumulate across rows: one thread, fixed order */
        for (size_t i = 0; i < k; i++)
            rmax[i] = 0.0;
        for (size_t sa = 0; sa < S * A; sa++) {
            const double *t = T + sa * S;
            if (Rsa)
                rbar_row_sa(T, S, sa, k, R, Rsa, fill, Rbar, rmax, 0);
            else if (k == 2)
                k_dot_maxabs2(t, R[0] + sa * S, R[1] + sa * S, S, &Rbar[0][sa], &Rbar[1][sa], &rmax[0], &rmax[1]);
            else
                k_dot_maxabs(t, R[0] + sa * S, S, &Rbar[0][sa], &rmax[0]);
            for (size_t i = 0; i < k; i++)
                k_axpy(rhs[i], coef[sa] * Rbar[i][sa], t, S);
        }
        return;
    }
    struct rbar_ctx c;
    c.T = T;
    c.S = S;
    c.A = A;
    c.k = k;
    c.avx = avx;
    c.R = R;
    c.Rsa = Rsa;
    c.fill = fill;
    c.Rbar = Rbar;
    if (nthreads > STARCI_PARALLEL_MAX_THREADS)
        nthreads = STARCI_PARALLEL_MAX_THREADS;
    for (int t = 0; t < STARCI_PARALLEL_MAX_THREADS; t++)
        c.rmax[t][0] = c.rmax[t][1] = 0.0;
    starci_parallel_run(nthreads, S, (k + 1) * S * A * S, rbar_states, &c);
    for (size_t i = 0; i < k; i++) {
        double m = 0.0;
        for (int t = 0; t < STARCI_PARALLEL_MAX_THREADS; t++) /* max: the order does not matter */
            m = MAXD(m, c.rmax[t][i]);
        rmax[i] = m;
    }
}

/* The finiteness proof of rewards whose Rbar was just computed: every entry
 * of R entered its row's Rbar with a factor of T (starci_canon_rsum()). */
static void rbar_proof(starc_canon *c, size_t k, double *const *Rbar)
{
    for (size_t i = 0; i < k; i++)
        c->slot[i].rsum = k_sumabs(Rbar[i], c->S * c->A);
}

/* ---- Rbar of a set of rewards in one pass over T ------------------------------
 * T is read in blocks of rows (RBAR_BLOCK_BYTES of it); each block serves
 * every reward of the set while it is in cache, each reward's rows going
 * through the one-reward row kernel (rbar_rows(), k = 1), so every Rbar has
 * the bits of its own pass. */
enum { RBAR_BLOCK_BYTES = 1 << 18 };

struct rbar_set_ctx {
    const double *T;
    size_t S, A, n;
    int avx;
    const double *const *R;
    const double *const *Rsa; /* NULL, or per reward its (S,A) values (R[i] then unused) or NULL */
    double *fill;             /* S per thread, with Rsa */
    double *Rbar;             /* n * S*A */
    double *mx;               /* n per thread */
};

static void rbar_set_states(void *arg, size_t s0, size_t s1, int tid)
{
    const struct rbar_set_ctx *c = arg;
    const size_t S = c->S, SA = S * c->A, end = s1 * c->A;
    const size_t rows = S * sizeof(double) >= RBAR_BLOCK_BYTES ? 1 : RBAR_BLOCK_BYTES / (S * sizeof(double));
    double *mx = c->mx + (size_t)tid * c->n;
    for (size_t i = 0; i < c->n; i++)
        mx[i] = 0.0;
    for (size_t b0 = s0 * c->A; b0 < end; b0 += rows) {
        const size_t b1 = end - b0 > rows ? b0 + rows : end;
        for (size_t i = 0; i < c->n; i++) {
            double *out = c->Rbar + i * SA;
            if (c->Rsa && c->Rsa[i]) /* its rows as its expansion would have them (rbar_row_sa()) */
                for (size_t sa = b0; sa < b1; sa++)
                    rbar_row_sa(c->T, S, sa, 1, &c->R[i], &c->Rsa[i], c->fill + (size_t)tid * S, &out, &mx[i],
                                c->avx);
            else
                rbar_rows(c->T, S, b0, b1, 1, &c->R[i], &out, &mx[i], c->avx);
        }
    }
}

int starci_canon_rbar_ok(const starc_canon *c)
{
    return c->kind == STARC_CANON_VAL || c->kind == STARC_CANON_VAL_POTENTIAL || c->kind == STARC_CANON_DARD;
}

int starci_canon_rbar_set(const starc_canon *c, size_t n, const double *const *R, const double *const *Rsa,
                          double *Rbar, double *rmax, double *rsum, starc_error *err)
{
    const size_t S = c->S, A = c->A;
    const int nt = c->nthreads < STARCI_PARALLEL_MAX_THREADS ? c->nthreads : STARCI_PARALLEL_MAX_THREADS;
    double *mx = starci_dalloc((size_t)nt * (n ? n : 1)), *fill = Rsa ? starci_dalloc((size_t)nt * S) : NULL;
    if (!mx || (Rsa && !fill)) {
        free(mx);
        return starci_error(err, STARC_ENOMEM, "out of memory for the expected rewards of %zu rewards", n);
    }
    struct rbar_set_ctx ctx = {starc_mdp_transitions(c->m), S, A, n, c->avx, R, Rsa, fill, Rbar, mx};
    for (size_t i = 0; i < (size_t)nt * n; i++)
        mx[i] = 0.0; /* threads that get no states leave theirs */
    starci_parallel_run(nt, S, (n + 1) * S * A * S, rbar_set_states, &ctx);
    for (size_t i = 0; i < n; i++) {
        double m = 0.0;
        for (int t = 0; t < nt; t++) /* max: the order does not matter */
            m = MAXD(m, mx[(size_t)t * n + i]);
        rmax[i] = m;
        rsum[i] = k_sumabs(Rbar + i * S * A, S * A); /* as rbar_proof() */
    }
    free(mx);
    free(fill);
    return STARC_OK;
}

/* ---- val: V^pi and T V^pi of a set of rewards, T V in one pass over T ---------- */

static void tv_rows(const double *T, size_t S, size_t SA, size_t sa0, size_t sa1, size_t k, const double *V, double *Y,
                    int avx);

struct tv_set_ctx {
    const double *T;
    size_t S, A, n;
    int avx;
    const double *V; /* n * S */
    double *TV;      /* n * S*A */
};

static void tv_set_states(void *arg, size_t s0, size_t s1, int tid)
{
    const struct tv_set_ctx *c = arg;
    const size_t S = c->S, SA = S * c->A, end = s1 * c->A;
    const size_t rows = S * sizeof(double) >= RBAR_BLOCK_BYTES ? 1 : RBAR_BLOCK_BYTES / (S * sizeof(double));
    (void)tid;
    for (size_t b0 = s0 * c->A; b0 < end; b0 += rows) {
        const size_t b1 = end - b0 > rows ? b0 + rows : end;
        for (size_t i = 0; i < c->n; i++)
            tv_rows(c->T, S, SA, b0, b1, 1, c->V + i * S, c->TV + i * SA, c->avx);
    }
}

int starci_canon_val_set(starc_canon *c, size_t n, const double *Rbar, double *V, double *TV, starc_error *err)
{
    if (c->kind != STARC_CANON_VAL)
        return starci_error(err, STARC_EINVAL, "V and T V of a set are for the val canonical form");
    const size_t S = c->S, A = c->A;
    for (size_t i = 0; i < n; i++)
        if (starc_policy_evaluator_values_rbar(c->ev, Rbar + i * S * A, V + i * S, NULL, err) != STARC_OK)
            return starci_error(err, STARC_ELAPACK, "policy evaluation failed (dgetrs)");
    const int nt = c->nthreads < STARCI_PARALLEL_MAX_THREADS ? c->nthreads : STARCI_PARALLEL_MAX_THREADS;
    struct tv_set_ctx ctx = {starc_mdp_transitions(c->m), S, A, n, c->avx, V, TV};
    starci_parallel_run(nt, S, n * S * A * S, tv_set_states, &ctx);
    return STARC_OK;
}

/* Rbar, max |R| and the finiteness proof of k <= 2 rewards for the forms:
 * given (starci_canon_forms_rbar()), or from one pass over T. */
static void rbar_get(starc_canon *c, size_t k, const double *const *R, const double *const *Rsa,
                     double *const *Rbar, double *rmax)
{
    if (c->given) {
        for (size_t i = 0; i < k; i++) {
            memcpy(Rbar[i], c->given->Rbar[i], c->S * c->A * sizeof(double));
            rmax[i] = c->given->rmax[i];
            c->slot[i].rsum = c->given->rsum[i];
        }
        return;
    }
    rbar_multi(starc_mdp_transitions(c->m), c->S, c->A, k, R, Rsa, c->fill, Rbar, rmax, NULL, NULL, c->nthreads,
               c->avx);
    rbar_proof(c, k, Rbar);
}

struct tv_ctx {
    const double *T, *V;
    double *Y;
    size_t S, A, k;
    int avx;
};

/* Y[i*SA + sa] = sum_s' T[sa,s'] V[i*S + s'] for rows sa0..sa1-1 and k <= 2 vectors: the AVX or baseline row kernel. */
static void tv_rows(const double *T, size_t S, size_t SA, size_t sa0, size_t sa1, size_t k, const double *V, double *Y,
                    int avx)
{
#ifdef CANON_AVX
    if (avx) {
        avx_dot_rows(T, S, SA, sa0, sa1, k, V, Y);
        return;
    }
#else
    (void)avx;
#endif
    for (size_t sa = sa0; sa < sa1; sa++) {
        const double *t = T + sa * S;
        if (k == 2)
            k_dot2(t, V, V + S, S, &Y[sa], &Y[SA + sa]);
        else
            Y[sa] = k_dot(t, V, S);
    }
}

static void tv_states(void *arg, size_t s0, size_t s1, int tid)
{
    const struct tv_ctx *c = arg;
    (void)tid;
    tv_rows(c->T, c->S, c->S * c->A, s0 * c->A, s1 * c->A, c->k, c->V, c->Y, c->avx);
}

/* Y[i*S*A + sa] = sum_s' T[sa,s'] V[i*S + s'] for k <= 2 vectors in one pass over T. */
static void tv_multi(const double *T, size_t S, size_t A, size_t k, const double *V, double *Y, int nthreads, int avx)
{
    /* one streaming pass over T for all k vectors (BLAS dgemm would first
     * pack T, an extra copy of the whole tensor for only k columns) */
    struct tv_ctx c = {T, V, Y, S, A, k, avx};
    starci_parallel_run(nthreads, S, S * A * S, tv_states, &c);
}

const double *starci_canon_form_row(const starci_cform *cf, const double *T, size_t S, size_t A,
                               size_t s, size_t a, double *buf)
{
    const size_t sa = s * A + a;
    switch (cf->kind) {
    case STARCI_CF_DENSE: {
        const double *r = cf->R + sa * S;
        if (cf->E)
            k_add(buf, r, cf->E + s * S, S);
        else if (cf->P)
            k_add_c(buf, r, cf->P, cf->Q[s], S);
        else
            return r;
        return buf;
    }
    case STARCI_CF_SAT:
        k_scale(buf, cf->u[sa], T + sa * S, S);
        return buf;
    default: {
        const double u = cf->u[sa];
        for (size_t j = 0; j < S; j++)
            buf[j] = u;
        return buf;
    }
    }
}

/* The shaping-type offset gamma p(s') - q(s) - gamma Kc as P(s') + Q(s). */
static void fill_potential(size_t S, double gamma, const double *p, const double *q, double Kc, struct canon_slot *sl)
{
    for (size_t j = 0; j < S; j++) {
        sl->P[j] = gamma * p[j];
        sl->Q[j] = -q[j] - gamma * Kc;
    }
}

/* E(s,s') = gamma p(s') - q(s) - gamma K(s,s') (K may be NULL; K may equal E). */
static void fill_offset(size_t S, double gamma, const double *p, const double *q, double Kc, const double *K, double *E)
{
    for (size_t s = 0; s < S; s++) {
        double *e = E + s * S;
        double qs = q[s] + gamma * Kc;
        if (K) {
            const double *kr = K + s * S;
            for (size_t j = 0; j < S; j++)
                e[j] = gamma * (p[j] - kr[j]) - qs;
        } else {
            for (size_t j = 0; j < S; j++)
                e[j] = gamma * p[j] - qs;
        }
    }
}

struct epic_ctx {
    const starc_canon *c;
    const double *R;
    double *g;
    double rmax[STARCI_PARALLEL_MAX_THREADS];
};

static void epic_states(void *arg, size_t s0, size_t s1, int tid)
{
    struct epic_ctx *e = arg;
    const starc_canon *c = e->c;
    const size_t S = c->S, A = c->A;
    double rmax = 0.0;
    for (size_t s = s0; s < s1; s++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            double row;
            k_dot_maxabs(c->ds_uniform ? NULL : c->ds, e->R + (s * A + a) * S, S, &row, &rmax);
            acc += c->da[a] * (c->ds_uniform ? row / (double)S : row);
        }
        e->g[s] = acc;
    }
    e->rmax[tid] = rmax;
}

static int forms_epic(starc_canon *c, size_t k, const double *const *R, starci_cform *cf)
{
    const size_t S = c->S, A = c->A;
    for (size_t i = 0; i < k; i++) {
        struct epic_ctx e;
        e.c = c;
        e.R = R[i];
        e.g = c->slot[i].v;
        for (int t = 0; t < STARCI_PARALLEL_MAX_THREADS; t++)
            e.rmax[t] = 0.0;
        starci_parallel_run(c->nthreads < STARCI_PARALLEL_MAX_THREADS ? c->nthreads : STARCI_PARALLEL_MAX_THREADS, S, S * A * S,
                        epic_states, &e);
        double rmax = 0.0;
        for (int t = 0; t < STARCI_PARALLEL_MAX_THREADS; t++)
            rmax = MAXD(rmax, e.rmax[t]);
        double K = k_dot(c->ds, e.g, S);
        fill_potential(S, c->gamma, e.g, e.g, K, &c->slot[i]);
        c->slot[i].rsum = K; /* K = sum D_S g: every entry of R entered g */
        cf[i] = (starci_cform){STARCI_CF_DENSE, R[i], NULL, c->slot[i].P, c->slot[i].Q, NULL, rmax};
    }
    return STARC_OK;
}

static int forms_dard(starc_canon *c, size_t k, const double *const *R, starci_cform *cf)
{
    const size_t S = c->S, A = c->A;
    const double *T = starc_mdp_transitions(c->m);
    const int n = (int)S, ld = (int)(S * A);
    double *Rbar[2] = {c->slot[0].Rbar, c->slot[1].Rbar}, rmax[2];
    rbar_get(c, k, R, NULL, Rbar, rmax);
    for (size_t i = 0; i < k; i++) {
        double *g = c->slot[i].v, *K = c->slot[i].E;
        for (size_t s = 0; s < S; s++) {
            double acc = 0.0;
            for (size_t a = 0; a < A; a++)
                acc += c->da[a] * Rbar[i][s * A + a];
            g[s] = acc;
        }
        /* K = sum_a D_A(a) T_a R_a T_a^T, with T_a = T[:,a,:] (leading dimension S*A). */
        int first = 1;
        for (size_t a = 0; a < A; a++) {
            if (c->da[a] == 0.0)
                continue;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, R[i] + a * S, ld, T + a * S, ld,
                        0.0, c->M, n);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, c->da[a], T + a * S, ld, c->M, n,
                        first ? 0.0 : 1.0, K, n);
            first = 0;
        }
        fill_offset(S, c->gamma, g, g, 0.0, K, K);
        cf[i] = (starci_cform){STARCI_CF_DENSE, R[i], K, NULL, NULL, NULL, rmax[i]};
    }
    return STARC_OK;
}

static int forms_val(starc_canon *c, size_t k, const double *const *R, const double *const *Rsa, starci_cform *cf,
                     starc_error *err)
{
    const size_t S = c->S, A = c->A;
    const double *T = starc_mdp_transitions(c->m), g = c->gamma;
    double *Rbar[2] = {c->slot[0].Rbar, c->slot[1].Rbar}, rmax[2];
    const double *V[2] = {c->slot[0].v, c->slot[1].v};
    const double *TV[2] = {c->slot[0].y, c->slot[1].y};
    const int gv = c->given && c->given->V && c->kind == STARC_CANON_VAL; /* V and T V given */
    rbar_get(c, k, R, Rsa, Rbar, rmax);
    for (size_t i = 0; i < k; i++)
        if (gv)
            V[i] = c->given->V[i], TV[i] = c->given->TV[i];
        else if (starc_policy_evaluator_values_rbar(c->ev, Rbar[i], c->slot[i].v, NULL, err) != STARC_OK)
            return starci_error(err, STARC_ELAPACK, "policy evaluation failed (dgetrs)");
    if (c->kind == STARC_CANON_VAL_POTENTIAL) {
        for (size_t i = 0; i < k; i++) {
            fill_potential(S, g, V[i], V[i], 0.0, &c->slot[i]);
            cf[i] = (starci_cform){STARCI_CF_DENSE, R[i], NULL, c->slot[i].P, c->slot[i].Q, NULL, rmax[i]};
        }
        return STARC_OK;
    }
    if (!gv)
        tv_multi(T, S, A, k, c->vbuf, c->ybuf, c->nthreads, c->avx);
    for (size_t i = 0; i < k; i++) {
        double *u = c->slot[i].u;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                u[s * A + a] = Rbar[i][s * A + a] + g * TV[i][s * A + a] - V[i][s];
        cf[i] = (starci_cform){STARCI_CF_SA, NULL, NULL, NULL, NULL, u, rmax[i]};
    }
    return STARC_OK;
}

static int forms_minpot(starc_canon *c, size_t k, const double *const *R, starci_cform *cf, starc_error *err)
{
    const size_t S = c->S, A = c->A;
    const double *T = starc_mdp_transitions(c->m), g = c->gamma;
    /* b = B^T W R: b(k) = gamma sum_{s,a} w R(s,a,k) - sum_{a,s'} w R(k,a,s'); then G Phi = -b. */
    double rmax[2] = {0.0, 0.0};
    for (size_t i = 0; i < k; i++) {
        memset(c->slot[i].b, 0, S * sizeof(double));
        memset(c->slot[i].v, 0, S * sizeof(double));
    }
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *t = T + (s * A + a) * S;
            for (size_t i = 0; i < k; i++) {
                const double *r = R[i] + (s * A + a) * S;
                double *col = c->slot[i].b, rowsum;
                if (c->weighted)
                    k_addmul(col, t, r, S);
                else
                    k_add(col, col, r, S);
                k_dot_maxabs(c->weighted ? t : NULL, r, S, &rowsum, &rmax[i]);
                c->slot[i].v[s] += rowsum;
            }
        }
    for (size_t i = 0; i < k; i++) {
        double *phi = c->slot[i].b, *rows = c->slot[i].v;
        c->slot[i].rsum = k_sumabs(rows, S); /* every entry of R entered a row sum */
        for (size_t j = 0; j < S; j++)
            phi[j] = -(g * phi[j] - rows[j]);
        lapack_int info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)S, 1, c->chol, (lapack_int)S, phi,
                                         (lapack_int)S);
        if (info != 0)
            return starci_error(err, STARC_ELAPACK, "minimal-potential: dpotrs failed (info %d)", (int)info);
        fill_potential(S, g, phi, phi, 0.0, &c->slot[i]);
        cf[i] = (starci_cform){STARCI_CF_DENSE, R[i], NULL, c->slot[i].P, c->slot[i].Q, NULL, rmax[i]};
    }
    return STARC_OK;
}

static int forms_minimal(starc_canon *c, size_t k, const double *const *R, const double *const *Rsa,
                         starci_cform *cf, starc_error *err)
{
    const size_t S = c->S, A = c->A;
    const double *T = starc_mdp_transitions(c->m), g = c->gamma;
    double *Rbar[2] = {c->slot[0].Rbar, c->slot[1].Rbar}, rmax[2];
    double *rhs[2] = {c->slot[0].b, c->slot[1].b};
    const double *TP[2] = {c->slot[0].y, c->slot[1].y};
    const double *phi[2] = {c->slot[0].b, c->slot[1].b};
    /* b = M^T W Rbar = gamma T^T (w Rbar) - sum_a w Rbar; the first term is
     * accumulated during the Rbar pass while each row of T is in cache. */
    for (size_t i = 0; i < k; i++)
        memset(rhs[i], 0, S * sizeof(double));
    rbar_multi(T, S, A, k, R, Rsa, c->fill, Rbar, rmax, c->w, rhs, 1, 0);
    rbar_proof(c, k, Rbar);
    for (size_t i = 0; i < k; i++) {
        double *b = rhs[i];
        for (size_t s = 0; s < S; s++) {
            double acc = 0.0;
            for (size_t a = 0; a < A; a++)
                acc += c->w[s * A + a] * Rbar[i][s * A + a];
            b[s] = -(g * b[s] - acc);
        }
        lapack_int info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)S, 1, c->chol, (lapack_int)S, b,
                                         (lapack_int)S);
        if (info != 0)
            return starci_error(err, STARC_ELAPACK, "minimal: dpotrs failed (info %d)", (int)info);
    }
    tv_multi(T, S, A, k, c->bbuf, c->ybuf, c->nthreads, c->avx);
    for (size_t i = 0; i < k; i++) {
        double *u = c->slot[i].u;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++) {
                size_t sa = s * A + a;
                u[sa] = c->w[sa] * (Rbar[i][sa] + g * TP[i][sa] - phi[i][s]);
            }
        cf[i] = (starci_cform){STARCI_CF_SAT, NULL, NULL, NULL, NULL, u, rmax[i]};
    }
    return STARC_OK;
}

int starci_canon_forms(starc_canon *c, size_t k, const double *const *R, starci_cform *cf, starc_error *err)
{
    switch (c->kind) {
    case STARC_CANON_NONE:
        for (size_t i = 0; i < k; i++) {
            c->slot[i].rsum = 0.0; /* not read here: the statistics pass proves R finite */
            cf[i] = (starci_cform){STARCI_CF_DENSE, R[i], NULL, NULL, NULL, NULL, -1.0};
        }
        return STARC_OK;
    case STARC_CANON_EPIC:
        return forms_epic(c, k, R, cf);
    case STARC_CANON_DARD:
        return forms_dard(c, k, R, cf);
    case STARC_CANON_VAL:
    case STARC_CANON_VAL_POTENTIAL:
        return forms_val(c, k, R, NULL, cf, err);
    case STARC_CANON_MINIMAL_POTENTIAL:
        return forms_minpot(c, k, R, cf, err);
    case STARC_CANON_MINIMAL:
        return forms_minimal(c, k, R, NULL, cf, err);
    }
    return starci_error(err, STARC_EINVAL, "invalid canonicalisation kind");
}

double starci_canon_rsum(const starc_canon *c, size_t i)
{
    return c->slot[i].rsum;
}

const double *starci_canon_rbar(const starc_canon *c, size_t i)
{
    return c->slot[i].Rbar;
}

int starci_canon_forms_rbar(starc_canon *c, size_t k, const double *const *R, const double *const *Rbar,
                            const double *rmax, const double *rsum, const double *const *V, const double *const *TV,
                            starci_cform *cf, starc_error *err)
{
    if (!starci_canon_rbar_ok(c))
        return starci_error(err, STARC_EINVAL, "the %s canonical form does not start from Rbar", canon_names[c->kind]);
    if ((V != NULL) != (TV != NULL) || (V && c->kind != STARC_CANON_VAL))
        return starci_error(err, STARC_EINVAL, "V and T V are given together, for val only");
    const struct rbar_given g = {Rbar, rmax, rsum, V, TV};
    c->given = &g;
    int st = starci_canon_forms(c, k, R, cf, err);
    c->given = NULL;
    return st;
}

int starci_canon_sa_ok(const starc_canon *c)
{
    return c->kind == STARC_CANON_VAL || c->kind == STARC_CANON_MINIMAL;
}

int starci_canon_forms_sa(starc_canon *c, size_t k, const double *const *R, const double *const *Rsa,
                          starci_cform *cf, starc_error *err)
{
    if (!starci_canon_sa_ok(c))
        return starci_error(err, STARC_EINVAL, "the %s canonical form needs rewards in full (S,A,S) form",
                            canon_names[c->kind]);
    if (!c->fill && !(c->fill = starci_dalloc((size_t)STARCI_PARALLEL_MAX_THREADS * 2 * c->S)))
        return starci_error(err, STARC_ENOMEM, "out of memory for the (S,A) reward rows (S=%zu)", c->S);
    return c->kind == STARC_CANON_VAL ? forms_val(c, k, R, Rsa, cf, err) : forms_minimal(c, k, R, Rsa, cf, err);
}

int starc_canon_apply(starc_canon *c, const double *R, double *C, starc_error *err)
{
    if (!c || !R || !C)
        return starci_error(err, STARC_EINVAL, "plan and reward arrays must not be NULL");
    starci_cform cf;
    const double *Rs[1] = {R};
    int st = starci_canon_forms(c, 1, Rs, &cf, err);
    if (st)
        return st;
    const size_t S = c->S, A = c->A;
    const double *T = starc_mdp_transitions(c->m);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *dst = C + (s * A + a) * S;
            /* Rows only read their own entries of R, so C may equal R. */
            const double *row = starci_canon_form_row(&cf, T, S, A, s, a, dst);
            if (row != dst)
                memmove(dst, row, S * sizeof(double));
        }
    return STARC_OK;
}

int starc_canon_compute(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt,
                       const double *R, double *C, starc_error *err)
{
    if (starci_sparse_refuse(m, "starc_canon_compute", err))
        return STARC_EINVAL;
    starc_canon *c;
    int st = starc_canon_alloc(m, kind, opt, &c, err);
    if (st)
        return st;
    st = starc_canon_apply(c, R, C, err);
    starc_canon_free(c);
    return st;
}
