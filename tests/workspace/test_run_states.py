"""The run's state machine: idle -> running <-> paused, running|paused -> stopping, any -> idle
when the worker ends. Every transition, the refused ones, and the races with the end of a run."""

import threading

import pytest

from blockstudio.workspace import LockedError
from tests.workspace.conftest import add_net1

LIMIT = 64  # one step per epoch: runs end within milliseconds, which is what the races need


@pytest.fixture
def ready(ws, datasets_dir):
    add_net1(ws)
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"))
    return ws


def states(ws):
    seen = []
    ws.events.training.connect(lambda e: seen.append(e.state) if e.kind == "state" else None)
    return seen


def hold_at_first_step(ws):
    """Pause the run from its own first step, so the test can drive it from a known state."""
    reached = threading.Event()

    def on_step(event):
        if event.kind == "step" and not reached.is_set():
            reached.set()
            ws.pause_training()
    ws.events.training.connect(on_step)
    return reached


def test_every_transition_in_order(ready):
    ws = ready
    seen = states(ws)
    ws.set_training_settings(epochs=50)
    reached = hold_at_first_step(ws)
    assert ws.training_state == "idle"
    assert ws.pause_training() is False and ws.resume_training() is False   # nothing to pause
    ws.start_training(limit=LIMIT)
    assert reached.wait(30)
    assert ws.training_state == "paused"
    assert ws.pause_training() is False            # paused -> pause: refused
    assert ws.resume_training() is True and ws.training_state == "running"
    assert ws.resume_training() is False           # running -> resume: refused
    assert ws.pause_training() is True and ws.training_state == "paused"
    ws.stop_training()
    assert ws.training_state in ("stopping", "idle")
    assert ws.pause_training() is False and ws.resume_training() is False  # stopping: refused
    assert ws.wait_training(30)
    assert ws.training_state == "idle" and not ws.is_locked
    assert seen[:5] == ["running", "paused", "running", "paused", "stopping"] and seen[-1] == "idle"
    assert ws.last_run.reason == "stopped"


def test_stop_from_running(ready):
    ws = ready
    ws.set_training_settings(epochs=50)
    reached = hold_at_first_step(ws)
    ws.start_training(limit=LIMIT)
    assert reached.wait(30)
    ws.resume_training()
    ws.stop_training(wait=True)
    assert ws.training_state == "idle" and ws.last_run.reason == "stopped"


def test_after_the_end_nothing_moves_the_state(ready):
    ws = ready
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(30)
    run = ws.last_run
    assert (run.pause(), run.resume(), run.stop()) == (False, False, False)
    assert ws.training_state == "idle"
    with pytest.raises(RuntimeError, match="already started"):
        run.start()


def test_pause_resume_and_stop_racing_the_end_of_runs_never_lock_the_workspace(ready):
    ws = ready
    for attempt in range(140):
        stop_hammer = threading.Event()

        def hammer(number=attempt):
            while not stop_hammer.is_set():
                ws.pause_training()
                ws.resume_training()
                if number % 7 == 0:
                    ws.stop_training()

        ws.start_training(limit=LIMIT, restart=True)
        thread = threading.Thread(target=hammer)
        thread.start()
        # The hammer may leave the run paused mid-way: resume until the worker has ended.
        while not ws.wait_training(0.01):
            ws.resume_training()
        stop_hammer.set()
        thread.join()
        assert ws.training_state == "idle", f"run {attempt} ended {ws.training_state}"
        assert not ws.is_locked
    uid = ws.add_layer("Flatten")   # and editing works afterwards
    assert uid in [layer.uid for layer in ws.layers]


def test_two_starts_at_once_make_exactly_one_run(ready):
    ws = ready
    ws.set_training_settings(epochs=30)
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        barrier.wait()
        try:
            ws.start_training(limit=LIMIT)
            outcomes.append("started")
        except LockedError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    workers = [t for t in threading.enumerate() if t.name == "blockstudio-training"]
    ws.stop_training(wait=True)
    assert sorted(outcomes)[1] == "started" and outcomes.count("started") == 1
    assert "A run is already" in sorted(outcomes)[0]
    assert len(workers) <= 1


def test_a_failure_after_the_loop_ends_the_run_as_an_error_not_finished(ready, monkeypatch):
    ws = ready
    seen = []
    ws.events.training.connect(lambda e: seen.append(e) if e.kind == "finished" else None)

    def out_of_memory(run):
        raise MemoryError()
    monkeypatch.setattr(ws, "_run_finished", out_of_memory)
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(30)
    assert ws.last_run.reason == "error" and "MemoryError" in ws.last_run.message
    assert seen[-1].reason == "error" and ws.training_state == "idle"
