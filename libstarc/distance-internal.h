/* Internals of distance.c (not installed): the trivial-reward rule, shared
 * with study.c so that the study and the distance plans decide triviality
 * the same way. */
#ifndef STARC_DISTANCE_INTERNAL_H
#define STARC_DISTANCE_INTERNAL_H

/* The trivial-reward rule (starc/distance.h, docs/theory.md §3.1): its one
 * implementation, used by the distance plans and the study.  delta = tol * rmax
 * bounds the round-off in the entries of the computed c(R).  The verdict is
 *   STARCI_TRIVIAL   when xmax <= delta (c(R) is round-off), or the
 *                    normaliser vanishes up to round-off: wl1, wl2, wlinf when
 *                    xseen <= delta (they see only entries with T > 0); range
 *                    when n <= nunit * delta; l1, l2, linf when n <= delta
 *                    (impossible in exact arithmetic, as n >= xmax: it catches
 *                    an underflowed norm);
 *   STARCI_CONSTANT  (Pearson undefined) when trivial, or sigma <= delta;
 *   STARCI_NEED_SEEN when the verdict needs xseen (a weighted normaliser with
 *                    n <= nunit * delta, necessary for xseen <= delta) and
 *                    xseen is NAN: compute it and ask again. */
typedef struct starci_rule_args {
    double tol;   /* the resolved tolerance, starc_distance_trivial_tol() */
    double rmax;  /* max |R| */
    double xmax;  /* max |c(R)| */
    int norm;     /* starc_norm_kind of the normaliser, or -1 for none tested */
    double n;     /* n(c(R)) */
    double nunit; /* the normaliser's largest value on a tensor with entries bounded by 1 */
    double xseen; /* wl1, wl2, wlinf: max |c(R)| over the entries with T > 0, or NAN */
    double sigma; /* the standard deviation of c(R) under the Pearson coverage, or NAN */
} starci_rule_args;
enum { STARCI_TRIVIAL = 1, STARCI_CONSTANT = 2, STARCI_NEED_SEEN = 4 };
int starci_distance_rule(const starci_rule_args *a);

/* Distances on a sparse MDP (docs/sparse.md): rewards and canonical forms as
 * structured tensors (structured-internal.h) on T's CSR pattern p.  Every
 * canonicalisation but dard, every normalisation, every metric (Pearson
 * under the uniform coverage only; STARC_EINVAL otherwise).  V^pi (val,
 * val-potential) and range come from the policy functions on vm (the MDP
 * itself, or a dense twin in tests).  The plan keeps vm and p's arrays. */
#include "structured-internal.h"
#include "starc/distance.h"
typedef struct starci_sparse_dist starci_sparse_dist;
int starci_sparse_dist_alloc(const starc_mdp *vm, const starci_csr *p, const starc_distance_options *o,
                             starci_sparse_dist **out, starc_error *err);
void starci_sparse_dist_free(starci_sparse_dist *sd);
/* The options in use (trivial_tol resolved, pointers to the plan's copies). */
const starc_distance_options *starci_sparse_dist_options(const starci_sparse_dist *sd);
int starci_sparse_dist_pair(starci_sparse_dist *sd, const starci_struct *R1, const starci_struct *R2, double *d,
                            starc_error *err);

#endif
