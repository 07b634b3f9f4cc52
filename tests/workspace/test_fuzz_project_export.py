"""Property-based checks of the project reader and the exporter: whatever the input, the reader
gives a project or one ProjectFileError naming the file, and the exporter writes valid Python that
holds every name exactly, as data."""

import ast
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blockstudio.workspace import ProjectFileError
from blockstudio.workspace.export import script_text
from blockstudio.workspace.history import Document
from blockstudio.workspace.project import parse_project, read_project
from blockstudio.workspace.spec import LayerSpec, TrainingSettings, default_settings

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "tutorial-mlp.bsproj").read_bytes()
# A few seconds in the normal run; BLOCKSTUDIO_FUZZ_EXAMPLES=5000 for a long hunt.
EXAMPLES = int(os.environ.get("BLOCKSTUDIO_FUZZ_EXAMPLES", "100"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                        max_size=4),
                           max_leaves=20)


def read_or_refuse(path):
    try:
        return read_project(path, lambda: "u")
    except ProjectFileError as error:
        assert str(error).startswith(f"Cannot open {path.name}"), error
        return None


@FAST
@given(st.lists(st.tuples(st.integers(0, len(EXAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, len(EXAMPLE)))
def test_a_mutated_project_opens_or_is_refused_naming_the_file(tmp_path, flips, cut):
    data = bytearray(EXAMPLE[:cut] if cut % 3 == 0 else EXAMPLE)
    for offset, value in flips:
        if offset < len(data):
            data[offset] = value
    path = tmp_path / "mutated.bsproj"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


@settings(FAST, max_examples=max(EXAMPLES // 3, 1))
@given(st.dictionaries(st.sampled_from(["format", "version", "input_shape", "layers", "training", "parameters",
                                        "parameter_arrays", "layerz"]), json_values, max_size=6),
       st.lists(st.dictionaries(st.sampled_from(["type", "units", "activation", "rate", "in_units", "use_bias",
                                                 "flatten", "color"]), json_values, max_size=4), max_size=3))
def test_any_json_opens_or_is_refused_naming_the_file(top, layers):
    project = {"format": "blockstudio-project", "version": 1, **top}
    if layers:
        project["layers"] = layers
    try:
        parse_project(json.dumps(project, allow_nan=True), "any.bsproj", lambda: "u")
    except ProjectFileError as error:
        assert str(error).startswith("Cannot open any.bsproj")


@FAST
@given(st.text(), st.text())
def test_any_names_export_valid_python_holding_them_as_data(project_name, script_name):
    layers = [LayerSpec("a", "Dense", dict(default_settings("Dense"), units=10, activation=None))]
    text = script_text(Document(layers, training=TrainingSettings()), project_name + ".bsproj", script_name + ".py")
    tree = ast.parse(text)
    assert ast.get_docstring(tree).startswith("Train ")
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
              if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
              and isinstance(node.value, ast.Constant)}
    assert values["PROJECT"] == project_name + ".bsproj"
    assert values["OUTPUT"].endswith("-trained.npz")
    # The same statements as for a plain name: no name ever adds or changes code.
    assert ast.dump(_without_constants(tree)) == PLAIN_SHAPE


def _without_constants(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return tree


PLAIN_SHAPE = ast.dump(_without_constants(ast.parse(script_text(
    Document([LayerSpec("a", "Dense", dict(default_settings("Dense"), units=10, activation=None))],
             training=TrainingSettings()), "p.bsproj", "s.py"))))
