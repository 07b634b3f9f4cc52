"""A run whose last update overflows ends "diverged" with finite parameters, and non-finite values are
never saved over a good file."""

import json

import numpy as np
import pytest

from blockstudio.core.serialization import load_arrays
from tests.workspace.conftest import add_net1


def test_an_overflowing_last_update_is_not_a_finished_run(ws, datasets_dir):
    add_net1(ws)
    ws.set_training_settings(data_dir=str(datasets_dir), learning_rate=1e300)
    ws.start_training(limit=64)  # one step: no later loss would reveal the NaN
    assert ws.wait_training(60)
    run = ws.last_run
    assert run.reason == "diverged" and "after its last update (step 1)" in run.message
    assert "smaller learning rate" in run.message
    assert all(np.isfinite(p.data().asnumpy()).all() for p in ws.network.collect_params().values())


def test_non_finite_parameters_never_replace_a_good_file(ws, tmp_path):
    add_net1(ws)
    ws.pass_batch()
    ws.save_parameters(tmp_path / "good.npz")
    ws.load_parameters(tmp_path / "good.npz")
    ws.save(tmp_path / "mlp.bsproj")
    project, params = (tmp_path / "mlp.bsproj").read_bytes(), (tmp_path / "mlp.parameters.npz").read_bytes()
    ws.network[1].bias.data()[:] = np.nan  # what a diverged update leaves
    with pytest.raises(ValueError, match="NaN or infinite"):
        ws.save()
    with pytest.raises(ValueError, match="NaN or infinite"):
        ws.save_parameters(tmp_path / "good.npz")
    assert (tmp_path / "mlp.bsproj").read_bytes() == project
    assert (tmp_path / "mlp.parameters.npz").read_bytes() == params
    assert json.loads(project)["parameters"] == "mlp.parameters.npz"
    assert np.isfinite(load_arrays(tmp_path / "good.npz")["1.bias"]).all()
    assert sorted(f.name for f in tmp_path.iterdir() if "parameters" in f.name) == ["mlp.parameters.npz"]
