/* Structured tensors X = B(s,a) + G(s') + E(on T's support) on a sparse MDP:
 * norms, inner products, metrics and the Pearson statistic in closed form
 * (structured-internal.h, docs/sparse.md), never materialising S*A*S entries.
 *
 * Every row r = (s,a) splits into its stored successors J_r and the rest.  On
 * J_r the entries are formed and summed directly.  Off J_r an entry is
 * c_r + gc(s'), with gc = G - mean(G) (centred, so that the closed forms do
 * not add and subtract mean(G)^2 terms) and c_r = B(s,a) + mean(G):
 *   sum over all s' of (c1 + gc1)(c2 + gc2) = S c1 c2 + c1 sum gc2 + c2 sum gc1 + <gc1, gc2>,
 *   sum over all s' of |c + gc|             = from sorted gc and prefix sums,
 *   max over s' not in J_r of |c + gc|      = |c + extreme gc outside J_r|,
 * and the part on J_r is subtracted (l1, l2) or skipped (linf).  Rows whose
 * support covers more than half of the states sum their complement directly
 * (cost O(S) <= 2 |J_r|), so the subtraction only happens where the
 * off-support entries are at least half of the row. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "kernels-internal.h"
#include "structured-internal.h"

int starci_struct_ws_alloc(const starci_csr *p, starci_struct_ws *ws, starc_error *err)
{
    memset(ws, 0, sizeof *ws);
    const size_t S = p->S, SA = p->S * p->A, nnz = starci_csr_nnz(p);
    ws->S = S;
    ws->A = p->A;
    ws->nnz = nnz;
    ws->gc[0] = starci_dalloc(S);
    ws->gc[1] = starci_dalloc(S);
    ws->sorted = starci_dalloc(S);
    ws->pre = starci_dalloc(S + 1);
    ws->perm = malloc(S * sizeof *ws->perm);
    ws->mark = malloc(S * sizeof *ws->mark);
    ws->B = starci_dalloc(SA);
    ws->G = starci_dalloc(S);
    ws->E = starci_dalloc(nnz > 0 ? nnz : 1);
    if (!ws->gc[0] || !ws->gc[1] || !ws->sorted || !ws->pre || !ws->perm || !ws->mark || !ws->B || !ws->G ||
        !ws->E) {
        starci_struct_ws_free(ws);
        return starci_error(err, STARC_ENOMEM, "out of memory for the structured-tensor workspace (S=%zu, nnz=%zu)",
                            S, nnz);
    }
    return STARC_OK;
}

void starci_struct_ws_free(starci_struct_ws *ws)
{
    free(ws->gc[0]);
    free(ws->gc[1]);
    free(ws->sorted);
    free(ws->pre);
    free(ws->perm);
    free(ws->mark);
    free(ws->B);
    free(ws->G);
    free(ws->E);
    free(ws->F);
    memset(ws, 0, sizeof *ws);
}

int starci_struct_ws_alloc_f(starci_struct_ws *ws, size_t nF, starc_error *err)
{
    free(ws->F);
    ws->F = NULL;
    ws->nF = 0;
    if (nF == 0)
        return STARC_OK;
    if (!(ws->F = starci_dalloc(nF)))
        return starci_error(err, STARC_ENOMEM, "out of memory for the structured-tensor workspace (nnz(F)=%zu)", nF);
    ws->nF = nF;
    return STARC_OK;
}

void starci_struct_combine(const starci_csr *p, double a1, const starci_struct *x1, double a2,
                           const starci_struct *x2, double shift, starci_struct_ws *ws, starci_struct *out)
{
    const size_t S = p->S, SA = p->S * p->A, nnz = starci_csr_nnz(p);
    out->B = out->G = out->E = NULL;
    if (x1->B || x2->B || shift != 0.0) {
        for (size_t r = 0; r < SA; r++)
            ws->B[r] = (x1->B ? a1 * x1->B[r] : 0.0) + (x2->B ? a2 * x2->B[r] : 0.0) + shift;
        out->B = ws->B;
    }
    if (x1->G || x2->G) {
        for (size_t j = 0; j < S; j++)
            ws->G[j] = (x1->G ? a1 * x1->G[j] : 0.0) + (x2->G ? a2 * x2->G[j] : 0.0);
        out->G = ws->G;
    }
    if (x1->E || x2->E) {
        for (size_t k = 0; k < nnz; k++)
            ws->E[k] = (x1->E ? a1 * x1->E[k] : 0.0) + (x2->E ? a2 * x2->E[k] : 0.0);
        out->E = ws->E;
    }
    out->F = NULL;
    out->fptr = out->fidx = NULL;
    if (x1->F || x2->F) { /* both on one pattern (the caller's plan) */
        const starci_struct *xp = x1->F ? x1 : x2;
        const size_t nF = xp->fptr[S];
        for (size_t m = 0; m < nF; m++)
            ws->F[m] = (x1->F ? a1 * x1->F[m] : 0.0) + (x2->F ? a2 * x2->F[m] : 0.0);
        out->F = ws->F;
        out->fptr = xp->fptr;
        out->fidx = xp->fidx;
    }
}

/* ---- one operand, scaled and centred -------------------------------------- */

typedef struct prep {
    const double *B, *E; /* the operand's (unscaled) components, or NULL */
    const double *F;     /* its F, or NULL */
    const size_t *fptr, *fidx;
    const double *gc;    /* S: f G - mean(f G) */
    double f;            /* 2^k */
    double c0;           /* mean(f G) + the offset asked for */
    double sgc;          /* sum of gc (0 up to round-off) */
    int k;
} prep;

static double max_abs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; x && i < n; i++)
        m = MAXD(m, fabs(x[i]));
    return m;
}

/* The power of two that brings max|B| + max|G| + max|E| (>= max|X|) into norm.c's band. */
static double max_abs_f(const starci_csr *p, const starci_struct *x)
{
    return x->F ? max_abs(x->F, x->fptr[p->S]) : 0.0;
}

static int struct_exp(const starci_csr *p, const starci_struct *x)
{
    double bound = max_abs(x->B, p->S * p->A) + max_abs(x->G, p->S) + max_abs(x->E, starci_csr_nnz(p)) +
                   max_abs_f(p, x);
    return starci_norm_scale_exp(&bound, 1);
}

/* The scaled operand 2^k x + offset (offset in scaled units); gcbuf: S doubles. */
static void prep_init(const starci_csr *p, const starci_struct *x, int k, double offset, double *gcbuf, prep *o)
{
    const size_t S = p->S;
    o->B = x->B;
    o->E = x->E;
    o->F = x->F;
    o->fptr = x->F ? x->fptr : NULL;
    o->fidx = x->F ? x->fidx : NULL;
    o->k = k;
    o->f = ldexp(1.0, k);
    double gbar = 0.0, sg = 0.0;
    if (x->G) {
        for (size_t j = 0; j < S; j++)
            gbar += o->f * x->G[j];
        gbar /= (double)S;
        for (size_t j = 0; j < S; j++)
            sg += (gcbuf[j] = o->f * x->G[j] - gbar);
    } else {
        memset(gcbuf, 0, S * sizeof(double));
    }
    o->gc = gcbuf;
    o->c0 = gbar + offset;
    o->sgc = sg;
}

static inline double prep_c(const prep *o, size_t r)
{
    return (o->B ? o->f * o->B[r] : 0.0) + o->c0;
}

#define NO_ENTRY ((size_t)-1)

/* E at stored transition k and F at F-entry m (either may be NO_ENTRY: 0 there). */
static inline double prep_e(const prep *o, size_t k)
{
    return o->E && k != NO_ENTRY ? o->f * o->E[k] : 0.0;
}

static inline double prep_ef(const prep *o, size_t k, size_t m)
{
    return prep_e(o, k) + (o->F && m != NO_ENTRY ? o->f * o->F[m] : 0.0);
}

/* The entries of row r = (s,a) handled one by one: the union of the stored
 * successors J_r and row s of F's pattern, in increasing s'. */
typedef struct rowit {
    const size_t *ix, *fx;
    size_t k, khi, m, mhi;
} rowit;

static inline void rowit_init(rowit *it, const starci_csr *p, const prep *x1, const prep *x2, size_t r)
{
    const size_t *fptr = x1->fptr ? x1->fptr : x2 ? x2->fptr : NULL;
    it->ix = p->indices;
    it->k = p->indptr[r];
    it->khi = p->indptr[r + 1];
    if (fptr) {
        const size_t s = r / p->A;
        it->fx = x1->fptr ? x1->fidx : x2->fidx;
        it->m = fptr[s];
        it->mhi = fptr[s + 1];
    } else {
        it->fx = NULL;
        it->m = it->mhi = 0;
    }
}

/* An upper bound on the number of entries (exact when F's row is empty). */
static inline size_t rowit_bound(const rowit *it)
{
    return (it->khi - it->k) + (it->mhi - it->m);
}

/* The next entry: its state j, its stored transition k and F-entry m (NO_ENTRY when absent). */
static inline int rowit_next(rowit *it, size_t *j, size_t *k, size_t *m)
{
    const int hk = it->k < it->khi, hm = it->m < it->mhi;
    if (!hk && !hm)
        return 0;
    const size_t jk = hk ? it->ix[it->k] : NO_ENTRY, jm = hm ? it->fx[it->m] : NO_ENTRY;
    *j = jk < jm ? jk : jm;
    *k = jk == *j ? it->k++ : NO_ENTRY;
    *m = jm == *j ? it->m++ : NO_ENTRY;
    return 1;
}

/* ---- inner products --------------------------------------------------------- */

/* sum over all S*A*S entries of X1 X2 (scaled units). */
static double dot_all(const starci_csr *p, const prep *x1, const prep *x2)
{
    const size_t S = p->S, SA = p->S * p->A;
    const int same = x1 == x2;
    double gg = 0.0, tot = 0.0;
    for (size_t j = 0; j < S; j++)
        gg += x1->gc[j] * x2->gc[j];
    for (size_t r = 0; r < SA; r++) {
        const double c1 = prep_c(x1, r), c2 = prep_c(x2, r);
        rowit it;
        rowit_init(&it, p, x1, x2, r);
        const int subtract = 2 * rowit_bound(&it) <= S;
        double on = 0.0, sup = 0.0, off = 0.0;
        size_t j, k, m, j0 = 0;
        while (rowit_next(&it, &j, &k, &m)) {
            const double o1 = c1 + x1->gc[j], o2 = c2 + x2->gc[j];
            on += (o1 + prep_ef(x1, k, m)) * (o2 + prep_ef(x2, k, m));
            if (subtract) {
                sup += o1 * o2;
            } else {
                for (; j0 < j; j0++)
                    off += (c1 + x1->gc[j0]) * (c2 + x2->gc[j0]);
                j0 = j + 1;
            }
        }
        if (subtract) {
            off = (double)S * c1 * c2 + c1 * x2->sgc + c2 * x1->sgc + gg - sup;
            if (same)
                off = MAXD(off, 0.0);
        } else {
            for (; j0 < S; j0++)
                off += (c1 + x1->gc[j0]) * (c2 + x2->gc[j0]);
        }
        tot += off + on;
    }
    return tot;
}

/* sum over the support of T X1 X2 (scaled units). */
static double dot_weighted(const starci_csr *p, const prep *x1, const prep *x2)
{
    const size_t SA = p->S * p->A;
    double tot = 0.0;
    for (size_t r = 0; r < SA; r++) {
        const double c1 = prep_c(x1, r), c2 = prep_c(x2, r);
        double acc = 0.0;
        rowit it;
        rowit_init(&it, p, x1, x2, r);
        size_t j, k, m;
        while (rowit_next(&it, &j, &k, &m))
            if (k != NO_ENTRY)
                acc += p->data[k] * (c1 + x1->gc[j] + prep_ef(x1, k, m)) * (c2 + x2->gc[j] + prep_ef(x2, k, m));
        tot += acc;
    }
    return tot;
}

double starci_struct_dot(const starci_csr *p, const starci_struct *x1, const starci_struct *x2, int weighted,
                         starci_struct_ws *ws)
{
    prep a, b;
    prep_init(p, x1, struct_exp(p, x1), 0.0, ws->gc[0], &a);
    prep_init(p, x2, struct_exp(p, x2), 0.0, ws->gc[1], &b);
    double v = weighted ? dot_weighted(p, &a, &b) : dot_all(p, &a, &b);
    return ldexp(v, -(a.k + b.k));
}

/* ---- l1 and linf: sorted G ---------------------------------------------------- */

typedef struct gpair {
    double v;
    size_t j;
} gpair;

static int gpair_cmp(const void *pa, const void *pb)
{
    const gpair *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

/* ws->sorted, ws->perm (ascending gc, ties by state) and ws->pre (Neumaier-compensated prefix sums). */
static int sort_gc(const starci_csr *p, const prep *x, starci_struct_ws *ws)
{
    const size_t S = p->S;
    gpair *pr = malloc(S * sizeof *pr);
    if (!pr)
        return STARC_ENOMEM;
    for (size_t j = 0; j < S; j++)
        pr[j] = (gpair){x->gc[j], j};
    qsort(pr, S, sizeof *pr, gpair_cmp);
    double s = 0.0, comp = 0.0;
    ws->pre[0] = 0.0;
    for (size_t i = 0; i < S; i++) {
        ws->sorted[i] = pr[i].v;
        ws->perm[i] = pr[i].j;
        const double t = s + pr[i].v;
        comp += fabs(s) >= fabs(pr[i].v) ? (s - t) + pr[i].v : (pr[i].v - t) + s;
        s = t;
        ws->pre[i + 1] = s + comp;
    }
    free(pr);
    return STARC_OK;
}

/* sum over all s' of |c + gc(s')| from the sorted values. */
static double sumabs_all(const starci_struct_ws *ws, size_t S, double c)
{
    size_t lo = 0, hi = S; /* first index with sorted >= -c */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ws->sorted[mid] < -c)
            lo = mid + 1;
        else
            hi = mid;
    }
    const double up = c * (double)(S - lo) + (ws->pre[S] - ws->pre[lo]); /* entries >= 0 */
    const double down = -(c * (double)lo) - ws->pre[lo];                  /* entries < 0, negated */
    return MAXD(up, 0.0) + MAXD(down, 0.0);
}

static double norm_l1(const starci_csr *p, const prep *x, const starci_struct_ws *ws)
{
    const size_t S = p->S, SA = p->S * p->A;
    double tot = 0.0;
    for (size_t r = 0; r < SA; r++) {
        const double c = prep_c(x, r);
        rowit it;
        rowit_init(&it, p, x, NULL, r);
        const int subtract = 2 * rowit_bound(&it) <= S;
        double on = 0.0, sup = 0.0, off = 0.0;
        size_t j, k, m, j0 = 0;
        while (rowit_next(&it, &j, &k, &m)) {
            const double o = c + x->gc[j];
            on += fabs(o + prep_ef(x, k, m));
            if (subtract) {
                sup += fabs(o);
            } else {
                for (; j0 < j; j0++)
                    off += fabs(c + x->gc[j0]);
                j0 = j + 1;
            }
        }
        if (subtract) {
            off = MAXD(sumabs_all(ws, S, c) - sup, 0.0);
        } else {
            for (; j0 < S; j0++)
                off += fabs(c + x->gc[j0]);
        }
        tot += off + on;
    }
    return tot;
}

/* max |X| over all entries; *seen: over the support. */
static double norm_linf(const starci_csr *p, const prep *x, starci_struct_ws *ws, double *seen)
{
    const size_t S = p->S, SA = p->S * p->A;
    double all = 0.0, sup = 0.0;
    memset(ws->mark, 0, S * sizeof *ws->mark);
    for (size_t r = 0; r < SA; r++) {
        const double c = prep_c(x, r);
        rowit it;
        rowit_init(&it, p, x, NULL, r);
        size_t j, k, m, n = 0;
        while (rowit_next(&it, &j, &k, &m)) {
            const double v = fabs(c + x->gc[j] + prep_ef(x, k, m));
            if (k != NO_ENTRY)
                sup = MAXD(sup, v);
            else
                all = MAXD(all, v);
            ws->mark[j] = r + 1;
            n++;
        }
        if (n == S)
            continue;
        /* the extremes of gc outside the row's entries: at most n + 1 steps from each end */
        size_t i = S;
        while (ws->mark[ws->perm[i - 1]] == r + 1)
            i--;
        size_t l = 0;
        while (ws->mark[ws->perm[l]] == r + 1)
            l++;
        all = MAXD(all, MAXD(fabs(c + ws->sorted[i - 1]), fabs(c + ws->sorted[l])));
    }
    if (seen)
        *seen = sup;
    return MAXD(all, sup);
}

static double norm_weighted(const starci_csr *p, int kind, const prep *x)
{
    const size_t SA = p->S * p->A;
    double tot = 0.0;
    for (size_t r = 0; r < SA; r++) {
        const double c = prep_c(x, r);
        double acc = 0.0;
        rowit it;
        rowit_init(&it, p, x, NULL, r);
        size_t j, k, m;
        while (rowit_next(&it, &j, &k, &m)) {
            if (k == NO_ENTRY)
                continue;
            const double v = fabs(c + x->gc[j] + prep_ef(x, k, m)), t = p->data[k];
            switch (kind) {
            case STARC_NORM_WL1: acc += t * v; break;
            case STARC_NORM_WL2: acc += t * v * v; break;
            default: acc = MAXD(acc, t * v); break;
            }
        }
        tot = kind == STARC_NORM_WLINF ? MAXD(tot, acc) : tot + acc;
    }
    return tot;
}

/* The norm of x in scaled units (before sqrt for l2/wl2). */
static int norm_scaled(const starci_csr *p, int kind, const prep *x, starci_struct_ws *ws, double *v)
{
    int st = STARC_OK;
    switch (kind) {
    case STARC_NORM_L1:
        if ((st = sort_gc(p, x, ws)) == STARC_OK)
            *v = norm_l1(p, x, ws);
        break;
    case STARC_NORM_L2: *v = sqrt(dot_all(p, x, x)); break;
    case STARC_NORM_LINF:
        if ((st = sort_gc(p, x, ws)) == STARC_OK)
            *v = norm_linf(p, x, ws, NULL);
        break;
    case STARC_NORM_WL2: *v = sqrt(norm_weighted(p, kind, x)); break;
    default: *v = norm_weighted(p, kind, x); break;
    }
    return st;
}

int starci_struct_norm(const starci_csr *p, int kind, const starci_struct *x, starci_struct_ws *ws, double *value,
                       starc_error *err)
{
    if (kind < STARC_NORM_L1 || kind > STARC_NORM_WLINF)
        return starci_error(err, STARC_EINVAL, "invalid norm kind %d for a structured tensor", kind);
    prep a;
    prep_init(p, x, struct_exp(p, x), 0.0, ws->gc[0], &a);
    double v;
    if (norm_scaled(p, kind, &a, ws, &v))
        return starci_error(err, STARC_ENOMEM, "out of memory sorting G (S=%zu)", p->S);
    *value = ldexp(v, -a.k);
    if (isinf(*value))
        return starci_error(err, STARC_EUNDEF, "the norm overflows: it exceeds the largest double");
    return STARC_OK;
}

int starci_struct_metric_scaled(const starci_csr *p, int kind, double a1, const starci_struct *x1, double a2,
                                const starci_struct *x2, starci_struct_ws *ws, double *value, starc_error *err)
{
    /* one factor for both, so the difference is formed without overflow */
    const size_t SA = p->S * p->A, nnz = starci_csr_nnz(p);
    double b1 = fabs(a1) * (max_abs(x1->B, SA) + max_abs(x1->G, p->S) + max_abs(x1->E, nnz) + max_abs_f(p, x1));
    double b2 = fabs(a2) * (max_abs(x2->B, SA) + max_abs(x2->G, p->S) + max_abs(x2->E, nnz) + max_abs_f(p, x2));
    double b = MAXD(b1, b2);
    const int k = starci_norm_scale_exp(&b, 1);
    starci_struct d;
    starci_struct_combine(p, ldexp(a1, k), x1, -ldexp(a2, k), x2, 0.0, ws, &d);
    int st = starci_struct_norm(p, kind, &d, ws, value, err);
    if (st)
        return st;
    *value = ldexp(*value, -k);
    if (isinf(*value))
        return starci_error(err, STARC_EUNDEF, "the metric overflows: it exceeds the largest double");
    return STARC_OK;
}

int starci_struct_metric(const starci_csr *p, int kind, const starci_struct *x1, const starci_struct *x2,
                         starci_struct_ws *ws, double *value, starc_error *err)
{
    return starci_struct_metric_scaled(p, kind, 1.0, x1, 1.0, x2, ws, value, err);
}

double starci_struct_maxabs(const starci_csr *p, const starci_struct *x, starci_struct_ws *ws, double *seen)
{
    prep a;
    prep_init(p, x, struct_exp(p, x), 0.0, ws->gc[0], &a);
    double sv = 0.0, v;
    if (sort_gc(p, &a, ws) == STARC_OK) {
        v = norm_linf(p, &a, ws, &sv);
    } else { /* no memory to sort: the support, and a bound off it */
        for (size_t r = 0; r < p->S * p->A; r++) {
            rowit it;
            rowit_init(&it, p, &a, NULL, r);
            size_t j, k, m;
            while (rowit_next(&it, &j, &k, &m))
                if (k != NO_ENTRY)
                    sv = MAXD(sv, fabs(prep_c(&a, r) + a.gc[j] + prep_ef(&a, k, m)));
        }
        v = MAXD(sv, ldexp(max_abs(x->B, p->S * p->A) + max_abs(x->G, p->S) + max_abs_f(p, x), a.k));
    }
    if (seen)
        *seen = ldexp(sv, -a.k);
    return ldexp(v, -a.k);
}

/* ---- Pearson under the uniform coverage ---------------------------------------- */

/* Mean of X over all S*A*S entries (scaled units). */
static double mean_scaled(const starci_csr *p, const prep *x)
{
    const size_t S = p->S, SA = p->S * p->A, nnz = starci_csr_nnz(p);
    double rows = 0.0, e = 0.0;
    for (size_t r = 0; r < SA; r++)
        rows += (double)S * prep_c(x, r) + x->sgc;
    for (size_t k = 0; x->E && k < nnz; k++)
        e += prep_e(x, k);
    for (size_t m = 0; x->F && m < x->fptr[S]; m++) /* F counts once per action */
        e += (double)p->A * x->f * x->F[m];
    return (rows + e) / ((double)SA * (double)S);
}

/* The centred operand (X - mean) in gcbuf's prep; returns the scaled mean and sd. */
static void centred(const starci_csr *p, const starci_struct *x, double *gcbuf, prep *o, double *m, double *sd)
{
    const double N = (double)p->S * (double)p->A * (double)p->S;
    prep_init(p, x, struct_exp(p, x), 0.0, gcbuf, o);
    *m = mean_scaled(p, o);
    o->c0 -= *m;
    *sd = sqrt(dot_all(p, o, o) / N);
}

void starci_struct_moments(const starci_csr *p, const starci_struct *x, starci_struct_ws *ws, double *mean,
                           double *sd)
{
    prep a;
    double m, s;
    centred(p, x, ws->gc[0], &a, &m, &s);
    *mean = ldexp(m, -a.k);
    *sd = ldexp(s, -a.k);
}

void starci_struct_correlation(const starci_csr *p, const starci_struct *x1, const starci_struct *x2,
                               starci_struct_ws *ws, double mean[2], double sd[2], double *rho)
{
    const double N = (double)p->S * (double)p->A * (double)p->S;
    prep a, b;
    double m1, m2, s1, s2;
    centred(p, x1, ws->gc[0], &a, &m1, &s1);
    centred(p, x2, ws->gc[1], &b, &m2, &s2);
    mean[0] = ldexp(m1, -a.k);
    mean[1] = ldexp(m2, -b.k);
    sd[0] = ldexp(s1, -a.k);
    sd[1] = ldexp(s2, -b.k);
    if (!(s1 > 0.0) || !(s2 > 0.0)) {
        *rho = NAN;
        return;
    }
    double r = dot_all(p, &a, &b) / N / (s1 * s2);
    *rho = fmin(1.0, MAXD(-1.0, r));
}

double starci_struct_pearson(const starci_csr *p, const starci_struct *x1, const starci_struct *x2,
                             starci_struct_ws *ws)
{
    double mean[2], sd[2], rho;
    starci_struct_correlation(p, x1, x2, ws, mean, sd, &rho);
    if (isnan(rho))
        return NAN;
    if (1.0 - rho >= STARCI_REFINE)
        return sqrt((1.0 - rho) / 2.0);
    /* (1 - rho)/2 = E[(x1^ - x2^)^2] / 4 with x^ = (x - mean)/sd: a structured difference */
    starci_struct z;
    starci_struct_combine(p, 1.0 / sd[0], x1, -1.0 / sd[1], x2, -(mean[0] / sd[0] - mean[1] / sd[1]), ws, &z);
    prep c;
    prep_init(p, &z, struct_exp(p, &z), 0.0, ws->gc[0], &c);
    const double N = (double)p->S * (double)p->A * (double)p->S;
    const double q = ldexp(dot_all(p, &c, &c), -2 * c.k) / N;
    return fmin(sqrt(MAXD(q, 0.0)) / 2.0, 1.0);
}

void starci_struct_expected(const starci_csr *p, const starci_struct *x, double *out)
{
    const size_t SA = p->S * p->A;
    for (size_t r = 0; r < SA; r++) {
        const double b = x->B ? x->B[r] : 0.0;
        double acc = 0.0;
        if (!x->F) {
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                acc += p->data[k] * (b + (x->G ? x->G[p->indices[k]] : 0.0) + (x->E ? x->E[k] : 0.0));
        } else { /* merge J_r with row s of F (unscaled) */
            const size_t s = r / p->A;
            size_t m = x->fptr[s];
            const size_t mhi = x->fptr[s + 1];
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
                const size_t j = p->indices[k];
                while (m < mhi && x->fidx[m] < j)
                    m++;
                const double f = m < mhi && x->fidx[m] == j ? x->F[m] : 0.0;
                acc += p->data[k] * (b + (x->G ? x->G[j] : 0.0) + (x->E ? x->E[k] : 0.0) + f);
            }
        }
        out[r] = acc;
    }
}
