/* MDP construction, validation messages, reward broadcasting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <config.h>
#include "testutil.h"
#include "sparse-util.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

static const double T2[8] = {.9, .1, .3, .7, .2, .8, .9, .1};
static const double MU2[2] = {.5, .5};

/* The call must fail with `status` and a message containing `needle`. */
static void expect_invalid(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                           int status, const char *needle)
{
    starc_error err;
    starc_mdp *m = (starc_mdp *)0x1;
    int st = starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, &err);
    if (st != status || !strstr(err.message, needle)) {
        print_error("status %d (want %d), message '%s' (want '%s')\n", st, status, err.message, needle);
        fail();
    }
    assert_null(m);
}

static void test_valid(void **state)
{
    (void)state;
    starc_mdp *m = NULL;
    assert_ok(starc_mdp_alloc(2, 2, T2, MU2, 0.9, NULL, &m, NULL));
    assert_int_equal(starc_mdp_states(m), 2);
    assert_int_equal(starc_mdp_actions(m), 2);
    assert_close(starc_mdp_gamma(m), 0.9, 0, 0);
    assert_memory_equal(starc_mdp_transitions(m), T2, sizeof T2);
    assert_memory_equal(starc_mdp_initial(m), MU2, sizeof MU2);
    starc_mdp_free(m);
    starc_mdp_free(NULL);
}

/* starc_mdp_alloc_adopt keeps the caller's buffers (no copy) on success and
 * takes nothing on failure: the same validation as starc_mdp_alloc. */
static void test_adopt(void **state)
{
    (void)state;
    double *T = malloc(sizeof T2), *mu = malloc(sizeof MU2);
    assert_non_null(T);
    assert_non_null(mu);
    memcpy(T, T2, sizeof T2);
    memcpy(mu, MU2, sizeof MU2);
    starc_mdp *m = NULL;
    starc_error err;
    T[0] = 1.5; /* row sums to 1.6: refused, buffers still the caller's */
    assert_int_equal(starc_mdp_alloc_adopt(2, 2, T, mu, 0.9, NULL, &m, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "sums to"));
    assert_null(m);
    T[0] = T2[0];
    assert_ok(starc_mdp_alloc_adopt(2, 2, T, mu, 0.9, NULL, &m, &err));
    assert_ptr_equal(starc_mdp_transitions(m), T);
    assert_ptr_equal(starc_mdp_initial(m), mu);
    assert_memory_equal(starc_mdp_transitions(m), T2, sizeof T2);
    starc_mdp_free(m); /* frees T and mu */
}

static void test_invalid(void **state)
{
    (void)state;
    double T[8];
    double mu[2];
    expect_invalid(0, 2, T2, MU2, 0.9, STARC_EDIM, "at least one state");
    expect_invalid(2, 0, T2, MU2, 0.9, STARC_EDIM, "at least one state");
    expect_invalid(SIZE_MAX / 4, 8, T2, MU2, 0.9, STARC_EDIM, "overflows");
    expect_invalid(2, 2, T2, MU2, 1.0, STARC_EINVAL, "gamma = 1 is outside [0, 1)");
    expect_invalid(2, 2, T2, MU2, -0.5, STARC_EINVAL, "outside [0, 1)");
    expect_invalid(2, 2, T2, MU2, NAN, STARC_EINVAL, "gamma");
    memcpy(T, T2, sizeof T);
    T[4] = 1.2;
    T[5] = -0.2; /* row (1,0) = [1.2, -.2] sums to 1 but is not a distribution */
    expect_invalid(2, 2, T, MU2, 0.9, STARC_EINVAL, "T[1,0,1] = -0.2");
    memcpy(T, T2, sizeof T);
    T[3] = 0.6;
    expect_invalid(2, 2, T, MU2, 0.9, STARC_EINVAL, "row T[0,1,:] sums to 0.8999");
    memcpy(T, T2, sizeof T);
    T[7] = INFINITY;
    expect_invalid(2, 2, T, MU2, 0.9, STARC_EINVAL, "T[1,1,1] is not finite");
    mu[0] = 0.7, mu[1] = 0.7;
    expect_invalid(2, 2, T2, mu, 0.9, STARC_EINVAL, "mu0 sums to 1.3999");
    mu[0] = 1.5, mu[1] = -0.5;
    expect_invalid(2, 2, T2, mu, 0.9, STARC_EINVAL, "mu0[1] = -0.5 is negative");
    /* within tolerance is accepted, beyond it is not */
    starc_mdp *m = NULL;
    memcpy(T, T2, sizeof T);
    T[0] += 1e-10;
    assert_ok(starc_mdp_alloc(2, 2, T, MU2, 0.9, NULL, &m, NULL));
    starc_mdp_free(m);
    starc_mdp_options tight;
    starc_mdp_options_default(&tight);
    tight.prob_tol = 1e-12;
    assert_int_equal(starc_mdp_alloc(2, 2, T, MU2, 0.9, &tight, &m, NULL), STARC_EINVAL);
}

/* The verdict on row 0 of T by the definition: entries in order (the first
 * one not finite or negative refuses the row), then the sequential sum. */
static int row_verdict(const double *row, size_t S, double tol)
{
    double sum = 0.0;
    for (size_t t = 0; t < S; t++) {
        if (!isfinite(row[t]) || row[t] < 0.0)
            return STARC_EINVAL;
        sum += row[t];
    }
    return fabs(sum - 1.0) > tol ? STARC_EINVAL : STARC_OK;
}

/* validate_dense screens rows with a fast check (AVX where the CPU has it,
 * else four scalar lanes) before the exact one: the verdict and the message
 * are the definition's whichever screen runs, for rows bad at every
 * position (before, inside and after the 8-wide blocks; a negative entry
 * also where the row still sums to 1) and sums on either side of the
 * tolerance. */
static void test_row_screen(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 64, 257};
    const double tol = STARC_MDP_PROB_TOL, bads[4] = {-1e-300, NAN, INFINITY, DBL_MAX};
    gsl_rng *r = testutil_rng(11);
    size_t checked = 0, refused = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const size_t S = sizes[k];
        double *T = malloc(S * S * sizeof *T), *mu = malloc(S * sizeof *mu);
        assert_non_null(T);
        assert_non_null(mu);
        for (size_t i = 0; i < S; i++)
            mu[i] = i == 0 ? 1.0 : 0.0;
        for (int trial = 0; trial < 5 * (int)S + 40; trial++) {
            for (size_t i = 0; i < S * S; i++) /* rows of 1/S (sum within S u of 1) */
                T[i] = 1.0 / (double)S;
            const size_t j = (size_t)gsl_rng_uniform_int(r, S);
            if (trial < 4 * (int)S) {
                T[(size_t)trial / 4 % S] = bads[trial % 4];
            } else if (trial < 5 * (int)S) { /* negative, the sum still 1: only the sign refuses it */
                const size_t p = (size_t)trial % S;
                T[p] = -1.0 / (double)S;
                T[(p + 1) % S] += 2.0 / (double)S;
            } else { /* one entry moved by tol times 1 +- 2^-20, 1 +- 2^-40 or 1, either way */
                const double f[5] = {1 - 0x1p-20, 1 - 0x1p-40, 1.0, 1 + 0x1p-40, 1 + 0x1p-20};
                const double d = tol * f[trial % 5] * (trial % 2 ? 1.0 : -1.0);
                if (T[j] + d >= 0.0)
                    T[j] += d;
            }
            starc_error e0, e1;
            int st[2];
            for (int base = 0; base < 2; base++) {
                if (base)
                    setenv("STARC_KERNELS", "baseline", 1);
                starc_error_clear(base ? &e1 : &e0);
                st[base] = starc_mdp_validate(S, 1, T, mu, 0.9, NULL, base ? &e1 : &e0);
                unsetenv("STARC_KERNELS");
            }
            assert_int_equal(st[0], row_verdict(T, S, tol));
            assert_int_equal(st[1], st[0]);
            assert_string_equal(e0.message, e1.message);
            checked++;
            refused += st[0] != STARC_OK;
        }
        free(T);
        free(mu);
    }
    /* both verdicts were reached */
    assert_true(refused > 0 && refused < checked);
    gsl_rng_free(r);
}

static void test_reward_expand(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(7);
    starc_mdp *m = testutil_random_mdp(r, 4, 3, 0.8, 0);
    double src[48], R[48];
    testutil_gaussian(r, src, 48);
    size_t sh1[1] = {4}, sh2[2] = {4, 3}, sh3[3] = {4, 3, 4}, bad[2] = {3, 4};
    assert_ok(starc_mdp_reward_expand(m, 1, sh1, src, R, NULL));
    for (size_t s = 0; s < 4; s++)
        for (size_t a = 0; a < 3; a++)
            for (size_t t = 0; t < 4; t++)
                assert_true(R[(s * 3 + a) * 4 + t] == src[s]);
    assert_ok(starc_mdp_reward_expand(m, 2, sh2, src, R, NULL));
    for (size_t s = 0; s < 4; s++)
        for (size_t a = 0; a < 3; a++)
            for (size_t t = 0; t < 4; t++)
                assert_true(R[(s * 3 + a) * 4 + t] == src[s * 3 + a]);
    assert_ok(starc_mdp_reward_expand(m, 3, sh3, src, R, NULL));
    assert_memory_equal(R, src, sizeof R);
    starc_error err;
    assert_int_equal(starc_mdp_reward_expand(m, 2, bad, src, R, &err), STARC_EDIM);
    assert_non_null(strstr(err.message, "reward has shape (3,4); the MDP needs (4,), (4,3) or (4,3,4)"));
    src[2] = NAN;
    assert_int_equal(starc_mdp_reward_expand(m, 1, sh1, src, R, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "not finite"));

    /* Rbar against the explicit sum */
    double Rbar[12];
    testutil_gaussian(r, R, 48);
    starc_mdp_reward_expected(m, R, Rbar);
    const double *T = starc_mdp_transitions(m);
    for (size_t sa = 0; sa < 12; sa++) {
        double acc = 0;
        for (size_t t = 0; t < 4; t++)
            acc += T[sa * 4 + t] * R[sa * 4 + t];
        assert_close(Rbar[sa], acc, 1e-15, 1e-15);
    }
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* A state reward's expected reward: exactly r(s), and the slow way round (expand to (S,A,S), sum
 * over T) agrees to the round-off of a row sum, relative to the reward's own scale. */
static void test_state_reward_expected(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(29);
    for (int trial = 0; trial < 6; trial++) {
        size_t S = 3 + (size_t)trial, A = 1 + (size_t)trial % 3;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, trial % 2);
        double scale = pow(10.0, 100.0 * (trial - 2)); /* 1e-200 .. 1e300: nothing is lost */
        double *rs = malloc(S * sizeof(double)), *Rbar = malloc(S * A * sizeof(double));
        double *R = malloc(S * A * S * sizeof(double)), *ref = malloc(S * A * sizeof(double));
        testutil_gaussian(r, rs, S);
        for (size_t s = 0; s < S; s++)
            rs[s] *= scale;
        size_t shape[1] = {S};
        assert_ok(starc_mdp_reward_expand(m, 1, shape, rs, R, NULL));
        starc_mdp_reward_expected(m, R, ref);
        starc_mdp_state_reward_expected(m, rs, Rbar);
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++) {
                assert_true(Rbar[s * A + a] == rs[s]);
                assert_close(Rbar[s * A + a], ref[s * A + a], 4.0 * (double)S * 2.220446049250313e-16, 0.0);
            }
        free(rs), free(Rbar), free(R), free(ref);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* starc_mdp_reward_expected_shaped() of an (S,), (S,A) or full reward: bit for bit
 * starc_mdp_reward_expected() of its expansion, on dense MDPs and their sparse twins, at scales
 * 1e-200 .. 1e300; a shape the MDP does not take is starc_mdp_reward_expand()'s error. */
static void test_reward_expected_shaped(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(53);
    for (int trial = 0; trial < 8; trial++) {
        const size_t S = 3 + (size_t)trial, A = 1 + (size_t)trial % 3;
        starc_mdp *d = testutil_random_mdp(r, S, A, 0.9, trial % 2), *sp = sparse_twin(d, trial % 4 < 2);
        double *src = malloc(S * A * S * sizeof(double)), *R = malloc(S * A * S * sizeof(double));
        double *ref = malloc(S * A * sizeof(double)), *got = malloc(S * A * sizeof(double));
        testutil_gaussian(r, src, S * A * S);
        const double scale = pow(10.0, 500.0 * (double)(trial % 2) - 200.0); /* 1e-200 or 1e300 */
        for (size_t i = 0; i < S * A * S; i++)
            src[i] *= scale;
        const size_t nnz = starc_mdp_nnz(sp), sh[3][3] = {{S}, {S, A}, {S, A, S}}, shn[1] = {nnz};
        for (int k = 0; k < 3; k++)
            for (int sparse = 0; sparse < 2; sparse++) {
                const starc_mdp *m = sparse ? sp : d;
                const size_t nd = sparse && k == 2 ? 1 : (size_t)k + 1;
                const size_t *shape = sparse && k == 2 ? shn : sh[k];
                assert_ok(starc_mdp_reward_expand(m, nd, shape, src, R, NULL));
                starc_mdp_reward_expected(m, R, ref);
                memset(got, 0xff, S * A * sizeof(double));
                assert_ok(starc_mdp_reward_expected_shaped(m, nd, shape, k == 2 ? R : src, got, NULL));
                assert_memory_equal(got, ref, S * A * sizeof(double));
            }
        starc_error err, err2;
        const size_t bad[2] = {A + 1, S};
        for (int sparse = 0; sparse < 2; sparse++) {
            const starc_mdp *m = sparse ? sp : d;
            assert_int_equal(starc_mdp_reward_expected_shaped(m, 2, bad, src, got, &err), STARC_EDIM);
            assert_int_equal(starc_mdp_reward_expand(m, 2, bad, src, R, &err2), STARC_EDIM);
            assert_string_equal(err.message, err2.message);
        }
        assert_int_equal(starc_mdp_reward_expected_shaped(d, 1, NULL, src, got, &err), STARC_EINVAL);
        free(src), free(R), free(ref), free(got);
        starc_mdp_free(d);
        starc_mdp_free(sp);
    }
    gsl_rng_free(r);
}

static void test_error_string(void **state)
{
    (void)state;
    for (int s = 0; s <= STARC_EUNDEF; s++)
        assert_non_null(starc_error_string(s));
    assert_string_equal(starc_error_string(STARC_ENOCONV), "iteration did not converge");
    assert_string_equal(starc_error_string(12345), "unknown error");
    assert_string_equal(starc_version(), PACKAGE_VERSION);
}

/* A CSR MDP: accessors, the copy, and the reward functions against the dense
 * twin (the expected reward on the support is the dense one, since T is 0
 * off it). */
static void test_csr(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(41);
    for (int trial = 0; trial < 4; trial++) {
        const size_t S = 5 + (size_t)trial, A = 1 + (size_t)trial % 3;
        starc_mdp *d = testutil_random_mdp(r, S, A, 0.9, 1), *m = sparse_twin(d, trial % 2);
        const size_t *ip, *ix;
        const double *dt;
        starc_mdp_csr(m, &ip, &ix, &dt);
        assert_true(starc_mdp_is_sparse(m));
        assert_false(starc_mdp_is_sparse(d));
        assert_null(starc_mdp_transitions(m));
        assert_int_equal(starc_mdp_nnz(d), S * A * S);
        assert_int_equal(starc_mdp_reward_size(d), S * A * S);
        const size_t nnz = starc_mdp_nnz(m);
        assert_int_equal(starc_mdp_reward_size(m), nnz);
        assert_int_equal(ip[S * A], nnz);
        assert_true(nnz < S * A * S);
        const size_t *dip = (const size_t *)1;
        starc_mdp_csr(d, &dip, NULL, NULL);
        assert_null(dip);
        for (size_t row = 0; row < S * A; row++)
            for (size_t k = ip[row]; k < ip[row + 1]; k++)
                assert_true(dt[k] == starc_mdp_transitions(d)[row * S + ix[k]]);
        /* rewards: (S,), (S,A) broadcast on the support; (nnz,) copied; Rbar as the dense twin's */
        double *src = malloc(S * A * S * sizeof(double)), *R = malloc(S * A * S * sizeof(double));
        double *Rs = malloc(nnz * sizeof(double)), *b1 = malloc(S * A * sizeof(double)), *b2 = malloc(S * A * sizeof(double));
        testutil_gaussian(r, src, S * A * S);
        size_t sh1[1] = {S}, sh2[2] = {S, A}, shn[1] = {nnz}, sh3[3] = {S, A, S};
        for (int k = 0; k < 2; k++) {
            assert_ok(starc_mdp_reward_expand(d, k + 1, k ? sh2 : sh1, src, R, NULL));
            assert_ok(starc_mdp_reward_expand(m, k + 1, k ? sh2 : sh1, src, Rs, NULL));
            for (size_t row = 0; row < S * A; row++)
                for (size_t j = ip[row]; j < ip[row + 1]; j++)
                    assert_true(Rs[j] == (k ? src[row] : src[row / A]));
            starc_mdp_reward_expected(d, R, b1);
            starc_mdp_reward_expected(m, Rs, b2);
            assert_all_close(b1, b2, S * A, 1e-14, 0.0);
        }
        sparse_restrict(m, src, Rs);
        starc_mdp_reward_expected(d, src, b1);
        starc_mdp_reward_expected(m, Rs, b2);
        assert_all_close(b1, b2, S * A, 1e-14, 0.0);
        double *Rn = malloc(nnz * sizeof(double));
        assert_ok(starc_mdp_reward_expand(m, 1, shn, Rs, Rn, NULL));
        assert_memory_equal(Rn, Rs, nnz * sizeof(double));
        starc_error err;
        assert_int_equal(starc_mdp_reward_expand(m, 3, sh3, src, Rn, &err), STARC_EDIM);
        assert_non_null(strstr(err.message, "sparse MDP needs"));
        free(src), free(R), free(Rs), free(b1), free(b2), free(Rn);
        starc_mdp_free(d);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Every CSR check fails with its status and a message naming the entry. */
static void test_csr_invalid(void **state)
{
    (void)state;
    /* S=2, A=1: rows {0:.5, 1:.5} and {1:1} */
    size_t ip[3] = {0, 2, 3}, ix[3] = {0, 1, 1};
    double dt[3] = {.5, .5, 1.0};
    starc_mdp *m = NULL;
    starc_error err;
    assert_ok(starc_mdp_alloc_csr(2, 1, 3, ip, ix, dt, MU2, 0.5, NULL, &m, &err));
    starc_mdp_free(m);
    struct {
        size_t ip[3], ix[3];
        double dt[3], gamma;
        size_t nnz;
        int status;
        const char *needle;
    } bad[] = {
        {{1, 2, 3}, {0, 1, 1}, {.5, .5, 1}, .5, 3, STARC_EDIM, "T_indptr[0] = 1"},
        {{0, 2, 3}, {0, 1, 1}, {.5, .5, 1}, .5, 2, STARC_EDIM, "not nnz = 2"},
        {{0, 3, 2}, {0, 1, 1}, {.5, .5, 1}, .5, 2, STARC_EDIM, "T_indptr[1] = 3 is outside"},
        {{0, 2, 3}, {0, 2, 1}, {.5, .5, 1}, .5, 3, STARC_EINVAL, "T_indices[1] = 2 (row T[0,0,:]) is outside [0, 2)"},
        {{0, 2, 3}, {1, 0, 1}, {.5, .5, 1}, .5, 3, STARC_EINVAL, "T_indices[1] = 0 (row T[0,0,:]) is not above"},
        {{0, 2, 3}, {1, 1, 1}, {.5, .5, 1}, .5, 3, STARC_EINVAL, "without duplicates"},
        {{0, 2, 3}, {0, 1, 1}, {1.5, -.5, 1}, .5, 3, STARC_EINVAL, "T[0,0,1] (T_data[1]) = -0.5 is negative"},
        {{0, 2, 3}, {0, 1, 1}, {NAN, .5, 1}, .5, 3, STARC_EINVAL, "T[0,0,0] (T_data[0]) is not finite"},
        {{0, 2, 3}, {0, 1, 1}, {.5, .5, .9}, .5, 3, STARC_EINVAL, "row T[1,0,:] sums to"},
        {{0, 2, 3}, {0, 1, 1}, {.5, .5, 1}, 1.0, 3, STARC_EINVAL, "gamma = 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = (starc_mdp *)0x1;
        int st = starc_mdp_alloc_csr(2, 1, bad[i].nnz, bad[i].ip, bad[i].ix, bad[i].dt, MU2, bad[i].gamma, NULL, &m,
                                     &err);
        if (st != bad[i].status || !strstr(err.message, bad[i].needle)) {
            print_error("case %zu: status %d, message '%s' (want '%s')\n", i, st, err.message, bad[i].needle);
            fail();
        }
        assert_null(m);
    }
    assert_int_equal(starc_mdp_alloc_csr(SIZE_MAX, 2, 3, ip, ix, dt, MU2, .5, NULL, &m, &err), STARC_EDIM);
    assert_non_null(strstr(err.message, "S*A+1 overflows"));
    assert_int_equal(starc_mdp_alloc_csr(2, 1, SIZE_MAX / 4, ip, ix, dt, MU2, .5, NULL, &m, &err), STARC_EDIM);
    assert_non_null(strstr(err.message, "overflow a buffer size"));
    /* adopt: takes the buffers on success, nothing on failure */
    size_t *aip = malloc(sizeof ip), *aix = malloc(sizeof ix);
    double *adt = malloc(sizeof dt), *amu = malloc(sizeof MU2);
    memcpy(aip, ip, sizeof ip), memcpy(aix, ix, sizeof ix), memcpy(adt, dt, sizeof dt), memcpy(amu, MU2, sizeof MU2);
    adt[2] = 2.0;
    assert_int_equal(starc_mdp_alloc_csr_adopt(2, 1, 3, aip, aix, adt, amu, .5, NULL, &m, &err), STARC_EINVAL);
    adt[2] = 1.0;
    assert_ok(starc_mdp_alloc_csr_adopt(2, 1, 3, aip, aix, adt, amu, .5, NULL, &m, &err));
    const size_t *gip;
    starc_mdp_csr(m, &gip, NULL, NULL);
    assert_ptr_equal(gip, aip);
    starc_mdp_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid), cmocka_unit_test(test_invalid), cmocka_unit_test(test_row_screen),
        cmocka_unit_test(test_reward_expand), cmocka_unit_test(test_state_reward_expected),
        cmocka_unit_test(test_reward_expected_shaped),
        cmocka_unit_test(test_error_string), cmocka_unit_test(test_adopt),
        cmocka_unit_test(test_csr), cmocka_unit_test(test_csr_invalid),
    };
    return cmocka_run_group_tests_name("mdp", tests, NULL, NULL);
}
