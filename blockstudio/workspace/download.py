"""Getting MNIST or Fashion-MNIST for a newcomer: which folder, how big, and the download itself.

The bytes go through the core's checked downloader (``gluon.data.vision.download.fetch``:
mirrors in order, MD5 verified, renamed into place only when complete), one file at a time,
skipping files already there. Progress and cancelling go through one callback, so the app can
run this on a worker thread and stop it between any two chunks; a cancelled or failed download
leaves no partial file behind.

>>> folder = download_folder("mnist")                            # doctest: +SKIP
>>> download_dataset("mnist", folder, progress=lambda done, total: None)   # doctest: +SKIP
"""

import os

# Bytes of the published .gz files: the weights of an overall progress bar (a test mirror may
# serve other sizes; then the fraction of each file still moves the bar in the right steps).
FILE_SIZES = {
    "mnist": {"train-images-idx3-ubyte.gz": 9912422, "train-labels-idx1-ubyte.gz": 28881,
              "t10k-images-idx3-ubyte.gz": 1648877, "t10k-labels-idx1-ubyte.gz": 4542},
    "fashion-mnist": {"train-images-idx3-ubyte.gz": 26421880, "train-labels-idx1-ubyte.gz": 29515,
                      "t10k-images-idx3-ubyte.gz": 4422102, "t10k-labels-idx1-ubyte.gz": 5148},
}


class DownloadCancelled(Exception):
    """Raised through the downloader when the user cancels; nothing partial is left behind."""


def size_mb(dataset):
    """The download's size in megabytes (MiB), as the offer states it: MNIST 11, Fashion-MNIST 29."""
    return round(sum(FILE_SIZES[dataset].values()) / 2 ** 20)


def download_folder(dataset, data_dir=None):
    """Where a download goes: the project's data folder if set, else where the core looks first
    (``$BLOCKSTUDIO_DATA/<dataset>`` or the user data folder's ``datasets/<dataset>``)."""
    from blockstudio.core.gluon.data.vision.locate import search_folders

    return search_folders(dataset, root=data_dir or None)[0][0]


def missing_files(dataset, folder):
    """The standard .gz files of ``dataset`` that ``folder`` does not hold yet (packed or not)."""
    names = []
    for name in FILE_SIZES[dataset]:
        base = os.path.join(folder, name[: -len(".gz")])
        if not (os.path.isfile(base + ".gz") or os.path.isfile(base)):
            names.append(name)
    return names


def download_dataset(dataset, folder, progress=None, should_stop=None):
    """Fetch every missing file of ``dataset`` into ``folder``; returns ``folder``.

    ``progress(done, total)`` reports overall progress in (weighted) bytes; ``should_stop()``
    returning True cancels (raises :class:`DownloadCancelled`). A mirror failure raises the
    core's ``DownloadError`` naming every mirror tried and why it failed.
    """
    from blockstudio.core.gluon.data.vision.download import fetch

    sizes = FILE_SIZES[dataset]
    todo = missing_files(dataset, folder)
    total = sum(sizes[name] for name in todo)
    finished = 0

    def report(name, done, length):
        if should_stop is not None and should_stop():
            raise DownloadCancelled(f"the download of {name} was cancelled")
        if progress is not None:
            fraction = min(1.0, done / length) if length else 0.0
            progress(finished + int(fraction * sizes[name]), total)

    for name in todo:
        if should_stop is not None and should_stop():
            raise DownloadCancelled(f"the download was cancelled before {name}")
        fetch(dataset, name, folder, progress=report)
        finished += sizes[name]
    if progress is not None:
        progress(total, total)
    return folder
