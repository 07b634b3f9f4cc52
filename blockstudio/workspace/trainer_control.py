"""The workspace's training controls: start, pause, resume, stop, and what the run reports.

Mixed into ``Workspace`` (kept apart to keep each module about one thing). A run trains the
workspace's own network in place on a worker thread; edits of the architecture are refused
meanwhile (``LockedError``), and a save takes ``_step_lock`` so it never sees half a step.

A run with a validation split leaves its best epoch (``best_epoch``); ``restore_best_epoch``
puts those parameters back, with the Results measured on them. It is not an edit (like loading
parameters, it is not undone by Undo) and is refused once the network has changed since.
"""

import threading

from blockstudio.workspace.errors import LockedError, TrainingError
from blockstudio.workspace.shapes import moves_channels_first, network_input_shape, to_network_layout
from blockstudio.workspace.validation import architecture_of


class TrainingControl:
    def __init__(self):
        from blockstudio.workspace.training import RunHistory

        self._run = None
        self._step_lock = threading.Lock()
        # Held from the check that no run is active until the new run is running: two starts
        # at once make exactly one run, and the other is refused.
        self._start_lock = threading.Lock()
        self._run_history = RunHistory()
        self.last_run = None
        self._best_epoch = None   # validation.BestEpoch of the last run with a validation split

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
        ``limit`` training, validation and test images. ``settings`` overrides the project's training
        settings for this run only (``blockstudio train --epochs``).
        Raises TrainingError when the network cannot be trained or the data is missing, and
        LockedError when a run is active (also to the second of two calls at once).
        """
        with self._start_lock:
            self._start_training(restart, limit, settings)

    def _start_training(self, restart, limit, settings):
        import blockstudio.core as mx
        from blockstudio.workspace.data import find_data_folder, not_found_message
        from blockstudio.workspace.shapes import fresh_network, resolve_initial
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
            # Exactly the exported script's start: initialize, then one batch of zeros gives every
            # parameter its shape and initial value, straight from the seed.
            net = fresh_network(self._doc, training=settings)
            resolve_initial(net, self._doc)
            self._state.adopt(net, self._doc)
        else:
            self._state.materialize(self._doc)  # layers an edit left without values: fresh ones
            net = self.network

        from blockstudio.workspace.training import RunHistory

        self._run_history = RunHistory()
        self._run = TrainingRun(net, settings, folder, emit=self.events.training.emit, step_lock=self._step_lock,
                                history=self._run_history, limit=limit, on_finish=self._run_finished,
                                channels_first=moves_channels_first(self._doc))
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
        # What the MNIST loader gives, whatever the input node says (channels first for a Conv2D).
        x = to_network_layout(nd.zeros((2, 28, 28, 1)), self._doc)
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

        with self.events.batch():
            if run.completed_steps:
                self._params_origin = "trained"
                self._params_dirty = True
            if run.last_results is not None:
                self._results = run.last_results
                # Every run that measured an epoch replaces the best epoch (with none, without validation).
                self._best_epoch = run.best if run.best.epoch is not None else None
                if self._best_epoch is not None:
                    self._best_epoch.architecture = architecture_of(self._doc)
            self.events.results.emit()
            if run.net is not self._state.net:
                self._state.adopt(run.net, self._doc)
            if not self._state.fully_resolved(self._doc):
                self._state.pass_batch(self._doc, nd.zeros(network_input_shape(self._doc)))
            self.events.shapes.emit()
            self.events.parameters.emit()
            self.events.project.emit()

    def pause_training(self):
        """Pause the run after its current step; False when there is no running run to pause."""
        run = self._run
        return run.pause() if run is not None else False

    def resume_training(self):
        """Resume a paused run; False when there is no paused run."""
        run = self._run
        return run.resume() if run is not None else False

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

    # -- the best epoch ------------------------------------------------------------------------

    @property
    def best_epoch(self):
        """The best epoch of the last run with a validation split (``.epoch``, ``.results``), or None."""
        return self._best_epoch

    @property
    def best_epoch_problem(self):
        """Why Restore Best Epoch cannot run now (a sentence), or None when it can."""
        best = self._best_epoch
        if best is None:
            return ("There is no best epoch to restore: train with a validation split (Validation above 0 "
                    "in the training settings).")
        if self.training_state != "idle":
            return f"Training is {self.training_state}: stop it before restoring the best epoch."
        if not self._best_epoch_fits():
            return (f"The network has changed since epoch {best.epoch} was measured: undo the change to "
                    f"restore the best epoch.")
        return None

    def _best_epoch_fits(self):
        """True when there is a best epoch and it belongs to the network as it is now."""
        best = self._best_epoch
        return best is not None and best.architecture == architecture_of(self._doc)

    def restore_best_epoch(self):
        """Put back the parameters of the best epoch, bitwise, with the Results measured on them.

        Raises TrainingError (LockedError during a run) and changes nothing when it cannot.
        """
        from blockstudio.core import nd

        self._check_unlocked("restore the best epoch")
        problem = self.best_epoch_problem
        if problem:
            raise TrainingError(problem)
        best = self._best_epoch
        with self._step_lock:
            self._state.materialize(self._doc)  # after Reset: values to overwrite, shapes known
            mismatch = best.mismatch(self.network)
            if mismatch:
                raise TrainingError(f"The best epoch (epoch {best.epoch}) does not fit the network: {mismatch}.")
            best.restore(self.network)
        with self.events.batch():
            self._results = best.results
            self._params_origin, self._params_dirty = "trained", True
            if not self._state.fully_resolved(self._doc):
                self._state.pass_batch(self._doc, nd.zeros(tuple(self._doc.input_shape)))
            self.events.shapes.emit()
            self.events.parameters.emit()
            self.events.results.emit()
            self.events.project.emit()
