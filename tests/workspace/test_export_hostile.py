"""Exported scripts are built from escaped values: hostile project and script names compile, run and
run nothing of theirs; the default output never touches a file the project owns or any existing file."""

import ast
import os
import subprocess
import sys

import pytest

from blockstudio.workspace import Workspace
from blockstudio.workspace.export import _literal, default_output, run_instructions, script_text
from blockstudio.workspace.history import Document
from blockstudio.workspace.recent import RecentFiles
from blockstudio.workspace.spec import LayerSpec, TrainingSettings, default_settings

PAYLOAD = 'm""";__import__("os").system("touch PWNED");""".bsproj'
# (project file name, script file name): quotes, backslashes, newlines, unicode, format and % signs.
HOSTILE = [
    (PAYLOAD, 'x";__import__("os").system("touch PWNED");#.py'),
    ("a\\N.bsproj", "b\\N{x}.py"),
    ("new\nline'''\"\"\".bsproj", "line\nbreak.py"),
    ("ünï cødé ☃ \u2028 {braces} %(prog)s %d.bsproj", "ünï %s {0}.py"),
]


def _constant(text, name):
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not in the script")


@pytest.mark.parametrize("project_name, script_name", HOSTILE)
def test_hostile_names_export_a_script_that_compiles_runs_and_runs_nothing_else(project_name, script_name,
                                                                                   tmp_path, datasets_dir):
    ws = Workspace(recent_files=RecentFiles(tmp_path / "recent.json"))
    ws.add_layer("Dense", units=10, activation=None)
    ws.save(tmp_path / project_name)
    script = tmp_path / script_name
    ws.export_script(script)
    text = script.read_text(encoding="utf-8")
    compile(text, "script", "exec")
    assert _constant(text, "PROJECT") == project_name  # the exact name survives as data
    assert ast.get_docstring(ast.parse(text)).startswith("Train ")

    result = subprocess.run([sys.executable, str(script), "--data", str(datasets_dir / "mnist"), "--limit", "64",
                             "--epochs", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Epoch 1:" in result.stdout and "Saved the parameters to" in result.stdout
    assert not (tmp_path / "PWNED").exists()
    assert os.path.isfile(tmp_path / default_output(script_name))
    help_text = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path, capture_output=True,
                               text=True, timeout=60)
    assert help_text.returncode == 0, help_text.stderr  # argparse's %-formatting survives the names
    assert not (tmp_path / "PWNED").exists()


def test_every_value_is_a_checked_literal():
    assert _literal('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert ast.literal_eval(_literal("\udcff lone surrogate")) == "\udcff lone surrogate"
    for bad in (float("inf"), float("nan"), object(), b"bytes", [1]):
        with pytest.raises(ValueError):
            _literal(bad)
    odd = LayerSpec("a", "Dense", dict(default_settings("Dense"), activation='relu"); import os; ("'))
    with pytest.raises(ValueError):
        script_text(Document([odd], training=TrainingSettings()))
    with pytest.raises(ValueError):
        script_text(Document([LayerSpec("a", "Evil(); import os; nn.Dense", {})], training=TrainingSettings()))


def test_the_default_output_is_never_a_project_file_nor_an_existing_file(tmp_path, datasets_dir):
    ws = Workspace(recent_files=RecentFiles(tmp_path / "recent.json"))
    ws.add_layer("Dense", units=10, activation=None)
    ws.set_training_settings(data_dir=str(datasets_dir))
    ws.start_training(limit=64)
    assert ws.wait_training(60)
    ws.save(tmp_path / "mlp.bsproj")
    owned = ws.parameters_path
    before = open(owned, "rb").read()
    ws.export_script(tmp_path / "mlp.py")  # same stem as the project: it used to share its file
    assert default_output("mlp.py") == "mlp-trained.npz" and not default_output("mlp.py").startswith("mlp.param")

    def run(*args):
        return subprocess.run([sys.executable, "mlp.py", "--data", str(datasets_dir / "mnist"), "--limit", "64",
                               *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert run().returncode == 0
    assert open(owned, "rb").read() == before
    first = (tmp_path / "mlp-trained.npz").read_bytes()
    refused = run()  # the default output exists now: not replaced unless --output names it
    assert refused.returncode == 1 and "already exists" in refused.stderr and "--output" in refused.stderr
    assert (tmp_path / "mlp-trained.npz").read_bytes() == first
    assert run("--output", "mlp-trained.npz", "--epochs", "2").returncode == 0
    assert (tmp_path / "mlp-trained.npz").read_bytes() != first


def test_the_instructions_name_this_interpreter_and_what_to_install(tmp_path):
    text = run_instructions(tmp_path / "my script.py", tmp_path / "data")
    assert text.splitlines()[0] == (f"Run it here with:  {sys.executable} '{tmp_path / 'my script.py'}' "
                                    f"--data {tmp_path / 'data'}")
    assert "pip install numpy threadpoolctl" in text
