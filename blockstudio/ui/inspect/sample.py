"""The sample view: one image (from the test set, the gallery, the dataset preview or the digit
pad) sent through the network, layer by layer, re-traced whenever the parameters change."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from blockstudio.ui.inspect.common import shown, Panel, grey_pixmap
from blockstudio.ui.inspect.trace_display import TraceDisplay
from blockstudio.workspace.inspect import trace_sample


class SampleView(Panel):
    """Shows ``show_sample(image, caption)``'s trace; starts on the first test image.

    Example::

        view = SampleView(controller)
        view.show_sample(split.images[0], "test image #0")
    """

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.image = None
        self.caption = ""
        self.trace = None
        self.picture = QLabel()
        self.picture.setFixedSize(28 * 5 + 4, 28 * 5 + 4)
        self.picture.setStyleSheet("border: 1px solid #cbd5e1; background: white;")
        self.caption_label = QLabel()
        self.caption_label.setWordWrap(True)
        self.next_button = QPushButton("Next test image")
        self.next_button.clicked.connect(self.next_test_image)
        left = QVBoxLayout()
        left.addWidget(self.picture)
        left.addWidget(self.caption_label)
        left.addWidget(self.next_button)
        left.addStretch(1)
        self.display = TraceDisplay()
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(left)
        layout.addWidget(self.display, 1)
        self._test_index = -1

        controller.sampleRequested.connect(self.show_sample)
        controller.parametersChanged.connect(self.refresh)
        controller.liveTick.connect(self._live)
        self.refresh()

    def show_sample(self, image, caption: str = "") -> None:
        self.image = np.asarray(image)
        self.caption = caption
        self.picture.setPixmap(grey_pixmap(self.image, 5))
        self.caption_label.setText(caption)
        self.refresh()

    def next_test_image(self) -> None:
        split = self.controller.test_set()
        if split is None:
            return
        self._test_index = (self._test_index + 1) % len(split)
        label = split.class_names[int(split.labels[self._test_index])]
        self.show_sample(split.images[self._test_index], f"test image #{self._test_index} (true class {label})")

    def _live(self) -> None:
        if shown(self):
            self.refresh()

    def refresh(self) -> None:
        problem = self.controller.network_problem()
        if problem:
            self.trace = None
            self.show_message(problem)
            return
        if self.image is None:
            if self.controller.test_set() is None:
                self.show_message("No test images found (set the data folder in the training settings): "
                                  "draw a digit on the digit pad instead.")
                return
            self.next_test_image()
            return
        try:
            with self.controller.lock():
                self.trace = trace_sample(self.controller.workspace.network, self.image)
        except ValueError as error:
            self.trace = None
            self.show_message(str(error))
            return
        split = self.controller.test_set()
        if split is not None:
            self.display.set_class_names(split.class_names)
        self.display.show_trace(self.trace)
        if self.controller.untrained():
            self.caption_label.setText(f"{self.caption}<br><i>untrained network: random initial values</i>")
        else:
            self.caption_label.setText(self.caption)
        self.show_content()
