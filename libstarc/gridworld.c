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

void starc_gridworld_options_default(starc_gridworld_options *o)
{
    o->gamma = 0.95;
    o->slip = 0.2;
    o->sparse = 1;
}

/* The cells row (s,a) of the slippery gridworld reaches, increasing, with
 * their probabilities (merged when moves land on the same cell); returns
 * how many (1..4). */
static size_t slippery_row(size_t cols, size_t rows, size_t s, size_t a, double slip, size_t *cell, double *p)
{
    const size_t x = s % cols, y = s / cols;
    size_t to[STARC_GRIDWORLD_SLIPPERY_ACTIONS];
    to[0] = y > 0 ? s - cols : s;        /* up */
    to[1] = y + 1 < rows ? s + cols : s; /* down */
    to[2] = x > 0 ? s - 1 : s;           /* left */
    to[3] = x + 1 < cols ? s + 1 : s;    /* right */
    size_t n = 0;
    for (size_t b = 0; b < STARC_GRIDWORLD_SLIPPERY_ACTIONS; b++) {
        const double q = (b == a ? 1.0 - slip : 0.0) + 0.25 * slip;
        if (q == 0.0)
            continue;
        size_t i = 0;
        while (i < n && cell[i] < to[b])
            i++;
        if (i < n && cell[i] == to[b]) {
            p[i] += q;
            continue;
        }
        for (size_t j = n; j > i; j--) {
            cell[j] = cell[j - 1];
            p[j] = p[j - 1];
        }
        cell[i] = to[b];
        p[i] = q;
        n++;
    }
    return n;
}

int starc_gridworld_slippery(size_t cols, size_t rows, const starc_gridworld_options *opt, starc_mdp **out,
                             starc_error *err)
{
    starc_gridworld_options def;
    const size_t A = STARC_GRIDWORLD_SLIPPERY_ACTIONS;
    size_t S, n;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!opt) {
        starc_gridworld_options_default(&def);
        opt = &def;
    }
    if (rows == 0 || cols == 0)
        return starci_error(err, STARC_EDIM, "a gridworld needs at least one row and one column");
    if (!(opt->gamma >= 0.0 && opt->gamma < 1.0))
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", opt->gamma);
    if (!(opt->slip >= 0.0 && opt->slip <= 1.0))
        return starci_error(err, STARC_EINVAL, "slip = %.17g is outside [0, 1]", opt->slip);
    if (!starci_mul_ok(rows, cols, &S) ||
        !(opt->sparse ? starci_mul3_ok(S, A, 4, &n) : starci_mul3_ok(S, A, S, &n)) ||
        n > SIZE_MAX / sizeof(double) || S * A >= SIZE_MAX / sizeof(size_t))
        return starci_error(err, STARC_EDIM, "a %zu x %zu gridworld is too large", cols, rows);
    double *mu0 = starci_dalloc(S), *dt = opt->sparse ? starci_dalloc(n) : starci_dcalloc(n);
    size_t *ip = opt->sparse ? malloc((S * A + 1) * sizeof *ip) : NULL, *ix = opt->sparse ? malloc(n * sizeof *ix) : NULL;
    if (!mu0 || !dt || (opt->sparse && (!ip || !ix))) {
        free(mu0), free(dt), free(ip), free(ix);
        return starci_error(err, STARC_ENOMEM, "out of memory for a %zu x %zu gridworld", cols, rows);
    }
    size_t k = 0;
    if (ip)
        ip[0] = 0;
    for (size_t s = 0; s < S; s++) {
        mu0[s] = 1.0 / (double)S;
        for (size_t a = 0; a < A; a++) {
            size_t cell[4];
            double p[4];
            const size_t c = slippery_row(cols, rows, s, a, opt->slip, cell, p);
            for (size_t i = 0; i < c; i++) {
                if (opt->sparse) {
                    ix[k] = cell[i];
                    dt[k++] = p[i];
                } else {
                    dt[(s * A + a) * S + cell[i]] = p[i];
                }
            }
            if (ip)
                ip[s * A + a + 1] = k;
        }
    }
    int st;
    if (opt->sparse) {
        st = starc_mdp_alloc_csr_adopt(S, A, k, ip, ix, dt, mu0, opt->gamma, NULL, out, err);
        if (st)
            free(ip), free(ix), free(dt), free(mu0);
    } else {
        st = starc_mdp_alloc_adopt(S, A, dt, mu0, opt->gamma, NULL, out, err);
        if (st)
            free(dt), free(mu0);
    }
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
