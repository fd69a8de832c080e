#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "starc/mdp.h"

struct starc_mdp {
    size_t S, A;
    double gamma;
    double *T;
    double *mu0;
};

void starc_mdp_options_default(starc_mdp_options *o)
{
    o->prob_tol = STARC_MDP_PROB_TOL;
}

int starc_mdp_validate(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                       const starc_mdp_options *opt, starc_error *err)
{
    starc_mdp_options def;
    if (!opt) {
        starc_mdp_options_default(&def);
        opt = &def;
    }
    const double tol = opt->prob_tol;
    size_t n;
    if (S == 0 || A == 0)
        return starci_error(err, STARC_EDIM, "MDP needs at least one state and one action (got S=%zu, A=%zu)", S, A);
    if (!starci_mul3_ok(S, A, S, &n) || n > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "S*A*S overflows for S=%zu, A=%zu", S, A);
    if (!T || !mu0)
        return starci_error(err, STARC_EINVAL, "T and mu0 must not be NULL");
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance must be >= 0");
    if (!isfinite(gamma) || gamma < 0.0 || gamma >= 1.0)
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", gamma);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *row = T + (s * A + a) * S;
            double sum = 0.0;
            for (size_t t = 0; t < S; t++) {
                if (!isfinite(row[t]))
                    return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] is not finite", s, a, t);
                if (row[t] < 0.0)
                    return starci_error(err, STARC_EINVAL, "T[%zu,%zu,%zu] = %.17g is negative", s, a, t, row[t]);
                sum += row[t];
            }
            if (fabs(sum - 1.0) > tol)
                return starci_error(err, STARC_EINVAL, "row T[%zu,%zu,:] sums to %.17g, not 1 (tolerance %g)", s, a, sum, tol);
        }
    double sum = 0.0;
    for (size_t s = 0; s < S; s++) {
        if (!isfinite(mu0[s]))
            return starci_error(err, STARC_EINVAL, "mu0[%zu] is not finite", s);
        if (mu0[s] < 0.0)
            return starci_error(err, STARC_EINVAL, "mu0[%zu] = %.17g is negative", s, mu0[s]);
        sum += mu0[s];
    }
    if (fabs(sum - 1.0) > tol)
        return starci_error(err, STARC_EINVAL, "mu0 sums to %.17g, not 1 (tolerance %g)", sum, tol);
    return STARC_OK;
}

/* The object around validated buffers it now owns (freed by starc_mdp_free). */
static int mdp_wrap(size_t S, size_t A, double *T, double *mu0, double gamma, starc_mdp **out, starc_error *err)
{
    starc_mdp *m = calloc(1, sizeof *m);
    if (!m)
        return starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP");
    m->S = S;
    m->A = A;
    m->gamma = gamma;
    m->T = T;
    m->mu0 = mu0;
    *out = m;
    return STARC_OK;
}

int starc_mdp_alloc(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                    const starc_mdp_options *opt, starc_mdp **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = starc_mdp_validate(S, A, T, mu0, gamma, opt, err);
    if (st)
        return st;
    double *Tc = starci_dalloc(S * A * S), *mc = starci_dalloc(S);
    if (!Tc || !mc) {
        free(Tc);
        free(mc);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating the MDP (S=%zu, A=%zu)", S, A);
    }
    memcpy(Tc, T, S * A * S * sizeof(double));
    memcpy(mc, mu0, S * sizeof(double));
    if ((st = mdp_wrap(S, A, Tc, mc, gamma, out, err))) {
        free(Tc);
        free(mc);
    }
    return st;
}

int starc_mdp_alloc_adopt(size_t S, size_t A, double *T, double *mu0, double gamma, const starc_mdp_options *opt,
                          starc_mdp **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    int st = starc_mdp_validate(S, A, T, mu0, gamma, opt, err);
    return st ? st : mdp_wrap(S, A, T, mu0, gamma, out, err);
}

void starc_mdp_free(starc_mdp *m)
{
    if (!m)
        return;
    free(m->T);
    free(m->mu0);
    free(m);
}

size_t starc_mdp_states(const starc_mdp *m) { return m->S; }
size_t starc_mdp_actions(const starc_mdp *m) { return m->A; }
double starc_mdp_gamma(const starc_mdp *m) { return m->gamma; }
const double *starc_mdp_transitions(const starc_mdp *m) { return m->T; }
const double *starc_mdp_initial(const starc_mdp *m) { return m->mu0; }

int starc_mdp_reward_expand(const starc_mdp *m, size_t ndim, const size_t *shape,
                        const double *src, double *R, starc_error *err)
{
    const size_t S = m->S, A = m->A;
    if (!src || !R || (ndim > 0 && !shape))
        return starci_error(err, STARC_EINVAL, "reward arrays must not be NULL");
    int ok = (ndim == 1 && shape[0] == S) ||
             (ndim == 2 && shape[0] == S && shape[1] == A) ||
             (ndim == 3 && shape[0] == S && shape[1] == A && shape[2] == S);
    if (!ok) {
        char got[96] = "()";
        if (ndim == 1) snprintf(got, sizeof got, "(%zu,)", shape[0]);
        else if (ndim == 2) snprintf(got, sizeof got, "(%zu,%zu)", shape[0], shape[1]);
        else if (ndim == 3) snprintf(got, sizeof got, "(%zu,%zu,%zu)", shape[0], shape[1], shape[2]);
        else if (ndim > 3) snprintf(got, sizeof got, "a %zu-d array", ndim);
        return starci_error(err, STARC_EDIM,
                            "reward has shape %s; the MDP needs (%zu,), (%zu,%zu) or (%zu,%zu,%zu)",
                            got, S, S, A, S, A, S);
    }
    size_t n = ndim == 1 ? S : ndim == 2 ? S * A : S * A * S;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(src[i]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu (flat index) is not finite", i);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *row = R + (s * A + a) * S;
            if (ndim == 3) {
                memmove(row, src + (s * A + a) * S, S * sizeof(double));
            } else {
                double v = ndim == 1 ? src[s] : src[s * A + a];
                for (size_t t = 0; t < S; t++)
                    row[t] = v;
            }
        }
    return STARC_OK;
}

void starc_mdp_reward_expected(const starc_mdp *m, const double *R, double *Rbar)
{
    const size_t S = m->S, A = m->A;
    for (size_t sa = 0; sa < S * A; sa++) {
        const double *t = m->T + sa * S, *r = R + sa * S;
        double acc = 0.0;
        for (size_t u = 0; u < S; u++)
            acc += t[u] * r[u];
        Rbar[sa] = acc;
    }
}

void starc_mdp_state_reward_expected(const starc_mdp *m, const double *r, double *Rbar)
{
    const size_t S = m->S, A = m->A;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            Rbar[s * A + a] = r[s];
}
