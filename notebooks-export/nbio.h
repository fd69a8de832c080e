/* Internal helpers of the notebook exporter: growable strings with markdown
 * and Python escaping, files (copy + SHA-256 in one pass, whole-file reads,
 * sorted directory listings, recursive removal) and a small TSV reader.
 * Not part of libstarc's API; used only by notebooks-export/notebook.c.
 * Every fallible function returns a libstarc status and fills err. */
#ifndef STARC_NBIO_H
#define STARC_NBIO_H

#include <stddef.h>
#include <stdint.h>
#include <starc/error.h>

#if defined(__GNUC__)
#define NB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NB_PRINTF(a, b)
#endif

/* Record status and a message in err (if non-NULL); returns status. */
int nb_fail(starc_error *err, int status, const char *fmt, ...) NB_PRINTF(3, 4);

/* A growable NUL-terminated string.  Allocation failure is sticky: the
 * buffer stops growing and nb_buf_ok() reports it once, at the end. */
typedef struct nb_buf {
    char *s;
    size_t len, cap;
    int oom;
} nb_buf;

void nb_buf_init(nb_buf *b);
void nb_buf_free(nb_buf *b);
void nb_buf_reset(nb_buf *b);
int nb_buf_ok(const nb_buf *b);
void nb_buf_addn(nb_buf *b, const char *s, size_t n);
void nb_buf_add(nb_buf *b, const char *s);
void nb_buf_printf(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3);
/* Text from data (names, paths) made inert for markdown inside a line (after
 * other text or in a table cell): the characters that can start markup
 * (\ ` * _ [ ] < > | $ ~ # &) are backslash-escaped, newlines and tabs become
 * spaces. */
void nb_buf_md(nb_buf *b, const char *s);
/* A double-quoted Python string literal (ASCII-only, \xNN / \uNNNN escapes). */
void nb_buf_py(nb_buf *b, const char *s);
/* A number for a markdown table: %.4g, "nan", "inf"; "-0" printed as "0". */
void nb_buf_num(nb_buf *b, double x);

/* Lowercase hex SHA-256 (FIPS 180-4, via nettle) of a buffer. */
void nb_sha256_hex(const void *data, size_t len, char hex[65]);
/* Base64 (RFC 4648, no line breaks) of a buffer; malloc'd, NULL when out of memory. */
char *nb_base64(const void *data, size_t len);

/* Whole file into a malloc'd NUL-terminated buffer; files over max bytes are
 * refused with STARC_EFORMAT. */
int nb_slurp(const char *path, size_t max, char **data, size_t *len, starc_error *err);
/* Write a buffer to a new file. */
int nb_write(const char *path, const void *data, size_t len, starc_error *err);

/* What nb_copy() learnt about a file while copying it. */
typedef struct nb_copy_info {
    uint64_t bytes;
    char sha256[65];
    size_t lines;       /* non-empty lines that do not start with '#' */
    char *first[2];     /* the first two such lines (malloc'd, no line end), or NULL */
} nb_copy_info;

/* Copy src to dst (a new file), computing SHA-256 and the line facts on the way. */
int nb_copy(const char *src, const char *dst, nb_copy_info *info, starc_error *err);
void nb_copy_info_clear(nb_copy_info *info);

int nb_is_dir(const char *path);
int nb_is_file(const char *path);
/* Sorted (bytewise) entry names of a directory, without "." and "..". */
int nb_list_dir(const char *dir, char ***names, size_t *n, starc_error *err);
void nb_free_list(char **names, size_t n);
/* Remove a file tree (does not follow symbolic links); 0 on success. */
int nb_rmtree(const char *path);
/* malloc'd "a/b"; NULL when out of memory. */
char *nb_join(const char *a, const char *b);
/* The last component of a path (ignoring trailing slashes), malloc'd. */
char *nb_basename(const char *path);
/* The directory part of a path ("." when none), malloc'd. */
char *nb_dirname(const char *path);
/* Does the name end with the suffix? */
int nb_ends_with(const char *s, const char *suffix);

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
void nb_table_free(nb_table *t);
/* Column index of name, or -1. */
long nb_table_col(const nb_table *t, const char *name);
/* A whole field as a number (C locale strtod; "nan", "inf" accepted). */
int nb_parse_number(const char *s, double *x);
/* Are all cells of column j (in rows with at least j+1 fields) numbers? */
int nb_table_col_numeric(const nb_table *t, size_t j);

#endif
