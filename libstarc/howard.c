/* Policy iteration shared by the policy engines (howard-internal.h): the
 * options' defaults, r_pi and mu0 . V, the tie rule and greedy step, and
 * Howard's loop and restricted policy iteration over an engine's
 * evaluation.  The dense engine (dense.c) and the sparse engines (sparse.c,
 * sparse-exact.c) call these with their own solves; policy.c dispatches to
 * the engines from above. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "howard-internal.h"

void starci_howard_options_default(starc_policy_options *o)
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

int starci_howard_options(const starc_policy_options **opt, starc_policy_options *def, starc_error *err)
{
    if (!*opt) {
        starci_howard_options_default(def);
        *opt = def;
    }
    if (!((*opt)->tie_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tie tolerance must be >= 0");
    return STARC_OK;
}

double starci_howard_values_return(const starc_mdp *m, const double *V)
{
    const size_t S = starc_mdp_states(m);
    const double *mu0 = starc_mdp_initial(m);
    double acc = 0.0;
    for (size_t s = 0; s < S; s++)
        acc += mu0[s] * V[s];
    return acc;
}

void starci_howard_reward(const starc_mdp *m, const double *pi, const size_t *act, const double *Rbar, double *r)
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

void starci_howard_occupancy_returns(size_t n, const double *mu, size_t nr, const double *const *Rbar, double *Jn)
{
    for (size_t k = 0; k < nr; k++) {
        if (!Rbar[k]) {
            Jn[k] = NAN;
            continue;
        }
        double acc = 0.0;
        for (size_t i = 0; i < n; i++)
            acc += mu[i] * Rbar[k][i];
        Jn[k] = acc;
    }
}

/* ---------------------------------------------------------------------- */
/* The tie rule                                                            */

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
double starci_howard_q_maxabs(const double *q, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) { /* fmax(m, |q|) (a NaN is skipped) without a libm call per entry */
        const double a = fabs(q[i]);
        m = a > m ? a : m;
    }
    return m;
}

double starci_howard_tie_floor(const double *q, size_t n, size_t S)
{
    return (double)S * DBL_EPSILON * starci_howard_q_maxabs(q, n);
}

double starci_howard_tie_tol(double tie_tol, double qmax, double floor)
{
    return fmax(tie_tol * fabs(qmax), floor);
}

size_t starci_howard_greedy(const double *q, size_t A, double tie_tol, double floor, double *qmax_out,
                            double *tol_out)
{
    double qmax = q[0];
    for (size_t a = 1; a < A; a++)
        if (q[a] > qmax)
            qmax = q[a];
    double tol = starci_howard_tie_tol(tie_tol, qmax, floor);
    if (tol_out)
        *tol_out = tol;
    size_t best = 0;
    while (q[best] < qmax - tol)
        best++;
    *qmax_out = qmax;
    return best;
}

/* ---------------------------------------------------------------------- */
/* Howard's policy iteration                                               */

int starci_howard_improve(const double *Q, size_t S, size_t A, double tie_tol, size_t *act)
{
    int changed = 0;
    const double floor = starci_howard_tie_floor(Q, S * A, S);
    for (size_t s = 0; s < S; s++) {
        const double *q = Q + s * A;
        double qmax, tol;
        size_t best = starci_howard_greedy(q, A, tie_tol, floor, &qmax, &tol);
        if (q[act[s]] < qmax - tol) {
            act[s] = best;
            changed = 1;
        }
    }
    return changed;
}

int starci_howard_noconv(const starc_policy_options *opt, starc_error *err)
{
    return starci_error(err, STARC_ENOCONV, "policy iteration did not converge in %zu iterations", opt->max_iter);
}

int starci_howard_iterate(const starci_howard_engine *e, size_t S, size_t A, const double *Rbar,
                          const starc_policy_options *opt, size_t *act, double *V, double *Q, size_t *last,
                          size_t *iters, starc_error *err)
{
    size_t it = 0;
    int changed = 1;
    while (changed) {
        if (it >= opt->max_iter)
            return starci_howard_noconv(opt, err);
        it++;
        int st = e->values(e->ctx, Rbar, act, V, err);
        if (st)
            return st;
        e->q(e->ctx, Rbar, V, Q);
        changed = starci_howard_improve(Q, S, A, opt->tie_tol, act);
    }
    starci_howard_settle(Q, S, A, opt->tie_tol, act, last);
    if (iters)
        *iters = it;
    return STARC_OK;
}

void starci_howard_settle(const double *Q, size_t S, size_t A, double tie_tol, size_t *act, size_t *last)
{
    /* Fixed point reached: resolve ties to the lowest index.  Tied actions
     * have the same Q up to the tolerance, so V is unchanged. */
    const double floor = starci_howard_tie_floor(Q, S * A, S);
    if (last)
        memcpy(last, act, S * sizeof(size_t));
    for (size_t s = 0; s < S; s++) {
        double qmax;
        act[s] = starci_howard_greedy(Q + s * A, A, tie_tol, floor, &qmax, NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* Restricted policy iteration: the set of optimal policies                 */

/* Exact policy iteration over deterministic policies restricted to the actions
 * with allowed[s*A+a] != 0, maximising sign * J(Rbar) on e's evaluation.  act
 * holds an allowed starting policy and receives the result; V gets its values
 * for Rbar; Q (S*A) is scratch. */
static int restricted_pi(const starci_howard_set_engine *e, size_t S, size_t A, const double *Rbar, double sign,
                         const unsigned char *allowed, double tie_tol, size_t max_iter, size_t *act, double *V,
                         double *Q, starc_error *err)
{
    for (size_t it = 0; it < max_iter; it++) {
        int st = e->values(e->ctx, Rbar, sign, act, V, err);
        if (st)
            return st;
        double qabs = 0.0;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                if (allowed[s * A + a]) {
                    Q[s * A + a] = e->q_entry(e->ctx, Rbar, sign, V, s * A + a);
                    qabs = fmax(qabs, fabs(Q[s * A + a]));
                }
        int changed = 0;
        for (size_t s = 0; s < S; s++) {
            double best = -INFINITY;
            size_t ba = act[s];
            for (size_t a = 0; a < A; a++)
                if (allowed[s * A + a] && Q[s * A + a] > best) {
                    best = Q[s * A + a];
                    ba = a;
                }
            if (Q[s * A + act[s]] < best - starci_howard_tie_tol(tie_tol, best, (double)S * DBL_EPSILON * qabs)) {
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

/* allowed[s*A+a] = 1 for the actions whose Q (S*A) is tied with their state's maximum. */
static void tied_actions(const double *Q, size_t S, size_t A, double tie_tol, unsigned char *allowed)
{
    const double floor = starci_howard_tie_floor(Q, S * A, S);
    for (size_t s = 0; s < S; s++) {
        double qmax = -INFINITY;
        for (size_t a = 0; a < A; a++)
            qmax = fmax(qmax, Q[s * A + a]);
        const double tol = starci_howard_tie_tol(tie_tol, qmax, floor);
        for (size_t a = 0; a < A; a++)
            allowed[s * A + a] = Q[s * A + a] >= qmax - tol;
    }
}

int starci_howard_optimal_set_returns(const starci_howard_set_engine *e, const starc_mdp *m, const double *Rbar_opt,
                                      const double *Vopt, const double *Rbar, const starc_policy_options *opt,
                                      const size_t *act, double *jmin, double *jmax, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act2 = malloc(S * sizeof(size_t));
    double *V = starci_dalloc(S), *Q = starci_dalloc(S * A);
    unsigned char *allowed = calloc(S * A, 1);
    int st = STARC_OK;
    if (!act2 || !V || !Q || !allowed) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    /* The optimal actions: Q for Rbar_opt tied with the state's maximum. */
    for (size_t sa = 0; sa < S * A; sa++)
        Q[sa] = e->q_entry(e->ctx, Rbar_opt, 1.0, Vopt, sa);
    tied_actions(Q, S, A, opt->tie_tol, allowed);
    double ext[2];
    for (int k = 0; k < 2; k++) {
        memcpy(act2, act, S * sizeof(size_t));
        st = restricted_pi(e, S, A, Rbar, k == 0 ? -1.0 : 1.0, allowed, opt->tie_tol, opt->max_iter, act2, V, Q, err);
        if (st)
            goto done;
        ext[k] = starci_howard_values_return(m, V);
    }
    *jmin = ext[0];
    *jmax = ext[1];
done:
    free(act2);
    free(V);
    free(Q);
    free(allowed);
    return st;
}
