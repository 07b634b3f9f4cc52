"""Training from the window: press the real buttons, train briefly on a slice of real MNIST,
see the plot curves receive data, Pause / Resume / Stop, and the architecture locked meanwhile."""

import threading

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QApplication

from .conftest import add_net1

LIMIT = 640  # images: 10 steps of 64 per epoch, a couple of seconds for three epochs


def test_train_with_the_real_buttons_and_see_the_curves(window, qtbot, mnist_dir):
    ws, panel, plots = window.workspace, window.training_panel, window.plots
    add_net1(ws)
    ws.set_training_settings(epochs=3, data_dir=str(mnist_dir))
    panel.limit = LIMIT
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()

    panel.start_button.click()
    assert ws.last_run is not None and ws.last_run.settings.epochs == 3   # the click started this run
    # "finished" is the run's last event: once the panel shows it, the views have everything.
    qtbot.waitUntil(lambda: "Training finished" in panel.status_label.text(), timeout=30000)
    assert ws.training_state == "idle" and plots.test_acc.size == 3

    x, y = plots.loss_curve.getData()
    assert len(x) == len(ws.run_history.step_losses) == 3 * LIMIT // 64
    assert list(y) == ws.run_history.step_losses  # every step, not only the throttled events
    assert len(plots.smooth_curve.getData()[1]) == len(x)
    assert list(plots.train_curve.getData()[0]) == [1, 2, 3]
    assert list(plots.test_curve.getData()[1]) == [100 * a for a in ws.run_history.epoch_test_acc]
    assert ws.run_history.epoch_test_acc[-1] > 0.5  # it learned something from 640 images
    assert "test accuracy" in panel.result_label.text()
    assert panel.progress.value() == panel.progress.maximum()
    assert panel.start_button.isEnabled() and not window.canvas.banner.isVisible()
    assert "(128, 784)" in window.canvas.card(ws.layers[0].uid).plain_text()
    assert window.isWindowModified()  # trained parameters are unsaved work


def test_pause_resume_stop_and_the_lock(window, qtbot, mnist_dir):
    ws, panel, canvas = window.workspace, window.training_panel, window.canvas
    add_net1(ws)
    ws.set_training_settings(epochs=50, data_dir=str(mnist_dir))
    panel.limit = LIMIT
    panel.start_button.click()
    qtbot.waitUntil(lambda: window.plots.losses.size > 0, timeout=15000)

    # The fresh run's deferred shapes resolved in its first step: the cards say so at once.
    assert "weight (128, 784)" in canvas.card(ws.layers[0].uid).plain_text()
    # Locked while a run is active, with the reason shown.
    assert canvas.banner.isVisible() and "Editing locked" in canvas.banner.text()
    assert not window.palette.list.isEnabled()
    assert not window.actions["delete"].isEnabled() and not window.actions["pass_batch"].isEnabled()
    ws.select(ws.layers[0].uid)
    assert not window.inspector.field("units").editor.isEnabled()
    assert not panel.fields["epochs"].editor.isEnabled()
    assert window.actions["stop"].isEnabled()

    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.state == "paused", timeout=5000)
    assert panel.resume_button.isVisible() and not panel.start_button.isVisible()
    assert canvas.banner.isVisible()
    qtbot.wait(100)  # the step in flight when Pause was pressed completes
    seen = len(ws.run_history.step_losses)
    qtbot.wait(150)
    assert len(ws.run_history.step_losses) == seen  # paused means no further steps

    panel.resume_button.click()
    qtbot.waitUntil(lambda: len(ws.run_history.step_losses) > seen, timeout=5000)
    panel.stop_button.click()
    # "finished" is the run's last event: the views have everything once it is shown.
    qtbot.waitUntil(lambda: "stopped" in panel.status_label.text(), timeout=10000)
    assert ws.training_state == "idle" and panel.state == "idle"
    assert "stopped" in window.statusBar().currentMessage()
    assert not canvas.banner.isVisible() and window.palette.list.isEnabled()
    assert window.inspector.field("units").editor.isEnabled()
    assert window.plots.losses.size == len(ws.run_history.step_losses)


def test_a_run_that_cannot_start_says_why(window, qtbot):
    window.training_panel.start_button.click()  # no layers
    assert window.dialogs.calls[-1][:2] == ("warning", "Cannot train")
    assert "no layers" in window.training_panel.status_label.text()
    assert window.workspace.training_state == "idle"


def test_training_settings_are_edited_in_the_panel(window, qtbot):
    ws, fields = window.workspace, window.training_panel.fields
    editor = fields["learning_rate"].editor
    editor.setText("-1")
    editor.editingFinished.emit()
    assert "learning rate must be above 0" in fields["learning_rate"].error_text()
    assert ws.training_settings.learning_rate == 0.1
    editor.setText("0.05")
    editor.editingFinished.emit()
    assert ws.training_settings.learning_rate == 0.05 and fields["learning_rate"].error_text() == ""

    combo = fields["optimizer"].editor
    combo.setCurrentIndex(combo.findData("adam"))
    combo.activated.emit(combo.currentIndex())
    assert ws.training_settings.optimizer == "adam"
    assert not fields["momentum"].editor.isEnabled()  # Adam has no momentum
    combo = fields["initializer"].editor
    combo.setCurrentIndex(combo.findData("normal"))
    combo.activated.emit(combo.currentIndex())
    assert fields["init_scale"].isVisibleTo(window) and not fields["init_magnitude"].isVisibleTo(window)
    assert window.training_panel._labels["init_scale"].text() == "Sigma"
    window.actions["undo"].trigger()
    assert ws.training_settings.initializer == "xavier"
    assert fields["initializer"].editor.currentData() == "xavier"


def test_bridge_delivers_worker_events_in_the_gui_thread(window, qtbot):
    bridge, ws = window.bridge, window.workspace
    received = []

    class Probe(QObject):
        def record(self, what):
            received.append((what, QThread.currentThread() is self.thread()))

    probe = Probe()
    bridge.trainingState.connect(lambda state: probe.record(state))
    bridge.shapesChanged.connect(lambda: probe.record("shapes"))
    bridge.projectChanged.connect(lambda: probe.record("project"))

    def worker():  # what a run's worker thread emits
        ws.events.training.emit(kind="state", state="paused")
        ws.events.shapes.emit()
        ws.events.project.emit()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(received) == 3, timeout=2000)
    assert received == [("paused", True), ("shapes", True), ("project", True)]
    ws.events.training.emit(kind="state", state="idle")

def test_divergence_stops_the_run_with_a_clear_message(window, qtbot, mnist_dir):
    ws, panel = window.workspace, window.training_panel
    add_net1(ws)
    ws.set_training_settings(epochs=1, learning_rate=1e6, data_dir=str(mnist_dir))
    panel.limit = LIMIT
    panel.start_button.click()
    qtbot.waitUntil(lambda: ("warning", "Training diverged") == window.dialogs.calls[-1][:2]
                    if window.dialogs.calls else False, timeout=15000)
    message = window.dialogs.calls[-1][2]
    assert "diverged" in message and "smaller learning rate" in message
    assert message in panel.status_label.text() and ws.training_state == "idle"
    assert not window.canvas.banner.isVisible()


def test_an_epochs_last_step_always_reaches_the_progress_bar(window):
    from blockstudio.workspace.events import Event

    panel = window.training_panel

    def step(n):
        return Event("training", kind="step", epoch=1, step=n, steps_per_epoch=100, loss=0.5,
                     samples_per_sec=1000.0, eta_seconds=1.0, global_step=n, losses=[])

    panel._on_steps(step(80), None)
    assert panel.progress.value() == 80
    panel._on_steps(step(90), None)  # within the status interval: skipped (readability)
    assert panel.progress.value() == 80
    panel._on_steps(step(100), None)  # the last step of the epoch: shown even so
    assert panel.progress.value() == 100


def test_the_loss_axis_reads_plain_decimals(window):
    axis = window.plots.loss_widget.getPlotItem().getAxis("left")
    assert not axis.autoSIPrefix


def test_start_continues_a_trained_network_and_train_from_scratch_starts_over(window, qtbot, mnist_dir):
    ws, panel, actions = window.workspace, window.training_panel, window.actions
    add_net1(ws)
    ws.set_training_settings(epochs=1, data_dir=str(mnist_dir))
    panel.limit = LIMIT
    assert not actions["start_fresh"].isEnabled()  # nothing trained yet: Start is already fresh

    def train(action):
        action.trigger()
        qtbot.waitUntil(lambda: ws.training_state == "idle" and "Training finished" in panel.status_label.text(),
                        timeout=30000)
        return list(ws.run_history.step_losses)

    notes = []
    panel.message.connect(notes.append)
    assert not panel.notice_label.isVisibleTo(panel)
    first = train(actions["start"])
    assert actions["start_fresh"].isEnabled() and not any("continues" in n for n in notes)
    # Lasting state in the panel, not only a status-bar note that the next message replaces.
    assert panel.notice_label.isVisibleTo(panel) and "Start continues" in panel.notice_label.text()
    continued = train(actions["start"])
    assert continued[0] < first[0]  # went on from the trained values
    assert any("continues from the current parameters" in n for n in notes)  # said in the status bar
    assert train(actions["start_fresh"]) == first  # the same seed, the same run


def test_the_accuracy_plot_zooms_to_the_data_and_keeps_epoch_labels_apart(window):
    plots = window.plots
    plot, axis = plots.acc_widget.getPlotItem(), plots.acc_widget.getPlotItem().getAxis("bottom")
    assert plot.viewRange()[1] == [0, 100]  # before any epoch: the whole percent scale
    for epoch in range(1, 31):
        plots.append_epoch(epoch, 0.89 + epoch / 400, 0.94 + epoch / 1000)
    bottom, top = plot.viewRange()[1]
    assert (bottom, top) == (85, 100)  # 89-97 % readable, not squeezed at the top of 0-100
    assert axis._tickSpacing == [(3, 0), (3, 0)]  # 30 epochs: a label every 3, not 30 labels
    plots.clear()
    assert plot.viewRange()[1] == [0, 100] and axis._tickSpacing == [(1, 0), (1, 0)]


def test_an_exploding_loss_reads_in_scientific_notation():
    from blockstudio.ui.training_panel import loss_text

    assert loss_text(0.37211) == "0.3721"
    assert loss_text(48235829036720545792.0) == "4.824e+19"


def test_start_waits_while_a_setting_shows_an_error_and_the_grid_stays_level(window):
    """Start used to run with the previous value while a field showed its refusal, and the error
    text slid the neighbouring editor away from its label."""
    panel, actions = window.training_panel, window.actions
    add_net1(window.workspace)
    QApplication.processEvents()
    neighbour, neighbour_label = panel.fields["batch_size"], panel._labels["batch_size"]

    def offset():
        QApplication.processEvents()
        return neighbour.editor.mapTo(panel, neighbour.editor.rect().topLeft()).y() - neighbour_label.y()

    level = offset()
    assert panel.start_button.isEnabled() and actions["start"].isEnabled()
    field = panel.fields["epochs"]
    field.editor.setText("ten")
    field.editor.editingFinished.emit()
    assert "whole number" in field.error_text()
    assert not panel.start_button.isEnabled() and not actions["start"].isEnabled()
    assert "Epochs" in panel.start_button.toolTip()
    assert offset() == level
    panel.start()  # F5 or a script calling it: refused with the reason, nothing runs
    assert window.workspace.training_state == "idle" and "Fix Epochs first" in panel.status_label.text()
    field.editor.setText("2")
    field.editor.editingFinished.emit()
    assert window.workspace.training_settings.epochs == 2
    assert panel.start_button.isEnabled() and actions["start"].isEnabled()


def test_the_input_card_names_the_dataset(window):
    ws = window.workspace
    assert "for MNIST images" in window.canvas.input_card.plain_text()
    ws.set_training_settings(dataset="fashion-mnist")
    assert "for Fashion-MNIST images" in window.canvas.input_card.plain_text()
    assert "Fashion-MNIST" in window.inspector.subtitle.text()
