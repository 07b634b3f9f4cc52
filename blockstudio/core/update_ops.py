"""MXNet's fused optimizer update ops (``nd.sgd_update``, ``nd.sgd_mom_update``,
``nd.adam_update`` and the float16 ``mp_*`` versions), which MXNet's own optimizers and many
user optimizers call from ``update()``.

Each writes the new weight into ``out`` (usually the weight itself) and updates its state
arrays in place, with MXNet's arithmetic: weight decay and clipping in MXNet's order for each
rule, and ``clip_gradient < 0`` meaning no clipping. No gradient flows through them.
"""

import numpy as np

from .graph import wrap


def _clip(g, clip_gradient):
    if clip_gradient is not None and clip_gradient >= 0:
        np.clip(g, -clip_gradient, clip_gradient, out=g)
    return g


def _write(out, weight, value):
    """The new weight into ``out``; without ``out``, a new array (the weight is untouched)."""
    if out is None:
        return wrap(np.asarray(value, dtype=weight._data.dtype))
    out._data[...] = value
    return out


def sgd_update(weight, grad, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
               lazy_update=True, out=None):
    """``w = (1 - lr*wd) * w - lr * clip(rescale_grad * grad)``."""
    w = weight._data
    g = _clip(grad._data * rescale_grad, clip_gradient)
    return _write(out, weight, (1 - lr * wd) * w - lr * g)


def sgd_mom_update(weight, grad, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0,
                   clip_gradient=-1.0, lazy_update=True, out=None):
    """``mom = momentum*mom - lr*wd*w - lr*clip(rescale_grad*grad); w += mom``."""
    w, m = weight._data, mom._data
    g = _clip(grad._data * rescale_grad, clip_gradient)
    m *= momentum
    m -= lr * wd * w + lr * g
    return _write(out, weight, w + m)


def mp_sgd_update(weight, grad, weight32, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                  lazy_update=True, out=None):
    """``sgd_update`` on the float32 master copy ``weight32``; the weight gets its cast."""
    w32 = weight32._data
    g = _clip(grad._data.astype(np.float32) * rescale_grad, clip_gradient)
    w32[...] = (1 - lr * wd) * w32 - lr * g
    return _write(out, weight, w32.astype(weight._data.dtype))


def mp_sgd_mom_update(weight, grad, mom, weight32, lr, momentum=0.0, wd=0.0, rescale_grad=1.0,
                      clip_gradient=-1.0, lazy_update=True, out=None):
    """``sgd_mom_update`` on the float32 master copy ``weight32``."""
    w32, m = weight32._data, mom._data
    g = _clip(grad._data.astype(np.float32) * rescale_grad, clip_gradient)
    m *= momentum
    m -= lr * wd * w32 + lr * g
    w32 += m
    return _write(out, weight, w32.astype(weight._data.dtype))


def adam_update(weight, grad, mean, var, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0,
                rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None):
    """Adam's step with ``lr`` already bias-corrected by the caller, as MXNet's is:
    ``g = clip(rescale_grad*grad + wd*w)``, moments updated in place,
    ``w -= lr * mean / (sqrt(var) + epsilon)``."""
    w, m, v = weight._data, mean._data, var._data
    g = _clip(grad._data * rescale_grad + wd * w, clip_gradient)
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    return _write(out, weight, w - lr * m / (np.sqrt(v) + epsilon))
