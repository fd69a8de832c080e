/* starc demo: the main job on built-in data, no input files needed. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *CMD = "demo";

static void help(void)
{
    printf("Usage: starc demo [-o DIR] [--format text|json]\n\n"
           "Run libstarc's main job on built-in data and write its results to DIR\n"
           "(default: starc-demo).  Prints a short summary of what was found.\n\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n");
}

/* The 2-state, 2-action MDP of REFERENCES.md ("small exact vectors"). */
static const double small_T[8] = {.9, .1, .3, .7, .2, .8, .9, .1};
static const double small_mu0[2] = {.5, .5};
static const double small_R[8] = {0, 0, -1, 5, -2, 1, 1, 0};

static int section_small(FILE *out, const char *dir, json_t *summary)
{
    starc_error err;
    starc_error_clear(&err);
    starc_mdp *m = NULL;
    int st = starc_mdp_alloc(2, 2, small_T, small_mu0, 0.9, STARC_PROB_TOL, &m, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    double pi[4], V[2], Q[4], neg[8];
    size_t act[2], wact[2];
    starc_policy_uniform(m, pi);
    int rc = EXIT_OK;
    starc_regret_result reg;
    for (int i = 0; i < 8; i++)
        neg[i] = -small_R[i];
    char *mpath = cli_path_join(dir, "small-mdp.npz"), *rpath = cli_path_join(dir, "small-reward.npy");
    size_t shape[3] = {2, 2, 2};
    if ((st = starc_policy_evaluate(m, pi, small_R, V, Q, NULL, &err)) ||
        (st = starc_policy_optimal(m, small_R, NULL, act, NULL, NULL, NULL, &err)) ||
        (st = starc_policy_worst(m, small_R, NULL, wact, NULL, NULL, NULL, &err)) ||
        (st = starc_regret(m, small_R, neg, NULL, &reg, NULL, &err)) ||
        (st = starc_mdp_save(mpath, m, &err)) ||
        (st = starc_npy_write(rpath, 3, shape, small_R, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    fprintf(out, "== Built-in 2-state MDP (gamma 0.9), reward R from REFERENCES.md\n");
    fprintf(out, "   V under the uniform policy: [%.6f, %.6f]\n", V[0], V[1]);
    fprintf(out, "   optimal actions: [%zu, %zu]; worst actions: [%zu, %zu]\n", act[0], act[1], wact[0], wact[1]);
    fprintf(out, "   optimising -R when R is true: normalised regret %.6f (J* = %.6f, J- = %.6f)\n",
           reg.regret, reg.true_optimal_return, reg.true_worst_return);
    fprintf(out, "   wrote %s and %s\n", mpath, rpath);
    json_t *o = json_object();
    json_object_set_new(o, "V_uniform", cli_json_array(V, 2));
    json_object_set_new(o, "regret_negated", cli_json_num(reg.regret));
    json_object_set_new(summary, "small_mdp", o);
done:
    free(mpath);
    free(rpath);
    starc_mdp_free(m);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *dir = "starc-demo";
    enum cli_format fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        case ':': return cli_usage(CMD, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage(CMD, "unknown option '%s'; see 'starc demo --help'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_mkdir_p(CMD, dir)))
        return rc;
    json_t *summary = json_object();
    /* In json mode the human-readable report goes to stderr. */
    FILE *out = fmt == CLI_JSON ? stderr : stdout;
    rc = section_small(out, dir, summary);
    if (!rc)
        rc = starc_demo_overopt(out, dir, summary);
    if (rc) {
        json_decref(summary);
        return rc;
    }
    if (fmt == CLI_JSON)
        return cli_json_print(summary);
    json_decref(summary);
    printf("Results are in %s/\n", dir);
    return EXIT_OK;
}
