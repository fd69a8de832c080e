/* Error messages, growable strings and quoting for markdown and Python (text.h). */
#include <config.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

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

int nb_reported(starc_error *err, int status)
{
    if (err) {
        err->status = status;
        err->message[0] = '\0';
    }
    return status;
}

/* ---- growable strings ---------------------------------------------------- */

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

const char *nb_buf_str(const nb_buf *b)
{
    return b->s ? b->s : "";
}

void nb_buf_chomp(nb_buf *b)
{
    if (b->len && b->s[b->len - 1] == '\n')
        b->s[--b->len] = '\0';
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

/* ---- markdown ------------------------------------------------------------- */

void nb_buf_md(nb_buf *b, nb_md_context ctx, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c = (char)*p;
        if (c == '\n' || c == '\r' || (c == '\t' && ctx == NB_MD_TEXT))
            c = ' ';
        if (ctx == NB_MD_TEXT && (c == '<' || c == '>' || c == '&')) {
            /* entities, not backslashes: renderers that do not take \< as an
             * escape (mistune 0.8, nbconvert 6's) would pass on raw HTML */
            nb_buf_add(b, c == '<' ? "&lt;" : c == '>' ? "&gt;" : "&amp;");
            continue;
        }
        if (ctx == NB_MD_TEXT && strchr("\\`*_[]|$~#", c))
            nb_buf_addn(b, "\\", 1);
        if (ctx == NB_MD_CODE_SPAN && c == '`')
            c = '\'';
        nb_buf_addn(b, &c, 1);
    }
}

/* ---- Python ----------------------------------------------------------------- */

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

static void py_string(nb_buf *b, const char *s)
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

void nb_buf_py(nb_buf *b, nb_py_context ctx, const char *s)
{
    if (ctx == NB_PY_STRING) {
        py_string(b, s);
        return;
    }
    for (const char *p = s; *p; p++) {
        char c = *p == '\n' || *p == '\r' ? ' ' : *p;
        nb_buf_addn(b, &c, 1);
    }
}

/* ---- numbers ------------------------------------------------------------------ */

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
