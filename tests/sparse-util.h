/* Helpers of the sparse-MDP tests: the CSR twin of a dense MDP and a dense
 * reward's restriction to a sparse MDP's support.  Include after testutil.h. */
#ifndef STARC_SPARSE_UTIL_H
#define STARC_SPARSE_UTIL_H

#include "testutil.h"

/* The sparse MDP holding the entries T > 0 of the dense d (and, when
 * keep_zeros, every entry with (s*A+a+t) % 3 == 0 too, as explicit zeros). */
/* max |x| over n values: the scale the sparse tests compare relative to. */
static inline double sparse_util_max_abs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

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

/* A dense MDP (test-sparse.c's structure): state 0 absorbing; when S >= 6 the last
 * two states unreachable (mu0 = 0 there, no other state moves to them);
 * rows r % 4 == 1 deterministic; the others 3 random successors. */
static inline starc_mdp *sparse_util_structured_mdp(gsl_rng *r, size_t S, size_t A, double gamma)
{
    double *T = calloc(S * A * S, sizeof(double)), *mu0 = calloc(S, sizeof(double));
    const size_t reach = S >= 6 ? S - 2 : S, K = S < 3 ? S : 3;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *row = T + (s * A + a) * S;
            if (s == 0) {
                row[0] = 1.0;
            } else if ((s * A + a) % 4 == 1) {
                row[gsl_rng_uniform_int(r, reach)] = 1.0;
            } else {
                double sum = 0.0;
                for (size_t k = 0; k < K; k++) {
                    double w = gsl_ran_gamma(r, 1.0, 1.0);
                    row[gsl_rng_uniform_int(r, reach)] += w;
                    sum += w;
                }
                for (size_t t = 0; t < S; t++)
                    row[t] /= sum;
            }
        }
    double sum = 0.0;
    for (size_t s = 0; s < reach; s++)
        sum += (mu0[s] = gsl_rng_uniform_pos(r));
    for (size_t s = 0; s < reach; s++)
        mu0[s] /= sum;
    starc_mdp *m = NULL;
    starc_error err;
    if (starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, &err)) {
        fprintf(stderr, "sparse_util_structured_mdp: %s\n", err.message);
        abort();
    }
    free(T);
    free(mu0);
    return m;
}

/* A random policy with some zero probabilities (a state's action a is
 * dropped when (s + a) % 3 == 2 and another remains). */
static inline void sparse_util_policy(gsl_rng *r, size_t S, size_t A, double *pi)
{
    testutil_random_policy(r, S, A, pi);
    for (size_t s = 0; s < S; s++) {
        double sum = 0.0;
        for (size_t a = 0; a < A; a++) {
            if (A > 1 && (s + a) % 3 == 2)
                pi[s * A + a] = 0.0;
            sum += pi[s * A + a];
        }
        if (sum == 0.0)
            pi[s * A] = sum = 1.0;
        for (size_t a = 0; a < A; a++)
            pi[s * A + a] /= sum;
    }
}

#endif
