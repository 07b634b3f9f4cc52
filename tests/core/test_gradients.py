"""Every differentiable op against float64 central differences."""

import numpy as np
import pytest

from blockstudio.core import autograd, nd

from .gradcheck import check_grad

rng = np.random.default_rng(1)


def r(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


SCALE_4x3 = r(4, 3)

UNARY = {
    "negative": (lambda a: -a, r(3, 4)),
    "exp": (nd.exp, r(3, 4)),
    "log": (nd.log, positive(3, 4)),
    "sqrt": (nd.sqrt, positive(3, 4)),
    "square": (nd.square, r(3, 4)),
    "abs": (nd.abs, r(3, 4) + 0.1),
    "relu": (nd.relu, r(3, 4) + 0.05),
    "sigmoid": (nd.sigmoid, r(3, 4) * 3),
    "tanh": (nd.tanh, r(3, 4)),
    "softrelu": (nd.softrelu, r(3, 4)),
    "softsign": (nd.softsign, r(3, 4)),
    "clip": (lambda a: nd.clip(a, -0.5, 0.5), r(3, 4)),
    "softmax": (nd.softmax, r(3, 5)),
    "softmax_axis0": (lambda a: nd.softmax(a, axis=0), r(3, 5)),
    "log_softmax": (nd.log_softmax, r(3, 5)),
    "reshape": (lambda a: a.reshape((4, 3)) * nd.array(SCALE_4x3, dtype=np.float64), r(3, 4)),
    "reshape_codes": (lambda a: a.reshape((0, -1)) * 2, r(2, 3, 2)),
    "flatten": (nd.flatten, r(2, 3, 2)),
    "transpose": (lambda a: a.transpose((1, 0, 2)), r(2, 3, 4)),
    "moveaxis": (lambda a: nd.moveaxis(a, -1, -3), r(2, 3, 4, 2)),
    "T": (lambda a: a.T, r(2, 3)),
    "expand_dims": (lambda a: a.expand_dims(1), r(2, 3)),
    "squeeze": (lambda a: a.squeeze(), r(2, 1, 3)),
    "slice": (lambda a: a[1:3, ::2], r(4, 5)),
    "index_int": (lambda a: a[1], r(4, 5)),
    "index_array": (lambda a: a[nd.array([0, 2, 2])], r(4, 3)),
    "sum_all": (lambda a: a.sum(), r(3, 4)),
    "sum_axis": (lambda a: a.sum(axis=1), r(3, 4)),
    "sum_keepdims": (lambda a: a.sum(axis=0, keepdims=True), r(3, 4)),
    "sum_exclude": (lambda a: a.sum(axis=0, exclude=True), r(2, 3, 4)),
    "mean_axis": (lambda a: a.mean(axis=(0, 2)), r(2, 3, 4)),
    "mean_exclude": (lambda a: nd.mean(a, axis=0, exclude=True), r(2, 3, 4)),
    "max_axis": (lambda a: a.max(axis=1), r(3, 4)),
    "min_keepdims": (lambda a: a.min(axis=0, keepdims=True), r(3, 4)),
    "pick": (lambda a: nd.pick(a, nd.array([0, 2, 1]), axis=-1), r(3, 4)),
    "pick_keepdims": (lambda a: nd.pick(a, nd.array([1, 0, 3]), keepdims=True), r(3, 4)),
    "pick_axis0": (lambda a: nd.pick(a, nd.array([0, 2, 1, 1]), axis=0), r(3, 4)),
    "cast": (lambda a: a.astype(np.float64) * 3, r(3, 2)),
    "copy": (lambda a: a.copy() * a, r(3, 2)),
    "slice_step": (lambda a: a[::-1, 1], r(4, 3)),
    "Activation_relu": (lambda a: nd.Activation(a, act_type="relu"), r(3, 4) + 0.05),
    "Flatten": (nd.Flatten, r(2, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient(name):
    fn, x = UNARY[name]
    check_grad(fn, x)


BINARY = {
    "add": (lambda a, b: a + b, r(3, 4), r(3, 4)),
    "add_broadcast_row": (lambda a, b: a + b, r(3, 4), r(1, 4)),
    "add_broadcast_rank": (lambda a, b: a + b, r(2, 3, 4), r(4)),
    "subtract_broadcast": (lambda a, b: a - b, r(3, 1), r(1, 4)),
    "multiply_broadcast": (lambda a, b: a * b, r(3, 4), r(3, 1)),
    "divide_broadcast": (lambda a, b: a / b, r(3, 4), positive(4)),
    "power": (lambda a, b: a ** b, positive(3, 4), r(3, 4)),
    "maximum": (lambda a, b: nd.maximum(a, b), r(3, 4), r(3, 4)),
    "minimum": (lambda a, b: nd.minimum(a, b), r(3, 4), r(1, 4)),
    "dot": (nd.dot, r(3, 4), r(4, 5)),
    "dot_vector": (nd.dot, r(3, 4), r(4)),
    "dot_transpose_a": (lambda a, b: nd.dot(a, b, transpose_a=True), r(4, 3), r(4, 5)),
    "dot_transpose_b": (lambda a, b: nd.dot(a, b, transpose_b=True), r(3, 4), r(5, 4)),
    "dot_nd": (nd.dot, r(2, 3, 4), r(4, 5)),
    "batch_dot": (nd.batch_dot, r(2, 3, 4), r(2, 4, 5)),
    "batch_dot_transpose": (lambda a, b: nd.batch_dot(a, b, transpose_b=True),
                            r(2, 3, 4), r(2, 5, 4)),
    "concat": (lambda a, b: nd.concat(a, b, dim=1), r(3, 2), r(3, 4)),
    "stack": (lambda a, b: nd.stack(a, b, axis=1), r(3, 2), r(3, 2)),
    "FullyConnected_nobias": (lambda x, w: nd.FullyConnected(x, w, no_bias=True,
                                                             num_hidden=5), r(3, 4), r(5, 4)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient(name):
    fn, a, b = BINARY[name]
    check_grad(fn, a, b)


def test_fully_connected_gradient_with_bias_and_flatten():
    check_grad(lambda x, w, b: nd.FullyConnected(x, w, b, num_hidden=5),
               r(3, 2, 2), r(5, 4), r(5))


def test_fully_connected_without_flatten_keeps_leading_axes():
    out = check_grad(lambda x, w, b: nd.FullyConnected(x, w, b, num_hidden=5, flatten=False),
                     r(2, 3, 4), r(5, 4), r(5))
    assert out.shape == (2, 3, 5)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "softrelu", "softsign"])
def test_dense_fused_activation_gradient(act):
    from blockstudio.core.nn_ops import _dense
    x, w, b = r(4, 3) + 0.01, r(5, 3), r(5)
    check_grad(lambda x, w, b: _dense(x, w, b, True, act), x, w, b)


def test_softmax_cross_entropy_gradient_sparse_and_dense_labels():
    labels = nd.array([1, 0, 3], dtype=np.float64)
    check_grad(lambda p: nd.softmax_cross_entropy(p, labels), r(3, 4))
    dist = nd.array(np.abs(r(3, 4)), dtype=np.float64)
    check_grad(lambda p: nd.softmax_cross_entropy(p, dist, sparse_label=False), r(3, 4))
    check_grad(lambda p: nd.softmax_cross_entropy(p, nd.array([[0, 2, 1]]), axis=1), r(1, 3, 3))


def test_dropout_gradient_uses_the_same_mask():
    x = nd.array(r(50, 4), dtype=np.float64)
    x.attach_grad()
    with autograd.record():
        y = nd.Dropout(x, p=0.5)
    y.backward()
    kept = y.asnumpy() != 0
    np.testing.assert_allclose(x.grad.asnumpy(), np.where(kept, 2.0, 0.0))
    assert 0.3 < kept.mean() < 0.7


def test_dropout_is_identity_outside_training():
    x = nd.array(r(5, 4))
    np.testing.assert_array_equal(nd.Dropout(x, p=0.5).asnumpy(), x.asnumpy())
    with autograd.train_mode():
        assert (nd.Dropout(x, p=0.5).asnumpy() == 0).any()


def test_gradient_accumulates_when_an_array_is_used_twice():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x + x * 3
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * np.array([1, 2, 3]) + 3)


def test_grad_req_add_accumulates_across_backward_calls():
    x = nd.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with autograd.record():
            y = (x * 2).sum()
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [6.0, 6.0])


def test_two_leaves_fed_the_same_gradient_do_not_share_a_buffer():
    a, b = nd.array([1.0, 2.0]), nd.array([3.0, 4.0])
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = a + b
    y.backward()
    a.grad[:] = 0
    np.testing.assert_allclose(b.grad.asnumpy(), [1.0, 1.0])


def test_backward_without_record_explains_what_to_do():
    x = nd.array([1.0])
    with pytest.raises(RuntimeError, match="autograd.record"):
        (x * 2).backward()


def test_pause_stops_recording_and_modes_nest():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    assert not autograd.is_recording()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
            z = x * 5
        with autograd.predict_mode():
            assert autograd.is_recording() and not autograd.is_training()
        y = x * 2
    assert z._node is None and y._node is not None
    assert not autograd.is_recording()
