"""Shapes resolve through the real core network; edits unresolve only what they affect."""

import numpy as np
import pytest

from blockstudio.core import nd
from blockstudio.core.gluon import nn
from blockstudio.workspace import data as data_module
from tests.workspace.conftest import add_net1


@pytest.fixture
def net1(ws, datasets_dir):
    ws.set_training_settings(data_dir=str(datasets_dir))
    return add_net1(ws)


def weights(ws, uid):
    return [p.shape for p in ws.layer_info(uid).params]


def values(ws, uid):
    index = [layer.uid for layer in ws.layers].index(uid)
    return [p.data().asnumpy() for p in ws.network[index].collect_params().values()]


def test_before_a_batch_weights_read_units_by_zero(ws, net1):
    a, b, c = net1
    info = ws.layer_info(a)
    assert [(p.short, p.shape, p.resolved) for p in info.params] == [("weight", (128, 0), False),
                                                                      ("bias", (128,), True)]
    assert info.params[0].name == "sequential0_dense0_weight"
    assert (info.output_shape, info.param_count, info.error) == (None, None, None)
    assert ws.total_params is None and not ws.shapes_resolved and ws.summary_text == ""
    assert ws.params_text == (
        "sequential0_ (\n"
        "  Parameter sequential0_dense0_weight (shape=(128, 0), dtype=float32)\n"
        "  Parameter sequential0_dense0_bias (shape=(128,), dtype=float32)\n"
        "  Parameter sequential0_dense1_weight (shape=(64, 0), dtype=float32)\n"
        "  Parameter sequential0_dense1_bias (shape=(64,), dtype=float32)\n"
        "  Parameter sequential0_dense2_weight (shape=(10, 0), dtype=float32)\n"
        "  Parameter sequential0_dense2_bias (shape=(10,), dtype=float32)\n"
        ")")


def test_one_mnist_batch_resolves_every_shape(ws, net1, datasets_dir):
    a, b, c = net1
    assert ws.pass_batch() is True
    assert "64 MNIST test images" in ws.last_batch_source and str(datasets_dir) in ws.last_batch_source
    assert [weights(ws, u) for u in net1] == [[(128, 784), (128,)], [(64, 128), (64,)], [(10, 64), (10,)]]
    assert [ws.layer_info(u).output_shape for u in net1] == [(64, 128), (64, 64), (64, 10)]
    assert [ws.layer_info(u).param_count for u in net1] == [100480, 8256, 650]
    assert ws.total_params == 109386 and ws.shapes_resolved
    assert "Total params: 109386" in ws.summary_text and "(64, 28, 28, 1)" in ws.summary_text
    # The panel text is the core's own print of this very network.
    assert ws.params_text == str(ws.network.collect_params())
    assert "sequential0_dense0_weight (shape=(128, 784), dtype=float32)" in ws.params_text


def test_params_text_matches_the_tutorial_built_net(ws, net1):
    ws.pass_batch()
    net = nn.Sequential(prefix="sequential0_")
    with net.name_scope():
        net.add(nn.Dense(128, activation="relu"))
        net.add(nn.Dense(64, activation="relu"))
        net.add(nn.Dense(10))
    net.initialize()
    net(nd.zeros((1, 28, 28, 1)))
    assert ws.params_text == str(net.collect_params())


def test_changing_units_unresolves_that_weight_and_the_next_input_dim_only(ws, net1):
    a, b, c = net1
    ws.pass_batch()
    kept = values(ws, c)
    ws.update_layer(a, units=100)
    assert weights(ws, a) == [(100, 0), (100,)]
    assert weights(ws, b) == [(64, 0), (64,)]
    assert weights(ws, c) == [(10, 64), (10,)]
    assert all(np.array_equal(x, y) for x, y in zip(values(ws, c), kept))
    assert [ws.layer_info(u).output_shape for u in net1] == [None, None, (64, 10)]
    assert ws.layer_info(a).param_count is None and ws.layer_info(c).param_count == 650
    assert not ws.shapes_resolved and ws.total_params is None and ws.summary_text == ""
    assert "sequential0_dense1_weight (shape=(64, 0)" in ws.params_text
    ws.pass_batch()
    assert weights(ws, a)[0] == (100, 784) and weights(ws, b)[0] == (64, 100)
    assert all(np.array_equal(x, y) for x, y in zip(values(ws, c), kept))
    assert ws.total_params == 100 * 785 + 64 * 101 + 650


def test_edits_that_change_no_shape_keep_everything(ws, net1):
    a, b, c = net1
    ws.pass_batch()
    before = [values(ws, u) for u in net1]
    ws.update_layer(b, activation="tanh")
    ws.add_layer("Activation", index=1, activation="sigmoid")
    ws.add_layer("Dropout", index=3, rate=0.2)
    after = [values(ws, u) for u in net1]
    assert all(np.array_equal(x, y) for old, new in zip(before, after) for x, y in zip(old, new))
    assert ws.total_params == 109386
    assert not ws.shapes_resolved  # the two new layers have not seen a batch yet
    ws.pass_batch()
    assert ws.shapes_resolved and ws.total_params == 109386


def test_a_new_batch_size_keeps_weights_but_output_shapes_wait(ws, net1):
    a, _, _ = net1
    ws.pass_batch()
    ws.set_input_shape((16, 28, 28, 1))
    assert weights(ws, a)[0] == (128, 784) and ws.total_params == 109386
    assert ws.layer_info(a).output_shape is None
    ws.pass_batch()
    assert ws.layer_info(a).output_shape == (16, 128)


def test_contradicting_in_units_is_marked_on_that_block_with_the_core_message(ws, net1):
    a, b, c = net1
    ws.update_layer(b, in_units=100)
    assert ws.pass_batch() is False
    error = ws.layer_info(b).error
    assert "expects 100 input features" in error and "got 128" in error and "in_units" in error
    assert ws.layer_errors == {b: error}
    assert ws.layer_info(a).error is None and ws.layer_info(a).output_shape == (64, 128)
    assert ws.layer_info(c).output_shape is None and ws.layer_info(c).error is None
    assert not ws.shapes_resolved
    ws.update_layer(c, units=12)  # an unrelated edit keeps the mark: the cause is still there
    assert ws.layer_info(b).error == error
    ws.update_layer(b, in_units=128)
    assert ws.layer_info(b).error is None and ws.layer_errors == {}
    assert ws.pass_batch() is True and ws.shapes_resolved


def test_in_units_resolves_without_data_like_the_tutorials_net2(ws):
    uid = ws.add_layer("Dense", units=128, in_units=784, activation="relu")
    assert weights(ws, uid) == [(128, 784), (128,)]
    assert ws.layer_info(uid).param_count == 100480


def test_flatten_and_dense_without_flatten(ws, net1):
    flat = ws.add_layer("Flatten", index=0)
    ws.pass_batch()
    assert ws.layer_info(flat).output_shape == (64, 784) and ws.layer_info(flat).params == []
    assert ws.layer_info(flat).param_count == 0
    ws.new()
    uid = ws.add_layer("Dense", units=5, flatten=False)
    ws.pass_batch()
    assert ws.layer_info(uid).output_shape == (64, 28, 28, 5) and weights(ws, uid)[0] == (5, 1)


def test_without_mnist_a_random_batch_of_the_input_shape(ws, tmp_path, monkeypatch):
    import blockstudio.core.gluon.data.vision.locate as locate

    monkeypatch.setattr(data_module, "checkout_datasets_folder", lambda: tmp_path / "none")
    monkeypatch.setattr(locate, "default_data_folder", lambda: str(tmp_path / "nothing"))
    a, _, _ = add_net1(ws)
    assert ws.pass_batch() is True
    assert ws.last_batch_source.startswith("random numbers of shape (64, 28, 28, 1) (MNIST not found)")
    assert weights(ws, a)[0] == (128, 784)


def test_an_input_that_is_not_images_gets_random_numbers(ws, net1):
    ws.set_input_shape((8, 20))
    ws.pass_batch()
    assert "random numbers of shape (8, 20)" in ws.last_batch_source
    assert weights(ws, net1[0])[0] == (128, 20)


def test_an_empty_network_passes_trivially(ws):
    assert ws.pass_batch() is True
    assert ws.total_params == 0 and not ws.shapes_resolved and ws.params_text == "sequential0_ (\n\n)"


def test_damaged_mnist_files_fall_back_to_random_numbers_with_the_reason(ws, tmp_path):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (tmp_path / f"{name}.gz").write_bytes(b"not gzip at all")
    ws.set_training_settings(data_dir=str(tmp_path))
    a, _, _ = add_net1(ws)
    assert ws.pass_batch() is True
    assert "random numbers" in ws.last_batch_source and "could not be read" in ws.last_batch_source
    assert weights(ws, a)[0] == (128, 784)


def test_the_summary_leaves_the_live_network_and_the_generator_alone(ws, net1):
    # The summary is read by the views after every change: it must neither touch the live
    # network's values nor draw random numbers, or a run no longer matches the exported script.
    from blockstudio.core import random as core_random

    assert ws.pass_batch()
    live = {k: p.data().asnumpy().copy() for k, p in ws.network.collect_params().items()}
    before = core_random.get_generator().bit_generator.state
    text = ws.summary_text
    assert "Dense" in text and "109386" in text.replace(",", "")
    assert core_random.get_generator().bit_generator.state == before
    assert all(np.array_equal(live[k], p.data().asnumpy()) for k, p in ws.network.collect_params().items())