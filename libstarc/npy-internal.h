/* Internals of the npy module shared by npy.c and io.c (not installed). */
#ifndef STARC_NPY_INTERNAL_H
#define STARC_NPY_INTERNAL_H

#include <stddef.h>

/* Copy s into buf (cap bytes, cap >= 8) for a message, which must stay on one
 * line: control characters (bytes below 0x20, and 0x7f) become C escapes
 * (\t, \n, \r, \xNN); a string too long for buf ends in "...".  For text that
 * comes from a file (member names, header keys, dtypes), not from the caller. */
void starci_npy_escape(char *buf, size_t cap, const char *s);

#endif
