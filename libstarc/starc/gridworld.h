/** @file starc/gridworld.h
 *  @brief Gridworld MDPs and the named rewards of the EPIC paper's 3x3 gridworld.
 *
 *  A rows x cols grid, state `s = cols*i + j` for row i and column j, five
 *  deterministic actions: 0 stay, 1 up (i-1), 2 down (i+1), 3 left (j-1),
 *  4 right (j+1); a move off the grid stays put.  The initial distribution is
 *  uniform.
 *
 *  Gleave et al., "Quantifying Differences in Reward Functions", ICLR 2021,
 *  appendix Figure A.2(a): six rewards on the 3x3 grid with gamma = 0.99, each
 *  `R(s,a,s') = r(s) + gamma phi(s') - phi(s)` on *every* (s,a,s'), including
 *  transitions the grid cannot produce, in the order Sparse, Dense, Center,
 *  Penalty, Path, Cliff.  Their EPIC distances (uniform D_S, D_A, coverage
 *  uniform over all 9*5*9 transitions) are the published matrix that
 *  libstarc's tests reproduce.
 */
#ifndef STARC_GRIDWORLD_H
#define STARC_GRIDWORLD_H

#include <stddef.h>
#include "starc/error.h"
#include "starc/mdp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Number of actions of a gridworld (stay, up, down, left, right). */
#define STARC_GRIDWORLD_ACTIONS 5
/** @brief Number of named rewards of the EPIC gridworld. */
#define STARC_GRIDWORLD_EPIC_COUNT 6
/** @brief The EPIC gridworld's discount. */
#define STARC_GRIDWORLD_EPIC_GAMMA 0.99

/** @brief A deterministic rows x cols gridworld with discount @p gamma (see the file description).
 *  @return ::STARC_EDIM for an empty grid, ::STARC_EINVAL for gamma outside [0,1). */
int starc_gridworld_mdp(size_t rows, size_t cols, double gamma, starc_mdp **out, starc_error *err);

/** @brief Number of actions of a slippery gridworld (up, down, left, right). */
#define STARC_GRIDWORLD_SLIPPERY_ACTIONS 4

/** @brief Options of starc_gridworld_slippery(). */
typedef struct starc_gridworld_options {
    double gamma; /**< discount (default 0.95) */
    double slip;  /**< probability of a uniformly random direction instead of the chosen one (default 0.2) */
    int sparse;   /**< 1 (default): T in CSR form (starc_mdp_alloc_csr()); 0: a dense S*A*S tensor */
} starc_gridworld_options;

/** @brief Fill @p o with the defaults (gamma 0.95, slip 0.2, CSR). */
void starc_gridworld_options_default(starc_gridworld_options *o);

/** @brief A slippery @p cols x @p rows gridworld: state `s = cols*y + x` (column x, row y),
 *  four actions 0 up (y-1), 1 down (y+1), 2 left (x-1), 3 right (x+1).
 *
 *  Action a moves in its own direction with probability 1 - slip and in each
 *  of the four directions with probability slip/4 (so in its own with
 *  1 - 3 slip/4); a move off the grid stays put, and moves that land on the
 *  same cell are merged into one entry.  Row (s,a) therefore stores the
 *  distinct cells reached with positive probability, in increasing order (at
 *  most 4 when slip > 0, one when slip = 0).  The initial distribution is
 *  uniform.  With `sparse` set the dense tensor is never built: memory is
 *  O(S*A) for any grid.  @p opt may be NULL (defaults).
 *  @return ::STARC_EDIM for an empty grid or one whose S*A*S (dense) or S*A*4
 *          (CSR) entries overflow, ::STARC_EINVAL for gamma outside [0,1) or
 *          slip outside [0,1], ::STARC_ENOMEM. */
int starc_gridworld_slippery(size_t cols, size_t rows, const starc_gridworld_options *opt, starc_mdp **out,
                             starc_error *err);

/** @brief Name of EPIC gridworld reward @p i ("Sparse", "Dense", "Center", "Penalty", "Path", "Cliff"),
 *  or NULL when i >= ::STARC_GRIDWORLD_EPIC_COUNT. */
const char *starc_gridworld_epic_name(size_t i);

/** @brief EPIC gridworld reward @p i as a dense 9*5*9 tensor
 *  `R(s,a,s') = r(s) + gamma phi(s') - phi(s)` (docs/theory.md (Reference values) table).
 *  @return ::STARC_EINVAL when i >= ::STARC_GRIDWORLD_EPIC_COUNT. */
int starc_gridworld_epic_reward(size_t i, double gamma, double *R, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
