#include <config.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "kernels-internal.h"
#include "policy-internal.h"
#include "regret-internal.h"
#include "sparse-internal.h"
#include "starc/regret.h"

double starci_regret_scale(const double *Rbar_t, size_t n, double gamma)
{
    double rmax = 0.0;
    for (size_t i = 0; i < n; i++)
        rmax = fmax(rmax, fabs(Rbar_t[i]));
    return rmax / (1.0 - gamma);
}

double starc_regret_trivial_tol(double tol, double gamma, size_t S)
{
    /* Measured (tests/bench/return-roundoff.c, docs/theory.md §1): the return
     * difference of two policies under an exactly trivial reward is at most
     * 1.3 sqrt(S) DBL_EPSILON / (1 - gamma) of the scale; the margin covers it 12 times. */
    if (tol >= 0.0)
        return tol;
    return STARC_REGRET_TRIVIAL_TOL_MARGIN * sqrt((double)S) * DBL_EPSILON / (1.0 - gamma);
}

double starci_regret_normalize(double jopt, double jworst, double jp, double tol, double jscale)
{
    const double den = jopt - jworst;
    if (den <= tol * jscale)
        return 0.0;
    const double r = (jopt - jp) / den;
    /* Round-off can push an exact 0 or 1 slightly outside [0, 1]. */
    return r < 0.0 ? 0.0 : r > 1.0 ? 1.0 : r;
}

void starc_regret_options_default(starc_regret_options *o)
{
    starc_policy_options_default(&o->policy_options);
    o->trivial_tol = STARC_REGRET_TRIVIAL_TOL;
    o->nthreads = 1;
}

/* The regret's three policy iterations, J_t(pi*_t), J_t(pi-_t) and
 * J_t(pi*_p) (the proxy's optimal policy, then its true return), as tasks
 * in this order: the order of the sequential path, hence of its errors. */
enum { TASK_OPTIMAL, TASK_WORST, TASK_PROXY, NTASKS };

typedef struct regret_tasks {
    const starc_mdp *m;
    const double *Rbar_t, *Rbar_p;
    const starc_policy_options *opt;
    starc_policy_workspace *ws; /* the proxy task's only (sparse) */
    size_t *act;                /* S: the proxy's optimal actions */
    double *pi;
    /* the dense path: the three runs' shared start, the reward each
     * maximises (-Rbar_t for the worst), its actions and workspace */
    starci_policy_start *start;
    const double *Rbar[NTASKS];
    size_t *acts[NTASKS];
    starc_policy_workspace *wsk[NTASKS];
    pthread_mutex_t lock;
    int next;
    double J[NTASKS];
    int st[NTASKS];
    starc_error err[NTASKS];
} regret_tasks;

/* Dense task k's return from its run's: the optimal and worst returns from
 * the values as starc_policy_range_rbar() takes them (j = mu0 . V), the
 * proxy's true return as starc_policy_return_rbar() gives it, solved with the
 * factor the iteration left when it is the final policy's. */
static int dense_return(regret_tasks *t, int k, double j, starc_error *e)
{
    if (k != TASK_PROXY) {
        t->J[k] = (k == TASK_WORST ? -1.0 : 1.0) * j;
        return STARC_OK;
    }
    return starci_policy_return_act(t->m, t->acts[k], t->Rbar_t, t->pi, &t->J[k], t->wsk[k], e);
}

/* Dense task k alone: its cold policy iteration from the shared start (the
 * act, values and errors of starc_policy_optimal_rbar()), then its return. */
static int dense_task(regret_tasks *t, int k, starc_error *e)
{
    double j;
    int st = starci_policy_optimal_start(t->m, t->start, 1, &t->Rbar[k], t->opt, &t->acts[k], &j, &t->wsk[k], e);
    return st ? st : dense_return(t, k, j, e);
}

/* Task k: on the dense path dense_task(); on the sparse one the very calls of
 * the sequential path (starc_policy_range_rbar() is starci_sparse_range_rbar(),
 * the optimal then the worst return). */
static void run_task(regret_tasks *t, int k)
{
    starc_error *e = &t->err[k];
    if (t->start) {
        t->st[k] = dense_task(t, k, e);
        return;
    }
    if (k != TASK_PROXY) {
        t->st[k] = starci_sparse_extreme_return(t->m, t->Rbar_t, k == TASK_OPTIMAL ? 1.0 : -1.0, t->opt, &t->J[k], e);
        return;
    }
    int st = starc_policy_optimal_rbar(t->m, t->Rbar_p, t->opt, t->act, NULL, NULL, t->ws, e);
    if (!st) {
        starc_policy_from_actions(t->m, t->act, t->pi);
        st = starc_policy_return_rbar(t->m, t->pi, t->Rbar_t, &t->J[k], t->ws, e);
    }
    t->st[k] = st;
}

/* A thread: the next task not yet taken until none is left; the proxy's
 * (an iteration and an evaluation) first. */
static void *task_worker(void *arg)
{
    static const int order[NTASKS] = {TASK_PROXY, TASK_OPTIMAL, TASK_WORST};
    regret_tasks *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        const int i = t->next < NTASKS ? t->next++ : NTASKS;
        pthread_mutex_unlock(&t->lock);
        if (i == NTASKS)
            return NULL;
        run_task(t, order[i]);
    }
}

/* The first failing task's status and error, in task order. */
static int tasks_status(const regret_tasks *t, starc_error *err)
{
    for (int k = 0; k < NTASKS; k++)
        if (t->st[k]) {
            if (err)
                *err = t->err[k];
            return t->st[k];
        }
    return STARC_OK;
}

/* The three tasks on up to nthreads threads (a thread that cannot start
 * leaves its tasks to the others); the first failing task's error, in task
 * order, whatever ran first. */
static int run_tasks(regret_tasks *t, int nthreads, starc_error *err)
{
    pthread_t th[NTASKS - 1];
    int started[NTASKS - 1] = {0};
    const int n = nthreads < NTASKS ? nthreads : NTASKS;
    if (pthread_mutex_init(&t->lock, NULL) == 0) {
        t->next = 0;
        for (int i = 0; i + 1 < n; i++)
            started[i] = pthread_create(&th[i], NULL, task_worker, t) == 0;
        task_worker(t);
        for (int i = 0; i + 1 < n; i++)
            if (started[i])
                pthread_join(th[i], NULL);
        pthread_mutex_destroy(&t->lock);
    } else /* no lock: every task here, in turn */
        for (int k = 0; k < NTASKS; k++)
            run_task(t, k);
    return tasks_status(t, err);
}

/* OpenBLAS, when the program uses it: its thread count (the starc command
 * sets 1). */
extern int openblas_get_num_threads(void) __attribute__((weak));

/* Whether the dense path's runs may call LAPACK on several threads at once
 * with the bits of one: only when the BLAS is known to run each call on one
 * thread (OpenBLAS set to 1), so that a call's arithmetic does not depend on
 * what runs beside it. */
static int dense_concurrent(int nthreads)
{
    return nthreads > 1 && openblas_get_num_threads && openblas_get_num_threads() == 1;
}

/* The dense path: the three runs from one start (its factor made once
 * instead of three times), each on its own workspace (ws, when given, the
 * proxy's): on three threads of which min(nthreads, 3) compute at once, or
 * in lockstep on this one (each step's Q from one pass over T); the first
 * failing task's error, in task order. */
static int dense_returns(regret_tasks *t, int nthreads, starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(t->m), SA = S * starc_mdp_actions(t->m);
    const int conc = dense_concurrent(nthreads);
    const int n = nthreads < NTASKS ? nthreads : NTASKS;
    starc_policy_workspace *own[NTASKS] = {NULL, NULL, NULL};
    size_t *acts = malloc(2 * S * sizeof *acts);
    double *neg = starci_dalloc(SA);
    int st = starci_policy_start_alloc(t->m, conc && n < NTASKS ? n : 0, &t->start, err);
    if (!st && (!acts || !neg))
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    for (int k = 0; !st && k < NTASKS; k++)
        if (ws && k == TASK_PROXY)
            t->wsk[k] = ws;
        else if (!(st = starci_policy_workspace_alloc_cold(t->m, &own[k], err)))
            t->wsk[k] = own[k];
    if (!st) {
        for (size_t i = 0; i < SA; i++)
            neg[i] = -t->Rbar_t[i];
        const double *rb[NTASKS] = {t->Rbar_t, neg, t->Rbar_p};
        size_t *ak[NTASKS] = {acts, acts + S, t->act};
        for (int k = 0; k < NTASKS; k++) {
            t->Rbar[k] = rb[k];
            t->acts[k] = ak[k];
        }
        if (conc)
            st = run_tasks(t, NTASKS, err);
        else {
            double j[NTASKS];
            st = starci_policy_optimal_start(t->m, t->start, NTASKS, t->Rbar, t->opt, t->acts, j, t->wsk, err);
            for (int k = 0; !st && k < NTASKS; k++)
                st = dense_return(t, k, j[k], err);
        }
    }
    for (int k = 0; k < NTASKS; k++)
        starc_policy_workspace_free(own[k]);
    starci_policy_start_free(t->start);
    free(acts);
    free(neg);
    return st;
}

/* J_t(pi*_t), J_t(pi-_t), J_t(pi*_p) into J (task order): on the dense path
 * dense_returns(); on the sparse one concurrently when ro->nthreads > 1,
 * each task on its own scratch and engine state (the same bits), otherwise
 * in turn. */
static int regret_returns(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                          const starc_regret_options *ro, size_t *act, double *pi, double J[NTASKS],
                          starc_policy_workspace *ws, starc_error *err)
{
    const starc_policy_options *opt = &ro->policy_options;
    regret_tasks t = {.m = m, .Rbar_t = Rbar_t, .Rbar_p = Rbar_p, .opt = opt, .ws = ws, .act = act, .pi = pi};
    int st;
    if (!starci_sparse_wanted(m, opt->engine))
        st = dense_returns(&t, ro->nthreads, ws, err);
    else if (ro->nthreads > 1)
        st = run_tasks(&t, ro->nthreads, err);
    else {
        starc_policy_range_result rng;
        st = starc_policy_range_rbar(m, Rbar_t, opt, &rng, ws, err);
        if (st)
            return st;
        t.J[TASK_OPTIMAL] = rng.optimal_return;
        t.J[TASK_WORST] = rng.worst_return;
        st = starc_policy_optimal_rbar(m, Rbar_p, opt, act, NULL, NULL, ws, err);
        if (st)
            return st;
        starc_policy_from_actions(m, act, pi);
        st = starc_policy_return_rbar(m, pi, Rbar_t, &t.J[TASK_PROXY], ws, err);
    }
    memcpy(J, t.J, sizeof t.J);
    return st;
}

/* The regret of starc_regret_rbar(); rmax_t >= 0 is the true reward's scale
 * max |R_t| over the possible transitions when the dense reward is known (starc_regret()),
 * < 0 to take max |Rbar_t|.  The dense scale matters for rewards whose Rbar_t
 * is round-off (S'-redistribution: Rbar_t ~ DBL_EPSILON max|R_t|, whose
 * return range is then of the order of its own max |Rbar_t| / (1 - gamma)). */
static int regret_core(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, double rmax_t,
                       const starc_regret_options *ro, starc_regret_result *res, starc_policy_workspace *ws,
                       starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_regret_options def;
    if (!ro) {
        starc_regret_options_default(&def);
        ro = &def;
    }
    if (!((ro->trivial_tol >= 0.0 && isfinite(ro->trivial_tol)) || ro->trivial_tol == STARC_REGRET_TRIVIAL_TOL_DERIVED))
        return starci_error(err, STARC_EINVAL,
                            "trivial_tol %g is neither a finite number >= 0 nor STARC_REGRET_TRIVIAL_TOL_DERIVED",
                            ro->trivial_tol);
    /* Scale invariance (docs/theory.md, Numerics): the regret does not change
     * under Rbar -> c Rbar, c > 0, of either reward; a reward outside the scale
     * band is multiplied by a power of two first, and the returns reported
     * scaled back. */
    const int kt = starci_norm_scale_exp(Rbar_t, S * A), kp = starci_norm_scale_exp(Rbar_p, S * A);
    size_t *act = calloc(S, sizeof *act);
    double *pi = starci_dalloc(S * A);
    double *sc = (kt || kp) ? starci_dalloc(2 * S * A) : NULL;
    int st = STARC_OK;
    if (!act || !pi || ((kt || kp) && !sc)) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    if (kt) {
        starci_norm_scale_copy(Rbar_t, S * A, kt, sc);
        Rbar_t = sc;
    }
    if (kp) {
        starci_norm_scale_copy(Rbar_p, S * A, kp, sc + S * A);
        Rbar_p = sc + S * A;
    }
    /* The trivial rule: the return range against the reward's own scale. */
    const double g = starc_mdp_gamma(m);
    const double jscale = rmax_t >= 0.0 ? ldexp(rmax_t, kt) / (1.0 - g) : starci_regret_scale(Rbar_t, S * A, g);
    const double tol = starc_regret_trivial_tol(ro->trivial_tol, g, S);
    double J[NTASKS];
    st = regret_returns(m, Rbar_t, Rbar_p, ro, act, pi, J, ws, err);
    if (st)
        goto done;
    const double jopt = J[TASK_OPTIMAL], jworst = J[TASK_WORST], jp = J[TASK_PROXY];
    res->true_optimal_return = ldexp(jopt, -kt);
    res->true_worst_return = ldexp(jworst, -kt);
    res->proxy_policy_return = ldexp(jp, -kt);
    res->regret = starci_regret_normalize(jopt, jworst, jp, tol, jscale);
done:
    free(act);
    free(pi);
    free(sc);
    return st;
}

int starc_regret_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                      const starc_regret_options *ro, starc_regret_result *res,
                      starc_policy_workspace *ws, starc_error *err)
{
    return regret_core(m, Rbar_t, Rbar_p, -1.0, ro, res, ws, err);
}

/* The layout of a reward given as (S,), (S,A) or in full ((S,A,S) dense, (nnz,)
 * sparse), as starc_mdp_reward_expand() reads the shape (a 1-d array of length S
 * is a state reward); -1 (err set) for a shape the MDP does not take. */
enum { SHAPE_STATE = 1, SHAPE_SA = 2, SHAPE_FULL = 3 };
static int reward_layout(const starc_mdp *m, int which, size_t ndim, const size_t *shape, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const int sparse = starc_mdp_is_sparse(m);
    if (ndim == 1 && shape[0] == S)
        return SHAPE_STATE;
    if (ndim == 2 && shape[0] == S && shape[1] == A)
        return SHAPE_SA;
    if (sparse ? ndim == 1 && shape[0] == starc_mdp_nnz(m)
               : ndim == 3 && shape[0] == S && shape[1] == A && shape[2] == S)
        return SHAPE_FULL;
    if (sparse)
        starci_error(err, STARC_EDIM, "%s reward has a shape this sparse MDP does not take: (S,), (S,A) or (nnz,) = "
                     "(%zu,), (%zu,%zu) or (%zu,)", which ? "proxy" : "true", S, S, A, starc_mdp_nnz(m));
    else
        starci_error(err, STARC_EDIM, "%s reward has a shape this MDP does not take: (S,), (S,A) or (S,A,S) = "
                     "(%zu,), (%zu,%zu) or (%zu,%zu,%zu)", which ? "proxy" : "true", S, S, A, S, A, S);
    return -1;
}

/* Rbar (S*A) of a reward of layout lay in one pass, the same sums in the same
 * order as starc_mdp_reward_expected() of its expansion (an (S,) or (S,A)
 * value r enters as T(s,a,s') r, exactly the expanded entry's product), so
 * every bit agrees; no (S,A,S) tensor is built.  rmax != NULL receives max |R|
 * over the possible transitions (T > 0 on a dense MDP, every stored entry on a
 * sparse one), the true reward's scale in regret_core(). */
static void shaped_rbar(const starc_mdp *m, int lay, const double *R, double *Rbar, double *rmax)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), SA = S * A;
    const double *T = starc_mdp_transitions(m); /* NULL when sparse */
    double mx = 0.0;
    if (lay == SHAPE_FULL && (!T || !rmax)) {
        starc_mdp_reward_expected(m, R, Rbar);
        if (rmax) { /* sparse: every stored entry is possible */
            const size_t n = starc_mdp_reward_size(m);
            for (size_t i = 0; i < n; i++)
                mx = fmax(mx, fabs(R[i]));
        }
    } else if (lay == SHAPE_FULL) {
        /* Rbar and the scale in one pass over T and R (the same sums as
         * starc_mdp_reward_expected()). */
        for (size_t sa = 0; sa < SA; sa++) {
            const double *t = T + sa * S, *r = R + sa * S;
            double acc = 0.0;
            for (size_t u = 0; u < S; u++) {
                acc += t[u] * r[u];
                if (t[u] > 0.0)
                    mx = MAXD(fabs(r[u]), mx); /* ignores a NaN entry, as fmax */
            }
            Rbar[sa] = acc;
        }
    } else if (!T) {
        const double *data;
        const size_t *indptr;
        starc_mdp_csr(m, &indptr, NULL, &data);
        for (size_t r = 0; r < SA; r++) {
            const double c = lay == SHAPE_STATE ? R[r / A] : R[r];
            double acc = 0.0;
            for (size_t k = indptr[r]; k < indptr[r + 1]; k++)
                acc += data[k] * c;
            Rbar[r] = acc;
            if (indptr[r + 1] > indptr[r])
                mx = fmax(mx, fabs(c));
        }
    } else {
        for (size_t sa = 0; sa < SA; sa++) {
            const double *t = T + sa * S, c = lay == SHAPE_STATE ? R[sa / A] : R[sa];
            double acc = 0.0;
            int possible = 0;
            for (size_t u = 0; u < S; u++) {
                acc += t[u] * c;
                possible |= t[u] > 0.0;
            }
            Rbar[sa] = acc;
            if (possible)
                mx = fmax(mx, fabs(c));
        }
    }
    if (rmax)
        *rmax = mx;
}

/* Rbar_t (with the scale *rmax, as shaped_rbar() gives them) and Rbar_p of
 * two (S,A,S) rewards on a dense MDP in one pass over T instead of two: each
 * entry the same sum in the same order as starc_mdp_reward_expected(), two
 * rows at a time (four independent chains of additions; the pass is bound by
 * their latency, not by memory). */
static void rbar_pair_full(const starc_mdp *m, const double *Rt, const double *Rp, double *bt, double *bp,
                           double *rmax)
{
    const size_t S = starc_mdp_states(m), SA = S * starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m);
    double mx = 0.0;
    size_t sa = 0;
    for (; sa + 2 <= SA; sa += 2) {
        const double *t0 = T + sa * S, *t1 = t0 + S, *rt0 = Rt + sa * S, *rt1 = rt0 + S;
        const double *rp0 = Rp + sa * S, *rp1 = rp0 + S;
        double at0 = 0.0, at1 = 0.0, ap0 = 0.0, ap1 = 0.0;
        for (size_t u = 0; u < S; u++) {
            at0 += t0[u] * rt0[u];
            ap0 += t0[u] * rp0[u];
            at1 += t1[u] * rt1[u];
            ap1 += t1[u] * rp1[u];
            if (t0[u] > 0.0)
                mx = MAXD(fabs(rt0[u]), mx); /* ignores a NaN entry, as fmax */
            if (t1[u] > 0.0)
                mx = MAXD(fabs(rt1[u]), mx);
        }
        bt[sa] = at0;
        bt[sa + 1] = at1;
        bp[sa] = ap0;
        bp[sa + 1] = ap1;
    }
    for (; sa < SA; sa++) {
        const double *t = T + sa * S, *rt = Rt + sa * S, *rp = Rp + sa * S;
        double at = 0.0, ap = 0.0;
        for (size_t u = 0; u < S; u++) {
            at += t[u] * rt[u];
            ap += t[u] * rp[u];
            if (t[u] > 0.0)
                mx = MAXD(fabs(rt[u]), mx);
        }
        bt[sa] = at;
        bp[sa] = ap;
    }
    *rmax = mx;
}

/* Regret of two rewards of known layouts. */
static int regret_layouts(const starc_mdp *m, int lt, const double *Rt, int lp, const double *Rp,
                          const starc_regret_options *opt, starc_regret_result *res, starc_policy_workspace *ws,
                          starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *bt = starci_dalloc(S * A), *bp = starci_dalloc(S * A);
    int st;
    if (!bt || !bp)
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    else {
        /* the true reward's scale: max |R_t| over the possible transitions.  The
         * entries' own rounding (eps |R_t|) reaches Rbar_t through them; entries on
         * impossible transitions never matter. */
        double rmax;
        if (lt == SHAPE_FULL && lp == SHAPE_FULL && !starc_mdp_is_sparse(m))
            rbar_pair_full(m, Rt, Rp, bt, bp, &rmax);
        else {
            shaped_rbar(m, lt, Rt, bt, &rmax);
            shaped_rbar(m, lp, Rp, bp, NULL);
        }
        st = regret_core(m, bt, bp, rmax, opt, res, ws, err);
    }
    free(bt);
    free(bp);
    return st;
}

int starc_regret_shaped(const starc_mdp *m, size_t ndim_t, const size_t *shape_t, const double *Rt, size_t ndim_p,
                        const size_t *shape_p, const double *Rp, const starc_regret_options *opt,
                        starc_regret_result *res, starc_policy_workspace *ws, starc_error *err)
{
    if (!m || !Rt || !Rp || !res || (ndim_t && !shape_t) || (ndim_p && !shape_p))
        return starci_error(err, STARC_EINVAL, "starc_regret_shaped: NULL argument");
    const int lt = reward_layout(m, 0, ndim_t, shape_t, err);
    if (lt < 0)
        return STARC_EDIM;
    const int lp = reward_layout(m, 1, ndim_p, shape_p, err);
    if (lp < 0)
        return STARC_EDIM;
    return regret_layouts(m, lt, Rt, lp, Rp, opt, res, ws, err);
}

int starc_regret(const starc_mdp *m, const double *Rt, const double *Rp, const starc_regret_options *opt,
                 starc_regret_result *res, starc_policy_workspace *ws, starc_error *err)
{
    if (!m || !Rt || !Rp || !res)
        return starci_error(err, STARC_EINVAL, "starc_regret: NULL argument");
    return regret_layouts(m, SHAPE_FULL, Rt, SHAPE_FULL, Rp, opt, res, ws, err);
}

int starc_regret_symmetric(const starc_mdp *m, const double *R1, const double *R2,
                           const starc_regret_options *opt, double *regret,
                           starc_policy_workspace *ws, starc_error *err)
{
    starc_regret_result a, b;
    int st = starc_regret(m, R1, R2, opt, &a, ws, err);
    if (!st)
        st = starc_regret(m, R2, R1, opt, &b, ws, err);
    if (!st)
        *regret = 0.5 * (a.regret + b.regret);
    return st;
}
