"""Fetching the standard MNIST / Fashion-MNIST files from the public mirrors, verified and atomically.

Each file is streamed into a temporary file beside its destination while its MD5 is computed; only a
complete file whose MD5 matches the published one is renamed into place, so an interrupted or corrupted
download never leaves anything behind (and the leftovers of a download that was killed are removed by
the next one into the same folder). Mirrors are tried in order, https ones first, until one delivers a
good file. The published sizes are known, so no mirror can send more than the file's size, and each
file has an overall deadline besides the per-read timeout, so a server trickling a byte at a time
cannot hold a download for ever.
"""

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request

from ....fileio import atomic_write
from .locate import DATASETS, canonical_dataset

__all__ = ["MIRRORS", "MD5", "SIZES", "mirrors_for", "fetch", "DownloadError"]

# The mirrors torchvision and TensorFlow download from (yann.lecun.com itself no longer serves the files).
MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    # https first: http is only a fallback, and what it delivers is still checked against the MD5.
    "fashion-mnist": ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
                      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
}

# Environment variables replacing a dataset's mirror list: comma-separated base URLs.
MIRRORS_ENV = {"mnist": "BLOCKSTUDIO_MNIST_MIRRORS", "fashion-mnist": "BLOCKSTUDIO_FASHION_MNIST_MIRRORS"}

# MD5 of the published .gz files (as LeCun's site and Zalando's repository list them).
MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

# Sizes in bytes of the published .gz files: no mirror may send more.
SIZES = {
    "mnist": {
        "train-images-idx3-ubyte.gz": 9912422,
        "train-labels-idx1-ubyte.gz": 28881,
        "t10k-images-idx3-ubyte.gz": 1648877,
        "t10k-labels-idx1-ubyte.gz": 4542,
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": 26421880,
        "train-labels-idx1-ubyte.gz": 29515,
        "t10k-images-idx3-ubyte.gz": 4422102,
        "t10k-labels-idx1-ubyte.gz": 5148,
    },
}

TIMEOUT = 30.0  # seconds without a byte before a mirror counts as down
DEADLINE = 900.0  # seconds one file may take from one mirror, however steadily bytes arrive
_CHUNK = 1 << 16


class DownloadError(OSError):
    """No mirror delivered a good copy of a file; ``attempts`` lists ``(url, reason)`` for each mirror."""

    def __init__(self, message, attempts=()):
        super().__init__(message)
        self.attempts = list(attempts)


def mirrors_for(dataset):
    """The base URLs tried for ``dataset``, in order (the environment variable, if set, replaces them)."""
    dataset = canonical_dataset(dataset)
    env = os.environ.get(MIRRORS_ENV[dataset], "").strip()
    if env:
        return tuple(u.strip() if u.strip().endswith("/") else u.strip() + "/" for u in env.split(",") if u.strip())
    return MIRRORS[dataset]


def fetch(dataset, filename, folder, progress=None):
    """Download ``filename`` of ``dataset`` into ``folder`` from the first mirror that delivers it intact.

    ``progress(filename, bytes_done, bytes_total_or_None)`` is called as bytes arrive; an exception it
    raises aborts the download (nothing is left behind) and propagates. Returns the file's path;
    raises :class:`DownloadError` naming every mirror and why it failed.

    >>> fetch("mnist", "t10k-labels-idx1-ubyte.gz", "/tmp/mnist")     # doctest: +SKIP
    '/tmp/mnist/t10k-labels-idx1-ubyte.gz'
    """
    dataset = canonical_dataset(dataset)
    md5 = MD5[dataset][filename]
    expected = SIZES[dataset][filename]
    dest = os.path.join(folder, filename)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create the folder {folder} to download {filename} into: {err}") from None
    attempts = []
    for base in mirrors_for(dataset):
        url = base + filename
        try:
            _download(url, dest, md5, expected, filename, progress)
            return dest
        except (OSError, http.client.HTTPException, ValueError, _ChecksumError) as err:
            attempts.append((url, _reason(err)))
    title = DATASETS[dataset]["title"]
    lines = "\n".join(f"  - {url}: {reason}" for url, reason in attempts)
    raise DownloadError(f"could not download {title} file {filename} into {folder}:\n{lines}", attempts)


class _ChecksumError(Exception):
    pass


def _download(url, dest, md5, expected, filename, progress):
    if not url.lower().startswith(("http://", "https://", "file:")):
        raise ValueError("unsupported URL scheme (mirrors must be http://, https:// or file: URLs)")
    deadline = time.monotonic() + DEADLINE
    request = urllib.request.Request(url, headers={"User-Agent": "blockstudio"})
    with urllib.request.urlopen(request, timeout=min(TIMEOUT, DEADLINE)) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total != expected:
            raise _ChecksumError(f"the server announces {total} bytes, but the file has {expected}")
        # read1 returns what one receive brings, so the deadline is checked however slowly bytes come.
        read = getattr(response, "read1", response.read)
        digest = hashlib.md5(usedforsecurity=False)
        done = 0
        # atomic_write removes its temporary file if anything below raises.
        with atomic_write(dest, "wb") as f:
            if progress is not None:
                progress(filename, 0, expected)
            while True:
                if time.monotonic() > deadline:
                    raise _ChecksumError(f"too slow: {done} of {expected} bytes after {DEADLINE:g} s, "
                                         f"the time allowed for one file")
                chunk = read(min(_CHUNK, expected + 1 - done))
                if not chunk:
                    break
                done += len(chunk)
                if done > expected:
                    raise _ChecksumError(f"the server sent more than the {expected} bytes the file has")
                f.write(chunk)
                digest.update(chunk)
                if progress is not None:
                    progress(filename, done, expected)
            if done != expected:
                raise _ChecksumError(f"the connection closed after {done} of {expected} bytes")
            if digest.hexdigest() != md5:
                raise _ChecksumError(f"checksum mismatch: expected MD5 {md5}, got {digest.hexdigest()} "
                                     f"({done} bytes)")


def _reason(err):
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"unreachable ({err.reason})"
    if isinstance(err, http.client.IncompleteRead):
        return f"the connection closed early ({len(err.partial)} bytes into the last read)"
    return str(err) or type(err).__name__
