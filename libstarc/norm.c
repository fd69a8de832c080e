/* Normalisations (docs/theory.md §3), and the streaming passes that compute norms
 * and metrics on structured canonical forms (canon-internal.h); the metric
 * module (metric.c) and the distance module call the passes.
 *
 * Every pass walks the S*A rows of the tensor once, in state order, keeping
 * one block of partial results per state; the blocks are combined in state
 * order at the end, so the result does not depend on how the blocks were
 * scheduled.  Weighted means and centred second moments (Pearson) are merged
 * with Chan, Golub and LeVeque's pairwise update, which stays accurate when
 * the mean is large compared with the spread. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "kernels-internal.h"
#include "norm-internal.h"
#include "structured-internal.h"
#include "parallel-internal.h"
#include "policy-internal.h"
#include "starc/norm.h"

static const char *const norm_names[STARC_NORM_KIND_COUNT] = {"l1",  "l2",    "linf", "wl1",
                                                               "wl2", "wlinf", "none", "range"};

const char *starc_norm_kind_name(starc_norm_kind kind)
{
    return (unsigned)kind < STARC_NORM_KIND_COUNT ? norm_names[kind] : NULL;
}

int starc_norm_kind_parse(const char *name, starc_norm_kind *kind, starc_error *err)
{
    for (int i = 0; name && i < STARC_NORM_KIND_COUNT; i++)
        if (strcmp(name, norm_names[i]) == 0) {
            *kind = (starc_norm_kind)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not a normalisation (l1, l2, linf, wl1, wl2, wlinf, none, range)",
                        name ? name : "(null)");
}

/* ---- weights -------------------------------------------------------------- */

void starci_norm_weights_clear(starci_weights *w)
{
    free(w->T1);
    free(w->Tmax);
    free(w->D);
    free(w->Dsa);
    memset(w, 0, sizeof *w);
}

int starci_norm_weights_init(starci_weights *w, const starc_mdp *m, const double *coverage, double prob_tol, int need_T,
                             starc_error *err)
{
    memset(w, 0, sizeof *w);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), SA = S * A, n = SA * S;
    w->S = S;
    w->A = A;
    w->gamma = starc_mdp_gamma(m);
    w->T = starc_mdp_transitions(m);
    w->mu0 = starc_mdp_initial(m);
    w->nthreads = 1;
    if (coverage) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(coverage[i]) || coverage[i] < 0.0)
                return starci_error(err, STARC_EINVAL, "coverage entry %zu (flat index) = %.17g is negative or not finite",
                                    i, coverage[i]);
            sum += coverage[i];
        }
        if (fabs(sum - 1.0) > prob_tol)
            return starci_error(err, STARC_EINVAL, "coverage sums to %.17g, not 1 (tolerance %g)", sum, prob_tol);
    }
    w->T1 = starci_dalloc(SA);
    w->Tmax = starci_dalloc(SA);
    w->Dsa = starci_dalloc(SA);
    if (coverage)
        w->D = starci_dalloc(n);
    if (!w->T1 || !w->Tmax || !w->Dsa || (coverage && !w->D)) {
        starci_norm_weights_clear(w);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    double tsum = 0.0, tmx = 0.0, csum = 0.0;
    if (coverage)
        for (size_t i = 0; i < n; i++)
            csum += coverage[i];
    for (size_t sa = 0; sa < SA; sa++) {
        const double *t = w->T + sa * S;
        double s1 = 0.0, mx = 0.0, ds = 0.0;
        if (need_T)
            for (size_t j = 0; j < S; j++) {
                s1 += t[j];
                mx = MAXD(mx, t[j]);
            }
        if (coverage)
            for (size_t j = 0; j < S; j++) {
                w->D[sa * S + j] = coverage[sa * S + j] / csum;
                ds += w->D[sa * S + j];
            }
        else
            ds = 1.0 / (double)SA;
        w->T1[sa] = s1;
        w->Tmax[sa] = mx;
        w->Dsa[sa] = ds;
        tsum += s1;
        tmx = MAXD(tmx, mx);
    }
    w->Tsum = tsum;
    w->Tmaxall = tmx;
    return STARC_OK;
}

/* Merge weighted moment summaries b into a (Chan et al.). */
static void moments_merge(size_t k, starci_stats *a, starci_joint *ja, const starci_stats *b, const starci_joint *jb)
{
    double Wb = b[0].W;
    if (Wb <= 0.0)
        return;
    double Wa = a[0].W, W = Wa + Wb, f = Wa * Wb / W;
    double delta[2];
    for (size_t i = 0; i < k; i++) {
        delta[i] = b[i].mean - a[i].mean;
        a[i].mean += delta[i] * (Wb / W);
        a[i].M2 += b[i].M2 + delta[i] * delta[i] * f;
        a[i].W = W;
    }
    if (k == 2 && ja)
        ja->c12 += jb->c12 + delta[0] * delta[1] * f;
}

static int norm_is_max(int norm)
{
    return norm == STARC_NORM_LINF || norm == STARC_NORM_WLINF;
}

static void stats_zero(starci_stats *st, size_t k, starci_joint *jt)
{
    for (size_t i = 0; i < k; i++)
        memset(&st[i], 0, sizeof st[i]);
    if (jt)
        memset(jt, 0, sizeof *jt);
}

/* Fold block b (k forms) into the running totals. */
static void block_fold(size_t k, const starci_request *req, starci_stats *st, starci_joint *jt, const starci_block *b)
{
    for (size_t i = 0; i < k; i++) {
        st[i].xmax = MAXD(st[i].xmax, b->st[i].xmax);
        if (norm_is_max(req->norm))
            st[i].nacc = MAXD(st[i].nacc, b->st[i].nacc);
        else
            st[i].nacc += b->st[i].nacc;
        st[i].sq += b->st[i].sq;
        st[i].xsum += b->st[i].xsum;
    }
    if (jt)
        jt->s12 += b->jt.s12;
    if (req->pearson)
        moments_merge(k, st, jt, b->st, &b->jt);
}

/* Statistics of one row for k forms: rows x[i] of length S (dense path),
 * with max |x|, sum x and sum x^2 already known (mx, sm, sq). */
static void row_dense(const starci_weights *w, size_t sa, size_t k, const double *const *x, const double *mx,
                      const double *sm, const double *sq, const starci_request *req, double *const *cbar,
                      starci_block *b)
{
    const size_t S = w->S;
    const double *t = w->T + sa * S;
    starci_stats rs[2];
    starci_joint rj = {0.0, 0.0};
    for (size_t i = 0; i < k; i++) {
        starci_stats *bs = &b->st[i];
        bs->xmax = MAXD(bs->xmax, mx[i]);
        bs->xsum += sm[i];
        switch (req->norm) {
        case STARC_NORM_L1: bs->nacc += k_sumabs(x[i], S); break;
        case STARC_NORM_L2: bs->nacc += sq[i]; break;
        case STARC_NORM_LINF: bs->nacc = MAXD(bs->nacc, mx[i]); break;
        case STARC_NORM_WL1: bs->nacc += k_wsumabs(t, x[i], S); break;
        case STARC_NORM_WL2: bs->nacc += k_wsumsq(t, x[i], S); break;
        case STARC_NORM_WLINF: bs->nacc = MAXD(bs->nacc, k_wmaxabs(t, x[i], S)); break;
        case STARC_NORM_RANGE: if (cbar && cbar[i]) cbar[i][sa] = k_dot(t, x[i], S); break;
        default: break;
        }
        if (req->cross)
            bs->sq += req->cross_weighted ? k_wsumsq(t, x[i], S) : sq[i];
    }
    if (req->cross && k == 2)
        b->jt.s12 += req->cross_weighted ? k_wdot(t, x[0], x[1], S) : k_dot(x[0], x[1], S);
    if (req->pearson) {
        const double *d = w->D ? w->D + sa * S : NULL;
        double Wr = w->Dsa[sa];
        if (Wr > 0.0) {
            for (size_t i = 0; i < k; i++) {
                rs[i].W = Wr;
                rs[i].mean = d ? k_dot(d, x[i], S) / Wr : sm[i] / (double)S;
            }
            double scale = d ? 1.0 : Wr / (double)S; /* uniform: every entry weighs Wr / S */
            if (k == 2) {
                double sxx, syy, sxy;
                k_cmom2(d, x[0], rs[0].mean, x[1], rs[1].mean, S, &sxx, &syy, &sxy);
                rs[0].M2 = scale * sxx;
                rs[1].M2 = scale * syy;
                rj.c12 = scale * sxy;
            } else {
                rs[0].M2 = scale * (d ? k_wcsq(d, x[0], rs[0].mean, S) : k_csq(x[0], rs[0].mean, S));
            }
            moments_merge(k, b->st, &b->jt, rs, &rj);
        }
    }
}

/* Statistics of one row of SA forms: x(s,a,s') = u for every s'. */
static void row_sa(const starci_weights *w, size_t sa, size_t k, const double *u, const starci_request *req,
                   double *const *cbar, starci_block *b)
{
    const double S = (double)w->S, T1 = w->T1[sa];
    starci_stats rs[2];
    starci_joint rj = {0.0, 0.0};
    for (size_t i = 0; i < k; i++) {
        starci_stats *bs = &b->st[i];
        double au = fabs(u[i]);
        bs->xmax = MAXD(bs->xmax, au);
        switch (req->norm) {
        case STARC_NORM_L1: bs->nacc += S * au; break;
        case STARC_NORM_L2: bs->nacc += S * u[i] * u[i]; break;
        case STARC_NORM_LINF: bs->nacc = MAXD(bs->nacc, au); break;
        case STARC_NORM_WL1: bs->nacc += T1 * au; break;
        case STARC_NORM_WL2: bs->nacc += T1 * u[i] * u[i]; break;
        case STARC_NORM_WLINF: bs->nacc = MAXD(bs->nacc, w->Tmax[sa] * au); break;
        case STARC_NORM_RANGE: if (cbar && cbar[i]) cbar[i][sa] = T1 * u[i]; break;
        default: break;
        }
        if (req->cross)
            bs->sq += (req->cross_weighted ? T1 : S) * u[i] * u[i];
    }
    if (req->cross && k == 2)
        b->jt.s12 += (req->cross_weighted ? T1 : S) * u[0] * u[1];
    if (req->pearson && w->Dsa[sa] > 0.0) {
        for (size_t i = 0; i < k; i++) {
            rs[i].W = w->Dsa[sa];
            rs[i].mean = u[i];
            rs[i].M2 = 0.0;
        }
        moments_merge(k, b->st, &b->jt, rs, &rj);
    }
}

/* The statistics pass on SA forms without Pearson moments (val with any
 * other metric): the sums row_sa() makes, in its order (per state from 0
 * over the actions, then folded in state order as block_fold() does), so the
 * results are bitwise the same, with the norm and the requests fixed per
 * call (NORM, CROSS, CW are constants in each expansion) and no blocks. */
static inline __attribute__((always_inline)) void sa_pass(const starci_weights *w, size_t k, const starci_cform *cf,
                                                          double *const *cbar, starci_stats *st, starci_joint *jt,
                                                          const int norm, const int cross, const int cw)
{
    const size_t S = w->S, A = w->A;
    const double Sd = (double)S;
    const double *u0 = cf[0].u, *u1 = k == 2 ? cf[1].u : NULL;
    double *cb0 = cbar && cbar[0] ? cbar[0] : NULL, *cb1 = k == 2 && cbar && cbar[1] ? cbar[1] : NULL;
    const int ismax = norm_is_max(norm);
    for (size_t s = 0; s < S; s++) {
        double bx[2] = {0.0, 0.0}, bn[2] = {0.0, 0.0}, bq[2] = {0.0, 0.0}, b12 = 0.0;
        for (size_t sa = s * A; sa < (s + 1) * A; sa++) {
            const double T1 = w->T1[sa], c = cw ? T1 : Sd;
            const double u[2] = {u0[sa], u1 ? u1[sa] : 0.0};
            for (size_t i = 0; i < k; i++) {
                const double au = fabs(u[i]);
                bx[i] = MAXD(bx[i], au);
                switch (norm) {
                case STARC_NORM_L1: bn[i] += Sd * au; break;
                case STARC_NORM_L2: bn[i] += Sd * u[i] * u[i]; break;
                case STARC_NORM_LINF: bn[i] = MAXD(bn[i], au); break;
                case STARC_NORM_WL1: bn[i] += T1 * au; break;
                case STARC_NORM_WL2: bn[i] += T1 * u[i] * u[i]; break;
                case STARC_NORM_WLINF: bn[i] = MAXD(bn[i], w->Tmax[sa] * au); break;
                case STARC_NORM_RANGE: {
                    double *cb = i ? cb1 : cb0;
                    if (cb)
                        cb[sa] = T1 * u[i];
                    break;
                }
                default: break;
                }
                if (cross)
                    bq[i] += c * u[i] * u[i];
            }
            if (cross && k == 2)
                b12 += c * u[0] * u[1];
        }
        for (size_t i = 0; i < k; i++) {
            st[i].xmax = MAXD(st[i].xmax, bx[i]);
            st[i].nacc = ismax ? MAXD(st[i].nacc, bn[i]) : st[i].nacc + bn[i];
            st[i].sq += bq[i];
        }
        if (jt)
            jt->s12 += b12;
    }
}

#define SA_PASS_NORM(NORM)                                                                                         \
    case NORM:                                                                                                     \
        if (!req->cross)                                                                                           \
            sa_pass(w, k, cf, cbar, st, jt, NORM, 0, 0);                                                           \
        else if (req->cross_weighted)                                                                              \
            sa_pass(w, k, cf, cbar, st, jt, NORM, 1, 1);                                                           \
        else                                                                                                       \
            sa_pass(w, k, cf, cbar, st, jt, NORM, 1, 0);                                                           \
        break

/* sa_pass() expanded for the request (st, jt zeroed by the caller). */
static void stats_sa(const starci_weights *w, size_t k, const starci_cform *cf, const starci_request *req,
                     double *const *cbar, starci_stats *st, starci_joint *jt)
{
    switch (req->norm) {
    SA_PASS_NORM(STARC_NORM_L1);
    SA_PASS_NORM(STARC_NORM_L2);
    SA_PASS_NORM(STARC_NORM_LINF);
    SA_PASS_NORM(STARC_NORM_WL1);
    SA_PASS_NORM(STARC_NORM_WL2);
    SA_PASS_NORM(STARC_NORM_WLINF);
    SA_PASS_NORM(STARC_NORM_RANGE);
    default: SA_PASS_NORM(-1);
    }
}

struct stats_ctx {
    const starci_weights *w;
    size_t k;
    const starci_cform *cf;
    const starci_request *req;
    double *const *cbar;
    double *rowbuf;
    starci_block *blocks;
};

static void stats_states(void *arg, size_t s0, size_t s1, int tid)
{
    const struct stats_ctx *c = arg;
    const starci_weights *w = c->w;
    const starci_cform *cf = c->cf;
    const starci_request *req = c->req;
    double *const *cbar = c->cbar;
    const size_t S = w->S, A = w->A, k = c->k;
    double *rowbuf = c->rowbuf + (size_t)tid * 5 * S;
    const int sa_kind = cf[0].kind == STARCI_CF_SA;
    for (size_t s = s0; s < s1; s++) {
        starci_block *b = &c->blocks[s];
        memset(b, 0, sizeof *b);
        /* this state's offset rows: P(s') + Q(s) built once per state, or a row of E */
        const double *erow[2] = {NULL, NULL};
        for (size_t i = 0; i < k && !sa_kind; i++) {
            if (cf[i].kind == STARCI_CF_DENSE && cf[i].E) {
                erow[i] = cf[i].E + s * S;
            } else if (cf[i].kind == STARCI_CF_DENSE && cf[i].P) {
                double *e = rowbuf + (3 + i) * S;
                k_shift(e, cf[i].P, cf[i].Q[s], S);
                erow[i] = e;
            }
        }
        for (size_t a = 0; a < A; a++) {
            size_t sa = s * A + a;
            if (sa_kind) {
                double u[2];
                for (size_t i = 0; i < k; i++)
                    u[i] = cf[i].u[sa];
                row_sa(w, sa, k, u, req, cbar, b);
            } else {
                const double *x[2];
                double mx[2], sm[2], sq[2];
                /* the generated row (in rowbuf) or the reward's own row, and its moments */
                const double *src[2], *off[2] = {NULL, NULL};
                double *dst[2] = {NULL, NULL};
                for (size_t i = 0; i < k; i++) {
                    const starci_cform *f = &cf[i];
                    double *buf = rowbuf + i * S;
                    if (f->kind == STARCI_CF_SAT) {
                        k_scale(buf, f->u[sa], w->T + sa * S, S);
                        src[i] = x[i] = buf;
                    } else if (erow[i]) {
                        src[i] = f->R + sa * S;
                        off[i] = erow[i];
                        dst[i] = buf;
                        x[i] = buf;
                    } else {
                        src[i] = x[i] = f->R + sa * S;
                    }
                }
                if (k == 2)
                    k_gen_mom2(dst[0], src[0], off[0], 0.0, dst[1], src[1], off[1], 0.0, S, mx, sm, sq);
                else
                    k_gen_mom(dst[0], src[0], off[0], 0.0, S, &mx[0], &sm[0], &sq[0]);
                row_dense(w, sa, k, x, mx, sm, sq, req, cbar, b);
            }
        }
    }
}

void starci_norm_stats_pass(const starci_weights *w, size_t k, const starci_cform *cf, const starci_request *req,
                       double *const *cbar, starci_stats *st, starci_joint *jt, double *rowbuf, starci_block *blocks)
{
    const size_t S = w->S;
    if (cf[0].kind == STARCI_CF_SA && !req->pearson) {
        stats_zero(st, k, jt);
        stats_sa(w, k, cf, req, cbar, st, jt);
        for (size_t i = 0; i < k; i++)
            st[i].rmax = cf[i].rmax >= 0.0 ? cf[i].rmax : st[i].xmax;
        return;
    }
    struct stats_ctx c = {w, k, cf, req, cbar, rowbuf, blocks};
    starci_parallel_run(cf[0].kind == STARCI_CF_SA ? 1 : w->nthreads, S, k * S * w->A * S, stats_states, &c);
    stats_zero(st, k, jt);
    for (size_t s = 0; s < S; s++)
        block_fold(k, req, st, jt, &blocks[s]);
    for (size_t i = 0; i < k; i++)
        st[i].rmax = cf[i].rmax >= 0.0 ? cf[i].rmax : st[i].xmax;
}

double starci_norm_finish(int norm, double nacc)
{
    switch (norm) {
    case STARC_NORM_L2:
    case STARC_NORM_WL2: return sqrt(nacc);
    case STARC_NORM_NONE: return 1.0;
    default: return nacc;
    }
}

static int metric_is_max(int kind)
{
    return kind == STARC_NORM_LINF || kind == STARC_NORM_WLINF;
}

struct metric_ctx {
    const starci_weights *w;
    int kind;
    const starci_cform *cf1, *cf2;
    double a1, a2, shift;
    double *rowbuf, *blockacc;
};

static void metric_states(void *arg, size_t s0, size_t s1, int tid)
{
    const struct metric_ctx *c = arg;
    const starci_weights *w = c->w;
    const int kind = c->kind;
    const starci_cform *cf1 = c->cf1, *cf2 = c->cf2;
    const double a1 = c->a1, a2 = c->a2, shift = c->shift;
    const size_t S = w->S, A = w->A;
    double *rowbuf = c->rowbuf + (size_t)tid * 5 * S, *blockacc = c->blockacc;
    for (size_t s = s0; s < s1; s++) {
        double acc = 0.0;
        for (size_t a = 0; a < A; a++) {
            const size_t sa = s * A + a;
            if (cf1->kind == STARCI_CF_SA) {
                double dlt = a1 * cf1->u[sa] - a2 * cf2->u[sa] - shift, ad = fabs(dlt);
                switch (kind) {
                case STARC_NORM_L1: acc += (double)S * ad; break;
                case STARC_NORM_L2: case STARCI_SQ_PLAIN: acc += (double)S * dlt * dlt; break;
                case STARC_NORM_LINF: acc = MAXD(acc, ad); break;
                case STARC_NORM_WL1: acc += w->T1[sa] * ad; break;
                case STARC_NORM_WL2: case STARCI_SQ_T: acc += w->T1[sa] * dlt * dlt; break;
                case STARC_NORM_WLINF: acc = MAXD(acc, w->Tmax[sa] * ad); break;
                case STARCI_SQ_COVERAGE: acc += w->Dsa[sa] * dlt * dlt; break;
                default: break;
                }
                continue;
            }
            const double *x1 = starci_canon_form_row(cf1, w->T, S, A, s, a, rowbuf);
            const double *x2 = starci_canon_form_row(cf2, w->T, S, A, s, a, rowbuf + S);
            double *dl = rowbuf + 2 * S;
            k_axpby(dl, a1, x1, a2, x2, shift, S);
            const double *t = w->T + sa * S;
            switch (kind) {
            case STARC_NORM_L1: acc += k_sumabs(dl, S); break;
            case STARC_NORM_L2: case STARCI_SQ_PLAIN: acc += k_sumsq(dl, S); break;
            case STARC_NORM_LINF: acc = MAXD(acc, k_maxabs(dl, S)); break;
            case STARC_NORM_WL1: acc += k_wsumabs(t, dl, S); break;
            case STARC_NORM_WL2: case STARCI_SQ_T: acc += k_wsumsq(t, dl, S); break;
            case STARC_NORM_WLINF: acc = MAXD(acc, k_wmaxabs(t, dl, S)); break;
            case STARCI_SQ_COVERAGE:
                acc += w->D ? k_wsumsq(w->D + sa * S, dl, S) : k_sumsq(dl, S) / (double)(S * S * A);
                break;
            default: break;
            }
        }
        blockacc[s] = acc;
    }
}

double starci_norm_metric_pass(const starci_weights *w, int kind, const starci_cform *cf1, double a1,
                          const starci_cform *cf2, double a2, double shift, double *rowbuf, double *blockacc)
{
    const size_t S = w->S;
    const int is_max = metric_is_max(kind);
    struct metric_ctx c = {w, kind, cf1, cf2, a1, a2, shift, rowbuf, blockacc};
    starci_parallel_run(cf1->kind == STARCI_CF_SA ? 1 : w->nthreads, S, 2 * S * w->A * S, metric_states, &c);
    double tot = 0.0;
    for (size_t s = 0; s < S; s++)
        tot = is_max ? MAXD(tot, blockacc[s]) : tot + blockacc[s];
    if (kind == STARC_NORM_L2 || kind == STARC_NORM_WL2)
        tot = sqrt(tot);
    return tot;
}

/* ---- public dense-tensor functions ----------------------------------------- */

int starci_norm_scratch_alloc(size_t S, starci_scratch *p, starc_error *err)
{
    p->rowbuf = starci_dalloc(5 * S);
    p->blocks = calloc(S, sizeof *p->blocks);
    p->blockacc = starci_dalloc(S);
    if (!p->rowbuf || !p->blocks || !p->blockacc) {
        free(p->rowbuf);
        free(p->blocks);
        free(p->blockacc);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    return STARC_OK;
}

void starci_norm_scratch_free(starci_scratch *p)
{
    free(p->rowbuf);
    free(p->blocks);
    free(p->blockacc);
}

int starci_norm_range(const starc_mdp *m, const double *cbar, const starc_policy_options *opt,
                      starc_policy_workspace *ws,
                      double *neg, double *range, starc_error *err)
{
    starc_policy_range_result r;
    int st = starci_policy_range(m, cbar, opt, ws, neg, &r, err);
    if (!st)
        *range = MAXD(r.optimal_return - r.worst_return, 0.0);
    return st;
}

/* A full reward of a sparse MDP (nnz values, 0 off T's support) in closed form (structured.c). */
static int sparse_norm_value(const starc_mdp *m, starc_norm_kind kind, const double *x, const starc_policy_options *opt,
                             double *value, starc_error *err)
{
    starci_csr p = {starc_mdp_states(m), starc_mdp_actions(m), NULL, NULL, NULL};
    starc_mdp_csr(m, &p.indptr, &p.indices, &p.data);
    const starci_struct sx = {.E = x};
    if (kind == STARC_NORM_RANGE) {
        double *rbar = starci_dalloc(p.S * p.A);
        if (!rbar)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        starc_policy_range_result r;
        starci_struct_expected(&p, &sx, rbar);
        int st = starc_policy_range_rbar(m, rbar, opt, &r, NULL, err);
        if (!st)
            *value = MAXD(r.optimal_return - r.worst_return, 0.0);
        free(rbar);
        return st;
    }
    starci_struct_ws ws;
    int st = starci_struct_ws_alloc(&p, &ws, err);
    if (!st)
        st = starci_struct_norm(&p, (int)kind, &sx, &ws, value, err);
    starci_struct_ws_free(&ws);
    return st;
}

int starc_norm_value(const starc_mdp *m, starc_norm_kind kind, const double *x, const starc_policy_options *opt,
                     double *value, starc_error *err)
{
    if (!m || !x || !value)
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    if ((unsigned)kind >= STARC_NORM_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid normalisation kind %d", (int)kind);
    if (kind == STARC_NORM_NONE) {
        *value = 1.0;
        return STARC_OK;
    }
    if (starc_mdp_is_sparse(m))
        return sparse_norm_value(m, kind, x, opt, value, err);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starci_weights w;
    starci_scratch p;
    int st = starci_norm_weights_init(&w, m, NULL, 0.0, 1, err);
    if (st)
        return st;
    if ((st = starci_norm_scratch_alloc(S, &p, err))) {
        starci_norm_weights_clear(&w);
        return st;
    }
    double *cbar = NULL, *neg = NULL, *xs = NULL;
    if (kind == STARC_NORM_RANGE && (!(cbar = starci_dalloc(S * A)) || !(neg = starci_dalloc(S * A)))) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    /* scale invariance (docs/theory.md, Numerics): n(x) = 2^-k n(2^k x) */
    const int k = starci_norm_scale_exp(x, S * A * S);
    if (k) {
        if (!(xs = starci_dalloc(S * A * S))) {
            st = starci_error(err, STARC_ENOMEM, "out of memory");
            goto done;
        }
        starci_norm_scale_copy(x, S * A * S, k, xs);
        x = xs;
    }
    starci_cform cf = {STARCI_CF_DENSE, x, NULL, NULL, NULL, NULL, -1.0};
    starci_request req = {(int)kind, 0, 0, 0};
    starci_stats sts;
    double *cb[1] = {cbar};
    starci_norm_stats_pass(&w, 1, &cf, &req, cb, &sts, NULL, p.rowbuf, p.blocks);
    if (kind == STARC_NORM_RANGE)
        st = starci_norm_range(m, cbar, opt, NULL, neg, value, err);
    else
        *value = starci_norm_finish(kind, sts.nacc);
    if (!st && k && isinf(*value = ldexp(*value, -k)))
        st = starci_error(err, STARC_EUNDEF, "the norm overflows: it exceeds the largest double");
done:
    free(cbar);
    free(neg);
    free(xs);
    starci_norm_scratch_free(&p);
    starci_norm_weights_clear(&w);
    return st;
}

int starci_norm_pearson(const starci_weights *w, const starci_cform *cf, const starci_stats *st, const starci_joint *jt,
                   double *d, double *rowbuf, double *blockacc)
{
    double rho = jt->c12 / sqrt(st[0].M2 * st[1].M2);
    rho = fmin(1.0, MAXD(-1.0, rho));
    if (1.0 - rho >= STARCI_REFINE) {
        *d = sqrt((1.0 - rho) / 2.0);
        return STARC_OK;
    }
    /* (1 - rho)/2 = E_D[(x1^ - x2^)^2] / 4 with x^ = (x - mean)/sigma. */
    double s1 = sqrt(st[0].M2 / st[0].W), s2 = sqrt(st[1].M2 / st[1].W);
    double shift = st[0].mean / s1 - st[1].mean / s2;
    double q = starci_norm_metric_pass(w, STARCI_SQ_COVERAGE, &cf[0], 1.0 / s1, &cf[1], 1.0 / s2, shift, rowbuf, blockacc);
    *d = fmin(sqrt(MAXD(q / st[0].W, 0.0)) / 2.0, 1.0);
    return STARC_OK;
}

