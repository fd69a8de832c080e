/* Exact regularised optima (docs/theory.md §5): AD-KL by soft policy/value
 * iteration, OM-chi2 and OM-KL by Newton's method on their convex duals over
 * values, OM-sqrt-chi2 by a 1-D search on the OM-chi2 path. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "dense-internal.h"
#include "error-internal.h"
#include "sparse-exact-internal.h"
#include "sparse-internal.h"
#include "kernels-internal.h"
#include "lapack.h"
#include "policy-internal.h"
#include "regularize-internal.h"
#include "starc/policy.h"
#include "starc/regularize.h"

/* KL(p || q) with the (p - q) terms that make every summand >= 0. */
static double kl_div(size_t n, const double *p, const double *q)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] > 0.0) {
            if (!(q[i] > 0.0))
                return INFINITY;
            acc += p[i] * log(p[i] / q[i]) - p[i] + q[i];
        } else
            acc += q[i];
    }
    return acc < 0.0 ? 0.0 : acc;
}

/* ---------------------------------------------------------------------- */
/* The plan                                                                */

struct starc_regularize {
    const starc_mdp *m;
    size_t S, A;
    double gamma;
    starc_regularize_options opt;
    double *base, *Rp, *Rt;
    /* Scale invariance (docs/theory.md, Scale invariance): Rp and Rt hold
     * 2^kp Rbar_p and 2^kt Rbar_t, kp and kt from starci_norm_scale_exp
     * (nonzero only for rewards outside its band), so that every solve runs
     * at a scale near 1 with the coefficient multiplied by 2^kp too.  The
     * iterates, warm starts, Jnb_*, last_inner and every coefficient inside
     * the solvers are in these units; returns, objectives and coefficients
     * leave the plan multiplied back by 2^-kp (2^-kt), exactly. */
    int kp, kt;
    double *mub, *db;          /* base occupancies */
    double Jnb_p, Jnb_t;       /* base normalised returns (scaled units) */
    size_t npair, *pairs;      /* support pairs (mu_b > 0), flat indices s*A + a */
    size_t nv, *vis, *vidx;    /* base-visited states and their index among them */
    starc_policy_workspace *ws;     /* exact evaluation */
    /* dual Newton scratch */
    double *V, *Vt, *grad, *gradt, *dir, *e, *et, *mu, *mut, *TV, *G, *H, *wts;
    double *Hs, *hs_w;         /* the last G^T G product and the support pairs' weights it was made from */
    int hs_ok;
    size_t *state_active;
    /* soft iteration scratch */
    double *Q, *pi, *pit, *klv, *Vs, *M;
    lapack_int *ipiv;
    /* solution scratch */
    double *dsol, *musol;
    int have_sol;
    /* warm starts */
    double *V_chi2, *V_kl, *pi_adkl;
    int have_chi2, have_kl, have_adkl;
    double last_inner;
    /* A sparse MDP (docs/sparse.md, "Proxies, regularisers and overopt"):
     * AD-KL and the diagnostics run on T's stored entries with the engine
     * opt.engine; the OM methods run on om_m, the MDP expanded to S*A*S,
     * which their dense Newton systems need anyway (NULL above
     * STARCI_REGULARIZE_OM_MAX_SAS: they are refused). */
    int sparse;
    starc_mdp *om_m;
};

static const char *const method_names[STARC_REGULARIZE_METHOD_COUNT] = {"ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl"};

const char *starc_regularize_method_name(starc_regularize_method method)
{
    return (unsigned)method < STARC_REGULARIZE_METHOD_COUNT ? method_names[method] : NULL;
}

int starc_regularize_method_parse(const char *name, starc_regularize_method *method, starc_error *err)
{
    for (int i = 0; name && i < STARC_REGULARIZE_METHOD_COUNT; i++)
        if (strcmp(name, method_names[i]) == 0) {
            *method = (starc_regularize_method)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not one of ad-kl, om-chi2, om-sqrt-chi2, om-kl",
                        name ? name : "(null)");
}

static const char *const solver_names[STARC_REGULARIZE_ADKL_SOLVER_COUNT] = {"pi", "vi"};

const char *starc_regularize_adkl_solver_name(starc_regularize_adkl_solver solver)
{
    return (unsigned)solver < STARC_REGULARIZE_ADKL_SOLVER_COUNT ? solver_names[solver] : NULL;
}

int starc_regularize_adkl_solver_parse(const char *name, starc_regularize_adkl_solver *solver, starc_error *err)
{
    for (int i = 0; name && i < STARC_REGULARIZE_ADKL_SOLVER_COUNT; i++)
        if (strcmp(name, solver_names[i]) == 0) {
            *solver = (starc_regularize_adkl_solver)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not one of pi, vi", name ? name : "(null)");
}

void starc_regularize_options_default(starc_regularize_options *o)
{
    o->tol = 1e-10;
    o->max_iter = 1000;
    o->max_sweeps = 100000;
    o->search_tol = 1e-10;
    o->search_max_iter = 200;
    o->stall_max_iter = 50;
    o->adkl_solver = STARC_REGULARIZE_ADKL_POLICY_ITERATION;
    o->warm_start = 1;
    o->prob_tol = STARC_MDP_PROB_TOL;
    o->engine = STARC_POLICY_ENGINE_AUTO;
}

static int check_options(const starc_regularize_options *o, starc_error *err)
{
    if (!(o->tol > 0.0) || !isfinite(o->tol))
        return starci_error(err, STARC_EINVAL, "tolerance %g must be finite and > 0", o->tol);
    if (!(o->search_tol > 0.0) || !isfinite(o->search_tol))
        return starci_error(err, STARC_EINVAL, "search tolerance %g must be finite and > 0", o->search_tol);
    if (o->max_iter == 0 || o->max_sweeps == 0 || o->search_max_iter == 0 || o->stall_max_iter == 0)
        return starci_error(err, STARC_EINVAL, "iteration caps must be > 0");
    if ((unsigned)o->adkl_solver >= STARC_REGULARIZE_ADKL_SOLVER_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown AD-KL solver %d", (int)o->adkl_solver);
    if (!(o->prob_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "probability tolerance must be >= 0");
    if (!starc_policy_engine_name(o->engine))
        return starci_error(err, STARC_EINVAL, "unknown engine %d", (int)o->engine);
    return STARC_OK;
}

void starc_regularize_free(starc_regularize *rg)
{
    if (!rg)
        return;
    double *arrs[] = {rg->base, rg->Rp, rg->Rt, rg->mub, rg->db, rg->V, rg->Vt, rg->grad, rg->gradt,
                      rg->dir, rg->e, rg->et, rg->mu, rg->mut, rg->TV, rg->G, rg->H, rg->wts, rg->Q,
                      rg->pi, rg->pit, rg->klv, rg->Vs, rg->M, rg->dsol, rg->musol, rg->V_chi2,
                      rg->V_kl, rg->pi_adkl, rg->Hs, rg->hs_w};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++)
        free(arrs[i]);
    free(rg->pairs);
    free(rg->vis);
    free(rg->vidx);
    free(rg->state_active);
    free(rg->ipiv);
    starc_policy_workspace_free(rg->ws);
    starc_mdp_free(rg->om_m);
    free(rg);
}

/* The regulariser's buffers; 0 when one could not be allocated (the caller frees rg). */
static int alloc_buffers(starc_regularize *rg, int with_true, int newton)
{
    /* S*A*S and S*S were checked for overflow by the caller */
    const size_t S = rg->S, A = rg->A, SA = S * A, SS = S * S, SAS = SA * S;
    rg->base = starci_dalloc(SA);
    rg->Rp = starci_dalloc(SA);
    rg->Rt = with_true ? starci_dalloc(SA) : NULL;
    rg->mub = starci_dalloc(SA);
    rg->db = starci_dalloc(S);
    rg->pairs = calloc(SA, sizeof(size_t));
    rg->vis = calloc(S, sizeof(size_t));
    rg->vidx = calloc(S, sizeof(size_t));
    rg->state_active = calloc(S, sizeof(size_t));
    double **sv[] = {&rg->V, &rg->Vt, &rg->grad, &rg->gradt, &rg->dir, &rg->klv, &rg->Vs, &rg->dsol,
                     &rg->V_chi2, &rg->V_kl};
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++)
        *sv[i] = starci_dalloc(S);
    double **sav[] = {&rg->e, &rg->et, &rg->mu, &rg->mut, &rg->TV, &rg->wts, &rg->Q, &rg->pi, &rg->pit,
                      &rg->musol, &rg->pi_adkl};
    for (size_t i = 0; i < sizeof sav / sizeof sav[0]; i++)
        *sav[i] = starci_dalloc(SA);
    if (newton) { /* the dense solves and Newton systems (not on a sparse MDP's own path) */
        rg->G = starci_dalloc(SAS);
        rg->H = starci_dalloc(SS);
        rg->Hs = starci_dalloc(SS);
        rg->hs_w = starci_dalloc(SA);
        rg->M = starci_dalloc(SS);
        rg->ipiv = calloc(S, sizeof(lapack_int));
    }
    int bad = !rg->base || !rg->Rp || (with_true && !rg->Rt) || !rg->mub || !rg->db || !rg->pairs ||
              !rg->vis || !rg->vidx || !rg->state_active ||
              (newton && (!rg->G || !rg->H || !rg->Hs || !rg->hs_w || !rg->M || !rg->ipiv));
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++)
        bad |= !*sv[i];
    for (size_t i = 0; i < sizeof sav / sizeof sav[0]; i++)
        bad |= !*sav[i];
    return !bad;
}

/* The OM methods' limit on a sparse MDP: S*A*S entries of the expanded T,
 * which is also the size of their Newton system's G (up to S*A x S) and
 * about S/A times that of H (S x S); measured in docs/sparse.md. */
#define STARCI_REGULARIZE_OM_MAX_SAS ((size_t)1 << 24)

/* rg->om_m: the sparse MDP expanded for the OM methods, when S*A*S is within
 * the limit (validated already: the copy cannot fail but for memory). */
static int regularize_sparse_om_mdp(starc_regularize *rg, starc_error *err)
{
    const size_t S = rg->S, A = rg->A;
    size_t SAS;
    if (!starci_mul3_ok(S, A, S, &SAS) || SAS > STARCI_REGULARIZE_OM_MAX_SAS)
        return STARC_OK;
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(rg->m, &ip, &ix, &dt);
    double *T = starci_dcalloc(SAS), *mu0 = starci_dalloc(S);
    if (!T || !mu0) {
        free(T);
        free(mu0);
        return starci_error(err, STARC_ENOMEM, "out of memory expanding the sparse MDP for the OM methods");
    }
    for (size_t r = 0; r < S * A; r++)
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            T[r * S + ix[k]] = dt[k];
    memcpy(mu0, starc_mdp_initial(rg->m), S * sizeof(double));
    starc_mdp_options o;
    starc_mdp_options_default(&o);
    o.prob_tol = INFINITY;
    int st = starc_mdp_alloc_adopt(S, A, T, mu0, rg->gamma, &o, &rg->om_m, err);
    if (st) {
        free(T);
        free(mu0);
    }
    return st;
}

/* starci_policy_exact, or its sparse twin on a sparse MDP (engine opt.engine). */
static int regularize_exact(starc_regularize *rg, const double *pi, const double *const *R2, double *Jn, double *d,
                            double *mu, starc_error *err)
{
    if (starc_mdp_is_sparse(rg->m))
        return starci_sparse_exact(rg->m, rg->opt.engine, pi, 2, R2, Jn, d, mu, err);
    return starci_policy_exact(rg->m, pi, 2, R2, Jn, d, mu, rg->ws, err);
}

int starc_regularize_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                                const double *base, const starc_regularize_options *opt,
                                starc_regularize **out, starc_error *err)
{
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!m || !base || !Rbar_p)
        return starci_error(err, STARC_EINVAL, "MDP, base policy and proxy reward must not be NULL");
    starc_regularize_options def;
    if (!opt) {
        starc_regularize_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t SA, SS, SAS;
    const int sparse = starc_mdp_is_sparse(m);
    if (!starci_mul_ok(S, A, &SA) || (!sparse && (!starci_mul_ok(S, S, &SS) || !starci_mul_ok(SA, S, &SAS))))
        return starci_error(err, STARC_EDIM, "S=%zu, A=%zu is too large", S, A);
    starc_error perr;
    st = starci_policy_check(m, base, opt->prob_tol, &perr);
    if (st)
        return starci_error(err, st, "base policy: %s", perr.message);
    for (size_t i = 0; i < SA; i++) {
        if (!isfinite(Rbar_p[i]))
            return starci_error(err, STARC_EINVAL, "proxy reward entry %zu is not finite", i);
        if (Rbar_t && !isfinite(Rbar_t[i]))
            return starci_error(err, STARC_EINVAL, "true reward entry %zu is not finite", i);
    }
    starc_regularize *rg = calloc(1, sizeof *rg);
    if (!rg)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    rg->m = m;
    rg->S = S;
    rg->A = A;
    rg->gamma = starc_mdp_gamma(m);
    rg->opt = *opt;
    rg->sparse = sparse;
    if (sparse && (st = regularize_sparse_om_mdp(rg, err))) {
        starc_regularize_free(rg);
        return st;
    }
    int bad = !alloc_buffers(rg, Rbar_t != NULL, !sparse || rg->om_m);
    if (!sparse)
        (void)starc_policy_workspace_alloc(S, A, &rg->ws, NULL); /* NULL on failure: checked below */
    if (bad || (!sparse && !rg->ws)) {
        starc_regularize_free(rg);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a regulariser for S=%zu, A=%zu", S, A);
    }
    memcpy(rg->base, base, SA * sizeof(double));
    rg->kp = starci_norm_scale_exp(Rbar_p, SA);
    starci_norm_scale_copy(Rbar_p, SA, rg->kp, rg->Rp);
    if (Rbar_t) {
        rg->kt = starci_norm_scale_exp(Rbar_t, SA);
        starci_norm_scale_copy(Rbar_t, SA, rg->kt, rg->Rt);
    }
    const double *R2[2] = {rg->Rp, rg->Rt};
    double Jn[2];
    st = regularize_exact(rg, base, R2, Jn, rg->db, rg->mub, err);
    if (st) {
        starc_regularize_free(rg);
        return st;
    }
    rg->Jnb_p = Jn[0];
    rg->Jnb_t = Jn[1];
    for (size_t i = 0; i < SA; i++)
        if (rg->mub[i] > 0.0)
            rg->pairs[rg->npair++] = i;
    for (size_t s = 0; s < S; s++) {
        rg->vidx[s] = SIZE_MAX;
        if (rg->db[s] > 0.0) {
            rg->vidx[s] = rg->nv;
            rg->vis[rg->nv++] = s;
        }
    }
    rg->last_inner = NAN;
    *out = rg;
    return STARC_OK;
}

int starc_regularize_set_options(starc_regularize *rg, const starc_regularize_options *opt, starc_error *err)
{
    int st = check_options(opt, err);
    if (!st)
        rg->opt = *opt;
    return st;
}

void starc_regularize_reset(starc_regularize *rg)
{
    rg->have_chi2 = rg->have_kl = rg->have_adkl = 0;
    rg->last_inner = NAN;
}

const double *starc_regularize_base_occupancy(const starc_regularize *rg) { return rg->mub; }

void starc_regularize_base_returns(const starc_regularize *rg, double *true_return, double *proxy_return)
{
    if (true_return)
        *true_return = rg->Rt ? ldexp(rg->Jnb_t / (1.0 - rg->gamma), -rg->kt) : NAN;
    if (proxy_return)
        *proxy_return = ldexp(rg->Jnb_p / (1.0 - rg->gamma), -rg->kp);
}

const double *starc_regularize_occupancy(const starc_regularize *rg)
{
    return rg->have_sol ? rg->musol : NULL;
}

/* ---------------------------------------------------------------------- */
/* Diagnostics                                                             */

static double divergence_of(const starc_regularize_result *r, starc_regularize_method method)
{
    switch (method) {
    case STARC_REGULARIZE_AD_KL: return r->ad_kl;
    case STARC_REGULARIZE_OM_CHI2: return r->chi2;
    case STARC_REGULARIZE_OM_SQRT_CHI2: return sqrt(r->chi2);
    case STARC_REGULARIZE_OM_KL: return r->om_kl;
    }
    return NAN;
}

/* Fill res for policy pi (exact occupancy, returns and divergences). */
static int diagnose(starc_regularize *rg, const double *pi, starc_regularize_method method, double coef,
                    starc_regularize_result *res, starc_error *err)
{
    const size_t S = rg->S, A = rg->A;
    const double g = rg->gamma;
    const double *R2[2] = {rg->Rp, rg->Rt};
    double Jn[2];
    int st = regularize_exact(rg, pi, R2, Jn, rg->dsol, rg->musol, err);
    if (st)
        return st;
    rg->have_sol = 1;
    res->method = method;
    res->coef = coef;
    /* Back from the plan's units (exact powers of two); the normalised
     * returns are bounded by max |Rbar|, the unnormalised ones can exceed
     * the largest double. */
    const int kp = rg->kp, kt = rg->kt;
    res->proxy_return_normalized = ldexp(Jn[0], -kp);
    res->true_return_normalized = ldexp(Jn[1], -kt);
    res->proxy_return = ldexp(Jn[0] / (1.0 - g), -kp);
    res->true_return = ldexp(Jn[1] / (1.0 - g), -kt);
    res->proxy_delta_normalized = ldexp(Jn[0] - rg->Jnb_p, -kp);
    res->true_delta_normalized = rg->Rt ? ldexp(Jn[1] - rg->Jnb_t, -kt) : NAN;
    res->proxy_delta = ldexp((Jn[0] - rg->Jnb_p) / (1.0 - g), -kp);
    res->true_delta = rg->Rt ? ldexp((Jn[1] - rg->Jnb_t) / (1.0 - g), -kt) : NAN;
    const struct {
        const char *name;
        double v;
    } big[] = {{"proxy return", res->proxy_return}, {"true return", res->true_return},
               {"proxy return's change", res->proxy_delta}, {"true return's change", res->true_delta}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        if (isinf(big[i].v))
            return starci_error(err, STARC_EUNDEF, "the %s overflows: it exceeds the largest double (%g)",
                                big[i].name, DBL_MAX);
    double adkl = 0.0;
    for (size_t s = 0; s < S && isfinite(adkl); s++) {
        if (!(rg->dsol[s] > 0.0))
            continue;
        double k = kl_div(A, pi + s * A, rg->base + s * A);
        adkl += rg->dsol[s] * k;
    }
    res->ad_kl = adkl;
    res->ad_kl_unnormalized = adkl / (1.0 - g);
    res->state_kl = kl_div(S, rg->dsol, rg->db);
    res->om_kl = kl_div(S * A, rg->musol, rg->mub);
    res->chi2 = starci_policy_chi2(S * A, rg->musol, rg->mub);
    double tv = 0.0;
    for (size_t i = 0; i < S * A; i++)
        tv += fabs(rg->musol[i] - rg->mub[i]);
    res->tv = 0.5 * tv;
    res->divergence = divergence_of(res, method);
    res->objective = res->proxy_return_normalized - (res->divergence == 0.0 ? 0.0 : coef * res->divergence);
    return STARC_OK;
}

int starc_regularize_evaluate(starc_regularize *rg, const double *pi, starc_regularize_method method,
                               double coef, starc_regularize_result *res, starc_error *err)
{
    if ((unsigned)method >= STARC_REGULARIZE_METHOD_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown regularisation method %d", (int)method);
    if (!res)
        return starci_error(err, STARC_EINVAL, "result pointer is NULL");
    int st = starci_policy_check(rg->m, pi, rg->opt.prob_tol, err);
    if (st)
        return st;
    memset(res, 0, sizeof *res);
    st = diagnose(rg, pi, method, coef, res, err);
    res->inner_coef = coef;
    res->converged = 1;
    return st;
}

/* ---------------------------------------------------------------------- */
/* Values of the base policy (cold start)                                  */

/* Vout = V^{pi} (unnormalised) for the reward Rbar minus extra(s) per state
 * (extra may be NULL), via the scratch matrix rg->M. */
static int eval_values(starc_regularize *rg, const double *pi, const double *Rbar, const double *extra,
                       double *Vout, starc_error *err)
{
    if (starc_mdp_is_sparse(rg->m)) /* rg->Q is free here: soft_residual refills it */
        return starci_sparse_values_extra(rg->m, rg->opt.engine, pi, Rbar, extra, Vout, rg->Q, err);
    starci_howard_reward(rg->m, pi, NULL, Rbar, Vout);
    if (extra)
        for (size_t s = 0; s < rg->S; s++)
            Vout[s] -= extra[s];
    return starci_dense_solve(rg->m, pi, NULL, STARCI_HOWARD_VALUES, STARCI_DENSE_GESV, rg->M, rg->ipiv, Vout, err);
}

/* ---------------------------------------------------------------------- */
/* AD-KL: soft policy iteration / soft value iteration                     */

/* Soft backup at state s from Q: returns beta log sum_a pi_b exp(Q/beta) and,
 * if pi is non-NULL, the softmax policy pi_b exp((Q - V)/beta). */
static double soft_backup(const double *q, const double *pb, size_t A, double beta, double *pi)
{
    double qmax = -INFINITY;
    for (size_t a = 0; a < A; a++)
        if (pb[a] > 0.0 && q[a] > qmax)
            qmax = q[a];
    double z = 0.0;
    for (size_t a = 0; a < A; a++)
        if (pb[a] > 0.0)
            z += pb[a] * exp((q[a] - qmax) / beta);
    if (pi)
        for (size_t a = 0; a < A; a++)
            pi[a] = pb[a] > 0.0 ? pb[a] * exp((q[a] - qmax) / beta) / z : 0.0;
    return qmax + beta * log(z);
}

/* Soft Bellman residual max_s |B(V)(s) - V(s)|, relative to |V|_inf (no
 * absolute floor: the test must not change when the reward and the
 * coefficient are scaled together); also leaves the softmax policy of V in pi. */
static double soft_residual(starc_regularize *rg, double beta, const double *V, double *Bv, double *pi)
{
    const size_t S = rg->S, A = rg->A;
    if (starc_mdp_is_sparse(rg->m))
        starci_sparse_q(rg->m, rg->Rp, V, rg->Q);
    else
        starci_dense_q(rg->m, rg->Rp, V, rg->Q);
    double diff = 0.0, vmax = 0.0;
    for (size_t s = 0; s < S; s++) {
        Bv[s] = soft_backup(rg->Q + s * A, rg->base + s * A, A, beta, pi ? pi + s * A : NULL);
        diff = fmax(diff, fabs(Bv[s] - V[s]));
        vmax = fmax(vmax, fabs(V[s]));
    }
    return diff == 0.0 ? 0.0 : vmax > 0.0 ? diff / vmax : INFINITY;
}

static int solve_adkl(starc_regularize *rg, double beta, double *pi_out, size_t *iters, double *resid,
                      starc_error *err)
{
    const size_t S = rg->S, A = rg->A;
    int st;
    double *V = rg->V, *Bv = rg->Vt;
    /* Start: the warm policy's soft values, or the base's values. */
    const double *pstart = (rg->opt.warm_start && rg->have_adkl) ? rg->pi_adkl : rg->base;
    memcpy(rg->pi, pstart, S * A * sizeof(double));
    size_t it = 0;
    double res = INFINITY;
    if (rg->opt.adkl_solver == STARC_REGULARIZE_ADKL_POLICY_ITERATION) {
        for (;;) {
            /* Evaluate pi exactly under r_pi - beta KL(pi(s) || pi_b(s)). */
            for (size_t s = 0; s < S; s++)
                rg->klv[s] = beta * kl_div(A, rg->pi + s * A, rg->base + s * A);
            st = eval_values(rg, rg->pi, rg->Rp, rg->klv, V, err);
            if (st)
                return st;
            res = soft_residual(rg, beta, V, Bv, rg->pi);
            if (res <= rg->opt.tol)
                break;
            if (++it >= rg->opt.max_iter) {
                *iters = it;
                *resid = res;
                memcpy(pi_out, rg->pi, S * A * sizeof(double));
                return starci_error(err, STARC_ENOCONV,
                                    "ad-kl soft policy iteration: relative Bellman residual %.3g > tol %g after %zu steps",
                                    res, rg->opt.tol, it);
            }
        }
    } else {
        for (size_t s = 0; s < S; s++)
            rg->klv[s] = beta * kl_div(A, rg->pi + s * A, rg->base + s * A);
        st = eval_values(rg, rg->pi, rg->Rp, rg->klv, V, err);
        if (st)
            return st;
        for (;;) {
            res = soft_residual(rg, beta, V, Bv, rg->pi);
            if (res <= rg->opt.tol)
                break;
            memcpy(V, Bv, S * sizeof(double));
            if (++it >= rg->opt.max_sweeps) {
                *iters = it;
                *resid = res;
                memcpy(pi_out, rg->pi, S * A * sizeof(double));
                return starci_error(err, STARC_ENOCONV,
                                    "ad-kl soft value iteration: relative change %.3g > tol %g after %zu sweeps",
                                    res, rg->opt.tol, it);
            }
        }
    }
    memcpy(pi_out, rg->pi, S * A * sizeof(double));
    memcpy(rg->pi_adkl, rg->pi, S * A * sizeof(double));
    rg->have_adkl = 1;
    *iters = it + 1;
    *resid = res;
    return STARC_OK;
}

/* ---------------------------------------------------------------------- */
/* OM duals: Newton's method on L(V)                                       */

enum om_kind { OM_CHI2, OM_KL };

/* e = Rbar_p + gamma T V - V on support pairs, the primal mu, the Hessian
 * weights and L(V).  Returns +INFINITY if an exponent overflows. */
static double om_eval(starc_regularize *rg, enum om_kind kind, double c, const double *V, double *e,
                      double *mu, double *wts, double *grad)
{
    const size_t S = rg->S, A = rg->A;
    const double g = rg->gamma;
    const double *mu0 = starc_mdp_initial(rg->m);
    starci_dense_q(rg->m, rg->Rp, V, rg->TV);
    double L = 0.0;
    for (size_t s = 0; s < S; s++)
        L += (1.0 - g) * mu0[s] * V[s];
    memset(mu, 0, S * A * sizeof(double));
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k], s = p / A;
        double mb = rg->mub[p], ep = rg->TV[p] - V[s];
        e[p] = ep;
        if (kind == OM_CHI2) {
            double alpha = 2.0 * c, w = 1.0 + ep / alpha;
            if (w > 0.0) {
                mu[p] = mb * w;
                wts[p] = mb / alpha;
                L += mb * (ep + 0.5 * ep * ep / alpha);
            } else {
                wts[p] = 0.0;
                L -= 0.5 * mb * alpha;
            }
        } else {
            double z = ep / c - 1.0;
            if (z > 700.0)
                return INFINITY;
            mu[p] = mb * exp(z);
            wts[p] = mu[p] / c;
            L += c * mu[p];
        }
    }
    if (grad) {
        /* grad = (1-gamma) mu0 + gamma T^T mu - sum_a mu(., a): the flow residual. */
        for (size_t s = 0; s < S; s++) {
            double out = 0.0;
            for (size_t a = 0; a < A; a++)
                out += mu[s * A + a];
            grad[s] = (1.0 - g) * mu0[s] - out;
        }
        const double *T = starc_mdp_transitions(rg->m);
        for (size_t p = 0; p < S * A; p++) {
            double w = g * mu[p];
            if (w == 0.0)
                continue;
            const double *t = T + p * S;
            for (size_t u = 0; u < S; u++)
                grad[u] += w * t[u];
        }
        /* States the base never visits carry no variable: their residual is
         * structurally zero (no support pair leads there). */
        for (size_t s = 0; s < S; s++)
            if (rg->vidx[s] == SIZE_MAX)
                grad[s] = 0.0;
    }
    return L;
}

static double inf_norm(const double *x, size_t n)
{
    double r = 0.0;
    for (size_t i = 0; i < n; i++)
        r = fmax(r, fabs(x[i]));
    return r;
}

/* Fill row (length nv) with sqrt(w) g_p, g_p = gamma T[p, vis] - unit(s(p)). */
static void hess_row(const starc_regularize *rg, size_t p, double w, double *row)
{
    const size_t S = rg->S, A = rg->A, nv = rg->nv;
    const double *t = starc_mdp_transitions(rg->m) + p * S;
    double sw = sqrt(w);
    for (size_t i = 0; i < nv; i++)
        row[i] = sw * rg->gamma * t[rg->vis[i]];
    row[rg->vidx[p / A]] -= sw;
}

/* Newton direction: (H + ridge) dir = -grad on the visited states, with the
 * generalised Hessian H = sum_{active p} w_p g_p g_p^T. */
static int om_direction(starc_regularize *rg, enum om_kind kind, double c, int prox)
{
    const size_t A = rg->A, nv = rg->nv;
    /* G^T G depends on the weights alone: an OM-chi2 solve keeps them (mu_b /
     * 2c on the active pairs) once its active set settles, and the slope of
     * the 1-D search is taken where the last Newton step left them, so the
     * last product is reused when they are the same bits (a dsyrk of up to
     * S*A x S saved; the same H). */
    int same = rg->hs_ok;
    for (size_t k = 0; k < rg->npair && same; k++)
        same = rg->hs_w[k] == rg->wts[rg->pairs[k]] && !isnan(rg->wts[rg->pairs[k]]);
    if (same)
        memcpy(rg->H, rg->Hs, nv * nv * sizeof(double));
    else {
        size_t rows = 0;
        for (size_t k = 0; k < rg->npair; k++) {
            size_t p = rg->pairs[k];
            if (rg->wts[p] > 0.0)
                hess_row(rg, p, rg->wts[p], rg->G + (rows++) * nv);
        }
        if (rows > 0)
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)nv, (int)rows, 1.0, rg->G, (int)nv, 0.0, rg->H,
                        (int)nv);
        else
            memset(rg->H, 0, nv * nv * sizeof(double));
        memcpy(rg->Hs, rg->H, nv * nv * sizeof(double));
        for (size_t k = 0; k < rg->npair; k++)
            rg->hs_w[k] = rg->wts[rg->pairs[k]];
        rg->hs_ok = 1;
    }
    /* A state that no active pair touches (neither from it nor into it) makes
     * H singular; its residual is (1-gamma) mu0(s) or 0.  Give it the curvature
     * of its pair closest to activation, so that the step raises that pair
     * towards activity (a preconditioner only: the line search and the exact
     * gradient decide acceptance). */
    for (size_t j = 0; j < nv; j++)
        rg->state_active[j] = SIZE_MAX;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k], j = rg->vidx[p / A];
        if (rg->H[j * nv + j] > 0.0)
            continue;
        if (rg->state_active[j] == SIZE_MAX || rg->e[p] > rg->e[rg->state_active[j]])
            rg->state_active[j] = p;
    }
    for (size_t j = 0; j < nv; j++) {
        size_t p = rg->state_active[j];
        if (p == SIZE_MAX)
            continue;
        hess_row(rg, p, rg->mub[p] / (kind == OM_CHI2 ? 2.0 * c : c), rg->G);
        cblas_dsyr(CblasRowMajor, CblasUpper, (int)nv, 1.0, rg->G, 1, rg->H, (int)nv);
    }
    double dmax = 0.0;
    for (size_t i = 0; i < nv; i++)
        dmax = fmax(dmax, rg->H[i * nv + i]);
    /* Regularised semismooth Newton: a ridge proportional to the residual keeps
     * steps bounded where H is nearly singular and vanishes as the residual does,
     * so the local convergence stays superlinear. */
    double ridge = dmax * (prox ? fmax(1e-14, fmin(1e-8, inf_norm(rg->grad, rg->S))) : 1e-14);
    for (int attempt = 0; attempt < 8; attempt++) {
        /* Factorise a copy: H is kept for a retry with a larger ridge.  The
         * copy is column-major (M[i + j nv] = H(i,j), i <= j): the matrix
         * LAPACKE's row-major dposv would make in its own transposed copy,
         * made here instead, 8 columns (a cache line of H) at a time. */
        for (size_t j0 = 0; j0 < nv; j0 += 8) {
            const size_t j1 = nv - j0 < 8 ? nv : j0 + 8;
            for (size_t i = 0; i < j1; i++)
                for (size_t j = i > j0 ? i : j0; j < j1; j++)
                    rg->M[i + j * nv] = rg->H[i * nv + j];
        }
        for (size_t i = 0; i < nv; i++)
            rg->M[i * nv + i] += ridge;
        for (size_t i = 0; i < nv; i++)
            rg->dir[i] = -rg->grad[rg->vis[i]];
        lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (lapack_int)nv, 1, rg->M, (lapack_int)nv,
                                        rg->dir, (lapack_int)nv);
        if (info == 0)
            return STARC_OK;
        ridge = ridge > 0.0 ? ridge * 1e3 : 1e-12;
    }
    return STARC_ELAPACK;
}

/* OM-chi2: a visited state that no active pair touches (none from it, none
 * into it) sees L linear in V(s) with slope grad(s) = (1-gamma) mu0(s) >= 0;
 * Newton's model is useless there.  Lower V(s) exactly to where its best pair
 * becomes active: L falls along the way and no other term changes (pairs into
 * s are inactive and only become more so).  Returns 1 if V moved. */
static int activate_untouched(starc_regularize *rg, double c, double *V)
{
    const size_t S = rg->S, A = rg->A, nv = rg->nv;
    const double *T = starc_mdp_transitions(rg->m);
    const double alpha = 2.0 * c, g = rg->gamma;
    size_t *touched = rg->state_active;
    for (size_t j = 0; j < nv; j++)
        touched[j] = 0;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        if (!(rg->wts[p] > 0.0))
            continue;
        touched[rg->vidx[p / A]] = 1;
        const double *t = T + p * S;
        for (size_t u = 0; u < S; u++)
            if (t[u] > 0.0 && rg->vidx[u] != SIZE_MAX)
                touched[rg->vidx[u]] = 1;
    }
    int moved = 0;
    for (size_t j = 0; j < nv; j++) {
        size_t s = rg->vis[j];
        if (touched[j] || !(rg->grad[s] > 0.0))
            continue;
        double best = INFINITY;
        for (size_t a = 0; a < A; a++) {
            size_t p = s * A + a;
            if (!(rg->mub[p] > 0.0))
                continue;
            /* e_p rises by (1 - gamma T[p,s]) per unit decrease of V(s) */
            double need = (-alpha - rg->e[p]) / (1.0 - g * T[p * S + s]);
            best = fmin(best, need);
        }
        if (isfinite(best) && best > 0.0) {
            V[s] -= best * (1.0 + 1e-9) + 1e-12 * alpha;
            moved = 1;
        }
    }
    return moved;
}

/* The stopping threshold: tol, or the round-off floor of the flow residual
 * when that is larger.  mu = mu_b w(e/alpha) carries an absolute error of
 * about eps (2 |V|_inf + |Rbar_p|_inf) mu / alpha per pair (alpha = 2c for
 * chi2, c for KL), and a state's residual sums about 2A such terms. */
/* The largest round-off floor accepted as convergence (flow residual, in
 * occupancy units): beyond it fewer than six digits of mu are determined. */
#define STARCI_OM_FLOOR_MAX 1e-6

static double om_tolerance(const starc_regularize *rg, enum om_kind kind, double c, const double *V)
{
    const size_t S = rg->S, A = rg->A;
    double vmax = inf_norm(V, S), rmax = inf_norm(rg->Rp, S * A), mmax = 0.0;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        mmax = fmax(mmax, kind == OM_CHI2 ? rg->mub[p] : rg->mu[p]);
    }
    double scale = kind == OM_CHI2 ? 2.0 * c : c;
    double floor = 8.0 * (double)A * DBL_EPSILON * (2.0 * vmax + rmax) * mmax / scale;
    return fmax(rg->opt.tol, floor);
}

/* One line search of om_newton along rg->dir from V (residual *gn): on success
 * V, L, gn and the point's e, mu, grad, wts move to the accepted step and 1 is
 * returned; otherwise 0, with *best_t the trial step (0: none) that most
 * reduced the flow residual. */
static int om_line_search(starc_regularize *rg, enum om_kind kind, double c, double *V, double *L, double *gn,
                          double *best_t)
{
    const size_t S = rg->S, nv = rg->nv;
    double slope = 0.0;
    for (size_t i = 0; i < nv; i++)
        slope += rg->dir[i] * rg->grad[rg->vis[i]];
    /* Line search on the directional derivative phi'(t) = grad L(V + t dir) . dir,
     * which stays accurate where L itself is flat to round-off.  L is convex,
     * so phi' increases: take t = 1 if phi'(1) <= 0.1 |phi'(0)|, otherwise
     * find t in (0, 1) with |phi'(t)| <= 0.1 |phi'(0)| (strong Wolfe) by
     * Illinois regula falsi on phi'. */
    double best_g = *gn;
    *best_t = 0.0;
    if (slope < 0.0) {
        double tlo = 0.0, thi = 1.0, flo = slope, fhi = NAN, t = 1.0;
        int side = 0;
        for (int ls = 0; ls < 80; ls++) {
            memcpy(rg->Vt, V, S * sizeof(double));
            for (size_t i = 0; i < nv; i++)
                rg->Vt[rg->vis[i]] += t * rg->dir[i];
            double Lt = om_eval(rg, kind, c, rg->Vt, rg->et, rg->mut, rg->wts, rg->gradt);
            double ft = INFINITY;
            if (isfinite(Lt)) {
                ft = 0.0;
                for (size_t i = 0; i < nv; i++)
                    ft += rg->dir[i] * rg->gradt[rg->vis[i]];
            }
            if (isfinite(Lt)) {
                double gt = inf_norm(rg->gradt, S);
                if (gt < best_g) {
                    best_g = gt;
                    *best_t = t;
                }
            }
            if (isfinite(Lt) && ft <= 0.1 * fabs(slope) && (ft >= 0.1 * slope || t == 1.0)) {
                memcpy(V, rg->Vt, S * sizeof(double));
                double *tmp;
                tmp = rg->e; rg->e = rg->et; rg->et = tmp;
                tmp = rg->mu; rg->mu = rg->mut; rg->mut = tmp;
                tmp = rg->grad; rg->grad = rg->gradt; rg->gradt = tmp;
                *L = Lt;
                *gn = inf_norm(rg->grad, S);
                return 1;
            }
            if (ft < 0.0) {
                tlo = t;
                flo = ft;
                if (side == -1 && isfinite(fhi))
                    fhi *= 0.5;
                side = -1;
            } else {
                thi = t;
                fhi = ft;
                if (side == 1)
                    flo *= 0.5;
                side = 1;
            }
            if (tlo == 0.0 || thi > 16.0 * tlo) {
                /* Far from bracketed on a log scale: shrink geometrically first. */
                t = tlo == 0.0 ? 0.125 * thi : sqrt(tlo * thi);
            } else {
                t = (tlo * fhi - thi * flo) / (fhi - flo);
                if (!(t > tlo && t < thi) || ls % 6 == 5)
                    t = 0.5 * (tlo + thi);
            }
        }
    }
    return 0;
}

static int om_newton(starc_regularize *rg, enum om_kind kind, double c, double *V, size_t *iters,
                     double *resid, starc_error *err)
{
    const size_t S = rg->S, nv = rg->nv;
    const char *name = kind == OM_CHI2 ? "om-chi2" : "om-kl";
    for (size_t s = 0; s < S; s++)
        if (rg->vidx[s] == SIZE_MAX)
            V[s] = 0.0;
    double L = om_eval(rg, kind, c, V, rg->e, rg->mu, rg->wts, rg->grad);
    if (!isfinite(L))
        return starci_error(err, STARC_ENOCONV, "%s: the starting point overflows", name);
    double gn = inf_norm(rg->grad, S);
    size_t it = 0, since_halved = 0;
    double gref = gn;
    while (gn > om_tolerance(rg, kind, c, V)) {
        if (gn <= 0.5 * gref) {
            gref = gn;
            since_halved = 0;
        } else if (++since_halved > rg->opt.stall_max_iter) {
            *iters = it;
            *resid = gn;
            return starci_error(err, STARC_ENOCONV,
                                "%s: flow residual stagnated at %.3g (tol %g) after %zu Newton steps", name, gn,
                                rg->opt.tol, it);
        }
        if (it >= rg->opt.max_iter) {
            *iters = it;
            *resid = gn;
            return starci_error(err, STARC_ENOCONV, "%s: flow residual %.3g > tol %g after %zu Newton steps",
                                name, gn, rg->opt.tol, it);
        }
        it++;
        if (kind == OM_CHI2 && activate_untouched(rg, c, V)) {
            L = om_eval(rg, kind, c, V, rg->e, rg->mu, rg->wts, rg->grad);
            gn = inf_norm(rg->grad, S);
            if (gn <= rg->opt.tol)
                break;
        }
        if (om_direction(rg, kind, c, 1) != STARC_OK) {
            *iters = it;
            *resid = gn;
            return starci_error(err, STARC_ELAPACK, "%s: Newton system could not be factorised", name);
        }
        double best_t;
        int accepted = om_line_search(rg, kind, c, V, &L, &gn, &best_t);
        if (!accepted && best_t > 0.0) {
            /* Near the round-off floor phi' is too noisy for the Wolfe test:
             * fall back to the trial step that most reduced the flow residual. */
            for (size_t i = 0; i < nv; i++)
                V[rg->vis[i]] += best_t * rg->dir[i];
            L = om_eval(rg, kind, c, V, rg->e, rg->mu, rg->wts, rg->grad);
            gn = inf_norm(rg->grad, S);
            accepted = 1;
        }
        if (!accepted) {
            /* Restore the weights of the current point and give up. */
            om_eval(rg, kind, c, V, rg->e, rg->mu, rg->wts, rg->grad);
            *iters = it;
            *resid = gn;
            return starci_error(err, STARC_ENOCONV,
                                "%s: line search failed at flow residual %.3g (tol %g) after %zu Newton steps",
                                name, gn, rg->opt.tol, it);
        }
        /* om_eval of the accepted trial left its weights in wts already. */
    }
    *iters = it;
    *resid = gn;
    /* Converged means a flow residual (in units of the occupancy, whose mass
     * is 1) of at most tol, or of at most the round-off floor when that floor
     * is itself small.  A floor above STARCI_OM_FLOOR_MAX (a coefficient tiny
     * against the reward's scale, e.g. 1e-300 against rewards of order 1)
     * leaves the occupancy undetermined: that is no convergence. */
    if (gn > rg->opt.tol && gn > STARCI_OM_FLOOR_MAX)
        return starci_error(err, STARC_ENOCONV,
                            "%s: coefficient %g too small for the reward's scale: round-off leaves a flow residual "
                            "of %.3g (tol %g)",
                            name, ldexp(c, -rg->kp), gn, rg->opt.tol);
    return STARC_OK;
}

/* Policy from the dual's primal mu (rows renormalised); base row where mu(s,.) = 0. */
static void policy_from_mu(const starc_regularize *rg, const double *mu, double *pi)
{
    const size_t S = rg->S, A = rg->A;
    for (size_t s = 0; s < S; s++) {
        double z = 0.0;
        for (size_t a = 0; a < A; a++)
            z += mu[s * A + a];
        for (size_t a = 0; a < A; a++)
            pi[s * A + a] = z > 0.0 ? mu[s * A + a] / z : rg->base[s * A + a];
    }
}

/* Start values for the OM duals: warm V, or the base's proxy values. */
static int om_start(starc_regularize *rg, enum om_kind kind, double c, double *V, starc_error *err)
{
    const size_t S = rg->S;
    if (kind == OM_CHI2) {
        if (rg->opt.warm_start && rg->have_chi2) {
            memcpy(V, rg->V_chi2, S * sizeof(double));
            return STARC_OK;
        }
        return eval_values(rg, rg->base, rg->Rp, NULL, V, err);
    }
    if (rg->opt.warm_start && rg->have_kl) {
        memcpy(V, rg->V_kl, S * sizeof(double));
        double L = om_eval(rg, kind, c, V, rg->e, rg->mu, rg->wts, NULL);
        if (isfinite(L))
            return STARC_OK;
    }
    /* The AD-KL soft values at the same coefficient keep every exponent
     * bounded: e = beta log(pi/pi_b) <= beta log(1/pi_b). */
    size_t it;
    double res;
    starc_regularize_options keep = rg->opt;
    rg->opt.tol = fmax(rg->opt.tol, 1e-8);
    int st = solve_adkl(rg, c, rg->pit, &it, &res, err);
    rg->opt = keep;
    if (st == STARC_ENOCONV)
        st = STARC_OK; /* any finite start will do */
    if (st)
        return st;
    memcpy(V, rg->V, S * sizeof(double));
    return STARC_OK;
}

static int solve_om(starc_regularize *rg, enum om_kind kind, double c, double *pi_out, size_t *iters,
                    double *resid, starc_error *err)
{
    double *V = kind == OM_CHI2 ? rg->V_chi2 : rg->V_kl;
    /* om_start may use rg->V (AD-KL); keep the dual iterate in its own array. */
    int st = om_start(rg, kind, c, rg->Vs, err);
    if (st)
        return st;
    memcpy(V, rg->Vs, rg->S * sizeof(double));
    st = om_newton(rg, kind, c, V, iters, resid, err);
    policy_from_mu(rg, rg->mu, pi_out);
    if (!st) {
        if (kind == OM_CHI2)
            rg->have_chi2 = 1;
        else
            rg->have_kl = 1;
    } else {
        if (kind == OM_CHI2)
            rg->have_chi2 = 0;
        else
            rg->have_kl = 0;
    }
    return st;
}

/* chi2 of the dual's primal mu (for the 1-D search). */
static double dual_chi2(const starc_regularize *rg)
{
    double acc = 0.0;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        double x = rg->mu[p] - rg->mub[p];
        acc += x * x / rg->mub[p];
    }
    return acc;
}

/* ---------------------------------------------------------------------- */
/* OM-sqrt-chi2: 1-D search on h(c') = 2 c' sqrt(chi2(c'))                 */

/* Unclipped limit of the OM-chi2 path (all support pairs active): V solves the
 * weighted least-squares problem min sum mu_b (Rbar_p + gamma T V - V)^2,
 * independent of c'.  Gives h_inf = ||e*||_{mu_b} and the smallest c' without
 * clipping, c0 = -min(e*)/2.  Leaves V in rg->V_chi2 (a good warm start). */
static int sqrt_limit(starc_regularize *rg, double *h_inf, double *c0, starc_error *err)
{
    const size_t S = rg->S, A = rg->A, nv = rg->nv;
    double *V = rg->V_chi2;
    memset(V, 0, S * sizeof(double));
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        rg->wts[p] = rg->mub[p];
    }
    /* At V = 0, e = Rbar_p and the gradient of (1/2) sum mu_b e^2 is G^T W Rbar_p;
     * the problem is quadratic, so one Newton step solves it exactly. */
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        rg->e[p] = rg->Rp[p];
    }
    memset(rg->grad, 0, S * sizeof(double));
    const double *T = starc_mdp_transitions(rg->m);
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k], s = p / A;
        double w = rg->mub[p] * rg->e[p];
        const double *t = T + p * S;
        for (size_t u = 0; u < S; u++)
            rg->grad[u] += w * rg->gamma * t[u];
        rg->grad[s] -= w;
    }
    for (size_t s = 0; s < S; s++)
        if (rg->vidx[s] == SIZE_MAX)
            rg->grad[s] = 0.0;
    if (om_direction(rg, OM_KL, 1.0, 0) != STARC_OK)
        return starci_error(err, STARC_ELAPACK, "om-sqrt-chi2: least-squares system could not be factorised");
    for (size_t i = 0; i < nv; i++)
        V[rg->vis[i]] = rg->dir[i];
    starci_dense_q(rg->m, rg->Rp, V, rg->TV);
    /* ||e*||_{mu_b}: the plan's proxy is inside the scale band (see struct
     * starc_regularize), so the squares neither underflow nor overflow. */
    double acc = 0.0, emin = 0.0;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        double ep = rg->TV[p] - V[p / A];
        acc += rg->mub[p] * ep * ep;
        emin = fmin(emin, ep);
    }
    *h_inf = sqrt(acc);
    *c0 = -0.5 * emin;
    rg->have_chi2 = 1;
    return STARC_OK;
}

/* d log h / d log c' at the current OM-chi2 solution (h = 2 c' sqrt(chi2)),
 * from differentiating grad L = 0 with the active set fixed:
 * dV/dalpha = -H^{-1} b, b = sum_active (-mu_b e / alpha^2) g_p. */
static double sqrt_slope(starc_regularize *rg, double c, double chi2)
{
    const size_t S = rg->S, A = rg->A, nv = rg->nv;
    const double *T = starc_mdp_transitions(rg->m);
    const double alpha = 2.0 * c, g = rg->gamma;
    double *b = rg->gradt;
    memset(b, 0, S * sizeof(double));
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        if (!(rg->wts[p] > 0.0))
            continue;
        double cp = -rg->mub[p] * rg->e[p] / (alpha * alpha);
        const double *t = T + p * S;
        for (size_t u = 0; u < S; u++)
            b[u] += cp * g * t[u];
        b[p / A] -= cp;
    }
    /* om_direction solves H dir = -grad: point it at b, then restore. */
    double *keep = rg->grad;
    rg->grad = b;
    int st = om_direction(rg, OM_CHI2, c, 0);
    rg->grad = keep;
    if (st)
        return NAN;
    double *dV = rg->Vt;
    memset(dV, 0, S * sizeof(double));
    for (size_t i = 0; i < nv; i++)
        dV[rg->vis[i]] = rg->dir[i];
    double dchi2 = 0.0;
    for (size_t k = 0; k < rg->npair; k++) {
        size_t p = rg->pairs[k];
        if (!(rg->wts[p] > 0.0))
            continue;
        const double *t = T + p * S;
        double gd = -dV[p / A];
        for (size_t u = 0; u < S; u++)
            gd += g * t[u] * dV[u];
        double mb = rg->mub[p], dmu = mb / alpha * gd - mb * rg->e[p] / (alpha * alpha);
        dchi2 += 2.0 * (rg->mu[p] - mb) / mb * dmu;
    }
    /* dchi2/dc' = 2 dchi2/dalpha */
    return 1.0 + c * dchi2 / chi2;
}

/* The safeguarded Newton step of solve_sqrt's search from u (f = f(u), slope
 * = f'(u)) inside the bracket (ulo, uhi): bisection where Newton leaves it. */
static double sqrt_next_u(double u, double f, double slope, double ulo, double uhi)
{
    double un = u - f / slope;
    /* Unbracketed from below: move down by at most a factor e^3 per step. */
    if (!isfinite(ulo) && un < u - 3.0)
        un = u - 3.0;
    if (!(slope > 0.0) || !isfinite(un) || !(un > ulo && un < uhi))
        un = isfinite(ulo) ? 0.5 * (ulo + uhi) : u - 1.5;
    return un;
}

static int solve_sqrt(starc_regularize *rg, double lambda, double *pi_out, double *inner, size_t *iters,
                      double *resid, starc_error *err)
{
    size_t total = 0, it;
    double res = 0.0;
    double h_inf = 0.0, c0 = 0.0;
    int st;
    /* The search's warm starts live in V_chi2; a previous OM-chi2 solve is a fine start too. */
    int keep_warm = rg->opt.warm_start && rg->have_chi2;
    double *Vkeep = NULL;
    if (keep_warm) {
        Vkeep = starci_dalloc(rg->S);
        if (!Vkeep)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        memcpy(Vkeep, rg->V_chi2, rg->S * sizeof(double));
    }
    st = sqrt_limit(rg, &h_inf, &c0, err);
    if (st) {
        free(Vkeep);
        return st;
    }
    if (lambda >= h_inf * (1.0 - 1e-12)) {
        /* The base itself is optimal: sup over the path of the frontier's slope is h_inf. */
        memcpy(pi_out, rg->base, rg->S * rg->A * sizeof(double));
        *inner = INFINITY;
        *iters = 0;
        *resid = 0.0;
        free(Vkeep);
        return STARC_OK;
    }
    if (Vkeep)
        memcpy(rg->V_chi2, Vkeep, rg->S * sizeof(double));
    free(Vkeep);
    /* Safeguarded Newton on f(u) = log h(e^u) - log lambda, u = log c'.  h is
     * continuous and non-decreasing (the Pareto frontier of proxy return
     * against sqrt(chi2) is concave) and equals h_inf for c' >= c0, so
     * u < log c0 is bracketed from above; the slope comes from differentiating
     * the dual optimality condition (sqrt_slope). */
    double uhi = log(c0), ulo = -INFINITY;
    double c = c0 * lambda / h_inf;
    if (rg->opt.warm_start && isfinite(rg->last_inner) && rg->last_inner > 0.0 && rg->last_inner < c0)
        c = rg->last_inner;
    /* Inside the search every OM-chi2 solve starts from the previous one (the first from the
     * least-squares limit, or the caller's warm start), whatever the warm_start option says. */
    int user_warm = rg->opt.warm_start;
    rg->opt.warm_start = 1;
    double u = log(c);
    for (size_t k = 0;; k++) {
        if (k >= rg->opt.search_max_iter) {
            st = starci_error(err, STARC_ENOCONV, "om-sqrt-chi2: 1-D search did not reach tolerance %g in %zu steps",
                              rg->opt.search_tol, rg->opt.search_max_iter);
            goto fail;
        }
        c = exp(u);
        st = solve_om(rg, OM_CHI2, c, rg->pit, &it, &res, err);
        total += it;
        if (st)
            goto fail;
        double chi2 = dual_chi2(rg), h = 2.0 * c * sqrt(chi2);
        if (fabs(h - lambda) <= rg->opt.search_tol * lambda)
            break;
        double f = h > 0.0 ? log(h / lambda) : -INFINITY;
        if (f < 0.0)
            ulo = u;
        else
            uhi = u;
        if (uhi - ulo <= 1e-15 * fmax(1.0, fabs(uhi)))
            break;
        u = sqrt_next_u(u, f, h > 0.0 ? sqrt_slope(rg, c, chi2) : NAN, ulo, uhi);
    }
    rg->opt.warm_start = user_warm;
    policy_from_mu(rg, rg->mu, pi_out);
    rg->last_inner = c;
    *inner = c;
    *iters = total;
    *resid = res;
    return STARC_OK;
fail:
    rg->opt.warm_start = user_warm;
    *iters = total;
    *resid = res;
    *inner = NAN;
    return st;
}

/* ---------------------------------------------------------------------- */

/* The solve itself: the optimum into rg->pit, res's solver fields. */
static int solve_only(starc_regularize *rg, starc_regularize_method method, double coef,
                      starc_regularize_result *res, starc_error *err)
{
    if (!rg || !res)
        return starci_error(err, STARC_EINVAL, "regulariser and result must not be NULL");
    if ((unsigned)method >= STARC_REGULARIZE_METHOD_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown regularisation method %d", (int)method);
    if (!(coef > 0.0) || !isfinite(coef))
        return starci_error(err, STARC_EINVAL, "%s: coefficient %g must be finite and > 0",
                            method_names[method], coef);
    memset(res, 0, sizeof *res);
    double *pol = rg->pit;
    size_t it = 0;
    double resid = 0.0, inner = coef;
    int st;
    /* The coefficient in the plan's units (it scales with the proxy). */
    double cs = ldexp(coef, rg->kp);
    if (cs == 0.0) {
        /* coef / max |Rbar_p| < 2^-1074.  The OM methods fail there anyway (their round-off floor,
         * om_newton); AD-KL's optimum is the hard maximum on the base's support, which the
         * smallest positive coefficient gives to double precision. */
        if (method != STARC_REGULARIZE_AD_KL)
            return starci_error(err, STARC_ENOCONV,
                                "%s: coefficient %g too small for the reward's scale (max |Rbar_p| = %g): it "
                                "underflows relative to it",
                                method_names[method], coef, ldexp(inf_norm(rg->Rp, rg->S * rg->A), -rg->kp));
        cs = nextafter(0.0, 1.0);
    }
    if (isinf(cs)) {
        /* coef / max |Rbar_p| > 2^1023: the optimum moves off the base by
         * less than 2^-1022 relative; the base is it to double precision. */
        memcpy(pol, rg->base, rg->S * rg->A * sizeof(double));
        inner = method == STARC_REGULARIZE_OM_SQRT_CHI2 ? INFINITY : coef;
        st = STARC_OK;
    } else {
        /* A sparse MDP: the OM methods' dense Newton systems run on the expanded MDP. */
        const starc_mdp *keep_m = rg->m;
        if (rg->sparse && method != STARC_REGULARIZE_AD_KL) {
            if (!rg->om_m)
                return starci_error(err, STARC_EINVAL,
                                    "%s on a sparse MDP needs S*A*S <= %zu (S=%zu, A=%zu): its Newton system is dense "
                                    "(see docs/sparse.md); use ad-kl",
                                    method_names[method], STARCI_REGULARIZE_OM_MAX_SAS, rg->S, rg->A);
            rg->m = rg->om_m;
        }
        switch (method) {
        case STARC_REGULARIZE_AD_KL:
            st = solve_adkl(rg, cs, pol, &it, &resid, err);
            break;
        case STARC_REGULARIZE_OM_CHI2:
            st = solve_om(rg, OM_CHI2, cs, pol, &it, &resid, err);
            break;
        case STARC_REGULARIZE_OM_KL:
            st = solve_om(rg, OM_KL, cs, pol, &it, &resid, err);
            break;
        default:
            st = solve_sqrt(rg, cs, pol, &inner, &it, &resid, err);
            inner = ldexp(inner, -rg->kp);
            break;
        }
        rg->m = keep_m;
    }
    res->method = method;
    res->coef = coef;
    res->inner_coef = inner;
    res->converged = st == STARC_OK;
    res->iterations = it;
    res->residual = resid;
    return st;
}

int starc_regularize_solve(starc_regularize *rg, starc_regularize_method method, double coef,
                            double *pi, starc_regularize_result *res, starc_error *err)
{
    int st = solve_only(rg, method, coef, res, err);
    if (st != STARC_OK && st != STARC_ENOCONV) {
        if (res)
            memset(res, 0, sizeof *res);
        return st;
    }
    const starc_regularize_result sol = *res;
    double *pol = rg->pit;
    /* Diagnose even an unconverged iterate, so callers can see how far it got. */
    starc_error derr;
    int st2 = diagnose(rg, pol, method, coef, res, &derr);
    if (st2) {
        if (err)
            *err = derr;
        return st2;
    }
    res->inner_coef = sol.inner_coef;
    res->converged = sol.converged;
    res->iterations = sol.iterations;
    res->residual = sol.residual;
    if (pi)
        memcpy(pi, pol, rg->S * rg->A * sizeof(double));
    return st;
}

int starci_regularize_solve_policy(starc_regularize *rg, starc_regularize_method method, double coef, double *pi,
                                   starc_regularize_result *res, starc_error *err)
{
    int st = solve_only(rg, method, coef, res, err);
    if (st != STARC_OK && st != STARC_ENOCONV)
        return st;
    rg->have_sol = 0;
    if (pi)
        memcpy(pi, rg->pit, rg->S * rg->A * sizeof(double));
    return st;
}
