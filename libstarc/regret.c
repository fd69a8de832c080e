#include <config.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "starc/regret.h"

static double ret_of(const starc_mdp *m, const double *V)
{
    const size_t S = starc_mdp_states(m);
    const double *mu0 = starc_mdp_initial(m);
    double acc = 0.0;
    for (size_t s = 0; s < S; s++)
        acc += mu0[s] * V[s];
    return acc;
}

int starc_regret_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p,
                      const starc_pi_options *opt, starc_regret_result *res,
                      starc_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    size_t *act = calloc(S, sizeof *act);
    double *V = starci_dalloc(S), *neg = starci_dalloc(S * A), *pi = starci_dalloc(S * A);
    int st = STARC_OK;
    if (!act || !V || !neg || !pi) {
        st = starci_error(err, STARC_ENOMEM, "out of memory");
        goto done;
    }
    st = starc_policy_optimal_rbar(m, Rbar_t, opt, act, V, NULL, ws, err);
    if (st)
        goto done;
    double jopt = ret_of(m, V);
    for (size_t i = 0; i < S * A; i++)
        neg[i] = -Rbar_t[i];
    st = starc_policy_optimal_rbar(m, neg, opt, act, V, NULL, ws, err);
    if (st)
        goto done;
    double jworst = -ret_of(m, V);
    st = starc_policy_optimal_rbar(m, Rbar_p, opt, act, NULL, NULL, ws, err);
    if (st)
        goto done;
    starc_policy_from_actions(m, act, pi);
    st = starc_policy_evaluate_rbar(m, pi, Rbar_t, V, NULL, ws, err);
    if (st)
        goto done;
    double jp = ret_of(m, V);
    double den = jopt - jworst;
    res->true_optimal_return = jopt;
    res->true_worst_return = jworst;
    res->proxy_policy_return = jp;
    if (den <= STARC_REGRET_TRIVIAL_TOL * fmax(1.0, fabs(jopt)))
        res->regret = 0.0;
    else {
        double r = (jopt - jp) / den;
        /* Round-off can push an exact 0 or 1 slightly outside [0, 1]. */
        res->regret = r < 0.0 ? 0.0 : r > 1.0 ? 1.0 : r;
    }
done:
    free(act);
    free(V);
    free(neg);
    free(pi);
    return st;
}

int starc_regret(const starc_mdp *m, const double *Rt, const double *Rp, const starc_pi_options *opt,
                 starc_regret_result *res, starc_workspace *ws, starc_error *err)
{
    const size_t S = starc_mdp_states(m), A = starc_mdp_actions(m);
    double *bt = starci_dalloc(S * A), *bp = starci_dalloc(S * A);
    int st;
    if (!bt || !bp)
        st = starci_error(err, STARC_ENOMEM, "out of memory");
    else {
        starc_reward_expected(m, Rt, bt);
        starc_reward_expected(m, Rp, bp);
        st = starc_regret_rbar(m, bt, bp, opt, res, ws, err);
    }
    free(bt);
    free(bp);
    return st;
}

int starc_regret_symmetric(const starc_mdp *m, const double *R1, const double *R2,
                           const starc_pi_options *opt, double *regret,
                           starc_workspace *ws, starc_error *err)
{
    starc_regret_result a, b;
    int st = starc_regret(m, R1, R2, opt, &a, ws, err);
    if (!st)
        st = starc_regret(m, R2, R1, opt, &b, ws, err);
    if (!st)
        *regret = 0.5 * (a.regret + b.regret);
    return st;
}
