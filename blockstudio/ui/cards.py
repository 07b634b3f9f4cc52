"""The cards stacked on the network canvas: the input node, one per block, the output node.

A card only renders what the workspace reports (``LayerInfo``); it never computes a shape.
Mouse gestures (select, start a drag, context menu) are turned into signals the canvas
handles, so the canvas stays the one place that talks to the workspace.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QPainter, QPainterPath, QPen, QPixmap, QTextDocument
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

from blockstudio.ui import style
from blockstudio.ui.palette import uid_mime

STRIPE = 5
DRAG_SCALE = 0.6
RADIUS = 8.0


def _plain(rich: str) -> str:
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText().replace("\u00a0", " ")


def settings_html(kind: str, settings: dict) -> str:
    """One line describing a block's settings with Gluon's argument names (from its kind)."""
    from blockstudio.workspace.layers import kind as layer_kind

    parts = []
    for name, value, note in layer_kind(kind).card_items(settings):
        text = f'<span style="color:{style.MUTED}">{style.escape(name)}</span> <b>{style.escape(value)}</b>' \
            if name else ""
        if note:
            text += (" " if text else "") + f'<span style="color:{style.MUTED}">{style.escape(note)}</span>'
        parts.append(text)
    if not parts:
        return f'<span style="color:{style.MUTED}">no settings</span>'
    return " &nbsp;·&nbsp; ".join(parts)


def block_name(info) -> str:
    """Gluon's name of the block, e.g. ``dense0`` from ``sequential0_dense0_weight``."""
    if not info.params:
        return ""
    first = info.params[0]
    prefix = first.name[: -len(first.short)].rstrip("_") if first.name.endswith(first.short) else ""
    return prefix.split("_")[-1] if prefix else ""


class Card(QFrame):
    """A rounded card with a coloured stripe in its kind's colour."""

    pressed = Signal(object)  # the card
    contextRequested = Signal(object, QPoint)  # the card, global position

    def __init__(self, kind: str, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.selected = False
        self.error = None
        self._hover = False
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

        self.title_label = QLabel()
        self.right_label = QLabel()
        self.right_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.settings_label = QLabel()
        self.params_label = QLabel()
        self.params_label.setToolTip(style.UNKNOWN_TOOLTIP)
        self.count_label = QLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        for label in (self.title_label, self.right_label, self.settings_label,
                      self.params_label, self.count_label):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.params_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        # On a narrow canvas (1024 px, or 1.5x scaling) the long lines wrap instead of pushing the
        # card wider than the canvas, where shapes and counts hid behind a scroll bar.
        for label in (self.settings_label, self.params_label):
            label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.right_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.params_label, 1)
        bottom.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(STRIPE + 12, 8, 12, 9)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.settings_label)
        layout.addLayout(bottom)
        layout.addWidget(self.error_label)

    # -- state ----------------------------------------------------------------------------
    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def set_error(self, message) -> None:
        self.error = message or None
        self.error_label.setVisible(self.error is not None)
        self.error_label.setText(f"⚠ {message}" if message else "")
        self.setToolTip(message or "")
        self._fit_height(text_changed=True)
        self.update()

    def _fit_height(self, text_changed: bool = False) -> None:
        """At least as tall as the wrapped lines need at this width. (The column's layout item
        kept a height-for-width from before a text change and cut a wrapped line off.)"""
        layout = self.layout()
        if text_changed:
            # A text change invalidates only the top layout; the rows' cached heights-for-width
            # are cleared when Qt next lays out, too late for this measurement: clear them now.
            # (Never on a layout request itself: invalidating posts another one, a busy loop.)
            for i in range(layout.count()):
                row = layout.itemAt(i).layout()
                if row is not None:
                    row.invalidate()
        need = layout.totalHeightForWidth(max(1, self.width()))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_height()

    def set_title(self, text: str, subtitle: str = "") -> None:
        self._title = (text, subtitle)
        color = style.kind_color(self.kind)
        extra = f' &nbsp;<span style="color:{style.MUTED}">{style.escape(subtitle)}</span>' if subtitle else ""
        self.title_label.setText(f'<b style="color:{color}; font-size:11pt">{style.escape(text)}</b>{extra}')

    def restyle(self) -> None:
        """Re-render in the active theme's colours (the labels hold colours in their rich text)."""
        title = getattr(self, "_title", None)
        if title is not None:
            self.set_title(*title)
        self.update()

    def plain_text(self) -> str:
        """Everything the card shows, as plain text (what a user reads; used by tests)."""
        labels = (self.title_label, self.right_label, self.settings_label,
                  self.params_label, self.count_label, self.error_label)
        return "\n".join(_plain(label.text()) for label in labels if label.isVisibleTo(self) and label.text())

    # -- painting and mouse ---------------------------------------------------------------
    def event(self, event):
        kind = event.type()
        if kind == event.Type.LayoutRequest:
            result = super().event(event)
            self._fit_height()
            return result
        if kind == event.Type.HoverEnter:
            self._hover = True
            self.update()
        elif kind == event.Type.HoverLeave:
            self._hover = False
            self.update()
        return super().event(event)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        path = QPainterPath()
        path.addRoundedRect(rect, RADIUS, RADIUS)
        painter.fillPath(path, QColor(style.ERROR_BG if self.error else style.CARD_BG))
        painter.save()
        painter.setClipPath(path)
        painter.fillRect(QRectF(rect.left(), rect.top(), STRIPE, rect.height()), QColor(style.kind_color(self.kind)))
        painter.restore()
        if self.selected:
            pen = QPen(QColor(style.ACCENT), 2.5)
        elif self.error:
            pen = QPen(QColor(style.ERROR_FG), 1.5)
        elif self._hover:
            pen = QPen(QColor(style.HOVER_BORDER), 1.2)
        else:
            pen = QPen(QColor(style.BORDER), 1.0)
        painter.setPen(pen)
        painter.drawPath(path)

    def mousePressEvent(self, event):
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self.pressed.emit(self)
        super().mousePressEvent(event)

    def contextMenuEvent(self, event):
        self.contextRequested.emit(self, event.globalPos())


class BlockCard(Card):
    """One block of the network; a left-button drag moves it (payload: its uid)."""

    def __init__(self, uid: str, kind: str, parent=None):
        super().__init__(kind, parent)
        self.uid = uid
        self.draggable = True
        self._press_pos = None

    def update_info(self, info) -> None:
        self.kind = info.kind
        self.set_title(info.kind, block_name(info))
        self.settings_label.setText(settings_html(info.kind, dict(info.settings)))
        if info.output_shape is not None:
            self.right_label.setText(
                f'<span style="color:{style.MUTED}">output</span> <b>{style.shape_html(info.output_shape)}</b>')
        else:
            self.right_label.setText(f'<span style="color:{style.MUTED}">output ?</span>')
        if info.params:
            parts = [
                f'<span style="color:{style.MUTED}">{style.escape(p.short)}</span>&nbsp;'
                f'<span style="font-family:monospace">{style.shape_html(p.shape)}</span>'
                for p in info.params
            ]
            self.params_label.setText(" &nbsp;&nbsp; ".join(parts))
        else:
            self.params_label.setText(f'<span style="color:{style.MUTED}">no parameters</span>')
        count = info.param_count
        if not info.params:
            self.count_label.setText("")
        elif count is None:
            self.count_label.setText(f'<span style="color:{style.MUTED}">? params</span>')
        else:
            self.count_label.setText(f"<b>{style.count_text(count)}</b> params")
        self.set_error(info.error)
        self._fit_height(text_changed=True)
        self.update()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event):
        self._press_pos = None
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event):
        if (self._press_pos is None or not self.draggable
                or not event.buttons() & Qt.MouseButton.LeftButton):
            return
        if (event.position().toPoint() - self._press_pos).manhattanLength() < QApplication.startDragDistance():
            return
        hot = self._press_pos
        self._press_pos = None
        drag = QDrag(self)
        drag.setMimeData(uid_mime(self.uid))
        drag.setPixmap(self._drag_pixmap())
        drag.setHotSpot(hot * DRAG_SCALE)
        self.setEnabled(False)  # dims the card being carried
        try:
            drag.exec(Qt.DropAction.MoveAction)
        finally:
            self.setEnabled(True)


    def _drag_pixmap(self) -> QPixmap:
        """A smaller, translucent picture of the card: the drop indicator stays visible under it."""
        shot = self.grab()
        size = shot.size() * DRAG_SCALE
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setOpacity(0.7)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(pixmap.rect(), shot)
        painter.end()
        return pixmap


class InputCard(Card):
    """The network's input node: its shape is what the first batch will look like."""

    def __init__(self, parent=None):
        super().__init__("Input", parent)
        self.set_title("Input")
        self.params_label.setToolTip("")
        self.params_label.hide()
        self.count_label.hide()

    def update_shape(self, shape, dataset_title: str = "MNIST", network_shape=None) -> None:
        """``network_shape``: how the network receives the batch when that differs (channels
        first, for a network with a Conv2D)."""
        self.right_label.setText(f'<span style="color:{style.MUTED}">shape</span> <b>{style.shape_html(shape)}</b>')
        moved = ""
        if network_shape is not None and tuple(network_shape) != tuple(shape):
            moved = (f' · reaches the network channels first as <b>{style.shape_html(network_shape)}</b>'
                     f' (for Conv2D)')
        self.settings_label.setText(
            f'<span style="color:{style.MUTED}">batch first: (batch, height, width, channels) '
            f'for {style.escape(dataset_title)} images{moved} · click to edit</span>')


class OutputCard(Card):
    """The end of the stack: the network's output shape and the total parameter count."""

    def __init__(self, parent=None):
        super().__init__("Output", parent)
        self.set_title("Output")
        self.settings_label.hide()
        self.setCursor(Qt.CursorShape.ArrowCursor)

    def update_totals(self, output_shape, total_params) -> None:
        if output_shape is not None:
            self.right_label.setText(
                f'<span style="color:{style.MUTED}">shape</span> <b>{style.shape_html(output_shape)}</b>')
        else:
            self.right_label.setText(f'<span style="color:{style.MUTED}">shape ?</span>')
        if total_params is None:
            self.params_label.setText(
                f'<span style="color:{style.MUTED}">Total parameters: unknown until a batch has '
                f'passed (Run ▸ Pass one batch, Ctrl+B)</span>')
            self.count_label.setText("")
        else:
            self.params_label.setText("Total parameters")
            self.count_label.setText(f'<b style="font-size:11pt">{style.count_text(total_params)}</b>')
        self.params_label.setToolTip("")
