"""MXNet's optimizer extension API on our Trainer (issue 12): a subclass that overrides
update() runs through create_state/update on NDArrays and gives the numbers the built-in
numpy path gives; clip_global_norm warns on NaN as Gluon does."""

import warnings

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd


def _train(optimizer, params=None, steps=4):
    mx.random.seed(1)
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.Xavier())
    net.weight.lr_mult = 0.5
    net.bias.wd_mult = 0.0
    trainer = gluon.Trainer(net.collect_params(), optimizer, params)
    x = nd.array(np.linspace(-1, 1, 8).reshape(2, 4))
    for _ in range(steps):
        with autograd.record():
            loss = (net(x) ** 2).sum()
        loss.backward()
        trainer.step(2)
    return net.weight.data().asnumpy(), net.bias.data().asnumpy(), trainer


class SGDThroughTheAPI(mx.optimizer.SGD):
    def update(self, index, weight, grad, state):
        super().update(index, weight, grad, state)


class AdamThroughTheAPI(mx.optimizer.Adam):
    def update(self, index, weight, grad, state):
        super().update(index, weight, grad, state)


@pytest.mark.parametrize("builtin, subclass, settings", [
    ("sgd", SGDThroughTheAPI, {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                               "clip_gradient": 0.5}),
    ("adam", AdamThroughTheAPI, {"learning_rate": 0.05, "wd": 0.01, "clip_gradient": 0.5}),
])
def test_extension_api_path_matches_the_numpy_path(builtin, subclass, settings):
    w_fast, b_fast, fast = _train(builtin, dict(settings))
    w_api, b_api, api = _train(subclass(**settings))
    assert mx.optimizer.uses_numpy_path(fast.optimizer)
    assert not mx.optimizer.uses_numpy_path(api.optimizer)
    np.testing.assert_allclose(w_api, w_fast, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b_api, b_fast, rtol=1e-6, atol=1e-7)
    assert api.optimizer.num_update == fast.optimizer.num_update == 4


def test_registered_optimizer_is_created_by_name():
    @mx.optimizer.Optimizer.register
    class HalfStep(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] = weight - 0.5 * self._get_lr(index) * grad * self.rescale_grad

    w, _, trainer = _train("halfstep", {"learning_rate": 0.2}, steps=1)
    assert isinstance(trainer.optimizer, HalfStep)
    assert np.isfinite(w).all()


def test_float16_without_multi_precision_warns():
    opt = mx.optimizer.SGD(learning_rate=0.1)
    with pytest.warns(UserWarning, match="multi_precision"):
        opt.create_state_multi_precision(0, nd.ones((2,), dtype="float16"))


def test_clip_global_norm_warns_on_nan_and_scales_otherwise():
    arrays = [nd.array([3.0, 4.0])]
    assert gluon.utils.clip_global_norm(arrays, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(arrays[0].asnumpy(), [0.6, 0.8], rtol=1e-6)
    bad = [nd.array([np.nan, 1.0])]
    with pytest.warns(UserWarning, match="nan or inf"):
        norm = gluon.utils.clip_global_norm(bad, 1.0)
    assert np.isnan(norm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = gluon.utils.clip_global_norm([nd.array([1.0])], 5.0, check_isfinite=False)
    assert isinstance(out, nd.NDArray) and out.asnumpy().tolist() == [1.0]


def test_optimizer_instance_with_params_is_refused():
    net = gluon.nn.Dense(1, in_units=1)
    net.initialize()
    with pytest.raises(ValueError, match="optimizer_params must be None"):
        gluon.Trainer(net.collect_params(), mx.optimizer.SGD(), {"learning_rate": 0.1})


class MomentumPair(mx.optimizer.Optimizer):
    """A custom optimizer whose state is a tuple with a None in it."""

    def create_state(self, index, weight):
        return (nd.zeros(weight.shape), None)

    def update(self, index, weight, grad, state):
        self._update_count(index)
        momentum, _ = state
        momentum[:] = 0.9 * momentum - self._get_lr(index) * grad * self.rescale_grad
        weight[:] = weight + momentum


def test_custom_optimizer_states_save_and_resume_exactly(tmp_path):
    def run(steps, save_at=None, resume_from=None, load=True):
        mx.random.seed(2)
        net = gluon.nn.Dense(2, in_units=3)
        net.initialize(mx.init.Xavier())
        trainer = gluon.Trainer(net.collect_params(), MomentumPair(learning_rate=0.1))
        x = nd.array(np.linspace(-1, 1, 6).reshape(2, 3))
        for step in range(steps):
            if resume_from and step == 2:  # a fresh trainer: its momentum comes from the file
                trainer = gluon.Trainer(net.collect_params(), MomentumPair(learning_rate=0.1))
                if load:
                    trainer.load_states(resume_from)
            with autograd.record():
                loss = (net(x) ** 2).sum()
            loss.backward()
            trainer.step(2)
            if save_at and step + 1 == 2:
                trainer.save_states(save_at)
        return net.weight.data().asnumpy()

    path = str(tmp_path / "states")
    straight = run(4, save_at=path)
    resumed = run(4, resume_from=path)
    np.testing.assert_array_equal(resumed, straight)
    # Without the file the fresh trainer starts from zero momentum: the check can fail.
    assert not np.allclose(run(4, resume_from=path, load=False), straight)


def test_update_ops_write_out_or_return_a_new_weight():
    w, g, mom = nd.array([1.0, 2.0]), nd.array([1.0, -1.0]), nd.zeros((2,))
    new = nd.sgd_mom_update(w, g, mom, lr=0.1, momentum=0.9)
    assert w.asnumpy().tolist() == [1.0, 2.0]            # no out=: the weight is untouched
    np.testing.assert_allclose(new.asnumpy(), [0.9, 2.1], rtol=1e-6)
    np.testing.assert_allclose(mom.asnumpy(), [-0.1, 0.1], rtol=1e-6)  # states update in place
    assert nd.sgd_update(w, g, out=w, lr=0.5, clip_gradient=0.2) is w
    np.testing.assert_allclose(w.asnumpy(), [0.9, 2.1], rtol=1e-6)
