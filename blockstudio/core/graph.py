"""The graph primitives every op is built from: the recording state, the creation counter,
the array's storage and ``_result``, which wraps an op's output and remembers its backward.

This module imports nothing else from the engine, so ``ndarray``, ``ops``, ``nn_ops`` and
``tape`` all import it and none of them imports another to reach these pieces.

``ArrayBase`` is the storage of an ``NDArray`` (data, gradient buffer, node); the user-facing
class with its operators subclasses it in ``ndarray.py`` and registers itself here with
``set_array_class``, so that results made here are full ``NDArray`` objects.
"""

import itertools
import threading

import numpy as np


class _State(threading.local):
    # Class attributes are the defaults each new thread starts from.
    recording = False
    training = False


_state = _State()

# Creation order of recorded arrays; backward visits them newest first.
_sequence = itertools.count(1)


class ArrayBase:
    """What autograd needs of an array: its numpy data, its gradient buffer and its node.

    ``_node`` is ``(parents, backward)`` while the array is part of a recorded graph;
    ``backward(g)`` returns one gradient (or None) per parent.
    """

    __slots__ = ("_data", "_grad", "_grad_req", "_node", "_seq", "_fresh", "__weakref__")

    def __init__(self, data):
        # Internal fast path: wraps ``data`` (a numpy array) without copying.
        self._data = data
        self._grad = None
        self._grad_req = "null"
        self._node = None
        self._seq = 0
        self._fresh = False


# The class results are made of; ndarray.py replaces it with NDArray when it is defined.
Array = ArrayBase


def set_array_class(cls):
    """Make ``cls`` (a subclass of ArrayBase) the class every op returns."""
    global Array
    assert issubclass(cls, ArrayBase)
    Array = cls


def wrap(data):
    """An array of the registered class around ``data`` (no copy)."""
    return Array(data)


def _needs(array):
    return array._node is not None or array._grad is not None


def _result(data, parents, backward, graph_backward=None):
    """Wrap an op's output; while recording, and if an input wants a gradient, keep
    ``backward`` (output gradient -> tuple of input gradients, numpy) on it.

    ``graph_backward``, when given, is the same map written with array ops (arrays in,
    arrays out), so that ``autograd.grad(..., create_graph=True)`` can record it.
    """
    if type(data) is not np.ndarray:  # numpy gives scalars for 0-d results; keep arrays
        data = np.asarray(data)
    out = Array(data)
    if _state.recording:
        for p in parents:
            if p._node is not None or p._grad is not None:
                out._node = ((parents, backward) if graph_backward is None
                             else (parents, backward, graph_backward))
                out._seq = next(_sequence)
                break
    return out


def _unbroadcast(grad, shape):
    """Sum a gradient over the axes along which its input was broadcast."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _unbroadcast_nd(grad, shape):
    """``_unbroadcast`` with recorded array ops, for gradients that are differentiated again."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, d in enumerate(shape)
                                       if d == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _as_nd(value, dtype=None):
    """Wrap numbers and numpy arrays as array constants."""
    if isinstance(value, ArrayBase):
        return value
    return Array(np.asarray(value, dtype=dtype))
