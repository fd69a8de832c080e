/* The iterative engine (GMRES, docs/sparse.md "Engine") against the LU
 * engine on slippery gridworlds whose rewards have near-ties: both run
 * Howard's policy iteration from action 0 with the tie rule, and must reach
 * the same fixed point: the optimal and worst actions equal exactly, the
 * fixed point's values to tie_tol / (1 - gamma) relative, the regret to
 * 1e-10.  Rewards: the random protocol's (sparsified, scaled, shifted,
 * shaped), a single goal (mirror-symmetric, actions tied to round-off or
 * within the tie tolerance), three values per (s,a), and action values
 * placed at 0.5, 0.999, 1.001 and 2 times the tie tolerance below the
 * maximum.  The LU's regrets evaluate the proxy policy with the default
 * engine, the iterative one above 4096 states: on the 100x100 gridworld one
 * of them stalled GMRES(10) before the fallback of sparse.c's it_solve().
 * (A start from value iteration's greedy policy fails this test:
 * docs/sparse.md, "Limits".)  STARC_TEST_SLOW=1 adds a 100x100 gridworld at
 * gamma 0.99 and the 300x300 one with the random rewards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <config.h>
#include "testutil.h"
#include "sparse-util.h"

#define RTOL 1e-10

/* Rbar(s,a) = sum_k T_k R_k over the stored entries of row (s,a). */
static void expected_reward(const starc_mdp *m, const double *R, double *Rbar)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    for (size_t r = 0; r < S * A; r++) {
        double acc = 0.0;
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            acc += dt[k] * R[k];
        Rbar[r] = acc;
    }
}

static void opts(starc_policy_options *o, starc_policy_engine e)
{
    starc_policy_options_default(o);
    o->engine = e;
}

/* Optimal actions of Rbar by both engines: equal; values to tie_tol / (1 - gamma). */
static void same_fixed_point(const starc_mdp *m, const double *Rbar, size_t *act_lu, const char *what)
{
    const size_t S = starc_mdp_states(m);
    starc_policy_options lu, it;
    opts(&lu, STARC_POLICY_ENGINE_SPARSE);
    opts(&it, STARC_POLICY_ENGINE_ITERATIVE);
    size_t *a2 = malloc(S * sizeof *a2);
    double *V1 = malloc(S * sizeof *V1), *V2 = malloc(S * sizeof *V2);
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &lu, act_lu, V1, NULL, NULL, NULL));
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &it, a2, V2, NULL, NULL, NULL));
    /* On failure: the states that differ and the gap of the two actions
     * under the LU's values against the tie tolerance. */
    const size_t A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    double *Q = malloc(S * A * sizeof *Q);
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    for (size_t r = 0; r < S * A; r++) {
        double acc = 0.0;
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            acc += dt[k] * V1[ix[k]];
        Q[r] = Rbar[r] + g * acc;
    }
    double qabs = 0.0; /* the tie rule's floor, S eps max|Q| (policy.c) */
    for (size_t r = 0; r < S * A; r++)
        qabs = fmax(qabs, fabs(Q[r]));
    const double floor = (double)S * DBL_EPSILON * qabs;
    size_t diff = 0;
    for (size_t s = 0; s < S; s++) {
        if (act_lu[s] == a2[s])
            continue;
        diff++;
        double qmax = -INFINITY;
        for (size_t a = 0; a < A; a++)
            qmax = fmax(qmax, Q[s * A + a]);
        const double tol = fmax(lu.tie_tol * fabs(qmax), floor), gap = fabs(Q[s * A + act_lu[s]] - Q[s * A + a2[s]]);
        if (diff <= 8)
            fprintf(stderr, "%s: state %zu: actions %zu (LU) and %zu, gap %.3g, tie tolerance %.3g\n", what, s,
                    act_lu[s], a2[s], gap, tol);
    }
    if (diff)
        fprintf(stderr, "%s: %zu of %zu actions differ\n", what, diff, S);
    assert_int_equal(diff, 0);
    free(Q);
    /* values: V is the value of the fixed point's policy before ties go to
     * the lowest action, and the two paths may keep different actions
     * within the tie tolerance: V agrees to tie_tol / (1 - gamma). */
    const double vtol = lu.tie_tol / (1.0 - g);
    assert_all_close(V2, V1, S, 0.0, vtol * sparse_util_max_abs(V1, S));
    free(a2);
    free(V1);
    free(V2);
}

/* Regret of (Rt, Rp) by both engines, to RTOL. */
static void same_regret(const starc_mdp *m, const double *Rt, const double *Rp)
{
    starc_regret_options lu, it;
    starc_regret_options_default(&lu);
    starc_regret_options_default(&it);
    lu.policy_options.engine = STARC_POLICY_ENGINE_SPARSE;
    it.policy_options.engine = STARC_POLICY_ENGINE_ITERATIVE;
    starc_regret_result r1, r2;
    assert_ok(starc_regret_rbar(m, Rt, Rp, &lu, &r1, NULL, NULL));
    assert_ok(starc_regret_rbar(m, Rt, Rp, &it, &r2, NULL, NULL));
    assert_close(r2.regret, r1.regret, RTOL, 0.0);
    const double js = fmax(fabs(r1.true_optimal_return), fabs(r1.true_worst_return));
    assert_close(r2.true_optimal_return, r1.true_optimal_return, 0.0, RTOL * js);
    assert_close(r2.true_worst_return, r1.true_worst_return, 0.0, RTOL * js);
    assert_close(r2.proxy_policy_return, r1.proxy_policy_return, 0.0, RTOL * js);
}

/* Rbar with action values at the tie boundary: from the LU's optimal values,
 * at every 7th state the best other action a2 gets Q(s,a2) = qmax - c tol,
 * c cycling through 0.5, 0.999, 1.001, 2 (tol = tie_tol |qmax|); V* is
 * unchanged since a2 stays below the maximum. */
static void tie_boundary(const starc_mdp *m, const double *Rbar, double *out)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m);
    starc_policy_options lu;
    opts(&lu, STARC_POLICY_ENGINE_SPARSE);
    size_t *act = malloc(S * sizeof *act);
    double *V = malloc(S * sizeof *V), *Q = malloc(S * A * sizeof *Q);
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &lu, act, V, NULL, NULL, NULL));
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    for (size_t r = 0; r < S * A; r++) {
        double acc = 0.0;
        for (size_t k = ip[r]; k < ip[r + 1]; k++)
            acc += dt[k] * V[ix[k]];
        Q[r] = Rbar[r] + g * acc;
    }
    memcpy(out, Rbar, S * A * sizeof *out);
    static const double c[] = {0.5, 0.999, 1.001, 2.0};
    for (size_t s = 0, i = 0; s < S; s += 7, i++) {
        const double qmax = Q[s * A + act[s]];
        size_t a2 = act[s] == 0 ? 1 : 0;
        for (size_t a = 0; a < A; a++)
            if (a != act[s] && Q[s * A + a] > Q[s * A + a2])
                a2 = a;
        out[s * A + a2] += (qmax - c[i % 4] * lu.tie_tol * fabs(qmax)) - Q[s * A + a2];
    }
    free(act);
    free(V);
    free(Q);
}

enum { K = 5, K_ALL = K };

static void run_grid(size_t w, double slip, double gamma, uint64_t seed, size_t kinds)
{
    starc_gridworld_options go;
    starc_gridworld_options_default(&go);
    go.slip = slip;
    go.gamma = gamma;
    go.sparse = 1;
    starc_mdp *m = NULL;
    assert_ok(starc_gridworld_slippery(w, w, &go, &m, NULL));
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = starc_mdp_reward_size(m);
    double *R = malloc(n * sizeof *R), *Rbar[K];
    size_t *act = malloc(S * sizeof *act);
    starc_generate_rng *rng = NULL;
    assert_ok(starc_generate_rng_alloc(seed, &rng, NULL));
    for (size_t k = 0; k < K; k++)
        Rbar[k] = malloc(S * A * sizeof(double));
    /* 0, 1: the random protocol (sparsified, scaled, shifted, shaped at random) */
    for (size_t k = 0; k < 2; k++) {
        assert_ok(starc_generate_reward(rng, m, NULL, R, NULL, NULL));
        expected_reward(m, R, Rbar[k]);
    }
    /* 2: 1 on entering the centre cell, 0 elsewhere: mirror-symmetric ties */
    const size_t goal = (w / 2) * w + w / 2;
    const size_t *ip, *ix;
    starc_mdp_csr(m, &ip, &ix, NULL);
    for (size_t k = 0; k < n; k++)
        R[k] = ix[k] == goal ? 1.0 : 0.0;
    expected_reward(m, R, Rbar[2]);
    /* 3: three values, -1, 0, 1, per (s,a) */
    for (size_t r = 0; r < S * A; r++)
        Rbar[3][r] = (double)starc_generate_rng_uniform_int(rng, 3) - 1.0;
    /* 4: reward 0 with action values at the tie boundary */
    tie_boundary(m, Rbar[0], Rbar[4]);
    double *neg = malloc(S * A * sizeof *neg);
    for (size_t k = 0; k < kinds; k++) {
        char what[64];
        snprintf(what, sizeof what, "%zux%zu reward %zu", w, w, k);
        same_fixed_point(m, Rbar[k], act, what);
        for (size_t i = 0; i < S * A; i++)
            neg[i] = -Rbar[k][i];
        snprintf(what, sizeof what, "%zux%zu reward -%zu", w, w, k);
        same_fixed_point(m, neg, act, what);
    }
    same_regret(m, Rbar[0], Rbar[1]);
    if (kinds == K) {
        same_regret(m, Rbar[1], Rbar[4]);
        same_regret(m, Rbar[2], Rbar[3]);
        same_regret(m, Rbar[3], Rbar[2]);
    }
    for (size_t k = 0; k < K; k++)
        free(Rbar[k]);
    free(neg);
    free(R);
    free(act);
    starc_generate_rng_free(rng);
    starc_mdp_free(m);
}

/* Policy iteration's first step placed at the tie boundary: from the
 * values V0 of "action 0 everywhere" (the start of both engines' Howard
 * iterations, by the LU), every state's action a* = 1 + s % (A - 1) gets
 * Q0(s,a*) = Q0(s,0) + c tol with c cycling through 0.5, 0.9, 1.1, 2, 4
 * (tol = tie_tol |Q0(s,0)|: below 1 the state keeps action 0, above it
 * switches) and the other actions are far below.  The iterative engine's
 * first evaluation is loose (1e-6 of |r_pi|, far coarser than these
 * margins of 1e-11 relative): unless its decisions are certified and
 * tightened where they are not, the first step differs from the LU's and
 * with it the path (iterations) or the fixed point.  Both must be the LU's. */
static void test_loose_path(void **state)
{
    (void)state;
    starc_gridworld_options go;
    starc_gridworld_options_default(&go);
    go.slip = 0.2;
    go.gamma = 0.95;
    go.sparse = 1;
    starc_mdp *m = NULL;
    assert_ok(starc_gridworld_slippery(32, 32, &go, &m, NULL));
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = starc_mdp_reward_size(m);
    double *R = malloc(n * sizeof *R), *Rbar = malloc(S * A * sizeof *Rbar), *pi = calloc(S * A, sizeof *pi);
    double *V = malloc(S * sizeof *V), *Q = malloc(S * A * sizeof *Q), *V2 = malloc(S * sizeof *V2);
    size_t *a1 = malloc(S * sizeof *a1), *a2 = malloc(S * sizeof *a2), it1, it2;
    starc_generate_rng *rng = NULL;
    assert_ok(starc_generate_rng_alloc(8, &rng, NULL));
    assert_ok(starc_generate_reward(rng, m, NULL, R, NULL, NULL));
    expected_reward(m, R, Rbar);
    const double shift = 2.0 * sparse_util_max_abs(Rbar, S * A); /* values away from 0, so tol is not the floor */
    for (size_t i = 0; i < S * A; i++)
        Rbar[i] += shift;
    for (size_t s = 0; s < S; s++)
        pi[s * A] = 1.0;
    starc_policy_options lu, it;
    opts(&lu, STARC_POLICY_ENGINE_SPARSE);
    opts(&it, STARC_POLICY_ENGINE_ITERATIVE);
    assert_ok(starc_policy_solve(m, pi, Rbar, &lu, V, Q, NULL, NULL, NULL));
    static const double c[] = {0.5, 0.9, 1.1, 2.0, 4.0};
    for (size_t s = 0; s < S; s++) {
        const double q0 = Q[s * A], tol = lu.tie_tol * fabs(q0);
        for (size_t a = 1; a < A; a++) {
            const double want = a == 1 + s % (A - 1) ? q0 + c[s % 5] * tol : q0 - shift;
            Rbar[s * A + a] += want - Q[s * A + a];
        }
    }
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &lu, a1, V, &it1, NULL, NULL));
    assert_ok(starc_policy_optimal_rbar(m, Rbar, &it, a2, V2, &it2, NULL, NULL));
    assert_int_equal(it1, it2);
    assert_memory_equal(a1, a2, S * sizeof *a1);
    size_t switched = 0; /* the construction reaches the boundary: some states leave action 0 */
    for (size_t s = 0; s < S; s++)
        switched += a1[s] != 0;
    assert_true(switched > 0);
    free(R), free(Rbar), free(pi), free(V), free(Q), free(V2), free(a1), free(a2);
    starc_generate_rng_free(rng);
    starc_mdp_free(m);
}

static void test_small(void **state)
{
    (void)state;
    run_grid(16, 0.2, 0.9, 1, K_ALL);
    run_grid(32, 0.0, 0.95, 2, K_ALL);
    run_grid(32, 0.2, 0.99, 3, K_ALL);
    run_grid(64, 0.5, 0.95, 4, K_ALL);
}

static void test_100(void **state)
{
    (void)state;
    run_grid(100, 0.2, 0.95, 5, K_ALL);
}

static void test_slow(void **state)
{
    (void)state;
    if (!testutil_slow())
        skip();
    run_grid(100, 0.1, 0.99, 6, K_ALL);
    run_grid(300, 0.2, 0.95, 7, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_loose_path),
        cmocka_unit_test(test_100),
        cmocka_unit_test(test_slow),
    };
    return cmocka_run_group_tests_name("sparse-ties", tests, NULL, NULL);
}
