"""``nd``: array creation and operations, as ``mxnet.nd``.

>>> from blockstudio.core import nd
>>> x = nd.ones((2, 3))
>>> nd.relu(x - 2)
"""

from ..ndarray import (NDArray, array, zeros, ones, full, empty, arange,  # noqa: F401
                       zeros_like, ones_like, waitall)
from ..ops import (add, subtract, multiply, divide, power, maximum, minimum,  # noqa: F401
                   negative, exp, log, sqrt, square, abs, relu, sigmoid, tanh, softrelu,
                   softsign, clip, cast, copy, reshape, flatten, transpose, expand_dims,
                   squeeze, concat, stack, sum, mean, max, min, argmax, argmin, one_hot)
from ..nn_ops import (dot, batch_dot, softmax, log_softmax, pick,  # noqa: F401
                      FullyConnected, Activation, Dropout, softmax_cross_entropy)
from ..conv_ops import Convolution, Pooling  # noqa: F401
from ..norm_ops import BatchNorm  # noqa: F401
from . import random  # noqa: F401

Flatten = flatten
Reshape = reshape
Concat = concat
elemwise_add = add
elemwise_sub = subtract
elemwise_mul = multiply
elemwise_div = divide
broadcast_add = add
broadcast_sub = subtract
broadcast_mul = multiply
broadcast_div = divide
broadcast_maximum = maximum
broadcast_minimum = minimum


def save(fname, data):
    """Save an NDArray, a list of them or a dict of them (as ``mx.nd.save``)."""
    from ..serialization import save_arrays
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        arrays = {k: v._data for k, v in data.items()}
    else:
        arrays = {"%d" % i: v._data for i, v in enumerate(data)}
    save_arrays(fname, arrays)


def load(fname):
    """Load arrays saved by ``nd.save`` (or by MXNet): a dict of NDArray."""
    from ..serialization import load_arrays
    return {k: NDArray(v) for k, v in load_arrays(fname).items()}
