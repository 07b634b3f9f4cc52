"""Where MNIST-format files are looked for, in order, and which names count as the standard files.

Order: the ``root=`` given (authoritative: nothing else is searched, and a download goes there); else
``$BLOCKSTUDIO_DATA/<dataset>`` then the user's data folder ``<user data dir>/blockstudio/datasets/<dataset>``.
"""

import os

__all__ = ["DATASETS", "SPLITS", "find_mnist_folder", "default_data_folder", "search_folders",
           "find_split_files", "canonical_dataset"]

# The dataset names the app and the error messages use, with the folder each lives in.
DATASETS = {
    "mnist": {"title": "MNIST", "subdir": "mnist"},
    "fashion-mnist": {"title": "Fashion-MNIST", "subdir": "fashion-mnist"},
}

# Base names of the four standard files; on disk they may end in .gz or not.
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

ENV_DATA = "BLOCKSTUDIO_DATA"


def canonical_dataset(dataset):
    """``"mnist"`` or ``"fashion-mnist"`` from the spellings people use ("FashionMNIST", "fashion_mnist")."""
    key = str(dataset).lower().replace("_", "-").replace(" ", "-")
    key = {"fashionmnist": "fashion-mnist", "fashion": "fashion-mnist"}.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: expected one of {', '.join(map(repr, DATASETS))}")
    return key


def default_data_folder():
    """The per-user folder holding one subfolder per dataset, e.g. ``~/.local/share/blockstudio/datasets``."""
    try:
        # platformdirs is an app dependency, not a core one: core must import with numpy alone.
        from platformdirs import user_data_dir
    except ImportError:
        base = os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.join("~", ".local", "share"), "blockstudio")
    else:
        base = user_data_dir("blockstudio", appauthor=False)
    return os.path.join(os.path.expanduser(base), "datasets")


def search_folders(dataset="mnist", root=None):
    """The folders searched for ``dataset``, in order, as ``(folder, why)`` pairs; the first is where a
    download goes."""
    subdir = DATASETS[canonical_dataset(dataset)]["subdir"]
    if root is not None:
        root = os.path.abspath(os.path.expanduser(os.fspath(root)))
        # root= is Gluon's folder holding the files; a folder holding one subfolder per dataset works too.
        return [(root, "root="), (os.path.join(root, subdir), "root=")]
    folders = []
    env = os.environ.get(ENV_DATA)
    if env:
        folders.append((os.path.join(os.path.abspath(os.path.expanduser(env)), subdir), f"${ENV_DATA}"))
    folders.append((os.path.join(default_data_folder(), subdir), "user data folder"))
    return folders


def _find_file(folder, base):
    # The LeCun site's uncompressed files are sometimes renamed with a dot: train-images.idx3-ubyte.
    dotted = base.replace("-idx", ".idx")
    for name in (base + ".gz", base, dotted + ".gz", dotted):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def find_split_files(dataset="mnist", train=True, root=None):
    """``(images_path, labels_path)`` of the first searched folder holding both files, or None."""
    names = SPLITS["train" if train else "test"]
    for folder, _ in search_folders(dataset, root):
        paths = [_find_file(folder, base) for base in names]
        if all(paths):
            return tuple(paths)
    return None


def find_mnist_folder(dataset="mnist", root=None):
    """The first folder, in blockstudio's search order, holding all four files of ``dataset``; None if none.

    Never downloads and never reads the files, so the app can call it to decide what to offer.

    >>> find_mnist_folder("mnist", root="../shared/datasets")      # doctest: +SKIP
    '/work/shared/datasets/mnist'
    """
    for folder, _ in search_folders(dataset, root):
        if all(_find_file(folder, base) for names in SPLITS.values() for base in names):
            return folder
    return None
