/* libFuzzer harness: the .npz reader (libzip) and the loaders built on it,
 * on raw archive bytes: starc_npy_npz_open, starc_npy_npz_read of every member (and
 * of one that is not there), starc_io_mdp_load, starc_io_reward_load of the whole
 * archive against a fixed 2-state, 2-action MDP.
 *
 * The input goes to a file, since these take paths.  Beyond ASan/UBSan (and
 * libFuzzer's -malloc_limit_mb, which catches an allocation sized by a lying
 * zip directory), it checks the statuses and one-line messages, that a loaded
 * MDP has the shape of its members, and that reward names hold no control
 * characters (they become TSV rows and columns). */
#include <config.h>
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_mdp();
    return 0;
}

static void check_names(const starc_io_reward_set *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        for (const unsigned char *p = (const unsigned char *)rs->names[i]; *p; p++)
            FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f, "reward name %zu holds 0x%02x", i, *p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    fuzz_path("in.npz", path, sizeof path);
    fuzz_write_file(path, data, size);
    starc_error err;
    starc_error_clear(&err);

    starc_npy_npz *z = NULL;
    int st = starc_npy_npz_open(path, &z, &err);
    fuzz_check_status(st, &err);
    if (st == STARC_OK) {
        starc_npy_array a;
        starc_npy_array_init(&a);
        for (size_t i = 0; i < starc_npy_npz_count(z); i++) {
            const char *name = starc_npy_npz_name(z, i);
            FUZZ_ASSERT(name != NULL, "member %zu has no name", i);
            st = starc_npy_npz_read(z, name, &a, &err);
            fuzz_check_status(st, &err);
            if (st == STARC_OK)
                fuzz_touch(a.data, starc_npy_array_size(&a));
        }
        FUZZ_ASSERT(starc_npy_npz_name(z, starc_npy_npz_count(z)) == NULL, "a name past the end");
        st = starc_npy_npz_read(z, "no such member", &a, &err);
        FUZZ_ASSERT(st == STARC_EFORMAT, "reading a missing member: status %d", st);
        fuzz_check_status(st, &err);
        starc_npy_array_clear(&a);
        starc_npy_npz_close(z);
    }

    starc_mdp *m = NULL;
    st = starc_io_mdp_load(path, NULL, &m, &err);
    fuzz_check_status(st, &err);
    FUZZ_ASSERT((st == STARC_OK) == (m != NULL), "status %d with mdp %p", st, (void *)m);
    if (m) {
        size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
        fuzz_touch(starc_mdp_transitions(m), S * A * S);
        fuzz_touch(starc_mdp_initial(m), S);
        starc_mdp_free(m);
    }

    starc_io_reward_set rs;
    starc_io_reward_set_init(&rs);
    st = starc_io_reward_load(path, fuzz_mdp(), &rs, &err);
    fuzz_check_status(st, &err);
    FUZZ_ASSERT(st == STARC_OK || rs.n == 0, "a failed load added %zu rewards", rs.n);
    check_names(&rs);
    fuzz_touch(rs.R, rs.n * 8);
    starc_io_reward_set_clear(&rs);
    return 0;
}
