/* Internals of the mdp module (not installed). */
#ifndef STARC_MDP_INTERNAL_H
#define STARC_MDP_INTERNAL_H

#include <stddef.h>

#include "starc/error.h"
#include "starc/mdp.h"

/* How an adopted dense T is held, and a pass of the caller's to run inside
 * the validation pass (each row's bytes, in order, just before the row is
 * checked: for instance the CRC-32 of an archive member read in place). */
typedef struct starci_mdp_hold {
    int mapped; /* T is from starci_npy_dalloc_mapped(S*A*S, ...) (released by munmap), else malloc() */
    void (*scan)(void *ctx, const void *p, size_t bytes); /* NULL: none */
    void *ctx;
} starci_mdp_hold;

/* starc_mdp_alloc_adopt() with T held as hold says (NULL: malloc(), no scan).
 * On failure the caller still owns T and mu0. */
int starci_mdp_alloc_adopt_held(size_t S, size_t A, double *T, double *mu0, double gamma,
                                const starc_mdp_options *opt, const starci_mdp_hold *hold, starc_mdp **out,
                                starc_error *err);

#endif
