"""The whole Plumbing tutorial on real MNIST, its data cell included, then one epoch of training.

The cells are the tutorial's, line for line, except for the import lines (as issue 2 gives them). The data
cell has no ``root=``, so the files are found the way a user's would be: through ``$BLOCKSTUDIO_DATA``.
Then the tutorial's ``net1`` (784-128-64-10, relu, Xavier 2.24) is trained for one epoch with SGD 0.1,
batch 64, softmax cross-entropy; MXNet Gluon 1.9.1 reaches 0.93 test accuracy on the same settings.
"""

from threadpoolctl import threadpool_limits

from .tutorial import (CELLS, IMPORTS, LOADERS, PRINT_NET1_DEFERRED, PRINT_NET1_RESOLVED,
                       params_text, run_cell)

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
    with threadpool_limits(1):
        run_cell(scope, IMPORTS + LOADERS)
        printed = [run_cell(scope, cell) for cell in CELLS]

        # The data cell: real files, Gluon's types and shapes.
        assert len(scope["train_data"]) == 938 and len(scope["test_data"]) == 157
        batch = scope["data"]
        assert batch.shape == (64, 28, 28, 1) and batch.dtype.__name__ == "float32"
        assert 0.0 <= float(batch.min().asscalar()) and float(batch.max().asscalar()) <= 1.0
        assert repr(scope["out6"]).endswith("<NDArray 1x10 @cpu(0)>")
        assert printed[PRINT_NET1_DEFERRED] == params_text("sequential1_", 0, 0, 0)
        assert printed[PRINT_NET1_RESOLVED] == params_text("sequential1_", 784, 128, 64)

        run_cell(scope, TRAIN)

    accuracy = float(scope["test_accuracy"])
    assert accuracy >= 0.92, f"one epoch of the tutorial's MLP reached {accuracy:.4f} (MXNet 1.9.1: 0.93)"
    # The loader fed the whole epoch through the vectorised path, not 60,000 Python calls.
    assert scope["train_data"]._vectorized is True
