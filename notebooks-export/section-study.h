/* The section of a STARC random-MDP study (a `starc experiment` directory:
 * pairs.tsv, correlations.tsv, figure and scatter scripts).
 *
 * It explains the study (Skalse et al., Figure 1) with the paper's numbers,
 * tabulates the best-correlated distance variants, loads both tables, and
 * draws regret against up to four distance variants of pairs.tsv: the
 * headline ones (STARC_RESULTS_STUDY_HEADLINE), then the best-correlated,
 * then any other column the library knows as a variant; its stored output is
 * the study's own scatter figure, else its Figure 1.
 *
 * Not part of libstarc's API.  Implemented by section-study.c. */
#ifndef STARC_NB_SECTION_STUDY_H
#define STARC_NB_SECTION_STUDY_H

#include "section.h"

/* The section of the study directory dir (sub: its path below the argument). */
int nb_study_section(nb_exporter *x, const char *dir, const char *sub);

#endif
