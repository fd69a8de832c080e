/* nftw() is an X/Open extension. */
#define _XOPEN_SOURCE 700
#include <config.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

#include "nbio.h"

int nb_fail(starc_error *err, int status, const char *fmt, ...)
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

/* ---- strings ---------------------------------------------------------- */

void nb_buf_init(nb_buf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void nb_buf_free(nb_buf *b)
{
    free(b->s);
    nb_buf_init(b);
}

void nb_buf_reset(nb_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

int nb_buf_ok(const nb_buf *b)
{
    return !b->oom;
}

static int buf_reserve(nb_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void nb_buf_addn(nb_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void nb_buf_add(nb_buf *b, const char *s)
{
    nb_buf_addn(b, s, strlen(s));
}

void nb_buf_printf(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void nb_buf_md(nb_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c = (char)*p;
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (strchr("\\`*_[]<>|$~#&", c) && c != '\0')
            nb_buf_addn(b, "\\", 1);
        nb_buf_addn(b, &c, 1);
    }
}

/* Decode one UTF-8 sequence at p; returns its length (0 if invalid). */
static size_t utf8_decode(const unsigned char *p, unsigned long *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t n;
    unsigned long c, min;
    if ((p[0] & 0xE0) == 0xC0) { n = 2; c = p[0] & 0x1F; min = 0x80; }
    else if ((p[0] & 0xF0) == 0xE0) { n = 3; c = p[0] & 0x0F; min = 0x800; }
    else if ((p[0] & 0xF8) == 0xF0) { n = 4; c = p[0] & 0x07; min = 0x10000; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

void nb_buf_py(nb_buf *b, const char *s)
{
    nb_buf_add(b, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned long cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) { /* not UTF-8: keep the byte's value as a code point */
            cp = *p;
            n = 1;
        }
        if (cp == '\\' || cp == '"')
            nb_buf_printf(b, "\\%c", (char)cp);
        else if (cp >= 0x20 && cp < 0x7F)
            nb_buf_printf(b, "%c", (char)cp);
        else if (cp < 0x100)
            nb_buf_printf(b, "\\x%02lx", cp);
        else if (cp < 0x10000)
            nb_buf_printf(b, "\\u%04lx", cp);
        else
            nb_buf_printf(b, "\\U%08lx", cp);
        p += n;
    }
    nb_buf_add(b, "\"");
}

void nb_buf_num(nb_buf *b, double x)
{
    if (isnan(x))
        nb_buf_add(b, "nan");
    else if (isinf(x))
        nb_buf_add(b, x > 0 ? "inf" : "-inf");
    else {
        char t[64];
        snprintf(t, sizeof t, "%.4g", x);
        nb_buf_add(b, strcmp(t, "-0") == 0 ? "0" : t);
    }
}

/* ---- hashes and encodings ---------------------------------------------- */

static void hex_digest(struct sha256_ctx *ctx, char hex[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(ctx, SHA256_DIGEST_SIZE, d);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

void nb_sha256_hex(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    hex_digest(&ctx, hex);
}

char *nb_base64(const void *data, size_t len)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 2)
        return NULL;
    char *out = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
    if (!out)
        return NULL;
    base64_encode_raw(out, len, data);
    out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
    return out;
}

/* ---- files ------------------------------------------------------------- */

int nb_slurp(const char *path, size_t max, char **data, size_t *len, starc_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nb_fail(err, STARC_EIO, "%s: cannot open: %s", path, strerror(errno));
    nb_buf b;
    nb_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            fclose(f);
            nb_buf_free(&b);
            return nb_fail(err, STARC_EFORMAT, "%s: larger than %zu bytes", path, max);
        }
        nb_buf_addn(&b, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        nb_buf_free(&b);
        return nb_fail(err, STARC_EIO, "%s: read error", path);
    }
    if (!nb_buf_ok(&b)) {
        nb_buf_free(&b);
        return nb_fail(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    if (!b.s) {
        b.s = calloc(1, 1);
        if (!b.s)
            return nb_fail(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    *data = b.s;
    *len = b.len;
    return STARC_OK;
}

int nb_write(const char *path, const void *data, size_t len, starc_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return nb_fail(err, STARC_EIO, "%s: cannot create: %s", path, strerror(errno));
    int bad = len && fwrite(data, 1, len, f) != len;
    bad |= fclose(f) != 0;
    return bad ? nb_fail(err, STARC_EIO, "%s: write failed", path) : STARC_OK;
}

void nb_copy_info_clear(nb_copy_info *info)
{
    free(info->first[0]);
    free(info->first[1]);
    memset(info, 0, sizeof *info);
}

/* Feed bytes to the line scanner: count non-comment lines, keep the first two. */
typedef struct line_scan {
    nb_buf cur;      /* the line being read (only while it may be kept) */
    size_t col;      /* bytes seen on this line */
    int comment;     /* this line starts with '#' */
    int blank;       /* only whitespace so far */
} line_scan;

static void scan_end_line(line_scan *ls, nb_copy_info *info)
{
    if (ls->col > 0 && !ls->comment && !ls->blank) {
        if (info->lines < 2) {
            size_t n = ls->cur.len;
            if (n && ls->cur.s[n - 1] == '\r')
                n--;
            char *s = malloc(n + 1);
            if (s) {
                memcpy(s, ls->cur.s ? ls->cur.s : "", n);
                s[n] = '\0';
            }
            info->first[info->lines] = s;
        }
        info->lines++;
    }
    nb_buf_reset(&ls->cur);
    ls->col = 0;
    ls->comment = 0;
    ls->blank = 1;
}

static void scan_bytes(line_scan *ls, nb_copy_info *info, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n') {
            scan_end_line(ls, info);
            continue;
        }
        if (ls->col == 0 && c == '#')
            ls->comment = 1;
        if (!isspace((unsigned char)c))
            ls->blank = 0;
        ls->col++;
        if (info->lines < 2 && !ls->comment)
            nb_buf_addn(&ls->cur, &c, 1);
    }
}

int nb_copy(const char *src, const char *dst, nb_copy_info *info, starc_error *err)
{
    memset(info, 0, sizeof *info);
    FILE *in = fopen(src, "rb");
    if (!in)
        return nb_fail(err, STARC_EIO, "%s: cannot open: %s", src, strerror(errno));
    FILE *out = fopen(dst, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return nb_fail(err, STARC_EIO, "%s: cannot create: %s", dst, strerror(e));
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    line_scan ls;
    nb_buf_init(&ls.cur);
    ls.col = 0;
    ls.comment = 0;
    ls.blank = 1;
    char chunk[65536];
    size_t n;
    int st = STARC_OK;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        sha256_update(&ctx, n, (const uint8_t *)chunk);
        scan_bytes(&ls, info, chunk, n);
        info->bytes += n;
        if (fwrite(chunk, 1, n, out) != n) {
            st = nb_fail(err, STARC_EIO, "%s: write failed", dst);
            break;
        }
    }
    scan_end_line(&ls, info);
    nb_buf_free(&ls.cur);
    if (!st && ferror(in))
        st = nb_fail(err, STARC_EIO, "%s: read error", src);
    fclose(in);
    if (fclose(out) != 0 && !st)
        st = nb_fail(err, STARC_EIO, "%s: write failed", dst);
    if (!st && ((info->lines > 0 && !info->first[0]) || (info->lines > 1 && !info->first[1])))
        st = nb_fail(err, STARC_ENOMEM, "%s: out of memory", src);
    if (st) {
        nb_copy_info_clear(info);
        return st;
    }
    hex_digest(&ctx, info->sha256);
    return STARC_OK;
}

int nb_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int nb_is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void nb_free_list(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int nb_list_dir(const char *dir, char ***names, size_t *n, starc_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return nb_fail(err, STARC_EIO, "%s: cannot read directory: %s", dir, strerror(errno));
    size_t cap = 0, k = 0;
    char **v = NULL;
    struct dirent *e;
    int st = STARC_OK;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            char **w = realloc(v, cap * sizeof *w);
            if (!w) {
                st = STARC_ENOMEM;
                break;
            }
            v = w;
        }
        if (!(v[k] = strdup(e->d_name))) {
            st = STARC_ENOMEM;
            break;
        }
        k++;
    }
    closedir(d);
    if (st) {
        nb_free_list(v, k);
        return nb_fail(err, st, "%s: out of memory", dir);
    }
    if (k)
        qsort(v, k, sizeof *v, cmp_str);
    *names = v;
    *n = k;
    return STARC_OK;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int r = flag == FTW_DP ? rmdir(path) : unlink(path);
    return r == 0 || errno == ENOENT ? 0 : -1;
}

int nb_rmtree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *nb_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *nb_basename(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t i = n;
    while (i > 0 && path[i - 1] != '/')
        i--;
    if (i == n) /* "/" */
        return strdup(n ? "/" : ".");
    return strndup(path + i, n - i);
}

char *nb_dirname(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    if (n == 0)
        return strdup(".");
    while (n > 1 && path[n - 1] == '/')
        n--;
    return strndup(path, n);
}

int nb_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- TSV ---------------------------------------------------------------- */

void nb_table_free(nb_table *t)
{
    if (!t)
        return;
    free(t->head);
    if (t->rows)
        for (size_t i = 0; i < t->nrow; i++)
            free(t->rows[i]);
    free(t->rows);
    free(t->nf);
    free(t->store);
    memset(t, 0, sizeof *t);
}

/* Split one line (NUL-terminated, writable) on tabs into a malloc'd array. */
static char **split_tabs(char *line, size_t *nf)
{
    size_t k = 1;
    for (char *p = line; *p; p++)
        k += *p == '\t';
    char **f = malloc(k * sizeof *f);
    if (!f)
        return NULL;
    size_t i = 0;
    f[i++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            f[i++] = p + 1;
        }
    *nf = k;
    return f;
}

int nb_table_parse(const char *text, size_t len, const char *name, nb_table *t, starc_error *err)
{
    memset(t, 0, sizeof *t);
    if (memchr(text, '\0', len))
        return nb_fail(err, STARC_EFORMAT, "%s: not a text file (NUL byte)", name);
    t->store = malloc(len + 1);
    if (!t->store)
        return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
    memcpy(t->store, text, len);
    t->store[len] = '\0';
    size_t cap = 0;
    int have_head = 0;
    char *p = t->store;
    while (*p) {
        char *e = strchr(p, '\n');
        char *next = e ? e + 1 : p + strlen(p);
        if (e)
            *e = '\0';
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        int blank = 1;
        for (char *q = p; *q; q++)
            if (!isspace((unsigned char)*q))
                blank = 0;
        if (!blank && p[0] != '#') {
            size_t nf;
            char **f = split_tabs(p, &nf);
            if (!f) {
                nb_table_free(t);
                return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
            }
            if (!have_head) {
                t->head = f;
                t->ncol = nf;
                have_head = 1;
            } else {
                if (t->nrow == cap) {
                    cap = cap ? 2 * cap : 64;
                    char ***r = realloc(t->rows, cap * sizeof *r);
                    size_t *c = r ? realloc(t->nf, cap * sizeof *c) : NULL;
                    if (r)
                        t->rows = r;
                    if (c)
                        t->nf = c;
                    if (!r || !c) {
                        free(f);
                        nb_table_free(t);
                        return nb_fail(err, STARC_ENOMEM, "%s: out of memory", name);
                    }
                }
                t->rows[t->nrow] = f;
                t->nf[t->nrow] = nf;
                t->nrow++;
            }
        }
        p = next;
    }
    if (!have_head) {
        nb_table_free(t);
        return nb_fail(err, STARC_EFORMAT, "%s: no header line", name);
    }
    return STARC_OK;
}

long nb_table_col(const nb_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncol; j++)
        if (strcmp(t->head[j], name) == 0)
            return (long)j;
    return -1;
}

int nb_parse_number(const char *s, double *x)
{
    char *end;
    while (*s == ' ')
        s++;
    if (!*s)
        return 0;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    while (*end == ' ')
        end++;
    if (*end)
        return 0;
    *x = v;
    return 1;
}

int nb_table_col_numeric(const nb_table *t, size_t j)
{
    double x;
    for (size_t i = 0; i < t->nrow; i++)
        if (j < t->nf[i] && !nb_parse_number(t->rows[i][j], &x))
            return 0;
    return 1;
}
