/* STARC / EPIC / DARD distances against a slow reference (dense canonical
 * tensors, explicit norm and metric loops, `range` by enumerating every
 * deterministic policy), the EPIC paper's gridworld matrix, the reference values of docs/theory.md:
 * STARC-VAL(R,-R) = 2, the metric axioms and invariances, batch = pairwise,
 * undefined Pearson distances and the trivial-reward rule. */
#include <config.h>
#include <float.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "testref.h"

#define IDX(s, a, t) (((s) * A + (a)) * S + (t))


/* s(R) by the rule of distance.h; returns 1 if trivial.  Also gives c(R) and, in
 * *delta, the round-off level tol * max|R| of c(R)'s entries. */
static int ref_standardize(const starc_mdp *m, const starc_distance_options *o, const double *R, double *C, double *s,
                           double *delta)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    const double *T = starc_mdp_transitions(m);
    double tol = starc_distance_trivial_tol(o->trivial_tol, o->canon, starc_mdp_gamma(m), S);
    assert_ok(starc_canon_compute(m, o->canon, &o->canon_options, R, C, NULL));
    double xmax = maxabs(C, n), rmax = maxabs(R, n);
    *delta = tol * rmax;
    int trivial = !(xmax > *delta);
    double nv = 0.0;
    if (!trivial && o->norm != STARC_NORM_NONE) {
        nv = ref_norm(m, o->norm, C);
        double seen = 0; /* max |c(R)| where T > 0: what the weighted normalisers see */
        for (size_t i = 0; i < n; i++)
            if (T[i] > 0)
                seen = fmax(seen, fabs(C[i]));
        if (o->norm == STARC_NORM_WL1 || o->norm == STARC_NORM_WL2 || o->norm == STARC_NORM_WLINF)
            trivial = !(seen > *delta);
        else if (o->norm == STARC_NORM_RANGE)
            trivial = !(nv > 2 / (1 - starc_mdp_gamma(m)) * *delta);
        /* l1, l2, linf: n >= max|c(R)| > delta */
    } else if (!trivial) {
        nv = 1.0;
    }
    for (size_t i = 0; i < n; i++)
        s[i] = trivial ? 0.0 : C[i] / nv;
    return trivial;
}

static double ref_distance(const starc_mdp *m, const starc_distance_options *o, const double *R1, const double *R2)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    double *C1 = malloc(n * sizeof(double)), *C2 = malloc(n * sizeof(double));
    double *s1 = malloc(n * sizeof(double)), *s2 = malloc(n * sizeof(double));
    double delta1, delta2;
    int t1 = ref_standardize(m, o, R1, C1, s1, &delta1);
    int t2 = ref_standardize(m, o, R2, C2, s2, &delta2);
    double d;
    if (o->metric == STARC_METRIC_PEARSON) {
        /* trivial, or constant up to round-off under the coverage: undefined */
        d = (t1 || t2) ? NAN : ref_pearson(n, C1, C2, o->coverage, delta1, delta2);
    } else {
        d = ref_metric(m, o->metric, s1, s2, NULL, 0);
    }
    free(C1);
    free(C2);
    free(s1);
    free(s2);
    return d;
}

/* ---- helpers --------------------------------------------------------------- */

static void shaping(const starc_mdp *m, const double *phi, double scale, double *R)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double g = starc_mdp_gamma(m);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++)
            for (size_t t = 0; t < S; t++)
                R[IDX(s, a, t)] += scale * (g * phi[t] - phi[s]);
}

/* The rewards every combination is tried on: two random ones, a shaped and
 * rescaled near-copy of the first, the zero reward, pure shaping, and an exact
 * duplicate of the second.  Kept in one S*A*S-strided array. */
#define NREW 6
static double *make_rewards(gsl_rng *r, const starc_mdp *m)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    double *R = calloc(NREW * n, sizeof(double)), *phi = malloc(S * sizeof(double));
    testutil_gaussian(r, R, n);
    testutil_gaussian(r, R + n, n);
    testutil_gaussian(r, phi, S);
    testutil_gaussian(r, R + 2 * n, n);
    for (size_t i = 0; i < n; i++)
        R[2 * n + i] = 2.0 * R[i] + 1e-3 * R[2 * n + i];
    shaping(m, phi, 3.0, R + 2 * n);
    /* R + 3n: zero */
    shaping(m, phi, 2.0, R + 4 * n);
    memcpy(R + 5 * n, R + n, n * sizeof(double));
    free(phi);
    return R;
}

static void check_same(double got, double want, double rtol, double atol, const char *what)
{
    if (isnan(want) || isnan(got)) {
        if (!(isnan(want) && isnan(got))) {
            print_error("%s: got %.17g, want %.17g\n", what, got, want);
            fail();
        }
        return;
    }
    if (!(fabs(got - want) <= atol + rtol * fmax(fabs(got), fabs(want)))) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

/* ---- tests ------------------------------------------------------------------ */

/* Every canon x norm x metric against the reference, pairwise and as a matrix. */
static void run_all_combinations(gsl_rng *r, starc_mdp *m, const double *coverage)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    double *R = make_rewards(r, m), D[NREW * NREW];
    const double *Rp[NREW];
    for (int i = 0; i < NREW; i++)
        Rp[i] = R + (size_t)i * n;
    char what[256];
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
            for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = (starc_norm_kind)nk;
                o.metric = (starc_metric_kind)mk;
                o.coverage = coverage;
                o.canon_options.weighted = (int)(S % 2);
                starc_distance_plan *p;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                assert_ok(starc_distance_matrix(p, NREW, Rp, D, NULL));
                for (int i = 0; i < NREW; i++)
                    for (int j = 0; j < NREW; j++) {
                        double d, want = ref_distance(m, &o, Rp[i], Rp[j]);
                        starc_error err;
                        int st = starc_distance_pair(p, Rp[i], Rp[j], &d, &err);
                        snprintf(what, sizeof what, "S=%zu A=%zu %s/%s/%s d(R%d,R%d)", S, A,
                                 starc_canon_kind_name(o.canon), starc_norm_kind_name(o.norm),
                                 starc_metric_kind_name(o.metric), i, j);
                        if (isnan(want)) {
                            if (st != STARC_EUNDEF) {
                                print_error("%s: status %d, want STARC_EUNDEF\n", what, st);
                                fail();
                            }
                            assert_true(isnan(d));
                            assert_non_null(strstr(err.message, "undefined"));
                        } else {
                            assert_ok(st);
                        }
                        check_same(d, want, 1e-9, 1e-12, what);
                        /* batch = pairwise */
                        check_same(D[i * NREW + j], d, 1e-10, 1e-13, what);
                        if (i == j && !isnan(want))
                            check_same(D[i * NREW + j], 0.0, 0, 0, what);
                        check_same(D[i * NREW + j], D[j * NREW + i], 0, 0, what);
                    }
                starc_distance_plan_free(p);
            }
    free(R);
}

static void test_reference_all(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(21);
    /* small enough for `range` by enumeration (A^S policies) */
    static const size_t cases[][3] = {{1, 2, 0}, {2, 2, 0}, {3, 3, 1}, {4, 2, 0}, {5, 2, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        starc_mdp *m = testutil_random_mdp(r, cases[c][0], cases[c][1], 0.3 + 0.65 * gsl_rng_uniform(r),
                                           (int)cases[c][2]);
        run_all_combinations(r, m, NULL);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

static void test_reference_coverage(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(22);
    size_t S = 4, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *cov = malloc(n * sizeof(double)), sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (cov[i] = gsl_rng_uniform(r) < 0.3 ? 0.0 : gsl_rng_uniform_pos(r));
    for (size_t i = 0; i < n; i++)
        cov[i] /= sum;
    run_all_combinations(r, m, cov);
    free(cov);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Gleave et al. (2021), Figure A.2(a), as quoted in docs/theory.md (Reference values). */
static const double epic_published[6][6] = {
    {0, 0, 0.75, 1, 0.1602, 0.3676},          {0, 0, 0.75, 1, 0.1602, 0.3676},
    {0.75, 0.75, 0, 0.6614, 0.7071, 0.6692},  {1, 1, 0.6614, 0, 0.9871, 0.93},
    {0.1602, 0.1602, 0.7071, 0.9871, 0, 0.2672}, {0.3676, 0.3676, 0.6692, 0.93, 0.2672, 0},
};

static void test_epic_gridworld(void **state)
{
    (void)state;
    starc_mdp *m;
    assert_ok(starc_gridworld_mdp(3, 3, STARC_GRIDWORLD_EPIC_GAMMA, &m, NULL));
    assert_int_equal(starc_mdp_states(m), 9);
    assert_int_equal(starc_mdp_actions(m), 5);
    const size_t n = 9 * 5 * 9;
    double *R = malloc(6 * n * sizeof(double)), D[36];
    const double *Rp[6];
    for (size_t i = 0; i < 6; i++) {
        assert_ok(starc_gridworld_epic_reward(i, STARC_GRIDWORLD_EPIC_GAMMA, R + i * n, NULL));
        Rp[i] = R + i * n;
    }
    assert_string_equal(starc_gridworld_epic_name(0), "Sparse");
    assert_string_equal(starc_gridworld_epic_name(5), "Cliff");
    assert_null(starc_gridworld_epic_name(6));
    assert_int_equal(starc_gridworld_epic_reward(6, 0.99, R, NULL), STARC_EINVAL);
    starc_distance_options o;
    starc_distance_options_epic(&o);
    starc_distance_plan *p;
    assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
    assert_ok(starc_distance_matrix(p, 6, Rp, D, NULL));
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++) {
            double d;
            assert_close(D[i * 6 + j], epic_published[i][j], 0, 1e-4);
            assert_ok(starc_distance_pair(p, Rp[i], Rp[j], &d, NULL));
            assert_close(d, epic_published[i][j], 0, 1e-4);
        }
    /* Sparse and Dense are equivalent up to shaping and scaling: distance 0 to round-off */
    assert_close(D[1], 0.0, 0, 1e-12);
    starc_distance_plan_free(p);
    /* the grid's dynamics: moving off the grid stays put */
    const double *T = starc_mdp_transitions(m);
    assert_close(T[(0 * 5 + 1) * 9 + 0], 1.0, 0, 0);  /* up from the top-left corner */
    assert_close(T[(4 * 5 + 4) * 9 + 5], 1.0, 0, 0);  /* right from the centre */
    assert_close(T[(8 * 5 + 2) * 9 + 8], 1.0, 0, 0);  /* down from the bottom-right corner */
    free(R);
    starc_mdp_free(m);
    assert_int_equal(starc_gridworld_mdp(0, 3, 0.9, &m, NULL), STARC_EDIM);
    assert_int_equal(starc_gridworld_mdp(2, 2, 1.0, &m, NULL), STARC_EINVAL);
}

static void test_small_val_negation(void **state)
{
    (void)state;
    static const double T[8] = {.9, .1, .3, .7, .2, .8, .9, .1}, mu0[2] = {.5, .5};
    static const double R[8] = {0, 0, -1, 5, -2, 1, 1, 0};
    double neg[8], d;
    for (int i = 0; i < 8; i++)
        neg[i] = -R[i];
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(2, 2, T, mu0, 0.9, NULL, &m, NULL));
    assert_ok(starc_distance(m, NULL, R, neg, &d, NULL));
    assert_close(d, 2.0, 1e-15, 0);
    assert_ok(starc_distance(m, NULL, R, R, &d, NULL));
    assert_close(d, 0.0, 0, 0);
    starc_mdp_free(m);
}

/* d(R,-R) = 2 and d(R, trivial) = 1 when n = m, for every canonicalisation. */
static void test_negation_and_trivial(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(23);
    for (int rep = 0; rep < 3; rep++) {
        size_t S = 3 + (size_t)rep * 4, A = 2 + (size_t)rep, n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, rep == 1);
        double *R = malloc(n * sizeof(double)), *neg = malloc(n * sizeof(double)), *triv = calloc(n, sizeof(double));
        double *phi = malloc(S * sizeof(double));
        testutil_gaussian(r, R, n);
        testutil_gaussian(r, phi, S);
        for (size_t i = 0; i < n; i++)
            neg[i] = -R[i];
        for (int c = 0; c < STARC_CANON_KIND_COUNT; c++) {
            memset(triv, 0, n * sizeof(double));
            if (c != STARC_CANON_NONE)
                shaping(m, phi, 4.0, triv);
            for (int k = 0; k <= STARC_NORM_WLINF; k++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = (starc_norm_kind)k;
                o.metric = (starc_metric_kind)k;
                starc_distance_plan *p;
                double d;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                assert_ok(starc_distance_pair(p, R, neg, &d, NULL));
                assert_close(d, 2.0, 1e-12, 0);
                assert_ok(starc_distance_pair(p, R, triv, &d, NULL));
                assert_close(d, 1.0, 1e-12, 0);
                assert_ok(starc_distance_pair(p, triv, triv, &d, NULL));
                assert_close(d, 0.0, 0, 0);
                /* s(R) has unit norm; s(trivial) = 0 */
                double *s = malloc(n * sizeof(double)), nv;
                int trivial;
                assert_ok(starc_distance_standardize(p, R, s, &nv, &trivial, NULL));
                assert_false(trivial);
                assert_true(nv > 0);
                double ns;
                assert_ok(starc_norm_value(m, (starc_norm_kind)k, s, NULL, &ns, NULL));
                assert_close(ns, 1.0, 1e-12, 0);
                assert_ok(starc_distance_standardize(p, triv, s, &nv, &trivial, NULL));
                assert_true(trivial);
                assert_close(nv, 0.0, 0, 0);
                assert_close(maxabs(s, n), 0.0, 0, 0);
                free(s);
                starc_distance_plan_free(p);
            }
        }
        free(R);
        free(neg);
        free(triv);
        free(phi);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Symmetry and the triangle inequality on random triples. */
static void test_metric_axioms(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(24);
    size_t S = 6, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.85, 1);
    double *R = malloc(3 * n * sizeof(double));
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
            for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = (starc_norm_kind)nk;
                o.metric = (starc_metric_kind)mk;
                starc_distance_plan *p;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                for (int t = 0; t < 4; t++) {
                    testutil_gaussian(r, R, 3 * n);
                    /* correlated triples exercise the near-pair path */
                    if (t % 2)
                        for (size_t i = 0; i < n; i++) {
                            R[n + i] = R[i] + 0.05 * R[n + i];
                            R[2 * n + i] = R[i] + 0.05 * R[2 * n + i];
                        }
                    double d[3][3];
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                            assert_ok(starc_distance_pair(p, R + (size_t)i * n, R + (size_t)j * n, &d[i][j], NULL));
                    for (int i = 0; i < 3; i++) {
                        assert_close(d[i][i], 0.0, 0, 1e-12);
                        for (int j = 0; j < 3; j++) {
                            assert_close(d[i][j], d[j][i], 1e-14, 1e-15);
                            assert_true(d[i][j] >= 0.0);
                            for (int k = 0; k < 3; k++)
                                assert_true(d[i][k] <= d[i][j] + d[j][k] + 1e-12);
                        }
                    }
                }
                starc_distance_plan_free(p);
            }
    free(R);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* Invariance of the distance to shaping, S'-redistribution (val, minimal) and positive scaling. */
static void test_distance_invariances(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(25);
    size_t S = 7, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    const double *T = starc_mdp_transitions(m);
    double *R1 = malloc(n * sizeof(double)), *R2 = malloc(n * sizeof(double)), *X = malloc(n * sizeof(double));
    double *phi = malloc(S * sizeof(double)), *noise = malloc(S * sizeof(double));
    testutil_gaussian(r, R1, n);
    testutil_gaussian(r, R2, n);
    testutil_gaussian(r, phi, S);
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
            for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = (starc_norm_kind)nk;
                o.metric = (starc_metric_kind)mk;
                if (nk == STARC_NORM_NONE && mk != STARC_METRIC_PEARSON)
                    continue; /* no normalisation: not scale-invariant, by design */
                starc_distance_plan *p;
                double d0, d;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                assert_ok(starc_distance_pair(p, R1, R2, &d0, NULL));
                /* positive scaling */
                for (size_t i = 0; i < n; i++)
                    X[i] = 3.7 * R1[i];
                assert_ok(starc_distance_pair(p, X, R2, &d, NULL));
                assert_close(d, d0, 1e-11, 1e-13);
                assert_ok(starc_distance_pair(p, R1, X, &d, NULL));
                assert_close(d, 0.0, 0, 1e-9);
                if (c != STARC_CANON_NONE) {
                    memcpy(X, R1, n * sizeof(double));
                    shaping(m, phi, 5.0, X);
                    assert_ok(starc_distance_pair(p, X, R2, &d, NULL));
                    assert_close(d, d0, 1e-10, 1e-12);
                    assert_ok(starc_distance_pair(p, R1, X, &d, NULL));
                    assert_close(d, 0.0, 0, 1e-9);
                }
                if (c == STARC_CANON_VAL || c == STARC_CANON_MINIMAL) {
                    memcpy(X, R1, n * sizeof(double));
                    for (size_t sa = 0; sa < S * A; sa++) {
                        const double *t = T + sa * S;
                        double tn = 0, tt = 0;
                        testutil_gaussian(r, noise, S);
                        for (size_t u = 0; u < S; u++) {
                            tn += t[u] * noise[u];
                            tt += t[u] * t[u];
                        }
                        for (size_t u = 0; u < S; u++)
                            X[sa * S + u] += 2.0 * (noise[u] - tn / tt * t[u]);
                    }
                    assert_ok(starc_distance_pair(p, X, R2, &d, NULL));
                    assert_close(d, d0, 1e-10, 1e-12);
                    assert_ok(starc_distance_pair(p, R1, X, &d, NULL));
                    assert_close(d, 0.0, 0, 1e-9);
                }
                starc_distance_plan_free(p);
            }
    free(R1);
    free(R2);
    free(X);
    free(phi);
    free(noise);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* The zero reward has no Pearson distance (not even to itself). */
static void test_pearson_undefined(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(26);
    size_t S = 4, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R = calloc(3 * n, sizeof(double)), D[9], d;
    testutil_gaussian(r, R, n);
    testutil_gaussian(r, R + 2 * n, n);
    const double *Rp[3] = {R, R + n, R + 2 * n};
    starc_error err;
    for (int dard = 0; dard < 2; dard++) {
        starc_distance_options o;
        if (dard)
            starc_distance_options_dard(&o);
        else
            starc_distance_options_epic(&o);
        starc_distance_plan *p;
        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
        assert_int_equal(starc_distance_pair(p, R, R + n, &d, &err), STARC_EUNDEF);
        assert_true(isnan(d));
        assert_non_null(strstr(err.message, "second reward"));
        assert_int_equal(starc_distance_pair(p, R + n, R + n, &d, &err), STARC_EUNDEF);
        assert_ok(starc_distance_matrix(p, 3, Rp, D, NULL));
        for (int i = 0; i < 3; i++) {
            assert_true(isnan(D[1 * 3 + i]));
            assert_true(isnan(D[i * 3 + 1]));
        }
        assert_false(isnan(D[0 * 3 + 2]));
        assert_close(D[0], 0.0, 0, 0);
        starc_distance_plan_free(p);
    }
    /* the public metric: a constant tensor has no correlation */
    double *c = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        c[i] = 2.5;
    assert_int_equal(starc_metric_value(m, STARC_METRIC_PEARSON, R, c, NULL, &d, NULL), STARC_EUNDEF);
    assert_true(isnan(d));
    free(c);
    free(R);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* The trivial tolerance is a parameter: a nearly-trivial reward flips with it;
 * the default is derived (distance.h's formula) and the plan reports it. */
static void test_trivial_tolerance(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(27);
    size_t S = 5, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R = calloc(n, sizeof(double)), *neg = malloc(n * sizeof(double)), *R2 = malloc(n * sizeof(double));
    double *phi = malloc(S * sizeof(double)), d;
    testutil_gaussian(r, phi, S);
    testutil_gaussian(r, R2, n);
    testutil_gaussian(r, R, n);
    for (size_t i = 0; i < n; i++)
        R[i] *= 1e-6;
    shaping(m, phi, 1.0, R);
    for (size_t i = 0; i < n; i++)
        neg[i] = -R[i];
    starc_distance_options o;
    starc_distance_options_default(&o);
    assert_true(o.trivial_tol == STARC_DISTANCE_TRIVIAL_TOL_DERIVED);
    assert_ok(starc_distance(m, &o, R, neg, &d, NULL));
    assert_close(d, 2.0, 1e-9, 0);
    o.trivial_tol = 1e-3;
    assert_ok(starc_distance(m, &o, R, neg, &d, NULL));
    assert_close(d, 0.0, 0, 0);
    assert_ok(starc_distance(m, &o, R, R2, &d, NULL));
    assert_close(d, 1.0, 1e-12, 0);
    starc_error err;
    static const double bad[] = {-0.5, -1e-9, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.trivial_tol = bad[i];
        assert_int_equal(starc_distance(m, &o, R, R2, &d, &err), STARC_EINVAL);
        assert_non_null(strstr(err.message, "trivial tolerance"));
    }
    /* the derived default: K S DBL_EPSILON / (1 - gamma)^p, p by canonicalisation */
    static const double power[STARC_CANON_KIND_COUNT] = {1, 1, 1, 1, 2, 2, 2}; /* canon.h's order */
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++) {
        const double want = STARC_DISTANCE_TRIVIAL_TOL_MARGIN * (double)S * DBL_EPSILON / pow(1.0 - 0.9, power[c]);
        assert_close(starc_distance_trivial_tol(STARC_DISTANCE_TRIVIAL_TOL_DERIVED, (starc_canon_kind)c, 0.9, S), want,
                     1e-15, 0);
        assert_close(starc_distance_trivial_tol(0.25, (starc_canon_kind)c, 0.9, S), 0.25, 0, 0);
        assert_close(starc_distance_trivial_tol(0.0, (starc_canon_kind)c, 0.9, S), 0.0, 0, 0);
        starc_distance_options_default(&o);
        o.canon = (starc_canon_kind)c;
        starc_distance_plan *p;
        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
        assert_close(starc_distance_plan_options(p)->trivial_tol, want, 1e-15, 0);
        starc_distance_plan_free(p);
    }
    /* the study's MDPs (S = 32, gamma = 0.95), as distance.h quotes them */
    assert_close(starc_distance_trivial_tol(-1.0, STARC_CANON_EPIC, 0.95, 32), 4.55e-12, 2e-3, 0);
    assert_close(starc_distance_trivial_tol(-1.0, STARC_CANON_VAL, 0.95, 32), 4.55e-12, 2e-3, 0);
    assert_close(starc_distance_trivial_tol(-1.0, STARC_CANON_MINIMAL, 0.95, 32), 9.09e-11, 2e-3, 0);
    free(R);
    free(neg);
    free(R2);
    free(phi);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* ---- the trivial-reward rule on both sides of the line ---------------------- */

static const double rule_gammas[] = {0.0, 0.5, 0.9, 0.99, 0.999};
#define NRULE_GAMMAS (sizeof rule_gammas / sizeof rule_gammas[0])

/* A near-deterministic MDP with the study protocol's softmax rows (entries
 * floored at -20 carry probability ~1e-9), uniform mu0. */
static starc_mdp *softmax_mdp(starc_generate_rng *r, size_t S, size_t A, double gamma)
{
    double *T = malloc(S * A * S * sizeof(double)), *mu0 = malloc(S * sizeof(double));
    assert_ok(starc_generate_transitions(r, S, A, NULL, T, NULL));
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, NULL));
    free(T);
    free(mu0);
    return m;
}

/* A random magnitude 10^U(-2,2) with a random sign. */
static double magnitude(gsl_rng *r)
{
    return pow(10.0, -2.0 + 4.0 * gsl_rng_uniform(r)) * (gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0);
}

/* The exactly trivial families (docs/theory.md §2): potential shaping with a
 * random mean (so partly constant), constants, S'-redistribution (zero
 * expectation over s' under T), and their sum. */
enum { FAM_SHAPING, FAM_CONSTANT, FAM_REDIST, FAM_SUM, NFAM };

/* Does canonicalisation c map family f to 0?  (none: through the range only) */
static int fam_removed(int c, int f)
{
    if (c == STARC_CANON_NONE || c == STARC_CANON_VAL || c == STARC_CANON_MINIMAL)
        return 1;
    return f != FAM_REDIST; /* and FAM_SUM is built without redistribution for them */
}

static void add_trivial(gsl_rng *r, const starc_mdp *m, int f, int redist, double *R)
{
    size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    const double *T = starc_mdp_transitions(m);
    double *phi = malloc(S * sizeof(double)), *x = malloc(S * sizeof(double));
    if (f == FAM_SUM) {
        add_trivial(r, m, FAM_SHAPING, 0, R);
        add_trivial(r, m, FAM_CONSTANT, 0, R);
        if (redist)
            add_trivial(r, m, FAM_REDIST, 0, R);
    } else if (f == FAM_SHAPING) {
        double mean = gsl_rng_uniform(r) < 0.5 ? 0.0 : magnitude(r), a = magnitude(r);
        for (size_t s = 0; s < S; s++)
            phi[s] = mean + a * gsl_ran_gaussian(r, 1.0);
        shaping(m, phi, 1.0, R);
    } else if (f == FAM_CONSTANT) {
        double k = magnitude(r);
        for (size_t i = 0; i < S * A * S; i++)
            R[i] += k;
    } else {
        double a = magnitude(r);
        for (size_t sa = 0; sa < S * A; sa++) {
            double e = 0.0;
            for (size_t t = 0; t < S; t++)
                e += T[sa * S + t] * (x[t] = a * gsl_ran_gaussian(r, 1.0));
            for (size_t t = 0; t < S; t++)
                R[sa * S + t] += x[t] - e;
        }
    }
    free(phi);
    free(x);
}

/* Every exactly trivial family is trivial under every canonicalisation that
 * removes it, with every normalisation, at every gamma, on dense and on
 * near-deterministic dynamics, whatever its magnitude; its Pearson distance is
 * undefined.  For `none` the families have zero return range, so the range
 * normalisation makes them trivial. */
static void test_trivial_families(void **state)
{
    (void)state;
    starc_generate_rng *gr = testutil_generate_rng(31);
    gsl_rng *r = gsl_view_alloc(gr); /* one stream for the test's draws and softmax_mdp()'s */
    assert_non_null(r);
    static const size_t sizes[][2] = {{3, 2}, {7, 3}};
    size_t ncheck = 0;
    for (size_t g = 0; g < NRULE_GAMMAS; g++)
        for (int dyn = 0; dyn < 2; dyn++)
            for (size_t z = 0; z < 2; z++) {
                size_t S = sizes[z][0], A = sizes[z][1], n = S * A * S;
                starc_mdp *m =
                    dyn ? softmax_mdp(gr, S, A, rule_gammas[g]) : testutil_random_mdp(r, S, A, rule_gammas[g], 0);
                double *R = malloc(n * sizeof(double)), *out = malloc(n * sizeof(double)), *X = malloc(n * sizeof(double));
                testutil_gaussian(r, X, n);
                for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
                    for (int f = 0; f < NFAM; f++) {
                        if (!fam_removed(c, f))
                            continue;
                        memset(R, 0, n * sizeof(double));
                        add_trivial(r, m, f, c == STARC_CANON_NONE || c == STARC_CANON_VAL || c == STARC_CANON_MINIMAL, R);
                        const double scale = ldexp(1.0, (int)gsl_rng_uniform_int(r, 121) - 60);
                        for (size_t i = 0; i < n; i++)
                            R[i] *= scale;
                        for (int k = 0; k < STARC_NORM_KIND_COUNT; k++) {
                            if (c == STARC_CANON_NONE && k != STARC_NORM_RANGE)
                                continue;
                            starc_distance_options o;
                            starc_distance_options_default(&o);
                            o.canon = (starc_canon_kind)c;
                            o.norm = (starc_norm_kind)k;
                            starc_distance_plan *p;
                            double nv;
                            int trivial;
                            assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                            assert_ok(starc_distance_standardize(p, R, out, &nv, &trivial, NULL));
                            if (!trivial) {
                                double *C = malloc(n * sizeof(double));
                                assert_ok(starc_canon_compute(m, o.canon, NULL, R, C, NULL));
                                print_error("gamma %g %s S=%zu A=%zu: %s family %d not trivial under %s/%s: "
                                            "max|c(R)|/max|R| = %.3g, tol %.3g\n", rule_gammas[g],
                                            dyn ? "softmax" : "dense", S, A, starc_canon_kind_name(o.canon), f,
                                            starc_canon_kind_name(o.canon), starc_norm_kind_name(o.norm),
                                            maxabs(C, n) / maxabs(R, n), starc_distance_plan_options(p)->trivial_tol);
                                free(C);
                                fail();
                            }
                            starc_distance_plan_free(p);
                            ncheck++;
                        }
                        if (c == STARC_CANON_NONE)
                            continue;
                        /* Pearson: undefined against a random reward, as the first or the second */
                        starc_distance_options o;
                        starc_distance_options_default(&o);
                        o.canon = (starc_canon_kind)c;
                        o.metric = STARC_METRIC_PEARSON;
                        double d;
                        assert_int_equal(starc_distance(m, &o, X, R, &d, NULL), STARC_EUNDEF);
                        assert_int_equal(starc_distance(m, &o, R, X, &d, NULL), STARC_EUNDEF);
                    }
                free(R);
                free(out);
                free(X);
                starc_mdp_free(m);
            }
    print_message("%zu exactly trivial rewards checked\n", ncheck);
    gsl_rng_free(r);
    starc_generate_rng_free(gr);
}

/* The weighted normalisers only see transitions with T > 0: a canonical form
 * that lives on impossible transitions (plus round-off from removing a large
 * shaping term) has wl1 = wl2 = wlinf = 0 up to round-off, so R is trivial
 * under them (and not under l2); a part on possible transitions 1e-2 of the
 * rest (above tol max|R| = 1.3e-4 even at gamma 0.999) is real. */
static void test_weighted_seminorms(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(34);
    for (size_t g = 0; g < NRULE_GAMMAS; g++) {
        const size_t S = 6, A = 2, n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, rule_gammas[g], 1);
        const double *T = starc_mdp_transitions(m);
        double *R = calloc(n, sizeof(double)), *out = malloc(n * sizeof(double)), *phi = malloc(S * sizeof(double));
        size_t noff = 0;
        for (size_t i = 0; i < n; i++)
            if (T[i] == 0.0) {
                R[i] = gsl_ran_gaussian(r, 1.0);
                noff++;
            }
        assert_true(noff > 0);
        for (int real = 0; real < 2; real++) {
            if (real) /* 1e-2 of the off-support part on the possible transitions */
                for (size_t i = 0; i < n; i++)
                    if (T[i] > 0.0)
                        R[i] += 1e-2 * gsl_ran_gaussian(r, 1.0);
            for (int c = 0; c < 2; c++) {
                const starc_canon_kind canon = c ? STARC_CANON_VAL_POTENTIAL : STARC_CANON_NONE;
                double *Rc = malloc(n * sizeof(double));
                memcpy(Rc, R, n * sizeof(double));
                if (canon == STARC_CANON_VAL_POTENTIAL) { /* and a shaping term 1e3 times larger */
                    testutil_gaussian(r, phi, S);
                    shaping(m, phi, 1e3, Rc);
                }
                for (int k = STARC_NORM_L2; k <= STARC_NORM_WLINF; k++) {
                    if (k == STARC_NORM_LINF || k == STARC_NORM_WL1 - 1)
                        continue;
                    starc_distance_options o;
                    starc_distance_options_default(&o);
                    o.canon = canon;
                    o.norm = (starc_norm_kind)k;
                    starc_distance_plan *p;
                    double nv;
                    int trivial;
                    assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                    assert_ok(starc_distance_standardize(p, Rc, out, &nv, &trivial, NULL));
                    starc_distance_plan_free(p);
                    const int want = k != STARC_NORM_L2 && !real;
                    if (trivial != want) {
                        print_error("gamma %g %s/%s, part on possible transitions %d: trivial %d\n", rule_gammas[g],
                                    starc_canon_kind_name(canon), starc_norm_kind_name(o.norm), real, trivial);
                        fail();
                    }
                }
                free(Rc);
            }
        }
        free(R);
        free(out);
        free(phi);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Dynamics with one likely successor per (s,a) and probability q on each of
 * the others; a reward living on the rare transitions only. */
static starc_mdp *rare_mdp(size_t S, size_t A, double gamma, double q, const size_t *main_succ)
{
    double *T = malloc(S * A * S * sizeof(double)), *mu0 = malloc(S * sizeof(double));
    for (size_t sa = 0; sa < S * A; sa++)
        for (size_t t = 0; t < S; t++)
            T[sa * S + t] = t == main_succ[sa] ? 1.0 - (double)(S - 1) * q : q;
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    starc_mdp *m;
    assert_ok(starc_mdp_alloc(S, A, T, mu0, gamma, NULL, &m, NULL));
    free(T);
    free(mu0);
    return m;
}

static double canon_ratio(const starc_mdp *m, starc_canon_kind c, const double *R)
{
    size_t n = starc_mdp_states(m) * starc_mdp_actions(m) * starc_mdp_states(m);
    double *C = malloc(n * sizeof(double));
    assert_ok(starc_canon_compute(m, c, NULL, R, C, NULL));
    double v = maxabs(C, n) / maxabs(R, n);
    free(C);
    return v;
}

/* A reward whose canonical form is 1e-9 or 1e-11 of its size because its mass
 * sits on transitions of probability ~1e-10 is a real reward: not trivial
 * wherever that is above the canonicalisation's round-off (the derived
 * tolerance), and trivial where it is not.  With S = 5 the derived tolerances
 * are 32 * 5 * DBL_EPSILON = 3.6e-14 times 1/(1 - gamma) for val and
 * 1/(1 - gamma)^2 for minimal:
 *   val      1e-9 real at every gamma; 1e-11 real for gamma <= 0.99 (tol 3.6e-12),
 *            below round-off at 0.999 (tol 3.6e-11);
 *   minimal  1e-9 real for gamma <= 0.99 (tol 3.6e-10), not at 0.999 (3.6e-8);
 *            1e-11 real for gamma <= 0.9 (tol 3.6e-12), not at 0.99.
 * The semi-norm verdicts (wl1, range) of the same rewards under every
 * canonicalisation are checked the same way. */
static void test_rare_rewards_not_trivial(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(32);
    const size_t S = 5, A = 3, n = S * A * S;
    size_t *main_succ = malloc(S * A * sizeof(size_t));
    for (size_t sa = 0; sa < S * A; sa++)
        main_succ[sa] = gsl_rng_uniform_int(r, S);
    double *R = calloc(n, sizeof(double)), *out = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double));
    for (size_t sa = 0; sa < S * A; sa++)
        for (size_t t = 0; t < S; t++)
            R[sa * S + t] = t == main_succ[sa] ? 0.0 : gsl_ran_gaussian(r, 1.0);
    static const double targets[] = {1e-9, 1e-11};
    static const starc_canon_kind small[] = {STARC_CANON_VAL, STARC_CANON_MINIMAL};
    /* expected number of gammas (of rule_gammas) at which each (canon, target) is real */
    static const size_t want_real[2][2] = {{5, 4}, {4, 3}};
    size_t nreal[2][2] = {{0, 0}, {0, 0}}, nsemi = 0, nsemi_real = 0;
    for (size_t g = 0; g < NRULE_GAMMAS; g++)
        for (size_t ti = 0; ti < 2; ti++)
            for (size_t ci = 0; ci < 2; ci++) {
                /* calibrate q so that max|c(R)|/max|R| is the target (c is linear in q for small q) */
                double q = 1e-10, rho;
                for (int it = 0; it < 2; it++) {
                    starc_mdp *m = rare_mdp(S, A, rule_gammas[g], q, main_succ);
                    rho = canon_ratio(m, small[ci], R);
                    starc_mdp_free(m);
                    q *= targets[ti] / rho;
                }
                starc_mdp *m = rare_mdp(S, A, rule_gammas[g], q, main_succ);
                rho = canon_ratio(m, small[ci], R);
                assert_true(rho > 0.9 * targets[ti] && rho < 1.1 * targets[ti]);
                for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
                    for (int k = 0; k < 3; k++) {
                        static const starc_norm_kind norms[3] = {STARC_NORM_L2, STARC_NORM_WL1, STARC_NORM_RANGE};
                        if (c != (int)small[ci] && k == 0)
                            continue; /* l2 of a large canonical form: nothing to test */
                        starc_distance_options o;
                        starc_distance_options_default(&o);
                        o.canon = (starc_canon_kind)c;
                        o.norm = norms[k];
                        starc_distance_plan *p;
                        double nv, tol;
                        int trivial;
                        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                        tol = starc_distance_plan_options(p)->trivial_tol;
                        assert_ok(starc_distance_standardize(p, R, out, &nv, &trivial, NULL));
                        starc_distance_plan_free(p);
                        /* the ratios the rule compares with tol: the canonical form against max|R|;
                         * for range its value against the most round-off of size tol max|R| could
                         * make, 2 tol max|R| / (1 - gamma) (wl1 sees every entry here: T > 0) */
                        assert_ok(starc_canon_compute(m, o.canon, NULL, R, C, NULL));
                        double rmax = maxabs(R, n), ratio = maxabs(C, n) / rmax, sratio = INFINITY;
                        if (k == 2) {
                            double v;
                            assert_ok(starc_norm_value(m, o.norm, C, NULL, &v, NULL));
                            sratio = v / (2.0 / (1.0 - rule_gammas[g]) * rmax);
                        }
                        if ((ratio > 0.5 * tol && ratio < 2.0 * tol) || (sratio > 0.5 * tol && sratio < 2.0 * tol)) {
                            /* within a factor 2 of the line: only the documented cases must avoid it */
                            assert_true(c != (int)small[ci] || k != 0);
                            continue;
                        }
                        int want = !(ratio > tol && sratio > tol);
                        if (trivial != want) {
                            print_error("gamma %g target %g %s/%s: ratios %.3g %.3g, tol %.3g, trivial %d\n",
                                        rule_gammas[g], targets[ti], starc_canon_kind_name(o.canon),
                                        starc_norm_kind_name(o.norm), ratio, sratio, tol, trivial);
                            fail();
                        }
                        if (c == (int)small[ci] && k == 0)
                            nreal[ci][ti] += (size_t)!trivial;
                        else if (k > 0) {
                            nsemi++;
                            nsemi_real += (size_t)!trivial;
                        }
                    }
                starc_mdp_free(m);
            }
    for (size_t ci = 0; ci < 2; ci++)
        for (size_t ti = 0; ti < 2; ti++)
            assert_int_equal(nreal[ci][ti], want_real[ci][ti]);
    print_message("semi-norm verdicts: %zu of %zu real\n", nsemi_real, nsemi);
    assert_true(nsemi_real > nsemi / 2);
    free(R);
    free(out);
    free(C);
    free(main_succ);
    gsl_rng_free(r);
}

/* The rule is invariant under positive scaling: the same verdicts for R,
 * 1e-300 R and 1e300 R (and 2^997 R, where s(R) is also the same), with the
 * norms whose computation does not square the entries (l1, linf, wl1, wlinf,
 * none, and range except at 1e-300, where policy iteration's tie floor
 * 1e-10 max(1, |Q|) hides every return difference).  l2 and wl2 square the
 * entries, which overflow at 1e300 and underflow at 1e-300. */
static void test_trivial_rule_scaling(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(33);
    const size_t S = 5, A = 3, n = S * A * S;
    size_t *main_succ = malloc(S * A * sizeof(size_t));
    for (size_t sa = 0; sa < S * A; sa++)
        main_succ[sa] = gsl_rng_uniform_int(r, S);
    static const starc_norm_kind norms[] = {STARC_NORM_L1, STARC_NORM_LINF, STARC_NORM_WL1, STARC_NORM_WLINF,
                                            STARC_NORM_NONE, STARC_NORM_RANGE};
    /* 2^997 = 1.3e300 scales exactly: s(R) must then be the same to the last bits */
    const double scales[] = {1e-300, 1e300, ldexp(1.0, 997)};
    double *R = malloc(4 * n * sizeof(double)), *Rs = malloc(n * sizeof(double));
    double *s0 = malloc(n * sizeof(double)), *s1 = malloc(n * sizeof(double));
    size_t ntriv = 0, nreal = 0;
    for (size_t g = 0; g < NRULE_GAMMAS; g++) {
        starc_mdp *m = rare_mdp(S, A, rule_gammas[g], 1e-10, main_succ);
        /* exactly trivial (every family), on rare transitions, and the two summed */
        memset(R, 0, 4 * n * sizeof(double));
        add_trivial(r, m, FAM_SUM, 1, R);
        for (size_t sa = 0; sa < S * A; sa++)
            for (size_t t = 0; t < S; t++)
                R[n + sa * S + t] = t == main_succ[sa] ? 0.0 : gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < n; i++)
            R[2 * n + i] = R[i] + R[n + i];
        testutil_gaussian(r, R + 3 * n, n);
        for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
            for (size_t k = 0; k < sizeof norms / sizeof norms[0]; k++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = norms[k];
                starc_distance_plan *p;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                for (int i = 0; i < 4; i++) {
                    int t0, t1;
                    double n0, n1;
                    assert_ok(starc_distance_standardize(p, R + i * n, s0, &n0, &t0, NULL));
                    ntriv += (size_t)t0;
                    nreal += (size_t)!t0;
                    for (size_t z = 0; z < 3; z++) {
                        if (norms[k] == STARC_NORM_RANGE && scales[z] < 1.0)
                            continue;
                        for (size_t j = 0; j < n; j++)
                            Rs[j] = scales[z] * R[i * n + j];
                        assert_ok(starc_distance_standardize(p, Rs, s1, &n1, &t1, NULL));
                        if (t0 != t1) {
                            print_error("gamma %g %s/%s reward %d: trivial %d at scale 1, %d at %g\n", rule_gammas[g],
                                        starc_canon_kind_name(o.canon), starc_norm_kind_name(o.norm), i, t0, t1,
                                        scales[z]);
                            fail();
                        }
                        /* s(R) too under the exact scaling 2^997, for the norms whose computation is
                         * scale-free (none: s(R) = c(R) scales with R; range: policy iteration ties
                         * Q-values within 1e-10 max(1, |Q|), an absolute floor at scale 1).  Under 1e-300
                         * products such as dard's T R T^T (1e-10 1e-300 1e-10) are subnormal, and 1e300
                         * rounds R, which moves s(R) of rewards near the line in the 7th digit. */
                        if (z == 2 && norms[k] != STARC_NORM_NONE && norms[k] != STARC_NORM_RANGE && !t1)
                            assert_all_close(s1, s0, n, 1e-12, 0);
                    }
                }
                starc_distance_plan_free(p);
            }
        starc_mdp_free(m);
    }
    print_message("%zu trivial and %zu real verdicts invariant under scaling\n", ntriv, nreal);
    assert_true(ntriv > 0 && nreal > 0);
    free(R);
    free(Rs);
    free(s0);
    free(s1);
    free(main_succ);
    gsl_rng_free(r);
}

static void test_plan_errors(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(29);
    size_t S = 3, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *cov = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        cov[i] = 2.0 / (double)n;
    starc_distance_options o;
    starc_distance_plan *p = NULL;
    starc_error err;
    starc_distance_options_epic(&o);
    o.coverage = cov;
    assert_int_equal(starc_distance_plan_alloc(m, &o, &p, &err), STARC_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err.message, "coverage"));
    cov[3] = -1.0;
    assert_int_equal(starc_distance_plan_alloc(m, &o, &p, &err), STARC_EINVAL);
    /* the coverage only matters for Pearson */
    o.metric = STARC_METRIC_L2;
    assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
    assert_null(starc_distance_plan_options(p)->coverage);
    starc_distance_plan_free(p);
    starc_distance_options_default(&o);
    o.metric = (starc_metric_kind)42;
    assert_int_equal(starc_distance_plan_alloc(m, &o, &p, &err), STARC_EINVAL);
    starc_distance_options_default(&o);
    o.norm = (starc_norm_kind)42;
    assert_int_equal(starc_distance_plan_alloc(m, &o, &p, &err), STARC_EINVAL);
    starc_distance_options_default(&o);
    double bad[6] = {1, 0, 1, 0, 1, 1};
    o.canon_options.policy = bad;
    assert_int_equal(starc_distance_plan_alloc(m, &o, &p, &err), STARC_EINVAL);
    starc_distance_plan_free(NULL);
    free(cov);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* starc_distance_matrix_entries: every range of the upper triangle has the bits of the whole matrix
 * (the shards of `starc distance --shard`), for Gram and pairwise metrics, norm none's common factor
 * (a reward 2^200 times larger than the rest) and undefined Pearson entries (a zero reward), with 1
 * and 3 threads; ranges past n(n+1)/2 are refused. */
static void test_matrix_entries(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(31);
    size_t S = 7, A = 3, n = S * A * S, N = 6, total = N * (N + 1) / 2;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *R = malloc(N * n * sizeof(double)), *D = malloc(N * N * sizeof(double));
    double out[21];
    const double *Rp[6];
    testutil_gaussian(r, R, N * n);
    for (size_t i = 0; i < n; i++) {
        R[2 * n + i] = 0.0;                            /* trivial: Pearson undefined */
        R[4 * n + i] = R[i] + 1e-5 * R[4 * n + i];     /* close to R[0]: the refined entries */
        R[5 * n + i] = ldexp(R[5 * n + i], 200);       /* norm none: a common factor 2^-200 */
    }
    for (size_t i = 0; i < N; i++)
        Rp[i] = R + i * n;
    static const int combos[][3] = {
        {STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_L2},    {STARC_CANON_EPIC, STARC_NORM_L2, STARC_METRIC_PEARSON},
        {STARC_CANON_DARD, STARC_NORM_NONE, STARC_METRIC_L2}, {STARC_CANON_MINIMAL, STARC_NORM_WL2, STARC_METRIC_WL2},
        {STARC_CANON_NONE, STARC_NORM_NONE, STARC_METRIC_L1}, {STARC_CANON_VAL_POTENTIAL, STARC_NORM_L1, STARC_METRIC_LINF}};
    for (size_t c = 0; c < sizeof combos / sizeof combos[0]; c++)
        for (int nt = 1; nt <= 3; nt += 2) {
            starc_distance_options o;
            starc_distance_options_default(&o);
            o.canon = (starc_canon_kind)combos[c][0];
            o.norm = (starc_norm_kind)combos[c][1];
            o.metric = (starc_metric_kind)combos[c][2];
            o.nthreads = nt;
            starc_distance_plan *p;
            assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
            assert_ok(starc_distance_matrix(p, N, Rp, D, NULL));
            for (size_t i = 0; i < N; i++) /* against the pair, to the pair's accuracy */
                for (size_t j = i + 1; j < N; j++) {
                    double d;
                    int st = starc_distance_pair(p, Rp[i], Rp[j], &d, NULL);
                    if (st == STARC_EUNDEF)
                        assert_true(isnan(D[i * N + j]));
                    else
                        assert_close(D[i * N + j], d, 1e-10, 0.0);
                }
            for (size_t e0 = 0; e0 <= total; e0++)
                for (size_t e1 = e0; e1 <= total; e1++) {
                    assert_ok(starc_distance_matrix_entries(p, N, Rp, e0, e1, out, NULL));
                    for (size_t i = 0, e = 0; i < N; i++)
                        for (size_t j = i; j < N; j++, e++)
                            if (e >= e0 && e < e1)
                                assert_memory_equal(&out[e - e0], &D[i * N + j], sizeof(double));
                }
            assert_int_equal(starc_distance_matrix_entries(p, N, Rp, 0, total + 1, out, NULL), STARC_EINVAL);
            assert_int_equal(starc_distance_matrix_entries(p, N, Rp, 3, 2, out, NULL), STARC_EINVAL);
            starc_distance_plan_free(p);
        }
    free(R);
    free(D);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* A larger MDP: blocked passes over many states, the Gram path with many rows. */
static void test_larger_batch(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(30);
    size_t S = 40, A = 4, n = S * A * S, N = 7;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.95, 1);
    double *R = malloc(N * n * sizeof(double)), *D = malloc(N * N * sizeof(double));
    const double *Rp[7];
    testutil_gaussian(r, R, N * n);
    for (size_t i = 0; i < n; i++)
        R[3 * n + i] = R[i] + 1e-4 * R[3 * n + i];
    for (size_t i = 0; i < N; i++)
        Rp[i] = R + i * n;
    static const int combos[][3] = {
        {STARC_CANON_VAL, STARC_NORM_L2, STARC_METRIC_L2},      {STARC_CANON_EPIC, STARC_NORM_L2, STARC_METRIC_PEARSON},
        {STARC_CANON_DARD, STARC_NORM_L2, STARC_METRIC_PEARSON}, {STARC_CANON_MINIMAL, STARC_NORM_WL2, STARC_METRIC_WL2},
        {STARC_CANON_VAL, STARC_NORM_L1, STARC_METRIC_LINF},    {STARC_CANON_VAL_POTENTIAL, STARC_NORM_L2, STARC_METRIC_L2},
        {STARC_CANON_MINIMAL_POTENTIAL, STARC_NORM_WL1, STARC_METRIC_WLINF}};
    for (size_t c = 0; c < sizeof combos / sizeof combos[0]; c++) {
        starc_distance_options o;
        starc_distance_options_default(&o);
        o.canon = (starc_canon_kind)combos[c][0];
        o.norm = (starc_norm_kind)combos[c][1];
        o.metric = (starc_metric_kind)combos[c][2];
        starc_distance_plan *p;
        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
        assert_ok(starc_distance_matrix(p, N, Rp, D, NULL));
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                double d;
                assert_ok(starc_distance_pair(p, Rp[i], Rp[j], &d, NULL));
                assert_close(D[i * N + j], d, 1e-10, 1e-13);
                if (i < 2 && j < 4)
                    assert_close(d, ref_distance(m, &o, Rp[i], Rp[j]), 1e-9, 1e-12);
            }
        starc_distance_plan_free(p);
    }
    free(R);
    free(D);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* The number of threads changes nothing, bit for bit (passes are split by
 * state and combined in state order).  Big enough to cross the threshold
 * above which passes run in parallel; 3 threads split 128 states unevenly. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(31);
    size_t S = 128, A = 16, n = S * A * S, N = 3;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 1);
    double *R = malloc(N * n * sizeof(double)), *s1 = malloc(n * sizeof(double)), *s3 = malloc(n * sizeof(double));
    testutil_gaussian(r, R, N * n);
    for (size_t i = 0; i < n; i++)
        R[2 * n + i] = R[i] + 1e-3 * R[2 * n + i]; /* a near pair: refinement pass */
    const double *Rp[3] = {R, R + n, R + 2 * n};
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk += 3) { /* l1, wl1, pearson */
            double d[2][3], D[2][9];
            for (int t = 0; t < 2; t++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.metric = (starc_metric_kind)mk;
                o.norm = mk == STARC_METRIC_WL1 ? STARC_NORM_WL2 : STARC_NORM_L2;
                o.nthreads = t == 0 ? 1 : 3;
                starc_distance_plan *p;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                assert_ok(starc_distance_pair(p, Rp[0], Rp[1], &d[t][0], NULL));
                assert_ok(starc_distance_pair(p, Rp[0], Rp[2], &d[t][1], NULL));
                assert_ok(starc_distance_pair(p, Rp[2], Rp[1], &d[t][2], NULL));
                assert_ok(starc_distance_matrix(p, 3, Rp, D[t], NULL));
                assert_ok(starc_distance_standardize(p, Rp[1], t == 0 ? s1 : s3, NULL, NULL, NULL));
                starc_distance_plan_free(p);
            }
            if (memcmp(d[0], d[1], sizeof d[0]) != 0 || memcmp(D[0], D[1], sizeof D[0]) != 0 ||
                memcmp(s1, s3, n * sizeof(double)) != 0) {
                print_error("%s/%s: 1 and 3 threads differ: %.17g %.17g\n", starc_canon_kind_name((starc_canon_kind)c),
                            starc_metric_kind_name((starc_metric_kind)mk), d[0][0], d[1][0]);
                fail();
            }
        }
    free(R);
    free(s1);
    free(s3);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* ---- scale invariance (docs/theory.md, Numerics) ------------------------------ */

static const double scales[] = {1e-300, 1e-150, 1.0, 1e150, 1e300};
enum { NSCALES = sizeof scales / sizeof scales[0] };

/* Every canon x norm x metric (with EPIC and DARD among them): d(c R1, R2),
 * d(R1, c R2) and d(c R1, c R2) for c in scales equal d(R1, R2) to 1e-12
 * (norm none without Pearson: d(c R1, c R2) = c d(R1, R2)), pairwise, as a
 * matrix and through the standardised rewards. */
static void test_scale_invariance(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(4242);
    size_t S = 4, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R = malloc(2 * n * sizeof(double)), *X = malloc(2 * n * sizeof(double));
    double *Z = malloc(n * sizeof(double)), *Z1 = malloc(n * sizeof(double));
    testutil_gaussian(r, R, 2 * n);
    char what[256];
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
            for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = (starc_norm_kind)nk;
                o.metric = (starc_metric_kind)mk;
                const int hom = o.norm == STARC_NORM_NONE && o.metric != STARC_METRIC_PEARSON;
                starc_distance_plan *p;
                assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                double d1, n1;
                int triv;
                assert_ok(starc_distance_pair(p, R, R + n, &d1, NULL));
                assert_true(isfinite(d1) && d1 > 0.0);
                assert_ok(starc_distance_standardize(p, R, Z1, &n1, &triv, NULL));
                for (int k = 0; k < NSCALES; k++)
                    for (int which = hom ? 2 : 0; which < 3; which++) {
                        const double sc = scales[k];
                        for (size_t i = 0; i < n; i++) {
                            X[i] = which != 1 ? sc * R[i] : R[i];
                            X[n + i] = which != 0 ? sc * R[n + i] : R[n + i];
                        }
                        snprintf(what, sizeof what, "%s/%s/%s scale %g on %s", starc_canon_kind_name(o.canon),
                                 starc_norm_kind_name(o.norm), starc_metric_kind_name(o.metric), sc,
                                 which == 0 ? "R1" : which == 1 ? "R2" : "both");
                        const double want = hom ? sc * d1 : d1;
                        double d, D[4], nz;
                        const double *Xp[2] = {X, X + n};
                        assert_ok(starc_distance_pair(p, X, X + n, &d, NULL));
                        check_same(d, want, 1e-12, 0.0, what);
                        assert_ok(starc_distance_matrix(p, 2, Xp, D, NULL));
                        check_same(D[1], want, 1e-12, 0.0, what);
                        assert_ok(starc_distance_standardize(p, X, Z, &nz, &triv, NULL));
                        assert_false(triv);
                        /* s(cR) = s(R); n(c(cR)) = c n(c(R)) (norm none: c(cR) = c c(R), n = 1) */
                        for (size_t i = 0; i < n; i++)
                            check_same(Z[i], (o.norm == STARC_NORM_NONE && which != 1 ? sc : 1.0) * Z1[i], 1e-12,
                                       1e-12 * (o.norm == STARC_NORM_NONE && which != 1 ? sc : 1.0), what);
                        check_same(nz, (o.norm == STARC_NORM_NONE || which == 1 ? 1.0 : sc) * n1, 1e-12, 0.0, what);
                    }
                starc_distance_plan_free(p);
            }
    free(R), free(X), free(Z), free(Z1);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* norm none: a distance beyond the largest double is STARC_EUNDEF naming it, never inf. */
static void test_scale_overflow(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(4243);
    size_t S = 3, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R = malloc(2 * n * sizeof(double));
    testutil_gaussian(r, R, 2 * n);
    for (size_t i = 0; i < n; i++) /* entries up to 1e308, differences beyond the largest double */
        R[i] = 1e308 * tanh(R[i]), R[n + i] = -R[i];
    starc_distance_options o;
    starc_distance_options_default(&o);
    o.norm = STARC_NORM_NONE;
    o.canon = STARC_CANON_NONE;
    double d, D[4];
    starc_error err;
    assert_int_equal(starc_distance(m, &o, R, R + n, &d, &err), STARC_EUNDEF);
    assert_true(isnan(d));
    assert_non_null(strstr(err.message, "distance overflows"));
    starc_distance_plan *p;
    assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
    const double *Rp[2] = {R, R + n};
    assert_int_equal(starc_distance_matrix(p, 2, Rp, D, &err), STARC_EUNDEF);
    starc_distance_plan_free(p);
    free(R);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* starc_norm_value() and starc_metric_value(): homogeneous of degree 1 (Pearson:
 * invariant) under scales 1e-300 .. 1e300, to 1e-12; overflow is STARC_EUNDEF. */
static void test_norm_metric_scaling(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(4244);
    size_t S = 4, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *x = malloc(2 * n * sizeof(double)), *X = malloc(2 * n * sizeof(double));
    testutil_gaussian(r, x, 2 * n);
    char what[128];
    for (size_t k = 0; k < NSCALES; k++) {
        const double c = scales[k];
        for (size_t i = 0; i < 2 * n; i++)
            X[i] = c * x[i];
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++) {
            if (nk == STARC_NORM_NONE)
                continue;
            double v0, v;
            assert_ok(starc_norm_value(m, (starc_norm_kind)nk, x, NULL, &v0, NULL));
            assert_ok(starc_norm_value(m, (starc_norm_kind)nk, X, NULL, &v, NULL));
            snprintf(what, sizeof what, "norm %s at scale %g", starc_norm_kind_name((starc_norm_kind)nk), c);
            check_same(v, c * v0, 1e-12, 0.0, what);
        }
        for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++) {
            double v0, v;
            const int inv = mk == STARC_METRIC_PEARSON;
            assert_ok(starc_metric_value(m, (starc_metric_kind)mk, x, x + n, NULL, &v0, NULL));
            assert_ok(starc_metric_value(m, (starc_metric_kind)mk, X, X + n, NULL, &v, NULL));
            snprintf(what, sizeof what, "metric %s at scale %g", starc_metric_kind_name((starc_metric_kind)mk), c);
            check_same(v, inv ? v0 : c * v0, 1e-12, 0.0, what);
        }
    }
    for (size_t i = 0; i < n; i++)
        X[i] = 1e308 * tanh(x[i]), X[n + i] = -X[i];
    double v;
    assert_int_equal(starc_norm_value(m, STARC_NORM_L1, X, NULL, &v, NULL), STARC_EUNDEF);
    assert_int_equal(starc_metric_value(m, STARC_METRIC_L2, X, X + n, NULL, &v, NULL), STARC_EUNDEF);
    free(x), free(X);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* ---- the per-pair path: kernels and prescaling, bit for bit ------------------ */

/* Distance pair, 3 x 3 matrix and standardised reward (and the val canonical
 * form) of R[0..2] under o, into out[0..3+9+n+n): the numbers compared bitwise
 * below. */
static void pair_outputs(const starc_mdp *m, const starc_distance_options *o, const double *R, size_t n, double *out)
{
    starc_distance_plan *p;
    assert_ok(starc_distance_plan_alloc(m, o, &p, NULL));
    const double *Rp[3] = {R, R + n, R + 2 * n};
    for (int i = 0; i < 3; i++)
        if (starc_distance_pair(p, Rp[i], Rp[(i + 1) % 3], &out[i], NULL) != STARC_OK)
            out[i] = -1.0; /* undefined (Pearson on a constant form): the same either way */
    if (starc_distance_matrix(p, 3, Rp, out + 3, NULL) != STARC_OK)
        out[3] = -1.0;
    double nz;
    int triv;
    assert_ok(starc_distance_standardize(p, R, out + 12, &nz, &triv, NULL));
    starc_distance_plan_free(p);
    assert_ok(starc_canon_compute(m, o->canon, NULL, R, out + 12 + n, NULL));
}

/* The 256-bit row kernels of the passes over T (used where the CPU has AVX)
 * give the baseline kernels' bits (STARC_KERNELS=baseline): every canon with
 * l2 and range norms, l2 and Pearson metrics, on sizes S that are and are not
 * multiples of the four lanes.  On a CPU without AVX both runs take the
 * baseline kernels. */
static void test_kernels_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(5150);
    const size_t sizes[][2] = {{1, 1}, {2, 3}, {3, 2}, {5, 1}, {7, 3}, {8, 2}, {13, 4}, {32, 4}, {33, 3}};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        const size_t S = sizes[z][0], A = sizes[z][1], n = S * A * S, nout = 12 + 2 * n;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, z % 2);
        double *R = malloc(3 * n * sizeof(double)), *x = malloc(nout * sizeof(double)), *y = malloc(nout * sizeof(double));
        testutil_gaussian(r, R, 3 * n);
        for (size_t i = 0; i < n; i++)
            R[2 * n + i] *= 1e-3; /* a third reward on another scale */
        for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
            for (int v = 0; v < 3; v++) {
                starc_distance_options o;
                starc_distance_options_default(&o);
                o.canon = (starc_canon_kind)c;
                o.norm = v == 1 ? STARC_NORM_RANGE : STARC_NORM_L2;
                o.metric = v == 2 ? STARC_METRIC_PEARSON : STARC_METRIC_L2;
                unsetenv("STARC_KERNELS");
                pair_outputs(m, &o, R, n, x);
                setenv("STARC_KERNELS", "baseline", 1);
                pair_outputs(m, &o, R, n, y);
                unsetenv("STARC_KERNELS");
                for (size_t i = 0; i < nout; i++)
                    if (memcmp(&x[i], &y[i], sizeof(double)) != 0) {
                        print_error("S=%zu A=%zu %s/%d: output %zu is %.17g with the default kernels, %.17g with the "
                                    "baseline ones\n", S, A, starc_canon_kind_name(o.canon), v, i, x[i], y[i]);
                        fail();
                    }
            }
        free(R), free(x), free(y);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* A reward outside the scale band is prescaled by 2^k, k = -ilogb(max |R|)
 * (the pass that reads max |R| decides it, and the forms are made again from
 * the copy): the pair equals, bit for bit, the pair of the copy the test
 * scales itself (inside the band: no prescaling), for each reward and both,
 * with norm none scaled back by the common factor. */
static void test_prescale_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(5151);
    const size_t S = 5, A = 3, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *R = malloc(2 * n * sizeof(double)), *X = malloc(2 * n * sizeof(double)), *Y = malloc(2 * n * sizeof(double));
    testutil_gaussian(r, R, 2 * n);
    const int exps[] = {-700, -300, 0, 300, 700};
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++) {
            starc_distance_options o;
            starc_distance_options_default(&o);
            o.canon = (starc_canon_kind)c;
            o.norm = (starc_norm_kind)nk;
            const int hom = o.norm == STARC_NORM_NONE;
            starc_distance_plan *p;
            assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
            for (size_t e1 = 0; e1 < 5; e1++)
                for (size_t e2 = 0; e2 < 5; e2++) {
                    int k[2] = {0, 0}, kc = 0;
                    double mx[2] = {0.0, 0.0};
                    for (size_t i = 0; i < n; i++) {
                        X[i] = ldexp(R[i], exps[e1]);
                        X[n + i] = ldexp(R[n + i], exps[e2]);
                        mx[0] = fmax(mx[0], fabs(X[i]));
                        mx[1] = fmax(mx[1], fabs(X[n + i]));
                    }
                    for (int i = 0; i < 2; i++) {
                        const int e = ilogb(hom ? fmax(mx[0], mx[1]) : mx[i]);
                        k[i] = e > 128 || e < -128 ? -e : 0; /* the band [2^-128, 2^128] (norm-internal.h) */
                    }
                    kc = hom ? k[0] : 0;
                    for (size_t i = 0; i < n; i++) {
                        Y[i] = ldexp(X[i], k[0]);
                        Y[n + i] = ldexp(X[n + i], k[1]);
                    }
                    double dx, dy;
                    int sx = starc_distance_pair(p, X, X + n, &dx, NULL);
                    int sy = starc_distance_pair(p, Y, Y + n, &dy, NULL);
                    assert_int_equal(sx, sy);
                    if (sx == STARC_OK && kc)
                        dy = ldexp(dy, -kc);
                    if (sx == STARC_OK && memcmp(&dx, &dy, sizeof dx) != 0) {
                        print_error("%s/%s 2^%d R1, 2^%d R2: %.17g, but %.17g from the copies scaled by 2^%d, 2^%d\n",
                                    starc_canon_kind_name(o.canon), starc_norm_kind_name(o.norm), exps[e1], exps[e2], dx,
                                    dy, k[0], k[1]);
                        fail();
                    }
                }
            starc_distance_plan_free(p);
        }
    free(R), free(X), free(Y);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* starc_distance_pair_shaped() on a dense MDP: the distance of starc_distance_pair() on the
 * expansions, bit for bit, for every pairing of (S,), (S,A) and (S,A,S) rewards (a full one is
 * used in place, the others expanded), under every canonicalisation; a non-finite full reward
 * and a bad shape are refused as the expansion refuses them. */
static void test_pair_shaped_dense(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(31337);
    static const starc_canon_kind kinds[] = {STARC_CANON_NONE, STARC_CANON_EPIC, STARC_CANON_DARD, STARC_CANON_VAL,
                                             STARC_CANON_VAL_POTENTIAL, STARC_CANON_MINIMAL};
    for (int trial = 0; trial < 12; trial++) {
        const size_t S = 2 + gsl_rng_uniform_int(r, 7), A = 1 + gsl_rng_uniform_int(r, 3), n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.3 + 0.6 * gsl_rng_uniform(r), trial % 2);
        double *g[3], *full[3];
        size_t nd[3] = {1, 2, 3}, sh[3] = {S, A, S};
        for (int k = 0; k < 3; k++) {
            const size_t len = k == 0 ? S : k == 1 ? S * A : n;
            g[k] = malloc(len * sizeof(double));
            full[k] = malloc(n * sizeof(double));
            testutil_gaussian(r, g[k], len);
            assert_ok(starc_mdp_reward_expand(m, nd[k], sh, g[k], full[k], NULL));
        }
        starc_distance_options o;
        starc_distance_options_default(&o);
        o.canon = kinds[trial % 6];
        starc_distance_plan *p = NULL;
        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double d0, d1;
                assert_ok(starc_distance_pair(p, full[a], full[b], &d0, NULL));
                assert_ok(starc_distance_pair_shaped(p, nd[a], sh, g[a], nd[b], sh, g[b], &d1, NULL));
                assert_memory_equal(&d0, &d1, sizeof d0);
            }
        starc_error err;
        double d;
        g[2][n / 2] = NAN;
        assert_int_equal(starc_distance_pair_shaped(p, 1, sh, g[0], 3, sh, g[2], &d, &err), STARC_EINVAL);
        assert_non_null(strstr(err.message, "not finite"));
        assert_true(isnan(d));
        const size_t bad[3] = {S, A + 1, S};
        assert_int_equal(starc_distance_pair_shaped(p, 3, bad, full[2], 2, sh, g[1], &d, &err), STARC_EDIM);
        starc_distance_plan_free(p);
        for (int k = 0; k < 3; k++)
            free(g[k]), free(full[k]);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* The same for (S,) and (S,A) rewards that stay in that shape (val and
 * minimal form Rbar from the given values, starci_canon_forms_sa()): every
 * canonicalisation x norm x metric, scales inside and outside the prescaling
 * band, default and baseline kernels, S both a multiple of the four lanes and
 * not: the distance (or the status) of the expansions, bit for bit.  Forming
 * Rbar as r(s,a) * sum_s' T (not the expansion's sums) fails it. */
static void test_pair_shaped_sa_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(4242);
    const size_t sizes[][2] = {{3, 2}, {8, 3}, {13, 2}};
    const int exps[] = {-700, 0, 700};
    for (size_t z = 0; z < 3; z++) {
        const size_t S = sizes[z][0], A = sizes[z][1], n = S * A * S;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, (int)z % 2);
        double *g[2], *G[2], *full[2];
        size_t nd[2] = {1, 2}, sh[2] = {S, A};
        for (int k = 0; k < 2; k++) {
            const size_t len = k == 0 ? S : S * A;
            g[k] = malloc(len * sizeof(double));
            G[k] = malloc(len * sizeof(double));
            full[k] = malloc(n * sizeof(double));
            testutil_gaussian(r, g[k], len);
        }
        for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
            for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
                for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++)
                    for (int base = 0; base < 2; base++) {
                        starc_distance_options o;
                        starc_distance_options_default(&o);
                        o.canon = (starc_canon_kind)c;
                        o.norm = (starc_norm_kind)nk;
                        o.metric = (starc_metric_kind)mk;
                        if (base)
                            setenv("STARC_KERNELS", "baseline", 1);
                        starc_distance_plan *p = NULL;
                        int st = starc_distance_plan_alloc(m, &o, &p, NULL);
                        unsetenv("STARC_KERNELS");
                        if (st)
                            continue; /* a combination the plan refuses */
                        for (int e = 0; e < 3; e++)
                            for (int a = 0; a < 2; a++)
                                for (int b = 0; b < 2; b++) {
                                    for (int k = 0; k < 2; k++) {
                                        for (size_t i = 0; i < (k == 0 ? S : S * A); i++)
                                            G[k][i] = ldexp(g[k][i], k == a ? exps[e] : 0);
                                        assert_ok(starc_mdp_reward_expand(m, nd[k], sh, G[k], full[k], NULL));
                                    }
                                    double d0 = 0.0, d1 = 0.0;
                                    int s0 = starc_distance_pair(p, full[a], full[b], &d0, NULL);
                                    int s1 = starc_distance_pair_shaped(p, nd[a], sh, G[a], nd[b], sh, G[b], &d1, NULL);
                                    if (s0 != s1 || (!s0 && memcmp(&d0, &d1, sizeof d0) != 0)) {
                                        print_error("S=%zu %s/%s/%s%s 2^%d, shapes %zu %zu: %d %.17g expanded, %d "
                                                    "%.17g as given\n", S, starc_canon_kind_name(o.canon),
                                                    starc_norm_kind_name(o.norm), starc_metric_kind_name(o.metric),
                                                    base ? " baseline" : "", exps[e], nd[a], nd[b], s0, d0, s1, d1);
                                        fail();
                                    }
                                }
                        starc_distance_plan_free(p);
                    }
        for (int k = 0; k < 2; k++)
            free(g[k]), free(G[k]), free(full[k]);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

/* Matrices of rewards in their own shapes (starc_distance_matrix_shaped(), _entries_shaped(),
 * starc_distance_standardize_shaped()): for every canonicalisation x norm x metric, sets of (S,),
 * (S,A) and mixed (S,), (S,A), (S,A,S) rewards, rewards at 2^-700, 1 and 2^700 (all of them, and
 * one set of mixed scales), default and baseline kernels, 1 and 3 threads: the matrix (or the
 * status) of starc_distance_matrix() on the (S,A,S) expansions, bit for bit; every range of
 * entries the whole matrix's; each standardised reward that of its expansion. */
enum { SHM_N = 4 };

static void shaped_set_make(const starc_mdp *m, int set, int e, const double *const *g, double *const *G,
                            double *full, size_t *nd, size_t *sh, const double **Rp, const double **Fp)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    static const int dims[3][SHM_N] = {{1, 2, 3, 2}, {2, 2, 2, 2}, {1, 1, 1, 1}};
    static const int exps[3] = {-700, 0, 700};
    for (size_t i = 0; i < SHM_N; i++) {
        const int d = dims[set][i];
        const size_t len = d == 1 ? S : d == 2 ? S * A : n;
        const int x = e < 3 ? exps[e] : exps[i % 3];
        for (size_t k = 0; k < len; k++)
            G[i][k] = ldexp(g[i][k], x);
        nd[i] = (size_t)d;
        sh[3 * i] = S, sh[3 * i + 1] = A, sh[3 * i + 2] = S;
        Rp[i] = G[i];
        assert_ok(starc_mdp_reward_expand(m, nd[i], sh + 3 * i, G[i], full + i * n, NULL));
        Fp[i] = full + i * n;
    }
}

/* One plan: the shaped matrix, its ranges and standardised rewards against the expansions'. */
static void shaped_check_plan(starc_distance_plan *p, const starc_mdp *m, const size_t *nd, const size_t *sh,
                              const double *const *Rp, const double *const *Fp, const char *what)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S, total = SHM_N * (SHM_N + 1) / 2;
    double D0[SHM_N * SHM_N], D1[SHM_N * SHM_N], out[SHM_N * (SHM_N + 1) / 2];
    int s0 = starc_distance_matrix(p, SHM_N, Fp, D0, NULL);
    int s1 = starc_distance_matrix_shaped(p, SHM_N, nd, sh, Rp, D1, NULL);
    if (s0 != s1 || (!s0 && memcmp(D0, D1, sizeof D0) != 0)) {
        print_error("%s: matrix status %d expanded, %d as given; D[0][1] %.17g, %.17g\n", what, s0, s1, D0[1], D1[1]);
        fail();
    }
    for (size_t e0 = 0; e0 < total; e0 += 3) {
        const size_t e1 = e0 + 4 < total ? e0 + 4 : total;
        assert_int_equal(starc_distance_matrix_entries_shaped(p, SHM_N, nd, sh, Rp, e0, e1, out, NULL), s0);
        for (size_t i = 0, e = 0; !s0 && i < SHM_N; i++)
            for (size_t j = i; j < SHM_N; j++, e++)
                if (e >= e0 && e < e1 && memcmp(&out[e - e0], &D0[i * SHM_N + j], sizeof(double)) != 0) {
                    print_error("%s: entry %zu of [%zu, %zu): %.17g, whole %.17g\n", what, e, e0, e1, out[e - e0],
                                D0[i * SHM_N + j]);
                    fail();
                }
    }
    double *x0 = malloc(n * sizeof(double)), *x1 = malloc(n * sizeof(double)), n0 = 0, n1 = 0;
    for (size_t i = 0; i < SHM_N; i++) {
        int t0 = 0, t1 = 0;
        s0 = starc_distance_standardize(p, Fp[i], x0, &n0, &t0, NULL);
        s1 = starc_distance_standardize_shaped(p, nd[i], sh + 3 * i, Rp[i], x1, &n1, &t1, NULL);
        if (s0 != s1 || (!s0 && (memcmp(x0, x1, n * sizeof(double)) || memcmp(&n0, &n1, sizeof n0) || t0 != t1))) {
            print_error("%s: standardised reward %zu differs (status %d, %d; norm %.17g, %.17g)\n", what, i, s0, s1,
                        n0, n1);
            fail();
        }
    }
    free(x0), free(x1);
}

static void shaped_check_mdp(gsl_rng *r, size_t S, size_t A, int all)
{
    const size_t n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, (int)(S % 2));
    double *g[SHM_N], *G[SHM_N], *full = malloc(SHM_N * n * sizeof(double));
    for (size_t i = 0; i < SHM_N; i++) {
        g[i] = malloc(n * sizeof(double));
        G[i] = malloc(n * sizeof(double));
        testutil_gaussian(r, g[i], n);
    }
    size_t nd[SHM_N], sh[3 * SHM_N];
    const double *Rp[SHM_N], *Fp[SHM_N];
    for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
        for (int nk = 0; nk < STARC_NORM_KIND_COUNT; nk++)
            for (int mk = 0; mk < STARC_METRIC_KIND_COUNT; mk++)
                for (int base = 0; base < 2; base++)
                    for (int nt = 1; nt <= 3; nt += 2) {
                        const int kinds = c == STARC_CANON_VAL || c == STARC_CANON_MINIMAL;
                        const int pairs = (nk == STARC_NORM_L2 && mk == STARC_METRIC_L2) ||
                                          (nk == STARC_NORM_NONE && mk == STARC_METRIC_L1) ||
                                          (nk == STARC_NORM_LINF && mk == STARC_METRIC_PEARSON);
                        if (!all && !(kinds && pairs))
                            continue; /* the large MDP: the kept kinds, three norm x metric */
                        starc_distance_options o;
                        starc_distance_options_default(&o);
                        o.canon = (starc_canon_kind)c;
                        o.norm = (starc_norm_kind)nk;
                        o.metric = (starc_metric_kind)mk;
                        o.nthreads = nt;
                        if (base)
                            setenv("STARC_KERNELS", "baseline", 1);
                        starc_distance_plan *p = NULL;
                        int st = starc_distance_plan_alloc(m, &o, &p, NULL);
                        unsetenv("STARC_KERNELS");
                        if (st)
                            continue; /* a combination the plan refuses */
                        for (int set = 0; set < (all ? 3 : 1); set++)
                            for (int e = all ? 0 : 1; e < (all ? 4 : 2); e++) { /* large: the mixed set at scale 1 */
                                char what[160];
                                snprintf(what, sizeof what, "S=%zu %s/%s/%s%s threads %d set %d scale %d", S,
                                         starc_canon_kind_name(o.canon), starc_norm_kind_name(o.norm),
                                         starc_metric_kind_name(o.metric), base ? " baseline" : "", nt, set, e);
                                shaped_set_make(m, set, e, (const double *const *)g, G, full, nd, sh, Rp, Fp);
                                shaped_check_plan(p, m, nd, sh, Rp, Fp, what);
                            }
                        starc_distance_plan_free(p);
                    }
    for (size_t i = 0; i < SHM_N; i++)
        free(g[i]), free(G[i]);
    free(full);
    starc_mdp_free(m);
}

static void test_matrix_shaped_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(2718);
    shaped_check_mdp(r, 3, 2, 1);
    shaped_check_mdp(r, 8, 3, 1);
    shaped_check_mdp(r, 13, 2, 1);
    shaped_check_mdp(r, 300, 3, 0); /* S*A*S >= 2^18: the passes and the matrix on several threads */
    gsl_rng_free(r);
}

/* A non-finite entry of a reward in a shaped matrix: the first bad reward in order is named as
 * starc_mdp_reward_expand() names it, kept (val) or expanded (epic); a bad shape is STARC_EDIM;
 * a sparse MDP is refused. */
static void test_matrix_shaped_errors(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(99);
    const size_t S = 5, A = 2, n = S * A * S;
    starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
    double *full = malloc(n * sizeof(double)), sa[10], st1[5], D[9], out[6], x[50];
    testutil_gaussian(r, full, n);
    testutil_gaussian(r, sa, S * A);
    testutil_gaussian(r, st1, S);
    const size_t nd[3] = {3, 2, 1}, sh[9] = {S, A, S, S, A, S, S, A, S};
    const double *Rp[3] = {full, sa, st1};
    for (int c = 0; c < 2; c++) {
        starc_distance_options o;
        starc_distance_options_default(&o);
        o.canon = c ? STARC_CANON_EPIC : STARC_CANON_VAL;
        starc_distance_plan *p;
        assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
        starc_error err;
        assert_ok(starc_distance_matrix_shaped(p, 3, nd, sh, Rp, D, NULL));
        for (int bad = 0; bad < 3; bad++) {
            const double v = bad == 0 ? NAN : bad == 1 ? INFINITY : -INFINITY;
            sa[3] = v; /* the (S,A) reward alone: its entry */
            assert_int_equal(starc_distance_matrix_shaped(p, 3, nd, sh, Rp, D, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 3 (flat index) is not finite");
            assert_int_equal(starc_distance_matrix_entries_shaped(p, 3, nd, sh, Rp, 4, 6, out, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 3 (flat index) is not finite");
            assert_int_equal(starc_distance_standardize_shaped(p, 2, sh, sa, x, NULL, NULL, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 3 (flat index) is not finite");
            full[n - 1] = v; /* the full reward first: its entry */
            assert_int_equal(starc_distance_matrix_shaped(p, 3, nd, sh, Rp, D, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 49 (flat index) is not finite");
            sa[3] = 1.0; /* the full reward alone */
            assert_int_equal(starc_distance_matrix_shaped(p, 3, nd, sh, Rp, D, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 49 (flat index) is not finite");
            full[n - 1] = 1.0;
            st1[0] = v; /* the (S,) reward */
            assert_int_equal(starc_distance_matrix_shaped(p, 3, nd, sh, Rp, D, &err), STARC_EINVAL);
            assert_string_equal(err.message, "reward entry 0 (flat index) is not finite");
            st1[0] = 1.0;
        }
        const size_t badsh[9] = {S, A, S, S, A + 1, S, S, A, S};
        assert_int_equal(starc_distance_matrix_shaped(p, 3, nd, badsh, Rp, D, &err), STARC_EDIM);
        assert_int_equal(starc_distance_matrix_entries_shaped(p, 3, nd, sh, Rp, 0, 7, out, &err), STARC_EINVAL);
        starc_distance_plan_free(p);
    }
    starc_mdp *ms = NULL; /* a sparse MDP: s -> s */
    size_t indptr[11], indices[10];
    double data[10], mu0[5] = {0.2, 0.2, 0.2, 0.2, 0.2};
    for (size_t i = 0; i <= S * A; i++)
        indptr[i] = i;
    for (size_t i = 0; i < S * A; i++)
        indices[i] = i / A, data[i] = 1.0;
    assert_ok(starc_mdp_alloc_csr(S, A, S * A, indptr, indices, data, mu0, 0.9, NULL, &ms, NULL));
    starc_distance_plan *p;
    assert_ok(starc_distance_plan_alloc(ms, NULL, &p, NULL));
    const size_t nds[2] = {2, 2};
    const double *Rs[2] = {sa, sa};
    assert_int_equal(starc_distance_matrix_shaped(p, 2, nds, sh + 3, Rs, D, NULL), STARC_EINVAL);
    starc_distance_plan_free(p);
    starc_mdp_free(ms);
    free(full);
    starc_mdp_free(m);
    gsl_rng_free(r);
}

/* A reward with a non-finite entry (NaN, Inf, -Inf; first, middle or last
 * entry; either reward of a pair, a matrix's last one) is refused by the
 * first pass that reads it, for every canonicalisation and with both kernel
 * sets, naming the entry as starc_mdp_reward_expand() does, also where no
 * statistic the request asks for is a sum (none, linf, linf); a finite reward
 * whose sums overflow (2^k R, max |2^k R| in [2^1022, 2^1023)) is not refused
 * and gives the distance of R bit for bit (normalised: scale-invariant). */
static void test_nonfinite_rewards(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(5153);
    const size_t Ss[2] = {5, 8};
    const int nm[4][2] = {{STARC_NORM_L2, STARC_METRIC_L2}, {STARC_NORM_LINF, STARC_METRIC_LINF},
                          {STARC_NORM_NONE, STARC_METRIC_LINF}, {STARC_NORM_L1, STARC_METRIC_PEARSON}};
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (size_t z = 0; z < 2; z++) {
        const size_t S = Ss[z], A = 3, n = S * A * S, pos[3] = {0, n / 2, n - 1};
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *R = malloc(4 * n * sizeof(double)), *out = malloc(n * sizeof(double));
        testutil_gaussian(r, R, 2 * n);
        double mx = 0.0;
        for (size_t i = 0; i < n; i++)
            mx = fmax(mx, fabs(R[n + i]));
        const int e = ilogb(mx);
        for (size_t i = 0; i < n; i++)
            R[3 * n + i] = ldexp(R[n + i], 1022 - e); /* huge: max in [2^1022, 2^1023) */
        for (int kern = 0; kern < 2; kern++) {
            if (kern)
                setenv("STARC_KERNELS", "baseline", 1);
            for (int c = 0; c < STARC_CANON_KIND_COUNT; c++)
                for (int v = 0; v < 4; v++) {
                    starc_distance_options o;
                    starc_distance_options_default(&o);
                    o.canon = (starc_canon_kind)c;
                    o.norm = (starc_norm_kind)nm[v][0];
                    o.metric = (starc_metric_kind)nm[v][1];
                    starc_distance_plan *p;
                    assert_ok(starc_distance_plan_alloc(m, &o, &p, NULL));
                    starc_error err;
                    double d, dref, dh;
                    for (size_t q = 0; q < 3; q++)
                        for (size_t b = 0; b < 3; b++) {
                            memcpy(R + 2 * n, R + n, n * sizeof(double));
                            R[2 * n + pos[q]] = bad[b];
                            char want[64];
                            snprintf(want, sizeof want, "reward entry %zu (flat index) is not finite", pos[q]);
                            const double *Rm[3] = {R, R + n, R + 2 * n};
                            double D[9];
                            assert_int_equal(starc_distance_pair(p, R, R + 2 * n, &d, &err), STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            assert_int_equal(starc_distance_pair(p, R + 2 * n, R, &d, &err), STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            assert_int_equal(starc_distance_matrix(p, 3, Rm, D, &err), STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            assert_int_equal(starc_distance_standardize(p, R + 2 * n, out, NULL, NULL, &err),
                                             STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            /* with an (S,A) reward (its values refused by the expansion): the full
                             * one's entry first when it comes first, the (S,A) one's when it is */
                            const size_t sh3[3] = {S, A, S}, sh2[2] = {S, A};
                            double sa[64];
                            memcpy(sa, R, S * A * sizeof(double));
                            assert_int_equal(starc_distance_pair_shaped(p, 3, sh3, R + 2 * n, 2, sh2, sa, &d, &err),
                                             STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            sa[1] = NAN;
                            assert_int_equal(starc_distance_pair_shaped(p, 3, sh3, R + 2 * n, 2, sh2, sa, &d, &err),
                                             STARC_EINVAL);
                            assert_string_equal(err.message, want);
                            assert_int_equal(starc_distance_pair_shaped(p, 2, sh2, sa, 3, sh3, R + 2 * n, &d, &err),
                                             STARC_EINVAL);
                            assert_string_equal(err.message, "reward entry 1 (flat index) is not finite");
                            assert_int_equal(starc_distance_pair_shaped(p, 3, sh3, R, 2, sh2, sa, &d, &err),
                                             STARC_EINVAL);
                            assert_string_equal(err.message, "reward entry 1 (flat index) is not finite");
                        }
                    /* unnormalised (norm none, not Pearson): the distance scales, may overflow */
                    const int normalised = o.norm != STARC_NORM_NONE || o.metric == STARC_METRIC_PEARSON;
                    int sr = starc_distance_pair(p, R, R + n, &dref, &err);
                    int sh = starc_distance_pair(p, R, R + 3 * n, &dh, &err);
                    if (normalised)
                        assert_int_equal(sh, sr);
                    if (normalised && sr == STARC_OK && memcmp(&dref, &dh, sizeof dref) != 0) {
                        print_error("S=%zu %s/%d: %.17g for R, %.17g for 2^k R\n", S, starc_canon_kind_name(o.canon),
                                    v, dref, dh);
                        fail();
                    }
                    starc_distance_plan_free(p);
                }
            unsetenv("STARC_KERNELS");
        }
        free(R), free(out);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epic_gridworld),
        cmocka_unit_test(test_small_val_negation),
        cmocka_unit_test(test_reference_all),
        cmocka_unit_test(test_reference_coverage),
        cmocka_unit_test(test_negation_and_trivial),
        cmocka_unit_test(test_metric_axioms),
        cmocka_unit_test(test_distance_invariances),
        cmocka_unit_test(test_pearson_undefined),
        cmocka_unit_test(test_trivial_tolerance),
        cmocka_unit_test(test_trivial_families),
        cmocka_unit_test(test_weighted_seminorms),
        cmocka_unit_test(test_rare_rewards_not_trivial),
        cmocka_unit_test(test_trivial_rule_scaling),
        cmocka_unit_test(test_plan_errors),
        cmocka_unit_test(test_larger_batch),
        cmocka_unit_test(test_nonfinite_rewards),
        cmocka_unit_test(test_matrix_entries),
        cmocka_unit_test(test_threads_bitwise),
        cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_scale_overflow),
        cmocka_unit_test(test_kernels_bitwise),
        cmocka_unit_test(test_prescale_bitwise),
        cmocka_unit_test(test_norm_metric_scaling),
        cmocka_unit_test(test_pair_shaped_dense),
        cmocka_unit_test(test_pair_shaped_sa_bitwise),
        cmocka_unit_test(test_matrix_shaped_bitwise),
        cmocka_unit_test(test_matrix_shaped_errors),
    };
    return cmocka_run_group_tests_name("distance", tests, NULL, NULL);
}
