/* Internal helpers shared by proxy.c, regularize.c and tomato.c.  Every
 * exported name starts with starci_ (hidden by the export regex). */
#ifndef STARC_PROXY_INTERNAL_H
#define STARC_PROXY_INTERNAL_H

#include <stddef.h>
#include "internal.h"
#include "lapack.h"
#include "starc/mdp.h"

/* Scratch for starci_policy_exact(): S*S matrix, S pivots, S reach flags, S stack. */
typedef struct starci_exact_ws {
    size_t S;
    double *M;
    lapack_int *ipiv;
    unsigned char *reach;
    size_t *stack;
    double *b;
} starci_exact_ws;

int starci_exact_ws_init(starci_exact_ws *w, size_t S);
void starci_exact_ws_clear(starci_exact_ws *w);

/* States reachable from supp(mu0) when following actions with pi > 0 and
 * transitions with T > 0 (reach[s] = 1).  Exact structural test. */
void starci_reachable(const starc_mdp *m, const double *pi, unsigned char *reach, size_t *stack);

/* Exact normalised occupancy of pi: d (S, may be NULL) and mu (S*A, required),
 * with exact zeros on states pi never reaches; plus the normalised returns
 * Jn[k] = sum mu * Rbar[k] for nr expected rewards (NULL entries give NaN). */
int starci_policy_exact(const starc_mdp *m, const double *pi, size_t nr, const double *const *Rbar,
                        double *Jn, double *d, double *mu, starci_exact_ws *w, starc_error *err);

/* chi2(mu || mub) = sum (mu - mub)^2 / mub (equal to sum mu^2/mub - 1 when
 * both sum to 1, without its cancellation); INFINITY if mu > 0 where mub = 0. */
double starci_chi2(size_t n, const double *mu, const double *mub);

#endif
