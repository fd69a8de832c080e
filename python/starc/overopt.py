"""Overoptimisation curves (Gao, Schulman & Hilton 2022): pressure paths, exact best-of-n,
Gao's forms fitted, summaries."""

from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import OVEROPT_METHODS, Error, STARC_EDIM, STARC_EINVAL, check, err_ref, fn, parse_kind
from ._util import Handle, Result, addr, as_f64, opt_float, opt_int, record, struct_fields
from .proxy import _regularize_options

POINT_FIELDS = ("coef", "kl", "kl_normalized", "d", "chi2", "proxy_return", "true_return", "proxy_delta",
                "true_delta", "bound")
GAO_FORMS = ("bon", "rl")


@record
class GaoFit(Result):
    """A least-squares fit of Gao's form ``R(d) = d (alpha - beta d)`` (bon) or
    ``d (alpha - beta log d)`` (rl), d = sqrt(KL).

    Attributes
    ----------
    form : str
        bon or rl.
    n : int
        Points fitted.
    alpha, beta : float
        The coefficients.
    r2, rss : float
        Goodness of fit.
    peak_d, peak_kl, peak_value : float
        The maximum of R (NaN when beta <= 0).
    """
    form: str
    n: int
    alpha: float
    beta: float
    r2: float
    rss: float
    peak_d: float
    peak_kl: float
    peak_value: float


@record
class OveroptPoint(Result):
    """One point of a pressure path.

    Attributes
    ----------
    coef : float
        The coefficient (n for best-of-n).
    kl, kl_normalized : float
        The unnormalised discounted KL to the base, and its normalised form.
    d : float
        sqrt(kl).
    chi2 : float
        chi2 of the occupancies.
    proxy_return, true_return : float
        The returns.
    proxy_delta, true_delta : float
        Their changes from the base.
    bound : float
        CP's lower bound on the true change.
    """
    coef: float
    kl: float
    kl_normalized: float
    d: float
    chi2: float
    proxy_return: float
    true_return: float
    proxy_delta: float
    true_delta: float
    bound: float


def _point(p):
    return OveroptPoint(*(getattr(p, f) for f in POINT_FIELDS))


@record
class OveroptSummary(Result):
    """The true curve summarised without assuming one peak (starc_overopt_summarize()).

    Attributes
    ----------
    n : int
        Points.
    peak_index : int
        The point with the largest true change.
    peak_true_delta, peak_coef, peak_kl, peak_d : float
        That point's true change, coefficient, KL and d.
    end_true_delta, end_proxy_delta, end_kl : float
        The last point's.
    drop, drop_normalized : float
        The fall of the true change from the peak to the end, and that over the true return
        range.
    non_monotone : bool
        Whether the true curve goes down somewhere by more than the flat tolerance.
    local_maxima : int
        Its local maxima.
    """
    n: int
    peak_index: int
    peak_true_delta: float
    peak_coef: float
    peak_kl: float
    peak_d: float
    end_true_delta: float
    end_proxy_delta: float
    end_kl: float
    drop: float
    drop_normalized: float
    non_monotone: bool
    local_maxima: int


@record
class OveroptCurve(Result):
    """One pressure path, points in order of increasing pressure.

    Attributes
    ----------
    method : str
    coef, kl, kl_normalized, d, chi2, proxy_return, true_return, proxy_delta, true_delta, bound : ndarray
        The point fields (see OveroptPoint), one entry per point.
    coef_min, coef_max : float
        The coefficient range used.
    summary : OveroptSummary
    fits : dict
        Gao's fits ``fits[target][form]`` (target "true" or "proxy", form "bon" or "rl"; None
        where the fit is undefined) of the change against d over the points with finite d.
    """
    method: str
    coef: np.ndarray
    kl: np.ndarray
    kl_normalized: np.ndarray
    d: np.ndarray
    chi2: np.ndarray
    proxy_return: np.ndarray
    true_return: np.ndarray
    proxy_delta: np.ndarray
    true_delta: np.ndarray
    bound: np.ndarray
    coef_min: float
    coef_max: float
    summary: OveroptSummary
    fits: dict


@record
class OveroptResult(Result):
    """The numbers of ``starc overopt``'s curves.tsv, fits.tsv and summary.json.

    Attributes
    ----------
    base_true_return, base_proxy_return : float
        The base policy's returns.
    proxy_optimal_true_return, proxy_optimal_proxy_return : float
        The proxy-optimal policy's.
    true_optimal_return, true_worst_return, true_range : float
        The true reward's optimal and worst returns and their difference.
    r, sigma_true, sigma_proxy : float
        CP's statistics under the base occupancy.
    methods : dict
        {method: OveroptCurve}.
    """
    base_true_return: float
    base_proxy_return: float
    proxy_optimal_true_return: float
    proxy_optimal_proxy_return: float
    true_optimal_return: float
    true_worst_return: float
    true_range: float
    r: float
    sigma_true: float
    sigma_proxy: float
    methods: dict


def gao_eval(form, alpha, beta, d):
    """Gao's form at d >= 0 (the RL form's limit 0 at d = 0; NaN for d < 0).

    Parameters
    ----------
    form : str
        bon or rl.
    alpha, beta : float
    d : float or array_like

    Returns
    -------
    float or ndarray
    """
    f = _gao_form(form)
    dd = np.asarray(d, dtype=np.float64)
    out = np.array([fn.starc_overopt_gao_eval(f, float(alpha), float(beta), float(x)) for x in dd.ravel()]).reshape(dd.shape)
    return float(out) if out.ndim == 0 else out


def _gao_form(form):
    if form not in GAO_FORMS:
        raise Error(STARC_EINVAL, f"form: {form!r} is not one of {', '.join(GAO_FORMS)}")
    return GAO_FORMS.index(form)


def _gao(g, form):
    return GaoFit(form, g.n, g.alpha, g.beta, g.r2, g.rss, g.peak_d, g.peak_kl, g.peak_value)


def gao_fit(d, y, form="bon"):
    """Least-squares fit of Gao's form (no intercept) to points (d_i, y_i).

    starc.Error (status EUNDEF) when the two columns are dependent (fewer than two distinct
    d > 0, say).

    Parameters
    ----------
    d, y : array_like (n,)
    form : str
        bon (default) or rl.

    Returns
    -------
    GaoFit
    """
    f = _gao_form(form)
    dd = as_f64(d, "d").ravel()
    yy = as_f64(y, "y").ravel()
    if dd.size != yy.size:
        raise Error(STARC_EDIM, f"d and y have {dd.size} and {yy.size} entries")
    g = _lib.GaoFit()
    check(fn.starc_overopt_gao_fit_points(f, dd.size, addr(dd), addr(yy), byref(g), err_ref()))
    return _gao(g, form)


def bon_distribution(p, score, n, tol=0.0):
    """The exact best-of-n distribution over the actions of one state: draw n actions from p, keep
    one with the highest score (ties broken uniformly).

    Parameters
    ----------
    p : array_like (A,)
        The base distribution.
    score : array_like (A,)
        The actions' scores.
    n : int
        n >= 1.
    tol : float
        Scores within tol tie (default 0).

    Returns
    -------
    (probabilities, kl) : (ndarray (A,), float)
        The distribution and its KL to p.
    """
    pp = as_f64(p, "p").ravel()
    sc = as_f64(score, "score").ravel()
    if pp.size != sc.size:
        raise Error(STARC_EDIM, f"p and score have {pp.size} and {sc.size} entries")
    out = np.empty(pp.size)
    kl = c_double()
    check(fn.starc_overopt_bon_distribution(pp.size, addr(pp), addr(sc), opt_int(n, "n", 1), opt_float(tol, "tol"),
                                            addr(out), byref(kl), err_ref()))
    return out, kl.value


def _overopt_options(coef_min=None, coef_max=None, points=None, range_tol=None, range_max_steps=None, bon_max=None,
                     tie_tol=None, prob_tol=None, support_tol=None, gain_tol=None, flat_tol=None, **regularize):
    o = _lib.OveroptOptions()
    fn.starc_overopt_options_default(byref(o))
    for name, v in (("coef_min", coef_min), ("coef_max", coef_max), ("range_tol", range_tol), ("tie_tol", tie_tol),
                    ("prob_tol", prob_tol), ("support_tol", support_tol), ("gain_tol", gain_tol),
                    ("flat_tol", flat_tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    for name, v, lo in (("points", points, 2), ("range_max_steps", range_max_steps, 1), ("bon_max", bon_max, 1)):
        if v is not None:
            setattr(o, name, opt_int(v, name, lo))
    _regularize_options(o.regularize_options, **regularize)
    return o


class Overopt(Handle):
    """An overoptimisation plan for (MDP, true reward, proxy reward, base policy).

    The base's returns, occupancy and proxy action values, the CP statistics, the proxy optimum
    and the true return range are computed once; then pressure paths.

    Parameters
    ----------
    mdp : MDP
    true, proxy : array_like
        Rewards of shape (S,), (S, A) or (S, A, S).
    base : array_like (S, A), optional
        The base policy (default uniform).
    options
        Keywords coef_min, coef_max, points, range_tol, bon_max, tie_tol, tol, max_iter, ...
        (starc_overopt_options and the regularised solvers'); given here they are the plan's,
        given to sweep() they apply to that call.
    """

    _what = "overoptimisation plan"

    def __init__(self, mdp, true, proxy, base=None, **options):
        self.mdp = mdp
        # the plan needs only the expected rewards (starc_overopt_alloc_rbar: dense and sparse MDPs;
        # on a dense MDP the same plan, bit for bit, as from the full rewards)
        t = mdp._expected(true, "true")
        p = mdp._expected(proxy, "proxy")
        b = mdp._base(base)
        self._options = _overopt_options(**options)
        out = c_void_p()
        check(fn.starc_overopt_alloc_rbar(mdp.ptr, addr(t), addr(p), addr(b), byref(self._options), byref(out),
                                          err_ref()))
        self._adopt(out.value, fn.starc_overopt_free, owner=mdp)

    @property
    def info(self):
        """The plan's facts as a dict (base returns, proxy optimum, true range, r, sigmas)."""
        i = _lib.OveroptInfo()
        fn.starc_overopt_get_info(self.ptr, byref(i))
        return struct_fields(i)

    def proxy_optimal_policy(self):
        """The proxy-optimal deterministic policy (ties to the lowest action).

        Returns
        -------
        ndarray (S, A)
        """
        out = np.empty((self.mdp.S, self.mdp.A))
        fn.starc_overopt_proxy_optimal_policy(self.ptr, addr(out))
        return out

    def evaluate(self, pi, coef=float("nan")):
        """The point of an arbitrary policy.

        Parameters
        ----------
        pi : array_like (S, A)
        coef : float
            Recorded as the point's coefficient (default NaN).

        Returns
        -------
        OveroptPoint
        """
        p = self.mdp._policy(pi, validate=False)
        pt = _lib.OveroptPoint()
        check(fn.starc_overopt_evaluate(self.ptr, addr(p), opt_float(coef, "coef"), byref(pt), err_ref()))
        return _point(pt)

    def bon(self, n):
        """The exact per-state best-of-n policy and its point.

        Parameters
        ----------
        n : int
            n >= 1.

        Returns
        -------
        (policy, OveroptPoint)
            policy is an ndarray (S, A).
        """
        pi = np.empty((self.mdp.S, self.mdp.A))
        pt = _lib.OveroptPoint()
        check(fn.starc_overopt_bon(self.ptr, opt_int(n, "n", 1), None, addr(pi), byref(pt), err_ref()))
        return pi, _point(pt)

    def solve(self, method, coef):
        """One regularised optimum of a path.

        Parameters
        ----------
        method : str
            ad-kl, om-chi2, om-sqrt-chi2, om-kl or bon.
        coef : float
            The coefficient (n for bon).

        Returns
        -------
        (policy, OveroptPoint)
            policy is an ndarray (S, A).
        """
        m = parse_kind(method, OVEROPT_METHODS, fn.starc_overopt_method_parse, "method")
        pi = np.empty((self.mdp.S, self.mdp.A))
        pt = _lib.OveroptPoint()
        check(fn.starc_overopt_solve(self.ptr, m, opt_float(coef, "coef"), None, addr(pi), byref(pt), err_ref()))
        return pi, _point(pt)

    def sweep(self, method, **options):
        """One pressure path, summary and Gao fits included.

        Parameters
        ----------
        method : str
            ad-kl, om-chi2, om-sqrt-chi2, om-kl or bon.
        options
            Keywords as for Overopt, for this call.

        Returns
        -------
        OveroptCurve
        """
        m = parse_kind(method, OVEROPT_METHODS, fn.starc_overopt_method_parse, "method")
        o = _overopt_options(**options) if options else self._options
        pts = (_lib.OveroptPoint * o.points)()
        n, lo, hi = c_size_t(), c_double(), c_double()
        check(fn.starc_overopt_sweep(self.ptr, m, byref(o), pts, byref(n), byref(lo), byref(hi), err_ref()))
        n = n.value
        arr = np.ctypeslib.as_array(pts)[:n]
        cols = {f: np.array(arr[f], dtype=np.float64) for f in POINT_FIELDS}
        s = _lib.OveroptSummary()
        check(fn.starc_overopt_summarize(pts, n, self.info["true_range"], None, byref(s), err_ref()))
        summary = OveroptSummary(s.n, s.peak_index, s.peak_true_delta, s.peak_coef, s.peak_kl, s.peak_d,
                                 s.end_true_delta, s.end_proxy_delta, s.end_kl, s.drop, s.drop_normalized,
                                 bool(s.non_monotone), s.local_maxima)
        fits = {}
        keep = np.isfinite(cols["d"])
        d = np.ascontiguousarray(cols["d"][keep])
        for target in ("true", "proxy"):
            y = np.ascontiguousarray(cols[target + "_delta"][keep])
            fits[target] = {}
            for form in GAO_FORMS:
                g = _lib.GaoFit()
                ok = fn.starc_overopt_gao_fit_points(GAO_FORMS.index(form), d.size, addr(d), addr(y), byref(g), None) == 0
                fits[target][form] = _gao(g, form) if ok else None
        return OveroptCurve(OVEROPT_METHODS[m], *(cols[f] for f in POINT_FIELDS), lo.value, hi.value, summary, fits)


def overopt(mdp, true, proxy, base=None, methods=("ad-kl", "om-chi2", "om-sqrt-chi2", "bon"), *, progress=None,
            **options):
    """Overoptimisation curves: the exact true and proxy returns of policies that optimise the
    proxy harder and harder, from the base policy.

    Parameters
    ----------
    mdp : MDP
    true, proxy : array_like
        Rewards of shape (S,), (S, A) or (S, A, S).
    base : array_like (S, A), optional
        The base policy (default uniform).
    methods : sequence of str
        Pressure paths: ad-kl, om-chi2, om-sqrt-chi2, om-kl, bon.
    progress : callable, optional
        ``progress(done, total)`` after each method.
    options
        coef_min, coef_max, points (41), range_tol, bon_max (1000), tol, max_iter, ...

    Returns
    -------
    OveroptResult
        The numbers ``starc overopt`` writes, bit for bit.
    """
    if isinstance(methods, str):
        methods = [m for m in methods.split(",") if m]
    names = []
    for m in methods:
        name = OVEROPT_METHODS[parse_kind(m, OVEROPT_METHODS, fn.starc_overopt_method_parse, "methods")]
        if name not in names:
            names.append(name)
    if not names:
        raise Error(STARC_EINVAL, "methods: no method given")
    with Overopt(mdp, true, proxy, base, **options) as plan:
        info = plan.info
        curves = {}
        for k, name in enumerate(names):
            curves[name] = plan.sweep(name)
            if progress is not None:
                progress(k + 1, len(names))
        return OveroptResult(info["base_true_return"], info["base_proxy_return"], info["proxy_optimal_true_return"],
                             info["proxy_optimal_proxy_return"], info["true_optimal_return"],
                             info["true_worst_return"], info["true_range"], info["r"], info["sigma_true"],
                             info["sigma_proxy"], curves)
