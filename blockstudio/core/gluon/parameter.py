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
        initializer(self.name, data)
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
                "parameters, or give layers their input size (e.g. Dense(..., in_units=784))."
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
        elif "shape" in kwargs and kwargs["shape"] is not None:
            param.shape = kwargs["shape"]
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

    def save(self, filename, strip_prefix=""):
        from ..serialization import save_arrays
        arrays = {}
        for param in self.values():
            if strip_prefix and not param.name.startswith(strip_prefix):
                raise ValueError("Prefix '%s' is to be stripped before saving, but Parameter "
                                 "'%s' does not start with it" % (strip_prefix, param.name))
            arrays[param.name[len(strip_prefix):]] = param.data()._data
        save_arrays(filename, arrays)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix=""):
        from ..serialization import load_arrays
        loaded = {restore_prefix + k: v for k, v in load_arrays(filename).items()}
        _assign_loaded(dict(self.items()), loaded, filename, allow_missing, ignore_extra)


def _assign_loaded(params, loaded, filename, allow_missing, ignore_extra):
    """Check every key and shape first, report all problems at once, then assign.

    Nothing is assigned unless everything fits, so a failed load changes nothing.
    """
    missing = [k for k in params if k not in loaded] if not allow_missing else []
    unexpected = [k for k in loaded if k not in params] if not ignore_extra else []
    misshaped = []
    for key, param in params.items():
        if key not in loaded:
            continue
        got, want = loaded[key].shape, param.shape
        fits = want is None or (len(want) == len(got) and all(
            w == 0 or w == g for w, g in zip(want, got)))
        if not fits:
            expected = shape_str(want, unknown="?")
            misshaped.append("%s: the network expects %s, the file has %s"
                             % (key, expected, shape_str(got)))
    if missing or unexpected or misshaped:
        lines = ["Cannot load parameters from '%s' into this network:" % filename]
        if missing:
            lines.append("  missing in the file (%d): %s" % (len(missing), ", ".join(missing)))
        if unexpected:
            lines.append("  in the file but not in the network (%d): %s"
                         % (len(unexpected), ", ".join(unexpected)))
        if misshaped:
            lines.append("  shape mismatch (%d):" % len(misshaped))
            lines.extend("    " + m for m in misshaped)
        lines.append("Nothing was changed. Check that the file was saved from the same "
                     "architecture; pass allow_missing=True or ignore_extra=True to load a "
                     "partial match.")
        raise ValueError("\n".join(lines))
    for key, param in params.items():
        if key in loaded:
            param._load_init(loaded[key])
