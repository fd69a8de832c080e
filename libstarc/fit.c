/* Fitting overoptimisation curves (starc/fit.h; docs/theory.md section 7).  This is libstarc's one
 * fitting code path: overopt.c's starc_overopt_gao_fit_points() and `starc overopt` call it. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "error-internal.h"
#include "starc/fit.h"

/* ================================================================ names */

static const char *const form_names[STARC_FIT_FORM_COUNT] = {"bon", "rl", "log1p", "power"};
static const char *const center_names[STARC_FIT_CENTER_COUNT] = {"none", "origin", "intercept", "auto"};
static const char *const scaling_names[STARC_FIT_SCALING_KIND_COUNT] = {"separate", "joint"};

/* The index of name in names[0..n-1]; else STARC_EINVAL naming what and listing the names. */
static int parse_name(const char *name, const char *const *names, int n, const char *what, int *out,
                      starc_error *err)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = i;
            return STARC_OK;
        }
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, names[i]);
    }
    return starci_error(err, STARC_EINVAL, "'%s' is not a %s (%s)", name ? name : "(null)", what, list);
}

const char *starc_fit_form_name(starc_fit_form form)
{
    return (unsigned)form < STARC_FIT_FORM_COUNT ? form_names[form] : NULL;
}

int starc_fit_form_parse(const char *name, starc_fit_form *out, starc_error *err)
{
    int i;
    int st = parse_name(name, form_names, STARC_FIT_FORM_COUNT, "fit form", &i, err);
    if (!st)
        *out = (starc_fit_form)i;
    return st;
}

const char *starc_fit_center_name(starc_fit_center center)
{
    return (unsigned)center < STARC_FIT_CENTER_COUNT ? center_names[center] : NULL;
}

int starc_fit_center_parse(const char *name, starc_fit_center *out, starc_error *err)
{
    int i;
    int st = parse_name(name, center_names, STARC_FIT_CENTER_COUNT, "fit centring", &i, err);
    if (!st)
        *out = (starc_fit_center)i;
    return st;
}

const char *starc_fit_scaling_kind_name(starc_fit_scaling_kind kind)
{
    return (unsigned)kind < STARC_FIT_SCALING_KIND_COUNT ? scaling_names[kind] : NULL;
}

int starc_fit_scaling_kind_parse(const char *name, starc_fit_scaling_kind *out, starc_error *err)
{
    int i;
    int st = parse_name(name, scaling_names, STARC_FIT_SCALING_KIND_COUNT, "scaling kind", &i, err);
    if (!st)
        *out = (starc_fit_scaling_kind)i;
    return st;
}

void starc_fit_options_default(starc_fit_options *o)
{
    o->center = STARC_FIT_CENTER_NONE;
    o->skip_nonfinite = 0;
    o->bootstrap = 1000;
    o->seed = 1;
    o->level = 0.95;
    o->collinear_tol = 1e-12;
    o->tol = 1e-10;
    o->gtol = 1e-12;
    o->max_iter = 200;
    o->peak_tol = 1e-13;
    o->cutoff_kl = 0.0;
    o->tie_tol = 0.0;
}

static int check_options(const starc_fit_options *o, starc_error *err)
{
    if ((unsigned)o->center > STARC_FIT_CENTER_AUTO)
        return starci_error(err, STARC_EINVAL, "unknown centring %d", (int)o->center);
    if (!(o->level > 0.0 && o->level < 1.0))
        return starci_error(err, STARC_EINVAL, "confidence level %g is not in (0, 1)", o->level);
    if (!(o->collinear_tol >= 0.0 && o->collinear_tol < 1.0))
        return starci_error(err, STARC_EINVAL, "collinearity tolerance %g is not in [0, 1)", o->collinear_tol);
    if (!(o->tol > 0.0) || !(o->gtol > 0.0) || !(o->peak_tol > 0.0) || !isfinite(o->tol) || !isfinite(o->gtol))
        return starci_error(err, STARC_EINVAL, "tolerances must be finite and > 0");
    if (o->max_iter == 0)
        return starci_error(err, STARC_EINVAL, "max_iter must be >= 1");
    if (!(o->cutoff_kl >= 0.0) || !isfinite(o->cutoff_kl))
        return starci_error(err, STARC_EINVAL, "KL cutoff %g is not a finite value >= 0", o->cutoff_kl);
    if (!(o->tie_tol >= 0.0) || !isfinite(o->tie_tol))
        return starci_error(err, STARC_EINVAL, "tie tolerance %g is not a finite value >= 0", o->tie_tol);
    return STARC_OK;
}

/* ====================================================== forms and peaks */

/* R(d) = alpha d - beta x(d): the second design column (before its sign). */
static double form_x2(starc_fit_form form, double g, double d)
{
    switch (form) {
    case STARC_FIT_BON: return d * d;
    case STARC_FIT_RL: return d > 0.0 ? d * log(d) : 0.0;
    case STARC_FIT_LOG1P: return d * log1p(d);
    default: return d > 0.0 ? pow(d, 1.0 + g) : 0.0;
    }
}

double starc_fit_eval(starc_fit_form form, double alpha, double beta, double g, double d)
{
    if (!(d >= 0.0))
        return NAN;
    switch (form) {
    case STARC_FIT_BON: return d * (alpha - beta * d);
    case STARC_FIT_RL: return d == 0.0 ? 0.0 : d * (alpha - beta * log(d));
    case STARC_FIT_LOG1P: return d * (alpha - beta * log1p(d));
    case STARC_FIT_POWER: return d == 0.0 ? 0.0 : d * (alpha - beta * pow(d, g));
    default: return NAN;
    }
}

/* Root of h(d) = log(1+d) + d/(1+d) = t > 0 (h increases from 0 to infinity): bracket, then
 * Newton steps kept inside the bracket (bisection when a step leaves it). */
static int log1p_peak(double t, const starc_fit_options *o, double *root)
{
    double lo = 0.0, hi = 1.0;
    size_t it = 0;
    while (log1p(hi) + hi / (1.0 + hi) < t) {
        lo = hi;
        hi *= 2.0;
        if (++it > o->max_iter || !isfinite(hi))
            return STARC_ENOCONV;
    }
    double x = 0.5 * (lo + hi);
    for (it = 0; it < o->max_iter; it++) {
        double h = log1p(x) + x / (1.0 + x) - t;
        if (h > 0.0)
            hi = x;
        else
            lo = x;
        double dh = 1.0 / (1.0 + x) + 1.0 / ((1.0 + x) * (1.0 + x));
        double xn = x - h / dh;
        if (!(xn > lo && xn < hi))
            xn = 0.5 * (lo + hi);
        if (fabs(xn - x) <= o->peak_tol * xn || hi - lo <= o->peak_tol * hi) {
            *root = xn;
            return STARC_OK;
        }
        x = xn;
    }
    return STARC_ENOCONV;
}

int starc_fit_peak(starc_fit_form form, double alpha, double beta, double g, const starc_fit_options *o,
                   double *peak_d, double *peak_value, starc_error *err)
{
    starc_fit_options def;
    if (!o) {
        starc_fit_options_default(&def);
        o = &def;
    }
    *peak_d = *peak_value = NAN;
    if ((unsigned)form >= STARC_FIT_FORM_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown form %d", (int)form);
    if (form == STARC_FIT_POWER && !(g > 0.0))
        return starci_error(err, STARC_EINVAL, "power form exponent g = %g is not > 0", g);
    if (!(beta > 0.0))
        return STARC_OK;
    double pd;
    switch (form) {
    case STARC_FIT_BON: pd = fmax(0.0, alpha / (2.0 * beta)); break;
    case STARC_FIT_RL: pd = exp(alpha / beta - 1.0); break;
    case STARC_FIT_POWER: pd = alpha > 0.0 ? pow(alpha / (beta * (1.0 + g)), 1.0 / g) : 0.0; break;
    default:
        pd = 0.0;
        if (alpha > 0.0 && log1p_peak(alpha / beta, o, &pd) != STARC_OK)
            return starci_error(err, STARC_ENOCONV, "log1p peak: no root of log(1+d) + d/(1+d) = %g within %zu steps",
                                alpha / beta, o->max_iter);
    }
    *peak_d = pd;
    *peak_value = isnan(pd) ? NAN : starc_fit_eval(form, alpha, beta, g, pd);
    return STARC_OK;
}

/* ====================================================== linear least squares */

/* Unscaled covariance (X^T X)^-1 of an n x p row-major design, and the dependence test of
 * starc_fit_options.collinear_tol.  For p = 2 the test is the determinant condition
 * s11 s22 - s12^2 <= tol s11 s22 written exactly so. */
static int design_check(size_t n, size_t p, const double *X, double tol, double *covu)
{
    double S[16] = {0};
    if (p > 4 && !covu)
        return STARC_EINVAL;
    double *G = p <= 4 ? S : malloc(p * p * sizeof(double));
    if (!G)
        return STARC_ENOMEM;
    memset(G, 0, p * p * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b <= a; b++)
                G[a * p + b] += X[i * p + a] * X[i * p + b];
    int dep = n < p;
    for (size_t a = 0; a < p; a++)
        dep |= !(G[a * p + a] > 0.0);
    if (!dep && p == 2) {
        double s11 = G[0], s12 = G[2], s22 = G[3];
        dep = s11 * s22 - s12 * s12 <= tol * s11 * s22;
    }
    int st = STARC_OK;
    if (!dep) {
        double *sc = malloc(p * sizeof(double));
        if (!sc) {
            if (G != S)
                free(G);
            return STARC_ENOMEM;
        }
        for (size_t a = 0; a < p; a++)
            sc[a] = sqrt(G[a * p + a]);
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b <= a; b++)
                G[a * p + b] = G[b * p + a] = G[a * p + b] / (sc[a] * sc[b]);
        gsl_matrix_view Gv = gsl_matrix_view_array(G, p, p);
        if (gsl_linalg_cholesky_decomp1(&Gv.matrix) != GSL_SUCCESS) {
            dep = 1;
        } else {
            double det = 1.0;
            for (size_t a = 0; a < p; a++)
                det *= G[a * p + a] * G[a * p + a];
            if (p != 2 && det <= tol)
                dep = 1;
            if (!dep && covu) {
                gsl_linalg_cholesky_invert(&Gv.matrix);
                for (size_t a = 0; a < p; a++)
                    for (size_t b = 0; b < p; b++)
                        covu[a * p + b] = G[a * p + b] / (sc[a] * sc[b]);
            }
        }
        free(sc);
    }
    if (G != S)
        free(G);
    return dep ? STARC_EUNDEF : st;
}

/* y ~ X c by GSL's SVD least squares (the design already checked). */
static int lsq_solve(size_t n, size_t p, const double *X, const double *y, gsl_multifit_linear_workspace *w,
                     gsl_vector *c, gsl_matrix *cov)
{
    gsl_matrix_const_view Xv = gsl_matrix_const_view_array(X, n, p);
    gsl_vector_const_view yv = gsl_vector_const_view_array(y, n);
    double chisq = 0.0;
    int gst = gsl_multifit_linear(&Xv.matrix, &yv.vector, c, cov, &chisq, w);
    return gst == GSL_SUCCESS ? STARC_OK : STARC_ELAPACK;
}

/* ========================================================= the fitter */

/* Parameters of one fit: alpha, beta, g, offset. */
typedef struct fit_par {
    double alpha, beta, g, offset;
    size_t iter;
} fit_par;

/* A fixed design (the points' d) with everything the repeated solves of the bootstrap share. */
typedef struct fitter {
    starc_fit_form form;
    starc_fit_center center; /* resolved */
    const starc_fit_options *o;
    size_t n, n0;            /* points, points at d = 0 */
    size_t p;                /* columns of the linear design / parameters of the nonlinear fit */
    size_t nparam;           /* p, + 1 for the origin mean */
    const double *d;
    double *X;               /* n x p linear design: d, -x2(d) [, 1] */
    double *covu;            /* p x p unscaled covariance at the estimate */
    double *yc;              /* n: y after subtracting the origin mean */
    gsl_multifit_linear_workspace *lw;
    gsl_vector *c;
    gsl_matrix *cov;
    int svd_ready;           /* lw holds the SVD of X: solves reuse it (the bootstrap's replicates) */
    /* power form */
    gsl_multifit_nlinear_workspace *nw;
    gsl_multifit_nlinear_fdf fdf;
    const double *ycur;      /* the y the nonlinear residuals use */
} fitter;

static void fitter_free(fitter *f)
{
    free(f->X);
    free(f->covu);
    free(f->yc);
    if (f->lw)
        gsl_multifit_linear_free(f->lw);
    if (f->c)
        gsl_vector_free(f->c);
    if (f->cov)
        gsl_matrix_free(f->cov);
    if (f->nw)
        gsl_multifit_nlinear_free(f->nw);
    memset(f, 0, sizeof *f);
}

/* Power form residuals f_i = [c] + alpha d - beta d^(1+g) - y and their Jacobian. */
static int power_f(const gsl_vector *x, void *params, gsl_vector *fv)
{
    const fitter *f = params;
    double a = gsl_vector_get(x, 0), b = gsl_vector_get(x, 1), g = gsl_vector_get(x, 2);
    double c = f->p == 4 ? gsl_vector_get(x, 3) : 0.0;
    for (size_t i = 0; i < f->n; i++) {
        double d = f->d[i], t = d > 0.0 ? pow(d, 1.0 + g) : 0.0;
        gsl_vector_set(fv, i, c + a * d - b * t - f->ycur[i]);
    }
    return GSL_SUCCESS;
}

static int power_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
    const fitter *f = params;
    double b = gsl_vector_get(x, 1), g = gsl_vector_get(x, 2);
    for (size_t i = 0; i < f->n; i++) {
        double d = f->d[i], t = d > 0.0 ? pow(d, 1.0 + g) : 0.0;
        gsl_matrix_set(J, i, 0, d);
        gsl_matrix_set(J, i, 1, -t);
        gsl_matrix_set(J, i, 2, d > 0.0 ? -b * t * log(d) : 0.0);
        if (f->p == 4)
            gsl_matrix_set(J, i, 3, 1.0);
    }
    return GSL_SUCCESS;
}

static void fill_design(starc_fit_form form, double g, size_t n, const double *d, size_t p, double *X)
{
    for (size_t i = 0; i < n; i++) {
        X[i * p] = d[i];
        X[i * p + 1] = -form_x2(form, g, d[i]);
        if (p == 3)
            X[i * p + 2] = 1.0;
    }
}

static const char *dep_message(starc_fit_form form)
{
    switch (form) {
    case STARC_FIT_BON: return "at least two distinct d > 0";
    case STARC_FIT_RL: return "at least two distinct d > 0, not all 1";
    default: return "at least two distinct d > 0";
    }
}

/* Set up the design for the points d (n of them, already validated) and the resolved centring. */
static int fitter_init(fitter *f, starc_fit_form form, starc_fit_center center, size_t n, const double *d,
                       const starc_fit_options *o, starc_error *err)
{
    memset(f, 0, sizeof *f);
    f->form = form;
    f->o = o;
    f->n = n;
    f->d = d;
    for (size_t i = 0; i < n; i++)
        f->n0 += d[i] == 0.0;
    if (center == STARC_FIT_CENTER_AUTO)
        center = f->n0 > 0 ? STARC_FIT_CENTER_ORIGIN : STARC_FIT_CENTER_INTERCEPT;
    if (center == STARC_FIT_CENTER_ORIGIN && f->n0 == 0)
        return starci_error(err, STARC_EINVAL, "centring 'origin' needs a point at KL = 0 (the initial policy)");
    f->center = center;
    const int icpt = center == STARC_FIT_CENTER_INTERCEPT;
    f->p = (form == STARC_FIT_POWER ? 3 : 2) + (size_t)icpt;
    f->nparam = f->p + (center == STARC_FIT_CENTER_ORIGIN);
    const size_t pl = 2 + (size_t)icpt; /* linear design columns (power: at a fixed exponent) */
    size_t np;
    if (!starci_mul_ok(n, pl, &np))
        return starci_error(err, STARC_EDIM, "too many points");
    f->X = starci_dalloc(np ? np : 1);
    f->covu = starci_dalloc(f->p * f->p);
    f->yc = starci_dalloc(n ? n : 1);
    if (!f->X || !f->covu || !f->yc) {
        fitter_free(f);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    if (n < f->p) {
        fitter_free(f);
        return starci_error(err, STARC_EUNDEF, "%s fit of %zu coefficients needs %s (got %zu points)",
                            form_names[form], f->p, dep_message(form), n);
    }
    f->lw = gsl_multifit_linear_alloc(n, pl);
    f->c = gsl_vector_alloc(pl);
    f->cov = gsl_matrix_alloc(pl, pl);
    if (!f->lw || !f->c || !f->cov) {
        fitter_free(f);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    if (form != STARC_FIT_POWER) {
        fill_design(form, 0.0, n, d, pl, f->X);
        int st = design_check(n, pl, f->X, o->collinear_tol, f->covu);
        if (st) {
            fitter_free(f);
            if (st == STARC_ENOMEM)
                return starci_error(err, st, "out of memory");
            return starci_error(err, STARC_EUNDEF, "%s fit needs two linearly independent columns (%s%s)",
                                form_names[form], dep_message(form), icpt ? ", and not all equal" : "");
        }
        return STARC_OK;
    }
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    f->nw = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, f->p);
    if (!f->nw) {
        fitter_free(f);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    f->fdf.f = power_f;
    f->fdf.df = power_df;
    f->fdf.fvv = NULL;
    f->fdf.n = n;
    f->fdf.p = f->p;
    f->fdf.params = f;
    return STARC_OK;
}

/* Exponents tried to start the power form's Levenberg-Marquardt iterations. */
static const double power_grid[] = {0.25, 0.5, 1.0, 1.5, 2.0, 3.0};

/* Fit y (n values) on the fitter's design; start (power form) is the initial (alpha, beta, g,
 * offset) or NULL for the grid.  want_cov: fill f->covu at the solution (power form). */
/* Centring at the origin: *off the mean of the points at d = 0, f->yc = y - off
 * (returned). */
static const double *center_origin(fitter *f, const double *y, double *off)
{
    double s = 0.0;
    for (size_t i = 0; i < f->n; i++)
        if (f->d[i] == 0.0)
            s += y[i];
    *off = s / (double)f->n0;
    for (size_t i = 0; i < f->n; i++)
        f->yc[i] = y[i] - *off;
    return f->yc;
}

static int fitter_solve(fitter *f, const double *y, const fit_par *start, int want_cov, fit_par *out,
                        starc_error *err)
{
    const size_t n = f->n;
    const int icpt = f->center == STARC_FIT_CENTER_INTERCEPT;
    const size_t pl = 2 + (size_t)icpt;
    double off = 0.0;
    if (f->center == STARC_FIT_CENTER_ORIGIN)
        y = center_origin(f, y, &off);
    out->iter = 0;
    if (f->form != STARC_FIT_POWER) {
        if (f->svd_ready) {
            gsl_matrix_const_view Xv = gsl_matrix_const_view_array(f->X, n, pl);
            gsl_vector_const_view yv = gsl_vector_const_view_array(y, n);
            double rnorm, snorm;
            if (gsl_multifit_linear_solve(0.0, &Xv.matrix, &yv.vector, f->c, &rnorm, &snorm, f->lw) != GSL_SUCCESS)
                return starci_error(err, STARC_ELAPACK, "gsl_multifit_linear_solve failed");
        } else if (lsq_solve(n, pl, f->X, y, f->lw, f->c, f->cov)) {
            return starci_error(err, STARC_ELAPACK, "gsl_multifit_linear failed");
        }
        out->alpha = gsl_vector_get(f->c, 0);
        out->beta = gsl_vector_get(f->c, 1);
        out->g = NAN;
        out->offset = icpt ? gsl_vector_get(f->c, 2) : off;
        return STARC_OK;
    }
    double x0[4];
    if (start) {
        x0[0] = start->alpha, x0[1] = start->beta, x0[2] = start->g, x0[3] = start->offset;
    } else {
        double best = INFINITY;
        for (size_t k = 0; k < sizeof power_grid / sizeof power_grid[0]; k++) {
            fill_design(f->form, power_grid[k], n, f->d, pl, f->X);
            if (design_check(n, pl, f->X, f->o->collinear_tol, NULL) != STARC_OK ||
                lsq_solve(n, pl, f->X, y, f->lw, f->c, f->cov) != STARC_OK)
                continue;
            double a = gsl_vector_get(f->c, 0), b = gsl_vector_get(f->c, 1), c = icpt ? gsl_vector_get(f->c, 2) : 0.0;
            double rss = 0.0;
            for (size_t i = 0; i < n; i++) {
                double r = y[i] - c - starc_fit_eval(STARC_FIT_POWER, a, b, power_grid[k], f->d[i]);
                rss += r * r;
            }
            if (rss < best) {
                best = rss;
                x0[0] = a, x0[1] = b, x0[2] = power_grid[k], x0[3] = c;
            }
        }
        if (!isfinite(best))
            return starci_error(err, STARC_EUNDEF, "power fit needs at least three distinct d > 0");
    }
    f->ycur = y;
    gsl_vector_view xv = gsl_vector_view_array(x0, f->p);
    if (gsl_multifit_nlinear_init(&xv.vector, &f->fdf, f->nw) != GSL_SUCCESS)
        return starci_error(err, STARC_ENOCONV, "power fit: the starting point is not finite");
    int info = 0;
    int gst = gsl_multifit_nlinear_driver(f->o->max_iter, f->o->tol, f->o->gtol, 0.0, NULL, NULL, &info, f->nw);
    const gsl_vector *x = gsl_multifit_nlinear_position(f->nw);
    out->iter = gsl_multifit_nlinear_niter(f->nw);
    if (gst == GSL_ENOPROG) {
        /* No step lowers the cost: accepted only for an exact fit (every residual within tol of
         * the data's scale), where the step and gradient tests cannot be met in floating point. */
        const gsl_vector *r = gsl_multifit_nlinear_residual(f->nw);
        double ymax = 0.0, rn = 0.0;
        for (size_t i = 0; i < n; i++) {
            ymax = fmax(ymax, fabs(y[i]));
            rn = fmax(rn, fabs(gsl_vector_get(r, i)));
        }
        if (rn <= f->o->tol * ymax)
            gst = GSL_SUCCESS;
    }
    if (gst != GSL_SUCCESS)
        return starci_error(err, STARC_ENOCONV, "power fit did not converge in %zu iterations (xtol %g, gtol %g; GSL: %s)",
                            out->iter, f->o->tol, f->o->gtol, gsl_strerror(gst));
    out->alpha = gsl_vector_get(x, 0);
    out->beta = gsl_vector_get(x, 1);
    out->g = gsl_vector_get(x, 2);
    out->offset = icpt ? gsl_vector_get(x, 3) : off;
    if (!(out->g > 0.0) || !isfinite(out->alpha) || !isfinite(out->beta) || !isfinite(out->g))
        return starci_error(err, STARC_EUNDEF, "power fit: exponent g = %g is not > 0 (the data do not bend like d^g)",
                            out->g);
    if (want_cov) {
        gsl_matrix_view C = gsl_matrix_view_array(f->covu, f->p, f->p);
        gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(f->nw), 0.0, &C.matrix);
    }
    return STARC_OK;
}

/* ============================================================ statistics */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Percentile q in [0, 1] of sorted v (m values; +inf allowed), linear interpolation. */
static double quantile_sorted(const double *v, size_t m, double q)
{
    if (m == 0)
        return NAN;
    double h = q * (double)(m - 1);
    size_t i = (size_t)floor(h);
    if (i >= m - 1)
        return v[m - 1];
    double fr = h - (double)i;
    if (fr == 0.0 || v[i] == v[i + 1])
        return v[i];
    if (isinf(v[i + 1]))
        return v[i + 1];
    return v[i] + fr * (v[i + 1] - v[i]);
}

/* Expanded percentile interval (Hesterberg 2015): percentile intervals are too narrow by the
 * ratio of the t quantile on nu degrees of freedom to the normal one (and, when what is resampled
 * was not inflated, by sqrt((nu+1)/nu): infl), so the replicates' quantiles are taken at
 * Phi(-infl t_nu((1 + level)/2)) and its complement instead of (1 -+ level)/2. */
static void interval(double *v, size_t m, double level, double nu, double infl, starc_fit_ci *ci)
{
    qsort(v, m, sizeof *v, cmp_double);
    double q = 0.5 * (1.0 - level);
    if (nu > 0.0)
        q = gsl_cdf_ugaussian_P(-infl * gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), nu));
    ci->lo = quantile_sorted(v, m, q);
    ci->hi = quantile_sorted(v, m, 1.0 - q);
}

static void ci_nan(starc_fit_ci *ci)
{
    ci->se = ci->lo = ci->hi = NAN;
}

/* Standard errors: s^2 times the unscaled covariance; with origin centring the offset (a mean of
 * n0 points) adds s^2 v v^T / n0 with v = (X^T X)^-1 X^T 1, and has variance s^2 / n0. */
static void standard_errors(const fitter *f, double sigma, starc_fit_result *res)
{
    const size_t p = f->p;
    double var[4] = {0};
    for (size_t a = 0; a < p; a++)
        var[a] = f->covu[a * p + a];
    if (f->center == STARC_FIT_CENTER_ORIGIN) {
        /* X^T 1 over the design columns at the estimate (the Jacobian for the power form). */
        double xt1[4] = {0}, v[4] = {0};
        for (size_t i = 0; i < f->n; i++) {
            double d = f->d[i];
            xt1[0] += d;
            xt1[1] -= form_x2(f->form, res->g, d);
            if (p == 3)
                xt1[2] -= d > 0.0 ? res->beta * pow(d, 1.0 + res->g) * log(d) : 0.0;
        }
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++)
                v[a] += f->covu[a * p + b] * xt1[b];
        for (size_t a = 0; a < p; a++)
            var[a] += v[a] * v[a] / (double)f->n0;
    }
    double ok = f->n > f->nparam ? 1.0 : NAN;
    res->alpha_ci.se = ok * sigma * sqrt(var[0]);
    res->beta_ci.se = ok * sigma * sqrt(var[1]);
    if (f->form == STARC_FIT_POWER)
        res->g_ci.se = ok * sigma * sqrt(var[2]);
    if (f->center == STARC_FIT_CENTER_INTERCEPT)
        res->offset_ci.se = ok * sigma * sqrt(var[p - 1]);
    else if (f->center == STARC_FIT_CENTER_ORIGIN)
        res->offset_ci.se = ok * sigma / sqrt((double)f->n0);
}

/* Residual bootstrap (see starc_fit_points()): fills the intervals of res. */
static int bootstrap(fitter *f, const double *y, const fit_par *est, starc_fit_result *res, starc_error *err)
{
    const starc_fit_options *o = f->o;
    const size_t n = f->n, B = o->bootstrap;
    enum { NQ = 7 };
    double *yfit = starci_dalloc(n), *e = starci_dalloc(n), *ys = starci_dalloc(n);
    double *rep = NULL;
    size_t nrep;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int st = STARC_OK;
    if (!starci_mul_ok(B, NQ, &nrep) || !yfit || !e || !ys || !r || !(rep = starci_dalloc(nrep))) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    gsl_rng_set(r, (unsigned long)o->seed);
    double ebar = 0.0;
    for (size_t i = 0; i < n; i++) {
        yfit[i] = est->offset + starc_fit_eval(f->form, est->alpha, est->beta, est->g, f->d[i]);
        e[i] = y[i] - yfit[i];
        ebar += e[i];
    }
    ebar /= (double)n;
    const double infl = sqrt((double)n / (double)(n - f->nparam));
    for (size_t i = 0; i < n; i++)
        e[i] = (e[i] - ebar) * infl;
    /* Linear forms: the design is the same in every replicate, so it is decomposed once (GSL's
     * balanced SVD, as gsl_multifit_linear does) and every replicate is one back-substitution. */
    if (f->form != STARC_FIT_POWER) {
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(f->X, n, f->p);
        if (gsl_multifit_linear_bsvd(&Xv.matrix, f->lw) != GSL_SUCCESS) {
            st = starci_error(err, STARC_ELAPACK, "gsl_multifit_linear_bsvd failed");
            goto done;
        }
        f->svd_ready = 1;
    }
    size_t ok = 0, failed = 0;
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < n; i++)
            ys[i] = yfit[i] + e[gsl_rng_uniform_int(r, n)];
        fit_par q;
        double pd, pv;
        if (fitter_solve(f, ys, est, 0, &q, NULL) != STARC_OK ||
            starc_fit_peak(f->form, q.alpha, q.beta, q.g, o, &pd, &pv, NULL) != STARC_OK) {
            failed++;
            continue;
        }
        if (isnan(pd))
            pd = pv = INFINITY; /* no finite maximum: the peak lies beyond every d */
        double v[NQ] = {q.alpha, q.beta, q.g, q.offset, pd, pd * pd, pv};
        for (int k = 0; k < NQ; k++)
            rep[(size_t)k * B + ok] = v[k];
        ok++;
    }
    res->boot = ok;
    res->boot_failed = failed;
    if (ok > 0) {
        starc_fit_ci *ci[NQ] = {&res->alpha_ci, &res->beta_ci, &res->g_ci, &res->offset_ci, &res->peak_d_ci,
                                &res->peak_kl_ci, &res->peak_value_ci};
        for (int k = 0; k < NQ; k++) {
            if (k == 2 && f->form != STARC_FIT_POWER)
                continue;
            if (k == 3 && f->center == STARC_FIT_CENTER_NONE)
                continue;
            interval(rep + (size_t)k * B, ok, o->level, (double)(n - f->nparam), 1.0, ci[k]);
        }
    }
done:
    free(yfit), free(e), free(ys), free(rep);
    if (r)
        gsl_rng_free(r);
    return st;
}

/* Copy the usable points: validate, and leave out non-finite ones when asked. */
static int select_points(size_t n, const double *d, const double *y, const starc_fit_options *o, double **dd,
                         double **yy, size_t *m, size_t *skipped, unsigned char *keep, starc_error *err)
{
    *dd = starci_dalloc(n ? n : 1);
    *yy = starci_dalloc(n ? n : 1);
    if (!*dd || !*yy) {
        free(*dd), free(*yy);
        *dd = *yy = NULL;
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    size_t k = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(d[i]) && d[i] < 0.0) {
            free(*dd), free(*yy);
            *dd = *yy = NULL;
            return starci_error(err, STARC_EINVAL, "point %zu: d = %g is negative", i, d[i]);
        }
        if (!isfinite(d[i]) || !isfinite(y[i])) {
            if (!o->skip_nonfinite) {
                free(*dd), free(*yy);
                *dd = *yy = NULL;
                return starci_error(err, STARC_EINVAL, "point %zu: %s = %g is not finite", i,
                                    isfinite(d[i]) ? "y" : "d", isfinite(d[i]) ? y[i] : d[i]);
            }
            s++;
            if (keep)
                keep[i] = 0;
            continue;
        }
        if (keep)
            keep[i] = 1;
        (*dd)[k] = d[i];
        (*yy)[k] = y[i];
        k++;
    }
    *m = k;
    *skipped = s;
    return STARC_OK;
}

/* Fit the selected points (no validation); fills everything but the intervals unless bootstrap. */
static int fit_selected(starc_fit_form form, size_t n, const double *d, const double *y, const starc_fit_options *o,
                        int do_boot, starc_fit_result *res, double *resid_sel, starc_error *err)
{
    fitter f;
    int st = fitter_init(&f, form, o->center, n, d, o, err);
    if (st)
        return st;
    fit_par est;
    if ((st = fitter_solve(&f, y, NULL, 1, &est, err))) {
        fitter_free(&f);
        return st;
    }
    res->form = form;
    res->center = f.center;
    res->n = n;
    res->nparam = f.nparam;
    res->alpha = est.alpha;
    res->beta = est.beta;
    res->g = est.g;
    res->offset = est.offset;
    res->iterations = est.iter;
    /* Residuals recomputed directly rather than trusting chisq's rounding. */
    double mean = 0.0, rss = 0.0, tss = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - est.offset - starc_fit_eval(form, est.alpha, est.beta, est.g, d[i]);
        if (resid_sel)
            resid_sel[i] = r;
        rss += r * r;
        tss += (y[i] - mean) * (y[i] - mean);
    }
    res->rss = rss;
    res->r2 = tss > 0.0 ? 1.0 - rss / tss : (rss == 0.0 ? 1.0 : NAN);
    res->sigma = n > f.nparam ? sqrt(rss / (double)(n - f.nparam)) : NAN;
    if ((st = starc_fit_peak(form, est.alpha, est.beta, est.g, o, &res->peak_d, &res->peak_value, err))) {
        fitter_free(&f);
        return st;
    }
    res->peak_kl = res->peak_d * res->peak_d;
    ci_nan(&res->alpha_ci), ci_nan(&res->beta_ci), ci_nan(&res->g_ci), ci_nan(&res->offset_ci);
    ci_nan(&res->peak_d_ci), ci_nan(&res->peak_kl_ci), ci_nan(&res->peak_value_ci);
    res->boot = res->boot_failed = 0;
    standard_errors(&f, res->sigma, res);
    if (do_boot && o->bootstrap > 0 && n > f.nparam)
        st = bootstrap(&f, y, &est, res, err);
    fitter_free(&f);
    return st;
}

int starc_fit_points(starc_fit_form form, size_t n, const double *d, const double *y,
                     const starc_fit_options *opt, starc_fit_result *res, double *resid, starc_error *err)
{
    starc_fit_options def;
    if (!opt) {
        starc_fit_options_default(&def);
        opt = &def;
    }
    if ((unsigned)form >= STARC_FIT_FORM_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown form %d", (int)form);
    int st = check_options(opt, err);
    if (st)
        return st;
    double *dd, *yy, *rs = NULL;
    size_t m, skipped;
    unsigned char *keep = resid ? malloc(n ? n : 1) : NULL;
    if (resid && !keep)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    if ((st = select_points(n, d, y, opt, &dd, &yy, &m, &skipped, keep, err))) {
        free(keep);
        return st;
    }
    if (resid && !(rs = starci_dalloc(m ? m : 1))) {
        free(keep), free(dd), free(yy);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    st = fit_selected(form, m, dd, yy, opt, 1, res, rs, err);
    if (!st) {
        res->skipped = skipped;
        if (resid)
            for (size_t i = 0, k = 0; i < n; i++)
                resid[i] = keep[i] ? rs[k++] : NAN;
    }
    free(keep), free(rs), free(dd), free(yy);
    return st;
}

/* ========================================================= extrapolation */

int starc_fit_extrapolate(starc_fit_form form, size_t n, const double *d, const double *y,
                          const starc_fit_options *opt, starc_fit_extrapolation *res, starc_error *err)
{
    starc_fit_options def;
    if (!opt) {
        starc_fit_options_default(&def);
        opt = &def;
    }
    if ((unsigned)form >= STARC_FIT_FORM_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown form %d", (int)form);
    int st = check_options(opt, err);
    if (st)
        return st;
    starc_fit_options o = *opt;
    o.bootstrap = 0;
    double *dd, *yy;
    size_t m, skipped;
    if ((st = select_points(n, d, y, &o, &dd, &yy, &m, &skipped, NULL, err)))
        return st;
    double *dl = starci_dalloc(m ? m : 1), *yl = starci_dalloc(m ? m : 1);
    if (!dl || !yl) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    double cut = opt->cutoff_kl;
    if (cut == 0.0 && m > 0) {
        for (size_t i = 0; i < m; i++)
            dl[i] = dd[i] * dd[i];
        qsort(dl, m, sizeof *dl, cmp_double);
        cut = m % 2 ? dl[m / 2] : 0.5 * (dl[m / 2 - 1] + dl[m / 2]);
    }
    const double dcut = sqrt(cut);
    size_t nl = 0;
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        ymin = fmin(ymin, yy[i]);
        ymax = fmax(ymax, yy[i]);
        if (dd[i] <= dcut) {
            dl[nl] = dd[i];
            yl[nl] = yy[i];
            nl++;
        }
    }
    memset(res, 0, sizeof *res);
    res->cutoff_kl = cut;
    res->n_fit = nl;
    res->n_test = m - nl;
    res->range = m > 0 ? ymax - ymin : NAN;
    if (res->n_test == 0) {
        st = starci_error(err, STARC_EUNDEF, "no point lies beyond the KL cutoff %g", cut);
        goto done;
    }
    if ((st = fit_selected(form, nl, dl, yl, &o, 0, &res->fit, NULL, err)))
        goto done;
    res->fit.skipped = skipped;
    starc_fit_result full;
    if ((st = fit_selected(form, m, dd, yy, &o, 0, &full, NULL, err)))
        goto done;
    const starc_fit_result *L = &res->fit;
    double sf = 0.0, se = 0.0, sef = 0.0, sb = 0.0, mx = 0.0;
    for (size_t i = 0; i < m; i++) {
        double e = yy[i] - L->offset - starc_fit_eval(form, L->alpha, L->beta, L->g, dd[i]);
        if (dd[i] <= dcut) {
            sf += e * e;
            continue;
        }
        double ef = yy[i] - full.offset - starc_fit_eval(form, full.alpha, full.beta, full.g, dd[i]);
        se += e * e;
        sef += ef * ef;
        sb += e;
        mx = fmax(mx, fabs(e));
    }
    res->rmse_fit = sqrt(sf / (double)nl);
    res->rmse_test = sqrt(se / (double)res->n_test);
    res->rmse_test_full = sqrt(sef / (double)res->n_test);
    res->bias_test = sb / (double)res->n_test;
    res->max_abs_test = mx;
done:
    free(dd), free(yy), free(dl), free(yl);
    return st;
}

/* ============================================================= best-of-n */

typedef struct bon_sample {
    double proxy, gold;
    size_t idx;
} bon_sample;

static int bon_cmp(const void *a, const void *b)
{
    const bon_sample *x = a, *y = b;
    if (x->proxy < y->proxy)
        return -1;
    if (x->proxy > y->proxy)
        return 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* x^n log x with 0 log 0 = 0. */
static double xn_log_x(double xn, double x)
{
    return x > 0.0 ? xn * log(x) : 0.0;
}

/* The samples' counts and scores: every prompt has at least nmax samples, and
 * every score is finite; *nbig_out samples in the largest prompt. */
static int bon_check(size_t nprompts, const size_t *count, const double *proxy, const double *gold, size_t nmax,
                     size_t *nbig_out, starc_error *err)
{
    if (nprompts == 0)
        return starci_error(err, STARC_EINVAL, "best-of-n needs at least one prompt");
    size_t total = 0, nmin = (size_t)-1, nbig = 0;
    for (size_t j = 0; j < nprompts; j++) {
        if (count[j] == 0)
            return starci_error(err, STARC_EINVAL, "prompt %zu has no samples", j);
        if (total + count[j] < total)
            return starci_error(err, STARC_EDIM, "too many samples");
        total += count[j];
        nmin = count[j] < nmin ? count[j] : nmin;
        nbig = count[j] > nbig ? count[j] : nbig;
    }
    if (nmax == 0 || nmax > nmin)
        return starci_error(err, STARC_EINVAL, "best-of-n: n = 1..%zu needs every prompt to have %zu samples (the "
                            "smallest has %zu)", nmax, nmax, nmin);
    for (size_t i = 0; i < total; i++)
        if (!isfinite(proxy[i]) || (gold && !isfinite(gold[i])))
            return starci_error(err, STARC_EINVAL, "sample %zu: %s score is not finite", i,
                                isfinite(proxy[i]) ? "gold" : "proxy");
    *nbig_out = nbig;
    return STARC_OK;
}

/* Tie classes of the N samples s (sorted ascending by proxy), from the top
 * down: a class holds every score within tol of its highest.  cls (N + 1)
 * receives the classes' starts (0-based ranks) ascending, and cls[nc] = N;
 * returns nc. */
static size_t bon_tie_classes(const bon_sample *s, size_t N, double tol, size_t *cls)
{
    size_t nc = 0, i = N;
    while (i > 0) { /* filled descending, reversed below */
        size_t top = i - 1, k = top;
        while (k > 0 && s[k - 1].proxy >= s[top].proxy - tol)
            k--;
        cls[nc++] = k;
        i = k;
    }
    for (size_t a = 0, b = nc - 1; a < b; a++, b--) {
        size_t t = cls[a];
        cls[a] = cls[b];
        cls[b] = t;
    }
    cls[nc] = N;
    return nc;
}

/* Add one prompt's best-of-n gold and proxy means and KL (n = 1..nmax) to the
 * sums: s its N samples sorted ascending, cls its nc tie classes, lf the log
 * factorials, w (N) scratch. */
static void bon_prompt_add(const bon_sample *s, size_t N, const size_t *cls, size_t nc, const double *lf,
                           size_t nmax, int with_gold, double *w, double *gold_bon, double *proxy_bon, double *kl)
{
    for (size_t n = 1; n <= nmax; n++) {
        const double lcn = lf[N] - lf[n] - lf[N - n];
        /* w[k] = C(k, n-1)/C(N, n): the probability that rank k (0-based) is the subset's maximum */
        for (size_t k = 0; k < N; k++)
            w[k] = k + 1 >= n ? exp(lf[k] - lf[n - 1] - lf[k + 1 - n] - lcn) : 0.0;
        double gsum = 0.0, psum = 0.0, klsum = 0.0;
        const double dn = (double)n;
        for (size_t c = 0; c < nc; c++) {
            const size_t lo = cls[c], hi = cls[c + 1], m = hi - lo;
            double W = 0.0, gm = 0.0, pm = 0.0;
            for (size_t k = lo; k < hi; k++) {
                W += w[k];
                gm += s[k].gold;
                pm += s[k].proxy;
            }
            gsum += W * gm / (double)m;
            psum += W * pm / (double)m;
            const double a = (double)lo / (double)N, b = (double)hi / (double)N;
            const double an = pow(a, dn), bn = pow(b, dn), P = bn - an;
            if (m > 1) {
                if (P > 0.0)
                    klsum += P * log(P / (b - a));
            } else {
                klsum += P * log(dn) + (dn - 1.0) * (xn_log_x(bn, b) - xn_log_x(an, a) - P / dn);
            }
        }
        if (with_gold)
            gold_bon[n - 1] += gsum;
        if (proxy_bon)
            proxy_bon[n - 1] += psum;
        if (kl)
            kl[n - 1] += klsum;
    }
}

int starc_fit_bon_curve(size_t nprompts, const size_t *count, const double *proxy, const double *gold, size_t nmax,
                        const starc_fit_options *opt, double *gold_bon, double *proxy_bon, double *kl,
                        starc_error *err)
{
    starc_fit_options def;
    if (!opt) {
        starc_fit_options_default(&def);
        opt = &def;
    }
    int st = check_options(opt, err);
    if (st)
        return st;
    size_t nbig = 0;
    if ((st = bon_check(nprompts, count, proxy, gold, nmax, &nbig, err)))
        return st;
    double *lf = starci_dalloc(nbig + 1);
    bon_sample *s = malloc(nbig * sizeof *s);
    size_t *cls = malloc((nbig + 1) * sizeof *cls); /* class starts (0-based ranks), ascending */
    double *w = starci_dalloc(nbig);
    if (!lf || !s || !cls || !w) {
        free(lf), free(s), free(cls), free(w);
        return starci_error(err, STARC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k <= nbig; k++)
        lf[k] = gsl_sf_lnfact((unsigned)k);
    for (size_t n = 0; n < nmax; n++) {
        if (gold_bon && gold)
            gold_bon[n] = 0.0;
        if (proxy_bon)
            proxy_bon[n] = 0.0;
        if (kl)
            kl[n] = 0.0;
    }
    size_t base = 0;
    for (size_t j = 0; j < nprompts; j++) {
        const size_t N = count[j];
        double pmin = INFINITY, pmax = -INFINITY;
        for (size_t i = 0; i < N; i++) {
            s[i].proxy = proxy[base + i];
            s[i].gold = gold ? gold[base + i] : 0.0;
            s[i].idx = i;
            pmin = fmin(pmin, s[i].proxy);
            pmax = fmax(pmax, s[i].proxy);
        }
        qsort(s, N, sizeof *s, bon_cmp);
        /* Tie classes from the top down: a class holds every score within tol of its highest. */
        const double tol = opt->tie_tol * (pmax - pmin);
        const size_t nc = bon_tie_classes(s, N, tol, cls);
        bon_prompt_add(s, N, cls, nc, lf, nmax, gold_bon && gold, w, gold_bon, proxy_bon, kl);
        base += N;
    }
    for (size_t n = 0; n < nmax; n++) {
        if (gold_bon && gold)
            gold_bon[n] /= (double)nprompts;
        if (proxy_bon)
            proxy_bon[n] /= (double)nprompts;
        if (kl)
            kl[n] = fmax(0.0, kl[n] / (double)nprompts);
    }
    free(lf), free(s), free(cls), free(w);
    return STARC_OK;
}

/* The prompt bootstrap's intervals from its ok replicates (rep: 7 columns of
 * stride B): standard errors of alpha, beta, g, offset from their spread,
 * intervals of all seven with P - 1 degrees of freedom. */
static void bon_intervals(starc_fit_form form, starc_fit_result *res, double *rep, size_t B, size_t ok, size_t P,
                          const starc_fit_options *opt)
{
    starc_fit_ci *ci[7] = {&res->alpha_ci, &res->beta_ci, &res->g_ci, &res->offset_ci, &res->peak_d_ci,
                           &res->peak_kl_ci, &res->peak_value_ci};
    for (int t = 0; t < 7; t++) {
        if ((t == 2 && form != STARC_FIT_POWER) || (t == 3 && res->center == STARC_FIT_CENTER_NONE))
            continue;
        double *v = rep + (size_t)t * B;
        if (t < 4) {
            double m = 0.0, ss = 0.0;
            for (size_t i = 0; i < ok; i++)
                m += v[i] / (double)ok;
            for (size_t i = 0; i < ok; i++)
                ss += (v[i] - m) * (v[i] - m);
            ci[t]->se = sqrt(ss / (double)(ok - 1));
        }
        interval(v, ok, opt->level, (double)(P - 1), sqrt((double)P / (double)(P - 1)), ci[t]);
    }
}

/* One prompt-bootstrap replicate: P prompts drawn with replacement (mult their
 * multiplicities), the mean curve y and sqrt(KL) d (nmax each) of the draw from
 * the prompts' own curves Sj, Kj (P * nmax). */
static void bon_replicate(gsl_rng *r, size_t P, size_t nmax, const double *Sj, const double *Kj, size_t *mult,
                          double *y, double *d)
{
    memset(mult, 0, P * sizeof *mult);
    for (size_t j = 0; j < P; j++)
        mult[gsl_rng_uniform_int(r, P)]++;
    for (size_t n = 0; n < nmax; n++) {
        double sy = 0.0, sk = 0.0;
        for (size_t j = 0; j < P; j++)
            if (mult[j])
                sy += (double)mult[j] * Sj[j * nmax + n], sk += (double)mult[j] * Kj[j * nmax + n];
        y[n] = sy / (double)P;
        d[n] = sqrt(fmax(0.0, sk / (double)P));
    }
}

int starc_fit_bon_points(starc_fit_form form, size_t nprompts, const size_t *count, const double *proxy,
                         const double *score, size_t nmax, const starc_fit_options *opt, starc_fit_result *res,
                         double *score_bon, double *kl, starc_error *err)
{
    starc_fit_options def;
    if (!opt) {
        starc_fit_options_default(&def);
        opt = &def;
    }
    if ((unsigned)form >= STARC_FIT_FORM_COUNT)
        return starci_error(err, STARC_EINVAL, "unknown form %d", (int)form);
    int st = check_options(opt, err);
    if (st)
        return st;
    /* counts, nmax and scores of every prompt at once (starc_fit_bon_curve's checks) */
    size_t nbig;
    if ((st = bon_check(nprompts, count, proxy, score, nmax, &nbig, err)))
        return st;
    const size_t P = nprompts, B = opt->bootstrap;
    size_t pn, nrep;
    if (!starci_mul_ok(P, nmax, &pn) || !starci_mul_ok(B, 7, &nrep))
        return starci_error(err, STARC_EDIM, "too many prompts or replicates");
    double *Sj = starci_dalloc(pn), *Kj = starci_dalloc(pn), *y = starci_dalloc(nmax), *k = starci_dalloc(nmax),
           *d = starci_dalloc(nmax), *rep = starci_dalloc(nrep ? nrep : 1);
    size_t *mult = calloc(P, sizeof *mult);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!Sj || !Kj || !y || !k || !d || !rep || !mult || !r) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    /* every prompt's own curve, once: a replicate is a reweighting of them */
    for (size_t j = 0, base = 0; j < P; base += count[j], j++)
        if ((st = starc_fit_bon_curve(1, count + j, proxy + base, score + base, nmax, opt, Sj + j * nmax, NULL,
                                      Kj + j * nmax, err)))
            goto done;
    for (size_t n = 0; n < nmax; n++) {
        double sy = 0.0, sk = 0.0;
        for (size_t j = 0; j < P; j++)
            sy += Sj[j * nmax + n], sk += Kj[j * nmax + n];
        y[n] = sy / (double)P;
        k[n] = fmax(0.0, sk / (double)P);
        d[n] = sqrt(k[n]);
    }
    if (score_bon)
        memcpy(score_bon, y, nmax * sizeof(double));
    if (kl)
        memcpy(kl, k, nmax * sizeof(double));
    starc_fit_options o1 = *opt;
    o1.bootstrap = 0;
    if ((st = fit_selected(form, nmax, d, y, &o1, 0, res, NULL, err)))
        goto done;
    res->skipped = 0;
    /* the points share their noise: standard errors from the replicates, not from the residuals */
    res->alpha_ci.se = res->beta_ci.se = res->g_ci.se = res->offset_ci.se = NAN;
    if (B == 0 || P < 2)
        goto done;
    gsl_rng_set(r, (unsigned long)opt->seed);
    size_t ok = 0, failed = 0;
    for (size_t b = 0; b < B; b++) {
        bon_replicate(r, P, nmax, Sj, Kj, mult, y, d);
        starc_fit_result q;
        if (fit_selected(form, nmax, d, y, &o1, 0, &q, NULL, NULL) != STARC_OK) {
            failed++;
            continue;
        }
        double pd = q.peak_d, pv = q.peak_value;
        if (isnan(pd))
            pd = pv = INFINITY;
        const double v[7] = {q.alpha, q.beta, q.g, q.offset, pd, pd * pd, pv};
        for (int t = 0; t < 7; t++)
            rep[(size_t)t * B + ok] = v[t];
        ok++;
    }
    res->boot = ok;
    res->boot_failed = failed;
    if (ok > 1)
        bon_intervals(form, res, rep, B, ok, P, opt);
done:
    free(Sj), free(Kj), free(y), free(k), free(d), free(rep), free(mult);
    if (r)
        gsl_rng_free(r);
    return st;
}

/* =============================================================== scaling */

enum { SC_A0, SC_A1, SC_B0, SC_B1, SC_JA, SC_JB0, SC_JB1, SC_NQ };

struct starc_fit_scaling {
    starc_fit_form form;
    starc_fit_options o;
    size_t K;
    double *lsize;          /* K natural logs of the sizes */
    starc_fit_result *grp;  /* K separate fits */
    double *jbeta;          /* K joint betas */
    starc_fit_ci *jbeta_ci; /* their uncertainty */
    starc_fit_scaling_result res;
    size_t B;               /* replicates stored */
    double nu;              /* residual degrees of freedom of the curves' fits (for interval()) */
    double *rep;            /* SC_NQ x o.bootstrap, quantity-major */
};

/* v = c0 + c1 x by ordinary least squares over K points (closed form); se NaN when K <= 2. */
static int line_fit(size_t K, const double *x, const double *v, double *c0, double *c1, double *se0, double *se1,
                    double *r2)
{
    double xb = 0.0, vb = 0.0;
    for (size_t k = 0; k < K; k++)
        xb += x[k], vb += v[k];
    xb /= (double)K, vb /= (double)K;
    double sxx = 0.0, sxv = 0.0, svv = 0.0;
    for (size_t k = 0; k < K; k++) {
        sxx += (x[k] - xb) * (x[k] - xb);
        sxv += (x[k] - xb) * (v[k] - vb);
        svv += (v[k] - vb) * (v[k] - vb);
    }
    if (!(sxx > 0.0))
        return STARC_EUNDEF;
    *c1 = sxv / sxx;
    *c0 = vb - *c1 * xb;
    double rss = 0.0;
    for (size_t k = 0; k < K; k++) {
        double r = v[k] - *c0 - *c1 * x[k];
        rss += r * r;
    }
    if (r2)
        *r2 = svv > 0.0 ? 1.0 - rss / svv : (rss == 0.0 ? 1.0 : NAN);
    double s = K > 2 ? sqrt(rss / (double)(K - 2)) : NAN;
    if (se1)
        *se1 = s / sqrt(sxx);
    if (se0)
        *se0 = s * sqrt(1.0 / (double)K + xb * xb / sxx);
    return STARC_OK;
}

/* The joint design: all curves' points, columns alpha | beta_k (K) | intercept_j per curve
 * centred by intercept. */
typedef struct joint {
    size_t N, P, K;
    double *d, *y, *X, *yc, *covu;
    size_t *grp;            /* curve of each point */
    size_t *icol;           /* per curve: its intercept column, or 0 */
    starc_fit_center *center;
    size_t *n0;             /* per curve: points at d = 0 */
    gsl_multifit_linear_workspace *lw;
    gsl_vector *c;
    gsl_matrix *cov;
    int svd_ready; /* lw holds the SVD of X (bootstrap replicates) */
} joint;

static void joint_free(joint *j)
{
    free(j->d), free(j->y), free(j->X), free(j->yc), free(j->covu), free(j->grp), free(j->icol), free(j->center),
        free(j->n0);
    if (j->lw)
        gsl_multifit_linear_free(j->lw);
    if (j->c)
        gsl_vector_free(j->c);
    if (j->cov)
        gsl_matrix_free(j->cov);
}

/* Solve the joint problem for y (N values): alpha, K betas, offsets per curve (out has 1 + 2K). */
static int joint_solve(joint *j, const double *y, double *out)
{
    const size_t K = j->K;
    double *off = out + 1 + K;
    for (size_t k = 0; k < K; k++)
        off[k] = 0.0;
    for (size_t i = 0; i < j->N; i++)
        if (j->center[j->grp[i]] == STARC_FIT_CENTER_ORIGIN && j->d[i] == 0.0)
            off[j->grp[i]] += y[i];
    for (size_t k = 0; k < K; k++)
        if (j->center[k] == STARC_FIT_CENTER_ORIGIN)
            off[k] /= (double)j->n0[k];
    for (size_t i = 0; i < j->N; i++)
        j->yc[i] = j->center[j->grp[i]] == STARC_FIT_CENTER_ORIGIN ? y[i] - off[j->grp[i]] : y[i];
    if (j->svd_ready) {
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(j->X, j->N, j->P);
        gsl_vector_const_view yv = gsl_vector_const_view_array(j->yc, j->N);
        double rnorm, snorm;
        if (gsl_multifit_linear_solve(0.0, &Xv.matrix, &yv.vector, j->c, &rnorm, &snorm, j->lw) != GSL_SUCCESS)
            return STARC_ELAPACK;
    } else if (lsq_solve(j->N, j->P, j->X, j->yc, j->lw, j->c, j->cov)) {
        return STARC_ELAPACK;
    }
    for (size_t q = 0; q <= K; q++)
        out[q] = gsl_vector_get(j->c, q);
    for (size_t k = 0; k < K; k++)
        if (j->icol[k])
            off[k] = gsl_vector_get(j->c, j->icol[k]);
    return STARC_OK;
}

static double joint_fitted(const joint *j, const double *par, size_t i, starc_fit_form form)
{
    size_t k = j->grp[i];
    return par[1 + j->K + k] + starc_fit_eval(form, par[0], par[1 + k], NAN, j->d[i]);
}

void starc_fit_scaling_free(starc_fit_scaling *s)
{
    if (!s)
        return;
    free(s->lsize), free(s->grp), free(s->jbeta), free(s->jbeta_ci), free(s->rep);
    free(s);
}

/* The scaling fit's scratch: each curve's selected points, fitter and
 * bootstrap buffers, and the joint fit. */
typedef struct scal_work {
    size_t K, N;
    fitter *F;
    double **dd, **yy, **yfit, **e, **ys;
    size_t *m;
    joint J;
    double *v1, *v2, *jpar, *jfit, *je, *jys;
    gsl_rng *r;
} scal_work;

static void scal_work_free(scal_work *w)
{
    const size_t K = w->K;
    for (size_t k = 0; w->F && k < K; k++)
        fitter_free(&w->F[k]);
    for (size_t k = 0; k < K; k++) {
        if (w->dd)
            free(w->dd[k]);
        if (w->yy)
            free(w->yy[k]);
        if (w->yfit)
            free(w->yfit[k]);
        if (w->e)
            free(w->e[k]);
        if (w->ys)
            free(w->ys[k]);
    }
    free(w->F), free(w->dd), free(w->yy), free(w->yfit), free(w->e), free(w->ys), free(w->m), free(w->v1);
    free(w->v2), free(w->jpar), free(w->jfit), free(w->je), free(w->jys);
    joint_free(&w->J);
    if (w->r)
        gsl_rng_free(w->r);
}

static int scal_work_alloc(scal_work *w, size_t K)
{
    memset(w, 0, sizeof *w);
    w->K = K;
    w->F = calloc(K, sizeof *w->F);
    w->dd = calloc(K, sizeof *w->dd), w->yy = calloc(K, sizeof *w->yy), w->yfit = calloc(K, sizeof *w->yfit);
    w->e = calloc(K, sizeof *w->e), w->ys = calloc(K, sizeof *w->ys);
    w->m = calloc(K, sizeof *w->m);
    w->v1 = starci_dalloc(K), w->v2 = starci_dalloc(K), w->jpar = starci_dalloc(1 + 2 * K);
    return w->F && w->dd && w->yy && w->yfit && w->e && w->ys && w->m && w->v1 && w->v2 && w->jpar ? STARC_OK
                                                                                                : STARC_ENOMEM;
}

/* Step 1: each curve's own fit, and the lines of its alpha and beta over log size. */
static int scal_curves(starc_fit_scaling *s, scal_work *w, const double *size, const size_t *npts,
                       const double *const *d, const double *const *y, const starc_fit_options *opt,
                       starc_error *err)
{
    const starc_fit_form form = s->form;
    const size_t K = w->K;
    fitter *F = w->F;
    double **dd = w->dd, **yy = w->yy, *v1 = w->v1, *v2 = w->v2;
    size_t *m = w->m;
    int st;
    starc_fit_options o1 = *opt;
    o1.bootstrap = 0;
    size_t N = 0, nsizes = 0;
    for (size_t k = 0; k < K; k++) {
        s->lsize[k] = log(size[k]);
        int seen = 0;
        for (size_t q = 0; q < k; q++)
            seen |= size[q] == size[k];
        nsizes += !seen;
        size_t skipped;
        if ((st = select_points(npts[k], d[k], y[k], &o1, &dd[k], &yy[k], &m[k], &skipped, NULL, err)))
            return st;
        starc_error e1;
        if ((st = fit_selected(form, m[k], dd[k], yy[k], &o1, 0, &s->grp[k], NULL, &e1))) {
            st = starci_error(err, st, "curve %zu (size %g): %s", k, size[k], e1.message);
            return st;
        }
        s->grp[k].skipped = skipped;
        if ((st = fitter_init(&F[k], form, opt->center, m[k], dd[k], &s->o, err)))
            return st;
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(F[k].X, m[k], F[k].p);
        if (gsl_multifit_linear_bsvd(&Xv.matrix, F[k].lw) != GSL_SUCCESS) {
            st = starci_error(err, STARC_ELAPACK, "gsl_multifit_linear_bsvd failed");
            return st;
        }
        F[k].svd_ready = 1;
        N += m[k];
        s->nu += (double)m[k] - (double)F[k].nparam;
    }
    if (nsizes < 2) {
        st = starci_error(err, STARC_EUNDEF, "scaling needs at least two distinct sizes");
        return st;
    }
    s->res.form = form;
    s->res.ngroups = K;
    s->res.nsizes = nsizes;
    for (size_t k = 0; k < K; k++)
        v1[k] = s->grp[k].alpha, v2[k] = s->grp[k].beta;
    starc_fit_scaling_result *R = &s->res;
    line_fit(K, s->lsize, v1, &R->alpha0, &R->alpha1, &R->alpha0_ci.se, &R->alpha1_ci.se, &R->alpha_r2);
    line_fit(K, s->lsize, v2, &R->beta0, &R->beta1, &R->beta0_ci.se, &R->beta1_ci.se, &R->beta_r2);
    w->N = N;
    return STARC_OK;
}

/* The joint fit's R^2 and standard errors (with the origin means' share as in
 * standard_errors()), and its residuals je centred and inflated for the bootstrap. */
static int scal_joint_errors(starc_fit_scaling *s, scal_work *w, starc_error *err)
{
    const starc_fit_form form = s->form;
    const size_t K = w->K, N = w->N;
    const double *jpar = w->jpar;
    double *jfit = w->jfit, *je = w->je;
    joint *J = &w->J;
    starc_fit_scaling_result *R = &s->res;
    int st;

    double mean = 0.0, rss = 0.0, tss = 0.0;
    size_t norig = 0;
    for (size_t k = 0; k < K; k++)
        norig += J->center[k] == STARC_FIT_CENTER_ORIGIN;
    for (size_t i = 0; i < N; i++)
        mean += J->y[i];
    mean /= (double)N;
    double ebar = 0.0;
    for (size_t i = 0; i < N; i++) {
        jfit[i] = joint_fitted(J, jpar, i, form);
        je[i] = J->y[i] - jfit[i];
        rss += je[i] * je[i];
        tss += (J->y[i] - mean) * (J->y[i] - mean);
        ebar += je[i];
    }
    R->joint_r2 = tss > 0.0 ? 1.0 - rss / tss : (rss == 0.0 ? 1.0 : NAN);
    const size_t pj = J->P + norig;
    const double sig = N > pj ? sqrt(rss / (double)(N - pj)) : NAN;
    /* variances, with the origin means' share as in standard_errors() */
    double *var = starci_dalloc(J->P), *xt1 = starci_dalloc(J->P), *v = starci_dalloc(J->P);
    if (!var || !xt1 || !v) {
        free(var), free(xt1), free(v);
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        return st;
    }
    for (size_t a = 0; a < J->P; a++)
        var[a] = J->covu[a * J->P + a];
    for (size_t k = 0; k < K; k++) {
        if (J->center[k] != STARC_FIT_CENTER_ORIGIN)
            continue;
        memset(xt1, 0, J->P * sizeof(double));
        for (size_t i = 0; i < N; i++)
            if (J->grp[i] == k)
                for (size_t a = 0; a < J->P; a++)
                    xt1[a] += J->X[i * J->P + a];
        for (size_t a = 0; a < J->P; a++) {
            v[a] = 0.0;
            for (size_t b = 0; b < J->P; b++)
                v[a] += J->covu[a * J->P + b] * xt1[b];
            var[a] += v[a] * v[a] / (double)J->n0[k];
        }
    }
    R->joint_alpha = jpar[0];
    R->joint_alpha_ci.se = sig * sqrt(var[0]);
    for (size_t k = 0; k < K; k++) {
        s->jbeta[k] = jpar[1 + k];
        s->jbeta_ci[k].se = sig * sqrt(var[1 + k]);
        s->jbeta_ci[k].lo = s->jbeta_ci[k].hi = NAN;
    }
    free(var), free(xt1), free(v);
    line_fit(K, s->lsize, s->jbeta, &R->joint_beta0, &R->joint_beta1, &R->joint_beta0_ci.se,
             &R->joint_beta1_ci.se, &R->joint_beta_r2);
    ebar /= (double)N;
    const double infl = N > pj ? sqrt((double)N / (double)(N - pj)) : 0.0;
    for (size_t i = 0; i < N; i++)
        je[i] = (je[i] - ebar) * infl;
    return STARC_OK;
}

/* Step 2: the joint fit (one alpha, a beta per curve), its R^2, standard
 * errors and centred, inflated residuals (je) for the bootstrap. */
static int scal_joint(starc_fit_scaling *s, scal_work *w, const starc_fit_options *opt, starc_error *err)
{
    const starc_fit_form form = s->form;
    const size_t K = w->K, N = w->N;
    fitter *F = w->F;
    double **dd = w->dd, **yy = w->yy, *jpar = w->jpar, *jfit, *je;
    size_t *m = w->m;
    joint *J = &w->J;
    starc_fit_scaling_result *R = &s->res;
    int st;
    /* ---- the joint fit */
    J->K = K;
    J->N = N;
    J->P = 1 + K;
    J->center = calloc(K, sizeof *J->center);
    J->icol = calloc(K, sizeof *J->icol);
    J->n0 = calloc(K, sizeof *J->n0);
    if (!J->center || !J->icol || !J->n0) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        return st;
    }
    for (size_t k = 0; k < K; k++) {
        J->center[k] = F[k].center;
        J->n0[k] = F[k].n0;
        if (J->center[k] == STARC_FIT_CENTER_INTERCEPT)
            J->icol[k] = J->P++;
    }
    size_t NP;
    if (!starci_mul_ok(N, J->P, &NP)) {
        st = starci_error(err, STARC_EDIM, "too many points");
        return st;
    }
    J->d = starci_dalloc(N), J->y = starci_dalloc(N), J->yc = starci_dalloc(N), J->X = starci_dcalloc(NP);
    J->covu = starci_dalloc(J->P * J->P), J->grp = calloc(N, sizeof *J->grp);
    J->lw = gsl_multifit_linear_alloc(N, J->P), J->c = gsl_vector_alloc(J->P), J->cov = gsl_matrix_alloc(J->P, J->P);
    w->jfit = jfit = starci_dalloc(N), w->je = je = starci_dalloc(N), w->jys = starci_dalloc(N);
    if (!J->d || !J->y || !J->yc || !J->X || !J->covu || !J->grp || !J->lw || !J->c || !J->cov || !jfit || !je || !w->jys) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        return st;
    }
    for (size_t k = 0, i = 0; k < K; k++)
        for (size_t q = 0; q < m[k]; q++, i++) {
            J->d[i] = dd[k][q];
            J->y[i] = yy[k][q];
            J->grp[i] = k;
            J->X[i * J->P] = dd[k][q];
            J->X[i * J->P + 1 + k] = -form_x2(form, 0.0, dd[k][q]);
            if (J->icol[k])
                J->X[i * J->P + J->icol[k]] = 1.0;
        }
    if ((st = design_check(N, J->P, J->X, opt->collinear_tol, J->covu))) {
        st = starci_error(err, st == STARC_ENOMEM ? st : STARC_EUNDEF, "the joint fit's columns are dependent");
        return st;
    }
    if (joint_solve(J, J->y, jpar)) {
        st = starci_error(err, STARC_ELAPACK, "gsl_multifit_linear failed (joint fit)");
        return st;
    }
    if ((st = scal_joint_errors(s, w, err)))
        return st;
    R->alpha0_ci.lo = R->alpha0_ci.hi = R->alpha1_ci.lo = R->alpha1_ci.hi = NAN;
    R->beta0_ci.lo = R->beta0_ci.hi = R->beta1_ci.lo = R->beta1_ci.hi = NAN;
    R->joint_alpha_ci.lo = R->joint_alpha_ci.hi = NAN;
    R->joint_beta0_ci.lo = R->joint_beta0_ci.hi = R->joint_beta1_ci.lo = R->joint_beta1_ci.hi = NAN;
    return STARC_OK;
}

/* The bootstrap's per-curve fitted values yfit and residuals e, centred and
 * inflated by sqrt(m / (m - p)). */
static int scal_boot_residuals(const starc_fit_scaling *s, scal_work *w)
{
    const size_t K = w->K;
    double **dd = w->dd, **yy = w->yy, **yfit = w->yfit, **e = w->e, **ys = w->ys;
    const size_t *m = w->m;
    for (size_t k = 0; k < K; k++) {
        yfit[k] = starci_dalloc(m[k] ? m[k] : 1), e[k] = starci_dalloc(m[k] ? m[k] : 1),
        ys[k] = starci_dalloc(m[k] ? m[k] : 1);
        if (!yfit[k] || !e[k] || !ys[k])
            return STARC_ENOMEM;
        const starc_fit_result *G = &s->grp[k];
        double ebar = 0.0;
        for (size_t i = 0; i < m[k]; i++) {
            yfit[k][i] = G->offset + starc_fit_eval(s->form, G->alpha, G->beta, G->g, dd[k][i]);
            e[k][i] = yy[k][i] - yfit[k][i];
            ebar += e[k][i];
        }
        ebar /= (double)m[k];
        const double infl = m[k] > w->F[k].nparam ? sqrt((double)m[k] / (double)(m[k] - w->F[k].nparam)) : 0.0;
        for (size_t i = 0; i < m[k]; i++)
            e[k][i] = (e[k][i] - ebar) * infl;
    }
    return STARC_OK;
}

/* One bootstrap replicate: q (SC_NQ) and the joint betas jb (K); 0 when a fit failed. */
static int scal_boot_draw(const starc_fit_scaling *s, scal_work *w, double *q, double *jb)
{
    const size_t K = w->K, N = w->N;
    double **yfit = w->yfit, **e = w->e, **ys = w->ys;
    double *v1 = w->v1, *v2 = w->v2, *jpar = w->jpar, *jfit = w->jfit, *je = w->je, *jys = w->jys;
    const size_t *m = w->m;
    joint *J = &w->J;
    gsl_rng *r = w->r;
    int good = 1;
    for (size_t k = 0; k < K; k++) {
        for (size_t i = 0; i < m[k]; i++)
            ys[k][i] = yfit[k][i] + e[k][gsl_rng_uniform_int(r, m[k])];
        fit_par fq;
        if (fitter_solve(&w->F[k], ys[k], NULL, 0, &fq, NULL) != STARC_OK)
            good = 0;
        v1[k] = fq.alpha, v2[k] = fq.beta;
    }
    /* joint: resample within each curve, from the curve's rows of the joint residuals */
    for (size_t i = 0, st0 = 0, k = 0; i < N; i++) {
        if (i > 0 && J->grp[i] != J->grp[i - 1])
            st0 = i, k = J->grp[i];
        jys[i] = jfit[i] + je[st0 + gsl_rng_uniform_int(r, m[k])];
    }
    if (good && joint_solve(J, jys, jpar) != STARC_OK)
        good = 0;
    if (good && (line_fit(K, s->lsize, v1, &q[SC_A0], &q[SC_A1], NULL, NULL, NULL) ||
                 line_fit(K, s->lsize, v2, &q[SC_B0], &q[SC_B1], NULL, NULL, NULL)))
        good = 0;
    if (good) {
        for (size_t k = 0; k < K; k++)
            jb[k] = jpar[1 + k];
        q[SC_JA] = jpar[0];
        if (line_fit(K, s->lsize, jb, &q[SC_JB0], &q[SC_JB1], NULL, NULL, NULL))
            good = 0;
    }
    return good;
}

/* The intervals of the ok replicates (column-major, stride B) in s->rep and jbrep. */
static int scal_boot_intervals(starc_fit_scaling *s, size_t B, size_t ok, const double *jbrep,
                               const starc_fit_options *opt)
{
    starc_fit_scaling_result *R = &s->res;
    double *tmp = starci_dalloc(ok);
    if (!tmp)
        return STARC_ENOMEM;
    starc_fit_ci *ci[SC_NQ] = {&R->alpha0_ci, &R->alpha1_ci, &R->beta0_ci, &R->beta1_ci,
                               &R->joint_alpha_ci, &R->joint_beta0_ci, &R->joint_beta1_ci};
    for (int t = 0; t < SC_NQ; t++) {
        memcpy(tmp, s->rep + (size_t)t * B, ok * sizeof(double));
        interval(tmp, ok, opt->level, s->nu, 1.0, ci[t]);
    }
    for (size_t k = 0; k < s->K; k++) {
        memcpy(tmp, jbrep + k * B, ok * sizeof(double));
        interval(tmp, ok, opt->level, s->nu, 1.0, &s->jbeta_ci[k]);
    }
    free(tmp);
    return STARC_OK;
}

/* Step 3: the bootstrap, every curve's residuals resampled within the curve. */
static int scal_bootstrap(starc_fit_scaling *s, scal_work *w, const starc_fit_options *opt, starc_error *err)
{
    const size_t K = w->K, N = w->N, B = opt->bootstrap;
    joint *J = &w->J;
    if (B == 0)
        return STARC_OK;
    size_t nrep;
    w->r = gsl_rng_alloc(gsl_rng_mt19937);
    double *jb = starci_dalloc(K), *jbrep = NULL;
    int st = STARC_OK;
    if (!w->r || !jb || !starci_mul_ok(B, SC_NQ + K, &nrep) || !(s->rep = starci_dalloc(nrep)) ||
        !(jbrep = starci_dalloc(K * B))) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    gsl_rng_set(w->r, (unsigned long)opt->seed);
    gsl_matrix_const_view JXv = gsl_matrix_const_view_array(J->X, N, J->P);
    if (gsl_multifit_linear_bsvd(&JXv.matrix, J->lw) != GSL_SUCCESS) {
        st = starci_error(err, STARC_ELAPACK, "gsl_multifit_linear_bsvd failed");
        goto done;
    }
    J->svd_ready = 1;
    if (scal_boot_residuals(s, w)) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    size_t ok = 0, failed = 0;
    for (size_t b = 0; b < B; b++) {
        double q[SC_NQ];
        if (!scal_boot_draw(s, w, q, jb)) {
            failed++;
            continue;
        }
        for (int t = 0; t < SC_NQ; t++)
            s->rep[(size_t)t * B + ok] = q[t];
        for (size_t k = 0; k < K; k++)
            jbrep[k * B + ok] = jb[k];
        ok++;
    }
    s->B = ok;
    s->res.boot = ok;
    s->res.boot_failed = failed;
    if (ok > 0 && scal_boot_intervals(s, B, ok, jbrep, opt))
        st = starci_error(err, STARC_ENOMEM, "out of memory");
done:
    free(jb), free(jbrep);
    return st;
}

int starc_fit_scaling_alloc(starc_fit_form form, size_t K, const double *size, const size_t *npts,
                            const double *const *d, const double *const *y, const starc_fit_options *opt,
                            starc_fit_scaling **out, starc_error *err)
{
    starc_fit_options def;
    if (!opt) {
        starc_fit_options_default(&def);
        opt = &def;
    }
    *out = NULL;
    if (form != STARC_FIT_BON && form != STARC_FIT_RL && form != STARC_FIT_LOG1P)
        return starci_error(err, STARC_EINVAL, "scaling fits need a linear form (bon, rl, log1p), not %s",
                            starc_fit_form_name(form) ? starc_fit_form_name(form) : "an unknown form");
    int st = check_options(opt, err);
    if (st)
        return st;
    if (K < 2)
        return starci_error(err, STARC_EUNDEF, "scaling needs curves of at least two sizes (got %zu curve%s)", K,
                            K == 1 ? "" : "s");
    for (size_t k = 0; k < K; k++)
        if (!(size[k] > 0.0) || !isfinite(size[k]))
            return starci_error(err, STARC_EINVAL, "curve %zu: size %g is not a finite value > 0", k, size[k]);
    starc_fit_scaling *s = calloc(1, sizeof *s);
    if (!s)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    s->form = form;
    s->o = *opt;
    s->K = K;
    s->lsize = starci_dalloc(K);
    s->grp = calloc(K, sizeof *s->grp);
    s->jbeta = starci_dalloc(K);
    s->jbeta_ci = calloc(K, sizeof *s->jbeta_ci);
    scal_work w;
    if (scal_work_alloc(&w, K) || !s->lsize || !s->grp || !s->jbeta || !s->jbeta_ci)
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    else if (!(st = scal_curves(s, &w, size, npts, d, y, opt, err)) && !(st = scal_joint(s, &w, opt, err)))
        st = scal_bootstrap(s, &w, opt, err);
    scal_work_free(&w);
    if (st) {
        starc_fit_scaling_free(s);
        return st;
    }
    *out = s;
    return STARC_OK;
}

void starc_fit_scaling_get(const starc_fit_scaling *s, starc_fit_scaling_result *res)
{
    *res = s->res;
}

int starc_fit_scaling_group(const starc_fit_scaling *s, size_t k, starc_fit_result *fit, double *joint_beta,
                            starc_fit_ci *joint_beta_ci, starc_error *err)
{
    if (k >= s->K)
        return starci_error(err, STARC_EINVAL, "curve %zu is out of range (%zu curves)", k, s->K);
    if (fit)
        *fit = s->grp[k];
    if (joint_beta)
        *joint_beta = s->jbeta[k];
    if (joint_beta_ci)
        *joint_beta_ci = s->jbeta_ci[k];
    return STARC_OK;
}

int starc_fit_scaling_predict(const starc_fit_scaling *s, starc_fit_scaling_kind kind, double size,
                              starc_fit_prediction *p, starc_error *err)
{
    if ((unsigned)kind > STARC_FIT_SCALING_JOINT)
        return starci_error(err, STARC_EINVAL, "unknown scaling kind %d", (int)kind);
    if (!(size > 0.0) || !isfinite(size))
        return starci_error(err, STARC_EINVAL, "size %g is not a finite value > 0", size);
    const double ls = log(size);
    const starc_fit_scaling_result *R = &s->res;
    const int jt = kind == STARC_FIT_SCALING_JOINT;
    p->size = size;
    p->alpha = jt ? R->joint_alpha : R->alpha0 + R->alpha1 * ls;
    p->beta = jt ? R->joint_beta0 + R->joint_beta1 * ls : R->beta0 + R->beta1 * ls;
    int st = starc_fit_peak(s->form, p->alpha, p->beta, NAN, &s->o, &p->peak_d, &p->peak_value, err);
    if (st)
        return st;
    p->peak_kl = p->peak_d * p->peak_d;
    starc_fit_ci *ci[5] = {&p->alpha_ci, &p->beta_ci, &p->peak_d_ci, &p->peak_kl_ci, &p->peak_value_ci};
    for (int t = 0; t < 5; t++)
        ci_nan(ci[t]);
    const size_t B = s->B, stride = s->o.bootstrap;
    if (B == 0)
        return STARC_OK;
    double *v = starci_dalloc(5 * B);
    if (!v)
        return starci_error(err, STARC_ENOMEM, "out of memory");
    for (size_t b = 0; b < B; b++) {
        const double *q = s->rep + b;
        double a = jt ? q[SC_JA * stride] : q[SC_A0 * stride] + q[SC_A1 * stride] * ls;
        double be = jt ? q[SC_JB0 * stride] + q[SC_JB1 * stride] * ls : q[SC_B0 * stride] + q[SC_B1 * stride] * ls;
        double pd, pv;
        if (starc_fit_peak(s->form, a, be, NAN, &s->o, &pd, &pv, NULL) != STARC_OK || isnan(pd))
            pd = pv = INFINITY;
        v[b] = a, v[B + b] = be, v[2 * B + b] = pd, v[3 * B + b] = pd * pd, v[4 * B + b] = pv;
    }
    for (int t = 0; t < 5; t++)
        interval(v + (size_t)t * B, B, s->o.level, s->nu, 1.0, ci[t]);
    free(v);
    return STARC_OK;
}
