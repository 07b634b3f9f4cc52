"""Losses, optimizers and the Trainer against their formulas."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn

from .gradcheck import check_grad

rng = np.random.default_rng(7)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_softmax_cross_entropy_matches_the_formula():
    pred, label = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    loss = gluon.loss.SoftmaxCrossEntropyLoss()(nd.array(pred), nd.array(label)).asnumpy()
    expected = -np.log(softmax(pred)[np.arange(5), label])
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert loss.shape == (5,)


def test_losses_against_formulas_and_their_gradients():
    pred, label = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p, l_ = nd.array(pred, dtype=np.float64), nd.array(label, dtype=np.float64)
    np.testing.assert_allclose(gluon.loss.L2Loss()(p, l_).asnumpy(),
                               (0.5 * (pred - label) ** 2).mean(1))
    np.testing.assert_allclose(gluon.loss.L1Loss()(p, l_).asnumpy(),
                               np.abs(pred - label).mean(1))
    z = (label > 0).astype(np.float64)
    sig = 1 / (1 + np.exp(-pred))
    np.testing.assert_allclose(
        gluon.loss.SigmoidBinaryCrossEntropyLoss()(p, nd.array(z, dtype=np.float64)).asnumpy(),
        -(z * np.log(sig) + (1 - z) * np.log(1 - sig)).mean(1), rtol=1e-10)
    for loss in (gluon.loss.L2Loss(), gluon.loss.L1Loss(),
                 gluon.loss.SigmoidBinaryCrossEntropyLoss(),
                 gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False)):
        check_grad(lambda x: loss(x, nd.array(np.abs(label), dtype=np.float64)), pred + 0.01)


def test_loss_weight_and_sample_weight_scale():
    pred, label = nd.array([[1.0, 2.0]]), nd.array([[0.0, 0.0]])
    assert gluon.loss.L2Loss(weight=4.0)(pred, label).asscalar() == pytest.approx(5.0)
    assert gluon.loss.L1Loss()(pred, label, nd.array([[2.0]])).asscalar() == pytest.approx(3.0)


def test_label_count_mismatch_is_explained():
    with pytest.raises(ValueError, match="predictions"):
        gluon.loss.SoftmaxCrossEntropyLoss()(nd.ones((4, 3)), nd.zeros((5,)))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        gluon.loss.SoftmaxCrossEntropyLoss()(nd.ones((2, 3)), nd.array([0, 7]))
    # A negative label must not wrap around to the last class.
    with pytest.raises(ValueError, match=r"from -1 to 1"):
        gluon.loss.SoftmaxCrossEntropyLoss()(nd.ones((2, 3)), nd.array([-1, 1]))


def one_layer(optimizer, params):
    layer = nn.Dense(3, in_units=4)
    layer.initialize(mx.init.Normal(0.5))
    return layer, gluon.Trainer(layer.collect_params(), optimizer, params)


def grads_for(layer, x, y):
    with autograd.record():
        loss = gluon.loss.L2Loss()(layer(x), y)
    loss.backward()
    return layer.weight.grad().asnumpy().copy(), layer.bias.grad().asnumpy().copy()


def test_sgd_with_momentum_and_weight_decay_follows_mxnet_update():
    layer, trainer = one_layer("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01})
    x, y = nd.array(rng.standard_normal((8, 4))), nd.array(rng.standard_normal((8, 3)))
    w = layer.weight.data().asnumpy().copy()
    mom = np.zeros_like(w)
    for _ in range(3):
        gw, _ = grads_for(layer, x, y)
        trainer.step(8)
        mom = 0.9 * mom - 0.1 * (gw / 8 + 0.01 * w)
        w = w + mom
        np.testing.assert_allclose(layer.weight.data().asnumpy(), w, rtol=1e-5, atol=1e-6)


def test_adam_follows_the_bias_corrected_update():
    layer, trainer = one_layer("adam", {"learning_rate": 0.01})
    x, y = nd.array(rng.standard_normal((8, 4))), nd.array(rng.standard_normal((8, 3)))
    w = layer.weight.data().asnumpy().astype(np.float64)
    m = v = np.zeros_like(w)
    for t in range(1, 4):
        gw, _ = grads_for(layer, x, y)
        trainer.step(8)
        g = gw / 8
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        lr = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        w = w - lr * m / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(layer.weight.data().asnumpy(), w, rtol=1e-4, atol=1e-6)


def test_step_rescales_by_batch_size_and_learning_rate_is_settable():
    layer, trainer = one_layer("sgd", {"learning_rate": 0.5})
    assert trainer.learning_rate == 0.5
    trainer.set_learning_rate(0.25)
    assert trainer.learning_rate == 0.25
    x, y = nd.array(rng.standard_normal((4, 4))), nd.array(rng.standard_normal((4, 3)))
    b = layer.bias.data().asnumpy().copy()
    _, gb = grads_for(layer, x, y)
    trainer.step(4)
    np.testing.assert_allclose(layer.bias.data().asnumpy(), b - 0.25 * gb / 4, rtol=1e-5)


def test_stale_gradient_is_reported_unless_ignored():
    layer, trainer = one_layer("sgd", {"learning_rate": 0.1})
    grads_for(layer, nd.ones((2, 4)), nd.ones((2, 3)))
    trainer.step(2)
    with pytest.raises(UserWarning, match="ignore_stale_grad"):
        trainer.step(2)
    trainer.step(2, ignore_stale_grad=True)


@pytest.mark.parametrize("optimizer, params, fragment", [
    ("sgd", {"learning_rate": -1}, "Invalid learning rate: -1"),
    ("sgd", {"momentum": 1.5}, "momentum"),
    ("rmsprop2", {}, "unknown optimizer"),
    ("sgd", {"learning_rat": 0.1}, "learning_rat"),
])
def test_bad_optimizer_settings_are_named(optimizer, params, fragment):
    layer = nn.Dense(2, in_units=2)
    layer.initialize()
    with pytest.raises((ValueError, TypeError), match=fragment):
        gluon.Trainer(layer.collect_params(), optimizer, params)


def test_training_reduces_loss_on_a_learnable_problem():
    mx.random.seed(1)
    x = rng.standard_normal((256, 10)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.float32)
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(16, activation="tanh"), nn.Dense(2))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5, "momentum": 0.5})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for _ in range(60):
        with autograd.record():
            loss = loss_fn(net(nd.array(x)), nd.array(y))
        loss.backward()
        trainer.step(256)
        losses.append(loss.mean().asscalar())
    accuracy = (net(nd.array(x)).argmax(axis=1).asnumpy() == y).mean()
    assert losses[-1] < 0.5 * losses[0] and accuracy > 0.9
