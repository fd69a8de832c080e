/* Warm-started policy iteration (policy-internal.h: starci_policy_optimal_warm,
 * starci_policy_return_act): the same actions and the same bits of the values
 * as a cold starc_policy_optimal_rbar() from every start, near-ties included,
 * and the same bits of a return as starc_policy_return_rbar().  The internals
 * are not exported by the shared library, so this program links the static
 * one (mk/core.am). */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "policy-internal.h"

/* Cold run and warm runs from `starts` random starts, the cold result and
 * each tied action as starts too; all must give act and V bit for bit. */
static void check_warm(gsl_rng *r, const starc_mdp *m, const double *Rbar, size_t starts)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act0 = malloc(S * sizeof(size_t)), *act = malloc(S * sizeof(size_t));
    double *V0 = malloc(S * sizeof(double)), *V = malloc(S * sizeof(double)), *pi = malloc(S * A * sizeof(double));
    starc_policy_workspace *ws;
    assert_ok(starc_policy_workspace_alloc(S, A, &ws, NULL));
    assert_ok(starc_policy_optimal_rbar(m, Rbar, NULL, act0, V0, NULL, NULL, NULL));
    for (size_t k = 0; k < starts + 1 + A; k++) {
        for (size_t s = 0; s < S; s++)
            act[s] = k < starts ? gsl_rng_uniform_int(r, A) : k == starts ? act0[s] : (k - starts - 1 + s) % A;
        assert_ok(starci_policy_optimal_warm(m, Rbar, NULL, act, V, ws, NULL));
        assert_memory_equal(act, act0, S * sizeof(size_t));
        assert_memory_equal(V, V0, S * sizeof(double));
        /* the return of the result, from the factor left in ws and afresh */
        double J, Jref;
        starc_policy_from_actions(m, act0, pi);
        assert_ok(starc_policy_return_rbar(m, pi, Rbar, &Jref, NULL, NULL));
        assert_ok(starci_policy_return_act(m, act0, Rbar, pi, &J, ws, NULL));
        assert_memory_equal(&J, &Jref, sizeof J);
    }
    starc_policy_workspace_free(ws);
    free(act0), free(act), free(V0), free(V), free(pi);
}

/* Seeded random MDPs (dense and sparse T) and rewards. */
static void test_warm_random(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(41);
    for (int trial = 0; trial < 60; trial++) {
        size_t S = 1 + gsl_rng_uniform_int(r, 12), A = 1 + gsl_rng_uniform_int(r, 4);
        double g = trial % 3 == 0 ? 0.99 : gsl_rng_uniform(r) * 0.95;
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *Rbar = malloc(S * A * sizeof(double));
        testutil_gaussian(r, Rbar, S * A);
        check_warm(r, m, Rbar, 6);
        /* the same reward scaled: the same policies, the rule is relative */
        for (size_t i = 0; i < S * A; i++)
            Rbar[i] *= 1e-200;
        check_warm(r, m, Rbar, 3);
        free(Rbar);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Near-ties: actions whose Q differ by less than the tie tolerance but not
 * exactly.  A warm run stopping at the higher-index tied action evaluates a
 * different policy than the cold one (other bits of V); the result must
 * still be the cold run's.  Exact ties (duplicate actions, constant
 * rewards) too. */
static void test_warm_ties(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(43);
    for (int trial = 0; trial < 40; trial++) {
        size_t S = 2 + gsl_rng_uniform_int(r, 6), A = 2 + gsl_rng_uniform_int(r, 3);
        starc_mdp *m0 = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        /* action A-1 duplicates action 0's transitions in every state */
        const double *T0 = starc_mdp_transitions(m0);
        double *T = malloc(S * A * S * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
        memcpy(T, T0, S * A * S * sizeof(double));
        for (size_t s = 0; s < S; s++)
            memcpy(T + (s * A + A - 1) * S, T + s * A * S, S * sizeof(double));
        starc_mdp *m;
        assert_ok(starc_mdp_alloc(S, A, T, starc_mdp_initial(m0), 0.9, NULL, &m, NULL));
        testutil_gaussian(r, Rbar, S * A);
        for (size_t s = 0; s < S; s++) {
            double d = 0.0; /* exact, or within the tie tolerance 1e-10 (relative) above or below */
            if (trial % 3 == 1)
                d = 1e-13 * fabs(Rbar[s * A]);
            else if (trial % 3 == 2)
                d = -1e-13 * fabs(Rbar[s * A]);
            Rbar[s * A + A - 1] = Rbar[s * A] + d;
        }
        check_warm(r, m, Rbar, 6);
        for (size_t i = 0; i < S * A; i++)
            Rbar[i] = 2.5; /* every policy optimal */
        check_warm(r, m, Rbar, 3);
        free(T), free(Rbar);
        starc_mdp_free(m);
        starc_mdp_free(m0);
    }
    gsl_rng_free(r);
}

/* starci_policy_return_act without a matching factor: through
 * starc_policy_return_rbar(), the same bits. */
static void test_return_act_fresh(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(47);
    const size_t S = 7, A = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 1);
    double Rbar[21], pi[21], J, Jref;
    size_t act[7];
    starc_policy_workspace *ws;
    assert_ok(starc_policy_workspace_alloc(S, A, &ws, NULL));
    testutil_gaussian(r, Rbar, S * A);
    for (int k = 0; k < 20; k++) {
        for (size_t s = 0; s < S; s++)
            act[s] = gsl_rng_uniform_int(r, A);
        starc_policy_from_actions(m, act, pi);
        assert_ok(starc_policy_return_rbar(m, pi, Rbar, &Jref, NULL, NULL));
        assert_ok(starci_policy_return_act(m, act, Rbar, pi, &J, ws, NULL));
        assert_memory_equal(&J, &Jref, sizeof J);
    }
    starc_policy_workspace_free(ws);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* The factor a workspace keeps (policy.c reuses it when a warm run starts
 * from the policy it was made for): along a chain of rewards on one MDP, as
 * the study runs it (each start the previous result, one workspace), and
 * then on another MDP with the same S and A from that same start, whose
 * matrix differs (other transitions, or only another gamma).  Every result
 * must be the cold run's, bit for bit; reusing a factor on the policy's
 * actions alone fails the second part. */
static void test_warm_factor_reuse(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(53);
    for (int trial = 0; trial < 40; trial++) {
        size_t S = 2 + gsl_rng_uniform_int(r, 11), A = 1 + gsl_rng_uniform_int(r, 4);
        starc_mdp *m1 = testutil_random_mdp(r, S, A, 0.9, trial % 2), *m2;
        if (trial % 2)
            m2 = testutil_random_mdp(r, S, A, 0.9, 0);
        else
            assert_ok(starc_mdp_alloc(S, A, starc_mdp_transitions(m1), starc_mdp_initial(m1), 0.8, NULL, &m2, NULL));
        double *Ra = malloc(S * A * sizeof(double)), *Rb = malloc(S * A * sizeof(double));
        double *R = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double)), *V0 = malloc(S * sizeof(double));
        size_t *act = calloc(S, sizeof(size_t)), *act0 = malloc(S * sizeof(size_t));
        starc_policy_workspace *ws;
        assert_ok(starc_policy_workspace_alloc(S, A, &ws, NULL));
        testutil_gaussian(r, Ra, S * A);
        testutil_gaussian(r, Rb, S * A);
        for (int step = 0; step <= 9; step++) {
            const starc_mdp *m = step < 9 ? m1 : m2;
            const double t = step < 9 ? step / 8.0 : 0.5;
            for (size_t i = 0; i < S * A; i++)
                R[i] = (1.0 - t) * Ra[i] + t * Rb[i];
            assert_ok(starc_policy_optimal_rbar(m, R, NULL, act0, V0, NULL, NULL, NULL));
            assert_ok(starci_policy_optimal_warm(m, R, NULL, act, V, ws, NULL));
            assert_memory_equal(act, act0, S * sizeof(size_t));
            assert_memory_equal(V, V0, S * sizeof(double));
        }
        starc_policy_workspace_free(ws);
        free(Ra), free(Rb), free(R), free(V), free(V0), free(act), free(act0);
        starc_mdp_free(m1);
        starc_mdp_free(m2);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warm_random),
        cmocka_unit_test(test_warm_ties),
        cmocka_unit_test(test_return_act_fresh),
        cmocka_unit_test(test_warm_factor_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
