"""Automatic names for blocks: ``sequential0_``, ``dense1_`` ... as MXNet 1.x gives them."""

import threading


class NameManager:
    """Counts names per hint. Use it as a context to start counting afresh.

    >>> with NameManager():
    ...     net = nn.Sequential()   # named sequential0_ again
    """

    _local = threading.local()

    def __init__(self):
        self._counter = {}
        self._old = None

    def get(self, name, hint):
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return "%s%d" % (hint, count)

    def __enter__(self):
        self._old = NameManager.current()
        NameManager._local.value = self
        return self

    def __exit__(self, *exc):
        NameManager._local.value = self._old

    @classmethod
    def current(cls):
        manager = getattr(cls._local, "value", None)
        if manager is None:
            manager = cls._local.value = NameManager()
        return manager
