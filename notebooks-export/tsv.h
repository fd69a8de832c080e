/* The notebook exporter's reader of the tab-separated tables the starc
 * command writes (a header row, then rows; '#' lines are comments).
 *
 * Not part of libstarc's API.  Implemented by tsv.c. */
#ifndef STARC_NB_TSV_H
#define STARC_NB_TSV_H

#include <stddef.h>
#include <starc/error.h>

/* A parsed tab-separated table.  The first non-comment line is the header;
 * rows may have a different number of fields than the header (callers check). */
typedef struct nb_table {
    size_t ncol;      /* header fields */
    char **head;      /* ncol names */
    size_t nrow;
    size_t *nf;       /* fields in each row */
    char ***rows;     /* rows[i][j], j < nf[i] */
    char *store;      /* owns every string */
} nb_table;

/* Parse text (len bytes): fields split on tabs, lines on \n (a trailing \r is
 * dropped); empty lines and lines starting with '#' are skipped. name is used
 * in messages.  An input without any line is STARC_EFORMAT. */
int nb_table_parse(const char *text, size_t len, const char *name, nb_table *t, starc_error *err);
/* Free a table's memory and zero it (a zeroed table may be freed again). */
void nb_table_free(nb_table *t);
/* Column index of name, or -1. */
long nb_table_col(const nb_table *t, const char *name);
/* A whole field as a number (C locale strtod; "nan", "inf" accepted;
 * spaces around it allowed). */
int nb_parse_number(const char *s, double *x);
/* Are all cells of column j (in rows with at least j+1 fields) numbers? */
int nb_table_col_numeric(const nb_table *t, size_t j);
/* Row i, column j as a number; NaN when j < 0, the row is short or the
 * field is no number. */
double nb_table_num(const nb_table *t, size_t i, long j);

#endif
