"""Saving and loading parameters: round trips, MXNet files, every mismatch listed, nothing changed."""

import json
from pathlib import Path

import numpy as np
import pytest

from blockstudio.core.serialization import load_arrays, save_arrays
from blockstudio.workspace import ParameterLoadError, Workspace
from blockstudio.workspace.recent import RecentFiles
from tests.workspace.conftest import add_net1

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


@pytest.fixture
def ready(ws, datasets_dir):
    ws.set_training_settings(data_dir=str(datasets_dir))
    uids = add_net1(ws)
    ws.pass_batch()
    return uids


def all_values(ws):
    return {name: p.data().asnumpy() for name, p in ws.network.collect_params().items()}


def test_save_then_load_round_trip(ws, ready, tmp_path):
    path = tmp_path / "net1.npz"
    ws.save_parameters(path)
    assert sorted(load_arrays(path)) == ["0.bias", "0.weight", "1.bias", "1.weight", "2.bias", "2.weight"]
    saved = all_values(ws)
    ws.reset_parameters()
    assert ws.layer_info(ready[0]).params[0].shape == (128, 0) and not ws.has_trained_parameters
    ws.load_parameters(path)
    assert all(np.array_equal(saved[k], v) for k, v in all_values(ws).items())
    assert ws.has_trained_parameters and ws.dirty
    assert ws.shapes_resolved and ws.layer_info(ready[2]).output_shape == (64, 10)


def test_saving_before_shapes_are_known_says_what_to_do(ws, tmp_path):
    add_net1(ws)
    with pytest.raises(ValueError, match="sequential0_dense0_weight.*no values yet.*Pass one batch"):
        ws.save_parameters(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_mxnet_params_file_loads_and_reproduces_mxnet_output(ws):
    ws.add_layer("Dense", units=32, activation="relu")
    ws.add_layer("Dense", units=16, activation="tanh")
    ws.add_layer("Dense", units=10, activation=None)
    ws.set_input_shape((5, 784))
    ws.load_parameters(FIXTURES / "mxnet_seq_32_16_10.params")
    x = np.load(FIXTURES / "mxnet_seq_input.npy")
    from blockstudio.core import nd

    out = ws.network(nd.array(x)).asnumpy()
    np.testing.assert_allclose(out, np.load(FIXTURES / "mxnet_seq_output.npy"), rtol=1e-4, atol=1e-5)
    assert ws.total_params == 32 * 785 + 16 * 33 + 170


def test_a_file_for_another_network_lists_every_problem_and_changes_nothing(ws, ready, tmp_path):
    ws.add_layer("Dense", units=5, activation=None)  # four Dense layers now
    ws.pass_batch()
    before = all_values(ws)
    good = {f"{i}.{k}": v for i, shape in enumerate([(128, 784), (64, 128), (7, 64)])
            for k, v in (("weight", np.zeros(shape, np.float32)), ("bias", np.zeros(shape[:1], np.float32)))}
    good["9.weight"] = np.zeros((1, 1), np.float32)
    path = tmp_path / "other.npz"
    save_arrays(path, good)
    with pytest.raises(ParameterLoadError) as info:
        ws.load_parameters(path)
    error = info.value
    assert error.missing == ["3.weight", "3.bias"]
    assert error.unexpected == ["9.weight"]
    assert error.mismatched == ["2.weight", "2.bias"]
    message = str(error)
    # Each parameter is named by the card the user sees and by its key in the file.
    assert "layer 3 Dense(10) (2.weight): the network expects (10, 64), the file has (7, 64)" in message
    assert "missing from the file: layer 4 Dense(5) (3.weight, 3.bias)" in message
    assert "Nothing was changed" in message
    assert all(np.array_equal(before[k], v) for k, v in all_values(ws).items())


def test_shapes_that_do_not_chain_are_refused(ws, tmp_path):
    add_net1(ws)
    arrays = {"0.weight": np.zeros((128, 784), np.float32), "0.bias": np.zeros(128, np.float32),
              "1.weight": np.zeros((64, 99), np.float32), "1.bias": np.zeros(64, np.float32),
              "2.weight": np.zeros((10, 64), np.float32), "2.bias": np.zeros(10, np.float32)}
    save_arrays(tmp_path / "p.npz", arrays)
    with pytest.raises(ParameterLoadError, match=r"layer 2 Dense\(64, relu\) \(1.weight\): the network expects \(64, 128\), the file has \(64, 99\)"):
        ws.load_parameters(tmp_path / "p.npz")
    assert ws.layer_info(ws.layers[0].uid).params[0].shape == (128, 0)


def test_unreadable_or_missing_files(ws, ready, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ParameterLoadError, match="Cannot load parameters from notes.txt: .*accepted"):
        ws.load_parameters(tmp_path / "notes.txt")
    with pytest.raises(ParameterLoadError, match="does not exist"):
        ws.load_parameters(tmp_path / "gone.npz")


def test_non_finite_values_are_refused(ws, ready, tmp_path):
    ws.save_parameters(tmp_path / "p.npz")
    arrays = load_arrays(tmp_path / "p.npz")
    arrays["1.bias"][3] = np.nan
    save_arrays(tmp_path / "p.npz", arrays)
    with pytest.raises(ParameterLoadError, match="NaN or infinite"):
        ws.load_parameters(tmp_path / "p.npz")


def test_project_remembers_its_parameters_and_reopening_restores_them(ws, ready, tmp_path):
    ws.save_parameters(tmp_path / "elsewhere.npz")
    ws.load_parameters(tmp_path / "elsewhere.npz")
    saved = all_values(ws)
    project = tmp_path / "mlp.bsproj"
    ws.save(project)
    assert json.loads(project.read_text())["parameters"] == "mlp.parameters.npz"
    assert ws.parameters_path == str(tmp_path / "mlp.parameters.npz") and not ws.dirty

    other = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    assert other.open(project) == []
    assert other.has_trained_parameters and not other.dirty and other.shapes_resolved
    assert all(np.array_equal(saved[k], v) for k, v in all_values(other).items())

    # Save As elsewhere writes the parameters beside the new file too.
    (tmp_path / "copy").mkdir()
    other.save(tmp_path / "copy" / "mlp2.bsproj")
    assert (tmp_path / "copy" / "mlp2.parameters.npz").exists()


def test_a_missing_parameters_file_opens_the_network_untrained_with_a_warning(ws, ready, tmp_path):
    ws.save_parameters(tmp_path / "p.npz")
    ws.load_parameters(tmp_path / "p.npz")
    ws.save(tmp_path / "mlp.bsproj")
    (tmp_path / "mlp.parameters.npz").unlink()
    other = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    warnings = other.open(tmp_path / "mlp.bsproj")
    assert len(warnings) == 1 and "starts untrained" in warnings[0] and "does not exist" in warnings[0]
    assert other.last_open_warnings == warnings
    assert len(other.layers) == 3 and not other.has_trained_parameters


def test_a_project_edited_after_training_saves_and_reopens_as_it_was(ws, ready, tmp_path):
    a, b, c = ready
    ws.save_parameters(tmp_path / "p.npz")
    ws.load_parameters(tmp_path / "p.npz")
    ws.update_layer(a, units=100)  # dense0's weight and dense1's input size are unknown again
    kept = ws.network[2].weight.data().asnumpy()
    ws.save(tmp_path / "edited.bsproj")
    assert sorted(load_arrays(tmp_path / "edited.parameters.npz")) == ["0.bias", "1.bias", "2.bias", "2.weight"]

    other = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    assert other.open(tmp_path / "edited.bsproj") == []
    shapes = [[p.shape for p in other.layer_info(u.uid).params] for u in other.layers]
    assert shapes == [[(100, 0), (100,)], [(64, 0), (64,)], [(10, 64), (10,)]]
    assert np.array_equal(other.network[2].weight.data().asnumpy(), kept)
    other.pass_batch()
    assert np.array_equal(other.network[2].weight.data().asnumpy(), kept) and other.total_params == 100 * 785 + \
        64 * 101 + 650


def test_float64_values_from_another_tool_load_as_float32(ws, tmp_path):
    import numpy as np

    from blockstudio.core.serialization import save_arrays

    uid = ws.add_layer("Dense", units=4)
    rng = np.random.default_rng(1)
    arrays = {"0.weight": rng.standard_normal((4, 784)), "0.bias": rng.standard_normal(4)}
    save_arrays(str(tmp_path / "f64.npz"), arrays)
    ws.load_parameters(tmp_path / "f64.npz")
    weight = ws.network[0].weight.data().asnumpy()
    assert weight.dtype == np.float32 and np.array_equal(weight, arrays["0.weight"].astype(np.float32))
    assert ws.layer_info(uid).params[0].shape == (4, 784)
