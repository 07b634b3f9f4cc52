"""The workspace's errors: every one is a ValueError whose message says what is wrong and what to do."""


class SettingError(ValueError):
    """A refused value for one setting; ``field`` names it so a view can show ``message`` beside it.

    >>> err = SettingError("units", "units must be a whole number of at least 1 (got 0)")
    >>> err.field, str(err)
    ('units', 'units must be a whole number of at least 1 (got 0)')
    """

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class ProjectFileError(ValueError):
    """A project file that cannot be read or written; the message names the file and the problem."""


class LockedError(ValueError):
    """An action refused while a training run is active; the message says why and how to proceed."""


class ParameterLoadError(ValueError):
    """A parameters file that does not fit the network: ``problems`` lists every mismatch.

    ``missing``, ``unexpected`` and ``mismatched`` hold the parameter names involved.
    """

    def __init__(self, message, missing=(), unexpected=(), mismatched=()):
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mismatched = list(mismatched)


class TrainingError(ValueError):
    """A run that cannot start: no layers, a network that does not end in 10 outputs, no data."""
