"""Plain-Python events: how the headless workspace tells views that something changed.

The workspace never imports Qt; views subscribe with ``connect`` and re-read what they
show. Training events fire on the worker thread, so a Qt view must forward them to the
GUI thread itself (a queued signal), never touch a widget from the callback.

One emitter per kind of change (typed: ``events.layers``, ``events.shapes``, ...). A user
action runs inside ``events.batch()``: each emitter fires at most once when the batch ends,
and then ``events.changed`` fires once with the set of kinds that changed, so a view that
renders several kinds subscribes to ``changed`` and re-renders once per action.

>>> events = Events()
>>> seen = []
>>> _ = events.layers.connect(lambda event: seen.append(event.type))
>>> events.layers.emit()
>>> seen
['layers']
"""

import threading

# "parameters": the values changed (trained, loaded, reset, an edit invalidated some);
# "results": what is known of how well the current parameters do changed (or went stale).
# "settings": the training settings changed (nothing of the network did).
EVENT_NAMES = ("layers", "shapes", "selection", "project", "history", "parameters", "results", "settings",
               "training")
# Fired on the worker thread many times a second: never batched, never part of "changed".
UNBATCHED = ("training",)


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

    def __init__(self, type, owner=None):
        self.type = type
        self._callbacks = []
        self._owner = owner
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
        """Build an ``Event(self.type, **payload)`` and hand it to every callback.

        Inside its owner's ``batch()`` the emit is held back and merged with the others of
        the batch (the last payload wins); it fires once when the batch ends.
        """
        if self._owner is not None:
            self._owner._emit(self, payload)
        else:
            self._fire(payload)

    def _fire(self, payload):
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
    """One ``EventEmitter`` per kind of change (see EVENT_NAMES), plus ``changed``.

    >>> events = Events()
    >>> seen = []
    >>> _ = events.changed.connect(lambda event: seen.append(sorted(event.names)))
    >>> with events.batch():
    ...     events.layers.emit(); events.shapes.emit(); events.layers.emit()
    >>> seen
    [['layers', 'shapes']]
    """

    def __init__(self):
        for name in EVENT_NAMES:
            setattr(self, name, EventEmitter(name, owner=self if name not in UNBATCHED else None))
        self.changed = EventEmitter("changed")
        # Each thread batches its own emits (the GUI's actions; the worker's end of a run).
        self._local = threading.local()

    def __iter__(self):
        return iter(getattr(self, name) for name in EVENT_NAMES)

    def batch(self):
        """A context in which emits are merged: one notification per emitter, then one ``changed``."""
        return _Batch(self)

    def _emit(self, emitter, payload):
        local = self._local
        if getattr(local, "depth", 0):
            local.held.pop(emitter.type, None)
            local.held[emitter.type] = (emitter, payload)
            return
        # Outside a batch an emit is a batch of one.
        emitter._fire(payload)
        self.changed._fire({"names": frozenset((emitter.type,))})

    def _flush(self):
        held, self._local.held = self._local.held, {}
        names = frozenset(held)
        first_error = None
        for name in EVENT_NAMES:
            if name in held:
                emitter, payload = held[name]
                try:
                    emitter._fire(payload)
                except Exception as error:  # noqa: BLE001 - re-raised below, after the others
                    first_error = first_error or error
        if names:
            self.changed._fire({"names": names})
        if first_error is not None:
            raise first_error


class _Batch:
    def __init__(self, events):
        self.events = events

    def __enter__(self):
        local = self.events._local
        if not getattr(local, "depth", 0):
            local.depth, local.held = 0, {}
        local.depth += 1
        return self.events

    def __exit__(self, *exc):
        local = self.events._local
        local.depth -= 1
        if local.depth == 0:
            self.events._flush()
        return False
