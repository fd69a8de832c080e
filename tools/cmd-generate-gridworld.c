/* starc generate gridworld: the EPIC paper's 3x3 gridworld and its six named
 * rewards (docs/theory.md, Reference values), as numpy files. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *CMD = "generate gridworld";

static void help(void)
{
    printf("Usage: starc generate gridworld (-o DIR | --mdp M.npz --rewards R.npz) [--gamma G]\n"
           "                                [--format text|json]\n\n"
           "Write the 3x3 gridworld of Gleave et al. (EPIC, ICLR 2021, Figure A.2(a)): 9 states\n"
           "(s = 3*row + column), 5 deterministic actions (0 stay, 1 up, 2 down, 3 left, 4 right;\n"
           "moves off the grid stay put), uniform mu0, gamma 0.99; and its rewards Sparse, Dense,\n"
           "Center, Penalty, Path, Cliff, each R(s,a,s') = r(s) + gamma phi(s') - phi(s) on every\n"
           "(s,a,s'), shape (9,5,9).  'starc distance --epic --mdp M.npz R.npz' reproduces the\n"
           "paper's EPIC matrix.\n\n"
           "  -o, --output DIR   write DIR/mdp.npz, DIR/rewards.npz and DIR/NAME.npy per reward\n"
           "  --mdp FILE         write the MDP here (instead of DIR/mdp.npz)\n"
           "  --rewards FILE     write the six rewards here, in the order above (instead of DIR/rewards.npz)\n"
           "  --gamma G          discount (default 0.99, the paper's)\n"
           "  --format FMT       text (default) or json summary on standard output\n"
           "  -h, --help         this help\n");
}

enum { PARSED_HELP = -1, N = STARC_GRIDWORLD_EPIC_COUNT, SAS = 9 * 5 * 9 };

static int parse_options(int argc, char **argv, gridworld_args *a)
{
    enum { O_MDP = 256, O_REWARDS, O_GAMMA, O_FORMAT };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"mdp", required_argument, NULL, O_MDP},
        {"rewards", required_argument, NULL, O_REWARDS}, {"gamma", required_argument, NULL, O_GAMMA},
        {"format", required_argument, NULL, O_FORMAT}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->dir))) return rc; break;
        case O_MDP: if ((rc = cli_parse_path(CMD, "mdp", optarg, &a->mdp))) return rc; break;
        case O_REWARDS: if ((rc = cli_parse_path(CMD, "rewards", optarg, &a->rewards))) return rc; break;
        case O_GAMMA:
            if ((rc = cli_parse_double(CMD, "gamma", optarg, &a->gamma)))
                return rc;
            if (a->gamma < 0.0 || a->gamma >= 1.0)
                return cli_usage(CMD, "option --gamma: %s is outside [0, 1)", optarg);
            break;
        case O_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc generate gridworld", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (!a->dir && (!a->mdp || !a->rewards))
        return cli_usage(CMD, "give -o DIR, or both --mdp and --rewards");
    return EXIT_OK;
}

/* The gridworld and its six rewards (R: N * SAS doubles, arrays borrow it). */
static int make_gridworld(double gamma, starc_mdp **m, double *R, starc_npy_array *arrays, const char **names)
{
    starc_error err;
    starc_error_clear(&err);
    int st = starc_gridworld_mdp(3, 3, gamma, m, &err);
    for (size_t i = 0; !st && i < N; i++) {
        names[i] = starc_gridworld_epic_name(i);
        starc_npy_array_init(&arrays[i]);
        arrays[i].ndim = 3;
        arrays[i].shape[0] = 9;
        arrays[i].shape[1] = 5;
        arrays[i].shape[2] = 9;
        arrays[i].data = R + i * SAS;
        st = starc_gridworld_epic_reward(i, gamma, R + i * SAS, &err);
    }
    return st ? cli_lib_error(CMD, st, &err) : EXIT_OK;
}

/* The MDP, the archive of rewards and (with -o) one .npy per reward, named in npy[]. */
static int write_files(const gridworld_args *a, const starc_mdp *m, const starc_npy_array *arrays, const char **names,
                       const char *mdp_path, const char *rew_path, char **npy)
{
    int rc;
    if ((a->dir && (rc = cli_mkdir_p(CMD, a->dir))) || (rc = cli_write_mdp(CMD, mdp_path, m)) ||
        (rc = cli_write_npz(CMD, rew_path, N, names, arrays)))
        return rc;
    for (size_t i = 0; a->dir && i < N; i++) {
        char fname[64];
        snprintf(fname, sizeof fname, "%s.npy", names[i]);
        if (!(npy[i] = cli_path_join(a->dir, fname)))
            return cli_fail(CMD, "out of memory");
        if ((rc = cli_write_npy(CMD, npy[i], 3, arrays[i].shape, arrays[i].data)))
            return rc;
    }
    return EXIT_OK;
}

static int print_result(FILE *out, const gridworld_args *a, const char **names, const char *mdp_path,
                        const char *rew_path, char *const *npy)
{
    if (a->fmt == CLI_JSON) {
        json_t *o = json_object(), *jn = json_array(), *jf = json_array();
        json_object_set_new(o, "mdp", json_string(mdp_path));
        json_object_set_new(o, "rewards", json_string(rew_path));
        for (size_t i = 0; i < N; i++) {
            json_array_append_new(jn, json_string(names[i]));
            if (npy[i])
                json_array_append_new(jf, json_string(npy[i]));
        }
        json_object_set_new(o, "names", jn);
        json_object_set_new(o, "npy", jf);
        json_object_set_new(o, "states", json_integer(9));
        json_object_set_new(o, "actions", json_integer(5));
        json_object_set_new(o, "gamma", json_real(a->gamma));
        return cli_json_fprint(out, o);
    }
    fputs("mdp\t", out), cli_escape(out, mdp_path), fputs("\nrewards\t", out), cli_escape(out, rew_path);
    fputc('\n', out);
    for (size_t i = 0; i < N; i++)
        if (npy[i]) {
            fprintf(out, "%s\t", names[i]);
            cli_escape(out, npy[i]);
            fputc('\n', out);
        }
    return EXIT_OK;
}

int gridworld_job(const gridworld_args *a, FILE *out)
{
    starc_mdp *m = NULL;
    char *mdp_path = a->mdp ? strdup(a->mdp) : cli_path_join(a->dir, STARC_RESULTS_MDP);
    char *rew_path = a->rewards ? strdup(a->rewards) : cli_path_join(a->dir, STARC_RESULTS_REWARDS), *npy[N] = {NULL};
    double *R = malloc((size_t)N * SAS * sizeof(double));
    starc_npy_array arrays[N];
    const char *names[N];
    int rc = R && mdp_path && rew_path ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc && !(rc = make_gridworld(a->gamma, &m, R, arrays, names)) &&
        !(rc = write_files(a, m, arrays, names, mdp_path, rew_path, npy)))
        rc = print_result(out, a, names, mdp_path, rew_path, npy);
    free(R);
    free(mdp_path);
    free(rew_path);
    for (size_t i = 0; i < N; i++)
        free(npy[i]);
    starc_mdp_free(m);
    return rc;
}

int cmd_generate_gridworld(int argc, char **argv)
{
    gridworld_args a = {NULL, NULL, NULL, STARC_GRIDWORLD_EPIC_GAMMA, CLI_TEXT};
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    return gridworld_job(&a, stdout);
}
