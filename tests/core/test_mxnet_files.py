"""Parameter files crossing between blockstudio and real MXNet 1.9.1, checked against what MXNet
recorded (tools/record_mxnet_files.py wrote fixtures/mxnet_files/ with the oracle; no MXNet here)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from blockstudio.core import nd
from blockstudio.core.gluon import nn
from blockstudio.core.serialization import file_format, load_arrays

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "core" / "fixtures" / "mxnet_files"
RESULTS = json.loads((FILES / "results.json").read_text())
INPUTS = {k: np.array(v, np.float32) for k, v in RESULTS["inputs"].items()}


def recorder():
    spec = importlib.util.spec_from_file_location("record_mxnet_files", ROOT / "tools" / "record_mxnet_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    """The bs_* files as today's code writes them, into a fresh folder."""
    module = recorder()
    module.FOLDER = tmp_path_factory.mktemp("ours")
    module.write_ours()
    return module.FOLDER


def seq():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(16, activation="relu", in_units=10), nn.Dense(4, in_units=16))
    return net


def shared():
    return recorder().shared_net(nn)


@pytest.mark.parametrize("name", ["bs_seq", "bs_bare", "bs_shared_dedup", "bs_list", "bs_dict"])
def test_we_still_write_the_exact_files_mxnet_loaded(ours, name):
    assert (ours / (name + ".params")).read_bytes() == (FILES / (name + ".params")).read_bytes()


@pytest.mark.parametrize("name, build, data", [("bs_seq", seq, "seq"),
                                               ("bs_bare", lambda: nn.Dense(3, in_units=5), "bare"),
                                               ("bs_shared_dedup", shared, "shared")])
def test_mxnet_computes_from_our_files_what_we_compute(name, build, data):
    net = build()
    net.load_parameters(str(FILES / (name + ".params")))
    np.testing.assert_allclose(net(nd.array(INPUTS[data])).asnumpy(), RESULTS[name], rtol=1e-5, atol=1e-6)


def test_mxnet_reads_our_lists_as_lists_and_our_dtypes_as_saved():
    assert RESULTS["bs_list"]["type"] == "list"
    assert [a for a, _ in RESULTS["bs_list"]["arrays"]] == [a.tolist() for a in recorder().list_arrays()]
    for key, array in recorder().dict_arrays().items():
        assert RESULTS["bs_dict"][key] == [array.tolist(), array.dtype.name]


@pytest.mark.parametrize("name, build, data", [("mx_bare", lambda: nn.Dense(3, in_units=5), "bare"),
                                               ("mx_shared_dedup", shared, "shared")])
def test_files_mxnet_wrote_for_a_bare_layer_and_with_deduplicate_load(name, build, data):
    assert sorted(load_arrays(FILES / (name + ".params"))) == RESULTS[name]["keys"]
    net = build()
    net.load_parameters(str(FILES / (name + ".params")))
    np.testing.assert_allclose(net(nd.array(INPUTS[data])).asnumpy(), RESULTS[name]["output"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["mx_list", "mx_legacy_list"])
def test_mxnet_lists_current_and_legacy_load_as_lists(name):
    loaded = nd.load(str(FILES / (name + ".params")))
    assert type(loaded).__name__ == RESULTS[name]["type"] == "list"
    assert [[a.asnumpy().tolist(), a.dtype.name if hasattr(a.dtype, "name") else np.dtype(a.dtype).name]
            for a in loaded] == RESULTS[name]["arrays"]


def test_cast_dtype_from_the_saved_file_or_to_the_network():
    path = str(FILES / "mx_float64.params")
    net = nn.Dense(3, in_units=5)
    net.load_parameters(path, cast_dtype=True, dtype_source="saved")
    assert np.dtype(net.weight.dtype).name == RESULTS["mx_float64_saved"]["dtype"] == "float64"
    out = net(nd.array(INPUTS["bare"].astype(np.float64)))
    np.testing.assert_allclose(out.asnumpy(), RESULTS["mx_float64_saved"]["output"], rtol=1e-12)

    net = nn.Dense(3, in_units=5)
    net.load_parameters(path, cast_dtype=True, dtype_source="current")
    assert np.dtype(net.weight.dtype).name == RESULTS["mx_float64_current"]["dtype"] == "float32"
    assert net.weight.data().dtype == np.float32
    np.testing.assert_allclose(net(nd.array(INPUTS["bare"])).asnumpy(), RESULTS["mx_float64_current"]["output"],
                               rtol=1e-5, atol=1e-6)


def test_another_dtype_without_cast_dtype_is_refused_as_mxnet_refuses_it():
    assert RESULTS["mx_float64_no_cast"].startswith("refused: ")
    net = nn.Dense(3, in_units=5)
    net.initialize()
    before = net.weight.data().asnumpy().copy()
    with pytest.raises(ValueError, match=r"cast_dtype=True[\s\S]*weight: the network has float32, the file has float64"):
        net.load_parameters(str(FILES / "mx_float64.params"))
    np.testing.assert_array_equal(net.weight.data().asnumpy(), before)


def test_the_format_follows_the_file_name_unless_a_keyword_says_otherwise(tmp_path):
    net = nn.Dense(2, in_units=3)
    net.initialize()
    cases = {"a.params": None, "b.PARAMS": None, "c.npz": None, "d": None, "e.params": "npz", "f.npz": "mxnet"}
    for name, fmt in cases.items():
        net.save_parameters(str(tmp_path / name), format=fmt)
        head = (tmp_path / name).read_bytes()[:4]
        expected = file_format(name, fmt)
        assert head == ({"mxnet": b"\x12\x01\x00\x00", "npz": b"PK\x03\x04"}[expected]), name
        other = nn.Dense(2, in_units=3)
        other.load_parameters(str(tmp_path / name))
        np.testing.assert_array_equal(other.weight.data().asnumpy(), net.weight.data().asnumpy())
    assert [file_format(n, f) for n, f in cases.items()] == ["mxnet", "mxnet", "npz", "npz", "npz", "mxnet"]
    with pytest.raises(ValueError, match="format must be"):
        net.save_parameters(str(tmp_path / "g"), format="json")


@pytest.mark.parametrize("name", ["bare.npz", "bare.params"])
def test_a_bare_layer_round_trips(tmp_path, name):
    net = nn.Dense(3, in_units=4)
    net.initialize()
    net.save_parameters(str(tmp_path / name))
    assert sorted(load_arrays(tmp_path / name)) == ["bias", "weight"]
    other = nn.Dense(3, in_units=4)
    other.load_parameters(str(tmp_path / name))
    np.testing.assert_array_equal(other.weight.data().asnumpy(), net.weight.data().asnumpy())


@pytest.mark.parametrize("name", ["shared.npz", "shared.params"])
def test_a_deduplicated_file_loads_back_and_any_alias_satisfies_a_shared_parameter(tmp_path, name):
    net = shared()
    net.initialize()
    net.save_parameters(str(tmp_path / name), deduplicate=True)
    assert sorted(load_arrays(tmp_path / name)) == ["0.bias", "0.weight"]
    other = shared()
    other.load_parameters(str(tmp_path / name))
    np.testing.assert_array_equal(other[1].weight.data().asnumpy(), net[0].weight.data().asnumpy())
    # Only the second alias in the file: still enough.
    nd.save(str(tmp_path / "alias.npz"), {"1.weight": net[0].weight.data(), "1.bias": net[0].bias.data()})
    third = shared()
    third.load_parameters(str(tmp_path / "alias.npz"))
    np.testing.assert_array_equal(third[0].weight.data().asnumpy(), net[0].weight.data().asnumpy())


def test_parameter_dict_load_takes_cast_dtype(tmp_path):
    wide = nn.Dense(2, in_units=3, dtype="float64", prefix="d_")
    wide.initialize()
    wide.collect_params().save(str(tmp_path / "w.npz"))
    narrow = nn.Dense(2, in_units=3, prefix="d_")
    with pytest.raises(ValueError, match="dtype mismatch"):
        narrow.collect_params().load(str(tmp_path / "w.npz"))
    narrow.collect_params().load(str(tmp_path / "w.npz"), cast_dtype=True, dtype_source="saved")
    assert narrow.weight.data().dtype == np.float64
    np.testing.assert_array_equal(narrow.weight.data().asnumpy(), wide.weight.data().asnumpy())


@pytest.mark.parametrize("name", ["l.npz", "l.params", "l"])
def test_nd_save_of_a_list_loads_back_as_a_list(tmp_path, name):
    arrays = [nd.array([[1.0, 2.0]]), nd.array([3, 4], dtype="int32")]
    nd.save(str(tmp_path / name), arrays)
    loaded = nd.load(str(tmp_path / name))
    assert isinstance(loaded, list) and len(loaded) == 2
    for got, want in zip(loaded, arrays):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())
    nd.save(str(tmp_path / name), {"a": arrays[0]})
    assert list(nd.load(str(tmp_path / name))) == ["a"]


def test_a_big_endian_npz_loads_into_a_float32_network(tmp_path):
    net = nn.Dense(2, in_units=3)
    net.initialize()
    np.savez(tmp_path / "be.npz", weight=net.weight.data().asnumpy().astype(">f4"),
             bias=net.bias.data().asnumpy().astype(">f4"))
    other = nn.Dense(2, in_units=3)
    other.load_parameters(str(tmp_path / "be.npz"))
    np.testing.assert_array_equal(other.weight.data().asnumpy(), net.weight.data().asnumpy())
