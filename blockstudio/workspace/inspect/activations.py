"""One image through the network, layer by layer: what each layer outputs, and the prediction.

The children of the ``nn.Sequential`` run one at a time on a batch of one, so every layer's
output is seen exactly as the network computes it (a Dense with ``activation="relu"`` shows
its output after the ReLU; its exact zeros are the units that stayed silent).

>>> trace = trace_sample(ws.network, image)           # image: (28, 28) or (28, 28, 1)
>>> [layer.title for layer in trace.layers]           # doctest: +SKIP
['Dense(128, relu)', 'Dense(64, relu)', 'Dense(10)']
>>> trace.top(3)                                      # doctest: +SKIP
[(7, 0.991), (3, 0.004), (9, 0.002)]
"""

from dataclasses import dataclass

import numpy as np

from blockstudio.workspace.inspect.data import network_input

MAP_ASPECT = 16.0  # a grid of feature maps about as wide as a row of the trace is: 16 times its height


@dataclass
class LayerOutput:
    index: int
    title: str           # e.g. "Dense(128, relu)"
    values: np.ndarray   # the layer's output for the one image, flattened
    shape: tuple         # its shape without the batch axis
    relu: bool           # ends in a ReLU: zeros are silent units

    @property
    def maps(self):
        """The output as feature maps (channels, height, width) when it is one (a Conv2D's,
        a pooling layer's, a BatchNorm's on NCHW data); None for a vector or 1x1 maps."""
        if len(self.shape) == 3 and self.shape[1] * self.shape[2] > 1:
            return self.values.reshape(self.shape)
        return None


def grid_columns(count, tile_height=1, tile_width=1, aspect=MAP_ASPECT, gap=1):
    """How many tiles across a grid of ``count`` tiles should be for the grid's width over height
    to come closest to ``aspect`` (in ratio), with no more columns than the rows need."""
    if count <= 0:
        return 1
    best_rows, best_miss = 1, None
    for rows in range(1, count + 1):
        columns = -(-count // rows)
        ratio = columns * (tile_width + gap) / (rows * (tile_height + gap))
        miss = abs(np.log(ratio / aspect))
        if best_miss is None or miss < best_miss:
            best_rows, best_miss = rows, miss
    return -(-count // best_rows)


@dataclass
class Trace:
    layers: list
    probabilities: np.ndarray | None   # softmax of the last output when it has 10 scores, else None

    def top(self, k=3):
        """The ``k`` most probable classes as ``(class, probability)``, most probable first."""
        if self.probabilities is None:
            return []
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(c), float(self.probabilities[c])) for c in order]


def _size(pair):
    return f"{pair[0]}" if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def block_title(block):
    """A short name for a layer: ``Dense(128, relu)``, ``Conv2D(20, 5, relu)``, ``MaxPool2D(2)``,
    ``Activation(tanh)``, ``Dropout(0.5)``."""
    kind = type(block).__name__
    if kind in ("Dense", "Conv2D"):
        act = block.act._act_type if block.act is not None else None
        size = block._units if kind == "Dense" else f"{block._channels}, {_size(block._kwargs['kernel'])}"
        return f"{kind}({size}{', ' + act if act else ''})"
    if kind in ("MaxPool2D", "AvgPool2D"):
        return f"{kind}({_size(block._kwargs['kernel'])})"
    if kind == "Activation":
        return f"Activation({block._act_type})"
    if kind == "Dropout":
        return f"Dropout({block._rate:g})"
    return kind


def ends_in_relu(block):
    kind = type(block).__name__
    if kind in ("Dense", "Conv2D"):
        return block.act is not None and block.act._act_type == "relu"
    return kind == "Activation" and block._act_type == "relu"


def softmax(scores):
    shifted = np.asarray(scores, dtype=np.float64) - np.max(scores)
    e = np.exp(shifted)
    return e / e.sum()


def trace_sample(net, image, num_classes=10):
    """Every layer's output for one image (uint8 or float, (28, 28) or (28, 28, 1)); a network
    with a Conv2D gets it channels first, (1, 1, 28, 28), as it was trained.

    Raises ValueError when the network cannot run on it (parameters not resolved, wrong sizes).
    """
    from blockstudio.core import autograd
    from blockstudio.core.ndarray import NDArray

    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., np.newaxis]
    x = NDArray(network_input(net, image[np.newaxis]))
    layers = []
    with autograd.pause():
        for index, block in enumerate(net[i] for i in range(len(net))):
            if _has_deferred(block):
                raise ValueError(f"Layer {index + 1} ({block_title(block)}) has no values yet: "
                                 f"train the network, or pass one batch, first.")
            x = block(x)
            out = x._data[0]
            layers.append(LayerOutput(index, block_title(block), out.ravel().copy(), out.shape, ends_in_relu(block)))
    last = layers[-1].values if layers else None
    probabilities = softmax(last) if last is not None and last.size == num_classes else None
    return Trace(layers, probabilities)


def _has_deferred(block):
    return any(p._data is None for p in block.collect_params().values())
