"""Optimizers (``mx.optimizer``): SGD with momentum and weight decay, Adam, and MXNet's
extension API, so that your own ``Optimizer`` subclass runs on the Trainer.

The extension API is MXNet's: ``create_state(index, weight)``, ``update(index, weight, grad,
state)`` on NDArrays, ``_update_count``, ``_get_lr``, ``_get_wd``, ``multi_precision`` (a float32
master copy of float16 weights) and ``Optimizer.register``.

>>> class MySGD(mx.optimizer.Optimizer):
...     def update(self, index, weight, grad, state):
...         self._update_count(index)
...         weight[:] = weight - self._get_lr(index) * grad * self.rescale_grad

The built-in SGD and Adam also have a numpy path that the Trainer uses when the class is not
overridden: updates in place, ``rescale_grad`` and ``lr`` folded into one multiplier, so a
plain SGD step costs one pass.
"""

import math
import warnings

import numpy as np

from .graph import wrap


class Optimizer:
    """Base class of optimizers; subclass it and implement ``update`` (and ``create_state``)."""

    opt_registry = {}

    def __init__(self, rescale_grad=1.0, param_idx2name=None, wd=0.0, clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None, **kwargs):
        if kwargs:
            raise TypeError("%s got unknown settings: %s"
                            % (type(self).__name__, ", ".join(sorted(kwargs))))
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        if learning_rate is not None and not learning_rate >= 0:
            raise ValueError("Invalid learning rate: %r (it must be zero or positive)"
                             % (learning_rate,))
        if not wd >= 0:
            raise ValueError("Invalid weight decay: %r (it must be zero or positive)" % (wd,))
        self.lr = None if learning_rate is None else float(learning_rate)
        if lr_scheduler is not None and learning_rate is not None:
            lr_scheduler.base_lr = self.lr
        self.wd = float(wd)
        self.rescale_grad = rescale_grad
        self.clip_gradient = clip_gradient
        self.lr_scheduler = lr_scheduler
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._index_update_count = {}
        self.multi_precision = multi_precision
        self.idx2name = dict(param_idx2name or {})
        self.param_dict = param_dict if param_dict else {}
        self.lr_mult = {}
        self.wd_mult = {}

    @staticmethod
    def register(klass):
        """Register an optimizer class under its lower-case name, for ``create(name)``."""
        Optimizer.opt_registry[klass.__name__.lower()] = klass
        return klass

    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined; "
                              "set_learning_rate works only without one.")
        if not lr >= 0:
            raise ValueError("Invalid learning rate: %r (it must be zero or positive)" % (lr,))
        self.lr = float(lr)

    def set_lr_mult(self, args_lr_mult):
        self.lr_mult = dict(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        self.wd_mult = {n: 0.0 for n in self.idx2name.values()
                        if not (n.endswith("_weight") or n.endswith("_gamma"))}
        self.wd_mult.update(args_wd_mult)

    # ----- MXNet's extension API (NDArrays) -------------------------------------------------
    def create_state(self, index, weight):
        """The state ``update`` needs for this weight (momentum, moments...), or None."""
        return None

    def create_state_multi_precision(self, index, weight):
        """``create_state``, with a float32 master copy first when ``multi_precision`` is on
        and the weight is float16."""
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (master, self.create_state(index, master))
        if weight.dtype == np.float16 and not self.multi_precision:
            warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy or "
                          "slow convergence. Consider using multi_precision=True option of the "
                          "optimizer")
        return self.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Update ``weight`` (an NDArray, in place) from ``grad`` and ``state``."""
        raise NotImplementedError("%s must implement update(index, weight, grad, state)"
                                  % type(self).__name__)

    def update_multi_precision(self, index, weight, grad, state):
        """``update``, through the float32 master copy for float16 weights."""
        if self.multi_precision and weight.dtype == np.float16:
            master, inner = state
            self.update(index, master, grad.astype(np.float32), inner)
            weight[:] = master.astype(np.float16)
        else:
            self.update(index, weight, grad, state)

    def _update_count(self, index):
        """Count one more update of ``index`` (an int or a list); ``num_update`` is the most."""
        for idx in index if isinstance(index, (list, tuple)) else [index]:
            count = self._index_update_count.get(idx, self.begin_num_update) + 1
            self._index_update_count[idx] = count
            self.num_update = max(count, self.num_update)

    def _get_lrs(self, indices):
        lr = self.learning_rate
        return [lr * self._mult(index, "lr_mult") for index in indices]

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        return [self.wd * self._mult(index, "wd_mult") for index in indices]

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    def _mult(self, index, kind):
        if index in self.param_dict:
            return getattr(self.param_dict[index], kind)
        table = getattr(self, kind)
        if index in table:
            return table[index]
        if index in self.idx2name:
            return table.get(self.idx2name[index], 1.0)
        return 1.0

    # ----- the numpy path the Trainer takes for the built-in optimizers ------------------------
    def _grad(self, grad, weight, wd):
        """rescale * grad (+ clipping) + wd * weight, as a new array (SGD's order)."""
        g = grad * self.rescale_grad
        if self.clip_gradient is not None:
            np.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        if wd:
            g += wd * weight
        return g

    def _create_state_np(self, index, weight):
        return None

    def _update_np(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        raise NotImplementedError

    def _update_all_np(self, items):
        """Update many parameters: ``items`` are (index, weight, grad, state, lr_mult, wd_mult)."""
        for item in items:
            self._update_np(*item)

    def get_states(self, states):
        return states

    def __repr__(self):
        return "%s(learning_rate=%s, wd=%s)" % (type(self).__name__, self.lr, self.wd)


def uses_numpy_path(optimizer):
    """True when the Trainer may run ``optimizer`` on numpy arrays directly: a built-in class
    whose extension methods nobody overrode, and no float16 master copies to keep."""
    cls = type(optimizer)
    native = _NATIVE.get(cls.update)
    return (native is not None and cls.create_state is native.create_state
            and cls.update_multi_precision is native.update_multi_precision
            and cls.create_state_multi_precision is native.create_state_multi_precision
            and not optimizer.multi_precision)


@Optimizer.register
class SGD(Optimizer):
    """``mom = momentum*mom - lr*(clip(grad) + wd*w); w += mom`` (plain ``w -= lr*grad``
    without momentum)."""

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= momentum < 1:
            raise ValueError("Invalid momentum: %r (it must be in [0, 1))" % (momentum,))
        self.momentum = float(momentum)

    def create_state(self, index, weight):
        if self.momentum == 0:
            return None
        return wrap(np.zeros_like(weight._data))

    def update(self, index, weight, grad, state):
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        self._step(weight._data, grad._data, None if state is None else state._data, lr, wd)

    # MXNet's SGD keeps (momentum, float32 master) in this order, unlike the base class.
    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (self.create_state(index, master), master)
        return super().create_state_multi_precision(index, weight)

    def update_multi_precision(self, index, weight, grad, state):
        if self.multi_precision and weight.dtype == np.float16:
            momentum, master = state
            self.update(index, master, grad.astype(np.float32), momentum)
            weight[:] = master.astype(np.float16)
        else:
            self.update(index, weight, grad, state)

    def _create_state_np(self, index, weight):
        return None if self.momentum == 0 else np.zeros_like(weight)

    def _update_all_np(self, items):
        if self.momentum or self.wd or self.clip_gradient is not None:
            return super()._update_all_np(items)
        # Plain SGD, the tutorial's: one tight loop, w -= (lr * rescale * lr_mult) * grad.
        # A Python float times a float32 array stays float32 (numpy's weak scalars).
        base = float(self.learning_rate * self.rescale_grad)
        for _, weight, grad, _, lr_mult, _ in items:
            weight -= (base * lr_mult) * grad
        return None

    def _update_np(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        self._step(weight, grad, state, self.learning_rate * lr_mult, self.wd * wd_mult)

    def _step(self, weight, grad, state, lr, wd):
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


@Optimizer.register
class Adam(Optimizer):
    """Adam (Kingma & Ba) with MXNet's bias-corrected step size. As in MXNet, weight decay is
    added to the gradient before it is clipped."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= value < 1:
                raise ValueError("Invalid %s: %r (it must be in [0, 1))" % (name, value))
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    def create_state(self, index, weight):
        return (wrap(np.zeros_like(weight._data)), wrap(np.zeros_like(weight._data)))

    def update(self, index, weight, grad, state):
        self._update_count(index)
        t = self._index_update_count[index]
        self._step(weight._data, grad._data, state[0]._data, state[1]._data, t,
                   self._get_lr(index), self._get_wd(index))

    def _create_state_np(self, index, weight):
        return {"t": 0, "mean": np.zeros_like(weight), "var": np.zeros_like(weight)}

    def _update_np(self, index, weight, grad, state, lr_mult=1.0, wd_mult=1.0):
        state["t"] += 1
        self._step(weight, grad, state["mean"], state["var"], state["t"],
                   self.learning_rate * lr_mult, self.wd * wd_mult)

    def _step(self, weight, grad, mean, var, t, lr, wd):
        lr *= math.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)
        g = grad * self.rescale_grad
        if wd:
            g += wd * weight
        if self.clip_gradient is not None:
            np.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        mean *= self.beta1
        mean += (1.0 - self.beta1) * g
        var *= self.beta2
        var += (1.0 - self.beta2) * (g * g)
        weight -= lr * mean / (np.sqrt(var) + self.epsilon)


_NATIVE = {SGD.update: SGD, Adam.update: Adam}

register = Optimizer.register


def create(name, **kwargs):
    """An optimizer by name ('sgd', 'adam', or any registered class), or the instance given."""
    if isinstance(name, Optimizer):
        return name
    try:
        cls = Optimizer.opt_registry[str(name).lower()]
    except KeyError:
        raise ValueError("unknown optimizer %r; choose one of %s"
                         % (name, ", ".join(sorted(Optimizer.opt_registry)))) from None
    return cls(**kwargs)
