/* Internals of error.c, the base of every module: error reporting and
 * overflow-checked allocation.  Not installed; every name starts with starci_
 * so that the export regex '^starc_' hides it. */
#ifndef STARC_ERROR_INTERNAL_H
#define STARC_ERROR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "starc/error.h"

#if defined(__GNUC__)
#define STARCI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define STARCI_PRINTF(a, b)
#endif

/* Record status and a printf-style message in err (if non-NULL); returns status. */
int starci_error(starc_error *err, int status, const char *fmt, ...) STARCI_PRINTF(3, 4);

/* a*b (and a*b*c) with overflow detection: return 0 on overflow. */
int starci_mul_ok(size_t a, size_t b, size_t *out);
int starci_mul3_ok(size_t a, size_t b, size_t c, size_t *out);

/* malloc/calloc of n doubles with overflow check; NULL on failure. */
double *starci_dalloc(size_t n);
double *starci_dcalloc(size_t n);

#endif
