"""The seed tutorial's code cells ("Plumbing: A look under the hood of gluon"), with only the
import lines changed to blockstudio's. Shared by the tests that run them."""

import contextlib
import io
import textwrap

# In [1], first half: imports and context.
IMPORTS = """
from __future__ import print_function
import blockstudio.core as mx
import numpy as np
from blockstudio.core import nd, autograd, gluon
from blockstudio.core.gluon import nn, Block
###########################
# Speficy the context we'll be using
###########################
ctx = mx.cpu()
"""

# In [1], second half: the dataset.
LOADERS = """
###########################
# Load up our dataset
###########################
batch_size = 64
def transform(data, label):
    return data.astype(np.float32)/255, label.astype(np.float32)
train_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=True, transform=transform),
                                      batch_size, shuffle=True)
test_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=False, transform=transform),
                                     batch_size, shuffle=False)
"""

# In [2] .. In [12]. In [6] keeps its output in ``out6`` (the notebook displays it).
CELLS = [
    """
    net1 = gluon.nn.Sequential()
    with net1.name_scope():
        net1.add(gluon.nn.Dense(128, activation="relu"))
        net1.add(gluon.nn.Dense(64, activation="relu"))
        net1.add(gluon.nn.Dense(10))
    """,
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
    "net2 = MLP()",
    "net2.initialize(ctx=ctx)",
    """
    for data, _ in train_data:
        data = data.as_in_context(ctx)
        break
    out6 = net2(data[0:1])
    """,
    """
    net1 = gluon.nn.Sequential()
    with net1.name_scope():
        net1.add(gluon.nn.Dense(128, activation="relu"))
        net1.add(gluon.nn.Dense(64, activation="relu"))
        net1.add(gluon.nn.Dense(10))
    """,
    "print(net1.collect_params())",
    "net1.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)",
    """
    net1(data)
    print(net1.collect_params())
    """,
    """
    net2 = gluon.nn.Sequential()
    with net2.name_scope():
        net2.add(gluon.nn.Dense(128, in_units=784, activation="relu"))
        net2.add(gluon.nn.Dense(64, in_units=128, activation="relu"))
        net2.add(gluon.nn.Dense(10, in_units=64))
    """,
    """
    net2.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
    print(net2.collect_params())
    """,
]

# Index in CELLS of each cell that prints.
PRINT_NET1_DEFERRED, PRINT_NET1_RESOLVED, PRINT_NET2 = 6, 8, 10


def run_cell(scope, source):
    """Execute one cell in ``scope``; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(textwrap.dedent(source), "<tutorial cell>", "exec"), scope)
    return out.getvalue()


def params_text(prefix, first_in, second_in, third_in):
    """What ``print(net.collect_params())`` shows for the tutorial's MLP, as MXNet 1.9.1 prints it."""
    rows = [("dense0_weight", (128, first_in)), ("dense0_bias", (128,)),
            ("dense1_weight", (64, second_in)), ("dense1_bias", (64,)),
            ("dense2_weight", (10, third_in)), ("dense2_bias", (10,))]
    body = "\n".join("  Parameter %s%s (shape=%s, dtype=float32)" % (prefix, name, shape)
                     for name, shape in rows)
    return "%s (\n%s\n)\n" % (prefix, body)
