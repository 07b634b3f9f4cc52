"""Where the window opens and how its docks share the screen: the first-start geometry and the
docks' sizes, which give way to the canvas on a small or scaled screen.

A mixin of ``MainWindow`` (its docks and panels), kept apart so the window module stays about
commands; :func:`first_start_geometry` is pure, so tests check it for any screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication


# Room the window manager takes around a window (title bar, borders): a window exactly the size
# of the available area would put its bottom edge, the status bar, below the screen.
FRAME_ALLOWANCE = QSize(16, 48)


def first_start_geometry(free: QRect) -> tuple[QRect, bool]:
    """``(geometry, maximize)`` of a first start on a screen whose available area is ``free``.

    >>> first_start_geometry(QRect(0, 0, 1920, 1080))[0].size()
    PySide6.QtCore.QSize(1632, 918)
    """
    room = free.size() - FRAME_ALLOWANCE
    if room.width() >= 1280 and room.height() >= 800:
        width = min(room.width(), max(1280, int(0.85 * free.width())))
        height = min(room.height(), max(800, int(0.85 * free.height())))
        maximize = False
    else:  # a laptop screen or a scaled one: all of it, as a maximized window
        width, height = min(1280, room.width()), min(800, room.height())
        maximize = True
    left = free.x() + (free.width() - width) // 2
    top = free.y() + (free.height() - height) // 2
    return QRect(left, top, width, height), maximize


class WindowLayout:
    def _first_start_size(self) -> None:
        """1280x800, or 85 % of a larger screen (a fixed 1280x800 left a 1920x1080 screen a third
        empty); on a screen with less room, maximized: a 1280x800 window on a 1366x768 laptop or
        at 1.5x scaling put the status bar and the results below the screen's edge."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        rect, maximize = first_start_geometry(free)
        self.resize(rect.size())
        self.move(rect.topLeft())
        if maximize:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _fit_training_dock(self, force: bool = False) -> None:
        """The training panel gets the height its settings and results need (squeezed, its fields
        overlapped their labels); the inspector, which scrolls, gives way. Called again when the
        panel grows (the Start-continues notice, a result line)."""
        dock = self.training_dock
        if dock.isFloating() or not dock.isVisible() or self.inspector_dock.isFloating():
            return
        panel = self.training_panel
        # Height for the panel's real width: wrapped lines (the notice, results) need more than
        # its size hint, which assumes a wider panel.
        need = max(panel.sizeHint().height(), panel.heightForWidth(panel.width())) + dock.height() - panel.height()
        if not force and dock.height() >= need:
            return
        column = self.inspector_dock.height() + dock.height()
        self.resizeDocks([self.inspector_dock, dock], [max(100, column - need), need], Qt.Orientation.Vertical)

    def _fit_training_dock_later(self) -> None:
        self._fit_pending = False
        self._fit_training_dock()

    def eventFilter(self, watched, event):
        # The panel re-lays out 4 times a second while training (its status line): one pending
        # check at a time, and a cheap one (resizeDocks only when the panel really outgrew the dock).
        if (watched is self.training_panel and event.type() == QEvent.Type.LayoutRequest
                and not getattr(self, "_fit_pending", False)):
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_training_dock_later)
        return super().eventFilter(watched, event)

    def _fit_docks(self) -> None:
        """Docks in proportion to the window, giving way to the canvas on a small screen."""
        width, height = self.width(), self.height()
        side = max(self.training_dock.minimumSizeHint().width(), min(480, int(0.27 * width)))
        palette = max(130, min(200, int(0.11 * width)))
        self.resizeDocks([self.palette_dock, self.inspector_dock], [palette, side], Qt.Orientation.Horizontal)
        self._fit_training_dock(force=True)
        self.resizeDocks([self.output_dock], [max(200, int(0.32 * height))], Qt.Orientation.Vertical)
