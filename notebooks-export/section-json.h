/* The sections of the JSON results of `starc proxy`, `starc regularize` and
 * `starc regret` (--format json): an explanation with citations, the
 * result as a table, and a cell loading it (for proxy, checking that each
 * bound lies below the true change).
 *
 * Not part of libstarc's API.  Implemented by section-json.c. */
#ifndef STARC_NB_SECTION_JSON_H
#define STARC_NB_SECTION_JSON_H

#include "discovery.h"
#include "section.h"

/* The cells of r->json (kind s->kind: proxy, regularize or regret) staged as name. */
int nb_json_result_cells(nb_section *s, const nb_file_result *r, const char *name);

#endif
