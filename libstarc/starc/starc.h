/** @file starc/starc.h
 *  @brief Umbrella header: includes every public libstarc header; the API grammar.
 *
 *  libstarc computes STARC, EPIC and DARD distances between reward functions,
 *  regret, proxy/true reward correlation and regularised optima on finite
 *  MDPs.  Embedders that also call GSL should call
 *  `gsl_set_error_handler_off()` once at start-up: libstarc validates its own
 *  inputs and never relies on GSL's (aborting) default handler.
 *
 *  @section grammar The API grammar
 *
 *  Every public name follows these rules; new and changed code keeps them.
 *
 *  - **Prefix = module = file.**  `starc_policy_*` lives in libstarc/policy.c
 *    and is declared in `<starc/policy.h>` (its types in
 *    `<starc/policy-types.h>`, which it includes); macros and enum values
 *    are `STARC_POLICY_*`.  The modules, bottom up: error (the base, with
 *    the parallel runner and the kernels) -> mdp, npy, stats, fit -> policy
 *    (itself in layers: howard, the policy iteration the engines share ->
 *    dense, the dense engine -> sparse, the sparse engine -> policy, the
 *    dispatcher -> sparse-exact, the sparse twins of its internals) -> io,
 *    generate, gridworld, regret -> canon, norm -> metric -> distance |
 *    proxy, regularize, tomato -> overopt, proxygen, study.  A module uses
 *    only modules below it, and its header includes only their headers; the
 *    policy engines read the policy options through starc/policy-types.h,
 *    never starc/policy.h.
 *    `starc_version()` names the library itself; the status codes are
 *    `STARC_OK`, `STARC_EINVAL`, ... of starc/error.h.  starc/results.h is
 *    no module: it only names the files, columns and keys of the results
 *    contract (`STARC_RESULTS_*` macros) shared by the tools.
 *    Internal (non-exported) helpers are `starci_<module>_*`, declared in
 *    `libstarc/<module>-internal.h`, the header named after the .c file that
 *    implements them.
 *  - **Objects with invariants are opaque:**
 *    @code
 *    int  starc_X_alloc(<inputs...>, const starc_X_options *opt, starc_X **out, starc_error *err);
 *    void starc_X_free(starc_X *x);    // NULL is a no-op
 *    @endcode
 *    (`opt` NULL = defaults; objects without options omit it.)  When the
 *    inputs are expected rewards the allocator says so:
 *    `starc_proxy_alloc_rbar()`, `starc_regularize_alloc_rbar()`.  A file
 *    handle is opened and closed: `starc_npy_npz_open()` / `starc_npy_npz_close()`.
 *    Calls on an object take it first.  Accessors are `starc_X_<noun>()`, or
 *    `starc_X_get_<noun>()` when `<noun>` is also a type name
 *    (`starc_canon_get_kind()`, `starc_proxy_get_stats()`, `starc_overopt_get_info()`).
 *  - **Options:** a plain struct `starc_X_options` filled by
 *    `void starc_X_options_default(starc_X_options *o)`.  Every tolerance,
 *    iteration limit, seed and thread count is a field there with a documented
 *    default; never a raw scalar parameter, never a constant hard-wired inside a
 *    function.  An options struct nested in another is the field
 *    `<module>_options` (`canon_options`, `policy_options`, `regret_options`,
 *    `regularize_options`).  A plan's call that takes options uses them for the
 *    call; NULL means the plan's (or the defaults).
 *  - **Results:** a plain struct `starc_X_result` (or a named record such as
 *    ::starc_overopt_point, ::starc_overopt_info) written through an out pointer.
 *  - **Reward roles** always in the order (true, proxy, base): arguments,
 *    out-parameters (`starc_proxy_base_returns()`,
 *    `starc_regularize_base_returns()`) and struct fields.
 *  - **Errors:** every fallible call returns an `int` status (::STARC_OK = 0)
 *    and takes `starc_error *err` LAST (NULL allowed); the library never
 *    prints, exits or aborts.  Infallible calls (accessors, `_default`, `_name`,
 *    pure formulas such as starc_proxy_bounds()) return their value directly.
 *  - **Variants are enums:** `typedef enum starc_X_kind {...}` (or `_method`,
 *    `_solver`, `_form` where that is the noun), with
 *    `const char *starc_X_kind_name(starc_X_kind)` and
 *    `int starc_X_kind_parse(const char *name, starc_X_kind *out, starc_error *err)`;
 *    the names are the command line's, and `STARC_X_KIND_COUNT` counts them.
 *  - **One spelling per concept:** `nthreads` (values < 1 = the default),
 *    `seed` (`uint64_t`; randomness is a ::starc_generate_rng made from a seed,
 *    never a `gsl_rng *`), `tol`, `prob_tol` (probability sums),
 *    `trivial_tol` (what counts as zero relative to a scale), `max_iter`
 *    (iterations), `max_sweeps` (value-iteration sweeps).
 *  - **Reward shapes:** rewards are dense (S,A,S) row-major tensors
 *    `R[(s*A + a)*S + s2]` unless the function is about expected rewards
 *    `Rbar(s,a) = sum_s' T[s,a,s'] R[s,a,s']` (S*A), which its name then ends
 *    with: `_rbar` (starc_policy_evaluate_rbar(), starc_regret_rbar(),
 *    starc_proxy_hackable_rbar(), ...).  State rewards (S,) become dense with
 *    starc_mdp_reward_expand() and expected rewards with
 *    starc_mdp_state_reward_expected(); an (S,) or (S,A) reward gives the
 *    expected rewards of its expansion, bit for bit, without expanding it,
 *    with starc_mdp_reward_expected_shaped().
 *
 *  Example: the policy module's options hold the policy-iteration cap and tie
 *  tolerance, the probability tolerance of starc_policy_validate() and the
 *  value-iteration tolerance:
 *  @code
 *  starc_policy_options o;
 *  starc_policy_options_default(&o);
 *  o.tol = 1e-12;
 *  int st = starc_policy_value_iteration_rbar(m, Rbar, &o, V, act, NULL, &err);
 *  @endcode
 */
#ifndef STARC_STARC_H
#define STARC_STARC_H

#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/npy.h"
#include "starc/stats.h"
#include "starc/fit.h"
#include "starc/policy-types.h"
#include "starc/policy.h"
#include "starc/io.h"
#include "starc/generate.h"
#include "starc/regret.h"
#include "starc/canon.h"
#include "starc/norm.h"
#include "starc/metric.h"
#include "starc/distance.h"
#include "starc/gridworld.h"
#include "starc/proxy.h"
#include "starc/regularize.h"
#include "starc/tomato.h"
#include "starc/overopt.h"
#include "starc/proxygen.h"
#include "starc/study.h"
#include "starc/results.h"
/* @MODULE-HEADERS@ (one #include per module, added as modules land) */

#endif
