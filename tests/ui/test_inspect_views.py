"""The inspection views in a real window: evaluation after a run, the confusion matrix down to one
mistake, the sample view, the digit pad drawn with the mouse, weights, the dataset preview."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from blockstudio.ui.inspect.common import SILENT_RGB
from blockstudio.workspace.inspect import mistakes, strokes_to_image

from .conftest import add_net1

LIMIT = 640


def train(window, qtbot, mnist_dir, epochs=1):
    ws = window.workspace
    if not ws.layers:
        add_net1(ws)
    # No validation split: the first LIMIT training images, the run these assertions were made on.
    ws.set_training_settings(epochs=epochs, data_dir=str(mnist_dir), validation=0)
    finished = []
    window.bridge.runFinished.connect(finished.append)
    ws.start_training(limit=LIMIT)
    qtbot.waitUntil(lambda: bool(finished), timeout=30000)


def open_inspect(window, qtbot, tab):
    window.inspect_dock.show()
    window.inspect_dock.raise_()
    window.inspection.show_tab(tab)
    qtbot.waitUntil(lambda: window.inspection.view(tab).isVisible(), timeout=10000)
    return window.inspection.view(tab)


def test_views_say_there_is_nothing_to_show_and_are_built_only_when_looked_at(window, qtbot):
    assert window.inspection.built() == {}          # behind the Output dock: nothing built yet
    assert window.actions["evaluate"] in window.menus["Run"].actions()
    assert window.inspect_dock.toggleViewAction() in window.menus["View"].actions()
    confusion = open_inspect(window, qtbot, "confusion")
    assert "Not evaluated yet" in confusion.message
    window.actions["evaluate"].trigger()
    assert "no layers" in confusion.message
    add_net1(window.workspace)
    for tab in ("sample", "digit_pad", "weights"):
        view = open_inspect(window, qtbot, tab)
        qtbot.waitUntil(lambda: "no parameter values yet" in view.message, timeout=10000)


def test_a_run_is_evaluated_and_a_cell_opens_its_mistakes_most_confident_first(window, qtbot, mnist_dir):
    confusion = open_inspect(window, qtbot, "confusion")
    train(window, qtbot, mnist_dir)
    result = window.inspection.controller.evaluation
    assert result is not None and result.n == 10000 and confusion.message == ""
    assert np.array_equal(result.confusion, window.workspace.evaluate().confusion)
    texts = [label.textItem.toPlainText() for label in confusion.labels]
    assert texts[0] == str(result.confusion[0, 0]) and "accuracy" in confusion.summary.text()
    # The colours tell right from wrong: the diagonal green, the errors red.
    rgb = confusion.image.image
    assert rgb[3, 3, 1] > rgb[3, 3, 0]
    errors = np.where(np.eye(10, dtype=bool), 0, result.confusion)
    true, predicted = np.unravel_index(errors.argmax(), errors.shape)
    assert rgb[true, predicted, 0] > rgb[true, predicted, 1]

    confusion.image.clicked.emit(int(true), int(predicted))
    expected = mistakes(result, true, predicted)
    shown = [confusion.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(confusion.gallery.count())]
    assert shown == expected[:len(shown)].tolist() and len(shown) == min(len(expected), 120)
    confidences = result.confidence[shown]
    assert (np.diff(confidences) <= 0).all()
    assert f"{true}→{predicted}" in confusion.gallery.item(0).text()

    confusion.gallery.itemClicked.emit(confusion.gallery.item(0))
    sample = window.inspection.sample
    assert window.inspection.currentWidget().layout().itemAt(0).widget() is sample
    assert f"#{shown[0]}" in sample.caption
    assert int(np.argmax(sample.trace.probabilities)) == predicted


def test_the_matrix_on_screen_follows_each_epoch_of_a_run(window, qtbot, mnist_dir):
    open_inspect(window, qtbot, "confusion")
    controller = window.inspection.controller
    steps = []
    controller.evaluationChanged.connect(lambda: steps.append(controller.evaluation_step))
    train(window, qtbot, mnist_dir, epochs=3)
    assert len(steps) >= 2 and controller.evaluation is not None   # during the run, and after it


def test_sample_view_shows_each_layer_and_relu_zeros_as_silent(window, qtbot, mnist_dir):
    ws = window.workspace
    add_net1(ws)
    ws.pass_batch()
    sample = open_inspect(window, qtbot, "sample")
    qtbot.waitUntil(lambda: sample.trace is not None, timeout=10000)
    assert "untrained" in sample.caption_label.text()
    display = sample.display
    assert len(display.strips) == 3
    first = sample.trace.layers[0]
    strip = display.strips[0][2].image.reshape(-1, 3)[:first.values.size]
    zeros = first.values == 0
    assert zeros.any() and (strip[zeros] == SILENT_RGB).all() and not (strip[~zeros] == SILENT_RGB).all(axis=1).any()
    assert np.allclose(display.bars.opts["height"], sample.trace.probabilities)
    assert "Prediction:" in display.top_label.text()
    before = sample.trace.layers[2].values.copy()
    train(window, qtbot, mnist_dir)
    qtbot.waitUntil(lambda: not np.array_equal(sample.trace.layers[2].values, before), timeout=10000)
    assert "untrained" not in sample.caption_label.text()


def test_digit_pad_predicts_while_drawing_with_the_mouse(window, qtbot, mnist_dir):
    train(window, qtbot, mnist_dir)
    pad = open_inspect(window, qtbot, "digit_pad")
    canvas = pad.canvas
    assert pad.trace is None and not pad.image.any()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 40))
    for y in range(50, 250, 10):
        qtbot.mouseMove(canvas, QPoint(140, y))
        # QTest's mouseMove carries no button: send the drag as a real move event would.
        event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(140, y), QPointF(140, y),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        canvas.mouseMoveEvent(event)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 240))
    qtbot.waitUntil(lambda: pad.trace is not None, timeout=10000)
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0]) > 10
    assert np.array_equal(pad.image, strokes_to_image(canvas.strokes))
    assert pad.trace.top(1)[0][0] == 1          # a vertical bar is a one, even for a briefly trained MLP
    assert pad.last_latency is not None
    pad.set_strokes([[(140, 40), (140, 240)], [(100, 60), (180, 60)]])
    two = pad.image.copy()
    pad.send_button.click()
    sample = window.inspection.sample
    assert sample.caption == "drawn on the digit pad" and np.array_equal(sample.image, two)
    assert np.allclose(sample.trace.probabilities, pad.trace.probabilities)
    window.inspection.show_tab("digit_pad")
    pad.undo_button.click()
    qtbot.waitUntil(lambda: len(canvas.strokes) == 1 and not np.array_equal(pad.image, two), timeout=10000)
    pad.clear_button.click()
    qtbot.waitUntil(lambda: pad.trace is None, timeout=10000)
    assert not pad.image.any() and canvas.strokes == []


def test_weights_view_shows_unit_pictures_matrices_distributions_and_the_table(window, qtbot, mnist_dir):
    ws = window.workspace
    weights = open_inspect(window, qtbot, "weights")
    add_net1(ws)
    ws.set_training_settings(epochs=50, data_dir=str(mnist_dir))
    finished = []
    window.bridge.runFinished.connect(finished.append)
    controller = window.inspection.controller
    ws.start_training(limit=LIMIT)
    # The live tick records the distributions while the run trains, and the view follows it.
    qtbot.waitUntil(lambda: len(controller.recorder.steps) >= 2, timeout=15000)
    assert controller.evaluation is None     # the matrix is not on screen: no evaluation per epoch
    qtbot.waitUntil(lambda: weights.message == "" and bool(weights.views), timeout=10000)
    ws.stop_training()
    qtbot.waitUntil(lambda: bool(finished), timeout=15000)
    steps = controller.recorder.steps
    assert steps == sorted(set(steps)) and steps[-1] == len(ws.run_history.step_losses)
    x, _ = weights.weights_plot.curves[4].getData()
    assert len(x) == len(steps)
    assert [v.kind for v in weights.views] == ["units", "matrix", "matrix"]
    assert weights.picture.image.shape[2] == 3 and "128 units" in weights.legend.text()
    assert weights.table.rowCount() == 6
    header = [weights.table.horizontalHeaderItem(c).text() for c in range(weights.table.columnCount())]
    assert header[-1] == "dead ReLU units"
    assert weights.table.item(0, 6).text().endswith("%") and weights.table.item(1, 6).text() == ""
    assert weights.table.item(0, 5).text() not in ("", "–")        # two snapshots: an update ratio
    weights.layer_box.setCurrentIndex(1)
    assert weights.picture.image.shape[:2] == (64, 128) and "64 units x 128 inputs" in weights.legend.text()
    # A second run starts its own record: its steps count from 1 again.
    finished.clear()
    ws.set_training_settings(epochs=1)
    ws.start_training(limit=LIMIT)
    qtbot.waitUntil(lambda: bool(finished), timeout=15000)
    assert controller.recorder.steps[-1] == len(ws.run_history.step_losses) == LIMIT // 64


def test_dataset_preview_filters_by_class_and_sends_an_image_to_the_sample_view(window, qtbot, mnist_dir):
    window.workspace.set_training_settings(data_dir=str(mnist_dir))
    preview = open_inspect(window, qtbot, "dataset")
    qtbot.waitUntil(lambda: preview.message == "" and len(preview.indices) > 0, timeout=10000)
    assert preview.total == 60000 and len(preview.indices) == 96
    preview.set_class(7)
    split = preview.split()
    assert (split.labels[preview.indices] == 7).all() and preview.total == int((split.labels == 7).sum())
    assert {t.textItem.toPlainText() for t in preview.tags if t.isVisible()} == {"7"}
    preview.next_button.click()
    assert preview.start == 96 and (split.labels[preview.indices] == 7).all()
    preview._clicked(12, 40)     # second tile of the first row
    assert "7" in window.inspection.sample.caption and f"#{preview.indices[1]}" in window.inspection.sample.caption


def test_views_follow_reset_and_loaded_parameters(window, qtbot, mnist_dir, tmp_path):
    ws = window.workspace
    confusion = open_inspect(window, qtbot, "confusion")
    train(window, qtbot, mnist_dir)
    controller = window.inspection.controller
    trained = controller.evaluation.confusion.copy()
    ws.save_parameters(tmp_path / "p.npz")
    ws.reset_parameters()
    qtbot.waitUntil(lambda: controller.evaluation is None, timeout=10000)
    assert "changed since it was evaluated" in confusion.message
    sample = window.inspection.sample
    qtbot.waitUntil(lambda: "no parameter values yet" in sample.message, timeout=10000)
    ws.load_parameters(tmp_path / "p.npz")
    qtbot.waitUntil(lambda: controller.evaluation is not None, timeout=10000)   # evaluated again, unasked
    assert np.array_equal(controller.evaluation.confusion, trained) and confusion.message == ""
    qtbot.waitUntil(lambda: sample.trace is not None and sample.message == "", timeout=10000)
