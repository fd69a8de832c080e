/* Text of the notebook exporter: error messages, growable strings, and the
 * one quoting function per language a cell is written in.
 *
 * Every string that comes from data (file and reward names, paths, column
 * names, the command line, a gnuplot script's header) and enters a cell goes
 * through nb_buf_md() (markdown cells) or nb_buf_py() (code cells); where in
 * the language it goes is the context argument.  Text the exporter writes
 * itself (explanations, code) is added with nb_buf_add()/nb_buf_printf().
 *
 * Not part of libstarc's API.  Implemented by text.c. */
#ifndef STARC_NB_TEXT_H
#define STARC_NB_TEXT_H

#include <stddef.h>
#include <starc/error.h>

#if defined(__GNUC__)
#define NB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NB_PRINTF(a, b)
#endif

/* Record status and a message in err (if non-NULL); returns status. */
int nb_fail(starc_error *err, int status, const char *fmt, ...) NB_PRINTF(3, 4);

/* A failure that the starc tool's own modules (tools/cli.h, tools/gnuplot.h)
 * have already reported on stderr: status with an empty message, so that the
 * caller does not report it a second time.  Returns status. */
int nb_reported(starc_error *err, int status);

/* A growable NUL-terminated string.  Allocation failure is sticky: the
 * buffer stops growing and nb_buf_ok() reports it once, at the end. */
typedef struct nb_buf {
    char *s;
    size_t len, cap;
    int oom;
} nb_buf;

void nb_buf_init(nb_buf *b);
void nb_buf_free(nb_buf *b);
void nb_buf_reset(nb_buf *b);
int nb_buf_ok(const nb_buf *b);
void nb_buf_addn(nb_buf *b, const char *s, size_t n);
void nb_buf_add(nb_buf *b, const char *s);
void nb_buf_printf(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3);
/* The text so far ("" for an empty buffer). */
const char *nb_buf_str(const nb_buf *b);
/* Drop one trailing newline, if any. */
void nb_buf_chomp(nb_buf *b);

/* Where a string goes in a markdown cell. */
typedef enum nb_md_context {
    /* Running text or a table cell: < > & become &lt; &gt; &amp; (HTML
     * stays text in every renderer), the other characters that can start
     * markup (\ ` * _ [ ] | $ ~ #) are backslash-escaped; newlines,
     * carriage returns and tabs become spaces. */
    NB_MD_TEXT,
    /* Inside a code span (`...`): nothing is markup there, but a backtick
     * would end the span and a blank line the paragraph, so backticks
     * become ' and line breaks spaces. */
    NB_MD_CODE_SPAN,
    /* One line of an indented code block (the caller writes the indent and
     * the newline): everything is literal except a line break, which would
     * end the block, so newlines and carriage returns become spaces. */
    NB_MD_CODE_LINE
} nb_md_context;

/* Append s to a markdown cell's text, made inert for context ctx. */
void nb_buf_md(nb_buf *b, nb_md_context ctx, const char *s);

/* Where a string goes in a Python code cell. */
typedef enum nb_py_context {
    /* A double-quoted string literal, quotes included: ASCII only, with
     * \\, \", \xNN, \uNNNN and \UNNNNNNNN escapes; bytes that are not UTF-8
     * keep their value as a code point. */
    NB_PY_STRING,
    /* The text of a # comment: line breaks (\n, \r) become spaces. */
    NB_PY_COMMENT
} nb_py_context;

/* Append s to a code cell's source, made inert for context ctx. */
void nb_buf_py(nb_buf *b, nb_py_context ctx, const char *s);

/* A number shown in markdown (tables and key numbers): %.4g in the C locale,
 * "nan", "inf", "-inf"; "-0" is shown as "0".  This is display rounding for
 * the reader; the exact numbers stay in the data files the code cells load,
 * which are copied byte for byte, so the exporter never prints a number
 * that is read back (the starc tool's exact formatter, tools/fmt17.h, is for
 * those). */
void nb_buf_num(nb_buf *b, double x);

#endif
