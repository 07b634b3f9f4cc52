"""Gluon's parameter, initializer and warning conventions (issue 12)."""

import warnings

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import gluon, nd
from blockstudio.core.gluon import nn


def _warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


def test_blocks_in_a_list_warn_once_per_collect_and_registered_ones_do_not():
    class Net(gluon.Block):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Dense(2), nn.Dense(3)]
            self.table = {"ok": 1}

    messages = _warnings(lambda: Net().collect_params())
    assert len(messages) == 1 and '"layers" is an unregistered container' in messages[0]
    net = nn.Sequential()
    net.add(nn.Dense(2))
    assert _warnings(net.collect_params) == []


def test_sequential_hybridize_suggests_hybrid_sequential_only_when_all_children_are_hybrid():
    net = nn.Sequential()
    net.add(nn.Dense(2), nn.Activation("relu"))
    assert any("HybridSequential" in m for m in _warnings(net.hybridize))
    hybrid = nn.HybridSequential()
    hybrid.add(nn.Dense(2))
    assert _warnings(hybrid.hybridize) == []
    mixed = nn.Sequential()
    mixed.add(nn.Dense(2), nn.Sequential())
    assert _warnings(mixed.hybridize) == []


def test_own_initializer_wins_over_the_name():
    layer = nn.Dense(2, in_units=2, bias_initializer=mx.init.Constant(1.5))
    layer.initialize(mx.init.Xavier())
    assert layer.bias.data().asnumpy().tolist() == [1.5, 1.5]
    params = gluon.ParameterDict("p_")
    bias = params.get("bias", shape=(50,))
    params.initialize(mx.init.Uniform(0.5))      # Gluon draws it: no zeros by name
    values = bias.data().asnumpy()
    assert np.abs(values).max() <= 0.5 and np.count_nonzero(values) == 50


def test_initializer_equality_and_dumps_round_trip_the_arguments():
    assert mx.init.Xavier(magnitude=2.24) == mx.init.Xavier(magnitude=2.24)
    assert mx.init.Xavier(magnitude=2.24) != mx.init.Xavier(magnitude=3)
    assert mx.init.Normal(0.5).dumps() == '["normal", {"sigma": 0.5}]'
    assert repr(mx.init.Constant(2)) == "Constant(value=2)"


def test_shared_parameter_fills_unknown_dimensions_both_ways():
    shared = gluon.ParameterDict("net_")
    w = shared.get("weight", shape=(3, 0))
    other = gluon.ParameterDict("net_", shared=shared)
    assert other.get("weight", shape=(0, 4)) is w and w.shape == (3, 4)
    with pytest.raises(ValueError, match="does not match"):
        other.get("weight", shape=(3, 5))
    with pytest.raises(ValueError, match="'dtype'"):
        other.get("weight", dtype="float16")


def test_constant_keeps_its_value_and_gets_no_gradient():
    params = gluon.ParameterDict("c_")
    const = params.get_constant("k", [[1.0, 2.0]])
    params.initialize(mx.init.One())
    assert const.grad_req == "null" and const.data().asnumpy().tolist() == [[1.0, 2.0]]
    assert params.get_constant("k") is const
    with pytest.raises(KeyError, match="c_missing"):
        params.get_constant("missing")
    with pytest.raises(ValueError, match="different value"):
        params.get_constant("k", [[0.0, 0.0]])


def test_dataloader_accepts_auto_reload():
    data = gluon.data.ArrayDataset(nd.arange(5))
    batches = list(gluon.data.DataLoader(data, batch_size=2, auto_reload=False))
    assert [b.shape[0] for b in batches] == [2, 2, 1]


def test_hybrid_sequential_is_a_hybrid_block_that_runs_its_children():
    net = nn.HybridSequential()
    net.add(nn.Dense(2, in_units=3), nn.Activation("relu"))
    net.initialize(mx.init.One())
    assert isinstance(net, gluon.HybridBlock) and isinstance(net, nn.Sequential)
    assert net(nd.ones((1, 3))).asnumpy().tolist() == [[3.0, 3.0]]
    net.hybridize()
    assert net[0]._active and net(nd.ones((1, 3))).shape == (1, 2)
