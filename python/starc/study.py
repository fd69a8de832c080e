"""The STARC random-MDP study (Skalse et al., ICLR 2024, Figure 1): do distances predict regret?"""

import ctypes
from ctypes import byref, c_void_p

import numpy as np

from . import _lib
from ._lib import CANONS, METRICS, NORMS, Error, STARC_EINVAL, check, err_ref, fn
from ._util import Result, copy_doubles, opt_float, opt_int, record


@record
class ExperimentResult(Result):
    """A finished study.

    Attributes
    ----------
    variants : list of str
        The V distance variants, ``canon:norm:metric``, in the order of ``starc experiment``'s
        correlations.tsv (canon-major, then norm, then metric; EPIC and DARD last).
    canon, norm, metric : list of str
        The three names of every variant.
    pearson, spearman : ndarray (V,)
        Each variant's Pearson and Spearman correlation with the regret (over the points where
        the variant is finite; NaN when undefined).
    nfinite : ndarray (V,) of int
        Points at which the variant is finite.
    mdp, pair, step : ndarray (N,) of int
        The index of every data point (MDP j, reward pair k, interpolation step i = 1..steps).
    regret : ndarray (N,)
        The points' symmetric normalised regret.
    values : ndarray (N, V)
        Every variant's distance at every point (``values[:, v]`` is contiguous); the columns of
        pairs.tsv.
    options : dict
        The study's options as run.
    """
    variants: list
    canon: list
    norm: list
    metric: list
    pearson: np.ndarray
    spearman: np.ndarray
    nfinite: np.ndarray
    mdp: np.ndarray
    pair: np.ndarray
    step: np.ndarray
    regret: np.ndarray
    values: np.ndarray
    options: dict

    def index(self, variant):
        """The column of a variant in ``variants``, ``pearson``, ``values``, ...

        Parameters
        ----------
        variant : str or tuple of str
            ``"canon:norm:metric"`` or (canon, norm, metric).

        Returns
        -------
        int
        """
        if not isinstance(variant, str):
            variant = ":".join(variant)
        try:
            return self.variants.index(variant)
        except ValueError:
            raise Error(STARC_EINVAL, f"the study has no variant {variant}") from None

    def correlation(self, variant):
        """The correlations of one variant's distance with regret.

        Parameters
        ----------
        variant : str or tuple of str
            ``"canon:norm:metric"`` or (canon, norm, metric).

        Returns
        -------
        (pearson, spearman) : tuple of float
        """
        v = self.index(variant)
        return float(self.pearson[v]), float(self.spearman[v])


def variants():
    """The study's distance variants, in output order.

    Returns
    -------
    list of (canon, norm, metric)
        Name triples.
    """
    n = fn.starc_study_nvariants()
    arr = (_lib.StudyVariant * n).from_address(fn.starc_study_variants())
    return [(CANONS[v.canon], NORMS[v.norm], METRICS[v.metric]) for v in arr]


def mdp_seed(seed, j):
    """The seed from which the study draws MDP j and its rewards (starc_study_mdp_seed()).

    Parameters
    ----------
    seed : int
        The study's seed.
    j : int
        The MDP's index.

    Returns
    -------
    int
    """
    return fn.starc_study_mdp_seed(opt_int(seed, "seed"), opt_int(j, "j"))


def experiment(mdps=384, pairs=8, steps=16, states=32, actions=4, gamma=0.95, seed=0, *, nthreads=None,
               trivial_tol=None, tie_tol=None, max_iter=None, regret_trivial_tol=None, progress=None):
    """Run the STARC random-MDP study.

    For MDP j a generator is seeded with ``mdp_seed(seed, j)``; it draws the MDP, then
    ``pairs`` reward pairs (R1, R2); data point (j, k, i) compares R1 with
    ``R1 + (i/steps)(R2 - R1)``: its target is the exact symmetric regret, its predictors every
    distance variant.  The defaults are the paper's size (49,152 points).

    Parameters
    ----------
    mdps, pairs, steps, states, actions, gamma, seed
        As ``starc experiment``'s options.
    nthreads : int, optional
        Worker threads (default: all CPUs); the results do not depend on it.
    trivial_tol : float, optional
        The distances' trivial-reward tolerance (default the library's).
    tie_tol, max_iter, regret_trivial_tol : optional
        Policy iteration and the regret's trivial rule.
    progress : callable, optional
        ``progress(points_done, points_total)``, called on the calling thread after each MDP.
        If it raises (KeyboardInterrupt included) the study stops and the exception propagates.

    Returns
    -------
    ExperimentResult
        The same numbers as ``starc experiment`` with the same options: correlations.tsv
        (``pearson``, ``spearman``) and pairs.tsv (``mdp``, ``pair``, ``step``, ``regret``,
        ``values``).
    """
    o = _lib.StudyOptions()
    fn.starc_study_options_default(byref(o))
    for name, v in (("mdps", mdps), ("pairs", pairs), ("steps", steps), ("states", states), ("actions", actions)):
        setattr(o, name, opt_int(v, name, 1))
    o.gamma = opt_float(gamma, "gamma")
    o.seed = opt_int(seed, "seed")
    if nthreads is not None:
        o.nthreads = opt_int(nthreads, "nthreads")
    if trivial_tol is not None:
        o.trivial_tol = opt_float(trivial_tol, "trivial_tol")
    if tie_tol is not None:
        o.regret_options.policy_options.tie_tol = opt_float(tie_tol, "tie_tol")
    if max_iter is not None:
        o.regret_options.policy_options.max_iter = opt_int(max_iter, "max_iter", 1)
    if regret_trivial_tol is not None:
        o.regret_options.trivial_tol = opt_float(regret_trivial_tol, "regret_trivial_tol")

    # The callbacks run on this thread (the library calls them between MDPs): an exception in
    # the user's progress, or a KeyboardInterrupt delivered while Python runs there, stops
    # the study through 'ordered' returning non-zero.
    failure = []

    def on_progress(done, total, user):
        if failure or progress is None:
            return
        try:
            progress(done, total)
        except BaseException as e:
            failure.append(e)

    def on_ordered(batch, data, user):
        return 1 if failure else 0

    cb = _lib.StudyCallbacks()
    cb.progress = _lib.STUDY_PROGRESS(on_progress)
    cb.ordered = _lib.STUDY_ORDERED(on_ordered)
    out = c_void_p()
    st = fn.starc_study_run(byref(o), byref(cb), byref(out), err_ref())
    if failure:
        fn.starc_study_free(out.value)
        _lib.err_buf().message = b""
        raise failure[0]
    check(st)
    s = out.value
    try:
        names = variants()
        V = len(names)
        N = fn.starc_study_npoints(s)
        values = np.empty((V, N))
        for v in range(V):
            ctypes.memmove(values[v].ctypes.data, fn.starc_study_values(s, v), 8 * N)
        pearson = np.array([fn.starc_study_pearson(s, v) for v in range(V)])
        spearman = np.array([fn.starc_study_spearman(s, v) for v in range(V)])
        nfinite = np.array([fn.starc_study_nfinite(s, v) for v in range(V)], dtype=np.intp)
        regret = copy_doubles(fn.starc_study_regrets(s), (N,))
    finally:
        fn.starc_study_free(s)
    idx = np.arange(N)
    per_mdp = o.pairs * o.steps
    options = {"mdps": o.mdps, "pairs": o.pairs, "steps": o.steps, "states": o.states, "actions": o.actions,
               "gamma": o.gamma, "seed": o.seed, "trivial_tol": o.trivial_tol}
    return ExperimentResult([":".join(v) for v in names], [v[0] for v in names], [v[1] for v in names],
                            [v[2] for v in names], pearson, spearman, nfinite, idx // per_mdp,
                            (idx % per_mdp) // o.steps, idx % o.steps + 1, regret, values.T, options)
