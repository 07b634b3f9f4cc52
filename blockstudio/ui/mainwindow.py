"""The main window: palette | canvas | inspector + training, with the output tabs below.

The window owns no state of its own: every command is a workspace method, wrapped only with
what a window adds (asking before discarding changes, file choosers, showing errors). The
views render from the workspace when the bridge relays its events.
"""

from __future__ import annotations


from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import blockstudio
from blockstudio.ui import style, theme
from blockstudio.ui.actions import build_menus, build_toolbar, create_actions, with_shortcut
from blockstudio.ui.bridge import WorkspaceBridge
from blockstudio.ui.canvas import NetworkCanvas
from blockstudio.ui.dialogs import Dialogs
from blockstudio.ui.file_commands import FileCommands
from blockstudio.ui.inspect import install as install_inspection
from blockstudio.ui.inspector import Inspector
from blockstudio.ui.palette import LayerPalette
from blockstudio.ui.plots import TrainingPlots
from blockstudio.ui.status_bar import ElidingStatusBar
from blockstudio.ui.training_panel import ACTIVE_STATES, TrainingPanel
from blockstudio.ui.view_commands import ViewCommands
from blockstudio.ui.window_layout import WindowLayout
from blockstudio.workspace import spec as specs

def _text_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(style.monospace_font())
    return view


class MainWindow(FileCommands, ViewCommands, WindowLayout, QMainWindow):
    """The blockstudio window around a Workspace.

    Example::

        window = MainWindow(Workspace())
        window.actions["pass_batch"].trigger()
    """

    def __init__(self, workspace, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.dialogs = Dialogs(self)
        self.bridge = WorkspaceBridge(workspace, self)

        self.palette = LayerPalette(specs.LAYER_KINDS)
        self.canvas = NetworkCanvas(workspace, self.bridge)
        self.inspector = Inspector(workspace, self.bridge)
        self.training_panel = TrainingPanel(workspace, self.bridge)
        self.plots = TrainingPlots(self.bridge)
        self.params_view = _text_view()
        self.summary_view = _text_view()
        self.output_tabs = QTabWidget()
        self.output_tabs.setDocumentMode(True)
        self.output_tabs.addTab(self.plots, "Training plots")
        self.output_tabs.addTab(self._captioned(self.params_view, "print(net.collect_params())"), "Parameters")
        self.output_tabs.addTab(self.summary_view, "Summary")

        self.setCentralWidget(self.canvas)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.palette_dock = self._dock("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.training_dock = self._dock("Training", self.training_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.output_dock = self._dock("Output", self.output_tabs, Qt.DockWidgetArea.BottomDockWidgetArea)

        self.actions = create_actions(self)
        docks = [self.palette_dock, self.inspector_dock, self.training_dock, self.output_dock]
        self.menus = build_menus(self, self.actions, self._fill_recent_menu, docks)
        install_inspection(self)  # the Inspect dock, Run > Evaluate (blockstudio/ui/inspect)
        self.toolbar = build_toolbar(self, self.actions)
        self.canvas.addAction(self.actions["delete"])
        self.canvas.set_context_actions([self.actions["duplicate"], self.actions["delete"]])
        self.setStatusBar(ElidingStatusBar(self))
        self.state_label = QLabel()
        self.statusBar().addPermanentWidget(self.state_label)

        bridge = self.bridge
        bridge.changed.connect(self._on_changed)
        bridge.trainingState.connect(self._on_training_state)
        bridge.runFinished.connect(self._on_run_finished)
        bridge.epochFinished.connect(self._on_epoch)
        self.palette.appendRequested.connect(self._append_layer)
        self.canvas.editFailed.connect(self._show_message)
        self.training_panel.message.connect(self._show_message)
        self.training_panel.refused.connect(self.dialogs_warning)
        self.training_panel.validityChanged.connect(self._update_actions)
        self.training_panel.downloadRequested.connect(self.download_data_command)
        self.training_panel.installEventFilter(self)
        self.download_dialog = None

        saved = self.settings.value(theme.SETTINGS_KEY) if self.settings is not None else None
        self.set_theme(saved if saved in theme.CHOICES else theme.choice(), save=False)
        theme.notifier().changed.connect(self._restyle)
        self._restyle()  # icons (and views) in the theme chosen above

        self._layout_pending = not self._restore_geometry()
        if self._layout_pending:
            self._first_start_size()
        self._update_title()
        self._update_texts()
        self._on_training_state(getattr(workspace, "training_state", "idle"))
        self.statusBar().showMessage("Drag layers from the palette onto the network, then Pass one batch (Ctrl+B).")

    @staticmethod
    def _captioned(view, caption: str) -> QWidget:
        label = QLabel(caption)
        label.setFont(style.monospace_font())
        label.setObjectName("hintLabel")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(label)
        layout.addWidget(view)
        return box

    def _dock(self, title, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    # -- rendering ------------------------------------------------------------------------
    def _update_title(self) -> None:
        ws = self.workspace
        name = ws.name
        self.setWindowTitle(f"{name}[*] — blockstudio")
        self.setWindowModified(ws.dirty)
        self._update_actions()

    def _update_actions(self) -> None:
        ws, a = self.workspace, self.actions
        state = getattr(ws, "training_state", "idle")
        locked = state != "idle"
        has_block = ws.selected is not None
        a["undo"].setText(ws.undo_text or "&Undo")
        a["redo"].setText(ws.redo_text or "&Redo")
        # The Edit menu names the step; the toolbar button keeps a short fixed label (its tooltip
        # names the step) so the buttons after it do not shift under the mouse with every edit.
        for name, short in (("undo", "Undo"), ("redo", "Redo")):
            a[name].setIconText(short)
            a[name].setToolTip(with_shortcut(a[name], a[name].text().replace("&", "")))
        a["undo"].setEnabled(ws.can_undo and not locked)
        a["redo"].setEnabled(ws.can_redo and not locked)
        for name in ("delete", "duplicate"):
            a[name].setEnabled(has_block and not locked)
        for name in ("new", "open", "open_example", "load_params", "pass_batch"):
            a[name].setEnabled(not locked)
        self.menus["Open Recent"].setEnabled(not locked)
        valid = not self.training_panel.invalid_fields()  # a field showing an error holds Start back
        a["start"].setEnabled(state == "idle" and valid)
        from blockstudio.workspace.data import dataset_title

        a["download_data"].setText(f"&Download {dataset_title(ws.training_settings.dataset)}…")
        a["download_data"].setEnabled(not locked)
        a["start_fresh"].setEnabled(state == "idle" and valid and getattr(ws, "has_trained_parameters", False))
        a["pause"].setEnabled(state == "running")
        a["resume"].setEnabled(state == "paused")
        a["stop"].setEnabled(state in ("running", "paused"))
        a["restore_best"].setEnabled(getattr(ws, "best_epoch", None) is not None and ws.best_epoch_problem is None)
        a["resume"].setVisible(state == "paused")
        a["start"].setVisible(state != "paused")

    def _on_changed(self, names) -> None:
        """The window's own parts (title, actions, text panels), once per user action."""
        if names & {"project", "history"}:
            self._update_title()
        if names & {"history", "selection", "project"}:
            self._update_actions()
        if names & {"layers", "shapes", "parameters", "project"}:
            self._update_texts()
        if "layers" in names:
            self._drop_stale_batch_message()

    def _update_texts(self) -> None:
        ws = self.workspace
        for view, text in ((self.params_view, ws.params_text),
                           (self.summary_view, ws.summary_text or "The summary appears once a batch has "
                                                                  "passed (Run ▸ Pass One Batch, Ctrl+B).")):
            if view.toPlainText() != text:
                view.setPlainText(text)

    def dialogs_warning(self, title: str, message: str) -> None:
        self.dialogs.warning(title, message)  # looked up late: tests swap self.dialogs

    def _drop_stale_batch_message(self) -> None:
        # "Shapes resolved ... 109,386 parameters" stayed on after an edit had unresolved them.
        message = getattr(self, "_batch_message", None)
        if message and self.statusBar().currentMessage() == message and not self.workspace.shapes_resolved:
            self.statusBar().clearMessage()

    def _show_message(self, text: str, timeout: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout)

    # -- training -------------------------------------------------------------------------
    def _on_training_state(self, state: str) -> None:
        reason = (getattr(self.workspace, "lock_reason", "") or None) if state in ACTIVE_STATES else None
        if state in ACTIVE_STATES and reason is None:
            reason = f"Training is {state}: stop it to edit the network."
        for view in (self.canvas, self.palette, self.inspector):
            view.set_locked(reason)
        self.state_label.setText("" if state == "idle" else f"Training {state}")
        if state == "running":
            self.output_tabs.setCurrentWidget(self.plots)
        self._update_actions()

    def _on_epoch(self, event) -> None:
        test = "–" if event.test_acc is None else f"{event.test_acc:.2%}"
        self._show_message(f"Epoch {event.epoch}: train accuracy {event.train_acc:.2%}, test accuracy {test}", 0)

    def _on_run_finished(self, event) -> None:
        reason, message = getattr(event, "reason", ""), getattr(event, "message", "")
        if reason == "diverged":
            self.dialogs.warning("Training diverged", message)
        elif reason == "error":
            self.dialogs.error("Training failed", message)
        self._show_message(message or f"Training {reason}.", 0)
        self._update_texts()

    def quit_command(self) -> None:
        self.close()

    def about_command(self) -> None:
        self.dialogs.info("About blockstudio", (
            f"blockstudio {blockstudio.__version__}\n\nCompose, train and understand neural networks "
            "over a numpy engine that speaks MXNet Gluon 1.x."))

    # -- edit and run commands ------------------------------------------------------------
    def _guarded(self, job):
        try:
            return job()
        except ValueError as exc:  # LockedError and friends: say it, change nothing
            self._show_message(str(exc))
            return None

    def _append_layer(self, kind: str) -> None:
        with self.workspace.batch():
            uid = self._guarded(lambda: self.workspace.add_layer(kind))
            if uid is not None:
                self.workspace.select(uid)

    def undo_command(self) -> None:
        self._guarded(self.workspace.undo)

    def redo_command(self) -> None:
        self._guarded(self.workspace.redo)

    def delete_command(self) -> None:
        uid = self.workspace.selected
        if uid is not None:
            self._guarded(lambda: self.workspace.remove_layer(uid))

    def duplicate_command(self) -> None:
        uid = self.workspace.selected
        if uid is not None:
            new = self._guarded(lambda: self.workspace.duplicate_layer(uid))
            if new is not None:
                self.workspace.select(new)

    def pass_batch_command(self) -> None:
        ws = self.workspace
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok = self._guarded(ws.pass_batch)
        finally:
            QApplication.restoreOverrideCursor()
        if ok is None:
            return
        source = getattr(ws, "last_batch_source", "") or "one batch"
        if ok and source.startswith("random numbers"):
            # Say it plainly: the shapes are right, but these were not images.
            from blockstudio.workspace.data import dataset_title

            title = dataset_title(ws.training_settings.dataset)
            self._batch_message = (f"Shapes resolved, but with RANDOM NUMBERS, not {title} images: {source}. "
                                   f"File ▸ Download {title} gets the data.")
            self._show_message(self._batch_message, 0)
            self.output_tabs.setCurrentIndex(1)
            return
        if ok:
            self._batch_message = (f"Shapes resolved with {source}: "
                                   f"{style.count_text(ws.total_params)} parameters.")
            self._show_message(self._batch_message, 0)
            self.output_tabs.setCurrentIndex(1)
            return
        errors = getattr(ws, "layer_errors", {}) or {}
        uid = next((s.uid for s in ws.layers if s.uid in errors), None)
        if uid is not None:
            ws.select(uid)
            self._show_message(f"The network cannot run: {errors[uid]}", 0)

    def start_command(self) -> None:
        self.training_panel.start()

    def start_fresh_command(self) -> None:
        self.training_panel.start(restart=True)

    def pause_command(self) -> None:
        self.training_panel.pause()

    def resume_command(self) -> None:
        self.training_panel.resume()

    def stop_command(self) -> None:
        self.training_panel.stop()

    def restore_best_command(self) -> None:
        self.training_panel.restore_best_epoch()

    # -- window lifetime ------------------------------------------------------------------
    def _restore_geometry(self) -> bool:
        """The size and dock layout the user left; False on a first start."""
        if self.settings is None:
            return False
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        return state is not None and self.restoreState(state)

    def showEvent(self, event):
        super().showEvent(event)
        if self._layout_pending:  # first start: docks in proportion to the screen's window
            self._layout_pending = False
            self._fit_docks()

    def closeEvent(self, event):
        ws = self.workspace
        if getattr(ws, "training_state", "idle") in ACTIVE_STATES:
            if not self.dialogs.ask_stop_training():
                event.ignore()
                return
            ws.stop_training()
            wait = getattr(ws, "wait_training", None)
            if wait is not None:
                wait()
        if not self.maybe_save():
            event.ignore()
            return
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
            self.settings.sync()
        if not getattr(self, "_theme_disconnected", False):
            theme.notifier().changed.disconnect(self._restyle)
            self._theme_disconnected = True
        self.bridge.close()
        event.accept()
