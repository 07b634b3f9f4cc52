"""Validation: images held out of the training set, measured after each epoch, and the best epoch.

The split is chosen by the seed alone, with a generator of its own
(``numpy.random.default_rng(seed).permutation``): it never draws from the engine's shared
generator, so the initial values and each epoch's shuffle are what they were without a split,
and a run that continues from trained parameters holds out exactly the images the first run
held out (it never trains on them). The exported script calls the same two lines.

The best epoch is the one with the highest validation accuracy (ties go to the earliest). A run
keeps a copy of its parameters in buffers reused from epoch to epoch (as the divergence
checkpoint does), with the ``Results`` measured on them, so restoring it puts back bitwise the
values those results describe.

>>> rest, held = split_validation(train_set, 5000, seed=42)       # doctest: +SKIP
>>> len(rest), len(held)                                          # doctest: +SKIP
(55000, 5000)
"""

import contextlib

import numpy as np

# Arrays of the best epoch inside a project's parameters file: "best_epoch.0.weight", ...
BEST_PREFIX = "best_epoch."


def split_indices(total, count, seed):
    """``(rest, held)``: sorted indices of ``total`` images, ``count`` of them held out, chosen by ``seed``."""
    if not 0 <= count < total:
        raise ValueError(f"cannot hold out {count} of {total} images for validation: use 0 to {total - 1}")
    order = np.random.default_rng(seed).permutation(total)
    return np.sort(order[count:]), np.sort(order[:count])


def split_validation(train_set, count, seed):
    """``(rest, held)`` views of ``train_set``; ``held`` is None when ``count`` is 0 (no validation)."""
    if not count:
        return train_set, None
    rest, held = split_indices(len(train_set), count, seed)
    return train_set.sample(rest), train_set.sample(held)


def measure(net, loader, loss_fn, should_stop=None, lock=None):
    """``(mean loss, accuracy)`` of ``net`` over ``loader``; None when ``should_stop()`` turned true.

    The loss is summed batch by batch in float64, as the exported script sums it.
    """
    from blockstudio.core import nd

    total_loss, correct, total = 0.0, 0, 0
    for data, label in loader:
        if should_stop is not None and should_stop():
            return None
        with lock if lock is not None else contextlib.nullcontext():
            output = net(data)
        total_loss += float(nd.sum(loss_fn(output, label)).asscalar())
        correct += int((output._data.argmax(axis=1) == label._data).sum())
        total += data.shape[0]
    return total_loss / total, correct / total


class BestEpoch:
    """The parameters of a run's best epoch so far, with the Results measured on them.

    ``arrays`` are keyed as a parameters file keys them (``0.weight``, ``2.bias``); the buffers
    are allocated once and overwritten by each better epoch.
    """

    def __init__(self, epoch=None, arrays=None, results=None):
        self.epoch = epoch
        self.arrays = arrays
        self.results = results
        self.architecture = None   # what the values belong to (set by the workspace)

    @property
    def accuracy(self):
        return None if self.results is None else self.results.validation_accuracy

    def improves(self, accuracy):
        """True when ``accuracy`` beats the best so far (a tie keeps the earlier epoch)."""
        return self.epoch is None or accuracy > self.accuracy

    def take(self, net, epoch, results):
        params = net._collect_params_with_prefix()
        if self.arrays is None:
            self.arrays = {key: np.empty_like(p.data()._data) for key, p in params.items()}
        for key, param in params.items():
            np.copyto(self.arrays[key], param.data()._data)
        self.epoch, self.results = epoch, results

    def copy(self):
        """An independent copy (a run keeps overwriting its own buffers)."""
        arrays = None if self.arrays is None else {k: a.copy() for k, a in self.arrays.items()}
        return BestEpoch(self.epoch, arrays, self.results)

    def mismatch(self, net):
        """Why these arrays do not fit ``net`` (a sentence), or None when they do, array for array."""
        params = net._collect_params_with_prefix()
        if set(params) != set(self.arrays):
            return "the network's layers have changed since"
        for key, param in params.items():
            if param._data is None or tuple(param.shape) != self.arrays[key].shape:
                return f"{key} has shape {tuple(param.shape)} now, {self.arrays[key].shape} then"
        return None

    def restore(self, net):
        """Copy the arrays into ``net``'s parameters (which must fit: see ``mismatch``)."""
        for key, param in net._collect_params_with_prefix().items():
            np.copyto(param.data()._data, self.arrays[key])

    # -- in a project --------------------------------------------------------------------------

    def file_arrays(self):
        """The arrays as a project's parameters file holds them, under ``BEST_PREFIX``."""
        return {BEST_PREFIX + key: array for key, array in self.arrays.items()}

    def to_dict(self):
        """What the project file records of it (the arrays are in the parameters file)."""
        return {"epoch": self.epoch, "results": self.results.to_dict() if self.results else None}

    @classmethod
    def from_file(cls, info, arrays):
        """The best epoch a project recorded (``info``: its ``"best_epoch"`` object, checked) with the
        arrays of its parameters file; None when the file holds none."""
        own = {key[len(BEST_PREFIX):]: array for key, array in arrays.items() if key.startswith(BEST_PREFIX)}
        if not own:
            return None
        return cls(info["epoch"], own, info.get("results"))


def architecture_of(doc):
    """What a best epoch's values belong to: the input shape and every layer's kind and settings."""
    return (tuple(doc.input_shape),
            tuple((layer.kind, tuple(sorted(layer.settings.items()))) for layer in doc.layers))


def split_file_arrays(arrays):
    """``(current, best)``: a parameters file's arrays without and with ``BEST_PREFIX``."""
    current = {k: v for k, v in arrays.items() if not k.startswith(BEST_PREFIX)}
    return current, {k: v for k, v in arrays.items() if k.startswith(BEST_PREFIX)}


def read_best_epoch(path, data, net, warnings):
    """The best epoch an opened project (``data``: ``ProjectData``) keeps in its parameters file ``path``,
    checked against the loaded ``net``; None (with a line in ``warnings``) when it is absent or does
    not fit. Its architecture is the project's, as saved."""
    from blockstudio.core.serialization import load_arrays

    if data.best_epoch is None:
        return None
    try:
        best = BestEpoch.from_file(data.best_epoch, load_arrays(path))
    except (OSError, ValueError) as error:
        warnings.append(f"The best epoch was not loaded: {error}")
        return None
    if best is None:
        warnings.append("The project records a best epoch, but its parameters file holds none: Restore Best "
                        "Epoch is not available.")
        return None
    problem = best.mismatch(net)
    if problem:
        warnings.append(f"The best epoch saved with the project does not fit its network ({problem}): it was "
                        f"not loaded.")
        return None
    best.architecture = architecture_of(data.document)
    return best
