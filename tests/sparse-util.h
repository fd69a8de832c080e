/* Helpers of the sparse-MDP tests: the CSR twin of a dense MDP and a dense
 * reward's restriction to a sparse MDP's support.  Include after testutil.h. */
#ifndef STARC_SPARSE_UTIL_H
#define STARC_SPARSE_UTIL_H

#include "testutil.h"

/* The sparse MDP holding the entries T > 0 of the dense d (and, when
 * keep_zeros, every entry with (s*A+a+t) % 3 == 0 too, as explicit zeros). */
static inline starc_mdp *sparse_twin(const starc_mdp *d, int keep_zeros)
{
    const size_t S = starc_mdp_states(d), A = starc_mdp_actions(d);
    const double *T = starc_mdp_transitions(d);
    size_t *ip = malloc((S * A + 1) * sizeof *ip), *ix = malloc(S * A * S * sizeof *ix), k = 0;
    double *dt = malloc(S * A * S * sizeof *dt);
    ip[0] = 0;
    for (size_t r = 0; r < S * A; r++) {
        for (size_t t = 0; t < S; t++)
            if (T[r * S + t] > 0.0 || (keep_zeros && (r + t) % 3 == 0)) {
                ix[k] = t;
                dt[k++] = T[r * S + t];
            }
        ip[r + 1] = k;
    }
    starc_mdp *m = NULL;
    starc_error err;
    if (starc_mdp_alloc_csr(S, A, k, ip, ix, dt, starc_mdp_initial(d), starc_mdp_gamma(d), NULL, &m, &err)) {
        fprintf(stderr, "sparse_twin: %s\n", err.message);
        abort();
    }
    free(ip), free(ix), free(dt);
    return m;
}

/* R (S*A*S, dense) restricted to sp's support: nnz values in CSR order. */
static inline void sparse_restrict(const starc_mdp *sp, const double *R, double *out)
{
    const size_t S = starc_mdp_states(sp), A = starc_mdp_actions(sp);
    const size_t *ip, *ix;
    starc_mdp_csr(sp, &ip, &ix, NULL);
    for (size_t r = 0; r < S * A; r++)
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            out[k] = R[r * S + ix[k]];
}

#endif
