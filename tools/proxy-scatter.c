/* The figure of starc proxy --gnuplot and starc regularize --gnuplot: proxy
 * against true expected reward per state-action pair, point area growing with
 * occupancy weights. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gnuplot.h"

typedef struct scatter_pt {
    double p, t, w[2]; /* p, t: grouping keys */
    double op, ot;     /* the first member's rewards, for display */
    size_t count, idx;
} scatter_pt;

static int cmp_pt(const void *a, const void *b)
{
    const scatter_pt *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Pairs with identical rewards merged (weights summed), in (proxy, true) order;
 * returns the number of merged points, or 0 on allocation failure (*out NULL). */
static size_t merge_points(size_t n, const double *Rp, const double *Rt, const double *w1, const double *w2,
                           scatter_pt **out)
{
    scatter_pt *pts = calloc(n ? n : 1, sizeof *pts);
    *out = pts;
    if (!pts)
        return 0;
    for (size_t i = 0; i < n; i++) {
        /* Expected rewards carry round-off from sum_s' T R: merge on a 2^-36 grid. */
        pts[i].p = fabs(Rp[i]) < 4096.0 ? ldexp(rint(ldexp(Rp[i], 36)), -36) : Rp[i];
        pts[i].t = fabs(Rt[i]) < 4096.0 ? ldexp(rint(ldexp(Rt[i], 36)), -36) : Rt[i];
        pts[i].op = Rp[i];
        pts[i].ot = Rt[i];
        pts[i].w[0] = w1[i];
        pts[i].w[1] = w2 ? w2[i] : 0.0;
        pts[i].count = 1;
        pts[i].idx = i;
    }
    qsort(pts, n, sizeof *pts, cmp_pt);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && pts[m - 1].p == pts[i].p && pts[m - 1].t == pts[i].t) {
            pts[m - 1].w[0] += pts[i].w[0];
            pts[m - 1].w[1] += pts[i].w[1];
            pts[m - 1].count++;
        } else
            pts[m++] = pts[i];
    }
    return m;
}

static void write_script(FILE *f, const char *defout, const scatter_pt *pts, size_t m, int two,
                         const char *label1, const char *label2, const char *title)
{
    double wmax = 0.0;
    for (size_t i = 0; i < m; i++)
        wmax = fmax(wmax, fmax(pts[i].w[0], pts[i].w[1]));
    if (!(wmax > 0.0))
        wmax = 1.0;
    gp_figure fig = {"Proxy vs true expected reward",
                     "State-action pairs with equal rewards merged, point area ~ occupancy.", GP_DEFAULT_TERM,
                     defout, 800, 600};
    gp_begin(f, &fig);
    fprintf(f, "$DATA << EOD\n# proxy true weight_1%s pairs\n", two ? " weight_2" : "");
    for (size_t i = 0; i < m; i++) {
        if (!(pts[i].w[0] > 0.0) && !(pts[i].w[1] > 0.0))
            continue;
        gp_number(f, pts[i].op);
        fputc(' ', f);
        gp_number(f, pts[i].ot);
        fputc(' ', f);
        gp_number(f, pts[i].w[0] / wmax);
        if (two) {
            fputc(' ', f);
            gp_number(f, pts[i].w[1] / wmax);
        }
        fprintf(f, " %zu\n", pts[i].count);
    }
    fputs("EOD\nset title ", f);
    gp_string(f, title);
    fputs(" noenhanced\n"
          "set xlabel 'proxy expected reward Rbar_p(s,a)' noenhanced\n"
          "set ylabel 'true expected reward Rbar_t(s,a)' noenhanced\n"
          "set key top left noenhanced\nset grid\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
          "plot ", f);
    if (two) {
        fputs("$DATA using 1:2:($4 > 0 ? 0.3 + 4 * sqrt($4) : 1/0) with points pt 7 ps variable "
              "lc rgb '#d62728' title ", f);
        gp_string(f, label2);
        fputs(", \\\n     ", f);
    }
    fputs("$DATA using 1:2:($3 > 0 ? 0.3 + 4 * sqrt($3) : 1/0) with points pt 6 ps variable lw 2 "
          "lc rgb '#1f77b4' title ", f);
    gp_string(f, label1);
    fputc('\n', f);
}

int proxy_write_scatter(const char *cmd, const char *path, size_t n, const double *Rp, const double *Rt,
                        const double *w1, const char *label1, const double *w2, const char *label2,
                        const char *title)
{
    scatter_pt *pts;
    size_t m = merge_points(n, Rp, Rt, w1, w2, &pts);
    char *defout = gp_default_output(path, GP_DEFAULT_TERM);
    cli_out o;
    int rc = !pts || !defout ? cli_fail(cmd, "out of memory") : cli_out_open(cmd, path, &o);
    if (!rc) {
        write_script(o.f, defout, pts, m, w2 != NULL, label1, label2, title);
        rc = cli_out_commit(cmd, &o);
    }
    free(defout);
    free(pts);
    return rc;
}
