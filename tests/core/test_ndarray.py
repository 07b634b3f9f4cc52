"""NDArray behaviour that Gluon code relies on."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import nd


def test_defaults_to_float32_and_prints_like_mxnet():
    x = nd.array([[1, 2], [3, 4]])
    assert x.dtype == np.float32 and x.shape == (2, 2) and x.context == mx.cpu()
    assert repr(x) == "\n[[1. 2.]\n [3. 4.]]\n<NDArray 2x2 @cpu(0)>"
    assert repr(nd.array(np.arange(3), dtype="int64")).endswith("<NDArray 3 @cpu(0)>")


def test_creation_functions():
    assert nd.zeros((2, 3)).asnumpy().sum() == 0 and nd.ones(4).shape == (4,)
    assert (nd.full((2,), 7).asnumpy() == 7).all()
    np.testing.assert_array_equal(nd.arange(0, 3).asnumpy(), [0, 1, 2])
    assert nd.zeros_like(nd.ones((2, 2))).asnumpy().sum() == 0
    mx.random.seed(3)
    a = nd.random.uniform(-1, 1, shape=(100,))
    mx.random.seed(3)
    b = nd.random.uniform(-1, 1, shape=(100,))
    np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    assert a.dtype == np.float32 and -1 <= a.asnumpy().min() and a.asnumpy().max() < 1
    assert nd.random.normal(0, 1, shape=(3, 2)).shape == (3, 2)


def test_asnumpy_copies_and_asscalar_needs_one_element():
    x = nd.array([5.0])
    copy = x.asnumpy()
    copy[0] = 1
    assert x.asscalar() == 5.0
    with pytest.raises(ValueError, match="exactly one element"):
        nd.ones((2,)).asscalar()


def test_astype_slicing_setitem_and_iteration():
    x = nd.array(np.arange(12).reshape(3, 4))
    assert x.astype(np.float64).dtype == np.float64
    assert x.astype("int32").dtype == np.int32
    assert x[1].shape == (4,) and x[0:1].shape == (1, 4) and x[:, 1:3].shape == (3, 2)
    x[0] = 0
    x[1:2] = nd.ones((1, 4))
    assert x.asnumpy()[:2].sum() == 4
    assert [row.shape for row in x] == [(4,), (4,), (4,)]
    assert len(x) == 3


def test_arithmetic_broadcasts_and_mixes_with_scalars_and_numpy():
    x = nd.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((x + nd.array([10.0, 20.0])).asnumpy(), [[11, 22], [13, 24]])
    np.testing.assert_array_equal((2 - x).asnumpy(), [[1, 0], [-1, -2]])
    np.testing.assert_array_equal((x / 2).asnumpy(), [[0.5, 1], [1.5, 2]])
    np.testing.assert_allclose((1 / x).asnumpy(), 1 / np.array([[1, 2], [3, 4.0]]), rtol=1e-6)
    assert (x * 2).dtype == np.float32
    assert isinstance(np.float32(2) * x, nd.NDArray)
    assert isinstance(np.ones((2, 2), np.float32) + x, nd.NDArray)
    np.testing.assert_array_equal((x > 2).asnumpy(), [[0, 0], [1, 1]])
    x += 1
    assert x.asnumpy()[0, 0] == 2


def test_reductions_argmax_and_shapes():
    x = nd.array([[1.0, 5.0, 3.0], [7.0, 0.0, 2.0]])
    assert x.sum().asscalar() == 18 and x.mean(axis=1).shape == (2,)
    np.testing.assert_array_equal(x.max(axis=0).asnumpy(), [7, 5, 3])
    np.testing.assert_array_equal(x.argmax(axis=1).asnumpy(), [1, 0])
    assert x.argmax(axis=1).dtype == np.float32
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)
    assert x.reshape((3, 2)).shape == (3, 2) and x.reshape(-1).shape == (6,)
    assert x.reshape((0, -1)).shape == (2, 3)
    assert x.T.shape == (3, 2) and x.flatten().shape == (2, 3)
    assert nd.concat(x, x, dim=0).shape == (4, 3)
    np.testing.assert_array_equal(nd.pick(x, nd.array([1, 0])).asnumpy(), [5, 7])
    np.testing.assert_array_equal(nd.array([0, 2]).one_hot(3).asnumpy(), [[1, 0, 0], [0, 0, 1]])
    assert nd.softmax(x).asnumpy().sum(axis=1) == pytest.approx([1.0, 1.0])


def test_bad_reshape_says_what_and_why():
    with pytest.raises(ValueError, match=r"cannot reshape an array of shape \(2, 3\)"):
        nd.ones((2, 3)).reshape((4, 2))


def test_nd_save_and_load_round_trip(tmp_path):
    path = tmp_path / "arrays.npz"
    nd.save(str(path), {"a": nd.ones((2,)), "b": nd.zeros((1, 3))})
    loaded = nd.load(str(path))
    assert sorted(loaded) == ["a", "b"] and loaded["b"].shape == (1, 3)


def test_full_reductions_have_shape_1_and_accumulate_like_gluon_code_expects():
    x = nd.array([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum().shape == (1,) and x.mean().shape == (1,) and x.max().shape == (1,)
    assert repr(x.sum()).endswith("<NDArray 1 @cpu(0)>")
    # The usual accuracy loop: a float accumulating NDArrays, then in-place adds.
    n = 0.
    n += nd.sum(x)
    n += nd.sum(x)
    assert n.asscalar() == 20.0
