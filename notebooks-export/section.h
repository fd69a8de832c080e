/* One export in progress and its sections.
 *
 * An nb_exporter holds what an export gathers while it runs: the options,
 * the temporary data directory, the cells of every section in order, the
 * provenance (inputs), the manifest and the report lists.  Each result found
 * becomes an nb_section: a subdirectory of the data directory named by a
 * unique safe id, and the cells that explain and load it.  A section is
 * opened with nb_section_begin() and closed with nb_section_end(), which
 * lists it in the report.
 *
 * Not part of libstarc's API.  Implemented by section.c. */
#ifndef STARC_NB_SECTION_H
#define STARC_NB_SECTION_H

#include <jansson.h>
#include <starc/error.h>

#include "notebook.h"
#include "text.h"

typedef struct nb_exporter {
    nb_options o;
    starc_error *err;
    char *result_name;   /* the argument's base name: input paths are shown under it */
    char *data_tmp;      /* the temporary data directory */
    char *data_name;     /* the data directory's final base name (a safe name) */
    json_t *cells;       /* the sections' cells, in order */
    json_t *inputs;      /* provenance: [{path, bytes, sha256}] */
    json_t *manifest;    /* data-relative path -> sha256 */
    json_t *sections;    /* report: [{id, kind, path, figures}] */
    json_t *skipped;     /* report: files of a directory that are no result */
    json_t *warnings;    /* report: strings */
    json_t *ids;         /* section ids in use */
    int collection;      /* the argument is a directory of results */
} nb_exporter;

typedef struct nb_section {
    nb_exporter *x;
    const char *kind;    /* STARC_RESULTS_KIND_* */
    char *src;           /* the result on disk (file or directory) */
    char *shown;         /* the result's path as shown to the reader */
    char *id;            /* its subdirectory of the data directory (a safe name) */
    char *dir;           /* data_tmp/id */
    int figures;         /* figure cells so far */
} nb_section;

/* Set up x with options o (not NULL: nb_export() resolves the defaults) and empty lists; STARC_ENOMEM on failure. */
int nb_exporter_init(nb_exporter *x, const nb_options *o, starc_error *err);
void nb_exporter_free(nb_exporter *x);
/* Record "out of memory" in x->err; returns STARC_ENOMEM. */
int nb_oom(nb_exporter *x);
/* Add a warning to the report. */
void nb_warn(nb_exporter *x, const char *fmt, ...) NB_PRINTF(2, 3);
/* Report sub (a path below the argument) as skipped: no result. */
int nb_skip(nb_exporter *x, const char *sub);

/* Open a section of the given kind for the result at src; sub is its path
 * below the argument ("" for the argument itself).  Its id is the safe name
 * of sub (without a file's extension) or of the argument, made unique with
 * "-2", "-3", ...; its directory is created. */
int nb_section_begin(nb_exporter *x, nb_section *s, const char *kind, const char *src, const char *sub);
/* Close a section: when st is STARC_OK, list it in the report.  Frees s
 * either way and returns st (or STARC_ENOMEM). */
int nb_section_end(nb_section *s, int st);

/* Append a markdown cell with the text of b to the notebook. */
int nb_section_md(nb_section *s, const nb_buf *b);
/* Append a code cell with the source in b and outputs (stolen; NULL: none). */
int nb_section_code(nb_section *s, const nb_buf *b, json_t *outputs);

/* "## WHAT: PATH\n\n", the section's heading. */
void nb_section_heading(nb_buf *b, const nb_section *s, const char *what);
/* The Python expression of a file in the section's data subdirectory:
 * DATA + "/ID/NAME". */
void nb_section_py_path(nb_buf *b, const nb_section *s, const char *name);
/* Python that loads the section's JSON file name into the variable var:
 * `with open(DATA + "/ID/NAME", ...) as f:` / `    VAR = json.load(f)`. */
void nb_section_py_load_json(nb_buf *b, const nb_section *s, const char *name, const char *var);
/* How the reader is shown the input file srcname of the section: inside the
 * result for a directory result, beside it for a file result (malloc'd). */
char *nb_section_shown(const nb_section *s, const char *srcname);

#endif
