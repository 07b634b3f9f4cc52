"""What the parameters look like: pictures of weights, a per-parameter table, dead ReLU units.

``weight_views`` gives, for each layer with a weight, what to draw: the first Dense reading the
image directly gets one 28x28 picture per unit (the pattern that unit responds to); any other
weight is its matrix. ``parameter_stats`` is the table TensorBoard users compute by hand: mean,
std, mean |grad|, the update-to-weight ratio, and for ReLU layers the fraction of units that
never fire on a batch of test images.

>>> views = weight_views(ws.network)                        # doctest: +SKIP
>>> views[0].kind, views[0].images.shape                    # doctest: +SKIP
('units', (128, 28, 28))
"""

from dataclasses import dataclass

import numpy as np

from blockstudio.workspace.inspect.activations import block_title, ends_in_relu
from blockstudio.workspace.inspect.data import as_input

IMAGE_SIDE = 28
PASS_THROUGH = ("Flatten", "Dropout")  # layers that leave the pixels where they are


@dataclass
class WeightView:
    index: int           # position of the layer in the network
    title: str
    kind: str            # "units": images (units, 28, 28); "matrix": matrix (units, inputs)
    images: np.ndarray | None
    matrix: np.ndarray


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
    """``{layer index: fraction of units never positive}`` for each ReLU layer, over ``images``."""
    from blockstudio.core import autograd
    from blockstudio.core.ndarray import NDArray

    x = NDArray(as_input(images))
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
                out = x._data.reshape(x.shape[0], -1)
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


def parameter_stats(net, images=None, previous=None, steps=1):
    """A ``ParamStats`` row per parameter with values.

    ``images`` (a test batch) gives the dead-ReLU fraction; ``previous`` (a ``snapshot`` taken
    ``steps`` steps earlier) gives the update-to-weight ratio, the mean size of one step's change
    relative to the mean size of the values (healthy training sits near 1e-3).
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
        grad = data._grad._data if data._grad is not None else None
        index, is_weight = layer_of.get(name, (-1, False))
        ratio = None
        if previous is not None and name in previous and previous[name][0].shape == values.shape and steps > 0:
            scale = float(np.abs(values).mean())
            change = float(np.abs(values - previous[name][0]).mean()) / steps
            ratio = change / scale if scale > 0 else None
        rows.append(ParamStats(name, index, tuple(values.shape), float(values.mean()), float(values.std()),
                               float(np.abs(grad).mean()) if grad is not None else None, ratio,
                               dead.get(index) if is_weight else None))
    return rows
