"""View and Help commands of the main window: the theme, the guide and shortcut list, and the
data set download.

A mixin of ``MainWindow`` (it uses the window's ``workspace``, ``actions``, ``training_panel``
and status bar), kept apart so the window module stays about editing and running.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from blockstudio.ui import theme
from blockstudio.ui.actions import restyle_icons


class ViewCommands:
    def set_theme(self, choice: str, save: bool = True) -> None:
        """View > Theme: ``"system"``, ``"light"`` or ``"dark"``; kept in the window's settings."""
        app = QApplication.instance()
        theme.apply(app, choice)
        for name, value in (("theme_system", "system"), ("theme_light", "light"), ("theme_dark", "dark")):
            self.actions[name].setChecked(value == choice)
        if save and self.settings is not None:
            self.settings.setValue(theme.SETTINGS_KEY, choice)

    def _restyle(self, _theme=None) -> None:
        for view in (self.canvas, self.palette, self.inspector, self.plots, self.training_panel):
            view.restyle()
        restyle_icons(self, self.actions)

    def _help(self, title: str, html: str):
        from blockstudio.ui.help import HelpDialog

        self.help_dialog = HelpDialog(title, html, self)
        self.help_dialog.show()
        return self.help_dialog

    def guide_command(self) -> None:
        from blockstudio.ui.help import GUIDE_HTML

        self._help("Getting started", GUIDE_HTML)

    def shortcuts_command(self) -> None:
        from blockstudio.ui.help import shortcuts_html

        self._help("Keyboard shortcuts", shortcuts_html(self.actions))

    def download_data_command(self) -> None:
        """File > Download MNIST (or Fashion-MNIST, as chosen): into the folder the app reads."""
        from blockstudio.ui.download_dialog import DownloadDialog
        from blockstudio.workspace.download import download_folder

        if self.download_dialog is not None and self.download_dialog.outcome is None:
            self.download_dialog.raise_()
            return
        settings = self.workspace.training_settings
        folder = download_folder(settings.dataset, settings.data_dir)
        self.download_dialog = DownloadDialog(settings.dataset, folder, self)
        self.download_dialog.finishedWith.connect(self._download_finished)
        self.download_dialog.start()

    def _download_finished(self, outcome: str, message: str) -> None:
        self.training_panel.update_data_status()
        self._show_message(message if outcome != "failed" else "The download failed: see the dialog.", 0)
