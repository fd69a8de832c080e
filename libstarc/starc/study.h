/** @file starc/study.h
 *  @brief The STARC random-MDP study: do reward distances predict regret?
 *
 *  Reproduces the experiment behind Figure 1 of Skalse et al., "STARC: A
 *  General Framework For Quantifying Differences Between Reward Functions"
 *  (ICLR 2024), with exact returns where the authors used Monte Carlo
 *  (docs/theory.md, Reference values).  For MDP j = 0..mdps-1 a
 *  generator is seeded with starc_study_mdp_seed(seed, j); it draws the MDP
 *  (starc_generate_mdp()), then for each pair k = 0..pairs-1 the rewards R1
 *  and R2 (starc_generate_reward(), R1 first).  Data point (j, k, i),
 *  i = 1..steps, compares R1 with `R_i = R1 + (i/steps)(R2 - R1)`:
 *  - its target is the symmetric normalised regret
 *    `(reg(R1,R_i) + reg(R_i,R1)) / 2` (docs/theory.md §1), computed exactly by
 *    policy iteration (the same definition as starc_regret_symmetric());
 *  - its predictors are the distance variants listed by
 *    starc_study_variants(): every canonicalisation x normalisation x metric
 *    of the CLI's names, plus the original EPIC and DARD Pearson distances.
 *  Over all points, each variant's Pearson and Spearman correlation with the
 *  regret is computed.
 *
 *  Work is spread over threads one MDP at a time; every MDP's numbers depend
 *  only on (seed, j), and results are handed back and reduced in index order,
 *  so the output is bit-for-bit the same for any number of threads (given a
 *  BLAS whose own results do not depend on its thread count: OpenBLAS's
 *  threaded LAPACK rounds differently with different thread counts, so the
 *  starc tool calls `openblas_set_num_threads(1)` at start-up; embedders should
 *  do the same or set OPENBLAS_NUM_THREADS=1).  The small solves gain nothing
 *  from BLAS threads anyway: the study's threads are its parallelism.  Only a
 *  bounded window of MDPs is in flight; the per-point values (not the reward
 *  tensors) are kept for the correlations: 8 * points * (variants + 1) bytes.
 */
#ifndef STARC_STUDY_H
#define STARC_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"
#include "starc/distance.h"
#include "starc/regret.h"
#include "starc/canon.h"
#include "starc/norm.h"
#include "starc/metric.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Options of a study; starc_study_options_default() gives the paper's size. */
typedef struct starc_study_options {
    size_t mdps;          /**< number of random MDPs (default 384) */
    size_t pairs;         /**< reward pairs (R1, R2) per MDP (default 8) */
    size_t steps;         /**< interpolation steps per pair (default 16) */
    size_t states;        /**< S (default 32) */
    size_t actions;       /**< A (default 4) */
    double gamma;         /**< discount (default 0.95) */
    uint64_t seed;        /**< master seed (default 0) */
    int nthreads;         /**< worker threads; values < 1 (default 0) mean the number of online CPUs */
    double trivial_tol;   /**< tolerance of the distance module's trivial-reward rule
                               (starc/distance.h), >= 0, or ::STARC_DISTANCE_TRIVIAL_TOL_DERIVED (default):
                               each canonicalisation's derived tolerance for S = states and this
                               gamma, starc_distance_trivial_tol() */
    starc_regret_options regret_options; /**< the regrets' options: policy iteration (also used by the
                                              `range` normalisation) and the regret's trivial_tol (defaults) */
    size_t mdp_begin;     /**< first MDP index of the slice computed (default 0) */
    size_t mdp_end;       /**< one past the last MDP index of the slice, or 0 (default) for @c mdps: a run
                               computes MDPs [mdp_begin, mdp_end) of the study of @c mdps MDPs, each with
                               the same random numbers as in the whole study (MDP j's generator is seeded
                               by starc_study_mdp_seed(seed, j)), so the slices of a study are its points */
} starc_study_options;

/** @brief Fill @p o with the paper's study size (384 MDPs x 8 pairs x 16 steps,
 *  S = 32, A = 4, gamma = 0.95), seed 0, all CPUs, every MDP (no slice). */
void starc_study_options_default(starc_study_options *o);

/** @brief The seed of MDP @p j's generator: a SplitMix64 hash of (seed, j), reduced to
 *  the 32 bits GSL's mt19937 uses.  With it, any MDP of a study can be regenerated alone. */
uint64_t starc_study_mdp_seed(uint64_t seed, size_t j);

/** @brief One distance variant (names: starc_canon_kind_name(), starc_norm_kind_name(),
 *  starc_metric_kind_name(), as the `starc distance` options spell them). */
typedef struct starc_study_variant {
    starc_canon_kind canon;   /**< the canonicalisation */
    starc_norm_kind norm;     /**< the normalisation */
    starc_metric_kind metric; /**< the metric: l1 ... wlinf, or pearson (for epic and dard with norm none) */
} starc_study_variant;

/** @brief Number of variants a study computes (7 canons x 8 norms x 6 metrics, plus the
 *  EPIC and DARD Pearson distances). */
size_t starc_study_nvariants(void);

/** @brief The variants, in output order (static storage, starc_study_nvariants() entries):
 *  canon-major, then norm, then metric; the last two are (epic, none, pearson) and
 *  (dard, none, pearson). */
const starc_study_variant *starc_study_variants(void);

/** @brief Index of a variant, or -1 if the study has no such variant (or a kind is out of range). */
long starc_study_variant_index(starc_canon_kind canon, starc_norm_kind norm, starc_metric_kind metric);

/** @brief What a study hands to its callbacks for one MDP.  Pointers are valid
 *  only during the callback. */
typedef struct starc_study_batch {
    size_t mdp;            /**< MDP index j */
    uint64_t seed;         /**< starc_study_mdp_seed(seed, j) */
    const starc_mdp *m;    /**< the MDP */
    size_t pairs;          /**< reward pairs in this batch (points: pairs * steps) */
    size_t steps;          /**< interpolation steps per pair */
    size_t nvariants;      /**< starc_study_nvariants() */
    const double *R1;      /**< pairs * S*A*S: the first reward of each pair */
    const double *R2;      /**< pairs * S*A*S: the second reward of each pair */
    const double *regret;  /**< pairs * steps symmetric regrets; point (k, i) at k*steps + i-1 */
    const double *values;  /**< pairs * steps * nvariants distances, point-major */
} starc_study_batch;

/** @brief Callbacks of starc_study_run(); any may be NULL.
 *
 *  @c worker runs on a worker thread as soon as an MDP's batch is computed,
 *  concurrently with other workers (so it must be thread-safe); whatever it
 *  stores in @p *data is handed to @c ordered.  @c ordered and @c progress run
 *  on the calling thread, in MDP index order.  A non-zero return from
 *  @c worker or @c ordered stops the study, which then returns ::STARC_EIO. */
typedef struct starc_study_callbacks {
    /** called on a worker thread with each MDP's batch; may store data for @c ordered */
    int (*worker)(const starc_study_batch *b, void *user, void **data);
    /** called on the calling thread, in MDP order, with the batch and what @c worker stored */
    int (*ordered)(const starc_study_batch *b, void *data, void *user);
    /** called on the calling thread after each MDP with the points done so far */
    void (*progress)(size_t points_done, size_t points_total, void *user);
    /** releases what @c worker stored for a batch that @c ordered never received
     *  (the run stopped early); called on the calling thread */
    void (*discard)(void *data, void *user);
    void *user; /**< passed to every callback */
} starc_study_callbacks;

/** @brief A finished study: per-point values and per-variant correlations (opaque). */
typedef struct starc_study starc_study;

/** @brief Run a study.
 *
 *  @param o   options, or NULL for starc_study_options_default()
 *  @param cb  callbacks, or NULL
 *  @param out on success a new study; free with starc_study_free()
 *  @return ::STARC_EINVAL / ::STARC_EDIM for bad options, ::STARC_ENOMEM,
 *          ::STARC_ENOCONV / ::STARC_ELAPACK from the solvers, ::STARC_EIO when a
 *          callback stopped the run.  On error the message names the MDP.
 *
 *  With a slice (starc_study_options::mdp_begin, mdp_end) the study holds the
 *  slice's points in order, the batches carry each MDP's index j in the whole
 *  study, and the correlations are those of the slice's points; an empty slice
 *  or one past @c mdps is ::STARC_EINVAL. */
int starc_study_run(const starc_study_options *o, const starc_study_callbacks *cb,
                    starc_study **out, starc_error *err);

/** @brief A study from its points, computed elsewhere (slices of a study run
 *  apart, starc_study_options::mdp_begin): the correlations exactly as
 *  starc_study_run() computes them from the same points, bit for bit.
 *
 *  @param npoints  number of points, at least 1
 *  @param regret   the points' symmetric regrets (npoints; none NaN)
 *  @param values   every variant's values, variant-major as starc_study_values() gives them:
 *                  variant v's value at point i is values[v * npoints + i]
 *                  (starc_study_nvariants() x npoints); copied
 *  @param nthreads threads for the correlations; values < 1 mean the number of online CPUs
 *                  (the results do not depend on it)
 *  @param out      on success a new study; free with starc_study_free()
 *  @return ::STARC_EINVAL for a NULL pointer, no points or a NaN regret, ::STARC_EDIM when
 *          npoints x (variants + 1) doubles overflow, ::STARC_ENOMEM. */
int starc_study_from_points(size_t npoints, const double *regret, const double *values, int nthreads,
                            starc_study **out, starc_error *err);

/** @brief Release a study; NULL is a no-op. */
void starc_study_free(starc_study *s);

/** @brief Number of data points ((mdp_end - mdp_begin) * pairs * steps; mdps * pairs * steps
 *  for the whole study). */
size_t starc_study_npoints(const starc_study *s);

/** @brief The points' symmetric regrets, in order (j, k, i); owned by the study. */
const double *starc_study_regrets(const starc_study *s);

/** @brief Variant @p v's value at every point, in order; owned by the study (NULL if v is out of range). */
const double *starc_study_values(const starc_study *s, size_t v);

/** @brief Pearson correlation of variant @p v with the regret (NaN if undefined).
 *
 *  Points where the variant is not finite (an undefined Pearson distance) are
 *  left out; starc_study_nfinite() says how many remained. */
double starc_study_pearson(const starc_study *s, size_t v);

/** @brief Spearman rank correlation (average ranks for ties) of variant @p v with the regret. */
double starc_study_spearman(const starc_study *s, size_t v);

/** @brief Number of points at which variant @p v is finite. */
size_t starc_study_nfinite(const starc_study *s, size_t v);

#ifdef __cplusplus
}
#endif
#endif
