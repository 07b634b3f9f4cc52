"""``mx.lr_scheduler``: learning rates that change with the number of updates, as in MXNet 1.x.

A scheduler is called with the update count (1 at the first update) and returns the rate.
Give one to an optimizer: ``Trainer(params, "sgd", {"learning_rate": 0.05,
"lr_scheduler": FactorScheduler(step=700, factor=0.1)})`` drops the rate tenfold after 700 updates.

>>> s = FactorScheduler(step=3, factor=0.5, base_lr=0.1)
>>> [s(n) for n in (1, 3, 4, 7)]
[0.1, 0.1, 0.05, 0.025]
"""

import math

__all__ = ["LRScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler", "CosineScheduler"]


class LRScheduler:
    """Base: ``base_lr``, and an optional warm-up from ``warmup_begin_lr`` over ``warmup_steps``
    updates ("linear" rises to ``base_lr``; "constant" stays at ``warmup_begin_lr``)."""

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        self.base_lr = base_lr
        if not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise ValueError("warmup_steps must be a whole number of updates, 0 or more (got %r)"
                             % (warmup_steps,))
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if self.warmup_begin_lr > self.warmup_final_lr:
            raise ValueError("Base lr has to be higher than warmup_begin_lr (got %r and %r)"
                             % (base_lr, warmup_begin_lr))
        if warmup_mode not in ("linear", "constant"):
            raise ValueError("Supports only linear and constant modes of warmup (got %r)" % (warmup_mode,))
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        assert num_update < self.warmup_steps
        if self.warmup_mode == "linear":
            increase = (self.warmup_final_lr - self.warmup_begin_lr) * float(num_update) / float(self.warmup_steps)
            return self.warmup_begin_lr + increase
        return self.warmup_begin_lr

    def __call__(self, num_update):
        raise NotImplementedError("%s must implement __call__(num_update)" % type(self).__name__)


class FactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` every ``step`` updates, never below ``stop_factor_lr``."""

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ValueError("Schedule step must be greater or equal than 1 round (got %r)" % (step,))
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce (got %r)" % (factor,))
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` after each update count in the increasing list ``step``."""

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(step, (list, tuple)) or not step:
            raise ValueError("step must be a non-empty list of update counts (got %r)" % (step,))
        for i, value in enumerate(step):
            if i and step[i] <= step[i - 1]:
                raise ValueError("Schedule step must be an increasing integer list (got %r)" % (step,))
            if value < 1:
                raise ValueError("Schedule step must be greater or equal than 1 round (got %r)" % (step,))
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce (got %r)" % (factor,))
        self.step = list(step)
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.count = self.step[self.cur_step_ind]
                self.cur_step_ind += 1
                self.base_lr *= self.factor
            else:
                return self.base_lr
        return self.base_lr


class _Decay(LRScheduler):
    def __init__(self, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(max_update, int) or max_update < 1:
            raise ValueError("maximum number of updates must be strictly positive (got %r)" % (max_update,))
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            done = float(num_update - self.warmup_steps) / float(self.max_steps)
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * self._shape(done)
        return self.base_lr


class PolyScheduler(_Decay):
    """From ``base_lr`` to ``final_lr`` over ``max_update`` updates along ``(1 - t) ** pwr``."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        self.power = pwr

    def _shape(self, done):
        return pow(1 - done, self.power)


class CosineScheduler(_Decay):
    """From ``base_lr`` to ``final_lr`` over ``max_update`` updates along half a cosine."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)

    def _shape(self, done):
        return (1 + math.cos(math.pi * done)) / 2
