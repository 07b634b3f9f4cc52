"""``blockstudio train --validation N --patience N``: the split and early stopping from the command line."""

import json

import pytest

from blockstudio import cli
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace import Workspace
from blockstudio.workspace.validation import BEST_PREFIX
from tests.test_cli import DATASETS, one_error_line, project  # noqa: F401 - the fixture


def test_train_validates_stops_early_and_saves_the_best_epoch(project, capsys):  # noqa: F811
    ws = Workspace()
    ws.open(project)
    # On the first 320 images these settings peak at epoch 5; patience 2 stops after epoch 7 of 8.
    ws.set_training_settings(learning_rate=0.5, momentum=0.9)
    ws.save()
    code = cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "320", "--epochs", "8",
                     "--validation", "300", "--patience", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith("Epoch ")]
    assert len(lines) == 7 and all("validation accuracy" in line for line in lines)
    assert "Stopped early after epoch 7 of 8" in out and "best epoch was epoch 5" in out
    data = json.loads(project.read_text())
    assert data["best_epoch"]["epoch"] == 5
    assert data["training"]["validation"] == 5000 and data["training"]["patience"] == 0  # overrides not saved
    assert any(key.startswith(BEST_PREFIX) for key in load_arrays(project.with_name(data["parameters"])))
    reopened = Workspace()
    reopened.open(project)
    reopened.restore_best_epoch()
    assert reopened.results.epochs == 5 and not reopened.results_stale


def test_train_without_a_split_has_no_validation_figures(project, capsys):  # noqa: F811
    assert cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "128", "--validation", "0"]) == 0
    out = capsys.readouterr().out
    assert "Epoch 1/1: loss" in out and "validation" not in out
    assert "best_epoch" not in json.loads(project.read_text())


@pytest.mark.parametrize("args, code, fragment", [
    (["--validation", "-1"], 2, "--validation: expected a whole number of at least 0, got -1"),
    (["--patience", "x"], 2, "expected a whole number, got 'x'"),
    (["--validation", "0", "--patience", "2"], 1, "needs a validation split"),
    (["--validation", "60000"], 1, "validation must be at most 50000"),
])
def test_bad_validation_arguments(project, capsys, args, code, fragment):  # noqa: F811
    try:
        result = cli.main(["train", str(project), "--data", str(DATASETS), *args])
    except SystemExit as exit:
        result = exit.code
    one_error_line(capsys, result, code, fragment)
