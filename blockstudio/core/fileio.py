"""Writing files so that a crash never leaves a half-written one behind, nor, for long, its debris.

``atomic_write`` writes into a hidden temporary file beside the destination (``.NAME.XXXXXXXX.tmp``)
and renames it into place only when everything was written. A process killed mid-write (kill -9,
SIGTERM, a power cut) leaves that temporary file behind; the next ``atomic_write`` into the same
folder removes such leftovers. A writer holds an exclusive ``flock`` on its temporary file for as
long as it writes, so a leftover is told from a write in progress (in this process or another) by
whether its lock can be taken: the kernel drops the lock when its process dies.
"""

import contextlib
import os
import re
import tempfile
import time

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers are then recognised by age alone
    fcntl = None

__all__ = ["atomic_write", "clean_stale_temp_files"]

# The names tempfile.mkstemp gives ours: "." + destination name + "." + 8 random characters + ".tmp".
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
# Without flock, a temporary file is only taken for a leftover once it is this old (seconds).
_UNLOCKED_STALE_AGE = 24 * 3600


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path``; on success, rename it over ``path``.

    If the body raises, the temporary file is removed and ``path`` is untouched. An ``OSError``
    while writing (a full disk, a file size limit) names ``path``, which the operating system's
    message would not. Leftovers of earlier writes into the same folder that were killed are
    removed first (see :func:`clean_stale_temp_files`).

    >>> with atomic_write("net.params.npz") as f:
    ...     f.write(b"...")
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    clean_stale_temp_files(folder)
    fd, tmp = _locked_temp_file(path, folder)
    # The lock belongs to the open file, not to this descriptor: a duplicate keeps it held until
    # the file has its final name, so no cleaner can take it for a leftover in between.
    lock = os.dup(fd)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would, or the
        # mode of the file it replaces.
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o666 & ~_UMASK)
        f = os.fdopen(fd, mode)
        try:
            yield _PathNamingFile(f, path)  # its write errors name the file; the body's own do not
        except BaseException:
            # Closing flushes what is buffered and may fail again: that is not news.
            with contextlib.suppress(OSError):
                f.close()
            raise
        try:
            f.flush()
            os.fsync(f.fileno())
            f.close()
        except OSError as err:
            with contextlib.suppress(OSError):
                f.close()
            raise _naming(err, path) from None
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(lock)


def clean_stale_temp_files(folder):
    """Remove the temporary files that interrupted ``atomic_write`` calls left in ``folder``.

    Only names of our own pattern (``.NAME.XXXXXXXX.tmp``) are considered, and only files no live
    writer holds. Returns the paths removed. Errors (a folder that cannot be listed, a file that
    cannot be removed) are ignored: cleaning is a courtesy, never a reason for a save to fail.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if fcntl is not None:
                if not _try_lock(fd):
                    continue  # a write in progress
            elif time.time() - os.fstat(fd).st_mtime < _UNLOCKED_STALE_AGE:
                continue
            # Still the file we locked (not replaced by a new writer's file of the same name)?
            if os.stat(entry.path, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
                continue
            os.unlink(entry.path)
            removed.append(entry.path)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


def _try_lock(fd):
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _locked_temp_file(path, folder):
    """A new temporary file beside ``path``, locked against ``clean_stale_temp_files``."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                                   dir=folder)
        if fcntl is None:
            return fd, tmp
        # A cleaner may have taken this brand-new, not yet locked file for a leftover and removed
        # it: then the name no longer leads to our file, and we start again.
        try:
            if _try_lock(fd) and os.stat(tmp, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def _naming(err, path):
    """The same kind of OSError, naming ``path`` if the system's message did not name a file."""
    if err.filename is not None or err.errno is None:
        return err
    return type(err)(err.errno, f"{err.strerror} (while writing the file)", path)


class _PathNamingFile:
    """A file whose write errors name the destination, so "No space left on device" says where."""

    def __init__(self, f, path):
        self._f, self._path = f, path

    def write(self, data):
        try:
            return self._f.write(data)
        except OSError as err:
            raise _naming(err, self._path) from None

    def flush(self):
        try:
            self._f.flush()
        except OSError as err:
            raise _naming(err, self._path) from None

    def __getattr__(self, name):
        return getattr(self._f, name)


def _read_umask():
    # Reading the umask means setting it; done once at import, before any worker thread.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
