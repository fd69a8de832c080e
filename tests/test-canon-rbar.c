/* Rbar of a set of rewards in one pass over T (starci_canon_rbar_set(), canon.c):
 * each reward's Rbar, max |R| and finiteness proof bit for bit those of the
 * forms' own pass over T (one reward, and two at once), with the default and
 * the baseline kernels, S a multiple of the four-lane width or not, S*8
 * below and above the block size, one thread and several; and the forms made
 * from the given Rbar (starci_canon_forms_rbar()) bit for bit those made
 * from R (for val also with V and T V of the set, starci_canon_val_set());
 * rewards given by their (S,A) values bit for bit their expansions.
 * Links the static library: starci_ functions are not exported. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "testutil.h"
#include "canon-internal.h"

static void assert_same(const double *x, const double *y, size_t n, const char *what, size_t S, int kind)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&x[i], &y[i], sizeof(double)) != 0) {
            print_error("S=%zu %s %s[%zu]: %.17g and %.17g\n", S, starc_canon_kind_name((starc_canon_kind)kind), what,
                        i, x[i], y[i]);
            fail();
        }
}

/* The forms of reward i: from R alone (cf) against from the set's Rbar (cg). */
static void same_forms(starc_canon *c, size_t S, size_t A, int kind, const double *R, const double *Rbar, double rmax,
                       double rsum, const double *V, const double *TV)
{
    starci_cform cf, cg;
    const double *Rs[1] = {R};
    assert_ok(starci_canon_forms(c, 1, Rs, &cf, NULL));
    assert_same(starci_canon_rbar(c, 0), Rbar, S * A, "Rbar", S, kind);
    assert_same(&cf.rmax, &rmax, 1, "rmax", S, kind);
    const double own = starci_canon_rsum(c, 0);
    assert_same(&own, &rsum, 1, "rsum", S, kind);
    /* the copies the forms keep: u (val) or the offsets */
    double *u = cf.u ? malloc(S * A * sizeof(double)) : NULL, *E = cf.E ? malloc(S * S * sizeof(double)) : NULL;
    double *P = cf.P ? malloc(2 * S * sizeof(double)) : NULL;
    if (u)
        memcpy(u, cf.u, S * A * sizeof(double));
    if (E)
        memcpy(E, cf.E, S * S * sizeof(double));
    if (P) {
        memcpy(P, cf.P, S * sizeof(double));
        memcpy(P + S, cf.Q, S * sizeof(double));
    }
    const double *Rb[1] = {Rbar};
    assert_ok(starci_canon_forms_rbar(c, 1, Rs, Rb, &rmax, &rsum, NULL, NULL, &cg, NULL));
    assert_int_equal(cg.kind, cf.kind);
    assert_same(&cg.rmax, &cf.rmax, 1, "forms rmax", S, kind);
    if (u)
        assert_same(cg.u, u, S * A, "u", S, kind);
    if (V) { /* val: with V and T V of the set too (starci_canon_val_set()) */
        assert_ok(starci_canon_forms_rbar(c, 1, Rs, Rb, &rmax, &rsum, &V, &TV, &cg, NULL));
        assert_same(cg.u, u, S * A, "u (V, T V given)", S, kind);
    }
    if (E)
        assert_same(cg.E, E, S * S, "E", S, kind);
    if (P) {
        assert_same(cg.P, P, S, "P", S, kind);
        assert_same(cg.Q, P + S, S, "Q", S, kind);
    }
    free(u), free(E), free(P);
}

static void test_rbar_set(void **state)
{
    (void)state;
    gsl_rng *r = testutil_rng(4711);
    /* S = 1, 3, 5 (tails), 8, 13; 40 and 3000: rows of 320 B and 24 KB against the 256 KiB blocks */
    const size_t sizes[][3] = {{1, 2, 3}, {3, 2, 4}, {5, 3, 2}, {8, 2, 5}, {13, 4, 3}, {40, 3, 4}, {3000, 1, 3}};
    const int kinds[3] = {STARC_CANON_VAL, STARC_CANON_VAL_POTENTIAL, STARC_CANON_DARD};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        const size_t S = sizes[z][0], A = sizes[z][1], n = sizes[z][2], SAS = S * A * S, SA = S * A;
        starc_mdp *m = testutil_random_mdp(r, S, A, 0.9, 0);
        double *R = malloc(n * SAS * sizeof(double)), *Rbar = malloc(n * SA * sizeof(double));
        double rmax[5], rsum[5];
        testutil_gaussian(r, R, n * SAS);
        for (size_t i = 0; i < SAS; i++)
            R[SAS + i] = ldexp(R[SAS + i], -600); /* a second reward on another scale */
        const double *Rp[5];
        for (size_t i = 0; i < n; i++)
            Rp[i] = R + i * SAS;
        /* every other reward given by its (S,A) values (Sp), against its expansion (Xp) */
        double *sav = malloc(n * SA * sizeof(double)), *Rx = malloc(n * SAS * sizeof(double));
        double *Rbar2 = malloc(n * SA * sizeof(double)), rmax2[5], rsum2[5];
        double *Vs = malloc(n * S * sizeof(double)), *TVs = malloc(n * SA * sizeof(double));
        const double *Sp[5], *Xp[5];
        const size_t shape[2] = {S, A};
        testutil_gaussian(r, sav, n * SA);
        for (size_t i = 0; i < n; i++) {
            Sp[i] = i % 2 ? sav + i * SA : NULL;
            Xp[i] = i % 2 ? Rx + i * SAS : Rp[i];
            if (i % 2)
                assert_ok(starc_mdp_reward_expand(m, 2, shape, sav + i * SA, Rx + i * SAS, NULL));
        }
        for (int kern = 0; kern < 2; kern++) {
            if (kern)
                setenv("STARC_KERNELS", "baseline", 1);
            for (int q = 0; q < 3; q++)
                for (int nt = 1; nt <= 3; nt += 2) {
                    if (kinds[q] == STARC_CANON_DARD && S > 100)
                        continue; /* dard's forms are S^3 A */
                    starc_canon_options o;
                    starc_canon_options_default(&o);
                    o.nthreads = nt;
                    starc_canon *c;
                    assert_ok(starc_canon_alloc(m, (starc_canon_kind)kinds[q], &o, &c, NULL));
                    assert_true(starci_canon_rbar_ok(c));
                    assert_ok(starci_canon_rbar_set(c, n, Rp, NULL, Rbar, rmax, rsum, NULL));
                    const int val = kinds[q] == STARC_CANON_VAL;
                    if (val)
                        assert_ok(starci_canon_val_set(c, n, Rbar, Vs, TVs, NULL));
                    else
                        assert_int_equal(starci_canon_val_set(c, n, Rbar, Vs, TVs, NULL), STARC_EINVAL);
                    for (size_t i = 0; i < n; i++)
                        same_forms(c, S, A, kinds[q], Rp[i], Rbar + i * SA, rmax[i], rsum[i], val ? Vs + i * S : NULL,
                                   val ? TVs + i * SA : NULL);
                    /* two rewards at once (the pair's pass) */
                    starci_cform cf[2];
                    assert_ok(starci_canon_forms(c, 2, Rp, cf, NULL));
                    for (size_t i = 0; i < 2; i++) {
                        assert_same(starci_canon_rbar(c, i), Rbar + i * SA, SA, "Rbar (pair)", S, kinds[q]);
                        assert_same(&cf[i].rmax, &rmax[i], 1, "rmax (pair)", S, kinds[q]);
                    }
                    assert_ok(starci_canon_rbar_set(c, n, Xp, NULL, Rbar, rmax, rsum, NULL));
                    assert_ok(starci_canon_rbar_set(c, n, Rp, Sp, Rbar2, rmax2, rsum2, NULL));
                    assert_same(Rbar2, Rbar, n * SA, "Rbar (S,A)", S, kinds[q]);
                    assert_same(rmax2, rmax, n, "rmax (S,A)", S, kinds[q]);
                    assert_same(rsum2, rsum, n, "rsum (S,A)", S, kinds[q]);
                    starc_canon_free(c);
                }
            unsetenv("STARC_KERNELS");
        }
        /* the kinds that do not start from Rbar refuse given ones */
        starc_canon *c;
        assert_ok(starc_canon_alloc(m, STARC_CANON_EPIC, NULL, &c, NULL));
        assert_false(starci_canon_rbar_ok(c));
        starci_cform cf;
        const double *Rb[1] = {Rbar};
        assert_int_equal(starci_canon_forms_rbar(c, 1, Rp, Rb, rmax, rsum, NULL, NULL, &cf, NULL), STARC_EINVAL);
        starc_canon_free(c);
        free(R), free(Rbar), free(sav), free(Rx), free(Rbar2), free(Vs), free(TVs);
        starc_mdp_free(m);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rbar_set)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
