"""Projects from strangers: the reader refuses what a project never holds, the "parameters" entry may
name only a regular file in the project's folder, sizes are bounded before anything is built, and a
damaged parameters file is reported, never half-loaded nor overwritten."""

import json
import os
import resource
import threading
import zipfile
from pathlib import Path

import pytest

from blockstudio.core.serialization import load_arrays, save_arrays
from blockstudio.workspace import ProjectFileError, Workspace
from blockstudio.workspace.limits import ENV_MAX_PARAMETERS, count_parameters
from blockstudio.workspace.project import parse_project, read_project
from blockstudio.workspace.recent import RecentFiles
from tests.workspace.conftest import add_net1

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tutorial-mlp.bsproj"


def example(**changes):
    data = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return data


def refused(tmp_path, text, *fragments):
    path = tmp_path / "stranger.bsproj"
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    with pytest.raises(ProjectFileError) as info:
        read_project(path, lambda: "u")
    message = str(info.value)
    assert message.startswith("Cannot open stranger.bsproj: ")
    for fragment in fragments:
        assert fragment in message
    return message


def test_an_unknown_top_level_key_is_refused_by_name_not_dropped(tmp_path):
    data = example()
    data["layerz"] = data.pop("layers")  # a typo used to open as an empty network, erased on Save
    refused(tmp_path, json.dumps(data), "unknown key 'layerz'")


def test_duplicate_keys_huge_numbers_deep_nesting_and_nan_are_one_clear_error(tmp_path):
    text = EXAMPLE.read_text()
    refused(tmp_path, text.replace('"version": 1,', '"version": 1, "version": 1,'), "'version' appears twice")
    refused(tmp_path, text.replace('"epochs": 1', '"epochs": ' + "9" * 5000), "5000 digits")
    refused(tmp_path, text.replace('"epochs": 1', '"epochs": ' + "[" * 100000 + "]" * 100000), "nested")
    refused(tmp_path, "[" * 100000 + "]" * 100000, "nested")
    refused(tmp_path, text.replace('"learning_rate": 0.1', '"learning_rate": NaN'), "NaN")


def test_a_device_or_pipe_as_the_project_itself_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.bsproj"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="not a regular file"):
        read_project(fifo, lambda: "u")
    with pytest.raises(ProjectFileError, match="not a regular file"):
        read_project("/dev/zero", lambda: "u")


def opened_with(tmp_path, parameters):
    project = tmp_path / "p" / "stranger.bsproj"
    project.parent.mkdir(exist_ok=True)
    project.write_text(json.dumps(example(parameters=parameters)))
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    result = {}
    thread = threading.Thread(target=lambda: result.update(warnings=ws.open(project)), daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), f"opening a project naming {parameters!r} hangs"
    assert not ws.has_trained_parameters and len(ws.layers) == 3
    (warning,) = result["warnings"]
    assert "not loaded" in warning and "starts untrained" in warning
    return warning


def test_parameters_may_only_name_a_regular_file_in_the_projects_folder(tmp_path):
    (tmp_path / "secret.npz").write_bytes(b"PK")  # a file outside the project's folder
    (tmp_path / "p").mkdir()
    os.mkfifo(tmp_path / "p" / "pipe.npz")
    os.symlink(tmp_path / "secret.npz", tmp_path / "p" / "link.npz")
    os.symlink("/dev/zero", tmp_path / "p" / "zero.npz")
    for name, why in (("/dev/zero", "absolute path"), ("/dev/stdin", "absolute path"),
                      ("../secret.npz", "outside the project's folder"),
                      ("link.npz", "outside the project's folder"), ("zero.npz", "outside the project's folder"),
                      ("pipe.npz", "not a regular file"), (".", "outside the project's folder")):
        assert why in opened_with(tmp_path, name), name
    assert "does not exist" in opened_with(tmp_path, "absent.npz")


def test_a_parameters_file_far_larger_than_the_network_needs_is_not_read(tmp_path):
    (tmp_path / "p").mkdir()
    with open(tmp_path / "p" / "big.npz", "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB for a 100k-parameter network
    assert "more than this network's parameters can take" in opened_with(tmp_path, "big.npz")


def test_sizes_are_checked_from_the_settings_before_anything_is_built(tmp_path, monkeypatch):
    data = example()
    data["layers"][0]["units"] = 10 ** 8  # a 700-byte file that took 800 MB
    text = json.dumps(data)
    assert len(text) < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = refused(tmp_path, text, "layer 1 (Dense)", ENV_MAX_PARAMETERS, "100,000,000")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: nothing allocated
    assert "values for one batch" in message
    data["layers"][0]["units"] = 200_000  # 157 M parameters
    refused(tmp_path, json.dumps(data), "157,", "parameters")
    refused(tmp_path, json.dumps(example(input_shape=[64, 100000, 100000, 1])), "the input would hold")

    monkeypatch.setenv(ENV_MAX_PARAMETERS, "200000000")  # the user raised the bound
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    doc = parse_project(json.dumps(data), "x.bsproj", ws._new_uid).document
    assert count_parameters(doc)[0] == 200_000 * 785 + 64 * 200_001 + 650


@pytest.fixture
def saved(tmp_path):
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    add_net1(ws)
    ws.pass_batch()
    ws.save_parameters(tmp_path / "seed.npz")
    ws.load_parameters(tmp_path / "seed.npz")
    ws.save(tmp_path / "mlp.bsproj")
    return tmp_path / "mlp.bsproj", Path(ws.parameters_path)


def test_a_damaged_parameters_file_is_reported_never_half_loaded_nor_overwritten(saved, tmp_path):
    project, params = saved
    assert json.loads(project.read_text())["parameter_arrays"] == ["0.weight", "0.bias", "1.weight", "1.bias",
                                                                  "2.weight", "2.bias"]
    arrays = load_arrays(params)
    del arrays["1.bias"]  # a member lost (as a flipped byte in the archive's directory does)
    save_arrays(params, arrays)
    damaged = params.read_bytes()
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r2.json"))
    (warning,) = ws.open(project)
    assert "is damaged" in warning and "missing 1.bias" in warning and "left as it is" in warning
    assert not ws.has_trained_parameters

    ws.set_training_settings(data_dir=str(tmp_path / "nowhere"))
    ws.save()  # the damaged file is neither overwritten nor removed: the user decides
    assert params.read_bytes() == damaged
    ws.load_parameters(tmp_path / "seed.npz")
    ws.save()
    assert params.read_bytes() == damaged and Path(ws.parameters_path) != params
    assert Workspace(recent_files=RecentFiles(tmp_path / "r3.json")).open(project) == []

    with zipfile.ZipFile(params, "w"):
        pass  # an empty archive
    (project.parent / "old.bsproj").write_text(json.dumps(example(parameters=params.name)))
    (warning,) = Workspace(recent_files=RecentFiles(tmp_path / "r4.json")).open(project.parent / "old.bsproj")
    assert "holds no arrays" in warning


def test_a_project_saved_with_some_parameters_pending_still_reopens(saved, tmp_path):
    project, _ = saved
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r2.json"))
    ws.open(project)
    ws.update_layer(ws.layers[0].uid, units=100)  # dense0's weight and dense1's weight are pending
    ws.save()
    assert json.loads(project.read_text())["parameter_arrays"] == ["0.bias", "1.bias", "2.weight", "2.bias"]
    assert Workspace(recent_files=RecentFiles(tmp_path / "r3.json")).open(project) == []
