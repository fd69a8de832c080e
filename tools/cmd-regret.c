/* starc regret: normalised regret of the proxy-optimal policy under the true reward. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *CMD = "regret";

static void help(void)
{
    printf("Usage: starc regret --mdp M.npz --true R --proxy R [--symmetric] [--format text|json]\n\n"
           "Normalised regret (J_t(pi*_t) - J_t(pi*_p)) / (J_t(pi*_t) - J_t(pi-_t)) of optimising the\n"
           "proxy reward when the true reward is --true; exact policy iteration, ties to the lowest action.\n"
           "Rewards: FILE.npy of shape (S,), (S,A) or (S,A,S), or FILE.npz:KEY.\n\n"
           "  --mdp FILE       MDP .npz with T, mu0, gamma\n"
           "  --true SPEC      the true reward\n"
           "  --proxy SPEC     the proxy reward\n"
           "  --symmetric      report (reg(true,proxy) + reg(proxy,true)) / 2 as regret\n"
           "  --format FMT     text (default) or json\n"
           "  -h, --help       this help\n");
}

int cmd_regret(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'}, {"true", required_argument, NULL, 't'},
        {"proxy", required_argument, NULL, 'p'}, {"symmetric", no_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *mdp_path = NULL, *tpath = NULL, *ppath = NULL;
    int symmetric = 0, c, rc;
    enum cli_format fmt = CLI_TEXT;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mdp_path = optarg; break;
        case 't': tpath = optarg; break;
        case 'p': ppath = optarg; break;
        case 's': symmetric = 1; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc regret", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", mdp_path)))
        return rc;
    if ((rc = cli_require(CMD, "true", tpath)))
        return rc;
    if ((rc = cli_require(CMD, "proxy", ppath)))
        return rc;

    starc_mdp *m = NULL;
    double *Rt = NULL, *Rp = NULL;
    if ((rc = cli_load_mdp(CMD, mdp_path, &m)) || (rc = cli_load_reward(CMD, "true", tpath, m, &Rt, NULL)) ||
        (rc = cli_load_reward(CMD, "proxy", ppath, m, &Rp, NULL)))
        goto done;
    starc_regret_result fwd, rev;
    starc_error err;
    starc_error_clear(&err);
    int st = starc_regret(m, Rt, Rp, NULL, &fwd, NULL, &err);
    if (!st && symmetric)
        st = starc_regret(m, Rp, Rt, NULL, &rev, NULL, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    double reg = symmetric ? 0.5 * (fwd.regret + rev.regret) : fwd.regret;
    if (fmt == CLI_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "regret", cli_json_num(reg));
        json_object_set_new(o, "true_optimal_return", cli_json_num(fwd.true_optimal_return));
        json_object_set_new(o, "proxy_policy_return", cli_json_num(fwd.proxy_policy_return));
        json_object_set_new(o, "true_worst_return", cli_json_num(fwd.true_worst_return));
        if (symmetric) {
            json_object_set_new(o, "symmetric", json_true());
            json_object_set_new(o, "regret_true_proxy", cli_json_num(fwd.regret));
            json_object_set_new(o, "regret_proxy_true", cli_json_num(rev.regret));
        }
        rc = cli_json_print(o);
    } else {
        cli_put_num(stdout, "regret", reg);
        cli_put_num(stdout, "true_optimal_return", fwd.true_optimal_return);
        cli_put_num(stdout, "proxy_policy_return", fwd.proxy_policy_return);
        cli_put_num(stdout, "true_worst_return", fwd.true_worst_return);
        if (symmetric) {
            cli_put_num(stdout, "regret_true_proxy", fwd.regret);
            cli_put_num(stdout, "regret_proxy_true", rev.regret);
        }
        rc = EXIT_OK;
    }
done:
    starc_mdp_free(m);
    free(Rt);
    free(Rp);
    return rc;
}
