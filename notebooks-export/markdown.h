/* Markdown building blocks shared by the sections: tables of TSV and JSON
 * results, and the citations the explanations give.  Every string from data
 * goes through nb_buf_md() (text.h), every number through nb_buf_num().
 *
 * Not part of libstarc's API.  Implemented by markdown.c. */
#ifndef STARC_NB_MARKDOWN_H
#define STARC_NB_MARKDOWN_H

#include <stddef.h>
#include <jansson.h>

#include "text.h"
#include "tsv.h"

/* The papers the sections cite (markdown, with arXiv links). */
extern const char NB_CITE_STARC[];
extern const char NB_CITE_EPIC[];
extern const char NB_CITE_DARD[];
extern const char NB_CITE_CP[];
extern const char NB_CITE_GAO[];

/* The rule under a table's header row: "|---|...|" for ncol columns. */
void nb_md_rule(nb_buf *b, size_t ncol);
/* A table cell from a TSV field: a number as nb_buf_num() shows it, else text. */
void nb_md_field(nb_buf *b, const char *s);
/* A table's header row (its column names) and rule. */
void nb_md_table_head(nb_buf *b, const nb_table *t);
/* Row i of a table (missing fields left empty). */
void nb_md_table_row(nb_buf *b, const nb_table *t, size_t i);
/* A whole table, its first max rows, with a note of how many more there are. */
void nb_md_tsv(nb_buf *b, const nb_table *t, size_t max);
/* A JSON object as a two-column table (quantity, value), nested keys dotted,
 * its first max entries; short arrays inline, longer ones by their size. */
void nb_md_json_table(nb_buf *b, json_t *obj, size_t max);

#endif
