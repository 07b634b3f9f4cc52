"""Batch normalisation, as MXNet's ``BatchNorm`` operator. Forward and backward side by side."""

import numpy as np

from .autograd import _state
from .ndarray import NDArray
from .ops import _result


def BatchNorm(data=None, gamma=None, beta=None, moving_mean=None, moving_var=None, eps=0.001,
              momentum=0.9, fix_gamma=True, use_global_stats=False, output_mean_var=False,
              axis=1, cudnn_off=False, min_calib_range=None, max_calib_range=None, name=None,
              **kwargs):
    """Normalise ``data`` per channel (along ``axis``), then scale by gamma and shift by beta.

    In training mode (inside ``autograd.record()`` or ``autograd.train_mode()``) it uses the
    batch's mean and (biased) variance and updates ``moving_mean``/``moving_var`` in place:
    ``moving = moving * momentum + batch * (1 - momentum)``. Otherwise, or with
    ``use_global_stats``, it uses the moving statistics. ``fix_gamma`` sets gamma to 1.
    (Real MXNet 1.x on CPU applies that update during backward; here it happens in the
    training-mode forward, so a forward pass in ``train_mode()`` alone updates them too.)

    >>> y = nd.BatchNorm(x, gamma, beta, mean, var, fix_gamma=False)
    """
    x = data._data
    if x.ndim < 2:
        raise ValueError("BatchNorm needs at least 2-d input, got shape %s" % (tuple(x.shape),))
    axis = int(axis) % x.ndim
    channels = x.shape[axis]
    for label, arr in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                       ("moving_var", moving_var)):
        if arr is None or tuple(arr.shape) != (channels,):
            raise ValueError("BatchNorm: %s must have shape (%d,) for input %s on axis %d, got %s"
                             % (label, channels, tuple(x.shape), axis,
                                None if arr is None else tuple(arr.shape)))
    reduce_axes = tuple(i for i in range(x.ndim) if i != axis)
    shape = [1] * x.ndim
    shape[axis] = channels
    count = x.size // channels if channels else 0
    dtype = x.dtype
    if fix_gamma:  # as MXNet: a fixed gamma is 1, and the forward writes that into it
        gamma._data[...] = 1
    g_vec = np.ones(channels, dtype) if fix_gamma else gamma._data.astype(dtype, copy=False)
    b_vec = beta._data.astype(dtype, copy=False)
    training = _state.training and not use_global_stats
    if training:
        mean = x.mean(axis=reduce_axes)
        centered = x - mean.reshape(shape)
        var = np.square(centered).mean(axis=reduce_axes)
        mm, mv = moving_mean._data, moving_var._data
        mm *= momentum
        mm += (1 - momentum) * mean.astype(mm.dtype)
        mv *= momentum
        mv += (1 - momentum) * var.astype(mv.dtype)
    else:
        mean = moving_mean._data.astype(dtype, copy=False)
        var = moving_var._data.astype(dtype, copy=False)
        centered = x - mean.reshape(shape)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dtype, copy=False)
    xhat = centered * inv_std.reshape(shape)
    out = xhat * g_vec.reshape(shape) + b_vec.reshape(shape)

    def backward(g):
        dgamma = None if fix_gamma else np.add.reduce(g * xhat, axis=reduce_axes)
        if fix_gamma and gamma._grad is not None:
            dgamma = np.zeros(channels, dtype)   # MXNet: a fixed gamma gets a zero gradient
        dbeta = np.add.reduce(g, axis=reduce_axes)
        dxhat = g * g_vec.reshape(shape)
        if training:
            sum_d = np.add.reduce(dxhat, axis=reduce_axes).reshape(shape)
            sum_dx = np.add.reduce(dxhat * xhat, axis=reduce_axes).reshape(shape)
            gx = (dxhat - sum_d / count - xhat * (sum_dx / count)) * inv_std.reshape(shape)
        else:
            gx = dxhat * inv_std.reshape(shape)
        return gx, dgamma, dbeta, None, None
    result = _result(out, (data, gamma, beta, moving_mean, moving_var), backward)
    if output_mean_var:
        return [result, NDArray(mean), NDArray(var)]
    return result
