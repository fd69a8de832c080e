/* starc generate gridworld: the EPIC paper's 3x3 gridworld and its six named
 * rewards (docs/theory.md, Reference values), as numpy files; with --size,
 * a slippery gridworld of any size (docs/sparse.md), in CSR form when large. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fmt17.h"

static const char *CMD = "generate gridworld";

static void help(void)
{
    printf("Usage: starc generate gridworld (-o DIR | --mdp M.npz --rewards R.npz) [--gamma G]\n"
           "                                [--format text|json]\n"
           "       starc generate gridworld --size WxH [--slip P] [--sparse] (-o DIR | --mdp M.npz)\n"
           "                                [--gamma G] [--format text|json]\n\n"
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
           "  -h, --help         this help\n\n"
           "With --size WxH: a slippery gridworld of W columns and H rows, S = W*H, s = W*y + x,\n"
           "4 actions (0 up, 1 down, 2 left, 3 right); an action goes its own way with probability\n"
           "1 - P and each of the four ways with P/4 (moves off the grid stay put), uniform mu0,\n"
           "gamma 0.95 unless --gamma.  Written with T in CSR form (T_data, T_indices, T_indptr,\n"
           "T_shape) when S > %d, the size above which 'starc regret --engine auto' solves\n"
           "sparsely, or with --sparse; densely (T) otherwise.  The dense T is never built for CSR.\n"
           "No rewards are written: draw them with 'starc generate reward --mdp M.npz'.\n"
           "  --size WxH         grid width and height (W, H >= 1)\n"
           "  --slip P           probability of a random direction, in [0, 1] (default 0.2)\n"
           "  --sparse           write T in CSR form at any size\n",
           STARC_POLICY_ENGINE_DENSE_MAX_S);
}

typedef struct grid_opts {
    size_t W, H;
    double slip;
    int have_size, have_slip, sparse, have_gamma;
} grid_opts;

/* "WxH" with W, H >= 1. */
static int parse_size(const char *arg, grid_opts *g)
{
    char buf[64];
    const char *x = strchr(arg, 'x');
    if (!x || (size_t)(x - arg) >= sizeof buf)
        return cli_usage(CMD, "option --size: '%s' is not WxH (e.g. 1000x1000)", arg);
    memcpy(buf, arg, (size_t)(x - arg));
    buf[x - arg] = '\0';
    int rc;
    if ((rc = cli_parse_size(CMD, "size", buf, &g->W)) || (rc = cli_parse_size(CMD, "size", x + 1, &g->H)))
        return rc;
    if (g->W == 0 || g->H == 0)
        return cli_usage(CMD, "option --size: '%s': width and height must be at least 1", arg);
    g->have_size = 1;
    return EXIT_OK;
}


enum { PARSED_HELP = -1, N = STARC_GRIDWORLD_EPIC_COUNT, SAS = 9 * 5 * 9 };

static int parse_options(int argc, char **argv, gridworld_args *a, grid_opts *g)
{
    enum { O_MDP = 256, O_REWARDS, O_GAMMA, O_FORMAT, O_SIZE, O_SLIP, O_SPARSE };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"mdp", required_argument, NULL, O_MDP},
        {"rewards", required_argument, NULL, O_REWARDS}, {"gamma", required_argument, NULL, O_GAMMA},
        {"format", required_argument, NULL, O_FORMAT}, {"help", no_argument, NULL, 'h'},
        {"size", required_argument, NULL, O_SIZE}, {"slip", required_argument, NULL, O_SLIP},
        {"sparse", no_argument, NULL, O_SPARSE}, {NULL, 0, NULL, 0}};
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
            g->have_gamma = 1;
            break;
        case O_SIZE: if ((rc = parse_size(optarg, g))) return rc; break;
        case O_SLIP:
            if ((rc = cli_parse_double(CMD, "slip", optarg, &g->slip)))
                return rc;
            if (!(g->slip >= 0.0 && g->slip <= 1.0))
                return cli_usage(CMD, "option --slip: %s is outside [0, 1]", optarg);
            g->have_slip = 1;
            break;
        case O_SPARSE: g->sparse = 1; break;
        case O_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc generate gridworld", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (g->have_size) {
        if (a->rewards)
            return cli_usage(CMD, "option --rewards: --size writes no rewards; draw them with 'starc generate reward --mdp'");
        if (!a->dir && !a->mdp)
            return cli_usage(CMD, "give -o DIR or --mdp FILE");
        if (!g->have_gamma)
            a->gamma = 0.95;
        return EXIT_OK;
    }
    if (g->have_slip || g->sparse)
        return cli_usage(CMD, "option --%s: only with --size WxH", g->have_slip ? "slip" : "sparse");
    if (!a->dir && (!a->mdp || !a->rewards))
        return cli_usage(CMD, "give -o DIR, or both --mdp and --rewards");
    return EXIT_OK;
}

/* starc generate gridworld --size WxH: the slippery gridworld, CSR above the
 * dense engine's size (or with --sparse). */
static int slippery_job(const gridworld_args *a, const grid_opts *g, FILE *out)
{
    starc_gridworld_options o;
    starc_gridworld_options_default(&o);
    o.gamma = a->gamma;
    o.slip = g->slip;
    size_t S = g->W * g->H;
    if (g->H != 0 && S / g->H != g->W)
        return cli_usage(CMD, "option --size: %zux%zu is too large", g->W, g->H);
    o.sparse = g->sparse || S > STARC_POLICY_ENGINE_DENSE_MAX_S;
    char *mdp_path = a->mdp ? strdup(a->mdp) : cli_path_join(a->dir, STARC_RESULTS_MDP);
    if (!mdp_path)
        return cli_fail(CMD, "out of memory");
    starc_mdp *m = NULL;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_gridworld_slippery(g->W, g->H, &o, &m, &err), rc;
    if (st)
        rc = cli_lib_error(CMD, st, &err);
    else if (!(rc = a->dir ? cli_mkdir_p(CMD, a->dir) : EXIT_OK) && !(rc = cli_write_mdp(CMD, mdp_path, m))) {
        const char *storage = starc_mdp_is_sparse(m) ? "sparse (CSR)" : "dense";
        if (a->fmt == CLI_JSON) {
            json_t *j = json_object();
            json_object_set_new(j, "mdp", json_string(mdp_path));
            json_object_set_new(j, "width", json_integer((json_int_t)g->W));
            json_object_set_new(j, "height", json_integer((json_int_t)g->H));
            json_object_set_new(j, "states", json_integer((json_int_t)S));
            json_object_set_new(j, "actions", json_integer(STARC_GRIDWORLD_SLIPPERY_ACTIONS));
            json_object_set_new(j, "slip", cli_json_num(o.slip));
            json_object_set_new(j, "gamma", cli_json_num(o.gamma));
            json_object_set_new(j, "storage", json_string(storage));
            json_object_set_new(j, "nnz", json_integer((json_int_t)starc_mdp_nnz(m)));
            rc = cli_json_fprint(out, j);
        } else {
            char gb[32], sb[32];
            fmt17(gb, o.gamma);
            fmt17(sb, o.slip);
            fputs("mdp\t", out), cli_escape(out, mdp_path);
            fprintf(out, "\n%zux%zu slippery gridworld: S=%zu A=%d slip=%s gamma=%s, %s, nnz=%zu\n", g->W, g->H, S,
                    STARC_GRIDWORLD_SLIPPERY_ACTIONS, sb, gb, storage, starc_mdp_nnz(m));
        }
    }
    starc_mdp_free(m);
    free(mdp_path);
    return rc;
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
    grid_opts g = {0, 0, 0.2, 0, 0, 0, 0};
    int rc = parse_options(argc, argv, &a, &g);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    return g.have_size ? slippery_job(&a, &g, stdout) : gridworld_job(&a, stdout);
}
