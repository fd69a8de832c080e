/* Policies (starc/policy.h): exact evaluation, occupancy, optimal and worst
 * policies, restricted policy iteration and the evaluator plan.  Every solve
 * of I - gamma P_pi in libstarc is assembled and factorised here
 * (policy-internal.h). */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "lapack.h"
#include "policy-internal.h"
#include "sparse-internal.h"
#include "starc/policy.h"

struct starc_policy_workspace {
    size_t S, A;
    double *M;        /* S*S system matrix */
    lapack_int *ipiv; /* S pivots */
    double *Rbar;     /* S*A */
    double *Q;        /* S*A */
    double *r;        /* S */
    double *neg;      /* S*A: -Rbar (range) */
    size_t *act;      /* S: actions (range), the search stack (reachability) */
    unsigned char *reach; /* S: reachability flags */
    size_t *lu_act;   /* S: the deterministic policy whose factor M holds, when lu_ok */
    int lu_ok;        /* M, ipiv hold the LU_ONCE factor of I - gamma P_lu_act */
    double *A0, *A1;  /* S*S: the matrix M's factor was made from (when lu_ok), and scratch */
};

int starc_policy_workspace_alloc(size_t S, size_t A, starc_policy_workspace **out, starc_error *err)
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
    ws->A0 = starci_dalloc(SS);
    ws->A1 = starci_dalloc(SS);
    if (!ws->M || !ws->ipiv || !ws->Rbar || !ws->Q || !ws->r || !ws->neg || !ws->act || !ws->reach || !ws->lu_act ||
        !ws->A0 || !ws->A1) {
        starc_policy_workspace_free(ws);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a workspace");
    }
    *out = ws;
    return STARC_OK;
}

void starc_policy_workspace_free(starc_policy_workspace *ws)
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

/* Use the caller's workspace when it fits, otherwise make a private one. */
static int ws_acquire(const starc_mdp *m, starc_policy_workspace **ws, starc_policy_workspace **own, starc_error *err)
{
    *own = NULL;
    if (*ws && (*ws)->S == starc_mdp_states(m) && (*ws)->A == starc_mdp_actions(m))
        return STARC_OK;
    if (*ws)
        return starci_error(err, STARC_EDIM, "workspace is for S=%zu, A=%zu but the MDP has S=%zu, A=%zu",
                            (*ws)->S, (*ws)->A, starc_mdp_states(m), starc_mdp_actions(m));
    int st = starc_policy_workspace_alloc(starc_mdp_states(m), starc_mdp_actions(m), own, err);
    *ws = *own;
    return st;
}

int starc_policy_validate(const starc_mdp *m, const double *pi, const starc_policy_options *opt, starc_error *err)
{
    return starci_policy_check(m, pi, opt ? opt->prob_tol : STARC_MDP_PROB_TOL, err);
}

int starci_policy_check(const starc_mdp *m, const double *pi, double tol, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "probability tolerance %g is not >= 0", tol);
    if (!pi)
        return starci_error(err, STARC_EINVAL, "policy is NULL");
    for (size_t s = 0; s < S; s++) {
        double sum = 0.0;
        for (size_t a = 0; a < A; a++) {
            double p = pi[s * A + a];
            if (!isfinite(p))
                return starci_error(err, STARC_EINVAL, "policy entry [%zu,%zu] is not finite", s, a);
            if (p < 0.0)
                return starci_error(err, STARC_EINVAL, "policy entry [%zu,%zu] = %.17g is negative", s, a, p);
            sum += p;
        }
        if (fabs(sum - 1.0) > tol)
            return starci_error(err, STARC_EINVAL, "policy row %zu sums to %.17g, not 1 (tolerance %g)", s, sum, tol);
    }
    return STARC_OK;
}

void starc_policy_uniform(const starc_mdp *m, double *pi)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t i = 0; i < S * A; i++)
        pi[i] = 1.0 / (double)A;
}

void starc_policy_from_actions(const starc_mdp *m, const size_t *act, double *pi)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    memset(pi, 0, S * A * sizeof(double));
    for (size_t s = 0; s < S; s++)
        pi[s * A + act[s]] = 1.0;
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
static int assemble(const starc_mdp *m, const double *pi, const size_t *act, int transposed, double *M,
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

void starci_policy_reward(const starc_mdp *m, const double *pi, const size_t *act, const double *Rbar, double *r)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t s = 0; s < S; s++) {
        if (act) {
            r[s] = Rbar[s * A + act[s]];
            continue;
        }
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            double p = pi[s * A + a];
            if (p != 0.0)
                acc += p * Rbar[s * A + a];
        }
        r[s] = acc;
    }
}

void starci_policy_q(const starc_mdp *m, const double *Rbar, const double *V, double *Q)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    /* Plain loops instead of dgemv: a threaded BLAS may split the sums and
     * change the last bits with the thread count (outputs must not). */
    for (size_t sa = 0; sa < S * A; sa++) {
        const double *t = T + sa * S;
        double acc = 0.0;
        for (size_t u = 0; u < S; u++)
            acc += t[u] * V[u];
        Q[sa] = Rbar[sa] + g * acc;
    }
}

/* Solve with the factor of (I - gamma P_pi)^T that dgetrf left in LU:
 * trans 'T' answers the values system, 'N' the occupancy system.  The _work
 * variant skips LAPACKE's scan of the whole factor for NaNs on every call. */
static lapack_int lu_solve(size_t S, const double *LU, const lapack_int *ipiv, starci_policy_system sys, double *b)
{
    lapack_int n = (lapack_int)S;
    return LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, sys == STARCI_POLICY_VALUES ? 'T' : 'N', n, 1, LU, n, ipiv, b, n);
}

/* dgetrf of M in place (skipped when factor is 0: M and ipiv already hold
 * it), then the solve of b. */
static int lu_factor_solve(size_t S, double *M, lapack_int *ipiv, starci_policy_system sys, double *b, int factor,
                           starc_error *err)
{
    lapack_int n = (lapack_int)S, info;
    if (factor && (info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, M, n, ipiv)) != 0)
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    info = lu_solve(S, M, ipiv, sys, b);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "dgetrs failed (info %d)", (int)info);
    return STARC_OK;
}

int starci_policy_solve(const starc_mdp *m, const double *pi, const size_t *act, starci_policy_system sys,
                        starci_policy_lu lu, double *M, lapack_int *ipiv, double *b, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    lapack_int n = (lapack_int)S, info;
    if (lu == STARCI_POLICY_GESV) {
        /* dgesv factorises the column-major buffer: for the values system that
         * is the transposed storage of I - gamma P_pi. */
        int st = assemble(m, pi, act, sys == STARCI_POLICY_VALUES, M, err);
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
    (void)assemble(m, pi, act, 0, M, NULL); /* row-major: cannot fail */
    return lu_factor_solve(S, M, ipiv, sys, b, 1, err);
}

/* d = (1-gamma) x from the occupancy system's solution x (exact 0 where reach
 * is given and 0; round-off negatives clipped), mu = d pi. */
static void occupancy_finish(const starc_mdp *m, const double *pi, const double *x, const unsigned char *reach,
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

double starc_policy_values_return(const starc_mdp *m, const double *V)
{
    const size_t S = starc_mdp_states(m);
    const double *mu0 = starc_mdp_initial(m);
    double acc = 0.0;
    for (size_t s = 0; s < S; s++)
        acc += mu0[s] * V[s];
    return acc;
}

int starc_policy_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar,
                               double *V, double *Q, starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_evaluate_rbar(m, NULL, pi, Rbar, V, Q, err);
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    ws->lu_ok = 0;
    starci_policy_reward(m, pi, NULL, Rbar, V);
    st = starci_policy_solve(m, pi, NULL, STARCI_POLICY_VALUES, STARCI_POLICY_LU_ONCE, ws->M, ws->ipiv, V, err);
    if (!st && Q)
        starci_policy_q(m, Rbar, V, Q);
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_evaluate(const starc_mdp *m, const double *pi, const double *R,
                          double *V, double *Q, starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO)) {
        double *Rbar = starci_dalloc(starc_mdp_states(m) * starc_mdp_actions(m));
        if (!Rbar)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        starc_mdp_reward_expected(m, R, Rbar);
        int st = starci_sparse_evaluate_rbar(m, NULL, pi, Rbar, V, Q, err);
        free(Rbar);
        return st;
    }
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    starc_mdp_reward_expected(m, R, ws->Rbar);
    st = starc_policy_evaluate_rbar(m, pi, ws->Rbar, V, Q, ws, err);
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_return_rbar(const starc_mdp *m, const double *pi, const double *Rbar, double *J,
                             starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO)) {
        double *V = starci_dalloc(starc_mdp_states(m));
        if (!V)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        int st = starci_sparse_evaluate_rbar(m, NULL, pi, Rbar, V, NULL, err);
        if (!st)
            *J = starc_policy_values_return(m, V);
        free(V);
        return st;
    }
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    st = starc_policy_evaluate_rbar(m, pi, Rbar, ws->r, NULL, ws, err);
    if (!st)
        *J = starc_policy_values_return(m, ws->r);
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_return(const starc_mdp *m, const double *pi, const double *R, double *J,
                        starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO)) {
        double *Rbar = starci_dalloc(starc_mdp_states(m) * starc_mdp_actions(m));
        if (!Rbar)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        starc_mdp_reward_expected(m, R, Rbar);
        int st = starc_policy_return_rbar(m, pi, Rbar, J, NULL, err);
        free(Rbar);
        return st;
    }
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    starc_mdp_reward_expected(m, R, ws->Rbar);
    st = starc_policy_return_rbar(m, pi, ws->Rbar, J, ws, err);
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu,
                           starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_occupancy(m, NULL, pi, d, mu, err);
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m);
    ws->lu_ok = 0;
    memcpy(ws->r, starc_mdp_initial(m), S * sizeof(double));
    st = starci_policy_solve(m, pi, NULL, STARCI_POLICY_OCCUPANCY, STARCI_POLICY_LU_ONCE, ws->M, ws->ipiv, ws->r,
                             err);
    if (!st)
        occupancy_finish(m, pi, ws->r, NULL, d, mu);
    starc_policy_workspace_free(own);
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

int starci_policy_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar,
                        double *Jn, double *d, double *mu, starc_policy_workspace *ws, starc_error *err)
{
    int refused = starci_sparse_refuse(m, "exact occupancy with reachability", err);
    if (refused)
        return refused;
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    ws->lu_ok = 0;
    memcpy(ws->r, starc_mdp_initial(m), S * sizeof(double));
    st = starci_policy_solve(m, pi, NULL, STARCI_POLICY_OCCUPANCY, STARCI_POLICY_GESV, ws->M, ws->ipiv, ws->r, err);
    if (!st) {
        reachable(m, pi, ws->reach, ws->act);
        occupancy_finish(m, pi, ws->r, ws->reach, d, mu);
    }
    starc_policy_workspace_free(own);
    if (st)
        return st;
    for (size_t k = 0; k < nr; k++) {
        if (!Rbar[k]) {
            Jn[k] = NAN;
            continue;
        }
        double acc = 0.0;
        for (size_t i = 0; i < S * A; i++)
            acc += mu[i] * Rbar[k][i];
        Jn[k] = acc;
    }
    return STARC_OK;
}

double starci_policy_chi2(size_t n, const double *mu, const double *mub)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (mub[i] > 0.0) {
            double x = mu[i] - mub[i];
            acc += x * x / mub[i];
        } else if (mu[i] > 0.0)
            return INFINITY;
    }
    return acc;
}

/* ---------------------------------------------------------------------- */
/* Policy iteration                                                        */

void starc_policy_options_default(starc_policy_options *o)
{
    o->max_iter = 10000;
    o->tie_tol = 1e-10;
    o->prob_tol = STARC_MDP_PROB_TOL;
    o->tol = 1e-10;
    o->max_sweeps = 100000;
    o->engine = STARC_POLICY_ENGINE_AUTO;
    o->iterative_tol = 1e-13;
    o->iterative_max_iter = 100000;
}

/* The tie rule (policy.h, docs/theory.md §1): in state s, actions whose Q is
 * within max(tie_tol * |max_a Q(s,a)|, floor) of the maximum are tied, with
 * floor = S * DBL_EPSILON * max |Q| (the round-off scale of Q from an S x S
 * solve).  Relative to the state's own values, without the absolute floor 1
 * that called every action tied for a reward scaled by 1e-300.  The floor is
 * not multiplied by tie_tol: a state whose values vanish beside the others'
 * (Q = 0 up to round-off) must not switch on the solve's error, or policy
 * iteration cycles (tests/test-norm.c, tests/bench/trivial-roundoff).  A rule
 * relative to max |Q| over all states was tried and rejected: it absorbed
 * real differences of rewards on rare transitions and moved the STARC study's
 * correlations (VAL 0.895 -> 0.890, EPIC 0.815 -> 0.813 at seed 1). */
static double q_maxabs(const double *q, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) { /* fmax(m, |q|) (a NaN is skipped) without a libm call per entry */
        const double a = fabs(q[i]);
        m = a > m ? a : m;
    }
    return m;
}

static double tie_floor(const double *q, size_t n, size_t S)
{
    return (double)S * DBL_EPSILON * q_maxabs(q, n);
}

static double tie_tol_of(double tie_tol, double qmax, double floor)
{
    return fmax(tie_tol * fabs(qmax), floor);
}

/* The rule above for other modules (policy-internal.h). */
double starci_policy_tie_floor(const double *q, size_t n, size_t S) { return tie_floor(q, n, S); }
double starci_policy_tie_tol(double tie_tol, double qmax, double floor) { return tie_tol_of(tie_tol, qmax, floor); }

/* Lowest action tied with the state's maximum (tie_tol_of with this floor). */
static size_t greedy(const double *q, size_t A, double tie_tol, double floor, double *qmax_out, double *tol_out)
{
    double qmax = q[0];
    for (size_t a = 1; a < A; a++)
        if (q[a] > qmax)
            qmax = q[a];
    double tol = tie_tol_of(tie_tol, qmax, floor);
    if (tol_out)
        *tol_out = tol;
    size_t best = 0;
    while (q[best] < qmax - tol)
        best++;
    *qmax_out = qmax;
    return best;
}

/* Policy iteration's evaluation of act: v (S) holds r_act and receives V.
 * The system is assembled as starci_policy_solve() does (LU_ONCE, values);
 * with reuse (ws->M holds the factor of ws->A0), when it is that same
 * matrix bit for bit the factor is reused: the same factor and solution as
 * a new one.  A warm run starts from the previous run's result, whose
 * factor its workspace kept. */
static int pi_evaluate(const starc_mdp *m, const size_t *act, int reuse, double *v, starc_policy_workspace *ws,
                       starc_error *err)
{
    const size_t S = starc_mdp_states(m), SS = S * S;
    double *A = reuse ? ws->A1 : ws->A0;
    (void)assemble(m, NULL, act, 0, A, NULL); /* row-major: cannot fail */
    const int factor = !reuse || memcmp(A, ws->A0, SS * sizeof(double)) != 0;
    if (factor) {
        if (A != ws->A0)
            memcpy(ws->A0, A, SS * sizeof(double));
        memcpy(ws->M, ws->A0, SS * sizeof(double));
    }
    return lu_factor_solve(S, ws->M, ws->ipiv, STARCI_POLICY_VALUES, v, factor, err);
}

/* Dense policy iteration for Rbar from the deterministic policy in act (S),
 * which receives the fixed point with ties resolved to the lowest index; V
 * (may be NULL) the values of the last policy evaluated; ws->Q its Q; ws->M
 * its LU_ONCE factor (ws->lu_ok when that policy is the returned act). */
static int pi_dense(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                    double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *v = ws->r;
    size_t it = 0;
    int changed = 1, st = STARC_OK, reuse = ws->lu_ok; /* M holds the factor of ws->A0 */
    ws->lu_ok = 0;
    while (changed) {
        if (it >= opt->max_iter) {
            st = starci_error(err, STARC_ENOCONV, "policy iteration did not converge in %zu iterations", opt->max_iter);
            break;
        }
        it++;
        starci_policy_reward(m, NULL, act, Rbar, v);
        if ((st = pi_evaluate(m, act, it == 1 && reuse, v, ws, err)))
            break;
        starci_policy_q(m, Rbar, v, ws->Q);
        changed = 0;
        const double floor = tie_floor(ws->Q, S * A, S);
        for (size_t s = 0; s < S; s++) {
            const double *q = ws->Q + s * A;
            double qmax, tol;
            size_t best = greedy(q, A, opt->tie_tol, floor, &qmax, &tol);
            if (q[act[s]] < qmax - tol) {
                act[s] = best;
                changed = 1;
            }
        }
    }
    if (st)
        return st;
    /* Fixed point reached: resolve ties to the lowest index.  Tied actions
     * have the same Q up to the tolerance, so V is unchanged. */
    const double floor = tie_floor(ws->Q, S * A, S);
    memcpy(ws->lu_act, act, S * sizeof(size_t));
    ws->lu_ok = 1;
    for (size_t s = 0; s < S; s++) {
        double qmax;
        act[s] = greedy(ws->Q + s * A, A, opt->tie_tol, floor, &qmax, NULL);
        if (act[s] != ws->lu_act[s])
            ws->lu_ok = 0;
    }
    if (V)
        memcpy(V, v, S * sizeof(double));
    if (iters)
        *iters = it;
    return STARC_OK;
}

static int pi_options(const starc_policy_options **opt, starc_policy_options *def, starc_error *err)
{
    if (!*opt) {
        starc_policy_options_default(def);
        *opt = def;
    }
    if (!((*opt)->tie_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tie tolerance must be >= 0");
    return STARC_OK;
}

int starc_policy_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                              size_t *act, double *V, size_t *iters,
                              starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_optimal_rbar(m, Rbar, opt, act, V, iters, err);
    starc_policy_options def;
    int st = pi_options(&opt, &def, err);
    if (st)
        return st;
    starc_policy_workspace *own;
    if ((st = ws_acquire(m, &ws, &own, err)))
        return st;
    for (size_t s = 0; s < starc_mdp_states(m); s++)
        act[s] = 0;
    st = pi_dense(m, Rbar, opt, act, V, iters, ws, err);
    starc_policy_workspace_free(own);
    return st;
}

/* Whether the fixed point in ws->Q (act: its greedy actions) is the only
 * one policy iteration can reach from any start: in every state the best
 * action beats the others by more than what the stopping rule and round-off
 * can hide.  Any fixed point pi' is within (tol + 2 delta) / (1 - gamma) of
 * V*, so its Q differs from this one's by at most about 2 (tol + 2 delta) /
 * (1 - gamma); a margin of 8 (tol + floor) / (1 - gamma), with tol the
 * largest tie tolerance and floor the round-off scale of Q (tie_floor),
 * covers both with room.  Then pi' = act in every state, pi' is the last
 * policy either run evaluates, and the values have the same bits. */
static int pi_separated(const starc_mdp *m, const double *Q, const size_t *act, double tie_tol)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double qabs = q_maxabs(Q, S * A), floor = (double)S * DBL_EPSILON * qabs; /* tie_floor() */
    const double margin = 8.0 * (tie_tol_of(tie_tol, qabs, floor) + floor) / (1.0 - starc_mdp_gamma(m));
    for (size_t s = 0; s < S; s++) {
        const double *q = Q + s * A, qb = q[act[s]];
        for (size_t a = 0; a < A; a++)
            if (a != act[s] && !(q[a] < qb - margin))
                return 0;
    }
    return 1;
}

int starci_policy_optimal_warm(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                               size_t *act, double *V, starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_optimal_rbar(m, Rbar, opt, act, V, NULL, err); /* cold: no warm start there */
    starc_policy_options def;
    int st = pi_options(&opt, &def, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t s = 0; s < S; s++)
        if (act[s] >= A)
            act[s] = 0;
    st = pi_dense(m, Rbar, opt, act, V, NULL, ws, err);
    if (!st && pi_separated(m, ws->Q, act, opt->tie_tol))
        return STARC_OK;
    /* near-tied, or failed: the cold run decides, as starc_policy_optimal_rbar */
    for (size_t s = 0; s < S; s++)
        act[s] = 0;
    return pi_dense(m, Rbar, opt, act, V, NULL, ws, err);
}

int starci_policy_return_act(const starc_mdp *m, const size_t *act, const double *Rbar, double *pi, double *J,
                             starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    if (!ws->lu_ok || memcmp(ws->lu_act, act, S * sizeof(size_t)) != 0) {
        starc_policy_from_actions(m, act, pi);
        return starc_policy_return_rbar(m, pi, Rbar, J, ws, err);
    }
    /* the factor of I - gamma P_act is in ws: the same matrix (up to the sign
     * of its zeros) and right-hand side (the stochastic sum with p = 1) as
     * starc_policy_return_rbar() assembles, hence the same solution */
    for (size_t s = 0; s < S; s++)
        ws->r[s] = 0.0 + Rbar[s * A + act[s]];
    lapack_int info = lu_solve(S, ws->M, ws->ipiv, STARCI_POLICY_VALUES, ws->r);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "dgetrs failed (info %d)", (int)info);
    *J = starc_policy_values_return(m, ws->r);
    return STARC_OK;
}

/* The optimal (sign 1) or worst (sign -1) policy of a dense reward: policy
 * iteration on sign * Rbar, with the values turned back to R's sign. */
static int extreme_dense(const starc_mdp *m, const double *R, double sign, const starc_policy_options *opt, size_t *act,
                         double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO)) {
        const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
        double *Rbar = starci_dalloc(SA);
        if (!Rbar)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        starc_mdp_reward_expected(m, R, Rbar);
        for (size_t i = 0; i < SA; i++)
            Rbar[i] *= sign;
        int st = starci_sparse_optimal_rbar(m, Rbar, opt, act, V, iters, err);
        if (!st && V && sign < 0.0)
            for (size_t s = 0; s < starc_mdp_states(m); s++)
                V[s] = -V[s];
        free(Rbar);
        return st;
    }
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_mdp_reward_expected(m, R, ws->Rbar);
    if (sign < 0.0)
        for (size_t i = 0; i < S * A; i++)
            ws->Rbar[i] = -ws->Rbar[i];
    st = starc_policy_optimal_rbar(m, ws->Rbar, opt, act, V, iters, ws, err);
    if (!st && V && sign < 0.0)
        for (size_t s = 0; s < S; s++)
            V[s] = -V[s];
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_optimal(const starc_mdp *m, const double *R, const starc_policy_options *opt,
                         size_t *act, double *V, size_t *iters,
                         starc_policy_workspace *ws, starc_error *err)
{
    return extreme_dense(m, R, 1.0, opt, act, V, iters, ws, err);
}

int starc_policy_worst(const starc_mdp *m, const double *R, const starc_policy_options *opt,
                       size_t *act, double *V, size_t *iters,
                       starc_policy_workspace *ws, starc_error *err)
{
    return extreme_dense(m, R, -1.0, opt, act, V, iters, ws, err);
}

/* sign * J of an optimal policy for Rbar (sign -1: Rbar holds the negated
 * reward, and this is the worst return): policy iteration into ws. */
static int optimal_return(const starc_mdp *m, const double *Rbar, double sign, const starc_policy_options *opt,
                          starc_policy_workspace *ws, double *J, starc_error *err)
{
    int st = starc_policy_optimal_rbar(m, Rbar, opt, ws->act, NULL, NULL, ws, err);
    if (!st)
        *J = sign * starc_policy_values_return(m, ws->r); /* ws->r holds the optimal values */
    return st;
}

int starci_policy_range(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                        starc_policy_workspace *ws,
                        double *neg, starc_policy_range_result *res, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_range_rbar(m, Rbar, opt, res, err);
    starc_policy_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    if (!neg)
        neg = ws->neg;
    starc_policy_range_result r;
    st = optimal_return(m, Rbar, 1.0, opt, ws, &r.optimal_return, err);
    if (!st) {
        for (size_t i = 0; i < SA; i++)
            neg[i] = -Rbar[i];
        st = optimal_return(m, neg, -1.0, opt, ws, &r.worst_return, err);
    }
    if (!st)
        *res = r;
    starc_policy_workspace_free(own);
    return st;
}

int starc_policy_range_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                            starc_policy_range_result *res, starc_policy_workspace *ws, starc_error *err)
{
    if (m && Rbar && res && starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_range_rbar(m, Rbar, opt, res, err);
    if (!m || !Rbar || !res)
        return starci_error(err, STARC_EINVAL, "MDP, reward and result must not be NULL");
    return starci_policy_range(m, Rbar, opt, ws, NULL, res, err);
}

/* sign * Rbar(s,a) + gamma sum_s' T(s,a,s') V(s'), summed in that order. */
static double q_entry(const starc_mdp *m, const double *Rbar, double sign, const double *V, size_t sa)
{
    const size_t S = starc_mdp_states(m);
    const double g = starc_mdp_gamma(m);
    const double *t = starc_mdp_transitions(m) + sa * S;
    double q = sign * Rbar[sa];
    for (size_t u = 0; u < S; u++)
        q += g * t[u] * V[u];
    return q;
}

/* Exact policy iteration over deterministic policies restricted to the actions
 * with allowed[s*A+a] != 0, maximising sign * J(Rbar).  act holds an allowed
 * starting policy and receives the result; V gets its values for Rbar. */
static int restricted_pi(const starc_mdp *m, const double *Rbar, double sign, const unsigned char *allowed,
                         double tie_tol, size_t max_iter, size_t *act, double *V, double *M, lapack_int *ipiv,
                         double *Q, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t it = 0; it < max_iter; it++) {
        starci_policy_reward(m, NULL, act, Rbar, V);
        for (size_t s = 0; s < S; s++)
            V[s] = sign * V[s];
        int st = starci_policy_solve(m, NULL, act, STARCI_POLICY_VALUES, STARCI_POLICY_GESV, M, ipiv, V, err);
        if (st)
            return st;
        double qabs = 0.0;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                if (allowed[s * A + a]) {
                    Q[s * A + a] = q_entry(m, Rbar, sign, V, s * A + a);
                    qabs = fmax(qabs, fabs(Q[s * A + a]));
                }
        int changed = 0;
        for (size_t s = 0; s < S; s++) {
            double best = -INFINITY;
            size_t ba = act[s];
            for (size_t a = 0; a < A; a++) {
                if (!allowed[s * A + a])
                    continue;
                if (Q[s * A + a] > best) {
                    best = Q[s * A + a];
                    ba = a;
                }
            }
            if (Q[s * A + act[s]] < best - tie_tol_of(tie_tol, best, (double)S * DBL_EPSILON * qabs)) {
                act[s] = ba;
                changed = 1;
            }
        }
        if (!changed) {
            if (sign < 0.0)
                for (size_t s = 0; s < S; s++)
                    V[s] = -V[s];
            return STARC_OK;
        }
    }
    return starci_error(err, STARC_ENOCONV, "restricted policy iteration did not converge in %zu steps", max_iter);
}

int starci_policy_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                      const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                      double *jmin, double *jmax, starc_error *err)
{
    int refused = starci_sparse_refuse(m, "the set of optimal policies", err);
    if (refused)
        return refused;
    starc_policy_options def;
    if (!opt) {
        starc_policy_options_default(&def);
        opt = &def;
    }
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act2 = calloc(S, sizeof(size_t));
    double *V = starci_dalloc(S), *Q = starci_dalloc(S * A), *M = starci_dalloc(S * S);
    lapack_int *ipiv = calloc(S, sizeof(lapack_int));
    unsigned char *allowed = calloc(S * A, 1);
    int st = STARC_OK;
    if (!act2 || !V || !Q || !M || !ipiv || !allowed) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    /* The optimal actions: Q for Rbar_opt tied with the state's maximum. */
    for (size_t sa = 0; sa < S * A; sa++)
        Q[sa] = q_entry(m, Rbar_opt, 1.0, Vopt, sa);
    const double floor = tie_floor(Q, S * A, S);
    for (size_t s = 0; s < S; s++) {
        double qmax = -INFINITY;
        for (size_t a = 0; a < A; a++)
            qmax = fmax(qmax, Q[s * A + a]);
        const double tol = tie_tol_of(opt->tie_tol, qmax, floor);
        for (size_t a = 0; a < A; a++)
            allowed[s * A + a] = Q[s * A + a] >= qmax - tol;
    }
    double ext[2];
    for (int k = 0; k < 2; k++) {
        memcpy(act2, act, S * sizeof(size_t));
        st = restricted_pi(m, Rbar, k == 0 ? -1.0 : 1.0, allowed, opt->tie_tol, opt->max_iter, act2, V, M, ipiv, Q,
                           err);
        if (st)
            goto done;
        ext[k] = starc_policy_values_return(m, V);
    }
    *jmin = ext[0];
    *jmax = ext[1];
done:
    free(act2);
    free(V);
    free(Q);
    free(M);
    free(ipiv);
    free(allowed);
    return st;
}

int starc_policy_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                      double *V, size_t *act, size_t *iters, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_value_iteration_rbar(m, Rbar, opt, V, act, iters, err);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_policy_options def;
    if (!opt) {
        starc_policy_options_default(&def);
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
        starci_policy_q(m, Rbar, V, Q);
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
            starci_policy_q(m, Rbar, V, Q);
            for (size_t s = 0; s < S; s++) {
                double qmax;
                act[s] = greedy(Q + s * A, A, 0.0, 0.0, &qmax, NULL);
            }
        }
        if (iters)
            *iters = it;
    }
    free(Q);
    free(Vn);
    return st;
}

struct starc_policy_evaluator {
    const starc_mdp *m;
    size_t S, A;
    double *pi;
    double *LU;
    lapack_int *ipiv;
    double *Rbar, *b;
};

void starc_policy_evaluator_free(starc_policy_evaluator *ev)
{
    if (!ev)
        return;
    free(ev->pi);
    free(ev->LU);
    free(ev->ipiv);
    free(ev->Rbar);
    free(ev->b);
    free(ev);
}

int starc_policy_evaluator_alloc(const starc_mdp *m, const double *pi, starc_policy_evaluator **out, starc_error *err)
{
    int refused = starci_sparse_refuse(m, "starc_policy_evaluator_alloc", err);
    if (refused)
        return refused;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    *out = NULL;
    starc_policy_evaluator *ev = calloc(1, sizeof *ev);
    if (!ev)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    ev->m = m;
    ev->S = S;
    ev->A = A;
    ev->pi = starci_dalloc(S * A);
    ev->LU = starci_dalloc(S * S);
    ev->ipiv = calloc(S, sizeof(lapack_int));
    ev->Rbar = starci_dalloc(S * A);
    ev->b = starci_dalloc(S);
    if (!ev->pi || !ev->LU || !ev->ipiv || !ev->Rbar || !ev->b) {
        starc_policy_evaluator_free(ev);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    memcpy(ev->pi, pi, S * A * sizeof(double));
    (void)assemble(m, pi, NULL, 0, ev->LU, NULL); /* row-major: cannot fail */
    /* Read column-major, the row-major M = I - gamma P_pi is M^T: factorising
     * that avoids the transposed copy LAPACKE's row-major interface makes on
     * every call (an S x S allocation per solve); solves use trans = 'T'.
     * The solves call the _work variants: the plain ones also scan the whole
     * factor for NaNs on every call. */
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)S, (lapack_int)S, ev->LU, (lapack_int)S, ev->ipiv);
    if (info != 0) {
        starc_policy_evaluator_free(ev);
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    }
    *out = ev;
    return STARC_OK;
}

int starc_policy_evaluator_values_rbar(starc_policy_evaluator *ev, const double *Rbar, double *V, double *Q,
                                       starc_error *err)
{
    starci_policy_reward(ev->m, ev->pi, NULL, Rbar, V);
    int info = (int)lu_solve(ev->S, ev->LU, ev->ipiv, STARCI_POLICY_VALUES, V);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "evaluating a policy: dgetrs failed (info %d)", info);
    if (Q)
        starci_policy_q(ev->m, Rbar, V, Q);
    return STARC_OK;
}

int starc_policy_evaluator_values(starc_policy_evaluator *ev, const double *R, double *V, double *Q,
                                  starc_error *err)
{
    starc_mdp_reward_expected(ev->m, R, ev->Rbar);
    return starc_policy_evaluator_values_rbar(ev, ev->Rbar, V, Q, err);
}

int starc_policy_evaluator_occupancy(starc_policy_evaluator *ev, double *d, double *mu, starc_error *err)
{
    memcpy(ev->b, starc_mdp_initial(ev->m), ev->S * sizeof(double));
    int info = (int)lu_solve(ev->S, ev->LU, ev->ipiv, STARCI_POLICY_OCCUPANCY, ev->b);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "policy occupancy: dgetrs failed (info %d)", info);
    occupancy_finish(ev->m, ev->pi, ev->b, NULL, d, mu);
    return STARC_OK;
}

int starc_policy_solve(const starc_mdp *m, const double *pi, const double *Rbar, const starc_policy_options *opt,
                       double *V, double *Q, double *d, double *mu, starc_error *err)
{
    if (!m || !pi || ((V || Q) && !Rbar))
        return starci_error(err, STARC_EINVAL, "starc_policy_solve: NULL argument");
    const starc_policy_engine e = opt ? opt->engine : STARC_POLICY_ENGINE_AUTO;
    const int sparse = starci_sparse_wanted(m, e);
    double *Vs = NULL;
    int st = STARC_OK;
    if ((V || Q) && !V && !(V = Vs = starci_dalloc(starc_mdp_states(m))))
        return starci_error(err, STARC_ENOMEM, "out of memory");
    if (V)
        st = sparse ? starci_sparse_evaluate_rbar(m, opt, pi, Rbar, V, Q, err)
                    : starc_policy_evaluate_rbar(m, pi, Rbar, V, Q, NULL, err);
    if (!st && (d || mu))
        st = sparse ? starci_sparse_occupancy(m, opt, pi, d, mu, err) : starc_policy_occupancy(m, pi, d, mu, NULL, err);
    free(Vs);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Engine names; the tie rule for the sparse engine (policy-internal.h)    */

static const char *const engine_names[] = {"auto", "dense", "sparse", "iterative"};

const char *starc_policy_engine_name(starc_policy_engine e)
{
    return (unsigned)e < sizeof engine_names / sizeof engine_names[0] ? engine_names[e] : NULL;
}

int starc_policy_engine_parse(const char *name, starc_policy_engine *out)
{
    for (size_t i = 0; name && i < sizeof engine_names / sizeof engine_names[0]; i++)
        if (strcmp(name, engine_names[i]) == 0) {
            *out = (starc_policy_engine)i;
            return STARC_OK;
        }
    return STARC_EINVAL;
}

size_t starci_policy_greedy(const double *q, size_t A, double tie_tol, double floor, double *qmax_out,
                            double *tol_out)
{
    return greedy(q, A, tie_tol, floor, qmax_out, tol_out);
}
