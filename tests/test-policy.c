/* Policy evaluation, occupancy, optimal/worst policies against slow references:
 * Gauss-Jordan solves, truncated power series, and enumeration of every
 * deterministic policy. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

/* Reference: solve (I - gamma P_pi) V = r_pi by Gauss-Jordan with partial pivoting. */
static void ref_values(const starc_mdp *m, const double *pi, const double *R, double *V)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m);
    double g = starc_mdp_gamma(m);
    double *M = calloc(S * (S + 1), sizeof(double));
    for (size_t s = 0; s < S; s++) {
        M[s * (S + 1) + s] = 1.0;
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++) {
                double p = pi[s * A + a] * T[(s * A + a) * S + t];
                M[s * (S + 1) + t] -= g * p;
                M[s * (S + 1) + S] += p * R[(s * A + a) * S + t];
            }
    }
    for (size_t c = 0; c < S; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < S; r++)
            if (fabs(M[r * (S + 1) + c]) > fabs(M[piv * (S + 1) + c]))
                piv = r;
        for (size_t k = 0; k <= S; k++) {
            double tmp = M[c * (S + 1) + k];
            M[c * (S + 1) + k] = M[piv * (S + 1) + k];
            M[piv * (S + 1) + k] = tmp;
        }
        for (size_t r = 0; r < S; r++) {
            if (r == c)
                continue;
            double f = M[r * (S + 1) + c] / M[c * (S + 1) + c];
            for (size_t k = 0; k <= S; k++)
                M[r * (S + 1) + k] -= f * M[c * (S + 1) + k];
        }
    }
    for (size_t s = 0; s < S; s++)
        V[s] = M[s * (S + 1) + S] / M[s * (S + 1) + s];
    free(M);
}

static double dot(const double *x, const double *y, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += x[i] * y[i];
    return acc;
}

static void test_small_reference(void **state)
{
    (void)state;
    /* docs/theory.md (Reference values): 2 states, 2 actions, gamma 0.9, uniform policy. */
    static const double T[8] = {.9, .1, .3, .7, .2, .8, .9, .1}, mu0[2] = {.5, .5};
    static const double R[8] = {0, 0, -1, 5, -2, 1, 1, 0};
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(2, 2, T, mu0, 0.9, NULL, &m, NULL));
    double pi[4], V[2], Q[4];
    starc_policy_uniform(m, pi);
    assert_ok(starc_policy_evaluate(m, pi, R, V, Q, NULL, NULL));
    assert_close(V[0], 12.418848, 0, 5e-7);
    assert_close(V[1], 11.424084, 0, 5e-7);
    /* advantage = VAL canonical form in docs/theory.md (Reference values) */
    assert_close(Q[0] - V[0], -1.331414, 0, 5e-7);
    assert_close(Q[1] - V[0], 1.331414, 0, 5e-7);
    assert_close(Q[2] - V[1], -0.563351, 0, 5e-7);
    assert_close(Q[3] - V[1], 0.563351, 0, 5e-7);
    starc_mdp_free(m);
}

static void test_evaluate_random(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(11);
    for (int trial = 0; trial < 30; trial++) {
        size_t S = 1 + gsl_rng_uniform_int(r, 9), A = 1 + gsl_rng_uniform_int(r, 4);
        double g = trial % 3 == 0 ? 0.0 : gsl_rng_uniform(r) * 0.99;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *R = malloc(S * A * S * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        double *V = malloc(S * sizeof(double)), *Vr = malloc(S * sizeof(double)), *Q = malloc(S * A * sizeof(double));
        double *d = malloc(S * sizeof(double)), *mu = malloc(S * A * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
        testutil_gaussian(r, R, S * A * S);
        testutil_random_policy(r, S, A, pi);
        starc_policy_workspace *ws = NULL;
        assert_ok(starc_policy_workspace_alloc(S, A, &ws, NULL));
        assert_ok(starc_policy_evaluate(m, pi, R, V, Q, ws, NULL));
        ref_values(m, pi, R, Vr);
        assert_all_close(V, Vr, S, 1e-10, 1e-10);
        /* Bellman: V = sum_a pi Q */
        for (size_t s = 0; s < S; s++)
            assert_close(V[s], dot(pi + s * A, Q + s * A, A), 1e-10, 1e-10);
        /* occupancy sums to 1, reproduces (1-g) J, and matches the power series */
        assert_ok(starc_policy_occupancy(m, pi, d, mu, ws, NULL));
        double sum = 0;
        for (size_t i = 0; i < S * A; i++) {
            assert_true(mu[i] >= 0);
            sum += mu[i];
        }
        assert_close(sum, 1.0, 0, 1e-12);
        starc_mdp_reward_expected(m, R, Rbar);
        double J;
        assert_ok(starc_policy_return(m, pi, R, &J, NULL, NULL));
        assert_close(J, dot(starc_mdp_initial(m), V, S), 1e-12, 1e-12);
        assert_close((1 - g) * J, dot(mu, Rbar, S * A), 1e-10, 1e-10);
        /* d_t+1 = d_t P: sum_t g^t (1-g) mu0 P^t, truncated where g^t < 1e-16 */
        double *x = malloc(S * sizeof(double)), *y = malloc(S * sizeof(double)), *acc = calloc(S, sizeof(double));
        memcpy(x, starc_mdp_initial(m), S * sizeof(double));
        const double *T = starc_mdp_transitions(m);
        double w = 1 - g;
        for (int t = 0; t < 5000 && w > 1e-17; t++) {
            for (size_t s = 0; s < S; s++)
                acc[s] += w * x[s];
            for (size_t u = 0; u < S; u++)
                y[u] = 0;
            for (size_t s = 0; s < S; s++)
                for (size_t a = 0; a < A; a++)
                    for (size_t u = 0; u < S; u++)
                        y[u] += x[s] * pi[s * A + a] * T[(s * A + a) * S + u];
            memcpy(x, y, S * sizeof(double));
            w *= g;
        }
        assert_all_close(d, acc, S, 1e-9, 1e-12);
        /* the evaluator plan gives the same numbers */
        starc_policy_evaluator *ev;
        double *V2 = malloc(S * sizeof(double)), *Q2 = malloc(S * A * sizeof(double)), *d2 = malloc(S * sizeof(double));
        assert_ok(starc_policy_evaluator_alloc(m, pi, &ev, NULL));
        assert_ok(starc_policy_evaluator_values(ev, R, V2, Q2, NULL));
        assert_all_close(V2, V, S, 1e-12, 1e-12);
        assert_all_close(Q2, Q, S * A, 1e-12, 1e-12);
        assert_ok(starc_policy_evaluator_occupancy(ev, d2, NULL, NULL));
        assert_all_close(d2, d, S, 1e-12, 1e-14);
        starc_policy_evaluator_free(ev);
        free(V2), free(Q2), free(d2), free(x), free(y), free(acc);
        starc_policy_workspace_free(ws);
        free(R), free(pi), free(V), free(Vr), free(Q), free(d), free(mu), free(Rbar);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Enumerate all A^S deterministic policies; return max (sign=1) or min (sign=-1) of V at each state. */
static void brute_extreme(const starc_mdp *m, const double *R, int sign, double *Vbest, double *Jbest)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = calloc(S, sizeof(size_t));
    double *pi = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double));
    int first = 1;
    for (;;) {
        starc_policy_from_actions(m, act, pi);
        ref_values(m, pi, R, V);
        double J = dot(starc_mdp_initial(m), V, S);
        if (first || sign * J > sign * *Jbest)
            *Jbest = J;
        for (size_t s = 0; s < S; s++)
            if (first || sign * V[s] > sign * Vbest[s])
                Vbest[s] = V[s];
        first = 0;
        size_t k = 0;
        while (k < S && ++act[k] == A)
            act[k++] = 0;
        if (k == S)
            break;
    }
    free(act), free(pi), free(V);
}

static void test_optimal_bruteforce(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(23);
    for (int trial = 0; trial < 40; trial++) {
        size_t S = 1 + gsl_rng_uniform_int(r, 5), A = 1 + gsl_rng_uniform_int(r, 3);
        double g = gsl_rng_uniform(r) * 0.95;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *R = malloc(S * A * S * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
        double *V = malloc(S * sizeof(double)), *Vb = malloc(S * sizeof(double)), *Vvi = malloc(S * sizeof(double));
        size_t *act = malloc(S * sizeof(size_t)), *avi = malloc(S * sizeof(size_t)), iters;
        testutil_gaussian(r, R, S * A * S);
        double Jb;
        assert_ok(starc_policy_optimal(m, R, NULL, act, V, &iters, NULL, NULL));
        assert_true(iters >= 1);
        brute_extreme(m, R, +1, Vb, &Jb);
        assert_all_close(V, Vb, S, 1e-10, 1e-10);
        /* the returned actions achieve V */
        double *pi = malloc(S * A * sizeof(double)), *Vp = malloc(S * sizeof(double));
        starc_policy_from_actions(m, act, pi);
        ref_values(m, pi, R, Vp);
        assert_all_close(Vp, Vb, S, 1e-10, 1e-10);
        /* value iteration agrees with its stated accuracy */
        starc_mdp_reward_expected(m, R, Rbar);
        double tol = 1e-12;
        starc_policy_options vo;
        starc_policy_options_default(&vo);
        vo.tol = tol;
        vo.max_sweeps = 100000;
        assert_ok(starc_policy_value_iteration_rbar(m, Rbar, &vo, Vvi, avi, NULL, NULL));
        double vmax = 0.0; /* the stopping rule is relative to max |V| */
        for (size_t s = 0; s < S; s++)
            vmax = fmax(vmax, fabs(Vvi[s]));
        assert_all_close(Vvi, Vb, S, 0, 2 * tol * vmax / (1 - g) + 1e-12);
        for (size_t s = 0; s < S; s++)
            assert_int_equal(avi[s], act[s]);
        /* worst policy = minimum over deterministic policies */
        assert_ok(starc_policy_worst(m, R, NULL, act, V, NULL, NULL, NULL));
        brute_extreme(m, R, -1, Vb, &Jb);
        assert_all_close(V, Vb, S, 1e-10, 1e-10);
        free(R), free(Rbar), free(V), free(Vb), free(Vvi), free(act), free(avi), free(pi), free(Vp);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* starc_policy_range_rbar against enumeration of every deterministic policy,
 * starc_policy_return_rbar against the Gauss-Jordan reference, and the
 * invariances of returns: positive scaling, negation, potential shaping. */
static void test_return_and_range(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(31);
    for (int trial = 0; trial < 40; trial++) {
        size_t S = 1 + gsl_rng_uniform_int(r, 5), A = 1 + gsl_rng_uniform_int(r, 3);
        double g = trial % 4 == 0 ? 0.0 : gsl_rng_uniform(r) * 0.95;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        const size_t SA = S * A, SAS = SA * S;
        double *R = malloc(SAS * sizeof(double)), *R2 = malloc(SAS * sizeof(double));
        double *Rbar = malloc(SA * sizeof(double)), *Rbar2 = malloc(SA * sizeof(double));
        double *pi = malloc(SA * sizeof(double)), *V = malloc(S * sizeof(double)), *Vr = malloc(S * sizeof(double));
        double *Vb = malloc(S * sizeof(double)), *phi = malloc(S * sizeof(double));
        testutil_gaussian(r, R, SAS);
        double rscale = 10.0 * gsl_rng_uniform_pos(r);
        for (size_t i = 0; i < SAS; i++)
            R[i] *= rscale;
        starc_mdp_reward_expected(m, R, Rbar);
        testutil_random_policy(r, S, A, pi);
        /* |J| <= max|R| / (1 - gamma): the scale of every return below */
        double rmax = 0.0;
        for (size_t i = 0; i < SAS; i++)
            rmax = fmax(rmax, fabs(R[i]));
        const double scale = rmax / (1.0 - g), rtol = 1e-10, atol = 1e-12 * scale;

        /* the return of a stochastic policy */
        double J, Jd;
        starc_policy_workspace *ws = NULL;
        assert_ok(starc_policy_workspace_alloc(S, A, &ws, NULL));
        assert_ok(starc_policy_return_rbar(m, pi, Rbar, &J, ws, NULL));
        ref_values(m, pi, R, Vr);
        assert_close(J, dot(starc_mdp_initial(m), Vr, S), rtol, atol);
        assert_ok(starc_policy_return(m, pi, R, &Jd, NULL, NULL));
        assert_close(J, Jd, 0, 0); /* the dense call is the same computation */
        assert_ok(starc_policy_evaluate_rbar(m, pi, Rbar, V, NULL, ws, NULL));
        assert_close(starc_policy_values_return(m, V), J, 0, 0);

        /* optimal and worst returns: the extremes over all A^S deterministic policies */
        starc_policy_range_result rr;
        double jmax, jmin;
        assert_ok(starc_policy_range_rbar(m, Rbar, NULL, &rr, ws, NULL));
        brute_extreme(m, R, +1, Vb, &jmax);
        brute_extreme(m, R, -1, Vb, &jmin);
        assert_close(rr.optimal_return, jmax, rtol, atol);
        assert_close(rr.worst_return, jmin, rtol, atol);
        assert_true(rr.worst_return <= J + atol && J <= rr.optimal_return + atol);
        /* no workspace: the same numbers */
        starc_policy_range_result r0;
        assert_ok(starc_policy_range_rbar(m, Rbar, NULL, &r0, NULL, NULL));
        assert_close(r0.optimal_return, rr.optimal_return, 0, 0);
        assert_close(r0.worst_return, rr.worst_return, 0, 0);

        /* c R, c > 0: both returns scale by c */
        const double c = 0.01 + 100.0 * gsl_rng_uniform(r);
        for (size_t i = 0; i < SA; i++)
            Rbar2[i] = c * Rbar[i];
        starc_policy_range_result rc;
        assert_ok(starc_policy_range_rbar(m, Rbar2, NULL, &rc, ws, NULL));
        assert_close(rc.optimal_return, c * rr.optimal_return, rtol, c * atol);
        assert_close(rc.worst_return, c * rr.worst_return, rtol, c * atol);
        /* -R: optimal and worst swap sign and place */
        for (size_t i = 0; i < SA; i++)
            Rbar2[i] = -Rbar[i];
        assert_ok(starc_policy_range_rbar(m, Rbar2, NULL, &rc, ws, NULL));
        assert_close(rc.optimal_return, -rr.worst_return, rtol, atol);
        assert_close(rc.worst_return, -rr.optimal_return, rtol, atol);
        /* R + gamma phi(s') - phi(s): every return moves by -mu0 . phi */
        testutil_gaussian(r, phi, S);
        double pmax = 0.0;
        for (size_t s = 0; s < S; s++) {
            phi[s] *= rscale;
            pmax = fmax(pmax, fabs(phi[s]));
        }
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++)
                for (size_t u = 0; u < S; u++)
                    R2[(s * A + a) * S + u] = R[(s * A + a) * S + u] + g * phi[u] - phi[s];
        starc_mdp_reward_expected(m, R2, Rbar2);
        const double shift = -dot(starc_mdp_initial(m), phi, S), satol = atol + 1e-12 * pmax;
        assert_ok(starc_policy_range_rbar(m, Rbar2, NULL, &rc, ws, NULL));
        assert_close(rc.optimal_return, rr.optimal_return + shift, rtol, satol);
        assert_close(rc.worst_return, rr.worst_return + shift, rtol, satol);
        assert_ok(starc_policy_return_rbar(m, pi, Rbar2, &Jd, ws, NULL));
        assert_close(Jd, J + shift, rtol, satol);

        starc_policy_workspace_free(ws);
        free(R), free(R2), free(Rbar), free(Rbar2), free(pi), free(V), free(Vr), free(Vb), free(phi);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

static void test_ties_lowest_index(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(5);
    starc_mdp *m = testutil_random_mdp(r, 4, 3, 0.9, 0);
    double R[48];
    size_t act[4];
    /* a constant reward: every policy is optimal (and worst), so action 0 everywhere */
    for (size_t i = 0; i < 48; i++)
        R[i] = 2.5;
    assert_ok(starc_policy_optimal(m, R, NULL, act, NULL, NULL, NULL, NULL));
    for (size_t s = 0; s < 4; s++)
        assert_int_equal(act[s], 0);
    assert_ok(starc_policy_worst(m, R, NULL, act, NULL, NULL, NULL, NULL));
    for (size_t s = 0; s < 4; s++)
        assert_int_equal(act[s], 0);
    starc_mdp_free(m);
    /* actions 1 and 2 identical and best: pick 1 */
    static const double T[12] = {1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0}, mu0[2] = {1, 0};
    static const double R2[12] = {0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    assert_ok(starc_mdp_alloc(2, 3, T, mu0, 0.5, NULL, &m, NULL));
    assert_ok(starc_policy_optimal(m, R2, NULL, act, NULL, NULL, NULL, NULL));
    assert_int_equal(act[0], 1);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

static void test_errors(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(3);
    starc_mdp *m = testutil_random_mdp(r, 3, 2, 0.9, 0);
    starc_error err;
    double pi[6] = {0.5, 0.5, 1, 0, 0.2, 0.7};
    assert_int_equal(starc_policy_validate(m, pi, NULL, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "policy row 2 sums to 0.8999"));
    pi[5] = -0.1;
    assert_int_equal(starc_policy_validate(m, pi, NULL, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "policy entry [2,1] = -0.1"));
    /* a workspace of the wrong size is refused, not overrun */
    starc_policy_workspace *ws = NULL;
    assert_ok(starc_policy_workspace_alloc(4, 2, &ws, NULL));
    double R[18] = {0}, V[3];
    starc_policy_uniform(m, pi);
    assert_int_equal(starc_policy_evaluate(m, pi, R, V, NULL, ws, &err), STARC_EDIM);
    assert_non_null(strstr(err.message, "workspace is for S=4"));
    starc_policy_workspace_free(ws);
    starc_policy_workspace_free(NULL);
    /* a non-finite policy is refused by the evaluator, by name (its
     * factorisation skips LAPACKE's NaN scan) */
    starc_policy_evaluator *ev = NULL;
    pi[3] = NAN;
    assert_int_equal(starc_policy_evaluator_alloc(m, pi, &ev, &err), STARC_EINVAL);
    assert_null(ev);
    assert_non_null(strstr(err.message, "policy entry [1,1] is not finite"));
    starc_policy_uniform(m, pi);
    /* value iteration reports non-convergence */
    double Rbar[6] = {1, 2, 3, 4, 5, 6};
    starc_policy_options vo;
    starc_policy_options_default(&vo);
    vo.tol = 1e-12;
    vo.max_sweeps = 3;
    assert_int_equal(starc_policy_value_iteration_rbar(m, Rbar, &vo, V, NULL, NULL, &err), STARC_ENOCONV);
    assert_non_null(strstr(err.message, "did not reach tolerance"));
    /* policy iteration with a cap of 0 iterations cannot converge */
    starc_policy_options o;
    starc_policy_options_default(&o);
    o.max_iter = 0;
    size_t act[3];
    assert_int_equal(starc_policy_optimal_rbar(m, Rbar, &o, act, NULL, NULL, NULL, &err), STARC_ENOCONV);
    /* the range: the same options and workspace checks, a NULL result refused */
    starc_policy_range_result rr;
    assert_int_equal(starc_policy_range_rbar(m, Rbar, &o, &rr, NULL, &err), STARC_ENOCONV);
    assert_ok(starc_policy_workspace_alloc(4, 2, &ws, NULL));
    assert_int_equal(starc_policy_range_rbar(m, Rbar, NULL, &rr, ws, &err), STARC_EDIM);
    assert_non_null(strstr(err.message, "workspace is for S=4"));
    double J;
    assert_int_equal(starc_policy_return_rbar(m, pi, Rbar, &J, ws, &err), STARC_EDIM);
    starc_policy_workspace_free(ws);
    assert_int_equal(starc_policy_range_rbar(m, Rbar, NULL, NULL, NULL, &err), STARC_EINVAL);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Scale invariance (docs/theory.md, Numerics): optimal and worst (optimal for
 * -R) policies do not change when the reward is multiplied by c in 1e-300 ..
 * 1e300, and values scale by c.  The old tie rule tie_tol * max(1, |Q|) tied
 * every action at 1e-300. */
static void test_scale_invariance(void **state)
{
    (void)state;
    static const double scales[] = {1e-300, 1e-150, 1.0, 1e150, 1e300};
    gsl_rng *r = testutil_rng(9090);
    for (int trial = 0; trial < 10; trial++) {
        size_t S = 3 + trial % 4, A = 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *Rbar = malloc(S * A * sizeof(double)), *X = malloc(S * A * sizeof(double));
        double *V0 = malloc(S * sizeof(double)), *V = malloc(S * sizeof(double));
        size_t *a0 = malloc(S * sizeof(size_t)), *a = malloc(S * sizeof(size_t));
        size_t *w0 = malloc(S * sizeof(size_t)), *wa = malloc(S * sizeof(size_t));
        testutil_gaussian(r, Rbar, S * A);
        assert_ok(starc_policy_optimal_rbar(m, Rbar, NULL, a0, V0, NULL, NULL, NULL));
        for (size_t i = 0; i < S * A; i++)
            X[i] = -Rbar[i];
        assert_ok(starc_policy_optimal_rbar(m, X, NULL, w0, NULL, NULL, NULL, NULL));
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
            for (size_t i = 0; i < S * A; i++)
                X[i] = scales[k] * Rbar[i];
            assert_ok(starc_policy_optimal_rbar(m, X, NULL, a, V, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++) {
                assert_int_equal(a[s], a0[s]);
                assert_close(V[s], scales[k] * V0[s], 1e-12, 0);
            }
            for (size_t i = 0; i < S * A; i++)
                X[i] = -X[i];
            assert_ok(starc_policy_optimal_rbar(m, X, NULL, wa, NULL, NULL, NULL, NULL));
            for (size_t s = 0; s < S; s++)
                assert_int_equal(wa[s], w0[s]);
        }
        free(Rbar), free(X), free(V0), free(V), free(a0), free(a), free(w0), free(wa);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_reference), cmocka_unit_test(test_evaluate_random),
        cmocka_unit_test(test_optimal_bruteforce), cmocka_unit_test(test_return_and_range),
        cmocka_unit_test(test_ties_lowest_index),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_scale_invariance),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
