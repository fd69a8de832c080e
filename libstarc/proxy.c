/* Correlated proxies (docs/theory.md §5): correlation under the base occupancy,
 * bounds on the true improvement, reward hacking and hackability. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "sparse-exact-internal.h"
#include "sparse-internal.h"
#include "kernels-internal.h"
#include "policy-internal.h"
#include "regret-internal.h"
#include "starc/policy.h"
#include "starc/proxy.h"
#include "starc/regret.h"

void starc_proxy_options_default(starc_proxy_options *o)
{
    o->prob_tol = STARC_MDP_PROB_TOL;
    /* The weighted standard deviation of a constant is at most 27.6 DBL_EPSILON
     * of it for n <= 4096 entries (growing as ~0.4 sqrt(n) DBL_EPSILON;
     * tests/bench/return-roundoff.c, docs/theory.md §5): 1e-13 = 450
     * DBL_EPSILON covers it 16 times there. */
    o->sigma_tol = 1e-13;
    /* Return comparisons: the regret's derived tolerance (same round-off). */
    o->hacking_tol = STARC_REGRET_TRIVIAL_TOL_DERIVED;
    o->hackable_tol = STARC_REGRET_TRIVIAL_TOL_DERIVED;
    o->engine = STARC_POLICY_ENGINE_AUTO;
}

static int return_tol_ok(double t)
{
    return (t >= 0.0 && isfinite(t)) || t == STARC_REGRET_TRIVIAL_TOL_DERIVED;
}

static int check_options(const starc_proxy_options *o, starc_error *err)
{
    if (!(o->prob_tol >= 0.0) || !(o->sigma_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "proxy options: tolerances must be >= 0");
    if (!return_tol_ok(o->hacking_tol) || !return_tol_ok(o->hackable_tol))
        return starci_error(err, STARC_EINVAL,
                            "proxy options: hacking_tol and hackable_tol must be finite and >= 0 or "
                            "STARC_REGRET_TRIVIAL_TOL_DERIVED");
    if (!starc_policy_engine_name(o->engine))
        return starci_error(err, STARC_EINVAL, "proxy options: unknown engine %d", (int)o->engine);
    return STARC_OK;
}

int starc_proxy_weighted_stats(size_t n, const double *w, const double *x, const double *y,
                               const starc_proxy_options *opt, starc_proxy_stats *out, starc_error *err)
{
    if (!w || !x || !y || !out)
        return starci_error(err, STARC_EINVAL, "weighted statistics: NULL argument");
    starc_proxy_options def;
    if (!opt) {
        starc_proxy_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    double W = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i]) || w[i] < 0.0)
            return starci_error(err, STARC_EINVAL, "weight %zu = %g is negative or not finite", i, w[i]);
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu is not finite", i);
        W += w[i];
    }
    if (!(W > 0.0))
        return starci_error(err, STARC_EINVAL, "weights sum to zero");
    /* Scale invariance (docs/theory.md, Numerics): x and y are multiplied by
     * powers of two 2^kx, 2^ky when outside the scale band, so that no sum of
     * squares overflows or underflows; the round-off floor is relative. */
    const int kx = starci_norm_scale_exp(x, n), ky = starci_norm_scale_exp(y, n);
    double mx = 0.0, my = 0.0, xmax = 0.0, ymax = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double xi = ldexp(x[i], kx), yi = ldexp(y[i], ky);
        mx += w[i] * xi;
        my += w[i] * yi;
        if (w[i] > 0.0) {
            xmax = fmax(xmax, fabs(xi));
            ymax = fmax(ymax, fabs(yi));
        }
    }
    mx /= W;
    my /= W;
    double vx = 0.0, vy = 0.0, cxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = ldexp(x[i], kx) - mx, dy = ldexp(y[i], ky) - my;
        vx += w[i] * dx * dx;
        vy += w[i] * dy * dy;
        cxy += w[i] * dx * dy;
    }
    double sx = sqrt(vx / W), sy = sqrt(vy / W);
    /* Round-off leaves a constant reward with a tiny spread: call it 0. */
    if (sx <= opt->sigma_tol * xmax)
        sx = 0.0;
    if (sy <= opt->sigma_tol * ymax)
        sy = 0.0;
    out->mean_true = ldexp(mx, -kx);
    out->mean_proxy = ldexp(my, -ky);
    out->sigma_true = ldexp(sx, -kx);
    out->sigma_proxy = ldexp(sy, -ky);
    if (sx > 0.0 && sy > 0.0) {
        const double vv = vx * vy; /* vx, vy >= (sigma_tol max)^2: the product is normal unless tiny spreads */
        double r = isnormal(vv) ? cxy / sqrt(vv) : cxy / sqrt(vx) / sqrt(vy);
        out->r = r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
        out->orpo_coef = ldexp(sy * sqrt(fmax(0.0, 1.0 - out->r * out->r)), -ky);
    } else {
        out->r = NAN;
        out->orpo_coef = NAN;
    }
    return STARC_OK;
}

void starc_proxy_bounds(double r, double sigma_t, double sigma_p, double dJp, double chi2,
                        double *bound_a, double *bound_b, double *bound_tight)
{
    double A, B, Tt;
    if (isinf(chi2)) {
        A = B = Tt = -INFINITY;
    } else if (sigma_t == 0.0 && !isnan(chi2)) {
        A = B = Tt = 0.0;
    } else if (isnan(r) || isnan(chi2) || !(sigma_p > 0.0) || isnan(dJp)) {
        A = B = Tt = NAN;
    } else {
        double q = sqrt(fmax(0.0, 1.0 - r * r)), a = dJp / sigma_p;
        double sc = sqrt(fmax(0.0, chi2));
        A = sigma_t * (r * a - q * sc);
        B = r > 0.0 ? sigma_t / (r * sigma_p) * (dJp - sigma_p * q * sc) : NAN;
        Tt = sigma_t * (r * a - q * sqrt(fmax(0.0, chi2 - a * a)));
    }
    if (bound_a)
        *bound_a = A;
    if (bound_b)
        *bound_b = B;
    if (bound_tight)
        *bound_tight = Tt;
}

struct starc_proxy {
    const starc_mdp *m;
    size_t S, A;
    starc_proxy_options opt;
    double *base, *Rt, *Rp, *mub, *mu, *d;
    double Jnb_t, Jnb_p;
    starc_proxy_stats stats;
    starc_policy_workspace *ws;
};

/* The exact occupancy and normalised returns of pi: policy.c's dense solve,
 * or on a sparse MDP the engine of the options (sparse-exact.c). */
static int proxy_exact(const starc_proxy *p, const double *pi, const double *const *R2, double *Jn, double *mu,
                       starc_error *err)
{
    if (starc_mdp_is_sparse(p->m))
        return starci_sparse_exact(p->m, p->opt.engine, pi, 2, R2, Jn, p->d, mu, err);
    return starci_policy_exact(p->m, pi, 2, R2, Jn, p->d, mu, p->ws, err);
}

void starc_proxy_free(starc_proxy *p)
{
    if (!p)
        return;
    free(p->base);
    free(p->Rt);
    free(p->Rp);
    free(p->mub);
    free(p->mu);
    free(p->d);
    starc_policy_workspace_free(p->ws);
    free(p);
}

int starc_proxy_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *base,
                           const starc_proxy_options *opt, starc_proxy **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!m || !base || !Rbar_t || !Rbar_p)
        return starci_error(err, STARC_EINVAL, "MDP, base policy and rewards must not be NULL");
    starc_proxy_options def;
    if (!opt) {
        starc_proxy_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_error perr;
    st = starci_policy_check(m, base, opt->prob_tol, &perr);
    if (st)
        return starci_error(err, st, "base policy: %s", perr.message);
    for (size_t i = 0; i < S * A; i++)
        if (!isfinite(Rbar_t[i]) || !isfinite(Rbar_p[i]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu is not finite", i);
    starc_proxy *p = calloc(1, sizeof *p);
    if (!p)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    p->m = m;
    p->S = S;
    p->A = A;
    p->opt = *opt;
    p->base = starci_dalloc(S * A);
    p->Rt = starci_dalloc(S * A);
    p->Rp = starci_dalloc(S * A);
    p->mub = starci_dalloc(S * A);
    p->mu = starci_dalloc(S * A);
    p->d = starci_dalloc(S);
    const int sparse = starc_mdp_is_sparse(m); /* no S x S workspace there */
    if (!sparse)
        (void)starc_policy_workspace_alloc(S, A, &p->ws, NULL); /* NULL on failure: checked below */
    if (!p->base || !p->Rt || !p->Rp || !p->mub || !p->mu || !p->d || (!sparse && !p->ws)) {
        starc_proxy_free(p);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    memcpy(p->base, base, S * A * sizeof(double));
    memcpy(p->Rt, Rbar_t, S * A * sizeof(double));
    memcpy(p->Rp, Rbar_p, S * A * sizeof(double));
    const double *R2[2] = {p->Rt, p->Rp};
    double Jn[2];
    st = proxy_exact(p, base, R2, Jn, p->mub, err);
    if (!st)
        st = starc_proxy_weighted_stats(S * A, p->mub, p->Rt, p->Rp, &p->opt, &p->stats, err);
    if (st) {
        starc_proxy_free(p);
        return st;
    }
    p->Jnb_t = Jn[0];
    p->Jnb_p = Jn[1];
    *out = p;
    return STARC_OK;
}

const starc_proxy_stats *starc_proxy_get_stats(const starc_proxy *p) { return &p->stats; }

const double *starc_proxy_base_occupancy(const starc_proxy *p) { return p->mub; }

void starc_proxy_base_returns(const starc_proxy *p, double *true_return, double *proxy_return)
{
    double g = starc_mdp_gamma(p->m);
    if (true_return)
        *true_return = p->Jnb_t / (1.0 - g);
    if (proxy_return)
        *proxy_return = p->Jnb_p / (1.0 - g);
}

int starc_proxy_analyze(starc_proxy *p, const double *pi, starc_proxy_analyze_result *out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "result pointer is NULL");
    int st = starci_policy_check(p->m, pi, p->opt.prob_tol, err);
    if (st)
        return st;
    const double *R2[2] = {p->Rt, p->Rp};
    double Jn[2], g = starc_mdp_gamma(p->m);
    st = proxy_exact(p, pi, R2, Jn, p->mu, err);
    if (st)
        return st;
    out->true_return = Jn[0] / (1.0 - g);
    out->proxy_return = Jn[1] / (1.0 - g);
    out->true_delta_normalized = Jn[0] - p->Jnb_t;
    out->proxy_delta_normalized = Jn[1] - p->Jnb_p;
    out->a = p->stats.sigma_proxy > 0.0 ? out->proxy_delta_normalized / p->stats.sigma_proxy : NAN;
    out->chi2 = starci_policy_chi2(p->S * p->A, p->mu, p->mub);
    starc_proxy_bounds(p->stats.r, p->stats.sigma_true, p->stats.sigma_proxy, out->proxy_delta_normalized,
                       out->chi2, &out->bound_a, &out->bound_b, &out->bound_tight);
    return STARC_OK;
}

int starc_proxy_check_hacking(starc_proxy *p, const starc_policy_options *opt, size_t *act_out,
                              starc_proxy_hacking_result *out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "result pointer is NULL");
    starc_policy_options def;
    if (!opt) {
        starc_policy_options_default(&def);
        opt = &def;
    }
    const starc_mdp *m = p->m;
    const size_t S = p->S, A = p->A;
    const double g = starc_mdp_gamma(m);
    size_t *act = calloc(S, sizeof(size_t));
    double *V = starci_dalloc(S), *pi = starci_dalloc(S * A);
    int st = STARC_OK;
    if (!act || !V || !pi) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    st = starc_policy_optimal_rbar(m, p->Rp, opt, act, V, NULL, NULL, err);
    if (st)
        goto done;
    starc_policy_from_actions(m, act, pi);
    st = starc_proxy_analyze(p, pi, &out->proxy_optimal, err);
    if (st)
        goto done;
    /* The true return over all proxy-optimal policies (Q*_p tied with the maximum). */
    double jmin, jmax;
    st = starc_mdp_is_sparse(m) ? starci_sparse_optimal_set_returns(m, p->Rp, V, p->Rt, opt, act, &jmin, &jmax, err)
                                : starci_policy_optimal_set_returns(m, p->Rp, V, p->Rt, opt, act, &jmin, &jmax, err);
    if (st)
        goto done;
    out->true_return_min = fmin(jmin, out->proxy_optimal.true_return);
    out->true_return_max = fmax(jmax, out->proxy_optimal.true_return);
    double Jb = p->Jnb_t / (1.0 - g);
    /* relative to the true reward's scale, max |Rbar_t| / (1 - gamma) (docs/theory.md §5) */
    const double tol = starc_regret_trivial_tol(p->opt.hacking_tol, g, S);
    out->reward_hacking = out->true_return_min < Jb - tol * starci_regret_scale(p->Rt, S * A, g);
    if (act_out)
        memcpy(act_out, act, S * sizeof(size_t));
done:
    free(act);
    free(V);
    free(pi);
    return st;
}

typedef struct {
    double j1, j2;
    size_t idx;
} hack_item;

static int cmp_j1(const void *a, const void *b)
{
    const hack_item *x = a, *y = b;
    if (x->j1 < y->j1)
        return -1;
    if (x->j1 > y->j1)
        return 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int starc_proxy_hackable_rbar(const starc_mdp *m, const double *Rbar1, const double *Rbar2, size_t n,
                              const double *policies, const starc_proxy_options *opt, int *hackable, size_t *wi,
                              size_t *wj, starc_error *err)
{
    if (!m || !Rbar1 || !Rbar2 || !hackable || (n > 0 && !policies))
        return starci_error(err, STARC_EINVAL, "hackability: NULL argument");
    starc_proxy_options def;
    if (!opt) {
        starc_proxy_options_default(&def);
        opt = &def;
    }
    if (check_options(opt, err))
        return STARC_EINVAL;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m), tol = starc_regret_trivial_tol(opt->hackable_tol, g, S);
    *hackable = 0;
    if (n < 2)
        return STARC_OK;
    hack_item *it = calloc(n, sizeof *it);
    starc_policy_workspace *ws = NULL;
    const int sparse = m && starc_mdp_is_sparse(m); /* returns by the engine: no S x S workspace */
    if (!sparse)
        (void)starc_policy_workspace_alloc(S, A, &ws, NULL); /* NULL on failure: checked below */
    int st = STARC_OK;
    double *V = sparse ? starci_dalloc(S) : NULL;
    if (!it || (!sparse && !ws) || (sparse && !V)) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        const double *pi = policies + k * S * A;
        starc_error perr;
        st = starci_policy_check(m, pi, opt->prob_tol, &perr);
        if (st) {
            st = starci_error(err, st, "policy %zu: %s", k, perr.message);
            goto done;
        }
        double J[2];
        const double *R[2] = {Rbar1, Rbar2};
        const starc_policy_options po = starci_sparse_engine_options(opt->engine);
        for (int r = 0; r < 2; r++) {
            if (sparse) {
                if ((st = starci_sparse_evaluate_rbar(m, &po, pi, R[r], V, NULL, err)))
                    goto done;
                J[r] = starc_policy_values_return(m, V);
            } else if ((st = starc_policy_return_rbar(m, pi, R[r], &J[r], ws, err)))
                goto done;
        }
        it[k].j1 = J[0];
        it[k].j2 = J[1];
        it[k].idx = k;
    }
    qsort(it, n, sizeof *it, cmp_j1);
    /* Relative to each reward's return scale max |Rbar| / (1 - gamma), not to
     * max |J| over the set, which is itself round-off when returns cancel. */
    const double t1 = tol * starci_regret_scale(Rbar1, S * A, g), t2 = tol * starci_regret_scale(Rbar2, S * A, g);
    /* For each j, every i with J1 clearly below J1(j) is a prefix of the sorted list. */
    size_t k = 0, best = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        while (k < n && it[k].j1 < it[j].j1 - t1) {
            if (best == SIZE_MAX || it[k].j2 > it[best].j2)
                best = k;
            k++;
        }
        if (best != SIZE_MAX && it[best].j2 > it[j].j2 + t2) {
            *hackable = 1;
            if (wi)
                *wi = it[best].idx;
            if (wj)
                *wj = it[j].idx;
            break;
        }
    }
done:
    free(it);
    free(V);
    starc_policy_workspace_free(ws);
    return st;
}

/* ---- all deterministic policies ------------------------------------------------ */

void starc_proxy_deterministic_options_default(starc_proxy_deterministic_options *o)
{
    starc_proxy_options_default(&o->proxy_options);
    o->max_policies = 65536;
}

int starc_proxy_deterministic_count(const starc_mdp *m, const starc_proxy_deterministic_options *o, size_t *n,
                                    starc_error *err)
{
    starc_proxy_deterministic_options def;
    if (!o) {
        starc_proxy_deterministic_options_default(&def);
        o = &def;
    }
    if (!m || !n)
        return starci_error(err, STARC_EINVAL, "deterministic policies: NULL argument");
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t count = 1;
    for (size_t s = 0; s < S; s++) {
        /* count * A, stopping as soon as it passes the limit (so it cannot overflow) */
        if (count > o->max_policies / A)
            return starci_error(err, STARC_EINVAL, "A^S = %zu^%zu exceeds %zu policies", A, S, o->max_policies);
        count *= A;
    }
    *n = count;
    return STARC_OK;
}

void starc_proxy_deterministic_policy(const starc_mdp *m, size_t k, double *pi)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    memset(pi, 0, S * A * sizeof(double));
    for (size_t s = 0; s < S; s++) {
        pi[s * A + k % A] = 1.0;
        k /= A;
    }
}

int starc_proxy_hackable_deterministic_rbar(const starc_mdp *m, const double *Rbar_true, const double *Rbar_proxy,
                                            const starc_proxy_deterministic_options *o,
                                            starc_proxy_hackability_result *out, starc_error *err)
{
    starc_proxy_deterministic_options def;
    if (!o) {
        starc_proxy_deterministic_options_default(&def);
        o = &def;
    }
    if (!m || !Rbar_true || !Rbar_proxy || !out)
        return starci_error(err, STARC_EINVAL, "hackability: NULL argument");
    memset(out, 0, sizeof *out);
    size_t n;
    int st = starc_proxy_deterministic_count(m, o, &n, err);
    if (st)
        return st;
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    if (n > SIZE_MAX / sizeof(double) / SA)
        return starci_error(err, STARC_ENOMEM, "hackability: %zu policies of %zu entries do not fit in memory", n, SA);
    double *set = malloc(n * SA * sizeof(double));
    if (!set)
        return starci_error(err, STARC_ENOMEM, "out of memory for %zu deterministic policies", n);
    for (size_t k = 0; k < n; k++)
        starc_proxy_deterministic_policy(m, k, set + k * SA);
    int hackable = 0;
    size_t wi = 0, wj = 0;
    st = starc_proxy_hackable_rbar(m, Rbar_true, Rbar_proxy, n, set, &o->proxy_options, &hackable, &wi, &wj, err);
    free(set);
    if (st)
        return st;
    out->policies = n;
    out->hackable = hackable;
    out->witness_i = hackable ? wi : 0;
    out->witness_j = hackable ? wj : 0;
    return STARC_OK;
}
