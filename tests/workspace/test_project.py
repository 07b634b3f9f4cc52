"""Project files: round trip, damaged and foreign files refused whole, recent files."""

import json

import pytest

from blockstudio.workspace import ProjectFileError, Workspace
from blockstudio.workspace.project import FORMAT
from blockstudio.workspace.recent import MAX_RECENT, RecentFiles
from tests.workspace.conftest import add_net1


def test_round_trip_keeps_layers_settings_input_and_training(ws, tmp_path):
    a, b, c = add_net1(ws)
    ws.add_layer("Dropout", index=1, rate=0.3)
    ws.add_layer("Flatten", index=0)
    ws.add_layer("Activation", activation="tanh")
    ws.update_layer(b, in_units=128, use_bias=False)
    ws.set_input_shape((32, 28, 28, 1))
    ws.set_training_settings(optimizer="adam", learning_rate=0.001, epochs=2, seed=7, initializer="normal",
                             init_scale=0.05, data_dir="/somewhere")
    path = tmp_path / "my net.bsproj"
    ws.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == "blockstudio-project" and data["version"] == 1
    assert data["layers"][1] == {"type": "Dense", "units": 128, "activation": "relu", "use_bias": True,
                                 "in_units": 0, "flatten": True}
    assert data["parameters"] is None

    # A second workspace reads back exactly what the first one wrote.
    other = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    assert other.open(path) == []
    assert [(l.kind, l.settings) for l in other.layers] == [(l.kind, l.settings) for l in ws.layers]
    assert [l.kind for l in other.layers] == ["Flatten", "Dense", "Dropout", "Dense", "Dense", "Activation"]
    assert other.input_shape == (32, 28, 28, 1)
    assert other.training_settings == ws.training_settings
    assert other.training_settings.optimizer == "adam" and other.training_settings.seed == 7
    assert other.path == str(path) and not other.dirty and other.title == "my net.bsproj"
    assert not other.can_undo


def test_save_as_appends_the_extension_and_save_needs_a_path(ws, tmp_path):
    with pytest.raises(ProjectFileError, match="Save As"):
        ws.save()
    ws.add_layer("Flatten")
    ws.save(tmp_path / "plain")
    assert ws.path == str(tmp_path / "plain.bsproj")
    ws.add_layer("Flatten")
    ws.save()
    assert len(json.loads((tmp_path / "plain.bsproj").read_text())["layers"]) == 2


def test_save_into_a_missing_folder_says_so(ws, tmp_path):
    with pytest.raises(ProjectFileError, match="Cannot save the project"):
        ws.save(tmp_path / "no" / "such" / "dir" / "x.bsproj")
    assert ws.path is None


GOOD = {"format": FORMAT, "version": 1, "input_shape": [64, 28, 28, 1],
        "layers": [{"type": "Dense", "units": 10, "activation": None}], "training": {}, "parameters": None}


def variant(**changes):
    data = json.loads(json.dumps(GOOD))
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON (line 1, column 2"),
    (b"\x89PNG\r\n\x1a\n\x00\xff", "not a text file"),
    ("[1, 2]", "not a blockstudio project"),
    (json.dumps({"format": "keras-model"}), "\"format\" should be \"blockstudio-project\", found 'keras-model'"),
    (variant(version=2), "written by a newer blockstudio (project version 2"),
    (variant(version="one"), "\"version\" should be a whole number"),
    (variant(layers=[{"type": "Conv3D"}]), "layer 1: unknown type 'Conv3D'"),
    (variant(layers=[{"type": "Dense", "units": 0}]), "layer 1 (Dense): units must be a whole number of at least 1"),
    (variant(layers=[{"type": "Dropout", "rate": 2}]), "layer 1 (Dropout): rate must be"),
    (variant(layers=[{"type": "Dense", "colour": 1}]), "Dense has no setting 'colour'"),
    (variant(layers={"type": "Dense"}), "\"layers\": should be a list"),
    (variant(layers=["Dense"]), "layer 1: should be an object"),
    (variant(input_shape=[64]), "\"input_shape\""),
    (variant(training={"epochs": 0}), "\"training\": epochs must be"),
    (variant(training={"optimizer": "rmsprop"}), "optimizer must be one of sgd, adam"),
    (variant(parameters=3), "\"parameters\": should be a file name or null"),
])
def test_damaged_or_foreign_files_are_refused_and_the_open_project_is_untouched(ws, tmp_path, content, message):
    add_net1(ws)
    ws.save(tmp_path / "current.bsproj")
    ws.update_layer(ws.layers[0].uid, units=3)
    before = (ws.layers, ws.path, ws.dirty, ws.undo_text)
    bad = tmp_path / "bad.bsproj"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ProjectFileError) as info:
        ws.open(bad)
    assert message in str(info.value)
    assert str(info.value).startswith("Cannot open bad.bsproj")
    assert (ws.layers, ws.path, ws.dirty, ws.undo_text) == before
    assert str(bad) not in ws.recent_files


def test_missing_file(ws, tmp_path):
    with pytest.raises(ProjectFileError, match="Cannot open nothing.bsproj: No such file"):
        ws.open(tmp_path / "nothing.bsproj")


def test_missing_optional_sections_take_defaults(ws, tmp_path):
    path = tmp_path / "min.bsproj"
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "layers": [{"type": "Flatten"},
                                                                            {"type": "Dense"}]}))
    ws.open(path)
    assert [l.kind for l in ws.layers] == ["Flatten", "Dense"]
    assert ws.layers[1].settings["units"] == 128 and ws.training_settings.batch_size == 64


def test_new_resets_everything(ws, tmp_path):
    add_net1(ws)
    ws.save(tmp_path / "a.bsproj")
    ws.select(ws.layers[0].uid)
    ws.new()
    assert ws.layers == [] and ws.path is None and not ws.dirty and ws.title == "Untitled"
    assert ws.selected is None and not ws.can_undo


def test_recent_files_most_recent_first_capped_and_pruned(ws, tmp_path):
    ws.add_layer("Flatten")
    paths = []
    for i in range(MAX_RECENT + 2):
        paths.append(str(tmp_path / f"p{i}.bsproj"))
        ws.save(paths[-1])
    assert ws.recent_files == paths[::-1][:MAX_RECENT]
    ws.open(paths[3])
    assert ws.recent_files[0] == paths[3] and len(ws.recent_files) == MAX_RECENT
    (tmp_path / "p11.bsproj").unlink()
    assert paths[11] not in ws.recent_files
    ws.forget_recent_file(paths[3])
    assert paths[3] not in ws.recent_files


def test_recent_files_survive_a_damaged_store(tmp_path):
    store = tmp_path / "recent.json"
    store.write_text("garbage{")
    recent = RecentFiles(store)
    assert recent.paths == []
    project = tmp_path / "x.bsproj"
    project.write_text("{}")
    recent.add(project)
    assert recent.paths == [str(project)]


def test_default_recent_store_honours_the_config_override(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_CONFIG_DIR", str(tmp_path / "cfg"))
    assert RecentFiles().path == tmp_path / "cfg" / "recent.json"


def test_a_project_opened_as_a_copy_is_untitled_and_leaves_its_source_alone(ws, tmp_path):
    source = tmp_path / "example.bsproj"
    ws.add_layer("Dense", units=10)
    ws.save(source)
    before = source.read_bytes()
    ws.open(source, as_copy=True)
    assert ws.path is None and ws.copy_of == str(source)
    assert ws.name == "example.bsproj (copy)" and not ws.dirty
    assert [layer.settings["units"] for layer in ws.layers] == [10]
    ws.update_layer(ws.layers[0].uid, units=20)
    with pytest.raises(ProjectFileError, match="Save As"):
        ws.save()
    assert source.read_bytes() == before
    ws.new()
    assert ws.copy_of is None and ws.name == "Untitled"
