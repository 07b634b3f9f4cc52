import os
import signal
import stat
import subprocess
import sys

import pytest

from blockstudio.core.fileio import atomic_write, clean_stale_temp_files


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


WRITER = """
import sys, time
from blockstudio.core.fileio import atomic_write
with atomic_write(sys.argv[1]) as f:
    f.write(b"x" * 100000)
    f.flush()
    print("writing", flush=True)
    time.sleep(120)
"""


def killed_writer(path, sig):
    """A child process killed by ``sig`` in the middle of an atomic_write of ``path``."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "writing\n"
        # While it lives, its temporary file is a write in progress, not a leftover.
        assert clean_stale_temp_files(os.path.dirname(path)) == []
    finally:
        child.send_signal(sig)
        child.wait(30)
        child.stdout.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_leftovers_of_a_killed_write_are_removed_by_the_next_write(tmp_path, sig):
    killed_writer(tmp_path / "net.npz", sig)
    (left,) = os.listdir(tmp_path)
    assert left.startswith(".net.npz.") and left.endswith(".tmp")
    (tmp_path / ".notes.tmp").write_text("not ours")           # not our naming: kept
    with atomic_write(tmp_path / "other.txt") as f:
        f.write(b"y")
    assert sorted(os.listdir(tmp_path)) == [".notes.tmp", "other.txt"]


def test_a_write_in_progress_in_this_process_is_not_taken_for_a_leftover(tmp_path):
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"1")
        assert clean_stale_temp_files(tmp_path) == []
        with atomic_write(tmp_path / "b.bin") as g:
            g.write(b"2")
        f.write(b"3")
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.bin"]
    assert (tmp_path / "a.bin").read_bytes() == b"13"
