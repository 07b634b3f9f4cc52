"""How large a network blockstudio agrees to build, checked from the settings alone, before any array exists.

A project file is small text, but ``"units": 100000000`` in it asks for hundreds of megabytes
the moment the network is built. ``check_network_size`` works the sizes out statically (the
same shape rules as ``shapes.static_chain``) and refuses, naming the layer, a network with more
than ``max_parameters()`` parameters, or whose values for one batch through any layer exceed the
same bound. The bound is 100 million by default; set the environment variable
``BLOCKSTUDIO_MAX_PARAMETERS`` to raise (or lower) it.

>>> count_parameters(Document([LayerSpec("a", "Dense", default_settings("Dense"))]))  # doctest: +SKIP
(100480, ...)
"""

import math
import os

ENV_MAX_PARAMETERS = "BLOCKSTUDIO_MAX_PARAMETERS"
DEFAULT_MAX_PARAMETERS = 100_000_000


class NetworkTooLarge(ValueError):
    """A network whose sizes exceed ``max_parameters()``; the message names the layer and the setting."""


def max_parameters():
    """The bound: ``$BLOCKSTUDIO_MAX_PARAMETERS`` when it is a whole number >= 1, else 100 million."""
    text = os.environ.get(ENV_MAX_PARAMETERS, "").strip().replace("_", "")
    if text.isdigit() and int(text) >= 1:
        return int(text)
    return DEFAULT_MAX_PARAMETERS


def count_parameters(doc):
    """``(total parameters, [(layer number, kind, parameters, values per batch)])`` for ``doc``'s layers,
    computed with plain integers (no array is made)."""
    from blockstudio.workspace.layers import kind as layer_kind
    from blockstudio.workspace.shapes import network_input_shape, static_output_shape

    shape = network_input_shape(doc)
    total, rows = 0, [(0, "Input", 0, math.prod(shape))]
    for number, layer in enumerate(doc.layers, start=1):
        count = layer_kind(layer.kind).param_count(layer.settings, shape)
        shape = static_output_shape(layer, shape)
        total += count
        rows.append((number, layer.kind, count, math.prod(shape)))
    return total, rows


def check_network_size(doc, limit=None):
    """Raise NetworkTooLarge when ``doc`` would exceed ``limit`` (default ``max_parameters()``)."""
    limit = max_parameters() if limit is None else limit
    total, rows = count_parameters(doc)
    advice = (f"blockstudio builds networks of at most {limit:,} parameters and {limit:,} values per batch "
              f"(set {ENV_MAX_PARAMETERS} to change this bound)")
    for number, kind, _, values in rows:
        if values > limit:
            where = "the input" if number == 0 else f"layer {number} ({kind})"
            raise NetworkTooLarge(f"{where} would hold {values:,} values for one batch; {advice}.")
    if total > limit:
        number, kind, count, _ = max(rows, key=lambda row: row[2])
        raise NetworkTooLarge(f"the network would have {total:,} parameters ({count:,} of them in layer {number}, "
                              f"{kind}); {advice}.")
