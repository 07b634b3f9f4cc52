"""The inspection views with a convolutional network: LeNet's evaluation and mistakes, its filters
as tiles, feature maps per channel in the sample view and on the digit pad, and BatchNorm's
running statistics in the parameter table."""

import numpy as np
from PySide6.QtCore import Qt

from blockstudio.ui.inspect.common import SILENT_RGB
from blockstudio.workspace.examples import example_projects
from blockstudio.workspace.inspect import mistakes, trace_sample

from .test_inspect_views import open_inspect

LIMIT = 1920   # 30 batches: LeNet is well past chance


def open_lenet(window, mnist_dir):
    ws = window.workspace
    ws.open([p for p in example_projects() if p.name == "lenet.bsproj"][0], as_copy=True)
    ws.set_training_settings(epochs=1, data_dir=str(mnist_dir), validation=0)
    return ws


def train(window, qtbot):
    finished = []
    window.bridge.runFinished.connect(finished.append)
    window.workspace.start_training(limit=LIMIT)
    qtbot.waitUntil(lambda: bool(finished), timeout=60000)
    assert finished[0].reason == "completed"


def test_lenet_in_every_view_after_a_short_run(window, qtbot, mnist_dir):
    ws = open_lenet(window, mnist_dir)
    confusion = open_inspect(window, qtbot, "confusion")
    train(window, qtbot)
    controller = window.inspection.controller
    result = controller.evaluation
    assert result is not None and result.n == 10000 and result.accuracy > 0.6 and confusion.message == ""

    # A cell's gallery lists that cell's mistakes, and the first one traces through the conv layers.
    errors = np.where(np.eye(10, dtype=bool), 0, result.confusion)
    true, predicted = np.unravel_index(errors.argmax(), errors.shape)
    confusion.image.clicked.emit(int(true), int(predicted))
    shown = [confusion.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(confusion.gallery.count())]
    assert shown and shown == mistakes(result, true, predicted)[:len(shown)].tolist()
    confusion.gallery.itemClicked.emit(confusion.gallery.item(0))
    sample = window.inspection.sample
    qtbot.waitUntil(lambda: sample.trace is not None and f"#{shown[0]}" in sample.caption, timeout=10000)
    assert int(np.argmax(sample.trace.probabilities)) == predicted

    # Feature maps per channel: one row of twenty 24x24 maps for the first Conv2D, strips after Flatten.
    display = sample.display
    assert len(display.images) == 7 and sample.message == ""
    first = sample.trace.layers[0]
    assert display.images[0].shape == (24, 20 * 25 - 1, 3)
    assert display.images[2].shape == (2 * 9 - 1, 25 * 9 - 1, 3)          # 50 maps of 8x8: 2 rows of 25
    assert display.images[4].shape == (800 // 64 + 1, 64, 3)               # Flatten: a strip
    assert np.array_equal(display.strips[0][2].image, display.images[0])   # what is on screen
    # The ReLU's zeros are slate, one pixel each; the gaps between the maps are white.
    grid = display.images[0]
    slate = (grid == SILENT_RGB).all(axis=2)
    assert slate.sum() == int((first.maps == 0).sum()) > 0
    assert (grid[:, 24] == 255).all()                                      # the gap after the first map
    assert slate[:, :24].sum() == int((first.maps[0] == 0).sum())
    assert "Feature maps" in display.legend.text()

    # The digit pad feeds the network channels first too: its trace is the engine's.
    pad = open_inspect(window, qtbot, "digit_pad")
    pad.set_strokes([[(140, 40), (140, 240)]])
    assert pad.trace is not None and pad.message == ""
    expected = trace_sample(ws.network, pad.image)
    assert np.array_equal(pad.trace.layers[-1].values, expected.layers[-1].values)
    assert pad.display.images[1].shape == (12, 20 * 13 - 1, 3)              # MaxPool2D: 20 maps of 12x12
    assert abs(pad.trace.probabilities.sum() - 1) < 1e-6

    # The filters: twenty 5x5 tiles, seven across; the second Conv2D a column per filter.
    weights = open_inspect(window, qtbot, "weights")
    qtbot.waitUntil(lambda: bool(weights.views), timeout=10000)
    assert [v.kind for v in weights.views] == ["filters", "filters", "matrix", "matrix"]
    weights.layer_box.setCurrentIndex(0)
    assert weights.picture.image.shape == (3 * 6 - 1, 7 * 6 - 1, 3)
    assert "20 filters of 5x5" in weights.legend.text() and not weights.mean_box.isVisible()
    weights.layer_box.setCurrentIndex(1)
    assert weights.picture.image.shape == (20 * 6 - 1, 50 * 6 - 1, 3)
    assert "50 filters x 20 input channels" in weights.legend.text() and weights.mean_box.isVisible()
    weights.mean_box.setChecked(True)
    assert weights.picture.image.shape == (5 * 6 - 1, 10 * 6 - 1, 3) and "mean of its 20" in weights.legend.text()
    weights.layer_box.setCurrentIndex(2)
    assert weights.picture.image.shape[:2] == (128, 800) and not weights.mean_box.isVisible()
    names = [weights.table.item(r, 0).text() for r in range(weights.table.rowCount())]
    assert len(names) == 8 and names[0].endswith("conv0_weight")
    assert weights.table.item(0, 1).text() == "20x1x5x5" and weights.table.item(0, 6).text().endswith("%")


def test_batchnorm_running_statistics_in_the_table_without_gradient_columns(window, qtbot, mnist_dir):
    ws = window.workspace
    ws.set_training_settings(data_dir=str(mnist_dir))
    for kind, settings in (("Conv2D", {"channels": 4, "kernel_size": 5}), ("BatchNorm", {}), ("MaxPool2D", {}),
                           ("Flatten", {}), ("Dense", {"units": 10, "activation": None})):
        ws.add_layer(kind, **settings)
    ws.pass_batch()
    weights = open_inspect(window, qtbot, "weights")
    qtbot.waitUntil(lambda: weights.table.rowCount() == 8, timeout=10000)
    rows = {weights.table.item(r, 0).text().split("_", 1)[1]: r for r in range(weights.table.rowCount())}
    assert {"batchnorm0_gamma", "batchnorm0_beta", "batchnorm0_running_mean", "batchnorm0_running_var"} <= set(rows)

    def cells(name):
        return [weights.table.item(rows[name], c).text() for c in range(weights.table.columnCount())]

    for name in ("batchnorm0_running_mean", "batchnorm0_running_var"):
        row = cells(name)
        assert row[1] == "4" and row[4] == "–" and row[5] == "–" and row[6] == ""
    running_var = ws.network[1].running_var.data().asnumpy()
    assert cells("batchnorm0_running_var")[2] == f"{running_var.mean():+.4f}"
    assert cells("batchnorm0_gamma")[2] == "+1.0000" and cells("batchnorm0_gamma")[3] == "0.0000"
    # Feature maps of the BatchNorm (NCHW) are a grid too, with negative values on the heat scale.
    sample = open_inspect(window, qtbot, "sample")
    qtbot.waitUntil(lambda: sample.trace is not None, timeout=10000)
    assert sample.trace.layers[1].maps.shape == (4, 24, 24)
    assert sample.display.images[1].shape == (24, 4 * 25 - 1, 3)
