"""The headless application model: network spec, editing with undo, shapes, files, training, export.

No Qt here: ``blockstudio.ui`` renders a ``Workspace`` and calls its methods.

>>> from blockstudio.workspace import Workspace
>>> ws = Workspace()
>>> uid = ws.add_layer("Dense", units=10, activation=None)
"""

from blockstudio.workspace.errors import (LockedError, ParameterLoadError, ProjectFileError, SettingError,
                                          TrainingError)
from blockstudio.workspace.events import Event, EventEmitter, Events
from blockstudio.workspace.examples import example_projects
from blockstudio.workspace.shapes import LayerInfo, ParamInfo
from blockstudio.workspace.spec import (ACTIVATIONS, LAYER_KINDS, LayerSpec, NetworkSpec, TrainingSettings,
                                        build_network, default_settings, validate_setting)
from blockstudio.workspace.training import RunHistory
from blockstudio.workspace.workspace import Workspace

__all__ = ["Workspace", "Event", "EventEmitter", "Events", "LayerInfo", "ParamInfo", "LayerSpec", "NetworkSpec",
           "TrainingSettings", "LAYER_KINDS", "ACTIVATIONS", "build_network", "default_settings",
           "validate_setting", "example_projects", "RunHistory", "SettingError", "ProjectFileError", "LockedError", "ParameterLoadError",
           "TrainingError"]
