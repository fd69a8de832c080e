/* Loading and saving MDPs, rewards and policies in numpy files (README.md, "Using it";
 * "Data formats").  Built only on the public npy/npz API; every message names
 * the file, and the member when it comes from an archive. */
#define _POSIX_C_SOURCE 200809L
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error-internal.h"
#include "starc/mdp.h"
#include "starc/io.h"
#include "starc/npy.h"
#include "starc/policy.h"
#include "kernels-internal.h"
#include "mdp-internal.h"
#include "npy-internal.h"

/* Put "PREFIX: " in front of the message a callee left in err. */
static int prefix_error(starc_error *err, int status, const char *prefix)
{
    if (err) {
        char msg[STARC_ERROR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", err->message[0] ? err->message : starc_error_string(status));
        starci_error(err, status, "%s: %s", prefix, msg);
    }
    return status;
}

static int npz_has(const starc_npy_npz *z, const char *name)
{
    for (size_t i = 0; i < starc_npy_npz_count(z); i++)
        if (strcmp(starc_npy_npz_name(z, i), name) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ MDPs */

/* An integer member (CSR indices) read as doubles, turned into size_t in place:
 * the stored dtype must be an integer one and every value in [0, 2^53). */
static int to_index(starc_npy_array *a, const char *path, const char *name, size_t **out, starc_error *err)
{
    if (a->dtype[1] != 'i' && a->dtype[1] != 'u')
        return starci_error(err, STARC_EFORMAT, "%s: member '%s' has dtype '%s'; expected an integer dtype", path,
                            name, a->dtype);
    size_t n = starc_npy_array_size(a);
    for (size_t i = 0; i < n; i++) {
        double x = a->data[i];
        if (!(x >= 0.0 && x < 9007199254740992.0))
            return starci_error(err, STARC_EINVAL, "%s: %s[%zu] = %.17g is negative or too large", path, name, i, x);
        size_t v = (size_t)x;
        memcpy(&a->data[i], &v, sizeof v); /* same size (checked at compile time below) */
    }
    *out = (size_t *)(void *)a->data;
    a->data = NULL;
    return STARC_OK;
}

typedef char index_fits_in_double[sizeof(size_t) == sizeof(double) ? 1 : -1];

/* T in CSR form: T_data (nnz,), T_indices (nnz,), T_indptr (S*A+1,), T_shape [S, A, S]. */
static int load_csr(starc_npy_npz *z, const char *path, const starc_mdp_options *opt, starc_npy_array *mu0,
                    double gamma, starc_mdp **out, starc_error *err)
{
    static const char *const nm[] = {"T_data", "T_indices", "T_indptr", "T_shape"};
    starc_npy_array a[4];
    size_t *ip = NULL, *ix = NULL;
    char shp[STARC_NPY_MAXDIM * 22 + 4];
    int st = STARC_OK;
    for (int i = 0; i < 4; i++)
        starc_npy_array_init(&a[i]);
    for (int i = 0; i < 4 && !st; i++)
        st = starc_npy_npz_read(z, nm[i], &a[i], err);
    if (st)
        goto done;
    for (int i = 0; i < 4; i++)
        if (a[i].ndim != 1) {
            starc_npy_array_shape_string(&a[i], shp, sizeof shp);
            st = starci_error(err, STARC_EDIM, "%s: member '%s' has shape %s; expected a 1-d array", path, nm[i], shp);
            goto done;
        }
    const double *sh = a[3].data;
    if (a[3].shape[0] != 3 || !(sh[0] >= 0 && sh[0] < 9007199254740992.0 && sh[1] >= 0 &&
                                sh[1] < 9007199254740992.0) || sh[0] != sh[2] || sh[0] != floor(sh[0]) ||
        sh[1] != floor(sh[1])) {
        st = starci_error(err, STARC_EDIM, "%s: member 'T_shape' must be [S, A, S]", path);
        goto done;
    }
    const size_t S = (size_t)sh[0], A = (size_t)sh[1], nnz = a[0].shape[0];
    size_t rows;
    if (!starci_mul_ok(S, A, &rows) || rows == SIZE_MAX) {
        st = starci_error(err, STARC_EDIM, "%s: S*A+1 overflows for T_shape [%zu, %zu, %zu]", path, S, A, S);
        goto done;
    }
    if (a[1].shape[0] != nnz || a[2].shape[0] != rows + 1) {
        st = starci_error(err, STARC_EDIM, "%s: T_indices has %zu entries and T_indptr %zu; T_data's nnz = %zu "
                          "and S*A+1 = %zu needed", path, a[1].shape[0], a[2].shape[0], nnz, rows + 1);
        goto done;
    }
    if (mu0->ndim != 1 || mu0->shape[0] != S) {
        starc_npy_array_shape_string(mu0, shp, sizeof shp);
        st = starci_error(err, STARC_EDIM, "%s: member 'mu0' has shape %s; expected (S,) = (%zu,)", path, shp, S);
        goto done;
    }
    if ((st = to_index(&a[1], path, "T_indices", &ix, err)) || (st = to_index(&a[2], path, "T_indptr", &ip, err)))
        goto done;
    if ((st = starc_mdp_alloc_csr_adopt(S, A, nnz, ip, ix, a[0].data, mu0->data, gamma, opt, out, err))) {
        prefix_error(err, st, path);
    } else {
        ip = ix = NULL;
        a[0].data = NULL;
        mu0->data = NULL;
    }
done:
    free(ip);
    free(ix);
    for (int i = 0; i < 4; i++)
        starc_npy_array_clear(&a[i]);
    return st;
}

static void crc_scan(void *reader, const void *p, size_t bytes)
{
    starci_npy_reader_crc_scan(reader, p, bytes);
}

/* Dense T, straight into the buffer the MDP keeps: mapped from the archive
 * when it is a stored member at an 8-aligned offset, else read once; a
 * stored member's CRC-32 is computed in the validation pass over T. */
static int load_dense(starc_npy_npz *z, const char *path, const starc_mdp_options *opt, starc_npy_array *mu0,
                      double gamma, starc_mdp **out, starc_error *err)
{
    starci_npy_reader *r = NULL;
    char shp[STARC_NPY_MAXDIM * 22 + 4];
    int st = starci_npy_reader_open_member(z, "T", &r, err);
    if (st)
        return st;
    starc_npy_array T;
    starc_npy_array_init(&T);
    T.ndim = starci_npy_reader_shape(r, T.shape);
    const size_t S = T.shape[0], A = T.ndim == 3 ? T.shape[1] : 0, n = starci_npy_reader_count(r);
    double *data = NULL;
    if (T.ndim != 3 || T.shape[0] != T.shape[2]) {
        starc_npy_array_shape_string(&T, shp, sizeof shp);
        st = starci_error(err, STARC_EDIM, "%s: member 'T' has shape %s; expected (S,A,S)", path, shp);
    } else if (mu0->ndim != 1 || mu0->shape[0] != S) {
        starc_npy_array_shape_string(mu0, shp, sizeof shp);
        st = starci_error(err, STARC_EDIM, "%s: member 'mu0' has shape %s; expected (S,) = (%zu,)", path, shp, S);
    } else if (!(data = starci_npy_dalloc_mapped(n, starci_npy_reader_phase(r)))) {
        st = starci_error(err, STARC_ENOMEM, "%s: member 'T': out of memory for %zu elements", path, n);
    } else if (!(st = starci_npy_reader_read_direct(r, data, 1, 1, err))) {
        const starci_mdp_hold hold = {1, crc_scan, r};
        if ((st = starci_mdp_alloc_adopt_held(S, A, data, mu0->data, gamma, opt, &hold, out, err))) {
            /* Refused values may be corrupted or unread ones: say so when
             * they are (the CRC's or the read's own error and status). */
            const int vst = starci_npy_reader_crc_check(r, err);
            if (!vst)
                prefix_error(err, st, path);
            else
                st = vst;
        } else {
            data = NULL;
            mu0->data = NULL;
            if ((st = starci_npy_reader_crc_check(r, err))) {
                starc_mdp_free(*out);
                *out = NULL;
            }
        }
    }
    starci_npy_dfree_mapped(data, n);
    starci_npy_reader_close(r);
    return st;
}

int starc_io_mdp_load(const char *path, const starc_mdp_options *opt, starc_mdp **out, starc_error *err)
{
    if (!path || !out)
        return starci_error(err, STARC_EINVAL, "starc_io_mdp_load: NULL argument");
    *out = NULL;
    starc_npy_npz *z = NULL;
    int st = starc_npy_npz_open(path, &z, err);
    if (st)
        return st;
    /* Dense T, or T in CSR form when the archive has T_data and no T. */
    const int csr = !npz_has(z, "T") && npz_has(z, "T_data");
    static const char *const need[] = {"T", "mu0", "gamma"};
    static const char *const need_csr[] = {"T_data", "T_indices", "T_indptr", "T_shape", "mu0", "gamma"};
    const char *const *nd = csr ? need_csr : need;
    char missing[96] = "";
    for (size_t i = 0; i < (csr ? 6u : 3u); i++)
        if (!npz_has(z, nd[i])) {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof missing - l, "%s'%s'", l ? ", " : "", nd[i]);
        }
    if (missing[0]) {
        starc_npy_npz_close(z);
        if (csr)
            return starci_error(err, STARC_EFORMAT, "%s: missing member %s; a sparse MDP .npz needs T_data (nnz,), "
                                "T_indices (nnz,), T_indptr (S*A+1,), T_shape [S,A,S], mu0 (S,) and gamma ()", path,
                                missing);
        return starci_error(err, STARC_EFORMAT, "%s: missing member %s; an MDP .npz needs T (S,A,S), mu0 (S,) "
                            "and gamma ()", path, missing);
    }
    starc_npy_array mu0, g;
    starc_npy_array_init(&mu0);
    starc_npy_array_init(&g);
    char shp[STARC_NPY_MAXDIM * 22 + 4];
    if ((st = starc_npy_npz_read(z, "mu0", &mu0, err)) || (st = starc_npy_npz_read(z, "gamma", &g, err)))
        goto done;
    if (!(g.ndim == 0 || (g.ndim == 1 && g.shape[0] == 1))) {
        starc_npy_array_shape_string(&g, shp, sizeof shp);
        st = starci_error(err, STARC_EDIM, "%s: member 'gamma' has shape %s; expected () or (1,)", path, shp);
        goto done;
    }
    if (csr) {
        st = load_csr(z, path, opt, &mu0, g.data[0], out, err);
        goto done;
    }
    st = load_dense(z, path, opt, &mu0, g.data[0], out, err);
done:
    starc_npy_array_clear(&mu0);
    starc_npy_array_clear(&g);
    starc_npy_npz_close(z);
    return st;
}

/* A sparse MDP: T_data, T_indices and T_indptr (int64), T_shape (int64), mu0, gamma. */
static int save_csr(const char *path, const starc_mdp *m, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), nnz = starc_mdp_nnz(m);
    const size_t *ip, *ix;
    const double *dt;
    starc_mdp_csr(m, &ip, &ix, &dt);
    double gamma = starc_mdp_gamma(m), shape[3] = {(double)S, (double)A, (double)S};
    double *dix = starci_dalloc(nnz ? nnz : 1), *dip = starci_dalloc(S * A + 1);
    if (!dix || !dip) {
        free(dix);
        free(dip);
        return starci_error(err, STARC_ENOMEM, "%s: out of memory", path);
    }
    for (size_t k = 0; k < nnz; k++)
        dix[k] = (double)ix[k];
    for (size_t r = 0; r <= S * A; r++)
        dip[r] = (double)ip[r];
    static const char *const names[] = {"T_data", "T_indices", "T_indptr", "T_shape", "mu0", "gamma"};
    starc_npy_array a[6];
    for (size_t i = 0; i < 6; i++)
        starc_npy_array_init(&a[i]);
    const size_t len[4] = {nnz, nnz, S * A + 1, 3};
    double *data[4] = {(double *)dt, dix, dip, shape};
    for (size_t i = 0; i < 4; i++) {
        a[i].ndim = 1;
        a[i].shape[0] = len[i];
        a[i].data = data[i];
        if (i > 0)
            snprintf(a[i].dtype, sizeof a[i].dtype, "<i8");
    }
    a[4].ndim = 1;
    a[4].shape[0] = S;
    a[4].data = (double *)starc_mdp_initial(m);
    a[5].ndim = 0;
    a[5].data = &gamma;
    int st = starc_npy_npz_write(path, 6, names, a, 0, err);
    free(dix);
    free(dip);
    return st;
}

int starc_io_mdp_save(const char *path, const starc_mdp *m, starc_error *err)
{
    if (!path || !m)
        return starci_error(err, STARC_EINVAL, "starc_io_mdp_save: NULL argument");
    if (starc_mdp_is_sparse(m))
        return save_csr(path, m, err);
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double gamma = starc_mdp_gamma(m);
    static const char *const names[] = {"T", "mu0", "gamma"};
    starc_npy_array a[3];
    for (size_t i = 0; i < 3; i++)
        starc_npy_array_init(&a[i]);
    /* starc_npy_npz_write only reads the arrays: lending it the MDP's const data
     * through the non-const field avoids copying T. */
    a[0].ndim = 3;
    a[0].shape[0] = S;
    a[0].shape[1] = A;
    a[0].shape[2] = S;
    a[0].data = (double *)starc_mdp_transitions(m);
    a[1].ndim = 1;
    a[1].shape[0] = S;
    a[1].data = (double *)starc_mdp_initial(m);
    a[2].ndim = 0;
    a[2].data = &gamma;
    return starc_npy_npz_write(path, 3, names, a, 0, err);
}

/* ------------------------------------------------------------------ rewards */

void starc_io_reward_set_init(starc_io_reward_set *rs)
{
    if (rs) {
        rs->n = 0;
        rs->names = NULL;
        rs->R = NULL;
        rs->layout = NULL;
        rs->given = NULL;
        rs->R_mapped = 0;
    }
}

void starc_io_reward_set_clear(starc_io_reward_set *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->names[i]);
        free(rs->given[i]);
    }
    free(rs->names);
    if (rs->R_mapped)
        starci_npy_dfree_mapped(rs->R, rs->R_mapped);
    else
        free(rs->R);
    free(rs->layout);
    free(rs->given);
    starc_io_reward_set_init(rs);
}

/* "dir/r1.npy" -> "r1": the base name without its last extension. */
static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, base, n);
        s[n] = '\0';
    }
    return s;
}

/* Reward names become TSV columns and rows, JSON keys and notebook labels, so
 * a name holding a control character (tab, newline, carriage return, escape,
 * ...) would corrupt every table it enters.  Such names are refused when the
 * reward is loaded. */
static int check_reward_name(const char *name, const char *where, const char *fix, starc_error *err)
{
    const unsigned char *p = (const unsigned char *)name;
    while (*p && *p >= 0x20 && *p != 0x7f)
        p++;
    if (!*p)
        return STARC_OK;
    char shown_where[256], shown[128];
    starci_npy_escape(shown_where, sizeof shown_where, where);
    starci_npy_escape(shown, sizeof shown, name);
    return starci_error(err, STARC_EFORMAT, "%s: reward name \"%s\" holds a control character (tab, newline, ...), "
                        "which would corrupt tables; %s", shown_where, shown, fix);
}

/* 1 if the file starts like a zip archive, 0 if not, -1 (err set) if unreadable. */
static int sniff_zip(const char *path, starc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        starci_error(err, STARC_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    unsigned char b[4] = {0};
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    return n == 4 && b[0] == 'P' && b[1] == 'K' && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

/* Read one reward (the file path, or member name of z) into slot R (S*A*S
 * doubles), each value written once: an (S,A,S) array is read straight into
 * the slot (its whole pages mapped from the file when mapped says the slot is
 * in a set's mapping and the layout allows), an (S,) or (S,A) one is read and
 * expanded into it.  Messages name disp.  o: keep_shape, check_finite as in
 * starc_io_reward_options. */
static int read_reward(const starc_mdp *m, starc_npy_npz *z, const char *name, const char *disp,
                       const starc_io_reward_options *o, int mapped, double *R, starc_io_reward_layout *layout,
                       double **given, starc_error *err)
{
    const int keep = o->keep_shape;
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    *layout = STARC_IO_REWARD_FULL;
    *given = NULL;
    starci_npy_reader *r = NULL;
    int st = z ? starci_npy_reader_open_member(z, name, &r, err) : starci_npy_reader_open_file(name, &r, err);
    if (st)
        return st;
    starc_npy_array a;
    starc_npy_array_init(&a);
    a.ndim = starci_npy_reader_shape(r, a.shape);
    int expanding = 0;
    const int full = starc_mdp_is_sparse(m) ? a.ndim == 1 && a.shape[0] == starc_mdp_nnz(m) && a.shape[0] != S
                                            : a.ndim == 3 && a.shape[0] == S && a.shape[1] == A && a.shape[2] == S;
    if (full) {
        /* Read in place; the expansion then only checks the values.  On a
         * dense MDP a streaming sum of |R| (vectorised, the data still warm
         * from the read) proves every entry finite when it is finite itself;
         * only when it is not (a non-finite entry, or an overflowing sum) does
         * the expansion's scalar check run and name the entry.  Without
         * check_finite that proof is left to the first pass that reads R. */
        if (!(st = starci_npy_reader_read_direct(r, R, mapped, 0, err)) &&
            (starc_mdp_is_sparse(m) || (o->check_finite && !isfinite(k_sumabs(R, starc_mdp_reward_size(m)))))) {
            expanding = 1;
            st = starc_mdp_reward_expand(m, a.ndim, a.shape, R, R, err);
        }
    } else {
        /* Small (or mis-shaped, which the expansion refuses). */
        size_t n = starci_npy_reader_count(r);
        if (!(a.data = starci_npy_dalloc_big(n))) {
            st = starci_error(err, STARC_ENOMEM, "%s: out of memory for %zu elements", disp, n);
        } else if (!(st = starci_npy_reader_read(r, a.data, err))) {
            expanding = 1;
            /* keep: an (S,) or (S,A) reward with finite values stays in its
             * shape and its slot is not written; anything else goes through
             * the expansion, which names what is wrong. */
            const int shaped = (a.ndim == 1 && a.shape[0] == S) || (a.ndim == 2 && a.shape[0] == S && a.shape[1] == A);
            if (!(keep && shaped && isfinite(k_sumabs(a.data, n))))
                st = starc_mdp_reward_expand(m, a.ndim, a.shape, a.data, R, err);
            if (!st) {
                /* An (S,) or (S,A) reward: keep the values as given. */
                *layout = a.ndim == 1 ? STARC_IO_REWARD_STATE : STARC_IO_REWARD_STATE_ACTION;
                *given = a.data;
                a.data = NULL;
            }
        }
    }
    if (st && expanding)
        prefix_error(err, st, disp);
    starc_npy_array_clear(&a);
    starci_npy_reader_close(r);
    return st;
}

/* One reward spec, opened: the file, the member it names (or NULL for every
 * member), the archive when it is one, and how many rewards it holds. */
typedef struct reward_spec {
    char *file;
    const char *key;
    int zipped;
    starc_npy_npz *z;
    size_t want;
} reward_spec;

static void spec_close(reward_spec *p)
{
    starc_npy_npz_close(p->z);
    free(p->file);
    memset(p, 0, sizeof *p);
}

static int spec_open(const char *spec, reward_spec *p, starc_error *err)
{
    memset(p, 0, sizeof *p);
    /* FILE.npz:KEY, unless SPEC as a whole names a file (paths may contain ':'). */
    if (!(p->file = strdup(spec)))
        return starci_error(err, STARC_ENOMEM, "out of memory");
    struct stat sb;
    char *colon = strrchr(p->file, ':');
    int st = STARC_OK;
    if (stat(spec, &sb) != 0 && colon && colon != p->file) {
        *colon = '\0';
        p->key = colon + 1;
        if (!*p->key)
            st = starci_error(err, STARC_EINVAL, "%s: empty member name after ':'", spec);
    }
    if (!st && (p->zipped = sniff_zip(p->file, err)) < 0)
        st = STARC_EIO;
    if (!st && !p->zipped && p->key)
        st = starci_error(err, STARC_EINVAL, "%s: is not a .npz archive, so it has no member '%s'", p->file, p->key);
    if (!st && p->zipped)
        st = starc_npy_npz_open(p->file, &p->z, err);
    if (!st) {
        p->want = !p->zipped || p->key ? 1 : starc_npy_npz_count(p->z);
        if (p->want == 0)
            st = starci_error(err, STARC_EFORMAT, "%s: archive has no .npy members", p->file);
    }
    if (st)
        spec_close(p);
    return st;
}

/* Read the p->want rewards of p into R (p->want * size doubles) and their
 * names, layouts and given values into names, layout, given[0 .. p->want). */
static int spec_read(const reward_spec *p, const starc_mdp *m, const starc_io_reward_options *o, int mapped, double *R,
                     char **names, starc_io_reward_layout *layout, double **given, starc_error *err)
{
    const size_t SAS = starc_mdp_reward_size(m);
    const char *file = p->file;
    for (size_t i = 0; i < p->want; i++) {
        const char *nm = !p->zipped ? file : p->key ? p->key : starc_npy_npz_name(p->z, i);
        int st;
        if (p->zipped && (st = check_reward_name(nm, file, "rename the archive member", err)))
            return st;
        char *disp = NULL;
        if (p->zipped) {
            size_t dl = strlen(file) + strlen(nm) + 2;
            if (!(disp = malloc(dl)))
                return starci_error(err, STARC_ENOMEM, "out of memory");
            snprintf(disp, dl, "%s:%s", file, nm);
        }
        st = read_reward(m, p->zipped ? p->z : NULL, p->zipped ? nm : file, disp ? disp : file, o, mapped,
                         R + i * SAS, &layout[i], &given[i], err);
        free(disp);
        if (st)
            return st;
        if (!(names[i] = p->zipped ? strdup(nm) : file_stem(file)))
            return starci_error(err, STARC_ENOMEM, "out of memory");
        if (!p->zipped && (st = check_reward_name(names[i], file, "rename the file", err)))
            return st;
    }
    return STARC_OK;
}

/* Where a reward set's values start in a page: np.save's prefix is 128 bytes
 * for every header of up to 117 characters (any 1-3-d shape of sane size),
 * so the slot of reward k sits where file k's values sit in their pages when
 * S*A*S*8 is a multiple of the page size (S a multiple of 8, ...), and its
 * whole pages are mapped from the file (starci_npy_reader_read_direct). */
#define SET_PHASE 128

/* Make room for `more` rewards after the rs->n loaded ones (rs->n unchanged);
 * returns where they go.  The rewards are then read or mapped straight into
 * place: the set's values are one private mapping (rs->R_mapped). */
static double *reward_room(starc_io_reward_set *rs, size_t more, size_t SAS, const char *what, starc_error *err)
{
    size_t tot;
    if (!starci_mul_ok(rs->n + more, SAS, &tot) || tot > SIZE_MAX / sizeof(double) ||
        rs->n + more > SIZE_MAX / sizeof(char *)) {
        starci_error(err, STARC_ENOMEM, "%s: too many rewards", what);
        return NULL;
    }
    const int map = rs->n == 0 || rs->R_mapped;
    double *R = map ? starci_npy_dalloc_mapped(tot, SET_PHASE) : realloc(rs->R, tot * sizeof(double));
    if (!R) {
        starci_error(err, STARC_ENOMEM, "%s: out of memory for %zu rewards", what, more);
        return NULL;
    }
    if (map && rs->n)
        memcpy(R, rs->R, rs->n * SAS * sizeof(double));
    if (rs->R_mapped)
        starci_npy_dfree_mapped(rs->R, rs->R_mapped);
    else if (map)
        free(rs->R);
    rs->R = R;
    rs->R_mapped = map ? tot : 0;
    return R + rs->n * SAS;
}

/* Read specs p[0 .. n) (opened, holding tot rewards) into rs, atomically. */
static int specs_read(reward_spec *p, size_t n, size_t tot, const starc_mdp *m, const starc_io_reward_options *o,
                      starc_io_reward_set *rs, starc_error *err)
{
    const size_t SAS = starc_mdp_reward_size(m);
    if (tot == 0)
        return STARC_OK;
    char **names = calloc(tot, sizeof *names);
    double **given = calloc(tot, sizeof *given);
    starc_io_reward_layout *layout = calloc(tot, sizeof *layout);
    if (!names || !given || !layout) {
        free(names), free(given), free(layout);
        return starci_error(err, STARC_ENOMEM, "out of memory for %zu rewards", tot);
    }
    double *R = reward_room(rs, tot, SAS, p[0].file, err);
    int st = R ? STARC_OK : STARC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n && !st; i++) {
        st = spec_read(&p[i], m, o, rs->R_mapped != 0, R + k * SAS, names + k, layout + k, given + k, err);
        k += p[i].want;
    }
    char **nn = st ? NULL : realloc(rs->names, (rs->n + tot) * sizeof(char *));
    if (nn)
        rs->names = nn;
    double **ng = nn ? realloc(rs->given, (rs->n + tot) * sizeof(double *)) : NULL;
    if (ng)
        rs->given = ng;
    starc_io_reward_layout *nl = ng ? realloc(rs->layout, (rs->n + tot) * sizeof *nl) : NULL;
    if (nl)
        rs->layout = nl;
    if (!st && !nl)
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    if (!st) {
        memcpy(rs->names + rs->n, names, tot * sizeof *names);
        memcpy(rs->given + rs->n, given, tot * sizeof *given);
        memcpy(rs->layout + rs->n, layout, tot * sizeof *layout);
        rs->n += tot;
    } else {
        for (size_t i = 0; i < tot; i++) {
            free(names[i]);
            free(given[i]);
        }
    }
    free(names);
    free(given);
    free(layout);
    return st;
}

static int load_many(const char *const *specs, size_t n, const starc_mdp *m, const starc_io_reward_options *o,
                     starc_io_reward_set *rs, starc_error *err)
{
    reward_spec *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    /* First open every spec and count its rewards, so that the set grows
     * once; a spec that fails to open is reported after the ones before it
     * have been read (their errors first, as one call per spec would). */
    size_t opened = 0, tot = 0;
    int st = STARC_OK, open_st = STARC_OK;
    starc_error open_err;
    starc_error_clear(&open_err);
    for (; opened < n; opened++) {
        if ((open_st = spec_open(specs[opened], &p[opened], &open_err)))
            break;
        if (tot > SIZE_MAX - p[opened].want) {
            open_st = starci_error(&open_err, STARC_ENOMEM, "%s: too many rewards", specs[opened]);
            spec_close(&p[opened]);
            break;
        }
        tot += p[opened].want;
    }
    st = specs_read(p, opened, tot, m, o, rs, err);
    if (!st && open_st) {
        /* All or nothing: drop the rewards read before the failing spec. */
        for (size_t i = rs->n - tot; i < rs->n; i++) {
            free(rs->names[i]);
            free(rs->given[i]);
        }
        rs->n -= tot;
        st = open_st;
        if (err)
            *err = open_err;
    }
    for (size_t i = 0; i < opened; i++)
        spec_close(&p[i]);
    free(p);
    return st;
}

void starc_io_reward_options_default(starc_io_reward_options *o)
{
    o->keep_shape = 0;
    o->check_finite = 1;
}

/* The loaders' common entry: arguments checked, messages naming fn. */
static int load_checked(const char *fn, const char *const *specs, size_t n, const starc_mdp *m,
                        const starc_io_reward_options *o, starc_io_reward_set *rs, starc_error *err)
{
    if ((!specs && n) || !m || !rs)
        return starci_error(err, STARC_EINVAL, "%s: NULL argument", fn);
    for (size_t i = 0; i < n; i++)
        if (!specs[i])
            return starci_error(err, STARC_EINVAL, "%s: NULL argument", fn);
    return load_many(specs, n, m, o, rs, err);
}

int starc_io_reward_load_many_opt(const char *const *specs, size_t n, const starc_mdp *m,
                                  const starc_io_reward_options *opt, starc_io_reward_set *rs, starc_error *err)
{
    starc_io_reward_options def;
    if (!opt) {
        starc_io_reward_options_default(&def);
        opt = &def;
    }
    return load_checked("starc_io_reward_load_many_opt", specs, n, m, opt, rs, err);
}

int starc_io_reward_load_many(const char *const *specs, size_t n, const starc_mdp *m, starc_io_reward_set *rs,
                              starc_error *err)
{
    starc_io_reward_options o;
    starc_io_reward_options_default(&o);
    return load_checked("starc_io_reward_load_many", specs, n, m, &o, rs, err);
}

int starc_io_reward_load_shaped(const char *const *specs, size_t n, const starc_mdp *m, starc_io_reward_set *rs,
                                starc_error *err)
{
    starc_io_reward_options o;
    starc_io_reward_options_default(&o);
    o.keep_shape = 1;
    return load_checked("starc_io_reward_load_shaped", specs, n, m, &o, rs, err);
}

int starc_io_reward_load(const char *spec, const starc_mdp *m, starc_io_reward_set *rs, starc_error *err)
{
    if (!spec || !m || !rs)
        return starci_error(err, STARC_EINVAL, "starc_io_reward_load: NULL argument");
    return starc_io_reward_load_many(&spec, 1, m, rs, err);
}

/* ------------------------------------------------------------------ policies */

int starc_io_policy_load(const char *path, const starc_mdp *m, const starc_policy_options *opt, double *pi,
                         starc_error *err)
{
    if (!path || !m || !pi)
        return starci_error(err, STARC_EINVAL, "starc_io_policy_load: NULL argument");
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_npy_array a;
    starc_npy_array_init(&a);
    int st = starc_npy_read(path, &a, err);
    if (st)
        return st;
    if (a.ndim != 2 || a.shape[0] != S || a.shape[1] != A) {
        char shp[STARC_NPY_MAXDIM * 22 + 4];
        starc_npy_array_shape_string(&a, shp, sizeof shp);
        st = starci_error(err, STARC_EDIM, "%s: policy has shape %s; expected (S,A) = (%zu,%zu)", path, shp, S, A);
    } else if ((st = starc_policy_validate(m, a.data, opt, err))) {
        prefix_error(err, st, path);
    } else {
        memcpy(pi, a.data, S * A * sizeof(double));
    }
    starc_npy_array_clear(&a);
    return st;
}
