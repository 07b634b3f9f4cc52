"""Blocks, naming, parameters and deferred shape inference."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn


def mlp(**dense_kwargs):
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(128, activation="relu", **dense_kwargs))
        net.add(nn.Dense(64, activation="relu"))
        net.add(nn.Dense(10))
    return net


def batch(n=64):
    return nd.array(np.random.default_rng(0).random((n, 28, 28, 1)))


def test_names_follow_mxnet_counters_and_scopes():
    a, b = nn.Sequential(), nn.Sequential()
    assert (a.prefix, b.prefix) == ("sequential0_", "sequential1_")
    with a.name_scope():
        d0, d1 = nn.Dense(3), nn.Dense(3)
        custom = nn.Dense(3, prefix="head_")
    assert (d0.prefix, d1.prefix, custom.prefix) == (
        "sequential0_dense0_", "sequential0_dense1_", "sequential0_head_")
    assert d0.weight.name == "sequential0_dense0_weight"
    assert nn.Dense(2).prefix == "dense0_"           # outside any scope: global counter
    assert nn.Dense(2, prefix="mine_").prefix == "mine_"
    assert nn.Sequential(prefix="").collect_params().prefix == ""


def test_weight_shape_is_deferred_until_data_flows():
    net = mlp()
    net.initialize(mx.init.Xavier(magnitude=2.24))
    weight = net[0].weight
    assert weight.shape == (128, 0)
    with pytest.raises(mx.DeferredInitializationError) as err:
        weight.data()
    message = str(err.value)
    assert "sequential0_dense0_weight" in message and "pass one batch" in message
    assert "in_units" in message
    net(batch())
    assert weight.shape == (128, 784) and weight.data().shape == (128, 784)
    assert [p.shape for p in net.collect_params().values()] == [
        (128, 784), (128,), (64, 128), (64,), (10, 64), (10,)]


def test_in_units_gives_shapes_at_once():
    net = nn.Dense(5, in_units=7)
    net.initialize()
    assert net.weight.data().shape == (5, 7)


def test_uninitialized_parameter_says_to_call_initialize():
    net = mlp(in_units=784)
    with pytest.raises(RuntimeError, match=r"net.initialize\(\)"):
        net(batch(2))


def test_contradicting_in_units_names_the_layer_and_the_fix():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(16, in_units=784))
        net.add(nn.Dense(4, in_units=100))
    net.initialize()
    with pytest.raises(ValueError) as err:
        net(batch(2))
    message = str(err.value)
    assert "sequential0_dense1" in message and "expects 100" in message
    assert "got 16" in message and "in_units=16" in message


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(units=-3), "whole number"), (dict(units=2.5), "whole"),
    (dict(units=4, in_units=-1), "in_units"), (dict(units=4, activation="swish"), "relu"),
])
def test_dense_refuses_bad_settings(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        nn.Dense(**kwargs)


def test_dense_accepts_zero_units_as_mxnet_does():
    layer = nn.Dense(0, in_units=3)
    assert layer.weight.shape == (0, 3) and layer.bias.shape == (0,)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_refuses_rates_outside_0_1(rate):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nn.Dropout(rate)


def test_dropout_block_is_active_only_in_training():
    layer = nn.Dropout(0.5)
    x = nd.ones((100, 10))
    np.testing.assert_array_equal(layer(x).asnumpy(), x.asnumpy())
    with autograd.record():
        y = layer(x).asnumpy()
    assert set(np.unique(y)) == {0.0, 2.0}


def test_flatten_and_activation_blocks():
    x = nd.array(np.arange(-6, 6).reshape(2, 3, 2))
    assert nn.Flatten()(x).shape == (2, 6)
    np.testing.assert_array_equal(nn.Activation("relu")(x).asnumpy(),
                                  np.maximum(x.asnumpy(), 0))
    assert repr(nn.Activation("tanh")) == "Activation(tanh)"


def test_dense_without_flatten_applies_to_last_axis():
    layer = nn.Dense(3, flatten=False)
    layer.initialize()
    out = layer(nd.ones((2, 5, 4)))
    assert out.shape == (2, 5, 3) and layer.weight.shape == (3, 4)


def test_dense_without_bias_has_only_a_weight():
    layer = nn.Dense(3, use_bias=False, in_units=2)
    assert list(layer.collect_params().keys()) == ["dense0_weight"]


def test_collect_params_select_and_setattr():
    net = mlp()
    weights = net.collect_params(".*weight")
    assert list(weights.keys()) == ["sequential0_dense0_weight", "sequential0_dense1_weight",
                                    "sequential0_dense2_weight"]
    assert list(net.collect_params().select(".*dense2").keys()) == [
        "sequential0_dense2_weight", "sequential0_dense2_bias"]
    net.initialize()
    net(batch(2))
    net.collect_params().setattr("grad_req", "null")
    assert all(p.grad_req == "null" for p in net.collect_params().values())
    with pytest.raises(RuntimeError, match="grad_req"):
        net[0].weight.grad()


def test_zero_grad_clears_every_gradient():
    net = mlp()
    net.initialize()
    with autograd.record():
        loss = gluon.loss.L2Loss()(net(batch(4)), nd.zeros((4, 10)))
    loss.backward()
    assert np.abs(net[0].weight.grad().asnumpy()).sum() > 0
    net.collect_params().zero_grad()
    assert all(np.abs(p.grad().asnumpy()).sum() == 0 for p in net.collect_params().values())


def test_initialize_twice_warns_and_keeps_values():
    layer = nn.Dense(3, in_units=2)
    layer.initialize()
    before = layer.weight.data().asnumpy()
    with pytest.warns(UserWarning, match="force_reinit"):
        layer.initialize()
    np.testing.assert_array_equal(layer.weight.data().asnumpy(), before)
    layer.initialize(mx.init.One(), force_reinit=True)
    assert (layer.weight.data().asnumpy() == 1).all()


def test_initializers_follow_their_definitions():
    mx.random.seed(5)
    layer = nn.Dense(300, in_units=200)
    layer.initialize(mx.init.Xavier(magnitude=2.24))
    w = layer.weight.data().asnumpy()
    bound = np.sqrt(2.24 / 250.0)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert (layer.bias.data().asnumpy() == 0).all()          # biases start at zero
    layer.initialize(force_reinit=True)                       # Gluon's default: Uniform(0.07)
    w = layer.weight.data().asnumpy()
    assert 0.065 < np.abs(w).max() <= 0.07
    layer.initialize(mx.init.Normal(0.5), force_reinit=True)
    assert abs(layer.weight.data().asnumpy().std() - 0.5) < 0.02
    layer.initialize(mx.init.Constant(3), force_reinit=True)
    assert (layer.weight.data().asnumpy() == 3).all()
    layer.initialize(mx.init.Zero(), force_reinit=True)
    assert (layer.weight.data().asnumpy() == 0).all()
    with pytest.raises(ValueError, match="magnitude"):
        mx.init.Xavier(magnitude=-1)


def test_seed_makes_initialization_and_dropout_repeat():
    def run():
        mx.random.seed(11)
        net = nn.Sequential()
        with net.name_scope():
            net.add(nn.Dense(8, activation="relu"), nn.Dropout(0.3), nn.Dense(2))
        net.initialize(mx.init.Xavier())
        with autograd.record():
            return net(nd.ones((4, 5))).asnumpy()
    np.testing.assert_array_equal(run(), run())


def test_summary_lists_layers_shapes_and_counts(capsys):
    net = mlp()
    net.initialize()
    net.summary(batch(1))
    text = capsys.readouterr().out
    assert "(1, 28, 28, 1)" in text
    lines = [line.split() for line in text.splitlines()]
    rows = {line[0]: line[1:] for line in lines if line and line[0].startswith(("Dense", "Act"))}
    assert rows["Dense-2"][-1] == "100480" and rows["Dense-4"][-1] == "8256"
    assert rows["Dense-5"][-1] == "650" and "Activation-1" in rows
    assert "Total params: 109386" in text
    # The hooks summary used are gone afterwards.
    assert not any(b._forward_hooks for b in [net, net[0], net[0].act])


def test_forward_hooks_see_inputs_and_outputs():
    layer = nn.Dense(4, in_units=3)
    layer.initialize()
    seen = []
    handle = layer.register_forward_hook(lambda blk, inp, out: seen.append(out.shape))
    layer(nd.ones((2, 3)))
    handle.detach()
    layer(nd.ones((2, 3)))
    assert seen == [(2, 4)]


def test_custom_block_with_parameters_via_params_get():
    class Scale(gluon.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.alpha = self.params.get("alpha", shape=(1,), init=mx.init.Constant(2.0))

        def forward(self, x):
            return x * self.alpha.data()
    block = Scale()
    block.initialize()
    x = nd.ones((2, 2))
    x.attach_grad()
    with autograd.record():
        y = block(x).sum()
    y.backward()
    assert block.alpha.grad().asscalar() == 4.0
    assert list(block._collect_params_with_prefix()) == ["alpha"]


def test_gpu_context_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="CPU only"):
        nd.ones((2,)).as_in_context(mx.gpu(0))
    with pytest.raises(ValueError, match="CPU only"):
        nn.Dense(2, in_units=2).initialize(ctx=mx.gpu(0))
