"""Validation in the window: the validation curves get a point per epoch, and the Restore best epoch
button puts back that epoch's parameters, which the results panel then describes."""

import numpy as np

from .conftest import add_net1

LIMIT = 320  # five steps of 64 per epoch
# On the first 320 images: the validation accuracy peaks at epoch 5, patience 2 stops after epoch 7.
BUMPY = dict(epochs=8, validation=300, patience=2, learning_rate=0.5, momentum=0.9)


def test_validation_curves_and_restore_best_epoch(window, qtbot, mnist_dir):
    ws, panel, plots = window.workspace, window.training_panel, window.plots
    add_net1(ws)
    ws.set_training_settings(data_dir=str(mnist_dir), **BUMPY)
    assert panel.fields["validation"].editor.text() == "300" and panel.fields["patience"].editor.text() == "2"
    assert not panel.restore_button.isVisible() and not window.actions["restore_best"].isEnabled()
    panel.limit = LIMIT
    panel.start_button.click()
    qtbot.waitUntil(lambda: "Stopped early" in panel.status_label.text(), timeout=30000)

    history = ws.run_history
    epochs = len(history.epoch_val_acc)
    x, y = plots.val_acc_curve.getData()
    assert list(x) == list(range(1, epochs + 1)) and list(y) == [100 * a for a in history.epoch_val_acc]
    x, y = plots.val_loss_curve.getData()
    assert list(x) == [5.0 * e for e in range(1, epochs + 1)] and list(y) == history.epoch_val_loss
    best = ws.best_epoch.epoch
    assert best < epochs and f"epoch {best}" in panel.status_label.text()

    assert panel.restore_button.isEnabled() and window.actions["restore_best"].isEnabled()
    assert f"after epoch {epochs} " in panel.result_label.text()
    panel.restore_button.click()
    assert ws.results.epochs == best and not ws.results_stale
    assert f"after epoch {best} " in panel.result_label.text() and "Stale" not in panel.result_label.text()
    restored = {k: p.data().asnumpy() for k, p in ws.network._collect_params_with_prefix().items()}
    assert all(np.array_equal(restored[k], ws.best_epoch.arrays[k]) for k in restored)

    # A change of the network makes it unavailable (with the reason); undo brings it back.
    ws.update_layer(ws.layers[0].uid, units=32)
    assert not panel.restore_button.isEnabled() and not window.actions["restore_best"].isEnabled()
    assert "undo the change" in panel.restore_button.toolTip()
    ws.undo()
    assert panel.restore_button.isEnabled()
    window.actions["restore_best"].trigger()
    assert ws.results.epochs == best
