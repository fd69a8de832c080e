/* Internals of generate.c (not installed): re-seeding a generator, for the
 * study, which seeds one generator per MDP (study.c). */
#ifndef STARC_GENERATE_INTERNAL_H
#define STARC_GENERATE_INTERNAL_H

#include <stdint.h>
#include "starc/generate.h"

/* Re-seed rng exactly as starc_generate_rng_alloc(seed) seeds a new one. */
void starci_generate_rng_seed(starc_generate_rng *rng, uint64_t seed);

#endif
