/* The section of a `starc fit` result directory (points.tsv, fits.tsv,
 * extrapolation.tsv, scaling.tsv with two or more sizes, summary.json, and
 * the figures fit.gp, extrapolation.gp, scaling.gp: the names of
 * `STARC_RESULTS_FIT_*` in <starc/results.h>).
 *
 * Its markdown explains the forms and tabulates, per group, every fitted
 * quantity of fits.tsv with its interval (the columns Q, Q_lo, Q_hi), the
 * scaling fit of the coefficients against log(size) when present and the
 * honest-extrapolation check; a code cell loads the files with read_tsv()
 * (numpy) and prints every fit's quantities exactly (repr of the doubles);
 * a figure cell redraws the points and each group's primary fitted curve
 * with matplotlib, its stored output the rendering of fit.gp; the
 * extrapolation and scaling figures follow as display cells.
 *
 * Not part of libstarc's API.  Implemented by section-fit.c. */
#ifndef STARC_NB_SECTION_FIT_H
#define STARC_NB_SECTION_FIT_H

#include "section.h"

/* The section's kind in the report and the notebook's metadata.  (results.h,
 * which names the other kinds, has no STARC_RESULTS_KIND_ for `starc fit`
 * yet: this is its one spelling in the exporter.) */
#define NB_KIND_FIT "fit"

/* The section of the `starc fit` directory dir (sub: its path below the argument). */
int nb_fit_section(nb_exporter *x, const char *dir, const char *sub);

#endif
