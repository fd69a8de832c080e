/* numpy .npy and .npz reading and writing.
 *
 * Reference: numpy/lib/format.py (NEP 1) and numpy/lib/npyio.py.  The
 * reader accepts what numpy writes and what numpy itself accepts for the
 * numeric dtypes libstarc uses; it rejects, with a message naming the file
 * (and the member inside an archive), anything it cannot turn into doubles
 * exactly as numpy would.  The writer reproduces np.save's header byte for
 * byte for '<f8' C-order arrays (numpy >= 1.23 layout), so numpy sees no
 * difference between our files and its own. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <zip.h>

#include "crc32-internal.h"
#include "error-internal.h"
#include "starc/npy.h"
#include "npy-internal.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy's format._MAX_HEADER_SIZE: np.load refuses longer headers (counted in
 * characters after decoding) unless max_header_size is raised. */
#define NPY_MAX_HEADER 10000
/* numpy's ARRAY_ALIGN and GROWTH_AXIS_MAX_DIGITS (header layout when writing). */
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21
/* Room for the largest header we write: 32 dimensions of 20 digits each. */
#define NPY_PREFIX_MAX 2048
/* Buffers of at least this many bytes are aligned to it and offered to
 * transparent huge pages: the size of an x86-64 / arm64 huge page. */
#define NPY_HUGE_PAGE ((size_t)2 << 20)

/* ------------------------------------------------------------------ arrays */

void starc_npy_array_init(starc_npy_array *a)
{
    if (a)
        memset(a, 0, sizeof *a);
}

void starc_npy_array_clear(starc_npy_array *a)
{
    if (!a)
        return;
    free(a->data);
    starc_npy_array_init(a);
}

size_t starc_npy_array_size(const starc_npy_array *a)
{
    size_t n = 1;
    for (size_t i = 0; i < a->ndim && i < STARC_NPY_MAXDIM; i++)
        n *= a->shape[i];
    return n;
}

/* "(3,)", "(3,2)", "()": the compact form used in every message. */
static void fmt_shape(char *buf, size_t cap, size_t ndim, const size_t *shape)
{
    size_t n = 0;
    int w = snprintf(buf, cap, "(");
    n = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < ndim && n < cap; i++) {
        w = snprintf(buf + n, cap - n, "%s%zu", i ? "," : "", shape[i]);
        if (w < 0)
            return;
        n += (size_t)w;
    }
    if (n < cap)
        snprintf(buf + n, cap - n, ndim == 1 ? ",)" : ")");
}

void starci_npy_escape(char *buf, size_t cap, const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && n + 8 < cap; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r') {
            buf[n++] = '\\';
            buf[n++] = *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
        } else if (*p < 0x20 || *p == 0x7f) {
            n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", *p);
        } else {
            buf[n++] = (char)*p;
        }
    }
    if (*p)
        n += (size_t)snprintf(buf + n, cap - n, "...");
    buf[n] = '\0';
}

void starc_npy_array_shape_string(const starc_npy_array *a, char *buf, size_t cap)
{
    if (cap > 0)
        fmt_shape(buf, cap, a->ndim, a->shape);
}

static int host_is_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 0;
}

/* ------------------------------------------------------------------ dtypes */

enum dkind { DK_FLOAT, DK_INT, DK_UINT, DK_BOOL };

typedef struct dtype {
    enum dkind kind;
    size_t size; /* bytes per element */
    int big;     /* stored big-endian */
} dtype;

/* Classify a numpy dtype descriptor string such as '<f8' or '|b1'. */
static int parse_descr(const char *descr, dtype *dt, const char *name, starc_error *err)
{
    char d[64]; /* for messages: the descr comes from the file */
    starci_npy_escape(d, sizeof d, descr);
    const char *p = descr;
    int big = host_is_big_endian();
    if (*p == '<' || *p == '>' || *p == '|' || *p == '=') {
        if (*p == '<')
            big = 0;
        else if (*p == '>')
            big = 1;
        p++; /* '|' (not applicable) and '=' (native) keep the host order */
    }
    char k = *p;
    switch (k) {
    case 'O':
        return starci_error(err, STARC_EFORMAT,
                            "%s: dtype '%s' holds Python objects (pickle); libstarc reads only numeric arrays "
                            "(save with allow_pickle=False)", name, d);
    case 'S': case 'U': case 'a':
        return starci_error(err, STARC_EFORMAT, "%s: dtype '%s' is a string dtype; expected a numeric array", name, d);
    case 'c':
        return starci_error(err, STARC_EFORMAT, "%s: dtype '%s' is a complex dtype; expected real numbers", name, d);
    case 'M': case 'm':
        return starci_error(err, STARC_EFORMAT, "%s: dtype '%s' is a datetime/timedelta dtype; expected numbers",
                            name, d);
    case 'V':
        return starci_error(err, STARC_EFORMAT, "%s: dtype '%s' is a structured (void) dtype; expected a plain "
                            "numeric array", name, d);
    case 'f': dt->kind = DK_FLOAT; break;
    case 'i': dt->kind = DK_INT; break;
    case 'u': dt->kind = DK_UINT; break;
    case 'b': dt->kind = DK_BOOL; break;
    default:
        return starci_error(err, STARC_EFORMAT, "%s: unsupported dtype '%s'", name, d);
    }
    p++;
    size_t size = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) {
        size = size * 10 + (size_t)(*p - '0');
        p++;
        digits++;
    }
    int ok = digits > 0 && *p == '\0';
    if (ok) {
        switch (dt->kind) {
        case DK_FLOAT: ok = size == 2 || size == 4 || size == 8; break;
        case DK_INT: case DK_UINT: ok = size == 1 || size == 2 || size == 4 || size == 8; break;
        case DK_BOOL: ok = size == 1; break;
        }
    }
    if (!ok)
        return starci_error(err, STARC_EFORMAT, "%s: unsupported dtype '%s' (libstarc reads f2, f4, f8, "
                            "i1-i8, u1-u8 and b1)", name, d);
    dt->size = size;
    dt->big = big;
    return STARC_OK;
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    unsigned mant = h & 0x3ffu;
    double v;
    if (e == 0)
        v = ldexp((double)mant, -24); /* zero or subnormal */
    else if (e == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexp((double)(mant | 0x400u), e - 25);
    return (h >> 15) ? -v : v;
}

/* One element of type dt at p, assembled byte by byte so that the host's
 * byte order only matters for the final float reinterpretation. */
static double decode(const unsigned char *p, const dtype *dt)
{
    uint64_t u = 0;
    if (dt->big)
        for (size_t i = 0; i < dt->size; i++)
            u = u << 8 | p[i];
    else
        for (size_t i = dt->size; i-- > 0;)
            u = u << 8 | p[i];
    switch (dt->kind) {
    case DK_FLOAT:
        if (dt->size == 8) {
            double d;
            memcpy(&d, &u, sizeof d);
            return d;
        }
        if (dt->size == 4) {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, sizeof f);
            return f;
        }
        return half_to_double((uint16_t)u);
    case DK_INT:
        if (dt->size == 8) {
            int64_t s;
            memcpy(&s, &u, sizeof s);
            return (double)s;
        } else {
            unsigned bits = (unsigned)(8 * dt->size);
            int64_t s = (int64_t)u;
            if (u >> (bits - 1))
                s -= (int64_t)1 << bits;
            return (double)s;
        }
    case DK_UINT:
        return (double)u;
    case DK_BOOL:
        return u != 0 ? 1.0 : 0.0;
    }
    return 0.0;
}

/* ------------------------------------------------------------------ header */

typedef struct header {
    char descr[16]; /* same size as starc_npy_array.dtype; longer descrs are unsupported anyway */
    int fortran;
    size_t ndim;
    size_t shape[STARC_NPY_MAXDIM];
} header;

typedef struct cursor {
    const unsigned char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int at(const cursor *c, char ch)
{
    return c->p < c->end && *c->p == (unsigned char)ch;
}

static int malformed(starc_error *err, const char *name, const char *what)
{
    return starci_error(err, STARC_EFORMAT, "%s: malformed .npy header: %s", name, what);
}

/* A Python string literal without escapes ('...' or "...").  Returns 0 on
 * success, 1 when malformed, 2 when longer than cap - 1 (out is truncated). */
static int parse_string(cursor *c, char *out, size_t cap)
{
    if (!(at(c, '\'') || at(c, '"')))
        return 1;
    unsigned char q = *c->p++;
    size_t n = 0;
    int toolong = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || *c->p == '\n')
            return 1;
        if (n + 1 < cap)
            out[n++] = (char)*c->p;
        else
            toolong = 1;
        c->p++;
    }
    out[n] = '\0';
    if (c->p >= c->end)
        return 1;
    c->p++;
    return toolong ? 2 : 0;
}

static int is_ident_char(unsigned char ch)
{
    return ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int parse_word(cursor *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
        return 0;
    if (c->p + n < c->end && is_ident_char(c->p[n]))
        return 0;
    c->p += n;
    return 1;
}

/* A tuple of non-negative Python ints: (), (3,), (3, 4), (3, 4,).  Headers of
 * versions 1.0/2.0 may come from Python 2 and carry long suffixes (3L), which
 * numpy's _filter_header strips; we accept them there too. */
static int parse_shape(cursor *c, header *h, int allow_long, const char *name, starc_error *err)
{
    if (!at(c, '('))
        return malformed(err, name, "'shape' is not a tuple");
    c->p++;
    skip_ws(c);
    h->ndim = 0;
    if (at(c, ')')) {
        c->p++;
        return STARC_OK;
    }
    for (;;) {
        if (at(c, '-'))
            return starci_error(err, STARC_EFORMAT, "%s: .npy header has a negative dimension in 'shape'", name);
        if (!(c->p < c->end && *c->p >= '0' && *c->p <= '9'))
            return malformed(err, name, "'shape' holds something other than integers");
        size_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            size_t digit = (size_t)(*c->p - '0');
            if (v > (SIZE_MAX - digit) / 10)
                return starci_error(err, STARC_EFORMAT, "%s: a dimension in 'shape' overflows size_t", name);
            v = v * 10 + digit;
            c->p++;
        }
        if (allow_long && (at(c, 'L') || at(c, 'l')))
            c->p++;
        if (c->p < c->end && (is_ident_char(*c->p) || *c->p == '.'))
            return malformed(err, name, "'shape' holds something other than integers");
        if (h->ndim == STARC_NPY_MAXDIM)
            return starci_error(err, STARC_EFORMAT, "%s: array has more than %d dimensions", name, STARC_NPY_MAXDIM);
        h->shape[h->ndim++] = v;
        skip_ws(c);
        if (at(c, ',')) {
            c->p++;
            skip_ws(c);
            if (at(c, ')')) {
                c->p++;
                return STARC_OK;
            }
            continue;
        }
        if (at(c, ')')) {
            c->p++;
            /* "(3)" is the integer 3 in Python, not a tuple: numpy rejects it. */
            if (h->ndim == 1)
                return malformed(err, name, "'shape' is not a tuple (a 1-d shape needs a trailing comma)");
            return STARC_OK;
        }
        return malformed(err, name, "'shape' tuple is not closed");
    }
}

/* The header is the repr() of a dict with exactly the keys 'descr',
 * 'fortran_order' and 'shape', in any order, followed by padding and a
 * newline.  We parse the subset of Python literal syntax that can express a
 * valid header for a numeric dtype. */
static int parse_header(const unsigned char *txt, size_t len, int allow_long, header *h,
                        const char *name, starc_error *err)
{
    cursor c = {txt, txt + len};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    int st;
    skip_ws(&c);
    if (!at(&c, '{'))
        return malformed(err, name, "it is not a dictionary");
    c.p++;
    for (;;) {
        skip_ws(&c);
        if (at(&c, '}')) {
            c.p++;
            break;
        }
        char key[32];
        if (parse_string(&c, key, sizeof key) != 0)
            return malformed(err, name, "expected a quoted key or '}'");
        skip_ws(&c);
        if (!at(&c, ':'))
            return malformed(err, name, "expected ':' after a key");
        c.p++;
        skip_ws(&c);
        if (strcmp(key, "descr") == 0) {
            if (have_descr++)
                return malformed(err, name, "duplicate key 'descr'");
            if (at(&c, '['))
                return starci_error(err, STARC_EFORMAT, "%s: structured dtype (a list descr) is not supported; "
                                    "expected a plain numeric array", name);
            int r = parse_string(&c, h->descr, sizeof h->descr);
            if (r == 1)
                return malformed(err, name, "'descr' is not a string");
            if (r == 2) {
                char d[64];
                starci_npy_escape(d, sizeof d, h->descr);
                return starci_error(err, STARC_EFORMAT, "%s: unsupported dtype '%s...'", name, d);
            }
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_fortran++)
                return malformed(err, name, "duplicate key 'fortran_order'");
            if (parse_word(&c, "True"))
                h->fortran = 1;
            else if (parse_word(&c, "False"))
                h->fortran = 0;
            else
                return malformed(err, name, "'fortran_order' is not True or False");
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape++)
                return malformed(err, name, "duplicate key 'shape'");
            if ((st = parse_shape(&c, h, allow_long, name, err)))
                return st;
        } else {
            char k[sizeof key * 4 + 8];
            starci_npy_escape(k, sizeof k, key);
            return starci_error(err, STARC_EFORMAT, "%s: malformed .npy header: unexpected key '%s'", name, k);
        }
        skip_ws(&c);
        if (at(&c, ',')) {
            c.p++;
            continue;
        }
        if (at(&c, '}')) {
            c.p++;
            break;
        }
        return malformed(err, name, "expected ',' or '}' after a value");
    }
    if (!have_descr || !have_fortran || !have_shape)
        return starci_error(err, STARC_EFORMAT, "%s: malformed .npy header: key '%s' is missing", name,
                            !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    /* The format spec: the dict is followed by spaces and terminated by '\n'
     * (numpy writes the newline last; we also accept it before the spaces). */
    int newline = 0;
    for (; c.p < c.end; c.p++) {
        if (*c.p == '\n')
            newline = 1;
        else if (*c.p != ' ' && *c.p != '\t' && *c.p != '\r')
            return malformed(err, name, "unexpected text after the dictionary");
    }
    if (!newline)
        return malformed(err, name, "header is not terminated by a newline");
    return STARC_OK;
}

/* ------------------------------------------------------------------ reading */

/* Reorder n = prod(shape) doubles from Fortran to C order. */
static void fortran_to_c(size_t ndim, const size_t *shape, const double *src, double *dst, size_t n)
{
    size_t idx[STARC_NPY_MAXDIM] = {0}, cstride[STARC_NPY_MAXDIM];
    size_t s = 1;
    for (size_t k = ndim; k-- > 0;) {
        cstride[k] = s;
        s *= shape[k];
    }
    size_t ci = 0;
    for (size_t f = 0; f < n; f++) {
        dst[ci] = src[f];
        /* advance the Fortran multi-index: first axis fastest */
        for (size_t k = 0; k < ndim; k++) {
            if (++idx[k] < shape[k]) {
                ci += cstride[k];
                break;
            }
            idx[k] = 0;
            ci -= (shape[k] - 1) * cstride[k];
        }
    }
}

/* Where the data of a .npy image start and how many bytes they take, from the
 * prefix alone: magic, version, header length and header. */
typedef struct npy_layout {
    header h;
    dtype dt;
    size_t pre;    /* magic + version + header-length field */
    size_t hlen;   /* header text, padding and newline */
    size_t n;      /* elements, prod(shape) */
    size_t nbytes; /* data bytes, n * dtype size */
    char shp[STARC_NPY_MAXDIM * 22 + 4]; /* the shape as messages show it */
} npy_layout;

/* The most bytes a valid prefix can take: a 4-byte length field and numpy's
 * header cap in UTF-8 characters of up to 4 bytes (version 3.0). */
#define NPY_PREFIX_READ (NPY_MAGIC_LEN + 2 + 4 + 4 * (size_t)NPY_MAX_HEADER)

/* Parse the prefix of a .npy image whose first len bytes are at b (the data
 * need not be there).  Every size is checked before it is used, so nothing
 * here trusts the header. */
static int npy_layout_parse(const unsigned char *b, size_t len, const char *name, npy_layout *L, starc_error *err)
{
    if (len >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
        return starci_error(err, STARC_EFORMAT, "%s: is a .npz (zip) archive, not a .npy file", name);
    if (len < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return starci_error(err, STARC_EFORMAT, "%s: not a .npy file (bad magic string)", name);
    if (len < NPY_MAGIC_LEN + 2)
        return starci_error(err, STARC_EFORMAT, "%s: .npy header is truncated", name);
    unsigned major = b[6], minor = b[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0))
        return starci_error(err, STARC_EFORMAT, "%s: unsupported .npy format version %u.%u "
                            "(libstarc reads 1.0, 2.0 and 3.0)", name, major, minor);
    size_t lenfield = major == 1 ? 2 : 4, pre = NPY_MAGIC_LEN + 2 + lenfield;
    if (len < pre)
        return starci_error(err, STARC_EFORMAT, "%s: .npy header is truncated", name);
    size_t hlen = (size_t)b[8] | (size_t)b[9] << 8;
    if (lenfield == 4)
        hlen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    /* numpy caps the decoded header: bytes for latin1 (1.0, 2.0), characters
     * for utf8 (3.0, at least hlen / 4 of them).  Checked before the length is
     * compared with the input, so the cap, not the input, bounds a read. */
    if (major <= 2 && hlen > NPY_MAX_HEADER)
        return starci_error(err, STARC_EFORMAT, "%s: .npy header is %zu characters long, over numpy's limit "
                            "of %d (max_header_size)", name, hlen, NPY_MAX_HEADER);
    if (major == 3 && hlen > 4 * (size_t)NPY_MAX_HEADER)
        return starci_error(err, STARC_EFORMAT, "%s: .npy header is %zu bytes long, over numpy's limit "
                            "of %d characters (max_header_size)", name, hlen, NPY_MAX_HEADER);
    if (hlen > len - pre)
        return starci_error(err, STARC_EFORMAT, "%s: file ends inside the .npy header (truncated)", name);
    const unsigned char *htxt = b + pre;
    if (major == 3) {
        size_t hchars = 0;
        for (size_t i = 0; i < hlen; i++)
            hchars += (htxt[i] & 0xC0) != 0x80;
        if (hchars > NPY_MAX_HEADER)
            return starci_error(err, STARC_EFORMAT, "%s: .npy header is %zu characters long, over numpy's limit "
                                "of %d (max_header_size)", name, hchars, NPY_MAX_HEADER);
    }
    memset(L, 0, sizeof *L);
    int st = parse_header(htxt, hlen, major <= 2, &L->h, name, err);
    if (st)
        return st;
    L->dt = (dtype){DK_FLOAT, 0, 0};
    if ((st = parse_descr(L->h.descr, &L->dt, name, err)))
        return st;
    fmt_shape(L->shp, sizeof L->shp, L->h.ndim, L->h.shape);
    size_t n = 1, nbytes;
    for (size_t i = 0; i < L->h.ndim; i++)
        if (!starci_mul_ok(n, L->h.shape[i], &n))
            return starci_error(err, STARC_EFORMAT, "%s: shape %s has more elements than size_t can count",
                                name, L->shp);
    if (!starci_mul_ok(n, L->dt.size, &nbytes) || n > SIZE_MAX / sizeof(double) || nbytes > SIZE_MAX - pre - hlen)
        return starci_error(err, STARC_EFORMAT, "%s: shape %s is too large to address (size_t overflow)", name,
                            L->shp);
    L->pre = pre;
    L->hlen = hlen;
    L->n = n;
    L->nbytes = nbytes;
    return STARC_OK;
}

int starc_npy_read_buffer(const void *buf, size_t len, const char *name, starc_npy_array *out, starc_error *err)
{
    const unsigned char *b = buf;
    if (!name)
        name = "<buffer>";
    if (!out || (!buf && len))
        return starci_error(err, STARC_EINVAL, "%s: NULL argument", name);
    npy_layout L;
    int st = npy_layout_parse(b, len, name, &L, err);
    if (st)
        return st;
    const header h = L.h;
    const dtype dt = L.dt;
    const char *shp = L.shp;
    size_t n = L.n, nbytes = L.nbytes, hlen = L.hlen;
    const unsigned char *htxt = b + L.pre;
    size_t avail = len - L.pre - hlen;
    if (avail < nbytes)
        return starci_error(err, STARC_EFORMAT, "%s: data truncated: shape %s of dtype '%s' needs %zu bytes, "
                            "the file has %zu", name, shp, h.descr, nbytes, avail);
    /* np.load ignores bytes after the data, but they mean a corrupt,
     * concatenated or mis-sized file, so we refuse rather than guess. */
    if (avail > nbytes)
        return starci_error(err, STARC_EFORMAT, "%s: %zu unexpected bytes after the array data (shape %s, dtype '%s')",
                            name, avail - nbytes, shp, h.descr);

    double *data = starci_dalloc(n);
    if (!data)
        return starci_error(err, STARC_ENOMEM, "%s: out of memory for %zu elements", name, n);
    const unsigned char *src = htxt + hlen;
    if (dt.kind == DK_FLOAT && dt.size == 8 && dt.big == host_is_big_endian()) {
        if (n)
            memcpy(data, src, n * sizeof(double));
    } else {
        for (size_t i = 0; i < n; i++)
            data[i] = decode(src + i * dt.size, &dt);
    }
    if (h.fortran && h.ndim > 1 && n > 1) {
        double *c = starci_dalloc(n);
        if (!c) {
            free(data);
            return starci_error(err, STARC_ENOMEM, "%s: out of memory for %zu elements", name, n);
        }
        fortran_to_c(h.ndim, h.shape, data, c, n);
        free(data);
        data = c;
    }
    /* Only now touch *out, so that a failed read leaves it as it was. */
    starc_npy_array_clear(out);
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, h.ndim * sizeof h.shape[0]);
    out->data = data;
    snprintf(out->dtype, sizeof out->dtype, "%s", h.descr);
    out->fortran_order = h.fortran;
    return STARC_OK;
}

/* Read the whole of an open stream into memory (works for pipes too); closes f. */
static int slurp_file(FILE *f, const char *path, unsigned char **buf, size_t *len, starc_error *err)
{
    /* Size the buffer from the file when it is a regular file (one extra byte
     * so that EOF is seen without growing); pipes grow by doubling. */
    size_t cap = 1 << 16, n = 0;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (uintmax_t)sb.st_size < (uintmax_t)SIZE_MAX)
        cap = (size_t)sb.st_size + 1;
    unsigned char *b = malloc(cap);
    if (!b) {
        fclose(f);
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                fclose(f);
                return starci_error(err, STARC_ENOMEM, "%s: out of memory reading the file", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        free(b);
        return starci_error(err, STARC_EIO, "%s: read error: %s", path, strerror(e));
    }
    *buf = b;
    *len = n;
    return STARC_OK;
}

/* The whole stream in memory, then parsed: for pipes, whose size is unknown.
 * Reads from the descriptor already open (a FIFO must not be opened twice:
 * its writer may be gone by the second open); takes ownership of fd. */
static int npy_read_slurp(int fd, const char *path, starc_npy_array *out, starc_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        return starci_error(err, STARC_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    int st = slurp_file(f, path, &buf, &len, err);
    if (st)
        return st;
    st = starc_npy_read_buffer(buf, len, path, out, err);
    free(buf);
    return st;
}

/* ------------------------------------------------------------------ writing */

/* The np.save header for a '<f8' C-order array of this shape: the dict repr
 * with keys sorted, room for the first axis to grow to 21 digits, spaces and
 * a final '\n' so that magic + version + length + header is a multiple of 64
 * bytes.  Version 1.0 unless the length does not fit in 16 bits. */
static size_t npy_prefix(size_t ndim, const size_t *shape, unsigned char *out, int int64)
{
    char dict[NPY_PREFIX_MAX];
    size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                                int64 ? "<i8" : "<f8");
    for (size_t i = 0; i < ndim; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%s%zu", i ? ", " : "", shape[i]);
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", ndim == 1 ? "," : "");
    if (ndim > 0) {
        char d0[24];
        int w = snprintf(d0, sizeof d0, "%zu", shape[0]);
        for (int i = w; i < NPY_GROWTH_DIGITS; i++)
            dict[n++] = ' ';
    }
    size_t hlen = n + 1, lenfield = 2;
    size_t pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + lenfield + hlen) % NPY_ALIGN;
    if (hlen + pad > 65535) {
        lenfield = 4;
        pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + lenfield + hlen) % NPY_ALIGN;
    }
    size_t total = hlen + pad, k = 0;
    memcpy(out, NPY_MAGIC, NPY_MAGIC_LEN);
    k = NPY_MAGIC_LEN;
    out[k++] = lenfield == 2 ? 1 : 2;
    out[k++] = 0;
    for (size_t i = 0; i < lenfield; i++)
        out[k++] = (unsigned char)(total >> (8 * i));
    memcpy(out + k, dict, n);
    k += n;
    memset(out + k, ' ', pad);
    k += pad;
    out[k++] = '\n';
    return k;
}

/* Store n doubles as little-endian IEEE binary64. */
static void put_le_doubles(unsigned char *dst, const double *src, size_t n)
{
    if (!host_is_big_endian()) {
        if (n)
            memcpy(dst, src, n * sizeof(double));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &src[i], sizeof u);
        for (size_t j = 0; j < 8; j++)
            dst[8 * i + j] = (unsigned char)(u >> (8 * j));
    }
}

static int check_shape(const char *path, size_t ndim, const size_t *shape, const double *data,
                       size_t *count, starc_error *err)
{
    if (ndim > STARC_NPY_MAXDIM)
        return starci_error(err, STARC_EDIM, "%s: %zu dimensions, more than the %d supported", path, ndim,
                            STARC_NPY_MAXDIM);
    if (ndim > 0 && !shape)
        return starci_error(err, STARC_EINVAL, "%s: shape is NULL", path);
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++)
        if (!starci_mul_ok(n, shape[i], &n))
            return starci_error(err, STARC_EDIM, "%s: the number of elements overflows size_t", path);
    if (n > (SIZE_MAX - NPY_PREFIX_MAX) / sizeof(double))
        return starci_error(err, STARC_EDIM, "%s: array too large to write", path);
    if (n > 0 && !data)
        return starci_error(err, STARC_EINVAL, "%s: data is NULL", path);
    *count = n;
    return STARC_OK;
}

/* Create PATH.XXXXXX exclusively, with mode 0666 minus the umask (like a file
 * numpy creates; mkstemp would give 0600).  The suffix is random enough that a
 * collision just costs one more try. */
static int tmp_create(const char *path, char **tmp_out, int *fd_out, starc_error *err)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp) {
        starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
        return STARC_ENOMEM;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40) ^
                 (uint64_t)(uintptr_t)tmp;
    int e = EEXIST;
    for (int attempt = 0; attempt < 100; attempt++) {
        memcpy(tmp, path, n);
        tmp[n] = '.';
        for (int i = 0; i < 6; i++) {
            x ^= x << 13; /* xorshift64 */
            x ^= x >> 7;
            x ^= x << 17;
            tmp[n + 1 + i] = alnum[x % (sizeof alnum - 1)];
        }
        tmp[n + 7] = '\0';
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *tmp_out = tmp;
            *fd_out = fd;
            return STARC_OK;
        }
        e = errno;
        if (e != EEXIST)
            break;
    }
    free(tmp);
    starci_error(err, STARC_EIO, "%s: cannot create a temporary file next to it: %s", path, strerror(e));
    return STARC_EIO;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Move the finished temporary file into place; on failure remove it. */
static int tmp_commit(const char *path, char *tmp, starc_error *err)
{
    int st = STARC_OK;
    if (rename(tmp, path) != 0) {
        st = starci_error(err, STARC_EIO, "%s: cannot rename the temporary file into place: %s", path,
                          strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return st;
}

int starc_npy_write(const char *path, size_t ndim, const size_t *shape, const double *data, starc_error *err)
{
    if (!path)
        return starci_error(err, STARC_EINVAL, "starc_npy_write: path is NULL");
    size_t n;
    int st = check_shape(path, ndim, shape, data, &n, err);
    if (st)
        return st;
    unsigned char prefix[NPY_PREFIX_MAX + 128];
    size_t plen = npy_prefix(ndim, shape, prefix, 0);
    char *tmp = NULL;
    int fd = -1;
    if ((st = tmp_create(path, &tmp, &fd, err)))
        return st;
    int bad = write_all(fd, prefix, plen);
    /* Convert in chunks so that big-endian hosts need no second full copy. */
    unsigned char chunk[8 * 4096];
    for (size_t i = 0; !bad && i < n; i += 4096) {
        size_t k = n - i < 4096 ? n - i : 4096;
        if (!host_is_big_endian()) {
            bad = write_all(fd, (const unsigned char *)(data + i), k * sizeof(double));
        } else {
            put_le_doubles(chunk, data + i, k);
            bad = write_all(fd, chunk, k * sizeof(double));
        }
    }
    int e = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(tmp);
        free(tmp);
        return starci_error(err, STARC_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return tmp_commit(path, tmp, err);
}

/* ------------------------------------------------------------------ npz */

/* An open archive.  libzip handles are not thread-safe: one starc_npy_npz must
 * not be used by two threads at once. */
struct starc_npy_npz {
    zip_t *zip;
    char *path;
    zip_uint64_t file_size; /* bytes in the archive: no member holds more */
    size_t n;
    char **names;         /* member names without ".npy" */
    zip_uint64_t *index;  /* their zip entry indices */
    /* The zip directory as read by npz_directory(), once, for reads in place: */
    int dir;              /* 0 not read yet, 1 read, -1 unusable */
    int fd;               /* the archive, for pread and mmap; -1 until read */
    uint64_t *lho;        /* per zip entry: its local header's offset, UINT64_MAX if not usable */
};

void starc_npy_npz_close(starc_npy_npz *z)
{
    if (!z)
        return;
    if (z->zip)
        zip_discard(z->zip);
    if (z->fd >= 0)
        close(z->fd);
    free(z->lho);
    for (size_t i = 0; i < z->n; i++)
        free(z->names[i]);
    free(z->names);
    free(z->index);
    free(z->path);
    free(z);
}

int starc_npy_npz_open(const char *path, starc_npy_npz **out, starc_error *err)
{
    if (!path || !out)
        return starci_error(err, STARC_EINVAL, "starc_npy_npz_open: NULL argument");
    *out = NULL;
    int ze = 0;
    zip_t *zip = zip_open(path, ZIP_RDONLY, &ze);
    if (!zip) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        int st;
        switch (ze) {
        case ZIP_ER_NOZIP:
            st = starci_error(err, STARC_EFORMAT, "%s: not a .npz (zip) archive", path);
            break;
        case ZIP_ER_NOENT: case ZIP_ER_OPEN: case ZIP_ER_READ: case ZIP_ER_SEEK: case ZIP_ER_MEMORY:
            st = starci_error(err, ze == ZIP_ER_MEMORY ? STARC_ENOMEM : STARC_EIO, "%s: cannot open: %s", path,
                              zip_error_strerror(&e));
            break;
        default:
            st = starci_error(err, STARC_EFORMAT, "%s: damaged .npz (zip) archive: %s", path, zip_error_strerror(&e));
            break;
        }
        zip_error_fini(&e);
        return st;
    }
    struct stat fsb;
    if (stat(path, &fsb) != 0 || !S_ISREG(fsb.st_mode) || fsb.st_size < 0) {
        zip_discard(zip);
        return starci_error(err, STARC_EIO, "%s: cannot open: not a regular file", path);
    }
    starc_npy_npz *z = calloc(1, sizeof *z);
    zip_int64_t ne = zip_get_num_entries(zip, 0);
    size_t cap = ne > 0 ? (size_t)ne : 1;
    if (z) {
        z->zip = zip;
        z->fd = -1;
        z->file_size = (zip_uint64_t)fsb.st_size;
        z->path = strdup(path);
        z->names = calloc(cap, sizeof *z->names);
        z->index = calloc(cap, sizeof *z->index);
    }
    if (!z || !z->path || !z->names || !z->index) {
        if (z)
            starc_npy_npz_close(z);
        else
            zip_discard(zip);
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    for (zip_int64_t i = 0; i < ne; i++) {
        const char *nm = zip_get_name(zip, (zip_uint64_t)i, 0);
        size_t l = nm ? strlen(nm) : 0;
        if (l < 4 || strcmp(nm + l - 4, ".npy") != 0)
            continue;
        char *s = malloc(l - 3);
        if (!s) {
            starc_npy_npz_close(z);
            return starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
        }
        memcpy(s, nm, l - 4);
        s[l - 4] = '\0';
        z->names[z->n] = s;
        z->index[z->n++] = (zip_uint64_t)i;
    }
    *out = z;
    return STARC_OK;
}

size_t starc_npy_npz_count(const starc_npy_npz *z)
{
    return z ? z->n : 0;
}

const char *starc_npy_npz_name(const starc_npy_npz *z, size_t i)
{
    return z && i < z->n ? z->names[i] : NULL;
}

/* A deflate length/distance pair copies at most 258 bytes and takes at least
 * two bits (one for each Huffman code), so a stream inflates to at most
 * 258 * 8 / 2 = 1032 times its size; the slack covers tiny streams. */
#define DEFLATE_MAX_RATIO 1032
#define DEFLATE_SLACK 1024

/* Read from f into dst until *got reaches want, or the stream ends (an error
 * unless short_ok: the caller then checks *got). */
static int read_some(zip_file_t *f, unsigned char *dst, size_t want, size_t *got, int short_ok, const starc_npy_npz *z,
                     const char *name, starc_error *err)
{
    while (*got < want) {
        zip_int64_t r = zip_fread(f, dst + *got, want - *got);
        if (r < 0)
            return starci_error(err, STARC_EFORMAT, "%s: member '%s': %s", z->path, name, zip_file_strerror(f));
        if (r == 0) {
            if (short_ok)
                break;
            return starci_error(err, STARC_EFORMAT, "%s: member '%s' is truncated (%zu of the %zu bytes its zip "
                                "entry declares)", z->path, name, *got, want);
        }
        *got += (size_t)r;
    }
    return STARC_OK;
}

/* Room for a member name in messages, escaped (starci_npy_escape). */
#define NPZ_SHOWN 160

/* ------------------------------------------------------------------ streaming reader
 *
 * A .npy image is read in order, straight into the buffer that keeps the
 * values: its prefix first (which says how many bytes follow), then the data
 * in one read of that size when they are little-endian float64 in C order;
 * any other layout is converted once, a chunk at a time, each element going
 * directly to its place in C order.  Sizes are checked against the file (or
 * against the zip directory, itself checked against the archive) before
 * anything is allocated. */

struct starci_npy_reader {
    int fd;                 /* a regular file, or -1 */
    zip_file_t *zf;         /* an archive member, or NULL */
    const starc_npy_npz *z; /* its archive */
    char shown[NPZ_SHOWN];  /* member name, escaped */
    size_t declared;        /* bytes the zip directory declares for the member */
    size_t consumed;        /* bytes read from the stream so far */
    starc_npy_array mem;    /* neither: a pipe, already decoded in memory */
    npy_layout L;
    char *disp;             /* the name messages show */
    /* Where the values lie in a regular file, to read or map them directly
     * (starci_npy_reader_read_direct): the .npy file itself (dfd == fd), or
     * the archive holding a stored member (its archive's descriptor, which the
     * archive owns); -1 if neither. */
    int dfd;
    uint64_t doff;          /* the values' offset in dfd */
    int crc_on;             /* a stored member read directly: its CRC-32 is ours to check */
    uint32_t crc_want, crc_have; /* the directory's CRC-32; the running one over what was read */
    starci_crc32_fn crc;    /* the CRC-32 implementation, picked once per reader */
    /* The values a direct read fills: dst, how many of their bytes are there
     * (read or mapped) and how many the running CRC-32 covers; a read that
     * failed (with its errno, 0 for end of file), kept until it is reported. */
    unsigned char *dst;
    size_t filled, crc_upto;
    int rd_failed, rd_errno;
};

/* Transparent huge pages, a measured policy (docs/benchmarks.md, "Reads
 * without a copy"): with the kernel's defrag setting at "madvise" (or
 * "always", "defer+madvise"), memory advised MADV_HUGEPAGE faults in 2 MiB
 * pages by synchronous compaction whenever free huge pages are short.  On
 * the 2-core benchmark machine that made STARC-VAL from files at S = 512,
 * 1024, 2048 take a median 0.82-1.00x the CPU time without the advice, but
 * 1.7-3.0x in its slowest runs.  So the advice is given only where it cannot
 * stall a fault: when defrag is "defer" or "never" (read once). */
static pthread_once_t huge_once = PTHREAD_ONCE_INIT;
static int huge_ok;

static void huge_probe(void)
{
    char line[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/defrag", "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    huge_ok = strstr(line, "[defer]") || strstr(line, "[never]");
}

/* Offer the whole 2 MiB pages inside [p, p + bytes) to transparent huge
 * pages, where the policy above allows it (memory not yet touched). */
static void advise_huge(void *p, size_t bytes)
{
#if defined(MADV_HUGEPAGE)
    (void)pthread_once(&huge_once, huge_probe);
    uintptr_t a = (uintptr_t)p, lo = (a + NPY_HUGE_PAGE - 1) & ~(uintptr_t)(NPY_HUGE_PAGE - 1);
    uintptr_t hi = (a + bytes) & ~(uintptr_t)(NPY_HUGE_PAGE - 1);
    if (huge_ok && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only: may fail harmlessly */
#else
    (void)p;
    (void)bytes;
#endif
}

double *starci_npy_dalloc_big(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sizeof(double))
        return NULL;
    size_t bytes = n * sizeof(double);
#if defined(MADV_HUGEPAGE)
    if (bytes >= NPY_HUGE_PAGE) {
        void *p = NULL;
        if (posix_memalign(&p, NPY_HUGE_PAGE, bytes) == 0) {
            advise_huge(p, bytes);
            return p;
        }
    }
#endif
    return malloc(bytes);
}

void starci_npy_reader_close(starci_npy_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->zf)
        zip_fclose(r->zf);
    starc_npy_array_clear(&r->mem);
    free(r->disp);
    free(r);
}

size_t starci_npy_reader_shape(const starci_npy_reader *r, size_t shape[STARC_NPY_MAXDIM])
{
    if (r->fd < 0 && !r->zf) {
        memcpy(shape, r->mem.shape, r->mem.ndim * sizeof shape[0]);
        return r->mem.ndim;
    }
    memcpy(shape, r->L.h.shape, r->L.h.ndim * sizeof shape[0]);
    return r->L.h.ndim;
}

size_t starci_npy_reader_count(const starci_npy_reader *r)
{
    return r->fd < 0 && !r->zf ? starc_npy_array_size(&r->mem) : r->L.n;
}

/* The values are the host's float64 in C order: read as they are, no conversion. */
static int reader_direct(const starci_npy_reader *r)
{
    const npy_layout *L = &r->L;
    const int scatter = L->h.fortran && L->h.ndim > 1 && L->n > 1;
    return !scatter && L->dt.kind == DK_FLOAT && L->dt.size == 8 && L->dt.big == host_is_big_endian();
}

/* Up to want bytes into dst; fewer only at the end of the stream. */
static int reader_pull(starci_npy_reader *r, unsigned char *dst, size_t want, size_t *got, starc_error *err)
{
    *got = 0;
    if (r->zf)
        return read_some(r->zf, dst, want, got, 1, r->z, r->shown, err);
    while (*got < want) {
        ssize_t k = read(r->fd, dst + *got, want - *got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return starci_error(err, STARC_EIO, "%s: read error: %s", r->disp, strerror(errno));
        }
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return STARC_OK;
}

/* The stream ended early: say so as the source's own check would. */
static int reader_short(starci_npy_reader *r, starc_error *err)
{
    if (r->zf)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s' is truncated (%zu of the %zu bytes its zip entry "
                            "declares)", r->z->path, r->shown, r->consumed, r->declared);
    return starci_error(err, STARC_EIO, "%s: the file shrank while it was read", r->disp);
}

/* Read the prefix (magic, version, header) and parse it into r->L. */
static int reader_prefix(starci_npy_reader *r, starc_error *err)
{
    unsigned char *buf = malloc(NPY_PREFIX_READ);
    if (!buf)
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", r->disp);
    /* 12 bytes hold the length field of every version; then exactly the
     * header (at most numpy's cap), so the data start where the stream is. */
    size_t got = 0, more = 0;
    int st = reader_pull(r, buf, 12, &got, err);
    if (!st && got == 12 && memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) == 0) {
        size_t pre = buf[6] == 1 ? 10 : 12;
        size_t hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        if (pre == 12)
            hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        size_t end = hlen > NPY_PREFIX_READ - pre ? NPY_PREFIX_READ : pre + hlen;
        if (end > 12)
            st = reader_pull(r, buf + 12, end - 12, &more, err);
    }
    got += more;
    r->consumed += got;
    if (r->zf) { /* the member's CRC-32 covers the prefix too */
        r->crc = starci_crc32_pick();
        r->crc_have = r->crc(0, buf, got);
    }
    if (!st)
        st = npy_layout_parse(buf, got, r->disp, &r->L, err);
    /* Header shorter than the 12 bytes read: no valid header is (the shortest
     * dictionary takes more), so the parse has already refused it. */
    free(buf);
    return st;
}

int starci_npy_reader_open_file(const char *path, starci_npy_reader **out, starc_error *err)
{
    *out = NULL;
    starci_npy_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->disp = strdup(path))) {
        free(r);
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    r->dfd = -1;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        int e = errno;
        starci_npy_reader_close(r);
        return starci_error(err, STARC_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat sb;
    int st;
    if (fstat(r->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0) {
        /* A pipe or device: its size is unknown, so read it whole first and
         * let the data, not the header, bound the memory. */
        int fd = r->fd;
        r->fd = -1;
        if ((st = npy_read_slurp(fd, path, &r->mem, err))) {
            starci_npy_reader_close(r);
            return st;
        }
        *out = r;
        return STARC_OK;
    }
    if ((st = reader_prefix(r, err))) {
        starci_npy_reader_close(r);
        return st;
    }
    const npy_layout *L = &r->L;
    uintmax_t fsize = (uintmax_t)sb.st_size, start = L->pre + L->hlen;
    uintmax_t avail = fsize > start ? fsize - start : 0;
    if (avail < L->nbytes)
        st = starci_error(err, STARC_EFORMAT, "%s: data truncated: shape %s of dtype '%s' needs %zu bytes, "
                          "the file has %ju", path, L->shp, L->h.descr, L->nbytes, avail);
    else if (avail > L->nbytes)
        st = starci_error(err, STARC_EFORMAT, "%s: %ju unexpected bytes after the array data (shape %s, dtype '%s')",
                          path, avail - L->nbytes, L->shp, L->h.descr);
    if (st) {
        starci_npy_reader_close(r);
        return st;
    }
    if (reader_direct(r)) {
        r->dfd = r->fd;
        r->doff = start;
    }
    *out = r;
    return STARC_OK;
}

/* Room for the display name "ARCHIVE:MEMBER". */
static char *member_disp(const starc_npy_npz *z, const char *shown)
{
    size_t dl = strlen(z->path) + strlen(shown) + 2;
    char *d = malloc(dl);
    if (d)
        snprintf(d, dl, "%s:%s", z->path, shown);
    return d;
}

/* Checks of the zip directory's sizes against the archive, before anything
 * is allocated from them (a lying directory costs no memory). */
static int npz_member_check(starc_npy_npz *z, zip_uint64_t idx, const char *name, size_t *declared,
                            starc_error *err)
{
    zip_stat_t sb;
    zip_stat_init(&sb);
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if (zip_stat_index(z->zip, idx, 0, &sb) != 0 || (sb.valid & need) != need)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s': %s", z->path, name, zip_strerror(z->zip));
    if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s' is encrypted; libstarc reads unencrypted archives "
                            "only", z->path, name);
    unsigned long long usize = sb.size, csize = sb.comp_size, fsize = z->file_size;
    if (sb.comp_size > z->file_size)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s': the zip directory declares %llu compressed bytes "
                            "in a %llu-byte archive", z->path, name, csize, fsize);
    if (sb.comp_method == ZIP_CM_STORE && sb.size != sb.comp_size)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s' is stored uncompressed but the zip directory "
                            "declares %llu bytes of data in %llu", z->path, name, usize, csize);
    if (sb.comp_method == ZIP_CM_DEFLATE &&
        sb.size > sb.comp_size * DEFLATE_MAX_RATIO + DEFLATE_SLACK) /* comp_size <= file size: no overflow */
        return starci_error(err, STARC_EFORMAT, "%s: member '%s': the zip directory declares %llu bytes, more than "
                            "%llu deflated bytes can hold", z->path, name, usize, csize);
    if (sb.size > SIZE_MAX)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s': the zip directory declares %llu bytes, more than "
                            "this machine can address", z->path, name, usize);
    *declared = (size_t)sb.size;
    return STARC_OK;
}

/* Index of member name, or an error listing the members. */
static int npz_find(const starc_npy_npz *z, const char *name, const char *shown, size_t *k, starc_error *err)
{
    size_t i = 0;
    while (i < z->n && strcmp(z->names[i], name) != 0)
        i++;
    if (i < z->n) {
        *k = i;
        return STARC_OK;
    }
    char list[256] = "";
    size_t used = 0;
    for (size_t j = 0; j < z->n && used < sizeof list; j++) {
        char nm[64];
        starci_npy_escape(nm, sizeof nm, z->names[j]);
        int w = snprintf(list + used, sizeof list - used, "%s'%s'", j ? ", " : "", nm);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return starci_error(err, STARC_EFORMAT, "%s: no member '%s' (members: %s)", z->path, shown, z->n ? list : "none");
}

/* ------------------------------------------------------------------ stored members in place
 *
 * libzip reads a member through its own buffer and checks its CRC-32 in a
 * pass of its own.  A stored (uncompressed) member's bytes are the file's, at
 * an offset libzip does not expose: it is found here from the zip directory
 * (end record, zip64 end record when present, the member's directory entry,
 * its local header), each field bounds-checked against the file; any doubt
 * leaves the member to libzip. */

static uint64_t le_get(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* Exactly n bytes at off of fd; 0 on success. */
static int pread_all(int fd, void *dst, size_t n, uint64_t off)
{
    unsigned char *d = dst;
    while (n) {
        if (off > (uint64_t)INT64_MAX)
            return -1;
        ssize_t k = pread(fd, d, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        d += k, n -= (size_t)k, off += (uint64_t)k;
    }
    return 0;
}

#define ZIP_EOCD_MAX (22 + 65535) /* end record plus the longest comment */

/* Where the central directory starts and how long it is; 0 on success. */
static int zip_directory(int fd, uint64_t fsize, uint64_t *cd_off, uint64_t *cd_len)
{
    size_t tail = fsize < ZIP_EOCD_MAX ? (size_t)fsize : ZIP_EOCD_MAX;
    unsigned char *b = malloc(tail ? tail : 1);
    int st = -1;
    if (!b || tail < 22 || pread_all(fd, b, tail, fsize - tail)) {
        free(b);
        return -1;
    }
    for (size_t i = tail - 22 + 1; i-- > 0;) {
        if (le_get(b + i, 4) != 0x06054b50)
            continue;
        *cd_off = le_get(b + i + 16, 4);
        *cd_len = le_get(b + i + 12, 4);
        st = 0;
        if (*cd_off == 0xffffffffu || *cd_len == 0xffffffffu) {
            /* zip64: the locator just before the end record points at the zip64 end record */
            unsigned char z[56];
            uint64_t zoff;
            st = -1;
            if (i >= 20 && le_get(b + i - 20, 4) == 0x07064b50 && (zoff = le_get(b + i - 20 + 8, 8)) <= fsize - 56 &&
                !pread_all(fd, z, sizeof z, zoff) && le_get(z, 4) == 0x06064b50) {
                *cd_len = le_get(z + 40, 8);
                *cd_off = le_get(z + 48, 8);
                st = 0;
            }
        }
        break;
    }
    free(b);
    return st || *cd_off > fsize || *cd_len > fsize - *cd_off ? -1 : 0;
}

/* The offset of the local header of directory entry e (len bytes from e, the
 * entry's fixed part, name and extra field); 0 on success. */
static int zip_entry_local(const unsigned char *e, size_t len, uint64_t *lho)
{
    size_t nlen = (size_t)le_get(e + 28, 2), xlen = (size_t)le_get(e + 30, 2);
    if (46 + nlen + xlen > len)
        return -1;
    *lho = le_get(e + 42, 4);
    if (*lho != 0xffffffffu)
        return 0;
    /* zip64 extra field: the 8-byte values whose 4-byte fields are all ones, in order */
    const unsigned char *x = e + 46 + nlen, *end = x + xlen;
    while (x + 4 <= end) {
        size_t id = (size_t)le_get(x, 2), sz = (size_t)le_get(x + 2, 2);
        if (x + 4 + sz > end)
            return -1;
        if (id == 1) {
            size_t at = 4 + 8 * ((le_get(e + 24, 4) == 0xffffffffu) + (le_get(e + 20, 4) == 0xffffffffu));
            if (at + 8 > 4 + sz)
                return -1;
            *lho = le_get(x + at, 8);
            return 0;
        }
        x += 4 + sz;
    }
    return -1;
}

/* Read z's zip directory once: z->lho[i] is the local header offset of
 * entry i when it is stored (not compressed) and its name is the one libzip
 * reports, UINT64_MAX otherwise; 0 on success. */
static int npz_directory(starc_npy_npz *z)
{
    if (z->dir)
        return z->dir > 0 ? 0 : -1;
    z->dir = -1;
    zip_int64_t ne = zip_get_num_entries(z->zip, 0);
    uint64_t cd_off, cd_len;
    if (ne <= 0 || (uint64_t)ne > SIZE_MAX / sizeof *z->lho || (z->fd = open(z->path, O_RDONLY | O_CLOEXEC)) < 0 ||
        zip_directory(z->fd, z->file_size, &cd_off, &cd_len) || cd_len > SIZE_MAX)
        return -1;
    unsigned char *cd = malloc(cd_len ? (size_t)cd_len : 1);
    z->lho = malloc((size_t)ne * sizeof *z->lho);
    int st = !cd || !z->lho || pread_all(z->fd, cd, (size_t)cd_len, cd_off) ? -1 : 0;
    size_t pos = 0;
    for (zip_int64_t i = 0; !st && i < ne; i++) {
        if (pos + 46 > cd_len || le_get(cd + pos, 4) != 0x02014b50) {
            st = -1;
            break;
        }
        const size_t nlen = (size_t)le_get(cd + pos + 28, 2);
        const size_t len = 46 + nlen + (size_t)le_get(cd + pos + 30, 2) + (size_t)le_get(cd + pos + 32, 2);
        if (len > cd_len - pos) {
            st = -1;
            break;
        }
        const char *nm = zip_get_name(z->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        uint64_t lho;
        z->lho[i] = nm && strlen(nm) == nlen && memcmp(cd + pos + 46, nm, nlen) == 0 && le_get(cd + pos + 10, 2) == 0 &&
                            !zip_entry_local(cd + pos, len, &lho) ? lho : UINT64_MAX;
        pos += len;
    }
    free(cd);
    if (!st)
        z->dir = 1;
    return st;
}

/* A stored member whose values need no conversion: note where they lie in
 * the archive (its local header gives the data's offset), so that
 * starci_npy_reader_read_direct() can read them there. */
static void member_locate(starci_npy_reader *r, starc_npy_npz *z, zip_uint64_t idx)
{
    zip_stat_t sb;
    zip_stat_init(&sb);
    unsigned char lh[30];
    const uint64_t fsize = z->file_size;
    if (!reader_direct(r) || zip_stat_index(z->zip, idx, 0, &sb) != 0 ||
        (sb.valid & (ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC)) != (ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC) ||
        sb.comp_method != ZIP_CM_STORE || npz_directory(z) != 0)
        return;
    const uint64_t lho = z->lho[idx];
    if (lho == UINT64_MAX || fsize < 30 || lho > fsize - 30 || pread_all(z->fd, lh, sizeof lh, lho) ||
        le_get(lh, 4) != 0x04034b50)
        return;
    const uint64_t off = lho + 30 + le_get(lh + 26, 2) + le_get(lh + 28, 2);
    if (off > fsize || r->declared > fsize - off)
        return;
    r->dfd = z->fd;
    r->doff = off + r->consumed;
    r->crc_want = sb.crc;
}

int starci_npy_reader_open_member(starc_npy_npz *z, const char *name, starci_npy_reader **out, starc_error *err)
{
    *out = NULL;
    /* Names come from the archive (or the caller) and may hold control
     * characters: messages show them escaped. */
    char shown[NPZ_SHOWN];
    starci_npy_escape(shown, sizeof shown, name);
    size_t k = 0, declared = 0;
    int st = npz_find(z, name, shown, &k, err);
    if (st || (st = npz_member_check(z, z->index[k], shown, &declared, err)))
        return st;
    starci_npy_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->disp = member_disp(z, shown))) {
        free(r);
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", z->path);
    }
    r->fd = r->dfd = -1;
    r->z = z;
    r->declared = declared;
    memcpy(r->shown, shown, sizeof shown);
    if (!(r->zf = zip_fopen_index(z->zip, z->index[k], 0))) {
        st = starci_error(err, STARC_EFORMAT, "%s: member '%s': %s", z->path, shown, zip_strerror(z->zip));
        starci_npy_reader_close(r);
        return st;
    }
    if (!(st = reader_prefix(r, err))) {
        const npy_layout *L = &r->L;
        if (L->pre + L->hlen + L->nbytes != declared)
            st = starci_error(err, STARC_EFORMAT, "%s: the zip directory declares %zu bytes, the .npy header "
                              "describes %zu (shape %s, dtype '%s')", r->disp, declared,
                              L->pre + L->hlen + L->nbytes, L->shp, L->h.descr);
    }
    if (!st)
        member_locate(r, z, z->index[k]);
    if (st) {
        starci_npy_reader_close(r);
        return st;
    }
    *out = r;
    return STARC_OK;
}

/* Elements converted per chunk when the layout is not the host's float64 C order. */
#define NPY_CHUNK 4096

int starci_npy_reader_read(starci_npy_reader *r, double *dst, starc_error *err)
{
    if (r->fd < 0 && !r->zf) {
        size_t n = starc_npy_array_size(&r->mem);
        if (n)
            memcpy(dst, r->mem.data, n * sizeof(double));
        return STARC_OK;
    }
    const npy_layout *L = &r->L;
    const dtype dt = L->dt;
    const size_t n = L->n;
    int st = STARC_OK;
    size_t got = 0;
    const int scatter = L->h.fortran && L->h.ndim > 1 && n > 1;
    if (reader_direct(r)) {
        if ((st = reader_pull(r, (unsigned char *)dst, L->nbytes, &got, err)))
            return st;
        r->consumed += got;
        if (got < L->nbytes)
            return reader_short(r, err);
    } else {
        /* Fortran order: element f of the stream goes to C index ci, advanced
         * as the Fortran multi-index (first axis fastest) is. */
        size_t idx[STARC_NPY_MAXDIM] = {0}, cstride[STARC_NPY_MAXDIM], s = 1, ci = 0;
        for (size_t k = L->h.ndim; k-- > 0;) {
            cstride[k] = s;
            s *= L->h.shape[k];
        }
        unsigned char *chunk = malloc(NPY_CHUNK * 8);
        if (!chunk)
            return starci_error(err, STARC_ENOMEM, "%s: out of memory", r->disp);
        for (size_t i = 0; i < n && !st;) {
            size_t k = n - i < NPY_CHUNK ? n - i : NPY_CHUNK;
            if ((st = reader_pull(r, chunk, k * dt.size, &got, err)))
                break;
            r->consumed += got;
            if (got < k * dt.size) {
                st = reader_short(r, err);
                break;
            }
            for (size_t j = 0; j < k; j++, i++) {
                double v = decode(chunk + j * dt.size, &dt);
                if (!scatter) {
                    dst[i] = v;
                    continue;
                }
                dst[ci] = v;
                for (size_t a = 0; a < L->h.ndim; a++) {
                    if (++idx[a] < L->h.shape[a]) {
                        ci += cstride[a];
                        break;
                    }
                    idx[a] = 0;
                    ci -= (L->h.shape[a] - 1) * cstride[a];
                }
            }
        }
        free(chunk);
        if (st)
            return st;
    }
    if (r->zf) {
        /* One more read reaches the end of the stream, where libzip checks the CRC. */
        unsigned char extra;
        if (zip_fread(r->zf, &extra, 1) != 0)
            return starci_error(err, STARC_EFORMAT, "%s: member '%s': %s", r->z->path, r->shown,
                                zip_file_strerror(r->zf)[0] ? zip_file_strerror(r->zf)
                                                            : "longer than its recorded size");
    }
    return STARC_OK;
}

/* ------------------------------------------------------------------ direct reads and mappings */

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

/* The mapping of n doubles starting phase bytes into a page. */
static size_t mapped_len(size_t n, size_t phase, size_t pg)
{
    size_t b = phase + n * sizeof(double);
    return (b + pg - 1) / pg * pg;
}

double *starci_npy_dalloc_mapped(size_t n, size_t phase)
{
    const size_t pg = page_size();
    phase = phase % pg & ~(size_t)7;
    if (n == 0)
        n = 1;
    if (n > (SIZE_MAX - 2 * pg) / sizeof(double))
        return NULL;
    void *p = mmap(NULL, mapped_len(n, phase, pg), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        advise_huge(p, mapped_len(n, phase, pg));
    return p == MAP_FAILED ? NULL : (double *)(void *)((unsigned char *)p + phase);
}

void starci_npy_dfree_mapped(double *p, size_t n)
{
    if (!p)
        return;
    const size_t pg = page_size(), phase = (uintptr_t)p % pg;
    (void)munmap((unsigned char *)p - phase, mapped_len(n ? n : 1, phase, pg));
}

size_t starci_npy_reader_phase(const starci_npy_reader *r)
{
    return r->dfd >= 0 && r->doff % sizeof(double) == 0 ? (size_t)(r->doff % page_size()) : 0;
}

/* Fault in the whole pages of [p, p + bytes) in one call before a read
 * fills them (MADV_POPULATE_WRITE, Linux 5.14): one page fault per 4 KiB page
 * costs more than the kernel's batch, and without huge pages (advise_huge())
 * that is every page.  Advice only: where it is unknown the read faults
 * them in as before. */
static void prefault(void *p, size_t bytes)
{
#if defined(MADV_POPULATE_WRITE)
    const size_t pg = page_size();
    uintptr_t a = (uintptr_t)p, lo = (a + pg - 1) / pg * pg, hi = (a + bytes) / pg * pg;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Values not mapped are read up to byte end (of r->L.nbytes) of r->dst, a
 * chunk of STARCI_NPY_READ_CHUNK bytes at a time (each faulted in first), so
 * that the pass the reads serve finds each chunk still in cache.  A failed
 * read stops them; it is kept in r and reported by reader_finish(). */
static void reader_fill(starci_npy_reader *r, size_t end)
{
    while (r->filled < end && !r->rd_failed) {
        const size_t left = r->L.nbytes - r->filled;
        const size_t k = left < STARCI_NPY_READ_CHUNK ? left : STARCI_NPY_READ_CHUNK;
        prefault(r->dst + r->filled, k);
        errno = 0;
        if (pread_all(r->dfd, r->dst + r->filled, k, r->doff + r->filled)) {
            r->rd_failed = 1;
            r->rd_errno = errno;
        } else {
            r->filled += k;
        }
    }
}

/* The values up to byte end are there and, for a member, in the running CRC-32. */
static void reader_advance(starci_npy_reader *r, size_t end)
{
    end = end < r->L.nbytes ? end : r->L.nbytes;
    reader_fill(r, end);
    end = end < r->filled ? end : r->filled;
    if (r->crc_on && end > r->crc_upto)
        r->crc_have = r->crc(r->crc_have, r->dst + r->crc_upto, end - r->crc_upto);
    r->crc_upto = end > r->crc_upto ? end : r->crc_upto;
}

/* Every value read (a chunk at a time, each in the CRC-32 while in cache),
 * then what went wrong, in this order: a read that failed, a CRC-32 that
 * differs from the directory's. */
static int reader_finish(starci_npy_reader *r, starc_error *err)
{
    if (!r->dst) /* no direct read: nothing pending */
        return STARC_OK;
    for (size_t e = r->crc_upto; e < r->L.nbytes && !r->rd_failed;)
        reader_advance(r, e = r->L.nbytes - e < STARCI_NPY_READ_CHUNK ? r->L.nbytes : e + STARCI_NPY_READ_CHUNK);
    if (r->rd_failed)
        return starci_error(err, STARC_EIO, "%s: read error: %s", r->disp,
                            r->rd_errno ? strerror(r->rd_errno) : "the file shrank while it was read");
    if (r->crc_on && r->crc_have != r->crc_want)
        return starci_error(err, STARC_EFORMAT, "%s: member '%s': CRC error", r->z->path, r->shown);
    return STARC_OK;
}

/* bytes at r->doff into dst: the whole pages of dst mapped from the file
 * when map says dst lies in memory from starci_npy_dalloc_mapped() and the
 * phases agree, and the partial pages at its ends read; otherwise nothing
 * is read here (reader_fill() reads as the values are needed). */
static int read_direct(starci_npy_reader *r, unsigned char *dst, size_t bytes, int map, starc_error *err)
{
    const size_t pg = page_size();
    size_t head = bytes, mid = 0;
    if (map && (uintptr_t)dst % pg == r->doff % pg) {
        head = (pg - (uintptr_t)dst % pg) % pg;
        head = head < bytes ? head : bytes;
        mid = (bytes - head) / pg * pg;
    }
    if (!mid)
        return STARC_OK;
    if (r->doff + head > (uint64_t)INT64_MAX ||
        mmap(dst + head, mid, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, r->dfd, (off_t)(r->doff + head)) ==
            MAP_FAILED) {
        /* Not mappable after all (a file system without mmap): put fresh
         * memory back over the range, whatever the failed call left, and read. */
        if (mmap(dst + head, mid, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
            return starci_error(err, STARC_ENOMEM, "%s: out of memory", r->disp);
        return STARC_OK;
    }
#if defined(MADV_POPULATE_READ)
    /* Map the file's cached pages in one call (Linux 5.14) instead of a
     * fault per 64 KiB on first touch: measured (docs/benchmarks.md, "Start-up,
     * and what the benchmark times"), CPU 0.96-1.00 of the faulting run for
     * VAL and EPIC at S = 512-2048.  Advice only: read faults as before. */
    (void)madvise(dst + head, mid, MADV_POPULATE_READ);
#endif
    size_t tail = bytes - head - mid;
    errno = 0;
    if (pread_all(r->dfd, dst, head, r->doff) || pread_all(r->dfd, dst + head + mid, tail, r->doff + head + mid))
        return starci_error(err, STARC_EIO, "%s: read error: %s", r->disp,
                            errno ? strerror(errno) : "the file shrank while it was read");
    r->filled = bytes;
    return STARC_OK;
}

int starci_npy_reader_read_direct(starci_npy_reader *r, double *dst, int mapped, int defer, starc_error *err)
{
    if (r->dfd < 0 || !reader_direct(r))
        return starci_npy_reader_read(r, dst, err);
    r->dst = (unsigned char *)dst;
    r->filled = r->crc_upto = 0;
    r->rd_failed = r->rd_errno = 0;
    int st = read_direct(r, r->dst, r->L.nbytes, mapped, err);
    r->crc_on = !st && r->zf;
    if (!st && !defer) {
        st = reader_finish(r, err);
        r->crc_on = 0; /* checked: nothing pending */
    }
    return st;
}

void starci_npy_reader_crc_scan(starci_npy_reader *r, const void *p, size_t bytes)
{
    const uintptr_t b = (uintptr_t)p, d = (uintptr_t)r->dst;
    if (r->dst && b >= d && b - d <= r->L.nbytes)
        reader_advance(r, (size_t)(b - d) + bytes);
}

int starci_npy_reader_crc_check(starci_npy_reader *r, starc_error *err)
{
    return reader_finish(r, err);
}

/* Read everything a reader holds into out (a new buffer, huge pages when large). */
static int reader_to_array(starci_npy_reader *r, starc_npy_array *out, starc_error *err)
{
    size_t shape[STARC_NPY_MAXDIM];
    size_t ndim = starci_npy_reader_shape(r, shape), n = starci_npy_reader_count(r);
    double *data = starci_npy_dalloc_big(n);
    if (!data)
        return starci_error(err, STARC_ENOMEM, "%s: out of memory for %zu elements", r->disp, n);
    int st = starci_npy_reader_read(r, data, err);
    if (st) {
        free(data);
        return st;
    }
    starc_npy_array_clear(out);
    out->ndim = ndim;
    memcpy(out->shape, shape, ndim * sizeof shape[0]);
    out->data = data;
    if (r->fd < 0 && !r->zf) {
        memcpy(out->dtype, r->mem.dtype, sizeof out->dtype);
        out->fortran_order = r->mem.fortran_order;
    } else {
        snprintf(out->dtype, sizeof out->dtype, "%s", r->L.h.descr);
        out->fortran_order = r->L.h.fortran;
    }
    return STARC_OK;
}

int starc_npy_npz_read(starc_npy_npz *z, const char *name, starc_npy_array *out, starc_error *err)
{
    if (!z || !name || !out)
        return starci_error(err, STARC_EINVAL, "starc_npy_npz_read: NULL argument");
    starci_npy_reader *r = NULL;
    int st = starci_npy_reader_open_member(z, name, &r, err);
    if (!st)
        st = reader_to_array(r, out, err);
    starci_npy_reader_close(r);
    return st;
}

int starc_npy_read(const char *path, starc_npy_array *out, starc_error *err)
{
    if (!path || !out)
        return starci_error(err, STARC_EINVAL, "starc_npy_read: NULL argument");
    starci_npy_reader *r = NULL;
    int st = starci_npy_reader_open_file(path, &r, err);
    if (!st)
        st = reader_to_array(r, out, err);
    starci_npy_reader_close(r);
    return st;
}

/* The local time that the zip (DOS) clock shows as 1980-01-01 00:00:00, the
 * timestamp np.savez gives every member: libzip converts with localtime(). */
static time_t dos_epoch(void)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 80;
    tm.tm_mday = 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? (time_t)315532800 : t;
}

/* A member's .npy image (prefix and little-endian data, count entries), malloc'ed; NULL when out of
 * memory.  dtype "<i8": the doubles (integers below 2^53) are stored as int64 (CSR indices). */
static unsigned char *member_image(const starc_npy_array *a, size_t count, size_t *ilen)
{
    unsigned char prefix[NPY_PREFIX_MAX + 128];
    const int int64 = strcmp(a->dtype, "<i8") == 0;
    size_t plen = npy_prefix(a->ndim, a->shape, prefix, int64);
    *ilen = plen + count * sizeof(double);
    unsigned char *img = malloc(*ilen);
    if (!img)
        return NULL;
    memcpy(img, prefix, plen);
    if (int64)
        for (size_t j = 0; j < count; j++) {
            uint64_t u = (uint64_t)(int64_t)a->data[j];
            for (size_t b = 0; b < 8; b++)
                img[plen + 8 * j + b] = (unsigned char)(u >> (8 * b));
        }
    else
        put_le_doubles(img + plen, a->data, count);
    return img;
}

int starc_npy_npz_write(const char *path, size_t n, const char *const *names, const starc_npy_array *arrays,
                    int compress, starc_error *err)
{
    if (!path || (n > 0 && (!names || !arrays)))
        return starci_error(err, STARC_EINVAL, "starc_npy_npz_write: NULL argument");
    if (compress != 0 && compress != 1)
        return starci_error(err, STARC_EINVAL, "%s: compress must be 0 or 1", path);
    for (size_t i = 0; i < n; i++) {
        size_t count;
        if (!names[i] || !names[i][0])
            return starci_error(err, STARC_EINVAL, "%s: member %zu has an empty name", path, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return starci_error(err, STARC_EINVAL, "%s: duplicate member name '%s'", path, names[i]);
        int st = check_shape(path, arrays[i].ndim, arrays[i].shape, arrays[i].data, &count, err);
        if (st)
            return st;
    }
    char *tmp = NULL;
    int fd = -1, st;
    if ((st = tmp_create(path, &tmp, &fd, err)))
        return st;
    if (n == 0) {
        /* libzip deletes an archive left without entries; write the 22-byte
         * end-of-central-directory record of an empty zip, as np.savez() does. */
        static const unsigned char eocd[22] = {'P', 'K', 5, 6};
        int bad = write_all(fd, eocd, sizeof eocd);
        int e = errno;
        bad |= close(fd) != 0;
        if (bad) {
            unlink(tmp);
            free(tmp);
            return starci_error(err, STARC_EIO, "%s: write failed: %s", path, strerror(e));
        }
        return tmp_commit(path, tmp, err);
    }
    close(fd);
    int ze = 0;
    zip_t *zip = zip_open(tmp, ZIP_TRUNCATE, &ze);
    if (!zip) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        st = starci_error(err, STARC_EIO, "%s: cannot create archive: %s", path, zip_error_strerror(&e));
        zip_error_fini(&e);
        unlink(tmp);
        free(tmp);
        return st;
    }
    time_t mtime = dos_epoch();
    for (size_t i = 0; i < n && !st; i++) {
        const starc_npy_array *a = &arrays[i];
        size_t count;
        check_shape(path, a->ndim, a->shape, a->data, &count, NULL);
        size_t ilen;
        unsigned char *img = member_image(a, count, &ilen);
        size_t ml = strlen(names[i]) + 5;
        char *member = malloc(ml);
        if (!img || !member) {
            free(img);
            free(member);
            st = starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
            break;
        }
        snprintf(member, ml, "%s.npy", names[i]);
        zip_source_t *src = zip_source_buffer(zip, img, ilen, 1);
        if (!src) {
            free(img);
            free(member);
            st = starci_error(err, STARC_ENOMEM, "%s: %s", path, zip_strerror(zip));
            break;
        }
        zip_int64_t idx = zip_file_add(zip, member, src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            st = starci_error(err, STARC_EIO, "%s: cannot add member '%s': %s", path, member, zip_strerror(zip));
        } else if (zip_set_file_compression(zip, (zip_uint64_t)idx, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) ||
                   zip_file_set_mtime(zip, (zip_uint64_t)idx, mtime, 0)) {
            st = starci_error(err, STARC_EIO, "%s: member '%s': %s", path, member, zip_strerror(zip));
        }
        free(member);
    }
    if (!st && zip_close(zip) != 0)
        st = starci_error(err, STARC_EIO, "%s: write failed: %s", path, zip_strerror(zip));
    else if (!st)
        zip = NULL;
    if (st) {
        zip_discard(zip);
        unlink(tmp);
        free(tmp);
        return st;
    }
    return tmp_commit(path, tmp, err);
}
