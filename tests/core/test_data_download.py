"""The real download path, against mirrors served by http.server on 127.0.0.1 (never the internet)."""

import hashlib
import http.server
import shutil
import socket
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from blockstudio.core.gluon.data.vision import DatasetNotFoundError, MNIST
from blockstudio.core.gluon.data.vision import download
from blockstudio.core.gluon.data.vision.download import MD5, MIRRORS, SIZES, mirrors_for

REAL_MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist"
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from a folder; under /cut/ it promises a whole file and hangs up halfway."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith(("/drip/", "/endless/", "/liar/")):
            self._misbehave()
            return
        if self.path.startswith("/cut/"):
            body = (Path(self.directory) / "good" / self.path[len("/cut/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def _misbehave(self):
        """drip: one byte every 50 ms; endless: zeros without end (64 MB at most); liar: announces
        a larger file than the real one. Every loop is bounded and stops when the client hangs up."""
        kind = self.path.split("/")[1]
        self.send_response(200)
        if kind == "drip":
            self.send_header("Content-Length", "1648877")
        elif kind == "liar":
            self.send_header("Content-Length", str(10 ** 12))
        self.end_headers()
        self.close_connection = True
        try:
            for _ in range(200 if kind == "drip" else 1024):
                self.wfile.write(b"\0" if kind == "drip" else bytes(1 << 16))
                self.wfile.flush()
                if kind == "drip":
                    time.sleep(0.05)
        except OSError:
            pass

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass        # a client hanging up mid-file is what some tests do on purpose


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Mirrors: good/ (the real files), bad/ (one byte changed), cut/ (interrupted), missing/ (404)."""
    root = tmp_path_factory.mktemp("mirrors")
    (root / "good").mkdir()
    (root / "bad").mkdir()
    for name in TEST_FILES:
        shutil.copy(REAL_MNIST / name, root / "good" / name)
        raw = bytearray((REAL_MNIST / name).read_bytes())
        raw[len(raw) // 2] ^= 0x01
        (root / "bad" / name).write_bytes(bytes(raw))
    httpd = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, server):
    monkeypatch.delenv("BLOCKSTUDIO_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    server.requests.clear()


def use_mirrors(monkeypatch, server, *names):
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", ",".join(f"{server.base}/{n}" for n in names))


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def files_in(folder):
    return sorted(p.name for p in Path(folder).rglob("*") if p.is_file())


def test_downloads_verifies_and_reports_progress(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "good")
    reports = []
    ds = MNIST(root=tmp_path / "dl", train=False, progress=lambda *r: reports.append(r))
    assert len(ds) == 10000 and int(ds[0][1]) == 7
    assert files_in(tmp_path / "dl") == sorted(TEST_FILES)
    for name in TEST_FILES:
        assert md5(tmp_path / "dl" / name) == MD5["mnist"][name]
        mine = [(done, total) for n, done, total in reports if n == name]
        size = (REAL_MNIST / name).stat().st_size
        assert mine[0] == (0, size) and mine[-1] == (size, size)
        assert all(a[0] <= b[0] for a, b in zip(mine, mine[1:]))
    # A second open finds the files and downloads nothing.
    server.requests.clear()
    MNIST(root=tmp_path / "dl", train=False)
    assert server.requests == []


def test_falls_back_past_404_bad_checksum_and_interrupted_download(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "missing", "bad", "cut", "good")
    ds = MNIST(root=tmp_path / "dl", train=False)
    assert len(ds) == 10000
    assert server.requests[:4] == [f"/{m}/{TEST_FILES[0]}" for m in ("missing", "bad", "cut", "good")]
    assert files_in(tmp_path / "dl") == sorted(TEST_FILES)       # no temporary files left behind
    assert md5(tmp_path / "dl" / TEST_FILES[0]) == MD5["mnist"][TEST_FILES[0]]


def test_every_mirror_failing_leaves_nothing_and_explains(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "bad", "cut", "missing")
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path / "dl", train=False)
    text = str(info.value)
    assert f"{server.base}/bad/{TEST_FILES[0]}: checksum mismatch: expected MD5 {MD5['mnist'][TEST_FILES[0]]}" in text
    assert f"{server.base}/cut/{TEST_FILES[0]}: " in text and "closed" in text
    assert f"{server.base}/missing/{TEST_FILES[0]}: HTTP 404" in text
    assert str(tmp_path / "dl") in text and "root=" in text and "BLOCKSTUDIO_DATA" in text
    assert files_in(tmp_path / "dl") == []


def test_unreachable_mirror(tmp_path, monkeypatch):
    with socket.socket() as s:                    # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", f"http://127.0.0.1:{port}")
    with pytest.raises(DatasetNotFoundError, match=rf"127\.0\.0\.1:{port}/t10k-images-idx3-ubyte\.gz: unreachable"):
        MNIST(root=tmp_path / "dl", train=False)


def test_progress_callback_can_cancel(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "good")

    class Cancelled(Exception):
        pass

    def progress(name, done, total):
        if done > 100_000:
            raise Cancelled

    with pytest.raises(Cancelled):
        MNIST(root=tmp_path / "dl", train=False, progress=progress)
    assert files_in(tmp_path / "dl") == []


def test_download_goes_to_the_first_searched_folder(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "good")
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(tmp_path / "env"))
    assert MNIST(train=False).root == str(tmp_path / "env" / "mnist")
    monkeypatch.delenv("BLOCKSTUDIO_DATA")
    ds = MNIST(train=False)
    assert ds.root == str(tmp_path / "xdg" / "blockstudio" / "datasets" / "mnist")
    assert files_in(ds.root) == sorted(TEST_FILES)


def test_only_missing_files_are_downloaded(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "good")
    (tmp_path / "dl").mkdir()
    shutil.copy(REAL_MNIST / TEST_FILES[1], tmp_path / "dl")
    MNIST(root=tmp_path / "dl", train=False)
    assert server.requests == [f"/good/{TEST_FILES[0]}"]


def test_download_false_never_touches_the_network(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "good")
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        MNIST(root=tmp_path / "dl", train=False, download=False)
    assert server.requests == []


def test_mirror_list(monkeypatch):
    monkeypatch.delenv("BLOCKSTUDIO_MNIST_MIRRORS", raising=False)
    assert mirrors_for("mnist") == MIRRORS["mnist"]
    assert all(u.startswith("https://") for u in MIRRORS["mnist"])
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", " http://a/x , http://b/y/ ,")
    assert mirrors_for("mnist") == ("http://a/x/", "http://b/y/")


def test_a_server_trickling_bytes_meets_the_per_file_deadline(tmp_path, monkeypatch, server):
    monkeypatch.setattr(download, "DEADLINE", 0.5)
    use_mirrors(monkeypatch, server, "drip")
    with pytest.raises(DatasetNotFoundError, match=r"drip/t10k-images-idx3-ubyte\.gz: too slow: \d+ of 1648877 bytes after 0\.5 s"):
        MNIST(root=tmp_path / "dl", train=False)
    assert files_in(tmp_path / "dl") == []


def test_an_endless_body_stops_at_the_files_size(tmp_path, monkeypatch, server):
    use_mirrors(monkeypatch, server, "endless", "liar")
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path / "dl", train=False)
    text = str(info.value)
    assert "endless/t10k-images-idx3-ubyte.gz: the server sent more than the 1648877 bytes the file has" in text
    assert "liar/t10k-images-idx3-ubyte.gz: the server announces 1000000000000 bytes, but the file has 1648877" in text
    assert files_in(tmp_path / "dl") == []


def test_known_sizes_and_https_mirrors_first():
    for name in TEST_FILES:
        assert SIZES["mnist"][name] == (REAL_MNIST / name).stat().st_size
    for dataset, mirrors in MIRRORS.items():
        schemes = [u.split(":")[0] for u in mirrors]
        assert schemes == sorted(schemes, key=lambda s: s != "https") and schemes[0] == "https", dataset
        assert set(SIZES[dataset]) == set(MD5[dataset])


WRITER = """
import sys, time
from blockstudio.core.fileio import atomic_write
with atomic_write(sys.argv[1]) as f:
    f.write(b"x" * 100000)
    f.flush()
    print("writing", flush=True)
    time.sleep(120)
"""


def test_leftovers_of_a_download_killed_by_sigterm_are_removed_by_the_next(tmp_path, monkeypatch, server):
    folder = tmp_path / "dl"
    folder.mkdir()
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder / TEST_FILES[0])],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGTERM)
    child.wait(30)
    child.stdout.close()
    assert len(os.listdir(folder)) == 1 and files_in(folder)[0].endswith(".tmp")
    use_mirrors(monkeypatch, server, "good")
    MNIST(root=folder, train=False)
    assert files_in(folder) == sorted(TEST_FILES)
