"""What the array file readers share: their error, the header record, and the checks on both."""

import math
import os
import stat
from collections import namedtuple

import numpy as np

__all__ = ["ParameterFileError", "ArrayInfo", "MAX_BYTES", "check_dtype", "check_shape", "open_regular"]

# The bytes one load may read into arrays unless the caller says otherwise: generous for the
# networks blockstudio trains (the tutorial's MLP is 0.4 MB, a 4096x4096 Dense 64 MB), far below
# what a decompression bomb asks. A file declaring more is refused before anything is decompressed
# or allocated. load_parameters needs no such bound: it compares every header with the network.
MAX_BYTES = 512 << 20


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


class ArrayInfo(namedtuple("ArrayInfo", "shape dtype")):
    """An array's declared shape and dtype, read from a file's header before its data."""

    __slots__ = ()

    @property
    def nbytes(self):
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def size(self):
        return math.prod(self.shape)


def check_dtype(path, what, dtype):
    """Refuse every dtype but bool, integers and floats: parameters are never anything else."""
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        problem = "holds Python objects (pickled), which parameter files never contain"
    elif dtype.fields is not None or dtype.subdtype is not None:
        problem = f"has a structured dtype ({dtype}), which parameter files never contain"
    elif dtype.kind not in "biuf":
        kinds = {"U": "string", "S": "bytes", "M": "datetime", "m": "timedelta", "c": "complex",
                 "V": "raw bytes"}
        problem = (f"has dtype {dtype} ({kinds.get(dtype.kind, dtype.kind)}); parameter files hold "
                   f"only bool, integer and floating-point arrays")
    else:
        return dtype
    raise ParameterFileError(path, f"{what} {problem}")


def check_shape(path, what, shape, dtype):
    """Refuse a shape numpy cannot even describe (its non-zero dimensions overflow an index)."""
    span = math.prod(d for d in shape if d) * np.dtype(dtype).itemsize
    if any(d < 0 for d in shape) or span > np.iinfo(np.intp).max:
        raise ParameterFileError(path, f"{what} declares shape {tuple(shape)}, which no array can "
                                       f"have: the file is damaged or was altered")
    return tuple(shape)


def open_regular(path, what="parameter file", error=ParameterFileError):
    """Open ``path`` for reading if it is a regular file: ``(file, size)``.

    A FIFO, a device (``/dev/zero``) or a socket is refused without blocking on it or reading it.
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as err:
        raise FileNotFoundError(err.errno, f"no {what} at {path!r}", path) from None
    except IsADirectoryError as err:
        raise IsADirectoryError(err.errno, f"{path!r} is a folder, not a {what}", path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, f"{path!r} is a folder, not a {what}", path)
        if not stat.S_ISREG(info.st_mode):
            raise error(path, f"is not a regular file (a device, pipe or socket); a {what} must "
                              f"be a file on disk")
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise
