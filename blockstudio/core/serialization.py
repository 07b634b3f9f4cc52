"""Named arrays on disk: our ``.npz`` format, and MXNet 1.x's binary NDArray list format.

``save_arrays``/``load_arrays`` are what ``Block.save_parameters``/``load_parameters`` stand on.
Reading tells the two formats apart by their first bytes, never by the file name. Writing picks
the format by one rule (:func:`file_format`): a file name ending in ``.params`` gets MXNet's format,
which real MXNet 1.x loads (``net.load_parameters``, ``mx.nd.load``); any other name gets ``.npz``,
which plain numpy reads (``np.load``); ``format="mxnet"`` or ``format="npz"`` overrides the name.

Files are read as untrusted input: declared sizes are checked before anything is decompressed or
allocated, and a file that is foreign, cut short, damaged or oversized raises ``ParameterFileError``
naming the file (and the byte offset, when there is one), never a numpy or zipfile traceback.
The formats themselves are in ``npz_format`` and ``mxnet_format``.
"""

import os

import numpy as np

from .arrayfile import MAX_BYTES, ArrayInfo, ParameterFileError, open_regular
from .fileio import atomic_write
from .mxnet_format import LIST_HEADER, MXNetReader, encode_list
from .npz_format import read_npz, write_npz

__all__ = ["ParameterFileError", "ArrayInfo", "MAX_BYTES", "file_format", "save", "load",
           "save_arrays", "save_mxnet_arrays", "load_arrays", "read_headers"]

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_NPY_MAGIC = b"\x93NUMPY"
_ACCEPTED = "accepted: .npz (numpy) and MXNet 1.x NDArray list files (.params)"
_FORMATS = ("npz", "mxnet")
# How numpy names arrays saved without names (np.savez(a, b)): our .npz form of a saved list.
_LIST_KEY = "arr_%d"


def file_format(path, format=None):
    """The format a save writes: ``format`` if given, else ``"mxnet"`` for a name ending in
    ``.params`` (any case), else ``"npz"``.

    >>> file_format("mlp.params"), file_format("mlp.npz"), file_format("mlp.params", "npz")
    ('mxnet', 'npz', 'npz')
    """
    if format is not None:
        if format not in _FORMATS:
            raise ValueError(f"format must be 'npz', 'mxnet' or None (chosen by the file name), "
                             f"got {format!r}")
        return format
    return "mxnet" if os.fspath(path).lower().endswith(".params") else "npz"


# -- writing ------------------------------------------------------------------------------

def _checked_items(arrays):
    """Yield (name, array) pairs, rejecting what no reader could make sense of."""
    for name, value in arrays.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"array names must be non-empty strings, got {name!r}")
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biuf":
            raise TypeError(
                f"cannot save array {name!r}: dtype {array.dtype} is not a plain numeric type "
                f"(bool, integer or floating point); convert it first, e.g. "
                f"arrays[{name!r}].astype(np.float32)")
        yield name, array


def save(path, data, format=None):
    """Write a dict of named arrays, or a list of arrays, in the format :func:`file_format` picks.

    A list is written as MXNet writes one (no names), or in ``.npz`` under numpy's names for
    unnamed arrays (``arr_0``, ``arr_1``, ...); :func:`load` gives a list back for both.

    >>> save("x.params", [np.ones(2)]); load("x.params")
    [array([1., 1.])]
    """
    if isinstance(data, dict):
        arrays, named = data, True
    else:
        arrays, named = {_LIST_KEY % i: v for i, v in enumerate(data)}, False
    if file_format(path, format) == "mxnet":
        _write_mxnet(path, arrays, named)
    else:
        save_arrays(path, arrays)


def save_arrays(path, arrays):
    """Write named arrays to ``path`` as ``.npz``, atomically (never a half-written file).

    The file name is kept exactly as given (no ``.npz`` is appended) and plain numpy reads it:
    ``dict(np.load(path))``. Names may contain dots (``"0.weight"``).

    >>> save_arrays("net.npz", {"0.weight": np.ones((2, 3), np.float32)})
    >>> load_arrays("net.npz")["0.weight"].shape
    (2, 3)
    """
    items = list(_checked_items(arrays))
    with atomic_write(path, "wb") as f:
        write_npz(f, items)


def save_mxnet_arrays(path, arrays):
    """Write named arrays in MXNet 1.x's NDArray list format, atomically.

    ``mx.nd.load(path)`` in MXNet 1.x returns the same dict; use it to hand parameters back to
    MXNet (``net.load_parameters(path)`` there). Arrays are written as dense cpu NDArrays (V2);
    0-d and zero-size arrays, which MXNet can only express under numpy shape semantics, are
    written as V3 and need ``mx.npx.set_np()`` on the MXNet side.

    >>> save_mxnet_arrays("net.params", {"0.weight": np.ones((2, 3), np.float32)})
    """
    _write_mxnet(path, arrays, named=True)


def _write_mxnet(path, arrays, named):
    chunks = encode_list(list(_checked_items(arrays)), named)
    with atomic_write(path, "wb") as f:
        for chunk in chunks:
            f.write(chunk)


# -- reading ------------------------------------------------------------------------------

def load_arrays(path, names=None, max_bytes=MAX_BYTES):
    """Read named arrays from an ``.npz`` or an MXNet 1.x parameter file, by content.

    ``names`` (a collection) reads only those arrays; ``max_bytes`` bounds the bytes the arrays
    read may take (None: no bound), checked against the declared sizes before reading.
    MXNet's ``arg:``/``aux:`` name prefixes (from ``Module.save_checkpoint``) are removed.
    Raises ``ParameterFileError`` (a ``ValueError``) for a foreign, truncated, damaged,
    oversized or unsupported file, and ``FileNotFoundError`` if there is no file.

    >>> params = load_arrays("../shared/fixtures/mxnet_seq_32_16_10.params")
    >>> params["0.weight"].shape
    (32, 784)
    """
    values = _read(path, names, max_bytes, headers_only=False)
    if isinstance(values, list):
        _refuse_list(path, values)
    return values


def read_headers(path):
    """``{name: ArrayInfo(shape, dtype)}`` of a parameter file, without reading its data.

    Every header is checked (a damaged file raises ``ParameterFileError`` here already), so a
    caller can compare what the file declares with what it needs before loading anything.
    """
    values = _read(path, None, None, headers_only=True)
    if isinstance(values, list):
        _refuse_list(path, values)
    return values


def load(path, max_bytes=MAX_BYTES):
    """Read a file written by :func:`save` or by MXNet's ``nd.save``: a dict of named arrays, or
    a list if it was saved from a list (names ``arr_0``, ``arr_1``, ... in an ``.npz``)."""
    values = _read(path, None, max_bytes, headers_only=False, strip=False)
    if isinstance(values, dict) and values and all(
            _LIST_KEY % i in values for i in range(len(values))):
        return [values[_LIST_KEY % i] for i in range(len(values))]
    return values


def _refuse_list(path, values):
    raise ParameterFileError(path, f"the file holds {len(values)} unnamed arrays (saved from a "
                                   f"list with mx.nd.save); parameter files need names")


def _read(path, names, max_bytes, headers_only, strip=True):
    path = os.fspath(path)
    f, size = open_regular(path)
    try:
        with f:
            return _read_open(path, f, size, names, max_bytes, headers_only, strip)
    except MemoryError:
        raise ParameterFileError(path, f"not enough memory to read the arrays of this "
                                       f"{size}-byte file") from None


def _read_open(path, f, size, names, max_bytes, headers_only, strip):
    head = f.read(8)
    if not head:
        raise ParameterFileError(path, f"the file is empty (0 bytes); {_ACCEPTED}", offset=0)
    if head.startswith(_ZIP_MAGICS):
        return read_npz(path, f, size, names, max_bytes, headers_only)
    if head == LIST_HEADER[:8]:
        values, keys = MXNetReader(path, f, size, max_bytes).read_list(headers_only)
        if keys is None:
            return values
        if not strip:
            return dict(zip(keys, values))
        return _strip_prefixes(path, dict(zip(keys, values)), names)
    if len(head) < 8 and LIST_HEADER.startswith(head):
        raise ParameterFileError(
            path, f"truncated MXNet parameter file: it ends at byte {len(head)}, inside the "
                  f"8-byte header", offset=len(head))
    f.seek(0)
    raise ParameterFileError(path, f"not a parameter file: {_describe_start(f.read(8))}; "
                                   f"{_ACCEPTED}", offset=0)


def _describe_start(data):
    head = data[:8]
    if data.startswith(_NPY_MAGIC):
        return "it is a single numpy array (.npy), which has no parameter names"
    if data.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed (first bytes 1f 8b); decompress it first"
    return f"its first bytes are {head.hex(' ')} ({head!r})"


def _strip_prefixes(path, arrays, names=None):
    """Drop the ``arg:``/``aux:`` prefixes of MXNet's symbolic checkpoints (and keep ``names``)."""
    out = {}
    for name, array in arrays.items():
        key = name[4:] if name.startswith(("arg:", "aux:")) else name
        if key in out:
            raise ParameterFileError(path, f"two arrays are named {key!r} once the MXNet "
                                           f"'arg:'/'aux:' prefixes are removed")
        out[key] = array
    if names is not None:
        out = {key: value for key, value in out.items() if key in names}
    return out
