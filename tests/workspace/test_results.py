"""Results belong to parameters: they say which parameters they describe, go stale when an edit
changes those, come back when an undo restores them, and reopen with the project."""

import json

from blockstudio.workspace import Workspace
from tests.workspace.conftest import add_net1

LIMIT = 192


def train(ws, datasets_dir, epochs=1):
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"), epochs=epochs)
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(60) and ws.last_run.reason == "completed"


def test_a_run_leaves_results_of_its_last_epoch_that_go_stale_on_an_edit(ws, datasets_dir):
    a, b, c = add_net1(ws)
    assert ws.results is None and ws.results_text == "Not trained yet."
    seen = []
    ws.events.results.connect(lambda e: seen.append(e.type))
    train(ws, datasets_dir, epochs=2)
    results = ws.results
    assert results.test_accuracy == ws.run_history.epoch_test_acc[-1] and results.epochs == 2
    assert results.train_loss == ws.run_history.epoch_train_loss[-1]
    assert not ws.results_stale and "of the current parameters (the parameters after epoch 2" in ws.results_text
    assert seen  # the panel hears of it
    ws.update_layer(a, units=32)
    assert ws.results_stale and ws.results_text.startswith("Stale: ")
    ws.undo()
    assert not ws.results_stale            # the very same values again
    ws.update_layer(a, activation="tanh")  # the same values compute something else: stale
    assert ws.results_stale
    ws.undo()
    assert not ws.results_stale


def test_results_reopen_with_the_project_and_its_parameters(ws, datasets_dir, tmp_path):
    add_net1(ws)
    train(ws, datasets_dir)
    ws.save(tmp_path / "p.bsproj")
    stored = json.loads((tmp_path / "p.bsproj").read_text())["results"]
    assert stored["test_accuracy"] == ws.results.test_accuracy and stored["fingerprint"]
    other = Workspace()
    other.open(tmp_path / "p.bsproj")
    assert other.results == ws.results and not other.results_stale
    assert other.results_text == ws.results_text


def test_parameters_changed_behind_the_projects_back_make_its_results_stale(ws, datasets_dir, tmp_path):
    import numpy as np

    from blockstudio.core.serialization import load_arrays, save_arrays

    add_net1(ws)
    train(ws, datasets_dir)
    ws.save(tmp_path / "p.bsproj")
    arrays = load_arrays(tmp_path / "p.parameters.npz")
    arrays["0.bias"] = arrays["0.bias"] + np.float32(1)
    save_arrays(str(tmp_path / "p.parameters.npz"), arrays)
    other = Workspace()
    other.open(tmp_path / "p.bsproj")
    assert other.results is not None and other.results_stale


def test_loaded_parameters_have_no_results_until_measured(ws, datasets_dir, tmp_path):
    add_net1(ws)
    train(ws, datasets_dir)
    ws.save_parameters(tmp_path / "x.npz")
    other = Workspace()
    add_net1(other)
    other.load_parameters(tmp_path / "x.npz")
    assert other.results is None
    assert other.results_text.startswith("No results for these parameters yet")


def test_a_damaged_results_entry_is_refused_with_its_field(tmp_path):
    import pytest

    from blockstudio.workspace import ProjectFileError

    ws = Workspace()
    add_net1(ws)
    ws.save(tmp_path / "p.bsproj")
    data = json.loads((tmp_path / "p.bsproj").read_text())
    data["parameters"] = "p.parameters.npz"
    data["results"] = {"test_accuracy": "high"}
    (tmp_path / "q.bsproj").write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match="results.test_accuracy.*must be a number"):
        Workspace().open(tmp_path / "q.bsproj")
