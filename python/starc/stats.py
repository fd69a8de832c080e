"""Statistics of paired samples, as the study computes them (two-pass sums in index order)."""

from ctypes import byref, c_double

import numpy as np

from ._lib import Error, STARC_EDIM, check, err_ref, fn
from ._util import addr, as_f64


def _pair(x, y):
    a = as_f64(x, "x").ravel()
    b = as_f64(y, "y").ravel()
    if a.size != b.size:
        raise Error(STARC_EDIM, f"x and y have {a.size} and {b.size} entries")
    return a, b


def pearson(x, y):
    """Pearson's correlation (two-pass sums in index order, as the study computes it).

    Parameters
    ----------
    x, y : array_like
        The same number of entries (flattened).

    Returns
    -------
    float
        starc.Error (EUNDEF) when either is constant.
    """
    a, b = _pair(x, y)
    r = c_double()
    check(fn.starc_stats_pearson(a.size, addr(a), addr(b), byref(r), err_ref()))
    return r.value


def spearman(x, y):
    """Spearman's rank correlation (average ranks for ties).

    Parameters
    ----------
    x, y : array_like
        The same number of entries (flattened).

    Returns
    -------
    float
    """
    a, b = _pair(x, y)
    r = c_double()
    check(fn.starc_stats_spearman(a.size, addr(a), addr(b), byref(r), err_ref()))
    return r.value


def rank_average(x):
    """Ranks 1..n, ties given their average rank.

    Parameters
    ----------
    x : array_like
        n entries (flattened).

    Returns
    -------
    ndarray (n,)
    """
    a = as_f64(x, "x").ravel()
    out = np.empty(a.size)
    check(fn.starc_stats_rank_average(a.size, addr(a), addr(out), err_ref()))
    return out
