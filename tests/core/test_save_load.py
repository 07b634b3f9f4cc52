"""save_parameters / load_parameters on real blocks, and the Trainer's state files."""

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn
from blockstudio.core.serialization import ParameterFileError


def net_of(*units, in_units=6):
    net = nn.Sequential()
    with net.name_scope():
        for i, u in enumerate(units):
            net.add(nn.Dense(u, activation="relu" if i < len(units) - 1 else None,
                             in_units=in_units if i == 0 else 0))
    net.initialize(mx.init.Xavier())
    net(nd.ones((1, in_units)))
    return net


def values(net):
    return {k: p.data().asnumpy().copy() for k, p in net._collect_params_with_prefix().items()}


def test_round_trip_uses_structural_keys_and_plain_npz(tmp_path):
    net = net_of(5, 3)
    path = tmp_path / "net.npz"      # a .params name would get MXNet's format (test_mxnet_files)
    net.save_parameters(str(path))
    with np.load(path) as npz:                      # readable by plain numpy, name kept
        assert sorted(npz.files) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    other = net_of(5, 3)
    other.load_parameters(str(path))
    for key, value in values(net).items():
        np.testing.assert_array_equal(values(other)[key], value)


def test_loading_into_a_net_that_has_not_seen_data_resolves_its_shapes(tmp_path):
    net = net_of(5, 3)
    net.save_parameters(str(tmp_path / "p.npz"))
    fresh = nn.Sequential()
    with fresh.name_scope():
        fresh.add(nn.Dense(5, activation="relu"), nn.Dense(3))
    assert fresh[0].weight.shape == (5, 0)
    fresh.load_parameters(str(tmp_path / "p.npz"))
    assert fresh[0].weight.shape == (5, 6)
    x = nd.array(np.random.default_rng(0).random((2, 6)))
    np.testing.assert_allclose(fresh(x).asnumpy(), net(x).asnumpy(), rtol=1e-6)


def test_every_mismatch_is_reported_at_once_and_nothing_changes(tmp_path):
    net_of(5, 3).save_parameters(str(tmp_path / "small.npz"))
    target = net_of(4, 3, 2)
    before = values(target)
    with pytest.raises(ValueError) as err:
        target.load_parameters(str(tmp_path / "small.npz"))
    message = str(err.value)
    assert "small.npz" in message
    assert "missing in the file (2): 2.weight, 2.bias" in message
    assert "0.weight: the network expects (4, 6), the file has (5, 6)" in message
    assert "1.weight: the network expects (3, 4), the file has (3, 5)" in message
    assert "0.bias: the network expects (4,), the file has (5,)" in message
    assert "Nothing was changed" in message
    for key, value in before.items():
        np.testing.assert_array_equal(values(target)[key], value)


def test_extra_and_missing_keys_can_be_allowed(tmp_path):
    net_of(5, 3).save_parameters(str(tmp_path / "two.npz"))
    three = net_of(5, 3, 2)
    with pytest.raises(ValueError, match="missing in the file"):
        three.load_parameters(str(tmp_path / "two.npz"))
    three.load_parameters(str(tmp_path / "two.npz"), allow_missing=True)
    net_of(5, 3, 2).save_parameters(str(tmp_path / "three.npz"))
    two = net_of(5, 3)
    with pytest.raises(ValueError, match=r"in the file but not in the network \(2\)"):
        two.load_parameters(str(tmp_path / "three.npz"))
    two.load_parameters(str(tmp_path / "three.npz"), ignore_extra=True)


def test_truncated_file_names_the_file_and_changes_nothing(tmp_path):
    net = net_of(5, 3)
    path = tmp_path / "cut.params"
    net.save_parameters(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = values(net)
    with pytest.raises(ParameterFileError, match="cut.params"):
        net.load_parameters(str(path))
    for key, value in before.items():
        np.testing.assert_array_equal(values(net)[key], value)


def test_a_failed_save_leaves_the_previous_file(tmp_path):
    net = net_of(5, 3)
    path = tmp_path / "keep.params"
    net.save_parameters(str(path))
    original = path.read_bytes()
    broken = nn.Sequential()
    with broken.name_scope():
        broken.add(nn.Dense(3))
    broken.initialize()                      # deferred: data() raises during the save
    with pytest.raises(mx.DeferredInitializationError):
        broken.save_parameters(str(path))
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["keep.params"]


def test_parameter_dict_save_and_load_use_full_names(tmp_path):
    net = net_of(5, 3)
    net.collect_params().save(str(tmp_path / "full.npz"))
    with np.load(tmp_path / "full.npz") as npz:
        assert "sequential0_dense0_weight" in npz.files
    other = net_of(5, 3)   # sequential1_: full names differ, restore via strip/restore prefix
    net.collect_params().save(str(tmp_path / "stripped.npz"), strip_prefix="sequential0_")
    other.collect_params().load(str(tmp_path / "stripped.npz"), restore_prefix="sequential1_")
    np.testing.assert_array_equal(other[0].weight.data().asnumpy(),
                                  net[0].weight.data().asnumpy())


def test_trainer_states_round_trip(tmp_path):
    def make():
        mx.random.seed(4)
        net = net_of(4, 2)
        return net, gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})

    def train(net, trainer, steps):
        x, y = nd.ones((3, 6)), nd.array([0, 1, 1])
        for _ in range(steps):
            with autograd.record():
                loss = gluon.loss.SoftmaxCrossEntropyLoss()(net(x), y)
            loss.backward()
            trainer.step(3)

    net_a, trainer_a = make()
    train(net_a, trainer_a, 3)
    net_a.save_parameters(str(tmp_path / "a.params"))
    trainer_a.save_states(str(tmp_path / "a.states"))
    train(net_a, trainer_a, 2)

    net_b, trainer_b = make()
    net_b.load_parameters(str(tmp_path / "a.params"))
    trainer_b.load_states(str(tmp_path / "a.states"))
    train(net_b, trainer_b, 2)
    for key, value in values(net_a).items():
        np.testing.assert_allclose(values(net_b)[key], value, rtol=1e-6)


def test_unknown_dimensions_read_as_question_marks_in_mismatches(tmp_path):
    net_of(5, 3).save_parameters(str(tmp_path / "p.npz"))
    fresh = nn.Sequential()
    with fresh.name_scope():
        fresh.add(nn.Dense(4, activation="relu"), nn.Dense(3))
    with pytest.raises(ValueError, match=r"0.weight: the network expects \(4, \?\), the file has \(5, 6\)"):
        fresh.load_parameters(str(tmp_path / "p.npz"))
