"""Gluon's datasets: anything with ``__getitem__`` and ``__len__``, plus lazy transforms and views.

Besides Gluon's per-sample interface, a dataset may implement ``_get_batch(indices)``: the samples at
``indices`` already stacked along a new first axis, in the structure of one sample (a tuple of arrays
for ``(data, label)`` samples), with ``NDArray`` fields where a sample has ``NDArray`` and numpy arrays
where a sample has numpy values -- or None when it cannot. The DataLoader uses it, after checking that
it agrees with the per-sample path, to batch without a Python call per sample.
"""

import numpy as np

from ...ndarray import NDArray

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset"]


class Dataset:
    """Abstract dataset: subclasses implement ``__getitem__(idx)`` and ``__len__()``.

    >>> ds = SimpleDataset([1, 2, 3]).transform(lambda x: x * 10)
    >>> ds[2]
    30
    """

    def __getitem__(self, idx):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def _get_batch(self, indices):
        """Samples at ``indices`` (an int array) stacked, or None if this dataset cannot (see module doc)."""
        return None

    def transform(self, fn, lazy=True):
        """A dataset whose samples are ``fn(*sample)`` (``fn(sample)`` for non-tuple samples).

        With ``lazy=False`` every sample is transformed now and kept in a :class:`SimpleDataset`.

        >>> ds = ArrayDataset(np.arange(3), np.arange(3)).transform(lambda x, y: (x + y, y))
        >>> [int(x) for x, _ in ds]
        [0, 2, 4]
        """
        transformed = _LazyTransformDataset(self, fn)
        if lazy:
            return transformed
        return SimpleDataset([transformed[i] for i in range(len(transformed))])

    def transform_first(self, fn, lazy=True):
        """Like :meth:`transform`, but ``fn`` sees and replaces only the first element of each sample.

        >>> ds = ArrayDataset(np.arange(3), np.arange(3)).transform_first(lambda x: x * 2)
        >>> [(int(x), int(y)) for x, y in ds]
        [(0, 0), (2, 1), (4, 2)]
        """
        return self.transform(_TransformFirstClosure(fn), lazy)

    def filter(self, fn):
        """A view of the samples for which ``fn(sample)`` is true."""
        return _SampledDataset(self, [i for i in range(len(self)) if fn(self[i])])

    def take(self, count):
        """A view of the first ``count`` samples (all of them if ``count`` is None or larger)."""
        if count is None or count > len(self):
            count = len(self)
        if count < 0:
            raise ValueError(f"take(count) needs count >= 0, got {count}")
        return _SampledDataset(self, range(count))

    def shard(self, num_shards, index):
        """The ``index``-th of ``num_shards`` contiguous parts; the first ``len % num_shards`` get one more."""
        if not 0 <= index < num_shards:
            raise ValueError(f"shard index must be in [0, {num_shards}), got {index}")
        length = len(self)
        size, extra = divmod(length, num_shards)
        start = index * size + min(index, extra)
        end = start + size + (1 if index < extra else 0)
        return _SampledDataset(self, range(start, end))

    def sample(self, sampler):
        """A view of the samples at the indices ``sampler`` yields (drawn once, now)."""
        return _SampledDataset(self, list(sampler))


def _stack_field(field, indices):
    """``field[indices]`` for array-like fields, with the type a single sample of it would have."""
    if isinstance(field, NDArray):
        return NDArray(field._data[indices])
    if isinstance(field, np.ndarray):
        return field[indices]
    return None


class SimpleDataset(Dataset):
    """A dataset over any indexable object: a list, a numpy array, an ``NDArray``.

    >>> SimpleDataset([(1, 'a'), (2, 'b')])[1]
    (2, 'b')
    """

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]

    def _get_batch(self, indices):
        return _stack_field(self._data, indices)


class ArrayDataset(Dataset):
    """A dataset zipping equally long arrays: sample ``i`` is ``(a[i], b[i], ...)`` (``a[i]`` for one array).

    As in Gluon, a 1-D ``NDArray`` is turned into numpy so its samples are scalars.

    >>> ds = ArrayDataset(np.zeros((3, 2)), np.array([0, 1, 2]))
    >>> len(ds), int(ds[1][1])
    (3, 1)
    """

    def __init__(self, *args):
        if not args:
            raise ValueError("ArrayDataset needs at least one array")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise ValueError(f"all arrays must have the same length: array 0 has {self._length} "
                                 f"elements, array {i} has {len(data)}")
            if isinstance(data, NDArray) and len(data.shape) == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __len__(self):
        return self._length

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def _get_batch(self, indices):
        fields = [_stack_field(data, indices) for data in self._data]
        if any(f is None for f in fields):
            return None
        return fields[0] if len(fields) == 1 else tuple(fields)


class _LazyTransformDataset(Dataset):
    """``fn`` applied to each sample when it is read."""

    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)

    def _get_batch(self, indices):
        # Only worth trying on elementwise functions; the DataLoader checks the result on a real batch.
        item = self._data._get_batch(indices)
        if item is None:
            return None
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    """Picklable ``fn`` applied to the first element of a sample only."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    """A view of ``data`` at fixed ``indices``."""

    def __init__(self, data, indices):
        self._data = data
        self._indices = np.asarray(indices, dtype=np.intp).reshape(-1)

    def __len__(self):
        return len(self._indices)

    def __getitem__(self, idx):
        return self._data[int(self._indices[idx])]

    def _get_batch(self, indices):
        return self._data._get_batch(self._indices[indices])
