/* The sections of proxy, regularize and regret JSON results (section-json.h). */
#include <config.h>
#include <string.h>

#include <starc/results.h>

#include "markdown.h"
#include "section-json.h"

static void explain_proxy(nb_buf *b, json_t *j)
{
    nb_buf_printf(b,
        "**Correlated proxies** (%s). Under the base policy's occupancy $\\mu_b$, `r` is the Pearson "
        "correlation of the true and proxy expected rewards $\\bar R(s,a)$, and `sigma_true`, `sigma_proxy` "
        "their standard deviations. For the proxy-optimal policy $\\pi$: the changes of normalised return from "
        "the base policy ($\\Delta J_t$ = `true_delta_normalized`), and $\\chi^2 = \\chi^2(\\mu_\\pi \\| \\mu_b)$. "
        "The bounds are lower bounds on $\\Delta J_t$, with $a = \\Delta J_p / \\sigma_p$: "
        "A: $\\sigma_t (r a - \\sqrt{1-r^2}\\sqrt{\\chi^2})$; B (CP's form): "
        "$\\frac{\\sigma_t}{r \\sigma_p}(\\Delta J_p - \\sigma_p \\sqrt{1-r^2}\\sqrt{\\chi^2})$; tight "
        "(Liu, Sun, Zheng, ICLR 2026): $\\sigma_t (r a - \\sqrt{1-r^2}\\sqrt{\\chi^2 - a^2})$. "
        "**Reward hacking** (CP, Definition 4.2): an optimal policy for the proxy has a lower true return "
        "than the base policy; near-perfect correlation under the base policy does not rule it out. "
        "Returns are discounted and unnormalised ($\\mu_0 \\cdot V$) unless a key ends in `_normalized`.\n\n",
        NB_CITE_CP);
    json_t *h = json_object_get(j, STARC_RESULTS_PROXY_KEY_REWARD_HACKING);
    if (json_is_boolean(h))
        nb_buf_add(b, json_is_true(h) ? "**Reward hacking: yes.** Optimising the proxy lowers the true return "
                                        "below the base policy's.\n\n"
                                      : "**Reward hacking: no.** The proxy-optimal policy does not lower the "
                                        "true return below the base policy's.\n\n");
}

static void explain_regularize(nb_buf *b)
{
    nb_buf_printf(b,
        "The exact optimum of the **regularised objective** $J_n(\\pi, R_{proxy}) - \\lambda D(\\pi)$ "
        "(`coef` = $\\lambda$; `objective` is its value, with the normalised proxy return). `ad-kl`: "
        "$D = \\sum_s d_\\pi(s)\\,\\mathrm{KL}(\\pi(\\cdot|s) \\| \\pi_b(\\cdot|s))$, by soft value iteration with "
        "the base policy as reference; `om-chi2`: $D = \\chi^2(\\mu_\\pi \\| \\mu_b)$ over occupancy measures, "
        "solved exactly through its dual; `om-sqrt-chi2`: $D = \\sqrt{\\chi^2}$, the ORPO penalty of %s, "
        "whose suggested $\\lambda = \\sigma_{proxy}\\sqrt{1 - r^2}$. Divergences of the optimum from the "
        "base policy: `ad_kl`, `om_kl` $= \\mathrm{KL}(\\mu_\\pi \\| \\mu_b) \\ge$ `ad_kl`, `chi2`, `tv`. "
        "Returns are discounted and unnormalised ($\\mu_0 \\cdot V$).\n\n",
        NB_CITE_CP);
}

static void explain_regret(nb_buf *b)
{
    nb_buf_add(b,
        "**Normalised regret** of optimising the proxy when the true reward is $R_t$: "
        "$\\mathrm{reg} = (J_t(\\pi^*_t) - J_t(\\pi^*_p)) / (J_t(\\pi^*_t) - J_t(\\pi^-_t))$, "
        "0 when the proxy's optimal policy is optimal for the truth, 1 when it is the worst; "
        "returns are exact (policy iteration; ties to the lowest action). The STARC study uses the symmetric "
        "mean of both directions.\n\n");
}

/* Python checking, for a proxy result, that each bound lies below the true change. */
static void check_bounds(nb_buf *b, json_t *j)
{
    json_t *po = json_object_get(j, STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL);
    if (!json_is_object(po) || !json_object_get(po, STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED))
        return;
#define TD STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED
    nb_buf_add(b,
        "\npo = res[\"" STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL "\"]\n"
        "for bound in (\"" STARC_RESULTS_PROXY_KEY_BOUND_A "\", \"" STARC_RESULTS_PROXY_KEY_BOUND_B "\", \""
        STARC_RESULTS_PROXY_KEY_BOUND_TIGHT "\"):\n"
        "    if po.get(bound) is not None and po[\"" TD "\"] is not None:\n"
        "        print(f\"{bound}: {po[bound]:.6g} <= " TD " {po['" TD "']:.6g}:\",\n"
        "              po[bound] <= po[\"" TD "\"])");
#undef TD
}

int nb_json_result_cells(nb_section *s, const nb_file_result *r, const char *name)
{
    nb_buf b;
    nb_buf_init(&b);
    int proxy = strcmp(s->kind, STARC_RESULTS_KIND_PROXY) == 0;
    int regularize = strcmp(s->kind, STARC_RESULTS_KIND_REGULARIZE) == 0;
    nb_section_heading(&b, s, proxy ? "Proxy and true reward" : regularize ? "Regularised optimum" : "Regret");
    if (proxy)
        explain_proxy(&b, r->json);
    else if (regularize)
        explain_regularize(&b);
    else
        explain_regret(&b);
    nb_md_json_table(&b, r->json, 4 * s->x->o.table_rows);
    int st = nb_section_md(s, &b);
    nb_buf_reset(&b);
    nb_section_py_load_json(&b, s, name, "res");
    nb_buf_add(&b, "print(json.dumps(res, indent=1))");
    if (proxy)
        check_bounds(&b, r->json);
    if (!st)
        st = nb_section_code(s, &b, NULL);
    nb_buf_free(&b);
    return st;
}
