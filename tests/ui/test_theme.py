"""Light and dark themes: every card, hint and plot reads at WCAG contrast >= 4.5 in both, the
system's choice is followed, and View > Theme is kept in the settings."""

import re

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from blockstudio.ui import theme
from blockstudio.ui.theme import contrast

from .conftest import add_net1, clipped_card_text, dispose

SPAN = re.compile(r'style="([^"]*)"')


def _colors_in(html):
    """``(foreground, background or None)`` of every styled span in a label's rich text."""
    pairs = []
    for style in SPAN.findall(html):
        fg = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", style)
        bg = re.search(r"background-color:\s*(#[0-9a-fA-F]{6})", style)
        if fg:
            pairs.append((fg.group(1), bg.group(1) if bg else None))
    return pairs


def _card_contrasts(card):
    """Every (text colour, background) pair a card really paints: sampled background, label colours."""
    image = card.grab().toImage()
    background = image.pixelColor(card.width() - 5, card.height() // 2).name()
    pairs = []
    for label in card.findChildren(type(card.title_label)):
        if label.isVisibleTo(card) and label.text():
            base = label.palette().color(QPalette.ColorRole.WindowText).name()
            pairs.append((label.text()[:30], base, background))
            for fg, bg in _colors_in(label.text()):
                pairs.append((label.text()[:30], fg, bg or background))
    return pairs


@pytest.fixture
def restore_theme(app):
    yield
    theme.apply(app, "system")


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_every_card_text_reads_in_each_theme(window, restore_theme, choice):
    ws = window.workspace
    add_net1(ws)
    ws.add_layer("Dropout")
    ws.pass_batch()
    window.set_theme(choice)
    assert theme.current().name == choice
    # Unresolved shapes (the amber 0) and an error card must read too.
    window.workspace.set_input_shape((64, 28, 28, 1))
    ws.add_layer("Dense", units=10)
    ws.update_layer(ws.layers[0].uid, in_units=5)
    ws.pass_batch()
    window.canvas.refresh()
    cards = window.canvas.chain()
    checked = 0
    for card in cards:
        for text, fg, bg in _card_contrasts(card):
            assert contrast(fg, bg) >= 4.5, f"{choice}: {text!r} is {fg} on {bg}: {contrast(fg, bg):.2f}"
            checked += 1
    assert checked > 20
    assert any(card.error for card in cards if hasattr(card, "error"))
    assert clipped_card_text(window.canvas) == []
    # The canvas, the docks' hints and the plots follow the theme.
    board = window.canvas.board.palette().color(window.canvas.board.backgroundRole())
    assert board.name() == theme.current().canvas_bg
    window_bg = QWidget.palette(window).color(QPalette.ColorRole.Window)
    for hint in window.findChildren(type(window.state_label), "hintLabel"):
        fg = hint.palette().color(QPalette.ColorRole.WindowText)
        assert contrast(fg, window_bg) >= 4.5, hint.text()
    plot = window.plots.loss_widget
    axis = plot.getPlotItem().getAxis("left")
    assert plot.backgroundBrush().color().name() == theme.current().plot_bg
    assert contrast(axis.textPen().color(), plot.backgroundBrush().color()) >= 4.5
    text = QWidget.palette(window).color(QPalette.ColorRole.WindowText)
    assert contrast(text, window_bg) >= 4.5
    if choice == "dark":
        assert window_bg.lightness() < 80 and text.lightness() > 180


def test_both_colour_sets_meet_the_contrast_they_promise():
    for colors in (theme.LIGHT, theme.DARK):
        for fg, bg in (("text", "card_bg"), ("muted", "card_bg"), ("muted", "canvas_bg"), ("muted", "window"),
                       ("error_fg", "error_bg"), ("muted", "error_bg"), ("unknown_fg", "unknown_bg"),
                       ("banner_fg", "banner_bg"), ("plot_fg", "plot_bg"), ("error_fg", "window"),
                       ("text", "base"), ("muted", "base")):
            assert contrast(getattr(colors, fg), getattr(colors, bg)) >= 4.5, (colors.name, fg, bg)
        for kind, color in colors.kinds.items():
            assert contrast(color, colors.card_bg) >= 4.5, (colors.name, kind)
            assert contrast(colors.badge_text, color) >= 4.5, (colors.name, kind)


def test_system_choice_follows_a_dark_desktop(app, restore_theme, monkeypatch):
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    monkeypatch.setattr(theme, "_system_palette", dark)
    assert theme.apply(app, "system") is theme.DARK
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
    monkeypatch.setattr(theme, "_system_palette", light)
    assert theme.apply(app, "system") is theme.LIGHT
    with pytest.raises(ValueError, match="unknown theme 'blue'"):
        theme.apply(app, "blue")


def test_view_theme_menu_is_kept_in_the_settings(app, qtbot, workspace, tmp_path, restore_theme):
    from blockstudio.ui.mainwindow import MainWindow

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(workspace, settings=settings)
    titles = [a.text().replace("&", "") for a in first.menus["Theme"].actions()]
    assert titles == ["System", "Light", "Dark"]
    first.actions["theme_dark"].trigger()
    assert theme.current() is theme.DARK and first.actions["theme_dark"].isChecked()
    assert settings.value(theme.SETTINGS_KEY) == "dark"
    dispose(first)
    theme.apply(app, "light")
    second = MainWindow(workspace, settings=settings)
    assert theme.current() is theme.DARK and second.actions["theme_dark"].isChecked()
    dispose(second)
