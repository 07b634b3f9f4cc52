"""Help > Getting Started (what the app teaches, in five steps) and Help > Keyboard Shortcuts.

The shortcut list is built from the window's actions, the same objects the menus and the
toolbar use, so it can never disagree with what a key really does.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

GUIDE_HTML = """
<h2>Getting started: the Gluon MLP tutorial in five steps</h2>
<ol>
<li><p><b>Build the network.</b> Drag <i>Dense</i> from the Layers palette onto the canvas (or
double-click it) three times, and set units to 128, 64 and 10 in the Inspector, with
activation relu on the first two: the tutorial's <tt>net1</tt>. File &#9656; Open Example opens
it ready-made.</p></li>
<li><p><b>Read the shapes.</b> Each card shows its parameters the way
<tt>print(net.collect_params())</tt> does. A weight of <tt>(128, 0)</tt> has an unknown input
size: Gluon infers it from the first batch (deferred initialisation).</p></li>
<li><p><b>Pass one batch</b> (Ctrl+B). One batch of MNIST test images flows through the network
and <tt>(128, 0)</tt> becomes <tt>(128, 784)</tt>; the Parameters and Summary tabs show the
whole network. Without MNIST the Training panel offers to download it (11 MB).</p></li>
<li><p><b>Train</b> (F5). Pick epochs, batch size, optimizer and learning rate in the Training
panel and watch the loss per step and the accuracy per epoch. Pause (F6), resume (F7) or stop
(Shift+F5) at any step; Start again continues from the trained values, Train from Scratch
(Ctrl+F5) starts over from the seed.</p></li>
<li><p><b>Keep and share it.</b> Save the project (Ctrl+S) with its trained values, save or
load parameters (.npz, or MXNet's .params), and Export Script (Ctrl+E) writes a Python script
that builds and trains the same network with Gluon's API.</p></li>
</ol>
<p>Every edit can be undone (Ctrl+Z). Right-click a plot to export it.</p>
"""


def shortcut_text(action) -> str:
    """``Ctrl+B`` (every key of an action, as the desktop writes them), or ``""``."""
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def shortcuts_html(actions: dict) -> str:
    """A table of every action that has a shortcut, in menu order."""
    rows = []
    for action in actions.values():
        keys = shortcut_text(action)
        if keys:
            name = action.text().replace("&", "").rstrip("…")
            rows.append(f"<tr><td style='padding-right:18px'><b>{keys}</b></td><td>{name}</td></tr>")
    rows.append("<tr><td style='padding-right:18px'><b>Up, Down</b></td><td>Select the block above or below</td></tr>")
    rows.append("<tr><td style='padding-right:18px'><b>Ctrl+Up, Ctrl+Down</b></td>"
                "<td>Move the selected block up or down</td></tr>")
    return "<h2>Keyboard shortcuts</h2><table>" + "".join(rows) + "</table>"


class HelpDialog(QDialog):
    """A small non-modal window showing one help page (rich text)."""

    def __init__(self, title: str, html: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 520)
