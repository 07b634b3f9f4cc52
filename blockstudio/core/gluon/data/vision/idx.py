"""Reading the idx files MNIST and Fashion-MNIST ship in, checked so that a bad file is named, not guessed at.

The idx format (LeCun's) is a 4-byte big-endian magic number -- two zero bytes, a type byte (0x08 for
unsigned bytes), the number of dimensions -- then one big-endian uint32 per dimension, then the values.
Every byte of the file is accounted for here: a wrong magic number, a header that promises more or fewer
values than the file holds, or a gzip stream that stops early each raise :class:`DatasetFileError`.

Files are read as untrusted input: the header is decompressed and checked first, the declared size is
compared with a bound (``MAX_BYTES``), and the data is then decompressed in bounded chunks straight into
an array of the declared size, so a small ``.gz`` cannot inflate to gigabytes before anything is checked.
"""

import math
import os
import weakref
import zlib

import numpy as np

from ....arrayfile import open_regular

__all__ = ["DatasetFileError", "read_idx", "read_idx_pair"]

_GZIP_MAGIC = b"\x1f\x8b"
_UBYTE = 0x08
_KINDS = {"images": 3, "labels": 1}
_CHUNK = 1 << 20
# The largest idx file read unless the caller says otherwise: MNIST's training images are 47 MB and
# the largest MNIST-format sets (EMNIST) about 550 MB; a header declaring more is refused unread.
MAX_BYTES = 1 << 30
# How much of a gzip stream with a bad header is decompressed to see whether the stream is damaged.
_SKIM_BYTES = 1 << 26
# How far past the declared data we look to say how many bytes are too many.
_EXTRA_COUNTED = 1 << 16

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


def read_idx(path, kind, max_bytes=MAX_BYTES):
    """Read an unsigned-byte idx file (plain or gzipped) and return its values as a read-only numpy array.

    ``kind`` is ``"images"`` (3 dimensions: count, rows, columns) or ``"labels"`` (1 dimension).
    A header declaring more than ``max_bytes`` of values is refused before any data is read.

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
    f, size = open_regular(path, "dataset file", error=DatasetFileError)
    with f:
        gzipped = f.read(2) == _GZIP_MAGIC
        f.seek(0)
        source = _Gunzip(path, f, size) if gzipped else f
        try:
            array = _parse(path, source, kind, gzipped, max_bytes)
        except MemoryError:
            raise DatasetFileError(path, "there is not enough memory to read it") from None
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


class _Gunzip:
    """The decompressed bytes of a gzip file, produced on demand and never more than asked for."""

    def __init__(self, path, f, size):
        self.path, self.f, self.size = path, f, size
        self.stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self.input = b""  # compressed bytes read from the file, not yet taken by self.stream
        self.read_pos = 0
        self.done = False

    def _more(self):
        data = self.f.read(_CHUNK)
        self.read_pos += len(data)
        return data

    def read(self, n):
        """Up to ``n`` bytes; fewer only when the data (every gzip member) has ended."""
        parts, want = [], n
        while want > 0 and not self.done:
            if self.stream.eof:
                self._next_member()
                continue
            if not self.input:
                self.input = self._more()
                if not self.input:
                    raise DatasetFileError(
                        self.path, f"the gzip stream ends early: the file ({self.size} bytes) is truncated, "
                        "perhaps by an interrupted download", offset=self.size, hint="Download it again")
            try:
                out = self.stream.decompress(self.input, want)
            except zlib.error as err:
                raise DatasetFileError(self.path, f"the gzip data is corrupt ({err})",
                                       hint="Replace it with the original file (download it again)") from None
            self.input = self.stream.unused_data if self.stream.eof else self.stream.unconsumed_tail
            parts.append(out)
            want -= len(out)
        return b"".join(parts)

    def skim(self, limit):
        """Decompress and drop up to ``limit`` bytes, so that a corrupt stream reports itself."""
        while limit > 0 and self.read(min(_CHUNK, limit)):
            limit -= _CHUNK

    def _next_member(self):
        """After a gzip member: another member, zero padding to the end, or an error."""
        rest = self.input
        while len(rest) < 2:
            more = self._more()
            if not more:
                break
            rest += more
        if rest[:2] == _GZIP_MAGIC:
            self.stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            self.input = rest
            return
        offset = self.read_pos - len(rest)
        while rest:  # gzip allows zero bytes after the last member as padding
            if rest.strip(b"\0"):
                raise DatasetFileError(self.path, f"{self.size - offset} bytes of unexpected data follow the "
                                       f"gzip stream (at byte offset {offset})", offset=offset)
            rest = self._more()
        self.done = True


def _parse(path, source, kind, gzipped, max_bytes):
    ndim = _KINDS[kind]
    where = " of the decompressed data" if gzipped else ""
    expected_magic = (_UBYTE << 8) | ndim
    header = 4 + 4 * ndim
    raw = source.read(64)  # the header, and enough to recognise a web page saved by mistake
    if isinstance(source, _Gunzip) and (len(raw) < header or int.from_bytes(raw[:4], "big") != expected_magic):
        # A bad header in a damaged gzip stream: the damage is the news. Looked for within a bound.
        source.skim(_SKIM_BYTES)
    if len(raw) < 4:
        raise DatasetFileError(path, f"is {len(raw)} bytes long{' once decompressed' if gzipped else ''}, "
                               "too short to hold even the 4-byte idx magic number", offset=len(raw))
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise DatasetFileError(
            path, f"is not an idx {kind} file: expected magic number 0x{expected_magic:08x} "
            f"(unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''}) at byte 0{where}, got 0x{magic:08x}",
            offset=0, hint=_magic_hint(raw, magic, kind))
    if len(raw) < header:
        raise DatasetFileError(path, f"is truncated inside its header: {len(raw)} bytes{where}, "
                               f"the header alone needs {header}", offset=len(raw))
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if 0 in dims:
        raise DatasetFileError(path, f"declares dimensions {dims} in its header: there is no data in it",
                               offset=4)
    expected = math.prod(dims)  # Python integers: dimensions up to 2**32 - 1 each cannot overflow
    what = (f"{dims[0]} images of {dims[1]}x{dims[2]}" if kind == "images" else f"{dims[0]} labels")
    if max_bytes is not None and expected > max_bytes:
        raise DatasetFileError(
            path, f"declares {what} in its header, {expected} bytes of data{where}: more than the "
            f"{max_bytes} bytes a dataset file may hold here; the header is corrupt or the file is not "
            "a dataset (pass a larger max_bytes= if it is genuine)", offset=4,
            hint="Replace it with the original file (download it again)")
    # Grown as data arrives (not allocated from the header's word): memory follows what is really there.
    data = bytearray(raw[header:header + expected])
    while len(data) < expected:
        chunk = source.read(min(_CHUNK, expected - len(data)))
        if not chunk:
            break
        data += chunk
    present = len(data)
    if present < expected:
        item = dims[1] * dims[2] if kind == "images" else 1
        raise DatasetFileError(
            path, f"is truncated: its header declares {what} ({header + expected} bytes{where}) but "
            f"there are only {header + present}; the data ends at byte offset {header + present}, "
            f"inside {kind[:-1]} {present // item}",
            offset=header + present, hint="Download it again")
    # Beyond the data: at most a bounded look, so a bomb behind a valid header is not inflated.
    extra = len(raw) - min(len(raw), header + expected)
    extra += len(source.read(_EXTRA_COUNTED + 1 - extra)) if extra <= _EXTRA_COUNTED else 0
    if extra:
        count = f"more than {_EXTRA_COUNTED}" if extra > _EXTRA_COUNTED else str(extra)
        raise DatasetFileError(
            path, f"has {count} bytes beyond the {what} its header declares "
            f"(from byte offset {header + expected}{where}): the header or the file is corrupt",
            offset=header + expected, hint="Replace it with the original file (download it again)")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


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
