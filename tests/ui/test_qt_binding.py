"""The Qt binding must not leak references to None: PySide6 6.12.0 did on Python 3.11, and a
session aborted ("none_dealloc") after a few thousand widget calls. pyproject pins it out."""

import sys

from PySide6.QtWidgets import QLabel


def test_widget_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.isVisible()
    # Immortal objects (3.12+) report a constant count; older Pythons must come back level.
    assert sys.getrefcount(None) >= before - 10
