"""Errors and small shared pieces of the engine."""


class MXNetError(RuntimeError):
    """Raised for errors inside the engine (kept under MXNet's name for familiarity)."""


class DeferredInitializationError(MXNetError):
    """A parameter's shape is not known yet, so its data does not exist yet.

    Gluon defers creating a parameter whose shape has an unknown (0) dimension until the
    first batch flows through the block that owns it.
    """


def shape_str(shape, unknown=None):
    """Format a shape the way Python prints a tuple of ints: ``(128, 0)``.

    With ``unknown="?"``, dimensions not known yet (0) read ``(128, ?)``.
    """
    dims = [str(int(d)) if unknown is None or d else unknown for d in shape]
    return "(%s)" % (dims[0] + "," if len(dims) == 1 else ", ".join(dims))
