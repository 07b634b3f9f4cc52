"""The blockstudio command: train and export headless, open the window, one-line errors."""

import json
import shutil
import subprocess
import sys
import types
from io import StringIO
from pathlib import Path

import pytest

from blockstudio import cli
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace import Workspace
from blockstudio.workspace.events import Event

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tutorial-mlp.bsproj"
DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "mlp.bsproj"
    shutil.copy(EXAMPLE, path)
    return path


def one_error_line(capsys, code, expected_code, *fragments):
    err = capsys.readouterr().err
    assert code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blockstudio"), err
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_export_writes_a_runnable_script(project, tmp_path, capsys):
    assert cli.main(["export", str(project), "-o", str(tmp_path / "train_mlp.py")]) == 0
    assert "Wrote" in capsys.readouterr().out
    text = (tmp_path / "train_mlp.py").read_text()
    compile(text, "train_mlp.py", "exec")
    assert 'net.add(gluon.nn.Dense(128, activation="relu"))' in text


def test_export_errors(project, tmp_path, capsys):
    one_error_line(capsys, cli.main(["export", str(tmp_path / "none.bsproj"), "-o", "x.py"]), 1,
                   "Cannot open none.bsproj")
    (tmp_path / "bad.bsproj").write_text("{")
    one_error_line(capsys, cli.main(["export", str(tmp_path / "bad.bsproj"), "-o", "x.py"]), 1, "not valid JSON")
    with pytest.raises(SystemExit) as info:
        cli.main(["export", str(project)])
    one_error_line(capsys, info.value.code, 2, "-o/--output")
    one_error_line(capsys, cli.main(["export", str(project), "-o", str(tmp_path / "no" / "dir" / "x.py")]), 1,
                   "cannot write")


def test_train_on_a_slice_saves_beside_the_project_and_records_it(project, capsys):
    code = cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "256", "--epochs", "2",
                     "--batch-size", "32"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Epoch 1/2: loss" in out and "Epoch 2/2: loss" in out and "test accuracy" in out
    params = project.with_name("mlp.parameters.npz")
    assert "Saved the parameters to" in out and params.exists()
    data = json.loads(project.read_text())
    assert data["parameters"] == "mlp.parameters.npz"
    assert data["training"]["epochs"] == 1 and data["training"]["batch_size"] == 64  # overrides not saved
    ws = Workspace()
    ws.open(project)
    assert ws.has_trained_parameters and ws.shapes_resolved


def test_train_with_output_leaves_the_project_alone(project, tmp_path, capsys):
    before = project.read_bytes()
    assert cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "128", "-o",
                     str(tmp_path / "p.npz")]) == 0
    assert project.read_bytes() == before
    assert sorted(load_arrays(tmp_path / "p.npz"))[:2] == ["0.bias", "0.weight"]
    assert not project.with_name("mlp.parameters.npz").exists()


def test_resume_without_saved_parameters_says_so(project, tmp_path, capsys):
    assert cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "64", "--resume", "-o",
                     str(tmp_path / "p.npz")]) == 0
    assert "no saved parameters" in capsys.readouterr().err


@pytest.mark.parametrize("args, code, fragment", [
    (["--epochs", "0"], 2, "--epochs: expected a whole number of at least 1, got 0"),
    (["--batch-size", "ten"], 2, "expected a whole number, got 'ten'"),
    (["--data", "/no/such/folder"], 2, "--data /no/such/folder: no such folder"),
    (["--learning-rate", "3"], 2, "unrecognized arguments: --learning-rate 3"),
])
def test_train_bad_arguments(project, capsys, args, code, fragment):
    try:
        result = cli.main(["train", str(project), *args])
    except SystemExit as exit:
        result = exit.code
    one_error_line(capsys, result, code, fragment)


def test_train_without_data_and_with_a_diverging_project(project, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    line = one_error_line(capsys, cli.main(["train", str(project), "--data", str(tmp_path / "empty")]), 1,
                          "MNIST files not found")
    assert str(tmp_path / "empty") in line
    ws = Workspace()
    ws.open(project)
    ws.set_training_settings(learning_rate=1e30)
    ws.save()
    one_error_line(capsys, cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "256"]), 1,
                   "diverged", "smaller learning rate")


def test_the_window_is_opened_through_the_ui_entry_point(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    calls = []
    fake = types.ModuleType("blockstudio.ui.app")
    fake.main = lambda argv=None: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "blockstudio.ui.app", fake)
    import blockstudio.ui

    monkeypatch.setattr(blockstudio.ui, "app", fake, raising=False)
    assert cli.main([]) == 0 and calls == [[]]
    assert cli.main([str(project)]) == 0 and calls[-1] == [str(project)]
    (tmp_path / "damaged.bsproj").write_text("[]")
    one_error_line(capsys, cli.main([str(tmp_path / "damaged.bsproj")]), 1, "not a blockstudio project")
    one_error_line(capsys, cli.main([str(project), str(project)]), 2, "at most one project")
    assert len(calls) == 2  # no window for bad command lines


def test_no_display_is_one_line_not_a_qt_abort(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    one_error_line(capsys, cli.main([]), 1, "no display", "blockstudio train")


def test_help_and_version(capsys):
    assert cli.main(["--help"]) == 0 and "blockstudio train PROJECT.bsproj" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0 and capsys.readouterr().out.startswith("blockstudio 0.")


def test_progress_bar_draws_on_terminals_only():
    class Terminal(StringIO):
        def isatty(self):
            return True

    event = Event("training", kind="step", epoch=1, step=469, steps_per_epoch=938, loss=0.25,
                  samples_per_sec=120000.0, eta_seconds=75)
    terminal = cli.ProgressBar(Terminal(), width=10)
    terminal.show(event, 2)
    assert terminal.stream.getvalue() == ("\rEpoch 1/2 [#####.....] 469/938  loss 0.2500  120,000 samples/s  "
                                          "ETA 1:15\033[K")
    pipe = cli.ProgressBar(StringIO())
    pipe.show(event, 2)
    pipe.clear()
    assert pipe.stream.getvalue() == ""


def test_python_dash_m_blockstudio_runs_the_same_command(project, tmp_path):
    ok = subprocess.run([sys.executable, "-m", "blockstudio", "export", str(project), "-o", str(tmp_path / "s.py")],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and (tmp_path / "s.py").exists()
    bad = subprocess.run([sys.executable, "-m", "blockstudio", "train", str(tmp_path / "missing.bsproj")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Cannot open missing.bsproj" in bad.stderr


def test_export_never_reads_the_parameters_and_says_how_to_run_the_script(tmp_path, capsys):
    # A stranger's project pointing at /dev/zero used to be read until memory ran out.
    text = EXAMPLE.read_text().replace('"parameters": null', '"parameters": "/dev/zero"')
    assert '"/dev/zero"' in text
    (tmp_path / "evil.bsproj").write_text(text)
    assert cli.main(["export", str(tmp_path / "evil.bsproj"), "-o", str(tmp_path / "evil.py")]) == 0
    out = capsys.readouterr().out
    assert f"Run it here with:  {sys.executable} {tmp_path / 'evil.py'}" in out
    assert "pip install numpy threadpoolctl" in out


def test_training_a_shipped_example_never_modifies_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = EXAMPLE.read_bytes()
    assert cli.main(["train", str(EXAMPLE), "--data", str(DATASETS), "--limit", "64"]) == 0
    captured = capsys.readouterr()
    assert "shipped example" in captured.err and str(tmp_path / "tutorial-mlp.bsproj") in captured.err
    assert EXAMPLE.read_bytes() == before
    assert not list(EXAMPLE.parent.glob("*.npz"))
    copy = json.loads((tmp_path / "tutorial-mlp.bsproj").read_text())
    assert copy["parameters"] == "tutorial-mlp.parameters.npz" and (tmp_path / copy["parameters"]).exists()
    # Again: the copy exists, so the user is asked to train it or to give -o.
    one_error_line(capsys, cli.main(["train", str(EXAMPLE), "--data", str(DATASETS), "--limit", "64"]), 1,
                   "shipped example", "-o FILE")
    assert EXAMPLE.read_bytes() == before


@pytest.mark.parametrize("text, fragment", [
    ("[" * 100000 + "]" * 100000, "nested"),
    (EXAMPLE.read_text().replace('"epochs": 1', '"epochs": ' + "9" * 5000), "5000 digits"),
    (EXAMPLE.read_text().replace('"units": 128', '"units": 100000000'), "BLOCKSTUDIO_MAX_PARAMETERS"),
])
def test_hostile_projects_are_one_error_line_for_every_command(tmp_path, capsys, text, fragment):
    (tmp_path / "h.bsproj").write_text(text)
    for command in (["train", str(tmp_path / "h.bsproj"), "--data", str(DATASETS)],
                    ["export", str(tmp_path / "h.bsproj"), "-o", str(tmp_path / "h.py")]):
        one_error_line(capsys, cli.main(command), 1, fragment)
    assert not (tmp_path / "h.py").exists()


def test_an_error_after_training_is_not_reported_as_finished(project, capsys, monkeypatch):
    from blockstudio.workspace import parameters

    def out_of_memory(*args, **kwargs):
        raise MemoryError()
    monkeypatch.setattr(parameters, "save", out_of_memory)  # the fault: saving runs out of memory
    before = project.read_bytes()
    line = one_error_line(capsys, cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "64"]), 1,
                          "could not be saved", "not enough memory")
    assert "finished" not in line and project.read_bytes() == before


def test_any_unexpected_error_is_one_line(capsys, monkeypatch):
    def broken(argv):
        raise OverflowError("int too large to convert to float")
    monkeypatch.setattr(cli, "export_command", broken)
    one_error_line(capsys, cli.main(["export", "x.bsproj", "-o", "x.py"]), 1, "a number is too large",
                   "int too large")


def test_an_overflowing_last_step_fails_and_saves_nothing(project, capsys):
    data = json.loads(project.read_text())
    data["training"]["learning_rate"] = 1e300
    project.write_text(json.dumps(data))
    before = project.read_bytes()
    one_error_line(capsys, cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "64"]), 1,
                   "diverged", "last update")
    assert project.read_bytes() == before and not list(project.parent.glob("*.npz"))
