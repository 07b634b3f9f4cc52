"""Save writes the project and its parameters as a pair: a process killed at any step of a save leaves
a project that opens with parameters that fit it; stale temporary files of ours are cleaned up."""

import json
import os
import signal
import time

import numpy as np
import pytest

from blockstudio.workspace import Workspace, savepair
from blockstudio.workspace.recent import RecentFiles
from tests.workspace.conftest import add_net1

STEPS = ("start", "parameters-written", "project-written", "old-removed")


def values(ws):
    return {name: p.data().asnumpy() for name, p in ws.network.collect_params().items() if p._data is not None}


def reopen(path, folder):
    other = Workspace(recent_files=RecentFiles(folder / "r-check.json"))
    warnings = other.open(path)
    return other, warnings


def crash_during_save(ws, path, step, how, edit):
    """Fork; the child makes ``edit`` and saves, dying at ``step`` (os._exit or SIGKILL)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            edit(ws)

            def hook(name):
                if name == step:
                    np.savez(os.fspath(path) + ".child.npz", **values(ws))  # what "after" is
                    os.kill(os.getpid(), signal.SIGKILL) if how == "kill" else os._exit(9)
            savepair.CRASH_HOOK = hook
            ws.save(path)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def change_architecture(ws):
    ws.update_layer(ws.layers[0].uid, units=48)  # a new architecture...
    ws.pass_batch()                             # ...with values for all of it


def more_training(ws):
    for param in ws.network.collect_params().values():
        param.data()[:] = param.data() * 0.5   # same architecture, new values
    ws._params_dirty = True


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_a_save_killed_at_any_step_leaves_a_consistent_pair(tmp_path, how):
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    add_net1(ws)
    ws.pass_batch()
    ws.save_parameters(tmp_path / "start.npz")
    ws.load_parameters(tmp_path / "start.npz")
    path = tmp_path / "mlp.bsproj"
    ws.save(path)
    before = values(ws)
    for edit in (change_architecture, more_training):
        for step in STEPS:
            saved_project = path.read_bytes()
            referenced = tmp_path / json.loads(saved_project)["parameters"]
            saved_params = referenced.read_bytes()
            status = crash_during_save(ws, path, step, how, edit)
            with np.load(str(path) + ".child.npz") as child:
                after = dict(child)
            assert os.WIFSIGNALED(status) if how == "kill" else os.WEXITSTATUS(status) == 9
            other, warnings = reopen(path, tmp_path)
            assert warnings == [], (step, warnings)
            got = values(other)
            assert other.has_trained_parameters
            same_as = [name for name, want in (("before", before), ("after", after))
                       if sorted(got) == sorted(want) and all(np.array_equal(got[k], want[k]) for k in want)]
            assert same_as == (["before"] if step in ("start", "parameters-written") else ["after"]), step
            # Every parameters file of ours is either the one the project names or a leftover that the
            # next save replaces: never more than one leftover.
            ours = [f for f in os.listdir(tmp_path) if savepair.is_owned(path, f)]
            assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
            assert len(ours) <= 2, ours
            for name in ours:  # back to "before" for the next step
                os.unlink(tmp_path / name)
            path.write_bytes(saved_project)
            referenced.write_bytes(saved_params)
        ws.open(path)
        edit(ws)
        ws.save()  # the real save this time; then the next edit is crashed into
        before = values(ws)
    savepair.CRASH_HOOK = None


def test_saves_alternate_between_two_names_and_remove_the_old_file(tmp_path):
    ws = Workspace(recent_files=RecentFiles(tmp_path / "r.json"))
    add_net1(ws)
    ws.pass_batch()
    ws.save_parameters(tmp_path / "start.npz")
    ws.load_parameters(tmp_path / "start.npz")
    names = []
    for _ in range(3):
        ws.save(tmp_path / "mlp.bsproj")
        names.append(os.path.basename(ws.parameters_path))
        assert sorted(f for f in os.listdir(tmp_path) if "parameters" in f) == [names[-1]]
    assert names == ["mlp.parameters.npz", "mlp.parameters.2.npz", "mlp.parameters.npz"]


def test_stale_temp_files_of_ours_are_removed_by_the_next_save(tmp_path):
    import fcntl

    ws = Workspace(recent_files=RecentFiles(tmp_path / "config" / "recent.json"))
    add_net1(ws)
    ws.pass_batch()
    ws.save_parameters(tmp_path / "start.npz")
    ws.load_parameters(tmp_path / "start.npz")
    # Leftovers of interrupted atomic writes (".NAME.XXXXXXXX.tmp", nobody holding them).
    stale = [tmp_path / ".mlp.bsproj.a1b2c3d4.tmp", tmp_path / ".mlp.parameters.npz.zz_9xy01.tmp",
             tmp_path / ".mlp.parameters.2.npz.q1w2e3r4.tmp", tmp_path / ".other.bsproj.a1b2c3d4.tmp",
             tmp_path / "config" / ".recent.json.abcdefgh.tmp"]
    live = tmp_path / ".mlp.bsproj.fresh123.tmp"          # another save is writing it right now
    foreign = [tmp_path / ".mlp.bsproj.notours.tmp", tmp_path / "mlp.bsproj.a1b2c3d4.tmp"]
    (tmp_path / "config").mkdir()
    old = time.time() - 2 * savepair.TEMP_MAX_AGE
    for file in stale + foreign + [live]:
        file.write_bytes(b"x" * 100)
        os.utime(file, (old, old))
    with open(live, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)      # as atomic_write holds its temp file
        ws.save(tmp_path / "mlp.bsproj")
        ws.add_layer("Flatten")
        ws.save()                                      # writes the recent list too
    assert not any(f.exists() for f in stale), [f.name for f in stale if f.exists()]
    assert all(f.exists() for f in foreign) and live.exists()


def test_stale_temp_files_of_a_parameters_file_or_a_script_are_removed_by_the_next_write(ws, tmp_path):
    add_net1(ws)
    ws.pass_batch()
    old = time.time() - 2 * savepair.TEMP_MAX_AGE
    stale = [tmp_path / ".p.npz.abcd1234.tmp", tmp_path / ".s.py.abcd1234.tmp"]
    for file in stale:
        file.write_bytes(b"x")
        os.utime(file, (old, old))
    ws.save_parameters(tmp_path / "p.npz")
    ws.export_script(tmp_path / "s.py")
    assert not any(f.exists() for f in stale)
