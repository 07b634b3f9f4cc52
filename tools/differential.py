"""Run a body of ordinary Gluon snippets on blockstudio.core and on real MXNet 1.9.1, and print
how many agree.

    .venv/bin/python tools/differential.py            # needs ~/mxv (or --mxnet PYTHON)
    .venv/bin/python tools/differential.py -v         # also list every disagreement

The body is the recorded cases of tests/core/fidelity_cases.py plus the snippets below
(Dense networks, parameters, autograd, NDArray, losses, Trainer and data, written as a user
writes them). MXNet runs in its own interpreter (a subprocess); results come back as JSON and
are compared with tests/core/fidelity_compare.py. Without the MXNet interpreter the script
says so and exits with status 2.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "core"))

import fidelity_cases  # noqa: E402
from fidelity_cases import val  # noqa: E402

SNIPPETS = {}


def snippet(fn):
    SNIPPETS[fn.__name__] = fn
    return fn


def _x(nd):
    return nd.array(np.linspace(-1, 1, 12).reshape(3, 4))


# ----- NDArray ----------------------------------------------------------------------------


@snippet
def nd_arith_broadcast(mx):
    nd = mx.nd
    x = _x(nd)
    return val((x + nd.array([1.0, 2.0, 3.0, 4.0])) * 2 - x / 3)


@snippet
def nd_reductions(mx):
    x = _x(mx.nd)
    return [
        val(x.sum(axis=1)),
        val(x.mean(axis=0, keepdims=True)),
        val(x.max()),
        val(x.min(axis=1)),
        val(x.argmax(axis=1)),
        val(x.sum(axis=1, exclude=True)),
    ]


@snippet
def nd_creation(mx):
    nd = mx.nd
    return [
        val(nd.zeros((2, 3))),
        val(nd.ones((2,), dtype="int32")),
        val(nd.full((2, 2), 3.5)),
        val(nd.arange(0, 5, 2)),
        val(nd.arange(3, repeat=2)),
    ]


@snippet
def nd_dtype_of_array_from_list(mx):
    nd = mx.nd
    return [
        str(nd.array([1, 2]).dtype.__name__),
        str(nd.array(np.arange(3)).dtype.__name__),
        str(nd.array([1, 2], dtype="int64").dtype.__name__),
    ]


@snippet
def nd_comparisons(mx):
    x = _x(mx.nd)
    return [val(x > 0), val(x == x), val(x <= 0.5)]


@snippet
def nd_indexing(mx):
    x = _x(mx.nd)
    return [val(x[1]), val(x[1:3]), val(x[:, 2]), val(x[1, 2]), val(x[mx.nd.array([0, 2])])]


@snippet
def nd_setitem_slices(mx):
    x = mx.nd.zeros((3, 4))
    x[1:, 2] = 5
    x[0] = mx.nd.array([1, 2, 3, 4])
    x[:] += 1
    return val(x)


@snippet
def nd_concat_stack(mx):
    nd = mx.nd
    a, b = nd.ones((2, 2)), nd.zeros((2, 2))
    return [val(nd.concat(a, b, dim=0)), val(nd.concat(a, b)), val(nd.stack(a, b, axis=1))]


@snippet
def nd_dot_and_batch_dot(mx):
    nd = mx.nd
    a = _x(nd)
    return [
        val(nd.dot(a, a.T)),
        val(nd.dot(a, a, transpose_a=True)),
        val(nd.batch_dot(a.reshape((3, 2, 2)), a.reshape((3, 2, 2)))),
    ]


@snippet
def nd_activations(mx):
    nd = mx.nd
    x = _x(nd) * 3
    return [
        val(nd.relu(x)),
        val(nd.sigmoid(x)),
        val(nd.tanh(x)),
        val(nd.softmax(x)),
        val(nd.log_softmax(x, axis=0)),
        val(nd.Activation(x, act_type="softrelu")),
    ]


@snippet
def nd_one_hot_pick(mx):
    nd = mx.nd
    return [
        val(nd.one_hot(nd.array([0, 2, 1]), 3)),
        val(nd.pick(_x(nd), nd.array([0, 3, 1]), axis=1)),
    ]


@snippet
def nd_clip_sqrt_exp_log(mx):
    nd = mx.nd
    x = nd.abs(_x(nd)) + 0.1
    return [
        val(nd.clip(x, 0.2, 0.8)),
        val(nd.sqrt(x)),
        val(nd.exp(x)),
        val(nd.log(x)),
        val(nd.square(x)),
        val(x**2),
        val(2**x),
    ]


@snippet
def nd_asscalar_and_len(mx):
    nd = mx.nd
    return [float(nd.array([2.5]).asscalar()), len(nd.zeros((4, 2))), nd.zeros((4, 2)).size]


@snippet
def nd_astype_and_copy(mx):
    nd = mx.nd
    x = _x(nd)
    y = x.copy()
    x[:] = 0
    return [val(y.astype("int32")), val(y.astype("float16"))]


@snippet
def nd_reshape_like_and_expand(mx):
    nd = mx.nd
    x = _x(nd)
    return [
        val(x.reshape_like(nd.zeros((4, 3)))),
        list(x.expand_dims(1).shape),
        list(nd.expand_dims(x, axis=-1).shape),
        list(x.reshape((2, -1)).shape),
    ]


# ----- autograd ----------------------------------------------------------------------------


@snippet
def ag_chain(mx):
    nd = mx.nd
    x = _x(nd)
    x.attach_grad()
    with mx.autograd.record():
        y = nd.sum(nd.tanh(x * 2) * nd.sigmoid(x))
    y.backward()
    return val(x.grad)


@snippet
def ag_head_grad(mx):
    nd = mx.nd
    x = _x(nd)
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
    y.backward(nd.ones_like(y) * 0.5)
    return val(x.grad)


@snippet
def ag_grad_req_add(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with mx.autograd.record():
            y = (x * x).sum()
        y.backward()
    return val(x.grad)


@snippet
def ag_retain_graph(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = (x * 3).sum()
    y.backward(retain_graph=True)
    first = val(x.grad)
    y.backward()
    return [first, val(x.grad)]


@snippet
def ag_pause_and_modes(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        with mx.autograd.pause():
            z = y * 10
            inside = [mx.autograd.is_recording(), mx.autograd.is_training()]
        w = (y * z).sum()
    w.backward()
    return [val(x.grad), inside, mx.autograd.is_recording()]


@snippet
def ag_detach(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
        z = (y.detach() * x).sum()
    z.backward()
    return val(x.grad)


@snippet
def ag_softmax_ce_grad(mx):
    nd = mx.nd
    x = _x(nd)
    x.attach_grad()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    with mx.autograd.record():
        loss = loss_fn(x, nd.array([0, 3, 1]))
    loss.backward()
    return [val(loss), val(x.grad)]


# ----- blocks, parameters, losses ----------------------------------------------------------


def _mlp(mx):
    """A small MLP with fixed, asymmetric weights (the engines' random streams differ)."""
    nn = mx.gluon.nn
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(5, activation="relu", in_units=4))
        net.add(nn.Dense(3, in_units=5))
    net.initialize(mx.init.Zero())
    for i, param in enumerate(net.collect_params().values()):
        size = int(np.prod(param.shape))
        values = np.sin(np.arange(size) * 1.7 + i).reshape(param.shape) * 0.5
        param.set_data(mx.nd.array(values))
    return net


@snippet
def blk_mlp_forward(mx):
    net = _mlp(mx)
    return val(net(_x(mx.nd)))


@snippet
def blk_param_names_and_shapes(mx):
    net = mx.gluon.nn.Sequential()
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(5), mx.gluon.nn.Dense(3, use_bias=False))
    before = [(k, list(v.shape)) for k, v in net.collect_params().items()]
    net.initialize()
    net(_x(mx.nd))
    after = [(k, list(v.shape)) for k, v in net.collect_params().items()]
    return [before, after, sorted(net.collect_params(".*weight").keys())]


@snippet
def blk_custom_block(mx):
    nd = mx.nd

    class Net(mx.gluon.Block):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.dense = mx.gluon.nn.Dense(2, in_units=4)
                self.scale = self.params.get("scale", shape=(2,), init=mx.init.One())

        def forward(self, x):
            return self.dense(x) * self.scale.data()

    net = Net()
    net.initialize(mx.init.Constant(0.2))
    return [val(net(_x(nd))), sorted(net.collect_params().keys())]


@snippet
def blk_hybrid_block(mx):
    class Scale(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Scale, self).__init__(**kwargs)
            with self.name_scope():
                self.w = self.params.get("w", shape=(1, 4), init=mx.init.Constant(2))

        def hybrid_forward(self, F, x, w):
            return F.broadcast_mul(x, w) + 1

    blk = Scale()
    blk.initialize()
    return val(blk(_x(mx.nd)))


@snippet
def blk_dense_flatten_false(mx):
    layer = mx.gluon.nn.Dense(2, flatten=False)
    layer.initialize(mx.init.One())
    return list(layer(mx.nd.ones((2, 3, 4))).shape)


@snippet
def blk_dropout_predict_mode(mx):
    layer = mx.gluon.nn.Dropout(0.5)
    x = _x(mx.nd)
    return val(layer(x))


@snippet
def blk_dense_repr(mx):
    net = mx.gluon.nn.Dense(3, activation="relu", in_units=4)
    return repr(net)


@snippet
def blk_set_data_and_grad_req(mx):
    net = mx.gluon.nn.Dense(2, in_units=2)
    net.initialize()
    net.weight.set_data(mx.nd.array([[1.0, 2.0], [3.0, 4.0]]))
    net.bias.grad_req = "null"
    x = mx.nd.array([[1.0, 1.0]])
    with mx.autograd.record():
        y = net(x).sum()
    y.backward()
    return [val(net.weight.grad()), net.bias.grad_req]


@snippet
def loss_l2_l1_values(mx):
    nd = mx.nd
    pred, label = _x(nd), nd.zeros((3, 4))
    return [
        val(mx.gluon.loss.L2Loss()(pred, label)),
        val(mx.gluon.loss.L1Loss()(pred, label)),
        val(mx.gluon.loss.L2Loss(weight=3.0)(pred, label)),
    ]


@snippet
def loss_sigmoid_bce(mx):
    nd = mx.nd
    label = _x(nd) > 0
    return val(mx.gluon.loss.SigmoidBCELoss()(_x(nd) * 4, label))


@snippet
def loss_softmax_ce_batch_axis(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss(axis=0, batch_axis=1)
    return val(loss(_x(nd), nd.array([0, 2, 1, 1])))


# ----- training ----------------------------------------------------------------------------


def _fit(mx, optimizer, params, steps=5):
    net = _mlp(mx)
    trainer = mx.gluon.Trainer(net.collect_params(), optimizer, params)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    x, y = _x(mx.nd), mx.nd.array([0, 2, 1])
    for _ in range(steps):
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(3)
    return [val(p.data()) for p in net.collect_params().values()]


@snippet
def train_sgd(mx):
    return _fit(mx, "sgd", {"learning_rate": 0.5})


@snippet
def train_sgd_momentum_wd(mx):
    return _fit(mx, "sgd", {"learning_rate": 0.3, "momentum": 0.9, "wd": 0.01})


@snippet
def train_adam(mx):
    return _fit(mx, "adam", {"learning_rate": 0.05})


@snippet
def train_set_learning_rate(mx):
    net = _mlp(mx)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    trainer.set_learning_rate(0.05)
    return trainer.learning_rate


@snippet
def train_stale_grad_raises(mx):
    net = _mlp(mx)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    net(_x(mx.nd))
    trainer.step(1)
    return "no error"


# ----- data --------------------------------------------------------------------------------


@snippet
def data_array_dataset_loader(mx):
    gluon = mx.gluon
    ds = gluon.data.ArrayDataset(
        np.arange(10, dtype="float32").reshape(5, 2), np.arange(5, dtype="float32")
    )
    loader = gluon.data.DataLoader(ds, batch_size=2, last_batch="discard")
    return [[val(d), val(l)] for d, l in loader]


@snippet
def data_last_batch_rollover(mx):
    ds = mx.gluon.data.ArrayDataset(np.arange(5, dtype="float32"))
    loader = mx.gluon.data.DataLoader(ds, batch_size=2, last_batch="rollover")
    return [val(b) for b in loader]


@snippet
def data_transform_first(mx):
    ds = mx.gluon.data.ArrayDataset(np.arange(4, dtype="float32"), np.arange(4, dtype="float32"))
    out = ds.transform_first(lambda x: x * 10)
    return [float(out[1][0]), float(out[1][1]), len(out)]


@snippet
def data_samplers(mx):
    data = mx.gluon.data
    return [
        list(data.SequentialSampler(4)),
        [list(b) for b in data.BatchSampler(data.SequentialSampler(5), 2, "keep")],
    ]


# ----- more of the same: printing, dtypes, edge gradients ----------------------------------


@snippet
def repr_nd(mx):
    return repr(mx.nd.array([[1, 2.5], [3, 4]]))


@snippet
def repr_int(mx):
    return repr(mx.nd.array([1, 2], dtype="int32"))


@snippet
def repr_param(mx):
    n = mx.gluon.nn.Dense(3, in_units=2)
    return [repr(n.weight), repr(n.bias)]


@snippet
def repr_paramdict(mx):
    n = mx.gluon.nn.Dense(3, in_units=2, prefix="d_")
    return repr(n.collect_params())


@snippet
def repr_seq(mx):
    net = mx.gluon.nn.Sequential()
    net.add(
        mx.gluon.nn.Dense(3, activation="relu"),
        mx.gluon.nn.Dropout(0.2),
        mx.gluon.nn.Flatten(),
        mx.gluon.nn.Activation("tanh"),
    )
    return repr(net)


@snippet
def argmax_dtype(mx):
    return val(mx.nd.array([[1, 3, 2]]).argmax(axis=1))


@snippet
def softmax_temp(mx):
    return val(mx.nd.softmax(mx.nd.array([[1.0, 2.0, 3.0]]), temperature=2.0))


@snippet
def one_hot_dtype(mx):
    return val(mx.nd.one_hot(mx.nd.array([1, 0]), 3, dtype="int32"))


@snippet
def pick_keepdims(mx):
    return val(
        mx.nd.pick(mx.nd.array([[1.0, 2.0], [3.0, 4.0]]), mx.nd.array([1, 0]), keepdims=True)
    )


@snippet
def cast_net(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    n.cast("float64")
    return val(n(mx.nd.ones((1, 2), dtype="float64")))


@snippet
def mean_int(mx):
    return val(mx.nd.array([1, 2], dtype="int32").mean())


@snippet
def sum_int8_overflow(mx):
    return val(mx.nd.array([100, 100], dtype="int8").sum())


@snippet
def max_empty_axis(mx):
    return val(mx.nd.array([[1.0, 5.0], [3.0, 4.0]]).max(axis=(0, 1)))


@snippet
def zeros_like_dtype(mx):
    return val(mx.nd.zeros_like(mx.nd.array([1, 2], dtype="int32")))


@snippet
def ndarray_size_len(mx):
    x = mx.nd.zeros((2, 3, 4))
    return [x.size, x.ndim, len(x), list(x.shape)]


@snippet
def concat_dim(mx):
    return list(mx.nd.concat(mx.nd.zeros((2, 3)), mx.nd.zeros((2, 3)), dim=1).shape)


@snippet
def clip_int(mx):
    return val(mx.nd.clip(mx.nd.array([1, 5, 9], dtype="int32"), 2, 6))


@snippet
def abs_grad_zero(mx):
    x = mx.nd.array([0.0, -2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.abs(x)
    y.backward()
    return val(x.grad)


@snippet
def max_grad_ties(mx):
    x = mx.nd.array([1.0, 3.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x.max()
    y.backward()
    return val(x.grad)


@snippet
def sqrt_grad_zero(mx):
    x = mx.nd.array([0.0, 4.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.sqrt(x)
    y.backward()
    return val(x.grad)


@snippet
def clip_grad_edges(mx):
    x = mx.nd.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.clip(x, 0, 1)
    y.backward()
    return val(x.grad)


@snippet
def power_grad_zero_base(mx):
    x = mx.nd.array([0.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x**2
    y.backward()
    return val(x.grad)


@snippet
def maximum_grad_tie(mx):
    a = mx.nd.array([1.0, 2.0])
    b = mx.nd.array([1.0, 1.0])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = mx.nd.maximum(a, b)
    y.backward()
    return [val(a.grad), val(b.grad)]


@snippet
def dropout_scale_train(mx):
    mx.random.seed(1)
    with mx.autograd.train_mode():
        y = mx.nd.Dropout(mx.nd.ones((1000,)), p=0.5)
    return sorted(set(np.round(y.asnumpy(), 4).tolist()))


@snippet
def sequential_slice(mx):
    net = mx.gluon.nn.Sequential()
    net.add(mx.gluon.nn.Dense(2), mx.gluon.nn.Dense(3), mx.gluon.nn.Dense(4))
    return [type(net[1:]).__name__, len(net[1:]), net[-1].name]


@snippet
def params_select_regex(mx):
    net = mx.gluon.nn.Dense(2, in_units=2, prefix="fc_")
    return sorted(net.collect_params("fc_b.*").keys())


@snippet
def init_verbose(mx):
    net = mx.gluon.nn.Dense(2, in_units=2)
    net.initialize()
    net.initialize()
    return "ok"


@snippet
def block_name_counters(mx):
    a = mx.gluon.nn.Dense(2)
    b = mx.gluon.nn.Dense(2)
    return [a.name[:5], b.name[:5], a.prefix[-1]]


@snippet
def trainer_no_grad_req_param(mx):
    net = mx.gluon.nn.Dense(2, in_units=2)
    net.initialize(mx.init.One())
    net.bias.grad_req = "null"
    tr = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1.0})
    with mx.autograd.record():
        y = net(mx.nd.ones((1, 2))).sum()
    y.backward()
    tr.step(1)
    return [val(net.weight.data()), val(net.bias.data())]


@snippet
def loss_weight_none_l1(mx):
    return val(
        mx.gluon.loss.L1Loss(weight=2.0)(mx.nd.array([[1.0, 2.0]]), mx.nd.array([[0.0, 0.0]]))
    )


@snippet
def l2_default_weight(mx):
    return val(mx.gluon.loss.L2Loss()(mx.nd.array([[1.0, 2.0]]), mx.nd.array([[0.0, 0.0]])))


@snippet
def nd_array_from_nd_keeps_dtype(mx):
    return str(mx.nd.array(mx.nd.array([1, 2], dtype="int32")).dtype.__name__)


@snippet
def nd_array_from_np_float64(mx):
    return str(mx.nd.array(np.array([1.0, 2.0])).dtype.__name__)


@snippet
def transpose_axes(mx):
    return list(mx.nd.zeros((2, 3, 4)).transpose((2, 0, 1)).shape)


@snippet
def squeeze_axis(mx):
    return list(mx.nd.zeros((1, 3, 1)).squeeze(axis=2).shape)


@snippet
def stack_axis_neg(mx):
    return list(mx.nd.stack(mx.nd.zeros((2, 3)), mx.nd.zeros((2, 3)), axis=-1).shape)


@snippet
def mean_keepdims_exclude(mx):
    return list(mx.nd.zeros((2, 3, 4)).mean(axis=1, keepdims=True, exclude=True).shape)


@snippet
def dot_1d(mx):
    return val(mx.nd.dot(mx.nd.array([1.0, 2.0]), mx.nd.array([3.0, 4.0])))


@snippet
def relu_int(mx):
    return val(mx.nd.relu(mx.nd.array([-1, 2], dtype="int32")))


@snippet
def sigmoid_f16(mx):
    return val(mx.nd.sigmoid(mx.nd.array([0.5, -20], dtype="float16")))


@snippet
def log_softmax_f16(mx):
    return val(mx.nd.log_softmax(mx.nd.array([[1.0, 2.0]], dtype="float16")))


@snippet
def exp_overflow(mx):
    return val(mx.nd.exp(mx.nd.array([100.0])))


# ----- parameters, trainer, losses' gradients, data ------------------------------------------


@snippet
def param_list_data_grad(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    return [
        len(n.weight.list_data()),
        len(n.weight.list_grad()),
        [str(c) for c in n.weight.list_ctx()],
    ]


@snippet
def param_zero_grad(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    with mx.autograd.record():
        y = n(mx.nd.ones((1, 2))).sum()
    y.backward()
    n.collect_params().zero_grad()
    return val(n.weight.grad())


@snippet
def param_setattr_lr_mult(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    n.collect_params().setattr("lr_mult", 0.0)
    tr = mx.gluon.Trainer(n.collect_params(), "sgd", {"learning_rate": 1.0})
    with mx.autograd.record():
        y = n(mx.nd.ones((1, 2))).sum()
    y.backward()
    tr.step(1)
    return val(n.weight.data())


@snippet
def trainer_wd_mult(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    n.bias.set_data(mx.nd.ones((2,)))
    n.bias.wd_mult = 0.0
    tr = mx.gluon.Trainer(n.collect_params(), "sgd", {"learning_rate": 0.1, "wd": 0.5})
    with mx.autograd.record():
        y = n(mx.nd.ones((1, 2))).sum()
    y.backward()
    tr.step(1)
    return [val(n.weight.data()), val(n.bias.data())]


@snippet
def trainer_step_ignore_stale(mx):
    a = mx.gluon.nn.Dense(1, in_units=1)
    b = mx.gluon.nn.Dense(1, in_units=1)
    a.initialize(mx.init.One())
    b.initialize(mx.init.One())
    params = a.collect_params()
    params.update(b.collect_params())
    tr = mx.gluon.Trainer(params, "sgd", {"learning_rate": 1.0})
    with mx.autograd.record():
        y = a(mx.nd.ones((1, 1))).sum()
    y.backward()
    tr.step(1, ignore_stale_grad=True)
    return [val(a.weight.data()), val(b.weight.data())]


@snippet
def trainer_lr_property(mx):
    n = mx.gluon.nn.Dense(1, in_units=1)
    n.initialize()
    tr = mx.gluon.Trainer(n.collect_params(), "adam")
    return [tr.learning_rate, type(tr.optimizer).__name__]


@snippet
def save_load_params_roundtrip(mx):
    import tempfile, os

    n = mx.gluon.nn.Dense(2, in_units=3)
    n.initialize(mx.init.Constant(0.3))
    f = os.path.join(tempfile.mkdtemp(), "x.params")
    n.save_parameters(f)
    m = mx.gluon.nn.Dense(2, in_units=3)
    m.load_parameters(f)
    return val(m.weight.data())


@snippet
def sce_pred_1d_label_scalar(mx):
    return val(mx.gluon.loss.SoftmaxCrossEntropyLoss()(mx.nd.array([[0.1, 0.9]]), mx.nd.array([1])))


@snippet
def sce_label_float_values(mx):
    return val(
        mx.gluon.loss.SoftmaxCrossEntropyLoss()(mx.nd.array([[0.1, 0.9, 0.3]]), mx.nd.array([1.7]))
    )


@snippet
def sce_grad_wrt_pred_with_weight(mx):
    x = mx.nd.array([[0.1, 0.9, 0.3], [1.0, -1.0, 0.0]])
    x.attach_grad()
    with mx.autograd.record():
        l = mx.gluon.loss.SoftmaxCrossEntropyLoss()(
            x, mx.nd.array([2, 0]), mx.nd.array([[2.0], [0.0]])
        )
    l.backward()
    return val(x.grad)


@snippet
def l2_grad(mx):
    x = mx.nd.array([[1.0, 2.0]])
    x.attach_grad()
    with mx.autograd.record():
        l = mx.gluon.loss.L2Loss()(x, mx.nd.array([[0.0, 0.5]]))
    l.backward()
    return val(x.grad)


@snippet
def bce_grad(mx):
    x = mx.nd.array([[1.0, -2.0]])
    x.attach_grad()
    with mx.autograd.record():
        l = mx.gluon.loss.SigmoidBCELoss()(x, mx.nd.array([[1.0, 0.0]]))
    l.backward()
    return val(x.grad)


@snippet
def hybridize_then_call(mx):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(2, in_units=2))
    net.initialize(mx.init.One())
    net.hybridize()
    return val(net(mx.nd.ones((1, 2))))


@snippet
def block_apply_and_children(mx):
    net = mx.gluon.nn.Sequential()
    net.add(mx.gluon.nn.Dense(2), mx.gluon.nn.Dense(3))
    names = []
    net.apply(lambda b: names.append(type(b).__name__))
    return names


@snippet
def init_normal_stats(mx):
    mx.random.seed(0)
    n = mx.gluon.nn.Dense(200, in_units=200)
    n.initialize(mx.init.Normal(0.5))
    w = n.weight.data().asnumpy()
    return [round(float(w.std()), 1), round(float(w.mean()), 1)]


@snippet
def init_xavier_bound(mx):
    n = mx.gluon.nn.Dense(100, in_units=50)
    n.initialize(mx.init.Xavier(magnitude=3))
    w = n.weight.data().asnumpy()
    return [
        bool(np.abs(w).max() <= np.sqrt(3 / 75) + 1e-6),
        bool(np.abs(w).max() > 0.9 * np.sqrt(3 / 75)),
    ]


@snippet
def init_uniform_default(mx):
    n = mx.gluon.nn.Dense(100, in_units=50)
    n.initialize()
    w = n.weight.data().asnumpy()
    return [bool(np.abs(w).max() <= 0.07), bool(np.abs(w).max() > 0.06), val(n.bias.data()[:3])]


@snippet
def random_uniform_shape_dtype(mx):
    u = mx.nd.random.uniform(-1, 1, shape=(2, 3))
    n = mx.nd.random.normal(shape=(4,))
    return [list(u.shape), str(u.dtype.__name__), list(n.shape)]


@snippet
def random_randint(mx):
    r = mx.nd.random.randint(0, 5, shape=(50,))
    a = r.asnumpy()
    return [str(r.dtype.__name__), bool(a.min() >= 0 and a.max() < 5)]


@snippet
def ndarray_iter(mx):
    return [val(row) for row in mx.nd.array([[1.0, 2.0], [3.0, 4.0]])]


@snippet
def ndarray_bool(mx):
    return [bool(mx.nd.array([1.0])), bool(mx.nd.array([0.0]))]


@snippet
def tolist_asnumpy(mx):
    x = mx.nd.array([[1, 2]])
    return [x.asnumpy().tolist(), str(x.asnumpy().dtype)]


@snippet
def nd_maximum_scalar(mx):
    return [
        val(mx.nd.maximum(mx.nd.array([1.0, 5.0]), 3)),
        val(mx.nd.minimum(2, mx.nd.array([1.0, 5.0]))),
    ]


@snippet
def rsub_rdiv(mx):
    x = mx.nd.array([1.0, 2.0])
    return [val(3 - x), val(3 / x), val(2**x), val(-x)]


@snippet
def inplace_ops(mx):
    x = mx.nd.array([1.0, 2.0])
    x += 1
    x *= 3
    x -= 1
    x /= 2
    return val(x)


@snippet
def compare_scalar_dtype(mx):
    return [val(mx.nd.array([1, 2], dtype="int32") > 1), val(mx.nd.array([1.0, 2.0]) != 1)]


@snippet
def softmax_axis0(mx):
    return val(mx.nd.softmax(mx.nd.array([[1.0, 2.0], [3.0, 5.0]]), axis=0))


@snippet
def batch_dot_transpose(mx):
    a = mx.nd.array(np.arange(12).reshape(2, 2, 3))
    return val(mx.nd.batch_dot(a, a, transpose_b=True))


@snippet
def fc_op(mx):
    return val(
        mx.nd.FullyConnected(
            mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), mx.nd.zeros((4,)), num_hidden=4
        )
    )


@snippet
def fc_op_no_bias(mx):
    return val(
        mx.nd.FullyConnected(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), num_hidden=4, no_bias=True)
    )


@snippet
def dataloader_shuffle_len(mx):
    ds = mx.gluon.data.ArrayDataset(np.arange(10, dtype="float32"))
    return [
        len(mx.gluon.data.DataLoader(ds, batch_size=3)),
        len(mx.gluon.data.DataLoader(ds, batch_size=3, last_batch="discard")),
        len(mx.gluon.data.DataLoader(ds, batch_size=3, last_batch="rollover")),
    ]


@snippet
def dataset_filter_take(mx):
    ds = mx.gluon.data.SimpleDataset(list(range(10)))
    return (
        [list(ds.filter(lambda x: x % 2 == 0)), list(ds.take(3))]
        if hasattr(ds, "take")
        else "no take"
    )


@snippet
def dataset_transform_lazy(mx):
    ds = mx.gluon.data.SimpleDataset([1, 2, 3]).transform(lambda x: x * 10)
    return [ds[0], len(ds)]


@snippet
def array_dataset_tuple(mx):
    ds = mx.gluon.data.ArrayDataset(mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([0, 1]))
    d, l = ds[1]
    return [val(d), float(l) if not hasattr(l, "asnumpy") else val(l), type(l).__name__]


@snippet
def batchify_labels(mx):
    ds = mx.gluon.data.ArrayDataset(mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([0, 1]))
    d, l = next(iter(mx.gluon.data.DataLoader(ds, batch_size=2)))
    return [val(d), val(l)]


# ----- printing, blocks, numerics at the edges -----------------------------------------------
# (summary() is left out: MXNet 1.9.1 prints a Symbol in the first Activation row.)


@snippet
def repr_big_nd(mx):
    return repr(mx.nd.arange(2000).reshape((2, 1000)))


@snippet
def repr_f16(mx):
    return repr(mx.nd.array([1.5, 2.25], dtype="float16"))


@snippet
def repr_3d(mx):
    return repr(mx.nd.zeros((2, 1, 2)))


@snippet
def repr_scalar_like(mx):
    return repr(mx.nd.array([3.0]))


@snippet
def str_nd(mx):
    return str(mx.nd.array([1.0, 2.0]))


@snippet
def dense_float64(mx):
    n = mx.gluon.nn.Dense(2, in_units=2, dtype="float64")
    n.initialize(mx.init.One())
    return [str(n.weight.data().dtype.__name__), val(n(mx.nd.ones((1, 2), dtype="float64")))]


@snippet
def flatten_4d(mx):
    return list(mx.gluon.nn.Flatten()(mx.nd.zeros((2, 3, 4, 5))).shape)


@snippet
def dropout_axes_train(mx):
    mx.random.seed(0)
    with mx.autograd.train_mode():
        y = mx.gluon.nn.Dropout(0.5, axes=(1,))(mx.nd.ones((50, 4)))
    a = y.asnumpy()
    return bool((a == a[:, :1]).all())


@snippet
def dropout_grad_zeros(mx):
    x = mx.nd.ones((100,))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Dropout(x, p=0.3)
    y.backward()
    g = x.grad.asnumpy()
    return sorted(set(np.round(g, 4).tolist()))


@snippet
def hook_order(mx):
    net = mx.gluon.nn.Dense(2, in_units=2)
    net.initialize()
    seen = []
    net.register_forward_pre_hook(lambda b, x: seen.append("pre"))
    h = net.register_forward_hook(lambda b, x, y: seen.append("post"))
    net(mx.nd.ones((1, 2)))
    h.detach()
    net(mx.nd.ones((1, 2)))
    return seen


@snippet
def nested_names(mx):
    class Net(mx.gluon.Block):
        def __init__(self, **kw):
            super(Net, self).__init__(**kw)
            with self.name_scope():
                self.body = mx.gluon.nn.Sequential()
                with self.body.name_scope():
                    self.body.add(mx.gluon.nn.Dense(2), mx.gluon.nn.Dense(2))
                self.out = mx.gluon.nn.Dense(1)

    return sorted(Net().collect_params().keys())


@snippet
def prefix_custom(mx):
    n = mx.gluon.nn.Dense(2, prefix="myfc_")
    return [n.name, n.prefix, sorted(n.collect_params().keys())]


@snippet
def param_init_then_shape_access(mx):
    n = mx.gluon.nn.Dense(3)
    n.initialize()
    try:
        n.weight.data()
        r = "no error"
    except Exception as e:
        r = type(e).__name__
    return r


@snippet
def uninit_error(mx):
    n = mx.gluon.nn.Dense(3, in_units=2)
    n(mx.nd.ones((1, 2)))


@snippet
def loss_repr(mx):
    return [repr(mx.gluon.loss.L2Loss()), repr(mx.gluon.loss.SoftmaxCrossEntropyLoss())]


@snippet
def act_repr(mx):
    return [
        repr(mx.gluon.nn.Activation("relu")),
        repr(mx.gluon.nn.Dropout(0.3)),
        repr(mx.gluon.nn.Flatten()),
    ]


@snippet
def trainer_params_list(mx):
    n = mx.gluon.nn.Dense(2, in_units=2)
    n.initialize(mx.init.One())
    tr = mx.gluon.Trainer(list(n.collect_params().values()), "sgd", {"learning_rate": 0.5})
    with mx.autograd.record():
        y = n(mx.nd.ones((1, 2))).sum()
    y.backward()
    tr.step(1)
    return val(n.weight.data())


@snippet
def sgd_lr_scheduler_like(mx):
    n = mx.gluon.nn.Dense(1, in_units=1)
    n.initialize(mx.init.One())
    tr = mx.gluon.Trainer(n.collect_params(), "sgd", {"learning_rate": 0.5})
    out = []
    for lr in (0.5, 0.25):
        tr.set_learning_rate(lr)
        with mx.autograd.record():
            y = n(mx.nd.ones((1, 1))).sum()
        y.backward()
        tr.step(1)
        out.append(val(n.weight.data()))
    return out


@snippet
def sce_sparse_false_from_logits(mx):
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False, from_logits=True)
    return val(loss(mx.nd.array([[-1.0, -2.0]]), mx.nd.array([[0.3, 0.7]])))


@snippet
def one_hot_out_of_range(mx):
    return val(mx.nd.one_hot(mx.nd.array([5, -1, 1]), 3))


@snippet
def pick_wrap_mode(mx):
    return val(mx.nd.pick(mx.nd.array([[1.0, 2.0, 3.0]]), mx.nd.array([4]), mode="wrap"))


@snippet
def pick_clip_mode(mx):
    return val(mx.nd.pick(mx.nd.array([[1.0, 2.0, 3.0]]), mx.nd.array([7])))


@snippet
def arange_float(mx):
    return val(mx.nd.arange(0, 1, 0.25))


@snippet
def arange_dtype(mx):
    return val(mx.nd.arange(3, dtype="int32"))


@snippet
def cast_op(mx):
    return val(mx.nd.cast(mx.nd.array([1.7, -1.7]), dtype="int32"))


@snippet
def softmax_large(mx):
    return val(mx.nd.softmax(mx.nd.array([[1000.0, 0.0]])))


@snippet
def log_of_zero(mx):
    return val(mx.nd.log(mx.nd.array([0.0])))


@snippet
def sigmoid_extreme(mx):
    return val(mx.nd.sigmoid(mx.nd.array([-100.0, 100.0])))


@snippet
def softrelu_large(mx):
    return val(mx.nd.Activation(mx.nd.array([100.0, -100.0]), act_type="softrelu"))


@snippet
def hybrid_sequential_is_hybrid(mx):
    nn = mx.gluon.nn
    return [
        isinstance(nn.HybridSequential(), mx.gluon.HybridBlock),
        isinstance(nn.Sequential(), mx.gluon.HybridBlock),
    ]


# ----- autograd in detail -------------------------------------------------------------------


@snippet
def getitem_repeat_grad(mx):
    x = mx.nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x[mx.nd.array([0, 0, 2])].sum()
    y.backward()
    return val(x.grad)


@snippet
def backward_twice_raises(mx):
    x = mx.nd.array([1.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    y.backward()
    y.backward()
    return val(x.grad)


@snippet
def grad_write_overwrites(mx):
    x = mx.nd.array([1.0])
    x.attach_grad()
    for k in (2, 5):
        with mx.autograd.record():
            y = x * k
        y.backward()
    return val(x.grad)


@snippet
def backward_outside_record_raises(mx):
    x = mx.nd.array([1.0])
    x.attach_grad()
    y = x * 2
    y.backward()
    return val(x.grad)


@snippet
def no_attach_grad_leaf(mx):
    x = mx.nd.array([1.0])
    w = mx.nd.array([3.0])
    w.attach_grad()
    with mx.autograd.record():
        y = x * w
    y.backward()
    return [val(w.grad), x.grad is None]


@snippet
def mark_variables(mx):
    x = mx.nd.array([1.0, 2.0])
    g = mx.nd.zeros((2,))
    mx.autograd.mark_variables([x], [g])
    with mx.autograd.record():
        y = (x * x).sum()
    y.backward()
    return val(g)


@snippet
def is_training_in_record(mx):
    with mx.autograd.record():
        a = mx.autograd.is_training()
    with mx.autograd.record(train_mode=False):
        b = mx.autograd.is_training()
    with mx.autograd.predict_mode():
        c = mx.autograd.is_training()
    return [a, b, c]


@snippet
def set_recording_returns_previous(mx):
    prev = mx.autograd.set_recording(True)
    now = mx.autograd.is_recording()
    back = mx.autograd.set_recording(prev)
    return [prev, now, back]


@snippet
def grad_of_mean(mx):
    x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = x.mean(axis=0)
    y.backward()
    return val(x.grad)


@snippet
def grad_through_concat_stack(mx):
    a = mx.nd.array([1.0, 2.0])
    a.attach_grad()
    with mx.autograd.record():
        y = (mx.nd.concat(a, a * 2, dim=0) * mx.nd.array([1.0, 2.0, 3.0, 4.0])).sum() + mx.nd.stack(
            a, a
        ).sum()
    y.backward()
    return val(a.grad)


@snippet
def grad_reshape_transpose(mx):
    x = mx.nd.array(np.arange(6.0).reshape(2, 3))
    x.attach_grad()
    with mx.autograd.record():
        y = (x.T.reshape((3, 2)) * mx.nd.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum()
    y.backward()
    return val(x.grad)


@snippet
def grad_pick(mx):
    x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.pick(x, mx.nd.array([1, 0])).sum()
    y.backward()
    return val(x.grad)


@snippet
def grad_softmax_log_softmax(mx):
    x = mx.nd.array([[1.0, 2.0, 0.5]])
    x.attach_grad()
    with mx.autograd.record():
        y = (mx.nd.softmax(x) * mx.nd.array([[1.0, 2.0, 3.0]])).sum() + mx.nd.log_softmax(x)[0, 1]
    y.backward()
    return val(x.grad)


@snippet
def grad_power_both(mx):
    a = mx.nd.array([2.0, 3.0])
    b = mx.nd.array([1.5, 2.0])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = (a**b).sum()
    y.backward()
    return [val(a.grad), val(b.grad)]


@snippet
def grad_divide_both(mx):
    a = mx.nd.array([2.0, 3.0])
    b = mx.nd.array([4.0, 5.0])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = (a / b).sum()
    y.backward()
    return [val(a.grad), val(b.grad)]


@snippet
def grad_broadcast_add(mx):
    a = mx.nd.ones((2, 3))
    b = mx.nd.ones((1, 3))
    b.attach_grad()
    with mx.autograd.record():
        y = mx.nd.broadcast_add(a, b).sum()
    y.backward()
    return val(b.grad)


@snippet
def grad_dense_layer(mx):
    n = mx.gluon.nn.Dense(2, in_units=3, activation="tanh")
    n.initialize(mx.init.Constant(0.1))
    x = mx.nd.array([[1.0, 2.0, 3.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = n(x).sum()
    y.backward()
    return [val(x.grad), val(n.weight.grad()), val(n.bias.grad())]


@snippet
def grad_dense_sigmoid_softrelu(mx):
    out = []
    for act in ("sigmoid", "softrelu", "softsign"):
        n = mx.gluon.nn.Dense(2, in_units=2, activation=act)
        n.initialize(mx.init.Constant(0.3))
        with mx.autograd.record():
            y = n(mx.nd.array([[1.0, -2.0]])).sum()
        y.backward()
        out.append(val(n.weight.grad()))
    return out


@snippet
def dense_no_flatten_grad(mx):
    n = mx.gluon.nn.Dense(2, in_units=3, flatten=False)
    n.initialize(mx.init.One())
    x = mx.nd.ones((2, 2, 3))
    with mx.autograd.record():
        y = n(x).sum()
    y.backward()
    return val(n.weight.grad())


@snippet
def detach_stops(mx):
    x = mx.nd.array([2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
        z = y.detach() + y
    z.backward()
    return val(x.grad)


@snippet
def grad_req_null_param(mx):
    n = mx.gluon.nn.Dense(1, in_units=1)
    n.initialize()
    n.weight.grad_req = "null"
    try:
        n.weight.grad()
        return "no error"
    except Exception as e:
        return "error"


ALL = {**fidelity_cases.CASES, **SNIPPETS}


def run_all(mx):
    out = {}
    for name in ALL:
        mx.random.seed(0)
        if name in fidelity_cases.CASES:
            out[name] = fidelity_cases.run(mx, name)
        else:
            out[name] = fidelity_cases.run_callable(mx, ALL[name])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--mxnet",
        default=os.path.expanduser("~/mxv/bin/python"),
        help="the interpreter that has mxnet 1.9.1 (default: ~/mxv/bin/python)",
    )
    parser.add_argument(
        "--engine", choices=["ours", "mxnet"], default=None, help=argparse.SUPPRESS
    )  # internal: run one engine, print JSON
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.engine == "mxnet":
        import mxnet

        print(json.dumps(run_all(mxnet)))
        return 0
    if not os.path.exists(args.mxnet):
        print(
            "no MXNet interpreter at %s: nothing to compare against (install mxnet==1.9.1 "
            "in a venv there, or pass --mxnet)" % args.mxnet
        )
        return 2
    proc = subprocess.run(
        [args.mxnet, __file__, "--engine", "mxnet"], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        print(proc.stderr[-3000:])
        return 1
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    sys.path.insert(0, str(REPO))
    import blockstudio.core as ours_engine
    from fidelity_compare import differences

    ours = run_all(ours_engine)
    disagree = {name: differences(ours[name], theirs[name], name) for name in ALL}
    disagree = {k: v for k, v in disagree.items() if v}
    agree = len(ALL) - len(disagree)
    print(
        "%d of %d snippets agree with MXNet %s (%d recorded cases, %d further snippets)"
        % (agree, len(ALL), "1.9.1", len(fidelity_cases.CASES), len(SNIPPETS))
    )
    for name, diffs in sorted(disagree.items()):
        print("  differs: %s" % name)
        if args.verbose:
            for d in diffs[:3]:
                print("      " + d[:300])
    return 0


if __name__ == "__main__":
    sys.exit(main())
