"""Shape ops: reshape (with MXNet's codes), flatten, transpose, expand_dims, squeeze,
indexing, concat and stack. Forward and backward side by side, as in ``ops.py``, which
re-exports them.
"""

import numpy as np

from .graph import ArrayBase, _as_nd, _result


def _mx_shape(src, shape, reverse=False):
    """MXNet's reshape codes: 0 copies an input dimension, -1 infers one, -2 copies the rest,
    -3 merges two input dimensions, -4 splits one into the next two values (one may be -1).
    With ``reverse`` the codes are read from the right."""
    src, shape = tuple(src), [int(d) for d in shape]
    if reverse:
        src, shape = src[::-1], shape[::-1]
    out, infer, i, k = [], None, 0, 0
    while k < len(shape):
        d = shape[k]
        if d == 0:
            out.append(src[i])
            i += 1
        elif d == -1:
            if infer is not None:
                raise ValueError("reshape: only one dimension can be -1, got %s" % (shape,))
            infer = len(out)
            out.append(1)
            i += 1
        elif d == -2:
            out.extend(src[i:])
            i = len(src)
        elif d == -3:
            out.append(src[i] * src[i + 1])
            i += 2
        elif d == -4:
            whole, d1, d2 = src[i], shape[k + 1], shape[k + 2]
            if reverse:
                d1, d2 = d2, d1
            if d1 == -1:
                d1 = whole // d2
            if d2 == -1:
                d2 = whole // d1
            pair = [d1, d2] if not reverse else [d2, d1]
            out.extend(pair)
            i += 1
            k += 2
        else:
            out.append(d)
            i += 1
        k += 1
    if infer is not None:
        known = int(np.prod([d for j, d in enumerate(out) if j != infer]))
        out[infer] = int(np.prod(src)) // known if known else 0
    return tuple(out[::-1]) if reverse else tuple(out)


def _reshaped(a, shape, reverse):
    src = a.shape
    try:
        return a._data.reshape(_mx_shape(src, shape, reverse))
    except (ValueError, IndexError) as exc:
        raise ValueError("cannot reshape an array of shape %s (%d elements) into %s: %s"
                         % (src, a.size, tuple(shape), exc)) from None


def reshape(a, shape, reverse=False):
    """``nd.reshape``: a new array (the ``NDArray.reshape`` method gives a view)."""
    src = a.shape
    return _result(_reshaped(a, shape, reverse).copy(), (a,), lambda g: (g.reshape(src),),
                   lambda g: (g.reshape(src),))


def reshape_view(a, shape, reverse=False):
    """The ``NDArray.reshape`` method: shares memory with ``a`` where numpy can."""
    src = a.shape
    return _result(_reshaped(a, shape, reverse), (a,), lambda g: (g.reshape(src),),
                   lambda g: (g.reshape(src),))


# Like MXNet, these make new arrays: writing the source later does not change the result.
# The methods' ``inplace=True`` gives a view (see ndarray.py).

def flatten(a):
    src = a.shape
    n = src[0] if src else 1
    return _result(a._data.reshape(n, -1).copy(), (a,), lambda g: (g.reshape(src),))


def transpose(a, axes=None):
    inverse = None if axes is None else np.argsort(axes)
    return _result(np.transpose(a._data, axes).copy(), (a,),
                   lambda g: (np.transpose(g, inverse),),
                   lambda g: (transpose(g, None if inverse is None else tuple(inverse)),))


def moveaxis(tensor, source, destination):
    """MXNet's ``nd.moveaxis``: axis ``source`` moved to ``destination`` (a copy), e.g. images
    (N, 28, 28, 1) to channels first (N, 1, 28, 28) with ``moveaxis(x, -1, -3)``.

    >>> nd.moveaxis(nd.zeros((2, 28, 28, 1)), -1, -3).shape
    (2, 1, 28, 28)
    """
    order = list(range(tensor.ndim))
    order.insert(destination % tensor.ndim, order.pop(source % tensor.ndim))
    return transpose(tensor, tuple(order))


def expand_dims(a, axis):
    src = a.shape
    return _result(np.expand_dims(a._data, axis).copy(), (a,), lambda g: (g.reshape(src),))


def squeeze(a, axis=None):
    src = a.shape
    return _result(np.squeeze(a._data, axis).copy(), (a,), lambda g: (g.reshape(src),))


def getitem(a, key):
    if isinstance(key, ArrayBase):
        key = key._data.astype(np.int64)
    elif isinstance(key, tuple):
        key = tuple(k._data.astype(np.int64) if isinstance(k, ArrayBase) else k for k in key)
    src = a._data
    data = src[key]
    if not isinstance(data, np.ndarray) or data.ndim == 0:
        # MXNet 1.x: one element picked by integers is a (1,) array, not a 0-d one.
        data = np.asarray(data).reshape(1)
        picked = ()
    else:
        picked = data.shape

    def backward(g):
        full = np.zeros_like(src)
        np.add.at(full, key, g.reshape(picked))
        return (full,)
    return _result(data, (a,), backward, lambda g: (_scatter(g, src.shape, key, picked),))


def _scatter(g, shape, key, picked):
    """Zeros of ``shape`` with the array ``g`` added at ``key``, as a recorded op (getitem's
    gradient, differentiable again: its own gradient is getitem)."""
    full = np.zeros(shape, dtype=g._data.dtype)
    np.add.at(full, key, g._data.reshape(picked))
    gshape = g.shape
    return _result(full, (g,), lambda h: (h[key].reshape(gshape),),
                   lambda h: (getitem(h, key).reshape(gshape),))


def concat(*arrays, dim=1):
    if not arrays:
        raise ValueError("concat needs at least one array")
    arrays = [_as_nd(x) for x in arrays]
    sizes = np.cumsum([x.shape[dim] for x in arrays])[:-1]
    return _result(np.concatenate([x._data for x in arrays], axis=dim), tuple(arrays),
                   lambda g: tuple(np.split(g, sizes, axis=dim)))


def stack(*arrays, axis=0):
    arrays = [_as_nd(x) for x in arrays]
    n = len(arrays)
    return _result(np.stack([x._data for x in arrays], axis=axis), tuple(arrays),
                   lambda g: tuple(np.squeeze(p, axis) for p in np.split(g, n, axis=axis)))
