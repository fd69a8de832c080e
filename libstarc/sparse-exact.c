/* Exact occupancy with reachability and the extreme returns over the set of
 * optimal policies on sparse MDPs (docs/sparse.md, "Proxies, regularisers
 * and overopt"): the sparse twins of starci_policy_exact and
 * starci_policy_optimal_set_returns (policy.c), for proxy.c and
 * regularize.c.  Solves go through the engine functions of
 * sparse-internal.h; everything else runs over T's stored entries, so
 * memory is O(S*A + nnz) plus the engine's. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "policy-internal.h"
#include "sparse-exact-internal.h"
#include "sparse-internal.h"
#include "starc/policy.h"

/* States reachable from supp(mu0) through actions with pi > 0 and stored
 * transitions with T > 0 (policy.c's reachable on the CSR). */
static void reachable_csr(const starc_mdp *m, const double *pi, unsigned char *reach, size_t *stack)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const size_t *ip, *ix;
    const double *dt, *mu0 = starc_mdp_initial(m);
    starc_mdp_csr(m, &ip, &ix, &dt);
    size_t top = 0;
    memset(reach, 0, S);
    for (size_t s = 0; s < S; s++)
        if (mu0[s] > 0.0) {
            reach[s] = 1;
            stack[top++] = s;
        }
    while (top > 0) {
        const size_t s = stack[--top];
        for (size_t a = 0; a < A; a++) {
            if (!(pi[s * A + a] > 0.0))
                continue;
            for (size_t k = ip[s * A + a]; k < ip[s * A + a + 1]; k++)
                if (dt[k] > 0.0 && !reach[ix[k]]) {
                    reach[ix[k]] = 1;
                    stack[top++] = ix[k];
                }
        }
    }
}

int starci_sparse_exact(const starc_mdp *m, starc_policy_engine e, const double *pi, size_t nr,
                        const double *const *Rbar, double *Jn, double *d, double *mu, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *dd = d ? d : starci_dalloc(S);
    unsigned char *reach = malloc(S);
    size_t *stack = malloc(S * sizeof(size_t));
    int st;
    if (!dd || !reach || !stack) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    const starc_policy_options po = starci_sparse_engine_options(e);
    if ((st = starci_sparse_occupancy(m, &po, pi, dd, NULL, err)))
        goto done;
    reachable_csr(m, pi, reach, stack);
    for (size_t s = 0; s < S; s++) {
        if (!reach[s])
            dd[s] = 0.0;
        for (size_t a = 0; a < A; a++)
            mu[s * A + a] = dd[s] * pi[s * A + a];
    }
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
done:
    if (dd != d)
        free(dd);
    free(reach);
    free(stack);
    return st;
}

void starci_sparse_q(const starc_mdp *m, const double *Rbar, const double *V, double *Q)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    for (size_t sa = 0; sa < S * A; sa++) {
        double acc = 0.0;
        for (size_t k = ip[sa]; k < ip[sa + 1]; k++)
            acc += dt[k] * V[ix[k]];
        Q[sa] = Rbar[sa] + g * acc;
    }
}

int starci_sparse_values_extra(const starc_mdp *m, starc_policy_engine e, const double *pi, const double *Rbar,
                               const double *extra, double *V, double *scratch, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *R = Rbar;
    if (extra) {
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                scratch[s * A + a] = Rbar[s * A + a] - extra[s];
        R = scratch;
    }
    const starc_policy_options po = starci_sparse_engine_options(e);
    return starci_sparse_evaluate_rbar(m, &po, pi, R, V, NULL, err);
}

/* sign * Rbar(s,a) + gamma sum over stored s' of T(s,a,s') V(s'), in policy.c's
 * q_entry order. */
static double q_entry_csr(const starc_mdp *m, const double *Rbar, double sign, const double *V, size_t sa)
{
    const size_t *ip, *ix;
    const double *dt, g = starc_mdp_gamma(m);
    starc_mdp_csr(m, &ip, &ix, &dt);
    double q = sign * Rbar[sa];
    for (size_t k = ip[sa]; k < ip[sa + 1]; k++)
        q += g * dt[k] * V[ix[k]];
    return q;
}

/* policy.c's restricted_pi with sparse evaluations: deterministic policies
 * over the allowed actions maximising sign * J(Rbar); act in and out, V the
 * values for Rbar.  pi, R are S*A scratch. */
static int restricted_pi_csr(const starc_mdp *m, starc_policy_engine e, const double *Rbar, double sign,
                             const unsigned char *allowed, double tie_tol, size_t max_iter, size_t *act, double *V,
                             double *Q, double *pi, double *R, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    for (size_t i = 0; i < S * A; i++)
        R[i] = sign * Rbar[i];
    const starc_policy_options po = starci_sparse_engine_options(e);
    for (size_t it = 0; it < max_iter; it++) {
        starc_policy_from_actions(m, act, pi);
        int st = starci_sparse_evaluate_rbar(m, &po, pi, R, V, NULL, err);
        if (st)
            return st;
        double qabs = 0.0;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                if (allowed[s * A + a]) {
                    Q[s * A + a] = q_entry_csr(m, Rbar, sign, V, s * A + a);
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
            if (Q[s * A + act[s]] < best - starci_policy_tie_tol(tie_tol, best, (double)S * DBL_EPSILON * qabs)) {
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

int starci_sparse_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                      const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                      double *jmin, double *jmax, starc_error *err)
{
    starc_policy_options def;
    if (!opt) {
        starc_policy_options_default(&def);
        opt = &def;
    }
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act2 = malloc(S * sizeof(size_t));
    double *V = starci_dalloc(S), *Q = starci_dalloc(S * A), *pi = starci_dalloc(S * A), *R = starci_dalloc(S * A);
    unsigned char *allowed = calloc(S * A, 1);
    int st = STARC_OK;
    if (!act2 || !V || !Q || !pi || !R || !allowed) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    /* The optimal actions: Q for Rbar_opt tied with the state's maximum (policy.c's rule). */
    for (size_t sa = 0; sa < S * A; sa++)
        Q[sa] = q_entry_csr(m, Rbar_opt, 1.0, Vopt, sa);
    const double floor = starci_policy_tie_floor(Q, S * A, S);
    for (size_t s = 0; s < S; s++) {
        double qmax = -INFINITY;
        for (size_t a = 0; a < A; a++)
            qmax = fmax(qmax, Q[s * A + a]);
        const double tol = starci_policy_tie_tol(opt->tie_tol, qmax, floor);
        for (size_t a = 0; a < A; a++)
            allowed[s * A + a] = Q[s * A + a] >= qmax - tol;
    }
    double ext[2];
    for (int k = 0; k < 2; k++) {
        memcpy(act2, act, S * sizeof(size_t));
        st = restricted_pi_csr(m, opt->engine, Rbar, k == 0 ? -1.0 : 1.0, allowed, opt->tie_tol, opt->max_iter, act2,
                               V, Q, pi, R, err);
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
    free(pi);
    free(R);
    free(allowed);
    return st;
}
