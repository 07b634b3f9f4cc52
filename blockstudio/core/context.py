"""Devices. blockstudio computes on the CPU; contexts exist so Gluon code runs unchanged."""


class Context:
    """A device: ``cpu(0)``. Only the CPU is available."""

    __slots__ = ("device_type", "device_id")

    def __init__(self, device_type="cpu", device_id=0):
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        self.device_type = device_type
        self.device_id = int(device_id)

    def __eq__(self, other):
        return (isinstance(other, Context) and other.device_type == self.device_type
                and other.device_id == self.device_id)

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return "%s(%d)" % (self.device_type, self.device_id)

    def check_available(self):
        if self.device_type != "cpu":
            raise ValueError(
                "blockstudio computes on the CPU only, but %r was requested. "
                "Use mx.cpu() (or leave ctx out)." % self)
        return self


def cpu(device_id=0):
    """The CPU context, ``cpu(0)``."""
    return Context("cpu", device_id)


def gpu(device_id=0):
    """A GPU context. It can be named, but using it raises: blockstudio runs on the CPU."""
    return Context("gpu", device_id)


def current_context():
    return cpu()


def num_gpus():
    return 0
