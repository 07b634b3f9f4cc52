"""Datasets, samplers and the DataLoader: Gluon's semantics, and the whole-batch path agreeing with them."""

import numpy as np
import pytest

from blockstudio.core import random as mx_random
from blockstudio.core.ndarray import NDArray
from blockstudio.core.gluon.data import (ArrayDataset, BatchSampler, DataLoader, Dataset, IntervalSampler,
                                         RandomSampler, SequentialSampler, SimpleDataset, default_batchify_fn)


def tutorial_transform(data, label):
    return data.astype(np.float32) / 255, label.astype(np.float32)


@pytest.fixture
def images():
    """A small MNIST-like dataset in memory: uint8 (N, 28, 28, 1) images in an NDArray, int32 labels."""
    gen = np.random.default_rng(0)
    x = gen.integers(0, 256, size=(50, 28, 28, 1), dtype=np.uint8)
    y = gen.integers(0, 10, size=50).astype(np.int32)
    return ArrayDataset(NDArray(x), y), x, y


def epoch(loader):
    return [[f.asnumpy() for f in b] if isinstance(b, list) else b.asnumpy() for b in loader]


def assert_same_epochs(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for fx, fy in zip(x, y):
            assert fx.dtype == fy.dtype and fx.shape == fy.shape
            np.testing.assert_array_equal(fx, fy)


# ----- datasets ------------------------------------------------------------------------------------

def test_array_dataset_samples_and_types(images):
    ds, x, y = images
    data, label = ds[3]
    assert isinstance(data, NDArray) and data.shape == (28, 28, 1)
    np.testing.assert_array_equal(data.asnumpy(), x[3])
    assert isinstance(label, np.int32) and label == y[3]
    assert len(ds) == 50


def test_array_dataset_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="array 0 has 3 elements, array 1 has 2"):
        ArrayDataset(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="at least one"):
        ArrayDataset()


def test_array_dataset_turns_1d_ndarray_into_numpy_scalars():
    ds = ArrayDataset(NDArray(np.arange(4, dtype=np.float32)))
    assert isinstance(ds[2], np.float32) and ds[2] == 2


def test_transform_and_transform_first(images):
    ds, x, y = images
    data, label = ds.transform(tutorial_transform)[5]
    assert data.dtype == np.float32 and isinstance(label, np.float32)
    np.testing.assert_allclose(data.asnumpy(), x[5] / 255, rtol=1e-6)
    first = ds.transform_first(lambda d: d.astype(np.float32))[5]
    assert first[0].dtype == np.float32 and first[1] == y[5] and isinstance(first[1], np.int32)
    eager = ds.transform(tutorial_transform, lazy=False)
    assert isinstance(eager, SimpleDataset) and len(eager) == 50
    np.testing.assert_array_equal(eager[7][0].asnumpy(), ds.transform(tutorial_transform)[7][0].asnumpy())


def test_views_take_shard_filter_sample():
    ds = SimpleDataset(list(range(10)))
    assert list(ds.take(3)) == [0, 1, 2] and len(ds.take(None)) == 10 and len(ds.take(99)) == 10
    assert [list(ds.shard(3, i)) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(ds.filter(lambda v: v % 3 == 0)) == [0, 3, 6, 9]
    assert list(ds.sample(IntervalSampler(10, 5))) == [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]
    with pytest.raises(ValueError, match="shard index"):
        ds.shard(3, 3)


def test_base_dataset_says_what_to_implement():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


# ----- samplers ------------------------------------------------------------------------------------

def test_samplers():
    assert list(SequentialSampler(4)) == [0, 1, 2, 3]
    assert list(SequentialSampler(3, start=5)) == [5, 6, 7]
    assert sorted(RandomSampler(20)) == list(range(20)) and len(RandomSampler(20)) == 20
    assert list(IntervalSampler(7, 3, rollover=False)) == [0, 3, 6]
    with pytest.raises(ValueError, match="length"):
        RandomSampler(-1)


class _PlainSampler:
    """A user-written sampler without blockstudio's array fast path."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("make", [SequentialSampler, _PlainSampler])
def test_batch_sampler_last_batch(make):
    assert list(BatchSampler(make(7), 3, "keep")) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(make(7), 3, "discard")) == [[0, 1, 2], [3, 4, 5]]
    roll = BatchSampler(make(7), 3, "rollover")
    assert len(roll) == 2
    assert list(roll) == [[0, 1, 2], [3, 4, 5]]
    assert len(roll) == 2                      # (1 left over + 7) // 3
    assert list(roll) == [[6, 0, 1], [2, 3, 4]]
    assert len(roll) == 3                      # (2 left over + 7) // 3
    assert list(roll) == [[5, 6, 0], [1, 2, 3], [4, 5, 6]]
    assert list(roll) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(make(7), 3, "keep")) == 3 and len(BatchSampler(make(7), 3, "discard")) == 2


def test_batch_sampler_rejects_bad_arguments():
    with pytest.raises(ValueError, match="last_batch must be one of 'keep', 'discard' or 'rollover', got 'drop'"):
        BatchSampler(SequentialSampler(4), 2, "drop")
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1, got 0"):
        BatchSampler(SequentialSampler(4), 0)


# ----- batchify and the DataLoader ---------------------------------------------------------------

def test_default_batchify_follows_gluon():
    batch = default_batchify_fn([(NDArray(np.zeros((2, 2), np.uint8)), np.int32(1)),
                                 (NDArray(np.ones((2, 2), np.uint8)), np.int32(2))])
    assert isinstance(batch, list) and len(batch) == 2
    assert batch[0].shape == (2, 2, 2) and batch[0].dtype == np.uint8
    assert batch[1].shape == (2,) and batch[1].dtype == np.int32
    assert default_batchify_fn([1.5, 2.5]).dtype == np.float64
    with pytest.raises(ValueError, match=r"sample 0 of the batch has shape \(2,\), sample 1 has \(3,\)"):
        default_batchify_fn([NDArray(np.zeros(2)), NDArray(np.zeros(3))])


def test_loader_batches_and_last_batch(images):
    ds, x, y = images
    keep = list(DataLoader(ds, 16))
    assert [b[0].shape[0] for b in keep] == [16, 16, 16, 2]
    data, label = keep[0]
    assert data.dtype == np.uint8 and data.shape == (16, 28, 28, 1)
    assert label.dtype == np.int32 and label.shape == (16,)
    np.testing.assert_array_equal(data.asnumpy(), x[:16])
    np.testing.assert_array_equal(keep[-1][1].asnumpy(), y[48:])
    assert len(DataLoader(ds, 16)) == 4 and len(DataLoader(ds, 16, last_batch="discard")) == 3
    assert [b[0].shape[0] for b in DataLoader(ds, 16, last_batch="discard")] == [16, 16, 16]
    roll = DataLoader(ds, 16, last_batch="rollover")
    assert len(list(roll)) == 3
    second = list(roll)                      # starts with the 2 samples left over from the first epoch
    np.testing.assert_array_equal(second[0][1].asnumpy()[:2], y[48:])


def test_loader_argument_errors(images):
    ds = images[0]
    with pytest.raises(ValueError, match="needs batch_size"):
        DataLoader(ds)
    with pytest.raises(ValueError, match="shuffle=True or sampler="):
        DataLoader(ds, 4, shuffle=True, sampler=SequentialSampler(len(ds)))
    with pytest.raises(ValueError, match="batch_size, shuffle must not be given"):
        DataLoader(ds, 4, shuffle=True, batch_sampler=BatchSampler(SequentialSampler(len(ds)), 4))
    with pytest.raises(ValueError, match="last_batch must be one of"):
        DataLoader(ds, 4, last_batch="partial")


def test_loader_with_sampler_and_batch_sampler(images):
    ds, x, _ = images
    backwards = list(range(49, -1, -1))
    first = next(iter(DataLoader(ds, 5, sampler=backwards)))
    np.testing.assert_array_equal(first[0].asnumpy(), x[49:44:-1])
    batches = DataLoader(ds, batch_sampler=[[3, 1], [4]])
    assert len(batches) == 2
    np.testing.assert_array_equal([b[0].asnumpy() for b in batches][0], x[[3, 1]])


def test_shuffle_repeats_with_the_seed_and_changes_between_epochs(images):
    ds = images[0]
    loader = DataLoader(ds, 10, shuffle=True)
    mx_random.seed(7)
    a1, a2 = epoch(loader), epoch(loader)
    mx_random.seed(7)
    b1 = epoch(loader)
    assert_same_epochs(a1, b1)
    assert not np.array_equal(a1[0][1], a2[0][1])
    seen = np.sort(np.concatenate([b[1] for b in a1]))
    np.testing.assert_array_equal(seen, np.sort(images[2]))


def test_whole_batch_path_matches_per_sample_path(images):
    ds = images[0].transform(tutorial_transform)
    fast, slow = DataLoader(ds, 16), DataLoader(ds, 16, vectorize=False)
    got = epoch(fast)
    assert fast._vectorized is True and slow._vectorized is False
    assert_same_epochs(got, epoch(slow))
    assert got[0][0].dtype == np.float32 and got[0][1].dtype == np.float32


def test_transform_first_is_vectorised_too(images):
    ds = images[0].transform_first(lambda d: d.astype(np.float32) / 255)
    fast = DataLoader(ds, 16)
    assert_same_epochs(epoch(fast), epoch(DataLoader(ds, 16, vectorize=False)))
    assert fast._vectorized is True


@pytest.mark.parametrize("transform", [
    lambda d, l: (d.astype(np.float32) - d.astype(np.float32).mean(), l),   # per-sample statistic
    lambda d, l: (d, l * 2 if l > 4 else l),                                  # Python branch on a label
    lambda d, l: (d.reshape((-1,)), l),                                       # per-sample shape
    lambda d, l: (d, int(l)),                                                 # Python scalar label
], ids=["mean", "branch", "reshape", "int"])
def test_non_elementwise_transforms_keep_gluon_semantics(images, transform):
    ds = images[0].transform(transform)
    fast = DataLoader(ds, 16)
    assert_same_epochs(epoch(fast), epoch(DataLoader(ds, 16, vectorize=False)))
    assert fast._vectorized is False


def test_custom_batchify_is_used_per_sample(images):
    calls = []

    def batchify(samples):
        calls.append(len(samples))
        return default_batchify_fn(samples)

    list(DataLoader(images[0], 20, batchify_fn=batchify))
    assert calls == [20, 20, 10]


def test_list_datasets_take_the_per_sample_path():
    ds = SimpleDataset([(np.float32(i), i % 3) for i in range(10)])
    batches = list(DataLoader(ds, 4))
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(batches[-1][1].asnumpy(), [2, 0])


def test_transform_errors_surface_unchanged(images):
    def broken(d, l):
        raise RuntimeError("my transform is broken")

    with pytest.raises(RuntimeError, match="my transform is broken"):
        list(DataLoader(images[0].transform(broken), 16))
