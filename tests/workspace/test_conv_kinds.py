"""Convolutional layer kinds in the workspace: deferred shapes that resolve on a batch, images
channels first for a network with a Conv2D, errors on the offending block, files and scripts,
and the LeNet example."""

import json
import subprocess
import sys

import numpy as np
import pytest

from blockstudio import cli
from blockstudio.core.serialization import load_arrays
from blockstudio.workspace import Workspace
from blockstudio.workspace.examples import example_projects
from blockstudio.workspace.layers import KINDS

LENET = [("Conv2D", {"channels": 20, "kernel_size": 5}), ("MaxPool2D", {}),
         ("Conv2D", {"channels": 50, "kernel_size": 5}), ("MaxPool2D", {}), ("Flatten", {}),
         ("Dense", {"units": 128}), ("Dense", {"units": 10, "activation": None})]


def add_lenet(ws):
    return [ws.add_layer(kind, **settings) for kind, settings in LENET]


def test_conv_weights_read_zero_in_channels_until_a_batch_flows(ws, datasets_dir):
    uids = add_lenet(ws)
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"))
    assert ws.layer_info(uids[0]).params[0].shape == (20, 0, 5, 5)
    assert ws.layer_info(uids[2]).params[0].shape == (50, 0, 5, 5)
    assert ws.pass_batch() and "MNIST" in ws.last_batch_source
    infos = ws.layer_infos()
    assert [i.output_shape for i in infos] == [(64, 20, 24, 24), (64, 20, 12, 12), (64, 50, 8, 8),
                                               (64, 50, 4, 4), (64, 800), (64, 128), (64, 10)]
    assert infos[0].params[0].shape == (20, 1, 5, 5) and infos[0].param_count == 20 * 25 + 20
    assert infos[2].param_count == 50 * 20 * 25 + 50
    assert ws.total_params == 520 + 25050 + 800 * 128 + 128 + 1290
    assert "Conv2D" in ws.summary_text and "(64, 20, 24, 24)" in ws.summary_text.replace("L", "")


def test_every_kind_builds_runs_and_exports_from_its_declaration(ws):
    from blockstudio.core import gluon  # noqa: F401 - the name exported code uses

    for name, declared in KINDS.items():
        settings = declared.defaults()
        block = declared.build(settings)
        assert type(eval(declared.code(settings))).__name__ == type(block).__name__ == (declared.block or name)
        assert declared.title(settings).startswith(name)


@pytest.mark.parametrize("kind, settings, in_shape", [
    ("Conv2D", {"channels": 4, "kernel_size": 3, "strides": 2, "padding": 1, "dilation": 2}, (2, 3, 11, 9)),
    ("Conv2D", {"channels": 6, "kernel_size": 3, "groups": 3}, (2, 3, 7, 7)),
    ("MaxPool2D", {"pool_size": 3, "strides": 2, "padding": 1, "ceil_mode": True}, (2, 3, 10, 9)),
    ("AvgPool2D", {"pool_size": 2}, (2, 3, 7, 7)),
    ("GlobalAvgPool2D", {}, (2, 3, 5, 6)),
    ("GlobalMaxPool2D", {}, (2, 3, 5, 6)),
    ("BatchNorm", {}, (2, 3, 5, 6)),
])
def test_the_static_shape_rules_agree_with_the_engine(kind, settings, in_shape):
    import blockstudio.core as mx
    from blockstudio.core import nd

    declared = KINDS[kind]
    settings = declared.coerce_all(settings)
    block = declared.build(settings)
    block.initialize(mx.init.Xavier())
    out = block(nd.zeros(in_shape))
    assert declared.output_shape(settings, in_shape) == tuple(out.shape)
    counted = sum(p.data().size for p in block.collect_params().values())
    assert declared.param_count(settings, in_shape) == counted


def test_a_network_that_cannot_run_is_marked_on_the_offending_block(ws):
    big = ws.add_layer("Conv2D", channels=4, kernel_size=30)
    ws.pass_batch()
    assert set(ws.layer_errors) == {big} and "kernel" in ws.layer_errors[big].lower()
    ws.remove_layer(big)
    ws.add_layer("Dense", units=10)
    conv = ws.add_layer("Conv2D", channels=4, kernel_size=3)
    ws.pass_batch()
    assert set(ws.layer_errors) == {conv}


def test_images_reach_a_conv_network_channels_first_and_an_mlp_as_they_are(ws):
    from blockstudio.workspace.shapes import network_input_shape

    ws.add_layer("Dense", units=10)
    assert network_input_shape(ws._doc) == (64, 28, 28, 1)
    ws.add_layer("Conv2D", index=0)
    assert network_input_shape(ws._doc) == (64, 1, 28, 28) and ws.input_shape == (64, 28, 28, 1)


def test_lenet_round_trips_and_app_cli_and_script_agree(ws, datasets_dir, tmp_path):
    add_lenet(ws)
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"), momentum=0.9, learning_rate=0.05, seed=3)
    project = tmp_path / "lenet.bsproj"
    ws.save(project)
    other = Workspace()
    other.open(project)
    assert [(l.kind, l.settings) for l in other.layers] == [(l.kind, l.settings) for l in ws.layers]
    ws.export_script(tmp_path / "lenet.py")
    text = (tmp_path / "lenet.py").read_text()
    assert "nd.moveaxis(data.astype(np.float32) / 255, -1, -3)" in text
    assert 'net.add(gluon.nn.Conv2D(20, 5, activation="relu"))' in text and "net.add(gluon.nn.MaxPool2D(2))" in text

    limit = 128
    ws.start_training(limit=limit)
    assert ws.wait_training(120) and ws.last_run.reason == "completed"
    ws.save_parameters(tmp_path / "app.npz")
    assert cli.main(["train", str(project), "--limit", str(limit), "-o", str(tmp_path / "cli.npz")]) == 0
    result = subprocess.run([sys.executable, str(tmp_path / "lenet.py"), "--limit", str(limit), "--data",
                             str(datasets_dir / "mnist"), "--output", str(tmp_path / "script.npz")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    app, via_cli, script = (load_arrays(tmp_path / n) for n in ("app.npz", "cli.npz", "script.npz"))
    assert sorted(app) == sorted(via_cli) == sorted(script) and len(app) == 8
    for key in app:
        assert np.array_equal(app[key], via_cli[key]) and np.array_equal(app[key], script[key]), key


def test_the_lenet_example_reaches_98_5_percent_within_two_epochs(datasets_dir):
    example = [p for p in example_projects() if p.name == "lenet.bsproj"][0]
    data = json.loads(example.read_text())
    assert [layer["type"] for layer in data["layers"]] == [kind for kind, _ in LENET]
    ws = Workspace()
    ws.open(example, as_copy=True)
    assert ws.training_settings.epochs == 2
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"))
    ws.start_training()
    assert ws.wait_training(900) and ws.last_run.reason == "completed", ws.last_run.message
    assert ws.run_history.epoch_test_acc[-1] >= 0.985, ws.run_history.epoch_test_acc
