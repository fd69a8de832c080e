/* starc distance: STARC, EPIC and DARD distances between rewards (DESIGN.md). */
#include <config.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gnuplot.h"

static const char *CMD = "distance";

static void help(void)
{
    printf("Usage: starc distance --mdp M.npz [--canon C] [--norm N] [--metric M] [--epic|--dard]\n"
           "                      [--policy P.npy] [--state-dist DS.npy] [--action-dist DA.npy]\n"
           "                      [--coverage D.npy] [--weighted] [--trivial-tol EPS] [--threads N]\n"
           "                      [--gnuplot F.gp] [--png F.png] [-o FILE] [--format text|json]\n"
           "                      R1 R2 [R...]\n\n"
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
           "  --threads N         threads for passes over large rewards (default: online CPUs);\n"
           "                      the results do not depend on it\n"
           "  --gnuplot FILE      also write a heatmap script of the distance matrix (svg by default)\n"
           "  --png FILE          also render the heatmap to FILE with gnuplot (pngcairo)\n"
           "  -o, --output FILE   write the result to FILE instead of standard output\n"
           "  --format FMT        text (default) or json: {\"distance\": x} or {\"names\", \"matrix\"}\n"
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
            cli_fmt_double(buf, sizeof buf, D[i * n + j]);
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
    fputs("set datafile missing 'NaN'\n", f);
    if (n <= 16)
        fputs("plot $DIST matrix with image notitle, \\\n"
              "     $DIST matrix using 1:2:($3 == $3 ? sprintf('%.3f', $3) : 'undef') with labels notitle\n", f);
    else
        fputs("plot $DIST matrix with image notitle\n", f);
}

int cmd_distance(int argc, char **argv)
{
    enum { O_MDP = 256, O_CANON, O_NORM, O_METRIC, O_EPIC, O_DARD, O_POLICY, O_SDIST, O_ADIST, O_COV,
           O_WEIGHTED, O_TOL, O_GNUPLOT, O_PNG, O_FORMAT, O_THREADS };
    static const struct option opts[] = {
        {"mdp", required_argument, NULL, O_MDP}, {"canon", required_argument, NULL, O_CANON},
        {"norm", required_argument, NULL, O_NORM}, {"metric", required_argument, NULL, O_METRIC},
        {"epic", no_argument, NULL, O_EPIC}, {"dard", no_argument, NULL, O_DARD},
        {"policy", required_argument, NULL, O_POLICY}, {"state-dist", required_argument, NULL, O_SDIST},
        {"action-dist", required_argument, NULL, O_ADIST}, {"coverage", required_argument, NULL, O_COV},
        {"weighted", no_argument, NULL, O_WEIGHTED}, {"trivial-tol", required_argument, NULL, O_TOL},
        {"threads", required_argument, NULL, O_THREADS},
        {"gnuplot", required_argument, NULL, O_GNUPLOT}, {"png", required_argument, NULL, O_PNG},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, O_FORMAT},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *mdp_path = NULL, *canon_s = NULL, *norm_s = NULL, *metric_s = NULL, *policy_path = NULL;
    const char *sdist_path = NULL, *adist_path = NULL, *cov_path = NULL, *gp_path = NULL, *png_path = NULL;
    const char *out_path = "-";
    int epic = 0, dard = 0, weighted = 0, c, rc;
    enum cli_format fmt = CLI_TEXT;
    starc_distance_options o;
    starc_distance_options_default(&o);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.nthreads = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (int)ncpu;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case O_MDP: mdp_path = optarg; break;
        case O_CANON: canon_s = optarg; break;
        case O_NORM: norm_s = optarg; break;
        case O_METRIC: metric_s = optarg; break;
        case O_EPIC: epic = 1; break;
        case O_DARD: dard = 1; break;
        case O_POLICY: policy_path = optarg; break;
        case O_SDIST: sdist_path = optarg; break;
        case O_ADIST: adist_path = optarg; break;
        case O_COV: cov_path = optarg; break;
        case O_WEIGHTED: weighted = 1; break;
        case O_TOL:
            if ((rc = cli_parse_double(CMD, "trivial-tol", optarg, &o.trivial_tol)))
                return rc;
            if (o.trivial_tol < 0.0)
                return cli_usage(CMD, "option --trivial-tol: '%s' is negative", optarg);
            break;
        case O_THREADS: {
            size_t nt;
            if ((rc = cli_parse_size(CMD, "threads", optarg, &nt)))
                return rc;
            if (nt < 1 || nt > 64)
                return cli_usage(CMD, "option --threads: '%s' is not between 1 and 64", optarg);
            o.nthreads = (int)nt;
            break;
        }
        case O_GNUPLOT: gp_path = optarg; break;
        case O_PNG: png_path = optarg; break;
        case 'o': out_path = optarg; break;
        case O_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc distance", c, argv);
        }
    }
    /* Names and combinations, before touching any file. */
    static const char *const canon_names[] = {"none", "epic", "dard", "val", "val-potential",
                                              "minimal-potential", "minimal", NULL};
    static const char *const norm_names[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "none", "range", NULL};
    static const char *const metric_names[] = {"l1", "l2", "linf", "wl1", "wl2", "wlinf", "pearson", NULL};
    int idx;
    if (epic && dard)
        return cli_usage(CMD, "options --epic and --dard exclude each other");
    if ((epic || dard) && (canon_s || metric_s))
        return cli_usage(CMD, "option --%s sets --canon %s --metric pearson; do not combine it with --%s",
                         epic ? "epic" : "dard", epic ? "epic" : "dard", canon_s ? "canon" : "metric");
    if (canon_s) {
        if ((rc = cli_parse_choice(CMD, "canon", canon_s, canon_names, &idx)))
            return rc;
        o.canon = (starc_canon_kind)idx;
    }
    if (norm_s) {
        if ((rc = cli_parse_choice(CMD, "norm", norm_s, norm_names, &idx)))
            return rc;
        o.norm = (starc_norm_kind)idx;
    }
    if (metric_s) {
        if ((rc = cli_parse_choice(CMD, "metric", metric_s, metric_names, &idx)))
            return rc;
        o.metric = (starc_metric_kind)idx;
    }
    if (epic || dard) {
        o.canon = epic ? STARC_CANON_EPIC : STARC_CANON_DARD;
        o.metric = STARC_METRIC_PEARSON;
    }
    const char *cname = starc_canon_name(o.canon);
    if (policy_path && o.canon != STARC_CANON_VAL && o.canon != STARC_CANON_VAL_POTENTIAL)
        return cli_usage(CMD, "option --policy only applies to --canon val and val-potential (not %s)", cname);
    if (sdist_path && o.canon != STARC_CANON_EPIC)
        return cli_usage(CMD, "option --state-dist only applies to --canon epic (not %s)", cname);
    if (adist_path && o.canon != STARC_CANON_EPIC && o.canon != STARC_CANON_DARD)
        return cli_usage(CMD, "option --action-dist only applies to --canon epic and dard (not %s)", cname);
    if (cov_path && o.metric != STARC_METRIC_PEARSON)
        return cli_usage(CMD, "option --coverage only applies to --metric pearson (not %s)",
                         starc_metric_name(o.metric));
    if (weighted && o.canon != STARC_CANON_MINIMAL_POTENTIAL)
        return cli_usage(CMD, "option --weighted only applies to --canon minimal-potential (not %s)", cname);
    if ((rc = cli_require(CMD, "mdp", mdp_path)))
        return rc;
    if (optind >= argc)
        return cli_usage(CMD, "no rewards given; see 'starc distance --help'");
    if (png_path && !gp_available())
        return cli_fail(CMD, "option --png needs gnuplot, which was not found (%s); install gnuplot or set STARC_GNUPLOT",
                        gp_program());

    starc_mdp *m = NULL;
    starc_reward_set rs;
    starc_reward_set_init(&rs);
    double *pi = NULL, *ds = NULL, *da = NULL, *cov = NULL, *D = NULL;
    starc_distance_plan *plan = NULL;
    char *script = NULL, *script_tmp = NULL, *gp_default = NULL;
    size_t script_len = 0;
    starc_error err;
    starc_error_clear(&err);
    if ((rc = cli_load_mdp(CMD, mdp_path, &m)))
        goto done;
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), SAS = S * A * S;
    for (int i = optind; i < argc; i++) {
        int st = starc_reward_load(argv[i], m, &rs, &err);
        if (st) {
            rc = cli_usage(CMD, "%s", err.message[0] ? err.message : starc_strerror(st));
            goto done;
        }
    }
    if (rs.n < 2) {
        rc = cli_usage(CMD, "need at least two rewards, got %zu (from %s)", rs.n, argv[optind]);
        goto done;
    }
    if ((policy_path && (rc = cli_load_policy(CMD, "policy", policy_path, m, &pi))) ||
        (sdist_path && (rc = cli_load_dist(CMD, "state-dist", sdist_path, S, &ds))) ||
        (adist_path && (rc = cli_load_dist(CMD, "action-dist", adist_path, A, &da))) ||
        (cov_path && (rc = cli_load_dist(CMD, "coverage", cov_path, SAS, &cov))))
        goto done;
    o.canon_options.policy = pi;
    o.canon_options.state_dist = ds;
    o.canon_options.action_dist = da;
    o.canon_options.weighted = weighted;
    o.coverage = cov;
    int st = starc_distance_plan_alloc(m, &o, &plan, &err);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }

    const size_t n = rs.n;
    const int want_matrix = n > 2 || gp_path || png_path;
    double pair = NAN;
    if (n == 2) {
        st = starc_distance_pair(plan, rs.R, rs.R + SAS, &pair, &err);
        if (st) {
            rc = st == STARC_EUNDEF ? cli_fail(CMD, "%s and %s: %s", rs.names[0], rs.names[1], err.message)
                                    : cli_lib_error(CMD, st, &err);
            goto done;
        }
    }
    if (want_matrix) {
        const double **Rp = malloc(n * sizeof *Rp);
        D = malloc(n * n * sizeof *D);
        if (!Rp || !D) {
            free(Rp);
            rc = cli_fail(CMD, "out of memory for a %zu x %zu matrix", n, n);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            Rp[i] = rs.R + i * SAS;
        st = starc_distance_matrix(plan, n, Rp, D, &err);
        free(Rp);
        if (st) {
            rc = cli_lib_error(CMD, st, &err);
            goto done;
        }
    }

    /* Figures first: if rendering fails, nothing is written. */
    if (gp_path || png_path) {
        char title[160];
        if (o.metric == STARC_METRIC_PEARSON && (o.canon == STARC_CANON_EPIC || o.canon == STARC_CANON_DARD))
            snprintf(title, sizeof title, "%s distance", o.canon == STARC_CANON_EPIC ? "EPIC" : "DARD");
        else
            snprintf(title, sizeof title, "STARC distance (canon %s, norm %s, metric %s)", cname,
                     starc_norm_name(o.norm), starc_metric_name(o.metric));
        gp_default = gp_default_output(gp_path ? gp_path : "distance.gp", GP_DEFAULT_TERM);
        FILE *mf = open_memstream(&script, &script_len);
        if (!gp_default || !mf) {
            rc = cli_fail(CMD, "out of memory");
            goto done;
        }
        double cbmax = o.metric == STARC_METRIC_PEARSON ? 1.0 : 0.0;
        if (o.metric != STARC_METRIC_PEARSON)
            for (size_t i = 0; i < n * n; i++)
                if (isfinite(D[i]) && D[i] > cbmax)
                    cbmax = D[i];
        if (!(cbmax > 0.0))
            cbmax = 1.0;
        write_heatmap(mf, title, gp_default, n, rs.names, D, cbmax);
        fclose(mf);
        if (png_path) {
            /* gnuplot reads the script from a temporary file next to the png */
            script_tmp = malloc(strlen(png_path) + 16);
            if (!script_tmp) {
                rc = cli_fail(CMD, "out of memory");
                goto done;
            }
            sprintf(script_tmp, "%s.gpXXXXXX", png_path);
            int fd = mkstemp(script_tmp);
            if (fd < 0) {
                free(script_tmp);
                script_tmp = NULL;
                rc = cli_usage(CMD, "%s: cannot create a file next to it", png_path);
                goto done;
            }
            FILE *sf = fdopen(fd, "w");
            int bad = !sf || fwrite(script, 1, script_len, sf) != script_len;
            if (sf)
                bad |= fclose(sf) != 0;
            if (bad) {
                rc = cli_usage(CMD, "%s: write failed", script_tmp);
                goto done;
            }
            if ((rc = gp_render(CMD, script_tmp, "pngcairo", png_path)))
                goto done;
        }
        if (gp_path && (rc = cli_write_file(CMD, gp_path, script)))
            goto done;
    }

    cli_out out;
    if ((rc = cli_out_open(CMD, out_path, &out)))
        goto done;
    if (fmt == CLI_JSON) {
        json_t *obj = json_object();
        if (n == 2) {
            json_object_set_new(obj, "distance", cli_json_num(pair));
        } else {
            json_t *names = json_array(), *mat = json_array();
            for (size_t i = 0; i < n; i++) {
                json_array_append_new(names, json_string(rs.names[i]));
                json_array_append_new(mat, cli_json_array(D + i * n, n));
            }
            json_object_set_new(obj, "names", names);
            json_object_set_new(obj, "matrix", mat);
        }
        char *s = json_text(obj);
        if (!s) {
            cli_out_abort(&out);
            rc = cli_fail(CMD, "could not encode JSON output");
            goto done;
        }
        fprintf(out.f, "%s\n", s);
        free(s);
    } else if (n == 2) {
        char buf[64];
        cli_fmt_double(buf, sizeof buf, pair);
        fprintf(out.f, "%s\n", buf);
    } else {
        print_matrix_tsv(out.f, n, rs.names, D);
    }
    rc = cli_out_commit(CMD, &out);
done:
    if (script_tmp) {
        unlink(script_tmp);
        free(script_tmp);
    }
    free(script);
    free(gp_default);
    starc_distance_plan_free(plan);
    free(D);
    free(pi);
    free(ds);
    free(da);
    free(cov);
    starc_reward_set_clear(&rs);
    starc_mdp_free(m);
    return rc;
}
