"""The training panel: settings, Start / Pause / Resume / Stop, epoch progress and a status line.

The run itself belongs to the workspace (a worker thread); this panel calls its methods and
renders what the bridge relays, at the bridge's bounded rate.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from blockstudio.ui import style
from blockstudio.ui.fields import FieldEditor
from blockstudio.workspace import spec as specs

ACTIVE_STATES = ("running", "paused", "stopping")
STATUS_INTERVAL = 0.25  # seconds between updates of the status line and the progress bar

# name: (label, kind, tooltip); the order is the form's order.
TRAINING_FIELDS = {
    "epochs": ("Epochs", "int", "Passes over the training set."),
    "batch_size": ("Batch size", "int", "Samples per step; Trainer.step(batch_size) divides by it."),
    "optimizer": ("Optimizer", "choice", "gluon.Trainer's optimizer."),
    "learning_rate": ("Learning rate", "float", "Step size of the optimizer."),
    "momentum": ("Momentum", "float", "SGD momentum in [0, 1); 0 is plain SGD. Adam has none."),
    "weight_decay": ("Weight decay", "float", "L2 penalty added by the optimizer (wd)."),
    "initializer": ("Initializer", "choice", "How the parameters start."),
    "init_magnitude": ("Magnitude", "float", "mx.init.Xavier(magnitude=...): the tutorial uses 2.24."),
    "init_scale": ("Scale", "float", "Uniform: values in [-scale, scale]; Normal: sigma."),
    "seed": ("Seed", "int", "Seeds every random choice, so a run repeats exactly."),
    "dataset": ("Dataset", "choice", "Which 28x28 digit-like data set to train on."),
    "data_dir": ("Data folder", "path", "Where the .gz files are; empty: found automatically."),
    "validation": ("Validation", "int", "Training images held out, chosen by the seed, to measure each "
                                        "epoch on (its loss and accuracy are plotted); 0: none."),
    "patience": ("Patience", "int", "Early stopping: end the run after this many epochs without a better "
                                    "validation accuracy; 0: off."),
}
LAYOUT = [("epochs", "batch_size"), ("optimizer", "learning_rate"), ("momentum", "weight_decay"),
          ("initializer", "init_magnitude"), ("seed", "dataset"), ("validation", "patience"), ("data_dir",)]

_LABELS = {"sgd": "SGD", "adam": "Adam", "xavier": "Xavier", "uniform": "Uniform", "normal": "Normal",
           "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
CHOICES = {
    name: [(_LABELS.get(value, value), value) for value in values]
    for name, values in (("optimizer", specs.OPTIMIZERS), ("initializer", specs.INITIALIZERS),
                         ("dataset", specs.DATASETS))
}


def loss_text(value) -> str:
    """0.3721 as usual; an exploding loss as 4.824e+19, not a line of twenty digits."""
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3e}"


def _short_path(path: str, keep: int = 2) -> str:
    """``~/…/datasets/mnist``: a button stays narrow; its tooltip has the whole path."""
    import os

    home = os.path.expanduser("~")
    if path.startswith(home + os.sep):
        path = "~" + path[len(home):]
    parts = path.split(os.sep)
    return path if len(parts) <= keep + 2 else os.sep.join(parts[:1] + ["…"] + parts[-keep:])


def _duration(seconds) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class TrainingPanel(QWidget):
    """Training settings and run controls for a workspace.

    Example::

        panel = TrainingPanel(ws, bridge)
        panel.start_button.click()      # ws.start_training()
    """

    message = Signal(str)  # a one-line note for the status bar
    validityChanged = Signal()  # a field started or stopped showing an error
    downloadRequested = Signal()  # the "Download MNIST (11 MB) to <folder>" button
    refused = Signal(str, str)  # (title, message): a run that cannot start, worth a dialog

    def __init__(self, workspace, bridge, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.bridge = bridge
        self.state = "idle"
        self._last_status = 0.0
        self.limit = None  # quick checks (tests, the benchmark): train on the first N images only
        self.fields: dict[str, FieldEditor] = {}
        self._momentum_applies = True
        self._continuing = False  # the current run started from trained parameters
        # Two settings per row keeps the panel short enough to share the right column with
        # the inspector at 1280x800.
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._labels = {}
        for name, (label, kind, tip) in TRAINING_FIELDS.items():
            field = FieldEditor(name, kind, choices=CHOICES.get(name), tooltip=tip,
                                placeholder="automatic" if name == "data_dir" else "")
            field.committed.connect(self._commit)
            field.errorChanged.connect(lambda *_: self._validity_changed())
            self.fields[name] = field
            self._labels[name] = QLabel(label)
            self._labels[name].setToolTip(tip)
            self._labels[name].setContentsMargins(0, 4, 0, 0)  # line up with the editor's text
        for row, pair in enumerate(LAYOUT):
            for column, name in enumerate(pair):
                if name is None:
                    continue
                span = 3 if len(pair) == 1 else 1
                grid.addWidget(self._labels[name], row, 2 * column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                grid.addWidget(self.fields[name], row, 2 * column + 1, 1, span)
        # Magnitude (Xavier) and scale/sigma (Uniform/Normal) share one cell.
        row = next(i for i, pair in enumerate(LAYOUT) if "init_magnitude" in pair)
        grid.addWidget(self._labels["init_scale"], row, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.fields["init_scale"], row, 3)

        icon = self.style().standardIcon
        self.start_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPlay), "Start")
        self.pause_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPause), "Pause")
        self.resume_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPlay), "Resume")
        self.stop_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaStop), "Stop")
        self.start_button.setToolTip("Train on the chosen data set with these settings (F5)")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.resume_button, 0, 0)
        buttons.addWidget(self.pause_button, 0, 1)
        buttons.addWidget(self.stop_button, 0, 2)
        self.restore_button = QPushButton("Restore best epoch")
        self.restore_button.clicked.connect(self.restore_best_epoch)
        buttons.addWidget(self.restore_button, 1, 0, 1, 3)

        # Where the data set is, or the offer to download it: without data the app used to say
        # only "not found" (and Pass one batch quietly used random numbers).
        self.data_label = QLabel()
        self.data_label.setObjectName("hintLabel")
        self.data_label.setWordWrap(True)
        self.download_button = QPushButton()
        self.download_button.clicked.connect(self.downloadRequested.emit)
        self.download_button.hide()

        self.progress = QProgressBar()
        self.progress.setFormat("epoch %p%")
        self.progress.setValue(0)
        self.status_label = QLabel("Not trained yet.")
        self.status_label.setObjectName("hintLabel")
        self.status_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        # Lasting state, not a status-bar note that scrolls away: Start continues trained values.
        self.notice_label = QLabel()
        self.notice_label.setObjectName("noticeLabel")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(grid)
        layout.addWidget(self.data_label)
        layout.addWidget(self.download_button)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_label)
        layout.addStretch(1)

        bridge.trainingState.connect(self._on_state)
        bridge.stepsArrived.connect(self._on_steps)
        bridge.epochFinished.connect(self._on_epoch)
        bridge.runFinished.connect(self._on_finished)
        bridge.runReset.connect(self._on_reset)
        bridge.projectChanged.connect(self.reload)
        changed = getattr(bridge, "changed", None)
        if changed is not None:
            changed.connect(self._on_changed)
        for signal in (bridge.projectChanged, bridge.runFinished, bridge.runReset, bridge.layersChanged,
                       bridge.shapesChanged, bridge.trainingState):
            signal.connect(lambda *_: self._update_notice())
        self.reload()
        self._show_results()
        self._on_state(getattr(workspace, "training_state", "idle"))
        self._update_restore()

    # -- settings -------------------------------------------------------------------------
    def reload(self) -> None:
        settings = self.workspace.training_settings
        for name, field in self.fields.items():
            field.set_value(getattr(settings, name))
        self._show_relevant_rows(settings)
        self.update_data_status()

    def _show_relevant_rows(self, settings) -> None:
        self._momentum_applies = settings.optimizer == "sgd"
        self.fields["momentum"].set_read_only(not self._momentum_applies or self.state in ACTIVE_STATES)
        xavier = settings.initializer == "xavier"
        for name, visible in (("init_magnitude", xavier), ("init_scale", not xavier)):
            self.fields[name].setVisible(visible)
            self._labels[name].setVisible(visible)
        self._labels["init_scale"].setText("Sigma" if settings.initializer == "normal" else "Scale")

    def _commit(self, name: str, value) -> None:
        if getattr(self.workspace.training_settings, name) == value:
            self.fields[name].set_error(None)
            return
        try:
            self.workspace.set_training_settings(**{name: value})
        except ValueError as exc:  # SettingError / LockedError: shown beside the field
            self.fields[name].set_error(getattr(exc, "message", None) or str(exc))
            return
        self.reload()

    def invalid_fields(self) -> dict:
        """``{label: error}`` of the settings whose typed value was refused (Start waits for them)."""
        return {TRAINING_FIELDS[name][0]: field.error_text() for name, field in self.fields.items()
                if field.error_label.text()}

    def _validity_changed(self) -> None:
        self._on_state(self.state)
        self.validityChanged.emit()

    # -- run control ----------------------------------------------------------------------
    def _call(self, method, **options) -> bool:
        try:
            method(**options)
        except ValueError as exc:  # TrainingError (no data, no layers...), LockedError
            self.status_label.setText(str(exc))
            self.message.emit(str(exc))
            self.refused.emit("Cannot train", str(exc))
            return False
        return True

    def start(self, restart=None) -> None:
        """Start a run; ``self.limit`` (None: all images) trains on the first N images only.

        ``restart=True`` trains fresh parameters from the seed; by default a trained network
        continues, and the status bar says so (its plots start over, which otherwise reads as
        a new run starting at a suspiciously low loss).
        """
        invalid = self.invalid_fields()
        if invalid:
            # It used to start with the previous value while the field still showed the refusal.
            label, error = next(iter(invalid.items()))
            self.status_label.setText(f"Fix {label} first: {error}")
            return
        options = {"limit": self.limit} if self.limit else {}
        if restart is not None:
            options["restart"] = restart
        continuing = not restart and getattr(self.workspace, "has_trained_parameters", False)
        self._continuing = bool(continuing)
        if self._call(self.workspace.start_training, **options) and continuing:
            self.message.emit("Training continues from the current parameters; "
                              "Run ▸ Train from Scratch (Ctrl+F5) starts over from the seed.")

    def pause(self) -> None:
        self._call(self.workspace.pause_training)

    def resume(self) -> None:
        self._call(self.workspace.resume_training)

    def stop(self) -> None:
        self._call(self.workspace.stop_training)

    def restyle(self) -> None:
        """Button glyphs in the active theme (black on a dark panel otherwise)."""
        from blockstudio.ui.actions import glyph_icon

        SP = QStyle.StandardPixmap
        for button, pixmap in ((self.start_button, SP.SP_MediaPlay), (self.pause_button, SP.SP_MediaPause),
                               (self.resume_button, SP.SP_MediaPlay), (self.stop_button, SP.SP_MediaStop)):
            button.setIcon(glyph_icon(self, pixmap))

    def update_data_status(self) -> None:
        """Say where the chosen data set is, or offer to download it."""
        from blockstudio.ui.download_dialog import offer_text
        from blockstudio.workspace.data import dataset_title, find_data_folder
        from blockstudio.workspace.download import download_folder

        settings = self.workspace.training_settings
        title = dataset_title(settings.dataset)
        folder = find_data_folder(settings.dataset, settings.data_dir)
        if folder is not None:
            self.data_label.setText(f"{title}: {folder}")
            self.data_label.setToolTip(folder)
            self.download_button.hide()
            return
        target = download_folder(settings.dataset, settings.data_dir)
        self.data_label.setText(f"{title} is not on this computer yet"
                                + (f" (not in {settings.data_dir})." if settings.data_dir else "."))
        text = offer_text(settings.dataset, target)
        self.download_button.setText(text.replace(target, _short_path(target)))
        self.download_button.setToolTip(text)
        self.download_button.show()

    def _update_notice(self) -> None:
        trained = bool(getattr(self.workspace, "has_trained_parameters", False))
        if self.state == "idle" and trained:
            text = ("<b>Start continues</b> from the network's trained parameters. "
                    "Run ▸ Train from Scratch (Ctrl+F5) starts over from the seed.")
        elif self.state in ACTIVE_STATES and self._continuing:
            text = "This run continues from the parameters trained before it."
        else:
            text = ""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def restore_best_epoch(self) -> None:
        """Put back the parameters of the last run's best epoch (``Workspace.restore_best_epoch``)."""
        try:
            self.workspace.restore_best_epoch()
        except ValueError as exc:  # TrainingError / LockedError: nothing changed, say why
            self.status_label.setText(str(exc))
            self.message.emit(str(exc))
            return
        best = self.workspace.best_epoch
        self.message.emit(f"Restored the parameters of epoch {best.epoch}, the best epoch of the last run.")

    def _update_restore(self) -> None:
        ws = self.workspace
        best = getattr(ws, "best_epoch", None)
        problem = getattr(ws, "best_epoch_problem", "") if best is not None else "no best epoch"
        self.restore_button.setVisible(best is not None)
        self.restore_button.setEnabled(best is not None and problem is None)
        if best is not None:
            accuracy = best.results.validation_accuracy if best.results else None
            shown = f" ({accuracy:.2%})" if accuracy is not None else ""
            self.restore_button.setText(f"Restore best epoch: {best.epoch}{shown}")
            self.restore_button.setToolTip(problem or f"Put back the parameters after epoch {best.epoch}, the "
                                                      f"highest validation accuracy of the last run{shown}.")

    def _on_state(self, state: str) -> None:
        self.state = state
        active = state in ACTIVE_STATES
        self.start_button.setVisible(state != "paused")
        invalid = self.invalid_fields()
        self.start_button.setEnabled(state == "idle" and not invalid)
        self.start_button.setToolTip(
            "Fix the setting marked in red first: " + "; ".join(f"{k}: {v}" for k, v in invalid.items())
            if invalid else "Train on the chosen data set with these settings (F5)")
        self.resume_button.setVisible(state == "paused")
        self.pause_button.setEnabled(state == "running")
        self.stop_button.setEnabled(state in ("running", "paused"))
        for name, field in self.fields.items():
            field.set_read_only(active or (name == "momentum" and not self._momentum_applies))
        if state == "paused":
            self.status_label.setText("Paused. " + self.status_label.text().removeprefix("Paused. "))
        self._update_restore()

    def _on_changed(self, names) -> None:
        if names & {"results", "parameters", "project"} and self.bridge.state == "idle":
            self._show_results()
        if names & {"project", "history", "layers", "parameters"}:
            self._update_restore()

    def _show_results(self) -> None:
        """Which parameters the results describe, and whether they still do (idle only: during a
        run the epoch lines are live)."""
        ws = self.workspace
        if getattr(ws, "results", None) is None and not getattr(ws, "has_trained_parameters", False):
            self.result_label.setText("")
            return
        text, stale = ws.results_report()
        text = style.escape(text)
        if stale:
            text = f'<span style="color:{style.UNKNOWN_FG}">{text}</span>'
        self.result_label.setText(text)

    def _on_reset(self) -> None:
        self.progress.setValue(0)
        self.result_label.setText("")
        starting = self.bridge.state == "running"
        self.status_label.setText("Starting: loading the data set…" if starting else "Not trained yet.")

    def _on_steps(self, step, _losses) -> None:
        # Numbers that change 10 times a second cannot be read: show them about 4 times a second
        # (and repaint less, which leaves the training worker more time).
        now = time.monotonic()
        if step is None:
            return
        total = max(1, int(step.steps_per_epoch))
        # An epoch's last step is always shown: the test pass that follows sends no steps, and a
        # dropped last update left the bar at e.g. 87 % through the evaluation (and after a Stop).
        if now - self._last_status < STATUS_INTERVAL and int(step.step) < total:
            return
        self._last_status = now
        self.progress.setMaximum(total)
        self.progress.setValue(min(int(step.step), total))
        epochs = self.workspace.training_settings.epochs
        prefix = "Paused. " if self.state == "paused" else ""
        self.status_label.setText(
            f"{prefix}Epoch {step.epoch}/{epochs} · step {step.step}/{total} · "
            f"{step.samples_per_sec:,.0f} samples/s · {_duration(step.eta_seconds)} left · "
            f"loss {loss_text(step.loss)}")

    def _on_epoch(self, event) -> None:
        test = "–" if event.test_acc is None else f"{event.test_acc:.2%}"
        val_acc = getattr(event, "val_acc", None)
        validation = ("" if val_acc is None else
                      f" · validation loss <b>{loss_text(event.val_loss)}</b> · validation accuracy "
                      f"<b>{val_acc:.2%}</b> (best: epoch {event.best_epoch})")
        self.result_label.setText(
            f"Epoch {event.epoch}: train loss <b>{loss_text(event.train_loss)}</b> · "
            f"train accuracy <b>{event.train_acc:.2%}</b> · test accuracy <b>{test}</b>{validation}")

    def _on_finished(self, event) -> None:
        reason = getattr(event, "reason", "")
        text = getattr(event, "message", "") or f"Training {reason}."
        if reason == "completed":
            self.progress.setValue(self.progress.maximum())
        self.status_label.setText(text)
        self._show_results()
        self._update_restore()
