/* .npy/.npz reading and writing and the MDP/reward/policy loaders.  Byte
 * images for every dtype, byte order, memory order and format version are
 * built here by hand (not by the code under test), so the reader is checked
 * against the format specification rather than against itself.  Every file
 * goes into ./test-npy.tmp (the build directory under make check). */
#define _POSIX_C_SOURCE 200809L
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>
#include <starc/npy.h>
#include <starc/io.h>

#define TMPDIR "test-npy.tmp"

/* ------------------------------------------------------------ helpers */

static void tpath(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, TMPDIR "/%s", name);
}

/* rm -rf DIR (for the scratch directory only). */
static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        remove(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            remove(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    (void)state;
    rm_tree(TMPDIR);
    return mkdir(TMPDIR, 0777);
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(TMPDIR);
    return 0;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 20;
    unsigned char *b = malloc(cap);
    assert_non_null(b);
    *n = fread(b, 1, cap, f);
    assert_true(*n < cap);
    fclose(f);
    return b;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The status must be @want and the message must contain every given phrase. */
static void expect_error(int got, int want, const starc_error *err, const char *p1, const char *p2)
{
    if (got != want || (p1 && !strstr(err->message, p1)) || (p2 && !strstr(err->message, p2))) {
        print_error("status %d (want %d), message \"%s\", wanted phrases \"%s\" and \"%s\"\n", got, want,
                    err->message, p1 ? p1 : "", p2 ? p2 : "");
        fail();
    }
}

/* A message fit for one line of a terminal: no control characters. */
static void assert_one_line(const char *msg)
{
    for (const unsigned char *q = (const unsigned char *)msg; *q; q++)
        if (*q < 0x20 || *q == 0x7f) {
            print_error("control character 0x%02x in \"%s\"\n", *q, msg);
            fail();
        }
}

/* A .npy image: magic, version, little-endian header length (2 bytes for 1.0,
 * 4 otherwise), the header, then the data.  With pad != 0 the header is
 * padded with spaces and a final '\n' to a multiple of 64 bytes in total, as
 * numpy does; with pad == 0 it is used verbatim. */
static unsigned char *npy_image(unsigned major, unsigned minor, const char *dict, int pad, const void *data,
                                size_t dlen, size_t *len)
{
    size_t lf = major == 1 ? 2 : 4, pre = 8 + lf, dl = strlen(dict), hl = dl;
    if (pad)
        hl = dl + 1 + (64 - (pre + dl + 1) % 64) % 64;
    unsigned char *b = malloc(pre + hl + dlen + 1);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = (unsigned char)minor;
    for (size_t i = 0; i < lf; i++)
        b[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(b + pre, dict, dl);
    if (pad) {
        memset(b + pre + dl, ' ', hl - dl - 1);
        b[pre + hl - 1] = '\n';
    }
    if (dlen)
        memcpy(b + pre + hl, data, dlen);
    *len = pre + hl + dlen;
    return b;
}

static int host_big(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 0;
}

static void put_uint(unsigned char *p, uint64_t u, size_t size, int big)
{
    for (size_t i = 0; i < size; i++)
        p[big ? size - 1 - i : i] = (unsigned char)(u >> (8 * i));
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Bit-exact comparison (distinguishes -0.0, keeps NaN equal to itself). */
static void assert_same_doubles(const double *x, const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (dbits(x[i]) != dbits(y[i])) {
            print_error("element %zu: %.17g != %.17g\n", i, x[i], y[i]);
            fail();
        }
}

/* ------------------------------------------------------------ round trips */

static void roundtrip(const char *name, size_t ndim, const size_t *shape, const double *data, size_t n)
{
    char p[256];
    tpath(p, sizeof p, name);
    starc_error err;
    starc_error_clear(&err);
    assert_ok(starc_npy_write(p, ndim, shape, data, &err));
    starc_npy_array a;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_read(p, &a, &err));
    assert_int_equal(a.ndim, ndim);
    for (size_t i = 0; i < ndim; i++)
        assert_int_equal(a.shape[i], shape[i]);
    assert_int_equal(starc_npy_array_size(&a), n);
    assert_string_equal(a.dtype, "<f8");
    assert_int_equal(a.fortran_order, 0);
    assert_same_doubles(a.data, data, n);
    starc_npy_array_clear(&a);
    assert_null(a.data);
    starc_npy_array_clear(&a); /* twice is fine */

    /* numpy's layout: version 1.0, header ends in '\n', data 64-byte aligned. */
    size_t len;
    unsigned char *b = read_bytes(p, &len);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    size_t hl = (size_t)b[8] | (size_t)b[9] << 8;
    assert_int_equal((10 + hl) % 64, 0);
    assert_int_equal(b[10 + hl - 1], '\n');
    assert_int_equal(len, 10 + hl + 8 * n);
    assert_memory_equal(b + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (", 51);
    free(b);
}

static void test_roundtrip(void **state)
{
    (void)state;
    double x0 = -0.0;
    roundtrip("scalar.npy", 0, NULL, &x0, 1);
    double x1[5] = {1.5, -2.25, NAN, INFINITY, 5e-324};
    size_t s1[1] = {5};
    roundtrip("vec.npy", 1, s1, x1, 5);
    double x3[24];
    for (size_t i = 0; i < 24; i++)
        x3[i] = (double)i * 0.1 - 1.0;
    size_t s3[3] = {2, 3, 4};
    roundtrip("cube.npy", 3, s3, x3, 24);
    size_t s0[2] = {0, 3};
    roundtrip("empty.npy", 2, s0, NULL, 0);

    /* The exact header np.save writes for shape (2, 3, 4) (numpy >= 1.23). */
    char p[256];
    tpath(p, sizeof p, "cube.npy");
    size_t len;
    unsigned char *b = read_bytes(p, &len);
    const char *want = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }";
    assert_int_equal(len, 128 + 24 * 8);
    assert_memory_equal(b + 10, want, strlen(want));
    for (size_t i = 10 + strlen(want); i < 127; i++)
        assert_int_equal(b[i], ' ');
    free(b);

    /* numpy leaves room for the first axis to grow to 21 digits: a 15-d
     * header needs 192 bytes with that room, 128 without (np.save: 192). */
    size_t s15[15];
    double one = 0.5;
    for (size_t i = 0; i < 15; i++)
        s15[i] = 1;
    roundtrip("deep.npy", 15, s15, &one, 1);
    tpath(p, sizeof p, "deep.npy");
    b = read_bytes(p, &len);
    assert_int_equal(len, 192 + 8);
    free(b);

    /* Overwriting an existing file replaces it. */
    double y[2] = {7, 8};
    size_t sy[1] = {2};
    roundtrip("vec.npy", 1, sy, y, 2);
}

/* ------------------------------------------------------------ dtypes */

#define NV 6
typedef struct dcase {
    const char *code;   /* kind + size, e.g. "i2" */
    size_t size;
    uint64_t raw[NV];   /* element bit patterns (low `size` bytes) */
    double want[NV];    /* what they mean */
} dcase;

static void fill_cases(dcase *c, size_t *nc)
{
    size_t k = 0;
    const double f8[NV] = {1.5, -2.25, 1e300, -0.0, 5e-324, INFINITY};
    c[k] = (dcase){"f8", 8, {0}, {0}};
    for (int i = 0; i < NV; i++) {
        c[k].raw[i] = dbits(f8[i]);
        c[k].want[i] = f8[i];
    }
    k++;
    const float f4[NV] = {1.5f, -2.25f, 3.4028234663852886e38f, 1.401298464324817e-45f, -0.0f, 0.1f};
    c[k] = (dcase){"f4", 4, {0}, {0}};
    for (int i = 0; i < NV; i++) {
        c[k].raw[i] = fbits(f4[i]);
        c[k].want[i] = (double)f4[i];
    }
    k++;
    c[k++] = (dcase){"f2", 2, {0x3800, 0xC000, 0x7BFF, 0x0400, 0x0001, 0xFC00},
                     {0.5, -2.0, 65504.0, 6.103515625e-05, 5.9604644775390625e-08, -INFINITY}};
    c[k++] = (dcase){"i1", 1, {0x80, 0x7F, 0, 0xFF, 5, 0xFB}, {-128, 127, 0, -1, 5, -5}};
    c[k++] = (dcase){"i2", 2, {0x8000, 0x7FFF, 0, 0xFFFF, 300, 0xFED4}, {-32768, 32767, 0, -1, 300, -300}};
    c[k++] = (dcase){"i4", 4, {0x80000000u, 0x7FFFFFFFu, 0, 0xFFFFFFFFu, 70000, 0xFFFEEE90u},
                     {-2147483648.0, 2147483647.0, 0, -1, 70000, -70000}};
    c[k++] = (dcase){"i8", 8, {UINT64_C(0x8000000000000000), UINT64_C(0x7FFFFFFFFFFFFFFF), 0,
                               UINT64_C(0xFFFFFFFFFFFFFFFF), UINT64_C(1) << 53, (uint64_t)-(INT64_C(1) << 53)},
                     {-9223372036854775808.0, 9223372036854775807.0, 0, -1, 9007199254740992.0,
                      -9007199254740992.0}};
    c[k++] = (dcase){"u1", 1, {0, 255, 1, 128, 7, 200}, {0, 255, 1, 128, 7, 200}};
    c[k++] = (dcase){"u2", 2, {0, 65535, 1, 32768, 7, 40000}, {0, 65535, 1, 32768, 7, 40000}};
    c[k++] = (dcase){"u4", 4, {0, 0xFFFFFFFFu, 1, 0x80000000u, 7, 3000000000u},
                     {0, 4294967295.0, 1, 2147483648.0, 7, 3000000000.0}};
    c[k++] = (dcase){"u8", 8, {0, UINT64_MAX, 1, UINT64_C(1) << 63, 7, UINT64_C(1) << 53},
                     {0, 18446744073709551615.0, 1, 9223372036854775808.0, 7, 9007199254740992.0}};
    c[k++] = (dcase){"b1", 1, {0, 1, 1, 0, 2, 255}, {0, 1, 1, 0, 1, 1}};
    *nc = k;
}

/* Every dtype x byte order x memory order x version, shape (2, 3). */
static void test_dtypes(void **state)
{
    (void)state;
    dcase cases[16];
    size_t nc;
    fill_cases(cases, &nc);
    const char orders[] = {'<', '>', '=', '|'};
    size_t checked = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const dcase *c = &cases[ci];
        for (size_t oi = 0; oi < sizeof orders; oi++) {
            char bo = orders[oi];
            if (bo == '|' && c->size != 1)
                continue;
            int big = bo == '>' || ((bo == '=' || bo == '|') && host_big());
            for (int fortran = 0; fortran <= 1; fortran++) {
                unsigned char data[NV * 8];
                for (size_t i = 0; i < 2; i++)
                    for (size_t j = 0; j < 3; j++) {
                        size_t src = i * 3 + j, dst = fortran ? j * 2 + i : src;
                        put_uint(data + dst * c->size, c->raw[src], c->size, big);
                    }
                for (unsigned major = 1; major <= 3; major++) {
                    char dict[160], name[64];
                    snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': %s, 'shape': (2, 3), }", bo,
                             c->code, fortran ? "True" : "False");
                    snprintf(name, sizeof name, "%c%s-%c-v%u", bo, c->code, fortran ? 'F' : 'C', major);
                    size_t len;
                    unsigned char *img = npy_image(major, 0, dict, 1, data, NV * c->size, &len);
                    starc_npy_array a;
                    starc_error err;
                    starc_error_clear(&err);
                    starc_npy_array_init(&a);
                    int st = starc_npy_read_buffer(img, len, name, &a, &err);
                    if (st) {
                        print_error("%s: %s\n", name, err.message);
                        fail();
                    }
                    assert_int_equal(a.ndim, 2);
                    assert_int_equal(a.shape[0], 2);
                    assert_int_equal(a.shape[1], 3);
                    assert_int_equal(a.fortran_order, fortran);
                    assert_int_equal(a.dtype[0], bo);
                    assert_string_equal(a.dtype + 1, c->code);
                    for (size_t i = 0; i < NV; i++)
                        if (dbits(a.data[i]) != dbits(c->want[i])) {
                            print_error("%s element %zu: got %.17g want %.17g\n", name, i, a.data[i], c->want[i]);
                            fail();
                        }
                    starc_npy_array_clear(&a);
                    free(img);
                    checked++;
                }
            }
        }
    }
    assert_true(checked >= 12 * 3 * 2 * 3);
}

/* Put img into a one-member archive p as "x.npy", stored or deflated. */
static void zip_one(const char *p, const unsigned char *img, size_t len, int deflate)
{
    int ze = 0;
    zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    zip_int64_t i = zip_file_add(z, "x.npy", zip_source_buffer(z, img, len, 0), 0);
    assert_true(i >= 0);
    assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)i, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0), 0);
    assert_int_equal(zip_close(z), 0);
}

/* The streaming readers (a .npy file, a stored and a deflated .npz member)
 * give bit for bit what starc_npy_read_buffer, which decodes a whole image in
 * memory and reorders Fortran data afterwards, gives: every dtype, byte order
 * and memory order, in shapes of several conversion chunks. */
static void test_stream_paths(void **state)
{
    (void)state;
    dcase cases[16];
    size_t nc;
    fill_cases(cases, &nc);
    static const size_t shapes[][3] = {{2, 3, 1}, {3, 50, 71}, {1, 1, 9000}};
    const char orders[] = {'<', '>'};
    char pn[256], pz[256];
    tpath(pn, sizeof pn, "stream.npy");
    tpath(pz, sizeof pz, "stream.npz");
    size_t checked = 0;
    for (size_t ci = 0; ci < nc; ci++)
        for (size_t oi = 0; oi < sizeof orders; oi++)
            for (int fortran = 0; fortran <= 1; fortran++)
                for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
                    const dcase *c = &cases[ci];
                    if (c->size == 1 && orders[oi] == '>')
                        continue;
                    const size_t *sh = shapes[si];
                    size_t n = sh[0] * sh[1] * sh[2];
                    if (si > 0 && ci > 1 && fortran == 0)
                        continue; /* large shapes: f8 and f4 in C order, every dtype in Fortran order */
                    unsigned char *data = malloc(n * c->size);
                    assert_non_null(data);
                    for (size_t i = 0; i < n; i++)
                        put_uint(data + i * c->size, c->raw[(i * 7 + i / 5) % NV], c->size, orders[oi] == '>');
                    char dict[160];
                    snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': %s, 'shape': (%zu, %zu, %zu), }",
                             orders[oi], c->code, fortran ? "True" : "False", sh[0], sh[1], sh[2]);
                    size_t len;
                    unsigned char *img = npy_image(1, 0, dict, 1, data, n * c->size, &len);
                    free(data);
                    starc_npy_array ref, a;
                    starc_error err;
                    starc_npy_array_init(&ref);
                    starc_npy_array_init(&a);
                    assert_ok(starc_npy_read_buffer(img, len, dict, &ref, &err));
                    write_bytes(pn, img, len);
                    assert_ok(starc_npy_read(pn, &a, &err));
                    assert_int_equal(a.ndim, 3);
                    assert_int_equal(a.fortran_order, fortran);
                    assert_string_equal(a.dtype, ref.dtype);
                    assert_same_doubles(a.data, ref.data, n);
                    for (int deflate = 0; deflate <= 1; deflate++) {
                        zip_one(pz, img, len, deflate);
                        starc_npy_npz *z = NULL;
                        assert_ok(starc_npy_npz_open(pz, &z, &err));
                        assert_ok(starc_npy_npz_read(z, "x", &a, &err));
                        assert_same_doubles(a.data, ref.data, n);
                        starc_npy_npz_close(z);
                    }
                    /* One byte short, one byte long: refused before any data are read. */
                    write_bytes(pn, img, len - 1);
                    expect_error(starc_npy_read(pn, &a, &err), STARC_EFORMAT, &err, "data truncated", "stream.npy");
                    unsigned char *longer = malloc(len + 1);
                    assert_non_null(longer);
                    memcpy(longer, img, len);
                    longer[len] = 0;
                    write_bytes(pn, longer, len + 1);
                    expect_error(starc_npy_read(pn, &a, &err), STARC_EFORMAT, &err, "1 unexpected bytes", "stream.npy");
                    free(longer);
                    starc_npy_array_clear(&a);
                    starc_npy_array_clear(&ref);
                    free(img);
                    checked++;
                }
    assert_true(checked >= 40);

    /* A pipe (no size to check against): read whole first, then decoded. */
    double v[5] = {1, -2, 3.5, 0, 1e300};
    size_t len;
    unsigned char *img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 1, v,
                                   sizeof v, &len);
    char pf[256];
    tpath(pf, sizeof pf, "pipe.npy");
    assert_int_equal(mkfifo(pf, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(pf, O_WRONLY);
        _exit(fd >= 0 && write(fd, img, len) == (ssize_t)len && close(fd) == 0 ? 0 : 1);
    }
    starc_npy_array a;
    starc_error err;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_read(pf, &a, &err));
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    assert_int_equal(a.ndim, 1);
    assert_same_doubles(a.data, v, 5);
    starc_npy_array_clear(&a);
    free(img);
    unlink(pf);
}

/* Fortran order in 3-d and the degenerate cases (1-d, 0-d flagged Fortran). */
static void test_fortran(void **state)
{
    (void)state;
    size_t d0 = 2, d1 = 3, d2 = 4;
    double c[24];
    unsigned char f[24 * 8];
    for (size_t i = 0; i < d0; i++)
        for (size_t j = 0; j < d1; j++)
            for (size_t k = 0; k < d2; k++) {
                double v = 100.0 * (double)i + 10.0 * (double)j + (double)k;
                c[(i * d1 + j) * d2 + k] = v;
                put_uint(f + 8 * (i + d0 * (j + d1 * k)), dbits(v), 8, 0);
            }
    size_t len;
    unsigned char *img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", 1, f,
                                   sizeof f, &len);
    char p[256];
    tpath(p, sizeof p, "fortran3.npy");
    write_bytes(p, img, len);
    free(img);
    starc_npy_array a;
    starc_error err;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_read(p, &a, &err));
    assert_int_equal(a.fortran_order, 1);
    assert_same_doubles(a.data, c, 24);

    double one[3] = {1, 2, 3};
    img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (3,), }", 1, one, sizeof one, &len);
    assert_ok(starc_npy_read_buffer(img, len, "f1", &a, &err)); /* overwrites (frees) the previous data */
    assert_same_doubles(a.data, one, 3);
    free(img);
    img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (), }", 1, one, 8, &len);
    assert_ok(starc_npy_read_buffer(img, len, "f0", &a, &err));
    assert_int_equal(a.ndim, 0);
    assert_int_equal(starc_npy_array_size(&a), 1);
    assert_same_doubles(a.data, one, 1);
    free(img);
    starc_npy_array_clear(&a);
}

/* Header spellings numpy (or Python's literal syntax) allows. */
static void test_header_variants(void **state)
{
    (void)state;
    static const char *const dicts[] = {
        "{'shape': (2,), 'descr': '<f8', 'fortran_order': False}",
        "{\"fortran_order\": False, \"shape\": (2,), \"descr\": \"<f8\"}",
        "{ 'descr' : '<f8' ,\t'fortran_order' : False , 'shape' : ( 2 , ) , }",
        "{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (2L,)}", /* Python 2, version 1.0 only */
    };
    double x[2] = {3.5, -1};
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
        size_t len;
        unsigned char *img = npy_image(1, 0, dicts[i], 1, x, sizeof x, &len);
        starc_npy_array a;
        starc_error err;
        starc_npy_array_init(&a);
        int st = starc_npy_read_buffer(img, len, "variant", &a, &err);
        if (st) {
            print_error("header %zu: %s\n", i, err.message);
            fail();
        }
        assert_int_equal(a.ndim, 1);
        assert_int_equal(a.shape[0], 2);
        assert_same_doubles(a.data, x, 2);
        starc_npy_array_clear(&a);
        free(img);
    }
    /* A newline before the padding spaces (the spec's literal reading) is fine too. */
    const char *d = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n      ";
    size_t len;
    unsigned char *img = npy_image(1, 0, d, 0, x, sizeof x, &len);
    starc_npy_array a;
    starc_error err;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_read_buffer(img, len, "nl-first", &a, &err));
    starc_npy_array_clear(&a);
    free(img);
    /* Multi-dimensional shape with a trailing comma; a zero-size array. */
    img = npy_image(2, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2,), }", 1, x, sizeof x, &len);
    assert_ok(starc_npy_read_buffer(img, len, "trail", &a, &err));
    assert_int_equal(a.ndim, 2);
    free(img);
    img = npy_image(3, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 0), }", 1, NULL, 0, &len);
    assert_ok(starc_npy_read_buffer(img, len, "zero", &a, &err));
    assert_int_equal(starc_npy_array_size(&a), 0);
    starc_npy_array_clear(&a);
    free(img);
}

/* ------------------------------------------------------------ rejections */

typedef struct rcase {
    const char *file;
    unsigned major, minor;
    const char *dict;
    int pad;
    size_t dlen;
    const char *phrase;
} rcase;

static void test_rejections(void **state)
{
    (void)state;
    static const rcase cases[] = {
        {"v4.npy", 4, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 8,
         "unsupported .npy format version 4.0"},
        {"v11.npy", 1, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 8,
         "unsupported .npy format version 1.1"},
        {"nonl.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }      ", 0, 8,
         "not terminated by a newline"},
        {"open.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)   ", 1, 8, "malformed"},
        {"notdict.npy", 1, 0, "['descr', '<f8']", 1, 8, "malformed"},
        {"int-shape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", 1, 8, "not a tuple"},
        {"list-shape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': [1], }", 1, 8, "not a tuple"},
        {"float-shape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1.0,), }", 1, 8,
         "other than integers"},
        {"long-v3.npy", 3, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L,), }", 1, 8,
         "other than integers"},
        {"neg.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 1, 8, "negative dimension"},
        {"fo-int.npy", 1, 0, "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", 1, 8, "True or False"},
        {"extra-key.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 1, 8,
         "unexpected key 'x'"},
        {"no-shape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False}", 1, 8, "key 'shape' is missing"},
        {"dup.npy", 1, 0, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 1, 8,
         "duplicate key 'descr'"},
        {"junk.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk", 1, 8,
         "unexpected text after"},
        {"object.npy", 1, 0, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 1, 8, "pickle"},
        {"bytes.npy", 1, 0, "{'descr': '|S3', 'fortran_order': False, 'shape': (1,), }", 1, 3, "string dtype"},
        {"unicode.npy", 1, 0, "{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }", 1, 8, "string dtype"},
        {"complex.npy", 1, 0, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 1, 16, "complex"},
        {"struct.npy", 1, 0, "{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", 1,
         12, "structured"},
        {"void.npy", 1, 0, "{'descr': '|V8', 'fortran_order': False, 'shape': (1,), }", 1, 8, "structured"},
        {"datetime.npy", 1, 0, "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", 1, 8, "datetime"},
        {"longdouble.npy", 1, 0, "{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }", 1, 16,
         "unsupported dtype"},
        {"bool2.npy", 1, 0, "{'descr': '|b2', 'fortran_order': False, 'shape': (1,), }", 1, 2, "unsupported dtype"},
        {"escape.npy", 1, 0, "{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,), }", 1, 8, "malformed"},
        {"overflow.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", 1,
         8, "overflow"},
        {"hugedim.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 1, 8,
         "overflows size_t"},
        {"short.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1, 31, "data truncated"},
        {"long.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1, 33,
         "unexpected bytes after"},
        {"i4-short.npy", 1, 0, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", 1, 8, "data truncated"},
        /* text from the header appears in messages with its control characters escaped (found by fuzz-npy) */
        {"ctl-descr.npy", 1, 0, "{'descr': '>\x01" "f8', 'fortran_order': False, 'shape': (1,), }", 1, 8,
         "unsupported dtype '>\\x01f8'"},
        {"ctl-obj.npy", 1, 0, "{'descr': '|O\r', 'fortran_order': False, 'shape': (1,), }", 1, 8,
         "dtype '|O\\r' holds Python objects"},
        {"ctl-long.npy", 1, 0, "{'descr': '<f8\r\r\r\r\r\r\r\r\r\r\r\r\r', 'fortran_order': False, 'shape': (1,), }", 1,
         8, "unsupported dtype '<f8\\r\\r"},
        {"ctl-key.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'a\x1b[2J\x7f': 1}", 1, 8,
         "unexpected key 'a\\x1b[2J\\x7f'"},
    };
    unsigned char zeros[64] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rcase *c = &cases[i];
        size_t len;
        unsigned char *img = npy_image(c->major, c->minor, c->dict, c->pad, zeros, c->dlen, &len);
        char p[256];
        tpath(p, sizeof p, c->file);
        write_bytes(p, img, len);
        free(img);
        starc_npy_array a;
        starc_error err;
        starc_error_clear(&err);
        starc_npy_array_init(&a);
        double keep = 42.0;
        a.data = &keep; /* a failed read must leave the output alone */
        a.ndim = 0;
        int st = starc_npy_read(p, &a, &err);
        if (st != STARC_EFORMAT || !strstr(err.message, c->phrase) || !strstr(err.message, p)) {
            print_error("%s: status %d, message \"%s\", wanted \"%s\"\n", c->file, st, err.message, c->phrase);
            fail();
        }
        assert_one_line(err.message);
        assert_ptr_equal(a.data, &keep);
    }

    /* More dimensions than STARC_NPY_MAXDIM. */
    char dict[400] = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
    for (int i = 0; i < STARC_NPY_MAXDIM + 1; i++)
        strcat(dict, "1, ");
    strcat(dict, "), }");
    size_t len;
    unsigned char *img = npy_image(1, 0, dict, 1, zeros, 8, &len);
    starc_npy_array a;
    starc_error err;
    starc_npy_array_init(&a);
    expect_error(starc_npy_read_buffer(img, len, "deep.npy", &a, &err), STARC_EFORMAT, &err, "more than 32", "deep.npy");
    free(img);

    /* Bad magic, too short, an npz given as npy, truncated header. */
    const char notnpy[] = "hello, world, this is not numpy";
    expect_error(starc_npy_read_buffer(notnpy, sizeof notnpy, "text.npy", &a, &err), STARC_EFORMAT, &err,
                 "bad magic", "text.npy");
    expect_error(starc_npy_read_buffer("\x93NUM", 4, "tiny.npy", &a, &err), STARC_EFORMAT, &err, "bad magic",
                 "tiny.npy");
    expect_error(starc_npy_read_buffer("\x93NUMPY\x01", 7, "seven.npy", &a, &err), STARC_EFORMAT, &err,
                 "truncated", "seven.npy");
    expect_error(starc_npy_read_buffer("PK\x03\x04....", 8, "zip.npy", &a, &err), STARC_EFORMAT, &err, ".npz",
                 "zip.npy");
    img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, zeros, 8, &len);
    expect_error(starc_npy_read_buffer(img, 40, "cut.npy", &a, &err), STARC_EFORMAT, &err, "inside the .npy header",
                 "cut.npy");
    free(img);
    expect_error(starc_npy_read_buffer("", 0, "empty.npy", &a, &err), STARC_EFORMAT, &err, "bad magic", "empty.npy");

    /* numpy's header cap: 10000 characters pass, 10001 do not (v1 and v2). */
    const char *base = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    for (int over = 0; over <= 1; over++)
        for (unsigned major = 1; major <= 2; major++) {
            size_t hl = 10000 + (size_t)over;
            char *h = malloc(hl + 1);
            memset(h, ' ', hl);
            memcpy(h, base, strlen(base));
            h[hl - 1] = '\n';
            h[hl] = '\0';
            img = npy_image(major, 0, h, 0, zeros, 8, &len);
            int st = starc_npy_read_buffer(img, len, "cap.npy", &a, &err);
            if (over)
                expect_error(st, STARC_EFORMAT, &err, "over numpy's limit of 10000", "cap.npy");
            else
                assert_ok(st);
            free(img);
            free(h);
        }
    /* The cap is checked before the length is compared with the input: a
     * header length over it is refused as such, however much follows. */
    {
        unsigned char v2[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x20, 0x4E, 0, 0}; /* 20000 */
        expect_error(starc_npy_read_buffer(v2, sizeof v2, "cap2.npy", &a, &err), STARC_EFORMAT, &err,
                     "20000 characters long, over numpy's limit of 10000", "cap2.npy");
        unsigned char v3[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 3, 0, 0x41, 0x9C, 0, 0}; /* 40001 */
        expect_error(starc_npy_read_buffer(v3, sizeof v3, "cap3.npy", &a, &err), STARC_EFORMAT, &err,
                     "40001 bytes long, over numpy's limit of 10000 characters", "cap3.npy");
    }
    /* Version 3.0 counts characters, not bytes: 10001 bytes holding a
     * two-byte UTF-8 character are 10000 characters, under the cap (and then
     * rejected for the odd dtype, not for the length). */
    {
        const char *u = "{'descr': '<f\xc3\xa9', 'fortran_order': False, 'shape': (1,), }";
        size_t hl = 10001;
        char *h = malloc(hl + 1);
        memset(h, ' ', hl);
        memcpy(h, u, strlen(u));
        h[hl - 1] = '\n';
        h[hl] = '\0';
        img = npy_image(3, 0, h, 0, zeros, 8, &len);
        expect_error(starc_npy_read_buffer(img, len, "utf8.npy", &a, &err), STARC_EFORMAT, &err, "unsupported dtype",
                     "utf8.npy");
        free(img);
        free(h);
    }
    starc_npy_array_clear(&a);

    /* A missing file is an I/O error naming it. */
    char p[256];
    tpath(p, sizeof p, "no-such-file.npy");
    expect_error(starc_npy_read(p, &a, &err), STARC_EIO, &err, p, "No such file");
}

/* ------------------------------------------------------------ npz */

static void npz_roundtrip(int compress)
{
    char p[256];
    tpath(p, sizeof p, compress ? "deflated.npz" : "stored.npz");
    double g = 0.9, v[4] = {1, 2, 3, 4}, c[24];
    for (size_t i = 0; i < 24; i++)
        c[i] = (double)(i % 5); /* repetitive, so deflate shrinks it */
    starc_npy_array arr[3];
    for (size_t i = 0; i < 3; i++)
        starc_npy_array_init(&arr[i]);
    arr[0].ndim = 3;
    arr[0].shape[0] = 2;
    arr[0].shape[1] = 3;
    arr[0].shape[2] = 4;
    arr[0].data = c;
    arr[1].ndim = 1;
    arr[1].shape[0] = 4;
    arr[1].data = v;
    arr[2].ndim = 0;
    arr[2].data = &g;
    /* archive order is write order, not alphabetical */
    const char *names[3] = {"zeta", "alpha", "gamma"};
    starc_error err;
    assert_ok(starc_npy_npz_write(p, 3, names, arr, compress, &err));

    starc_npy_npz *z = NULL;
    assert_ok(starc_npy_npz_open(p, &z, &err));
    assert_int_equal(starc_npy_npz_count(z), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(starc_npy_npz_name(z, i), names[i]);
    assert_null(starc_npy_npz_name(z, 3));
    starc_npy_array a;
    starc_npy_array_init(&a);
    for (size_t i = 0; i < 3; i++) {
        assert_ok(starc_npy_npz_read(z, names[i], &a, &err));
        assert_int_equal(a.ndim, arr[i].ndim);
        for (size_t k = 0; k < a.ndim; k++)
            assert_int_equal(a.shape[k], arr[i].shape[k]);
        assert_string_equal(a.dtype, "<f8");
        assert_same_doubles(a.data, arr[i].data, starc_npy_array_size(&a));
    }
    expect_error(starc_npy_npz_read(z, "nope", &a, &err), STARC_EFORMAT, &err, "no member 'nope'", p);
    assert_non_null(strstr(err.message, "'alpha'"));
    starc_npy_array_clear(&a);
    starc_npy_npz_close(z);
    starc_npy_npz_close(NULL);

    /* The compression method in the central directory is what was asked for. */
    zip_t *zz = zip_open(p, ZIP_RDONLY, NULL);
    assert_non_null(zz);
    zip_stat_t sb;
    assert_int_equal(zip_stat_index(zz, 0, 0, &sb), 0);
    assert_int_equal(sb.comp_method, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE);
    if (compress)
        assert_true(sb.comp_size < sb.size);
    zip_discard(zz);
}

static void test_npz_roundtrip(void **state)
{
    (void)state;
    npz_roundtrip(0);
    npz_roundtrip(1);

    /* An archive with no arrays is a valid (empty) zip. */
    char p[256];
    tpath(p, sizeof p, "none.npz");
    starc_error err;
    assert_ok(starc_npy_npz_write(p, 0, NULL, NULL, 0, &err));
    starc_npy_npz *z = NULL;
    assert_ok(starc_npy_npz_open(p, &z, &err));
    assert_int_equal(starc_npy_npz_count(z), 0);
    starc_npy_npz_close(z);

    /* Bad arguments are refused before anything is created. */
    double x = 1;
    starc_npy_array a;
    starc_npy_array_init(&a);
    a.data = &x;
    starc_npy_array two[2] = {a, a};
    const char *dup[2] = {"x", "x"};
    tpath(p, sizeof p, "dup.npz");
    expect_error(starc_npy_npz_write(p, 2, dup, two, 0, &err), STARC_EINVAL, &err, "duplicate member name 'x'", p);
    assert_false(exists(p));
    const char *bad[1] = {""};
    expect_error(starc_npy_npz_write(p, 1, bad, two, 0, &err), STARC_EINVAL, &err, "empty name", p);
    expect_error(starc_npy_npz_write(p, 1, dup, two, 2, &err), STARC_EINVAL, &err, "compress", p);
    assert_false(exists(p));
}

/* Archives made by another writer: non-.npy members are skipped, names keep
 * their directories, a corrupt member and an unsupported member are reported
 * with file and member. */
static void test_npz_foreign(void **state)
{
    (void)state;
    char p[256];
    tpath(p, sizeof p, "foreign.npz");
    double v[2] = {1, 2};
    size_t l1, l2;
    unsigned char *good = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 1, v, 16, &l1);
    unsigned char *obj = npy_image(1, 0, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 1, v, 16, &l2);
    int ze;
    zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    assert_true(zip_file_add(z, "readme.txt", zip_source_buffer(z, "hi", 2, 0), 0) >= 0);
    assert_true(zip_file_add(z, "sub/b.npy", zip_source_buffer(z, good, l1, 0), 0) >= 0);
    assert_true(zip_file_add(z, "obj.npy", zip_source_buffer(z, obj, l2, 0), 0) >= 0);
    assert_int_equal(zip_close(z), 0);
    free(good);
    free(obj);

    starc_npy_npz *nz = NULL;
    starc_error err;
    assert_ok(starc_npy_npz_open(p, &nz, &err));
    assert_int_equal(starc_npy_npz_count(nz), 2);
    assert_string_equal(starc_npy_npz_name(nz, 0), "sub/b");
    assert_string_equal(starc_npy_npz_name(nz, 1), "obj");
    starc_npy_array a;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_npz_read(nz, "sub/b", &a, &err));
    assert_same_doubles(a.data, v, 2);
    char want[600];
    snprintf(want, sizeof want, "%s:obj", p);
    expect_error(starc_npy_npz_read(nz, "obj", &a, &err), STARC_EFORMAT, &err, want, "pickle");
    expect_error(starc_npy_npz_read(nz, "readme.txt", &a, &err), STARC_EFORMAT, &err, "no member", p);
    starc_npy_npz_close(nz);

    /* Member names with control characters (np.savez writes a tab as it is)
     * appear escaped in messages (found by fuzz-npz). */
    tpath(p, sizeof p, "ctl-names.npz");
    {
        int zerr;
        zip_t *zc = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
        assert_non_null(zc);
        assert_true(zip_file_add(zc, "a\tb.npy", zip_source_buffer(zc, "junk", 4, 0), 0) >= 0);
        assert_int_equal(zip_close(zc), 0);
    }
    assert_ok(starc_npy_npz_open(p, &nz, &err));
    assert_string_equal(starc_npy_npz_name(nz, 0), "a\tb");
    expect_error(starc_npy_npz_read(nz, "a\tb", &a, &err), STARC_EFORMAT, &err, ":a\\tb: not a .npy file", p);
    assert_one_line(err.message);
    expect_error(starc_npy_npz_read(nz, "x\ny", &a, &err), STARC_EFORMAT, &err, "no member 'x\\ny' (members: 'a\\tb')",
                 p);
    assert_one_line(err.message);
    starc_npy_npz_close(nz);

    /* Flip one data byte of a stored member: the CRC check must catch it. */
    tpath(p, sizeof p, "corrupt.npz");
    double w[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    starc_npy_array arr;
    starc_npy_array_init(&arr);
    arr.ndim = 1;
    arr.shape[0] = 8;
    arr.data = w;
    const char *nm[1] = {"w"};
    assert_ok(starc_npy_npz_write(p, 1, nm, &arr, 0, &err));
    size_t len;
    unsigned char *b = read_bytes(p, &len);
    unsigned char *m = NULL;
    for (size_t off = 0; !m && off + 6 <= len; off++)
        if (memcmp(b + off, "\x93NUMPY", 6) == 0)
            m = b + off;
    assert_non_null(m);
    m[128 + 20] ^= 0x40;
    write_bytes(p, b, len);
    free(b);
    assert_ok(starc_npy_npz_open(p, &nz, &err));
    expect_error(starc_npy_npz_read(nz, "w", &a, &err), STARC_EFORMAT, &err, p, "member 'w'");
    starc_npy_npz_close(nz);
    starc_npy_array_clear(&a);

    /* Not an archive at all, and no file. */
    tpath(p, sizeof p, "plain.npy");
    assert_ok(starc_npy_write(p, 1, arr.shape, w, &err));
    expect_error(starc_npy_npz_open(p, &nz, &err), STARC_EFORMAT, &err, "not a .npz", p);
    assert_null(nz);
    tpath(p, sizeof p, "missing.npz");
    expect_error(starc_npy_npz_open(p, &nz, &err), STARC_EIO, &err, "cannot open", p);
}

/* ------------------------------------------------------------ hand-made zips */

/* Zip archives written byte by byte (APPNOTE.TXT 4.3), so that the central
 * directory can declare sizes that the data do not have.  Names are flagged
 * UTF-8 (bit 11), so that libzip passes them through unconverted. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

typedef struct zmember {
    const char *name;
    const unsigned char *data; /* the bytes stored in the archive */
    size_t len;
    int deflate;               /* 1: wrap data in one stored deflate block (method 8) */
    uint64_t usize, csize;     /* declared sizes; 0 means the true ones */
    int zip64;                 /* sizes in a zip64 extra field */
} zmember;

typedef struct zbuf {
    unsigned char *b;
    size_t n, cap;
} zbuf;

static void zput(zbuf *z, uint64_t v, size_t bytes)
{
    if (z->n + bytes > z->cap) {
        z->cap = 2 * (z->n + bytes) + 256;
        z->b = realloc(z->b, z->cap);
        assert_non_null(z->b);
    }
    for (size_t i = 0; i < bytes; i++)
        z->b[z->n++] = (unsigned char)(v >> (8 * i));
}

static void zbytes(zbuf *z, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zput(z, ((const unsigned char *)p)[i], 1);
}

/* One zip archive holding the members; returns its size. */
static size_t write_zip(const char *path, const zmember *m, size_t n)
{
    zbuf out = {0}, cd = {0};
    for (size_t i = 0; i < n; i++) {
        unsigned char *raw = malloc(m[i].len + 5);
        assert_non_null(raw);
        size_t rl = m[i].len;
        if (m[i].deflate) { /* BFINAL=1, BTYPE=00, LEN, NLEN, bytes */
            assert_true(m[i].len <= 0xFFFF);
            raw[0] = 1;
            raw[1] = (unsigned char)(m[i].len & 0xFF);
            raw[2] = (unsigned char)(m[i].len >> 8);
            raw[3] = (unsigned char)(~m[i].len & 0xFF);
            raw[4] = (unsigned char)((~m[i].len >> 8) & 0xFF);
            memcpy(raw + 5, m[i].data, m[i].len);
            rl += 5;
        } else {
            memcpy(raw, m[i].data, m[i].len);
        }
        uint64_t us = m[i].usize ? m[i].usize : m[i].len, cs = m[i].csize ? m[i].csize : rl;
        uint32_t crc = crc32_of(m[i].data, m[i].len);
        size_t nl = strlen(m[i].name), off = out.n;
        unsigned method = m[i].deflate ? 8 : 0, ver = m[i].zip64 ? 45 : 20;
        uint32_t us32 = m[i].zip64 ? 0xFFFFFFFFu : (uint32_t)us, cs32 = m[i].zip64 ? 0xFFFFFFFFu : (uint32_t)cs;
        /* local file header */
        zput(&out, 0x04034b50, 4);
        zput(&out, ver, 2);
        zput(&out, 0x800, 2);
        zput(&out, method, 2);
        zput(&out, 0, 2);
        zput(&out, 0x21, 2);
        zput(&out, crc, 4);
        zput(&out, cs32, 4);
        zput(&out, us32, 4);
        zput(&out, nl, 2);
        zput(&out, m[i].zip64 ? 20 : 0, 2);
        zbytes(&out, m[i].name, nl);
        if (m[i].zip64) {
            zput(&out, 1, 2);
            zput(&out, 16, 2);
            zput(&out, us, 8);
            zput(&out, cs, 8);
        }
        zbytes(&out, raw, rl);
        free(raw);
        /* central directory entry */
        zput(&cd, 0x02014b50, 4);
        zput(&cd, ver, 2);
        zput(&cd, ver, 2);
        zput(&cd, 0x800, 2);
        zput(&cd, method, 2);
        zput(&cd, 0, 2);
        zput(&cd, 0x21, 2);
        zput(&cd, crc, 4);
        zput(&cd, cs32, 4);
        zput(&cd, us32, 4);
        zput(&cd, nl, 2);
        zput(&cd, m[i].zip64 ? 20 : 0, 2);
        zput(&cd, 0, 2);
        zput(&cd, 0, 2);
        zput(&cd, 0, 2);
        zput(&cd, 0, 4);
        zput(&cd, off, 4);
        zbytes(&cd, m[i].name, nl);
        if (m[i].zip64) {
            zput(&cd, 1, 2);
            zput(&cd, 16, 2);
            zput(&cd, us, 8);
            zput(&cd, cs, 8);
        }
    }
    size_t cdoff = out.n;
    zbytes(&out, cd.b, cd.n);
    zput(&out, 0x06054b50, 4); /* end of central directory */
    zput(&out, 0, 2);
    zput(&out, 0, 2);
    zput(&out, n, 2);
    zput(&out, n, 2);
    zput(&out, cd.n, 4);
    zput(&out, cdoff, 4);
    zput(&out, 0, 2);
    write_bytes(path, out.b, out.n);
    size_t total = out.n;
    free(out.b);
    free(cd.b);
    return total;
}

/* Sizes in the zip directory are claims: a member that declares more bytes
 * than the archive can hold, or than its .npy header describes, is a bad file
 * (STARC_EFORMAT naming file and member), found before anything of that size
 * is allocated. */
static void test_npz_declared_sizes(void **state)
{
    (void)state;
    double v[3] = {0, 1, 2};
    size_t ilen;
    unsigned char *img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1, v, 24, &ilen);
    starc_error err;
    starc_npy_array a;
    starc_npy_array_init(&a);
    char p[256], who[300];
    struct {
        const char *file;
        zmember m;
        int ok;
        const char *phrase;
    } cases[] = {
        /* honest archives, so that the builder itself is trusted */
        {"stored.npz", {"r.npy", img, ilen, 0, 0, 0, 0}, 1, NULL},
        {"deflated.npz", {"r.npy", img, ilen, 1, 0, 0, 0}, 1, NULL},
        {"stored64.npz", {"r.npy", img, ilen, 0, 0, 0, 1}, 1, NULL},
        {"deflated64.npz", {"r.npy", img, ilen, 1, 0, 0, 1}, 1, NULL},
        /* 3.5 GB declared for a stored member of ilen bytes */
        {"big-stored.npz", {"r.npy", img, ilen, 0, 3500000000u, 0, 0}, 0, "declares 3500000000 bytes"},
        /* the same for a deflated member: 3.5 GB cannot come out of ilen + 5 bytes */
        {"big-deflated.npz", {"r.npy", img, ilen, 1, 3500000000u, 0, 0}, 0, "declares 3500000000 bytes"},
        /* zip64: 2^62 bytes, with the true compressed size or claiming it too */
        {"huge64.npz", {"r.npy", img, ilen, 0, (uint64_t)1 << 62, 0, 1}, 0, "declares 4611686018427387904 bytes"},
        {"huge64-comp.npz", {"r.npy", img, ilen, 0, (uint64_t)1 << 62, (uint64_t)1 << 62, 1}, 0,
         "declares 4611686018427387904 compressed bytes"},
        {"huge64-defl.npz", {"r.npy", img, ilen, 1, (uint64_t)1 << 62, 0, 1}, 0, "declares 4611686018427387904 bytes"},
        /* plausible for deflate, but not what the .npy header describes */
        {"header.npz", {"r.npy", img, ilen, 1, 4096, 0, 0}, 0, "declares 4096 bytes, the .npy header"},
        {"short.npz", {"r.npy", img, ilen, 1, ilen - 8, 0, 0}, 0, "the .npy header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpath(p, sizeof p, cases[i].file);
        write_zip(p, &cases[i].m, 1);
        starc_npy_npz *z = NULL;
        starc_error_clear(&err);
        assert_ok(starc_npy_npz_open(p, &z, &err));
        assert_int_equal(starc_npy_npz_count(z), 1);
        int st = starc_npy_npz_read(z, "r", &a, &err);
        if (cases[i].ok) {
            if (st)
                print_error("%s: %s\n", cases[i].file, err.message);
            assert_ok(st);
            assert_int_equal(a.ndim, 1);
            assert_int_equal(a.shape[0], 3);
            assert_same_doubles(a.data, v, 3);
        } else {
            snprintf(who, sizeof who, "%s", p);
            expect_error(st, STARC_EFORMAT, &err, who, cases[i].phrase);
            assert_true(strstr(err.message, "'r'") || strstr(err.message, ":r:")); /* names the member */
        }
        starc_npy_npz_close(z);
    }
    starc_npy_array_clear(&a);
    free(img);
}

/* Same data, same bytes: whatever the time or time zone, every member is
 * stamped 1980-01-01 00:00:00 like np.savez does. */
static void test_npz_deterministic(void **state)
{
    (void)state;
    double v[6] = {1, 2, 3, 4, 5, 6}, g = 0.5;
    starc_npy_array arr[2];
    starc_npy_array_init(&arr[0]);
    starc_npy_array_init(&arr[1]);
    arr[0].ndim = 2;
    arr[0].shape[0] = 2;
    arr[0].shape[1] = 3;
    arr[0].data = v;
    arr[1].data = &g;
    const char *names[2] = {"v", "g"};
    static const char *const zones[] = {"UTC0", "XYZ-9", "ABC+5"};
    char *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    starc_error err;
    for (int compress = 0; compress <= 1; compress++) {
        unsigned char *first = NULL;
        size_t flen = 0;
        for (size_t zi = 0; zi < 3; zi++) {
            setenv("TZ", zones[zi], 1);
            tzset();
            char p[256];
            snprintf(p, sizeof p, TMPDIR "/det-%d-%zu.npz", compress, zi);
            assert_ok(starc_npy_npz_write(p, 2, names, arr, compress, &err));
            size_t len;
            unsigned char *b = read_bytes(p, &len);
            /* local file headers: modification time at +10, date at +12 */
            size_t headers = 0;
            for (size_t off = 0; off + 30 <= len; off++)
                if (memcmp(b + off, "PK\x03\x04", 4) == 0) {
                    assert_int_equal(b[off + 10] | b[off + 11] << 8, 0);      /* 00:00:00 */
                    assert_int_equal(b[off + 12] | b[off + 13] << 8, 0x21);   /* 1980-01-01 */
                    headers++;
                }
            assert_int_equal(headers, 2);
            if (!first) {
                first = b;
                flen = len;
            } else {
                assert_int_equal(len, flen);
                assert_memory_equal(b, first, len);
                free(b);
            }
        }
        free(first);
    }
    if (old_tz) {
        setenv("TZ", old_tz, 1);
        free(old_tz);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

/* ------------------------------------------------------------ atomic writes */

/* Names in TMPDIR that start with @prefix. */
static size_t count_prefixed(const char *prefix)
{
    DIR *d = opendir(TMPDIR);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void test_atomic(void **state)
{
    (void)state;
    double x[3] = {1, 2, 3};
    size_t shape[1] = {3};
    starc_error err;
    char p[256];

    /* The directory does not exist: nothing is created. */
    tpath(p, sizeof p, "no-dir/out.npy");
    expect_error(starc_npy_write(p, 1, shape, x, &err), STARC_EIO, &err, p, "temporary");
    tpath(p, sizeof p, "no-dir");
    assert_false(exists(p));
    tpath(p, sizeof p, "no-dir/out.npz");
    starc_npy_array a;
    starc_npy_array_init(&a);
    a.ndim = 1;
    a.shape[0] = 3;
    a.data = x;
    const char *nm[1] = {"x"};
    expect_error(starc_npy_npz_write(p, 1, nm, &a, 1, &err), STARC_EIO, &err, p, NULL);

    /* The final rename fails (the target is a directory): the temporary
     * file is removed and the target is untouched. */
    tpath(p, sizeof p, "adir");
    assert_int_equal(mkdir(p, 0777), 0);
    expect_error(starc_npy_write(p, 1, shape, x, &err), STARC_EIO, &err, p, "rename");
    expect_error(starc_npy_npz_write(p, 1, nm, &a, 0, &err), STARC_EIO, &err, p, NULL);
    assert_int_equal(count_prefixed("adir"), 1); /* just the directory, no adir.XXXXXX */

    /* A refused write leaves an existing file as it was. */
    tpath(p, sizeof p, "keep.npy");
    assert_ok(starc_npy_write(p, 1, shape, x, &err));
    expect_error(starc_npy_write(p, 1, shape, NULL, &err), STARC_EINVAL, &err, p, NULL);
    size_t big[2] = {SIZE_MAX / 2, 3};
    expect_error(starc_npy_write(p, 2, big, x, &err), STARC_EDIM, &err, p, "overflow");
    starc_npy_array r;
    starc_npy_array_init(&r);
    assert_ok(starc_npy_read(p, &r, &err));
    assert_same_doubles(r.data, x, 3);
    starc_npy_array_clear(&r);
    assert_int_equal(count_prefixed("keep"), 1);

    /* Permissions follow the umask like any new file (not mkstemp's 0600). */
    mode_t old = umask(022);
    tpath(p, sizeof p, "mode.npy");
    assert_ok(starc_npy_write(p, 1, shape, x, &err));
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    tpath(p, sizeof p, "mode.npz");
    assert_ok(starc_npy_npz_write(p, 1, nm, &a, 0, &err));
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    umask(old);
}

/* ------------------------------------------------------------ loaders */

#define S_ 3
#define A_ 2

static const double T0[S_ * A_ * S_] = {
    1, 0, 0,  0.5, 0.5, 0,
    0, 1, 0,  0, 0.25, 0.75,
    0, 0, 1,  0.2, 0.3, 0.5,
};
static const double MU0[S_] = {0.5, 0.25, 0.25};

static starc_mdp *small_mdp(void)
{
    starc_mdp *m = NULL;
    starc_error err;
    assert_ok(starc_mdp_alloc(S_, A_, T0, MU0, 0.9, NULL, &m, &err));
    return m;
}

/* Write an npz with up to three members given as (name, ndim, shape..., data). */
static void write_npz3(const char *p, size_t n, const char *const *names, const size_t *ndims,
                       const size_t (*shapes)[3], double *const *data)
{
    starc_npy_array arr[3];
    for (size_t i = 0; i < n; i++) {
        starc_npy_array_init(&arr[i]);
        arr[i].ndim = ndims[i];
        for (size_t k = 0; k < ndims[i]; k++)
            arr[i].shape[k] = shapes[i][k];
        arr[i].data = data[i];
    }
    starc_error err;
    assert_ok(starc_npy_npz_write(p, n, names, arr, 0, &err));
}

static void test_mdp_load(void **state)
{
    (void)state;
    starc_error err;
    char p[256];
    starc_mdp *m = small_mdp(), *m2 = NULL;
    tpath(p, sizeof p, "mdp.npz");
    assert_ok(starc_io_mdp_save(p, m, &err));
    assert_ok(starc_io_mdp_load(p, NULL, &m2, &err));
    assert_int_equal(starc_mdp_states(m2), S_);
    assert_int_equal(starc_mdp_actions(m2), A_);
    assert_true(starc_mdp_gamma(m2) == 0.9);
    assert_same_doubles(starc_mdp_transitions(m2), T0, S_ * A_ * S_);
    assert_same_doubles(starc_mdp_initial(m2), MU0, S_);
    starc_mdp_free(m2);
    m2 = NULL;
    /* members are T, mu0, gamma in that order, gamma 0-d */
    starc_npy_npz *z;
    assert_ok(starc_npy_npz_open(p, &z, &err));
    assert_int_equal(starc_npy_npz_count(z), 3);
    assert_string_equal(starc_npy_npz_name(z, 0), "T");
    assert_string_equal(starc_npy_npz_name(z, 1), "mu0");
    assert_string_equal(starc_npy_npz_name(z, 2), "gamma");
    starc_npy_npz_close(z);

    double T[S_ * A_ * S_], mu0[S_], g = 0.9, g2[2] = {0.9, 0.9};
    memcpy(T, T0, sizeof T);
    memcpy(mu0, MU0, sizeof mu0);
    const char *names[3] = {"T", "mu0", "gamma"};
    size_t nd[3] = {3, 1, 0};
    size_t sh[3][3] = {{S_, A_, S_}, {S_}, {0}};
    double *data[3] = {T, mu0, &g};

    /* gamma of shape (1,) is accepted */
    tpath(p, sizeof p, "g1.npz");
    nd[2] = 1;
    sh[2][0] = 1;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    assert_ok(starc_io_mdp_load(p, NULL, &m2, &err));
    starc_mdp_free(m2);

    /* missing members are all named */
    tpath(p, sizeof p, "missing.npz");
    write_npz3(p, 1, names, nd, (const size_t (*)[3])sh, data);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EFORMAT, &err, p, "missing member 'mu0', 'gamma'");
    assert_null(m2);

    /* wrong shapes */
    tpath(p, sizeof p, "badT.npz");
    nd[0] = 2;
    sh[0][0] = 3;
    sh[0][1] = 2;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    char want[600];
    snprintf(want, sizeof want, "%s: member 'T' has shape (3,2); expected (S,A,S)", p);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EDIM, &err, want, NULL);
    nd[0] = 3;
    sh[0][0] = S_;
    sh[0][1] = A_;

    tpath(p, sizeof p, "badmu.npz");
    sh[1][0] = 2;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    snprintf(want, sizeof want, "%s: member 'mu0' has shape (2,); expected (S,) = (3,)", p);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EDIM, &err, want, NULL);
    sh[1][0] = S_;

    tpath(p, sizeof p, "badgamma.npz");
    sh[2][0] = 2;
    data[2] = g2;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EDIM, &err, p,
                 "member 'gamma' has shape (2,); expected () or (1,)");
    nd[2] = 0;
    data[2] = &g;

    /* invalid values: the validator's message, prefixed with the file */
    tpath(p, sizeof p, "rows.npz");
    T[1] = 0.1;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    snprintf(want, sizeof want, "%s: row T[0,0,:] sums to", p);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EINVAL, &err, want, NULL);
    T[1] = 0;
    tpath(p, sizeof p, "gamma1.npz");
    g = 1.0;
    write_npz3(p, 3, names, nd, (const size_t (*)[3])sh, data);
    snprintf(want, sizeof want, "%s: gamma = 1 is outside [0, 1)", p);
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EINVAL, &err, want, NULL);
    g = 0.9;

    /* an .npy is not an MDP */
    tpath(p, sizeof p, "T.npy");
    assert_ok(starc_npy_write(p, 3, sh[0], T, &err));
    expect_error(starc_io_mdp_load(p, NULL, &m2, &err), STARC_EFORMAT, &err, p, "not a .npz");
    assert_null(m2);
    starc_mdp_free(m);
}

/* starc_io_reward_load_many_opt(): check_finite = 0 leaves only a full (S,A,S)
 * reward on a dense MDP unproven (loaded as it is), which the distance then
 * refuses naming the entry as the loaders do; (S,) and (S,A) rewards, and every
 * other check, stay; keep_shape is starc_io_reward_load_shaped(). */
static void test_reward_load_opt(void **state)
{
    (void)state;
    starc_mdp *m = small_mdp();
    starc_error err;
    const size_t SAS = S_ * A_ * S_, s1[1] = {S_}, s2[2] = {S_, A_}, s3[3] = {S_, A_, S_};
    double r1[S_] = {1, 2, 3}, r2[S_ * A_] = {1, 2, 3, 4, 5, 6}, r3[S_ * A_ * S_];
    char pg[256], pn[256], ps[256], pa[256];
    for (size_t i = 0; i < SAS; i++)
        r3[i] = (double)i - 5.0;
    tpath(pg, sizeof pg, "opt-good.npy");
    assert_ok(starc_npy_write(pg, 3, s3, r3, &err));
    const size_t pos[3] = {0, SAS / 2, SAS - 1};
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (size_t q = 0; q < 3; q++)
        for (size_t b = 0; b < 3; b++) {
            double v[S_ * A_ * S_];
            memcpy(v, r3, sizeof v);
            v[pos[q]] = bad[b];
            tpath(pn, sizeof pn, "opt-bad.npy");
            assert_ok(starc_npy_write(pn, 3, s3, v, &err));
            char want[64];
            snprintf(want, sizeof want, "reward entry %zu (flat index) is not finite", pos[q]);
            const char *specs[2] = {pg, pn};
            starc_io_reward_set rs;
            starc_io_reward_set_init(&rs);
            /* the default (and NULL options): refused, naming the file and the entry */
            expect_error(starc_io_reward_load_many_opt(specs, 2, m, NULL, &rs, &err), STARC_EINVAL, &err, pn, want);
            starc_io_reward_options o;
            starc_io_reward_options_default(&o);
            assert_int_equal(o.check_finite, 1);
            assert_int_equal(o.keep_shape, 0);
            expect_error(starc_io_reward_load_many_opt(specs, 2, m, &o, &rs, &err), STARC_EINVAL, &err, pn, want);
            assert_int_equal(rs.n, 0);
            /* deferred: loaded as it is; the distance's first pass refuses it */
            o.check_finite = 0;
            assert_ok(starc_io_reward_load_many_opt(specs, 2, m, &o, &rs, &err));
            assert_int_equal(rs.n, 2);
            assert_memory_equal(rs.R + SAS, v, sizeof v);
            for (int c = 0; c < STARC_CANON_KIND_COUNT; c++) {
                starc_distance_options dopt;
                starc_distance_options_default(&dopt);
                dopt.canon = (starc_canon_kind)c;
                double d = 0.0;
                expect_error(starc_distance(m, &dopt, rs.R, rs.R + SAS, &d, &err), STARC_EINVAL, &err, want, NULL);
                assert_string_equal(err.message, want);
                assert_true(isnan(d));
            }
            starc_io_reward_set_clear(&rs);
        }
    /* (S,) and (S,A) rewards are checked as always, kept in their shape with keep_shape */
    r1[2] = NAN;
    tpath(ps, sizeof ps, "opt-state.npy");
    assert_ok(starc_npy_write(ps, 1, s1, r1, &err));
    tpath(pa, sizeof pa, "opt-sa.npy");
    assert_ok(starc_npy_write(pa, 2, s2, r2, &err));
    starc_io_reward_options o;
    starc_io_reward_options_default(&o);
    o.check_finite = 0;
    starc_io_reward_set rs;
    starc_io_reward_set_init(&rs);
    const char *sp[2] = {pa, ps};
    expect_error(starc_io_reward_load_many_opt(sp, 2, m, &o, &rs, &err), STARC_EINVAL, &err, ps,
                 "reward entry 2 (flat index) is not finite");
    o.keep_shape = 1;
    expect_error(starc_io_reward_load_many_opt(sp, 2, m, &o, &rs, &err), STARC_EINVAL, &err, ps,
                 "reward entry 2 (flat index) is not finite");
    assert_ok(starc_io_reward_load_many_opt(sp, 1, m, &o, &rs, &err));
    assert_int_equal(rs.layout[0], STARC_IO_REWARD_STATE_ACTION);
    assert_memory_equal(rs.given[0], r2, sizeof r2);
    starc_io_reward_set_clear(&rs);
    starc_mdp_free(m);
}

static void test_reward_load(void **state)
{
    (void)state;
    starc_mdp *m = small_mdp();
    starc_error err;
    char p1[256], p2[256], p3[256], pz[256], spec[300];
    double r1[S_] = {1, 2, 3}, r2[S_ * A_] = {1, 2, 3, 4, 5, 6}, r3[S_ * A_ * S_];
    for (size_t i = 0; i < S_ * A_ * S_; i++)
        r3[i] = (double)i - 5.0;
    size_t s1[1] = {S_}, s2[2] = {S_, A_}, s3[3] = {S_, A_, S_};
    tpath(p1, sizeof p1, "state.npy");
    tpath(p2, sizeof p2, "sa.npy");
    tpath(p3, sizeof p3, "sas.reward.npy");
    assert_ok(starc_npy_write(p1, 1, s1, r1, &err));
    assert_ok(starc_npy_write(p2, 2, s2, r2, &err));
    assert_ok(starc_npy_write(p3, 3, s3, r3, &err));
    tpath(pz, sizeof pz, "bundle.npz");
    const char *names[2] = {"second", "first"};
    size_t nd[2] = {2, 3};
    size_t sh[2][3] = {{S_, A_}, {S_, A_, S_}};
    double *data[2] = {r2, r3};
    write_npz3(pz, 2, names, nd, (const size_t (*)[3])sh, data);

    starc_io_reward_set rs;
    starc_io_reward_set_init(&rs);
    assert_ok(starc_io_reward_load(p1, m, &rs, &err));
    assert_ok(starc_io_reward_load(p2, m, &rs, &err));
    assert_ok(starc_io_reward_load(p3, m, &rs, &err));
    assert_ok(starc_io_reward_load(pz, m, &rs, &err));
    snprintf(spec, sizeof spec, "%s:first", pz);
    assert_ok(starc_io_reward_load(spec, m, &rs, &err));
    assert_int_equal(rs.n, 6);
    const char *want_names[6] = {"state", "sa", "sas.reward", "second", "first", "first"};
    for (size_t k = 0; k < 6; k++)
        assert_string_equal(rs.names[k], want_names[k]);
    const size_t SAS = S_ * A_ * S_;
    for (size_t s = 0; s < S_; s++)
        for (size_t a = 0; a < A_; a++)
            for (size_t t = 0; t < S_; t++) {
                size_t i = (s * A_ + a) * S_ + t;
                assert_true(rs.R[0 * SAS + i] == r1[s]);
                assert_true(rs.R[1 * SAS + i] == r2[s * A_ + a]);
                assert_true(rs.R[2 * SAS + i] == r3[i]);
                assert_true(rs.R[3 * SAS + i] == r2[s * A_ + a]);
                assert_true(rs.R[4 * SAS + i] == r3[i]);
                assert_true(rs.R[5 * SAS + i] == r3[i]);
            }

    /* One call for several specs gives what one call per spec gave. */
    {
        starc_io_reward_set many;
        starc_io_reward_set_init(&many);
        char sfirst[300];
        snprintf(sfirst, sizeof sfirst, "%s:first", pz);
        const char *specs[5] = {p1, p2, p3, pz, sfirst};
        assert_ok(starc_io_reward_load(p1, m, &many, &err)); /* appending to a set that holds one */
        assert_ok(starc_io_reward_load_many(specs + 1, 4, m, &many, &err));
        assert_int_equal(many.n, rs.n);
        for (size_t k = 0; k < 6; k++)
            assert_string_equal(many.names[k], rs.names[k]);
        assert_same_doubles(many.R, rs.R, 6 * SAS);
        /* All or nothing: an error in the last spec (missing) leaves the set as it was;
         * an error in an earlier spec's data is the one reported. */
        char missing[256], pbad[256];
        tpath(missing, sizeof missing, "missing.npy");
        tpath(pbad, sizeof pbad, "bad4.npy");
        size_t s4b[1] = {4};
        double r4b[4] = {1, 2, 3, 4};
        assert_ok(starc_npy_write(pbad, 1, s4b, r4b, &err));
        const char *bad1[3] = {p1, p2, missing};
        expect_error(starc_io_reward_load_many(bad1, 3, m, &many, &err), STARC_EIO, &err, "missing.npy", "cannot open");
        assert_int_equal(many.n, 6);
        const char *bad2[3] = {p1, pbad, missing};
        expect_error(starc_io_reward_load_many(bad2, 3, m, &many, &err), STARC_EDIM, &err, "bad4.npy", "(4,)");
        assert_int_equal(many.n, 6);
        assert_same_doubles(many.R, rs.R, 6 * SAS);
        for (size_t k = 0; k < 6; k++)
            assert_string_equal(many.names[k], rs.names[k]);
        starc_io_reward_set_clear(&many);
    }

    /* Failures name the file (and member) and leave the set unchanged. */
    char pb[256];
    tpath(pb, sizeof pb, "bad.npy");
    size_t s4[1] = {4};
    double r4[4] = {1, 2, 3, 4};
    assert_ok(starc_npy_write(pb, 1, s4, r4, &err));
    expect_error(starc_io_reward_load(pb, m, &rs, &err), STARC_EDIM, &err, pb, "has shape (4,)");
    snprintf(spec, sizeof spec, "%s:nope", pz);
    expect_error(starc_io_reward_load(spec, m, &rs, &err), STARC_EFORMAT, &err, "no member 'nope'", pz);
    snprintf(spec, sizeof spec, "%s:first", p1);
    expect_error(starc_io_reward_load(spec, m, &rs, &err), STARC_EINVAL, &err, p1, "no member 'first'");
    snprintf(spec, sizeof spec, "%s:", pz);
    expect_error(starc_io_reward_load(spec, m, &rs, &err), STARC_EINVAL, &err, "empty member name", pz);
    tpath(spec, sizeof spec, "absent.npy");
    expect_error(starc_io_reward_load(spec, m, &rs, &err), STARC_EIO, &err, spec, NULL);
    /* an MDP archive: T fits as a reward, mu0 fits, gamma does not -> nothing is added */
    char pm[256];
    tpath(pm, sizeof pm, "m.npz");
    assert_ok(starc_io_mdp_save(pm, m, &err));
    snprintf(spec, sizeof spec, "%s:gamma", pm);
    expect_error(starc_io_reward_load(pm, m, &rs, &err), STARC_EDIM, &err, spec, "has shape ()");
    /* non-finite entries */
    r1[1] = NAN;
    tpath(pb, sizeof pb, "nan.npy");
    assert_ok(starc_npy_write(pb, 1, s1, r1, &err));
    expect_error(starc_io_reward_load(pb, m, &rs, &err), STARC_EINVAL, &err, pb, "not finite");
    assert_int_equal(rs.n, 6);

    /* A file whose name contains ':' is taken whole. */
    char pc[256];
    tpath(pc, sizeof pc, "odd:name.npy");
    assert_ok(starc_npy_write(pc, 2, s2, r2, &err));
    assert_ok(starc_io_reward_load(pc, m, &rs, &err));
    assert_int_equal(rs.n, 7);
    assert_string_equal(rs.names[6], "odd:name");

    /* Names holding control characters would corrupt every table they enter:
     * refused, with the name escaped so that the message stays on one line. */
    const char *ctl_names[2] = {"fine", "bad\tname"};
    double *ctl_data[2] = {r2, r3};
    tpath(pz, sizeof pz, "ctl.npz");
    write_npz3(pz, 2, ctl_names, nd, (const size_t (*)[3])sh, ctl_data);
    expect_error(starc_io_reward_load(pz, m, &rs, &err), STARC_EFORMAT, &err, pz, "reward name \"bad\\tname\"");
    assert_null(strchr(err.message, '\t'));
    snprintf(spec, sizeof spec, "%s:fine", pz);
    assert_ok(starc_io_reward_load(spec, m, &rs, &err)); /* the clean member is still usable */
    assert_int_equal(rs.n, 8);
    /* libzip refuses to write these names, but archives from elsewhere hold them
     * (libzip reads \t, \n and \r unchanged; other control characters turn an
     * archive inconsistent or are read as CP437 graphics). */
    size_t il;
    unsigned char *img = npy_image(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 1, r2,
                                   sizeof r2, &il);
    zmember zm[2] = {{"fine.npy", img, il, 0, 0, 0, 0}, {"two\nlines\r.npy", img, il, 1, 0, 0, 0}};
    tpath(pz, sizeof pz, "ctl2.npz");
    write_zip(pz, zm, 2);
    free(img);
    expect_error(starc_io_reward_load(pz, m, &rs, &err), STARC_EFORMAT, &err, "\"two\\nlines\\r\"", NULL);
    snprintf(spec, sizeof spec, "%s:two\nlines\r", pz);
    expect_error(starc_io_reward_load(spec, m, &rs, &err), STARC_EFORMAT, &err, "\"two\\nlines\\r\"",
                 "rename the archive member");
    assert_null(strchr(err.message, '\n'));
    assert_null(strchr(err.message, '\r'));
    tpath(pc, sizeof pc, "tab\tesc\x1bstem.npy");
    assert_ok(starc_npy_write(pc, 2, s2, r2, &err));
    expect_error(starc_io_reward_load(pc, m, &rs, &err), STARC_EFORMAT, &err,
                 "tab\\tesc\\x1bstem.npy: reward name \"tab\\tesc\\x1bstem\"", "rename the file");
    assert_int_equal(rs.n, 8);

    starc_io_reward_set_clear(&rs);
    assert_int_equal(rs.n, 0);
    assert_null(rs.R);
    starc_io_reward_set_clear(&rs);
    starc_mdp_free(m);
}

/* ------------------------------------------------------------ reads without a copy */

/* 1 if /proc/self/maps lists a mapping of the file at relative path (its
 * absolute name ends in "/" path), 0 if not, -1 without /proc. */
static int mapped_now(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[1024], tail[300];
    snprintf(tail, sizeof tail, "/%s", path);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        size_t l = strlen(line), k = strlen(tail);
        found = l >= k && strcmp(line + l - k, tail) == 0;
    }
    fclose(f);
    return found;
}

/* A '<f8' C-order image of n doubles, shape given as text ("(64, 2, 64)"). */
static unsigned char *f8_image(const char *shape, const double *v, size_t n, size_t *len)
{
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", shape);
    unsigned char *b = npy_image(1, 0, dict, 1, NULL, 0, len);
    b = realloc(b, *len + n * 8);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        put_uint(b + *len + 8 * i, dbits(v[i]), 8, 0);
    *len += n * 8;
    return b;
}

#define DS 64
#define DA 2

/* An MDP archive written by hand: T is stored at an 8-aligned offset when
 * mu0 comes first (30 + 7 + 128 + 8 DS bytes, then T's 30 + 5 + 128 bytes of
 * headers), at a misaligned one when T comes first (30 + 5 + 128 = 163). */
static void write_direct_mdp(const char *p, const double *T, int t_first, size_t flip)
{
    double mu0[DS], g = 0.9;
    for (size_t s = 0; s < DS; s++)
        mu0[s] = 1.0 / DS;
    size_t lt, lm, lg;
    unsigned char *it = f8_image("(64, 2, 64)", T, DS * DA * DS, &lt), *im = f8_image("(64,)", mu0, DS, &lm),
                  *ig = f8_image("()", &g, 1, &lg);
    zmember t = {"T.npy", it, lt, 0, 0, 0, 0}, m = {"mu0.npy", im, lm, 0, 0, 0, 0}, gm = {"gamma.npy", ig, lg, 0, 0, 0, 0};
    zmember mem[3] = {t_first ? t : m, t_first ? m : t, gm};
    size_t len = write_zip(p, mem, 3);
    if (flip) { /* one bit of T's data flipped after the CRC was taken */
        unsigned char *b = read_bytes(p, &len);
        size_t at = t_first ? 30 + 5 + 128 : 30 + 7 + lm + 30 + 5 + 128;
        b[at + flip - 1] ^= 0x10;
        write_bytes(p, b, len);
        free(b);
    }
    free(it);
    free(im);
    free(ig);
}

/* A .npy file or a stored .npz member whose values need no conversion is read
 * in place (mapped when aligned): the values are exactly the file's, the
 * object holds the mapping until it is freed, writes to a reward set's
 * values do not reach the file, and a stored member's CRC-32 is still
 * checked (now in the validation pass over T). */
static void test_direct_reads(void **state)
{
    (void)state;
    if (host_big())
        skip();
    starc_error err;
    char p[256], q[256], r1[256], r2[256];
    double *T = malloc(DS * DA * DS * sizeof *T), *R = malloc(2 * DS * DA * DS * sizeof *R);
    assert_non_null(T);
    assert_non_null(R);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < DS * DA; i++) {
        double sum = 0.0;
        for (size_t k = 0; k < DS; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            sum += T[i * DS + k] = (double)(x >> 11) / 9007199254740992.0;
        }
        for (size_t k = 0; k < DS; k++)
            T[i * DS + k] /= sum;
    }
    for (size_t i = 0; i < 2 * DS * DA * DS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        R[i] = (double)(int64_t)x / 1e18;
    }
    for (int t_first = 0; t_first < 2; t_first++) {
        tpath(p, sizeof p, t_first ? "direct-mis.npz" : "direct-al.npz");
        write_direct_mdp(p, T, t_first, 0);
        starc_mdp *m = NULL;
        assert_ok(starc_io_mdp_load(p, NULL, &m, &err));
        assert_same_doubles(starc_mdp_transitions(m), T, DS * DA * DS);
        int mp = mapped_now(p);
        if (mp >= 0)
            assert_int_equal(mp, !t_first); /* aligned: mapped, misaligned: read */
        starc_mdp_free(m);
        if (mp >= 0)
            assert_int_equal(mapped_now(p), 0); /* the MDP released it */
        /* A flipped bit in the first partial page, a whole page, the last page. */
        const size_t flips[3] = {1, 8 * 4096 + 3, DS * DA * DS * 8};
        for (size_t f = 0; f < 3; f++) {
            tpath(q, sizeof q, "direct-bad.npz");
            write_direct_mdp(q, T, t_first, flips[f]);
            m = NULL;
            expect_error(starc_io_mdp_load(q, NULL, &m, &err), STARC_EFORMAT, &err, q, "member 'T': CRC error");
            assert_null(m);
            assert_one_line(err.message);
        }
    }

    /* Any one byte of either archive changed (header fields, directory, data): the MDP is
     * refused or loads with exactly T (a field nobody reads), never anything else. */
    for (int t_first = 0; t_first < 2; t_first++) {
        tpath(p, sizeof p, "direct-fz.npz");
        write_direct_mdp(p, T, t_first, 0);
        size_t len;
        unsigned char *orig = read_bytes(p, &len);
        for (int trial = 0; trial < 400; trial++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* half the trials in the headers and directory, half anywhere */
            size_t at = trial % 2 ? (size_t)(x % len) : (size_t)(x % 400) + (x >> 40) % 2 * (len - 400);
            unsigned char *b = malloc(len);
            assert_non_null(b);
            memcpy(b, orig, len);
            b[at] ^= (unsigned char)(1u << (x >> 32) % 8);
            write_bytes(p, b, len);
            free(b);
            starc_mdp *m = NULL;
            if (starc_io_mdp_load(p, NULL, &m, &err) == STARC_OK) {
                assert_int_equal(starc_mdp_states(m), DS);
                assert_same_doubles(starc_mdp_transitions(m), T, DS * DA * DS);
                starc_mdp_free(m);
            } else {
                assert_null(m);
                assert_one_line(err.message);
            }
        }
        free(orig);
    }

    /* Rewards: two (64,2,64) files (S*A*S*8 a multiple of the page: mapped). */
    tpath(p, sizeof p, "direct-al.npz");
    write_direct_mdp(p, T, 0, 0);
    starc_mdp *m = NULL;
    assert_ok(starc_io_mdp_load(p, NULL, &m, &err));
    tpath(r1, sizeof r1, "dr1.npy");
    tpath(r2, sizeof r2, "dr2.npy");
    for (int k = 0; k < 2; k++) {
        size_t len;
        unsigned char *b = f8_image("(64, 2, 64)", R + k * DS * DA * DS, DS * DA * DS, &len);
        write_bytes(k ? r2 : r1, b, len);
        free(b);
    }
    starc_io_reward_set rs;
    starc_io_reward_set_init(&rs);
    const char *specs[2] = {r1, r2};
    assert_ok(starc_io_reward_load_many(specs, 2, m, &rs, &err));
    assert_int_equal(rs.n, 2);
    assert_same_doubles(rs.R, R, 2 * DS * DA * DS);
    int mp = mapped_now(r1);
    if (mp >= 0) {
        assert_int_equal(mp, 1);
        assert_int_equal(mapped_now(r2), 1);
    }
    /* Copy on write: the file keeps its values. */
    rs.R[5] = 12345.0;
    starc_npy_array a;
    starc_npy_array_init(&a);
    assert_ok(starc_npy_read(r1, &a, &err));
    assert_same_doubles(a.data, R, DS * DA * DS);
    starc_npy_array_clear(&a);
    /* A third, loaded later, grows the set (a new mapping, the first two copied). */
    assert_ok(starc_io_reward_load(r2, m, &rs, &err));
    assert_int_equal(rs.n, 3);
    assert_true(rs.R[5] == 12345.0);
    assert_same_doubles(rs.R + 2 * DS * DA * DS, R + DS * DA * DS, DS * DA * DS);
    starc_io_reward_set_clear(&rs);
    if (mp >= 0)
        assert_int_equal(mapped_now(r1), 0);

    /* A stored reward member with a flipped bit is refused, as libzip refused it. */
    size_t len;
    unsigned char *b = f8_image("(64, 2, 64)", R, DS * DA * DS, &len);
    zmember rm = {"R7.npy", b, len, 0, 0, 0, 0};
    tpath(q, sizeof q, "direct-r.npz");
    write_zip(q, &rm, 1);
    starc_io_reward_set_init(&rs);
    assert_ok(starc_io_reward_load(q, m, &rs, &err));
    assert_same_doubles(rs.R, R, DS * DA * DS);
    starc_io_reward_set_clear(&rs);
    free(b);
    b = read_bytes(q, &len);
    b[30 + 6 + 128 + 4096 * 3 + 5] ^= 0x01; /* after the local header and R7.npy's prefix */
    write_bytes(q, b, len);
    expect_error(starc_io_reward_load(q, m, &rs, &err), STARC_EFORMAT, &err, q, "member 'R7': CRC error");
    assert_int_equal(rs.n, 0);
    starc_io_reward_set_clear(&rs);
    free(b);
    starc_mdp_free(m);
    free(T);
    free(R);
}

static void test_policy_load(void **state)
{
    (void)state;
    starc_mdp *m = small_mdp();
    starc_error err;
    char p[256];
    double pi[S_ * A_] = {0.5, 0.5, 1, 0, 0.25, 0.75}, out[S_ * A_];
    size_t s2[2] = {S_, A_};
    tpath(p, sizeof p, "pi.npy");
    assert_ok(starc_npy_write(p, 2, s2, pi, &err));
    assert_ok(starc_io_policy_load(p, m, NULL, out, &err));
    assert_same_doubles(out, pi, S_ * A_);

    pi[5] = 0.7;
    tpath(p, sizeof p, "pi-rows.npy");
    assert_ok(starc_npy_write(p, 2, s2, pi, &err));
    char want[600];
    snprintf(want, sizeof want, "%s: policy row 2 sums to", p);
    expect_error(starc_io_policy_load(p, m, NULL, out, &err), STARC_EINVAL, &err, want, NULL);
    pi[5] = 0.75;
    pi[0] = -0.5;
    pi[1] = 1.5;
    tpath(p, sizeof p, "pi-neg.npy");
    assert_ok(starc_npy_write(p, 2, s2, pi, &err));
    expect_error(starc_io_policy_load(p, m, NULL, out, &err), STARC_EINVAL, &err, p, "negative");

    size_t st[2] = {A_, S_};
    tpath(p, sizeof p, "pi-T.npy");
    assert_ok(starc_npy_write(p, 2, st, pi, &err));
    expect_error(starc_io_policy_load(p, m, NULL, out, &err), STARC_EDIM, &err, p,
                 "shape (2,3); expected (S,A) = (3,2)");
    starc_mdp_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),        cmocka_unit_test(test_dtypes),
        cmocka_unit_test(test_fortran),          cmocka_unit_test(test_header_variants),
        cmocka_unit_test(test_rejections),       cmocka_unit_test(test_npz_roundtrip),
        cmocka_unit_test(test_npz_foreign),      cmocka_unit_test(test_npz_deterministic),
        cmocka_unit_test(test_atomic),           cmocka_unit_test(test_mdp_load),
        cmocka_unit_test(test_reward_load),      cmocka_unit_test(test_reward_load_opt),
        cmocka_unit_test(test_policy_load),
        cmocka_unit_test(test_npz_declared_sizes), cmocka_unit_test(test_stream_paths),
        cmocka_unit_test(test_direct_reads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
