/* Shared helpers for the starc command's subcommands: the exit-code
 * convention, option parsing, loading inputs with one-line diagnostics and
 * JSON output (jansson).  Writing files is output.h's job, numbers fmt17.h's,
 * figures gnuplot.h's.  Every cli_* function that can fail has already
 * printed its one line on stderr when it returns non-zero; the return value
 * is the exit status to use. */
#ifndef STARC_CLI_H
#define STARC_CLI_H

#include <signal.h>
#include <stdio.h>
#include <jansson.h>
#include <starc/starc.h>

#include "output.h"

enum { EXIT_OK = 0, EXIT_COMPUTE = 1, EXIT_USAGE = 2 };
enum cli_format { CLI_TEXT = 0, CLI_JSON = 1 };

/* A subcommand: run(argc, argv) with argv[0] the subcommand name. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

/* The full command line, for provenance headers ("starc distance ..."). */
extern int cli_argc;
extern char **cli_argv;
const char *cli_command_line(void); /* static buffer, shell-quoted */
/* ARGV joined into one shell-quoted line with argv[0] written "starc"
 * (malloc'd; NULL when out of memory). */
char *cli_join_argv(int argc, char *const *argv);
/* The command that figures record as having made them (gp_begin's
 * provenance comment): cli_command_line(), unless a command that writes the
 * same result from several command lines set its canonical command with
 * cli_provenance_set() (the study: single run, shards + merge and MPI
 * record the same line; an overopt batch without --shard and -o).
 * cli_provenance_set() takes a malloc'd line (NULL: back to the command line). */
const char *cli_provenance(void);
void cli_provenance_set(char *line);

/* The one escaping function for text from outside (file names, option
 * values, library messages) in diagnostics: tab, newline and CR as \t, \n,
 * \r, other control characters as \xHH, everything else as it is -- the
 * convention of the library's own escaping of file contents, so that escaping
 * an escaped message changes nothing.  cli_usage(), cli_fail() and cli_warn()
 * pass their whole message through it: a diagnostic is always one line. */
void cli_escape(FILE *f, const char *s);

/* Set (to the signal number) by output.c's handler when SIGHUP, SIGINT, SIGTERM
 * or SIGPIPE arrives: the clean-up thread is then removing the run's files and
 * ends the process by that signal, so the diagnostics below print nothing more
 * (a run killed mid-way must not add a warning about the child it killed). */
extern volatile sig_atomic_t cli_interrupted;

/* "starc CMD: message" on stderr; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "starc CMD: message" on stderr; returns EXIT_COMPUTE. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "starc CMD: warning: message" on stderr (the run goes on). */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a library failure: input-like statuses exit 2, computational ones 1. */
int cli_lib_error(const char *cmd, int status, const starc_error *err);
/* Exit status for a library status code. */
int cli_status_exit(int status);

/* getopt_long's error returns, shared by every subcommand: ':' (an option
 * without its value) and anything else (an unknown option); USAGE names the
 * command for the hint, e.g. "starc regret".  Returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, const char *usage, int c, char **argv);
/* "option --NAME is required" (EXIT_USAGE) unless value is non-NULL. */
int cli_require(const char *cmd, const char *name, const void *value);

/* Option values; each prints "starc CMD: option --NAME: ..." and returns EXIT_USAGE on error. */
int cli_parse_format(const char *cmd, const char *arg, enum cli_format *fmt);
int cli_parse_double(const char *cmd, const char *opt, const char *arg, double *out);
int cli_parse_size(const char *cmd, const char *opt, const char *arg, size_t *out);
int cli_parse_ulong(const char *cmd, const char *opt, const char *arg, unsigned long *out);
/* --threads N: 1 to 64, else "option --threads: 'N' is not between 1 and 64". */
int cli_parse_threads(const char *cmd, const char *arg, int *out);
/* The default of --threads: the online CPUs, clamped to 1..64. */
int cli_default_threads(void);
/* A file or directory name: the empty string is bad input. */
int cli_parse_path(const char *cmd, const char *opt, const char *arg, const char **out);
/* Pick one of a NULL-terminated list of names; *idx gets its position. */
int cli_parse_choice(const char *cmd, const char *opt, const char *arg, const char *const *choices, int *idx);

/* Inputs: errors name the file. */
int cli_load_mdp(const char *cmd, const char *path, starc_mdp **m);
/* Exactly one reward from SPEC (FILE.npy, FILE.npz:KEY or a one-member FILE.npz) into RS, in full
 * form (starc_io_reward_load()): rs->R holds starc_mdp_reward_size() doubles, mapped from the file
 * without a copy when it can be (so never free() it), rs->names[0] its name.  RS is initialised here
 * and empty on failure; the caller releases it with starc_io_reward_set_clear(). */
int cli_load_reward(const char *cmd, const char *opt, const char *spec, const starc_mdp *m, starc_io_reward_set *rs);
/* One reward of SPEC in its own shape (starc_io_reward_load_shaped()) into RS, as cli_load_reward():
 * an (S,) or (S,A) reward only in rs->given[0]; messages as cli_load_reward(). */
int cli_load_reward_shaped(const char *cmd, const char *opt, const char *spec, const starc_mdp *m,
                           starc_io_reward_set *rs);
/* The one reward of RS (either loader) in the shape it is held: the values (rs->given[0] for an
 * (S,) or (S,A) reward kept in its shape, else rs->R), and into sh its ndim (returned) and shape as
 * starc_mdp_reward_expand() takes them. */
size_t cli_reward_shape(const starc_mdp *m, const starc_io_reward_set *rs, size_t sh[3], const double **values);
/* For a command that needs only the expected reward: *Rbar gets the S*A malloc'd expected rewards
 * of the one reward of SPEC, loaded in its own shape (cli_load_reward_shaped(), same messages) and
 * released before returning, so that no more than one reward is held at a time.  Bit for bit the
 * expected rewards of its (S,A,S) expansion (starc_mdp_reward_expected_shaped()). */
int cli_load_reward_expected(const char *cmd, const char *opt, const char *spec, const starc_mdp *m, double **Rbar);
/* A policy (S,A); NULL path gives the uniform policy. *pi is malloc'd. */
int cli_load_policy(const char *cmd, const char *opt, const char *path, const starc_mdp *m, double **pi);
/* A distribution .npy of exactly n entries, non-negative, summing to 1. */
int cli_load_dist(const char *cmd, const char *opt, const char *path, size_t n, double **p);

/* JSON: print obj as one object + newline on stdout (reals with %.17g), steals the reference. */
int cli_json_print(json_t *obj);
/* The same onto f. */
int cli_json_fprint(FILE *f, json_t *obj);
/* json real, or null for a non-finite value. */
json_t *cli_json_num(double x);
json_t *cli_json_array(const double *x, size_t n);

/* "KEY\tVALUE\n", the value as fmt17.h prints numbers (the text output of results). */
void cli_put_num(FILE *f, const char *key, double x);

/* Subcommands. */
int cmd_regret(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_notebook(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
/* `starc demo` section: a small STARC study into DIR/study/ (tools/cmd-experiment.c). */
int starc_demo_study(FILE *out, const char *dir, json_t *summary);
int cmd_generate_tomato(int argc, char **argv);
int cmd_generate_proxy(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_regularize(int argc, char **argv);
int cmd_overopt(int argc, char **argv);
int cmd_fit(int argc, char **argv);
/* The overoptimisation section of `starc demo`: writes DIR/overopt/, reports on out, adds "overopt" to summary. */
int starc_demo_overopt(FILE *out, const char *dir, json_t *summary);

/* Gnuplot scatter of (Rbar_p, Rbar_t) per state-action pair with point size
 * from weights w1 (and w2 if non-NULL); tools/proxy-scatter.c. */
int proxy_write_scatter(const char *cmd, const char *path, size_t n, const double *Rp, const double *Rt,
                        const double *w1, const char *label1, const double *w2, const char *label2,
                        const char *title);
int cmd_distance(int argc, char **argv);
int cmd_generate_gridworld(int argc, char **argv);

#endif
