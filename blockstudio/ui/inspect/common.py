"""Pieces every inspection view shares: the "nothing to show" message, colour maps, images.

A view is a ``Panel``: either its content or one sentence saying why there is nothing to show
(untrained, no data) and what to do. Colour maps are built once; arrays become RGB images
with numpy (one lookup), so a refresh costs a ``setImage`` and never a re-plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from blockstudio.ui import style

SILENT_RGB = (203, 213, 225)   # a ReLU unit at exactly zero: light slate, off the heat scale
DIAGONAL_RGB = (22, 163, 74)   # correct predictions: green
ERROR_RGB = (220, 38, 38)      # mistakes: red

_luts = {}


def lut(name: str) -> np.ndarray:
    """A (256, 3) uint8 lookup table of a pyqtgraph colour map (built once)."""
    if name not in _luts:
        _luts[name] = pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    return _luts[name]


def heat_rgb(values: np.ndarray, top: float | None = None, silent: np.ndarray | None = None) -> np.ndarray:
    """Non-negative-friendly heat colours (viridis) for ``values``; ``silent`` cells get SILENT_RGB."""
    values = np.asarray(values, dtype=np.float32)
    low = min(float(values.min(initial=0.0)), 0.0)
    top = float(values.max(initial=0.0)) if top is None else top
    span = top - low if top > low else 1.0
    index = np.clip((values - low) / span * 255, 0, 255).astype(np.uint8)
    rgb = lut("viridis")[index]
    if silent is not None:
        rgb[silent] = SILENT_RGB
    return rgb


def diverging_rgb(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Blue (negative), white (zero), red (positive), symmetric around zero."""
    values = np.asarray(values, dtype=np.float32)
    limit = float(np.abs(values).max(initial=0.0)) if limit is None else limit
    limit = limit if limit > 0 else 1.0
    index = np.clip((values / limit + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return lut("CET-D1")[index]


def mosaic(tiles: np.ndarray, columns: int, gap: int = 1, fill=255) -> np.ndarray:
    """Tiles (n, h, w[, 3]) laid out ``columns`` across with ``gap`` pixels between: (H, W[, 3])."""
    tiles = np.asarray(tiles)
    n, h, w = tiles.shape[:3]
    rows = max(1, -(-n // columns))
    # Pad every tile with its gap and the grid with blank tiles, then one reshape does the layout.
    padded = np.full((rows * columns, h + gap, w + gap) + tiles.shape[3:], fill, dtype=tiles.dtype)
    padded[:n, :h, :w] = tiles
    grid = padded.reshape((rows, columns, h + gap, w + gap) + tiles.shape[3:]).swapaxes(1, 2)
    grid = grid.reshape((rows * (h + gap), columns * (w + gap)) + tiles.shape[3:])
    return np.ascontiguousarray(grid[:rows * (h + gap) - gap, :columns * (w + gap) - gap])


def grey_pixmap(image: np.ndarray, scale: int = 2) -> QPixmap:
    """A 28x28 image (uint8 or float in [0, 1]) as a pixmap, ink dark on white like paper."""
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., 0]
    if image.dtype != np.uint8:
        image = np.clip(image * 255, 0, 255).astype(np.uint8)
    paper = np.ascontiguousarray(255 - image)
    qimage = QImage(paper.data, paper.shape[1], paper.shape[0], paper.strides[0], QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.copy()).scaled(paper.shape[1] * scale, paper.shape[0] * scale)


def image_view(invert_y: bool = True) -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox, "ClickableImage"]:
    """A white, fixed-aspect view holding one row-major image, row 0 at the top."""
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    box = widget.addViewBox(lockAspect=True, invertY=invert_y, enableMouse=False)
    box.setMenuEnabled(False)
    item = ClickableImage(axisOrder="row-major")
    box.addItem(item)
    return widget, box, item


class ClickableImage(pg.ImageItem):
    """An ImageItem that reports the pixel clicked: ``clicked(row, column)``."""

    clicked = Signal(int, int)

    def mouseClickEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        pos = event.pos()
        row, col = int(pos.y()), int(pos.x())
        if 0 <= row < self.image.shape[0] and 0 <= col < self.image.shape[1]:
            event.accept()
            self.clicked.emit(row, col)


def shown(widget) -> bool:
    """True when the user can see ``widget``: a dock tabbed behind another one is "visible" to Qt
    but has an empty visible region."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class Panel(QWidget):
    """A view that shows either its content or a message saying why there is nothing to show."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stack = QStackedLayout(self)
        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(f"color: {style.MUTED}; font-size: 13px; padding: 24px;")
        self._stack.addWidget(self.message_label)
        self.content = QWidget()
        self._stack.addWidget(self.content)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._stack.setCurrentWidget(self.message_label)

    def show_content(self) -> None:
        self._stack.setCurrentWidget(self.content)

    @property
    def message(self) -> str:
        """The message shown, or "" while the content is shown."""
        return self.message_label.text() if self._stack.currentWidget() is self.message_label else ""
