"""Convolution, pooling and batch normalisation layers, as Gluon 1.9's ``Conv2D``,
``MaxPool2D``, ``AvgPool2D``, ``GlobalMaxPool2D``, ``GlobalAvgPool2D`` and ``BatchNorm``."""

import numbers

from ...conv_ops import _conv, _pair
from ..block import HybridBlock
from .basic_layers import Activation


def _count(value, name, layer, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError("%s %s must be a whole number of at least %d, got %r"
                         % (layer, name, minimum, value))
    return int(value)


def _check_layout(layout, layer):
    # Gluon asserts the layout; NHWC, which Gluon also accepts, is not implemented here.
    assert layout in ("NCHW", "NHWC"), "Only supports 'NCHW' and 'NHWC' layout for now"
    if layout != "NCHW":
        raise ValueError("%s: only layout='NCHW' is supported here; transpose the data to "
                         "(batch, channels, height, width)" % layer)


class Conv2D(HybridBlock):
    """2-d convolution: ``activation(Convolution(x, weight) + bias)`` on NCHW data.

    ``in_channels=0`` (the default) leaves the weight's second dimension unknown until the
    first batch: the weight reads ``(20, 0, 5, 5)`` until then, ``(20, 1, 5, 5)`` after.

    >>> conv = nn.Conv2D(20, kernel_size=5, activation="relu")
    >>> conv.initialize(); conv(nd.zeros((64, 1, 28, 28))).shape
    (64, 20, 24, 24)
    """

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, layout="NCHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, "Conv2D")
        if isinstance(kernel_size, numbers.Integral):
            kernel_size = (kernel_size,) * 2
        assert len(kernel_size) == 2, "kernel_size must be a number or a list of 2 ints"
        channels = _count(channels, "channels", "Conv2D", 1)
        in_channels = _count(in_channels, "in_channels (0 to infer it from the first batch)",
                             "Conv2D", 0)
        groups = _count(groups, "groups", "Conv2D", 1)
        if channels % groups or in_channels % groups:
            raise ValueError("Conv2D: channels (%d) and in_channels (%d) must both be divisible "
                             "by groups (%d)" % (channels, in_channels, groups))
        super().__init__(**kwargs)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            if isinstance(strides, numbers.Integral):
                strides = (strides,) * len(kernel_size)
            if isinstance(padding, numbers.Integral):
                padding = (padding,) * len(kernel_size)
            if isinstance(dilation, numbers.Integral):
                dilation = (dilation,) * len(kernel_size)
            # What Gluon passes to the Convolution operator (and prints).
            self._kwargs = {
                "kernel": kernel_size, "stride": strides, "dilate": dilation,
                "pad": padding, "num_filter": channels, "num_group": groups,
                "no_bias": not use_bias, "layout": layout}
            self._geometry = tuple(_pair(self._kwargs[k], k, "Conv2D", None)
                                   for k in ("kernel", "stride", "dilate", "pad"))
            if any(v < 1 for pair in self._geometry[:3] for v in pair) or min(
                    self._geometry[3]) < 0:
                raise ValueError("Conv2D: kernel_size, strides and dilation must be at least 1 "
                                 "and padding at least 0, got %s" % (self._kwargs,))
            kh, kw = self._geometry[0]
            self.weight = self.params.get("weight", shape=(channels, in_channels // groups, kh, kw),
                                          init=weight_initializer, allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def _alias(self):
        return "conv"

    def infer_shape(self, x, *args):
        if x.ndim != 4:
            raise ValueError("%s expects 4-d input (batch, channels, height, width), got shape "
                             "%s. MNIST images (N, 28, 28, 1) need x.transpose((0, 3, 1, 2))."
                             % (self.name, tuple(x.shape)))
        groups = self._kwargs["num_group"]
        if x.shape[1] % groups:
            raise ValueError("%s: the input has %d channels, which groups=%d does not divide"
                             % (self.name, x.shape[1], groups))
        self.weight.shape = (self._channels, x.shape[1] // groups) + self.weight.shape[2:]

    def forward(self, x):
        if self.weight._data is None:  # not created yet: HybridBlock infers the shape first
            return super().forward(x)
        bias = self.bias._data if self.bias is not None else None
        return self.hybrid_forward(None, x, self.weight._data, bias)

    def hybrid_forward(self, F, x, weight, bias=None):
        data = x._data
        if data.ndim != 4:
            self.infer_shape(x)  # raises the message that explains the expected layout
        groups = self._kwargs["num_group"]
        expected = weight.shape[1] * groups
        if data.shape[1] != expected:
            hint = ("Set in_channels=%d, or in_channels=0 to infer it from the data."
                    % data.shape[1])
            if data.shape[3] == expected:
                hint = ("The input looks channels-last (N, H, W, C): give it as (N, C, H, W) "
                        "with x.transpose((0, 3, 1, 2)).")
            raise ValueError("%s expects %d input channels (weight shape %s) but got %d from "
                             "input of shape %s. %s" % (self.name, expected, tuple(weight.shape),
                                                        data.shape[1], tuple(data.shape), hint))
        kernel, stride, dilate, pad = self._geometry
        act = self.act
        fused = act._act_type if act is not None else None
        if act is not None and (act._forward_hooks or act._forward_pre_hooks):
            fused = None  # someone watches the activation block (summary()): call it as a block
        out = _conv(x, weight, bias, stride, dilate, pad, groups, fused, where=self.name)
        return act(out) if act is not None and fused is None else out

    def __repr__(self):
        s = "{name}({mapping}, kernel_size={kernel}, stride={stride}"
        if self._kwargs["pad"] != (0, 0):
            s += ", padding={pad}"
        if self._kwargs["dilate"] != (1, 1):
            s += ", dilation={dilate}"
        if self._kwargs["num_group"] != 1:
            s += ", groups={num_group}"
        if self.bias is None:
            s += ", bias=False"
        if self.act:
            s += ", {}".format(self.act)
        s += ")"
        shape = self.weight.shape
        return s.format(name=type(self).__name__,
                        mapping="{0} -> {1}".format(shape[1] if shape[1] else None, shape[0]),
                        **self._kwargs)


class _Pooling(HybridBlock):
    """What the 2-d pooling layers share: Gluon's arguments to the Pooling operator."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout,
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        if isinstance(strides, numbers.Integral):
            strides = (strides,) * len(pool_size)
        if isinstance(padding, numbers.Integral):
            padding = (padding,) * len(pool_size)
        self._kwargs = {
            "kernel": pool_size, "stride": strides, "pad": padding,
            "global_pool": global_pool, "pool_type": pool_type, "layout": layout,
            "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad
        kernel, stride, pad = (_pair(v, k, type(self).__name__, None)
                               for k, v in (("pool_size", pool_size), ("strides", strides),
                                            ("padding", padding)))
        if min(kernel + stride) < 1 or min(pad) < 0:
            raise ValueError("%s: pool_size and strides must be at least 1 and padding at least "
                             "0, got pool_size=%r, strides=%r, padding=%r"
                             % (type(self).__name__, pool_size, strides, padding))

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        s = "{name}(size={kernel}, stride={stride}, padding={pad}, ceil_mode={ceil_mode}"
        s += ", global_pool={global_pool}, pool_type={pool_type}, layout={layout})"
        return s.format(name=type(self).__name__,
                        ceil_mode=self._kwargs["pooling_convention"] == "full",
                        **self._kwargs)


def _pool_size(pool_size):
    if isinstance(pool_size, numbers.Integral):
        pool_size = (pool_size,) * 2
    assert len(pool_size) == 2, "pool_size must be a number or a list of 2 ints"
    return pool_size


class MaxPool2D(_Pooling):
    """Max pooling over 2-d windows of NCHW data; ``strides`` defaults to ``pool_size``.

    >>> nn.MaxPool2D(pool_size=2, strides=2)          # (N, C, 24, 24) -> (N, C, 12, 12)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW",
                 ceil_mode=False, **kwargs):
        _check_layout(layout, "MaxPool2D")
        super().__init__(_pool_size(pool_size), strides, padding, ceil_mode, False, "max",
                         layout, **kwargs)


class AvgPool2D(_Pooling):
    """Average pooling over 2-d windows of NCHW data; ``strides`` defaults to ``pool_size``.

    >>> nn.AvgPool2D(pool_size=3, strides=1, padding=1)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCHW", count_include_pad=True, **kwargs):
        _check_layout(layout, "AvgPool2D")
        super().__init__(_pool_size(pool_size), strides, padding, ceil_mode, False, "avg",
                         layout, count_include_pad, **kwargs)


class GlobalMaxPool2D(_Pooling):
    """The maximum of each channel: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        _check_layout(layout, "GlobalMaxPool2D")
        super().__init__((1, 1), None, 0, True, True, "max", layout, **kwargs)


class GlobalAvgPool2D(_Pooling):
    """The mean of each channel: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        _check_layout(layout, "GlobalAvgPool2D")
        super().__init__((1, 1), None, 0, True, True, "avg", layout, **kwargs)


class BatchNorm(HybridBlock):
    """Batch normalisation along ``axis`` (the channels of NCHW data by default).

    Training mode (inside ``autograd.record()`` or ``autograd.train_mode()``) normalises with
    the batch's statistics and folds them into ``running_mean``/``running_var`` (parameters
    with ``grad_req='null'``); prediction uses the running statistics.

    >>> bn = nn.BatchNorm()                     # gamma, beta, running_* read (0,) until data flows
    """

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer="zeros", gamma_initializer="ones",
                 running_mean_initializer="zeros", running_variance_initializer="ones",
                 in_channels=0, **kwargs):
        in_channels = _count(in_channels, "in_channels (0 to infer it from the first batch)",
                             "BatchNorm", 0)
        if not 0 <= momentum <= 1:
            raise ValueError("BatchNorm momentum must be in [0, 1], got %r" % (momentum,))
        if not epsilon > 0:
            raise ValueError("BatchNorm epsilon must be positive, got %r" % (epsilon,))
        super().__init__(**kwargs)
        self._kwargs = {"axis": axis, "eps": epsilon, "momentum": momentum,
                        "fix_gamma": not scale, "use_global_stats": use_global_stats}
        self._axis = axis
        if in_channels != 0:
            self.in_channels = in_channels
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null",
                                     shape=(in_channels,), init=gamma_initializer,
                                     allow_deferred_init=True, differentiable=scale)
        self.beta = self.params.get("beta", grad_req="write" if center else "null",
                                    shape=(in_channels,), init=beta_initializer,
                                    allow_deferred_init=True, differentiable=center)
        self.running_mean = self.params.get("running_mean", grad_req="null",
                                            shape=(in_channels,), init=running_mean_initializer,
                                            allow_deferred_init=True, differentiable=False)
        self.running_var = self.params.get("running_var", grad_req="null",
                                           shape=(in_channels,),
                                           init=running_variance_initializer,
                                           allow_deferred_init=True, differentiable=False)

    def infer_shape(self, x, *args):
        if not -x.ndim <= self._axis < x.ndim:
            raise ValueError("%s: axis=%d does not exist in input of shape %s"
                             % (self.name, self._axis, tuple(x.shape)))
        channels = x.shape[self._axis]
        for param in (self.gamma, self.beta, self.running_mean, self.running_var):
            param.shape = (channels,)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd",
                           **self._kwargs)

    def __repr__(self):
        s = "{name}({content}"
        in_channels = self.gamma.shape[0]
        s += ", in_channels={0}".format(in_channels if in_channels else None)
        s += ")"
        return s.format(name=type(self).__name__,
                        content=", ".join(["=".join([k, v.__repr__()])
                                           for k, v in self._kwargs.items()]))
