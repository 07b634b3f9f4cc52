"""The inspection views' costs, as ratios against a reference measured in the same process.

1. evaluate: ``blockstudio.workspace.inspect.evaluate`` over the 10,000 test images with the
   tutorial's MLP (784-128-64-10) against a bare numpy forward pass over the same weights (the
   same uint8 -> float32/255 conversion, the same chunks, argmax at the end). Target: >= 0.8x its
   throughput, well under 0.1 s.
2. digit pad: from a changed stroke to updated bars, painted: preprocessing, the trace, the
   views' setData and the repaint that follows (the pad drawn point by point, as a mouse would).
   Target: well under one 60 Hz frame (16 ms).
3. training with every inspection view open (each in its own shown window, so each refreshes
   live) against the same run with them closed. Target: >= 0.95x samples/s.

BLAS runs with one thread. Repetitions alternate the compared variants so background noise hits
them alike; the table gives medians (and the best, for the timings).

    QT_QPA_PLATFORM=offscreen python bench/bench_inspect.py
    QT_QPA_PLATFORM=offscreen python bench/bench_inspect.py --limit 30000 --reps 3
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402 - load BLAS before limiting it
from threadpoolctl import threadpool_limits  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "datasets"
TUTORIAL = REPO / "examples" / "tutorial-mlp.bsproj"


def tutorial_workspace(data_folder):
    from blockstudio.workspace import Workspace

    ws = Workspace()
    ws.open(TUTORIAL, as_copy=True)
    ws.set_training_settings(data_dir=str(data_folder))
    ws.pass_batch()
    return ws


def numpy_forward(weights, images, chunk):
    """The reference: the MLP by hand in numpy, float32, chunk by chunk, argmax at the end."""
    (w0, b0), (w1, b1), (w2, b2) = weights
    predictions = []
    for start in range(0, len(images), chunk):
        x = images[start:start + chunk].reshape(-1, 784).astype(np.float32)
        x *= np.float32(1 / 255)
        h = x @ w0.T
        h += b0
        np.maximum(h, 0, out=h)
        g = h @ w1.T
        g += b1
        np.maximum(g, 0, out=g)
        out = g @ w2.T
        out += b2
        predictions.append(out.argmax(axis=1))
    return np.concatenate(predictions)


def bench_evaluate(ws, reps):
    from blockstudio.workspace.inspect import evaluate
    from blockstudio.workspace.inspect.evaluation import CHUNK

    split = ws.test_set()
    net = ws.network
    # The very arrays the network holds (a Dense weight is (out, in) stored column-major).
    weights = [(net[i].weight.data()._data, net[i].bias.data()._data) for i in range(3)]
    ours, bare = [], []
    result = evaluate(net, split.images, split.labels)
    assert np.array_equal(result.predicted, numpy_forward(weights, split.images, CHUNK))
    for _ in range(reps):
        start = time.perf_counter()
        evaluate(net, split.images, split.labels)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        numpy_forward(weights, split.images, CHUNK)
        bare.append(time.perf_counter() - start)
    return ours, bare


def bench_digit_pad(app, window, strokes_per_rep=60, reps=3):
    tabs = window.inspection
    window.inspect_dock.raise_()
    tabs.show_tab("digit_pad")
    app.processEvents()
    pad = tabs.digit_pad
    latencies, cpu = [], []
    t = np.linspace(0.15 * np.pi, 2.1 * np.pi, strokes_per_rep)
    points = list(zip(140 + 55 * np.cos(t), 140 + 95 * np.sin(t)))
    for _ in range(reps):
        for k in range(2, len(points) + 1):
            start, start_cpu = time.perf_counter(), time.thread_time()
            pad.set_strokes([points[:k]])
            pad.display.layers_widget.viewport().repaint()
            pad.display.bars_widget.viewport().repaint()
            pad.canvas.repaint()
            latencies.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    return latencies, cpu


def open_every_view(controller):
    """Each inspection view in its own shown window: all of them live at once."""
    from blockstudio.ui.inspect.confusion import ConfusionView
    from blockstudio.ui.inspect.dataset import DatasetPreview
    from blockstudio.ui.inspect.digitpad import DigitPadView
    from blockstudio.ui.inspect.sample import SampleView
    from blockstudio.ui.inspect.weights import WeightsView

    views = [kind(controller) for kind in (ConfusionView, SampleView, DigitPadView, WeightsView, DatasetPreview)]
    views[2].set_strokes([[(140, 40), (140, 240)]])
    for view in views:
        view.resize(900, 500)
        view.show()
    return views


def train_in_app(app, window, limit):
    from PySide6.QtCore import QEventLoop

    ws = window.workspace
    ws.reset_parameters()
    loop = QEventLoop()
    window.bridge.runFinished.connect(loop.quit)
    ws.start_training(restart=True, limit=limit)
    loop.exec()
    window.bridge.runFinished.disconnect(loop.quit)
    run = ws.last_run
    assert run.reason == "completed", run.message
    return run.samples_per_sec


def gui_cpu_share(app, window, limit):
    """Samples/s of one run, and the GUI thread's CPU time per second while the run trains
    (sampled by a 50 ms timer; the evaluation after the run is left out)."""
    from PySide6.QtCore import QTimer

    samples = []

    def sample():
        if window.workspace.training_state == "running":
            samples.append((time.perf_counter(), time.thread_time()))

    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(sample)
    timer.start()
    rate = train_in_app(app, window, limit)
    timer.stop()
    if len(samples) < 2:
        return rate, float("nan")
    (wall0, cpu0), (wall1, cpu1) = samples[0], samples[-1]
    return rate, (cpu1 - cpu0) / (wall1 - wall0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding mnist/")
    parser.add_argument("--reps", type=int, default=3, help="training repetitions per variant")
    parser.add_argument("--limit", type=int, default=20000, help="training images per run")
    args = parser.parse_args(argv)
    threadpool_limits(1)

    from PySide6.QtWidgets import QApplication  # noqa: F401
    from blockstudio.ui.app import create_application
    from blockstudio.ui.mainwindow import MainWindow

    ws = tutorial_workspace(args.data)
    ours, bare = bench_evaluate(ws, reps=15)
    best_ours, best_bare = min(ours), min(bare)
    print("1. Evaluating 10,000 test images, tutorial MLP")
    print(f"   blockstudio evaluate  median {1000 * statistics.median(ours):6.1f} ms  best {1000 * best_ours:6.1f} ms")
    print(f"   bare numpy forward    median {1000 * statistics.median(bare):6.1f} ms  best {1000 * best_bare:6.1f} ms")
    print(f"   throughput ratio {statistics.median(bare) / statistics.median(ours):.2f}x (median), "
          f"{best_bare / best_ours:.2f}x (best)   target >= 0.8x, well under 100 ms")

    app = create_application()
    window = MainWindow(ws)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    bench_digit_pad(app, window, reps=1)   # warm up: the strips are laid out once
    latencies, cpu = (np.array(x) * 1000 for x in bench_digit_pad(app, window))
    print("\n2. Digit pad: stroke changed -> bars updated and painted")
    print(f"   wall clock  median {np.median(latencies):.1f} ms, 95th percentile {np.percentile(latencies, 95):.1f} ms "
          f"over {len(latencies)} updates   target well under 16 ms")
    print(f"   CPU time    median {np.median(cpu):.1f} ms, 95th percentile {np.percentile(cpu, 95):.1f} ms "
          f"(the work itself, without waits for a CPU another process holds)")

    window.inspect_dock.hide()
    variants = {"closed": "Inspect dock closed", "dock": "Inspect dock open on Weights, live",
                "all": "all five views, each in its own window"}
    rates = {name: [] for name in variants}
    gui = {name: [] for name in variants}
    views = []
    for rep in range(args.reps):
        for variant in variants:
            for view in views:
                view.close()
            views = open_every_view(window.inspection.controller) if variant == "all" else []
            if variant == "dock":
                window.inspect_dock.show()
                window.inspect_dock.raise_()
                window.inspection.show_tab("weights")
            else:
                window.inspect_dock.hide()
            app.processEvents()
            rate, share = gui_cpu_share(app, window, args.limit)
            rates[variant].append(rate)
            gui[variant].append(share)
    for view in views:
        view.close()
    print(f"\n3. Training {args.limit:,} images ({args.reps} runs each, alternating), samples/s")
    base = statistics.median(rates["closed"])
    for name, title in variants.items():
        median = statistics.median(rates[name])
        print(f"   {title:40s} median {median:9,.0f}  ratio {median / base:.3f}x  GUI thread CPU "
              f"{statistics.median(gui[name]):5.1%}   runs " + ", ".join(f"{r:,.0f}" for r in rates[name]))
    print("   target >= 0.95x. GUI thread CPU: its CPU time per second of training (the views' own work, "
          "which background load does not inflate)")
    window.dialogs.ask_save_changes = lambda _name: "discard"   # no "save changes?" dialog to block on
    window.close()


if __name__ == "__main__":
    main()
