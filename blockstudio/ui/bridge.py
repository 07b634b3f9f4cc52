"""The one place where workspace events become Qt signals.

The workspace knows nothing of Qt and may call its listeners from the training worker thread.
Views therefore never subscribe to ``ws.events`` themselves: they connect to this bridge's
signals, which Qt delivers in the GUI thread (a signal emitted from another thread to a
receiver living in the GUI thread is queued automatically).

Training steps run hundreds of times a second. The worker appends every step's loss to
``ws.run_history.step_losses`` and sends a throttled "step" event; here the event is only
*recorded* (an attribute store, atomic under the GIL), and a 10 Hz timer in the GUI thread
hands the losses added to the run history since the last tick to the views. Rare training
events (state, epoch, finished) are queued signals.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

# 10 Hz: smooth enough for a live plot; each tick's repaint holds the GIL the training worker
# needs, so a faster tick costs throughput (bench/bench_app.py measures it).
TICK_MS = 100


class WorkspaceBridge(QObject):
    """Relays a Workspace's events to the GUI thread as Qt signals.

    Example::

        bridge = WorkspaceBridge(ws)
        bridge.layersChanged.connect(canvas.rebuild)
    """

    # One per user action, with the set of what changed ("layers", "shapes", ...): views that
    # render several kinds connect here and re-render once.
    changed = Signal(object)
    layersChanged = Signal()
    shapesChanged = Signal()
    selectionChanged = Signal(object)
    projectChanged = Signal()
    historyChanged = Signal()
    trainingState = Signal(str)
    epochFinished = Signal(object)  # the workspace's "epoch" event
    runFinished = Signal(object)  # the workspace's "finished" event
    runReset = Signal()  # a fresh run began, or the project changed: plots and progress start over
    stepsArrived = Signal(object, object)  # (latest "step" event, np.ndarray of new losses)
    # Internal: every workspace event but "step" hops through this signal to the bridge, which
    # lives in the GUI thread: called there, it is direct; from the worker, it is queued.
    _relay = Signal(str, object)

    def __init__(self, workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self._history = getattr(workspace, "run_history", None)
        self._seen = 0  # losses of self._history already handed to the views
        self._last_step = None
        self._state = "idle"
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.flush_steps)
        self._relay.connect(self._dispatch)
        self._subscriptions = []
        for emitter in workspace.events:
            callback = self._on_training if emitter.type == "training" else self._forwarder(emitter.type)
            self._subscriptions.append((emitter, emitter.connect(callback)))
        changed = getattr(workspace.events, "changed", None)
        if changed is not None:
            self._subscriptions.append((changed, changed.connect(self._forwarder("changed"))))

    def _forwarder(self, name):
        def forward(event=None, **_):
            self._relay.emit(name, event)
        return forward

    def close(self) -> None:
        """Stop listening to the workspace (called when the window goes away)."""
        self._timer.stop()
        for emitter, callback in self._subscriptions:
            emitter.disconnect(callback)
        self._subscriptions = []

    @property
    def state(self) -> str:
        return self._state

    @property
    def last_step(self):
        return self._last_step

    def _on_training(self, event=None, **_):
        # Runs in whichever thread the workspace emits from: touch no widget here.
        if getattr(event, "kind", None) == "step":
            self._last_step = event
            return
        self._relay.emit("training", event)

    def _dispatch(self, name: str, event) -> None:
        """Turn one workspace event into the bridge's signals (always in the GUI thread)."""
        if name == "changed":
            self.changed.emit(frozenset(getattr(event, "names", ())))
        elif name == "layers":
            self.layersChanged.emit()
        elif name == "shapes":
            self.shapesChanged.emit()
        elif name == "selection":
            self.selectionChanged.emit(getattr(event, "uid", None))
        elif name == "project":
            self._check_history()  # a new or opened project has a fresh, empty run history
            self.projectChanged.emit()
        elif name == "history":
            self.historyChanged.emit()
        elif name == "training":
            self._dispatch_training(event)

    def _dispatch_training(self, event) -> None:
        kind = getattr(event, "kind", None)
        if kind == "state":
            state = event.state
            starting = state == "running" and self._state == "idle"
            self._state = state
            if starting:
                self._last_step = None
                self._check_history(force=True)
            if state in ("running", "paused", "stopping"):
                self._timer.start()
            self.trainingState.emit(state)
        elif kind == "epoch":
            self.flush_steps()
            self.epochFinished.emit(event)
        elif kind == "finished":
            self.flush_steps()
            self._timer.stop()
            self.runFinished.emit(event)

    def _check_history(self, force=False) -> None:
        history = getattr(self.workspace, "run_history", None)
        if force or history is not self._history:
            self._history, self._seen = history, 0
            self.runReset.emit()

    def flush_steps(self) -> None:
        """Hand every loss the run recorded since the last call to the views (GUI thread)."""
        history = getattr(self.workspace, "run_history", None)
        if history is not self._history:
            self._check_history()
        if history is None:
            return
        # The worker only appends to this list; a slice is a consistent snapshot under the GIL.
        new = history.step_losses[self._seen:]
        if not new:
            return
        first = self._seen == 0
        self._seen += len(new)
        if first:
            # A fresh run's parameters start deferred and take their shapes in its first
            # forward pass, after the workspace's last "shapes" event: show them now.
            self.shapesChanged.emit()
        self.stepsArrived.emit(self._last_step, np.asarray(new, dtype=np.float64))
