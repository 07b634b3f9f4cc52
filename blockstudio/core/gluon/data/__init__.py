"""Gluon's data API: datasets, samplers, the DataLoader, and MNIST / Fashion-MNIST in ``vision``.

>>> from blockstudio.core import gluon
>>> loader = gluon.data.DataLoader(gluon.data.vision.MNIST(train=False), 64)   # doctest: +SKIP
"""

from .dataset import Dataset, SimpleDataset, ArrayDataset
from .sampler import Sampler, SequentialSampler, RandomSampler, IntervalSampler, BatchSampler
from .dataloader import DataLoader, default_batchify_fn
from . import vision

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "Sampler", "SequentialSampler", "RandomSampler",
           "IntervalSampler", "BatchSampler", "DataLoader", "default_batchify_fn", "vision"]
