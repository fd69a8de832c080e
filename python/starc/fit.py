"""Fitting overoptimisation curves to your own logs (the fit module, starc/fit.h): Gao et al.'s
forms with standard errors and bootstrap intervals, peaks, the extrapolation check, scaling
with reward-model size and the unbiased best-of-n estimator."""

from ctypes import byref, c_double, c_void_p

import numpy as np

from . import _lib
from ._lib import FIT_CENTERS, FIT_FORMS, FIT_SCALING_KINDS, Error, STARC_EDIM, STARC_EINVAL, check, err_ref, fn
from ._lib import parse_kind
from ._util import Handle, Result, addr, as_f64, opt_float, opt_int, record


@record
class Interval(Result):
    """Uncertainty of one estimate.

    Attributes
    ----------
    se : float
        Its standard error (NaN for derived quantities).
    lo, hi : float
        The bootstrap percentile interval (NaN without bootstrap).
    """
    se: float
    lo: float
    hi: float


def _ci(c):
    return Interval(c.se, c.lo, c.hi)


@record
class FitResult(Result):
    """One fitted curve ``R(d)``, d = sqrt(KL): coefficients, goodness of fit, the peak, and the
    uncertainty of each.

    Attributes
    ----------
    form : str
        The form fitted (bon, rl, log1p, power).
    center : str
        The centring used (auto resolved).
    n, skipped, nparam : int
        Points fitted, non-finite points left out, parameters estimated.
    alpha, beta, g : float
        The coefficients (g: the power form's exponent, NaN for the others).
    offset : float
        The score at d = 0 that was subtracted (0 without centring).
    r2, rss, sigma : float
        ``1 - RSS/TSS``, the residual sum of squares, the residual standard deviation.
    peak_d, peak_kl, peak_value : float
        The maximum of R over d >= 0 (NaN when beta <= 0).
    alpha_ci, beta_ci, g_ci, offset_ci, peak_d_ci, peak_kl_ci, peak_value_ci : Interval
        The uncertainty of each.
    boot, boot_failed : int
        Bootstrap replicates that succeeded and that failed (left out of the intervals).
    iterations : int
        Iterations of the nonlinear fit (0 for the linear forms).
    residuals : ndarray (n,) or None
        The residuals (NaN for points left out), when computed.
    """
    form: str
    center: str
    n: int
    skipped: int
    nparam: int
    alpha: float
    beta: float
    g: float
    offset: float
    r2: float
    rss: float
    sigma: float
    peak_d: float
    peak_kl: float
    peak_value: float
    alpha_ci: Interval
    beta_ci: Interval
    g_ci: Interval
    offset_ci: Interval
    peak_d_ci: Interval
    peak_kl_ci: Interval
    peak_value_ci: Interval
    boot: int
    boot_failed: int
    iterations: int
    residuals: object


def _fit(r, resid=None):
    return FitResult(FIT_FORMS[r.form], FIT_CENTERS[r.center], r.n, r.skipped, r.nparam, r.alpha, r.beta, r.g,
                     r.offset, r.r2, r.rss, r.sigma, r.peak_d, r.peak_kl, r.peak_value, _ci(r.alpha_ci),
                     _ci(r.beta_ci), _ci(r.g_ci), _ci(r.offset_ci), _ci(r.peak_d_ci), _ci(r.peak_kl_ci),
                     _ci(r.peak_value_ci), r.boot, r.boot_failed, r.iterations, resid)


def _options(center=None, skip_nonfinite=None, bootstrap=None, seed=None, level=None, collinear_tol=None, tol=None,
             gtol=None, max_iter=None, peak_tol=None, cutoff_kl=None, tie_tol=None):
    o = _lib.FitOptions()
    fn.starc_fit_options_default(byref(o))
    if center is not None:
        o.center = parse_kind(center, FIT_CENTERS, fn.starc_fit_center_parse, "center")
    if skip_nonfinite is not None:
        o.skip_nonfinite = 1 if skip_nonfinite else 0
    for name, v in (("bootstrap", bootstrap), ("seed", seed), ("max_iter", max_iter)):
        if v is not None:
            setattr(o, name, opt_int(v, name))
    for name, v in (("level", level), ("collinear_tol", collinear_tol), ("tol", tol), ("gtol", gtol),
                    ("peak_tol", peak_tol), ("cutoff_kl", cutoff_kl), ("tie_tol", tie_tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    return o


def _form(form):
    return parse_kind(form, FIT_FORMS, fn.starc_fit_form_parse, "form")


def _points(d, y):
    dd = as_f64(d, "d").ravel()
    yy = as_f64(y, "y").ravel()
    if dd.size != yy.size:
        raise Error(STARC_EDIM, f"d and y have {dd.size} and {yy.size} entries")
    return dd, yy


def fit_eval(form, alpha, beta, d, g=float("nan")):
    """R(d) of a fitted form.

    Parameters
    ----------
    form : str
        bon, rl, log1p or power.
    alpha, beta : float
    d : float or array_like
    g : float
        The power form's exponent.

    Returns
    -------
    float or ndarray
    """
    f = _form(form)
    dd = np.asarray(d, dtype=np.float64)
    out = np.array([fn.starc_fit_eval(f, float(alpha), float(beta), float(g), float(x)) for x in dd.ravel()])
    out = out.reshape(dd.shape)
    return float(out) if out.ndim == 0 else out


def fit_peak(form, alpha, beta, g=float("nan"), **options):
    """The maximum of R over d >= 0.

    Parameters
    ----------
    form : str
        bon, rl, log1p or power.
    alpha, beta : float
    g : float
        The power form's exponent.
    options
        peak_tol, ...

    Returns
    -------
    (peak_d, peak_value) : tuple of float
        NaN when beta <= 0.
    """
    f = _form(form)
    o = _options(**options)
    pd, pv = c_double(), c_double()
    check(fn.starc_fit_peak(f, opt_float(alpha, "alpha"), opt_float(beta, "beta"), opt_float(g, "g"), byref(o),
                            byref(pd), byref(pv), err_ref()))
    return pd.value, pv.value


def fit_points(d, y, form="rl", **options):
    """Fit a form to points (d_i, y_i), d = sqrt(KL in nats).

    Parameters
    ----------
    d, y : array_like (n,)
    form : str
        bon, rl (default), log1p or power.
    options
        center (none, origin, intercept, auto), skip_nonfinite, bootstrap (1000), seed (1),
        level (0.95), collinear_tol, tol, gtol, max_iter, peak_tol.

    Returns
    -------
    FitResult
        With ``residuals`` (n,) (NaN for points left out).
    """
    f = _form(form)
    o = _options(**options)
    dd, yy = _points(d, y)
    res = _lib.FitResult()
    resid = np.empty(dd.size)
    check(fn.starc_fit_points(f, dd.size, addr(dd), addr(yy), byref(o), byref(res), addr(resid), err_ref()))
    return _fit(res, resid)


@record
class Extrapolation(Result):
    """The extrapolation check: a fit of the points with KL <= cutoff and its errors beyond.

    Attributes
    ----------
    cutoff_kl : float
        The cutoff used.
    n_fit, n_test : int
        Points fitted (KL <= cutoff) and predicted (KL > cutoff).
    fit : FitResult
        The fit of the points left of the cutoff (no bootstrap).
    rmse_fit, rmse_test, rmse_test_full : float
        Root mean squared residual on the fitted points, error of the prediction on the test
        points, and that error for the fit of all points.
    max_abs_test, bias_test : float
        The largest absolute prediction error and the mean of (observed - predicted) on the
        test points.
    range : float
        max y - min y over all points (to read the errors against).
    """
    cutoff_kl: float
    n_fit: int
    n_test: int
    fit: FitResult
    rmse_fit: float
    rmse_test: float
    rmse_test_full: float
    max_abs_test: float
    bias_test: float
    range: float


def fit_extrapolate(d, y, form="rl", **options):
    """Fit the points with ``d <= sqrt(cutoff_kl)`` and report how well that fit predicts the others.

    Parameters
    ----------
    d, y : array_like (n,)
        d = sqrt(KL).
    form : str
        bon, rl (default), log1p or power.
    options
        As fit_points(), and ``cutoff_kl`` (default the median KL).

    Returns
    -------
    Extrapolation
    """
    f = _form(form)
    o = _options(**options)
    dd, yy = _points(d, y)
    res = _lib.FitExtrapolation()
    check(fn.starc_fit_extrapolate(f, dd.size, addr(dd), addr(yy), byref(o), byref(res), err_ref()))
    return Extrapolation(res.cutoff_kl, res.n_fit, res.n_test, _fit(res.fit), res.rmse_fit, res.rmse_test,
                         res.rmse_test_full, res.max_abs_test, res.bias_test, res.range)


def _samples(counts, proxy, score, what):
    c = np.asarray(counts)
    if c.ndim != 1 or c.dtype.kind not in "iu" or (c.size and c.min() < 0):
        raise Error(STARC_EINVAL, "counts: expected non-negative integers, one per prompt")
    c = np.ascontiguousarray(c, dtype=np.uintp)
    p = as_f64(proxy, "proxy").ravel()
    s = as_f64(score, what).ravel() if score is not None else None
    total = int(c.sum())
    if p.size != total or (s is not None and s.size != total):
        raise Error(STARC_EDIM, f"counts add up to {total} samples; proxy has {p.size}"
                    + (f" and {what} {s.size}" if s is not None else ""))
    return c, p, s


def bon_curve(counts, proxy, gold=None, nmax=None, **options):
    """Unbiased best-of-n estimates from raw samples.

    Parameters
    ----------
    counts : array_like of int
        Prompt j has ``counts[j]`` consecutive samples.
    proxy : array_like
        Every sample's proxy score.
    gold : array_like, optional
        Every sample's gold score.
    nmax : int, optional
        The largest n (default the smallest count).
    options
        The fit options (tie_tol, ...).

    Returns
    -------
    dict
        ``n`` (1..nmax), ``kl``, ``proxy`` and ``gold`` (when given), arrays.
    """
    c, p, g = _samples(counts, proxy, gold, "gold")
    nm = int(c.min()) if nmax is None and c.size else opt_int(nmax, "nmax", 1)
    o = _options(**options)
    kl = np.empty(nm)
    pb = np.empty(nm)
    gb = np.empty(nm) if g is not None else None
    check(fn.starc_fit_bon_curve(c.size, addr(c), addr(p), addr(g) if g is not None else None, nm, byref(o),
                                 addr(gb) if gb is not None else None, addr(pb), addr(kl), err_ref()))
    out = {"n": np.arange(1, nm + 1), "kl": kl, "proxy": pb}
    if gb is not None:
        out["gold"] = gb
    return out


def fit_bon(counts, proxy, score, form="bon", nmax=None, **options):
    """Fit a form to the best-of-n curve of raw samples, intervals by resampling prompts.

    Parameters
    ----------
    counts : array_like of int
        Prompt j has ``counts[j]`` consecutive samples.
    proxy : array_like
        Every sample's proxy score (which sample best-of-n keeps).
    score : array_like
        The score whose curve is fitted: the gold scores, or ``proxy`` again.
    form : str
        bon (default), rl, log1p or power.
    nmax : int, optional
        The largest n (default the smallest count).
    options
        As fit_points().

    Returns
    -------
    (FitResult, dict)
        The fit and {"kl": ..., "score": ...}, the curve fitted.
    """
    f = _form(form)
    c, p, s = _samples(counts, proxy, score, "score")
    nm = int(c.min()) if nmax is None and c.size else opt_int(nmax, "nmax", 1)
    o = _options(**options)
    res = _lib.FitResult()
    sb = np.empty(nm)
    kl = np.empty(nm)
    check(fn.starc_fit_bon_points(f, c.size, addr(c), addr(p), addr(s), nm, byref(o), byref(res), addr(sb), addr(kl),
                                  err_ref()))
    return _fit(res), {"kl": kl, "score": sb}


@record
class ScalingResult(Result):
    """Coefficients against log(reward-model size).

    Attributes
    ----------
    form : str
    ngroups, nsizes : int
        Curves and distinct sizes.
    alpha0, alpha1, beta0, beta1 : float
        Separate fits: ``alpha(s) = alpha0 + alpha1 log s``, ``beta(s) = beta0 + beta1 log s``.
    alpha0_ci, alpha1_ci, beta0_ci, beta1_ci : Interval
    alpha_r2, beta_r2 : float
        R^2 of the two lines.
    joint_alpha : float
        The joint fit's shared alpha.
    joint_alpha_ci : Interval
    joint_beta0, joint_beta1 : float
        The joint fit's ``beta(s) = joint_beta0 + joint_beta1 log s``.
    joint_beta0_ci, joint_beta1_ci : Interval
    joint_r2, joint_beta_r2 : float
        R^2 of the joint fit of all points and of the line through its betas.
    boot, boot_failed : int
        Bootstrap replicates used and left out.
    """
    form: str
    ngroups: int
    nsizes: int
    alpha0: float
    alpha1: float
    alpha0_ci: Interval
    alpha1_ci: Interval
    beta0: float
    beta1: float
    beta0_ci: Interval
    beta1_ci: Interval
    alpha_r2: float
    beta_r2: float
    joint_alpha: float
    joint_alpha_ci: Interval
    joint_beta0: float
    joint_beta1: float
    joint_beta0_ci: Interval
    joint_beta1_ci: Interval
    joint_r2: float
    joint_beta_r2: float
    boot: int
    boot_failed: int


@record
class Prediction(Result):
    """A predicted curve and peak for one reward-model size, with bootstrap intervals.

    Attributes
    ----------
    size : float
    alpha, beta : float
        The predicted coefficients.
    peak_d, peak_kl, peak_value : float
        The predicted peak.
    alpha_ci, beta_ci, peak_d_ci, peak_kl_ci, peak_value_ci : Interval
    """
    size: float
    alpha: float
    beta: float
    peak_d: float
    peak_kl: float
    peak_value: float
    alpha_ci: Interval
    beta_ci: Interval
    peak_d_ci: Interval
    peak_kl_ci: Interval
    peak_value_ci: Interval


class Scaling(Handle):
    """A scaling fit of several curves of reward models of different sizes (made by fit_scaling()).

    Parameters
    ----------
    form : str
        bon, rl or log1p.
    sizes : array_like (k,)
        The reward models' sizes.
    curves : sequence of (d, y)
        The points of every curve.
    options
        The fit options of fit_points().
    """

    _what = "scaling fit"

    def __init__(self, form, sizes, curves, **options):
        f = _form(form)
        o = _options(**options)
        sz = as_f64(sizes, "sizes").ravel()
        if len(curves) != sz.size:
            raise Error(STARC_EDIM, f"{sz.size} sizes but {len(curves)} curves")
        pts = [_points(d, y) for d, y in curves]
        npts = np.array([p[0].size for p in pts], dtype=np.uintp)
        dptr = (c_void_p * max(len(pts), 1))(*[addr(p[0]) for p in pts])
        yptr = (c_void_p * max(len(pts), 1))(*[addr(p[1]) for p in pts])
        out = c_void_p()
        check(fn.starc_fit_scaling_alloc(f, sz.size, addr(sz), addr(npts), dptr, yptr, byref(o), byref(out),
                                         err_ref()))
        self._adopt(out.value, fn.starc_fit_scaling_free)
        self.ngroups = sz.size

    @property
    def result(self):
        """The ScalingResult."""
        r = _lib.FitScalingResult()
        fn.starc_fit_scaling_get(self.ptr, byref(r))
        return ScalingResult(FIT_FORMS[r.form], r.ngroups, r.nsizes, r.alpha0, r.alpha1, _ci(r.alpha0_ci),
                             _ci(r.alpha1_ci), r.beta0, r.beta1, _ci(r.beta0_ci), _ci(r.beta1_ci), r.alpha_r2,
                             r.beta_r2, r.joint_alpha, _ci(r.joint_alpha_ci), r.joint_beta0, r.joint_beta1,
                             _ci(r.joint_beta0_ci), _ci(r.joint_beta1_ci), r.joint_r2, r.joint_beta_r2, r.boot,
                             r.boot_failed)

    def group(self, k):
        """One curve's own fit and its part in the joint fit.

        Parameters
        ----------
        k : int
            The curve's index.

        Returns
        -------
        (FitResult, float, Interval)
            The fit of curve k alone, its beta in the joint fit, that beta's interval.
        """
        res = _lib.FitResult()
        jb = c_double()
        ci = _lib.FitCI()
        check(fn.starc_fit_scaling_group(self.ptr, opt_int(k, "k"), byref(res), byref(jb), byref(ci), err_ref()))
        return _fit(res), jb.value, _ci(ci)

    def predict(self, size, kind="separate"):
        """The prediction for a reward-model size.

        Parameters
        ----------
        size : float
        kind : str
            "separate" (the lines through the per-size fits) or "joint".

        Returns
        -------
        Prediction
        """
        k = parse_kind(kind, FIT_SCALING_KINDS, fn.starc_fit_scaling_kind_parse, "kind")
        p = _lib.FitPrediction()
        check(fn.starc_fit_scaling_predict(self.ptr, k, opt_float(size, "size"), byref(p), err_ref()))
        return Prediction(p.size, p.alpha, p.beta, p.peak_d, p.peak_kl, p.peak_value, _ci(p.alpha_ci),
                          _ci(p.beta_ci), _ci(p.peak_d_ci), _ci(p.peak_kl_ci), _ci(p.peak_value_ci))


def fit_scaling(sizes, curves, form="rl", **options):
    """Fit a form to one curve per reward model and relate the coefficients to log(size).

    Parameters
    ----------
    sizes : array_like (k,)
        The reward models' sizes (e.g. parameter counts), at least two distinct.
    curves : sequence of (d, y)
        The points of every curve.
    form : str
        bon, rl or log1p.
    options
        As fit_points() (bootstrap, seed, level, ...).

    Returns
    -------
    Scaling
        ``.result`` (ScalingResult), ``.group(k)``, ``.predict(size)``; close() it (or use
        ``with``) to release it at once.
    """
    return Scaling(form, sizes, curves, **options)
