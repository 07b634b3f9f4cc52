"""Checks on a training run's outcome, kept apart from the run loop (``training.py``).

A NaN or infinite loss stops a run mid-way, but the last update of a run has no next loss to
reveal it: with ``learning_rate: 1e300`` a one-step run ended "finished" holding NaN parameters,
and Save wrote them over the previous good file. ``check_final_parameters`` looks at the
parameters themselves once the loop is over.

>>> reason, message = check_final_parameters(run)                  # doctest: +SKIP
"""

import numpy as np


def nonfinite_parameters(net):
    """The names of ``net``'s parameters holding a NaN or infinite value (those with values at all)."""
    return [param.name for param in net.collect_params().values()
            if param._data is not None and not np.isfinite(param.data()._data).all()]


def check_final_parameters(run):
    """``(reason, message)`` for a run whose loop has ended: its own, unless the parameters it leaves
    are not all finite. Then they are put back to the run's last checkpoint (taken before a step
    whose loss was finite) and the run counts as diverged."""
    if run.reason not in ("completed", "stopped", "early-stopped"):
        return run.reason, run.message
    with run._step_lock:
        bad = nonfinite_parameters(run.net)
        if not bad:
            return run.reason, run.message
        checkpoint = getattr(run, "_checkpoint", None)
        restored = checkpoint.restore(run.net) if checkpoint is not None else None
        if restored is not None and nonfinite_parameters(run.net):
            restored = None
    where = (f"they were restored to those before step {restored + 1}, the last checkpoint" if restored is not None
             else "no finite parameters were left to restore, so they cannot be saved")
    return "diverged", (f"Training diverged: after its last update (step {run.completed_steps}) the "
                        f"parameters hold NaN or infinite values ({', '.join(bad)}); {where}. Try a smaller "
                        f"learning rate (it is {run.settings.learning_rate:g}).")
