/* Files of the notebook exporter (files.h): names, SHA-256, whole-file reads
 * and writes, copying with SHA-256, directory listings and removal.
 * nftw() is an X/Open extension. */
#define _XOPEN_SOURCE 700
#include <config.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "files.h"

/* ---- SHA-256 -------------------------------------------------------------- */

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

char *nb_strip_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? strndup(name, (size_t)(dot - name)) : strdup(name);
}

const char *nb_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? dot : "";
}

char *nb_safe_name(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 2);
    if (!o)
        return NULL;
    size_t k = 0;
    if (s[0] == '.' || s[0] == '-' || n == 0)
        o[k++] = '_';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        o[k++] = ok ? c : '_';
    }
    o[k] = '\0';
    return o;
}
