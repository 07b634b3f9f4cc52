"""Training throughput inside the running app versus headless, and the app's responsiveness.

Three ways to train the same network (the tutorial's 784-128-64-10 MLP unless --project) with
the same settings, batch size and seed on the same real MNIST images, in one process:

  engine    the tutorial's loop written against blockstudio.core, in the main thread
  headless  the workspace's training run (worker thread), the main thread only waiting
  app       the same run started with the window's Start button: the main window is shown
            (offscreen), its event loop runs, the plots and status line update live

Repetitions alternate the three so background noise hits them alike; the table gives the median
samples/s (training steps only: data loading and test evaluation left out). During the app run
a 50 ms QTimer measures how late the event loop serves it (the worst delay is what a user would
feel as a stutter).

    QT_QPA_PLATFORM=offscreen python bench/bench_app.py               # 3 x 1 epoch of 60,000
    QT_QPA_PLATFORM=offscreen python bench/bench_app.py --limit 20000 --reps 5
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy  # noqa: E402,F401 - load BLAS before limiting it
from threadpoolctl import threadpool_limits  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "datasets"
TUTORIAL = REPO / "examples" / "tutorial-mlp.bsproj"
TIMER_MS = 50


def make_workspace(project, data_folder, epochs, batch_size):
    from blockstudio.workspace import Workspace

    ws = Workspace()
    if project:
        ws.open(project)
    else:
        for units, activation in ((128, "relu"), (64, "relu"), (10, None)):
            ws.add_layer("Dense", units=units, activation=activation)
    ws.set_training_settings(epochs=epochs, batch_size=batch_size, data_dir=str(data_folder))
    return ws


def engine_loop(ws, limit):
    """The tutorial's training loop on blockstudio.core, as a script would write it."""
    import blockstudio.core as mx
    from blockstudio.core import autograd, gluon
    from blockstudio.workspace.data import dataset_class, find_data_folder, transform
    from blockstudio.workspace.shapes import make_initializer
    from blockstudio.workspace.spec import NetworkSpec, build_network

    s = ws.training_settings
    mx.random.seed(s.seed)
    net = build_network(NetworkSpec(ws.input_shape, ws.layers))
    net.collect_params().initialize(make_initializer(s), ctx=mx.cpu())
    train_set = dataset_class(s.dataset)(root=find_data_folder(s.dataset, s.data_dir), train=True,
                                         transform=transform, download=False)
    if limit:
        train_set = train_set.take(limit)
    loader = gluon.data.DataLoader(train_set, s.batch_size, shuffle=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), s.optimizer, {"learning_rate": s.learning_rate})
    samples, start = 0, time.perf_counter()
    for _ in range(s.epochs):
        for data, label in loader:
            with autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(data.shape[0])
            samples += data.shape[0]
    return samples / (time.perf_counter() - start)


def headless_run(ws, limit):
    ws.reset_parameters()
    ws.start_training(restart=True, limit=limit)
    ws.wait_training()
    run = ws.last_run
    assert run.reason == "completed", run.message
    return run.samples_per_sec


def app_run(window, limit):
    """Press Start in the shown window and run its event loop until the run has finished."""
    from PySide6.QtCore import QEventLoop, QTimer

    ws = window.workspace
    ws.reset_parameters()
    window.training_panel.limit = limit
    loop = QEventLoop()
    window.bridge.runFinished.connect(loop.quit)
    delays, last = [], [None]

    def tick():
        now = time.perf_counter()
        if last[0] is not None and ws.training_state == "running":
            delays.append((now - last[0]) * 1000 - TIMER_MS)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TIMER_MS)
    timer.timeout.connect(tick)
    timer.start()
    window.training_panel.start_button.click()
    loop.exec()
    timer.stop()
    window.bridge.runFinished.disconnect(loop.quit)
    run = ws.last_run
    assert run.reason == "completed", run.message
    return run.samples_per_sec, delays, window.plots.losses.size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", help="a .bsproj to train (default: the tutorial's net1)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding mnist/ (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    threadpool_limits(1)  # what the app and its worker use

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from blockstudio.ui.app import create_application
    from blockstudio.ui.mainwindow import MainWindow

    app = create_application()
    headless_ws = make_workspace(args.project, args.data, args.epochs, args.batch_size)
    app_ws = make_workspace(args.project, args.data, args.epochs, args.batch_size)
    window = MainWindow(app_ws)
    window.dialogs.warning = window.dialogs.error = lambda title, message: print(f"{title}: {message}")
    # The offscreen screen is 800x600, where a first start now opens maximized: measure at the
    # 1280x800 the earlier figures were taken at.
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()

    results = {"engine": [], "headless": [], "app": []}
    all_delays, points = [], 0
    for rep in range(args.reps):
        results["engine"].append(engine_loop(headless_ws, args.limit))
        results["headless"].append(headless_run(headless_ws, args.limit))
        rate, delays, points = app_run(window, args.limit)
        results["app"].append(rate)
        all_delays.extend(delays)
        print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}" for k, v in results.items()), flush=True)

    images = args.limit or 60000
    print(f"\n{args.epochs} epoch(s) of {images:,} MNIST images, batch {args.batch_size}, "
          f"median of {args.reps} alternating repetitions, 1 BLAS thread\n")
    print("| where                          | samples/s | vs headless |")
    print("|--------------------------------|----------:|------------:|")
    headless = statistics.median(results["headless"])
    labels = {"engine": "engine loop (main thread)", "headless": "workspace run, headless",
              "app": "app window (offscreen, live)"}
    for key, label in labels.items():
        median = statistics.median(results[key])
        print(f"| {label:<30} | {median:>9,.0f} | {median / headless:>10.2f}x |")
    if all_delays:
        ordered = sorted(all_delays)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(f"\n{TIMER_MS} ms timer during training: {len(ordered)} ticks, lateness median "
              f"{statistics.median(ordered):.1f} ms, 99th percentile {p99:.1f} ms, worst {ordered[-1]:.1f} ms")
    print(f"plot points received by the last app run: {points:,}")
    window.dialogs.ask_save_changes = lambda name: "discard"
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
