/* starc generate gridworld: the EPIC paper's 3x3 gridworld and its six named
 * rewards (REFERENCES.md), as numpy files. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

int cmd_generate_gridworld(int argc, char **argv)
{
    enum { O_MDP = 256, O_REWARDS, O_GAMMA, O_FORMAT };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"mdp", required_argument, NULL, O_MDP},
        {"rewards", required_argument, NULL, O_REWARDS}, {"gamma", required_argument, NULL, O_GAMMA},
        {"format", required_argument, NULL, O_FORMAT}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *dir = NULL, *mdp_arg = NULL, *rew_arg = NULL;
    double gamma = STARC_GRIDWORLD_EPIC_GAMMA;
    enum cli_format fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &dir))) return rc; break;
        case O_MDP: if ((rc = cli_parse_path(CMD, "mdp", optarg, &mdp_arg))) return rc; break;
        case O_REWARDS: if ((rc = cli_parse_path(CMD, "rewards", optarg, &rew_arg))) return rc; break;
        case O_GAMMA:
            if ((rc = cli_parse_double(CMD, "gamma", optarg, &gamma)))
                return rc;
            if (gamma < 0.0 || gamma >= 1.0)
                return cli_usage(CMD, "option --gamma: %s is outside [0, 1)", optarg);
            break;
        case O_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc generate gridworld", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (!dir && (!mdp_arg || !rew_arg))
        return cli_usage(CMD, "give -o DIR, or both --mdp and --rewards");

    enum { N = STARC_GRIDWORLD_EPIC_COUNT, SAS = 9 * 5 * 9 };
    starc_error err;
    starc_error_clear(&err);
    starc_mdp *m = NULL;
    char *mdp_path = NULL, *rew_path = NULL, *npy[N] = {NULL};
    double *R = malloc((size_t)N * SAS * sizeof(double));
    starc_array arrays[N];
    const char *names[N];
    int st;
    rc = EXIT_OK;
    if (!R) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    if ((st = starc_gridworld_mdp(3, 3, gamma, &m, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    for (size_t i = 0; i < N; i++) {
        names[i] = starc_gridworld_epic_name(i);
        starc_array_init(&arrays[i]);
        arrays[i].ndim = 3;
        arrays[i].shape[0] = 9;
        arrays[i].shape[1] = 5;
        arrays[i].shape[2] = 9;
        arrays[i].data = R + i * SAS;
        if ((st = starc_gridworld_epic_reward(i, gamma, R + i * SAS, &err))) {
            rc = cli_lib_error(CMD, st, &err);
            goto done;
        }
    }
    if (dir && (rc = cli_mkdir_p(CMD, dir)))
        goto done;
    mdp_path = mdp_arg ? strdup(mdp_arg) : cli_path_join(dir, "mdp.npz");
    rew_path = rew_arg ? strdup(rew_arg) : cli_path_join(dir, "rewards.npz");
    if (!mdp_path || !rew_path) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    if ((rc = cli_write_mdp(CMD, mdp_path, m)) || (rc = cli_write_npz(CMD, rew_path, N, names, arrays)))
        goto done;
    if (dir)
        for (size_t i = 0; i < N; i++) {
            char fname[64];
            snprintf(fname, sizeof fname, "%s.npy", names[i]);
            if (!(npy[i] = cli_path_join(dir, fname))) {
                rc = cli_fail(CMD, "out of memory");
                goto done;
            }
            if ((rc = cli_write_npy(CMD, npy[i], 3, arrays[i].shape, arrays[i].data)))
                goto done;
        }
    if (fmt == CLI_JSON) {
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
        json_object_set_new(o, "gamma", json_real(gamma));
        rc = cli_json_print(o);
    } else {
        printf("mdp\t%s\nrewards\t%s\n", mdp_path, rew_path);
        for (size_t i = 0; i < N; i++)
            if (npy[i])
                printf("%s\t%s\n", names[i], npy[i]);
    }
done:
    free(R);
    free(mdp_path);
    free(rew_path);
    for (size_t i = 0; i < N; i++)
        free(npy[i]);
    starc_mdp_free(m);
    return rc;
}
