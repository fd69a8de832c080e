/* Unit tests of the notebook exporter's pieces that stand alone
 * (notebooks-export/): the quoting of data into markdown and Python (text.h),
 * nbformat JSON (cells.h), SHA-256 and safe names (files.h), the TSV reader
 * (tsv.h), what a result is (discovery.h) and SVG fragments (figures.h).
 *
 * References are independent of the code under test: quoted strings are
 * decoded back by a small decoder of the target syntax and compared with
 * the input they were generated from (code points chosen first, then
 * encoded); JSON goes through jansson and back; hashes and base64 against
 * the published test vectors; matrices are written with %.17g and must be
 * read back exactly.  The end-to-end export on real producer output is
 * tests/cli-notebook.sh. */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include <starc/results.h>

#include "../notebooks-export/cells.h"
#include "../notebooks-export/discovery.h"
#include "../notebooks-export/figures.h"
#include "../notebooks-export/files.h"
#include "../notebooks-export/text.h"
#include "../notebooks-export/tsv.h"
#include "../tools/output.h"

/* ---- random text with known content ------------------------------------------- */

/* A piece of generated text: a code point (>= 0) encoded as UTF-8, or an
 * invalid byte sequence whose bytes are listed (each one stands for itself). */
typedef struct piece {
    long cp;                 /* -1 for invalid bytes */
    unsigned char bad[4];
    size_t nbad;
} piece;

static size_t utf8_encode(unsigned long c, unsigned char *o)
{
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { o[0] = (unsigned char)(0xC0 | (c >> 6)); o[1] = (unsigned char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Invalid UTF-8 whose every byte is rejected on its own: a lone continuation
 * byte, an overlong 2-byte form, an encoded surrogate, bytes never used, a
 * lead byte cut short (followed by ASCII, which the generator guarantees). */
static const unsigned char BAD[][4] = {{0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xED, 0xA0, 0x80},
                                       {0xF5}, {0xFF}, {0xE2, 0x82}, {0xF0, 0x9F}};
static const size_t NBAD[] = {1, 1, 2, 2, 3, 1, 1, 2, 2};

/* n pieces: ASCII (half of them, with the characters quoting cares about
 * over-represented), other code points of 2, 3 and 4 bytes, invalid bytes
 * (only with allow_bad).  Every invalid sequence is followed by ASCII. */
static size_t random_text(gsl_rng *r, size_t n, int allow_bad, piece *p, char *out)
{
    static const char special[] = "\\\"'`*_[]<>|$~#&\n\r\t \x01\x7f";
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long u = gsl_rng_uniform_int(r, 100);
        int prev_bad = i > 0 && p[i - 1].cp < 0;
        if (u < 30 || prev_bad || (u >= 90 && !allow_bad)) {
            p[i].cp = u < 15 ? special[gsl_rng_uniform_int(r, sizeof special - 1)]
                             : (long)(0x20 + gsl_rng_uniform_int(r, 0x5F));
        } else if (u < 60) {
            p[i].cp = (long)(0x20 + gsl_rng_uniform_int(r, 0x5F));
        } else if (u < 70) {
            p[i].cp = (long)(0x80 + gsl_rng_uniform_int(r, 0x800 - 0x80));
        } else if (u < 80) {
            unsigned long c;
            do
                c = 0x800 + gsl_rng_uniform_int(r, 0x10000 - 0x800);
            while (c >= 0xD800 && c <= 0xDFFF);
            p[i].cp = (long)c;
        } else if (u < 90) {
            p[i].cp = (long)(0x10000 + gsl_rng_uniform_int(r, 0x110000 - 0x10000));
        } else {
            size_t k = gsl_rng_uniform_int(r, sizeof NBAD / sizeof NBAD[0]);
            p[i].cp = -1;
            p[i].nbad = NBAD[k];
            memcpy(p[i].bad, BAD[k], NBAD[k]);
        }
        if (p[i].cp >= 0) {
            len += utf8_encode((unsigned long)p[i].cp, (unsigned char *)out + len);
        } else {
            memcpy(out + len, p[i].bad, p[i].nbad);
            len += p[i].nbad;
        }
    }
    if (n > 0 && p[n - 1].cp < 0) { /* end on ASCII */
        p[n - 1].cp = 'x';
        p[n - 1].nbad = 0;
        len = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i].cp >= 0)
                len += utf8_encode((unsigned long)p[i].cp, (unsigned char *)out + len);
            else {
                memcpy(out + len, p[i].bad, p[i].nbad);
                len += p[i].nbad;
            }
    }
    out[len] = '\0';
    return len;
}

/* The code points the pieces stand for: invalid bytes as themselves. */
static size_t expected_code_points(const piece *p, size_t n, unsigned long *cp)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].cp >= 0)
            cp[k++] = (unsigned long)p[i].cp;
        else
            for (size_t j = 0; j < p[i].nbad; j++)
                cp[k++] = p[i].bad[j];
    return k;
}

#define NPIECES 40
#define TEXT_MAX (4 * NPIECES + 1)

/* ---- Python -------------------------------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode a double-quoted Python string literal that uses only the escapes
 * \\ \" \xNN \uNNNN \UNNNNNNNN and printable ASCII; -1 if it is anything else. */
static long py_decode(const char *s, unsigned long *cp)
{
    size_t n = strlen(s), k = 0;
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return -1;
    for (size_t i = 1; i < n - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7E || c == '"')
            return -1;
        if (c != '\\') {
            cp[k++] = c;
            continue;
        }
        char e = s[++i];
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (e == '\\' || e == '"') {
            cp[k++] = (unsigned char)e;
        } else if (digits && i + digits < n - 1) {
            unsigned long v = 0;
            for (size_t d = 1; d <= digits; d++) {
                int h = hexval(s[i + d]);
                if (h < 0)
                    return -1;
                v = v * 16 + (unsigned long)h;
            }
            cp[k++] = v;
            i += digits;
        } else {
            return -1;
        }
    }
    return (long)k;
}

static void test_py_string(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    for (int trial = 0; trial < 2000; trial++) {
        piece p[NPIECES];
        char text[TEXT_MAX];
        unsigned long want[TEXT_MAX], got[TEXT_MAX];
        size_t n = gsl_rng_uniform_int(r, NPIECES + 1);
        random_text(r, n, 1, p, text);
        size_t nwant = expected_code_points(p, n, want);
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_py(&b, NB_PY_STRING, text);
        assert_true(nb_buf_ok(&b));
        long ngot = py_decode(nb_buf_str(&b), got);
        if (ngot != (long)nwant || memcmp(got, want, nwant * sizeof *want) != 0) {
            print_error("input of %zu bytes quoted as %s\n", strlen(text), nb_buf_str(&b));
            fail();
        }
        nb_buf_free(&b);
    }
    gsl_rng_free(r);
}

static void test_py_comment(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(12);
    for (int trial = 0; trial < 500; trial++) {
        piece p[NPIECES];
        char text[TEXT_MAX];
        size_t len = random_text(r, gsl_rng_uniform_int(r, NPIECES + 1), 1, p, text);
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_add(&b, "# ");
        nb_buf_py(&b, NB_PY_COMMENT, text);
        assert_int_equal(b.len, len + 2);
        for (size_t i = 0; i < len; i++) {
            char want = text[i] == '\n' || text[i] == '\r' ? ' ' : text[i];
            assert_int_equal(b.s[i + 2], want);
        }
        nb_buf_free(&b);
    }
    gsl_rng_free(r);
}

/* ---- markdown -------------------------------------------------------------------- */

/* Undo NB_MD_TEXT: a backslash must precede one of the markup characters;
 * &lt; &gt; &amp; stand for < > &; no line break, tab, raw markup character
 * or raw < > & may remain.  Returns 0 if the text is not such an output. */
static int md_unescape(const char *s, char *out)
{
    static const char markup[] = "\\`*_[]|$~#";
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\\') {
            if (!s[i + 1] || !strchr(markup, s[i + 1]))
                return 0;
            out[k++] = s[++i];
        } else if (s[i] == '&') {
            const char *ent[] = {"&lt;", "&gt;", "&amp;"};
            const char ch[] = "<>&";
            int e = 0;
            while (e < 3 && strncmp(s + i, ent[e], strlen(ent[e])) != 0)
                e++;
            if (e == 3)
                return 0;
            out[k++] = ch[e];
            i += strlen(ent[e]) - 1;
        } else if (strchr(markup, s[i]) || strchr("<>\n\r\t", s[i])) {
            return 0;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return 1;
}

static void test_md_text(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(13);
    for (int trial = 0; trial < 2000; trial++) {
        piece p[NPIECES];
        char text[TEXT_MAX], back[TEXT_MAX];
        size_t len = random_text(r, gsl_rng_uniform_int(r, NPIECES + 1), 1, p, text);
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_md(&b, NB_MD_TEXT, text);
        if (!md_unescape(nb_buf_str(&b), back)) {
            print_error("not inert: %s\n", nb_buf_str(&b));
            fail();
        }
        for (size_t i = 0; i < len; i++)
            if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t')
                text[i] = ' ';
        assert_string_equal(back, text);
        nb_buf_free(&b);
    }
    gsl_rng_free(r);
}

static void test_md_code(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(14);
    for (int trial = 0; trial < 1000; trial++) {
        piece p[NPIECES];
        char text[TEXT_MAX];
        size_t len = random_text(r, gsl_rng_uniform_int(r, NPIECES + 1), 1, p, text);
        nb_buf span, line;
        nb_buf_init(&span);
        nb_buf_init(&line);
        nb_buf_md(&span, NB_MD_CODE_SPAN, text);
        nb_buf_md(&line, NB_MD_CODE_LINE, text);
        assert_int_equal(span.len, len);
        assert_int_equal(line.len, len);
        for (size_t i = 0; i < len; i++) {
            int brk = text[i] == '\n' || text[i] == '\r';
            assert_int_equal(line.s[i], brk ? ' ' : text[i]);
            assert_int_equal(span.s[i], brk ? ' ' : text[i] == '`' ? '\'' : text[i]);
        }
        nb_buf_free(&span);
        nb_buf_free(&line);
    }
    gsl_rng_free(r);
}

static void test_num(void **state)
{
    (void)state;
    static const struct { double x; const char *s; } cases[] = {
        {0.0, "0"}, {-0.0, "0"}, {1.0, "1"}, {0.123456, "0.1235"}, {-2.5e-7, "-2.5e-07"}, {12346.0, "1.235e+04"},
        {-1e-300, "-1e-300"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_num(&b, cases[i].x);
        assert_string_equal(nb_buf_str(&b), cases[i].s);
        nb_buf_free(&b);
    }
    nb_buf b;
    nb_buf_init(&b);
    nb_buf_num(&b, NAN);
    nb_buf_add(&b, " ");
    nb_buf_num(&b, INFINITY);
    nb_buf_add(&b, " ");
    nb_buf_num(&b, -INFINITY);
    assert_string_equal(nb_buf_str(&b), "nan inf -inf");
    nb_buf_free(&b);
}

/* ---- nbformat JSON ----------------------------------------------------------------- */

static void test_json_str(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(15);
    for (int trial = 0; trial < 2000; trial++) {
        piece p[NPIECES];
        char text[TEXT_MAX], want[4 * TEXT_MAX];
        size_t n = gsl_rng_uniform_int(r, NPIECES + 1);
        random_text(r, n, trial % 2, p, text);
        /* every invalid byte becomes U+FFFD, every code point itself */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i].cp >= 0)
                k += utf8_encode((unsigned long)p[i].cp, (unsigned char *)want + k);
            else
                for (size_t j = 0; j < p[i].nbad; j++)
                    k += utf8_encode(0xFFFD, (unsigned char *)want + k);
        want[k] = '\0';
        json_t *j = nb_json_str(text);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), want);
        /* and it survives jansson's writer and reader */
        char *dump = json_dumps(j, JSON_ENCODE_ANY);
        json_t *back = json_loads(dump, JSON_DECODE_ANY, NULL);
        assert_non_null(back);
        assert_true(json_equal(j, back));
        free(dump);
        json_decref(back);
        json_decref(j);
    }
    gsl_rng_free(r);
}

static void test_json_lines(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(16);
    json_t *empty = nb_json_lines("");
    assert_int_equal(json_array_size(empty), 0);
    json_decref(empty);
    for (int trial = 0; trial < 1000; trial++) {
        char text[64];
        size_t n = gsl_rng_uniform_int(r, sizeof text);
        for (size_t i = 0; i < n; i++)
            text[i] = gsl_rng_uniform(r) < 0.25 ? '\n' : (char)('a' + gsl_rng_uniform_int(r, 26));
        text[n] = '\0';
        json_t *a = nb_json_lines(text);
        assert_non_null(a);
        char joined[64] = "";
        size_t nl = 0;
        for (size_t i = 0; i < n; i++)
            nl += text[i] == '\n';
        assert_int_equal(json_array_size(a), nl + (n > 0 && text[n - 1] != '\n'));
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *line = json_string_value(json_array_get(a, i));
            const char *e = strchr(line, '\n');
            assert_true(e == NULL || e[1] == '\0');                  /* at most one, at the end */
            assert_true(e != NULL || i + 1 == json_array_size(a));   /* only the last may lack it */
            strcat(joined, line);
        }
        assert_string_equal(joined, text);
        json_decref(a);
    }
    gsl_rng_free(r);
}

static void test_sha256_base64(void **state)
{
    (void)state;
    /* FIPS 180-2, appendix B */
    static const struct { const char *in, *hex; } sha[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}};
    for (size_t i = 0; i < sizeof sha / sizeof sha[0]; i++) {
        char hex[65];
        nb_sha256_hex(sha[i].in, strlen(sha[i].in), hex);
        assert_string_equal(hex, sha[i].hex);
    }
    /* RFC 4648, section 10 */
    static const char *b64[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
                                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        char *e = nb_base64(b64[i][0], strlen(b64[i][0]));
        assert_string_equal(e, b64[i][1]);
        free(e);
    }
}

static void test_cells(void **state)
{
    (void)state;
    json_t *md = nb_cell_new(NB_CELL_MARKDOWN, "# T\n\ntext", json_array());
    json_t *code = nb_cell_new(NB_CELL_CODE, "x = 1\nprint(x)", NULL);
    assert_string_equal(json_string_value(json_object_get(md, "cell_type")), "markdown");
    assert_null(json_object_get(md, "outputs"));
    assert_null(json_object_get(md, "execution_count"));
    assert_string_equal(json_string_value(json_object_get(code, "cell_type")), "code");
    assert_true(json_is_null(json_object_get(code, "execution_count")));
    assert_int_equal(json_array_size(json_object_get(code, "outputs")), 0);
    assert_int_equal(json_array_size(json_object_get(code, "source")), 2);
    assert_int_equal(json_object_size(json_object_get(code, "metadata")), 0);

    /* ids: "cNN-" and 12 hex digits of SHA-256("TYPE\nSOURCE") */
    json_t *cells = json_array();
    json_array_append(cells, md);
    json_array_append_new(cells, code);
    json_array_append_new(cells, json_deep_copy(md)); /* same content, later index */
    assert_int_equal(nb_cells_assign_ids(cells), 0);
    char hex[65], want[32];
    const char *src = "markdown\n# T\n\ntext";
    nb_sha256_hex(src, strlen(src), hex);
    snprintf(want, sizeof want, "c00-%.12s", hex);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cells, 0), "id")), want);
    want[2] = '2';
    assert_string_equal(json_string_value(json_object_get(json_array_get(cells, 2), "id")), want);
    src = "code\nx = 1\nprint(x)";
    nb_sha256_hex(src, strlen(src), hex);
    snprintf(want, sizeof want, "c01-%.12s", hex);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cells, 1), "id")), want);
    json_decref(md);

    /* the notebook, as its file holds it */
    json_t *meta = json_pack("{s:s}", "version", "x");
    json_t *nb = nb_notebook_new(json_deep_copy(cells), meta);
    assert_non_null(nb);
    size_t len = 0;
    char *text = nb_notebook_dumps(nb, &len);
    assert_int_equal(len, strlen(text));
    assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] == '}');
    assert_memory_equal(text, "{\n \"cells\": [\n", 14); /* indent 1, sorted keys */
    json_t *back = json_loads(text, 0, NULL);
    assert_true(json_equal(back, nb));
    assert_int_equal(json_integer_value(json_object_get(back, "nbformat")), 4);
    assert_int_equal(json_integer_value(json_object_get(back, "nbformat_minor")), 5);
    assert_true(json_equal(json_object_get(back, "cells"), cells));
    json_t *m = json_object_get(back, "metadata");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "kernelspec"), "name")), "python3");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(m, STARC_RESULTS_NOTEBOOK_KEY_METADATA), "version")), "x");
    json_decref(back);
    free(text);
    json_decref(nb);
    json_decref(cells);
}

static void test_display_data(void **state)
{
    (void)state;
    const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 1, 2};
    json_t *o = nb_display_data(png, sizeof png, "<svg>\n</svg>\n", "<figure>");
    assert_string_equal(json_string_value(json_object_get(o, "output_type")), "display_data");
    json_t *d = json_object_get(o, "data");
    char *b64 = nb_base64(png, sizeof png);
    assert_string_equal(json_string_value(json_object_get(d, "image/png")), b64);
    free(b64);
    json_t *svg = json_object_get(d, "image/svg+xml");
    assert_int_equal(json_array_size(svg), 2);
    assert_string_equal(json_string_value(json_array_get(svg, 0)), "<svg>\n");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "text/plain"), 0)), "<figure>");
    json_decref(o);
    o = nb_display_data(NULL, 0, NULL, "t");
    assert_null(json_object_get(json_object_get(o, "data"), "image/png"));
    assert_null(json_object_get(json_object_get(o, "data"), "image/svg+xml"));
    json_decref(o);
}

/* ---- names and files ------------------------------------------------------------------- */

static void test_safe_name(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(17);
    const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    for (int trial = 0; trial < 2000; trial++) {
        char in[24];
        size_t n = gsl_rng_uniform_int(r, sizeof in);
        for (size_t i = 0; i < n; i++)
            in[i] = (char)(1 + gsl_rng_uniform_int(r, 255));
        in[n] = '\0';
        char *s = nb_safe_name(in);
        size_t lead = n == 0 || in[0] == '.' || in[0] == '-';
        assert_int_equal(strlen(s), n + lead);
        assert_true(s[0] != '.' && s[0] != '-' && s[0] != '\0');
        for (size_t i = 0; i < n; i++)
            assert_int_equal(s[i + lead], strchr(ok, in[i]) ? in[i] : '_');
        free(s);
    }
    gsl_rng_free(r);
    char *e = nb_strip_ext("a.b.tsv"), *h = nb_strip_ext(".hidden");
    assert_string_equal(e, "a.b");
    assert_string_equal(h, ".hidden");
    assert_string_equal(nb_ext("x/y.json"), ".json");
    assert_string_equal(nb_ext(".gp"), "");
    free(e);
    free(h);
}

/* ---- TSV --------------------------------------------------------------------------------- */

static void test_tsv(void **state)
{
    (void)state;
    const char text[] = "# comment\n\nname\tx\ty\r\na\t1\t2\n  \n# another\nb\tnan\n c \t-inf\t 3e2 \t4\n";
    nb_table t;
    starc_error err;
    assert_ok(nb_table_parse(text, sizeof text - 1, "t.tsv", &t, &err));
    assert_int_equal(t.ncol, 3);
    assert_string_equal(t.head[2], "y"); /* the \r of a CRLF line end is dropped */
    assert_int_equal(t.nrow, 3);
    assert_int_equal(t.nf[0], 3);
    assert_int_equal(t.nf[1], 2);
    assert_int_equal(t.nf[2], 4);
    assert_string_equal(t.rows[2][0], " c ");
    assert_int_equal(nb_table_col(&t, "x"), 1);
    assert_int_equal(nb_table_col(&t, "z"), -1);
    assert_true(nb_table_col_numeric(&t, 1));
    assert_false(nb_table_col_numeric(&t, 0));
    assert_true(isnan(nb_table_num(&t, 1, 1)));
    assert_true(isnan(nb_table_num(&t, 1, 2))); /* short row */
    assert_true(isnan(nb_table_num(&t, 0, -1)));
    assert_true(nb_table_num(&t, 2, 1) == -INFINITY);
    assert_true(nb_table_num(&t, 2, 2) == 300.0);
    nb_table_free(&t);
    nb_table_free(&t); /* a freed table is zeroed */

    assert_int_equal(nb_table_parse("# only\n\n", 8, "c.tsv", &t, &err), STARC_EFORMAT);
    assert_int_equal(nb_table_parse("a\0b\n", 4, "n.tsv", &t, &err), STARC_EFORMAT);
    assert_non_null(strstr(err.message, "n.tsv"));

    double x;
    assert_true(nb_parse_number(" 1.5 ", &x) && x == 1.5);
    assert_true(nb_parse_number("-0", &x) && x == 0.0 && signbit(x));
    assert_false(nb_parse_number("", &x));
    assert_false(nb_parse_number("1x", &x));
    assert_false(nb_parse_number("x", &x));
    assert_false(nb_parse_number("1 2", &x));
}

/* ---- discovery ---------------------------------------------------------------------------- */

static void test_json_kind(void **state)
{
    (void)state;
    static const struct { const char *json, *kind; } cases[] = {
        {"{\"" STARC_RESULTS_DISTANCE_KEY_NAMES "\": [], \"" STARC_RESULTS_DISTANCE_KEY_MATRIX "\": []}",
         STARC_RESULTS_KIND_DISTANCE},
        {"{\"" STARC_RESULTS_PROXY_KEY_SIGMA_TRUE "\": 1}", STARC_RESULTS_KIND_PROXY},
        {"{\"" STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL "\": {}}", STARC_RESULTS_KIND_PROXY},
        {"{\"" STARC_RESULTS_REGULARIZE_KEY_METHOD "\": \"om-chi2\", \"" STARC_RESULTS_REGULARIZE_KEY_COEF
         "\": 0.1, \"" STARC_RESULTS_REGULARIZE_KEY_OBJECTIVE "\": 2}", STARC_RESULTS_KIND_REGULARIZE},
        {"{\"" STARC_RESULTS_REGULARIZE_KEY_METHOD "\": \"om-chi2\", \"" STARC_RESULTS_REGULARIZE_KEY_COEF
         "\": 0.1}", NULL},
        {"{\"" STARC_RESULTS_REGRET_KEY_REGRET "\": 0.5, \"" STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL "\": 1}",
         STARC_RESULTS_KIND_REGRET},
        {"{\"" STARC_RESULTS_REGRET_KEY_REGRET "\": 0.5}", NULL},
        {"{\"" STARC_RESULTS_DISTANCE_KEY_DISTANCE "\": 0.25}", STARC_RESULTS_KIND_PAIR},
        {"{\"" STARC_RESULTS_DISTANCE_KEY_DISTANCE "\": null}", STARC_RESULTS_KIND_PAIR},
        {"{\"" STARC_RESULTS_DISTANCE_KEY_DISTANCE "\": \"0.25\"}", NULL},
        {"{\"hello\": 1}", NULL},
        {"[1, 2]", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        assert_non_null(j);
        const char *k = nb_json_kind(j);
        if (cases[i].kind)
            assert_string_equal(k, cases[i].kind);
        else
            assert_null(k);
        json_decref(j);
    }
}

static void touch(const char *dir, const char *name)
{
    char *p = cli_path_join(dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    free(p);
}

static char *mkdir_in(const char *dir, const char *name)
{
    char *p = cli_path_join(dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
    return p;
}

static void test_dir_kind(void **state)
{
    (void)state;
    const char *top = "test-notebook.tmp";
    nb_rmtree(top);
    assert_int_equal(mkdir(top, 0755), 0);
    char *study = mkdir_in(top, "study"), *corr = mkdir_in(top, "corr"), *oo = mkdir_in(top, "oo");
    char *data = mkdir_in(top, "x_data"), *other = mkdir_in(top, "other"), *both = mkdir_in(top, "both");
    touch(study, STARC_RESULTS_STUDY_PAIRS);
    touch(study, STARC_RESULTS_STUDY_SUMMARY);
    touch(corr, STARC_RESULTS_STUDY_CORRELATIONS);
    touch(oo, STARC_RESULTS_OVEROPT_CURVES);
    touch(oo, STARC_RESULTS_OVEROPT_SUMMARY);
    touch(data, STARC_RESULTS_NOTEBOOK_MANIFEST);
    touch(data, STARC_RESULTS_STUDY_PAIRS);
    touch(other, STARC_RESULTS_OVEROPT_FITS);
    touch(other, STARC_RESULTS_STUDY_SUMMARY);
    touch(both, STARC_RESULTS_STUDY_PAIRS);
    touch(both, STARC_RESULTS_OVEROPT_CURVES);
    assert_int_equal(nb_dir_kind_of(study), NB_DIR_STUDY);
    assert_int_equal(nb_dir_kind_of(corr), NB_DIR_STUDY);
    assert_int_equal(nb_dir_kind_of(oo), NB_DIR_OVEROPT);
    assert_int_equal(nb_dir_kind_of(data), NB_DIR_DATA);  /* an export's data directory is never a result */
    assert_int_equal(nb_dir_kind_of(other), NB_DIR_OTHER);
    assert_int_equal(nb_dir_kind_of(both), NB_DIR_STUDY); /* the study first */
    assert_int_equal(nb_file_dir_kind(study, STARC_RESULTS_STUDY_PAIRS), NB_DIR_STUDY);
    assert_int_equal(nb_file_dir_kind(study, STARC_RESULTS_STUDY_SUMMARY), NB_DIR_STUDY);
    assert_int_equal(nb_file_dir_kind(corr, STARC_RESULTS_STUDY_CORRELATIONS), NB_DIR_STUDY);
    assert_int_equal(nb_file_dir_kind(oo, STARC_RESULTS_OVEROPT_SUMMARY), NB_DIR_OVEROPT);
    assert_int_equal(nb_file_dir_kind(oo, STARC_RESULTS_OVEROPT_CURVES), NB_DIR_OVEROPT);
    assert_int_equal(nb_file_dir_kind(other, STARC_RESULTS_OVEROPT_FITS), NB_DIR_OTHER);
    assert_int_equal(nb_file_dir_kind(other, STARC_RESULTS_STUDY_SUMMARY), NB_DIR_OTHER);
    assert_int_equal(nb_file_dir_kind(oo, "epic.tsv"), NB_DIR_OTHER);
    assert_true(nb_is_result_name("a.tsv") && nb_is_result_name("a.json") && nb_is_result_name("a.txt"));
    assert_false(nb_is_result_name("a.gp") || nb_is_result_name("tsv") || nb_is_result_name("a.tsv.bak"));
    free(study);
    free(corr);
    free(oo);
    free(data);
    free(other);
    free(both);
    assert_int_equal(nb_rmtree(top), 0);
}

/* A random matrix with NaN entries and random names, as the three TSV
 * layouts starc distance and hand-made files use, and as JSON. */
static void test_matrix(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(18);
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + gsl_rng_uniform_int(r, 6);
        double D[36];
        char names[6][32];
        for (size_t i = 0; i < n; i++)
            snprintf(names[i], sizeof names[i], "r%zu_%c", i, (char)('a' + gsl_rng_uniform_int(r, 26)));
        for (size_t i = 0; i < n * n; i++)
            D[i] = gsl_rng_uniform(r) < 0.15 ? NAN : (gsl_rng_uniform(r) - 0.3) * pow(10.0, gsl_rng_uniform_int(r, 9) - 4.0);
        int layout = trial % 3; /* 0: numbers only, 1: labelled rows, 2: corner cell and labelled rows */
        nb_buf t;
        nb_buf_init(&t);
        nb_buf_add(&t, "# a comment\n");
        for (size_t j = 0; j < n; j++)
            nb_buf_printf(&t, "%s%s", j || layout == 2 ? "\t" : "", names[j]);
        nb_buf_add(&t, "\n");
        for (size_t i = 0; i < n; i++) {
            if (layout)
                nb_buf_printf(&t, "%s\t", names[i]);
            for (size_t j = 0; j < n; j++)
                nb_buf_printf(&t, "%s%.17g", j ? "\t" : "", D[i * n + j]);
            nb_buf_add(&t, "\n");
        }
        nb_table tab;
        nb_matrix M;
        starc_error err;
        assert_ok(nb_table_parse(t.s, t.len, "m.tsv", &tab, &err));
        assert_ok(nb_matrix_from_table(&tab, &M, "m.tsv", &err));
        assert_int_equal(M.n, n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(M.names[i], names[i]);
        for (size_t i = 0; i < n * n; i++)
            assert_true(isnan(D[i]) ? isnan(M.D[i]) : M.D[i] == D[i]);
        nb_matrix_free(&M, 0);
        nb_table_free(&tab);
        nb_buf_free(&t);

        json_t *jn = json_array(), *jm = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(jn, json_string(names[i]));
            json_t *row = json_array();
            for (size_t j = 0; j < n; j++)
                json_array_append_new(row, isnan(D[i * n + j]) ? json_null() : json_real(D[i * n + j]));
            json_array_append_new(jm, row);
        }
        json_t *j = json_pack("{s:o, s:o}", STARC_RESULTS_DISTANCE_KEY_NAMES, jn, STARC_RESULTS_DISTANCE_KEY_MATRIX, jm);
        char *dump = json_dumps(j, JSON_REAL_PRECISION(17));
        json_t *back = json_loads(dump, 0, NULL);
        assert_ok(nb_matrix_from_json(back, &M, "m.json", &err));
        assert_int_equal(M.n, n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(M.names[i], names[i]);
        for (size_t i = 0; i < n * n; i++)
            assert_true(isnan(D[i]) ? isnan(M.D[i]) : M.D[i] == D[i]);
        nb_matrix_free(&M, 1);
        free(dump);
        json_decref(back);
        json_decref(j);
    }
    gsl_rng_free(r);
}

/* nb_file_result_read() on files that are a result, malformed results, and no results. */
static void test_file_result(void **state)
{
    (void)state;
    static const struct {
        const char *path, *text, *kind; /* kind NULL: refused */
        int recognised, status;
        const char *message;            /* part of the message when refused */
    } cases[] = {
        {"d.tsv", "a\tb\n0\t1\n1\t0\n", STARC_RESULTS_KIND_DISTANCE, 1, STARC_OK, NULL},
        {"d.txt", "\ta\tb\na\t0\tnan\nb\tnan\t0\n", STARC_RESULTS_KIND_DISTANCE, 1, STARC_OK, NULL},
        {"p.txt", "0.25\n", STARC_RESULTS_KIND_PAIR, 1, STARC_OK, NULL},
        {"p.json", "{\"distance\": null}", STARC_RESULTS_KIND_PAIR, 1, STARC_OK, NULL},
        {"x.json", "{\"sigma_true\": 1, \"r\": 0.5}", STARC_RESULTS_KIND_PROXY, 1, STARC_OK, NULL},
        {"m.json", "{\"names\": [\"a\", \"b\"], \"matrix\": [[0, null], [1, 0]]}", STARC_RESULTS_KIND_DISTANCE, 1,
         STARC_OK, NULL},
        {"dir.json/m.tsv", "a\tb\n0\t1\n1\t0\n", STARC_RESULTS_KIND_DISTANCE, 1, STARC_OK, NULL},
        {"bad.json", "{\"names\": [\"a\"], \"matrix\": [[0, 1]]}", NULL, 1, STARC_EFORMAT, "matrix row 0"},
        {"n.json", "{\"hello\": 1}", NULL, 0, STARC_EINVAL, "not a starc result (unknown JSON keys)"},
        {"broken.json", "{\"distance\": ", NULL, 0, STARC_EFORMAT, "broken.json: line"},
        {"r.tsv", "a\tb\tc\n0\t1\t2\n1\t0\n", NULL, 0, STARC_EINVAL, "row 2 has 2 fields, expected 3"},
        {"w.tsv", "a\tb\n0\tx\n1\t0\n", NULL, 0, STARC_EINVAL, "'x' is not a number"},
        {"e.txt", "# nothing\n", NULL, 0, STARC_EINVAL, "not a starc result"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_file_result r;
        starc_error err;
        starc_error_clear(&err);
        int recognised = -1;
        int st = nb_file_result_read(cases[i].path, cases[i].text, strlen(cases[i].text), &r, &recognised, &err);
        assert_int_equal(st, cases[i].status);
        assert_int_equal(recognised, cases[i].recognised);
        if (st == STARC_OK) {
            assert_string_equal(r.kind, cases[i].kind);
            if (strcmp(r.kind, STARC_RESULTS_KIND_DISTANCE) == 0)
                assert_int_equal(r.M.n, 2);
            nb_file_result_free(&r);
        } else {
            assert_non_null(strstr(err.message, cases[i].path));
            assert_non_null(strstr(err.message, cases[i].message));
        }
    }
}

/* ---- SVG ------------------------------------------------------------------------------------ */

static void test_svg_fragment(void **state)
{
    (void)state;
    /* ok: the fragment is the first "<svg" of the text */
    static const struct { const char *in; int ok; } cases[] = {
        {"<svg width='1'/>", 1},
        {"<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n<svg>", 1},
        {"\xEF\xBB\xBF<svg>", 1},
        {"<!-- a > b -->\n<svg\n>", 1},
        {"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x>y\">\n<svg>", 1},
        {"<!DOCTYPE svg [ <!ENTITY a \"]>\"> ]>\n <svg>", 1},
        {"<?xml?><!--c--><!DOCTYPE x><svg>", 1},
        {"<svgx>", 0},
        {"<svg", 0},
        {"<html><svg>", 0},
        {"<!-- never closed <svg>", 0},
        {"<?xml never closed <svg>", 0},
        {"", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f = nb_svg_fragment(cases[i].in);
        if (cases[i].ok)
            assert_ptr_equal(f, strstr(cases[i].in, "<svg"));
        else
            assert_null(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_py_string),
        cmocka_unit_test(test_py_comment),
        cmocka_unit_test(test_md_text),
        cmocka_unit_test(test_md_code),
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_json_str),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_sha256_base64),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_display_data),
        cmocka_unit_test(test_safe_name),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_json_kind),
        cmocka_unit_test(test_dir_kind),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_file_result),
        cmocka_unit_test(test_svg_fragment),
    };
    return cmocka_run_group_tests_name("notebook", tests, NULL, NULL);
}
