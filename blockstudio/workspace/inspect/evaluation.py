"""Evaluate a network on a labelled set: loss, accuracy, per-class figures, the confusion matrix.

``evaluate`` runs the real core network (any composed ``nn.Sequential``) over the images in
chunks, in inference mode (Dropout off, nothing recorded), and keeps every prediction and its
confidence, so the mistakes of any confusion cell can be listed afterwards without running
the network again.

>>> result = evaluate(ws.network, split.images, split.labels)      # doctest: +SKIP
>>> result.accuracy, result.confusion[3, 5]                        # doctest: +SKIP
(0.9422, 17)
>>> mistakes(result, true=3, predicted=5)[:3]                      # doctest: +SKIP
array([2927, 1393, 4451])
"""

from dataclasses import dataclass

import numpy as np

from blockstudio.workspace.inspect.data import network_input, takes_channels_first

CHUNK = 2000  # images per forward pass: big enough to amortise Python, small enough for the cache
CONV_CHUNK = 500  # a Conv2D's unfolded input is ~600 values per pixel-image: 2000 ran 1.5-3x slower


def chunk_for(net):
    """Images per forward pass for ``net``: fewer for a convolutional network."""
    return CONV_CHUNK if takes_channels_first(net) else CHUNK


@dataclass
class Evaluation:
    """What one evaluation measured. Rows of ``confusion`` are true classes, columns predictions."""

    n: int
    loss: float
    accuracy: float
    confusion: np.ndarray      # (C, C) int64
    labels: np.ndarray         # (N,) true class of each image
    predicted: np.ndarray      # (N,) argmax class
    confidence: np.ndarray     # (N,) softmax probability of the predicted class

    @property
    def num_classes(self):
        return self.confusion.shape[0]

    @property
    def count(self):
        """Images of each true class."""
        return self.confusion.sum(axis=1)

    @property
    def recall(self):
        """Per class: correct / images of that class (NaN for a class with no images)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / self.confusion.sum(axis=1)

    @property
    def precision(self):
        """Per class: correct / images predicted as that class (NaN when never predicted)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / self.confusion.sum(axis=0)

    def to_dict(self):
        """The JSON form ``blockstudio evaluate --json`` prints (NaN becomes null)."""
        def number(value):
            return None if not np.isfinite(value) else round(float(value), 6)

        return {
            "n": int(self.n),
            "accuracy": number(self.accuracy),
            "loss": number(self.loss),
            "confusion": self.confusion.astype(int).tolist(),
            "per_class": [{"class": c, "precision": number(p), "recall": number(r), "count": int(k)}
                          for c, (p, r, k) in enumerate(zip(self.precision, self.recall, self.count))],
        }

    def table(self, class_names=None):
        """A readable report: the totals, a per-class table and the confusion matrix."""
        names = [str(c) for c in range(self.num_classes)] if class_names is None else list(class_names)
        width = max(5, max(len(n) for n in names))
        lines = [f"{self.n} images: accuracy {self.accuracy:.2%}, mean loss {self.loss:.4f}", ""]
        lines.append(f"{'class':>{width}}  precision  recall   count")
        for name, p, r, k in zip(names, self.precision, self.recall, self.count):
            lines.append(f"{name:>{width}}  {_pct(p):>9}  {_pct(r):>6}  {int(k):>6}")
        lines += ["", "confusion matrix (rows: true class, columns: predicted)"]
        cell = max(5, len(str(int(self.confusion.max(initial=0)))) + 1)
        lines.append(" " * width + "".join(f"{c:>{cell}}" for c in range(self.num_classes)))
        for name, row in zip(names, self.confusion):
            lines.append(f"{name:>{width}}" + "".join(f"{int(v):>{cell}}" for v in row))
        return "\n".join(lines)


def _pct(value):
    return "-" if not np.isfinite(value) else f"{value:.2%}"


def forward(net, images, chunk=None):
    """The network's raw outputs for uint8 or float images (N, 28, 28, 1), in inference mode,
    chunk by chunk; a network with a Conv2D gets them channels first, as it was trained."""
    from blockstudio.core import autograd
    from blockstudio.core.ndarray import NDArray

    chunk = chunk or chunk_for(net)
    outputs = []
    with autograd.pause():  # not recorded, Dropout off: also when called inside a record() block
        for start in range(0, len(images), chunk):
            out = net(NDArray(network_input(net, images[start:start + chunk])))
            outputs.append(out._data)
    if not outputs:
        return np.zeros((0, 0), np.float32)
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)


def log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def evaluate(net, images, labels, num_classes=10, chunk=None):
    """Run ``net`` over ``images`` and score it against ``labels``; returns an ``Evaluation``.

    The loss is the mean softmax cross-entropy (the training loss). Raises ValueError when the
    network's output is not one score per class.
    """
    labels = np.asarray(labels).astype(np.int64, copy=False)
    if len(images) == 0:
        raise ValueError("Nothing to evaluate: the data set is empty.")
    logits = forward(net, images, chunk)
    if logits.ndim != 2 or logits.shape[1] != num_classes:
        raise ValueError(f"The network must output {num_classes} scores per image (a Dense({num_classes}) "
                         f"at the bottom); it outputs shape {tuple(logits.shape[1:])}.")
    return score(logits, labels, num_classes)


def score(logits, labels, num_classes=10):
    """An ``Evaluation`` from raw outputs (N, C) and true labels (N,)."""
    logp = log_softmax(logits.astype(np.float64, copy=False))
    predicted = logp.argmax(axis=1)
    rows = np.arange(len(labels))
    loss = float(-logp[rows, labels].mean())
    confidence = np.exp(logp[rows, predicted])
    confusion = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    confusion = confusion.reshape(num_classes, num_classes)
    accuracy = float(np.trace(confusion) / len(labels))
    return Evaluation(len(labels), loss, accuracy, confusion, labels, predicted, confidence)


def mistakes(evaluation, true, predicted):
    """Indices of the images of class ``true`` predicted as ``predicted``, most confident first.

    On the diagonal (``true == predicted``) these are the correct ones, most confident first.
    """
    hits = np.flatnonzero((evaluation.labels == true) & (evaluation.predicted == predicted))
    order = np.argsort(-evaluation.confidence[hits], kind="stable")
    return hits[order]
