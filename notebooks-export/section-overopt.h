/* The section of an overoptimisation sweep (a `starc overopt` directory:
 * curves.tsv, fits.tsv, summary.json, the overopt figure).
 *
 * It explains the sweep and Gao et al.'s functional forms, tabulates each
 * pressure path (points, largest d, the true curve's peak and end, the
 * proxy's end), the fits and the summary, loads the files, and draws true and
 * proxy change against d per method with the fitted forms (form from a
 * `form` column, else best-of-n for method `bon` and RL otherwise); its
 * stored output is the sweep's own figure.
 *
 * Not part of libstarc's API.  Implemented by section-overopt.c. */
#ifndef STARC_NB_SECTION_OVEROPT_H
#define STARC_NB_SECTION_OVEROPT_H

#include "section.h"

/* The section of the overopt directory dir (sub: its path below the argument). */
int nb_overopt_section(nb_exporter *x, const char *dir, const char *sub);

#endif
