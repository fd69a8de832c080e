/* Slow references shared by the test binaries of the modules they check
 * (test-distance, test-norm, test-metric): norms and metrics as plain sums over
 * the S*A*S entries, range by enumerating every deterministic policy, the
 * Pearson distance in two passes.  Include after cmocka.h and testutil.h. */
#ifndef STARC_TESTREF_H
#define STARC_TESTREF_H

static inline double maxabs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

/* ---- slow reference ---------------------------------------------------------- */

/* Return of the deterministic policy act for expected reward of x. */
static inline double det_return(const starc_mdp *m, const size_t *act, const double *x)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *pi = calloc(S * A, sizeof(double)), J;
    for (size_t s = 0; s < S; s++)
        pi[s * A + act[s]] = 1.0;
    assert_ok(starc_policy_return(m, pi, x, &J, NULL, NULL));
    free(pi);
    return J;
}

/* max_pi J - min_pi J over all A^S deterministic policies. */
static inline double ref_range(const starc_mdp *m, const double *x)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = calloc(S, sizeof(size_t));
    double jmax = -INFINITY, jmin = INFINITY;
    for (;;) {
        double J = det_return(m, act, x);
        jmax = fmax(jmax, J);
        jmin = fmin(jmin, J);
        size_t s = 0;
        while (s < S && ++act[s] == A)
            act[s++] = 0;
        if (s == S)
            break;
    }
    free(act);
    return jmax - jmin;
}

static inline double ref_norm(const starc_mdp *m, int kind, const double *x)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    const double *T = starc_mdp_transitions(m);
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ax = fabs(x[i]);
        switch (kind) {
        case STARC_NORM_L1: acc += ax; break;
        case STARC_NORM_L2: acc += ax * ax; break;
        case STARC_NORM_LINF: acc = fmax(acc, ax); break;
        case STARC_NORM_WL1: acc += T[i] * ax; break;
        case STARC_NORM_WL2: acc += T[i] * ax * ax; break;
        case STARC_NORM_WLINF: acc = fmax(acc, T[i] * ax); break;
        default: break;
        }
    }
    if (kind == STARC_NORM_L2 || kind == STARC_NORM_WL2)
        acc = sqrt(acc);
    if (kind == STARC_NORM_NONE)
        acc = 1.0;
    if (kind == STARC_NORM_RANGE)
        acc = ref_range(m, x);
    return acc;
}

/* Pearson distance under coverage D (NULL = uniform): d = |x^ - y^|_D / 2 with
 * x^ = (x - mean)/std; NaN when the standard deviation of x is <= dx or that of y is <= dy. */
static inline double ref_pearson(size_t n, const double *x, const double *y, const double *D, double dx, double dy)
{
    double mx = 0, my = 0, vx = 0, vy = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
        double w = D ? D[i] : 1.0 / (double)n;
        mx += w * x[i];
        my += w * y[i];
    }
    for (size_t i = 0; i < n; i++) {
        double w = D ? D[i] : 1.0 / (double)n;
        vx += w * (x[i] - mx) * (x[i] - mx);
        vy += w * (y[i] - my) * (y[i] - my);
    }
    double sx = sqrt(vx), sy = sqrt(vy);
    if (!(sx > dx) || !(sy > dy))
        return NAN;
    for (size_t i = 0; i < n; i++) {
        double w = D ? D[i] : 1.0 / (double)n;
        double dl = (x[i] - mx) / sx - (y[i] - my) / sy;
        q += w * dl * dl;
    }
    return sqrt(q) / 2.0;
}

static inline double ref_metric(const starc_mdp *m, int kind, const double *x, const double *y, const double *D, double tol)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    if (kind == STARC_METRIC_PEARSON) /* starc_metric_value(): constant when std <= tol max|x| */
        return ref_pearson(n, x, y, D, tol * maxabs(x, n), tol * maxabs(y, n));
    double *dl = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        dl[i] = x[i] - y[i];
    double v = ref_norm(m, kind, dl);
    free(dl);
    return v;
}

#endif
