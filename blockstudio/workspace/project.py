"""The ``.bsproj`` project file: JSON naming its format and version, the layers, the training settings.

    {"format": "blockstudio-project", "version": 1,
     "input_shape": [64, 28, 28, 1],
     "layers": [{"type": "Dense", "units": 128, "activation": "relu", ...}, ...],
     "training": {"epochs": 1, "batch_size": 64, ...},
     "parameters": "tutorial-mlp.parameters.npz"}      # beside the project, or null

Reading checks everything before anything is used, so a damaged file is refused whole.

>>> text = dumps_project(Document())
>>> parse_project(text, "x.bsproj", lambda: "u1").document.input_shape
(64, 28, 28, 1)
"""

import json
import os
from dataclasses import dataclass

from blockstudio.core.fileio import atomic_write
from blockstudio.workspace.errors import ProjectFileError, SettingError
from blockstudio.workspace.history import Document
from blockstudio.workspace.results import Results
from blockstudio.workspace.spec import (LAYER_KINDS, LayerSpec, TrainingSettings, coerce_input_shape,
                                        coerce_settings)

FORMAT = "blockstudio-project"
VERSION = 1
SUFFIX = ".bsproj"
# A project is a few kilobytes; anything far larger is not one (and must not be read whole).
MAX_BYTES = 10 * 1024 * 1024


@dataclass
class ProjectData:
    document: Document
    parameters: str | None  # as written in the file: relative to the project's folder
    results: Results | None = None  # what was measured on those parameters


def dumps_project(doc, parameters=None, results=None):
    """The JSON text of a project: one line per layer, so a diff shows which layer changed."""
    layers = [json.dumps({"type": layer.kind, **layer.settings}) for layer in doc.layers]
    training = json.dumps(doc.training.to_dict(), indent=4)[:-1] + "  }"
    return "\n".join([
        "{",
        f'  "format": "{FORMAT}",',
        f'  "version": {VERSION},',
        f'  "input_shape": {json.dumps(list(doc.input_shape))},',
        '  "layers": [' + ("\n    " + ",\n    ".join(layers) + "\n  ]," if layers else "],"),
        f'  "training": {training},',
        f'  "parameters": {json.dumps(parameters)}' + ("," if results is not None and parameters else ""),
        *([f'  "results": {json.dumps(results.to_dict())}'] if results is not None and parameters else []),
        "}",
    ]) + "\n"


def write_project(path, doc, parameters=None, results=None):
    """Write atomically: a crash mid-save never leaves a truncated project behind."""
    text = dumps_project(doc, parameters, results)
    try:
        with atomic_write(path, "wb") as f:
            f.write(text.encode("utf-8"))
    except OSError as error:
        raise ProjectFileError(f"Cannot save the project to {path}: {error.strerror or error}. "
                               f"Choose a folder you can write to.") from error


def read_project(path, new_uid):
    """Read and check a project file; raises ProjectFileError saying what is wrong."""
    name = os.path.basename(os.fspath(path))
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise ProjectFileError(f"Cannot open {name}: it is {size // (1024 * 1024)} MB, far too large for "
                                   f"a blockstudio project. Is it the right file?")
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as error:
        raise ProjectFileError(f"Cannot open {name}: {error.strerror or error}.") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectFileError(f"Cannot open {name}: it is not a text file, so not a blockstudio project "
                               f"(those are JSON text ending in {SUFFIX}).") from None
    return parse_project(text, name, new_uid)


def parse_project(text, name, new_uid):
    """Check project JSON ``text``; ``new_uid()`` gives each layer its uid."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectFileError(f"Cannot open {name}: it is not valid JSON (line {error.lineno}, column "
                               f"{error.colno}: {error.msg}). It may be damaged or not a blockstudio "
                               f"project.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ProjectFileError(f"Cannot open {name}: it is not a blockstudio project (its \"format\" should "
                               f"be \"{FORMAT}\", found {found!r}).")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"Cannot open {name}: its \"version\" should be a whole number, found {version!r}.")
    if version > VERSION:
        raise ProjectFileError(f"Cannot open {name}: it was written by a newer blockstudio (project version "
                               f"{version}; this one reads up to version {VERSION}). Update blockstudio.")

    def bad(where, what):
        return ProjectFileError(f"Cannot open {name}: {where}: {what}. Fix it in a text editor or "
                                f"rebuild the network in blockstudio.")

    try:
        input_shape = coerce_input_shape(data.get("input_shape", [64, 28, 28, 1]))
    except SettingError as error:
        raise bad("\"input_shape\"", error.message) from None

    entries = data.get("layers", [])
    if not isinstance(entries, list):
        raise bad("\"layers\"", f"should be a list of layers, found {type(entries).__name__}")
    layers = []
    for number, entry in enumerate(entries, start=1):
        where = f"layer {number}"
        if not isinstance(entry, dict) or "type" not in entry:
            raise bad(where, "should be an object with a \"type\"")
        settings = dict(entry)
        kind = settings.pop("type")
        if kind not in LAYER_KINDS:
            raise bad(where, f"unknown type {kind!r} (blockstudio knows {', '.join(LAYER_KINDS)})")
        try:
            settings = coerce_settings(kind, settings)
        except SettingError as error:
            raise bad(f"{where} ({kind})", error.message) from None
        layers.append(LayerSpec(new_uid(), kind, settings))

    training_data = data.get("training", {})
    if not isinstance(training_data, dict):
        raise bad("\"training\"", f"should be an object of settings, found {type(training_data).__name__}")
    try:
        training = TrainingSettings().replace(**training_data)
    except SettingError as error:
        raise bad("\"training\"", error.message) from None

    parameters = data.get("parameters")
    if parameters is not None and (not isinstance(parameters, str) or not parameters):
        raise bad("\"parameters\"", f"should be a file name or null, found {parameters!r}")
    results = None
    if data.get("results") is not None:
        try:
            results = Results.from_dict(data["results"], name)
        except ValueError as error:
            raise bad("\"results\"", str(error)) from None
    return ProjectData(Document(layers, input_shape, training), parameters, results)
