"""The seed tutorial's cells, with only their imports changed, print what MXNet Gluon 1.9.1
prints. (The data cell is covered with real MNIST in test_tutorial_mnist.py; here a batch of
the same shape stands in.)"""

import numpy as np
import pytest

from .tutorial import (CELLS, IMPORTS, PRINT_NET1_DEFERRED, PRINT_NET1_RESOLVED, PRINT_NET2,
                       params_text, run_cell)


@pytest.fixture
def namespace():
    ns = {}
    run_cell(ns, IMPORTS)
    # Stand-in for the data cell: one batch shaped as MNIST's, (64, 28, 28, 1) float32.
    batch = ns["nd"].array(np.random.default_rng(3).random((64, 28, 28, 1)), dtype=np.float32)
    ns["train_data"] = [(batch, ns["nd"].zeros((64,)))]
    return ns


def test_tutorial_cells_print_what_gluon_prints(namespace):
    printed = [run_cell(namespace, cell) for cell in CELLS]

    out6 = repr(namespace["out6"])
    assert out6.startswith("\n[[") and out6.endswith("]]\n<NDArray 1x10 @cpu(0)>")
    values = np.array(out6.split("[[")[1].split("]]")[0].split(), dtype=np.float32)
    assert values.shape == (10,) and np.all(np.abs(values) < 1.0)

    assert printed[PRINT_NET1_DEFERRED] == params_text("sequential1_", 0, 0, 0)
    assert printed[PRINT_NET1_RESOLVED] == params_text("sequential1_", 784, 128, 64)
    assert printed[PRINT_NET2] == params_text("sequential2_", 784, 128, 64)
    assert namespace["net2"].prefix == "sequential2_"


def test_mlp_block_is_named_and_collects_its_children(namespace):
    for cell in CELLS[:4]:
        run_cell(namespace, cell)
    net2 = namespace["net2"]
    assert net2.prefix == "mlp0_"
    assert list(net2.collect_params().keys()) == [
        "mlp0_dense0_weight", "mlp0_dense0_bias", "mlp0_dense1_weight", "mlp0_dense1_bias",
        "mlp0_dense2_weight", "mlp0_dense2_bias"]
    assert list(net2._collect_params_with_prefix()) == [
        "dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias", "dense2.weight",
        "dense2.bias"]


def test_repr_before_and_after_data(namespace):
    run_cell(namespace, CELLS[0])
    net1 = namespace["net1"]
    assert repr(net1) == (
        "Sequential(\n"
        "  (0): Dense(None -> 128, Activation(relu))\n"
        "  (1): Dense(None -> 64, Activation(relu))\n"
        "  (2): Dense(None -> 10, linear)\n"
        ")")
    net1.initialize()
    net1(namespace["train_data"][0][0])
    assert repr(net1).splitlines()[1:4] == [
        "  (0): Dense(784 -> 128, Activation(relu))",
        "  (1): Dense(128 -> 64, Activation(relu))",
        "  (2): Dense(64 -> 10, linear)"]


def test_nested_block_repr_indents_children(namespace):
    for cell in CELLS[:4]:
        run_cell(namespace, cell)
    outer = namespace["gluon"].nn.Sequential()
    with outer.name_scope():
        outer.add(namespace["MLP"]())
        outer.add(namespace["nn"].Dropout(0.5))
        outer.add(namespace["nn"].Flatten())
    assert repr(outer) == (
        "Sequential(\n"
        "  (0): MLP(\n"
        "    (dense0): Dense(None -> 128, linear)\n"
        "    (dense1): Dense(None -> 64, linear)\n"
        "    (dense2): Dense(None -> 10, linear)\n"
        "  )\n"
        "  (1): Dropout(p = 0.5, axes=())\n"
        "  (2): Flatten\n"
        ")")
    assert outer[0].prefix == "sequential1_mlp0_"  # cell 2 took sequential0_
