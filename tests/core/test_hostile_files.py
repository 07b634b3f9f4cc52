"""Parameter, dataset and optimizer-state files from strangers (issue 9): bombs, lies in headers,
foreign dtypes and devices are refused with the file's name, within bounded memory."""

import gzip
import io
import os
import struct
import subprocess
import sys
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

from blockstudio.core import autograd, gluon, nd
from blockstudio.core.gluon import nn
from blockstudio.core.gluon.data.vision.idx import DatasetFileError, read_idx
from blockstudio.core.serialization import ParameterFileError, load_arrays, read_headers, save_arrays

MB = 1 << 20


def npy_header(dtype, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                               "fortran_order": False, "shape": shape})
    return buf.getvalue()


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def zero_bomb(path, header, nbytes):
    """A deflated .npz member of ``nbytes`` zeros after ``header``, streamed (small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("weight.npy", "w", force_zip64=True) as member:
            member.write(header)
            zeros = bytes(MB)
            for _ in range(nbytes // MB):
                member.write(zeros)


def peak_bytes(fn, *args, **kwargs):
    tracemalloc.start()
    try:
        try:
            fn(*args, **kwargs)
        except (ValueError, OSError) as err:
            result = err
        else:
            result = None
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def refused(path, data=None, match=None, **kwargs):
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(ParameterFileError) as info:
        load_arrays(path, **kwargs)
    assert str(path) in str(info.value)
    if match:
        assert match in str(info.value), str(info.value)
    return info.value


# -- .npz bombs and lying headers ----------------------------------------------------------

def test_an_npz_bomb_is_refused_by_its_header_before_it_inflates(tmp_path):
    path = tmp_path / "bomb.npz"
    zero_bomb(path, npy_header("<f4", (4, 4 * MB)), 64 * MB)
    assert path.stat().st_size < 2 * MB
    net = nn.Dense(4, in_units=3, use_bias=False)
    net.initialize()
    peak, err = peak_bytes(net.load_parameters, str(path))
    assert isinstance(err, ValueError) and "bomb.npz" in str(err)
    assert "weight: the network expects (4, 3), the file has (4, 4194304)" in str(err)
    assert peak < 8 * MB
    peak, err = peak_bytes(load_arrays, path, max_bytes=MB)
    assert isinstance(err, ParameterFileError) and "over the 1048576-byte limit" in str(err)
    assert peak < 8 * MB


def test_a_tiny_npz_declaring_terabytes_is_refused_not_a_memory_error(tmp_path):
    for shape in [(2 ** 40,), (2 ** 31, 2 ** 31), (2 ** 62, 2 ** 62)]:
        data = zip_bytes([("w.npy", npy_header("<f4", shape))])
        assert len(data) < 400
        err = refused(tmp_path / "huge.npz", data, match="declares shape")
        assert "fewer than the array needs" in str(err) or "which no array can have" in str(err)


def test_the_budget_bounds_what_load_arrays_reads(tmp_path):
    save_arrays(tmp_path / "p.npz", {"a": np.zeros(1000, np.float32), "b": np.zeros(1000, np.float32)})
    refused(tmp_path / "p.npz", match="over the 6000-byte limit", max_bytes=6000)
    assert set(load_arrays(tmp_path / "p.npz", max_bytes=8000)) == {"a", "b"}
    assert read_headers(tmp_path / "p.npz")["a"].shape == (1000,)


@pytest.mark.parametrize("array, word", [
    (np.array(["abc"]), "string"), (np.array([b"abc"]), "bytes"),
    (np.array(["2020-01-01"], "datetime64[D]"), "datetime"), (np.array([1], "timedelta64[s]"), "timedelta"),
    (np.array([1 + 2j]), "complex"), (np.zeros(2, [("a", "<f4"), ("b", "<i4")]), "structured"),
    (np.array([{"x": 1}], dtype=object), "Python objects")])
def test_npz_members_of_foreign_dtypes_are_refused(tmp_path, array, word):
    np.savez(tmp_path / "odd.npz", w=array)
    refused(tmp_path / "odd.npz", match=word)


def test_duplicate_member_names_are_refused(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros(3, np.float32))
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = zip_bytes([("w.npy", buf.getvalue()), ("w.npy", buf.getvalue())])
    refused(tmp_path / "dup.npz", data, match="two members named 'w.npy'")


def test_trailing_data_after_the_archive_or_inside_a_member_is_refused(tmp_path):
    save_arrays(tmp_path / "p.npz", {"w": np.ones(3, np.float32)})
    good = (tmp_path / "p.npz").read_bytes()
    refused(tmp_path / "tail.npz", good + b"hidden payload", match="14 bytes of unexpected data follow")
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ones(3, np.float32))
    refused(tmp_path / "member.npz", zip_bytes([("w.npy", buf.getvalue() + b"xx")]),
            match="more than the array needs")


def test_zipfile_errors_name_the_file(tmp_path):
    save_arrays(tmp_path / "p.npz", {"w": np.ones(3, np.float32)})
    data = bytearray((tmp_path / "p.npz").read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, end + 16, len(data) + 1000)  # zipfile: "negative seek value"
    refused(tmp_path / "seek.npz", bytes(data), match="cannot be read")


def test_devices_and_fifos_are_refused_without_reading_them(tmp_path):
    err = refused(__import__("pathlib").Path("/dev/zero"))
    assert "not a regular file" in str(err)
    fifo = tmp_path / "pipe.params"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_error_of(load_arrays, fifo)), daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("load_arrays blocked on a FIFO")
    assert isinstance(outcome[0], ParameterFileError) and "not a regular file" in str(outcome[0])
    with pytest.raises(DatasetFileError, match="pipe.params: is not a regular file"):
        read_idx(fifo, "labels")


def _error_of(fn, *args):
    try:
        fn(*args)
    except Exception as err:  # noqa: BLE001 - handed to the test thread
        return err
    return None


# -- idx --------------------------------------------------------------------------------------

def test_idx_dimensions_that_overflow_int64_are_refused_with_the_file_name(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(struct.pack(">I3I", 0x803, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1) + bytes(100))
    with pytest.raises(DatasetFileError, match=r"t10k-images-idx3-ubyte: declares 4294967295 images"):
        read_idx(path, "images")


def test_an_idx_gz_bomb_is_refused_after_its_header_not_after_inflating(tmp_path):
    declared = tmp_path / "declared.gz"      # the header itself declares gigabytes
    with gzip.open(declared, "wb", compresslevel=1) as f:
        f.write(struct.pack(">II", 0x801, 2 ** 31))
        for _ in range(64):
            f.write(bytes(MB))
    peak, err = peak_bytes(read_idx, declared, "labels")
    assert isinstance(err, DatasetFileError) and "declared.gz: declares 2147483648 labels" in str(err)
    assert peak < 8 * MB
    hidden = tmp_path / "hidden.gz"          # an honest header, then a flood
    with gzip.open(hidden, "wb", compresslevel=1) as f:
        f.write(struct.pack(">II", 0x801, 12) + bytes(12))
        for _ in range(64):
            f.write(bytes(MB))
    peak, err = peak_bytes(read_idx, hidden, "labels")
    assert isinstance(err, DatasetFileError) and "more than 65536 bytes beyond the 12 labels" in str(err)
    assert peak < 8 * MB


# -- writing ------------------------------------------------------------------------------------

def test_a_write_error_without_a_path_names_the_file(tmp_path):
    # A file size limit makes write() fail with EFBIG and no file name, as a full disk does (ENOSPC).
    script = (
        "import resource, signal, sys, numpy as np\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
        "from blockstudio.core.serialization import save_arrays\n"
        "try:\n"
        "    save_arrays(sys.argv[1], {'w': np.zeros(100000, np.float32)})\n"
        "except OSError as err:\n"
        "    print(type(err).__name__, err)\n")
    target = tmp_path / "big.npz"
    out = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True,
                         timeout=60)
    assert "File too large" in out.stdout and str(target) in out.stdout, out.stdout + out.stderr
    assert os.listdir(tmp_path) == []


# -- optimizer states ------------------------------------------------------------------------

def _trained(optimizer, params):
    net = nn.Dense(2, in_units=3)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), optimizer, params)
    with autograd.record():
        loss = (net(nd.ones((1, 3))) ** 2).sum()
    loss.backward()
    trainer.step(1)
    return trainer


@pytest.mark.parametrize("optimizer, params, edit, message", [
    ("adam", {}, lambda a: a.update({"0.mean": np.zeros((5, 5))}), "must be a float32 array of shape (2, 3)"),
    ("adam", {}, lambda a: a.update({"0.var": np.full((2, 3), np.nan, np.float32)}), "non-finite"),
    ("adam", {}, lambda a: a.pop("1.var"), "needs 1.mean, 1.t, 1.var"),
    ("adam", {}, lambda a: a.update({"0.t": np.array(-3)}), "0.t must be a non-negative integer"),
    ("adam", {}, lambda a: a.update({"7.mean": np.zeros(2)}), "parameter 7, but this Trainer has 2"),
    ("adam", {}, lambda a: a.update({"0.x; import os": np.zeros(2)}), "unknown entry"),
    ("adam", {}, lambda a: a.update({"__num_update__": np.array(1.5)}), "__num_update__ must be"),
    ("sgd", {"momentum": 0.9}, lambda a: a.update({"1": np.zeros((2, 3))}), "must be a float32 array of shape (2,)"),
    ("sgd", {}, lambda a: a.update({"0": np.zeros((2, 3))}), "SGD keeps no state"),
])
def test_trainer_load_states_validates_and_changes_nothing(tmp_path, optimizer, params, edit, message):
    trainer = _trained(optimizer, {"learning_rate": 0.1, **params})
    trainer.save_states(str(tmp_path / "s.states"))
    arrays = load_arrays(tmp_path / "s.states")
    edit(arrays)
    save_arrays(tmp_path / "bad.states", arrays)
    before = (dict(trainer._states), trainer.optimizer.num_update)
    with pytest.raises(ValueError) as info:
        trainer.load_states(str(tmp_path / "bad.states"))
    assert str(tmp_path / "bad.states") in str(info.value) and message in str(info.value)
    assert (dict(trainer._states), trainer.optimizer.num_update) == before
    trainer.load_states(str(tmp_path / "s.states"))   # the genuine file still loads
