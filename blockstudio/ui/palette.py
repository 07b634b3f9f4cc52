"""The layer palette: the drag source for new blocks.

A drag carries the layer kind under :data:`MIME_KIND`; moving an existing block carries its
uid under :data:`MIME_UID`. Both are plain UTF-8 payloads so a test can build the same
``QMimeData`` the real drag builds and drop it on the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout,
                               QWidget)

from blockstudio.ui import style

MIME_KIND = "application/x-blockstudio-layer-kind"
ROW = 38  # pixels per kind in the list
MIME_UID = "application/x-blockstudio-layer-uid"


def kind_mime(kind: str) -> QMimeData:
    """The payload of a drag from the palette (``kind`` is e.g. ``"Dense"``)."""
    mime = QMimeData()
    mime.setData(MIME_KIND, kind.encode("utf-8"))
    mime.setText(kind)
    return mime


def uid_mime(uid: str) -> QMimeData:
    """The payload of a drag that moves the existing block ``uid``."""
    mime = QMimeData()
    mime.setData(MIME_UID, uid.encode("utf-8"))
    return mime


def read_mime(mime: QMimeData):
    """``("kind", "Dense")``, ``("uid", "...")`` or ``None`` for a payload we do not handle."""
    if mime is None:
        return None
    if mime.hasFormat(MIME_KIND):
        return "kind", bytes(mime.data(MIME_KIND)).decode("utf-8")
    if mime.hasFormat(MIME_UID):
        return "uid", bytes(mime.data(MIME_UID)).decode("utf-8")
    return None


class _KindList(QListWidget):
    def mimeTypes(self):
        return [MIME_KIND]

    def mimeData(self, items):
        return kind_mime(items[0].data(Qt.ItemDataRole.UserRole)) if items else QMimeData()


class LayerPalette(QWidget):
    """The list of layer kinds. Drag one onto the canvas, or double-click (Enter) to append.

    Example::

        palette = LayerPalette(["Dense", "Activation", "Dropout", "Flatten"])
        palette.appendRequested.connect(lambda kind: ws.add_layer(kind))
    """

    appendRequested = Signal(str)

    def __init__(self, kinds, parent=None):
        super().__init__(parent)
        self.list = _KindList(self)
        self.list.setObjectName("palette")
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.list.setIconSize(QSize(22, 22))
        self.list.setSpacing(0)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        for kind in kinds:
            item = QListWidgetItem(style.kind_icon(kind), kind)
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setSizeHint(QSize(0, ROW))
            item.setToolTip(
                f"{style.kind_description(kind)}\n\n"
                "Drag onto the network, or double-click to append."
            )
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.list.addItem(item)
        self.list.itemActivated.connect(self._activated)

        hint = QLabel("Drag a layer onto the network, or double-click it to append.")
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.list, 10)   # the list takes the room first (up to its full height)
        layout.addWidget(hint)
        layout.addStretch(1)
        # Every kind without a scroll bar when the dock has the room, the hint right under the
        # list; on a short screen the list gives way (down to four rows) and scrolls.
        self.list.setMaximumHeight(ROW * self.list.count() + 8)
        self.list.setMinimumHeight(ROW * min(4, self.list.count()) + 8)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        # ...and every name whole: a narrow dock cut "Activation" to "Activ…".
        bold = self.list.font()
        bold.setBold(True)
        widest = max((QFontMetrics(bold).horizontalAdvance(k) for k in kinds), default=0)
        # icon, then the item's margins, padding, border and the gap before the text (style.py)
        self.list.setMinimumWidth(widest + 22 + 30)

    def kinds(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def item_for(self, kind: str) -> QListWidgetItem:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == kind:
                return self.list.item(i)
        raise KeyError(f"no palette entry for layer kind {kind!r}; known: {self.kinds()}")

    def restyle(self) -> None:
        """New icons in the active theme's kind colours."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setIcon(style.kind_icon(item.data(Qt.ItemDataRole.UserRole)))

    def set_locked(self, reason) -> None:
        self.list.setEnabled(reason is None)
        self.list.setToolTip(reason or "")

    def _activated(self, item) -> None:
        # itemActivated covers both a double-click and Enter on the focused entry.
        self.appendRequested.emit(item.data(Qt.ItemDataRole.UserRole))
