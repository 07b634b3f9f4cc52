"""The desktop application's entry point: ``blockstudio [PROJECT.bsproj]``.

>>> from blockstudio.ui.app import main     # doctest: +SKIP
>>> main(["examples/tutorial-mlp.bsproj"])  # opens the window; returns the exit code
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import blockstudio
from blockstudio.ui import style, theme


def create_application(argv=None) -> QApplication:
    """The QApplication (created once), named and with the blockstudio icon and style."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "blockstudio"] + list(argv or []))
    app.setApplicationName("blockstudio")
    app.setOrganizationName("blockstudio")
    app.setApplicationVersion(blockstudio.__version__)
    app.setDesktopFileName("blockstudio")
    if not getattr(app, "_blockstudio_styled", False):  # restyling re-polishes every widget: once
        app.setWindowIcon(style.app_icon())
        theme.capture_system_palette(app)  # the desktop's light or dark, before ours replaces it
        app.setStyle("Fusion")  # the same look on every desktop, and what the screenshots show
        theme.apply(app, theme.choice(), force=True)  # palette + style sheet in one colour set
        theme.follow_system(app)
        app._blockstudio_styled = True
    return app


def window_settings() -> QSettings:
    """Where the window keeps its size and dock layout: beside the recent-files list."""
    from blockstudio.workspace.recent import config_dir

    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def main(argv=None) -> int:
    """Open the window (and ``PROJECT`` when given) and run until it closes; returns the exit code."""
    parser = argparse.ArgumentParser(prog="blockstudio", description="Compose and train neural networks.")
    parser.add_argument("project", nargs="?", help="a .bsproj project to open")
    args, qt_args = parser.parse_known_args(sys.argv[1:] if argv is None else argv)

    # The engine does many small matrix products: on a small machine, extra BLAS threads only
    # contend with the GUI thread and the training worker (the limit is process-wide).
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)

    from blockstudio.ui.mainwindow import MainWindow
    from blockstudio.workspace import Workspace

    app = create_application(qt_args)
    window = MainWindow(Workspace(), settings=window_settings())
    window.show()
    if args.project:
        window.open_path(args.project)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
