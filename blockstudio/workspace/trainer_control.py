"""The workspace's training controls: start, pause, resume, stop, and what the run reports.

Mixed into ``Workspace`` (kept apart to keep each module about one thing). A run trains the
workspace's own network in place on a worker thread; edits of the architecture are refused
meanwhile (``LockedError``), and a save takes ``_step_lock`` so it never sees half a step.
"""

import threading

from blockstudio.workspace.errors import LockedError, TrainingError


class TrainingControl:
    def __init__(self):
        from blockstudio.workspace.training import RunHistory

        self._run = None
        self._step_lock = threading.Lock()
        self._run_history = RunHistory()
        self.last_run = None

    @property
    def training_state(self):
        """"idle", "running", "paused" or "stopping"."""
        return self._run.state if self._run is not None else "idle"

    @property
    def run_history(self):
        """Losses of every step and per-epoch accuracies of the current or last run."""
        return self._run_history

    def reset_run_history(self):
        from blockstudio.workspace.training import RunHistory

        if self.training_state == "idle":
            self._run_history = RunHistory()

    def start_training(self, restart=None, limit=None, settings=None):
        """Start a run on a worker thread and return at once; events report its progress.

        ``restart``: True trains fresh parameters from the seed (what the exported script
        does); False continues from the current values; None (default) continues only when
        the network holds trained or loaded parameters. ``limit`` uses only the first
        ``limit`` training and test images. ``settings`` overrides the project's training
        settings for this run only (``blockstudio train --epochs``).
        Raises TrainingError when the network cannot be trained or the data is missing.
        """
        import blockstudio.core as mx
        from blockstudio.workspace.data import find_data_folder, not_found_message
        from blockstudio.workspace.shapes import make_initializer
        from blockstudio.workspace.spec import NetworkSpec, build_network
        from blockstudio.workspace.training import TrainingRun

        if self.training_state != "idle":
            raise LockedError(f"A run is already {self.training_state}: stop it before starting another.")
        settings = settings if settings is not None else self._doc.training
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise TrainingError(f"limit must be a whole number of images, at least 1 (got {limit!r})")
        from blockstudio.workspace.data import input_shape_problem

        problem = input_shape_problem(self._doc.input_shape, settings.dataset)
        if problem:
            raise TrainingError(problem)
        self._check_trainable()
        folder = find_data_folder(settings.dataset, settings.data_dir)
        if folder is None:
            raise TrainingError(not_found_message(settings.dataset, settings.data_dir))

        fresh = (not self.has_trained_parameters) if restart is None else bool(restart)
        mx.random.seed(settings.seed)  # before any draw: initial values, then each epoch's shuffle
        if fresh:
            net = build_network(NetworkSpec(self._doc.input_shape, self._doc.layers))
            net.collect_params().initialize(make_initializer(settings), ctx=mx.cpu())
            self._state.adopt(net, self._doc)
        else:
            net = self.network

        from blockstudio.workspace.training import RunHistory

        self._run_history = RunHistory()
        self._run = TrainingRun(net, settings, folder, emit=self.events.training.emit, step_lock=self._step_lock,
                                history=self._run_history, limit=limit, on_finish=self._run_finished)
        self.last_run = self._run
        self._run.start()
        self.events.shapes.emit()

    def _check_trainable(self):
        """Refuse, with the reason, a network that cannot be trained on 10-class images."""
        import blockstudio.core as mx
        from blockstudio.core import nd
        from blockstudio.workspace.shapes import children
        from blockstudio.workspace.spec import NetworkSpec, build_network

        if not self._doc.layers:
            raise TrainingError("The network has no layers: add some (the last one Dense(10)) before training.")
        # A throwaway copy with zero weights: checking must not draw from the seeded generator.
        net = build_network(NetworkSpec(self._doc.input_shape, self._doc.layers))
        net.initialize(mx.init.Zero())
        x = nd.zeros((2, 28, 28, 1))  # what the MNIST loader gives, whatever the input node says
        for number, (layer, block) in enumerate(zip(self._doc.layers, children(net)), start=1):
            try:
                x = block(x)
            except Exception as error:  # noqa: BLE001 - shown to the user as the reason
                raise TrainingError(f"The network cannot run: layer {number} ({layer.kind}) fails: {error}. "
                                    f"Fix it (Pass one batch shows where) before training.") from None
        if tuple(x.shape) != (2, 10):
            raise TrainingError(f"The network must end with 10 outputs, one per class (a Dense(10) at the "
                                f"bottom); it outputs shape {tuple(x.shape[1:])} per image.")

    def _run_finished(self, run):
        # On the worker, after the loop and before the state turns idle (edits still locked).
        from blockstudio.core import nd

        if run.completed_steps:
            self._params_origin = "trained"
            self._params_dirty = True
        self._state.adopt(run.net, self._doc)
        if not self._state.fully_resolved(self._doc):
            self._state.pass_batch(self._doc, nd.zeros(tuple(self._doc.input_shape)))
        self.events.shapes.emit()
        self.events.project.emit()

    def pause_training(self):
        if self._run is not None:
            self._run.pause()

    def resume_training(self):
        if self._run is not None:
            self._run.resume()

    def stop_training(self, wait=False):
        """Ask the run to stop after the current step; with ``wait``, block until it has."""
        run = self._run
        if run is not None:
            run.stop()
            if wait and not run.on_worker_thread():
                run.join()

    def wait_training(self, timeout=None):
        """Block until the current run ends (True) or ``timeout`` seconds pass (False)."""
        run = self._run
        return True if run is None else run.join(timeout)
