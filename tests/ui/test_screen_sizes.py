"""Small, large and scaled screens: every card value stays visible, the status bar and the results
stay on screen, and docks give way to the canvas."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from blockstudio.ui.window_layout import first_start_geometry

from .conftest import add_net1, clipped_card_text


def _visible_in_window(window, widget) -> bool:
    shown = widget.viewport() if hasattr(widget, "viewport") else widget  # a plot paints its viewport
    if not widget.isVisible() or shown.visibleRegion().isEmpty():
        return False
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return window.rect().contains(rect)


def layout_problems(window):
    """What a user at this window size could not see."""
    QApplication.processEvents()
    problems = clipped_card_text(window.canvas)
    if not _visible_in_window(window, window.statusBar()):
        problems.append("the status bar is off the window")
    panel = window.training_panel
    for name in ("status_label", "start_button", "progress"):
        if not _visible_in_window(window, getattr(panel, name)):
            problems.append(f"training panel: {name} is not visible")
    for name, field in panel.fields.items():
        if field.isVisibleTo(panel) and field.editor.height() < field.editor.sizeHint().height() - 2:
            problems.append(f"training panel: the {name} editor is squeezed to {field.editor.height()} px")
    plots = window.plots
    for widget in (plots.loss_widget, plots.acc_widget):
        drawn = widget.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize)
        if (not _visible_in_window(window, widget) or widget.height() < 120 or widget.width() < 120
                or drawn.width() > widget.viewport().width() or drawn.height() > widget.viewport().height()):
            problems.append(f"plot {widget.getPlotItem().titleLabel.text!r} is cut: {widget.size().toTuple()}")
    for dock in (window.palette_dock, window.inspector_dock, window.training_dock, window.output_dock):
        if not window.rect().contains(dock.geometry()):
            problems.append(f"the {dock.windowTitle()} panel sticks out of the window: {dock.geometry().getRect()}")
    if window.canvas.scroll.horizontalScrollBar().maximum() > 0:
        problems.append("the canvas scrolls sideways")
    for item in (window.palette.list.item(i) for i in range(window.palette.list.count())):
        rect = window.palette.list.visualItemRect(item)
        if rect.width() < window.palette.list.fontMetrics().horizontalAdvance(item.text()) + 40:
            problems.append(f"palette entry {item.text()} is cut")
    return problems


# 1280x720: a 1920x1080 screen at 1.5x scaling, as the layout sees it.
@pytest.mark.parametrize("size", [(1024, 700), (1366, 768), (1920, 1080), (1280, 720)])
def test_every_value_visible_at_common_window_sizes(window, size):
    ws = window.workspace
    add_net1(ws)
    ws.add_layer("Dropout")
    ws.add_layer("Dense", units=10, in_units=64, use_bias=False, flatten=False)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(*size)
    window._fit_docks()
    ws.pass_batch()
    assert layout_problems(window) == []
    # After a run the panel grows (the Start-continues notice, a result line): still all visible.
    panel = window.training_panel
    panel.notice_label.setText("<b>Start continues</b> from the network's trained parameters. "
                               "Run ▸ Train from Scratch (Ctrl+F5) starts over from the seed.")
    panel.notice_label.show()
    panel.result_label.setText("Epoch 3: train loss <b>0.2496</b> · train accuracy <b>92.75%</b> · "
                               "test accuracy <b>92.05%</b>")
    assert layout_problems(window) == []
    # Docks give way: the canvas keeps at least a third of the width.
    assert window.canvas.width() >= size[0] // 3


def test_first_start_fits_the_screen():
    for free, maximize in ((QRect(0, 0, 1024, 700), True), (QRect(0, 0, 1366, 740), True),
                           (QRect(0, 0, 911, 512), True), (QRect(0, 32, 1920, 1048), False),
                           (QRect(0, 0, 2560, 1440), False)):
        rect, maximized = first_start_geometry(free)
        assert maximized == maximize, free
        assert free.contains(rect), (free, rect)
        assert rect.height() <= free.height() - 48  # room for the title bar above it


SCRIPT = r"""
import json, sys
from PySide6.QtWidgets import QApplication
from blockstudio.ui.app import create_application
from blockstudio.ui.mainwindow import MainWindow
from blockstudio.workspace import Workspace
app = create_application()  # before the test helpers: their conftest picks a plain offscreen screen
sys.path.insert(0, sys.argv[1])
from tests.ui.test_screen_sizes import layout_problems
from tests.ui.conftest import add_net1
ws = Workspace()
win = MainWindow(ws)
add_net1(ws)
win.show()
for _ in range(20):
    app.processEvents()
ws.pass_batch()
screen = win.screen().availableGeometry()
print(json.dumps({"problems": layout_problems(win), "screen": screen.getRect(),
                  "window": win.frameGeometry().getRect(), "scale": win.devicePixelRatioF()}))
"""


def test_first_start_at_one_and_a_half_scale(tmp_path, physical=(1366, 768)):
    """QT_SCALE_FACTOR=1.5 on a laptop screen: 1366x768 pixels are 911x512 for the layout."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "s0", "x": 0, "y": 0, "width": physical[0],
                                               "height": physical[1], "logicalDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR="1.5",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], env=env, capture_output=True, text=True,
                         timeout=120, cwd=root)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["scale"] == 1.5
    sx, sy, sw, sh = report["screen"]
    wx, wy, ww, wh = report["window"]
    assert (sw, sh) == (round(physical[0] / 1.5), round(physical[1] / 1.5))
    assert wx >= sx and wy >= sy and wx + ww <= sx + sw and wy + wh <= sy + sh, report
    assert report["problems"] == [], "\n".join(report["problems"])
