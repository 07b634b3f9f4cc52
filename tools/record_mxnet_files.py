"""Record, with real MXNet 1.9.1, that parameter files cross between blockstudio and MXNet intact.

Run from the repository with blockstudio's Python (``.venv/bin/python tools/record_mxnet_files.py``):

1. blockstudio writes ``bs_*.params`` files (``save_parameters`` / ``nd.save`` to a ``.params`` name)
   into ``tests/core/fixtures/mxnet_files/``;
2. the script runs itself under the MXNet oracle (``~/mxv/bin/python``, or ``$MXNET_PYTHON``), which
   loads those files into the same networks and records what it computes, and writes ``mx_*.params``
   files of its own (a bare layer, a deduplicated shared layer, lists in the current and the legacy
   v0 layout, float64 parameters) with the outputs it computes from them;
3. everything MXNet computed goes to ``results.json`` beside the files.

``tests/core/test_mxnet_files.py`` checks blockstudio against those records without MXNet.
"""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).resolve().parents[1] / "tests" / "core" / "fixtures" / "mxnet_files"


def values(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def inputs():
    rng = np.random.default_rng(7)
    return {"seq": rng.standard_normal((3, 10)).astype(np.float32),
            "bare": rng.standard_normal((2, 5)).astype(np.float32),
            "shared": rng.standard_normal((2, 4)).astype(np.float32)}


def list_arrays():
    return [np.arange(6, dtype=np.float32).reshape(2, 3) / 4, np.array([3, -1, 7, 0], np.int32)]


def dict_arrays():
    return {"f64": np.array([[0.1, -2.5]], np.float64), "u8": np.array([0, 7, 255], np.uint8),
            "i64": np.array([-(2 ** 40), 5], np.int64), "f16": np.array([0.5, -1.25], np.float16),
            "i8": np.array([[-3], [4]], np.int8)}


# -- blockstudio's side ----------------------------------------------------------------------

def write_ours():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from blockstudio.core import nd
    from blockstudio.core.gluon import nn

    seq = nn.Sequential()
    with seq.name_scope():
        seq.add(nn.Dense(16, activation="relu", in_units=10), nn.Dense(4, in_units=16))
    seq.initialize()
    for param, value in zip(seq.collect_params().values(), values(1, [(16, 10), (16,), (4, 16), (4,)])):
        param.set_data(nd.array(value))
    seq.save_parameters(str(FOLDER / "bs_seq.params"))

    bare = nn.Dense(3, in_units=5)
    bare.initialize()
    for param, value in zip(bare.collect_params().values(), values(2, [(3, 5), (3,)])):
        param.set_data(nd.array(value))
    bare.save_parameters(str(FOLDER / "bs_bare.params"))

    shared = shared_net(nn)
    shared.initialize()
    for param, value in zip(shared[0].collect_params().values(), values(3, [(4, 4), (4,)])):
        param.set_data(nd.array(value))
    shared.save_parameters(str(FOLDER / "bs_shared_dedup.params"), deduplicate=True)

    nd.save(str(FOLDER / "bs_list.params"), [nd.array(a, dtype=a.dtype) for a in list_arrays()])
    nd.save(str(FOLDER / "bs_dict.params"), {k: nd.array(a, dtype=a.dtype) for k, a in dict_arrays().items()})


def shared_net(nn):
    net = nn.Sequential()
    with net.name_scope():
        first = nn.Dense(4, activation="tanh", in_units=4)
        net.add(first, nn.Dense(4, in_units=4, params=first.params))
    return net


# -- MXNet's side ------------------------------------------------------------------------------

def oracle():
    import mxnet as mx
    from mxnet.gluon import nn

    x = inputs()
    results = {"mxnet": mx.__version__, "inputs": {k: v.tolist() for k, v in x.items()}}

    def run(net, data):
        return net(mx.nd.array(data)).asnumpy().tolist()

    seq = nn.Sequential()
    seq.add(nn.Dense(16, activation="relu", in_units=10), nn.Dense(4, in_units=16))
    seq.load_parameters(str(FOLDER / "bs_seq.params"))
    results["bs_seq"] = run(seq, x["seq"])

    bare = nn.Dense(3, in_units=5)
    bare.load_parameters(str(FOLDER / "bs_bare.params"))
    results["bs_bare"] = run(bare, x["bare"])

    shared = shared_net(nn)
    shared.load_parameters(str(FOLDER / "bs_shared_dedup.params"))
    results["bs_shared_dedup"] = run(shared, x["shared"])

    loaded = mx.nd.load(str(FOLDER / "bs_list.params"))
    results["bs_list"] = {"type": type(loaded).__name__,
                          "arrays": [[a.asnumpy().tolist(), str(a.dtype.__name__ if hasattr(a.dtype, "__name__") else a.dtype)] for a in loaded]}
    loaded = mx.nd.load(str(FOLDER / "bs_dict.params"))
    results["bs_dict"] = {k: [a.asnumpy().tolist(), np.dtype(a.dtype).name] for k, a in loaded.items()}

    # Files MXNet writes, for blockstudio to read.
    bare = nn.Dense(3, in_units=5)
    bare.initialize()
    for param, value in zip(bare.collect_params().values(), values(4, [(3, 5), (3,)])):
        param.set_data(mx.nd.array(value))
    bare.save_parameters(str(FOLDER / "mx_bare.params"))
    results["mx_bare"] = {"keys": sorted(mx.nd.load(str(FOLDER / "mx_bare.params"))),
                          "output": run(bare, x["bare"])}

    shared = shared_net(nn)
    shared.initialize()
    for param, value in zip(shared[0].collect_params().values(), values(5, [(4, 4), (4,)])):
        param.set_data(mx.nd.array(value))
    shared.save_parameters(str(FOLDER / "mx_shared_dedup.params"), deduplicate=True)
    results["mx_shared_dedup"] = {"keys": sorted(mx.nd.load(str(FOLDER / "mx_shared_dedup.params"))),
                                  "output": run(shared, x["shared"])}

    mx.nd.save(str(FOLDER / "mx_list.params"), [mx.nd.array(a, dtype=a.dtype) for a in list_arrays()])
    legacy_list(FOLDER / "mx_legacy_list.params", list_arrays())
    for name in ("mx_list", "mx_legacy_list"):
        loaded = mx.nd.load(str(FOLDER / (name + ".params")))
        results[name] = {"type": type(loaded).__name__,
                         "arrays": [[a.asnumpy().tolist(), np.dtype(a.dtype).name] for a in loaded]}

    wide = nn.Dense(3, in_units=5, dtype="float64")
    wide.initialize()
    for param, value in zip(wide.collect_params().values(), values(6, [(3, 5), (3,)])):
        param.set_data(mx.nd.array(value, dtype="float64"))
    wide.save_parameters(str(FOLDER / "mx_float64.params"))
    narrow = nn.Dense(3, in_units=5)
    narrow.load_parameters(str(FOLDER / "mx_float64.params"), cast_dtype=True, dtype_source="saved")
    out = narrow(mx.nd.array(x["bare"], dtype="float64"))
    results["mx_float64_saved"] = {"dtype": np.dtype(narrow.weight.dtype).name,
                                   "output": out.asnumpy().tolist()}
    narrow = nn.Dense(3, in_units=5)
    narrow.load_parameters(str(FOLDER / "mx_float64.params"), cast_dtype=True, dtype_source="current")
    results["mx_float64_current"] = {"dtype": np.dtype(narrow.weight.dtype).name,
                                     "output": run(narrow, x["bare"])}
    try:
        nn.Dense(3, in_units=5).load_parameters(str(FOLDER / "mx_float64.params"))
        results["mx_float64_no_cast"] = "loaded"
    except AssertionError as err:
        results["mx_float64_no_cast"] = "refused: " + str(err)

    (FOLDER / "results.json").write_text(json.dumps(results, indent=1) + "\n")


def legacy_list(path, arrays):
    """A list file in the oldest (v0) array layout: the magic is ndim, dims are uint32, no storage
    type; MXNet 1.x still reads it (NDArray::LegacyLoad). Names: none (a list)."""
    flags = {np.dtype(np.float32): 0, np.dtype(np.int32): 4}
    out = struct.pack("<QQQ", 0x112, 0, len(arrays))
    for a in arrays:
        out += struct.pack(f"<I{a.ndim}I", a.ndim, *a.shape) + struct.pack("<iii", 1, 0, flags[a.dtype])
        out += a.tobytes()
    out += struct.pack("<Q", 0)
    Path(path).write_bytes(out)


if __name__ == "__main__":
    if sys.argv[1:] == ["--oracle"]:
        oracle()
    else:
        FOLDER.mkdir(parents=True, exist_ok=True)
        write_ours()
        python = os.environ.get("MXNET_PYTHON", os.path.expanduser("~/mxv/bin/python"))
        subprocess.run([python, __file__, "--oracle"], check=True)
        print("recorded in", FOLDER)
