"""Differentiable array operations: each forward computes with numpy and, right beside it,
says how to carry the output's gradient back to its inputs.

The helper ``_result(data, parents, backward)`` wraps the output and, while autograd records
and some input needs a gradient, remembers ``backward``: a closure from the output gradient
to a tuple of input gradients (None where an input gets none).
"""

import numpy as np

from .graph import (ArrayBase, _as_nd, _needs, _result, _unbroadcast,  # noqa: F401
                    _unbroadcast_nd, wrap)
from .shape_ops import (_mx_shape, reshape, reshape_view, flatten, transpose, moveaxis,  # noqa: F401
                        expand_dims, squeeze, getitem, concat, stack)
from .nn_ops import (dot, batch_dot, softmax, log_softmax, pick,  # noqa: F401
                     FullyConnected, Activation, Dropout, softmax_cross_entropy,
                     relu, sigmoid, tanh, softrelu, softsign, _sigmoid)


def _operands(a, b):
    """Both sides as NDArray; plain numbers take the array side's dtype (as numpy does)."""
    if not isinstance(a, ArrayBase):
        a = wrap(np.asarray(a, dtype=b._data.dtype))
    if not isinstance(b, ArrayBase):
        b = wrap(np.asarray(b, dtype=a._data.dtype))
    return a, b


# ----- elementwise binary ----------------------------------------------------------------

def add(lhs, rhs):
    a, b = _operands(lhs, rhs)
    sa, sb = a.shape, b.shape
    return _result(a._data + b._data, (a, b),
                   lambda g: (_unbroadcast(g, sa), _unbroadcast(g, sb)),
                   lambda g: (_unbroadcast_nd(g, sa), _unbroadcast_nd(g, sb)))


def subtract(lhs, rhs):
    a, b = _operands(lhs, rhs)
    sa, sb = a.shape, b.shape
    return _result(a._data - b._data, (a, b),
                   lambda g: (_unbroadcast(g, sa), _unbroadcast(-g, sb)),
                   lambda g: (_unbroadcast_nd(g, sa), _unbroadcast_nd(-g, sb)))


def multiply(lhs, rhs):
    a, b = _operands(lhs, rhs)
    x, y = a._data, b._data
    return _result(x * y, (a, b),
                   lambda g: (_unbroadcast(g * y, x.shape) if _needs(a) else None,
                              _unbroadcast(g * x, y.shape) if _needs(b) else None),
                   lambda g: (_unbroadcast_nd(g * b, x.shape) if _needs(a) else None,
                              _unbroadcast_nd(g * a, y.shape) if _needs(b) else None))


def divide(lhs, rhs):
    a, b = _operands(lhs, rhs)
    x, y = a._data, b._data
    if x.dtype.kind in "iu" and y.dtype.kind in "iu":
        return _result(_int_divide(x, y), (a, b), lambda g: (None, None))
    return _result(x / y, (a, b),
                   lambda g: (_unbroadcast(g / y, x.shape) if _needs(a) else None,
                              _unbroadcast(-g * x / (y * y), y.shape) if _needs(b) else None),
                   lambda g: (_unbroadcast_nd(g / b, x.shape) if _needs(a) else None,
                              _unbroadcast_nd(-g * a / (b * b), y.shape) if _needs(b) else None))


def modulo(lhs, rhs):
    """``lhs % rhs`` with the sign of ``rhs`` (as Python and MXNet do)."""
    a, b = _operands(lhs, rhs)
    x, y = a._data, b._data
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.mod(x, y)
    return _result(out, (a, b),
                   lambda g: (_unbroadcast(g, x.shape) if _needs(a) else None,
                              _unbroadcast(-g * np.floor_divide(x, y), y.shape)
                              if _needs(b) else None))


def _int_divide(x, y):
    """Integer arrays divide into their own dtype, truncating toward zero, as MXNet does."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor_divide(x, y)
        if x.dtype.kind == "i" or y.dtype.kind == "i":
            q += ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0))).astype(q.dtype)
    return q.astype(np.result_type(x, y), copy=False)


def power(base, exponent):
    a, b = _operands(base, exponent)
    x, y = a._data, b._data
    out = x ** y

    def backward(g):
        ga = _unbroadcast(g * y * x ** (y - 1), x.shape) if _needs(a) else None
        gb = None
        if _needs(b):
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = _unbroadcast(np.where(x > 0, g * out * np.log(np.where(x > 0, x, 1)), 0),
                                  y.shape)
        return ga, gb

    def graph_backward(g):
        ga = _unbroadcast_nd(g * b * a ** (b - 1), x.shape) if _needs(a) else None
        gb = None
        if _needs(b):
            if (x <= 0).any():
                raise ValueError("create_graph: the exponent's gradient needs a positive base")
            gb = _unbroadcast_nd(g * a ** b * log(a), y.shape)
        return ga, gb
    return _result(out, (a, b), backward, graph_backward)


def maximum(lhs, rhs):
    a, b = _operands(lhs, rhs)
    x, y = a._data, b._data
    mask = x >= y
    return _result(np.maximum(x, y), (a, b),
                   lambda g: (_unbroadcast(g * mask, x.shape), _unbroadcast(g * ~mask, y.shape)))


def minimum(lhs, rhs):
    a, b = _operands(lhs, rhs)
    x, y = a._data, b._data
    mask = x <= y
    return _result(np.minimum(x, y), (a, b),
                   lambda g: (_unbroadcast(g * mask, x.shape), _unbroadcast(g * ~mask, y.shape)))


def compare(ufunc, lhs, rhs):
    a, b = _operands(lhs, rhs)
    return wrap(ufunc(a._data, b._data).astype(a._data.dtype))


# ----- elementwise unary -----------------------------------------------------------------

def negative(a):
    return _result(-a._data, (a,), lambda g: (-g,), lambda g: (-g,))


def exp(a):
    out = np.exp(a._data)
    return _result(out, (a,), lambda g: (g * out,), lambda g: (g * exp(a),))


def log(a):
    x = a._data
    return _result(np.log(x), (a,), lambda g: (g / x,), lambda g: (g / a,))


def sin(a):
    x = a._data
    return _result(np.sin(x), (a,), lambda g: (g * np.cos(x),), lambda g: (g * cos(a),))


def cos(a):
    x = a._data
    return _result(np.cos(x), (a,), lambda g: (-g * np.sin(x),), lambda g: (-g * sin(a),))


def sqrt(a):
    out = np.sqrt(a._data)
    return _result(out, (a,), lambda g: (g / (2 * out),), lambda g: (g / (2 * sqrt(a)),))


def square(a):
    x = a._data
    return _result(x * x, (a,), lambda g: (2 * g * x,), lambda g: (2 * g * a,))


def abs(a):
    x = a._data
    return _result(np.abs(x), (a,), lambda g: (g * np.sign(x),))


def clip(a, a_min, a_max):
    x = a._data
    inside = (x >= a_min) & (x <= a_max)
    return _result(np.clip(x, a_min, a_max), (a,), lambda g: (g * inside,))


def cast(a, dtype):
    src = a._data.dtype
    return _result(a._data.astype(dtype), (a,), lambda g: (g.astype(src, copy=False),))


def copy(a):
    return _result(a._data.copy(), (a,), lambda g: (g,), lambda g: (g,))


# ----- reductions ----------------------------------------------------------------------

def _axes(ndim, axis, exclude):
    if axis is None:
        axes = tuple(range(ndim))
    elif isinstance(axis, (tuple, list)):
        axes = tuple(int(x) % ndim for x in axis)
    else:
        axes = (int(axis) % ndim,)
    if exclude:
        axes = tuple(i for i in range(ndim) if i not in axes)
    return axes


def _restore(g, shape, axes, keepdims):
    """Give a reduced gradient back the reduced axes, so it broadcasts over the input."""
    if not keepdims:
        g = np.expand_dims(g.reshape([d for i, d in enumerate(shape) if i not in axes]), axes) \
            if axes else g
    return g


def _restore_nd(g, x, axes, keepdims):
    """``_restore`` with recorded ops: the reduced gradient spread back over ``x``'s shape."""
    kept = [1 if i in axes else d for i, d in enumerate(x.shape)]
    return g.reshape(kept) * wrap(np.ones(x.shape, dtype=x.dtype))


def _reduced(out, ndim, axes, keepdims):
    """MXNet 1.x gives a reduction over every axis shape (1,), not a 0-d array."""
    if not keepdims and len(axes) == ndim:
        return np.asarray(out).reshape(1)
    return np.asarray(out)


def _accumulator(dtype):
    """float16 sums accumulate in float32, as MXNet's do (then round back once)."""
    return np.float32 if dtype == np.float16 else None


def sum(a, axis=None, keepdims=False, exclude=False):
    x = a._data
    axes = _axes(x.ndim, axis, exclude)
    out = x.sum(axis=axes, keepdims=keepdims, dtype=_accumulator(x.dtype))
    out = _reduced(out.astype(x.dtype, copy=False), x.ndim, axes, keepdims)
    return _result(out, (a,),
                   lambda g: (np.broadcast_to(_restore(g, x.shape, axes, keepdims), x.shape),),
                   lambda g: (_restore_nd(g, x, axes, keepdims),))


def mean(a, axis=None, keepdims=False, exclude=False):
    x = a._data
    axes = _axes(x.ndim, axis, exclude)
    count = int(np.prod([x.shape[i] for i in axes])) if axes else 1
    out = x.mean(axis=axes, keepdims=keepdims, dtype=_accumulator(x.dtype))
    out = _reduced(out.astype(x.dtype, copy=False), x.ndim, axes, keepdims)
    return _result(out, (a,),
                   lambda g: (np.broadcast_to(_restore(g, x.shape, axes, keepdims) / count,
                                              x.shape),),
                   lambda g: (_restore_nd(g, x, axes, keepdims) / count,))


def _extreme(reduce, a, axis, keepdims, exclude):
    x = a._data
    axes = _axes(x.ndim, axis, exclude)
    kept = reduce(x, axis=axes, keepdims=True)
    out = kept if keepdims else _reduced(
        kept.reshape([d for i, d in enumerate(x.shape) if i not in axes]), x.ndim, axes, False)

    def backward(g):
        # As MXNet: every element equal to the extreme gets the whole gradient (ties are
        # not shared out).
        return ((x == kept) * _restore(g, x.shape, axes, keepdims),)
    return _result(out, (a,), backward)


def max(a, axis=None, keepdims=False, exclude=False):
    return _extreme(np.max, a, axis, keepdims, exclude)


def min(a, axis=None, keepdims=False, exclude=False):
    return _extreme(np.min, a, axis, keepdims, exclude)


def argmax(a, axis=None, keepdims=False):
    # MXNet returns indices as floats of the input's dtype; no gradient flows.
    out = np.argmax(a._data, axis=axis, keepdims=keepdims)
    return wrap(np.asarray(out).astype(a._data.dtype))


def argmin(a, axis=None, keepdims=False):
    out = np.argmin(a._data, axis=axis, keepdims=keepdims)
    return wrap(np.asarray(out).astype(a._data.dtype))


def one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    idx = indices._data.astype(np.int64)
    out = np.full(idx.shape + (int(depth),), off_value, dtype=dtype)
    valid = (idx >= 0) & (idx < depth)
    np.put_along_axis(out, np.where(valid, idx, 0)[..., None],
                      np.where(valid, on_value, off_value)[..., None].astype(dtype), axis=-1)
    return wrap(out)
