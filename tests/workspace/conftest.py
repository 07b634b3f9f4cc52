"""Workspace tests: an isolated config folder (recent files), the real MNIST folder, a helper
that builds the tutorial's net1."""

from pathlib import Path

import numpy  # noqa: F401 - load BLAS before limiting it (a limit set earlier has nothing to act on)
import pytest
from threadpoolctl import threadpool_limits

from blockstudio.workspace import Workspace
from blockstudio.workspace.recent import RecentFiles

# One BLAS thread, as the app's training worker uses: exact comparisons with a run need the same
# arithmetic, and small matrices are faster this way.
_blas_limits = threadpool_limits(1)

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("BLOCKSTUDIO_DATA", raising=False)


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
