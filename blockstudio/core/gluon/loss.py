"""Losses (``gluon.loss``): each returns one value per sample, averaged over the other axes."""


from .. import nd
from ..ndarray import NDArray
from .block import HybridBlock


def _apply_weighting(loss, weight=None, sample_weight=None):
    """As Gluon: ``sample_weight`` broadcasts against the loss as it is (one value per sample
    is an (N, 1) array for an (N, 1) loss), then the scalar ``weight`` scales it."""
    if sample_weight is not None:
        loss = loss * sample_weight
    if weight is not None:
        loss = loss * weight
    return loss


def _reshape_like(label, pred):
    return label if label.shape == pred.shape else label.reshape(pred.shape)


class Loss(HybridBlock):
    """Base class: ``weight`` scales the loss; ``batch_axis`` is kept, other axes averaged."""

    def __init__(self, weight, batch_axis, **kwargs):
        super().__init__(**kwargs)
        self._weight = weight
        self._batch_axis = batch_axis

    def __repr__(self):
        return "%s(batch_axis=%s, w=%s)" % (type(self).__name__, self._batch_axis, self._weight)

    def _mean_per_sample(self, loss):
        if loss.ndim <= 1 and self._batch_axis in (0, -1):  # nothing else to average
            return loss
        return loss.mean(axis=self._batch_axis, exclude=True)


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax then cross-entropy with integer class labels (or distributions).

    >>> loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    >>> loss = loss_fn(net(data), label)      # shape (batch,)
    """

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None,
                 batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not isinstance(label, NDArray):
            label = nd.array(label)
        if self._from_logits:
            if self._sparse_label:
                loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
            else:
                loss = -(pred * _reshape_like(label, pred)).sum(axis=self._axis, keepdims=True)
        else:
            # Gluon computes -pick(log_softmax(pred), label, keepdims=True); the fused op gives
            # the same values without the kept axis. The fused op checks that labels and
            # predictions agree in number.
            loss = F.softmax_cross_entropy(pred, label, axis=self._axis,
                                           sparse_label=self._sparse_label)
            if sample_weight is None and self._weight is None:
                return self._mean_per_sample(loss)  # the kept axis would be averaged away
            # Weights broadcast against Gluon's shape, the class axis kept as 1.
            loss = loss.expand_dims(self._axis % pred.ndim)
        loss = _apply_weighting(loss, self._weight, sample_weight)
        return self._mean_per_sample(loss)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class L2Loss(Loss):
    """``weight/2 * (pred - label)^2``, averaged per sample."""

    def __init__(self, weight=1.0, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(label if isinstance(label, NDArray) else nd.array(label), pred)
        loss = F.square(label - pred)
        loss = _apply_weighting(loss, self._weight / 2, sample_weight)
        return self._mean_per_sample(loss)


class L1Loss(Loss):
    """``weight * |pred - label|``, averaged per sample."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(label if isinstance(label, NDArray) else nd.array(label), pred)
        loss = F.abs(label - pred)
        loss = _apply_weighting(loss, self._weight, sample_weight)
        return self._mean_per_sample(loss)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy on logits (or on probabilities with ``from_sigmoid=True``)."""

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(label if isinstance(label, NDArray) else nd.array(label), pred)
        if not self._from_sigmoid:
            if pos_weight is None:
                # relu(x) - x*z + log(1 + exp(-|x|)): stable for large |x|.
                loss = F.relu(pred) - pred * label + F.softrelu(-F.abs(pred))
            else:
                # x - x*z + (1 + z*(pos_weight - 1)) * (log(1 + exp(-|x|)) + relu(-x))
                log_weight = 1 + (pos_weight - 1) * label
                loss = pred - pred * label + log_weight * (F.softrelu(-F.abs(pred))
                                                           + F.relu(-pred))
        else:
            eps = 1e-12
            positive = F.log(pred + eps) * label
            if pos_weight is not None:
                positive = positive * pos_weight
            loss = -(positive + F.log(1.0 - pred + eps) * (1.0 - label))
        loss = _apply_weighting(loss, self._weight, sample_weight)
        return self._mean_per_sample(loss)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss

