#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fmt17.h"

int cli_argc;
char **cli_argv;

/* One argument, quoted for a POSIX shell (bash for $'...'): plain words as
 * they are, others in '...' ('\'' for a quote), and words holding control
 * characters as $'...' with C escapes, so the line never holds a newline. */
static void shell_quote(FILE *f, const char *a)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+@%";
    int control = 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        control |= *p < 0x20 || *p == 0x7f;
    if (*a && strspn(a, plain) == strlen(a)) {
        fputs(a, f);
    } else if (!control) {
        fputc('\'', f);
        for (const char *p = a; *p; p++) {
            if (*p == '\'')
                fputs("'\\'", f); /* close, escaped quote, reopen */
            fputc(*p, f);
        }
        fputc('\'', f);
    } else {
        fputs("$'", f);
        for (const unsigned char *p = (const unsigned char *)a; *p; p++) {
            if (*p == '\\' || *p == '\'')
                fprintf(f, "\\%c", *p);
            else if (*p == '\n')
                fputs("\\n", f);
            else if (*p == '\t')
                fputs("\\t", f);
            else if (*p == '\r')
                fputs("\\r", f);
            else if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\%03o", *p);
            else
                fputc(*p, f);
        }
        fputc('\'', f);
    }
}

char *cli_join_argv(int argc, char *const *argv)
{
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            fputc(' ', f);
        shell_quote(f, i == 0 ? "starc" : argv[i]);
    }
    if (fclose(f) != 0) {
        free(line);
        return NULL;
    }
    return line;
}

const char *cli_command_line(void)
{
    static char *line;
    if (!line)
        line = cli_join_argv(cli_argc, cli_argv);
    return line ? line : "starc";
}

static char *provenance;

const char *cli_provenance(void)
{
    return provenance ? provenance : cli_command_line();
}

void cli_provenance_set(char *line)
{
    free(provenance);
    provenance = line;
}

void cli_escape(FILE *f, const char *s)
{
    if (!s)
        s = "(null)";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

/* Every diagnostic: "starc CMD: " and the formatted message, escaped as a
 * whole by cli_escape() so that no file name, option value or library message
 * can make it more than one line. */
volatile sig_atomic_t cli_interrupted;

static void vreport(const char *cmd, const char *kind, const char *fmt, va_list ap)
{
    if (cli_interrupted)
        for (;;)
            pause(); /* the clean-up thread ends the process (output.c) */
    char *msg = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&msg, &len);
    if (m) {
        vfprintf(m, fmt, ap);
        if (fclose(m) != 0) {
            free(msg);
            msg = NULL;
        }
    }
    fprintf(stderr, "starc%s%s: %s", cmd ? " " : "", cmd ? cmd : "", kind);
    cli_escape(stderr, msg ? msg : "out of memory");
    fputc('\n', stderr);
    free(msg);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "", fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "", fmt, ap);
    va_end(ap);
    return EXIT_COMPUTE;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "warning: ", fmt, ap);
    va_end(ap);
}

int cli_status_exit(int status)
{
    switch (status) {
    case STARC_OK: return EXIT_OK;
    case STARC_EINVAL: case STARC_EDIM: case STARC_EIO: case STARC_EFORMAT: return EXIT_USAGE;
    default: return EXIT_COMPUTE;
    }
}

int cli_lib_error(const char *cmd, int status, const starc_error *err)
{
    const char *msg = err && err->message[0] ? err->message : starc_error_string(status);
    if (cli_status_exit(status) == EXIT_USAGE)
        return cli_usage(cmd, "%s", msg);
    return cli_fail(cmd, "%s", msg);
}

int cli_bad_option(const char *cmd, const char *usage, int c, char **argv)
{
    if (c == ':')
        return cli_usage(cmd, "option %s needs a value", argv[optind - 1]);
    return cli_usage(cmd, "unknown option '%s'; see '%s --help'", argv[optind - 1], usage);
}

int cli_require(const char *cmd, const char *name, const void *value)
{
    return value ? EXIT_OK : cli_usage(cmd, "option --%s is required", name);
}

int cli_parse_format(const char *cmd, const char *arg, enum cli_format *fmt)
{
    if (strcmp(arg, "text") == 0)
        *fmt = CLI_TEXT;
    else if (strcmp(arg, "json") == 0)
        *fmt = CLI_JSON;
    else
        return cli_usage(cmd, "option --format: '%s' is not one of text, json", arg);
    return EXIT_OK;
}

/* strtod's ERANGE means overflow (the result is +-HUGE_VAL) or underflow: a
 * subnormal result is finite and kept; a non-zero value that rounds to zero is
 * refused, since the option would silently mean 0. */
int cli_parse_double(const char *cmd, const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(arg, &end);
    int range = errno == ERANGE;
    if (end == arg || *end != '\0' || !isfinite(x) || (range && fabs(x) > 1.0))
        return cli_usage(cmd, "option --%s: '%s' is not a finite number", opt, arg);
    if (range && x == 0.0)
        return cli_usage(cmd, "option --%s: '%s' is too small to represent (it would be 0)", opt, arg);
    *out = x;
    return EXIT_OK;
}

int cli_parse_path(const char *cmd, const char *opt, const char *arg, const char **out)
{
    if (!*arg)
        return cli_usage(cmd, "option --%s: the path is empty", opt);
    *out = arg;
    return EXIT_OK;
}

int cli_parse_ulong(const char *cmd, const char *opt, const char *arg, unsigned long *out)
{
    char *end;
    errno = 0;
    /* digits only: strtoul would skip blanks and accept " -1" as ULONG_MAX */
    if (!(arg[0] >= '0' && arg[0] <= '9'))
        return cli_usage(cmd, "option --%s: '%s' is not a non-negative integer", opt, arg);
    unsigned long x = strtoul(arg, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return cli_usage(cmd, "option --%s: '%s' is not a non-negative integer", opt, arg);
    *out = x;
    return EXIT_OK;
}

int cli_parse_size(const char *cmd, const char *opt, const char *arg, size_t *out)
{
    unsigned long x;
    int rc = cli_parse_ulong(cmd, opt, arg, &x);
    if (rc)
        return rc;
    *out = (size_t)x;
    return EXIT_OK;
}

int cli_parse_threads(const char *cmd, const char *arg, int *out)
{
    size_t nt;
    int rc = cli_parse_size(cmd, "threads", arg, &nt);
    if (rc)
        return rc;
    if (nt < 1 || nt > 64)
        return cli_usage(cmd, "option --threads: '%s' is not between 1 and 64", arg);
    *out = (int)nt;
    return EXIT_OK;
}

int cli_default_threads(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return ncpu < 1 ? 1 : ncpu > 64 ? 64 : (int)ncpu;
}

int cli_parse_choice(const char *cmd, const char *opt, const char *arg, const char *const *choices, int *idx)
{
    for (int i = 0; choices[i]; i++)
        if (strcmp(arg, choices[i]) == 0) {
            *idx = i;
            return EXIT_OK;
        }
    char list[512] = "";
    size_t n = 0;
    for (int i = 0; choices[i] && n < sizeof list; i++) {
        int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    return cli_usage(cmd, "option --%s: '%s' is not one of %s", opt, arg, list);
}

int cli_load_mdp(const char *cmd, const char *path, starc_mdp **m)
{
    starc_error err;
    starc_error_clear(&err);
    int st = starc_io_mdp_load(path, NULL, m, &err);
    if (st)
        return cli_usage(cmd, "%s", err.message[0] ? err.message : starc_error_string(st));
    return EXIT_OK;
}

/* One reward (the only one in spec) into a set, by starc_io_reward_load() or, keep != 0,
 * starc_io_reward_load_shaped(); the message on failure is the command's one line. */
static int load_one_reward(const char *cmd, const char *opt, const char *spec, const starc_mdp *m, int keep,
                           starc_io_reward_set *rs)
{
    starc_error err;
    starc_error_clear(&err);
    starc_io_reward_set_init(rs);
    int st = keep ? starc_io_reward_load_shaped(&spec, 1, m, rs, &err) : starc_io_reward_load(spec, m, rs, &err);
    if (st) {
        starc_io_reward_set_clear(rs);
        return cli_usage(cmd, "option --%s: %s", opt, err.message[0] ? err.message : starc_error_string(st));
    }
    if (rs->n != 1) {
        size_t n = rs->n; /* read before the set is cleared */
        starc_io_reward_set_clear(rs);
        return cli_usage(cmd, "option --%s: %s holds %zu rewards; name one as FILE.npz:KEY", opt, spec, n);
    }
    return EXIT_OK;
}

int cli_load_reward(const char *cmd, const char *opt, const char *spec, const starc_mdp *m, starc_io_reward_set *rs)
{
    return load_one_reward(cmd, opt, spec, m, 0, rs);
}

int cli_load_reward_shaped(const char *cmd, const char *opt, const char *spec, const starc_mdp *m,
                           starc_io_reward_set *rs)
{
    return load_one_reward(cmd, opt, spec, m, 1, rs);
}

size_t cli_reward_shape(const starc_mdp *m, const starc_io_reward_set *rs, size_t sh[3], const double **values)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    sh[0] = S;
    sh[1] = A;
    sh[2] = S;
    *values = rs->given[0] ? rs->given[0] : rs->R;
    switch (rs->layout[0]) {
    case STARC_IO_REWARD_STATE:
        return 1;
    case STARC_IO_REWARD_STATE_ACTION:
        return 2;
    default:
        if (!starc_mdp_is_sparse(m))
            return 3;
        sh[0] = starc_mdp_nnz(m);
        return 1;
    }
}

int cli_load_reward_expected(const char *cmd, const char *opt, const char *spec, const starc_mdp *m, double **Rbar)
{
    starc_io_reward_set rs;
    int rc = load_one_reward(cmd, opt, spec, m, 1, &rs);
    if (rc)
        return rc;
    size_t sh[3];
    const double *R;
    const size_t nd = cli_reward_shape(m, &rs, sh, &R);
    starc_error err;
    starc_error_clear(&err);
    int st = STARC_ENOMEM;
    if ((*Rbar = malloc(starc_mdp_states(m) * starc_mdp_actions(m) * sizeof(double))))
        st = starc_mdp_reward_expected_shaped(m, nd, sh, R, *Rbar, &err); /* the loader's shape: never fails */
    starc_io_reward_set_clear(&rs);
    if (st) {
        free(*Rbar);
        *Rbar = NULL;
        return st == STARC_ENOMEM ? cli_fail(cmd, "out of memory") : cli_lib_error(cmd, st, &err);
    }
    return EXIT_OK;
}

int cli_load_policy(const char *cmd, const char *opt, const char *path, const starc_mdp *m, double **pi)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    *pi = malloc(S * A * sizeof(double));
    if (!*pi)
        return cli_fail(cmd, "out of memory");
    if (!path) {
        starc_policy_uniform(m, *pi);
        return EXIT_OK;
    }
    starc_error err;
    starc_error_clear(&err);
    int st = starc_io_policy_load(path, m, NULL, *pi, &err);
    if (st) {
        free(*pi);
        *pi = NULL;
        return cli_usage(cmd, "option --%s: %s", opt, err.message[0] ? err.message : starc_error_string(st));
    }
    return EXIT_OK;
}

int cli_load_dist(const char *cmd, const char *opt, const char *path, size_t n, double **p)
{
    starc_npy_array a;
    starc_error err;
    starc_error_clear(&err);
    starc_npy_array_init(&a);
    int st = starc_npy_read(path, &a, &err);
    if (st)
        return cli_usage(cmd, "option --%s: %s", opt, err.message[0] ? err.message : starc_error_string(st));
    size_t k = starc_npy_array_size(&a);
    if (a.ndim == 0 || k != n) {
        starc_npy_array_clear(&a);
        return cli_usage(cmd, "option --%s: %s has %zu entries; expected %zu", opt, path, k, n);
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a.data[i]) || a.data[i] < 0.0) {
            starc_npy_array_clear(&a);
            return cli_usage(cmd, "option --%s: %s: entry %zu is negative or not finite", opt, path, i);
        }
        sum += a.data[i];
    }
    if (fabs(sum - 1.0) > STARC_MDP_PROB_TOL) {
        starc_npy_array_clear(&a);
        return cli_usage(cmd, "option --%s: %s sums to %.17g, not 1", opt, path, sum);
    }
    *p = a.data;
    return EXIT_OK;
}

json_t *cli_json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *cli_json_array(const double *x, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, cli_json_num(x[i]));
    return arr;
}

int cli_json_fprint(FILE *f, json_t *obj)
{
    char *s = json_dumps(obj, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(0) | JSON_COMPACT);
    json_decref(obj);
    if (!s)
        return cli_fail(NULL, "could not encode JSON output");
    fputs(s, f);
    fputc('\n', f);
    free(s);
    return EXIT_OK;
}

int cli_json_print(json_t *obj)
{
    return cli_json_fprint(stdout, obj);
}

void cli_put_num(FILE *f, const char *key, double x)
{
    fputs(key, f);
    fputc('\t', f);
    fmt17_put(f, x);
    fputc('\n', f);
}
