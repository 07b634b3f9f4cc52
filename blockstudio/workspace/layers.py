"""Layer kinds, each declared once: settings, the core block, the shape rule, labels and code.

Everything the app knows about a kind of layer lives in one ``LayerKind`` here. The palette,
the inspector, the cards, project files, the shape bookkeeping and the exported script all
read it, so a new kind is one declaration (plus its tests) and nothing else.

>>> DENSE.title({"units": 64, "activation": "relu", "use_bias": True, "in_units": 0, "flatten": True})
'Dense(64, relu)'
>>> DENSE.output_shape(DENSE.defaults(), (64, 28, 28, 1))
(64, 128)
>>> kind("Dropout").code({"rate": 0.5})
'gluon.nn.Dropout(0.5)'
"""

import math
import numbers
from dataclasses import dataclass, field

from blockstudio.workspace.errors import SettingError

# Gluon's nn.Activation names; Dense takes these too, or None for no activation.
ACTIVATIONS = ("relu", "sigmoid", "tanh", "softrelu", "softsign")
# Spellings of "no activation" a view or a file may use for Dense.
NO_ACTIVATION = (None, "linear", "none", "")


# -- settings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One setting of a layer kind, with Gluon's argument name.

    ``type`` tells a form which editor to use ("int", "float", "bool", "choice"); ``coerce``
    turns a value into the stored one or raises SettingError; ``shapes`` says whether the
    setting decides parameter shapes (an edit of such a setting invalidates trained values).
    ``code`` says when the exported script writes it: "always" (positional), "if-set" (a
    keyword, left out at its default).
    """

    name: str
    default: object
    type: str
    help: str
    coerce: object
    choices: tuple = ()
    shapes: bool = False
    code: str = "if-set"
    api_default: object = "same"   # Gluon's own default, when it differs from the app's

    @property
    def gluon_default(self):
        return self.default if self.api_default == "same" else self.api_default


def whole(name, minimum, hint="", label=None):
    """A coerce function for whole numbers of at least ``minimum``."""
    def coerce(value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            raise SettingError(name, f"{label or name} must be a whole number of at least {minimum}{hint} "
                                     f"(got {value!r})")
        return int(value)
    return coerce


def real(name, low=None, high_excl=None, text=None):
    """A coerce function for finite numbers in ``[low, high_excl)``."""
    def coerce(value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise SettingError(name, f"{name.replace('_', ' ')} must be a number (got {value!r})")
        number = float(value)
        if (low is not None and number < low) or (high_excl is not None and number >= high_excl):
            raise SettingError(name, f"{text} (got {value!r})")
        return number
    return coerce


def boolean(name):
    def coerce(value):
        if not isinstance(value, bool):
            raise SettingError(name, f"{name} must be true or false (got {value!r})")
        return value
    return coerce


def activation(name, optional):
    """A coerce function for an activation name; ``optional`` also takes "no activation"."""
    def coerce(value):
        if optional and value in NO_ACTIVATION:
            return None
        if value not in ACTIVATIONS:
            choices = ", ".join(ACTIVATIONS) + (" or none" if optional else "")
            raise SettingError(name, f"activation must be one of {choices} (got {value!r})")
        return value
    return coerce


def activation_choices(optional):
    """``[(label, value)]`` for a form: the activations, with "none (linear)" first if optional."""
    choices = [(name, name) for name in ACTIVATIONS]
    return [("none (linear)", None)] + choices if optional else choices


# -- kinds -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerKind:
    """A kind of layer: its name, badge, colour, help text and settings.

    Subclasses give ``build`` (the core block), ``output_shape`` (Gluon's shape rule, used only
    to tell what an edit affects: shown shapes always come from the core), and may refine
    ``param_input`` (what of the input a parameter's shape depends on), ``title``, ``code``
    and ``card_items``.
    """

    name: str
    badge: str
    color: str
    help: str
    settings: tuple = field(default=())
    block: str = ""            # the gluon.nn class name, e.g. "Dense"
    note: str = ""             # extra text shown under the settings (e.g. Flatten's shape rule)

    # settings ------------------------------------------------------------------------------

    def defaults(self):
        """A fresh dict of the default settings."""
        return {s.name: s.default for s in self.settings}

    def setting(self, name):
        for s in self.settings:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.settings) or "none"
        raise SettingError(name, f"{self.name} has no setting '{name}' (its settings: {known})")

    def coerce(self, name, value):
        """The value as stored (``1`` -> ``1.0`` for a rate); raises SettingError naming the field."""
        return self.setting(name).coerce(value)

    def coerce_all(self, settings):
        """A whole settings dict checked, with unspecified fields at their defaults."""
        result = self.defaults()
        for name, value in settings.items():
            result[name] = self.coerce(name, value)
        return result

    # shapes --------------------------------------------------------------------------------

    def signature(self, settings):
        """The settings that decide parameter shapes: equal signatures, equal shapes."""
        return (self.name,) + tuple(settings[s.name] for s in self.settings if s.shapes)

    def param_input(self, settings, in_shape):
        """What of the input the parameters' shapes depend on (None: nothing, or no parameters)."""
        return None

    def output_shape(self, settings, in_shape):
        return tuple(in_shape)

    def build(self, settings):
        raise NotImplementedError

    # words and code ------------------------------------------------------------------------

    def title(self, settings):
        """A short label, e.g. ``Dropout(0.5)``."""
        shown = [_plain(settings[s.name]) for s in self.settings if s.code == "always"]
        return f"{self.name}({', '.join(shown)})"

    def code_args(self, settings):
        args = []
        for s in self.settings:
            value = settings[s.name]
            if s.code == "always":
                args.append(literal(value))
            elif value != s.gluon_default or type(value) is not type(s.gluon_default):
                args.append(f"{s.name}={literal(value)}")
        return args

    def code(self, settings):
        """The ``gluon.nn`` constructor call the exported script writes (defaults left out)."""
        return f"gluon.nn.{self.block or self.name}({', '.join(self.code_args(settings))})"

    def card_items(self, settings):
        """``[(name, value, note)]`` a card shows; every setting by default."""
        return [(s.name, _plain(settings[s.name]), "") for s in self.settings]


def literal(value):
    """The Python literal for a plain value: None, a bool, an int, a finite float or a str.

    The exported script writes every setting with this. Strings are written in the double
    quotes the tutorial uses, in ASCII, every character that
    is not plain printable ASCII (quotes, backslashes, newlines, non-ASCII, lone surrogates) as
    an escape that Python reads back as exactly that code point. Anything else is refused.
    """
    if isinstance(value, str):
        return '"' + "".join(_escape(ch) for ch in value) + '"'
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(float(value))
    raise ValueError(f"cannot write {value!r} into a script")


_SHORT_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(ch):
    if ch in '"\\':
        return "\\" + ch
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return ch
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    # Not json.dumps: JSON writes U+10000 as a surrogate pair, which Python reads as two characters.
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _plain(value):
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class _Dense(LayerKind):
    def param_input(self, settings, in_shape):
        return math.prod(in_shape[1:]) if settings["flatten"] else in_shape[-1]

    def output_shape(self, settings, in_shape):
        if settings["flatten"]:
            return (in_shape[0], settings["units"])
        return tuple(in_shape[:-1]) + (settings["units"],)

    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.Dense(s["units"], activation=s["activation"], use_bias=s["use_bias"],
                        flatten=s["flatten"], in_units=s["in_units"])

    def title(self, s):
        parts = [str(s["units"])]
        if s.get("activation"):
            parts.append(s["activation"])
        if s.get("in_units"):
            parts.append(f"in_units={s['in_units']}")
        if not s.get("use_bias", True):
            parts.append("no bias")
        if not s.get("flatten", True):
            parts.append("flatten=False")
        return f"Dense({', '.join(parts)})"

    def card_items(self, s):
        items = [("units", str(s["units"]), ""), ("activation", _plain(s["activation"]), ""),
                 ("in_units", str(s["in_units"]), "" if s["in_units"] else "(infer)")]
        if s["use_bias"] is False:
            items.append(("use_bias", "False", ""))
        if s["flatten"] is False:
            items.append(("flatten", "False", ""))
        return items


class _Activation(LayerKind):
    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.Activation(s["activation"])


class _Dropout(LayerKind):
    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.Dropout(s["rate"])


class _Flatten(LayerKind):
    def output_shape(self, settings, in_shape):
        return (in_shape[0], math.prod(in_shape[1:]))

    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.Flatten()

    def card_items(self, s):
        return [("", "", "(batch, d1, d2, …) → (batch, d1·d2·…)")]


DENSE = _Dense(
    "Dense", badge="D", color="#2563eb",
    help="Fully connected layer: output = activation(dot(input, weight.T) + bias)",
    settings=(
        Setting("units", 128, "int", "Dimensionality of the output space: Dense(units).",
                whole("units", 1), shapes=True, code="always"),
        Setting("activation", "relu", "choice", "Activation applied to the output (None: linear).",
                activation("activation", optional=True), choices=tuple(activation_choices(True)),
                api_default=None),
        Setting("use_bias", True, "bool", "Whether the layer adds a bias vector.",
                boolean("use_bias"), shapes=True),
        Setting("flatten", True, "bool",
                "Flatten every axis but the first before the dot product (Gluon's default).",
                boolean("flatten"), shapes=True),
        Setting("in_units", 0, "int", "Size of the input. 0 lets the engine infer it from the first batch.",
                whole("in_units", 0, hint=" (0 means: infer from the first batch)"), shapes=True),
    ))

ACTIVATION = _Activation(
    "Activation", badge="A", color="#16a34a",
    help="Applies an activation function (relu, sigmoid, tanh, ...) element-wise",
    settings=(Setting("activation", "relu", "choice", "The function applied to every value.",
                      activation("activation", optional=False), choices=tuple(activation_choices(False)),
                      code="always"),))

DROPOUT = _Dropout(
    "Dropout", badge="Dr", color="#9333ea",
    help="Randomly zeroes a fraction of its inputs while training (identity at test time)",
    settings=(Setting("rate", 0.5, "float", "Fraction of the inputs set to zero while training, in [0, 1).",
                      real("rate", 0.0, 1.0, "rate must be at least 0 and below 1"), code="always"),))

FLATTEN = _Flatten(
    "Flatten", badge="F", color="#0891b2",
    help="Reshapes (batch, d1, d2, ...) into (batch, d1*d2*...)",
    note="(batch, d1, d2, …) becomes (batch, d1·d2·…); Dense already flattens its input "
         "unless flatten=False.")

KINDS = {k.name: k for k in (DENSE, ACTIVATION, DROPOUT, FLATTEN)}


def kind(name):
    """The LayerKind called ``name``; raises SettingError naming the known kinds."""
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise SettingError("kind", f"unknown layer type {name!r}; choose one of {', '.join(KINDS)}") from None
