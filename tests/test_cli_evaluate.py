"""blockstudio evaluate: the project's own parameters or --params, a table or one JSON object."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from blockstudio import cli
from blockstudio.workspace import Workspace
from blockstudio.workspace.inspect import load_split

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tutorial-mlp.bsproj"
DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "mlp.bsproj"
    shutil.copy(EXAMPLE, path)
    return path


@pytest.fixture
def trained(project, capsys):
    assert cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "256"]) == 0
    capsys.readouterr()
    return project


def test_json_is_one_object_with_the_confusion_matrix_and_per_class_figures(trained, capsys):
    assert cli.main(["evaluate", str(trained), "--data", str(DATASETS), "--json"]) == 0
    out = capsys.readouterr().out
    result = json.loads(out)
    assert set(result) == {"n", "accuracy", "loss", "confusion", "per_class"}
    assert result["n"] == 10000 and len(result["confusion"]) == 10
    assert all(len(row) == 10 and all(isinstance(v, int) for v in row) for row in result["confusion"])
    confusion = np.array(result["confusion"])
    labels = load_split("mnist", DATASETS / "mnist", train=False).labels
    assert confusion.sum(axis=1).tolist() == np.bincount(labels, minlength=10).tolist()
    assert result["accuracy"] == pytest.approx(np.trace(confusion) / 10000, abs=1e-6)
    assert [c["class"] for c in result["per_class"]] == list(range(10))
    assert result["per_class"][0]["count"] == 980
    assert result["per_class"][3]["recall"] == pytest.approx(confusion[3, 3] / confusion[3].sum(), abs=1e-6)
    # the same numbers as the workspace reports
    ws = Workspace()
    ws.open(trained)
    ws.set_training_settings(data_dir=str(DATASETS))
    assert ws.evaluate().confusion.tolist() == result["confusion"]


def test_table_is_readable(trained, capsys):
    assert cli.main(["evaluate", str(trained), "--data", str(DATASETS)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10000 images: accuracy ")
    assert "precision  recall   count" in out and "confusion matrix (rows: true class, columns: predicted)" in out
    assert len(out.strip().splitlines()) == 2 + 11 + 2 + 1 + 10


def test_params_file_is_evaluated_instead_of_the_project_s(project, tmp_path, capsys):
    assert cli.main(["train", str(project), "--data", str(DATASETS), "--limit", "128",
                     "-o", str(tmp_path / "other.npz")]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", str(project), "--params", str(tmp_path / "other.npz"), "--data", str(DATASETS),
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 10000


def test_without_parameters_it_says_so_and_fails(project, tmp_path, capsys):
    code = cli.main(["evaluate", str(project), "--data", str(DATASETS)])
    err = capsys.readouterr().err
    assert code == 1 and "no recorded parameters" in err and "--params" in err and len(err.strip().splitlines()) == 1
    code = cli.main(["evaluate", str(project), "--params", str(tmp_path / "none.npz")])
    err = capsys.readouterr().err
    assert code == 1 and "none.npz does not exist" in err
    code = cli.main(["evaluate", str(project), "--data", str(tmp_path / "nowhere")])
    assert code == 2 and "no such folder" in capsys.readouterr().err


def test_missing_data_is_reported(trained, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = cli.main(["evaluate", str(trained), "--data", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == 1 and "MNIST files not found" in err
