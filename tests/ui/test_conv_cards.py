"""Convolution layers in the window: in the palette, on the canvas, shapes resolving on a batch."""

from PySide6.QtWidgets import QApplication

from .conftest import drag_and_drop, gap_above


def test_lenet_built_by_drag_and_drop_resolves_its_shapes(window, qtbot, mnist_dir):
    ws, canvas, palette = window.workspace, window.canvas, window.palette
    for kind in ("Conv2D", "MaxPool2D", "AvgPool2D", "GlobalMaxPool2D", "GlobalAvgPool2D", "BatchNorm"):
        assert kind in palette.kinds()
    ws.set_training_settings(data_dir=str(mnist_dir))
    for kind in ("Conv2D", "MaxPool2D", "Flatten", "Dense"):
        mime = palette.list.mimeData([palette.item_for(kind)])
        _, accepted = drag_and_drop(canvas.board, mime, gap_above(canvas, len(canvas.cards())))
        assert accepted
    QApplication.processEvents()
    conv = canvas.cards()[0]
    assert "(20, 0, 5, 5)" in conv.params_label.text().replace("?", "0") or \
        ws.layer_info(conv.uid).params[0].shape == (20, 0, 5, 5)
    window.actions["pass_batch"].trigger()
    QApplication.processEvents()
    assert ws.layer_info(conv.uid).params[0].shape == (20, 1, 5, 5)
    assert "20, 24, 24" in conv.right_label.text().replace("&nbsp;", " ")
    assert "520" in conv.count_label.text()
    pool = canvas.cards()[1]
    assert "20, 12, 12" in pool.right_label.text().replace("&nbsp;", " ")
