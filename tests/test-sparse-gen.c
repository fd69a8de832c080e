/* Generators of large sparse MDPs (issue 15): the slippery gridworld in CSR
 * form equals its dense form and a slow reference built move by move; random
 * sparse MDPs have exactly K distinct sorted successors per row and the same
 * arrays for the same seed; rewards drawn on a sparse MDP have one value per
 * stored transition, and their potential shaping leaves the optimal policy
 * unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <config.h>
#include "testutil.h"
#include "sparse-util.h"

/* T[s,a,t] of the slippery gridworld, one move at a time (the definition). */
static double slippery_ref(size_t W, size_t H, double slip, size_t s, size_t a, size_t t)
{
    static const int dx[4] = {0, 0, -1, 1}, dy[4] = {-1, 1, 0, 0};
    const long x = (long)(s % W), y = (long)(s / W);
    double p = 0.0;
    for (size_t b = 0; b < 4; b++) {
        long nx = x + dx[b], ny = y + dy[b];
        if (nx < 0 || nx >= (long)W || ny < 0 || ny >= (long)H)
            nx = x, ny = y;
        if ((size_t)(ny * (long)W + nx) == t)
            p += (b == a ? 1.0 - slip : 0.0) + slip / 4.0;
    }
    return p;
}

static void test_gridworld(void **state)
{
    (void)state;
    static const size_t dims[][2] = {{1, 1}, {1, 3}, {3, 2}, {4, 5}, {7, 3}};
    static const double slips[] = {0.0, 0.2, 0.5, 1.0};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++) {
            const size_t W = dims[i][0], H = dims[i][1], S = W * H, A = 4;
            starc_gridworld_options o;
            starc_gridworld_options_default(&o);
            o.slip = slips[j];
            starc_mdp *sp = NULL, *dn = NULL;
            assert_ok(starc_gridworld_slippery(W, H, &o, &sp, NULL));
            o.sparse = 0;
            assert_ok(starc_gridworld_slippery(W, H, &o, &dn, NULL));
            assert_true(starc_mdp_is_sparse(sp) && !starc_mdp_is_sparse(dn));
            const size_t *ip, *ix;
            const double *dt, *T = starc_mdp_transitions(dn);
            starc_mdp_csr(sp, &ip, &ix, &dt);
            double *X = calloc(S * A * S, sizeof(double));
            for (size_t r = 0; r < S * A; r++) {
                assert_true(ip[r + 1] > ip[r] && ip[r + 1] - ip[r] <= 4);
                for (size_t k = ip[r]; k < ip[r + 1]; k++) {
                    assert_true(dt[k] > 0.0); /* only cells reached are stored */
                    X[r * S + ix[k]] = dt[k];
                }
            }
            for (size_t s = 0; s < S; s++)
                for (size_t a = 0; a < A; a++)
                    for (size_t t = 0; t < S; t++) {
                        const size_t q = (s * A + a) * S + t;
                        assert_true(X[q] == T[q]); /* dense and CSR: the same tensor, bit for bit */
                        assert_close(T[q], slippery_ref(W, H, slips[j], s, a, t), 0.0, 1e-15);
                    }
            assert_true(starc_mdp_gamma(sp) == 0.95 && starc_mdp_initial(sp)[S - 1] == 1.0 / (double)S);
            free(X);
            starc_mdp_free(sp);
            starc_mdp_free(dn);
        }
    starc_mdp *m = NULL;
    starc_gridworld_options o;
    starc_gridworld_options_default(&o);
    o.slip = 1.5;
    assert_int_equal(starc_gridworld_slippery(3, 3, &o, &m, NULL), STARC_EINVAL);
    assert_int_equal(starc_gridworld_slippery(0, 3, NULL, &m, NULL), STARC_EDIM);
    assert_int_equal(starc_gridworld_slippery(SIZE_MAX / 2, 3, NULL, &m, NULL), STARC_EDIM);
    assert_null(m);
}

static starc_mdp *successors(uint64_t seed, size_t S, size_t A, size_t K)
{
    starc_generate_rng *g = testutil_generate_rng(seed);
    starc_mdp *m = NULL;
    assert_ok(starc_generate_mdp_successors(g, S, A, K, 0.9, 1.0, &m, NULL));
    starc_generate_rng_free(g);
    return m;
}

static void test_successors(void **state)
{
    (void)state;
    static const size_t cases[][3] = {{1, 1, 1}, {5, 2, 5}, {50, 3, 4}, {1000, 8, 10}};
    for (size_t c = 0; c < 4; c++) {
        const size_t S = cases[c][0], A = cases[c][1], K = cases[c][2];
        starc_mdp *m = successors(7, S, A, K), *m2 = successors(7, S, A, K), *m3 = successors(8, S, A, K);
        assert_int_equal(starc_mdp_nnz(m), S * A * K);
        const size_t *ip, *ix, *ip2, *ix2, *ip3, *ix3;
        const double *dt, *dt2, *dt3;
        starc_mdp_csr(m, &ip, &ix, &dt);
        starc_mdp_csr(m2, &ip2, &ix2, &dt2);
        starc_mdp_csr(m3, &ip3, &ix3, &dt3);
        size_t hits = 0; /* how often state 0 is a successor */
        for (size_t r = 0; r < S * A; r++) {
            assert_int_equal(ip[r + 1] - ip[r], K);
            double sum = 0.0;
            for (size_t k = ip[r]; k < ip[r + 1]; k++) {
                assert_true(ix[k] < S && (k == ip[r] || ix[k] > ix[k - 1]));
                sum += dt[k];
                hits += ix[k] == 0;
            }
            assert_close(sum, 1.0, 0.0, 1e-12);
        }
        assert_memory_equal(ix, ix2, S * A * K * sizeof(size_t));
        assert_memory_equal(dt, dt2, S * A * K * sizeof(double));
        if (K < S)
            assert_true(memcmp(ix, ix3, S * A * K * sizeof(size_t)) != 0);
        if (S == 1000) /* S*A rows, each holding state 0 with probability K/S: 80 expected, sd 8.9 */
            assert_true(hits >= 40 && hits <= 120);
        starc_mdp_free(m), starc_mdp_free(m2), starc_mdp_free(m3);
    }
    starc_mdp *m = NULL;
    starc_generate_rng *g = testutil_generate_rng(1);
    assert_int_equal(starc_generate_mdp_successors(g, 5, 2, 6, 0.9, 1.0, &m, NULL), STARC_EDIM);
    assert_int_equal(starc_generate_mdp_successors(g, 5, 2, 0, 0.9, 1.0, &m, NULL), STARC_EDIM);
    assert_int_equal(starc_generate_mdp_successors(g, 5, 2, 2, 1.0, 1.0, &m, NULL), STARC_EINVAL);
    assert_int_equal(starc_generate_mdp_successors(g, 5, 2, 2, 0.9, 0.0, &m, NULL), STARC_EINVAL);
    assert_null(m);
    starc_generate_rng_free(g);
}

/* A reward drawn on a sparse MDP: nnz values; with shaping forced on and
 * off from the same seed the draws before shaping agree, so the two rewards
 * differ by gamma Phi(s') - Phi(s) on the support and have the same optimal
 * policy (and the difference is such a term: it vanishes around a cycle). */
static void test_rewards(void **state)
{
    (void)state;
    starc_mdp *m = successors(3, 300, 3, 5);
    const size_t n = starc_mdp_reward_size(m), S = 300, A = 3;
    assert_int_equal(n, 300 * 3 * 5);
    double *R0 = malloc(n * sizeof(double)), *R1 = malloc(n * sizeof(double));
    starc_generate_reward_options o;
    starc_generate_reward_options_default(&o);
    starc_generate_reward_info info;
    o.p_shape = 0.0;
    starc_generate_rng *g = testutil_generate_rng(5);
    assert_ok(starc_generate_reward(g, m, &o, R0, &info, NULL));
    assert_false(info.shaped);
    starc_generate_rng_free(g);
    o.p_shape = 1.0;
    g = testutil_generate_rng(5);
    assert_ok(starc_generate_reward(g, m, &o, R1, &info, NULL));
    assert_true(info.shaped);
    starc_generate_rng_free(g);
    size_t a0[300], a1[300];
    starc_policy_options po;
    starc_policy_options_default(&po);
    po.engine = STARC_POLICY_ENGINE_SPARSE;
    assert_ok(starc_policy_optimal(m, R0, &po, a0, NULL, NULL, NULL, NULL));
    assert_ok(starc_policy_optimal(m, R1, &po, a1, NULL, NULL, NULL, NULL));
    assert_memory_equal(a0, a1, sizeof a0);
    /* D = R1 - R0 = gamma Phi(t) - Phi(s) depends on (s, t) only: D(s,a,t) = D(s,a+1,t)
     * wherever two actions of s both reach t. */
    const size_t *ip, *ix;
    starc_mdp_csr(m, &ip, &ix, NULL);
    size_t checked = 0;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a + 1 < A; a++)
            for (size_t k = ip[s * A + a]; k < ip[s * A + a + 1]; k++)
                for (size_t q = ip[s * A + a + 1]; q < ip[s * A + a + 2]; q++)
                    if (ix[q] == ix[k]) {
                        assert_close(R1[k] - R0[k], R1[q] - R0[q], 0.0, 1e-12 * (fabs(R1[k]) + fabs(R0[k]) + 1e-300));
                        checked++;
                    }
    assert_true(checked > 0);
    free(R0), free(R1);
    starc_mdp_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gridworld),
        cmocka_unit_test(test_successors),
        cmocka_unit_test(test_rewards),
    };
    return cmocka_run_group_tests_name("sparse-gen", tests, NULL, NULL);
}
