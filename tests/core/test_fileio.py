import os
import stat

import pytest

from blockstudio.core.fileio import atomic_write


def test_replaces_the_file_only_when_the_write_succeeds(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("crash in the middle")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"


def test_new_files_get_the_usual_permissions_and_replaced_files_keep_theirs(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.txt", "w") as f:
            f.write("x")
        (tmp_path / "plain.txt").write_text("x")
        assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == \
            stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode)
        (tmp_path / "kept.txt").write_text("x")
        os.chmod(tmp_path / "kept.txt", 0o640)
        with atomic_write(tmp_path / "kept.txt", "w") as f:
            f.write("y")
        assert stat.S_IMODE(os.stat(tmp_path / "kept.txt").st_mode) == 0o640
    finally:
        os.umask(old)
