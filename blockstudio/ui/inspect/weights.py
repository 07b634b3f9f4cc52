"""The weights view: what each unit of the first layer looks for, the other weight matrices, how
the distributions of weights and gradients moved during training, and a per-parameter table.

The first Dense over the pixels is drawn as one 28x28 tile per unit, in a diverging map with
white at zero (blue negative, red positive), each tile scaled to its own largest |weight| so that
weak units still show their pattern. A Conv2D's filters are drawn the same way, one small tile per
kernel: a grid of filters for one input channel, else a column per filter and a row per input
channel (or, ticked, each filter's mean over its input channels). Distributions are TensorBoard's bands (min-max, 7-93,
16-84, 31-69 percent, and the median) over the steps the controller recorded (twice a second during a run).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from blockstudio.ui.inspect.common import shown, Panel, diverging_rgb, image_view, mosaic
from blockstudio.workspace.inspect import parameter_stats, weight_views
from blockstudio.workspace.inspect.data import takes_channels_first
from blockstudio.workspace.inspect.weights import filter_tiles

BAND_PAIRS = ((0, 8), (1, 7), (2, 6), (3, 5))   # indices into QUANTILES, outermost first
BAND_ALPHA = (40, 70, 100, 140)
STATS_IMAGES = 500
CONV_STATS_IMAGES = 200   # LeNet takes ~0.1 s for 500 under the step lock: 200 keep a run's pause ~3 %
TABLE_SECONDS = 1.0   # the table (a forward pass of 500 images) at most once a second in a run
COLUMNS = ("parameter", "shape", "mean", "std", "mean |grad|", "update / weight", "dead ReLU units")


class DistributionPlot(pg.PlotWidget):
    """Quantile bands of one parameter's values (or gradients) over steps; items made once."""

    def __init__(self, title: str, colour: str):
        super().__init__(background="w")
        plot = self.getPlotItem()
        plot.setTitle(title, size="9pt")
        plot.setLabel("bottom", "step")
        plot.setMenuEnabled(False)
        plot.getAxis("left").enableAutoSIPrefix(False)
        colour = pg.mkColor(colour)
        # Invisible band edges (a None pen would leave them out of the fills and the auto-range).
        self.curves = [plot.plot(pen=pg.mkPen(0, 0, 0, 0)) for _ in range(9)]
        for (low, high), alpha in zip(BAND_PAIRS, BAND_ALPHA):
            fill = pg.FillBetweenItem(self.curves[low], self.curves[high],
                                      brush=pg.mkBrush(colour.red(), colour.green(), colour.blue(), alpha))
            plot.addItem(fill)
        self.curves[4].setPen(pg.mkPen(colour, width=2))
        self.setMinimumHeight(140)
        self._x_end = None
        self._y_range = None
        self.getPlotItem().enableAutoRange(y=False)

    def set_x_end(self, end: float) -> None:
        """A fixed step axis (the run's planned length): the axis is not re-laid out every tick."""
        if end and end != self._x_end:
            self._x_end = end
            self.getPlotItem().enableAutoRange(x=False)
            self.getPlotItem().setXRange(0, end, padding=0.02)

    def set_series(self, steps: np.ndarray, quantiles: np.ndarray) -> None:
        ok = np.isfinite(quantiles).all(axis=1) if len(quantiles) else np.zeros(0, bool)
        steps, quantiles = steps[ok], quantiles[ok]
        if len(steps) == 1:   # one record: draw it as a thin band so it is visible
            steps = np.array([steps[0] - 0.5, steps[0] + 0.5])
            quantiles = np.repeat(quantiles, 2, axis=0)
        for i, curve in enumerate(self.curves):
            curve.setData(steps, quantiles[:, i] if len(steps) else [])
        if len(steps):
            self._fit_y(float(quantiles.min()), float(quantiles.max()))

    def _fit_y(self, low: float, high: float) -> None:
        """Move the value axis only when the bands leave it or shrink to under half of it:
        re-laying an axis out on every tick costs more than all the bands together."""
        if self._y_range is not None:
            bottom, top = self._y_range
            if bottom <= low and high <= top and (high - low) >= 0.5 * (top - bottom):
                return
        margin = 0.1 * (high - low) or 0.1 * max(abs(high), 1e-6)
        self._y_range = (low - margin, high + margin)
        self.getPlotItem().setYRange(*self._y_range, padding=0)


class WeightsView(Panel):
    """Weight pictures, distributions over steps and the parameter table (see the module docstring).

    Example::

        view = WeightsView(controller)
        view.layer_box.setCurrentIndex(1)       # the next layer's weight matrix
    """

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.views = []
        self.rows = []
        self._table_time = 0.0
        self.layer_box = QComboBox()
        self.layer_box.currentIndexChanged.connect(lambda _i: self._render_selected())
        self.mean_box = QCheckBox("mean over input channels")
        self.mean_box.setToolTip("A Conv2D reading several channels: one tile per filter, the mean of its kernels")
        self.mean_box.toggled.connect(lambda _on: self._render_selected())
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.picture_widget, self.picture_box, self.picture = image_view()
        self.picture_widget.setMinimumSize(280, 200)
        self.weights_plot = DistributionPlot("weights over steps", "#2563eb")
        self.grads_plot = DistributionPlot("gradients over steps", "#ea580c")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setToolTip("update / weight: mean size of one step's change over mean |weight| (about 1e-3 is "
                              "healthy). dead ReLU units: never positive on 500 test images (200 for a convolutional "
                              "network; for a Conv2D: channels never positive anywhere). Running statistics are not trained: no gradient.")

        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer_box)
        top.addWidget(self.mean_box)
        top.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.legend)
        left_layout.addWidget(self.picture_widget, 1)
        plots = QWidget()
        plots_layout = QVBoxLayout(plots)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.addWidget(self.weights_plot)
        plots_layout.addWidget(self.grads_plot)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(plots)
        right.addWidget(self.table)
        right.setSizes([300, 200])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([520, 520])
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        controller.parametersChanged.connect(self.refresh)
        controller.liveTick.connect(self._live)
        self.refresh()

    def _live(self) -> None:
        if shown(self):
            self.refresh(table=time.monotonic() - self._table_time >= TABLE_SECONDS)

    def refresh(self, table: bool = True) -> None:
        problem = self.controller.network_problem()
        if problem:
            self.views, self.rows = [], []
            self.show_message(problem)
            return
        with self.controller.lock():
            views = weight_views(self.controller.workspace.network)
        if not views:
            self.show_message("This network has no weights to show (no Dense or Conv2D layer).")
            return
        titles = [f"{v.index + 1}. {v.title}" for v in views]
        if titles != [self.layer_box.itemText(i) for i in range(self.layer_box.count())]:
            current = self.layer_box.currentIndex()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(titles)
            self.layer_box.setCurrentIndex(current if 0 <= current < len(titles) else 0)
            self.layer_box.blockSignals(False)
        self.views = views
        self.show_content()
        self._render_selected()
        if table:
            self._render_table()

    def _selected(self):
        index = self.layer_box.currentIndex()
        return self.views[index] if 0 <= index < len(self.views) else None

    def _render_selected(self) -> None:
        view = self._selected()
        if view is None:
            return
        untrained = " The network is untrained: these are its random initial values." \
            if self.controller.untrained() else ""
        if view.kind == "units":
            images = view.images
            limits = np.abs(images).reshape(len(images), -1).max(axis=1)
            tiles = diverging_rgb(images / np.where(limits > 0, limits, 1.0)[:, None, None], limit=1.0)
            columns = max(1, math.ceil(math.sqrt(len(images) * 2)))
            rgb = mosaic(tiles, columns, gap=2)
            self.legend.setText(f"{len(images)} units, one 28x28 tile each: the input pattern the unit responds "
                                f"to. Red: positive weight, blue: negative, white: zero (each tile scaled to its "
                                f"own largest |weight|).{untrained}")
        elif view.kind == "filters":
            rgb = self._filters_rgb(view, untrained)
        else:
            rgb = diverging_rgb(view.matrix)
            limit = float(np.abs(view.matrix).max(initial=0))
            self.legend.setText(f"Weight matrix {view.matrix.shape[0]} units x {view.matrix.shape[1]} inputs: red "
                                f"positive, blue negative, white zero (±{limit:.3g}).{untrained}")
        self.mean_box.setVisible(view.kind == "filters" and view.images.shape[1] > 1)
        self.picture.setImage(rgb, autoLevels=False, levels=(0, 255))
        self.picture_box.setRange(xRange=(0, rgb.shape[1]), yRange=(0, rgb.shape[0]), padding=0.01)
        self._render_distributions(view)

    def _filters_rgb(self, view, untrained: str) -> np.ndarray:
        out, ins, kh, kw = view.images.shape
        mean = ins > 1 and self.mean_box.isChecked()
        tiles, columns = filter_tiles(view.images, mean=mean)
        rgb = mosaic(diverging_rgb(tiles, limit=1.0), columns, gap=1)
        scaled = "each filter scaled to its own largest |weight|"
        colours = "Red: positive weight, blue: negative, white: zero"
        if ins == 1:
            what = f"{out} filters of {kh}x{kw}, one tile each: the pattern each channel responds to."
        elif mean:
            what = f"{out} filters of {kh}x{kw}, each the mean of its {ins} input channels' kernels."
        else:
            what = (f"{out} filters x {ins} input channels, kernels of {kh}x{kw}: a column per filter, a row "
                    f"per input channel.")
        self.legend.setText(f"{what} {colours} ({scaled}).{untrained}")
        return rgb

    def _render_distributions(self, view) -> None:
        recorder = self.controller.recorder
        net = self.controller.workspace.network
        block = net[view.index]
        name = block.weight.name
        history = getattr(self.controller.workspace, "run_history", None)
        planned = (getattr(history, "steps_per_epoch", 0) or 0) * (getattr(history, "epochs", 0) or 0)
        steps = recorder.steps
        end = max(planned, steps[-1] if steps else 0)
        key = (name, len(steps), steps[-1] if steps else None)
        if key == getattr(self, "_distribution_key", None):
            return   # nothing new recorded: leave the plots (and their axes) alone
        self._distribution_key = key
        for plot in (self.weights_plot, self.grads_plot):
            plot.set_x_end(end)
        self.weights_plot.set_series(*recorder.series(name, "values"))
        self.grads_plot.set_series(*recorder.series(name, "grads"))
        if not recorder.steps:
            self.weights_plot.setTitle("weights over steps (recorded while training runs)", size="9pt")
        else:
            self.weights_plot.setTitle(f"{name}: weights over steps", size="9pt")

    def _render_table(self) -> None:
        self._table_time = time.monotonic()
        controller = self.controller
        split = controller.test_set()
        count = CONV_STATS_IMAGES if takes_channels_first(controller.workspace.network) else STATS_IMAGES
        images = split.images[:count] if split is not None else None
        previous = controller.previous_snapshot
        last = controller.last_snapshot
        snapshot_before, steps = None, 1
        if previous is not None and last is not None and last[0] > previous[0]:
            snapshot_before, steps = previous[1], last[0] - previous[0]
        with controller.lock():
            self.rows = parameter_stats(controller.workspace.network, images, snapshot_before, steps)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = [row.name, "x".join(map(str, row.shape)), f"{row.mean:+.4f}", f"{row.std:.4f}",
                      _num(row.mean_abs_grad), _num(row.update_ratio),
                      "" if row.dead_fraction is None else f"{row.dead_fraction:.0%}"]
            for c, text in enumerate(values):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(r, c, item)
                if item.text() != text:   # each setText repaints the table: only real changes
                    item.setText(text)


def _num(value):
    return "–" if value is None else f"{value:.3g}"
