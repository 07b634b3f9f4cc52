"""Neural-network operations: matrix products, the fully connected layer, activations,
softmax and its fused cross-entropy, dropout. Forward and backward side by side."""

from functools import partial

import numpy as np

from . import graph as _graph
from . import random as _random
from .graph import _as_nd, _needs, _result, _sequence, _state


# ----- activations ---------------------------------------------------------------------

def relu(a):
    out = np.maximum(a._data, 0)
    # sign(out) is 1 above zero, 0 at or below, and NaN at NaN: MXNet's gradient passes NaN.
    # (The fused Dense+relu keeps the cheaper mask; a NaN there reaches the loss, so the
    # upstream gradient is NaN already.)
    return _result(out, (a,), lambda g: (g * np.sign(out),),
                   lambda g: (g * _graph.Array(np.sign(out)),))


def sigmoid(a):
    out = _sigmoid(a._data)

    def graph_backward(g):
        y = sigmoid(a)
        return (g * y * (1 - y),)
    return _result(out, (a,), lambda g: (g * out * (1 - out),), graph_backward)


def _sigmoid(x):
    # exp of a negative number only, so large |x| neither overflows nor warns.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def tanh(a):
    out = np.tanh(a._data)

    def graph_backward(g):
        y = tanh(a)
        return (g * (1 - y * y),)
    return _result(out, (a,), lambda g: (g * (1 - out * out),), graph_backward)


def softrelu(a):
    x = a._data
    out = np.logaddexp(0, x).astype(x.dtype, copy=False)
    return _result(out, (a,), lambda g: (g * _sigmoid(x),))


def softsign(a):
    x = a._data
    denom = 1 + np.abs(x)
    return _result(x / denom, (a,), lambda g: (g / (denom * denom),))


# ----- products and layers -------------------------------------------------------------


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

    def graph_backward(g):
        if x.ndim != 2 or y.ndim != 2:
            raise ValueError("create_graph: dot is differentiable twice for 2-d inputs only")
        ga = dot(g, b, False, not transpose_b) if _needs(a) else None
        gb = dot(a, g, not transpose_a, False) if _needs(b) else None
        if ga is not None and transpose_a:
            ga = dot(b, g, transpose_b, True)
        if gb is not None and transpose_b:
            gb = dot(g, a, True, transpose_a)
        return ga, gb
    out = np.asarray(out)
    if out.ndim == 0:  # MXNet 1.x: the product of two vectors is a (1,) array
        out = out.reshape(1)
    return _result(out, (a, b), backward, graph_backward)


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
    features = (x.size // x.shape[0] if x.shape[0] else 0) if flatten else x.shape[-1]
    if features != w.shape[1]:
        raise ValueError("FullyConnected: the input has %d features per sample (shape %s) but "
                         "the weight expects %d (shape %s)"
                         % (features, tuple(x.shape), w.shape[1], tuple(w.shape)))
    return _dense(data, weight, None if no_bias else bias, flatten, None)


def _dense(data, weight, bias, flatten, act_type):
    """The fully connected layer with its activation fused into one graph node.

    One node instead of two saves a Python round trip per layer in forward and backward;
    the arithmetic is the same.
    """
    x, w = data._data, weight._data
    # Callers have checked that the input's features match the weight.
    x2 = x if x.ndim == 2 else (x.reshape(x.shape[0], -1) if flatten else
                                x.reshape(-1, x.shape[-1]))
    out = x2 @ w.T
    if bias is not None:
        out += bias._data
    if act_type == "relu":
        np.maximum(out, 0, out=out)
    elif act_type is not None:
        out = _ACTIVATION_FORWARD[act_type](out)
    if not flatten and x.ndim != 2:
        out_shaped = out.reshape(x.shape[:-1] + (w.shape[0],))
    else:
        out_shaped = out
    if not _state.recording:
        return _graph.Array(out_shaped)
    # Decided now, not in backward: the first layer's input needs no gradient, and skipping
    # that product saves a third of the layer's backward work.
    need_x = data._node is not None or data._grad is not None
    need_w = weight._node is not None or weight._grad is not None
    need_b = bias is not None and (bias._node is not None or bias._grad is not None)
    if not (need_x or need_w or need_b):  # nothing upstream wants a gradient: no node
        return _graph.Array(out_shaped)
    # A Dense weight is (in, out) in memory (Fortran order): its gradient is computed in the
    # same layout, so the optimizer's update runs over both arrays in one contiguous sweep.
    w_in_out = not w.flags.c_contiguous
    # A partial of a module-level function rather than a closure over these locals: it is
    # cheaper to make and to call (no cells), and one is made per layer per step.
    backward = partial(_dense_backward, x, x2, w, out, act_type, need_x, need_w, need_b,
                       w_in_out, bias is not None)
    # What _result would do, inlined: the needs are known already, and this runs per layer
    # per step.
    result = _graph.Array(out_shaped)
    result._node = ((data, weight, bias) if bias is not None else (data, weight)), backward
    result._seq = next(_sequence)
    return result


def _dense_backward(x, x2, w, out, act_type, need_x, need_w, need_b, w_in_out, has_bias, g):
    """Gradients of ``_dense`` for its data, weight and bias, from the output gradient ``g``."""
    if g.ndim != 2:
        g = g.reshape(x2.shape[0], w.shape[0])
    if act_type == "relu":
        g = g * (out > 0)
    elif act_type is not None:
        g = _ACTIVATION_BACKWARD[act_type](g, out)
    gx = None
    if need_x:
        gx = g @ w
        if x2 is not x:
            gx = gx.reshape(x.shape)
    gw = None
    if need_w:
        gw = (x2.T @ g).T if w_in_out else g.T @ x2
    gb = np.add.reduce(g, 0) if need_b else None
    return (gx, gw, gb) if has_bias else (gx, gw)


def _softsign_forward(x):
    return x / (1 + np.abs(x))


def _softrelu_forward(x):
    return np.logaddexp(0, x).astype(x.dtype, copy=False)


# Forward from the pre-activation; backward from the activation's output (which is all
# these need), so the fused node keeps one array alive, not two.
_ACTIVATION_FORWARD = {"sigmoid": _sigmoid, "tanh": np.tanh, "softrelu": _softrelu_forward,
                       "softsign": _softsign_forward}
_ACTIVATION_BACKWARD = {
    "sigmoid": lambda g, y: g * y * (1 - y),
    "tanh": lambda g, y: g * (1 - y * y),
    # softrelu: y = log(1 + e^x), dy/dx = sigmoid(x) = 1 - e^-y
    "softrelu": lambda g, y: g * -np.expm1(-y),
    # softsign: y = x / (1 + |x|), dy/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2
    "softsign": lambda g, y: g * (1 - np.abs(y)) ** 2,
}


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
    if axis != x.ndim - 1:
        # Move the class axis last, compute there, and let transpose carry the gradient.
        order = [i for i in range(x.ndim) if i != axis] + [axis]
        inverse = np.argsort(order)
        moved = _result(np.transpose(x, order), (pred,), lambda g: (np.transpose(g, inverse),))
        return softmax_cross_entropy(moved, label, -1, sparse_label)
    n_classes = x.shape[-1]
    z = x if x.ndim == 2 else x.reshape(-1, n_classes)
    shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
    # exp(shifted) / total is softmax(x); the division is left to backward, where it makes
    # the new array that the gradient is written into (instead of a copy).
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=1)
    rows = _row_indices(z.shape[0])
    if sparse_label:
        idx = label._data
        idx = (idx if idx.ndim == 1 else idx.reshape(-1)).astype(np.intp)
        if idx.shape[0] != z.shape[0]:
            raise ValueError("%d labels for %d predictions (pred shape %s, label shape %s)"
                             % (idx.shape[0], z.shape[0], x.shape, label.shape))
        # Seen as unsigned, a negative label is huge: one reduction checks both ends.
        if idx.size and np.maximum.reduce(idx.view(np.uintp)) >= n_classes:
            raise ValueError("labels must lie in [0, %d) for %d classes; got values from %d to %d"
                             % (n_classes, n_classes, idx.min(), idx.max()))
        out = np.log(total)
        out -= shifted[rows, idx]
    else:
        target = label._data.reshape(z.shape)
        out = (target * (np.log(total)[:, None] - shifted)).sum(axis=1)
    if x.ndim != 2:
        out = out.reshape(x.shape[:-1])

    def backward(g):
        grad = e / total[:, None]  # softmax(x), as a new array: e stays for another pass
        if sparse_label:
            grad[rows, idx] -= 1
        else:
            grad = grad * target.sum(axis=1, keepdims=True) - target
        grad *= g.reshape(-1, 1)
        return (grad if x.ndim == 2 else grad.reshape(x.shape)), None
    return _result(out, (pred, label), backward)


_ROWS = {}


def _row_indices(n):
    """``arange(n)``, kept: the batch size rarely changes."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 32:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


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
