/* Study shards: `starc experiment --shard K/N -o DIR_K` computes MDPs [begin,
 * end) of the study (shard_range) with the whole study's random numbers and
 * writes their pairs.tsv rows, --save-data files and points.npy, then
 * shard.json; experiment_merge() (`starc merge`, `starc experiment --merge`)
 * concatenates the shards in order and writes, from the merged points, the
 * single run's outputs through exp_write_outputs(). */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "experiment.h"

/* The settings of a study shard (shard.json): every option that changes the
 * merged files.  Written and read only here. */
#define SET_MDPS "mdps"
#define SET_PAIRS "pairs"
#define SET_STEPS "steps"
#define SET_STATES "states"
#define SET_ACTIONS "actions"
#define SET_GAMMA "gamma"
#define SET_SEED "seed"
#define SET_TRIVIAL_TOL "trivial_tol" /* the option's value; null: derived */
#define SET_SCATTER "scatter"         /* the variants of scatter.gp, canon:norm:metric,... */
#define SET_PAIRS_TSV "pairs_tsv"     /* whether pairs.tsv is written (not --no-pairs) */
#define SET_SAVE_DATA "save_data"     /* --save-data N */

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

json_t *exp_settings(const exp_args *a, const scatter_spec *sc)
{
    const starc_study_options *o = &a->o;
    char scatter[EXP_SCATTER_MAX * 65] = "";
    for (size_t q = 0; q < sc->n; q++) {
        strcat(scatter, q ? "," : "");
        strcat(scatter, sc->name[q]);
    }
    json_t *j = json_object();
    json_object_set_new(j, SET_MDPS, json_integer((json_int_t)o->mdps));
    json_object_set_new(j, SET_PAIRS, json_integer((json_int_t)o->pairs));
    json_object_set_new(j, SET_STEPS, json_integer((json_int_t)o->steps));
    json_object_set_new(j, SET_STATES, json_integer((json_int_t)o->states));
    json_object_set_new(j, SET_ACTIONS, json_integer((json_int_t)o->actions));
    json_object_set_new(j, SET_GAMMA, json_real(o->gamma));
    json_object_set_new(j, SET_SEED, json_integer((json_int_t)o->seed));
    json_object_set_new(j, SET_TRIVIAL_TOL, o->trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED
                                                ? json_null() : json_real(o->trivial_tol));
    json_object_set_new(j, SET_SCATTER, json_string(scatter));
    json_object_set_new(j, SET_PAIRS_TSV, json_boolean(!a->no_pairs));
    json_object_set_new(j, SET_SAVE_DATA, json_integer((json_int_t)a->save_data));
    return j;
}

/* A non-negative integer setting. */
static int get_size(const json_t *set, const char *key, size_t *out)
{
    json_t *v = json_object_get(set, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (size_t)json_integer_value(v);
    return 0;
}

/* The options of the study the set's shards come from; a->scatter points
 * into the set's settings. */
static int args_from_settings(const shard_set *set, exp_args *a)
{
    const json_t *j = set->settings;
    starc_study_options_default(&a->o);
    size_t save = 0;
    json_t *gamma = json_object_get(j, SET_GAMMA), *seed = json_object_get(j, SET_SEED);
    json_t *tol = json_object_get(j, SET_TRIVIAL_TOL), *pairs = json_object_get(j, SET_PAIRS_TSV);
    a->scatter = json_string_value(json_object_get(j, SET_SCATTER));
    if (get_size(j, SET_MDPS, &a->o.mdps) || get_size(j, SET_PAIRS, &a->o.pairs) || get_size(j, SET_STEPS, &a->o.steps) ||
        get_size(j, SET_STATES, &a->o.states) || get_size(j, SET_ACTIONS, &a->o.actions) ||
        get_size(j, SET_SAVE_DATA, &save) || !json_is_real(gamma) || !json_is_integer(seed) ||
        !(json_is_null(tol) || json_is_real(tol)) || !json_is_boolean(pairs) || !a->scatter || a->o.mdps == 0 ||
        a->o.pairs == 0 || a->o.steps == 0 || a->o.mdps != set->total)
        return cli_usage(a->cmd, "%s/" STARC_RESULTS_SHARD_MANIFEST ": not the settings of a study shard", set->dirs[0]);
    a->o.gamma = json_real_value(gamma);
    /* a manifest edited by hand must not make the merge allocate without bound */
    const size_t per = a->o.pairs * a->o.steps, NV = starc_study_nvariants();
    if (a->o.pairs > ((size_t)1 << 20) || a->o.steps > ((size_t)1 << 20) || a->o.mdps > ((size_t)1 << 24) ||
        a->o.mdps > SIZE_MAX / sizeof(double) / (NV + 1) / per || !(a->o.gamma >= 0.0 && a->o.gamma < 1.0))
        return cli_usage(a->cmd, "%s/" STARC_RESULTS_SHARD_MANIFEST ": settings out of range", set->dirs[0]);
    a->o.seed = (uint64_t)json_integer_value(seed);
    a->o.trivial_tol = json_is_null(tol) ? STARC_DISTANCE_TRIVIAL_TOL_DERIVED : json_real_value(tol);
    a->no_pairs = json_is_false(pairs);
    a->save_data = save;
    return EXIT_OK;
}

/* ------------------------------------------------------------ the shard */

/* DIR/points.npy: (points, 1 + variants), a row per point: regret, then every variant. */
static int write_points(const exp_args *a, const starc_study *s)
{
    const size_t NV = starc_study_nvariants(), N = s ? starc_study_npoints(s) : 0, cols = 1 + NV;
    double *buf = malloc((N ? N : 1) * cols * sizeof(double));
    char *path = cli_path_join(a->dir, STARC_RESULTS_STUDY_POINTS);
    int rc = buf && path ? EXIT_OK : cli_fail(a->cmd, "out of memory");
    for (size_t i = 0; !rc && i < N; i++)
        buf[i * cols] = starc_study_regrets(s)[i];
    for (size_t v = 0; !rc && N && v < NV; v++) {
        const double *x = starc_study_values(s, v);
        for (size_t i = 0; i < N; i++)
            buf[i * cols + 1 + v] = x[i];
    }
    const size_t shape[2] = {N, cols};
    if (!rc)
        rc = cli_write_npy(a->cmd, path, 2, shape, buf);
    free(buf);
    free(path);
    return rc;
}

/* The shard's report: text on out (NULL: none), the JSON members into summary (NULL: none). */
static void shard_report(FILE *out, json_t *summary, const exp_args *a, size_t begin, size_t end, size_t points,
                         double secs)
{
    if (summary) {
        json_t *sh = json_object(), *rg = json_object();
        json_object_set_new(summary, STARC_RESULTS_SHARD_KEY_KIND, json_string(STARC_RESULTS_STUDY_KIND));
        json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_K, json_integer((json_int_t)a->shard.k));
        json_object_set_new(sh, STARC_RESULTS_SHARD_KEY_N, json_integer((json_int_t)a->shard.n));
        json_object_set_new(summary, STARC_RESULTS_SHARD_KEY_SHARD, sh);
        json_object_set_new(rg, STARC_RESULTS_SHARD_KEY_BEGIN, json_integer((json_int_t)begin));
        json_object_set_new(rg, STARC_RESULTS_SHARD_KEY_END, json_integer((json_int_t)end));
        json_object_set_new(summary, STARC_RESULTS_SHARD_KEY_RANGE, rg);
        json_object_set_new(summary, STARC_RESULTS_SHARD_KEY_TOTAL, json_integer((json_int_t)a->o.mdps));
        json_object_set_new(summary, STARC_RESULTS_STUDY_KEY_POINTS, json_integer((json_int_t)points));
        json_object_set_new(summary, "dir", json_string(a->dir));
        json_object_set_new(summary, "seconds", json_real(secs));
    }
    if (!out)
        return;
    fprintf(out, "STARC random-MDP study, shard %zu/%zu: MDPs [%zu, %zu) of %zu, %zu points, %.2f s\nwrote ",
            a->shard.k, a->shard.n, begin, end, a->o.mdps, points, secs);
    cli_escape(out, a->dir);
    fprintf(out, "/{%s" STARC_RESULTS_STUDY_POINTS ", " STARC_RESULTS_SHARD_MANIFEST "}; merge the %zu shards with "
                 "'starc merge DIR... -o OUT'\n", a->no_pairs ? "" : STARC_RESULTS_STUDY_PAIRS ", ", a->shard.n);
}

int exp_run_shard(const exp_args *a, const scatter_spec *sc, FILE *out, json_t *summary)
{
    exp_args sa = *a;
    shard_range(a->o.mdps, &a->shard, &sa.o.mdp_begin, &sa.o.mdp_end);
    const size_t begin = sa.o.mdp_begin, end = sa.o.mdp_end;
    int rc = cli_dir_begin(a->cmd, a->dir);
    if (rc || (rc = shard_manifest_remove(a->dir)))
        return rc;
    starc_study *s = NULL;
    double secs = 0.0;
    if (begin < end) {
        rc = exp_compute(&sa, &s, &secs);
    } else { /* an empty shard (N > MDPs): the header alone */
        cli_out pairs;
        if (!(rc = exp_open_pairs(a, &pairs)) && pairs.f)
            rc = cli_out_commit(a->cmd, &pairs);
    }
    if (!rc)
        rc = write_points(a, s);
    if (!rc) {
        json_t *settings = exp_settings(a, sc);
        rc = shard_manifest_write(a->dir, STARC_RESULTS_STUDY_KIND, &a->shard, begin, end, a->o.mdps, settings);
        json_decref(settings);
    }
    if (!rc)
        rc = cli_dir_done(a->cmd, a->dir);
    if (!rc)
        shard_report(out, summary, a, begin, end, s ? starc_study_npoints(s) : 0, secs);
    starc_study_free(s);
    return rc;
}

/* ------------------------------------------------------------ the merge */

/* Shard k's points.npy into the merged regrets and values (variant-major, N points). */
static int read_points(const exp_args *a, const shard_set *set, size_t k, double *reg, double *val, size_t N)
{
    const size_t per = a->o.pairs * a->o.steps, NV = starc_study_nvariants(), cols = 1 + NV;
    const size_t first = set->begin[k] * per, rows = (set->end[k] - set->begin[k]) * per;
    char *path = cli_path_join(set->dirs[k], STARC_RESULTS_STUDY_POINTS);
    if (!path)
        return cli_fail(a->cmd, "out of memory");
    starc_npy_array arr;
    starc_npy_array_init(&arr);
    starc_error err;
    starc_error_clear(&err);
    int st = starc_npy_read(path, &arr, &err), rc = EXIT_OK;
    if (st)
        rc = cli_usage(a->cmd, "%s", err.message[0] ? err.message : starc_error_string(st));
    else if (arr.ndim != 2 || arr.shape[0] != rows || arr.shape[1] != cols)
        rc = cli_usage(a->cmd, "%s: not %zu points of %zu columns: the shard is damaged; run it again", path, rows, cols);
    for (size_t i = 0; !rc && i < rows; i++) {
        const double *row = arr.data + i * cols;
        reg[first + i] = row[0];
        for (size_t v = 0; v < NV; v++)
            val[v * N + first + i] = row[1 + v];
    }
    starc_npy_array_clear(&arr);
    free(path);
    return rc;
}

/* The merged study from every shard's points. */
static int merged_study(const exp_args *a, const shard_set *set, starc_study **s)
{
    const size_t per = a->o.pairs * a->o.steps, N = a->o.mdps * per, NV = starc_study_nvariants();
    double *reg = malloc(N * sizeof(double)), *val = malloc(N * NV * sizeof(double));
    int rc = reg && val ? EXIT_OK : cli_fail(a->cmd, "out of memory for %zu points", N);
    for (size_t k = 0; !rc && k < set->n; k++)
        rc = read_points(a, set, k, reg, val, N);
    starc_error err;
    starc_error_clear(&err);
    int st = rc ? STARC_OK : starc_study_from_points(N, reg, val, 0, s, &err);
    if (st)
        rc = cli_lib_error(a->cmd, st, &err);
    free(reg);
    free(val);
    return rc;
}

/* Append shard k's pairs.tsv rows (after its header, which must be this
 * study's) to f, checking that it holds exactly its points' rows. */
static int append_rows(const exp_args *a, const shard_set *set, size_t k, const char *header, FILE *f)
{
    const size_t rows = (set->end[k] - set->begin[k]) * a->o.pairs * a->o.steps;
    char *path = cli_path_join(set->dirs[k], STARC_RESULTS_STUDY_PAIRS);
    FILE *in = path ? fopen(path, "rb") : NULL;
    if (!in) {
        int rc = path ? cli_usage(a->cmd, "%s: %s", path, strerror(errno)) : cli_fail(a->cmd, "out of memory");
        free(path);
        return rc;
    }
    char *line = NULL, buf[1 << 16];
    size_t cap = 0, lines = 0, got;
    int rc = EXIT_OK, last = '\n';
    if (getline(&line, &cap, in) < 0 || strcmp(line, header) != 0)
        rc = cli_usage(a->cmd, "%s: the first line is not the study's header: the shard is damaged; run it again", path);
    while (!rc && (got = fread(buf, 1, sizeof buf, in)) > 0) {
        for (size_t i = 0; i < got; i++)
            lines += buf[i] == '\n';
        last = buf[got - 1];
        fwrite(buf, 1, got, f); /* checked when the output is committed */
    }
    if (!rc && (ferror(in) || lines != rows || last != '\n'))
        rc = cli_usage(a->cmd, "%s: %s%zu rows where the shard has %zu points: the shard is damaged; run it again", path,
                       ferror(in) ? "read error; " : "", lines, rows);
    free(line);
    fclose(in);
    free(path);
    return rc;
}

/* OUT/pairs.tsv: the header, then every shard's rows in order. */
static int merge_pairs(const exp_args *a, const shard_set *set)
{
    cli_out o;
    int rc = exp_open_pairs(a, &o);
    if (rc || !o.f)
        return rc;
    char *header = exp_pairs_header();
    if (!header)
        rc = cli_fail(a->cmd, "out of memory");
    for (size_t k = 0; !rc && k < set->n; k++)
        rc = append_rows(a, set, k, header, o.f);
    free(header);
    if (rc)
        cli_out_abort(&o);
    else
        rc = cli_out_commit(a->cmd, &o);
    return rc;
}

/* Copy the file src to dst through output.c. */
static int copy_file(const char *cmd, const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return cli_usage(cmd, "%s: %s: the shard is damaged; run it again", src, strerror(errno));
    cli_out o;
    int rc = cli_out_open(cmd, dst, &o);
    char buf[1 << 16];
    size_t got;
    while (!rc && (got = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, got, o.f);
    if (!rc && ferror(in)) {
        cli_out_abort(&o);
        rc = cli_usage(cmd, "%s: read error", src);
    } else if (!rc) {
        rc = cli_out_commit(cmd, &o);
    }
    fclose(in);
    return rc;
}

/* --save-data: OUT/data/ gathers the saved MDPs of every shard. */
static int merge_data(const exp_args *a, const shard_set *set)
{
    char *out = cli_path_join(a->dir, STARC_RESULTS_STUDY_DATA);
    int rc = out ? cli_mkdir_p(a->cmd, out) : cli_fail(a->cmd, "out of memory");
    for (size_t k = 0; !rc && k < set->n; k++) {
        char *in = cli_path_join(set->dirs[k], STARC_RESULTS_STUDY_DATA);
        for (size_t j = set->begin[k]; in && !rc && j < set->end[k] && j < a->save_data; j++) {
            char names[2][64];
            exp_data_names(j, names[0], names[1]);
            for (int f = 0; f < 2 && !rc; f++) {
                char *src = cli_path_join(in, names[f]), *dst = cli_path_join(out, names[f]);
                rc = src && dst ? copy_file(a->cmd, src, dst) : cli_fail(a->cmd, "out of memory");
                free(src);
                free(dst);
            }
        }
        if (!in)
            rc = cli_fail(a->cmd, "out of memory");
        free(in);
    }
    free(out);
    return rc;
}

int experiment_merge(const shard_set *set, const shard_merge_args *ma)
{
    const double t0 = wall_seconds();
    exp_args a;
    memset(&a, 0, sizeof a);
    a.cmd = ma->cmd;
    a.dir = ma->out;
    a.fmt = ma->fmt;
    a.no_render = ma->no_render;
    scatter_spec sc;
    int rc = args_from_settings(set, &a);
    if (rc || (rc = exp_parse_scatter(a.cmd, a.scatter, &sc)))
        return rc;
    starc_study *s = NULL;
    if ((rc = merged_study(&a, set, &s)))
        return rc;
    json_t *summary = a.fmt == CLI_JSON ? json_object() : NULL;
    if (!(rc = cli_dir_begin(a.cmd, a.dir)) && !(rc = merge_pairs(&a, set)) && (!a.save_data || !(rc = merge_data(&a, set))))
        rc = exp_write_outputs(&a, &sc, s, wall_seconds() - t0, summary ? NULL : stdout, summary);
    starc_study_free(s);
    if (summary && !rc)
        return cli_json_print(summary);
    json_decref(summary);
    return rc;
}
