/* Round-off of the canonicalisations on exactly trivial rewards: the measurement
 * behind the default of the trivial-reward rule (starc/distance.h,
 * docs/theory.md §3.1).  Built and run by `make bench`, never by `make check`.
 *
 * For every canonicalisation c, a reward R that c maps to 0 exactly in real
 * arithmetic gives, in floating point, a canonical form of pure round-off.  The
 * rule must call such a reward trivial, so its tolerance must exceed
 *
 *   x = max|c(R)| / max|R|                          (the canonical form)
 *   n = n(c(R)) / (n_1 max|R|)                      (each normaliser; n_1 its value bound
 *                                                    on tensors with max|x| = 1)
 *   sigma = std(c(R)) / max|R|                      (uniform coverage, Pearson)
 *
 * for every such R.  Families (docs/theory.md §2 says which canonicalisation
 * removes which): `shaping` gamma phi(s') - phi(s) with phi = m + a N(0,1) (a
 * random mean makes it part constant), `constant` R = k, `redistribution` x -
 * sum_s' T x (zero expectation over s'; x dense N(0,1) or, in half the draws,
 * sparse as the study protocol's rewards), and sums (shaping + constant, and
 * all three), each part with its own magnitude 10^U(-2,2).  The whole reward is then scaled by 2^U(-100,100)
 * (exactly, so the ratios are those of the unscaled reward).  `none` removes
 * nothing: for it the families count through the `range` normaliser (their
 * returns are the same for every policy) and Pearson's sigma (constants).
 * Off-support rewards (non-zero only where T = 0) make the transition-weighted
 * normalisers vanish on a non-zero canonical form (none, val-potential); they
 * are measured on the `sparse` dynamics, alone and plus shaping, as
 * wl = max |c(R)| over the transitions with T > 0 / max|R|, the ratio the
 * rule's test for those normalisers uses.
 *
 * Dynamics: `dense` (Dirichlet(1) rows), `softmax` (the study protocol's rows,
 * floored entries at probability ~1e-9, starc_generate_transitions()) and
 * `sparse` (rows with 1 to 3 successors, the rest exactly 0); S = 2 .. 1024,
 * A in {1, 2, 4} (2 only for S >= 256), gamma in {0, 0.5, 0.9, 0.95, 0.99, 0.999}.
 *
 * Usage: trivial-roundoff [--quick] [--raw FILE]
 * Prints, per (canonicalisation, dynamics, gamma), the worst ratio of each kind
 * and where it occurred; k, the worst ratio in units of the derived tolerance
 * without its margin (ratio (1 - gamma)^p / (S DBL_EPSILON)), and the margin
 * K/k of the library's default; then k by gamma (flat when p is right), by S,
 * and overall.  --raw FILE writes every measurement. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <starc/starc.h>
#include "../gsl-view.h"
#include "roundoff-families.h"

static const double gammas[] = {0.0, 0.5, 0.9, 0.95, 0.99, 0.999};
#define NGAMMA (sizeof gammas / sizeof gammas[0])
#define NC STARC_CANON_KIND_COUNT

/* Which families canonicalisation c maps to 0 (docs/theory.md §2).  none: the
 * families with zero return range. */
static int removes(int c, int f)
{
    switch (c) {
    case STARC_CANON_NONE:
    case STARC_CANON_VAL:
    case STARC_CANON_MINIMAL: return f <= F_SUMALL;
    default: return f == F_SHAPING || f == F_CONSTANT || f == F_SUM;
    }
}

/* Which off-support families leave c(R) non-zero only where T = 0. */
static int off_support(int c, int f)
{
    return (f == F_OFF && (c == STARC_CANON_NONE || c == STARC_CANON_VAL_POTENTIAL)) ||
           (f == F_OFFSH && c == STARC_CANON_VAL_POTENTIAL);
}

/* Worst ratio seen, and where. */
typedef struct worst {
    double v;
    int fam;
    size_t S, A;
} worst;

static void see(worst *w, double v, int fam, size_t S, size_t A)
{
    if (v > w->v || w->S == 0) {
        w->v = v;
        w->fam = fam;
        w->S = S;
        w->A = A;
    }
}

typedef struct cell { /* one (canon, dynamics, gamma) */
    worst x, range, sigma, wl, k;
    size_t count;
} cell;

/* k = ratio (1 - gamma)^p / (S DBL_EPSILON): the rule calls the reward trivial iff
 * k <= STARC_DISTANCE_TRIVIAL_TOL_MARGIN, p the canonicalisation's power in
 * starc_distance_trivial_tol(). */
static cell cells[NC][NTK][NGAMMA];
static worst k_gamma[NC][NGAMMA], k_size[NC][11], k_all;
static FILE *raw;

/* The rule's k of a ratio: ratio / (tol / K), tol the library's derived tolerance. */
static double kval(int c, double gamma, size_t S, double ratio)
{
    return ratio * STARC_DISTANCE_TRIVIAL_TOL_MARGIN /
           starc_distance_trivial_tol(STARC_DISTANCE_TRIVIAL_TOL_DERIVED, (starc_canon_kind)c, gamma, S);
}

/* Normaliser values of x and their bounds per unit max|x| (the distance module's). */
static void norms(const starc_mdp *m, const double *x, double nv[6], double unit[6])
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = S * A * S;
    const double *T = starc_mdp_transitions(m);
    double l1 = 0, l2 = 0, li = 0, w1 = 0, w2 = 0, wi = 0, tsum = 0, tmax = 0;
    for (size_t k = 0; k < n; k++) {
        double d = fabs(x[k]);
        l1 += d, l2 += d * d, li = d > li ? d : li;
        w1 += T[k] * d, w2 += T[k] * d * d, wi = T[k] * d > wi ? T[k] * d : wi;
        tsum += T[k], tmax = T[k] > tmax ? T[k] : tmax;
    }
    nv[0] = l1, nv[1] = sqrt(l2), nv[2] = li, nv[3] = w1, nv[4] = sqrt(w2), nv[5] = wi;
    unit[0] = (double)n, unit[1] = sqrt((double)n), unit[2] = 1.0, unit[3] = tsum, unit[4] = sqrt(tsum), unit[5] = tmax;
}

/* Population standard deviation by the corrected two-pass algorithm (the
 * first pass's mean corrected by the mean residual), so that a constant
 * tensor has sigma ~ 0 whatever n is. */
static double sigma(size_t n, const double *x)
{
    double mean = 0.0, css = 0.0, res = 0.0;
    for (size_t k = 0; k < n; k++)
        mean += x[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++)
        res += x[k] - mean;
    mean += res / (double)n;
    for (size_t k = 0; k < n; k++)
        css += (x[k] - mean) * (x[k] - mean);
    return sqrt(css / (double)n);
}

static void run(gsl_rng *r, int tk, size_t S, size_t A, int trials, int do_range)
{
    const size_t n = S * A * S;
    double *T = malloc(n * sizeof(double)), *R = malloc(n * sizeof(double)), *C = malloc(n * sizeof(double));
    double *mu0 = malloc(S * sizeof(double)), *phi = malloc(2 * S * sizeof(double));
    if (!T || !R || !C || !mu0 || !phi)
        abort();
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    int lg = 0;
    while (((size_t)1 << lg) < S)
        lg++;
    for (int t = 0; t < trials; t++) {
        transitions(r, tk, S, A, T);
        size_t nzero = 0;
        for (size_t k = 0; k < n; k++)
            nzero += T[k] == 0.0;
        for (size_t g = 0; g < NGAMMA; g++) {
            starc_mdp *m;
            starc_error err;
            if (starc_mdp_alloc(S, A, T, mu0, gammas[g], NULL, &m, &err)) {
                fprintf(stderr, "trivial-roundoff: %s\n", err.message);
                exit(1);
            }
            starc_canon *plan[NC];
            for (int c = 0; c < NC; c++)
                if (starc_canon_alloc(m, (starc_canon_kind)c, NULL, &plan[c], &err)) {
                    fprintf(stderr, "trivial-roundoff: %s\n", err.message);
                    exit(1);
                }
            for (int f = 0; f < NFAM; f++) {
                if ((f == F_OFF || f == F_OFFSH) && (tk != TK_SPARSE || nzero == 0))
                    continue; /* no impossible transitions to live on */
                make_reward(r, f, T, S, A, gammas[g], phi, R);
                const double rmax = maxabs(n, R);
                if (rmax == 0.0)
                    continue;
                for (int c = 0; c < NC; c++) {
                    const int off = off_support(c, f);
                    if (!removes(c, f) && !off)
                        continue;
                    if (starc_canon_apply(plan[c], R, C, &err)) {
                        fprintf(stderr, "trivial-roundoff: %s\n", err.message);
                        exit(1);
                    }
                    cell *ce = &cells[c][tk][g];
                    double nv[6], unit[6];
                    norms(m, C, nv, unit);
                    if (off) { /* c(R) is the off-support part: the weighted normalisers see only
                                * the round-off on the transitions with T > 0 */
                        double w = 0.0;
                        for (size_t k = 0; k < n; k++)
                            if (T[k] > 0.0)
                                w = fmax(w, fabs(C[k]) / rmax);
                        see(&ce->wl, w, f, S, A);
                        double kk = kval(c, gammas[g], S, w);
                        see(&ce->k, kk, f, S, A);
                        see(&k_gamma[c][g], kk, f, S, A);
                        see(&k_size[c][lg], kk, f, S, A);
                        see(&k_all, kk, f, S, A);
                        if (raw)
                            fprintf(raw, "%s\t%s\t%s\t%g\t%zu\t%zu\twl\t%.3e\n", starc_canon_kind_name(c), tk_names[tk],
                                    fam_names[f], gammas[g], S, A, w);
                        continue;
                    }
                    ce->count++;
                    const double xr = maxabs(n, C) / rmax;
                    double nr = 0.0; /* every normaliser is <= n_1 max|c(R)|: nr <= xr */
                    for (int k = 0; k < 6; k++)
                        nr = fmax(nr, nv[k] / (unit[k] * rmax));
                    const double sg = sigma(n, C) / rmax;
                    /* the ratio the rule tests: the canonical form (none: nothing), the range */
                    double worst_ratio = c == STARC_CANON_NONE ? 0.0 : xr;
                    double rg = NAN;
                    if (do_range) {
                        double range;
                        if (starc_norm_value(m, STARC_NORM_RANGE, C, NULL, &range, &err)) {
                            fprintf(stderr, "trivial-roundoff: %s\n", err.message);
                            exit(1);
                        }
                        rg = range / (2.0 * rmax / (1.0 - gammas[g]));
                        see(&ce->range, rg, f, S, A);
                        if (c == STARC_CANON_NONE)
                            worst_ratio = rg;
                    }
                    if (c != STARC_CANON_NONE)
                        see(&ce->x, xr, f, S, A);
                    if (c != STARC_CANON_NONE || f == F_CONSTANT) { /* none: only constants are constant */
                        see(&ce->sigma, sg, f, S, A);
                        worst_ratio = fmax(worst_ratio, sg);
                    }
                    if (nr > xr * (1.0 + (double)n * DBL_EPSILON)) { /* (summation order) */
                        fprintf(stderr, "trivial-roundoff: a normaliser exceeds its bound\n");
                        exit(1);
                    }
                    if (worst_ratio > 0.0) {
                        double kk = kval(c, gammas[g], S, worst_ratio);
                        see(&ce->k, kk, f, S, A);
                        see(&k_gamma[c][g], kk, f, S, A);
                        see(&k_size[c][lg], kk, f, S, A);
                        see(&k_all, kk, f, S, A);
                    }
                    if (raw)
                        fprintf(raw, "%s\t%s\t%s\t%g\t%zu\t%zu\tx\t%.3e\tnorm\t%.3e\tsigma\t%.3e\trange\t%.3e\n",
                                starc_canon_kind_name(c), tk_names[tk], fam_names[f], gammas[g], S, A,
                                c == STARC_CANON_NONE ? NAN : xr, c == STARC_CANON_NONE ? NAN : nr, sg, rg);
                }
            }
            for (int c = 0; c < NC; c++)
                starc_canon_free(plan[c]);
            starc_mdp_free(m);
        }
    }
    free(T), free(R), free(C), free(mu0), free(phi);
}

static void print_worst(const worst *w)
{
    if (w->S == 0)
        printf("\t-\t");
    else
        printf("\t%.2e\t%s S=%zu A=%zu", w->v, fam_names[w->fam], w->S, w->A);
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--raw") && i + 1 < argc) {
            if (!(raw = fopen(argv[++i], "w"))) {
                perror(argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: trivial-roundoff [--quick] [--raw FILE]\n");
            return 2;
        }
    }
    starc_generate_rng *gen = NULL;
    gsl_rng *r = NULL;
    if (starc_generate_rng_alloc(20240601, &gen, NULL) || !(r = gsl_view_alloc(gen))) {
        fprintf(stderr, "trivial-roundoff: out of memory\n");
        return 1;
    }
    const size_t maxS = quick ? 64 : 1024;
    for (int tk = 0; tk < NTK; tk++)
        for (size_t S = 2; S <= maxS; S *= 2) {
            static const size_t As[] = {1, 2, 4};
            for (size_t ia = 0; ia < 3; ia++) {
                size_t A = As[ia];
                if (S >= 256 && A != 2)
                    continue;
                int trials = S <= 16 ? 8 : S <= 64 ? 4 : S <= 256 ? 2 : 1;
                run(r, tk, S, A, trials, S <= 512);
            }
        }
    const double K = STARC_DISTANCE_TRIVIAL_TOL_MARGIN;
    printf("# Round-off of the canonicalisations on exactly trivial rewards: worst over families,\n"
           "# S = 2..%zu, A and draws.  x = max|c(R)|/max|R|; range = range(c(R)) (1-gamma)/(2 max|R|)\n"
           "# (S <= 512); sigma = std(c(R))/max|R| (none: constants only); wl = weighted normalisers of\n"
           "# off-support rewards: max |c(R)| where T > 0 / max|R|.  k = worst ratio (1-gamma)^p/(S DBL_EPSILON),\n# p as in"
           " starc_distance_trivial_tol(): the rule calls a reward trivial iff k <= K = %g.\n", maxS, K);
    printf("canon\tdynamics\tgamma\tn\tx\twhere\trange\tsigma\twl\tk\twhere\tmargin K/k\n");
    for (int c = 0; c < NC; c++)
        for (int tk = 0; tk < NTK; tk++)
            for (size_t g = 0; g < NGAMMA; g++) {
                const cell *ce = &cells[c][tk][g];
                printf("%s\t%s\t%g\t%zu", starc_canon_kind_name(c), tk_names[tk], gammas[g], ce->count);
                print_worst(&ce->x);
                printf(ce->range.S ? "\t%.1e" : "\t-", ce->range.v);
                printf(ce->sigma.S ? "\t%.1e" : "\t-", ce->sigma.v);
                printf(ce->wl.S ? "\t%.1e" : "\t-", ce->wl.v);
                print_worst(&ce->k);
                printf(ce->k.S ? "\t%.0f\n" : "\t-\n", K / ce->k.v);
            }
    printf("\n# worst k per canonicalisation and gamma (flat in gamma: p is right)\ncanon");
    for (size_t g = 0; g < NGAMMA; g++)
        printf("\tgamma=%g", gammas[g]);
    printf("\n");
    for (int c = 0; c < NC; c++) {
        printf("%s", starc_canon_kind_name(c));
        for (size_t g = 0; g < NGAMMA; g++)
            printf("\t%.3f", k_gamma[c][g].v);
        printf("\n");
    }
    printf("\n# worst k per canonicalisation and S (all dynamics, gammas, A)\ncanon");
    for (int lg = 1; ((size_t)1 << lg) <= maxS; lg++)
        printf("\tS=%d", 1 << lg);
    printf("\n");
    for (int c = 0; c < NC; c++) {
        printf("%s", starc_canon_kind_name(c));
        for (int lg = 1; ((size_t)1 << lg) <= maxS; lg++)
            printf("\t%.3f", k_size[c][lg].v);
        printf("\n");
    }
    printf("\n# worst k overall: %.3f (%s, S=%zu, A=%zu); K = %g leaves a margin of %.1f\n", k_all.v,
           fam_names[k_all.fam], k_all.S, k_all.A, K, K / k_all.v);
    gsl_rng_free(r);
    starc_generate_rng_free(gen);
    if (raw && fclose(raw)) {
        perror("raw");
        return 1;
    }
    return 0;
}
