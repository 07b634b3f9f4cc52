"""Recording of operations and the backward pass (the machinery behind ``autograd``).

Every differentiable op (see ``ops.py``) computes its result with numpy and, while recording,
leaves on its output a node: the input arrays and a closure that maps the output's gradient
to the inputs' gradients. ``backward`` walks those nodes in reverse topological order.
Ops that can be differentiated twice add a third entry: the same backward written with
recorded array ops, which ``backward_graph`` (``autograd.grad(create_graph=True)``) uses.
"""

from heapq import heappop, heappush

import numpy as np

from .base import MXNetError
from .graph import _sequence, _state, wrap  # noqa: F401  (kept importable from here)


def is_recording():
    """True inside ``autograd.record()`` (and not inside ``pause()``)."""
    return _state.recording


def is_training():
    """True when layers such as Dropout behave as in training."""
    return _state.training


def set_recording(is_record):
    previous = is_recording()
    _state.recording = bool(is_record)
    return previous


def set_training(train_mode):
    previous = is_training()
    _state.training = bool(train_mode)
    return previous


class _Scope:
    """Sets recording and/or training mode for the body of a ``with`` block."""

    def __init__(self, is_record, train_mode):
        self._enter_record = is_record
        self._enter_train = train_mode
        self._prev = None

    def __enter__(self):
        state = _state
        self._prev = (state.recording, state.training)
        if self._enter_record is not None:
            _state.recording = self._enter_record
        if self._enter_train is not None:
            _state.training = self._enter_train
        return self

    def __exit__(self, *exc):
        _state.recording, _state.training = self._prev


def record(train_mode=True):
    """Record operations for differentiation.

    >>> with autograd.record():
    ...     loss = loss_fn(net(x), y)
    >>> loss.backward()
    """
    return _Scope(True, train_mode)


def pause(train_mode=False):
    """Stop recording inside a ``record()`` block."""
    return _Scope(False, train_mode)


def train_mode():
    """Layers behave as in training (Dropout active) without recording."""
    return _Scope(None, True)


def predict_mode():
    """Layers behave as at inference, even inside ``record()``."""
    return _Scope(None, False)


def mark_variables(variables, gradients, grad_reqs="write"):
    """Attach the given gradient buffers to the variables."""
    if not isinstance(variables, (list, tuple)):
        variables, gradients = [variables], [gradients]
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    for var, grad, req in zip(variables, gradients, grad_reqs):
        var._node = None
        var._grad = grad
        var._grad_req = req


def _heads(heads, head_grads):
    if not isinstance(heads, (list, tuple)):
        return [heads], [head_grads]
    if head_grads is None:
        return list(heads), [None] * len(heads)
    if not isinstance(head_grads, (list, tuple)):
        head_grads = [head_grads]
    return list(heads), list(head_grads)


def _check_head(head):
    if head._node is None and head._grad is None:
        raise MXNetErrorNoGraph(
            "Cannot differentiate an array that was not computed inside autograd.record() "
            "from arrays with attached gradients. Call attach_grad() on the inputs (Gluon "
            "parameters do this when initialized) and compute inside `with autograd.record():`.")


def backward(heads, head_grads=None, retain_graph=False, train_mode=True, capture=None):
    """Compute gradients of ``heads`` with respect to every array that called ``attach_grad``.

    Intermediate arrays are visited newest first (their creation number ``_seq``): every
    consumer of an array was created after it, so its gradient is complete when popped.
    Leaves collect their gradients and are written at the end.

    With ``capture`` (a set of ids of arrays), nothing is written: the gradients of those
    arrays are returned in a dict by id (``autograd.grad``).
    """
    heads, head_grads = _heads(heads, head_grads)
    given, head_gs = set(), []
    for head, hg in zip(heads, head_grads):
        _check_head(head)
        if hg is None:
            # np.ones, without its Python-level wrapper (half its cost on a loss vector).
            g = np.empty(head._data.shape, head._data.dtype)
            g.fill(1)
        else:
            g = hg._data if hasattr(hg, "_data") else np.asarray(hg, dtype=head.dtype)
            if g.shape != head.shape:
                raise ValueError("head_grads shape %s does not match the head's shape %s"
                                 % (g.shape, head.shape))
            given.add(id(g if g.base is None else g.base))
        head_gs.append(g)

    grads, leaf_grads, heap, captured = {}, {}, [], {}
    state = _state
    previous_modes = (state.recording, state.training)
    state.recording, state.training = False, train_mode
    try:
        # The heads come first, as if one node had produced them all; then each node's inputs.
        parents, parent_grads = heads, head_gs
        while True:
            for parent, pg in zip(parents, parent_grads):
                if pg is None:
                    continue
                if capture is not None and id(parent) in capture:
                    previous = captured.get(id(parent))
                    captured[id(parent)] = pg if previous is None else previous + pg
                if parent._node is not None:   # intermediate: sum, visit when its turn comes
                    key = id(parent)
                    previous = grads.get(key)
                    if previous is None:
                        grads[key] = pg
                        heappush(heap, (-parent._seq, key, parent))
                    else:
                        grads[key] = previous + pg
                elif parent._grad is not None:  # leaf: sum, write at the end
                    key = id(parent)
                    previous = leaf_grads.get(key)
                    leaf_grads[key] = (parent, pg if previous is None else previous[1] + pg)
            if not heap:
                break
            array = heappop(heap)[2]
            node = array._node
            parents = node[0]
            parent_grads = node[1](grads.pop(id(array)))
            if not retain_graph:
                array._node = None
    finally:
        state.recording, state.training = previous_modes
    if capture is not None:
        return captured
    for array, g in leaf_grads.values():
        _write_leaf_grad(array, g, given)
    return None


def backward_graph(heads, head_grads, capture, train_mode=True):
    """Gradients of ``heads`` for the arrays whose ids are in ``capture``, computed by
    recorded ops, so that they can be differentiated again. Nodes are kept."""
    heads, head_grads = _heads(heads, head_grads)
    grads, heap, captured = {}, [], {}
    state = _state
    previous_modes = (state.recording, state.training)
    state.recording, state.training = True, train_mode
    try:
        parent_grads = []
        for head, hg in zip(heads, head_grads):
            _check_head(head)
            if hg is None:
                hg = wrap(np.ones(head.shape, dtype=head._data.dtype))
            elif not hasattr(hg, "_data"):
                hg = wrap(np.asarray(hg, dtype=head._data.dtype))
            parent_grads.append(hg)
        parents = heads
        while True:
            for parent, pg in zip(parents, parent_grads):
                if pg is None:
                    continue
                key = id(parent)
                if key in capture:
                    previous = captured.get(key)
                    captured[key] = pg if previous is None else previous + pg
                if parent._node is not None:
                    previous = grads.get(key)
                    if previous is None:
                        grads[key] = pg
                        heappush(heap, (-parent._seq, key, parent))
                    else:
                        grads[key] = previous + pg
            if not heap:
                break
            array = heappop(heap)[2]
            node = array._node
            if len(node) < 3:
                raise MXNetError(
                    "create_graph=True: an operation in this graph (%s) has no recorded "
                    "backward, so it cannot be differentiated twice. Supported: elementwise "
                    "arithmetic, exp, log, sin, cos, tanh, sigmoid, relu, square, sqrt, sum, "
                    "mean, reshape, transpose and dot." % getattr(node[1], "__qualname__", "?"))
            parents = node[0]
            parent_grads = node[2](grads.pop(id(array)))
    finally:
        state.recording, state.training = previous_modes
    return captured


def _write_leaf_grad(array, g, adopted):
    grad = array._grad
    if grad is None or array._grad_req == "null":
        return
    buf = grad._data
    if array._grad_req == "add":
        buf += g
        grad._fresh = True
        return
    # Take a freshly computed gradient instead of copying it: a weight's gradient is as large
    # as the weight. It must own its memory (or be a whole-array view, such as a transpose,
    # of an array that does), match the buffer's dtype and memory layout, and not already
    # belong to another leaf or to the caller. Anyone holding ``x.grad`` sees the new
    # values: the NDArray object stays the same.
    root = g.base
    if root is None:
        root = g
    key = id(root)
    if (root.base is None and key not in adopted and root.size == g.size
            and g.dtype is buf.dtype and g.strides == buf.strides and g.flags.writeable):
        adopted.add(key)
        grad._data = g
    elif g.shape != buf.shape:  # internal invariant: ops un-broadcast their gradients
        raise AssertionError("gradient shape %s for an array of shape %s" % (g.shape, buf.shape))
    else:
        np.copyto(buf, g)
    grad._fresh = True


class MXNetErrorNoGraph(RuntimeError):
    """backward() was called on an array with no recorded history."""
