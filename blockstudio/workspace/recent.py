"""The recent-files list, kept in a small JSON file in the user's config folder.

The folder is ``BLOCKSTUDIO_CONFIG_DIR`` when set (tests point it at a temporary folder),
else platformdirs' user config dir for "blockstudio".

>>> import tempfile, pathlib
>>> recent = RecentFiles(pathlib.Path(tempfile.mkdtemp()) / "recent.json")
>>> recent.paths
[]
"""

import json
import os
from pathlib import Path

from blockstudio.core.fileio import atomic_write

MAX_RECENT = 10


def config_dir():
    """Where blockstudio keeps its own small files (recent projects)."""
    override = os.environ.get("BLOCKSTUDIO_CONFIG_DIR")
    if override:
        return Path(override)
    try:
        import platformdirs
    except ImportError:  # platformdirs is a dependency; this only keeps a broken install usable
        return Path.home() / ".config" / "blockstudio"
    return Path(platformdirs.user_config_dir("blockstudio", appauthor=False))


class RecentFiles:
    """Most recent first, at most ``MAX_RECENT``, files that no longer exist dropped when read."""

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else config_dir() / "recent.json"

    @property
    def paths(self):
        return [p for p in self._load() if os.path.isfile(p)]

    def add(self, path):
        path = os.path.abspath(os.fspath(path))
        paths = [path] + [p for p in self._load() if p != path and os.path.isfile(p)]
        self._store(paths[:MAX_RECENT])

    def remove(self, path):
        path = os.path.abspath(os.fspath(path))
        self._store([p for p in self._load() if p != path])

    def clear(self):
        self._store([])

    def _load(self):
        # A damaged or foreign recent list is not worth an error dialog: start afresh.
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, dict) or not isinstance(data.get("recent"), list):
            return []
        return [p for p in data["recent"] if isinstance(p, str)]

    def _store(self, paths):
        # Failing to remember recent files must never stop a save or an open.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            from blockstudio.workspace.savepair import clean_stale_temp_files

            clean_stale_temp_files(self.path.parent, self.path.name)  # left by a write that was killed
            with atomic_write(self.path, "wb") as f:
                f.write(json.dumps({"recent": paths}, indent=2).encode("utf-8"))
        except OSError:
            pass
