"""Saving and loading a network's parameters, checked so that a bad file changes nothing.

Files are the core's: ``save_parameters`` writes ``.npz`` keyed by place in the network
(``0.weight``, ``2.bias``), and ``load_parameters`` reads those and MXNet 1.x ``.params``.
A load goes into a freshly built network that is only adopted once every parameter fits
and one forward pass runs, so the open network is never left half-loaded.

>>> net = load_checked(doc, "mlp.parameters.npz")                # doctest: +SKIP
"""

import os

import numpy as np

from blockstudio.workspace.errors import ParameterLoadError


def save(net, path, partial=False, extra=None):
    """Write ``net``'s parameters to ``path`` (kept exactly as named); every shape must be known.

    With ``partial``, parameters without values yet (a layer edited after training) are left
    out, so the file holds exactly what the network holds; ``load_checked(allow_missing=True)``
    reads it back the same way. Returns the names of the arrays written. NaN or infinite values
    are refused (ValueError) before anything is written: they never replace a good file.
    ``extra`` (with ``partial``): more arrays to write beside them, e.g. a best epoch's.
    """
    check_finite(net)
    from blockstudio.workspace.savepair import clean_stale_temp_files

    path = os.path.abspath(os.fspath(path))
    clean_stale_temp_files(os.path.dirname(path), os.path.basename(path))  # from a write that was killed
    if partial:
        from blockstudio.core.serialization import save_arrays

        arrays = {key: param.data()._data for key, param in net._collect_params_with_prefix().items()
                  if param._data is not None}
        arrays.update(extra or {})
        save_arrays(os.fspath(path), arrays)
        return list(arrays)
    pending = [p.name for p in net.collect_params().values() if 0 in p.shape or p._data is None]
    if pending:
        raise ValueError(f"Cannot save parameters: {', '.join(pending)} "
                         f"{'has' if len(pending) == 1 else 'have'} no values yet (shape still unknown). "
                         f"Pass one batch or train first.")
    net.save_parameters(os.fspath(path))
    return list(net._collect_params_with_prefix())


def check_finite(net):
    """Raise ValueError naming the parameters that hold NaN or infinite values (a diverged run)."""
    bad = [param.name for param in net.collect_params().values()
           if param._data is not None and not np.isfinite(param.data()._data).all()]
    if bad:
        raise ValueError(f"The parameters hold NaN or infinite values ({', '.join(bad)}), from a run that "
                         f"diverged: they were not saved, and any file saved before is unchanged. Reset or "
                         f"load parameters, lower the learning rate and train again.")


def check_complete(where, arrays, recorded):
    """Refuse a project's own parameters file that lacks arrays the project recorded (or, for a project
    that recorded nothing, an empty file): it is damaged, not merely partial, and must not be half-loaded."""
    if recorded is not None:
        missing = [name for name in recorded if name not in arrays]
        extra = [name for name in arrays if name not in recorded]
        if missing or extra:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                    ([f"unexpected {', '.join(extra)}"] if extra else [])
            raise ParameterLoadError(f"The parameters file {where} is damaged: it does not hold what the project "
                                     f"saved in it ({'; '.join(parts)}). It was not loaded and is left as it is.",
                                     missing, extra)
    elif not arrays:
        raise ParameterLoadError(f"The parameters file {where} is damaged: it holds no arrays at all. It was not "
                                 f"loaded and is left as it is.")


def expected_shapes(net, doc, arrays):
    """``{key: shape}`` under the file's naming: structural (``0.weight``) or, for files written by
    ``ParameterDict.save``, full names. A weight's unknown input size is filled in from the input
    shape, so that a mismatch names full shapes and sizes that do not chain are caught."""
    from blockstudio.workspace.shapes import children, static_chain

    chain = static_chain(doc)
    filled = {}
    for layer, block in zip(doc.layers, children(net)):
        in_dim = chain[layer.uid][1][1]
        for param in block.collect_params().values():
            shape = tuple(param.shape)
            if in_dim is not None and param is getattr(block, "weight", None) and shape[1] == 0:
                shape = (shape[0], in_dim)
            filled[id(param)] = shape
    params = net._collect_params_with_prefix()
    if arrays and not any("." in key for key in arrays):
        params = net.collect_params()
    return {key: filled.get(id(param), tuple(param.shape)) for key, param in params.items()}


def card_labels(net, doc, arrays):
    """``{key: "layer 2 Dense(64, relu)"}``: the card a user sees for each parameter key, under the
    same naming as :func:`expected_shapes` (``1.weight`` alone meant nothing on the canvas)."""
    from blockstudio.workspace.shapes import children
    from blockstudio.workspace.spec import layer_title

    owner = {}
    for number, (layer, block) in enumerate(zip(doc.layers, children(net)), start=1):
        for param in block.collect_params().values():
            owner[id(param)] = f"layer {number} {layer_title(layer.kind, layer.settings)}"
    params = net._collect_params_with_prefix()
    if arrays and not any("." in key for key in arrays):
        params = net.collect_params()
    return {key: owner[id(param)] for key, param in params.items() if id(param) in owner}


def _named(keys, labels):
    """``layer 4 Dense(10) (3.weight, 3.bias)``: keys grouped under the card they belong to."""
    groups = {}
    for key in keys:
        groups.setdefault(labels.get(key), []).append(key)
    return ", ".join(f"{label} ({', '.join(group)})" if label else ", ".join(group)
                     for label, group in groups.items())


def check_arrays(expected, arrays, where, allow_missing=False, labels=None):
    """Raise ParameterLoadError listing every missing, unexpected and mis-shaped parameter.

    ``labels`` (from :func:`card_labels`) names each parameter's card beside its key."""
    labels = labels or {}
    missing = [key for key in expected if key not in arrays and not allow_missing]
    unexpected = [key for key in arrays if key not in expected]
    mismatched, details = [], []
    for key, want in expected.items():
        if key in arrays:
            got = tuple(arrays[key].shape)
            if len(got) != len(want) or any(w not in (0, g) for w, g in zip(want, got)):
                mismatched.append(key)
                shown = str(want).replace("(0,", "(?,").replace(" 0,", " ?,").replace(" 0)", " ?)")
                details.append(f"{_named([key], labels)}: the network expects {shown}, the file has {got}")
    if not (missing or unexpected or mismatched):
        return
    lines = [f"The parameters in {where} do not fit this network:"]
    if missing:
        lines.append(f"  missing from the file: {_named(missing, labels)}")
    if unexpected:
        lines.append(f"  in the file but not in the network: {', '.join(unexpected)}")
    if mismatched:
        lines.append("  wrong shape: " + "; ".join(details))
    lines.append("Nothing was changed. Load a file saved from this same architecture "
                 "(same layers in the same order, same units).")
    raise ParameterLoadError("\n".join(lines), missing, unexpected, mismatched)


def load_checked(doc, path, allow_missing=False, recorded=None):
    """A new core network for ``doc`` holding the values in ``path``; raises ParameterLoadError.

    Also a missing or unreadable file raises ParameterLoadError, with the core's reason. With
    ``allow_missing`` (a project's own file, saved partially) absent parameters stay deferred,
    but the file must hold every array in ``recorded`` (what the project says it saved) and, when
    nothing was recorded, at least one: a damaged file is refused, never half-loaded.
    """
    from blockstudio.core import nd
    from blockstudio.core.serialization import load_arrays
    from blockstudio.workspace.shapes import children, make_initializer, network_input_shape
    from blockstudio.workspace.spec import NetworkSpec, build_network
    from blockstudio.workspace.validation import BEST_PREFIX, split_file_arrays

    where = os.path.basename(os.fspath(path))
    try:
        arrays = load_arrays(path)
    except FileNotFoundError:
        raise ParameterLoadError(f"Cannot load parameters: {path} does not exist.") from None
    except (OSError, ValueError) as error:  # ParameterFileError is a ValueError
        raise ParameterLoadError(f"Cannot load parameters from {where}: {error}") from None
    except (MemoryError, OverflowError, RecursionError) as error:  # a header declaring absurd sizes
        raise ParameterLoadError(f"Cannot load parameters from {where}: {type(error).__name__} ({error}); "
                                 f"the file is damaged or not a parameters file.") from None
    # A project's file may also hold its best epoch (``best_epoch.*``): not this network's values.
    arrays, best = split_file_arrays(arrays)
    if recorded is not None:
        recorded = [name for name in recorded if not name.startswith(BEST_PREFIX)]
    if allow_missing:
        check_complete(where, arrays, recorded)
    net = build_network(NetworkSpec(doc.input_shape, doc.layers))
    check_arrays(expected_shapes(net, doc, arrays), arrays, where, allow_missing,
                 labels=card_labels(net, doc, arrays))
    # Parameters the file leaves out wait for the first batch, as in a network never trained.
    net.initialize(make_initializer(doc.training))
    # Values saved as float64 or float16 (numpy, another tool) are converted to the network's float32.
    net.load_parameters(os.fspath(path), allow_missing=allow_missing, ignore_extra=bool(best), cast_dtype=True)
    if any(param._data is None for param in net.collect_params().values()):
        return net  # a forward would give the absent ones random values: leave them deferred
    # Shapes that fit one by one may still not chain (a file from a network with other sizes).
    x = nd.zeros(network_input_shape(doc))
    for layer, block in zip(doc.layers, children(net)):
        try:
            x = block(x)
        except Exception as error:  # noqa: BLE001 - reported with the layer it came from
            raise ParameterLoadError(f"The parameters in {where} do not fit this network: {layer.kind} "
                                     f"layer {doc.layers.index(layer) + 1} fails with them: {error}. "
                                     f"Nothing was changed.") from None
    if not all(np.isfinite(p.data()._data).all() for p in net.collect_params().values()):
        raise ParameterLoadError(f"The parameters in {where} contain NaN or infinite values (a diverged "
                                 f"run?). Nothing was changed.")
    return net
