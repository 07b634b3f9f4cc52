"""The engine's single source of randomness, so that ``mx.random.seed(n)`` makes runs repeat.

Initializers, dropout, ``nd.random.*`` and DataLoader shuffling all draw from it.
"""

import numpy as np

_generator = np.random.default_rng()


def seed(seed_state, ctx="all"):
    """Seed every random draw of the engine.

    >>> import blockstudio.core as mx
    >>> mx.random.seed(42)
    """
    global _generator
    try:
        value = int(seed_state)
    except (TypeError, ValueError):
        raise ValueError("seed must be a whole number, got %r" % (seed_state,)) from None
    if value < 0:
        raise ValueError("seed must be zero or positive, got %d" % value)
    _generator = np.random.default_rng(value)


class isolated:
    """Draw from a generator seeded with ``seed_state`` inside the ``with`` block; the shared
    generator (and so every later draw) is exactly as it was before.

    >>> import blockstudio.core as mx
    >>> with mx.random.isolated(42):
    ...     pass
    """

    def __init__(self, seed_state):
        self._seed = seed_state

    def __enter__(self):
        global _generator
        self._saved = _generator
        seed(self._seed)
        return _generator

    def __exit__(self, *exc):
        global _generator
        _generator = self._saved
        return False


def get_generator():
    """The shared ``numpy.random.Generator``; draw from this, never from ``np.random``."""
    return _generator


def uniform(low=0.0, high=1.0, shape=(1,), dtype="float32", ctx=None, out=None):
    from .nd.random import uniform as _uniform
    return _uniform(low, high, shape, dtype, ctx, out)


def normal(loc=0.0, scale=1.0, shape=(1,), dtype="float32", ctx=None, out=None):
    from .nd.random import normal as _normal
    return _normal(loc, scale, shape, dtype, ctx, out)
