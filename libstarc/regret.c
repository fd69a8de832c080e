#include <config.h>
#include <math.h>
#include <stdlib.h>

#include "error-internal.h"
#include "starc/regret.h"

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
    size_t *act = calloc(S, sizeof *act);
    double *pi = starci_dalloc(S * A);
    int st = STARC_OK;
    if (!act || !pi) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
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
    double den = jopt - jworst;
    res->true_optimal_return = jopt;
    res->true_worst_return = jworst;
    res->proxy_policy_return = jp;
    if (den <= ro->trivial_tol * fmax(1.0, fabs(jopt)))
        res->regret = 0.0;
    else {
        double r = (jopt - jp) / den;
        /* Round-off can push an exact 0 or 1 slightly outside [0, 1]. */
        res->regret = r < 0.0 ? 0.0 : r > 1.0 ? 1.0 : r;
    }
done:
    free(act);
    free(pi);
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
