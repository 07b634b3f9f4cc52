"""The window's file commands: New, Open, Open Example, Open Recent, Save, Save As,
parameters and script export, each asking before it discards unsaved work.

A mixin of ``MainWindow`` (kept apart to keep each module about one thing): it uses the
window's ``workspace``, ``dialogs`` and status bar, and reports failures in a dialog with the
workspace's own message, leaving the current project as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from blockstudio.ui.dialogs import PARAMS_FILTER, PROJECT_FILTER, SCRIPT_FILTER
from blockstudio.workspace.examples import examples_folder

EXAMPLE_NAME = "tutorial-mlp.bsproj"
LAST_FOLDER_KEY = "files/last_folder"


def error_text(exc: BaseException) -> str:
    """The dialog text for a failed file command: the workspace's message, or for an unexpected
    error (RecursionError, MemoryError, ...) what it means, so the dialog is never empty."""
    if isinstance(exc, (ValueError, OSError)) and str(exc):
        return str(exc)
    meaning = {RecursionError: "The file is nested too deeply to read.", MemoryError: "Not enough memory.",
               OverflowError: "A number in the file is too large."}
    for kind, text in meaning.items():
        if isinstance(exc, kind):
            return f"{text} ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})"
    return f"Unexpected error: {type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"


class FileCommands:
    def _start_dir(self) -> str:
        """Where a file dialog opens: the last folder the user chose a file in (kept between
        sessions), else the project's folder, else home. It used to be the process's working
        folder, wherever the app happened to be started from."""
        settings = getattr(self, "settings", None)
        last = getattr(self, "_last_folder", None) or (settings.value(LAST_FOLDER_KEY) if settings else None)
        if last and os.path.isdir(last):
            return last
        if self.workspace.path:
            return os.path.dirname(self.workspace.path)
        return os.path.expanduser("~")

    def _remember_folder(self, path) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        self._last_folder = folder
        settings = getattr(self, "settings", None)
        if settings is not None:
            settings.setValue(LAST_FOLDER_KEY, folder)

    def _stem(self) -> str:
        ws = self.workspace
        source = ws.path or getattr(ws, "copy_of", None)
        return Path(source).stem if source else "untitled"

    def maybe_save(self) -> bool:
        """True when it is fine to discard the current project (saved, or the user agreed)."""
        if not self.workspace.dirty:
            return True
        answer = self.dialogs.ask_save_changes(self.workspace.name)
        if answer == "save":
            return self.save_command()
        return answer == "discard"

    def new_command(self) -> None:
        if self.maybe_save():
            self.workspace.new()
            self._show_message("New project.")

    def open_command(self) -> None:
        if not self.maybe_save():
            return
        path = self.dialogs.open_file("Open project", self._start_dir(), PROJECT_FILTER)
        if path:
            self._remember_folder(path)
            self.open_path(path, asked=True)

    def open_example_command(self) -> None:
        folder = examples_folder()
        path = Path(folder) / EXAMPLE_NAME if folder else None
        if path is None or not path.exists():
            self.dialogs.error("Example not found", (
                f"The example project {EXAMPLE_NAME} is not installed: it ships in the examples/ folder "
                "of a blockstudio source checkout."))
            return
        # As an untitled copy: Save after training must not overwrite the shipped example
        # (or fail in a read-only install); Save asks where, in the current folder.
        self.open_path(str(path), as_copy=True)

    def open_path(self, path: str, asked: bool = False, as_copy: bool = False) -> bool:
        """Open ``path``; on a damaged file show what is wrong and keep the current project."""
        if not asked and not self.maybe_save():
            return False
        try:
            warnings = self.workspace.open(path, as_copy=True) if as_copy else self.workspace.open(path)
        except Exception as exc:  # noqa: BLE001 - any failure is a dialog, never a silent traceback
            self.dialogs.error("Cannot open project", error_text(exc))
            return False
        for warning in warnings or []:
            self.dialogs.warning("Project opened with a warning", warning)
        self._show_message(f"Opened {path}")
        return True

    def _fill_recent_menu(self, menu) -> None:
        menu.clear()
        paths = self.workspace.recent_files
        for number, path in enumerate(paths, 1):
            action = menu.addAction(f"&{number % 10} {os.path.basename(path)}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)

    def save_command(self) -> bool:
        if self.workspace.path is None:
            return self.save_as_command()
        return self._save(None)

    def save_as_command(self) -> bool:
        start = os.path.join(self._start_dir(), f"{self._stem()}.bsproj")
        path = self.dialogs.save_file("Save project as", start, PROJECT_FILTER, ".bsproj")
        if path:
            self._remember_folder(path)
        return self._save(path) if path else False

    def _save(self, path) -> bool:
        try:
            self.workspace.save(path)
        except Exception as exc:  # noqa: BLE001 - any failure is a dialog, never a silent traceback
            self.dialogs.error("Cannot save project", error_text(exc))
            return False
        self._show_message(f"Saved {self.workspace.path}")
        return True

    def save_params_command(self) -> None:
        start = os.path.join(self._start_dir(), f"{self._stem()}.parameters.npz")
        path = self.dialogs.save_file("Save parameters", start, PARAMS_FILTER, ".npz")
        if path:
            self._remember_folder(path)
            self._run_file_job("Cannot save parameters", lambda: self.workspace.save_parameters(path),
                               f"Saved parameters to {path}")

    def load_params_command(self) -> None:
        path = self.dialogs.open_file("Load parameters", self._start_dir(), PARAMS_FILTER)
        if path:
            self._remember_folder(path)
            self._run_file_job("Cannot load parameters", lambda: self.workspace.load_parameters(path),
                               f"Loaded parameters from {path}")

    def export_command(self) -> None:
        start = os.path.join(self._start_dir(), f"{self._stem()}.py")
        path = self.dialogs.save_file("Export Python script", start, SCRIPT_FILTER, ".py")
        if path:
            self._remember_folder(path)
        if path and self._run_file_job("Cannot export the script", lambda: self.workspace.export_script(path),
                                       f"Exported {path}"):
            from blockstudio.workspace.export import run_instructions, script_data_folder

            # The exact command that works (this interpreter has every package the script needs).
            folder = script_data_folder(self.workspace.training_settings)
            self.dialogs.info("Script exported", f"Exported {path}.\n\n{run_instructions(path, folder)}")

    def _run_file_job(self, title, job, done) -> bool:
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - any failure is a dialog, never a silent traceback
            self.dialogs.error(title, error_text(exc))
            return False
        self._show_message(done)
        return True
