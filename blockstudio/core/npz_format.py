"""Our ``.npz`` parameter files, read as hostile input: every header first, then bounded reads.

An ``.npz`` is a zip archive of ``.npy`` members. Each member's npy header declares its dtype and
shape, and the zip directory declares its uncompressed size; both are read and checked against each
other and against a byte budget before any data is decompressed, and data is then read in bounded
chunks straight into an array of the declared size. So a 1 MB archive cannot inflate to 1 GB
unasked, a 300-byte one declaring 4 TiB is refused with a message, and nothing the zip or numpy
modules raise escapes without the file's name. Refused outright: members that are not ``.npy``,
duplicate member names, dtypes other than bool, integers and floats (strings, datetimes, complex,
structured, objects), bytes beyond a member's array, and bytes after the archive's end.
"""

import struct
import zipfile
import zlib

import numpy as np

from .arrayfile import ArrayInfo, ParameterFileError, check_dtype, check_shape

__all__ = ["write_npz", "read_npz"]

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_HEADER = 10000  # numpy's own bound on an npy header
_CHUNK = 1 << 20
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand a stream by more than this
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile, zlib and numpy raise on damaged input (zipfile raises ValueError("negative seek
# value"), struct.error, EOFError, ...). Caught only around reading, and always re-raised naming the file.
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError,
           OSError, ValueError, struct.error, OverflowError, RuntimeError, SyntaxError, TypeError,
           KeyError, IndexError)


def write_npz(f, items):
    """Write ``(name, array)`` pairs into the open binary file ``f`` as an uncompressed .npz."""
    # Written member by member rather than with np.savez: savez's own keywords ("file",
    # "allow_pickle") would collide with array names, and it would allow pickled objects.
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in items:
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def read_npz(path, f, size, names=None, max_bytes=None, headers_only=False):
    """Read the .npz in the open binary file ``f`` (``size`` bytes); ``path`` names it in errors.

    Returns ``{name: ArrayInfo}`` with ``headers_only``, else ``{name: array}`` holding the members
    in ``names`` (all if None). ``max_bytes`` bounds the bytes the arrays read may take.
    """
    _check_archive_end(path, f, size)
    try:
        f.seek(0)
        zf = zipfile.ZipFile(f)
    except _DAMAGE as err:
        raise _damaged(path, size, err) from None
    with zf:
        infos = _members(path, zf, size)
        headers = {}
        total = 0
        for name, info in infos.items():
            header = _read_header(path, zf, info, size)
            headers[name] = header
            if names is None or name in names:
                total += header[0].nbytes
                _check_budget(path, name, header[0], total, max_bytes)
        if headers_only:
            # Reported in native byte order, as the arrays will be once read.
            return {name: ArrayInfo(h[0].shape, h[0].dtype.newbyteorder("="))
                    for name, h in headers.items()}
        wanted = [n for n in headers if names is None or n in names]
        return {name: _read_data(path, zf, infos[name], *headers[name], size) for name in wanted}


def _check_archive_end(path, f, size):
    """Refuse bytes after the zip's end record (zipfile silently ignores them)."""
    tail_size = min(size, _EOCD_SIZE + 0xFFFF)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    ends = []
    at = tail.rfind(_EOCD)
    while at >= 0:
        if at + _EOCD_SIZE <= len(tail):
            (comment,) = struct.unpack("<H", tail[at + 20:at + 22])
            if at + _EOCD_SIZE + comment == len(tail):
                return
            ends.append(at + _EOCD_SIZE + comment)
        at = tail.rfind(_EOCD, 0, at)
    if ends and ends[0] < len(tail):
        extra = len(tail) - ends[0]
        raise ParameterFileError(
            path, f"{extra} bytes of unexpected data follow the end of the zip archive (from byte "
                  f"offset {size - extra}): the file is damaged or was altered",
            offset=size - extra)
    raise ParameterFileError(
        path, f"truncated or damaged .npz ({size} bytes): the zip archive has no end record; it "
              f"was probably cut short while being copied or saved - copy or save it again",
        offset=size)


def _members(path, zf, size):
    infos = {}
    for info in zf.infolist():
        member = info.filename
        if not member.endswith(".npy"):
            raise ParameterFileError(
                path, f"the zip archive holds {member!r}, which is not a numpy array "
                      f"(.npy member); this is not a parameter file")
        name = member[:-4]
        if name in infos:
            raise ParameterFileError(path, f"the zip archive holds two members named {member!r}: "
                                           f"the file is damaged or was altered")
        if info.flag_bits & 0x1:
            raise ParameterFileError(path, f".npz member {member!r} is encrypted")
        if info.compress_type not in _COMPRESSIONS:
            raise ParameterFileError(
                path, f".npz member {member!r} uses zip compression method {info.compress_type}; "
                      f"parameter files are stored or deflated (np.savez, np.savez_compressed)")
        # Sizes no real member can have: checked so that nothing is allocated on their word.
        stored = info.compress_type == zipfile.ZIP_STORED
        if info.compress_size > size or (stored and info.file_size != info.compress_size) or (
                info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024):
            raise ParameterFileError(
                path, f".npz member {member!r} declares {info.file_size} bytes from "
                      f"{info.compress_size} {'stored' if stored else 'compressed'} bytes in a "
                      f"{size}-byte file, which is impossible: the file is damaged or was altered")
        infos[name] = info
    return infos


def _read_header(path, zf, info, size):
    """``(ArrayInfo, fortran_order, header_length)`` of a member, checked against the zip entry."""
    member = info.filename
    try:
        stream = zf.open(info)
    except _DAMAGE as err:
        raise _damaged(path, size, err) from None
    with stream:
        # At most the header is read: a bomb cannot inflate here.
        head = _BoundedReader(stream, min(info.file_size, _MAX_HEADER + 16))
        try:
            version = np.lib.format.read_magic(head)
            shape, fortran, dtype = _header_fields(head, version)
        except _ZipReadError as err:
            raise _damaged(path, size, err.args[0]) from None
        except _DAMAGE as err:  # numpy's complaints about the header itself
            raise ParameterFileError(path, f".npz member {member!r} is not a valid numpy array "
                                           f"({err})") from None
        header_len = head.pos
    check_dtype(path, f".npz member {member!r}", dtype)
    array_info = ArrayInfo(check_shape(path, f".npz member {member!r}", shape, dtype), dtype)
    expected = header_len + array_info.nbytes
    if expected != info.file_size:
        relation = "fewer" if expected > info.file_size else "more"
        raise ParameterFileError(
            path, f".npz member {member!r} declares {_describe(array_info)} ({expected} bytes with "
                  f"its header), but the archive holds {info.file_size} bytes for it: {relation} "
                  f"than the array needs; the file is damaged or was altered")
    return array_info, fortran, header_len


def _header_fields(stream, version):
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream, max_header_size=_MAX_HEADER)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream, max_header_size=_MAX_HEADER)
    # Version 3.0 (utf-8 field names) has no public reader; parameter arrays have no fields.
    raise ValueError(f"npy format version {version[0]}.{version[1]} is not supported")


def _read_data(path, zf, info, array_info, fortran, header_len, size):
    member = info.filename
    try:
        raw = bytearray(array_info.nbytes)
    except MemoryError:
        raise ParameterFileError(path, f"not enough memory to read .npz member {member!r} "
                                       f"({_describe(array_info)})") from None
    view = memoryview(raw)
    try:
        with zf.open(info) as stream:
            _read_exactly(stream, header_len)
            done = 0
            while done < len(raw):
                n = stream.readinto(view[done:done + _CHUNK])
                if not n:
                    raise ParameterFileError(
                        path, f".npz member {member!r} ends after {done} of its "
                              f"{len(raw)} data bytes: the file is truncated or damaged")
                done += n
            if stream.read(1):  # also makes zipfile check the member's CRC
                raise ParameterFileError(path, f"unexpected data after the array in .npz member "
                                               f"{member!r}")
    except ParameterFileError:
        raise
    except _DAMAGE as err:
        raise _damaged(path, size, err) from None
    dtype = array_info.dtype
    array = np.frombuffer(raw, dtype=dtype).reshape(array_info.shape, order="F" if fortran else "C")
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    return array


def _read_exactly(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("member ends inside its npy header")


def _check_budget(path, name, info, total, max_bytes):
    if max_bytes is not None and total > max_bytes:
        raise ParameterFileError(
            path, f".npz member '{name}.npy' declares {_describe(info)}; with the members before it "
                  f"that is {total} bytes, over the {max_bytes}-byte limit for this load (pass a "
                  f"larger max_bytes= if the file is genuine)")


def _describe(info):
    return f"shape {info.shape} of {info.dtype.name} ({info.nbytes} bytes)"


def _damaged(path, size, err):
    return ParameterFileError(
        path, f"truncated or damaged .npz ({size} bytes): the zip archive cannot be read "
              f"({type(err).__name__}: {err}); it was probably cut short while being copied or "
              f"saved - copy or save it again")


class _ZipReadError(Exception):
    """zipfile failed while numpy was reading a header through it."""


class _BoundedReader:
    """A read-only view of the first ``limit`` bytes of a stream, counting what was read."""

    def __init__(self, stream, limit):
        self.stream, self.limit, self.pos = stream, limit, 0

    def read(self, n=-1):
        left = self.limit - self.pos
        n = left if n is None or n < 0 else min(n, left)
        try:
            data = self.stream.read(n) if n > 0 else b""
        except _DAMAGE as err:
            raise _ZipReadError(err) from None
        self.pos += len(data)
        return data

