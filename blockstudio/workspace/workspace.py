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
from blockstudio.workspace import savepair
from blockstudio.workspace.data import sample_batch
from blockstudio.workspace.errors import LockedError, ProjectFileError
from blockstudio.workspace.events import Events
from blockstudio.workspace.history import (Document, History, InsertLayer, MoveLayer, RemoveLayer, SetInputShape,
                                           SetTraining, UpdateLayer)
from blockstudio.workspace.inspect.workspace_mixin import InspectionMixin
from blockstudio.workspace.project import SUFFIX, read_project
from blockstudio.workspace.recent import RecentFiles
from blockstudio.workspace.shapes import NetworkState, network_input_shape, to_network_layout
from blockstudio.workspace.spec import LayerSpec, coerce_input_shape, coerce_setting, coerce_settings
from blockstudio.workspace.trainer_control import TrainingControl
from blockstudio.workspace.validation import read_best_epoch


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
        self._state.sync(self._doc)
        self._layers_view = None         # the layers as views read them, copied once per change
        self._selected = None
        self._path = None
        self._parameters_path = None   # the project's parameters file, once saved or opened
        self._params_origin = None     # None | "trained" | "loaded": values worth keeping
        self._params_dirty = False     # parameters changed since the project was saved
        self._results = None             # Results of some parameters (see results_stale)
        self.last_batch_source = ""
        self.last_open_warnings = []
        TrainingControl.__init__(self)

    # -- reading the document ----------------------------------------------------------------

    @property
    def layers(self):
        """The layers, top to bottom (copies, made once per change: edit with the edit methods)."""
        if self._layers_view is None:
            self._layers_view = tuple(layer.copy() for layer in self._doc.layers)
        return list(self._layers_view)

    def batch(self):
        """A context in which several calls make one notification per view (``events.batch``)."""
        return self.events.batch()

    @property
    def input_shape(self):
        return self._doc.input_shape

    input_info = input_shape

    @property
    def network_input_shape(self):
        """How the network receives a batch: the input shape, channels first for a Conv2D."""
        return network_input_shape(self._doc)

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
        if not isinstance(command, SetTraining):
            self._check_size_after(command)
        with self.events.batch():
            self._history.push(command, self._doc)
            self._changed(command)

    def _check_size_after(self, command):
        """Refuse (SettingError, nothing changed) an edit after which the network would exceed the
        size bound: ``units: 100000000`` typed in the inspector must not allocate gigabytes."""
        from blockstudio.workspace.errors import SettingError
        from blockstudio.workspace.limits import NetworkTooLarge, check_network_size

        command.redo(self._doc)
        try:
            check_network_size(self._doc)
        except NetworkTooLarge as error:
            after = getattr(command, "after", None)
            field = (next(iter(after)) if isinstance(after, dict) and after
                     else "input_shape" if isinstance(command, SetInputShape) else "size")
            raise SettingError(field, f"Refused: {error}") from None
        finally:
            command.undo(self._doc)

    def _changed(self, command):
        """After ``command`` was applied or reverted: rebuild once if it changed the network."""
        structural = not isinstance(command, SetTraining)
        if structural:
            self._layers_view = None
            values_changed = self._state.sync(self._doc)
            if self._selected is not None and not any(l.uid == self._selected for l in self._doc.layers):
                self._selected = None
                self.events.selection.emit(uid=None)
            self.events.layers.emit()
            self.events.shapes.emit()
            if values_changed:
                self.events.parameters.emit()
                self.events.results.emit()
        else:
            self.events.settings.emit()
        self.events.history.emit()
        self.events.project.emit()

    # -- undo / redo -------------------------------------------------------------------------

    def undo(self):
        self._check_unlocked("undo")
        with self.events.batch():
            command = self._history.undo(self._doc)
            if command is not None:
                self._changed(command)

    def redo(self):
        self._check_unlocked("redo")
        with self.events.batch():
            command = self._history.redo(self._doc)
            if command is not None:
                self._changed(command)

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
        """The current core ``nn.Sequential``: rebuilt once per edit (values kept by layer), never
        by reading it."""
        return self._state.net

    def pass_batch(self):
        """Send one batch through the real network so its shapes resolve; returns True if it ran.

        Uses the first MNIST test images when found, else random numbers of the input's shape.
        A layer that fails is marked with the core's message (see ``layer_info(uid).error``).
        """
        self._check_unlocked("pass a batch")
        training = self._doc.training
        batch, self.last_batch_source = sample_batch(self._doc.input_shape, training.dataset, training.data_dir)
        batch = to_network_layout(batch, self._doc)
        with self.events.batch():
            ok = self._state.pass_batch(self._doc, batch)
            self.events.shapes.emit()
            self.events.parameters.emit()
            self.events.results.emit()
        return ok

    @property
    def shapes_resolved(self):
        return self._state.fully_resolved(self._doc)

    def layer_info(self, uid):
        """What the network knows of one layer now (a pure read: builds and runs nothing)."""
        return self._state.layer_info(self._doc, self._doc.layers[self._index(uid)])

    def layer_infos(self):
        """``layer_info`` of every layer, top to bottom, in one pass."""
        from blockstudio.workspace.shapes import static_chain

        chain = static_chain(self._doc)
        return [self._state.layer_info(self._doc, layer, index, chain)
                for index, layer in enumerate(self._doc.layers)]

    @property
    def layer_errors(self):
        """``{uid: message}`` of the layers that failed in the last batch."""
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
            try:  # a stranger's project may name /dev/zero, a pipe or ../secret: checked first
                params_path = savepair.parameters_file(path, data.parameters, data.document)
                net = params_io.load_checked(data.document, params_path, allow_missing=True,
                                             recorded=data.parameter_arrays)
            except (OSError, ValueError) as error:
                warnings.append(f"The trained parameters were not loaded, the network starts untrained: {error}")
                params_path = None
        results = data.results if net is not None else None
        best = read_best_epoch(params_path, data, net, warnings) if net is not None else None
        if as_copy:
            self._adopt(data.document, None, net, None, results)
            self._copy_of = path
        else:
            self._adopt(data.document, path, net, params_path, results)
            self._recent.add(path)
        self._best_epoch = best
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
        write = None
        best = self._best_epoch if self._best_epoch_fits() else None  # kept only while it fits the network
        if self._params_origin is not None:
            def write(target):
                with self._step_lock:
                    return params_io.save(self.network, target, partial=True,
                                          extra=best.file_arrays() if best is not None else None)
        # Parameters under a new name, then the project naming them, then the old file removed.
        self._parameters_path = savepair.save_project(path, self._doc, write, previous=self._parameters_path,
                                                      results=self._results,
                                                      best_epoch=best.to_dict() if best is not None else None)
        self._path = path
        self._history.mark_clean()
        self._params_dirty = False
        self._recent.add(path)
        self.events.project.emit()

    def _adopt(self, doc, path, net, params_path=None, results=None):
        self._doc, self._path, self._parameters_path = doc, path, params_path
        self._results = results
        self._best_epoch = None
        self._copy_of = None
        self._history.clear()
        self._layers_view = None
        self._state.reset(self._doc, build=net is None)  # loaded values bring their own network
        if net is not None:
            self._adopt_loaded(net)
        self._params_origin = "loaded" if net is not None else None
        self._params_dirty = False
        self._selected = None
        self.reset_run_history()
        with self.events.batch():
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
        with self.events.batch():
            self._adopt_loaded(net)
            self._params_origin, self._params_dirty = "loaded", True
            self._results = None  # nothing is known of these values yet
            self.events.shapes.emit()
            self.events.parameters.emit()
            self.events.results.emit()
            self.events.project.emit()

    def _adopt_loaded(self, net):
        from blockstudio.core import nd

        self._state.adopt(net, self._doc)
        if all(param._data is not None for param in net.collect_params().values()):
            # Loaded values fix every parameter shape; one batch of zeros shows the output shapes.
            self._state.pass_batch(self._doc, nd.zeros(network_input_shape(self._doc)))

    def reset_parameters(self):
        """Drop all parameter values: the next batch or run starts from fresh initial values."""
        self._check_unlocked("reset the parameters")
        self._state.reset(self._doc)
        self._params_dirty = self._params_origin is not None
        self._params_origin = None
        with self.events.batch():
            self.events.shapes.emit()
            self.events.parameters.emit()
            self.events.results.emit()
            self.events.project.emit()

    # -- results -----------------------------------------------------------------------------

    @property
    def results(self):
        """The ``Results`` last measured on this project's parameters, or None."""
        return self._results

    @property
    def results_stale(self):
        """True when the results describe other values than the network holds now."""
        from blockstudio.workspace.results import fingerprint

        results = self._results
        if results is None:
            return False
        with self._step_lock:
            return results.fingerprint is None or results.fingerprint != fingerprint(self.network)

    @property
    def results_text(self):
        """What the results panel says: the metrics, and which parameters they describe."""
        return self.results_report()[0]

    def results_report(self):
        """``(results_text, results_stale)``, the network's fingerprint computed once for both."""
        results = self._results
        if results is None:
            if self.has_trained_parameters:
                return "No results for these parameters yet: train them, or evaluate them.", False
            return "Not trained yet.", False
        what = (f"the parameters after epoch {results.epochs} of the last run" if results.epochs
                else "these parameters")
        if self.results_stale:
            return (f"Stale: {results.summary()}, measured on earlier parameters ({what}); the network "
                    f"has changed since. Undo the change, or train again."), True
        return f"{results.summary()}, of the current parameters ({what}).", False

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
