/* starc generate: random MDPs and rewards by the STARC study's protocol
 * (libstarc/generate.c), Dirichlet MDPs, and interpolation between rewards.
 * Kinds: mdp, reward; gridworld, tomato and proxy are forwarded to their
 * modules (cmd-generate-gridworld.c, cmd-generate-tomato.c, cmd-generate-proxy.c). */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt17.h"

static const char *CMD = "generate";

static void help(void)
{
    printf("Usage: starc generate KIND [OPTIONS] -o FILE\n\n"
           "Random MDPs and rewards, seeded through GSL's mt19937 generator.\n\n"
           "Kinds:\n"
           "  mdp      a random MDP (.npz with T, mu0, gamma): the STARC study's sparse-softmax\n"
           "           transitions (default) or Dirichlet rows (--dirichlet ALPHA); uniform mu0\n"
           "  reward   random rewards (S,A,S), or (nnz,) for a sparse --mdp, by the STARC study's protocol (Gaussian, then\n"
           "           sparsified, scaled, shifted, potential-shaped at random), or the linear\n"
           "           interpolation R1 + (i/T)(R2 - R1), i = 0..T, of two given rewards\n"
           "  gridworld  the EPIC paper's 3x3 gridworld and its named rewards\n"
           "  tomato     the tomato-watering gridworld with a flawed proxy\n"
           "  proxy      a proxy reward that overoptimises\n"
           "  (run 'starc generate KIND --help' for the options of these three)\n\n"
           "Common options:\n"
           "  -o, --output FILE   output file (.npz; a single reward may also be .npy)\n"
           "  --seed X            generator seed (default 0); the same seed gives the same bytes\n"
           "  --format FMT        text (default) or json summary on stdout\n"
           "  -h, --help          this help\n\n"
           "mdp options:\n"
           "  --states S          number of states (default 32)\n"
           "  --actions A         number of actions (default 4)\n"
           "  --gamma G           discount (default 0.95)\n"
           "  --threshold X       sparse-softmax threshold (default by S: 1, 1.5 from S=50, 1.8 from S=100)\n"
           "  --dirichlet ALPHA   Dirichlet(ALPHA) transition rows instead of the study's protocol\n"
           "  --successors K      a sparse MDP (CSR): each (s,a) has exactly K distinct successors,\n"
           "                      uniformly chosen, probabilities Dirichlet(ALPHA) (--dirichlet, default 1)\n\n"
           "reward options:\n"
           "  --mdp FILE          take S, A and gamma from this MDP (else --states/--actions/--gamma)\n"
           "  --count N           number of rewards (default 1); .npz members r1..rN\n"
           "  --p-sparse P        probability of sparsification (default 0.2)\n"
           "  --p-scale P         probability of scaling by 10 U(0,1) (default 0.7)\n"
           "  --p-shift P         probability of adding 10 U(0,1) (default 0.3)\n"
           "  --p-shape P         probability of potential shaping (default 0.5)\n"
           "  --from R1 --to R2   instead of drawing, write R1 + (i/T)(R2 - R1) for i = 0..T as\n"
           "                      .npz members step0..stepT (needs --mdp; R1, R2 are FILE.npy\n"
           "                      or FILE.npz:KEY)\n"
           "  --steps T           interpolation steps (default 16)\n");
}

enum {
    OPT_SEED = 256, OPT_FORMAT, OPT_STATES, OPT_ACTIONS, OPT_GAMMA, OPT_THRESHOLD, OPT_DIRICHLET,
    OPT_MDP, OPT_COUNT, OPT_PSPARSE, OPT_PSCALE, OPT_PSHIFT, OPT_PSHAPE, OPT_FROM, OPT_TO, OPT_STEPS, OPT_SUCCESSORS
};

/* "x.npz" / "x.npy" suffix test. */
static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

typedef struct gen_args {
    const char *out, *mdp_path, *interp[2];
    unsigned long seed;
    size_t S, A, count, steps, K;
    double gamma, threshold, alpha;
    int dirichlet, have_K, have_S, have_A, have_gamma, have_threshold, have_count, have_steps;
    starc_generate_reward_options ro;
    int have_ro;
    enum cli_format fmt;
} gen_args;

static int parse_prob(const char *opt, const char *arg, double *p)
{
    int rc = cli_parse_double(CMD, opt, arg, p);
    if (rc)
        return rc;
    if (*p < 0.0 || *p > 1.0)
        return cli_usage(CMD, "option --%s: %s is not a probability in [0, 1]", opt, arg);
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, gen_args *g)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"seed", required_argument, NULL, OPT_SEED},
        {"format", required_argument, NULL, OPT_FORMAT}, {"help", no_argument, NULL, 'h'},
        {"states", required_argument, NULL, OPT_STATES}, {"actions", required_argument, NULL, OPT_ACTIONS},
        {"gamma", required_argument, NULL, OPT_GAMMA}, {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"dirichlet", required_argument, NULL, OPT_DIRICHLET}, {"mdp", required_argument, NULL, OPT_MDP},
        {"count", required_argument, NULL, OPT_COUNT}, {"p-sparse", required_argument, NULL, OPT_PSPARSE},
        {"p-scale", required_argument, NULL, OPT_PSCALE}, {"p-shift", required_argument, NULL, OPT_PSHIFT},
        {"p-shape", required_argument, NULL, OPT_PSHAPE}, {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"steps", required_argument, NULL, OPT_STEPS}, {"successors", required_argument, NULL, OPT_SUCCESSORS},
        {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &g->out))) return rc; break;
        case 'h': help(); return -1;
        case OPT_SEED: if ((rc = cli_parse_ulong(CMD, "seed", optarg, &g->seed))) return rc; break;
        case OPT_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &g->fmt))) return rc; break;
        case OPT_STATES: if ((rc = cli_parse_size(CMD, "states", optarg, &g->S))) return rc; g->have_S = 1; break;
        case OPT_ACTIONS: if ((rc = cli_parse_size(CMD, "actions", optarg, &g->A))) return rc; g->have_A = 1; break;
        case OPT_GAMMA: if ((rc = cli_parse_double(CMD, "gamma", optarg, &g->gamma))) return rc; g->have_gamma = 1; break;
        case OPT_THRESHOLD:
            if ((rc = cli_parse_double(CMD, "threshold", optarg, &g->threshold))) return rc;
            g->have_threshold = 1;
            break;
        case OPT_DIRICHLET:
            if ((rc = cli_parse_double(CMD, "dirichlet", optarg, &g->alpha))) return rc;
            if (!(g->alpha > 0.0))
                return cli_usage(CMD, "option --dirichlet: %s is not a positive number", optarg);
            g->dirichlet = 1;
            break;
        case OPT_MDP: g->mdp_path = optarg; break;
        case OPT_COUNT: if ((rc = cli_parse_size(CMD, "count", optarg, &g->count))) return rc; g->have_count = 1; break;
        case OPT_PSPARSE: if ((rc = parse_prob("p-sparse", optarg, &g->ro.p_sparse))) return rc; g->have_ro = 1; break;
        case OPT_PSCALE: if ((rc = parse_prob("p-scale", optarg, &g->ro.p_scale))) return rc; g->have_ro = 1; break;
        case OPT_PSHIFT: if ((rc = parse_prob("p-shift", optarg, &g->ro.p_shift))) return rc; g->have_ro = 1; break;
        case OPT_PSHAPE: if ((rc = parse_prob("p-shape", optarg, &g->ro.p_shape))) return rc; g->have_ro = 1; break;
        case OPT_FROM: g->interp[0] = optarg; break;
        case OPT_TO: g->interp[1] = optarg; break;
        case OPT_SUCCESSORS: if ((rc = cli_parse_size(CMD, "successors", optarg, &g->K))) return rc; g->have_K = 1; break;
        case OPT_STEPS: if ((rc = cli_parse_size(CMD, "steps", optarg, &g->steps))) return rc; g->have_steps = 1; break;
        default: return cli_bad_option(CMD, "starc generate", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (!g->out)
        return cli_usage(CMD, "option -o/--output is required");
    return EXIT_OK;
}

static int gen_mdp(gen_args *g)
{
    if (g->mdp_path || g->interp[0] || g->interp[1] || g->have_ro || g->have_count || g->have_steps)
        return cli_usage(CMD, "options --mdp, --count, --from, --to, --steps and --p-* are for 'starc generate reward'");
    if ((g->dirichlet || g->have_K) && g->have_threshold)
        return cli_usage(CMD, "option --threshold: not used with --%s", g->have_K ? "successors" : "dirichlet");
    if (g->have_K && (g->K == 0 || g->K > g->S))
        return cli_usage(CMD, "option --successors: %zu is not in [1, S=%zu]", g->K, g->S);
    if (g->S == 0 || g->A == 0)
        return cli_usage(CMD, "option --%s: must be at least 1", g->S == 0 ? "states" : "actions");
    if (!(g->gamma >= 0.0 && g->gamma < 1.0))
        return cli_usage(CMD, "option --gamma: %.17g is outside [0, 1)", g->gamma);
    if (!has_suffix(g->out, ".npz"))
        return cli_usage(CMD, "option --output: %s: an MDP is written as .npz", g->out);
    starc_error err;
    starc_error_clear(&err);
    starc_generate_rng *r = NULL;
    if (starc_generate_rng_alloc(g->seed, &r, &err))
        return cli_fail(CMD, "out of memory");
    starc_mdp *m = NULL;
    int st;
    if (g->have_K)
        st = starc_generate_mdp_successors(r, g->S, g->A, g->K, g->gamma, g->dirichlet ? g->alpha : 1.0, &m, &err);
    else if (g->dirichlet)
        st = starc_generate_mdp_dirichlet(r, g->S, g->A, g->gamma, g->alpha, &m, &err);
    else {
        starc_generate_mdp_options o;
        starc_generate_mdp_options_default(&o);
        o.gamma = g->gamma;
        if (g->have_threshold)
            o.threshold = g->threshold;
        st = starc_generate_mdp(r, g->S, g->A, &o, &m, &err);
    }
    starc_generate_rng_free(r);
    int rc = st ? cli_lib_error(CMD, st, &err) : cli_write_mdp(CMD, g->out, m);
    if (!rc) {
        if (g->fmt == CLI_JSON) {
            json_t *o = json_object();
            json_object_set_new(o, "kind", json_string("mdp"));
            json_object_set_new(o, "file", json_string(g->out));
            json_object_set_new(o, "protocol", json_string(g->have_K ? "successors" : g->dirichlet ? "dirichlet" : "starc"));
            json_object_set_new(o, "states", json_integer((json_int_t)g->S));
            json_object_set_new(o, "actions", json_integer((json_int_t)g->A));
            json_object_set_new(o, "gamma", cli_json_num(g->gamma));
            json_object_set_new(o, "seed", json_integer((json_int_t)g->seed));
            if (g->have_K) {
                json_object_set_new(o, "successors", json_integer((json_int_t)g->K));
                json_object_set_new(o, "nnz", json_integer((json_int_t)starc_mdp_nnz(m)));
            }
            if (g->dirichlet || g->have_K)
                json_object_set_new(o, "alpha", cli_json_num(g->dirichlet ? g->alpha : 1.0));
            else
                json_object_set_new(o, "threshold", cli_json_num(g->have_threshold ? g->threshold
                                                     : starc_generate_transition_threshold(g->S)));
            rc = cli_json_print(o);
        } else {
            char gb[32];
            fmt17(gb, g->gamma);
            fputs("wrote ", stdout), cli_escape(stdout, g->out);
            if (g->have_K)
                printf(": sparse (CSR) MDP, S=%zu, A=%zu, %zu successors per (s,a), nnz=%zu, gamma=%s, seed %lu\n", g->S,
                       g->A, g->K, starc_mdp_nnz(m), gb, g->seed);
            else
                printf(": %s MDP, S=%zu, A=%zu, gamma=%s, seed %lu\n",
                       g->dirichlet ? "Dirichlet" : "STARC sparse-softmax", g->S, g->A, gb, g->seed);
        }
    }
    starc_mdp_free(m);
    return rc;
}

/* Write n full rewards ((S,A,S), or (nnz,) on a sparse MDP) as .npz (members names[i]) or a single .npy. */
static int write_rewards(const gen_args *g, const starc_mdp *m, size_t n, char **names, double *R)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), k = starc_mdp_reward_size(m);
    const int ndim = starc_mdp_is_sparse(m) ? 1 : 3;
    size_t shape[3] = {S, A, S};
    if (ndim == 1)
        shape[0] = k;
    int rc;
    if (has_suffix(g->out, ".npy"))
        rc = cli_write_npy(CMD, g->out, ndim, shape, R);
    else {
        starc_npy_array *arr = calloc(n, sizeof *arr);
        if (!arr)
            return cli_fail(CMD, "out of memory");
        for (size_t i = 0; i < n; i++) {
            starc_npy_array_init(&arr[i]);
            arr[i].ndim = ndim;
            memcpy(arr[i].shape, shape, sizeof shape);
            arr[i].data = R + i * k; /* borrowed: not cleared below */
        }
        rc = cli_write_npz(CMD, g->out, n, (const char *const *)names, arr);
        free(arr);
    }
    return rc;
}

/* Options that make sense for `generate reward`, and its output name. */
static int check_reward_args(const gen_args *g, int interp)
{
    if (g->dirichlet || g->have_threshold || g->have_K)
        return cli_usage(CMD, "options --dirichlet, --successors and --threshold are for 'starc generate mdp'");
    if (interp && !(g->interp[0] && g->interp[1]))
        return cli_usage(CMD, "option --%s: interpolation needs both --from and --to", g->interp[0] ? "to" : "from");
    if (g->mdp_path && (g->have_S || g->have_A || g->have_gamma))
        return cli_usage(CMD, "option --mdp: S, A and gamma come from the MDP; drop --states/--actions/--gamma");
    if (interp && !g->mdp_path)
        return cli_usage(CMD, "option --from/--to: interpolation needs --mdp (the rewards' shape)");
    if (interp && (g->have_ro || g->have_count))
        return cli_usage(CMD, "option --from/--to: --count and --p-* do not apply to interpolation");
    if (!interp && g->have_steps)
        return cli_usage(CMD, "option --steps: only with --from/--to");
    if (g->count == 0 || (interp && g->steps == 0))
        return cli_usage(CMD, "option --%s: must be at least 1", interp ? "steps" : "count");
    int npy = has_suffix(g->out, ".npy");
    if (!npy && !has_suffix(g->out, ".npz"))
        return cli_usage(CMD, "option --output: %s: rewards are written as .npy or .npz", g->out);
    if (npy && (interp || g->count > 1))
        return cli_usage(CMD, "option --output: %s: several rewards need a .npz file", g->out);
    return EXIT_OK;
}

/* The MDP the rewards are for: --mdp, or a stand-in with the given S, A and gamma. */
static int reward_mdp(const gen_args *g, starc_mdp **m)
{
    if (g->mdp_path)
        return cli_load_mdp(CMD, g->mdp_path, m);
    if (g->S == 0 || g->A == 0)
        return cli_usage(CMD, "option --%s: must be at least 1", g->S == 0 ? "states" : "actions");
    if (!(g->gamma >= 0.0 && g->gamma < 1.0))
        return cli_usage(CMD, "option --gamma: %.17g is outside [0, 1)", g->gamma);
    if (g->S > ((size_t)1 << 12) || g->A > ((size_t)1 << 12) || g->S * g->A * g->S > ((size_t)1 << 28))
        return cli_usage(CMD, "option --states/--actions: S*A*S is too large for a dense reward");
    starc_error err;
    starc_error_clear(&err);
    int st = starc_generate_mdp_uniform(g->S, g->A, g->gamma, m, &err);
    return st ? cli_lib_error(CMD, st, &err) : EXIT_OK;
}

/* R (n rewards) by the study's protocol; their descriptions appended to list. */
static int draw_rewards(const gen_args *g, const starc_mdp *m, size_t n, char **names, double *R, json_t *list)
{
    const size_t k = starc_mdp_reward_size(m);
    starc_error err;
    starc_error_clear(&err);
    starc_generate_rng *r = NULL;
    if (starc_generate_rng_alloc(g->seed, &r, &err))
        return cli_fail(CMD, "out of memory");
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        starc_generate_reward_info info;
        int st = starc_generate_reward(r, m, &g->ro, R + i * k, &info, &err);
        if (st) {
            rc = cli_lib_error(CMD, st, &err);
            break;
        }
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(names[i]));
        json_object_set_new(o, "sparse", json_boolean(info.sparse));
        json_object_set_new(o, "scale", cli_json_num(info.scale));
        json_object_set_new(o, "shift", cli_json_num(info.shift));
        json_object_set_new(o, "shaped", json_boolean(info.shaped));
        json_array_append_new(list, o);
    }
    starc_generate_rng_free(r);
    return rc;
}

/* R1 + (i/T)(R2 - R1), i = 0..T. */
static int interpolate_rewards(const gen_args *g, const starc_mdp *m, double *R)
{
    const size_t k = starc_mdp_reward_size(m);
    /* the interpolants are full rewards: (S,) and (S,A) ends are expanded */
    starc_io_reward_set r1, r2;
    starc_io_reward_set_init(&r1);
    starc_io_reward_set_init(&r2);
    int rc;
    if (!(rc = cli_load_reward(CMD, "from", g->interp[0], m, &r1)) &&
        !(rc = cli_load_reward(CMD, "to", g->interp[1], m, &r2)))
        for (size_t i = 0; i <= g->steps; i++)
            starc_generate_interpolate(k, r1.R, r2.R, (double)i / (double)g->steps, R + i * k);
    starc_io_reward_set_clear(&r1);
    starc_io_reward_set_clear(&r2);
    return rc;
}

static int print_rewards(const gen_args *g, const starc_mdp *m, size_t n, int interp, json_t **list)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    if (g->fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string("reward"));
        json_object_set_new(o, "file", json_string(g->out));
        json_object_set_new(o, "states", json_integer((json_int_t)S));
        json_object_set_new(o, "actions", json_integer((json_int_t)A));
        json_object_set_new(o, "gamma", cli_json_num(starc_mdp_gamma(m)));
        if (interp) {
            json_object_set_new(o, "from", json_string(g->interp[0]));
            json_object_set_new(o, "to", json_string(g->interp[1]));
            json_object_set_new(o, "steps", json_integer((json_int_t)g->steps));
        } else {
            json_object_set_new(o, "seed", json_integer((json_int_t)g->seed));
            json_object_set_new(o, "rewards", *list);
            *list = NULL;
        }
        return cli_json_print(o);
    }
    fputs("wrote ", stdout), cli_escape(stdout, g->out);
    if (interp) {
        printf(": %zu rewards step0..step%zu = R1 + (i/%zu)(R2 - R1)\n", n, g->steps, g->steps);
    } else {
        char gb[32];
        fmt17(gb, starc_mdp_gamma(m));
        printf(": %zu reward%s (S=%zu, A=%zu, gamma=%s), seed %lu\n", n, n == 1 ? "" : "s", S, A, gb,
               g->seed);
    }
    return EXIT_OK;
}

static int gen_reward(gen_args *g)
{
    int interp = g->interp[0] != NULL || g->interp[1] != NULL;
    starc_mdp *m = NULL;
    int rc;
    if ((rc = check_reward_args(g, interp)) || (rc = reward_mdp(g, &m)))
        return rc;
    const size_t k = starc_mdp_reward_size(m);
    const size_t n = interp ? g->steps + 1 : g->count;
    double *R = NULL;
    char **names = calloc(n, sizeof *names);
    json_t *list = json_array();
    if (!names || n > SIZE_MAX / sizeof(double) / k || !(R = malloc(n * k * sizeof(double))))
        rc = cli_fail(CMD, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(names[i] = malloc(32)))
            rc = cli_fail(CMD, "out of memory");
        else
            snprintf(names[i], 32, interp ? "step%zu" : "r%zu", interp ? i : i + 1);
    }
    if (!rc && !(rc = interp ? interpolate_rewards(g, m, R) : draw_rewards(g, m, n, names, R, list)) &&
        !(rc = write_rewards(g, m, n, names, R)))
        rc = print_rewards(g, m, n, interp, &list);
    json_decref(list);
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    free(R);
    starc_mdp_free(m);
    return rc;
}

int cmd_generate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(CMD, "missing KIND (mdp, reward, gridworld, tomato, proxy); see 'starc generate --help'");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        help();
        return EXIT_OK;
    }
    gen_args g;
    memset(&g, 0, sizeof g);
    g.S = 32;
    g.A = 4;
    g.gamma = 0.95;
    g.count = 1;
    g.steps = 16;
    g.threshold = NAN;
    starc_generate_reward_options_default(&g.ro);
    g.fmt = CLI_TEXT;
    const char *kind = argv[1];
    int rc;
    if (strcmp(kind, "gridworld") == 0)
        return cmd_generate_gridworld(argc - 1, argv + 1);
    if (strcmp(kind, "tomato") == 0)
        return cmd_generate_tomato(argc - 1, argv + 1);
    if (strcmp(kind, "proxy") == 0)
        return cmd_generate_proxy(argc - 1, argv + 1);
    if (strcmp(kind, "mdp") != 0 && strcmp(kind, "reward") != 0)
        /* (both wordings are what the modules' CLI tests expect) */
        return cli_usage(CMD, "unknown kind '%s': '%s' is not a kind of generate; use mdp, reward, gridworld, tomato or proxy",
                         kind, kind);
    rc = parse_args(argc - 1, argv + 1, &g);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return strcmp(kind, "mdp") == 0 ? gen_mdp(&g) : gen_reward(&g);
}
