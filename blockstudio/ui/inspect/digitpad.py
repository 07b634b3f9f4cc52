"""The digit pad: draw a digit with the mouse and watch every layer answer while you draw.

Strokes are kept as lists of points in widget coordinates; after every change the whole drawing
is turned into a 28x28 image the way MNIST's digits were made
(``blockstudio.workspace.inspect.strokes_to_image``) and traced through the network. Mouse
moves arriving in one burst are coalesced into one update (a zero-delay single-shot timer), so
the pad never falls behind the pen.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from blockstudio.ui.inspect.common import shown, Panel, grey_pixmap
from blockstudio.ui.inspect.trace_display import TraceDisplay
from blockstudio.workspace.inspect import strokes_to_image, trace_sample

PAD_SIZE = 280
PEN_WIDTH = 20


class DrawingCanvas(QWidget):
    """A square to draw on; ``changed`` fires after every stroke point, clear or undo."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.strokes: list[list[tuple[float, float]]] = []
        self.setFixedSize(PAD_SIZE, PAD_SIZE)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse (left button)")

    def sizeHint(self):
        return QSize(PAD_SIZE, PAD_SIZE)

    def clear(self) -> None:
        if self.strokes:
            self.strokes = []
            self.update()
            self.changed.emit()

    def undo_stroke(self) -> None:
        if self.strokes:
            self.strokes.pop()
            self.update()
            self.changed.emit()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            p = event.position()
            self.strokes.append([(p.x(), p.y())])
            self.update()
            self.changed.emit()

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.MouseButton.LeftButton and self.strokes:
            p = event.position()
            self.strokes[-1].append((p.x(), p.y()))
            self.update()
            self.changed.emit()

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#cbd5e1"), 1, Qt.PenStyle.DashLine))
        margin = PAD_SIZE * 4 // 28   # MNIST's 20x20 box inside 28x28, for orientation
        painter.drawRect(margin, margin, PAD_SIZE - 2 * margin, PAD_SIZE - 2 * margin)
        painter.setPen(QPen(QColor("#0f172a"), PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        for stroke in self.strokes:
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
                continue
            path = QPainterPath(QPointF(*stroke[0]))
            for point in stroke[1:]:
                path.lineTo(QPointF(*point))
            painter.drawPath(path)
        painter.end()


class DigitPadView(Panel):
    """The pad, its 28x28 image as the network sees it, and the live trace.

    Example::

        pad = DigitPadView(controller)
        pad.set_strokes([[(140, 40), (140, 240)]])     # a "1"
        pad.display.probabilities.argmax()
    """

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.image = np.zeros((28, 28), np.float32)
        self.trace = None
        self.last_latency = None   # seconds from the last stroke change to updated bars
        self.canvas = DrawingCanvas()
        self.clear_button = QPushButton("Clear")
        self.undo_button = QPushButton("Undo stroke")
        self.send_button = QPushButton("Open in the sample view")
        self.send_button.clicked.connect(self.send_to_sample)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo_stroke)
        self.preview = QLabel()
        self.preview.setFixedSize(28 * 3 + 2, 28 * 3 + 2)
        self.preview.setStyleSheet("border: 1px solid #cbd5e1;")
        self.preview.setToolTip("What the network sees: fitted into 20x20, centred by centre of mass in 28x28")
        self.hint = QLabel("Draw a digit (0-9) in the box.")
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        seen = QHBoxLayout()
        seen.addWidget(self.preview)
        seen.addWidget(QLabel("as the network\nsees it (28x28)"))
        seen.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.canvas)
        left.addLayout(buttons)
        left.addLayout(seen)
        left.addWidget(self.send_button)
        left.addWidget(self.hint)
        left.addStretch(1)
        self.display = TraceDisplay()
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(left)
        layout.addWidget(self.display, 1)

        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.update_prediction)
        self._changed_at = None
        self.canvas.changed.connect(self._stroke_changed)
        controller.parametersChanged.connect(self.refresh)
        controller.liveTick.connect(self._live)
        self.refresh()

    def set_strokes(self, strokes) -> None:
        """Replace the drawing (tests, demos) and update at once."""
        self.canvas.strokes = [list(map(tuple, stroke)) for stroke in strokes]
        self.canvas.update()
        self._changed_at = time.perf_counter()
        self.update_prediction()

    def _stroke_changed(self) -> None:
        if self._changed_at is None:
            self._changed_at = time.perf_counter()
        self._pending.start()

    def _live(self) -> None:
        if shown(self) and self.canvas.strokes:
            self.update_prediction(redraw=False)   # same drawing, new parameters: trace it again

    def refresh(self) -> None:
        problem = self.controller.network_problem()
        if problem:
            self.show_message(problem)
            return
        self.show_content()
        self.update_prediction()

    def update_prediction(self, redraw: bool = True) -> None:
        if redraw:
            self.image = strokes_to_image(self.canvas.strokes)
            self.preview.setPixmap(grey_pixmap(self.image, 3))
        if not self.canvas.strokes:
            self.trace = None
            self.display.clear()
            self.hint.setText("Draw a digit (0-9) in the box." + self._untrained_note())
            self._changed_at = None
            return
        try:
            with self.controller.lock():
                self.trace = trace_sample(self.controller.workspace.network, self.image)
        except ValueError as error:
            self.show_message(str(error))
            return
        self.display.show_trace(self.trace)
        self.hint.setText("Clear or undo a stroke to try again." + self._untrained_note())
        if self._changed_at is not None:
            self.last_latency = time.perf_counter() - self._changed_at
            self._changed_at = None

    def send_to_sample(self) -> None:
        if self.canvas.strokes:
            self.controller.request_sample(self.image.copy(), "drawn on the digit pad")

    def _untrained_note(self) -> str:
        return " (The network is untrained: its answers are random.)" if self.controller.untrained() else ""
