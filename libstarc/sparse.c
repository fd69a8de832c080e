/* The sparse policy engine (docs/sparse.md): exact policy evaluation,
 * occupancy and policy iteration on T's stored entries, with UMFPACK's
 * sparse LU (SuiteSparse, umfpack_dl_* long-index interface).  Nothing here
 * allocates S*S or S*A*S: memory is O(S*A + nnz) plus the LU's fill.
 *
 * The system matrix M = I - gamma P_pi is assembled row by row in compressed
 * row form, which UMFPACK reads as compressed columns: it factorises M^T, so
 * the values system M x = r is UMFPACK_At and the occupancy system
 * M^T x = mu0 is UMFPACK_A.  The symbolic analysis (fill-reducing ordering)
 * depends only on M's pattern: it is kept and reused while the pattern stays
 * the same (a stochastic policy's, or a deterministic policy's until an
 * action changes), and redone otherwise.
 *
 * The iterative engine (docs/sparse.md) solves the same systems by
 * restarted GMRES with a symmetric Gauss-Seidel preconditioner, stopped by
 * a residual rule whose error bound is stated at it_solve(), warm-started
 * from the previous policy's values in policy iteration, where each
 * evaluation is only as tight as certifies its decisions (it_evaluate).
 * Single-threaded: results do not depend on the thread count. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_SUITESPARSE_UMFPACK_H
#include <suitesparse/umfpack.h>
#else
#include <umfpack.h>
#endif

#include "dense-internal.h"
#include "error-internal.h"
#include "howard-internal.h"
#include "sparse-internal.h"

typedef SuiteSparse_long sp_long;

int starci_sparse_refuse(const starc_mdp *m, const char *what, starc_error *err)
{
    if (!m || !starc_mdp_is_sparse(m))
        return STARC_OK;
    return starci_error(err, STARC_EINVAL, "%s needs a dense MDP (sparse MDPs: see docs/sparse.md)", what);
}

int starci_sparse_wanted(const starc_mdp *m, starc_policy_engine e)
{
    return starc_mdp_is_sparse(m) || e == STARC_POLICY_ENGINE_SPARSE || e == STARC_POLICY_ENGINE_ITERATIVE;
}

/* The solver engine e resolves to for m: DENSE (a sparse m is expanded),
 * SPARSE (UMFPACK) or ITERATIVE (GMRES); auto by the measured crossovers. */
static starc_policy_engine resolve(const starc_mdp *m, starc_policy_engine e)
{
    if (e == STARC_POLICY_ENGINE_SPARSE || e == STARC_POLICY_ENGINE_ITERATIVE || e == STARC_POLICY_ENGINE_DENSE)
        return e;
    const size_t S = starc_mdp_states(m);
    if (!starc_mdp_is_sparse(m) || S <= STARC_POLICY_ENGINE_DENSE_MAX_S)
        return STARC_POLICY_ENGINE_DENSE;
    return S <= STARC_POLICY_ENGINE_SPARSE_MAX_S ? STARC_POLICY_ENGINE_SPARSE : STARC_POLICY_ENGINE_ITERATIVE;
}

static int use_sparse(const starc_mdp *m, starc_policy_engine e)
{
    return resolve(m, e) != STARC_POLICY_ENGINE_DENSE;
}

/* ---------------------------------------------------------------------- */
/* T as CSR: a sparse MDP's own arrays, or a dense MDP's nonzeros           */

typedef struct csr_view {
    size_t S, A, nnz;
    const size_t *ip, *ix;
    const double *dt;
    size_t *own_ip, *own_ix;
    double *own_dt;
} csr_view;

static void view_clear(csr_view *v)
{
    free(v->own_ip);
    free(v->own_ix);
    free(v->own_dt);
    memset(v, 0, sizeof *v);
}

static int view_init(const starc_mdp *m, csr_view *v, starc_error *err)
{
    memset(v, 0, sizeof *v);
    v->S = starc_mdp_states(m);
    v->A = starc_mdp_actions(m);
    if (starc_mdp_is_sparse(m)) {
        v->nnz = starc_mdp_nnz(m);
        starc_mdp_csr(m, &v->ip, &v->ix, &v->dt);
        return STARC_OK;
    }
    /* A dense MDP forced onto the sparse engine: its nonzero entries. */
    const size_t S = v->S, rows = S * v->A;
    const double *T = starc_mdp_transitions(m);
    size_t nnz = 0;
    for (size_t i = 0; i < rows * S; i++)
        nnz += T[i] != 0.0;
    v->own_ip = malloc((rows + 1) * sizeof(size_t));
    v->own_ix = malloc((nnz ? nnz : 1) * sizeof(size_t));
    v->own_dt = starci_dalloc(nnz ? nnz : 1);
    if (!v->own_ip || !v->own_ix || !v->own_dt) {
        view_clear(v);
        return starci_error(err, STARC_ENOMEM, "out of memory for the sparse form of T");
    }
    size_t k = 0;
    v->own_ip[0] = 0;
    for (size_t r = 0; r < rows; r++) {
        for (size_t t = 0; t < S; t++)
            if (T[r * S + t] != 0.0) {
                v->own_ix[k] = t;
                v->own_dt[k++] = T[r * S + t];
            }
        v->own_ip[r + 1] = k;
    }
    v->nnz = nnz;
    v->ip = v->own_ip;
    v->ix = v->own_ix;
    v->dt = v->own_dt;
    return STARC_OK;
}

/* Q = Rbar + gamma T V over the stored entries, in CSR order. */
static void sparse_q(const csr_view *v, double g, const double *Rbar, const double *V, double *Q)
{
    for (size_t r = 0; r < v->S * v->A; r++) {
        double acc = 0.0;
        for (size_t k = v->ip[r]; k < v->ip[r + 1]; k++)
            acc += v->dt[k] * V[v->ix[k]];
        Q[r] = Rbar[r] + g * acc;
    }
}

/* ---------------------------------------------------------------------- */
/* The LU of I - gamma P_pi                                                 */

/* A strict triangle of M in compressed rows with 32-bit column indices:
 * the iterative engine's Gauss-Seidel sweeps and products read these (a
 * quarter less memory than M's 64-bit rows, and half the entries each). */
typedef struct it_tri {
    size_t *p; /* S+1 */
    uint32_t *ix;
    double *x;  /* M's entries */
    double *xs; /* the same divided by their row's diagonal (the values system's sweeps) */
} it_tri;

typedef struct sp_lu {
    const csr_view *v;
    double g;
    sp_long *Mp, *Mi; /* S+1, cap: M's rows (UMFPACK's columns) */
    double *Mx;
    size_t cap;
    sp_long *slot;    /* S: where column t sits in the row being built */
    sp_long *Pp, *Pi; /* the pattern the kept symbolic analysis is for (NULL: none) */
    size_t pnnz;
    void *Symbolic, *Numeric;
    double Control[UMFPACK_CONTROL], Info[UMFPACK_INFO];
    size_t symbolic_count; /* symbolic analyses done (measured in docs/sparse.md) */
    /* The iterative engine: GMRES(restart) with a Gauss-Seidel preconditioner on M's rows. */
    int iterative;
    double tol;
    size_t max_iter, restart, matvecs;
    double res;       /* it_solve: the norm of the last solve's final residual */
    int res_exact;    /* ... computed by it_residual_exact */
    int at_floor;     /* ... met only the round-off floor, not tol */
    double alpha;     /* min_s |M_ss| - sum_t!=s |M_st| (Varah's bound: ||M^-1||_inf <= 1/alpha) */
    size_t mrow;      /* the longest row of M */
    double trow;      /* the largest row sum of T over the stored entries */
    size_t trowk;     /* the longest row of T */
    size_t refined, unresolved; /* it_evaluate: evaluations refined past tol; left undecided at the floor */
    double *Kb, *H, *cs, *sn, *gv, *y, *w, *z, *diag; /* (restart+1)*S, (restart+1)*restart, restart+1 x4, S x3 */
    double *idiag;     /* S: 1 / diag */
    it_tri lo, up;     /* M's strict lower and upper triangles */
} sp_lu;

static void tri_clear(it_tri *t)
{
    free(t->p);
    free(t->ix);
    free(t->x);
    free(t->xs);
}

static void lu_clear(sp_lu *f)
{
    free(f->Mp);
    free(f->Mi);
    free(f->Mx);
    free(f->slot);
    free(f->Pp);
    free(f->Pi);
    if (f->Symbolic)
        umfpack_dl_free_symbolic(&f->Symbolic);
    if (f->Numeric)
        umfpack_dl_free_numeric(&f->Numeric);
    free(f->Kb);
    free(f->H);
    free(f->cs);
    free(f->sn);
    free(f->gv);
    free(f->y);
    free(f->w);
    free(f->z);
    free(f->diag);
    free(f->idiag);
    tri_clear(&f->lo);
    tri_clear(&f->up);
    memset(f, 0, sizeof *f);
}

/* GMRES restart length: the Krylov basis holds restart+1 vectors of S. */
enum { GMRES_RESTART = 10 };
/* A GMRES cycle that leaves more than GMRES_STALL of the residual has
 * stalled (a healthy cycle of 10 products divides it by 10 to 10^4 on the
 * gridworlds of docs/sparse.md) unless the residual is within GMRES_STALL_FAR
 * of the target: there the cycles fight round-off (gamma = 0.999 in
 * tests/test-sparse.c) and GMRES's own tightening gets through. */
#define GMRES_STALL 0.5
#define GMRES_STALL_FAR 1e3

/* A solver of I - gamma P_pi for v: UMFPACK's LU, or with opt's engine
 * resolved to ITERATIVE, GMRES with opt's tolerance and cap (opt NULL:
 * the defaults). */
static int lu_init(sp_lu *f, const csr_view *v, double g, starc_policy_engine eng, const starc_policy_options *opt,
                   starc_error *err)
{
    starc_policy_options def;
    if (!opt) {
        starci_howard_options_default(&def);
        opt = &def;
    }
    memset(f, 0, sizeof *f);
    f->v = v;
    f->g = g;
    const size_t S = v->S;
    f->Mp = malloc((S + 1) * sizeof(sp_long));
    f->slot = malloc(S * sizeof(sp_long));
    if (!f->Mp || !f->slot) {
        lu_clear(f);
        return starci_error(err, STARC_ENOMEM, "out of memory for the sparse LU");
    }
    umfpack_dl_defaults(f->Control);
    if (eng == STARC_POLICY_ENGINE_ITERATIVE) {
        if (!(opt->iterative_tol > 0.0 && opt->iterative_tol < 1.0)) {
            lu_clear(f);
            return starci_error(err, STARC_EINVAL, "iterative tolerance %g is not in (0, 1)", opt->iterative_tol);
        }
        const size_t m = GMRES_RESTART;
        if (S > UINT32_MAX) {
            lu_clear(f);
            return starci_error(err, STARC_EINVAL, "the iterative engine takes at most %lu states (%zu given)",
                                (unsigned long)UINT32_MAX, S);
        }
        f->iterative = 1;
        for (size_t q = 0; q < S * v->A; q++) {
            double sum = 0.0;
            for (size_t k = v->ip[q]; k < v->ip[q + 1]; k++)
                sum += v->dt[k];
            f->trow = fmax(f->trow, sum);
            if (v->ip[q + 1] - v->ip[q] > f->trowk)
                f->trowk = v->ip[q + 1] - v->ip[q];
        }
        f->tol = opt->iterative_tol;
        f->max_iter = opt->iterative_max_iter;
        f->restart = m;
        f->Kb = (m + 1) <= SIZE_MAX / S ? starci_dalloc((m + 1) * S) : NULL;
        f->H = starci_dalloc((m + 1) * m);
        f->cs = starci_dalloc(m + 1);
        f->sn = starci_dalloc(m + 1);
        f->gv = starci_dalloc(m + 1);
        f->y = starci_dalloc(m + 1);
        f->w = starci_dalloc(S);
        f->z = starci_dalloc(S);
        f->diag = starci_dalloc(S);
        f->idiag = starci_dalloc(S);
        f->lo.p = malloc((S + 1) * sizeof(size_t));
        f->up.p = malloc((S + 1) * sizeof(size_t));
        if (!f->Kb || !f->H || !f->cs || !f->sn || !f->gv || !f->y || !f->w || !f->z || !f->diag || !f->idiag ||
            !f->lo.p || !f->up.p) {
            lu_clear(f);
            return starci_error(err, STARC_ENOMEM, "out of memory for the iterative solver");
        }
    }
    return STARC_OK;
}

/* Sort one row's (column, value) pairs by column (rows are short: insertion sort). */
static void sort_row(sp_long *ci, double *cx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sp_long c = ci[i];
        double x = cx[i];
        size_t j = i;
        while (j > 0 && ci[j - 1] > c) {
            ci[j] = ci[j - 1];
            cx[j] = cx[j - 1];
            j--;
        }
        ci[j] = c;
        cx[j] = x;
    }
}

static int grow(sp_lu *f, size_t need, starc_error *err)
{
    if (need <= f->cap)
        return STARC_OK;
    size_t cap = f->cap ? f->cap : 16;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : 2 * cap;
    sp_long *mi = realloc(f->Mi, cap * sizeof(sp_long));
    if (mi)
        f->Mi = mi;
    double *mx = mi ? realloc(f->Mx, cap * sizeof(double)) : NULL;
    if (mx)
        f->Mx = mx;
    if (!mi || !mx)
        return starci_error(err, STARC_ENOMEM, "out of memory for the sparse LU (%zu entries)", need);
    f->cap = cap;
    return STARC_OK;
}

/* M = I - gamma P_pi (pi S*A, or the deterministic act when non-NULL), row s
 * holding the diagonal and the columns of the actions pi uses. */
static int assemble(sp_lu *f, const double *pi, const size_t *act, starc_error *err)
{
    const csr_view *v = f->v;
    const size_t S = v->S, A = v->A;
    for (size_t s = 0; s < S; s++)
        f->slot[s] = -1;
    size_t cnt = 0;
    int st;
    for (size_t s = 0; s < S; s++) {
        const size_t start = cnt;
        f->Mp[s] = (sp_long)cnt;
        size_t a0 = act ? act[s] : 0, a1 = act ? act[s] + 1 : A, room = 1;
        for (size_t a = a0; a < a1; a++)
            room += v->ip[s * A + a + 1] - v->ip[s * A + a];
        if ((st = grow(f, cnt + room, err)))
            return st;
        f->Mi[cnt] = (sp_long)s;
        f->Mx[cnt] = 1.0;
        f->slot[s] = (sp_long)cnt++;
        for (size_t a = a0; a < a1; a++) {
            const double p = act ? 1.0 : pi[s * A + a];
            if (p == 0.0)
                continue;
            for (size_t k = v->ip[s * A + a]; k < v->ip[s * A + a + 1]; k++) {
                const size_t t = v->ix[k];
                if (f->slot[t] < (sp_long)start) {
                    f->slot[t] = (sp_long)cnt;
                    f->Mi[cnt] = (sp_long)t;
                    f->Mx[cnt++] = 0.0;
                }
                f->Mx[f->slot[t]] -= f->g * p * v->dt[k];
            }
        }
        sort_row(f->Mi + start, f->Mx + start, cnt - start);
    }
    f->Mp[S] = (sp_long)cnt;
    return STARC_OK;
}

/* 1 if the kept symbolic analysis is for M's current pattern. */
static int same_pattern(const sp_lu *f)
{
    const size_t S = f->v->S;
    if (!f->Symbolic || !f->Pp || f->pnnz != (size_t)f->Mp[S])
        return 0;
    return memcmp(f->Pp, f->Mp, (S + 1) * sizeof(sp_long)) == 0 &&
           memcmp(f->Pi, f->Mi, f->pnnz * sizeof(sp_long)) == 0;
}

static int umf_error(sp_long status, const char *what, starc_error *err)
{
    if (status == UMFPACK_ERROR_out_of_memory)
        return starci_error(err, STARC_ENOMEM, "sparse LU (UMFPACK %s): out of memory", what);
    if (status == UMFPACK_WARNING_singular_matrix)
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (UMFPACK %s)", what);
    return starci_error(err, STARC_ELAPACK, "sparse LU failed (UMFPACK %s status %ld)", what, (long)status);
}

/* The iterative engine's form of the assembled M (rows sorted): its
 * diagonal, its inverse and the strict triangles f->lo, f->up. */
static int it_split(sp_lu *f, starc_error *err)
{
    const size_t S = f->v->S, nz = (size_t)f->Mp[S];
    it_tri *t[2] = {&f->lo, &f->up};
    for (int i = 0; i < 2; i++) {
        uint32_t *ix = realloc(t[i]->ix, (nz ? nz : 1) * sizeof(uint32_t));
        if (ix)
            t[i]->ix = ix;
        double *x = ix ? realloc(t[i]->x, (nz ? nz : 1) * sizeof(double)) : NULL;
        if (x)
            t[i]->x = x;
        double *xs = x ? realloc(t[i]->xs, (nz ? nz : 1) * sizeof(double)) : NULL;
        if (xs)
            t[i]->xs = xs;
        if (!ix || !x || !xs)
            return starci_error(err, STARC_ENOMEM, "out of memory for the iterative solver");
    }
    size_t nl = 0, nu = 0;
    f->alpha = INFINITY;
    f->mrow = 0;
    for (size_t s = 0; s < S; s++) {
        f->lo.p[s] = nl;
        f->up.p[s] = nu;
        double off = 0.0, dg = 0.0;
        if ((size_t)(f->Mp[s + 1] - f->Mp[s]) > f->mrow)
            f->mrow = (size_t)(f->Mp[s + 1] - f->Mp[s]);
        for (sp_long k = f->Mp[s]; k < f->Mp[s + 1]; k++) {
            const size_t c = (size_t)f->Mi[k];
            it_tri *tt = c < s ? &f->lo : &f->up;
            size_t *n = c < s ? &nl : &nu;
            if (c == s) {
                dg = fabs(f->Mx[k]);
                f->diag[s] = f->Mx[k];
                f->idiag[s] = 1.0 / f->Mx[k];
                continue;
            }
            off += fabs(f->Mx[k]);
            tt->ix[*n] = (uint32_t)c;
            tt->x[(*n)++] = f->Mx[k];
        }
        /* the margin less the rounding of the two sums (each term <= 1 + gamma) */
        f->alpha = fmin(f->alpha, dg - off - (double)(f->mrow + 2) * DBL_EPSILON * (dg + off));
    }
    f->lo.p[S] = nl;
    f->up.p[S] = nu;
    for (int i = 0; i < 2; i++)
        for (size_t s = 0; s < S; s++)
            for (size_t k = t[i]->p[s]; k < t[i]->p[s + 1]; k++)
                t[i]->xs[k] = t[i]->x[k] * f->idiag[s];
    return STARC_OK;
}

/* Factorise M for pi (or act): symbolic analysis only when the pattern
 * changed.  The iterative engine only assembles M and keeps its diagonal. */
static int lu_factor(sp_lu *f, const double *pi, const size_t *act, starc_error *err)
{
    int st = assemble(f, pi, act, err);
    if (st)
        return st;
    const size_t S = f->v->S;
    if (f->iterative)
        return it_split(f, err);
    const sp_long n = (sp_long)S;
    if (f->Numeric)
        umfpack_dl_free_numeric(&f->Numeric);
    if (!same_pattern(f)) {
        if (f->Symbolic)
            umfpack_dl_free_symbolic(&f->Symbolic);
        sp_long s = umfpack_dl_symbolic(n, n, f->Mp, f->Mi, f->Mx, &f->Symbolic, f->Control, f->Info);
        if (s != UMFPACK_OK) {
            f->Symbolic = NULL;
            return umf_error(s, "symbolic", err);
        }
        f->symbolic_count++;
        const size_t nz = (size_t)f->Mp[S];
        sp_long *pp = realloc(f->Pp, (S + 1) * sizeof(sp_long)), *pi2 = pp ? realloc(f->Pi, (nz ? nz : 1) * sizeof(sp_long)) : NULL;
        if (pp)
            f->Pp = pp;
        if (pi2)
            f->Pi = pi2;
        if (!pp || !pi2) {
            f->pnnz = 0;
            return starci_error(err, STARC_ENOMEM, "out of memory for the sparse LU");
        }
        memcpy(f->Pp, f->Mp, (S + 1) * sizeof(sp_long));
        memcpy(f->Pi, f->Mi, nz * sizeof(sp_long));
        f->pnnz = nz;
    }
    sp_long s = umfpack_dl_numeric(f->Mp, f->Mi, f->Mx, f->Symbolic, &f->Numeric, f->Control, f->Info);
    if (s != UMFPACK_OK) {
        if (f->Numeric)
            umfpack_dl_free_numeric(&f->Numeric);
        return umf_error(s, "numeric", err);
    }
    return STARC_OK;
}

/* ---------------------------------------------------------------------- */
/* The iterative engine: restarted GMRES                                    */

/* y = M x (values) or M^T x (occupancy), M in f's rows. */
static void it_matvec(const sp_lu *f, int trans, const double *x, double *y)
{
    const size_t S = f->v->S;
    if (!trans) {
        for (size_t s = 0; s < S; s++) {
            double acc = 0.0;
            for (sp_long k = f->Mp[s]; k < f->Mp[s + 1]; k++)
                acc += f->Mx[k] * x[f->Mi[k]];
            y[s] = acc;
        }
        return;
    }
    memset(y, 0, S * sizeof *y);
    for (size_t s = 0; s < S; s++) {
        const double xs = x[s];
        for (sp_long k = f->Mp[s]; k < f->Mp[s + 1]; k++)
            y[f->Mi[k]] += f->Mx[k] * xs;
    }
}

/* One Gauss-Seidel sweep with the strict triangle t of M, out holding its
 * start on entry: for s in increasing order (or decreasing when desc),
 * out[s] -= sum_k (t_k / M_ss) out[ix_k] (gather: the system is M, t's rows
 * are its rows), or out[ix_k] -= idiag[ix_k] t_k out[s] for the entries of
 * t's row s (scatter: the system is M^T, t's rows are its columns). */
static void it_sweep(const it_tri *t, const double *idiag, size_t S, int scatter, int desc, double *out)
{
    for (size_t i = 0; i < S; i++) {
        const size_t s = desc ? S - 1 - i : i;
        if (scatter) {
            const double os = out[s];
            for (size_t k = t->p[s]; k < t->p[s + 1]; k++)
                out[t->ix[k]] -= idiag[t->ix[k]] * (t->x[k] * os);
            continue;
        }
        double o = out[s];
        for (size_t k = t->p[s]; k < t->p[s + 1]; k++)
            o -= t->xs[k] * out[t->ix[k]];
        out[s] = o;
    }
}

/* The system's strict lower and upper triangles: M's (values), or for M^T
 * (occupancy) M's upper and lower read by columns. */
static const it_tri *it_lower(const sp_lu *f, int trans) { return trans ? &f->up : &f->lo; }
static const it_tri *it_upper(const sp_lu *f, int trans) { return trans ? &f->lo : &f->up; }

/* The forward half of the preconditioner: out = (D + Lo)^{-1} u, the
 * system A = D + Lo + Up being M (values) or M^T (occupancy). */
static void it_forward(const sp_lu *f, int trans, const double *u, double *out)
{
    const size_t S = f->v->S;
    for (size_t s = 0; s < S; s++)
        out[s] = u[s] * f->idiag[s];
    it_sweep(it_lower(f, trans), f->idiag, S, trans, 0, out);
}

/* z = P^{-1} u for the symmetric Gauss-Seidel preconditioner
 * P = (D + Lo) D^{-1} (D + Up) of the system: the forward sweep y, then
 * (D + Up) z = D y backward; z and u may alias. */
static void it_precond(const sp_lu *f, int trans, const double *u, double *z)
{
    it_forward(f, trans, u, z);
    it_sweep(it_upper(f, trans), f->idiag, f->v->S, trans, 1, z);
}

/* w = A P^{-1} v with Eisenstat's trick (S. C. Eisenstat, "Efficient
 * implementation of a class of preconditioned conjugate gradient methods",
 * SIAM J. Sci. Stat. Comput. 2 (1981)): with y = (D + Lo)^{-1} v and
 * z = P^{-1} v, (D + Up) z = D y, so A z = D y + Lo z: the two sweeps and
 * one triangle instead of the sweeps and a full product.  z is scratch. */
static void it_op(const sp_lu *f, int trans, const double *v, double *w, double *z)
{
    const size_t S = f->v->S;
    const it_tri *lo = it_lower(f, trans);
    it_forward(f, trans, v, w);
    memcpy(z, w, S * sizeof *z);
    it_sweep(it_upper(f, trans), f->idiag, S, trans, 1, z);
    if (trans) {
        for (size_t s = 0; s < S; s++)
            w[s] *= f->diag[s];
        for (size_t s = 0; s < S; s++)
            for (size_t k = lo->p[s]; k < lo->p[s + 1]; k++)
                w[lo->ix[k]] += lo->x[k] * z[s];
        return;
    }
    for (size_t s = 0; s < S; s++) { /* D (y + D^{-1} Lo z) */
        double acc = w[s];
        for (size_t k = lo->p[s]; k < lo->p[s + 1]; k++)
            acc += lo->xs[k] * z[lo->ix[k]];
        w[s] = f->diag[s] * acc;
    }
}

/* ||r||_inf (values) or ||r||_1 (occupancy): the norm of the stopping rule. */
static double it_norm(size_t S, int trans, const double *r)
{
    double n = 0.0;
    for (size_t s = 0; s < S; s++)
        n = trans ? n + fabs(r[s]) : fabs(r[s]) > n ? fabs(r[s]) : n;
    return n;
}

/* The stall fallback of it_solve: up to restart steps x += P^{-1} (b - M x)
 * (r, in f->Kb, holds b - M x on entry), counted in *used. */
static void it_gs_steps(sp_lu *f, int trans, const double *b, double *x, size_t *used)
{
    const size_t S = f->v->S, m = f->restart;
    double *r = f->Kb, *z = f->z;
    for (size_t i = 0; i < m && *used < f->max_iter; i++) {
        if (i > 0) {
            it_matvec(f, trans, x, r);
            for (size_t s = 0; s < S; s++)
                r[s] = b[s] - r[s];
        }
        it_precond(f, trans, r, z);
        for (size_t s = 0; s < S; s++)
            x[s] += z[s];
        (*used)++;
    }
}

/* The end of a GMRES cycle of k steps: y = H^{-1} g (upper triangular
 * k x k), x += P^{-1} (V y). */
static void it_update(sp_lu *f, int trans, size_t k, double *x)
{
    const size_t S = f->v->S, m = f->restart;
    const double *H = f->H;
    double *w = f->w;
    for (size_t i = k; i-- > 0;) {
        double acc = f->gv[i];
        for (size_t q = i + 1; q < k; q++)
            acc -= H[i * m + q] * f->y[q];
        f->y[i] = H[i * m + i] != 0.0 ? acc / H[i * m + i] : 0.0;
    }
    memset(w, 0, S * sizeof *w);
    for (size_t i = 0; i < k; i++) {
        const double *vi = f->Kb + i * S, yi = f->y[i];
        for (size_t s = 0; s < S; s++)
            w[s] += yi * vi[s];
    }
    it_precond(f, trans, w, w);
    for (size_t s = 0; s < S; s++)
        x[s] += w[s];
}

/* Error-free transformations: a + b = s + *e and a * b = p + *e exactly. */
static double two_sum(double a, double b, double *e)
{
    const double s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

static double two_prod(double a, double b, double *e)
{
    const double p = a * b;
    *e = fma(a, b, -p);
    return p;
}

/* r = b - M x (or b - M^T x) as if computed in twice the working precision
 * and rounded (compensated sums of error-free products: Ogita, Rump and
 * Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005),
 * Dot2), on b and x scaled by the power of 2 nearest 1/bn (exact); *floor
 * receives || |M| |x| || in the rule's norm: rounding the exact solution to
 * double leaves a residual up to u times that.  Returns ||r||.  Scratch:
 * f->Kb's second vector, f->z, f->w (r is f->Kb's first). */
static double it_residual_exact(sp_lu *f, int trans, const double *b, const double *x, double bn, double *r,
                                double *floor)
{
    const size_t S = f->v->S;
    int ex = ilogb(bn);
    ex = ex < -1000 ? -1000 : ex > 1000 ? 1000 : ex;
    const double down = ldexp(1.0, -ex), up = ldexp(1.0, ex);
    double *xs = f->Kb + S, *c = f->z, *ax = f->w;
    for (size_t s = 0; s < S; s++) {
        xs[s] = x[s] * down;
        r[s] = b[s] * down;
        c[s] = ax[s] = 0.0;
    }
    for (size_t s = 0; s < S; s++)
        for (sp_long k = f->Mp[s]; k < f->Mp[s + 1]; k++) {
            const size_t t = (size_t)f->Mi[k], i = trans ? t : s, j = trans ? s : t;
            double e1, e2;
            const double p = two_prod(-f->Mx[k], xs[j], &e1);
            r[i] = two_sum(r[i], p, &e2);
            c[i] += e1 + e2;
            ax[i] += fabs(p);
        }
    for (size_t s = 0; s < S; s++)
        r[s] = (r[s] + c[s]) * up;
    *floor = it_norm(S, trans, ax) * up;
    return it_norm(S, trans, r);
}

/* sum_s a[s] b[s] in 8 partial sums (s mod 8) added pairwise: a fixed
 * order (the same bits on every run), without the latency chain of one sum. */
static double it_dot(const double *a, const double *b, size_t n)
{
    double p[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            p[j] += a[i + j] * b[i + j];
    for (size_t j = 0; i < n; i++, j++)
        p[j] += a[i] * b[i];
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* One GMRES(restart) cycle from the residual r (f->Kb's first vector, of
 * 2-norm beta): Arnoldi with modified Gram-Schmidt on M P^{-1}, Givens
 * rotations, stopped early when the estimated 2-norm falls to inner; then
 * x += P^{-1} V y.  Counts its products in *used. */
static void it_cycle(sp_lu *f, int trans, double beta, double inner, double *x, size_t *used)
{
    const size_t S = f->v->S, m = f->restart;
    double *r = f->Kb, *z = f->z, *H = f->H;
    for (size_t s = 0; s < S; s++)
        r[s] /= beta;
    for (size_t i = 0; i <= m; i++)
        f->gv[i] = 0.0;
    f->gv[0] = beta;
    size_t k = 0;
    for (size_t j = 0; j < m && *used < f->max_iter; j++) {
        double *vj = f->Kb + j * S, *vn = f->Kb + (j + 1) * S;
        it_op(f, trans, vj, vn, z);
        (*used)++;
        for (size_t i = 0; i <= j; i++) { /* modified Gram-Schmidt */
            const double *vi = f->Kb + i * S, h = it_dot(vn, vi, S);
            for (size_t s = 0; s < S; s++)
                vn[s] -= h * vi[s];
            H[i * m + j] = h;
        }
        const double hn = sqrt(it_dot(vn, vn, S));
        H[(j + 1) * m + j] = hn;
        if (hn > 0.0)
            for (size_t s = 0; s < S; s++)
                vn[s] /= hn;
        for (size_t i = 0; i < j; i++) { /* the earlier rotations */
            const double a = H[i * m + j], c = H[(i + 1) * m + j];
            H[i * m + j] = f->cs[i] * a + f->sn[i] * c;
            H[(i + 1) * m + j] = -f->sn[i] * a + f->cs[i] * c;
        }
        const double a = H[j * m + j], c = H[(j + 1) * m + j], d = hypot(a, c);
        f->cs[j] = d > 0.0 ? a / d : 1.0;
        f->sn[j] = d > 0.0 ? c / d : 0.0;
        H[j * m + j] = d;
        H[(j + 1) * m + j] = 0.0;
        f->gv[j + 1] = -f->sn[j] * f->gv[j];
        f->gv[j] = f->cs[j] * f->gv[j];
        k = j + 1;
        if (fabs(f->gv[j + 1]) <= inner || hn == 0.0)
            break;
    }
    it_update(f, trans, k, x);
}

/* Solve M x = b (or M^T x = b) from the initial guess in x by right-
 * preconditioned GMRES(restart).  Stops when the true residual, recomputed
 * at the end of each cycle, meets ||b - M x|| <= tol ||b|| (inf-norm for
 * values, 1-norm for occupancy): since ||M^{-1}||_inf = ||M^{-T}||_1 <=
 * 1/(1 - gamma) for a row-stochastic P_pi, the error is then at most
 * tol ||b|| / (1 - gamma) in the same norm.  Near the target the residual
 * computed in double carries its own rounding, up to about
 * u (||b|| + || |M| |x| ||) with u = 2^-53, which exceeds tol ||b|| when
 * ||x|| / ||b|| is large (gamma near 1): when a cycle there leaves more than
 * GMRES_STALL of the residual, the residual is recomputed accurately
 * (it_residual_exact) and the solve stops if that meets the rule or the
 * floor 2u || |M| |x| || that x's own rounding to double can leave (then the
 * error bound is that floor / (1 - gamma)); otherwise GMRES continues from
 * the accurate residual (iterative refinement).  More than max_iter
 * matrix-vector products is STARC_ENOCONV.  f->res receives the final
 * residual's norm. */
static int it_solve(sp_lu *f, int trans, const double *b, double *x, starc_error *err)
{
    const size_t S = f->v->S;
    double *r = f->Kb;
    const double bn = it_norm(S, trans, b), target = f->tol * bn;
    size_t used = 0;
    double inner = target; /* the cycle's 2-norm goal, tightened if the true residual lags */
    f->res = 0.0;
    f->res_exact = f->at_floor = 0;
    if (bn == 0.0) {
        memset(x, 0, S * sizeof *x);
        return STARC_OK;
    }
    double prev = INFINITY; /* the residual before the last GMRES cycle */
    for (;;) {
        it_matvec(f, trans, x, r);
        for (size_t s = 0; s < S; s++)
            r[s] = b[s] - r[s];
        double rn = it_norm(S, trans, r);
        f->res_exact = 0;
        if (!isfinite(rn))
            return starci_error(err, STARC_ENOCONV, "iterative solve of I - gamma P_pi diverged");
        /* near: within GMRES_STALL_FAR of the target or of the round-off
         * floor, estimated by || |M| |x| || <= (1 + gamma) ||x|| in either
         * norm (M's absolute row sums are at most 1 + gamma) */
        const double near = GMRES_STALL_FAR * fmax(target, DBL_EPSILON * 2.0 * it_norm(S, trans, x));
        const int slow = rn > GMRES_STALL * prev, stalled = slow && rn > near;
        if (rn > target && slow && !stalled) { /* stalled near the target: round-off */
            double floor;
            rn = it_residual_exact(f, trans, b, x, bn, r, &floor);
            f->res_exact = 1;
            if (rn <= fmax(target, DBL_EPSILON * floor)) {
                f->res = rn;
                f->at_floor = rn > target;
                break;
            }
        }
        f->res = rn;
        if (rn <= target)
            break;
        if (used >= f->max_iter)
            return starci_error(err, STARC_ENOCONV,
                                "iterative solve of I - gamma P_pi: residual %.3g of |b| after %zu products "
                                "(tolerance %.3g)", rn / bn, used, f->tol);
        if (stalled) {
            /* GMRES(m) can stagnate (a 100x100 gridworld's proxy policy: the
             * residual stuck at 1.56 |b| for 10^5 products).  Then m steps of
             * the preconditioner's own iteration x += P^{-1} (b - M x): a
             * forward and a backward Gauss-Seidel sweep of M, each of which
             * shrinks the error by gamma or more (M is row diagonally
             * dominant with margin 1 - gamma, P_pi being row-stochastic:
             * ||.||_inf for M, ||D .||_1 for M^T), so the solve always
             * converges. */
            it_gs_steps(f, trans, b, x, &used);
            prev = INFINITY;
            continue;
        }
        prev = rn;
        const double beta = sqrt(it_dot(r, r, S));
        if (used > 0)
            inner = fmin(inner, target * (beta / rn) * 0.5);
        it_cycle(f, trans, beta, inner, x, &used);
    }
    f->matvecs += used;
    return STARC_OK;
}

/* x = M^{-1} b (values) or M^{-T} b (occupancy); x and b distinct, S each.
 * The iterative engine starts from x's contents (a warm start). */
static int lu_solve(sp_lu *f, starci_howard_system sys, const double *b, double *x, starc_error *err)
{
    if (f->iterative)
        return it_solve(f, sys != STARCI_HOWARD_VALUES, b, x, err);
    sp_long s = umfpack_dl_solve(sys == STARCI_HOWARD_VALUES ? UMFPACK_At : UMFPACK_A, f->Mp, f->Mi, f->Mx, x, b,
                                 f->Numeric, f->Control, f->Info);
    return s == UMFPACK_OK ? STARC_OK : umf_error(s, "solve", err);
}

/* ---------------------------------------------------------------------- */
/* A sparse MDP on the dense engine                                         */

static int densify(const starc_mdp *m, starc_mdp **out, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    double *T = starci_dcalloc(S * A * S), *mu0 = starci_dalloc(S);
    if (!T || !mu0) {
        free(T);
        free(mu0);
        return starci_error(err, STARC_ENOMEM, "out of memory expanding the sparse MDP for the dense engine");
    }
    for (size_t r = 0; r < S * A; r++)
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            T[r * S + ix[k]] = dt[k];
    memcpy(mu0, starc_mdp_initial(m), S * sizeof(double));
    /* Validated already; a tolerance wide enough that the copy cannot fail. */
    starc_mdp_options o;
    starc_mdp_options_default(&o);
    o.prob_tol = INFINITY;
    int st = starc_mdp_alloc_adopt(S, A, T, mu0, starc_mdp_gamma(m), &o, out, err);
    if (st) {
        free(T);
        free(mu0);
    }
    return st;
}

/* ---------------------------------------------------------------------- */
/* Evaluation and occupancy                                                 */

/* One policy's values for several rewards (starci_sparse_eval_*): the
 * system I - gamma P_pi is assembled, and on the LU engine factorised, once. */
struct starci_sparse_eval {
    const starc_mdp *m;
    starc_policy_options opt;
    const double *pi;
    int dense; /* the engine resolves to dense: starci_dense_evaluate_rbar() per reward */
    csr_view v;
    sp_lu f;
    double *r; /* S */
};

void starci_sparse_eval_free(starci_sparse_eval *e)
{
    if (!e)
        return;
    if (!e->dense) {
        lu_clear(&e->f);
        view_clear(&e->v);
    }
    free(e->r);
    free(e);
}

int starci_sparse_eval_alloc(const starc_mdp *m, const starc_policy_options *opt, const double *pi,
                             starci_sparse_eval **out, starc_error *err)
{
    *out = NULL;
    starci_sparse_eval *e = calloc(1, sizeof *e);
    if (!e)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    e->m = m;
    e->pi = pi;
    if (opt)
        e->opt = *opt;
    else
        starci_howard_options_default(&e->opt);
    const starc_policy_engine eng = resolve(m, e->opt.engine);
    if (eng == STARC_POLICY_ENGINE_DENSE) {
        e->dense = 1;
        *out = e;
        return STARC_OK;
    }
    int st;
    if (!(e->r = starci_dalloc(starc_mdp_states(m)))) {
        free(e);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    if ((st = view_init(m, &e->v, err))) {
        free(e->r);
        free(e);
        return st;
    }
    if ((st = lu_init(&e->f, &e->v, starc_mdp_gamma(m), eng, &e->opt, err))) {
        view_clear(&e->v);
        free(e->r);
        free(e);
        return st;
    }
    if ((st = lu_factor(&e->f, pi, NULL, err))) {
        starci_sparse_eval_free(e);
        return st;
    }
    *out = e;
    return STARC_OK;
}

int starci_sparse_eval_values(starci_sparse_eval *e, const double *Rbar, double *V, double *Q, starc_error *err)
{
    if (e->dense) {
        if (starc_mdp_is_sparse(e->m))
            return starci_sparse_evaluate_rbar(e->m, &e->opt, e->pi, Rbar, V, Q, err);
        return starci_dense_evaluate_rbar(e->m, e->pi, Rbar, V, Q, NULL, err);
    }
    starci_howard_reward(e->m, e->pi, NULL, Rbar, e->r);
    memset(V, 0, e->v.S * sizeof *V);
    int st = lu_solve(&e->f, STARCI_HOWARD_VALUES, e->r, V, err);
    if (!st && Q)
        sparse_q(&e->v, starc_mdp_gamma(e->m), Rbar, V, Q);
    return st;
}

int starci_sparse_evaluate_rbar(const starc_mdp *m, const starc_policy_options *opt, const double *pi,
                                const double *Rbar, double *V, double *Q, starc_error *err)
{
    const starc_policy_engine e = opt ? opt->engine : STARC_POLICY_ENGINE_AUTO;
    int st;
    if (!use_sparse(m, e)) {
        starc_mdp *d = NULL;
        if ((st = densify(m, &d, err)))
            return st;
        st = starci_dense_evaluate_rbar(d, pi, Rbar, V, Q, NULL, err);
        starc_mdp_free(d);
        return st;
    }
    starci_sparse_eval *ev;
    if ((st = starci_sparse_eval_alloc(m, opt, pi, &ev, err)))
        return st;
    st = starci_sparse_eval_values(ev, Rbar, V, Q, err);
    starci_sparse_eval_free(ev);
    return st;
}

int starci_sparse_occupancy(const starc_mdp *m, const starc_policy_options *opt, const double *pi, double *d,
                            double *mu, starc_error *err)
{
    const starc_policy_engine e = opt ? opt->engine : STARC_POLICY_ENGINE_AUTO;
    int st;
    if (!use_sparse(m, e)) {
        starc_mdp *dm = NULL;
        if ((st = densify(m, &dm, err)))
            return st;
        st = starci_dense_occupancy(dm, pi, d, mu, NULL, err);
        starc_mdp_free(dm);
        return st;
    }
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    csr_view v;
    sp_lu f;
    double *x = starci_dalloc(S);
    if (!x)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    if ((st = view_init(m, &v, err))) {
        free(x);
        return st;
    }
    if (!(st = lu_init(&f, &v, g, resolve(m, e), opt, err))) {
        memset(x, 0, S * sizeof *x);
        if (!(st = lu_factor(&f, pi, NULL, err)) &&
            !(st = lu_solve(&f, STARCI_HOWARD_OCCUPANCY, starc_mdp_initial(m), x, err)))
            for (size_t s = 0; s < S; s++) {
                double ds = (1.0 - g) * x[s];
                if (ds < 0.0) /* round-off only, as the dense path */
                    ds = 0.0;
                if (d)
                    d[s] = ds;
                if (mu)
                    for (size_t a = 0; a < A; a++)
                        mu[s * A + a] = ds * pi[s * A + a];
            }
        lu_clear(&f);
    }
    view_clear(&v);
    free(x);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Policy iteration                                                         */

/* The loose tolerance of policy iteration's first evaluation of each
 * policy on the iterative engine (it_evaluate). */
#define IT_LOOSE_TOL 1e-6
/* Each tightening divides the tolerance by 10 down to the full one, each
 * refinement past it by 100 (it_evaluate). */
#define IT_TIGHTEN 0.1
#define IT_REFINE 1e-2
/* Products allowed to a refinement past the tolerance (it_evaluate). */
#define IT_REFINE_PRODUCTS 200

/* A bound on ||x - x*||_inf from the values residual res = ||b - M x||_inf
 * as computed (exact: by it_residual_exact): the rounding of the computed
 * residual is added (rows of mrow + 1 terms, |M||x| <= 2 xb, xb >= ||x||),
 * and ||M^-1||_inf <= 1 / alpha. */
static double it_value_error(const sp_lu *f, double res, int exact, double bn, double xb)
{
    const double u = DBL_EPSILON / 2.0, k = (double)(f->mrow + 2);
    const double rho = exact ? u * res + k * k * u * u * (bn + 2.0 * xb) : k * DBL_EPSILON * (bn + 2.0 * xb);
    return (res + rho) / f->alpha;
}

/* The margin of the tie rule's predicate q[a] >= qmax - tol: the same
 * predicate (tol >= 0) is q[a] - max_{b != a} q[b] + tol >= 0; top is the
 * index of the state's largest value (the first), q2 the largest of the
 * others (-INFINITY when A = 1). */
static double it_margin(const double *q, size_t a, size_t top, double q2, double tol)
{
    return q[a] - (a == top ? q2 : q[top]) + tol;
}

/* 1 when the decisions of policy iteration's step on Q (howard: a state
 * keeps act[s] unless q[act[s]] < qmax - tol; a switch, and the final
 * resolution when nothing switches, take the lowest a with
 * q[a] >= qmax - tol) are those of every Q' with |Q' - Q| <= dq: each
 * predicate they read has a margin beyond band = 2 dq (its two values) plus
 * c dq (tol = max(tie_tol |qmax|, S eps max |Q|) moves by at most
 * c = max(tie_tol, S eps) times dq) plus the rounding: slack for the
 * values and rel (|q[top]| + |q2| + tol) for the margin's own arithmetic
 * and the predicate's.  *switches
 * receives the number of states that switch; *unsure the smallest |margin|
 * among the predicates that decide and are within the band (INFINITY when
 * none). */
static int it_certain(const csr_view *v, const double *Q, const size_t *act, double tie_tol, double dq, double slack,
                      double rel, size_t *switches, double *unsure)
{
    const size_t S = v->S, A = v->A;
    const double band0 = (2.0 + fmax(tie_tol, (double)S * DBL_EPSILON)) * dq + slack;
    const double floor = starci_howard_tie_floor(Q, S * A, S);
    double keep_min = INFINITY, switch_min = INFINITY, stay_min = INFINITY;
    *switches = 0;
    for (size_t s = 0; s < S; s++) {
        const double *q = Q + s * A;
        double qmax, tol;
        const size_t best = starci_howard_greedy(q, A, tie_tol, floor, &qmax, &tol);
        size_t top = 0;
        double q2 = -INFINITY;
        for (size_t a = 1; a < A; a++)
            top = q[a] > q[top] ? a : top;
        for (size_t a = 0; a < A; a++)
            q2 = a != top && q[a] > q2 ? q[a] : q2;
        const double keep = it_margin(q, act[s], top, q2, tol);
        const double band = band0 + rel * (fabs(q[top]) + (A > 1 ? fabs(q2) : 0.0) + tol);
        double res = INFINITY; /* the resolution's predicates, 0 to best */
        for (size_t a = 0; a <= best; a++) {
            const double m = fabs(it_margin(q, a, top, q2, tol));
            res = m <= band && m < res ? m : res;
        }
        if (fabs(keep) <= band)
            keep_min = fabs(keep) < keep_min ? fabs(keep) : keep_min;
        else if (keep < 0.0) {
            (*switches)++;
            switch_min = res < switch_min ? res : switch_min;
        } else
            stay_min = res < stay_min ? res : stay_min;
    }
    *unsure = fmin(fmin(keep_min, switch_min), *switches == 0 ? stay_min : INFINITY);
    return *unsure == INFINITY;
}

/* Q = Rbar + gamma T V over the stored entries as if computed in twice the
 * working precision and rounded (sparse_q's sums compensated as in
 * it_residual_exact): within u |Q| + O(u^2) of the exact value. */
static void it_q_exact(const csr_view *v, double g, const double *Rbar, const double *V, double *Q)
{
    for (size_t r = 0; r < v->S * v->A; r++) {
        double sum = Rbar[r], c = 0.0, e1, e2, e3;
        for (size_t k = v->ip[r]; k < v->ip[r + 1]; k++) {
            const double p = two_prod(v->dt[k], V[v->ix[k]], &e1), gp = two_prod(g, p, &e2);
            sum = two_sum(sum, gp, &e3);
            c += (e3 + e2) + g * e1;
        }
        Q[r] = sum + c;
    }
}

/* One solve of it_evaluate's to tolerance tol (products capped at cap). */
static int it_solve_to(sp_lu *f, double tol, size_t cap, const double *r, double *V, starc_error *err)
{
    const double full = f->tol;
    const size_t max_iter = f->max_iter;
    f->tol = tol;
    f->max_iter = cap;
    int st = it_solve(f, 0, r, V, err);
    f->tol = full;
    f->max_iter = max_iter;
    return st;
}

/* Policy iteration's evaluation of the deterministic act on the iterative
 * engine (M assembled, r = r_pi; V warm): V and Q = Rbar + gamma T V such
 * that howard's decisions on Q are those it would take on the values of any
 * evaluation meeting the stopping rule (it_solve; docs/sparse.md).  First
 * to IT_LOOSE_TOL; the error of V is bounded from the residual
 * (it_value_error), hence |Q - Q_full| <= dq = gamma trow (e + e_full);
 * when it_certain holds for dq the step is taken (except a step that
 * switches nothing, the last one, which is evaluated to the full tolerance).
 * Otherwise the evaluation goes on, tolerance divided by 10 at a time, to
 * the full tolerance, and where the
 * decisions are still not certain (margins below the stopping rule's own
 * error) on past it, toward the exact values (dq = gamma trow e), until they
 * are certain or the residual reaches its round-off floor or stops falling;
 * then the decisions are taken on the best values (f->unresolved). */
static int it_evaluate(sp_lu *f, const double *Rbar, const starc_policy_options *opt, const size_t *act,
                       const double *r, double *V, double *Q, starc_error *err)
{
    const csr_view *v = f->v;
    const size_t S = v->S, A = v->A;
    const double full = f->tol, g = f->g, bn = it_norm(S, 0, r);
    double tol = f->alpha > 0.0 ? fmax(full, IT_LOOSE_TOL) : full, last = INFINITY;
    for (;;) {
        const int refine = tol < full;
        starc_error scratch;
        int st = it_solve_to(f, tol, refine ? IT_REFINE_PRODUCTS : f->max_iter, r, V, refine ? &scratch : err);
        if (st && !(refine && st == STARC_ENOCONV))
            return st;
        if (refine)
            it_q_exact(v, g, Rbar, V, Q);
        else
            sparse_q(v, g, Rbar, V, Q);
        if (!(f->alpha > 0.0) || bn == 0.0)
            return STARC_OK; /* no bound (or V = 0 exactly): the rule's values as they are */
        double rmax = 0.0;
        for (size_t i = 0; i < S * A; i++)
            rmax = fabs(Rbar[i]) > rmax ? fabs(Rbar[i]) : rmax;
        const double xb = it_norm(S, 0, V) + 2.0 * (f->res + full * bn) / f->alpha;
        const double e = it_value_error(f, f->res, f->res_exact, bn, xb);
        /* an evaluation meeting the rule: residual tol |b|, or the floor
         * 2u || |M| |x| || <= eps (1 + gamma trow) ||x|| (it_solve) */
        const double rule = fmax(full * bn, DBL_EPSILON * (1.0 + g * f->trow) * xb);
        const double ef = refine ? 0.0 : it_value_error(f, rule, 0, bn, xb), dq = g * f->trow * (e + ef);
        /* the rounding of Q: sparse_q's (twice: this Q and the one compared
         * with, rows of trowk + 1 terms), or it_q_exact's against the exact
         * values (u |Q| in rel, O(u^2) here) */
        const double k2 = (double)(f->trowk + 2), mag = rmax + g * f->trow * xb;
        const double slack = refine ? k2 * k2 * DBL_EPSILON * DBL_EPSILON * mag : 2.0 * k2 * DBL_EPSILON * mag;
        const double rel = (refine ? 3.0 : 2.0) * DBL_EPSILON;
        size_t switches;
        double unsure;
        if (it_certain(v, Q, act, opt->tie_tol, dq, slack, rel, &switches, &unsure)) {
            if (switches == 0 && tol > full) {
                tol = full;
                continue;
            }
            return STARC_OK;
        }
        if (st || (refine && (f->at_floor || f->res > 0.5 * last))) {
            f->unresolved++;
            return STARC_OK;
        }
        last = f->res;
        f->refined += tol == full;
        /* the residual that would make the smallest unsure margin certain
         * (it_value_error's rounding term neglected: halved for it) */
        const double c = 2.0 + fmax(opt->tie_tol, (double)S * DBL_EPSILON);
        const double need = 0.5 * f->alpha * ((unsure - slack) / (c * g * f->trow) - ef) / bn;
        tol = tol > full ? fmax(full, fmin(need, tol * IT_TIGHTEN)) : tol * IT_REFINE;
    }
}

/* This engine's evaluation for howard.c's loop: r (S) is scratch; V holds
 * the previous policy's values, the iterative engine's warm start.  On the
 * iterative engine the evaluation also makes Q (it_evaluate: the Q its
 * decisions were certified on, compensated when it refined past the
 * tolerance), which howard_q hands back instead of recomputing it. */
typedef struct howard_ctx {
    sp_lu *f;
    double *r;
    const starc_policy_options *opt;
    double *Q;   /* the loop's Q */
    int q_ready; /* Q holds the last evaluation's certified Q */
} howard_ctx;

static int howard_values(void *ctx, const double *Rbar, const size_t *act, double *V, starc_error *err)
{
    howard_ctx *c = ctx;
    const size_t S = c->f->v->S, A = c->f->v->A;
    int st;
    for (size_t s = 0; s < S; s++)
        c->r[s] = Rbar[s * A + act[s]];
    if ((st = lu_factor(c->f, NULL, act, err)))
        return st;
    if (c->f->iterative) {
        c->q_ready = 0;
        if ((st = it_evaluate(c->f, Rbar, c->opt, act, c->r, V, c->Q, err)))
            return st;
        c->q_ready = 1;
        return STARC_OK;
    }
    return lu_solve(c->f, STARCI_HOWARD_VALUES, c->r, V, err);
}

static void howard_q(void *ctx, const double *Rbar, const double *V, double *Q)
{
    howard_ctx *c = ctx;
    if (c->q_ready && Q == c->Q) {
        c->q_ready = 0;
        return;
    }
    sparse_q(c->f->v, c->f->g, Rbar, V, Q);
}

/* Howard policy iteration from the actions in act (howard.c's loop and tie
 * rule, as the dense engine's: a state switches only when another action
 * beats its own by more than the tie tolerance; at the fixed point ties go
 * to the lowest index).  V, Q, r are scratch S, S*A, S; V holds the values.
 * On the iterative engine (warm-started from the previous values) each
 * evaluation is as loose as its decisions allow (it_evaluate): the
 * decisions, hence the path and the fixed point, are those of evaluations
 * to the full tolerance (docs/sparse.md). */
static int howard(sp_lu *f, const double *Rbar, const starc_policy_options *opt, size_t *act, double *V, double *Q,
                  double *r, size_t *iters, starc_error *err)
{
    howard_ctx c = {f, r, opt, Q, 0};
    const starci_howard_engine e = {&c, howard_values, howard_q};
    return starci_howard_iterate(&e, f->v->S, f->v->A, Rbar, opt, act, V, Q, NULL, iters, err);
}

static int optimal_sparse(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                          double *Vout, size_t *iters, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *V = starci_dalloc(S), *Q = starci_dalloc(S * A), *r = starci_dalloc(S);
    csr_view v;
    sp_lu f;
    int st;
    if (!V || !Q || !r) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = view_init(m, &v, err)))
        goto out;
    if (!(st = lu_init(&f, &v, starc_mdp_gamma(m), resolve(m, opt->engine), opt, err))) {
        memset(V, 0, S * sizeof *V);
        for (size_t s = 0; s < S; s++)
            act[s] = 0;
        size_t it = 0;
        if (!(st = howard(&f, Rbar, opt, act, V, Q, r, &it, err))) {
            if (Vout)
                memcpy(Vout, V, S * sizeof(double));
            if (iters)
                *iters = it;
        }
        lu_clear(&f);
    }
    view_clear(&v);
out:
    free(V);
    free(Q);
    free(r);
    return st;
}

int starci_sparse_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                               double *V, size_t *iters, starc_error *err)
{
    starc_policy_options def;
    if (!opt) {
        starci_howard_options_default(&def);
        opt = &def;
    }
    if (!(opt->tie_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tie tolerance must be >= 0");
    if (use_sparse(m, opt->engine))
        return optimal_sparse(m, Rbar, opt, act, V, iters, err);
    starc_mdp *d = NULL;
    starc_policy_options o = *opt;
    o.engine = STARC_POLICY_ENGINE_DENSE;
    int st = densify(m, &d, err);
    if (!st)
        st = starci_dense_optimal_rbar(d, Rbar, &o, act, V, iters, NULL, err);
    starc_mdp_free(d);
    return st;
}

int starci_sparse_extreme_return(const starc_mdp *m, const double *Rbar, double sign,
                                 const starc_policy_options *opt, double *J, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = malloc(S * sizeof *act);
    double *V = starci_dalloc(S), *neg = sign < 0.0 ? starci_dalloc(S * A) : NULL;
    int st;
    if (!act || !V || (sign < 0.0 && !neg)) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    } else {
        if (neg)
            for (size_t i = 0; i < S * A; i++)
                neg[i] = -Rbar[i];
        if (!(st = starci_sparse_optimal_rbar(m, neg ? neg : Rbar, opt, act, V, NULL, err)))
            *J = neg ? -starci_howard_values_return(m, V) : starci_howard_values_return(m, V);
    }
    free(act);
    free(V);
    free(neg);
    return st;
}

int starci_sparse_range_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                             starc_policy_range_result *res, starc_error *err)
{
    starc_policy_range_result rr;
    int st = starci_sparse_extreme_return(m, Rbar, 1.0, opt, &rr.optimal_return, err);
    if (!st && !(st = starci_sparse_extreme_return(m, Rbar, -1.0, opt, &rr.worst_return, err)))
        *res = rr;
    return st;
}

/* Value iteration on the stored entries: the dense path's stopping rule
 * (policy.h) and greedy rule. */
int starci_sparse_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                       double *V, size_t *act, size_t *iters, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_policy_options def;
    if (!opt) {
        starci_howard_options_default(&def);
        opt = &def;
    }
    if (!(opt->tol > 0.0))
        return starci_error(err, STARC_EINVAL, "value iteration tolerance must be > 0");
    csr_view v;
    int st = view_init(m, &v, err);
    if (st)
        return st;
    double *Q = starci_dalloc(S * A);
    if (!Q) {
        view_clear(&v);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    const double g = starc_mdp_gamma(m);
    for (size_t s = 0; s < S; s++)
        V[s] = 0.0;
    st = STARC_ENOCONV;
    size_t it;
    for (it = 1; it <= opt->max_sweeps; it++) {
        sparse_q(&v, g, Rbar, V, Q);
        double diff = 0.0, vmax = 0.0;
        for (size_t s = 0; s < S; s++) {
            double qmax = Q[s * A];
            for (size_t a = 1; a < A; a++)
                qmax = fmax(qmax, Q[s * A + a]);
            diff = fmax(diff, fabs(qmax - V[s]));
            vmax = fmax(vmax, fabs(qmax));
            Q[s * A] = qmax; /* the new V(s), kept until every Q of the sweep is read */
        }
        for (size_t s = 0; s < S; s++)
            V[s] = Q[s * A];
        if (diff <= opt->tol * vmax) {
            st = STARC_OK;
            break;
        }
    }
    if (st) {
        starci_error(err, st, "value iteration did not reach tolerance %g in %zu sweeps", opt->tol, opt->max_sweeps);
    } else {
        if (act) {
            sparse_q(&v, g, Rbar, V, Q);
            for (size_t s = 0; s < S; s++) {
                double qmax;
                act[s] = starci_howard_greedy(Q + s * A, A, 0.0, 0.0, &qmax, NULL);
            }
        }
        if (iters)
            *iters = it;
    }
    free(Q);
    view_clear(&v);
    return st;
}
