/* Gridworlds and the EPIC paper's 3x3 rewards (docs/theory.md, Reference values). */
#include <config.h>
#include <math.h>
#include <stdlib.h>

#include "error-internal.h"
#include "starc/gridworld.h"

int starc_gridworld_mdp(size_t rows, size_t cols, double gamma, starc_mdp **out, starc_error *err)
{
    size_t S, n;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (rows == 0 || cols == 0)
        return starci_error(err, STARC_EDIM, "a gridworld needs at least one row and one column");
    if (!starci_mul_ok(rows, cols, &S) || !starci_mul3_ok(S, STARC_GRIDWORLD_ACTIONS, S, &n))
        return starci_error(err, STARC_EDIM, "a %zu x %zu gridworld is too large", rows, cols);
    double *T = starci_dcalloc(n), *mu0 = starci_dalloc(S);
    if (!T || !mu0) {
        free(T);
        free(mu0);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    static const int di[STARC_GRIDWORLD_ACTIONS] = {0, -1, 1, 0, 0}, dj[STARC_GRIDWORLD_ACTIONS] = {0, 0, 0, -1, 1};
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            size_t s = i * cols + j;
            mu0[s] = 1.0 / (double)S;
            for (size_t a = 0; a < STARC_GRIDWORLD_ACTIONS; a++) {
                size_t ni = i, nj = j;
                if ((di[a] < 0 && i > 0) || (di[a] > 0 && i + 1 < rows))
                    ni = (size_t)((long)i + di[a]);
                if ((dj[a] < 0 && j > 0) || (dj[a] > 0 && j + 1 < cols))
                    nj = (size_t)((long)j + dj[a]);
                T[(s * STARC_GRIDWORLD_ACTIONS + a) * S + ni * cols + nj] = 1.0;
            }
        }
    int st = starc_mdp_alloc(S, STARC_GRIDWORLD_ACTIONS, T, mu0, gamma, NULL, out, err);
    free(T);
    free(mu0);
    return st;
}

static const char *const epic_names[STARC_GRIDWORLD_EPIC_COUNT] = {"Sparse", "Dense", "Center", "Penalty", "Path",
                                                                   "Cliff"};

/* r(s) and phi(s) of docs/theory.md (Reference values, EPIC gridworld), rows of the grid left to right. */
static const double epic_r[STARC_GRIDWORLD_EPIC_COUNT][9] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1},
    {-1, -1, -1, -1, -1, -1, -1, -1, 3},
    {0, 0, 0, 0, 1, 0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0, -1},
    {0, -1, -1, 0, 0, 0, -1, -1, 4},
    {0, -1, -1, 0, 0, 0, -4, -4, 4},
};
static const double epic_phi_dense[9] = {-12, -9, -6, -9, -6, -3, -6, -3, 0};

const char *starc_gridworld_epic_name(size_t i)
{
    return i < STARC_GRIDWORLD_EPIC_COUNT ? epic_names[i] : NULL;
}

int starc_gridworld_epic_reward(size_t i, double gamma, double *R, starc_error *err)
{
    if (i >= STARC_GRIDWORLD_EPIC_COUNT)
        return starci_error(err, STARC_EINVAL, "the EPIC gridworld has %d rewards; %zu is out of range",
                            STARC_GRIDWORLD_EPIC_COUNT, i);
    if (!R)
        return starci_error(err, STARC_EINVAL, "output array is NULL");
    const double *phi = i == 1 ? epic_phi_dense : NULL;
    for (size_t s = 0; s < 9; s++)
        for (size_t a = 0; a < STARC_GRIDWORLD_ACTIONS; a++)
            for (size_t t = 0; t < 9; t++)
                R[(s * STARC_GRIDWORLD_ACTIONS + a) * 9 + t] =
                    epic_r[i][s] + (phi ? gamma * phi[t] - phi[s] : 0.0);
    return STARC_OK;
}
