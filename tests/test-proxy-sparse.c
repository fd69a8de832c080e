/* Correlated proxies and regularised optima on sparse MDPs (proxy.c,
 * regularize.c, sparse-exact.c) against the dense path on the same MDP:
 * the MDP built dense and as CSR (tests/sparse-util.h), the sparse one
 * solved with the sparse engine forced, every reported quantity agreeing to
 * 1e-10 relative to its own scale; random MDPs up to S = 256 with an
 * absorbing state, deterministic rows and unreachable states, gamma 0 to
 * 0.99; the same results for rewards scaled by 1e-300 and 1e300; the OM
 * methods' refusal above their limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <config.h>
#include "testutil.h"
#include "sparse-util.h"

#define RTOL 1e-10

/* x and y agree to RTOL relative to scale (infinities and NaNs must match). */
static void agree(double x, double y, double scale, const char *what)
{
    if (isnan(y) || isinf(y)) {
        if (!(isnan(x) == isnan(y) && (isnan(y) || x == y))) {
            print_error("%s: %.17g vs %.17g\n", what, x, y);
            fail();
        }
        return;
    }
    if (!(fabs(x - y) <= RTOL * scale)) {
        print_error("%s: sparse %.17g dense %.17g differ by %.3g > %.3g\n", what, x, y, fabs(x - y), RTOL * scale);
        fail();
    }
}

static void agree_all(const double *x, const double *y, size_t n, const char *what)
{
    const double sc = sparse_util_max_abs(y, n);
    for (size_t i = 0; i < n; i++)
        agree(x[i], y[i], sc, what);
}

/* The analysis of one policy: returns at the scale max|Rbar|/(1-gamma), the
 * normalised ones at max|Rbar|, chi2 at itself (or 1), bounds at their own scale. */
static void agree_analysis(const starc_proxy_analyze_result *x, const starc_proxy_analyze_result *y, double rt,
                           double rp, double g)
{
    agree(x->true_return, y->true_return, rt / (1 - g), "true_return");
    agree(x->proxy_return, y->proxy_return, rp / (1 - g), "proxy_return");
    agree(x->true_delta_normalized, y->true_delta_normalized, rt, "true_delta_normalized");
    agree(x->proxy_delta_normalized, y->proxy_delta_normalized, rp, "proxy_delta_normalized");
    agree(x->a, y->a, fmax(1.0, fabs(y->a)), "a");
    agree(x->chi2, y->chi2, fmax(1.0, fabs(y->chi2)), "chi2");
    const double bs = rt * fmax(1.0, fabs(y->a)) * fmax(1.0, sqrt(fabs(y->chi2)));
    agree(x->bound_a, y->bound_a, bs, "bound_a");
    agree(x->bound_b, y->bound_b, isfinite(y->bound_b) ? fmax(bs, fabs(y->bound_b)) : bs, "bound_b");
    agree(x->bound_tight, y->bound_tight, bs, "bound_tight");
}

/* Everything starc proxy reports, dense MDP d against its CSR twin m. */
static void compare_proxy(gsl_rng *r, const starc_mdp *d, const starc_mdp *m, double scale)
{
    const size_t S = starc_mdp_states(d), A = starc_mdp_actions(d), SA = S * A;
    const double g = starc_mdp_gamma(d);
    double *Rt = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double)), *base = malloc(SA * sizeof(double));
    double *pol = malloc(SA * sizeof(double));
    testutil_gaussian(r, Rt, SA);
    testutil_gaussian(r, Rp, SA);
    for (size_t i = 0; i < SA; i++) {
        Rp[i] = scale * (Rt[i] + 0.7 * Rp[i]);
        Rt[i] *= scale;
    }
    sparse_util_policy(r, S, A, base);
    testutil_random_policy(r, S, A, pol);
    starc_proxy_options po;
    starc_proxy_options_default(&po);
    po.engine = STARC_POLICY_ENGINE_SPARSE;
    starc_policy_options pio;
    starc_policy_options_default(&pio);
    pio.engine = STARC_POLICY_ENGINE_SPARSE;
    starc_proxy *pd = NULL, *ps = NULL;
    assert_ok(starc_proxy_alloc_rbar(d, Rt, Rp, base, NULL, &pd, NULL));
    assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, base, &po, &ps, NULL));
    const double rt = sparse_util_max_abs(Rt, SA), rp = sparse_util_max_abs(Rp, SA);
    const starc_proxy_stats *xs = starc_proxy_get_stats(ps), *ys = starc_proxy_get_stats(pd);
    agree(xs->r, ys->r, 1.0, "r");
    agree(xs->sigma_true, ys->sigma_true, rt, "sigma_true");
    agree(xs->sigma_proxy, ys->sigma_proxy, rp, "sigma_proxy");
    agree(xs->mean_true, ys->mean_true, rt, "mean_true");
    agree(xs->mean_proxy, ys->mean_proxy, rp, "mean_proxy");
    agree(xs->orpo_coef, ys->orpo_coef, rp, "orpo_coef");
    const double *mx = starc_proxy_base_occupancy(ps), *my = starc_proxy_base_occupancy(pd);
    agree_all(mx, my, SA, "base occupancy");
    for (size_t i = 0; i < SA; i++) /* unreachable states: exact zeros on both paths */
        assert_true((mx[i] == 0.0) == (my[i] == 0.0));
    double jx[2], jy[2];
    starc_proxy_base_returns(ps, &jx[0], &jx[1]);
    starc_proxy_base_returns(pd, &jy[0], &jy[1]);
    agree(jx[0], jy[0], rt / (1 - g), "base true return");
    agree(jx[1], jy[1], rp / (1 - g), "base proxy return");

    starc_proxy_analyze_result ax, ay;
    assert_ok(starc_proxy_analyze(ps, pol, &ax, NULL));
    assert_ok(starc_proxy_analyze(pd, pol, &ay, NULL));
    agree_analysis(&ax, &ay, rt, rp, g);

    size_t *actx = calloc(S, sizeof(size_t)), *acty = calloc(S, sizeof(size_t));
    starc_proxy_hacking_result hx, hy;
    assert_ok(starc_proxy_check_hacking(ps, &pio, actx, &hx, NULL));
    assert_ok(starc_proxy_check_hacking(pd, NULL, acty, &hy, NULL));
    for (size_t s = 0; s < S; s++)
        assert_int_equal(actx[s], acty[s]);
    agree_analysis(&hx.proxy_optimal, &hy.proxy_optimal, rt, rp, g);
    agree(hx.true_return_min, hy.true_return_min, rt / (1 - g), "true_return_min");
    agree(hx.true_return_max, hy.true_return_max, rt / (1 - g), "true_return_max");
    assert_int_equal(hx.reward_hacking, hy.reward_hacking);

    /* hackability on a set: the base, the random policy, the proxy-optimal one and 5 more */
    enum { N = 8 };
    double *set = malloc(N * SA * sizeof(double));
    memcpy(set, base, SA * sizeof(double));
    memcpy(set + SA, pol, SA * sizeof(double));
    starc_policy_from_actions(d, acty, set + 2 * SA);
    for (size_t k = 3; k < N; k++)
        testutil_random_policy(r, S, A, set + k * SA);
    int hbx, hby;
    size_t wix = 0, wjx = 0, wiy = 0, wjy = 0;
    assert_ok(starc_proxy_hackable_rbar(m, Rt, Rp, N, set, &po, &hbx, &wix, &wjx, NULL));
    assert_ok(starc_proxy_hackable_rbar(d, Rt, Rp, N, set, NULL, &hby, &wiy, &wjy, NULL));
    assert_int_equal(hbx, hby);
    if (hby) {
        assert_int_equal(wix, wiy);
        assert_int_equal(wjx, wjy);
    }
    starc_proxy_deterministic_options dop;
    starc_proxy_deterministic_options_default(&dop);
    size_t n;
    if (starc_proxy_deterministic_count(d, &dop, &n, NULL) == STARC_OK && n <= 1024) {
        starc_proxy_hackability_result bx, by;
        dop.proxy_options.engine = STARC_POLICY_ENGINE_SPARSE;
        assert_ok(starc_proxy_hackable_deterministic_rbar(m, Rt, Rp, &dop, &bx, NULL));
        dop.proxy_options.engine = STARC_POLICY_ENGINE_AUTO;
        assert_ok(starc_proxy_hackable_deterministic_rbar(d, Rt, Rp, &dop, &by, NULL));
        assert_int_equal(bx.policies, by.policies);
        assert_int_equal(bx.hackable, by.hackable);
        assert_int_equal(bx.witness_i, by.witness_i);
        assert_int_equal(bx.witness_j, by.witness_j);
    }
    free(set);
    free(actx);
    free(acty);
    starc_proxy_free(pd);
    starc_proxy_free(ps);
    free(Rt), free(Rp), free(base), free(pol);
}

static void test_proxy_agrees(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(15);
    const size_t sizes[][2] = {{1, 1}, {1, 3}, {2, 2}, {5, 2}, {7, 3}, {16, 4}, {64, 3}, {256, 2}};
    const double gammas[] = {0.0, 0.5, 0.9, 0.99};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof gammas / sizeof gammas[0]; j++) {
            starc_mdp *d = sparse_util_structured_mdp(r, sizes[i][0], sizes[i][1], gammas[j]), *m = sparse_twin(d, (i + j) % 2);
            compare_proxy(r, d, m, 1.0);
            starc_mdp_free(d);
            starc_mdp_free(m);
        }
    gsl_rng_free(r);
}

/* A proxy with tied optimal actions (actions 0 and 1 identical in T and in
 * the proxy, not in the truth): the extreme true returns over the set of
 * proxy-optimal policies differ, and the sparse path finds the dense path's. */
static void test_optimal_set_ties(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(18);
    const size_t sizes[] = {5, 16, 64, 256};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const size_t S = sizes[i], A = 3, SA = S * A;
        starc_mdp *d0 = sparse_util_structured_mdp(r, S, A, 0.9);
        double *T = malloc(SA * S * sizeof(double));
        memcpy(T, starc_mdp_transitions(d0), SA * S * sizeof(double));
        for (size_t s = 0; s < S; s++)
            memcpy(T + (s * A + 1) * S, T + (s * A) * S, S * sizeof(double));
        starc_mdp *d = NULL;
        assert_ok(starc_mdp_alloc(S, A, T, starc_mdp_initial(d0), 0.9, NULL, &d, NULL));
        starc_mdp *m = sparse_twin(d, 0);
        double *Rt = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double)), *base = malloc(SA * sizeof(double));
        testutil_gaussian(r, Rt, SA);
        testutil_gaussian(r, Rp, SA);
        for (size_t s = 0; s < S; s++)
            Rp[s * A + 1] = Rp[s * A] = fabs(Rp[s * A]) + 3.0; /* the tied pair is optimal at every state */
        starc_policy_uniform(d, base);
        starc_proxy_options po;
        starc_proxy_options_default(&po);
        po.engine = STARC_POLICY_ENGINE_SPARSE;
        starc_policy_options pio;
        starc_policy_options_default(&pio);
        pio.engine = STARC_POLICY_ENGINE_SPARSE;
        starc_proxy *pd = NULL, *ps = NULL;
        assert_ok(starc_proxy_alloc_rbar(d, Rt, Rp, base, NULL, &pd, NULL));
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, base, &po, &ps, NULL));
        starc_proxy_hacking_result hx, hy;
        assert_ok(starc_proxy_check_hacking(ps, &pio, NULL, &hx, NULL));
        assert_ok(starc_proxy_check_hacking(pd, NULL, NULL, &hy, NULL));
        const double sc = sparse_util_max_abs(Rt, SA) / 0.1;
        assert_true(hy.true_return_max - hy.true_return_min > 1e-3 * sc); /* a real set */
        agree(hx.true_return_min, hy.true_return_min, sc, "true_return_min");
        agree(hx.true_return_max, hy.true_return_max, sc, "true_return_max");
        assert_int_equal(hx.reward_hacking, hy.reward_hacking);
        starc_proxy_free(pd);
        starc_proxy_free(ps);
        starc_mdp_free(d0);
        starc_mdp_free(d);
        starc_mdp_free(m);
        free(T), free(Rt), free(Rp), free(base);
    }
    gsl_rng_free(r);
}

/* The regulariser's result for one method and coefficient, sparse against dense. */
static void agree_reg(const starc_regularize_result *x, const starc_regularize_result *y, double rt, double rp,
                      double g)
{
    assert_int_equal(x->converged, y->converged);
    agree(x->inner_coef, y->inner_coef, fabs(y->inner_coef), "inner_coef");
    agree(x->divergence, y->divergence, fmax(1.0, fabs(y->divergence)), "divergence");
    agree(x->objective, y->objective, rp + fabs(y->objective), "objective");
    agree(x->proxy_return, y->proxy_return, rp / (1 - g), "proxy_return");
    agree(x->true_return, y->true_return, rt / (1 - g), "true_return");
    agree(x->proxy_delta_normalized, y->proxy_delta_normalized, rp, "proxy_delta_normalized");
    agree(x->true_delta_normalized, y->true_delta_normalized, rt, "true_delta_normalized");
    agree(x->ad_kl, y->ad_kl, fmax(1.0, y->ad_kl), "ad_kl");
    agree(x->om_kl, y->om_kl, fmax(1.0, y->om_kl), "om_kl");
    agree(x->state_kl, y->state_kl, fmax(1.0, y->state_kl), "state_kl");
    agree(x->chi2, y->chi2, fmax(1.0, y->chi2), "chi2");
    agree(x->tv, y->tv, 1.0, "tv");
}

static void compare_regularize(gsl_rng *r, const starc_mdp *d, const starc_mdp *m, double scale, int om)
{
    const size_t S = starc_mdp_states(d), A = starc_mdp_actions(d), SA = S * A;
    const double g = starc_mdp_gamma(d);
    double *Rt = malloc(SA * sizeof(double)), *Rp = malloc(SA * sizeof(double)), *base = malloc(SA * sizeof(double));
    double *px = malloc(SA * sizeof(double)), *py = malloc(SA * sizeof(double));
    testutil_gaussian(r, Rt, SA);
    testutil_gaussian(r, Rp, SA);
    for (size_t i = 0; i < SA; i++) {
        Rp[i] = scale * (Rt[i] + 0.7 * Rp[i]);
        Rt[i] *= scale;
    }
    sparse_util_policy(r, S, A, base);
    starc_regularize_options o;
    starc_regularize_options_default(&o);
    starc_regularize *rd = NULL, *rs = NULL;
    assert_ok(starc_regularize_alloc_rbar(d, Rt, Rp, base, &o, &rd, NULL));
    o.engine = STARC_POLICY_ENGINE_SPARSE;
    assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, base, &o, &rs, NULL));
    const double rt = sparse_util_max_abs(Rt, SA), rp = sparse_util_max_abs(Rp, SA);
    agree_all(starc_regularize_base_occupancy(rs), starc_regularize_base_occupancy(rd), SA, "base occupancy");
    const double coefs[] = {0.05, 0.5, 5.0};
    for (int solver = 0; solver < 2; solver++)
        for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
            if (meth != STARC_REGULARIZE_AD_KL && (solver || !om))
                continue;
            starc_regularize_options so = o;
            so.adkl_solver = (starc_regularize_adkl_solver)solver;
            assert_ok(starc_regularize_set_options(rs, &so, NULL));
            so.engine = STARC_POLICY_ENGINE_AUTO;
            assert_ok(starc_regularize_set_options(rd, &so, NULL));
            for (size_t c = 0; c < sizeof coefs / sizeof coefs[0]; c++) {
                starc_regularize_result x, y;
                const double coef = coefs[c] * scale;
                int sx = starc_regularize_solve(rs, (starc_regularize_method)meth, coef, px, &x, NULL);
                int sy = starc_regularize_solve(rd, (starc_regularize_method)meth, coef, py, &y, NULL);
                assert_int_equal(sx, sy);
                if (sy)
                    continue;
                agree_reg(&x, &y, rt, rp, g);
                agree_all(px, py, SA, "policy");
                agree_all(starc_regularize_occupancy(rs), starc_regularize_occupancy(rd), SA, "occupancy");
            }
        }
    starc_regularize_free(rd);
    starc_regularize_free(rs);
    free(Rt), free(Rp), free(base), free(px), free(py);
}

static void test_regularize_agrees(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(16);
    const size_t sizes[][2] = {{1, 2}, {2, 2}, {5, 3}, {16, 3}, {64, 2}, {256, 2}};
    const double gammas[] = {0.0, 0.5, 0.9, 0.99};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof gammas / sizeof gammas[0]; j++) {
            starc_mdp *d = sparse_util_structured_mdp(r, sizes[i][0], sizes[i][1], gammas[j]), *m = sparse_twin(d, (i + j) % 2);
            /* the OM methods run on the expanded MDP: S = 256 only at one gamma to keep the test short */
            compare_regularize(r, d, m, 1.0, sizes[i][0] < 256 || j == 2);
            starc_mdp_free(d);
            starc_mdp_free(m);
        }
    gsl_rng_free(r);
}

/* Rewards at 1e-300 and 1e300 on the sparse path give the results at scale
 * 1 times the scale (and the same policies), as the dense path does. */
static void test_scale(void **state)
{
    (void)state;
    const double scales[] = {1e-300, 1e300};
    for (size_t k = 0; k < 2; k++) {
        gsl_rng *r1 = testutil_rng(17);
        starc_mdp *d = sparse_util_structured_mdp(r1, 40, 3, 0.9), *m = sparse_twin(d, 0);
        const size_t SA = 120;
        double Rt[120], Rp[120], base[120], pol[120], p1[120], p2[120];
        testutil_gaussian(r1, Rt, SA);
        testutil_gaussian(r1, Rp, SA);
        sparse_util_policy(r1, 40, 3, base);
        testutil_random_policy(r1, 40, 3, pol);
        double Rts[120], Rps[120];
        for (size_t i = 0; i < SA; i++) {
            Rts[i] = Rt[i] * scales[k];
            Rps[i] = Rp[i] * scales[k];
        }
        starc_proxy_options po;
        starc_proxy_options_default(&po);
        po.engine = STARC_POLICY_ENGINE_SPARSE;
        starc_policy_options pio;
        starc_policy_options_default(&pio);
        pio.engine = STARC_POLICY_ENGINE_SPARSE;
        starc_proxy *a = NULL, *b = NULL;
        assert_ok(starc_proxy_alloc_rbar(m, Rt, Rp, base, &po, &a, NULL));
        assert_ok(starc_proxy_alloc_rbar(m, Rts, Rps, base, &po, &b, NULL));
        const starc_proxy_stats *sa = starc_proxy_get_stats(a), *sb = starc_proxy_get_stats(b);
        assert_close(sb->r, sa->r, RTOL, 0.0);
        assert_close(sb->sigma_true / scales[k], sa->sigma_true, RTOL, 0.0);
        assert_close(sb->sigma_proxy / scales[k], sa->sigma_proxy, RTOL, 0.0);
        size_t acta[40], actb[40];
        starc_proxy_hacking_result ha, hb;
        assert_ok(starc_proxy_check_hacking(a, &pio, acta, &ha, NULL));
        assert_ok(starc_proxy_check_hacking(b, &pio, actb, &hb, NULL));
        assert_memory_equal(acta, actb, sizeof acta);
        assert_close(hb.true_return_min / scales[k], ha.true_return_min, RTOL, 0.0);
        assert_close(hb.true_return_max / scales[k], ha.true_return_max, RTOL, 0.0);
        /* chi2 and the bounds are infinite when the proxy-optimal policy leaves the base's support */
        agree(hb.proxy_optimal.chi2, ha.proxy_optimal.chi2, fabs(ha.proxy_optimal.chi2), "chi2");
        agree(hb.proxy_optimal.bound_tight / scales[k], ha.proxy_optimal.bound_tight,
              fabs(ha.proxy_optimal.bound_tight), "bound_tight");
        agree(hb.proxy_optimal.true_delta_normalized / scales[k], ha.proxy_optimal.true_delta_normalized,
              fabs(ha.proxy_optimal.true_delta_normalized), "true_delta_normalized");
        assert_int_equal(ha.reward_hacking, hb.reward_hacking);
        starc_proxy_free(a);
        starc_proxy_free(b);

        starc_regularize_options o;
        starc_regularize_options_default(&o);
        o.engine = STARC_POLICY_ENGINE_SPARSE;
        for (int meth = 0; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
            starc_regularize *ra = NULL, *rb = NULL;
            assert_ok(starc_regularize_alloc_rbar(m, Rt, Rp, base, &o, &ra, NULL));
            assert_ok(starc_regularize_alloc_rbar(m, Rts, Rps, base, &o, &rb, NULL));
            starc_regularize_result xa, xb;
            assert_ok(starc_regularize_solve(ra, (starc_regularize_method)meth, 0.3, p1, &xa, NULL));
            assert_ok(starc_regularize_solve(rb, (starc_regularize_method)meth, 0.3 * scales[k], p2, &xb, NULL));
            assert_all_close(p2, p1, SA, RTOL, 0.0);
            assert_close(xb.proxy_return / scales[k], xa.proxy_return, RTOL, 0.0);
            assert_close(xb.true_return / scales[k], xa.true_return, RTOL, 0.0);
            assert_close(xb.divergence, xa.divergence, RTOL, 0.0);
            starc_regularize_free(ra);
            starc_regularize_free(rb);
        }
        starc_mdp_free(d);
        starc_mdp_free(m);
        gsl_rng_free(r1);
    }
}

/* Above S*A*S = 2^24 the OM methods are refused on a sparse MDP with one
 * line naming the limit; AD-KL works there. */
static void test_om_limit(void **state)
{
    (void)state;
    const size_t S = 2100, A = 4, K = 3;
    size_t *ip = malloc((S * A + 1) * sizeof(size_t)), *ix = malloc(S * A * K * sizeof(size_t));
    double *dt = malloc(S * A * K * sizeof(double)), *mu0 = malloc(S * sizeof(double));
    size_t k = 0;
    ip[0] = 0;
    for (size_t s = 0; s < S; s++) {
        mu0[s] = 1.0 / (double)S;
        for (size_t a = 0; a < A; a++) {
            const size_t t[3] = {s, (s + 1 + a) % S, (s + 7 * a + 3) % S};
            size_t u[3] = {t[0], t[1], t[2]};
            for (int i = 0; i < 3; i++) /* sort the three distinct-or-not successors */
                for (int j = i + 1; j < 3; j++)
                    if (u[j] < u[i]) {
                        size_t x = u[i];
                        u[i] = u[j];
                        u[j] = x;
                    }
            size_t n = 0;
            for (int i = 0; i < 3; i++)
                if (n == 0 || ix[k + n - 1] != u[i])
                    ix[k + n++] = u[i];
            for (size_t i = 0; i < n; i++)
                dt[k + i] = 1.0 / (double)n;
            k += n;
            ip[s * A + a + 1] = k;
        }
    }
    starc_mdp *m = NULL;
    assert_ok(starc_mdp_alloc_csr(S, A, k, ip, ix, dt, mu0, 0.9, NULL, &m, NULL));
    double *R = malloc(S * A * sizeof(double)), *pi = malloc(S * A * sizeof(double));
    for (size_t i = 0; i < S * A; i++)
        R[i] = sin((double)i);
    starc_policy_uniform(m, pi);
    starc_regularize *rg = NULL;
    starc_error err;
    assert_ok(starc_regularize_alloc_rbar(m, R, R, pi, NULL, &rg, NULL));
    starc_regularize_result res;
    for (int meth = 1; meth < STARC_REGULARIZE_METHOD_COUNT; meth++) {
        assert_int_equal(starc_regularize_solve(rg, (starc_regularize_method)meth, 0.5, NULL, &res, &err),
                         STARC_EINVAL);
        assert_non_null(strstr(err.message, "on a sparse MDP needs S*A*S <= 16777216 (S=2100, A=4)"));
    }
    assert_ok(starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, 0.5, NULL, &res, NULL));
    assert_true(res.converged);
    assert_true(res.ad_kl > 0.0);
    starc_regularize_free(rg);
    starc_mdp_free(m);
    free(ip), free(ix), free(dt), free(mu0), free(R), free(pi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_agrees),
        cmocka_unit_test(test_optimal_set_ties),
        cmocka_unit_test(test_regularize_agrees),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_om_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
