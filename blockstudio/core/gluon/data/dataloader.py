"""Gluon's DataLoader: batches of ``NDArray`` from a dataset, a sampler and a batchify function.

The tutorial's loader applies a Python transform to each of 60,000 samples per epoch, which costs far
more than the training step it feeds. When the dataset can hand over whole batches (``_get_batch``) and
the default batchify is in use, the loader applies the dataset's transforms to the whole batch at once --
but only after checking, on the first batch of each epoch, that doing so gives exactly what the
per-sample path gives (same structure, types, shapes, dtypes and values). A transform that is not
elementwise (per-sample statistics, random augmentation, Python branching on a label) fails that check
or raises, and the loader silently keeps Gluon's per-sample path.
"""

import numpy as np

from ...ndarray import NDArray
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_batchify_fn"]


def default_batchify_fn(data):
    """Stack a list of samples into a batch, as Gluon does.

    ``NDArray`` samples are stacked into one ``NDArray``; tuples are batched field by field into a list;
    anything else goes through ``numpy.asarray`` and keeps its dtype.

    >>> x, y = default_batchify_fn([(NDArray(np.zeros(2)), 0), (NDArray(np.ones(2)), 1)])
    >>> x.shape, y.shape
    ((2, 2), (2,))
    """
    first = data[0]
    if isinstance(first, NDArray):
        arrays = [d._data for d in data]
        try:
            return NDArray(np.stack(arrays))
        except ValueError:
            raise ValueError(_shape_mismatch(arrays)) from None
    if isinstance(first, tuple):
        return [default_batchify_fn(field) for field in zip(*data)]
    try:
        return NDArray(np.asarray(data))
    except ValueError:
        raise ValueError(_shape_mismatch([np.asarray(d) for d in data])) from None


def _shape_mismatch(arrays):
    first = np.shape(arrays[0])
    i = next((i for i, a in enumerate(arrays) if np.shape(a) != first), 0)
    return (f"cannot batch samples of different shapes: sample 0 of the batch has shape {first}, "
            f"sample {i} has {np.shape(arrays[i])}; make the dataset's transform give every sample the "
            "same shape, or pass DataLoader(batchify_fn=...) to combine them yourself")


class DataLoader:
    """Iterates over ``dataset`` in batches: ``for data, label in DataLoader(dataset, 64, shuffle=True)``.

    As in Gluon: give ``batch_size`` (with optional ``shuffle``, ``sampler``, ``last_batch`` in
    ``'keep'|'discard'|'rollover'``) or a ``batch_sampler`` yielding lists of indices, not both.
    ``batchify_fn`` combines a list of samples into a batch (default: stack into ``NDArray``).
    ``num_workers``, ``pin_memory``, ``prefetch``, ``thread_pool`` and ``timeout`` are accepted for
    compatibility; loading runs in the calling thread, where batching whole arrays is faster than workers.
    ``vectorize=False`` turns off whole-batch transforms (see the module notes).

    >>> loader = DataLoader(ArrayDataset(np.arange(10.0), np.arange(10)), batch_size=4)
    >>> [tuple(x.shape) for x, y in loader]
    [(4,), (4,), (2,)]
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=True, *,
                 vectorize=True):
        # auto_reload (MXNet 1.9: restart worker processes each epoch) means nothing here:
        # batches are made in this process. Accepted so Gluon code runs unchanged.
        self._dataset = dataset
        if batch_sampler is None:
            if batch_size is None:
                raise ValueError("DataLoader needs batch_size (how many samples per batch), "
                                 "unless you give batch_sampler=")
            if sampler is None:
                sampler = RandomSampler(len(dataset)) if shuffle else SequentialSampler(len(dataset))
            elif shuffle:
                raise ValueError("give either shuffle=True or sampler=, not both: the sampler decides the "
                                 "order (use RandomSampler for a shuffled one)")
            batch_sampler = BatchSampler(sampler, batch_size, "keep" if last_batch is None else last_batch)
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            given = [name for name, value in (("batch_size", batch_size), ("shuffle", shuffle),
                                              ("sampler", sampler), ("last_batch", last_batch))
                     if value is not None and value is not False]
            raise ValueError(f"batch_sampler= decides the batches, so {', '.join(given)} must not be given "
                             "with it; build the BatchSampler with those settings instead")
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        self._batch_sampler = batch_sampler
        self._batchify_fn = default_batchify_fn if batchify_fn is None else batchify_fn
        self._num_workers = num_workers
        # None: not yet known; False: the per-sample path must be used; True: whole batches are fine.
        self._vectorized = None if (vectorize and batchify_fn is None) else False

    def __len__(self):
        return len(self._batch_sampler)

    def __iter__(self):
        checked = False
        # Our BatchSampler can hand over index arrays, sparing a list round trip per batch.
        sampler = self._batch_sampler
        batches = sampler._iter_arrays() if isinstance(sampler, BatchSampler) else iter(sampler)
        for indices in batches:
            if self._vectorized is False:
                yield self._per_sample(indices)
            elif not checked:
                # The first batch of every epoch goes both ways; the per-sample result is the one yielded.
                batch = self._per_sample(indices)
                self._vectorized = _same_batch(batch, self._whole_batch(indices))
                checked = True
                yield batch
            else:
                batch = self._whole_batch(indices)
                if batch is None:
                    self._vectorized = False
                    batch = self._per_sample(indices)
                yield batch

    def _per_sample(self, indices):
        dataset = self._dataset
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()           # datasets get Python ints, as in Gluon
        return self._batchify_fn([dataset[i] for i in indices])

    def _whole_batch(self, indices):
        try:
            if not isinstance(indices, np.ndarray):
                indices = np.asarray(indices, dtype=np.intp)
            item = self._dataset._get_batch(indices)
            if item is None:
                return None
            return _as_batch(item)
        except Exception:
            # Whatever breaks here (a transform branching on one label, say) the per-sample path handles
            # as Gluon would, raising the user's own error if there is one.
            return None


def _as_batch(item):
    """What default_batchify_fn gives for samples shaped like ``item``, when ``item`` is them stacked."""
    if isinstance(item, NDArray):
        return item
    if isinstance(item, (tuple, list)):
        return [_as_batch(field) for field in item]
    return NDArray(np.asarray(item))


def _same_batch(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same_batch(x, y) for x, y in zip(a, b))
    if not (isinstance(a, NDArray) and isinstance(b, NDArray)):
        return False
    x, y = a._data, b._data
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if np.issubdtype(x.dtype, np.inexact):
        # One SIMD loop over a batch may round differently from several over single samples, by an ulp.
        return bool(np.allclose(x, y, rtol=4 * np.finfo(x.dtype).eps, atol=0, equal_nan=True))
    return bool(np.array_equal(x, y))
