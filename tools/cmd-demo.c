/* starc demo: the main job on built-in data, no input files needed. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../notebooks-export/notebook.h"

#include "cli.h"

static const char *CMD = "demo";

static void help(void)
{
    printf("Usage: starc demo [-o DIR] [--format text|json]\n\n"
           "Run libstarc's main job on built-in data and write its results to DIR\n"
           "(default: starc-demo).  Prints a short summary of what was found.\n\n"
           "  -o, --output DIR  output directory (created if needed)\n"
           "  --format FMT      text (default) or json summary on stdout\n"
           "  -h, --help        this help\n");
}

/* The 2-state, 2-action MDP of REFERENCES.md ("small exact vectors"). */
static const double small_T[8] = {.9, .1, .3, .7, .2, .8, .9, .1};
static const double small_mu0[2] = {.5, .5};
static const double small_R[8] = {0, 0, -1, 5, -2, 1, 1, 0};

static int section_small(FILE *out, const char *dir, json_t *summary)
{
    starc_error err;
    starc_error_clear(&err);
    starc_mdp *m = NULL;
    int st = starc_mdp_alloc(2, 2, small_T, small_mu0, 0.9, STARC_PROB_TOL, &m, &err);
    if (st)
        return cli_lib_error(CMD, st, &err);
    double pi[4], V[2], Q[4], neg[8];
    size_t act[2], wact[2];
    starc_policy_uniform(m, pi);
    int rc = EXIT_OK;
    starc_regret_result reg;
    for (int i = 0; i < 8; i++)
        neg[i] = -small_R[i];
    char *mpath = cli_path_join(dir, "small-mdp.npz"), *rpath = cli_path_join(dir, "small-reward.npy");
    size_t shape[3] = {2, 2, 2};
    if ((st = starc_policy_evaluate(m, pi, small_R, V, Q, NULL, &err)) ||
        (st = starc_policy_optimal(m, small_R, NULL, act, NULL, NULL, NULL, &err)) ||
        (st = starc_policy_worst(m, small_R, NULL, wact, NULL, NULL, NULL, &err)) ||
        (st = starc_regret(m, small_R, neg, NULL, &reg, NULL, &err)) ||
        (st = starc_mdp_save(mpath, m, &err)) ||
        (st = starc_npy_write(rpath, 3, shape, small_R, &err))) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    fprintf(out, "== Built-in 2-state MDP (gamma 0.9), reward R from REFERENCES.md\n");
    fprintf(out, "   V under the uniform policy: [%.6f, %.6f]\n", V[0], V[1]);
    fprintf(out, "   optimal actions: [%zu, %zu]; worst actions: [%zu, %zu]\n", act[0], act[1], wact[0], wact[1]);
    fprintf(out, "   optimising -R when R is true: normalised regret %.6f (J* = %.6f, J- = %.6f)\n",
           reg.regret, reg.true_optimal_return, reg.true_worst_return);
    fprintf(out, "   wrote %s and %s\n", mpath, rpath);
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

/* Run a subcommand in-process with its stdout going to PATH (atomically: a
 * temporary file renamed into place on success), so the demo's result files
 * are exactly what the subcommands write for users. */
static int run_to_file(int (*cmd)(int, char **), const char *path, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return cli_fail(CMD, "out of memory");
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return cli_usage(CMD, "%s: cannot create", path);
    }
    fchmod(fd, 0644);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    int rc = cmd(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    if (rc == EXIT_OK && rename(tmp, path) != 0)
        rc = cli_usage(CMD, "%s: cannot rename into place", path);
    if (rc != EXIT_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* EPIC's 3x3 gridworld (Gleave et al. 2021) and its six rewards: distance matrices
 * under STARC (VAL, L2), EPIC and DARD, each with a heatmap script. */
static int section_gridworld(FILE *out, const char *dir, json_t *summary)
{
    char *sub = cli_path_join(dir, "gridworld"), *mpath = NULL, *rpath = NULL;
    int rc = EXIT_OK;
    if (!sub || (rc = cli_mkdir_p(CMD, sub)))
        goto done;
    mpath = cli_path_join(sub, "mdp.npz");
    rpath = cli_path_join(sub, "rewards.npz");
    char *gargv[] = {"gridworld", "-o", sub, NULL};
    char *log = cli_path_join(sub, "generate.txt");
    rc = run_to_file(cmd_generate_gridworld, log, gargv);
    free(log);
    if (rc)
        goto done;
    static const char *const kinds[3] = {"starc", "epic", "dard"};
    fprintf(out, "== EPIC's 3x3 gridworld: distances between Sparse, Dense, Center, Penalty, Path, Cliff\n");
    json_t *o = json_object();
    json_object_set_new(summary, "gridworld", o);
    for (int k = 0; k < 3 && !rc; k++) {
        char name[32];
        snprintf(name, sizeof name, "%s.tsv", kinds[k]);
        char *tsv = cli_path_join(sub, name);
        snprintf(name, sizeof name, "%s.gp", kinds[k]);
        char *gp = cli_path_join(sub, name);
        char *dargv[] = {"distance", "--mdp", mpath, "--gnuplot", gp, rpath, NULL, NULL};
        if (k == 1)
            dargv[5] = "--epic", dargv[6] = rpath;
        else if (k == 2)
            dargv[5] = "--dard", dargv[6] = rpath;
        rc = run_to_file(cmd_distance, tsv, dargv);
        if (!rc) {
            /* report Sparse vs Dense (a shaped copy: distance 0) and Sparse vs Path */
            FILE *f = fopen(tsv, "r");
            char line[4096];
            double sd = NAN, sp = NAN;
            if (f && fgets(line, sizeof line, f) && fgets(line, sizeof line, f))
                sscanf(line, "%*s %lf %*s %*s %lf", &sd, &sp); /* columns Dense and Path */
            if (f)
                fclose(f);
            fprintf(out, "   %-5s  d(Sparse, Dense) = %.4f (Dense is Sparse, shaped)   d(Sparse, Path) = %.4f   -> %s\n",
                    kinds[k], sd, sp, tsv);
            json_t *e = json_object();
            json_object_set_new(e, "sparse_dense", cli_json_num(sd));
            json_object_set_new(e, "sparse_path", cli_json_num(sp));
            json_object_set_new(o, kinds[k], e);
        }
        free(tsv);
        free(gp);
    }
done:
    free(sub), free(mpath), free(rpath);
    return rc;
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
    starc_proxy *px = NULL;
    starc_regularizer *rg = NULL;
    double *bt = NULL, *bp = NULL;
    char *sub = cli_path_join(dir, "tomato"), *mpath = NULL, *rpath = NULL, *bpath = NULL;
    int rc = EXIT_OK, st;
    if (!sub || (rc = cli_mkdir_p(CMD, sub)))
        goto done;
    mpath = cli_path_join(sub, "mdp.npz");
    rpath = cli_path_join(sub, "rewards.npz");
    bpath = cli_path_join(sub, "base.npy");
    if ((st = starc_tomato_alloc(&to, &t, &err)))
        goto fail;
    const starc_mdp *m = starc_tomato_mdp(t);
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *base = starc_tomato_base_policy(t);
    bt = malloc(S * A * sizeof(double));
    bp = malloc(S * A * sizeof(double));
    if (!bt || !bp) {
        rc = cli_fail(CMD, "out of memory");
        goto done;
    }
    /* the tomato rewards are state rewards r(s): Rbar(s,a) = r(s) */
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            bt[s * A + a] = starc_tomato_true_reward(t)[s];
            bp[s * A + a] = starc_tomato_proxy_reward(t)[s];
        }
    starc_array arrs[2];
    const char *names[2] = {"true", "proxy"};
    for (int k = 0; k < 2; k++) {
        starc_array_init(&arrs[k]);
        arrs[k].ndim = 1;
        arrs[k].shape[0] = S;
        arrs[k].data = (double *)(k ? starc_tomato_proxy_reward(t) : starc_tomato_true_reward(t));
    }
    size_t pshape[2] = {S, A};
    if ((st = starc_mdp_save(mpath, m, &err)) || (st = starc_npz_write(rpath, 2, names, arrs, 0, &err)) ||
        (st = starc_npy_write(bpath, 2, pshape, base, &err)))
        goto fail;
    if ((st = starc_proxy_alloc(m, base, bt, bp, STARC_PROB_TOL, &px, &err)))
        goto fail;
    const starc_proxy_stats *ps = starc_proxy_get_stats(px);
    double jb_true;
    starc_proxy_base_returns(px, &jb_true, NULL);
    starc_proxy_hacking hk;
    if ((st = starc_proxy_check_hacking(px, NULL, NULL, &hk, &err)))
        goto fail;
    if ((st = starc_regularizer_alloc(m, base, bp, bt, NULL, &rg, &err)))
        goto fail;
    starc_reg_result orpo, adkl;
    if ((st = starc_regularizer_solve(rg, STARC_REG_OM_SQRT_CHI2, ps->orpo_coef, NULL, &orpo, &err)) ||
        (st = starc_regularizer_solve(rg, STARC_REG_AD_KL, ps->orpo_coef, NULL, &adkl, &err)))
        goto fail;
    fprintf(out, "== Correlated proxies: tomato-watering gridworld (%zu states, %zu actions)\n", S, A);
    fprintf(out, "   under the base policy the proxy correlates with the truth: r = %.4f\n", ps->r);
    fprintf(out, "   base policy true return %.4f; proxy-optimal policy true return %.4f -> %s\n", jb_true,
            hk.proxy_optimal.true_return, hk.reward_hacking ? "REWARD HACKING" : "no reward hacking");
    fprintf(out, "   sqrt-chi2 (ORPO) optimum at CP's coefficient %.4g: true return %.4f (%+.4f over the base)\n",
            ps->orpo_coef, orpo.true_return, orpo.true_delta);
    fprintf(out, "   AD-KL optimum at the same coefficient: true return %.4f (%+.4f)\n", adkl.true_return, adkl.true_delta);
    {
        char *jp = cli_path_join(sub, "proxy.json"), *jr = cli_path_join(sub, "regularize-orpo.json");
        char *tspec = malloc(strlen(rpath) + 8), *pspec = malloc(strlen(rpath) + 8);
        sprintf(tspec, "%s:true", rpath);
        sprintf(pspec, "%s:proxy", rpath);
        char *pargv[] = {"proxy", "--mdp", mpath, "--true", tspec, "--proxy", pspec, "--base", bpath,
                         "--format", "json", NULL};
        char *rargv[] = {"regularize", "--mdp", mpath, "--true", tspec, "--proxy", pspec, "--base", bpath,
                         "--method", "om-sqrt-chi2", "--coef", "orpo", "--format", "json", NULL};
        rc = run_to_file(cmd_proxy, jp, pargv);
        if (!rc)
            rc = run_to_file(cmd_regularize, jr, rargv);
        free(jp), free(jr), free(tspec), free(pspec);
        if (rc)
            goto done;
    }
    fprintf(out, "   wrote %s/{mdp.npz,rewards.npz,base.npy,proxy.json,regularize-orpo.json}\n", sub);
    json_t *o = json_object();
    json_object_set_new(o, "r", cli_json_num(ps->r));
    json_object_set_new(o, "base_true_return", cli_json_num(jb_true));
    json_object_set_new(o, "proxy_optimal_true_return", cli_json_num(hk.proxy_optimal.true_return));
    json_object_set_new(o, "reward_hacking", json_boolean(hk.reward_hacking));
    json_object_set_new(o, "orpo_coef", cli_json_num(ps->orpo_coef));
    json_object_set_new(o, "orpo_true_return", cli_json_num(orpo.true_return));
    json_object_set_new(o, "ad_kl_true_return", cli_json_num(adkl.true_return));
    json_object_set_new(summary, "tomato", o);
    goto done;
fail:
    rc = cli_lib_error(CMD, st, &err);
done:
    starc_regularizer_free(rg);
    starc_proxy_free(px);
    starc_tomato_free(t);
    free(bt), free(bp), free(sub), free(mpath), free(rpath), free(bpath);
    return rc;
}

/* One notebook that gathers every result of the demo. */
static int section_notebook(FILE *out, const char *dir, json_t *summary)
{
    char *nb = cli_path_join(dir, "notebook/starc-demo.ipynb"), *nbdir = cli_path_join(dir, "notebook");
    int rc = EXIT_OK;
    if (!nb || !nbdir || (rc = cli_mkdir_p(CMD, nbdir)))
        goto done;
    nb_options o;
    nb_options_default(&o);
    o.command = cli_command_line();
    o.title = "starc demo";
    starc_error err;
    starc_error_clear(&err);
    json_t *report = NULL;
    int st = nb_export(dir, nb, &o, &report, &err);
    json_decref(report);
    if (st) {
        rc = cli_lib_error(CMD, st, &err);
        goto done;
    }
    fprintf(out, "== Notebook gathering every result: %s\n", nb);
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
    const char *dir = "starc-demo";
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
    if ((rc = cli_mkdir_p(CMD, dir)))
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
    if (rc) {
        json_decref(summary);
        return rc;
    }
    if (fmt == CLI_JSON)
        return cli_json_print(summary);
    json_decref(summary);
    printf("Results are in %s/\n", dir);
    return EXIT_OK;
}
