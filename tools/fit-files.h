/* The files `starc fit` writes into its output directory and the columns of its TSV files,
 * defined once for every part that writes or reads them (tools/cmd-fit.c; a notebook export of
 * fit results would include this header too). */
#ifndef STARC_FIT_FILES_H
#define STARC_FIT_FILES_H

#define FIT_POINTS_TSV "points.tsv"
#define FIT_FITS_TSV "fits.tsv"
#define FIT_EXTRAP_TSV "extrapolation.tsv"
#define FIT_SCALING_TSV "scaling.tsv"
#define FIT_SUMMARY_JSON "summary.json"
#define FIT_FIT_GP "fit.gp"
#define FIT_EXTRAP_GP "extrapolation.gp"
#define FIT_SCALING_GP "scaling.gp"

/* points.tsv: one row per point, groups ordered by size; d = sqrt(kl); n is the best-of-n n
 * for points estimated from samples (nan for logs); gold and proxy as read (not re-centred). */
#define FIT_POINTS_COLUMNS "group\tsize\tmethod\tn\tkl\td\tgold\tproxy"

/* fits.tsv: one row per group, target (gold, proxy) and form; every estimated quantity Q has
 * the columns Q, Q_se, Q_lo, Q_hi (the interval at the chosen level). */
#define FIT_FITS_KEYS "group\tsize\tmethod\ttarget\tform\tprimary\tcenter\tn\tskipped"
#define FIT_FITS_STATS "r2\trss\tsigma\tboot\tboot_failed"

/* extrapolation.tsv: one row per group, target and form. */
#define FIT_EXTRAP_COLUMNS \
    "group\tsize\ttarget\tform\tcutoff_kl\tn_fit\tn_test\trmse_fit\trmse_test\trmse_test_full\tmax_abs_test\tbias_test\trange"

/* scaling.tsv: one row per quantity of the scaling fit (gold, primary form) and per prediction. */
#define FIT_SCALING_COLUMNS "kind\tsize\tquantity\tvalue\tse\tlo\thi"

#endif
