"""autograd.grad (first and second order) and autograd.Function (issue 12): gradients of
gradients against float64 central differences, custom backward functions, MXNet's names."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, nd
from blockstudio.core.base import MXNetError

from .gradcheck import check_grad

rng = np.random.default_rng(3)
W = nd.array(rng.standard_normal((2, 3)), dtype="float64")
M = nd.array(rng.standard_normal((3, 2)), dtype="float64")

# f(x): the first gradient of sum(W * f(x)) is differentiated again below.
TWICE = {
    "sin": nd.sin,
    "cos": nd.cos,
    "exp": nd.exp,
    "log": lambda x: nd.log(x * x + 1),
    "tanh": nd.tanh,
    "sigmoid": nd.sigmoid,
    "square_sqrt": lambda x: nd.sqrt(nd.square(x) + 1),
    "mul_div": lambda x: x * x / (x * x + 2),
    "power": lambda x: (x * x + 1) ** 1.5,
    "sub_neg": lambda x: -(x - x * x),
    "sum_mean": lambda x: x * x.sum(axis=1, keepdims=True) + x.mean() * x,
    "broadcast": lambda x: nd.sin(x) * nd.exp(x[0:1]),
    "reshape_transpose": lambda x: (nd.sin(x).reshape((3, 2)).T * 2),
    "dot": lambda x: nd.tanh(nd.dot(x, M)),
    "relu_of_smooth": lambda x: nd.relu(x) * x,
}


def _first_gradient(f):
    def gradient(x):
        with autograd.record():
            y = (f(x) * W if f(x).shape == W.shape else f(x)).sum()
            return autograd.grad(y, [x], create_graph=True)[0]
    return gradient


@pytest.mark.parametrize("name", sorted(TWICE))
def test_second_order_matches_finite_differences(name):
    check_grad(_first_gradient(TWICE[name]), rng.standard_normal((2, 3)), rtol=1e-4, atol=1e-6)


def test_grad_returns_without_writing_x_grad_and_frees_the_graph():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x * x).sum()
    dx = autograd.grad(y, x)
    assert dx.asnumpy().tolist() == [3.0, 12.0]
    assert x.grad.asnumpy().tolist() == [0.0, 0.0]
    with pytest.raises(Exception):
        y.backward()  # the graph was freed (retain_graph defaults to create_graph)


def test_grad_of_an_unused_variable_is_zero():
    x, z = nd.array([1.0]), nd.array([5.0, 6.0])
    x.attach_grad()
    z.attach_grad()
    with autograd.record():
        y = x * 2
    dx, dz = autograd.grad(y, [x, z])
    assert dx.asnumpy().tolist() == [2.0] and dz.asnumpy().tolist() == [0.0, 0.0]


def test_create_graph_through_an_op_without_a_recorded_backward_says_which():
    x = nd.array([[1.0, 2.0]])
    x.attach_grad()
    with autograd.record():
        y = nd.softmax(x).sum()
        with pytest.raises(MXNetError, match="cannot be differentiated twice"):
            autograd.grad(y, [x], create_graph=True)


class Cube(autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x * x * x

    def backward(self, dy):
        (x,) = self.saved_tensors
        return dy * 3 * x * x


class SumAndProduct(autograd.Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a + b, a * b

    def backward(self, d_sum, d_prod):
        a, b = self.saved_tensors
        return d_sum + d_prod * b, d_sum + d_prod * a


def test_function_gradient_matches_finite_differences():
    check_grad(lambda x: Cube()(x) * 2, rng.standard_normal((3,)))


def test_function_with_two_outputs_and_two_inputs():
    def fn(a, b):
        s, p = SumAndProduct()(a, b)
        return s * 2 + p * p
    check_grad(fn, rng.standard_normal((2, 2)), rng.standard_normal((2, 2)))


def test_function_forward_is_not_recorded_and_instances_run_once():
    x = nd.array([2.0])
    x.attach_grad()
    cube = Cube()
    with autograd.record():
        y = cube(x)
    assert y.asnumpy().tolist() == [8.0]
    with pytest.raises(RuntimeError, match="only be called once"):
        cube(x)
    assert Cube()(x).asnumpy().tolist() == [8.0]   # outside record: plain forward


def test_mxnet_names_are_where_gluon_code_looks():
    assert mx.autograd.NDArray is nd.NDArray
    x = nd.array([1.0])
    x.attach_grad()
    assert x._fresh_grad is False
    with autograd.record():
        y = x * 2
    y.backward()
    assert x._fresh_grad is True
    x._fresh_grad = False
    assert x._fresh_grad is False


class Identity(autograd.Function):
    def forward(self, x):
        return x

    def backward(self, dy):
        return dy * 3


def test_function_returning_its_input_gets_a_new_array():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = Identity()(x)
    assert y is not x and x._node is None
    y.backward()
    assert x.grad.asnumpy().tolist() == [3.0, 3.0]
