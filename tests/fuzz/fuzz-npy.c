/* libFuzzer harness: the .npy reader, starc_npy_read_buffer().
 *
 * Input: the bytes of a .npy file.  Beyond ASan/UBSan, it checks that a
 * failure has a one-line message, and that an array that was read has the
 * elements its shape promises and survives starc_npy_write() and a second
 * read bit for bit (shape, values, including NaN payloads and -0). */
#include <config.h>
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    starc_npy_array a, b;
    starc_npy_array_init(&a);
    starc_npy_array_init(&b);
    starc_error err;
    starc_error_clear(&err);
    int st = starc_npy_read_buffer(data, size, "fuzz.npy", &a, &err);
    fuzz_check_status(st, &err);
    if (st != STARC_OK) {
        FUZZ_ASSERT(a.data == NULL && a.ndim == 0, "a failed read changed the output array");
        return 0;
    }
    FUZZ_ASSERT(a.ndim <= STARC_NPY_MAXDIM, "ndim %zu", a.ndim);
    FUZZ_ASSERT(a.data != NULL, "no data");
    size_t n = starc_npy_array_size(&a);
    fuzz_touch(a.data, n);

    char path[128];
    fuzz_path("rt.npy", path, sizeof path);
    st = starc_npy_write(path, a.ndim, a.shape, a.data, &err);
    FUZZ_ASSERT(st == STARC_OK, "writing back what was read: %s", err.message);
    st = starc_npy_read(path, &b, &err);
    FUZZ_ASSERT(st == STARC_OK, "reading back what was written: %s", err.message);
    FUZZ_ASSERT(b.ndim == a.ndim && memcmp(b.shape, a.shape, a.ndim * sizeof a.shape[0]) == 0, "shape changed");
    FUZZ_ASSERT(memcmp(a.data, b.data, n * sizeof(double)) == 0, "values changed in a round trip");
    starc_npy_array_clear(&a);
    starc_npy_array_clear(&b);
    return 0;
}
