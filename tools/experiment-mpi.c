/* The MPI driver of starc experiment (configure --with-mpi): started by
 * mpirun or srun, the ranks split the MDPs as the shards of --shard would
 * (shard_range with N = the number of ranks), each runs its slice on --jobs
 * threads, and rank 0 gathers every rank's pairs.tsv rows and points and
 * writes exactly the single run's files; the other ranks write nothing.
 *
 * Diagnostics: ranks other than 0 capture their stderr; after each phase the
 * ranks agree on the outcome, and when a rank failed, rank 0 prints the first
 * failing rank's one line and every rank exits with its status.  Rank 0 shows
 * the progress of its own slice.  Without MPI this file only says that no
 * launcher is present. */
#include <config.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"

#ifndef HAVE_MPI

int exp_mpi_launched(void)
{
    return 0;
}

int exp_run_mpi(const exp_args *a, const scatter_spec *sc)
{
    (void)sc;
    return cli_fail(a->cmd, "this starc was built without MPI (configure --with-mpi)");
}

#else
#include <mpi.h>

int exp_mpi_launched(void)
{
    /* Open MPI's mpirun, and PMI/PMIx launchers (srun, MPICH's hydra); a plain
     * starc never calls MPI_Init */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", NULL};
    for (int i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

/* Elements each rank sends per round of the points' gather: the root's round
 * buffer holds size x this many doubles (128 MiB in all by default) and every
 * count and displacement of MPI_Gatherv stays below INT_MAX.  The environment
 * variable STARC_MPI_GATHER_CHUNK overrides it (the tests make it small to run
 * many rounds). */
#define GATHER_ROUND_TOTAL ((size_t)1 << 24)

typedef struct mpi_run {
    const exp_args *a;
    int rank, size;
    size_t begin, end;   /* this rank's MDPs */
    int saved_stderr;    /* ranks > 0: stderr while diagnostics are captured (-1: not captured) */
    FILE *captured;      /* ranks > 0: the captured diagnostics */
} mpi_run;

/* Ranks > 0: stderr into a temporary file, so that one line is printed in all. */
static void capture_stderr(mpi_run *m)
{
    m->saved_stderr = -1;
    if (m->rank == 0 || !(m->captured = tmpfile()))
        return;
    fflush(stderr);
    m->saved_stderr = dup(2);
    if (m->saved_stderr < 0 || dup2(fileno(m->captured), 2) < 0) {
        fclose(m->captured);
        m->captured = NULL;
    }
}

static void release_stderr(mpi_run *m)
{
    if (m->saved_stderr >= 0) {
        fflush(stderr);
        dup2(m->saved_stderr, 2);
        close(m->saved_stderr);
    }
    if (m->captured)
        fclose(m->captured);
}

/* The first line this rank captured (or a generic one), into buf. */
static void captured_line(mpi_run *m, char *buf, int len)
{
    buf[0] = '\0';
    fflush(stderr);
    if (m->captured && fseek(m->captured, 0, SEEK_SET) == 0 && fgets(buf, len, m->captured))
        buf[strcspn(buf, "\n")] = '\0';
    if (!buf[0])
        snprintf(buf, (size_t)len, "starc %s: MPI rank %d failed", m->a->cmd, m->rank);
}

/* After a phase: EXIT_OK when every rank's rc is; otherwise rank 0 prints the
 * first failing rank's line (its own is already on stderr) and every rank
 * returns that rank's status. */
static int agree(mpi_run *m, int rc)
{
    int bad = rc ? m->rank : m->size, first = m->size;
    MPI_Allreduce(&bad, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == m->size)
        return EXIT_OK;
    int status = rc;
    MPI_Bcast(&status, 1, MPI_INT, first, MPI_COMM_WORLD);
    char line[4096];
    if (first != 0 && m->rank == first) {
        captured_line(m, line, (int)sizeof line);
        MPI_Send(line, (int)strlen(line) + 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    } else if (first != 0 && m->rank == 0) {
        MPI_Recv(line, (int)sizeof line, MPI_CHAR, first, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        line[sizeof line - 1] = '\0';
        fprintf(stderr, "%s\n", line);
    }
    return status;
}

/* Every rank launched with rank 0's study: EXIT_OK or this rank's one line. */
static int check_same_study(mpi_run *m, const scatter_spec *sc)
{
    static char root[16384]; /* the settings are a few hundred bytes (scatter: at most 16 names) */
    json_t *j = exp_settings(m->a, sc);
    char *mine = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    unsigned long long len = mine ? strlen(mine) + 1 : 0;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD); /* every rank takes the same branch */
    if (len == 0 || len > sizeof root) {
        free(mine);
        return cli_fail(m->a->cmd, "MPI rank %d: cannot compare the study's options", m->rank);
    }
    if (m->rank == 0)
        memcpy(root, mine, len);
    MPI_Bcast(root, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD);
    int rc = EXIT_OK;
    if (!mine)
        rc = cli_fail(m->a->cmd, "MPI rank %d: out of memory", m->rank);
    else if (strcmp(mine, root) != 0)
        rc = cli_usage(m->a->cmd, "MPI rank %d: its study options differ from rank 0's; launch every rank with "
                       "the same command", m->rank);
    free(mine);
    return rc;
}

/* What an MPI run cannot do, said by every rank (rank 0's line is shown). */
static int check_launch(const exp_args *a)
{
    if (a->shard.n)
        return cli_usage(a->cmd, "option --shard: not under an MPI launcher (the ranks split the study by themselves)");
    if (a->merge)
        return cli_usage(a->cmd, "option --merge: not under an MPI launcher; run it without mpirun/srun");
    if (a->save_data)
        return cli_usage(a->cmd, "option --save-data: not under an MPI launcher (only rank 0 writes); use --shard "
                         "for a run that saves the MDPs");
    return EXIT_OK;
}

/* Threads per rank: --jobs, else the node's CPUs shared among its ranks. */
static int threads_per_rank(const exp_args *a)
{
    if (a->jobs)
        return (int)a->jobs;
    MPI_Comm node;
    int local = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long t = (cpus > 0 ? cpus : 1) / (local > 0 ? local : 1);
    return t > 0 ? (int)t : 1;
}

/* ------------------------------------------------------------ gathering */

/* This rank's points as rows of (regret, every variant), into *rows (malloc'd; NULL for none). */
static int pack_rows(const exp_args *a, const starc_study *s, double **rows, size_t *count)
{
    const size_t NV = starc_study_nvariants(), cols = 1 + NV, N = s ? starc_study_npoints(s) : 0;
    *count = N * cols;
    *rows = NULL;
    if (!N)
        return EXIT_OK;
    if (!(*rows = malloc(N * cols * sizeof(double))))
        return cli_fail(a->cmd, "out of memory");
    for (size_t i = 0; i < N; i++)
        (*rows)[i * cols] = starc_study_regrets(s)[i];
    for (size_t v = 0; v < NV; v++) {
        const double *x = starc_study_values(s, v);
        for (size_t i = 0; i < N; i++)
            (*rows)[i * cols + 1 + v] = x[i];
    }
    return EXIT_OK;
}

static size_t gather_chunk(int size)
{
    size_t c = GATHER_ROUND_TOTAL / (size_t)size;
    const char *env = getenv("STARC_MPI_GATHER_CHUNK");
    if (env && *env)
        c = (size_t)strtoull(env, NULL, 10);
    if (c > (size_t)INT_MAX / (size_t)size)
        c = (size_t)INT_MAX / (size_t)size;
    return c ? c : 1;
}

/* Rows (point-major, as pack_rows) of every rank into rank 0's regrets reg and
 * variant-major values val (N points): MPI_Gatherv in rounds of at most
 * gather_chunk() elements per rank. */
static int gather_points(mpi_run *m, const double *rows, size_t count, double *reg, double *val, size_t N)
{
    const size_t cols = 1 + starc_study_nvariants(), per = m->a->o.pairs * m->a->o.steps;
    const size_t chunk = gather_chunk(m->size);
    unsigned long long mine = count, most = 0;
    MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    unsigned long long *all = m->rank == 0 ? malloc((size_t)m->size * sizeof *all) : NULL;
    int *counts = m->rank == 0 ? malloc((size_t)m->size * sizeof *counts) : NULL;
    int *displs = m->rank == 0 ? malloc((size_t)m->size * sizeof *displs) : NULL;
    double *buf = m->rank == 0 ? malloc((size_t)m->size * chunk * sizeof(double)) : NULL;
    int ok = m->rank != 0 || (all && counts && displs && buf);
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    for (size_t done = 0; ok && done < most; done += chunk) {
        int n = done < count ? (int)(count - done < chunk ? count - done : chunk) : 0;
        if (m->rank == 0)
            for (int r = 0; r < m->size; r++) {
                counts[r] = done < all[r] ? (int)(all[r] - done < chunk ? all[r] - done : chunk) : 0;
                displs[r] = r * (int)chunk;
            }
        MPI_Gatherv(rows ? rows + done : NULL, n, MPI_DOUBLE, buf, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        for (int r = 0; m->rank == 0 && r < m->size; r++) {
            shard_spec sp = {(size_t)r + 1, (size_t)m->size};
            size_t b, e;
            shard_range(m->a->o.mdps, &sp, &b, &e);
            for (int i = 0; i < counts[r]; i++) {
                size_t el = done + (size_t)i, p = b * per + el / cols, c = el % cols;
                if (c == 0)
                    reg[p] = buf[displs[r] + i];
                else
                    val[(c - 1) * N + p] = buf[displs[r] + i];
            }
        }
    }
    free(all), free(counts), free(displs), free(buf);
    return ok ? EXIT_OK : cli_fail(m->a->cmd, "out of memory for the gather");
}

/* Ranks > 0 send their pairs.tsv rows to rank 0, which appends them in rank
 * order to f (write errors are caught when f is committed). */
static void gather_rows(mpi_run *m, const char *text, size_t len, FILE *f)
{
    static char buf[1 << 20]; /* messages of at most 1 MiB */
    const size_t piece = sizeof buf;
    if (m->rank != 0) {
        unsigned long long n = len;
        MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, 2, MPI_COMM_WORLD);
        for (size_t off = 0; off < len; off += piece)
            MPI_Send(text + off, (int)(len - off < piece ? len - off : piece), MPI_CHAR, 0, 3, MPI_COMM_WORLD);
        return;
    }
    for (int r = 1; r < m->size; r++) {
        unsigned long long n = 0;
        MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (size_t off = 0; off < n; off += piece) {
            int k = (int)(n - off < piece ? n - off : piece);
            MPI_Recv(buf, k, MPI_CHAR, r, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (f)
                fwrite(buf, 1, (size_t)k, f);
        }
    }
}

/* ------------------------------------------------------------ the run */

/* This rank's slice: rank 0 streams its rows onto root_pairs, the others into
 * *text (malloc'd, *tlen bytes) for gather_rows(). */
static int compute_slice(mpi_run *m, FILE *root_pairs, starc_study **s, double *secs, char **text, size_t *tlen)
{
    const exp_args *a = m->a;
    *s = NULL;
    *text = NULL;
    *tlen = 0;
    if (m->begin == m->end)
        return EXIT_OK;
    exp_args sa = *a;
    sa.o.mdp_begin = m->begin;
    sa.o.mdp_end = m->end;
    FILE *f = root_pairs;
    if (m->rank != 0 && !a->no_pairs && !(f = open_memstream(text, tlen)))
        return cli_fail(a->cmd, "MPI rank %d: out of memory", m->rank);
    int rc = exp_stream(&sa, f, m->rank == 0 && (a->progress || isatty(2)), s, secs);
    if (m->rank != 0 && f && fclose(f) != 0 && !rc)
        rc = cli_fail(a->cmd, "MPI rank %d: out of memory for pairs.tsv's rows", m->rank);
    return rc;
}

/* Rank 0, once everything arrived: the study from the points, pairs.tsv
 * committed, then every other output. */
static int finish_root(mpi_run *m, const scatter_spec *sc, cli_out *pairs, const double *reg, const double *val,
                       double t0, json_t *summary)
{
    const exp_args *a = m->a;
    const size_t N = a->o.mdps * a->o.pairs * a->o.steps;
    starc_study *s = NULL;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_study_from_points(N, reg, val, a->o.nthreads, &s, &err);
    if (st)
        return cli_lib_error(a->cmd, st, &err);
    int rc = pairs->f ? cli_out_commit(a->cmd, pairs) : EXIT_OK;
    if (!rc)
        rc = exp_write_outputs(a, sc, s, MPI_Wtime() - t0, summary ? NULL : stdout, summary);
    starc_study_free(s);
    return rc;
}

/* The points of every rank: packed, gathered to rank 0, and there made the
 * study's outputs (with pairs.tsv's rows gathered in rank order). */
static int gather_and_write(mpi_run *m, const scatter_spec *sc, starc_study *s, const char *text, size_t tlen,
                            cli_out *pairs, double t0, json_t *summary)
{
    const exp_args *a = m->a;
    const size_t N = a->o.mdps * a->o.pairs * a->o.steps, NV = starc_study_nvariants();
    double *rows = NULL, *reg = NULL, *val = NULL;
    size_t count = 0;
    int rc = pack_rows(a, s, &rows, &count);
    if (!rc && m->rank == 0 && (!(reg = malloc(N * sizeof(double))) || !(val = malloc(N * NV * sizeof(double)))))
        rc = cli_fail(a->cmd, "out of memory for %zu points", N);
    rc = agree(m, rc);
    if (!rc)
        rc = gather_points(m, rows, count, reg, val, N);
    free(rows);
    if (!rc)
        gather_rows(m, text, tlen, pairs->f);
    if (!rc && m->rank == 0)
        rc = finish_root(m, sc, pairs, reg, val, t0, summary);
    free(reg);
    free(val);
    return rc;
}

int exp_run_mpi(const exp_args *args, const scatter_spec *sc)
{
    int provided;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return cli_fail(args->cmd, "MPI_Init failed");
    const double t0 = MPI_Wtime();
    exp_args a = *args;
    mpi_run m;
    memset(&m, 0, sizeof m);
    m.a = &a;
    MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m.size);
    capture_stderr(&m);
    a.o.nthreads = threads_per_rank(&a);
    shard_spec sp = {(size_t)m.rank + 1, (size_t)m.size};
    shard_range(a.o.mdps, &sp, &m.begin, &m.end);
    cli_out pairs = {NULL, NULL, NULL};
    int rc = check_same_study(&m, sc); /* collective */
    if (!rc)
        rc = check_launch(&a);
    rc = agree(&m, rc); /* a bad launch leaves no directory */
    if (!rc) {
        int setup = EXIT_OK;
        if (m.rank == 0 && !(setup = cli_dir_begin(a.cmd, a.dir)))
            setup = exp_open_pairs(&a, &pairs);
        rc = agree(&m, setup);
    }
    starc_study *s = NULL;
    char *text = NULL;
    size_t tlen = 0;
    double secs = 0.0;
    if (!rc)
        rc = agree(&m, compute_slice(&m, pairs.f, &s, &secs, &text, &tlen));
    json_t *summary = m.rank == 0 && a.fmt == CLI_JSON ? json_object() : NULL;
    if (!rc)
        rc = gather_and_write(&m, sc, s, text, tlen, &pairs, t0, summary);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD); /* rank 0's last word is everyone's */
    if (pairs.f)
        cli_out_abort(&pairs);
    starc_study_free(s);
    free(text);
    release_stderr(&m);
    MPI_Finalize();
    if (summary && !rc)
        return cli_json_print(summary);
    json_decref(summary);
    return rc;
}

#endif
