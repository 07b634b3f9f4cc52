"""The evaluation view: the confusion matrix as a heatmap with counts, the per-class table, and
a gallery of the images behind any cell (most confident mistakes first).

Colours tell right from wrong at a glance: the diagonal is green, stronger as the class's
recall rises; every other cell is red, stronger as it holds more of the mistakes; an empty
cell is white. Clicking a cell fills the gallery; clicking an image sends it to the sample view.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QGraphicsRectItem, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from blockstudio.ui.inspect.common import DIAGONAL_RGB, ERROR_RGB, ClickableImage, Panel, grey_pixmap, shown
from blockstudio.workspace.inspect import mistakes

CELL_FONT = QFont()
CELL_FONT.setPointSizeF(8.0)
GALLERY_LIMIT = 120   # thumbnails shown for one cell (the worst ones: they come first)


def confusion_rgb(confusion: np.ndarray) -> np.ndarray:
    """(C, C, 3) colours: green diagonal by recall, red errors by share of the largest error cell."""
    confusion = np.asarray(confusion, dtype=np.float64)
    size = confusion.shape[0]
    diagonal = np.eye(size, dtype=bool)
    rows = confusion.sum(axis=1, keepdims=True)
    recall = np.divide(confusion, rows, out=np.zeros_like(confusion), where=rows > 0)
    errors = np.where(diagonal, 0, confusion)
    worst = errors.max() if errors.max() > 0 else 1.0
    strength = np.where(diagonal, 0.25 + 0.75 * recall, np.sqrt(errors / worst))
    strength[confusion == 0] = 0.0
    colour = np.where(diagonal[..., None], np.array(DIAGONAL_RGB), np.array(ERROR_RGB)).astype(np.float64)
    rgb = 255 - strength[..., None] * (255 - colour)
    return rgb.astype(np.uint8)


class ConfusionView(Panel):
    """Heatmap, per-class table and gallery of one evaluation (see the module docstring).

    Example::

        view = ConfusionView(controller)
        view.open_cell(3, 5)          # the 3s taken for 5s, most confident first
    """

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.cell = None
        self.indices = np.zeros(0, dtype=np.int64)

        self.plot = pg.PlotWidget(background="w")
        plot = self.plot.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getViewBox().setMouseEnabled(False, False)
        plot.getViewBox().invertY(True)
        plot.setAspectLocked(True)
        plot.setLabel("bottom", "predicted class")
        plot.setLabel("left", "true class")
        ticks = [[(i + 0.5, str(i)) for i in range(10)]]
        for axis in ("bottom", "left"):
            plot.getAxis(axis).setTicks(ticks)
        self.image = ClickableImage(axisOrder="row-major")
        plot.addItem(self.image)
        plot.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self.image.clicked.connect(self.open_cell)
        self.labels = []
        for row in range(10):
            for col in range(10):
                text = pg.TextItem("", color="#0f172a", anchor=(0.5, 0.5))
                text.setFont(CELL_FONT)
                text.setPos(col + 0.5, row + 0.5)
                plot.addItem(text)
                self.labels.append(text)
        self.marker = QGraphicsRectItem(0, 0, 1, 1)   # the cell whose images the gallery shows
        self.marker.setPen(pg.mkPen("#0f172a", width=3))
        self.marker.setVisible(False)
        plot.addItem(self.marker)
        self.plot.setMinimumSize(300, 300)
        self.plot.setToolTip("Rows: true class; columns: predicted. Click a cell to see its images.")

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(10, 4)
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "count"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.gallery_title = QLabel("Click a cell of the matrix to see its images.")
        self.gallery_title.setWordWrap(True)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(56, 56))
        self.gallery.setGridSize(QSize(84, 92))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.setUniformItemSizes(True)
        self.gallery.itemClicked.connect(self._open_item)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.summary)
        side_layout.addWidget(self.table)
        gallery_box = QWidget()
        gallery_layout = QVBoxLayout(gallery_box)
        gallery_layout.setContentsMargins(0, 0, 0, 0)
        gallery_layout.addWidget(self.gallery_title)
        gallery_layout.addWidget(self.gallery)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(side)
        splitter.addWidget(gallery_box)
        splitter.setSizes([380, 260, 420])
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        controller.evaluationChanged.connect(self.refresh)
        # During a run, the matrix follows at each epoch's end, and only while it is on screen:
        # the 10,000 images cost tens of milliseconds the run would otherwise keep.
        controller.bridge.epochFinished.connect(self._epoch_finished)
        self.refresh()

    def _epoch_finished(self, _event) -> None:
        if shown(self):
            self.controller.evaluate()

    def refresh(self) -> None:
        result = self.controller.evaluation
        if result is None:
            self.show_message(self.controller.evaluation_message)
            return
        self.image.setImage(confusion_rgb(result.confusion), autoLevels=False, levels=(0, 255))
        for index, text in enumerate(self.labels):
            row, col = divmod(index, 10)
            value = int(result.confusion[row, col])
            text.setText(str(value) if value else "")
            strong = (row == col and value) or (row != col and value >= 0.5 * max(1, _worst(result.confusion)))
            text.setColor("#ffffff" if strong else "#0f172a")
        step = self.controller.evaluation_step
        when = f" (after step {step})" if step else ""
        self.summary.setText(f"<b>Test set{when}</b>: {result.n:,} images, accuracy "
                             f"<b>{result.accuracy:.2%}</b>, mean loss {result.loss:.4f}, "
                             f"{int(result.n - np.trace(result.confusion)):,} mistakes")
        for row, (p, r, k) in enumerate(zip(result.precision, result.recall, result.count)):
            for col, text in enumerate([str(row), _pct(p), _pct(r), f"{int(k):,}"]):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.show_content()
        if self.cell is not None:
            self.open_cell(*self.cell)

    def open_cell(self, true: int, predicted: int) -> None:
        """Fill the gallery with the test images of class ``true`` predicted as ``predicted``."""
        result = self.controller.evaluation
        split = self.controller.test_set()
        if result is None or split is None:
            return
        self.cell = (true, predicted)
        self.marker.setRect(predicted, true, 1, 1)
        self.marker.setVisible(True)
        self.indices = mistakes(result, true, predicted)
        names = split.class_names
        what = (f"{names[true]} recognised correctly" if true == predicted
                else f"{names[true]} taken for {names[predicted]}")
        shown = min(len(self.indices), GALLERY_LIMIT)
        more = f", the first {shown} shown" if shown < len(self.indices) else ""
        order = "most confident first" if true == predicted else "most confident mistakes first"
        self.gallery_title.setText(f"<b>{what}</b>: {len(self.indices)} images{more} ({order}). "
                                   f"Click one to trace it through the network.")
        self.gallery.clear()
        for index in self.indices[:shown]:
            label = f"{int(result.labels[index])}→{int(result.predicted[index])} {result.confidence[index]:.0%}"
            item = QListWidgetItem(QIcon(grey_pixmap(split.images[index])), label)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            item.setToolTip(f"test image #{index}: true {names[int(result.labels[index])]}, predicted "
                            f"{names[int(result.predicted[index])]} with {result.confidence[index]:.1%}")
            if true != predicted:
                item.setForeground(QColor("#b91c1c"))
            self.gallery.addItem(item)

    def _open_item(self, item) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        split = self.controller.test_set()
        result = self.controller.evaluation
        if split is None or result is None:
            return
        self.controller.request_sample(split.images[index], f"test image #{index} (true class "
                                                            f"{split.class_names[int(result.labels[index])]})")


def _worst(confusion):
    errors = np.where(np.eye(len(confusion), dtype=bool), 0, confusion)
    return errors.max()


def _pct(value):
    return "–" if not np.isfinite(value) else f"{value:.1%}"
