"""Download MNIST from inside the app: against a local http.server on 127.0.0.1 serving small
generated idx files (never the network), with their MD5s standing in for the published ones."""

import gzip
import hashlib
import http.server
import struct
import threading
from functools import partial

import numpy as np
import pytest

from blockstudio.core.gluon.data.vision import MNIST
from blockstudio.core.gluon.data.vision.download import MD5

from .conftest import add_net1


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
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.daemon_threads = True
    server.requests, server.gate = [], threading.Event()
    server.gate.set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", f"http://127.0.0.1:{server.server_address[1]}/")
    yield server
    server.gate.set()
    server.shutdown()
    server.server_close()


def test_download_mnist_from_the_training_panel(window, qtbot, mirror, tmp_path):
    ws, panel = window.workspace, window.training_panel
    target = tmp_path / "data"
    ws.set_training_settings(data_dir=str(target))
    button = panel.download_button
    assert button.isVisibleTo(panel)
    assert button.toolTip() == f"Download MNIST (11 MB) to {target}"
    assert "not on this computer" in panel.data_label.text()
    assert window.actions["download_data"].text().replace("&", "") == "Download MNIST…"

    button.click()
    dialog = window.download_dialog
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    assert dialog.outcome == "done", dialog.status.text()
    assert dialog.progress.value() == dialog.progress.maximum()
    assert sorted(p.name for p in target.iterdir()) == sorted(MD5["mnist"])  # nothing else left
    assert len(MNIST(root=target, train=False, download=False)) == 8
    assert not button.isVisibleTo(panel) and str(target) in panel.data_label.text()
    assert "ready" in window.statusBar().currentMessage()
    dialog.reject()


def test_cancel_leaves_nothing_behind(window, qtbot, mirror, tmp_path):
    target = tmp_path / "data"
    window.workspace.set_training_settings(data_dir=str(target))
    mirror.gate.clear()  # the server holds its answer until the user has pressed Cancel
    window.actions["download_data"].trigger()
    dialog = window.download_dialog
    qtbot.waitUntil(lambda: len(mirror.requests) == 1, timeout=10000)
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    mirror.gate.set()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    assert dialog.outcome == "cancelled"
    assert not target.exists() or list(target.iterdir()) == []
    assert window.training_panel.download_button.isVisibleTo(window.training_panel)
    dialog.reject()


def test_pass_one_batch_says_plainly_when_it_used_random_numbers(window, tmp_path):
    ws = window.workspace
    add_net1(ws)
    ws.set_training_settings(data_dir=str(tmp_path / "empty"))
    window.actions["pass_batch"].trigger()
    message = window.statusBar().currentMessage()
    assert "RANDOM NUMBERS, not MNIST images" in message and "Download MNIST" in message
