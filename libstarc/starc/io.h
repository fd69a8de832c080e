/** @file starc/io.h
 *  @brief Loading and saving MDPs, rewards and policies as numpy files.
 *
 *  Built on the `.npy` / `.npz` layer of starc/npy.h.  An MDP is a `.npz`
 *  with `T` (S,A,S), `mu0` (S,) and a 0-d `gamma`; a reward is a `.npy`
 *  array or a `.npz` member of shape (S,), (S,A) or (S,A,S); a policy is a
 *  `.npy` of shape (S,A).  Every message names the file, and the member when
 *  it comes from an archive.
 */
#ifndef STARC_IO_H
#define STARC_IO_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Load an MDP from a `.npz` with `T` (S,A,S), `mu0` (S,) and 0-d `gamma`.
 *
 *  Validated as by starc_mdp_alloc() with @p opt (NULL = defaults); validation
 *  failures name the file and the member.  An archive without `T` but with
 *  `T_data` (nnz,) float, `T_indices` (nnz,) and `T_indptr` (S*A+1,) of an
 *  integer dtype and `T_shape` = [S, A, S] holds T in CSR form (what
 *  `scipy.sparse.csr_matrix((T_data, T_indices, T_indptr), shape=(S*A, S))`
 *  stores) and loads as a sparse MDP, validated by starc_mdp_alloc_csr(). */
int starc_io_mdp_load(const char *path, const starc_mdp_options *opt, starc_mdp **out, starc_error *err);

/** @brief Save an MDP as `.npz` (`T`, `mu0`, `gamma`), loadable by np.load; a sparse MDP as
 *  `T_data`, `T_indices`, `T_indptr`, `T_shape` (int64 indices), `mu0`, `gamma`. */
int starc_io_mdp_save(const char *path, const starc_mdp *m, starc_error *err);

/** @brief The shape a reward was given in. */
typedef enum starc_io_reward_layout {
    STARC_IO_REWARD_FULL = 0,        /**< (S,A,S), or (nnz,) on a sparse MDP */
    STARC_IO_REWARD_STATE = 1,       /**< (S,): R(s,a,s') = r(s) for every s', on or off T's support */
    STARC_IO_REWARD_STATE_ACTION = 2 /**< (S,A): R(s,a,s') = r(s,a) for every s' */
} starc_io_reward_layout;

/** @brief Named rewards loaded from files.
 *
 *  Every reward is held in full form (starc_mdp_reward_size() doubles: S*A*S
 *  on a dense MDP, the nnz values on T's support on a sparse one), except an
 *  (S,) or (S,A) one loaded by starc_io_reward_load_shaped().  An (S,) or
 *  (S,A) reward also keeps the values it was given in, since on a sparse MDP it
 *  says more than its full form (what it is off the support, which EPIC
 *  reads; docs/sparse.md). */
typedef struct starc_io_reward_set {
    size_t n;      /**< number of rewards */
    char **names;  /**< n names: file stem for `.npy`, member name for `.npz` */
    double *R;     /**< n * size doubles, reward k at R + k*size, size = starc_mdp_reward_size() */
    starc_io_reward_layout *layout; /**< n layouts: the shape each reward was given in */
    double **given; /**< n pointers: the S (state) or S*A (state-action) values as given, NULL for full */
    size_t R_mapped; /**< 0 when R is from malloc(); else R lies in a private mapping of that many doubles
                          (the loaders map `.npy` files into it, without a copy), released by
                          starc_io_reward_set_clear(): never free() it */
} starc_io_reward_set;

/** @brief Initialise an empty reward set. */
void starc_io_reward_set_init(starc_io_reward_set *rs);
/** @brief Free a reward set's contents and reset it to empty. */
void starc_io_reward_set_clear(starc_io_reward_set *rs);

/** @brief Append the rewards in @p spec to @p rs, expanded to full form for @p m.
 *
 *  @p spec is `FILE.npy` (one reward named by the file stem), `FILE.npz`
 *  (every member, in archive order) or `FILE.npz:KEY` (one member).  Shapes
 *  (S,), (S,A), (S,A,S) are accepted, or (S,), (S,A), (nnz,) on a sparse MDP
 *  (starc_mdp_reward_expand()).  A reward name
 *  (file stem or member name) holding a control character (tab, newline, ...)
 *  is refused with ::STARC_EFORMAT: names become table rows and columns. */
int starc_io_reward_load(const char *spec, const starc_mdp *m, starc_io_reward_set *rs, starc_error *err);

/** @brief Append the rewards of @p n specs to @p rs, as starc_io_reward_load() on each in turn would.
 *
 *  Every spec is opened and counted first, then the set grows once and each
 *  reward is read straight into its place (no copy of the rewards already
 *  loaded).  Atomic: on failure @p rs holds the rewards it held before (its
 *  buffer may have grown), and the error is the first one a call per spec
 *  would have met. */
int starc_io_reward_load_many(const char *const *specs, size_t n, const starc_mdp *m, starc_io_reward_set *rs,
                              starc_error *err);

/** @brief starc_io_reward_load_many() without expansion: an (S,) or (S,A) reward stays in its shape.
 *
 *  Such a reward is held in `given` only (its `layout` says which shape); its slot of `R` is
 *  allocated but not written, and must not be read.  Every check and message is that of
 *  starc_io_reward_load_many().  For computations that need only the expected reward Rbar
 *  (starc_regret_shaped()), which an (S,) or (S,A) reward gives from one pass over T. */
int starc_io_reward_load_shaped(const char *const *specs, size_t n, const starc_mdp *m, starc_io_reward_set *rs,
                                starc_error *err);

/** @brief Options of starc_io_reward_load_many_opt(); initialise with starc_io_reward_options_default(). */
typedef struct starc_io_reward_options {
    int keep_shape;   /**< 1: an (S,) or (S,A) reward stays in its shape, as starc_io_reward_load_shaped()
                           (default 0: expanded, as starc_io_reward_load_many()) */
    int check_finite; /**< 1 (default): every reward is proven finite when loaded.  0: a full (S,A,S)
                           reward on a dense MDP is read without that pass over it (an extra pass over
                           S*A*S values); every other reward and every other check are as with 1.  Give
                           such a set only to functions that prove their rewards finite themselves:
                           starc_distance_pair(), starc_distance_matrix(),
                           starc_distance_matrix_entries() and starc_distance_standardize() do, in the
                           first pass that reads each reward, and fail with ::STARC_EINVAL naming the
                           flat index of the first non-finite entry (but not the file: load the
                           rewards again with the check for the loaders' message) */
} starc_io_reward_options;

/** @brief Fill @p o with the defaults: expanded, checked (starc_io_reward_load_many()). */
void starc_io_reward_options_default(starc_io_reward_options *o);

/** @brief starc_io_reward_load_many() under options @p opt (NULL = defaults): with
 *  starc_io_reward_options.keep_shape as starc_io_reward_load_shaped(), and without the finiteness
 *  pass over full rewards when starc_io_reward_options.check_finite is 0 (`starc distance` does
 *  this when every later error is one it can precede by the loaders' check). */
int starc_io_reward_load_many_opt(const char *const *specs, size_t n, const starc_mdp *m,
                                  const starc_io_reward_options *opt, starc_io_reward_set *rs, starc_error *err);

/** @brief Load a policy `.npy` of shape (S,A) and validate it as starc_policy_validate() does
 *  with @p opt (NULL = defaults: rows sum to 1 within ::STARC_MDP_PROB_TOL).
 *  @p pi receives S*A doubles. */
int starc_io_policy_load(const char *path, const starc_mdp *m, const starc_policy_options *opt, double *pi,
                         starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
