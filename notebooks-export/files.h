/* Files of the notebook exporter: path and file names, SHA-256, whole-file
 * reads and writes, copying a file while hashing it, sorted directory
 * listings and recursive removal.  The mechanisms only: what goes where in a
 * notebook's data directory is staging.h's business.
 *
 * Not part of libstarc's API.  Implemented by files.c.  Every fallible
 * function returns a libstarc status and fills err. */
#ifndef STARC_NB_FILES_H
#define STARC_NB_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <starc/error.h>

#include "text.h"

/* Lowercase hex SHA-256 (FIPS 180-4, via nettle) of a buffer. */
void nb_sha256_hex(const void *data, size_t len, char hex[65]);

/* Whole file into a malloc'd NUL-terminated buffer; files over max bytes are
 * refused with STARC_EFORMAT. */
int nb_slurp(const char *path, size_t max, char **data, size_t *len, starc_error *err);
/* Write a buffer to a new file (not atomically: the exporter writes only
 * into its temporary data directory, which is renamed into place whole). */
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

/* The last component of a path (ignoring trailing slashes), malloc'd. */
char *nb_basename(const char *path);
/* The directory part of a path ("." when none), malloc'd. */
char *nb_dirname(const char *path);
/* Does the name end with the suffix? */
int nb_ends_with(const char *s, const char *suffix);
/* A name without its extension (a leading dot is no extension), malloc'd. */
char *nb_strip_ext(const char *name);
/* The extension of a name with its dot (".tsv"), or "". */
const char *nb_ext(const char *name);
/* A file or directory name that is safe everywhere, malloc'd: every byte
 * outside [A-Za-z0-9._-] becomes '_', and a name that is empty or starts
 * with '.' or '-' gets a leading '_'.  Such a name needs no quoting in a
 * markdown code span, a Python string literal or comment, or a shell word. */
char *nb_safe_name(const char *s);

#endif
