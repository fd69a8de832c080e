#include <config.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "error-internal.h"
#include "sparse-internal.h"
#include "lapack.h"
#include "policy-internal.h"
#include "starc/policy.h"
#include "starc/proxygen.h"

void starc_proxygen_options_default(starc_proxygen_options *o)
{
    o->kind = STARC_PROXYGEN_NOISE;
    o->seed = 0;
    o->scale = 0.5;
    o->df = 1.5;
    o->floor = 0.01;
    o->comparisons = 0;
    o->segment = 1;
    o->temperature = 0.5;
    o->l2 = 1.0;
    o->tol = 1e-9;
    o->max_iter = 100;
    o->prob_tol = STARC_MDP_PROB_TOL;
}

static const char *const kind_names[STARC_PROXYGEN_KIND_COUNT] = {"noise", "heavy-tail", "off-distribution",
                                                                   "learned"};

const char *starc_proxygen_kind_name(starc_proxygen_kind kind)
{
    return (unsigned)kind < STARC_PROXYGEN_KIND_COUNT ? kind_names[kind] : NULL;
}

int starc_proxygen_kind_parse(const char *name, starc_proxygen_kind *kind, starc_error *err)
{
    for (int i = 0; name && i < STARC_PROXYGEN_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (starc_proxygen_kind)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not one of noise, heavy-tail, off-distribution, learned",
                        name ? name : "(null)");
}

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* z_i = x_i . w for every comparison. */
static void bt_margins(size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *w, double *z)
{
    for (size_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (size_t h = 0; h < H; h++)
            acc += w[seg1[i * H + h]] - w[seg2[i * H + h]];
        z[i] = acc;
    }
}

static double bt_objective(size_t p, size_t n, const double *z, const double *pref, double l2, const double *w)
{
    double f = 0.0;
    for (size_t i = 0; i < n; i++)
        f += softplus(z[i]) - pref[i] * z[i];
    double ww = 0.0;
    for (size_t j = 0; j < p; j++)
        ww += w[j] * w[j];
    return f + 0.5 * l2 * ww;
}

/* The fit's arguments: sizes, ridge weight, tolerance, segment indices, preferences. */
static int bt_check(size_t p, size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *pref,
                    double l2, double tol, starc_error *err)
{
    size_t pp, nH;
    if (p == 0 || H == 0 || !starci_mul_ok(p, p, &pp) || !starci_mul_ok(n, H, &nH))
        return starci_error(err, STARC_EDIM, "Bradley-Terry fit needs p >= 1, H >= 1 (p = %zu, H = %zu)", p, H);
    if (!(l2 > 0.0) || !isfinite(l2))
        return starci_error(err, STARC_EINVAL, "ridge weight l2 = %g must be finite and > 0", l2);
    if (!(tol > 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance %g must be > 0", tol);
    for (size_t i = 0; i < nH; i++)
        if (seg1[i] >= p || seg2[i] >= p)
            return starci_error(err, STARC_EINVAL, "comparison %zu: segment index out of range (p = %zu)", i / H, p);
    for (size_t i = 0; i < n; i++)
        if (!(pref[i] >= 0.0 && pref[i] <= 1.0))
            return starci_error(err, STARC_EINVAL, "comparison %zu: preference %g is not in [0,1]", i, pref[i]);
    return STARC_OK;
}

/* Gradient g (p) and Hessian Hm (p*p) of the ridge-penalised log-loss at w
 * (margins z); x_i is sparse (at most 2H non-zeros): x, mark (p, zero on
 * entry and exit) and nz (2H) are scratch. */
static void bt_grad_hess(size_t p, size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *pref,
                         double l2, const double *w, const double *z, double *g, double *Hm, double *x,
                         unsigned char *mark, size_t *nz)
{
    for (size_t j = 0; j < p; j++)
        g[j] = l2 * w[j];
    memset(Hm, 0, p * p * sizeof(double));
    for (size_t j = 0; j < p; j++)
        Hm[j * p + j] = l2;
    for (size_t i = 0; i < n; i++) {
        double s = sigmoid(z[i]), r = s - pref[i], c = s * (1.0 - s);
        size_t k = 0;
        for (size_t h = 0; h < H; h++) {
            size_t a = seg1[i * H + h], b = seg2[i * H + h];
            if (!mark[a])
                mark[a] = 1, nz[k++] = a;
            x[a] += 1.0;
            if (!mark[b])
                mark[b] = 1, nz[k++] = b;
            x[b] -= 1.0;
        }
        for (size_t u = 0; u < k; u++) {
            size_t a = nz[u];
            g[a] += r * x[a];
            for (size_t v = 0; v < k; v++)
                Hm[a * p + nz[v]] += c * x[a] * x[nz[v]];
        }
        for (size_t u = 0; u < k; u++)
            x[nz[u]] = 0.0, mark[nz[u]] = 0;
    }
}

int starc_proxygen_bt_fit(size_t p, size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *pref,
                          const starc_proxygen_options *opt, double *w, size_t *iters, starc_error *err)
{
    starc_proxygen_options def;
    if (!opt) {
        starc_proxygen_options_default(&def);
        opt = &def;
    }
    const double l2 = opt->l2, tol = opt->tol;
    const size_t max_iter = opt->max_iter;
    int st = bt_check(p, n, H, seg1, seg2, pref, l2, tol, err);
    if (st)
        return st;
    const size_t pp = p * p;

    double *z = starci_dalloc(n ? n : 1), *g = starci_dalloc(p), *Hm = starci_dalloc(pp);
    double *step = starci_dalloc(p), *wn = starci_dalloc(p), *x = starci_dcalloc(p);
    size_t *nz = calloc(2 * H, sizeof(size_t));
    unsigned char *mark = calloc(p, 1);
    if (!z || !g || !Hm || !step || !wn || !x || !nz || !mark) {
        free(z), free(g), free(Hm), free(step), free(wn), free(x), free(nz), free(mark);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    memset(w, 0, p * sizeof(double));
    bt_margins(n, H, seg1, seg2, w, z);
    double f = bt_objective(p, n, z, pref, l2, w);
    st = STARC_ENOCONV;
    size_t it;
    for (it = 0; it <= max_iter; it++) {
        bt_grad_hess(p, n, H, seg1, seg2, pref, l2, w, z, g, Hm, x, mark, nz);
        double gmax = 0.0;
        for (size_t j = 0; j < p; j++)
            gmax = fmax(gmax, fabs(g[j]));
        if (gmax <= tol) {
            st = STARC_OK;
            break;
        }
        if (it == max_iter)
            break;
        for (size_t j = 0; j < p; j++)
            step[j] = -g[j];
        lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)p, 1, Hm, (lapack_int)p, step, 1);
        if (info != 0) {
            st = starci_error(err, STARC_ELAPACK, "Bradley-Terry Newton system not positive definite (dposv info %d)",
                              (int)info);
            goto done;
        }
        /* backtracking (Armijo) on the convex objective */
        double slope = 0.0, t = 1.0, fn = f;
        for (size_t j = 0; j < p; j++)
            slope += g[j] * step[j];
        int accepted = 0;
        for (int ls = 0; ls < 60; ls++) {
            for (size_t j = 0; j < p; j++)
                wn[j] = w[j] + t * step[j];
            bt_margins(n, H, seg1, seg2, wn, z);
            fn = bt_objective(p, n, z, pref, l2, wn);
            /* Armijo, allowing for rounding in f near the optimum where Newton steps are exact. */
            if (fn <= f + 1e-4 * t * slope + 4 * DBL_EPSILON * fabs(f)) {
                accepted = 1;
                break;
            }
            t *= 0.5;
        }
        if (!accepted) {
            st = starci_error(err, STARC_ENOCONV,
                              "Bradley-Terry fit: line search stalled with max |gradient| %g > tol %g", gmax, tol);
            goto done;
        }
        memcpy(w, wn, p * sizeof(double));
        f = fn;
    }
    if (st == STARC_ENOCONV)
        starci_error(err, st, "Bradley-Terry fit did not reach tolerance %g in %zu Newton steps", tol, max_iter);
    else if (iters)
        *iters = it;
done:
    free(z), free(g), free(Hm), free(step), free(wn), free(x), free(nz), free(mark);
    return st;
}

/* Sample from a discrete distribution by inversion (deterministic for the rng state). */
static size_t draw(gsl_rng *r, const double *p, size_t n)
{
    double u = gsl_rng_uniform(r), acc = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] > 0.0) {
            acc += p[i];
            last = i;
            if (u < acc)
                return i;
        }
    }
    return last;
}

static int check_options(const starc_proxygen_options *o, starc_error *err)
{
    switch (o->kind) {
    case STARC_PROXYGEN_NOISE: case STARC_PROXYGEN_HEAVY_TAIL: case STARC_PROXYGEN_OFF_DISTRIBUTION:
    case STARC_PROXYGEN_LEARNED: break;
    default: return starci_error(err, STARC_EINVAL, "unknown proxy kind %d", (int)o->kind);
    }
    if (!(o->scale >= 0.0) || !isfinite(o->scale))
        return starci_error(err, STARC_EINVAL, "scale %g must be finite and >= 0", o->scale);
    if (!(o->df > 0.0) || !isfinite(o->df))
        return starci_error(err, STARC_EINVAL, "degrees of freedom %g must be finite and > 0", o->df);
    if (!(o->floor > 0.0) || !isfinite(o->floor))
        return starci_error(err, STARC_EINVAL, "floor %g must be finite and > 0", o->floor);
    if (o->segment == 0)
        return starci_error(err, STARC_EINVAL, "segment length must be >= 1");
    if (!(o->temperature > 0.0) || !isfinite(o->temperature))
        return starci_error(err, STARC_EINVAL, "temperature %g must be finite and > 0", o->temperature);
    return STARC_OK;
}

static int learned(const starc_mdp *m, const double *Rt, const double *pi_b, const double *d_b, double sigma,
                   const starc_proxygen_options *o, gsl_rng *r, double *Rp, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), H = o->segment;
    const double *T = starc_mdp_transitions(m);
    size_t n = o->comparisons, nH;
    if (n == 0 && !starci_mul3_ok(10, S, A, &n))
        return starci_error(err, STARC_EDIM, "10*S*A overflows");
    if (!starci_mul_ok(n, H, &nH))
        return starci_error(err, STARC_EDIM, "comparisons * segment overflows");
    size_t *seg = malloc(2 * nH * sizeof(size_t));
    double *pref = starci_dalloc(n);
    if (!seg || !pref) {
        free(seg), free(pref);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    const double temp = o->temperature * sigma;
    for (size_t i = 0; i < n; i++) {
        double G[2];
        for (int k = 0; k < 2; k++) {
            size_t *sg = seg + k * nH + i * H;
            size_t s = draw(r, d_b, S);
            G[k] = 0.0;
            for (size_t h = 0; h < H; h++) {
                size_t a = draw(r, pi_b + s * A, A);
                size_t s2 = draw(r, T + (s * A + a) * S, S);
                sg[h] = s * A + a;
                G[k] += Rt[(s * A + a) * S + s2];
                s = s2;
            }
        }
        pref[i] = gsl_rng_uniform(r) < 1.0 / (1.0 + exp(-(G[0] - G[1]) / temp)) ? 1.0 : 0.0;
    }
    int st = starc_proxygen_bt_fit(S * A, n, H, seg, seg + nH, pref, o, Rp, NULL, err);
    if (!st)
        for (size_t j = 0; j < S * A; j++)
            Rp[j] *= temp;
    free(seg);
    free(pref);
    return st;
}

int starc_proxygen(const starc_mdp *m, const double *Rt, const double *pi_b, const starc_proxygen_options *opt,
                   double *Rp, starc_error *err)
{
    if (starci_sparse_refuse(m, "starc_proxygen", err))
        return STARC_EINVAL;
    starc_proxygen_options def;
    if (!opt) {
        starc_proxygen_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), SA = S * A;
    if ((st = starci_policy_check(m, pi_b, opt->prob_tol, err)))
        return st;
    for (size_t i = 0; i < SA * S; i++)
        if (!isfinite(Rt[i]))
            return starci_error(err, STARC_EINVAL, "true reward entry %zu is not finite", i);
    double *Rbar = starci_dalloc(SA), *d_b = starci_dalloc(S), *mu_b = starci_dalloc(SA);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!Rbar || !d_b || !mu_b || !r) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    gsl_rng_set(r, opt->seed);
    starc_mdp_reward_expected(m, Rt, Rbar);
    if ((st = starc_policy_occupancy(m, pi_b, d_b, mu_b, NULL, err)))
        goto done;

    /* sigma: std of Rbar_t under mu_b, falling back to uniform weights, then 1. */
    double sigma = 0.0;
    for (int pass = 0; pass < 2 && !(sigma > 0.0); pass++) {
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < SA; i++)
            mean += (pass ? 1.0 / (double)SA : mu_b[i]) * Rbar[i];
        for (size_t i = 0; i < SA; i++)
            var += (pass ? 1.0 / (double)SA : mu_b[i]) * (Rbar[i] - mean) * (Rbar[i] - mean);
        sigma = sqrt(fmax(0.0, var));
    }
    if (!(sigma > 0.0))
        sigma = 1.0;

    switch (opt->kind) {
    case STARC_PROXYGEN_NOISE:
        for (size_t i = 0; i < SA; i++)
            Rp[i] = Rbar[i] + opt->scale * sigma * gsl_ran_gaussian(r, 1.0);
        break;
    case STARC_PROXYGEN_HEAVY_TAIL:
        for (size_t i = 0; i < SA; i++)
            Rp[i] = Rbar[i] + opt->scale * sigma * gsl_ran_tdist(r, opt->df);
        break;
    case STARC_PROXYGEN_OFF_DISTRIBUTION:
        for (size_t i = 0; i < SA; i++)
            Rp[i] = Rbar[i] + opt->scale * sigma * gsl_ran_gaussian(r, 1.0) /
                                  sqrt((double)SA * mu_b[i] + opt->floor);
        break;
    case STARC_PROXYGEN_LEARNED:
        st = learned(m, Rt, pi_b, d_b, sigma, opt, r, Rp, err);
        break;
    }
done:
    free(Rbar);
    free(d_b);
    free(mu_b);
    if (r)
        gsl_rng_free(r);
    return st;
}
