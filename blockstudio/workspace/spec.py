"""What a network and its training are, as plain data: layer kinds, their settings, and the checks.

A ``NetworkSpec`` is the editable description; ``build_network`` turns it into a real
blockstudio.core ``nn.Sequential`` exactly the way the tutorial builds ``net1``.

>>> spec = NetworkSpec(layers=[LayerSpec("a", "Dense", default_settings("Dense"))])
>>> spec.layers[0].settings["units"]
128
>>> validate_setting("Dense", "units", 0)
Traceback (most recent call last):
...
blockstudio.workspace.errors.SettingError: units must be a whole number of at least 1 (got 0)
"""

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

from blockstudio.workspace.errors import SettingError

from blockstudio.workspace.layers import ACTIVATIONS, KINDS, NO_ACTIVATION, kind as layer_kind  # noqa: F401

LAYER_KINDS = tuple(KINDS)

DEFAULT_INPUT_SHAPE = (64, 28, 28, 1)
OPTIMIZERS = ("sgd", "adam")
INITIALIZERS = ("xavier", "uniform", "normal")
DATASETS = ("mnist", "fashion-mnist")
# Images a validation split may hold out of the 60,000 training images (MNIST and Fashion-MNIST
# alike): at most this many, so that at least 10,000 are left to train on.
MAX_VALIDATION = 50000

@dataclass
class LayerSpec:
    """One layer: a stable ``uid`` (for views and undo), its ``kind`` and its ``settings`` dict."""

    uid: str
    kind: str
    settings: dict

    def copy(self, uid=None):
        return LayerSpec(uid or self.uid, self.kind, dict(self.settings))


@dataclass
class TrainingSettings:
    """How to train: the values the exported script and ``blockstudio train`` use too."""

    epochs: int = 1
    batch_size: int = 64
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0
    initializer: str = "xavier"
    init_magnitude: float = 2.24
    init_scale: float = 0.07
    seed: int = 42
    dataset: str = "mnist"
    data_dir: str | None = None
    # Training images held out (chosen by the seed) to measure each epoch on; 0: no validation.
    validation: int = 5000
    # Early stopping: end the run after this many epochs without a better validation accuracy; 0: off.
    patience: int = 0

    def replace(self, **fields):
        """A validated copy with ``fields`` changed; raises SettingError and changes nothing on error."""
        clean = {name: coerce_training_setting(name, value) for name, value in fields.items()}
        result = dataclasses.replace(self, **clean)
        if result.patience and not result.validation:
            # Early stopping watches the validation accuracy: without a split it would watch nothing.
            name = "patience" if "patience" in clean else "validation"
            raise SettingError(name, "early stopping (patience above 0) needs a validation split: set "
                                     "validation to a number of images, or patience to 0")
        return result

    def to_dict(self):
        return dataclasses.asdict(self)


TRAINING_FIELDS = tuple(f.name for f in dataclasses.fields(TrainingSettings))


@dataclass
class NetworkSpec:
    """The whole editable network: the input's shape (batch first) and the ordered layers."""

    input_shape: tuple = DEFAULT_INPUT_SHAPE
    layers: list = field(default_factory=list)


def default_settings(kind):
    """A fresh dict of ``kind``'s default settings (Dense: 128 units, relu)."""
    return layer_kind(kind).defaults()


def validate_setting(kind, field, value):
    """Return None if ``value`` is acceptable for ``kind``'s ``field``; else raise SettingError."""
    coerce_setting(kind, field, value)


def coerce_setting(kind, field, value):
    """The value as stored (``1`` -> ``1.0`` for a rate, ``"linear"`` -> None); raises SettingError."""
    return layer_kind(kind).coerce(field, value)


def coerce_settings(kind, settings):
    """Check a whole settings dict, filling unspecified fields with defaults."""
    return layer_kind(kind).coerce_all(settings)


def coerce_input_shape(shape):
    """The input shape as a tuple of whole numbers >= 1, batch first; raises SettingError."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise SettingError("input_shape", f"the input shape must be a list of sizes, batch first (got {shape!r})") from None
    if len(dims) < 2:
        raise SettingError("input_shape", f"the input shape needs a batch size and at least one more size, "
                                          f"e.g. (64, 28, 28, 1) (got {dims!r})")
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 1:
            raise SettingError("input_shape", f"every size in the input shape must be a whole number of at "
                                              f"least 1 (got {dims!r})")
    return tuple(int(d) for d in dims)


def coerce_training_setting(name, value):
    """A training setting as stored; raises SettingError naming the field."""
    if name == "epochs":
        return _whole(name, value, minimum=1)
    if name == "batch_size":
        return _whole(name, value, minimum=1, label="batch size")
    if name == "seed":
        seed = _whole(name, value, minimum=0)
        if seed >= 2 ** 32:
            raise SettingError(name, f"seed must be below 2**32 (got {value!r})")
        return seed
    if name == "validation":
        count = _whole(name, value, minimum=0)
        if count > MAX_VALIDATION:
            raise SettingError(name, f"validation must be at most {MAX_VALIDATION} of the 60000 training "
                                     f"images, leaving the rest to train on (got {value!r})")
        return count
    if name == "patience":
        return _whole(name, value, minimum=0, hint=" (0 turns early stopping off)")
    if name in ("learning_rate", "init_magnitude", "init_scale"):
        number = _real(name, value)
        if not number > 0:
            raise SettingError(name, f"{name.replace('_', ' ')} must be above 0 (got {value!r})")
        return number
    if name == "weight_decay":
        number = _real(name, value)
        if number < 0:
            raise SettingError(name, f"weight decay must be 0 or more (got {value!r})")
        return number
    if name == "momentum":
        number = _real(name, value)
        if not 0.0 <= number < 1.0:
            raise SettingError(name, f"momentum must be at least 0 and below 1 (got {value!r})")
        return number
    choices = {"optimizer": OPTIMIZERS, "initializer": INITIALIZERS, "dataset": DATASETS}
    if name in choices:
        if value not in choices[name]:
            raise SettingError(name, f"{name} must be one of {', '.join(choices[name])} (got {value!r})")
        return value
    if name == "data_dir":
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise SettingError(name, f"data_dir must be a folder path or empty (got {value!r})")
        return value
    raise SettingError(name, f"there is no training setting '{name}' (settings: {', '.join(TRAINING_FIELDS)})")


def layer_title(kind, settings):
    """A short label, e.g. ``Dense(128, relu)``, ``Dropout(0.5)``, ``Flatten()``."""
    return layer_kind(kind).title(settings)


def build_block(layer):
    """The core block for one LayerSpec (call inside the parent's ``name_scope()``)."""
    return layer_kind(layer.kind).build(layer.settings)


def build_network(spec, prefix="sequential0_"):
    """A core ``nn.Sequential`` of ``spec.layers``, built as the tutorial builds ``net1``.

    The fixed ``prefix`` keeps parameter names stable however many times the app rebuilds
    (``sequential0_dense0_weight``), matching a fresh script's first network.

    >>> net = build_network(NetworkSpec(layers=[LayerSpec("a", "Dense", default_settings("Dense"))]))
    >>> list(net.collect_params().keys())
    ['sequential0_dense0_weight', 'sequential0_dense0_bias']
    """
    from blockstudio.core.gluon import nn

    net = nn.Sequential(prefix=prefix)
    with net.name_scope():
        for layer in spec.layers:
            net.add(build_block(layer))
    return net


def _whole(name, value, minimum, hint="", label=None):
    label = label or name
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise SettingError(name, f"{label} must be a whole number of at least {minimum}{hint} (got {value!r})")
    return int(value)


def _real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise SettingError(name, f"{name.replace('_', ' ')} must be a number (got {value!r})")
    return float(value)
