/* The study engine: exact regrets against enumeration of deterministic
 * policies, the correlations it reports, every distance variant against the distance module,
 * determinism across thread counts, regeneration of a study's MDPs. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include <starc/study.h>
#include <starc/stats.h>
#include <starc/generate.h>
#include <starc/distance.h>
#include "../tools/fmt17.h"

/* ------------------------------------------------ a reference correlation */

static double ref_pearson(size_t n, const double *x, const double *y)
{
    /* textbook one-pass sums in long double, as a reference */
    long double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i], sy += y[i];
        sxx += (long double)x[i] * x[i], syy += (long double)y[i] * y[i], sxy += (long double)x[i] * y[i];
    }
    long double N = (long double)n;
    return (double)((N * sxy - sx * sy) / sqrtl((N * sxx - sx * sx) * (N * syy - sy * sy)));
}

/* ---------------------------------------------------------------- variants */

static void test_variants(void **state)
{
    (void)state;
    size_t n = starc_study_nvariants();
    assert_int_equal(n, 7 * 8 * 6 + 2);
    const starc_study_variant *v = starc_study_variants();
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(starc_study_variant_index(v[i].canon, v[i].norm, v[i].metric), (long)i);
        for (size_t j = 0; j < i; j++)
            assert_false(v[i].canon == v[j].canon && v[i].norm == v[j].norm && v[i].metric == v[j].metric);
    }
    assert_int_equal(v[n - 2].canon, STARC_CANON_EPIC);
    assert_int_equal(v[n - 2].metric, STARC_METRIC_PEARSON);
    assert_int_equal(v[n - 1].canon, STARC_CANON_DARD);
    assert_int_equal(starc_study_variant_index(STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_PEARSON), -1);
    assert_int_equal(starc_study_variant_index((starc_canon_kind)99, STARC_NORM_L2, STARC_METRIC_L2), -1);
    assert_true(starc_study_variant_index(STARC_CANON_MINIMAL, STARC_NORM_RANGE, STARC_METRIC_WLINF) >= 0);
}

/* ------------------------------------------------------------- a study run */

/* Everything a run hands out, copied in MDP order. */
typedef struct capture {
    size_t S, A, nmdp, per, nv;
    double *T;      /* nmdp * S*A*S */
    double *R1, *R2; /* nmdp * pairs * S*A*S */
    double *regret; /* nmdp * per */
    double *values; /* nmdp * per * nv */
    size_t pairs, steps, calls, worker_calls, discarded;
    uint64_t seeds[64];
    int fail_at; /* ordered() fails at this MDP (or -1) */
} capture;

static int cap_worker(const starc_study_batch *b, void *user, void **data)
{
    (void)user;
    size_t *tag = malloc(sizeof *tag); /* something to own and release */
    *tag = b->mdp;
    *data = tag;
    return 0;
}

static int cap_ordered(const starc_study_batch *b, void *data, void *user)
{
    capture *c = user;
    size_t n = c->S * c->A * c->S, j = b->mdp;
    assert_non_null(data);
    assert_int_equal(*(size_t *)data, j);
    free(data);
    assert_int_equal(j, c->calls); /* in index order */
    c->calls++;
    if ((int)j == c->fail_at)
        return 1;
    if (j < 64)
        c->seeds[j] = b->seed;
    memcpy(c->T + j * n, starc_mdp_transitions(b->m), n * sizeof(double));
    memcpy(c->R1 + j * b->pairs * n, b->R1, b->pairs * n * sizeof(double));
    memcpy(c->R2 + j * b->pairs * n, b->R2, b->pairs * n * sizeof(double));
    memcpy(c->regret + j * c->per, b->regret, c->per * sizeof(double));
    memcpy(c->values + j * c->per * c->nv, b->values, c->per * c->nv * sizeof(double));
    return 0;
}

static void cap_discard(void *data, void *user)
{
    capture *c = user;
    free(data);
    c->discarded++;
}

static void cap_init(capture *c, const starc_study_options *o)
{
    memset(c, 0, sizeof *c);
    c->S = o->states, c->A = o->actions, c->nmdp = o->mdps, c->pairs = o->pairs, c->steps = o->steps;
    c->per = o->pairs * o->steps;
    c->nv = starc_study_nvariants();
    size_t n = c->S * c->A * c->S;
    c->T = malloc(c->nmdp * n * sizeof(double));
    c->R1 = malloc(c->nmdp * o->pairs * n * sizeof(double));
    c->R2 = malloc(c->nmdp * o->pairs * n * sizeof(double));
    c->regret = malloc(c->nmdp * c->per * sizeof(double));
    c->values = malloc(c->nmdp * c->per * c->nv * sizeof(double));
    c->fail_at = -1;
}

static void cap_free(capture *c)
{
    free(c->T), free(c->R1), free(c->R2), free(c->regret), free(c->values);
}

static starc_study *run_capture(const starc_study_options *o, capture *c)
{
    cap_init(c, o);
    starc_study_callbacks cb = {cap_worker, cap_ordered, NULL, cap_discard, c};
    starc_study *s = NULL;
    starc_error err;
    int st = starc_study_run(o, &cb, &s, &err);
    if (st)
        print_error("study: %s\n", err.message);
    assert_int_equal(st, STARC_OK);
    assert_int_equal(c->calls, o->mdps);
    return s;
}

static starc_mdp *mdp_from(const capture *c, size_t j, double gamma)
{
    size_t S = c->S;
    double *mu0 = malloc(S * sizeof(double));
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    starc_mdp *m = NULL;
    assert_ok(starc_mdp_alloc(S, c->A, c->T + j * S * c->A * S, mu0, gamma, NULL, &m, NULL));
    free(mu0);
    return m;
}

/* Brute force: enumerate every deterministic policy.  When several policies are
 * optimal for the proxy (the study's protocol makes ties: uniform rows, all-zero
 * sparse rewards), the regret depends on which one is taken; return the range
 * [*lo, *hi] over all of them (the study takes PI's lowest-index choice).
 * A trivial true reward has regret 0 (docs/theory.md §1). */
static void brute_regret(const starc_mdp *m, const double *Rt, const double *Rp, double *lo, double *hi)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), np = 1;
    for (size_t s = 0; s < S; s++)
        np *= A;
    size_t *act = calloc(S, sizeof(size_t));
    double *pi = malloc(S * A * sizeof(double)), *jt = malloc(np * sizeof(double)), *jp = malloc(np * sizeof(double));
    double jmax = -INFINITY, jmin = INFINITY, pbest = -INFINITY;
    for (size_t q = 0; q < np; q++) {
        for (size_t s = 0, r = q; s < S; s++, r /= A)
            act[s] = r % A;
        starc_policy_from_actions(m, act, pi);
        assert_ok(starc_policy_return(m, pi, Rt, &jt[q], NULL, NULL));
        assert_ok(starc_policy_return(m, pi, Rp, &jp[q], NULL, NULL));
        jmax = fmax(jmax, jt[q]);
        jmin = fmin(jmin, jt[q]);
        pbest = fmax(pbest, jp[q]);
    }
    *lo = INFINITY, *hi = -INFINITY;
    int trivial = jmax - jmin <= STARC_REGRET_TRIVIAL_TOL * fmax(1.0, fabs(jmax));
    for (size_t q = 0; q < np; q++)
        if (jp[q] >= pbest - 1e-9 * fmax(1.0, fabs(pbest))) {
            double r = trivial ? 0.0 : (jmax - jt[q]) / (jmax - jmin);
            *lo = fmin(*lo, r), *hi = fmax(*hi, r);
        }
    free(act);
    free(pi);
    free(jt);
    free(jp);
}

static void test_regret_bruteforce(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 4, o.pairs = 3, o.steps = 4, o.states = 5, o.actions = 3, o.gamma = 0.9, o.seed = 12, o.nthreads = 2;
    capture c;
    starc_study *s = run_capture(&o, &c);
    size_t n = c.S * c.A * c.S, npos = 0, nunique = 0;
    double *Ri = malloc(n * sizeof(double));
    for (size_t j = 0; j < o.mdps; j++) {
        starc_mdp *m = mdp_from(&c, j, o.gamma);
        for (size_t k = 0; k < o.pairs; k++) {
            const double *R1 = c.R1 + (j * o.pairs + k) * n, *R2 = c.R2 + (j * o.pairs + k) * n;
            for (size_t i = 1; i <= o.steps; i++) {
                starc_generate_interpolate(n, R1, R2, (double)i / (double)o.steps, Ri);
                double lo1, hi1, lo2, hi2;
                brute_regret(m, R1, Ri, &lo1, &hi1);
                brute_regret(m, Ri, R1, &lo2, &hi2);
                double got = c.regret[j * c.per + k * o.steps + i - 1];
                assert_true(got >= 0.5 * (lo1 + lo2) - 1e-9 && got <= 0.5 * (hi1 + hi2) + 1e-9);
                if (hi1 - lo1 < 1e-12 && hi2 - lo2 < 1e-12) { /* unique proxy optima: exact */
                    assert_close(got, 0.5 * (lo1 + lo2), 1e-9, 1e-12);
                    nunique++;
                }
                assert_close(starc_study_regrets(s)[(j * o.pairs + k) * o.steps + i - 1], got, 0, 0);
                npos += got > 0;
            }
        }
        starc_mdp_free(m);
    }
    print_message("%zu of %zu points have unique proxy optima, %zu a non-zero regret\n", nunique,
                  o.mdps * o.pairs * o.steps, npos);
    assert_true(npos > 10 && nunique > 20); /* the check saw non-trivial, exactly checked regrets */
    free(Ri);
    starc_study_free(s);
    cap_free(&c);
}

/* At the paper's size of MDP: the same as starc_regret_symmetric(). */
static void test_regret_symmetric(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 2, o.pairs = 2, o.steps = 16, o.seed = 3, o.nthreads = 1;
    capture c;
    starc_study *s = run_capture(&o, &c);
    size_t n = c.S * c.A * c.S;
    double *Ri = malloc(n * sizeof(double));
    for (size_t j = 0; j < o.mdps; j++) {
        starc_mdp *m = mdp_from(&c, j, o.gamma);
        for (size_t k = 0; k < o.pairs; k++) {
            const double *R1 = c.R1 + (j * o.pairs + k) * n, *R2 = c.R2 + (j * o.pairs + k) * n;
            for (size_t i = 1; i <= o.steps; i++) {
                starc_generate_interpolate(n, R1, R2, (double)i / (double)o.steps, Ri);
                double want;
                assert_ok(starc_regret_symmetric(m, R1, Ri, NULL, &want, NULL, NULL));
                assert_close(c.regret[j * c.per + k * o.steps + i - 1], want, 0, 0);
            }
        }
        starc_mdp_free(m);
    }
    free(Ri);
    starc_study_free(s);
    cap_free(&c);
}

/* A study's MDPs and rewards can be regenerated from (seed, j) alone. */
static void test_regenerate(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 3, o.pairs = 2, o.steps = 2, o.states = 6, o.actions = 2, o.seed = 99, o.nthreads = 2;
    capture c;
    starc_study *s = run_capture(&o, &c);
    size_t n = c.S * c.A * c.S;
    double *R = malloc(n * sizeof(double));
    for (size_t j = 0; j < o.mdps; j++) {
        assert_int_equal(c.seeds[j], starc_study_mdp_seed(o.seed, j));
        starc_generate_rng *r = testutil_generate_rng(starc_study_mdp_seed(o.seed, j));
        starc_generate_mdp_options mo;
        starc_generate_mdp_options_default(&mo);
        mo.gamma = o.gamma;
        starc_mdp *m = NULL;
        assert_ok(starc_generate_mdp(r, c.S, c.A, &mo, &m, NULL));
        assert_memory_equal(starc_mdp_transitions(m), c.T + j * n, n * sizeof(double));
        for (size_t k = 0; k < o.pairs; k++) {
            assert_ok(starc_generate_reward(r, m, NULL, R, NULL, NULL));
            assert_memory_equal(R, c.R1 + (j * o.pairs + k) * n, n * sizeof(double));
            assert_ok(starc_generate_reward(r, m, NULL, R, NULL, NULL));
            assert_memory_equal(R, c.R2 + (j * o.pairs + k) * n, n * sizeof(double));
        }
        starc_mdp_free(m);
        starc_generate_rng_free(r);
    }
    /* distinct MDPs get distinct seeds, and the master seed matters */
    assert_true(starc_study_mdp_seed(99, 0) != starc_study_mdp_seed(99, 1));
    assert_true(starc_study_mdp_seed(99, 0) != starc_study_mdp_seed(98, 0));
    free(R);
    starc_study_free(s);
    cap_free(&c);
}

/* Same bytes for 1, 2 and 3 threads; the correlations equal those recomputed
 * from the stored per-point values. */
static void test_threads_and_correlations(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 7, o.pairs = 2, o.steps = 8, o.states = 8, o.actions = 3, o.seed = 2024;
    starc_study *s[3];
    capture c[3];
    for (int t = 0; t < 3; t++) {
        o.nthreads = t + 1;
        s[t] = run_capture(&o, &c[t]);
    }
    size_t N = starc_study_npoints(s[0]), nv = starc_study_nvariants();
    assert_int_equal(N, 7 * 2 * 8);
    for (int t = 1; t < 3; t++) {
        assert_memory_equal(starc_study_regrets(s[0]), starc_study_regrets(s[t]), N * sizeof(double));
        for (size_t v = 0; v < nv; v++) {
            assert_memory_equal(starc_study_values(s[0], v), starc_study_values(s[t], v), N * sizeof(double));
            double p0 = starc_study_pearson(s[0], v), pt = starc_study_pearson(s[t], v);
            assert_memory_equal(&p0, &pt, sizeof p0);
        }
        assert_memory_equal(c[0].values, c[t].values, c[0].nmdp * c[0].per * nv * sizeof(double));
    }
    /* the study's columns are the batches' rows, transposed */
    for (size_t p = 0; p < N; p++)
        for (size_t v = 0; v < nv; v++) {
            double a = starc_study_values(s[0], v)[p], b = c[0].values[p * nv + v];
            assert_memory_equal(&a, &b, sizeof a);
        }
    size_t checked = 0;
    for (size_t v = 0; v < nv; v++) {
        const double *x = starc_study_values(s[0], v);
        size_t nf = 0;
        for (size_t p = 0; p < N; p++)
            nf += isfinite(x[p]) != 0;
        assert_int_equal(starc_study_nfinite(s[0], v), nf);
        if (nf != N)
            continue;
        double r, rho;
        int st = starc_stats_pearson(N, x, starc_study_regrets(s[0]), &r, NULL);
        if (st == STARC_OK) {
            assert_close(starc_study_pearson(s[0], v), r, 0, 0);
            assert_ok(starc_stats_spearman(N, x, starc_study_regrets(s[0]), &rho, NULL));
            assert_close(starc_study_spearman(s[0], v), rho, 1e-15, 0);
            assert_close(r, ref_pearson(N, x, starc_study_regrets(s[0])), 1e-10, 1e-12);
            checked++;
        } else
            assert_true(isnan(starc_study_pearson(s[0], v)));
    }
    assert_true(checked > 0);
    for (int t = 0; t < 3; t++) {
        starc_study_free(s[t]);
        cap_free(&c[t]);
    }
}

/* Every variant at every point equals the distance module's starc_distance_pair()
 * (NaN exactly where it reports an undefined distance), with the derived
 * trivial tolerances and with a given one: one rule, one tolerance.  Small S
 * makes the protocol produce trivial rewards (all-zero sparse ones, pure
 * shifts). */
static void test_variants_vs_distance(void **state)
{
    (void)state;
    const size_t sizes[][2] = {{3, 2}, {6, 3}, {4, 2}};
    const double gammas[] = {0.9, 0.9, 0.99};
    const double tols[] = {STARC_DISTANCE_TRIVIAL_TOL_DERIVED, STARC_DISTANCE_TRIVIAL_TOL_DERIVED, 1e-7};
    size_t ntrivial_seen = 0, nundef = 0, nchecked = 0;
    double maxrel = 0.0;
    for (int z = 0; z < 3; z++) {
        starc_study_options o;
        starc_study_options_default(&o);
        o.mdps = 3, o.pairs = 3, o.steps = 3, o.states = sizes[z][0], o.actions = sizes[z][1];
        o.gamma = gammas[z], o.seed = 77 + (uint64_t)z, o.nthreads = 2, o.trivial_tol = tols[z];
        capture c;
        starc_study *s = run_capture(&o, &c);
        size_t n = c.S * c.A * c.S, nv = starc_study_nvariants();
        const starc_study_variant *vt = starc_study_variants();
        double *Ri = malloc(n * sizeof(double));
        for (size_t j = 0; j < o.mdps; j++) {
            starc_mdp *m = mdp_from(&c, j, o.gamma);
            starc_distance_plan **plans = calloc(nv, sizeof *plans);
            for (size_t v = 0; v < nv; v++) {
                starc_distance_options d;
                if (vt[v].metric == STARC_METRIC_PEARSON)
                    (vt[v].canon == STARC_CANON_EPIC ? starc_distance_options_epic : starc_distance_options_dard)(&d);
                else {
                    starc_distance_options_default(&d);
                    d.canon = vt[v].canon;
                    d.norm = vt[v].norm;
                    d.metric = vt[v].metric;
                }
                d.trivial_tol = o.trivial_tol;
                assert_ok(starc_distance_plan_alloc(m, &d, &plans[v], NULL));
            }
            for (size_t k = 0; k < o.pairs; k++) {
                const double *R1 = c.R1 + (j * o.pairs + k) * n, *R2 = c.R2 + (j * o.pairs + k) * n;
                int triv;
                double nrm, *tmp = malloc(n * sizeof(double));
                long vl2 = starc_study_variant_index(STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_L2);
                assert_ok(starc_distance_standardize(plans[vl2], R1, tmp, &nrm, &triv, NULL));
                ntrivial_seen += (size_t)triv;
                free(tmp);
                for (size_t i = 1; i <= o.steps; i++) {
                    starc_generate_interpolate(n, R1, R2, (double)i / (double)o.steps, Ri);
                    const double *row = c.values + (j * c.per + k * o.steps + i - 1) * nv;
                    for (size_t v = 0; v < nv; v++) {
                        double d;
                        int st = starc_distance_pair(plans[v], R1, Ri, &d, NULL);
                        if (st == STARC_EUNDEF) {
                            if (!isnan(row[v]))
                                print_error("%s:%s:%s: study %.17g, distance undefined\n",
                                            starc_canon_kind_name(vt[v].canon), starc_norm_kind_name(vt[v].norm),
                                            starc_metric_kind_name(vt[v].metric), row[v]);
                            assert_true(isnan(row[v]));
                            nundef++;
                            continue;
                        }
                        assert_int_equal(st, STARC_OK);
                        if (!(fabs(row[v] - d) <= 1e-9 * fmax(1.0, fabs(d))))
                            print_error("MDP %zu pair %zu step %zu, %s:%s:%s\n", j, k, i,
                                        starc_canon_kind_name(vt[v].canon), starc_norm_kind_name(vt[v].norm),
                                        starc_metric_kind_name(vt[v].metric));
                        assert_close(row[v], d, 1e-9, 1e-12);
                        if (fabs(d) > 1e-9)
                            maxrel = fmax(maxrel, fabs(row[v] - d) / fabs(d));
                        nchecked++;
                    }
                }
            }
            for (size_t v = 0; v < nv; v++)
                starc_distance_plan_free(plans[v]);
            free(plans);
            starc_mdp_free(m);
        }
        free(Ri);
        starc_study_free(s);
        cap_free(&c);
    }
    print_message("%zu values checked (largest relative difference where d > 1e-9: %.3g), %zu undefined, %zu trivial first rewards\n", nchecked, maxrel, nundef, ntrivial_seen);
    assert_true(nchecked > 10000);
}

/* s(R) by a one-shot plan; *trivial says whether R is trivial. */
static int standardize_once(const starc_mdp *m, const starc_distance_options *o, const double *R,
                                           double *out, double *norm, int *trivial)
{
    starc_distance_plan *p;
    int st = starc_distance_plan_alloc(m, o, &p, NULL);
    if (!st)
        st = starc_distance_standardize(p, R, out, norm, trivial, NULL);
    starc_distance_plan_free(p);
    return st;
}

/* The study protocol's sparse rewards whose entries all sit on floored
 * transitions (probability ~1e-10) have canonical forms ~1e-10 of their size:
 * real rewards, far above round-off, so the study must not zero them (the old
 * rule, tolerance 1e-9, did: VAL distance exactly 1 to every non-trivial
 * reward).  At the paper's size (S = 32, A = 4, gamma 0.95) the distance
 * module calls them real at the default and trivial at 1e-9, and the study's
 * VAL distances equal those computed with no trivial rule at all (tolerance 0). */
static void test_study_rare_rewards(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    o.mdps = 10, o.pairs = 8, o.steps = 2, o.seed = 3, o.nthreads = 2;
    capture c;
    starc_study *s = run_capture(&o, &c);
    const size_t n = c.S * c.A * c.S, nv = starc_study_nvariants();
    const long vval = starc_study_variant_index(STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_L2);
    double *C = malloc(n * sizeof(double)), *Ri = malloc(n * sizeof(double));
    size_t nrare = 0;
    double rho_min = 1.0, rho_max = 0.0;
    for (size_t j = 0; j < o.mdps; j++) {
        starc_mdp *m = mdp_from(&c, j, o.gamma);
        for (size_t k = 0; k < o.pairs; k++) {
            const double *R1 = c.R1 + (j * o.pairs + k) * n, *R2 = c.R2 + (j * o.pairs + k) * n;
            assert_ok(starc_canon_compute(m, STARC_CANON_VAL, NULL, R1, C, NULL));
            double cmax = 0.0, rmax = 0.0;
            for (size_t i = 0; i < n; i++) {
                cmax = fmax(cmax, fabs(C[i]));
                rmax = fmax(rmax, fabs(R1[i]));
            }
            const double rho = cmax / rmax;
            if (!(rho < 1e-6))
                continue;
            nrare++;
            rho_min = fmin(rho_min, rho);
            rho_max = fmax(rho_max, rho);
            /* the distance module: real at the default, zeroed by the old tolerance 1e-9 */
            starc_distance_options d;
            starc_distance_options_default(&d);
            int triv;
            double nrm;
            assert_ok(standardize_once(m, &d, R1, C, &nrm, &triv));
            assert_false(triv);
            d.trivial_tol = 1e-9;
            assert_ok(standardize_once(m, &d, R1, C, &nrm, &triv));
            assert_true(triv);
            for (size_t i = 1; i <= o.steps; i++) {
                starc_generate_interpolate(n, R1, R2, (double)i / (double)o.steps, Ri);
                const double got = c.values[(j * c.per + k * o.steps + i - 1) * nv + (size_t)vval];
                double exact;
                d.trivial_tol = 0.0;
                assert_ok(starc_distance(m, &d, R1, Ri, &exact, NULL));
                assert_close(got, exact, 1e-9, 0);
            }
        }
        starc_mdp_free(m);
    }
    print_message("%zu of %zu first rewards live on rare transitions: max|c(R)|/max|R| in [%.2g, %.2g]\n", nrare,
                  o.mdps * o.pairs, rho_min, rho_max);
    assert_true(nrare >= 2);
    assert_true(rho_min >
                starc_distance_trivial_tol(STARC_DISTANCE_TRIVIAL_TOL_DERIVED, STARC_CANON_VAL, o.gamma, o.states));
    free(C);
    free(Ri);
    starc_study_free(s);
    cap_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    starc_study_options o;
    starc_study_options_default(&o);
    starc_study *s = NULL;
    starc_error err;
    o.mdps = 0;
    assert_int_equal(starc_study_run(&o, NULL, &s, &err), STARC_EINVAL);
    assert_null(s);
    starc_study_options_default(&o);
    o.gamma = 1.0;
    assert_int_equal(starc_study_run(&o, NULL, &s, &err), STARC_EINVAL);
    starc_study_options_default(&o);
    o.states = 0;
    assert_int_equal(starc_study_run(&o, NULL, &s, &err), STARC_EDIM);
    starc_study_options_default(&o);
    o.trivial_tol = -0.5;
    assert_int_equal(starc_study_run(&o, NULL, &s, &err), STARC_EINVAL);
    assert_non_null(strstr(err.message, "trivial_tol"));
    o.trivial_tol = NAN;
    assert_int_equal(starc_study_run(&o, NULL, &s, &err), STARC_EINVAL);
    /* a failing output callback stops the run; undelivered results are discarded */
    starc_study_options_default(&o);
    o.mdps = 6, o.pairs = 1, o.steps = 2, o.states = 4, o.actions = 2, o.nthreads = 2;
    capture c;
    cap_init(&c, &o);
    c.fail_at = 2;
    starc_study_callbacks cb = {cap_worker, cap_ordered, NULL, cap_discard, &c};
    assert_int_equal(starc_study_run(&o, &cb, &s, &err), STARC_EIO);
    assert_null(s);
    assert_non_null(strstr(err.message, "MDP 2"));
    assert_int_equal(c.calls, 3);
    cap_free(&c);
    /* (the worker data of MDPs after 2 that were computed are released by discard;
     * a leak here shows up under the sanitizers) */
}

/* tools/fmt17.h, the one number formatter of the starc command (fast, exact "%.17g"), against snprintf. */
static void test_fmt17(void **state)
{
    (void)state;
    gsl_rng *g = testutil_rng(17);
    char a[64], b[64];
    size_t n = 0;
    const double special[] = {0.0, -0.0, 1.0, 0.5, 0.1, 1e-4, 9.9999999999999991e-5, 1e15, 999999999999999.88,
                              123456789012345.67, 0.99999999999999989, 1.0000000000000002, 2.0, 1e-5, 3e300,
                              5e-324, INFINITY, -INFINITY, 0.30000000000000004, 100.0, 1e14};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        fmt17(a, special[i]);
        snprintf(b, sizeof b, "%.17g", special[i]);
        assert_string_equal(a, b);
    }
    /* the one spelling of NaN, whatever its sign bit (printf may say "-nan") */
    assert_int_equal(fmt17(a, NAN), 3);
    assert_string_equal(a, "nan");
    assert_int_equal(fmt17(a, -NAN), 3);
    assert_string_equal(a, "nan");
    /* 2,000,000 random doubles in the slow tier (make check-slow), 100,000 otherwise */
    const long draws = testutil_slow() ? 2000000 : 100000;
    for (long i = 0; i < draws; i++) {
        double x;
        uint64_t u = ((uint64_t)gsl_rng_get(g) << 32) ^ gsl_rng_get(g);
        switch (i % 4) {
        case 0: memcpy(&x, &u, sizeof x); break;                                   /* any bit pattern */
        case 1: x = ldexp((double)(u >> 11), -(int)(u % 110)); break;              /* dyadic, many scales */
        case 2: x = pow(10.0, (double)(int)(u % 24) - 6.0) * (1.0 + ((int)(u % 3) - 1) * 1e-16); break; /* near 10^k */
        default: x = gsl_rng_uniform(g) * pow(10.0, (double)(int)(u % 22) - 6.0); break;
        }
        if (isnan(x))
            continue;
        int la = fmt17(a, x), lb = snprintf(b, sizeof b, "%.17g", x);
        if (strcmp(a, b) != 0)
            print_error("fmt17 gives %s, printf %s\n", a, b);
        assert_string_equal(a, b);
        assert_int_equal(la, lb);
        n++;
    }
    assert_true(n > (size_t)(draws - draws / 20)); /* NaN bit patterns are skipped (about 1/8192) */
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_fmt17),
        cmocka_unit_test(test_regret_bruteforce),
        cmocka_unit_test(test_regret_symmetric),
        cmocka_unit_test(test_regenerate),
        cmocka_unit_test(test_threads_and_correlations),
        cmocka_unit_test(test_variants_vs_distance),
        cmocka_unit_test(test_study_rare_rewards),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("study", tests, NULL, NULL);
}
