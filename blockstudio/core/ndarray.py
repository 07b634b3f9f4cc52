"""NDArray: a numpy array with a context, a gradient buffer and a place in the autograd graph."""

import numpy as np

from . import tape as _tape
from . import ops as _ops
from . import select_ops as _select
from .base import MXNetError, shape_str
from .context import Context, cpu
# Creation functions live in creation.py; kept importable from here.
from .creation import (array, _shape, zeros, ones, full, empty, arange,  # noqa: F401
                       zeros_like, ones_like, waitall)
from .graph import ArrayBase, _as_nd, _state, set_array_class  # noqa: F401  (_as_nd: kept importable)

_CPU = cpu()


class NDArray(ArrayBase):
    """An n-dimensional array, float32 by default, as in MXNet.

    >>> x = nd.array([[1, 2], [3, 4]])
    >>> x.attach_grad()
    >>> with autograd.record():
    ...     y = (x * x).sum()
    >>> y.backward()
    >>> x.grad        # 2 * x
    """

    __slots__ = ()  # the storage is ArrayBase's (graph.py)
    # numpy defers to our reflected operators: np_array + NDArray gives an NDArray.
    __array_ufunc__ = None

    # ----- properties ---------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype.type

    @property
    def size(self):
        return self._data.size

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def context(self):
        return _CPU

    ctx = context

    @property
    def stype(self):
        return "default"

    @property
    def grad(self):
        """The gradient buffer attached by ``attach_grad()``, or None."""
        return self._grad

    @property
    def T(self):
        """The transpose, as a new array (MXNet copies)."""
        return self.transpose()

    @property
    def _fresh_grad(self):
        """Whether backward has written this array's gradient since it was last consumed."""
        return self._grad is not None and self._grad._fresh

    @_fresh_grad.setter
    def _fresh_grad(self, state):
        if self._grad is not None:
            self._grad._fresh = bool(state)

    # ----- conversion ---------------------------------------------------------
    def asnumpy(self):
        """A numpy copy of the data."""
        return self._data.copy()

    def asscalar(self):
        """The value of a one-element array as a Python/numpy scalar."""
        if self._data.size != 1:
            raise ValueError("asscalar() needs an array with exactly one element, "
                             "this one has shape %s" % shape_str(self.shape))
        return self._data.reshape(-1)[0]

    def astype(self, dtype, copy=True):
        dtype = np.dtype(dtype)
        if not copy and dtype == self._data.dtype:
            return self
        return _ops.cast(self, dtype)

    def as_in_context(self, context):
        Context(context).check_available()
        return self

    copyto_context = as_in_context

    def copy(self):
        return _ops.copy(self)

    def copyto(self, other):
        if isinstance(other, NDArray):
            np.copyto(other._data, self._data, casting="unsafe")
            return other
        Context(other).check_available()
        return self.copy()

    def detach(self):
        return NDArray(self._data)

    def wait_to_read(self):
        return None

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    # ----- autograd -----------------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Allocate a gradient buffer; this array becomes a leaf of the graph."""
        if grad_req not in ("write", "add", "null"):
            raise ValueError("grad_req must be 'write', 'add' or 'null', got %r" % (grad_req,))
        self._node = None
        self._grad = NDArray(np.zeros_like(self._data))
        self._grad_req = grad_req

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Compute the gradient of this array with respect to the attached leaves."""
        _tape.backward([self], [out_grad], retain_graph=retain_graph, train_mode=train_mode)

    # ----- printing -----------------------------------------------------------
    def __repr__(self):
        shape = "x".join("%d" % d for d in self.shape)
        return "\n%s\n<NDArray %s @%s>" % (str(self._data), shape, self.context)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d NDArray")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        if self._data.size == 1:
            return bool(self._data.reshape(-1)[0])
        if self._data.size == 0:
            return False
        raise ValueError("The truth value of an NDArray with more than one element is "
                         "ambiguous. Use a.asnumpy().any() or .all().")

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    __hash__ = object.__hash__

    # ----- arithmetic (implemented with gradients in ops.py) --------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(self, other)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(self, other)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __mod__(self, other):
        return _ops.modulo(self, other)

    def __rmod__(self, other):
        return _ops.modulo(other, self)

    def __pow__(self, other):
        return _ops.power(self, other)

    def __rpow__(self, other):
        return _ops.power(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __abs__(self):
        return _ops.abs(self)

    def __iadd__(self, other):
        self._inplace(np.add, other)
        return self

    def __isub__(self, other):
        self._inplace(np.subtract, other)
        return self

    def __imul__(self, other):
        self._inplace(np.multiply, other)
        return self

    def __itruediv__(self, other):
        self._inplace(np.divide, other)
        return self

    def _inplace(self, ufunc, other):
        self._check_writable_in_record()
        value = other._data if isinstance(other, NDArray) else other
        ufunc(self._data, value, out=self._data, casting="unsafe")

    def _check_writable_in_record(self):
        if _state.recording and (self._node is not None or self._grad is not None):
            raise MXNetError(
                "Assigning to NDArrays that are already in a computational graph will cause "
                "undefined behavior when evaluating gradients. Call backward first to clear "
                "the graph, or assign outside the autograd.record() block.")

    # Comparisons return 0/1 arrays of this array's dtype, as MXNet does (no gradient).
    def __eq__(self, other):
        return _ops.compare(np.equal, self, other)

    def __ne__(self, other):
        return _ops.compare(np.not_equal, self, other)

    def __lt__(self, other):
        return _ops.compare(np.less, self, other)

    def __le__(self, other):
        return _ops.compare(np.less_equal, self, other)

    def __gt__(self, other):
        return _ops.compare(np.greater, self, other)

    def __ge__(self, other):
        return _ops.compare(np.greater_equal, self, other)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    def __setitem__(self, key, value):
        self._check_writable_in_record()
        if isinstance(key, NDArray):
            key = key._data.astype(np.int64)
        elif isinstance(key, tuple):
            key = tuple(k._data.astype(np.int64) if isinstance(k, NDArray) else k for k in key)
        value = value._data if isinstance(value, NDArray) else np.asarray(value)
        if value.ndim and value.size == 1:
            value = value.reshape(())  # one value, like a scalar, fills the whole target
        self._data[key] = value

    # ----- methods mirroring nd.* functions --------------------------------------
    def reshape(self, *shape, **kwargs):
        """A view with a new shape (MXNet's codes 0, -1, -2, -3, -4; ``reverse=True``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = kwargs.pop("shape", shape)
        reverse = kwargs.pop("reverse", False)
        if kwargs:
            raise TypeError("reshape() got unexpected arguments %s" % sorted(kwargs))
        return _ops.reshape_view(self, shape, reverse)

    def reshape_like(self, other):
        return _ops.reshape_view(self, other.shape)

    def flatten(self, inplace=False):
        """(N, -1); a new array, or a view with ``inplace=True``."""
        return self.reshape((0, -1)) if inplace else _ops.flatten(self)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes or None)

    def expand_dims(self, axis, inplace=False):
        if not inplace:
            return _ops.expand_dims(self, axis)
        shape = list(self.shape)
        shape.insert(axis if axis >= 0 else axis + len(shape) + 1, 1)
        return self.reshape(shape)

    def squeeze(self, axis=None, inplace=False):
        if not inplace:
            return _ops.squeeze(self, axis)
        return self.reshape(np.squeeze(self._data, axis).shape)

    def slice(self, begin, end, step=None):
        return _select.slice(self, begin, end, step)

    def slice_axis(self, axis, begin, end):
        return _select.slice_axis(self, axis, begin, end)

    def take(self, indices, axis=0, mode="clip"):
        return _select.take(self, indices, axis, mode)

    def split(self, num_outputs, axis=1, squeeze_axis=False):
        return _select.split(self, num_outputs, axis, squeeze_axis)

    def topk(self, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
        return _select.topk(self, axis, k, ret_typ, is_ascend, dtype)

    def broadcast_to(self, shape):
        return _select.broadcast_to(self, shape)

    def norm(self, ord=2, axis=None, keepdims=False):  # noqa: A002
        return _select.norm(self, ord, axis, keepdims)

    def round(self):
        return _select.round(self)

    def sum(self, axis=None, keepdims=False, exclude=False):
        return _ops.sum(self, axis, keepdims, exclude)

    def mean(self, axis=None, keepdims=False, exclude=False):
        return _ops.mean(self, axis, keepdims, exclude)

    def max(self, axis=None, keepdims=False, exclude=False):
        return _ops.max(self, axis, keepdims, exclude)

    def min(self, axis=None, keepdims=False, exclude=False):
        return _ops.min(self, axis, keepdims, exclude)

    def argmax(self, axis=None, keepdims=False):
        return _ops.argmax(self, axis, keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _ops.argmin(self, axis, keepdims)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def square(self):
        return _ops.square(self)

    def abs(self):
        return _ops.abs(self)

    def relu(self):
        return _ops.relu(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def tanh(self):
        return _ops.tanh(self)

    def softmax(self, axis=-1):
        return _ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return _ops.log_softmax(self, axis)

    def clip(self, a_min, a_max):
        return _ops.clip(self, a_min, a_max)

    def pick(self, index, axis=-1, keepdims=False):
        return _ops.pick(self, index, axis, keepdims)

    def dot(self, other, transpose_a=False, transpose_b=False):
        return _ops.dot(self, other, transpose_a, transpose_b)

    def one_hot(self, depth, on_value=1.0, off_value=0.0, dtype="float32"):
        return _ops.one_hot(self, depth, on_value, off_value, dtype)

    def zeros_like(self):
        return NDArray(np.zeros_like(self._data))

    def ones_like(self):
        return NDArray(np.ones_like(self._data))


set_array_class(NDArray)
