"""Trainer: applies an optimizer to a set of parameters after ``backward()``."""

import re

import numpy as np

from .. import optimizer as opt
from .parameter import Parameter, ParameterDict


class Trainer:
    """Updates parameters from their gradients.

    ``step(batch_size)`` scales gradients by 1/batch_size, as Gluon does, so a loss summed
    over the batch (one value per sample, then ``backward()``) gives a mean gradient.

    >>> trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    >>> with autograd.record():
    ...     loss = loss_fn(net(data), label)
    >>> loss.backward()
    >>> trainer.step(data.shape[0])
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device",
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            params = list(params.values())
        if not isinstance(params, (list, tuple)):
            raise ValueError("First argument must be a list or dict of Parameters, got %s."
                             % type(params).__name__)
        self._params = []
        seen = set()
        for param in params:
            if not isinstance(param, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got a "
                                 "list containing %s." % type(param).__name__)
            if id(param) not in seen:
                seen.add(id(param))
                self._params.append(param)
        optimizer_params = dict(optimizer_params or {})
        self._scale = optimizer_params.pop("rescale_grad", 1.0)
        self._optimizer = opt.create(optimizer, **optimizer_params)
        self._states = {}

    @property
    def optimizer(self):
        return self._optimizer

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    def set_learning_rate(self, lr):
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One update, with gradients rescaled by 1/batch_size."""
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Single device: nothing to reduce."""

    def update(self, batch_size, ignore_stale_grad=False):
        self.step(batch_size, ignore_stale_grad)

    def _update(self, ignore_stale_grad):
        optimizer = self._optimizer
        optimizer.num_update += 1
        items = []
        states = self._states
        for i, param in enumerate(self._params):
            data = param._data
            if data is None:
                param.data()  # raises the helpful "not initialized" error
            grad = data._grad
            if grad is None:  # grad_req 'null': frozen
                continue
            if not grad._fresh:
                if ignore_stale_grad:
                    continue
                raise UserWarning(
                    "Gradient of Parameter '%s' has not been updated by backward since the last "
                    "step. This could mean a bug in your model that made it use only a subset of "
                    "its parameters in this iteration. If that is intended, call "
                    "step(batch_size, ignore_stale_grad=True) to skip those parameters."
                    % param.name)
            grad._fresh = False
            if i in states:
                state = states[i]
            else:
                state = states[i] = optimizer.create_state(i, data._data)
            items.append((i, data._data, grad._data, state, param.lr_mult, param.wd_mult))
        optimizer.update_all(items)

    def save_states(self, fname):
        """Save the optimizer's state (momentum, Adam moments, update count), atomically."""
        from ..serialization import save_arrays
        arrays = {"__num_update__": np.array(self._optimizer.num_update)}
        for i, state in self._states.items():
            if state is None:
                continue
            if isinstance(state, dict):
                for key, value in state.items():
                    arrays["%d.%s" % (i, key)] = np.asarray(value)
            else:
                arrays["%d" % i] = state
        save_arrays(fname, arrays)

    def load_states(self, fname):
        """Load optimizer state saved by ``save_states`` for the same parameters and optimizer.

        Everything is checked before anything changes: the entries must be the ones this
        optimizer keeps, for parameters this Trainer has, with their shapes, and finite.
        """
        from ..serialization import load_arrays
        arrays = load_arrays(fname)
        states, num_update = _checked_states(fname, arrays, self._params, self._optimizer)
        self._states = states
        self._optimizer.num_update = num_update


_STATE_KEY = re.compile(r"^(0|[1-9][0-9]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?$")


def _checked_states(fname, arrays, params, optimizer):
    """``(states, num_update)`` from a states file, or a ValueError naming the file and entry."""
    def fail(problem):
        raise ValueError("Cannot load optimizer states from '%s': %s. Nothing was changed; load "
                         "a file saved by save_states for this network and optimizer." % (fname, problem))

    num_update = 0
    if "__num_update__" in arrays:
        value = arrays["__num_update__"]
        if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
            fail("__num_update__ must be a non-negative integer, got %s %r"
                 % (value.dtype.name, value.tolist()))
        num_update = int(value)
    entries = {}
    for key, value in arrays.items():
        if key == "__num_update__":
            continue
        match = _STATE_KEY.match(key)
        if match is None:
            fail("unknown entry %r" % key)
        index = int(match.group(1))
        if index >= len(params):
            fail("entry %r is for parameter %d, but this Trainer has %d parameters"
                 % (key, index, len(params)))
        entries.setdefault(index, {})[match.group(2)] = value
    states = {}
    for index, fields in entries.items():
        param = params[index]
        shape = param.data().shape if param._data is not None else None
        template = optimizer.create_state(
            index, np.zeros(shape if shape is not None else (0,), np.dtype(param.dtype)))
        name = param.name
        if template is None:
            fail("%s keeps no state for %s, but the file has %s" % (
                type(optimizer).__name__, name, ", ".join(_key(index, f) for f in fields)))
        wanted = {None: template} if not isinstance(template, dict) else template
        if set(fields) != set(wanted):
            fail("the state of %s needs %s, the file has %s" % (
                name, ", ".join(sorted(_key(index, f) for f in wanted)),
                ", ".join(sorted(_key(index, f) for f in fields)) or "nothing"))
        state = {}
        for field, like in wanted.items():
            value = fields[field]
            key = _key(index, field)
            like = like.asnumpy() if hasattr(like, "asnumpy") else like  # an NDArray state
            if isinstance(like, np.ndarray):
                if value.dtype.kind not in "fiu" or (shape is not None and value.shape != shape):
                    fail("%s must be a %s array of shape %s for %s, got %s of shape %s" % (
                        key, np.dtype(param.dtype).name, shape, name, value.dtype.name, value.shape))
                if not np.all(np.isfinite(value)):
                    fail("%s holds non-finite values (NaN or infinity)" % key)
                state[field] = value.astype(like.dtype, copy=True)
            elif isinstance(like, (int, np.integer)):  # a counter, such as Adam's step count t
                if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
                    fail("%s must be a non-negative integer, got %s %r"
                         % (key, value.dtype.name, value.tolist()))
                state[field] = int(value)
            else:  # a kind of state save_states writes as it is, and so loads
                state[field] = value
        states[index] = state[None] if None in state else state
    return states, num_update


def _key(index, field):
    return "%d" % index if field is None else "%d.%s" % (index, field)
