/* Shards: --shard K/N, the slice of a shard, the manifest DIR/shard.json and
 * the checked set of shards a merge reads (shard.h). */
#include <config.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>

#include "shard.h"

/* Diagnostics name the subcommand being run ("merge", "experiment", ...). */
static const char *shard_cmd(void)
{
    return cli_argc > 1 && cli_argv ? cli_argv[1] : NULL;
}

/* ------------------------------------------------------------ K/N and ranges */

/* Decimal digits, at most 7 of them (SHARD_MAX_N has 7): 0 or -1. */
static int parse_count(const char *s, size_t len, size_t *out)
{
    if (len == 0 || len > 7)
        return -1;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = 10 * v + (size_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* All decimal digits, at least one. */
static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return len > 0;
}

int shard_parse(const char *opt, const char *arg, shard_spec *out)
{
    const char *slash = strchr(arg, '/');
    size_t k = 0, n = 0, klen = slash ? (size_t)(slash - arg) : 0, nlen = slash ? strlen(slash + 1) : 0;
    if (!slash || !all_digits(arg, klen) || !all_digits(slash + 1, nlen))
        return cli_usage(shard_cmd(), "option --%s: \"%s\" is not K/N (the K-th of N shards, e.g. 2/8)", opt, arg);
    /* more than 7 digits is more than SHARD_MAX_N */
    if (parse_count(slash + 1, nlen, &n) || n < 1 || n > SHARD_MAX_N)
        return cli_usage(shard_cmd(), "option --%s: \"%s\": N must be between 1 and %d", opt, arg, SHARD_MAX_N);
    if (parse_count(arg, klen, &k) || k < 1 || k > n)
        return cli_usage(shard_cmd(), "option --%s: \"%s\": K must be between 1 and N", opt, arg);
    out->k = k;
    out->n = n;
    return EXIT_OK;
}

/* floor(k * total / n) for k <= n, without overflow: total = q n + r gives
 * k q + floor(k r / n), where k r < n^2 is computed in twice the width. */
#if SIZE_MAX <= UINT32_MAX
typedef uint64_t shard_wide;
#else
__extension__ typedef unsigned __int128 shard_wide;
#endif
static size_t scaled(size_t total, size_t k, size_t n)
{
    size_t q = total / n, r = total % n;
    return k * q + (size_t)((shard_wide)k * r / n);
}

void shard_range(size_t total, const shard_spec *s, size_t *begin, size_t *end)
{
    if (!s || s->n == 0) {
        *begin = 0;
        *end = total;
        return;
    }
    *begin = scaled(total, s->k - 1, s->n);
    *end = scaled(total, s->k, s->n);
}

/* --------------------------------------------------------------- the manifest */

int shard_manifest_write(const char *dir, const char *kind, const shard_spec *s, size_t begin, size_t end,
                         size_t total, json_t *settings)
{
    shard_spec one = {1, 1};
    if (!s || s->n == 0)
        s = &one;
    json_t *j = json_object(), *sh = json_object(), *rg = json_object();
    json_object_set_new(j, STARC_RESULTS_SHARD_KEY_KIND, json_string(kind));
    json_object_set_new(j, STARC_RESULTS_SHARD_KEY_VERSION, json_string(PACKAGE_VERSION));
    json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_K, json_integer((json_int_t)s->k));
    json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_N, json_integer((json_int_t)s->n));
    json_object_set_new(j, STARC_RESULTS_SHARD_KEY_SHARD, sh);
    json_object_set_new(rg, STARC_RESULTS_SHARD_KEY_BEGIN, json_integer((json_int_t)begin));
    json_object_set_new(rg, STARC_RESULTS_SHARD_KEY_END, json_integer((json_int_t)end));
    json_object_set_new(j, STARC_RESULTS_SHARD_KEY_RANGE, rg);
    json_object_set_new(j, STARC_RESULTS_SHARD_KEY_TOTAL, json_integer((json_int_t)total));
    json_object_set(j, STARC_RESULTS_SHARD_KEY_SETTINGS, settings ? settings : json_object());
    char *text = json_dumps(j, JSON_REAL_PRECISION(17) | JSON_INDENT(2));
    char *path = cli_path_join(dir, STARC_RESULTS_SHARD_MANIFEST);
    int rc = text && path ? cli_write_line(shard_cmd(), path, text) : cli_fail(shard_cmd(), "out of memory");
    free(path);
    free(text);
    json_decref(j);
    return rc;
}

int shard_manifest_remove(const char *dir)
{
    char *path = cli_path_join(dir, STARC_RESULTS_SHARD_MANIFEST);
    if (!path)
        return cli_fail(shard_cmd(), "out of memory");
    int rc = EXIT_OK;
    if (unlink(path) != 0 && errno != ENOENT)
        rc = cli_fail(shard_cmd(), "%s: cannot remove the old manifest: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* PATH, or FILE of a reward spec FILE.npz:KEY when PATH itself is not there. */
static FILE *open_spec(const char *path)
{
    FILE *f = fopen(path, "rb");
    const char *colon = strrchr(path, ':');
    if (f || errno != ENOENT || !colon)
        return f;
    char *file = strndup(path, (size_t)(colon - path));
    if (file)
        f = fopen(file, "rb");
    free(file);
    errno = f ? 0 : errno ? errno : ENOMEM;
    return f;
}

int shard_file_digest(const char *opt, const char *path, char hex[SHARD_DIGEST_LEN + 1])
{
    FILE *f = open_spec(path);
    if (!f)
        return cli_usage(shard_cmd(), "option --%s: cannot read %s: %s", opt, path, strerror(errno));
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[1 << 16], d[SHA256_DIGEST_SIZE];
    size_t len;
    while ((len = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&ctx, len, buf);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return cli_usage(shard_cmd(), "option --%s: cannot read %s", opt, path);
    sha256_digest(&ctx, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return EXIT_OK;
}

/* One directory's manifest, read and checked for shape. */
typedef struct manifest {
    const char *dir;
    json_t *root;
    const char *kind, *version;
    json_t *settings;
    size_t k, n, begin, end, total;
} manifest;

static int get_count(json_t *obj, const char *key, size_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (size_t)json_integer_value(v);
    return 0;
}

/* EXIT_OK, or one line: the directory is missing, unfinished or its manifest malformed. */
static int manifest_read(const char *dir, manifest *m)
{
    const char *cmd = shard_cmd();
    memset(m, 0, sizeof *m);
    m->dir = dir;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_usage(cmd, "%s: %s", dir, stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
    char *marker = cli_path_join(dir, CLI_INCOMPLETE), *path = cli_path_join(dir, STARC_RESULTS_SHARD_MANIFEST);
    int rc = marker && path ? EXIT_OK : cli_fail(cmd, "out of memory");
    if (!rc && access(marker, F_OK) == 0)
        rc = cli_usage(cmd, "%s: " CLI_INCOMPLETE ": the shard did not finish; run it again", dir);
    else if (!rc && access(path, F_OK) != 0)
        rc = cli_usage(cmd, "%s: no " STARC_RESULTS_SHARD_MANIFEST ": the shard did not finish; run it again", dir);
    json_error_t je;
    if (!rc && !(m->root = json_load_file(path, 0, &je)))
        rc = cli_usage(cmd, "%s: not JSON: %s (line %d)", path, je.text, je.line);
    json_t *r = m->root, *sh = json_object_get(r, STARC_RESULTS_SHARD_KEY_SHARD);
    json_t *rg = json_object_get(r, STARC_RESULTS_SHARD_KEY_RANGE);
    m->kind = json_string_value(json_object_get(r, STARC_RESULTS_SHARD_KEY_KIND));
    m->version = json_string_value(json_object_get(r, STARC_RESULTS_SHARD_KEY_VERSION));
    m->settings = json_object_get(r, STARC_RESULTS_SHARD_KEY_SETTINGS);
    if (!rc && (!m->kind || !m->version || !json_is_object(m->settings) || get_count(sh, STARC_RESULTS_SHARD_KEY_K, &m->k) ||
                get_count(sh, STARC_RESULTS_SHARD_KEY_N, &m->n) || get_count(rg, STARC_RESULTS_SHARD_KEY_BEGIN, &m->begin) ||
                get_count(rg, STARC_RESULTS_SHARD_KEY_END, &m->end) ||
                get_count(r, STARC_RESULTS_SHARD_KEY_TOTAL, &m->total) || m->n < 1 || m->k < 1 || m->k > m->n ||
                m->begin > m->end || m->end > m->total))
        rc = cli_usage(cmd, "%s: not a shard manifest (kind, version, shard {k, n}, range {begin, end}, total, settings)",
                       path);
    free(marker);
    free(path);
    return rc;
}

/* ------------------------------------------------------- comparing settings */

/* A JSON value as one compact line (malloc'd). */
static char *dump_value(const json_t *v)
{
    return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17)) : strdup("(absent)");
}

/* The first key (a dotted path into nested objects) whose values differ between
 * a and b, both objects: a's keys in order, then b's keys a lacks.  Writes the
 * path into key and the two values into *va, *vb (borrowed, NULL when absent);
 * 0 when the objects are equal. */
static int first_difference(json_t *a, json_t *b, char *key, size_t keylen, json_t **va, json_t **vb)
{
    const char *k;
    json_t *x;
    for (int pass = 0; pass < 2; pass++) {
        json_object_foreach(pass ? b : a, k, x) {
            json_t *y = json_object_get(pass ? a : b, k);
            if (pass && y)
                continue;
            if (y && json_equal(x, y))
                continue;
            size_t used = strlen(key);
            snprintf(key + used, keylen - used, "%s%s", used ? "." : "", k);
            if (!pass && json_is_object(x) && json_is_object(y))
                return first_difference(x, y, key, keylen, va, vb);
            *va = pass ? NULL : x;
            *vb = pass ? x : y;
            return 1;
        }
    }
    return 0;
}

/* EXIT_OK when m agrees with the first shard f in kind, version, settings, N
 * and total; else one line naming m's directory and what differs. */
static int manifest_agrees(const manifest *f, const manifest *m)
{
    const char *cmd = shard_cmd();
    if (strcmp(m->kind, f->kind) != 0)
        return cli_usage(cmd, "%s: a %s shard, but %s holds a %s shard: merge shards of one run", m->dir, m->kind,
                         f->dir, f->kind);
    if (strcmp(m->version, f->version) != 0)
        return cli_usage(cmd, "%s: written by libstarc %s, but %s by %s: merge shards of one version", m->dir,
                         m->version, f->dir, f->version);
    char key[256] = "";
    json_t *va = NULL, *vb = NULL;
    if (first_difference(m->settings, f->settings, key, sizeof key, &va, &vb)) {
        char *sa = dump_value(va), *sb = dump_value(vb);
        int rc = cli_usage(cmd, "%s: setting %s is %s, but %s in %s: the shards come from different runs", m->dir, key,
                           sa ? sa : "?", sb ? sb : "?", f->dir);
        free(sa);
        free(sb);
        return rc;
    }
    if (m->n != f->n)
        return cli_usage(cmd, "%s: shard %zu/%zu, but %s is shard %zu/%zu: N differs", m->dir, m->k, m->n, f->dir, f->k,
                         f->n);
    if (m->total != f->total)
        return cli_usage(cmd, "%s: a run of %zu items, but %s of %zu", m->dir, m->total, f->dir, f->total);
    return EXIT_OK;
}

/* ----------------------------------------------------------- the set */

/* Every K of 1..N given exactly once: bykey[k - 1] is the manifest of shard k. */
static int check_cover(const manifest *ms, int ndirs, const manifest **bykey)
{
    const char *cmd = shard_cmd();
    const size_t n = ms[0].n;
    for (int i = 0; i < ndirs; i++) {
        const manifest *prev = bykey[ms[i].k - 1];
        if (prev)
            return cli_usage(cmd, "%s: shard %zu/%zu is given twice (also %s): the shards overlap", ms[i].dir, ms[i].k,
                             n, prev->dir);
        bykey[ms[i].k - 1] = &ms[i];
    }
    char list[160] = "";
    size_t missing = 0, used = 0;
    for (size_t k = 1; k <= n; k++)
        if (!bykey[k - 1] && missing++ < 8 && used < sizeof list) {
            int w = snprintf(list + used, sizeof list - used, "%s%zu/%zu", missing > 1 ? ", " : "", k, n);
            used += w > 0 ? (size_t)w : 0;
        }
    if (missing == 1)
        return cli_usage(cmd, "shard %s is missing: run it (--shard %s) and merge again", list, list);
    if (missing)
        return cli_usage(cmd, "%zu shards are missing (%s%s): run them (--shard K/N each) and merge again", missing,
                         list, missing > 8 ? ", ..." : "");
    for (size_t k = 1; k <= n; k++) {
        const manifest *m = bykey[k - 1];
        size_t want = k == 1 ? 0 : bykey[k - 2]->end;
        if (m->begin != want || (k == n && m->end != m->total))
            return cli_usage(cmd, "%s: shard %zu/%zu covers [%zu, %zu), but the shards before it end at %zu of %zu: "
                             "the ranges do not tile the run", m->dir, k, n, m->begin, m->end, want, m->total);
    }
    return EXIT_OK;
}

static int set_fill(shard_set *out, const manifest *const *bykey, size_t n)
{
    out->dirs = calloc(n, sizeof *out->dirs);
    out->begin = calloc(n, sizeof *out->begin);
    out->end = calloc(n, sizeof *out->end);
    out->kind = strdup(bykey[0]->kind);
    out->version = strdup(bykey[0]->version);
    if (!out->dirs || !out->begin || !out->end || !out->kind || !out->version)
        return cli_fail(shard_cmd(), "out of memory");
    out->n = n; /* from here on shard_set_free() frees what was copied */
    for (size_t k = 0; k < n; k++) {
        if (!(out->dirs[k] = strdup(bykey[k]->dir)))
            return cli_fail(shard_cmd(), "out of memory");
        out->begin[k] = bykey[k]->begin;
        out->end[k] = bykey[k]->end;
    }
    out->total = bykey[0]->total;
    out->settings = json_incref(bykey[0]->settings);
    return EXIT_OK;
}

int shard_set_open(int ndirs, char *const *dirs, shard_set *out)
{
    memset(out, 0, sizeof *out);
    if (ndirs < 1)
        return cli_usage(shard_cmd(), "no shard directories given");
    manifest *ms = calloc((size_t)ndirs, sizeof *ms);
    if (!ms)
        return cli_fail(shard_cmd(), "out of memory");
    int rc = EXIT_OK;
    for (int i = 0; i < ndirs && !rc; i++)
        if (!(rc = manifest_read(dirs[i], &ms[i])) && i > 0)
            rc = manifest_agrees(&ms[0], &ms[i]);
    const manifest **bykey = rc ? NULL : calloc(ms[0].n, sizeof *bykey);
    if (!rc && !bykey)
        rc = cli_fail(shard_cmd(), "out of memory");
    if (!rc && !(rc = check_cover(ms, ndirs, bykey)))
        rc = set_fill(out, bykey, ms[0].n);
    for (int i = 0; i < ndirs; i++)
        json_decref(ms[i].root);
    free(ms);
    free(bykey);
    if (rc)
        shard_set_free(out);
    return rc;
}

void shard_set_free(shard_set *s)
{
    if (!s)
        return;
    if (s->dirs)
        for (size_t k = 0; k < s->n; k++)
            free(s->dirs[k]);
    free(s->dirs);
    free(s->kind);
    free(s->version);
    json_decref(s->settings);
    free(s->begin);
    free(s->end);
    memset(s, 0, sizeof *s);
}
