/* Canonicalisations on a sparse MDP (docs/theory.md §2, docs/sparse.md):
 * each maps a structured reward B(s,a) + G(s') + E(on T's support) to a
 * structured canonical form without materialising S*A*S entries
 * (canon-sparse-internal.h).  The formulas are those of canon.c with T's
 * zeros skipped; where canon.c assembles dense S x S normal equations, the
 * sparse ones are assembled from T's pattern and factorised by CHOLMOD, or,
 * for the unweighted minimal-potential (every (s,a,s') weighs 1, so the
 * normal matrix is a multiple of I minus a multiple of 1 1^T), solved in
 * closed form. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <suitesparse/cholmod.h>

#include "canon-sparse-internal.h"
#include "error-internal.h"
#include "kernels-internal.h"

struct starci_canon_sparse {
    starci_csr p;
    double gamma;
    starc_canon_kind kind;
    int weighted;
    double *ds, *da;    /* D_S (S), D_A (A) (epic) */
    int ds_uniform;
    double *w;          /* S*A: 1 / sum_s' T^2 (minimal) */
    double *rbar;       /* S*A scratch */
    double *v;          /* S scratch: g, Phi */
    double *acc;        /* S scratch: right-hand sides */
    double *B[2], *G[2], *E[2]; /* slot outputs */
    cholmod_common cm;
    int cm_started;
    cholmod_factor *L;
    cholmod_dense *rhs;
    /* dard: K's pattern (S x S CSR, sorted rows), T's predecessors per action, scratch */
    size_t *kptr, *kidx;   /* S + 1, nK */
    size_t nK;
    double *F[2];          /* nK: slot outputs */
    size_t *pptr, *pidx;   /* A*(S+1), nnz: the (s, a) rows holding successor v, for each a and v */
    double *pval;          /* nnz: T[s,a,v] of those */
    double *acc2, *yv;     /* S each */
    size_t *ylist, *ymark, *kmark; /* S each */
};

void starci_canon_sparse_free(starci_canon_sparse *c)
{
    if (!c)
        return;
    free(c->ds);
    free(c->da);
    free(c->w);
    free(c->rbar);
    free(c->v);
    free(c->acc);
    free(c->kptr);
    free(c->kidx);
    free(c->pptr);
    free(c->pidx);
    free(c->pval);
    free(c->acc2);
    free(c->yv);
    free(c->ylist);
    free(c->ymark);
    free(c->kmark);
    for (int i = 0; i < 2; i++) {
        free(c->F[i]);
        free(c->B[i]);
        free(c->G[i]);
        free(c->E[i]);
    }
    if (c->cm_started) {
        cholmod_l_free_factor(&c->L, &c->cm);
        cholmod_l_free_dense(&c->rhs, &c->cm);
        cholmod_l_finish(&c->cm);
    }
    free(c);
}

/* Add v at (i, j) of a symmetric matrix kept as its upper triangle (duplicates are summed). */
static void trip_add(cholmod_triplet *t, size_t i, size_t j, double v)
{
    SuiteSparse_long *ti = t->i, *tj = t->j;
    double *tx = t->x;
    const size_t n = t->nnz;
    ti[n] = (SuiteSparse_long)(i < j ? i : j);
    tj[n] = (SuiteSparse_long)(i < j ? j : i);
    tx[n] = v;
    t->nnz = n + 1;
}

/* Normal equations of the T-weighted minimal-potential (canon.c's assemble_minpot with w = T):
 * G(k,l) = [k=l] (gamma^2 colw(k) + roww(k)) - gamma (Ws(k,l) + Ws(l,k)), Ws(s,s') = sum_a T. */
static size_t assemble_minpot(const starci_canon_sparse *c, cholmod_triplet *t)
{
    const starci_csr *p = &c->p;
    const double g = c->gamma;
    for (size_t s = 0; s < p->S; s++)
        for (size_t a = 0; a < p->A; a++) {
            const size_t r = s * p->A + a;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
                const size_t j = p->indices[k];
                const double wk = p->data[k];
                trip_add(t, j, j, g * g * wk);
                trip_add(t, s, s, wk);
                trip_add(t, s, j, (s == j ? -2.0 : -1.0) * g * wk); /* Ws(s,j) + Ws(j,s) in the upper triangle */
            }
        }
    return t->nnz;
}

/* Normal equations of minimal (canon.c's assemble_minimal): H = M^T W M, M = gamma T - E:
 * H = gamma^2 T^T W T - gamma (F + F^T) + diag(sum_a w(k,a)), F(k,l) = sum_a w(k,a) T(k,a,l). */
static size_t assemble_minimal(const starci_canon_sparse *c, cholmod_triplet *t)
{
    const starci_csr *p = &c->p;
    const double g = c->gamma;
    for (size_t s = 0; s < p->S; s++)
        for (size_t a = 0; a < p->A; a++) {
            const size_t r = s * p->A + a, lo = p->indptr[r], hi = p->indptr[r + 1];
            const double wr = c->w[r];
            trip_add(t, s, s, wr);
            for (size_t k = lo; k < hi; k++) {
                const size_t j = p->indices[k];
                trip_add(t, s, j, (s == j ? -2.0 : -1.0) * g * wr * p->data[k]);
                for (size_t k2 = k; k2 < hi; k2++) /* T^T W T: pairs of successors of one (s,a) */
                    trip_add(t, j, p->indices[k2], g * g * wr * p->data[k] * p->data[k2]);
            }
        }
    return t->nnz;
}

/* Triplet capacity of each assembly. */
static size_t trip_size(const starci_canon_sparse *c)
{
    const starci_csr *p = &c->p;
    const size_t SA = p->S * p->A;
    size_t n = 0;
    for (size_t r = 0; r < SA; r++) {
        const size_t m = p->indptr[r + 1] - p->indptr[r];
        n += c->kind == STARC_CANON_MINIMAL ? 1 + m + m * (m + 1) / 2 : 3 * m;
    }
    return n;
}

static int factorise(starci_canon_sparse *c, starc_error *err)
{
    const size_t S = c->p.S;
    const char *name = starc_canon_kind_name(c->kind);
    if (!cholmod_l_start(&c->cm))
        return starci_error(err, STARC_ENOMEM, "%s: CHOLMOD could not start", name);
    c->cm_started = 1;
    c->cm.print = 0; /* the library never prints */
    c->cm.error_handler = NULL;
    cholmod_triplet *t = cholmod_l_allocate_triplet(S, S, trip_size(c), 1, CHOLMOD_REAL, &c->cm);
    if (!t)
        return starci_error(err, STARC_ENOMEM, "%s: out of memory assembling the normal equations (S=%zu)", name, S);
    if (c->kind == STARC_CANON_MINIMAL)
        assemble_minimal(c, t);
    else
        assemble_minpot(c, t);
    cholmod_sparse *H = cholmod_l_triplet_to_sparse(t, t->nnz, &c->cm);
    cholmod_l_free_triplet(&t, &c->cm);
    if (!H)
        return starci_error(err, STARC_ENOMEM, "%s: out of memory assembling the normal equations (S=%zu)", name, S);
    c->L = cholmod_l_analyze(H, &c->cm);
    int ok = c->L && cholmod_l_factorize(H, c->L, &c->cm) && c->cm.status == CHOLMOD_OK;
    cholmod_l_free_sparse(&H, &c->cm);
    if (!ok) {
        if (c->cm.status == CHOLMOD_OUT_OF_MEMORY || !c->L)
            return starci_error(err, STARC_ENOMEM, "%s: out of memory factorising the normal equations (S=%zu)", name, S);
        return starci_error(err, STARC_ELAPACK, "%s: normal equations are not positive definite (CHOLMOD status %d)",
                            name, c->cm.status);
    }
    if (!(c->rhs = cholmod_l_allocate_dense(S, 1, S, CHOLMOD_REAL, &c->cm)))
        return starci_error(err, STARC_ENOMEM, "out of memory");
    return STARC_OK;
}

static double rget(const double *x, size_t i)
{
    return x ? x[i] : 0.0;
}

static void shaped(starci_canon_sparse *c, int slot, const starci_struct *R, const double *q, double b0,
                   const double *gp, starci_struct *out);

/* ---- dard ----------------------------------------------------------------------
 * K(s,s') = sum_a D_A(a) sum_{u,v} T[s,a,u] T[s',a,v] R(u,a,v).  For R = B + G + E:
 * the B part is KB(s) = sum_a D_A(a) (T_a B_a)(s), the G part KG(s') = sum_a D_A(a) (T_a G)(s'),
 * both structured; the E part K_E(s,s') is non-zero only where s' is an a-predecessor of an
 * a-successor v of an a-successor u of s: an S x S sparse matrix on a pattern fixed by T,
 * made once per plan.  c(R) = B - g(s) - gamma KB(s)  +  G + gamma (g - KG)(s')  +  E
 * - gamma K_E(s,s'), with g(x) = sum_a D_A(a) Rbar(x,a). */

static int cmp_size(const void *pa, const void *pb)
{
    const size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

/* The predecessor lists of T per action (a transpose of each T_a). */
static int dard_preds(starci_canon_sparse *c)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A, nnz = starci_csr_nnz(p);
    if (!(c->pptr = calloc(A * (S + 1), sizeof *c->pptr)) || !(c->pidx = malloc((nnz + 1) * sizeof *c->pidx)) ||
        !(c->pval = starci_dalloc(nnz + 1)))
        return STARC_ENOMEM;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t k = p->indptr[s * A + a]; k < p->indptr[s * A + a + 1]; k++)
                c->pptr[a * (S + 1) + p->indices[k] + 1]++;
    size_t run = 0;
    for (size_t a = 0; a < A; a++) {
        size_t *pp = c->pptr + a * (S + 1);
        pp[0] = run;
        for (size_t v = 0; v < S; v++)
            pp[v + 1] = (run += pp[v + 1]);
    }
    size_t *next = malloc((A * S + 1) * sizeof *next);
    if (!next)
        return STARC_ENOMEM;
    for (size_t a = 0; a < A; a++)
        for (size_t v = 0; v < S; v++)
            next[a * S + v] = c->pptr[a * (S + 1) + v];
    for (size_t s = 0; s < S; s++) /* increasing s: each list is sorted */
        for (size_t a = 0; a < A; a++)
            for (size_t k = p->indptr[s * A + a]; k < p->indptr[s * A + a + 1]; k++) {
                const size_t q = next[a * S + p->indices[k]]++;
                c->pidx[q] = s;
                c->pval[q] = p->data[k];
            }
    free(next);
    return STARC_OK;
}

/* Row s of K's pattern: the distinct a-predecessors of the two-step a-successors of s, over the
 * actions with D_A(a) > 0.  Counted (out == NULL) or written to out; returns the count. */
static size_t dard_row(starci_canon_sparse *c, size_t s, size_t *out)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    size_t n = 0;
    for (size_t a = 0; a < A; a++) {
        if (c->da[a] == 0.0)
            continue;
        const size_t stamp = s * A + a + 1;
        const size_t *pp = c->pptr + a * (S + 1);
        for (size_t k = p->indptr[s * A + a]; k < p->indptr[s * A + a + 1]; k++) {
            const size_t u = p->indices[k];
            for (size_t k2 = p->indptr[u * A + a]; k2 < p->indptr[u * A + a + 1]; k2++) {
                const size_t v = p->indices[k2];
                if (c->ymark[v] == stamp)
                    continue;
                c->ymark[v] = stamp;
                for (size_t q = pp[v]; q < pp[v + 1]; q++) {
                    const size_t t = c->pidx[q];
                    if (c->kmark[t] == s + 1)
                        continue;
                    c->kmark[t] = s + 1;
                    if (out)
                        out[n] = t;
                    n++;
                }
            }
        }
    }
    if (out)
        qsort(out, n, sizeof *out, cmp_size);
    return n;
}

/* K's pattern, after counting it against the memory budget. */
static int dard_plan(starci_canon_sparse *c, size_t max_bytes, starc_error *err)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S;
    if (dard_preds(c) || !(c->ymark = calloc(S + 1, sizeof *c->ymark)) ||
        !(c->kmark = calloc(S + 1, sizeof *c->kmark)) || !(c->ylist = malloc((S + 1) * sizeof *c->ylist)) ||
        !(c->yv = calloc(S + 1, sizeof *c->yv)) || !(c->acc2 = calloc(S + 1, sizeof *c->acc2)) ||
        !(c->kptr = calloc(S + 1, sizeof *c->kptr)))
        return starci_error(err, STARC_ENOMEM, "dard: out of memory preparing K's pattern (S=%zu, nnz=%zu)", S,
                            starci_csr_nnz(p));
    size_t nK = 0;
    for (size_t s = 0; s < S; s++)
        c->kptr[s + 1] = (nK += dard_row(c, s, NULL));
    /* pattern (size_t) + the two slots' values + a combination's values */
    const double bytes = (double)nK * (double)(sizeof(size_t) + 3 * sizeof(double));
    if (bytes > (double)max_bytes)
        return starci_error(err, STARC_ENOMEM,
                            "dard on this sparse MDP needs K(s,s') with %zu non-zeros (%.3g GiB), above the "
                            "memory budget of %.3g GiB (starc_canon_options.max_bytes; docs/sparse.md)",
                            nK, bytes / 1073741824.0, (double)max_bytes / 1073741824.0);
    c->nK = nK;
    if (!(c->kidx = malloc((nK + 1) * sizeof *c->kidx)) || !(c->F[0] = starci_dalloc(nK + 1)) ||
        !(c->F[1] = starci_dalloc(nK + 1)))
        return starci_error(err, STARC_ENOMEM, "dard: out of memory for K (%zu non-zeros)", nK);
    memset(c->ymark, 0, (S + 1) * sizeof *c->ymark);
    memset(c->kmark, 0, (S + 1) * sizeof *c->kmark);
    for (size_t s = 0; s < S; s++)
        dard_row(c, s, c->kidx + c->kptr[s]);
    memset(c->ymark, 0, (S + 1) * sizeof *c->ymark);
    return STARC_OK;
}

size_t starci_canon_sparse_f_nnz(const starci_canon_sparse *c)
{
    return c && c->kind == STARC_CANON_DARD ? c->nK : 0;
}

/* K_E(s,s') into F (scaled by -gamma): row by row, y = sum_u T[s,a,u] E(u,a,.) then y T_a^T. */
static void dard_k(starci_canon_sparse *c, const double *E, double *F)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    double *acc = c->acc2, *yv = c->yv;
    for (size_t s = 0; s < S; s++) {
        for (size_t a = 0; a < A; a++) {
            if (c->da[a] == 0.0)
                continue;
            size_t ny = 0;
            const size_t stamp = s * A + a + 1;
            for (size_t k = p->indptr[s * A + a]; k < p->indptr[s * A + a + 1]; k++) {
                const size_t u = p->indices[k];
                const double t = p->data[k];
                for (size_t k2 = p->indptr[u * A + a]; k2 < p->indptr[u * A + a + 1]; k2++) {
                    const size_t v = p->indices[k2];
                    if (c->ymark[v] != stamp) {
                        c->ymark[v] = stamp;
                        c->ylist[ny++] = v;
                    }
                    yv[v] += t * E[k2];
                }
            }
            const size_t *pp = c->pptr + a * (S + 1);
            for (size_t i = 0; i < ny; i++) {
                const size_t v = c->ylist[i];
                const double w = c->da[a] * yv[v];
                yv[v] = 0.0;
                for (size_t q = pp[v]; q < pp[v + 1]; q++)
                    acc[c->pidx[q]] += w * c->pval[q];
            }
        }
        for (size_t m = c->kptr[s]; m < c->kptr[s + 1]; m++) {
            F[m] = -c->gamma * acc[c->kidx[m]];
            acc[c->kidx[m]] = 0.0;
        }
    }
    memset(c->ymark, 0, (S + 1) * sizeof *c->ymark); /* stamps are reused by the next reward */
}

static void form_dard(starci_canon_sparse *c, int slot, const starci_struct *R, starci_struct *out)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    double *q = c->v, *gp = c->acc;
    starci_struct_expected(p, R, c->rbar);
    for (size_t s = 0; s < S; s++) {
        double g = 0.0, kb = 0.0, kg = 0.0;
        for (size_t a = 0; a < A; a++) {
            const size_t r = s * A + a;
            double tb = 0.0, tg = 0.0;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
                const size_t u = p->indices[k];
                tb += p->data[k] * rget(R->B, u * A + a);
                tg += p->data[k] * rget(R->G, u);
            }
            g += c->da[a] * c->rbar[r];
            kb += c->da[a] * tb;
            kg += c->da[a] * tg;
        }
        q[s] = g + c->gamma * kb; /* B - g(s) - gamma KB(s) */
        gp[s] = g - kg;           /* G + gamma (g - KG)(s') */
    }
    shaped(c, slot, R, q, 0.0, gp, out);
    if (R->E) {
        dard_k(c, R->E, c->F[slot]);
        out->F = c->F[slot];
        out->fptr = c->kptr;
        out->fidx = c->kidx;
    }
}

int starci_canon_sparse_alloc(const starci_csr *p, double gamma, starc_canon_kind kind,
                              const starc_canon_options *opt, starci_canon_sparse **out, starc_error *err)
{
    if (!p || !out)
        return starci_error(err, STARC_EINVAL, "pattern and output pointer must not be NULL");
    *out = NULL;
    if ((unsigned)kind >= STARC_CANON_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid canonicalisation kind %d", (int)kind);
    starc_canon_options def;
    if (!opt) {
        starc_canon_options_default(&def);
        opt = &def;
    }
    const size_t S = p->S, A = p->A, SA = S * A, nnz = starci_csr_nnz(p);
    starci_canon_sparse *c = calloc(1, sizeof *c);
    if (!c)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    c->p = *p;
    c->gamma = gamma;
    c->kind = kind;
    c->weighted = opt->weighted != 0;
    c->ds_uniform = opt->state_dist == NULL;
    int st;
    if (!(c->ds = starci_dalloc(S)) || !(c->da = starci_dalloc(A)) || !(c->rbar = starci_dalloc(SA)) ||
        !(c->v = starci_dalloc(S)) || !(c->acc = starci_dalloc(S)))
        goto nomem;
    for (size_t s = 0; s < S; s++)
        c->ds[s] = opt->state_dist ? opt->state_dist[s] : 1.0 / (double)S;
    for (size_t a = 0; a < A; a++)
        c->da[a] = opt->action_dist ? opt->action_dist[a] : 1.0 / (double)A;
    for (int i = 0; i < 2; i++)
        if (!(c->B[i] = starci_dalloc(SA)) || !(c->G[i] = starci_dalloc(S)) ||
            !(c->E[i] = starci_dalloc(nnz > 0 ? nnz : 1)))
            goto nomem;
    if (kind == STARC_CANON_MINIMAL) {
        if (!(c->w = starci_dalloc(SA)))
            goto nomem;
        for (size_t r = 0; r < SA; r++) {
            double q = 0.0;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                q += p->data[k] * p->data[k];
            c->w[r] = 1.0 / q; /* q >= 1/|J_r| > 0: rows of T sum to 1 */
        }
    }
    if (((kind == STARC_CANON_MINIMAL || (kind == STARC_CANON_MINIMAL_POTENTIAL && c->weighted)) &&
         (st = factorise(c, err))) ||
        (kind == STARC_CANON_DARD &&
         (st = dard_plan(c, opt->max_bytes ? opt->max_bytes : STARC_CANON_MAX_BYTES_DEFAULT, err)))) {
        starci_canon_sparse_free(c);
        return st;
    }
    *out = c;
    return STARC_OK;
nomem:
    starci_canon_sparse_free(c);
    return starci_error(err, STARC_ENOMEM, "out of memory preparing the %s canonicalisation (S=%zu, A=%zu, nnz=%zu)",
                        starc_canon_kind_name(kind), S, A, nnz);
}

/* x = H^-1 b with the plan's factor (b and x: S doubles, may alias). */
static int chol_solve(starci_canon_sparse *c, const double *b, double *x, starc_error *err)
{
    const size_t S = c->p.S;
    memcpy(c->rhs->x, b, S * sizeof(double));
    cholmod_dense *sol = cholmod_l_solve(CHOLMOD_A, c->L, c->rhs, &c->cm);
    if (!sol)
        return starci_error(err, STARC_ENOMEM, "%s: CHOLMOD solve failed (status %d)", starc_canon_kind_name(c->kind),
                            c->cm.status);
    memcpy(x, sol->x, S * sizeof(double));
    cholmod_l_free_dense(&sol, &c->cm);
    return STARC_OK;
}


/* out = R with B += bq(s) (per state) + b0, G += gamma gp (gp may be NULL). */
static void shaped(starci_canon_sparse *c, int slot, const starci_struct *R, const double *q, double b0,
                   const double *gp, starci_struct *out)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A, nnz = starci_csr_nnz(p);
    double *B = c->B[slot], *G = c->G[slot];
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            B[s * A + a] = rget(R->B, s * A + a) - q[s] + b0;
    for (size_t j = 0; j < S; j++)
        G[j] = rget(R->G, j) + (gp ? c->gamma * gp[j] : 0.0);
    out->B = B;
    out->G = G;
    if (R->E) {
        memcpy(c->E[slot], R->E, nnz * sizeof(double));
        out->E = c->E[slot];
    } else {
        out->E = NULL;
    }
}

/* EPIC: g(x) = sum_a D_A(a) sum_u D_S(u) R(x,a,u), K = sum_x D_S(x) g(x). */
static void form_epic(starci_canon_sparse *c, int slot, const starci_struct *R, starci_struct *out)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    double dsg = 0.0, dsum = 0.0; /* sum_u D_S(u) G(u), sum_u D_S(u) */
    for (size_t u = 0; u < S; u++) {
        dsg += c->ds[u] * rget(R->G, u);
        dsum += c->ds[u];
    }
    if (c->ds_uniform)
        dsum = 1.0;
    double *g = c->v;
    for (size_t x = 0; x < S; x++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            const size_t r = x * A + a;
            double row = rget(R->B, r) * dsum + dsg;
            for (size_t k = p->indptr[r]; R->E && k < p->indptr[r + 1]; k++)
                row += c->ds[p->indices[k]] * R->E[k];
            acc += c->da[a] * row;
        }
        g[x] = acc;
    }
    double K = 0.0;
    for (size_t x = 0; x < S; x++)
        K += c->ds[x] * g[x];
    shaped(c, slot, R, g, -c->gamma * K, g, out);
}

/* val: A^pi(s,a) = Rbar + gamma T V - V(s), for every s' (B only). */
static void form_val(starci_canon_sparse *c, int slot, const starci_struct *R, const double *V, starci_struct *out)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    double *B = c->B[slot];
    starci_struct_expected(p, R, c->rbar);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const size_t r = s * A + a;
            double tv = 0.0;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                tv += p->data[k] * V[p->indices[k]];
            B[r] = c->rbar[r] + c->gamma * tv - V[s];
        }
    out->B = B;
    out->G = out->E = NULL;
}

/* Row sums sum_a sum_s' w R(s,a,s') into rows (S) and column sums
 * sum_{s,a} w R(s,a,k) into cols (S), w = 1 (over all S*A*S entries) or T. */
static void row_col_sums(const starci_canon_sparse *c, const starci_struct *R, int weighted, double *rows, double *cols)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    double sumB = 0.0, sumG = 0.0;
    memset(cols, 0, S * sizeof(double));
    if (!weighted) {
        for (size_t r = 0; r < S * A; r++)
            sumB += rget(R->B, r);
        for (size_t j = 0; j < S; j++)
            sumG += rget(R->G, j);
    }
    for (size_t s = 0; s < S; s++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            const size_t r = s * A + a;
            const double b = rget(R->B, r);
            if (!weighted)
                acc += (double)S * b + sumG;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
                const size_t j = p->indices[k];
                if (weighted) {
                    const double v = p->data[k] * (b + rget(R->G, j) + rget(R->E, k));
                    acc += v;
                    cols[j] += v;
                } else if (R->E) {
                    acc += R->E[k];
                    cols[j] += R->E[k];
                }
            }
        }
        rows[s] = acc;
    }
    if (!weighted)
        for (size_t j = 0; j < S; j++)
            cols[j] += sumB + (double)(S * A) * rget(R->G, j);
}

/* minimal-potential: Phi solves N Phi = -(gamma cols - rows), N the normal matrix. */
static int form_minpot(starci_canon_sparse *c, int slot, const starci_struct *R, starci_struct *out, starc_error *err)
{
    const size_t S = c->p.S, A = c->p.A;
    const double g = c->gamma;
    double *phi = c->v, *rows = c->acc;
    row_col_sums(c, R, c->weighted, rows, phi);
    for (size_t j = 0; j < S; j++)
        phi[j] = -(g * phi[j] - rows[j]);
    if (c->weighted) {
        int st = chol_solve(c, phi, phi, err);
        if (st)
            return st;
    } else {
        /* N = alpha I - beta 1 1^T: N^-1 b = (b + beta (1^T b) / (alpha - beta S) 1) / alpha,
         * alpha - beta S = S A (1 - gamma)^2 > 0 (Sherman-Morrison) */
        const double alpha = (1.0 + g * g) * (double)S * (double)A, beta = 2.0 * g * (double)A;
        double sum = 0.0;
        for (size_t j = 0; j < S; j++)
            sum += phi[j];
        const double shift = beta * sum / ((double)S * (double)A * (1.0 - g) * (1.0 - g));
        for (size_t j = 0; j < S; j++)
            phi[j] = (phi[j] + shift) / alpha;
    }
    shaped(c, slot, R, phi, 0.0, phi, out);
    return STARC_OK;
}

/* minimal: E = w (Rbar + gamma T Phi - Phi(s)) T, Phi from M^T W M Phi = -(gamma T^T (w Rbar) - sum_a w Rbar). */
static int form_minimal(starci_canon_sparse *c, int slot, const starci_struct *R, starci_struct *out, starc_error *err)
{
    const starci_csr *p = &c->p;
    const size_t S = p->S, A = p->A;
    const double g = c->gamma;
    double *phi = c->v, *rbar = c->rbar;
    starci_struct_expected(p, R, rbar);
    memset(phi, 0, S * sizeof(double));
    for (size_t r = 0; r < S * A; r++)
        for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
            phi[p->indices[k]] += c->w[r] * rbar[r] * p->data[k];
    for (size_t s = 0; s < S; s++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++)
            acc += c->w[s * A + a] * rbar[s * A + a];
        phi[s] = -(g * phi[s] - acc);
    }
    int st = chol_solve(c, phi, phi, err);
    if (st)
        return st;
    double *E = c->E[slot];
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const size_t r = s * A + a;
            double tp = 0.0;
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                tp += p->data[k] * phi[p->indices[k]];
            const double u = c->w[r] * (rbar[r] + g * tp - phi[s]);
            for (size_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                E[k] = u * p->data[k];
        }
    out->B = out->G = NULL;
    out->E = E;
    return STARC_OK;
}

int starci_canon_sparse_form(starci_canon_sparse *c, int slot, const starci_struct *R, const double *V,
                             starci_struct *out, starc_error *err)
{
    if (!c || !R || !out || slot < 0 || slot > 1)
        return starci_error(err, STARC_EINVAL, "invalid arguments to the sparse canonicalisation");
    if ((c->kind == STARC_CANON_VAL || c->kind == STARC_CANON_VAL_POTENTIAL) && !V)
        return starci_error(err, STARC_EINVAL, "%s needs V^pi of the reward", starc_canon_kind_name(c->kind));
    if (R->F)
        return starci_error(err, STARC_EINVAL, "the sparse canonicalisation takes no reward with an S x S part");
    memset(out, 0, sizeof *out);
    switch (c->kind) {
    case STARC_CANON_DARD: form_dard(c, slot, R, out); return STARC_OK;
    case STARC_CANON_NONE: *out = *R; return STARC_OK;
    case STARC_CANON_EPIC: form_epic(c, slot, R, out); return STARC_OK;
    case STARC_CANON_VAL: form_val(c, slot, R, V, out); return STARC_OK;
    case STARC_CANON_VAL_POTENTIAL: shaped(c, slot, R, V, 0.0, V, out); return STARC_OK;
    case STARC_CANON_MINIMAL_POTENTIAL: return form_minpot(c, slot, R, out, err);
    case STARC_CANON_MINIMAL: return form_minimal(c, slot, R, out, err);
    default: break;
    }
    return starci_error(err, STARC_EINVAL, "the %s canonicalisation needs a dense MDP (sparse MDPs: see docs/sparse.md)",
                        starc_canon_kind_name(c->kind));
}
