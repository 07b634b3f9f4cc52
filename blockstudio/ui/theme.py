"""The light and dark colour sets, which one is active, and how it reaches Qt.

Every colour a view paints or writes into rich text comes from the active :class:`Theme`
(``style.MUTED`` and friends read it), and the same set is written into the application's
``QPalette``, so Qt's own widgets (fields, lists, docks, menus) and our cards always agree.
A dark desktop used to get white cards with light-grey text on a dark canvas: the colours
were hard-coded for a light background.

The choice is ``"system"`` (follow the desktop's light or dark preference), ``"light"`` or
``"dark"``; View > Theme sets it and the window keeps it in its settings.

>>> from blockstudio.ui import theme
>>> theme.contrast(theme.LIGHT.text, theme.LIGHT.card_bg) > 4.5
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

CHOICES = ("system", "light", "dark")
SETTINGS_KEY = "view/theme"


@dataclass(frozen=True)
class Theme:
    name: str
    window: str  # panels, docks, toolbar
    base: str  # text fields and lists
    text: str  # body text everywhere
    muted: str  # secondary text (argument names, hints): still >= 4.5:1 on cards and panels
    border: str
    canvas_bg: str
    card_bg: str
    hover_border: str
    connector: str  # the arrows between cards
    accent: str
    accent_text: str  # text on an accent background (selected items)
    unknown_fg: str  # a dimension the engine infers from the first batch: the amber 0
    unknown_bg: str
    error_fg: str
    error_bg: str
    ok_fg: str
    banner_fg: str
    banner_bg: str
    banner_border: str
    badge_text: str  # the letter on a palette icon, over the kind's colour
    kinds: dict = field(default_factory=dict)  # Input/Output -> colour; layers: their kind's own
    # Plots: background, axes and text, then one colour per curve.
    plot_bg: str = "#ffffff"
    plot_fg: str = "#334155"
    loss_raw: str = "#bfd6fb"
    loss_smooth: str = "#1d4ed8"
    train: str = "#c2410c"
    test: str = "#15803d"
    valid: str = "#7e22ce"   # validation, beside train and test

    def kind_color(self, kind: str) -> str:
        """The Input and Output nodes' colour from this set; a layer's from its kind's declaration
        (``color`` on light backgrounds, ``dark_color`` on dark ones)."""
        if kind in self.kinds:
            return self.kinds[kind]
        from blockstudio.workspace.layers import KINDS

        declared = KINDS.get(kind)
        if declared is None:
            return self.muted
        return declared.dark_color if self.name == "dark" else declared.color


LIGHT = Theme(
    name="light", window="#eef1f5", base="#ffffff", text="#0f172a", muted="#4b5563",
    border="#cbd5e1", canvas_bg="#e7ecf3", card_bg="#ffffff", hover_border="#94a3b8",
    connector="#7b8797", accent="#1d4ed8", accent_text="#ffffff",
    unknown_fg="#92400e", unknown_bg="#fde68a", error_fg="#b91c1c", error_bg="#fef2f2",
    ok_fg="#15803d", banner_fg="#78350f", banner_bg="#fef3c7", banner_border="#fcd34d",
    badge_text="#ffffff",
    kinds={"Input": "#475569", "Output": "#475569"},
)

DARK = Theme(
    name="dark", window="#23272f", base="#31363f", text="#e6e9ef", muted="#a7b0be",
    border="#434b59", canvas_bg="#16191e", card_bg="#262b34", hover_border="#6b7585",
    connector="#7c8696", accent="#60a5fa", accent_text="#0b1220",
    unknown_fg="#fcd34d", unknown_bg="#4a3206", error_fg="#fca5a5", error_bg="#3a2024",
    ok_fg="#4ade80", banner_fg="#fde68a", banner_bg="#3d2f0c", banner_border="#a16207",
    badge_text="#111318",
    kinds={"Input": "#a7b0be", "Output": "#a7b0be"},
    plot_bg="#1a1d23", plot_fg="#c9d0da", loss_raw="#3d5a85", loss_smooth="#7cb4fb",
    train="#fb923c", test="#5fd38a", valid="#c9a0fc",
)

THEMES = {"light": LIGHT, "dark": DARK}

_active = LIGHT
_choice = "system"
_system_palette = None  # the desktop's palette, captured before ours replaces it


def current() -> Theme:
    """The colour set in use now."""
    return _active


def choice() -> str:
    """What the user chose: ``"system"``, ``"light"`` or ``"dark"``."""
    return _choice


# -- WCAG contrast --------------------------------------------------------------------------
def _channel(c: float) -> float:
    c /= 255.0
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color) -> float:
    """WCAG 2 relative luminance of a colour (``"#rrggbb"`` or a ``QColor``)."""
    c = QColor(color)
    return 0.2126 * _channel(c.red()) + 0.7152 * _channel(c.green()) + 0.0722 * _channel(c.blue())


def contrast(foreground, background) -> float:
    """WCAG 2 contrast ratio, 1 to 21; body text needs at least 4.5."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# -- the system's preference ----------------------------------------------------------------
def capture_system_palette(app) -> None:
    """Remember the desktop's palette (call before the first :func:`apply`)."""
    global _system_palette
    if _system_palette is None:
        _system_palette = QPalette(app.palette())


def system_prefers_dark() -> bool:
    """The desktop's light/dark preference: Qt's colour scheme, else its palette's lightness."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", lambda: None)()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    palette = _system_palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def resolve(choice_: str) -> Theme:
    if choice_ not in CHOICES:
        raise ValueError(f"unknown theme {choice_!r}: expected one of {', '.join(CHOICES)}")
    if choice_ == "system":
        return DARK if system_prefers_dark() else LIGHT
    return THEMES[choice_]


# -- into Qt --------------------------------------------------------------------------------
def palette_for(theme: Theme) -> QPalette:
    """The QPalette of a theme: what Fusion draws fields, buttons, lists and menus with."""
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    p = QPalette()
    window, base, text = QColor(theme.window), QColor(theme.base), QColor(theme.text)
    dark = theme.name == "dark"
    button = window.lighter(118) if dark else QColor("#f8fafc")
    roles = {
        R.Window: window, R.WindowText: text, R.Base: base,
        R.AlternateBase: base.lighter(112) if dark else QColor("#f1f5f9"),
        R.Text: text, R.Button: button, R.ButtonText: text, R.BrightText: QColor(theme.error_fg),
        R.Highlight: QColor(theme.accent), R.HighlightedText: QColor(theme.accent_text),
        R.ToolTipBase: QColor(theme.card_bg), R.ToolTipText: text,
        R.PlaceholderText: QColor(theme.muted), R.Link: QColor(theme.accent),
        R.LinkVisited: QColor(theme.accent),
        R.Light: button.lighter(130), R.Midlight: button.lighter(110),
        R.Mid: QColor(theme.border), R.Dark: QColor(theme.border).darker(130),
        R.Shadow: QColor("#000000"),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    disabled = QColor(theme.muted)
    disabled.setAlpha(170)
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, disabled)
    p.setColor(G.Disabled, R.Base, window)
    p.setColor(G.Disabled, R.Button, window)
    return p


class _Notifier(QObject):
    changed = Signal(object)  # the new Theme


_notifier = None


def notifier() -> _Notifier:
    """Emits ``changed(theme)`` after :func:`apply` switched the colours; views re-render."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


def apply(app, choice_: str = "system", force: bool = False) -> Theme:
    """Make ``choice_`` the active theme: palette, style sheet and every view (via the notifier)."""
    global _active, _choice
    from blockstudio.ui import style

    capture_system_palette(app)
    theme = resolve(choice_)
    _choice = choice_
    if theme is _active and not force and getattr(app, "_blockstudio_theme", None) == theme.name:
        return theme
    _active = theme
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style.stylesheet())
    app._blockstudio_theme = theme.name
    notifier().changed.emit(theme)
    return theme


def follow_system(app) -> None:
    """Re-apply "system" when the desktop switches between light and dark."""
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is not None and not getattr(app, "_blockstudio_follows", False):
        signal.connect(lambda _scheme: _choice == "system" and apply(app, "system"))
        app._blockstudio_follows = True
