"""Array creation, as ``mx.nd``: ``array``, ``zeros``, ``ones``, ``full``, ``empty``,
``arange`` and the ``*_like`` functions. float32 unless a dtype is given, as in MXNet.
"""

import numbers

import numpy as np

from .context import Context
from .graph import ArrayBase, wrap


def array(source_array, ctx=None, dtype=None):
    """Create an array from any array-like, copying it. float32 unless ``dtype`` says otherwise.

    >>> nd.array([[1, 2], [3, 4]])
    """
    if ctx is not None:
        Context(ctx).check_available()
    if isinstance(source_array, ArrayBase):
        dtype = dtype or source_array._data.dtype
        source_array = source_array._data
    data = np.array(source_array, dtype=dtype or np.float32)
    return wrap(data)


def _shape(shape):
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _filled(shape, value, dtype, out):
    if out is not None:  # MXNet fills ``out`` (keeping its dtype) and returns it
        out._data[...] = value
        return out
    return wrap(np.full(_shape(shape), value, dtype=dtype or np.float32))


def zeros(shape, ctx=None, dtype=None, out=None, **kwargs):
    return _filled(shape, 0, dtype, out)


def ones(shape, ctx=None, dtype=None, out=None, **kwargs):
    return _filled(shape, 1, dtype, out)


def full(shape, val, ctx=None, dtype=None, out=None, **kwargs):
    return _filled(shape, val, dtype, out)


def empty(shape, ctx=None, dtype=None):
    return wrap(np.empty(_shape(shape), dtype=dtype or np.float32))


def arange(start, stop=None, step=1.0, repeat=1, ctx=None, dtype=None):
    data = np.arange(start, stop, step, dtype=dtype or np.float32)
    if repeat > 1:
        data = np.repeat(data, repeat)
    return wrap(data)


def zeros_like(data):
    return wrap(np.zeros_like(data._data))


def ones_like(data):
    return wrap(np.ones_like(data._data))


def waitall():
    """All computation is synchronous here; kept for Gluon code that calls it."""
