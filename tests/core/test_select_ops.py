"""The slicing, gathering and shape ops added for Gluon code (issue 12): float64 gradients
against central differences, and the behaviour MXNet documents beyond the recorded cases."""

import numpy as np
import pytest

from blockstudio.core import autograd, nd
from blockstudio.core.base import MXNetError

from .gradcheck import check_grad

rng = np.random.default_rng(7)


def r(*shape):
    return rng.standard_normal(shape)


GRADIENTS = {
    "slice": (lambda a: nd.slice(a, (0, 1), (2, None), (1, 2)), r(3, 4)),
    "slice_negative_step": (lambda a: nd.slice(a, (None, -1), (None, 0), (1, -1)), r(2, 4)),
    "slice_method": (lambda a: a.slice(begin=(1,), end=(3,)), r(4, 2)),
    "slice_axis": (lambda a: nd.slice_axis(a, axis=1, begin=1, end=3), r(2, 4, 2)),
    "take_repeats": (lambda a: nd.take(a, nd.array([2, 0, 2, 5])), r(4, 3)),
    "take_axis1": (lambda a: nd.take(a, nd.array([[1, 1], [0, 2]]), axis=1), r(2, 3)),
    "split_first": (lambda a: nd.split(a, 2, axis=1)[0], r(2, 4)),
    "split_squeezed": (lambda a: nd.split(a, 3, axis=0, squeeze_axis=True)[1], r(3, 2)),
    "where": (lambda a: nd.where(nd.array([[1, 0, 1], [0, 0, 1]]), a, a * a), r(2, 3)),
    "where_rows": (lambda a: nd.where(nd.array([0, 1]), a, -a), r(2, 3)),
    "topk_value": (lambda a: nd.topk(a, k=2, ret_typ="value"), r(3, 5)),
    "topk_value_ascend_axis0": (lambda a: nd.topk(a, axis=0, k=2, ret_typ="value",
                                                  is_ascend=True), r(4, 3)),
    "broadcast_to": (lambda a: nd.broadcast_to(a, (2, 3, 4)), r(2, 1, 4)),
    "broadcast_to_zero_keeps": (lambda a: a.broadcast_to((0, 5)), r(3, 1)),
    "norm2_all": (lambda a: nd.norm(a), r(3, 4)),
    "norm2_axis": (lambda a: nd.norm(a, axis=1, keepdims=True), r(3, 4)),
    "norm1_axes": (lambda a: nd.norm(a, ord=1, axis=(0, 2)), r(2, 3, 2) + 0.1),
    "flatten_copy": (lambda a: nd.flatten(a) * 3, r(2, 3, 2)),
    "reshape_minus3": (lambda a: nd.reshape(a, (-3, 0)), r(2, 3, 2)),
    "reshape_minus4": (lambda a: a.reshape((-4, 2, -1, -2)), r(4, 3)),
    "sin": (lambda a: nd.sin(a), r(3, 2)),
    "mod_by_scalar": (lambda a: a % 0.7, r(3, 2)),
    "rmod": (lambda a: 3.3 % (nd.abs(a) + 1), r(3, 2)),
    "cos": (lambda a: a.cos(), r(3, 2)),
    "expand_dims_inplace": (lambda a: a.expand_dims(1, inplace=True) * 2, r(3, 2)),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradient(name):
    fn, x = GRADIENTS[name]
    check_grad(fn, x)


def test_round_has_zero_gradient_and_rounds_half_away_from_zero():
    x = nd.array([-0.5, 0.5, 1.5, 2.4999], dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = nd.round(x)
    y.backward()
    assert y.asnumpy().tolist() == [-1.0, 1.0, 2.0, 2.0]
    assert x.grad.asnumpy().tolist() == [0.0] * 4


def test_relu_gradient_passes_nan():
    x = nd.array([np.nan, 1.0, -1.0, 0.0])
    x.attach_grad()
    with autograd.record():
        y = x.relu()
    y.backward()
    g = x.grad.asnumpy()
    assert np.isnan(g[0]) and g[1:].tolist() == [1.0, 0.0, 0.0]


def test_copies_do_not_follow_the_source_but_views_do():
    x = nd.array([[1.0, 2.0], [3.0, 4.0]])
    copies = [x.flatten(), x.T, x.transpose(), x.expand_dims(0), x.squeeze(),
              nd.reshape(x, (4,)), nd.flatten(x), nd.slice_axis(x, 0, 0, 1), x.take(nd.array([0]))]
    views = [x.reshape((4,)), x.flatten(inplace=True), x.expand_dims(2, inplace=True),
             x.squeeze(inplace=True), x[0]]
    x[:] = 0
    assert all(c.asnumpy().sum() != 0 for c in copies)
    assert all(v.asnumpy().sum() == 0 for v in views)


def test_assignment_inside_record_is_refused_only_for_graph_arrays():
    x = nd.ones((3,))
    x.attach_grad()
    plain = nd.zeros((3,))
    with autograd.record():
        y = x * 2
        plain[0] = 1           # not part of any graph: fine, as in MXNet
        for write in (lambda: y.__setitem__(0, 5), lambda: x.__setitem__(slice(None), 1),
                      lambda: y.__iadd__(1)):
            with pytest.raises(MXNetError, match="computational graph"):
                write()
    y[0] = 5                   # outside record: allowed
    assert y.asnumpy().tolist() == [5.0, 2.0, 2.0] and plain.asnumpy()[0] == 1


def test_one_element_values_broadcast_and_longer_ones_do_not():
    x = nd.zeros((2, 3))
    x[0, 1] = [5]
    x[1] = nd.array([4])
    assert x.asnumpy().tolist() == [[0, 5, 0], [4, 4, 4]]
    with pytest.raises(ValueError):
        x[0, 1] = [5, 6]


def test_integer_division_truncates_toward_zero_in_its_dtype():
    for dtype in ("int8", "int32", "int64", "uint8"):
        q = nd.array([7, 9, 0], dtype=dtype) / nd.array([2, 4, 3], dtype=dtype)
        assert q.dtype == np.dtype(dtype) and q.asnumpy().tolist() == [3, 2, 0]
    q = nd.array([-7, 7, -8], dtype="int32") / nd.array([2, -2, 2], dtype="int32")
    assert q.asnumpy().tolist() == [-3, -3, -4]


def test_float16_sums_do_not_drift():
    x = nd.full((20000, 2), 0.1, dtype="float16")
    total = x.sum(axis=0)
    assert total.dtype == np.float16
    np.testing.assert_allclose(total.asnumpy(), [2000.0, 2000.0], rtol=1e-3)


def test_out_is_filled_and_returned():
    out = nd.zeros((2, 2), dtype="int32")
    assert nd.full((2, 2), 3, out=out) is out
    assert out.dtype == np.int32 and out.asnumpy().tolist() == [[3, 3], [3, 3]]


def test_topk_kinds_and_mask():
    x = nd.array([[0.3, 0.2, 0.4]], dtype="float64")
    assert nd.topk(x, k=2).asnumpy().tolist() == [[2.0, 0.0]]
    values, idx = nd.topk(x, k=1, ret_typ="both", is_ascend=True)
    assert values.asnumpy().tolist() == [[0.2]] and idx.asnumpy().tolist() == [[1.0]]
    assert nd.topk(x, k=2, ret_typ="mask").asnumpy().tolist() == [[1.0, 0.0, 1.0]]


def test_bad_arguments_name_the_op():
    x = nd.zeros((2, 3))
    with pytest.raises(ValueError, match="split"):
        nd.split(x, 2, axis=1)
    with pytest.raises(ValueError, match="take"):
        nd.take(x, nd.array([0]), mode="raise")
    with pytest.raises(ValueError, match="norm"):
        nd.norm(x, ord=3)
    with pytest.raises(ValueError, match="cannot reshape .* into \\(-1, -1\\)"):
        x.reshape((-1, -1))
