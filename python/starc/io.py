"""Reading and writing the numpy files the ``starc`` command reads and writes, through
libstarc's own readers and writers (so a file that loads here loads there, and the
messages are the same)."""

import math
import os
from ctypes import byref, c_char_p, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import Error, STARC_EINVAL, check, err_ref, fn
from ._util import addr, as_f64, copy_doubles
from .mdp import MDP, _policy_options


def _path(path):
    try:
        return os.fsencode(path)
    except TypeError:
        raise Error(STARC_EINVAL, f"{path!r} is not a file name") from None


def _take(arr):
    """A numpy copy of a starc_npy_array's data; the C array is cleared."""
    try:
        shape = tuple(arr.shape[i] for i in range(arr.ndim))
        return copy_doubles(arr.data, shape) if arr.data else np.empty(shape)
    finally:
        fn.starc_npy_array_clear(byref(arr))


def load_mdp(path, *, prob_tol=None):
    """Load and validate an MDP ``.npz`` (``T`` (S,A,S), ``mu0`` (S,), 0-d ``gamma``), or a sparse
    one (``T_data``, ``T_indices``, ``T_indptr``, ``T_shape`` = [S, A, S]: T in CSR form).

    As the ``--mdp`` option of every ``starc`` subcommand; starc.Error names the file and
    member when it does not load or validate.

    Parameters
    ----------
    path : str or os.PathLike
    prob_tol : float, optional
        Tolerance on the probability sums (default 1e-8).

    Returns
    -------
    MDP
    """
    opt = _lib.MdpOptions()
    fn.starc_mdp_options_default(byref(opt))
    if prob_tol is not None:
        opt.prob_tol = float(prob_tol)
    out = c_void_p()
    check(fn.starc_io_mdp_load(_path(path), byref(opt), byref(out), err_ref()))
    return MDP._from_ptr(out.value)


def _split_member(path):
    """(file, member) of ``FILE.npz:KEY``, as libstarc splits a reward spec: at the last ':'
    unless the whole spec names an existing file."""
    s = os.fsdecode(_path(path))
    head, sep, key = s.rpartition(":")
    if not sep or not head or os.path.exists(s):
        return s, None
    if not key:
        raise Error(STARC_EINVAL, f"{s}: empty member name after ':'")
    return head, key


def _is_zip(file):
    try:
        with open(file, "rb") as f:
            return f.read(2) == b"PK"
    except OSError:
        return False  # the library's reader reports it


def load(path):
    """Read a numpy file with libstarc's reader, as float64 in C order.

    Every dtype the ``starc`` command accepts (float64, float32, integers, booleans; either byte
    order; C or Fortran order; stored or deflated members) is read; pickles, strings, complex
    numbers and malformed files raise starc.Error with the library's message.

    Parameters
    ----------
    path : str or os.PathLike
        ``FILE.npy``, ``FILE.npz`` or ``FILE.npz:KEY``.

    Returns
    -------
    ndarray or dict
        An ndarray for ``FILE.npy`` and ``FILE.npz:KEY``; {member name: ndarray} in archive
        order for ``FILE.npz``.
    """
    file, key = _split_member(path)
    if not _is_zip(file):
        if key is not None:
            raise Error(STARC_EINVAL, f"{file}: is not a .npz archive, so it has no member '{key}'")
        arr = _lib.NpyArray()
        fn.starc_npy_array_init(byref(arr))
        st = fn.starc_npy_read(_path(file), byref(arr), err_ref())
        if st:
            fn.starc_npy_array_clear(byref(arr))
            check(st)
        return _take(arr)
    z = c_void_p()
    check(fn.starc_npy_npz_open(_path(file), byref(z), err_ref()))
    try:
        names = [fn.starc_npy_npz_name(z, i).decode() for i in range(fn.starc_npy_npz_count(z))]
        out = {}
        for name in ([key] if key is not None else names):
            arr = _lib.NpyArray()
            fn.starc_npy_array_init(byref(arr))
            st = fn.starc_npy_npz_read(z, name.encode(), byref(arr), err_ref())
            if st:
                fn.starc_npy_array_clear(byref(arr))
                check(st)
            out[name] = _take(arr)
        return out[key] if key is not None else out
    finally:
        fn.starc_npy_npz_close(z)


def load_rewards(spec, mdp):
    """Rewards from ``FILE.npy``, ``FILE.npz`` (every member) or ``FILE.npz:KEY``, as the ``starc``
    command loads them: expanded to dense (S, A, S) tensors on a dense MDP; on a sparse MDP in the
    shape they were given in, (S,), (S, A) or (nnz,) (an (S,) or (S, A) reward holds its value off
    T's support, as ``starc distance`` reads it).

    Parameters
    ----------
    spec : str or os.PathLike
    mdp : MDP
        Gives S and A.

    Returns
    -------
    dict
        {name: ndarray}: the file stem for ``.npy``, member names for ``.npz``, in archive order.
    """
    rs = _lib.RewardSet()
    fn.starc_io_reward_set_init(byref(rs))
    try:
        check(fn.starc_io_reward_load(_path(spec), mdp.ptr, byref(rs), err_ref()))
        full = mdp._full
        n = math.prod(full)
        shapes = {_lib.STARC_IO_REWARD_STATE: (mdp.S,), _lib.STARC_IO_REWARD_STATE_ACTION: (mdp.S, mdp.A)}
        out = {}
        for i in range(rs.n):
            name = rs.names[i].decode("utf-8", "replace")
            if mdp.is_sparse and rs.layout[i] in shapes:
                out[name] = copy_doubles(rs.given[i], shapes[rs.layout[i]])
            else:
                out[name] = copy_doubles(rs.R + 8 * n * i, full)
        return out
    finally:
        fn.starc_io_reward_set_clear(byref(rs))


def load_reward(spec, mdp):
    """One reward from ``FILE.npy`` or ``FILE.npz:KEY``, as ``--true`` and ``--proxy`` load it.

    An archive of several rewards is an error.

    Parameters
    ----------
    spec : str or os.PathLike
    mdp : MDP
        The reward is expanded to its (S, A, S).

    Returns
    -------
    ndarray
        (S, A, S); on a sparse MDP (S,), (S, A) or (nnz,), as given (load_rewards()).
    """
    rs = load_rewards(spec, mdp)
    if len(rs) != 1:
        raise Error(STARC_EINVAL, f"{os.fsdecode(spec)} holds {len(rs)} rewards; name one as FILE.npz:KEY")
    return next(iter(rs.values()))


def load_policy(path, mdp, *, prob_tol=None):
    """A policy ``.npy`` of shape (S, A), validated (rows summing to 1) as ``--base`` loads it.

    Parameters
    ----------
    path : str or os.PathLike
    mdp : MDP
        Gives S and A.
    prob_tol : float, optional
        Tolerance on the row sums (default 1e-8).

    Returns
    -------
    ndarray (S, A)
    """
    out = np.empty((mdp.S, mdp.A))
    po = _policy_options(prob_tol=prob_tol)
    check(fn.starc_io_policy_load(_path(path), mdp.ptr, byref(po), addr(out), err_ref()))
    return out


def save(path, array):
    """Write an array as a float64 ``.npy`` file, atomically (libstarc's writer).

    Parameters
    ----------
    path : str or os.PathLike
    array : array_like
        Any real array; written as float64 in C order.
    """
    a = as_f64(array, "array")
    shape = (c_size_t * max(a.ndim, 1))(*a.shape)
    check(fn.starc_npy_write(_path(path), a.ndim, shape, addr(a), err_ref()))


def save_npz(path, arrays, *, compress=False):
    """Write arrays as a ``.npz`` archive of float64 members, atomically and reproducibly.

    Like ``np.savez`` (``np.savez_compressed`` with ``compress=True``), with fixed timestamps.

    Parameters
    ----------
    path : str or os.PathLike
    arrays : dict
        {member name: array_like}, written in the dict's order.
    compress : bool
        Deflate the members.
    """
    if not isinstance(arrays, dict):
        raise Error(STARC_EINVAL, "arrays: expected a dict {name: array}")
    names = list(arrays)
    data = [as_f64(arrays[k], str(k)) for k in names]
    n = len(names)
    carr = (_lib.NpyArray * max(n, 1))()
    for i, a in enumerate(data):
        fn.starc_npy_array_init(byref(carr[i]))
        if a.ndim > 32:
            raise Error(STARC_EINVAL, f"{names[i]}: more than 32 dimensions")
        carr[i].ndim = a.ndim
        for j, s in enumerate(a.shape):
            carr[i].shape[j] = s
        carr[i].data = addr(a)  # borrowed: never cleared here
    cnames = (c_char_p * max(n, 1))(*[str(k).encode() for k in names])
    check(fn.starc_npy_npz_write(_path(path), n, cnames, carr, 1 if compress else 0, err_ref()))
