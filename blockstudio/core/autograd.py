"""``mx.autograd``: recording scopes, ``backward``, ``grad`` and custom ``Function``s.

The recording machinery is in ``tape.py``; this module is what Gluon code imports.

>>> x = nd.array([1.0, 2.0]); x.attach_grad()
>>> with autograd.record():
...     y = (x * x).sum()
>>> y.backward()
"""

import numpy as np

from .graph import _sequence, _state, wrap  # noqa: F401  (kept importable from here)
from . import graph as _graph
from .graph import _State  # noqa: F401  (kept importable from here)
from .tape import (MXNetErrorNoGraph, backward, is_recording, is_training,  # noqa: F401
                   mark_variables, pause, predict_mode, record, set_recording, set_training,
                   train_mode, _Scope, _write_leaf_grad)
from . import tape as _tape


def __getattr__(name):
    # ``mxnet.autograd.NDArray``, as in MXNet, without importing ndarray here: op modules
    # may import autograd, and ndarray imports the ops.
    if name == "NDArray":
        return _graph.Array
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """The gradients of ``heads`` with respect to ``variables``, returned (not written into
    ``x.grad``). With ``create_graph=True`` they are recorded, so they can be differentiated
    again (second-order gradients).

    >>> with autograd.record():
    ...     y = nd.sin(x)
    ...     dx = autograd.grad(y, [x], create_graph=True)[0]    # cos(x)
    ...     z = dx.sum()
    >>> z.backward()                                            # x.grad = -sin(x)
    """
    single = isinstance(variables, _graph.ArrayBase)
    variables = [variables] if single else list(variables)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {id(v) for v in variables}
    if create_graph:
        found = _tape.backward_graph(heads, head_grads, capture, train_mode=train_mode)
        out = [found.get(id(v)) for v in variables]
        out = [g if g is not None else wrap(np.zeros_like(v._data))
               for g, v in zip(out, variables)]
    else:
        found = _tape.backward(heads, head_grads, retain_graph=retain_graph,
                               train_mode=train_mode, capture=capture)
        out = []
        for v in variables:
            g = found.get(id(v))
            out.append(wrap(np.zeros_like(v._data) if g is None
                            else np.array(g, dtype=v._data.dtype)))
    return out[0] if single else out


class Function:
    """A differentiable operation with your own forward and backward.

    ``forward`` runs on arrays without recording; ``backward`` receives one gradient per
    output and returns one per input. ``save_for_backward`` keeps what backward needs.

    >>> class Sigmoid(autograd.Function):
    ...     def forward(self, x):
    ...         y = 1 / (1 + nd.exp(-x))
    ...         self.save_for_backward(y)
    ...         return y
    ...     def backward(self, dy):
    ...         y, = self.saved_tensors
    ...         return dy * y * (1 - y)
    >>> with autograd.record():
    ...     y = Sigmoid()(x)
    """

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError("%s must implement forward(self, *inputs)"
                                  % type(self).__name__)

    def backward(self, *output_grads):
        raise NotImplementedError("%s must implement backward(self, *output_grads)"
                                  % type(self).__name__)

    def __call__(self, *inputs):
        if self._used:
            raise RuntimeError("Each %s instance can only be called once; create another "
                               "instance for the next call." % type(self).__name__)
        self._used = True
        with pause(train_mode=is_training()):
            outputs = self.forward(*inputs)
        if not is_recording():
            return outputs
        single = isinstance(outputs, _graph.ArrayBase)
        outs = (outputs,) if single else tuple(outputs)
        inputs = tuple(inputs)
        if not any(x._node is not None or x._grad is not None for x in inputs):
            return outputs
        # An output that is one of the inputs must become its own array: it gets a node.
        outs = tuple(wrap(o._data.copy()) if any(o is x for x in inputs) else o for o in outs)
        for k, out in enumerate(outs):
            # One node per output. Backward is linear in the output gradients, so calling
            # the user's backward once per output (zeros for the others) sums to the same.
            out._node = (inputs, self._backward_for(k, outs, inputs))
            out._seq = next(_sequence)
        if single:
            return outs[0]
        return list(outs) if isinstance(outputs, list) else outs

    def _backward_for(self, k, outs, inputs):
        shapes = [(o.shape, o._data.dtype) for o in outs]

        def run(g):
            grads = [wrap(g) if i == k else wrap(np.zeros(shape, dtype))
                     for i, (shape, dtype) in enumerate(shapes)]
            result = self.backward(*grads)
            result = (result,) if isinstance(result, _graph.ArrayBase) else tuple(result)
            if len(result) != len(inputs):
                raise ValueError("%s.backward returned %d gradients for %d inputs"
                                 % (type(self).__name__, len(result), len(inputs)))
            return tuple(None if r is None else r._data for r in result)
        return run
