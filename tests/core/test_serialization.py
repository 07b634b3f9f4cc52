"""Parameter files: .npz round trips, reading real MXNet 1.x files, and clear errors for bad files."""

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from blockstudio.core.serialization import (
    ParameterFileError,
    load_arrays,
    save_arrays,
    save_mxnet_arrays,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
MXNET_PARAMS = FIXTURES / "mxnet_seq_32_16_10.params"

V1, V2, V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA


def sample_arrays():
    rng = np.random.default_rng(0)
    return {
        "0.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "0.bias": np.zeros(4, np.float32),
        "dense1.weight": rng.standard_normal((2, 4)),  # float64
        "counts": np.arange(6, dtype=np.int32).reshape(2, 3),
        "steps": np.array([1, -(2**40)], np.int64),
        "pixels": np.array([0, 255], np.uint8),
        "half": np.array([0.5, -2.0], np.float16),
        "mask": np.array([True, False]),
        "scalar": np.float32(3.5) * np.ones((), np.float32),
        "cube": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    }


def assert_same(got, expected):
    assert list(got) == list(expected)
    for name, array in expected.items():
        assert got[name].dtype == array.dtype, name
        assert got[name].shape == array.shape, name
        np.testing.assert_array_equal(got[name], array, err_msg=name)


def mxnet_list(arrays_bytes, names):
    """An NDArray list file around hand-made array records (independent of our writer)."""
    out = struct.pack("<QQQ", 0x112, 0, len(arrays_bytes)) + b"".join(arrays_bytes)
    out += struct.pack("<Q", len(names))
    for name in names:
        out += struct.pack("<Q", len(name.encode())) + name.encode()
    return out


def v2_record(array, flag=0, stype=0, magic=V2):
    return (struct.pack("<Ii", magic, stype) + struct.pack(f"<i{array.ndim}q", array.ndim, *array.shape)
            + struct.pack("<iii", 1, 0, flag) + array.tobytes())


def load_error(path, data):
    path.write_bytes(data)
    with pytest.raises(ParameterFileError) as info:
        load_arrays(path)
    assert str(path) in str(info.value)
    return info.value


# -- .npz -----------------------------------------------------------------------------------

def test_npz_round_trip_keeps_names_dtypes_shapes(tmp_path):
    path = tmp_path / "net.params"
    arrays = sample_arrays()
    save_arrays(path, arrays)
    assert_same(load_arrays(path), arrays)


def test_npz_is_plain_numpy_and_keeps_the_file_name(tmp_path):
    path = tmp_path / "net.params"
    arrays = sample_arrays()
    save_arrays(str(path), arrays)
    assert sorted(os.listdir(tmp_path)) == ["net.params"]  # no ".npz" appended, no temp file left
    with np.load(path) as npz:
        assert_same({name: npz[name] for name in arrays}, arrays)


def test_npz_accepts_names_that_are_numpy_savez_keywords(tmp_path):
    arrays = {"file": np.ones(2), "allow_pickle": np.zeros(1), "arr_0": np.ones(3)}
    save_arrays(tmp_path / "p", arrays)
    assert_same(load_arrays(tmp_path / "p"), arrays)


def test_npz_writes_c_order_from_any_layout(tmp_path):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    arrays = {"t": base.T, "stride": base[:, ::2], "big_endian": base.astype(">f4")}
    save_arrays(tmp_path / "p", arrays)
    got = load_arrays(tmp_path / "p")
    for name, array in arrays.items():
        np.testing.assert_array_equal(got[name], array)


def test_empty_dict_round_trips(tmp_path):
    save_arrays(tmp_path / "p", {})
    assert load_arrays(tmp_path / "p") == {}
    save_mxnet_arrays(tmp_path / "m", {})
    assert load_arrays(tmp_path / "m") == {}


@pytest.mark.parametrize("bad", [np.array([{"a": 1}], dtype=object), np.array(["text"])])
def test_non_numeric_arrays_are_refused_before_writing(tmp_path, bad):
    for save in (save_arrays, save_mxnet_arrays):
        with pytest.raises(TypeError, match="'x'.*not a plain numeric type"):
            save(tmp_path / "p", {"x": bad})
    assert not os.listdir(tmp_path)


def test_names_must_be_strings(tmp_path):
    with pytest.raises(TypeError, match="non-empty strings"):
        save_arrays(tmp_path / "p", {0: np.ones(1)})


# -- MXNet's format -------------------------------------------------------------------------

def test_reads_the_real_mxnet_fixture():
    params = load_arrays(MXNET_PARAMS)
    shapes = {name: array.shape for name, array in params.items()}
    assert shapes == {"0.weight": (32, 784), "0.bias": (32,), "1.weight": (16, 32),
                      "1.bias": (16,), "2.weight": (10, 16), "2.bias": (10,)}
    assert all(array.dtype == np.float32 and array.flags.writeable for array in params.values())


def test_fixture_weights_reproduce_mxnet_output_in_plain_numpy():
    """The loaded numbers are the right ones: MXNet's forward pass, redone by hand."""
    p = load_arrays(MXNET_PARAMS)
    x = np.load(FIXTURES / "mxnet_seq_input.npy")
    h = np.maximum(x @ p["0.weight"].T + p["0.bias"], 0)
    h = np.tanh(h @ p["1.weight"].T + p["1.bias"])
    out = h @ p["2.weight"].T + p["2.bias"]
    np.testing.assert_allclose(out, np.load(FIXTURES / "mxnet_seq_output.npy"), rtol=1e-5, atol=1e-5)


def test_mxnet_writer_reproduces_the_fixture_byte_for_byte(tmp_path):
    save_mxnet_arrays(tmp_path / "m.params", load_arrays(MXNET_PARAMS))
    assert (tmp_path / "m.params").read_bytes() == MXNET_PARAMS.read_bytes()


def test_mxnet_round_trip_all_dtypes_and_0d(tmp_path):
    arrays = sample_arrays()
    arrays["empty"] = np.zeros((0, 3), np.float32)
    save_mxnet_arrays(tmp_path / "m.params", arrays)
    assert_same(load_arrays(tmp_path / "m.params"), arrays)


def test_npz_and_mxnet_files_are_told_apart_by_content_not_name(tmp_path):
    arrays = {"w": np.ones((2, 2), np.float32)}
    save_arrays(tmp_path / "a.params", arrays)
    save_mxnet_arrays(tmp_path / "b.npz", arrays)
    assert_same(load_arrays(tmp_path / "a.params"), arrays)
    assert_same(load_arrays(tmp_path / "b.npz"), arrays)


def test_reads_v1_and_legacy_records(tmp_path):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    v1 = struct.pack("<Iiqq", V1, 2, 2, 3) + struct.pack("<iii", 1, 0, 0) + a.tobytes()
    # The oldest layout: no magic, the first word is ndim and the dims are uint32.
    legacy = struct.pack("<III", 2, 2, 3) + struct.pack("<iii", 2, 1, 0) + a.tobytes()
    (tmp_path / "m").write_bytes(mxnet_list([v1, legacy], ["old", "older"]))
    got = load_arrays(tmp_path / "m")
    np.testing.assert_array_equal(got["old"], a)
    np.testing.assert_array_equal(got["older"], a)


def test_reads_bfloat16_as_float32(tmp_path):
    values = np.array([1.0, -2.5, 3.140625], np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2")
    (tmp_path / "m").write_bytes(mxnet_list([v2_record(bf16, flag=12)], ["b"]))
    got = load_arrays(tmp_path / "m")["b"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, values)


def test_strips_arg_and_aux_prefixes(tmp_path):
    a = np.ones(2, np.float32)
    (tmp_path / "m").write_bytes(mxnet_list([v2_record(a), v2_record(a * 2)],
                                            ["arg:fc1_weight", "aux:bn_moving_mean"]))
    assert sorted(load_arrays(tmp_path / "m")) == ["bn_moving_mean", "fc1_weight"]
    (tmp_path / "d").write_bytes(mxnet_list([v2_record(a), v2_record(a)], ["arg:w", "aux:w"]))
    with pytest.raises(ParameterFileError, match="two arrays are named 'w'"):
        load_arrays(tmp_path / "d")


# -- malformed files ------------------------------------------------------------------------

def test_mxnet_file_truncated_anywhere_says_so(tmp_path):
    whole = mxnet_list([v2_record(np.ones((2, 3), np.float32)), v2_record(np.arange(3.0), flag=1)],
                       ["0.weight", "0.bias"])
    path = tmp_path / "cut.params"
    for end in range(1, len(whole)):
        err = load_error(path, whole[:end])
        assert "truncated" in str(err), (end, str(err))
        assert err.offset is not None and err.offset <= end


def test_truncation_message_names_offset_and_expected_size(tmp_path):
    whole = MXNET_PARAMS.read_bytes()
    # The first array's 32x784 float32 data starts after 24 + 4+4+4+16+12 = 64 bytes.
    err = load_error(tmp_path / "cut.params", whole[:1000])
    assert "the data of array 0 (shape (32, 784), 25088 x 4 bytes)" in str(err)
    assert "needs 100352 bytes at byte offset 64, but the file ends at byte 1000" in str(err)
    assert err.offset == 64
    err = load_error(tmp_path / "cut.params", whole[:-5])  # inside the last name
    assert "name 5" in str(err) and "truncated" in str(err)


def test_npz_truncated_at_several_offsets(tmp_path):
    save_arrays(tmp_path / "ok", sample_arrays())
    whole = (tmp_path / "ok").read_bytes()
    for end in (4, 30, 100, len(whole) // 2, len(whole) - 30, len(whole) - 1):
        err = load_error(tmp_path / "cut", whole[:end])
        assert "truncated or damaged .npz" in str(err)


def test_npz_with_flipped_byte_is_reported_not_returned(tmp_path):
    save_arrays(tmp_path / "ok", {"w": np.arange(1000, dtype=np.float32)})
    data = bytearray((tmp_path / "ok").read_bytes())
    data[300] ^= 0xFF
    assert "CRC" in str(load_error(tmp_path / "bad", bytes(data)))


def test_empty_file(tmp_path):
    err = load_error(tmp_path / "empty.params", b"")
    assert "empty (0 bytes)" in str(err) and ".npz" in str(err)


@pytest.mark.parametrize("data, shown", [
    (b"hello, these are my notes\n", "68 65 6c 6c 6f 2c 20 74"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "89 50 4e 47"),
    (b"\x1f\x8b\x08\x00" + b"\0" * 20, "gzip"),
    (b"\x12\x02\0\0\0\0\0\0" + b"\0" * 20, "12 02 00 00"),  # almost MXNet's magic
])
def test_foreign_file_is_not_a_parameter_file(tmp_path, data, shown):
    err = load_error(tmp_path / "foreign.params", data)
    assert "not a parameter file" in str(err) and shown in str(err)
    assert "accepted: .npz (numpy) and MXNet 1.x" in str(err)


def test_single_npy_file_is_explained(tmp_path):
    np.save(tmp_path / "w.npy", np.ones(3))
    err = load_error(tmp_path / "w.params", (tmp_path / "w.npy").read_bytes())
    assert "single numpy array (.npy)" in str(err)


def test_wrong_array_magic(tmp_path):
    record = bytearray(v2_record(np.ones(2, np.float32)))
    record[:4] = struct.pack("<I", 0xDEADBEEF)
    err = load_error(tmp_path / "m", mxnet_list([bytes(record)], ["w"]))
    assert "array 0 starts with 0xDEADBEEF" in str(err) and err.offset == 24


def test_absurd_array_count(tmp_path):
    data = struct.pack("<QQQ", 0x112, 0, 10**12) + b"\0" * 40
    assert "announces 1000000000000 arrays" in str(load_error(tmp_path / "m", data))


@pytest.mark.parametrize("stype, kind", [(1, "row_sparse"), (2, "csr"), (7, "unknown storage type 7")])
def test_sparse_storage_is_unsupported(tmp_path, stype, kind):
    data = mxnet_list([v2_record(np.ones(2, np.float32), stype=stype)], ["w"])
    err = load_error(tmp_path / "m", data)
    assert f"stored as {kind}" in str(err) and "tostype('default')" in str(err)


def test_unknown_dtype_flag(tmp_path):
    err = load_error(tmp_path / "m", mxnet_list([v2_record(np.ones(2, np.float32), flag=42)], ["w"]))
    assert "unknown dtype flag 42" in str(err)


def test_unnamed_list_and_name_count_mismatch(tmp_path):
    a = v2_record(np.ones(2, np.float32))
    assert "unnamed arrays" in str(load_error(tmp_path / "m", mxnet_list([a], [])))
    assert "1 arrays but 2 names" in str(load_error(tmp_path / "m", mxnet_list([a], ["a", "b"])))


def test_empty_ndarray_handle_is_reported_by_name(tmp_path):
    none_record = struct.pack("<Iii", V2, 0, 0)  # ndim 0 in MXNet 1.x: saved before initialisation
    err = load_error(tmp_path / "m", mxnet_list([none_record], ["0.weight"]))
    assert "'0.weight' holds no data" in str(err)


def test_npz_with_pickled_or_foreign_members(tmp_path):
    np.savez(tmp_path / "obj.npz", w=np.array([{"a": 1}], dtype=object))
    err = load_error(tmp_path / "obj.params", (tmp_path / "obj.npz").read_bytes())
    assert "'w.npy'" in str(err) and "pickled" in str(err)

    import zipfile
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    err = load_error(tmp_path / "docs.params", (tmp_path / "docs.zip").read_bytes())
    assert "'readme.txt'" in str(err) and "not a numpy array" in str(err)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no parameter file at .*nothing.params"):
        load_arrays(tmp_path / "nothing.params")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_arrays(tmp_path)


# -- atomicity ------------------------------------------------------------------------------

def test_failed_npz_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "net.params"
    save_arrays(path, {"w": np.ones(3)})
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def write_then_fail(fp, array, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first member is already in the archive: a half-written file
            fp.write(b"partial")
            raise OSError(28, "No space left on device")
        return real_write(fp, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        save_arrays(path, {"a": np.zeros(100), "b": np.zeros(100)})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.params"]


def test_failed_mxnet_write_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "net.params"
    save_mxnet_arrays(path, {"w": np.ones(3)})
    before = path.read_bytes()
    with pytest.raises(TypeError, match="dtype complex64 is not a plain numeric type"):
        save_mxnet_arrays(path, {"a": np.zeros(4), "z": np.zeros(2, np.complex64)})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.params"]


def test_name_that_is_not_utf8(tmp_path):
    data = mxnet_list([v2_record(np.ones(2, np.float32))], ["w"])
    data = data[:-1] + b"\xff"
    err = load_error(tmp_path / "m", data)
    assert "name 0 is not valid UTF-8" in str(err) and err.__context__ is None
