/* The dense engine's pieces the regret runs on (dense-internal.h,
 * policy-internal.h): starci_dense_q() and starci_dense_q_many() against the
 * plain one-row-at-a-time sums, bit for bit; cold policy iterations from a
 * shared start, in lockstep and one at a time (starci_policy_optimal_start)
 * against starc_policy_optimal_rbar(), on cold and full workspaces, the
 * return of a result from the factor it leaves, a warm run after it, and
 * the errors at the iteration cap.  The internals are not exported by the shared
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
        /* three vectors in one pass: each Q as alone */
        double *V3 = malloc(3 * S * sizeof(double)), *Q3 = malloc(3 * S * A * sizeof(double));
        testutil_gaussian(r, V3, 3 * S);
        const double *rb[3] = {Rbar, Qref, Rbar}, *v[3] = {V3, V3 + S, V3 + 2 * S};
        double *q[3] = {Q3, Q3 + S * A, Q3 + 2 * S * A};
        starci_dense_q_many(m, 3, rb, v, q);
        for (int k = 0; k < 3; k++) {
            q_reference(m, rb[k], v[k], Q);
            assert_memory_equal(q[k], Q, S * A * sizeof(double));
        }
        free(Rbar), free(V), free(Q), free(Qref), free(V3), free(Q3);
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

/* Four runs in lockstep from one start (the four reward families), and
 * again one at a time, on cold and on full workspaces: each run's act and
 * return have the bits of a cold starc_policy_optimal_rbar(); the return of
 * its result for another reward (starci_policy_return_act, from the factor
 * it left) those of starc_policy_return_rbar(); a warm run after it (full
 * workspace: reusing that factor) the cold result again. */
static void test_start_runs(void **state)
{
    (void)state;
    enum { N = 4 };
    gsl_rng *r = testutil_rng(53);
    size_t at_start = 0;
    for (int trial = 0; trial < 48; trial++) {
        const size_t S = 1 + gsl_rng_uniform_int(r, 30), A = 1 + gsl_rng_uniform_int(r, 4);
        const double g = trial % 3 == 0 ? 0.99 : 0.95 * gsl_rng_uniform(r);
        starc_mdp *m = testutil_random_mdp(r, S, A, g, trial % 2);
        double *Rb[N], *V0[N], J0[N], J[N];
        size_t *act0[N], *act[N], iters;
        starc_policy_workspace *ws[N];
        double *R2 = malloc(S * A * sizeof(double)), *V = malloc(S * sizeof(double));
        double *pi = malloc(S * A * sizeof(double));
        testutil_gaussian(r, R2, S * A);
        for (int k = 0; k < N; k++) {
            Rb[k] = malloc(S * A * sizeof(double)), V0[k] = malloc(S * sizeof(double));
            act0[k] = malloc(S * sizeof(size_t)), act[k] = malloc(S * sizeof(size_t));
            family_reward(r, k, S, A, Rb[k]);
            assert_ok(starc_policy_optimal_rbar(m, Rb[k], NULL, act0[k], V0[k], &iters, NULL, NULL));
            at_start += iters == 1;
            J0[k] = starc_policy_values_return(m, V0[k]);
        }
        for (int w = 0; w < 4; w++) {
            for (int k = 0; k < N; k++)
                assert_ok(w % 2 ? starc_policy_workspace_alloc(S, A, &ws[k], NULL)
                                : starci_policy_workspace_alloc_cold(m, &ws[k], NULL));
            starci_policy_start *start;
            assert_ok(starci_policy_start_alloc(m, 0, &start, NULL));
            if (w < 2)
                assert_ok(starci_policy_optimal_start(m, start, N, (const double *const *)Rb, NULL, act, J, ws, NULL));
            else
                for (int k = 0; k < N; k++)
                    assert_ok(starci_policy_optimal_start(m, start, 1, (const double *const *)&Rb[k], NULL, &act[k],
                                                          &J[k], &ws[k], NULL));
            for (int k = 0; k < N; k++) {
                double Jr, Jref;
                assert_memory_equal(act[k], act0[k], S * sizeof(size_t));
                assert_memory_equal(&J[k], &J0[k], sizeof(double));
                starc_policy_from_actions(m, act0[k], pi);
                assert_ok(starc_policy_return_rbar(m, pi, R2, &Jref, NULL, NULL));
                assert_ok(starci_policy_return_act(m, act[k], R2, pi, &Jr, ws[k], NULL));
                assert_memory_equal(&Jr, &Jref, sizeof(double));
                assert_ok(starci_policy_optimal_warm(m, Rb[k], NULL, act[k], V, ws[k], NULL));
                assert_memory_equal(act[k], act0[k], S * sizeof(size_t));
                assert_memory_equal(V, V0[k], S * sizeof(double));
                starc_policy_workspace_free(ws[k]);
            }
            starci_policy_start_free(start);
        }
        for (int k = 0; k < N; k++)
            free(Rb[k]), free(V0[k]), free(act0[k]), free(act[k]);
        free(R2), free(V), free(pi);
        starc_mdp_free(m);
    }
    assert_true(at_start >= 48); /* the zero reward's runs at least: stopped at the start */
    gsl_rng_free(r);
}

/* At the iteration cap, the runs in lockstep fail as the cold runs do: the
 * first failing run's status and message. */
static void test_start_cap(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(57);
    size_t failed = 0;
    for (int trial = 0; trial < 20; trial++) {
        const size_t S = 2 + gsl_rng_uniform_int(r, 20), A = 2 + gsl_rng_uniform_int(r, 3);
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double *Rb[3];
        size_t *act[3];
        starc_policy_workspace *ws[3];
        starc_policy_options o;
        starc_policy_options_default(&o);
        o.max_iter = 1 + trial % 3;
        int st0 = STARC_OK;
        starc_error e0, e;
        for (int k = 0; k < 3; k++) {
            Rb[k] = malloc(S * A * sizeof(double)), act[k] = malloc(S * sizeof(size_t));
            family_reward(r, k == 2 ? 2 : 0, S, A, Rb[k]);
            assert_ok(starci_policy_workspace_alloc_cold(m, &ws[k], NULL));
            if (!st0)
                st0 = starc_policy_optimal_rbar(m, Rb[k], &o, act[k], NULL, NULL, NULL, &e0);
        }
        starci_policy_start *start;
        assert_ok(starci_policy_start_alloc(m, 0, &start, NULL));
        double J[3];
        const int st = starci_policy_optimal_start(m, start, 3, (const double *const *)Rb, &o, act, J, ws, &e);
        assert_int_equal(st, st0);
        if (st0)
            assert_string_equal(e.message, e0.message);
        failed += st0 != STARC_OK;
        starci_policy_start_free(start);
        for (int k = 0; k < 3; k++)
            free(Rb[k]), free(act[k]), starc_policy_workspace_free(ws[k]);
        starc_mdp_free(m);
    }
    assert_true(failed > 0);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q_rows),
        cmocka_unit_test(test_start_runs),
        cmocka_unit_test(test_start_cap),
    };
    return cmocka_run_group_tests_name("dense", tests, NULL, NULL);
}
