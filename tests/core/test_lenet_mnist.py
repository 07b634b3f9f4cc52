"""LeNet, the Gluon chapter after the plumbing tutorial, trains on real MNIST in the engine.

Headless and engine-only: the gluon API directly, the tutorial's loop, the images given to the
network as (N, 1, 28, 28) by the transform, as the Gluon tutorials do. A limited number of
batches keeps it to a few seconds.
"""


import numpy as np

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn

BATCHES = 120


def to_chw(data, label):
    return nd.transpose(data.astype("float32") / 255, (2, 0, 1)), label


def lenet():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(50, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Flatten(),
                nn.Dense(128, activation="relu"),
                nn.Dense(10))
    return net


def test_lenet_learns_mnist_in_about_a_hundred_batches(mnist_dir):
    train = gluon.data.DataLoader(
        gluon.data.vision.MNIST(root=str(mnist_dir), train=True, transform=to_chw),
        64, shuffle=True)
    test = gluon.data.vision.MNIST(root=str(mnist_dir), train=False, transform=to_chw)
    net = lenet()
    net.initialize(mx.init.Xavier(magnitude=2.24))
    assert net[0].weight.shape == (20, 0, 5, 5)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05,
                                                          "momentum": 0.9})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for i, (data, label) in enumerate(train):
        if i == BATCHES:
            break
        assert data.shape == (64, 1, 28, 28)
        with autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(data.shape[0])
        losses.append(float(loss.mean().asscalar()))
    assert net[0].weight.shape == (20, 1, 5, 5) and net[2].weight.shape == (50, 20, 5, 5)
    assert net[5].weight.shape == (128, 800)

    images = nd.array(np.stack([test[i][0].asnumpy() for i in range(1000)]))
    labels = np.array([test[i][1] for i in range(1000)])
    predicted = net(images).argmax(axis=1).asnumpy()
    accuracy = float((predicted == labels).mean())
    assert np.mean(losses[:10]) > 1.5 and np.mean(losses[-10:]) < 0.5
    assert accuracy > 0.9, "LeNet reached %.3f after %d batches" % (accuracy, BATCHES)
