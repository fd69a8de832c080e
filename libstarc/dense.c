/* The dense policy engine (dense-internal.h): I - gamma P_pi assembled from
 * the dense T and solved by LAPACK, for evaluation, occupancy, exact
 * occupancy with reachability, Howard and restricted policy iteration
 * (howard.c's loops on these solves) and value iteration.  Every dense solve
 * of I - gamma P_pi in libstarc is assembled and factorised here; policy.c
 * dispatches to this engine and to the sparse one (sparse.c). */
#include <config.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dense-internal.h"
#include "error-internal.h"
#include "howard-internal.h"
#include "lapack.h"

/* A workspace; warm: with A0 and A1, the copies a warm start's reuse
 * compares (starci_dense_howard()). */
static int workspace_alloc(size_t S, size_t A, int warm, starc_policy_workspace **out, starc_error *err)
{
    size_t SS, SA;
    *out = NULL;
    if (S == 0 || A == 0 || !starci_mul_ok(S, S, &SS) || !starci_mul_ok(S, A, &SA))
        return starci_error(err, STARC_EDIM, "no workspace for S=%zu, A=%zu", S, A);
    starc_policy_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a workspace");
    ws->S = S;
    ws->A = A;
    ws->M = starci_dalloc(SS);
    ws->ipiv = calloc(S, sizeof(lapack_int));
    ws->Rbar = starci_dalloc(SA);
    ws->Q = starci_dalloc(SA);
    ws->r = starci_dalloc(S);
    ws->neg = starci_dalloc(SA);
    ws->act = calloc(S, sizeof(size_t));
    ws->reach = calloc(S, 1);
    ws->lu_act = calloc(S, sizeof(size_t));
    ws->A0 = warm ? starci_dalloc(SS) : NULL;
    ws->A1 = warm ? starci_dalloc(SS) : NULL;
    if (!ws->M || !ws->ipiv || !ws->Rbar || !ws->Q || !ws->r || !ws->neg || !ws->act || !ws->reach || !ws->lu_act ||
        (warm && (!ws->A0 || !ws->A1))) {
        starci_dense_workspace_free(ws);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a workspace");
    }
    *out = ws;
    return STARC_OK;
}

int starci_dense_workspace_alloc(size_t S, size_t A, starc_policy_workspace **out, starc_error *err)
{
    return workspace_alloc(S, A, 1, out, err);
}

int starci_dense_workspace_alloc_cold(size_t S, size_t A, starc_policy_workspace **out, starc_error *err)
{
    return workspace_alloc(S, A, 0, out, err);
}

void starci_dense_workspace_free(starc_policy_workspace *ws)
{
    if (!ws)
        return;
    free(ws->M);
    free(ws->ipiv);
    free(ws->Rbar);
    free(ws->Q);
    free(ws->r);
    free(ws->neg);
    free(ws->act);
    free(ws->reach);
    free(ws->lu_act);
    free(ws->A0);
    free(ws->A1);
    free(ws);
}

int starci_dense_ws_acquire(const starc_mdp *m, starc_policy_workspace **ws, starc_policy_workspace **own,
                            starc_error *err)
{
    *own = NULL;
    if (*ws && (*ws)->S == starc_mdp_states(m) && (*ws)->A == starc_mdp_actions(m))
        return STARC_OK;
    if (*ws)
        return starci_error(err, STARC_EDIM, "workspace is for S=%zu, A=%zu but the MDP has S=%zu, A=%zu",
                            (*ws)->S, (*ws)->A, starc_mdp_states(m), starc_mdp_actions(m));
    int st = starci_dense_workspace_alloc(starc_mdp_states(m), starc_mdp_actions(m), own, err);
    *ws = *own;
    return st;
}

/* ---------------------------------------------------------------------- */
/* Exact evaluation: the one assembly of I - gamma P_pi and its solves      */

/* Rows s0 <= s < s1 of I - gamma P_pi (for pi, or the deterministic act when
 * non-NULL) into R, row-major with leading dimension S: R[(s-s0)*S + u]. */
static void assemble_rows(const starc_mdp *m, const double *pi, const size_t *act, size_t s0, size_t s1, double *R)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    for (size_t s = s0; s < s1; s++) {
        double *r = R + (s - s0) * S;
        if (act) {
            const double *t = T + (s * A + act[s]) * S;
            for (size_t u = 0; u < S; u++)
                r[u] = -g * t[u];
        } else {
            memset(r, 0, S * sizeof(double));
            for (size_t a = 0; a < A; a++) {
                double p = pi[s * A + a];
                if (p == 0.0)
                    continue;
                const double *t = T + (s * A + a) * S;
                for (size_t u = 0; u < S; u++)
                    r[u] -= g * p * t[u];
            }
        }
        r[s] += 1.0;
    }
}

/* Rows per block of the transposed assembly: 8 doubles, one cache line of M. */
#define ASSEMBLE_BLOCK 8

/* I - gamma P_pi for pi, or for the deterministic act when non-NULL, into M
 * (S*S): row-major, or transposed (row-major (I - gamma P_pi)^T, which is
 * I - gamma P_pi read column-major).  The transposed form is built
 * ASSEMBLE_BLOCK rows at a time in scratch rows and written out a cache line
 * per column, instead of one strided write per (s, a, u) (a quarter of
 * `starc overopt` at S = 512); every entry is computed by the same
 * operations in the same order. */
int starci_dense_assemble(const starc_mdp *m, const double *pi, const size_t *act, int transposed, double *M,
                          starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    if (!transposed) {
        assemble_rows(m, pi, act, 0, S, M);
        return STARC_OK;
    }
    double *blk = starci_dalloc(ASSEMBLE_BLOCK * S);
    if (!blk)
        return starci_error(err, STARC_ENOMEM, "out of memory assembling I - gamma P_pi");
    for (size_t s0 = 0; s0 < S; s0 += ASSEMBLE_BLOCK) {
        const size_t nb = S - s0 < ASSEMBLE_BLOCK ? S - s0 : ASSEMBLE_BLOCK;
        assemble_rows(m, pi, act, s0, s0 + nb, blk);
        for (size_t u = 0; u < S; u++)
            for (size_t j = 0; j < nb; j++)
                M[u * S + s0 + j] = blk[j * S + u];
    }
    free(blk);
    return STARC_OK;
}

void starci_dense_q_many(const starc_mdp *m, size_t n, const double *const *Rbar, const double *const *V,
                         double *const *Q)
{
    const size_t S = starc_mdp_states(m), SA = S * starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    /* Plain loops instead of dgemv: a threaded BLAS may split the sums and
     * change the last bits with the thread count (outputs must not).  Each
     * row's sum runs over u in order, as one row at a time would; four rows
     * advance together, four independent chains of additions instead of one
     * whose latency bounds the pass (1.6-1.8x at S = 1024 and 2048, A = 8), and
     * the n vectors take their turn on the four rows while they are in cache:
     * T is read from memory once for all (docs/benchmarks.md, "regret end to
     * end"). */
    size_t sa = 0;
    for (; sa + 4 <= SA; sa += 4) {
        const double *t0 = T + sa * S, *t1 = t0 + S, *t2 = t1 + S, *t3 = t2 + S;
        for (size_t k = 0; k < n; k++) {
            const double *v = V[k], *r = Rbar[k] + sa;
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
            for (size_t u = 0; u < S; u++) {
                a0 += t0[u] * v[u];
                a1 += t1[u] * v[u];
                a2 += t2[u] * v[u];
                a3 += t3[u] * v[u];
            }
            double *q = Q[k] + sa;
            q[0] = r[0] + g * a0;
            q[1] = r[1] + g * a1;
            q[2] = r[2] + g * a2;
            q[3] = r[3] + g * a3;
        }
    }
    for (; sa < SA; sa++)
        for (size_t k = 0; k < n; k++) {
            const double *t = T + sa * S, *v = V[k];
            double acc = 0.0;
            for (size_t u = 0; u < S; u++)
                acc += t[u] * v[u];
            Q[k][sa] = Rbar[k][sa] + g * acc;
        }
}

void starci_dense_q(const starc_mdp *m, const double *Rbar, const double *V, double *Q)
{
    starci_dense_q_many(m, 1, &Rbar, &V, &Q);
}

/* Solve with the factor of (I - gamma P_pi)^T that dgetrf left in LU:
 * trans 'T' answers the values system, 'N' the occupancy system.  The _work
 * variant skips LAPACKE's scan of the whole factor for NaNs on every call. */
lapack_int starci_dense_lu_solve(size_t S, const double *LU, const lapack_int *ipiv, starci_howard_system sys,
                                 double *b)
{
    lapack_int n = (lapack_int)S;
    return LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, sys == STARCI_HOWARD_VALUES ? 'T' : 'N', n, 1, LU, n, ipiv, b, n);
}

/* dgetrf of M in place: the LU_ONCE factor. */
static int lu_factor(size_t S, double *M, lapack_int *ipiv, starc_error *err)
{
    lapack_int n = (lapack_int)S, info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, M, n, ipiv);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    return STARC_OK;
}

/* dgetrf of M in place (skipped when factor is 0: M and ipiv already hold
 * it), then the solve of b. */
static int lu_factor_solve(size_t S, double *M, lapack_int *ipiv, starci_howard_system sys, double *b, int factor,
                           starc_error *err)
{
    lapack_int info;
    if (factor && lu_factor(S, M, ipiv, err))
        return STARC_ELAPACK;
    info = starci_dense_lu_solve(S, M, ipiv, sys, b);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "dgetrs failed (info %d)", (int)info);
    return STARC_OK;
}

int starci_dense_solve(const starc_mdp *m, const double *pi, const size_t *act, starci_howard_system sys,
                       starci_dense_lu lu, double *M, lapack_int *ipiv, double *b, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    lapack_int n = (lapack_int)S, info;
    if (lu == STARCI_DENSE_GESV) {
        /* dgesv factorises the column-major buffer: for the values system that
         * is the transposed storage of I - gamma P_pi. */
        int st = starci_dense_assemble(m, pi, act, sys == STARCI_HOWARD_VALUES, M, err);
        if (st)
            return st;
        info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, n, 1, M, n, ipiv, b, n);
        if (info != 0)
            return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgesv info %d)", (int)info);
        return STARC_OK;
    }
    /* Read column-major the row-major buffer is (I - gamma P_pi)^T, so LAPACK
     * factorises it in place with no copy; LAPACKE's row-major dgesv would
     * allocate and transpose the whole matrix on every call, which is a third
     * of policy iteration at S = 32. */
    (void)starci_dense_assemble(m, pi, act, 0, M, NULL); /* row-major: cannot fail */
    return lu_factor_solve(S, M, ipiv, sys, b, 1, err);
}

int starci_dense_factor(const starc_mdp *m, const double *pi, double *LU, lapack_int *ipiv, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    (void)starci_dense_assemble(m, pi, NULL, 0, LU, NULL); /* row-major: cannot fail */
    /* Read column-major, the row-major M = I - gamma P_pi is M^T: factorising
     * that avoids the transposed copy LAPACKE's row-major interface makes on
     * every call (an S x S allocation per solve); solves use trans = 'T'.
     * The factorisation and the solves call the _work variants: the plain
     * ones also scan the whole matrix for NaNs on every call (1% of a VAL
     * distance at S = 1024), and M is finite (T, gamma and pi are checked). */
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)S, (lapack_int)S, LU, (lapack_int)S, ipiv);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    return STARC_OK;
}

void starci_dense_occupancy_finish(const starc_mdp *m, const double *pi, const double *x, const unsigned char *reach,
                                   double *d, double *mu)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    for (size_t s = 0; s < S; s++) {
        double ds = (!reach || reach[s]) ? (1.0 - g) * x[s] : 0.0;
        if (ds < 0.0) /* round-off only: occupancies are non-negative */
            ds = 0.0;
        if (d)
            d[s] = ds;
        if (mu)
            for (size_t a = 0; a < A; a++)
                mu[s * A + a] = ds * pi[s * A + a];
    }
}

int starci_dense_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar, double *V, double *Q,
                               starc_policy_workspace *ws, starc_error *err)
{
    starc_policy_workspace *own;
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    ws->lu_ok = 0;
    starci_howard_reward(m, pi, NULL, Rbar, V);
    st = starci_dense_solve(m, pi, NULL, STARCI_HOWARD_VALUES, STARCI_DENSE_LU_ONCE, ws->M, ws->ipiv, V, err);
    if (!st && Q)
        starci_dense_q(m, Rbar, V, Q);
    starci_dense_workspace_free(own);
    return st;
}

int starci_dense_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu, starc_policy_workspace *ws,
                           starc_error *err)
{
    starc_policy_workspace *own;
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m);
    ws->lu_ok = 0;
    memcpy(ws->r, starc_mdp_initial(m), S * sizeof(double));
    st = starci_dense_solve(m, pi, NULL, STARCI_HOWARD_OCCUPANCY, STARCI_DENSE_LU_ONCE, ws->M, ws->ipiv, ws->r, err);
    if (!st)
        starci_dense_occupancy_finish(m, pi, ws->r, NULL, d, mu);
    starci_dense_workspace_free(own);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Exact occupancy with reachability (proxy.c, regularize.c)               */

/* States reachable from supp(mu0) when following actions with pi > 0 and
 * transitions with T > 0 (reach[s] = 1).  Exact structural test. */
static void reachable(const starc_mdp *m, const double *pi, unsigned char *reach, size_t *stack)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m), *mu0 = starc_mdp_initial(m);
    size_t top = 0;
    memset(reach, 0, S);
    for (size_t s = 0; s < S; s++)
        if (mu0[s] > 0.0) {
            reach[s] = 1;
            stack[top++] = s;
        }
    while (top > 0) {
        size_t s = stack[--top];
        for (size_t a = 0; a < A; a++) {
            if (!(pi[s * A + a] > 0.0))
                continue;
            const double *t = T + (s * A + a) * S;
            for (size_t u = 0; u < S; u++)
                if (t[u] > 0.0 && !reach[u]) {
                    reach[u] = 1;
                    stack[top++] = u;
                }
        }
    }
}

int starci_dense_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar, double *Jn,
                       double *d, double *mu, starc_policy_workspace *ws, starc_error *err)
{
    starc_policy_workspace *own;
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    ws->lu_ok = 0;
    memcpy(ws->r, starc_mdp_initial(m), S * sizeof(double));
    st = starci_dense_solve(m, pi, NULL, STARCI_HOWARD_OCCUPANCY, STARCI_DENSE_GESV, ws->M, ws->ipiv, ws->r, err);
    if (!st) {
        reachable(m, pi, ws->reach, ws->act);
        starci_dense_occupancy_finish(m, pi, ws->r, ws->reach, d, mu);
    }
    starci_dense_workspace_free(own);
    if (st)
        return st;
    starci_howard_occupancy_returns(S * A, mu, nr, Rbar, Jn);
    return STARC_OK;
}

/* ---------------------------------------------------------------------- */
/* Howard policy iteration on dense solves                                 */

/* Several cold runs on one MDP (starci_dense_optimal_start()): the factor
 * of the all-0 policy's system, where each starts, made by the first run to
 * need it while the others wait; and the gate that lets at most `slots` of
 * the runs' steps compute at once (0: any number). */
typedef struct starci_policy_start starci_policy_start;
struct starci_policy_start {
    const starc_mdp *m;
    size_t *act0;     /* S zeros: the all-0 policy */
    double *LU;       /* S*S: its LU_ONCE factor, once made */
    lapack_int *ipiv; /* S */
    int made;         /* START_* */
    int st;           /* the factorisation's status and error, for every run */
    starc_error err;
    int slots, busy;  /* the gate: steps allowed at once (0: any), steps running */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};
enum { START_NONE, START_MAKING, START_MADE };

int starci_dense_start_alloc(const starc_mdp *m, int slots, starci_policy_start **out, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    starci_policy_start *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    s->m = m;
    s->slots = slots > 0 ? slots : 0;
    s->act0 = calloc(S, sizeof *s->act0);
    s->LU = starci_dalloc(S * S);
    s->ipiv = calloc(S, sizeof *s->ipiv);
    const int locked = pthread_mutex_init(&s->lock, NULL) == 0;
    const int cond = locked && pthread_cond_init(&s->cond, NULL) == 0;
    if (!s->act0 || !s->LU || !s->ipiv || !cond) {
        if (locked)
            pthread_mutex_destroy(&s->lock);
        free(s->act0), free(s->LU), free(s->ipiv), free(s);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    *out = s;
    return STARC_OK;
}

void starci_dense_start_free(starci_policy_start *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s->act0), free(s->LU), free(s->ipiv), free(s);
}

/* Wait for a free slot of the gate, and take it; give it back. */
static void gate_enter(starci_policy_start *s)
{
    if (!s || !s->slots)
        return;
    pthread_mutex_lock(&s->lock);
    while (s->busy >= s->slots)
        pthread_cond_wait(&s->cond, &s->lock);
    s->busy++;
    pthread_mutex_unlock(&s->lock);
}

static void gate_leave(starci_policy_start *s)
{
    if (!s || !s->slots)
        return;
    pthread_mutex_lock(&s->lock);
    s->busy--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* The start's factor: the first caller assembles and factorises the all-0
 * policy's system as a run's first evaluation would (LU_ONCE), later ones
 * wait for it; a failure is every caller's. */
static int start_factor(starci_policy_start *s, starc_error *err)
{
    pthread_mutex_lock(&s->lock);
    while (s->made == START_MAKING)
        pthread_cond_wait(&s->cond, &s->lock);
    if (s->made == START_NONE) {
        s->made = START_MAKING;
        pthread_mutex_unlock(&s->lock);
        const size_t S = starc_mdp_states(s->m);
        (void)starci_dense_assemble(s->m, NULL, s->act0, 0, s->LU, NULL); /* row-major: cannot fail */
        starc_error e;
        memset(&e, 0, sizeof e);
        const int st = lu_factor(S, s->LU, s->ipiv, &e);
        pthread_mutex_lock(&s->lock);
        s->made = START_MADE;
        s->st = st;
        s->err = e;
        pthread_cond_broadcast(&s->cond);
    }
    const int st = s->st;
    if (st && err)
        *err = s->err;
    pthread_mutex_unlock(&s->lock);
    return st;
}

/* The dense engine's evaluation for howard.c's loop.  reuse: ws->M holds
 * the factor of ws->A0 (ws->lu_ok on entry), for the first evaluation only.
 * start (a run of starci_dense_optimal_start()): the first evaluation
 * solves with its factor (at_start: the last one did). */
typedef struct howard_ctx {
    const starc_mdp *m;
    starc_policy_workspace *ws;
    int reuse;
    starci_policy_start *start;
    int first, at_start;
} howard_ctx;

/* The values of act: V holds r_act and receives V.  The system is assembled
 * as starci_dense_solve() does (LU_ONCE, values); with reuse, when it is
 * ws->A0 bit for bit the factor in ws->M is reused: the same factor and
 * solution as a new one.  A warm run starts from the previous run's result,
 * whose factor its workspace kept.  A workspace without A0 (cold) assembles
 * straight into M. */
static int howard_values(void *ctx, const double *Rbar, const size_t *act, double *V, starc_error *err)
{
    howard_ctx *c = ctx;
    starc_policy_workspace *ws = c->ws;
    const size_t S = starc_mdp_states(c->m), SS = S * S;
    starci_howard_reward(c->m, NULL, act, Rbar, V);
    c->at_start = c->first;
    if (c->first) { /* act is the all-0 policy */
        c->first = 0;
        int st = start_factor(c->start, err);
        return st ? st : lu_factor_solve(S, c->start->LU, c->start->ipiv, STARCI_HOWARD_VALUES, V, 0, err);
    }
    if (!ws->A0) {
        (void)starci_dense_assemble(c->m, NULL, act, 0, ws->M, NULL); /* row-major: cannot fail */
        return lu_factor_solve(S, ws->M, ws->ipiv, STARCI_HOWARD_VALUES, V, 1, err);
    }
    double *A = c->reuse ? ws->A1 : ws->A0;
    (void)starci_dense_assemble(c->m, NULL, act, 0, A, NULL); /* row-major: cannot fail */
    const int factor = !c->reuse || memcmp(A, ws->A0, SS * sizeof(double)) != 0;
    c->reuse = 0;
    if (factor) {
        if (A != ws->A0)
            memcpy(ws->A0, A, SS * sizeof(double));
        memcpy(ws->M, ws->A0, SS * sizeof(double));
    }
    return lu_factor_solve(S, ws->M, ws->ipiv, STARCI_HOWARD_VALUES, V, factor, err);
}

static void howard_q(void *ctx, const double *Rbar, const double *V, double *Q)
{
    const howard_ctx *c = ctx;
    starci_dense_q(c->m, Rbar, V, Q);
}

/* After a run settled on act: ws->M holds the factor of the last policy
 * evaluated, ws->lu_act (copied from the start's when that was the only
 * one); ws->lu_ok whether it is act's. */
static void howard_kept(const howard_ctx *c, const size_t *act)
{
    starc_policy_workspace *ws = c->ws;
    const size_t S = starc_mdp_states(c->m);
    if (c->at_start) {
        memcpy(ws->M, c->start->LU, S * S * sizeof(double));
        memcpy(ws->ipiv, c->start->ipiv, S * sizeof(lapack_int));
        if (ws->A0)
            (void)starci_dense_assemble(c->m, NULL, c->start->act0, 0, ws->A0, NULL); /* row-major: cannot fail */
    }
    ws->lu_ok = memcmp(ws->lu_act, act, S * sizeof(size_t)) == 0;
}

int starci_dense_howard(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                        double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    howard_ctx c = {m, ws, ws->lu_ok && ws->A0, NULL, 0, 0}; /* M holds the factor of ws->A0 */
    const starci_howard_engine e = {&c, howard_values, howard_q};
    ws->lu_ok = 0;
    int st = starci_howard_iterate(&e, S, A, Rbar, opt, act, ws->r, ws->Q, ws->lu_act, iters, err);
    if (st)
        return st;
    howard_kept(&c, act);
    if (V)
        memcpy(V, ws->r, S * sizeof(double));
    return STARC_OK;
}

/* One lockstep step of starci_dense_optimal_start(): each live run that has
 * not reached the cap evaluates its policy (a failure ends it with its error),
 * then one pass over T gives all their Q, and each improves its policy or
 * settles (J receiving its return).  0 when no run was left. */
static int lockstep_step(howard_ctx *c, size_t n, const double *const *Rbar, const starc_policy_options *opt,
                         size_t *const *act, size_t *it, int *live, int *st, starc_error *err, double *J)
{
    const size_t S = starc_mdp_states(c[0].m), A = starc_mdp_actions(c[0].m);
    size_t nl = 0, run[STARCI_DENSE_RUNS_MAX];
    const double *rb[STARCI_DENSE_RUNS_MAX], *v[STARCI_DENSE_RUNS_MAX];
    double *q[STARCI_DENSE_RUNS_MAX];
    for (size_t k = 0; k < n; k++) {
        if (!live[k])
            continue;
        if (it[k] >= opt->max_iter)
            st[k] = starci_howard_noconv(opt, &err[k]);
        else {
            it[k]++;
            st[k] = howard_values(&c[k], Rbar[k], act[k], c[k].ws->r, &err[k]);
        }
        if (st[k]) {
            live[k] = 0;
            continue;
        }
        run[nl] = k, rb[nl] = Rbar[k], v[nl] = c[k].ws->r, q[nl] = c[k].ws->Q;
        nl++;
    }
    if (nl)
        starci_dense_q_many(c[0].m, nl, rb, v, q);
    for (size_t i = 0; i < nl; i++) {
        const size_t k = run[i];
        starc_policy_workspace *ws = c[k].ws;
        if (starci_howard_improve(ws->Q, S, A, opt->tie_tol, act[k]))
            continue;
        starci_howard_settle(ws->Q, S, A, opt->tie_tol, act[k], ws->lu_act);
        howard_kept(&c[k], act[k]);
        J[k] = starci_howard_values_return(c[k].m, ws->r);
        live[k] = 0;
    }
    return nl > 0;
}

int starci_dense_optimal_start(const starc_mdp *m, starci_policy_start *start, size_t n, const double *const *Rbar,
                               const starc_policy_options *opt, size_t *const *act, double *J,
                               starc_policy_workspace *const *ws, starc_error *err)
{
    starc_policy_options def;
    int st = n <= STARCI_DENSE_RUNS_MAX ? starci_howard_options(&opt, &def, err)
                                         : starci_error(err, STARC_EINVAL, "more than %d runs in lockstep",
                                                        STARCI_DENSE_RUNS_MAX);
    if (st)
        return st;
    howard_ctx c[STARCI_DENSE_RUNS_MAX];
    size_t it[STARCI_DENSE_RUNS_MAX];
    int live[STARCI_DENSE_RUNS_MAX], stk[STARCI_DENSE_RUNS_MAX];
    starc_error ek[STARCI_DENSE_RUNS_MAX];
    for (size_t k = 0; k < n; k++) {
        starc_policy_workspace *w = ws[k], *own;
        stk[k] = w ? starci_dense_ws_acquire(m, &w, &own, &ek[k]) /* w given: only its size is checked */
                   : starci_error(&ek[k], STARC_EINVAL, "run %zu has no workspace", k);
        live[k] = !stk[k];
        it[k] = 0;
        c[k] = (howard_ctx){m, ws[k], 0, start, 1, 0};
        if (live[k]) {
            memset(act[k], 0, starc_mdp_states(m) * sizeof(size_t));
            ws[k]->lu_ok = 0;
        }
    }
    for (int more = 1; more;) {
        gate_enter(start);
        more = lockstep_step(c, n, Rbar, opt, act, it, live, stk, ek, J);
        gate_leave(start);
    }
    for (size_t k = 0; k < n; k++)
        if (stk[k]) {
            if (err)
                *err = ek[k];
            return stk[k];
        }
    return STARC_OK;
}

int starci_dense_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                              double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err)
{
    starc_policy_options def;
    int st = starci_howard_options(&opt, &def, err);
    if (st)
        return st;
    starc_policy_workspace *own;
    if ((st = starci_dense_ws_acquire(m, &ws, &own, err)))
        return st;
    for (size_t s = 0; s < starc_mdp_states(m); s++)
        act[s] = 0;
    st = starci_dense_howard(m, Rbar, opt, act, V, iters, ws, err);
    starci_dense_workspace_free(own);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Restricted policy iteration on dgesv solves                              */

/* The dense engine's evaluation for howard.c's restricted policy iteration:
 * M (S*S) and ipiv (S) are the solve's scratch. */
typedef struct set_ctx {
    const starc_mdp *m;
    double *M;
    lapack_int *ipiv;
} set_ctx;

static int set_values(void *ctx, const double *Rbar, double sign, const size_t *act, double *V, starc_error *err)
{
    const set_ctx *c = ctx;
    const size_t S = starc_mdp_states(c->m);
    starci_howard_reward(c->m, NULL, act, Rbar, V);
    for (size_t s = 0; s < S; s++)
        V[s] = sign * V[s];
    return starci_dense_solve(c->m, NULL, act, STARCI_HOWARD_VALUES, STARCI_DENSE_GESV, c->M, c->ipiv, V, err);
}

/* sign * Rbar(s,a) + gamma sum_s' T(s,a,s') V(s'), summed in that order. */
static double set_q_entry(void *ctx, const double *Rbar, double sign, const double *V, size_t sa)
{
    const set_ctx *c = ctx;
    const size_t S = starc_mdp_states(c->m);
    const double g = starc_mdp_gamma(c->m);
    const double *t = starc_mdp_transitions(c->m) + sa * S;
    double q = sign * Rbar[sa];
    for (size_t u = 0; u < S; u++)
        q += g * t[u] * V[u];
    return q;
}

int starci_dense_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                     const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                     double *jmin, double *jmax, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    set_ctx c = {m, starci_dalloc(S * S), calloc(S, sizeof(lapack_int))};
    const starci_howard_set_engine e = {&c, set_values, set_q_entry};
    const int st = c.M && c.ipiv
                       ? starci_howard_optimal_set_returns(&e, m, Rbar_opt, Vopt, Rbar, opt, act, jmin, jmax, err)
                       : starci_error(err, STARC_ENOMEM, "out of memory");
    free(c.M);
    free(c.ipiv);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Value iteration                                                         */

int starci_dense_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                      double *V, size_t *act, size_t *iters, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_policy_options def;
    if (!opt) {
        starci_howard_options_default(&def);
        opt = &def;
    }
    const double tol = opt->tol;
    const size_t max_iter = opt->max_sweeps;
    if (!(tol > 0.0))
        return starci_error(err, STARC_EINVAL, "value iteration tolerance must be > 0");
    double *Q = starci_dalloc(S * A), *Vn = starci_dalloc(S);
    if (!Q || !Vn) {
        free(Q);
        free(Vn);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    for (size_t s = 0; s < S; s++)
        V[s] = 0.0;
    int st = STARC_ENOCONV;
    size_t it;
    for (it = 1; it <= max_iter; it++) {
        starci_dense_q(m, Rbar, V, Q);
        double diff = 0.0, vmax = 0.0;
        for (size_t s = 0; s < S; s++) {
            double qmax = Q[s * A];
            for (size_t a = 1; a < A; a++)
                qmax = fmax(qmax, Q[s * A + a]);
            diff = fmax(diff, fabs(qmax - V[s]));
            vmax = fmax(vmax, fabs(qmax));
            Vn[s] = qmax;
        }
        memcpy(V, Vn, S * sizeof(double));
        if (diff <= tol * vmax) { /* relative: unchanged under Rbar -> c Rbar */
            st = STARC_OK;
            break;
        }
    }
    if (st)
        starci_error(err, st, "value iteration did not reach tolerance %g in %zu sweeps", tol, max_iter);
    else {
        if (act) {
            starci_dense_q(m, Rbar, V, Q);
            for (size_t s = 0; s < S; s++) {
                double qmax;
                act[s] = starci_howard_greedy(Q + s * A, A, 0.0, 0.0, &qmax, NULL);
            }
        }
        if (iters)
            *iters = it;
    }
    free(Q);
    free(Vn);
    return st;
}
