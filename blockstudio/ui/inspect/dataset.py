"""The dataset preview: a page of training images with their labels, filterable by class, so a
user sees what the network is fed. Clicking an image traces it in the sample view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from blockstudio.ui.inspect.common import Panel, image_view, mosaic
from blockstudio.workspace.inspect import preview

COLUMNS = 16
PAGE = COLUMNS * 6
GAP = 10          # pixels between tiles: room for each label


class DatasetPreview(Panel):
    """A grid of ``PAGE`` training images with labels; ``set_class(None | c)`` filters.

    Example::

        view = DatasetPreview(controller)
        view.set_class(7)        # only sevens
    """

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.label = None
        self.start = 0
        self.total = 0
        self.indices = np.zeros(0, dtype=np.int64)
        self.class_box = QComboBox()
        self.class_box.currentIndexChanged.connect(self._class_chosen)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.previous_button.clicked.connect(lambda: self.page(-1))
        self.next_button.clicked.connect(lambda: self.page(1))
        self.status = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.class_box)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.status, 1)
        self.grid_widget, self.grid_box, self.grid = image_view()
        self.grid.clicked.connect(self._clicked)
        self.tags = []
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.grid_widget, 1)
        self._split = None
        self._shown = False
        controller.parametersChanged.connect(self._maybe_load)

    def showEvent(self, event):
        super().showEvent(event)
        if not self._shown:   # 60,000 images are read when the view is first looked at, not before
            self._shown = True
            self.refresh()

    def _maybe_load(self) -> None:
        if self._shown:
            self.refresh()

    def split(self):
        settings = self.controller.workspace.training_settings
        if self._split is None or self._split.dataset != settings.dataset:
            self._split = self.controller.train_set()
        return self._split

    def refresh(self) -> None:
        split = self.split()
        if split is None:
            self.show_message("No training images found: set the data folder in the training settings "
                              "(Training panel) to a folder holding the MNIST files.")
            return
        names = ["All classes"] + [f"Only {name}" for name in split.class_names]
        if [self.class_box.itemText(i) for i in range(self.class_box.count())] != names:
            self.class_box.blockSignals(True)
            self.class_box.clear()
            self.class_box.addItems(names)
            self.class_box.blockSignals(False)
        self.show_content()
        self._render()

    def set_class(self, label) -> None:
        self.class_box.setCurrentIndex(0 if label is None else int(label) + 1)
        if not self._shown:
            self._shown = True
            self.refresh()

    def _class_chosen(self, index: int) -> None:
        self.label = None if index <= 0 else index - 1
        self.start = 0
        if self._split is not None:
            self._render()

    def page(self, direction: int) -> None:
        new = self.start + direction * PAGE
        if 0 <= new < max(self.total, 1):
            self.start = new
            self._render()

    def _render(self) -> None:
        split = self._split
        self.indices, self.total = preview(split, self.label, self.start, PAGE)
        images = split.images[self.indices][..., 0]
        tiles = 255 - images                             # ink dark on white paper
        side = 28 + GAP
        padded = np.full((len(tiles), side, 28), 255, dtype=np.uint8)
        padded[:, GAP:, :] = tiles
        grid = mosaic(padded, COLUMNS, gap=4) if len(tiles) else np.full((28, 28), 255, np.uint8)
        self.grid.setImage(grid, autoLevels=False, levels=(0, 255))
        self.grid_box.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.01)
        while len(self.tags) < PAGE:
            tag = pg.TextItem("", color="#1d4ed8", anchor=(0.5, 0.0))
            self.grid_box.addItem(tag)
            self.tags.append(tag)
        for i, tag in enumerate(self.tags):
            if i < len(self.indices):
                row, col = divmod(i, COLUMNS)
                tag.setText(split.class_names[int(split.labels[self.indices[i]])])
                tag.setPos(col * 32 + 14, row * (side + 4) - 3)
                tag.setVisible(True)
            else:
                tag.setVisible(False)
        what = "images" if self.label is None else f"images of {split.class_names[self.label]}"
        last = self.start + len(self.indices)
        self.status.setText(f"{what} {self.start + 1 if len(self.indices) else 0}-{last} of {self.total:,} "
                            f"(training set). Click one to trace it.")
        self.previous_button.setEnabled(self.start > 0)
        self.next_button.setEnabled(last < self.total)

    def _clicked(self, row: int, col: int) -> None:
        side = 28 + GAP
        r, rr = divmod(row, side + 4)
        c, cc = divmod(col, 32)
        if rr >= side or cc >= 28:
            return
        i = r * COLUMNS + c
        if i < len(self.indices):
            index = int(self.indices[i])
            split = self._split
            self.controller.request_sample(split.images[index], f"training image #{index} (label "
                                                                 f"{split.class_names[int(split.labels[index])]})")
