"""Live training plots: loss per step (raw and smoothed) and accuracy per epoch.

With a validation split, each epoch also adds the validation loss (on the step axis, at the
epoch's last step, beside the smoothed training loss) and the validation accuracy (beside
train and test): a validation curve that turns up while training's keeps falling is over-fitting.

Following pyqtgraph's scrolling-plot recipe: every curve is created once; new values are
appended into preallocated arrays (doubled when full) and pushed with ``setData`` when the
bridge's 10 Hz timer delivers a batch of steps. Nothing is ever re-plotted from scratch.

Painting runs in the GUI thread and holds the GIL the training worker needs, so each repaint
is kept cheap (measured by bench/bench_app.py; together these took the app from 0.65x to
about 0.95x of headless throughput): no grid (pyqtgraph draws it across the whole plot on
every paint), no antialiasing on the thousands-of-points loss curves, and axes that do not
move: the step axis spans the whole run from its first step, the loss axis only grows when a
loss exceeds it, so the axes are not re-laid out on every update.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from blockstudio.ui import theme

TITLES = {"loss": ("Training loss", "Loss"), "acc": ("Accuracy per epoch", "Accuracy")}
SMOOTHING = 0.98  # EMA decay of the smoothed loss (TensorBoard-style, bias-corrected)


class _Series:
    """A growable float array: append in O(1) amortised, view the filled part without copying."""

    def __init__(self, capacity: int = 1024):
        self.values = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def extend(self, new) -> None:
        new = np.asarray(new, dtype=np.float64)
        need = self.size + new.size
        if need > self.values.size:
            grown = np.empty(max(need, 2 * self.values.size), dtype=np.float64)
            grown[: self.size] = self.values[: self.size]
            self.values = grown
        self.values[self.size:need] = new
        self.size = need

    def view(self) -> np.ndarray:
        return self.values[: self.size]

    def clear(self) -> None:
        self.size = 0


def _style_plot(plot: pg.PlotItem, title: str, x_label: str, y_label: str) -> None:
    plot.setTitle(title, size="11pt")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.setMenuEnabled(False)


class TrainingPlots(QWidget):
    """Two plots fed by a WorkspaceBridge: loss per step and train/test accuracy per epoch.

    Example::

        plots = TrainingPlots(bridge)
        plots.loss_curve.getData()    # (steps, losses) received so far
    """

    def __init__(self, bridge=None, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self._x_end = 0.0  # the step axis's right end
        self._y_top = 0.0  # the loss axis's top
        self._y_bottom = 1.0  # the smallest positive loss: the bottom of the log-scale axis
        self.log_scale = False
        self.steps = _Series()
        self.losses = _Series()
        self.smoothed = _Series()
        self.epochs = _Series(64)
        self.train_acc = _Series(64)
        self.test_acc = _Series(64)
        self.val_acc = _Series(64)
        self.val_steps = _Series(64)   # the step each validation loss was measured after
        self.val_loss = _Series(64)
        self._ema = 0.0
        self._ema_count = 0

        self.loss_widget = pg.PlotWidget()
        loss_plot = self.loss_widget.getPlotItem()
        _style_plot(loss_plot, "Loss", "step", "loss")
        # Once the loss falls below 1 pyqtgraph would relabel the axis "loss (x0.001)" with ticks
        # of 100..500: a newcomer reads the loss as hundreds. Plain decimals instead.
        loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.loss_legend = loss_plot.addLegend(offset=(-10, 10))
        # Thousands of steps: let pyqtgraph draw only what is visible, at screen resolution.
        loss_plot.setDownsampling(auto=True, mode="peak")
        loss_plot.setClipToView(True)
        loss_plot.disableAutoRange()
        loss_plot.setXRange(0, 100, padding=0)
        loss_plot.setYRange(0, 1, padding=0)
        self.loss_curve = loss_plot.plot(name="per step", antialias=False)
        self.smooth_curve = loss_plot.plot(name="smoothed", antialias=False)
        # Not in the loss legend (narrow plots): its colour and marker are validation's in the accuracy legend.
        self.val_loss_curve = loss_plot.plot(symbol="t", symbolSize=8, antialias=True)

        self.acc_widget = pg.PlotWidget()
        acc_plot = self.acc_widget.getPlotItem()
        _style_plot(acc_plot, "Accuracy per epoch", "epoch", "accuracy (%)")
        acc_plot.getAxis("left").enableAutoSIPrefix(False)  # "(x0.001)" scaling reads badly
        acc_plot.setLimits(yMin=0, yMax=100.5)
        acc_plot.setYRange(0, 100, padding=0)   # percent from the start, before any epoch
        acc_plot.setXRange(0.5, 1.5, padding=0)
        self.train_curve = acc_plot.plot(symbol="o", symbolSize=7, antialias=True)
        self.test_curve = acc_plot.plot(symbol="s", symbolSize=7, antialias=True)
        # The legend sits in its own row under the plot: inside it, it covered the points.
        self.acc_legend = pg.LegendItem(colCount=2, frame=False)
        acc_plot.layout.addItem(self.acc_legend, 4, 1)
        self.acc_legend.addItem(self.train_curve, "train")
        self.val_acc_curve = acc_plot.plot(symbol="t", symbolSize=8, antialias=True)
        self.acc_legend.addItem(self.test_curve, "test")
        self.acc_legend.addItem(self.val_acc_curve, "val")  # validation; short, narrow screens
        acc_plot.getAxis("bottom").setTickSpacing(1, 1)

        for widget in (self.loss_widget, self.acc_widget):
            widget.getPlotItem().getAxis("left").setWidth(48)
            widget.setMinimumHeight(150)
        # Right-click either plot: pyqtgraph's menu, with Export... (PNG, SVG, CSV, Matplotlib).
        for widget in (self.loss_widget, self.acc_widget):
            widget.getPlotItem().setMenuEnabled(True)
        self.log_box = QCheckBox("Log-scale loss")
        self.log_box.setToolTip("A logarithmic loss axis: late small improvements stay visible")
        self.log_box.toggled.connect(self.set_log_scale)
        hint = QLabel("Right-click a plot to export it.")
        hint.setObjectName("hintLabel")
        self.restyle()
        # Never narrower than what the plot draws (axis, legend row): on a 1.5x-scaled laptop
        # the accuracy plot's right side, its last epoch and legend were cut off.
        for widget, (_long, short) in ((self.loss_widget, TITLES["loss"]), (self.acc_widget, TITLES["acc"])):
            item = widget.getPlotItem()
            item.setTitle(short, size="11pt")  # measured with the short title a narrow plot gets
            widget.setMinimumWidth(math.ceil(item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()) + 2)
        self._titles()
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_widget, 3)
        plots.addWidget(self.acc_widget, 2)
        options = QHBoxLayout()
        options.setContentsMargins(4, 0, 4, 0)
        options.addWidget(self.log_box)
        options.addSpacing(12)
        options.addWidget(hint)
        options.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(plots, 1)
        layout.addLayout(options)

        if bridge is not None:
            bridge.runReset.connect(self.clear)
            bridge.stepsArrived.connect(lambda _step, losses: self.append_losses(losses))
            bridge.epochFinished.connect(
                lambda e: self.append_epoch(e.epoch, e.train_acc, e.test_acc, getattr(e, "val_acc", None),
                                            getattr(e, "val_loss", None)))

    def _titles(self) -> None:
        # A narrow plot (1024 px window, 1.5x scaling) cut "Accuracy per epoch" to "Accuracy per ep".
        c = theme.current()
        for widget, (long, short) in ((self.loss_widget, TITLES["loss"]), (self.acc_widget, TITLES["acc"])):
            fits = widget.width() >= 110 + 9 * len(long)
            widget.getPlotItem().setTitle(long if fits else short, size="11pt", color=c.plot_fg)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._titles()

    def restyle(self) -> None:
        """Colours from the active theme: background, axes, titles, legends and curves."""
        c = theme.current()
        self._titles()
        for widget in (self.loss_widget, self.acc_widget):
            widget.setBackground(c.plot_bg)
            plot = widget.getPlotItem()
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(c.plot_fg))
                axis.setTextPen(pg.mkPen(c.plot_fg))
        for legend in (self.loss_legend, self.acc_legend):
            legend.setLabelTextColor(c.plot_fg)
            fill = pg.mkColor(c.plot_bg)
            fill.setAlpha(215)  # the curve under a legend still shows through
            legend.setBrush(pg.mkBrush(fill))
            legend.setPen(pg.mkPen(c.border))
        self.loss_curve.setPen(pg.mkPen(c.loss_raw, width=1))
        self.smooth_curve.setPen(pg.mkPen(c.loss_smooth, width=2))
        for curve, color in ((self.train_curve, c.train), (self.test_curve, c.test),
                             (self.val_acc_curve, c.valid), (self.val_loss_curve, c.valid)):
            curve.setPen(pg.mkPen(color, width=2))
            curve.setSymbolBrush(pg.mkBrush(color))
            curve.setSymbolPen(pg.mkPen(c.plot_bg))

    def clear(self) -> None:
        for series in (self.steps, self.losses, self.smoothed, self.epochs, self.train_acc, self.test_acc,
                       self.val_acc, self.val_steps, self.val_loss):
            series.clear()
        self._ema, self._ema_count = 0.0, 0
        self._x_end = self._y_top = 0.0
        self._y_bottom = 1.0
        self.loss_widget.getPlotItem().setRange(xRange=(0, 100), yRange=self._y_range(), padding=0)
        self.acc_widget.getPlotItem().setRange(xRange=(0.5, 1.5), yRange=(0, 100), padding=0)
        self.acc_widget.getPlotItem().getAxis("bottom").setTickSpacing(1, 1)
        for curve in (self.loss_curve, self.smooth_curve, self.train_curve, self.test_curve, self.val_acc_curve,
                      self.val_loss_curve):
            curve.setData([], [])

    def append_losses(self, losses) -> None:
        """Append a batch of per-step losses (called at the bridge's bounded rate)."""
        losses = np.asarray(losses, dtype=np.float64)
        if losses.size == 0:
            return
        start = self.steps.size
        self.steps.extend(np.arange(start + 1, start + 1 + losses.size, dtype=np.float64))
        self.losses.extend(losses)
        smooth = np.empty_like(losses)
        ema, count = self._ema, self._ema_count
        for i, loss in enumerate(losses):  # a few dozen per tick: a loop is fine
            if np.isfinite(loss):
                ema = SMOOTHING * ema + (1.0 - SMOOTHING) * loss
                count += 1
            smooth[i] = ema / (1.0 - SMOOTHING ** count) if count else np.nan
        self._ema, self._ema_count = ema, count
        self.smoothed.extend(smooth)
        x = self.steps.view()
        self._fit_axes(self.steps.size, losses)
        # connect="finite": a diverged (NaN/inf) step leaves a gap instead of breaking the curve.
        self.loss_curve.setData(x, self.losses.view(), connect="finite")
        self.smooth_curve.setData(x, self.smoothed.view(), connect="finite")

    def _planned_steps(self) -> int:
        history = getattr(getattr(self.bridge, "workspace", None), "run_history", None)
        return int(getattr(history, "steps_per_epoch", 0) or 0) * int(getattr(history, "epochs", 0) or 0)

    def _fit_axes(self, count: int, losses: np.ndarray) -> None:
        """Grow the fixed axes only when the data outgrows them (rarely, so rarely re-laid out)."""
        plot = self.loss_widget.getPlotItem()
        if count > self._x_end:
            self._x_end = float(max(self._planned_steps(), int(count * 1.5), 10))
            plot.setXRange(0, self._x_end, padding=0)
        finite = losses[np.isfinite(losses)]
        positive = finite[finite > 0]
        changed = False
        if finite.size and finite.max() > self._y_top:
            top = self.robust_top()
            if top > self._y_top:
                self._y_top, changed = top, True
        if positive.size and positive.min() < self._y_bottom:
            self._y_bottom, changed = float(positive.min()), changed or self.log_scale
        if changed:
            plot.setYRange(*self._y_range(), padding=0)

    def robust_top(self) -> float:
        """The loss axis's top: every loss of a sane run, but not a diverging run's explosion.

        The top is the larger of the first steps' loss (where training starts) and four times the
        median, capped by the largest loss: a run that blows up to 4.8e+19 in its last steps no
        longer flattens the whole curve into a line along the bottom (the status says it diverged).
        """
        values = self.losses.view()
        values = values[np.isfinite(values)]
        if not values.size:
            return self._y_top
        head = float(values[:50].max())
        middle = values.size // 2
        median = float(np.partition(values, middle)[middle])  # np.median's first call costs ~15 ms
        return 1.08 * min(float(values.max()), max(head, 4.0 * median))

    def _y_range(self) -> tuple:
        top = self._y_top or 1.0
        if not self.log_scale:
            return 0.0, top
        bottom = min(self._y_bottom, top / 10)
        return float(np.log10(bottom * 0.9)), float(np.log10(top))

    def set_log_scale(self, on: bool) -> None:
        """A logarithmic loss axis (also the checkbox under the plots)."""
        self.log_scale = bool(on)
        if self.log_box.isChecked() != self.log_scale:
            self.log_box.setChecked(self.log_scale)
        plot = self.loss_widget.getPlotItem()
        plot.setLogMode(y=self.log_scale)
        plot.setYRange(*self._y_range(), padding=0)

    def append_epoch(self, epoch, train_acc, test_acc, val_acc=None, val_loss=None) -> None:
        """Append one epoch's accuracies (fractions in [0, 1], shown in percent) and validation loss."""
        self.epochs.extend([epoch])
        self.train_acc.extend([np.nan if train_acc is None else 100.0 * train_acc])
        self.test_acc.extend([np.nan if test_acc is None else 100.0 * test_acc])
        self.val_acc.extend([np.nan if val_acc is None else 100.0 * val_acc])
        x = self.epochs.view()
        self.train_curve.setData(x, self.train_acc.view(), connect="finite")
        self.test_curve.setData(x, self.test_acc.view(), connect="finite")
        if val_acc is not None:
            self.val_acc_curve.setData(x, self.val_acc.view(), connect="finite")
        if val_loss is not None:
            # At the epoch's last step (the worker may be steps into the next epoch by now).
            history = getattr(getattr(self.bridge, "workspace", None), "run_history", None)
            per_epoch = int(getattr(history, "steps_per_epoch", 0) or 0)
            at = float(epoch * per_epoch) if per_epoch else float(self.steps.size)
            self.val_steps.extend([at])
            self.val_loss.extend([val_loss])
            self._fit_axes(int(at), np.asarray([val_loss], dtype=np.float64))
            self.val_loss_curve.setData(self.val_steps.view(), self.val_loss.view(), connect="finite")
        # Keep the first and last epochs off the plot's edges (one epoch is one point).
        plot = self.acc_widget.getPlotItem()
        plot.setXRange(0.5, x[-1] + 0.5, padding=0)
        # A tick per epoch ran together from ~12 epochs on ("10111213"): at most ~10 labels.
        spacing = max(1, math.ceil(x[-1] / 10))
        plot.getAxis("bottom").setTickSpacing(spacing, spacing)
        # 0-100 % squeezed 97 % against 98 % into one line at the top: zoom in to the data, in
        # steps of 5 % (so the axis moves seldom), always up to 100 %.
        values = np.concatenate([self.train_acc.view(), self.test_acc.view(), self.val_acc.view()])
        values = values[np.isfinite(values)]
        if values.size:
            bottom = max(0.0, 5.0 * math.floor((values.min() - 2.0) / 5.0))
            plot.setYRange(bottom, 100, padding=0)
