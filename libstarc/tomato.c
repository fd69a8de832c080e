/* The tomato-watering gridworld (CP's reward-hacking example), see starc/tomato.h. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "starc/policy.h"
#include "starc/tomato.h"

struct starc_tomato {
    size_t rows, cols, k, bucket, start;
    starc_mdp *mdp;
    double *rt, *rp, *base;
    unsigned char *wall;
    size_t *tomato_of_cell; /* SIZE_MAX if none */
};

void starc_tomato_options_default(starc_tomato_options *o)
{
    o->map = STARC_TOMATO_DEFAULT_MAP;
    o->gamma = 0.95;
    o->dry_prob = 0.1;
    o->base_epsilon = 0.3;
}

void starc_tomato_free(starc_tomato *t)
{
    if (!t)
        return;
    starc_mdp_free(t->mdp);
    free(t->rt);
    free(t->rp);
    free(t->base);
    free(t->wall);
    free(t->tomato_of_cell);
    free(t);
}

static int parse_map(starc_tomato *t, const char *map, starc_error *err)
{
    size_t rows = 1, cols = 0, cur = 0, nb = 0, na = 0;
    for (const char *c = map;; c++) {
        if (*c == '/' || *c == '\0') {
            if (cur == 0)
                return starci_error(err, STARC_EINVAL, "tomato map: row %zu is empty", rows);
            if (rows == 1)
                cols = cur;
            else if (cur != cols)
                return starci_error(err, STARC_EINVAL, "tomato map: row %zu has %zu cells, row 1 has %zu",
                                    rows, cur, cols);
            if (*c == '\0')
                break;
            rows++;
            cur = 0;
            continue;
        }
        if (!strchr(".#TBA", *c))
            return starci_error(err, STARC_EINVAL,
                                "tomato map: row %zu, column %zu: '%c' is not one of . # T B A", rows, cur + 1, *c);
        cur++;
    }
    size_t cells;
    if (!starci_mul_ok(rows, cols, &cells) || cells > 4096)
        return starci_error(err, STARC_EINVAL, "tomato map: %zu x %zu is too large", rows, cols);
    t->rows = rows;
    t->cols = cols;
    t->wall = calloc(cells, 1);
    t->tomato_of_cell = malloc(cells * sizeof(size_t));
    if (!t->wall || !t->tomato_of_cell)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    size_t cell = 0;
    for (const char *c = map; *c; c++) {
        if (*c == '/')
            continue;
        t->tomato_of_cell[cell] = SIZE_MAX;
        switch (*c) {
        case '#': t->wall[cell] = 1; break;
        case 'T': t->tomato_of_cell[cell] = t->k++; break;
        case 'B': t->bucket = cell; nb++; break;
        case 'A': t->start = cell; na++; break;
        default: break;
        }
        cell++;
    }
    if (nb != 1)
        return starci_error(err, STARC_EINVAL, "tomato map: needs exactly one bucket 'B' (found %zu)", nb);
    if (na != 1)
        return starci_error(err, STARC_EINVAL, "tomato map: needs exactly one start 'A' (found %zu)", na);
    if (t->k == 0 || t->k > STARC_TOMATO_MAX_TOMATOES)
        return starci_error(err, STARC_EINVAL, "tomato map: needs 1 to %d tomatoes 'T' (found %zu)",
                            STARC_TOMATO_MAX_TOMATOES, t->k);
    return STARC_OK;
}

/* The cell reached from cell by action a (0 stay, 1 up, 2 down, 3 left, 4 right). */
static size_t move(const starc_tomato *t, size_t cell, size_t a)
{
    size_t r = cell / t->cols, c = cell % t->cols;
    switch (a) {
    case 1: if (r > 0) r--; break;
    case 2: if (r + 1 < t->rows) r++; break;
    case 3: if (c > 0) c--; break;
    case 4: if (c + 1 < t->cols) c++; break;
    default: break;
    }
    size_t to = r * t->cols + c;
    return t->wall[to] ? cell : to;
}

/* The true and proxy state rewards (rt, rp) and the transitions T (S*A*S,
 * zero on entry): walls absorb; elsewhere the move, and every watered tomato
 * stays watered with probability 1 - dry_prob. */
static void build_world(starc_tomato *t, double dry_prob, double *T)
{
    const size_t cells = t->rows * t->cols, M = (size_t)1 << t->k, S = cells * M, A = 5;
    for (size_t cell = 0; cell < cells; cell++)
        for (size_t mask = 0; mask < M; mask++) {
            size_t s = cell * M + mask;
            double frac = (double)__builtin_popcountl((unsigned long)mask) / (double)t->k;
            t->rt[s] = t->wall[cell] ? 0.0 : frac;
            t->rp[s] = t->wall[cell] ? 0.0 : cell == t->bucket ? 1.0 : frac;
            for (size_t a = 0; a < A; a++) {
                double *row = T + (s * A + a) * S;
                if (t->wall[cell]) {
                    row[s] = 1.0;
                    continue;
                }
                size_t to = move(t, cell, a), tom = t->tomato_of_cell[to];
                size_t bit = tom == SIZE_MAX ? 0 : (size_t)1 << tom;
                /* Every subset 'keep' of the watered tomatoes stays watered, the rest dry. */
                for (size_t keep = mask;; keep = (keep - 1) & mask) {
                    int kept = __builtin_popcountl((unsigned long)keep);
                    int dried = __builtin_popcountl((unsigned long)mask) - kept;
                    double p = pow(1.0 - dry_prob, kept) * pow(dry_prob, dried);
                    row[to * M + (keep | bit)] += p;
                    if (keep == 0)
                        break;
                }
            }
        }
}

int starc_tomato_alloc(const starc_tomato_options *o, starc_tomato **out, starc_error *err)
{
    starc_tomato_options def;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!o) {
        starc_tomato_options_default(&def);
        o = &def;
    }
    if (!o->map)
        return starci_error(err, STARC_EINVAL, "tomato map is NULL");
    if (!(o->gamma >= 0.0 && o->gamma < 1.0))
        return starci_error(err, STARC_EINVAL, "tomato: gamma = %g is outside [0, 1)", o->gamma);
    if (!(o->dry_prob >= 0.0 && o->dry_prob <= 1.0))
        return starci_error(err, STARC_EINVAL, "tomato: dry probability %g is outside [0, 1]", o->dry_prob);
    if (!(o->base_epsilon >= 0.0 && o->base_epsilon <= 1.0))
        return starci_error(err, STARC_EINVAL, "tomato: base epsilon %g is outside [0, 1]", o->base_epsilon);
    starc_tomato *t = calloc(1, sizeof *t);
    if (!t)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    int st = parse_map(t, o->map, err);
    if (st) {
        starc_tomato_free(t);
        return st;
    }
    const size_t cells = t->rows * t->cols, M = (size_t)1 << t->k, S = cells * M, A = 5;
    double *T = starci_dcalloc(S * A * S), *mu0 = starci_dcalloc(S), *Rbar = starci_dalloc(S * A);
    size_t *act = calloc(S, sizeof(size_t));
    t->rt = starci_dalloc(S);
    t->rp = starci_dalloc(S);
    t->base = starci_dalloc(S * A);
    if (!T || !mu0 || !Rbar || !act || !t->rt || !t->rp || !t->base) {
        st = starci_error(err, STARC_ENOMEM, "out of memory building the tomato MDP (S=%zu)", S);
        goto done;
    }
    build_world(t, o->dry_prob, T);
    mu0[t->start * M] = 1.0;
    st = starc_mdp_alloc(S, A, T, mu0, o->gamma, NULL, &t->mdp, err);
    if (st)
        goto done;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            Rbar[s * A + a] = t->rt[s];
    st = starc_policy_optimal_rbar(t->mdp, Rbar, NULL, act, NULL, NULL, NULL, err);
    if (st)
        goto done;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            t->base[s * A + a] = o->base_epsilon / (double)A + (a == act[s] ? 1.0 - o->base_epsilon : 0.0);
done:
    free(T);
    free(mu0);
    free(Rbar);
    free(act);
    if (st) {
        starc_tomato_free(t);
        return st;
    }
    *out = t;
    return STARC_OK;
}

const starc_mdp *starc_tomato_mdp(const starc_tomato *t) { return t->mdp; }
const double *starc_tomato_true_reward(const starc_tomato *t) { return t->rt; }
const double *starc_tomato_proxy_reward(const starc_tomato *t) { return t->rp; }
const double *starc_tomato_base_policy(const starc_tomato *t) { return t->base; }
size_t starc_tomato_rows(const starc_tomato *t) { return t->rows; }
size_t starc_tomato_cols(const starc_tomato *t) { return t->cols; }
size_t starc_tomato_count(const starc_tomato *t) { return t->k; }
size_t starc_tomato_bucket(const starc_tomato *t) { return t->bucket; }

int starc_tomato_state(const starc_tomato *t, size_t s, size_t *row, size_t *col, unsigned long *mask,
                       starc_error *err)
{
    size_t M = (size_t)1 << t->k;
    if (s >= t->rows * t->cols * M)
        return starci_error(err, STARC_EINVAL, "state %zu is out of range (S = %zu)", s, t->rows * t->cols * M);
    size_t cell = s / M;
    if (row)
        *row = cell / t->cols;
    if (col)
        *col = cell % t->cols;
    if (mask)
        *mask = (unsigned long)(s % M);
    return STARC_OK;
}
