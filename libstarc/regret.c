#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error-internal.h"
#include "norm-internal.h"
#include "regret-internal.h"
#include "starc/regret.h"

double starci_regret_scale(const double *Rbar_t, size_t n, double gamma)
{
    double rmax = 0.0;
    for (size_t i = 0; i < n; i++)
        rmax = fmax(rmax, fabs(Rbar_t[i]));
    return rmax / (1.0 - gamma);
}

double starci_regret_normalize(double jopt, double jworst, double jp, double trivial_tol, double jscale)
{
    const double den = jopt - jworst;
    if (den <= trivial_tol * jscale)
        return 0.0;
    const double r = (jopt - jp) / den;
    /* Round-off can push an exact 0 or 1 slightly outside [0, 1]. */
    return r < 0.0 ? 0.0 : r > 1.0 ? 1.0 : r;
}

void starc_regret_options_default(starc_regret_options *o)
{
    starc_policy_options_default(&o->policy_options);
    o->trivial_tol = STARC_REGRET_TRIVIAL_TOL;
}

int starc_regret_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                      const starc_regret_options *ro, starc_regret_result *res,
                      starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    starc_regret_options def;
    if (!ro) {
        starc_regret_options_default(&def);
        ro = &def;
    }
    if (!(ro->trivial_tol >= 0.0))
        return starci_error(err, STARC_EINVAL, "trivial_tol %g is not >= 0", ro->trivial_tol);
    const starc_policy_options *opt = &ro->policy_options;
    /* Scale invariance (docs/theory.md, Numerics): the regret does not change
     * under Rbar -> c Rbar, c > 0, of either reward; a reward outside the scale
     * band is multiplied by a power of two first, and the returns reported
     * scaled back. */
    const int kt = starci_norm_scale_exp(Rbar_t, S * A), kp = starci_norm_scale_exp(Rbar_p, S * A);
    size_t *act = calloc(S, sizeof *act);
    double *pi = starci_dalloc(S * A);
    double *sc = (kt || kp) ? starci_dalloc(2 * S * A) : NULL;
    int st = STARC_OK;
    if (!act || !pi || ((kt || kp) && !sc)) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    if (kt) {
        starci_norm_scale_copy(Rbar_t, S * A, kt, sc);
        Rbar_t = sc;
    }
    if (kp) {
        starci_norm_scale_copy(Rbar_p, S * A, kp, sc + S * A);
        Rbar_p = sc + S * A;
    }
    /* The trivial rule: the return range against the reward's own scale. */
    const double jscale = starci_regret_scale(Rbar_t, S * A, starc_mdp_gamma(m));
    starc_policy_range_result rng;
    st = starc_policy_range_rbar(m, Rbar_t, opt, &rng, ws, err);
    if (st)
        goto done;
    const double jopt = rng.optimal_return, jworst = rng.worst_return;
    st = starc_policy_optimal_rbar(m, Rbar_p, opt, act, NULL, NULL, ws, err);
    if (st)
        goto done;
    starc_policy_from_actions(m, act, pi);
    double jp;
    st = starc_policy_return_rbar(m, pi, Rbar_t, &jp, ws, err);
    if (st)
        goto done;
    res->true_optimal_return = ldexp(jopt, -kt);
    res->true_worst_return = ldexp(jworst, -kt);
    res->proxy_policy_return = ldexp(jp, -kt);
    res->regret = starci_regret_normalize(jopt, jworst, jp, ro->trivial_tol, jscale);
done:
    free(act);
    free(pi);
    free(sc);
    return st;
}

int starc_regret(const starc_mdp *m, const double *Rt, const double *Rp, const starc_regret_options *opt,
                 starc_regret_result *res, starc_policy_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *bt = starci_dalloc(S * A), *bp = starci_dalloc(S * A);
    int st;
    if (!bt || !bp)
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    else {
        starc_mdp_reward_expected(m, Rt, bt);
        starc_mdp_reward_expected(m, Rp, bp);
        st = starc_regret_rbar(m, bt, bp, opt, res, ws, err);
    }
    free(bt);
    free(bp);
    return st;
}

int starc_regret_symmetric(const starc_mdp *m, const double *R1, const double *R2,
                           const starc_regret_options *opt, double *regret,
                           starc_policy_workspace *ws, starc_error *err)
{
    starc_regret_result a, b;
    int st = starc_regret(m, R1, R2, opt, &a, ws, err);
    if (!st)
        st = starc_regret(m, R2, R1, opt, &b, ws, err);
    if (!st)
        *regret = 0.5 * (a.regret + b.regret);
    return st;
}
