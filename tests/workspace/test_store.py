"""Trained values belong to layers: they survive edits, undo and reorders bitwise; reading the
network changes nothing; fresh values and runs do not depend on the editing history; each
action does its work once."""

import subprocess
import sys

import numpy as np
import pytest

from blockstudio import cli
from blockstudio.core import random as core_random
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace import Workspace
from tests.workspace.conftest import add_net1

LIMIT = 192


def values(ws):
    """``{parameter name: array copy}`` of every parameter that has a value."""
    return {name: p.data().asnumpy().copy() for name, p in ws.network.collect_params().items()
            if p._data is not None}


def by_layer(ws):
    """``{uid: [array copies]}``: values follow layers, not parameter names (which a move changes)."""
    result = {}
    for layer, block in zip(ws.layers, ws.network._children.values()):
        result[layer.uid] = [p.data().asnumpy().copy() for p in block.collect_params().values()
                             if p._data is not None]
    return result


def same(a, b):
    return a.keys() == b.keys() and all(
        len(a[k]) == len(b[k]) and all(np.array_equal(x, y) for x, y in zip(a[k], b[k])) for k in a)


def train(ws, datasets_dir, restart=None):
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"))
    ws.start_training(limit=LIMIT, restart=restart)
    assert ws.wait_training(60) and ws.last_run.reason == "completed", ws.last_run.message


def test_undo_after_training_restores_the_trained_values_bitwise(ws, datasets_dir):
    a, b, c = add_net1(ws)
    train(ws, datasets_dir)
    trained = by_layer(ws)
    ws.update_layer(a, units=100)
    assert [p.shape for p in ws.layer_info(a).params] == [(100, 0), (100,)]
    assert ws.layer_info(b).params[0].shape == (64, 0)          # the next layer's input changed
    assert same({c: trained[c]}, {c: by_layer(ws)[c]})          # the last one kept its values
    ws.undo()
    assert same(by_layer(ws), trained)
    ws.redo()
    ws.pass_batch()                                              # fresh values for the edited pair
    edited = by_layer(ws)
    ws.undo()
    assert same(by_layer(ws), trained)
    ws.redo()
    assert same(by_layer(ws), edited)                            # and the fresh ones come back too


def test_undoing_a_move_or_a_delete_of_a_trained_layer_restores_it(ws, datasets_dir):
    add_net1(ws)
    drop = ws.add_layer("Dropout", index=1, rate=0.2)
    train(ws, datasets_dir)
    trained = by_layer(ws)
    ws.move_layer(drop, 2)   # Dropout changes no shape: every Dense keeps its values
    assert same(by_layer(ws), trained)
    uid = ws.layers[0].uid
    ws.remove_layer(uid)
    ws.undo()
    assert same(by_layer(ws), trained)
    ws.undo()
    assert same(by_layer(ws), trained) and ws.layers[1].uid == drop


def test_a_reorder_keeps_values_where_their_shapes_still_fit(ws, datasets_dir):
    first = ws.add_layer("Dense", units=64, activation="relu")
    second = ws.add_layer("Dense", units=64, activation="relu")
    last = ws.add_layer("Dense", units=10, activation=None)
    train(ws, datasets_dir)
    trained = by_layer(ws)
    ws.move_layer(second, 0)  # second now reads 784 inputs, first reads 64: both lose their weights
    now = by_layer(ws)
    assert ws.layer_info(first).params[0].shape == (64, 0) and ws.layer_info(second).params[0].shape == (64, 0)
    assert same({last: now[last]}, {last: trained[last]})


def test_reading_the_network_or_its_info_changes_nothing(ws, datasets_dir):
    a, b, c = add_net1(ws)
    ws.pass_batch()
    ws.update_layer(b, units=32)
    counts = dict(ws._state.counts)
    before_values = values(ws)
    before_random = core_random.get_generator().bit_generator.state
    for _ in range(3):
        ws.network
        ws.layer_info(a)
        ws.layer_infos()
        ws.shapes_resolved
        ws.layer_errors
        ws.total_params
        ws.summary_text
        ws.params_text
        ws.layers
    assert ws._state.counts == counts
    assert same({k: [v] for k, v in values(ws).items()}, {k: [v] for k, v in before_values.items()})
    assert core_random.get_generator().bit_generator.state == before_random
    assert ws.layer_info(b).params[0].shape == (32, 0)   # still waiting for a batch


def test_fresh_values_do_not_depend_on_the_editing_history(datasets_dir, tmp_path):
    plain = Workspace()
    add_net1(plain)
    plain.pass_batch()

    edited = Workspace()
    a = edited.add_layer("Dense", units=64, activation="relu")
    edited.pass_batch()                       # values drawn for an architecture that goes away
    edited.add_layer("Flatten", index=0)
    x = edited.add_layer("Dense", units=10, activation=None)
    edited.move_layer(x, 1)
    edited.remove_layer(edited.layers[0].uid)
    edited.undo()
    edited.redo()
    edited.update_layer(a, units=64)          # no change: no step
    edited.remove_layer(x)
    edited.add_layer("Dense", units=128, activation="relu", index=0)
    edited.add_layer("Dense", units=10, activation=None)
    assert [layer.settings["units"] for layer in edited.layers] == [128, 64, 10]
    edited.update_layer(edited.layers[1].uid, units=65)
    edited.undo()
    edited.pass_batch()
    assert same({i: [v] for i, v in enumerate(values(plain).values())},
                {i: [v] for i, v in enumerate(values(edited).values())})


def test_app_cli_and_script_agree_after_add_reorder_delete_undo_redo(ws, datasets_dir, tmp_path):
    # The edit sequence the issue names; the project that results is net1 with a Dropout.
    a, b, c = add_net1(ws)
    drop = ws.add_layer("Dropout", rate=0.2)
    ws.move_layer(drop, 1)
    ws.remove_layer(b)
    ws.undo()
    ws.redo()
    ws.undo()
    ws.pass_batch()
    # With a validation split and early stopping, which all three must follow alike.
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"), seed=11, momentum=0.9, epochs=3,
                             validation=2000, patience=1)
    project = tmp_path / "edited.bsproj"
    ws.save(project)
    ws.export_script(tmp_path / "edited.py")
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(60) and ws.last_run.reason in ("completed", "early-stopped")
    assert ws.run_history.epoch_val_acc[0] is not None
    ws.save_parameters(tmp_path / "app.npz")

    assert cli.main(["train", str(project), "--limit", str(LIMIT), "-o", str(tmp_path / "cli.npz")]) == 0
    result = subprocess.run([sys.executable, str(tmp_path / "edited.py"), "--limit", str(LIMIT),
                             "--data", str(datasets_dir / "mnist"), "--output", str(tmp_path / "script.npz")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    app, via_cli, script = (load_arrays(tmp_path / n) for n in ("app.npz", "cli.npz", "script.npz"))
    assert sorted(app) == sorted(via_cli) == sorted(script)
    for key in app:
        assert np.array_equal(app[key], via_cli[key]) and np.array_equal(app[key], script[key]), key


def test_work_per_action_is_pinned_at_the_minimum(ws, datasets_dir):
    add_net1(ws)
    counts = ws._state.counts

    def work(action):
        before = dict(counts)
        action()
        return {k: counts[k] - before[k] for k in counts}

    assert work(lambda: ws.add_layer("Dropout", index=1)) == {"builds": 1, "forwards": 0, "initials": 0}
    assert work(lambda: ws.set_training_settings(learning_rate=0.05)) == {"builds": 0, "forwards": 0,
                                                                          "initials": 0}
    assert work(ws.pass_batch) == {"builds": 0, "forwards": 1, "initials": 1}
    assert work(lambda: ws.summary_text) == {"builds": 0, "forwards": 0, "initials": 0}
    assert work(ws.pass_batch) == {"builds": 0, "forwards": 1, "initials": 0}
    assert work(ws.undo) == {"builds": 0, "forwards": 0, "initials": 0}  # a training setting: no rebuild


def test_one_action_is_one_notification_per_kind_and_one_changed(ws):
    seen = []
    for emitter in ws.events:
        emitter.connect(lambda e: seen.append(e.type))
    ws.events.changed.connect(lambda e: seen.append(("changed", tuple(sorted(e.names)))))
    with ws.batch():   # a palette drop: insert, then select the new block
        uid = ws.add_layer("Dense")
        ws.select(uid)
    assert seen == ["layers", "shapes", "selection", "project", "history",
                    ("changed", ("history", "layers", "project", "selection", "shapes"))]
    seen.clear()
    ws.set_training_settings(learning_rate=0.2)
    assert seen == ["project", "history", "settings", ("changed", ("history", "project", "settings"))]


def test_the_layers_are_copied_once_per_change(ws):
    add_net1(ws)
    first = ws.layers
    assert [l.uid for l in first] == [l.uid for l in ws.layers]
    assert first[0] is ws.layers[0]          # the same copies until the next change
    first[0].settings["units"] = 999         # a view scribbling on its copy changes nothing
    assert ws._doc.layers[0].settings["units"] == 128
    ws.add_layer("Flatten")
    assert ws.layers[0] is not first[0]


@pytest.mark.parametrize("kind", ["Dense", "Activation", "Dropout", "Flatten"])
def test_every_kind_is_one_declaration_every_part_reads(kind):
    from blockstudio.workspace import layers
    from blockstudio.workspace.export import layer_code
    from blockstudio.workspace.spec import LayerSpec, build_block, default_settings, layer_title

    declared = layers.kind(kind)
    settings = default_settings(kind)
    assert settings == declared.defaults() and settings is not declared.defaults()
    assert layer_title(kind, settings) == declared.title(settings)
    assert layer_code(LayerSpec("u", kind, settings)) == declared.code(settings)
    block = build_block(LayerSpec("u", kind, settings))
    assert type(block).__name__ == (declared.block or kind)
    code = declared.code(settings)
    from blockstudio.core import gluon  # noqa: F401 - the name the exported code uses
    assert type(eval(code)).__name__ == type(block).__name__


def test_per_layer_work_is_linear_in_the_number_of_layers(ws, monkeypatch):
    # 5000 layers froze the window: each card's info walked the whole chain (and the core
    # copied its children per index). Now one action walks the chain a fixed number of times.
    from blockstudio.workspace import shapes

    with ws.batch():
        for _ in range(120):
            ws.add_layer("Activation")
    walks = []
    original = shapes.static_chain
    monkeypatch.setattr(shapes, "static_chain", lambda doc: walks.append(1) or original(doc))
    infos = ws.layer_infos()
    assert len(infos) == 120 and len(walks) == 1
    walks.clear()
    ws.add_layer("Dense", units=10)
    ws.layer_infos()
    ws.shapes_resolved
    assert len(walks) <= 3
