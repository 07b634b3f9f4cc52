"""Colours, fonts and small formatting helpers shared by the views.

Everything that decides how a shape or a count *reads* on screen lives here, so the canvas,
the inspector and the tests agree on one rendering (e.g. an unknown dimension is always the
amber ``0`` of ``(128, 0)``, exactly what ``print(net.collect_params())`` says).
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPainter, QPixmap

from blockstudio.ui import theme

RESOURCES = Path(__file__).resolve().parent / "resources"

# The colours of the active theme (light or dark, see theme.py), read when used: ``style.MUTED``
# is always the current set's value, so a view that re-renders after a theme switch repaints
# in the new colours.
_THEME_COLORS = {
    "ACCENT": "accent", "TEXT": "text", "MUTED": "muted", "BORDER": "border",
    "CANVAS_BG": "canvas_bg", "CARD_BG": "card_bg", "UNKNOWN_FG": "unknown_fg",
    "UNKNOWN_BG": "unknown_bg", "ERROR_FG": "error_fg", "ERROR_BG": "error_bg", "OK_FG": "ok_fg",
    "HOVER_BORDER": "hover_border", "CONNECTOR": "connector",
}


def __getattr__(name):
    if name in _THEME_COLORS:
        return getattr(theme.current(), _THEME_COLORS[name])
    if name == "KIND_COLORS":
        return dict(theme.current().kinds)
    if name == "STYLESHEET":
        return stylesheet()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def kind_description(kind: str) -> str:
    from blockstudio.workspace.layers import KINDS
    return KINDS[kind].help if kind in KINDS else kind


def kind_badge(kind: str) -> str:
    from blockstudio.workspace.layers import KINDS
    return KINDS[kind].badge if kind in KINDS else kind[:1]


UNKNOWN_TOOLTIP = (
    "0 = not known yet: the engine infers this dimension from the first batch. "
    "Pass one batch (Ctrl+B), or set in_units."
)


def kind_color(kind: str) -> str:
    return theme.current().kind_color(kind)


def shape_html(shape) -> str:
    """Render a shape tuple as Python prints it, with unknown (0) dimensions highlighted.

    >>> shape_html((128, 784))
    '(128,&nbsp;784)'
    """
    if shape is None:
        return f'<span style="color:{theme.current().muted}">?</span>'
    dims = []
    colors = theme.current()
    for dim in shape:
        if dim == 0:
            dims.append(
                f'<span style="color:{colors.unknown_fg}; background-color:{colors.unknown_bg}; '
                f'font-weight:700">0</span>'
            )
        else:
            dims.append(str(dim))
    inner = ",&nbsp;".join(dims)  # a wrapped card line breaks between shapes, never inside one
    if len(dims) == 1:
        inner += ","
    return f"({inner})"


def shape_text(shape) -> str:
    """The plain-text twin of :func:`shape_html` (what tests and tooltips read)."""
    if shape is None:
        return "?"
    return str(tuple(int(d) for d in shape))


def count_text(n) -> str:
    return "?" if n is None else f"{n:,}"


def escape(text) -> str:
    return html.escape(str(text))


@lru_cache(maxsize=None)
def monospace_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def kind_icon(kind: str, size: int = 28) -> QIcon:
    """A rounded badge in the layer kind's colour with its initial: the palette's icons."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(kind_color(kind)))
    painter.drawRoundedRect(QRectF(1, 1, size - 2, size - 2), 6, 6)
    font = painter.font()
    font.setBold(True)
    badge = kind_badge(kind)
    font.setPixelSize(int(size * (0.55 if len(badge) == 1 else 0.42)))
    painter.setFont(font)
    painter.setPen(QColor(theme.current().badge_text))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, badge)
    painter.end()
    return QIcon(pixmap)


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("icon.svg", "icon.png"):
        path = RESOURCES / name
        if path.exists():
            icon.addFile(str(path))
    return icon


def stylesheet() -> str:
    """The application style sheet in the active theme's colours."""
    c = theme.current()
    return f"""
QLabel#errorLabel {{ color: {c.error_fg}; }}
QLabel#hintLabel {{ color: {c.muted}; }}
QLabel#sectionTitle {{ font-weight: 600; font-size: 13pt; color: {c.text}; }}
QLabel#lockBanner {{
    background: {c.banner_bg}; color: {c.banner_fg}; border: 1px solid {c.banner_border};
    border-radius: 4px; padding: 6px 8px;
}}
QLabel#noticeLabel {{
    background: {c.card_bg}; color: {c.text}; border: 1px solid {c.border};
    border-left: 3px solid {c.accent}; border-radius: 3px; padding: 4px 6px;
}}
QLineEdit[invalid="true"] {{
    border: 1px solid {c.error_fg}; border-radius: 2px; background: {c.error_bg}; color: {c.text};
}}
QListWidget#palette {{ border: none; background: transparent; outline: 0; }}
QListWidget#palette::item {{
    border: 1px solid {c.border}; border-radius: 6px; background: {c.card_bg}; color: {c.text};
    padding: 5px 4px; margin: 3px 2px;
}}
QListWidget#palette::item:hover {{ border-color: {c.accent}; }}
QListWidget#palette::item:selected {{ border-color: {c.accent}; color: {c.text}; background: {c.card_bg}; }}
QListWidget#palette::item:disabled {{ color: {c.muted}; }}
"""
