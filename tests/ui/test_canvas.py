"""The network canvas: drag from the palette, reorder by drag, delete and duplicate, and the
shapes read off the cards before and after a batch."""

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QApplication

from blockstudio.ui import cards as cards_module
from blockstudio.ui import style
from blockstudio.ui.palette import MIME_KIND, MIME_UID, read_mime, uid_mime

from .conftest import add_net1, drag_and_drop, gap_above


def kinds(ws):
    return [spec.kind for spec in ws.layers]


def test_drag_from_palette_inserts_where_dropped(window, qtbot):
    ws, canvas = window.workspace, window.canvas
    first, second = ws.add_layer("Dense", units=128), ws.add_layer("Dense", units=10, activation=None)
    palette = window.palette.list
    mime = palette.mimeData([window.palette.item_for("Activation")])  # what the real drag carries
    assert read_mime(mime) == ("kind", "Activation")

    indicator, accepted = drag_and_drop(canvas.board, mime, gap_above(canvas, 1))

    assert accepted and indicator == 1
    assert kinds(ws) == ["Dense", "Activation", "Dense"]
    assert [s.uid for s in ws.layers][0::2] == [first, second]
    new = ws.layers[1].uid
    assert ws.selected == new and canvas.card(new).selected
    assert canvas.board.drop_index is None  # the indicator goes away after the drop
    assert [c.uid for c in canvas.cards()] == [s.uid for s in ws.layers]
    assert window.actions["undo"].text() == "Undo Add Activation"


def test_drop_above_the_first_block_and_on_an_empty_network(window):
    ws, canvas = window.workspace, window.canvas
    assert canvas.placeholder.isVisible()
    _, accepted = drag_and_drop(canvas.board, window.palette.list.mimeData(
        [window.palette.item_for("Dense")]), canvas.placeholder.geometry().center())
    assert accepted and kinds(ws) == ["Dense"]
    assert not canvas.placeholder.isVisible()
    drag_and_drop(canvas.board, window.palette.list.mimeData([window.palette.item_for("Flatten")]),
                  gap_above(canvas, 0))
    assert kinds(ws) == ["Flatten", "Dense"]


def test_foreign_payload_is_refused(window):
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText("Dense")
    _, accepted = drag_and_drop(window.canvas.board, mime, gap_above(window.canvas, 0))
    assert not accepted and window.workspace.layers == []


def test_double_click_in_palette_appends(window, qtbot):
    ws = window.workspace
    ws.add_layer("Dense")
    palette = window.palette.list
    item = window.palette.item_for("Dropout")
    rect = palette.visualItemRect(item)
    # What a real double-click delivers: a click, then the double-click event.
    qtbot.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert kinds(ws) == ["Dense", "Dropout"]
    assert ws.selected == ws.layers[-1].uid


def test_reorder_by_dragging_a_card(window):
    ws, canvas = window.workspace, window.canvas
    uids = add_net1(ws)
    # Move the first block below the last one: the gap after block 2 is index 3.
    indicator, accepted = drag_and_drop(canvas.board, uid_mime(uids[0]), gap_above(canvas, 3),
                                        Qt.DropAction.MoveAction)
    assert accepted and indicator == 3
    assert [s.uid for s in ws.layers] == [uids[1], uids[2], uids[0]]
    assert [c.uid for c in canvas.cards()] == [uids[1], uids[2], uids[0]]
    assert ws.undo_text == "Undo Move Dense"
    # Dropping a block in the gap right above or below itself changes nothing.
    drag_and_drop(canvas.board, uid_mime(uids[0]), gap_above(canvas, 2), Qt.DropAction.MoveAction)
    assert [s.uid for s in ws.layers] == [uids[1], uids[2], uids[0]]
    assert ws.undo_text == "Undo Move Dense"


def test_mouse_drag_on_a_card_starts_a_move_with_its_uid(window, qtbot, monkeypatch):
    ws, canvas = window.workspace, window.canvas
    uids = add_net1(ws)
    started = []

    class RecordingDrag:  # QDrag.exec runs a modal loop: record what the real code hands it
        def __init__(self, source):
            self.source = source

        def setMimeData(self, mime):
            started.append(read_mime(mime))

        def setPixmap(self, pixmap):
            assert not pixmap.isNull()

        def setHotSpot(self, point):
            pass

        def exec(self, action):
            return action

    monkeypatch.setattr(cards_module, "QDrag", RecordingDrag)
    card = canvas.card(uids[1])
    qtbot.mousePress(card, Qt.MouseButton.LeftButton, pos=QPoint(40, 20))
    assert ws.selected == uids[1]
    qtbot.mouseMove(card, QPoint(40, 20 + 3 * QApplication.startDragDistance()))
    assert started == [("uid", uids[1])]
    assert MIME_UID != MIME_KIND


def test_delete_key_context_actions_and_duplicate(window, qtbot):
    ws, canvas = window.workspace, window.canvas
    uids = add_net1(ws)
    qtbot.mouseClick(canvas.card(uids[1]), Qt.MouseButton.LeftButton)
    assert ws.selected == uids[1] and canvas.board.hasFocus()
    qtbot.keyClick(canvas.board, Qt.Key.Key_Delete)
    assert [s.uid for s in ws.layers] == [uids[0], uids[2]]
    assert window.actions["undo"].text() == "Undo Delete Dense"

    ws.select(uids[0])
    assert window.actions["duplicate"] in canvas._context_actions
    window.actions["duplicate"].trigger()
    assert len(ws.layers) == 3 and ws.layers[1].settings == ws.layers[0].settings
    assert ws.selected == ws.layers[1].uid


def test_delete_key_in_a_text_field_edits_text_not_the_network(window, qtbot):
    ws = window.workspace
    uid = ws.add_layer("Dense")
    ws.select(uid)
    units = window.inspector.field("units").editor
    units.setFocus()
    units.setCursorPosition(0)
    qtbot.keyClick(units, Qt.Key.Key_Delete)
    assert [s.uid for s in ws.layers] == [uid]
    assert units.text() == "28"


def test_keyboard_moves_selection_and_blocks(window, qtbot):
    ws, canvas = window.workspace, window.canvas
    uids = add_net1(ws)
    canvas.board.setFocus()
    qtbot.keyClick(canvas.board, Qt.Key.Key_Down)
    assert ws.selected == uids[0]
    qtbot.keyClick(canvas.board, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert [s.uid for s in ws.layers] == [uids[1], uids[0], uids[2]]
    qtbot.keyClick(canvas.board, Qt.Key.Key_Up)
    qtbot.keyClick(canvas.board, Qt.Key.Key_Up)
    assert ws.selected is None and canvas.input_card.selected


def test_pass_one_batch_resolves_the_shapes_on_the_cards(window):
    ws, canvas = window.workspace, window.canvas
    uids = add_net1(ws)
    first = canvas.card(uids[0])
    assert "weight (128, 0)" in first.plain_text()
    assert style.UNKNOWN_FG in first.params_label.text()  # the unknown dimension is drawn in amber
    assert "(64, 0)" in canvas.card(uids[1]).plain_text()
    assert "unknown until a batch" in canvas.output_card.plain_text()
    assert "(shape=(128, 0)" in window.params_view.toPlainText()

    window.actions["pass_batch"].trigger()

    text = first.plain_text()
    assert "weight (128, 784)" in text and "bias (128,)" in text
    assert "output (64, 128)" in text and "100,480 params" in text
    assert "#b45309" not in first.params_label.text()
    assert "weight (64, 128)" in canvas.card(uids[1]).plain_text()
    assert "weight (10, 64)" in canvas.card(uids[2]).plain_text()
    assert "109,386" in canvas.output_card.plain_text()
    assert "(64, 10)" in canvas.output_card.plain_text()
    assert window.params_view.toPlainText() == ws.params_text
    assert "Parameter sequential0_dense0_weight (shape=(128, 784)" in window.params_view.toPlainText()
    assert "109386" in window.summary_view.toPlainText()
    assert "109,386 parameters" in window.statusBar().currentMessage()

    # Changing units unresolves that block's weight (a new Dense(32) in Gluon) and the next
    # block's input dimension, and nothing else.
    ws.select(uids[0])
    field = window.inspector.field("units")
    field.editor.setText("32")
    field.editor.editingFinished.emit()
    assert "weight (32, 0)" in first.plain_text()
    assert "weight (64, 0)" in canvas.card(uids[1]).plain_text()
    assert "weight (10, 64)" in canvas.card(uids[2]).plain_text()
    assert window.statusBar().currentMessage() == ""  # no stale "109,386 parameters"


def test_a_network_that_cannot_run_is_marked_on_the_offending_block(window):
    ws, canvas = window.workspace, window.canvas
    first = ws.add_layer("Dense", units=128)
    bad = ws.add_layer("Dense", units=10, in_units=100, activation=None)
    window.actions["pass_batch"].trigger()
    card = canvas.card(bad)
    assert card.error and card.error == ws.layer_info(bad).error
    assert card.error_label.isVisible() and card.error in card.plain_text()
    assert canvas.card(first).error is None
    assert ws.selected == bad  # the window takes the user to the problem
    assert "cannot run" in window.statusBar().currentMessage()


class _PaintRecorder(QObject):
    def __init__(self):
        super().__init__()
        self.region = QRegion()

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.region = self.region.united(event.region())
        return False


def _gaps(canvas):
    chain = canvas.chain()
    return [QRect(upper.geometry().left(), upper.geometry().bottom(), upper.width(),
                  lower.geometry().top() - upper.geometry().bottom()) for upper, lower in zip(chain, chain[1:])]


def test_every_arrow_is_repainted_after_an_insert_and_an_undone_delete(window):
    """Old arrowheads stayed beside the new ones where Qt repainted only the moved cards."""
    ws, board = window.workspace, window.canvas.board
    # Few cards: the board is as tall as the view, so only the cards move (no full repaint).
    uids = [ws.add_layer("Dense", units=10)]
    QApplication.processEvents()
    recorder = _PaintRecorder()
    board.installEventFilter(recorder)
    for edit in (lambda: ws.add_layer("Dropout", index=0), lambda: ws.remove_layer(uids[0]), ws.undo):
        recorder.region = QRegion()
        edit()
        for _ in range(3):
            QApplication.processEvents()
        shown = board.visibleRegion().boundingRect()  # what is scrolled out of view is painted later
        gaps = [gap.intersected(shown) for gap in _gaps(window.canvas)]
        assert sum(not gap.isEmpty() for gap in gaps) >= 2
        for gap in gaps:
            assert gap.isEmpty() or recorder.region.contains(gap), f"the gap {gap} kept its old arrow"
    board.removeEventFilter(recorder)


class _LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_an_idle_canvas_does_no_layout_work(window):
    """Re-measuring a card on every layout request once posted a new one: a busy loop that took a
    third of the GUI thread during training."""
    add_net1(window.workspace)
    window.workspace.pass_batch()
    for _ in range(5):
        QApplication.processEvents()
    counter = _LayoutRequests()
    cards = [window.canvas.input_card, *window.canvas.cards(), window.canvas.output_card]
    for card in cards:
        card.installEventFilter(counter)
    for _ in range(20):
        QApplication.processEvents()
    for card in cards:
        card.removeEventFilter(counter)
    assert counter.count == 0
