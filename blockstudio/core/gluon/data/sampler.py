"""Gluon's samplers: which indices a DataLoader reads, in which order, grouped into which batches.

Shuffling draws from blockstudio's shared generator, so ``mx.random.seed(n)`` makes an epoch's order repeat.
Built-in samplers also offer ``_epoch_indices()`` (the whole epoch as one int array) so batching them costs
one slice per batch instead of one Python step per index.
"""

import numpy as np

from ... import random as _random

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "IntervalSampler", "BatchSampler"]

_LAST_BATCH = ("keep", "discard", "rollover")


class Sampler:
    """Base class: ``__iter__`` yields indices (or batches of them), ``__len__`` counts them."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def _epoch_indices(self):
        return None


def _check_length(name, length):
    if not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"{name} needs a length that is a whole number >= 0, got {length!r}")
    return int(length)


class SequentialSampler(Sampler):
    """``start, start+1, ..., start+length-1`` in order.

    >>> list(SequentialSampler(3))
    [0, 1, 2]
    """

    def __init__(self, length, start=0):
        self._length = _check_length("SequentialSampler", length)
        self._start = int(start)

    def _epoch_indices(self):
        return np.arange(self._start, self._start + self._length)

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """``0 .. length-1`` in a fresh random order each epoch, drawn from blockstudio's seeded generator.

    >>> sorted(RandomSampler(3))
    [0, 1, 2]
    """

    def __init__(self, length):
        self._length = _check_length("RandomSampler", length)

    def _epoch_indices(self):
        return _random.get_generator().permutation(self._length)

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return self._length


class IntervalSampler(Sampler):
    """Every ``interval``-th index, then (with ``rollover``) the same from offsets 1, 2, ...

    >>> list(IntervalSampler(6, interval=3))
    [0, 3, 1, 4, 2, 5]
    """

    def __init__(self, length, interval, rollover=True):
        self._length = _check_length("IntervalSampler", length)
        if not 0 < interval <= max(self._length, 1):
            raise ValueError(f"interval must be in [1, length={self._length}], got {interval}")
        self._interval = int(interval)
        self._rollover = bool(rollover)

    def _epoch_indices(self):
        offsets = range(self._interval) if self._rollover else range(1)
        return np.concatenate([np.arange(i, self._length, self._interval) for i in offsets]
                              or [np.arange(0)])

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return len(self._epoch_indices())


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    ``last_batch`` says what happens to a final, smaller batch: ``'keep'`` it, ``'discard'`` it, or
    ``'rollover'`` its indices to the start of the next epoch.

    >>> list(BatchSampler(SequentialSampler(5), 2, 'keep'))
    [[0, 1], [2, 3], [4]]
    >>> list(BatchSampler(SequentialSampler(5), 2, 'discard'))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size, last_batch="keep"):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
        if last_batch not in _LAST_BATCH:
            raise ValueError(f"last_batch must be one of 'keep', 'discard' or 'rollover', got {last_batch!r}")
        self._sampler = sampler
        self._batch_size = int(batch_size)
        self._last_batch = last_batch
        self._prev = []

    def __iter__(self):
        for batch in self._iter_arrays():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def _iter_arrays(self):
        """The batches, as int arrays when the sampler can give its epoch as one (lists otherwise)."""
        epoch = getattr(self._sampler, "_epoch_indices", lambda: None)()
        if epoch is None:
            yield from self._iter_slow()
            return
        prev, self._prev = self._prev, []
        order = np.concatenate([np.asarray(prev, dtype=np.intp), epoch]) if prev else epoch
        size = self._batch_size
        full = len(order) // size * size
        for start in range(0, full, size):
            yield order[start:start + size]
        yield from self._finish(order[full:].tolist())

    def _iter_slow(self):
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        yield from self._finish(batch)

    def _finish(self, batch):
        if not batch:
            return
        if self._last_batch == "keep":
            yield batch
        elif self._last_batch == "rollover":
            self._prev = batch

    def __len__(self):
        if self._last_batch == "keep":
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == "discard":
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
