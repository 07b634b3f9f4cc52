"""Keep freed array memory in the process for reuse, as MXNet's pooled CPU storage does.

Every training step allocates the same large temporaries again (a LeNet step: im2col columns,
layer outputs, gradients, several MB each). glibc's malloc hands blocks above its mmap
threshold straight back to the kernel when freed, so each step pays page faults and the
kernel's zeroing of fresh pages for all of them: about a third of a LeNet step here. Raising
the mmap and trim thresholds keeps those blocks in the heap, where the next step reuses them.
The price is that the process keeps its high-water mark of memory until it exits.

Applied once when ``blockstudio.core`` is imported, on glibc only. ``BLOCKSTUDIO_MALLOC=system``
in the environment leaves malloc as it is.
"""

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 32 MiB on 64-bit systems (HEAP_MAX_SIZE / 2); blocks larger
# than that (rare here) keep their own mapping.
MMAP_THRESHOLD = 32 * 2 ** 20
TRIM_THRESHOLD = 256 * 2 ** 20

applied = False


def keep_freed_memory():
    """Raise glibc's mmap and trim thresholds; True if that was done."""
    global applied
    if applied:
        return True
    if os.environ.get("BLOCKSTUDIO_MALLOC") == "system" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl has no mallopt): nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
