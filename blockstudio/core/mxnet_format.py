"""MXNet 1.x's binary NDArray list format (``nd.save``, ``save_parameters``): reading and writing.

The layout (``src/ndarray/ndarray.cc``, little-endian)::

    uint64 0x112 (list magic)  uint64 reserved  uint64 count
    count x NDArray:
        uint32 magic   0xF993FAC9 (V2) | 0xF993FACA (V3, numpy shape semantics)
        int32  storage type            0 dense (1 row_sparse, 2 csr: not supported)
        int32  ndim, ndim x int64 dims (V1 0xF993FAC8: no storage type;
                                        legacy "v0": the magic *is* ndim, dims are uint32)
        int32  dev_type, int32 dev_id  (only present if the shape is known)
        int32  type flag               0 f32 1 f64 2 f16 3 u8 4 i32 5 i8 6 i64 7 bool ...
        raw data, C order
    uint64 name count (0 for a list saved without names), then per name: uint64 length + UTF-8

The reader checks every declared size against the bytes left in the file (and a byte budget)
before it reads or allocates anything, so a few bytes declaring terabytes are refused, not tried.
"""

import math
import struct

import numpy as np

from .arrayfile import ArrayInfo, ParameterFileError, check_shape

__all__ = ["LIST_HEADER", "encode_list", "MXNetReader"]

LIST_MAGIC = 0x112
V1, V2, V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA
LIST_HEADER = struct.pack("<QQ", LIST_MAGIC, 0)
_CPU = 1  # MXNet's dev_type for cpu

# mshadow's type flags. bfloat16 (12) has no numpy dtype and is handled apart.
FLAG_TO_DTYPE = {
    0: np.dtype("<f4"), 1: np.dtype("<f8"), 2: np.dtype("<f2"), 3: np.dtype("u1"),
    4: np.dtype("<i4"), 5: np.dtype("i1"), 6: np.dtype("<i8"), 7: np.dtype("?"),
    8: np.dtype("<i2"), 9: np.dtype("<u2"), 10: np.dtype("<u4"), 11: np.dtype("<u8"),
}
_BFLOAT16 = 12
_DTYPE_TO_FLAG = {dt.newbyteorder("="): flag for flag, dt in FLAG_TO_DTYPE.items()}
_STORAGE_NAMES = {1: "row_sparse", 2: "csr"}
_MAX_NDIM = 32  # MXNet's own limit; a larger value means we are reading garbage


def encode_list(items, named=True):
    """The bytes of an NDArray list file holding ``(name, array)`` pairs (names dropped unless
    ``named``, which is how MXNet saves a Python list)."""
    chunks = [LIST_HEADER, struct.pack("<Q", len(items))]
    for name, array in items:
        flag = _DTYPE_TO_FLAG.get(array.dtype.newbyteorder("="))
        if flag is None:
            raise TypeError(
                f"cannot save array {name!r} for MXNet: it has no dtype {array.dtype}; "
                f"supported: {', '.join(str(dt) for dt in FLAG_TO_DTYPE.values())}")
        np_shape = array.ndim == 0 or array.size == 0
        chunks.append(struct.pack("<Ii", V3 if np_shape else V2, 0))
        chunks.append(struct.pack(f"<i{array.ndim}q", array.ndim, *array.shape))
        chunks.append(struct.pack("<iii", _CPU, 0, flag))
        chunks.append(np.ascontiguousarray(array, dtype=FLAG_TO_DTYPE[flag]).tobytes())
    chunks.append(struct.pack("<Q", len(items) if named else 0))
    if named:
        for name, _ in items:
            encoded = name.encode("utf-8")
            chunks.append(struct.pack("<Q", len(encoded)))
            chunks.append(encoded)
    return chunks


class MXNetReader:
    """A cursor over an open MXNet NDArray list file that reports where it breaks."""

    def __init__(self, path, f, size, max_bytes=None):
        self.path, self.f, self.size, self.pos = path, f, size, 0
        self.max_bytes, self.budget_used = max_bytes, 0

    def fail(self, problem, offset=None):
        offset = self.pos if offset is None else offset
        raise ParameterFileError(self.path, f"{problem} (at byte offset {offset})", offset=offset)

    def _need(self, n, what):
        if self.pos + n > self.size:
            raise ParameterFileError(
                self.path,
                f"truncated MXNet parameter file: {what} needs {n} bytes at byte offset "
                f"{self.pos}, but the file ends at byte {self.size}", offset=self.pos)

    def take(self, n, what):
        self._need(n, what)
        self.f.seek(self.pos)
        data = self.f.read(n)
        if len(data) != n:  # the file shrank while we read it
            self._need(self.size + 1, what)
        self.pos += n
        return data

    def skip(self, n, what):
        self._need(n, what)
        self.pos += n

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def read_list(self, headers_only=False):
        """``(values, names)``: arrays (or ArrayInfo with ``headers_only``) and their names, or
        None for names if the file was saved from a list."""
        self.take(16, "the header")
        (count,) = self.unpack("<Q", "the array count")
        # Each array takes at least 12 bytes; a larger count means this is not our format.
        if count > (self.size - self.pos) // 12:
            self.fail(f"truncated or damaged MXNet parameter file: the header announces {count} "
                      f"arrays, but only {self.size - self.pos} bytes follow it",
                      offset=self.pos - 8)
        arrays = [self.read_array(i, headers_only) for i in range(count)]
        (n_names,) = self.unpack("<Q", "the name count")
        if n_names not in (0, count):
            self.fail(f"damaged MXNet parameter file: {count} arrays but {n_names} names",
                      offset=self.pos - 8)
        names = [] if n_names or not count else None
        seen = set()
        for i in range(n_names):
            (length,) = self.unpack("<Q", f"the length of name {i}")
            start = self.pos
            raw = self.take(length, f"name {i}")
            name = raw.decode("utf-8", errors="replace")
            if "\ufffd" in name and "\ufffd".encode() not in raw:
                self.fail(f"name {i} is not valid UTF-8: {raw[:40]!r}", offset=start)
            if name in seen:
                self.fail(f"two arrays are named {name!r}", offset=start)
            seen.add(name)
            names.append(name)
        if self.pos != self.size:
            self.fail(f"{self.size - self.pos} bytes of unexpected data follow the last name: "
                      f"the file is damaged or was altered")
        for i, (array, where) in enumerate(arrays):
            if array is None:
                label = repr(names[i]) if names else str(i)
                self.fail(f"array {label} holds no data (an uninitialised NDArray was saved)",
                          offset=where)
        return [array for array, _ in arrays], names

    def read_array(self, index, headers_only=False):
        where = self.pos
        what = f"array {index}"
        (magic,) = self.unpack("<I", f"the magic number of {what}")
        if magic in (V2, V3):
            (stype,) = self.unpack("<i", f"the storage type of {what}")
            if stype != 0:
                kind = _STORAGE_NAMES.get(stype, f"unknown storage type {stype}")
                self.fail(f"{what} is stored as {kind}; only dense arrays are supported - in "
                          f"MXNet, convert it with .tostype('default') and save again",
                          offset=self.pos - 4)
            shape = self.read_shape(what, dims_fmt="q", np_semantics=magic == V3)
        elif magic == V1:
            shape = self.read_shape(what, dims_fmt="q", np_semantics=False)
        elif magic <= _MAX_NDIM:  # legacy (v0) files: the magic is ndim, dims are uint32
            shape = self.read_shape(what, dims_fmt="I", np_semantics=False, ndim=magic)
        else:
            self.fail(f"damaged MXNet parameter file: {what} starts with 0x{magic:08X}, not "
                      f"an NDArray magic number (0xF993FAC9 or 0xF993FACA)", offset=where)
        if shape is None:  # MXNet saved an empty handle: nothing more follows for it
            return None, where
        _dev_type, _dev_id, flag = self.unpack("<iii", f"the context and dtype of {what}")
        dtype = FLAG_TO_DTYPE.get(flag)
        if dtype is None and flag != _BFLOAT16:
            self.fail(f"{what} has unknown dtype flag {flag}; supported flags 0-12 "
                      f"(float32, float64, float16, uint8, int32, int8, int64, bool, int16, "
                      f"uint16, uint32, uint64, bfloat16)", offset=self.pos - 4)
        check_shape(self.path, what, shape, np.float32 if flag == _BFLOAT16 else dtype)
        size = math.prod(shape)
        itemsize = 2 if flag == _BFLOAT16 else dtype.itemsize
        nbytes = size * itemsize
        what_data = f"the data of {what} (shape {shape}, {size} x {itemsize} bytes)"
        info = ArrayInfo(shape, np.dtype(np.float32) if flag == _BFLOAT16 else
                         dtype.newbyteorder("="))
        if headers_only:
            self.skip(nbytes, what_data)
            return info, where
        self._need(nbytes, what_data)  # before the budget: a short file is "truncated"
        self.budget_used += info.nbytes
        if self.max_bytes is not None and self.budget_used > self.max_bytes:
            self.fail(f"{what} (shape {shape}) brings the arrays read to {self.budget_used} "
                      f"bytes, over the {self.max_bytes}-byte limit for this load (pass a larger "
                      f"max_bytes= if the file is genuine)", offset=where)
        raw = self.take(nbytes, what_data)
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
