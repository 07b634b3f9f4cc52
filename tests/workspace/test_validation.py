"""Validation and the best epoch: the split, the figures, Restore Best Epoch, early stopping, projects."""

import json

import numpy as np
import pytest

from blockstudio.core import gluon
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace import SettingError, TrainingError
from blockstudio.workspace.data import transform
from blockstudio.workspace.errors import ProjectFileError
from blockstudio.workspace.validation import BEST_PREFIX, split_indices
from tests.workspace.conftest import add_net1

LIMIT = 320        # five steps of 64 per epoch
HELD = 300         # validation images
# With these settings on the first 320 images the validation accuracy rises to epoch 5, then falls
# twice: patience 2 ends the run after epoch 7 of 8, and the best epoch is not the last one.
BUMPY = dict(epochs=8, validation=HELD, patience=2, learning_rate=0.5, momentum=0.9)


def values(ws):
    return {k: p.data().asnumpy().copy() for k, p in ws.network._collect_params_with_prefix().items()}


def train(ws, datasets_dir, limit=LIMIT, **settings):
    """Train net1 with ``settings``; returns the parameters after each epoch, taken on the worker
    when the epoch is reported (the run is between steps then)."""
    if not ws.layers:
        add_net1(ws)
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"), **settings)
    per_epoch = {}
    listener = ws.events.training.connect(
        lambda e: per_epoch.__setitem__(e.epoch, values(ws)) if e.kind == "epoch" else None)
    ws.start_training(limit=limit, restart=True)
    assert ws.wait_training(60)
    ws.events.training.disconnect(listener)
    return per_epoch


def test_the_split_is_disjoint_complete_and_chosen_by_the_seed():
    rest, held = split_indices(60000, 5000, seed=42)
    assert len(held) == 5000 and len(rest) == 55000
    assert not np.intersect1d(rest, held).size
    assert np.array_equal(np.sort(np.concatenate([rest, held])), np.arange(60000))
    again_rest, again_held = split_indices(60000, 5000, seed=42)
    assert np.array_equal(held, again_held) and np.array_equal(rest, again_rest)
    other = split_indices(60000, 5000, seed=43)[1]
    assert not np.array_equal(held, other)
    assert held.min() < 1000 and held.max() > 59000   # spread over the set, not its first images
    with pytest.raises(ValueError, match="cannot hold out 60000 of 60000"):
        split_indices(60000, 60000, seed=1)


def test_the_settings_are_checked_and_patience_needs_a_split(ws):
    assert (ws.training_settings.validation, ws.training_settings.patience) == (5000, 0)
    for bad in (-1, 50001, 1.5, True, "10"):
        with pytest.raises(SettingError, match="validation"):
            ws.set_training_settings(validation=bad)
    with pytest.raises(SettingError, match="patience"):
        ws.set_training_settings(patience=-1)
    ws.set_training_settings(patience=3)
    with pytest.raises(SettingError, match="needs a validation split"):
        ws.set_training_settings(validation=0)
    assert ws.training_settings.validation == 5000  # refused: nothing changed
    ws.set_training_settings(patience=0, validation=0)
    with pytest.raises(SettingError, match="needs a validation split"):
        ws.set_training_settings(patience=2)


def test_validation_figures_equal_an_independent_evaluation_of_the_held_out_images(ws, datasets_dir):
    train(ws, datasets_dir, epochs=2, validation=HELD)
    history = ws.run_history
    assert len(history.epoch_val_acc) == len(history.epoch_val_loss) == 2
    # The held-out images by hand: the seed's permutation of the 60,000, its first HELD, in order.
    full = gluon.data.vision.MNIST(root=str(datasets_dir / "mnist"), train=True, transform=transform)
    held = np.sort(np.random.default_rng(ws.training_settings.seed).permutation(len(full))[:HELD])
    x = np.stack([full[int(i)][0].asnumpy() for i in held]).reshape(HELD, -1).astype(np.float64)
    y = np.array([full[int(i)][1] for i in held], dtype=np.int64)
    p = {k: v.astype(np.float64) for k, v in values(ws).items()}
    h = np.maximum(x @ p["0.weight"].T + p["0.bias"], 0)
    h = np.maximum(h @ p["1.weight"].T + p["1.bias"], 0)
    logits = h @ p["2.weight"].T + p["2.bias"]
    top = logits.max(axis=1, keepdims=True)
    log_softmax = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    assert history.epoch_val_acc[-1] == np.mean(logits.argmax(axis=1) == y)
    assert history.epoch_val_loss[-1] == pytest.approx(-log_softmax[np.arange(HELD), y].mean(), rel=1e-5)
    # The training images are the rest: the run never saw a held-out one.
    assert ws.results.validation_accuracy == history.epoch_val_acc[-1]


def test_early_stopping_restore_best_epoch_bitwise_and_its_results(ws, datasets_dir):
    events = []
    ws.events.training.connect(lambda e: events.append(e) if e.kind in ("epoch", "finished") else None)
    per_epoch = train(ws, datasets_dir, **BUMPY)
    accs = ws.run_history.epoch_val_acc
    best = int(np.argmax(accs)) + 1                      # argmax: the first of equal maxima
    # Stopped exactly `patience` epochs after the best, before the 8 planned.
    assert ws.last_run.reason == "early-stopped" and len(accs) == best + 2 < 8
    assert all(a <= accs[best - 1] for a in accs[best:])
    assert f"best epoch was epoch {best}" in ws.last_run.message
    assert [e.best_epoch for e in events if e.kind == "epoch"][-1] == best == ws.best_epoch.epoch
    assert best != len(accs)                             # the network now holds other values
    assert ws.results.epochs == len(accs) and not ws.results_stale

    undo_text = ws.undo_text
    ws.restore_best_epoch()
    restored = values(ws)
    assert all(np.array_equal(restored[k], per_epoch[best][k]) for k in restored)
    assert ws.results.epochs == best and ws.results.validation_accuracy == accs[best - 1]
    assert not ws.results_stale and "after epoch %d" % best in ws.results_text
    assert ws.dirty and ws.has_trained_parameters
    assert ws.undo_text == undo_text   # like loading parameters: not an edit of the network


def test_restore_is_refused_after_a_change_of_the_network_and_allowed_after_undo(ws, datasets_dir):
    with pytest.raises(TrainingError, match="no best epoch"):
        ws.restore_best_epoch()
    train(ws, datasets_dir, epochs=1, validation=HELD)
    ws.update_layer(ws.layers[1].uid, units=32)
    assert "changed since" in ws.best_epoch_problem
    with pytest.raises(TrainingError, match="undo the change"):
        ws.restore_best_epoch()
    ws.undo()
    assert ws.best_epoch_problem is None
    ws.restore_best_epoch()
    # After Reset parameters the best epoch still comes back whole.
    ws.reset_parameters()
    ws.restore_best_epoch()
    assert not ws.results_stale and ws.results.epochs == 1


def test_no_split_no_best_epoch_and_the_old_one_goes_with_a_new_run(ws, datasets_dir):
    train(ws, datasets_dir, epochs=1, validation=HELD)
    assert ws.best_epoch is not None
    train(ws, datasets_dir, epochs=1, validation=0)
    assert ws.best_epoch is None and ws.run_history.epoch_val_acc == [None]
    assert ws.results.validation_accuracy is None


def test_a_project_keeps_its_best_epoch_and_restores_it_after_reopening(ws, datasets_dir, tmp_path):
    from blockstudio.workspace import Workspace
    from blockstudio.workspace.recent import RecentFiles

    per_epoch = train(ws, datasets_dir, **BUMPY)
    best = ws.best_epoch.epoch
    final = values(ws)
    ws.save(tmp_path / "p.bsproj")
    saved = json.loads((tmp_path / "p.bsproj").read_text())
    assert saved["best_epoch"]["epoch"] == best and saved["training"]["patience"] == 2
    arrays = load_arrays(ws.parameters_path)
    assert sorted(k for k in arrays if k.startswith(BEST_PREFIX)) == sorted(BEST_PREFIX + k for k in final)

    other = Workspace(recent_files=RecentFiles(tmp_path / "recent.json"))
    assert other.open(tmp_path / "p.bsproj") == []
    reopened = values(other)
    assert all(np.array_equal(reopened[k], final[k]) for k in final)   # the current values, not the best
    assert other.best_epoch.epoch == best and other.best_epoch_problem is None
    other.restore_best_epoch()
    restored = values(other)
    assert all(np.array_equal(restored[k], per_epoch[best][k]) for k in restored)
    assert other.results.epochs == best and not other.results_stale
    # The same file loads as plain parameters too (its best epoch left aside).
    other.load_parameters(ws.parameters_path)
    assert all(np.array_equal(values(other)[k], final[k]) for k in final)
    # Saved again after the restore, the pair still holds the best epoch.
    other.save()
    third = Workspace(recent_files=RecentFiles(tmp_path / "recent.json"))
    third.open(tmp_path / "p.bsproj")
    assert third.best_epoch.epoch == best


def test_a_saved_project_drops_a_best_epoch_of_another_network(ws, datasets_dir, tmp_path):
    train(ws, datasets_dir, epochs=1, validation=HELD)
    ws.update_layer(ws.layers[0].uid, activation="tanh")
    ws.save(tmp_path / "p.bsproj")
    assert "best_epoch" not in json.loads((tmp_path / "p.bsproj").read_text())
    assert not any(k.startswith(BEST_PREFIX) for k in load_arrays(ws.parameters_path))


def test_a_damaged_best_epoch_entry_is_refused_by_name(ws, datasets_dir, tmp_path):
    train(ws, datasets_dir, epochs=1, validation=HELD)
    ws.save(tmp_path / "p.bsproj")
    data = json.loads((tmp_path / "p.bsproj").read_text())
    data["best_epoch"]["epoch"] = 0
    (tmp_path / "bad.bsproj").write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match="best_epoch.epoch"):
        ws.open(tmp_path / "bad.bsproj")


def test_the_split_leaves_the_engines_generator_alone():
    # The initial values and every shuffle draw from the engine's generator: holding images out must
    # not move it, or a split would change what a run without one computes (and continuing runs
    # would hold out other images than the first run did).
    import blockstudio.core as mx
    from blockstudio.core.gluon.data import SimpleDataset
    from blockstudio.workspace.validation import split_validation

    mx.random.seed(5)
    expected = mx.random.get_generator().random(4)
    mx.random.seed(5)
    rest, held = split_validation(SimpleDataset(list(range(100))), 10, seed=5)
    assert np.array_equal(mx.random.get_generator().random(4), expected)
    assert sorted(list(rest) + list(held)) == list(range(100)) and len(held) == 10
