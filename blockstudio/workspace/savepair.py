"""A project and its parameters file on disk: saved as a consistent pair, opened from strangers safely.

Saving writes two files, and a crash may come between them. So the parameters never replace the
file the project on disk points to: they go to a new name (``<project>.parameters.npz``, else
``<project>.parameters.2.npz``, ``.3``, ... whichever does not exist yet), then the project is
replaced to point to them (with the list of arrays it expects), then the old file is removed.
Killed at any moment, the project on disk names a complete file that fits it; at worst an
unreferenced file of ours is left, and the hidden temporary files of interrupted writes are
removed by the next save once they are ``TEMP_MAX_AGE`` seconds old.

Opening: a project's ``"parameters"`` may name only a regular file inside the project's folder
(no absolute path, no ``..``, no symlink leading out, no device or pipe), no larger than the
network's parameters can take; anything else is refused with a message (``UnsafeParametersFile``).

>>> save_project("/tmp/mlp.bsproj", doc, write_parameters)           # doctest: +SKIP
'/tmp/mlp.parameters.npz'
"""

import contextlib
import itertools
import os
import re
import stat

from blockstudio.workspace.errors import ProjectFileError

TEMP_MAX_AGE = 300  # seconds: an older temporary file of ours belongs to a write that died
# core.fileio.atomic_write names its temporary files ".<name>.<8 random characters>.tmp".
_TEMP_TAIL = r"\.[a-z0-9_]{8}\.tmp"
# Tests set this to a function of the step name to kill the process between the steps.
CRASH_HOOK = None


class UnsafeParametersFile(ValueError):
    """A project's ``"parameters"`` that may not be read: outside its folder, not a regular file, too large."""


def _hook(step):
    if CRASH_HOOK is not None:
        CRASH_HOOK(step)


# -- names ---------------------------------------------------------------------------------

def owned_names(project_path):
    """The parameters file names a project saves to, in order of preference (an endless iterator)."""
    stem = os.path.splitext(os.path.basename(os.fspath(project_path)))[0]
    yield f"{stem}.parameters.npz"
    for number in itertools.count(2):
        yield f"{stem}.parameters.{number}.npz"


def is_owned(project_path, name):
    """True when ``name`` (a base name) is one of the names ``project_path`` saves its parameters to."""
    stem = os.path.splitext(os.path.basename(os.fspath(project_path)))[0]
    return re.fullmatch(re.escape(stem) + r"\.parameters(\.[1-9][0-9]*)?\.npz", name) is not None


def _new_name(project_path, avoid):
    folder = os.path.dirname(os.fspath(project_path))
    for name in owned_names(project_path):
        if name not in avoid and not os.path.lexists(os.path.join(folder, name)):
            return name


# -- opening -------------------------------------------------------------------------------

def parameters_file(project_path, name, doc):
    """The checked path of the parameters file ``name`` a project at ``project_path`` points to.

    Raises UnsafeParametersFile (a ValueError) unless it is a regular file inside the project's
    folder and no larger than ``doc``'s parameters can take; FileNotFoundError when it is absent.
    Nothing is read here but the file's metadata, so a device or a pipe never blocks.
    """
    from blockstudio.workspace.limits import count_parameters

    folder = os.path.realpath(os.path.dirname(os.path.abspath(os.fspath(project_path))))
    refuse = f"The project's parameters file {name!r} was not read: "
    if os.path.isabs(name) or (os.sep != "/" and name.startswith("/")):
        raise UnsafeParametersFile(refuse + "a project may only name a file in its own folder, not an absolute "
                                            "path.")
    real = os.path.realpath(os.path.join(folder, name))
    if os.path.commonpath([real, folder]) != folder or real == folder:
        raise UnsafeParametersFile(refuse + "it is outside the project's folder (a project may only name a file "
                                            "in its own folder).")
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise FileNotFoundError(2, f"{name} does not exist (it should be beside the project)", real) from None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeParametersFile(refuse + "it is not a regular file (a device, pipe or folder).")
    # float64 for every parameter, plus room for the archive's headers: a generous ceiling.
    ceiling = 8 * count_parameters(doc)[0] + 1024 * 1024
    if info.st_size > ceiling:
        raise UnsafeParametersFile(refuse + f"it is {info.st_size:,} bytes, more than this network's parameters "
                                            f"can take ({ceiling:,} bytes at most).")
    return real


def referenced_on_disk(project_path):
    """The ``"parameters"`` name the project file at ``project_path`` holds now, or None."""
    from blockstudio.workspace.project import read_project

    if not os.path.isfile(project_path):
        return None
    try:
        return read_project(project_path, lambda: "check").parameters
    except ProjectFileError:
        return None


# -- saving --------------------------------------------------------------------------------

def save_project(path, doc, write_parameters=None, previous=None, results=None, best_epoch=None):
    """Write the project at ``path`` and, with ``write_parameters``, its parameters, as a consistent pair.

    ``write_parameters(target)`` writes the parameters to ``target`` and returns the list of array
    names it wrote. ``previous`` is the parameters file the project was opened or last saved
    with: once the new pair is in place it is removed, if it is still the one the project on
    disk named and one of our names (a file we did not load, e.g. a damaged one, is never touched).
    ``best_epoch`` is what the project records of a best epoch whose arrays ``write_parameters`` wrote.
    Returns the new parameters path, or None. Raises ProjectFileError.
    """
    from blockstudio.workspace.project import write_project

    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    clean_stale_temp_files(folder, os.path.basename(path))
    _hook("start")
    if write_parameters is None:
        write_project(path, doc, None)
        _hook("project-written")
        return None
    old = referenced_on_disk(path)
    name = _new_name(path, avoid={old})
    target = os.path.join(folder, name)
    try:
        arrays = write_parameters(target)
    except OSError as error:
        raise ProjectFileError(f"Cannot save the parameters beside the project ({target}): "
                               f"{error.strerror or error}.") from error
    _hook("parameters-written")
    try:
        write_project(path, doc, name, arrays, results, best_epoch)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)  # unreferenced: the project on disk still names the old pair
        raise
    _hook("project-written")
    if old and old != name and is_owned(path, old) and previous is not None:
        old_path = os.path.join(folder, old)
        if os.path.realpath(old_path) == os.path.realpath(previous):
            with contextlib.suppress(OSError):
                os.unlink(old_path)
    _hook("old-removed")
    return target


def clean_stale_temp_files(folder, *names, max_age=TEMP_MAX_AGE):
    """Remove the temporary files killed atomic writes left in ``folder``. Returns the paths removed.

    The core decides (``fileio.clean_stale_temp_files``): only our own naming, and only files no
    live writer holds locked, so a save in progress elsewhere is never disturbed. ``names`` and
    ``max_age`` are kept for callers; where file locks are unavailable the core goes by age.
    """
    from blockstudio.core.fileio import clean_stale_temp_files as clean

    return clean(folder)
