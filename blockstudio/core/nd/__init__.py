"""``nd``: array creation and operations, as ``mxnet.nd``.

>>> from blockstudio.core import nd
>>> x = nd.ones((2, 3))
>>> nd.relu(x - 2)
"""

from ..ndarray import (NDArray, array, zeros, ones, full, empty, arange,  # noqa: F401
                       zeros_like, ones_like, waitall)
from ..ops import (add, subtract, multiply, divide, modulo, power, maximum, minimum,  # noqa: F401
                   negative, exp, log, sin, cos, sqrt, square, abs, relu, sigmoid, tanh, softrelu,
                   softsign, clip, cast, copy, reshape, flatten, transpose, moveaxis, expand_dims,
                   squeeze, concat, stack, sum, mean, max, min, argmax, argmin, one_hot)
from ..nn_ops import (dot, batch_dot, softmax, log_softmax, pick,  # noqa: F401
                      FullyConnected, Activation, Dropout, softmax_cross_entropy)
from ..select_ops import (slice, slice_axis, take, split, where, topk,  # noqa: F401,A004
                          broadcast_to, norm, round, eye)
from ..conv_ops import Convolution, Pooling  # noqa: F401
from ..norm_ops import BatchNorm  # noqa: F401
from ..update_ops import (sgd_update, sgd_mom_update, mp_sgd_update,  # noqa: F401
                          mp_sgd_mom_update, adam_update)
from . import random  # noqa: F401
from .random import uniform, normal  # noqa: F401  (MXNet's top-level aliases)

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
broadcast_mod = modulo
broadcast_maximum = maximum
broadcast_minimum = minimum


def save(fname, data, format=None):
    """Save an NDArray, a list of them or a dict of them (as ``mx.nd.save``).

    A file name ending in ``.params`` gets MXNet 1.x's format (real MXNet's ``nd.load`` reads
    it); any other name gets ``.npz``; ``format="mxnet"``/``"npz"`` overrides the name. A list
    loads back as a list, a dict as a dict.

    >>> nd.save("arrays.params", [nd.ones((2,)), nd.zeros((3,))])
    >>> len(nd.load("arrays.params"))
    2
    """
    from ..serialization import save as save_file
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        arrays = {k: v._data for k, v in data.items()}
    else:
        arrays = [v._data for v in data]
    save_file(fname, arrays, format)


def load(fname):
    """Load arrays saved by ``nd.save`` (or by MXNet): a dict of NDArray, or a list if the file
    was saved from a list."""
    from ..serialization import load as load_file
    loaded = load_file(fname)
    if isinstance(loaded, list):
        return [NDArray(v) for v in loaded]
    return {k: NDArray(v) for k, v in loaded.items()}
