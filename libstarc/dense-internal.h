/* Internals of dense.c (not installed): the dense policy engine, the one
 * assembly of I - gamma P_pi from the dense T and its LAPACK solves, with
 * evaluation, occupancy, Howard policy iteration and value iteration on it.
 * policy.c dispatches here (and to the sparse engine, sparse.c, which also
 * calls these on a sparse MDP expanded for the dense engine); the modules
 * above policy.c call policy-internal.h, not this.  Below both engines:
 * howard.c.
 *
 * LAPACK pivots differently on a matrix and on its transpose, and OpenBLAS
 * threads dgesv and dgetrf + dgetrs differently, so the ways of solving the
 * same system below agree only to round-off.  Each caller keeps the way its
 * published numbers were computed with (see starci_dense_lu). */
#ifndef STARC_DENSE_INTERNAL_H
#define STARC_DENSE_INTERNAL_H

#include <stddef.h>
#include "howard-internal.h"
#include "lapack.h"
#include "starc/mdp.h"
#include "starc/policy-types.h"

/* The shared start of several cold policy iterations (dense.c; named
 * starci_policy_start in policy-internal.h). */
struct starci_policy_start;

/* The dense engine's scratch: the public starc_policy_workspace. */
struct starc_policy_workspace {
    size_t S, A;
    double *M;        /* S*S system matrix */
    lapack_int *ipiv; /* S pivots */
    double *Rbar;     /* S*A */
    double *Q;        /* S*A */
    double *r;        /* S */
    double *neg;      /* S*A: -Rbar (range) */
    size_t *act;      /* S: actions (range), the search stack (reachability) */
    unsigned char *reach; /* S: reachability flags */
    size_t *lu_act;   /* S: the deterministic policy whose factor M holds, when lu_ok */
    int lu_ok;        /* M, ipiv hold the LU_ONCE factor of I - gamma P_lu_act */
    double *A0, *A1;  /* S*S: the matrix M's factor was made from (when lu_ok), and scratch; NULL (cold) */
};

/* starc_policy_workspace_alloc() and _free(); _alloc_cold() without A0 and
 * A1 (two S*S matrices fewer): its runs assemble straight into M, and a warm
 * start never reuses its factor (the same results). */
int starci_dense_workspace_alloc(size_t S, size_t A, starc_policy_workspace **out, starc_error *err);
int starci_dense_workspace_alloc_cold(size_t S, size_t A, starc_policy_workspace **out, starc_error *err);
void starci_dense_workspace_free(starc_policy_workspace *ws);

/* *ws when it fits m; NULL: a private one in *ws and *own (free *own after). */
int starci_dense_ws_acquire(const starc_mdp *m, starc_policy_workspace **ws, starc_policy_workspace **own,
                            starc_error *err);

/* How a one-shot solve factorises.  STARCI_DENSE_LU_ONCE: dgetrf of
 * (I - gamma P_pi)^T (the row-major matrix read column-major, no copy), then
 * dgetrs for either system; the evaluator keeps that factor for many
 * solves.  STARCI_DENSE_GESV: dgesv of the solved system's own matrix. */
typedef enum starci_dense_lu {
    STARCI_DENSE_LU_ONCE = 0,
    STARCI_DENSE_GESV = 1
} starci_dense_lu;

/* I - gamma P_pi for pi, or for the deterministic act when non-NULL, into M
 * (S*S): row-major, or transposed (row-major (I - gamma P_pi)^T). */
int starci_dense_assemble(const starc_mdp *m, const double *pi, const size_t *act, int transposed, double *M,
                          starc_error *err);

/* The LU_ONCE factor of I - gamma P_pi for the stochastic policy pi into LU
 * (S*S) and ipiv (S), kept for many starci_dense_lu_solve() calls (the
 * evaluator plan, starc_policy_evaluator_alloc()). */
int starci_dense_factor(const starc_mdp *m, const double *pi, double *LU, lapack_int *ipiv, starc_error *err);

/* Solve with the LU_ONCE factor LU, ipiv (dgetrs): b (S) receives x; the LAPACK info. */
lapack_int starci_dense_lu_solve(size_t S, const double *LU, const lapack_int *ipiv, starci_howard_system sys,
                                 double *b);

/* Solve one system for the stochastic policy pi, or the deterministic act
 * when act != NULL: b (S) holds the right-hand side and receives x; M (S*S)
 * and ipiv (S) are scratch. */
int starci_dense_solve(const starc_mdp *m, const double *pi, const size_t *act, starci_howard_system sys,
                       starci_dense_lu lu, double *M, lapack_int *ipiv, double *b, starc_error *err);

/* Q = Rbar + gamma T V (S*A); _many: Q[k] = Rbar[k] + gamma T V[k] for n
 * vectors in one pass over T, each entry with the bits of starci_dense_q(). */
void starci_dense_q(const starc_mdp *m, const double *Rbar, const double *V, double *Q);
void starci_dense_q_many(const starc_mdp *m, size_t n, const double *const *Rbar, const double *const *V,
                         double *const *Q);

/* d = (1-gamma) x from the occupancy system's solution x (exact 0 where reach
 * is given and 0; round-off negatives clipped), mu = d pi; d, mu may be NULL. */
void starci_dense_occupancy_finish(const starc_mdp *m, const double *pi, const double *x, const unsigned char *reach,
                                   double *d, double *mu);

/* The dense paths of starc_policy_evaluate_rbar(), starc_policy_occupancy(),
 * starc_policy_optimal_rbar() and starc_policy_value_iteration_rbar() (m dense). */
int starci_dense_evaluate_rbar(const starc_mdp *m, const double *pi, const double *Rbar, double *V, double *Q,
                               starc_policy_workspace *ws, starc_error *err);
int starci_dense_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu, starc_policy_workspace *ws,
                           starc_error *err);
int starci_dense_optimal_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                              double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err);
int starci_dense_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                                      double *V, size_t *act, size_t *iters, starc_error *err);

/* Howard policy iteration (starci_howard_iterate) for Rbar from the actions
 * in act (S), opt not NULL; V (may be NULL) receives the values of the last
 * policy evaluated, ws->Q its Q, ws->M its LU_ONCE factor and ws->A0 the
 * matrix it factorised (ws->lu_ok when that policy is the returned act).
 * With ws->lu_ok on entry, the first evaluation reuses that factor when its
 * matrix is ws->A0 bit for bit (a warm start from the previous result). */
int starci_dense_howard(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, size_t *act,
                        double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err);

/* Several cold policy iterations on one MDP, on any threads
 * (starci_policy_start in policy-internal.h): their shared start, the factor
 * of the all-0 policy's system, made by the first run to need it; slots > 0
 * lets at most that many steps (starci_dense_optimal_start()) compute at
 * once, 0 any number. */
int starci_dense_start_alloc(const starc_mdp *m, int slots, struct starci_policy_start **out, starc_error *err);
void starci_dense_start_free(struct starci_policy_start *s);

/* Most runs starci_dense_optimal_start() takes at once. */
#define STARCI_DENSE_RUNS_MAX 4

/* n <= STARCI_DENSE_RUNS_MAX cold runs for Rbar[k] in lockstep on the calling
 * thread, each with starci_dense_optimal_rbar()'s act[k] (S) and the bits of
 * its values and errors; their first evaluation solves with start's factor
 * (the factor each would make), each step evaluates every unfinished run
 * and one pass over T gives all their Q; a step holds one slot of start's
 * gate.  J[k] = mu0 . V of run k's last policy evaluated; ws[k] (not NULL,
 * one per run) keeps that policy's factor as starci_dense_howard() does
 * (for starci_policy_return_act()).  The first failing run's status and
 * error (all run to their end). */
int starci_dense_optimal_start(const starc_mdp *m, struct starci_policy_start *start, size_t n,
                               const double *const *Rbar, const starc_policy_options *opt, size_t *const *act,
                               double *J, starc_policy_workspace *const *ws, starc_error *err);

/* starci_policy_exact (policy-internal.h) on a dense m. */
int starci_dense_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar, double *Jn,
                       double *d, double *mu, starc_policy_workspace *ws, starc_error *err);

/* starci_policy_optimal_set_returns (policy-internal.h) on a dense m, opt not
 * NULL: restricted policy iteration with dgesv evaluations. */
int starci_dense_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                     const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                     double *jmin, double *jmax, starc_error *err);

#endif
