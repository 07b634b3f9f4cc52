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


def test_hostile_names_export_scripts_that_compile_run_and_run_nothing_else(tmp_path, datasets_dir):
    runs = []
    for number, (project_name, script_name) in enumerate(HOSTILE):
        folder = tmp_path / str(number)
        folder.mkdir()
        ws = Workspace(recent_files=RecentFiles(tmp_path / "recent.json"))
        ws.add_layer("Dense", units=10, activation=None)
        ws.save(folder / project_name)
        script = folder / script_name
        ws.export_script(script)
        text = script.read_text(encoding="utf-8")
        compile(text, "script", "exec")
        assert _constant(text, "PROJECT") == project_name  # the exact name survives, as data
        assert ast.get_docstring(ast.parse(text)).startswith("Train ")
        # Run them side by side (a training run each, and --help where argparse's %-formatting
        # meets a "%" in a name): the suite stays fast.
        for args in [["--data", str(datasets_dir / "mnist"), "--limit", "64", "--epochs", "1"]] + \
                [["--help"]] * ("%" in script_name + project_name):
            runs.append((folder, script_name, args[0], subprocess.Popen(
                [sys.executable, str(script), *args], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)))
    for folder, script_name, first, process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err  # --help too: argparse's %-formatting survives the names
        if first == "--data":
            assert "Epoch 1:" in out and "Saved the parameters to" in out
            assert os.path.isfile(folder / default_output(script_name))
    assert not list(tmp_path.rglob("PWNED"))


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
