"""Conv2D, the pooling layers and BatchNorm as Gluon blocks: shapes, modes, errors, files."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn


def images(n=4, channels=1, size=12, seed=0):
    return nd.array(np.random.default_rng(seed).random((n, channels, size, size)))


def test_conv2d_output_shape_follows_mxnet_formula():
    conv = nn.Conv2D(7, kernel_size=(3, 2), strides=(2, 1), padding=1, dilation=(1, 2))
    conv.initialize()
    out = conv(images(2, 3, 11))
    # floor((11 + 2 - 1*(3-1) - 1) / 2) + 1 = 6 ; floor((11 + 2 - 2*(2-1) - 1) / 1) + 1 = 11
    assert out.shape == (2, 7, 6, 11)
    assert conv.weight.shape == (7, 3, 3, 2) and conv.bias.shape == (7,)


def test_conv2d_with_in_channels_and_groups_has_full_shapes_at_once():
    conv = nn.Conv2D(6, 3, groups=3, in_channels=9, use_bias=False)
    conv.initialize()
    assert conv.weight.data().shape == (6, 3, 3, 3) and conv.bias is None


def test_conv2d_relu_equals_convolution_then_relu():
    conv = nn.Conv2D(4, 3, activation="relu", in_channels=2)
    conv.initialize(mx.init.Xavier())
    x = images(3, 2, 8)
    expected = nd.relu(nd.Convolution(x, conv.weight.data(), conv.bias.data(), kernel=(3, 3),
                                      num_filter=4))
    np.testing.assert_allclose(conv(x).asnumpy(), expected.asnumpy(), rtol=1e-6, atol=1e-6)


def test_kernel_larger_than_input_names_the_layer():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, 5))
    net.initialize()
    with pytest.raises(ValueError, match=r"sequential0_conv0.*5x5.*3x3.*too small"):
        net(images(1, 1, 3))


def test_flat_input_to_conv2d_says_what_shape_it_needs():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(16), nn.Conv2D(4, 3))     # a Dense before a Conv2D gives 2-d data
    net.initialize()
    with pytest.raises(ValueError, match=r"sequential0_conv0 expects 4-d input.*\(2, 16\)"):
        net(images(2, 1, 6))


def test_mnist_layout_input_is_refused_with_the_transpose_to_use():
    conv = nn.Conv2D(4, 3, in_channels=1)
    conv.initialize()
    with pytest.raises(ValueError, match=r"transpose\(\(0, 3, 1, 2\)\)"):
        conv(nd.zeros((2, 28, 28, 1)))


def test_wrong_channel_count_after_initialisation_names_the_fix():
    conv = nn.Conv2D(4, 3, in_channels=3)
    conv.initialize()
    with pytest.raises(ValueError, match=r"expects 3 input channels.*got 1.*in_channels=1"):
        conv(images(1, 1, 6))


@pytest.mark.parametrize("build, fragment", [
    (lambda: nn.Conv2D(0, 3), "channels"),
    (lambda: nn.Conv2D(6, 3, groups=4), "divisible by groups"),
    (lambda: nn.Conv2D(4, 3, strides=0), "at least 1"),
    (lambda: nn.MaxPool2D(pool_size=0), "at least 1"),
    (lambda: nn.Conv2D(4, 3, layout="NHWC"), "NCHW"),
    (lambda: nn.BatchNorm(momentum=2), "momentum"),
])
def test_bad_arguments_raise_value_error(build, fragment):
    with pytest.raises(ValueError, match=fragment):
        build()


def test_gluon_asserts_an_unknown_layout():
    with pytest.raises(AssertionError):
        nn.Conv2D(4, 3, layout="CHWN")


def test_pooling_layers_shapes():
    x = images(2, 3, 9)
    assert nn.MaxPool2D()(x).shape == (2, 3, 4, 4)
    assert nn.MaxPool2D(2, ceil_mode=True)(x).shape == (2, 3, 5, 5)
    assert nn.AvgPool2D(3, 1, 1)(x).shape == (2, 3, 9, 9)
    assert nn.GlobalMaxPool2D()(x).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(nn.GlobalAvgPool2D()(x).asnumpy()[..., 0, 0],
                               x.asnumpy().mean(axis=(2, 3)), rtol=1e-6)


def test_batchnorm_updates_running_statistics_only_in_training():
    layer = nn.BatchNorm(momentum=0.9)
    layer.initialize()
    x = images(8, 3, 5) * 4 + 2
    out = layer(x)                     # inference, before any training: running 0 and 1
    assert layer.running_mean.shape == (3,)
    np.testing.assert_array_equal(layer.running_mean.data().asnumpy(), np.zeros(3))
    np.testing.assert_allclose(out.asnumpy(), x.asnumpy() / np.sqrt(1 + 1e-5), rtol=1e-6)
    batch_mean = x.asnumpy().mean(axis=(0, 2, 3))
    batch_var = x.asnumpy().var(axis=(0, 2, 3))
    with autograd.record():
        trained = layer(x)
    np.testing.assert_allclose(layer.running_mean.data().asnumpy(), 0.1 * batch_mean, rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.data().asnumpy(), 0.9 + 0.1 * batch_var,
                               rtol=1e-5)
    # Training normalises with the batch's own statistics.
    np.testing.assert_allclose(trained.asnumpy().mean(axis=(0, 2, 3)), 0, atol=1e-5)
    with autograd.train_mode():
        layer(x)
    np.testing.assert_allclose(layer.running_mean.data().asnumpy(), 0.19 * batch_mean,
                               rtol=1e-5)
    frozen = layer.running_mean.data().asnumpy().copy()
    with autograd.record(train_mode=False):
        layer(x)
    layer(x)
    np.testing.assert_array_equal(layer.running_mean.data().asnumpy(), frozen)


def test_batchnorm_running_statistics_are_not_trained():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, 3), nn.BatchNorm(), nn.Flatten(), nn.Dense(2))
    net.initialize()
    params = net.collect_params()
    net(images(2, 1, 6))
    assert params["sequential0_batchnorm0_running_mean"].grad_req == "null"
    assert params["sequential0_batchnorm0_running_var"].grad_req == "null"
    assert params["sequential0_batchnorm0_gamma"].grad_req == "write"
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.5})
    with autograd.record():
        loss = net(images(4, 1, 6)).sum()
    loss.backward()
    expected = params["sequential0_batchnorm0_running_var"].data().asnumpy().copy()
    trainer.step(4)
    np.testing.assert_array_equal(
        params["sequential0_batchnorm0_running_var"].data().asnumpy(), expected)


def test_batchnorm_use_global_stats_uses_running_statistics_in_training():
    layer = nn.BatchNorm(use_global_stats=True, in_channels=2)
    layer.initialize()
    x = images(3, 2, 4)
    with autograd.record():
        out = layer(x)
    np.testing.assert_allclose(out.asnumpy(), x.asnumpy() / np.sqrt(1 + 1e-5), rtol=1e-6)
    np.testing.assert_array_equal(layer.running_mean.data().asnumpy(), np.zeros(2))


def test_conv_network_saves_and_loads_every_parameter(tmp_path):
    def build():
        net = nn.Sequential()
        with net.name_scope():
            net.add(nn.Conv2D(4, 3, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(),
                    nn.Flatten(), nn.Dense(3))
        return net
    net = build()
    net.initialize(mx.init.Xavier())
    x = images(4, 1, 8)
    with autograd.record():
        net(x)                       # moves the running statistics
    net.save_parameters(str(tmp_path / "conv.params"))
    other = build()
    other.load_parameters(str(tmp_path / "conv.params"))
    assert list(other._collect_params_with_prefix()) == [
        "0.weight", "0.bias", "1.gamma", "1.beta", "1.running_mean", "1.running_var",
        "4.weight", "4.bias"]
    np.testing.assert_array_equal(other(x).asnumpy(), net(x).asnumpy())


def test_summary_reads_a_batchnorm_network_without_moving_its_statistics(capsys):
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, 3), nn.BatchNorm())
    net.initialize()
    x = images(4, 1, 6) * 3 + 1
    with autograd.record():
        net(x)
    before = [p.data().asnumpy().copy() for p in net.collect_params().values()]
    net.summary(x)
    assert "BatchNorm-2" in capsys.readouterr().out
    after = [p.data().asnumpy() for p in net.collect_params().values()]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
