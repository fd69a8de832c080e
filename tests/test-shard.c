/* Shards (tools/shard.c): the slices of --shard K/N tile the run for every
 * total and N, checked against the plain formula in twice the width; K/N
 * parsing; a manifest written and read back as a set; and the study's
 * from-points constructor against the run (libstarc/study.c). */
#include <config.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"
#include "../tools/shard.h"

__extension__ typedef unsigned __int128 wide;

/* The obviously correct slice: floor(k total / n) in 128 bits. */
static size_t ref_bound(size_t total, size_t k, size_t n)
{
    return (size_t)((wide)k * total / n);
}

static void check_tiling(size_t total, size_t n)
{
    size_t prev_end = 0, lo = SIZE_MAX, hi = 0;
    for (size_t k = 1; k <= n; k++) {
        shard_spec s = {k, n};
        size_t b, e;
        shard_range(total, &s, &b, &e);
        if (b != ref_bound(total, k - 1, n) || e != ref_bound(total, k, n) || b != prev_end || e < b) {
            print_error("total %zu, shard %zu/%zu: [%zu, %zu), previous end %zu\n", total, k, n, b, e, prev_end);
            fail();
        }
        lo = e - b < lo ? e - b : lo;
        hi = e - b > hi ? e - b : hi;
        prev_end = e;
    }
    assert_int_equal(prev_end, total);
    assert_true(hi - lo <= 1); /* balanced */
}

static void test_range_tiles(void **state)
{
    (void)state;
    for (size_t total = 0; total <= 60; total++)
        for (size_t n = 1; n <= 70; n++)
            check_tiling(total, n);
    /* large totals, where k * total overflows 64 bits */
    const size_t big[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 3, (size_t)1 << 63, 2000, 1000003};
    const size_t ns[] = {1, 2, 3, 7, 64, 999, 1000, 65537};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
            check_tiling(big[i], ns[j]);
    check_tiling(SIZE_MAX, SHARD_MAX_N);
    size_t b, e;
    shard_range(14, NULL, &b, &e);
    assert_int_equal(b, 0);
    assert_int_equal(e, 14);
    shard_spec none = {0, 0};
    shard_range(14, &none, &b, &e);
    assert_int_equal(b, 0);
    assert_int_equal(e, 14);
}

static void test_parse(void **state)
{
    (void)state;
    const char *good[] = {"1/1", "3/7", "7/7", "1/1000000", "1000000/1000000", "01/02"};
    const size_t gk[] = {1, 3, 7, 1, 1000000, 1}, gn[] = {1, 7, 7, 1000000, 1000000, 2};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        shard_spec s = {0, 0};
        assert_int_equal(shard_parse("shard", good[i], &s), EXIT_OK);
        assert_int_equal(s.k, gk[i]);
        assert_int_equal(s.n, gn[i]);
    }
    const char *bad[] = {"", "1", "/", "1/", "/2", "0/2", "3/2", "1/0", "0/0", "-1/2", "+1/2", "1/+2", " 1/2", "1/2 ",
                         "1/2/3", "1.0/2", "a/b", "1/1000001", "1/99999999", "18446744073709551617/2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shard_spec s = {5, 5};
        if (shard_parse("shard", bad[i], &s) != EXIT_USAGE) {
            print_error("\"%s\" accepted\n", bad[i]);
            fail();
        }
        assert_int_equal(s.k, 5); /* untouched */
    }
}

/* Manifests written by shard_manifest_write() open as a set ordered by k,
 * whatever the order of the directories. */
static void test_manifest_roundtrip(void **state)
{
    (void)state;
    char root[] = "/tmp/test-shard-XXXXXX";
    assert_non_null(mkdtemp(root));
    const size_t n = 3, total = 14;
    char *dirs[3];
    json_t *settings = json_pack("{s:i, s:f, s:{s:s}}", "seed", 7, "gamma", 0.95, "nested", "a", "b");
    for (size_t k = n; k >= 1; k--) { /* directories listed in reverse order of k */
        char name[32];
        snprintf(name, sizeof name, "shard-%zu", k);
        dirs[n - k] = cli_path_join(root, name);
        assert_int_equal(cli_mkdir_p("test", dirs[n - k]), EXIT_OK);
        shard_spec s = {k, n};
        size_t b, e;
        shard_range(total, &s, &b, &e);
        assert_int_equal(shard_manifest_write(dirs[n - k], "test-kind", &s, b, e, total, settings), EXIT_OK);
    }
    shard_set set;
    assert_int_equal(shard_set_open((int)n, dirs, &set), EXIT_OK);
    assert_int_equal(set.n, n);
    assert_int_equal(set.total, total);
    assert_string_equal(set.kind, "test-kind");
    assert_string_equal(set.version, PACKAGE_VERSION);
    assert_true(json_equal(set.settings, settings));
    for (size_t k = 1; k <= n; k++) {
        assert_string_equal(set.dirs[k - 1], dirs[n - k]);
        shard_spec s = {k, n};
        size_t b, e;
        shard_range(total, &s, &b, &e);
        assert_int_equal(set.begin[k - 1], b);
        assert_int_equal(set.end[k - 1], e);
    }
    shard_set_free(&set);
    /* a missing shard and a duplicated one are refused, and leave the set empty */
    assert_int_equal(shard_set_open(2, dirs, &set), EXIT_USAGE);
    assert_null(set.dirs);
    char *dup[3] = {dirs[0], dirs[1], dirs[1]};
    assert_int_equal(shard_set_open(3, dup, &set), EXIT_USAGE);
    /* an unfinished shard: no manifest */
    assert_int_equal(shard_manifest_remove(dirs[1]), EXIT_OK);
    assert_int_equal(shard_set_open(3, dirs, &set), EXIT_USAGE);
    for (size_t i = 0; i < n; i++) {
        char *p = cli_path_join(dirs[i], STARC_RESULTS_SHARD_MANIFEST);
        unlink(p);
        rmdir(dirs[i]);
        free(p);
        free(dirs[i]);
    }
    rmdir(root);
    json_decref(settings);
}

/* ------------------------------------------------ the study's slices */

static starc_study *run_study(const starc_study_options *o)
{
    starc_study *s = NULL;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_study_run(o, NULL, &s, &err);
    if (st)
        print_error("study: %s\n", err.message);
    assert_int_equal(st, STARC_OK);
    return s;
}

static void assert_same_bits(const double *a, const double *b, size_t n)
{
    assert_memory_equal(a, b, n * sizeof(double));
}

/* The correlations of s and t, bit for bit. */
static void assert_same_correlations(const starc_study *s, const starc_study *t)
{
    for (size_t v = 0; v < starc_study_nvariants(); v++) {
        double a[2] = {starc_study_pearson(s, v), starc_study_spearman(s, v)};
        double b[2] = {starc_study_pearson(t, v), starc_study_spearman(t, v)};
        assert_same_bits(a, b, 2);
        assert_int_equal(starc_study_nfinite(s, v), starc_study_nfinite(t, v));
    }
}

/* Slices run apart are the whole run's points; the study rebuilt from the
 * concatenated points has the whole run's correlations, bit for bit, whatever
 * the slicing and the thread counts. */
static void test_study_slices(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 7, o.pairs = 2, o.steps = 3, o.states = 6, o.actions = 3, o.seed = 99, o.nthreads = 2;
    starc_study *whole = run_study(&o);
    const size_t N = starc_study_npoints(whole), NV = starc_study_nvariants(), per = o.pairs * o.steps;
    assert_int_equal(N, o.mdps * per);
    double *reg = malloc(N * sizeof(double)), *val = malloc(N * NV * sizeof(double));
    const size_t nshards[] = {1, 2, 3, 7};
    for (size_t q = 0; q < sizeof nshards / sizeof nshards[0]; q++) {
        const size_t n = nshards[q];
        memset(reg, 0, N * sizeof(double));
        for (size_t k = 1; k <= n; k++) {
            shard_spec sp = {k, n};
            size_t b, e;
            shard_range(o.mdps, &sp, &b, &e);
            starc_study_options so = o;
            so.mdp_begin = b, so.mdp_end = e, so.nthreads = (int)(k % 3) + 1;
            starc_study *part = run_study(&so);
            const size_t np = (e - b) * per;
            assert_int_equal(starc_study_npoints(part), np);
            memcpy(reg + b * per, starc_study_regrets(part), np * sizeof(double));
            for (size_t v = 0; v < NV; v++)
                memcpy(val + v * N + b * per, starc_study_values(part, v), np * sizeof(double));
            starc_study_free(part);
        }
        assert_same_bits(reg, starc_study_regrets(whole), N);
        for (size_t v = 0; v < NV; v++)
            assert_same_bits(val + v * N, starc_study_values(whole, v), N);
        starc_study *merged = NULL;
        assert_ok(starc_study_from_points(N, reg, val, (int)n, &merged, NULL));
        assert_int_equal(starc_study_npoints(merged), N);
        assert_same_bits(starc_study_regrets(merged), reg, N);
        assert_same_correlations(whole, merged);
        starc_study_free(merged);
    }
    /* the correlations do not change when the regrets are scaled by a power of two
     * (exact in floating point, so exactly the same numbers) */
    for (size_t i = 0; i < N; i++)
        reg[i] = ldexp(starc_study_regrets(whole)[i], 5);
    starc_study *scaled = NULL;
    assert_ok(starc_study_from_points(N, reg, val, 0, &scaled, NULL));
    assert_same_correlations(whole, scaled);
    starc_study_free(scaled);
    /* bad slices and bad points */
    starc_study *bad = NULL;
    starc_study_options so = o;
    so.mdp_begin = 3, so.mdp_end = 3;
    assert_int_equal(starc_study_run(&so, NULL, &bad, NULL), STARC_EINVAL);
    so.mdp_begin = 0, so.mdp_end = o.mdps + 1;
    assert_int_equal(starc_study_run(&so, NULL, &bad, NULL), STARC_EINVAL);
    so.mdp_begin = o.mdps, so.mdp_end = 0;
    assert_int_equal(starc_study_run(&so, NULL, &bad, NULL), STARC_EINVAL);
    assert_null(bad);
    assert_int_equal(starc_study_from_points(0, reg, val, 1, &bad, NULL), STARC_EINVAL);
    assert_int_equal(starc_study_from_points(N, NULL, val, 1, &bad, NULL), STARC_EINVAL);
    assert_int_equal(starc_study_from_points(N, reg, val, 1, NULL, NULL), STARC_EINVAL);
    reg[3] = NAN;
    assert_int_equal(starc_study_from_points(N, reg, val, 1, &bad, NULL), STARC_EINVAL);
    assert_null(bad);
    free(reg);
    free(val);
    starc_study_free(whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_tiles),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_manifest_roundtrip),
        cmocka_unit_test(test_study_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
