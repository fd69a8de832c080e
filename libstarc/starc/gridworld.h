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
