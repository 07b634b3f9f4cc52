"""Conv2D, pooling and BatchNorm print and compute what real MXNet 1.9.1 does.

The fixtures in tests/core/fixtures were written by tools/record_conv_fixtures.py running
under MXNet 1.9.1; the suite itself never imports MXNet.
"""

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import conv_ops, nd
from blockstudio.core.gluon import nn

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PRINTED = json.loads((FIXTURES / "conv_printing.json").read_text())


def lenet():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, 5, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Conv2D(50, 5, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Flatten(), nn.Dense(128, activation="relu"), nn.Dense(10))
    return net


def zoo():
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


@pytest.mark.parametrize("name, build, shape", [("lenet", lenet, (2, 1, 28, 28)),
                                                ("zoo", zoo, (2, 4, 9, 9))])
def test_printing_before_and_after_a_batch_matches_mxnet(name, build, shape):
    expected = PRINTED[name]
    net = build()
    net.initialize(mx.init.Xavier(magnitude=2.24))
    assert repr(net) == expected["net_before"]
    assert repr(net.collect_params()) == expected["params_before"]
    out = net(nd.array(np.random.default_rng(0).random(shape)))
    assert list(out.shape) == expected["output_shape"]
    assert repr(net) == expected["net_after"]
    assert repr(net.collect_params()) == expected["params_after"]


@pytest.mark.parametrize("name, build, shape", [("lenet", lenet, (2, 1, 28, 28)),
                                                ("zoo", zoo, (2, 4, 9, 9))])
def test_summary_matches_mxnet(name, build, shape):
    net = build()
    net.initialize()
    net(nd.zeros(shape))
    printed = io.StringIO()
    with redirect_stdout(printed):
        net.summary(nd.zeros(shape))
    assert printed.getvalue() == PRINTED[name]["summary"]


def test_conv_weight_reads_unknown_until_a_batch_flows():
    conv = nn.Conv2D(20, kernel_size=5)
    conv.initialize()
    assert conv.weight.shape == (20, 0, 5, 5)
    with pytest.raises(mx.DeferredInitializationError, match="pass one batch"):
        conv.weight.data()
    conv(nd.zeros((3, 1, 28, 28)))
    assert conv.weight.shape == (20, 1, 5, 5) and conv.weight.data().shape == (20, 1, 5, 5)


OPS = np.load(FIXTURES / "conv_ops.npz")
CONV_CASES = {
    "conv_plain": dict(kernel=(3, 3), num_filter=5, num_group=1),
    "conv_strided": dict(kernel=(3, 2), stride=(2, 1), pad=(1, 2), dilate=(2, 1),
                         num_filter=6, num_group=2),
    "conv_nobias": dict(kernel=(1, 3), stride=(1, 3), num_filter=4, num_group=4, no_bias=True),
}
POOL_CASES = {
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


@pytest.mark.parametrize("short_rows", [0, 10**6], ids=["batch_first", "batch_last"])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_convolution_matches_mxnet(name, short_rows, monkeypatch):
    monkeypatch.setattr(conv_ops, "_SHORT_ROWS", short_rows)
    kwargs = CONV_CASES[name]
    args = [nd.array(OPS["x"]), nd.array(OPS[name + "_w"])]
    if not kwargs.get("no_bias"):
        args.append(nd.array(OPS[name + "_b"]))
    out = nd.Convolution(*args, **kwargs).asnumpy()
    np.testing.assert_allclose(out, OPS[name], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_pooling_matches_mxnet(name):
    out = nd.Pooling(nd.array(OPS["x"]), **POOL_CASES[name]).asnumpy()
    assert out.shape == OPS[name].shape
    np.testing.assert_allclose(out, OPS[name], rtol=1e-6, atol=1e-6)


def test_batchnorm_op_matches_mxnet_in_both_modes():
    args = [nd.array(OPS[k]) for k in ("x", "bn_gamma", "bn_beta", "bn_mean", "bn_var")]
    np.testing.assert_allclose(nd.BatchNorm(*args, eps=1e-3, fix_gamma=False).asnumpy(),
                               OPS["bn_infer"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(nd.BatchNorm(*args, eps=1e-3).asnumpy(),
                               OPS["bn_infer_fixgamma"], rtol=1e-5, atol=1e-5)
    with mx.autograd.train_mode():
        out = nd.BatchNorm(*args, eps=1e-5, fix_gamma=False).asnumpy()
    np.testing.assert_allclose(out, OPS["bn_train"], rtol=1e-4, atol=1e-4)


def lenet_bn():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(6, 5, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(2, 2),
                nn.Conv2D(16, 3, padding=1, activation="relu"), nn.AvgPool2D(2),
                nn.Flatten(), nn.Dense(32, activation="relu"), nn.Dense(10))
    return net


@pytest.mark.parametrize("initialize_first", [False, True], ids=["fresh", "initialized"])
def test_mxnet_lenet_parameters_reproduce_mxnet_output(initialize_first):
    net = lenet_bn()
    if initialize_first:  # shapes still deferred: the file fills them in
        net.initialize(mx.init.Xavier(magnitude=2.24))
    net.load_parameters(str(FIXTURES / "mxnet_lenet.params"))
    io_ = np.load(FIXTURES / "mxnet_lenet_io.npz")
    assert net[0].weight.shape == (6, 1, 5, 5)
    # Trained by MXNet: the running statistics moved away from their initial 0 and 1.
    assert np.abs(net[1].running_mean.data().asnumpy()).max() > 1e-3
    out = net(nd.array(io_["input"]))
    np.testing.assert_allclose(out.asnumpy(), io_["output"], rtol=1e-5, atol=1e-5)
