/* The section of an overoptimisation sweep (section-overopt.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <starc/overopt.h>
#include <starc/results.h>

#include "figures.h"
#include "markdown.h"
#include "section-overopt.h"
#include "staging.h"

/* What the section learns from the sweep's files. */
typedef struct overopt {
    nb_section s;
    nb_table curves, fits;
    int have_curves, have_fits;
    json_t *summary;                  /* summary.json, or NULL */
    nb_fig *f;
    size_t nf;
    long cmethod, cd, ckl;            /* curves.tsv's method, d and kl columns, or -1 */
    long ctrue, cproxy;               /* its true and proxy columns (tcol, pcol), or -1 */
    const char *tcol, *pcol;          /* the changes from the base policy, else the returns; or NULL */
} overopt;

/* a if the table has that column, else b if it has that one, else NULL. */
static const char *first_column(const nb_table *t, const char *a, const char *b)
{
    return nb_table_col(t, a) >= 0 ? a : nb_table_col(t, b) >= 0 ? b : NULL;
}

/* The columns of curves.tsv drawn: d (or sqrt of kl) against the true and
 * proxy changes from the base policy, or the returns themselves. */
static void find_columns(overopt *o)
{
    const nb_table *t = &o->curves; /* zeroed when absent: no column */
    o->cmethod = nb_table_col(t, STARC_RESULTS_OVEROPT_COL_METHOD);
    o->cd = nb_table_col(t, STARC_RESULTS_OVEROPT_COL_D);
    o->ckl = nb_table_col(t, STARC_RESULTS_OVEROPT_COL_KL);
    o->tcol = first_column(t, STARC_RESULTS_OVEROPT_COL_TRUE_DELTA, STARC_RESULTS_OVEROPT_COL_TRUE_RETURN);
    o->pcol = first_column(t, STARC_RESULTS_OVEROPT_COL_PROXY_DELTA, STARC_RESULTS_OVEROPT_COL_PROXY_RETURN);
    o->ctrue = o->tcol ? nb_table_col(t, o->tcol) : -1;
    o->cproxy = o->pcol ? nb_table_col(t, o->pcol) : -1;
}

/* Can the curves be drawn (and tabulated per method)? */
static int drawable(const overopt *o)
{
    return o->have_curves && (o->cd >= 0 || o->ckl >= 0) && o->tcol && o->pcol;
}

static const char *method_of(const overopt *o, size_t i)
{
    const nb_table *t = &o->curves;
    return o->cmethod >= 0 && (size_t)o->cmethod < t->nf[i] ? t->rows[i][o->cmethod] : "all";
}

/* One method's row: points, largest d, the true curve's peak and where, and
 * the end of the path (the largest divergence, the last on ties). */
static void md_method(nb_buf *b, const overopt *o, const char *m, char *done, size_t i0)
{
    const nb_table *t = &o->curves;
    size_t n = 0;
    double dmax = -INFINITY, peak = -INFINITY, peak_d = NAN, end_t = NAN, end_p = NAN, end_d = -INFINITY;
    for (size_t i = i0; i < t->nrow; i++) {
        if (strcmp(method_of(o, i), m) != 0)
            continue;
        done[i] = 1;
        n++;
        double d = o->cd >= 0 ? nb_table_num(t, i, o->cd) : sqrt(nb_table_num(t, i, o->ckl));
        double tv = nb_table_num(t, i, o->ctrue), pv = nb_table_num(t, i, o->cproxy);
        if (d > dmax)
            dmax = d;
        if (tv > peak) {
            peak = tv;
            peak_d = d;
        }
        if (d >= end_d) {
            end_d = d;
            end_t = tv;
            end_p = pv;
        }
    }
    nb_buf_add(b, "| ");
    nb_buf_md(b, NB_MD_TEXT, m);
    nb_buf_printf(b, " | %zu | ", n);
    const double v[5] = {isfinite(dmax) ? dmax : NAN, isfinite(peak) ? peak : NAN, peak_d, end_t, end_p};
    for (int k = 0; k < 5; k++) {
        nb_buf_num(b, v[k]);
        nb_buf_add(b, k < 4 ? " | " : " |\n");
    }
}

/* The per-method facts of the curves, methods in order of appearance. */
static void md_curves(nb_buf *b, const overopt *o)
{
    nb_buf_add(b, "| method | points | max d | true change: peak | at d | end | proxy change: end |\n");
    nb_md_rule(b, 7);
    char *done = calloc(o->curves.nrow + 1, 1);
    if (!done) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < o->curves.nrow; i++)
        if (!done[i])
            md_method(b, o, method_of(o, i), done, i);
    free(done);
    nb_buf_add(b, "\n");
}

static int overopt_markdown(overopt *o)
{
    nb_buf b;
    nb_buf_init(&b);
    nb_section_heading(&b, &o->s, "Overoptimisation");
    nb_buf_printf(&b,
        "**Overoptimisation** (%s): the optimisation pressure on the proxy reward is swept (the coefficient of a "
        "regularised optimiser, `ad-kl` or `om-chi2`, from large to small, or best-of-n per state), and each point "
        "records the divergence from the base policy (KL, discounted $\\sum \\eta \\log(\\pi/\\pi_b)$, unnormalised "
        "and normalised; $d = \\sqrt{\\mathrm{KL}}$; $\\chi^2$) and the changes of the proxy and true returns from "
        "the base policy. Gao et al.'s forms, fitted by least squares without intercept: best-of-n "
        "$R(d) = d(\\alpha - \\beta d)$, peak $d^* = \\alpha/(2\\beta)$; RL $R(d) = d(\\alpha - \\beta \\log d)$, "
        "peak $d^* = e^{\\alpha/\\beta - 1}$. Overoptimisation shows as a true curve that rises, peaks and falls "
        "while the proxy keeps rising; true curves need not have a single peak.\n\n",
        NB_CITE_GAO);
    for (size_t i = 0; i < o->nf; i++)
        nb_figure_script_header(&b, &o->f[i]);
    if (drawable(o))
        md_curves(&b, o);
    else if (o->have_curves)
        nb_buf_printf(&b, "`" STARC_RESULTS_OVEROPT_CURVES "`: %zu points.\n\n", o->curves.nrow);
    if (o->have_fits) {
        nb_buf_add(&b, "Fits (`" STARC_RESULTS_OVEROPT_FITS "`):\n\n");
        nb_md_tsv(&b, &o->fits, o->s.x->o.table_rows);
    }
    if (json_is_object(o->summary)) {
        nb_buf_add(&b, "Summary (`" STARC_RESULTS_OVEROPT_SUMMARY "`):\n\n");
        nb_md_json_table(&b, o->summary, 2 * o->s.x->o.table_rows);
    }
    int st = nb_section_md(&o->s, &b);
    nb_buf_free(&b);
    return st;
}

/* The code cell loading the files (none when there is nothing to load). */
static int overopt_data(overopt *o)
{
    nb_buf code;
    nb_buf_init(&code);
    if (o->have_curves) {
        nb_buf_add(&code, "curves = read_tsv(");
        nb_section_py_path(&code, &o->s, STARC_RESULTS_OVEROPT_CURVES);
        nb_buf_add(&code, ")\n");
    }
    if (o->have_fits) {
        nb_buf_add(&code, "fits = read_tsv(");
        nb_section_py_path(&code, &o->s, STARC_RESULTS_OVEROPT_FITS);
        nb_buf_add(&code, ")\n");
    }
    if (o->summary)
        nb_section_py_load_json(&code, &o->s, STARC_RESULTS_OVEROPT_SUMMARY, "summary");
    if (o->have_curves && o->cmethod >= 0)
        nb_buf_add(&code, "methods = list(dict.fromkeys(curves[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"]))\n"
                          "print(\"methods:\", \", \".join(methods), \"-\", len(curves[\""
                          STARC_RESULTS_OVEROPT_COL_METHOD "\"]), \"points\")\n");
    else if (o->have_curves)
        nb_buf_add(&code, "print(len(next(iter(curves.values()))), \"points\")\n");
    if (o->have_fits)
        nb_buf_add(&code, "print(\"fits:\", list(fits))\n");
    if (o->summary)
        nb_buf_add(&code, "print(json.dumps(summary, indent=1))\n");
    nb_buf_chomp(&code);
    int st = code.len ? nb_section_code(&o->s, &code, NULL) : STARC_OK;
    nb_buf_free(&code);
    return st;
}

#define METHOD "curves[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"]"

/* Python for the x values of the selected points. */
static const char *x_values(const overopt *o)
{
    return o->cd >= 0 ? "curves[\"" STARC_RESULTS_OVEROPT_COL_D "\"][sel]"
                      : "np.sqrt(curves[\"" STARC_RESULTS_OVEROPT_COL_KL "\"][sel])";
}

/* The column of fits.tsv naming a fit's target: starc overopt's, then names
 * a hand-made table may use; NULL when none. */
static const char *fit_target_column(const nb_table *fits)
{
    static const char *names[] = {"curve", STARC_RESULTS_OVEROPT_FIT_TARGET, "quantity", "reward", "y", NULL};
    for (int i = 0; names[i]; i++)
        if (nb_table_col(fits, names[i]) >= 0)
            return names[i];
    return NULL;
}

/* Python drawing Gao et al.'s fitted form for each method: one fit per
 * method, of the true curve when the fits name their target. */
static void fit_code(nb_buf *code, const overopt *o)
{
    const nb_table *fits = &o->fits;
    long fa = o->have_fits ? nb_table_col(fits, STARC_RESULTS_OVEROPT_FIT_ALPHA) : -1;
    long fb = o->have_fits ? nb_table_col(fits, STARC_RESULTS_OVEROPT_FIT_BETA) : -1;
    if (fa < 0 || fb < 0 || !nb_table_col_numeric(fits, (size_t)fa) || !nb_table_col_numeric(fits, (size_t)fb))
        return;
    const char *bon = starc_overopt_method_name(STARC_OVEROPT_BON);
    const char *target = fit_target_column(fits);
    nb_buf_add(code, "# Gao et al.'s fitted form for each method (" STARC_RESULTS_OVEROPT_FITS "): best-of-n for ");
    nb_buf_py(code, NB_PY_COMMENT, bon);
    nb_buf_add(code, ", RL otherwise\nfor i in range(len(fits[\"" STARC_RESULTS_OVEROPT_FIT_ALPHA "\"])):\n");
    nb_buf_add(code, nb_table_col(fits, STARC_RESULTS_OVEROPT_COL_METHOD) >= 0
                         ? "    m = str(fits[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"][i])\n"
                         : "    m = methods[0]\n");
    nb_buf_add(code, "    form = \"" STARC_RESULTS_OVEROPT_FORM_BON "\" if m == ");
    nb_buf_py(code, NB_PY_STRING, bon);
    nb_buf_add(code, " else \"" STARC_RESULTS_OVEROPT_FORM_RL "\"\n");
    if (nb_table_col(fits, STARC_RESULTS_OVEROPT_FIT_FORM) >= 0)
        nb_buf_add(code, "    if str(fits[\"" STARC_RESULTS_OVEROPT_FIT_FORM "\"][i]).lower() != form:\n"
                         "        continue\n");
    if (target) {
        nb_buf_add(code, "    if str(fits[");
        nb_buf_py(code, NB_PY_STRING, target);
        nb_buf_add(code, "][i]) != \"" STARC_RESULTS_OVEROPT_TARGET_TRUE "\":\n        continue\n");
    }
    nb_buf_printf(code,
        "    k = methods.index(m) if m in methods else 0\n"
        "    sel = " METHOD " == m if m in methods else np.ones(len(" METHOD "), bool)\n"
        "    dmax = np.nanmax(%s)\n"
        "    if not np.isfinite(dmax) or dmax <= 0:\n"
        "        continue\n"
        "    d = np.linspace(0, dmax, 200)[1:]\n"
        "    a, b = fits[\"" STARC_RESULTS_OVEROPT_FIT_ALPHA "\"][i], fits[\"" STARC_RESULTS_OVEROPT_FIT_BETA
        "\"][i]\n"
        "    y = d * (a - b * d) if form == \"" STARC_RESULTS_OVEROPT_FORM_BON "\" else d * (a - b * np.log(d))\n"
        "    ax.plot(d, y, \":\", color=f\"C{k}\", label=f\"{m}: Gao {form} fit%s\")\n",
        x_values(o), target ? " (true)" : "");
}

/* The figure cells: true and proxy against d per method with the fits,
 * whose stored output is the sweep's figure, then the other figures. */
static int overopt_figures(overopt *o)
{
    if (!drawable(o))
        return nb_figure_cells(&o->s, NULL, o->f, o->nf, 0);
    size_t main = nb_figures_find(o->f, o->nf, STARC_RESULTS_OVEROPT_FIGURE);
    if (main == o->nf)
        main = 0;
    nb_buf code;
    nb_buf_init(&code);
    nb_buf_add(&code, "# True and proxy return changes along the pressure path");
    nb_figure_note(&code, o->f, o->nf, main);
    if (o->cmethod < 0) {
        nb_buf_add(&code, METHOD " = np.array([\"all\"] * len(curves[");
        nb_buf_py(&code, NB_PY_STRING, o->tcol);
        nb_buf_add(&code, "]))\nmethods = [\"all\"]\n");
    }
    nb_buf_printf(&code,
        "fig, ax = plt.subplots(figsize=(6.4, 4.2))\n"
        "for k, m in enumerate(methods):\n"
        "    sel = " METHOD " == m\n"
        "    x = %s\n"
        "    order = np.argsort(x, kind=\"stable\")\n"
        "    ax.plot(x[order], curves[", x_values(o));
    nb_buf_py(&code, NB_PY_STRING, o->tcol);
    nb_buf_add(&code, "][sel][order], \"-o\", ms=3, color=f\"C{k}\", label=f\"{m}: true\")\n"
                      "    ax.plot(x[order], curves[");
    nb_buf_py(&code, NB_PY_STRING, o->pcol);
    nb_buf_add(&code, "][sel][order], \"--\", color=f\"C{k}\", label=f\"{m}: proxy\")\n");
    fit_code(&code, o);
    nb_buf_printf(&code,
        "ax.axhline(0, color=\"0.6\", lw=0.8)\n"
        "ax.set_xlabel(\"d = sqrt(KL) from the base policy\")\n"
        "ax.set_ylabel(\"%s\")\n"
        "ax.legend(fontsize=8)\n"
        "fig.tight_layout()\n"
        "plt.show()",
        strcmp(o->tcol, STARC_RESULTS_OVEROPT_COL_TRUE_DELTA) == 0 ? "change of return from the base policy"
                                                                   : "return");
    int st = nb_figure_cells(&o->s, &code, o->f, o->nf, main);
    nb_buf_free(&code);
    return st;
}

#undef METHOD

int nb_overopt_section(nb_exporter *x, const char *dir, const char *sub)
{
    overopt o;
    memset(&o, 0, sizeof o);
    int st = nb_section_begin(x, &o.s, STARC_RESULTS_KIND_OVEROPT, dir, sub);
    if (!st)
        st = nb_stage_table(&o.s, dir, STARC_RESULTS_OVEROPT_CURVES, &o.curves, &o.have_curves);
    if (!st)
        st = nb_stage_table(&o.s, dir, STARC_RESULTS_OVEROPT_FITS, &o.fits, &o.have_fits);
    if (!st)
        st = nb_stage_json(&o.s, dir, STARC_RESULTS_OVEROPT_SUMMARY, &o.summary);
    if (!st)
        st = nb_figures(&o.s, dir, NULL, &o.f, &o.nf);
    if (!st) {
        find_columns(&o);
        st = overopt_markdown(&o);
    }
    if (!st)
        st = overopt_data(&o);
    if (!st)
        st = overopt_figures(&o);
    st = nb_section_end(&o.s, st);
    json_decref(o.summary);
    nb_figures_free(o.f, o.nf);
    nb_table_free(&o.curves);
    nb_table_free(&o.fits);
    return st;
}
