/* libFuzzer harness: the reader of `starc fit`'s logs (tools/fit-log.c),
 * linked as the command links it.
 *
 * Input: byte 0 picks the file's extension (.csv, .tsv or .txt, where the
 * separator is guessed from the header), the rest is the file's content.  The
 * reader prints its one diagnostic on stderr; the harness points the stdio
 * stream stderr at a memory buffer for each call (file descriptor 2 is
 * untouched, so sanitizer reports still show).
 * Checked: fit_log_read() returns 0 or 2 (1 only for "out of memory");
 * a failure prints exactly one line, "starc fit: PATH...", without control
 * characters; a success prints nothing and gives a table with at least one
 * column and one row, non-empty distinct column names, every cell a string
 * without a line break, rows' line numbers increasing, each name found by
 * fit_log_column() at its index; fit_log_number() on every cell returns 0 or
 * 2 with the same one-line rule, and 0 only for a cell strtod() reads whole
 * or a missing value (NaN). */
#include <config.h>
#include <math.h>
#include "fuzz.h"
#include "cli.h"
#include "fit-log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The captured stderr of one call: nothing on success, one escaped line naming the file otherwise. */
static void check_message(int rc, const char *msg, size_t len, const char *path)
{
    if (rc == EXIT_OK) {
        FUZZ_ASSERT(len == 0, "success printed \"%s\"", msg);
        return;
    }
    FUZZ_ASSERT(len > 0 && msg[len - 1] == '\n', "failure %d printed \"%s\"", rc, msg ? msg : "");
    FUZZ_ASSERT(memchr(msg, '\n', len) == msg + len - 1, "a diagnostic of several lines: \"%s\"", msg);
    for (size_t i = 0; i + 1 < len; i++)
        FUZZ_ASSERT((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f, "control character 0x%02x in \"%s\"",
                    (unsigned char)msg[i], msg);
    FUZZ_ASSERT(strncmp(msg, "starc fit: ", 11) == 0, "\"%s\"", msg);
    if (rc == EXIT_USAGE)
        FUZZ_ASSERT(strncmp(msg + 11, path, strlen(path)) == 0, "does not name %s: \"%s\"", path, msg);
    else
        FUZZ_ASSERT(rc == EXIT_COMPUTE && strstr(msg, "out of memory"), "status %d: \"%s\"", rc, msg);
}

/* Capture stderr around a call. */
typedef struct capture {
    FILE *mem, *saved;
    char *msg;
    size_t len;
} capture;

static void capture_begin(capture *c)
{
    c->msg = NULL;
    c->len = 0;
    c->mem = open_memstream(&c->msg, &c->len);
    FUZZ_ASSERT(c->mem != NULL, "open_memstream");
    c->saved = stderr;
    stderr = c->mem;
}

static void capture_end(capture *c)
{
    stderr = c->saved;
    FUZZ_ASSERT(fclose(c->mem) == 0, "fclose");
}

static void check_cells(const fit_log_table *t, const char *path)
{
    FUZZ_ASSERT(t->ncols >= 1 && t->nrows >= 1 && t->names && t->cells && t->line, "%zu x %zu", t->nrows,
                t->ncols);
    for (size_t j = 0; j < t->ncols; j++) {
        FUZZ_ASSERT(t->names[j] && t->names[j][0], "column %zu has no name", j);
        FUZZ_ASSERT(!strchr(t->names[j], '\n'), "column %zu's name holds a newline", j);
        FUZZ_ASSERT(fit_log_column(t, t->names[j]) == (long)j, "column '%s' found at %ld, not %zu", t->names[j],
                    fit_log_column(t, t->names[j]), j);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        FUZZ_ASSERT(t->line[r] >= 2 && (r == 0 || t->line[r] > t->line[r - 1]), "row %zu at line %zu", r,
                    t->line[r]);
        for (size_t j = 0; j < t->ncols; j++) {
            const char *s = t->cells[r * t->ncols + j];
            FUZZ_ASSERT(s != NULL && !strchr(s, '\n'), "cell %zu,%zu", r, j);
            capture c;
            double x = 0;
            capture_begin(&c);
            int rc = fit_log_number(t, r, (long)j, &x);
            capture_end(&c);
            FUZZ_ASSERT(rc == EXIT_OK || rc == EXIT_USAGE, "fit_log_number returned %d", rc);
            check_message(rc, c.msg, c.len, path);
            if (rc == EXIT_OK && !isnan(x)) {
                char *end;
                double y = strtod(s, &end);
                FUZZ_ASSERT(end != s && *end == '\0' && (y == x), "'%s' read as %g", s, x);
            }
            free(c.msg);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"log.csv", "log.tsv", "log.txt"};
    if (size < 1 || size > 65536)
        return 0;
    char path[128];
    fuzz_path(names[data[0] % 3], path, sizeof path);
    fuzz_write_file(path, data + 1, size - 1);

    fit_log_table t;
    capture c;
    capture_begin(&c);
    int rc = fit_log_read(path, &t);
    capture_end(&c);
    FUZZ_ASSERT(rc == EXIT_OK || rc == EXIT_USAGE || rc == EXIT_COMPUTE, "fit_log_read returned %d", rc);
    check_message(rc, c.msg, c.len, path);
    free(c.msg);
    if (rc == EXIT_OK)
        check_cells(&t, path);
    fit_log_free(&t);
    return 0;
}
