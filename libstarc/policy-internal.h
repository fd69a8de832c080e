/* Internals of policy.c (not installed): what the modules above it
 * (regret, norm, proxy, regularize, overopt, study) call besides
 * starc/policy.h.  policy.c dispatches these to the dense engine (dense.c,
 * dense-internal.h, where the solves and their LAPACK variants are) or
 * refuses a sparse MDP (sparse-exact-internal.h has the sparse twins). */
#ifndef STARC_POLICY_INTERNAL_H
#define STARC_POLICY_INTERNAL_H

#include <stddef.h>
#include "starc/policy.h"

/* starc_policy_validate() at the probability tolerance tol (the modules
 * above keep their own prob_tol option). */
int starci_policy_check(const starc_mdp *m, const double *pi, double tol, starc_error *err);

/* Exact normalised occupancy of pi: d (S, may be NULL) and mu (S*A, required),
 * with exact zeros on the states pi never reaches from supp(mu0); plus the
 * normalised returns Jn[k] = sum mu * Rbar[k] for nr expected rewards (NULL
 * entries give NaN).  Solved by dgesv (STARCI_DENSE_GESV); ws may be NULL. */
int starci_policy_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar,
                        double *Jn, double *d, double *mu, starc_policy_workspace *ws, starc_error *err);

/* howard.c's tie rule (howard-internal.h) for the modules above: in a
 * state whose largest action value is qmax, values within
 * starci_policy_tie_tol(tie_tol, qmax, floor) of qmax are tied, with
 * floor = starci_policy_tie_floor(Q, S*A, S) = S DBL_EPSILON max |Q|. */
double starci_policy_tie_floor(const double *q, size_t n, size_t S);
double starci_policy_tie_tol(double tie_tol, double qmax, double floor);

/* chi2(mu || mub) = sum (mu - mub)^2 / mub over n occupancy entries (equal to
 * sum mu^2/mub - 1 when both sum to 1, without its cancellation); INFINITY if
 * mu > 0 where mub = 0. */
double starci_policy_chi2(size_t n, const double *mu, const double *mub);

/* The optimal and worst returns for Rbar (starc_policy_range_rbar) with the
 * caller's scratch: neg (S*A) receives -Rbar; ws may be NULL. */
int starci_policy_range(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                        starc_policy_workspace *ws,
                        double *neg, starc_policy_range_result *res, starc_error *err);

/* starc_policy_optimal_rbar() warm-started: policy iteration from the
 * actions in act (S; out-of-range entries read as 0) instead of all 0.  The
 * result (act and the bits of V) is starc_policy_optimal_rbar()'s: when the
 * fixed point reached is not separated from its rivals by a margin the
 * stopping rule and round-off cannot bridge, the cold run is made instead.
 * ws is required (not NULL) and keeps the factor of the final policy for
 * starci_policy_return_act(). */
int starci_policy_optimal_warm(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt,
                               size_t *act, double *V, starc_policy_workspace *ws, starc_error *err);

/* *J = the return for Rbar of the deterministic policy act, with the same
 * bits as starc_policy_return_rbar() of starc_policy_from_actions(act):
 * solved with the factor policy iteration left in ws when it is act's, else
 * through that function (pi: S*A scratch for the policy). */
int starci_policy_return_act(const starc_mdp *m, const size_t *act, const double *Rbar, double *pi, double *J,
                             starc_policy_workspace *ws, starc_error *err);

/* Several cold policy iterations on one dense MDP (the regret's three), on
 * any threads: the start they share, the factor of the all-0 policy's
 * system (where each begins), made once by the first run to need it; with
 * slots > 0 at most that many steps of starci_policy_optimal_start() (its
 * runs' evaluations and their Q) compute at once, 0 any number.  Each run
 * needs its own workspace (starci_policy_workspace_alloc_cold()). */
typedef struct starci_policy_start starci_policy_start;
int starci_policy_start_alloc(const starc_mdp *m, int slots, starci_policy_start **out, starc_error *err);
void starci_policy_start_free(starci_policy_start *s);

/* A workspace without the two S*S matrices a warm start's reuse compares:
 * the same results, less memory and copying (starci_policy_optimal_warm()
 * on it never reuses a factor). */
int starci_policy_workspace_alloc_cold(const starc_mdp *m, starc_policy_workspace **out, starc_error *err);

/* starc_policy_optimal_rbar() on a dense m for n <= 4 rewards Rbar[k] from
 * start, in lockstep on the calling thread (their Q from one pass over T):
 * the same act[k], bits of the values and errors; J[k] = mu0 . V, the
 * optimal return as starc_policy_range_rbar() gives it.  ws[k] (not NULL,
 * one per run) keeps the factor of its last policy evaluated, for
 * starci_policy_return_act().  The first failing run's status and error. */
int starci_policy_optimal_start(const starc_mdp *m, starci_policy_start *start, size_t n, const double *const *Rbar,
                                const starc_policy_options *opt, size_t *const *act, double *J,
                                starc_policy_workspace *const *ws, starc_error *err);

/* The lowest and highest return for Rbar over the deterministic policies
 * that are optimal for Rbar_opt: exact policy iteration restricted to the
 * actions whose Q for Rbar_opt (from its optimal values Vopt) is tied with
 * the state's maximum under opt's tie rule, started from the optimal
 * actions act (S). */
int starci_policy_optimal_set_returns(const starc_mdp *m, const double *Rbar_opt, const double *Vopt,
                                      const double *Rbar, const starc_policy_options *opt, const size_t *act,
                                      double *jmin, double *jmax, starc_error *err);

#endif
