/* The sections of distance matrices and pairs (section-distance.h). */
#include <config.h>
#include <math.h>

#include <starc/results.h>

#include "figures.h"
#include "markdown.h"
#include "section-distance.h"

static void explain_distance(nb_buf *b)
{
    nb_buf_printf(b,
        "A **STARC distance** (%s) canonicalises each reward, $c(R)$, removing potential shaping "
        "(and, for `val` and `minimal`, redistribution over next states), normalises it, "
        "$s(R) = c(R)/n(c(R))$, and compares: $d(R_1, R_2) = m(s(R_1), s(R_2))$. With $m = n$ it lies in "
        "$[0, 2]$: $d(R, -R) = 2$ and $d(R, R_0) = 1$ for a trivial $R_0$. **EPIC** (%s) and **DARD** (%s) "
        "take the Pearson distance $\\sqrt{(1 - \\rho)/2} \\in [0, 1]$ of their canonical forms. "
        "Distance 0 means the rewards order all policies alike; `nan` (`null` in JSON) marks an undefined "
        "distance, e.g. a constant canonical reward under a Pearson metric.\n\n",
        NB_CITE_STARC, NB_CITE_EPIC, NB_CITE_DARD);
}

/* "A – B (d)" for the pair (i, j). */
static void md_pair(nb_buf *b, const nb_matrix *M, size_t i, size_t j, double d)
{
    nb_buf_md(b, NB_MD_TEXT, M->names[i]);
    nb_buf_add(b, " – ");
    nb_buf_md(b, NB_MD_TEXT, M->names[j]);
    nb_buf_add(b, " (");
    nb_buf_num(b, d);
    nb_buf_add(b, ")");
}

/* The key numbers: size, the closest and farthest distinct pairs (ties to
 * the first in row order), the undefined pairs. */
static void md_matrix_summary(nb_buf *b, const nb_matrix *M)
{
    size_t n = M->n, ci = 0, cj = 0, fi = 0, fj = 0, undefined = 0;
    double cd = INFINITY, fd = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double d = M->D[i * n + j];
            if (isnan(d)) {
                undefined++;
                continue;
            }
            if (d < cd) { cd = d; ci = i; cj = j; }
            if (d > fd) { fd = d; fi = i; fj = j; }
        }
    nb_buf_printf(b, "%zu rewards", n);
    if (isfinite(cd)) {
        nb_buf_add(b, "; closest pair ");
        md_pair(b, M, ci, cj, cd);
        nb_buf_add(b, ", farthest ");
        md_pair(b, M, fi, fj, fd);
    }
    if (undefined)
        nb_buf_printf(b, "; %zu undefined pair%s", undefined, undefined == 1 ? "" : "s");
    nb_buf_add(b, ".\n\n");
}

/* The key numbers and the matrix's first max rows and columns as a table. */
static void md_matrix(nb_buf *b, const nb_matrix *M, size_t max)
{
    size_t n = M->n, k = n < max ? n : max;
    md_matrix_summary(b, M);
    if (k < n)
        nb_buf_printf(b, "The first %zu rows and columns:\n\n", k);
    nb_buf_add(b, "| |");
    for (size_t j = 0; j < k; j++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, NB_MD_TEXT, M->names[j]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
    nb_md_rule(b, k + 1);
    for (size_t i = 0; i < k; i++) {
        nb_buf_add(b, "| ");
        nb_buf_md(b, NB_MD_TEXT, M->names[i]);
        nb_buf_add(b, " |");
        for (size_t j = 0; j < k; j++) {
            nb_buf_add(b, " ");
            nb_buf_num(b, M->D[i * n + j]);
            nb_buf_add(b, " |");
        }
        nb_buf_add(b, "\n");
    }
    nb_buf_add(b, "\n");
}

static const char HEATMAP[] =
    "fig, ax = plt.subplots(figsize=(2.5 + 0.55 * len(names), 1.5 + 0.55 * len(names)))\n"
    "im = ax.imshow(np.ma.masked_invalid(D), cmap=\"viridis\", vmin=0)\n"
    "ax.set_xticks(range(len(names)))\n"
    "ax.set_xticklabels(names, rotation=90)\n"
    "ax.set_yticks(range(len(names)))\n"
    "ax.set_yticklabels(names)\n"
    "if len(names) <= 12:\n"
    "    light = 0.6 * np.nanmax(D) if np.isfinite(D).any() else 0\n"
    "    for i in range(len(names)):\n"
    "        for j in range(len(names)):\n"
    "            ax.text(j, i, f\"{D[i, j]:.2f}\", ha=\"center\", va=\"center\", fontsize=8,\n"
    "                    color=\"k\" if D[i, j] > light else \"w\")\n"
    "fig.colorbar(im, ax=ax, label=\"distance\")\n"
    "ax.set_title(\"Distances between rewards (blank = undefined)\")\n"
    "fig.tight_layout()\n"
    "plt.show()";

/* Python defining names and D from the staged file. */
static void load_matrix(nb_buf *b, const nb_section *s, const nb_file_result *r, const char *name)
{
    if (r->json) {
        nb_section_py_load_json(b, s, name, "res");
        nb_buf_add(b, "names = res[\"" STARC_RESULTS_DISTANCE_KEY_NAMES "\"]\n"
                      "D = np.array(res[\"" STARC_RESULTS_DISTANCE_KEY_MATRIX
                      "\"], dtype=float)  # null -> nan (undefined)\n");
    } else {
        nb_buf_add(b, "names, D = read_matrix(");
        nb_section_py_path(b, s, name);
        nb_buf_add(b, ")\n");
    }
    nb_buf_add(b, "print(\"rewards:\", \", \".join(names))\n"
                  "with np.printoptions(precision=4, suppress=True, linewidth=120):\n"
                  "    print(D)");
}

int nb_distance_cells(nb_section *s, const nb_file_result *r, const char *name, const char *srcdir,
                      const char *stem)
{
    nb_buf b;
    nb_buf_init(&b);
    nb_section_heading(&b, s, "Distance matrix");
    explain_distance(&b);
    nb_fig *f = NULL;
    size_t nf = 0;
    int st = nb_figures(s, srcdir, stem, &f, &nf);
    for (size_t i = 0; !st && i < nf; i++)
        nb_figure_script_header(&b, &f[i]);
    if (!st) {
        md_matrix(&b, &r->M, s->x->o.table_rows);
        st = nb_section_md(s, &b);
    }
    if (!st) {
        nb_buf_reset(&b);
        load_matrix(&b, s, r, name);
        st = nb_section_code(s, &b, NULL);
    }
    if (!st) {
        nb_buf_reset(&b);
        nb_buf_add(&b, "# Heat map of the distance matrix");
        nb_figure_note(&b, f, nf, 0);
        nb_buf_add(&b, HEATMAP);
        st = nb_figure_cells(s, &b, f, nf, 0);
    }
    nb_figures_free(f, nf);
    nb_buf_free(&b);
    return st;
}

int nb_pair_cells(nb_section *s, const nb_file_result *r, const char *name)
{
    nb_buf b;
    nb_buf_init(&b);
    nb_section_heading(&b, s, "Distance between two rewards");
    explain_distance(&b);
    nb_buf_add(&b, "Distance: **");
    if (isnan(r->pair))
        nb_buf_add(&b, "undefined");
    else
        nb_buf_num(&b, r->pair);
    nb_buf_add(&b, "**\n");
    int st = nb_section_md(s, &b);
    nb_buf_reset(&b);
    if (r->json) {
        nb_section_py_load_json(&b, s, name, "res");
        nb_buf_add(&b, "d = res[\"" STARC_RESULTS_DISTANCE_KEY_DISTANCE "\"]\n");
    } else {
        nb_buf_add(&b, "d = float(np.loadtxt(");
        nb_section_py_path(&b, s, name);
        nb_buf_add(&b, ", comments=\"#\"))\n");
    }
    nb_buf_add(&b, "print(\"distance:\", \"undefined\" if d is None or np.isnan(d) else d)");
    if (!st)
        st = nb_section_code(s, &b, NULL);
    nb_buf_free(&b);
    return st;
}
