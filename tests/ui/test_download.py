"""Download MNIST from inside the app: against a local http.server on 127.0.0.1 serving small
generated idx files (never the network), with their MD5s standing in for the published ones."""

from blockstudio.core.gluon.data.vision import MNIST
from blockstudio.core.gluon.data.vision.download import MD5

from ..tiny_mirror import mirror  # noqa: F401  (the fixture)
from .conftest import add_net1


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


def test_a_failed_download_says_which_mirror_failed_and_why(window, qtbot, mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", f"http://127.0.0.1:{mirror.server_address[1]}/missing/")
    target = tmp_path / "data"
    window.workspace.set_training_settings(data_dir=str(target))
    window.actions["download_data"].trigger()
    dialog = window.download_dialog
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    assert dialog.outcome == "failed"
    assert "/missing/train-images-idx3-ubyte.gz: HTTP 404" in dialog.status.text()
    assert not target.exists() or list(target.iterdir()) == []
    assert "failed" in window.statusBar().currentMessage()
    dialog.reject()
