/* The CRC-32 (libstarc/crc32.c) against zlib's crc32(), which defines it:
 * every length 0..4096 at every start offset 0..63, chained calls split at
 * random points, a 64 MiB buffer, initial values 0 and random; the
 * carry-less implementation and the fallback both, and the choice
 * STARC_KERNELS=baseline makes.  Then the CRC-32 of T in a stored .npz, read
 * chunk by chunk inside its validation (npy.c): a bit flipped at the first or
 * last byte of a chunk, of a row, of T, is refused as a CRC error, whether T
 * is read or mapped; and the reader's order of errors when the file shrinks
 * under a pending read.  Files go into ./test-crc32.tmp. */
#define _POSIX_C_SOURCE 200809L
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <starc/io.h>
#include <starc/npy.h>

#include "crc32-internal.h"
#include "npy-internal.h"

#define TMPDIR "test-crc32.tmp"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static unsigned char *random_bytes(size_t n)
{
    unsigned char *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(next() >> 56);
    return b;
}

/* zlib's own crc32(), the reference (lengths below 2^30 here). */
static uint32_t ref(uint32_t crc, const unsigned char *p, size_t n)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

/* The implementations under test: the carry-less one where the CPU has it,
 * and the fallback. */
static size_t impls(starci_crc32_fn f[2])
{
    size_t k = 0;
    if (starci_crc32_pclmul())
        f[k++] = starci_crc32_pclmul();
    f[k++] = starci_crc32_zlib;
    return k;
}

static void test_lengths_offsets(void **state)
{
    (void)state;
    starci_crc32_fn f[2];
    const size_t nf = impls(f);
    unsigned char *b = random_bytes(4096 + 64);
    for (size_t off = 0; off < 64; off++)
        for (size_t n = 0; n <= 4096; n++) {
            const uint32_t init[2] = {0, (uint32_t)next()};
            for (size_t i = 0; i < 2; i++) {
                const uint32_t want = ref(init[i], b + off, n);
                for (size_t k = 0; k < nf; k++)
                    if (f[k](init[i], b + off, n) != want)
                        fail_msg("implementation %zu: length %zu at offset %zu, initial %08x", k, n, off,
                                 (unsigned)init[i]);
            }
        }
    free(b);
}

/* A buffer cut at random points, each piece continuing the previous CRC. */
static void test_chained(void **state)
{
    (void)state;
    starci_crc32_fn f[2];
    const size_t nf = impls(f);
    const size_t n = (size_t)1 << 20;
    unsigned char *b = random_bytes(n);
    const uint32_t want = ref(0, b, n);
    for (int trial = 0; trial < 200; trial++)
        for (size_t k = 0; k < nf; k++) {
            uint32_t c = 0;
            for (size_t at = 0; at < n;) {
                /* pieces of 0 to 4 KiB, or up to 256 KiB in a third of the trials */
                size_t len = (size_t)(next() % (trial % 3 ? 4097 : 262145));
                len = len < n - at ? len : n - at;
                c = f[k](c, b + at, len);
                at += len;
            }
            assert_int_equal(c, want);
        }
    free(b);
}

static void test_big(void **state)
{
    (void)state;
    starci_crc32_fn f[2];
    const size_t nf = impls(f), n = (size_t)64 << 20;
    unsigned char *b = random_bytes(n);
    const uint32_t init[2] = {0, (uint32_t)next()};
    for (size_t i = 0; i < 2; i++) {
        const uint32_t want = ref(init[i], b, n);
        for (size_t k = 0; k < nf; k++)
            assert_int_equal(f[k](init[i], b, n), want);
        /* and through the public entry point, whichever it picks */
        assert_int_equal(starci_crc32(init[i], b, n), want);
    }
    free(b);
}

/* STARC_KERNELS=baseline forces zlib's; otherwise the carry-less one where it exists. */
static void test_pick(void **state)
{
    (void)state;
    unsigned char *b = random_bytes(1000);
    const uint32_t want = ref(7, b, 1000);
    setenv("STARC_KERNELS", "baseline", 1);
    assert_true(starci_crc32_pick() == starci_crc32_zlib);
    assert_int_equal(starci_crc32(7, b, 1000), want);
    unsetenv("STARC_KERNELS");
    assert_true(starci_crc32_pick() == (starci_crc32_pclmul() ? starci_crc32_pclmul() : starci_crc32_zlib));
    assert_int_equal(starci_crc32(7, b, 1000), want);
    free(b);
}

/* ------------------------------------------------------------ T in a stored .npz */

#define S 256
#define A 8
#define TBYTES ((size_t)S * A * S * 8)

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    unsigned char *b = malloc((size_t)len);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* An MDP archive with a member before T whose name has pad characters (so
 * that T's values start at an offset of each residue mod 8); returns the
 * offset of T's values in the file. */
static size_t write_mdp(const char *path, const double *T, size_t pad)
{
    static double mu0[S], g = 0.9, x = 0.0;
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / S;
    char name[16];
    memset(name, 'p', pad);
    name[pad] = '\0';
    const char *names[4] = {name, "T", "mu0", "gamma"};
    starc_npy_array a[4];
    for (int i = 0; i < 4; i++)
        starc_npy_array_init(&a[i]);
    a[0].ndim = 0, a[0].data = &x;
    a[1].ndim = 3, a[1].shape[0] = S, a[1].shape[1] = A, a[1].shape[2] = S, a[1].data = (double *)T;
    a[2].ndim = 1, a[2].shape[0] = S, a[2].data = mu0;
    a[3].ndim = 0, a[3].data = &g;
    starc_error err;
    assert_ok(starc_npy_npz_write(path, 4, names, a, 0, &err));
    /* T's values: after the .npy header that describes (S, A, S) */
    size_t n;
    unsigned char *b = read_file(path, &n);
    char shp[64];
    snprintf(shp, sizeof shp, "(%d, %d, %d)", S, A, S);
    size_t at = 0;
    for (size_t i = 0; !at && i + strlen(shp) < n; i++)
        if (memcmp(b + i, shp, strlen(shp)) == 0)
            at = i;
    assert_true(at > 0);
    while (memcmp(b + at, "\x93NUMPY", 6) != 0)
        at--;
    const size_t data = at + (b[at + 6] == 1 ? 10 + (size_t)(b[at + 8] | b[at + 9] << 8)
                                             : 12 + (size_t)(b[at + 8] | b[at + 9] << 8 | b[at + 10] << 16));
    assert_true(data + TBYTES <= n);
    assert_memory_equal(b + data, T, TBYTES); /* little-endian hosts (the test is skipped elsewhere) */
    free(b);
    return data;
}

static void test_npz_flips(void **state)
{
    (void)state;
    const uint16_t one = 1;
    unsigned char lo;
    memcpy(&lo, &one, 1);
    if (!lo)
        skip();
    mkdir(TMPDIR, 0777);
    double *T = malloc(TBYTES);
    assert_non_null(T);
    for (size_t r = 0; r < (size_t)S * A; r++) {
        double sum = 0.0;
        for (size_t k = 0; k < S; k++)
            sum += T[r * S + k] = (double)(next() >> 11) / 9007199254740992.0 + 0.01;
        for (size_t k = 0; k < S; k++)
            T[r * S + k] /= sum;
    }
    const size_t C = STARCI_NPY_READ_CHUNK, row = S * 8;
    /* first and last bytes of T, of each chunk, of a row; a byte inside */
    size_t pos[32], np = 0;
    pos[np++] = 0, pos[np++] = TBYTES - 1, pos[np++] = row - 1, pos[np++] = row, pos[np++] = TBYTES / 2 + 12345;
    for (size_t c = C; c < TBYTES && np + 2 <= 32; c += C)
        pos[np++] = c - 1, pos[np++] = c;
    assert_true(TBYTES > 2 * C); /* several chunks */
    char p[256], q[256];
    snprintf(p, sizeof p, TMPDIR "/m.npz");
    snprintf(q, sizeof q, TMPDIR "/bad.npz");
    int seen[2] = {0, 0};
    for (size_t pad = 1; pad <= 8; pad++) {
        const size_t data = write_mdp(p, T, pad);
        seen[data % 8 == 0] = 1; /* 8-aligned: mapped; else read */
        size_t n;
        unsigned char *orig = read_file(p, &n);
        for (int base = 0; base < 2; base++) {
            if (base)
                setenv("STARC_KERNELS", "baseline", 1);
            starc_error err;
            starc_mdp *m = NULL;
            assert_ok(starc_io_mdp_load(p, NULL, &m, &err));
            assert_memory_equal(starc_mdp_transitions(m), T, TBYTES);
            starc_mdp_free(m);
            for (size_t i = 0; i < np; i++)
                for (int bit = 0; bit < 8; bit += 7) { /* a low mantissa bit (still valid) or a high bit */
                    orig[data + pos[i]] ^= (unsigned char)(1u << bit);
                    write_file(q, orig, n);
                    orig[data + pos[i]] ^= (unsigned char)(1u << bit);
                    m = NULL;
                    int st = starc_io_mdp_load(q, NULL, &m, &err);
                    if (st != STARC_EFORMAT || !strstr(err.message, "member 'T': CRC error"))
                        fail_msg("pad %zu, byte %zu of T, bit %d: status %d, '%s'", pad, pos[i], bit, st, err.message);
                    assert_null(m);
                }
            unsetenv("STARC_KERNELS");
        }
        free(orig);
    }
    assert_true(seen[0] && seen[1]);
    free(T);
    remove(p);
    remove(q);
    rmdir(TMPDIR);
}

/* The reader's own order of errors when T is read inside the caller's pass:
 * the file shrinking under a pending read is a read error (STARC_EIO), named
 * before the CRC error a flipped bit also makes; the flipped bit alone is the
 * CRC error; neither, and the values are T's. */
static void test_read_errors(void **state)
{
    (void)state;
    const uint16_t one = 1;
    unsigned char lo;
    memcpy(&lo, &one, 1);
    if (!lo)
        skip();
    mkdir(TMPDIR, 0777);
    double *T = malloc(TBYTES);
    assert_non_null(T);
    for (size_t i = 0; i < (size_t)S * A * S; i++)
        T[i] = 1.0 / S;
    char p[256];
    snprintf(p, sizeof p, TMPDIR "/shrink.npz");
    size_t pad = 1, data = 0;
    for (; pad <= 8 && (data = write_mdp(p, T, pad)) % 8 == 0; pad++)
        ;
    assert_true(data % 8 != 0); /* read, not mapped */
    for (int c = 0; c < 4; c++) { /* bit 0: flip a bit of T; bit 1: cut the file */
        (void)write_mdp(p, T, pad);
        if (c & 1) {
            size_t n;
            unsigned char *b = read_file(p, &n);
            b[data + 100] ^= 1;
            write_file(p, b, n);
            free(b);
        }
        starc_error err;
        starc_npy_npz *z = NULL;
        starci_npy_reader *r = NULL;
        assert_ok(starc_npy_npz_open(p, &z, &err));
        assert_ok(starci_npy_reader_open_member(z, "T", &r, &err));
        const size_t n = starci_npy_reader_count(r);
        double *v = starci_npy_dalloc_mapped(n, starci_npy_reader_phase(r));
        assert_non_null(v);
        assert_ok(starci_npy_reader_read_direct(r, v, 1, 1, &err));
        /* the caller's pass takes the first chunk, then the file is cut in T's second half */
        starci_npy_reader_crc_scan(r, v, STARCI_NPY_READ_CHUNK);
        if (c & 2)
            assert_int_equal(truncate(p, (off_t)(data + TBYTES / 2 + 3)), 0);
        const int st = starci_npy_reader_crc_check(r, &err);
        if (c & 2) {
            assert_int_equal(st, STARC_EIO);
            char want[400];
            snprintf(want, sizeof want, "%s:T: read error: the file shrank while it was read", p);
            assert_string_equal(err.message, want);
        } else if (c & 1) {
            assert_int_equal(st, STARC_EFORMAT);
            assert_non_null(strstr(err.message, "member 'T': CRC error"));
        } else {
            assert_int_equal(st, STARC_OK);
            assert_memory_equal(v, T, TBYTES);
        }
        starci_npy_dfree_mapped(v, n);
        starci_npy_reader_close(r);
        starc_npy_npz_close(z);
    }
    free(T);
    remove(p);
    rmdir(TMPDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths_offsets),
        cmocka_unit_test(test_chained),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_npz_flips),
        cmocka_unit_test(test_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
