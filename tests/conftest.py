"""Shared test setup: one BLAS thread (small matrices run far slower with more on this
kind of machine), fresh block names per test, a seeded engine, and where real data lives."""

import os
from pathlib import Path

import numpy  # noqa: F401  (loaded first: threadpoolctl limits only libraries already loaded)
import pytest
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATASETS = SHARED / "datasets"
FIXTURES = SHARED / "fixtures"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One BLAS thread, as the app's training worker and the exported scripts use: exact comparisons
# with a run need the same arithmetic, and small matrices are faster this way.
_limits = threadpool_limits(1)


@pytest.fixture(autouse=True)
def _fresh_engine_state():
    """Each test starts counting block names at 0 and draws from the same random stream."""
    from blockstudio.core import random as mxrandom
    from blockstudio.core.name import NameManager
    mxrandom.seed(0)
    with NameManager():
        yield


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path, monkeypatch):
    """Recent files and window state go to a folder of the test's own; no data folder leaks in
    from the environment."""
    monkeypatch.setenv("BLOCKSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("BLOCKSTUDIO_DATA", raising=False)
    # Tests never use the network: a download not pointed at a local server fails at once.
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", "http://127.0.0.1:9/")
    monkeypatch.setenv("BLOCKSTUDIO_FASHION_MNIST_MIRRORS", "http://127.0.0.1:9/")


@pytest.fixture
def mnist_dir():
    path = DATASETS / "mnist"
    if not (path / "train-images-idx3-ubyte.gz").exists():
        pytest.fail("real MNIST is expected at %s (../shared/datasets/mnist beside the repo)"
                    % path)
    return path


@pytest.fixture
def fixtures_dir():
    return FIXTURES
