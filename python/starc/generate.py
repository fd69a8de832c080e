"""Built-in and random problems: gridworlds, the tomato-watering gridworld, random MDPs and
rewards by the STARC study's protocol, and proxies that overoptimise.  Every random generator
takes a ``seed``; the same seed gives the same numbers as ``starc generate ... --seed``."""

from ctypes import byref, c_void_p

import numpy as np

from . import _lib
from ._lib import PROXY_KINDS, Error, STARC_EINVAL, check, err_ref, fn, parse_kind
from ._util import Handle, Result, addr, copy_doubles, opt_float, opt_int, record
from .mdp import MDP


class Rng(Handle):
    """A seeded random number generator, libstarc's (GSL's MT19937 seeded as ``gsl_rng_set(seed)``).

    The draws of its methods follow one another in one stream, as in the STARC study (an MDP,
    then its rewards, from ``Rng(mdp_seed(seed, j))``).

    Parameters
    ----------
    seed : int
        The seed (default 0).
    """

    _what = "generator"

    def __init__(self, seed=0):
        out = c_void_p()
        check(fn.starc_generate_rng_alloc(opt_int(seed, "seed"), byref(out), err_ref()))
        self._adopt(out.value, fn.starc_generate_rng_free)

    def uniform(self):
        """The next U(0, 1) draw.

        Returns
        -------
        float
            In [0, 1).
        """
        return fn.starc_generate_rng_uniform(self.ptr)

    def gaussian(self):
        """The next N(0, 1) draw.

        Returns
        -------
        float
        """
        return fn.starc_generate_rng_gaussian(self.ptr)

    def uniform_int(self, n):
        """The next uniform integer.

        Parameters
        ----------
        n : int
            The range (>= 1).

        Returns
        -------
        int
            In [0, n).
        """
        return fn.starc_generate_rng_uniform_int(self.ptr, opt_int(n, "n", 1))

    def mdp(self, states=32, actions=4, gamma=0.95, *, threshold=None, floor=None, dirichlet=None, successors=None):
        """A random MDP from this stream: the study's sparse-softmax rows, or Dirichlet rows; uniform mu0.

        Parameters
        ----------
        states, actions : int
            S and A.
        gamma : float
            The discount (default 0.95).
        threshold : float, optional
            Sparse-softmax threshold: Gaussian logits at or below it are floored (default by S: 1,
            1.5 from S=50, 1.8 from S=100).
        floor : float, optional
            The value floored logits get before the softmax (default -20).
        dirichlet : float, optional
            Dirichlet(alpha) transition rows instead of the study's protocol.
        successors : int, optional
            A sparse (CSR) MDP in which every (s, a) has exactly this many distinct successors, a
            uniform random subset with Dirichlet(alpha) probabilities (``dirichlet``, default 1);
            as ``starc generate mdp --successors K`` (starc_generate_mdp_successors()).

        Returns
        -------
        MDP
        """
        S, A = opt_int(states, "states", 1), opt_int(actions, "actions", 1)
        g = opt_float(gamma, "gamma")
        out = c_void_p()
        if successors is not None:
            if threshold is not None or floor is not None:
                raise Error(STARC_EINVAL, "threshold and floor are for the sparse-softmax protocol, not successors")
            alpha = 1.0 if dirichlet is None else opt_float(dirichlet, "dirichlet")
            check(fn.starc_generate_mdp_successors(self.ptr, S, A, opt_int(successors, "successors", 1), g, alpha,
                                                   byref(out), err_ref()))
        elif dirichlet is not None:
            if threshold is not None or floor is not None:
                raise Error(STARC_EINVAL, "threshold and floor are for the sparse-softmax protocol, not Dirichlet rows")
            check(fn.starc_generate_mdp_dirichlet(self.ptr, S, A, g, opt_float(dirichlet, "dirichlet"), byref(out),
                                                  err_ref()))
        else:
            o = _lib.GenerateMdpOptions()
            fn.starc_generate_mdp_options_default(byref(o))
            o.gamma = g
            if threshold is not None:
                o.threshold = opt_float(threshold, "threshold")
            if floor is not None:
                o.floor = opt_float(floor, "floor")
            check(fn.starc_generate_mdp(self.ptr, S, A, byref(o), byref(out), err_ref()))
        return MDP._from_ptr(out.value)

    def reward(self, mdp, **protocol):
        """One random reward for an MDP by the study's protocol, from this stream.

        Parameters
        ----------
        mdp : MDP
            Gives S, A and gamma.
        protocol
            Keyword options p_sparse, p_scale, p_shift, p_shape, sparse_threshold, scale_max,
            shift_max, shape_max (see random_rewards()).

        Returns
        -------
        ndarray (S, A, S), or (nnz,) on a sparse MDP
        """
        o = _reward_options(**protocol)
        out = np.empty(mdp._full)
        info = _lib.GenerateRewardInfo()
        check(fn.starc_generate_reward(self.ptr, mdp.ptr, byref(o), addr(out), byref(info), err_ref()))
        return out


def _reward_options(p_sparse=None, p_scale=None, p_shift=None, p_shape=None, sparse_threshold=None, scale_max=None,
                    shift_max=None, shape_max=None):
    o = _lib.GenerateRewardOptions()
    fn.starc_generate_reward_options_default(byref(o))
    for name, v in (("p_sparse", p_sparse), ("p_scale", p_scale), ("p_shift", p_shift), ("p_shape", p_shape),
                    ("sparse_threshold", sparse_threshold), ("scale_max", scale_max), ("shift_max", shift_max),
                    ("shape_max", shape_max)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    return o


def _copy_mdp(ptr):
    """A new MDP holding copies of the data of a libstarc MDP owned elsewhere."""
    S, A = fn.starc_mdp_states(ptr), fn.starc_mdp_actions(ptr)
    return MDP(copy_doubles(fn.starc_mdp_transitions(ptr), (S, A, S)), copy_doubles(fn.starc_mdp_initial(ptr), (S,)),
               fn.starc_mdp_gamma(ptr))


def gridworld(rows=3, cols=3, gamma=0.99):
    """A deterministic rows x cols gridworld.

    State ``cols*i + j``; actions 0 stay, 1 up, 2 down, 3 left, 4 right (moves off the grid stay
    put); uniform mu0.

    Parameters
    ----------
    rows, cols : int
        The grid's size (default 3 x 3).
    gamma : float
        The discount (default 0.99).

    Returns
    -------
    MDP
    """
    out = c_void_p()
    check(fn.starc_gridworld_mdp(opt_int(rows, "rows", 1), opt_int(cols, "cols", 1), opt_float(gamma, "gamma"),
                                 byref(out), err_ref()))
    return MDP._from_ptr(out.value)


def slippery_gridworld(cols, rows, slip=0.2, gamma=0.95, *, sparse=True):
    """A slippery cols x rows gridworld, as ``starc generate gridworld --size WxH --slip P``.

    State ``s = cols*y + x``; actions 0 up, 1 down, 2 left, 3 right.  An action moves its own
    way with probability 1 - slip and each of the four ways with slip/4 (a move off the grid
    stays put; moves landing on the same cell are one stored entry); uniform mu0
    (starc_gridworld_slippery()).

    Parameters
    ----------
    cols, rows : int
        The grid's width and height (S = cols * rows).
    slip : float
        The probability of a uniformly random direction (default 0.2).
    gamma : float
        The discount (default 0.95).
    sparse : bool
        T in CSR form (default; memory O(S*A) at any size), or a dense (S, A, S) tensor.

    Returns
    -------
    MDP
    """
    o = _lib.GridworldOptions()
    fn.starc_gridworld_options_default(byref(o))
    o.slip = opt_float(slip, "slip")
    o.gamma = opt_float(gamma, "gamma")
    o.sparse = 1 if sparse else 0
    out = c_void_p()
    check(fn.starc_gridworld_slippery(opt_int(cols, "cols", 1), opt_int(rows, "rows", 1), byref(o), byref(out),
                                      err_ref()))
    return MDP._from_ptr(out.value)


def epic_gridworld(gamma=0.99):
    """The EPIC paper's 3x3 gridworld (Gleave et al., ICLR 2021, Figure A.2(a)) and its six rewards.

    As ``starc generate gridworld`` writes them.

    Parameters
    ----------
    gamma : float
        The discount (default 0.99).

    Returns
    -------
    (MDP, dict)
        The MDP and {name: ndarray (9, 5, 9)} with the names Sparse, Dense, Center, Penalty,
        Path, Cliff.
    """
    g = opt_float(gamma, "gamma")
    mdp = gridworld(3, 3, g)
    rewards = {}
    i = 0
    while True:
        name = fn.starc_gridworld_epic_name(i)
        if name is None:
            break
        R = np.empty((9, 5, 9))
        check(fn.starc_gridworld_epic_reward(i, g, addr(R), err_ref()))
        rewards[name.decode()] = R
        i += 1
    return mdp, rewards


@record
class Tomato(Result):
    """The tomato-watering gridworld (Laidlaw, Singhal & Dragan's reward-hacking example).

    Attributes
    ----------
    mdp : MDP
        States ``cell * 2^k + mask`` (bit i of mask: tomato i watered).
    true, proxy : ndarray (S,)
        State rewards: the fraction of tomatoes watered; the proxy is 1 on the bucket.
    base : ndarray (S, A)
        The base policy (the true-optimal policy mixed with the uniform one).
    rows, cols, tomatoes, bucket : int
        The grid's size, the number of tomatoes and the bucket's cell.
    map : str
    """
    mdp: MDP
    true: np.ndarray
    proxy: np.ndarray
    base: np.ndarray
    rows: int
    cols: int
    tomatoes: int
    bucket: int
    map: str

    def state(self, s):
        """Where the agent is and which tomatoes are watered in a state.

        Parameters
        ----------
        s : int
            The state index.

        Returns
        -------
        (row, col, watered) : tuple of int
            ``watered`` is a bit mask over the map's tomatoes.
        """
        S = self.mdp.S
        s = opt_int(s, "s")
        if s >= S:
            raise Error(STARC_EINVAL, f"state {s} is out of range (S = {S})")
        cell, mask = divmod(s, 1 << self.tomatoes)
        return cell // self.cols, cell % self.cols, mask


def tomato(map=None, gamma=None, dry_prob=None, epsilon=None):
    """The tomato-watering gridworld, as ``starc generate tomato`` makes it.

    Parameters
    ----------
    map : str, optional
        Rows separated by '/': '.' floor, '#' wall, 'T' tomato, 'B' the bucket, 'A' the start
        (default ``T.T.B/...../T.A..``).
    gamma, dry_prob, epsilon : float, optional
        Discount (0.95), per-step drying probability (0.1), weight of the uniform policy in the
        base policy (0.3).

    Returns
    -------
    Tomato
        The MDP, the true and the proxy reward and the base policy.
    """
    o = _lib.TomatoOptions()
    fn.starc_tomato_options_default(byref(o))
    if map is not None:
        if not isinstance(map, str):
            raise Error(STARC_EINVAL, f"map: {map!r} is not a string")
        mb = map.encode()
        o.map = mb
    for name, field, v in (("gamma", "gamma", gamma), ("dry_prob", "dry_prob", dry_prob),
                           ("epsilon", "base_epsilon", epsilon)):
        if v is not None:
            setattr(o, field, opt_float(v, name))
    out = c_void_p()
    check(fn.starc_tomato_alloc(byref(o), byref(out), err_ref()))
    t = out.value
    try:
        m = fn.starc_tomato_mdp(t)
        S, A = fn.starc_mdp_states(m), fn.starc_mdp_actions(m)
        return Tomato(_copy_mdp(m), copy_doubles(fn.starc_tomato_true_reward(t), (S,)),
                      copy_doubles(fn.starc_tomato_proxy_reward(t), (S,)),
                      copy_doubles(fn.starc_tomato_base_policy(t), (S, A)), fn.starc_tomato_rows(t),
                      fn.starc_tomato_cols(t), fn.starc_tomato_count(t), fn.starc_tomato_bucket(t),
                      o.map.decode())
    finally:
        fn.starc_tomato_free(t)


def random_mdp(states=32, actions=4, gamma=0.95, seed=0, *, threshold=None, floor=None, dirichlet=None,
               successors=None):
    """A random MDP, as ``starc generate mdp --seed``.

    The STARC study's sparse-softmax transitions (default) or Dirichlet(alpha) rows; uniform mu0.

    Parameters
    ----------
    states, actions : int
        S and A.
    gamma : float
        The discount (default 0.95).
    threshold : float, optional
        Sparse-softmax threshold: Gaussian logits at or below it are floored (default by S: 1,
        1.5 from S=50, 1.8 from S=100).
    floor : float, optional
        The value floored logits get before the softmax (default -20).
    seed : int
        The seed (default 0).
    dirichlet : float, optional
        Dirichlet(alpha) transition rows instead of the study's protocol.
    successors : int, optional
        A sparse (CSR) MDP with exactly this many successors per (s, a), as
        ``starc generate mdp --successors K`` (see Rng.mdp()).

    Returns
    -------
    MDP
    """
    with Rng(seed) as r:
        return r.mdp(states, actions, gamma, threshold=threshold, floor=floor, dirichlet=dirichlet,
                     successors=successors)


def _uniform_mdp(S, A, gamma):
    """The MDP with uniform rows the reward protocol is drawn for when only S, A and gamma are
    given (as ``starc generate reward --states S --actions A --gamma G``)."""
    out = c_void_p()
    check(fn.starc_generate_mdp_uniform(S, A, gamma, byref(out), err_ref()))
    return MDP._from_ptr(out.value)


def random_rewards(mdp=None, count=1, seed=0, *, states=None, actions=None, gamma=None, p_sparse=None,
                   p_scale=None, p_shift=None, p_shape=None, sparse_threshold=None, scale_max=None, shift_max=None,
                   shape_max=None):
    """Random rewards by the STARC study's protocol, as ``starc generate reward --count N --seed X``.

    Gaussian entries, then at random sparsified, scaled, shifted and potential-shaped, drawn one
    after the other from one generator seeded with ``seed``.

    Parameters
    ----------
    mdp : MDP, optional
        Gives S, A and gamma; without it ``states``, ``actions`` and ``gamma`` do (defaults 32,
        4, 0.95).
    count : int
        How many rewards (default 1).
    seed : int
        The seed (default 0).
    states, actions, gamma : optional
        S, A and gamma without an MDP.
    p_sparse, p_scale, p_shift, p_shape : float, optional
        Probabilities of sparsifying, scaling by 10 U(0,1), shifting by 10 U(0,1) and
        potential-shaping a reward (defaults 0.2, 0.7, 0.3, 0.5).
    sparse_threshold, scale_max, shift_max, shape_max : float, optional
        The protocol's constants (starc_generate_reward_options).

    Returns
    -------
    ndarray (count, S, A, S), or (count, nnz) on a sparse MDP
    """
    if mdp is not None and (states is not None or actions is not None or gamma is not None):
        raise Error(STARC_EINVAL, "S, A and gamma come from the MDP; drop states/actions/gamma")
    own = mdp is None
    if own:
        mdp = _uniform_mdp(opt_int(32 if states is None else states, "states", 1),
                           opt_int(4 if actions is None else actions, "actions", 1),
                           opt_float(0.95 if gamma is None else gamma, "gamma"))
    try:
        n = opt_int(count, "count", 1)
        out = np.empty((n,) + mdp._full)
        with Rng(seed) as r:
            for i in range(n):
                out[i] = r.reward(mdp, p_sparse=p_sparse, p_scale=p_scale, p_shift=p_shift, p_shape=p_shape,
                                  sparse_threshold=sparse_threshold, scale_max=scale_max, shift_max=shift_max,
                                  shape_max=shape_max)
        return out
    finally:
        if own:
            mdp.close()


def random_reward(mdp=None, seed=0, **options):
    """One random reward by the study's protocol: ``random_rewards(mdp, 1, seed, ...)[0]``.

    Parameters
    ----------
    mdp : MDP, optional
        Gives S, A and gamma (else the ``states``, ``actions``, ``gamma`` options).
    seed : int
        The seed (default 0).
    options
        The keyword options of random_rewards().

    Returns
    -------
    ndarray (S, A, S)
    """
    return random_rewards(mdp, 1, seed, **options)[0]


def interpolate(R1, R2, steps=16):
    """The study's interpolation ``R1 + (i/steps)(R2 - R1)`` for i = 0..steps.

    As ``starc generate reward --from R1 --to R2 --steps T``.

    Parameters
    ----------
    R1, R2 : array_like
        Two arrays of the same shape.
    steps : int
        The number of steps (default 16).

    Returns
    -------
    ndarray (steps + 1, ...)
    """
    from ._util import as_f64
    a = as_f64(R1, "R1")
    b = as_f64(R2, "R2")
    if a.shape != b.shape:
        raise Error(_lib.STARC_EDIM, f"R1 and R2 have shapes {a.shape} and {b.shape}")
    T = opt_int(steps, "steps", 1)
    out = np.empty((T + 1,) + a.shape)
    for i in range(T + 1):
        fn.starc_generate_interpolate(a.size, addr(a), addr(b), i / T, addr(out[i]))
    return out


def proxy_reward(mdp, true, base=None, kind="noise", seed=0, *, scale=None, df=None, floor=None, comparisons=None,
                 segment=None, temperature=None, l2=None, tol=None, max_iter=None, prob_tol=None):
    """A proxy reward that agrees with the true expected reward up to an error of a chosen kind.

    As ``starc generate proxy``; sigma is the standard deviation of the true reward under the
    base policy's occupancy.

    Parameters
    ----------
    mdp : MDP
    true : array_like
        The true reward, of shape (S,), (S, A) or (S, A, S).
    base : array_like (S, A), optional
        The base policy (default uniform).
    kind : str
        noise (Gaussian, scale sigma), heavy-tail (Student-t with ``df``),
        off-distribution (largest where the base policy rarely goes; ``floor``), learned (a
        Bradley-Terry model fitted to ``comparisons`` comparisons of base-policy segments).
    seed : int
        The random seed (default 0).
    scale : float, optional
        The error scale in units of sigma (default 0.5).
    df : float, optional
        heavy-tail: degrees of freedom (default 1.5).
    floor : float, optional
        off-distribution: the floor (default 0.01).
    comparisons, segment, temperature, l2 : optional
        learned: number of comparisons (default 10 S A), segment length (1), labeller
        temperature in units of sigma (0.5), ridge weight (1).
    tol, max_iter, prob_tol : optional
        learned: the fit's tolerance and iteration limit; the base policy's sum tolerance.

    Returns
    -------
    ndarray (S, A)
    """
    t = mdp._dense(true, "true")
    b = mdp._base(base)
    o = _lib.ProxygenOptions()
    fn.starc_proxygen_options_default(byref(o))
    o.kind = parse_kind(kind, PROXY_KINDS, fn.starc_proxygen_kind_parse, "kind")
    o.seed = opt_int(seed, "seed")
    for name, v in (("scale", scale), ("df", df), ("floor", floor), ("temperature", temperature), ("l2", l2),
                    ("tol", tol), ("prob_tol", prob_tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    for name, v, lo in (("comparisons", comparisons, 0), ("segment", segment, 1), ("max_iter", max_iter, 1)):
        if v is not None:
            setattr(o, name, opt_int(v, name, lo))
    out = np.empty((mdp.S, mdp.A))
    check(fn.starc_proxygen(mdp.ptr, addr(t), addr(b), byref(o), addr(out), err_ref()))
    return out


def bradley_terry(segments1, segments2, preferences, parameters, *, l2=None, tol=None, max_iter=None):
    """Fit a Bradley-Terry reward to comparisons of segments (penalised maximum likelihood).

    Parameters
    ----------
    segments1, segments2 : array_like (n, H) of int
        The parameter indices (e.g. state-action pairs) of the two segments of every comparison.
    preferences : array_like (n,)
        The probability that segment 1 was preferred (labels in [0, 1]).
    parameters : int
        Number of parameters p (every index is < p).
    l2 : float, optional
        Ridge weight (default 1).
    tol, max_iter : optional
        Newton's stopping tolerance and iteration limit.

    Returns
    -------
    (w, iterations) : (ndarray (p,), int)
    """
    s1 = np.asarray(segments1)
    s2 = np.asarray(segments2)
    if s1.ndim == 1:
        s1, s2 = s1[:, None], s2[:, None]
    if s1.shape != s2.shape or s1.ndim != 2 or s1.dtype.kind not in "iu" or s2.dtype.kind not in "iu":
        raise Error(_lib.STARC_EDIM, "segments1 and segments2 must be integer arrays of the same shape (n, H)")
    if s1.size and (s1.min() < 0 or s2.min() < 0):
        raise Error(STARC_EINVAL, "segment indices must be >= 0")
    s1 = np.ascontiguousarray(s1, dtype=np.uintp)
    s2 = np.ascontiguousarray(s2, dtype=np.uintp)
    from ._util import as_f64
    pref = as_f64(preferences, "preferences").ravel()
    if pref.size != s1.shape[0]:
        raise Error(_lib.STARC_EDIM, f"preferences has {pref.size} entries; expected {s1.shape[0]}")
    p = opt_int(parameters, "parameters", 1)
    o = _lib.ProxygenOptions()
    fn.starc_proxygen_options_default(byref(o))
    for name, v in (("l2", l2), ("tol", tol)):
        if v is not None:
            setattr(o, name, opt_float(v, name))
    if max_iter is not None:
        o.max_iter = opt_int(max_iter, "max_iter", 1)
    w = np.empty(p)
    from ctypes import c_size_t
    it = c_size_t()
    check(fn.starc_proxygen_bt_fit(p, s1.shape[0], s1.shape[1], addr(s1), addr(s2), addr(pref), byref(o), addr(w),
                                   byref(it), err_ref()))
    return w, it.value


def transition_threshold(states):
    """The study's sparse-softmax transition threshold for S states.

    Parameters
    ----------
    states : int
        S.

    Returns
    -------
    float
        1 for S < 50, 1.5 for S < 100, else 1.8.
    """
    return fn.starc_generate_transition_threshold(opt_int(states, "states", 1))


def sparsity_threshold(states):
    """The study's reward sparsity threshold for S states.

    Parameters
    ----------
    states : int
        S.

    Returns
    -------
    float
        3 for S < 50, 3.5 for S < 100, else 3.8.
    """
    return fn.starc_generate_sparsity_threshold(opt_int(states, "states", 1))
