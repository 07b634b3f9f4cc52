"""Initializers (``mx.init``): how a parameter's first values are drawn.

As in Gluon, an initializer looks at the parameter's name: ``*_weight`` gets the
initializer's own rule, ``*_bias`` and ``*_beta`` zeros, ``*_gamma`` ones.

>>> net.initialize(mx.init.Xavier(magnitude=2.24))
"""

import json
import math

import numpy as np

from . import random as _random


class Initializer:
    """Base class. Subclasses implement ``_init_weight(name, arr)`` on a numpy array in place
    and pass their constructor's arguments to ``super().__init__(**kwargs)``, which keeps them
    for ``dumps()`` and ``==`` as MXNet does.

    A Gluon parameter is filled by ``_init_weight`` of its own initializer, or else of the
    global one, whatever its name; calling an initializer with a name (``init(name, arr)``)
    picks by the name's ending instead: biases and betas 0, gammas 1, weights the rule.
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs

    def __call__(self, name, arr):
        if name.endswith("bias") or name.endswith("beta") or name.endswith("running_mean"):
            arr[...] = 0
        elif name.endswith("gamma") or name.endswith("running_var"):
            arr[...] = 1
        else:
            self._init_weight(name, arr)

    def _init_weight(self, name, arr):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in sorted(vars(self).items())
                         if not kv[0].startswith("_"))
        return "%s(%s)" % (type(self).__name__, args)

    def dumps(self):
        """MXNet's JSON form: ``'["constant", {"value": 1}]'``."""
        return json.dumps([type(self).__name__.lower(), getattr(self, "_kwargs", {})])

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and getattr(self, "_kwargs", {}) == getattr(
            other, "_kwargs", {})

    __hash__ = object.__hash__


def _rng():
    return _random.get_generator()


class Zero(Initializer):
    def _init_weight(self, name, arr):
        arr[...] = 0


class One(Initializer):
    def _init_weight(self, name, arr):
        arr[...] = 1


class Constant(Initializer):
    def __init__(self, value):
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, name, arr):
        arr[...] = self.value


class Uniform(Initializer):
    """U(-scale, scale); Gluon's default initializer with scale 0.07."""

    def __init__(self, scale=0.07):
        if scale < 0:
            raise ValueError("Uniform scale must be zero or positive, got %r" % (scale,))
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, name, arr):
        arr[...] = _rng().uniform(-self.scale, self.scale, arr.shape)


class Normal(Initializer):
    """N(0, sigma^2)."""

    def __init__(self, sigma=0.01):
        if sigma < 0:
            raise ValueError("Normal sigma must be zero or positive, got %r" % (sigma,))
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, name, arr):
        arr[...] = _rng().normal(0.0, self.sigma, arr.shape)


class Xavier(Initializer):
    """Xavier/Glorot: variance scaled by the fan of the weight.

    ``scale = sqrt(magnitude / factor)`` where factor is fan_in, fan_out or their mean;
    then U(-scale, scale) or N(0, scale^2).
    """

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        if rnd_type not in ("uniform", "gaussian"):
            raise ValueError("Xavier rnd_type must be 'uniform' or 'gaussian', got %r" % (rnd_type,))
        if factor_type not in ("avg", "in", "out"):
            raise ValueError("Xavier factor_type must be 'avg', 'in' or 'out', got %r"
                             % (factor_type,))
        if magnitude <= 0:
            raise ValueError("Xavier magnitude must be positive, got %r" % (magnitude,))
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise ValueError("Xavier initializer needs a weight with at least 2 dimensions; "
                             "parameter %s has shape %s" % (name, shape))
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}[self.factor_type]
        scale = math.sqrt(self.magnitude / factor)
        if self.rnd_type == "uniform":
            arr[...] = _rng().uniform(-scale, scale, shape)
        else:
            arr[...] = _rng().normal(0.0, scale, shape)


def create(init):
    """An Initializer from an instance, a name ('zeros', 'ones', 'xavier', ...) or None."""
    if init is None or isinstance(init, Initializer):
        return init
    if isinstance(init, str):
        table = {"zeros": Zero, "zero": Zero, "ones": One, "one": One, "xavier": Xavier,
                 "uniform": Uniform, "normal": Normal}
        try:
            return table[init.lower()]()
        except KeyError:
            raise ValueError("unknown initializer %r; use one of %s or an mx.init instance"
                             % (init, ", ".join(sorted(table)))) from None
    raise TypeError("expected an mx.init initializer or its name, got %r" % (init,))
