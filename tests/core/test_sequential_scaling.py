"""Sequential indexing does constant work per layer (issue 9): touching every layer of a
5000-layer network must be linear, not a copy of all children per index."""

import tracemalloc

from blockstudio.core.gluon import nn


def _peak_bytes_of_one_index(net, i):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        layer = net[i]
        return tracemalloc.get_traced_memory()[1], layer
    finally:
        tracemalloc.stop()


def test_indexing_does_not_copy_the_children():
    small, large = nn.Sequential(), nn.Sequential()
    small.add(*[nn.Activation("relu") for _ in range(10)])
    large.add(*[nn.Activation("relu") for _ in range(5000)])
    # A copy of 5000 children would allocate about 40 kB per index; constant work allocates
    # (almost) nothing, and the same for 10 layers as for 5000.
    peak_small, _ = _peak_bytes_of_one_index(small, 5)
    peak_large, layer = _peak_bytes_of_one_index(large, 4999)
    assert peak_large < 2000, peak_large
    assert peak_large <= peak_small + 500
    assert layer is list(large._children.values())[4999]


def test_every_layer_of_5000_is_reachable_in_order():
    net = nn.Sequential()
    layers = [nn.Dense(1, in_units=1) for _ in range(5000)]
    net.add(*layers)
    assert len(net) == 5000
    assert all(net[i] is layers[i] for i in range(5000))
    assert net[-1] is layers[-1]
    sliced = net[1:3]
    assert isinstance(sliced, nn.Sequential) and list(sliced._children.values()) == layers[1:3]


def test_replacing_a_named_child_keeps_the_order():
    net = nn.Sequential()
    a, b, c = nn.Dense(1), nn.Dense(2), nn.Dense(3)
    net.add(a, b)
    net.register_child(c, "0")
    assert [net[0], net[1]] == [c, b] and len(net) == 2
