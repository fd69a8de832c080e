/* starc generate proxy: proxy rewards that overoptimise (noise, heavy-tail,
 * off-distribution, learned), for overoptimisation studies. */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *CMD = "generate proxy";

static void help(void)
{
    printf("Usage: starc generate proxy --mdp M.npz --true R [--base P.npy]\n"
           "                            --kind noise|heavy-tail|off-distribution|learned\n"
           "                            [--scale X] [--seed N] [--df X] [--floor X] [--comparisons N]\n"
           "                            [--segment H] [--temperature X] [--l2 X] [--format text|json] -o FILE.npy\n\n"
           "Write a proxy reward of shape (S,A) that agrees with the true expected reward up to an error\n"
           "of the chosen kind; sigma below is the standard deviation of the true reward under the base\n"
           "policy's occupancy.  Same seed, same bytes.\n\n"
           "  --mdp FILE          MDP .npz with T, mu0, gamma\n"
           "  --true SPEC         the true reward (FILE.npy or FILE.npz:KEY)\n"
           "  --base FILE         base policy .npy (S,A) (default: uniform)\n"
           "  --kind KIND         noise: Gaussian error, scale*sigma\n"
           "                      heavy-tail: Student-t error (--df), scale*sigma\n"
           "                      off-distribution: Gaussian error scale*sigma/sqrt(S*A*mu_b(s,a) + floor),\n"
           "                        largest where the base policy rarely goes\n"
           "                      learned: Bradley-Terry reward model fitted to comparisons of base-policy\n"
           "                        trajectory segments labelled by the true reward\n"
           "  --scale X           error scale in units of sigma (default 0.5)\n"
           "  --seed N            random seed (default 0)\n"
           "  --df X              heavy-tail degrees of freedom (default 1.5)\n"
           "  --floor X           off-distribution floor (default 0.01)\n"
           "  --comparisons N     learned: number of comparisons (default 10*S*A)\n"
           "  --segment H         learned: segment length (default 1)\n"
           "  --temperature X     learned: labeller temperature in units of sigma (default 0.5)\n"
           "  --l2 X              learned: ridge weight (default 1)\n"
           "  -o, --output FILE   output .npy\n"
           "  --format FMT        text (default) or json summary on stdout\n"
           "  -h, --help          this help\n");
}

int cmd_generate_proxy(int argc, char **argv)
{
    enum { O_BASE = 256, O_KIND, O_SCALE, O_SEED, O_DF, O_FLOOR, O_COMP, O_SEG, O_TEMP, O_L2 };
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, 'm'},           {"true", required_argument, NULL, 't'},
        {"base", required_argument, NULL, O_BASE},       {"kind", required_argument, NULL, O_KIND},
        {"scale", required_argument, NULL, O_SCALE},     {"seed", required_argument, NULL, O_SEED},
        {"df", required_argument, NULL, O_DF},           {"floor", required_argument, NULL, O_FLOOR},
        {"comparisons", required_argument, NULL, O_COMP}, {"segment", required_argument, NULL, O_SEG},
        {"temperature", required_argument, NULL, O_TEMP}, {"l2", required_argument, NULL, O_L2},
        {"output", required_argument, NULL, 'o'},        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0}};
    static const char *const kinds[] = {"noise", "heavy-tail", "off-distribution", "learned", NULL};
    const char *mdp_path = NULL, *tpath = NULL, *bpath = NULL, *out = NULL;
    int kind = -1, c, rc;
    enum cli_format fmt = CLI_TEXT;
    starc_proxygen_options o;
    starc_proxygen_options_default(&o);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mdp_path = optarg; break;
        case 't': tpath = optarg; break;
        case O_BASE: bpath = optarg; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &out))) return rc; break;
        case O_KIND: if ((rc = cli_parse_choice(CMD, "kind", optarg, kinds, &kind))) return rc; break;
        case O_SCALE:
            if ((rc = cli_parse_double(CMD, "scale", optarg, &o.scale))) return rc;
            if (o.scale < 0) return cli_usage(CMD, "option --scale: '%s' must be >= 0", optarg);
            break;
        case O_SEED: if ((rc = cli_parse_ulong(CMD, "seed", optarg, &o.seed))) return rc; break;
        case O_DF:
            if ((rc = cli_parse_double(CMD, "df", optarg, &o.df))) return rc;
            if (!(o.df > 0)) return cli_usage(CMD, "option --df: '%s' must be > 0", optarg);
            break;
        case O_FLOOR:
            if ((rc = cli_parse_double(CMD, "floor", optarg, &o.floor))) return rc;
            if (!(o.floor > 0)) return cli_usage(CMD, "option --floor: '%s' must be > 0", optarg);
            break;
        case O_COMP:
            if ((rc = cli_parse_size(CMD, "comparisons", optarg, &o.comparisons))) return rc;
            if (o.comparisons < 1) return cli_usage(CMD, "option --comparisons: '%s' must be >= 1", optarg);
            break;
        case O_SEG:
            if ((rc = cli_parse_size(CMD, "segment", optarg, &o.segment))) return rc;
            if (o.segment < 1) return cli_usage(CMD, "option --segment: '%s' must be >= 1", optarg);
            break;
        case O_TEMP:
            if ((rc = cli_parse_double(CMD, "temperature", optarg, &o.temperature))) return rc;
            if (!(o.temperature > 0)) return cli_usage(CMD, "option --temperature: '%s' must be > 0", optarg);
            break;
        case O_L2:
            if ((rc = cli_parse_double(CMD, "l2", optarg, &o.l2))) return rc;
            if (!(o.l2 > 0)) return cli_usage(CMD, "option --l2: '%s' must be > 0", optarg);
            break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc generate proxy", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", mdp_path)))
        return rc;
    if ((rc = cli_require(CMD, "true", tpath)))
        return rc;
    if (kind < 0)
        return cli_usage(CMD, "option --kind is required (noise, heavy-tail, off-distribution, learned)");
    if (!out)
        return cli_usage(CMD, "option -o/--output FILE is required");
    o.kind = (starc_proxygen_kind)kind;

    starc_mdp *m = NULL;
    double *Rt = NULL, *pb = NULL, *Rp = NULL, *Rbar = NULL, *mu = NULL;
    if ((rc = cli_load_mdp(CMD, mdp_path, &m)) || (rc = cli_load_reward(CMD, "true", tpath, m, &Rt, NULL)) ||
        (rc = cli_load_policy(CMD, "base", bpath, m, &pb)))
        goto done;
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    Rp = malloc(S * A * sizeof(double));
    Rbar = malloc(S * A * sizeof(double));
    mu = malloc(S * A * sizeof(double));
    if (!Rp || !Rbar || !mu) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    starc_error err;
    starc_error_clear(&err);
    starc_proxy_stats ps;
    size_t shape[2] = {S, A};
    int st;
    if ((st = starc_proxygen(m, Rt, pb, &o, Rp, &err)) ||
        (st = starc_policy_occupancy(m, pb, NULL, mu, NULL, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    starc_reward_expected(m, Rt, Rbar);
    if ((st = starc_proxy_weighted_stats(S * A, mu, Rbar, Rp, &ps, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    if ((rc = cli_write_npy(CMD, out, 2, shape, Rp)))
        goto done;
    if (fmt == CLI_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "output", json_string(out));
        json_object_set_new(j, "kind", json_string(kinds[kind]));
        json_object_set_new(j, "seed", json_integer((json_int_t)o.seed));
        json_object_set_new(j, "shape", json_pack("[II]", (json_int_t)S, (json_int_t)A));
        json_object_set_new(j, "r", cli_json_num(ps.r));
        json_object_set_new(j, "sigma_true", cli_json_num(ps.sigma_true));
        json_object_set_new(j, "sigma_proxy", cli_json_num(ps.sigma_proxy));
        rc = cli_json_print(j);
    } else {
        printf("output\t%s\nkind\t%s\n", out, kinds[kind]);
        cli_put_num(stdout, "r", ps.r);
        cli_put_num(stdout, "sigma_true", ps.sigma_true);
        cli_put_num(stdout, "sigma_proxy", ps.sigma_proxy);
        rc = EXIT_OK;
    }
done:
    starc_mdp_free(m);
    free(Rt), free(pb), free(Rp), free(Rbar), free(mu);
    return rc;
}
