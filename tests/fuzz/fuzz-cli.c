/* libFuzzer harness: the starc command's option-value parsers in tools/cli.c
 * (cli_parse_double, _size, _ulong, _choice, _format), linked as they are.
 *
 * Input: byte 0 picks the parser, the rest (up to the first NUL) is the
 * option value.  The parsers print their one diagnostic on stderr; the
 * harness points the stdio stream stderr at a memory buffer for each call
 * (file descriptor 2 is untouched, so sanitizer reports still show).
 * Checked always: the exit status is 0 or 2; success prints nothing and gives
 * a finite double, the chosen name, the chosen format; failure prints
 * "starc fuzz: option ..." ending in a newline.
 * With STARC_FUZZ_STRICT=1 in the environment, also the rules that tools/cli.c
 * does not meet yet (docs/testing.md, "Known findings"): a failure prints
 * exactly one line, a negative number is never accepted as an unsigned one,
 * and a subnormal double is accepted. */
#include <config.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include "fuzz.h"
#include "cli.h"

static int strict;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *s = getenv("STARC_FUZZ_STRICT");
    strict = s && strcmp(s, "1") == 0;
    return 0;
}

static const char *const choices[] = {"none", "epic", "dard", "val", "val-potential", "minimal-potential",
                                      "minimal", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *arg = malloc(size);
    FUZZ_ASSERT(arg != NULL, "out of memory");
    memcpy(arg, data + 1, size - 1);
    arg[size - 1] = '\0';
    unsigned which = data[0] % 5;

    char *msg = NULL;
    size_t msglen = 0;
    FILE *mem = open_memstream(&msg, &msglen);
    FUZZ_ASSERT(mem != NULL, "open_memstream");
    FILE *saved = stderr;
    stderr = mem;
    double d = 0;
    size_t z = 0;
    unsigned long ul = 0;
    int idx = -1, rc = 0;
    enum cli_format fmt = CLI_TEXT;
    switch (which) {
    case 0: rc = cli_parse_double("fuzz", "x", arg, &d); break;
    case 1: rc = cli_parse_size("fuzz", "x", arg, &z); break;
    case 2: rc = cli_parse_ulong("fuzz", "x", arg, &ul); break;
    case 3: rc = cli_parse_choice("fuzz", "x", arg, choices, &idx); break;
    default: rc = cli_parse_format("fuzz", arg, &fmt); break;
    }
    stderr = saved;
    FUZZ_ASSERT(fclose(mem) == 0, "fclose");

    FUZZ_ASSERT(rc == EXIT_OK || rc == EXIT_USAGE, "parser %u returned %d", which, rc);
    if (rc == EXIT_OK) {
        FUZZ_ASSERT(msglen == 0, "success printed \"%s\"", msg);
        if (which == 0)
            FUZZ_ASSERT(isfinite(d), "accepted '%s' as %g", arg, d);
        if (which == 3)
            FUZZ_ASSERT(idx >= 0 && idx < 7 && strcmp(choices[idx], arg) == 0, "'%s' chose %d", arg, idx);
        if (which == 4)
            FUZZ_ASSERT(strcmp(arg, fmt == CLI_JSON ? "json" : "text") == 0, "'%s' chose format %d", arg, (int)fmt);
        if (strict && (which == 1 || which == 2))
            FUZZ_ASSERT(strchr(arg, '-') == NULL, "negative '%s' accepted as %lu", arg,
                        which == 1 ? (unsigned long)z : ul);
    } else {
        FUZZ_ASSERT(msglen > 0 && strncmp(msg, "starc fuzz: ", 12) == 0 && msg[msglen - 1] == '\n',
                    "failure printed \"%s\"", msg ? msg : "");
        if (strict)
            FUZZ_ASSERT(memchr(msg, '\n', msglen) == msg + msglen - 1, "a diagnostic of several lines: \"%s\"", msg);
        if (strict && which == 0) {
            char *end;
            errno = 0;
            double x = strtod(arg, &end);
            FUZZ_ASSERT(!(end != arg && *end == '\0' && isfinite(x) && x != 0 && fabs(x) < DBL_MIN),
                        "subnormal '%s' rejected", arg);
        }
    }
    free(msg);
    free(arg);
    return 0;
}
