"""Block: the unit of a network. It owns parameters and child blocks, names them, and
runs ``forward``. HybridBlock adds deferred shape inference for its parameters."""

import threading
import warnings
from collections import OrderedDict

from .. import autograd, initializer as _init, nd
from ..base import DeferredInitializationError, shape_str
from ..name import NameManager
from .parameter import Parameter, ParameterDict, _assign_loaded


def _indent(text, spaces):
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


class _BlockScope:
    """While a block's ``name_scope()`` is open, blocks created in it are named inside it."""

    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None

    @staticmethod
    def create(prefix, params, hint):
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = NameManager.current().get(None, hint) + "_"
            params = ParameterDict(prefix) if params is None else ParameterDict(params.prefix,
                                                                               params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = "%s%d_" % (hint, count)
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block._params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, "value", None)
        _BlockScope._current.value = self
        return self

    def __exit__(self, *exc):
        if self._block._empty_prefix:
            return
        _BlockScope._current.value = self._old_scope


class _HookHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def detach(self):
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


class Block:
    """Base class of all layers and models. Subclass it and implement ``forward``.

    >>> class MLP(Block):
    ...     def __init__(self, **kwargs):
    ...         super(MLP, self).__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense0 = nn.Dense(128)
    ...     def forward(self, x):
    ...         return nd.relu(self.dense0(x))
    """

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = OrderedDict()
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()
        self._hook_id = 0

    def _alias(self):
        return self.__class__.__name__.lower()

    def __setattr__(self, name, value):
        """Registers child blocks and parameters assigned as attributes."""
        existing = self.__dict__.get(name)
        if existing is not None and isinstance(existing, (Block, Parameter)) and not isinstance(
                value, type(existing)) and value is not None:
            raise TypeError("Changing attribute '%s' of %s from %s to %s is not allowed."
                            % (name, type(self).__name__, type(existing).__name__,
                               type(value).__name__))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            self._reg_params[name] = value
        object.__setattr__(self, name, value)

    def __repr__(self):
        lines = ["  (%s): %s" % (key, _indent(repr(block), 2))
                 for key, block in self.__dict__.items() if isinstance(block, Block)]
        return "%s(\n%s\n)" % (self.__class__.__name__, "\n".join(lines))

    # ----- names and parameters ---------------------------------------------------------
    @property
    def prefix(self):
        return self._prefix

    @property
    def name(self):
        return self._name

    @property
    def params(self):
        """This block's own parameters (not its children's: use collect_params for all)."""
        return self._params

    def name_scope(self):
        """Blocks created inside ``with self.name_scope():`` are named under this block."""
        return self._scope

    def collect_params(self, select=None):
        """All parameters of this block and its children, optionally filtered by a regex.

        >>> net.collect_params()                  # everything
        >>> net.collect_params('.*weight|.*bias')
        """
        self._check_container_with_block()
        out = ParameterDict(self._params.prefix)
        if select:
            out.update(self._params.select(select))
        else:
            out.update(self._params)
        for child in self._children.values():
            out.update(child.collect_params(select=select))
        return out

    def _check_container_with_block(self):
        """Warn, as Gluon does, about blocks kept in a list, tuple or dict attribute: they are
        not registered, so their parameters are not collected, initialized or trained."""
        children = {id(c) for c in self._children.values()}

        def hidden(value):
            if isinstance(value, (list, tuple)):
                return any(hidden(v) for v in value)
            if isinstance(value, dict):
                return any(hidden(v) for v in value.values())
            return isinstance(value, Block) and id(value) not in children

        for key, value in self.__dict__.items():
            if (isinstance(value, (list, tuple, dict)) and not key.startswith("__")
                    and key not in ("_children", "_layers") and hidden(value)):
                warnings.warn('"%s" is an unregistered container with Blocks. Blocks inside a '
                              'list, tuple or dict are not registered automatically: register '
                              'them with register_child(), or use nn.Sequential instead.'
                              % key, stacklevel=3)

    def _collect_params_with_prefix(self, prefix=""):
        """Parameters keyed by their place in the structure: ``0.weight``, ``dense1.bias``."""
        if prefix:
            prefix += "."
        out = OrderedDict((prefix + key, p) for key, p in self._reg_params.items())
        for name, child in self._children.items():
            out.update(child._collect_params_with_prefix(prefix + name))
        return out

    def register_child(self, block, name=None):
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def initialize(self, init=_init.Uniform(), ctx=None, verbose=False, force_reinit=False):
        """Initialize all parameters (unknown shapes wait for the first batch).

        >>> net.initialize(mx.init.Xavier(magnitude=2.24))
        """
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def zero_grad(self):
        self.collect_params().zero_grad()

    def cast(self, dtype):
        for child in self._children.values():
            child.cast(dtype)
        for param in self._params.values():
            param.cast(dtype)

    def hybridize(self, active=True, **kwargs):
        """Accepted for compatibility; blocks always run imperatively here."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def apply(self, fn):
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    # ----- saving and loading ------------------------------------------------------------
    def save_parameters(self, filename, deduplicate=False, format=None):
        """Save parameters under structural keys (``0.weight``), atomically.

        A file name ending in ``.params`` gets MXNet 1.x's own format, which real MXNet loads;
        any other name gets ``.npz`` (plain numpy reads it); ``format="mxnet"``/``"npz"``
        overrides the name. ``deduplicate`` saves a shared parameter once.

        >>> net.save_parameters("mlp.params")        # for MXNet too
        >>> net.save_parameters("mlp.npz")           # numpy's format
        """
        from ..serialization import save
        from .param_files import block_arrays
        save(filename, block_arrays(self, deduplicate), format)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source="current"):
        """Load parameters saved by ``save_parameters`` (ours, .npz) or by MXNet 1.x.

        Every missing, unexpected and mis-shaped key is reported at once in a ValueError,
        and nothing changes unless the whole file fits. The file's headers are compared with
        the network before its data is read. ``cast_dtype`` converts values saved in another
        dtype, to the parameter's (``dtype_source='current'``) or the parameter to the file's
        (``'saved'``).
        """
        from .param_files import load_into_block
        load_into_block(self, filename, allow_missing, ignore_extra, cast_dtype, dtype_source)

    save_params = save_parameters
    load_params = load_parameters

    # ----- running --------------------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """``hook(block, inputs)`` runs before each forward."""
        return self._add_hook(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """``hook(block, inputs, outputs)`` runs after each forward."""
        return self._add_hook(self._forward_hooks, hook)

    def _add_hook(self, hooks, hook):
        self._hook_id += 1
        hooks[self._hook_id] = hook
        return _HookHandle(hooks, self._hook_id)

    def __call__(self, *args):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        out = self.forward(*args)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def forward(self, *args):
        raise NotImplementedError("%s must implement forward(self, x)" % type(self).__name__)

    def summary(self, *inputs):
        """Print a table of each layer's output shape and parameter count for ``inputs``."""
        print(self.summary_text(*inputs))

    def summary_text(self, *inputs):
        rows = [("Input", _shape_text(inputs), 0, 0, 0)]
        seen = set()
        handles = []

        def record_row(block, _inputs, outputs):
            total = trainable = shared = 0
            for param in block.params.values():
                size = param.data().size
                total += size
                trainable += size if param.grad_req != "null" else 0
                if id(param) in seen:
                    shared += size
                seen.add(id(param))
            rows.append(("%s-%d" % (type(block).__name__, len(rows)), _shape_text(outputs),
                         total, trainable, shared))

        from .nn.basic_layers import Sequential
        self.apply(lambda b: handles.append(b.register_forward_hook(record_row))
                   if not isinstance(b, Sequential) else None)
        try:
            with autograd.pause():
                self(*inputs)
        finally:
            for handle in handles:
                handle.detach()
        total = sum(r[2] for r in rows)
        trainable = sum(r[3] for r in rows)
        shared = sum(r[4] for r in rows)
        fmt = "{:>20}  {:>42} {:>15}"
        lines = ["-" * 80, fmt.format("Layer (type)", "Output Shape", "Param #"), "=" * 80]
        lines += [fmt.format(name, shape, count) for name, shape, count, _, _ in rows]
        lines += ["=" * 80,
                  "Parameters in forward computation graph, duplicate included",
                  "   Total params: %d" % total,
                  "   Trainable params: %d" % trainable,
                  "   Non-trainable params: %d" % (total - trainable),
                  "Shared params in forward computation graph: %d" % shared,
                  "Unique parameters in model: %d" % (total - shared),
                  "-" * 80]
        return "\n".join(lines)


def _shape_text(value):
    if isinstance(value, (list, tuple)):
        parts = [_shape_text(v) for v in value]
        return parts[0] if len(parts) == 1 else ", ".join(parts)
    return shape_str(value.shape)


class HybridBlock(Block):
    """A block whose forward is ``hybrid_forward(F, x, **params)``; parameters whose shapes
    are unknown are created from the first input via ``infer_shape``."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._active = False

    def hybridize(self, active=True, **kwargs):
        self._active = active
        super().hybridize(active, **kwargs)

    def forward(self, x, *args):
        if not self._reg_params:  # activations, losses, dropout: nothing to look up
            return self.hybrid_forward(nd, x, *args)
        try:
            params = {k: p.data() for k, p in self._reg_params.items()}
        except DeferredInitializationError:
            self._deferred_infer_shape(x, *args)
            for p in self._reg_params.values():
                p._finish_deferred_init()
            params = {k: p.data() for k, p in self._reg_params.items()}
        return self.hybrid_forward(nd, x, *args, **params)

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except NotImplementedError:
            raise DeferredInitializationError(
                "%s '%s' has parameters with unknown shapes and does not implement "
                "infer_shape(x); give its parameters full shapes."
                % (type(self).__name__, self.name)) from None

    def infer_shape(self, *args):
        """Fill in the unknown dimensions of this block's parameters from its inputs."""
        raise NotImplementedError

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError("%s must implement hybrid_forward(self, F, x, ...)"
                                  % type(self).__name__)

