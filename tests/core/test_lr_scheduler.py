"""mx.lr_scheduler against the rates real MXNet 1.9.1 gave (fixtures/lr_scheduler.json), recorded with:

    s = mx.lr_scheduler.FactorScheduler(step=3, factor=0.5, base_lr=0.1, stop_factor_lr=0.01)
    [s(i) for i in range(1, 15)]
    m = mx.lr_scheduler.MultiFactorScheduler(step=[2, 5], factor=0.1, base_lr=1.0); [m(i) for i in range(1, 9)]
    w = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1, warmup_steps=3); [w(i) for i in range(10)]
    p = mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=0.1, pwr=2, final_lr=0.0); [p(i) for i in range(12)]
    c = mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=0.1, final_lr=0.01); [c(i) for i in range(12)]
"""

import json

import pytest

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd


@pytest.fixture(scope="module")
def recorded():
    from pathlib import Path
    return json.loads((Path(__file__).parent / "fixtures" / "lr_scheduler.json").read_text())


def rates(scheduler, counts):
    return [round(scheduler(i), 6) for i in counts]


def test_schedules_give_mxnets_rates(recorded):
    lrs = mx.lr_scheduler
    assert rates(lrs.FactorScheduler(step=3, factor=0.5, base_lr=0.1, stop_factor_lr=0.01), range(1, 15)) \
        == recorded["factor"]
    assert rates(lrs.MultiFactorScheduler(step=[2, 5], factor=0.1, base_lr=1.0), range(1, 9)) == recorded["multifactor"]
    assert rates(lrs.FactorScheduler(step=2, factor=0.5, base_lr=0.1, warmup_steps=3), range(10)) \
        == recorded["factor_warmup"]
    assert rates(lrs.PolyScheduler(max_update=10, base_lr=0.1, pwr=2, final_lr=0.0), range(12)) == recorded["poly"]
    assert rates(lrs.CosineScheduler(max_update=10, base_lr=0.1, final_lr=0.01), range(12)) == recorded["cosine"]


@pytest.mark.parametrize("make, message", [
    (lambda: mx.lr_scheduler.FactorScheduler(step=0), "greater or equal than 1"),
    (lambda: mx.lr_scheduler.FactorScheduler(step=2, factor=2), "no more than 1"),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[5, 2]), "increasing"),
    (lambda: mx.lr_scheduler.FactorScheduler(step=2, base_lr=0.1, warmup_begin_lr=0.5), "higher than warmup"),
    (lambda: mx.lr_scheduler.PolyScheduler(max_update=0), "strictly positive"),
])
def test_bad_schedules_are_refused_with_the_reason(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_trainer_drops_the_rate_tenfold_after_the_step():
    # The learning rate the optimizer was given becomes the schedule's base, as in MXNet.
    net = gluon.nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(mx.init.Constant(1.0))
    schedule = mx.lr_scheduler.FactorScheduler(step=2, factor=0.1)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5, "lr_scheduler": schedule})
    moves = []
    for _ in range(4):
        before = net.weight.data().asscalar()
        with autograd.record():
            loss = net(nd.array([[1.0]])).sum()      # gradient 1: the step is the rate itself
        loss.backward()
        trainer.step(1)
        moves.append(round(before - net.weight.data().asscalar(), 6))
    assert moves == [0.5, 0.5, 0.05, 0.05]
