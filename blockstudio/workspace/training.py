"""A training run on a worker thread: the tutorial's loop over MNIST, with pause, stop and live figures.

The loop is the one the exported script prints (``export.py``), statement for statement in
the order that draws random numbers, so the same seed gives the same parameters in both.

Stopping and pausing are checked only between steps, and each step (forward, backward,
update) runs under ``step_lock``: a stop, or a save from another thread, always sees the
parameters of a completed step. A NaN or infinite loss ends the run and puts back the last
checkpoint whose loss was finite; checkpoints are copies taken every ``CHECKPOINT_EVERY``
steps, cheap enough (a few microseconds per checkpoint) not to show in the throughput.

With a validation split (``settings.validation`` images held out, ``validation.py``), each
epoch also measures the validation loss and accuracy, the best epoch's parameters are copied
(``run.best``), and with ``settings.patience`` the run ends "early-stopped" after that many
epochs without a better validation accuracy.

>>> run = TrainingRun(net, settings, folder, emit=print, step_lock=threading.Lock())  # doctest: +SKIP
>>> run.start(); run.join()                                                            # doctest: +SKIP
"""

import math
import threading
import time
import traceback

import numpy as np

from blockstudio.workspace.results import Results, fingerprint
from blockstudio.workspace.run_checks import check_final_parameters
from blockstudio.workspace.validation import BestEpoch, measure, split_validation

CHECKPOINT_EVERY = 50        # steps between copies of the parameters (divergence restore)
STEP_EVENT_INTERVAL = 0.05   # seconds between "step" events; run_history still gets every step


class RunHistory:
    """Everything a run measured, for plots: complete, appended by the worker, read by views."""

    def __init__(self):
        self.step_losses = []        # mean loss of every step, in order
        self.epoch_train_loss = []
        self.epoch_train_acc = []
        self.epoch_test_acc = []
        self.epoch_val_loss = []     # None per epoch when the run has no validation split
        self.epoch_val_acc = []
        self.best_epoch = None       # the epoch of the highest validation accuracy so far
        self.steps_per_epoch = 0
        self.epochs = 0

    def __repr__(self):
        return (f"RunHistory({len(self.step_losses)} steps, train acc {self.epoch_train_acc}, "
                f"test acc {self.epoch_test_acc}, validation acc {self.epoch_val_acc})")


def optimizer_params(settings):
    """The Trainer's optimizer arguments, as the exported script writes them."""
    params = {"learning_rate": settings.learning_rate}
    if settings.optimizer == "sgd" and settings.momentum:
        params["momentum"] = settings.momentum
    if settings.weight_decay:
        params["wd"] = settings.weight_decay
    return params


class TrainingRun:
    """Train ``net`` per ``settings`` on the dataset in ``data_folder``, on a worker thread.

    ``emit(**payload)`` receives the training events (see the workspace contract);
    ``on_finish(run)`` is called on the worker after the loop, before the state turns idle.
    ``limit`` trains, validates and tests on the first ``limit`` images of each set only (quick checks).
    """

    def __init__(self, net, settings, data_folder, emit, step_lock, history=None, limit=None, on_finish=None,
                 channels_first=False):
        self.net = net
        self.channels_first = channels_first  # images reach the network (N, 1, 28, 28): it has a Conv2D
        self.settings = settings
        self.data_folder = data_folder
        self.limit = limit
        self.history = history if history is not None else RunHistory()
        self._emit = emit
        self._step_lock = step_lock
        self._on_finish = on_finish
        self._state = "idle"
        self._ended = False
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._thread = None
        self.reason = None
        self.message = ""
        self.traceback = None
        self.completed_steps = 0
        self.last_results = None   # Results of the parameters after the last complete epoch
        self.best = BestEpoch()    # the best epoch's parameters and Results (with a validation split)
        self.trained_samples = 0
        self.train_seconds = 0.0   # time spent in training steps: pauses and evaluations left out

    # -- control (any thread) ----------------------------------------------------------------

    @property
    def state(self):
        return self._state

    @property
    def samples_per_sec(self):
        """Training throughput of the whole run so far (pauses and evaluations left out)."""
        return self.trained_samples / self.train_seconds if self.train_seconds else 0.0

    # The run is a state machine: idle -> running <-> paused; running|paused -> stopping;
    # any -> idle when the worker ends. Every transition is checked and made under one lock,
    # so a pause or resume that races the end of the run is refused instead of leaving a
    # state with no worker behind it.
    TRANSITIONS = {
        "start": ({"idle"}, "running"),
        "pause": ({"running"}, "paused"),
        "resume": ({"paused"}, "running"),
        "stop": ({"running", "paused"}, "stopping"),
    }

    def _transition(self, action, effect=None):
        """Make ``action``'s transition if the state allows it; returns True when it did."""
        allowed, target = self.TRANSITIONS[action]
        with self._state_lock:
            if self._state not in allowed or self._ended:
                return False
            self._state = target
            if effect is not None:
                effect()
        self._send(kind="state", state=target)
        return True

    def start(self):
        if not self._transition("start"):
            raise RuntimeError(f"this run was already started (it is {self._state})")
        self._thread = threading.Thread(target=self._main, name="blockstudio-training", daemon=True)
        self._thread.start()

    def pause(self):
        """Pause after the current step; False (and nothing changes) unless the run is running."""
        return self._transition("pause", self._unpaused.clear)

    def resume(self):
        """Resume a paused run; False (and nothing changes) unless the run is paused."""
        return self._transition("resume", self._unpaused.set)

    def stop(self):
        """Stop after the current step; False unless the run is running or paused."""
        def effect():
            self._stop.set()
            self._unpaused.set()
        return self._transition("stop", effect)

    def on_worker_thread(self):
        return threading.current_thread() is self._thread

    def join(self, timeout=None):
        """Wait for the worker; True once it has finished."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _send(self, **payload):
        # A failing listener must not kill the run (nor hide the failure): report it once.
        try:
            self._emit(**payload)
        except Exception:  # noqa: BLE001
            if not getattr(self, "_listener_failed", False):
                self._listener_failed = True
                traceback.print_exc()

    # -- the worker --------------------------------------------------------------------------

    def _main(self):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # a dependency; without it BLAS just keeps its own thread count
            threadpool_limits = None
        try:
            # A diverging run overflows before its loss turns NaN; that loss check is the report.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if threadpool_limits is None:
                    self.reason, self.message = self._train()
                else:
                    # Small matrices run far slower with several BLAS threads fighting the GUI.
                    with threadpool_limits(1):
                        self.reason, self.message = self._train()
        except Exception as error:  # noqa: BLE001 - reported as the run's outcome
            self.traceback = traceback.format_exc()
            self.reason = "error"
            self.message = f"Training failed: {str(error) or type(error).__name__}"
        self.reason, self.message = check_final_parameters(self)  # the last update has no loss to check
        if self._on_finish is not None:
            try:
                self._on_finish(self)
            except Exception as error:  # noqa: BLE001 - e.g. MemoryError: the run did not end well
                self.traceback = traceback.format_exc()
                self.reason = "error"
                self.message = (f"Training ended, but taking over its parameters failed: "
                                f"{str(error) or type(error).__name__}")
        with self._state_lock:
            self._state, self._ended = "idle", True
            self._unpaused.set()
        self._send(kind="state", state="idle")
        self._send(kind="finished", reason=self.reason, message=self.message)

    def _train(self):
        from blockstudio.core import autograd, gluon, nd
        from blockstudio.workspace.data import open_datasets

        s, net, history = self.settings, self.net, self.history
        train_set, test_set = open_datasets(s.dataset, self.data_folder, self.channels_first)
        train_set, held_out = split_validation(train_set, s.validation, s.seed)
        if self.limit:
            train_set, test_set = train_set.take(self.limit), test_set.take(self.limit)
            held_out = held_out.take(self.limit) if held_out is not None else None
        train_data = gluon.data.DataLoader(train_set, s.batch_size, shuffle=True)
        test_data = gluon.data.DataLoader(test_set, s.batch_size, shuffle=False)
        valid_data = gluon.data.DataLoader(held_out, s.batch_size, shuffle=False) if held_out is not None else None
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        trainer = gluon.Trainer(net.collect_params(), s.optimizer, optimizer_params(s))

        steps_per_epoch = len(train_data)
        history.steps_per_epoch, history.epochs = steps_per_epoch, s.epochs
        total_samples = s.epochs * len(train_set)
        checkpoint = self._checkpoint = _Checkpoint()
        clock = _Clock()
        done_samples, eval_seconds = 0, 0.0
        best, waited = self.best, 0   # waited: epochs since the best one

        for epoch in range(1, s.epochs + 1):
            cumulative_loss, correct, seen = 0.0, 0, 0
            for step, (data, label) in enumerate(train_data, start=1):
                if self._stop.is_set() or not self._wait_if_paused(clock):
                    return "stopped", self._stopped_message(epoch, step)
                with self._step_lock:
                    with autograd.record():
                        output = net(data)
                        loss = loss_fn(output, label)
                    batch_loss = float(nd.sum(loss).asscalar())
                    if not math.isfinite(batch_loss):
                        return "diverged", self._diverged(checkpoint, epoch, step, batch_loss)
                    if self.completed_steps % CHECKPOINT_EVERY == 0:
                        checkpoint.take(net, self.completed_steps)
                    loss.backward()
                    trainer.step(data.shape[0])
                self.completed_steps += 1
                batch = data.shape[0]
                cumulative_loss += batch_loss
                correct += int((output._data.argmax(axis=1) == label._data).sum())
                seen += batch
                done_samples += batch
                self.trained_samples = done_samples
                self.train_seconds = clock.active()
                history.step_losses.append(batch_loss / batch)
                if clock.due(STEP_EVENT_INTERVAL) or step == steps_per_epoch:
                    remaining = (total_samples - done_samples) / max(clock.rate(done_samples), 1e-9)
                    eta = remaining + eval_seconds * (s.epochs - epoch + 1)
                    self._send(kind="step", epoch=epoch, step=step, steps_per_epoch=steps_per_epoch,
                               loss=batch_loss / batch, samples_per_sec=clock.recent_rate(done_samples),
                               eta_seconds=eta, global_step=len(history.step_losses),
                               losses=history.step_losses[clock.sent:])
                    clock.sent = len(history.step_losses)
            started = time.perf_counter()
            test_acc = self._evaluate(test_data)
            if test_acc is None:
                return "stopped", self._stopped_message(epoch, None)
            val_loss = val_acc = None
            if valid_data is not None:
                measured = measure(net, valid_data, loss_fn, self._stop.is_set, self._step_lock)
                if measured is None:
                    return "stopped", self._stopped_message(epoch, None)
                val_loss, val_acc = measured
            eval_seconds = time.perf_counter() - started
            clock.exclude(eval_seconds)
            history.epoch_train_loss.append(cumulative_loss / seen)
            history.epoch_train_acc.append(correct / seen)
            history.epoch_test_acc.append(test_acc)
            history.epoch_val_loss.append(val_loss)
            history.epoch_val_acc.append(val_acc)
            self.last_results = Results(test_accuracy=test_acc, train_accuracy=correct / seen,
                                        train_loss=cumulative_loss / seen, validation_accuracy=val_acc,
                                        validation_loss=val_loss, epochs=epoch, fingerprint=fingerprint(net))
            if val_acc is not None:
                if best.improves(val_acc):
                    best.take(net, epoch, self.last_results)
                    waited = 0
                else:
                    waited += 1
            history.best_epoch = best.epoch
            self._send(kind="epoch", epoch=epoch, epochs=s.epochs, train_loss=cumulative_loss / seen,
                       train_acc=correct / seen, test_acc=test_acc, val_loss=val_loss, val_acc=val_acc,
                       best_epoch=best.epoch)
            if s.patience and waited >= s.patience and epoch < s.epochs:
                return "early-stopped", (
                    f"Stopped early after epoch {epoch} of {s.epochs}: the validation accuracy has not improved "
                    f"for {waited} epoch{'s' if waited > 1 else ''}. The best epoch was epoch {best.epoch} "
                    f"(validation accuracy {best.accuracy:.2%}); Run ▸ Restore Best Epoch puts its parameters back.")
        final = history.epoch_test_acc[-1]
        best_text = (f"; the best epoch was epoch {best.epoch} (validation accuracy {best.accuracy:.2%})"
                     if best.epoch is not None and s.epochs > 1 else "")
        return "completed", f"Training finished: {s.epochs} epoch{'s' if s.epochs > 1 else ''}, " \
                            f"test accuracy {final:.2%}{best_text}."

    def _wait_if_paused(self, clock):
        """Block while paused; False if the run was stopped meanwhile."""
        if not self._unpaused.is_set():
            paused_at = time.perf_counter()
            self._unpaused.wait()
            clock.exclude(time.perf_counter() - paused_at)
        return not self._stop.is_set()

    def _evaluate(self, test_data):
        correct, total = 0, 0
        for data, label in test_data:
            if self._stop.is_set():
                return None
            with self._step_lock:
                output = self.net(data)
            correct += int((output._data.argmax(axis=1) == label._data).sum())
            total += data.shape[0]
        return correct / total

    def _stopped_message(self, epoch, step):
        # step None: all of the epoch's steps ran, the stop came in its test pass (no accuracy for it).
        where = (f"epoch {epoch}, step {step}" if step
                 else f"the end of epoch {epoch}, before its test accuracy was measured")
        return (f"Training stopped at {where}; the network keeps the parameters of the last completed "
                f"step ({self.completed_steps} steps in all).")

    def _diverged(self, checkpoint, epoch, step, value):
        what = "NaN" if math.isnan(value) else "infinite"
        restored = checkpoint.restore(self.net)
        where = (f"the parameters were restored to those before step {restored + 1}, the last checkpoint "
                 f"with a finite loss" if restored is not None else "no earlier parameters to restore")
        return (f"Training diverged at epoch {epoch}, step {step}: the loss became {what}; {where}. "
                f"Try a smaller learning rate (it is {self.settings.learning_rate:g}).")


class _Checkpoint:
    """Copies of all parameters, reusing the same buffers each time."""

    def __init__(self):
        self.buffers = None
        self.step = None

    def take(self, net, step):
        params = [p.data()._data for p in net.collect_params().values()]
        if self.buffers is None:
            self.buffers = [np.empty_like(a) for a in params]
        for buffer, array in zip(self.buffers, params):
            np.copyto(buffer, array)
        self.step = step

    def restore(self, net):
        if self.buffers is None:
            return None
        for buffer, param in zip(self.buffers, net.collect_params().values()):
            np.copyto(param.data()._data, buffer)
        return self.step


class _Clock:
    """Throughput and event pacing, with pauses and evaluations left out of the rate."""

    def __init__(self):
        self.start = time.perf_counter()
        self.excluded = 0.0
        self.last_event = self.start
        self.last_samples = 0
        self.sent = 0

    def exclude(self, seconds):
        self.excluded += seconds
        self.last_event += seconds

    def due(self, interval):
        return time.perf_counter() - self.last_event >= interval

    def active(self):
        return time.perf_counter() - self.start - self.excluded

    def rate(self, samples):
        return samples / max(self.active(), 1e-9)

    def recent_rate(self, samples):
        now = time.perf_counter()
        rate = (samples - self.last_samples) / max(now - self.last_event, 1e-9)
        self.last_event, self.last_samples = now, samples
        return rate
