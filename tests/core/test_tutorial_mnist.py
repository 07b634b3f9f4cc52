"""The whole Plumbing tutorial on real MNIST, its data cell included, then one epoch of training.

The cells are the tutorial's, line for line, except for the import lines (as issue 2 gives them). The data
cell has no ``root=``, so the files are found the way a user's would be: through ``$BLOCKSTUDIO_DATA``.
Then the tutorial's ``net1`` (784-128-64-10, relu, Xavier 2.24) is trained for one epoch with SGD 0.1,
batch 64, softmax cross-entropy; MXNet Gluon 1.9.1 reaches 0.93 test accuracy on the same settings.
"""

import contextlib
import io

from threadpoolctl import threadpool_limits

CELLS = [
    # In [1]: the data cell
    """
from __future__ import print_function
import blockstudio.core as mx
import numpy as np
from blockstudio.core import nd, autograd, gluon
from blockstudio.core.gluon import nn, Block
###########################
# Speficy the context we'll be using
###########################
ctx = mx.cpu()
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
""",
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
    # In [4], [5]
    "net2 = MLP()",
    "net2.initialize(ctx=ctx)",
    # In [6]
    """
for data, _ in train_data:
    data = data.as_in_context(ctx)
    break
out6 = net2(data[0:1])
""",
    # In [7]
    """
net1 = gluon.nn.Sequential()
with net1.name_scope():
    net1.add(gluon.nn.Dense(128, activation="relu"))
    net1.add(gluon.nn.Dense(64, activation="relu"))
    net1.add(gluon.nn.Dense(10))
""",
    # In [8] .. [10]
    "print(net1.collect_params())",
    "net1.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)",
    """
net1(data)
print(net1.collect_params())
""",
]

# One epoch of the loop the earlier Gluon chapters teach, then test accuracy.
TRAIN = """
softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
trainer = gluon.Trainer(net1.collect_params(), 'sgd', {'learning_rate': .1})
for e in range(1):
    for i, (data, label) in enumerate(train_data):
        data = data.as_in_context(ctx)
        label = label.as_in_context(ctx)
        with autograd.record():
            output = net1(data)
            loss = softmax_cross_entropy(output, label)
        loss.backward()
        trainer.step(data.shape[0])

def evaluate_accuracy(data_iterator, net):
    numerator = 0.
    denominator = 0.
    for i, (data, label) in enumerate(data_iterator):
        data = data.as_in_context(ctx)
        label = label.as_in_context(ctx)
        output = net(data)
        predictions = nd.argmax(output, axis=1)
        numerator += nd.sum(predictions == label).asscalar()
        denominator += data.shape[0]
    return numerator / denominator

test_accuracy = evaluate_accuracy(test_data, net1)
"""


def test_tutorial_trains_on_real_mnist(mnist_dir, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(mnist_dir.parent))
    scope = {"__name__": "tutorial"}
    printed = io.StringIO()
    with threadpool_limits(1), contextlib.redirect_stdout(printed):
        for cell in CELLS:
            exec(compile(cell, "<tutorial cell>", "exec"), scope)

        # The data cell: real files, Gluon's types and shapes.
        assert len(scope["train_data"]) == 938 and len(scope["test_data"]) == 157
        batch = scope["data"]
        assert batch.shape == (64, 28, 28, 1) and batch.dtype.__name__ == "float32"
        assert 0.0 <= float(batch.min().asscalar()) and float(batch.max().asscalar()) <= 1.0
        assert repr(scope["out6"]).endswith("<NDArray 1x10 @cpu(0)>")
        text = printed.getvalue()
        assert "Parameter sequential1_dense0_weight (shape=(128, 0), dtype=float32)" in text
        assert "Parameter sequential1_dense0_weight (shape=(128, 784), dtype=float32)" in text

        exec(compile(TRAIN, "<training>", "exec"), scope)

    accuracy = float(scope["test_accuracy"])
    assert accuracy >= 0.92, f"one epoch of the tutorial's MLP reached {accuracy:.4f} (MXNet 1.9.1: 0.93)"
    # The loader fed the whole epoch through the vectorised path, not 60,000 Python calls.
    assert scope["train_data"]._vectorized is True
