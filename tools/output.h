/* The one way the starc command writes: every output file appears atomically
 * (a temporary file PATH.tmpXXXXXX next to it, renamed into place on success),
 * an output path that is empty or names an existing non-regular file (device,
 * fifo, directory, socket) is bad input, "-" is standard output, and standard
 * output itself is flushed and closed once, checked, by cli_finish().
 *
 * Interruption: cli_signals_install() (main, at start-up) makes SIGHUP, SIGINT
 * and SIGTERM remove this run's temporary files -- the ones cli_tmp_create()
 * made and not yet committed or discarded, and the library's through
 * cli_save_*() -- after killing and waiting for a running gnuplot (registered
 * by the runner, gnuplot.c), then end the process by that signal (exit status
 * 129, 130 or 143 in the shell).  SIGPIPE (standard output closed by its
 * reader) is handled the same way (141).  A signal ignored at start-up stays
 * ignored; an ignored SIGPIPE makes the write fail, reported by cli_finish().
 * A directory of several outputs (starc experiment, starc demo) is marked
 * incomplete while it is written (cli_dir_begin/cli_dir_done): a run that
 * fails or is interrupted leaves the marker, never a directory that looks
 * finished.  Temporary files have ".tmp" and six random characters after the
 * target's name, so those of a run killed with SIGKILL can be found (starc(1),
 * FILES); starc never removes temporary files it did not create.
 *
 * The cli_* functions print their one line "starc CMD: ..." on stderr and
 * return the exit status to use (EXIT_USAGE for a bad path, EXIT_COMPUTE for a
 * failed write); the cli_tmp_* primitives print nothing and return 0 or an
 * errno value, for callers that report in their own words (gnuplot.c). */
#ifndef STARC_OUTPUT_H
#define STARC_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <starc/starc.h>

/* Between the target's name and mkstemp's six characters. */
#define CLI_TMP_INFIX ".tmp"
/* The marker of a directory being written (cli_dir_begin). */
#define CLI_INCOMPLETE "STARC-INCOMPLETE"

/* Install the handlers and start the clean-up thread: 0 or an errno value
 * (then signals keep their default action). */
int cli_signals_install(void);
/* At the end of the run (main, after cli_finish): default actions again, and
 * the clean-up thread stopped and joined. */
void cli_signals_uninstall(void);
/* Between hold and release the clean-up of an interrupted run waits (the
 * mutex is recursive): for writers that keep temporary files of their own
 * (the library's, the notebook exporter's), so that none is left, and for the
 * gnuplot runner while it forks and registers a child. */
void cli_cleanup_hold(void);
void cli_cleanup_release(void);
/* The runner's children: each leads its own process group, killed (SIGKILL)
 * and waited for by the clean-up.  Register right after fork() inside
 * hold/release; forget before reaping it.  add: 0 or EAGAIN (too many). */
int cli_child_add(pid_t pid);
void cli_child_forget(pid_t pid);

/* 0 when PATH may be written: "-", or a path that does not exist or names a
 * regular file (through symlinks).  EINVAL for an empty path, EEXIST for an
 * existing file that is not a regular one. */
int cli_target_status(const char *path);
/* cli_target_status() as a one-line diagnostic: EXIT_OK or EXIT_USAGE. */
int cli_check_output(const char *cmd, const char *path);

/* A temporary file next to PATH (PATH.tmpXXXXXX, mode 0644), open for
 * writing on *fd; *tmp is malloc'd and registered for the clean-up until
 * cli_tmp_commit() or cli_tmp_discard() takes it.  0 or an errno value. */
int cli_tmp_create(const char *path, char **tmp, int *fd);
/* Rename tmp onto path (removing tmp on failure) and free tmp; 0 or errno. */
int cli_tmp_commit(char *tmp, const char *path);
/* Remove and free tmp (NULL is a no-op). */
void cli_tmp_discard(char *tmp);

/* An output being written: PATH "-" means stdout (commit leaves the check of
 * stdout to cli_finish()). */
typedef struct cli_out {
    FILE *f;
    char *path;
    char *tmp;
} cli_out;
int cli_out_open(const char *cmd, const char *path, cli_out *o);
/* Check every write (the stream's error flag and the close) and rename into place. */
int cli_out_commit(const char *cmd, cli_out *o);
void cli_out_abort(cli_out *o);
/* Write a whole string atomically to path. */
int cli_write_file(const char *cmd, const char *path, const char *text);
/* text + "\n" atomically to path (JSON documents). */
int cli_write_line(const char *cmd, const char *path, const char *text);

/* numpy outputs through the library's own atomic writers, covered by the
 * clean-up (see output.c); the cli_save_* return a library status and fill
 * err (naming path) for callers that report later, the cli_write_* report. */
int cli_save_npy(const char *path, size_t ndim, const size_t *shape, const double *data, starc_error *err);
int cli_save_npz(const char *path, size_t n, const char *const *names, const starc_npy_array *arrays, starc_error *err);
int cli_save_mdp(const char *path, const starc_mdp *m, starc_error *err);
int cli_write_npy(const char *cmd, const char *path, size_t ndim, const size_t *shape, const double *data);
int cli_write_npz(const char *cmd, const char *path, size_t n, const char *const *names, const starc_npy_array *arrays);
int cli_write_mdp(const char *cmd, const char *path, const starc_mdp *m);

/* Make directory (and parents); an empty name is bad input, errors name the directory. */
int cli_mkdir_p(const char *cmd, const char *dir);
/* A directory of several outputs: cli_mkdir_p(), then DIR/STARC-INCOMPLETE
 * (saying which command, and that the files may be a partial set) until
 * cli_dir_done() removes it at the end of a successful run. */
int cli_dir_begin(const char *cmd, const char *dir);
int cli_dir_done(const char *cmd, const char *dir);
/* malloc'd "dir/name". */
char *cli_path_join(const char *dir, const char *name);

/* The end of every run: flush and close stdout, checked.  Returns rc, or
 * EXIT_COMPUTE with one line "starc CMD: error writing to standard output"
 * when rc was EXIT_OK and a write to stdout failed. */
int cli_finish(const char *cmd, int rc);

#endif
