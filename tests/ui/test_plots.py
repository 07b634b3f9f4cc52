"""The loss and accuracy plots: a diverging run stays readable, a log scale, pyqtgraph's export menu,
and a legend that never covers the points."""

import math

import numpy as np

from blockstudio.ui.plots import TrainingPlots


def _y_view(plots):
    return plots.loss_widget.getPlotItem().viewRange()[1]


def test_a_diverging_run_does_not_flatten_the_curve(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    sane = 0.3 + 2.0 * np.exp(-np.arange(600) / 80.0)  # 2.3 falling towards 0.3
    for chunk in np.array_split(sane, 30):
        plots.append_losses(chunk)
    bottom, top = _y_view(plots)
    assert bottom == 0 and sane.max() <= top <= 1.1 * sane.max()  # a sane run: every point shows
    plots.append_losses(np.geomspace(3.0, 4.8e19, 25))  # it blows up in its last steps
    bottom, top = _y_view(plots)
    assert top < 3.0, "the explosion set the scale: the first 600 steps became a flat line"
    assert plots.losses.view().max() == 4.8e19  # all kept; only the view is clipped


def test_log_scale_shows_small_late_improvements(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    losses = 2.3 * np.exp(-np.arange(400) / 40.0)  # down to ~1e-4
    plots.append_losses(losses)
    plots.log_box.setChecked(True)
    bottom, top = _y_view(plots)
    assert plots.loss_widget.getPlotItem().ctrl.logYCheck.isChecked()
    assert bottom <= math.log10(losses.min()) and top >= math.log10(losses.max()) - 1e-9
    plots.set_log_scale(False)
    assert not plots.log_box.isChecked() and _y_view(plots)[0] == 0


def test_export_menu_is_there_and_the_legend_sits_beside_the_points(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 260)
    plots.show()
    for epoch in range(1, 6):
        plots.append_epoch(epoch, 0.5 + epoch / 12, 0.45 + epoch / 11)
    for widget in (plots.loss_widget, plots.acc_widget):
        scene = widget.scene()
        assert "Export..." in [action.text() for action in scene.contextMenu]
        assert widget.getPlotItem().getViewBox().menuEnabled()
    view = plots.acc_widget.getPlotItem().getViewBox().sceneBoundingRect()
    legend = plots.acc_legend.sceneBoundingRect()
    assert legend.height() > 0 and not legend.intersects(view)
