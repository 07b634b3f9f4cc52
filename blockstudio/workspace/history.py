"""Undo and redo: every edit is a small command object that can apply and revert itself.

All edits of a document (layers, input shape, training settings) go through
``History.push``, so undo/redo, the Edit menu's texts and the unsaved mark come from one
place. A command touches only the plain ``Document`` data; the workspace re-reads it.

>>> doc = Document()
>>> history = History()
>>> history.push(InsertLayer(0, LayerSpec("a", "Flatten", {})), doc)
>>> history.undo_text, len(doc.layers)
('Undo Add Flatten', 1)
>>> _ = history.undo(doc)
>>> len(doc.layers), history.redo_text
(0, 'Redo Add Flatten')
"""

from dataclasses import dataclass, field

from blockstudio.workspace.spec import DEFAULT_INPUT_SHAPE, LayerSpec, TrainingSettings  # noqa: F401


@dataclass
class Document:
    """The editable state a project file stores (parameters live beside it, not here)."""

    layers: list = field(default_factory=list)
    input_shape: tuple = DEFAULT_INPUT_SHAPE
    training: TrainingSettings = field(default_factory=TrainingSettings)

    def index_of(self, uid):
        for index, layer in enumerate(self.layers):
            if layer.uid == uid:
                return index
        raise KeyError(uid)


class Command:
    """Base: ``text`` names the step for the Edit menu ("Add Dense"); subclasses redo and undo."""

    text = ""

    def redo(self, doc):
        raise NotImplementedError

    def undo(self, doc):
        raise NotImplementedError


class InsertLayer(Command):
    def __init__(self, index, layer, verb="Add"):
        self.index, self.layer = index, layer
        self.text = f"{verb} {layer.kind}"

    def redo(self, doc):
        doc.layers.insert(self.index, self.layer.copy())

    def undo(self, doc):
        del doc.layers[self.index]


class RemoveLayer(Command):
    def __init__(self, index, layer):
        self.index, self.layer = index, layer.copy()
        self.text = f"Delete {layer.kind}"

    def redo(self, doc):
        del doc.layers[self.index]

    def undo(self, doc):
        doc.layers.insert(self.index, self.layer.copy())


class MoveLayer(Command):
    def __init__(self, old_index, new_index, kind):
        self.old_index, self.new_index = old_index, new_index
        self.text = f"Move {kind}"

    def redo(self, doc):
        doc.layers.insert(self.new_index, doc.layers.pop(self.old_index))

    def undo(self, doc):
        doc.layers.insert(self.old_index, doc.layers.pop(self.new_index))


class UpdateLayer(Command):
    """Set some settings of one layer; ``before`` holds the old values of exactly those keys."""

    def __init__(self, uid, kind, before, after):
        self.uid, self.before, self.after = uid, dict(before), dict(after)
        self.text = f"Edit {kind} {', '.join(after)}"

    def redo(self, doc):
        doc.layers[doc.index_of(self.uid)].settings.update(self.after)

    def undo(self, doc):
        doc.layers[doc.index_of(self.uid)].settings.update(self.before)


class SetInputShape(Command):
    text = "Edit input shape"

    def __init__(self, before, after):
        self.before, self.after = tuple(before), tuple(after)

    def redo(self, doc):
        doc.input_shape = self.after

    def undo(self, doc):
        doc.input_shape = self.before


class SetTraining(Command):
    text = "Edit training settings"

    def __init__(self, before, after):
        self.before, self.after = before, after

    def redo(self, doc):
        doc.training = self.after

    def undo(self, doc):
        doc.training = self.before


class History:
    """Done and undone command stacks plus the saved point, which gives the dirty flag."""

    def __init__(self):
        self._done = []
        self._undone = []
        # len(self._done) when the document was last saved; None once that state is unreachable.
        self._clean = 0

    def push(self, command, doc):
        """Apply ``command`` to ``doc`` and record it; any new edit drops the redo stack."""
        command.redo(doc)
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None  # the saved state was in the redo branch we are discarding
        self._done.append(command)
        self._undone.clear()

    def undo(self, doc):
        """Revert the last command; returns it (None when there is nothing to undo)."""
        if not self._done:
            return None
        command = self._done.pop()
        command.undo(doc)
        self._undone.append(command)
        return command

    def redo(self, doc):
        """Re-apply the last undone command; returns it (None when there is nothing to redo)."""
        if not self._undone:
            return None
        command = self._undone.pop()
        command.redo(doc)
        self._done.append(command)
        return command

    def clear(self):
        self._done.clear()
        self._undone.clear()
        self._clean = 0

    def mark_clean(self):
        self._clean = len(self._done)

    @property
    def dirty(self):
        return self._clean != len(self._done)

    @property
    def can_undo(self):
        return bool(self._done)

    @property
    def can_redo(self):
        return bool(self._undone)

    @property
    def undo_text(self):
        return f"Undo {self._done[-1].text}" if self._done else ""

    @property
    def redo_text(self):
        return f"Redo {self._undone[-1].text}" if self._undone else ""
