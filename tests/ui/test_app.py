"""The entry point: the application's identity, opening a project from the command line,
and the window's layout remembered in the config folder."""

from PySide6.QtWidgets import QApplication

from blockstudio.ui import app as app_module


def test_create_application_names_the_app_and_sets_its_icon(app):
    assert app.applicationName() == "blockstudio" and app.organizationName() == "blockstudio"
    assert not app.windowIcon().isNull()
    assert "lockBanner" in app.styleSheet()


def test_main_opens_the_project_given_on_the_command_line(app, tmp_path, monkeypatch):
    project = tmp_path / "cli.bsproj"
    from blockstudio.workspace import Workspace

    ws = Workspace()
    ws.add_layer("Dense", units=7)
    ws.save(str(project))
    seen = {}

    def fake_exec():  # instead of running the event loop: look at the window, then close it
        window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
        seen["path"] = window.workspace.path
        seen["units"] = [s.settings["units"] for s in window.workspace.layers]
        seen["title"] = window.windowTitle()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(app, "exec", fake_exec)
    monkeypatch.setattr(app_module, "create_application", lambda args=None: app)
    assert app_module.main([str(project)]) == 0
    assert seen == {"path": str(project), "units": [7], "title": "cli.bsproj[*] — blockstudio"}
    assert (tmp_path / "config" / "window.ini").exists()  # the layout, beside recent files


def test_shipped_icon_is_the_assets_source():
    from pathlib import Path

    from blockstudio.ui.style import RESOURCES

    source = Path(__file__).resolve().parents[2] / "assets" / "icon.svg"
    assert (RESOURCES / "icon.svg").read_bytes() == source.read_bytes(), \
        "assets/icon.svg changed: copy it to blockstudio/ui/resources/icon.svg (and re-render icon.png)"


def test_first_start_fills_most_of_a_large_screen(app, qtbot, workspace, monkeypatch):
    from PySide6.QtCore import QRect, Qt

    from blockstudio.ui.mainwindow import MainWindow

    win = MainWindow(workspace)
    qtbot.addWidget(win)
    # The offscreen screen (800x600) is smaller than 1280x800: the window fits it, maximized.
    free = win.screen().availableGeometry()
    assert win.width() <= free.width() and win.height() <= free.height()
    assert win.windowState() & Qt.WindowState.WindowMaximized
    monkeypatch.setattr(type(win.screen()), "availableGeometry", lambda _self: QRect(0, 0, 1920, 1080))
    win._first_start_size()
    assert (win.width(), win.height()) == (1632, 918) and (win.x(), win.y()) == (144, 81)
