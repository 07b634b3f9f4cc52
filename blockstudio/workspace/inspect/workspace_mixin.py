"""The workspace's inspection methods, mixed into ``Workspace`` (kept apart: one concept per module).

>>> ws.evaluate().accuracy                         # doctest: +SKIP
0.9753
"""

import contextlib

from blockstudio.workspace.inspect.data import find_split
from blockstudio.workspace.inspect.evaluation import evaluate
from blockstudio.workspace.inspect.weights import snapshot


class InspectionError(ValueError):
    """Nothing to inspect yet: no values in the network, or no data; the message says what to do."""


def check_inspectable(net):
    """Return ``net``, or raise InspectionError unless it has layers and every parameter has values.

    Checking never initialises anything: a deferred parameter stays deferred.
    """
    if not len(net):
        raise InspectionError("The network has no layers yet: add some, then train it.")
    if any(p._data is None for p in net.collect_params().values()):
        raise InspectionError("The network has no parameter values yet: train it, load parameters, "
                              "or pass one batch first.")
    return net


class InspectionMixin:
    """``evaluate``, ``test_set``, ``inspection_snapshot`` and ``inspection_lock`` for a Workspace."""

    def test_set(self, train=False):
        """The test (or training) split the training settings point at, or None when not found."""
        try:
            return find_split(self.training_settings, train)
        except (OSError, ValueError):
            return None

    def inspection_lock(self):
        """A lock held while reading parameters that a run may be updating (a whole step at a time)."""
        return getattr(self, "_step_lock", None) or contextlib.nullcontext()

    def evaluate(self, limit=None):
        """Evaluate the current parameters on the test set; returns an ``Evaluation``.

        ``limit`` uses the first ``limit`` test images. Raises InspectionError when there are no
        values to evaluate or no test data, ValueError when the network's output does not fit.
        """
        net = check_inspectable(self.network)
        split = self.test_set()
        if split is None:
            from blockstudio.workspace.data import not_found_message

            settings = self.training_settings
            raise InspectionError(not_found_message(settings.dataset, settings.data_dir))
        if limit is not None:
            split = split.take(limit)
        with self.inspection_lock():
            return evaluate(net, split.images, split.labels)

    def inspection_snapshot(self):
        """``(global step, {name: (values, grad)})``: consistent copies even while a run trains."""
        history = getattr(self, "run_history", None)
        with self.inspection_lock():
            step = len(history.step_losses) if history is not None else 0
            return step, snapshot(self.network)
