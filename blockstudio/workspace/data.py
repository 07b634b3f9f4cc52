"""Where the app finds MNIST, and the batch that "Pass one batch" sends through the network.

Search order: ``$BLOCKSTUDIO_DATA``, ``../shared/datasets`` beside a source checkout, then the
user's data folder -- unless the project's ``data_dir`` setting names a folder: then only that
one, as Gluon's ``root=`` (a chosen folder that lacks the files is reported, not replaced). The app never downloads behind the
user's back: without files, "Pass one batch" uses random numbers of the input's shape.

>>> find_data_folder("mnist")                                     # doctest: +SKIP
'/work/shared/datasets/mnist'
"""

import math
import os
from pathlib import Path

import numpy as np

ENV_DATA = "BLOCKSTUDIO_DATA"


def checkout_datasets_folder():
    """``<checkout>/../shared/datasets`` when running from a source checkout (it may not exist)."""
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "datasets"


def candidate_roots(data_dir=None):
    """The roots searched, in order, as ``(folder, why)`` pairs."""
    from blockstudio.core.gluon.data.vision.locate import default_data_folder

    if data_dir:
        return [(os.path.expanduser(data_dir), "the project's data folder setting")]
    roots = []
    if os.environ.get(ENV_DATA):
        roots.append((os.path.expanduser(os.environ[ENV_DATA]), f"${ENV_DATA}"))
    roots.append((str(checkout_datasets_folder()), "the shared datasets beside the source checkout"))
    roots.append((default_data_folder(), "the user data folder"))
    return roots


def find_data_folder(dataset="mnist", data_dir=None):
    """The folder holding all four files of ``dataset``, or None when none of the roots has them."""
    from blockstudio.core.gluon.data.vision import find_mnist_folder

    for root, _ in candidate_roots(data_dir):
        if os.path.isdir(root):
            folder = find_mnist_folder(dataset, root=root)
            if folder:
                return folder
    return None


def not_found_message(dataset="mnist", data_dir=None):
    title = "Fashion-MNIST" if dataset == "fashion-mnist" else "MNIST"
    looked = "; ".join(f"{root} ({why})" for root, why in candidate_roots(data_dir))
    return (f"{title} files not found (looked in: {looked}). Set the data folder in the training settings "
            f"to a folder holding the four {title} .gz files, or set ${ENV_DATA}.")


def dataset_title(dataset):
    """``"MNIST"`` or ``"Fashion-MNIST"``: how the app names a dataset to the user."""
    return "Fashion-MNIST" if dataset == "fashion-mnist" else "MNIST"


IMAGE_SHAPE = (28, 28, 1)  # one MNIST or Fashion-MNIST image as the loader gives it


def input_shape_problem(input_shape, dataset="mnist"):
    """Why the Input shape cannot take the dataset's images, or None when it can.

    Checked before a run starts: an Input of ``(64, 28, 28, 3)`` used to fail inside the first
    Dense layer with advice about ``in_units`` that did not apply.

    >>> input_shape_problem((64, 28, 28, 3))  # doctest: +ELLIPSIS
    'The Input shape (64, 28, 28, 3) does not match the MNIST images: ...'
    """
    shape = tuple(int(d) for d in input_shape)
    per_image = math.prod(shape[1:])
    want = math.prod(IMAGE_SHAPE)
    if per_image == want:
        return None
    title = dataset_title(dataset)
    batch = shape[0] if shape else 64
    return (f"The Input shape {shape} does not match the {title} images: each {title} image is "
            f"28x28 pixels with 1 channel, {want} values, but the Input shape holds {per_image} values "
            f"per image. Set the Input shape to {batch}, 28, 28, 1 (click the Input card).")


def dataset_class(dataset):
    from blockstudio.core.gluon.data import vision

    return vision.FashionMNIST if dataset == "fashion-mnist" else vision.MNIST


# The data sets of the last run stay open: the core's reader caches decoded files only while
# someone holds them, and each new run (Train from Scratch, a re-run) re-read 55 MB of gzip
# for about a second. One pair per data set and folder; about 55 MB for MNIST.
_open_sets = {}


def open_datasets(dataset, folder, channels_first=False):
    """``(train, test)`` datasets with the tutorial's transform (images channels first for a network
    with a Conv2D); reused while the files are unchanged."""
    import os

    cls = dataset_class(dataset)
    key = (dataset, os.path.abspath(folder), channels_first)
    stamp = tuple((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                  for entry in sorted(os.scandir(folder), key=lambda e: e.name) if entry.is_file())
    cached = _open_sets.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    chosen = transform_channels_first if channels_first else transform
    pair = (cls(root=folder, train=True, transform=chosen, download=False),
            cls(root=folder, train=False, transform=chosen, download=False))
    _open_sets.clear()
    _open_sets[key] = (stamp, pair)
    return pair


def transform(data, label):
    """The tutorial's transform: pixels to float32 in [0, 1], labels to float32."""
    return data.astype(np.float32) / 255, label.astype(np.float32)


def transform_channels_first(data, label):
    """The transform for a network with a Conv2D: as ``transform``, then the channels axis first,
    (28, 28, 1) -> (1, 28, 28), as the Gluon tutorials do it (for one image or a whole batch)."""
    from blockstudio.core import nd

    data, label = transform(data, label)
    return nd.moveaxis(data, -1, -3), label


_test_images = {}


def sample_batch(input_shape, dataset="mnist", data_dir=None):
    """``(NDArray batch, description)``: the first test images when found, else random numbers.

    Real images are used when the input holds as many values per sample as an image (784),
    reshaped to the input shape.
    """
    from blockstudio.core import nd
    from blockstudio.core import random as core_random

    batch, per_sample = input_shape[0], math.prod(input_shape[1:])
    folder = find_data_folder(dataset, data_dir) if per_sample == 28 * 28 else None
    problem = None
    if folder is not None and (folder, dataset) not in _test_images:
        try:
            _test_images[folder, dataset] = dataset_class(dataset)(root=folder, train=False, download=False)
        except (OSError, ValueError) as error:  # damaged files: say so, and still show shapes
            problem = f"the files in {folder} could not be read: {error}"
            folder = None
    if folder is not None:
        test = _test_images[folder, dataset]
        count = min(batch, len(test))
        images = np.stack([test[i][0].asnumpy() for i in range(count)]).astype(np.float32) / 255
        name = dataset_title(dataset)
        shape = (count,) + tuple(input_shape[1:])
        return nd.array(images.reshape(shape)), f"{count} {name} test images from {folder}"
    values = core_random.get_generator().uniform(0.0, 1.0, size=tuple(input_shape)).astype(np.float32)
    if per_sample != 28 * 28:
        why = f"the input is not 28x28 images ({per_sample} values)"
    elif problem:
        why = problem
    else:
        why = "MNIST not found" + (f" in {data_dir}" if data_dir else "")
    return nd.array(values), f"random numbers of shape {tuple(input_shape)} ({why})"
