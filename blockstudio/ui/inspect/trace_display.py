"""One image's journey through the network: each layer's output as a heat strip (or, for feature
maps (channels, height, width), as a grid of small images, one per channel), the softmax as ten
labelled bars, and the top three classes. Shared by the sample view and the digit pad.

Strips are ImageItems created once per network layout and refreshed with ``setImage``; a layer
that ends in a ReLU shows its exact zeros in flat slate, outside the heat scale, so silent
units read as silent rather than as "a little active".
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from blockstudio.ui.inspect.common import heat_rgb, mosaic
from blockstudio.workspace.inspect.activations import grid_columns

STRIP_WIDTH = 64       # units per strip row: a 128-unit layer is two rows of 64
MAP_GAP = 1            # white pixels between two feature maps
MAP_STRETCH = 3        # a row of feature maps gets three times a strip's height...
STRIP_PIXELS = 10      # ...while a strip is held to 10 pixels per row of units,
STRIP_LOW, STRIP_HIGH = 20, 44   # within these: the room goes to the maps
BAR = "#93c5fd"
BAR_TOP = "#1d4ed8"


def strip_rgb(values: np.ndarray, relu: bool) -> np.ndarray:
    """A layer's outputs as (rows, STRIP_WIDTH, 3) heat colours; padding white, ReLU zeros slate."""
    values = np.asarray(values, dtype=np.float32).ravel()
    n = values.size
    width = min(n, STRIP_WIDTH) if n else 1
    rows = max(1, -(-n // width))
    rgb = np.full((rows * width, 3), 255, dtype=np.uint8)
    if n:
        silent = (values == 0) if relu else None
        rgb[:n] = heat_rgb(values, silent=silent)
    return rgb.reshape(rows, width, 3)


def maps_rgb(maps: np.ndarray, relu: bool) -> np.ndarray:
    """Feature maps (channels, height, width) as one RGB grid, a tile per channel, all on the
    layer's one heat scale (a weak channel looks weak); ReLU zeros slate, gaps white."""
    maps = np.asarray(maps, dtype=np.float32)
    silent = (maps == 0) if relu else None
    tiles = heat_rgb(maps, silent=silent)
    columns = grid_columns(len(maps), maps.shape[1], maps.shape[2], gap=MAP_GAP)
    return mosaic(tiles, columns, gap=MAP_GAP)


def layer_rgb(layer) -> np.ndarray:
    """What a row of the trace shows for ``layer`` (a ``LayerOutput``): maps as a grid, else a strip."""
    maps = layer.maps
    return maps_rgb(maps, layer.relu) if maps is not None else strip_rgb(layer.values, layer.relu)


class TraceDisplay(QWidget):
    """Renders a ``Trace`` (see ``blockstudio.workspace.inspect.trace_sample``).

    ``images`` holds the RGB array each row shows (a strip, or a grid of feature maps).

    Example::

        display = TraceDisplay(class_names=[str(d) for d in range(10)])
        display.show_trace(trace_sample(net, image))
    """

    LEGEND = ("Each cell is one unit's output for this image: dark purple low, yellow high; "
              "<span style='background:#cbd5e1'>&nbsp;slate&nbsp;</span> = exactly 0 after a ReLU (a silent unit).")
    MAPS_LEGEND = (" Feature maps: one small image per channel, on one scale per layer.")

    def __init__(self, class_names=None, parent=None):
        super().__init__(parent)
        self.class_names = list(class_names or [str(d) for d in range(10)])
        self.images = []
        self._layout_key = None
        self.strips = []       # (LabelItem, ImageItem) per layer

        self.top_label = QLabel()
        self.top_label.setTextFormat(Qt.TextFormat.RichText)
        self.top_label.setStyleSheet("font-size: 14px;")
        self.layers_widget = pg.GraphicsLayoutWidget()
        self.layers_widget.setBackground("w")
        self.layers_widget.setMinimumHeight(120)
        self.bars_widget = pg.PlotWidget(background="w")
        plot = self.bars_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getViewBox().setMouseEnabled(False, False)
        plot.setTitle("softmax: probability of each class", size="10pt")
        plot.setYRange(0, 1.02, padding=0)
        plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]])
        plot.setXRange(-0.6, 9.6, padding=0)
        plot.getAxis("left").enableAutoSIPrefix(False)
        # Two brushes made once; the probabilities themselves are in the top line (ten value
        # labels on the bars cost as much to repaint as everything else here together).
        self._brushes = (pg.mkBrush(BAR), pg.mkBrush(BAR_TOP))
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=BAR, pen=None)
        plot.addItem(self.bars)
        self.set_class_names(self.class_names)
        self.bars_widget.setMinimumHeight(150)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.top_label)
        layout.addWidget(self.layers_widget, 3)
        self.legend = QLabel(self.LEGEND)
        self.legend.setStyleSheet("color: #64748b;")
        self.legend.setWordWrap(True)   # a long legend must not widen the window
        layout.addWidget(self.legend)
        layout.addWidget(self.bars_widget, 2)
        self.probabilities = np.zeros(10)

    def set_class_names(self, names) -> None:
        self.class_names = list(names)
        short = [n if len(n) <= 8 else n[:7] + "…" for n in self.class_names]
        self.bars_widget.getPlotItem().getAxis("bottom").setTicks([list(enumerate(short))])

    def _build_strips(self, trace) -> None:
        self.layers_widget.clear()
        self.strips = []
        grid = self.layers_widget.ci.layout
        for row, layer in enumerate(trace.layers):
            label = self.layers_widget.addLabel(f"{layer.index + 1}. {layer.title}", col=0, justify="right",
                                                color="#334155", size="9pt")
            maps = layer.maps is not None
            # Feature maps keep square pixels (a strip is stretched to the row's width).
            box = self.layers_widget.addViewBox(col=1, enableMouse=False, invertY=True, lockAspect=maps)
            box.setMenuEnabled(False)
            item = pg.ImageItem(axisOrder="row-major")
            box.addItem(item)
            self.layers_widget.nextRow()
            grid.setRowStretchFactor(row, MAP_STRETCH if maps else 1)
            if maps:
                grid.setRowMaximumHeight(row, 1e6)
            else:
                units_rows = -(-layer.values.size // STRIP_WIDTH)
                grid.setRowMaximumHeight(row, min(max(STRIP_PIXELS * units_rows, STRIP_LOW), STRIP_HIGH))
            self.strips.append((label, box, item))
        grid.setColumnStretchFactor(1, 5)
        with_maps = any(layer.maps is not None for layer in trace.layers)
        self.legend.setText(self.LEGEND + (self.MAPS_LEGEND if with_maps else ""))
        # Feature maps need the height more than the ten bars do.
        self.layout().setStretchFactor(self.layers_widget, 5 if with_maps else 3)
        self.layout().setStretchFactor(self.bars_widget, 1 if with_maps else 2)
        # A fixed title column: a changing "n silent" count then re-lays out nothing else.
        self.layers_widget.ci.layout.setColumnFixedWidth(0, 230)

    def show_trace(self, trace) -> None:
        key = tuple((layer.title, layer.values.size) for layer in trace.layers)
        if key != self._layout_key:
            self._build_strips(trace)
            self._layout_key = key
        self.images = []
        for (label, box, item), layer in zip(self.strips, trace.layers):
            rgb = layer_rgb(layer)
            self.images.append(rgb)
            resized = item.image is None or item.image.shape != rgb.shape
            item.setImage(rgb, autoLevels=False, levels=(0, 255))
            if resized:
                box.setRange(xRange=(0, rgb.shape[1]), yRange=(0, rgb.shape[0]), padding=0)
            silent = int((layer.values == 0).sum()) if layer.relu else None
            note = f"  · {silent}/{layer.values.size} silent" if silent is not None else ""
            text = f"{layer.index + 1}. {layer.title}{note}"
            if label.text != text:   # an HTML relayout per change: skip when the same
                label.setText(text)
        probabilities = trace.probabilities
        if probabilities is None:
            self.probabilities = np.zeros(10)
            self.bars.setOpts(height=self.probabilities)
            self.top_label.setText("The last layer does not give 10 scores: no class probabilities.")
            return
        self.probabilities = probabilities
        top = trace.top(3)
        brushes = [self._brushes[i == top[0][0]] for i in range(10)]
        self.bars.setOpts(height=probabilities, brushes=brushes)
        names = self.class_names
        parts = [f"<b style='font-size:18px'>{names[top[0][0]]}</b> {top[0][1]:.1%}"]
        parts += [f"{names[c]} {p:.1%}" for c, p in top[1:]]
        self.top_label.setText("Prediction: " + "&nbsp;&nbsp;·&nbsp;&nbsp;".join(parts))

    def clear(self) -> None:
        self.layers_widget.clear()
        self.strips, self._layout_key, self.images = [], None, []
        self.bars.setOpts(height=np.zeros(10))
        self.top_label.setText("")
