/* The head of every notebook: the title and provenance cell, and the set-up
 * code cell (numpy, matplotlib and the readers the sections' code uses).
 *
 * The provenance cell names what was exported: the result, or for a
 * directory of results (such as `starc demo`'s) every result found with its
 * kind; the command line; and each input file with its size and SHA-256.
 * The set-up cell defines DATA (the data directory, relative to the
 * notebook), read_tsv() and read_matrix().
 *
 * Not part of libstarc's API.  Implemented by section-provenance.c. */
#ifndef STARC_NB_SECTION_PROVENANCE_H
#define STARC_NB_SECTION_PROVENANCE_H

#include <jansson.h>

#include "section.h"

/* Append the two cells to cells, from what x gathered (its sections and inputs). */
int nb_provenance_cells(nb_exporter *x, json_t *cells);

#endif
