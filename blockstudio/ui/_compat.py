"""A guard against a reference-counting bug of the PySide6 6.12.0 wheels on CPython < 3.12.

Those wheels return ``None`` (from every C++ function returning void) and ``True``/``False``
without taking a reference, as if they were immortal objects, which they are only from
CPython 3.12 on. On 3.11 each ``label.setText(...)`` lowers ``None``'s reference count by
one, and a session of a few minutes (plots redraw many times a second) reaches zero and
aborts with "Fatal Python error: none_dealloc". Older and newer PySide6 releases are
unaffected; the real fix is a dependency pin (``PySide6-Essentials<6.12``). Until it lands,
this gives the three singletons a reference count that no session can exhaust, which is
what 3.12 does for them anyway. It does nothing on unaffected versions.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40  # ~10^12 calls: far beyond any session


def affected(pyside_version: str, python=sys.version_info) -> bool:
    """True for the PySide6 releases with the bug, on Pythons without immortal objects."""
    return pyside_version.startswith("6.12.") and python < (3, 12) and sys.implementation.name == "cpython"


def guard_singleton_refcounts() -> bool:
    """Apply the guard if this interpreter needs it; returns whether it was applied."""
    import PySide6

    if not affected(PySide6.__version__):
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    return True
