"""Distributions of weights and gradients over training steps, as TensorBoard draws them.

``HistogramRecorder.record(step, snapshot)`` keeps, for every parameter, a few quantiles of its
values and of its gradient (0, 7, 16, 31, 50, 69, 84, 93, 100 %: TensorBoard's distribution
bands) plus a histogram. It records at most ``rate`` times a second and keeps at most
``capacity`` records: when full it drops every other old record, so a long run stays
covered end to end in bounded memory.

>>> recorder = HistogramRecorder()
>>> recorder.record(0, {"w": (np.arange(10.0), None)}, force=True)
True
>>> recorder.series("w", "values")[1][:, 4]                 # the median at each record
array([4.5])
"""

import threading
import time

import numpy as np

QUANTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)
BINS = 30
SAMPLE = 8192   # values summarised per parameter: an evenly strided sample of a larger one


class HistogramRecorder:
    def __init__(self, rate=2.0, capacity=200, bins=BINS, clock=time.monotonic):
        self.interval = 1.0 / rate if rate else 0.0
        self.capacity = capacity
        self.bins = bins
        self._clock = clock
        self._last = None
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        self.steps = []
        self._records = {}   # name -> kind -> list of (quantiles, counts, edges)
        self._last = None

    @property
    def names(self):
        return list(self._records)

    def due(self):
        return self._last is None or self._clock() - self._last >= self.interval

    def record(self, step, snapshot, force=False):
        """Record ``snapshot`` (``{name: (values, grad or None)}``) at ``step``; False when skipped."""
        if not force and not self.due():
            return False
        if self.steps and step <= self.steps[-1]:
            return False  # the same step again (e.g. the timer firing while paused)
        self._last = self._clock()
        summaries = {}
        for name, (values, grad) in snapshot.items():
            summaries[name] = {"values": _summary(values, self.bins),
                               "grads": _summary(grad, self.bins) if grad is not None else None}
        with self._lock:
            self.steps.append(step)
            for name, kinds in summaries.items():
                per_kind = self._records.setdefault(name, {"values": [], "grads": []})
                for kind, summary in kinds.items():
                    per_kind[kind].append(summary)
            if len(self.steps) > self.capacity:
                self._thin()
        return True

    def _thin(self):
        # Every other record, always keeping the newest. A parameter that appeared later has a
        # shorter list, aligned with the end of ``steps``.
        n = len(self.steps)
        keep = list(range(0, n - 1, 2)) + [n - 1]
        self.steps = [self.steps[i] for i in keep]
        for per_kind in self._records.values():
            for kind, items in per_kind.items():
                offset = n - len(items)
                per_kind[kind] = [items[i - offset] for i in keep if i >= offset]

    def series(self, name, kind="values"):
        """``(steps, quantiles)``: quantiles is (records, 9), NaN where a record had no gradient."""
        with self._lock:
            items = list(self._records.get(name, {}).get(kind, []))
            steps = np.array(self.steps[-len(items):] if items else [], dtype=np.float64)
        rows = [item[0] if item is not None else np.full(len(QUANTILES), np.nan) for item in items]
        return steps, np.array(rows, dtype=np.float64).reshape(len(rows), len(QUANTILES))

    def latest_histogram(self, name, kind="values"):
        """``(counts, edges)`` of the last record, or None."""
        with self._lock:
            items = self._records.get(name, {}).get(kind, [])
            item = items[-1] if items else None
        return None if item is None else (item[1], item[2])


def _summary(array, bins):
    flat = np.asarray(array).ravel()
    if flat.size > SAMPLE:
        # Quantiles of a 100,000-value weight cost milliseconds that a training run would feel;
        # an evenly strided sample of 8,192 draws the same bands. The extremes are kept exact.
        low, high = flat.min(), flat.max()
        flat = np.concatenate([flat[::flat.size // SAMPLE], [low, high]])
    flat = flat.astype(np.float64)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return None
    flat.sort()
    # Linear interpolation between the order statistics, as np.percentile's default does.
    position = np.asarray(QUANTILES, dtype=np.float64) / 100 * (flat.size - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, flat.size - 1)
    quantiles = flat[below] + (flat[above] - flat[below]) * (position - below)
    counts, edges = np.histogram(flat, bins=bins)
    return quantiles, counts, edges
