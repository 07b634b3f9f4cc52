"""The inspection views: evaluation and mistakes, one sample's trace, the digit pad, weights,
the dataset preview. ``install(window)`` adds them to the main window as one tabbed dock, with
Run ▸ Evaluate and a View menu entry.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QTabWidget, QVBoxLayout, QWidget

from blockstudio.ui.inspect.common import shown
from blockstudio.ui.inspect.controller import InspectController


class InspectTabs(QTabWidget):
    """Every inspection view in one tab widget, sharing one ``InspectController``.

    A view is built the first time its tab is shown (``tabs.confusion`` etc. build it on
    demand too): a window whose Inspect dock stays closed pays nothing for it.
    """

    TABS = (("confusion", "Evaluation"), ("sample", "Sample"), ("digit_pad", "Digit pad"),
            ("weights", "Weights"), ("dataset", "Dataset"))

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.setDocumentMode(True)
        self.controller = controller
        self._views = {}
        self._pages = {}
        for name, title in self.TABS:
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            self._pages[name] = page
            self.addTab(page, title)
        self.currentChanged.connect(lambda _i: self._build_current())
        controller.sampleRequested.connect(self._show_sample_tab)

    def view(self, name):
        """The view of tab ``name`` (built now if it was not yet)."""
        if name not in self._views:
            from blockstudio.ui.inspect.confusion import ConfusionView
            from blockstudio.ui.inspect.dataset import DatasetPreview
            from blockstudio.ui.inspect.digitpad import DigitPadView
            from blockstudio.ui.inspect.sample import SampleView
            from blockstudio.ui.inspect.weights import WeightsView

            kinds = {"confusion": ConfusionView, "sample": SampleView, "digit_pad": DigitPadView,
                     "weights": WeightsView, "dataset": DatasetPreview}
            self._views[name] = kinds[name](self.controller)
            self._pages[name].layout().addWidget(self._views[name])
        return self._views[name]

    confusion = property(lambda self: self.view("confusion"))
    sample = property(lambda self: self.view("sample"))
    digit_pad = property(lambda self: self.view("digit_pad"))
    weights = property(lambda self: self.view("weights"))
    dataset = property(lambda self: self.view("dataset"))

    def built(self):
        return dict(self._views)

    def show_tab(self, name) -> None:
        self.view(name)
        self.setCurrentWidget(self._pages[name])

    def _build_current(self) -> None:
        if shown(self):
            name = self.TABS[self.currentIndex()][0]
            self.view(name)

    def showEvent(self, event):
        super().showEvent(event)
        QTimer.singleShot(0, self._build_current)  # once laid out: a dock behind another shows nothing

    def _show_sample_tab(self, image, caption) -> None:
        if "sample" not in self._views:   # built now, it must still receive this first sample
            self.view("sample").show_sample(image, caption)
        self.setCurrentWidget(self._pages["sample"])


def install(window) -> InspectTabs:
    """Add the Inspect dock (tabbed with the Output dock), Run ▸ Evaluate and View ▸ Inspect."""
    controller = InspectController(window.workspace, window.bridge, window)
    tabs = InspectTabs(controller)
    dock = QDockWidget("Inspect", window)
    dock.setObjectName("inspectDock")
    dock.setWidget(tabs)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.visibilityChanged.connect(lambda visible: visible and QTimer.singleShot(0, tabs._build_current))
    output = getattr(window, "output_dock", None)
    if output is not None:
        window.tabifyDockWidget(output, dock)
        output.raise_()

    evaluate = QAction("E&valuate on the Test Set", window)
    evaluate.setShortcut(QKeySequence("Ctrl+Shift+E"))
    evaluate.setStatusTip("Accuracy, loss, per-class figures and the confusion matrix of the current parameters")

    def run_evaluation():
        controller.evaluate()
        dock.show()
        dock.raise_()
        tabs.show_tab("confusion")

    evaluate.triggered.connect(run_evaluation)
    menus = getattr(window, "menus", {})
    if "Run" in menus:
        menus["Run"].addSeparator()
        menus["Run"].addAction(evaluate)
    if "View" in menus:
        menus["View"].addAction(dock.toggleViewAction())
    if hasattr(window, "actions"):
        window.actions["evaluate"] = evaluate
    window.inspect_dock = dock
    window.inspection = tabs
    return tabs
