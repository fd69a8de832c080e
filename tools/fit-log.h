/* The reader of `starc fit`'s tabular logs: TSV or CSV with a header row.
 *
 * The separator is the file's extension (.csv: comma, .tsv: tab), else a tab
 * if the header holds one, else a comma.  CSV fields may be double-quoted
 * ("" is a quote); fields are trimmed of spaces; blank lines and lines
 * starting with '#' are skipped.  Every row has the header's number of
 * fields; column names are non-empty and distinct.
 *
 * Part of the starc tool (used by tools/cmd-fit.c and the fuzz harness
 * tests/fuzz/fuzz-fitlog.c), not of libstarc.  Functions returning int
 * return EXIT_OK, or EXIT_USAGE / EXIT_COMPUTE after printing the one line
 * of `starc fit: ...` on stderr that names the file (and line and column). */
#ifndef STARC_TOOLS_FIT_LOG_H
#define STARC_TOOLS_FIT_LOG_H

#include <stddef.h>

typedef struct fit_log_table {
    const char *path;
    char *buf;
    size_t ncols, nrows;
    char **names;  /* ncols */
    char **cells;  /* nrows x ncols */
    size_t *line;  /* nrows: line numbers (1-based) */
} fit_log_table;

/* Read the file path into t (free it with fit_log_free(), also after a failure). */
int fit_log_read(const char *path, fit_log_table *t);
void fit_log_free(fit_log_table *t);
/* Column index of name, or -1. */
long fit_log_column(const fit_log_table *t, const char *name);
/* The missing column name of option --opt, reported with the columns there are (EXIT_USAGE). */
int fit_log_no_column(const fit_log_table *t, const char *opt, const char *name);
/* A numeric cell: NaN when missing ("", nan, na, n/a, null, none, -); EXIT_USAGE naming the file,
 * line and column when it is not a number. */
int fit_log_number(const fit_log_table *t, size_t row, long col, double *out);

#endif
