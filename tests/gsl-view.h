/* A gsl_rng view of the library's random number generator, for tests and
 * benchmarks that interleave their own GSL draws with the library's generators
 * (starc/generate.h) on one MT19937 stream.  Header only; needs GSL. */
#ifndef STARC_TESTS_GSL_VIEW_H
#define STARC_TESTS_GSL_VIEW_H

#include <gsl/gsl_rng.h>
#include <starc/generate.h>

static inline unsigned long gsl_view_get(void *state)
{
    /* gsl_rng_uniform() of MT19937 is get / 2^32: exact in a double */
    return (unsigned long)(starc_generate_rng_uniform(*(starc_generate_rng **)state) * 4294967296.0);
}

static inline double gsl_view_get_double(void *state)
{
    return starc_generate_rng_uniform(*(starc_generate_rng **)state);
}

static inline void gsl_view_set(void *state, unsigned long seed)
{
    (void)state, (void)seed; /* seeded by starc_generate_rng_alloc() */
}

/* A gsl_rng that draws from g (not owned: gsl_rng_free() leaves g alone), or
 * NULL when out of memory.  It has MT19937's range, so every GSL distribution
 * run on it consumes g's stream exactly as it consumes a gsl_rng_mt19937 given
 * the same seed: a test keeps the draws it made before the generator became
 * opaque. */
static inline gsl_rng *gsl_view_alloc(starc_generate_rng *g)
{
    static const gsl_rng_type type = {"starc_generate_rng", 0xffffffffUL, 0, sizeof(starc_generate_rng *),
                                      gsl_view_set, gsl_view_get, gsl_view_get_double};
    gsl_rng *r = gsl_rng_alloc(&type);
    if (r)
        *(starc_generate_rng **)r->state = g;
    return r;
}

/* The library generator a view made by gsl_view_alloc() draws from. */
static inline starc_generate_rng *gsl_view_source(const gsl_rng *r)
{
    return *(starc_generate_rng *const *)r->state;
}

#endif
