/* npy-copy: read numpy files with libstarc and write them back with libstarc,
 * for tests/npy-interop.sh (numpy checks that what we write equals what it
 * wrote).  Not installed.
 *   npy-copy npy IN.npy OUT.npy           starc_npy_read + starc_npy_write
 *   npy-copy npz IN.npz OUT.npz [deflate] every member, in archive order
 *   npy-copy mdp IN.npz OUT.npz           starc_io_mdp_load + starc_io_mdp_save
 *   npy-copy -f OPS.tsv                   one operation per line: OP<TAB>IN<TAB>OUT[<TAB>deflate]
 * Exit status 1 if any operation failed (each failure is reported on stderr). */
#define _POSIX_C_SOURCE 200809L
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starc/npy.h>
#include <starc/io.h>

static int fail(const starc_error *err)
{
    fprintf(stderr, "npy-copy: %s\n", err->message);
    return 1;
}

static int copy_npz(const char *in, const char *out, int compress)
{
    starc_error err;
    starc_npy_npz *z = NULL;
    if (starc_npy_npz_open(in, &z, &err))
        return fail(&err);
    size_t n = starc_npy_npz_count(z);
    starc_npy_array *a = calloc(n ? n : 1, sizeof *a);
    const char **names = calloc(n ? n : 1, sizeof *names);
    int rc = !a || !names;
    for (size_t i = 0; i < n && !rc; i++) {
        starc_npy_array_init(&a[i]);
        names[i] = starc_npy_npz_name(z, i);
        if (starc_npy_npz_read(z, names[i], &a[i], &err))
            rc = fail(&err);
    }
    if (!rc && starc_npy_npz_write(out, n, names, a, compress, &err))
        rc = fail(&err);
    for (size_t i = 0; a && i < n; i++)
        starc_npy_array_clear(&a[i]);
    free(a);
    free(names);
    starc_npy_npz_close(z);
    return rc;
}

static int run(const char *op, const char *in, const char *out, const char *mode)
{
    starc_error err;
    if (strcmp(op, "npy") == 0) {
        starc_npy_array a;
        starc_npy_array_init(&a);
        int rc = starc_npy_read(in, &a, &err) || starc_npy_write(out, a.ndim, a.shape, a.data, &err);
        starc_npy_array_clear(&a);
        return rc ? fail(&err) : 0;
    }
    if (strcmp(op, "npz") == 0)
        return copy_npz(in, out, mode && strcmp(mode, "deflate") == 0);
    if (strcmp(op, "mdp") == 0) {
        starc_mdp *m = NULL;
        int rc = starc_io_mdp_load(in, NULL, &m, &err) || starc_io_mdp_save(out, m, &err);
        starc_mdp_free(m);
        return rc ? fail(&err) : 0;
    }
    fprintf(stderr, "npy-copy: unknown operation '%s'\n", op);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-f") == 0) {
        FILE *f = fopen(argv[2], "r");
        if (!f) {
            perror(argv[2]);
            return 1;
        }
        char line[4096];
        int bad = 0;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            char *field[4] = {NULL, NULL, NULL, NULL}, *save = NULL;
            size_t k = 0;
            for (char *t = strtok_r(line, "\t", &save); t && k < 4; t = strtok_r(NULL, "\t", &save))
                field[k++] = t;
            if (k < 3) {
                fprintf(stderr, "npy-copy: %s: bad line\n", argv[2]);
                bad = 1;
                continue;
            }
            bad |= run(field[0], field[1], field[2], field[3]);
        }
        fclose(f);
        return bad;
    }
    if (argc == 4 || argc == 5)
        return run(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    fprintf(stderr, "usage: npy-copy npy|npz|mdp IN OUT [deflate] | npy-copy -f OPS.tsv\n");
    return 2;
}
