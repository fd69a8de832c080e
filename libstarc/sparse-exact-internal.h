/* Internals of sparse-exact.c (not installed): what proxy.c and
 * regularize.c need on a sparse MDP besides the policy functions of
 * policy.h (which dispatch to the sparse engine themselves): the exact
 * occupancy with reachability, Q on T's stored entries, values for a
 * per-state reward, and the extreme returns over the set of optimal
 * policies.  Nothing here allocates S*S or S*A*S (docs/sparse.md). */
#ifndef STARC_SPARSE_EXACT_INTERNAL_H
#define STARC_SPARSE_EXACT_INTERNAL_H

#include <stddef.h>
#include "starc/mdp.h"
#include "starc/policy.h"

/* starci_policy_exact (policy-internal.h) on a sparse MDP m: the occupancy
 * of pi by the engine e (the transposed solve), exact zeros on the states pi
 * never reaches from supp(mu0) (a search over T's stored entries > 0), and
 * Jn[k] = sum mu * Rbar[k] (NULL entries give NaN). */
int starci_sparse_exact(const starc_mdp *m, starc_policy_engine e, const double *pi, size_t nr,
                        const double *const *Rbar, double *Jn, double *d, double *mu, starc_error *err);

/* Q = Rbar + gamma T V over T's stored entries (S*A); m sparse.  The sums
 * run in the dense engine's order (starci_dense_q), skipping its zeros. */
void starci_sparse_q(const starc_mdp *m, const double *Rbar, const double *V, double *Q);

/* V = (I - gamma P_pi)^{-1} (r_pi - extra) by the engine e (extra S, may be
 * NULL); scratch is S*A. */
int starci_sparse_values_extra(const starc_mdp *m, starc_policy_engine e, const double *pi, const double *Rbar,
                               const double *extra, double *V, double *scratch, starc_error *err);

/* starci_policy_optimal_set_returns on a sparse MDP: howard.c's restricted policy
 * iteration with evaluations by opt's engine. */
int starci_sparse_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                      const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                      double *jmin, double *jmax, starc_error *err);

#endif
