"""Parameters: named arrays with a gradient, whose shape may be partly unknown (0) until
the first batch flows through the block that owns them."""

import re
import warnings
from collections import OrderedDict

import numpy as np

from .. import initializer as _init
from ..base import DeferredInitializationError, shape_str
from ..context import Context, cpu
from ..ndarray import NDArray


def _known(shape):
    return shape is not None and all(int(d) > 0 for d in shape)


class Parameter:
    """A weight or bias of a block.

    >>> w = Parameter("weight", shape=(128, 0), allow_deferred_init=True)
    >>> w.initialize(mx.init.Xavier())      # deferred: the input size is unknown
    >>> w.shape = (128, 784)                # learnt from the first batch
    >>> w._finish_deferred_init(); w.data().shape
    (128, 784)
    """

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype="default", grad_stype="default"):
        self.name = name
        self._shape = None if shape is None else tuple(int(d) for d in (
            (shape,) if isinstance(shape, int) else shape))
        self.dtype = np.dtype(dtype).type
        self._dtype_text = str(dtype)  # printed as given, as MXNet does: float32 or <class ...>
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.init = _init.create(init)
        self.allow_deferred_init = allow_deferred_init
        self._differentiable = differentiable
        self._grad_req = grad_req if differentiable else "null"
        self._data = None
        self._deferred_init = ()
        # Memory order of the data: "F" stores a Dense weight (out, in) as (in, out) rows,
        # which makes the forward product x @ W.T a plain, faster GEMM. Invisible to users:
        # shape, values, asnumpy() and saved files are the same.
        self._order = "C"

    def __repr__(self):
        return "Parameter %s (shape=%s, dtype=%s)" % (
            self.name, shape_str(self.shape) if self.shape is not None else None,
            self._dtype_text)

    # ----- shape ------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(int(d) for d in new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        compatible = len(self._shape) == len(new_shape) and all(
            old == 0 or old == new for old, new in zip(self._shape, new_shape))
        if not compatible:
            raise ValueError("Parameter '%s' has shape %s; it cannot become %s (only its unknown "
                             "(0) dimensions can be filled in)"
                             % (self.name, shape_str(self._shape), shape_str(new_shape)))
        self._shape = new_shape

    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ("write", "add", "null"):
            raise ValueError("grad_req must be 'write', 'add' or 'null', got %r" % (req,))
        if not self._differentiable:
            req = "null"
        self._grad_req = req
        if self._data is not None:
            if req == "null":
                self._data._grad = None
                self._data._grad_req = "null"
            else:
                self._data.attach_grad(req)

    # ----- initialization -----------------------------------------------------------
    def initialize(self, init=None, ctx=None, default_init=_init.Uniform(), force_reinit=False):
        """Create the data now, or note the initializer until the shape is known."""
        if ctx is not None:
            for c in (ctx if isinstance(ctx, (list, tuple)) else [ctx]):
                Context(c).check_available()
        if self._data is not None and not force_reinit:
            warnings.warn("Parameter '%s' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize." % self.name, stacklevel=2)
            return
        self._data = None
        chosen = _init.create(init) or self.init or _init.create(default_init)
        self._deferred_init = (chosen,)
        if not _known(self._shape):
            if self.allow_deferred_init:
                return
            raise ValueError("Cannot initialize Parameter '%s': its shape %s has unknown "
                             "dimensions and deferred initialization is not allowed. Give it a "
                             "full shape." % (self.name, self._shape and shape_str(self._shape)))
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        if not _known(self._shape):
            raise DeferredInitializationError(
                "Parameter '%s' still has an unknown shape %s, so it cannot be created yet."
                % (self.name, shape_str(self._shape)))
        (initializer,) = self._deferred_init
        data = np.zeros(self._shape, dtype=self.dtype, order=self._order)
        # As Gluon: the chosen initializer's own rule, whatever the name ends with (a bias
        # given Constant(1) gets ones; Dense asks for zeros for its bias by name).
        initializer._init_weight(self.name, data)
        self._init_impl(data)

    def _init_impl(self, data):
        """Take ``data``, a numpy array this parameter may keep, as its value."""
        self._deferred_init = ()
        data = np.asarray(data, dtype=self.dtype)
        in_order = data.flags.f_contiguous if self._order == "F" else data.flags.c_contiguous
        if not in_order:
            data = data.copy(order=self._order)
        self._data = NDArray(data)
        if self._grad_req != "null":
            self._data.attach_grad(self._grad_req)

    # ----- access -------------------------------------------------------------------
    def _check_initialized(self):
        if self._data is not None:
            return
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was "
                "deferred: its shape %s is not known. Shapes are inferred from the first "
                "forward pass, so pass one batch of data through the network before reading "
                "parameters, or give layers their input size (e.g. Dense(..., in_units=784) or "
                "Conv2D(..., in_channels=1))."
                % (self.name, shape_str(self._shape)))
        raise RuntimeError(
            "Parameter '%s' has not been initialized. Call net.initialize() (or "
            "net.collect_params().initialize()) before using the network or reading its "
            "parameters." % self.name)

    def data(self, ctx=None):
        """The parameter's value as an NDArray."""
        if self._data is None:
            self._check_initialized()
        return self._data

    def list_data(self):
        return [self.data()]

    def grad(self, ctx=None):
        """The gradient buffer, filled by ``backward()``."""
        data = self.data()
        if data._grad is None:
            raise RuntimeError("Cannot get the gradient of Parameter '%s' because its grad_req "
                               "is 'null'." % self.name)
        return data._grad

    def list_grad(self):
        return [self.grad()]

    def list_ctx(self):
        if self._data is None and not self._deferred_init:
            self._check_initialized()
        return [cpu()]

    def set_data(self, data):
        """Replace the value (same shape); initializes a deferred parameter."""
        value = data._data if isinstance(data, NDArray) else np.asarray(data)
        self.shape = value.shape
        if self._data is None:
            self._init_impl(value.copy())
        else:
            np.copyto(self._data._data, value, casting="same_kind")

    def zero_grad(self):
        if self._data is not None and self._data._grad is not None:
            self._data._grad._data[...] = 0

    def reset_ctx(self, ctx):
        Context(ctx).check_available()

    def cast(self, dtype):
        self.dtype = np.dtype(dtype).type
        self._dtype_text = str(dtype)
        if self._data is not None:
            self._init_impl(self._data._data.astype(self.dtype))

    def _load_init(self, value):
        """Take a loaded numpy array as this parameter's value (shape already checked)."""
        self.shape = value.shape
        self._init_impl(value.astype(self.dtype, copy=True))


class ParameterDict:
    """An ordered, prefixed collection of Parameters: what ``collect_params()`` returns.

    >>> params = net.collect_params()
    >>> params.initialize(mx.init.Xavier())
    >>> params.setattr("grad_req", "null")          # freeze everything
    >>> net.collect_params(".*weight")              # only the weights
    """

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    @property
    def prefix(self):
        return self._prefix

    def __repr__(self):
        body = "\n".join("  %r" % p for p in self._params.values())
        name = self._prefix + " " if self._prefix else ""
        return "%s(\n%s\n)" % (name, body)

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    def items(self):
        return self._params.items()

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name, **kwargs):
        """The parameter ``prefix + name``, created with ``kwargs`` if it does not exist."""
        full = self._prefix + name
        param = self._get_impl(full)
        if param is None:
            param = Parameter(full, **kwargs)
            self._params[full] = param
        else:
            _match_existing(param, kwargs)
        return param

    def get_constant(self, name, value=None):
        """The constant ``prefix + name`` (a parameter with no gradient that keeps ``value``),
        created from ``value`` if it does not exist.

        >>> self.scale = self.params.get_constant("scale", nd.array([2.0, 3.0]))
        """
        full = self._prefix + name
        param = self._get_impl(full)
        if param is None:
            if value is None:
                raise KeyError("No constant named '%s'. Give a value to create it." % full)
            param = Constant(full, value)
            self._params[full] = param
        elif value is not None:
            if not isinstance(param, Constant):
                raise TypeError("Parameter '%s' exists and is not a Constant" % full)
            given = value._data if isinstance(value, NDArray) else np.asarray(value)
            if not np.array_equal(given, param.value):
                raise ValueError("Constant '%s' exists with a different value" % full)
        return param

    def update(self, other):
        for name, param in other.items():
            existing = self._params.get(name)
            if existing is not None and existing is not param:
                raise ValueError("Cannot merge parameters: two different parameters are both "
                                 "named '%s'. Give the blocks distinct prefixes." % name)
            self._params[name] = param

    def select(self, pattern):
        """The parameters whose names match the regular expression ``pattern``."""
        regex = re.compile(pattern)
        out = ParameterDict(self._prefix)
        out._params.update((k, v) for k, v in self._params.items() if regex.match(k))
        return out

    def initialize(self, init=_init.Uniform(), ctx=None, verbose=False, force_reinit=False):
        """Initialize every parameter; those with unknown shapes wait for the first batch."""
        init = _init.create(init)
        for param in self.values():
            param.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for param in self.values():
            param.zero_grad()

    def reset_ctx(self, ctx):
        for param in self.values():
            param.reset_ctx(ctx)

    def setattr(self, name, value):
        """Set an attribute on every parameter, e.g. ``setattr('grad_req', 'null')``."""
        for param in self.values():
            setattr(param, name, value)

    def save(self, filename, strip_prefix="", format=None):
        """Save under full names (less ``strip_prefix``); the format follows the file name as
        in ``Block.save_parameters`` (``.params``: MXNet's, else ``.npz``)."""
        from ..serialization import save
        arrays = {}
        for param in self.values():
            if strip_prefix and not param.name.startswith(strip_prefix):
                raise ValueError("Prefix '%s' is to be stripped before saving, but Parameter "
                                 "'%s' does not start with it" % (strip_prefix, param.name))
            arrays[param.name[len(strip_prefix):]] = param.data()._data
        save(filename, arrays, format)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix="", cast_dtype=False, dtype_source="current"):
        from .param_files import load_into_dict
        load_into_dict(self, filename, allow_missing, ignore_extra, restore_prefix, cast_dtype,
                       dtype_source)


_CHECKED = ("dtype", "init", "grad_req", "lr_mult", "wd_mult", "allow_deferred_init")


def _match_existing(param, kwargs):
    """Gluon's rule for getting an existing (e.g. shared) parameter: an unknown (0)
    dimension on either side is filled from the other; any other difference is an error."""
    for key, value in kwargs.items():
        if value is None:
            continue
        if key == "shape":
            shape = (value,) if isinstance(value, int) else tuple(int(d) for d in value)
            existing = param.shape
            if existing is None:
                param._shape = shape
                continue
            merged = _merge_shapes(shape, existing)
            if merged is None:
                raise ValueError("Cannot retrieve Parameter '%s': its shape %s does not match "
                                 "the requested %s" % (param.name, shape_str(existing),
                                                       shape_str(shape)))
            param._shape = merged
        elif key in _CHECKED:
            existing = getattr(param, key)
            same = (np.dtype(value) == np.dtype(existing) if key == "dtype" else
                    _init.create(value) == existing if key == "init" else value == existing)
            if existing is not None and not same:
                raise ValueError("Cannot retrieve Parameter '%s' because desired attribute "
                                 "does not match with stored for attribute '%s': desired '%s' "
                                 "vs stored '%s'." % (param.name, key, value, existing))


def _merge_shapes(wanted, existing):
    if len(wanted) != len(existing):
        return None
    out = []
    for a, b in zip(wanted, existing):
        if a > 0 and b > 0 and a != b:
            return None
        out.append(a if a > 0 else b)
    return tuple(out)


class Constant(Parameter):
    """A parameter that never gets a gradient and is initialized to ``value``."""

    def __init__(self, name, value):
        value = value._data if isinstance(value, NDArray) else np.asarray(value, np.float32)
        self.value = value.copy()
        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype,
                         init=_init.Constant(self.value), differentiable=False)

    def __repr__(self):
        return "Constant %s (shape=%s, dtype=%s)" % (self.name, shape_str(self.shape),
                                                     np.dtype(self.dtype).name)


def _assign_loaded(params, loaded, filename, allow_missing, ignore_extra):
    """Check every key and shape first, report all problems at once, then assign."""
    from .param_files import assign_loaded
    assign_loaded(params, loaded, filename, allow_missing, ignore_extra)
