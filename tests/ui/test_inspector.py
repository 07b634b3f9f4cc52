"""The inspector: valid edits reach the workspace; invalid ones are refused beside the field,
never clamped; the input node edits the input shape."""

from PySide6.QtCore import Qt

from .conftest import add_net1


def type_into(qtbot, field, text):
    """Select the field's text, type ``text`` and press Enter, as a user would."""
    editor = field.editor
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_edit_units_in_the_inspector(window, qtbot):
    ws, inspector = window.workspace, window.inspector
    uid = ws.add_layer("Dense", units=128)
    ws.select(uid)
    assert inspector.title.text() == "Dense"
    assert inspector.field("units").editor.text() == "128"

    type_into(qtbot, inspector.field("units"), "64")

    assert ws.layer(uid).settings["units"] == 64
    assert inspector.field("units").error_text() == ""
    assert "units 64" in window.canvas.card(uid).plain_text()
    assert window.actions["undo"].text() == ws.undo_text != ""
    window.actions["undo"].trigger()
    assert ws.layer(uid).settings["units"] == 128
    assert inspector.field("units").editor.text() == "128"  # the form follows undo
    window.actions["redo"].trigger()
    assert inspector.field("units").editor.text() == "64"


def test_invalid_values_are_refused_beside_the_field_never_clamped(window, qtbot):
    ws, inspector = window.workspace, window.inspector
    uid = ws.add_layer("Dense", units=128)
    ws.select(uid)
    undo_before = ws.undo_text
    field = inspector.field("units")

    type_into(qtbot, field, "0")
    assert field.error_text() == "units must be a whole number of at least 1 (got 0)"
    assert field.error_label.isVisible()
    assert field.editor.text() == "0"  # what the user typed stays, marked
    assert field.editor.property("invalid") is True
    assert ws.layer(uid).settings["units"] == 128 and ws.undo_text == undo_before

    type_into(qtbot, field, "-5")
    assert "at least 1" in field.error_text() and ws.layer(uid).settings["units"] == 128

    type_into(qtbot, field, "lots")
    assert field.error_text() == "units must be a whole number (got 'lots')"

    type_into(qtbot, field, "256")  # fixing it clears the message
    assert field.error_text() == "" and not field.error_label.isVisible()
    assert ws.layer(uid).settings["units"] == 256


def test_dropout_rate_outside_0_1_is_refused(window, qtbot):
    ws, inspector = window.workspace, window.inspector
    uid = ws.add_layer("Dropout")
    ws.select(uid)
    field = inspector.field("rate")
    type_into(qtbot, field, "1")
    assert "rate must be at least 0 and below 1" in field.error_text()
    assert ws.layer(uid).settings["rate"] == 0.5
    type_into(qtbot, field, "0.2")
    assert ws.layer(uid).settings["rate"] == 0.2 and field.error_text() == ""


def test_activation_and_flags(window):
    ws, inspector = window.workspace, window.inspector
    uid = ws.add_layer("Dense", units=10)
    ws.select(uid)
    combo = inspector.field("activation").editor
    assert combo.currentText() == "relu"
    combo.setCurrentIndex(combo.findData(None))
    combo.activated.emit(combo.currentIndex())
    assert ws.layer(uid).settings["activation"] is None
    assert "activation none" in window.canvas.card(uid).plain_text()
    inspector.field("use_bias").editor.click()
    assert ws.layer(uid).settings["use_bias"] is False
    assert ws.layer_info(uid).params[-1].short == "weight"  # no bias parameter any more

    act = ws.add_layer("Activation")
    ws.select(act)
    names = [inspector.field("activation").editor.itemText(i)
             for i in range(inspector.field("activation").editor.count())]
    assert names == ["relu", "sigmoid", "tanh", "softrelu", "softsign"]


def test_input_node_edits_the_input_shape(window, qtbot):
    ws, inspector, canvas = window.workspace, window.inspector, window.canvas
    add_net1(ws)
    qtbot.mouseClick(canvas.input_card, Qt.MouseButton.LeftButton)
    assert ws.selected is None and inspector.title.text() == "Input"
    field = inspector.field("input_shape")
    assert field.editor.text() == "64, 28, 28, 1"

    type_into(qtbot, field, "32, 784")
    assert ws.input_shape == (32, 784)
    assert "(32, 784)" in canvas.input_card.plain_text()

    type_into(qtbot, field, "32, 0")
    assert "at least 1" in field.error_text() and ws.input_shape == (32, 784)
    type_into(qtbot, field, "a, b")
    assert "whole numbers separated by commas" in field.error_text()



def test_an_error_under_a_field_keeps_its_label_level_with_the_editor(window):
    from PySide6.QtWidgets import QApplication, QLabel

    ws, inspector = window.workspace, window.inspector
    ws.select(ws.add_layer("Dense", units=8))
    field = inspector.field("units")
    label = next(w for w in inspector.page().findChildren(QLabel) if w.text() == "units")

    def offset():
        QApplication.processEvents()
        return field.editor.mapTo(inspector, field.editor.rect().topLeft()).y() - label.mapTo(inspector, label.rect().topLeft()).y()

    level = offset()
    field.editor.setText("many")
    field.editor.editingFinished.emit()
    assert field.error_text()
    assert offset() == level
