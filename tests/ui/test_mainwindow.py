"""The main window's commands: undo/redo texts, title and unsaved mark, files (save, open,
damaged files, recent, example), asking before discarding changes, parameters and export."""

import json
import sys

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from .conftest import add_net1


def test_undo_redo_actions_name_the_step(window):
    ws, actions = window.workspace, window.actions
    assert not actions["undo"].isEnabled() and actions["undo"].text() == "&Undo"
    window.palette.appendRequested.emit("Dense")
    assert actions["undo"].text() == "Undo Add Dense" and actions["undo"].isEnabled()
    window.palette.appendRequested.emit("Dropout")
    actions["undo"].trigger()
    assert [s.kind for s in ws.layers] == ["Dense"]
    assert actions["redo"].text() == "Redo Add Dropout" and actions["redo"].isEnabled()
    actions["redo"].trigger()
    assert [s.kind for s in ws.layers] == ["Dense", "Dropout"]
    assert [k.toString() for k in actions["redo"].shortcuts()] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert actions["undo"].shortcut().toString() == "Ctrl+Z"


def test_title_shows_the_project_name_and_the_unsaved_mark(window, tmp_path):
    ws = window.workspace
    assert window.windowTitle() == "Untitled[*] — blockstudio" and not window.isWindowModified()
    add_net1(ws)
    assert window.isWindowModified()

    target = tmp_path / "mlp.bsproj"
    window.dialogs.paths = [str(target)]
    window.actions["save"].trigger()  # untitled: Save asks where (Save As)
    assert target.exists() and json.loads(target.read_text())["format"] == "blockstudio-project"
    assert window.windowTitle() == "mlp.bsproj[*] — blockstudio" and not window.isWindowModified()

    ws.add_layer("Dropout")
    assert window.isWindowModified()
    window.actions["save"].trigger()  # titled: saves in place, no dialog
    assert window.dialogs.titles("save_file") == ["Save project as"]
    assert not window.isWindowModified()


def test_opening_a_damaged_file_says_why_and_keeps_the_project(window, tmp_path):
    ws = window.workspace
    uids = add_net1(ws)
    ws.select(uids[1])
    damaged = tmp_path / "damaged.bsproj"
    damaged.write_text('{"format": "blockstudio-project", "version": 1, "layers": [')
    foreign = tmp_path / "foreign.bsproj"
    foreign.write_text(json.dumps({"format": "something-else"}))
    window.dialogs.save_answer = "discard"

    for path in (damaged, foreign):
        assert not window.open_path(str(path))
        title, message = window.dialogs.calls[-1][1:]
        assert title == "Cannot open project" and path.name in message
        assert [s.uid for s in ws.layers] == uids and ws.selected == uids[1]
        assert len(window.canvas.cards()) == 3
    assert window.isWindowModified()


def test_new_and_open_ask_before_discarding_changes(window, tmp_path):
    ws, dialogs = window.workspace, window.dialogs
    add_net1(ws)
    dialogs.save_answer = "cancel"
    window.actions["new"].trigger()
    assert len(ws.layers) == 3 and dialogs.titles("ask_save_changes") == ["Untitled"]

    saved = tmp_path / "kept.bsproj"
    dialogs.save_answer = "save"
    dialogs.paths = [str(saved)]
    window.actions["new"].trigger()  # Save first (asks where), then a new project
    assert saved.exists() and ws.layers == [] and ws.path is None
    assert window.canvas.cards() == [] and window.windowTitle() == "Untitled[*] — blockstudio"

    ws.add_layer("Dense")
    dialogs.save_answer = "discard"
    dialogs.paths = [str(saved)]
    window.actions["open"].trigger()
    assert ws.path == str(saved) and len(ws.layers) == 3
    assert window.windowTitle() == "kept.bsproj[*] — blockstudio"


def test_closing_with_unsaved_changes_asks(window):
    window.workspace.add_layer("Dense")
    window.dialogs.save_answer = "cancel"
    assert not window.close() and window.isVisible()
    window.dialogs.save_answer = "discard"
    assert window.close()


def test_recent_files_and_the_example(window, tmp_path):
    ws = window.workspace
    window.actions["open_example"].trigger()
    # An untitled copy: saving a trained example must not overwrite the shipped file.
    assert ws.path is None and ws.copy_of.endswith("tutorial-mlp.bsproj")
    assert window.windowTitle() == "tutorial-mlp.bsproj (copy)[*] — blockstudio"
    assert [s.settings["units"] for s in ws.layers] == [128, 64, 10]
    assert ws.training_settings.init_magnitude == 2.24
    assert window.training_panel.fields["init_magnitude"].editor.text() == "2.24"
    assert ws.recent_files == []

    copy = tmp_path / "copy.bsproj"
    window.dialogs.paths = [str(copy)]
    window.actions["save"].trigger()  # no file yet: asks where, suggesting the example's name
    assert ws.path == str(copy) and window.dialogs.titles("save_file")
    menu = window.menus["Open Recent"]
    menu.aboutToShow.emit()
    assert [a.toolTip() for a in menu.actions()] == [str(copy)]
    window.open_example_command()
    assert ws.path is None
    menu.aboutToShow.emit()
    menu.actions()[0].trigger()
    assert ws.path == str(copy)


def test_save_and_load_parameters_and_export(window, tmp_path):
    ws, dialogs = window.workspace, window.dialogs
    add_net1(ws)
    window.actions["pass_batch"].trigger()
    params = tmp_path / "net.npz"
    dialogs.paths = [str(params)]
    window.actions["save_params"].trigger()
    from blockstudio.core.serialization import load_arrays
    saved = load_arrays(params)
    live = [p.data().asnumpy() for p in ws.network.collect_params().values()]
    assert len(saved) == len(live) == 6
    assert all(np.array_equal(saved[f"{i // 2}.{'weight' if i % 2 == 0 else 'bias'}"], value)
               for i, value in enumerate(live))

    ws.add_layer("Dense", units=5)  # no longer fits the file
    dialogs.paths = [str(params)]
    window.actions["load_params"].trigger()
    title, message = dialogs.calls[-1][1:]
    assert title == "Cannot load parameters" and "missing from the file: layer 4 Dense(5, relu) (3.weight, 3.bias)" in message

    script = tmp_path / "train.py"
    dialogs.paths = [str(script)]
    window.actions["export"].trigger()
    assert "autograd.record()" in script.read_text()
    assert "train.py" in window.statusBar().currentMessage()
    title, message = dialogs.calls[-1][1:]
    assert title == "Script exported" and sys.executable in message and "pip install" in message


def test_toolbar_undo_keeps_a_short_label_while_the_menu_names_the_step(window):
    actions = window.actions
    window.palette.appendRequested.emit("Dense")
    assert actions["undo"].text() == "Undo Add Dense"
    # The toolbar shows iconText: fixed, so Pass one batch / Start do not move after each edit.
    assert actions["undo"].iconText() == "Undo" and actions["redo"].iconText() == "Redo"
    assert actions["undo"].toolTip() == "Undo Add Dense (Ctrl+Z)"


def test_a_long_status_message_is_elided_with_the_whole_text_in_the_tooltip(window):
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMaximized)
    window.resize(1024, 700)
    QApplication.processEvents()
    bar = window.statusBar()
    long = "Exported " + "/very/deep/folder" * 12 + "/mlp.py: run it with /usr/bin/python3 mlp.py"
    window._show_message(long, 0)
    shown = bar.elided_message()
    assert bar.currentMessage() == long and bar.toolTip() == long
    assert shown != long and "…" in shown and shown.endswith("mlp.py")
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    window._show_message("Saved.", 0)
    assert bar.elided_message() == "Saved." and bar.toolTip() == ""


def test_help_guide_shortcuts_and_tooltips_that_name_their_keys(window):
    actions = window.actions
    titles = [a.text().replace("&", "") for a in window.menus["Help"].actions() if a.text()]
    assert titles[:2] == ["Getting Started", "Keyboard Shortcuts"]
    actions["guide"].trigger()
    guide = window.help_dialog.browser.toPlainText()
    assert guide.count("\n") > 5 and all(step in guide for step in ("Build the network", "Pass one batch",
                                                                     "Train", "Keep and share"))
    window.help_dialog.close()
    actions["shortcuts"].trigger()
    table = window.help_dialog.browser.toPlainText()
    for name in ("pass_batch", "start", "undo", "save", "export"):
        key = actions[name].shortcut().toString()
        assert key and key in table, name
    window.help_dialog.close()
    for action in window.toolbar.actions():
        if action.shortcut().toString():
            assert f"({action.shortcut().toString()}" in action.toolTip(), action.toolTip()
    assert actions["pass_batch"].toolTip().endswith("(Ctrl+B)")
    window.workspace.add_layer("Dense")
    assert "(Ctrl+Z)" in actions["undo"].toolTip()


def test_file_dialogs_start_in_the_last_folder_used_even_after_a_restart(app, qtbot, workspace, tmp_path):
    import os

    from PySide6.QtCore import QSettings

    from blockstudio.ui.mainwindow import MainWindow

    from .conftest import ScriptedDialogs, dispose

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(workspace, settings=settings)
    first.dialogs = ScriptedDialogs()
    assert first._start_dir() != os.getcwd() or os.getcwd() == os.path.expanduser("~")
    folder = tmp_path / "projects"
    folder.mkdir()
    add_net1(workspace)
    first.dialogs.paths = [str(folder / "mine.bsproj")]
    first.actions["save_as"].trigger()
    first.dialogs.paths = [None]
    first.actions["load_params"].trigger()
    assert first.dialogs.starts[-1] == str(folder)
    dispose(first)
    other = tmp_path / "elsewhere"
    other.mkdir()
    from blockstudio.workspace import Workspace

    second = MainWindow(Workspace(), settings=settings)
    second.dialogs = ScriptedDialogs()
    second.actions["open"].trigger()
    assert second.dialogs.starts == [str(folder)]  # kept in the settings across a restart
    dispose(second)


def test_any_error_from_a_file_command_is_a_dialog(window, tmp_path, monkeypatch):
    # Only ValueError and OSError used to reach a dialog; anything else vanished into a traceback.
    ws, dialogs = window.workspace, window.dialogs
    add_net1(ws)
    faults = {"save": MemoryError(), "open": RecursionError("maximum recursion depth exceeded"),
              "export_script": OverflowError("int too large"), "load_parameters": KeyError("0.weight")}
    for name, error in faults.items():
        def fail(*args, _error=error, **kwargs):
            raise _error
        monkeypatch.setattr(ws, name, fail)
    dialogs.paths = [str(tmp_path / "a.bsproj")]
    window.actions["save"].trigger()
    assert dialogs.calls[-1][1:] == ("Cannot save project", "Not enough memory. (MemoryError)")
    assert not window.open_path(str(tmp_path / "b.bsproj"), asked=True)
    assert dialogs.calls[-1][1] == "Cannot open project" and "nested too deeply" in dialogs.calls[-1][2]
    dialogs.paths = [str(tmp_path / "c.py")]
    window.actions["export"].trigger()
    assert dialogs.calls[-1][1] == "Cannot export the script" and "too large" in dialogs.calls[-1][2]
    dialogs.paths = [str(tmp_path / "d.npz")]
    window.actions["load_params"].trigger()
    assert dialogs.calls[-1][1:] == ("Cannot load parameters", "Unexpected error: KeyError: '0.weight'")
