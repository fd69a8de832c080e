/* Error reporting and overflow-checked allocation (error-internal.h): the base
 * every module builds on. */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"

const char *starc_error_string(int status)
{
    switch (status) {
    case STARC_OK: return "success";
    case STARC_EINVAL: return "invalid argument";
    case STARC_EDIM: return "dimension mismatch or overflow";
    case STARC_ENOMEM: return "out of memory";
    case STARC_EIO: return "input/output error";
    case STARC_EFORMAT: return "malformed or unsupported file format";
    case STARC_ENOCONV: return "iteration did not converge";
    case STARC_ELAPACK: return "linear algebra failure";
    case STARC_EUNDEF: return "quantity is undefined for this input";
    default: return "unknown error";
    }
}

void starc_error_clear(starc_error *err)
{
    if (err) {
        err->status = STARC_OK;
        err->message[0] = '\0';
    }
}

const char *starc_version(void)
{
    return PACKAGE_VERSION;
}

int starci_error(starc_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

int starci_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

int starci_mul3_ok(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    return starci_mul_ok(a, b, &ab) && starci_mul_ok(ab, c, out);
}

double *starci_dalloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sizeof(double))
        return NULL;
    return malloc(n * sizeof(double));
}

double *starci_dcalloc(size_t n)
{
    if (n == 0)
        n = 1;
    return calloc(n, sizeof(double));
}
