/* nbformat 4.5 JSON for the notebook exporter: cells, their outputs, their
 * deterministic ids, and the notebook document itself.
 *
 * nbformat's conventions, as nbformat.write() produces them: multiline
 * strings (cell sources, SVG, text/plain) are lists of lines, each keeping
 * its "\n"; PNG is one base64 string; the file is JSON with indent 1 and
 * sorted keys, ending in a newline.  Every string is valid UTF-8 (bytes that
 * are not become U+FFFD).  Quoting of data into a cell's source is text.h's
 * job; these functions store the source as given.
 *
 * Not part of libstarc's API.  Implemented by cells.c.  Functions returning
 * json_t * return a new reference, or NULL when out of memory. */
#ifndef STARC_NB_CELLS_H
#define STARC_NB_CELLS_H

#include <stddef.h>
#include <jansson.h>

/* A JSON string of bytes that should be UTF-8; invalid bytes become U+FFFD. */
json_t *nb_json_str(const char *s);

/* nbformat's multiline string: a list of lines, each keeping its "\n" (the
 * last one has none unless text ends with one); "" is the empty list. */
json_t *nb_json_lines(const char *text);

/* Base64 (RFC 4648, no line breaks) of a buffer, malloc'd; NULL when out of memory. */
char *nb_base64(const void *data, size_t len);

typedef enum nb_cell_type { NB_CELL_MARKDOWN, NB_CELL_CODE } nb_cell_type;

/* A cell with the given source and empty metadata, without an id (see
 * nb_cells_assign_ids()).  A code cell gets `execution_count` null and
 * @p outputs (stolen; NULL: none); a markdown cell drops @p outputs. */
json_t *nb_cell_new(nb_cell_type type, const char *source, json_t *outputs);

/* A display_data output showing a figure: `image/png` (base64 of png_len
 * bytes at png) if png is non-NULL, `image/svg+xml` (lines of svg) if svg is
 * non-NULL, and the `text/plain` fallback plain. */
json_t *nb_display_data(const void *png, size_t png_len, const char *svg, const char *plain);

/* Give every cell of the array its id: "cNN-" (NN its index, two digits at
 * least) and the first 12 hex digits of the SHA-256 of its type, "\n" and
 * its source.  Returns 0, or -1 when out of memory. */
int nb_cells_assign_ids(json_t *cells);

/* The notebook: @p cells and, in its metadata, the Python 3 kernel spec and
 * @p starc (under STARC_RESULTS_NOTEBOOK_KEY_METADATA); both are stolen. */
json_t *nb_notebook_new(json_t *cells, json_t *starc);

/* The notebook as its file holds it (indent 1, sorted keys, a final
 * newline): malloc'd text, its length in *len; NULL when out of memory. */
char *nb_notebook_dumps(const json_t *nb, size_t *len);

#endif
