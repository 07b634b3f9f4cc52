"""What the parameters look like: pictures of weights, a per-parameter table, dead ReLU units.

``weight_views`` gives, for each layer with a weight, what to draw: the first Dense reading the
image directly gets one 28x28 picture per unit (the pattern that unit responds to); a Conv2D's
filters are small pictures too (``filter_tiles``: one kernel per filter and input channel, or
each filter's mean over its input channels); any other weight is its matrix (a Dense after
a Flatten of feature maps among them: its inputs are no longer pixels). ``parameter_stats`` is
the table TensorBoard users compute by hand: mean, std, mean |grad|, the update-to-weight ratio,
and for ReLU layers the fraction of units that never fire on a batch of test images.

>>> views = weight_views(ws.network)                        # doctest: +SKIP
>>> views[0].kind, views[0].images.shape                    # doctest: +SKIP
('units', (128, 28, 28))
"""

from dataclasses import dataclass

import numpy as np

from blockstudio.workspace.inspect.activations import block_title, ends_in_relu
from blockstudio.workspace.inspect.data import network_input

IMAGE_SIDE = 28
PASS_THROUGH = ("Flatten", "Dropout")  # layers that leave the pixels where they are


@dataclass
class WeightView:
    index: int           # position of the layer in the network
    title: str
    kind: str            # "units": images (units, 28, 28); "filters": images (out, in, kh, kw);
                         # "matrix": matrix (units, inputs)
    images: np.ndarray | None
    matrix: np.ndarray


def filter_tiles(kernels, mean=False):
    """A Conv2D's weight (out, in, kh, kw) as tiles to lay out in a grid: ``(tiles, columns)``.

    Each output filter is scaled by its own largest |weight| (over all its input channels), so
    the tiles are in [-1, 1] with zero at zero, and a weak filter still shows its pattern. With
    one input channel (or ``mean``, the mean over the input channels) there is one tile per
    filter, about twice as many across as down; otherwise a column per filter and a row per
    input channel (filters outnumber input channels in most networks: the grid comes out wide).
    """
    kernels = np.asarray(kernels, dtype=np.float32)
    if kernels.ndim != 4:
        raise ValueError(f"filter_tiles expects a Conv2D weight (out, in, kh, kw), got shape {kernels.shape}")
    out, ins, kh, kw = kernels.shape
    if mean and ins > 1:
        kernels = kernels.mean(axis=1, keepdims=True)
        ins = 1
    limits = np.abs(kernels).reshape(out, -1).max(axis=1, initial=0.0)
    tiles = kernels / np.where(limits > 0, limits, 1.0)[:, None, None, None]
    if ins == 1:
        columns = max(1, min(out, int(np.ceil(np.sqrt(out * 2)))))
        return tiles.reshape(out, kh, kw), columns
    return tiles.transpose(1, 0, 2, 3).reshape(ins * out, kh, kw), out


def _children(net):
    return [net[i] for i in range(len(net))]


def _weight(block):
    param = getattr(block, "weight", None)
    if param is None or param._data is None:
        return None
    return param.data()._data


def weight_views(net, image_side=IMAGE_SIDE):
    """One ``WeightView`` per layer that has a weight with values (copies: safe to keep)."""
    views, on_pixels = [], True
    for index, block in enumerate(_children(net)):
        weight = _weight(block)
        if weight is not None:
            matrix = np.array(weight, dtype=np.float32, order="C")
            if on_pixels and matrix.ndim == 2 and matrix.shape[1] == image_side * image_side:
                images = matrix.reshape(matrix.shape[0], image_side, image_side)
                views.append(WeightView(index, block_title(block), "units", images, matrix))
            elif matrix.ndim == 4:
                views.append(WeightView(index, block_title(block), "filters", matrix,
                                        matrix.reshape(matrix.shape[0], -1)))
            else:
                views.append(WeightView(index, block_title(block), "matrix", None, matrix))
        on_pixels = on_pixels and type(block).__name__ in PASS_THROUGH
    return views


def snapshot(net):
    """``{name: (values, grad or None)}``: copies of every parameter with values, and its gradient."""
    out = {}
    for name, param in net.collect_params().items():
        if param._data is None:
            continue
        data = param.data()
        grad = data._grad._data.copy() if data._grad is not None else None
        out[name] = (data._data.copy(), grad)
    return out


def dead_units(net, images):
    """``{layer index: fraction of units never positive}`` for each ReLU layer, over ``images``.

    A Conv2D's units are its channels: a channel is dead when it is not positive anywhere in
    any of the images (a filter that never fires)."""
    from blockstudio.core import autograd
    from blockstudio.core.ndarray import NDArray

    x = NDArray(network_input(net, images))
    dead = {}
    with autograd.pause():
        for index, block in enumerate(_children(net)):
            if any(p._data is None for p in block.collect_params().values()):
                break
            try:
                x = block(x)
            except ValueError:  # a network that cannot run (sizes that do not chain): no more layers
                break
            if ends_in_relu(block):
                out = x._data
                if out.ndim == 4:    # (N, C, H, W): per channel, over the images and positions
                    out = out.transpose(1, 0, 2, 3).reshape(out.shape[1], -1).T
                out = out.reshape(out.shape[0], -1)
                dead[index] = float((out.max(axis=0) <= 0).mean()) if out.size else 0.0
    return dead


@dataclass
class ParamStats:
    name: str
    layer: int
    shape: tuple
    mean: float
    std: float
    mean_abs_grad: float | None    # of the last step's gradient as param.grad() holds it; None: no buffer
    update_ratio: float | None     # mean |change per step| / mean |value|; None: no earlier snapshot
    dead_fraction: float | None    # weights of ReLU layers only
    trainable: bool = True         # False for grad_req='null' (BatchNorm's running statistics)


def parameter_stats(net, images=None, previous=None, steps=1):
    """A ``ParamStats`` row per parameter with values.

    ``images`` (a test batch) gives the dead-ReLU fraction; ``previous`` (a ``snapshot`` taken
    ``steps`` steps earlier) gives the update-to-weight ratio, the mean size of one step's change
    relative to the mean size of the values (healthy training sits near 1e-3). A parameter the
    trainer does not update (``grad_req='null'``: BatchNorm's running mean and variance, a frozen
    one) has neither a gradient nor an update ratio: None in both.
    """
    dead = dead_units(net, images) if images is not None and len(images) else {}
    layer_of = {}
    for index, block in enumerate(_children(net)):
        for param in block.collect_params().values():
            layer_of[param.name] = (index, param is getattr(block, "weight", None))
    rows = []
    for name, param in net.collect_params().items():
        if param._data is None:
            continue
        data = param.data()
        values = data._data
        trainable = param.grad_req != "null"
        grad = data._grad._data if data._grad is not None and trainable else None
        index, is_weight = layer_of.get(name, (-1, False))
        ratio = None
        earlier = previous.get(name) if trainable and previous is not None else None
        if earlier is not None and earlier[0].shape == values.shape and steps > 0:
            scale = float(np.abs(values).mean())
            change = float(np.abs(values - earlier[0]).mean()) / steps
            ratio = change / scale if scale > 0 else None
        rows.append(ParamStats(name, index, tuple(values.shape), float(values.mean()), float(values.std()),
                               float(np.abs(grad).mean()) if grad is not None else None, ratio,
                               dead.get(index) if is_weight else None, trainable))
    return rows
