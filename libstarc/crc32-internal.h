/* CRC-32 of zlib and gzip (not installed): the reflected CRC with polynomial
 * 0x04C11DB7, as zlib's crc32() computes it.  starci_crc32(0, p, n) is the
 * CRC-32 of the n bytes at p, and starci_crc32(starci_crc32(0, a, m), b, n)
 * that of a's m bytes followed by b's n: the value a zip directory records
 * for a member.  The length is a size_t (no 4 GiB or 1 GiB limit). */
#ifndef STARC_CRC32_INTERNAL_H
#define STARC_CRC32_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t (*starci_crc32_fn)(uint32_t crc, const void *p, size_t n);

/* With the implementation starci_crc32_pick() gives at the moment of the call. */
uint32_t starci_crc32(uint32_t crc, const void *p, size_t n);

/* The implementation to use: carry-less multiplication (PCLMULQDQ) where the
 * CPU has it and the environment does not say STARC_KERNELS=baseline, else
 * zlib's crc32().  Both give the same value for every input; a caller making
 * many calls over one stream picks once. */
starci_crc32_fn starci_crc32_pick(void);

/* Each implementation by itself, for the tests and the benchmark:
 * starci_crc32_zlib() is zlib's crc32() over any length;
 * starci_crc32_pclmul() gives the carry-less one, or NULL where the CPU or
 * the compiler lacks PCLMULQDQ and SSE4.1. */
uint32_t starci_crc32_zlib(uint32_t crc, const void *p, size_t n);
starci_crc32_fn starci_crc32_pclmul(void);

#endif
