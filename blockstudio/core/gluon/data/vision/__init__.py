"""MNIST-format vision datasets, read from checked idx files found locally or fetched from public mirrors.

>>> from blockstudio.core.gluon.data.vision import MNIST, find_mnist_folder
>>> folder = find_mnist_folder("mnist")           # None when no folder holds the four files
"""

from .idx import DatasetFileError, read_idx
from .datasets import MNIST, FashionMNIST, DatasetNotFoundError
from .download import DownloadError
from .locate import find_mnist_folder, default_data_folder

__all__ = ["MNIST", "FashionMNIST", "DatasetFileError", "DatasetNotFoundError", "DownloadError",
           "find_mnist_folder", "default_data_folder", "read_idx"]
