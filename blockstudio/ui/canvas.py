"""The network canvas: input -> blocks -> output as a vertical stack of cards.

The canvas is a column of real widgets in a scroll area (a network has tens of layers, not
thousands, so widgets are simpler and sharper than a graphics scene). The board under the
cards is the drop target: a drag from the palette inserts a new block at the gap nearest the
pointer, a drag of a card moves that block; a thick accent line shows where it will land.
All edits go through the workspace; the canvas re-renders when the workspace says so.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from blockstudio.ui import style
from blockstudio.ui.cards import BlockCard, InputCard, OutputCard
from blockstudio.ui.palette import read_mime

MAX_CARD_WIDTH = 620
GAP = 26  # room between cards for the arrow and the drop indicator


class _Board(QWidget):
    """The drop target and painter of connectors; cards are its direct children."""

    def __init__(self, canvas: "NetworkCanvas"):
        super().__init__()
        self.canvas = canvas
        self.drop_index = None
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.restyle()
        self.column = QVBoxLayout(self)
        self.column.setSpacing(GAP)
        self.column.setContentsMargins(24, 20, 24, 24)

    def restyle(self) -> None:
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor(style.CANVAS_BG))
        self.setPalette(palette)
        self.update()

    def resizeEvent(self, event):
        # Centre a column of at most MAX_CARD_WIDTH: readable at 1920 px, full width at 1280,
        # and only a small margin on a narrow canvas, where every pixel goes to the cards.
        side = max(10 if self.width() < 480 else 20, (self.width() - MAX_CARD_WIDTH) // 2)
        self.column.setContentsMargins(side, 20, side, 24)
        super().resizeEvent(event)

    def eventFilter(self, watched, event):
        # A card that moves or changes height shifts the gaps the arrows are drawn in; Qt only
        # repaints the card's old and new rectangles, which left the old arrowhead beside the
        # new one (a doubled arrowhead after an insert or an undone delete). Repaint the board.
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide):
            self.update()
        return False

    # -- drag and drop --------------------------------------------------------------------
    def _accepts(self, event) -> bool:
        payload = read_mime(event.mimeData())
        return payload is not None and self.canvas.lock_reason is None

    def dragEnterEvent(self, event):
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if not self._accepts(event):
            event.ignore()
            return
        index = self.canvas.insertion_index(event.position())
        if index != self.drop_index:
            self.drop_index = index
            self.update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event):
        self.drop_index = None
        self.update()

    def dropEvent(self, event):
        self.drop_index = None
        self.update()
        if self._accepts(event) and self.canvas.drop(event.mimeData(), event.position()):
            event.acceptProposedAction()
        else:
            event.ignore()

    # -- keyboard ------------------------------------------------------------------------
    def keyPressEvent(self, event):
        key, mods = event.key(), event.modifiers()
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(key)
        if step is None:
            super().keyPressEvent(event)
        elif mods & Qt.KeyboardModifier.ControlModifier:
            self.canvas.move_selected(step)
        else:
            self.canvas.select_neighbour(step)

    def mousePressEvent(self, event):
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chain = self.canvas.chain()
        pen = QPen(QColor(style.CONNECTOR), 1.6)
        painter.setPen(pen)
        painter.setBrush(QColor(style.CONNECTOR))
        for upper, lower in zip(chain, chain[1:]):
            x = upper.geometry().center().x()
            y0, y1 = upper.geometry().bottom() + 2, lower.geometry().top() - 2
            painter.drawLine(QPointF(x, y0), QPointF(x, y1 - 5))
            head = QPainterPath()
            head.moveTo(x, y1)
            head.lineTo(x - 5, y1 - 7)
            head.lineTo(x + 5, y1 - 7)
            head.closeSubpath()
            painter.drawPath(head)
        if self.drop_index is not None and len(chain) >= 2:
            # Gap between chain[i] and chain[i + 1] receives block index i.
            i = min(self.drop_index, len(chain) - 2)
            upper, lower = chain[i].geometry(), chain[i + 1].geometry()
            y = (upper.bottom() + lower.top()) / 2
            painter.setPen(QPen(QColor(style.ACCENT), 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(upper.left() + 8, y), QPointF(upper.right() - 8, y))
            painter.setBrush(QColor(style.ACCENT))
            painter.drawEllipse(QRectF(upper.left(), y - 5, 10, 10))
            painter.drawEllipse(QRectF(upper.right() - 10, y - 5, 10, 10))


class NetworkCanvas(QWidget):
    """Renders the workspace's layer stack and turns gestures into workspace edits.

    Example::

        canvas = NetworkCanvas(ws, bridge)
        canvas.drop(kind_mime("Dense"), QPointF(200, 120))   # what a real drop does
    """

    editFailed = Signal(str)  # a refused edit (e.g. locked): the window shows it

    def __init__(self, workspace, bridge, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.lock_reason = None
        self._cards: dict[str, BlockCard] = {}
        self.refreshes = 0  # how often the cards re-read the workspace (tests pin it per action)
        self._context_actions = []

        self.banner = QLabel()
        self.banner.setObjectName("lockBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.board = _Board(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.board)

        self.input_card = InputCard(self.board)
        self.input_card.pressed.connect(lambda _card: self._select(None))
        self.output_card = OutputCard(self.board)
        for card in (self.input_card, self.output_card):
            card.installEventFilter(self.board)
        self.placeholder = QLabel(
            "Drag layers here from the palette on the left,\nor double-click one to append it.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setMinimumHeight(90)
        self.placeholder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.placeholder.setParent(self.board)
        self.placeholder.installEventFilter(self.board)
        self._style_placeholder()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.scroll, 1)

        bridge.changed.connect(self._on_changed)
        self.rebuild()

    # -- queries (also what tests read) ---------------------------------------------------
    def cards(self) -> list[BlockCard]:
        """The block cards, top to bottom."""
        return [self._cards[spec.uid] for spec in self.workspace.layers if spec.uid in self._cards]

    def card(self, uid: str) -> BlockCard:
        return self._cards[uid]

    def chain(self) -> list:
        """Every widget of the stack top to bottom, for connectors and the drop indicator."""
        middle = self.cards() or [self.placeholder]
        return [self.input_card, *middle, self.output_card]

    def insertion_index(self, pos) -> int:
        """The block index a drop at ``pos`` (board coordinates) inserts at."""
        y = pos.y()
        for index, card in enumerate(self.cards()):
            if y < card.geometry().center().y():
                return index
        return len(self._cards)

    # -- rendering ------------------------------------------------------------------------
    def _on_changed(self, names) -> None:
        """One re-render per user action, whatever it changed."""
        if "layers" in names:
            self.rebuild()
            return
        if names & {"shapes", "parameters"}:
            self.refresh()
        elif "settings" in names:
            self._show_input()
        if "selection" in names:
            self._show_selection()

    def _show_input(self) -> None:
        """The Input card names the dataset the training settings choose."""
        from blockstudio.workspace.data import dataset_title

        ws = self.workspace
        self.input_card.update_shape(ws.input_shape, dataset_title(ws.training_settings.dataset),
                                     getattr(ws, "network_input_shape", None))

    def rebuild(self) -> None:
        """Make the cards match the workspace's layers (reusing cards by uid)."""
        specs = self.workspace.layers
        wanted = {spec.uid for spec in specs}
        for uid in list(self._cards):
            if uid not in wanted:
                card = self._cards.pop(uid)
                card.hide()
                card.deleteLater()
        column = self.board.column
        while column.count():
            column.takeAt(0)
        column.addWidget(self.input_card)
        for spec in specs:
            card = self._cards.get(spec.uid)
            if card is None:
                card = BlockCard(spec.uid, spec.kind, self.board)
                card.installEventFilter(self.board)
                card.pressed.connect(lambda c: self._select(c.uid))
                card.contextRequested.connect(self._context_menu)
                self._cards[spec.uid] = card
            card.draggable = self.lock_reason is None
            column.addWidget(card)
            card.show()
        self.placeholder.setVisible(not specs)
        if not specs:
            column.addWidget(self.placeholder)
        column.addWidget(self.output_card)
        column.addStretch(1)
        self.refresh()
        # Lay out now, not on the next event-loop pass: a drop handled right after (or a
        # keyboard move) must compute gaps from where the cards really are.
        column.activate()
        self._show_selection(self.workspace.selected)

    def refresh(self) -> None:
        """Re-read shapes, counts and errors for every card."""
        ws = self.workspace
        last_output = None
        self.refreshes += 1
        for info in ws.layer_infos():
            card = self._cards.get(info.uid)
            if card is not None:
                card.update_info(info)
            last_output = info.output_shape
        self._show_input()
        if not self._cards and ws.shapes_resolved:
            last_output = tuple(ws.input_shape)
        self.output_card.update_totals(last_output if ws.shapes_resolved else None, ws.total_params)
        self.board.update()

    def _style_placeholder(self) -> None:
        self.placeholder.setStyleSheet(
            f"border: 2px dashed {style.BORDER}; border-radius: 8px; color: {style.MUTED};")

    def restyle(self) -> None:
        """Repaint in the active theme (after View > Theme or a desktop switch to dark)."""
        self.board.restyle()
        self._style_placeholder()
        for card in (self.input_card, *self._cards.values(), self.output_card):
            card.restyle()
        self.refresh()

    def _show_selection(self, uid=None) -> None:
        uid = self.workspace.selected
        self.input_card.set_selected(uid is None)
        for card_uid, card in self._cards.items():
            card.set_selected(card_uid == uid)
        target = self._cards.get(uid, self.input_card)
        self.scroll.ensureWidgetVisible(target, 0, 12)

    # -- edits ----------------------------------------------------------------------------
    def set_locked(self, reason) -> None:
        """Lock (reason: str) or unlock (None) editing the architecture."""
        self.lock_reason = reason
        self.banner.setText(f"<b>Editing locked.</b> {style.escape(reason)}" if reason else "")
        self.banner.setVisible(reason is not None)
        for card in self._cards.values():
            card.draggable = reason is None

    def set_context_actions(self, actions) -> None:
        self._context_actions = list(actions)

    def drop(self, mime, pos) -> bool:
        """Apply a drop of ``mime`` at ``pos`` (board coordinates): the real drop path."""
        payload = read_mime(mime)
        if payload is None or self.lock_reason is not None:
            return False
        what, value = payload
        index = self.insertion_index(pos)
        batch = getattr(self.workspace, "batch", None)
        if batch is not None:  # insert (or move) and select: one action, one re-render per view
            with batch():
                return self._apply_drop(what, value, index)
        return self._apply_drop(what, value, index)

    def _apply_drop(self, what, value, index) -> bool:
        try:
            if what == "kind":
                uid = self.workspace.add_layer(value, index=index)
                self.workspace.select(uid)
            else:
                uids = [spec.uid for spec in self.workspace.layers]
                if value not in uids:
                    return False
                old = uids.index(value)
                # Removing the block first shifts every later gap up by one.
                new = index - 1 if index > old else index
                if new != old:
                    self.workspace.move_layer(value, new)
                self.workspace.select(value)
        except (ValueError, IndexError, KeyError) as exc:  # refused (locked, a stale uid): say so
            self.editFailed.emit(str(exc))
            return False
        return True

    def move_selected(self, step: int) -> None:
        uid = self.workspace.selected
        uids = [spec.uid for spec in self.workspace.layers]
        if self.lock_reason is not None or uid not in uids:
            return
        new = uids.index(uid) + step
        if 0 <= new < len(uids):
            try:
                self.workspace.move_layer(uid, new)
            except ValueError as exc:
                self.editFailed.emit(str(exc))

    def select_neighbour(self, step: int) -> None:
        chain = [None] + [spec.uid for spec in self.workspace.layers]
        current = self.workspace.selected
        index = chain.index(current) if current in chain else 0
        self._select(chain[max(0, min(len(chain) - 1, index + step))])

    def _select(self, uid) -> None:
        self.board.setFocus(Qt.FocusReason.MouseFocusReason)
        if uid != self.workspace.selected:
            self.workspace.select(uid)
        else:
            self._show_selection(uid)

    def _context_menu(self, card, global_pos) -> None:
        if not self._context_actions:
            return
        menu = QMenu(self)
        for action in self._context_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.exec(global_pos)
