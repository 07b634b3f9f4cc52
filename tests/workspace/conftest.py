"""Workspace tests: an isolated config folder (recent files), the real MNIST folder, a helper
that builds the tutorial's net1."""

from pathlib import Path

import pytest

from blockstudio.workspace import Workspace
from blockstudio.workspace.recent import RecentFiles

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture
def datasets_dir():
    if not (DATASETS / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.fail(f"real MNIST is expected in {DATASETS}/mnist (../shared/datasets beside the repo)")
    return DATASETS


@pytest.fixture
def ws(tmp_path):
    return Workspace(recent_files=RecentFiles(tmp_path / "config" / "recent.json"))


def add_net1(ws):
    """The tutorial's net1: Dense(128, relu), Dense(64, relu), Dense(10). Returns the uids."""
    return [ws.add_layer("Dense", units=128, activation="relu"),
            ws.add_layer("Dense", units=64, activation="relu"),
            ws.add_layer("Dense", units=10, activation=None)]
