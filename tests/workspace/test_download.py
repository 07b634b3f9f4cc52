"""The headless download the app's dialog runs: folder, size, progress, skipping, cancelling."""

import pytest

from blockstudio.core.gluon.data.vision.download import MD5
from blockstudio.workspace.download import (DownloadCancelled, download_dataset, download_folder,
                                            missing_files, size_mb)

from ..tiny_mirror import mirror  # noqa: F401  (the fixture)


def test_sizes_and_folders(tmp_path, monkeypatch):
    assert (size_mb("mnist"), size_mb("fashion-mnist")) == (11, 29)
    assert download_folder("mnist", str(tmp_path / "mine")) == str(tmp_path / "mine")
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(tmp_path / "env"))
    assert download_folder("fashion-mnist") == str(tmp_path / "env" / "fashion-mnist")


def test_progress_goes_up_to_the_total_and_present_files_are_skipped(mirror, tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (target / name).write_bytes((mirror.root / name).read_bytes())
    reports = []
    assert download_dataset("mnist", str(target), progress=lambda done, total: reports.append((done, total)))
    assert sorted(p.name for p in target.iterdir()) == sorted(MD5["mnist"])
    assert f"/{name}" not in mirror.requests and len(mirror.requests) == 3
    totals = {total for _, total in reports}
    assert len(totals) == 1 and reports[-1][0] == reports[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(reports, reports[1:]))
    assert missing_files("mnist", str(target)) == []


def test_should_stop_cancels_and_leaves_nothing(mirror, tmp_path):
    target = tmp_path / "data"
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2  # let the first file start, then cancel mid-way

    with pytest.raises(DownloadCancelled):
        download_dataset("mnist", str(target), should_stop=stop)
    assert [p.name for p in target.iterdir()] == []
