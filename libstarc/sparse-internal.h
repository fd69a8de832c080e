/* Internals of sparse.c (not installed): the sparse policy engine
 * (docs/sparse.md).  policy.c dispatches here at the top of its public
 * functions when starci_sparse_wanted() says so; these functions then either
 * solve on T's stored entries (UMFPACK or GMRES) or, when the engine
 * resolves to dense for a sparse MDP, expand it and call the dense engine
 * (dense-internal.h).  Below: dense.c and howard.c; never policy.c. */
#ifndef STARC_SPARSE_INTERNAL_H
#define STARC_SPARSE_INTERNAL_H

#include <stddef.h>
#include "starc/mdp.h"
#include "howard-internal.h"
#include "starc/policy-types.h"

/* 1 when a call with engine e on m goes through this module: m is sparse, or
 * e forces the sparse engine. */
int starci_sparse_wanted(const starc_mdp *m, starc_policy_engine e);

/* The public functions of policy.h, on the engine opt->engine resolves to
 * for m (opt NULL: the defaults, engine auto). */
/* Default policy options with the engine e (callers that keep only an engine choice). */
static inline starc_policy_options starci_sparse_engine_options(starc_policy_engine e)
{
    starc_policy_options o;
    starci_howard_options_default(&o);
    o.engine = e;
    return o;
}

int starci_sparse_evaluate_rbar(const starc_mdp *m, const starc_policy_options *opt, const double *pi,
                                const double *Rbar, double *V, double *Q, starc_error *err);
int starci_sparse_occupancy(const starc_mdp *m, const starc_policy_options *opt, const double *pi, double *d,
                            double *mu, starc_error *err);
int starci_sparse_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                               double *V, size_t *iters, starc_error *err);
/* J of the optimal policy for Rbar (sign 1), or of the worst (sign -1: the
 * optimal policy of -Rbar, its return negated back): one cold policy
 * iteration on its own scratch and engine state, so calls may run
 * concurrently; starci_sparse_range_rbar() is the two calls in turn. */
int starci_sparse_extreme_return(const starc_mdp *m, const double *Rbar, double sign,
                                 const starc_policy_options *opt, double *J, starc_error *err);
int starci_sparse_range_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                             starc_policy_range_result *res, starc_error *err);
int starci_sparse_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                       double *V, size_t *act, size_t *iters, starc_error *err);

/* V^pi (and Q^pi when Q is non-NULL) of one policy pi (S*A, kept by
 * pointer, unchanged while the evaluator lives) for several rewards, on the
 * engine opt->engine resolves to for m (opt NULL: auto): I - gamma P_pi is
 * assembled and, on the LU engine, factorised once at alloc; each call is
 * then one solve (the iterative engine from V = 0, as
 * starci_sparse_evaluate_rbar(), so the values are the same bits).  When
 * the engine resolves to dense, each call is starci_dense_evaluate_rbar()'s
 * (m dense) or starci_sparse_evaluate_rbar()'s (m sparse). */
typedef struct starci_sparse_eval starci_sparse_eval;
int starci_sparse_eval_alloc(const starc_mdp *m, const starc_policy_options *opt, const double *pi,
                             starci_sparse_eval **out, starc_error *err);
int starci_sparse_eval_values(starci_sparse_eval *e, const double *Rbar, double *V, double *Q, starc_error *err);
void starci_sparse_eval_free(starci_sparse_eval *e);

/* The message of a function that needs the dense T, when m is sparse (then
 * returns STARC_EINVAL); STARC_OK for a dense or NULL m. */
int starci_sparse_refuse(const starc_mdp *m, const char *what, starc_error *err);

#endif
