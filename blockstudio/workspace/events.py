"""Plain-Python events: how the headless workspace tells views that something changed.

The workspace never imports Qt; views subscribe with ``connect`` and re-read what they
show. Training events fire on the worker thread, so a Qt view must forward them to the
GUI thread itself (a queued signal), never touch a widget from the callback.

>>> events = Events()
>>> seen = []
>>> _ = events.layers.connect(lambda event: seen.append(event.type))
>>> events.layers.emit()
>>> seen
['layers']
"""

import threading

EVENT_NAMES = ("layers", "shapes", "selection", "project", "history", "training")


class Event:
    """One notification: ``.type`` names the emitter, the payload keywords are attributes.

    >>> Event("training", kind="state", state="running").state
    'running'
    """

    def __init__(self, type, **payload):
        self.type = type
        self.__dict__.update(payload)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "type")
        return f"Event({self.type!r}{', ' if fields else ''}{fields})"


class EventEmitter:
    """A list of callbacks called in connection order with one ``Event``.

    A callback that raises does not stop the others: the first error is re-raised once
    every callback has run, so a broken view cannot silently swallow the model's news.
    """

    def __init__(self, type):
        self.type = type
        self._callbacks = []
        # Connections may change on the GUI thread while the worker emits.
        self._lock = threading.Lock()

    def connect(self, callback):
        """Call ``callback(event)`` on every emit; returns ``callback`` (usable as a decorator)."""
        if not callable(callback):
            raise TypeError(f"connect() needs a callable, got {type(callback).__name__}")
        with self._lock:
            if callback not in self._callbacks:
                self._callbacks.append(callback)
        return callback

    def disconnect(self, callback):
        """Stop calling ``callback``; disconnecting one that is not connected does nothing."""
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def emit(self, **payload):
        """Build an ``Event(self.type, **payload)`` and hand it to every callback."""
        with self._lock:
            callbacks = list(self._callbacks)
        if not callbacks:
            return
        event = Event(self.type, **payload)
        first_error = None
        for callback in callbacks:
            try:
                callback(event)
            except Exception as error:  # noqa: BLE001 - re-raised below
                if first_error is None:
                    first_error = error
        if first_error is not None:
            raise first_error

    def __len__(self):
        return len(self._callbacks)


class Events:
    """One ``EventEmitter`` per kind of change: layers, shapes, selection, project, history, training."""

    def __init__(self):
        for name in EVENT_NAMES:
            setattr(self, name, EventEmitter(name))

    def __iter__(self):
        return iter(getattr(self, name) for name in EVENT_NAMES)
