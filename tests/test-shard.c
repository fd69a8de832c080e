/* Shards (tools/shard.c): the slices of --shard K/N tile the run for every
 * total and N, checked against the plain formula in twice the width; K/N
 * parsing; a manifest written and read back as a set; and the study's
 * from-points constructor against the run (libstarc/study.c). */
#include <config.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_tiles),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_manifest_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
