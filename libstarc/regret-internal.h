/* Internals of regret.c (not installed): the one regret rule, for callers
 * that already hold the true reward's returns (study.c). */
#ifndef STARC_REGRET_INTERNAL_H
#define STARC_REGRET_INTERNAL_H

#include <stddef.h>

/* The true reward's return scale: the largest |return| any policy can have,
 * max |Rbar_t| / (1 - gamma) over the n = S*A expected rewards.  The one scale
 * of every return comparison (regret, study, proxy's hacking and hackability). */
double starci_regret_scale(const double *Rbar_t, size_t n, double gamma);

/* The regret (docs/theory.md §1) from J_t(pi*_t) = jopt, J_t(pi-_t) = jworst
 * and J_t(pi*_p) = jp: (jopt - jp) / (jopt - jworst) clamped to [0, 1], and 0
 * when the true reward is trivial, jopt - jworst <= tol * jscale (tol the
 * resolved tolerance, starc_regret_trivial_tol(); jscale from
 * starci_regret_scale or the dense reward's scale: relative, no absolute floor). */
double starci_regret_normalize(double jopt, double jworst, double jp, double tol, double jscale);

#endif
