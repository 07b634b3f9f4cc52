"""One editable setting: an editor plus the error message shown right under it.

The inspector and the training panel are both forms of these. A field never clamps: it parses
what the user typed, emits ``committed(name, value)``, and the owner hands the value to the
workspace; if the workspace refuses it, the owner calls :meth:`FieldEditor.set_error` with the
workspace's message and the typed text stays visible so the user sees what was refused.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

class ParseError(ValueError):
    """What the user typed is not even the right type (the workspace checks ranges)."""


def _format(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


class FieldEditor(QWidget):
    """An editor for one named setting.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"``, ``"shape"``, ``"text"`` or
    ``"path"``. ``choices`` is a list of ``(label, value)`` for ``"choice"``.

    Example::

        units = FieldEditor("units", "int")
        units.committed.connect(lambda name, value: ws.update_layer(uid, **{name: value}))
    """

    committed = Signal(str, object)
    errorChanged = Signal(str, bool)  # (name, shows an error now)

    def __init__(self, name: str, kind: str, choices=None, tooltip: str = "", placeholder: str = "",
                 parent=None):
        super().__init__(parent)
        self.name = name
        self.kind = kind
        self._shown = None  # the text of the last value set from the model
        if kind == "bool":
            self.editor = QCheckBox()
            self.editor.toggled.connect(lambda checked: self.committed.emit(self.name, bool(checked)))
        elif kind == "choice":
            self.editor = QComboBox()
            # Narrow panels (a 1.5x-scaled laptop) may cut a long choice rather than the panel.
            self.editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.editor.setMinimumContentsLength(6)
            for label, value in choices or []:
                self.editor.addItem(label, value)
            self.editor.activated.connect(lambda i: self.committed.emit(self.name, self.editor.itemData(i)))
        else:
            self.editor = QLineEdit()
            self.editor.setPlaceholderText(placeholder)
            self.editor.editingFinished.connect(self._line_finished)
        self.editor.setToolTip(tooltip)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        if kind == "path":
            self.browse_button = QPushButton("Browse…")
            self.browse_button.clicked.connect(self._browse)
            row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        # In a grid cell made taller by a neighbour's error, the editor stays at the top, level
        # with its label, instead of sliding to the middle.
        layout.addStretch(1)

    # -- model -> view --------------------------------------------------------------------
    def set_value(self, value) -> None:
        """Show the model's value (no signal) and clear any error."""
        self.set_error(None)
        if self.kind == "bool":
            self.editor.blockSignals(True)
            self.editor.setChecked(bool(value))
            self.editor.blockSignals(False)
        elif self.kind == "choice":
            index = self.editor.findData(value)
            if index < 0 and value in (None, "linear"):
                index = self.editor.findData(None)
            self.editor.setCurrentIndex(max(index, 0))
        else:
            self._shown = _format(value)
            self.editor.setText(self._shown)

    def set_error(self, message) -> None:
        had = bool(self.error_label.text())
        self.error_label.setText(message or "")
        if had != bool(message):
            self.errorChanged.emit(self.name, bool(message))
        self.error_label.setVisible(bool(message))
        if isinstance(self.editor, QLineEdit):
            if bool(self.editor.property("invalid")) != bool(message):
                # The app style sheet draws QLineEdit[invalid="true"] in the theme's error colours;
                # re-polishing just this editor applies it.
                self.editor.setProperty("invalid", bool(message))
                self.editor.style().unpolish(self.editor)
                self.editor.style().polish(self.editor)

    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    def set_read_only(self, read_only: bool) -> None:
        self.editor.setEnabled(not read_only)
        if self.kind == "path":
            self.browse_button.setEnabled(not read_only)

    # -- view -> model --------------------------------------------------------------------
    def parse(self, text: str):
        """Turn typed text into a value of the field's type, or raise ParseError."""
        text = text.strip()
        if self.kind == "int":
            try:
                return int(text)
            except ValueError:
                raise ParseError(f"{self.name} must be a whole number (got {text!r})") from None
        if self.kind == "float":
            try:
                return float(text)
            except ValueError:
                raise ParseError(f"{self.name} must be a number such as 0.1 (got {text!r})") from None
        if self.kind == "shape":
            try:
                dims = tuple(int(part) for part in text.strip("()[] ").split(",") if part.strip())
            except ValueError:
                dims = ()
            if not dims:
                raise ParseError(
                    f"{self.name} must be whole numbers separated by commas, batch first, "
                    f"e.g. 64, 28, 28, 1 (got {text!r})")
            return dims
        if self.kind == "path":
            return text or None
        return text

    def _line_finished(self) -> None:
        text = self.editor.text()
        if text.strip() == (self._shown or "").strip():
            # Back to the model's value (or focus left without a change): nothing to commit.
            self.set_error(None)
            return
        try:
            value = self.parse(text)
        except ParseError as exc:
            self.set_error(str(exc))
            return
        self.committed.emit(self.name, value)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, f"Choose the {self.name} folder", self.editor.text())
        if folder:
            self.editor.setText(folder)
            self._line_finished()

