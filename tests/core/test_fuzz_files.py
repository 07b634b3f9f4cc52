"""Property-based fuzzing of the file readers: .npz and MXNet .params parameter files, idx datasets.

Every input, mutated from a valid file or crafted field by field, must give either a correct load or a
clean error naming the file (a ValueError subclass or an OSError with the path in its message), in
bounded memory and without hanging. The default run tries a few hundred inputs per reader; the
opt-in ``-m fuzz`` run tries thousands (``pytest -m fuzz tests/core/test_fuzz_files.py``).
"""

import gzip
import io
import signal
import struct
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blockstudio.core import nd
from blockstudio.core.gluon.data.vision.idx import read_idx
from blockstudio.core.serialization import load_arrays, read_headers, save_arrays, save_mxnet_arrays

QUICK, LONG = 150, 5000
MEMORY_BOUND = 64 << 20   # inputs are a few KB: no reader may need more than this for one
HANG_SECONDS = 20         # a guard against hangs, far above the milliseconds an input takes
INTERESTING = [0, 1, 2, 0x7F, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 2 ** 40,
               0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x112, 0xF993FAC9, 0xF993FACA, 0xF993FAC8]
FIXTURE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "mxnet_seq_32_16_10.params"


def _arrays():
    rng = np.random.default_rng(0)
    return {"0.weight": rng.standard_normal((3, 4)).astype(np.float32), "0.bias": np.zeros(3, np.float32),
            "c": np.arange(5, dtype=np.int64), "m": np.array([True, False]), "h": np.ones((), np.float16)}


def _seed_files():
    folder = Path(tempfile.mkdtemp(prefix="bs-fuzz-seeds-"))
    save_arrays(folder / "a.npz", _arrays())
    save_mxnet_arrays(folder / "a.params", _arrays())
    np.savez_compressed(folder / "c.npz", w=np.arange(12, dtype=np.float32).reshape(3, 4), b=np.zeros(3))
    nd.save(str(folder / "l.params"), [nd.ones((2, 3)), nd.zeros((4,))])
    labels = struct.pack(">II", 0x801, 6) + bytes([0, 1, 2, 3, 4, 5])
    images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
    return {
        "npz": [(folder / n).read_bytes() for n in ("a.npz", "c.npz")],
        "mxnet": [(folder / n).read_bytes() for n in ("a.params", "l.params")],
        "idx": [labels, images, gzip.compress(labels), gzip.compress(images)],
    }


SEEDS = _seed_files()
if FIXTURE.exists():
    SEEDS["mxnet"].append(FIXTURE.read_bytes()[:4096])   # the real file's head (its arrays cut short)


@st.composite
def mutated(draw, seeds):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "int"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == "int":
            fmt = draw(st.sampled_from(["<Q", "<I", ">I", "<i", "<H"]))
            size = struct.calcsize(fmt)
            value = draw(st.sampled_from(INTERESTING)) % (1 << (8 * size))
            if fmt == "<i":
                value -= (1 << 32) if value >= 1 << 31 else 0
            if pos + size <= len(data):
                struct.pack_into(fmt, data, pos, value)
    return bytes(data)


_DESCRS = ["<f4", "<f8", "|u1", "<i8", "|b1", ">f4", "<f2", "<U3", "|S2", "<M8[D]", "<c8", "|O", "|V4",
           "[('a', '<f4')]", "garbage", "<f4 ", "(3,)<f4"]
_DIMS = st.one_of(st.integers(0, 6), st.sampled_from([2 ** 31, 2 ** 40, 2 ** 62, 2 ** 64]), st.integers(-3, -1))


@st.composite
def crafted_npz(draw):
    members = []
    for _ in range(draw(st.integers(0, 3))):
        shape = tuple(draw(st.lists(_DIMS, max_size=4)))
        descr = draw(st.sampled_from(_DESCRS))
        descr_text = descr if descr.startswith("[") else repr(descr)
        header = "{'descr': %s, 'fortran_order': %s, 'shape': %r, }" % (
            descr_text, draw(st.booleans()), shape)
        header = header.encode("latin1")
        header += b" " * (-(len(header) + 11) % 64) + b"\n"
        npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
        name = draw(st.sampled_from(["w.npy", "b.npy", "w.npy", "x.txt", "a/b.npy"]))
        members.append((name, npy + draw(st.binary(max_size=64))))
    buf = io.BytesIO()
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with _quiet():  # zipfile warns about the duplicate names some inputs have
        with zipfile.ZipFile(buf, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue() + draw(st.sampled_from([b"", b"", b"tail"]))


@st.composite
def crafted_mxnet(draw):
    count = draw(st.integers(0, 3))
    out = struct.pack("<QQQ", 0x112, 0, draw(st.sampled_from([count, count, count + 1, 2 ** 63])))
    for _ in range(count):
        magic = draw(st.sampled_from([0xF993FAC9, 0xF993FACA, 0xF993FAC8, 1, 2, 33, 0xDEADBEEF]))
        out += struct.pack("<I", magic)
        if magic in (0xF993FAC9, 0xF993FACA):
            out += struct.pack("<i", draw(st.sampled_from([0, 0, 1, 2, -5])))
        ndim = draw(st.sampled_from([0, 1, 2, 3, -1, 40, -7]))
        if magic > 32:
            out += struct.pack("<i", ndim)
        else:
            ndim = magic
        dims = [draw(_DIMS) for _ in range(max(ndim, 0) if ndim <= 8 else 0)]
        for d in dims:
            out += _pack_dim("<q" if magic > 32 else "<I", d)
        out += struct.pack("<iii", 1, 0, draw(st.integers(-1, 14)))
        out += draw(st.binary(max_size=48))
    names = draw(st.lists(st.sampled_from(["w", "b", "arg:w", "aux:w", "", "\udcff"]), max_size=4))
    out += struct.pack("<Q", len(names))
    for name in names:
        raw = name.encode("utf-8", "surrogateescape")
        out += struct.pack("<Q", draw(st.sampled_from([len(raw), len(raw), 2 ** 40]))) + raw
    return out + draw(st.sampled_from([b"", b"", b"x"]))


def _pack_dim(fmt, d):
    bits = 64 if fmt == "<q" else 32
    value = d % (1 << bits)
    if fmt == "<q" and value >= 1 << 63:
        value -= 1 << 64
    return struct.pack(fmt, value)


@st.composite
def crafted_idx(draw):
    magic = draw(st.sampled_from([0x801, 0x803, 0x802, 0x0D03, 0x89504E47]))
    ndim = magic & 0xFF if magic < 0x10000 else 3
    dims = [draw(st.one_of(st.integers(0, 8), st.sampled_from([2 ** 31, 2 ** 32 - 1]))) for _ in range(min(ndim, 4))]
    data = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims)
    data += draw(st.binary(max_size=96))
    return gzip.compress(data) if draw(st.booleans()) else data


class _quiet:
    def __enter__(self):
        import warnings
        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


class _Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hang()


def check(path, data, read, verify):
    """Write ``data`` to ``path``; ``read(path)`` must load correctly or fail cleanly, bounded."""
    path.write_bytes(data)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    tracemalloc.start()
    try:
        result = read(path)
    except (ValueError, OSError) as err:
        assert str(path) in str(err), f"error without the file name: {type(err).__name__}: {err}"
        result = None
    except _Hang:
        pytest.fail(f"reading {len(data)} bytes took more than {HANG_SECONDS} s: {data[:200]!r}")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak < MEMORY_BOUND, f"{peak} bytes of memory for a {len(data)}-byte input"
    if result is not None:
        verify(result)


def verify_arrays(result):
    values = result.values() if isinstance(result, dict) else result
    for value in values:
        value = value.asnumpy() if hasattr(value, "asnumpy") else value
        assert isinstance(value, np.ndarray) and value.dtype.kind in "biuf", value.dtype
        assert value.dtype.isnative


def verify_headers(result):
    for info in result.values():
        assert info.dtype.kind in "biuf" and all(d >= 0 for d in info.shape)


def read_parameters(path):
    headers = read_headers(path)
    verify_headers(headers)
    arrays = load_arrays(path)
    assert {k: (v.shape, v.dtype) for k, v in arrays.items()} == {k: (h.shape, h.dtype) for k, h in headers.items()}
    return arrays


def read_list_or_dict(path):
    return nd.load(str(path))


def read_idx_any(path):
    for kind in ("labels", "images"):
        try:
            array = read_idx(path, kind)
        except ValueError as err:
            assert str(path) in str(err)
            continue
        assert array.dtype == np.uint8 and array.ndim == (1 if kind == "labels" else 3)
        assert not array.flags.writeable
    return None


def _run(strategy, read, verify, examples, suffix):
    folder = Path(tempfile.mkdtemp(prefix="bs-fuzz-"))
    counter = iter(range(10 ** 9))

    @settings(max_examples=examples, deadline=None, database=None, derandomize=examples == QUICK,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def run(data):
        # A new name per input: the idx reader caches by name, size and time.
        check(folder / f"input{next(counter)}{suffix}", data, read, verify)

    run()


CASES = {
    "npz": (lambda: st.one_of(mutated(SEEDS["npz"]), crafted_npz()), read_parameters, verify_arrays, ".npz"),
    "mxnet": (lambda: st.one_of(mutated(SEEDS["mxnet"]), crafted_mxnet()), read_list_or_dict, verify_arrays,
              ".params"),
    "mxnet-params": (lambda: st.one_of(mutated(SEEDS["mxnet"]), crafted_mxnet()), read_parameters,
                     verify_arrays, ".params"),
    "idx": (lambda: st.one_of(mutated(SEEDS["idx"]), crafted_idx()), read_idx_any, lambda r: None, ".gz"),
}


@pytest.mark.parametrize("reader", list(CASES))
def test_readers_survive_mutated_and_crafted_files(reader):
    strategy, read, verify, suffix = CASES[reader]
    _run(strategy(), read, verify, QUICK, suffix)


@pytest.mark.fuzz
@pytest.mark.parametrize("reader", list(CASES))
def test_readers_survive_a_long_fuzzing_run(reader):
    strategy, read, verify, suffix = CASES[reader]
    _run(strategy(), read, verify, LONG, suffix)
