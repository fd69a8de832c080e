/* nbformat 4.5 JSON: cells, outputs, ids and the notebook (cells.h). */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <starc/results.h>
#include <starc/starc.h>

#include "cells.h"
#include "files.h"
#include "text.h"

json_t *nb_json_str(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    nb_buf b;
    nb_buf_init(&b);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = 0;
        if (*p < 0x80) n = 1;
        else if ((*p & 0xE0) == 0xC0) n = 2;
        else if ((*p & 0xF0) == 0xE0) n = 3;
        else if ((*p & 0xF8) == 0xF0) n = 4;
        int ok = n > 0;
        for (size_t i = 1; ok && i < n; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok) { /* jansson decides what is valid (overlongs, surrogates) */
            json_t *t = json_stringn((const char *)p, n);
            ok = t != NULL;
            json_decref(t);
        }
        if (ok) {
            nb_buf_addn(&b, (const char *)p, n);
            p += n;
        } else {
            nb_buf_add(&b, "\xEF\xBF\xBD");
            p++;
        }
    }
    j = nb_buf_ok(&b) ? json_string(nb_buf_str(&b)) : NULL;
    nb_buf_free(&b);
    return j;
}

json_t *nb_json_lines(const char *text)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        char *line = strndup(p, n);
        json_t *s = line ? nb_json_str(line) : NULL;
        free(line);
        if (!s || json_array_append_new(a, s)) {
            json_decref(a);
            return NULL;
        }
        p += n;
    }
    return a;
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

/* Set key to value (stolen) in obj; 0, or -1 when value is NULL or out of memory. */
static int set(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

json_t *nb_cell_new(nb_cell_type type, const char *source, json_t *outputs)
{
    json_t *c = json_object();
    int bad = !c || set(c, "cell_type", json_string(type == NB_CELL_CODE ? "code" : "markdown")) ||
              set(c, "metadata", json_object()) || set(c, "source", nb_json_lines(source));
    if (type == NB_CELL_CODE) {
        json_t *o = outputs ? outputs : json_array();
        outputs = NULL;
        bad = bad || set(c, "execution_count", json_null());
        if (bad)
            json_decref(o);
        else
            bad = set(c, "outputs", o);
    }
    json_decref(outputs);
    if (bad) {
        json_decref(c);
        return NULL;
    }
    return c;
}

json_t *nb_display_data(const void *png, size_t png_len, const char *svg, const char *plain)
{
    json_t *data = json_object(), *o = json_object();
    int bad = !data || !o;
    if (!bad && png) {
        char *b64 = nb_base64(png, png_len);
        bad = !b64 || set(data, "image/png", json_string(b64));
        free(b64);
    }
    if (!bad && svg)
        bad = set(data, "image/svg+xml", nb_json_lines(svg));
    bad = bad || set(data, "text/plain", nb_json_lines(plain)) ||
          set(o, "output_type", json_string("display_data")) || set(o, "metadata", json_object());
    if (!bad) {
        bad = set(o, "data", data);
        data = NULL;
    }
    json_decref(data);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int nb_cells_assign_ids(json_t *cells)
{
    for (size_t i = 0; i < json_array_size(cells); i++) {
        json_t *c = json_array_get(cells, i), *src = json_object_get(c, "source");
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_add(&b, json_string_value(json_object_get(c, "cell_type")));
        nb_buf_add(&b, "\n");
        for (size_t k = 0; k < json_array_size(src); k++)
            nb_buf_add(&b, json_string_value(json_array_get(src, k)));
        if (!nb_buf_ok(&b)) {
            nb_buf_free(&b);
            return -1;
        }
        char hex[65], id[64];
        nb_sha256_hex(b.s, b.len, hex);
        nb_buf_free(&b);
        snprintf(id, sizeof id, "c%02zu-%.12s", i, hex);
        if (set(c, "id", json_string(id)))
            return -1;
    }
    return 0;
}

/* Set key to value (stolen, also when set is not tried: *bad already) in obj. */
static void set_or_drop(json_t *obj, const char *key, json_t *value, int *bad)
{
    if (*bad || !obj)
        json_decref(value);
    else
        *bad = set(obj, key, value);
}

json_t *nb_notebook_new(json_t *cells, json_t *starc)
{
    json_t *nb = json_object(), *meta = json_object(), *ks = json_object(), *li = json_object();
    int bad = !nb || !meta || !ks || !li;
    set_or_drop(ks, "display_name", json_string("Python 3 (ipykernel)"), &bad);
    set_or_drop(ks, "language", json_string("python"), &bad);
    set_or_drop(ks, "name", json_string("python3"), &bad);
    set_or_drop(li, "name", json_string("python"), &bad);
    set_or_drop(meta, "kernelspec", ks, &bad);
    set_or_drop(meta, "language_info", li, &bad);
    set_or_drop(meta, STARC_RESULTS_NOTEBOOK_KEY_METADATA, starc, &bad);
    set_or_drop(nb, "cells", cells, &bad);
    set_or_drop(nb, "metadata", meta, &bad);
    set_or_drop(nb, "nbformat", json_integer(4), &bad);
    set_or_drop(nb, "nbformat_minor", json_integer(5), &bad);
    if (bad) {
        json_decref(nb);
        return NULL;
    }
    return nb;
}

char *nb_notebook_dumps(const json_t *nb, size_t *len)
{
    char *text = json_dumps(nb, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *t = realloc(text, n + 2);
    if (!t) {
        free(text);
        return NULL;
    }
    t[n++] = '\n';
    t[n] = '\0';
    *len = n;
    return t;
}
