/* The sections of distance results: a matrix of distances between rewards
 * (`starc distance` TSV, text or JSON) and the distance of one pair.
 *
 * Not part of libstarc's API.  Implemented by section-distance.c. */
#ifndef STARC_NB_SECTION_DISTANCE_H
#define STARC_NB_SECTION_DISTANCE_H

#include "discovery.h"
#include "section.h"

/* The cells of the distance matrix r->M staged as name (r->json: from JSON):
 * explanation, key numbers and the matrix, a cell loading it, and a heat map
 * whose stored output is the figure of stem found in srcdir. */
int nb_distance_cells(nb_section *s, const nb_file_result *r, const char *name, const char *srcdir,
                      const char *stem);

/* The cells of the distance of a pair r->pair staged as name. */
int nb_pair_cells(nb_section *s, const nb_file_result *r, const char *name);

#endif
