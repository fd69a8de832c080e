/* starc experiment's computation and outputs, shared by the single run
 * (cmd-experiment.c), its shards and their merge (experiment-shard.c) and the
 * MPI driver (experiment-mpi.c): the study streamed with pairs.tsv's rows,
 * --save-data, progress, and every other output written from a complete study
 * (correlations.tsv, summary.json, the Figure-1 style gnuplot figure and the
 * distance-vs-regret scatter, rendered when gnuplot is installed).  The
 * commands sit above this module; it calls none of them. */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "experiment.h"
#include "fmt17.h"
#include "gnuplot.h"

/* The study's index of the variant named canon:norm:metric, or -1 (also for an unknown name). */
static long variant_index(const char *canon, const char *norm, const char *metric)
{
    starc_canon_kind c;
    starc_norm_kind n;
    starc_metric_kind m;
    if (starc_canon_kind_parse(canon, &c, NULL) || starc_norm_kind_parse(norm, &n, NULL) ||
        starc_metric_kind_parse(metric, &m, NULL))
        return -1;
    return starc_study_variant_index(c, n, m);
}

/* --------------------------------------------------------------- output */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static int text_reserve(text *t, size_t more)
{
    if (t->n + more < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap <= t->n + more)
        cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s)
        return -1;
    t->s = s;
    t->cap = cap;
    return 0;
}

static int text_num(text *t, double x, char sep)
{
    if (text_reserve(t, 40))
        return -1;
    char *o = t->s + t->n;
    int w = fmt17(o, x);
    o[w] = sep;
    o[w + 1] = '\0';
    t->n += (size_t)w + 1;
    return 0;
}

static int text_str(text *t, const char *s)
{
    size_t k = strlen(s);
    if (text_reserve(t, k + 1))
        return -1;
    memcpy(t->s + t->n, s, k + 1);
    t->n += k;
    return 0;
}

/* Run state shared by the callbacks. */
typedef struct run_state {
    const exp_args *a;
    FILE *pairs; /* NULL with --no-pairs */
    int show_progress;
    struct timespec t0;
    double last_draw;
    /* formatted batches are recycled: a fresh 1 MB buffer per MDP costs page faults */
    pthread_mutex_t mu;
    text *pool[64];
    size_t npool;
    char *data_dir;                  /* --save-data: DIR/data */
    char errmsg[STARC_ERROR_MSGLEN]; /* why a callback failed */
} run_state;

static text *pool_get(run_state *rs)
{
    text *t = NULL;
    pthread_mutex_lock(&rs->mu);
    if (rs->npool)
        t = rs->pool[--rs->npool];
    pthread_mutex_unlock(&rs->mu);
    if (!t)
        t = calloc(1, sizeof *t);
    else
        t->n = 0;
    return t;
}

static void pool_put(run_state *rs, text *t)
{
    pthread_mutex_lock(&rs->mu);
    if (rs->npool < sizeof rs->pool / sizeof rs->pool[0]) {
        rs->pool[rs->npool++] = t;
        t = NULL;
    }
    pthread_mutex_unlock(&rs->mu);
    if (t)
        free(t->s);
    free(t);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* Format one MDP's rows on the worker thread (formatting costs as much as a
 * third of the arithmetic, so it is done in parallel). */
static int format_batch(const starc_study_batch *b, void *user, void **data)
{
    run_state *rs = user;
    if (!rs->pairs)
        return 0;
    text *t = pool_get(rs);
    if (!t)
        return -1;
    const size_t per = b->pairs * b->steps;
    if (text_reserve(t, per * (b->nvariants + 4) * 26)) {
        free(t->s);
        free(t);
        return -1;
    }
    char head[96];
    for (size_t k = 0; k < b->pairs; k++)
        for (size_t i = 1; i <= b->steps; i++) {
            size_t p = k * b->steps + (i - 1);
            snprintf(head, sizeof head, "%zu\t%zu\t%zu\t", b->mdp, k, i);
            if (text_str(t, head) || text_num(t, b->regret[p], '\t'))
                goto fail;
            const double *row = b->values + p * b->nvariants;
            for (size_t v = 0; v < b->nvariants; v++)
                if (text_num(t, row[v], v + 1 < b->nvariants ? '\t' : '\n'))
                    goto fail;
        }
    *data = t;
    return 0;
fail:
    free(t->s);
    free(t);
    return -1;
}

static void discard_batch(void *data, void *user)
{
    (void)user;
    text *t = data;
    if (t)
        free(t->s);
    free(t);
}

/* --save-data: the MDP and its reward pairs as numpy files, for checking the
 * numbers with other tools (tests/bench/bench-study.py does). */
static int save_data(run_state *rs, const starc_study_batch *b)
{
    const size_t S = starc_mdp_states(b->m), A = starc_mdp_actions(b->m), n = S * A * S;
    char name[64];
    starc_error err;
    starc_error_clear(&err);
    char rname[64];
    exp_data_names(b->mdp, name, rname);
    char *path = cli_path_join(rs->data_dir, name);
    int st = path ? cli_save_mdp(path, b->m, &err) : STARC_ENOMEM;
    free(path);
    if (st) {
        snprintf(rs->errmsg, sizeof rs->errmsg, "%s", err.message[0] ? err.message : starc_error_string(st));
        return -1;
    }
    size_t na = 2 * b->pairs;
    starc_npy_array *arr = calloc(na, sizeof *arr);
    char **names = calloc(na, sizeof *names);
    char *buf = malloc(na * 32);
    if (!arr || !names || !buf) {
        free(arr), free(names), free(buf);
        snprintf(rs->errmsg, sizeof rs->errmsg, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < na; i++) {
        starc_npy_array_init(&arr[i]);
        arr[i].ndim = 3;
        arr[i].shape[0] = S, arr[i].shape[1] = A, arr[i].shape[2] = S;
        arr[i].data = (double *)((i % 2 ? b->R2 : b->R1) + (i / 2) * n); /* borrowed */
        names[i] = buf + 32 * i;
        snprintf(names[i], 32, "R%d_%zu", i % 2 ? 2 : 1, i / 2);
    }
    path = cli_path_join(rs->data_dir, rname);
    st = path ? cli_save_npz(path, na, (const char *const *)names, arr, &err) : STARC_ENOMEM;
    free(path), free(arr), free(names), free(buf);
    if (st) {
        snprintf(rs->errmsg, sizeof rs->errmsg, "%s", err.message[0] ? err.message : starc_error_string(st));
        return -1;
    }
    return 0;
}

static int write_batch(const starc_study_batch *b, void *data, void *user)
{
    run_state *rs = user;
    text *t = data;
    int bad = 0;
    if (t && rs->pairs && fwrite(t->s, 1, t->n, rs->pairs) != t->n) {
        snprintf(rs->errmsg, sizeof rs->errmsg, "pairs.tsv: write failed");
        bad = 1;
    }
    if (t)
        pool_put(rs, t);
    if (!bad && rs->data_dir && b->mdp < rs->a->save_data)
        bad = save_data(rs, b);
    return bad;
}

static void draw_progress(size_t done, size_t total, void *user)
{
    run_state *rs = user;
    if (!rs->show_progress)
        return;
    double el = seconds_since(&rs->t0);
    if (done < total && el - rs->last_draw < 0.1)
        return;
    rs->last_draw = el;
    const int width = 30;
    int fill = total ? (int)((double)width * (double)done / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[width] = '\0';
    double eta = done ? el * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\rstarc experiment: [%s] %3.0f%% %zu/%zu points, %.1f s, eta %.1f s ", bar,
            total ? 100.0 * (double)done / (double)total : 100.0, done, total, el, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ------------------------------------------------------------- gnuplot */

/* Paper's column order for the figure (Figure 1), then the exact minimal one. */
static const char *const fig_canons[] = {"none", "epic", "dard", "minimal-potential", "val-potential", "val", "minimal"};
static const char *const fig_labels[] = {"None", "EPIC", "DARD", "Minimal-Pot.", "VAL-Pot.", "VAL", "Minimal (exact)"};
static const char *const fig_norms[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "none", "range"};
static const char *const fig_colours[] = {"#9400d3", "#009e73", "#56b4e9", "#e69f00", "#b8860b", "#0072b2", "#e51e10", "#808080"};
static const char *const fig_metrics[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf"};

/* Figure 1 of the STARC paper: one column per canonicalisation, one point per
 * (normalisation, metric), the EPIC and DARD originals marked. */
static void figure_script(FILE *f, const starc_study *s)
{
    gp_header(f, "Correlation of each distance variant with regret (STARC paper, Figure 1 style)", "pngcairo",
              STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_PNG, 1100, 600);
    for (size_t ni = 0; ni < 8; ni++) {
        fprintf(f, "$N_%s << EOD\n# x canon norm metric pearson_r spearman_r\n", fig_norms[ni]);
        for (size_t ci = 0; ci < 7; ci++)
            for (size_t mi = 0; mi < 6; mi++) {
                long v = variant_index(fig_canons[ci], fig_norms[ni], fig_metrics[mi]);
                double x = (double)ci + 0.09 * ((double)ni - 3.5) + 0.012 * ((double)mi - 2.5);
                fprintf(f, "%.4f %s %s %s ", x, fig_canons[ci], fig_norms[ni], fig_metrics[mi]);
                fmt17_put(f, starc_study_pearson(s, (size_t)v));
                fputc(' ', f);
                fmt17_put(f, starc_study_spearman(s, (size_t)v));
                fputc('\n', f);
            }
        fputs("EOD\n", f);
    }
    fputs("$ORIG << EOD\n# x name pearson_r spearman_r\n", f);
    for (int k = 0; k < 2; k++) {
        long v = variant_index(k ? "dard" : "epic", "none", "pearson");
        fprintf(f, "%d %s ", k ? 2 : 1, k ? "DARD" : "EPIC");
        fmt17_put(f, starc_study_pearson(s, (size_t)v));
        fputc(' ', f);
        fmt17_put(f, starc_study_spearman(s, (size_t)v));
        fputc('\n', f);
    }
    fputs("EOD\n", f);
    char title[128];
    snprintf(title, sizeof title, "Pearson correlation with regret, %zu data points", starc_study_npoints(s));
    fputs("set title ", f);
    gp_string(f, title);
    fputs("\nset ylabel 'Pearson correlation with symmetric regret'\n"
          "set xrange [-0.6:6.6]\nset yrange [*:1]\nset grid ytics\n"
          "set key outside right top title 'normalisation n'\nset xtics (", f);
    for (size_t ci = 0; ci < 7; ci++) {
        fputs(ci ? ", " : "", f);
        gp_string(f, fig_labels[ci]);
        fprintf(f, " %zu", ci);
    }
    fputs(")\nplot ", f);
    for (size_t ni = 0; ni < 8; ni++) {
        fprintf(f, "$N_%s using 1:5 with points pt %d ps 0.8 lc rgb '%s' title ", fig_norms[ni], ni == 7 ? 9 : 7,
                fig_colours[ni]);
        gp_string(f, fig_norms[ni]);
        fputs(", \\\n     ", f);
    }
    fputs("$ORIG using 1:3 with points pt 3 ps 3 lw 2 lc rgb 'black' title 'EPIC/DARD original', \\\n"
          "     $ORIG using 1:3:2 with labels offset 0,1.5 notitle\n", f);
}

int exp_parse_scatter(const char *cmd, const char *list, scatter_spec *sc)
{
    sc->n = 0;
    char *dup = strdup(list), *save = NULL;
    if (!dup)
        return cli_fail(cmd, "out of memory");
    for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *c = tok, *n = strchr(c, STARC_RESULTS_VARIANT_SEP);
        char *m = n ? strchr(n + 1, STARC_RESULTS_VARIANT_SEP) : NULL;
        if (!n || !m) {
            int rc = cli_usage(cmd, "option --scatter: '%s' is not " STARC_RESULTS_VARIANT("canon", "norm", "metric"), tok);
            free(dup);
            return rc;
        }
        *n++ = '\0';
        *m++ = '\0';
        long v = variant_index(c, n, m);
        if (v < 0) {
            int rc = cli_usage(cmd, "option --scatter: the study has no variant " STARC_RESULTS_VARIANT_FMT, c, n, m);
            free(dup);
            return rc;
        }
        if (sc->n == EXP_SCATTER_MAX) {
            free(dup);
            return cli_usage(cmd, "option --scatter: at most %d variants", EXP_SCATTER_MAX);
        }
        sc->v[sc->n] = v;
        snprintf(sc->name[sc->n], sizeof sc->name[0], STARC_RESULTS_VARIANT_FMT, c, n, m);
        sc->n++;
    }
    free(dup);
    if (sc->n == 0)
        return cli_usage(cmd, "option --scatter: no variant given");
    return EXIT_OK;
}

/* Distance against regret for the chosen variants; at most 4000 points per panel
 * (every k-th point, so the sample is the same for a seed). */
static void scatter_script(FILE *f, const starc_study *s, const scatter_spec *sc)
{
    char buf[256];
    const size_t N = starc_study_npoints(s), maxpts = 4000;
    const size_t stride = N > maxpts ? (N + maxpts - 1) / maxpts : 1;
    const double *reg = starc_study_regrets(s);
    size_t cols = sc->n < 2 ? 1 : 2, rows = (sc->n + cols - 1) / cols;
    gp_header(f, "Distance against regret for chosen variants", "pngcairo", STARC_RESULTS_STUDY_SCATTER STARC_RESULTS_EXT_PNG, (int)(520 * cols),
              (int)(420 * rows));
    for (size_t q = 0; q < sc->n; q++) {
        fprintf(f, "$V%zu << EOD\n", q);
        snprintf(buf, sizeof buf, "distance regret (%s; every %zu-th point)", sc->name[q], stride);
        gp_comment(f, buf);
        const double *val = starc_study_values(s, (size_t)sc->v[q]);
        for (size_t i = 0; i < N; i += stride) {
            fmt17_put(f, val[i]);
            fputc(' ', f);
            fmt17_put(f, reg[i]);
            fputc('\n', f);
        }
        fputs("EOD\n", f);
    }
    fprintf(f, "set multiplot layout %zu,%zu\nset xlabel 'distance'\nset ylabel 'symmetric regret'\n"
               "set yrange [0:*]\nset key off\n", rows, cols);
    for (size_t q = 0; q < sc->n; q++) {
        if (starc_study_nfinite(s, (size_t)sc->v[q]) == 0) { /* an undefined distance everywhere */
            snprintf(buf, sizeof buf, "%s: undefined at every point", sc->name[q]);
            fputs("set title ", f);
            gp_string(f, buf);
            fputs("\nplot [0:1][0:1] -1 notitle\n", f);
            continue;
        }
        snprintf(buf, sizeof buf, "%s: Pearson r = %.3f, Spearman = %.3f", sc->name[q],
                 starc_study_pearson(s, (size_t)sc->v[q]), starc_study_spearman(s, (size_t)sc->v[q]));
        fputs("set title ", f);
        gp_string(f, buf);
        fprintf(f, "\nplot $V%zu using 1:2 with points pt 7 ps 0.3\n", q);
    }
    fputs("unset multiplot\n", f);
}

/* DIR/figure.gp and DIR/scatter.gp. */
static int write_figures(const char *cmd, const char *dir, const starc_study *s, const scatter_spec *sc)
{
    char *p[2] = {cli_path_join(dir, STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_GP), cli_path_join(dir, STARC_RESULTS_STUDY_SCATTER STARC_RESULTS_EXT_GP)};
    int rc = p[0] && p[1] ? EXIT_OK : cli_fail(cmd, "out of memory");
    for (int k = 0; k < 2 && !rc; k++) {
        cli_out o;
        if ((rc = cli_out_open(cmd, p[k], &o)))
            break;
        if (k)
            scatter_script(o.f, s, sc);
        else
            figure_script(o.f, s);
        rc = cli_out_commit(cmd, &o);
    }
    free(p[0]);
    free(p[1]);
    return rc;
}

/* Render both scripts to png; a failure is a warning (the scripts stay
 * usable).  Returns how many were rendered. */
static int render_figures(const char *cmd, const char *dir)
{
    static const char *const names[2][2] = {{STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_GP, STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_PNG}, {STARC_RESULTS_STUDY_SCATTER STARC_RESULTS_EXT_GP, STARC_RESULTS_STUDY_SCATTER STARC_RESULTS_EXT_PNG}};
    int rendered = 0;
    for (int k = 0; k < 2; k++) {
        char *gp = cli_path_join(dir, names[k][0]), *png = cli_path_join(dir, names[k][1]);
        char msg[1024];
        if (gp && png && gp_run(gp, "pngcairo", png, msg, sizeof msg) == 0)
            rendered++;
        else if (gp && png)
            cli_warn(cmd, "%s; the script %s is kept", msg, gp);
        free(gp);
        free(png);
    }
    return rendered;
}

/* ---------------------------------------------------------- the study */

/* Key variants reported on stdout and in summary.json. */
static const char *const key_variants[][3] = {
    {"val", "l2", "l2"}, {"epic", "l2", "l2"}, {"dard", "l2", "l2"}, {"none", "l2", "l2"},
    {"minimal-potential", "l2", "l2"}, {"val-potential", "l2", "l2"}, {"minimal", "l2", "l2"},
    {"val", "l1", "l1"}, {"val", "range", "l2"}, {"epic", "none", "pearson"}, {"dard", "none", "pearson"}};
#define NKEY (sizeof key_variants / sizeof key_variants[0])

static json_t *options_json(const starc_study_options *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "mdps", json_integer((json_int_t)o->mdps));
    json_object_set_new(j, "pairs", json_integer((json_int_t)o->pairs));
    json_object_set_new(j, "steps", json_integer((json_int_t)o->steps));
    json_object_set_new(j, "states", json_integer((json_int_t)o->states));
    json_object_set_new(j, "actions", json_integer((json_int_t)o->actions));
    json_object_set_new(j, "gamma", cli_json_num(o->gamma));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_t *tol = json_object(); /* the tolerance each canonicalisation used */
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        json_object_set_new(tol, starc_canon_kind_name((starc_canon_kind)c),
                            cli_json_num(starc_distance_trivial_tol(o->trivial_tol, (starc_canon_kind)c, o->gamma,
                                                                    o->states)));
    json_object_set_new(j, "trivial_tol", tol);
    return j;
}

static json_t *key_json(const starc_study *s)
{
    json_t *j = json_object();
    for (size_t k = 0; k < NKEY; k++) {
        long v = variant_index(key_variants[k][0], key_variants[k][1], key_variants[k][2]);
        char name[96];
        snprintf(name, sizeof name, STARC_RESULTS_VARIANT_FMT, key_variants[k][0], key_variants[k][1], key_variants[k][2]);
        json_t *o = json_object();
        json_object_set_new(o, STARC_RESULTS_STUDY_COL_PEARSON, cli_json_num(starc_study_pearson(s, (size_t)v)));
        json_object_set_new(o, STARC_RESULTS_STUDY_COL_SPEARMAN, cli_json_num(starc_study_spearman(s, (size_t)v)));
        json_object_set_new(j, name, o);
    }
    return j;
}

static int write_text_file(const char *cmd, const char *dir, const char *name, const char *content)
{
    char *p = cli_path_join(dir, name);
    if (!p)
        return cli_fail(cmd, "out of memory");
    int rc = content ? cli_write_file(cmd, p, content) : cli_fail(cmd, "out of memory");
    free(p);
    return rc;
}

char *exp_pairs_header(void)
{
    char *h = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&h, &len);
    if (!f)
        return NULL;
    fputs(STARC_RESULTS_STUDY_COL_MDP "\t" STARC_RESULTS_STUDY_COL_PAIR "\t" STARC_RESULTS_STUDY_COL_STEP
          "\t" STARC_RESULTS_STUDY_COL_REGRET, f);
    const starc_study_variant *vt = starc_study_variants();
    for (size_t v = 0; v < starc_study_nvariants(); v++)
        fprintf(f, "\t" STARC_RESULTS_VARIANT_FMT, starc_canon_kind_name(vt[v].canon), starc_norm_kind_name(vt[v].norm),
                starc_metric_kind_name(vt[v].metric));
    fputc('\n', f);
    if (fclose(f) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

int exp_open_pairs(const exp_args *a, cli_out *o)
{
    o->f = NULL;
    o->path = o->tmp = NULL;
    if (a->no_pairs)
        return EXIT_OK;
    char *path = cli_path_join(a->dir, STARC_RESULTS_STUDY_PAIRS), *head = exp_pairs_header();
    int rc = path && head ? cli_out_open(a->cmd, path, o) : cli_fail(a->cmd, "out of memory");
    if (!rc)
        fputs(head, o->f);
    free(path);
    free(head);
    return rc;
}

void exp_data_names(size_t j, char mdp[64], char rewards[64])
{
    snprintf(mdp, 64, "mdp-%05zu.npz", j);
    snprintf(rewards, 64, "rewards-%05zu.npz", j);
}

int exp_stream(const exp_args *a, FILE *pairs, int show_progress, starc_study **s, double *secs)
{
    const char *cmd = a->cmd;
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.a = a;
    rs.pairs = pairs;
    rs.show_progress = show_progress;
    rs.last_draw = -1.0;
    int rc = EXIT_OK;
    if (a->save_data && (!(rs.data_dir = cli_path_join(a->dir, STARC_RESULTS_STUDY_DATA)) || (rc = cli_mkdir_p(cmd, rs.data_dir)))) {
        free(rs.data_dir);
        return rc ? rc : cli_fail(cmd, "out of memory");
    }
    pthread_mutex_init(&rs.mu, NULL);
    starc_study_callbacks cb = {format_batch, write_batch, draw_progress, discard_batch, &rs};
    starc_error err;
    starc_error_clear(&err);
    clock_gettime(CLOCK_MONOTONIC, &rs.t0);
    int st = starc_study_run(&a->o, &cb, s, &err);
    *secs = seconds_since(&rs.t0);
    for (size_t i = 0; i < rs.npool; i++) {
        free(rs.pool[i]->s);
        free(rs.pool[i]);
    }
    pthread_mutex_destroy(&rs.mu);
    free(rs.data_dir);
    if (rs.show_progress && st)
        fputc('\n', stderr);
    if (st)
        return st == STARC_EIO && rs.errmsg[0] ? cli_usage(cmd, "%s", rs.errmsg) : cli_lib_error(cmd, st, &err);
    return EXIT_OK;
}

int exp_compute(const exp_args *a, starc_study **s, double *secs)
{
    cli_out pairs;
    int rc = exp_open_pairs(a, &pairs);
    if (rc)
        return rc;
    if ((rc = exp_stream(a, pairs.f, a->progress || isatty(2), s, secs))) {
        cli_out_abort(&pairs);
        return rc;
    }
    if (pairs.f && (rc = cli_out_commit(a->cmd, &pairs))) {
        starc_study_free(*s);
        *s = NULL;
    }
    return rc;
}

/* DIR/correlations.tsv: one row per variant. */
static int write_correlations(const char *cmd, const char *dir, const starc_study *s)
{
    text t = {0};
    text_str(&t, "canon\tnorm\tmetric\tpearson_r\tspearman_r\n");
    const starc_study_variant *vt = starc_study_variants();
    for (size_t v = 0; v < starc_study_nvariants(); v++) {
        char head[96];
        snprintf(head, sizeof head, "%s\t%s\t%s\t", starc_canon_kind_name(vt[v].canon),
                 starc_norm_kind_name(vt[v].norm), starc_metric_kind_name(vt[v].metric));
        text_str(&t, head);
        text_num(&t, starc_study_pearson(s, v), '\t');
        text_num(&t, starc_study_spearman(s, v), '\n');
    }
    int rc = write_text_file(cmd, dir, STARC_RESULTS_STUDY_CORRELATIONS, t.s);
    free(t.s);
    return rc;
}

/* The summary: reproducible (no timings). */
static json_t *study_summary(const exp_args *a, const starc_study *s)
{
    json_t *sj = json_object();
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_KIND, json_string(STARC_RESULTS_STUDY_KIND));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_VERSION, json_string(starc_version()));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_OPTIONS, options_json(&a->o));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_POINTS, json_integer((json_int_t)starc_study_npoints(s)));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_VARIANTS, json_integer((json_int_t)starc_study_nvariants()));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_CORRELATIONS, key_json(s));
    json_t *files = json_array();
    if (!a->no_pairs)
        json_array_append_new(files, json_string(STARC_RESULTS_STUDY_PAIRS));
    json_array_append_new(files, json_string(STARC_RESULTS_STUDY_CORRELATIONS));
    json_array_append_new(files, json_string(STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_GP));
    json_array_append_new(files, json_string(STARC_RESULTS_STUDY_SCATTER STARC_RESULTS_EXT_GP));
    json_object_set_new(sj, STARC_RESULTS_STUDY_KEY_FILES, files);
    return sj;
}

static int write_summary(const char *cmd, const char *dir, const json_t *sj)
{
    char *js = json_dumps(sj, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(2));
    char *p = cli_path_join(dir, STARC_RESULTS_STUDY_SUMMARY);
    int rc = js && p ? cli_write_line(cmd, p, js) : cli_fail(cmd, "out of memory");
    free(p);
    free(js);
    return rc;
}

static void report(FILE *out, const exp_args *a, const starc_study *s, double secs, int rendered)
{
    fprintf(out, "STARC random-MDP study: %zu MDPs x %zu pairs x %zu steps = %zu points "
                 "(S=%zu, A=%zu, gamma=%g, seed %lu), %zu variants, %.2f s\n",
            a->o.mdps, a->o.pairs, a->o.steps, starc_study_npoints(s), a->o.states, a->o.actions, a->o.gamma,
            (unsigned long)a->o.seed, starc_study_nvariants(), secs);
    fprintf(out, "%-34s %9s %9s\n", "variant (" STARC_RESULTS_VARIANT("canon", "norm", "metric") ")", "pearson", "spearman");
    for (size_t k = 0; k < NKEY; k++) {
        long v = variant_index(key_variants[k][0], key_variants[k][1], key_variants[k][2]);
        char name[96];
        snprintf(name, sizeof name, STARC_RESULTS_VARIANT_FMT, key_variants[k][0], key_variants[k][1], key_variants[k][2]);
        fprintf(out, "%-34s %9.4f %9.4f\n", name, starc_study_pearson(s, (size_t)v), starc_study_spearman(s, (size_t)v));
    }
    fputs("wrote ", out), cli_escape(out, a->dir);
    fprintf(out, "/{%scorrelations.tsv, summary.json, figure.gp, scatter.gp%s}\n",
            a->no_pairs ? "" : "pairs.tsv, ", rendered == 2 ? ", figure.png, scatter.png" : "");
}

/* The command the figures record (cli_provenance_set()): the single run's
 * command reduced to the settings that decide the results, in one order,
 * so that any --jobs, -o, --shard + merge and an MPI run write the same
 * bytes.  NULL when out of memory (the figures then record the command line). */
static char *canonical_command(const exp_args *a, const scatter_spec *sc)
{
    const starc_study_options *o = &a->o;
    char num[8][32], scatter[EXP_SCATTER_MAX * 65] = "";
    for (size_t q = 0; q < sc->n; q++) {
        strcat(scatter, q ? "," : "");
        strcat(scatter, sc->name[q]);
    }
    snprintf(num[0], 32, "%zu", o->mdps);
    snprintf(num[1], 32, "%zu", o->pairs);
    snprintf(num[2], 32, "%zu", o->steps);
    snprintf(num[3], 32, "%zu", o->states);
    snprintf(num[4], 32, "%zu", o->actions);
    fmt17(num[5], o->gamma);
    snprintf(num[6], 32, "%llu", (unsigned long long)o->seed);
    fmt17(num[7], o->trivial_tol);
    char *argv[20] = {"starc", "experiment", "--mdps", num[0], "--pairs", num[1], "--steps", num[2],
                      "--states", num[3], "--actions", num[4], "--gamma", num[5], "--seed", num[6],
                      "--scatter", scatter, "--trivial-tol", num[7]};
    return cli_join_argv(o->trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED ? 18 : 20, argv);
}

int exp_write_outputs(const exp_args *a, const scatter_spec *sc, const starc_study *s, double secs, FILE *out,
                      json_t *summary)
{
    json_t *sj = study_summary(a, s);
    int rendered = 0, rc;
    if (!(rc = write_correlations(a->cmd, a->dir, s)) && !(rc = write_summary(a->cmd, a->dir, sj))) {
        cli_provenance_set(canonical_command(a, sc)); /* for these two scripts only (starc demo writes more) */
        rc = write_figures(a->cmd, a->dir, s, sc);
        cli_provenance_set(NULL);
    }
    if (!rc && !a->no_render && gp_available())
        rendered = render_figures(a->cmd, a->dir);
    if (!rc)
        rc = cli_dir_done(a->cmd, a->dir);
    if (!rc && out)
        report(out, a, s, secs, rendered);
    if (!rc && summary) {
        json_object_update(summary, sj);
        json_object_set_new(summary, "dir", json_string(a->dir));
        json_object_set_new(summary, "seconds", json_real(secs));
        json_object_set_new(summary, "rendered", json_boolean(rendered == 2));
    }
    json_decref(sj);
    return rc;
}
