"""Random arrays drawn from the engine's seedable generator (``mx.random.seed``)."""

import numpy as np

from .. import random as _random
from ..ndarray import NDArray, _shape


def _finish(data, dtype, out):
    data = data.astype(dtype or np.float32, copy=False)
    if out is not None:
        np.copyto(out._data, data)
        return out
    return NDArray(data)


def uniform(low=0.0, high=1.0, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    """Samples from U[low, high)."""
    return _finish(_random.get_generator().uniform(low, high, _shape(shape)), dtype, out)


def normal(loc=0.0, scale=1.0, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    """Samples from N(loc, scale^2)."""
    return _finish(_random.get_generator().normal(loc, scale, _shape(shape)), dtype, out)


def randint(low, high, shape=(1,), dtype="int32", ctx=None, out=None, **kwargs):
    return _finish(_random.get_generator().integers(low, high, _shape(shape)), dtype, out)


def shuffle(data, **kwargs):
    """A copy of ``data`` with its first axis shuffled."""
    return NDArray(_random.get_generator().permutation(data._data))
