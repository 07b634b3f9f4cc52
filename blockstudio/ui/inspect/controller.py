"""The inspection views' shared state, fed by the WorkspaceBridge: the last evaluation, the test
set, the live tick during training, and the sample everyone can send to the sample view.

Everything here runs in the GUI thread. During a run a 2 Hz timer takes a consistent snapshot
of the parameters (under the workspace's step lock, a fraction of a millisecond), records the
weight and gradient distributions, and emits ``liveTick`` so that each *visible* view re-reads
what it shows: the training worker is never waited on for long, and never touches a widget.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from blockstudio.workspace.inspect import HistogramRecorder
from blockstudio.workspace.inspect.workspace_mixin import check_inspectable

LIVE_MS = 500          # 2 Hz while training: each tick's repaint holds the GIL the worker needs
STATS_IMAGES = 500     # test images for the dead-ReLU fraction


class InspectController(QObject):
    """Holds what the inspection views share; see the module docstring.

    Example::

        controller = InspectController(workspace, bridge)
        controller.evaluate()                 # Run > Evaluate
        controller.evaluation.accuracy
    """

    evaluationChanged = Signal()        # self.evaluation (or self.evaluation_message) changed
    parametersChanged = Signal()        # the network's values may differ: views re-read
    liveTick = Signal()                 # during a run, at a bounded rate
    sampleRequested = Signal(object, str)   # (28x28 image, caption) for the sample view

    def __init__(self, workspace, bridge, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.bridge = bridge
        self.evaluation = None
        self.evaluation_message = "Not evaluated yet: train the network, or Run ▸ Evaluate."
        self.evaluation_step = None        # global step the evaluation was taken at
        self.recorder = HistogramRecorder(rate=1000.0 / LIVE_MS, capacity=240)
        self.previous_snapshot = None      # (step, snapshot) before the last one: update ratios
        self.last_snapshot = None
        self._split = None
        self._split_key = None
        self._evaluated = None             # _fingerprint() of what self.evaluation measured
        self._live = QTimer(self)
        self._live.setInterval(LIVE_MS)
        self._live.timeout.connect(self.live_tick)
        # Edits and loads come in bursts of events: one refresh after the burst.
        self._changed = QTimer(self)
        self._changed.setSingleShot(True)
        self._changed.setInterval(0)
        self._changed.timeout.connect(self._parameters_changed)
        bridge.trainingState.connect(self._on_state)
        bridge.runFinished.connect(self._on_finished)
        bridge.epochFinished.connect(lambda _event: self.live_tick())  # a short run still gets a record per epoch
        bridge.shapesChanged.connect(self._changed.start)
        bridge.projectChanged.connect(self._changed.start)

    # -- what views read ---------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return getattr(self.workspace, "training_state", "idle") != "idle"

    def test_set(self):
        """The test split for the current settings (cached), or None when its files are missing."""
        settings = self.workspace.training_settings
        key = (settings.dataset, settings.data_dir)
        if key != self._split_key:
            self._split, self._split_key = self.workspace.test_set(), key
        return self._split

    def train_set(self):
        return self.workspace.test_set(train=True)

    def network_problem(self) -> str:
        """Why the network cannot be inspected now ("" when it can)."""
        try:
            check_inspectable(self.workspace.network)
        except ValueError as error:
            return str(error)
        return ""

    def untrained(self) -> bool:
        return not getattr(self.workspace, "has_trained_parameters", False) and not self.training

    def lock(self):
        return self.workspace.inspection_lock()

    # -- actions -----------------------------------------------------------------------------

    def evaluate(self) -> bool:
        """Evaluate the current parameters on the test set (Run > Evaluate); True if it ran."""
        try:
            result = self.workspace.evaluate()
        except ValueError as error:
            self.evaluation, self.evaluation_message = None, str(error)
            self.evaluationChanged.emit()
            return False
        self._evaluated = self._fingerprint()
        history = getattr(self.workspace, "run_history", None)
        self.evaluation_step = len(history.step_losses) if history is not None else None
        self.evaluation, self.evaluation_message = result, ""
        self.evaluationChanged.emit()
        return True

    def request_sample(self, image, caption: str) -> None:
        self.sampleRequested.emit(image, caption)

    def live_tick(self) -> None:
        """Record the distributions and let the views refresh (the timer's work, GUI thread)."""
        if self.network_problem():
            return
        step, snap = self.workspace.inspection_snapshot()
        if self.last_snapshot is None or step > self.last_snapshot[0]:
            self.previous_snapshot, self.last_snapshot = self.last_snapshot, (step, snap)
            self.recorder.record(step, snap, force=True)
        self.liveTick.emit()

    # -- bridge events -----------------------------------------------------------------------

    def _on_state(self, state: str) -> None:
        if state == "running" and not self._live.isActive():
            # A run starts (a resume finds the timer still running): its steps count from 1 again.
            self.recorder.clear()
            self.previous_snapshot = self.last_snapshot = None
            self._live.start()
        elif state == "idle":
            self._live.stop()

    def _on_finished(self, event) -> None:
        self._live.stop()
        self.live_tick()  # the final values, into the histograms and the views
        if getattr(event, "reason", None) in ("completed", "stopped"):
            self.evaluate()
        self.parametersChanged.emit()

    def _fingerprint(self):
        """What an evaluation depends on: the layers and the parameter arrays (loads replace them)."""
        ws = self.workspace
        layers = tuple((layer.kind, tuple(sorted(layer.settings.items()))) for layer in ws.layers)
        arrays = tuple((name, id(p._data), None if p._data is None else float(p._data._data.flat[0]))
                       for name, p in ws.network.collect_params().items())
        return layers, arrays

    def _parameters_changed(self) -> None:
        if self.training:
            return  # the live tick refreshes the views; evaluation waits for the run's end
        if self.evaluation is not None or getattr(self.workspace, "has_trained_parameters", False):
            if self._fingerprint() != self._evaluated:
                if self.network_problem() or not getattr(self.workspace, "has_trained_parameters", False):
                    self.evaluation, self._evaluated = None, None
                    self.evaluation_message = ("The network changed since it was evaluated: train it, "
                                               "or Run ▸ Evaluate.")
                    self.evaluationChanged.emit()
                else:
                    self.evaluate()  # loaded or restored values: show what they do
        self.parametersChanged.emit()
