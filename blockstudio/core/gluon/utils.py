"""Small helpers from ``gluon.utils`` that tutorials use."""

import warnings

import numpy as np

from ..context import Context
from ..ndarray import NDArray


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """With one CPU context there is nothing to split: returns ``[data]``."""
    for ctx in ctx_list:
        Context(ctx).check_available()
    return [data]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale arrays in place so their joint L2 norm is at most ``max_norm``; returns the norm.

    As in Gluon, a NaN or infinite norm only warns (with ``check_isfinite``): the arrays are
    then scaled by NaN, and the norm is returned for you to act on.
    """
    if not arrays:
        raise ValueError("clip_global_norm needs at least one array")
    total = float(np.sqrt(sum(float(np.square(a._data, dtype=np.float64).sum())
                              for a in arrays)))
    if check_isfinite and not np.isfinite(total):
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be undefined."),
                      stacklevel=2)
    scale = min(max_norm / (total + 1e-8), 1.0) if not np.isnan(total) else float("nan")
    if scale != 1.0:
        for a in arrays:
            a._data *= a._data.dtype.type(scale)
    if check_isfinite:
        return total
    return NDArray(np.array([total], dtype=arrays[0]._data.dtype))
