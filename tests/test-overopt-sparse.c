/* Overoptimisation plans on sparse MDPs (overopt.c's sparse path) against
 * the dense path on the same MDP: the MDP built dense and as CSR
 * (tests/sparse-util.h), the sparse plan's engine forced (sparse LU, and the
 * iterative engine), every fact of the plan and every column of every curve
 * (ad-kl, best-of-n, om-chi2 where regularize.c expands the MDP) agreeing to
 * 1e-10 relative to the column's own scale; S up to 128, gamma 0.5 to 0.99,
 * an absorbing state, deterministic rows and unreachable states; the dense
 * plan from Rbar equal bit for bit to the one from the S*A*S rewards; the OM
 * methods refused above regularize.c's limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <config.h>
#include "testutil.h"
#include "sparse-util.h"

#define RTOL 1e-10
#define POINTS 9

/* x and y agree to RTOL relative to scale (infinities and NaNs must match). */
static void agree(double x, double y, double scale, const char *what, size_t i)
{
    if (isnan(y) || isinf(y) || isnan(x) || isinf(x)) {
        if (!(isnan(x) == isnan(y) && (isnan(y) || x == y))) {
            print_error("%s[%zu]: sparse %.17g dense %.17g\n", what, i, x, y);
            fail();
        }
        return;
    }
    if (!(fabs(x - y) <= RTOL * scale)) {
        print_error("%s[%zu]: sparse %.17g dense %.17g differ by %.3g > %.3g\n", what, i, x, y, fabs(x - y),
                    RTOL * scale);
        fail();
    }
}

/* The columns of a curve, by offset in starc_overopt_point. */
static const struct {
    const char *name;
    size_t off;
    int returns; /* 1: at the returns' scale max|Rbar|/(1-gamma); 0: at the column's own scale */
} cols[] = {
    {"coef", offsetof(starc_overopt_point, coef), 0},
    {"kl", offsetof(starc_overopt_point, kl), 0},
    {"kl_normalized", offsetof(starc_overopt_point, kl_normalized), 0},
    {"d", offsetof(starc_overopt_point, d), 0},
    {"chi2", offsetof(starc_overopt_point, chi2), 0},
    {"proxy_return", offsetof(starc_overopt_point, proxy_return), 1},
    {"true_return", offsetof(starc_overopt_point, true_return), 1},
    {"proxy_delta", offsetof(starc_overopt_point, proxy_delta), 1},
    {"true_delta", offsetof(starc_overopt_point, true_delta), 1},
    {"bound", offsetof(starc_overopt_point, bound), 0},
};

static double col(const starc_overopt_point *p, size_t c)
{
    return *(const double *)((const char *)p + cols[c].off);
}

/* Every column of the curves x (sparse) and y (dense), n points each. */
static void agree_curve(const starc_overopt_point *x, const starc_overopt_point *y, size_t n, double rscale)
{
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        double sc = 0.0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(col(&y[i], c)))
                sc = fmax(sc, fabs(col(&y[i], c)));
        if (cols[c].returns)
            sc = rscale;
        for (size_t i = 0; i < n; i++)
            agree(col(&x[i], c), col(&y[i], c), sc, cols[c].name, i);
    }
}

static void agree_info(const starc_overopt_info *x, const starc_overopt_info *y, double rt, double rp, double g)
{
    agree(x->base_true_return, y->base_true_return, rt / (1 - g), "base_true_return", 0);
    agree(x->base_proxy_return, y->base_proxy_return, rp / (1 - g), "base_proxy_return", 0);
    agree(x->proxy_optimal_proxy_return, y->proxy_optimal_proxy_return, rp / (1 - g), "proxy_optimal_proxy_return",
          0);
    agree(x->proxy_optimal_true_return, y->proxy_optimal_true_return, rt / (1 - g), "proxy_optimal_true_return", 0);
    agree(x->true_optimal_return, y->true_optimal_return, rt / (1 - g), "true_optimal_return", 0);
    agree(x->true_worst_return, y->true_worst_return, rt / (1 - g), "true_worst_return", 0);
    agree(x->true_range, y->true_range, rt / (1 - g), "true_range", 0);
    agree(x->r, y->r, 1.0, "r", 0);
    agree(x->sigma_true, y->sigma_true, rt, "sigma_true", 0);
    agree(x->sigma_proxy, y->sigma_proxy, rp, "sigma_proxy", 0);
}

/* The plan and the curves of dense d against its CSR twin m on engine e. */
static void compare(gsl_rng *r, const starc_mdp *d, const starc_mdp *m, starc_policy_engine e, int om)
{
    const size_t S = starc_mdp_states(d), A = starc_mdp_actions(d), SA = S * A;
    const double g = starc_mdp_gamma(d);
    double *Rt = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double)), *base = malloc(SA * sizeof(double));
    double *px = malloc(SA * sizeof(double)), *py = malloc(SA * sizeof(double));
    testutil_gaussian(r, Rt, SA);
    testutil_gaussian(r, Rp, SA);
    for (size_t i = 0; i < SA; i++)
        Rp[i] = Rt[i] + 0.7 * Rp[i];
    testutil_random_policy(r, S, A, base); /* full support: the proxy optimum is reachable */
    starc_overopt_options o;
    starc_overopt_options_default(&o);
    o.points = POINTS;
    o.bon_max = 50;
    starc_overopt *pd = NULL, *ps = NULL;
    assert_ok(starc_overopt_alloc_rbar(d, Rt, Rp, base, &o, &pd, NULL));
    o.regularize_options.engine = e;
    assert_ok(starc_overopt_alloc_rbar(m, Rt, Rp, base, &o, &ps, NULL));
    const double rt = sparse_util_max_abs(Rt, SA), rp = sparse_util_max_abs(Rp, SA), rs = fmax(rt, rp) / (1 - g);
    starc_overopt_info ix, iy;
    starc_overopt_get_info(ps, &ix);
    starc_overopt_get_info(pd, &iy);
    agree_info(&ix, &iy, rt, rp, g);
    starc_overopt_proxy_optimal_policy(ps, px);
    starc_overopt_proxy_optimal_policy(pd, py);
    for (size_t i = 0; i < SA; i++)
        assert_true(px[i] == py[i]);
    /* the base measured against itself: no change */
    starc_overopt_point b;
    assert_ok(starc_overopt_evaluate(ps, base, 1.0, &b, NULL));
    assert_true(b.true_delta == 0.0 && b.proxy_delta == 0.0 && b.kl == 0.0);

    const starc_overopt_method meths[] = {STARC_OVEROPT_AD_KL, STARC_OVEROPT_BON, STARC_OVEROPT_OM_CHI2};
    for (size_t k = 0; k < (om ? 3u : 2u); k++) {
        starc_overopt_point x[POINTS], y[POINTS];
        size_t nx = 0, ny = 0;
        double lx, hx, ly, hy;
        int sx = starc_overopt_sweep(ps, meths[k], NULL, x, &nx, &lx, &hx, NULL);
        int sy = starc_overopt_sweep(pd, meths[k], NULL, y, &ny, &ly, &hy, NULL);
        assert_int_equal(sx, sy);
        assert_int_equal(sy, STARC_OK);
        assert_int_equal(nx, ny);
        agree(lx, ly, fabs(ly), "coef_lo", k);
        agree(hx, hy, fabs(hy), "coef_hi", k);
        agree_curve(x, y, ny, rs);
    }
    /* one policy of the path, point by point */
    assert_ok(starc_overopt_solve(ps, STARC_OVEROPT_AD_KL, 0.3, NULL, px, NULL, NULL));
    assert_ok(starc_overopt_solve(pd, STARC_OVEROPT_AD_KL, 0.3, NULL, py, NULL, NULL));
    for (size_t i = 0; i < SA; i++)
        agree(px[i], py[i], 1.0, "ad-kl policy", i);
    starc_overopt_free(pd);
    starc_overopt_free(ps);
    free(Rt), free(Rp), free(base), free(px), free(py);
}

static void test_overopt_agrees(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(15);
    const size_t sizes[][2] = {{1, 2}, {2, 2}, {5, 3}, {16, 3}, {64, 2}, {128, 2}};
    const double gammas[] = {0.5, 0.9, 0.99};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof gammas / sizeof gammas[0]; j++) {
            starc_mdp *d = sparse_util_structured_mdp(r, sizes[i][0], sizes[i][1], gammas[j]);
            starc_mdp *m = sparse_twin(d, (i + j) % 2);
            /* the OM methods run on the expanded MDP: up to S = 16 to keep the test short */
            compare(r, d, m, STARC_POLICY_ENGINE_SPARSE, sizes[i][0] <= 16);
            if (j == 1)
                compare(r, d, m, STARC_POLICY_ENGINE_ITERATIVE, 0);
            starc_mdp_free(d);
            starc_mdp_free(m);
        }
    gsl_rng_free(r);
}

/* On a dense MDP the plan from Rbar is the plan from the S*A*S rewards, bit for bit. */
static void test_dense_rbar_identical(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(151);
    const size_t S = 12, A = 3, SA = S * A;
    starc_mdp *m = sparse_util_structured_mdp(r, S, A, 0.9);
    double *Rt = malloc(SA * S * sizeof(double)), *Rp = malloc(SA * S * sizeof(double));
    double *bt = malloc(SA * sizeof(double)), *bp = malloc(SA * sizeof(double)), *base = malloc(SA * sizeof(double));
    testutil_gaussian(r, Rt, SA * S);
    testutil_gaussian(r, Rp, SA * S);
    starc_mdp_reward_expected(m, Rt, bt);
    starc_mdp_reward_expected(m, Rp, bp);
    testutil_random_policy(r, S, A, base); /* full support: the proxy optimum is reachable */
    starc_overopt *p1 = NULL, *p2 = NULL;
    assert_ok(starc_overopt_alloc(m, Rt, Rp, base, NULL, &p1, NULL));
    assert_ok(starc_overopt_alloc_rbar(m, bt, bp, base, NULL, &p2, NULL));
    starc_overopt_info i1, i2;
    starc_overopt_get_info(p1, &i1);
    starc_overopt_get_info(p2, &i2);
    assert_memory_equal(&i1, &i2, sizeof i1);
    int ok = 0;
    for (int k = 0; k < STARC_OVEROPT_METHOD_COUNT; k++) {
        starc_overopt_point x[41], y[41];
        size_t nx, ny;
        int s1 = starc_overopt_sweep(p1, (starc_overopt_method)k, NULL, x, &nx, NULL, NULL, NULL);
        int s2 = starc_overopt_sweep(p2, (starc_overopt_method)k, NULL, y, &ny, NULL, NULL, NULL);
        assert_int_equal(s1, s2);
        ok += s1 == STARC_OK;
        if (s1)
            print_message("method %d: status %d\n", k, s1);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx * sizeof x[0]);
    }
    assert_int_equal(ok, STARC_OVEROPT_METHOD_COUNT);
    starc_overopt_free(p1);
    starc_overopt_free(p2);
    starc_mdp_free(m);
    free(Rt), free(Rp), free(bt), free(bp), free(base);
    gsl_rng_free(r);
}

/* A sparse MDP with S*A*S > 2^24: the plan, ad-kl and best-of-n work; the OM
 * methods are refused with regularize.c's message; S*A*S rewards are refused. */
static void test_om_limit(void **state)
{
    (void)state;
    const size_t S = 2100, A = 4;
    size_t *ip = malloc((S * A + 1) * sizeof(size_t)), *ix = malloc(S * A * 2 * sizeof(size_t));
    double *dt = malloc(S * A * 2 * sizeof(double)), *mu0 = malloc(S * sizeof(double));
    size_t k = 0;
    ip[0] = 0;
    for (size_t s = 0; s < S; s++) {
        mu0[s] = 1.0 / (double)S;
        for (size_t a = 0; a < A; a++) {
            const size_t t = (s + 1 + a) % S, lo = t < s ? t : s, hi = t < s ? s : t;
            ix[k] = lo;
            ix[k + 1] = hi;
            dt[k] = 0.5;
            dt[k + 1] = 0.5;
            k += 2;
            ip[s * A + a + 1] = k;
        }
    }
    starc_mdp *m = NULL;
    assert_ok(starc_mdp_alloc_csr(S, A, k, ip, ix, dt, mu0, 0.9, NULL, &m, NULL));
    double *Rt = malloc(S * A * sizeof(double)), *Rp = malloc(S * A * sizeof(double));
    double *pi = malloc(S * A * sizeof(double));
    for (size_t i = 0; i < S * A; i++) {
        Rt[i] = sin((double)i);
        Rp[i] = Rt[i] + 0.5 * cos(3.0 * (double)i);
    }
    starc_policy_uniform(m, pi);
    starc_overopt_options o;
    starc_overopt_options_default(&o);
    o.points = 3;
    o.bon_max = 4;
    starc_overopt *p = NULL;
    starc_error err;
    assert_ok(starc_overopt_alloc_rbar(m, Rt, Rp, pi, &o, &p, NULL));
    starc_overopt_point pts[3];
    size_t n;
    for (int meth = STARC_OVEROPT_OM_CHI2; meth <= STARC_OVEROPT_OM_KL; meth++) {
        assert_int_equal(starc_overopt_sweep(p, (starc_overopt_method)meth, NULL, pts, &n, NULL, NULL, &err),
                         STARC_EINVAL);
        assert_non_null(strstr(err.message, "on a sparse MDP needs S*A*S <= 16777216 (S=2100, A=4)"));
    }
    assert_ok(starc_overopt_sweep(p, STARC_OVEROPT_AD_KL, NULL, pts, &n, NULL, NULL, NULL));
    assert_int_equal(n, 3);
    assert_ok(starc_overopt_sweep(p, STARC_OVEROPT_BON, NULL, pts, &n, NULL, NULL, NULL));
    assert_true(n >= 2 && pts[n - 1].kl > 0.0);
    starc_overopt_free(p);
    starc_overopt *q = NULL;
    assert_int_equal(starc_overopt_alloc(m, Rt, Rp, pi, NULL, &q, &err), STARC_EINVAL);
    assert_null(q);
    assert_non_null(strstr(err.message, "starc_overopt_alloc_rbar"));
    starc_mdp_free(m);
    free(ip), free(ix), free(dt), free(mu0), free(Rt), free(Rp), free(pi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overopt_agrees),
        cmocka_unit_test(test_dense_rbar_identical),
        cmocka_unit_test(test_om_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
