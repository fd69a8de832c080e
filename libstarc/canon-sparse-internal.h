/* Internals of canon-sparse.c (not installed): the canonicalisations of
 * docs/theory.md §2 on a sparse MDP, producing structured tensors
 * (structured-internal.h) in O(S*A + nnz) per reward after a plan made once
 * per MDP.  Inputs and outputs are structured: a reward is B (an (S,) or
 * (S,A) reward) or E (an (nnz,) reward), or any B + G + E (a shaped reward).
 *
 *   none               c = R
 *   epic               B - g(s) - gamma K,   G + gamma g,  E      (D_S, D_A uniform or given)
 *   val                Rbar + gamma T V - V(s)  (B only)          (V = V^pi of R: an input)
 *   val-potential      B - V(s),             G + gamma V,  E      (V an input)
 *   minimal-potential  B - Phi(s),           G + gamma Phi, E     (unweighted: the normal matrix
 *                      is (1 + gamma^2) S A I - 2 gamma A 1 1^T, solved in closed form;
 *                      T-weighted: a sparse S x S SPD matrix, CHOLMOD)
 *   minimal            E = w (Rbar + gamma T Phi - Phi(s)) T     (CHOLMOD on M^T W M)
 *   dard               B - g(s) - gamma KB(s),  G + gamma (g - KG), E,  F = -gamma K_E(s,s')
 *                      (K_E an S x S sparse matrix on a pattern made once per plan, after
 *                      counting its non-zeros against opt->max_bytes; docs/sparse.md)
 *
 * The distributions and the policy are validated by the caller
 * (starc_canon_alloc's checks); they are copied. */
#ifndef STARC_CANON_SPARSE_INTERNAL_H
#define STARC_CANON_SPARSE_INTERNAL_H

#include <stddef.h>
#include "starc/canon.h"
#include "structured-internal.h"

typedef struct starci_canon_sparse starci_canon_sparse;

/* Plan for kind on pattern p (p's arrays must outlive the plan); opt may be
 * NULL (defaults).  minimal and weighted minimal-potential factorise their
 * normal equations here. */
int starci_canon_sparse_alloc(const starci_csr *p, double gamma, starc_canon_kind kind,
                              const starc_canon_options *opt, starci_canon_sparse **out, starc_error *err);
void starci_canon_sparse_free(starci_canon_sparse *c);

/* Non-zeros of the S x S part F of the plan's forms (dard: K's pattern), 0 for the other kinds. */
size_t starci_canon_sparse_f_nnz(const starci_canon_sparse *c);

/* c(R) into slot (0 or 1) of the plan's buffers; *out points into them (or
 * into R for none) until the next call on the same slot.  V: V^pi of R (S),
 * required by val and val-potential, ignored otherwise.  R must not point
 * into the plan's buffers. */
int starci_canon_sparse_form(starci_canon_sparse *c, int slot, const starci_struct *R, const double *V,
                             starci_struct *out, starc_error *err);

#endif
