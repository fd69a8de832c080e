/* Policies (starc/policy.h): the public functions, dispatching to the dense
 * engine (dense.c) or the sparse engines (sparse.c) by the MDP's storage
 * and the engine option; validation, the options and the engine names, the
 * evaluator plan, returns, ranges, warm-started policy iteration, and the
 * internals of policy-internal.h that the modules above call.  Policy
 * iteration itself (the tie rule, Howard's loop, restricted policy
 * iteration) is howard.c's, below both engines. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dense-internal.h"
#include "error-internal.h"
#include "howard-internal.h"
#include "lapack.h"
#include "policy-internal.h"
#include "sparse-internal.h"
#include "starc/policy.h"

int starc_policy_workspace_alloc(size_t S, size_t A, starc_policy_workspace **out, starc_error *err)
{
    return starci_dense_workspace_alloc(S, A, out, err);
}

void starc_policy_workspace_free(starc_policy_workspace *ws)
{
    starci_dense_workspace_free(ws);
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
/* Evaluation and occupancy: the dense engine (dense.c) or the sparse one   */

double starc_policy_values_return(const starc_mdp *m, const double *V)
{
    return starci_howard_values_return(m, V);
}

int starc_policy_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar,
                               double *V, double *Q, starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_evaluate_rbar(m, NULL, pi, Rbar, V, Q, err);
    return starci_dense_evaluate_rbar(m, pi, Rbar, V, Q, ws, err);
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
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
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
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
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
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
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
    return starci_dense_occupancy(m, pi, d, mu, ws, err);
}

int starci_policy_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar,
                        double *Jn, double *d, double *mu, starc_policy_workspace *ws, starc_error *err)
{
    int refused = starci_sparse_refuse(m, "exact occupancy with reachability", err);
    if (refused)
        return refused;
    return starci_dense_exact(m, pi, nr, Rbar, Jn, d, mu, ws, err);
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
    starci_howard_options_default(o);
}

/* howard.c's tie rule for the modules above (policy-internal.h). */
double starci_policy_tie_floor(const double *q, size_t n, size_t S) { return starci_howard_tie_floor(q, n, S); }
double starci_policy_tie_tol(double tie_tol, double qmax, double floor)
{
    return starci_howard_tie_tol(tie_tol, qmax, floor);
}

int starc_policy_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                              size_t *act, double *V, size_t *iters,
                              starc_policy_workspace *ws, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_optimal_rbar(m, Rbar, opt, act, V, iters, err);
    return starci_dense_optimal_rbar(m, Rbar, opt, act, V, iters, ws, err);
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
    const double qabs = starci_howard_q_maxabs(Q, S * A), floor = (double)S * DBL_EPSILON * qabs; /* tie floor */
    const double margin = 8.0 * (starci_howard_tie_tol(tie_tol, qabs, floor) + floor) / (1.0 - starc_mdp_gamma(m));
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
    int st = starci_howard_options(&opt, &def, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t s = 0; s < S; s++)
        if (act[s] >= A)
            act[s] = 0;
    st = starci_dense_howard(m, Rbar, opt, act, V, NULL, ws, err);
    if (!st && pi_separated(m, ws->Q, act, opt->tie_tol))
        return STARC_OK;
    /* near-tied, or failed: the cold run decides, as starc_policy_optimal_rbar */
    for (size_t s = 0; s < S; s++)
        act[s] = 0;
    return starci_dense_howard(m, Rbar, opt, act, V, NULL, ws, err);
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
    lapack_int info = starci_dense_lu_solve(S, ws->M, ws->ipiv, STARCI_HOWARD_VALUES, ws->r);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "dgetrs failed (info %d)", (int)info);
    *J = starc_policy_values_return(m, ws->r);
    return STARC_OK;
}

int starci_policy_start_alloc(const starc_mdp *m, int slots, starci_policy_start **out, starc_error *err)
{
    return starci_dense_start_alloc(m, slots, out, err);
}

void starci_policy_start_free(starci_policy_start *s)
{
    starci_dense_start_free(s);
}

int starci_policy_workspace_alloc_cold(const starc_mdp *m, starc_policy_workspace **out, starc_error *err)
{
    return starci_dense_workspace_alloc_cold(starc_mdp_states(m), starc_mdp_actions(m), out, err);
}

int starci_policy_optimal_start(const starc_mdp *m, starci_policy_start *start, size_t n, const double *const *Rbar,
                                const starc_policy_options *opt, size_t *const *act, double *J,
                                starc_policy_workspace *const *ws, starc_error *err)
{
    return starci_dense_optimal_start(m, start, n, Rbar, opt, act, J, ws, err);
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
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
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
    int st = starci_dense_ws_acquire(m, &ws, &own, err);
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
    return starci_dense_optimal_set_returns(m, Rbar_opt, Vopt, Rbar, opt, act, jmin, jmax, err);
}

int starc_policy_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                      double *V, size_t *act, size_t *iters, starc_error *err)
{
    if (starci_sparse_wanted(m, opt ? opt->engine : STARC_POLICY_ENGINE_AUTO))
        return starci_sparse_value_iteration_rbar(m, Rbar, opt, V, act, iters, err);
    return starci_dense_value_iteration_rbar(m, Rbar, opt, V, act, iters, err);
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
    /* The factorisation skips LAPACKE's NaN scan (starci_dense_factor): a
     * non-finite policy is refused here, by name. */
    for (size_t i = 0; i < S * A; i++)
        if (!isfinite(pi[i]))
            return starci_error(err, STARC_EINVAL, "policy entry [%zu,%zu] is not finite", i / A, i % A);
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
    int st = starci_dense_factor(m, pi, ev->LU, ev->ipiv, err);
    if (st) {
        starc_policy_evaluator_free(ev);
        return st;
    }
    *out = ev;
    return STARC_OK;
}

int starc_policy_evaluator_values_rbar(starc_policy_evaluator *ev, const double *Rbar, double *V, double *Q,
                                       starc_error *err)
{
    starci_howard_reward(ev->m, ev->pi, NULL, Rbar, V);
    int info = (int)starci_dense_lu_solve(ev->S, ev->LU, ev->ipiv, STARCI_HOWARD_VALUES, V);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "evaluating a policy: dgetrs failed (info %d)", info);
    if (Q)
        starci_dense_q(ev->m, Rbar, V, Q);
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
    int info = (int)starci_dense_lu_solve(ev->S, ev->LU, ev->ipiv, STARCI_HOWARD_OCCUPANCY, ev->b);
    if (info != 0)
        return starci_error(err, STARC_ELAPACK, "policy occupancy: dgetrs failed (info %d)", info);
    starci_dense_occupancy_finish(ev->m, ev->pi, ev->b, NULL, d, mu);
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
