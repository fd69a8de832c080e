/* Internals of howard.c (not installed): what the dense engine (dense.c)
 * and the sparse engines (sparse.c, sparse-exact.c) share, below both and
 * below policy.c, which dispatches to them: the policy options' defaults,
 * r_pi and the return mu0 . V, the tie rule and the greedy step of policy
 * iteration, Howard's loop and restricted policy iteration over an
 * engine's evaluation.  Nothing here solves a system itself: an engine
 * hands in its own evaluation (starci_howard_engine,
 * starci_howard_set_engine).  Includes only starc/policy-types.h of the
 * policy module, never starc/policy.h or policy-internal.h. */
#ifndef STARC_HOWARD_INTERNAL_H
#define STARC_HOWARD_INTERNAL_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy-types.h"

/* The system a solve of I - gamma P_pi answers (both engines). */
typedef enum starci_howard_system {
    STARCI_HOWARD_VALUES = 0,   /* (I - gamma P_pi) x = b: values, b = r_pi */
    STARCI_HOWARD_OCCUPANCY = 1 /* (I - gamma P_pi)^T x = b: occupancy, b = mu0 */
} starci_howard_system;

/* The defaults documented in starc_policy_options (starc_policy_options_default). */
void starci_howard_options_default(starc_policy_options *o);

/* *opt NULL: point it at def, filled with the defaults; then check the
 * tie tolerance (STARC_EINVAL unless >= 0). */
int starci_howard_options(const starc_policy_options **opt, starc_policy_options *def, starc_error *err);

/* J = sum_s mu0(s) V(s), summed in state order (starc_policy_values_return). */
double starci_howard_values_return(const starc_mdp *m, const double *V);

/* r(s) = sum_a pi(s,a) Rbar(s,a), or Rbar(s, act[s]) when act != NULL (then pi is unused). */
void starci_howard_reward(const starc_mdp *m, const double *pi, const size_t *act, const double *Rbar, double *r);

/* Jn[k] = sum_i mu[i] Rbar[k][i] over the n occupancy entries, in order, for
 * nr expected rewards (NULL entries give NaN): the normalised returns of
 * both engines' exact occupancy (starci_policy_exact, starci_sparse_exact). */
void starci_howard_occupancy_returns(size_t n, const double *mu, size_t nr, const double *const *Rbar, double *Jn);

/* The tie rule of policy iteration (docs/theory.md, Numerics): in a state
 * whose largest action value is qmax, values within
 * starci_howard_tie_tol(tie_tol, qmax, floor) of qmax are tied, with
 * floor = starci_howard_tie_floor(Q, S*A, S) = S DBL_EPSILON max |Q|
 * (relative to the state's own values; no absolute floor). */
double starci_howard_tie_floor(const double *q, size_t n, size_t S);
/* max |q| over n values (a NaN entry is skipped, as by fmax): the floor's scale. */
double starci_howard_q_maxabs(const double *q, size_t n);
double starci_howard_tie_tol(double tie_tol, double qmax, double floor);

/* The lowest action of q (A values) tied with its maximum under that rule;
 * *qmax_out receives the maximum, *tol_out (may be NULL) the tolerance. */
size_t starci_howard_greedy(const double *q, size_t A, double tie_tol, double floor, double *qmax_out,
                            double *tol_out);

/* An engine's evaluation for Howard's loop: values() sets V (S) to the
 * values of the deterministic policy act for Rbar (V holds the previous
 * policy's values on entry, a warm start an engine may use), q() sets Q
 * (S*A) to Rbar + gamma T V. */
typedef struct starci_howard_engine {
    void *ctx;
    int (*values)(void *ctx, const double *Rbar, const size_t *act, double *V, starc_error *err);
    void (*q)(void *ctx, const double *Rbar, const double *V, double *Q);
} starci_howard_engine;

/* Howard policy iteration for Rbar from the actions in act (S), on e's
 * evaluation, with opt's tie rule and cap (opt not NULL): a state switches
 * only when another action beats its own by more than the tie tolerance;
 * at the fixed point every state takes the lowest tied action.  V (S) and
 * Q (S*A) receive the values and Q of the last policy evaluated, which
 * last (S, may be NULL) receives too; *iters (may be NULL) the number of
 * evaluations. */
int starci_howard_iterate(const starci_howard_engine *e, size_t S, size_t A, const double *Rbar,
                          const starc_policy_options *opt, size_t *act, double *V, double *Q, size_t *last,
                          size_t *iters, starc_error *err);

/* The steps of that loop, for a driver running several in lockstep
 * (dense.c): the error when the cap is reached; one improvement on Q (S*A),
 * where a state takes its lowest tied action only when its own is below the
 * maximum by more than the tie tolerance (1 if any action changed); and at
 * the fixed point, last (may be NULL) receiving act, then every state its
 * lowest tied action. */
int starci_howard_noconv(const starc_policy_options *opt, starc_error *err); /* the error at the cap (ENOCONV) */
int starci_howard_improve(const double *Q, size_t S, size_t A, double tie_tol, size_t *act);
void starci_howard_settle(const double *Q, size_t S, size_t A, double tie_tol, size_t *act, size_t *last);

/* An engine's evaluation for restricted policy iteration: values() sets V
 * (S) to the values of the deterministic policy act for sign * Rbar;
 * q_entry() returns sign * Rbar(s,a) + gamma sum_s' T(s,a,s') V(s'), summed
 * in that order, for sa = s*A + a. */
typedef struct starci_howard_set_engine {
    void *ctx;
    int (*values)(void *ctx, const double *Rbar, double sign, const size_t *act, double *V, starc_error *err);
    double (*q_entry)(void *ctx, const double *Rbar, double sign, const double *V, size_t sa);
} starci_howard_set_engine;

/* The lowest and highest return for Rbar over the deterministic policies
 * that are optimal for Rbar_opt: exact policy iteration on e's evaluation
 * restricted to the actions whose Q for Rbar_opt (from its optimal values
 * Vopt) is tied with the state's maximum under opt's tie rule (opt not
 * NULL), started from the optimal actions act (S). */
int starci_howard_optimal_set_returns(const starci_howard_set_engine *e, const starc_mdp *m, const double *Rbar_opt,
                                      const double *Vopt, const double *Rbar, const starc_policy_options *opt,
                                      const size_t *act, double *jmin, double *jmax, starc_error *err);

#endif
