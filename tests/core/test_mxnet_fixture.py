"""A network trained-and-saved by real MXNet Gluon 1.9.1 gives MXNet's output in blockstudio.core."""

from pathlib import Path

import numpy as np
import pytest

import blockstudio.core as mx
from blockstudio.core import nd
from blockstudio.core.gluon import nn

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def mxnet_architecture():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(32, activation="relu"))
        net.add(nn.Dense(16, activation="tanh"))
        net.add(nn.Dense(10))
    return net


@pytest.mark.parametrize("initialize_first", [False, True], ids=["fresh", "initialized"])
def test_loading_mxnet_parameters_reproduces_mxnet_output(initialize_first):
    net = mxnet_architecture()
    if initialize_first:  # shapes still deferred: the file must fill them in
        net.initialize(mx.init.Xavier(magnitude=2.24))
    net.load_parameters(str(FIXTURES / "mxnet_seq_32_16_10.params"), ctx=mx.cpu())
    x = nd.array(np.load(FIXTURES / "mxnet_seq_input.npy"))
    out = net(x)
    expected = np.load(FIXTURES / "mxnet_seq_output.npy")
    assert out.shape == expected.shape == (5, 10)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-5)
