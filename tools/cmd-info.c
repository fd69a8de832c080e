/* starc info: describe .npy/.npz files (kind, shape, dtype, order, range) and
 * check that they read and validate -- as MDPs, and with --mdp as rewards or
 * policies for that MDP.  Meant both for users debugging their numpy exports
 * and for tests that check what libstarc reads (--format json --data). */
#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt17.h"

static const char *CMD = "info";

static void help(void)
{
    printf("Usage: starc info [--format text|json] [--data] [--mdp M.npz] FILE...\n\n"
           "Describe numpy files and check that libstarc reads them: for each FILE its kind\n"
           "(npy array, npz archive, or MDP = npz with T, mu0 and gamma, which is validated),\n"
           "and for each array its shape, stored dtype, memory order, size, min, max and sum.\n"
           "An MDP may hold T in CSR form (T_data, T_indices, T_indptr, T_shape): a sparse MDP, reported\n"
           "with its number of stored transitions nnz.\n"
           "With --mdp, also whether each array fits that MDP as a reward ((S,), (S,A) or (S,A,S);\n"
           "(nnz,) for a sparse MDP)\n"
           "or as a policy ((S,A), rows summing to 1).\n"
           "Exit status 0 when every file reads and validates, 2 otherwise (one line per bad file\n"
           "on stderr).\n\n"
           "  --format FMT     text (default) or json\n"
           "  --data           also print every element (C order, flattened)\n"
           "  --mdp FILE       check the arrays against this MDP .npz\n"
           "  -h, --help       this help\n");
}

typedef struct info_ctx {
    enum cli_format fmt;
    int data;
    const starc_mdp *m;
    const char *mdp_path;
    json_t *files; /* json array of file objects (json output only) */
} info_ctx;

/* One file being described: its json object and its first problem. */
typedef struct file_report {
    json_t *obj;
    char problem[STARC_ERROR_MSGLEN + 256];
} file_report;

static void problem(file_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(file_report *r, const char *fmt, ...)
{
    if (r->problem[0])
        return; /* keep the first; one line per file */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
}


static void print_num(const char *key, double x)
{
    char b[64];
    fmt17(b, x);
    printf(" %s=%s", key, b);
}

/* min, max and sum as numpy computes them: a NaN anywhere makes all three NaN. */
typedef struct stats {
    size_t n, nonfinite;
    double min, max, sum;
} stats;

static void array_stats(const starc_npy_array *a, stats *s)
{
    s->n = starc_npy_array_size(a);
    s->nonfinite = 0;
    s->min = s->n ? INFINITY : NAN;
    s->max = s->n ? -INFINITY : NAN;
    s->sum = 0.0;
    int nan = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = a->data[i];
        if (!isfinite(x))
            s->nonfinite++;
        if (isnan(x)) {
            nan = 1;
            continue;
        }
        if (x < s->min)
            s->min = x;
        if (x > s->max)
            s->max = x;
        s->sum += x;
    }
    if (nan)
        s->min = s->max = s->sum = NAN;
}

/* Does the array fit c->m as a reward / as a policy?  why gets the reward
 * shape message when it fits neither. */
static void check_fit(const info_ctx *c, const starc_npy_array *a, int *reward, int *policy, char *why, size_t cap)
{
    size_t S = starc_mdp_states(c->m), A = starc_mdp_actions(c->m);
    starc_error err;
    starc_error_clear(&err);
    double *R = malloc(starc_mdp_reward_size(c->m) * sizeof(double));
    *reward = R && starc_mdp_reward_expand(c->m, a->ndim, a->shape, a->data, R, &err) == STARC_OK;
    free(R);
    snprintf(why, cap, "%s", err.message[0] ? err.message : "out of memory");
    *policy = a->ndim == 2 && a->shape[0] == S && a->shape[1] == A &&
              starc_policy_validate(c->m, a->data, NULL, NULL) == STARC_OK;
}

/* Describe one array (a .npy file, or an archive member); disp names it in messages. */
static void describe_array(const info_ctx *c, file_report *r, json_t *arrays, const char *name, const char *disp,
                           const starc_npy_array *a, int fits)
{
    stats s;
    array_stats(a, &s);
    int reward = 0, policy = 0;
    char why[STARC_ERROR_MSGLEN];
    if (fits) {
        check_fit(c, a, &reward, &policy, why, sizeof why);
        if (!reward && !policy)
            problem(r, "%s: fits %s neither as a reward nor as a policy: %s", disp, c->mdp_path, why);
    }
    if (c->fmt == CLI_JSON) {
        json_t *o = json_object(), *shape = json_array();
        json_object_set_new(o, "name", json_string(name));
        for (size_t i = 0; i < a->ndim; i++)
            json_array_append_new(shape, json_integer((json_int_t)a->shape[i]));
        json_object_set_new(o, "shape", shape);
        json_object_set_new(o, "dtype", json_string(a->dtype));
        json_object_set_new(o, "fortran_order", json_boolean(a->fortran_order));
        json_object_set_new(o, "size", json_integer((json_int_t)s.n));
        json_object_set_new(o, "min", cli_json_num(s.min));
        json_object_set_new(o, "max", cli_json_num(s.max));
        json_object_set_new(o, "sum", cli_json_num(s.sum));
        json_object_set_new(o, "nonfinite", json_integer((json_int_t)s.nonfinite));
        if (fits) {
            json_t *f = json_object();
            json_object_set_new(f, "reward", json_boolean(reward));
            json_object_set_new(f, "policy", json_boolean(policy));
            json_object_set_new(o, "fits", f);
        }
        if (c->data)
            json_object_set_new(o, "data", cli_json_array(a->data, s.n));
        json_array_append_new(arrays, o);
        return;
    }
    char shp[STARC_NPY_MAXDIM * 22 + 4];
    starc_npy_array_shape_string(a, shp, sizeof shp);
    printf("  %s: shape=%s dtype=%s order=%s size=%zu", name, shp, a->dtype, a->fortran_order ? "F" : "C", s.n);
    if (s.n) {
        print_num("min", s.min);
        print_num("max", s.max);
        print_num("sum", s.sum);
    }
    if (s.nonfinite)
        printf(" nonfinite=%zu", s.nonfinite);
    if (fits)
        printf(" fits=%s", reward && policy ? "reward,policy" : reward ? "reward" : policy ? "policy" : "none");
    putchar('\n');
    if (c->data) {
        printf("    data:");
        for (size_t i = 0; i < s.n; i++) {
            char b[64];
            fmt17(b, a->data[i]);
            printf(" %s", b);
        }
        putchar('\n');
    }
}

/* 1 if path starts like a zip archive, 0 if not, -1 if it cannot be read. */
static int sniff_zip(const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    unsigned char b[4] = {0};
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    return n == 4 && b[0] == 'P' && b[1] == 'K' && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

static void describe_npy(const info_ctx *c, file_report *r, const char *path)
{
    starc_npy_array a;
    starc_error err;
    starc_error_clear(&err);
    starc_npy_array_init(&a);
    if (starc_npy_read(path, &a, &err) != STARC_OK) {
        problem(r, "%s", err.message);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    json_t *arrays = json_array();
    if (c->fmt == CLI_JSON) {
        json_object_set_new(r->obj, "kind", json_string("npy"));
        json_object_set_new(r->obj, "arrays", arrays);
    } else {
        printf("%s: npy array\n", path);
    }
    describe_array(c, r, arrays, stem, path, &a, c->m != NULL);
    if (c->fmt != CLI_JSON)
        json_decref(arrays);
    starc_npy_array_clear(&a);
}

static int npz_has(const starc_npy_npz *z, const char *name)
{
    for (size_t i = 0; i < starc_npy_npz_count(z); i++)
        if (strcmp(starc_npy_npz_name(z, i), name) == 0)
            return 1;
    return 0;
}

static void describe_npz(const info_ctx *c, file_report *r, const char *path)
{
    starc_npy_npz *z = NULL;
    starc_error err;
    starc_error_clear(&err);
    if (starc_npy_npz_open(path, &z, &err) != STARC_OK) {
        problem(r, "%s", err.message);
        return;
    }
    size_t n = starc_npy_npz_count(z);
    int is_mdp = (npz_has(z, "T") || npz_has(z, "T_data")) && npz_has(z, "mu0") && npz_has(z, "gamma");
    json_t *arrays = json_array();
    if (is_mdp) {
        starc_mdp *m = NULL;
        starc_error merr;
        starc_error_clear(&merr);
        int st = starc_io_mdp_load(path, NULL, &m, &merr);
        if (st)
            problem(r, "%s", merr.message);
        if (c->fmt == CLI_JSON) {
            json_t *mo = json_object();
            json_object_set_new(mo, "valid", json_boolean(st == STARC_OK));
            if (m) {
                json_object_set_new(mo, "S", json_integer((json_int_t)starc_mdp_states(m)));
                json_object_set_new(mo, "A", json_integer((json_int_t)starc_mdp_actions(m)));
                json_object_set_new(mo, "gamma", cli_json_num(starc_mdp_gamma(m)));
                if (starc_mdp_is_sparse(m)) {
                    json_object_set_new(mo, "storage", json_string("sparse (CSR)"));
                    json_object_set_new(mo, "nnz", json_integer((json_int_t)starc_mdp_nnz(m)));
                }
            } else {
                json_object_set_new(mo, "problem", json_string(merr.message));
            }
            json_object_set_new(r->obj, "kind", json_string("mdp"));
            json_object_set_new(r->obj, "mdp", mo);
        } else if (m && starc_mdp_is_sparse(m)) {
            char g[64];
            fmt17(g, starc_mdp_gamma(m));
            printf("%s: MDP (npz with T in CSR form, mu0, gamma), sparse (CSR), S=%zu A=%zu nnz=%zu gamma=%s, valid\n",
                   path, starc_mdp_states(m), starc_mdp_actions(m), starc_mdp_nnz(m), g);
        } else if (m) {
            char g[64];
            fmt17(g, starc_mdp_gamma(m));
            printf("%s: MDP (npz with T, mu0, gamma), S=%zu A=%zu gamma=%s, valid\n", path, starc_mdp_states(m),
                   starc_mdp_actions(m), g);
        } else {
            printf("%s: MDP (npz with T, mu0, gamma), invalid: %s\n", path, merr.message);
        }
        starc_mdp_free(m);
    } else if (c->fmt == CLI_JSON) {
        json_object_set_new(r->obj, "kind", json_string("npz"));
    } else {
        printf("%s: npz archive, %zu array%s\n", path, n, n == 1 ? "" : "s");
    }
    if (c->fmt == CLI_JSON)
        json_object_set_new(r->obj, "arrays", json_incref(arrays));
    if (n == 0 && c->m)
        problem(r, "%s: archive holds no .npy arrays", path);
    for (size_t i = 0; i < n; i++) {
        const char *name = starc_npy_npz_name(z, i);
        starc_npy_array a;
        starc_npy_array_init(&a);
        starc_error_clear(&err);
        if (starc_npy_npz_read(z, name, &a, &err) != STARC_OK) {
            problem(r, "%s", err.message);
            if (c->fmt != CLI_JSON)
                printf("  %s: unreadable: %s\n", name, err.message);
            else {
                json_t *o = json_object();
                json_object_set_new(o, "name", json_string(name));
                json_object_set_new(o, "problem", json_string(err.message));
                json_array_append_new(arrays, o);
            }
            continue;
        }
        size_t dl = strlen(path) + strlen(name) + 2;
        char *disp = malloc(dl);
        if (disp)
            snprintf(disp, dl, "%s:%s", path, name);
        /* An MDP's own members are not rewards or policies: don't judge them. */
        describe_array(c, r, arrays, name, disp ? disp : path, &a, c->m != NULL && !is_mdp);
        free(disp);
        starc_npy_array_clear(&a);
    }
    json_decref(arrays);
    starc_npy_npz_close(z);
}

/* Describe one file; returns 1 if it has a problem (already reported on stderr). */
static int describe_file(info_ctx *c, const char *path)
{
    file_report r;
    r.problem[0] = '\0';
    r.obj = c->fmt == CLI_JSON ? json_object() : NULL;
    if (r.obj)
        json_object_set_new(r.obj, "path", json_string(path));
    char why[STARC_ERROR_MSGLEN];
    int zip = sniff_zip(path, why, sizeof why);
    if (zip < 0)
        problem(&r, "%s", why);
    else if (zip)
        describe_npz(c, &r, path);
    else
        describe_npy(c, &r, path);
    if (r.obj) {
        json_object_set_new(r.obj, "ok", json_boolean(!r.problem[0]));
        if (r.problem[0])
            json_object_set_new(r.obj, "problem", json_string(r.problem));
        json_array_append_new(c->files, r.obj);
    }
    if (r.problem[0]) {
        fflush(stdout);
        cli_usage(CMD, "%s", r.problem);
        return 1;
    }
    return 0;
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"data", no_argument, NULL, 'd'},
        {"mdp", required_argument, NULL, 'm'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    info_ctx c = {CLI_TEXT, 0, NULL, NULL, NULL};
    int ch, rc;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &c.fmt))) return rc; break;
        case 'd': c.data = 1; break;
        case 'm': c.mdp_path = optarg; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc info", ch, argv);
        }
    }
    if (optind >= argc)
        return cli_usage(CMD, "no input files; see 'starc info --help'");
    starc_mdp *m = NULL;
    if (c.mdp_path && (rc = cli_load_mdp(CMD, c.mdp_path, &m)))
        return rc;
    c.m = m;
    if (c.fmt == CLI_JSON)
        c.files = json_array();
    int bad = 0;
    for (int i = optind; i < argc; i++)
        bad += describe_file(&c, argv[i]);
    rc = bad ? EXIT_USAGE : EXIT_OK;
    if (c.fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "mdp", c.mdp_path ? json_string(c.mdp_path) : json_null());
        json_object_set_new(o, "files", c.files);
        int prc = cli_json_print(o);
        if (prc)
            rc = prc;
    }
    starc_mdp_free(m);
    if (fflush(stdout) != 0 && !rc)
        rc = cli_fail(CMD, "error writing to standard output");
    return rc;
}
