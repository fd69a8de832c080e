"""libstarc from Python: compare reward functions and study reward hacking on tabular MDPs.

numpy arrays in, numpy arrays out, computed by the libstarc shared library (ctypes, no
compiled extension): STARC, EPIC and DARD distances, regret, correlated proxies, exact
regularised optima, overoptimisation curves, the STARC random-MDP study, Gao fits and the
built-in and random problems.  See docs/python.md, or help() on any name.

>>> import numpy as np, starc
>>> mdp, rewards = starc.epic_gridworld()
>>> round(mdp.epic(rewards["Sparse"], rewards["Dense"]), 4)
0.0

Errors are starc.Error (a ValueError) carrying the library's one-line message.  Objects that
own C memory (MDP, plans) release it on close(), at the end of a ``with`` block, or when
collected.  Calls release the GIL.
"""

from . import _lib
from ._lib import (ADKL_SOLVERS, CANONS, ENGINES, LIBRARY_PATH, METRICS, NORMS, OVEROPT_METHODS, PROXY_KINDS,
                   REGULARIZE_METHODS, Error, blas_threads, set_blas_threads, single_blas_thread)
from ._lib import (STARC_EDIM as EDIM, STARC_EFORMAT as EFORMAT, STARC_EINVAL as EINVAL, STARC_EIO as EIO,
                   STARC_ELAPACK as ELAPACK, STARC_ENOCONV as ENOCONV, STARC_ENOMEM as ENOMEM,
                   STARC_EUNDEF as EUNDEF)
from .mdp import (MDP, Distance, DistancePlan, Evaluator, Hackability, PolicyResult, RegretResult,
                  Standardized)
from .io import load, load_mdp, load_policy, load_reward, load_rewards, save, save_npz
from .proxy import (PolicyAnalysis, ProxyAnalysis, ProxyOptimal, ProxyResult, ProxyStats, Regularizer,
                    RegularizeResult, deterministic_policies, proxy, proxy_bounds, regularize, weighted_stats)
from .overopt import (GaoFit, Overopt, OveroptCurve, OveroptPoint, OveroptResult, OveroptSummary,
                      bon_distribution, gao_eval, gao_fit, overopt)
from .study import ExperimentResult, experiment, mdp_seed, variants
from .generate import (Rng, Tomato, bradley_terry, epic_gridworld, gridworld, interpolate, proxy_reward,
                       random_mdp, random_reward, random_rewards, slippery_gridworld, sparsity_threshold, tomato,
                       transition_threshold)
from .stats import pearson, rank_average, spearman
from .fit import (Extrapolation, FitResult, Interval, Prediction, Scaling, ScalingResult, bon_curve,
                  fit_bon, fit_eval, fit_extrapolate, fit_peak, fit_points, fit_scaling)

#: The libstarc version string of the loaded library (e.g. "0.1.0").
__version__ = _lib.fn.starc_version().decode()
FIT_FORMS = _lib.FIT_FORMS
FIT_CENTERS = _lib.FIT_CENTERS

__all__ = sorted(n for n, v in globals().items() if not n.startswith("_") and not isinstance(v, type(_lib)))
