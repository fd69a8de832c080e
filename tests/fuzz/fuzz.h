/* Shared by the libFuzzer harnesses in tests/fuzz/ (built by `make fuzz`).
 *
 * A harness aborts (and libFuzzer saves the input) when a call breaks the
 * library's contract, beyond what AddressSanitizer and UBSan catch by
 * themselves: a status outside starc_error.h's list, a failure without a
 * message, or a message that does not fit on one line (it names files and
 * members that come from the input, and the CLI prints it as one line). */
#ifndef STARC_FUZZ_H
#define STARC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <starc/starc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond, ...) do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
            abort(); \
        } \
    } while (0)

/* The status is a known one; a failure carries a one-line message without
 * control characters. */
static inline void fuzz_check_status(int st, const starc_error *err)
{
    FUZZ_ASSERT(st >= STARC_OK && st <= STARC_EUNDEF, "status %d", st);
    if (st == STARC_OK)
        return;
    FUZZ_ASSERT(err->status == st, "err->status %d, returned %d", err->status, st);
    FUZZ_ASSERT(err->message[0] != '\0', "status %d without a message", st);
    for (const unsigned char *p = (const unsigned char *)err->message; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f, "control character 0x%02x in message \"%s\"", *p, err->message);
}

/* A private directory for the files a harness needs (removed at exit): in
 * $TMPDIR if set, else in /dev/shm (memory, so that writing an input per run
 * costs no disk I/O) when it is writable, else in /tmp. */
static char fuzz_dir[64];

static void fuzz_rmdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
    if (fuzz_dir[0] && system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

static inline const char *fuzz_path(const char *name, char *buf, size_t cap)
{
    if (!fuzz_dir[0]) {
        const char *t = getenv("TMPDIR");
        if (!t || !*t || strlen(t) >= 40)
            t = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/starc-fuzz.XXXXXX", t);
        FUZZ_ASSERT(mkdtemp(fuzz_dir) != NULL, "mkdtemp %s", fuzz_dir);
        atexit(fuzz_rmdir);
    }
    snprintf(buf, cap, "%s/%s", fuzz_dir, name);
    return buf;
}

static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL, "cannot create %s", path);
    FUZZ_ASSERT(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

/* Read every element, so that ASan sees an array shorter than its shape. */
static inline double fuzz_touch(const double *x, size_t n)
{
    volatile double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

/* A small valid MDP (S = 2, A = 2) for the reward and policy loaders. */
static inline starc_mdp *fuzz_mdp(void)
{
    static starc_mdp *m;
    if (!m) {
        const double T[8] = {1, 0, 0.5, 0.5, 0, 1, 0.25, 0.75}, mu0[2] = {0.5, 0.5};
        starc_error err;
        FUZZ_ASSERT(starc_mdp_alloc(2, 2, T, mu0, 0.9, NULL, &m, &err) == STARC_OK, "%s", err.message);
    }
    return m;
}

#endif
