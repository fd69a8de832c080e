/* Exact occupancy with reachability and the extreme returns over the set of
 * optimal policies on sparse MDPs (docs/sparse.md, "Proxies, regularisers
 * and overopt"): the sparse twins of starci_policy_exact and
 * starci_policy_optimal_set_returns (policy.c, on dense.c), for proxy.c and
 * regularize.c.  Solves go through the engine functions of
 * sparse-internal.h, restricted policy iteration is howard.c's (the dense
 * engine's too); everything else runs over T's stored entries, so memory
 * is O(S*A + nnz) plus the engine's. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "howard-internal.h"
#include "sparse-exact-internal.h"
#include "sparse-internal.h"
#include "starc/policy.h"

/* States reachable from supp(mu0) through actions with pi > 0 and stored
 * transitions with T > 0 (dense.c's reachable on the CSR). */
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
    starci_howard_occupancy_returns(S * A, mu, nr, Rbar, Jn);
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

/* This engine's evaluation for howard.c's restricted policy iteration:
 * opt's engine, pi and R (S*A) scratch for the policy and sign * Rbar. */
typedef struct set_ctx {
    const starc_mdp *m;
    starc_policy_options po;
    double *pi, *R;
} set_ctx;

static int set_values(void *ctx, const double *Rbar, double sign, const size_t *act, double *V, starc_error *err)
{
    set_ctx *c = ctx;
    const size_t SA = starc_mdp_states(c->m) * starc_mdp_actions(c->m);
    for (size_t i = 0; i < SA; i++)
        c->R[i] = sign * Rbar[i];
    starc_policy_from_actions(c->m, act, c->pi);
    return starci_sparse_evaluate_rbar(c->m, &c->po, c->pi, c->R, V, NULL, err);
}

/* sign * Rbar(s,a) + gamma sum over stored s' of T(s,a,s') V(s'), in the
 * dense engine's order (dense.c's set_q_entry). */
static double set_q_entry(void *ctx, const double *Rbar, double sign, const double *V, size_t sa)
{
    const set_ctx *c = ctx;
    const size_t *ip, *ix;
    const double *dt, g = starc_mdp_gamma(c->m);
    starc_mdp_csr(c->m, &ip, &ix, &dt);
    double q = sign * Rbar[sa];
    for (size_t k = ip[sa]; k < ip[sa + 1]; k++)
        q += g * dt[k] * V[ix[k]];
    return q;
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
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    set_ctx c = {m, starci_sparse_engine_options(opt->engine), starci_dalloc(SA), starci_dalloc(SA)};
    int st = STARC_ENOMEM;
    if (c.pi && c.R) {
        const starci_howard_set_engine e = {&c, set_values, set_q_entry};
        st = starci_howard_optimal_set_returns(&e, m, Rbar_opt, Vopt, Rbar, opt, act, jmin, jmax, err);
    } else
        starci_error(err, st, "out of memory");
    free(c.pi);
    free(c.R);
    return st;
}
