"""Convolution and pooling on NCHW arrays, as MXNet's ``Convolution`` and ``Pooling``
operators (``BatchNorm`` is in norm_ops.py). Forward and backward side by side.

Speed comes from doing the work in a few large numpy calls:

- convolution is im2col plus one matrix product per layer. The columns are gathered from a
  strided view of the (padded) input copied to (C, N, H, W) or (C, H, W, N) order, so the
  product ``weight (F, C*kh*kw) @ columns (C*kh*kw, N*OH*OW)`` is a single GEMM (a batched
  one, one matrix per group, when ``num_group > 1``). Backward is two GEMMs and a scatter of the
  column gradient back onto the input done as kh*kw strided additions: a Python loop over
  kernel positions (25 for a 5x5 kernel), never over pixels or batch items.
- pooling takes, for each of the kh*kw window positions, the strided view of the input that
  position sees, and combines those views with ``np.maximum`` or ``+``. (For 2x2 windows this
  beats ``reshape(N, C, OH, 2, OW, 2).max(axis=(3, 5))``, a reduction over two short
  non-adjacent axes that numpy runs many times slower.)
"""

import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .autograd import _sequence, _state
from .ndarray import NDArray
from .nn_ops import _ACTIVATION_BACKWARD, _ACTIVATION_FORWARD
from .ops import _result


def _pair(value, name, op, default):
    """An MXNet 2-d shape argument: () means the default, an int means the same twice."""
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        return default
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value), int(value))
    try:
        pair = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError("%s: %s must be an int or a pair of ints, got %r"
                        % (op, name, value)) from None
    if len(pair) != 2:
        raise ValueError("%s: %s must have 2 values for 2-d data (NCHW), got %r"
                         % (op, name, value))
    return pair


def _check_4d(x, op):
    if x.ndim != 4:
        raise ValueError("%s expects 4-d input (batch, channels, height, width), got shape %s. "
                         "MNIST images (N, 28, 28, 1) need x.transpose((0, 3, 1, 2)) first."
                         % (op, tuple(x.shape)))


def _check_layout(layout, op):
    if layout not in (None, "NCHW"):
        raise ValueError("%s: only layout 'NCHW' is supported, got %r; transpose the data to "
                         "(batch, channels, height, width)" % (op, layout))


def _padded(x, pad_h, pad_w, extra_h=0, extra_w=0, fill=0):
    """``x`` with ``pad`` rows/columns of ``fill`` on each side (and ``extra`` more at the end)."""
    if not (pad_h or pad_w or extra_h or extra_w):
        return x
    n, c, h, w = x.shape
    out = np.empty((n, c, h + 2 * pad_h + extra_h, w + 2 * pad_w + extra_w), x.dtype)
    out.fill(fill)
    out[:, :, pad_h:pad_h + h, pad_w:pad_w + w] = x
    return out


def _window_view(xp, i, j, out_h, out_w, stride):
    """The (N, C, OH, OW) strided view of ``xp`` seen by kernel position (i, j)."""
    sh, sw = stride
    return xp[:, :, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw]


# ----- convolution ----------------------------------------------------------------------

def Convolution(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(), pad=(),
                num_filter=None, num_group=1, workspace=1024, no_bias=False, cudnn_tune=None,
                cudnn_off=False, layout=None, name=None, **kwargs):
    """2-d convolution of NCHW ``data`` with ``weight`` (num_filter, C/num_group, kh, kw).

    >>> out = nd.Convolution(x, w, b, kernel=(5, 5), num_filter=20)
    """
    _check_layout(layout, "Convolution")
    x, w = data._data, weight._data
    _check_4d(x, "Convolution")
    if w.ndim != 4:
        raise ValueError("Convolution: weight must be 4-d (num_filter, channels/num_group, "
                         "kh, kw), got shape %s" % (tuple(w.shape),))
    kernel = _pair(kernel, "kernel", "Convolution", tuple(w.shape[2:]))
    num_filter = w.shape[0] if num_filter is None else int(num_filter)
    groups = int(num_group)
    expected = (num_filter, x.shape[1] // groups if groups else 0) + kernel
    if groups < 1 or x.shape[1] % groups or num_filter % groups or tuple(w.shape) != expected:
        raise ValueError("Convolution: input of shape %s with num_filter=%d, num_group=%d and "
                         "kernel=%s needs a weight of shape %s (input channels divisible by "
                         "num_group), got %s" % (tuple(x.shape), num_filter, groups, kernel,
                                                 expected, tuple(w.shape)))
    if no_bias:
        bias = None
    elif bias is None:
        raise ValueError("Convolution: bias is required unless no_bias=True")
    elif tuple(bias.shape) != (num_filter,):
        raise ValueError("Convolution: bias must have shape (%d,), got %s"
                         % (num_filter, tuple(bias.shape)))
    return _conv(data, weight, bias, _pair(stride, "stride", "Convolution", (1, 1)),
                 _pair(dilate, "dilate", "Convolution", (1, 1)),
                 _pair(pad, "pad", "Convolution", (0, 0)), groups, None)


def _conv_out_size(size, k, s, d, p):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# Rows shorter than this make the NCHW-order gather and scatter slow (numpy pays per row); the
# (C, H, W, N) order has rows of OW*N values instead, at the price of transposing with the
# batch axis innermost, which is slow on large maps. Measured on LeNet: conv1 (24x24 output)
# is faster in (C, N, H, W) order, conv2 (8x8) in (C, H, W, N) order.
_SHORT_ROWS = 16


def _conv(data, weight, bias, stride, dilate, pad, groups, act_type, where="Convolution"):
    """The convolution with its bias and activation fused into one graph node.

    The input is copied once, zero-padded, into one of two orders: (C, N, H, W) or, for
    small outputs, (C, H, W, N) (see ``_SHORT_ROWS``). The columns are a strided view of that
    copy made contiguous: rows (c, i, j), columns (n, y, x) or (y, x, n). The GEMM's output
    goes back to NCHW in the same pass that applies the activation. Callers have checked
    shapes; ``where`` names the layer in the one error left here.
    """
    x, w = data._data, weight._data
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    (sh, sw), (dh, dw), (ph, pw) = stride, dilate, pad
    out_h = _conv_out_size(h, kh, sh, dh, ph)
    out_w = _conv_out_size(wd, kw, sw, dw, pw)
    if out_h < 1 or out_w < 1:
        raise ValueError(
            "%s: the kernel %dx%d (dilation %s) does not fit the input %dx%d with padding %s: "
            "the input is too small for this kernel; use a smaller kernel, padding, or a larger "
            "input" % (where, kh, kw, dilate, h, wd, pad))
    dtype = np.result_type(x.dtype, w.dtype)
    hp, wp = h + 2 * ph, wd + 2 * pw
    batch_last = out_w < _SHORT_ROWS
    if batch_last:                        # (C, H, W, N); columns ordered (y, x, n)
        xp = np.zeros((c, hp, wp, n), dtype) if (ph or pw) else np.empty((c, h, wd, n), dtype)
        inner = xp[:, ph:ph + h, pw:pw + wd, :]
        inner[...] = x.transpose(1, 2, 3, 0)
        s_c, s_h, s_w, s_n = xp.strides
        col_shape = (out_h, out_w, n)
        col_strides = (s_h * sh, s_w * sw, s_n)
    else:                                 # (C, N, H, W); columns ordered (n, y, x)
        xp = np.zeros((c, n, hp, wp), dtype) if (ph or pw) else np.empty((c, n, h, wd), dtype)
        inner = xp[:, :, ph:ph + h, pw:pw + wd]
        inner[...] = x.transpose(1, 0, 2, 3)
        s_c, s_n, s_h, s_w = xp.strides
        col_shape = (n, out_h, out_w)
        col_strides = (s_n, s_h * sh, s_w * sw)
    view = as_strided(xp, (c, kh, kw) + col_shape, (s_c, s_h * dh, s_w * dw) + col_strides,
                      writeable=False)
    k = cg * kh * kw
    p = n * out_h * out_w
    cols = np.ascontiguousarray(view).reshape(groups, k, p)
    wm = w.reshape(groups, f // groups, k)
    if groups == 1:
        out = wm[0] @ cols[0]                       # (F, P): the one GEMM
    else:
        out = np.matmul(wm, cols).reshape(f, p)     # one GEMM per group, in one call
    if bias is not None:
        out += bias._data[:, None]
    # Back to NCHW, with the activation applied on the way.
    result = np.empty((n, f, out_h, out_w), dtype)
    out_nchw = (out.reshape(f, out_h, out_w, n).transpose(3, 0, 1, 2) if batch_last else
                out.reshape(f, n, out_h, out_w).transpose(1, 0, 2, 3))
    if act_type == "relu":
        np.maximum(out_nchw, 0, out=result)
    elif act_type is not None:
        result[...] = _ACTIVATION_FORWARD[act_type](out_nchw)
    else:
        result[...] = out_nchw
    if not _state.recording:
        return NDArray(result)
    need_x = data._node is not None or data._grad is not None
    need_w = weight._node is not None or weight._grad is not None
    need_b = bias is not None and (bias._node is not None or bias._grad is not None)
    if not (need_x or need_w or need_b):
        return NDArray(result)

    def backward(g):
        if act_type == "relu":
            g = g * (result > 0)
        elif act_type is not None:
            g = _ACTIVATION_BACKWARD[act_type](g, result)
        # NCHW -> (F, P), the columns' order.
        gt = np.ascontiguousarray(g.transpose(1, 2, 3, 0) if batch_last else
                                  g.transpose(1, 0, 2, 3)).reshape(groups, f // groups, p)
        gx = gw = gb = None
        if need_b:
            gb = np.add.reduce(gt.reshape(f, p), axis=1)
        if need_w:
            gw = np.matmul(gt, cols.transpose(0, 2, 1)).reshape(w.shape)
        if need_x:
            # col2im: each kernel position adds its slice of the column gradient back onto the
            # (padded) input positions it read: kh*kw strided additions of whole arrays.
            gcols = np.matmul(wm.transpose(0, 2, 1), gt).reshape((c, kh, kw) + col_shape)
            gxp = np.zeros(xp.shape, dtype)
            for i in range(kh):
                rows = slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh)
                for j in range(kw):
                    cols_ = slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw)
                    if batch_last:
                        gxp[:, rows, cols_, :] += gcols[:, i, j]
                    else:
                        gxp[:, :, rows, cols_] += gcols[:, i, j]
            if batch_last:
                gx = np.ascontiguousarray(gxp[:, ph:ph + h, pw:pw + wd, :].transpose(3, 0, 1, 2))
            else:
                gx = np.ascontiguousarray(gxp[:, :, ph:ph + h, pw:pw + wd].transpose(1, 0, 2, 3))
        return (gx, gw, gb) if bias is not None else (gx, gw)

    node = NDArray(result)
    node._node = ((data, weight, bias) if bias is not None else (data, weight)), backward
    node._seq = next(_sequence)
    return node


# ----- pooling --------------------------------------------------------------------------

def _pool_out_size(size, k, s, p, full):
    span = size + 2 * p - k
    return (-(-span // s) if full else span // s) + 1


def Pooling(data=None, kernel=(), pool_type="max", global_pool=False, cudnn_off=False,
            pooling_convention="valid", stride=(), pad=(), p_value=None,
            count_include_pad=None, layout=None, name=None, **kwargs):
    """Max or average pooling of NCHW ``data`` over ``kernel`` windows.

    ``pooling_convention='full'`` rounds the output size up (Gluon's ``ceil_mode=True``).

    >>> nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="max")
    """
    _check_layout(layout, "Pooling")
    if pool_type not in ("max", "avg"):
        raise ValueError("Pooling: pool_type must be 'max' or 'avg', got %r" % (pool_type,))
    if pooling_convention not in ("valid", "full"):
        raise ValueError("Pooling: pooling_convention must be 'valid' or 'full', got %r"
                         % (pooling_convention,))
    x = data._data
    _check_4d(x, "Pooling")
    if global_pool:
        return _global_pool(data, pool_type)
    kernel = _pair(kernel, "kernel", "Pooling", None)
    if kernel is None:
        raise ValueError("Pooling: kernel is required unless global_pool=True")
    stride = _pair(stride, "stride", "Pooling", (1, 1))
    pad = _pair(pad, "pad", "Pooling", (0, 0))
    include_pad = True if count_include_pad is None else bool(count_include_pad)
    return _pool(data, kernel, stride, pad, pool_type, pooling_convention == "full", include_pad)


def _global_pool(data, pool_type):
    x = data._data
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)
    if pool_type == "avg":
        out = flat.mean(axis=2).reshape(n, c, 1, 1).astype(x.dtype, copy=False)
        return _result(out, (data,), lambda g: (np.broadcast_to(g / (h * w), x.shape),))
    idx = np.argmax(flat, axis=2)[..., None]     # the first maximum takes the gradient
    out = np.take_along_axis(flat, idx, axis=2).reshape(n, c, 1, 1)

    def backward(g):
        gx = np.zeros((n, c, h * w), x.dtype)
        np.put_along_axis(gx, idx, g.reshape(n, c, 1), axis=2)
        return (gx.reshape(x.shape),)
    return _result(out, (data,), backward)


def _pool(data, kernel, stride, pad, pool_type, full, include_pad):
    x = data._data
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    out_h = _pool_out_size(h, kh, sh, ph, full)
    out_w = _pool_out_size(w, kw, sw, pw, full)
    if out_h < 1 or out_w < 1:
        raise ValueError("Pooling: the window %dx%d does not fit the input %dx%d with padding "
                         "%s; use a smaller pool_size or more padding" % (kh, kw, h, w, pad))
    # Room for every window, including those that 'full' lets run past the padding.
    extra_h = max(0, (out_h - 1) * sh + kh - h - 2 * ph)
    extra_w = max(0, (out_w - 1) * sw + kw - w - 2 * pw)
    fill = -np.inf if pool_type == "max" else 0
    xp = _padded(x, ph, pw, extra_h, extra_w, fill)
    positions = [(i, j) for i in range(kh) for j in range(kw)]
    overlapping = sh < kh or sw < kw
    crop = (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))

    if pool_type == "max":
        out = _window_view(xp, 0, 0, out_h, out_w, stride).copy()
        for i, j in positions[1:]:
            np.maximum(out, _window_view(xp, i, j, out_h, out_w, stride), out=out)

        def backward(g):
            # Each window's gradient goes to its first maximum (as MXNet): visiting positions
            # in order, a position that holds the maximum takes what is left of the window's
            # gradient, and leaves nothing for later ties.
            # Windows that tile the input exactly write every element: no need to zero first.
            tiled = (not overlapping and out_h * sh == xp.shape[2] and out_w * sw == xp.shape[3]
                     and (sh, sw) == (kh, kw))
            gxp = (np.empty if tiled else np.zeros)(xp.shape, x.dtype)
            left = g.copy()
            last = len(positions) - 1
            for k, (i, j) in enumerate(positions):
                hit = _window_view(xp, i, j, out_h, out_w, stride) == out
                target = _window_view(gxp, i, j, out_h, out_w, stride)
                if overlapping:
                    target += left * hit
                else:
                    np.multiply(left, hit, out=target)
                if k != last:
                    left *= ~hit   # (a multiply: copyto(where=) is many times slower here)
            return (gxp if xp is x else gxp[crop],)
        return _result(out, (data,), backward)

    # Average: MXNet divides by the window's size clipped to the padded input (or, without
    # count_include_pad, to the input itself); an empty window gives 0.
    starts_h = np.arange(out_h) * sh - ph
    starts_w = np.arange(out_w) * sw - pw
    if include_pad:
        count_h = np.minimum(starts_h + kh, h + ph) - starts_h
        count_w = np.minimum(starts_w + kw, w + pw) - starts_w
    else:
        count_h = np.minimum(starts_h + kh, h) - np.maximum(starts_h, 0)
        count_w = np.minimum(starts_w + kw, w) - np.maximum(starts_w, 0)
    count = np.maximum(count_h, 0)[:, None] * np.maximum(count_w, 0)[None, :]
    scale = np.divide(1.0, count, out=np.zeros(count.shape), where=count > 0).astype(x.dtype)
    out = _window_view(xp, 0, 0, out_h, out_w, stride).copy()
    for i, j in positions[1:]:
        out += _window_view(xp, i, j, out_h, out_w, stride)
    out *= scale

    def backward_avg(g):
        gs = g * scale
        gxp = np.zeros(xp.shape, x.dtype)
        for i, j in positions:
            target = _window_view(gxp, i, j, out_h, out_w, stride)
            if overlapping:
                target += gs
            else:
                target[...] = gs
        return (gxp if xp is x else gxp[crop],)
    return _result(out, (data,), backward_avg)
