#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lapack.h"
#include "starc/policy.h"

struct starc_workspace {
    size_t S, A;
    double *M;        /* S*S system matrix */
    lapack_int *ipiv; /* S pivots */
    double *Rbar;     /* S*A */
    double *Q;        /* S*A */
    double *r;        /* S */
    double *pi;       /* S*A */
    size_t *act;      /* S */
};

starc_workspace *starc_workspace_alloc(size_t S, size_t A)
{
    size_t SS, SA;
    if (S == 0 || A == 0 || !starci_mul_ok(S, S, &SS) || !starci_mul_ok(S, A, &SA))
        return NULL;
    starc_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->S = S;
    ws->A = A;
    ws->M = starci_dalloc(SS);
    ws->ipiv = calloc(S, sizeof(lapack_int));
    ws->Rbar = starci_dalloc(SA);
    ws->Q = starci_dalloc(SA);
    ws->r = starci_dalloc(S);
    ws->pi = starci_dalloc(SA);
    ws->act = calloc(S, sizeof(size_t));
    if (!ws->M || !ws->ipiv || !ws->Rbar || !ws->Q || !ws->r || !ws->pi || !ws->act) {
        starc_workspace_free(ws);
        return NULL;
    }
    return ws;
}

void starc_workspace_free(starc_workspace *ws)
{
    if (!ws)
        return;
    free(ws->M);
    free(ws->ipiv);
    free(ws->Rbar);
    free(ws->Q);
    free(ws->r);
    free(ws->pi);
    free(ws->act);
    free(ws);
}

/* Use the caller's workspace when it fits, otherwise make a private one. */
static int ws_acquire(const starc_mdp *m, starc_workspace **ws, starc_workspace **own, starc_error *err)
{
    *own = NULL;
    if (*ws && (*ws)->S == starc_mdp_states(m) && (*ws)->A == starc_mdp_actions(m))
        return STARC_OK;
    if (*ws)
        return starci_error(err, STARC_EDIM, "workspace is for S=%zu, A=%zu but the MDP has S=%zu, A=%zu",
                            (*ws)->S, (*ws)->A, starc_mdp_states(m), starc_mdp_actions(m));
    *own = *ws = starc_workspace_alloc(starc_mdp_states(m), starc_mdp_actions(m));
    if (!*ws)
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a workspace");
    return STARC_OK;
}

int starc_policy_validate(const starc_mdp *m, const double *pi, double tol, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
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

/* M = I - gamma P_pi, and (optionally) r = r_pi = sum_a pi Rbar. */
static void build_system(const starc_mdp *m, const double *pi, const double *Rbar, double *M, double *r)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    memset(M, 0, S * S * sizeof(double));
    for (size_t s = 0; s < S; s++) {
        double *row = M + s * S;
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            double p = pi[s * A + a];
            if (p == 0.0)
                continue;
            const double *t = T + (s * A + a) * S;
            for (size_t u = 0; u < S; u++)
                row[u] -= g * p * t[u];
            if (Rbar)
                acc += p * Rbar[s * A + a];
        }
        row[s] += 1.0;
        if (r)
            r[s] = acc;
    }
}

/* Same for a deterministic policy. */
static void build_system_det(const starc_mdp *m, const size_t *act, const double *Rbar, double *M, double *r)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    for (size_t s = 0; s < S; s++) {
        double *row = M + s * S;
        const double *t = T + (s * A + act[s]) * S;
        for (size_t u = 0; u < S; u++)
            row[u] = -g * t[u];
        row[s] += 1.0;
        r[s] = Rbar[s * A + act[s]];
    }
}

static void q_from_v(const starc_mdp *m, const double *Rbar, const double *V, double *Q)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const double *T = starc_mdp_transitions(m);
    for (size_t sa = 0; sa < S * A; sa++) {
        const double *t = T + sa * S;
        double acc = 0.0;
        for (size_t u = 0; u < S; u++)
            acc += t[u] * V[u];
        Q[sa] = Rbar[sa] + g * acc;
    }
}

/* Solve M x = b (or M^T x = b when transpose), M stored row-major.  Read
 * column-major the buffer is M^T, so LAPACK factorises it in place with no
 * copy; LAPACKE's row-major dgesv would allocate and transpose the whole
 * matrix on every call, which is a third of policy iteration at S = 32. */
static int solve(size_t S, double *M, lapack_int *ipiv, double *b, int transpose, starc_error *err)
{
    lapack_int n = (lapack_int)S;
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, M, n, ipiv);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, transpose ? 'N' : 'T', n, 1, M, n, ipiv, b, n);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "dgetrs failed (info %d)", (int)info);
    return STARC_OK;
}

int starc_policy_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar,
                               double *V, double *Q, starc_workspace *ws, starc_error *err)
{
    starc_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m);
    build_system(m, pi, Rbar, ws->M, V);
    st = solve(S, ws->M, ws->ipiv, V, 0, err);
    if (!st && Q)
        q_from_v(m, Rbar, V, Q);
    starc_workspace_free(own);
    return st;
}

int starc_policy_evaluate(const starc_mdp *m, const double *pi, const double *R,
                          double *V, double *Q, starc_workspace *ws, starc_error *err)
{
    starc_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    starc_reward_expected(m, R, ws->Rbar);
    st = starc_policy_evaluate_rbar(m, pi, ws->Rbar, V, Q, ws, err);
    starc_workspace_free(own);
    return st;
}

int starc_policy_return(const starc_mdp *m, const double *pi, const double *R, double *J,
                        starc_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m);
    double *V = starci_dalloc(S);
    if (!V)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    int st = starc_policy_evaluate(m, pi, R, V, NULL, ws, err);
    if (!st) {
        const double *mu0 = starc_mdp_initial(m);
        double acc = 0.0;
        for (size_t s = 0; s < S; s++)
            acc += mu0[s] * V[s];
        *J = acc;
    }
    free(V);
    return st;
}

int starc_policy_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu,
                           starc_workspace *ws, starc_error *err)
{
    starc_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    build_system(m, pi, NULL, ws->M, NULL);
    /* d solves M^T x = mu0 */
    memcpy(ws->r, starc_mdp_initial(m), S * sizeof(double));
    st = solve(S, ws->M, ws->ipiv, ws->r, 1, err);
    if (!st) {
        for (size_t s = 0; s < S; s++) {
            double ds = (1.0 - g) * ws->r[s];
            if (ds < 0.0) /* round-off only: occupancies are non-negative */
                ds = 0.0;
            if (d)
                d[s] = ds;
            if (mu)
                for (size_t a = 0; a < A; a++)
                    mu[s * A + a] = ds * pi[s * A + a];
        }
    }
    starc_workspace_free(own);
    return st;
}

void starc_pi_options_default(starc_pi_options *o)
{
    o->max_iter = 10000;
    o->tie_tol = 1e-10;
}

/* Lowest action whose Q is within the tie tolerance of the state's maximum. */
static size_t greedy(const double *q, size_t A, double tie_tol, double *qmax_out)
{
    double qmax = q[0];
    for (size_t a = 1; a < A; a++)
        if (q[a] > qmax)
            qmax = q[a];
    double tol = tie_tol * fmax(1.0, fabs(qmax));
    size_t best = 0;
    while (q[best] < qmax - tol)
        best++;
    *qmax_out = qmax;
    return best;
}

int starc_policy_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_pi_options *opt,
                              size_t *act, double *V, size_t *iters,
                              starc_workspace *ws, starc_error *err)
{
    starc_pi_options def;
    if (!opt) {
        starc_pi_options_default(&def);
        opt = &def;
    }
    if (!(opt->tie_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tie tolerance must be >= 0");
    starc_workspace *own;
    int st = ws_acquire(m, &ws, &own, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *v = ws->r;
    for (size_t s = 0; s < S; s++)
        act[s] = 0;
    size_t it = 0;
    int changed = 1;
    while (changed) {
        if (it >= opt->max_iter) {
            st = starci_error(err, STARC_ENOCONV, "policy iteration did not converge in %zu iterations", opt->max_iter);
            break;
        }
        it++;
        build_system_det(m, act, Rbar, ws->M, v);
        st = solve(S, ws->M, ws->ipiv, v, 0, err);
        if (st)
            break;
        q_from_v(m, Rbar, v, ws->Q);
        changed = 0;
        for (size_t s = 0; s < S; s++) {
            const double *q = ws->Q + s * A;
            double qmax;
            size_t best = greedy(q, A, opt->tie_tol, &qmax);
            double tol = opt->tie_tol * fmax(1.0, fabs(qmax));
            if (q[act[s]] < qmax - tol) {
                act[s] = best;
                changed = 1;
            }
        }
    }
    if (!st) {
        /* Fixed point reached: resolve ties to the lowest index.  Tied actions
         * have the same Q up to the tolerance, so V is unchanged. */
        for (size_t s = 0; s < S; s++) {
            double qmax;
            act[s] = greedy(ws->Q + s * A, A, opt->tie_tol, &qmax);
        }
        if (V)
            memcpy(V, v, S * sizeof(double));
        if (iters)
            *iters = it;
    }
    starc_workspace_free(own);
    return st;
}

int starc_policy_optimal(const starc_mdp *m, const double *R, const starc_pi_options *opt,
                         size_t *act, double *V, size_t *iters,
                         starc_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *Rbar = starci_dalloc(S * A);
    if (!Rbar)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    starc_reward_expected(m, R, Rbar);
    int st = starc_policy_optimal_rbar(m, Rbar, opt, act, V, iters, ws, err);
    free(Rbar);
    return st;
}

int starc_policy_worst(const starc_mdp *m, const double *R, const starc_pi_options *opt,
                       size_t *act, double *V, size_t *iters,
                       starc_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *Rbar = starci_dalloc(S * A);
    if (!Rbar)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    starc_reward_expected(m, R, Rbar);
    for (size_t i = 0; i < S * A; i++)
        Rbar[i] = -Rbar[i];
    int st = starc_policy_optimal_rbar(m, Rbar, opt, act, V, iters, ws, err);
    if (!st && V)
        for (size_t s = 0; s < S; s++)
            V[s] = -V[s];
    free(Rbar);
    return st;
}

int starc_value_iteration(const starc_mdp *m, const double *Rbar, double tol, size_t max_iter,
                          double *V, size_t *act, size_t *iters, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
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
        q_from_v(m, Rbar, V, Q);
        double diff = 0.0;
        for (size_t s = 0; s < S; s++) {
            double qmax = Q[s * A];
            for (size_t a = 1; a < A; a++)
                qmax = fmax(qmax, Q[s * A + a]);
            diff = fmax(diff, fabs(qmax - V[s]));
            Vn[s] = qmax;
        }
        memcpy(V, Vn, S * sizeof(double));
        if (diff <= tol) {
            st = STARC_OK;
            break;
        }
    }
    if (st)
        starci_error(err, st, "value iteration did not reach tolerance %g in %zu sweeps", tol, max_iter);
    else {
        if (act) {
            q_from_v(m, Rbar, V, Q);
            for (size_t s = 0; s < S; s++) {
                double qmax;
                act[s] = greedy(Q + s * A, A, 0.0, &qmax);
            }
        }
        if (iters)
            *iters = it;
    }
    free(Q);
    free(Vn);
    return st;
}

struct starc_evaluator {
    const starc_mdp *m;
    size_t S, A;
    double *pi;
    double *LU;
    lapack_int *ipiv;
    double *Rbar, *b;
};

void starc_evaluator_free(starc_evaluator *ev)
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

int starc_evaluator_alloc(const starc_mdp *m, const double *pi, starc_evaluator **out, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    *out = NULL;
    starc_evaluator *ev = calloc(1, sizeof *ev);
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
        starc_evaluator_free(ev);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    memcpy(ev->pi, pi, S * A * sizeof(double));
    build_system(m, pi, NULL, ev->LU, NULL);
    /* Read column-major, the row-major M = I - gamma P_pi is M^T: factorising
     * that avoids the transposed copy LAPACKE's row-major interface makes on
     * every call (an S x S allocation per solve); solves use trans = 'T'.
     * The solves call the _work variants: the plain ones also scan the whole
     * factor for NaNs on every call. */
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)S, (lapack_int)S, ev->LU, (lapack_int)S, ev->ipiv);
    if (info != 0) {
        starc_evaluator_free(ev);
        return starci_error(err, STARC_ELAPACK, "I - gamma P_pi is singular (dgetrf info %d)", (int)info);
    }
    *out = ev;
    return STARC_OK;
}

int starc_evaluator_values_rbar(starc_evaluator *ev, const double *Rbar, double *V, double *Q)
{
    const size_t S = ev->S, A = ev->A;
    for (size_t s = 0; s < S; s++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++)
            acc += ev->pi[s * A + a] * Rbar[s * A + a];
        V[s] = acc;
    }
    lapack_int info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'T', (lapack_int)S, 1, ev->LU, (lapack_int)S, ev->ipiv, V,
                                     (lapack_int)S);
    if (info != 0)
        return STARC_ELAPACK;
    if (Q)
        q_from_v(ev->m, Rbar, V, Q);
    return STARC_OK;
}

int starc_evaluator_values(starc_evaluator *ev, const double *R, double *V, double *Q)
{
    starc_reward_expected(ev->m, R, ev->Rbar);
    return starc_evaluator_values_rbar(ev, ev->Rbar, V, Q);
}

int starc_evaluator_occupancy(starc_evaluator *ev, double *d, double *mu)
{
    const size_t S = ev->S, A = ev->A;
    const double g = starc_mdp_gamma(ev->m);
    memcpy(ev->b, starc_mdp_initial(ev->m), S * sizeof(double));
    lapack_int info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', (lapack_int)S, 1, ev->LU, (lapack_int)S, ev->ipiv, ev->b,
                                     (lapack_int)S);
    if (info != 0)
        return STARC_ELAPACK;
    for (size_t s = 0; s < S; s++) {
        double ds = (1.0 - g) * ev->b[s];
        if (ds < 0.0)
            ds = 0.0;
        if (d)
            d[s] = ds;
        if (mu)
            for (size_t a = 0; a < A; a++)
                mu[s * A + a] = ds * ev->pi[s * A + a];
    }
    return STARC_OK;
}
