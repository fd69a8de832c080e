/* Random MDPs and rewards by the STARC study's protocol (docs/theory.md, Reference values), Dirichlet
 * MDPs and reward interpolation.  The order in which the generator is consumed is
 * part of the interface (starc/generate.h): keep it. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "error-internal.h"
#include "generate-internal.h"
#include "starc/generate.h"

struct starc_generate_rng {
    gsl_rng *g; /* GSL's mt19937 */
};

int starc_generate_rng_alloc(uint64_t seed, starc_generate_rng **out, starc_error *err)
{
    *out = NULL;
    starc_generate_rng *r = calloc(1, sizeof *r);
    if (!r || !(r->g = gsl_rng_alloc(gsl_rng_mt19937))) {
        free(r);
        return starci_error(err, STARC_ENOMEM, "out of memory allocating a random number generator");
    }
    starci_generate_rng_seed(r, seed);
    *out = r;
    return STARC_OK;
}

void starc_generate_rng_free(starc_generate_rng *rng)
{
    if (!rng)
        return;
    gsl_rng_free(rng->g);
    free(rng);
}

void starci_generate_rng_seed(starc_generate_rng *rng, uint64_t seed)
{
    gsl_rng_set(rng->g, (unsigned long)seed);
}

double starc_generate_rng_uniform(starc_generate_rng *rng)
{
    return gsl_rng_uniform(rng->g);
}

double starc_generate_rng_gaussian(starc_generate_rng *rng)
{
    return gsl_ran_gaussian(rng->g, 1.0);
}

size_t starc_generate_rng_uniform_int(starc_generate_rng *rng, size_t n)
{
    return (size_t)gsl_rng_uniform_int(rng->g, (unsigned long)n);
}

double starc_generate_transition_threshold(size_t S)
{
    return S < 50 ? 1.0 : S < 100 ? 1.5 : 1.8;
}

double starc_generate_sparsity_threshold(size_t S)
{
    return S < 50 ? 3.0 : S < 100 ? 3.5 : 3.8;
}

void starc_generate_mdp_options_default(starc_generate_mdp_options *o)
{
    o->gamma = 0.95;
    o->threshold = NAN;
    o->floor = -20.0;
}

static int check_dims(size_t S, size_t A, size_t *n, starc_error *err)
{
    if (S == 0 || A == 0)
        return starci_error(err, STARC_EDIM, "need at least one state and one action (got S=%zu, A=%zu)", S, A);
    if (!starci_mul3_ok(S, A, S, n) || *n > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "S*A*S overflows for S=%zu, A=%zu", S, A);
    return STARC_OK;
}

static int check_gamma(double gamma, starc_error *err)
{
    if (!isfinite(gamma) || gamma < 0.0 || gamma >= 1.0)
        return starci_error(err, STARC_EINVAL, "gamma = %.17g is outside [0, 1)", gamma);
    return STARC_OK;
}

int starc_generate_transitions(starc_generate_rng *rng, size_t S, size_t A, const starc_generate_mdp_options *o,
                               double *T, starc_error *err)
{
    starc_generate_mdp_options def;
    size_t n;
    int st;
    if (!o) {
        starc_generate_mdp_options_default(&def);
        o = &def;
    }
    if ((st = check_dims(S, A, &n, err)))
        return st;
    if (!rng || !T)
        return starci_error(err, STARC_EINVAL, "generator and output must not be NULL");
    double thr = isnan(o->threshold) ? starc_generate_transition_threshold(S) : o->threshold;
    if (!isfinite(thr) || !isfinite(o->floor))
        return starci_error(err, STARC_EINVAL, "threshold and floor must be finite");
    if (o->floor > thr)
        return starci_error(err, STARC_EINVAL, "floor %.17g is above the threshold %.17g", o->floor, thr);
    for (size_t row = 0; row < S * A; row++) {
        double *x = T + row * S;
        double xmax = -INFINITY;
        for (size_t t = 0; t < S; t++) {
            double v = gsl_ran_gaussian(rng->g, 1.0);
            x[t] = v <= thr ? o->floor : v;
            if (x[t] > xmax)
                xmax = x[t];
        }
        double sum = 0.0;
        for (size_t t = 0; t < S; t++)
            sum += (x[t] = exp(x[t] - xmax));
        for (size_t t = 0; t < S; t++)
            x[t] /= sum;
    }
    return STARC_OK;
}

/* Build the MDP from T with a uniform mu0; takes ownership of nothing. */
static int finish_mdp(size_t S, size_t A, const double *T, double gamma, starc_mdp **out, starc_error *err)
{
    double *mu0 = starci_dalloc(S);
    if (!mu0)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    int st = starc_mdp_alloc(S, A, T, mu0, gamma, NULL, out, err);
    free(mu0);
    return st;
}

int starc_generate_mdp(starc_generate_rng *rng, size_t S, size_t A, const starc_generate_mdp_options *o,
                       starc_mdp **out, starc_error *err)
{
    starc_generate_mdp_options def;
    size_t n;
    int st;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (!o) {
        starc_generate_mdp_options_default(&def);
        o = &def;
    }
    if ((st = check_dims(S, A, &n, err)) || (st = check_gamma(o->gamma, err)))
        return st;
    double *T = starci_dalloc(n);
    if (!T)
        return starci_error(err, STARC_ENOMEM, "out of memory for S=%zu, A=%zu", S, A);
    st = starc_generate_transitions(rng, S, A, o, T, err);
    if (!st)
        st = finish_mdp(S, A, T, o->gamma, out, err);
    free(T);
    return st;
}

int starc_generate_mdp_dirichlet(starc_generate_rng *rng, size_t S, size_t A, double gamma, double alpha,
                                 starc_mdp **out, starc_error *err)
{
    size_t n;
    int st;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if ((st = check_dims(S, A, &n, err)) || (st = check_gamma(gamma, err)))
        return st;
    if (!rng)
        return starci_error(err, STARC_EINVAL, "generator must not be NULL");
    if (!(alpha > 0.0) || !isfinite(alpha))
        return starci_error(err, STARC_EINVAL, "Dirichlet alpha = %.17g must be positive and finite", alpha);
    double *T = starci_dalloc(n), *al = starci_dalloc(S);
    if (!T || !al) {
        free(T);
        free(al);
        return starci_error(err, STARC_ENOMEM, "out of memory for S=%zu, A=%zu", S, A);
    }
    for (size_t t = 0; t < S; t++)
        al[t] = alpha;
    for (size_t row = 0; row < S * A; row++)
        gsl_ran_dirichlet(rng->g, S, al, T + row * S);
    st = finish_mdp(S, A, T, gamma, out, err);
    free(T);
    free(al);
    return st;
}

int starc_generate_mdp_successors(starc_generate_rng *rng, size_t S, size_t A, size_t K, double gamma, double alpha,
                                  starc_mdp **out, starc_error *err)
{
    size_t rows, nnz;
    int st;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (S == 0 || A == 0 || K == 0)
        return starci_error(err, STARC_EDIM, "need at least one state, action and successor (got S=%zu, A=%zu, K=%zu)",
                            S, A, K);
    if (K > S)
        return starci_error(err, STARC_EDIM, "%zu successors per state-action pair is more than the %zu states", K, S);
    if (!starci_mul_ok(S, A, &rows) || rows >= SIZE_MAX / sizeof(size_t) || !starci_mul_ok(rows, K, &nnz) ||
        nnz > SIZE_MAX / sizeof(double))
        return starci_error(err, STARC_EDIM, "S*A*K overflows for S=%zu, A=%zu, K=%zu", S, A, K);
    if ((st = check_gamma(gamma, err)))
        return st;
    if (!rng)
        return starci_error(err, STARC_EINVAL, "generator must not be NULL");
    if (!(alpha > 0.0) || !isfinite(alpha))
        return starci_error(err, STARC_EINVAL, "Dirichlet alpha = %.17g must be positive and finite", alpha);
    size_t *ip = malloc((rows + 1) * sizeof *ip), *ix = malloc(nnz * sizeof *ix);
    double *dt = starci_dalloc(nnz), *mu0 = starci_dalloc(S), *al = starci_dalloc(K);
    if (!ip || !ix || !dt || !mu0 || !al) {
        free(ip), free(ix), free(dt), free(mu0), free(al);
        return starci_error(err, STARC_ENOMEM, "out of memory for S=%zu, A=%zu, K=%zu", S, A, K);
    }
    for (size_t i = 0; i < K; i++)
        al[i] = alpha;
    for (size_t s = 0; s < S; s++)
        mu0[s] = 1.0 / (double)S;
    ip[0] = 0;
    for (size_t r = 0; r < rows; r++) {
        size_t *c = ix + r * K, n = 0;
        /* Floyd's algorithm, the row kept sorted by insertion (K is small). */
        for (size_t j = S - K; j < S; j++) {
            size_t t = (size_t)gsl_rng_uniform_int(rng->g, (unsigned long)(j + 1)), i = 0;
            while (i < n && c[i] < t)
                i++;
            if (i < n && c[i] == t) { /* taken: take j, the largest so far */
                t = j;
                i = n;
            }
            for (size_t q = n; q > i; q--)
                c[q] = c[q - 1];
            c[i] = t;
            n++;
        }
        gsl_ran_dirichlet(rng->g, K, al, dt + r * K);
        ip[r + 1] = (r + 1) * K;
    }
    free(al);
    starc_mdp_options o;
    starc_mdp_options_default(&o);
    st = starc_mdp_alloc_csr_adopt(S, A, nnz, ip, ix, dt, mu0, gamma, &o, out, err);
    if (st)
        free(ip), free(ix), free(dt), free(mu0);
    return st;
}

void starc_generate_reward_options_default(starc_generate_reward_options *o)
{
    o->p_sparse = 0.2;
    o->sparse_threshold = NAN;
    o->p_scale = 0.7;
    o->scale_max = 10.0;
    o->p_shift = 0.3;
    o->shift_max = 10.0;
    o->p_shape = 0.5;
    o->shape_max = 10.0;
}

static int prob_ok(double p)
{
    return p >= 0.0 && p <= 1.0;
}

int starc_generate_reward(starc_generate_rng *rng, const starc_mdp *m, const starc_generate_reward_options *o,
                          double *R, starc_generate_reward_info *info, starc_error *err)
{
    starc_generate_reward_options def;
    if (!o) {
        starc_generate_reward_options_default(&def);
        o = &def;
    }
    if (!rng || !m || !R)
        return starci_error(err, STARC_EINVAL, "generator, MDP and output must not be NULL");
    if (!prob_ok(o->p_sparse) || !prob_ok(o->p_scale) || !prob_ok(o->p_shift) || !prob_ok(o->p_shape))
        return starci_error(err, STARC_EINVAL, "reward protocol probabilities must be in [0, 1]");
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m), n = starc_mdp_reward_size(m);
    const size_t *ip = NULL, *ix = NULL;
    starc_mdp_csr(m, &ip, &ix, NULL); /* NULL for a dense MDP */
    const double gamma = starc_mdp_gamma(m);
    double thr = isnan(o->sparse_threshold) ? starc_generate_sparsity_threshold(S) : o->sparse_threshold;
    if (!isfinite(thr) || !isfinite(o->scale_max) || !isfinite(o->shift_max) || !isfinite(o->shape_max))
        return starci_error(err, STARC_EINVAL, "reward protocol thresholds and factors must be finite");
    starc_generate_reward_info inf = {0, 0, 0, 0, 1.0, 0.0, n};

    for (size_t k = 0; k < n; k++)
        R[k] = gsl_ran_gaussian(rng->g, 1.0);
    if (gsl_rng_uniform(rng->g) < o->p_sparse) {
        inf.sparse = 1;
        inf.nonzero = 0;
        for (size_t k = 0; k < n; k++) {
            if (R[k] > thr)
                inf.nonzero++;
            else
                R[k] = 0.0;
        }
    }
    if (gsl_rng_uniform(rng->g) < o->p_scale) {
        inf.scaled = 1;
        inf.scale = o->scale_max * gsl_rng_uniform(rng->g);
        for (size_t k = 0; k < n; k++)
            R[k] *= inf.scale;
    }
    if (gsl_rng_uniform(rng->g) < o->p_shift) {
        inf.shifted = 1;
        inf.shift = o->shift_max * gsl_rng_uniform(rng->g);
        for (size_t k = 0; k < n; k++)
            R[k] += inf.shift;
    }
    if (gsl_rng_uniform(rng->g) < o->p_shape) {
        double *phi = starci_dalloc(S);
        if (!phi)
            return starci_error(err, STARC_ENOMEM, "out of memory");
        inf.shaped = 1;
        for (size_t s = 0; s < S; s++)
            phi[s] = gsl_ran_gaussian(rng->g, 1.0);
        double a = o->shape_max * gsl_rng_uniform(rng->g);
        double b = gsl_rng_uniform(rng->g);
        for (size_t s = 0; s < S; s++)
            phi[s] = phi[s] * a + b;
        for (size_t s = 0; s < S; s++)
            for (size_t act = 0; act < A; act++) {
                if (ip) {
                    for (size_t k = ip[s * A + act]; k < ip[s * A + act + 1]; k++)
                        R[k] += gamma * phi[ix[k]] - phi[s];
                    continue;
                }
                double *row = R + (s * A + act) * S;
                for (size_t t = 0; t < S; t++)
                    row[t] += gamma * phi[t] - phi[s];
            }
        free(phi);
    }
    if (info)
        *info = inf;
    return STARC_OK;
}

void starc_generate_interpolate(size_t n, const double *R1, const double *R2, double t, double *out)
{
    for (size_t k = 0; k < n; k++)
        out[k] = R1[k] + t * (R2[k] - R1[k]);
}

int starc_generate_mdp_uniform(size_t S, size_t A, double gamma, starc_mdp **out, starc_error *err)
{
    size_t n;
    int st;
    if (!out)
        return starci_error(err, STARC_EINVAL, "output pointer is NULL");
    *out = NULL;
    if ((st = check_dims(S, A, &n, err)) || (st = check_gamma(gamma, err)))
        return st;
    double *T = starci_dalloc(n);
    if (!T)
        return starci_error(err, STARC_ENOMEM, "out of memory for S=%zu, A=%zu", S, A);
    for (size_t i = 0; i < n; i++)
        T[i] = 1.0 / (double)S;
    st = finish_mdp(S, A, T, gamma, out, err);
    free(T);
    return st;
}
