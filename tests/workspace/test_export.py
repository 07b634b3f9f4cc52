"""The exported script: readable tutorial-style code that trains and saves, and repeats the app's run."""

import json
import re
import subprocess
import sys

import numpy as np

from blockstudio.core.serialization import load_arrays
from blockstudio.workspace.export import script_text
from blockstudio.workspace.history import Document
from blockstudio.workspace.spec import LayerSpec, TrainingSettings, default_settings
from tests.workspace.conftest import add_net1

LIMIT = 320
EPOCH_LINE = re.compile(r"Epoch (\d+): loss ([\d.]+), train accuracy ([\d.]+), test accuracy ([\d.]+)")
VALIDATION_LINE = re.compile(r"Epoch (\d+): .*, validation loss ([\d.]+), validation accuracy ([\d.]+)")


def run_script(path, *args, cwd):
    result = subprocess.run([sys.executable, str(path), *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_script_reads_like_the_tutorial(ws, tmp_path):
    add_net1(ws)
    ws.save(tmp_path / "tutorial-mlp.bsproj")
    ws.export_script(tmp_path / "mlp.py")
    text = (tmp_path / "mlp.py").read_text()
    for line in ['"""Train "tutorial-mlp" on MNIST with blockstudio.core, as in the Gluon tutorials.',
                 "from blockstudio.core import autograd, gluon, nd",
                 "    net = gluon.nn.Sequential()\n    with net.name_scope():\n"
                 '        net.add(gluon.nn.Dense(128, activation="relu"))\n'
                 '        net.add(gluon.nn.Dense(64, activation="relu"))\n'
                 "        net.add(gluon.nn.Dense(10))\n    return net",
                 "net.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)",
                 "gluon.data.DataLoader(train_set, args.batch_size, shuffle=True)",
                 "gluon.data.vision.MNIST(root=args.data, train=True, transform=transform)",
                 'trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})',
                 "        with autograd.record():", "SEED = 42", "BATCH_SIZE = 64", "EPOCHS = 1",
                 'OUTPUT = "mlp-trained.npz"', "net.save_parameters(output_file)", "DATA_DIR = None"]:
        assert line in text
    assert max(len(line) for line in text.splitlines()) <= 110
    assert "blockstudio.workspace" not in text  # self-contained: only the engine


def test_every_layer_kind_and_setting_is_written():
    layers = [LayerSpec("a", "Flatten", {}),
              LayerSpec("b", "Dense", dict(default_settings("Dense"), units=32, use_bias=False, in_units=784,
                                            flatten=False, activation="tanh")),
              LayerSpec("c", "Dropout", {"rate": 0.25}), LayerSpec("d", "Activation", {"activation": "softsign"}),
              LayerSpec("e", "Dense", dict(default_settings("Dense"), units=10, activation=None))]
    training = TrainingSettings(optimizer="adam", learning_rate=0.001, weight_decay=1e-4, initializer="normal",
                                init_scale=0.02, dataset="fashion-mnist", data_dir='/data/with "quotes"')
    text = script_text(Document(layers, (64, 28, 28, 1), training), 'odd "name".bsproj', "go.py")
    compile(text, "go.py", "exec")
    assert ('net.add(gluon.nn.Dense(32, activation="tanh", use_bias=False, flatten=False, in_units=784))'
            in text)
    assert "net.add(gluon.nn.Flatten())" in text and "net.add(gluon.nn.Dropout(0.25))" in text
    assert 'net.add(gluon.nn.Activation("softsign"))' in text
    assert "mx.init.Normal(sigma=0.02)" in text and "gluon.data.vision.FashionMNIST(" in text
    assert '"adam", {"learning_rate": 0.001, "wd": 0.0001}' in text
    assert "DATA_DIR = None" in text and "quotes" not in text  # no path of this machine
    sgd = script_text(Document([], training=TrainingSettings(momentum=0.9, initializer="uniform")))
    assert '"sgd", {"learning_rate": 0.1, "momentum": 0.9}' in sgd and "mx.init.Uniform(scale=0.07)" in sgd


def test_the_script_trains_on_a_slice_and_saves(ws, tmp_path, datasets_dir):
    add_net1(ws)
    ws.export_script(tmp_path / "mlp.py")
    out = run_script(tmp_path / "mlp.py", "--data", datasets_dir, "--limit", LIMIT, "--epochs", 2,
                     "--batch-size", 32, cwd=tmp_path)
    epochs = EPOCH_LINE.findall(out)
    assert [e[0] for e in epochs] == ["1", "2"]
    assert float(epochs[1][1]) < float(epochs[0][1])  # the loss falls
    assert "Saved the parameters to mlp-trained.npz" in out
    assert sorted(load_arrays(tmp_path / "mlp-trained.npz")) == ["0.bias", "0.weight", "1.bias", "1.weight",
                                                                    "2.bias", "2.weight"]
    ws.load_parameters(tmp_path / "mlp-trained.npz")  # and the app takes them back


def test_the_app_and_the_script_give_the_same_numbers_for_the_same_seed(ws, tmp_path, datasets_dir):
    a, _, _ = add_net1(ws)
    ws.add_layer("Dropout", index=1, rate=0.2)  # randomness during training must match too
    ws.set_training_settings(data_dir=str(datasets_dir), epochs=2, seed=7, momentum=0.9, weight_decay=1e-4,
                             validation=1000)
    ws.export_script(tmp_path / "same.py")
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(60) and ws.last_run.reason == "completed"
    history = ws.run_history
    app_lines = [(str(i + 1), f"{loss:.6f}", f"{train:.4f}", f"{test:.4f}") for i, (loss, train, test) in
                 enumerate(zip(history.epoch_train_loss, history.epoch_train_acc, history.epoch_test_acc))]
    ws.save_parameters(tmp_path / "app.npz")

    out = run_script(tmp_path / "same.py", "--limit", LIMIT, "--output", tmp_path / "script.npz",
                     "--data", datasets_dir, cwd=tmp_path)
    assert EPOCH_LINE.findall(out) == app_lines
    assert VALIDATION_LINE.findall(out) == [(str(i + 1), f"{loss:.6f}", f"{acc:.4f}") for i, (loss, acc) in
                                            enumerate(zip(history.epoch_val_loss, history.epoch_val_acc))]
    app, script = load_arrays(tmp_path / "app.npz"), load_arrays(tmp_path / "script.npz")
    assert sorted(app) == sorted(script)
    assert all(np.array_equal(app[k], script[k]) for k in app)


def test_the_script_stops_early_after_the_same_epoch_as_the_app(ws, tmp_path, datasets_dir):
    add_net1(ws)
    # On the first 320 images these settings peak at epoch 5 and stop after epoch 7 of 8.
    ws.set_training_settings(data_dir=str(datasets_dir), epochs=8, validation=300, patience=2,
                             learning_rate=0.5, momentum=0.9)
    ws.export_script(tmp_path / "early.py")
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(60) and ws.last_run.reason == "early-stopped"
    ws.save_parameters(tmp_path / "app.npz")
    out = run_script(tmp_path / "early.py", "--limit", LIMIT, "--output", tmp_path / "script.npz",
                     "--data", datasets_dir, cwd=tmp_path)
    epochs = len(ws.run_history.epoch_val_acc)
    assert [int(e[0]) for e in VALIDATION_LINE.findall(out)] == list(range(1, epochs + 1)) and epochs < 8
    assert "Stopped early" in out and f"Best epoch: {ws.best_epoch.epoch} " in out
    app, script = load_arrays(tmp_path / "app.npz"), load_arrays(tmp_path / "script.npz")
    assert sorted(app) == sorted(script) and all(np.array_equal(app[k], script[k]) for k in app)
    # --patience 0 turns it off; --patience without a split is refused.
    bad = subprocess.run([sys.executable, str(tmp_path / "early.py"), "--validation", "0"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--patience needs a validation split" in bad.stderr


def test_help_and_bad_arguments(ws, tmp_path):
    add_net1(ws)
    ws.export_script(tmp_path / "mlp.py")
    assert "--batch-size" in run_script(tmp_path / "mlp.py", "--help", cwd=tmp_path)
    for args, message in ((["--epochs", "many"], "invalid whole_number value: 'many'"),
                          (["--epochs", "0"], "--epochs: must be at least 1, got 0"),
                          (["--batch-size", "-5"], "--batch-size: must be at least 1, got -5")):
        result = subprocess.run([sys.executable, str(tmp_path / "mlp.py"), *args], capture_output=True,
                                text=True, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_damaged_data_is_an_error_message_not_a_traceback(ws, tmp_path):
    add_net1(ws)
    ws.export_script(tmp_path / "mlp.py")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (damaged / name).write_bytes(b"not an idx file at all")
    result = subprocess.run([sys.executable, str(tmp_path / "mlp.py"), "--data", str(damaged)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: ") and "train-images-idx3-ubyte" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_network_still_exports_valid_python(ws, tmp_path):
    ws.export_script(tmp_path / "x.py")
    compile((tmp_path / "x.py").read_text(), "x.py", "exec")


def test_the_script_holds_no_path_of_this_machine(tmp_path, datasets_dir):
    # It used to embed the data folder the app had found (or the project's): useless elsewhere.
    training = TrainingSettings(data_dir=str(datasets_dir / "mnist"))
    text = script_text(Document([], training=training), "p.bsproj", "p.py")
    assert "DATA_DIR = None" in text
    assert str(datasets_dir) not in text and str(tmp_path) not in text and "/work" not in text
