/* The starc command's one writer (see output.h). */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    snprintf(t, n, "%s.tmpXXXXXX", path);
    int d = mkstemp(t);
    if (d < 0) {
        e = errno;
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
    int e = rename(tmp, path) == 0 ? 0 : errno;
    if (e)
        unlink(tmp);
    free(tmp);
    return e;
}

void cli_tmp_discard(char *tmp)
{
    if (tmp)
        unlink(tmp);
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

int cli_write_npy(const char *cmd, const char *path, size_t ndim, const size_t *shape, const double *data)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_npy_write(path, ndim, shape, data, &err);
    return st ? cli_lib_error(cmd, st, &err) : EXIT_OK;
}

int cli_write_npz(const char *cmd, const char *path, size_t n, const char *const *names, const starc_array *arrays)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_npz_write(path, n, names, arrays, 0, &err);
    return st ? cli_lib_error(cmd, st, &err) : EXIT_OK;
}

int cli_write_mdp(const char *cmd, const char *path, const starc_mdp *m)
{
    int rc = cli_check_output(cmd, path);
    if (rc)
        return rc;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_mdp_save(path, m, &err);
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
    if (!bad || rc != EXIT_OK)
        return rc; /* a failed run has said its one line already */
    return cli_fail(cmd, "error writing to standard output%s%s", e ? ": " : "", e ? strerror(e) : "");
}
