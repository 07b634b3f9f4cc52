"""The "Download MNIST (11 MB) to <folder>" dialog: a progress bar, Cancel, and the outcome.

The download runs on a worker thread (the workspace's ``download_dataset`` over the core's
checked downloader); it never touches a widget, it only emits signals, which Qt queues to the
GUI thread. Cancel sets a flag the worker checks between chunks; a cancelled or failed download
leaves nothing behind.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout

from blockstudio.workspace.data import dataset_title
from blockstudio.workspace.download import DownloadCancelled, download_dataset, size_mb


def offer_text(dataset: str, folder: str) -> str:
    """``Download MNIST (11 MB) to /home/me/.local/share/blockstudio/datasets/mnist``"""
    return f"Download {dataset_title(dataset)} ({size_mb(dataset)} MB) to {folder}"


class _Relay(QObject):
    progress = Signal(int, int)
    done = Signal(str, str)  # (outcome: "done" | "cancelled" | "failed", message)


class DownloadDialog(QDialog):
    """Example::

        dialog = DownloadDialog("mnist", folder, window)
        dialog.finishedWith.connect(lambda outcome, message: ...)
        dialog.start()
    """

    finishedWith = Signal(str, str)  # (outcome, message) once the worker has stopped

    def __init__(self, dataset: str, folder: str, parent=None):
        super().__init__(parent)
        self.dataset, self.folder = dataset, folder
        self.outcome = None
        self._stop = threading.Event()
        self._thread = None
        self.setWindowTitle(f"Download {dataset_title(dataset)}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = QLabel(offer_text(dataset, folder))
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel("Connecting…")
        self.status.setObjectName("hintLabel")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress)
        self._relay.done.connect(self._on_done)

    def start(self) -> None:
        """Show the dialog and begin downloading on a worker thread."""
        self.open()
        relay, stop = self._relay, self._stop

        def work():
            try:
                download_dataset(self.dataset, self.folder, progress=relay.progress.emit,
                                 should_stop=stop.is_set)
            except DownloadCancelled:
                relay.done.emit("cancelled", "Cancelled: nothing was kept.")
            except Exception as error:  # noqa: BLE001 - DownloadError, OSError: shown as they are
                relay.done.emit("failed", str(error))
            else:
                relay.done.emit("done", f"{dataset_title(self.dataset)} is ready in {self.folder}.")

        self._thread = threading.Thread(target=work, name="blockstudio-download", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        if self.outcome is None:
            self._stop.set()
            self.status.setText("Cancelling…")
        else:
            self.reject()

    def wait(self, timeout=None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 1000)
        self.status.setText(f"{done / 2 ** 20:.1f} of {total / 2 ** 20:.1f} MB")

    def _on_done(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        self.status.setText(message)
        if outcome == "done":
            self.progress.setValue(1000)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.finishedWith.emit(outcome, message)

    def closeEvent(self, event):
        self._stop.set()  # closing the dialog also stops the download
        super().closeEvent(event)

    def reject(self):
        self._stop.set()
        super().reject()
