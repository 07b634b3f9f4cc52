"""Gluon snippets whose results must be the same in blockstudio.core and in MXNet 1.9.1.

Each case is a function of the engine module (``mxnet`` or ``blockstudio.core``) that returns
plain data: numbers, strings, lists, dicts, and arrays through ``val()``. The same body runs
on both engines: ``tools/record_fixtures_fidelity.py`` runs it on real MXNet and stores the
results in ``fixtures/fidelity.json``; ``test_fidelity.py`` runs it here and compares;
``tools/differential.py`` runs both side by side when the MXNet venv exists.

Nothing here imports either engine: the module is handed in.
"""

import warnings

import numpy as np

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def val(x):
    """An array as {dtype, shape, values}; anything else unchanged."""
    if hasattr(x, "asnumpy"):
        a = x.asnumpy()
        return {"dtype": np.dtype(a.dtype).name, "shape": list(a.shape),
                "values": a.astype(np.float64).ravel().tolist()}
    if isinstance(x, (list, tuple)):
        return [val(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def run(mx, name):
    """The case's result, or {"raises": True} when it raises."""
    return run_callable(mx, CASES[name])


def run_callable(mx, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(mx)
    except Exception as exc:  # noqa: BLE001  (an error is a result to compare)
        return {"raises": True, "type": type(exc).__name__}


def warned(fn):
    """Whether ``fn()`` emits a warning (result ignored)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return len(caught) > 0


def _pred(nd):
    return nd.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])


# ----- losses and broadcasting --------------------------------------------------------------

@case
def softmax_ce_sample_weight_n1(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    return val(loss(_pred(nd), nd.array([0, 2]), nd.array([[2.0], [0.5]])))


@case
def softmax_ce_sample_weight_n(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    return val(loss(_pred(nd), nd.array([0, 2]), nd.array([2.0, 0.5])))


@case
def softmax_ce_label_n1(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    return val(loss(_pred(nd), nd.array([[0], [2]])))


@case
def softmax_ce_weight_and_sample_weight(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss(weight=0.5)
    return val(loss(_pred(nd), nd.array([1, 2]), nd.array([[3.0], [1.0]])))


@case
def softmax_ce_from_logits(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss(from_logits=True)
    return val(loss(nd.log_softmax(_pred(nd)), nd.array([0, 2]), nd.array([[2.0], [0.5]])))


@case
def softmax_ce_dense_label(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False)
    label = nd.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    return val(loss(_pred(nd), label, nd.array([[2.0], [0.5]])))


@case
def softmax_ce_3d_weight_n11(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    pred = nd.array(np.arange(24).reshape(2, 3, 4) / 10.0)
    return val(loss(pred, nd.array([[0, 1, 3], [2, 2, 1]]), nd.array([[[1.0]], [[2.0]]])))


@case
def softmax_ce_3d(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    pred = nd.array(np.arange(24).reshape(2, 3, 4) / 10.0)
    return val(loss(pred, nd.array([[0, 1, 3], [2, 2, 1]]), nd.array([[1.0], [2.0]])))


@case
def l2_sample_weight_n1(mx):
    nd = mx.nd
    loss = mx.gluon.loss.L2Loss()
    return val(loss(_pred(nd), nd.ones((2, 3)), nd.array([[2.0], [0.5]])))


@case
def l2_pred_n1_label_n(mx):
    nd = mx.nd
    loss = mx.gluon.loss.L2Loss()
    return val(loss(nd.array([[1.0], [2.0], [4.0]]), nd.array([0.0, 1.0, 2.0])))


@case
def l2_sample_weight_n(mx):
    nd = mx.nd
    loss = mx.gluon.loss.L2Loss()
    return val(loss(nd.array([[1.0], [2.0]]), nd.array([0.0, 1.0]), nd.array([3.0, 1.0])))


@case
def l1_sample_weight_n1(mx):
    nd = mx.nd
    loss = mx.gluon.loss.L1Loss()
    return val(loss(_pred(nd), nd.zeros((2, 3)), nd.array([[2.0], [0.5]])))


@case
def sigmoid_bce_sample_weight_n1(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SigmoidBinaryCrossEntropyLoss()
    label = nd.array([[1, 0, 1], [0, 0, 1]])
    return val(loss(_pred(nd), label, nd.array([[2.0], [0.5]])))


@case
def sigmoid_bce_from_sigmoid(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SigmoidBinaryCrossEntropyLoss(from_sigmoid=True)
    label = nd.array([[1, 0, 1], [0, 0, 1]])
    return val(loss(nd.sigmoid(_pred(nd)), label))


@case
def sigmoid_bce_pos_weight(mx):
    nd = mx.nd
    loss = mx.gluon.loss.SigmoidBinaryCrossEntropyLoss()
    label = nd.array([[1, 0, 1], [0, 0, 1]])
    return val(loss(_pred(nd), label, None, nd.array([[2.0, 1.0, 3.0]])))


# ----- copies, views, inplace ----------------------------------------------------------------

def _after_write(mx, make):
    x = mx.nd.array([[1.0, 2.0, 3.0]])
    y = make(x)
    x[:] = 7
    return val(y)


@case
def flatten_is_a_copy(mx):
    return _after_write(mx, lambda x: x.flatten())


@case
def squeeze_is_a_copy(mx):
    return _after_write(mx, lambda x: x.squeeze())


@case
def expand_dims_is_a_copy(mx):
    return _after_write(mx, lambda x: x.expand_dims(0))


@case
def T_is_a_copy(mx):
    return _after_write(mx, lambda x: x.T)


@case
def transpose_is_a_copy(mx):
    return _after_write(mx, lambda x: x.transpose())


@case
def nd_reshape_is_a_copy(mx):
    return _after_write(mx, lambda x: mx.nd.reshape(x, (3, 1)))


@case
def nd_flatten_is_a_copy(mx):
    return _after_write(mx, lambda x: mx.nd.flatten(x))


@case
def method_reshape_is_a_view(mx):
    return _after_write(mx, lambda x: x.reshape((3, 1)))


@case
def flatten_inplace_is_a_view(mx):
    return _after_write(mx, lambda x: x.flatten(inplace=True))


@case
def squeeze_inplace_is_a_view(mx):
    return _after_write(mx, lambda x: x.squeeze(inplace=True))


@case
def expand_dims_inplace_is_a_view(mx):
    return _after_write(mx, lambda x: x.expand_dims(1, inplace=True))


@case
def basic_slice_is_a_view(mx):
    return _after_write(mx, lambda x: x[0])


# ----- dtypes ------------------------------------------------------------------------------

@case
def int_division_keeps_dtype(mx):
    nd = mx.nd
    out = {}
    for dtype in ("int32", "int8", "uint8", "int64"):
        a = nd.array([7, 9, 3], dtype=dtype)
        b = nd.array([2, 4, 3], dtype=dtype)
        out[dtype] = val(a / b)
    return out


@case
def int_division_by_scalar(mx):
    nd = mx.nd
    return [val(nd.array([7, 9, 3], dtype="int32") / 2),
            val(nd.array([7, -9, 3], dtype="int32") / nd.array([2, 2, 2], dtype="int32"))]


@case
def float16_sum_accumulates_in_float32(mx):
    nd = mx.nd
    x = nd.full((10000,), 0.1, dtype="float16")
    y = nd.full((10000, 2), 0.1, dtype="float16")
    return [val(x.sum()), val(x.mean()), val(nd.sum(x.reshape((100, 100)), axis=1)[:3]),
            val(y.sum(axis=0)), val(y.mean(axis=0))]


# ----- optimizers ----------------------------------------------------------------------------

def _train(mx, optimizer, params, steps=3, dtype="float32"):
    nd = mx.nd
    net = mx.gluon.nn.Dense(2, in_units=3, dtype=dtype)
    net.initialize(mx.init.Constant(0.5))
    net.bias.set_data(nd.array([0.1, -0.2], dtype=dtype))
    trainer = mx.gluon.Trainer(net.collect_params(), optimizer, params)
    x = nd.array([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]], dtype=dtype)
    y = nd.array([[1.0, 0.0], [0.0, 2.0]], dtype=dtype)
    for _ in range(steps):
        with mx.autograd.record():
            loss = ((net(x) - y) ** 2).sum()
        loss.backward()
        trainer.step(2)
    return [val(net.weight.data()), val(net.bias.data())]


@case
def adam_wd_then_clip(mx):
    return _train(mx, "adam", {"learning_rate": 0.1, "wd": 0.5, "clip_gradient": 0.3})


@case
def adam_plain(mx):
    return _train(mx, "adam", {"learning_rate": 0.05})


@case
def sgd_wd_clip_momentum(mx):
    return _train(mx, "sgd", {"learning_rate": 0.05, "wd": 0.5, "clip_gradient": 0.3,
                              "momentum": 0.9})


@case
def sgd_wd_clip(mx):
    return _train(mx, "sgd", {"learning_rate": 0.05, "wd": 0.5, "clip_gradient": 0.3})


@case
def clip_global_norm_nan(mx):
    nd = mx.nd
    arrays = [nd.array([1.0, float("nan")]), nd.array([3.0])]
    flag = []
    norm = [None]

    def go():
        norm[0] = mx.gluon.utils.clip_global_norm(arrays, 1.0)
    flag = warned(go)
    return {"warned": flag, "norm_is_nan": bool(np.isnan(float(norm[0]))),
            "first": val(arrays[1])}


@case
def clip_global_norm_values(mx):
    nd = mx.nd
    arrays = [nd.array([3.0, 4.0]), nd.array([12.0])]
    norm = mx.gluon.utils.clip_global_norm(arrays, 1.0)
    return [float(norm), val(arrays[0]), val(arrays[1])]


def _custom_optimizer_class(mx):
    class MySGD(mx.optimizer.Optimizer):
        """A user's optimizer written against MXNet's extension API."""

        def __init__(self, momentum=0.5, **kwargs):
            super(MySGD, self).__init__(**kwargs)
            self.momentum = momentum

        def create_state(self, index, weight):
            return mx.nd.zeros(weight.shape, dtype=weight.dtype)

        def update(self, index, weight, grad, state):
            self._update_count(index)
            lr = self._get_lr(index)
            wd = self._get_wd(index)
            g = grad * self.rescale_grad + wd * weight
            state[:] = self.momentum * state - lr * g
            weight[:] = weight + state
    return MySGD


@case
def custom_optimizer_subclass(mx):
    cls = _custom_optimizer_class(mx)
    return _train(mx, cls(learning_rate=0.1, wd=0.01), None)


@case
def custom_optimizer_lr_mult(mx):
    cls = _custom_optimizer_class(mx)
    nd = mx.nd
    net = mx.gluon.nn.Dense(1, in_units=2)
    net.initialize(mx.init.One())
    net.weight.lr_mult = 0.5
    opt = cls(learning_rate=0.1)
    trainer = mx.gluon.Trainer(net.collect_params(), opt)
    with mx.autograd.record():
        loss = net(nd.array([[1.0, 2.0]])).sum()
    loss.backward()
    trainer.step(1)
    return [val(net.weight.data()), val(net.bias.data()), opt.num_update]


@case
def optimizer_multi_precision_float16(mx):
    nd = mx.nd
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, multi_precision=True)
    w = nd.array([1.0, 2.0, 3.0001], dtype="float16")
    state = opt.create_state_multi_precision(0, w)
    for g in ([0.001, 0.002, 0.0001], [0.003, -0.001, 0.0002]):
        opt.update_multi_precision(0, w, nd.array(g, dtype="float16"), state)
    return [val(w), val(state[0]), val(state[1])]


@case
def optimizer_update_count(mx):
    opt = mx.optimizer.SGD(learning_rate=0.1)
    opt._update_count(0)
    opt._update_count([0, 1])
    return [opt.num_update, opt._get_lr(0), opt._get_wd(0)]


# ----- assignment --------------------------------------------------------------------------

@case
def setitem_inside_record_raises(mx):
    nd = mx.nd
    x = nd.ones((3,))
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        y[0] = 5
    return val(y)


@case
def setitem_one_element_list_broadcasts(mx):
    nd = mx.nd
    x = nd.zeros((2, 3))
    x[0, 1] = [5]
    x[1] = [4]
    return val(x)


@case
def setitem_one_element_array(mx):
    nd = mx.nd
    x = nd.zeros((2, 3))
    x[1, 2] = nd.array([9])
    x[0] = nd.array([3])
    return val(x)


@case
def ones_zeros_full_out(mx):
    nd = mx.nd
    a, b, c = nd.zeros((2,)), nd.ones((2,)), nd.zeros((2,))
    r1 = nd.ones((2,), out=a)
    r2 = nd.zeros((2,), out=b)
    r3 = nd.full((2,), 7, out=c)
    return [val(a), val(b), val(c), val(r1), val(r2), val(r3)]


@case
def relu_grad_at_nan(mx):
    nd = mx.nd
    x = nd.array([float("nan"), -1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.relu(x)
    y.backward()
    return [val(y), val(x.grad)]


# ----- missing API -----------------------------------------------------------------------

def _m(nd):
    return nd.array(np.arange(24).reshape(2, 3, 4))


@case
def slice_method_and_nd_slice(mx):
    nd = mx.nd
    x = _m(nd)
    return [val(x.slice(begin=(0, 1), end=(2, 3))), val(nd.slice(x, (1, 0, 1), (2, 3, 4), (None, 2, 2))),
            val(nd.slice(x, begin=(None, -2), end=(None, None), step=(1, -1)))]


@case
def slice_axis(mx):
    nd = mx.nd
    x = _m(nd)
    return [val(nd.slice_axis(x, axis=1, begin=1, end=3)),
            val(x.slice_axis(axis=-1, begin=-3, end=None))]


@case
def take(mx):
    nd = mx.nd
    x = _m(nd)
    return [val(nd.take(x, nd.array([1, 0, 1]))), val(nd.take(x, nd.array([[0, 3], [5, -1]]), axis=2)),
            val(nd.take(x, nd.array([0, 4]), axis=1, mode="wrap"))]


@case
def split(mx):
    nd = mx.nd
    x = _m(nd)
    parts = nd.split(x, num_outputs=3, axis=1)
    sq = nd.split(x, num_outputs=2, axis=0, squeeze_axis=True)
    return [val(p) for p in parts] + [val(p) for p in sq]


@case
def norm(mx):
    nd = mx.nd
    x = _m(nd) - 10
    return [val(nd.norm(x)), val(nd.norm(x, ord=1, axis=1)), val(nd.norm(x, axis=(1, 2), keepdims=True)),
            val(x.norm(ord=2, axis=-1))]


@case
def round_half_away(mx):
    nd = mx.nd
    return val(nd.round(nd.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49])))


@case
def broadcast_to(mx):
    nd = mx.nd
    x = nd.array([[1.0], [2.0]])
    return [val(nd.broadcast_to(x, shape=(2, 3))), val(x.broadcast_to((2, 2))),
            val(nd.broadcast_to(x, shape=(0, 4)))]


@case
def eye(mx):
    nd = mx.nd
    return [val(nd.eye(3)), val(nd.eye(2, 4, 1)), val(nd.eye(3, k=-1, dtype="int32"))]


@case
def where(mx):
    nd = mx.nd
    cond = nd.array([[1, 0], [0, 2]])
    return [val(nd.where(cond, nd.ones((2, 2)), nd.zeros((2, 2)) - 1)),
            val(nd.where(nd.array([1, 0]), nd.array([[1, 2], [3, 4]]), nd.array([[5, 6], [7, 8]])))]


@case
def topk(mx):
    nd = mx.nd
    x = nd.array([[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]])
    return [val(nd.topk(x, k=2)), val(nd.topk(x, axis=0, k=1, ret_typ="value")),
            val(nd.topk(x, k=2, ret_typ="both", is_ascend=True)),
            val(nd.topk(x, k=2, ret_typ="mask")), val(nd.topk(x, k=1, dtype="int32"))]


@case
def random_aliases(mx):
    nd = mx.nd
    u = nd.uniform(2, 3, shape=(50,))
    n = nd.normal(0, 1, shape=(2, 5), dtype="float64")
    return [u.shape, str(u.dtype.__name__), bool((u.asnumpy() >= 2).all() and (u.asnumpy() < 3).all()),
            n.shape, str(n.dtype.__name__)]


@case
def reshape_codes(mx):
    nd = mx.nd
    x = nd.zeros((2, 3, 4))
    y = nd.zeros((2, 3, 4, 5))
    shapes = [x.reshape((-3, 4)).shape, y.reshape((-3, -3)).shape, x.reshape((0, -3)).shape,
              x.reshape((-3, -2)).shape, x.reshape((-4, 1, 2, -2)).shape,
              x.reshape((2, -4, -1, 3, -2)).shape, nd.zeros((10, 5, 4)).reshape((-1, 0)).shape,
              nd.zeros((10, 5, 4)).reshape((-1, 0), reverse=True).shape,
              nd.reshape(x, shape=(-4, -1, 1, 0, 0)).shape]
    return [list(s) for s in shapes]


@case
def autograd_function(mx):
    nd = mx.nd

    class Sigmoid(mx.autograd.Function):
        def forward(self, x):
            y = 1 / (1 + nd.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            (y,) = self.saved_tensors
            return dy * y * (1 - y) * 10  # scaled: proves this backward was used

    x = nd.array([-1.0, 0.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = Sigmoid()(x)
        z = (y * nd.array([1.0, 2.0, 3.0])).sum()
    z.backward()
    return [val(y), val(x.grad)]


@case
def autograd_function_two_inputs(mx):
    nd = mx.nd

    class Mul(mx.autograd.Function):
        def forward(self, a, b):
            self.save_for_backward(a, b)
            return a * b

        def backward(self, dy):
            a, b = self.saved_tensors
            return dy * b, dy * a * 2

    a, b = nd.array([1.0, 2.0]), nd.array([3.0, 4.0])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = Mul()(a, b)
    y.backward()
    return [val(y), val(a.grad), val(b.grad)]


@case
def autograd_grad_first_order(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = (x ** 3).sum()
    (dx,) = mx.autograd.grad(y, [x])
    return [val(dx), val(x.grad)]


def _second_order(mx, fn):
    nd = mx.nd
    x = nd.array([0.5, 1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = fn(nd, x)
        dx = mx.autograd.grad(y, [x], create_graph=True, retain_graph=True)[0]
        z = (dx * nd.array([1.0, 0.5, 2.0])).sum()
    z.backward()
    return [val(dx), val(x.grad)]


@case
def autograd_grad_second_order_sin(mx):
    return _second_order(mx, lambda nd, x: nd.sin(x))


@case
def autograd_grad_second_order_tanh(mx):
    return _second_order(mx, lambda nd, x: nd.tanh(x))


@case
def autograd_grad_second_order_sigmoid(mx):
    return _second_order(mx, lambda nd, x: nd.sigmoid(x))


@case
def autograd_grad_second_order_log_exp_square(mx):
    return [_second_order(mx, lambda nd, x: nd.log(x)), _second_order(mx, lambda nd, x: nd.exp(x)),
            _second_order(mx, lambda nd, x: nd.square(x))]


@case
def autograd_module_exports(mx):
    return [hasattr(mx.autograd, "NDArray"), hasattr(mx.autograd, "Function"),
            hasattr(mx.autograd, "grad"), hasattr(mx.nd.NDArray, "_fresh_grad")]


@case
def fresh_grad(mx):
    nd = mx.nd
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    before = x._fresh_grad
    with mx.autograd.record():
        y = (x * x).sum()
    y.backward()
    after = x._fresh_grad
    x._fresh_grad = False
    return [bool(before), bool(after), bool(x._fresh_grad)]


# ----- parameters and initializers -----------------------------------------------------------

@case
def parameter_dict_get_fills_from_shared(mx):
    gluon = mx.gluon
    shared = gluon.ParameterDict("net_")
    w = shared.get("weight", shape=(3, 4))
    other = gluon.ParameterDict("net_", shared=shared)
    got = other.get("weight", shape=(3, 0))
    return [list(got.shape), got is w]


@case
def dense_weight_sharing_deferred(mx):
    nd = mx.nd
    a = mx.gluon.nn.Dense(3)
    b = mx.gluon.nn.Dense(3, params=a.collect_params())
    a.initialize(mx.init.One())
    x = nd.ones((2, 4))
    out_a = a(x)
    out_b = b(x)
    return [val(out_a), val(out_b), list(b.weight.shape), b.weight is a.weight]


@case
def get_constant(mx):
    nd = mx.nd
    params = mx.gluon.ParameterDict("blk_")
    c = params.get_constant("const", nd.array([[1.0, 2.0]]))
    params.initialize()
    again = params.get_constant("const")
    return [c.name, c.grad_req, val(c.data()), again is c, list(c.shape)]


@case
def get_constant_in_block(mx):
    nd = mx.nd

    class Scale(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Scale, self).__init__(**kwargs)
            with self.name_scope():
                self.scale = self.params.get_constant("scale", nd.array([2.0, 3.0]))

        def hybrid_forward(self, F, x, scale):
            return F.broadcast_mul(x, scale)

    blk = Scale()
    blk.initialize()
    x = nd.array([[1.0, 1.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = blk(x)
    y.backward()
    return [val(y), val(x.grad), sorted(blk.collect_params().keys())]


@case
def initializer_dumps(mx):
    init = mx.init
    return [init.Constant(1).dumps(), init.Xavier(magnitude=2.24).dumps(), init.Zero().dumps(),
            init.One().dumps(), init.Uniform(0.1).dumps(), init.Normal(0.5).dumps()]


@case
def initializer_eq(mx):
    init = mx.init
    return [init.Constant(1) == init.Constant(1), init.Constant(1) == init.Constant(2),
            init.Xavier() == init.Xavier(), init.Xavier() == init.Uniform(), init.Zero() == init.Zero()]


# ----- Gluon's warnings and accepted arguments ---------------------------------------------

@case
def warns_blocks_in_a_list(mx):
    nn = mx.gluon.nn

    class Net(mx.gluon.Block):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            self.layers = [nn.Dense(2), nn.Dense(3)]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    return warned(lambda: Net().collect_params())


@case
def no_warning_for_registered_blocks(mx):
    nn = mx.gluon.nn

    def go():
        net = nn.Sequential()
        net.add(nn.Dense(2))
        net.initialize()
        net(mx.nd.ones((1, 2)))
    return warned(go)


@case
def warns_sequential_hybridize(mx):
    nn = mx.gluon.nn

    def go():
        net = nn.Sequential()
        net.add(nn.Dense(2), nn.Dense(3))
        net.hybridize()
    return warned(go)


@case
def dense_zero_units(mx):
    nn = mx.gluon.nn
    layer = nn.Dense(0, in_units=3)
    return [list(layer.weight.shape)]


@case
def dataloader_auto_reload(mx):
    gluon = mx.gluon
    ds = gluon.data.ArrayDataset(np.arange(6, dtype="float32"))
    loader = gluon.data.DataLoader(ds, batch_size=4, auto_reload=True)
    return [val(b) for b in loader]


@case
def integer_index_gives_shape_1(mx):
    nd = mx.nd
    x = nd.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = x[1, 2] * 3 + x[0][1] * 2
    y.backward()
    return [list(x[1, 2].shape), list(x[0][1].shape), list(x[1].shape), val(y), val(x.grad),
            [list(v.shape) for v in nd.array([7.0, 8.0])]]


@case
def nd_integer_arithmetic(mx):
    a = mx.nd.array([7, 9, -3], dtype="int32")
    return [val(a / 2.5), val(a * 1.5), val(a + 0.7), val(2.5 / a), val(a % 4), val(-a / 2),
            val(a ** 2), val(mx.nd.array([7.5, -2.0]) % 2)]


@case
def max_min_gradient_ties(mx):
    nd = mx.nd
    x = nd.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = x.max(axis=1).sum() + x.min() * 2
    y.backward()
    return val(x.grad)


@case
def dot_of_vectors(mx):
    nd = mx.nd
    a, b = nd.array([1.0, 2.0]), nd.array([3.0, 4.0])
    a.attach_grad()
    with mx.autograd.record():
        y = nd.dot(a, b) * 2
    y.backward()
    return [val(y), val(a.grad)]


def _reference_style_optimizers(mx):
    """Optimizers written as MXNet's own are: the fused update ops do the arithmetic."""
    import math

    class RefSGD(mx.optimizer.Optimizer):
        def __init__(self, momentum=0.9, **kwargs):
            super(RefSGD, self).__init__(**kwargs)
            self.momentum = momentum

        def create_state(self, index, weight):
            return mx.nd.zeros(weight.shape, dtype=weight.dtype)

        def update(self, index, weight, grad, state):
            self._update_count(index)
            kwargs = {"rescale_grad": self.rescale_grad}
            if self.clip_gradient:
                kwargs["clip_gradient"] = self.clip_gradient
            mx.nd.sgd_mom_update(weight, grad, state, out=weight, lr=self._get_lr(index),
                                 wd=self._get_wd(index), momentum=self.momentum, **kwargs)

    class RefAdam(mx.optimizer.Optimizer):
        def create_state(self, index, weight):
            return (mx.nd.zeros(weight.shape), mx.nd.zeros(weight.shape))

        def update(self, index, weight, grad, state):
            self._update_count(index)
            t = self._index_update_count[index]
            lr = self._get_lr(index) * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            mean, var = state
            mx.nd.adam_update(weight, grad, mean, var, out=weight, lr=lr, wd=self._get_wd(index),
                              rescale_grad=self.rescale_grad, clip_gradient=0.4)

    class RefPlain(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            self._update_count(index)
            mx.nd.sgd_update(weight, grad, out=weight, lr=self._get_lr(index),
                             wd=self._get_wd(index), rescale_grad=self.rescale_grad)
    return RefSGD, RefAdam, RefPlain


@case
def reference_style_optimizers(mx):
    ref_sgd, ref_adam, ref_plain = _reference_style_optimizers(mx)
    return [_train(mx, ref_sgd(learning_rate=0.05, wd=0.1, clip_gradient=0.5), None),
            _train(mx, ref_adam(learning_rate=0.05, wd=0.1), None),
            _train(mx, ref_plain(learning_rate=0.05, wd=0.1), None)]


@case
def mp_update_ops(mx):
    nd = mx.nd
    w = nd.array([1.0, 2.0, 3.0], dtype="float16")
    w32 = w.astype("float32")
    mom = nd.zeros((3,))
    g = nd.array([0.5, -0.25, 1.0], dtype="float16")
    nd.mp_sgd_mom_update(w, g, mom, w32, out=w, lr=0.1, momentum=0.9, wd=0.01)
    nd.mp_sgd_mom_update(w, g, mom, w32, out=w, lr=0.1, momentum=0.9, wd=0.01)
    v = nd.array([1.0, 2.0], dtype="float16")
    v32 = v.astype("float32")
    nd.mp_sgd_update(v, nd.array([3.0, -1.0], dtype="float16"), v32, out=v, lr=0.1,
                     clip_gradient=2.0)
    return [val(w), val(w32), val(mom), val(v), val(v32)]
