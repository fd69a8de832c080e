/* Internals of canon.c (not installed): canonical forms in a structured
 * representation, so that norms and metrics can be computed in one streaming
 * pass over the reward without materialising c(R):
 *   DENSE  x(s,a,s') = R(s,a,s') + E(s,s')     (dard: E an S x S offset)
 *          x(s,a,s') = R(s,a,s') + P(s') + Q(s) (shaping-type offsets, or none)
 *   SA     x(s,a,s') = u(s,a)                   (val: the advantage A^pi)
 *   SAT    x(s,a,s') = u(s,a) T(s,a,s')         (minimal)
 * The norm passes (norm-internal.h) read these forms. */
#ifndef STARC_CANON_INTERNAL_H
#define STARC_CANON_INTERNAL_H

#include <stddef.h>
#include "starc/canon.h"

enum { STARCI_CF_DENSE = 0, STARCI_CF_SA = 1, STARCI_CF_SAT = 2 };

typedef struct starci_cform {
    int kind;
    const double *R; /* DENSE: the reward (borrowed) */
    const double *E; /* DENSE: S*S offset E(s,s'), or NULL */
    const double *P, *Q; /* DENSE without E: offset P(s') + Q(s) (S each), or NULL for x = R */
    const double *u; /* SA, SAT: S*A */
    double rmax;     /* max |R|; negative when not known (DENSE with E == NULL: rmax = max|x|) */
} starci_cform;

/* Canonical forms of k <= 2 rewards at once (rewards that share a pass over
 * T are read together).  The forms point into the plan's scratch (slot i for
 * reward i) and stay valid until the next call on the plan. */
int starci_canon_forms(starc_canon *c, size_t k, const double *const *R, starci_cform *cf,
                       starc_error *err);

/* The finiteness proof of reward i of the last starci_canon_forms(_sa) call:
 * a sum that every entry of R_i entered, through products with finite
 * factors, in the pass over R_i the forms make anyway (Rbar; EPIC's g; the
 * row sums of minimal-potential).  Finite when every entry of R_i is finite,
 * unless the sum overflowed: a finite value proves R_i finite, a non-finite
 * one asks for the exact check.  none reads no entry of R (0: the statistics
 * pass, starci_stats.xsum, is its proof). */
double starci_canon_rsum(const starc_canon *c, size_t i);

/* Rbar (S*A) of reward i of the last forms of the kinds that compute it (val,
 * val-potential, dard, minimal); for tests. */
const double *starci_canon_rbar(const starc_canon *c, size_t i);

/* starci_canon_forms() with reward i given by its (S,A) values Rsa[i] when
 * Rsa[i] != NULL (R[i] is then not read; an (S,) reward is passed as its
 * (S,A) values), without expanding it: the same forms, bit for bit, as for
 * the expanded (S,A,S) reward.  Only for the canonical forms that need no
 * more of a reward than Rbar (starci_canon_sa_ok(): val and minimal); the
 * others (none, epic, dard, val-potential, minimal-potential) are R plus an
 * offset and need the (S,A,S) tensor. */
int starci_canon_sa_ok(const starc_canon *c);
int starci_canon_forms_sa(starc_canon *c, size_t k, const double *const *R, const double *const *Rsa,
                          starci_cform *cf, starc_error *err);

/* Rbar (S*A values of reward i at Rbar + i*S*A), max |R_i| (rmax[i]) and
 * the finiteness proof (rsum[i], as starci_canon_rsum()) of n rewards in one
 * pass over T: blocks of T's rows serve every reward while in cache; each
 * reward's values have the bits the forms' own pass gives them (the same row
 * kernels, AVX or baseline as the plan chose).  Reward i is given in full
 * (R[i]) or, when Rsa && Rsa[i], by its (S,A) values (R[i] not read), whose
 * rows are formed as starci_canon_forms_sa() forms them: the bits of its
 * (S,A,S) expansion. */
int starci_canon_rbar_set(const starc_canon *c, size_t n, const double *const *R, const double *const *Rsa,
                          double *Rbar, double *rmax, double *rsum, starc_error *err);

/* val: V^pi (S values of reward i at V + i*S) and T V^pi (S*A at TV + i*S*A)
 * of n rewards from their Rbar (n*S*A, as starci_canon_rbar_set() gives it):
 * each V from the plan's own solve, T V of every reward in one pass over T in
 * blocks, each vector through the one-vector row kernel: the bits val's forms
 * compute for each reward.  STARC_EINVAL for the other kinds. */
int starci_canon_val_set(starc_canon *c, size_t n, const double *Rbar, double *V, double *TV, starc_error *err);

/* starci_canon_forms() with the k rewards' Rbar, max |R| and proof given (as
 * starci_canon_rbar_set() computes them) instead of computed, and for val
 * optionally V and T V (as starci_canon_val_set() computes them; both or
 * neither, NULL: computed): the same forms, bit for bit.  Only for the kinds
 * whose forms start from Rbar (starci_canon_rbar_ok(): val, val-potential,
 * dard). */
int starci_canon_rbar_ok(const starc_canon *c);
int starci_canon_forms_rbar(starc_canon *c, size_t k, const double *const *R, const double *const *Rbar,
                            const double *rmax, const double *rsum, const double *const *V, const double *const *TV,
                            starci_cform *cf, starc_error *err);

/* Materialise row (s,a) of a DENSE or SAT form into buf (S doubles); returns
 * the row (which may point into R when no offset is needed). */
const double *starci_canon_form_row(const starci_cform *cf, const double *T, size_t S, size_t A,
                                    size_t s, size_t a, double *buf);

#endif
