"""Training runs on a worker thread over real MNIST slices: lifecycle, locking, stop, divergence."""

import math
import threading
import time

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.workspace import LockedError, TrainingError
from blockstudio.workspace import training as training_module
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace.data import transform
from tests.workspace.conftest import add_net1

LIMIT = 320  # five steps of 64 per epoch


@pytest.fixture
def net1(ws, datasets_dir):
    ws.set_training_settings(data_dir=str(datasets_dir))
    return add_net1(ws)


@pytest.fixture
def every_step(monkeypatch):
    """Emit a "step" event for every step, so a test can act at an exact step."""
    monkeypatch.setattr(training_module, "STEP_EVENT_INTERVAL", 0.0)


def record(ws):
    events = []
    ws.events.training.connect(events.append)
    return events


def values(ws):
    return {k: p.data().asnumpy().copy() for k, p in ws.network.collect_params().items()}


def run(ws, **kwargs):
    ws.start_training(**kwargs)
    assert ws.wait_training(timeout=60)
    return ws.last_run


def reference_parameters(datasets_dir, steps, settings):
    """The tutorial's loop written out by hand: the parameters after ``steps`` steps of a fresh run."""
    mx.random.seed(settings.seed)
    net = gluon.nn.Sequential(prefix="sequential0_")
    with net.name_scope():
        net.add(gluon.nn.Dense(128, activation="relu"))
        net.add(gluon.nn.Dense(64, activation="relu"))
        net.add(gluon.nn.Dense(10))
    net.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=mx.cpu())
    net(nd.zeros((64, 28, 28, 1)))  # initial values straight from the seed, before the shuffle
    train = gluon.data.vision.MNIST(root=str(datasets_dir), train=True, transform=transform)
    # The validation split: settings.validation images held out, chosen by the seed on its own generator.
    order = np.random.default_rng(settings.seed).permutation(len(train))
    train = train.sample(np.sort(order[settings.validation:])).take(LIMIT)
    loader = gluon.data.DataLoader(train, settings.batch_size, shuffle=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": settings.learning_rate})
    done = 0
    while done < steps:
        for data, label in loader:
            if done == steps:
                break
            with autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(data.shape[0])
            done += 1
    return {k: p.data().asnumpy() for k, p in net.collect_params().items()}


def test_a_run_trains_reports_and_leaves_a_trained_network(ws, net1):
    events = record(ws)
    ws.set_training_settings(epochs=2)
    ws.start_training(limit=LIMIT)
    assert (events[0].kind, events[0].state) == ("state", "running")   # told before start returns
    assert ws.wait_training(timeout=60) and ws.training_state == "idle"
    history = ws.run_history
    assert len(history.step_losses) == 10 and history.steps_per_epoch == 5 and history.epochs == 2
    assert len(history.epoch_train_acc) == len(history.epoch_test_acc) == len(history.epoch_train_loss) == 2
    assert history.step_losses[-1] < history.step_losses[0]
    kinds = [e.kind for e in events]
    assert kinds[0] == "state" and events[0].state == "running"
    assert kinds[-2:] == ["state", "finished"] and events[-2].state == "idle"
    finished = events[-1]
    assert finished.reason == "completed" and "test accuracy" in finished.message
    epochs = [e for e in events if e.kind == "epoch"]
    assert [e.epoch for e in epochs] == [1, 2] and epochs[1].test_acc == history.epoch_test_acc[1]
    steps = [e for e in events if e.kind == "step"]
    assert steps and steps[-1].step == 5 and steps[-1].steps_per_epoch == 5 and steps[-1].epoch == 2
    assert sum((e.losses for e in steps), []) == history.step_losses  # nothing lost to throttling
    assert all(e.samples_per_sec > 0 and e.eta_seconds >= 0 and math.isfinite(e.loss) for e in steps)
    assert ws.has_trained_parameters and ws.dirty and ws.shapes_resolved and not ws.is_locked


def test_step_events_are_throttled(ws, net1, monkeypatch):
    monkeypatch.setattr(training_module, "STEP_EVENT_INTERVAL", 3600.0)
    events = record(ws)
    run(ws, limit=LIMIT)
    steps = [e for e in events if e.kind == "step"]
    assert len(steps) == 1 and steps[0].step == 5 and len(steps[0].losses) == 5  # one per epoch end


def test_the_same_seed_gives_the_same_run_and_restart_repeats_it(ws, net1):
    run(ws, limit=LIMIT)
    first = values(ws), list(ws.run_history.step_losses)
    run(ws, limit=LIMIT)  # continues from the trained values
    assert ws.run_history.step_losses[0] < first[1][0]
    run(ws, limit=LIMIT, restart=True)
    assert ws.run_history.step_losses == first[1]
    assert all(np.array_equal(first[0][k], v) for k, v in values(ws).items())


def test_architecture_is_locked_while_running_and_pause_holds_the_steps(ws, net1, every_step):
    a, _, _ = net1
    paused = threading.Event()

    def pause_at_step_two(event):
        if event.kind == "step" and event.step == 2 and not paused.is_set():
            ws.pause_training()
            paused.set()

    ws.events.training.connect(pause_at_step_two)
    ws.set_training_settings(epochs=3)
    ws.start_training(limit=LIMIT)
    assert paused.wait(30)
    assert ws.training_state == "paused" and ws.is_locked and "stop it" in ws.lock_reason
    for edit in (lambda: ws.add_layer("Flatten"), lambda: ws.update_layer(a, units=3), lambda: ws.remove_layer(a),
                 lambda: ws.undo(), lambda: ws.set_training_settings(epochs=1), lambda: ws.pass_batch(),
                 lambda: ws.start_training(), lambda: ws.open("x.bsproj")):
        with pytest.raises(LockedError, match="training is paused|already paused"):
            edit()
    time.sleep(0.05)
    held = len(ws.run_history.step_losses)
    time.sleep(0.2)
    assert len(ws.run_history.step_losses) == held == 2
    ws.resume_training()
    assert ws.training_state == "running"
    assert ws.wait_training(60)
    assert ws.last_run.reason == "completed" and len(ws.run_history.step_losses) == 15
    ws.add_layer("Flatten", index=0)  # unlocked again


def test_stop_mid_epoch_keeps_the_parameters_of_the_last_completed_step(ws, net1, every_step, datasets_dir):
    def stop_at_step_three(event):
        if event.kind == "step" and event.step == 3:
            ws.stop_training()

    ws.events.training.connect(stop_at_step_three)
    finished = run(ws, limit=LIMIT)
    assert finished.reason == "stopped" and "epoch 1, step 4" in finished.message
    assert finished.completed_steps == 3 == len(ws.run_history.step_losses)
    expected = reference_parameters(datasets_dir, 3, ws.training_settings)
    got = values(ws)
    assert all(np.array_equal(expected[k], got[k]) for k in expected)
    assert ws.has_trained_parameters and not ws.is_locked


def test_stop_while_paused(ws, net1, every_step):
    def pause_at_one(event):
        if event.kind == "step" and event.step == 1:
            ws.pause_training()

    ws.events.training.connect(pause_at_one)
    ws.start_training(limit=LIMIT)
    deadline = time.time() + 30
    while ws.training_state != "paused" and time.time() < deadline:
        time.sleep(0.005)
    ws.stop_training(wait=True)
    assert ws.last_run.reason == "stopped" and ws.training_state == "idle"
    assert len(ws.run_history.step_losses) == 1


def test_divergence_stops_and_restores_the_last_finite_checkpoint(ws, net1, monkeypatch):
    monkeypatch.setattr(training_module, "CHECKPOINT_EVERY", 1)
    ws.set_training_settings(learning_rate=1e30, epochs=3)
    events = record(ws)
    finished = run(ws, limit=LIMIT)
    assert finished.reason == "diverged"
    assert events[-1].kind == "finished" and events[-1].reason == "diverged"
    message = finished.message
    assert "loss became" in message and "restored" in message and "smaller learning rate (it is 1e+30)" in message
    assert all(np.isfinite(v).all() for v in values(ws).values())
    assert all(math.isfinite(loss) for loss in ws.run_history.step_losses)
    # The restored values are those the last finite loss was computed with: the run can go on from them.
    assert f"before step {finished.completed_steps}" in message


def test_runs_that_cannot_start_say_why(ws, datasets_dir, tmp_path, monkeypatch):
    with pytest.raises(TrainingError, match="no layers"):
        ws.start_training()
    ws.set_training_settings(data_dir=str(datasets_dir))
    uid = ws.add_layer("Dense", units=64)
    with pytest.raises(TrainingError, match=r"must end with 10 outputs.*\(64,\)"):
        ws.start_training()
    ws.add_layer("Dense", units=10, in_units=3)
    with pytest.raises(TrainingError, match="layer 2 \\(Dense\\) fails: .*expects 3 input features"):
        ws.start_training()
    ws.remove_layer(uid)
    ws.update_layer(ws.layers[0].uid, in_units=0)
    with pytest.raises(TrainingError, match="limit must be"):
        ws.start_training(limit=0)
    import blockstudio.core.gluon.data.vision.locate as locate
    from blockstudio.workspace import data as data_module

    monkeypatch.setattr(data_module, "checkout_datasets_folder", lambda: tmp_path / "none")
    monkeypatch.setattr(locate, "default_data_folder", lambda: str(tmp_path / "nothing"))
    ws.set_training_settings(data_dir=str(tmp_path))
    with pytest.raises(TrainingError, match="MNIST files not found.*training settings"):
        ws.start_training()
    assert ws.training_state == "idle"


def test_a_broken_listener_does_not_kill_the_run(ws, net1, capsys):
    def broken(event):
        raise RuntimeError("view bug")

    ws.events.training.connect(broken)
    assert run(ws, limit=LIMIT).reason == "completed"
    assert "view bug" in capsys.readouterr().err


def test_saving_parameters_during_a_run_sees_whole_steps(ws, net1, every_step, tmp_path, datasets_dir):
    saved = []

    def save_at_step(event):
        if event.kind == "step" and event.step == 2 and not saved:
            ws.save_parameters(tmp_path / "mid.npz")
            saved.append(True)

    ws.events.training.connect(save_at_step)
    run(ws, limit=LIMIT)
    # The save ran on the worker between steps 2 and 3: exactly the values after two whole steps.
    expected = reference_parameters(datasets_dir, 2, ws.training_settings)
    saved_arrays = load_arrays(tmp_path / "mid.npz")
    assert saved and len(saved_arrays) == len(expected) == 6
    for (key, value), name in zip(sorted(saved_arrays.items()), sorted(expected)):
        assert np.array_equal(value, expected[name]), (key, name)


def test_the_shipped_example_trains_one_full_epoch_to_the_tutorials_accuracy(ws, datasets_dir):
    from blockstudio.workspace.examples import example_projects

    example = [p for p in example_projects() if p.name == "tutorial-mlp.bsproj"][0]
    ws.open(example)
    assert [layer.settings["units"] for layer in ws.layers] == [128, 64, 10]
    settings = ws.training_settings
    assert (settings.initializer, settings.init_magnitude, settings.optimizer, settings.learning_rate,
            settings.batch_size, settings.epochs) == ("xavier", 2.24, "sgd", 0.1, 64, 1)
    finished = run(ws)  # how fast: bench/bench_app.py measures a whole epoch against the bare loop
    assert finished.reason == "completed"
    assert ws.run_history.steps_per_epoch == 860  # 55,000 images: 5,000 held out for validation
    assert ws.run_history.epoch_val_acc[0] > 0.92
    assert ws.run_history.epoch_test_acc[0] > 0.92


def test_unreadable_data_ends_the_run_with_the_reason(ws, tmp_path):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (tmp_path / f"{name}.gz").write_bytes(b"not gzip at all")
    ws.set_training_settings(data_dir=str(tmp_path))
    add_net1(ws)
    events = record(ws)
    finished = run(ws)
    assert finished.reason == "error" and finished.message.startswith("Training failed: ")
    assert str(tmp_path) in finished.message and finished.traceback
    assert events[-1].reason == "error" and not ws.is_locked and not ws.has_trained_parameters


def test_stop_and_wait_from_a_training_listener_does_not_deadlock(ws, net1, every_step):
    ws.events.training.connect(lambda e: ws.stop_training(wait=True) if e.kind == "step" else None)
    assert run(ws, limit=LIMIT).reason == "stopped"


def test_a_stop_in_the_test_pass_says_the_epoch_has_no_accuracy():
    from types import SimpleNamespace

    from blockstudio.workspace.training import TrainingRun

    message = TrainingRun._stopped_message(SimpleNamespace(completed_steps=4690), 5, None)
    assert message.startswith("Training stopped at the end of epoch 5, before its test accuracy was measured")
    assert "4690 steps in all" in message


def test_an_input_shape_that_does_not_match_the_images_is_refused_before_the_run(tmp_path):
    """64, 28, 28, 3 used to fail in the first layer with in_units advice that did not apply."""
    from blockstudio.workspace import TrainingError, Workspace
    from blockstudio.workspace.data import input_shape_problem

    ws = Workspace()
    ws.add_layer("Dense", units=10)
    ws.set_input_shape((64, 28, 28, 3))
    ws.set_training_settings(dataset="fashion-mnist")
    with pytest.raises(TrainingError) as info:
        ws.start_training()
    message = str(info.value)
    assert "does not match the Fashion-MNIST images" in message and "in_units" not in message
    assert "2352 values" in message and "Set the Input shape to 64, 28, 28, 1" in message
    assert ws.training_state == "idle"
    assert input_shape_problem((32, 784)) is None and input_shape_problem((8, 28, 28, 1)) is None
