"""The seed tutorial's cells, with only their imports changed, print what MXNet Gluon 1.9.1
prints. (The data cell is covered with real MNIST in test_tutorial_mnist.py; here a batch of
the same shape stands in.)"""

import contextlib
import io
import textwrap

import numpy as np
import pytest

IMPORTS = """
from __future__ import print_function
import blockstudio.core as mx
import numpy as np
from blockstudio.core import nd, autograd, gluon
from blockstudio.core.gluon import nn, Block
ctx = mx.cpu()
batch_size = 64
"""

CELLS = [
    # In [2]
    """
    net1 = gluon.nn.Sequential()
    with net1.name_scope():
        net1.add(gluon.nn.Dense(128, activation="relu"))
        net1.add(gluon.nn.Dense(64, activation="relu"))
        net1.add(gluon.nn.Dense(10))
    """,
    # In [3]
    """
    class MLP(Block):
        def __init__(self, **kwargs):
            super(MLP, self).__init__(**kwargs)
            with self.name_scope():
                self.dense0 = nn.Dense(128)
                self.dense1 = nn.Dense(64)
                self.dense2 = nn.Dense(10)

        def forward(self, x):
            x = nd.relu(self.dense0(x))
            x = nd.relu(self.dense1(x))
            return self.dense2(x)
    """,
    # In [4], In [5]
    """
    net2 = MLP()
    net2.initialize(ctx=ctx)
    """,
    # In [6]
    """
    for data, _ in train_data:
        data = data.as_in_context(ctx)
        break
    print(repr(net2(data[0:1])))
    """,
    # In [7]
    """
    net1 = gluon.nn.Sequential()
    with net1.name_scope():
        net1.add(gluon.nn.Dense(128, activation="relu"))
        net1.add(gluon.nn.Dense(64, activation="relu"))
        net1.add(gluon.nn.Dense(10))
    """,
    # In [8]
    "print(net1.collect_params())",
    # In [9]
    "net1.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)",
    # In [10]
    """
    net1(data)
    print(net1.collect_params())
    """,
    # In [11]
    """
    net2 = gluon.nn.Sequential()
    with net2.name_scope():
        net2.add(gluon.nn.Dense(128, in_units=784, activation="relu"))
        net2.add(gluon.nn.Dense(64, in_units=128, activation="relu"))
        net2.add(gluon.nn.Dense(10, in_units=64))
    """,
    # In [12]
    """
    net2.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
    print(net2.collect_params())
    """,
]


def params_text(prefix, first_in, second_in, third_in):
    rows = [("dense0_weight", (128, first_in)), ("dense0_bias", (128,)),
            ("dense1_weight", (64, second_in)), ("dense1_bias", (64,)),
            ("dense2_weight", (10, third_in)), ("dense2_bias", (10,))]
    body = "\n".join("  Parameter %s%s (shape=%s, dtype=float32)" % (prefix, name, shape)
                     for name, shape in rows)
    return "%s (\n%s\n)\n" % (prefix, body)


def run_cell(namespace, source):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(textwrap.dedent(source), namespace)
    return out.getvalue()


@pytest.fixture
def namespace():
    ns = {}
    exec(IMPORTS, ns)
    # Stand-in for the data cell: one batch shaped as MNIST's, (64, 28, 28, 1) float32.
    batch = ns["nd"].array(np.random.default_rng(3).random((64, 28, 28, 1)), dtype=np.float32)
    ns["train_data"] = [(batch, ns["nd"].zeros((64,)))]
    return ns


def test_tutorial_cells_print_what_gluon_prints(namespace):
    printed = [run_cell(namespace, cell) for cell in CELLS]

    out6 = printed[3]
    assert out6.startswith("\n[[") and out6.endswith("]]\n<NDArray 1x10 @cpu(0)>\n")
    values = np.array(out6.split("[[")[1].split("]]")[0].split(), dtype=np.float32)
    assert values.shape == (10,) and np.all(np.abs(values) < 1.0)

    assert printed[5] == params_text("sequential1_", 0, 0, 0)
    assert printed[7] == params_text("sequential1_", 784, 128, 64)
    assert printed[9] == params_text("sequential2_", 784, 128, 64)
    assert namespace["net2"].prefix == "sequential2_"


def test_mlp_block_is_named_and_collects_its_children(namespace):
    for cell in CELLS[:3]:
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
    for cell in CELLS[:3]:
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
