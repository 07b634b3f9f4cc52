"""A status bar whose message never runs off the window's edge.

``QStatusBar`` cuts a long message at the window's edge ("Exported /home/…/project/mlp.py: run
it with" and nothing more). This one draws the message elided in the middle when it does not
fit, and shows the whole message as the bar's tooltip; ``currentMessage()`` is unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStatusBar, QStyle, QStyleOption


class ElidingStatusBar(QStatusBar):
    """Example::

        window.setStatusBar(ElidingStatusBar())
        window.statusBar().showMessage("a message longer than the window ...")
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.messageChanged.connect(self._message_changed)

    def _message_changed(self, text: str) -> None:
        self.setToolTip(text if text and self.elided_message() != text else "")

    def message_rect(self) -> QRect:
        """Where the message is drawn: left of the permanent widgets."""
        right = self.width() - 6
        for child in self.children():
            if getattr(child, "isWidgetType", lambda: False)() and child.isVisible() and child.x() > 0:
                right = min(right, child.x() - 6)
        return QRect(6, 0, max(0, right - 6), self.height())

    def elided_message(self) -> str:
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideMiddle,
                                             self.message_rect().width())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._message_changed(self.currentMessage())

    def paintEvent(self, event):
        if not self.currentMessage():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(self.message_rect(), Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                         | Qt.TextFlag.TextSingleLine, self.elided_message())
