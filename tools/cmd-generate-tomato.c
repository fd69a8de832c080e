/* starc generate tomato: the tomato-watering gridworld with a flawed proxy
 * (CP's reward-hacking example): mdp.npz, rewards.npz (true, proxy), base.npy. */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *CMD = "generate tomato";

static void help(void)
{
    printf("Usage: starc generate tomato [--map MAP] [--gamma G] [--dry-prob P] [--epsilon E]\n"
           "                             -o DIR [--format text|json]\n\n"
           "A tomato-watering gridworld in the spirit of Laidlaw, Singhal & Dragan's experiment: watering\n"
           "tomatoes is the true reward (fraction of tomatoes watered); on the bucket cell the agent sees\n"
           "every tomato watered, so the proxy reward is 1 there.  The base policy mixes the true-optimal\n"
           "policy with the uniform one.  Writes DIR/mdp.npz, DIR/rewards.npz (members 'true', 'proxy',\n"
           "state rewards of shape (S,)) and DIR/base.npy (S,A), and describes the result.\n\n"
           "  --map MAP       rows separated by '/': '.' floor, '#' wall, 'T' tomato, 'B' bucket, 'A' start\n"
           "                  (default %s)\n"
           "  --gamma G       discount (default 0.95)\n"
           "  --dry-prob P    per-step probability that a watered tomato dries (default 0.1)\n"
           "  --epsilon E     weight of the uniform policy in the base policy (default 0.3)\n"
           "  -o DIR          output directory (created if needed)\n"
           "  --format FMT    text (default) or json\n"
           "  -h, --help      this help\n", STARC_TOMATO_DEFAULT_MAP);
}

enum { PARSED_HELP = -1 };

static int parse_options(int argc, char **argv, starc_tomato_options *to, const char **dir, enum cli_format *fmt)
{
    static const struct option opts[] = {
        {"map", required_argument, NULL, 'M'}, {"gamma", required_argument, NULL, 'g'},
        {"dry-prob", required_argument, NULL, 'd'}, {"epsilon", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'M': to->map = optarg; break;
        case 'g': if ((rc = cli_parse_double(CMD, "gamma", optarg, &to->gamma))) return rc; break;
        case 'd': if ((rc = cli_parse_double(CMD, "dry-prob", optarg, &to->dry_prob))) return rc; break;
        case 'e': if ((rc = cli_parse_double(CMD, "epsilon", optarg, &to->base_epsilon))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, dir))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, fmt))) return rc; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc generate tomato", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (!*dir)
        return cli_usage(CMD, "option -o is required");
    return EXIT_OK;
}

/* The phenomenon, measured exactly: correlation under the base, the proxy-optimal policy's true return. */
typedef struct tomato_facts {
    starc_proxy_stats ps;
    starc_proxy_hacking_result hk;
    double Jbt, Jbp;
} tomato_facts;

static int measure(const starc_tomato *t, tomato_facts *f)
{
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *bt = malloc(S * A * sizeof(double)), *bp = malloc(S * A * sizeof(double));
    starc_proxy *px = NULL;
    starc_error err;
    starc_error_clear(&err);
    int rc = bt && bp ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc) {
        starc_mdp_state_reward_expected(m, starc_tomato_true_reward(t), bt);
        starc_mdp_state_reward_expected(m, starc_tomato_proxy_reward(t), bp);
        int st = starc_proxy_alloc_rbar(m, bt, bp, starc_tomato_base_policy(t), NULL, &px, &err);
        if (!st)
            st = starc_proxy_check_hacking(px, NULL, NULL, &f->hk, &err);
        if (st)
            rc = cli_lib_error(CMD, st, &err);
    }
    if (!rc) {
        f->ps = *starc_proxy_get_stats(px);
        starc_proxy_base_returns(px, &f->Jbt, &f->Jbp);
    }
    starc_proxy_free(px);
    free(bt);
    free(bp);
    return rc;
}

/* DIR/mdp.npz, DIR/rewards.npz, DIR/base.npy, all or none. */
static int write_files(const starc_tomato *t, const char *dir, const char *pm, const char *pr, const char *pb)
{
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    int rc = cli_mkdir_p(CMD, dir);
    if (rc)
        return rc;
    starc_npy_array arr[2];
    const char *names[2] = {"true", "proxy"};
    for (int k = 0; k < 2; k++) {
        starc_npy_array_init(&arr[k]);
        arr[k].ndim = 1;
        arr[k].shape[0] = S;
        arr[k].data = (double *)(k ? starc_tomato_proxy_reward(t) : starc_tomato_true_reward(t));
    }
    size_t pshape[2] = {S, A};
    int wrote = 0;
    if (!(rc = cli_write_mdp(CMD, pm, m))) {
        wrote = 1;
        if (!(rc = cli_write_npz(CMD, pr, 2, names, arr))) {
            wrote = 2;
            rc = cli_write_npy(CMD, pb, 2, pshape, starc_tomato_base_policy(t));
        }
    }
    if (rc) { /* no partial result: remove what was written before the failure */
        if (wrote >= 1)
            unlink(pm);
        if (wrote >= 2)
            unlink(pr);
    }
    return rc;
}

static const char *const description =
    "Tomato-watering gridworld (CP's reward-hacking example). State s = cell * 2^k + mask (cell = row * cols + "
    "col, bit i of mask: tomato i watered, tomatoes in reading order); actions 0 stay, 1 up, 2 down, 3 left, "
    "4 right. Each step every watered tomato dries with probability dry_prob, then the agent moves and waters "
    "the tomato it steps on. True reward: fraction of tomatoes watered. Proxy: the same, except 1 on the bucket "
    "cell (every tomato looks watered). Base: (1 - epsilon) * true-optimal policy + epsilon * uniform.";

static int print_json(const starc_tomato *t, const starc_tomato_options *to, const tomato_facts *f,
                      const char *const paths[3])
{
    const starc_mdp *m = starc_tomato_mdp(t);
    size_t bucket = starc_tomato_bucket(t), cols = starc_tomato_cols(t);
    json_t *o = json_object();
    json_object_set_new(o, "description", json_string(description));
    json_object_set_new(o, "mdp", json_string(paths[0]));
    json_object_set_new(o, "rewards", json_string(paths[1]));
    json_object_set_new(o, "base", json_string(paths[2]));
    json_object_set_new(o, "map", json_string(to->map));
    json_object_set_new(o, "rows", json_integer((json_int_t)starc_tomato_rows(t)));
    json_object_set_new(o, "cols", json_integer((json_int_t)cols));
    json_object_set_new(o, "tomatoes", json_integer((json_int_t)starc_tomato_count(t)));
    json_object_set_new(o, "bucket", json_pack("[I,I]", (json_int_t)(bucket / cols), (json_int_t)(bucket % cols)));
    json_object_set_new(o, "states", json_integer((json_int_t)starc_mdp_states(m)));
    json_object_set_new(o, "actions", json_integer((json_int_t)starc_mdp_actions(m)));
    json_object_set_new(o, "gamma", cli_json_num(to->gamma));
    json_object_set_new(o, "dry_prob", cli_json_num(to->dry_prob));
    json_object_set_new(o, "epsilon", cli_json_num(to->base_epsilon));
    json_object_set_new(o, "r", cli_json_num(f->ps.r));
    json_object_set_new(o, "orpo_coef", cli_json_num(f->ps.orpo_coef));
    json_object_set_new(o, "base_true_return", cli_json_num(f->Jbt));
    json_object_set_new(o, "proxy_optimal_true_return", cli_json_num(f->hk.proxy_optimal.true_return));
    json_object_set_new(o, "reward_hacking", json_boolean(f->hk.reward_hacking));
    return cli_json_print(o);
}

static void print_text(const starc_tomato *t, const starc_tomato_options *to, const tomato_facts *f,
                       const char *const paths[3])
{
    const starc_mdp *m = starc_tomato_mdp(t);
    size_t bucket = starc_tomato_bucket(t), cols = starc_tomato_cols(t);
    const char *pm = paths[0], *pr = paths[1], *pb = paths[2];
    printf("%s\n\n", description);
    printf("map\t%s\n", to->map);
    printf("grid\t%zu x %zu, %zu tomatoes, bucket at row %zu col %zu\n", starc_tomato_rows(t), cols,
           starc_tomato_count(t), bucket / cols, bucket % cols);
    printf("states\t%zu\nactions\t%zu\n", starc_mdp_states(m), starc_mdp_actions(m));
    fputs("files\t", stdout), cli_escape(stdout, pm), fputc(' ', stdout), cli_escape(stdout, pr);
    fputc(' ', stdout), cli_escape(stdout, pb), fputc('\n', stdout);
    cli_put_num(stdout, "r", f->ps.r);
    cli_put_num(stdout, "orpo_coef", f->ps.orpo_coef);
    cli_put_num(stdout, "base_true_return", f->Jbt);
    cli_put_num(stdout, "proxy_optimal_true_return", f->hk.proxy_optimal.true_return);
    printf("reward_hacking\t%s\n", f->hk.reward_hacking ? "true" : "false");
    /* the suggestion names the files as the summary does: escaped, one line each */
    static const char *const cmds[2] = {"proxy", "regularize"};
    for (int c = 0; c < 2; c++) {
        fputs(c ? "     starc " : "\nTry: starc ", stdout), fputs(cmds[c], stdout);
        fputs(" --mdp ", stdout), cli_escape(stdout, pm), fputs(" --true ", stdout), cli_escape(stdout, pr);
        fputs(":true --proxy ", stdout), cli_escape(stdout, pr), fputs(":proxy --base ", stdout);
        cli_escape(stdout, pb), fputs(c ? " --method om-sqrt-chi2 --coef orpo\n" : "\n", stdout);
    }
}

int cmd_generate_tomato(int argc, char **argv)
{
    starc_tomato_options to;
    starc_tomato_options_default(&to);
    const char *dir = NULL;
    enum cli_format fmt = CLI_TEXT;
    int rc = parse_options(argc, argv, &to, &dir, &fmt);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    starc_tomato *t = NULL;
    starc_error err;
    starc_error_clear(&err);
    if (starc_tomato_alloc(&to, &t, &err))
        return cli_usage(CMD, "%s", err.message);
    char *paths[3] = {cli_path_join(dir, "mdp.npz"), cli_path_join(dir, "rewards.npz"), cli_path_join(dir, "base.npy")};
    tomato_facts f;
    rc = paths[0] && paths[1] && paths[2] ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc && !(rc = measure(t, &f)) && !(rc = write_files(t, dir, paths[0], paths[1], paths[2]))) {
        if (fmt == CLI_JSON)
            rc = print_json(t, &to, &f, (const char *const *)paths);
        else
            print_text(t, &to, &f, (const char *const *)paths);
    }
    for (int i = 0; i < 3; i++)
        free(paths[i]);
    starc_tomato_free(t);
    return rc;
}
