/* The dense engine's pieces the regret runs on (dense-internal.h,
 * policy-internal.h): starci_dense_q() against the plain one-row-at-a-time
 * sums, bit for bit; cold policy iteration from a shared start
 * (starci_policy_optimal_start) against starc_policy_optimal_rbar(), on cold
 * and full workspaces, the return of its result from the factor it leaves,
 * and a warm run after it.  The internals are not exported by the shared
 * library, so this program links the static one (mk/core.am). */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "dense-internal.h"
#include "policy-internal.h"

/* Q = Rbar + gamma T V as one row at a time sums it: the reference. */
static void q_reference(const starc_mdp *m, const double *Rbar, const double *V, double *Q)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double g = starc_mdp_gamma(m), *T = starc_mdp_transitions(m);
    for (size_t sa = 0; sa < S * A; sa++) {
        double acc = 0.0;
        for (size_t u = 0; u < S; u++)
            acc += T[sa * S + u] * V[u];
        Q[sa] = Rbar[sa] + g * acc;
    }
}

/* S*A from 1 to 200, every remainder modulo the rows summed together. */
static void test_q_rows(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(51);
    for (int trial = 0; trial < 40; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, 40), A = 1 + gsl_rng_uniform_int(r, 5);
        starc_mdp *m = testutil_random_mdp(r, S, A, gsl_rng_uniform(r), trial % 2);
        double *Rbar = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double));
        double *Q = malloc(S * A * sizeof(double)), *Qref = malloc(S * A * sizeof(double));
        testutil_gaussian(r, Rbar, S * A);
        testutil_gaussian(r, V, S);
        for (size_t s = 0; s < S; s++) /* values of many magnitudes: the order of the sums shows */
            V[s] *= ldexp(1.0, (int)gsl_rng_uniform_int(r, 60) - 30);
        starci_dense_q(m, Rbar, V, Q);
        q_reference(m, Rbar, V, Qref);
        assert_memory_equal(Q, Qref, S * A * sizeof(double));
        free(Rbar), free(V), free(Q), free(Qref);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* A reward of family f: Gaussian; small integers (exact and near ties);
 * action 0 best by far (policy iteration stops at its start); zero. */
static void family_reward(gsl_rng *r, int f, size_t S, size_t A, double *Rbar)
{
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            double *x = &Rbar[s * A + a];
            switch (f) {
            case 0: *x = gsl_ran_gaussian(r, 1.0); break;
            case 1: *x = (double)gsl_rng_uniform_int(r, 3) - 1.0; break;
            case 2: *x = a == 0 ? 10.0 : gsl_ran_gaussian(r, 1.0); break;
            default: *x = 0.0; break;
            }
        }
}

/* One start shared by several runs, in turn, on a cold and on a full
 * workspace: each run's act and return have the bits of a cold
 * starc_policy_optimal_rbar(); the return of its result for another reward
 * (starci_policy_return_act, from the factor it left) those of
 * starc_policy_return_rbar(); a warm run after it (full workspace: reusing
 * that factor) the cold result again. */
static void test_start_runs(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(53);
    size_t at_start = 0;
    for (int trial = 0; trial < 48; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, 30), A = 1 + gsl_rng_uniform_int(r, 4);
        const double g = trial % 3 == 0 ? 0.99 : 0.95 * gsl_rng_uniform(r);
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *Rbar = malloc(S * A * sizeof(double)), *R2 = malloc(S * A * sizeof(double));
        double *V0 = malloc(S * sizeof(double)), *V = malloc(S * sizeof(double)), *pi = malloc(S * A * sizeof(double));
        size_t *act0 = malloc(S * sizeof(size_t)), *act = malloc(S * sizeof(size_t)), iters;
        testutil_gaussian(r, R2, S * A);
        starc_policy_workspace *ws[2];
        assert_ok(starci_policy_workspace_alloc_cold(m, &ws[0], NULL));
        assert_ok(starc_policy_workspace_alloc(S, A, &ws[1], NULL));
        for (int w = 0; w < 2; w++) {
            starci_policy_start *start;
            assert_ok(starci_policy_start_alloc(m, 0, &start, NULL));
            for (int f = 0; f < 4; f++) {
                family_reward(r, f, S, A, Rbar);
                assert_ok(starc_policy_optimal_rbar(m, Rbar, NULL, act0, V0, &iters, NULL, NULL));
                at_start += iters == 1;
                const double J0 = starc_policy_values_return(m, V0);
                double J, Jr, Jref;
                assert_ok(starci_policy_optimal_start(m, start, Rbar, NULL, act, &J, ws[w], NULL));
                assert_memory_equal(act, act0, S * sizeof(size_t));
                assert_memory_equal(&J, &J0, sizeof J);
                starc_policy_from_actions(m, act0, pi);
                assert_ok(starc_policy_return_rbar(m, pi, R2, &Jref, NULL, NULL));
                assert_ok(starci_policy_return_act(m, act, R2, pi, &Jr, ws[w], NULL));
                assert_memory_equal(&Jr, &Jref, sizeof J);
                assert_ok(starci_policy_optimal_warm(m, Rbar, NULL, act, V, ws[w], NULL));
                assert_memory_equal(act, act0, S * sizeof(size_t));
                assert_memory_equal(V, V0, S * sizeof(double));
            }
            starci_policy_start_free(start);
        }
        starc_policy_workspace_free(ws[0]);
        starc_policy_workspace_free(ws[1]);
        free(Rbar), free(R2), free(V0), free(V), free(pi), free(act0), free(act);
        starc_mdp_free(m);
    }
    assert_true(at_start >= 48); /* the zero reward's runs at least: stopped at the start */
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q_rows),
        cmocka_unit_test(test_start_runs),
    };
    return cmocka_run_group_tests_name("dense", tests, NULL, NULL);
}
