/* The section of a result file (generic): read the file, recognise it
 * (discovery.h), stage it, and build the cells of its kind: a distance
 * matrix or pair (section-distance.h) or a proxy, regularize or regret
 * result (section-json.h).
 *
 * Not part of libstarc's API.  Implemented by section-file.c. */
#ifndef STARC_NB_SECTION_FILE_H
#define STARC_NB_SECTION_FILE_H

#include "section.h"

/* The section of the result file path (sub: its path below the argument).
 * *recognised tells whether the file was a result at all (a file that is
 * none is an error for the argument itself, a skip in a collection). */
int nb_file_section(nb_exporter *x, const char *path, const char *sub, int *recognised);

#endif
