"""Features the engine offers that nothing else tested: learning-rate schedules, gradient
clipping, per-parameter lr_mult / wd_mult, retain_graph, and softmax's temperature. Each
result is worked out by hand beside it."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd


def one_weight(value, **param_args):
    """A Dense(1, in_units=1, no bias) whose weight is ``value``, and its parameter."""
    net = gluon.nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(mx.init.Constant(value))
    param = net.weight
    for name, setting in param_args.items():
        setattr(param, name, setting)
    return net, param


def step(net, trainer, x=2.0, batch=1):
    with autograd.record():
        loss = (net(nd.array([[x]])) ** 2).sum()   # d loss / d w = 2 * (w x) * x
    loss.backward()
    trainer.step(batch)


def test_a_learning_rate_schedule_is_consulted_at_every_update():
    # As in MXNet, the schedule is called with the update count, which is 1 at the first update.
    net, param = one_weight(1.0)
    seen = []

    def schedule(num_update):
        seen.append(num_update)
        return 0.1 * 0.5 ** num_update

    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "lr_scheduler": schedule})
    w = 1.0
    for count in (1, 2, 3):
        step(net, trainer)
        grad = 2 * (w * 2.0) * 2.0
        w = w - 0.1 * 0.5 ** count * grad
        assert seen[-1] == count
        assert param.data().asscalar() == pytest.approx(w, rel=1e-6)


def test_gradient_clipping_caps_each_element_before_the_update():
    net, param = one_weight(1.0)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "clip_gradient": 0.5})
    step(net, trainer)                   # the raw gradient is 8: clipped to 0.5
    assert param.data().asscalar() == pytest.approx(1.0 - 0.1 * 0.5)
    net2, param2 = one_weight(1.0)
    trainer2 = gluon.Trainer(net2.collect_params(), "sgd", {"learning_rate": 0.1})
    step(net2, trainer2)                 # unclipped: 1 - 0.8
    assert param2.data().asscalar() == pytest.approx(1.0 - 0.1 * 8.0)


@pytest.mark.parametrize("optimizer, params", [("sgd", {"learning_rate": 0.1, "wd": 0.5}),
                                               ("sgd", {"learning_rate": 0.1, "wd": 0.5, "momentum": 0.9}),
                                               ("adam", {"learning_rate": 0.1, "wd": 0.5})])
def test_lr_mult_zero_freezes_a_parameter_and_wd_mult_scales_its_decay(optimizer, params):
    frozen, frozen_param = one_weight(1.0, lr_mult=0.0)
    trainer = gluon.Trainer(frozen.collect_params(), optimizer, dict(params))
    step(frozen, trainer)
    assert frozen_param.data().asscalar() == 1.0

    if optimizer == "sgd" and "momentum" not in params:
        # w -= lr * (grad + wd * wd_mult * w): grad 8, wd 0.5, wd_mult 2 -> 1 - 0.1 * (8 + 1)
        net, param = one_weight(1.0, wd_mult=2.0)
        trainer = gluon.Trainer(net.collect_params(), optimizer, dict(params))
        step(net, trainer)
        assert param.data().asscalar() == pytest.approx(1.0 - 0.1 * (8.0 + 0.5 * 2.0 * 1.0))
        net, param = one_weight(1.0, lr_mult=0.5)
        trainer = gluon.Trainer(net.collect_params(), optimizer, dict(params))
        step(net, trainer)
        assert param.data().asscalar() == pytest.approx(1.0 - 0.05 * (8.0 + 0.5 * 1.0))


def test_retain_graph_lets_a_graph_be_walked_twice():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad(grad_req="add")
    with autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    assert np.allclose(x.grad.asnumpy(), [2, 4, 6])
    y.backward()                                   # the kept graph runs again and adds
    assert np.allclose(x.grad.asnumpy(), [4, 8, 12])
    with pytest.raises(Exception):
        y.backward()                               # freed by the last walk without retain_graph


def test_softmax_temperature_divides_the_logits():
    logits = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], dtype=np.float32)
    for temperature in (0.5, 1.0, 3.0):
        expected = np.exp(logits / temperature)
        expected /= expected.sum(axis=1, keepdims=True)
        got = nd.softmax(nd.array(logits), temperature=temperature).asnumpy()
        assert np.allclose(got, expected, atol=1e-6), temperature
