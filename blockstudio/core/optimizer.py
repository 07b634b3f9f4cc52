"""Optimizers (``mx.optimizer``): SGD with momentum and weight decay, and Adam.

Each update works in place on numpy arrays. ``rescale_grad`` (1/batch_size, set by the
Trainer) and ``lr`` are folded into one multiplier, so a plain SGD step costs one pass.
"""

import math

import numpy as np


class Optimizer:
    def __init__(self, learning_rate=0.01, wd=0.0, rescale_grad=1.0, clip_gradient=None,
                 lr_scheduler=None, **kwargs):
        if kwargs:
            raise TypeError("%s got unknown settings: %s"
                            % (type(self).__name__, ", ".join(sorted(kwargs))))
        if not learning_rate >= 0:
            raise ValueError("Invalid learning rate: %r (it must be zero or positive)"
                             % (learning_rate,))
        if not wd >= 0:
            raise ValueError("Invalid weight decay: %r (it must be zero or positive)" % (wd,))
        self.lr = float(learning_rate)
        self.wd = float(wd)
        self.rescale_grad = rescale_grad
        self.clip_gradient = clip_gradient
        self.lr_scheduler = lr_scheduler
        self.num_update = 0

    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if not lr >= 0:
            raise ValueError("Invalid learning rate: %r (it must be zero or positive)" % (lr,))
        self.lr = float(lr)

    def create_state(self, index, weight):
        return None

    def _grad(self, grad, weight, wd):
        """rescale * grad (+ clipping) + wd * weight, as a new array."""
        g = grad * self.rescale_grad
        if self.clip_gradient is not None:
            np.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        if wd:
            g += wd * weight
        return g

    def update(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        raise NotImplementedError

    def update_all(self, items):
        """Update many parameters: ``items`` are (index, weight, grad, state, lr_mult, wd_mult)."""
        for item in items:
            self.update(*item)

    def get_states(self, states):
        return states

    def __repr__(self):
        return "%s(learning_rate=%s, wd=%s)" % (type(self).__name__, self.lr, self.wd)


class SGD(Optimizer):
    """``mom = momentum*mom - lr*(grad + wd*w); w += mom`` (plain ``w -= lr*grad`` without
    momentum)."""

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= momentum < 1:
            raise ValueError("Invalid momentum: %r (it must be in [0, 1))" % (momentum,))
        self.momentum = float(momentum)

    def create_state(self, index, weight):
        if self.momentum == 0:
            return None
        return np.zeros_like(weight)

    def update_all(self, items):
        if self.momentum or self.wd or self.clip_gradient is not None:
            return super().update_all(items)
        # Plain SGD, the tutorial's: one tight loop, w -= (lr * rescale * lr_mult) * grad.
        # A Python float times a float32 array stays float32 (numpy's weak scalars).
        base = float(self.learning_rate * self.rescale_grad)
        for _, weight, grad, _, lr_mult, _ in items:
            weight -= (base * lr_mult) * grad

    def update(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        lr = self.learning_rate * lr_mult
        wd = self.wd * wd_mult
        if state is None and wd == 0 and self.clip_gradient is None:
            weight -= float(lr * self.rescale_grad) * grad
            return
        g = self._grad(grad, weight, wd)
        if state is None:
            weight -= lr * g
        else:
            state *= self.momentum
            state -= lr * g
            weight += state


class Adam(Optimizer):
    """Adam (Kingma & Ba) with MXNet's bias-corrected step size."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= value < 1:
                raise ValueError("Invalid %s: %r (it must be in [0, 1))" % (name, value))
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    def create_state(self, index, weight):
        return {"t": 0, "mean": np.zeros_like(weight), "var": np.zeros_like(weight)}

    def update(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        state["t"] += 1
        t = state["t"]
        lr = self.learning_rate * lr_mult
        lr *= math.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)
        g = self._grad(grad, weight, self.wd * wd_mult)
        mean, var = state["mean"], state["var"]
        mean *= self.beta1
        mean += (1.0 - self.beta1) * g
        var *= self.beta2
        var += (1.0 - self.beta2) * (g * g)
        weight -= lr * mean / (np.sqrt(var) + self.epsilon)


_REGISTRY = {"sgd": SGD, "adam": Adam}


def create(name, **kwargs):
    """An optimizer by name: 'sgd' or 'adam'."""
    if isinstance(name, Optimizer):
        return name
    try:
        cls = _REGISTRY[str(name).lower()]
    except KeyError:
        raise ValueError("unknown optimizer %r; choose one of %s"
                         % (name, ", ".join(sorted(_REGISTRY)))) from None
    return cls(**kwargs)
