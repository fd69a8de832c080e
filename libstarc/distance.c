/* STARC, EPIC and DARD distances (docs/theory.md §3): plans, pairs and matrices.
 *
 * A pair costs the canonicalisation pass(es), then one statistics pass over
 * both rewards that yields their normalisers and, for the l2/wl2/Pearson
 * metrics, the cross moments from which the distance follows without a
 * third pass (unless the two are so close that cancellation would cost
 * digits: then one direct pass over the difference).  Matrices materialise
 * each standardised reward once as a feature row whose Euclidean geometry is
 * the metric's, and take each l2/wl2/Pearson entry from the squared distance
 * of its two rows alone, summed in a fixed order (no cancellation), so that
 * any range of entries (starc_distance_matrix_entries) has the bits of the
 * whole matrix. */
#include <config.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canon-internal.h"
#include "distance-internal.h"
#include "error-internal.h"
#include "kernels-internal.h"
#include "norm-internal.h"
#include "parallel-internal.h"
#include "starc/distance.h"
#include "canon-sparse-internal.h"
#include "sparse-internal.h"
#include "structured-internal.h"

void starc_distance_options_default(starc_distance_options *o)
{
    o->canon = STARC_CANON_VAL;
    o->norm = STARC_NORM_L2;
    o->metric = STARC_METRIC_L2;
    starc_canon_options_default(&o->canon_options);
    o->coverage = NULL;
    o->trivial_tol = STARC_DISTANCE_TRIVIAL_TOL_DERIVED;
    starc_policy_options_default(&o->policy_options);
    o->nthreads = 1;
    o->prob_tol = STARC_MDP_PROB_TOL;
}

/* The power p of the conditioning 1/(1 - gamma) in the round-off of each
 * canonicalisation on exactly trivial rewards (docs/theory.md §3.1).  A
 * trivial reward itself carries round-off up to DBL_EPSILON max|phi|, and its
 * potential can be max|R|/(1 - gamma) (a constant k is shaping with potential
 * -k/(1 - gamma)): p >= 1 for every canonicalisation.  none, epic and dard
 * solve nothing, and val's canonical form is the residual of a
 * backward-stable solve of (I - gamma P_pi) V = r_pi: p = 1.  val-potential
 * uses V itself (its forward error), minimal-potential and minimal solve
 * normal equations, whose condition number is the square of the problem's:
 * p = 2. */
static double conditioning_power(starc_canon_kind canon)
{
    switch (canon) {
    case STARC_CANON_VAL_POTENTIAL:
    case STARC_CANON_MINIMAL_POTENTIAL:
    case STARC_CANON_MINIMAL: return 2.0;
    default: return 1.0;
    }
}

double starc_distance_trivial_tol(double tol, starc_canon_kind canon, double gamma, size_t S)
{
    if (tol >= 0.0)
        return tol;
    return STARC_DISTANCE_TRIVIAL_TOL_MARGIN * (double)S * DBL_EPSILON / pow(1.0 - gamma, conditioning_power(canon));
}

int starci_distance_rule(const starci_rule_args *a)
{
    const double delta = a->tol * a->rmax;
    const int weighted = a->norm == STARC_NORM_WL1 || a->norm == STARC_NORM_WL2 || a->norm == STARC_NORM_WLINF;
    int v = 0;
    if (!(a->xmax > delta))
        v = STARCI_TRIVIAL;
    else if (weighted && !(a->n > a->nunit * delta)) {
        if (isnan(a->xseen))
            return STARCI_NEED_SEEN;
        v = !(a->xseen > delta) ? STARCI_TRIVIAL : 0;
    } else if (a->norm == STARC_NORM_RANGE)
        v = !(a->n > a->nunit * delta) ? STARCI_TRIVIAL : 0;
    else if (a->norm == STARC_NORM_L1 || a->norm == STARC_NORM_L2 || a->norm == STARC_NORM_LINF)
        v = !(a->n > delta) ? STARCI_TRIVIAL : 0;
    if (v || (!isnan(a->sigma) && !(a->sigma > delta))) /* NaN sigma: not asked */
        v |= STARCI_CONSTANT;
    return v;
}

void starc_distance_options_epic(starc_distance_options *o)
{
    starc_distance_options_default(o);
    o->canon = STARC_CANON_EPIC;
    o->metric = STARC_METRIC_PEARSON;
}

void starc_distance_options_dard(starc_distance_options *o)
{
    starc_distance_options_default(o);
    o->canon = STARC_CANON_DARD;
    o->metric = STARC_METRIC_PEARSON;
}

struct starc_distance_plan {
    const starc_mdp *m;
    size_t S, A;
    starc_distance_options o;
    double *ds, *da, *pi; /* copies behind o.canon_options */
    starc_canon *canon;
    starci_weights w;
    starc_policy_workspace *ws; /* range */
    double *cbar[2], *neg;
    double *rowbuf;
    starci_block *blocks;
    double *blockacc;
    double *sc[2]; /* prescaled copies of rewards outside the scale band (on demand) */
    starci_sparse_dist *sparse; /* a sparse MDP: everything goes through it (docs/sparse.md) */
    const double *gRbar;        /* matrix_features(): the next reward's Rbar from the set's pass over T, or NULL */
    double grmax, grsum;        /* with gRbar: its max |R| and finiteness proof (starci_canon_rbar_set()) */
    const double *gV, *gTV;     /* with gRbar, val: its V^pi and T V^pi (starci_canon_val_set()), or NULL */
    double *sbuf;               /* sparse: two S*A state-action expansions of (S,) rewards */
};

/* What was learnt about one reward: its normaliser and Pearson moments. */
struct rinfo {
    double n, a;       /* n(c(R)) and the scale a = 1/n (0 when trivial) */
    double mean, sigma;
    int trivial, undefined;
};

const starc_distance_options *starc_distance_plan_options(const starc_distance_plan *p)
{
    return &p->o;
}

void starc_distance_plan_free(starc_distance_plan *p)
{
    if (!p)
        return;
    free(p->ds);
    free(p->da);
    free(p->pi);
    starc_canon_free(p->canon);
    starci_norm_weights_clear(&p->w);
    starc_policy_workspace_free(p->ws);
    free(p->cbar[0]);
    free(p->cbar[1]);
    free(p->neg);
    free(p->rowbuf);
    free(p->blocks);
    free(p->blockacc);
    free(p->sc[0]);
    free(p->sc[1]);
    starci_sparse_dist_free(p->sparse);
    free(p->sbuf);
    free(p);
}

static double *dup_array(const double *x, size_t n, int *fail)
{
    if (!x)
        return NULL;
    double *y = starci_dalloc(n);
    if (!y) {
        *fail = 1;
        return NULL;
    }
    memcpy(y, x, n * sizeof(double));
    return y;
}

static int sparse_plan_alloc(const starc_mdp *m, const starc_distance_options *o, starc_distance_plan **out,
                             starc_error *err);

int starc_distance_plan_alloc(const starc_mdp *m, const starc_distance_options *o, starc_distance_plan **out,
                              starc_error *err)
{
    if (!m || !out)
        return starci_error(err, STARC_EINVAL, "MDP and output pointer must not be NULL");
    *out = NULL;
    starc_distance_options def;
    if (!o) {
        starc_distance_options_default(&def);
        o = &def;
    }
    if (starc_mdp_is_sparse(m))
        return sparse_plan_alloc(m, o, out, err);
    if ((unsigned)o->canon >= STARC_CANON_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid canonicalisation kind %d", (int)o->canon);
    if ((unsigned)o->norm >= STARC_NORM_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid normalisation kind %d", (int)o->norm);
    if ((unsigned)o->metric >= STARC_METRIC_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid metric kind %d", (int)o->metric);
    if (!((o->trivial_tol >= 0.0 && isfinite(o->trivial_tol)) || o->trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED))
        return starci_error(err, STARC_EINVAL,
                            "trivial tolerance %g is neither a finite number >= 0 nor "
                            "STARC_DISTANCE_TRIVIAL_TOL_DERIVED",
                            o->trivial_tol);
    if (!(o->policy_options.tie_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "policy-iteration tie tolerance must be >= 0");

    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_distance_plan *p = calloc(1, sizeof *p);
    if (!p)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    p->m = m;
    p->S = S;
    p->A = A;
    p->o = *o;
    p->o.trivial_tol = starc_distance_trivial_tol(o->trivial_tol, o->canon, starc_mdp_gamma(m), S);
    if (p->o.nthreads < 1)
        p->o.nthreads = 1;
    if (p->o.nthreads > STARCI_PARALLEL_MAX_THREADS)
        p->o.nthreads = STARCI_PARALLEL_MAX_THREADS;
    p->o.canon_options.nthreads = p->o.nthreads;
    p->o.canon_options.prob_tol = p->o.prob_tol;
    int fail = 0, st;
    p->ds = dup_array(o->canon_options.state_dist, S, &fail);
    p->da = dup_array(o->canon_options.action_dist, A, &fail);
    p->pi = dup_array(o->canon_options.policy, S * A, &fail);
    p->o.canon_options.state_dist = p->ds;
    p->o.canon_options.action_dist = p->da;
    p->o.canon_options.policy = p->pi;
    if (fail)
        goto nomem;
    if ((st = starc_canon_alloc(m, o->canon, &p->o.canon_options, &p->canon, err)))
        goto fail;
    int need_T = o->norm == STARC_NORM_WL1 || o->norm == STARC_NORM_WL2 || o->norm == STARC_NORM_WLINF ||
                 o->norm == STARC_NORM_RANGE || o->metric == STARC_METRIC_WL1 || o->metric == STARC_METRIC_WL2 ||
                 o->metric == STARC_METRIC_WLINF;
    if ((st = starci_norm_weights_init(&p->w, m, o->metric == STARC_METRIC_PEARSON ? o->coverage : NULL, o->prob_tol,
                                       need_T, err)))
        goto fail;
    p->o.coverage = p->w.D;
    p->w.nthreads = p->o.nthreads;
    p->rowbuf = starci_dalloc(5 * S * (size_t)p->o.nthreads);
    p->blocks = calloc(S, sizeof *p->blocks);
    p->blockacc = starci_dalloc(S);
    if (!p->rowbuf || !p->blocks || !p->blockacc)
        goto nomem;
    if (o->norm == STARC_NORM_RANGE) {
        (void)starc_policy_workspace_alloc(S, A, &p->ws, NULL); /* NULL on failure: checked below */
        p->cbar[0] = starci_dalloc(S * A);
        p->cbar[1] = starci_dalloc(S * A);
        p->neg = starci_dalloc(S * A);
        if (!p->ws || !p->cbar[0] || !p->cbar[1] || !p->neg)
            goto nomem;
    }
    *out = p;
    return STARC_OK;
nomem:
    st = starci_error(err, STARC_ENOMEM, "out of memory preparing a distance plan (S=%zu, A=%zu)", S, A);
fail:
    starc_distance_plan_free(p);
    return st;
}

static starci_request make_request(const starc_distance_plan *p, int cross)
{
    starci_request r;
    r.norm = (int)p->o.norm;
    r.cross = cross && (p->o.metric == STARC_METRIC_L2 || p->o.metric == STARC_METRIC_WL2);
    r.cross_weighted = p->o.metric == STARC_METRIC_WL2;
    r.pearson = p->o.metric == STARC_METRIC_PEARSON;
    return r;
}

/* The largest value the normaliser takes on a tensor with entries bounded by 1. */
static double norm_unit(const starc_distance_plan *p)
{
    const double n = (double)p->S * (double)p->A * (double)p->S;
    switch (p->o.norm) {
    case STARC_NORM_L1: return n;
    case STARC_NORM_L2: return sqrt(n);
    case STARC_NORM_LINF: return 1.0;
    case STARC_NORM_WL1: return p->w.Tsum;
    case STARC_NORM_WL2: return sqrt(p->w.Tsum);
    case STARC_NORM_WLINF: return p->w.Tmaxall;
    case STARC_NORM_RANGE: return 2.0 / (1.0 - p->w.gamma);
    default: return 0.0;
    }
}

/* max |x| over the entries with T > 0 of a canonical form (the entries the
 * weighted normalisers see); one pass, on demand. */
static double seen_max(starc_distance_plan *p, const starci_cform *cf)
{
    const size_t S = p->S, A = p->A;
    const double *T = p->w.T;
    double m = 0.0;
    for (size_t sa = 0; sa < S * A; sa++) {
        const double *x = starci_canon_form_row(cf, T, S, A, sa / A, sa % A, p->rowbuf);
        for (size_t j = 0; j < S; j++)
            if (T[sa * S + j] > 0.0)
                m = MAXD(m, fabs(x[j]));
    }
    return m;
}

/* The normaliser and the trivial rule (distance.h, starci_distance_rule()). */
static int finish(starc_distance_plan *p, const starci_cform *cf, const starci_stats *st, const double *cbar,
                  struct rinfo *ri, starc_error *err)
{
    const int pearson = p->o.metric == STARC_METRIC_PEARSON;
    memset(ri, 0, sizeof *ri);
    if (pearson) {
        ri->mean = st->mean;
        ri->sigma = st->W > 0.0 ? sqrt(st->M2 / st->W) : 0.0;
    }
    starci_rule_args a = {p->o.trivial_tol, st->rmax, st->xmax, -1, 0.0, 0.0, NAN, pearson ? ri->sigma : NAN};
    int v = starci_distance_rule(&a);
    if (!(v & STARCI_TRIVIAL) && p->o.norm != STARC_NORM_NONE) {
        double n;
        if (p->o.norm == STARC_NORM_RANGE) {
            int s = starci_norm_range(p->m, cbar, &p->o.policy_options, p->ws, p->neg, &n, err);
            if (s)
                return s;
        } else {
            n = starci_norm_finish((int)p->o.norm, st->nacc);
        }
        a.norm = (int)p->o.norm;
        a.n = n;
        a.nunit = norm_unit(p);
        if ((v = starci_distance_rule(&a)) & STARCI_NEED_SEEN) {
            a.xseen = seen_max(p, cf);
            v = starci_distance_rule(&a);
        }
        ri->n = n;
    } else if (!(v & STARCI_TRIVIAL)) {
        ri->n = 1.0;
    }
    ri->trivial = (v & STARCI_TRIVIAL) != 0;
    ri->undefined = pearson && (v & STARCI_CONSTANT) != 0;
    if (ri->trivial)
        ri->n = 0.0;
    else
        ri->a = 1.0 / ri->n;
    return STARC_OK;
}

/* ---- scale invariance (docs/theory.md, Numerics) ----------------------------
 * Every normalised distance is invariant under R -> cR, c > 0, of either
 * reward; the unnormalised one (norm none, not Pearson) is homogeneous of
 * degree 1 in the pair.  A reward whose max |R| lies outside the scale band
 * is multiplied by a power of two first (exactly), so that no sum of squares
 * overflows or underflows; with norm none both rewards get the same factor
 * and the result is scaled back, and a distance that then exceeds the
 * largest double is an error, never inf. */

static int homogeneous(const starc_distance_plan *p)
{
    return p->o.norm == STARC_NORM_NONE && p->o.metric != STARC_METRIC_PEARSON;
}

/* R, or its copy 2^k R in the plan's slot; R holds n values (S*A*S, or S*A
 * for a reward given as (S,A), of which only those are touched). */
static int prescale(starc_distance_plan *p, int slot, const double *R, size_t n, int k, const double **out,
                    starc_error *err)
{
    *out = R;
    if (k == 0)
        return STARC_OK;
    if (!p->sc[slot] && !(p->sc[slot] = starci_dalloc(p->S * p->A * p->S)))
        return starci_error(err, STARC_ENOMEM, "out of memory for a rescaled reward");
    starci_norm_scale_copy(R, n, k, p->sc[slot]);
    *out = p->sc[slot];
    return STARC_OK;
}

/* d scaled back by 2^-k (norm none); an error when it overflows. */
static int unscale(int k, double *d, starc_error *err)
{
    if (k == 0 || isnan(*d))
        return STARC_OK;
    *d = ldexp(*d, -k);
    if (isinf(*d))
        return starci_error(err, STARC_EUNDEF, "the distance overflows: it exceeds the largest double (%g)", DBL_MAX);
    return STARC_OK;
}

/* The distance from the pair's forms, statistics and normalisers. */
static int pair_distance(starc_distance_plan *p, const starci_cform *cf, const starci_stats *sts,
                         const starci_joint *jt, const struct rinfo *ri, const starci_request *req, double *d,
                         starc_error *err)
{
    const starc_metric_kind metric = p->o.metric;
    if (metric == STARC_METRIC_PEARSON) {
        for (int i = 0; i < 2; i++)
            if (ri[i].undefined)
                return starci_error(err, STARC_EUNDEF,
                                    "Pearson distance undefined: the %s reward's canonical form is %s under the coverage",
                                    i == 0 ? "first" : "second", ri[i].trivial ? "zero (trivial reward)" : "constant");
        return starci_norm_pearson(&p->w, cf, sts, jt, d, p->rowbuf, p->blockacc);
    }
    const double a1 = ri[0].a, a2 = ri[1].a;
    if (req->cross) {
        double scale = a1 * a1 * sts[0].sq + a2 * a2 * sts[1].sq;
        double d2 = scale - 2.0 * a1 * a2 * jt->s12;
        if (scale > 0.0 && d2 < STARCI_REFINE * scale)
            d2 = starci_norm_metric_pass(&p->w, metric == STARC_METRIC_WL2 ? STARCI_SQ_T : STARCI_SQ_PLAIN, &cf[0], a1,
                                         &cf[1], a2, 0.0, p->rowbuf, p->blockacc);
        *d = sqrt(fmax(d2, 0.0));
        return STARC_OK;
    }
    *d = starci_norm_metric_pass(&p->w, (int)metric, &cf[0], a1, &cf[1], a2, 0.0, p->rowbuf, p->blockacc);
    return STARC_OK;
}

/* Every reward is proven finite by the first pass that reads it anyway, at
 * no pass more: the canonicalisation's (starci_canon_rsum()) or, for none, the
 * statistics pass (starci_stats.xsum).  A non-finite proof sum means a
 * non-finite entry or an overflowing sum; only then are the entries scanned,
 * and the first non-finite one is named as starc_mdp_reward_expand() names
 * it.  R[i] holds n[i] values (S*A*S, or S*A when given as (S,A)). */
static int entries_finite(const double *R, size_t n, starc_error *err)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(R[j]))
            return starci_error(err, STARC_EINVAL, "reward entry %zu (flat index) is not finite", j);
    return STARC_OK;
}

static int proven_finite(const starc_distance_plan *p, size_t k, const double *const *R, const size_t *n,
                         const starci_stats *sts, starc_error *err)
{
    const int none = p->o.canon == STARC_CANON_NONE;
    int st = STARC_OK;
    if (none != (sts != NULL))
        return STARC_OK; /* none: after the statistics pass; the others: after the forms */
    for (size_t i = 0; i < k && !st; i++)
        if (!isfinite(none ? sts[i].xsum : starci_canon_rsum(p->canon, i)))
            st = entries_finite(R[i], n[i], err);
    return st;
}

/* The canonical forms and statistics of n <= 2 rewards, prescaled: the
 * canonicalisation or statistics pass reads max |R| of every reward anyway
 * (sts[i].rmax), so a reward inside the scale band (the common case) costs
 * no pass more than the formula; one outside it is copied as 2^k R and its
 * forms and statistics computed again from the copy.  The exponents are
 * those of max |R| (starci_norm_scale_exp()), jointly for the pair when the
 * distance is homogeneous; kfix != NULL imposes them (a matrix's common
 * factor).  k[i] receives the exponent reward i was scaled by. */
static int forms_stats(starc_distance_plan *p, size_t n, const double *const *R, const double *const *Rsa,
                       const int *kfix, const starci_request *req, starci_cform *cf, starci_stats *sts,
                       starci_joint *jt, int *k, starc_error *err)
{
    const double *Rs[2] = {R[0], n > 1 ? R[1] : NULL}, *Ss[2] = {NULL, NULL}, *in[2];
    const size_t SA = p->S * p->A, SAS = SA * p->S;
    size_t len[2];
    int st;
    /* reward i is given as (S,A) values when Rsa && Rsa[i]: prescaled as such */
#define PRESCALE(i) (Rsa && Rsa[i] ? prescale(p, (int)(i), Rsa[i], SA, k[i], &Ss[i], err) \
                                   : prescale(p, (int)(i), R[i], SAS, k[i], &Rs[i], err))
    for (size_t i = 0; i < n; i++) {
        k[i] = kfix ? kfix[i] : 0;
        in[i] = Rsa && Rsa[i] ? Rsa[i] : R[i];
        len[i] = Rsa && Rsa[i] ? SA : SAS;
        if (Rsa && Rsa[i])
            Ss[i] = Rsa[i];
        if ((st = PRESCALE(i)))
            return st;
    }
    for (int again = 0;; again = 1) {
        /* one reward with its Rbar given (matrix_features()): not for the prescaled copy; a
         * reward given as (S,A) only when the forms need no more of it (val, starci_canon_sa_ok()) */
        const int given = p->gRbar && n == 1 && (!Rsa || !Rsa[0] || starci_canon_sa_ok(p->canon)) && !again &&
                          k[0] == 0;
        if ((st = given ? starci_canon_forms_rbar(p->canon, 1, Rs, &p->gRbar, &p->grmax, &p->grsum,
                                                  p->gV ? &p->gV : NULL, p->gTV ? &p->gTV : NULL, cf, err)
                  : Rsa && (Rsa[0] || (n > 1 && Rsa[1])) ? starci_canon_forms_sa(p->canon, n, Rs, Ss, cf, err)
                        : starci_canon_forms(p->canon, n, Rs, cf, err)) ||
            (st = proven_finite(p, n, in, len, NULL, err)))
            return st;
        starci_norm_stats_pass(&p->w, n, cf, req, p->cbar, sts, jt, p->rowbuf, p->blocks);
        if ((st = proven_finite(p, n, in, len, sts, err)))
            return st;
        if (again || kfix)
            return STARC_OK;
        double mx = 0.0;
        for (size_t i = 0; i < n; i++)
            mx = MAXD(mx, sts[i].rmax);
        int scaled = 0;
        for (size_t i = 0; i < n; i++) {
            k[i] = starci_norm_scale_exp(homogeneous(p) ? &mx : &sts[i].rmax, 1);
            if (k[i] && (st = PRESCALE(i)))
                return st;
            scaled |= k[i] != 0;
        }
        if (!scaled)
            return STARC_OK;
    }
#undef PRESCALE
}

/* A pair on a dense MDP; reward i given as (S,A) values when Rsa && Rsa[i]. */
static int pair_dense(starc_distance_plan *p, const double *const *Rs, const double *const *Rsa, double *d,
                      starc_error *err)
{
    starci_cform cf[2];
    starci_request req = make_request(p, 1);
    starci_stats sts[2];
    starci_joint jt;
    int k[2];
    int st = forms_stats(p, 2, Rs, Rsa, NULL, &req, cf, sts, &jt, k, err);
    struct rinfo ri[2];
    for (int i = 0; i < 2 && !st; i++)
        st = finish(p, &cf[i], &sts[i], p->cbar[i], &ri[i], err);
    if (!st)
        st = pair_distance(p, cf, sts, &jt, ri, &req, d, err);
    if (!st && homogeneous(p))
        st = unscale(k[0], d, err);
    if (st)
        *d = NAN;
    return st;
}

int starc_distance_pair(starc_distance_plan *p, const double *R1, const double *R2, double *d, starc_error *err)
{
    if (!p || !R1 || !R2 || !d)
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    *d = NAN;
    if (p->sparse) { /* full rewards on a sparse MDP: the nnz values on T's support */
        const starci_struct x1 = {.E = R1}, x2 = {.E = R2};
        return starci_sparse_dist_pair(p->sparse, &x1, &x2, d, err);
    }
    const double *Rs[2] = {R1, R2};
    return pair_dense(p, Rs, NULL, d, err);
}

/* s(R) on a dense MDP; R given by its (S,A) values when Rsa && Rsa[0] (R unused). */
static int standardize_dense(starc_distance_plan *p, const double *R, const double *const *Rsa, double *out,
                             double *norm, int *trivial, starc_error *err)
{
    const size_t S = p->S, A = p->A;
    const double *Rs[1] = {R};
    starci_cform cf;
    starci_request req = make_request(p, 0);
    req.pearson = 0;
    starci_stats sts;
    struct rinfo ri;
    int k, st = forms_stats(p, 1, Rs, Rsa, NULL, &req, &cf, &sts, NULL, &k, err);
    if (st || (st = finish(p, &cf, &sts, p->cbar[0], &ri, err)))
        return st;
    /* norm none: out = c(R) scales with R; else the normaliser does */
    const int kout = p->o.norm == STARC_NORM_NONE ? -k : 0, kn = p->o.norm == STARC_NORM_NONE ? 0 : -k;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *dst = out + (s * A + a) * S;
            const double *x = starci_canon_form_row(&cf, p->w.T, S, A, s, a, dst);
            for (size_t j = 0; j < S; j++)
                dst[j] = kout ? ldexp(ri.a * x[j], kout) : ri.a * x[j];
        }
    if (norm)
        *norm = kn ? ldexp(ri.n, kn) : ri.n;
    if (trivial)
        *trivial = ri.trivial;
    return STARC_OK;
}

int starc_distance_standardize(starc_distance_plan *p, const double *R, double *out, double *norm, int *trivial,
                               starc_error *err)
{
    if (!p || !R || !out)
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    if (p->sparse)
        return starci_error(err, STARC_EINVAL,
                            "starc_distance_standardize needs a dense MDP (sparse MDPs: see docs/sparse.md)");
    return standardize_dense(p, R, NULL, out, norm, trivial, err);
}

/* ---- matrices --------------------------------------------------------------- */

static int metric_is_gram(starc_metric_kind m)
{
    return m == STARC_METRIC_L2 || m == STARC_METRIC_WL2 || m == STARC_METRIC_PEARSON;
}

/* The feature row of a standardised reward: for l2, wl2 and Pearson its
 * Euclidean geometry is the metric's (Pearson: centred, scaled to unit
 * variance under the coverage, so |f_i - f_j| = 2 d); otherwise a * x.
 * wsqrt: sqrt(T) (wl2) or sqrt(D) (Pearson with a coverage), S*A*S, or NULL. */
static void features(const starc_distance_plan *p, const starci_cform *cf, const struct rinfo *ri, const double *wsqrt,
                     double *f)
{
    const size_t S = p->S, A = p->A, SA = S * A;
    const starci_weights *w = &p->w;
    const starc_metric_kind metric = p->o.metric;
    if (cf->kind == STARCI_CF_SA) {
        for (size_t sa = 0; sa < SA; sa++) {
            double u = cf->u[sa];
            switch (metric) {
            case STARC_METRIC_L2: f[sa] = ri->a * u * sqrt((double)S); break;
            case STARC_METRIC_WL2: f[sa] = ri->a * u * sqrt(w->T1[sa]); break;
            case STARC_METRIC_PEARSON: f[sa] = (u - ri->mean) / ri->sigma * sqrt(w->Dsa[sa]); break;
            default: f[sa] = ri->a * u; break;
            }
        }
        return;
    }
    const int pearson = metric == STARC_METRIC_PEARSON;
    /* Pearson: (x - mean) sqrt(d) / sigma, d = 1/(S*A*S) when uniform */
    const double a = pearson ? (wsqrt ? 1.0 : sqrt(1.0 / ((double)SA * (double)S))) / ri->sigma : ri->a;
    const double m = pearson ? ri->mean : 0.0;
    for (size_t s = 0; s < S; s++)
        for (size_t aa = 0; aa < A; aa++) {
            const size_t sa = s * A + aa;
            double *fr = f + sa * S;
            const double *x = starci_canon_form_row(cf, w->T, S, A, s, aa, fr);
            k_cscale(fr, a, x, m, wsqrt ? wsqrt + sa * S : NULL, S);
        }
}

/* Direct metric between two feature rows (length L). */
static double direct(const starc_distance_plan *p, int sa_kind, size_t L, const double *x, const double *y)
{
    const starci_weights *w = &p->w;
    const starc_metric_kind metric = p->o.metric;
    double acc = 0.0;
    switch (metric) {
    case STARC_METRIC_L1:
        for (size_t i = 0; i < L; i++)
            acc += fabs(x[i] - y[i]);
        return sa_kind ? acc * (double)p->S : acc;
    case STARC_METRIC_LINF:
        for (size_t i = 0; i < L; i++)
            acc = MAXD(acc, fabs(x[i] - y[i]));
        return acc;
    case STARC_METRIC_WL1:
        for (size_t i = 0; i < L; i++)
            acc += (sa_kind ? w->T1[i] : w->T[i]) * fabs(x[i] - y[i]);
        return acc;
    case STARC_METRIC_WLINF:
        for (size_t i = 0; i < L; i++)
            acc = MAXD(acc, (sa_kind ? w->Tmax[i] : w->T[i]) * fabs(x[i] - y[i]));
        return acc;
    default: /* Gram metrics: squared Euclidean distance of the features */
        for (size_t i = 0; i < L; i++)
            acc += (x[i] - y[i]) * (x[i] - y[i]);
        return acc;
    }
}

static int sparse_matrix(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err);

/* The standardised rewards lo <= i < n of a dense matrix as feature rows, and
 * what the entries need besides: every entry comes from these rows alone, so
 * any range of entries has the same bits as the whole matrix. */
struct matrix_ctx {
    const starc_distance_plan *p;
    size_t n, lo, L;
    int sa_kind, gram, kc; /* kc: norm none's common factor 2^kc (0 otherwise) */
    double *F;             /* (n - lo) x L features */
    int *undef;            /* n - lo flags */
    double *wsqrt;         /* sqrt(T) (wl2) or sqrt(D) (Pearson), L, or NULL */
    size_t e0;             /* first entry of the range */
    double *out;           /* the range's entries */
    int status;            /* an entry that overflowed (norm none), else STARC_OK */
};

static void matrix_ctx_free(struct matrix_ctx *c)
{
    free(c->F);
    free(c->undef);
    free(c->wsqrt);
}

/* Features of rewards [lo, n); with norm none the factor of the largest
 * max |R| of all n rewards, and the rows again scaled when it is not 0.
 * When the forms start from Rbar, the first round takes the rewards' Rbar
 * from one pass over T for all of them (starci_canon_rbar_set()).  Reward i
 * is given by its (S,A) values when Rsa && Rsa[i] (val and minimal only:
 * starci_canon_sa_ok()), R[i] then unused. */
static int matrix_features(starc_distance_plan *p, const double *const *R, const double *const *Rsa,
                           struct matrix_ctx *c, starc_error *err)
{
    const int hom = homogeneous(p);
    const size_t SA = p->S * p->A;
    starci_request req = make_request(p, 0);
    int st = STARC_OK;
    for (int again = 0;; again = 1) {
        double mx = 0.0;
        const size_t i0 = again || !hom ? c->lo : 0, m = c->n - i0;
        double *rb = NULL, *rm = NULL, *vt = NULL;
        if (!again && m > 1 && starci_canon_rbar_ok(p->canon)) {
            const int val = p->o.canon == STARC_CANON_VAL; /* and V, T V: T V of all in one pass over T */
            if (!(rb = starci_dalloc(m * SA)) || !(rm = starci_dalloc(2 * m)) ||
                (val && !(vt = starci_dalloc(m * (SA + p->S)))))
                st = starci_error(err, STARC_ENOMEM, "out of memory for the expected rewards of %zu rewards", m);
            else if (!(st = starci_canon_rbar_set(p->canon, m, R + i0, Rsa ? Rsa + i0 : NULL, rb, rm, rm + m, err)) &&
                     val)
                st = starci_canon_val_set(p->canon, m, rb, vt + m * SA, vt, err);
        }
        for (size_t i = i0; !st && i < c->n; i++) {
            const double *Rs[1] = {R[i]};
            starci_cform cf;
            starci_stats sts;
            struct rinfo ri;
            int k;
            if (rb) {
                p->gRbar = rb + (i - i0) * SA;
                p->grmax = rm[i - i0];
                p->grsum = rm[m + i - i0];
            }
            if (vt) {
                p->gTV = vt + (i - i0) * SA;
                p->gV = vt + m * SA + (i - i0) * p->S;
            }
            st = forms_stats(p, 1, Rs, Rsa && Rsa[i] ? Rsa + i : NULL, hom ? &c->kc : NULL, &req, &cf, &sts, NULL, &k,
                             err);
            p->gRbar = p->gV = p->gTV = NULL;
            if (st || (st = finish(p, &cf, &sts, p->cbar[0], &ri, err)))
                break;
            mx = MAXD(mx, sts.rmax);
            if (i < c->lo)
                continue;
            double *f = c->F + (i - c->lo) * c->L;
            c->undef[i - c->lo] = ri.undefined;
            if (ri.undefined)
                memset(f, 0, c->L * sizeof(double));
            else
                features(p, &cf, &ri, c->wsqrt, f);
        }
        free(rb);
        free(rm);
        free(vt);
        if (st || !hom || again || !(c->kc = starci_norm_scale_exp(&mx, 1)))
            return st;
    }
}

static int matrix_ctx_init(starc_distance_plan *p, size_t n, const double *const *R, const double *const *Rsa,
                           size_t lo, struct matrix_ctx *c, starc_error *err)
{
    const size_t S = p->S, A = p->A, m = n - lo;
    const starc_metric_kind metric = p->o.metric;
    memset(c, 0, sizeof *c);
    c->p = p;
    c->n = n;
    c->lo = lo;
    c->sa_kind = p->o.canon == STARC_CANON_VAL;
    c->gram = metric_is_gram(metric);
    c->L = c->sa_kind ? S * A : S * A * S;
    size_t mL;
    if (!starci_mul_ok(m, c->L, &mL) || mL > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "a %zu x %zu distance matrix needs too much memory", n, n);
    const double *wsrc = c->sa_kind ? NULL : metric == STARC_METRIC_WL2 ? p->w.T : metric == STARC_METRIC_PEARSON ? p->w.D : NULL;
    c->F = starci_dalloc(mL);
    c->undef = calloc(m, sizeof *c->undef);
    c->wsqrt = wsrc ? starci_dalloc(c->L) : NULL;
    if (!c->F || !c->undef || (wsrc && !c->wsqrt))
        return starci_error(err, STARC_ENOMEM, "out of memory for a %zu x %zu distance matrix (S=%zu, A=%zu)", n, n, S, A);
    for (size_t i = 0; wsrc && i < c->L; i++)
        c->wsqrt[i] = sqrt(wsrc[i]);
    return matrix_features(p, R, Rsa, c, err);
}

/* The pairs of a tile of the matrix (rows and columns) are summed together, MATRIX_CHUNK elements
 * of L at a time, while the rows' pieces stay in cache; each pair keeps its own four sums (element
 * k goes to sum k % 4, in order, the tail and the sums combined in a fixed order at the end), so
 * an entry's bits depend on its two rows alone, never on the tile or range it is computed in. */
enum { MATRIX_TILE = 16, MATRIX_CHUNK = 1024 }; /* MATRIX_CHUNK: a multiple of 4 */

static void sqdiff_sums(const double *x, const double *y, size_t k0, size_t k1, double s[4])
{
    double a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3];
    for (size_t k = k0; k < k1; k += 4) {
        const double d0 = x[k] - y[k], d1 = x[k + 1] - y[k + 1], d2 = x[k + 2] - y[k + 2], d3 = x[k + 3] - y[k + 3];
        a0 += d0 * d0;
        a1 += d1 * d1;
        a2 += d2 * d2;
        a3 += d3 * d3;
    }
    s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3;
}

/* Entry (i, j), i <= j, from its rows (and, for the Euclidean metrics, its sums over the first
 * L - L % 4 elements), unscaled by norm none's common factor. */
static double matrix_entry(struct matrix_ctx *c, size_t i, size_t j, const double s[4])
{
    const size_t a = i - c->lo, b = j - c->lo, L = c->L;
    const double *x = c->F + a * L, *y = c->F + b * L;
    double d;
    if (!c->gram) {
        d = i == j ? 0.0 : direct(c->p, c->sa_kind, L, x, y);
    } else if (c->undef[a] || c->undef[b]) {
        return NAN;
    } else if (i == j) {
        d = 0.0;
    } else {
        double t = 0.0;
        for (size_t k = L - L % 4; k < L; k++)
            t += (x[k] - y[k]) * (x[k] - y[k]);
        d = sqrt(((s[0] + t) + s[1]) + (s[2] + s[3]));
        if (c->p->o.metric == STARC_METRIC_PEARSON)
            d = fmin(d / 2.0, 1.0); /* rho >= -1 */
    }
    if (c->kc && isinf(d = ldexp(d, -c->kc)))
        c->status = STARC_EUNDEF; /* every thread stores the same value */
    return d;
}

/* The entries of rows [i0, i1) x columns [j0, j1) (j >= i) within [ea, eb), into c->out. */
static void matrix_tile(struct matrix_ctx *c, size_t i0, size_t i1, size_t j0, size_t j1, size_t ea, size_t eb)
{
    enum { NP = MATRIX_TILE * MATRIX_TILE };
    size_t pi[NP], pj[NP], pe[NP], np = 0;
    double s[NP][4];
    const size_t n = c->n, L = c->L, L4 = L - L % 4;
    for (size_t i = i0; i < i1; i++)
        for (size_t j = j0 > i ? j0 : i; j < j1; j++) {
            const size_t e = i * n - i * (i - 1) / 2 + (j - i); /* rows before i hold n, n-1, ... entries */
            if (e < ea || e >= eb)
                continue;
            pi[np] = i, pj[np] = j, pe[np] = e;
            s[np][0] = s[np][1] = s[np][2] = s[np][3] = 0.0;
            np++;
        }
    for (size_t k0 = 0; c->gram && k0 < L4; k0 += MATRIX_CHUNK) {
        const size_t k1 = k0 + MATRIX_CHUNK < L4 ? k0 + MATRIX_CHUNK : L4;
        for (size_t q = 0; q < np; q++)
            if (pi[q] != pj[q] && !c->undef[pi[q] - c->lo] && !c->undef[pj[q] - c->lo])
                sqdiff_sums(c->F + (pi[q] - c->lo) * L, c->F + (pj[q] - c->lo) * L, k0, k1, s[q]);
    }
    for (size_t q = 0; q < np; q++)
        c->out[pe[q] - c->e0] = matrix_entry(c, pi[q], pj[q], s[q]);
}

/* First row of entry e of the upper triangle (row i holds n - i entries). */
static size_t entry_row(size_t n, size_t e, size_t *j)
{
    size_t i = 0;
    while (e >= n - i) {
        e -= n - i;
        i++;
    }
    *j = i + e;
    return i;
}

/* Entries [c->e0 + a, c->e0 + b) (a worker of starci_parallel_run), tile by tile. */
static void matrix_entries_run(void *arg, size_t a, size_t b, int tid)
{
    struct matrix_ctx *c = arg;
    (void)tid;
    const size_t ea = c->e0 + a, eb = c->e0 + b, n = c->n;
    size_t j, first = entry_row(n, ea, &j), last = entry_row(n, eb - 1, &j);
    for (size_t i0 = first; i0 <= last; i0 += MATRIX_TILE) {
        const size_t i1 = i0 + MATRIX_TILE < last + 1 ? i0 + MATRIX_TILE : last + 1;
        for (size_t j0 = i0; j0 < n; j0 += MATRIX_TILE)
            matrix_tile(c, i0, i1, j0, j0 + MATRIX_TILE < n ? j0 + MATRIX_TILE : n, ea, eb);
    }
}

/* The dense path of the matrix calls: entries [e0, e1) into out; reward i
 * given by its (S,A) values when Rsa && Rsa[i] (matrix_features()). */
static int dense_entries(starc_distance_plan *p, size_t n, const double *const *R, const double *const *Rsa, size_t e0,
                         size_t e1, double *out, starc_error *err)
{
    size_t j, lo = entry_row(n, e0, &j);
    struct matrix_ctx c;
    int st = matrix_ctx_init(p, n, R, Rsa, lo, &c, err);
    if (!st) {
        c.e0 = e0;
        c.out = out;
        double work = (double)(e1 - e0) * (double)c.L;
        starci_parallel_run(p->o.nthreads, e1 - e0, work > (double)SIZE_MAX ? SIZE_MAX : (size_t)work,
                            matrix_entries_run, &c);
        if (c.status)
            st = starci_error(err, STARC_EUNDEF, "the distance overflows: it exceeds the largest double (%g)", DBL_MAX);
    }
    matrix_ctx_free(&c);
    return st;
}

/* The checks both matrix-entries functions make, in this order: [e0, e1) a
 * range of the n x n matrix's upper-triangle entries, a dense MDP. */
static int entries_check(const starc_distance_plan *p, size_t n, size_t e0, size_t e1, const char *fn,
                         starc_error *err)
{
    size_t nn;
    if (!starci_mul_ok(n, n + 1, &nn) || e0 > e1 || e1 > nn / 2)
        return starci_error(err, STARC_EINVAL, "entries [%zu, %zu) are not a range of the %zu x %zu matrix's %zu",
                            e0, e1, n, n, nn / 2);
    if (p->sparse)
        return starci_error(err, STARC_EINVAL, "%s needs a dense MDP (sparse MDPs: see docs/sparse.md)", fn);
    return STARC_OK;
}

int starc_distance_matrix_entries(starc_distance_plan *p, size_t n, const double *const *R, size_t e0, size_t e1,
                                  double *out, starc_error *err)
{
    if (!p || (e1 > e0 && (!R || !out)))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    const int st = entries_check(p, n, e0, e1, "starc_distance_matrix_entries", err);
    return st || e0 == e1 ? st : dense_entries(p, n, R, NULL, e0, e1, out, err);
}

/* The whole dense matrix: the n(n+1)/2 entries packed at the start of D, then moved into place from the last row. */
static int dense_matrix(starc_distance_plan *p, size_t n, const double *const *R, const double *const *Rsa, double *D,
                        starc_error *err)
{
    size_t nn;
    if (!starci_mul_ok(n, n, &nn) || nn > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "a %zu x %zu distance matrix needs too much memory", n, n);
    int st = dense_entries(p, n, R, Rsa, 0, n * (n + 1) / 2, D, err);
    for (size_t i = n; !st && i-- > 0;)
        memmove(D + i * n + i, D + (i ? i * n - i * (i - 1) / 2 : 0), (n - i) * sizeof(double));
    for (size_t i = 0; !st && i < n; i++)
        for (size_t j = 0; j < i; j++)
            D[i * n + j] = D[j * n + i];
    return st;
}

int starc_distance_matrix(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err)
{
    if (!p || (n > 0 && (!R || !D)))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    if (n == 0)
        return STARC_OK;
    if (p->sparse)
        return sparse_matrix(p, n, R, D, err);
    return dense_matrix(p, n, R, NULL, D, err);
}

int starc_distance(const starc_mdp *m, const starc_distance_options *o, const double *R1, const double *R2,
                   double *d, starc_error *err)
{
    starc_distance_plan *p;
    int st = starc_distance_plan_alloc(m, o, &p, err);
    if (st) {
        if (d)
            *d = NAN;
        return st;
    }
    st = starc_distance_pair(p, R1, R2, d, err);
    starc_distance_plan_free(p);
    return st;
}

/* ---- sparse MDPs (docs/sparse.md) --------------------------------------------
 * The pair on structured rewards B(s,a) + G(s') + E(on T's support): the
 * canonical forms of canon-sparse.c, the norms, metrics and Pearson statistic
 * of structured.c, and the same trivial rule as the dense path (finish()).
 * V^pi (val, val-potential) and the range normaliser come from the policy
 * functions on vm on the engine o.policy_options.engine (auto: the sparse
 * engine's own choice for a sparse MDP). */

struct starci_sparse_dist {
    const starc_mdp *vm;        /* values and range */
    starci_csr p;
    double gamma;
    starc_distance_options o;   /* trivial_tol resolved; pointers into the arrays below */
    double *pi, *ds, *da;       /* copies */
    starci_canon_sparse *canon;
    starci_struct_ws ws;
    double *buf[2];             /* 2^k R (B: S*A, G: S, E: nnz) and V^pi (S) of each reward */
    double *rbar;               /* S*A */
    double tsum, tmax;          /* sum and max of T: wl1/wl2/wlinf of a tensor of ones */
    starci_sparse_eval *ev;     /* V^pi: one factorisation of I - gamma P_pi for every reward (val, val-potential) */
};

void starci_sparse_dist_free(starci_sparse_dist *sd)
{
    if (!sd)
        return;
    starci_canon_sparse_free(sd->canon);
    starci_sparse_eval_free(sd->ev);
    starci_struct_ws_free(&sd->ws);
    free(sd->buf[0]);
    free(sd->buf[1]);
    free(sd->rbar);
    free(sd->pi);
    free(sd->ds);
    free(sd->da);
    free(sd);
}

int starci_sparse_dist_alloc(const starc_mdp *vm, const starci_csr *p, const starc_distance_options *o,
                             starci_sparse_dist **out, starc_error *err)
{
    *out = NULL;
    if (o->metric == STARC_METRIC_PEARSON && o->coverage)
        return starci_error(err, STARC_EINVAL, "a Pearson coverage array needs a dense MDP (sparse MDPs: see docs/sparse.md)");
    if ((unsigned)o->norm >= STARC_NORM_KIND_COUNT || (unsigned)o->metric >= STARC_METRIC_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid normalisation or metric kind");
    const size_t S = p->S, A = p->A, SA = S * A, nnz = starci_csr_nnz(p);
    const double gamma = starc_mdp_gamma(vm);
    starci_sparse_dist *sd = calloc(1, sizeof *sd);
    if (!sd)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    sd->vm = vm;
    sd->p = *p;
    sd->gamma = gamma;
    sd->o = *o;
    sd->o.trivial_tol = starc_distance_trivial_tol(o->trivial_tol, o->canon, gamma, S);
    int st = STARC_OK, fail = 0;
    const starc_canon_options *co = &o->canon_options;
    if (co->policy && (st = starc_policy_validate(vm, co->policy, NULL, err)))
        goto out;
    sd->pi = starci_dalloc(SA);
    sd->ds = dup_array(co->state_dist, S, &fail);
    sd->da = dup_array(co->action_dist, A, &fail);
    sd->rbar = starci_dalloc(SA);
    sd->buf[0] = starci_dalloc(SA + 3 * S + nnz);
    sd->buf[1] = starci_dalloc(SA + 3 * S + nnz);
    if (fail || !sd->pi || !sd->rbar || !sd->buf[0] || !sd->buf[1]) {
        st = starci_error(err, STARC_ENOMEM, "out of memory preparing a sparse distance (S=%zu, nnz=%zu)", S, nnz);
        goto out;
    }
    if (co->policy)
        memcpy(sd->pi, co->policy, SA * sizeof(double));
    else
        starc_policy_uniform(vm, sd->pi);
    sd->o.canon_options.policy = sd->pi;
    sd->o.canon_options.state_dist = sd->ds;
    sd->o.canon_options.action_dist = sd->da;
    if ((st = starci_canon_sparse_alloc(p, gamma, o->canon, &sd->o.canon_options, &sd->canon, err)) ||
        (st = starci_struct_ws_alloc(p, &sd->ws, err)) ||
        (st = starci_struct_ws_alloc_f(&sd->ws, starci_canon_sparse_f_nnz(sd->canon), err)))
        goto out;
    for (size_t k = 0; k < nnz; k++) {
        sd->tsum += p->data[k];
        sd->tmax = MAXD(sd->tmax, p->data[k]);
    }
out:
    if (st) {
        starci_sparse_dist_free(sd);
        return st;
    }
    *out = sd;
    return STARC_OK;
}

/* 2^k R in slot i's buffer (k = 0: R itself). */
static void sparse_prescale(starci_sparse_dist *sd, int i, const starci_struct *R, int k, starci_struct *Rs)
{
    *Rs = *R;
    if (k == 0)
        return;
    const size_t S = sd->p.S, SA = S * sd->p.A;
    double *B = sd->buf[i], *G = B + SA, *E = G + S;
    if (R->B) {
        starci_norm_scale_copy(R->B, SA, k, B);
        Rs->B = B;
    }
    if (R->G) {
        starci_norm_scale_copy(R->G, S, k, G);
        Rs->G = G;
    }
    if (R->E) {
        starci_norm_scale_copy(R->E, starci_csr_nnz(&sd->p), k, E);
        Rs->E = E;
    }
}

/* max |B|, |G|, |E| of a structured reward (its max |R| up to a factor 3). */
static double sparse_bound(const starci_sparse_dist *sd, const starci_struct *R)
{
    const size_t S = sd->p.S, SA = S * sd->p.A, nnz = starci_csr_nnz(&sd->p);
    const double *xs[3] = {R->B, R->G, R->E};
    const size_t ns[3] = {SA, S, nnz};
    double m = 0.0;
    for (int c = 0; c < 3; c++)
        for (size_t j = 0; xs[c] && j < ns[c]; j++)
            m = MAXD(m, fabs(xs[c][j]));
    return m;
}

/* The normaliser's largest value on a tensor with entries bounded by 1 (norm_unit()). */
static double sparse_unit(const starci_sparse_dist *sd)
{
    const double N = (double)sd->p.S * (double)sd->p.A * (double)sd->p.S;
    switch (sd->o.norm) {
    case STARC_NORM_L1: return N;
    case STARC_NORM_L2: return sqrt(N);
    case STARC_NORM_LINF: return 1.0;
    case STARC_NORM_WL1: return sd->tsum;
    case STARC_NORM_WL2: return sqrt(sd->tsum);
    case STARC_NORM_WLINF: return sd->tmax;
    case STARC_NORM_RANGE: return 2.0 / (1.0 - sd->gamma);
    default: return 0.0;
    }
}

static int sparse_norm(starci_sparse_dist *sd, const starci_struct *c, double *n, starc_error *err)
{
    if (sd->o.norm != STARC_NORM_RANGE) {
        if (starci_struct_norm(&sd->p, (int)sd->o.norm, c, &sd->ws, n, NULL))
            *n = INFINITY; /* exceeds the largest double: certainly not trivial */
        return STARC_OK;
    }
    starc_policy_range_result r;
    starci_struct_expected(&sd->p, c, sd->rbar);
    int st = starc_policy_range_rbar(sd->vm, sd->rbar, &sd->o.policy_options, &r, NULL, err);
    if (!st)
        *n = MAXD(r.optimal_return - r.worst_return, 0.0);
    return st;
}

/* finish() on a structured canonical form. */
static int sparse_finish(starci_sparse_dist *sd, const starci_struct *R, const starci_struct *c, struct rinfo *ri,
                         starc_error *err)
{
    const int pearson = sd->o.metric == STARC_METRIC_PEARSON;
    memset(ri, 0, sizeof *ri);
    if (pearson)
        starci_struct_moments(&sd->p, c, &sd->ws, &ri->mean, &ri->sigma);
    const double rmax = starci_struct_maxabs(&sd->p, R, &sd->ws, NULL);
    double seen;
    const double xmax = starci_struct_maxabs(&sd->p, c, &sd->ws, &seen);
    starci_rule_args a = {sd->o.trivial_tol, rmax, xmax, -1, 0.0, 0.0, NAN, pearson ? ri->sigma : NAN};
    int v = starci_distance_rule(&a);
    if (!(v & STARCI_TRIVIAL) && sd->o.norm != STARC_NORM_NONE) {
        double n;
        int st = sparse_norm(sd, c, &n, err);
        if (st)
            return st;
        a.norm = (int)sd->o.norm;
        a.n = n;
        a.nunit = sparse_unit(sd);
        if ((v = starci_distance_rule(&a)) & STARCI_NEED_SEEN) {
            a.xseen = seen;
            v = starci_distance_rule(&a);
        }
        ri->n = n;
    } else if (!(v & STARCI_TRIVIAL)) {
        ri->n = 1.0;
    }
    ri->trivial = (v & STARCI_TRIVIAL) != 0;
    ri->undefined = pearson && (v & STARCI_CONSTANT) != 0;
    if (ri->trivial)
        ri->n = 0.0;
    else
        ri->a = 1.0 / ri->n;
    return STARC_OK;
}

/* The canonical form of reward i (slot i), prescaled by 2^k, and what the rule says of it. */
static int sparse_form(starci_sparse_dist *sd, int i, const starci_struct *R, int k, starci_struct *c, struct rinfo *ri,
                       starc_error *err)
{
    starci_struct Rs;
    sparse_prescale(sd, i, R, k, &Rs);
    const double *V = NULL;
    int st;
    if (sd->o.canon == STARC_CANON_VAL || sd->o.canon == STARC_CANON_VAL_POTENTIAL) {
        double *Vb = sd->buf[i] + sd->p.S * sd->p.A + 2 * sd->p.S + starci_csr_nnz(&sd->p);
        starci_struct_expected(&sd->p, &Rs, sd->rbar);
        /* one evaluator per plan with the plan's engine (policy_options.engine), as for the range normaliser */
        if ((!sd->ev && (st = starci_sparse_eval_alloc(sd->vm, &sd->o.policy_options, sd->pi, &sd->ev, err))) ||
            (st = starci_sparse_eval_values(sd->ev, sd->rbar, Vb, NULL, err)))
            return st;
        V = Vb;
    }
    if ((st = starci_canon_sparse_form(sd->canon, i, &Rs, V, c, err)))
        return st;
    return sparse_finish(sd, &Rs, c, ri, err);
}

const starc_distance_options *starci_sparse_dist_options(const starci_sparse_dist *sd)
{
    return &sd->o;
}

int starci_sparse_dist_pair(starci_sparse_dist *sd, const starci_struct *R1, const starci_struct *R2, double *d,
                            starc_error *err)
{
    *d = NAN;
    /* scale invariance as on the dense path: each reward by its own power of
     * two, or both by one (norm none, not Pearson: homogeneous of degree 1) */
    const int hom = sd->o.norm == STARC_NORM_NONE && sd->o.metric != STARC_METRIC_PEARSON;
    double b[2] = {sparse_bound(sd, R1), sparse_bound(sd, R2)};
    if (hom)
        b[0] = b[1] = MAXD(b[0], b[1]);
    const int k[2] = {starci_norm_scale_exp(&b[0], 1), starci_norm_scale_exp(&b[1], 1)};
    const starci_struct *R[2] = {R1, R2};
    starci_struct c[2];
    struct rinfo ri[2];
    int st;
    for (int i = 0; i < 2; i++)
        if ((st = sparse_form(sd, i, R[i], k[i], &c[i], &ri[i], err)))
            return st;
    if (sd->o.metric == STARC_METRIC_PEARSON) {
        for (int i = 0; i < 2; i++)
            if (ri[i].undefined)
                return starci_error(err, STARC_EUNDEF,
                                    "Pearson distance undefined: the %s reward's canonical form is %s under the coverage",
                                    i == 0 ? "first" : "second", ri[i].trivial ? "zero (trivial reward)" : "constant");
        *d = starci_struct_pearson(&sd->p, &c[0], &c[1], &sd->ws);
        return STARC_OK;
    }
    st = starci_struct_metric_scaled(&sd->p, (int)sd->o.metric, ri[0].a, &c[0], ri[1].a, &c[1], &sd->ws, d, err);
    if (!st)
        st = unscale(hom ? k[0] : 0, d, err);
    if (st)
        *d = NAN;
    return st;
}

/* ---- the public functions on a sparse MDP ------------------------------------- */

static int sparse_plan_alloc(const starc_mdp *m, const starc_distance_options *o, starc_distance_plan **out,
                             starc_error *err)
{
    if ((unsigned)o->canon >= STARC_CANON_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid canonicalisation kind %d", (int)o->canon);
    if (!((o->trivial_tol >= 0.0 && isfinite(o->trivial_tol)) || o->trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED))
        return starci_error(err, STARC_EINVAL,
                            "trivial tolerance %g is neither a finite number >= 0 nor "
                            "STARC_DISTANCE_TRIVIAL_TOL_DERIVED",
                            o->trivial_tol);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starci_csr csr = {S, A, NULL, NULL, NULL};
    starc_mdp_csr(m, &csr.indptr, &csr.indices, &csr.data);
    starc_distance_plan *p = calloc(1, sizeof *p);
    if (!p)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    p->m = m;
    p->S = S;
    p->A = A;
    int st = starci_sparse_dist_alloc(m, &csr, o, &p->sparse, err);
    if (!st && !(p->sbuf = starci_dalloc(2 * S * A)))
        st = starci_error(err, STARC_ENOMEM, "out of memory preparing a distance plan (S=%zu, A=%zu)", S, A);
    if (st) {
        starc_distance_plan_free(p);
        return st;
    }
    p->o = *starci_sparse_dist_options(p->sparse);
    *out = p;
    return STARC_OK;
}

/* Pairwise: each entry canonicalises both rewards again (metrics other than l2 and Pearson). */
static int sparse_matrix_pairwise(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double d;
            int st = starc_distance_pair(p, R[i], R[j], &d, err);
            if (st == STARC_EUNDEF)
                d = NAN;
            else if (st)
                return st;
            else if (i == j)
                d = 0.0;
            D[i * n + j] = D[j * n + i] = d;
        }
    return STARC_OK;
}

/* One reward's canonical form, kept for the Gram matrix (Pearson: centred, B shifted by -mean). */
typedef struct sparse_kept {
    double *buf;
    starci_struct x;
    struct rinfo ri;
} sparse_kept;

struct gram_ctx {
    const starci_csr *p;
    size_t n;
    const sparse_kept *f;
    double *Gm;
    double *gc; /* 2 S per thread */
};

static void gram_rows(void *arg, size_t i0, size_t i1, int tid)
{
    struct gram_ctx *g = arg;
    const size_t S = g->p->S, n = g->n;
    starci_struct_ws w;
    memset(&w, 0, sizeof w); /* starci_struct_dot reads only gc[0], gc[1] */
    w.gc[0] = g->gc + 2 * S * (size_t)tid;
    w.gc[1] = w.gc[0] + S;
    for (size_t i = i0; i < i1; i++)
        for (size_t j = i; j < n; j++)
            g->Gm[i * n + j] = starci_struct_dot(g->p, &g->f[i].x, &g->f[j].x, 0, &w);
}

/* Copy c (pointing into the plan's slot buffers) into kept storage; shift added to B. */
static int sparse_keep(const starci_sparse_dist *sd, const starci_struct *c, double shift, sparse_kept *k)
{
    const size_t S = sd->p.S, SA = S * sd->p.A, nnz = starci_csr_nnz(&sd->p), nF = c->F ? c->fptr[S] : 0;
    if (!(k->buf = starci_dalloc(SA + S + nnz + nF + 1)))
        return STARC_ENOMEM;
    double *B = k->buf, *G = B + SA, *E = G + S, *F = E + nnz;
    memset(&k->x, 0, sizeof k->x);
    for (size_t r = 0; r < SA; r++)
        B[r] = (c->B ? c->B[r] : 0.0) + shift;
    k->x.B = B;
    if (c->G) {
        memcpy(G, c->G, S * sizeof(double));
        k->x.G = G;
    }
    if (c->E) {
        memcpy(E, c->E, nnz * sizeof(double));
        k->x.E = E;
    }
    if (c->F) {
        memcpy(F, c->F, nF * sizeof(double));
        k->x.F = F;
        k->x.fptr = c->fptr;
        k->x.fidx = c->fidx;
    }
    return STARC_OK;
}

/* l2 (normalised) and Pearson: each reward canonicalised and normalised once (the trivial rule as for a pair),
 * then the N x N inner products of the structured forms (a Gram matrix, computed with nthreads;
 * each entry by itself, so the result does not depend on their number):
 *   l2:      d_ij^2 = a_i^2 <c_i,c_i> + a_j^2 <c_j,c_j> - 2 a_i a_j <c_i,c_j>, recomputed from the
 *            difference when d^2 < (|s_i|^2 + |s_j|^2)/16 (as the dense path);
 *   Pearson: rho_ij = <c_i - mean_i, c_j - mean_j> / (N sd_i sd_j), recomputed from the
 *            standardised difference when 1 - rho < 1/16 (starci_struct_pearson). */
static int sparse_matrix_gram(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err)
{
    starci_sparse_dist *sd = p->sparse;
    const starci_csr *pc = &sd->p;
    const size_t S = pc->S;
    const int pearson = sd->o.metric == STARC_METRIC_PEARSON;
    const double N = (double)S * (double)pc->A * (double)S;
    int st = STARC_OK, nth = sd->o.nthreads < 1 ? 1 : sd->o.nthreads;
    if (nth > STARCI_PARALLEL_MAX_THREADS)
        nth = STARCI_PARALLEL_MAX_THREADS;
    sparse_kept *f = calloc(n ? n : 1, sizeof *f);
    int *k = calloc(n ? n : 1, sizeof *k);
    double *Gm = starci_dalloc(n * n + 1), *gc = starci_dalloc(2 * S * (size_t)nth);
    if (!f || !k || !Gm || !gc) {
        st = starci_error(err, STARC_ENOMEM, "out of memory for a %zu x %zu distance matrix (S=%zu)", n, n, S);
        goto out;
    }
    for (size_t i = 0; i < n; i++) { /* each reward by its own power of two (s(R) is scale-free) */
        const starci_struct x = {.E = R[i]};
        double b = sparse_bound(sd, &x);
        k[i] = starci_norm_scale_exp(&b, 1);
    }
    for (size_t i = 0; i < n; i++) {
        const starci_struct x = {.E = R[i]};
        starci_struct c;
        if ((st = sparse_form(sd, 0, &x, k[i], &c, &f[i].ri, err)))
            goto out;
        if (sparse_keep(sd, &c, pearson ? -f[i].ri.mean : 0.0, &f[i])) {
            st = starci_error(err, STARC_ENOMEM, "out of memory keeping %zu canonical forms (S=%zu, nnz=%zu)", n, S,
                              starci_csr_nnz(pc));
            goto out;
        }
    }
    struct gram_ctx g = {pc, n, f, Gm, gc};
    const size_t per = pc->S * pc->A + starci_csr_nnz(pc) + pc->A * starci_canon_sparse_f_nnz(sd->canon);
    const double work = (double)n * (double)n / 2.0 * (double)per;
    starci_parallel_run(nth, n, work > (double)SIZE_MAX ? SIZE_MAX : (size_t)work, gram_rows, &g);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            const struct rinfo *ri = &f[i].ri, *rj = &f[j].ri;
            double d;
            if (pearson) {
                if (ri->undefined || rj->undefined) {
                    d = NAN;
                } else if (i == j) {
                    d = 0.0;
                } else {
                    const double rho = fmin(1.0, MAXD(-1.0, Gm[i * n + j] / N / (ri->sigma * rj->sigma)));
                    if (1.0 - rho >= STARCI_REFINE) {
                        d = sqrt((1.0 - rho) / 2.0);
                    } else { /* the centred forms: the same distance */
                        d = starci_struct_pearson(pc, &f[i].x, &f[j].x, &sd->ws);
                    }
                }
            } else if (i == j) {
                d = 0.0;
            } else {
                const double xi = ri->a * ri->a * Gm[i * n + i], xj = rj->a * rj->a * Gm[j * n + j];
                const double d2 = xi + xj - 2.0 * ri->a * rj->a * Gm[i * n + j];
                if (d2 >= (xi + xj) / 16.0) {
                    d = sqrt(d2);
                } else if ((st = starci_struct_metric_scaled(pc, STARC_METRIC_L2, ri->a, &f[i].x, rj->a, &f[j].x,
                                                             &sd->ws, &d, err))) {
                    goto out;
                }
            }
            D[i * n + j] = D[j * n + i] = d;
        }
out:
    for (size_t i = 0; f && i < n; i++)
        free(f[i].buf);
    free(f), free(k), free(Gm), free(gc);
    return st;
}

static int sparse_matrix(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err)
{
    /* norm none with l2 is homogeneous of degree 1: its inner products leave the range of doubles for
     * rewards of scale 1e+-300 (each pair is scaled by itself below) */
    const starc_metric_kind m = p->sparse->o.metric;
    if (m == STARC_METRIC_PEARSON || (m == STARC_METRIC_L2 && p->sparse->o.norm != STARC_NORM_NONE))
        return sparse_matrix_gram(p, n, R, D, err);
    return sparse_matrix_pairwise(p, n, R, D, err);
}

/* A reward given as (S,), (S,A) or in full, as a structured tensor (sparse) or dense (dense MDP). */
static int shaped_reward(starc_distance_plan *p, int slot, size_t ndim, const size_t *shape, const double *R,
                         starci_struct *x, starc_error *err)
{
    const size_t S = p->S, A = p->A;
    memset(x, 0, sizeof *x);
    if (ndim == 1 && shape[0] == S) { /* a state reward, also when nnz == S (as starc_mdp_reward_expand) */
        double *B = p->sbuf + (size_t)slot * S * A;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                B[s * A + a] = R[s];
        x->B = B;
    } else if (ndim == 2 && shape[0] == S && shape[1] == A) {
        x->B = R;
    } else if (ndim == 1 && shape[0] == starc_mdp_nnz(p->m)) {
        x->E = R;
    } else {
        return starci_error(err, STARC_EDIM, "reward %d has a shape this sparse MDP does not take: (S,), (S,A) or (nnz,) = "
                                             "(%zu,), (%zu,%zu) or (%zu,)", slot + 1, S, S, A, starc_mdp_nnz(p->m));
    }
    return STARC_OK;
}

/* ---- rewards in their own shapes on a dense MDP ------------------------------------------ */

/* n rewards as given, for the dense paths: reward i full at R[i] (Rsa[i] NULL), or by its (S,A)
 * values Rsa[i] (R[i] NULL). */
typedef struct shaped_set {
    const double **R, **Rsa;
    double *sa;   /* the (S,A) values of the (S,) rewards kept */
    double *full; /* the expansions */
    int any_sa;   /* some Rsa[i] != NULL */
} shaped_set;

static void shaped_set_free(shaped_set *x)
{
    free(x->R);
    free(x->Rsa);
    free(x->sa);
    free(x->full);
}

enum { SHAPED_FULL, SHAPED_SA, SHAPED_STATE, SHAPED_EXPAND };

/* How reward (nd, sh, R) is used: a full (S,A,S) reward where it is; an (S,) or (S,A) one with
 * finite values by its (S,A) values when the canonical form needs only its Rbar (val, minimal:
 * starci_canon_forms_sa(), the same bits as its expansion); otherwise, or when it fails that
 * test, expanded (the expansion then names what is wrong). */
static int shaped_kind(const starc_distance_plan *p, size_t nd, const size_t *sh, const double *R)
{
    const size_t S = p->S, A = p->A;
    const int state = nd == 1 && sh[0] == S, pair = nd == 2 && sh[0] == S && sh[1] == A;
    if (nd == 3 && sh[0] == S && sh[1] == A && sh[2] == S)
        return SHAPED_FULL;
    if ((state || pair) && starci_canon_sa_ok(p->canon) && isfinite(k_sumabs(R, state ? S : S * A)))
        return state ? SHAPED_STATE : SHAPED_SA;
    return SHAPED_EXPAND;
}

/* The n rewards resolved (shaped_kind()).  An expansion's error is preceded by that of a full
 * reward before it with a non-finite entry, so that the first bad reward is named, as when
 * each reward was checked in turn. */
static int shaped_set_init(starc_distance_plan *p, size_t n, const size_t *nd, const size_t *const *sh,
                           const double *const *in, shaped_set *x, starc_error *err)
{
    const size_t S = p->S, A = p->A, SA = S * A, SAS = SA * S;
    size_t cnt[4] = {0, 0, 0, 0}, bytes;
    memset(x, 0, sizeof *x);
    unsigned char *kind = malloc(n ? n : 1);
    x->R = calloc(n ? n : 1, sizeof *x->R);
    x->Rsa = calloc(n ? n : 1, sizeof *x->Rsa);
    if (!kind || !x->R || !x->Rsa) {
        free(kind);
        return starci_error(err, STARC_ENOMEM, "out of memory for %zu rewards", n);
    }
    for (size_t i = 0; i < n; i++)
        cnt[kind[i] = (unsigned char)shaped_kind(p, nd[i], sh[i], in[i])]++;
    if (!starci_mul_ok(cnt[SHAPED_EXPAND], SAS, &bytes) || bytes > SIZE_MAX / sizeof(double)) {
        free(kind);
        return starci_error(err, STARC_EDIM, "expanding %zu rewards needs too much memory", cnt[SHAPED_EXPAND]);
    }
    x->sa = cnt[SHAPED_STATE] ? starci_dalloc(cnt[SHAPED_STATE] * SA) : NULL;
    x->full = cnt[SHAPED_EXPAND] ? starci_dalloc(bytes) : NULL;
    int st = STARC_OK;
    if ((cnt[SHAPED_STATE] && !x->sa) || (cnt[SHAPED_EXPAND] && !x->full))
        st = starci_error(err, STARC_ENOMEM, "out of memory expanding %zu reward%s (S=%zu, A=%zu)",
                          cnt[SHAPED_STATE] + cnt[SHAPED_EXPAND], n > 1 ? "s" : "", S, A);
    double *sa = x->sa, *full = x->full;
    for (size_t i = 0; i < n && !st; i++) {
        switch (kind[i]) {
        case SHAPED_FULL: x->R[i] = in[i]; break;
        case SHAPED_SA: x->Rsa[i] = in[i]; break;
        case SHAPED_STATE:
            starc_mdp_state_reward_expected(p->m, in[i], sa); /* r(s) for every a */
            x->Rsa[i] = sa;
            sa += SA;
            break;
        default:
            if ((st = starc_mdp_reward_expand(p->m, nd[i], sh[i], in[i], full, err)))
                for (size_t j = 0; j < i; j++)
                    if (kind[j] == SHAPED_FULL && entries_finite(in[j], SAS, err)) {
                        st = STARC_EINVAL;
                        break;
                    }
            x->R[i] = full;
            full += SAS;
        }
        x->any_sa |= x->Rsa[i] != NULL;
    }
    free(kind);
    return st;
}

int starc_distance_pair_shaped(starc_distance_plan *p, size_t ndim1, const size_t *shape1, const double *R1,
                               size_t ndim2, const size_t *shape2, const double *R2, double *d, starc_error *err)
{
    if (!p || !R1 || !R2 || !d || (ndim1 && !shape1) || (ndim2 && !shape2))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    *d = NAN;
    if (p->sparse) {
        starci_struct x[2];
        int st = shaped_reward(p, 0, ndim1, shape1, R1, &x[0], err);
        if (!st)
            st = shaped_reward(p, 1, ndim2, shape2, R2, &x[1], err);
        return st ? st : starci_sparse_dist_pair(p->sparse, &x[0], &x[1], d, err);
    }
    const size_t nd[2] = {ndim1, ndim2};
    const size_t *sh[2] = {shape1, shape2};
    const double *in[2] = {R1, R2};
    shaped_set x;
    int st = shaped_set_init(p, 2, nd, sh, in, &x, err);
    if (!st)
        st = x.any_sa ? pair_dense(p, x.R, x.Rsa, d, err) : starc_distance_pair(p, x.R[0], x.R[1], d, err);
    shaped_set_free(&x);
    return st;
}


/* The n shapes of the matrix functions as pointers (reward i: shape + 3*i), then the rewards resolved. */
static int shaped_matrix_set(starc_distance_plan *p, size_t n, const size_t *ndim, const size_t *shape,
                             const double *const *R, shaped_set *x, starc_error *err)
{
    const size_t **sh = malloc((n ? n : 1) * sizeof *sh);
    if (!sh) {
        memset(x, 0, sizeof *x);
        return starci_error(err, STARC_ENOMEM, "out of memory for %zu rewards", n);
    }
    for (size_t i = 0; i < n; i++)
        sh[i] = shape + 3 * i;
    int st = shaped_set_init(p, n, ndim, (const size_t *const *)sh, R, x, err);
    free(sh);
    return st;
}

int starc_distance_matrix_shaped(starc_distance_plan *p, size_t n, const size_t *ndim, const size_t *shape,
                                 const double *const *R, double *D, starc_error *err)
{
    if (!p || (n > 0 && (!ndim || !shape || !R || !D)))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    if (n == 0)
        return STARC_OK;
    if (p->sparse)
        return starci_error(err, STARC_EINVAL,
                            "starc_distance_matrix_shaped needs a dense MDP (sparse MDPs: see docs/sparse.md)");
    shaped_set x;
    int st = shaped_matrix_set(p, n, ndim, shape, R, &x, err);
    if (!st)
        st = dense_matrix(p, n, x.R, x.any_sa ? x.Rsa : NULL, D, err);
    shaped_set_free(&x);
    return st;
}

int starc_distance_matrix_entries_shaped(starc_distance_plan *p, size_t n, const size_t *ndim, const size_t *shape,
                                         const double *const *R, size_t e0, size_t e1, double *out,
                                         starc_error *err)
{
    if (!p || (e1 > e0 && (!ndim || !shape || !R || !out)))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    int st = entries_check(p, n, e0, e1, "starc_distance_matrix_entries_shaped", err);
    if (st || e0 == e1)
        return st;
    shaped_set x;
    st = shaped_matrix_set(p, n, ndim, shape, R, &x, err);
    if (!st)
        st = dense_entries(p, n, x.R, x.any_sa ? x.Rsa : NULL, e0, e1, out, err);
    shaped_set_free(&x);
    return st;
}

int starc_distance_standardize_shaped(starc_distance_plan *p, size_t ndim, const size_t *shape, const double *R,
                                      double *out, double *norm, int *trivial, starc_error *err)
{
    if (!p || !R || !out || (ndim && !shape))
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    if (p->sparse)
        return starci_error(err, STARC_EINVAL,
                            "starc_distance_standardize_shaped needs a dense MDP (sparse MDPs: see docs/sparse.md)");
    shaped_set x;
    int st = shaped_set_init(p, 1, &ndim, &shape, &R, &x, err);
    if (!st)
        st = standardize_dense(p, x.R[0], x.any_sa ? x.Rsa : NULL, out, norm, trivial, err);
    shaped_set_free(&x);
    return st;
}
