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

/* n doubles for a large array that is filled once: aligned to 2 MiB when it
 * is at least that large, and advised for transparent huge pages where the
 * kernel does not compact synchronously for them (npy.c, advise_huge());
 * release with free().  NULL when out of memory. */
double *starci_npy_dalloc_big(size_t n);

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

/* Reads without a copy.  A .npy file, or a stored (uncompressed) .npz member
 * found in its archive, whose values are the host's float64 in C order, is
 * read straight from the file: starci_npy_reader_read_direct() does what
 * starci_npy_reader_read() does, and when mapped is set and dst lies in
 * memory from starci_npy_dalloc_mapped(n, starci_npy_reader_phase(r)) (so
 * that dst and the values in the file sit at the same place in a page, which
 * needs an 8-aligned offset in the file), the whole pages of dst are mapped
 * from the file (private, copy on write: no copy, no zeroed page) and only
 * the partial pages at its ends are read.  Other layouts are read as before.
 * A mapped file must not shrink while its values are in use (the process
 * would get SIGBUS, as with numpy's mmap_mode).
 * Values not mapped are read STARCI_NPY_READ_CHUNK bytes at a time, and a
 * stored member read this way bypasses libzip, so its CRC-32 is checked here,
 * each chunk right after its read.  With defer, both wait for the caller's
 * own pass over the values: it passes every value, in order, to
 * starci_npy_reader_crc_scan() before it looks at it (which reads the values
 * not yet read, up to the end of those passed, and takes their CRC-32), then
 * calls starci_npy_reader_crc_check(), also when its pass stops early (the
 * values are refused): it reads and checks what is left, so that a failed
 * read and then corruption are named as such.  It reports, in this order, a
 * failed read (STARC_EIO) and a CRC-32 that differs from the zip directory's
 * (STARC_EFORMAT), and is a no-op when nothing is pending. */
int starci_npy_reader_read_direct(starci_npy_reader *r, double *dst, int mapped, int defer, starc_error *err);
size_t starci_npy_reader_phase(const starci_npy_reader *r);
void starci_npy_reader_crc_scan(starci_npy_reader *r, const void *p, size_t bytes);
int starci_npy_reader_crc_check(starci_npy_reader *r, starc_error *err);
/* Bytes of values a direct read reads at once (docs/benchmarks.md, "CRC-32
 * and T's read"): small enough to stay in L2 between the read and the pass
 * over them. */
#define STARCI_NPY_READ_CHUNK ((size_t)512 << 10)
/* n doubles starting phase bytes (rounded down to a multiple of 8) into a
 * page of a private anonymous mapping (huge-page advice as for
 * starci_npy_dalloc_big()); NULL when out of memory.  Release
 * with starci_npy_dfree_mapped(p, n), never free(). */
double *starci_npy_dalloc_mapped(size_t n, size_t phase);
void starci_npy_dfree_mapped(double *p, size_t n);

#endif
