"""UI test setup: an offscreen Qt platform (set before Qt is imported), an isolated config
folder, a window around a fresh workspace whose dialogs are scripted, and small helpers that
deliver real drag-and-drop events to the canvas."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


class ScriptedDialogs:
    """Stands in for blockstudio.ui.dialogs.Dialogs: answers from a script, records every call."""

    def __init__(self):
        self.calls = []
        self.save_answer = "discard"
        self.stop_answer = True
        self.paths = []  # answers to open_file / save_file, consumed in order
        self.starts = []  # the folder (or file) each file dialog started in

    def ask_save_changes(self, name):
        self.calls.append(("ask_save_changes", name))
        return self.save_answer

    def ask_stop_training(self):
        self.calls.append(("ask_stop_training",))
        return self.stop_answer

    def open_file(self, title, start, file_filter):
        self.calls.append(("open_file", title))
        self.starts.append(start)
        return self.paths.pop(0) if self.paths else None

    def save_file(self, title, start, file_filter, suffix):
        self.calls.append(("save_file", title))
        self.starts.append(start)
        return self.paths.pop(0) if self.paths else None

    def error(self, title, message):
        self.calls.append(("error", title, message))

    def warning(self, title, message):
        self.calls.append(("warning", title, message))

    def info(self, title, message):
        self.calls.append(("info", title, message))

    def titles(self, kind):
        return [call[1] for call in self.calls if call[0] == kind]


@pytest.fixture
def app(qapp):
    from blockstudio.ui.app import create_application

    return create_application()


@pytest.fixture
def workspace(tmp_path):
    from blockstudio.workspace import Workspace
    from blockstudio.workspace.recent import RecentFiles

    return Workspace(recent_files=RecentFiles(tmp_path / "config" / "recent.json"))


@pytest.fixture
def window(app, qtbot, workspace):
    from blockstudio.ui.mainwindow import MainWindow

    win = MainWindow(workspace)
    win.dialogs = ScriptedDialogs()
    qtbot.addWidget(win)
    # The offscreen screen is 800x600, where a first start is maximized: test at 1280x800.
    win.setWindowState(Qt.WindowState.WindowNoState)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if workspace.training_state != "idle":
        workspace.stop_training(wait=True)
        QApplication.processEvents()
    win.dialogs.save_answer = "discard"
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    windows = [w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow"]
    assert not windows, "a window outlived its test (each one re-polished on every later test)"


def add_net1(ws):
    """The tutorial's net1: Dense(128, relu), Dense(64, relu), Dense(10). Returns the uids."""
    return [ws.add_layer("Dense", units=128, activation="relu"),
            ws.add_layer("Dense", units=64, activation="relu"),
            ws.add_layer("Dense", units=10, activation=None)]


def gap_above(canvas, index):
    """A board point in the gap just above block ``index`` (or below the last block)."""
    cards = canvas.cards()
    if index < len(cards):
        geometry = cards[index].geometry()
        return QPointF(geometry.center().x(), geometry.top() - 4)
    geometry = cards[-1].geometry() if cards else canvas.input_card.geometry()
    return QPointF(geometry.center().x(), geometry.bottom() + 4)


def drag_and_drop(board, mime, pos, action=Qt.DropAction.CopyAction):
    """Deliver the enter / move / drop events Qt sends during a real drag, at ``pos``.

    Returns (drop indicator index seen during the move, whether the drop was accepted).
    """
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def make(cls):
        try:  # PySide6 >= 6.12 takes QPointF (and deprecates QPoint); older ones only QPoint
            return cls(QPointF(pos), action, mime, buttons, mods)
        except TypeError:
            return cls(QPointF(pos).toPoint(), action, mime, buttons, mods)

    QApplication.sendEvent(board, make(QDragEnterEvent))
    QApplication.sendEvent(board, make(QDragMoveEvent))
    indicator = board.drop_index
    drop = QDropEvent(QPointF(pos), action, mime, buttons, mods)
    QApplication.sendEvent(board, drop)
    return indicator, drop.isAccepted()


def clipped_card_text(canvas):
    """Every card label whose text does not fit where it is laid out, as readable strings.

    A label is clipped when it is narrower than its text (one line) or shorter than its wrapped
    text, when it sticks out of its card, or when the card sticks out of the visible canvas (the
    values then hide behind a horizontal scroll bar).
    """
    for _ in range(3):  # let nested layouts settle (card, board, scroll area), as a painted window has
        QApplication.processEvents()
    problems = []
    viewport = canvas.scroll.viewport()
    for card in canvas.chain():
        if not hasattr(card, "plain_text"):
            continue
        name = card.plain_text().splitlines()[0] if card.plain_text() else type(card).__name__
        right = card.mapTo(canvas.board, card.rect().topRight()).x() - canvas.scroll.horizontalScrollBar().value()
        if right > viewport.width():
            problems.append(f"{name}: card ends at x={right}, the canvas shows {viewport.width()}")
        for label in card.findChildren(type(card.title_label)):
            if not label.isVisibleTo(card) or not label.text():
                continue
            geometry = label.geometry()
            if not card.rect().contains(geometry):
                problems.append(f"{name}: {label.text()[:40]!r} sticks out of its card")
            if label.wordWrap():
                need = label.heightForWidth(label.width())
                if label.height() < need:
                    problems.append(f"{name}: {label.text()[:40]!r} needs height {need}, has {label.height()}")
            elif label.width() < label.sizeHint().width():
                problems.append(f"{name}: {label.text()[:40]!r} needs width {label.sizeHint().width()}, "
                                f"has {label.width()}")
    return problems


def dispose(window):
    """Close and delete a window a test made itself (the ``window`` fixture's teardown checks that
    no MainWindow outlives its test; garbage collection alone deletes it at an unknown time)."""
    from PySide6.QtCore import QEvent

    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
