"""Data loading speed: opening MNIST, and one epoch of the tutorial's DataLoader.

Figures, all in one process and one run, on the real training set (60,000 images):

  open      MNIST(train=True) from the .gz files (cold: parsed from disk) and reopened (warm: the
            parsed arrays are shared while a dataset holding them is alive)
  loader    images/s through DataLoader(MNIST(train=True, transform=<the tutorial's>), 64, shuffle=True):
            the default (whole-batch transform, checked against the per-sample one on the first batch
            of every epoch), Gluon's per-sample path (vectorize=False), no transform at all, and a
            hand-written numpy loop doing the same work (the no-framework reference)

    python bench/bench_data.py [--data DIR] [--repeat N]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from blockstudio.core import random as mx_random  # noqa: E402
from blockstudio.core.gluon.data import DataLoader  # noqa: E402
from blockstudio.core.gluon.data.vision import MNIST  # noqa: E402
from blockstudio.core.gluon.data.vision import idx as idx_module  # noqa: E402

BATCH = 64


def transform(data, label):
    return data.astype(np.float32) / 255, label.astype(np.float32)


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def epoch(loader):
    def run():
        n = 0
        for data, label in loader:
            n += data.shape[0]
        assert n == len(loader._dataset) or loader._batch_sampler._last_batch != "keep"
    return run


def numpy_epoch(images, labels):
    """The same work by hand: shuffle, gather, cast, scale."""
    def run():
        order = mx_random.get_generator().permutation(len(labels))
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            images[idx].astype(np.float32) / 255, labels[idx].astype(np.float32)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "mnist"),
                        help="folder holding the MNIST files (default: ../shared/datasets/mnist)")
    parser.add_argument("--repeat", type=int, default=5, help="epochs per figure; the median is shown")
    args = parser.parse_args()
    mx_random.seed(0)

    with threadpool_limits(1):
        def cold_open():
            idx_module._cache.clear()
            return MNIST(root=args.data, train=True)

        t_cold = timed(cold_open, 3)
        keep = MNIST(root=args.data, train=True)                    # holds the parsed arrays
        t_warm = timed(lambda: MNIST(root=args.data, train=True), 3)
        idx_module._cache.clear()
        t_test = timed(lambda: (idx_module._cache.clear(), MNIST(root=args.data, train=False)), 3)
        n = len(keep)

        rows = []
        fast = DataLoader(MNIST(root=args.data, train=True, transform=transform), BATCH, shuffle=True)
        rows.append(("tutorial transform, default (whole batches)", timed(epoch(fast), args.repeat)))
        assert fast._vectorized is True
        slow = DataLoader(MNIST(root=args.data, train=True, transform=transform), BATCH, shuffle=True,
                          vectorize=False)
        rows.append(("tutorial transform, per sample (Gluon's path)", timed(epoch(slow), max(1, args.repeat // 2))))
        first = DataLoader(MNIST(root=args.data, train=True).transform_first(lambda d: d.astype(np.float32) / 255),
                           BATCH, shuffle=True)
        rows.append(("transform_first(x/255), default", timed(epoch(first), args.repeat)))
        raw = DataLoader(keep, BATCH, shuffle=True)
        rows.append(("no transform (uint8)", timed(epoch(raw), args.repeat)))
        rows.append(("hand-written numpy, same work (reference)",
                     timed(numpy_epoch(keep._images, keep._label), args.repeat)))

    print(f"MNIST at {os.path.abspath(args.data)}; BLAS threads: 1; batch {BATCH}, shuffle=True")
    print(f"open MNIST(train=True):  cold {t_cold * 1000:7.1f} ms   warm reopen {t_warm * 1000:6.2f} ms"
          f"   (train=False cold {t_test * 1000:6.1f} ms)")
    reference = rows[-1][1]
    default = rows[0][1]
    print(f"\n{'one epoch of ' + str(n) + ' images':50s} {'seconds':>8s} {'images/s':>11s} {'vs numpy':>9s}")
    for name, seconds in rows:
        # The ratio only compares like with like: rows doing the tutorial transform's work.
        ratio = "-" if name.startswith("no transform") else f"{reference / seconds:8.2f}x"
        print(f"{name:50s} {seconds:8.3f} {n / seconds:11,.0f} {ratio:>9s}")
    print(f"\nwhole batches are {rows[1][1] / default:.1f}x faster than per sample")


if __name__ == "__main__":
    main()
