"""The inspector: edit the selected block's settings, or the input shape.

One form page per layer kind, built from the workspace's ``default_settings(kind)`` so a new
setting shows up without touching this file. Every commit goes to the workspace; a refusal
(``SettingError``, a locked architecture) is shown under the field with the workspace's own
message and nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from blockstudio.ui import style
from blockstudio.ui.fields import FieldEditor
from blockstudio.workspace.layers import KINDS, kind as layer_kind

def _error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


class _Page(QWidget):
    def __init__(self, fields: dict, note: str = ""):
        super().__init__()
        self.fields = fields
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Labels at the top of their row: an error under a field makes the row taller, and a
        # centred label then sat between the editor and the error text.
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for name, field in fields.items():
            label = QLabel(name)
            label.setContentsMargins(0, 4, 0, 0)  # level with the editor's text
            label.setToolTip(field.editor.toolTip())
            form.addRow(label, field)
        if note:
            hint = QLabel(note)
            hint.setObjectName("hintLabel")
            hint.setWordWrap(True)
            form.addRow(hint)


class Inspector(QWidget):
    """Edits the workspace's selected block (or the input shape when no block is selected).

    Example::

        inspector = Inspector(ws, bridge)
        inspector.field("units").editor.setText("64")   # then Enter commits it
    """

    def __init__(self, workspace, bridge, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("hintLabel")
        self.subtitle.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setObjectName("lockBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # One page per kind, only the current one shown (hidden pages take no room, unlike
        # in a QStackedWidget, which is as tall as its tallest page).
        self.stack = QWidget()
        self._stack_layout = QVBoxLayout(self.stack)
        self._stack_layout.setContentsMargins(0, 0, 0, 0)
        self._pages: dict[str, _Page] = {}
        self._current = None
        shape_field = FieldEditor(
            "input_shape", "shape", placeholder="64, 28, 28, 1",
            tooltip="The shape of one batch, batch first. MNIST images: (batch, 28, 28, 1).")
        shape_field.committed.connect(self._commit_input)
        self._add_page("Input", _Page(
            {"input_shape": shape_field},
            "Batch first. MNIST images are (batch, 28, 28, 1); Run ▸ Pass one batch (Ctrl+B) "
            "sends one batch of real MNIST test images through the network."))
        for kind in KINDS:
            self._add_page(kind, self._build_page(kind))

        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack)
        layout.addSpacing(6)
        layout.addWidget(self.details)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(column)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        bridge.changed.connect(self._on_changed)
        self.reload()

    # -- pages ----------------------------------------------------------------------------
    def _add_page(self, key: str, page: _Page) -> None:
        self._pages[key] = page
        page.hide()
        self._stack_layout.addWidget(page)

    def _build_page(self, kind: str) -> _Page:
        # Gluon's argument names are the labels, so the form reads like the tutorial's code;
        # editors, choices and help all come from the kind's declaration.
        declared = layer_kind(kind)
        fields = {}
        for setting in declared.settings:
            choices = list(setting.choices) or None
            field = FieldEditor(setting.name, setting.type, choices=choices, tooltip=setting.help)
            field.committed.connect(self._commit_setting)
            fields[setting.name] = field
        note = declared.help
        if declared.note:
            note += ". " + declared.note
        if not declared.settings:
            note += " It has no settings."
        return _Page(fields, note)

    def page(self) -> _Page:
        return self._current

    def field(self, name: str) -> FieldEditor:
        """The editor of ``name`` on the page shown now (e.g. ``"units"``)."""
        return self.page().fields[name]

    # -- model -> view --------------------------------------------------------------------
    def _on_changed(self, names) -> None:
        """One re-render per user action."""
        if names & {"selection", "layers", "settings"}:
            self.reload()   # the Input page names the dataset the training settings choose
        elif names & {"shapes", "parameters"}:
            self._show_details()

    def reload(self) -> None:
        ws = self.workspace
        uid = ws.selected
        spec = next((s for s in ws.layers if s.uid == uid), None)
        if spec is None:
            page = self._pages["Input"]
            self.title.setText("Input")
            from blockstudio.workspace.data import dataset_title

            title = dataset_title(ws.training_settings.dataset)
            self.subtitle.setText(f"The shape of the data the network receives: {title} images "
                                  f"are (batch, 28, 28, 1).")
            page.fields["input_shape"].set_value(tuple(ws.input_shape))
        else:
            page = self._pages.get(spec.kind)
            if page is None:
                self._add_page(spec.kind, self._build_page(spec.kind))
                page = self._pages[spec.kind]
            position = [s.uid for s in ws.layers].index(uid) + 1
            self.title.setText(spec.kind)
            self.subtitle.setText(f"Block {position} of {len(ws.layers)}")
            for name, field in page.fields.items():
                field.set_value(spec.settings.get(name))
        if page is not self._current:
            if self._current is not None:
                self._current.hide()
            page.show()
            self._current = page
        self._show_details()

    def _show_details(self) -> None:
        ws = self.workspace
        uid = ws.selected
        if uid is None or uid not in {s.uid for s in ws.layers}:
            total = ws.total_params
            self.details.setText(
                f"Total parameters: <b>{style.count_text(total)}</b>" if total is not None else
                f'<span style="color:{style.MUTED}">Parameter shapes resolve when a batch has passed.</span>')
            return
        info = ws.layer_info(uid)
        rows = [f'<span style="color:{style.MUTED}">{info.title}</span>']
        for param in info.params:
            rows.append(f'<tt>{style.escape(param.name)}</tt> &nbsp;{style.shape_html(param.shape)}')
        if info.output_shape is not None:
            rows.append(f"output {style.shape_html(info.output_shape)} · "
                        f"<b>{style.count_text(info.param_count)}</b> parameters")
        if info.error:
            rows.append(f'<span style="color:{style.ERROR_FG}">⚠ {style.escape(info.error)}</span>')
        self.details.setText("<br>".join(rows))

    def restyle(self) -> None:
        self._show_details()  # its rich text holds the theme's colours

    def set_locked(self, reason) -> None:
        self.banner.setText(f"<b>Editing locked.</b> {style.escape(reason)}" if reason else "")
        self.banner.setVisible(reason is not None)
        for page in self._pages.values():
            for field in page.fields.values():
                field.set_read_only(reason is not None)

    # -- view -> model --------------------------------------------------------------------
    def _commit_setting(self, name: str, value) -> None:
        uid = self.workspace.selected
        spec = next((s for s in self.workspace.layers if s.uid == uid), None)
        if spec is None:
            return
        if spec.settings.get(name) == value and type(spec.settings.get(name)) is type(value):
            self.page().fields[name].set_error(None)  # unchanged: no history step for nothing
            return
        try:
            self.workspace.update_layer(uid, **{name: value})
        except ValueError as exc:  # SettingError, LockedError: refused, shown, nothing changed
            self._refused(name, exc)

    def _commit_input(self, name: str, value) -> None:
        try:
            self.workspace.set_input_shape(tuple(value))
        except ValueError as exc:
            self._refused(name, exc)

    def _refused(self, name: str, exc: ValueError) -> None:
        field = self.page().fields.get(name)
        if field is not None:
            field.set_error(_error_message(exc))
