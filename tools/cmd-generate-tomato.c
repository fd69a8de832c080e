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

int cmd_generate_tomato(int argc, char **argv)
{
    static const struct option opts[] = {
        {"map", required_argument, NULL, 'M'}, {"gamma", required_argument, NULL, 'g'},
        {"dry-prob", required_argument, NULL, 'd'}, {"epsilon", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    starc_tomato_options to;
    starc_tomato_options_default(&to);
    const char *dir = NULL;
    enum cli_format fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'M': to.map = optarg; break;
        case 'g': if ((rc = cli_parse_double(CMD, "gamma", optarg, &to.gamma))) return rc; break;
        case 'd': if ((rc = cli_parse_double(CMD, "dry-prob", optarg, &to.dry_prob))) return rc; break;
        case 'e': if ((rc = cli_parse_double(CMD, "epsilon", optarg, &to.base_epsilon))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &dir))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc generate tomato", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (!dir)
        return cli_usage(CMD, "option -o is required");
    starc_tomato *t = NULL;
    starc_proxy *px = NULL;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_tomato_alloc(&to, &t, &err);
    if (st)
        return cli_usage(CMD, "%s", err.message);
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *bt = malloc(S * A * sizeof(double)), *bp = malloc(S * A * sizeof(double));
    char *pm = cli_path_join(dir, "mdp.npz"), *pr = cli_path_join(dir, "rewards.npz"), *pb = cli_path_join(dir, "base.npy");
    int wrote = 0;
    if (!bt || !bp || !pm || !pr || !pb) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    /* The phenomenon, measured exactly: correlation under the base, proxy-optimal true return, ORPO. */
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            bt[s * A + a] = starc_tomato_true_reward(t)[s];
            bp[s * A + a] = starc_tomato_proxy_reward(t)[s];
        }
    starc_proxy_hacking hk;
    st = starc_proxy_alloc(m, starc_tomato_base_policy(t), bt, bp, STARC_PROB_TOL, &px, &err);
    if (!st)
        st = starc_proxy_check_hacking(px, NULL, NULL, &hk, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    const starc_proxy_stats *ps = starc_proxy_get_stats(px);
    double Jbt, Jbp;
    starc_proxy_base_returns(px, &Jbt, &Jbp);
    if ((rc = cli_mkdir_p(CMD, dir)))
        goto done;
    starc_array arr[2];
    const char *names[2] = {"true", "proxy"};
    for (int k = 0; k < 2; k++) {
        starc_array_init(&arr[k]);
        arr[k].ndim = 1;
        arr[k].shape[0] = S;
        arr[k].data = (double *)(k ? starc_tomato_proxy_reward(t) : starc_tomato_true_reward(t));
    }
    size_t pshape[2] = {S, A};
    if (!(rc = cli_write_mdp(CMD, pm, m))) {
        wrote = 1;
        if (!(rc = cli_write_npz(CMD, pr, 2, names, arr))) {
            wrote = 2;
            if (!(rc = cli_write_npy(CMD, pb, 2, pshape, starc_tomato_base_policy(t))))
                wrote = 3;
        }
    }
    if (rc) {
        /* No partial result: remove what was written before the failure. */
        if (wrote >= 1)
            unlink(pm);
        if (wrote >= 2)
            unlink(pr);
        goto done;
    }
    size_t bucket = starc_tomato_bucket(t), cols = starc_tomato_cols(t);
    const char *desc =
        "Tomato-watering gridworld (CP's reward-hacking example). State s = cell * 2^k + mask (cell = row * cols + "
        "col, bit i of mask: tomato i watered, tomatoes in reading order); actions 0 stay, 1 up, 2 down, 3 left, "
        "4 right. Each step every watered tomato dries with probability dry_prob, then the agent moves and waters "
        "the tomato it steps on. True reward: fraction of tomatoes watered. Proxy: the same, except 1 on the bucket "
        "cell (every tomato looks watered). Base: (1 - epsilon) * true-optimal policy + epsilon * uniform.";
    if (fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "description", json_string(desc));
        json_object_set_new(o, "mdp", json_string(pm));
        json_object_set_new(o, "rewards", json_string(pr));
        json_object_set_new(o, "base", json_string(pb));
        json_object_set_new(o, "map", json_string(to.map));
        json_object_set_new(o, "rows", json_integer((json_int_t)starc_tomato_rows(t)));
        json_object_set_new(o, "cols", json_integer((json_int_t)cols));
        json_object_set_new(o, "tomatoes", json_integer((json_int_t)starc_tomato_count(t)));
        json_object_set_new(o, "bucket", json_pack("[I,I]", (json_int_t)(bucket / cols), (json_int_t)(bucket % cols)));
        json_object_set_new(o, "states", json_integer((json_int_t)S));
        json_object_set_new(o, "actions", json_integer((json_int_t)A));
        json_object_set_new(o, "gamma", cli_json_num(to.gamma));
        json_object_set_new(o, "dry_prob", cli_json_num(to.dry_prob));
        json_object_set_new(o, "epsilon", cli_json_num(to.base_epsilon));
        json_object_set_new(o, "r", cli_json_num(ps->r));
        json_object_set_new(o, "orpo_coef", cli_json_num(ps->orpo_coef));
        json_object_set_new(o, "base_true_return", cli_json_num(Jbt));
        json_object_set_new(o, "proxy_optimal_true_return", cli_json_num(hk.proxy_optimal.true_return));
        json_object_set_new(o, "reward_hacking", json_boolean(hk.reward_hacking));
        rc = cli_json_print(o);
    } else {
        printf("%s\n\n", desc);
        printf("map\t%s\n", to.map);
        printf("grid\t%zu x %zu, %zu tomatoes, bucket at row %zu col %zu\n", starc_tomato_rows(t), cols,
               starc_tomato_count(t), bucket / cols, bucket % cols);
        printf("states\t%zu\nactions\t%zu\n", S, A);
        printf("files\t%s %s %s\n", pm, pr, pb);
        cli_put_num(stdout, "r", ps->r);
        cli_put_num(stdout, "orpo_coef", ps->orpo_coef);
        cli_put_num(stdout, "base_true_return", Jbt);
        cli_put_num(stdout, "proxy_optimal_true_return", hk.proxy_optimal.true_return);
        printf("reward_hacking\t%s\n", hk.reward_hacking ? "true" : "false");
        printf("\nTry: starc proxy --mdp %s --true %s:true --proxy %s:proxy --base %s\n"
               "     starc regularize --mdp %s --true %s:true --proxy %s:proxy --base %s --method om-sqrt-chi2 --coef orpo\n",
               pm, pr, pr, pb, pm, pr, pr, pb);
        rc = EXIT_OK;
    }
done:
    starc_proxy_free(px);
    starc_tomato_free(t);
    free(bt);
    free(bp);
    free(pm);
    free(pr);
    free(pb);
    return rc;
}
