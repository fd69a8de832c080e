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

typedef struct gproxy_args {
    const char *mdp, *tpath, *bpath, *out;
    int kind;
    enum cli_format fmt;
    starc_proxygen_options o;
} gproxy_args;

static const char *const kinds[] = {"noise", "heavy-tail", "off-distribution", "learned", NULL};

enum { PARSED_HELP = -1 };

/* One numeric option: a finite value, > 0 (or >= 0 when zero_ok). */
static int parse_positive(const char *opt, const char *arg, int zero_ok, double *x)
{
    int rc = cli_parse_double(CMD, opt, arg, x);
    if (rc)
        return rc;
    if (zero_ok ? *x < 0 : !(*x > 0))
        return cli_usage(CMD, "option --%s: '%s' must be %s 0", opt, arg, zero_ok ? ">=" : ">");
    return EXIT_OK;
}

static int parse_count(const char *opt, const char *arg, size_t *n)
{
    int rc = cli_parse_size(CMD, opt, arg, n);
    if (rc)
        return rc;
    return *n < 1 ? cli_usage(CMD, "option --%s: '%s' must be >= 1", opt, arg) : EXIT_OK;
}

static int parse_options(int argc, char **argv, gproxy_args *a)
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
    starc_proxygen_options *o = &a->o;
    int c, rc = EXIT_OK;
    opterr = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mdp = optarg; break;
        case 't': a->tpath = optarg; break;
        case O_BASE: a->bpath = optarg; break;
        case 'o': rc = cli_parse_path(CMD, "output", optarg, &a->out); break;
        case O_KIND: rc = cli_parse_choice(CMD, "kind", optarg, kinds, &a->kind); break;
        case O_SCALE: rc = parse_positive("scale", optarg, 1, &o->scale); break;
        case O_SEED: { /* parsed as unsigned long: uint64_t is not that type everywhere */
            unsigned long v = 0;
            if (!(rc = cli_parse_ulong(CMD, "seed", optarg, &v)))
                o->seed = v;
            break;
        }
        case O_DF: rc = parse_positive("df", optarg, 0, &o->df); break;
        case O_FLOOR: rc = parse_positive("floor", optarg, 0, &o->floor); break;
        case O_COMP: rc = parse_count("comparisons", optarg, &o->comparisons); break;
        case O_SEG: rc = parse_count("segment", optarg, &o->segment); break;
        case O_TEMP: rc = parse_positive("temperature", optarg, 0, &o->temperature); break;
        case O_L2: rc = parse_positive("l2", optarg, 0, &o->l2); break;
        case 'f': rc = cli_parse_format(CMD, optarg, &a->fmt); break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc generate proxy", c, argv);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_require(CMD, "mdp", a->mdp)) || (rc = cli_require(CMD, "true", a->tpath)))
        return rc;
    if (a->kind < 0)
        return cli_usage(CMD, "option --kind is required (noise, heavy-tail, off-distribution, learned)");
    if (!a->out)
        return cli_usage(CMD, "option -o/--output FILE is required");
    a->o.kind = (starc_proxygen_kind)a->kind;
    return EXIT_OK;
}

/* The proxy, and its correlation with the truth under the base occupancy. */
static int make_proxy(const gproxy_args *a, const starc_mdp *m, const double *Rt, const double *pb, double *Rp,
                      starc_proxy_stats *ps)
{
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    double *Rbar = malloc(SA * sizeof(double)), *mu = malloc(SA * sizeof(double));
    starc_error err;
    starc_error_clear(&err);
    int st, rc = Rbar && mu ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc && ((st = starc_proxygen(m, Rt, pb, &a->o, Rp, &err)) ||
                (st = starc_policy_occupancy(m, pb, NULL, mu, NULL, &err))))
        rc = cli_lib_error(CMD, st, &err);
    if (!rc) {
        starc_mdp_reward_expected(m, Rt, Rbar);
        if ((st = starc_proxy_weighted_stats(SA, mu, Rbar, Rp, NULL, ps, &err)))
            rc = cli_lib_error(CMD, st, &err);
    }
    free(Rbar);
    free(mu);
    return rc;
}

static int print_result(const gproxy_args *a, size_t S, size_t A, const starc_proxy_stats *ps)
{
    if (a->fmt == CLI_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "output", json_string(a->out));
        json_object_set_new(j, "kind", json_string(kinds[a->kind]));
        json_object_set_new(j, "seed", json_integer((json_int_t)a->o.seed));
        json_object_set_new(j, "shape", json_pack("[II]", (json_int_t)S, (json_int_t)A));
        json_object_set_new(j, "r", cli_json_num(ps->r));
        json_object_set_new(j, "sigma_true", cli_json_num(ps->sigma_true));
        json_object_set_new(j, "sigma_proxy", cli_json_num(ps->sigma_proxy));
        return cli_json_print(j);
    }
    fputs("output\t", stdout), cli_escape(stdout, a->out);
    printf("\nkind\t%s\n", kinds[a->kind]);
    cli_put_num(stdout, "r", ps->r);
    cli_put_num(stdout, "sigma_true", ps->sigma_true);
    cli_put_num(stdout, "sigma_proxy", ps->sigma_proxy);
    return EXIT_OK;
}

int cmd_generate_proxy(int argc, char **argv)
{
    gproxy_args a;
    memset(&a, 0, sizeof a);
    a.kind = -1;
    a.fmt = CLI_TEXT;
    starc_proxygen_options_default(&a.o);
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    starc_mdp *m = NULL;
    double *pb = NULL, *Rp = NULL;
    /* starc_proxygen() takes the full true reward (the learned kind's segments sum R(s,a,s')) */
    starc_io_reward_set rt;
    starc_io_reward_set_init(&rt);
    starc_proxy_stats ps;
    if ((rc = cli_load_mdp(CMD, a.mdp, &m)) || (rc = cli_load_reward(CMD, "true", a.tpath, m, &rt)) ||
        (rc = cli_load_policy(CMD, "base", a.bpath, m, &pb)))
        goto done;
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), shape[2] = {S, A};
    if (!(Rp = malloc(S * A * sizeof(double))))
        rc = cli_fail(CMD, "out of memory");
    if (!rc && !(rc = make_proxy(&a, m, rt.R, pb, Rp, &ps)) && !(rc = cli_write_npy(CMD, a.out, 2, shape, Rp)))
        rc = print_result(&a, S, A, &ps);
done:
    starc_mdp_free(m);
    starc_io_reward_set_clear(&rt);
    free(pb), free(Rp);
    return rc;
}
