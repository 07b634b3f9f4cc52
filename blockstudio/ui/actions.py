"""The window's actions, menus and toolbar, declared in one table.

Each action is named once (``window.actions["pass_batch"]``) and connected to one command
of the main window; menus, the toolbar, the canvas's context menu and the tests all use the
same QAction objects, so a shortcut, a menu item and a button can never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar

SP = QStyle.StandardPixmap
KS = QKeySequence.StandardKey

# name: (text, shortcut(s), standard icon, status tip)
ACTIONS = {
    "new": ("&New", KS.New, SP.SP_FileIcon, "Start an empty project"),
    "open": ("&Open…", KS.Open, SP.SP_DialogOpenButton, "Open a .bsproj project"),
    "open_example": ("Open &Example", None, None, "Open the tutorial's net1 (examples/tutorial-mlp.bsproj)"),
    "save": ("&Save", KS.Save, SP.SP_DialogSaveButton, "Save the project"),
    "save_as": ("Save &As…", KS.SaveAs, None, "Save the project under a new name"),
    "save_params": ("Save &Parameters…", None, None, "Write the network's parameters to a .npz file"),
    "load_params": ("&Load Parameters…", None, None, "Load parameters from .npz or MXNet .params"),
    "export": ("&Export Script…", "Ctrl+E", None, "Write a Python script that builds and trains this network"),
    "download_data": ("&Download MNIST…", None, None,
                      "Download the data set chosen in the Training panel (checked, with progress and Cancel)"),
    "quit": ("&Quit", KS.Quit, None, "Quit blockstudio"),
    "undo": ("&Undo", KS.Undo, SP.SP_ArrowBack, "Undo the last edit"),
    "redo": ("&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), SP.SP_ArrowForward, "Redo the undone edit"),
    "delete": ("&Delete", (QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)),
               SP.SP_TrashIcon, "Delete the selected block"),
    "duplicate": ("D&uplicate", "Ctrl+D", None, "Insert a copy of the selected block below it"),
    "pass_batch": ("&Pass One Batch", "Ctrl+B", SP.SP_MediaSeekForward,
                   "Send one batch of MNIST through the network so its shapes resolve"),
    "start": ("&Start Training", "F5", SP.SP_MediaPlay, "Train with the settings of the Training panel"),
    "start_fresh": ("Train from S&cratch", "Ctrl+F5", None,
                    "Start over from fresh parameters drawn with the seed, as the exported script does"),
    "pause": ("Pa&use Training", "F6", SP.SP_MediaPause, "Pause after the current step"),
    "resume": ("&Resume Training", "F7", SP.SP_MediaPlay, "Continue a paused run"),
    "stop": ("S&top Training", "Shift+F5", SP.SP_MediaStop, "Stop, keeping the last completed step"),
    "theme_system": ("&System", None, None, "Follow the desktop's light or dark setting"),
    "theme_light": ("&Light", None, None, "Dark text on light panels"),
    "theme_dark": ("&Dark", None, None, "Light text on dark panels"),
    "guide": ("&Getting Started", KS.HelpContents, None, "What the app teaches, in five steps"),
    "shortcuts": ("&Keyboard Shortcuts", None, None, "Every key the window answers to"),
    "restore_best": ("Restore &Best Epoch", None, None,
                     "Put back the parameters of the last run's best epoch (highest validation accuracy)"),
    "about": ("&About blockstudio", None, None, ""),
}
THEME_ACTIONS = {"theme_system": "system", "theme_light": "light", "theme_dark": "dark"}

MENUS = {
    "&File": ["new", "open", "open_example", "@recent", None, "save", "save_as", None,
              "save_params", "load_params", "export", None, "download_data", None, "quit"],
    "&Edit": ["undo", "redo", None, "delete", "duplicate"],
    "&Run": ["pass_batch", None, "start", "start_fresh", "pause", "resume", "stop", None, "restore_best"],
    "&View": ["@docks", None, "@theme"],
    "&Help": ["guide", "shortcuts", None, "about"],
}
TOOLBAR = ["new", "open", "save", None, "undo", "redo", None, "pass_batch", None, "start", "pause", "resume", "stop"]


# Standard icons that are black glyphs: on a dark theme they are redrawn in the text colour.
GLYPH_ICONS = {name for name, (_t, _s, icon, _tip) in ACTIONS.items()
               if icon in (SP.SP_ArrowBack, SP.SP_ArrowForward, SP.SP_MediaSeekForward, SP.SP_MediaPlay,
                           SP.SP_MediaPause, SP.SP_MediaStop)}


def glyph_icon(widget, pixmap):
    """A standard black-glyph icon (arrow, play, stop) in the active theme: as is on a light theme,
    redrawn in the text colour on a dark one (black glyphs vanished on a dark toolbar)."""
    from PySide6.QtGui import QColor, QIcon, QPainter

    from blockstudio.ui import theme

    standard = widget.style().standardIcon(pixmap)
    if theme.current().name == "light":
        return standard
    icon = QIcon()
    for size in (16, 24, 32):
        for mode in (QIcon.Mode.Normal, QIcon.Mode.Disabled):
            image = standard.pixmap(size, size, mode)
            painter = QPainter(image)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            tint = QColor(theme.current().text)
            if mode == QIcon.Mode.Disabled:
                tint.setAlpha(110)
            painter.fillRect(image.rect(), tint)
            painter.end()
            icon.addPixmap(image, mode)
    return icon


def restyle_icons(window, actions) -> None:
    """The toolbar's glyph icons in the active theme's colours."""
    for name in GLYPH_ICONS:
        actions[name].setIcon(glyph_icon(window, ACTIONS[name][2]))


def with_shortcut(action, tip: str) -> str:
    """``"Pass One Batch: ... (Ctrl+B)"``: a toolbar tooltip names the key that does the same."""
    keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
    return f"{tip} ({', '.join(keys)})" if keys else tip


def create_actions(window) -> dict[str, QAction]:
    """Create every action, connected to ``window.<name>_command`` when it has one."""
    actions = {}
    for name, (text, shortcut, icon, tip) in ACTIONS.items():
        action = QAction(text, window)
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, tuple) else (shortcut,)
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setStatusTip(tip)
        if tip:
            action.setToolTip(with_shortcut(action, f"{text.replace('&', '').rstrip('…')}: {tip}"))
        command = getattr(window, f"{name}_command", None)
        if command is not None:
            action.triggered.connect(lambda _checked=False, c=command: c())
        actions[name] = action
    for name, short in (("pass_batch", "Pass one batch"), ("start", "Start"), ("pause", "Pause"),
                        ("resume", "Resume"), ("stop", "Stop")):
        actions[name].setIconText(short)
    group = QActionGroup(window)
    group.setExclusive(True)
    for name, choice in THEME_ACTIONS.items():
        actions[name].setCheckable(True)
        actions[name].setActionGroup(group)
        actions[name].triggered.connect(lambda _checked=False, c=choice: window.set_theme(c))
    # Delete must not fire while a text field has focus (Backspace edits text there):
    # it is live only when the canvas (which the window adds it to) has focus.
    actions["delete"].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    return actions


def build_menus(window, actions, recent_menu_filler, docks) -> dict:
    menus = {}
    bar = window.menuBar()
    for title, entries in MENUS.items():
        menu = bar.addMenu(title)
        menus[title.replace("&", "")] = menu
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif entry == "@recent":
                recent = menu.addMenu("Open &Recent")
                recent.aboutToShow.connect(lambda m=recent: recent_menu_filler(m))
                menus["Open Recent"] = recent
            elif entry == "@docks":
                for dock in docks:
                    menu.addAction(dock.toggleViewAction())
            elif entry == "@theme":
                themes = menu.addMenu("&Theme")
                for name in THEME_ACTIONS:
                    themes.addAction(actions[name])
                menus["Theme"] = themes
            else:
                menu.addAction(actions[entry])
    return menus


def build_toolbar(window, actions) -> QToolBar:
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for entry in TOOLBAR:
        if entry is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions[entry])
    window.addToolBar(toolbar)
    return toolbar
