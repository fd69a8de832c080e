/* The section of a STARC random-MDP study (section-study.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>
#include <starc/study.h>

#include "figures.h"
#include "markdown.h"
#include "section-study.h"
#include "staging.h"
#include "../tools/output.h"

/* Most variants drawn against regret. */
#define MAX_DRAWN 4

/* A row of correlations.tsv and its Pearson r, for ranking. */
typedef struct rank {
    double v;
    size_t i;
} rank;

/* What the section learns from the study's files. */
typedef struct study {
    nb_section s;
    nb_table corr;               /* correlations.tsv */
    int have_corr;
    long cc, cn, cm, cp;         /* its canon, norm, metric and pearson_r columns, or -1 */
    rank *rk;                    /* its rows by decreasing r (when cp >= 0) */
    nb_copy_info pairs;          /* pairs.tsv, as copied */
    int have_pairs;
    nb_table ph;                 /* its header and first row */
    const char *regret;          /* its regret column, or NULL */
    const char *drawn[MAX_DRAWN]; /* the variants drawn against regret (names in ph) */
    size_t ndrawn;
    nb_fig *f;
    size_t nf;
} study;

/* Rows in decreasing order of r (nan last, stable). */
static int cmp_rank(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    int xn = isnan(x->v), yn = isnan(y->v);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Is a pairs.tsv column one of the study's distance variants, named
 * canon:norm:metric?  The library's list of variants decides. */
static int is_variant(const char *name)
{
    char buf[128];
    size_t n = strlen(name);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, name, n + 1);
    char *norm = strchr(buf, STARC_RESULTS_VARIANT_SEP);
    char *metric = norm ? strchr(norm + 1, STARC_RESULTS_VARIANT_SEP) : NULL;
    if (!metric || strchr(metric + 1, STARC_RESULTS_VARIANT_SEP))
        return 0;
    *norm++ = '\0';
    *metric++ = '\0';
    starc_canon_kind ck;
    starc_norm_kind nk;
    starc_metric_kind mk;
    if (starc_canon_kind_parse(buf, &ck, NULL) || starc_norm_kind_parse(norm, &nk, NULL) ||
        starc_metric_kind_parse(metric, &mk, NULL))
        return 0;
    return starc_study_variant_index(ck, nk, mk) >= 0;
}

/* correlations.tsv's columns and its rows ranked by r. */
static int rank_correlations(study *y)
{
    y->cc = y->cn = y->cm = y->cp = -1;
    if (!y->have_corr)
        return STARC_OK;
    nb_table *t = &y->corr;
    y->cc = nb_table_col(t, STARC_RESULTS_STUDY_COL_CANON);
    y->cn = nb_table_col(t, STARC_RESULTS_STUDY_COL_NORM);
    y->cm = nb_table_col(t, STARC_RESULTS_STUDY_COL_METRIC);
    y->cp = nb_table_col(t, STARC_RESULTS_STUDY_COL_PEARSON);
    if (y->cp < 0)
        return STARC_OK;
    if (!(y->rk = malloc((t->nrow + 1) * sizeof *y->rk)))
        return nb_oom(y->s.x);
    for (size_t i = 0; i < t->nrow; i++) {
        y->rk[i].i = i;
        y->rk[i].v = nb_table_num(t, i, y->cp);
    }
    qsort(y->rk, t->nrow, sizeof *y->rk, cmp_rank);
    return STARC_OK;
}

/* pairs.tsv's columns, from its header and first row: the regret column
 * (STARC_RESULTS_STUDY_COL_REGRET, else a numeric column named like it). */
static int read_pairs_header(study *y)
{
    if (!y->have_pairs || !y->pairs.first[0])
        return STARC_OK;
    nb_buf t;
    nb_buf_init(&t);
    nb_buf_printf(&t, "%s\n%s\n", y->pairs.first[0], y->pairs.first[1] ? y->pairs.first[1] : "");
    int st = nb_buf_ok(&t) ? nb_table_parse(t.s, t.len, STARC_RESULTS_STUDY_PAIRS, &y->ph, y->s.x->err)
                           : nb_oom(y->s.x);
    nb_buf_free(&t);
    if (st)
        return st;
    long j = nb_table_col(&y->ph, STARC_RESULTS_STUDY_COL_REGRET);
    if (j >= 0)
        y->regret = y->ph.head[j];
    for (size_t k = 0; k < y->ph.ncol && !y->regret; k++) /* a column named like it, e.g. by hand */
        if (strstr(y->ph.head[k], STARC_RESULTS_STUDY_COL_REGRET) && nb_table_col_numeric(&y->ph, k))
            y->regret = y->ph.head[k];
    return STARC_OK;
}

static int drawn_already(const study *y, const char *name)
{
    for (size_t k = 0; k < y->ndrawn; k++)
        if (strcmp(y->drawn[k], name) == 0)
            return 1;
    return 0;
}

/* Draw pairs.tsv's column j if numeric and not drawn yet. */
static void draw(study *y, long j)
{
    if (j >= 0 && y->ndrawn < MAX_DRAWN && !drawn_already(y, y->ph.head[j]) &&
        nb_table_col_numeric(&y->ph, (size_t)j))
        y->drawn[y->ndrawn++] = y->ph.head[j];
}

/* The variants drawn: the paper's headline ones, then the best-correlated,
 * then any other variant column. */
static void choose_variants(study *y)
{
    if (!y->regret)
        return;
    for (const char *h = STARC_RESULTS_STUDY_HEADLINE; *h && y->ndrawn < MAX_DRAWN;) {
        size_t n = strcspn(h, ",");
        for (size_t j = 0; j < y->ph.ncol; j++)
            if (strlen(y->ph.head[j]) == n && strncmp(y->ph.head[j], h, n) == 0 &&
                nb_table_col_numeric(&y->ph, j)) {
                draw(y, (long)j);
                break;
            }
        h += n + (h[n] == ',');
    }
    const nb_table *c = &y->corr;
    int named = y->rk && y->cc >= 0 && y->cn >= 0 && y->cm >= 0;
    for (size_t r = 0; named && r < c->nrow && y->ndrawn < MAX_DRAWN; r++) {
        size_t i = y->rk[r].i;
        if (c->nf[i] < c->ncol)
            continue;
        nb_buf v;
        nb_buf_init(&v);
        nb_buf_printf(&v, STARC_RESULTS_VARIANT_FMT, c->rows[i][y->cc], c->rows[i][y->cn], c->rows[i][y->cm]);
        draw(y, v.s ? nb_table_col(&y->ph, v.s) : -1);
        nb_buf_free(&v);
    }
    for (size_t j = 0; j < y->ph.ncol && y->ndrawn < MAX_DRAWN; j++)
        if (is_variant(y->ph.head[j]))
            draw(y, (long)j);
}

static void explain_study(nb_buf *b)
{
    nb_buf_printf(b,
        "The study of %s (Figure 1): on random MDPs, pairs of random rewards interpolated from $R_1$ towards "
        "$R_2$; each point records the **symmetric normalised regret** "
        "$(\\mathrm{reg}(R_1,R_2) + \\mathrm{reg}(R_2,R_1))/2$, with "
        "$\\mathrm{reg}(R_t,R_p) = (J_t(\\pi^*_t) - J_t(\\pi^*_p)) / (J_t(\\pi^*_t) - J_t(\\pi^-_t))$ "
        "(computed exactly here; the authors estimated returns by Monte Carlo), and the distance between the two "
        "rewards under each variant: canonicalisation `c`, normalisation `n`, metric `m`. A good distance "
        "predicts regret; the score of a variant is its **Pearson correlation with regret** over all points. "
        "The paper reports, for $m = \\ell_2$: STARC-VAL with $n = \\ell_2$ 0.856, EPIC 0.778, DARD 0.782, "
        "no canonicalisation 0.618; the best VAL variant 0.873 ($n = m = \\ell_1$); without normalisation every "
        "canonicalisation scores only 0.12–0.33.\n\n",
        NB_CITE_STARC);
}

/* The markdown cell: explanation, script headers, the tables' key facts. */
static int study_markdown(study *y)
{
    nb_buf b;
    nb_buf_init(&b);
    nb_section_heading(&b, &y->s, "STARC random-MDP study");
    explain_study(&b);
    for (size_t i = 0; i < y->nf; i++)
        nb_figure_script_header(&b, &y->f[i]);
    if (y->have_pairs)
        nb_buf_printf(&b, "`" STARC_RESULTS_STUDY_PAIRS "`: %zu points, %zu columns.%s\n\n",
                      y->pairs.lines ? y->pairs.lines - 1 : 0, y->ph.ncol,
                      y->regret ? "" : " (No regret column found.)");
    const nb_table *c = &y->corr;
    if (y->have_corr && y->rk) {
        size_t k = c->nrow < y->s.x->o.table_rows ? c->nrow : y->s.x->o.table_rows;
        nb_buf_printf(&b, "The %zu variant%s (of %zu) with the highest Pearson correlation with regret:\n\n", k,
                      k == 1 ? "" : "s", c->nrow);
        nb_md_table_head(&b, c);
        for (size_t r = 0; r < k; r++)
            nb_md_table_row(&b, c, y->rk[r].i);
        nb_buf_add(&b, "\n");
    } else if (y->have_corr) {
        nb_buf_printf(&b, "`" STARC_RESULTS_STUDY_CORRELATIONS "`: %zu rows; no `" STARC_RESULTS_STUDY_COL_PEARSON
                          "` column.\n\n", c->nrow);
    }
    int st = nb_section_md(&y->s, &b);
    nb_buf_free(&b);
    return st;
}

/* The code cell loading both tables and listing the best variants. */
static int study_data(study *y)
{
    nb_buf code;
    nb_buf_init(&code);
    if (y->have_corr) {
        nb_buf_add(&code, "corr = read_tsv(");
        nb_section_py_path(&code, &y->s, STARC_RESULTS_STUDY_CORRELATIONS);
        nb_buf_add(&code, ")\n");
    }
    if (y->have_pairs) {
        nb_buf_add(&code, "pairs = read_tsv(");
        nb_section_py_path(&code, &y->s, STARC_RESULTS_STUDY_PAIRS);
        nb_buf_add(&code, ")\n");
        nb_buf_add(&code, "print(len(next(iter(pairs.values()))), \"points;\", len(pairs), \"columns\")\n");
    }
    if (y->cp >= 0 && y->cc >= 0 && y->cn >= 0 && y->cm >= 0)
        nb_buf_add(&code,
            "order = np.argsort(-corr[\"" STARC_RESULTS_STUDY_COL_PEARSON "\"], kind=\"stable\")\n"
            "print(\"Distance variants by Pearson correlation with regret:\")\n"
            "for i in order[:10]:\n"
            "    print(f\"  {corr['" STARC_RESULTS_STUDY_COL_CANON "'][i]:<18} n={corr['" STARC_RESULTS_STUDY_COL_NORM
            "'][i]:<6} m={corr['" STARC_RESULTS_STUDY_COL_METRIC "'][i]:<8} \"\n"
            "          f\"r={corr['" STARC_RESULTS_STUDY_COL_PEARSON "'][i]:.4f}\")\n");
    else if (y->have_corr)
        nb_buf_add(&code, "print(\"" STARC_RESULTS_STUDY_CORRELATIONS " columns:\", list(corr))\n");
    nb_buf_chomp(&code);
    int st = nb_section_code(&y->s, &code, NULL);
    nb_buf_free(&code);
    return st;
}

/* The code cell that recomputes the headline number with the libstarc Python
 * package when it is importable: the Pearson correlation with regret of the
 * first variant drawn, from the saved per-point data, by starc.pearson() (the
 * function the study itself uses, on the same finite points in the same
 * order), compared exactly with the value stored in correlations.tsv.  Without
 * the package the cell says so and changes nothing. */
static int study_recompute(study *y)
{
    if (!y->ndrawn || !y->regret || y->cp < 0 || y->cc < 0 || y->cn < 0 || y->cm < 0)
        return STARC_OK;
    nb_buf code;
    nb_buf_init(&code);
    nb_buf_add(&code, "# The headline number recomputed by libstarc itself (`import starc`), when it is installed\n"
                      "variant = ");
    nb_buf_py(&code, NB_PY_STRING, y->drawn[0]);
    nb_buf_add(&code, "\nregret = pairs[");
    nb_buf_py(&code, NB_PY_STRING, y->regret);
    nb_buf_add(&code, "]\n"
        "try:\n"
        "    import starc\n"
        "except ImportError as e:\n"
        "    print(f\"starc (the libstarc Python package) is not importable here ({e}); \"\n"
        "          \"the stored correlations are shown as saved, not recomputed.\")\n"
        "else:\n"
        "    row = [i for i in range(len(corr[\"" STARC_RESULTS_STUDY_COL_PEARSON "\"]))\n"
        "           if \":\".join((corr[\"" STARC_RESULTS_STUDY_COL_CANON "\"][i], corr[\"" STARC_RESULTS_STUDY_COL_NORM
        "\"][i], corr[\"" STARC_RESULTS_STUDY_COL_METRIC "\"][i])) == variant]\n"
        "    x = pairs[variant]\n"
        "    ok = np.isfinite(x)\n"
        "    r = starc.pearson(x[ok], regret[ok])\n"
        "    stored = corr[\"" STARC_RESULTS_STUDY_COL_PEARSON "\"][row[0]] if row else float(\"nan\")\n"
        "    print(f\"{variant}: Pearson r with regret recomputed by starc {starc.__version__} = {r!r}; \"\n"
        "          f\"stored in " STARC_RESULTS_STUDY_CORRELATIONS " = {stored!r}; \"\n"
        "          + (\"recomputed value matches: yes\" if r == stored else \"recomputed value matches: NO\"))");
    int st = nb_section_code(&y->s, &code, NULL);
    nb_buf_free(&code);
    return st;
}

static const char SCATTER[] =
    "fig, axes = plt.subplots(1, len(variants), figsize=(3.6 * len(variants), 3.4), sharey=True, "
    "squeeze=False)\n"
    "for ax, v in zip(axes[0], variants):\n"
    "    x = pairs[v]\n"
    "    ok = np.isfinite(x) & np.isfinite(regret)\n"
    "    r = np.corrcoef(x[ok], regret[ok])[0, 1] if ok.sum() > 1 else float(\"nan\")\n"
    "    print(f\"{v}: Pearson r = {r:.4f} over {ok.sum()} points\")\n"
    "    ax.scatter(x[ok], regret[ok], s=4, alpha=0.4)\n"
    "    ax.set_title(f\"{v}: r = {r:.3f}\", fontsize=10)\n"
    "    ax.set_xlabel(\"distance\")\n"
    "axes[0][0].set_ylabel(\"symmetric normalised regret\")\n"
    "fig.tight_layout()\n"
    "plt.show()";

/* The figure cells: regret against the drawn variants, whose stored output
 * is the study's scatter (else its Figure 1), then the other figures. */
static int study_figures(study *y)
{
    if (y->ndrawn == 0)
        return nb_figure_cells(&y->s, NULL, y->f, y->nf, 0);
    size_t main = nb_figures_find(y->f, y->nf, STARC_RESULTS_STUDY_SCATTER);
    if (main == y->nf)
        main = nb_figures_find(y->f, y->nf, STARC_RESULTS_STUDY_FIGURE);
    if (main == y->nf)
        main = 0;
    nb_buf code;
    nb_buf_init(&code);
    nb_buf_printf(&code, "# Regret against distance for %s variant%s", y->ndrawn == 1 ? "one" : "a few",
                  y->ndrawn == 1 ? "" : "s");
    nb_figure_note(&code, y->f, y->nf, main);
    nb_buf_add(&code, "variants = [");
    for (size_t i = 0; i < y->ndrawn; i++) {
        if (i)
            nb_buf_add(&code, ", ");
        nb_buf_py(&code, NB_PY_STRING, y->drawn[i]);
    }
    nb_buf_add(&code, "]\nregret = pairs[");
    nb_buf_py(&code, NB_PY_STRING, y->regret);
    nb_buf_add(&code, "]\n");
    nb_buf_add(&code, SCATTER);
    int st = nb_figure_cells(&y->s, &code, y->f, y->nf, main);
    nb_buf_free(&code);
    return st;
}

/* Stage the study's tables and figures and read what the cells need. */
static int study_read(study *y, const char *dir)
{
    int st = nb_stage_table(&y->s, dir, STARC_RESULTS_STUDY_CORRELATIONS, &y->corr, &y->have_corr);
    char *p = st ? NULL : cli_path_join(dir, STARC_RESULTS_STUDY_PAIRS);
    if (!st && !p)
        st = nb_oom(y->s.x);
    if (!st && nb_is_file(p)) {
        st = nb_stage_copy(&y->s, p, STARC_RESULTS_STUDY_PAIRS, STARC_RESULTS_STUDY_PAIRS, &y->pairs);
        y->have_pairs = !st;
    }
    free(p);
    if (!st)
        st = nb_figures(&y->s, dir, NULL, &y->f, &y->nf);
    if (!st)
        st = read_pairs_header(y);
    if (!st)
        st = rank_correlations(y);
    if (!st)
        choose_variants(y);
    return st;
}

int nb_study_section(nb_exporter *x, const char *dir, const char *sub)
{
    study y;
    memset(&y, 0, sizeof y);
    int st = nb_section_begin(x, &y.s, STARC_RESULTS_KIND_STUDY, dir, sub);
    if (!st)
        st = study_read(&y, dir);
    if (!st)
        st = study_markdown(&y);
    if (!st)
        st = study_data(&y);
    if (!st)
        st = study_figures(&y);
    if (!st)
        st = study_recompute(&y);
    st = nb_section_end(&y.s, st);
    free(y.rk);
    nb_figures_free(y.f, y.nf);
    nb_table_free(&y.corr);
    nb_table_free(&y.ph);
    nb_copy_info_clear(&y.pairs);
    return st;
}
