"""A tiny MNIST mirror on 127.0.0.1 for download tests (never the network): four small generated
idx files, their MD5s and sizes standing in for the published ones in the core's tables.

Use the ``mirror`` fixture by importing it into a test module: ``from ..tiny_mirror import mirror``.
"""

import gzip
import hashlib
import http.server
import struct
import threading
from functools import partial

import numpy as np
import pytest

from blockstudio.core.gluon.data.vision.download import MD5, SIZES


def _idx(values, kind):
    values = np.asarray(values, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, values.ndim) + b"".join(struct.pack(">I", d) for d in values.shape)
    return gzip.compress(header + values.tobytes())


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        self.server.gate.wait(10)  # a test can hold the answer back to cancel mid-download
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """Four tiny MNIST files served on 127.0.0.1, their MD5s in the core's table."""
    root = tmp_path / "mirror"
    root.mkdir()
    rng = np.random.default_rng(0)
    files = {"train-images-idx3-ubyte.gz": _idx(rng.integers(0, 255, (20, 28, 28)), "images"),
             "train-labels-idx1-ubyte.gz": _idx(rng.integers(0, 10, 20), "labels"),
             "t10k-images-idx3-ubyte.gz": _idx(rng.integers(0, 255, (8, 28, 28)), "images"),
             "t10k-labels-idx1-ubyte.gz": _idx(rng.integers(0, 10, 8), "labels")}
    for name, data in files.items():
        (root / name).write_bytes(data)
        monkeypatch.setitem(MD5["mnist"], name, hashlib.md5(data).hexdigest())
        monkeypatch.setitem(SIZES["mnist"], name, len(data))  # the downloader caps each file at its size
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.daemon_threads = True
    server.requests, server.gate, server.root = [], threading.Event(), root
    server.gate.set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", f"http://127.0.0.1:{server.server_address[1]}/")
    yield server
    server.gate.set()
    server.shutdown()
    server.server_close()
