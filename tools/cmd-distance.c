/* starc distance: STARC, EPIC and DARD distances between rewards (README.md, "Using it"). */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fmt17.h"
#include "gnuplot.h"
#include "shard.h"

static const char *CMD = "distance";

static void help(void)
{
    printf("Usage: starc distance --mdp M.npz [--canon C] [--norm N] [--metric M] [--epic|--dard]\n"
           "                      [--policy P.npy] [--state-dist DS.npy] [--action-dist DA.npy]\n"
           "                      [--coverage D.npy] [--weighted] [--trivial-tol EPS] [--threads N]\n"
           "                      [--engine E]\n"
           "                      [--gnuplot F.gp] [--png F.png] [-o FILE] [--format text|json]\n"
           "                      R1 R2 [R...]\n"
           "       starc distance ... --shard K/N -o DIR R1 R2 R3 [R...]\n\n"
           "Distance d(R1,R2) = m(s(R1), s(R2)) with s(R) = c(R)/n(c(R)) (STARC, Skalse et al. 2024).\n"
           "Two rewards: prints the distance.  More: a TSV matrix with a header row of reward names.\n"
           "Rewards: FILE.npy of shape (S,), (S,A) or (S,A,S), FILE.npz (every member) or FILE.npz:KEY.\n\n"
           "  --mdp FILE          MDP .npz with T, mu0, gamma (required)\n"
           "  --canon C           none, epic, dard, val (default), val-potential, minimal-potential, minimal\n"
           "  --norm N            l1, l2 (default), linf, wl1, wl2, wlinf, none, range\n"
           "  --metric M          l1, l2 (default), linf, wl1, wl2, wlinf, pearson\n"
           "  --epic              EPIC distance: --canon epic --metric pearson\n"
           "  --dard              DARD distance: --canon dard --metric pearson\n"
           "  --policy FILE       policy (S,A) of val and val-potential (default uniform)\n"
           "  --state-dist FILE   D_S (S,) of epic (default uniform)\n"
           "  --action-dist FILE  D_A (A,) of epic and dard (default uniform)\n"
           "  --coverage FILE     coverage over (s,a,s') of the pearson metric, S*A*S entries\n"
           "                      (default uniform over all transitions)\n"
           "  --weighted          minimal-potential: minimise the T-weighted L2 norm\n"
           "  --trivial-tol EPS   a reward is trivial when max|c(R)| <= EPS max|R|.  Default: derived\n"
           "                      from the measured round-off, 32 S DBL_EPSILON / (1 - gamma)^p with\n"
           "                      p = 1 for none, epic, dard, val, 2 for val-potential,\n"
           "                      minimal-potential, minimal\n"
           "  --engine E          policy solves: auto (default), dense, sparse or iterative (docs/sparse.md);\n"
           "                      on a sparse MDP V^pi of val and val-potential and the range\n"
           "                      normaliser, on a dense MDP the range normaliser\n"
           "  --threads N         threads for passes over large rewards (default: online CPUs);\n"
           "                      the results do not depend on it\n"
           "  --gnuplot FILE      also write a heatmap script of the distance matrix (svg by default)\n"
           "  --png FILE          also render the heatmap to FILE with gnuplot (pngcairo)\n"
           "  -o, --output FILE   write the result to FILE instead of standard output\n"
           "  --format FMT        text (default) or json: {\"distance\": x} or {\"names\", \"matrix\"}\n"
           "  --shard K/N         compute the K-th of N balanced blocks of the matrix (three or more\n"
           "                      rewards) into DIR (-o); `starc merge` gives the unsharded output\n"
           "  --progress          a shard reports its progress on stderr (default: only on a terminal)\n"
           "  -h, --help          this help\n\n"
           "An undefined distance (a canonical reward constant under the coverage, e.g. the zero reward\n"
           "with --epic) is nan in the TSV matrix, null in json, and exit status 1 for two rewards.\n");
}

static void print_matrix_tsv(FILE *f, size_t n, char *const *names, const double *D)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "\t" : "", names[i]);
    fputc('\n', f);
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            fmt17(buf, D[i * n + j]);
            fprintf(f, "%s%s", j ? "\t" : "", buf);
        }
        fputc('\n', f);
    }
}

static char *json_text(json_t *o)
{
    char *s = json_dumps(o, JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER | JSON_INDENT(0) | JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The heatmap script: matrix as a datablock, names as tic labels. */
static void write_heatmap(FILE *f, const char *title, const char *default_out, size_t n, char *const *names,
                          const double *D, double cbmax)
{
    int px = n <= 8 ? 640 : n <= 32 ? 800 : 1000;
    gp_header(f, title, GP_DEFAULT_TERM, default_out, px, px - 60);
    gp_datablock_matrix(f, "DIST", n, n, D);
    fputs("set title ", f);
    gp_string(f, title);
    fputs("\nset xtics (", f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        gp_string(f, names[i]);
        fprintf(f, " %zu", i);
    }
    fputs(") rotate by 45 right\nset ytics (", f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        gp_string(f, names[i]);
        fprintf(f, " %zu", i);
    }
    fprintf(f, ")\nset xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n", n - 1, n - 1);
    fprintf(f, "set cbrange [0:%g]\nset cblabel 'distance'\n", cbmax);
    fputs("set palette defined (0 '#ffffff', 1 '#fdd49e', 2 '#fc8d59', 3 '#b30000')\n"
          "set size ratio -1\nset tics scale 0\n", f);
    fputs("set datafile missing 'nan'\n", f);
    if (n <= 16)
        fputs("plot $DIST matrix with image notitle, \\\n"
              "     $DIST matrix using 1:2:($3 == $3 ? sprintf('%.3f', $3) : 'undef') with labels notitle\n", f);
    else
        fputs("plot $DIST matrix with image notitle\n", f);
}

/* ------------------------------------------------------------------ parse */

enum { PARSED_HELP = -1 };

/* getopt: the options as given; PARSED_HELP after printing the help. */
static int parse_options(int argc, char **argv, distance_args *a)
{
    enum { O_MDP = 256, O_CANON, O_NORM, O_METRIC, O_EPIC, O_DARD, O_POLICY, O_SDIST, O_ADIST, O_COV,
           O_WEIGHTED, O_TOL, O_GNUPLOT, O_PNG, O_FORMAT, O_THREADS, O_ENGINE, O_SHARD, O_PROGRESS };
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, O_MDP}, {"canon", required_argument, NULL, O_CANON},
        {"norm", required_argument, NULL, O_NORM}, {"metric", required_argument, NULL, O_METRIC},
        {"epic", no_argument, NULL, O_EPIC}, {"dard", no_argument, NULL, O_DARD},
        {"policy", required_argument, NULL, O_POLICY}, {"state-dist", required_argument, NULL, O_SDIST},
        {"action-dist", required_argument, NULL, O_ADIST}, {"coverage", required_argument, NULL, O_COV},
        {"weighted", no_argument, NULL, O_WEIGHTED}, {"trivial-tol", required_argument, NULL, O_TOL},
        {"threads", required_argument, NULL, O_THREADS}, {"engine", required_argument, NULL, O_ENGINE},
        {"gnuplot", required_argument, NULL, O_GNUPLOT}, {"png", required_argument, NULL, O_PNG},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, O_FORMAT},
        {"shard", required_argument, NULL, O_SHARD}, {"progress", no_argument, NULL, O_PROGRESS}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case O_MDP: a->mdp = optarg; break;
        case O_CANON: a->canon = optarg; break;
        case O_NORM: a->norm = optarg; break;
        case O_METRIC: a->metric = optarg; break;
        case O_EPIC: a->epic = 1; break;
        case O_DARD: a->dard = 1; break;
        case O_POLICY: a->policy = optarg; break;
        case O_SDIST: a->sdist = optarg; break;
        case O_ADIST: a->adist = optarg; break;
        case O_COV: a->cov = optarg; break;
        case O_WEIGHTED: a->weighted = 1; break;
        case O_TOL:
            if ((rc = cli_parse_double(CMD, "trivial-tol", optarg, &a->o.trivial_tol)))
                return rc;
            if (a->o.trivial_tol < 0.0)
                return cli_usage(CMD, "option --trivial-tol: '%s' is negative", optarg);
            break;
        case O_ENGINE:
            if (starc_policy_engine_parse(optarg, &a->o.policy_options.engine))
                return cli_usage(CMD, "option --engine: '%s' is not auto, dense, sparse or iterative", optarg);
            break;
        case O_THREADS: if ((rc = cli_parse_threads(CMD, optarg, &a->o.nthreads))) return rc; break;
        case O_GNUPLOT: if ((rc = cli_parse_path(CMD, "gnuplot", optarg, &a->gp))) return rc; break;
        case O_PNG: if ((rc = cli_parse_path(CMD, "png", optarg, &a->png))) return rc; break;
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a->out))) return rc; break;
        case O_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &a->fmt))) return rc; break;
        case O_SHARD: if ((rc = shard_parse("shard", optarg, &a->shard))) return rc; break;
        case O_PROGRESS: a->progress = 1; break;
        case 'h': help(); return PARSED_HELP;
        default: return cli_bad_option(CMD, "starc distance", c, argv);
        }
    }
    a->rewards = argv + optind;
    a->nrewards = argc - optind;
    return EXIT_OK;
}

/* Names and combinations, before touching any file. */
static int check_options(distance_args *a)
{
    static const char *const canon_names[] = {"none", "epic", "dard", "val", "val-potential",
                                              "minimal-potential", "minimal", NULL};
    static const char *const norm_names[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "none", "range", NULL};
    static const char *const metric_names[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "pearson", NULL};
    starc_distance_options *o = &a->o;
    int idx, rc;
    if (a->epic && a->dard)
        return cli_usage(CMD, "options --epic and --dard exclude each other");
    if ((a->epic || a->dard) && (a->canon || a->metric))
        return cli_usage(CMD, "option --%s sets --canon %s --metric pearson; do not combine it with --%s",
                         a->epic ? "epic" : "dard", a->epic ? "epic" : "dard", a->canon ? "canon" : "metric");
    if (a->canon) {
        if ((rc = cli_parse_choice(CMD, "canon", a->canon, canon_names, &idx)))
            return rc;
        o->canon = (starc_canon_kind)idx;
    }
    if (a->norm) {
        if ((rc = cli_parse_choice(CMD, "norm", a->norm, norm_names, &idx)))
            return rc;
        o->norm = (starc_norm_kind)idx;
    }
    if (a->metric) {
        if ((rc = cli_parse_choice(CMD, "metric", a->metric, metric_names, &idx)))
            return rc;
        o->metric = (starc_metric_kind)idx;
    }
    if (a->epic || a->dard) {
        o->canon = a->epic ? STARC_CANON_EPIC : STARC_CANON_DARD;
        o->metric = STARC_METRIC_PEARSON;
    }
    const char *cname = starc_canon_kind_name(o->canon);
    if (a->policy && o->canon != STARC_CANON_VAL && o->canon != STARC_CANON_VAL_POTENTIAL)
        return cli_usage(CMD, "option --policy only applies to --canon val and val-potential (not %s)", cname);
    if (a->sdist && o->canon != STARC_CANON_EPIC)
        return cli_usage(CMD, "option --state-dist only applies to --canon epic (not %s)", cname);
    if (a->adist && o->canon != STARC_CANON_EPIC && o->canon != STARC_CANON_DARD)
        return cli_usage(CMD, "option --action-dist only applies to --canon epic and dard (not %s)", cname);
    if (a->cov && o->metric != STARC_METRIC_PEARSON)
        return cli_usage(CMD, "option --coverage only applies to --metric pearson (not %s)",
                         starc_metric_kind_name(o->metric));
    if (a->weighted && o->canon != STARC_CANON_MINIMAL_POTENTIAL)
        return cli_usage(CMD, "option --weighted only applies to --canon minimal-potential (not %s)", cname);
    if ((rc = cli_require(CMD, "mdp", a->mdp)))
        return rc;
    if (a->nrewards < 1)
        return cli_usage(CMD, "no rewards given; see 'starc distance --help'");
    if (a->shard.n && (a->gp || a->png))
        return cli_usage(CMD, "option --shard: a shard draws no figure (--%s); draw the merged matrix",
                         a->gp ? "gnuplot" : "png");
    if (a->shard.n && !strcmp(a->out, "-"))
        return cli_usage(CMD, "option --shard needs -o DIR, the shard's directory");
    if (a->png && !gp_available())
        return cli_fail(CMD, "option --png needs gnuplot, which was not found (%s); install gnuplot or set GNUPLOT",
                        gp_program());
    return EXIT_OK;
}

/* ------------------------------------------------------------------- load */

typedef struct dist_inputs {
    starc_mdp *m;
    starc_io_reward_set rs;
    double *pi, *ds, *da, *cov;
    int deferred; /* full rewards loaded without the finiteness pass (load_inputs) */
} dist_inputs;

static void inputs_free(dist_inputs *in)
{
    free(in->pi);
    free(in->ds);
    free(in->da);
    free(in->cov);
    starc_io_reward_set_clear(&in->rs);
    starc_mdp_free(in->m);
}

/* The rewards loaded with the loaders' checks; on failure the
 * message a load with the checks gives, exit 2. */
static int load_rewards(const distance_args *a, const dist_inputs *in, int check, starc_io_reward_set *rs)
{
    starc_error err;
    starc_error_clear(&err);
    starc_io_reward_options o;
    starc_io_reward_options_default(&o);
    o.keep_shape = 1; /* (S,) and (S,A) rewards stay in their shape (reward_shape()) */
    o.check_finite = check;
    int st = starc_io_reward_load_many_opt((const char *const *)a->rewards, (size_t)a->nrewards, in->m, &o, rs, &err);
    return st ? cli_usage(CMD, "%s", err.message[0] ? err.message : starc_error_string(st)) : EXIT_OK;
}

/* Before an error after a deferred load: the rewards loaded again with the checks, so that a
 * non-finite reward is reported first, with the loaders' message, as without the deferral
 * (EXIT_OK when every reward is finite). */
static int recheck_rewards(const distance_args *a, const dist_inputs *in)
{
    if (!in->deferred)
        return EXIT_OK;
    starc_io_reward_set rs;
    starc_io_reward_set_init(&rs);
    int rc = load_rewards(a, in, 1, &rs);
    starc_io_reward_set_clear(&rs);
    return rc;
}

static int load_inputs(distance_args *a, dist_inputs *in)
{
    starc_error err;
    starc_error_clear(&err);
    int rc = cli_load_mdp(CMD, a->mdp, &in->m);
    if (rc)
        return rc;
    const size_t S = starc_mdp_states(in->m), A = starc_mdp_actions(in->m), SAS = S * A * S;
    /* One call for all the rewards: the set is allocated once, each reward read into place.
     * (S,) and (S,A) rewards stay in their shape (the library's shaped functions expand them only
     * for the canonical forms that need it).  On a dense
     * MDP the full rewards are proven finite by the distance's first pass over them, not by a
     * pass of their own (starc_io_reward_options.check_finite); every error met before that
     * pass, or in it, is preceded by the loaders' check (recheck_rewards()).  Not with the
     * options whose files are loaded after the rewards (their errors are reported by the
     * loaders directly) nor with --shard. */
    in->deferred = !starc_mdp_is_sparse(in->m) && !a->shard.n && !a->policy && !a->sdist && !a->adist && !a->cov;
    if ((rc = load_rewards(a, in, !in->deferred, &in->rs)))
        return rc;
    if (in->rs.n < 2)
        return (rc = recheck_rewards(a, in))
                   ? rc
                   : cli_usage(CMD, "need at least two rewards, got %zu (from %s)", in->rs.n, a->rewards[0]);
    if ((a->policy && (rc = cli_load_policy(CMD, "policy", a->policy, in->m, &in->pi))) ||
        (a->sdist && (rc = cli_load_dist(CMD, "state-dist", a->sdist, S, &in->ds))) ||
        (a->adist && (rc = cli_load_dist(CMD, "action-dist", a->adist, A, &in->da))) ||
        (a->cov && (rc = cli_load_dist(CMD, "coverage", a->cov, SAS, &in->cov))))
        return rc;
    a->o.canon_options.policy = in->pi;
    a->o.canon_options.state_dist = in->ds;
    a->o.canon_options.action_dist = in->da;
    a->o.canon_options.weighted = a->weighted;
    a->o.coverage = in->cov;
    return EXIT_OK;
}

/* -------------------------------------------------------------------- run */

typedef struct dist_result {
    size_t n;
    double pair; /* two rewards */
    double *D;   /* n x n, when a matrix is printed or drawn */
} dist_result;

/* Reward i as given: on a sparse MDP an (S,) or (S,A) reward holds its value off T's support too. */
static const double *reward_shape(const dist_inputs *in, size_t i, size_t *ndim, size_t shape[3])
{
    const size_t S = starc_mdp_states(in->m), A = starc_mdp_actions(in->m);
    switch (in->rs.layout[i]) {
    case STARC_IO_REWARD_STATE: *ndim = 1; shape[0] = S; return in->rs.given[i];
    case STARC_IO_REWARD_STATE_ACTION: *ndim = 2; shape[0] = S; shape[1] = A; return in->rs.given[i];
    default: break;
    }
    if (starc_mdp_is_sparse(in->m)) {
        *ndim = 1;
        shape[0] = starc_mdp_reward_size(in->m);
    } else {
        *ndim = 3;
        shape[0] = shape[2] = S;
        shape[1] = A;
    }
    return in->rs.R + i * starc_mdp_reward_size(in->m);
}

/* Every reward as given (reward_shape()), for the shaped matrix functions: nd (n), sh (3n), Rp (n). */
static void rewards_shaped(const dist_inputs *in, size_t *nd, size_t *sh, const double **Rp)
{
    for (size_t i = 0; i < in->rs.n; i++)
        Rp[i] = reward_shape(in, i, &nd[i], sh + 3 * i);
}

/* A sparse MDP: entries [e0, e1) of the upper triangle (row by row, diagonal included), each by
 * starc_distance_pair_shaped; an undefined distance is NaN. */
static int sparse_entries(const dist_inputs *in, starc_distance_plan *plan, size_t e0, size_t e1, double *out)
{
    starc_error err;
    starc_error_clear(&err);
    const size_t n = in->rs.n;
    for (size_t i = 0, e = 0; i < n && e < e1; i++)
        for (size_t j = i; j < n && e < e1; j++, e++) {
            if (e < e0)
                continue;
            size_t nd1, nd2, sh1[3], sh2[3];
            const double *R1 = reward_shape(in, i, &nd1, sh1), *R2 = reward_shape(in, j, &nd2, sh2);
            double d;
            int st = starc_distance_pair_shaped(plan, nd1, sh1, R1, nd2, sh2, R2, &d, &err);
            if (st && st != STARC_EUNDEF)
                return cli_lib_error(CMD, st, &err);
            out[e - e0] = st ? NAN : i == j ? 0.0 : d;
        }
    return EXIT_OK;
}

/* A sparse MDP: the pair (two rewards), the matrix entry by entry. */
static int compute_sparse(const dist_inputs *in, starc_distance_plan *plan, int matrix, dist_result *res)
{
    const size_t n = in->rs.n, total = n * (n + 1) / 2;
    if (!matrix) {
        starc_error err;
        starc_error_clear(&err);
        size_t nd1, nd2, sh1[3], sh2[3];
        const double *R1 = reward_shape(in, 0, &nd1, sh1), *R2 = reward_shape(in, 1, &nd2, sh2);
        int st = starc_distance_pair_shaped(plan, nd1, sh1, R1, nd2, sh2, R2, &res->pair, &err);
        if (st)
            return st == STARC_EUNDEF ? cli_fail(CMD, "%s and %s: %s", in->rs.names[0], in->rs.names[1], err.message)
                                      : cli_lib_error(CMD, st, &err);
        return EXIT_OK;
    }
    double *packed = malloc(total * sizeof *packed);
    if (!packed || !(res->D = malloc(n * n * sizeof *res->D))) {
        free(packed);
        return cli_fail(CMD, "out of memory for a %zu x %zu matrix", n, n);
    }
    int rc = sparse_entries(in, plan, 0, total, packed);
    if (!rc)
        distance_unpack(n, packed, res->D);
    free(packed);
    if (!rc && n == 2)
        res->pair = res->D[1];
    return rc;
}

void distance_unpack(size_t n, const double *packed, double *D)
{
    for (size_t i = 0, e = 0; i < n; i++)
        for (size_t j = i; j < n; j++, e++)
            D[i * n + j] = D[j * n + i] = packed[e];
}

/* A library error on the dense path: after recheck_rewards(). */
static int dense_error(const distance_args *a, const dist_inputs *in, int st, const starc_error *err)
{
    int rc = recheck_rewards(a, in);
    return rc ? rc : cli_lib_error(CMD, st, err);
}

static int compute(const distance_args *a, const dist_inputs *in, dist_result *res)
{
    starc_error err;
    starc_error_clear(&err);
    starc_distance_plan *plan = NULL;
    const size_t n = in->rs.n;
    res->n = n;
    res->pair = NAN;
    int st = starc_distance_plan_alloc(in->m, &a->o, &plan, &err);
    if (st)
        return dense_error(a, in, st, &err);
    int rc = EXIT_OK;
    if (starc_mdp_is_sparse(in->m)) {
        if (n == 2)
            rc = compute_sparse(in, plan, 0, res);
        if (!rc && (n > 2 || a->gp || a->png))
            rc = compute_sparse(in, plan, 1, res);
        starc_distance_plan_free(plan);
        return rc;
    }
    if (n == 2) {
        /* (S,) and (S,A) rewards as given; full ones where they are (proven finite when loaded,
         * or by the distance's first pass over them) */
        size_t nd1, nd2, sh1[3], sh2[3];
        const double *R1 = reward_shape(in, 0, &nd1, sh1), *R2 = reward_shape(in, 1, &nd2, sh2);
        st = in->rs.layout[0] == STARC_IO_REWARD_FULL && in->rs.layout[1] == STARC_IO_REWARD_FULL
                 ? starc_distance_pair(plan, R1, R2, &res->pair, &err)
                 : starc_distance_pair_shaped(plan, nd1, sh1, R1, nd2, sh2, R2, &res->pair, &err);
    }
    if (n == 2 && st) /* undefined: after the rewards were proven finite */
        rc = st == STARC_EUNDEF ? cli_fail(CMD, "%s and %s: %s", in->rs.names[0], in->rs.names[1], err.message)
                                : dense_error(a, in, st, &err);
    if (!rc && (n > 2 || a->gp || a->png)) {
        /* (S,) and (S,A) rewards as given: not expanded for val and minimal */
        const double **Rp = malloc(n * sizeof *Rp);
        size_t *nd = malloc(4 * n * sizeof *nd);
        res->D = malloc(n * n * sizeof *res->D);
        if ((!Rp || !nd || !res->D) && !(rc = recheck_rewards(a, in)))
            rc = cli_fail(CMD, "out of memory for a %zu x %zu matrix", n, n);
        if (!rc)
            rewards_shaped(in, nd, nd + n, Rp);
        if (!rc && (st = starc_distance_matrix_shaped(plan, n, nd, nd + n, Rp, res->D, &err)))
            rc = dense_error(a, in, st, &err);
        free(Rp);
        free(nd);
    }
    starc_distance_plan_free(plan);
    return rc;
}

/* ------------------------------------------------------------------ shard */

/* A digest of the file given to OPT, or json null when the option was not given. */
static int digest_json(const char *opt, const char *path, json_t *obj, const char *key)
{
    char hex[SHARD_DIGEST_LEN + 1];
    int rc = path ? shard_file_digest(opt, path, hex) : EXIT_OK;
    if (!rc)
        json_object_set_new(obj, key, path ? json_string(hex) : json_null());
    return rc;
}

/* Every option that changes the numbers, the names in order and digests of the input files. */
static int shard_settings(const distance_args *a, const dist_inputs *in, json_t *set)
{
    const starc_distance_options *o = &a->o;
    json_object_set_new(set, "canon", json_string(starc_canon_kind_name(o->canon)));
    json_object_set_new(set, "norm", json_string(starc_norm_kind_name(o->norm)));
    json_object_set_new(set, "metric", json_string(starc_metric_kind_name(o->metric)));
    json_object_set_new(set, "trivial_tol", o->trivial_tol < 0.0 ? json_null() : json_real(o->trivial_tol));
    json_object_set_new(set, "weighted", json_boolean(a->weighted));
    json_object_set_new(set, "engine", json_string(starc_policy_engine_name(o->policy_options.engine)));
    int rc = digest_json("mdp", a->mdp, set, "mdp");
    if (!rc && !(rc = digest_json("policy", a->policy, set, "policy")) &&
        !(rc = digest_json("state-dist", a->sdist, set, "state_dist")) &&
        !(rc = digest_json("action-dist", a->adist, set, "action_dist")))
        rc = digest_json("coverage", a->cov, set, "coverage");
    json_t *files = json_array(), *names = json_array();
    json_object_set_new(set, STARC_RESULTS_DISTANCE_SET_REWARDS, files);
    json_object_set_new(set, STARC_RESULTS_DISTANCE_SET_NAMES, names);
    for (int i = 0; !rc && i < a->nrewards; i++) {
        char hex[SHARD_DIGEST_LEN + 1];
        if (!(rc = shard_file_digest("reward", a->rewards[i], hex)))
            json_array_append_new(files, json_string(hex));
    }
    for (size_t i = 0; !rc && i < in->rs.n; i++)
        json_array_append_new(names, json_string(in->rs.names[i]));
    return rc;
}

/* Shard K/N: its block of the upper triangle's entries into DIR/entries.npy, then the manifest. */
static int run_shard(const distance_args *a, const dist_inputs *in)
{
    const size_t n = in->rs.n, total = n * (n + 1) / 2;
    if (n < 3)
        return cli_usage(CMD, "option --shard: needs at least three rewards (a matrix), got %zu", n);
    size_t e0, e1;
    shard_range(total, &a->shard, &e0, &e1);
    json_t *set = json_object();
    double *out = malloc((e1 > e0 ? e1 - e0 : 1) * sizeof *out);
    const double **Rp = malloc(n * sizeof *Rp);
    size_t *nd = malloc(4 * n * sizeof *nd); /* ndim (n), then the shapes (3n) */
    starc_distance_plan *plan = NULL;
    starc_error err;
    starc_error_clear(&err);
    int rc = !set || !out || !Rp || !nd ? cli_fail(CMD, "out of memory") : shard_settings(a, in, set), st;
    if (!rc && (st = starc_distance_plan_alloc(in->m, &a->o, &plan, &err)))
        rc = cli_lib_error(CMD, st, &err);
    if (!rc)
        rewards_shaped(in, nd, nd + n, Rp);
    /* with progress, the range in 20 parts (each entry has the same bits in any range) */
    const int show = a->progress || isatty(STDERR_FILENO);
    const size_t parts = show && e1 - e0 >= 20 ? 20 : 1;
    for (size_t q = 0; !rc && q < parts; q++) {
        const size_t b = e0 + (e1 - e0) * q / parts, e = e0 + (e1 - e0) * (q + 1) / parts;
        if (starc_mdp_is_sparse(in->m))
            rc = sparse_entries(in, plan, b, e, out + (b - e0));
        else if ((st = starc_distance_matrix_entries_shaped(plan, n, nd, nd + n, Rp, b, e, out + (b - e0), &err)))
            rc = cli_lib_error(CMD, st, &err);
        if (!rc && show)
            fprintf(stderr, "starc distance: shard %zu/%zu: %zu of %zu entries\n", a->shard.k, a->shard.n, e - e0,
                    e1 - e0);
    }
    char *path = rc ? NULL : cli_path_join(a->out, STARC_RESULTS_DISTANCE_ENTRIES);
    if (!rc && !path)
        rc = cli_fail(CMD, "out of memory");
    const size_t shape[1] = {e1 - e0};
    if (!rc && !(rc = shard_manifest_remove(a->out)) && !(rc = cli_dir_begin(CMD, a->out)) &&
        !(rc = cli_write_npy(CMD, path, 1, shape, out)) && !(rc = cli_dir_done(CMD, a->out)))
        rc = shard_manifest_write(a->out, STARC_RESULTS_DISTANCE_SHARD_KIND, &a->shard, e0, e1, total, set);
    free(path);
    starc_distance_plan_free(plan);
    free(Rp);
    free(nd);
    free(out);
    json_decref(set);
    return rc;
}

/* ------------------------------------------------------------------ write */

/* The heatmap script (--gnuplot) and its rendering (--png); figures first:
 * if rendering fails, nothing is written. */
static int write_figures(const distance_args *a, const dist_inputs *in, const dist_result *res)
{
    const starc_distance_options *o = &a->o;
    char title[160];
    if (o->metric == STARC_METRIC_PEARSON && (o->canon == STARC_CANON_EPIC || o->canon == STARC_CANON_DARD))
        snprintf(title, sizeof title, "%s distance", o->canon == STARC_CANON_EPIC ? "EPIC" : "DARD");
    else
        snprintf(title, sizeof title, "STARC distance (canon %s, norm %s, metric %s)", starc_canon_kind_name(o->canon),
                 starc_norm_kind_name(o->norm), starc_metric_kind_name(o->metric));
    double cbmax = o->metric == STARC_METRIC_PEARSON ? 1.0 : 0.0;
    if (o->metric != STARC_METRIC_PEARSON)
        for (size_t i = 0; i < res->n * res->n; i++)
            if (isfinite(res->D[i]) && res->D[i] > cbmax)
                cbmax = res->D[i];
    if (!(cbmax > 0.0))
        cbmax = 1.0;
    char *script = NULL, *defout = gp_default_output(a->gp ? a->gp : "distance.gp", GP_DEFAULT_TERM);
    size_t len = 0;
    FILE *mf = defout ? open_memstream(&script, &len) : NULL;
    if (mf) {
        write_heatmap(mf, title, defout, res->n, in->rs.names, res->D, cbmax);
        if (fclose(mf) != 0) {
            free(script);
            script = NULL;
        }
    }
    int rc = script ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc && a->png)
        rc = gp_render_text(CMD, script, "pngcairo", a->png);
    if (!rc && a->gp)
        rc = cli_write_file(CMD, a->gp, script);
    free(script);
    free(defout);
    return rc;
}

int distance_write_matrix(const char *cmd, const char *path, enum cli_format fmt, size_t n, char *const *names,
                          const double *D)
{
    cli_out out;
    int rc = cli_out_open(cmd, path, &out);
    if (rc)
        return rc;
    if (fmt == CLI_JSON) {
        json_t *obj = json_object(), *jn = json_array(), *mat = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(jn, json_string(names[i]));
            json_array_append_new(mat, cli_json_array(D + i * n, n));
        }
        json_object_set_new(obj, STARC_RESULTS_DISTANCE_KEY_NAMES, jn);
        json_object_set_new(obj, STARC_RESULTS_DISTANCE_KEY_MATRIX, mat);
        char *s = json_text(obj);
        if (!s) {
            cli_out_abort(&out);
            return cli_fail(cmd, "could not encode JSON output");
        }
        fprintf(out.f, "%s\n", s);
        free(s);
    } else {
        print_matrix_tsv(out.f, n, names, D);
    }
    return cli_out_commit(cmd, &out);
}

/* The distance (two rewards) or the matrix, as text or json, to -o. */
static int write_result(const distance_args *a, const dist_inputs *in, const dist_result *res)
{
    if (res->n != 2)
        return distance_write_matrix(CMD, a->out, a->fmt, res->n, in->rs.names, res->D);
    cli_out out;
    int rc = cli_out_open(CMD, a->out, &out);
    if (rc)
        return rc;
    if (a->fmt == CLI_JSON) {
        json_t *obj = json_object();
        json_object_set_new(obj, STARC_RESULTS_DISTANCE_KEY_DISTANCE, cli_json_num(res->pair));
        char *s = json_text(obj);
        if (!s) {
            cli_out_abort(&out);
            return cli_fail(CMD, "could not encode JSON output");
        }
        fprintf(out.f, "%s\n", s);
        free(s);
    } else {
        fmt17_put(out.f, res->pair);
        fputc('\n', out.f);
    }
    return cli_out_commit(CMD, &out);
}

void distance_args_init(distance_args *a)
{
    memset(a, 0, sizeof *a);
    a->out = "-";
    a->fmt = CLI_TEXT;
    starc_distance_options_default(&a->o);
    a->o.nthreads = cli_default_threads();
}

int distance_job(distance_args *a, double **D, size_t *n)
{
    int rc = check_options(a);
    if (rc)
        return rc;
    dist_inputs in;
    memset(&in, 0, sizeof in);
    starc_io_reward_set_init(&in.rs);
    dist_result res = {0, NAN, NULL};
    if (a->shard.n) {
        if (!(rc = load_inputs(a, &in)))
            rc = run_shard(a, &in);
    } else if (!(rc = load_inputs(a, &in)) && !(rc = compute(a, &in, &res)) &&
        !((a->gp || a->png) && (rc = write_figures(a, &in, &res))))
        rc = write_result(a, &in, &res);
    if (!rc && D) {
        *D = res.D;
        *n = res.n;
        res.D = NULL;
    }
    free(res.D);
    inputs_free(&in);
    return rc;
}

int cmd_distance(int argc, char **argv)
{
    distance_args a;
    distance_args_init(&a);
    int rc = parse_options(argc, argv, &a);
    if (rc)
        return rc == PARSED_HELP ? EXIT_OK : rc;
    return distance_job(&a, NULL, NULL);
}
