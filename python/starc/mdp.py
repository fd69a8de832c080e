"""Finite MDPs and everything computed on one: canonicalisations, distances, policies, regret."""

import threading
from ctypes import byref, c_double, c_int, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import (CANONS, ENGINES, METRICS, NORMS, Error, STARC_EDIM, STARC_EINVAL, STARC_EUNDEF, check, err_ref, fn,
                   parse_kind, raise_status)
from ._util import (Handle, Result, addr, all_finite, as_f64, copy_doubles, csr_canonical, opt_float, opt_int, record,
                    scipy_sparse as _scipy_sparse, shape_str, sized)
from math import isfinite as _isfinite

_F64 = np.dtype(np.float64)

_tls = threading.local()


# starc_proxy_options from keywords (here, below proxy.py, which takes it from this module).
def _proxy_options(prob_tol=None, sigma_tol=None, hacking_tol=None, hackable_tol=None):
    o = _lib.ProxyOptions()
    fn.starc_proxy_options_default(byref(o))
    for name, v in (("prob_tol", prob_tol), ("sigma_tol", sigma_tol), ("hacking_tol", hacking_tol),
                    ("hackable_tol", hackable_tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    return o


def _out_double():
    try:
        return _tls.d, _tls.d_ref
    except AttributeError:
        _tls.d = d = c_double()
        _tls.d_ref = byref(d)
        return d, _tls.d_ref


def _undefined_or_raise(st):
    """A NaN Distance flagged undefined for STARC_EUNDEF (the message from this thread's error
    record); starc.Error for any other failure."""
    if st == STARC_EUNDEF:
        e = _lib.err_buf()
        msg = e.message.decode("utf-8", "replace")
        e.message = b""
        return Distance(float("nan"), True, msg)
    raise_status(st)


class Distance(float):
    """A distance: a float, with ``undefined`` True (and the value NaN) when the library
    reports the distance as undefined (a Pearson distance of a reward that is constant under
    the coverage, e.g. the zero reward under EPIC); ``message`` then says why."""

    __slots__ = ("undefined", "message")

    def __new__(cls, value, undefined=False, message=""):
        self = float.__new__(cls, value)
        self.undefined = undefined
        self.message = message
        return self

    def __repr__(self):
        return f"Distance(nan, undefined: {self.message})" if self.undefined else float.__repr__(self)


@record
class PolicyResult(Result):
    """An optimal (or worst) deterministic policy.

    Attributes
    ----------
    policy : ndarray (S, A)
        One-hot rows.
    actions : ndarray (S,) of int
        The action taken in every state (ties to the lowest index).
    values : ndarray (S,)
        Its state values V (for the reward it was computed for).
    iterations : int
        Policy-iteration evaluations (value iteration: sweeps).
    """
    policy: np.ndarray
    actions: np.ndarray
    values: np.ndarray
    iterations: int


@record
class RegretResult(Result):
    """The normalised regret of optimising a proxy reward, and the returns it is made of.

    Attributes
    ----------
    regret : float
        ``(true_optimal_return - proxy_policy_return) / (true_optimal_return -
        true_worst_return)``; with ``symmetric`` the mean of both directions.
    true_optimal_return, true_worst_return : float
        The true reward's optimal and worst returns (discounted, unnormalised).
    proxy_policy_return : float
        The true return of the proxy's optimal policy.
    symmetric : bool
        Whether ``regret`` is the symmetric regret.
    regret_true_proxy, regret_proxy_true : float
        The two directions (the second NaN unless ``symmetric``).
    """
    regret: float
    true_optimal_return: float
    proxy_policy_return: float
    true_worst_return: float
    symmetric: bool
    regret_true_proxy: float
    regret_proxy_true: float


@record
class Standardized(Result):
    """A standardised reward s(R) = c(R)/n(c(R)).

    Attributes
    ----------
    reward : ndarray (S, A, S)
        s(R); all zeros when R is trivial.
    norm : float
        n(c(R)) (0 for a trivial reward).
    trivial : bool
        Whether R counts as trivial (its canonical form vanishes up to round-off).
    """
    reward: np.ndarray
    norm: float
    trivial: bool


@record
class Hackability(Result):
    """Hackability of two rewards on a set of policies (Skalse et al. 2022, Def. 1).

    Attributes
    ----------
    policies : int
        The number of policies compared.
    hackable : bool
        Whether some pair of policies is ordered strictly oppositely by the two rewards' returns.
    witness : tuple of int or None
        (i, j) with the first reward's return lower and the second's higher at policy i than at
        policy j, or None when the rewards are not hackable on the set.
    """
    policies: int
    hackable: bool
    witness: tuple


def _mdp_options(prob_tol):
    opt = _lib.MdpOptions()
    fn.starc_mdp_options_default(byref(opt))
    if prob_tol is not None:
        opt.prob_tol = opt_float(prob_tol, "prob_tol")
    return opt


def _engine(engine):
    """The starc_policy_engine value of a name ("auto", "dense", "sparse", "iterative")."""
    if isinstance(engine, str) and engine in ENGINES:
        return ENGINES.index(engine)
    raise Error(STARC_EINVAL, f"engine: {engine!r} is not one of {', '.join(ENGINES)}")


def _policy_options(tie_tol=None, max_iter=None, prob_tol=None, tol=None, max_sweeps=None, engine=None):
    o = _lib.PolicyOptions()
    fn.starc_policy_options_default(byref(o))
    if engine is not None:
        o.engine = _engine(engine)
    if tie_tol is not None:
        o.tie_tol = opt_float(tie_tol, "tie_tol")
    if max_iter is not None:
        o.max_iter = opt_int(max_iter, "max_iter", 1)
    if prob_tol is not None:
        o.prob_tol = opt_float(prob_tol, "prob_tol")
    if tol is not None:
        o.tol = opt_float(tol, "tol")
    if max_sweeps is not None:
        o.max_sweeps = opt_int(max_sweeps, "max_sweeps", 1)
    return o


class MDP(Handle):
    """A finite MDP (T, mu0, gamma), validated and copied into libstarc.

    Parameters
    ----------
    T : array_like (S, A, S)
        ``T[s, a, s2]`` is the probability of moving to s2 after action a in state s; every
        row ``T[s, a, :]`` sums to 1.
    mu0 : array_like (S,)
        The initial state distribution.
    gamma : float
        The discount, in [0, 1).
    prob_tol : float, optional
        Tolerance on the probability sums (default the library's, 1e-8).

    Raises
    ------
    starc.Error
        With the library's message (e.g. ``T[0,1,2] is not finite``, ``gamma = 1 is outside
        [0, 1)``) when the MDP does not validate, or when T and mu0 do not have the shapes
        (S, A, S) and (S,).

    Notes
    -----
    Rewards passed to the methods may have shape (S,) (``R(s,a,s') = r(s)``, the state being
    left), (S, A) or (S, A, S); any real dtype and memory order is accepted and converted
    once; a C-contiguous float64 (S, A, S) array is read in place.  Policies are (S, A)
    arrays with rows summing to 1, or (S,) integer arrays of actions.

    The MDP owns C memory: it is released by ``close()``, at the end of a ``with`` block, or
    when the object is garbage-collected.  Plans made from it (``distance_plan``,
    ``evaluator``) are closed with it.
    """

    _what = "MDP"

    def __init__(self, T, mu0, gamma, *, prob_tol=None):
        sp = _scipy_sparse(T)
        if sp is not None:
            self._init_csr(sp, T, mu0, gamma, prob_tol)
            return
        T = as_f64(T, "T")
        mu0 = as_f64(mu0, "mu0")
        if T.ndim != 3 or T.shape[0] != T.shape[2]:
            raise Error(STARC_EDIM, f"T has shape {shape_str(T.shape)}; expected (S,A,S) or a scipy.sparse "
                                    "matrix of shape (S*A,S)")
        if mu0.shape != (T.shape[0],):
            raise Error(STARC_EDIM, f"mu0 has shape {shape_str(mu0.shape)}; expected (S,) = ({T.shape[0]},)")
        out = c_void_p()
        check(fn.starc_mdp_alloc(T.shape[0], T.shape[1], addr(T), addr(mu0), opt_float(gamma, "gamma"),
                                 byref(_mdp_options(prob_tol)), byref(out), err_ref()))
        self._init_from(out.value)

    def _init_csr(self, sp, T, mu0, gamma, prob_tol):
        """T a scipy.sparse matrix (S*A, S): converted once to CSR with sorted, summed indices."""
        shape = T.shape
        mu0 = as_f64(mu0, "mu0")
        if len(shape) != 2 or shape[1] == 0 or shape[0] % shape[1] or shape[0] == 0:
            raise Error(STARC_EDIM, f"T has shape {shape_str(shape)}; expected a scipy.sparse matrix of shape "
                                    "(S*A,S) with S, A >= 1")
        S = shape[1]
        A = shape[0] // S
        if mu0.shape != (S,):
            raise Error(STARC_EDIM, f"mu0 has shape {shape_str(mu0.shape)}; expected (S,) = ({S},)")
        if T.dtype.kind not in "fiub":
            raise Error(STARC_EINVAL, f"T: dtype {T.dtype} is not a real number type")
        indptr, indices, data = csr_canonical(T.tocsr(), S * A, S)
        out = c_void_p()
        check(fn.starc_mdp_alloc_csr(S, A, data.size, addr(indptr), addr(indices), addr(data), addr(mu0),
                                     opt_float(gamma, "gamma"), byref(_mdp_options(prob_tol)), byref(out),
                                     err_ref()))
        self._init_from(out.value)

    @classmethod
    def _from_ptr(cls, ptr):
        self = cls.__new__(cls)
        self._init_from(ptr)
        return self

    def _init_from(self, ptr):
        self._adopt(ptr, fn.starc_mdp_free)
        self.S = fn.starc_mdp_states(ptr)
        self.A = fn.starc_mdp_actions(ptr)
        self.gamma = fn.starc_mdp_gamma(ptr)
        self._sas = (self.S, self.A, self.S)
        self._sparse = bool(fn.starc_mdp_is_sparse(ptr))
        self._nnz = fn.starc_mdp_nnz(ptr)
        # the shape of a full reward: (S, A, S), or one value per stored transition on a sparse MDP
        self._full = (self._nnz,) if self._sparse else self._sas
        self._plans = {}

    def _release_extra(self):
        for plans in self._plans.values():
            for p in plans:
                fn.starc_distance_plan_free(p)
        self._plans = {}

    # ------------------------------------------------------------------ the data

    @property
    def states(self):
        """Number of states S."""
        return self.S

    @property
    def actions(self):
        """Number of actions A."""
        return self.A

    @property
    def T(self):
        """The transition tensor (S, A, S), a copy; starc.Error on a sparse MDP (see ``csr``)."""
        p = fn.starc_mdp_transitions(self.ptr)
        if not p:
            raise Error(STARC_EINVAL, "T: this MDP holds T in CSR form (no dense tensor); use mdp.csr")
        return copy_doubles(p, self._sas)

    @property
    def is_sparse(self):
        """Whether the MDP holds T in compressed sparse row (CSR) form."""
        return self._sparse

    @property
    def nnz(self):
        """Stored transitions: nnz of T's CSR form on a sparse MDP, S*A*S on a dense one; the
        length of an (nnz,) reward on a sparse MDP."""
        return self._nnz

    @property
    def csr(self):
        """T of a sparse MDP as a new ``scipy.sparse.csr_matrix`` of shape (S*A, S), a copy.

        Row ``s*A + a`` is T[s, a, :], in canonical form (sorted column indices, no duplicates,
        explicit zeros kept); its stored entries, in order, are the ones an (nnz,) reward is
        aligned with.  A copy, not a view: the MDP's own arrays are C memory that close()
        releases.  None for a dense MDP.  Needs scipy.
        """
        if not self._sparse:
            return None
        try:
            import scipy.sparse as sp
        except ImportError:
            raise Error(STARC_EINVAL, "mdp.csr needs scipy (scipy.sparse); mdp.save() writes the CSR arrays "
                                      "without it") from None
        indptr, indices, data = self._csr_arrays()
        return sp.csr_matrix((data, indices, indptr), shape=(self.S * self.A, self.S))

    def _csr_arrays(self):
        """(indptr, indices, data) of a sparse MDP as new int64, int64 and float64 arrays."""
        ip, ix, dt = c_void_p(), c_void_p(), c_void_p()
        fn.starc_mdp_csr(self.ptr, byref(ip), byref(ix), byref(dt))
        n = self._nnz
        indptr = _copy_sizes(ip.value, self.S * self.A + 1)
        indices = _copy_sizes(ix.value, n)
        return indptr, indices, copy_doubles(dt.value, (n,))

    @property
    def mu0(self):
        """The initial distribution (S,), a copy."""
        return copy_doubles(fn.starc_mdp_initial(self.ptr), (self.S,))

    def __reduce__(self):
        """Pickled as its data (T, mu0, gamma; a sparse MDP as its CSR arrays): a copy for another
        process."""
        if self._sparse:
            return (_mdp_from_csr, (self.S, self.A) + self._csr_arrays() + (self.mu0, self.gamma))
        return (MDP, (self.T, self.mu0, self.gamma))

    def __repr__(self):
        if self.closed:
            return "MDP(closed)"
        if self._sparse:
            return f"MDP(S={self.S}, A={self.A}, gamma={self.gamma!r}, sparse nnz={self._nnz})"
        return f"MDP(S={self.S}, A={self.A}, gamma={self.gamma!r})"

    def save(self, path):
        """Save the MDP as ``.npz`` (``T``, ``mu0``, ``gamma``), atomically, loadable by ``np.load``.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (replaced atomically when it exists).
        """
        check(fn.starc_io_mdp_save(_path(path), self.ptr, err_ref()))

    # ------------------------------------------------------------------ rewards and policies

    def _dense(self, R, what):
        """@p R as a full reward, C-contiguous float64 with finite entries: the dense (S, A, S)
        tensor on a dense MDP (the array itself when it already is one: no copy), the nnz
        values on T's support on a sparse one (starc_mdp_reward_expand()); starc.Error
        otherwise."""
        if self._sparse:
            return self._expand(as_f64(R, what), what)
        if type(R) is np.ndarray and R.dtype is _F64 and R.shape == self._sas and R.flags.c_contiguous:
            x = R.ravel()
            if _isfinite(x.dot(x)):  # one BLAS pass; an overflow or a non-finite entry takes the long way
                return R
        a = as_f64(R, what)
        if a.shape == self._sas and all_finite(a):
            return a
        return self._expand(a, what)

    def _expand(self, a, what):
        out = np.empty(self._full)
        shape = (c_size_t * max(a.ndim, 1))(*a.shape)
        st = fn.starc_mdp_reward_expand(self.ptr, a.ndim, shape, addr(a), addr(out), err_ref())
        if st:
            raise_status(st, what)
        return out

    def _shaped(self, R, what):
        """A reward of a sparse MDP in the shape it was given in, (S,), (S, A) or (nnz,), as
        (array, ndim, shape) for starc_distance_pair_shaped(): an (S,) or (S, A) reward keeps
        its value off T's support.  starc.Error (the library's message) for another shape or a
        non-finite entry."""
        a = as_f64(R, what)
        if a.shape not in ((self.S,), (self.S, self.A), (self._nnz,)) or not all_finite(a):
            self._expand(a, what)  # raises the library's message
        return a, a.ndim, (c_size_t * a.ndim)(*a.shape)

    def _pair_args(self, R1, R2, what1="R1", what2="R2"):
        """(function, arguments before the output) of a distance pair, the rewards checked:
        starc_distance_pair() of two dense rewards, or starc_distance_pair_shaped() of two rewards
        of a sparse MDP as given.  The arguments keep the arrays alive."""
        if self._sparse:
            a, n1, s1 = self._shaped(R1, what1)
            b, n2, s2 = self._shaped(R2, what2)
            return fn.starc_distance_pair_shaped, (n1, s1, addr(a), n2, s2, addr(b), a, b)
        a = self._dense(R1, what1)
        b = self._dense(R2, what2)
        return fn.starc_distance_pair, (addr(a), addr(b), a, b)

    def _tensor(self, x, what, func):
        """A full tensor for norm() and metric(): any reward shape on a dense MDP; on a sparse
        one only (nnz,), since the library's norms and metrics take the values on T's support
        and an (S,) or (S, A) reward also has values off it."""
        if self._sparse:
            a = as_f64(x, what)
            if a.shape != (self._nnz,):
                raise Error(STARC_EDIM, f"{what} has shape {shape_str(a.shape)}; on a sparse MDP {func}() takes a "
                                        f"full tensor (nnz,) = ({self._nnz},): an (S,) or (S,A) reward also holds "
                                        "values off T's support, which distance() takes")
            return self._expand(a, what)
        return self._dense(x, what)

    def _dense_only(self):
        """An output buffer for a function that needs a dense MDP: (S, A, S), or one double on a
        sparse MDP, where the library refuses before writing ("... needs a dense MDP")."""
        return np.empty(self._sas if not self._sparse else (1,))

    def _policy(self, pi, what="policy", opt=None, validate=True):
        if isinstance(pi, np.ndarray) and pi.ndim == 1 and pi.dtype.kind in "iu" or \
                isinstance(pi, (list, tuple)) and len(pi) == self.S and all(
                    isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in pi):
            return self.policy_from_actions(pi, what)
        a = sized(pi, what, (self.S, self.A))
        if validate:
            st = fn.starc_policy_validate(self.ptr, addr(a), byref(opt) if opt is not None else None, err_ref())
            if st:
                raise_status(st, what)
        return a

    def _base(self, base, what="base"):
        if base is None or (isinstance(base, str) and base == "uniform"):
            return self.uniform_policy()
        return self._policy(base, what, validate=False)

    def expand(self, R):
        """The full tensor of a reward: dense (S, A, S), or (nnz,) on a sparse MDP.

        Parameters
        ----------
        R : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real
            dtype and memory order.

        Returns
        -------
        ndarray (S, A, S) or (nnz,)
            A new array.  On a sparse MDP the values on T's support in CSR order (``mdp.csr``),
            which drops what an (S,) or (S, A) reward says off the support.
        """
        return self._expand(as_f64(R, "R"), "R")

    def expected(self, R):
        """The expected reward ``Rbar(s, a) = sum_s' T[s, a, s'] R(s, a, s')``.

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).

        Returns
        -------
        ndarray (S, A)
        """
        return self._expected(R, "R")

    def _expected(self, R, what):
        a = self._dense(R, what)
        out = np.empty((self.S, self.A))
        fn.starc_mdp_reward_expected(self.ptr, addr(a), addr(out))
        return out

    def uniform_policy(self):
        """The uniformly random policy.

        Returns
        -------
        ndarray (S, A)
        """
        out = np.empty((self.S, self.A))
        fn.starc_policy_uniform(self.ptr, addr(out))
        return out

    def policy_from_actions(self, actions, what="actions"):
        """The one-hot policy that takes ``actions[s]`` in state s.

        Parameters
        ----------
        actions : array_like (S,) of int
            One action in [0, A) per state.
        what : str
            The argument's name in error messages.

        Returns
        -------
        ndarray (S, A)
        """
        a = np.asarray(actions)
        if a.shape != (self.S,) or a.dtype.kind not in "iu":
            raise Error(STARC_EDIM if a.dtype.kind in "iu" else STARC_EINVAL,
                        f"{what}: expected {self.S} integer actions, got {a.dtype} of shape {shape_str(a.shape)}")
        if a.size and (a.min() < 0 or a.max() >= self.A):
            raise Error(STARC_EINVAL, f"{what}: actions must be in [0, {self.A}), got {a.min()}..{a.max()}")
        act = np.ascontiguousarray(a, dtype=np.uintp)
        out = np.empty((self.S, self.A))
        fn.starc_policy_from_actions(self.ptr, addr(act), addr(out))
        return out

    def validate_policy(self, pi, *, prob_tol=None):
        """Check that an array is a policy of this MDP; raise starc.Error (the library's message) if not.

        Parameters
        ----------
        pi : array_like (S, A)
            Must be finite and non-negative with rows summing to 1.
        prob_tol : float, optional
            Tolerance on the row sums (default 1e-8).
        """
        self._policy(pi, "policy", _policy_options(prob_tol=prob_tol))

    # ------------------------------------------------------------------ canonicalisation and distances

    def _distance_options(self, which, canon, norm, metric, policy, state_dist, action_dist, coverage, weighted,
                          trivial_tol, nthreads, prob_tol, tie_tol, max_iter, engine=None):
        o = _lib.DistanceOptions()
        (fn.starc_distance_options_default, fn.starc_distance_options_epic,
         fn.starc_distance_options_dard)[which](byref(o))
        if canon is not None:
            o.canon = parse_kind(canon, CANONS, fn.starc_canon_kind_parse, "canon")
        if norm is not None:
            o.norm = parse_kind(norm, NORMS, fn.starc_norm_kind_parse, "norm")
        if metric is not None:
            o.metric = parse_kind(metric, METRICS, fn.starc_metric_kind_parse, "metric")
        o.canon_options.weighted = 1 if weighted else 0
        if trivial_tol is not None:
            o.trivial_tol = opt_float(trivial_tol, "trivial_tol")
        if nthreads is not None:
            o.nthreads = opt_int(nthreads, "nthreads")
        if prob_tol is not None:
            o.prob_tol = opt_float(prob_tol, "prob_tol")
        if tie_tol is not None:
            o.policy_options.tie_tol = opt_float(tie_tol, "tie_tol")
        if max_iter is not None:
            o.policy_options.max_iter = opt_int(max_iter, "max_iter", 1)
        if engine is not None:
            o.policy_options.engine = _engine(engine)
        keep = []
        S, A = self.S, self.A
        for name, value, shape, field in (("policy", policy, (S, A), "policy"),
                                          ("state_dist", state_dist, (S,), "state_dist"),
                                          ("action_dist", action_dist, (A,), "action_dist")):
            if value is not None:
                a = self._policy(value, name, validate=False) if name == "policy" else sized(value, name, shape)
                setattr(o.canon_options, field, addr(a))
                keep.append(a)
        if coverage is not None:
            a = sized(coverage, "coverage", self._sas)
            o.coverage = addr(a)
            keep.append(a)
        return o, keep

    def _new_plan(self, args):
        o, keep = self._distance_options(*args)
        out = c_void_p()
        check(fn.starc_distance_plan_alloc(self.ptr, byref(o), byref(out), err_ref()))
        return out.value

    def _pooled_pair(self, key, R1, R2):
        """d(R1, R2) on a plan from the pool of plans for @p key (options without arrays).
        Plans are single-caller: each call takes one out of the pool (a new one when it is
        empty) and puts it back, so threads never share one.  The hot path of many small
        calls: kept short."""
        f, args = self._pair_args(R1, R2)
        try:
            pool = self._plans[key]
            plan = pool.pop()
        except (KeyError, IndexError):  # no pool yet, or every plan of it in use
            pool = self._plans.setdefault(key, [])
            plan = self._new_plan(key[:4] + (None, None, None, None) + key[4:])
        except TypeError:  # an unhashable option value: the plan's own checks say what is wrong
            pool = None
            plan = self._new_plan(key[:4] + (None, None, None, None) + key[4:])
        d, dref = _out_double()
        try:
            st = f(plan, *args[:-2], dref, err_ref())
        finally:
            if pool is None or self._ptr is None:
                fn.starc_distance_plan_free(plan)
            else:
                pool.append(plan)
        if st:
            return _undefined_or_raise(st)
        return Distance(d.value)

    def _pair(self, which, R1, R2, canon, norm, metric, policy, state_dist, action_dist, coverage, weighted,
              trivial_tol, nthreads, prob_tol, tie_tol, max_iter, engine=None):
        if policy is None and state_dist is None and action_dist is None and coverage is None:
            return self._pooled_pair((which, canon, norm, metric, weighted, trivial_tol, nthreads, prob_tol, tie_tol,
                                      max_iter, engine), R1, R2)
        f, args = self._pair_args(R1, R2)
        plan = self._new_plan((which, canon, norm, metric, policy, state_dist, action_dist, coverage, weighted,
                               trivial_tol, nthreads, prob_tol, tie_tol, max_iter, engine))
        d, dref = _out_double()
        try:
            st = f(plan, *args[:-2], dref, err_ref())
        finally:
            fn.starc_distance_plan_free(plan)
        if st:
            return _undefined_or_raise(st)
        return Distance(d.value)

    def distance(self, R1, R2, canon="val", norm="l2", metric="l2", *, policy=None, state_dist=None,
                 action_dist=None, coverage=None, weighted=False, trivial_tol=None, nthreads=None,
                 prob_tol=None, tie_tol=None, max_iter=None, engine=None):
        """The STARC distance ``d(R1, R2) = m(s(R1), s(R2))``, ``s(R) = c(R)/n(c(R))``.

        Parameters
        ----------
        R1, R2 : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        canon : str
            Canonicalisation c: none, epic, dard, val (default), val-potential,
            minimal-potential, minimal.
        norm : str
            Normalisation n: l1, l2 (default), linf, wl1, wl2, wlinf, none, range.
        metric : str
            Metric m: l1, l2 (default), linf, wl1, wl2, wlinf, pearson.
        policy : array_like (S, A), optional
            The policy of val and val-potential (default uniform).
        state_dist : array_like (S,), optional
            D_S of epic (default uniform).
        action_dist : array_like (A,), optional
            D_A of epic and dard (default uniform).
        coverage : array_like (S, A, S), optional
            The Pearson metric's coverage distribution (default uniform over all transitions).
        weighted : bool
            minimal-potential: minimise the T-weighted L2 norm.
        trivial_tol : float, optional
            Tolerance of the trivial-reward rule (default the library's).
        nthreads : int, optional
            Threads for passes over large rewards (default 1); the value does not change
            the result.
        prob_tol, tie_tol, max_iter : optional
            Probability-sum tolerance of the distributions; policy iteration of the range
            normalisation.
        engine : str, optional
            The policy engine of the range normalisation: auto (default), dense, sparse or
            iterative (V^pi of val and val-potential always uses auto: the library has no
            option for it).

        Returns
        -------
        Distance
            A float; NaN with ``undefined`` True (and ``message``) when the distance is
            undefined, as the ``starc distance`` command reports it.

        Raises
        ------
        starc.Error
            Bad shapes, non-finite entries, unknown names, invalid distributions, with the
            library's message.

        Notes
        -----
        A plan (the MDP-dependent set-up: LU factors, weights) is kept per set of options and
        per calling thread when no array option is given, so repeated calls cost only the
        passes over the two rewards.  Equal to ``starc distance --mdp M.npz R1 R2`` bit for bit.
        """
        if policy is not None or state_dist is not None or action_dist is not None or coverage is not None:
            return self._pair(0, R1, R2, canon, norm, metric, policy, state_dist, action_dist, coverage, weighted,
                              trivial_tol, nthreads, prob_tol, tie_tol, max_iter, engine)
        return self._pooled_pair((0, canon, norm, metric, weighted, trivial_tol, nthreads, prob_tol, tie_tol,
                                  max_iter, engine), R1, R2)

    def epic(self, R1, R2, *, state_dist=None, action_dist=None, coverage=None, trivial_tol=None, nthreads=None,
             prob_tol=None):
        """The EPIC distance (Gleave et al., ICLR 2021): canonicalisation epic, metric pearson.

        As ``starc distance --epic``.

        Parameters
        ----------
        R1, R2 : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        state_dist : array_like (S,), optional
            The canonicalisation's D_S (default uniform).
        action_dist : array_like (A,), optional
            The canonicalisation's D_A (default uniform).
        coverage : array_like (S, A, S), optional
            The distribution of transitions under which the Pearson correlation is taken (default
            uniform).
        trivial_tol, nthreads, prob_tol : optional
            As in distance().

        Returns
        -------
        Distance
            NaN and ``undefined`` for a reward that is constant under the coverage.
        """
        return self._pair(1, R1, R2, None, None, None, None, state_dist, action_dist, coverage, False,
                          trivial_tol, nthreads, prob_tol, None, None)

    def dard(self, R1, R2, *, action_dist=None, coverage=None, trivial_tol=None, nthreads=None, prob_tol=None):
        """The DARD distance (Wulfe et al., ICLR 2022): canonicalisation dard, metric pearson.

        As ``starc distance --dard``.

        Parameters
        ----------
        R1, R2 : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        action_dist : array_like (A,), optional
            The canonicalisation's D_A (default uniform).
        coverage : array_like (S, A, S), optional
            The Pearson metric's coverage (default uniform).
        trivial_tol, nthreads, prob_tol : optional
            As in distance().

        Returns
        -------
        Distance
            NaN and ``undefined`` for a reward that is constant under the coverage.
        """
        return self._pair(2, R1, R2, None, None, None, None, None, action_dist, coverage, False, trivial_tol,
                          nthreads, prob_tol, None, None)

    def distance_plan(self, canon="val", norm="l2", metric="l2", *, policy=None, state_dist=None,
                      action_dist=None, coverage=None, weighted=False, trivial_tol=None, nthreads=None,
                      prob_tol=None, tie_tol=None, max_iter=None, engine=None):
        """The set-up of distance() done once, for many calls with the same options.

        Parameters
        ----------
        canon, norm, metric : str
            As in distance().
        policy, state_dist, action_dist, coverage, weighted, trivial_tol, nthreads, prob_tol, tie_tol, max_iter : optional
            As in distance().
        engine : optional
            As in distance().

        Returns
        -------
        DistancePlan
            close() it (or use ``with``) to release it at once.
        """
        return DistancePlan(self, (0, canon, norm, metric, policy, state_dist, action_dist, coverage, weighted,
                                   trivial_tol, nthreads, prob_tol, tie_tol, max_iter, engine))

    def distance_matrix(self, rewards, canon="val", norm="l2", metric="l2", **options):
        """The N x N matrix ``D[i, j] = d(R_i, R_j)`` of a stack or list of rewards.

        Parameters
        ----------
        rewards : array_like (N, ...) or sequence or dict
            N rewards of shape (S,), (S, A) or (S, A, S) (a dict's values, in order).
        canon, norm, metric, options
            As distance(); ``epic=True`` or ``dard=True`` select those distances.

        Returns
        -------
        ndarray (N, N)
            Symmetric, NaN where the distance is undefined (as the ``starc distance`` TSV).
        """
        which = 1 if options.pop("epic", False) else 2 if options.pop("dard", False) else 0
        if which:
            canon = norm = metric = None
        with DistancePlan(self, _plan_args(which, canon, norm, metric, options)) as plan:
            return plan.matrix(rewards)

    def canonicalize(self, R, canon="val", *, policy=None, state_dist=None, action_dist=None, weighted=False,
                     nthreads=None, prob_tol=None):
        """The canonical form c(R).

        Parameters
        ----------
        R : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        canon : str
            none, epic, dard, val (default), val-potential, minimal-potential or minimal.
        policy : array_like (S, A), optional
            The policy of val and val-potential (default uniform).
        state_dist, action_dist : array_like, optional
            D_S (S,) of epic and D_A (A,) of epic and dard (default uniform).
        weighted : bool
            minimal-potential: minimise the T-weighted L2 norm.
        nthreads : int, optional
            Threads for the passes (the result does not depend on it).
        prob_tol : float, optional
            Tolerance on the distributions' sums.

        Returns
        -------
        ndarray (S, A, S)
        """
        a = self._dense(R, "R")
        kind = parse_kind(canon, CANONS, fn.starc_canon_kind_parse, "canon")
        o = _lib.CanonOptions()
        fn.starc_canon_options_default(byref(o))
        keep = []
        for name, value, shape in (("policy", policy, (self.S, self.A)), ("state_dist", state_dist, (self.S,)),
                                   ("action_dist", action_dist, (self.A,))):
            if value is not None:
                v = self._policy(value, name, validate=False) if name == "policy" else sized(value, name, shape)
                setattr(o, name, addr(v))
                keep.append(v)
        o.weighted = 1 if weighted else 0
        if nthreads is not None:
            o.nthreads = opt_int(nthreads, "nthreads")
        if prob_tol is not None:
            o.prob_tol = opt_float(prob_tol, "prob_tol")
        out = self._dense_only()
        check(fn.starc_canon_compute(self.ptr, kind, byref(o), addr(a), addr(out), err_ref()))
        return out

    def standardize(self, R, canon="val", norm="l2", metric="l2", **options):
        """The standardised reward s(R) = c(R)/n(c(R)).

        Parameters
        ----------
        R : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        canon, norm, metric : str
            As in distance() (the metric decides only the trivial-reward rule).
        options
            The keyword options of distance().

        Returns
        -------
        Standardized
        """
        with DistancePlan(self, _plan_args(0, canon, norm, metric, options)) as plan:
            return plan.standardize(R)

    def trivial_tol(self, canon="val", tol=None):
        """The tolerance of the trivial-reward rule of a distance on this MDP.

        Parameters
        ----------
        canon : str
            The canonicalisation.
        tol : float, optional
            Returned as it is when given.

        Returns
        -------
        float
            The library's default otherwise, derived from S, gamma and the canonicalisation's
            round-off (starc_distance_trivial_tol()).
        """
        kind = parse_kind(canon, CANONS, fn.starc_canon_kind_parse, "canon")
        return fn.starc_distance_trivial_tol(-1.0 if tol is None else opt_float(tol, "tol"), kind, self.gamma, self.S)

    def norm(self, x, norm="l2", *, tie_tol=None, max_iter=None):
        """The normaliser n(x) of a tensor.

        Parameters
        ----------
        x : array_like
            Any reward shape, expanded to (S, A, S); on a sparse MDP only (nnz,).
        norm : str
            l1, l2 (default), linf, wl1, wl2, wlinf, none or range.
        tie_tol, max_iter : optional
            Policy iteration of the range normalisation.

        Returns
        -------
        float
        """
        a = self._tensor(x, "x", "norm")
        kind = parse_kind(norm, NORMS, fn.starc_norm_kind_parse, "norm")
        po = _policy_options(tie_tol, max_iter)
        v, vref = _out_double()
        check(fn.starc_norm_value(self.ptr, kind, addr(a), byref(po), vref, err_ref()))
        return v.value

    def metric(self, x, y, metric="l2", *, coverage=None, trivial_tol=None, prob_tol=None):
        """The metric m(x, y) of two tensors (no canonicalisation or normalisation).

        Parameters
        ----------
        x, y : array_like
            Any reward shapes, expanded to (S, A, S); on a sparse MDP only (nnz,).
        metric : str
            l1, l2 (default), linf, wl1, wl2, wlinf or pearson.
        coverage : array_like (S, A, S), optional
            The Pearson metric's coverage (default uniform).
        trivial_tol, prob_tol : float, optional
            The constant-under-the-coverage rule of pearson; the coverage's sum tolerance.

        Returns
        -------
        Distance
            NaN and ``undefined`` for an undefined Pearson distance.
        """
        a = self._tensor(x, "x", "metric")
        b = self._tensor(y, "y", "metric")
        kind = parse_kind(metric, METRICS, fn.starc_metric_kind_parse, "metric")
        o = _lib.MetricOptions()
        fn.starc_metric_options_default(byref(o))
        cov = None
        if coverage is not None:
            cov = sized(coverage, "coverage", self._sas)
            o.coverage = addr(cov)
        if trivial_tol is not None:
            o.trivial_tol = opt_float(trivial_tol, "trivial_tol")
        if prob_tol is not None:
            o.prob_tol = opt_float(prob_tol, "prob_tol")
        v, vref = _out_double()
        st = fn.starc_metric_value(self.ptr, kind, addr(a), addr(b), byref(o), vref, err_ref())
        if st:
            return _undefined_or_raise(st)
        return Distance(v.value)

    # ------------------------------------------------------------------ policies

    def evaluate(self, pi, R, *, engine=None):
        """Exact V^pi and Q^pi of a policy for a reward (one LU solve).

        Parameters
        ----------
        pi : array_like (S, A) or (S,) of int
            The policy, or one action per state.
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        (V, Q) : tuple of ndarray
            V (S,) and Q (S, A).
        """
        p = self._policy(pi)
        a = self._dense(R, "R")
        V = np.empty(self.S)
        Q = np.empty((self.S, self.A))
        if engine is None:
            check(fn.starc_policy_evaluate(self.ptr, addr(p), addr(a), addr(V), addr(Q), None, err_ref()))
        else:
            rbar = self._rbar_of_full(a)
            po = _policy_options(engine=engine)
            check(fn.starc_policy_solve(self.ptr, addr(p), addr(rbar), byref(po), addr(V), addr(Q), None, None,
                                        err_ref()))
        return V, Q

    def _rbar_of_full(self, a):
        out = np.empty((self.S, self.A))
        fn.starc_mdp_reward_expected(self.ptr, addr(a), addr(out))
        return out

    def returns(self, pi, R, *, engine=None):
        """The discounted, unnormalised return ``J = mu0 . V^pi`` of a policy for a reward.

        Parameters
        ----------
        pi : array_like (S, A) or (S,) of int
            The policy, or one action per state.
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        float
        """
        if engine is not None:
            V, _ = self.evaluate(pi, R, engine=engine)
            return fn.starc_policy_values_return(self.ptr, addr(V))
        p = self._policy(pi)
        a = self._dense(R, "R")
        v, vref = _out_double()
        check(fn.starc_policy_return(self.ptr, addr(p), addr(a), vref, None, err_ref()))
        return v.value

    def occupancy(self, pi, *, engine=None):
        """Normalised discounted occupancies of a policy.

        Parameters
        ----------
        pi : array_like (S, A) or (S,) of int
            The policy, or one action per state.
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        (d, mu) : tuple of ndarray
            d (S,), ``(1-gamma) (I - gamma P)^-T mu0`` (sums to 1), and mu (S, A), ``d(s) pi(s, a)``.
        """
        p = self._policy(pi)
        d = np.empty(self.S)
        mu = np.empty((self.S, self.A))
        if engine is None:
            check(fn.starc_policy_occupancy(self.ptr, addr(p), addr(d), addr(mu), None, err_ref()))
        else:
            po = _policy_options(engine=engine)
            check(fn.starc_policy_solve(self.ptr, addr(p), None, byref(po), None, None, addr(d), addr(mu), err_ref()))
        return d, mu

    def _extreme(self, f, R, tie_tol, max_iter, engine):
        a = self._dense(R, "R")
        po = _policy_options(tie_tol, max_iter, engine=engine)
        act = np.empty(self.S, dtype=np.uintp)
        V = np.empty(self.S)
        it = c_size_t()
        check(f(self.ptr, addr(a), byref(po), addr(act), addr(V), byref(it), None, err_ref()))
        pol = np.empty((self.S, self.A))
        fn.starc_policy_from_actions(self.ptr, addr(act), addr(pol))
        return PolicyResult(pol, act.astype(np.intp), V, it.value)

    def optimal_policy(self, R, *, tie_tol=None, max_iter=None, engine=None):
        """An optimal deterministic policy by exact policy iteration (ties to the lowest action).

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        tie_tol : float, optional
            Relative tolerance under which actions tie (default 1e-10).
        max_iter : int, optional
            Policy-iteration limit (default 10000).
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        PolicyResult
            The policy, its actions and its values.
        """
        return self._extreme(fn.starc_policy_optimal, R, tie_tol, max_iter, engine)

    def worst_policy(self, R, *, tie_tol=None, max_iter=None, engine=None):
        """A worst deterministic policy (the optimal policy of -R).

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        tie_tol, max_iter, engine : optional
            As in optimal_policy().

        Returns
        -------
        PolicyResult
            Its values are those of R under the policy.
        """
        return self._extreme(fn.starc_policy_worst, R, tie_tol, max_iter, engine)

    def return_range(self, R, *, tie_tol=None, max_iter=None, engine=None):
        """The optimal and the worst return of a reward over all policies, by exact policy iteration.

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        tie_tol, max_iter, engine : optional
            As in optimal_policy().

        Returns
        -------
        (optimal, worst) : tuple of float
        """
        rbar = self.expected(R)
        po = _policy_options(tie_tol, max_iter, engine=engine)
        res = _lib.PolicyRangeResult()
        check(fn.starc_policy_range_rbar(self.ptr, addr(rbar), byref(po), byref(res), None, err_ref()))
        return res.optimal_return, res.worst_return

    def value_iteration(self, R, *, tol=None, max_sweeps=None, engine=None):
        """Optimal values by value iteration (the reference method for policy iteration).

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).
        tol : float, optional
            Stop when a sweep changes no value by more than this (default 1e-10).
        max_sweeps : int, optional
            Sweep limit.
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        PolicyResult
            The greedy policy, ``values`` the last iterate, ``iterations`` the sweeps.
        """
        rbar = self.expected(R)
        po = _policy_options(tol=tol, max_sweeps=max_sweeps, engine=engine)
        act = np.empty(self.S, dtype=np.uintp)
        V = np.empty(self.S)
        it = c_size_t()
        check(fn.starc_policy_value_iteration_rbar(self.ptr, addr(rbar), byref(po), addr(V), addr(act), byref(it),
                                                   err_ref()))
        pol = np.empty((self.S, self.A))
        fn.starc_policy_from_actions(self.ptr, addr(act), addr(pol))
        return PolicyResult(pol, act.astype(np.intp), V, it.value)

    def evaluator(self, pi):
        """A policy factorised once, for the values and returns of many rewards.

        Parameters
        ----------
        pi : array_like (S, A) or (S,) of int
            The policy, or one action per state.

        Returns
        -------
        Evaluator
        """
        return Evaluator(self, pi)

    def regret(self, true, proxy, symmetric=False, *, tie_tol=None, max_iter=None, trivial_tol=None, engine=None):
        """The normalised regret of optimising a proxy reward when another is the true reward.

        ``(J_t(pi*_t) - J_t(pi*_p)) / (J_t(pi*_t) - J_t(pi-_t))`` by exact policy iteration (ties
        to the lowest action); 0 when the true reward's return range is trivial.  As
        ``starc regret``.

        Parameters
        ----------
        true, proxy : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        symmetric : bool
            The mean of both directions, as the STARC study uses.
        tie_tol, max_iter : optional
            As in optimal_policy().
        trivial_tol : float, optional
            The trivial-return-range rule's tolerance (default the library's).
        engine : str, optional
            The linear-algebra engine: auto (default), dense, sparse or iterative
            (starc_policy_options.engine; docs/sparse.md).

        Returns
        -------
        RegretResult
        """
        t = self._dense(true, "true")
        p = self._dense(proxy, "proxy")
        o = _lib.RegretOptions()
        fn.starc_regret_options_default(byref(o))
        if tie_tol is not None:
            o.policy_options.tie_tol = opt_float(tie_tol, "tie_tol")
        if max_iter is not None:
            o.policy_options.max_iter = opt_int(max_iter, "max_iter", 1)
        if trivial_tol is not None:
            o.trivial_tol = opt_float(trivial_tol, "trivial_tol")
        if engine is not None:
            o.policy_options.engine = _engine(engine)
        fwd = _lib.RegretResult()
        check(fn.starc_regret(self.ptr, addr(t), addr(p), byref(o), byref(fwd), None, err_ref()))
        if not symmetric:
            return RegretResult(fwd.regret, fwd.true_optimal_return, fwd.proxy_policy_return, fwd.true_worst_return,
                                False, fwd.regret, float("nan"))
        rev = _lib.RegretResult()
        check(fn.starc_regret(self.ptr, addr(p), addr(t), byref(o), byref(rev), None, err_ref()))
        return RegretResult(0.5 * (fwd.regret + rev.regret), fwd.true_optimal_return, fwd.proxy_policy_return,
                            fwd.true_worst_return, True, fwd.regret, rev.regret)

    def hackable(self, R1, R2, policies, *, hackable_tol=None, prob_tol=None):
        """Whether two rewards are hackable on a set of policies: some pair of policies is ordered
        strictly oppositely by their returns.

        Parameters
        ----------
        R1, R2 : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.
        policies : array_like (n, S, A)
            The policies.
        hackable_tol, prob_tol : float, optional
            The library's tolerances (starc_proxy_options).

        Returns
        -------
        Hackability
        """
        b1 = self._expected(R1, "R1")
        b2 = self._expected(R2, "R2")
        pol = as_f64(policies, "policies")
        if pol.ndim != 3 or pol.shape[1:] != (self.S, self.A) or pol.shape[0] == 0:
            raise Error(STARC_EDIM, f"policies has shape {shape_str(pol.shape)}; expected (n,{self.S},{self.A})")
        o = _proxy_options(prob_tol=prob_tol, hackable_tol=hackable_tol)
        h = c_int()
        wi = c_size_t()
        wj = c_size_t()
        check(fn.starc_proxy_hackable_rbar(self.ptr, addr(b1), addr(b2), pol.shape[0], addr(pol), byref(o), byref(h),
                                           byref(wi), byref(wj), err_ref()))
        return Hackability(pol.shape[0], bool(h.value), (wi.value, wj.value) if h.value else None)


def _plan_args(which, canon, norm, metric, options):
    known = ("policy", "state_dist", "action_dist", "coverage", "weighted", "trivial_tol", "nthreads", "prob_tol",
             "tie_tol", "max_iter", "engine")
    bad = set(options) - set(known)
    if bad:
        raise Error(STARC_EINVAL, f"unknown option {sorted(bad)[0]!r}; the options are {', '.join(known)}")
    return (which, canon, norm, metric, options.get("policy"), options.get("state_dist"), options.get("action_dist"),
            options.get("coverage"), options.get("weighted", False), options.get("trivial_tol"),
            options.get("nthreads"), options.get("prob_tol"), options.get("tie_tol"), options.get("max_iter"),
            options.get("engine"))


class DistancePlan(Handle):
    """A distance plan: the MDP-dependent work of a distance done once.

    Made by MDP.distance_plan(); calls are serialised on one plan, so use one plan per thread
    for parallel work (MDP.distance() does that by itself).

    Parameters
    ----------
    mdp : MDP
        The MDP the plan is made for (kept alive by the plan, which it closes first).
    args : tuple
        The options of MDP.distance_plan(), in its order (internal: build plans with
        MDP.distance_plan()).
    """

    _what = "distance plan"

    def __init__(self, mdp, args):
        o, keep = mdp._distance_options(*args)
        out = c_void_p()
        check(fn.starc_distance_plan_alloc(mdp.ptr, byref(o), byref(out), err_ref()))
        self._adopt(out.value, fn.starc_distance_plan_free, owner=mdp)
        self.mdp = mdp
        self._lock = threading.Lock()
        used = fn.starc_distance_plan_options(out.value)
        used = _lib.DistanceOptions.from_address(used)
        self.canon = CANONS[used.canon]
        self.norm = NORMS[used.norm]
        self.metric = METRICS[used.metric]
        self.trivial_tol = used.trivial_tol

    def __repr__(self):
        return f"DistancePlan(canon={self.canon!r}, norm={self.norm!r}, metric={self.metric!r})"

    def distance(self, R1, R2):
        """The distance d(R1, R2) on this plan.

        Parameters
        ----------
        R1, R2 : array_like
            Rewards of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP), any real dtype and memory order.

        Returns
        -------
        Distance
            A float; NaN with ``undefined`` True when the library reports the distance undefined.
        """
        f, args = self.mdp._pair_args(R1, R2)
        d, dref = _out_double()
        with self._lock:
            st = f(self.ptr, *args[:-2], dref, err_ref())
        if st:
            return _undefined_or_raise(st)
        return Distance(d.value)

    def matrix(self, rewards):
        """The N x N distance matrix of N rewards (see MDP.distance_matrix()).

        Parameters
        ----------
        rewards : array_like (N, ...) or sequence or dict
            N rewards of shape (S,), (S, A) or (S, A, S) (a dict's values, in order).

        Returns
        -------
        ndarray (N, N)
            Symmetric, NaN where the distance is undefined.
        """
        mdp = self.mdp
        if isinstance(rewards, dict):
            rewards = list(rewards.values())
        if mdp._sparse:
            return self._matrix_sparse(rewards)
        n_sas = mdp.S * mdp.A * mdp.S
        if isinstance(rewards, np.ndarray) and rewards.dtype.kind in "fiub" and rewards.ndim in (2, 3, 4):
            stack = as_f64(rewards, "rewards")
            if stack.shape[1:] == mdp._sas and all_finite(stack):
                dense = [stack]
                ptrs = [addr(stack) + 8 * n_sas * i for i in range(stack.shape[0])]
            else:
                dense = [mdp._dense(stack[i], f"rewards[{i}]") for i in range(stack.shape[0])]
                ptrs = [addr(x) for x in dense]
        else:
            try:
                items = list(rewards)
            except TypeError:
                raise Error(STARC_EINVAL, "rewards: expected a stack, a sequence or a dict of rewards") from None
            dense = [mdp._dense(x, f"rewards[{i}]") for i, x in enumerate(items)]
            ptrs = [addr(x) for x in dense]
        n = len(ptrs)
        D = np.empty((n, n))
        if n == 0:
            return D
        arr = (c_void_p * n)(*ptrs)
        with self._lock:
            check(fn.starc_distance_matrix(self.ptr, n, arr, addr(D), err_ref()))
        return D

    def _matrix_sparse(self, rewards):
        """The matrix on a sparse MDP as ``starc distance`` computes it: entry by entry by
        starc_distance_pair_shaped() (each reward in the shape it was given in), the diagonal 0
        where the distance is defined."""
        if isinstance(rewards, np.ndarray) and rewards.ndim in (2, 3):
            items = list(as_f64(rewards, "rewards"))
        else:
            try:
                items = list(rewards)
            except TypeError:
                raise Error(STARC_EINVAL, "rewards: expected a stack, a sequence or a dict of rewards") from None
        mdp = self.mdp
        given = [mdp._shaped(x, f"rewards[{i}]") for i, x in enumerate(items)]
        n = len(given)
        D = np.empty((n, n))
        d, dref = _out_double()
        with self._lock:
            for i in range(n):
                a, n1, s1 = given[i]
                for j in range(i, n):
                    b, n2, s2 = given[j]
                    st = fn.starc_distance_pair_shaped(self.ptr, n1, s1, addr(a), n2, s2, addr(b), dref, err_ref())
                    if st == STARC_EUNDEF:
                        _lib.err_buf().message = b""
                        v = float("nan")
                    elif st:
                        raise_status(st)
                    else:
                        v = 0.0 if i == j else d.value
                    D[i, j] = D[j, i] = v
        return D

    def standardize(self, R):
        """The standardised reward s(R) = c(R)/n(c(R)) on this plan.

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).

        Returns
        -------
        Standardized
        """
        a = self.mdp._dense(R, "R")
        out = self.mdp._dense_only()
        nv = c_double()
        triv = c_int()
        with self._lock:
            check(fn.starc_distance_standardize(self.ptr, addr(a), addr(out), byref(nv), byref(triv), err_ref()))
        return Standardized(out, nv.value, bool(triv.value))


class Evaluator(Handle):
    """Policy evaluation with ``I - gamma P_pi`` factorised once (made by MDP.evaluator()).

    Parameters
    ----------
    mdp : MDP
    pi : array_like (S, A) or (S,) of int
        The policy (rows summing to 1), or one action per state.
    """

    _what = "evaluator"

    def __init__(self, mdp, pi):
        p = mdp._policy(pi)
        out = c_void_p()
        check(fn.starc_policy_evaluator_alloc(mdp.ptr, addr(p), byref(out), err_ref()))
        self._adopt(out.value, fn.starc_policy_evaluator_free, owner=mdp)
        self.mdp = mdp
        self._lock = threading.Lock()

    def values(self, R):
        """Exact values of the policy for one reward.

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).

        Returns
        -------
        (V, Q) : tuple of ndarray
            V^pi (S,) and Q^pi (S, A).
        """
        a = self.mdp._dense(R, "R")
        V = np.empty(self.mdp.S)
        Q = np.empty((self.mdp.S, self.mdp.A))
        with self._lock:
            check(fn.starc_policy_evaluator_values(self.ptr, addr(a), addr(V), addr(Q), err_ref()))
        return V, Q

    def returns(self, R):
        """The discounted, unnormalised return ``mu0 . V`` of the policy for one reward.

        Parameters
        ----------
        R : array_like
            A reward of shape (S,), (S, A) or (S, A, S) ((nnz,) on a sparse MDP).

        Returns
        -------
        float
        """
        V, _ = self.values(R)
        return fn.starc_policy_values_return(self.mdp.ptr, addr(V))

    def occupancy(self):
        """The policy's normalised discounted occupancies.

        Returns
        -------
        (d, mu) : tuple of ndarray
            d (S,) sums to 1; mu (S, A) is ``d(s) pi(s, a)``.
        """
        d = np.empty(self.mdp.S)
        mu = np.empty((self.mdp.S, self.mdp.A))
        with self._lock:
            check(fn.starc_policy_evaluator_occupancy(self.ptr, addr(d), addr(mu), err_ref()))
        return d, mu


def _copy_sizes(ptr, n):
    """A new int64 array holding a copy of @p n C size_t values at @p ptr."""
    if not n:
        return np.empty(0, dtype=np.int64)
    return np.ctypeslib.as_array((c_size_t * n).from_address(ptr)).astype(np.int64)


def _mdp_from_csr(S, A, indptr, indices, data, mu0, gamma):
    """A sparse MDP from its CSR arrays (canonical already): the unpickler of MDP."""
    out = c_void_p()
    ip = np.ascontiguousarray(indptr, dtype=np.uintp)
    ix = np.ascontiguousarray(indices, dtype=np.uintp)
    dt = as_f64(data, "T")
    m0 = as_f64(mu0, "mu0")
    check(fn.starc_mdp_alloc_csr(S, A, dt.size, addr(ip), addr(ix), addr(dt), addr(m0), gamma, None, byref(out),
                                 err_ref()))
    return MDP._from_ptr(out.value)


def _path(path):
    import os
    try:
        return os.fsencode(path)
    except TypeError:
        raise Error(STARC_EINVAL, f"{path!r} is not a file name") from None
