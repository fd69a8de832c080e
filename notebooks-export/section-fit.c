/* The section of a `starc fit` result directory (section-fit.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <starc/fit.h>
#include <starc/results.h>

#include "figures.h"
#include "files.h"
#include "markdown.h"
#include "section-fit.h"
#include "staging.h"

/* The columns of the tables, by their place in results.h's lists
 * (STARC_RESULTS_FIT_POINTS_COLUMNS, _FITS_KEYS, _FITS_STATS, _EXTRAP_COLUMNS). */
enum { PT_GROUP, PT_SIZE, PT_METHOD, PT_N, PT_KL, PT_D, PT_GOLD, PT_PROXY };
enum { FK_GROUP, FK_SIZE, FK_METHOD, FK_TARGET, FK_FORM, FK_PRIMARY, FK_CENTER, FK_N, FK_SKIPPED };
enum { FS_R2, FS_RSS, FS_SIGMA, FS_BOOT, FS_BOOT_FAILED };
enum { EX_GROUP, EX_SIZE, EX_TARGET, EX_FORM, EX_CUTOFF, EX_NFIT, EX_NTEST, EX_RMSE_FIT, EX_RMSE_TEST,
       EX_RMSE_TEST_FULL, EX_MAX_ABS, EX_BIAS, EX_RANGE };

/* fits.tsv's quantity columns and their suffixes, as results.h defines them. */
#define FIT_SE STARC_RESULTS_FIT_SUFFIX_SE
#define FIT_LO STARC_RESULTS_FIT_SUFFIX_LO
#define FIT_HI STARC_RESULTS_FIT_SUFFIX_HI
#define FIT_G STARC_RESULTS_FIT_Q_G
#define FIT_OFFSET STARC_RESULTS_FIT_Q_OFFSET

/* Most quantities a fit has (alpha, beta, g, offset, the peak's d, KL and value). */
#define MAX_Q 16

typedef struct fitdir {
    nb_section s;
    nb_table points, fits, extrap, scaling;
    int have_points, have_fits, have_extrap, have_scaling;
    json_t *summary;
    nb_fig *f;
    size_t nf;
    long pc[PT_PROXY + 1];                /* points.tsv's columns, or -1 */
    long fk[FK_SKIPPED + 1];              /* fits.tsv's key columns, or -1 */
    long fs[FS_BOOT_FAILED + 1];          /* its statistics columns, or -1 */
    const char *q[MAX_Q];                 /* its quantities (names in fits.head) */
    long qv[MAX_Q], qlo[MAX_Q], qhi[MAX_Q];
    size_t nq;
} fitdir;

/* The k-th name of a tab-separated list of results.h, into buf (cap bytes). */
static const char *list_name(const char *list, size_t k, char *buf, size_t cap)
{
    for (size_t i = 0; i < k && list; i++)
        if ((list = strchr(list, '\t')))
            list++;
    size_t n = list ? strcspn(list, "\t") : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, list ? list : "", n);
    buf[n] = '\0';
    return buf;
}

/* The column of table t named by the k-th name of list, or -1. */
static long list_col(const nb_table *t, const char *list, size_t k)
{
    char name[64];
    return nb_table_col(t, list_name(list, k, name, sizeof name));
}

/* Is the name one of the tab-separated list? */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list;; p++) {
        if (strncmp(p, name, n) == 0 && (p[n] == '\t' || p[n] == '\0'))
            return 1;
        if (!(p = strchr(p, '\t')))
            return 0;
    }
}

/* The column named name + suffix, or -1. */
static long suffixed(const nb_table *t, const char *name, const char *suffix)
{
    char buf[128];
    if (strlen(name) + strlen(suffix) >= sizeof buf)
        return -1;
    strcpy(buf, name);
    strcat(buf, suffix);
    return nb_table_col(t, buf);
}

/* The columns: points', fits' keys and statistics, and the quantities
 * (every other column Q of fits.tsv with Q_se, Q_lo and Q_hi). */
static void find_columns(fitdir *r)
{
    for (size_t k = 0; k <= PT_PROXY; k++)
        r->pc[k] = list_col(&r->points, STARC_RESULTS_FIT_POINTS_COLUMNS, k);
    for (size_t k = 0; k <= FK_SKIPPED; k++)
        r->fk[k] = list_col(&r->fits, STARC_RESULTS_FIT_FITS_KEYS, k);
    for (size_t k = 0; k <= FS_BOOT_FAILED; k++)
        r->fs[k] = list_col(&r->fits, STARC_RESULTS_FIT_FITS_STATS, k);
    const nb_table *t = &r->fits;
    for (size_t j = 0; j < t->ncol && r->nq < MAX_Q; j++) {
        const char *h = t->head[j];
        if (in_list(STARC_RESULTS_FIT_FITS_KEYS, h) || in_list(STARC_RESULTS_FIT_FITS_STATS, h) ||
            suffixed(t, h, FIT_SE) < 0 || !nb_table_col_numeric(t, j))
            continue;
        long lo = suffixed(t, h, FIT_LO), hi = suffixed(t, h, FIT_HI);
        if (lo < 0 || hi < 0)
            continue;
        r->q[r->nq] = h;
        r->qv[r->nq] = (long)j;
        r->qlo[r->nq] = lo;
        r->qhi[r->nq] = hi;
        r->nq++;
    }
}

/* Field i, j of a table, "" when absent. */
static const char *field(const nb_table *t, size_t i, long j)
{
    return j >= 0 && (size_t)j < t->nf[i] ? t->rows[i][j] : "";
}

/* A quantity with its interval: "v [lo, hi]"; nothing when v is NaN. */
static void md_interval(nb_buf *b, double v, double lo, double hi)
{
    if (isnan(v))
        return;
    nb_buf_num(b, v);
    if (isnan(lo) && isnan(hi))
        return;
    nb_buf_add(b, " \\[");
    nb_buf_num(b, lo);
    nb_buf_add(b, ", ");
    nb_buf_num(b, hi);
    nb_buf_add(b, "\\]");
}

/* One group's fits (rows of fits.tsv with that group, from row i0 on): a
 * table of target, form, every quantity with its interval, R^2 and points. */
static void md_group(nb_buf *b, const fitdir *r, const char *g, char *done, size_t i0)
{
    const nb_table *t = &r->fits;
    nb_buf_add(b, "**");
    nb_buf_md(b, NB_MD_TEXT, g);
    nb_buf_add(b, "**");
    if (r->fk[FK_SIZE] >= 0) {
        nb_buf_add(b, ", size ");
        nb_md_field(b, field(t, i0, r->fk[FK_SIZE]));
    }
    if (r->fk[FK_METHOD] >= 0) {
        nb_buf_add(b, ", method ");
        nb_md_field(b, field(t, i0, r->fk[FK_METHOD]));
    }
    nb_buf_add(b, ":\n\n| target | form | primary |");
    for (size_t k = 0; k < r->nq; k++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, NB_MD_TEXT, r->q[k]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, " R² | points |\n");
    nb_md_rule(b, r->nq + 5);
    for (size_t i = i0; i < t->nrow; i++) {
        if (strcmp(field(t, i, r->fk[FK_GROUP]), g) != 0)
            continue;
        done[i] = 1;
        nb_buf_add(b, "| ");
        nb_md_field(b, field(t, i, r->fk[FK_TARGET]));
        nb_buf_add(b, " | ");
        nb_md_field(b, field(t, i, r->fk[FK_FORM]));
        nb_buf_add(b, nb_table_num(t, i, r->fk[FK_PRIMARY]) == 1 ? " | yes |" : " | |");
        for (size_t k = 0; k < r->nq; k++) {
            nb_buf_add(b, " ");
            md_interval(b, nb_table_num(t, i, r->qv[k]), nb_table_num(t, i, r->qlo[k]),
                        nb_table_num(t, i, r->qhi[k]));
            nb_buf_add(b, " |");
        }
        nb_buf_add(b, " ");
        nb_buf_num(b, nb_table_num(t, i, r->fs[FS_R2]));
        nb_buf_add(b, " | ");
        nb_md_field(b, field(t, i, r->fk[FK_N]));
        nb_buf_add(b, " |\n");
    }
    nb_buf_add(b, "\n");
}

/* Every group's fits, groups in the order of fits.tsv (by size). */
static void md_fits(nb_buf *b, const fitdir *r)
{
    if (r->fk[FK_GROUP] < 0 || r->fk[FK_TARGET] < 0 || r->fk[FK_FORM] < 0 || r->nq == 0) {
        nb_buf_add(b, "Fits (`" STARC_RESULTS_FIT_FITS_TSV "`):\n\n");
        nb_md_tsv(b, &r->fits, r->s.x->o.table_rows);
        return;
    }
    nb_buf_add(b, "Fitted quantities per group (`" STARC_RESULTS_FIT_FITS_TSV "`; value \\[interval\\]; the "
                  "primary form is the one of the group's method):\n\n");
    char *done = calloc(r->fits.nrow + 1, 1);
    if (!done) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < r->fits.nrow; i++)
        if (!done[i])
            md_group(b, r, field(&r->fits, i, r->fk[FK_GROUP]), done, i);
    free(done);
}

/* The extrapolation check: fit left of the cutoff, error right of it. */
static void md_extrap(nb_buf *b, const fitdir *r)
{
    static const int cols[] = {EX_GROUP, EX_TARGET, EX_FORM, EX_CUTOFF, EX_NFIT, EX_NTEST, EX_RMSE_FIT,
                               EX_RMSE_TEST, EX_BIAS, EX_RANGE};
    const size_t nc = sizeof cols / sizeof cols[0];
    const nb_table *t = &r->extrap;
    long j[sizeof cols / sizeof cols[0]];
    for (size_t k = 0; k < nc; k++)
        if ((j[k] = list_col(t, STARC_RESULTS_FIT_EXTRAP_COLUMNS, (size_t)cols[k])) < 0) {
            nb_buf_add(b, "Extrapolation check (`" STARC_RESULTS_FIT_EXTRAP_TSV "`):\n\n");
            nb_md_tsv(b, t, 2 * r->s.x->o.table_rows);
            return;
        }
    nb_buf_add(b, "**Honest extrapolation** (`" STARC_RESULTS_FIT_EXTRAP_TSV "`, Gao et al.'s Fig. 26 style): each "
                  "form is fitted to the points with KL at most the cutoff and its error measured on the points "
                  "beyond; an RMSE right of the cutoff far above the one left of it means the form does not "
                  "extrapolate.\n\n|");
    char name[64];
    for (size_t k = 0; k < nc; k++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, NB_MD_TEXT, list_name(STARC_RESULTS_FIT_EXTRAP_COLUMNS, (size_t)cols[k], name, sizeof name));
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
    nb_md_rule(b, nc);
    size_t max = 4 * r->s.x->o.table_rows;
    for (size_t i = 0; i < t->nrow && i < max; i++) {
        nb_buf_add(b, "|");
        for (size_t k = 0; k < nc; k++) {
            nb_buf_add(b, " ");
            nb_md_field(b, field(t, i, j[k]));
            nb_buf_add(b, " |");
        }
        nb_buf_add(b, "\n");
    }
    if (t->nrow > max)
        nb_buf_printf(b, "\n(%zu more rows in the data cell below.)\n", t->nrow - max);
    nb_buf_add(b, "\n");
}

static int fit_markdown(fitdir *r)
{
    nb_buf b;
    nb_buf_init(&b);
    nb_section_heading(&b, &r->s, "Overoptimisation fits");
    nb_buf_printf(&b,
        "**Fits of logged runs** (`starc fit`, %s): the gold (true) and proxy scores of RLHF or best-of-n runs "
        "against $d = \\sqrt{\\mathrm{KL}}$ from the initial policy, one curve per group (run or reward model). "
        "Forms, fitted to the score minus its value at $d = 0$ (`" FIT_OFFSET "`): best-of-n "
        "$R(d) = d(\\alpha - \\beta d)$, RL $R(d) = d(\\alpha - \\beta \\log d)$, and the alternatives "
        "$d(\\alpha - \\beta \\log(1 + d))$ and $d(\\alpha - \\beta d^g)$. Every quantity has a standard error "
        "and a seeded bootstrap interval (`" FIT_LO "`, `" FIT_HI "`); the peak ($d^*$, its KL and $R^*$) is "
        "where the fitted gold curve stops rising: overoptimisation.\n\n",
        NB_CITE_GAO);
    for (size_t i = 0; i < r->nf; i++)
        nb_figure_script_header(&b, &r->f[i]);
    if (r->have_points)
        nb_buf_printf(&b, "`" STARC_RESULTS_FIT_POINTS_TSV "`: %zu points.\n\n", r->points.nrow);
    if (r->have_fits)
        md_fits(&b, r);
    if (r->have_scaling) {
        nb_buf_add(&b, "**Scaling** (`" STARC_RESULTS_FIT_SCALING_TSV "`): the gold primary form's coefficients "
                       "against log(size), fitted per size (`separate`) and jointly with one shared alpha "
                       "(`joint`), and the predictions for other sizes:\n\n");
        nb_md_tsv(&b, &r->scaling, 2 * r->s.x->o.table_rows);
    }
    if (r->have_extrap)
        md_extrap(&b, r);
    int st = nb_section_md(&r->s, &b);
    nb_buf_free(&b);
    return st;
}

/* Python: the string literal of the k-th name of a results.h list. */
static void py_name(nb_buf *b, const char *list, size_t k)
{
    char name[64];
    nb_buf_py(b, NB_PY_STRING, list_name(list, k, name, sizeof name));
}

/* The code cell: load the files and print every fit's quantities exactly. */
static int fit_data(fitdir *r)
{
    nb_buf c;
    nb_buf_init(&c);
    static const struct {
        const char *var, *file;
    } tabs[] = {{"points", STARC_RESULTS_FIT_POINTS_TSV}, {"fits", STARC_RESULTS_FIT_FITS_TSV},
                {"extrap", STARC_RESULTS_FIT_EXTRAP_TSV}, {"scaling", STARC_RESULTS_FIT_SCALING_TSV}};
    const int have[] = {r->have_points, r->have_fits, r->have_extrap, r->have_scaling};
    for (size_t k = 0; k < 4; k++)
        if (have[k]) {
            nb_buf_printf(&c, "%s = read_tsv(", tabs[k].var);
            nb_section_py_path(&c, &r->s, tabs[k].file);
            nb_buf_add(&c, ")\n");
        }
    if (r->summary)
        nb_section_py_load_json(&c, &r->s, STARC_RESULTS_FIT_SUMMARY_JSON, "summary");
    if (r->have_points && r->pc[PT_GROUP] >= 0) {
        nb_buf_add(&c, "groups = list(dict.fromkeys(points[");
        py_name(&c, STARC_RESULTS_FIT_POINTS_COLUMNS, PT_GROUP);
        nb_buf_add(&c, "]))\nprint(len(points[");
        py_name(&c, STARC_RESULTS_FIT_POINTS_COLUMNS, PT_GROUP);
        nb_buf_add(&c, "]), \"points in\", len(groups), \"groups:\", \", \".join(map(str, groups)))\n");
    }
    if (r->have_fits && r->nq && r->fk[FK_GROUP] >= 0 && r->fk[FK_TARGET] >= 0 && r->fk[FK_FORM] >= 0) {
        nb_buf_add(&c, "# every fit of " STARC_RESULTS_FIT_FITS_TSV ", its quantities exactly: Q=value [lo, hi]\n"
                       "quantities = [");
        for (size_t k = 0; k < r->nq; k++) {
            nb_buf_add(&c, k ? ", " : "");
            nb_buf_py(&c, NB_PY_STRING, r->q[k]);
        }
        nb_buf_add(&c, "]\nfor i in range(len(fits[");
        py_name(&c, STARC_RESULTS_FIT_FITS_KEYS, FK_GROUP);
        nb_buf_add(&c, "])):\n    key = [str(fits[k][i]) for k in (");
        py_name(&c, STARC_RESULTS_FIT_FITS_KEYS, FK_GROUP);
        nb_buf_add(&c, ", ");
        py_name(&c, STARC_RESULTS_FIT_FITS_KEYS, FK_TARGET);
        nb_buf_add(&c, ", ");
        py_name(&c, STARC_RESULTS_FIT_FITS_KEYS, FK_FORM);
        nb_buf_add(&c, ")]\n"
                       "    print(\"\\t\".join([\"fit\"] + key + [f\"{q}={float(fits[q][i])!r} "
                       "[{float(fits[q + '" FIT_LO "'][i])!r}, {float(fits[q + '" FIT_HI "'][i])!r}]\" "
                       "for q in quantities]))\n");
    } else if (r->have_fits) {
        nb_buf_add(&c, "print(\"" STARC_RESULTS_FIT_FITS_TSV " columns:\", list(fits))\n");
    }
    nb_buf_chomp(&c);
    int st = c.len ? nb_section_code(&r->s, &c, NULL) : STARC_OK;
    nb_buf_free(&c);
    return st;
}

/* Python: R(d) of a form as an expression in d, a, b, g (starc_fit_eval()'s forms). */
static const char *form_expr(starc_fit_form form)
{
    switch (form) {
    case STARC_FIT_BON: return "d * (a - b * d)";
    case STARC_FIT_RL: return "d * (a - b * np.log(d))";
    case STARC_FIT_LOG1P: return "d * (a - b * np.log1p(d))";
    default: return "d * (a - b * d ** g)";
    }
}

/* Can the redraw find what it needs? */
static int drawable(const fitdir *r)
{
    const nb_table *f = &r->fits;
    return r->have_points && r->have_fits && r->pc[PT_GROUP] >= 0 && r->pc[PT_D] >= 0 && r->pc[PT_GOLD] >= 0 &&
           r->fk[FK_GROUP] >= 0 && r->fk[FK_TARGET] >= 0 && r->fk[FK_FORM] >= 0 && r->fk[FK_PRIMARY] >= 0 &&
           nb_table_col(f, STARC_RESULTS_OVEROPT_FIT_ALPHA) >= 0 &&
           nb_table_col(f, STARC_RESULTS_OVEROPT_FIT_BETA) >= 0 &&
           nb_table_col(f, FIT_G) >= 0 && nb_table_col(f, FIT_OFFSET) >= 0;
}

/* The figure cells: gold score minus its offset against d per group with
 * the group's primary fitted form, whose stored output is fit.gp's
 * rendering; then the extrapolation and scaling figures. */
static int fit_figures(fitdir *r)
{
    char *stem = nb_strip_ext(STARC_RESULTS_FIT_FIT_GP);
    if (!stem)
        return nb_oom(r->s.x);
    size_t main = nb_figures_find(r->f, r->nf, stem);
    free(stem);
    if (!drawable(r))
        return nb_figure_cells(&r->s, NULL, r->f, r->nf, 0);
    if (main == r->nf)
        main = 0;
    nb_buf c;
    nb_buf_init(&c);
    nb_buf_add(&c, "# Gold score minus its fitted value at d = 0, and each group's primary fitted form");
    nb_figure_note(&c, r->f, r->nf, main);
    nb_buf_add(&c, "FORMS = {");
    for (int k = 0; k < STARC_FIT_FORM_COUNT; k++) {
        nb_buf_add(&c, k ? ",\n         " : "");
        nb_buf_py(&c, NB_PY_STRING, starc_fit_form_name((starc_fit_form)k));
        nb_buf_printf(&c, ": lambda d, a, b, g: %s", form_expr((starc_fit_form)k));
    }
    nb_buf_add(&c, "}\nP = {k: points[k] for k in (");
    for (int k = 0; k < 3; k++) {
        static const int cols[] = {PT_GROUP, PT_D, PT_GOLD};
        nb_buf_add(&c, k ? ", " : "");
        py_name(&c, STARC_RESULTS_FIT_POINTS_COLUMNS, (size_t)cols[k]);
    }
    nb_buf_add(&c, ")}\nF = {k: fits[k] for k in (");
    static const int fcols[] = {FK_GROUP, FK_TARGET, FK_FORM, FK_PRIMARY};
    for (int k = 0; k < 4; k++) {
        nb_buf_add(&c, k ? ", " : "");
        py_name(&c, STARC_RESULTS_FIT_FITS_KEYS, (size_t)fcols[k]);
    }
    nb_buf_add(&c, ", \"" STARC_RESULTS_FIT_Q_ALPHA "\", \"" STARC_RESULTS_FIT_Q_BETA "\", \"" FIT_G
                   "\", \"" FIT_OFFSET "\")}\n");
    /* the keys of P and F in the order above: group, d, gold; group, target, form, primary, a, b, g, offset */
    nb_buf_add(&c,
        "pg, pd, py = P.values()\n"
        "fg, ft, ff, fp, fa, fb, fgexp, foff = F.values()\n"
        "gold = ");
    py_name(&c, STARC_RESULTS_FIT_POINTS_COLUMNS, PT_GOLD);
    nb_buf_add(&c,
        "  # the gold target of " STARC_RESULTS_FIT_FITS_TSV " is named after its column of "
        STARC_RESULTS_FIT_POINTS_TSV "\n"
        "fig, ax = plt.subplots(figsize=(6.4, 4.2))\n"
        "for k, grp in enumerate(dict.fromkeys(pg)):\n"
        "    sel = pg == grp\n"
        "    rows = [i for i in range(len(fg)) if fg[i] == grp and str(ft[i]) == gold and fp[i] == 1]\n"
        "    off = float(foff[rows[0]]) if rows and np.isfinite(foff[rows[0]]) else 0.0\n"
        "    ax.plot(pd[sel], py[sel] - off, \"o\", ms=3, color=f\"C{k}\", label=str(grp))\n"
        "    for i in rows:\n"
        "        d = np.linspace(0, np.nanmax(pd[sel]), 200)[1:]\n"
        "        ax.plot(d, FORMS[str(ff[i])](d, fa[i], fb[i], fgexp[i]), \"-\", color=f\"C{k}\",\n"
        "                label=f\"{grp}: {ff[i]} fit\")\n"
        "ax.axhline(0, color=\"0.6\", lw=0.8)\n"
        "ax.set_xlabel(\"d = sqrt(KL) from the initial policy\")\n"
        "ax.set_ylabel(\"gold score change\")\n"
        "ax.legend(fontsize=7)\n"
        "fig.tight_layout()\n"
        "plt.show()");
    int st = nb_figure_cells(&r->s, &c, r->f, r->nf, main);
    nb_buf_free(&c);
    return st;
}

int nb_fit_section(nb_exporter *x, const char *dir, const char *sub)
{
    fitdir r;
    memset(&r, 0, sizeof r);
    int st = nb_section_begin(x, &r.s, NB_KIND_FIT, dir, sub);
    if (!st)
        st = nb_stage_table(&r.s, dir, STARC_RESULTS_FIT_POINTS_TSV, &r.points, &r.have_points);
    if (!st)
        st = nb_stage_table(&r.s, dir, STARC_RESULTS_FIT_FITS_TSV, &r.fits, &r.have_fits);
    if (!st)
        st = nb_stage_table(&r.s, dir, STARC_RESULTS_FIT_EXTRAP_TSV, &r.extrap, &r.have_extrap);
    if (!st)
        st = nb_stage_table(&r.s, dir, STARC_RESULTS_FIT_SCALING_TSV, &r.scaling, &r.have_scaling);
    if (!st)
        st = nb_stage_json(&r.s, dir, STARC_RESULTS_FIT_SUMMARY_JSON, &r.summary);
    if (!st)
        st = nb_figures(&r.s, dir, NULL, &r.f, &r.nf);
    if (!st) {
        find_columns(&r);
        st = fit_markdown(&r);
    }
    if (!st)
        st = fit_data(&r);
    if (!st)
        st = fit_figures(&r);
    st = nb_section_end(&r.s, st);
    json_decref(r.summary);
    nb_figures_free(r.f, r.nf);
    nb_table_free(&r.points);
    nb_table_free(&r.fits);
    nb_table_free(&r.extrap);
    nb_table_free(&r.scaling);
    return st;
}
