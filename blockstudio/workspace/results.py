"""What is known of how well a set of parameters does, tied to exactly those parameters.

Results are measured on some parameters (after a run's last epoch, or by an evaluation) and
carry a fingerprint of the network they describe: its blocks and their settings, and the exact
values. Whether they still describe the network is a comparison of fingerprints, so any edit
that changes what the network computes (a value, an activation) makes them stale, and an undo
that restores the very same network makes them current again.

>>> r = Results(test_accuracy=0.9422, train_accuracy=0.93, train_loss=0.37, epochs=1, fingerprint="ab")
>>> r.to_dict()["test_accuracy"]
0.9422
"""

import hashlib
import math
from dataclasses import asdict, dataclass, fields


def fingerprint(net):
    """A short hash of what the network computes: its blocks as printed (kinds and every setting,
    an activation too) and every parameter's name, shape and exact bytes (None if any has no value)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr(net).encode())
    for name, param in net._collect_params_with_prefix().items():
        if param._data is None:
            return None
        array = param._data._data
        digest.update(f"{name}{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes(order="A"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Results:
    """Metrics of one set of parameters. ``None`` for what was not measured."""

    test_accuracy: float | None = None
    train_accuracy: float | None = None
    train_loss: float | None = None
    test_loss: float | None = None
    validation_accuracy: float | None = None   # on the images the run held out of the training set
    validation_loss: float | None = None
    epochs: int | None = None          # epochs of training behind these parameters, when known
    source: str = "training"           # "training" or "evaluation"
    fingerprint: str | None = None

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data, where="the project"):
        """Results from a project file's ``"results"`` object; raises ValueError naming the field."""
        if not isinstance(data, dict):
            raise ValueError(f'"results" in {where} must be an object (got {type(data).__name__})')
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f'"results" in {where} has unknown field {unknown[0]!r}')
        clean = {}
        for name in ("test_accuracy", "train_accuracy", "train_loss", "test_loss", "validation_accuracy",
                     "validation_loss"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value)):
                raise ValueError(f'"results.{name}" in {where} must be a number (got {value!r})')
            clean[name] = None if value is None else float(value)
        epochs = data.get("epochs")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0):
            raise ValueError(f'"results.epochs" in {where} must be a whole number (got {epochs!r})')
        for name in ("source", "fingerprint"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f'"results.{name}" in {where} must be text (got {value!r})')
        return cls(epochs=epochs, source=data.get("source") or "training",
                   fingerprint=data.get("fingerprint"), **clean)

    def summary(self):
        """One line, e.g. ``test accuracy 94.22 % · train accuracy 93.10 % · train loss 0.3732``."""
        parts = []
        if self.test_accuracy is not None:
            parts.append(f"test accuracy {self.test_accuracy:.2%}")
        if self.validation_accuracy is not None:
            parts.append(f"validation accuracy {self.validation_accuracy:.2%}")
        if self.train_accuracy is not None:
            parts.append(f"train accuracy {self.train_accuracy:.2%}")
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4f}")
        if self.test_loss is not None:
            parts.append(f"test loss {self.test_loss:.4f}")
        return " · ".join(parts)
