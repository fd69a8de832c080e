/* starc experiment: the STARC random-MDP study (libstarc/study.c) from the command
 * line: options, then the single run, a shard (--shard), the merge (--merge) or
 * the MPI driver, over the study module (tools/experiment.c: the streamed run
 * and every output).  Also starc_demo_study(), the study section of `starc demo`. */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "experiment.h"
#include "fmt17.h"
#include "gnuplot.h"


static const char *CMD = "experiment";

static void help(void)
{
    printf("Usage: starc experiment [OPTIONS] [--shard K/N] -o DIR\n"
           "       starc experiment --merge DIR... -o OUT [--format FMT] [--no-render]\n\n"
           "The STARC random-MDP study (Skalse et al., ICLR 2024, Figure 1): random MDPs and reward\n"
           "pairs by the authors' protocol; for every data point (R1, R_i), R_i = R1 + (i/T)(R2 - R1),\n"
           "the exact symmetric normalised regret and every distance variant (7 canonicalisations x\n"
           "8 normalisations x 6 metrics, plus the EPIC and DARD Pearson distances); then each\n"
           "variant's Pearson and Spearman correlation with the regret.  Results are the same\n"
           "bytes for a seed whatever --jobs is.\n\n"
           "  --mdps N          random MDPs (default 384)\n"
           "  --pairs K         reward pairs per MDP (default 8)\n"
           "  --steps T         interpolation steps per pair (default 16)\n"
           "  --states S        states (default 32)\n"
           "  --actions A       actions (default 4)\n"
           "  --gamma G         discount (default 0.95)\n"
           "  --seed X          master seed (default 0)\n"
           "  --jobs J          worker threads (default: all CPUs)\n"
           "  --trivial-tol EPS a reward whose canonical form has max|c(R)| <= EPS max|R| is trivial\n"
           "                    (the distance module's rule).  Default: derived from the measured\n"
           "                    round-off, 32 S DBL_EPSILON / (1 - gamma)^p with p = 1 for none,\n"
           "                    epic, dard, val, 2 for val-potential, minimal-potential, minimal\n"
           "                    (4.5e-12 and 9.1e-11 at S = 32, gamma = 0.95)\n"
           "  --scatter LIST    variants for scatter.gp, comma-separated canon:norm:metric\n"
           "                    (default val:l2:l2,epic:none:pearson,dard:none:pearson,none:l2:l2)\n"
           "  --no-pairs        do not write pairs.tsv\n"
           "  --save-data N     also save the first N MDPs and their reward pairs as\n"
           "                    DIR/data/mdp-J.npz and DIR/data/rewards-J.npz (R1_k, R2_k)\n"
           "  --no-render       write the gnuplot scripts but do not run gnuplot\n"
           "  --progress        progress bar on stderr even when it is not a terminal\n"
           "  --shard K/N       compute only the K-th of N slices of the MDPs (1 <= K <= N) into DIR:\n"
           "                    its pairs.tsv rows, points.npy and, last, shard.json; 'starc merge'\n"
           "                    of the N directories writes this run's files without --shard\n"
           "  --merge           merge the shard directories given as operands into OUT (as 'starc merge')\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n\n"
           "Writes DIR/pairs.tsv (mdp pair step regret, then one column per variant named\n"
           "canon:norm:metric), DIR/correlations.tsv (canon norm metric pearson_r spearman_r),\n"
           "DIR/summary.json, DIR/figure.gp and DIR/scatter.gp (+ .png when gnuplot is found).\n");
}

/* The whole experiment into a->dir (or its shard, --shard); the report (key
 * correlations) goes to out (NULL: none); summary, if given, receives the json
 * summary's members.  The directory is marked incomplete until everything is
 * written (output.h). */
static int run_experiment(const exp_args *a, FILE *out, json_t *summary)
{
    int rc;
    scatter_spec sc;
    if ((rc = exp_parse_scatter(a->cmd, a->scatter, &sc)))
        return rc;
    if (a->shard.n)
        return exp_run_shard(a, &sc, out, summary);
    if ((rc = cli_dir_begin(a->cmd, a->dir)))
        return rc;
    starc_study *s = NULL;
    double secs = 0.0;
    if (!(rc = exp_compute(a, &s, &secs)))
        rc = exp_write_outputs(a, &sc, s, secs, out, summary);
    starc_study_free(s);
    return rc;
}

/* The options of a study run (OPT_MDPS .. OPT_SHARD), which --merge refuses, then the others. */
enum { OPT_MDPS = 256, OPT_PAIRS, OPT_STEPS, OPT_STATES, OPT_ACTIONS, OPT_GAMMA, OPT_SEED, OPT_JOBS,
       OPT_SCATTER, OPT_TRIVIAL, OPT_SAVE, OPT_NOPAIRS, OPT_SHARD, OPT_NORENDER, OPT_PROGRESS, OPT_FORMAT, OPT_MERGE };

enum { PARSED_HELP = -1 };

/* The options into a; *study_opt gets the name of the first option of a study run given (NULL: none). */
static int parse_options(int argc, char **argv, exp_args *a, const char **study_opt)
{
    static const struct option opts[] = {
        {"mdps", required_argument, NULL, OPT_MDPS}, {"pairs", required_argument, NULL, OPT_PAIRS},
        {"steps", required_argument, NULL, OPT_STEPS}, {"states", required_argument, NULL, OPT_STATES},
        {"actions", required_argument, NULL, OPT_ACTIONS}, {"gamma", required_argument, NULL, OPT_GAMMA},
        {"seed", required_argument, NULL, OPT_SEED}, {"jobs", required_argument, NULL, OPT_JOBS},
        {"scatter", required_argument, NULL, OPT_SCATTER},
        {"trivial-tol", required_argument, NULL, OPT_TRIVIAL},
        {"save-data", required_argument, NULL, OPT_SAVE}, {"no-pairs", no_argument, NULL, OPT_NOPAIRS},
        {"no-render", no_argument, NULL, OPT_NORENDER}, {"progress", no_argument, NULL, OPT_PROGRESS},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, OPT_FORMAT},
        {"shard", required_argument, NULL, OPT_SHARD}, {"merge", no_argument, NULL, OPT_MERGE},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc, idx = -1;
    opterr = 0;
    optind = 1;
    *study_opt = NULL;
    while ((c = getopt_long(argc, argv, ":ho:", opts, &idx)) != -1) {
        if (c >= OPT_MDPS && c <= OPT_SHARD && !*study_opt && idx >= 0)
            *study_opt = opts[idx].name;
        idx = -1;
        switch (c) {
        case OPT_MDPS: if ((rc = cli_parse_size(CMD, "mdps", optarg, &a->o.mdps))) return rc; break;
        case OPT_PAIRS: if ((rc = cli_parse_size(CMD, "pairs", optarg, &a->o.pairs))) return rc; break;
        case OPT_STEPS: if ((rc = cli_parse_size(CMD, "steps", optarg, &a->o.steps))) return rc; break;
        case OPT_STATES: if ((rc = cli_parse_size(CMD, "states", optarg, &a->o.states))) return rc; break;
        case OPT_ACTIONS: if ((rc = cli_parse_size(CMD, "actions", optarg, &a->o.actions))) return rc; break;
        case OPT_GAMMA: if ((rc = cli_parse_double(CMD, "gamma", optarg, &a->o.gamma))) return rc; break;
        case OPT_SEED: {
            unsigned long v;
            if ((rc = cli_parse_ulong(CMD, "seed", optarg, &v)))
                return rc;
            a->o.seed = v;
            break;
        }
        case OPT_JOBS: if ((rc = cli_parse_size(CMD, "jobs", optarg, &a->jobs))) return rc; break;
        case OPT_SCATTER: a->scatter = optarg; break;
        case OPT_TRIVIAL:
            if ((rc = cli_parse_double(CMD, "trivial-tol", optarg, &a->o.trivial_tol)))
                return rc;
            if (a->o.trivial_tol < 0.0)
                return cli_usage(CMD, "option --trivial-tol: %s is negative", optarg);
            break;
        case OPT_SAVE: if ((rc = cli_parse_size(CMD, "save-data", optarg, &a->save_data))) return rc; break;
        case OPT_NOPAIRS: a->no_pairs = 1; break;
        case OPT_NORENDER: a->no_render = 1; break;
        case OPT_PROGRESS: a->progress = 1; break;
        case OPT_SHARD: if ((rc = shard_parse("shard", optarg, &a->shard))) return rc; break;
        case OPT_MERGE: a->merge = 1; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->dir))) return rc; break;
        case OPT_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc experiment", c, argv);
        }
    }
    if (optind < argc && !a->merge)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    return EXIT_OK;
}

static int check_options(const exp_args *a, const char *study_opt)
{
    if (!a->dir)
        return cli_usage(CMD, "option -o/--output is required");
    if (a->merge && study_opt)
        return cli_usage(CMD, "option --%s: not with --merge (a merge takes the shards' settings)", study_opt);
    if (a->merge)
        return EXIT_OK;
    const char *zero = a->o.mdps == 0 ? "mdps" : a->o.pairs == 0 ? "pairs" : a->o.steps == 0 ? "steps"
                     : a->o.states == 0 ? "states" : a->o.actions == 0 ? "actions" : NULL;
    if (zero)
        return cli_usage(CMD, "option --%s: must be at least 1", zero);
    if (a->o.mdps * a->o.pairs * a->o.steps < 3 || a->o.mdps > ((size_t)1 << 24) || a->o.pairs > ((size_t)1 << 20) ||
        a->o.steps > ((size_t)1 << 20))
        return cli_usage(CMD, "option --mdps/--pairs/--steps: need between 3 and 2^24 MDPs' worth of points");
    if (a->o.states > 4096 || a->o.actions > 4096)
        return cli_usage(CMD, "option --%s: at most 4096", a->o.states > 4096 ? "states" : "actions");
    if (!(a->o.gamma >= 0.0 && a->o.gamma < 1.0))
        return cli_usage(CMD, "option --gamma: %.17g is outside [0, 1)", a->o.gamma);
    if (a->jobs > 1024)
        return cli_usage(CMD, "option --jobs: at most 1024");
    return EXIT_OK;
}

int cmd_experiment(int argc, char **argv)
{
    exp_args a;
    memset(&a, 0, sizeof a);
    starc_study_options_default(&a.o);
    a.cmd = CMD;
    a.scatter = "val:l2:l2,epic:none:pearson,dard:none:pearson,none:l2:l2";
    a.fmt = CLI_TEXT;
    const char *study_opt;
    int rc = parse_options(argc, argv, &a, &study_opt);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    if ((rc = check_options(&a, study_opt)))
        return rc;
    if (exp_mpi_launched()) {
        scatter_spec sc;
        return (rc = exp_parse_scatter(CMD, a.scatter, &sc)) ? rc : exp_run_mpi(&a, &sc);
    }
    if (a.merge) {
        if (optind >= argc)
            return cli_usage(CMD, "option --merge: no shard directories given");
        shard_merge_args ma = {CMD, a.dir, a.fmt, a.no_render};
        return shard_merge_dirs(argc - optind, argv + optind, &ma);
    }
    a.o.nthreads = (int)a.jobs;
    json_t *summary = a.fmt == CLI_JSON ? json_object() : NULL;
    rc = run_experiment(&a, a.fmt == CLI_JSON ? NULL : stdout, summary);
    if (summary) {
        if (rc) {
            json_decref(summary);
            return rc;
        }
        return cli_json_print(summary);
    }
    return rc;
}

/* `starc demo`'s study section: a small study (16 MDPs x 4 pairs x 16 steps, S = 16,
 * about half a second)
 * into DIR/study/, its key correlations on OUT, the figure when gnuplot exists. */
int starc_demo_study(FILE *out, const char *dir, json_t *summary)
{
    exp_args a;
    memset(&a, 0, sizeof a);
    starc_study_options_default(&a.o);
    a.cmd = CMD;
    a.o.mdps = 16;
    a.o.pairs = 4;
    a.o.steps = 16;
    a.o.states = 16;
    a.scatter = "val:l2:l2,epic:none:pearson,dard:none:pearson,none:l2:l2";
    char *sub = cli_path_join(dir, STARC_RESULTS_DEMO_STUDY);
    if (!sub)
        return cli_fail(CMD, "out of memory");
    a.dir = sub;
    if (out)
        fprintf(out, "== STARC random-MDP study, small: do reward distances predict regret?\n");
    json_t *js = json_object();
    int rc = run_experiment(&a, out, js);
    if (!rc && out) {
        fputs("   the figure (one column per canonicalisation, EPIC and DARD marked): ", out), cli_escape(out, sub);
        fprintf(out, "/figure.gp%s\n",
                json_is_true(json_object_get(js, "rendered")) ? " -> " STARC_RESULTS_STUDY_FIGURE STARC_RESULTS_EXT_PNG : "");
    }
    if (!rc && summary)
        json_object_set_new(summary, "study", js);
    else
        json_decref(js);
    free(sub);
    return rc;
}

