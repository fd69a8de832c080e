/* The figures of a section: staging, rendering, stored outputs, cells (figures.h). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <starc/results.h>

#include "../tools/gnuplot.h"
#include "cells.h"
#include "figures.h"
#include "staging.h"
#include "../tools/output.h"

static void fig_free(nb_fig *f)
{
    free(f->stem);
    free(f->gp);
    free(f->svg);
    free(f->png);
    free(f->gp_text);
    free(f->svg_data);
    free(f->png_data);
}

void nb_figures_free(nb_fig *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fig_free(&f[i]);
    free(f);
}

size_t nb_figures_find(const nb_fig *f, size_t n, const char *stem)
{
    for (size_t i = n; i-- > 0;)
        if (strcmp(f[i].stem, stem) == 0)
            return i;
    return n;
}

/* ---- rendering ----------------------------------------------------------- */

/* What render_as() returns when gnuplot failed on the script: gp_render() has
 * said why on stderr; not an error of the export (the figure is left out). */
#define GNUPLOT_FAILED (-1)

/* Render f's script as term into the section file name and read it back:
 * STARC_OK, GNUPLOT_FAILED or an error status. */
static int render_as(nb_section *s, const nb_fig *f, const char *term, const char *name, char **data, size_t *len)
{
    char *script = cli_path_join(s->dir, f->gp), *out = cli_path_join(s->dir, name);
    int st;
    if (!script || !out)
        st = nb_oom(s->x);
    else if (gp_render(s->x->o.cmd, script, term, out) != 0)
        st = GNUPLOT_FAILED;
    else
        st = nb_stage_read(s, name, data, len);
    free(script);
    free(out);
    return st;
}

/* "STEM.EXT" (malloc'd). */
static char *stem_name(const nb_fig *f, const char *ext)
{
    size_t n = strlen(f->stem) + strlen(ext) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", f->stem, ext);
    return p;
}

/* Render a figure that has a script but no image: SVG, or PNG when the SVG
 * would be too large to embed.  A missing or failing gnuplot is a warning. */
static int render(nb_section *s, nb_fig *f)
{
    nb_exporter *x = s->x;
    if (!f->gp || f->svg || f->png || !x->o.render)
        return STARC_OK;
    if (!gp_available()) {
        nb_warn(x, "%s: gnuplot not found; figure %s not rendered", s->shown, f->gp);
        return STARC_OK;
    }
    char *svg = stem_name(f, STARC_RESULTS_EXT_SVG), *png = stem_name(f, STARC_RESULTS_EXT_PNG);
    int st = svg && png ? render_as(s, f, "svg", svg, &f->svg_data, &f->svg_len) : nb_oom(x);
    if (st == STARC_OK && f->svg_len <= x->o.svg_max_bytes) {
        f->svg = svg;
        svg = NULL;
    } else if (st == STARC_OK) { /* too large to embed: PNG instead */
        free(f->svg_data);
        f->svg_data = NULL;
        char *path = cli_path_join(s->dir, svg);
        if (path)
            unlink(path);
        free(path);
    }
    if ((st == STARC_OK || st == GNUPLOT_FAILED) && !f->svg &&
        (st = render_as(s, f, "pngcairo", png, &f->png_data, &f->png_len)) == STARC_OK) {
        f->png = png;
        png = NULL;
    }
    if (st == GNUPLOT_FAILED)
        st = STARC_OK;
    if (!st && !f->svg && !f->png)
        nb_warn(x, "%s: gnuplot failed on %s; figure not rendered", s->shown, f->gp);
    if (!st && (f->svg || f->png)) {
        char sha[65];
        f->rendered = 1;
        if (f->svg)
            nb_sha256_hex(f->svg_data, f->svg_len, sha);
        else
            nb_sha256_hex(f->png_data, f->png_len, sha);
        st = nb_stage_record(s, f->svg ? f->svg : f->png, sha, 0, NULL);
    }
    free(svg);
    free(png);
    return st;
}

/* ---- finding and staging ----------------------------------------------------- */

/* 0 script, 1 SVG, 2 PNG, -1 no figure file. */
static int figure_file_kind(const char *name)
{
    const char *e = nb_ext(name);
    if (name[0] == '.')
        return -1;
    return strcmp(e, STARC_RESULTS_EXT_GP) == 0    ? 0
           : strcmp(e, STARC_RESULTS_EXT_SVG) == 0 ? 1
           : strcmp(e, STARC_RESULTS_EXT_PNG) == 0 ? 2
                                                   : -1;
}

/* The figure of stem in f[0..*nf), added when new; NULL when out of memory. */
static nb_fig *figure_of(nb_fig **f, size_t *nf, const char *stem)
{
    size_t k = nb_figures_find(*f, *nf, stem);
    if (k < *nf)
        return &(*f)[k];
    nb_fig *g = realloc(*f, (*nf + 1) * sizeof *g);
    if (!g)
        return NULL;
    *f = g;
    memset(&g[*nf], 0, sizeof *g);
    if (!(g[*nf].stem = strdup(stem)))
        return NULL;
    return &g[(*nf)++];
}

/* Stage dir/name (a figure file of the given kind) into its figure. */
static int add_file(nb_section *s, nb_fig **f, size_t *nf, const char *dir, const char *name, int kind,
                    const char *only)
{
    char *stem = nb_strip_ext(name), *src = cli_path_join(dir, name), *sname = NULL;
    int st = STARC_OK;
    nb_fig *g = NULL;
    if (!stem || !src)
        st = nb_oom(s->x);
    else if ((only && strcmp(stem, only) != 0) || !nb_is_file(src))
        ; /* not one of ours */
    else if (!(g = figure_of(f, nf, stem)) || !(sname = nb_safe_name(name)))
        st = nb_oom(s->x);
    else {
        char *data = NULL;
        size_t len = 0;
        if (!(st = nb_stage_load(s, src, name, sname, &data, &len))) {
            char **slot = kind == 0 ? &g->gp : kind == 1 ? &g->svg : &g->png;
            *slot = sname;
            sname = NULL;
            if (kind == 0) {
                g->gp_text = data;
            } else if (kind == 1) {
                g->svg_data = data;
                g->svg_len = len;
            } else {
                g->png_data = data;
                g->png_len = len;
            }
        }
    }
    free(sname);
    free(stem);
    free(src);
    return st;
}

int nb_figures(nb_section *s, const char *dir, const char *only, nb_fig **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    char **names;
    size_t n;
    int st = nb_list_dir(dir, &names, &n, s->x->err);
    if (st)
        return st;
    nb_fig *f = NULL;
    size_t nf = 0;
    for (size_t i = 0; i < n && !st; i++) {
        int kind = figure_file_kind(names[i]);
        if (kind >= 0)
            st = add_file(s, &f, &nf, dir, names[i], kind, only);
    }
    nb_free_list(names, n);
    for (size_t k = 0; k < nf && !st; k++) {
        /* the stem of rendered images is the script's safe name without .gp */
        if (f[k].gp) {
            char *stem = nb_strip_ext(f[k].gp);
            if (!stem) {
                st = nb_oom(s->x);
                break;
            }
            free(f[k].stem);
            f[k].stem = stem;
        }
        st = render(s, &f[k]);
    }
    if (st) {
        nb_figures_free(f, nf);
        return st;
    }
    *out = f;
    *nout = nf;
    return STARC_OK;
}

/* ---- stored outputs and cells ---------------------------------------------------- */

/* The prolog before the <svg> element (XML declaration, comments, processing
 * instructions, DOCTYPE) goes: nbconvert's HTML export parses the stored
 * text with lxml, which refuses a string that declares an encoding, and
 * JupyterLab inserts the text into the page, where a prolog does not belong
 * (IPython's own SVG() stores the element alone). */
const char *nb_svg_fragment(const char *p)
{
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
        p += 3;
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (strncmp(p, "<?", 2) == 0) {
            p = strstr(p + 2, "?>");
            if (!p)
                return NULL;
            p += 2;
        } else if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p + 4, "-->");
            if (!p)
                return NULL;
            p += 3;
        } else if (strncmp(p, "<!DOCTYPE", 9) == 0) {
            /* up to the '>' outside quotes and outside an internal subset [...] */
            int depth = 0;
            char quote = 0;
            for (p += 9; *p && (quote || depth || *p != '>'); p++) {
                if (quote)
                    quote = *p == quote ? 0 : quote;
                else if (*p == '"' || *p == '\'')
                    quote = *p;
                else if (*p == '[')
                    depth++;
                else if (*p == ']' && depth)
                    depth--;
            }
            if (!*p)
                return NULL;
            p++;
        } else {
            break;
        }
    }
    return strncmp(p, "<svg", 4) == 0 && p[4] && strchr(" \t\r\n/>", p[4]) ? p : NULL;
}

/* The stored outputs of a figure cell: the rendering as display_data (an
 * SVG too large to embed only when there is no PNG); [] without an image. */
static json_t *figure_outputs(nb_section *s, const nb_fig *f)
{
    json_t *outs = json_array();
    const char *svg = f->svg ? nb_svg_fragment(f->svg_data) : NULL;
    if (f->svg && !svg)
        nb_warn(s->x, "%s: %s holds no <svg> element; it is not embedded", s->shown, f->svg);
    if (!outs || (!svg && !f->png))
        return outs;
    if (svg && f->svg_len > s->x->o.svg_max_bytes && f->png)
        svg = NULL;
    nb_buf t;
    nb_buf_init(&t);
    nb_buf_printf(&t, "<gnuplot figure %s/%s%s>", s->id, f->png ? f->png : f->svg,
                  f->rendered ? ", rendered by starc notebook" : "");
    json_t *o = nb_buf_ok(&t) ? nb_display_data(f->png_data, f->png_len, svg, nb_buf_str(&t)) : NULL;
    nb_buf_free(&t);
    if (!o || json_array_append_new(outs, o)) {
        json_decref(outs);
        return NULL;
    }
    return outs;
}

void nb_figure_script_header(nb_buf *b, const nb_fig *f)
{
    if (!f->gp_text)
        return;
    const char *p = f->gp_text;
    int lines = 0;
    while (*p == '#' && lines < 8) {
        size_t n = strcspn(p, "\n");
        if (lines == 0) {
            nb_buf_add(b, "Header of the figure script `");
            nb_buf_md(b, NB_MD_CODE_SPAN, f->gp);
            nb_buf_add(b, "`:\n\n");
        }
        size_t keep = n && p[n - 1] == '\r' ? n - 1 : n; /* a CRLF line end is a line end */
        char *line = strndup(p, keep > 300 ? 300 : keep);
        nb_buf_add(b, "    ");
        if (line)
            nb_buf_md(b, NB_MD_CODE_LINE, line);
        else
            b->oom = 1;
        free(line);
        nb_buf_add(b, "\n");
        lines++;
        p += n;
        if (*p == '\n')
            p++;
    }
    if (lines)
        nb_buf_add(b, "\n");
}

void nb_figure_note(nb_buf *b, const nb_fig *f, size_t nf, size_t main)
{
    nb_buf_add(b, nf && (f[main].svg || f[main].png) ? " (stored output: the gnuplot figure).\n" : ".\n");
}

/* A cell that shows a figure the exporter cannot redraw: the stored image. */
static int display_cell(nb_section *s, const nb_fig *f)
{
    if (!f->svg && !f->png)
        return STARC_OK;
    nb_buf b;
    nb_buf_init(&b);
    nb_buf_add(&b, "# The gnuplot figure ");
    nb_buf_py(&b, NB_PY_COMMENT, f->png ? f->png : f->svg);
    nb_buf_add(&b, ", as rendered (edit and re-run ");
    nb_buf_py(&b, NB_PY_COMMENT, f->gp ? f->gp : "its script");
    nb_buf_add(&b, " with gnuplot to change it).\n");
    nb_buf_add(&b, "from IPython.display import Image, SVG, display\n\n");
    nb_buf_add(&b, f->png ? "display(Image(filename=" : "display(SVG(filename=");
    nb_section_py_path(&b, s, f->png ? f->png : f->svg);
    nb_buf_add(&b, "))");
    json_t *outs = figure_outputs(s, f);
    int st = outs ? nb_section_code(s, &b, outs) : nb_oom(s->x);
    nb_buf_free(&b);
    s->figures++;
    return st;
}

int nb_figure_cells(nb_section *s, const nb_buf *code, nb_fig *f, size_t nf, size_t main)
{
    size_t first = 0;
    int st = STARC_OK;
    if (code) {
        json_t *outs = nf ? figure_outputs(s, &f[main]) : json_array();
        if (!outs)
            return nb_oom(s->x);
        if ((st = nb_section_code(s, code, outs)))
            return st;
        s->figures++;
        if (nf) {
            nb_fig t = f[0];
            f[0] = f[main];
            f[main] = t;
            first = 1;
        }
    }
    for (size_t i = first; i < nf && !st; i++)
        st = display_cell(s, &f[i]);
    return st;
}
