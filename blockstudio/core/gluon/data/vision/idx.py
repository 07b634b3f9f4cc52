"""Reading the idx files MNIST and Fashion-MNIST ship in, checked so that a bad file is named, not guessed at.

The idx format (LeCun's) is a 4-byte big-endian magic number -- two zero bytes, a type byte (0x08 for
unsigned bytes), the number of dimensions -- then one big-endian uint32 per dimension, then the values.
Every byte of the file is accounted for here: a wrong magic number, a header that promises more or fewer
values than the file holds, or a gzip stream that stops early each raise :class:`DatasetFileError`.
"""

import os
import weakref
import zlib

import numpy as np

__all__ = ["DatasetFileError", "read_idx", "read_idx_pair"]

_GZIP_MAGIC = b"\x1f\x8b"
_UBYTE = 0x08
_KINDS = {"images": 3, "labels": 1}

# Parsed arrays are read-only and shared between datasets opened on the same unchanged file, so the app
# can reopen MNIST for every run without paying the decompression again; they are freed with their last user.
_cache = weakref.WeakValueDictionary()


class DatasetFileError(ValueError):
    """A dataset file that exists but cannot be what it claims: truncated, corrupt or foreign.

    ``path`` is the file; ``offset`` the byte offset where the problem was found, when there is one
    (in the decompressed data for a ``.gz`` file).
    """

    def __init__(self, path, problem, offset=None, hint=None):
        self.path = os.fspath(path)
        self.problem = problem
        self.offset = offset
        message = f"{self.path}: {problem}"
        if hint:
            message += f". {hint}"
        super().__init__(message)


def read_idx(path, kind):
    """Read an unsigned-byte idx file (plain or gzipped) and return its values as a read-only numpy array.

    ``kind`` is ``"images"`` (3 dimensions: count, rows, columns) or ``"labels"`` (1 dimension).

    >>> images = read_idx("t10k-images-idx3-ubyte.gz", "images")   # doctest: +SKIP
    >>> images.shape, images.dtype
    ((10000, 28, 28), dtype('uint8'))
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'images' or 'labels', got {kind!r}")
    path = os.fspath(path)
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns, kind)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    raw, gzipped = _load_bytes(path)
    array = _parse(path, raw, kind, gzipped)
    array.flags.writeable = False
    _cache[key] = array
    return array


def read_idx_pair(images_path, labels_path, num_classes=None):
    """Read matching images and labels files; check they agree in count and labels are in range.

    Returns ``(images, labels)``: uint8 ``(N, rows, cols)`` and uint8 ``(N,)``, both read-only.
    """
    images = read_idx(images_path, "images")
    labels = read_idx(labels_path, "labels")
    if len(images) != len(labels):
        raise DatasetFileError(
            images_path,
            f"holds {len(images)} images but {os.fspath(labels_path)} holds {len(labels)} labels; "
            "the two files must come from the same split of the same dataset",
            hint="Replace both with the original files (download them again)")
    if num_classes is not None and len(labels):
        bad = np.flatnonzero(labels >= num_classes)
        if bad.size:
            i = int(bad[0])
            raise DatasetFileError(
                labels_path,
                f"label {i} (byte offset {8 + i}) is {int(labels[i])}, expected 0..{num_classes - 1} "
                f"({bad.size} labels out of range in all): the file is corrupt",
                offset=8 + i, hint="Replace it with the original file (download it again)")
    return images, labels


def _load_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw, False
    return _gunzip(path, raw), True


def _gunzip(path, raw):
    """Decompress every gzip member of ``raw``; a stream cut short is an error, not a short dataset."""
    parts = []
    rest = raw
    while True:
        stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            parts.append(stream.decompress(rest))
        except zlib.error as err:
            raise DatasetFileError(path, f"the gzip data is corrupt ({err})",
                                   hint="Replace it with the original file (download it again)") from None
        if not stream.eof:
            raise DatasetFileError(
                path, f"the gzip stream ends early: the file ({len(raw)} bytes) is truncated, "
                "perhaps by an interrupted download",
                offset=len(raw), hint="Download it again")
        rest = stream.unused_data
        # gzip allows several members back to back; zero bytes after the last one are padding.
        if not rest.strip(b"\0"):
            break
        if rest[:2] != _GZIP_MAGIC:
            raise DatasetFileError(path, f"{len(rest)} bytes of unexpected data follow the gzip stream "
                                   f"(at byte offset {len(raw) - len(rest)})",
                                   offset=len(raw) - len(rest))
    return b"".join(parts) if len(parts) > 1 else parts[0]


def _parse(path, raw, kind, gzipped):
    ndim = _KINDS[kind]
    where = " of the decompressed data" if gzipped else ""
    expected_magic = (_UBYTE << 8) | ndim
    if len(raw) < 4:
        raise DatasetFileError(path, f"is {len(raw)} bytes long{' once decompressed' if gzipped else ''}, "
                               "too short to hold even the 4-byte idx magic number", offset=len(raw))
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise DatasetFileError(
            path, f"is not an idx {kind} file: expected magic number 0x{expected_magic:08x} "
            f"(unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''}) at byte 0{where}, got 0x{magic:08x}",
            offset=0, hint=_magic_hint(raw, magic, kind))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFileError(path, f"is truncated inside its header: {len(raw)} bytes{where}, "
                               f"the header alone needs {header}", offset=len(raw))
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if 0 in dims:
        raise DatasetFileError(path, f"declares dimensions {dims} in its header: there is no data in it",
                               offset=4)
    expected = int(np.prod(dims, dtype=np.int64))
    present = len(raw) - header
    what = (f"{dims[0]} images of {dims[1]}x{dims[2]}" if kind == "images" else f"{dims[0]} labels")
    if present < expected:
        item = dims[1] * dims[2] if kind == "images" else 1
        raise DatasetFileError(
            path, f"is truncated: its header declares {what} ({header + expected} bytes{where}) but "
            f"there are only {header + present}; the data ends at byte offset {header + present}, "
            f"inside {kind[:-1]} {present // item}",
            offset=header + present, hint="Download it again")
    if present > expected:
        raise DatasetFileError(
            path, f"has {present - expected} bytes beyond the {what} its header declares "
            f"(from byte offset {header + expected}{where}): the header or the file is corrupt",
            offset=header + expected, hint="Replace it with the original file (download it again)")
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header).reshape(dims)


def _magic_hint(raw, magic, kind):
    other = "labels" if kind == "images" else "images"
    if magic == (_UBYTE << 8) | _KINDS[other]:
        return f"It looks like an idx {other} file: are the images and labels files swapped?"
    head = raw[:64].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")):
        return "It looks like a web page (an error page saved by a failed download?)"
    if magic >> 16 == 0 and (magic >> 8) & 0xFF != _UBYTE:
        return f"It is an idx file of type 0x{(magic >> 8) & 0xFF:02x}, not unsigned bytes (0x08)"
    return "Point blockstudio at the original MNIST-format files"
