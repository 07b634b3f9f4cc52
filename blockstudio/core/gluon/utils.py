"""Small helpers from ``gluon.utils`` that tutorials use."""

from ..context import Context


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """With one CPU context there is nothing to split: returns ``[data]``."""
    for ctx in ctx_list:
        Context(ctx).check_available()
    return [data]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale arrays in place so their joint L2 norm is at most ``max_norm``; returns the norm."""
    import numpy as np
    total = float(np.sqrt(sum(float((a._data.astype(np.float64) ** 2).sum()) for a in arrays)))
    if check_isfinite and not np.isfinite(total):
        raise ValueError("clip_global_norm: the gradients' norm is %s" % total)
    scale = max_norm / (total + 1e-8)
    if scale < 1.0:
        for a in arrays:
            a._data *= scale
    return total
