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
    color: str                 # stripe, title and icon on a light background (contrast >= 4.5 on white)
    dark_color: str            # the same on a dark background
    help: str
    settings: tuple = field(default=())
    block: str = ""            # the gluon.nn class name, e.g. "Dense"
    note: str = ""             # extra text shown under the settings (e.g. Flatten's shape rule)
    channels_first: bool = False  # takes (N, C, H, W): images reach the network channels first

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

    def param_count(self, settings, in_shape):
        """How many values the layer's parameters hold for this input (plain integers: used to
        refuse a network too large before anything is built)."""
        return 0

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

    def param_count(self, s, in_shape):
        inputs = s["in_units"] or self.param_input(s, in_shape)
        return s["units"] * inputs + (s["units"] if s["use_bias"] else 0)

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


def _window(size, kernel, stride, padding, dilation=1, ceil=False):
    """Gluon's output size of a sliding window along one axis."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    return (-(-span // stride) if ceil else span // stride) + 1


class _Conv2D(LayerKind):
    def param_input(self, settings, in_shape):
        return in_shape[1] if len(in_shape) == 4 else tuple(in_shape[1:])

    def param_count(self, s, in_shape):
        inputs = s["in_channels"] or (in_shape[1] if len(in_shape) > 1 else 1)
        per_filter = max(inputs // s["groups"], 1) * s["kernel_size"] ** 2
        return s["channels"] * per_filter + (s["channels"] if s["use_bias"] else 0)

    def output_shape(self, s, in_shape):
        if len(in_shape) != 4:
            return (in_shape[0], s["channels"])
        n, _, h, w = in_shape
        k, st, p, d = s["kernel_size"], s["strides"], s["padding"], s["dilation"]
        return (n, s["channels"], _window(h, k, st, p, d), _window(w, k, st, p, d))

    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.Conv2D(s["channels"], s["kernel_size"], strides=s["strides"], padding=s["padding"],
                         dilation=s["dilation"], groups=s["groups"], activation=s["activation"],
                         use_bias=s["use_bias"], in_channels=s["in_channels"])

    def title(self, s):
        parts = [str(s["channels"]), f"{s['kernel_size']}x{s['kernel_size']}"]
        if s["activation"]:
            parts.append(s["activation"])
        parts += [f"{name}={s[name]}" for name in ("strides", "padding", "dilation", "groups")
                  if s[name] != self.setting(name).default]
        return f"Conv2D({', '.join(parts)})"


class _Pool2D(LayerKind):
    def output_shape(self, s, in_shape):
        if len(in_shape) != 4:
            return tuple(in_shape)
        n, c, h, w = in_shape
        k, p = s["pool_size"], s["padding"]
        st = s["strides"] or k
        ceil = s.get("ceil_mode", False)
        return (n, c, _window(h, k, st, p, ceil=ceil), _window(w, k, st, p, ceil=ceil))

    def build(self, s):
        from blockstudio.core.gluon import nn
        extra = {"count_include_pad": s["count_include_pad"]} if "count_include_pad" in s else {}
        return getattr(nn, self.name)(s["pool_size"], strides=s["strides"] or None, padding=s["padding"],
                                      ceil_mode=s["ceil_mode"], **extra)

    def card_items(self, s):
        items = super().card_items(s)
        return [(name, f"{s['pool_size']} (pool size)" if name == "strides" and not s["strides"] else value, note)
                for name, value, note in items]

    def title(self, s):
        stride = f", strides={s['strides']}" if s["strides"] and s["strides"] != s["pool_size"] else ""
        return f"{self.name}({s['pool_size']}x{s['pool_size']}{stride})"


class _GlobalPool2D(LayerKind):
    def output_shape(self, s, in_shape):
        return tuple(in_shape[:2]) + (1, 1) if len(in_shape) == 4 else tuple(in_shape)

    def build(self, s):
        from blockstudio.core.gluon import nn
        return getattr(nn, self.name)()


class _BatchNorm(LayerKind):
    def param_input(self, settings, in_shape):
        return in_shape[1] if len(in_shape) > 1 else None

    def param_count(self, s, in_shape):
        return 4 * (s["in_channels"] or (in_shape[1] if len(in_shape) > 1 else 1))

    def build(self, s):
        from blockstudio.core.gluon import nn
        return nn.BatchNorm(momentum=s["momentum"], epsilon=s["epsilon"], center=s["center"],
                            scale=s["scale"], in_channels=s["in_channels"])


def _pool_settings(average):
    settings = (
        Setting("pool_size", 2, "int", "Size of the square pooling window.", whole("pool_size", 1),
                code="always"),
        Setting("strides", 0, "int", "Step of the window; 0 means the pool size (Gluon's strides=None).",
                whole("strides", 0, hint=" (0 means: the pool size)")),
        Setting("padding", 0, "int", "Zeros added on every side before pooling.", whole("padding", 0)),
        Setting("ceil_mode", False, "bool", "Round the output size up instead of down.", boolean("ceil_mode")),
    )
    if average:
        settings += (Setting("count_include_pad", True, "bool",
                             "Count the padding zeros in each window's average.", boolean("count_include_pad")),)
    return settings


CONV2D = _Conv2D(
    "Conv2D", badge="C", color="#b91c1c", dark_color="#fb8a8a", channels_first=True,
    help="2-d convolution: each of the channels slides a kernel_size x kernel_size filter over the "
         "image (NCHW)",
    settings=(
        Setting("channels", 20, "int", "Number of filters, the output's channels: Conv2D(channels).",
                whole("channels", 1), shapes=True, code="always"),
        Setting("kernel_size", 5, "int", "Height and width of each filter.", whole("kernel_size", 1),
                shapes=True, code="always"),
        Setting("strides", 1, "int", "Step of the filter across the image.", whole("strides", 1)),
        Setting("padding", 0, "int", "Zeros added on every side of the image.", whole("padding", 0)),
        Setting("dilation", 1, "int", "Spacing between the filter's taps.", whole("dilation", 1)),
        Setting("groups", 1, "int", "Split the channels into this many independent groups.",
                whole("groups", 1), shapes=True),
        Setting("activation", "relu", "choice", "Activation applied to the output (None: linear).",
                activation("activation", optional=True), choices=tuple(activation_choices(True)),
                api_default=None),
        Setting("use_bias", True, "bool", "Whether the layer adds a bias per channel.",
                boolean("use_bias"), shapes=True),
        Setting("in_channels", 0, "int", "Channels of the input. 0 lets the engine infer it from the first batch.",
                whole("in_channels", 0, hint=" (0 means: infer from the first batch)"), shapes=True),
    ))

MAXPOOL2D = _Pool2D(
    "MaxPool2D", badge="M", color="#c2410c", dark_color="#fdab6d", channels_first=True,
    help="Max pooling: the largest value of each pool_size x pool_size window, per channel",
    settings=_pool_settings(average=False))

AVGPOOL2D = _Pool2D(
    "AvgPool2D", badge="Av", color="#a16207", dark_color="#f3c64f", channels_first=True,
    help="Average pooling: the mean of each pool_size x pool_size window, per channel",
    settings=_pool_settings(average=True))

GLOBALMAXPOOL2D = _GlobalPool2D(
    "GlobalMaxPool2D", badge="GM", color="#9a3412", dark_color="#fb9b66", channels_first=True,
    help="The largest value of each whole channel: (N, C, H, W) becomes (N, C, 1, 1)")

GLOBALAVGPOOL2D = _GlobalPool2D(
    "GlobalAvgPool2D", badge="GA", color="#854d0e", dark_color="#e6b96a", channels_first=True,
    help="The mean of each whole channel: (N, C, H, W) becomes (N, C, 1, 1)")

BATCHNORM = _BatchNorm(
    "BatchNorm", badge="BN", color="#be185d", dark_color="#f68ac0",
    help="Batch normalisation along the channels (axis 1): the batch's statistics while training, "
         "running ones when predicting",
    settings=(
        Setting("momentum", 0.9, "float", "How much of the running statistics each batch keeps, in [0, 1).",
                real("momentum", 0.0, 1.0, "momentum must be at least 0 and below 1")),
        Setting("epsilon", 1e-5, "float", "Added to the variance to avoid dividing by zero.",
                real("epsilon", 1e-12, None, "epsilon must be above 0")),
        Setting("center", True, "bool", "Learn a shift (beta).", boolean("center")),
        Setting("scale", True, "bool", "Learn a scale (gamma).", boolean("scale")),
        Setting("in_channels", 0, "int", "Channels of the input. 0 lets the engine infer it from the first batch.",
                whole("in_channels", 0, hint=" (0 means: infer from the first batch)"), shapes=True),
    ))


DENSE = _Dense(
    "Dense", badge="D", color="#1d4ed8", dark_color="#7cb4fb",
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
    "Activation", badge="A", color="#15803d", dark_color="#5fd38a",
    help="Applies an activation function (relu, sigmoid, tanh, ...) element-wise",
    settings=(Setting("activation", "relu", "choice", "The function applied to every value.",
                      activation("activation", optional=False), choices=tuple(activation_choices(False)),
                      code="always"),))

DROPOUT = _Dropout(
    "Dropout", badge="Dr", color="#7e22ce", dark_color="#c9a0fc",
    help="Randomly zeroes a fraction of its inputs while training (identity at test time)",
    settings=(Setting("rate", 0.5, "float", "Fraction of the inputs set to zero while training, in [0, 1).",
                      real("rate", 0.0, 1.0, "rate must be at least 0 and below 1"), code="always"),))

FLATTEN = _Flatten(
    "Flatten", badge="F", color="#0e7490", dark_color="#3fd0e6",
    help="Reshapes (batch, d1, d2, ...) into (batch, d1*d2*...)",
    note="(batch, d1, d2, …) becomes (batch, d1·d2·…); Dense already flattens its input "
         "unless flatten=False.")

KINDS = {k.name: k for k in (DENSE, ACTIVATION, DROPOUT, FLATTEN, CONV2D, MAXPOOL2D, AVGPOOL2D,
                              GLOBALMAXPOOL2D, GLOBALAVGPOOL2D, BATCHNORM)}


def channels_first(layers):
    """True when a network of ``layers`` takes images channels first (it has a Conv2D, a pool)."""
    return any(KINDS[layer.kind].channels_first for layer in layers if layer.kind in KINDS)


def kind(name):
    """The LayerKind called ``name``; raises SettingError naming the known kinds."""
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise SettingError("kind", f"unknown layer type {name!r}; choose one of {', '.join(KINDS)}") from None
