/** @file starc/results.h
 *  @brief The results contract: every file name, column, JSON key and
 *  separator that one part of starc writes and another reads.
 *
 *  The `starc` subcommands leave their results as files (TSV with a header
 *  row, JSON, self-contained gnuplot scripts); `starc notebook`, `starc demo`
 *  and the test suite read them back, and so do users' scripts.  The writers
 *  (tools/cmd-*.c) and the readers (notebooks-export/, tools/cmd-demo.c)
 *  spell every name through the macros below, so a name is defined once and a
 *  reader cannot drift from its writer.  Each macro expands to a string
 *  literal (a character constant for ::STARC_RESULTS_VARIANT_SEP), usable in
 *  literal concatenation: `STARC_RESULTS_OVEROPT_FIGURE STARC_RESULTS_EXT_GP`
 *  is `"overopt.gp"`.
 *
 *  The formats themselves are described in starc-experiment(1),
 *  starc-overopt(1), starc-proxy(1), starc-regularize(1), starc-regret(1),
 *  starc-distance(1), starc-demo(1) and starc-notebook(1).  This header
 *  declares no functions and needs no library.
 */
#ifndef STARC_RESULTS_H
#define STARC_RESULTS_H

/* ------------------------------------------------------------ conventions */

/** @brief Separator of a distance variant's names, `canon:norm:metric`
 *  (a character constant). */
#define STARC_RESULTS_VARIANT_SEP ':'
/** @brief ::STARC_RESULTS_VARIANT_SEP as a string literal. */
#define STARC_RESULTS_VARIANT_SEP_STR ":"
/** @brief The name of a distance variant from three string literals:
 *  `STARC_RESULTS_VARIANT("val", "l2", "l2")` is `"val:l2:l2"`. */
#define STARC_RESULTS_VARIANT(canon, norm, metric) \
    canon STARC_RESULTS_VARIANT_SEP_STR norm STARC_RESULTS_VARIANT_SEP_STR metric
/** @brief printf format of a variant name from three strings (canon, norm, metric). */
#define STARC_RESULTS_VARIANT_FMT STARC_RESULTS_VARIANT("%s", "%s", "%s")

/** @brief Extension of a gnuplot figure script; its renderings share its stem. */
#define STARC_RESULTS_EXT_GP ".gp"
/** @brief Extension of an SVG rendering of a figure script. */
#define STARC_RESULTS_EXT_SVG ".svg"
/** @brief Extension of a PNG rendering of a figure script. */
#define STARC_RESULTS_EXT_PNG ".png"
/** @brief gnuplot variable naming the terminal in every figure script: renderers
 *  run `gnuplot -e "term='svg'; outfile='x.svg'" script.gp`. */
#define STARC_RESULTS_GP_TERM "term"
/** @brief gnuplot variable naming the output file in every figure script. */
#define STARC_RESULTS_GP_OUTFILE "outfile"

/* ------------------------------------------- starc experiment (the study) */

/** @brief Per-point table of a study: columns ::STARC_RESULTS_STUDY_COL_MDP,
 *  ::STARC_RESULTS_STUDY_COL_PAIR, ::STARC_RESULTS_STUDY_COL_STEP,
 *  ::STARC_RESULTS_STUDY_COL_REGRET, then one column per distance variant,
 *  named `canon:norm:metric` (::STARC_RESULTS_VARIANT_SEP). */
#define STARC_RESULTS_STUDY_PAIRS "pairs.tsv"
/** @brief Per-variant table of a study: columns ::STARC_RESULTS_STUDY_COL_CANON,
 *  ::STARC_RESULTS_STUDY_COL_NORM, ::STARC_RESULTS_STUDY_COL_METRIC,
 *  ::STARC_RESULTS_STUDY_COL_PEARSON, ::STARC_RESULTS_STUDY_COL_SPEARMAN. */
#define STARC_RESULTS_STUDY_CORRELATIONS "correlations.tsv"
/** @brief JSON summary of a study (keys `STARC_RESULTS_STUDY_KEY_*`). */
#define STARC_RESULTS_STUDY_SUMMARY "summary.json"
/** @brief Stem of the study's Figure-1 script (correlation of every variant with regret). */
#define STARC_RESULTS_STUDY_FIGURE "figure"
/** @brief Stem of the study's regret-against-distance scatter script. */
#define STARC_RESULTS_STUDY_SCATTER "scatter"
/** @brief Subdirectory of a study's output holding `--save-data` files. */
#define STARC_RESULTS_STUDY_DATA "data"

/** @brief pairs.tsv: index of the MDP. */
#define STARC_RESULTS_STUDY_COL_MDP "mdp"
/** @brief pairs.tsv: index of the reward pair within its MDP. */
#define STARC_RESULTS_STUDY_COL_PAIR "pair"
/** @brief pairs.tsv: interpolation step i of the point (R1, R_i). */
#define STARC_RESULTS_STUDY_COL_STEP "step"
/** @brief pairs.tsv: the point's symmetric normalised regret. */
#define STARC_RESULTS_STUDY_COL_REGRET "regret"
/** @brief correlations.tsv: the variant's canonicalisation. */
#define STARC_RESULTS_STUDY_COL_CANON "canon"
/** @brief correlations.tsv: the variant's normalisation. */
#define STARC_RESULTS_STUDY_COL_NORM "norm"
/** @brief correlations.tsv: the variant's metric. */
#define STARC_RESULTS_STUDY_COL_METRIC "metric"
/** @brief correlations.tsv (and summary.json): Pearson correlation with regret. */
#define STARC_RESULTS_STUDY_COL_PEARSON "pearson_r"
/** @brief correlations.tsv (and summary.json): Spearman correlation with regret. */
#define STARC_RESULTS_STUDY_COL_SPEARMAN "spearman_r"

/** @brief summary.json: the result's kind, value ::STARC_RESULTS_STUDY_KIND. */
#define STARC_RESULTS_STUDY_KEY_KIND "kind"
/** @brief Value of ::STARC_RESULTS_STUDY_KEY_KIND in a study's summary. */
#define STARC_RESULTS_STUDY_KIND "starc-experiment"
/** @brief summary.json: the libstarc version that wrote it. */
#define STARC_RESULTS_STUDY_KEY_VERSION "version"
/** @brief summary.json: the study's options (an object). */
#define STARC_RESULTS_STUDY_KEY_OPTIONS "options"
/** @brief summary.json: number of data points (the rows of pairs.tsv). */
#define STARC_RESULTS_STUDY_KEY_POINTS "points"
/** @brief summary.json: number of distance variants (the rows of correlations.tsv). */
#define STARC_RESULTS_STUDY_KEY_VARIANTS "variants"
/** @brief summary.json: key variants, each `{pearson_r, spearman_r}` by its `canon:norm:metric` name. */
#define STARC_RESULTS_STUDY_KEY_CORRELATIONS "correlations"
/** @brief summary.json: the files written (an array of names). */
#define STARC_RESULTS_STUDY_KEY_FILES "files"

/** @brief The headline variants, comma-separated: the comparison of the STARC
 *  paper's Figure 1 at n = m = l2 (STARC-VAL, EPIC and DARD canonicalisations,
 *  no canonicalisation).  `starc notebook` draws regret against these first. */
#define STARC_RESULTS_STUDY_HEADLINE                                   \
    STARC_RESULTS_VARIANT("val", "l2", "l2") ","                       \
    STARC_RESULTS_VARIANT("epic", "l2", "l2") ","                      \
    STARC_RESULTS_VARIANT("dard", "l2", "l2") ","                      \
    STARC_RESULTS_VARIANT("none", "l2", "l2")

/* ------------------------------------------------------- starc overopt */

/** @brief One row per point of every pressure path: columns ::STARC_RESULTS_OVEROPT_COL_METHOD,
 *  then ::STARC_RESULTS_OVEROPT_POINT_COLUMNS. */
#define STARC_RESULTS_OVEROPT_CURVES "curves.tsv"
/** @brief Gao fits: columns `STARC_RESULTS_OVEROPT_FIT_*`, one row per (method, target, form). */
#define STARC_RESULTS_OVEROPT_FITS "fits.tsv"
/** @brief JSON summary of the sweep (keys `STARC_RESULTS_OVEROPT_KEY_*`). */
#define STARC_RESULTS_OVEROPT_SUMMARY "summary.json"
/** @brief Stem of the overoptimisation figure script. */
#define STARC_RESULTS_OVEROPT_FIGURE "overopt"

/** @brief curves.tsv, fits.tsv: the pressure path's method (starc_overopt_method_name()). */
#define STARC_RESULTS_OVEROPT_COL_METHOD "method"
/** @brief curves.tsv: the regulariser coefficient (n for best-of-n). */
#define STARC_RESULTS_OVEROPT_COL_COEF "coef"
/** @brief curves.tsv: unnormalised discounted KL from the base policy. */
#define STARC_RESULTS_OVEROPT_COL_KL "kl"
/** @brief curves.tsv: (1 - gamma) times ::STARC_RESULTS_OVEROPT_COL_KL. */
#define STARC_RESULTS_OVEROPT_COL_KL_NORMALIZED "kl_normalized"
/** @brief curves.tsv: d = sqrt(kl), the x-axis of Gao's forms. */
#define STARC_RESULTS_OVEROPT_COL_D "d"
/** @brief curves.tsv: chi2 of the occupancy from the base occupancy. */
#define STARC_RESULTS_OVEROPT_COL_CHI2 "chi2"
/** @brief curves.tsv: the policy's proxy return. */
#define STARC_RESULTS_OVEROPT_COL_PROXY_RETURN "proxy_return"
/** @brief curves.tsv: the policy's true return. */
#define STARC_RESULTS_OVEROPT_COL_TRUE_RETURN "true_return"
/** @brief curves.tsv: proxy return minus the base policy's. */
#define STARC_RESULTS_OVEROPT_COL_PROXY_DELTA "proxy_delta"
/** @brief curves.tsv: true return minus the base policy's. */
#define STARC_RESULTS_OVEROPT_COL_TRUE_DELTA "true_delta"
/** @brief curves.tsv: the correlated-proxy lower bound on the true change. */
#define STARC_RESULTS_OVEROPT_COL_BOUND "bound"
/** @brief The columns of a point, tab-separated, in the order curves.tsv and the
 *  figure script's datablocks write them (after the method in curves.tsv). */
#define STARC_RESULTS_OVEROPT_POINT_COLUMNS                                                             \
    STARC_RESULTS_OVEROPT_COL_COEF "\t" STARC_RESULTS_OVEROPT_COL_KL "\t"                               \
    STARC_RESULTS_OVEROPT_COL_KL_NORMALIZED "\t" STARC_RESULTS_OVEROPT_COL_D "\t"                       \
    STARC_RESULTS_OVEROPT_COL_CHI2 "\t" STARC_RESULTS_OVEROPT_COL_PROXY_RETURN "\t"                     \
    STARC_RESULTS_OVEROPT_COL_TRUE_RETURN "\t" STARC_RESULTS_OVEROPT_COL_PROXY_DELTA "\t"               \
    STARC_RESULTS_OVEROPT_COL_TRUE_DELTA "\t" STARC_RESULTS_OVEROPT_COL_BOUND

/** @brief fits.tsv: the fitted curve, ::STARC_RESULTS_OVEROPT_TARGET_TRUE or
 *  ::STARC_RESULTS_OVEROPT_TARGET_PROXY. */
#define STARC_RESULTS_OVEROPT_FIT_TARGET "target"
/** @brief fits.tsv: Gao's form, ::STARC_RESULTS_OVEROPT_FORM_BON or ::STARC_RESULTS_OVEROPT_FORM_RL. */
#define STARC_RESULTS_OVEROPT_FIT_FORM "form"
/** @brief fits.tsv (and summary.json): the fitted alpha. */
#define STARC_RESULTS_OVEROPT_FIT_ALPHA "alpha"
/** @brief fits.tsv (and summary.json): the fitted beta. */
#define STARC_RESULTS_OVEROPT_FIT_BETA "beta"
/** @brief fits.tsv (and summary.json): coefficient of determination. */
#define STARC_RESULTS_OVEROPT_FIT_R2 "r2"
/** @brief fits.tsv (and summary.json): d at the fitted curve's maximum. */
#define STARC_RESULTS_OVEROPT_FIT_PEAK_D "peak_d"
/** @brief fits.tsv (and summary.json): KL at the fitted curve's maximum. */
#define STARC_RESULTS_OVEROPT_FIT_PEAK_KL "peak_kl"
/** @brief fits.tsv (and summary.json): the fitted curve's maximum. */
#define STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE "peak_value"
/** @brief fits.tsv: number of points of the path. */
#define STARC_RESULTS_OVEROPT_FIT_N "n"
/** @brief Fit target: the true return's change. */
#define STARC_RESULTS_OVEROPT_TARGET_TRUE "true"
/** @brief Fit target: the proxy return's change. */
#define STARC_RESULTS_OVEROPT_TARGET_PROXY "proxy"
/** @brief Gao's best-of-n form (::STARC_OVEROPT_GAO_BON). */
#define STARC_RESULTS_OVEROPT_FORM_BON "bon"
/** @brief Gao's RL form (::STARC_OVEROPT_GAO_RL). */
#define STARC_RESULTS_OVEROPT_FORM_RL "rl"

/** @brief summary.json: per-method results, an object keyed by method name. */
#define STARC_RESULTS_OVEROPT_KEY_METHODS "methods"
/** @brief summary.json: correlation r of true and proxy under the base policy. */
#define STARC_RESULTS_OVEROPT_KEY_R "r"
/** @brief summary.json, per method: number of points. */
#define STARC_RESULTS_OVEROPT_KEY_POINTS "points"
/** @brief summary.json, per method: the point of largest true change (an object). */
#define STARC_RESULTS_OVEROPT_KEY_PEAK "peak"
/** @brief summary.json, per method: the last point of the path (an object). */
#define STARC_RESULTS_OVEROPT_KEY_END "end"
/** @brief summary.json, in `peak` and `end`: the true change (as curves.tsv's column). */
#define STARC_RESULTS_OVEROPT_KEY_TRUE_DELTA STARC_RESULTS_OVEROPT_COL_TRUE_DELTA
/** @brief summary.json, in `end`: the proxy change (as curves.tsv's column). */
#define STARC_RESULTS_OVEROPT_KEY_PROXY_DELTA STARC_RESULTS_OVEROPT_COL_PROXY_DELTA
/** @brief summary.json, in `peak` and `end`: KL (as curves.tsv's column). */
#define STARC_RESULTS_OVEROPT_KEY_KL STARC_RESULTS_OVEROPT_COL_KL
/** @brief summary.json, in `peak`: d (as curves.tsv's column). */
#define STARC_RESULTS_OVEROPT_KEY_D STARC_RESULTS_OVEROPT_COL_D
/** @brief summary.json, in `peak` and `end`: the coefficient (as curves.tsv's column). */
#define STARC_RESULTS_OVEROPT_KEY_COEF STARC_RESULTS_OVEROPT_COL_COEF
/** @brief summary.json, in `peak`: the peak's row among the method's points (0-based). */
#define STARC_RESULTS_OVEROPT_KEY_INDEX "index"
/** @brief summary.json, per method: true change at the peak minus at the end. */
#define STARC_RESULTS_OVEROPT_KEY_DROP "drop"
/** @brief summary.json, per method: the drop as a fraction of the true return's range. */
#define STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED "drop_normalized"
/** @brief summary.json, per method: whether the true curve is not monotone. */
#define STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE "non_monotone"
/** @brief summary.json, per method: number of strict local maxima of the true curve. */
#define STARC_RESULTS_OVEROPT_KEY_LOCAL_MAXIMA "local_maxima"
/** @brief summary.json, per method: fits by target, then by form (keys `STARC_RESULTS_OVEROPT_FIT_*`). */
#define STARC_RESULTS_OVEROPT_KEY_FITS "fits"

/* ------------------------------------ starc overopt --batch (a list of MDPs) */

/** @brief Columns of the list of `starc overopt --batch LIST.tsv` (a header row, tab-separated): the
 *  entry's name (its output subdirectory), its MDP, true and proxy rewards, and (optional column)
 *  its base policy; paths relative to the list's directory. */
#define STARC_RESULTS_OVEROPT_LIST_NAME "name"
/** @brief List column: the entry's MDP (.npz). */
#define STARC_RESULTS_OVEROPT_LIST_MDP "mdp"
/** @brief List column: the entry's true reward (as `--true`). */
#define STARC_RESULTS_OVEROPT_LIST_TRUE "true"
/** @brief List column: the entry's proxy reward (as `--proxy`). */
#define STARC_RESULTS_OVEROPT_LIST_PROXY "proxy"
/** @brief List column (optional; empty = uniform): the entry's base policy (as `--base`). */
#define STARC_RESULTS_OVEROPT_LIST_BASE "base"
/** @brief A batch's table, one row per entry and method: ::STARC_RESULTS_OVEROPT_LIST_NAME,
 *  ::STARC_RESULTS_OVEROPT_COL_METHOD, then ::STARC_RESULTS_OVEROPT_BATCH_COLUMNS (summary.json's
 *  quantities, `peak_*` and `end_*` from its `peak` and `end` objects, `fit_*` from the true
 *  return's fit in the method's natural form, ::STARC_RESULTS_OVEROPT_BATCH_FIT_FORM). */
#define STARC_RESULTS_OVEROPT_BATCH "batch.tsv"
/** @brief A batch's JSON summary: keys ::STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES and
 *  ::STARC_RESULTS_OVEROPT_KEY_METHODS (per method: entries, non_monotone (a count),
 *  drop_normalized_mean, drop_normalized_max over the entries where it is defined). */
#define STARC_RESULTS_OVEROPT_BATCH_SUMMARY "summary.json"
/** @brief Batch summary.json: the entries' names in the list's order; per method, their number. */
#define STARC_RESULTS_OVEROPT_BATCH_KEY_ENTRIES "entries"
/** @brief Batch summary.json, per method: mean of drop_normalized. */
#define STARC_RESULTS_OVEROPT_BATCH_KEY_DROP_MEAN STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED "_mean"
/** @brief Batch summary.json, per method: largest drop_normalized. */
#define STARC_RESULTS_OVEROPT_BATCH_KEY_DROP_MAX STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED "_max"
/** @brief batch.tsv: prefix of the fit columns. */
#define STARC_RESULTS_OVEROPT_BATCH_FIT "fit"
/** @brief batch.tsv: Gao's form of the fit columns (bon for best-of-n, rl otherwise). */
#define STARC_RESULTS_OVEROPT_BATCH_FIT_FORM STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_FORM
/** @brief batch.tsv's columns after name and method, tab-separated. */
#define STARC_RESULTS_OVEROPT_BATCH_COLUMNS                                                              \
    STARC_RESULTS_OVEROPT_KEY_POINTS "\t" STARC_RESULTS_OVEROPT_KEY_PEAK "_" STARC_RESULTS_OVEROPT_KEY_INDEX  \
    "\t" STARC_RESULTS_OVEROPT_KEY_PEAK "_" STARC_RESULTS_OVEROPT_KEY_TRUE_DELTA "\t" STARC_RESULTS_OVEROPT_KEY_PEAK "_" STARC_RESULTS_OVEROPT_KEY_COEF                  \
    "\t" STARC_RESULTS_OVEROPT_KEY_PEAK "_" STARC_RESULTS_OVEROPT_KEY_KL "\t" STARC_RESULTS_OVEROPT_KEY_PEAK "_" STARC_RESULTS_OVEROPT_KEY_D                             \
    "\t" STARC_RESULTS_OVEROPT_KEY_END "_" STARC_RESULTS_OVEROPT_KEY_TRUE_DELTA "\t" STARC_RESULTS_OVEROPT_KEY_END "_" STARC_RESULTS_OVEROPT_KEY_PROXY_DELTA             \
    "\t" STARC_RESULTS_OVEROPT_KEY_END "_" STARC_RESULTS_OVEROPT_KEY_KL "\t" STARC_RESULTS_OVEROPT_KEY_END "_" STARC_RESULTS_OVEROPT_KEY_COEF                            \
    "\t" STARC_RESULTS_OVEROPT_KEY_DROP "\t" STARC_RESULTS_OVEROPT_KEY_DROP_NORMALIZED                       \
    "\t" STARC_RESULTS_OVEROPT_KEY_NON_MONOTONE "\t" STARC_RESULTS_OVEROPT_KEY_LOCAL_MAXIMA                  \
    "\t" STARC_RESULTS_OVEROPT_BATCH_FIT_FORM "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_ALPHA                       \
    "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_BETA "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_R2                            \
    "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_PEAK_D "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_PEAK_KL                     \
    "\t" STARC_RESULTS_OVEROPT_BATCH_FIT "_" STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE
/** @brief Kind of the shards of an overopt batch (`starc overopt --batch LIST --shard K/N`). */
#define STARC_RESULTS_OVEROPT_SHARD_KIND "overopt-batch"

/* --------------------------------- JSON of distance, regret, proxy, regularize */

/** @brief `starc distance --format json`, two rewards: the distance (null = undefined). */
#define STARC_RESULTS_DISTANCE_KEY_DISTANCE "distance"
/** @brief `starc distance --format json`, a matrix: the reward names. */
#define STARC_RESULTS_DISTANCE_KEY_NAMES "names"
/** @brief `starc distance --format json`, a matrix: rows of distances (null = undefined). */
#define STARC_RESULTS_DISTANCE_KEY_MATRIX "matrix"
/** @brief Kind of the shards of a distance matrix (`starc distance --shard K/N`, shard.json). */
#define STARC_RESULTS_DISTANCE_SHARD_KIND "distance-matrix"
/** @brief A distance-matrix shard's entries: a float64 `.npy` of its range of the upper triangle's
 *  n(n+1)/2 entries (row by row, diagonal included), exactly as computed. */
#define STARC_RESULTS_DISTANCE_ENTRIES "entries.npy"
/** @brief The merged matrix (`starc merge`): the bytes `starc distance` prints on stdout (TSV). */
#define STARC_RESULTS_DISTANCE_MATRIX_TSV "matrix.tsv"
/** @brief The merged matrix with `starc merge --format json`: the bytes of `starc distance --format json`. */
#define STARC_RESULTS_DISTANCE_MATRIX_JSON "matrix.json"
/** @brief distance shard settings: the reward names in order (an array). */
#define STARC_RESULTS_DISTANCE_SET_NAMES "names"
/** @brief distance shard settings: SHA-256 of each reward argument's file, in order (an array). */
#define STARC_RESULTS_DISTANCE_SET_REWARDS "reward_files"

/** @brief `starc regret --format json`: the normalised regret. */
#define STARC_RESULTS_REGRET_KEY_REGRET "regret"
/** @brief `starc regret --format json`: the true reward's optimal return. */
#define STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL "true_optimal_return"
/** @brief `starc regret --format json`: the true return of the proxy's optimal policy. */
#define STARC_RESULTS_REGRET_KEY_PROXY_POLICY "proxy_policy_return"
/** @brief `starc regret --format json`: the true reward's worst return. */
#define STARC_RESULTS_REGRET_KEY_TRUE_WORST "true_worst_return"

/** @brief `starc proxy --format json`: correlation of true and proxy under the base occupancy. */
#define STARC_RESULTS_PROXY_KEY_R "r"
/** @brief `starc proxy --format json`: standard deviation of the true expected reward. */
#define STARC_RESULTS_PROXY_KEY_SIGMA_TRUE "sigma_true"
/** @brief `starc proxy --format json`: standard deviation of the proxy expected reward. */
#define STARC_RESULTS_PROXY_KEY_SIGMA_PROXY "sigma_proxy"
/** @brief `starc proxy --format json`: whether some proxy-optimal policy lowers the true return. */
#define STARC_RESULTS_PROXY_KEY_REWARD_HACKING "reward_hacking"
/** @brief `starc proxy --format json`: the proxy-optimal policy (an object). */
#define STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL "proxy_optimal"
/** @brief In `proxy_optimal`: its normalised true change from the base policy. */
#define STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED "true_delta_normalized"
/** @brief In `proxy_optimal`: bound A on `true_delta_normalized`. */
#define STARC_RESULTS_PROXY_KEY_BOUND_A "bound_a"
/** @brief In `proxy_optimal`: bound B (Laidlaw et al.'s form). */
#define STARC_RESULTS_PROXY_KEY_BOUND_B "bound_b"
/** @brief In `proxy_optimal`: the tight bound. */
#define STARC_RESULTS_PROXY_KEY_BOUND_TIGHT "bound_tight"

/** @brief `starc regularize --format json`: the method's name. */
#define STARC_RESULTS_REGULARIZE_KEY_METHOD "method"
/** @brief `starc regularize --format json`: the coefficient lambda. */
#define STARC_RESULTS_REGULARIZE_KEY_COEF "coef"
/** @brief `starc regularize --format json`: the regularised objective at the optimum. */
#define STARC_RESULTS_REGULARIZE_KEY_OBJECTIVE "objective"

/* ----------------------------------------------------- problem directories */

/** @brief The MDP in a directory of problem files (`starc generate gridworld -o DIR`,
 *  the subdirectories of `starc demo`). */
#define STARC_RESULTS_MDP "mdp.npz"
/** @brief The named rewards (an .npz archive) in a directory of problem files. */
#define STARC_RESULTS_REWARDS "rewards.npz"

/* ------------------------------------------ shards (starc merge, --shard K/N) */

/** @brief The manifest of a shard directory (`--shard K/N -o DIR`), written last,
 *  once every other file of the shard is complete: a directory without it is an
 *  unfinished shard that `starc merge` refuses.  Keys `STARC_RESULTS_SHARD_KEY_*`. */
#define STARC_RESULTS_SHARD_MANIFEST "shard.json"
/** @brief shard.json: what the shard holds (the merge's kind), e.g. ::STARC_RESULTS_STUDY_KIND. */
#define STARC_RESULTS_SHARD_KEY_KIND "kind"
/** @brief shard.json: the libstarc version that wrote it. */
#define STARC_RESULTS_SHARD_KEY_VERSION "version"
/** @brief shard.json: which shard, an object {::STARC_RESULTS_SHARD_KEY_K, ::STARC_RESULTS_SHARD_KEY_N}. */
#define STARC_RESULTS_SHARD_KEY_SHARD "shard"
/** @brief shard.json, in `shard`: K of `--shard K/N` (1-based). */
#define STARC_RESULTS_SHARD_KEY_K "k"
/** @brief shard.json, in `shard`: N of `--shard K/N`. */
#define STARC_RESULTS_SHARD_KEY_N "n"
/** @brief shard.json: the slice of items computed, an object {::STARC_RESULTS_SHARD_KEY_BEGIN,
 *  ::STARC_RESULTS_SHARD_KEY_END}, the half-open range [begin, end) of [0, total). */
#define STARC_RESULTS_SHARD_KEY_RANGE "range"
/** @brief shard.json, in `range`: the first item of the slice. */
#define STARC_RESULTS_SHARD_KEY_BEGIN "begin"
/** @brief shard.json, in `range`: one past the last item of the slice. */
#define STARC_RESULTS_SHARD_KEY_END "end"
/** @brief shard.json: the number of items of the whole run (MDPs of a study). */
#define STARC_RESULTS_SHARD_KEY_TOTAL "total"
/** @brief shard.json: every option that changes the merged results (an object;
 *  shards merge only when theirs are equal). */
#define STARC_RESULTS_SHARD_KEY_SETTINGS "settings"
/** @brief A study shard's points: float64 .npy of shape (points, 1 + variants), one row per
 *  point in pairs.tsv's order, the regret then every variant in correlations.tsv's order. */
#define STARC_RESULTS_STUDY_POINTS "points.npy"

/* ------------------------------------------------------------- starc demo */

/** @brief Default output directory of `starc demo`. */
#define STARC_RESULTS_DEMO_DIR "starc-demo"
/** @brief The demo's 2-state MDP, at the top of its directory. */
#define STARC_RESULTS_DEMO_SMALL_MDP "small-mdp.npz"
/** @brief The demo's 2-state reward, at the top of its directory. */
#define STARC_RESULTS_DEMO_SMALL_REWARD "small-reward.npy"
/** @brief Subdirectory: EPIC's gridworld, its rewards and three distance matrices. */
#define STARC_RESULTS_DEMO_GRIDWORLD "gridworld"
/** @brief In the gridworld directory: the STARC (VAL, L2, L2) matrix is `starc.tsv` and `starc.gp`. */
#define STARC_RESULTS_DEMO_GRID_STARC "starc"
/** @brief In the gridworld directory: the EPIC matrix is `epic.tsv` and `epic.gp`. */
#define STARC_RESULTS_DEMO_GRID_EPIC "epic"
/** @brief In the gridworld directory: the DARD matrix is `dard.tsv` and `dard.gp`. */
#define STARC_RESULTS_DEMO_GRID_DARD "dard"
/** @brief In the gridworld directory: what `starc generate gridworld` printed. */
#define STARC_RESULTS_DEMO_GRID_LOG "generate.txt"
/** @brief Subdirectory: the small study (a `starc experiment` directory). */
#define STARC_RESULTS_DEMO_STUDY "study"
/** @brief Subdirectory: the tomato-watering gridworld and its proxy results. */
#define STARC_RESULTS_DEMO_TOMATO "tomato"
/** @brief In the tomato directory: `starc proxy --format json`'s output. */
#define STARC_RESULTS_DEMO_TOMATO_PROXY "proxy.json"
/** @brief In the tomato directory: `starc regularize --format json`'s output at CP's coefficient. */
#define STARC_RESULTS_DEMO_TOMATO_REGULARIZE "regularize-orpo.json"
/** @brief Subdirectory: the overoptimisation sweep (a `starc overopt` directory). */
#define STARC_RESULTS_DEMO_OVEROPT "overopt"
/** @brief Subdirectory holding the notebook that gathers every result. */
#define STARC_RESULTS_DEMO_NOTEBOOK_DIR "notebook"
/** @brief The demo's notebook, in ::STARC_RESULTS_DEMO_NOTEBOOK_DIR. */
#define STARC_RESULTS_DEMO_NOTEBOOK "starc-demo.ipynb"
/** @brief In a demo subdirectory: the base policy. */
#define STARC_RESULTS_DEMO_BASE "base.npy"
/** @brief In the overopt directory: the true reward. */
#define STARC_RESULTS_DEMO_TRUE "true.npy"
/** @brief In the overopt directory: the proxy reward. */
#define STARC_RESULTS_DEMO_PROXY "proxy.npy"

/* --------------------------------------------------------- starc notebook */

/** @brief Section kind: a distance matrix. */
#define STARC_RESULTS_KIND_DISTANCE "distance"
/** @brief Section kind: the distance between two rewards. */
#define STARC_RESULTS_KIND_PAIR "pair"
/** @brief Section kind: a `starc proxy` result. */
#define STARC_RESULTS_KIND_PROXY "proxy"
/** @brief Section kind: a `starc regularize` result. */
#define STARC_RESULTS_KIND_REGULARIZE "regularize"
/** @brief Section kind: a `starc regret` result. */
#define STARC_RESULTS_KIND_REGRET "regret"
/** @brief Section kind: a `starc experiment` directory. */
#define STARC_RESULTS_KIND_STUDY "study"
/** @brief Section kind: a `starc overopt` directory. */
#define STARC_RESULTS_KIND_OVEROPT "overopt"

/** @brief A notebook's data directory is the notebook's name without `.ipynb`, plus this. */
#define STARC_RESULTS_NOTEBOOK_DATA_SUFFIX "_data"
/** @brief In a notebook's data directory: SHA-256 of every data file (`sha256sum -c` format). */
#define STARC_RESULTS_NOTEBOOK_MANIFEST "MANIFEST.sha256"
/** @brief Report of `starc notebook --format json` (and nb_export()): the notebook's path. */
#define STARC_RESULTS_NOTEBOOK_KEY_NOTEBOOK "notebook"
/** @brief Report and notebook metadata: the data directory. */
#define STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR "data_dir"
/** @brief Report and notebook metadata: the sections, each {id, kind, path, figures}. */
#define STARC_RESULTS_NOTEBOOK_KEY_SECTIONS "sections"
/** @brief Report and notebook metadata: the inputs, each {path, bytes, sha256}. */
#define STARC_RESULTS_NOTEBOOK_KEY_INPUTS "inputs"
/** @brief Report: files of a directory that are no result. */
#define STARC_RESULTS_NOTEBOOK_KEY_SKIPPED "skipped"
/** @brief Report: warnings (e.g. a figure gnuplot could not render). */
#define STARC_RESULTS_NOTEBOOK_KEY_WARNINGS "warnings"
/** @brief A section's data subdirectory name. */
#define STARC_RESULTS_NOTEBOOK_KEY_ID "id"
/** @brief A section's kind (`STARC_RESULTS_KIND_*`). */
#define STARC_RESULTS_NOTEBOOK_KEY_KIND "kind"
/** @brief A section's or input's path as shown to the reader. */
#define STARC_RESULTS_NOTEBOOK_KEY_PATH "path"
/** @brief A section's number of figure cells. */
#define STARC_RESULTS_NOTEBOOK_KEY_FIGURES "figures"
/** @brief An input's size in bytes. */
#define STARC_RESULTS_NOTEBOOK_KEY_BYTES "bytes"
/** @brief An input's SHA-256 (lowercase hex). */
#define STARC_RESULTS_NOTEBOOK_KEY_SHA256 "sha256"
/** @brief Notebook metadata: starc's provenance object (`version`, `command`, `result`,
 *  ::STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR, ::STARC_RESULTS_NOTEBOOK_KEY_INPUTS,
 *  ::STARC_RESULTS_NOTEBOOK_KEY_SECTIONS). */
#define STARC_RESULTS_NOTEBOOK_KEY_METADATA "starc"


/* ---- starc fit (tools/cmd-fit.c writes; the notebook export reads) ---- */
/** @brief `starc fit` output: the points, one row each (columns ::STARC_RESULTS_FIT_POINTS_COLUMNS). */
#define STARC_RESULTS_FIT_POINTS_TSV "points.tsv"
/** @brief `starc fit` output: the fits, one row per group, target and form. */
#define STARC_RESULTS_FIT_FITS_TSV "fits.tsv"
/** @brief `starc fit` output: the honest-extrapolation check. */
#define STARC_RESULTS_FIT_EXTRAP_TSV "extrapolation.tsv"
/** @brief `starc fit` output: the coefficients against reward-model size. */
#define STARC_RESULTS_FIT_SCALING_TSV "scaling.tsv"
/** @brief `starc fit` output: every fit with its intervals, as JSON. */
#define STARC_RESULTS_FIT_SUMMARY_JSON "summary.json"
/** @brief `starc fit` output: the data with fitted curves and peaks (gnuplot). */
#define STARC_RESULTS_FIT_FIT_GP "fit.gp"
/** @brief `starc fit` output: the extrapolation check (gnuplot). */
#define STARC_RESULTS_FIT_EXTRAP_GP "extrapolation.gp"
/** @brief `starc fit` output: coefficients against size (gnuplot). */
#define STARC_RESULTS_FIT_SCALING_GP "scaling.gp"

/** points.tsv: one row per point, groups ordered by size; d = sqrt(kl); n is the best-of-n n
 * for points estimated from samples (nan for logs); gold and proxy as read (not re-centred). */
#define STARC_RESULTS_FIT_POINTS_COLUMNS "group\tsize\tmethod\tn\tkl\td\tgold\tproxy"

/** fits.tsv: one row per group, target (gold, proxy) and form; every estimated quantity Q has
 * the columns Q, Q_se, Q_lo, Q_hi (the interval at the chosen level). */
#define STARC_RESULTS_FIT_FITS_KEYS "group\tsize\tmethod\ttarget\tform\tprimary\tcenter\tn\tskipped"
/** @brief fits.tsv: the estimated quantities, in column order (each Q with Q_se, Q_lo, Q_hi); alpha and beta
 *  are also starc overopt's ::STARC_RESULTS_OVEROPT_FIT_ALPHA and ::STARC_RESULTS_OVEROPT_FIT_BETA. */
#define STARC_RESULTS_FIT_Q_ALPHA STARC_RESULTS_OVEROPT_FIT_ALPHA
#define STARC_RESULTS_FIT_Q_BETA STARC_RESULTS_OVEROPT_FIT_BETA
#define STARC_RESULTS_FIT_Q_G "g"                   /**< the power form's exponent (power form only in summary.json) */
#define STARC_RESULTS_FIT_Q_OFFSET "offset"         /**< the score at d = 0 subtracted before fitting */
#define STARC_RESULTS_FIT_Q_PEAK_D STARC_RESULTS_OVEROPT_FIT_PEAK_D
#define STARC_RESULTS_FIT_Q_PEAK_KL STARC_RESULTS_OVEROPT_FIT_PEAK_KL
#define STARC_RESULTS_FIT_Q_PEAK_VALUE STARC_RESULTS_OVEROPT_FIT_PEAK_VALUE
/** @brief fits.tsv: suffixes of a quantity's standard error and interval columns. */
#define STARC_RESULTS_FIT_SUFFIX_SE "_se"
#define STARC_RESULTS_FIT_SUFFIX_LO "_lo"
#define STARC_RESULTS_FIT_SUFFIX_HI "_hi"
/** @brief `starc fit` output: the per-fit statistics columns of fits.tsv, after the coefficient columns. */
#define STARC_RESULTS_FIT_FITS_STATS "r2\trss\tsigma\tboot\tboot_failed"

/** extrapolation.tsv: one row per group, target and form. */
#define STARC_RESULTS_FIT_EXTRAP_COLUMNS \
    "group\tsize\ttarget\tform\tcutoff_kl\tn_fit\tn_test\trmse_fit\trmse_test\trmse_test_full\tmax_abs_test\tbias_test\trange"

/** scaling.tsv: one row per quantity of the scaling fit (gold, primary form) and per prediction. */
#define STARC_RESULTS_FIT_SCALING_COLUMNS "kind\tsize\tquantity\tvalue\tse\tlo\thi"

#endif
