/* Metrics (docs/theory.md §3): the norms of the difference and EPIC's Pearson
 * distance, computed by the streaming passes of the norm module
 * (norm-internal.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "kernels-internal.h"
#include "norm-internal.h"
#include "structured-internal.h"
#include "starc/metric.h"

static const char *const metric_names[STARC_METRIC_KIND_COUNT] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "pearson"};

const char *starc_metric_kind_name(starc_metric_kind kind)
{
    return (unsigned)kind < STARC_METRIC_KIND_COUNT ? metric_names[kind] : NULL;
}

int starc_metric_kind_parse(const char *name, starc_metric_kind *kind, starc_error *err)
{
    for (int i = 0; name && i < STARC_METRIC_KIND_COUNT; i++)
        if (strcmp(name, metric_names[i]) == 0) {
            *kind = (starc_metric_kind)i;
            return STARC_OK;
        }
    return starci_error(err, STARC_EINVAL, "'%s' is not a metric (l1, l2, linf, wl1, wl2, wlinf, pearson)",
                        name ? name : "(null)");
}

void starc_metric_options_default(starc_metric_options *o)
{
    o->coverage = NULL;
    o->trivial_tol = 1e-9;
    o->prob_tol = STARC_MDP_PROB_TOL;
}

/* Full rewards of a sparse MDP (nnz values, 0 off T's support) in closed form (structured.c);
 * Pearson under the uniform coverage only. */
static int sparse_metric_value(const starc_mdp *m, starc_metric_kind kind, const double *x, const double *y,
                               const starc_metric_options *opt, double *value, starc_error *err)
{
    *value = NAN;
    if ((unsigned)kind >= STARC_METRIC_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid metric kind %d", (int)kind);
    if (!(opt->trivial_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance must be >= 0");
    if (kind == STARC_METRIC_PEARSON && opt->coverage)
        return starci_error(err, STARC_EINVAL, "a Pearson coverage array needs a dense MDP (sparse MDPs: see docs/sparse.md)");
    starci_csr p = {starc_mdp_states(m), starc_mdp_actions(m), NULL, NULL, NULL};
    starc_mdp_csr(m, &p.indptr, &p.indices, &p.data);
    const starci_struct sx = {.E = x}, sy = {.E = y};
    starci_struct_ws ws;
    int st = starci_struct_ws_alloc(&p, &ws, err);
    if (st)
        return st;
    if (kind != STARC_METRIC_PEARSON) {
        st = starci_struct_metric(&p, (int)kind, &sx, &sy, &ws, value, err);
    } else {
        const starci_struct *xs[2] = {&sx, &sy};
        for (int i = 0; i < 2 && !st; i++) {
            double mean, sd, xmax = starci_struct_maxabs(&p, xs[i], &ws, NULL);
            starci_struct_moments(&p, xs[i], &ws, &mean, &sd);
            if (!(sd > opt->trivial_tol * xmax) || xmax == 0.0)
                st = starci_error(err, STARC_EUNDEF, "Pearson distance undefined: %s is constant under the coverage",
                                  i == 0 ? "x" : "y");
        }
        if (!st)
            *value = starci_struct_pearson(&p, &sx, &sy, &ws);
    }
    starci_struct_ws_free(&ws);
    return st;
}

int starc_metric_value(const starc_mdp *m, starc_metric_kind kind, const double *x, const double *y,
                       const starc_metric_options *opt, double *value, starc_error *err)
{
    if (!m || !x || !y || !value)
        return starci_error(err, STARC_EINVAL, "arguments must not be NULL");
    starc_metric_options def;
    if (!opt) {
        starc_metric_options_default(&def);
        opt = &def;
    }
    if (starc_mdp_is_sparse(m))
        return sparse_metric_value(m, kind, x, y, opt, value, err);
    const double tol = opt->trivial_tol;
    if ((unsigned)kind >= STARC_METRIC_KIND_COUNT)
        return starci_error(err, STARC_EINVAL, "invalid metric kind %d", (int)kind);
    if (!(tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "tolerance must be >= 0");
    const size_t S = starc_mdp_states(m);
    starci_weights w;
    starci_scratch p;
    const double *coverage = kind == STARC_METRIC_PEARSON ? opt->coverage : NULL;
    int st = starci_norm_weights_init(&w, m, coverage, opt->prob_tol, 1, err);
    if (st)
        return st;
    if ((st = starci_norm_scratch_alloc(S, &p, err))) {
        starci_norm_weights_clear(&w);
        return st;
    }
    /* scale invariance (docs/theory.md, Numerics): Pearson is invariant under
     * x -> 2^kx x, y -> 2^ky y; the others are homogeneous in the pair */
    const size_t n = S * starc_mdp_actions(m) * S;
    const int pearson = kind == STARC_METRIC_PEARSON;
    const int kx = pearson ? starci_norm_scale_exp(x, n) : starci_norm_scale_exp2(x, y, n);
    const int ky = pearson ? starci_norm_scale_exp(y, n) : kx;
    double *xs = NULL;
    if (kx || ky) {
        if (!(xs = starci_dalloc(2 * n))) {
            st = starci_error(err, STARC_ENOMEM, "out of memory");
            goto done;
        }
        starci_norm_scale_copy(x, n, kx, xs);
        starci_norm_scale_copy(y, n, ky, xs + n);
        x = xs;
        y = xs + n;
    }
    starci_cform cf[2] = {{STARCI_CF_DENSE, x, NULL, NULL, NULL, NULL, -1.0},
                          {STARCI_CF_DENSE, y, NULL, NULL, NULL, NULL, -1.0}};
    if (kind != STARC_METRIC_PEARSON) {
        /* metric kinds l1..wlinf have the values of the norm kinds of the same name */
        *value = starci_norm_metric_pass(&w, (int)kind, &cf[0], 1.0, &cf[1], 1.0, 0.0, p.rowbuf, p.blockacc);
        if (kx && isinf(*value = ldexp(*value, -kx)))
            st = starci_error(err, STARC_EUNDEF, "the metric overflows: it exceeds the largest double");
    } else {
        starci_request req = {-1, 0, 0, 1};
        starci_stats sts[2];
        starci_joint jt;
        starci_norm_stats_pass(&w, 2, cf, &req, NULL, sts, &jt, p.rowbuf, p.blocks);
        *value = NAN;
        for (int i = 0; i < 2; i++)
            if (!(sqrt(sts[i].M2 / sts[i].W) > tol * sts[i].xmax) || sts[i].xmax == 0.0) {
                st = starci_error(err, STARC_EUNDEF, "Pearson distance undefined: %s is constant under the coverage",
                                  i == 0 ? "x" : "y");
                goto done;
            }
        st = starci_norm_pearson(&w, cf, sts, &jt, value, p.rowbuf, p.blockacc);
    }
done:
    free(xs);
    starci_norm_scratch_free(&p);
    starci_norm_weights_clear(&w);
    return st;
}
