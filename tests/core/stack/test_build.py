"""Building real Keras models from layer lists, and the exported Keras code."""
from math import prod

import pytest

from core.stack import presets
from core.stack.build import build_model, keras_code, layer_code
from core.stack.shapes import ShapeError, summarize, totals

keras = pytest.importorskip("keras")

BUILDABLE = [p for p in presets.PRESET_IDS if p != "stride_pool"]
CUSTOM = (  # every type and the less common arguments
    (20, 17, 2),
    [{"type": "Conv2D", "filters": 3, "kernel_size": (3, 2), "strides": (2, 1),
      "use_bias": False, "activation": "relu"},
     {"type": "AvgPool2D", "pool_size": (2, 3), "strides": 1, "padding": "same"},
     {"type": "MaxPool2D", "pool_size": 3, "strides": 2},
     {"type": "BatchNormalization"},
     {"type": "Dense", "units": 4, "activation": "tanh"},
     {"type": "Dropout", "rate": 0.25},
     {"type": "GlobalAveragePooling2D"},
     {"type": "Activation", "activation": "sigmoid"},
     {"type": "Flatten"},
     {"type": "Dense", "units": 2, "use_bias": False},
     {"type": "RandomFlip", "mode": "vertical"},
     {"type": "RandomTranslation", "height_factor": 0.2, "width_factor": 0, "fill_mode": "nearest"}],
)


def _count(weights) -> int:
    return sum(prod(w.shape) for w in weights)


def assert_model_matches(model, input_shape, layers):
    rows = summarize(input_shape, layers)
    assert len(model.layers) == len(rows)
    for layer, row in zip(model.layers, rows):
        assert type(layer).__name__ == row.type
        assert tuple(layer.output.shape[1:]) == row.output_shape
        assert layer.count_params() == row.params
    total = totals(rows)
    assert model.count_params() == total.params
    assert _count(model.trainable_weights) == total.trainable_params
    assert _count(model.non_trainable_weights) == total.non_trainable_params


@pytest.mark.parametrize("preset_id", BUILDABLE)
def test_build_model_matches_summarize(preset_id):
    input_shape, layers = presets.preset(preset_id)
    assert_model_matches(build_model(input_shape, layers), input_shape, layers)


def test_build_model_with_every_layer_type_and_keras_names():
    keras.backend.clear_session()
    model = build_model(*CUSTOM, name="custom")
    assert model.name == "custom"
    assert_model_matches(model, *CUSTOM)
    assert [layer.name for layer in model.layers] == [r.name for r in summarize(*CUSTOM)]


def test_super_model_is_the_notebooks():
    model = build_model(*presets.preset("super_model"))
    assert model.count_params() == 449_923
    assert _count(model.non_trainable_weights) == 1_024


def test_build_model_raises_our_error_where_keras_would_fail():
    with pytest.raises(ShapeError) as info:
        build_model(*presets.preset("stride_pool"))
    assert info.value.layer_index == 11 and info.value.code == "pool_too_small"
    with pytest.raises(ShapeError):
        build_model((8, 8, 1), [{"type": "Conv2D", "filters": 0, "kernel_size": 3}])


def run_code(code: str):
    namespace: dict = {}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    return namespace["model"]


@pytest.mark.parametrize("case", BUILDABLE + ["custom"])
def test_keras_code_round_trip(case):
    input_shape, layers = CUSTOM if case == "custom" else presets.preset(case)
    code = keras_code(input_shape, layers)
    assert code.startswith("import keras\n") and "model.summary()" in code
    assert_model_matches(run_code(code), input_shape, layers)


def test_keras_code_marks_the_failing_line_and_keras_agrees():
    input_shape, layers = presets.preset("stride_pool")
    lines = keras_code(input_shape, layers).splitlines()
    failing = [line for line in lines if "Keras raises an error here" in line]
    assert len(failing) == 1 and "MaxPooling2D" in failing[0]
    with pytest.raises(ValueError):
        run_code("\n".join(lines))


def test_keras_code_reads_like_the_keras_docs():
    code = keras_code((32, 32, 3), presets.stride())
    assert "    keras.Input(shape=(32, 32, 3)),\n" in code
    assert ('keras.layers.Conv2D(filters=64, kernel_size=3, strides=2, padding="same"),'
            "  # (16, 16, 64)") in code
    assert 'keras.layers.Dense(units=3, activation="softmax"),  # (3,)' in code
    assert keras_code((8, 8, 1), [], name="tiny").endswith("], name=\"tiny\")\nmodel.summary()\n")


def test_layer_code_keeps_key_and_non_default_arguments():
    assert layer_code({"type": "MaxPool2D"}) == "keras.layers.MaxPooling2D(pool_size=2)"
    assert layer_code({"type": "Conv2D", "filters": 8, "kernel_size": (1, 3),
                       "strides": 1, "use_bias": False}) == (
        "keras.layers.Conv2D(filters=8, kernel_size=(1, 3), use_bias=False)")
    assert layer_code({"type": "Dropout"}) == "keras.layers.Dropout(rate=0.5)"
    assert layer_code({"type": "AveragePooling2D", "pool_size": 2, "strides": 1}) == (
        "keras.layers.AveragePooling2D(pool_size=2, strides=1)")


def _regularised(model) -> list[float]:
    """The L2 factor of every layer's kernel_regularizer (None where it has none)."""
    return [getattr(getattr(layer, "kernel_regularizer", None), "l2", None)
            for layer in model.layers]


def test_weight_decay_puts_l2_on_every_kernel_and_adds_no_parameter():
    input_shape, layers = presets.preset("stride")
    keras.backend.clear_session()
    model = build_model(input_shape, layers, weight_decay=1e-4)
    assert_model_matches(model, input_shape, layers)
    kinds = [type(layer).__name__ for layer in model.layers]
    factors = _regularised(model)
    assert all(f == pytest.approx(1e-4) for f, k in zip(factors, kinds) if k in ("Conv2D", "Dense"))
    assert all(f is None for f, k in zip(factors, kinds) if k not in ("Conv2D", "Dense"))
    assert not any(_regularised(build_model(input_shape, layers)))


def test_keras_code_with_weight_decay_builds_the_same_model():
    input_shape, layers = presets.preset("stride")
    code = keras_code(input_shape, layers, weight_decay=1e-4)
    assert 'padding="same", kernel_regularizer=keras.regularizers.L2(0.0001)),' in code
    model = run_code(code)
    assert_model_matches(model, input_shape, layers)
    assert _regularised(model) == _regularised(build_model(input_shape, layers, weight_decay=1e-4))
