"""The ``.bsproj`` project file: JSON naming its format and version, the layers, the training settings.

    {"format": "blockstudio-project", "version": 1,
     "input_shape": [64, 28, 28, 1],
     "layers": [{"type": "Dense", "units": 128, "activation": "relu", ...}, ...],
     "training": {"epochs": 1, "batch_size": 64, ...},
     "parameters": "tutorial-mlp.parameters.npz",      # beside the project, or null
     "parameter_arrays": ["0.weight", "0.bias", ...],  # what that file holds (absent: not recorded)
     "results": {"test_accuracy": 0.94, ..., "fingerprint": "..."},  # measured on those values
     "best_epoch": {"epoch": 3, "results": {...}}}     # the last run's best epoch (absent: none)

The best epoch's parameters (the highest validation accuracy of the last run) live in the same
parameters file as the current ones, as arrays named ``best_epoch.`` + the usual key
(``best_epoch.0.weight``): one file, written and replaced by the same save-pair steps, so the
two sets can never disagree with the project that names them. Loading that file as parameters
(File > Load Parameters, ``load_checked``) reads the current values and leaves those aside.

Reading checks everything before anything is used, so a damaged file is refused whole.

>>> text = dumps_project(Document())
>>> parse_project(text, "x.bsproj", lambda: "u1").document.input_shape
(64, 28, 28, 1)
"""

import json
import os
import stat
from dataclasses import dataclass

from blockstudio.core.fileio import atomic_write
from blockstudio.workspace.errors import ProjectFileError, SettingError
from blockstudio.workspace.history import Document
from blockstudio.workspace.limits import NetworkTooLarge, check_network_size
from blockstudio.workspace.results import Results
from blockstudio.workspace.spec import (LAYER_KINDS, LayerSpec, TrainingSettings, coerce_input_shape,
                                        coerce_settings)

FORMAT = "blockstudio-project"
VERSION = 1
SUFFIX = ".bsproj"
# A project is a few kilobytes; anything far larger is not one (and must not be read whole).
MAX_BYTES = 10 * 1024 * 1024
# The top-level keys a project may have: anything else (a typo like "layerz") is refused by name,
# never dropped, or the next Save would write the project without it.
KEYS = ("format", "version", "input_shape", "layers", "training", "parameters", "parameter_arrays", "results",
        "best_epoch")
# No setting needs more digits (units, seeds, epochs); longer numbers are damage or mischief.
MAX_DIGITS = 18


@dataclass
class ProjectData:
    document: Document
    parameters: str | None  # as written in the file: relative to the project's folder
    # The arrays the parameters file was written with: a file that lacks one is damaged, not partial.
    parameter_arrays: list | None = None
    results: Results | None = None  # what was measured on those parameters
    best_epoch: dict | None = None  # {"epoch": N, "results": Results or None}: arrays in the parameters file


def dumps_project(doc, parameters=None, parameter_arrays=None, results=None, best_epoch=None):
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
        f'  "parameters": {json.dumps(parameters)}' + (
            f',\n  "parameter_arrays": {json.dumps(list(parameter_arrays))}'
            if parameters is not None and parameter_arrays is not None else "") + (
            f',\n  "results": {json.dumps(results.to_dict())}' if parameters is not None and results is not None
            else "") + (
            f',\n  "best_epoch": {json.dumps(best_epoch)}' if parameters is not None and best_epoch is not None
            else ""),
        "}",
    ]) + "\n"


def write_project(path, doc, parameters=None, parameter_arrays=None, results=None, best_epoch=None):
    """Write atomically: a crash mid-save never leaves a truncated project behind."""
    text = dumps_project(doc, parameters, parameter_arrays, results, best_epoch)
    try:
        with atomic_write(path, "wb") as f:
            f.write(text.encode("utf-8"))
    except OSError as error:
        raise ProjectFileError(f"Cannot save the project to {path}: {error.strerror or error}. "
                               f"Choose a folder you can write to.") from error


def read_project(path, new_uid):
    """Read and check a project file; raises ProjectFileError saying what is wrong.

    Only a regular file is read (a FIFO or a device would block or never end), and at most
    ``MAX_BYTES`` of it.
    """
    name = os.path.basename(os.fspath(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ProjectFileError(f"Cannot open {name}: {error.strerror or error}.") from error
    try:
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ProjectFileError(f"Cannot open {name}: it is not a regular file (a folder, device or "
                                       f"pipe), so not a blockstudio project.")
            if info.st_size > MAX_BYTES:
                raise ProjectFileError(f"Cannot open {name}: it is {info.st_size // (1024 * 1024)} MB, far too "
                                       f"large for a blockstudio project. Is it the right file?")
            raw = f.read(MAX_BYTES + 1)
    except OSError as error:
        raise ProjectFileError(f"Cannot open {name}: {error.strerror or error}.") from error
    if len(raw) > MAX_BYTES:
        raise ProjectFileError(f"Cannot open {name}: it is far too large for a blockstudio project.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectFileError(f"Cannot open {name}: it is not a text file, so not a blockstudio project "
                               f"(those are JSON text ending in {SUFFIX}).") from None
    return parse_project(text, name, new_uid)


class _Refused(ValueError):
    """Something in the JSON text a project never holds (raised from the parser's hooks)."""


def _no_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(f"the key {key!r} appears twice in one object (which one is meant?)")
        seen.add(key)
    return dict(pairs)


def _bounded_int(text):
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(f"a number has {len(text.lstrip('-'))} digits (no setting needs more than {MAX_DIGITS})")
    return int(text)


def _no_constant(text):
    raise _Refused(f"{text} is not a number a project can hold")


def _load_json(text, name):
    """``json.loads`` that refuses duplicate keys, huge integers, NaN/Infinity and deep nesting,
    each as one ProjectFileError naming the file."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_bounded_int,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ProjectFileError(f"Cannot open {name}: it is not valid JSON (line {error.lineno}, column "
                               f"{error.colno}: {error.msg}). It may be damaged or not a blockstudio "
                               f"project.") from None
    except _Refused as error:
        raise ProjectFileError(f"Cannot open {name}: {error}. It may be damaged or not a blockstudio "
                               f"project.") from None
    except RecursionError:
        raise ProjectFileError(f"Cannot open {name}: its JSON is nested far too deeply for a blockstudio "
                               f"project. It may be damaged or not a project.") from None
    except (ValueError, MemoryError, OverflowError) as error:
        raise ProjectFileError(f"Cannot open {name}: {str(error) or type(error).__name__}. It may be damaged or "
                               f"not a blockstudio project.") from None


def parse_project(text, name, new_uid):
    """Check project JSON ``text``; ``new_uid()`` gives each layer its uid.

    Every failure is one ProjectFileError naming the file, whatever the text holds.
    """
    try:
        return _parse(text, name, new_uid)
    except (RecursionError, MemoryError, OverflowError) as error:
        raise ProjectFileError(f"Cannot open {name}: {type(error).__name__} while checking it ({error}). It may be "
                               f"damaged or not a blockstudio project.") from None


def _parse(text, name, new_uid):
    data = _load_json(text, name)
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

    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise bad(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}",
                  f"a project has only {', '.join(KEYS)}")

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
    arrays = data.get("parameter_arrays")
    if arrays is not None and (parameters is None or not isinstance(arrays, list)
                               or not all(isinstance(a, str) for a in arrays)):
        raise bad("\"parameter_arrays\"", "should be the list of array names in the \"parameters\" file")
    results = None
    if data.get("results") is not None:
        try:
            results = Results.from_dict(data["results"], name)
        except ValueError as error:
            raise bad("\"results\"", str(error)) from None
    best_epoch = None
    if data.get("best_epoch") is not None:
        best_epoch = _best_epoch(data["best_epoch"], parameters, name, bad)
    document = Document(layers, input_shape, training)
    try:
        check_network_size(document)  # before anything is built: sizes are plain numbers here
    except NetworkTooLarge as error:
        raise ProjectFileError(f"Cannot open {name}: {error}") from None
    return ProjectData(document, parameters, arrays, results, best_epoch)


def _best_epoch(info, parameters, name, bad):
    """The checked ``"best_epoch"`` object: ``{"epoch": N, "results": Results or None}``."""
    if parameters is None or not isinstance(info, dict) or set(info) - {"epoch", "results"}:
        raise bad("\"best_epoch\"", "should be {\"epoch\": N, \"results\": {...}} beside a \"parameters\" file")
    epoch = info.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
        raise bad("\"best_epoch.epoch\"", f"should be a whole number of at least 1, found {epoch!r}")
    results = None
    if info.get("results") is not None:
        try:
            results = Results.from_dict(info["results"], name)
        except ValueError as error:
            raise bad("\"best_epoch.results\"", str(error)) from None
    return {"epoch": epoch, "results": results}
