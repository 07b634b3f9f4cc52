"""Real MXNet's LeNet training speed, for bench/bench_lenet.py --mxnet (run by the oracle venv).

    OMP_NUM_THREADS=1 ~/mxv/bin/python tools/mxnet_lenet_speed.py MNIST_DIR BATCHES

Prints one line: samples/s of the whole loop (DataLoader + steps), then of the steps alone on
the same batches prepared beforehand. Same network, optimizer and transform as the benchmark.
"""

import sys
import time

import mxnet as mx
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn


def main(root, n_batches):
    mx.random.seed(0)
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(50, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Flatten(), nn.Dense(128, activation="relu"), nn.Dense(10))
    net.initialize(mx.init.Xavier(magnitude=2.24))
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.05, "momentum": 0.9})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def transform(data, label):
        return nd.transpose(data.astype("float32") / 255, (2, 0, 1)), label

    loader = gluon.data.DataLoader(gluon.data.vision.MNIST(root=root, train=True,
                                                           transform=transform),
                                   64, shuffle=True, last_batch="discard")

    def step(data, label):
        with autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(data.shape[0])

    prepared = []
    for i, (data, label) in enumerate(loader):
        if i == n_batches:
            break
        prepared.append((data, label))
    for data, label in prepared[:5]:
        step(data, label)
    nd.waitall()
    start = time.perf_counter()
    for i, (data, label) in enumerate(loader):
        if i == n_batches:
            break
        step(data, label)
    nd.waitall()
    loop = time.perf_counter() - start
    start = time.perf_counter()
    for data, label in prepared:
        step(data, label)
    nd.waitall()
    steps = time.perf_counter() - start
    samples = 64 * n_batches
    print("%.1f %.1f" % (samples / loop, samples / steps))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
