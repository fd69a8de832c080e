"""Correlated proxies (Laidlaw, Singhal & Dragan, ICLR 2025) and exact regularised optima."""

import math
from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import ADKL_SOLVERS, REGULARIZE_METHODS, Error, STARC_EDIM, STARC_EINVAL, check, err_ref, fn, parse_kind
from ._util import Handle, Result, addr, as_f64, copy_doubles, opt_float, opt_int, record, shape_str
from .mdp import Hackability, _policy_options, _proxy_options


def _pair_out(func, ptr):
    """Call func(ptr, &a, &b) for the (true, proxy) out-parameter pairs of the C API."""
    a, b = c_double(), c_double()
    func(ptr, byref(a), byref(b))
    return a.value, b.value


@record
class ProxyStats(Result):
    """Correlation statistics of a true and a proxy reward under a weighting.

    Attributes
    ----------
    r : float
        Weighted Pearson correlation (NaN when a standard deviation is 0).
    sigma_true, sigma_proxy : float
        Weighted standard deviations (population form).
    mean_true, mean_proxy : float
        Weighted means (under the base occupancy: the base policy's normalised returns).
    orpo_coef : float
        CP's ORPO coefficient ``sigma_proxy sqrt(1 - r^2)``.
    """
    r: float
    sigma_true: float
    sigma_proxy: float
    mean_true: float
    mean_proxy: float
    orpo_coef: float


def _stats(s):
    return ProxyStats(s.r, s.sigma_true, s.sigma_proxy, s.mean_true, s.mean_proxy, s.orpo_coef)


@record
class PolicyAnalysis(Result):
    """What the correlated-proxy analysis says about one policy (keys as ``starc proxy``).

    Attributes
    ----------
    true_return, proxy_return : float
        The policy's discounted, unnormalised returns.
    true_delta_normalized, proxy_delta_normalized : float
        ``(1-gamma)`` times the change from the base policy.
    a : float
        CP's quantity A of the policy (see starc/proxy.h).
    chi2 : float
        chi2(mu_pi || mu_b) of the occupancies; infinite when the policy goes where the base
        never does.
    leaves_base_support : bool
        Whether ``chi2`` is infinite.
    bound_a, bound_b, bound_tight : float
        CP's lower bounds on ``true_delta_normalized``.
    """
    true_return: float
    proxy_return: float
    true_delta_normalized: float
    proxy_delta_normalized: float
    a: float
    chi2: float
    leaves_base_support: bool
    bound_a: float
    bound_b: float
    bound_tight: float


def _analysis(p):
    return PolicyAnalysis(p.true_return, p.proxy_return, p.true_delta_normalized, p.proxy_delta_normalized, p.a,
                          p.chi2, math.isinf(p.chi2), p.bound_a, p.bound_b, p.bound_tight)


@record
class ProxyOptimal(Result):
    """The proxy-optimal policy (ties to the lowest action) and its analysis.

    Attributes
    ----------
    true_return, proxy_return : float
        The policy's discounted, unnormalised returns.
    true_delta_normalized, proxy_delta_normalized : float
        ``(1-gamma)`` times the change from the base policy.
    a : float
        CP's quantity A of the policy (see starc/proxy.h).
    chi2 : float
        chi2(mu_pi || mu_b) of the occupancies; infinite when the policy goes where the base
        never does.
    leaves_base_support : bool
        Whether ``chi2`` is infinite.
    bound_a, bound_b, bound_tight : float
        CP's lower bounds on ``true_delta_normalized``.
    true_return_min, true_return_max : float
        The extreme true returns over all proxy-optimal policies.
    actions : ndarray (S,) of int
        Its action in every state.
    policy : ndarray (S, A)
        Its one-hot policy.
    """
    true_return: float
    proxy_return: float
    true_delta_normalized: float
    proxy_delta_normalized: float
    a: float
    chi2: float
    leaves_base_support: bool
    bound_a: float
    bound_b: float
    bound_tight: float
    true_return_min: float
    true_return_max: float
    actions: np.ndarray
    policy: np.ndarray


@record
class ProxyResult(Result):
    """Everything ``starc proxy`` reports (the same keys), plus the base occupancy.

    Attributes
    ----------
    r, sigma_true, sigma_proxy, orpo_coef, mean_true, mean_proxy : float
        The correlation statistics under the base occupancy (ProxyStats).
    base_true_return, base_proxy_return : float
        The base policy's discounted, unnormalised returns.
    base_true_return_normalized, base_proxy_return_normalized : float
        Those returns times ``(1-gamma)``.
    reward_hacking : bool
        True when some proxy-optimal policy has a lower true return than the base policy
        (CP Def. 4.2).
    proxy_optimal : ProxyOptimal
        The proxy-optimal policy and its analysis.
    policy : PolicyAnalysis or None
        The analysis of the policy asked for.
    hackability : Hackability or None
        The hackability on the policy set asked for.
    base_occupancy : ndarray (S, A)
        The base policy's normalised state-action occupancy.
    """
    r: float
    sigma_true: float
    sigma_proxy: float
    orpo_coef: float
    mean_true: float
    mean_proxy: float
    base_true_return: float
    base_proxy_return: float
    base_true_return_normalized: float
    base_proxy_return_normalized: float
    reward_hacking: bool
    proxy_optimal: ProxyOptimal
    policy: object
    hackability: object
    base_occupancy: np.ndarray


class ProxyAnalysis(Handle):
    """The correlated-proxy analysis of (MDP, true reward, proxy reward, base policy), set up
    once: base occupancy, returns and correlation statistics; then any number of policies.

    Parameters
    ----------
    mdp : MDP
    true, proxy : array_like
        Rewards of shape (S,), (S, A) or (S, A, S).
    base : array_like (S, A), optional
        The base policy (default uniform).
    prob_tol, sigma_tol, hacking_tol, hackable_tol : float, optional
        The library's tolerances (starc_proxy_options).
    """

    _what = "proxy analysis"

    def __init__(self, mdp, true, proxy, base=None, *, prob_tol=None, sigma_tol=None, hacking_tol=None,
                 hackable_tol=None):
        self.mdp = mdp
        self._bt = mdp._expected(true, "true")
        self._bp = mdp._expected(proxy, "proxy")
        b = mdp._base(base)
        o = _proxy_options(prob_tol, sigma_tol, hacking_tol, hackable_tol)
        self._options = o
        out = c_void_p()
        check(fn.starc_proxy_alloc_rbar(mdp.ptr, addr(self._bt), addr(self._bp), addr(b), byref(o), byref(out),
                                        err_ref()))
        self._adopt(out.value, fn.starc_proxy_free, owner=mdp)

    @property
    def stats(self):
        """ProxyStats under the base occupancy."""
        return _stats(_lib.ProxyStats.from_address(fn.starc_proxy_get_stats(self.ptr)))

    @property
    def base_returns(self):
        """(J(pi_b, true), J(pi_b, proxy)), unnormalised."""
        return _pair_out(fn.starc_proxy_base_returns, self.ptr)

    @property
    def base_occupancy(self):
        """The base policy's normalised state-action occupancy mu_b (S, A)."""
        return copy_doubles(fn.starc_proxy_base_occupancy(self.ptr), (self.mdp.S, self.mdp.A))

    def analyze(self, pi):
        """The analysis of one policy.

        Parameters
        ----------
        pi : array_like (S, A)
            The policy.

        Returns
        -------
        PolicyAnalysis
        """
        p = self.mdp._policy(pi, validate=False)
        res = _lib.ProxyAnalyzeResult()
        check(fn.starc_proxy_analyze(self.ptr, addr(p), byref(res), err_ref()))
        return _analysis(res)

    def check_hacking(self, *, tie_tol=None, max_iter=None):
        """The proxy-optimal policy and whether optimising the proxy is reward hacking.

        Parameters
        ----------
        tie_tol, max_iter : optional
            Policy iteration's tie tolerance and limit.

        Returns
        -------
        (ProxyOptimal, bool)
        """
        po = _policy_options(tie_tol, max_iter)
        act = np.empty(self.mdp.S, dtype=np.uintp)
        hk = _lib.ProxyHackingResult()
        check(fn.starc_proxy_check_hacking(self.ptr, byref(po), addr(act), byref(hk), err_ref()))
        a = hk.proxy_optimal
        pol = np.empty((self.mdp.S, self.mdp.A))
        fn.starc_policy_from_actions(self.mdp.ptr, addr(act), addr(pol))
        po_ = ProxyOptimal(a.true_return, a.proxy_return, a.true_delta_normalized, a.proxy_delta_normalized, a.a,
                           a.chi2, math.isinf(a.chi2), a.bound_a, a.bound_b, a.bound_tight, hk.true_return_min,
                           hk.true_return_max, act.astype(np.intp), pol)
        return po_, bool(hk.reward_hacking)

    def hackable_deterministic(self, max_policies=None):
        """Hackability of the true and proxy reward on all A^S deterministic policies.

        Witnesses are numbered as in deterministic_policies().

        Parameters
        ----------
        max_policies : int, optional
            starc.Error when A^S exceeds it (default 65536).

        Returns
        -------
        Hackability
        """
        o = _deterministic_options(max_policies)
        o.proxy_options = self._options
        res = _lib.ProxyHackabilityResult()
        check(fn.starc_proxy_hackable_deterministic_rbar(self.mdp.ptr, addr(self._bt), addr(self._bp), byref(o),
                                                         byref(res), err_ref()))
        return Hackability(res.policies, bool(res.hackable),
                           (res.witness_i, res.witness_j) if res.hackable else None)

    def hackable(self, policies):
        """Hackability of the true and proxy reward on a set of policies.

        Parameters
        ----------
        policies : array_like (n, S, A)

        Returns
        -------
        Hackability
        """
        mdp = self.mdp
        pol = as_f64(policies, "policies")
        if pol.ndim != 3 or pol.shape[1:] != (mdp.S, mdp.A) or pol.shape[0] == 0:
            raise Error(STARC_EDIM, f"policies has shape {shape_str(pol.shape)}; expected (n,{mdp.S},{mdp.A})")
        from ctypes import c_int
        h, wi, wj = c_int(), c_size_t(), c_size_t()
        check(fn.starc_proxy_hackable_rbar(mdp.ptr, addr(self._bt), addr(self._bp), pol.shape[0], addr(pol),
                                           byref(self._options), byref(h), byref(wi), byref(wj), err_ref()))
        return Hackability(pol.shape[0], bool(h.value), (wi.value, wj.value) if h.value else None)


def _deterministic_options(max_policies=None, **proxy_options):
    o = _lib.ProxyDeterministicOptions()
    fn.starc_proxy_deterministic_options_default(byref(o))
    o.proxy_options = _proxy_options(**proxy_options)
    if max_policies is not None:
        o.max_policies = opt_int(max_policies, "max_policies", 1)
    return o


def deterministic_policies(mdp, max_policies=None):
    """All A^S deterministic policies of an MDP.

    Policy k takes action ``(k // A**s) % A`` in state s, the numbering of ``starc proxy
    --all-deterministic`` and of the Hackability witnesses.

    Parameters
    ----------
    mdp : MDP
    max_policies : int, optional
        starc.Error when A^S exceeds it (default 65536).

    Returns
    -------
    ndarray (A^S, S, A)
    """
    o = _deterministic_options(max_policies)
    n = c_size_t()
    check(fn.starc_proxy_deterministic_count(mdp.ptr, byref(o), byref(n), err_ref()))
    out = np.empty((n.value, mdp.S, mdp.A))
    for k in range(n.value):
        fn.starc_proxy_deterministic_policy(mdp.ptr, k, addr(out[k]))
    return out


def proxy(mdp, true, proxy, base=None, *, policy=None, policies=None, all_deterministic=False, tie_tol=None,
          max_iter=None, prob_tol=None, sigma_tol=None, hacking_tol=None, hackable_tol=None):
    """The correlated-proxy analysis of a true and a proxy reward under a base policy.

    Parameters
    ----------
    mdp : MDP
    true, proxy : array_like
        Rewards of shape (S,), (S, A) or (S, A, S).
    base : array_like (S, A), optional
        The base policy (default uniform).
    policy : array_like (S, A), optional
        Also analyse this policy.
    policies : array_like (n, S, A), optional
        Hackability (Skalse et al. 2022) of the two rewards on this set of policies.
    all_deterministic : bool
        Hackability on all A^S deterministic policies (at most 65536).
    tie_tol, max_iter : optional
        Policy iteration of the proxy-optimal policy.
    prob_tol, sigma_tol, hacking_tol, hackable_tol : optional
        The library's tolerances.

    Returns
    -------
    ProxyResult
        The numbers ``starc proxy --format json`` prints, bit for bit.
    """
    if policies is not None and all_deterministic:
        raise Error(STARC_EINVAL, "policies and all_deterministic exclude each other")
    with ProxyAnalysis(mdp, true, proxy, base, prob_tol=prob_tol, sigma_tol=sigma_tol, hacking_tol=hacking_tol,
                       hackable_tol=hackable_tol) as pa:
        po, hacking = pa.check_hacking(tie_tol=tie_tol, max_iter=max_iter)
        pol = pa.analyze(policy) if policy is not None else None
        hk = None
        if all_deterministic:
            hk = pa.hackable_deterministic()
        elif policies is not None:
            hk = pa.hackable(policies)
        s = pa.stats
        jt, jp = pa.base_returns
        g = mdp.gamma
        return ProxyResult(s.r, s.sigma_true, s.sigma_proxy, s.orpo_coef, s.mean_true, s.mean_proxy, jt, jp,
                           (1 - g) * jt, (1 - g) * jp, hacking, po, pol, hk, pa.base_occupancy)


def proxy_bounds(r, sigma_true, sigma_proxy, proxy_delta_normalized, chi2):
    """CP's three lower bounds on a policy's normalised true improvement (see starc/proxy.h).

    Parameters
    ----------
    r : float
        The correlation of true and proxy reward under the base occupancy.
    sigma_true, sigma_proxy : float
        Their standard deviations under the base occupancy.
    proxy_delta_normalized : float
        The policy's normalised proxy improvement.
    chi2 : float
        chi2(mu_pi || mu_b).

    Returns
    -------
    (bound_a, bound_b, bound_tight) : tuple of float
    """
    a, b, t = c_double(), c_double(), c_double()
    fn.starc_proxy_bounds(opt_float(r, "r"), opt_float(sigma_true, "sigma_true"),
                          opt_float(sigma_proxy, "sigma_proxy"),
                          opt_float(proxy_delta_normalized, "proxy_delta_normalized"), opt_float(chi2, "chi2"),
                          byref(a), byref(b), byref(t))
    return a.value, b.value, t.value


def weighted_stats(weights, true, proxy, *, sigma_tol=None):
    """Correlation statistics of two arrays under non-negative weights (any positive total).

    Parameters
    ----------
    weights : array_like
    true, proxy : array_like
        The same number of entries as ``weights`` (all flattened).
    sigma_tol : float, optional
        The relative tolerance under which a standard deviation counts as zero.

    Returns
    -------
    ProxyStats
    """
    w = as_f64(weights, "weights").ravel()
    x = as_f64(true, "true").ravel()
    y = as_f64(proxy, "proxy").ravel()
    if not (w.size == x.size == y.size):
        raise Error(STARC_EDIM, f"weights, true and proxy have {w.size}, {x.size} and {y.size} entries")
    o = _proxy_options(sigma_tol=sigma_tol)
    out = _lib.ProxyStats()
    check(fn.starc_proxy_weighted_stats(w.size, addr(w), addr(x), addr(y), byref(o), byref(out), err_ref()))
    return _stats(out)


# ------------------------------------------------------------------------ regularisation


@record
class RegularizeResult(Result):
    """A regularised optimum (or the diagnostics of a given policy), with the keys of
    ``starc regularize --format json`` plus the policy and its occupancy.

    Returns are discounted and unnormalised unless the name ends in ``_normalized`` (times
    ``(1-gamma)``); divergences are between normalised occupancies (``ad_kl_unnormalized``
    excepted) and are infinite when the policy leaves the base's support.

    Attributes
    ----------
    method : str
        ad-kl, om-chi2, om-sqrt-chi2 or om-kl.
    coef, inner_coef : float
        The coefficient, and the inner problem's coefficient the solver reached it with.
    divergence, objective : float
        The method's divergence from the base and ``Jn(pi, proxy) - coef * divergence``.
    proxy_return, true_return, proxy_return_normalized, true_return_normalized : float
        The policy's returns.
    base_proxy_return, base_true_return : float
        The base policy's returns.
    proxy_delta, true_delta, proxy_delta_normalized, true_delta_normalized : float
        The changes from the base.
    ad_kl, ad_kl_unnormalized, state_kl, om_kl, chi2, tv : float
        Every divergence of the policy from the base.
    r, sigma_proxy, orpo_coef : float
        The correlation statistics under the base occupancy (NaN without a true reward).
    residual, tol : float
        The solver's final residual and the tolerance it used.
    converged : bool
    iterations : int
    policy : ndarray (S, A)
    occupancy : ndarray (S, A)
        The policy's normalised state-action occupancy.
    """
    method: str
    coef: float
    inner_coef: float
    divergence: float
    objective: float
    proxy_return: float
    true_return: float
    proxy_return_normalized: float
    true_return_normalized: float
    base_proxy_return: float
    base_true_return: float
    proxy_delta: float
    true_delta: float
    proxy_delta_normalized: float
    true_delta_normalized: float
    ad_kl: float
    ad_kl_unnormalized: float
    state_kl: float
    om_kl: float
    chi2: float
    tv: float
    r: float
    sigma_proxy: float
    orpo_coef: float
    residual: float
    tol: float
    converged: bool
    iterations: int
    policy: np.ndarray
    occupancy: np.ndarray


def _regularize_options(o, tol=None, max_iter=None, max_sweeps=None, search_tol=None, search_max_iter=None,
                        stall_max_iter=None, adkl_solver=None, warm_start=None, prob_tol=None):
    for name, v in (("tol", tol), ("search_tol", search_tol), ("prob_tol", prob_tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    for name, v in (("max_iter", max_iter), ("max_sweeps", max_sweeps), ("search_max_iter", search_max_iter),
                    ("stall_max_iter", stall_max_iter)):
        if v is not None:
            setattr(o, name, opt_int(v, name, 1))
    if adkl_solver is not None:
        o.adkl_solver = parse_kind(adkl_solver, ADKL_SOLVERS, fn.starc_regularize_adkl_solver_parse, "adkl_solver")
    if warm_start is not None:
        o.warm_start = 1 if warm_start else 0
    return o


class Regularizer(Handle):
    """Exact regularised optimisation of a proxy reward against a base policy.

    Set up once for (MDP, true reward, proxy reward, base policy); solve() then warm-starts from
    the previous solution of the same method family, so pressure sweeps are cheap.

    Parameters
    ----------
    mdp : MDP
    true : array_like or None
        The true reward, for reporting (the true-return fields are NaN without it).
    proxy : array_like
        The reward that is optimised.
    base : array_like (S, A), optional
        The base policy (default uniform); zero entries and unvisited states are allowed.
    options
        The solvers' options, keywords tol, max_iter, max_sweeps, search_tol, search_max_iter,
        stall_max_iter, adkl_solver ("pi" or "vi"), warm_start, prob_tol
        (starc_regularize_options).
    """

    _what = "regularizer"

    def __init__(self, mdp, true, proxy, base=None, **options):
        self.mdp = mdp
        bp = mdp._expected(proxy, "proxy")
        bt = mdp._expected(true, "true") if true is not None else None
        b = mdp._base(base)
        o = _lib.RegularizeOptions()
        fn.starc_regularize_options_default(byref(o))
        self._options = _regularize_options(o, **options)
        out = c_void_p()
        check(fn.starc_regularize_alloc_rbar(mdp.ptr, addr(bt) if bt is not None else None, addr(bp), addr(b),
                                             byref(o), byref(out), err_ref()))
        self._adopt(out.value, fn.starc_regularize_free, owner=mdp)
        self._stats = None
        if bt is not None:
            s = _lib.ProxyStats()
            check(fn.starc_proxy_weighted_stats(mdp.S * mdp.A, fn.starc_regularize_base_occupancy(self.ptr), addr(bt),
                                                addr(bp), None, byref(s), err_ref()))
            self._stats = _stats(s)

    @property
    def stats(self):
        """ProxyStats of the true and proxy reward under the base occupancy (None without a
        true reward)."""
        return self._stats

    @property
    def base_returns(self):
        """(J(pi_b, true), J(pi_b, proxy)), unnormalised (the first is NaN without a true reward)."""
        return _pair_out(fn.starc_regularize_base_returns, self.ptr)

    @property
    def base_occupancy(self):
        """The base policy's normalised state-action occupancy mu_b (S, A)."""
        return copy_doubles(fn.starc_regularize_base_occupancy(self.ptr), (self.mdp.S, self.mdp.A))

    def set_options(self, **options):
        """Change the solvers' options (keeps the warm-start state).

        Parameters
        ----------
        options
            Keywords as for Regularizer.
        """
        o = _regularize_options(_lib.RegularizeOptions.from_buffer_copy(self._options), **options)
        check(fn.starc_regularize_set_options(self.ptr, byref(o), err_ref()))
        self._options = o

    def reset(self):
        """Forget the warm-start state."""
        fn.starc_regularize_reset(self.ptr)

    def orpo_coef(self):
        """CP's coefficient ``sigma_proxy sqrt(1 - r^2)`` under the base (needs a true reward).

        Returns
        -------
        float
        """
        if self._stats is None:
            raise Error(STARC_EINVAL, "coef 'orpo' needs a true reward (it uses r and sigma_proxy under the base)")
        return self._stats.orpo_coef

    def _result(self, res, pi):
        S, A = self.mdp.S, self.mdp.A
        occ = fn.starc_regularize_occupancy(self.ptr)
        jt, jp = self.base_returns
        s = self._stats
        nan = float("nan")
        return RegularizeResult(
            REGULARIZE_METHODS[res.method], res.coef, res.inner_coef, res.divergence, res.objective, res.proxy_return,
            res.true_return, res.proxy_return_normalized, res.true_return_normalized, jp, jt, res.proxy_delta,
            res.true_delta, res.proxy_delta_normalized, res.true_delta_normalized, res.ad_kl, res.ad_kl_unnormalized,
            res.state_kl, res.om_kl, res.chi2, res.tv, s.r if s else nan, s.sigma_proxy if s else nan,
            s.orpo_coef if s else nan, res.residual, self._options.tol, bool(res.converged), res.iterations, pi,
            copy_doubles(occ, (S, A)) if occ else np.full((S, A), nan))

    def _coef(self, coef):
        if isinstance(coef, str) and coef == "orpo":
            c = self.orpo_coef()
            if not c > 0:
                s = self._stats
                raise Error(STARC_EINVAL, f"coef: the ORPO coefficient sigma_proxy sqrt(1 - r^2) = {c:g} is not > 0 "
                                          f"(r = {s.r:g}, sigma_proxy = {s.sigma_proxy:g})")
            return c
        return opt_float(coef, "coef")

    def solve(self, method, coef):
        """The exact maximiser of ``Jn(pi, proxy) - coef * D(pi)``.

        Parameters
        ----------
        method : str
            ad-kl, om-chi2, om-sqrt-chi2 (ORPO) or om-kl.
        coef : float or "orpo"
            The coefficient (> 0), or CP's ``sigma_proxy sqrt(1 - r^2)`` (needs a true reward).

        Returns
        -------
        RegularizeResult

        Raises
        ------
        starc.Error
            ``status`` ENOCONV when the solver does not converge; the error's ``result``
            attribute then holds the last iterate's diagnostics.
        """
        m = parse_kind(method, REGULARIZE_METHODS, fn.starc_regularize_method_parse, "method")
        c = self._coef(coef)
        pi = np.empty((self.mdp.S, self.mdp.A))
        res = _lib.RegularizeResult()
        st = fn.starc_regularize_solve(self.ptr, m, c, addr(pi), byref(res), err_ref())
        if st:
            try:
                check(st)
            except Error as e:
                e.result = self._result(res, pi) if st == _lib.STARC_ENOCONV else None
                raise
        return self._result(res, pi)

    def evaluate(self, pi, method, coef):
        """The diagnostics of a given policy against the base.

        Parameters
        ----------
        pi : array_like (S, A)
            The policy.
        method : str
            The method whose divergence and objective are reported.
        coef : float or "orpo"
            Its coefficient.

        Returns
        -------
        RegularizeResult
        """
        p = self.mdp._policy(pi, validate=False)
        m = parse_kind(method, REGULARIZE_METHODS, fn.starc_regularize_method_parse, "method")
        res = _lib.RegularizeResult()
        check(fn.starc_regularize_evaluate(self.ptr, addr(p), m, self._coef(coef), byref(res), err_ref()))
        return self._result(res, p.copy())


def regularize(mdp, true, proxy, base, method, coef, **options):
    """The exact regularised optimum of a proxy reward (one-shot Regularizer.solve()).

    Parameters
    ----------
    mdp : MDP
    true : array_like or None
        The true reward, for reporting (needed for ``coef="orpo"``).
    proxy : array_like
        The reward that is optimised.
    base : array_like (S, A) or None
        The base policy (None: uniform).
    method : str
        ad-kl, om-chi2, om-sqrt-chi2 or om-kl.
    coef : float or "orpo"
    options
        tol, max_iter, adkl_solver, ... as for Regularizer.

    Returns
    -------
    RegularizeResult
        The numbers of ``starc regularize --format json``, the policy and its occupancy.
    """
    with Regularizer(mdp, true, proxy, base, **options) as rg:
        return rg.solve(method, coef)
