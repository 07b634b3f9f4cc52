"""Building and editing a network in the workspace, with one undo history for every edit."""

import pytest

from blockstudio.workspace import SettingError
from tests.workspace.conftest import add_net1


def kinds(ws):
    return [(layer.kind, layer.settings.get("units")) for layer in ws.layers]


def test_build_net1_and_read_it_back(ws):
    uids = add_net1(ws)
    assert kinds(ws) == [("Dense", 128), ("Dense", 64), ("Dense", 10)]
    assert [ws.layer_info(u).title for u in uids] == ["Dense(128, relu)", "Dense(64, relu)", "Dense(10)"]
    assert ws.input_shape == (64, 28, 28, 1)
    assert ws.undo_text == "Undo Add Dense" and ws.can_undo and not ws.can_redo
    assert ws.dirty and ws.title == "Untitled*"


def test_insert_at_a_position_move_duplicate_delete(ws):
    a, b, c = add_net1(ws)
    flat = ws.add_layer("Flatten", index=0)
    assert [layer.kind for layer in ws.layers] == ["Flatten", "Dense", "Dense", "Dense"]
    drop = ws.add_layer("Dropout", index=2, rate=0.25)
    assert [layer.uid for layer in ws.layers] == [flat, a, drop, b, c]
    ws.move_layer(drop, 4)
    assert [layer.uid for layer in ws.layers] == [flat, a, b, c, drop]
    assert ws.undo_text == "Undo Move Dropout"
    copy = ws.duplicate_layer(a)
    assert [layer.uid for layer in ws.layers] == [flat, a, copy, b, c, drop]
    assert ws.layer(copy).settings == ws.layer(a).settings and copy != a
    assert ws.undo_text == "Undo Duplicate Dense"
    ws.remove_layer(flat)
    assert ws.undo_text == "Undo Delete Flatten"
    assert [layer.uid for layer in ws.layers] == [a, copy, b, c, drop]


def test_undo_redo_walks_every_edit_back_and_forth(ws):
    a, b, c = add_net1(ws)
    ws.update_layer(a, units=256)
    ws.move_layer(c, 0)
    ws.remove_layer(b)
    ws.set_input_shape((32, 784))
    ws.set_training_settings(learning_rate=0.5, epochs=3)
    final = (kinds(ws), ws.input_shape, ws.training_settings)
    texts = []
    while ws.can_undo:
        texts.append(ws.undo_text)
        ws.undo()
    assert texts == ["Undo Edit training settings", "Undo Edit input shape", "Undo Delete Dense", "Undo Move Dense",
                     "Undo Edit Dense units", "Undo Add Dense", "Undo Add Dense", "Undo Add Dense"]
    assert ws.layers == [] and not ws.dirty
    assert ws.redo_text == "Redo Add Dense"
    while ws.can_redo:
        ws.redo()
    assert (kinds(ws), ws.input_shape, ws.training_settings) == final
    assert [layer.uid for layer in ws.layers] == [c, a]  # the same layers come back, not look-alikes


def test_a_new_edit_clears_redo(ws):
    a, _, _ = add_net1(ws)
    ws.update_layer(a, units=5)
    ws.undo()
    assert ws.can_redo
    ws.update_layer(a, activation="tanh")
    assert not ws.can_redo and ws.undo_text == "Undo Edit Dense activation"


def test_bad_values_change_nothing(ws):
    a, _, _ = add_net1(ws)
    drop = ws.add_layer("Dropout")
    before = (ws.layers, ws.undo_text)
    for uid, settings in [(a, {"units": 0}), (a, {"units": 64, "activation": "gelu"}), (drop, {"rate": 1.5}),
                          (a, {"colour": "red"})]:
        with pytest.raises(SettingError):
            ws.update_layer(uid, **settings)
    assert (ws.layers, ws.undo_text) == before
    with pytest.raises(SettingError):
        ws.add_layer("Dense", units=-1)
    with pytest.raises(SettingError):
        ws.set_training_settings(batch_size=0)
    with pytest.raises(SettingError):
        ws.set_input_shape((64, -28))
    with pytest.raises(IndexError, match="use 0 to 4"):
        ws.add_layer("Flatten", index=9)
    with pytest.raises(KeyError, match="no layer with uid"):
        ws.remove_layer("nope")
    assert (ws.layers, ws.undo_text) == before


def test_edits_that_change_nothing_leave_no_undo_step(ws):
    a, _, _ = add_net1(ws)
    steps = ws.undo_text
    ws.update_layer(a, units=128)
    ws.move_layer(a, 0)
    ws.set_input_shape((64, 28, 28, 1))
    ws.set_training_settings(epochs=1)
    assert ws.undo_text == steps
    ws.undo()
    assert len(ws.layers) == 2


def test_events_tell_views_what_changed(ws):
    seen = []
    for emitter in ws.events:
        emitter.connect(lambda e: seen.append((e.type, getattr(e, "uid", "-"))))
    uid = ws.add_layer("Dense")
    assert {t for t, _ in seen} == {"layers", "shapes", "history", "project"}
    seen.clear()
    ws.select(uid)
    assert seen == [("selection", uid)] and ws.selected == uid
    seen.clear()
    ws.select(uid)
    assert seen == []  # no news, no event
    ws.undo()  # the selected layer disappears: selection follows
    assert ("selection", None) in seen and ws.selected is None
    with pytest.raises(KeyError):
        ws.select("missing")


def test_dirty_follows_the_saved_point(ws, tmp_path):
    a, _, _ = add_net1(ws)
    ws.save(tmp_path / "net.bsproj")
    assert not ws.dirty and ws.title == "net.bsproj"
    ws.update_layer(a, units=3)
    assert ws.dirty and ws.title == "net.bsproj*"
    ws.undo()
    assert not ws.dirty
    ws.undo()
    assert ws.dirty
    ws.add_layer("Flatten")  # the saved state is now unreachable by redo
    assert ws.dirty
    while ws.can_undo:
        ws.undo()
    assert ws.dirty


def test_an_edit_that_would_make_the_network_too_large_is_refused_before_anything_is_allocated(ws, monkeypatch):
    import pytest

    from blockstudio.workspace import SettingError

    uid = ws.add_layer("Dense", units=128)
    with pytest.raises(SettingError, match="Refused: .*parameters.*BLOCKSTUDIO_MAX_PARAMETERS") as info:
        ws.update_layer(uid, units=10 ** 8)
    assert info.value.field == "units"
    assert ws.layer(uid).settings["units"] == 128 and ws.undo_text == "Undo Add Dense"
    monkeypatch.setenv("BLOCKSTUDIO_MAX_PARAMETERS", "50000")
    with pytest.raises(SettingError, match="Refused"):
        ws.add_layer("Dense", units=64, index=0)
    assert len(ws.layers) == 1
    with pytest.raises(SettingError, match="Refused") as info:
        ws.set_input_shape((64, 100, 100, 1))
    assert info.value.field == "input_shape" and ws.input_shape == (64, 28, 28, 1)
