"""Every modal question and file chooser the window uses, in one replaceable object.

The main window never calls QMessageBox or QFileDialog itself: it asks ``window.dialogs``.
Tests swap in a scripted stand-in, so they drive the real commands without a modal loop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

PROJECT_FILTER = "blockstudio projects (*.bsproj);;All files (*)"
PARAMS_FILTER = "Parameters (*.npz *.params);;All files (*)"
SCRIPT_FILTER = "Python scripts (*.py);;All files (*)"


class Dialogs:
    """Modal dialogs parented to ``parent`` (the main window)."""

    def __init__(self, parent):
        self.parent = parent

    def ask_save_changes(self, name: str) -> str:
        """``"save"``, ``"discard"`` or ``"cancel"`` for unsaved changes in project ``name``."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to {name} before continuing?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.parent)
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")

    def ask_stop_training(self) -> bool:
        answer = QMessageBox.question(
            self.parent, "Training is running",
            "A training run is active. Stop it (keeping the last completed step) and continue?")
        return answer == QMessageBox.StandardButton.Yes

    def open_file(self, title: str, start: str, file_filter: str):
        path, _ = QFileDialog.getOpenFileName(self.parent, title, start, file_filter)
        return path or None

    def save_file(self, title: str, start: str, file_filter: str, suffix: str):
        path, _ = QFileDialog.getSaveFileName(self.parent, title, start, file_filter)
        if path and not Path(path).suffix:
            path += suffix
        return path or None

    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.parent, title, message)

    def warning(self, title: str, message: str) -> None:
        QMessageBox.warning(self.parent, title, message)

    def info(self, title: str, message: str) -> None:
        QMessageBox.information(self.parent, title, message)
