/* The figures of a section: gnuplot scripts and their renderings.
 *
 * A figure is every NAME.gp / NAME.svg / NAME.png of a result directory
 * sharing a stem (for a file result, only the stem of the file).  Its files
 * are staged; a script without an image is rendered into the data directory
 * with the starc tool's gnuplot module (tools/gnuplot.h): SVG, or PNG when
 * the SVG is larger than the svg_max_bytes option.  A figure's stored
 * output is its rendering (display_data: base64 PNG and/or the SVG from its
 * <svg> element on, and a text/plain fallback), so the notebook reads
 * without being run.
 *
 * Not part of libstarc's API.  Implemented by figures.c. */
#ifndef STARC_NB_FIGURES_H
#define STARC_NB_FIGURES_H

#include <stddef.h>
#include <jansson.h>

#include "section.h"
#include "text.h"

typedef struct nb_fig {
    char *stem;
    char *gp, *svg, *png;          /* safe file names in the section directory, or NULL */
    char *gp_text;                 /* the script */
    char *svg_data, *png_data;     /* the images */
    size_t svg_len, png_len;
    int rendered;                  /* rendered by the exporter (not found beside the result) */
} nb_fig;

/* The figures in dir (only those of stem only, when non-NULL), in order of
 * their stems, staged into the section and rendered if needed (unless the
 * render option is off).  *out is NULL when there are none. */
int nb_figures(nb_section *s, const char *dir, const char *only, nb_fig **out, size_t *nout);
void nb_figures_free(nb_fig *f, size_t n);
/* Index of the (last) figure with that stem, or n. */
size_t nb_figures_find(const nb_fig *f, size_t n, const char *stem);

/* Markdown: the leading comment lines of a figure's script (its provenance
 * header), as an indented code block; nothing without a script. */
void nb_figure_script_header(nb_buf *b, const nb_fig *f);
/* The end of a figure cell's first comment line: " (stored output: the
 * gnuplot figure).\n" when f[main] has an image (nf > 0), else ".\n". */
void nb_figure_note(nb_buf *b, const nb_fig *f, size_t nf, size_t main);

/* The figure cells of a section.  With code: a cell (the code, typically a
 * matplotlib redraw) whose stored output is f[main]'s rendering, and f[main]
 * is moved to the front; then every other figure as a display cell showing
 * its image with IPython.display.  Without code: every figure as a display
 * cell. */
int nb_figure_cells(nb_section *s, const nb_buf *code, nb_fig *f, size_t nf, size_t main);

/* An SVG document as notebooks store it: the fragment from its <svg> element
 * on (a pointer into p), or NULL when no <svg> element follows the prolog. */
const char *nb_svg_fragment(const char *p);

#endif
