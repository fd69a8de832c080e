/* Internals of the npy module shared by npy.c and io.c (not installed). */
#ifndef STARC_NPY_INTERNAL_H
#define STARC_NPY_INTERNAL_H

#include <stddef.h>

#include "starc/error.h"
#include "starc/npy.h"

/* Copy s into buf (cap bytes, cap >= 8) for a message, which must stay on one
 * line: control characters (bytes below 0x20, and 0x7f) become C escapes
 * (\t, \n, \r, \xNN); a string too long for buf ends in "...".  For text that
 * comes from a file (member names, header keys, dtypes), not from the caller. */
void starci_npy_escape(char *buf, size_t cap, const char *s);

/* n doubles for a large array that is filled once: aligned to 2 MiB and
 * advised for transparent huge pages when it is at least that large (fewer,
 * cheaper page faults); release with free().  NULL when out of memory. */
double *starci_npy_dalloc_big(size_t n);
/* Offer the whole 2 MiB pages inside [p, p + bytes) to transparent huge pages
 * (for memory not yet touched, such as the part realloc() just added). */
void starci_npy_advise_huge(void *p, size_t bytes);

/* A .npy image being read, straight into the caller's buffer: open it (the
 * header is parsed and every size checked against the file or the archive),
 * look at its shape, read its values once into n = prod(shape) doubles in C
 * order (converting dtype, byte order and Fortran order on the way), close. */
typedef struct starci_npy_reader starci_npy_reader;
int starci_npy_reader_open_file(const char *path, starci_npy_reader **out, starc_error *err);
int starci_npy_reader_open_member(starc_npy_npz *z, const char *name, starci_npy_reader **out, starc_error *err);
size_t starci_npy_reader_shape(const starci_npy_reader *r, size_t shape[STARC_NPY_MAXDIM]);
size_t starci_npy_reader_count(const starci_npy_reader *r);
int starci_npy_reader_read(starci_npy_reader *r, double *dst, starc_error *err);
/* NULL is a no-op. */
void starci_npy_reader_close(starci_npy_reader *r);

#endif
