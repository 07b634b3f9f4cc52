"""Memory stays flat: 15 epochs of training in the workspace, and 400 open/close cycles of a project.

Figures, in one process (resident set size from /proc, in MB; the Python heap from tracemalloc
where it is cheap enough):

  train   the tutorial's MLP trained by the workspace (the app's path) for --epochs epochs on the
          first --limit images: the resident size after each epoch; flat means the growth from the
          2nd to the last epoch is a small fraction of one epoch's data
  cycles  a saved project with trained parameters opened, its network and shapes read, then New,
          --cycles times: the resident size and the Python heap every 100 cycles

    python bench/bench_memory.py [--data DIR] [--epochs 15] [--limit 20000] [--cycles 400]
"""

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy  # noqa: F401 - loaded before threadpoolctl so the BLAS limit applies to it
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from blockstudio.workspace import Workspace  # noqa: E402
from blockstudio.workspace.recent import RecentFiles  # noqa: E402


def rss_mb():
    """Resident set size now (Linux /proc), in MB; the peak from getrusage elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def net1(ws):
    ws.add_layer("Dense", units=128, activation="relu")
    ws.add_layer("Dense", units=64, activation="relu")
    ws.add_layer("Dense", units=10, activation=None)


def train(data, epochs, limit, folder):
    ws = Workspace(recent_files=RecentFiles(Path(folder) / "recent.json"))
    net1(ws)
    ws.set_training_settings(data_dir=data, epochs=epochs)
    after_epoch = []
    ws.events.training.connect(lambda event: after_epoch.append(rss_mb()) if event.kind == "epoch" else None)
    started = time.perf_counter()
    ws.start_training(limit=limit)
    ws.wait_training()
    seconds = time.perf_counter() - started
    run = ws.last_run
    print(f"train: {epochs} epochs of {limit} images in {seconds:.1f} s ({run.reason}; "
          f"{run.completed_steps} steps)")
    print("  RSS after each epoch (MB): " + ", ".join(f"{v:.1f}" for v in after_epoch))
    growth = after_epoch[-1] - after_epoch[1] if len(after_epoch) > 2 else float("nan")
    one_epoch_data = limit * 28 * 28 * 4 / 2 ** 20  # float32 images of one epoch
    print(f"  growth from epoch 2 to {epochs}: {growth:+.2f} MB (one epoch's images as float32: "
          f"{one_epoch_data:.1f} MB)")
    ws.save(Path(folder) / "mlp.bsproj")
    return Path(folder) / "mlp.bsproj"


def cycles(project, count, folder):
    ws = Workspace(recent_files=RecentFiles(Path(folder) / "recent.json"))
    gc.collect()
    tracemalloc.start()
    figures = []
    started = time.perf_counter()
    for number in range(1, count + 1):
        warnings = ws.open(project)
        assert not warnings, warnings
        ws.summary_text  # noqa: B018 - read what the window reads
        ws.layer_info(ws.layers[0].uid)
        ws.new()
        if number == 1 or number % 100 == 0:
            gc.collect()
            heap = tracemalloc.get_traced_memory()[0] / 2 ** 20
            figures.append((number, rss_mb(), heap))
    seconds = time.perf_counter() - started
    tracemalloc.stop()
    print(f"cycles: {count} open/close cycles of a trained project in {seconds:.1f} s")
    for number, rss, heap in figures:
        print(f"  after {number:4d}: RSS {rss:7.1f} MB, Python heap {heap:6.2f} MB")
    first, last = figures[min(1, len(figures) - 1)], figures[-1]  # cycle 100: allocator pools are warm
    print(f"  growth from cycle {first[0]} to {last[0]}: RSS {last[1] - first[1]:+.2f} MB, "
          f"heap {last[2] - first[2]:+.3f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--cycles", type=int, default=400)
    args = parser.parse_args()
    os.environ.setdefault("BLOCKSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-memory-config-"))
    with threadpool_limits(1), tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        print(f"start: RSS {rss_mb():.1f} MB")
        project = train(args.data, args.epochs, args.limit, folder)
        cycles(project, args.cycles, folder)


if __name__ == "__main__":
    main()
