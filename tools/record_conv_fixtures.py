"""Record what real MXNet 1.9.1 prints and computes for convolutional networks, as fixtures.

Run with the MXNet oracle interpreter (never part of the test suite):

    ~/mxv/bin/python tools/record_conv_fixtures.py tests/core/fixtures

Writes ``conv_printing.json`` (print(net), collect_params(), summary() of a LeNet and of every
new layer kind before and after a batch), ``conv_ops.npz`` (Convolution, Pooling and BatchNorm
results for fixed inputs) and ``mxnet_lenet.params`` with ``mxnet_lenet_io.npz`` (a small
LeNet with BatchNorm after a few SGD steps, and its output on a fixed input).
"""

import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import mxnet as mx
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn


def lenet():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, 5, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Conv2D(50, 5, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Flatten(), nn.Dense(128, activation="relu"), nn.Dense(10))
    return net


def zoo():
    """Every new kind with non-default arguments, to pin down printing."""
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(8, (3, 2), strides=2, padding=(1, 0), dilation=(1, 2), groups=2,
                          use_bias=False, in_channels=4),
                nn.BatchNorm(),
                nn.BatchNorm(axis=1, momentum=0.8, epsilon=1e-3, center=False, scale=False,
                             use_global_stats=True, in_channels=8),
                nn.Conv2D(6, 3, padding=1, activation="tanh"),
                nn.MaxPool2D(pool_size=3, strides=1, padding=1, ceil_mode=True),
                nn.AvgPool2D(), nn.AvgPool2D(3, 2, 1, True, count_include_pad=False),
                nn.GlobalMaxPool2D(), nn.GlobalAvgPool2D())
    return net


def printed(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    return out.getvalue()


def printing():
    record = {}
    for name, build, shape in (("lenet", lenet, (2, 1, 28, 28)), ("zoo", zoo, (2, 4, 9, 9))):
        mx.random.seed(0)
        with mx.name.NameManager():  # names count from 0 for each network, as in the tests
            net = build()
        net.initialize(mx.init.Xavier(magnitude=2.24))
        entry = {"net_before": repr(net), "params_before": repr(net.collect_params())}
        x = nd.array(np.random.RandomState(0).rand(*shape))
        entry["output_shape"] = list(net(x).shape)
        entry["net_after"] = repr(net)
        entry["params_after"] = repr(net.collect_params())
        entry["summary"] = printed(lambda: build_summary(build, shape))
        record[name] = entry
    return record


def build_summary(build, shape):
    # Shapes resolved first: on a deferred network MXNet's summary also lists the symbolic
    # shape-inference pass ("<Symbol ..._relu_fwd>" rows), an artefact we do not reproduce.
    net = build()
    net.initialize()
    net(nd.zeros(shape))
    net.summary(nd.zeros(shape))


def ops():
    rng = np.random.RandomState(1)
    out = {}
    x = rng.randn(2, 4, 9, 8).astype(np.float32)
    out["x"] = x
    cases = {
        "conv_plain": dict(kernel=(3, 3), num_filter=5, num_group=1),
        "conv_strided": dict(kernel=(3, 2), stride=(2, 1), pad=(1, 2), dilate=(2, 1),
                             num_filter=6, num_group=2),
        "conv_nobias": dict(kernel=(1, 3), stride=(1, 3), num_filter=4, num_group=4,
                            no_bias=True),
    }
    for name, kw in cases.items():
        w = rng.randn(kw["num_filter"], 4 // kw["num_group"], *kw["kernel"]).astype(np.float32)
        b = rng.randn(kw["num_filter"]).astype(np.float32)
        args = [nd.array(x), nd.array(w)] + ([] if kw.get("no_bias") else [nd.array(b)])
        out[name + "_w"], out[name + "_b"] = w, b
        out[name] = nd.Convolution(*args, **kw).asnumpy()
    pools = {
        "pool_max": dict(kernel=(2, 2), stride=(2, 2), pool_type="max"),
        "pool_max_full": dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                              pooling_convention="full"),
        "pool_avg_pad": dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg"),
        "pool_avg_full": dict(kernel=(2, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                              pooling_convention="full"),
        "pool_avg_full_nopad": dict(kernel=(2, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                                    pooling_convention="full", count_include_pad=False),
        "pool_global_max": dict(kernel=(1, 1), pool_type="max", global_pool=True),
        "pool_global_avg": dict(kernel=(1, 1), pool_type="avg", global_pool=True),
    }
    for name, kw in pools.items():
        out[name] = nd.Pooling(nd.array(x), **kw).asnumpy()
    gamma, beta = rng.rand(4).astype(np.float32) + 0.5, rng.randn(4).astype(np.float32)
    mean, var = rng.randn(4).astype(np.float32), rng.rand(4).astype(np.float32) + 0.5
    out.update(bn_gamma=gamma, bn_beta=beta, bn_mean=mean, bn_var=var)
    args = [nd.array(a) for a in (x, gamma, beta, mean, var)]
    out["bn_infer"] = nd.BatchNorm(*args, eps=1e-3, fix_gamma=False).asnumpy()
    out["bn_infer_fixgamma"] = nd.BatchNorm(*args, eps=1e-3).asnumpy()
    with autograd.train_mode():
        out["bn_train"] = nd.BatchNorm(*args, eps=1e-5, fix_gamma=False).asnumpy()
    return out


def lenet_bn():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(6, 5, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(2, 2),
                nn.Conv2D(16, 3, padding=1, activation="relu"), nn.AvgPool2D(2),
                nn.Flatten(), nn.Dense(32, activation="relu"), nn.Dense(10))
    return net


def trained_lenet(folder):
    mx.random.seed(0)
    rng = np.random.RandomState(2)
    net = lenet_bn()
    net.initialize(mx.init.Xavier(magnitude=2.24))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1,
                                                          "momentum": 0.9})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for _ in range(3):
        x = nd.array(rng.rand(16, 1, 28, 28))
        y = nd.array(rng.randint(0, 10, 16))
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(16)
    net.save_parameters(str(folder / "mxnet_lenet.params"))
    x = rng.rand(4, 1, 28, 28).astype(np.float32)
    np.savez(folder / "mxnet_lenet_io.npz", input=x, output=net(nd.array(x)).asnumpy())


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conv_printing.json").write_text(json.dumps(printing(), indent=1) + "\n")
    np.savez(folder / "conv_ops.npz", **ops())
    trained_lenet(folder)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/core/fixtures")
