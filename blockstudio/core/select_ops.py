"""Slicing, gathering and selecting ops as MXNet names them: ``slice``, ``slice_axis``,
``take``, ``split``, ``where``, ``topk``, ``broadcast_to``, ``norm``, ``round``, ``eye``.

Forward and backward side by side, like ``ops.py``; each result is a new array (MXNet's ops
copy; only basic indexing and the ``reshape`` method give views).
"""

import builtins

import numpy as np

from .graph import _as_nd, _needs, _result, _unbroadcast, wrap
from .shape_ops import squeeze


_pyslice = builtins.slice  # this module's ``slice`` shadows the built-in


def _scatter(shape, dtype, key, g):
    """A zero array of ``shape`` with ``g`` added at ``key`` (repeats add up)."""
    full = np.zeros(shape, dtype=dtype)
    np.add.at(full, key, g)
    return full


def slice(data, begin, end, step=None):  # noqa: A001  (MXNet's name)
    """``data[begin[0]:end[0]:step[0], ...]``; None in a tuple means the whole axis.

    >>> nd.slice(x, begin=(0, 1), end=(2, 3))
    """
    begin, end = tuple(begin), tuple(end)
    step = tuple(step) if step else (None,) * len(begin)
    if not len(begin) == len(end) == len(step):
        raise ValueError("slice: begin %s, end %s and step %s must have the same length"
                         % (begin, end, step))
    if len(begin) > data.ndim:
        raise ValueError("slice: %d axes given for an array of shape %s"
                         % (len(begin), data.shape))
    key = tuple(_pyslice(b, e, s) for b, e, s in zip(begin, end, step))
    x = data._data
    return _result(x[key].copy(), (data,), lambda g: (_scatter(x.shape, g.dtype, key, g),))


def slice_axis(data, axis, begin, end):
    """``data`` restricted to ``begin:end`` along ``axis`` (end None: to the end)."""
    x = data._data
    axis = int(axis) % x.ndim
    key = (_pyslice(None),) * axis + (_pyslice(begin, end),)
    return _result(x[key].copy(), (data,), lambda g: (_scatter(x.shape, g.dtype, key, g),))


def take(a, indices, axis=0, mode="clip"):
    """Elements of ``a`` at ``indices`` along ``axis``; out-of-range indices are clipped
    (``mode='clip'``) or wrapped (``mode='wrap'``)."""
    x = a._data
    axis = int(axis) % x.ndim
    idx = _as_nd(indices)._data.astype(np.int64)
    size = x.shape[axis]
    if mode == "clip":
        idx = np.clip(idx, 0, size - 1)
    elif mode == "wrap":
        idx = np.mod(idx, size)
    else:
        raise ValueError("take: mode must be 'clip' or 'wrap', got %r" % (mode,))
    key = (_pyslice(None),) * axis + (idx,)
    return _result(np.take(x, idx, axis=axis), (a,),
                   lambda g: (_scatter(x.shape, g.dtype, key, g),))


def split(data, num_outputs, axis=1, squeeze_axis=False):
    """``num_outputs`` equal parts along ``axis``; a single array when there is one part."""
    x = data._data
    axis = int(axis) % x.ndim
    if num_outputs < 1 or x.shape[axis] % num_outputs:
        raise ValueError("split: axis %d of shape %s does not split into %r equal parts"
                         % (axis, x.shape, num_outputs))
    step = x.shape[axis] // num_outputs
    parts = [slice_axis(data, axis, i * step, (i + 1) * step) for i in range(num_outputs)]
    if squeeze_axis:
        if step != 1:
            raise ValueError("split: squeeze_axis needs parts of size 1 along axis %d, got %d"
                             % (axis, step))
        parts = [squeeze(p, axis) for p in parts]
    return parts[0] if num_outputs == 1 else parts


def where(condition, x, y):
    """``x`` where ``condition`` is non-zero, else ``y``. A 1-d condition selects rows."""
    c = _as_nd(condition)._data != 0
    a, b = _as_nd(x), _as_nd(y)
    if c.shape != a.shape:
        if c.ndim == 1 and c.shape[0] == a.shape[0]:
            c = c.reshape((-1,) + (1,) * (a.ndim - 1))
        else:
            raise ValueError("where: condition of shape %s must match x (%s) or be 1-d over its "
                             "first axis" % (c.shape, a.shape))
    if a.shape != b.shape:
        raise ValueError("where: x and y must have the same shape, got %s and %s"
                         % (a.shape, b.shape))
    out = np.where(c, a._data, b._data)
    return _result(out, (a, b), lambda g: (
        _unbroadcast(np.where(c, g, 0), a.shape) if _needs(a) else None,
        _unbroadcast(np.where(c, 0, g), b.shape) if _needs(b) else None))


def topk(data, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    """The ``k`` largest (or smallest) entries along ``axis``: their indices (as ``dtype``),
    values, both, or a 0/1 mask of them."""
    x = data._data
    axis = int(axis) % x.ndim
    k = int(k) if k >= 1 else x.shape[axis]
    order = np.argsort(x if is_ascend else -x, axis=axis, kind="stable")
    idx = np.take(order, np.arange(k), axis=axis)
    if ret_typ == "indices":
        return wrap(idx.astype(dtype))
    if ret_typ == "mask":
        mask = np.zeros_like(x)
        np.put_along_axis(mask, idx, 1, axis=axis)
        return wrap(mask)
    values = np.take_along_axis(x, idx, axis=axis)

    def backward(g):
        full = np.zeros(x.shape, dtype=g.dtype)
        np.put_along_axis(full, idx, g, axis=axis)
        return (full,)
    out = _result(values, (data,), backward)
    if ret_typ == "value":
        return out
    if ret_typ == "both":
        return [out, wrap(idx.astype(dtype))]
    raise ValueError("topk: ret_typ must be 'indices', 'value', 'both' or 'mask', got %r"
                     % (ret_typ,))


def broadcast_to(data, shape):
    """``data`` repeated along its size-1 axes to ``shape`` (0 keeps that axis's size)."""
    x = data._data
    src = x.shape
    target = tuple(int(s) if int(s) else src[i - len(shape) + len(src)]
                   for i, s in enumerate(shape))
    out = np.broadcast_to(x, target).copy()
    return _result(out, (data,), lambda g: (_unbroadcast(g, src),))


def norm(data, ord=2, axis=None, keepdims=False):  # noqa: A002  (MXNet's name)
    """The L2 (``ord=2``) or L1 (``ord=1``) norm over ``axis`` (all axes: shape (1,))."""
    if ord not in (1, 2):
        raise ValueError("norm: ord must be 1 or 2, got %r" % (ord,))
    x = data._data
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = tuple(int(a) % x.ndim for a in (axis if isinstance(axis, (tuple, list))
                                                else (axis,)))
    if ord == 2:
        acc = np.float32 if x.dtype == np.float16 else x.dtype
        kept = np.sqrt(np.sum(np.square(x, dtype=acc), axis=axes, keepdims=True))
    else:
        kept = np.sum(np.abs(x), axis=axes, keepdims=True)
    kept = kept.astype(x.dtype, copy=False)
    out = kept if keepdims else kept.reshape([d for i, d in enumerate(x.shape) if i not in axes])
    if out.ndim == 0:
        out = out.reshape(1)

    def backward(g):
        g = g.reshape(kept.shape)
        if ord == 1:
            return (g * np.sign(x),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(kept > 0, g * x / kept, 0).astype(x.dtype, copy=False),)
    return _result(out, (data,), backward)


def round(data):  # noqa: A001  (MXNet's name)
    """Round half away from zero, as MXNet does (numpy rounds half to even)."""
    x = data._data
    whole = np.trunc(x)
    out = np.where(np.abs(x - whole) >= 0.5, whole + np.sign(x), whole).astype(x.dtype,
                                                                               copy=False)
    return _result(out, (data,), lambda g: (np.zeros_like(g),))


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """An N x M (M=0: N x N) array with ones on diagonal ``k``."""
    return wrap(np.eye(int(N), int(M) or None, int(k), dtype=dtype or np.float32))
