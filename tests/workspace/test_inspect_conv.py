"""Inspection of convolutional networks, headless: evaluation and traces on channels-first input,
a Conv2D's filters as tiles, feature maps, dead filters, and BatchNorm's rows in the table."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn
from blockstudio.workspace import Workspace
from blockstudio.workspace.examples import example_projects
from blockstudio.workspace.inspect import (evaluate, load_split, mistakes, parameter_stats, trace_sample,
                                           weight_views)
from blockstudio.workspace.inspect.activations import MAP_ASPECT, grid_columns
from blockstudio.workspace.inspect.data import network_input, takes_channels_first
from blockstudio.workspace.inspect.weights import dead_units, filter_tiles

from .conftest import DATASETS

LIMIT = 1920   # 30 batches: LeNet is well past chance (about 80 %) in under two seconds
EVALUATED = 500


@pytest.fixture(scope="module")
def lenet():
    """The LeNet example, trained briefly on real MNIST (once for this module)."""
    ws = Workspace()
    ws.open([p for p in example_projects() if p.name == "lenet.bsproj"][0], as_copy=True)
    ws.set_training_settings(data_dir=str(DATASETS / "mnist"), epochs=1, validation=0)
    ws.start_training(limit=LIMIT)
    assert ws.wait_training(120) and ws.last_run.reason == "completed", ws.last_run.message
    return ws


@pytest.fixture(scope="module")
def test_split():
    return load_split("mnist", DATASETS / "mnist", train=False)


def params(ws):
    return {name.split("_", 1)[1]: p.data().asnumpy().astype(np.float64)
            for name, p in ws.network.collect_params().items()}


def conv(x, w, b):
    """(N, C, H, W) * (F, C, k, k) -> (N, F, H-k+1, W-k+1), valid correlation, in float64."""
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))           # N, C, H', W', k, k
    return np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2) + b[None, :, None, None]


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def hand_forward(p, images):
    """LeNet in plain numpy on channels-first images: nothing of the inspection code."""
    x = images.astype(np.float64).transpose(0, 3, 1, 2) / 255
    x = maxpool2(np.maximum(conv(x, p["conv0_weight"], p["conv0_bias"]), 0))
    x = maxpool2(np.maximum(conv(x, p["conv1_weight"], p["conv1_bias"]), 0))
    x = np.maximum(x.reshape(len(x), -1) @ p["dense0_weight"].T + p["dense0_bias"], 0)
    return x @ p["dense1_weight"].T + p["dense1_bias"]


def test_a_network_with_a_conv2d_gets_its_images_channels_first():
    net = nn.Sequential()
    net.add(nn.Conv2D(4, 3), nn.Flatten(), nn.Dense(10))
    mlp = nn.Sequential()
    mlp.add(nn.Dense(10))
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28, 1)
    assert takes_channels_first(net) and not takes_channels_first(mlp)
    assert network_input(net, images).shape == (2, 1, 28, 28)
    assert network_input(mlp, images).shape == (2, 28, 28, 1)
    assert np.allclose(network_input(net, images)[:, 0], images[..., 0] / 255, rtol=1e-6)


def test_evaluating_a_trained_lenet_equals_an_independent_forward_pass(lenet, test_split):
    split = test_split.take(EVALUATED)
    result = lenet.evaluate(limit=EVALUATED)
    logits = hand_forward(params(lenet), split.images)
    predicted = logits.argmax(axis=1)
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (split.labels, predicted), 1)
    assert result.n == EVALUATED and result.accuracy > 0.6      # learned something: chance is 0.1
    # float32 against float64 may flip a near-tie; anything more would be a wrong matrix.
    assert np.abs(result.confusion - expected).sum() <= 4
    assert result.accuracy == pytest.approx(np.trace(expected) / EVALUATED, abs=8e-3)
    shifted = logits - logits.max(axis=1, keepdims=True)
    loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(EVALUATED), split.labels])
    assert result.loss == pytest.approx(loss, rel=1e-4)
    # The engine itself on channels-first input gives the same predictions, in chunks of any size.
    engine = lenet.network(nd.array(split.images.transpose(0, 3, 1, 2).astype(np.float32) / 255)).asnumpy()
    assert np.array_equal(engine.argmax(axis=1), result.predicted)
    again = evaluate(lenet.network, split.images, split.labels, chunk=128)
    assert np.array_equal(again.predicted, result.predicted)
    # The gallery of one cell lists real mistakes of that cell, most confident first.
    true, wrong = np.unravel_index(np.argmax(result.confusion - np.diag(np.diag(result.confusion))), (10, 10))
    listed = mistakes(result, true, wrong)
    assert len(listed) == result.confusion[true, wrong] > 0
    assert (split.labels[listed] == true).all() and (predicted[listed] == wrong).all()


def test_a_trace_shows_each_feature_map_as_the_network_computes_it(lenet, test_split):
    image = test_split.images[0]
    trace = trace_sample(lenet.network, image)
    assert [layer.title for layer in trace.layers] == [
        "Conv2D(20, 5, relu)", "MaxPool2D(2)", "Conv2D(50, 5, relu)", "MaxPool2D(2)", "Flatten",
        "Dense(128, relu)", "Dense(10)"]
    assert [None if layer.maps is None else layer.maps.shape for layer in trace.layers] == [
        (20, 24, 24), (20, 12, 12), (50, 8, 8), (50, 4, 4), None, None, None]
    assert [layer.relu for layer in trace.layers] == [True, False, True, False, False, True, False]
    p = params(lenet)
    x = image[None].astype(np.float64).transpose(0, 3, 1, 2) / 255
    first = np.maximum(conv(x, p["conv0_weight"], p["conv0_bias"]), 0)[0]
    assert np.allclose(trace.layers[0].maps, first, atol=1e-5)
    assert np.allclose(trace.layers[1].maps, maxpool2(first[None])[0], atol=1e-5)
    logits = hand_forward(p, image[None])[0]
    assert np.allclose(trace.layers[-1].values, logits, atol=1e-4)
    assert trace.top(1)[0][0] == int(logits.argmax())
    # A 2-d image (the digit pad's) is traced the same way.
    assert np.array_equal(trace_sample(lenet.network, image[..., 0]).layers[-1].values, trace.layers[-1].values)


def test_feature_map_grids_come_close_to_a_row_of_the_trace_without_an_empty_last_row():
    for count, side in ((20, 24), (20, 12), (50, 8), (50, 4), (7, 5), (1, 9), (200, 3)):
        columns = grid_columns(count, side, side)
        rows = -(-count // columns)
        assert 1 <= columns <= count and (rows - 1) * columns < count
        ratio = columns / rows
        if 1 < rows:
            assert ratio <= 2 * MAP_ASPECT, (count, side, columns)
        if count >= 16:
            assert ratio >= MAP_ASPECT / 3, (count, side, columns)
    assert grid_columns(20, 24, 24) == 20          # LeNet's first maps: one row of twenty
    assert grid_columns(50, 8, 8) == 25            # its second: two rows of 25
    assert grid_columns(4, 8, 8, aspect=1.0) == 2
    assert grid_columns(0) == 1


def test_conv_filters_are_tiles_and_a_dense_after_feature_maps_a_matrix(lenet):
    views = weight_views(lenet.network)
    assert [(v.index, v.kind) for v in views] == [(0, "filters"), (2, "filters"), (5, "matrix"), (6, "matrix")]
    assert views[2].matrix.shape == (128, 800)      # over feature maps, not pixels: no 28x28 tiles
    first = lenet.network[0].weight.data().asnumpy()
    tiles, columns = filter_tiles(views[0].images)
    assert tiles.shape == (20, 5, 5) and columns == 7          # 3 rows of 7: wider than tall
    limits = np.abs(first).reshape(20, -1).max(axis=1)
    assert np.allclose(tiles, first[:, 0] / limits[:, None, None])
    assert np.allclose(np.abs(tiles).reshape(20, -1).max(axis=1), 1.0)   # each filter on its own scale
    assert np.array_equal(np.sign(tiles), np.sign(first[:, 0]))          # zero stays at the centre
    second = lenet.network[2].weight.data().asnumpy()
    tiles, columns = filter_tiles(views[1].images)
    assert tiles.shape == (1000, 5, 5) and columns == 50       # a column per filter, a row per input
    scale = np.abs(second[3]).max()
    assert np.allclose(tiles[7 * 50 + 3], second[3, 7] / scale)
    tiles, columns = filter_tiles(views[1].images, mean=True)
    assert tiles.shape == (50, 5, 5) and columns == 10
    mean = second.mean(axis=1)
    assert np.allclose(tiles[4], mean[4] / np.abs(mean[4]).max(), atol=1e-6)
    with pytest.raises(ValueError, match="out, in, kh, kw"):
        filter_tiles(np.zeros((3, 4)))


def test_dead_filters_are_counted_per_channel(test_split):
    net = nn.Sequential()
    net.add(nn.Conv2D(4, 3, activation="relu"), nn.Flatten(), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    images = test_split.images[:16]
    net(nd.array(network_input(net, images)))
    weight = net[0].weight.data().asnumpy()
    weight[1] = -np.abs(weight[1])       # never positive on non-negative pixels: a dead filter
    net[0].weight.set_data(nd.array(weight))
    net[0].bias.set_data(nd.zeros(4))
    assert dead_units(net, images) == {0: 0.25}


def test_batchnorm_running_statistics_appear_in_the_table_without_gradients(test_split):
    mx.random.seed(3)
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Conv2D(6, 5), nn.BatchNorm(), nn.Activation("relu"), nn.MaxPool2D(), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    images, labels = test_split.images[:64], test_split.labels[:64]
    x, y = nd.array(network_input(net, images)), nd.array(labels)
    for _ in range(3):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(len(images))
    rows = {row.name.split("_", 1)[1]: row for row in parameter_stats(net, images)}
    assert set(rows) == {"conv0_weight", "conv0_bias", "batchnorm0_gamma", "batchnorm0_beta",
                         "batchnorm0_running_mean", "batchnorm0_running_var", "dense0_weight", "dense0_bias"}
    bn = net[1]
    for name, param in (("running_mean", bn.running_mean), ("running_var", bn.running_var)):
        row = rows["batchnorm0_" + name]
        values = param.data().asnumpy()
        assert row.layer == 1 and row.shape == (6,) and not row.trainable
        assert row.mean == pytest.approx(values.mean(), rel=1e-5) and row.std == pytest.approx(values.std(), rel=1e-5)
        assert row.mean_abs_grad is None and row.update_ratio is None and row.dead_fraction is None
    # Three training steps moved the running mean away from its zeros, and the variance from its ones.
    assert abs(rows["batchnorm0_running_mean"].mean) > 0 and rows["batchnorm0_running_var"].mean != 1.0
    for name in ("gamma", "beta"):
        row = rows["batchnorm0_" + name]
        assert row.trainable and row.mean_abs_grad is not None and row.mean_abs_grad > 0
    assert rows["batchnorm0_gamma"].mean == pytest.approx(bn.gamma.data().asnumpy().mean(), rel=1e-5)
    # Rows from a snapshot: the trainable parameters get an update ratio, the running statistics none.
    from blockstudio.workspace.inspect import snapshot
    before = snapshot(net)
    with autograd.record():
        loss = loss_fn(net(x), y)
    loss.backward()
    trainer.step(len(images))
    rows = {row.name.split("_", 1)[1]: row for row in parameter_stats(net, None, before, 1)}
    assert rows["batchnorm0_gamma"].update_ratio > 0 and rows["conv0_weight"].update_ratio > 0
    assert rows["batchnorm0_running_var"].update_ratio is None


def test_one_by_one_maps_and_batchnorm_over_a_vector_stay_strips(test_split):
    net = nn.Sequential()
    net.add(nn.Conv2D(4, 3, activation="relu"), nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(8), nn.BatchNorm(),
            nn.Dense(10))
    net.initialize(mx.init.Xavier())
    net(nd.array(network_input(net, test_split.images[:2])))
    trace = trace_sample(net, test_split.images[1])
    assert [layer.title for layer in trace.layers] == [
        "Conv2D(4, 3, relu)", "GlobalAvgPool2D", "Flatten", "Dense(8)", "BatchNorm", "Dense(10)"]
    assert [layer.shape for layer in trace.layers] == [(4, 26, 26), (4, 1, 1), (4,), (8,), (8,), (10,)]
    assert [layer.maps is not None for layer in trace.layers] == [True, False, False, False, False, False]
    assert np.allclose(trace.layers[1].values, trace.layers[0].maps.mean(axis=(1, 2)), atol=1e-6)
