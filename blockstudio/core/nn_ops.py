"""Neural-network operations: matrix products, the fully connected layer, activations,
softmax and its fused cross-entropy, dropout. Forward and backward side by side."""

import numpy as np

from . import random as _random
from .autograd import _state
from .ndarray import NDArray, _as_nd
from .ops import _needs, _result, relu, sigmoid, tanh, softrelu, softsign


def dot(lhs, rhs, transpose_a=False, transpose_b=False):
    """Matrix product; for N-d inputs, the last axis of ``lhs`` with the first of ``rhs``."""
    a, b = _as_nd(lhs), _as_nd(rhs)
    x, y = a._data, b._data
    if (transpose_a or transpose_b) and (x.ndim > 2 or y.ndim > 2):
        raise ValueError("dot: transpose_a/transpose_b are supported for 1-d and 2-d inputs, "
                         "got shapes %s and %s; transpose explicitly first" % (x.shape, y.shape))
    xt = x.T if transpose_a else x
    yt = y.T if transpose_b else y
    if xt.ndim <= 2 and yt.ndim <= 2:
        out = np.dot(xt, yt)
    else:
        out = np.tensordot(xt, yt, axes=([xt.ndim - 1], [0]))

    def backward(g):
        ga = gb = None
        # Work on 2-d views: rows of lhs by the contracted axis, that axis by the rest of rhs.
        x2 = xt.reshape(-1, xt.shape[-1]) if xt.ndim else xt.reshape(1, 1)
        y2 = yt.reshape(yt.shape[0], -1) if yt.ndim else yt.reshape(1, 1)
        g2 = g.reshape(x2.shape[0], y2.shape[1])
        if _needs(a):
            ga = (g2 @ y2.T).reshape(xt.shape)
            ga = ga.T if transpose_a else ga
        if _needs(b):
            gb = (x2.T @ g2).reshape(yt.shape)
            gb = gb.T if transpose_b else gb
        return ga, gb
    return _result(np.asarray(out), (a, b), backward)


def batch_dot(lhs, rhs, transpose_a=False, transpose_b=False):
    """Batched matrix product of (B, n, m) and (B, m, k) arrays."""
    a, b = _as_nd(lhs), _as_nd(rhs)
    x = np.swapaxes(a._data, -1, -2) if transpose_a else a._data
    y = np.swapaxes(b._data, -1, -2) if transpose_b else b._data

    def backward(g):
        ga = gb = None
        if _needs(a):
            ga = g @ np.swapaxes(y, -1, -2)
            ga = np.swapaxes(ga, -1, -2) if transpose_a else ga
        if _needs(b):
            gb = np.swapaxes(x, -1, -2) @ g
            gb = np.swapaxes(gb, -1, -2) if transpose_b else gb
        return ga, gb
    return _result(np.matmul(x, y), (a, b), backward)


def FullyConnected(data, weight, bias=None, num_hidden=None, no_bias=False, flatten=True):
    """``data @ weight.T + bias``; with ``flatten`` the input is first made 2-d (N, -1)."""
    x, w = data._data, weight._data
    if flatten:
        x2 = x.reshape(x.shape[0], -1) if x.ndim != 2 else x
    else:
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
    if x2.shape[1] != w.shape[1]:
        raise ValueError("FullyConnected: the input has %d features per sample (shape %s) but "
                         "the weight expects %d (shape %s)"
                         % (x2.shape[1], tuple(x.shape), w.shape[1], tuple(w.shape)))
    out = x2 @ w.T
    use_bias = bias is not None and not no_bias
    if use_bias:
        out += bias._data
    out_shape = out.shape if flatten else x.shape[:-1] + (w.shape[0],)
    # Decided now, not in backward: the first layer's input needs no gradient, and skipping
    # that product saves a third of the layer's backward work.
    need_x, need_w = _needs(data), _needs(weight)
    need_b = use_bias and _needs(bias)

    def backward(g):
        g2 = g.reshape(x2.shape[0], w.shape[0]) if g.ndim != 2 else g
        gx = (g2 @ w).reshape(x.shape) if need_x else None
        gw = g2.T @ x2 if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb
    parents = (data, weight, bias) if use_bias else (data, weight)
    return _result(out.reshape(out_shape) if not flatten else out, parents, backward)


_ACTIVATIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh,
                "softrelu": softrelu, "softsign": softsign}


def Activation(data, act_type="relu"):
    """Apply a named activation: relu, sigmoid, tanh, softrelu or softsign."""
    try:
        fn = _ACTIVATIONS[act_type]
    except KeyError:
        raise ValueError("unknown activation %r; choose one of %s"
                         % (act_type, ", ".join(sorted(_ACTIVATIONS)))) from None
    return fn(data)


def softmax(data, axis=-1, temperature=None):
    x = data._data if temperature is None else data._data / temperature
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)
    scale = 1.0 if temperature is None else 1.0 / temperature
    return _result(out, (data,),
                   lambda g: (scale * out * (g - (g * out).sum(axis=axis, keepdims=True)),))


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax(data, axis=-1):
    out = _log_softmax(data._data, axis)
    return _result(out, (data,),
                   lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


def pick(data, index, axis=-1, keepdims=False, mode="clip"):
    """Pick one element along ``axis`` per position, at ``index`` (labels as floats are fine)."""
    x = data._data
    axis = axis % x.ndim
    idx = _as_nd(index)._data.astype(np.int64)
    size = x.shape[axis]
    idx = np.clip(idx, 0, size - 1) if mode == "clip" else np.mod(idx, size)
    idx = np.expand_dims(idx.reshape(x.shape[:axis] + x.shape[axis + 1:]), axis)
    out = np.take_along_axis(x, idx, axis=axis)

    def backward(g):
        full = np.zeros_like(x)
        np.put_along_axis(full, idx, g if keepdims else np.expand_dims(g, axis), axis=axis)
        return (full,)
    return _result(out if keepdims else np.squeeze(out, axis), (data,), backward)


def softmax_cross_entropy(pred, label, axis=-1, sparse_label=True):
    """Per-sample ``-log softmax(pred)[label]``, fused: its gradient is ``softmax - onehot``."""
    label = _as_nd(label)
    x = pred._data
    axis = axis % x.ndim
    logp = _log_softmax(x, axis)
    if sparse_label:
        idx = label._data.astype(np.int64).reshape(x.shape[:axis] + x.shape[axis + 1:])
        idx = np.expand_dims(idx, axis)
        if idx.size and (idx.min() < 0 or idx.max() >= x.shape[axis]):
            raise ValueError("labels must lie in [0, %d) for %d classes; got values from %d to %d"
                             % (x.shape[axis], x.shape[axis], idx.min(), idx.max()))
        out = -np.take_along_axis(logp, idx, axis=axis).squeeze(axis)
    else:
        target = label._data.reshape(x.shape)
        out = -(logp * target).sum(axis=axis)

    def backward(g):
        grad = np.exp(logp)
        if sparse_label:
            np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, axis=axis) - 1, axis=axis)
        else:
            grad = grad * target.sum(axis=axis, keepdims=True) - target
        grad *= np.expand_dims(g, axis)
        return grad, None
    return _result(out, (pred, label), backward)


def Dropout(data, p=0.5, mode="training", axes=(), cudnn_off=None):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), in training only."""
    if not 0.0 <= p < 1.0:
        raise ValueError("dropout rate must be in [0, 1), got %r" % (p,))
    active = mode == "always" or _state.training
    if not active or p == 0.0:
        return _result(data._data, (data,), lambda g: (g,))
    x = data._data
    mask_shape = list(x.shape)
    for ax in axes:
        mask_shape[ax] = 1
    keep = _random.get_generator().random(mask_shape, dtype=np.float32) >= p
    mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)
    return _result(x * mask, (data,), lambda g: (g * mask,))
