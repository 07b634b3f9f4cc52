"""The headless application: everything the window does is a method here, with no Qt.

A ``Workspace`` holds one project: the network's layers and input shape, the training settings,
the built core network and its parameters, the undo history, the file it lives in, and a
training run. Views call its methods and re-read what it reports when its ``events`` fire.

>>> ws = Workspace()
>>> uid = ws.add_layer("Dense", units=128, activation="relu")
>>> ws.undo_text
'Undo Add Dense'
>>> ws.layer_info(uid).params[0].shape
(128, 0)
"""

import itertools
import os

from blockstudio.workspace import parameters as params_io
from blockstudio.workspace.data import sample_batch
from blockstudio.workspace.errors import LockedError, ProjectFileError
from blockstudio.workspace.events import Events
from blockstudio.workspace.history import (Document, History, InsertLayer, MoveLayer, RemoveLayer, SetInputShape,
                                           SetTraining, UpdateLayer)
from blockstudio.workspace.inspect.workspace_mixin import InspectionMixin
from blockstudio.workspace.project import SUFFIX, read_project, write_project
from blockstudio.workspace.recent import RecentFiles
from blockstudio.workspace.shapes import NetworkState
from blockstudio.workspace.spec import LayerSpec, coerce_input_shape, coerce_setting, coerce_settings
from blockstudio.workspace.trainer_control import TrainingControl


class Workspace(TrainingControl, InspectionMixin):
    """One open project and everything done to it; see the module docstring.

    ``recent_files`` may be a ``RecentFiles`` (tests pass one in a temporary folder).
    """

    def __init__(self, recent_files=None):
        self.events = Events()
        self._recent = recent_files if recent_files is not None else RecentFiles()
        self._uids = itertools.count(1)
        self._doc = Document()
        self._history = History()
        self._state = NetworkState()
        self._selected = None
        self._path = None
        self._parameters_path = None   # the project's parameters file, once saved or opened
        self._params_origin = None     # None | "trained" | "loaded": values worth keeping
        self._params_dirty = False     # parameters changed since the project was saved
        self.last_batch_source = ""
        self.last_open_warnings = []
        TrainingControl.__init__(self)

    # -- reading the document ----------------------------------------------------------------

    @property
    def layers(self):
        """The layers, top to bottom (copies: change them with the edit methods)."""
        return [layer.copy() for layer in self._doc.layers]

    @property
    def input_shape(self):
        return self._doc.input_shape

    input_info = input_shape

    @property
    def training_settings(self):
        return self._doc.training

    def layer(self, uid):
        return self._doc.layers[self._index(uid)].copy()

    def _index(self, uid):
        try:
            return self._doc.index_of(uid)
        except KeyError:
            raise KeyError(f"no layer with uid {uid!r} in this network") from None

    def _new_uid(self):
        return f"layer{next(self._uids)}"

    # -- editing (every edit is one undoable command) ----------------------------------------

    def add_layer(self, kind, index=None, **settings):
        """Insert a ``kind`` layer at ``index`` (default: at the bottom); returns its uid."""
        self._check_unlocked("add a layer")
        layer = LayerSpec(self._new_uid(), kind, coerce_settings(kind, settings))
        index = len(self._doc.layers) if index is None else self._check_position(index, insert=True)
        self._push(InsertLayer(index, layer))
        return layer.uid

    def remove_layer(self, uid):
        self._check_unlocked("delete a layer")
        index = self._index(uid)
        self._push(RemoveLayer(index, self._doc.layers[index]))
        if self._selected == uid:
            self.select(None)

    def move_layer(self, uid, new_index):
        """Move a layer so that it ends up at ``new_index`` in the list."""
        self._check_unlocked("move a layer")
        old_index = self._index(uid)
        new_index = self._check_position(new_index, insert=False)
        if new_index != old_index:
            self._push(MoveLayer(old_index, new_index, self._doc.layers[old_index].kind))

    def duplicate_layer(self, uid):
        """Insert a copy right after the layer; returns the copy's uid."""
        self._check_unlocked("duplicate a layer")
        index = self._index(uid)
        copy = self._doc.layers[index].copy(uid=self._new_uid())
        self._push(InsertLayer(index + 1, copy, verb="Duplicate"))
        return copy.uid

    def update_layer(self, uid, **settings):
        """Change settings of a layer; raises SettingError (changing nothing) for a bad value."""
        self._check_unlocked("edit a layer")
        layer = self._doc.layers[self._index(uid)]
        after = {name: coerce_setting(layer.kind, name, value) for name, value in settings.items()}
        after = {name: value for name, value in after.items() if layer.settings[name] != value}
        if after:
            before = {name: layer.settings[name] for name in after}
            self._push(UpdateLayer(uid, layer.kind, before, after))

    def set_input_shape(self, shape):
        self._check_unlocked("change the input shape")
        shape = coerce_input_shape(shape)
        if shape != self._doc.input_shape:
            self._push(SetInputShape(self._doc.input_shape, shape))

    def set_training_settings(self, **fields):
        """Change training settings; raises SettingError (changing nothing) for a bad value."""
        self._check_unlocked("change the training settings")
        after = self._doc.training.replace(**fields)
        if after != self._doc.training:
            self._push(SetTraining(self._doc.training, after))

    def _check_position(self, index, insert):
        last = len(self._doc.layers) if insert else len(self._doc.layers) - 1
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= last:
            raise IndexError(f"position {index!r} is outside the network: use 0 to {last}")
        return index

    def _push(self, command):
        self._history.push(command, self._doc)
        self._changed()

    def _changed(self, layers=True):
        self._state.document_changed()
        if self._selected is not None and not any(l.uid == self._selected for l in self._doc.layers):
            self._selected = None
            self.events.selection.emit(uid=None)
        if layers:
            self.events.layers.emit()
        self.events.shapes.emit()
        self.events.history.emit()
        self.events.project.emit()

    # -- undo / redo -------------------------------------------------------------------------

    def undo(self):
        self._check_unlocked("undo")
        if self._history.undo(self._doc) is not None:
            self._changed()

    def redo(self):
        self._check_unlocked("redo")
        if self._history.redo(self._doc) is not None:
            self._changed()

    can_undo = property(lambda self: self._history.can_undo)
    can_redo = property(lambda self: self._history.can_redo)
    undo_text = property(lambda self: self._history.undo_text)
    redo_text = property(lambda self: self._history.redo_text)

    # -- selection ---------------------------------------------------------------------------

    def select(self, uid):
        if uid is not None:
            self._index(uid)
        if uid != self._selected:
            self._selected = uid
            self.events.selection.emit(uid=uid)

    @property
    def selected(self):
        return self._selected

    # -- shapes ------------------------------------------------------------------------------

    @property
    def network(self):
        """The current core ``nn.Sequential`` (rebuilt after edits, keeping unaffected values)."""
        return self._state.network(self._doc)

    def pass_batch(self):
        """Send one batch through the real network so its shapes resolve; returns True if it ran.

        Uses the first MNIST test images when found, else random numbers of the input's shape.
        A layer that fails is marked with the core's message (see ``layer_info(uid).error``).
        """
        self._check_unlocked("pass a batch")
        training = self._doc.training
        batch, self.last_batch_source = sample_batch(self._doc.input_shape, training.dataset, training.data_dir)
        ok = self._state.pass_batch(self._doc, batch)
        self.events.shapes.emit()
        return ok

    @property
    def shapes_resolved(self):
        self.network  # noqa: B018 - a stale network is rebuilt first, which drops lapsed records
        return self._state.fully_resolved(self._doc)

    def layer_info(self, uid):
        return self._state.layer_info(self._doc, self._doc.layers[self._index(uid)])

    @property
    def layer_errors(self):
        """``{uid: message}`` of the layers that failed in the last batch."""
        self.network  # noqa: B018
        return self._state.errors()

    @property
    def total_params(self):
        return self._state.total_params(self._doc)

    @property
    def params_text(self):
        """Exactly what ``print(net.collect_params())`` prints for the current network."""
        return str(self.network.collect_params())

    @property
    def summary_text(self):
        self.network  # noqa: B018
        return self._state.summary(self._doc)

    # -- files -------------------------------------------------------------------------------

    def new(self):
        """Start an empty, untitled project (asking about unsaved changes is the view's job)."""
        self._check_unlocked("start a new project")
        self._adopt(Document(), None, None)

    def open(self, path, as_copy=False):
        """Open a project; raises ProjectFileError and leaves the current project as it was.

        Returns warnings (also in ``last_open_warnings``), e.g. a missing parameters file:
        the project still opens, with an untrained network. ``as_copy=True`` opens it
        untitled (Save asks where; ``name`` reads "tutorial-mlp.bsproj (copy)"): how the
        shipped example opens, so saving a trained example never overwrites it.
        """
        self._check_unlocked("open a project")
        path = os.path.abspath(os.fspath(path))
        data = read_project(path, self._new_uid)
        warnings, net, params_path = [], None, None
        if data.parameters is not None:
            params_path = os.path.join(os.path.dirname(path), data.parameters)
            try:
                net = params_io.load_checked(data.document, params_path, allow_missing=True)
            except (OSError, ValueError) as error:
                warnings.append(f"The trained parameters were not loaded, the network starts untrained: {error}")
                params_path = None
        if as_copy:
            self._adopt(data.document, None, net, None)
            self._copy_of = path
        else:
            self._adopt(data.document, path, net, params_path)
            self._recent.add(path)
        self.last_open_warnings = warnings
        self.events.project.emit()
        return warnings

    def save(self, path=None):
        """Save to ``path`` (Save As) or to the current file; trained parameters go beside it.

        A path without an extension gets ``.bsproj``. Raises ProjectFileError when it cannot write.
        """
        if path is None:
            if self._path is None:
                raise ProjectFileError("This project has no file yet: use Save As to choose where to save it.")
            path = self._path
        path = os.path.abspath(os.fspath(path))
        if not os.path.splitext(path)[1]:
            path += SUFFIX
        relative = None
        if self._params_origin is not None:
            target = os.path.splitext(path)[0] + ".parameters.npz"
            if self._params_dirty or path != self._path or self._parameters_path != target \
                    or not os.path.isfile(target):
                try:
                    with self._step_lock:
                        params_io.save(self.network, target, partial=True)
                except OSError as error:
                    raise ProjectFileError(f"Cannot save the parameters beside the project ({target}): "
                                           f"{error.strerror or error}.") from error
            self._parameters_path, relative = target, os.path.basename(target)
        write_project(path, self._doc, relative)
        self._path = path
        self._history.mark_clean()
        self._params_dirty = False
        self._recent.add(path)
        self.events.project.emit()

    def _adopt(self, doc, path, net, params_path=None):
        self._doc, self._path, self._parameters_path = doc, path, params_path
        self._copy_of = None
        self._history.clear()
        self._state.reset()
        if net is not None:
            self._adopt_loaded(net)
        self._params_origin = "loaded" if net is not None else None
        self._params_dirty = False
        self._selected = None
        self.reset_run_history()
        for emitter in self.events:
            if emitter is self.events.selection:
                emitter.emit(uid=None)
            elif emitter is not self.events.training:
                emitter.emit()

    @property
    def path(self):
        return self._path

    @property
    def dirty(self):
        return self._history.dirty or self._params_dirty

    @property
    def copy_of(self):
        """The file an untitled project was opened from with ``open(..., as_copy=True)``, or None."""
        return None if self._path else getattr(self, "_copy_of", None)

    @property
    def name(self):
        """What the title bar calls the project: its file name, "<source> (copy)" or "Untitled"."""
        if self._path:
            return os.path.basename(self._path)
        return f"{os.path.basename(self.copy_of)} (copy)" if self.copy_of else "Untitled"

    @property
    def title(self):
        return self.name + ("*" if self.dirty else "")

    @property
    def recent_files(self):
        return self._recent.paths

    def forget_recent_file(self, path):
        self._recent.remove(path)
        self.events.project.emit()

    # -- parameters --------------------------------------------------------------------------

    @property
    def parameters_path(self):
        return self._parameters_path

    @property
    def has_trained_parameters(self):
        """True once the network holds trained or loaded values (worth saving with the project)."""
        return self._params_origin is not None

    def save_parameters(self, path):
        """Write the network's parameters (core ``.npz``); refuses while any is still unresolved."""
        self._write_parameters(path)

    def _write_parameters(self, path):
        with self._step_lock:  # a consistent snapshot even while a run updates them
            params_io.save(self.network, path)

    def load_parameters(self, path):
        """Load ``.npz`` or MXNet ``.params`` values; ParameterLoadError lists every mismatch.

        On any error the network is unchanged.
        """
        self._check_unlocked("load parameters")
        net = params_io.load_checked(self._doc, path)
        self._adopt_loaded(net)
        self._params_origin, self._params_dirty = "loaded", True
        self.events.shapes.emit()
        self.events.project.emit()

    def _adopt_loaded(self, net):
        from blockstudio.core import nd

        self._state.reset()
        self._state.adopt(net, self._doc)
        if all(param._data is not None for param in net.collect_params().values()):
            # Loaded values fix every parameter shape; one batch of zeros shows the output shapes.
            self._state.pass_batch(self._doc, nd.zeros(tuple(self._doc.input_shape)))

    def reset_parameters(self):
        """Drop all parameter values: the next batch or run starts from fresh initial values."""
        self._check_unlocked("reset the parameters")
        self._state.reset()
        self._params_dirty = self._params_origin is not None
        self._params_origin = None
        self.events.shapes.emit()
        self.events.project.emit()

    # -- export ------------------------------------------------------------------------------

    def export_script(self, path):
        """Write one runnable ``.py`` that builds and trains this network with the tutorial's API."""
        from blockstudio.workspace.export import write_script

        project = os.path.basename(self._path) if self._path else None
        write_script(path, self._doc, project_name=project)

    # -- locking -----------------------------------------------------------------------------

    @property
    def is_locked(self):
        return self.training_state != "idle"

    @property
    def lock_reason(self):
        if not self.is_locked:
            return ""
        return f"Training is {self.training_state}: stop it to edit the network."

    def _check_unlocked(self, action):
        if self.is_locked:
            raise LockedError(f"Cannot {action} while training is {self.training_state}: "
                              f"stop the run first (Training > Stop).")
