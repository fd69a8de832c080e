#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "sparse-internal.h"
#include "starc/fit.h"
#include "policy-internal.h"
#include "regularize-internal.h"
#include "starc/overopt.h"
#include "starc/policy.h"
#include "starc/proxy.h"
#include "starc/regularize.h"

/* ================================================================ Gao fits */

/* Both are wrappers over starc/fit.h, libstarc's one fitting code path. */

double starc_overopt_gao_eval(starc_overopt_gao_form form, double alpha, double beta, double d)
{
    return starc_fit_eval(form == STARC_OVEROPT_GAO_BON ? STARC_FIT_BON : STARC_FIT_RL, alpha, beta, NAN, d);
}

int starc_overopt_gao_fit_points(starc_overopt_gao_form form, size_t n, const double *d, const double *y,
                                 starc_overopt_gao_fit *fit, starc_error *err)
{
    if (form != STARC_OVEROPT_GAO_BON && form != STARC_OVEROPT_GAO_RL)
        return starci_error(err, STARC_EINVAL, "unknown Gao form %d", (int)form);
    starc_fit_options o;
    starc_fit_options_default(&o);
    o.bootstrap = 0;
    starc_fit_result r;
    const starc_fit_form f = form == STARC_OVEROPT_GAO_BON ? STARC_FIT_BON : STARC_FIT_RL;
    int st = starc_fit_points(f, n, d, y, &o, &r, NULL, err);
    if (st)
        return st;
    fit->form = form;
    fit->n = r.n;
    fit->alpha = r.alpha;
    fit->beta = r.beta;
    fit->r2 = r.r2;
    fit->rss = r.rss;
    fit->peak_d = r.peak_d;
    fit->peak_kl = r.peak_kl;
    fit->peak_value = r.peak_value;
    return STARC_OK;
}

/* ============================================================== best-of-n */

typedef struct bon_item {
    double score;
    size_t idx;
} bon_item;

static int bon_cmp_desc(const void *a, const void *b)
{
    const bon_item *x = a, *y = b;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* One state's best-of-n row; items is scratch for A entries. */
static void bon_row(size_t A, const double *p, const double *score, size_t n, double tol, double *out,
                    double *kl, bon_item *items)
{
    size_t k = 0;
    double total = 0.0;
    for (size_t a = 0; a < A; a++) {
        out[a] = 0.0;
        if (p[a] > 0.0) {
            items[k].score = score[a];
            items[k].idx = a;
            k++;
            total += p[a];
        }
    }
    qsort(items, k, sizeof *items, bon_cmp_desc);
    /* Mass strictly below each class is accumulated from the bottom so that the
     * lowest class has F^- = 0 exactly; classes are found from the top. */
    double below = total, klsum = 0.0;
    size_t i = 0;
    while (i < k) {
        size_t j = i;
        double pc = 0.0;
        while (j < k && items[j].score >= items[i].score - tol)
            pc += p[items[j++].idx];
        below -= pc;
        if (j == k)
            below = 0.0;
        double Fm = fmax(0.0, below / total), F = fmin(1.0, (below + pc) / total);
        if (i == 0)
            F = 1.0;
        double Pn = n == 1 ? pc / total : pow(F, (double)n) - pow(Fm, (double)n);
        if (Pn < 0.0)
            Pn = 0.0;
        for (size_t q = i; q < j; q++)
            out[items[q].idx] = p[items[q].idx] / pc * Pn;
        if (Pn > 0.0)
            klsum += Pn * log(Pn / (pc / total));
        i = j;
    }
    if (kl)
        *kl = fmax(0.0, klsum);
}

int starc_overopt_bon_distribution(size_t A, const double *p, const double *score, size_t n, double tol,
                           double *out, double *kl, starc_error *err)
{
    if (A == 0)
        return starci_error(err, STARC_EDIM, "best-of-n needs at least one action");
    if (n == 0)
        return starci_error(err, STARC_EINVAL, "best-of-n needs n >= 1");
    if (!(tol >= 0.0) || !isfinite(tol))
        return starci_error(err, STARC_EINVAL, "tie tolerance %g is not a finite value >= 0", tol);
    double sum = 0.0;
    for (size_t a = 0; a < A; a++) {
        if (!isfinite(p[a]) || p[a] < 0.0)
            return starci_error(err, STARC_EINVAL, "base probability %zu = %g is negative or not finite", a, p[a]);
        if (!isfinite(score[a]))
            return starci_error(err, STARC_EINVAL, "score %zu is not finite", a);
        sum += p[a];
    }
    if (fabs(sum - 1.0) > STARC_MDP_PROB_TOL)
        return starci_error(err, STARC_EINVAL, "base probabilities sum to %.17g, not 1", sum);
    bon_item *items = malloc(A * sizeof *items);
    if (!items)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    bon_row(A, p, score, n, tol, out, kl, items);
    free(items);
    return STARC_OK;
}

/* ============================================================ the plan */

struct starc_overopt {
    const starc_mdp *m;
    size_t S, A;
    double gamma;
    int sparse;            /* m is sparse: every solve by the policy engine (docs/sparse.md) */
    double *Rbar_t, *Rbar_p;
    double *pi_b, *d_b, *mu_b;
    double *Qp_b;          /* proxy Q of the base policy */
    size_t *act_p;         /* proxy-optimal actions */
    starc_overopt_info info;
    starc_overopt_options opt; /* the plan's options, or a sweep's for the duration of the call */
    starc_regularize *rg; /* regularised solvers, warm-started along a path */
    double *pol;           /* S*A scratch policy */
    /* scratch for evaluation */
    double *V, *d, *mu;
    bon_item *items;
};

void starc_overopt_free(starc_overopt *p)
{
    if (!p)
        return;
    free(p->Rbar_t);
    free(p->Rbar_p);
    free(p->pi_b);
    free(p->d_b);
    free(p->mu_b);
    free(p->Qp_b);
    free(p->act_p);
    free(p->V);
    free(p->d);
    free(p->mu);
    free(p->items);
    free(p->pol);
    starc_regularize_free(p->rg);
    free(p);
}

static int check_options(const starc_overopt_options *o, starc_error *err);

/* The plan's facts (starc_overopt_info): the base policy's occupancy and
 * returns, the CP statistics under mu_b, the proxy-optimal policy's returns
 * and the true reward's range; and the regularizer. */
static int plan_facts(starc_overopt *p, const starc_mdp *m, const double *pi_b, const starc_overopt_options *opt,
                      starc_error *err)
{
    const size_t SA = p->S * p->A;
    starc_policy_workspace *ws = NULL;
    starc_policy_evaluator *ev = NULL;
    int st = starc_policy_workspace_alloc(p->S, p->A, &ws, err);
    if (st)
        return st;
    if ((st = starc_policy_evaluator_alloc(m, pi_b, &ev, err)))
        goto fail;
    if ((st = starc_policy_evaluator_occupancy(ev, p->d_b, p->mu_b, err)) ||
        (st = starc_policy_evaluator_values_rbar(ev, p->Rbar_t, p->V, NULL, err))) {
        st = starci_error(err, st, "evaluating the base policy failed");
        goto fail;
    }
    p->info.base_true_return = starc_policy_values_return(m, p->V);
    if ((st = starc_policy_evaluator_values_rbar(ev, p->Rbar_p, p->V, p->Qp_b, err))) {
        st = starci_error(err, st, "evaluating the base policy failed");
        goto fail;
    }
    p->info.base_proxy_return = starc_policy_values_return(m, p->V);

    /* CP statistics under mu_b (docs/theory.md §5), by the proxy module. */
    starc_proxy_stats ps;
    if ((st = starc_proxy_weighted_stats(SA, p->mu_b, p->Rbar_t, p->Rbar_p, NULL, &ps, err)))
        goto fail;
    p->info.r = ps.r;
    p->info.sigma_true = ps.sigma_true;
    p->info.sigma_proxy = ps.sigma_proxy;
    if ((st = starc_regularize_alloc_rbar(m, p->Rbar_t, p->Rbar_p, pi_b, &opt->regularize_options, &p->rg, err)))
        goto fail;

    if ((st = starc_policy_optimal_rbar(m, p->Rbar_p, NULL, p->act_p, p->V, NULL, ws, err)))
        goto fail;
    p->info.proxy_optimal_proxy_return = starc_policy_values_return(m, p->V);
    starc_policy_from_actions(m, p->act_p, p->mu);
    if ((st = starc_policy_return_rbar(m, p->mu, p->Rbar_t, &p->info.proxy_optimal_true_return, ws, err)))
        goto fail;
    starc_policy_range_result rng;
    if ((st = starc_policy_range_rbar(m, p->Rbar_t, NULL, &rng, ws, err)))
        goto fail;
    p->info.true_optimal_return = rng.optimal_return;
    p->info.true_worst_return = rng.worst_return;
    p->info.true_range = fmax(0.0, p->info.true_optimal_return - p->info.true_worst_return);

    st = STARC_OK;
fail:
    starc_policy_evaluator_free(ev);
    starc_policy_workspace_free(ws);
    return st;
}

/* The engine options of a sparse plan's solves: the defaults with the engine
 * of the regularised solvers (starc_overopt_options.regularize_options.engine). */
static starc_policy_options plan_engine(const starc_overopt_options *opt)
{
    starc_policy_options po;
    starc_policy_options_default(&po);
    po.engine = opt->regularize_options.engine;
    return po;
}

/* J(pi) = sum mu Rbar / (1 - gamma) from the normalised occupancy mu (S*A). */
static double occupancy_return(const starc_overopt *p, const double *mu, const double *Rbar)
{
    double acc = 0.0;
    for (size_t i = 0; i < p->S * p->A; i++)
        acc += mu[i] * Rbar[i];
    return acc / (1.0 - p->gamma);
}

/* plan_facts() on a sparse MDP (docs/sparse.md, "Proxies, regularisers and
 * overopt"): the same facts, each solve by the policy engine; the base's
 * returns from its occupancy, as starc_overopt_evaluate() measures every
 * point, so the base itself has true_delta = proxy_delta = 0. */
static int plan_facts_sparse(starc_overopt *p, const starc_mdp *m, const double *pi_b,
                             const starc_overopt_options *opt, starc_error *err)
{
    const size_t SA = p->S * p->A;
    const starc_policy_options po = plan_engine(opt);
    int st = starc_policy_solve(m, pi_b, p->Rbar_p, &po, p->V, p->Qp_b, p->d_b, p->mu_b, err);
    if (st)
        return starci_error(err, st, "evaluating the base policy failed");
    p->info.base_true_return = occupancy_return(p, p->mu_b, p->Rbar_t);
    p->info.base_proxy_return = occupancy_return(p, p->mu_b, p->Rbar_p);

    starc_proxy_stats ps;
    if ((st = starc_proxy_weighted_stats(SA, p->mu_b, p->Rbar_t, p->Rbar_p, NULL, &ps, err)))
        return st;
    p->info.r = ps.r;
    p->info.sigma_true = ps.sigma_true;
    p->info.sigma_proxy = ps.sigma_proxy;
    if ((st = starc_regularize_alloc_rbar(m, p->Rbar_t, p->Rbar_p, pi_b, &opt->regularize_options, &p->rg, err)))
        return st;

    if ((st = starc_policy_optimal_rbar(m, p->Rbar_p, &po, p->act_p, p->V, NULL, NULL, err)))
        return st;
    p->info.proxy_optimal_proxy_return = starc_policy_values_return(m, p->V);
    starc_policy_from_actions(m, p->act_p, p->mu);
    if ((st = starc_policy_solve(m, p->mu, p->Rbar_t, &po, p->V, NULL, NULL, NULL, err)))
        return st;
    p->info.proxy_optimal_true_return = starc_policy_values_return(m, p->V);
    starc_policy_range_result rng;
    if ((st = starc_policy_range_rbar(m, p->Rbar_t, &po, &rng, NULL, err)))
        return st;
    p->info.true_optimal_return = rng.optimal_return;
    p->info.true_worst_return = rng.worst_return;
    p->info.true_range = fmax(0.0, p->info.true_optimal_return - p->info.true_worst_return);
    return STARC_OK;
}

/* The plan from the expected rewards (validated by the caller's alloc). */
static int plan_alloc(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *pi_b,
                      const starc_overopt_options *opt, starc_overopt **out, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), SA = S * A;
    starc_overopt *p = calloc(1, sizeof *p);
    if (!p)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    p->m = m;
    p->S = S;
    p->A = A;
    p->gamma = starc_mdp_gamma(m);
    p->sparse = starc_mdp_is_sparse(m);
    p->opt = *opt;
    p->Rbar_t = starci_dalloc(SA);
    p->Rbar_p = starci_dalloc(SA);
    p->pi_b = starci_dalloc(SA);
    p->d_b = starci_dalloc(S);
    p->mu_b = starci_dalloc(SA);
    p->Qp_b = starci_dalloc(SA);
    p->act_p = calloc(S, sizeof(size_t));
    p->V = starci_dalloc(S);
    p->d = starci_dalloc(S);
    p->mu = starci_dalloc(SA);
    p->items = malloc(A * sizeof(bon_item));
    p->pol = starci_dalloc(SA);
    int st;
    if (!p->Rbar_t || !p->Rbar_p || !p->pi_b || !p->d_b || !p->mu_b || !p->Qp_b || !p->act_p || !p->V || !p->d ||
        !p->mu || !p->items || !p->pol) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(p->Rbar_t, Rbar_t, SA * sizeof(double));
    memcpy(p->Rbar_p, Rbar_p, SA * sizeof(double));
    memcpy(p->pi_b, pi_b, SA * sizeof(double));
    if ((st = p->sparse ? plan_facts_sparse(p, m, pi_b, opt, err) : plan_facts(p, m, pi_b, opt, err)))
        goto fail;
    *out = p;
    return STARC_OK;
fail:
    starc_overopt_free(p);
    return st;
}

int starc_overopt_alloc(const starc_mdp *m, const double *Rt, const double *Rp, const double *pi_b,
                        const starc_overopt_options *opt, starc_overopt **out, starc_error *err)
{
    if (starci_sparse_refuse(m, "starc_overopt_alloc (S*A*S rewards; starc_overopt_alloc_rbar takes Rbar)", err))
        return STARC_EINVAL;
    *out = NULL;
    starc_overopt_options def;
    if (!opt) {
        starc_overopt_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t SA, SAS;
    if (!starci_mul_ok(S, A, &SA) || !starci_mul3_ok(S, A, S, &SAS))
        return starci_error(err, STARC_EDIM, "S*A*S overflows");
    st = starci_policy_check(m, pi_b, opt->prob_tol, err);
    if (st)
        return st;
    for (size_t i = 0; i < SAS; i++)
        if (!isfinite(Rt[i]) || !isfinite(Rp[i]))
            return starci_error(err, STARC_EINVAL, "%s reward entry %zu is not finite",
                                isfinite(Rt[i]) ? "proxy" : "true", i);
    double *bt = starci_dalloc(SA), *bp = starci_dalloc(SA);
    if (!bt || !bp) {
        free(bt);
        free(bp);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    starc_mdp_reward_expected(m, Rt, bt);
    starc_mdp_reward_expected(m, Rp, bp);
    st = plan_alloc(m, bt, bp, pi_b, opt, out, err);
    free(bt);
    free(bp);
    return st;
}

int starc_overopt_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *pi_b,
                             const starc_overopt_options *opt, starc_overopt **out, starc_error *err)
{
    *out = NULL;
    if (!m || !Rbar_t || !Rbar_p || !pi_b)
        return starci_error(err, STARC_EINVAL, "starc_overopt_alloc_rbar: NULL argument");
    starc_overopt_options def;
    if (!opt) {
        starc_overopt_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t SA;
    if (!starci_mul_ok(S, A, &SA))
        return starci_error(err, STARC_EDIM, "S*A overflows");
    if ((st = starci_policy_check(m, pi_b, opt->prob_tol, err)))
        return st;
    for (size_t i = 0; i < SA; i++)
        if (!isfinite(Rbar_t[i]) || !isfinite(Rbar_p[i]))
            return starci_error(err, STARC_EINVAL, "%s expected reward entry %zu is not finite",
                                isfinite(Rbar_t[i]) ? "proxy" : "true", i);
    return plan_alloc(m, Rbar_t, Rbar_p, pi_b, opt, out, err);
}

void starc_overopt_get_info(const starc_overopt *p, starc_overopt_info *info)
{
    *info = p->info;
}

void starc_overopt_proxy_optimal_policy(const starc_overopt *p, double *pi)
{
    starc_policy_from_actions(p->m, p->act_p, pi);
}

/* CP's tight lower bound (Liu, Sun, Zheng; docs/theory.md §5) on the normalised true
 * change, from the proxy module, converted to unnormalised units. */
static double cp_tight_bound(const starc_overopt *p, double proxy_delta, double chi2)
{
    const starc_overopt_info *inf = &p->info;
    double g = 1.0 - p->gamma, ba, bb, bt;
    starc_proxy_bounds(inf->r, inf->sigma_true, inf->sigma_proxy, g * proxy_delta, chi2, &ba, &bb, &bt);
    return bt / g;
}

static int point_divergences(starc_overopt *p, const double *pi, double coef, starc_overopt_point *pt);

int starc_overopt_evaluate(starc_overopt *p, const double *pi, double coef, starc_overopt_point *pt,
                           starc_error *err)
{
    int st = starci_policy_check(p->m, pi, p->opt.prob_tol, err);
    if (st)
        return st;
    if (p->sparse) {
        /* One solve by the engine: the occupancy, and both returns from it. */
        const starc_policy_options po = plan_engine(&p->opt);
        if ((st = starc_policy_solve(p->m, pi, NULL, &po, NULL, NULL, p->d, p->mu, err)))
            return starci_error(err, st, "evaluating a policy failed");
        pt->true_return = occupancy_return(p, p->mu, p->Rbar_t);
        pt->proxy_return = occupancy_return(p, p->mu, p->Rbar_p);
        return point_divergences(p, pi, coef, pt);
    }
    starc_policy_evaluator *ev = NULL;
    if ((st = starc_policy_evaluator_alloc(p->m, pi, &ev, err)))
        return st;
    if ((st = starc_policy_evaluator_occupancy(ev, p->d, p->mu, err)) ||
        (st = starc_policy_evaluator_values_rbar(ev, p->Rbar_t, p->V, NULL, err))) {
        starc_policy_evaluator_free(ev);
        return starci_error(err, st, "evaluating a policy failed");
    }
    pt->true_return = starc_policy_values_return(p->m, p->V);
    if ((st = starc_policy_evaluator_values_rbar(ev, p->Rbar_p, p->V, NULL, err))) {
        starc_policy_evaluator_free(ev);
        return starci_error(err, st, "evaluating a policy failed");
    }
    starc_policy_evaluator_free(ev);
    pt->proxy_return = starc_policy_values_return(p->m, p->V);
    return point_divergences(p, pi, coef, pt);
}

/* The rest of a point from its returns, p->d and p->mu (pi's occupancy). */
static int point_divergences(starc_overopt *p, const double *pi, double coef, starc_overopt_point *pt)
{
    const size_t S = p->S, A = p->A;
    pt->coef = coef;
    pt->true_delta = pt->true_return - p->info.base_true_return;
    pt->proxy_delta = pt->proxy_return - p->info.base_proxy_return;

    const double eps = p->opt.support_tol;
    double kln = 0.0, c2 = 0.0;
    int klinf = 0, c2inf = 0;
    for (size_t s = 0; s < S; s++) {
        double ks = 0.0;
        for (size_t a = 0; a < A; a++) {
            double q = pi[s * A + a], b = p->pi_b[s * A + a];
            if (q > 0.0) {
                if (b > 0.0)
                    ks += q * log(q / b);
                else if (p->d[s] > eps)
                    klinf = 1;
            }
            double mb = p->mu_b[s * A + a], mq = p->mu[s * A + a];
            /* sum (mu - mu_b)^2 / mu_b equals sum mu^2/mu_b - 1 for normalised occupancies and
             * avoids its cancellation near the base policy. */
            if (mb > eps)
                c2 += (mq - mb) * (mq - mb) / mb;
            else if (mq > eps)
                c2inf = 1;
        }
        if (p->d[s] > eps)
            kln += p->d[s] * ks;
    }
    pt->kl_normalized = klinf ? INFINITY : fmax(0.0, kln);
    pt->kl = pt->kl_normalized / (1.0 - p->gamma);
    pt->d = sqrt(pt->kl);
    pt->chi2 = c2inf ? INFINITY : c2;
    pt->bound = cp_tight_bound(p, pt->proxy_delta, pt->chi2);
    return STARC_OK;
}

static int bon_path_point(starc_overopt *p, size_t n, double tie_tol, double *pi, starc_overopt_point *pt,
                          starc_error *err);

int starc_overopt_bon(starc_overopt *p, size_t n, const starc_overopt_options *o, double *pi,
                      starc_overopt_point *pt, starc_error *err)
{
    if (!o)
        return bon_path_point(p, n, p->opt.tie_tol, pi, pt, err);
    int st = check_options(o, err);
    if (st)
        return st;
    starc_overopt_options keep = p->opt;
    p->opt = *o;
    st = bon_path_point(p, n, o->tie_tol, pi, pt, err);
    p->opt = keep;
    return st;
}

/* starc_overopt_bon() with the plan's current options and tie tolerance tie_tol. */
static int bon_path_point(starc_overopt *p, size_t n, double tie_tol, double *pi, starc_overopt_point *pt,
                          starc_error *err)
{
    const size_t S = p->S, A = p->A;
    if (n == 0)
        return starci_error(err, STARC_EINVAL, "best-of-n needs n >= 1");
    if (!(tie_tol >= 0.0) || !isfinite(tie_tol))
        return starci_error(err, STARC_EINVAL, "tie tolerance %g is not a finite value >= 0", tie_tol);
    double *q = starci_dalloc(S * A);
    if (!q)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    /* Ties: policy iteration's rule (policy-internal.h), relative to each
     * state's own action values, so the policy does not change when the
     * proxy is scaled. */
    const double qfloor = starci_policy_tie_floor(p->Qp_b, S * A, S);
    for (size_t s = 0; s < S; s++) {
        const double *Q = p->Qp_b + s * A;
        double qmax = Q[0];
        for (size_t a = 1; a < A; a++)
            qmax = fmax(qmax, Q[a]);
        bon_row(A, p->pi_b + s * A, Q, n, starci_policy_tie_tol(tie_tol, qmax, qfloor), q + s * A, NULL, p->items);
    }
    int st = STARC_OK;
    if (pt)
        st = starc_overopt_evaluate(p, q, (double)n, pt, err);
    if (!st && pi)
        memcpy(pi, q, S * A * sizeof(double));
    free(q);
    return st;
}


/* ================================================================ sweeps */

static const char *const method_names[STARC_OVEROPT_METHOD_COUNT] = {"ad-kl", "om-chi2", "om-sqrt-chi2", "om-kl",
                                                                      "bon"};
static const starc_regularize_method reg_of[4] = {STARC_REGULARIZE_AD_KL, STARC_REGULARIZE_OM_CHI2,
                                                  STARC_REGULARIZE_OM_SQRT_CHI2,
                                           STARC_REGULARIZE_OM_KL};

const char *starc_overopt_method_name(starc_overopt_method method)
{
    return (unsigned)method < STARC_OVEROPT_METHOD_COUNT ? method_names[method] : NULL;
}

int starc_overopt_method_parse(const char *name, starc_overopt_method *method, starc_error *err)
{
    for (int i = 0; i < STARC_OVEROPT_METHOD_COUNT; i++)
        if (name && strcmp(name, method_names[i]) == 0) {
            *method = (starc_overopt_method)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not one of ad-kl, om-chi2, om-sqrt-chi2, om-kl, bon",
                        name ? name : "(null)");
}

void starc_overopt_options_default(starc_overopt_options *o)
{
    o->coef_min = 0.0;
    o->coef_max = 0.0;
    o->points = 41;
    o->range_tol = 1e-3;
    o->range_max_steps = 200;
    o->bon_max = 1000;
    o->tie_tol = STARC_OVEROPT_BON_TIE_TOL;
    starc_regularize_options_default(&o->regularize_options);
    o->prob_tol = STARC_MDP_PROB_TOL;
    o->support_tol = STARC_OVEROPT_SUPPORT_TOL;
    o->gain_tol = 1e-12;
    o->flat_tol = 1e-9;
}

/* A warm-started solve that does not converge is retried once from the base
 * policy: warm starts are a speed-up, and a cold start has its own stopping rule. */
static int reg_solve(starc_overopt *p, starc_regularize_method m, double c, double *pi, starc_regularize_result *res,
                     starc_error *err)
{
    int st = starc_regularize_solve(p->rg, m, c, pi, res, err);
    if (st == STARC_ENOCONV) {
        starc_regularize_reset(p->rg);
        st = starc_regularize_solve(p->rg, m, c, pi, res, err);
    }
    return st;
}

/* reg_solve() for a caller that evaluates pi itself (starc_overopt_evaluate):
 * the regulariser's own diagnostics (an exact solve per point, unused) are
 * skipped; the same policies and statuses. */
static int reg_solve_policy(starc_overopt *p, starc_regularize_method m, double c, double *pi, starc_error *err)
{
    starc_regularize_result res;
    int st = starci_regularize_solve_policy(p->rg, m, c, pi, &res, err);
    if (st == STARC_ENOCONV) {
        starc_regularize_reset(p->rg);
        st = starci_regularize_solve_policy(p->rg, m, c, pi, &res, err);
    }
    return st;
}

int starc_overopt_solve(starc_overopt *p, starc_overopt_method method, double coef, const starc_regularize_options *opt,
                        double *pi, starc_overopt_point *pt, starc_error *err)
{
    if ((unsigned)method >= STARC_OVEROPT_BON)
        return starci_error(err, STARC_EINVAL, "method %d is not a regularised method", (int)method);
    int st;
    if (opt && (st = starc_regularize_set_options(p->rg, opt, err)))
        return st;
    if ((st = reg_solve_policy(p, reg_of[method], coef, p->pol, err)))
        return st;
    if (pt && (st = starc_overopt_evaluate(p, p->pol, coef, pt, err)))
        return st;
    if (pi)
        memcpy(pi, p->pol, p->S * p->A * sizeof(double));
    return STARC_OK;
}

/* Fraction of the achievable proxy gain reached at coefficient c. */
static int gain_fraction(starc_overopt *p, starc_regularize_method m, double c, double gap, double *f, starc_error *err)
{
    starc_regularize_result res;
    int st = reg_solve(p, m, c, NULL, &res, err);
    if (st)
        return st;
    *f = (res.proxy_return - p->info.base_proxy_return) / gap;
    return STARC_OK;
}

/* Search the automatic coefficient range (see starc_overopt_options.range_tol). */
static int auto_range(starc_overopt *p, starc_regularize_method m, const starc_overopt_options *o, double *lo,
                      double *hi,
                      starc_error *err)
{
    /* Relative to the proxy's own scale (no absolute floor, so the range
     * scales with the proxy): sigma_p under mu_b, else max |Rbar_p|; the
     * gain counts as none against the largest |return| any policy can have,
     * max |Rbar_p| / (1 - gamma) (the regret's trivial rule, docs/theory.md §1). */
    double rmax = 0.0;
    for (size_t i = 0; i < p->S * p->A; i++)
        rmax = fmax(rmax, fabs(p->Rbar_p[i]));
    const double scale = p->info.sigma_proxy > 0.0 ? p->info.sigma_proxy : rmax > 0.0 ? rmax : 1.0;
    const double tol = o->range_tol;
    const double jstar = p->info.proxy_optimal_proxy_return;
    const double gap = jstar - p->info.base_proxy_return;
    if (gap <= o->gain_tol * rmax / (1.0 - p->gamma)) {
        if (o->coef_max == 0.0)
            *hi = o->coef_min > 0.0 ? fmax(1e3 * scale, 1e6 * o->coef_min) : 1e3 * scale;
        if (o->coef_min == 0.0)
            *lo = fmin(1e-3 * scale, 1e-6 * *hi);
        return STARC_OK;
    }
    int st;
    double f;
    size_t steps = 0;
    if (o->coef_max == 0.0) {
        double c = o->coef_min > 0.0 ? fmax(scale, 2.0 * o->coef_min) : scale;
        if ((st = gain_fraction(p, m, c, gap, &f, err)))
            return st;
        if (f > tol) {
            while (f > tol) {
                if (++steps > o->range_max_steps)
                    return starci_error(err, STARC_ENOCONV, "%s: no coefficient up to %g keeps the policy within "
                                        "%g of the base", starc_regularize_method_name(m), c, tol);
                c *= 2.0;
                if ((st = gain_fraction(p, m, c, gap, &f, err)))
                    return st;
            }
        } else {
            while (steps++ < o->range_max_steps && (o->coef_min == 0.0 || c / 2.0 > 2.0 * o->coef_min)) {
                if ((st = gain_fraction(p, m, c / 2.0, gap, &f, err)))
                    return st;
                if (f > tol)
                    break;
                c /= 2.0;
            }
        }
        *hi = c;
    }
    steps = 0;
    if (o->coef_min == 0.0) {
        double c = fmin(scale, *hi / 2.0);
        if ((st = gain_fraction(p, m, c, gap, &f, err)))
            return st;
        if (f < 1.0 - tol) {
            while (f < 1.0 - tol) {
                if (++steps > o->range_max_steps)
                    return starci_error(err, STARC_ENOCONV, "%s: no coefficient down to %g reaches within %g of "
                                        "the proxy-optimal return", starc_regularize_method_name(m), c, tol);
                c /= 2.0;
                if ((st = gain_fraction(p, m, c, gap, &f, err)))
                    return st;
            }
        } else {
            while (steps++ < o->range_max_steps && 2.0 * c < *hi / 2.0) {
                if ((st = gain_fraction(p, m, 2.0 * c, gap, &f, err)))
                    return st;
                if (f < 1.0 - tol)
                    break;
                c *= 2.0;
            }
        }
        *lo = c;
    }
    return STARC_OK;
}

static int check_options(const starc_overopt_options *o, starc_error *err)
{
    if (o->points < 2)
        return starci_error(err, STARC_EINVAL, "a sweep needs at least 2 points (got %zu)", o->points);
    if (!(o->coef_min >= 0.0) || !isfinite(o->coef_min) || !(o->coef_max >= 0.0) || !isfinite(o->coef_max))
        return starci_error(err, STARC_EINVAL, "coefficient range must be finite and > 0 (0 = automatic)");
    if (o->coef_min > 0.0 && o->coef_max > 0.0 && !(o->coef_min < o->coef_max))
        return starci_error(err, STARC_EINVAL, "coef_min %g must be below coef_max %g", o->coef_min, o->coef_max);
    if (!(o->range_tol > 0.0 && o->range_tol < 0.5))
        return starci_error(err, STARC_EINVAL, "range tolerance %g must be in (0, 0.5)", o->range_tol);
    if (o->bon_max == 0)
        return starci_error(err, STARC_EINVAL, "bon_max must be >= 1");
    if (!(o->tie_tol >= 0.0) || !isfinite(o->tie_tol))
        return starci_error(err, STARC_EINVAL, "tie tolerance %g is not a finite value >= 0", o->tie_tol);
    if (!(o->prob_tol >= 0.0) || !(o->support_tol >= 0.0) || !(o->gain_tol >= 0.0) || !(o->flat_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "prob_tol, support_tol, gain_tol and flat_tol must be >= 0");
    return STARC_OK;
}

static int sweep(starc_overopt *p, starc_overopt_method method, const starc_overopt_options *opt,
                 starc_overopt_point *pts, size_t *npts, double *coef_lo, double *coef_hi, starc_error *err);

int starc_overopt_sweep(starc_overopt *p, starc_overopt_method method, const starc_overopt_options *opt,
                        starc_overopt_point *pts, size_t *npts, double *coef_lo, double *coef_hi,
                        starc_error *err)
{
    *npts = 0;
    if (!opt) {
        starc_overopt_options plan = p->opt;
        return sweep(p, method, &plan, pts, npts, coef_lo, coef_hi, err);
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    starc_overopt_options keep = p->opt;
    p->opt = *opt;
    st = sweep(p, method, opt, pts, npts, coef_lo, coef_hi, err);
    p->opt = keep;
    return st;
}

/* One pressure path with the options opt (which are also the plan's for the call). */
static int sweep(starc_overopt *p, starc_overopt_method method, const starc_overopt_options *opt,
                 starc_overopt_point *pts, size_t *npts, double *coef_lo, double *coef_hi, starc_error *err)
{
    *npts = 0;
    if ((unsigned)method >= STARC_OVEROPT_METHOD_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown overoptimisation method %d", (int)method);
    int st = check_options(opt, err);
    if (st)
        return st;
    const size_t P = opt->points;
    if (method == STARC_OVEROPT_BON) {
        size_t k = 0, last = 0;
        for (size_t i = 0; i < P; i++) {
            double x = pow((double)opt->bon_max, (double)i / (double)(P - 1));
            size_t n = i == P - 1 ? opt->bon_max : (size_t)floor(x + 0.5);
            if (n < 1)
                n = 1;
            if (k > 0 && n <= last)
                continue;
            if ((st = bon_path_point(p, n, opt->tie_tol, NULL, &pts[k], err)))
                return st;
            last = n;
            k++;
        }
        *npts = k;
        if (coef_lo)
            *coef_lo = 1.0;
        if (coef_hi)
            *coef_hi = (double)opt->bon_max;
        return STARC_OK;
    }
    starc_regularize_method m = reg_of[method];
    if ((st = starc_regularize_set_options(p->rg, &opt->regularize_options, err)))
        return st;
    double lo = opt->coef_min, hi = opt->coef_max;
    /* OM-sqrt-chi2 has the same optima as OM-chi2 (docs/theory.md §5) but packs almost the whole path
     * into a narrow band of its own coefficient, so an automatic sweep walks OM-chi2's grid of
     * inner coefficients c' and reports lambda = 2 c' sqrt(chi2) for each point. */
    const int inner = method == STARC_OVEROPT_OM_SQRT_CHI2 && lo == 0.0 && hi == 0.0;
    if (inner)
        m = STARC_REGULARIZE_OM_CHI2;
    if ((lo == 0.0 || hi == 0.0) && (st = auto_range(p, m, opt, &lo, &hi, err)))
        return st;
    if (!(lo < hi))
        return starci_error(err, STARC_EINVAL, "%s: coefficient range [%g, %g] is empty", method_names[method], lo, hi);
    /* From low pressure to high: warm starts follow the path. */
    starc_regularize_reset(p->rg);
    const double ratio = log(lo / hi);
    for (size_t i = 0; i < P; i++) {
        double c = i == 0 ? hi : (i == P - 1 ? lo : hi * exp(ratio * (double)i / (double)(P - 1)));
        if ((st = starc_overopt_solve(p, inner ? STARC_OVEROPT_OM_CHI2 : method, c, NULL, NULL, &pts[i], err)))
            return st;
        if (inner)
            pts[i].coef = 2.0 * c * sqrt(pts[i].chi2);
    }
    *npts = P;
    if (coef_lo)
        *coef_lo = inner ? pts[P - 1].coef : lo;
    if (coef_hi)
        *coef_hi = inner ? pts[0].coef : hi;
    return STARC_OK;
}

/* ============================================================= summaries */

int starc_overopt_summarize(const starc_overopt_point *pts, size_t n, double true_range,
                            const starc_overopt_options *o, starc_overopt_summary *s, starc_error *err)
{
    starc_overopt_options def;
    if (!o) {
        starc_overopt_options_default(&def);
        o = &def;
    }
    const double tol = o->flat_tol;
    if (n == 0)
        return starci_error(err, STARC_EINVAL, "cannot summarise an empty curve");
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "flatness tolerance %g is not >= 0", tol);
    double scale = isfinite(true_range) ? fabs(true_range) : 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pts[i].true_delta))
            return starci_error(err, STARC_EINVAL, "point %zu: true_delta is not finite", i);
        scale = fmax(scale, fabs(pts[i].true_delta));
    }
    const double eps = tol * scale;
    memset(s, 0, sizeof *s);
    s->n = n;
    size_t pk = 0;
    for (size_t i = 1; i < n; i++)
        if (pts[i].true_delta > pts[pk].true_delta)
            pk = i;
    s->peak_index = pk;
    s->peak_true_delta = pts[pk].true_delta;
    s->peak_coef = pts[pk].coef;
    s->peak_kl = pts[pk].kl;
    s->peak_d = pts[pk].d;
    s->end_true_delta = pts[n - 1].true_delta;
    s->end_proxy_delta = pts[n - 1].proxy_delta;
    s->end_kl = pts[n - 1].kl;
    s->drop = s->peak_true_delta - s->end_true_delta;
    s->drop_normalized = true_range > 0.0 ? s->drop / true_range : NAN;

    /* Collapse runs that stay within eps of their first value into levels, then
     * count rises/falls and local maxima between consecutive levels. */
    int rises = 0, falls = 0;
    int prev_dir = 0; /* direction into the current level: +1 up, -1 down, 0 start */
    double level = pts[0].true_delta;
    size_t maxima = 0;
    for (size_t i = 1; i < n; i++) {
        double y = pts[i].true_delta;
        if (fabs(y - level) <= eps)
            continue;
        int dir = y > level ? 1 : -1;
        if (dir > 0)
            rises = 1;
        else
            falls = 1;
        if (dir < 0 && prev_dir >= 0)
            maxima++; /* the level we leave downwards was entered upwards, or is the first */
        prev_dir = dir;
        level = y;
    }
    if (prev_dir >= 0)
        maxima++; /* the last level was entered upwards (or the curve is flat) */
    s->non_monotone = rises && falls;
    s->local_maxima = maxima;
    return STARC_OK;
}
