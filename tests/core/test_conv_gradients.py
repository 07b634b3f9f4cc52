"""Convolution, pooling and BatchNorm against float64 central differences."""

import numpy as np
import pytest

from blockstudio.core import autograd, conv_ops, nd
from blockstudio.core.conv_ops import _conv

from .gradcheck import check_grad

rng = np.random.default_rng(7)


def r(*shape):
    return rng.standard_normal(shape)


CONV = {
    # name: (x shape, weight shape, Convolution arguments)
    "plain": ((2, 3, 6, 5), (4, 3, 3, 3), dict()),
    "stride": ((2, 2, 7, 8), (3, 2, 3, 2), dict(stride=(2, 3))),
    "padding": ((1, 2, 5, 5), (3, 2, 3, 3), dict(pad=(1, 2))),
    "dilation": ((2, 2, 7, 6), (2, 2, 2, 3), dict(dilate=(2, 2), pad=(1, 0))),
    "groups": ((2, 4, 5, 6), (6, 2, 3, 2), dict(num_group=2, stride=(1, 2), pad=(1, 1))),
    "depthwise": ((1, 3, 5, 5), (3, 1, 3, 3), dict(num_group=3, dilate=(1, 2), pad=(2, 2))),
    "all_at_once": ((2, 4, 9, 8), (4, 2, 3, 2), dict(stride=(2, 1), pad=(1, 2), dilate=(2, 1),
                                                     num_group=2)),
}


@pytest.fixture(params=["batch_first", "batch_last"])
def conv_order(request, monkeypatch):
    """Both internal memory orders of the convolution, whatever the output size."""
    monkeypatch.setattr(conv_ops, "_SHORT_ROWS", 0 if request.param == "batch_first" else 10**6)
    return request.param


@pytest.mark.parametrize("name", sorted(CONV))
def test_convolution_gradient_for_input_weight_and_bias(name, conv_order):
    x_shape, w_shape, kwargs = CONV[name]
    out = check_grad(lambda x, w, b: nd.Convolution(x, w, b, kernel=w_shape[2:],
                                                    num_filter=w_shape[0], **kwargs),
                     r(*x_shape), r(*w_shape), r(w_shape[0]))
    assert out.shape[:2] == (x_shape[0], w_shape[0])


def test_convolution_without_bias_gradient(conv_order):
    check_grad(lambda x, w: nd.Convolution(x, w, kernel=(2, 2), num_filter=3, no_bias=True,
                                           stride=(2, 2)), r(2, 2, 5, 4), r(3, 2, 2, 2))


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "softrelu", "softsign"])
def test_convolution_fused_activation_gradient(act, conv_order):
    # Conv2D(..., activation=...) runs the convolution and its activation as one node.
    check_grad(lambda x, w, b: _conv(x, w, b, (1, 2), (1, 1), (1, 0), 1, act),
               r(2, 2, 4, 5) + 0.01, r(3, 2, 2, 2), r(3))


POOL = {
    "max_2x2": dict(kernel=(2, 2), stride=(2, 2), pool_type="max"),
    "max_overlap_pad": dict(kernel=(3, 3), stride=(1, 2), pad=(1, 1), pool_type="max"),
    "max_ceil": dict(kernel=(3, 2), stride=(2, 2), pool_type="max", pooling_convention="full"),
    "max_ceil_pad": dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                         pooling_convention="full"),
    "avg_2x2": dict(kernel=(2, 2), stride=(2, 2), pool_type="avg"),
    "avg_pad": dict(kernel=(3, 3), stride=(2, 1), pad=(1, 1), pool_type="avg"),
    "avg_pad_exclude": dict(kernel=(3, 3), stride=(2, 1), pad=(1, 1), pool_type="avg",
                            count_include_pad=False),
    "avg_ceil_pad": dict(kernel=(2, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                         pooling_convention="full"),
    "avg_ceil_exclude": dict(kernel=(2, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                             pooling_convention="full", count_include_pad=False),
    "global_max": dict(pool_type="max", global_pool=True),
    "global_avg": dict(pool_type="avg", global_pool=True),
}


@pytest.mark.parametrize("name", sorted(POOL))
def test_pooling_gradient(name):
    check_grad(lambda x: nd.Pooling(x, **POOL[name]), r(2, 3, 7, 6))


def test_max_pooling_gives_a_tied_window_gradient_once_to_its_first_maximum():
    x = nd.zeros((1, 1, 4, 4))
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="max")
    y.backward()
    grad = x.grad.asnumpy()[0, 0]
    assert grad.sum() == 4 and grad[0::2, 0::2].sum() == 4   # MXNet: the first of a tie


def bn(train, fix_gamma=False, axis=1):
    mean, var = nd.array(r(3) * 0.1, dtype=np.float64), nd.array(1 + r(3) ** 2, dtype=np.float64)

    def fn(x, gamma, beta):
        # check_grad records in training mode: the mode is set inside to test both.
        with (autograd.train_mode() if train else autograd.predict_mode()):
            return nd.BatchNorm(x, gamma, beta, mean, var, eps=1e-3, fix_gamma=fix_gamma,
                                axis=axis)
    return fn


@pytest.mark.parametrize("train", [True, False], ids=["train", "inference"])
def test_batchnorm_gradient(train):
    check_grad(bn(train), r(4, 3, 3, 2), 1 + r(3) * 0.3, r(3))


def test_batchnorm_gradient_on_the_last_axis_of_2d_input():
    check_grad(bn(True, axis=-1), r(5, 3), 1 + r(3) * 0.3, r(3))


def test_batchnorm_fixed_gamma_gradient_is_zero_for_gamma():
    check_grad(bn(True, fix_gamma=True), r(4, 3, 2, 2), np.ones(3), r(3))
