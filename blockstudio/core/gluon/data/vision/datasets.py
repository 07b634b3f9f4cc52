"""Gluon's ``vision.MNIST`` and ``vision.FashionMNIST``, over checked files found or fetched by blockstudio."""

import os

import numpy as np

from ....ndarray import NDArray
from ..dataset import Dataset
from .download import DownloadError, fetch, mirrors_for, MIRRORS_ENV
from .idx import read_idx_pair
from .locate import DATASETS, ENV_DATA, SPLITS, find_split_files, search_folders

__all__ = ["MNIST", "FashionMNIST", "DatasetNotFoundError"]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset's files are in none of the folders searched, and downloading them failed or was off."""


class MNIST(Dataset):
    """MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28, labels 0-9.

    ``dataset[i]`` is ``(image, label)``: an ``NDArray`` uint8 of shape ``(28, 28, 1)`` and a numpy
    int32 scalar, or whatever ``transform(image, label)`` returns. Files are looked for in ``root``
    (the folder holding them, or one holding a ``mnist/`` subfolder); without ``root``, in
    ``$BLOCKSTUDIO_DATA/mnist`` and then the user's data folder. Missing files are downloaded into the
    first of those folders unless ``download=False``; ``progress(filename, done, total)`` reports bytes.
    The pixels are shared, read-only, between datasets opened on the same files: a transform returns
    new arrays (as the tutorial's does) rather than writing into the one it is given.

    >>> def transform(data, label):
    ...     return data.astype(np.float32) / 255, label.astype(np.float32)
    >>> train = MNIST(train=True, transform=transform)              # doctest: +SKIP
    >>> train[0][0].shape, len(train)                               # doctest: +SKIP
    ((28, 28, 1), 60000)
    """

    _dataset = "mnist"
    _num_classes = 10

    def __init__(self, root=None, train=True, transform=None, *, download=True, progress=None):
        self._train = bool(train)
        self._transform = transform
        images_path, labels_path = self._locate(root, download, progress)
        images, labels = read_idx_pair(images_path, labels_path, num_classes=self._num_classes)
        self._root = os.path.dirname(images_path)
        self._files = (images_path, labels_path)
        self._source = (images, labels)          # keeps the shared parsed arrays alive while we exist
        self._images = images[..., np.newaxis]   # (N, rows, cols, 1) as Gluon gives it; a view, no copy
        self._data = NDArray(self._images)
        self._label = labels.astype(np.int32)
        self._label.flags.writeable = False

    @property
    def root(self):
        """The folder the files were read from."""
        return self._root

    @property
    def files(self):
        """``(images_path, labels_path)`` actually read."""
        return self._files

    def __len__(self):
        return len(self._label)

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(NDArray(self._images[idx]), self._label[idx])
        return NDArray(self._images[idx]), self._label[idx]

    def _get_batch(self, indices):
        data, label = NDArray(self._images[indices]), self._label[indices]
        if self._transform is not None:
            return self._transform(data, label)
        return data, label

    def __repr__(self):
        split = "train" if self._train else "test"
        return f"{type(self).__name__}(root={self._root!r}, train={self._train}) <{len(self)} {split} samples>"

    def _locate(self, root, download, progress):
        found = find_split_files(self._dataset, self._train, root)
        if found:
            return found
        folders = search_folders(self._dataset, root)
        target = folders[0][0]
        split = "train" if self._train else "test"
        names = SPLITS[split]
        problem = None
        if download:
            try:
                paths = []
                for base in names:
                    existing = [os.path.join(target, n) for n in (base + ".gz", base)
                                if os.path.isfile(os.path.join(target, n))]
                    paths.append(existing[0] if existing else fetch(self._dataset, base + ".gz", target, progress))
                return tuple(paths)
            except DownloadError as err:
                problem = str(err)
        raise DatasetNotFoundError(self._not_found_message(folders, split, problem))

    def _not_found_message(self, folders, split, problem):
        title = DATASETS[self._dataset]["title"]
        subdir = DATASETS[self._dataset]["subdir"]
        files = " and ".join(f"{n}.gz" for n in SPLITS[split])
        looked = "\n".join(f"  - {folder}  ({why})" for folder, why in dict.fromkeys(folders))
        lines = [f"{title} {split} files ({files}) not found. Looked in:", looked]
        if problem:
            lines.append(f"Downloading them failed: {problem}")
            lines.append(f"(mirrors: {', '.join(mirrors_for(self._dataset))}; "
                         f"set {MIRRORS_ENV[self._dataset]} to use others)")
        else:
            lines.append("Downloading was turned off (download=False).")
        lines.append(
            "To use files you already have: pass root='<folder holding them>', or set "
            f"{ENV_DATA} to a folder holding a '{subdir}' subfolder with them, or pick the folder in the app.")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): clothing images in MNIST's format and sizes, 10 classes.

    Same arguments as :class:`MNIST`; files are looked for in ``root``, ``$BLOCKSTUDIO_DATA/fashion-mnist``
    and the user's data folder.

    >>> test = FashionMNIST(train=False)                            # doctest: +SKIP
    """

    _dataset = "fashion-mnist"
