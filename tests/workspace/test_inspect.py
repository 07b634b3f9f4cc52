"""Inspection computations: evaluation and the confusion matrix, mistakes, a sample's activations,
the digit pad's MNIST preprocessing, weight pictures, the parameter table, histograms, preview."""

import os
import subprocess
import sys

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import nd
from blockstudio.core.gluon import nn
from blockstudio.workspace.inspect import (HistogramRecorder, evaluate, load_split, mistakes, parameter_stats,
                                           preview, score, snapshot, strokes_to_image, trace_sample, weight_views)
from blockstudio.workspace.inspect.workspace_mixin import InspectionError
from .conftest import add_net1


def mlp(*layers, in_units=784):
    net = nn.Sequential()
    with net.name_scope():
        net.add(*layers)
    net.initialize(mx.init.Xavier(magnitude=2.24))
    net(nd.zeros((2, 28, 28, 1)))
    return net


def train_briefly(ws, datasets_dir, limit=512):
    ws.set_training_settings(data_dir=str(datasets_dir / "mnist"))
    ws.start_training(limit=limit)
    assert ws.wait_training(60)
    assert ws.last_run.reason == "completed", ws.last_run.message


# -- evaluation ------------------------------------------------------------------------------

def test_score_counts_every_cell_and_derives_the_per_class_figures():
    labels = np.array([0, 0, 1, 1, 1, 2])
    logits = np.full((6, 3), -5.0)
    for row, predicted in enumerate([0, 1, 1, 1, 0, 2]):
        logits[row, predicted] = 5.0
    result = score(logits, labels, num_classes=3)
    assert result.confusion.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.recall.tolist() == pytest.approx([1 / 2, 2 / 3, 1.0])
    assert result.precision.tolist() == pytest.approx([1 / 2, 2 / 3, 1.0])
    assert result.count.tolist() == [2, 3, 1]
    p = np.exp(5) / (np.exp(5) + 2 * np.exp(-5))
    q = np.exp(-5) / (np.exp(5) + 2 * np.exp(-5))
    assert result.loss == pytest.approx(-(4 * np.log(p) + 2 * np.log(q)) / 6)
    as_json = result.to_dict()
    assert as_json["n"] == 6 and as_json["confusion"][1] == [1, 2, 0]
    assert as_json["per_class"][2] == {"class": 2, "precision": 1.0, "recall": 1.0, "count": 1}


def test_a_class_never_predicted_has_no_precision_rather_than_a_crash():
    result = score(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0, 1]), num_classes=2)
    assert np.isnan(result.precision[1]) and result.to_dict()["per_class"][1]["precision"] is None
    assert "-" in result.table().splitlines()[4]


def test_mistakes_of_a_cell_come_most_confident_first():
    labels = np.array([3, 3, 3, 3, 5])
    logits = np.zeros((5, 10))
    logits[0, 5], logits[1, 5], logits[2, 3], logits[3, 5], logits[4, 5] = 1.0, 4.0, 9.0, 2.0, 7.0
    result = score(logits, labels)
    assert mistakes(result, 3, 5).tolist() == [1, 3, 0]
    assert mistakes(result, 3, 3).tolist() == [2]
    assert mistakes(result, 5, 3).tolist() == []
    conf = result.confidence[mistakes(result, 3, 5)]
    assert (np.diff(conf) <= 0).all()


def test_evaluate_runs_any_network_and_refuses_one_without_ten_outputs(datasets_dir):
    split = load_split("mnist", datasets_dir / "mnist", train=False).take(300)
    net = mlp(nn.Flatten(), nn.Dropout(0.5), nn.Dense(32, activation="tanh"), nn.Dense(10))
    first = evaluate(net, split.images, split.labels, chunk=128)
    again = evaluate(net, split.images, split.labels, chunk=1000)  # Dropout is off: same answer
    assert np.array_equal(first.predicted, again.predicted) and first.n == 300
    assert first.confusion.sum() == 300
    with pytest.raises(ValueError, match="must output 10 scores"):
        evaluate(mlp(nn.Dense(7)), split.images, split.labels)


def test_confusion_matrix_matches_a_hand_written_numpy_forward_of_the_saved_parameters(ws, datasets_dir, tmp_path):
    add_net1(ws)
    train_briefly(ws, datasets_dir)
    ws.save(tmp_path / "mlp.bsproj")
    saved = np.load(ws.parameters_path)
    w0, b0 = saved["0.weight"], saved["0.bias"]
    w1, b1 = saved["1.weight"], saved["1.bias"]
    w2, b2 = saved["2.weight"], saved["2.bias"]

    split = load_split("mnist", datasets_dir / "mnist", train=False)
    x = split.images.reshape(len(split), -1).astype(np.float64) / 255
    h = np.maximum(x @ w0.T + b0, 0)
    h = np.maximum(h @ w1.T + b1, 0)
    logits = h @ w2.T + b2
    predicted = logits.argmax(axis=1)
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (split.labels, predicted), 1)

    result = ws.evaluate()
    assert result.n == 10000
    # float32 against float64 may flip a near-tie; anything more would be a wrong matrix.
    assert np.abs(result.confusion - expected).sum() <= 4
    assert result.accuracy == pytest.approx(np.trace(expected) / 10000, abs=3e-4)
    shifted = logits - logits.max(axis=1, keepdims=True)
    loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(10000), split.labels])
    assert result.loss == pytest.approx(loss, rel=1e-4)


def test_workspace_evaluate_says_why_there_is_nothing_to_evaluate(ws, tmp_path):
    with pytest.raises(InspectionError, match="no layers"):
        ws.evaluate()
    add_net1(ws)
    with pytest.raises(InspectionError, match="no parameter values yet"):
        ws.evaluate()
    assert any(p._data is None for p in ws.network.collect_params().values())  # asking changed nothing
    ws.pass_batch()
    ws.set_training_settings(data_dir=str(tmp_path))
    with pytest.raises(InspectionError, match="not found"):
        ws.evaluate()


# -- one sample through the network ----------------------------------------------------------

def test_trace_shows_each_layer_output_the_softmax_and_the_top_three(datasets_dir):
    split = load_split("mnist", datasets_dir / "mnist", train=False)
    net = mlp(nn.Dense(16, activation="relu"), nn.Activation("tanh"), nn.Dense(10))
    trace = trace_sample(net, split.images[0])
    assert [layer.title for layer in trace.layers] == ["Dense(16, relu)", "Activation(tanh)", "Dense(10)"]
    assert [layer.relu for layer in trace.layers] == [True, False, False]
    x = split.images[0].reshape(-1).astype(np.float32) / 255
    w, b = net[0].weight.data().asnumpy(), net[0].bias.data().asnumpy()
    assert np.allclose(trace.layers[0].values, np.maximum(w @ x + b, 0), atol=1e-5)
    assert np.allclose(trace.layers[1].values, np.tanh(trace.layers[0].values), atol=1e-6)
    full = net(nd.array(split.images[:1].astype(np.float32) / 255)).asnumpy()[0]
    assert np.allclose(trace.layers[2].values, full, atol=1e-5)
    assert trace.probabilities.sum() == pytest.approx(1.0)
    top = trace.top(3)
    assert top[0][0] == int(full.argmax()) and [p for _, p in top] == sorted([p for _, p in top], reverse=True)


def test_trace_refuses_a_network_without_values_and_leaves_it_so():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(10))
    net.initialize()
    with pytest.raises(ValueError, match="no values yet"):
        trace_sample(net, np.zeros((28, 28), np.float32))
    assert net[0].weight._data is None


# -- the digit pad's preprocessing -----------------------------------------------------------

def ring(cx, cy, rx, ry, n=120):
    t = np.linspace(0, 2 * np.pi, n)
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def test_digit_pad_image_is_fitted_centred_and_in_the_training_range():
    image = strokes_to_image([ring(200, 300, 60, 100)])   # a tall "0" drawn anywhere, any size
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == 1.0
    rows, cols = np.nonzero(image)
    assert rows.max() - rows.min() + 1 == 20                # the long side fills the 20x20 box, as in MNIST
    assert cols.max() - cols.min() + 1 < 16                 # the aspect ratio is kept
    r, c = centre_of_mass(image)
    assert abs(r - 13.5) <= 0.5 and abs(c - 13.5) <= 0.5    # centred by centre of mass
    assert ((image > 0) & (image < 1)).sum() > 20           # anti-aliased edges, grey levels


def test_digit_pad_strokes_carry_about_as_much_ink_as_mnist_digits(datasets_dir):
    split = load_split("mnist", datasets_dir / "mnist", train=False)
    ink = {d: (split.images[split.labels == d][..., 0] / 255).sum(axis=(1, 2)).mean() for d in (0, 1)}
    zero = strokes_to_image([ring(100, 100, 50, 80)]).sum()
    one = strokes_to_image([[(10, 10), (10, 90)]]).sum()
    assert 0.85 < zero / ink[0] < 1.15 and 0.85 < one / ink[1] < 1.15


def test_digit_pad_ignores_where_and_how_big_the_digit_was_drawn():
    small = strokes_to_image([ring(50, 60, 12, 20), [(62, 60), (62, 100)]])
    large = strokes_to_image([ring(400, 500, 120, 200), [(520, 500), (520, 900)]])
    assert np.abs(small - large).max() < 1e-6


def test_digit_pad_moves_a_lopsided_digit_by_its_centre_of_mass_not_its_box():
    # A "7": the heavy bar at the top pulls the centre of mass up, so the box sits low.
    image = strokes_to_image([[(0, 0), (100, 0), (100, 4), (0, 4)], [(100, 0), (60, 140)]])
    r, _ = centre_of_mass(image)
    rows = np.nonzero(image.any(axis=1))[0]
    assert abs(r - 13.5) <= 0.5 and (rows.min() + rows.max()) / 2 > 14


def test_digit_pad_without_ink_is_blank_and_a_dot_stays_a_dot():
    assert not strokes_to_image([]).any() and not strokes_to_image([[]]).any()
    dot = strokes_to_image([[(5, 5)]])
    rows, cols = np.nonzero(dot)
    assert np.ptp(rows) + 1 <= 7 and np.ptp(cols) + 1 <= 7 and dot.max() == 1.0   # not blown up to 20x20


# -- weights and the parameter table ---------------------------------------------------------

def test_first_dense_over_pixels_is_shown_as_images_and_the_rest_as_matrices():
    net = mlp(nn.Flatten(), nn.Dense(12, activation="relu"), nn.Dense(10))
    views = weight_views(net)
    assert [(v.index, v.kind) for v in views] == [(1, "units"), (2, "matrix")]
    assert views[0].images.shape == (12, 28, 28)
    w = net[1].weight.data().asnumpy()
    assert np.array_equal(views[0].images[3], w[3].reshape(28, 28))
    assert views[1].matrix.shape == (10, 12)
    # After a Dense, the inputs are no longer pixels: even 784 of them get a matrix.
    deep = mlp(nn.Dense(784), nn.Dense(10))
    assert [v.kind for v in weight_views(deep)] == ["units", "matrix"]
    assert [v.kind for v in weight_views(mlp(nn.Dense(784, activation="relu"), nn.Dense(784)))] == ["units", "matrix"]


def test_parameter_table_measures_values_gradients_updates_and_silent_units():
    net = mlp(nn.Dense(8, activation="relu"), nn.Dense(10))
    bias = net[0].bias.data()
    bias[:] = nd.array([-1000.0, -1000.0, 0, 0, 0, 0, 0, 0])   # two units that can never fire
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1)).astype(np.uint8)
    rows = parameter_stats(net, images)
    weight_row = next(r for r in rows if r.name.endswith("dense0_weight"))
    w = net[0].weight.data().asnumpy()
    assert weight_row.mean == pytest.approx(float(w.mean()), abs=1e-7)
    assert weight_row.std == pytest.approx(float(w.std()), rel=1e-5)
    assert weight_row.mean_abs_grad == 0.0 and weight_row.update_ratio is None  # no step yet
    assert weight_row.dead_fraction >= 2 / 8
    assert next(r for r in rows if r.name.endswith("dense0_bias")).dead_fraction is None
    assert next(r for r in rows if r.name.endswith("dense1_weight")).dead_fraction is None

    before = snapshot(net)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    x, y = nd.array(images.astype(np.float32) / 255), nd.array(np.arange(32) % 10)
    for _ in range(2):
        with mx.autograd.record():
            loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()(net(x), y)
        loss.backward()
        trainer.step(32)
    rows = parameter_stats(net, images, previous=before, steps=2)
    weight_row = next(r for r in rows if r.name.endswith("dense0_weight"))
    grad = net[0].weight.grad().asnumpy()
    assert weight_row.mean_abs_grad == pytest.approx(float(np.abs(grad).mean()), rel=1e-5)
    change = np.abs(net[0].weight.data().asnumpy() - before[weight_row.name][0]).mean() / 2
    assert weight_row.update_ratio == pytest.approx(change / np.abs(net[0].weight.data().asnumpy()).mean(), rel=1e-5)


def test_histogram_recorder_is_rate_bounded_and_keeps_a_long_run_in_bounded_memory():
    now = [0.0]
    recorder = HistogramRecorder(rate=2.0, capacity=8, clock=lambda: now[0])
    values = np.arange(101.0)
    assert recorder.record(1, {"w": (values, None)})
    assert not recorder.record(2, {"w": (values, None)})   # 0.0 s later: skipped
    now[0] = 0.6
    assert recorder.record(3, {"w": (values + 1, values)})
    steps, quantiles = recorder.series("w")
    assert steps.tolist() == [1, 3] and quantiles[:, 4].tolist() == [50.0, 51.0]
    assert quantiles[0, 0] == 0 and quantiles[0, -1] == 100
    _, grads = recorder.series("w", "grads")
    assert np.isnan(grads[0]).all() and grads[1, 4] == 50.0
    counts, edges = recorder.latest_histogram("w")
    assert counts.sum() == 101 and edges[0] == 1 and edges[-1] == 101
    for step in range(4, 100):
        recorder.record(step, {"w": (values, values)}, force=True)
    steps, quantiles = recorder.series("w")
    assert len(steps) <= 8 and steps[0] == 1 and steps[-1] == 99 and len(quantiles) == len(steps)
    assert (np.diff(steps) > 0).all()


# -- dataset preview -------------------------------------------------------------------------

def test_preview_pages_through_all_images_or_one_class(datasets_dir):
    split = load_split("mnist", datasets_dir / "mnist", train=True)
    assert len(split) == 60000 and split.images.shape[1:] == (28, 28, 1)
    indices, total = preview(split, count=10)
    assert indices.tolist() == list(range(10)) and total == 60000
    sevens, total = preview(split, label=7, start=5, count=20)
    assert total == int((split.labels == 7).sum()) and len(sevens) == 20
    assert (split.labels[sevens] == 7).all() and sevens.tolist() == sorted(sevens.tolist())
    assert load_split("mnist", datasets_dir / "mnist", train=True) is split  # read once


def test_the_inspection_computations_need_no_qt(tmp_path):
    script = """
import sys
class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'):
            raise ImportError('Qt is not available here: ' + name)
sys.meta_path.insert(0, NoQt())
import numpy as np
from blockstudio.workspace import Workspace
from blockstudio.workspace.inspect import strokes_to_image, score
ws = Workspace()
assert strokes_to_image([[(0, 0), (0, 10)]]).shape == (28, 28)
assert score(np.eye(10), np.arange(10)).accuracy == 1.0
print('ok', any(m.split('.')[0] == 'PySide6' for m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BLOCKSTUDIO_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok False"
