"""Events delivery and the layer/training setting checks."""

import math

import pytest

from blockstudio.workspace import SettingError, TrainingSettings, default_settings, validate_setting
from blockstudio.workspace.events import Event, EventEmitter, Events
from blockstudio.workspace.spec import coerce_input_shape, coerce_setting, layer_title


def test_emitter_calls_every_callback_with_payload_and_disconnects():
    emitter, seen = EventEmitter("training"), []
    first = emitter.connect(lambda e: seen.append(("a", e.type, e.kind)))
    emitter.connect(lambda e: seen.append(("b", e.type, e.kind)))
    emitter.emit(kind="state")
    emitter.disconnect(first)
    emitter.emit(kind="step")
    assert seen == [("a", "training", "state"), ("b", "training", "state"), ("b", "training", "step")]


def test_a_failing_callback_does_not_starve_the_others_but_is_reported():
    emitter, seen = EventEmitter("layers"), []

    def broken(event):
        raise RuntimeError("view bug")

    emitter.connect(broken)
    emitter.connect(lambda e: seen.append(e.type))
    with pytest.raises(RuntimeError, match="view bug"):
        emitter.emit()
    assert seen == ["layers"]


def test_events_has_one_emitter_per_contract_name():
    events = Events()
    assert [e.type for e in events] == ["layers", "shapes", "selection", "project", "history", "parameters",
                                        "results", "settings", "training"]
    assert "state='running'" in repr(Event("training", kind="state", state="running"))


@pytest.mark.parametrize("kind, field, value, message", [
    ("Dense", "units", 0, "units must be a whole number of at least 1 (got 0)"),
    ("Dense", "units", -3, "at least 1 (got -3)"),
    ("Dense", "units", 2.5, "whole number"),
    ("Dense", "units", True, "whole number"),
    ("Dense", "in_units", -1, "at least 0"),
    ("Dense", "activation", "gelu", "activation must be one of relu, sigmoid, tanh, softrelu, softsign or none"),
    ("Dense", "use_bias", 1, "true or false"),
    ("Dropout", "rate", 1.0, "rate must be at least 0 and below 1 (got 1.0)"),
    ("Dropout", "rate", -0.1, "below 1"),
    ("Dropout", "rate", math.nan, "must be a number"),
    ("Activation", "activation", None, "activation must be one of"),
    ("Flatten", "units", 3, "Flatten has no setting 'units'"),
])
def test_bad_values_are_refused_with_a_message_for_the_field(kind, field, value, message):
    with pytest.raises(SettingError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        validate_setting(kind, field, value)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_good_values_are_normalised_not_clamped():
    assert coerce_setting("Dropout", "rate", 0) == 0.0
    assert coerce_setting("Dense", "activation", "linear") is None
    assert coerce_setting("Dense", "units", 784) == 784
    assert validate_setting("Dense", "activation", None) is None
    assert default_settings("Dense") == {"units": 128, "activation": "relu", "use_bias": True, "in_units": 0,
                                         "flatten": True}
    with pytest.raises(SettingError, match="unknown layer type 'Conv3D'"):
        default_settings("Conv3D")


def test_titles_read_like_the_gluon_call():
    assert layer_title("Dense", default_settings("Dense")) == "Dense(128, relu)"
    assert layer_title("Dense", dict(default_settings("Dense"), activation=None, units=10)) == "Dense(10)"
    assert layer_title("Dense", dict(default_settings("Dense"), in_units=784)) == "Dense(128, relu, in_units=784)"
    assert layer_title("Dropout", {"rate": 0.5}) == "Dropout(0.5)"
    assert layer_title("Flatten", {}) == "Flatten()"


def test_input_shape_and_training_settings_checks():
    assert coerce_input_shape([64, 28, 28, 1]) == (64, 28, 28, 1)
    for bad in [(64,), (64, 0), "abc", (64, 28.5)]:
        with pytest.raises(SettingError):
            coerce_input_shape(bad)
    settings = TrainingSettings()
    assert (settings.epochs, settings.batch_size, settings.optimizer, settings.learning_rate,
            settings.init_magnitude, settings.seed) == (1, 64, "sgd", 0.1, 2.24, 42)
    assert settings.replace(optimizer="adam", learning_rate=1e-3).optimizer == "adam"
    for field, value in [("epochs", 0), ("batch_size", -1), ("optimizer", "rmsprop"), ("learning_rate", 0),
                         ("momentum", 1.0), ("weight_decay", -1), ("initializer", "he"), ("seed", -1),
                         ("dataset", "cifar10"), ("colour", 1)]:
        with pytest.raises(SettingError) as info:
            settings.replace(**{field: value})
        assert info.value.field == field
    assert settings.replace(data_dir="").data_dir is None


def test_a_batch_fires_each_emitter_once_then_changed_once_with_every_kind():
    events = Events()
    calls = []
    events.layers.connect(lambda e: calls.append(("layers", getattr(e, "n", None))))
    events.shapes.connect(lambda e: calls.append(("shapes", None)))
    events.changed.connect(lambda e: calls.append(("changed", tuple(sorted(e.names)))))
    with events.batch():
        events.shapes.emit()
        with events.batch():  # nested: still one batch
            events.layers.emit(n=1)
            events.layers.emit(n=2)
        assert calls == []
    assert calls == [("layers", 2), ("shapes", None), ("changed", ("layers", "shapes"))]


def test_an_emit_outside_a_batch_is_a_batch_of_one():
    events = Events()
    seen = []
    events.changed.connect(lambda e: seen.append(set(e.names)))
    events.history.emit()
    assert seen == [{"history"}]


def test_training_events_are_never_held_by_a_batch():
    events = Events()
    seen = []
    events.training.connect(lambda e: seen.append(e.kind))
    events.changed.connect(lambda e: seen.append("changed"))
    with events.batch():
        events.training.emit(kind="step")
        assert seen == ["step"]
    assert seen == ["step"]


def test_another_threads_emit_during_a_batch_goes_out_at_once():
    import threading

    events = Events()
    seen = []
    events.project.connect(lambda e: seen.append(threading.current_thread().name))
    with events.batch():
        worker = threading.Thread(target=events.project.emit, name="worker")
        worker.start()
        worker.join()
        assert seen == ["worker"]
