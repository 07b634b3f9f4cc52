"""In the real window: trained values survive an edit and its undo bitwise, the results panel says
whether it still describes the network, and a palette drop re-renders each view once."""

import numpy as np
from PySide6.QtWidgets import QApplication

from .conftest import add_net1, drag_and_drop, gap_above

LIMIT = 192


def snapshot(ws):
    return [p.data().asnumpy().copy() for p in ws.network.collect_params().values()]


def train(window, qtbot, mnist_dir):
    ws, panel = window.workspace, window.training_panel
    ws.set_training_settings(data_dir=str(mnist_dir))
    panel.limit = LIMIT
    panel.start_button.click()
    qtbot.waitUntil(lambda: "Training finished" in panel.status_label.text(), timeout=30000)


def test_undo_after_training_keeps_the_trained_values_in_the_window(window, qtbot, mnist_dir):
    ws = window.workspace
    a, b, c = add_net1(ws)
    train(window, qtbot, mnist_dir)
    trained = snapshot(ws)
    panel = window.training_panel
    assert "of the current parameters" in panel.result_label.text()

    window.canvas.card(a).pressed.emit(window.canvas.card(a))   # select the first Dense
    field = window.inspector.field("units")
    field.editor.setText("100")
    field.editor.editingFinished.emit()
    QApplication.processEvents()
    assert ws.layer(a).settings["units"] == 100
    assert "Stale" in panel.result_label.text()
    assert ws.layer_info(a).params[0].shape == (100, 0)

    window.actions["undo"].trigger()
    QApplication.processEvents()
    assert ws.layer(a).settings["units"] == 128
    after = snapshot(ws)
    assert len(after) == len(trained) and all(np.array_equal(x, y) for x, y in zip(after, trained))
    assert "of the current parameters" in panel.result_label.text()
    assert ws.shapes_resolved


def test_a_palette_drop_re_renders_each_view_once(window, qtbot):
    ws, canvas = window.workspace, window.canvas
    add_net1(ws)
    QApplication.processEvents()
    changes = []
    window.bridge.changed.connect(changes.append)
    refreshes, builds, forwards = canvas.refreshes, ws._state.counts["builds"], ws._state.counts["forwards"]

    mime = window.palette.list.mimeData([window.palette.item_for("Dropout")])
    _, accepted = drag_and_drop(canvas.board, mime, gap_above(canvas, 1))
    QApplication.processEvents()
    assert accepted and ws.layers[1].kind == "Dropout" and ws.selected == ws.layers[1].uid
    assert len(changes) == 1 and {"layers", "selection", "history"} <= changes[0]
    assert canvas.refreshes - refreshes == 1
    assert ws._state.counts["builds"] - builds == 1 and ws._state.counts["forwards"] == forwards


def test_typing_a_learning_rate_rebuilds_nothing(window, qtbot):
    ws = window.workspace
    add_net1(ws)
    QApplication.processEvents()
    counts = dict(ws._state.counts)
    refreshes = window.canvas.refreshes
    field = window.training_panel.fields["learning_rate"]
    field.editor.setText("0.05")
    field.editor.editingFinished.emit()
    QApplication.processEvents()
    assert ws.training_settings.learning_rate == 0.05
    assert ws._state.counts == counts and window.canvas.refreshes == refreshes


def test_pass_one_batch_runs_the_batch_once(window, qtbot, mnist_dir):
    ws = window.workspace
    add_net1(ws)
    ws.set_training_settings(data_dir=str(mnist_dir))
    forwards = ws._state.counts["forwards"]
    window.actions["pass_batch"].trigger()
    QApplication.processEvents()
    assert ws.shapes_resolved and ws._state.counts["forwards"] - forwards == 1
