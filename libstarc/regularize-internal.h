/* Internals of regularize.c (not installed) for the modules above it. */
#ifndef STARC_REGULARIZE_INTERNAL_H
#define STARC_REGULARIZE_INTERNAL_H

#include "starc/regularize.h"

/* starc_regularize_solve() without its diagnostics (the exact occupancy,
 * returns and divergences of the optimum, one more S x S solve): for callers
 * that evaluate the policy their own way (overopt.c).  pi (S*A) receives the
 * optimum as starc_regularize_solve() would; res gets only method, coef,
 * inner_coef, converged, iterations and residual (the rest is zeroed);
 * starc_regularize_occupancy() is NULL until the next full solve.  The same
 * status as starc_regularize_solve(), and the same later solves (the
 * diagnostics leave no state the solvers read). */
int starci_regularize_solve_policy(starc_regularize *rg, starc_regularize_method method, double coef, double *pi,
                                   starc_regularize_result *res, starc_error *err);

#endif
