"""The images the inspection views read: a split of MNIST (or Fashion-MNIST) as plain arrays.

Views and evaluations want the whole test set at once, not a DataLoader: the images stay
``uint8`` ``(N, 28, 28, 1)`` as the files hold them, and ``as_input`` turns a slice into what
the network was trained on (the tutorial's transform: float32 in [0, 1]). A split is read once
per folder and kept, so opening a view twice costs nothing.

>>> split = load_split("mnist", "/work/shared/datasets/mnist", train=False)   # doctest: +SKIP
>>> split.images.shape, split.labels[:3]                                      # doctest: +SKIP
((10000, 28, 28, 1), array([7, 2, 1]))
"""

import threading
from dataclasses import dataclass

import numpy as np

CLASS_NAMES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"),
}


@dataclass(frozen=True)
class Split:
    """One split of a dataset: ``images`` uint8 (N, 28, 28, 1), ``labels`` int64 (N,)."""

    dataset: str
    train: bool
    images: np.ndarray
    labels: np.ndarray
    folder: str

    def __len__(self):
        return len(self.labels)

    @property
    def class_names(self):
        return CLASS_NAMES.get(self.dataset, CLASS_NAMES["mnist"])

    def take(self, count):
        """The first ``count`` images (quick checks, like ``--limit``)."""
        return Split(self.dataset, self.train, self.images[:count], self.labels[:count], self.folder)


def as_input(images):
    """uint8 images to the network's input: float32 in [0, 1], the training transform's range."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        out = images.astype(np.float32)
        out *= np.float32(1.0 / 255)
        return out
    return images.astype(np.float32, copy=False)


def takes_channels_first(net):
    """True when ``net`` reads images channels first (N, C, H, W): it has a layer whose kind says
    so (a Conv2D, a pooling layer), the same rule ``workspace.shapes.network_input_shape`` uses."""
    from blockstudio.workspace.layers import KINDS

    nchw = {kind.block or kind.name for kind in KINDS.values() if kind.channels_first}
    return any(type(net[i]).__name__ in nchw for i in range(len(net)))


def network_input(net, images):
    """``as_input(images)`` laid out as ``net`` reads them: (N, 28, 28, 1) images become
    (N, 1, 28, 28) for a network with a Conv2D, as the training transform gives them."""
    x = as_input(images)
    if x.ndim == 4 and takes_channels_first(net):
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


_cache = {}
_cache_lock = threading.Lock()


def load_split(dataset, folder, train=False):
    """Read (once per folder) the train or test split in ``folder``; raises OSError/ValueError."""
    from blockstudio.workspace.data import dataset_class

    key = (dataset, str(folder), bool(train))
    with _cache_lock:
        if key not in _cache:
            source = dataset_class(dataset)(root=str(folder), train=train, download=False)
            images, labels = source._get_batch(slice(None))
            _cache[key] = Split(dataset, bool(train), images.asnumpy(), np.asarray(labels, dtype=np.int64),
                                source.root)
        return _cache[key]


def find_split(settings, train=False):
    """The split the project's training settings point at, or None when its files are not found."""
    from blockstudio.workspace.data import find_data_folder

    folder = find_data_folder(settings.dataset, settings.data_dir)
    return None if folder is None else load_split(settings.dataset, folder, train)


def preview(split, label=None, start=0, count=64):
    """Indices of the images to show in the dataset preview: all, or those of one class, paged.

    Returns ``(indices, total)``: up to ``count`` indices from position ``start`` of the
    filtered list, and how many images the filter keeps in all.
    """
    if label is None:
        total = len(split)
        return np.arange(start, min(start + count, total)), total
    matching = np.flatnonzero(split.labels == int(label))
    return matching[start:start + count], len(matching)
