"""Named arrays on disk: our ``.npz`` format, and MXNet 1.x's binary NDArray list format.

``save_arrays``/``load_arrays`` are what ``Block.save_parameters``/``load_parameters`` stand on.
We write ``.npz`` (any numpy can read it: ``np.load(path)``); we read ``.npz`` and the files real
MXNet 1.x writes with ``nd.save``/``save_parameters``, telling them apart by their first bytes,
not by the file name. A file that is neither, or is cut short, raises ``ParameterFileError``
naming the file and the byte offset, never a numpy or zipfile traceback.

MXNet's format (``src/ndarray/ndarray.cc``, little-endian)::

    uint64 0x112 (list magic)  uint64 reserved  uint64 count
    count x NDArray:
        uint32 magic   0xF993FAC9 (V2) | 0xF993FACA (V3, numpy shape semantics)
        int32  storage type            0 dense (1 row_sparse, 2 csr: not supported)
        int32  ndim, ndim x int64 dims (V1 0xF993FAC8: no storage type;
                                        older: the magic *is* ndim, dims are uint32)
        int32  dev_type, int32 dev_id  (only present if the shape is known)
        int32  type flag               0 f32 1 f64 2 f16 3 u8 4 i32 5 i8 6 i64 7 bool ...
        raw data, C order
    uint64 name count, then per name: uint64 length + UTF-8 bytes
"""

import io
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from blockstudio.core.fileio import atomic_write

__all__ = ["ParameterFileError", "save_arrays", "load_arrays", "save_mxnet_arrays"]

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_NPY_MAGIC = b"\x93NUMPY"
_LIST_MAGIC = 0x112
_V1, _V2, _V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA
_LIST_HEADER = struct.pack("<QQ", _LIST_MAGIC, 0)
_CPU = 1  # MXNet's dev_type for cpu

# mshadow's type flags. bfloat16 (12) has no numpy dtype and is handled apart.
_FLAG_TO_DTYPE = {
    0: np.dtype("<f4"), 1: np.dtype("<f8"), 2: np.dtype("<f2"), 3: np.dtype("u1"),
    4: np.dtype("<i4"), 5: np.dtype("i1"), 6: np.dtype("<i8"), 7: np.dtype("?"),
    8: np.dtype("<i2"), 9: np.dtype("<u2"), 10: np.dtype("<u4"), 11: np.dtype("<u8"),
}
_BFLOAT16 = 12
_DTYPE_TO_FLAG = {dt.newbyteorder("="): flag for flag, dt in _FLAG_TO_DTYPE.items()}
_STORAGE_NAMES = {1: "row_sparse", 2: "csr"}
_MAX_NDIM = 32  # MXNet's own limit; a larger value means we are reading garbage
_ACCEPTED = "accepted: .npz (numpy) and MXNet 1.x NDArray list files (.params)"


class ParameterFileError(ValueError):
    """A parameter file cannot be read: foreign, truncated, damaged, or unsupported content.

    ``path`` is the file; ``offset`` the byte offset where reading failed, when known.

    >>> try:
    ...     load_arrays("notes.txt")
    ... except ParameterFileError as err:
    ...     print(err.path, err.offset)
    """

    def __init__(self, path, problem, offset=None):
        self.path = os.fspath(path)
        self.offset = offset
        super().__init__(f"{self.path!r}: {problem}")


# -- writing ------------------------------------------------------------------------------

def _checked_items(arrays):
    """Yield (name, array) pairs, rejecting what no reader could make sense of."""
    for name, value in arrays.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"array names must be non-empty strings, got {name!r}")
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise TypeError(
                f"cannot save array {name!r}: dtype {array.dtype} is not a plain numeric type; "
                f"convert it first, e.g. arrays[{name!r}].astype(np.float32)")
        yield name, array


def save_arrays(path, arrays):
    """Write named arrays to ``path`` as ``.npz``, atomically (never a half-written file).

    The file name is kept exactly as given (no ``.npz`` is appended) and plain numpy reads it:
    ``dict(np.load(path))``. Names may contain dots (``"0.weight"``).

    >>> save_arrays("net.params", {"0.weight": np.ones((2, 3), np.float32)})
    >>> load_arrays("net.params")["0.weight"].shape
    (2, 3)
    """
    items = list(_checked_items(arrays))
    # Written member by member rather than with np.savez: savez's own keywords ("file",
    # "allow_pickle") would collide with array names, and it would allow pickled objects.
    with atomic_write(path, "wb") as f:
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, array in items:
                with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)


def save_mxnet_arrays(path, arrays):
    """Write named arrays in MXNet 1.x's NDArray list format, atomically.

    ``mx.nd.load(path)`` in MXNet 1.x returns the same dict; use it to hand parameters back to
    MXNet (``net.load_parameters(path)`` there). Arrays are written as dense cpu NDArrays (V2);
    0-d and zero-size arrays, which MXNet can only express under numpy shape semantics, are
    written as V3 and need ``mx.npx.set_np()`` on the MXNet side.

    >>> save_mxnet_arrays("net.params", {"0.weight": np.ones((2, 3), np.float32)})
    """
    chunks = [_LIST_HEADER, struct.pack("<Q", len(arrays))]
    names = []
    for name, array in _checked_items(arrays):
        flag = _DTYPE_TO_FLAG.get(array.dtype.newbyteorder("="))
        if flag is None:
            raise TypeError(
                f"cannot save array {name!r} for MXNet: it has no dtype {array.dtype}; "
                f"supported: {', '.join(str(dt) for dt in _FLAG_TO_DTYPE.values())}")
        np_shape = array.ndim == 0 or array.size == 0
        chunks.append(struct.pack("<Ii", _V3 if np_shape else _V2, 0))
        chunks.append(struct.pack(f"<i{array.ndim}q", array.ndim, *array.shape))
        chunks.append(struct.pack("<iii", _CPU, 0, flag))
        chunks.append(np.ascontiguousarray(array, dtype=_FLAG_TO_DTYPE[flag]).tobytes())
        names.append(name)
    chunks.append(struct.pack("<Q", len(names)))
    for name in names:
        encoded = name.encode("utf-8")
        chunks.append(struct.pack("<Q", len(encoded)))
        chunks.append(encoded)
    with atomic_write(path, "wb") as f:
        for chunk in chunks:
            f.write(chunk)


# -- reading ------------------------------------------------------------------------------

def load_arrays(path):
    """Read named arrays from an ``.npz`` or an MXNet 1.x parameter file, by content.

    MXNet's ``arg:``/``aux:`` name prefixes (from ``Module.save_checkpoint``) are removed.
    Raises ``ParameterFileError`` (a ``ValueError``) for a foreign, truncated or unsupported
    file, and ``FileNotFoundError`` if there is no file.

    >>> params = load_arrays("../shared/fixtures/mxnet_seq_32_16_10.params")
    >>> params["0.weight"].shape
    (32, 784)
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError as err:
        raise FileNotFoundError(err.errno, f"no parameter file at {path!r}", path) from None
    except IsADirectoryError as err:
        raise IsADirectoryError(err.errno, f"{path!r} is a folder, not a parameter file",
                                path) from None
    if not data:
        raise ParameterFileError(path, f"the file is empty (0 bytes); {_ACCEPTED}", offset=0)
    if data.startswith(_ZIP_MAGICS):
        return _load_npz(path, data)
    if data[:8] == _LIST_HEADER[:8]:
        return _strip_prefixes(path, _MXNetReader(path, data).read_list())
    if len(data) < 8 and _LIST_HEADER.startswith(data):
        raise ParameterFileError(
            path, f"truncated MXNet parameter file: it ends at byte {len(data)}, inside the "
                  f"8-byte header", offset=len(data))
    raise ParameterFileError(path, f"not a parameter file: {_describe_start(data)}; {_ACCEPTED}",
                             offset=0)


def _describe_start(data):
    head = data[:8]
    if data.startswith(_NPY_MAGIC):
        return "it is a single numpy array (.npy), which has no parameter names"
    if data.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed (first bytes 1f 8b); decompress it first"
    return f"its first bytes are {head.hex(' ')} ({head!r})"


def _load_npz(path, data):
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                name = info.filename
                if not name.endswith(".npy"):
                    raise ParameterFileError(
                        path, f"the zip archive holds {name!r}, which is not a numpy array "
                              f"(.npy member); this is not a parameter file")
                with zf.open(info) as member:
                    arrays[name[:-4]] = _read_npy_member(path, name, member)
    except ParameterFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            EOFError, OSError) as err:
        raise ParameterFileError(
            path, f"truncated or damaged .npz ({len(data)} bytes): the zip archive cannot be "
                  f"read ({err}); it was probably cut short while being copied or saved - "
                  f"copy or save it again") from None
    return arrays


def _read_npy_member(path, name, member):
    try:
        return np.lib.format.read_array(member, allow_pickle=False)
    except ValueError as err:
        if "allow_pickle" in str(err):
            problem = "holds Python objects (pickled), which parameter files never contain"
        else:
            problem = f"is not a valid numpy array ({err})"
        raise ParameterFileError(path, f".npz member {name!r} {problem}") from None


def _strip_prefixes(path, arrays):
    """Drop the ``arg:``/``aux:`` prefixes of MXNet's symbolic checkpoints."""
    out = {}
    for name, array in arrays.items():
        key = name[4:] if name.startswith(("arg:", "aux:")) else name
        if key in out:
            raise ParameterFileError(path, f"two arrays are named {key!r} once the MXNet "
                                           f"'arg:'/'aux:' prefixes are removed")
        out[key] = array
    return out


class _MXNetReader:
    """A cursor over the bytes of an MXNet NDArray list file that reports where it breaks."""

    def __init__(self, path, data):
        self.path, self.data, self.pos = path, data, 0

    def fail(self, problem, offset=None):
        offset = self.pos if offset is None else offset
        raise ParameterFileError(self.path, f"{problem} (at byte offset {offset})", offset=offset)

    def take(self, n, what):
        start, end = self.pos, self.pos + n
        if end > len(self.data):
            raise ParameterFileError(
                self.path,
                f"truncated MXNet parameter file: {what} needs {n} bytes at byte offset {start}, "
                f"but the file ends at byte {len(self.data)}", offset=start)
        self.pos = end
        return self.data[start:end]

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def read_list(self):
        self.take(16, "the header")
        (count,) = self.unpack("<Q", "the array count")
        # Each array takes at least 12 bytes; a larger count means this is not our format.
        if count > (len(self.data) - self.pos) // 12:
            self.fail(f"truncated or damaged MXNet parameter file: the header announces {count} "
                      f"arrays, but only {len(self.data) - self.pos} bytes follow it",
                      offset=self.pos - 8)
        arrays = [self.read_array(i) for i in range(count)]
        (n_names,) = self.unpack("<Q", "the name count")
        if n_names == 0 and count > 0:
            self.fail(f"the file holds {count} unnamed arrays (saved from a list with "
                      f"mx.nd.save); parameter files need names", offset=self.pos - 8)
        if n_names != count:
            self.fail(f"damaged MXNet parameter file: {count} arrays but {n_names} names",
                      offset=self.pos - 8)
        result = {}
        for i in range(n_names):
            (length,) = self.unpack("<Q", f"the length of name {i}")
            start = self.pos
            raw = self.take(length, f"name {i}")
            name = raw.decode("utf-8", errors="replace")
            if "\ufffd" in name and "\ufffd".encode() not in raw:
                self.fail(f"name {i} is not valid UTF-8: {raw[:40]!r}", offset=start)
            if name in result:
                self.fail(f"two arrays are named {name!r}", offset=start)
            array, where = arrays[i]
            if array is None:
                self.fail(f"array {name!r} holds no data (an uninitialised NDArray was saved)",
                          offset=where)
            result[name] = array
        return result

    def read_array(self, index):
        where = self.pos
        what = f"array {index}"
        (magic,) = self.unpack("<I", f"the magic number of {what}")
        if magic in (_V2, _V3):
            (stype,) = self.unpack("<i", f"the storage type of {what}")
            if stype != 0:
                kind = _STORAGE_NAMES.get(stype, f"unknown storage type {stype}")
                self.fail(f"{what} is stored as {kind}; only dense arrays are supported - in "
                          f"MXNet, convert it with .tostype('default') and save again",
                          offset=self.pos - 4)
            shape = self.read_shape(what, dims_fmt="q", np_semantics=magic == _V3)
        elif magic == _V1:
            shape = self.read_shape(what, dims_fmt="q", np_semantics=False)
        elif magic <= _MAX_NDIM:  # the oldest files: the magic is ndim, dims are uint32
            shape = self.read_shape(what, dims_fmt="I", np_semantics=False, ndim=magic)
        else:
            self.fail(f"damaged MXNet parameter file: {what} starts with 0x{magic:08X}, not "
                      f"an NDArray magic number (0xF993FAC9 or 0xF993FACA)", offset=where)
        if shape is None:  # MXNet saved an empty handle: nothing more follows for it
            return None, where
        _dev_type, _dev_id, flag = self.unpack("<iii", f"the context and dtype of {what}")
        dtype = _FLAG_TO_DTYPE.get(flag)
        if dtype is None and flag != _BFLOAT16:
            self.fail(f"{what} has unknown dtype flag {flag}; supported flags 0-12 "
                      f"(float32, float64, float16, uint8, int32, int8, int64, bool, int16, "
                      f"uint16, uint32, uint64, bfloat16)", offset=self.pos - 4)
        size = math.prod(shape)
        itemsize = 2 if flag == _BFLOAT16 else dtype.itemsize
        raw = self.take(size * itemsize,
                        f"the data of {what} (shape {shape}, {size} x {itemsize} bytes)")
        if flag == _BFLOAT16:
            # bfloat16 is the top half of a float32: widening is exact.
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            return bits.view(np.float32).reshape(shape), where
        # astype copies: the result owns writable memory in native byte order.
        array = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
        return array.reshape(shape), where

    def read_shape(self, what, dims_fmt, np_semantics, ndim=None):
        """Return the shape tuple, or None for an array saved without data."""
        if ndim is None:
            (ndim,) = self.unpack("<i", f"the ndim of {what}")
        if ndim == -1:  # MXNet 1.x's "unknown shape": an empty handle was saved
            return None
        if not 0 <= ndim <= _MAX_NDIM:
            self.fail(f"damaged MXNet parameter file: {what} claims {ndim} dimensions",
                      offset=self.pos - 4)
        dims = self.unpack(f"<{ndim}{dims_fmt}", f"the shape of {what}") if ndim else ()
        if ndim == 0 and not np_semantics:  # legacy semantics: ndim 0 is "no shape"
            return None
        if any(d < 0 for d in dims):
            if np_semantics:  # a dimension still unknown: MXNet saved no data for it
                return None
            self.fail(f"damaged MXNet parameter file: {what} has shape {dims}",
                      offset=self.pos - 8 * ndim)
        return tuple(int(d) for d in dims)
