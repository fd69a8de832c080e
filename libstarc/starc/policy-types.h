/** @file starc/policy-types.h
 *  @brief The policy module's types: its options, engine names, workspace handle and range result.
 *
 *  Included by starc/policy.h (include that).  They stand in a header of
 *  their own because the policy engines below the policy module's functions
 *  (the dense and the sparse engine, and the policy iteration they share)
 *  read these options too: the engines include this header and never
 *  starc/policy.h, so the policy module can dispatch to them without a
 *  dependency cycle (docs/architecture.md, Layers).
 */
#ifndef STARC_POLICY_TYPES_H
#define STARC_POLICY_TYPES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Scratch memory for evaluation and policy iteration on S states, A actions.
 *
 *  Passing a workspace makes the calls of starc/policy.h allocation-free; every function
 *  that takes one also accepts NULL (and then allocates internally).  A
 *  workspace must not be used by two threads at once. */
typedef struct starc_policy_workspace starc_policy_workspace;

/** @brief Which linear-algebra engine solves I - gamma P_pi (docs/sparse.md). */
typedef enum starc_policy_engine {
    STARC_POLICY_ENGINE_AUTO = 0,  /**< dense for a dense MDP; for a sparse MDP dense up to
                                        ::STARC_POLICY_ENGINE_DENSE_MAX_S states, sparse LU up to
                                        ::STARC_POLICY_ENGINE_SPARSE_MAX_S, iterative above */
    STARC_POLICY_ENGINE_DENSE = 1, /**< dense LU (LAPACK); a sparse MDP is expanded to S*A*S first */
    STARC_POLICY_ENGINE_SPARSE = 2, /**< sparse LU (UMFPACK) on T's stored entries */
    STARC_POLICY_ENGINE_ITERATIVE = 3 /**< restarted GMRES on T's stored entries, stopped by the
                                           residual rule of starc_policy_options.iterative_tol */
} starc_policy_engine;

/** @brief Largest S for which ::STARC_POLICY_ENGINE_AUTO solves a sparse MDP densely (measured
 *  crossover, docs/sparse.md). */
#define STARC_POLICY_ENGINE_DENSE_MAX_S 256
/** @brief Largest S for which ::STARC_POLICY_ENGINE_AUTO uses the sparse LU on a sparse MDP;
 *  the iterative engine above (measured crossover, docs/sparse.md). */
#define STARC_POLICY_ENGINE_SPARSE_MAX_S 4096

/** @brief Options of the policy module: policy validation, policy iteration, value iteration. */
typedef struct starc_policy_options {
    size_t max_iter;   /**< policy iteration: cap on improvement steps (default 10000); exceeding it is
                            ::STARC_ENOCONV */
    double tie_tol;    /**< policy iteration: Q values within max(tie_tol |max_a Q(s,a)|, S eps max |Q|) of their state's
                            maximum count as tied (default 1e-10); relative, so ties do not change when
                            the reward is multiplied by a positive constant */
    double prob_tol;   /**< validation: policy rows must sum to 1 within prob_tol (absolute; default
                            ::STARC_MDP_PROB_TOL) */
    double tol;        /**< value iteration: stop when `max_s |V_{k+1}(s) - V_k(s)| <= tol max_s |V_{k+1}(s)|`,
                            > 0 (default 1e-10; relative) */
    size_t max_sweeps; /**< value iteration: cap on sweeps (default 100000); exceeding it is ::STARC_ENOCONV */
    starc_policy_engine engine; /**< policy iteration and evaluation engine (default
                                     ::STARC_POLICY_ENGINE_AUTO); functions without options use auto */
    double iterative_tol;        /**< iterative engine: a solve of (I - gamma P_pi) x = b stops when
                                      `||b - (I - gamma P_pi) x||_inf <= iterative_tol ||b||_inf` (the
                                      transposed occupancy system: the same in the 1-norm), which
                                      bounds the error by `iterative_tol ||b|| / (1 - gamma)`
                                      (docs/sparse.md; default 1e-13, measured there) */
    size_t iterative_max_iter;   /**< iterative engine: cap on matrix-vector products per solve
                                      (default 100000); exceeding it is ::STARC_ENOCONV */
} starc_policy_options;

/** @brief The extreme returns of a reward: what starc_policy_range_rbar() computes. */
typedef struct starc_policy_range_result {
    double optimal_return; /**< J(pi*) of an optimal deterministic policy (starc_policy_optimal_rbar()) */
    double worst_return;   /**< J(pi-) of a worst one: minus the optimal return of -Rbar */
} starc_policy_range_result;

#ifdef __cplusplus
}
#endif
#endif
