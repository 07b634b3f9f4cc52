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

RESOURCES = Path(__file__).resolve().parent / "resources"

ACCENT = "#2563eb"
TEXT = "#0f172a"
MUTED = "#64748b"
BORDER = "#cbd5e1"
CANVAS_BG = "#eef2f7"
CARD_BG = "#ffffff"
UNKNOWN_FG = "#b45309"  # amber: a dimension the engine will infer from the first batch
UNKNOWN_BG = "#fde68a"
ERROR_FG = "#dc2626"
ERROR_BG = "#fef2f2"
OK_FG = "#15803d"

# The input and output nodes are not layers; every layer kind declares its own colour.
KIND_COLORS = {"Input": "#475569", "Output": "#475569"}


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
    from blockstudio.workspace.layers import KINDS
    return KINDS[kind].color if kind in KINDS else KIND_COLORS.get(kind, MUTED)


def shape_html(shape) -> str:
    """Render a shape tuple as Python prints it, with unknown (0) dimensions highlighted.

    >>> shape_html((128, 784))
    '(128, 784)'
    """
    if shape is None:
        return f'<span style="color:{MUTED}">?</span>'
    dims = []
    for dim in shape:
        if dim == 0:
            dims.append(
                f'<span style="color:{UNKNOWN_FG}; background-color:{UNKNOWN_BG}; '
                f'font-weight:700">0</span>'
            )
        else:
            dims.append(str(dim))
    inner = ", ".join(dims)
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
    painter.setPen(QColor("white"))
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


STYLESHEET = f"""
QLabel#errorLabel {{ color: {ERROR_FG}; }}
QLabel#hintLabel {{ color: {MUTED}; }}
QLabel#sectionTitle {{ font-weight: 600; font-size: 13pt; color: {TEXT}; }}
QLabel#lockBanner {{
    background: #fef3c7; color: #78350f; border: 1px solid #fcd34d;
    border-radius: 4px; padding: 6px 8px;
}}
QListWidget#palette {{ border: none; background: transparent; outline: 0; }}
QListWidget#palette::item {{
    border: 1px solid {BORDER}; border-radius: 6px; background: white;
    padding: 6px; margin: 3px 6px;
}}
QListWidget#palette::item:hover {{ border-color: {ACCENT}; }}
QListWidget#palette::item:selected {{ border-color: {ACCENT}; color: {TEXT}; background: white; }}
"""
