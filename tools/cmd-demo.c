/* starc demo: the main job on built-in data, no input files needed. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "../notebooks-export/notebook.h"

#include "cli.h"
#include "commands.h"

static const char *CMD = "demo";

static void help(void)
{
    printf("Usage: starc demo [-o DIR] [--format text|json]\n\n"
           "Run libstarc's main job on built-in data and write its results to DIR\n"
           "(default: " STARC_RESULTS_DEMO_DIR ").  Prints a short summary of what was found.\n\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n");
}

/* The 2-state, 2-action MDP of docs/theory.md (Reference values) ("small exact vectors"). */
static const double small_T[8] = {.9, .1, .3, .7, .2, .8, .9, .1};
static const double small_mu0[2] = {.5, .5};
static const double small_R[8] = {0, 0, -1, 5, -2, 1, 1, 0};

static int section_small(FILE *out, const char *dir, json_t *summary)
{
    starc_error err;
    starc_error_clear(&err);
    starc_mdp *m = NULL;
    int st = starc_mdp_alloc(2, 2, small_T, small_mu0, 0.9, NULL, &m, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    double pi[4], V[2], Q[4], neg[8];
    size_t act[2], wact[2];
    starc_policy_uniform(m, pi);
    int rc = EXIT_OK;
    starc_regret_result reg;
    for (int i = 0; i < 8; i++)
        neg[i] = -small_R[i];
    char *mpath = cli_path_join(dir, STARC_RESULTS_DEMO_SMALL_MDP), *rpath = cli_path_join(dir, STARC_RESULTS_DEMO_SMALL_REWARD);
    size_t shape[3] = {2, 2, 2};
    if (!mpath || !rpath) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    if ((st = starc_policy_evaluate(m, pi, small_R, V, Q, NULL, &err)) ||
        (st = starc_policy_optimal(m, small_R, NULL, act, NULL, NULL, NULL, &err)) ||
        (st = starc_policy_worst(m, small_R, NULL, wact, NULL, NULL, NULL, &err)) ||
        (st = starc_regret(m, small_R, neg, NULL, &reg, NULL, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    if ((rc = cli_write_mdp(CMD, mpath, m)) || (rc = cli_write_npy(CMD, rpath, 3, shape, small_R)))
        goto done;
    fprintf(out, "== Built-in 2-state MDP (gamma 0.9), reward R from docs/theory.md (Small exact vectors)\n");
    fprintf(out, "   V under the uniform policy: [%.6f, %.6f]\n", V[0], V[1]);
    fprintf(out, "   optimal actions: [%zu, %zu]; worst actions: [%zu, %zu]\n", act[0], act[1], wact[0], wact[1]);
    fprintf(out, "   optimising -R when R is true: normalised regret %.6f (J* = %.6f, J- = %.6f)\n",
           reg.regret, reg.true_optimal_return, reg.true_worst_return);
    fputs("   wrote ", out), cli_escape(out, mpath), fputs(" and ", out), cli_escape(out, rpath), fputc('\n', out);
    json_t *o = json_object();
    json_object_set_new(o, "V_uniform", cli_json_array(V, 2));
    json_object_set_new(o, "regret_negated", cli_json_num(reg.regret));
    json_object_set_new(summary, "small_mdp", o);
done:
    free(mpath);
    free(rpath);
    starc_mdp_free(m);
    return rc;
}

/* A subcommand's report written atomically to path: the bytes `starc X ... > path` gives. */
typedef int (*demo_job)(void *args, FILE *out);
static int job_gridworld(void *a, FILE *out) { return gridworld_job(a, out); }
static int job_proxy(void *a, FILE *out) { return proxy_job(a, out); }
static int job_regularize(void *a, FILE *out) { return regularize_job(a, out); }

static int report_to_file(const char *path, demo_job job, void *args)
{
    cli_out o;
    int rc = cli_out_open(CMD, path, &o);
    if (rc)
        return rc;
    if ((rc = job(args, o.f))) {
        cli_out_abort(&o);
        return rc;
    }
    return cli_out_commit(CMD, &o);
}

/* One distance matrix of the gridworld's rewards as `starc distance [--epic|--dard]
 * --gnuplot KIND.gp` writes it (KIND.tsv, KIND.gp), reported as d(Sparse, Dense)
 * and d(Sparse, Path). */
static int gridworld_distances(FILE *out, const char *sub, const char *mpath, char *rpath, int k, json_t *o)
{
    static const char *const kinds[3] = {STARC_RESULTS_DEMO_GRID_STARC, STARC_RESULTS_DEMO_GRID_EPIC, STARC_RESULTS_DEMO_GRID_DARD};
    char name[32];
    snprintf(name, sizeof name, "%s.tsv", kinds[k]);
    char *tsv = cli_path_join(sub, name);
    snprintf(name, sizeof name, "%s" STARC_RESULTS_EXT_GP, kinds[k]);
    char *gp = cli_path_join(sub, name);
    distance_args a;
    distance_args_init(&a);
    a.mdp = mpath;
    a.gp = gp;
    a.out = tsv;
    a.rewards = &rpath;
    a.nrewards = 1;
    a.epic = k == 1;
    a.dard = k == 2;
    double *D = NULL;
    size_t n = 0;
    int rc = tsv && gp ? distance_job(&a, &D, &n) : cli_fail(CMD, "out of memory");
    if (!rc && (!D || n < 5))
        rc = cli_fail(CMD, "the gridworld has %zu rewards; expected 6", n);
    if (!rc) { /* Dense is Sparse shaped (distance 0); Path is not */
        double sd = D[1], sp = D[4];
        fprintf(out, "   %-5s  d(Sparse, Dense) = %.4f (Dense is Sparse, shaped)   d(Sparse, Path) = %.4f   -> ",
                kinds[k], sd, sp);
        cli_escape(out, tsv), fputc('\n', out);
        json_t *e = json_object();
        json_object_set_new(e, "sparse_dense", cli_json_num(sd));
        json_object_set_new(e, "sparse_path", cli_json_num(sp));
        json_object_set_new(o, kinds[k], e);
    }
    free(D);
    free(tsv);
    free(gp);
    return rc;
}

/* EPIC's 3x3 gridworld (Gleave et al. 2021) and its six rewards: distance matrices
 * under STARC (VAL, L2), EPIC and DARD, each with a heatmap script. */
static int section_gridworld(FILE *out, const char *dir, json_t *summary)
{
    char *sub = cli_path_join(dir, STARC_RESULTS_DEMO_GRIDWORLD);
    char *mpath = sub ? cli_path_join(sub, STARC_RESULTS_MDP) : NULL, *rpath = sub ? cli_path_join(sub, STARC_RESULTS_REWARDS) : NULL;
    char *log = sub ? cli_path_join(sub, STARC_RESULTS_DEMO_GRID_LOG) : NULL;
    gridworld_args ga = {sub, NULL, NULL, STARC_GRIDWORLD_EPIC_GAMMA, CLI_TEXT};
    int rc = mpath && rpath && log ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc && !(rc = cli_mkdir_p(CMD, sub)) && !(rc = report_to_file(log, job_gridworld, &ga))) {
        fprintf(out, "== EPIC's 3x3 gridworld: distances between Sparse, Dense, Center, Penalty, Path, Cliff\n");
        json_t *o = json_object();
        json_object_set_new(summary, "gridworld", o);
        for (int k = 0; k < 3 && !rc; k++)
            rc = gridworld_distances(out, sub, mpath, rpath, k, o);
    }
    free(sub), free(mpath), free(rpath), free(log);
    return rc;
}

/* The tomato files (DIR/tomato/{mdp.npz,rewards.npz,base.npy}) as `starc generate tomato` writes them. */
static int tomato_files(const starc_tomato *t, const char *mpath, const char *rpath, const char *bpath)
{
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), pshape[2] = {S, A};
    starc_npy_array arrs[2];
    const char *names[2] = {"true", "proxy"};
    for (int k = 0; k < 2; k++) {
        starc_npy_array_init(&arrs[k]);
        arrs[k].ndim = 1;
        arrs[k].shape[0] = S;
        arrs[k].data = (double *)(k ? starc_tomato_proxy_reward(t) : starc_tomato_true_reward(t));
    }
    int rc;
    if ((rc = cli_write_mdp(CMD, mpath, m)) || (rc = cli_write_npz(CMD, rpath, 2, names, arrs)))
        return rc;
    return cli_write_npy(CMD, bpath, 2, pshape, starc_tomato_base_policy(t));
}

/* What the demo reports about the tomato gridworld, from the exact expected state rewards. */
typedef struct tomato_report {
    starc_proxy_stats ps;
    double jb_true;
    starc_proxy_hacking_result hk;
    starc_regularize_result orpo, adkl;
} tomato_report;

static int tomato_measure(const starc_tomato *t, tomato_report *tr)
{
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t SA = starc_mdp_states(m) * starc_mdp_actions(m);
    const double *base = starc_tomato_base_policy(t);
    double *bt = malloc(SA * sizeof(double)), *bp = malloc(SA * sizeof(double));
    starc_proxy *px = NULL;
    starc_regularize *rg = NULL;
    starc_error err;
    starc_error_clear(&err);
    if (!bt || !bp) {
        free(bt), free(bp);
        return cli_fail(CMD, "out of memory");
    }
    starc_mdp_state_reward_expected(m, starc_tomato_true_reward(t), bt);
    starc_mdp_state_reward_expected(m, starc_tomato_proxy_reward(t), bp);
    int st = starc_proxy_alloc_rbar(m, bt, bp, base, NULL, &px, &err);
    if (!st) {
        tr->ps = *starc_proxy_get_stats(px);
        starc_proxy_base_returns(px, &tr->jb_true, NULL);
        st = starc_proxy_check_hacking(px, NULL, NULL, &tr->hk, &err);
    }
    if (!st)
        st = starc_regularize_alloc_rbar(m, bt, bp, base, NULL, &rg, &err);
    if (!st &&
        !(st = starc_regularize_solve(rg, STARC_REGULARIZE_OM_SQRT_CHI2, tr->ps.orpo_coef, NULL, &tr->orpo, &err)))
        st = starc_regularize_solve(rg, STARC_REGULARIZE_AD_KL, tr->ps.orpo_coef, NULL, &tr->adkl, &err);
    starc_regularize_free(rg);
    starc_proxy_free(px);
    free(bt), free(bp);
    return st ? cli_lib_error(CMD, st, &err) : EXIT_OK;
}

/* proxy.json and regularize-orpo.json: `starc proxy` and `starc regularize --method
 * om-sqrt-chi2 --coef orpo` on the tomato files, --format json. */
static int tomato_reports(const char *sub, char *mpath, const char *rpath, char *bpath)
{
    char *jp = cli_path_join(sub, STARC_RESULTS_DEMO_TOMATO_PROXY), *jr = cli_path_join(sub, STARC_RESULTS_DEMO_TOMATO_REGULARIZE);
    size_t n = strlen(rpath) + 8;
    char *tspec = malloc(n), *pspec = malloc(n);
    int rc = jp && jr && tspec && pspec ? EXIT_OK : cli_fail(CMD, "out of memory");
    if (!rc) {
        snprintf(tspec, n, "%s:true", rpath);
        snprintf(pspec, n, "%s:proxy", rpath);
        proxy_args pa;
        proxy_args_init(&pa);
        pa.mdp = mpath, pa.tpath = tspec, pa.ppath = pspec, pa.bpath = bpath, pa.fmt = CLI_JSON;
        regularize_args ra;
        regularize_args_init(&ra);
        ra.mdp = mpath, ra.tpath = tspec, ra.ppath = pspec, ra.bpath = bpath, ra.fmt = CLI_JSON;
        ra.method = 2; /* om-sqrt-chi2 */
        ra.coef_arg = "orpo";
        if (!(rc = report_to_file(jp, job_proxy, &pa)))
            rc = report_to_file(jr, job_regularize, &ra);
    }
    free(jp), free(jr), free(tspec), free(pspec);
    return rc;
}

static void tomato_print(FILE *out, const starc_tomato *t, const tomato_report *tr, const char *sub, json_t *summary)
{
    const starc_mdp *m = starc_tomato_mdp(t);
    fprintf(out, "== Correlated proxies: tomato-watering gridworld (%zu states, %zu actions)\n", starc_mdp_states(m),
            starc_mdp_actions(m));
    fprintf(out, "   under the base policy the proxy correlates with the truth: r = %.4f\n", tr->ps.r);
    fprintf(out, "   base policy true return %.4f; proxy-optimal policy true return %.4f -> %s\n", tr->jb_true,
            tr->hk.proxy_optimal.true_return, tr->hk.reward_hacking ? "REWARD HACKING" : "no reward hacking");
    fprintf(out, "   sqrt-chi2 (ORPO) optimum at CP's coefficient %.4g: true return %.4f (%+.4f over the base)\n",
            tr->ps.orpo_coef, tr->orpo.true_return, tr->orpo.true_delta);
    fprintf(out, "   AD-KL optimum at the same coefficient: true return %.4f (%+.4f)\n", tr->adkl.true_return,
            tr->adkl.true_delta);
    fputs("   wrote ", out), cli_escape(out, sub);
    fprintf(out, "/{" STARC_RESULTS_MDP "," STARC_RESULTS_REWARDS "," STARC_RESULTS_DEMO_BASE ","
                 STARC_RESULTS_DEMO_TOMATO_PROXY "," STARC_RESULTS_DEMO_TOMATO_REGULARIZE "}\n");
    json_t *o = json_object();
    json_object_set_new(o, "r", cli_json_num(tr->ps.r));
    json_object_set_new(o, "base_true_return", cli_json_num(tr->jb_true));
    json_object_set_new(o, "proxy_optimal_true_return", cli_json_num(tr->hk.proxy_optimal.true_return));
    json_object_set_new(o, "reward_hacking", json_boolean(tr->hk.reward_hacking));
    json_object_set_new(o, "orpo_coef", cli_json_num(tr->ps.orpo_coef));
    json_object_set_new(o, "orpo_true_return", cli_json_num(tr->orpo.true_return));
    json_object_set_new(o, "ad_kl_true_return", cli_json_num(tr->adkl.true_return));
    json_object_set_new(summary, "tomato", o);
}

/* Correlated proxies (Laidlaw et al.): the tomato-watering gridworld.  The proxy
 * correlates almost perfectly with the truth under the base policy, yet its
 * optimal policy hacks; the sqrt-chi2 (ORPO) optimum at CP's coefficient does not. */
static int section_tomato(FILE *out, const char *dir, json_t *summary)
{
    starc_error err;
    starc_error_clear(&err);
    starc_tomato_options to;
    starc_tomato_options_default(&to);
    starc_tomato *t = NULL;
    tomato_report tr;
    char *sub = cli_path_join(dir, STARC_RESULTS_DEMO_TOMATO);
    char *mpath = sub ? cli_path_join(sub, STARC_RESULTS_MDP) : NULL, *rpath = sub ? cli_path_join(sub, STARC_RESULTS_REWARDS) : NULL;
    char *bpath = sub ? cli_path_join(sub, STARC_RESULTS_DEMO_BASE) : NULL;
    int rc = mpath && rpath && bpath ? EXIT_OK : cli_fail(CMD, "out of memory"), st;
    if (!rc && !(rc = cli_mkdir_p(CMD, sub)) && (st = starc_tomato_alloc(&to, &t, &err)))
        rc = cli_lib_error(CMD, st, &err);
    if (!rc && !(rc = tomato_files(t, mpath, rpath, bpath)) && !(rc = tomato_measure(t, &tr)) &&
        !(rc = tomato_reports(sub, mpath, rpath, bpath)))
        tomato_print(out, t, &tr, sub, summary);
    starc_tomato_free(t);
    free(sub), free(mpath), free(rpath), free(bpath);
    return rc;
}

/* One notebook that gathers every result of the demo. */
static int section_notebook(FILE *out, const char *dir, json_t *summary)
{
    char *nbdir = cli_path_join(dir, STARC_RESULTS_DEMO_NOTEBOOK_DIR);
    char *nb = nbdir ? cli_path_join(nbdir, STARC_RESULTS_DEMO_NOTEBOOK) : NULL;
    int rc = EXIT_OK;
    if (!nb || !nbdir || (rc = cli_mkdir_p(CMD, nbdir)))
        goto done;
    nb_options o;
    nb_options_default(&o);
    o.command = cli_command_line();
    o.title = "starc demo";
    o.cmd = CMD;
    starc_error err;
    starc_error_clear(&err);
    json_t *report = NULL;
    cli_cleanup_hold(); /* the exporter keeps temporary files of its own */
    int st = nb_export(dir, nb, &o, &report, &err);
    cli_cleanup_release();
    json_decref(report);
    if (st) { /* an empty message: the tool's module that failed has said why */
        rc = err.message[0] ? cli_lib_error(CMD, st, &err) : cli_status_exit(st);
        goto done;
    }
    fputs("== Notebook gathering every result: ", out), cli_escape(out, nb), fputc('\n', out);
    json_object_set_new(summary, "notebook", json_string(nb));
done:
    free(nb);
    free(nbdir);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *dir = STARC_RESULTS_DEMO_DIR;
    enum cli_format fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &dir))) return rc; break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc demo", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    /* marked incomplete until every section is written (output.h) */
    if ((rc = cli_dir_begin(CMD, dir)))
        return rc;
    json_t *summary = json_object();
    /* In json mode the human-readable report goes to stderr. */
    FILE *out = fmt == CLI_JSON ? stderr : stdout;
    rc = section_small(out, dir, summary);
    if (!rc)
        rc = section_gridworld(out, dir, summary);
    if (!rc)
        rc = starc_demo_study(out, dir, summary);
    if (!rc)
        rc = section_tomato(out, dir, summary);
    if (!rc)
        rc = starc_demo_overopt(out, dir, summary);
    if (!rc)
        rc = section_notebook(out, dir, summary);
    if (!rc)
        rc = cli_dir_done(CMD, dir);
    if (rc) {
        json_decref(summary);
        return rc;
    }
    if (fmt == CLI_JSON)
        return cli_json_print(summary);
    json_decref(summary);
    fputs("Results are in ", stdout), cli_escape(stdout, dir), fputs("/\n", stdout);
    return EXIT_OK;
}
