"""Trainer: applies an optimizer to a set of parameters after ``backward()``."""

import re

import numpy as np

from .. import optimizer as opt
from ..ndarray import NDArray
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
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise ValueError("optimizer_params must be None when optimizer is an Optimizer "
                                 "instance; set them on the instance instead.")
            self._scale = optimizer.rescale_grad
        else:
            self._scale = optimizer_params.pop("rescale_grad", 1.0)
        self._optimizer = opt.create(optimizer, **optimizer_params)
        # As Gluon does: the optimizer finds each parameter's lr_mult and wd_mult by index.
        self._optimizer.param_dict = dict(enumerate(self._params))
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
        numpy_path = opt.uses_numpy_path(optimizer)
        if numpy_path:  # the extension API's update() counts updates itself
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
            if not numpy_path:  # a user's Optimizer subclass: MXNet's calls, on NDArrays
                if i not in states:
                    states[i] = optimizer.create_state_multi_precision(i, data)
                optimizer.update_multi_precision(i, data, grad, states[i])
                continue
            if i in states:
                state = states[i]
            else:
                state = states[i] = optimizer._create_state_np(i, data._data)
            items.append((i, data._data, grad._data, state, param.lr_mult, param.wd_mult))
        if items:
            optimizer._update_all_np(items)

    def save_states(self, fname):
        """Save the optimizer's state (momentum, Adam moments, update count), atomically.

        States made by a custom optimizer through MXNet's API (NDArrays, None, tuples of them)
        are saved too, under ``p<index>`` keys that record their nesting.
        """
        from ..serialization import save_arrays
        arrays = {"__num_update__": np.array(self._optimizer.num_update)}
        for i, state in self._states.items():
            if isinstance(state, np.ndarray):
                arrays["%d" % i] = state
            elif isinstance(state, dict):
                for key, value in state.items():
                    arrays["%d.%s" % (i, key)] = np.asarray(value)
            elif state is not None or not opt.uses_numpy_path(self._optimizer):
                _flatten_state("p%d" % i, state, arrays)
        save_arrays(fname, arrays)

    def load_states(self, fname):
        """Load optimizer state saved by ``save_states`` for the same parameters and optimizer.

        Everything is checked before anything changes: the entries must be the ones this
        optimizer keeps, for parameters this Trainer has, with their shapes, and finite.
        """
        from ..serialization import load_arrays
        arrays = load_arrays(fname)
        # A user's optimizer keeps its states through MXNet's API: ``p<index>`` keys record
        # their nesting; the built-in ones' numpy states are checked entry by entry.
        custom = {k: v for k, v in arrays.items() if k.startswith("p")}
        plain = {k: v for k, v in arrays.items() if not k.startswith("p")}
        states, num_update = _checked_states(fname, plain, self._params, self._optimizer)
        for index in {int(k[1:].split(":")[0].split("~")[0]) for k in custom}:
            if index >= len(self._params):
                raise ValueError("Optimizer state in '%s' is for %d or more parameters, but this "
                                 "Trainer has %d." % (fname, index + 1, len(self._params)))
            states[index] = _unflatten_state("p%d" % index, custom)
        self._states = states
        self._optimizer.num_update = num_update


def _flatten_state(key, state, out):
    """An extension-API state (NDArray, None, or tuples/lists of them) as named arrays."""
    if state is None:
        out[key + "~none"] = np.zeros(0, np.uint8)
    elif isinstance(state, (tuple, list)):
        out[key + "~len"] = np.array(len(state))
        for k, item in enumerate(state):
            _flatten_state("%s:%d" % (key, k), item, out)
    elif isinstance(state, NDArray):
        out[key] = state._data
    else:
        raise TypeError("save_states: cannot save an optimizer state of type %s; states must be "
                        "NDArrays, None or tuples of them" % type(state).__name__)


def _unflatten_state(key, arrays):
    if key + "~none" in arrays:
        return None
    if key + "~len" in arrays:
        return tuple(_unflatten_state("%s:%d" % (key, k), arrays)
                     for k in range(int(arrays[key + "~len"])))
    if key not in arrays:
        raise ValueError("save_states file is missing the optimizer state '%s'" % key)
    return NDArray(np.array(arrays[key]))


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
        create = getattr(optimizer, "_create_state_np", None) or optimizer.create_state
        template = create(index, np.zeros(shape if shape is not None else (0,), np.dtype(param.dtype)))
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
