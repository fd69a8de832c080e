/* The starc command's one writer (see output.h). */
#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

int cli_target_status(const char *path)
{
    if (!path || !*path)
        return EINVAL;
    if (strcmp(path, "-") == 0)
        return 0;
    struct stat sb;
    /* stat follows a symlink: a link to /dev/full is a device too */
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return EEXIST;
    return 0;
}

int cli_check_output(const char *cmd, const char *path)
{
    switch (cli_target_status(path)) {
    case 0: return EXIT_OK;
    case EINVAL: return cli_usage(cmd, "an output path is empty");
    default: return cli_usage(cmd, "%s: exists and is not a regular file; refusing to replace it", path);
    }
}

/* ------------------------------------------------------------ interruption
 *
 * The registry: this run's temporary files and gnuplot children, guarded by
 * one recursive mutex.  The signal handler itself only records the signal
 * and posts a semaphore (both async-signal-safe); the clean-up runs on its own
 * thread (reaper), which takes the mutex and never gives it back: it waits
 * for a writer inside cli_cleanup_hold() to finish, kills and waits for the
 * children, unlinks the registered files, and ends the process by the same
 * signal.  Holding the mutex for good means no other thread can create,
 * commit or register anything after the clean-up has started. */

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_mu;
static char **reg_tmp; /* the callers' own strings (cli_tmp_create's *tmp) */
static size_t reg_ntmp, reg_captmp;
static pid_t reg_kid[8];
static size_t reg_nkid;

static sem_t sig_sem;
static volatile sig_atomic_t sig_caught;
static volatile sig_atomic_t reaper_quit;
static pthread_t reaper_thread;
static int reaper_started;
/* SIGPIPE: standard output (or another pipe) was closed by its reader, as in
 * `starc ... | head -c1`.  Handled like the others: the run's temporary files
 * are removed, then the process dies silently by SIGPIPE (status 141 in the
 * shell), the convention of filters; when SIGPIPE is ignored at start-up the
 * write fails with EPIPE instead and cli_finish says so (exit 1). */
static int sig_installed[4];
static const int sig_list[4] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE};

static void reg_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&reg_mu, &a);
    pthread_mutexattr_destroy(&a);
}

void cli_cleanup_hold(void)
{
    pthread_once(&reg_once, reg_init);
    pthread_mutex_lock(&reg_mu);
}

void cli_cleanup_release(void)
{
    pthread_mutex_unlock(&reg_mu);
}

/* Room for one more registered file (under the mutex); 0 or ENOMEM. */
static int reg_reserve(void)
{
    if (reg_ntmp < reg_captmp)
        return 0;
    size_t cap = reg_captmp ? 2 * reg_captmp : 16;
    char **t = realloc(reg_tmp, cap * sizeof *t);
    if (!t)
        return ENOMEM;
    reg_tmp = t;
    reg_captmp = cap;
    return 0;
}

static void reg_forget(const char *tmp)
{
    for (size_t i = 0; i < reg_ntmp; i++)
        if (reg_tmp[i] == tmp) {
            reg_tmp[i] = reg_tmp[--reg_ntmp];
            return;
        }
}

int cli_child_add(pid_t pid)
{
    cli_cleanup_hold();
    int ok = reg_nkid < sizeof reg_kid / sizeof reg_kid[0];
    if (ok)
        reg_kid[reg_nkid++] = pid;
    cli_cleanup_release();
    return ok ? 0 : EAGAIN;
}

void cli_child_forget(pid_t pid)
{
    cli_cleanup_hold();
    for (size_t i = 0; i < reg_nkid; i++)
        if (reg_kid[i] == pid) {
            reg_kid[i] = reg_kid[--reg_nkid];
            break;
        }
    cli_cleanup_release();
}

static void *reaper(void *arg)
{
    (void)arg;
    while (!sig_caught && !reaper_quit)
        sem_wait(&sig_sem); /* EINTR, or a post without a signal: look again */
    int sig = sig_caught;
    if (!sig)
        return NULL; /* the run is over (cli_signals_uninstall) */
    cli_cleanup_hold(); /* kept: the process ends below */
    for (size_t i = 0; i < reg_nkid; i++) {
        /* the child leads its own process group (gnuplot.c); registered
         * children are not reaped yet, so the ids cannot have been reused */
        kill(-reg_kid[i], SIGKILL);
        kill(reg_kid[i], SIGKILL);
        siginfo_t si;
        while (waitid(P_PID, (id_t)reg_kid[i], &si, WEXITED | WNOWAIT) != 0 && errno == EINTR)
            ;
    }
    /* only now: a live child could still create its output file */
    for (size_t i = 0; i < reg_ntmp; i++)
        unlink(reg_tmp[i]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig); /* the shell sees 128 + sig, and that the run was interrupted */
    _exit(128 + sig);
}

static void on_signal(int sig)
{
    int e = errno;
    if (!sig_caught)
        sig_caught = sig;
    cli_interrupted = sig;
    sem_post(&sig_sem);
    errno = e;
}

int cli_signals_install(void)
{
    pthread_once(&reg_once, reg_init);
    if (sem_init(&sig_sem, 0, 0) != 0)
        return errno;
    int e = pthread_create(&reaper_thread, NULL, reaper, NULL);
    if (e) {
        sem_destroy(&sig_sem);
        return e;
    }
    reaper_started = 1;
    for (size_t i = 0; i < sizeof sig_list / sizeof sig_list[0]; i++) {
        struct sigaction old, sa;
        /* a signal ignored at start-up (nohup, a background job of a
         * non-interactive shell) stays ignored */
        if (sigaction(sig_list[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigfillset(&sa.sa_mask);
        sig_installed[i] = sigaction(sig_list[i], &sa, NULL) == 0;
    }
    return 0;
}

void cli_signals_uninstall(void)
{
    if (reaper_started) {
        /* a signal from now on has its default action: nothing is left to clean */
        for (size_t i = 0; i < sizeof sig_list / sizeof sig_list[0]; i++)
            if (sig_installed[i]) {
                struct sigaction sa;
                memset(&sa, 0, sizeof sa);
                sa.sa_handler = SIG_DFL;
                sigemptyset(&sa.sa_mask);
                sigaction(sig_list[i], &sa, NULL);
                sig_installed[i] = 0;
            }
        reaper_quit = 1;
        sem_post(&sig_sem);
        pthread_join(reaper_thread, NULL); /* a clean-up under way ends the process instead */
        sem_destroy(&sig_sem);
        reaper_started = 0;
    }
    cli_cleanup_hold();
    if (!reg_ntmp) {
        free(reg_tmp);
        reg_tmp = NULL;
        reg_captmp = 0;
    }
    cli_cleanup_release();
}

/* ------------------------------------------------------------ temporary files */

int cli_tmp_create(const char *path, char **tmp, int *fd)
{
    *tmp = NULL;
    *fd = -1;
    int e = cli_target_status(path);
    if (e)
        return e;
    size_t n = strlen(path) + 16;
    char *t = malloc(n);
    if (!t)
        return ENOMEM;
    snprintf(t, n, "%s" CLI_TMP_INFIX "XXXXXX", path);
    cli_cleanup_hold(); /* created and registered as one step */
    int d = (e = reg_reserve()) ? -1 : mkstemp(t);
    if (d >= 0)
        reg_tmp[reg_ntmp++] = t;
    else if (!e)
        e = errno;
    cli_cleanup_release();
    if (d < 0) {
        free(t);
        return e;
    }
    fchmod(d, 0644);
    *tmp = t;
    *fd = d;
    return 0;
}

int cli_tmp_commit(char *tmp, const char *path)
{
    cli_cleanup_hold();
    int e = rename(tmp, path) == 0 ? 0 : errno;
    if (e)
        unlink(tmp);
    reg_forget(tmp);
    cli_cleanup_release();
    free(tmp);
    return e;
}

void cli_tmp_discard(char *tmp)
{
    if (!tmp)
        return;
    cli_cleanup_hold();
    unlink(tmp);
    reg_forget(tmp);
    cli_cleanup_release();
    free(tmp);
}

int cli_out_open(const char *cmd, const char *path, cli_out *o)
{
    o->f = NULL;
    o->path = o->tmp = NULL;
    if (path && strcmp(path, "-") == 0) {
        o->f = stdout;
        return EXIT_OK;
    }
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    int fd, e = cli_tmp_create(path, &o->tmp, &fd);
    if (e == ENOMEM)
        return cli_fail(cmd, "out of memory");
    if (e)
        return cli_usage(cmd, "%s: cannot create: %s", path, strerror(e));
    o->path = strdup(path);
    o->f = o->path ? fdopen(fd, "w") : NULL;
    if (!o->f) {
        e = errno;
        close(fd);
        cli_out_abort(o);
        return cli_fail(cmd, "%s: cannot open: %s", path, strerror(e));
    }
    return EXIT_OK;
}

void cli_out_abort(cli_out *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    cli_tmp_discard(o->tmp);
    free(o->path);
    o->f = NULL;
    o->tmp = o->path = NULL;
}

int cli_out_commit(const char *cmd, cli_out *o)
{
    if (o->f == stdout) {
        o->f = NULL; /* checked once, at the end of the run (cli_finish) */
        return EXIT_OK;
    }
    int bad = ferror(o->f);
    errno = 0;
    if (fclose(o->f) != 0)
        bad = 1;
    int e = errno;
    o->f = NULL;
    if (bad) {
        int rc = cli_fail(cmd, "%s: write failed%s%s", o->path, e ? ": " : "", e ? strerror(e) : "");
        cli_out_abort(o);
        return rc;
    }
    char *tmp = o->tmp;
    o->tmp = NULL;
    if ((e = cli_tmp_commit(tmp, o->path))) {
        int rc = cli_usage(cmd, "%s: cannot rename into place: %s", o->path, strerror(e));
        cli_out_abort(o);
        return rc;
    }
    free(o->path);
    o->path = NULL;
    return EXIT_OK;
}

int cli_write_file(const char *cmd, const char *path, const char *text)
{
    cli_out o;
    int rc = cli_out_open(cmd, path, &o);
    if (rc)
        return rc;
    fputs(text, o.f);
    return cli_out_commit(cmd, &o);
}

int cli_write_line(const char *cmd, const char *path, const char *text)
{
    cli_out o;
    int rc = cli_out_open(cmd, path, &o);
    if (rc)
        return rc;
    fputs(text, o.f);
    fputc('\n', o.f);
    return cli_out_commit(cmd, &o);
}

/* The library's writers (libstarc/npy.c) are atomic with a temporary file of
 * their own, PATH.XXXXXX, whose name the CLI cannot know.  So they write onto
 * this run's registered PATH.tmpXXXXXX instead (theirs becomes
 * PATH.tmpXXXXXX.YYYYYY: a starc temporary file by its name), which is then
 * renamed into place; and they run under cli_cleanup_hold(), so an
 * interruption waits for them and finds no temporary file of theirs. */
typedef struct lib_write {
    enum { LW_NPY, LW_NPZ, LW_MDP } kind;
    size_t n; /* ndim (npy) or members (npz) */
    const size_t *shape;
    const double *data;
    const char *const *names;
    const starc_npy_array *arrays;
    const starc_mdp *m;
} lib_write;

/* A library-style failure of the CLI's own making: status and message in err. */
static int fill_error(starc_error *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fill_error(starc_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* err's message names tmp; make it name path (tmp is path + CLI_TMP_INFIX + 6). */
static void name_target(starc_error *err, const char *tmp, const char *path)
{
    if (!err)
        return;
    size_t lt = strlen(tmp), lp = strlen(path);
    for (char *p = strstr(err->message, tmp); p; p = strstr(p + lp, tmp))
        memmove(p + lp, p + lt, strlen(p + lt) + 1);
}

static int save(const char *path, const lib_write *w, starc_error *err)
{
    char *tmp;
    int fd, st, e = cli_tmp_create(path, &tmp, &fd);
    if (e == ENOMEM)
        return fill_error(err, STARC_ENOMEM, "%s: out of memory", path);
    if (e == EINVAL)
        return fill_error(err, STARC_EINVAL, "an output path is empty");
    if (e == EEXIST)
        return fill_error(err, STARC_EINVAL, "%s: exists and is not a regular file; refusing to replace it", path);
    if (e)
        return fill_error(err, STARC_EIO, "%s: cannot create: %s", path, strerror(e));
    close(fd);
    cli_cleanup_hold();
    switch (w->kind) {
    case LW_NPY: st = starc_npy_write(tmp, w->n, w->shape, w->data, err); break;
    case LW_NPZ: st = starc_npy_npz_write(tmp, w->n, w->names, w->arrays, 0, err); break;
    default: st = starc_io_mdp_save(tmp, w->m, err); break;
    }
    if (st) {
        name_target(err, tmp, path);
        cli_tmp_discard(tmp);
    } else if ((e = cli_tmp_commit(tmp, path))) {
        st = fill_error(err, STARC_EIO, "%s: cannot rename into place: %s", path, strerror(e));
    }
    cli_cleanup_release();
    return st;
}

int cli_save_npy(const char *path, size_t ndim, const size_t *shape, const double *data, starc_error *err)
{
    lib_write w = {LW_NPY, ndim, shape, data, NULL, NULL, NULL};
    return save(path, &w, err);
}

int cli_save_npz(const char *path, size_t n, const char *const *names, const starc_npy_array *arrays, starc_error *err)
{
    lib_write w = {LW_NPZ, n, NULL, NULL, names, arrays, NULL};
    return save(path, &w, err);
}

int cli_save_mdp(const char *path, const starc_mdp *m, starc_error *err)
{
    lib_write w = {LW_MDP, 0, NULL, NULL, NULL, NULL, m};
    return save(path, &w, err);
}

int cli_write_npy(const char *cmd, const char *path, size_t ndim, const size_t *shape, const double *data)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = cli_save_npy(path, ndim, shape, data, &err);
    return st ? cli_lib_error(cmd, st, &err) : EXIT_OK;
}

int cli_write_npz(const char *cmd, const char *path, size_t n, const char *const *names, const starc_npy_array *arrays)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = cli_save_npz(path, n, names, arrays, &err);
    return st ? cli_lib_error(cmd, st, &err) : EXIT_OK;
}

int cli_write_mdp(const char *cmd, const char *path, const starc_mdp *m)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = cli_save_mdp(path, m, &err);
    return st ? cli_lib_error(cmd, st, &err) : EXIT_OK;
}

int cli_mkdir_p(const char *cmd, const char *dir)
{
    if (!dir || !*dir)
        return cli_usage(cmd, "an output directory name is empty");
    char *p = strdup(dir);
    if (!p)
        return cli_fail(cmd, "out of memory");
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                int e = errno;
                int rc = cli_usage(cmd, "%s: cannot create directory: %s", p, strerror(e));
                free(p);
                return rc;
            }
            *q = c;
            if (c == '\0')
                break;
        }
    }
    struct stat sb;
    int ok = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(p);
    return ok ? EXIT_OK : cli_usage(cmd, "%s: not a directory", dir);
}

int cli_dir_begin(const char *cmd, const char *dir)
{
    int rc = cli_mkdir_p(cmd, dir);
    if (rc)
        return rc;
    char *p = cli_path_join(dir, CLI_INCOMPLETE), *text = NULL;
    size_t len = 0;
    FILE *f = p ? open_memstream(&text, &len) : NULL;
    if (f) {
        fprintf(f, "This directory is incomplete: %s (process %ld) started writing it and did not finish.\n"
                   "Its files may be missing, a partial set, or left from an earlier run.\n"
                   "starc removes this file when a run that writes the directory completes.\n",
                cli_command_line(), (long)getpid());
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    rc = text ? cli_write_file(cmd, p, text) : cli_fail(cmd, "out of memory");
    free(text);
    free(p);
    return rc;
}

int cli_dir_done(const char *cmd, const char *dir)
{
    char *p = cli_path_join(dir, CLI_INCOMPLETE);
    if (!p)
        return cli_fail(cmd, "out of memory");
    int rc = unlink(p) == 0 || errno == ENOENT ? EXIT_OK : cli_fail(cmd, "%s: cannot remove: %s", p, strerror(errno));
    free(p);
    return rc;
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int cli_finish(const char *cmd, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0;
    int e = bad ? errno : 0;
    bad |= ferror(stdout) != 0;
    errno = 0;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad && e == EPIPE && sig_caught == SIGPIPE)
        for (;;)
            pause(); /* the reaper is cleaning up and ends the process by SIGPIPE */
    if (!bad || rc != EXIT_OK)
        return rc; /* a failed run has said its one line already */
    return cli_fail(cmd, "error writing to standard output%s%s", e ? ": " : "", e ? strerror(e) : "");
}
