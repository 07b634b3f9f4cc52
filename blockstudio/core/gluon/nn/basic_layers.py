"""The basic layers: Sequential, Dense, Activation, Dropout, Flatten."""

import numbers
import warnings

import numpy as np

from ...nn_ops import _dense
from ..block import Block, HybridBlock, _indent

ACTIVATIONS = ("relu", "sigmoid", "tanh", "softrelu", "softsign")


class Sequential(Block):
    """Stacks blocks; ``forward`` feeds each block's output to the next.

    >>> net = nn.Sequential()
    >>> with net.name_scope():
    ...     net.add(nn.Dense(128, activation="relu"))
    ...     net.add(nn.Dense(10))
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        # The children in order, kept beside the dict: indexing one layer must not copy
        # them all (that made touching every layer of a 5000-layer net quadratic).
        self._layers = []

    def register_child(self, block, name=None):
        if name is None:
            name = str(len(self._children))
        previous = self._children.get(name)
        super().register_child(block, name)
        if previous is None:
            self._layers.append(block)
        else:
            self._layers[self._layers.index(previous)] = block

    def add(self, *blocks):
        for block in blocks:
            if not isinstance(block, Block):
                raise TypeError("Sequential.add takes blocks, got %r" % (block,))
            self.register_child(block)

    def hybridize(self, active=True, **kwargs):
        """As Gluon, suggests HybridSequential when every child could be hybridized."""
        if (type(self) is Sequential and self._layers
                and all(isinstance(c, HybridBlock) for c in self._layers)):
            warnings.warn("All children of this Sequential layer '%s' are HybridBlocks. Consider "
                          "using HybridSequential for the best performance." % self.prefix,
                          stacklevel=2)
        super().hybridize(active, **kwargs)

    def forward(self, x):
        for block in self._layers:
            x = block(x)
        return x

    def __repr__(self):
        lines = ["  (%s): %s" % (key, _indent(repr(block), 2))
                 for key, block in self._children.items()]
        return "%s(\n%s\n)" % (self.__class__.__name__, "\n".join(lines))

    def __getitem__(self, key):
        layers = self._layers[key]
        if isinstance(layers, list):
            net = type(self)(prefix=self._prefix)
            with net.name_scope():
                net.add(*layers)
            return net
        return layers

    def __len__(self):
        return len(self._children)


class HybridSequential(Sequential, HybridBlock):
    """Sequential for HybridBlocks, and itself a HybridBlock as in Gluon (hybridization is a
    no-op here: blocks always run imperatively)."""


class Activation(HybridBlock):
    """Applies a named activation: relu, sigmoid, tanh, softrelu or softsign."""

    def __init__(self, activation, **kwargs):
        if activation not in ACTIVATIONS:
            raise ValueError("unknown activation %r; choose one of %s"
                             % (activation, ", ".join(ACTIVATIONS)))
        self._act_type = activation
        super().__init__(**kwargs)

    def _alias(self):
        return self._act_type

    def hybrid_forward(self, F, x):
        return F.Activation(x, act_type=self._act_type)

    def __repr__(self):
        return "Activation(%s)" % self._act_type


class Dense(HybridBlock):
    """A fully connected layer: ``activation(dot(x, weight.T) + bias)``.

    ``in_units=0`` (the default) leaves the weight's second dimension unknown until the
    first batch: the weight reads ``(units, 0)`` until then.

    >>> layer = nn.Dense(128, activation="relu")            # weight (128, 0)
    >>> layer = nn.Dense(128, activation="relu", in_units=784)
    """

    def __init__(self, units, activation=None, use_bias=True, flatten=True, dtype="float32",
                 weight_initializer=None, bias_initializer="zeros", in_units=0, **kwargs):
        # 0 is accepted, as MXNet accepts it (a layer with no outputs).
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units < 0:
            raise ValueError("Dense units must be a whole number, got %r" % (units,))
        if isinstance(in_units, bool) or not isinstance(in_units, numbers.Integral) or in_units < 0:
            raise ValueError("Dense in_units must be a whole number, 0 to infer it from the "
                             "first batch, got %r" % (in_units,))
        super().__init__(**kwargs)
        self._flatten = flatten
        with self.name_scope():
            self._units = int(units)
            self._in_units = int(in_units)
            self.weight = self.params.get("weight", shape=(units, in_units),
                                          init=weight_initializer, dtype=dtype,
                                          allow_deferred_init=True)
            self.weight._order = "F"
            if use_bias:
                self.bias = self.params.get("bias", shape=(units,), init=bias_initializer,
                                            dtype=dtype, allow_deferred_init=True)
            else:
                self.bias = None
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def infer_shape(self, x, *args):
        features = int(np.prod(x.shape[1:])) if self._flatten else x.shape[-1]
        self.weight.shape = (self._units, features)

    def forward(self, x):
        weight = self.weight._data
        if weight is None:  # not created yet: HybridBlock infers the shape, then comes back
            return super().forward(x)
        bias = self.bias._data if self.bias is not None else None
        return self.hybrid_forward(None, x, weight, bias)

    def hybrid_forward(self, F, x, weight, bias=None):
        data = x._data  # the numpy arrays directly: this runs per layer per step
        shape = data.shape
        features = (data.size // shape[0] if shape[0] else 0) if self._flatten else shape[-1]
        if features != weight._data.shape[1]:
            raise ValueError(
                "%s expects %d input features (weight shape %s) but got %d from input of shape "
                "%s. Set in_units=%d, or in_units=0 to infer it from the data."
                % (self.name, weight.shape[1], tuple(weight.shape), features, tuple(shape),
                   features))
        act = self.act
        if act is not None and (act._forward_hooks or act._forward_pre_hooks):
            # Someone watches the activation block (e.g. summary()): call it as a block.
            return act(_dense(x, weight, bias, self._flatten, None))
        return _dense(x, weight, bias, self._flatten, act._act_type if act is not None else None)

    def __repr__(self):
        shape = self.weight.shape
        return "%s(%s -> %s, %s)" % (type(self).__name__, shape[1] if shape[1] else None,
                                     shape[0], self.act if self.act is not None else "linear")


class Dropout(HybridBlock):
    """Randomly zeroes a fraction ``rate`` of the inputs during training."""

    def __init__(self, rate, axes=(), **kwargs):
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            raise ValueError("Dropout rate must be a number in [0, 1), got %r" % (rate,))
        super().__init__(**kwargs)
        self._rate = float(rate)
        self._axes = tuple(axes)

    def hybrid_forward(self, F, x):
        if self._rate > 0:
            return F.Dropout(x, p=self._rate, axes=self._axes)
        return x

    def __repr__(self):
        return "Dropout(p = %s, axes=%s)" % (self._rate, self._axes)


class Flatten(HybridBlock):
    """Reshapes (N, d1, d2, ...) to (N, d1*d2*...)."""

    def hybrid_forward(self, F, x):
        return F.flatten(x)

    def __repr__(self):
        return "Flatten"
