/** @file starc/canon.h
 *  @brief Canonicalisations c(R) of reward functions (docs/theory.md §2).
 *
 *  A canonicalisation maps a reward R (a dense S*A*S tensor, row-major
 *  `R[(s*A + a)*S + s2]`) to a canonical representative of its equivalence
 *  class, linearly in R.  Rewards that differ by potential shaping
 *  `gamma Phi(s') - Phi(s)` have the same canonical form under every
 *  canonicalisation except `none`; `val` and `minimal` also ignore
 *  S'-redistribution (they depend on R only through the expected reward
 *  `Rbar(s,a) = sum_s' T[s,a,s'] R[s,a,s']`).
 *
 *  | kind                | formula (docs/theory.md §2) | reference |
 *  |---------------------|----------------------|-----------|
 *  | none                | `c(R) = R` | |
 *  | epic                | `R + gamma g(s') - g(s) - gamma K`, `g(x) = E_{A~D_A, U~D_S} R(x,A,U)`, `K = E_{X~D_S} g(X)` | Gleave et al., ICLR 2021 |
 *  | dard                | `R + gamma g(s') - g(s) - gamma K(s,s')`, `g(x) = E_{A~D_A} Rbar(x,A)`, `K(s,s') = E_{A~D_A} E_{U~T(s,A), V~T(s',A)} R(U,A,V)` | Wulfe et al., ICLR 2022 |
 *  | val                 | `A^pi(s,a)` for every s' (Value-Adjusted Levelling), V^pi under R itself | Skalse et al., ICLR 2024 |
 *  | val-potential       | `R(s,a,s') - V^pi(s) + gamma V^pi(s')` | |
 *  | minimal-potential   | `R + gamma Phi*(s') - Phi*(s)`, Phi* the exact least-squares potential (unweighted, or T-weighted) | |
 *  | minimal             | orthogonal projection of R onto the complement of the rewards equivalent to 0 (STARC's minimal canonicalisation for L2), exact closed form | Skalse et al., ICLR 2024 |
 *
 *  Plan/execute: starc_canon_alloc() does the MDP-dependent work once (LU of
 *  `I - gamma P_pi` for val, Cholesky factor of the normal equations for the
 *  minimal ones, copies of the distributions); starc_canon_apply() then costs
 *  one or two streaming passes over R (dard: also `2 A` matrix products of
 *  size S, through BLAS `dgemm`) and allocates nothing.
 */
#ifndef STARC_CANON_H
#define STARC_CANON_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The canonicalisations (docs/theory.md §2); names as on the command line. */
typedef enum starc_canon_kind {
    STARC_CANON_NONE = 0,              /**< "none": c(R) = R */
    STARC_CANON_EPIC = 1,              /**< "epic": EPIC's canonically shaped reward */
    STARC_CANON_DARD = 2,              /**< "dard": DARD's dynamics-aware canonicalisation */
    STARC_CANON_VAL = 3,               /**< "val": STARC's Value-Adjusted Levelling, A^pi */
    STARC_CANON_VAL_POTENTIAL = 4,     /**< "val-potential": R - V^pi(s) + gamma V^pi(s') */
    STARC_CANON_MINIMAL_POTENTIAL = 5, /**< "minimal-potential": least-squares potential removed */
    STARC_CANON_MINIMAL = 6            /**< "minimal": STARC's minimal canonicalisation for L2 */
} starc_canon_kind;

/** @brief Number of canonicalisation kinds. */
#define STARC_CANON_KIND_COUNT 7

/** @brief The name of @p kind ("none", "epic", ...), or NULL for an invalid value. */
const char *starc_canon_kind_name(starc_canon_kind kind);

/** @brief Look a canonicalisation up by name.
 *  @return ::STARC_OK, or ::STARC_EINVAL (message lists the valid names) for an unknown name. */
int starc_canon_kind_parse(const char *name, starc_canon_kind *kind, starc_error *err);

/** @brief Default ::starc_canon_options.max_bytes: 4 GiB for the K matrix of dard on a sparse MDP,
 *  32 bytes per entry, 1.3e8 entries (docs/sparse.md: measured time and memory per entry). */
#define STARC_CANON_MAX_BYTES_DEFAULT ((size_t)4 << 30)

/** @brief Parameters of a canonicalisation.  The arrays are copied by starc_canon_alloc(). */
typedef struct starc_canon_options {
    const double *state_dist;  /**< D_S (S entries, sum 1) for epic; NULL (default) = uniform */
    const double *action_dist; /**< D_A (A entries, sum 1) for epic and dard; NULL (default) = uniform */
    const double *policy;      /**< pi (S*A, rows sum 1) for val and val-potential; NULL (default) = uniform */
    int weighted;              /**< minimal-potential only: minimise the T-weighted L2 norm
                                    `sum T[s,a,s'] c(s,a,s')^2` instead of the unweighted one (default 0) */
    int nthreads;              /**< threads for the passes over large rewards (default 1; values < 1
                                    mean 1).  Results do not depend on it: work is split by state and
                                    combined in a fixed order. */
    double prob_tol;           /**< absolute tolerance on the sums of state_dist, action_dist and the rows of
                                    policy (default ::STARC_MDP_PROB_TOL) */
    size_t max_bytes;          /**< sparse MDPs, dard only: the most memory its S x S matrix K may take, in
                                    bytes (0 or default: ::STARC_CANON_MAX_BYTES_DEFAULT); the plan counts
                                    nnz(K) from T's pattern first and refuses with ::STARC_ENOMEM, naming
                                    the count, above it (docs/sparse.md) */
} starc_canon_options;

/** @brief Fill @p o with the defaults documented in ::starc_canon_options. */
void starc_canon_options_default(starc_canon_options *o);

/** @brief A canonicalisation plan for one MDP (opaque). */
typedef struct starc_canon starc_canon;

/** @brief Prepare canonicalisation @p kind on MDP @p m.
 *
 *  The plan keeps a pointer to @p m, which must outlive it.  Options that the
 *  kind does not use are ignored.  Cost: val and val-potential factorise
 *  `I - gamma P_pi` (LAPACK dgetrf, O(S^3)); minimal-potential assembles and
 *  factorises its S x S normal equations (dpotrf); minimal assembles
 *  `M^T W M` with `M = gamma T - E` (BLAS dsyrk, O(A S^3)) and factorises it.
 *  @param opt  options, or NULL for the defaults
 *  @return ::STARC_EINVAL when a distribution or the policy is not a
 *  probability vector within ::starc_canon_options.prob_tol (the message names it),
 *  ::STARC_ELAPACK if a factorisation fails, ::STARC_ENOMEM. */
int starc_canon_alloc(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt,
                      starc_canon **out, starc_error *err);

/** @brief Release a plan; NULL is a no-op. */
void starc_canon_free(starc_canon *c);

/** @brief The kind a plan was made for. */
starc_canon_kind starc_canon_get_kind(const starc_canon *c);

/** @brief Write the canonical form c(R) of the dense reward @p R (S*A*S) into @p C (S*A*S).
 *
 *  @p C may equal @p R (in-place).  Allocates no memory (large rewards may be
 *  processed by ::starc_canon_options.nthreads threads); uses the plan's
 *  scratch memory, so one plan must not be used by two callers at once.
 *  @return ::STARC_ELAPACK if a triangular solve fails. */
int starc_canon_apply(starc_canon *c, const double *R, double *C, starc_error *err);

/** @brief One-shot c(R): starc_canon_alloc(), starc_canon_apply(), starc_canon_free(). */
int starc_canon_compute(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt,
                       const double *R, double *C, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
