"""numpy arrays in, pointers out; result records; the ownership of C objects."""

import ctypes
import dataclasses
import math
import sys
import weakref

import numpy as np

from ._lib import Error, STARC_EDIM, STARC_EINVAL

_F64 = np.dtype(np.float64)


def as_f64(x, what):
    """@p x as a C-contiguous float64 ndarray: the object itself when it already is one,
    otherwise converted once (integer, boolean and other real dtypes; any array-like)."""
    if type(x) is np.ndarray and x.dtype is _F64 and x.flags.c_contiguous:
        return x
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise Error(STARC_EINVAL, f"{what}: not an array of numbers ({e})") from None
    if a.dtype.kind not in "fiub":
        raise Error(STARC_EINVAL, f"{what}: dtype {a.dtype} is not a real number type")
    return np.asarray(a, dtype=_F64, order="C")  # keeps 0-d arrays 0-d


_char_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def addr(a):
    """The address of a C-contiguous ndarray's data (the array must be kept alive by the
    caller).  Through the buffer protocol when the array is writable (a third of the cost of
    ``a.ctypes.data``, which read-only and empty arrays use)."""
    try:
        return _addressof(_char_from_buffer(a))
    except (TypeError, ValueError):
        return a.ctypes.data


def all_finite(a):
    """Whether every entry of the float64 array @p a is finite."""
    return bool(np.isfinite(a).all())


def shape_str(shape):
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(int(n)) for n in shape) + ")"


def sized(x, what, shape):
    """@p x as float64 with exactly @p shape (or any shape of the same size when it is flat)."""
    a = as_f64(x, what)
    if a.shape != shape:
        if a.ndim == 1 and a.size == math.prod(shape):
            return a.reshape(shape)
        raise Error(STARC_EDIM, f"{what} has shape {shape_str(a.shape)}; expected {shape_str(shape)}")
    return a


def opt_float(x, what):
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise Error(STARC_EINVAL, f"{what}: {x!r} is not a number") from None
    return v


def opt_int(x, what, minimum=0):
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        try:
            if float(x) != int(x):
                raise ValueError
            x = int(x)
        except (TypeError, ValueError, OverflowError):
            raise Error(STARC_EINVAL, f"{what}: {x!r} is not an integer") from None
    if x < minimum:
        raise Error(STARC_EINVAL, f"{what}: {x} must be >= {minimum}")
    return int(x)


def copy_doubles(ptr, shape):
    """A new ndarray holding a copy of the C doubles at @p ptr."""
    n = math.prod(shape)
    out = np.empty(shape)
    if n:
        ctypes.memmove(out.ctypes.data, ptr, n * 8)
    return out


def struct_fields(s, names=None):
    """{field: value} of a ctypes structure (nested structures as dicts)."""
    out = {}
    for name, _ in s._fields_:
        if names is not None and name not in names:
            continue
        v = getattr(s, name)
        if isinstance(v, ctypes.Structure):
            v = struct_fields(v)
        out[name] = v
    return out


class Result:
    """Base of the package's result records: fields are floats, ints, bools, strings, numpy
    arrays or other records; ``to_dict()`` turns the record into plain dicts (arrays stay
    arrays, records become dicts)."""

    def to_dict(self):
        """The record as plain dicts.

        Returns
        -------
        dict
            ``{field: value}`` in declaration order; nested records become dicts, numpy
            arrays stay arrays (``.tolist()`` them for JSON).
        """
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def __repr__(self):
        parts = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                v = f"array{shape_str(v.shape)}"
            elif isinstance(v, float):
                v = f"{v:.6g}"
            elif isinstance(v, dict) and len(v) > 4:
                v = "{" + ", ".join(map(repr, v)) + "}"
            else:
                v = repr(v)
            parts.append(f"{f.name}={v}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _plain(v):
    if isinstance(v, Result):
        return v.to_dict()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


def record(cls):
    """Decorator: a Result dataclass (fields in declaration order, no defaults needed)."""
    return dataclasses.dataclass(repr=False, eq=False)(cls)


class Handle:
    """A Python object that owns one libstarc object, released by close(), by leaving a
    ``with`` block or when the object is collected.

    Objects that keep a pointer into another one (a distance plan into its MDP) register
    with it as dependents: closing the owner closes them first, so no C pointer outlives
    what it points to.  Using a closed object raises starc.Error."""

    _ptr = None
    _what = "object"

    def _adopt(self, ptr, free, owner=None):
        self._ptr = ptr
        self._free = free
        self._deps = weakref.WeakSet()
        self._owner = owner  # keeps the owner alive as long as this object is
        if owner is not None:
            owner._deps.add(self)

    @property
    def ptr(self):
        """The address of the C object (an int), for libstarc calls; starc.Error once closed."""
        p = self._ptr
        if p is None:
            raise Error(STARC_EINVAL, f"this {self._what} is closed")
        return p

    @property
    def closed(self):
        """Whether close() has released the C object."""
        return self._ptr is None

    def close(self):
        """Release the C object now (and every object that depends on it); idempotent."""
        p = self._ptr
        if p is None:
            return
        for d in list(getattr(self, "_deps", ())):
            d.close()
        self._release_extra()
        self._ptr = None
        self._free(p)

    def _release_extra(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def scipy_sparse(x):
    """scipy.sparse when @p x is one of its matrices or arrays, else None (scipy is never
    imported here: a scipy object means the caller has imported it already)."""
    sp = sys.modules.get("scipy.sparse")
    if sp is not None and sp.issparse(x):
        return sp
    return None


def csr_canonical(csr, nrows, ncols):
    """(indptr, indices, data) of a scipy CSR matrix with @p nrows rows and @p ncols columns,
    as size_t, size_t and float64 arrays in canonical form: column indices strictly increasing
    within each row, duplicate (row, column) entries summed (what the matrix means: its
    ``toarray()``), explicit zeros kept.  The input is never modified.  An indptr that is not
    a valid one (not starting at 0, decreasing, not ending at nnz) is passed on as it is, for
    the library to report."""
    indptr = np.asarray(csr.indptr)
    indices = np.asarray(csr.indices)
    data = as_f64(csr.data, "T")
    if indptr.shape != (nrows + 1,):
        raise Error(STARC_EDIM, f"T: indptr has shape {shape_str(indptr.shape)}; expected ({nrows + 1},)")
    if indices.shape != data.shape or data.ndim != 1:
        raise Error(STARC_EDIM, f"T: {indices.size} column indices for {data.size} values")
    if indices.size and indices.min() < 0:
        k = int(np.argmin(indices))
        raise Error(STARC_EINVAL, f"T: stored entry {k} has column index {int(indices[k])}, outside [0,{ncols})")
    p = indptr.astype(np.int64)
    c = indices.astype(np.int64)
    d = np.diff(p)
    if p[0] == 0 and p[-1] == c.size and (d >= 0).all() and c.size > 1:
        rows = np.repeat(np.arange(nrows, dtype=np.int64), d)
        same = rows[1:] == rows[:-1]
        if (same & (c[1:] <= c[:-1])).any():  # unsorted or duplicate columns in some row
            order = np.lexsort((c, rows))  # stable: duplicates stay in stored order
            rows, c, data = rows[order], c[order], data[order]
            new = np.empty(c.size, dtype=bool)
            new[0] = True
            new[1:] = (rows[1:] != rows[:-1]) | (c[1:] != c[:-1])
            starts = np.flatnonzero(new)
            data = np.add.reduceat(data, starts)
            c = c[starts]
            p = np.zeros(nrows + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows[starts], minlength=nrows), out=p[1:])
    return (np.ascontiguousarray(p, dtype=np.uintp), np.ascontiguousarray(c, dtype=np.uintp),
            np.ascontiguousarray(data, dtype=np.float64))
