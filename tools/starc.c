/* starc: command-line front end of libstarc.  Dispatches to one function per
 * subcommand (tools/cmd-*.c). */
#include <config.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "cli.h"
#include "commands.h"

/* OpenBLAS's threaded LAPACK (dgetrf inside dgesv) rounds differently with
 * different thread counts.  The tool promises the same bytes whatever the
 * machine, so it pins BLAS to one thread (its own parallelism is explicit and
 * deterministic, see starc experiment --jobs).  Weak: other BLAS lack it. */
extern void openblas_set_num_threads(int) __attribute__((weak));
/* OpenBLAS starts its thread pool when it is loaded, and each idle thread
 * spins (sched_yield) for about 2^28 cycles before it sleeps: CPU taken from
 * the study's workers and other processes for nothing once BLAS is pinned to
 * one thread.  Stopping the pool ends that (docs/benchmarks.md). */
extern int blas_thread_shutdown_(void) __attribute__((weak));

static const cli_command commands[] = {
    /* @COMMANDS@ keep sorted by name */
    {"demo", cmd_demo, "run the main job on built-in data"},
    {"distance", cmd_distance, "STARC, EPIC and DARD distances between reward functions"},
    {"experiment", cmd_experiment, "the STARC random-MDP study: do distances predict regret?"},
    {"fit", cmd_fit, "Gao's overoptimisation forms fitted to RLHF and best-of-n logs, with intervals"},
    {"generate", cmd_generate, "random MDPs and rewards (STARC study protocol), gridworlds, proxies"},
    {"info", cmd_info, "describe .npy/.npz files and check that they validate"},
    {"merge", cmd_merge, "merge the shards of a run (--shard K/N) into the single run's outputs"},
    {"notebook", cmd_notebook, "export a result as a Jupyter notebook"},
    {"overopt", cmd_overopt, "overoptimisation curves: pressure sweeps, Gao fits, drop metrics"},
    {"proxy", cmd_proxy, "correlation of proxy and true reward under a base policy, bounds, hacking"},
    {"regret", cmd_regret, "normalised regret of optimising a proxy reward"},
    {"regularize", cmd_regularize, "exact ad-kl / om-chi2 / om-sqrt-chi2 / om-kl regularised optima"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: starc [--version] [--help] SUBCOMMAND [OPTIONS] [ARGS]\n\n"
               "Compare reward functions and study reward hacking on tabular MDPs.\n\n"
               "Subcommands:\n");
    for (const cli_command *c = commands; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'starc SUBCOMMAND --help' for a subcommand's options; see starc(1).\n");
}

static int dispatch(int argc, char **argv, const char **cmd)
{
    if (argc < 2)
        return cli_usage(NULL, "missing subcommand; see 'starc --help'");
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("starc (libstarc) %s\n", starc_version());
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    for (const cli_command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) {
            *cmd = c->name;
            return c->run(argc - 1, argv + 1);
        }
    return cli_usage(NULL, "'%s' is not a subcommand; see 'starc --help'", argv[1]);
}

int main(int argc, char **argv)
{
    /* Numbers are read and printed in the C locale whatever the environment. */
    setlocale(LC_ALL, "C");
    gsl_set_error_handler_off();
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
    if (openblas_set_num_threads && blas_thread_shutdown_)
        blas_thread_shutdown_();
    cli_argc = argc;
    cli_argv = argv;
    /* SIGHUP/SIGINT/SIGTERM remove this run's temporary files (output.h);
     * should it fail, the signals keep their default action */
    cli_signals_install();
    const char *cmd = NULL;
    int rc = dispatch(argc, argv, &cmd);
    /* every write to standard output is checked here, once */
    rc = cli_finish(cmd, rc);
    cli_signals_uninstall();
    return rc;
}
