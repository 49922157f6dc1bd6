"""Our shape engine against real Keras 3, layer by layer.

Keras is driven straight from the raw specs (`getattr(keras.layers, type)(**args)`),
not through core.stack.build, so the two sides share nothing but the spec. Each stack is
built symbolically, one layer call at a time on a `keras.Input`, so the layer where
Keras raises is known; nothing is ever fitted.
"""
from math import prod

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.stack import presets
from core.stack.shapes import summarize, try_summarize
from core.stack.spec import ACTIVATIONS

keras = pytest.importorskip("keras")

_built = 0  # stacks built since the last clear_session
CLEAR_EVERY = 50  # keeps Keras' global graph state small over hundreds of stacks


def keras_trace(input_shape, layers):
    """([(output_shape, params, trainable, non_trainable) per layer], failing index or None)."""
    global _built
    _built += 1
    if _built % CLEAR_EVERY == 0:
        keras.backend.clear_session()
    x = keras.Input(shape=input_shape)
    trace = []
    for index, spec in enumerate(layers):
        try:
            kwargs = {key: value for key, value in spec.items() if key != "type"}
            layer = getattr(keras.layers, spec["type"])(**kwargs)
            x = layer(x)
        except (ValueError, TypeError, ZeroDivisionError,
                NotImplementedError):  # what Keras raises (the last: a fill_mode)
            return trace, index
        trace.append((tuple(x.shape[1:]), layer.count_params(),
                      sum(prod(w.shape) for w in layer.trainable_weights),
                      sum(prod(w.shape) for w in layer.non_trainable_weights)))
    return trace, None


def our_trace(input_shape, layers):
    rows, error = try_summarize(input_shape, layers)
    trace = [(r.output_shape, r.params, r.trainable_params, r.non_trainable_params)
             for r in rows]
    return trace, None if error is None else error.layer_index


@pytest.mark.parametrize("preset_id", presets.PRESET_IDS)
def test_notebook_models_match_keras(preset_id):
    input_shape, layers = presets.preset(preset_id)
    assert our_trace(input_shape, layers) == keras_trace(input_shape, layers)


def test_keras_also_fails_at_the_third_pooling_layer():
    assert keras_trace(*presets.preset("stride_pool"))[1] == 11


def test_names_match_a_fresh_sequential():
    input_shape, layers = presets.preset("stride_pool_fixed")
    layers = ([{"type": "RandomFlip", "mode": "horizontal"},
               {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}]
              + layers + [{"type": "Dropout", "rate": 0.5}, {"type": "Dense", "units": 2}])
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=input_shape)] + [
        getattr(keras.layers, s["type"])(**{k: v for k, v in s.items() if k != "type"})
        for s in layers])
    assert [layer.name for layer in model.layers] == [
        row.name for row in summarize(input_shape, layers)]


def test_every_activation_name_is_one_keras_knows():
    for name in ACTIVATIONS:
        assert callable(keras.activations.get(name))


ARGUMENT_CASES = [  # raw specs Keras refuses (or, for Conv2D "SAME", accepts)
    {"type": "Conv2D", "filters": 0, "kernel_size": 3},
    {"type": "Conv2D", "filters": 2.0, "kernel_size": 3},
    {"type": "Conv2D", "filters": 2, "kernel_size": 0},
    {"type": "Conv2D", "filters": 2, "kernel_size": (3, 3, 3)},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 0},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": -1},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "SAME"},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "causal"},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "filter": 3},
    {"type": "Conv2D", "filters": 2, "kernel_size": 3, "activation": "foo"},
    {"type": "MaxPooling2D", "pool_size": 0},
    {"type": "MaxPooling2D", "pool_size": 2, "strides": 0},
    {"type": "MaxPooling2D", "padding": "SAME"},
    {"type": "AveragePooling2D", "pool_size": 2, "padding": "foo"},
    {"type": "Dense", "units": 0},
    {"type": "Dense", "units": 3.0},
    {"type": "Dropout", "rate": 1.5},
    {"type": "Dropout", "rate": -0.1},
    {"type": "Activation", "activation": "RELU"},
    {"type": "RandomTranslation", "height_factor": 1.5, "width_factor": 0.1},
    {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "foo"},
    {"type": "RandomTranslation", "height_factor": 0.1},
]


@pytest.mark.parametrize("spec", ARGUMENT_CASES, ids=lambda s: repr(s)[:60])
def test_argument_errors_happen_where_keras_fails(spec):
    layers = [{"type": "BatchNormalization"}, spec, {"type": "Flatten"}]
    assert our_trace((8, 8, 2), layers) == keras_trace((8, 8, 2), layers)


# --- random stacks ------------------------------------------------------------------

def _pair(low, high):
    side = st.integers(low, high)
    return st.one_of(side, st.tuples(side, side))


PADDING = st.sampled_from(["valid", "same"])
ACTIVATION = st.sampled_from([None, "relu", "softmax", "tanh"])
CONV = st.fixed_dictionaries(
    {"type": st.just("Conv2D"), "filters": st.integers(1, 4), "kernel_size": _pair(1, 5)},
    optional={"strides": _pair(1, 3), "padding": PADDING, "use_bias": st.booleans(),
              "activation": ACTIVATION})
POOL = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["MaxPooling2D", "MaxPool2D", "AveragePooling2D",
                                  "AvgPool2D"]), "pool_size": _pair(1, 4)},
        optional={"strides": st.one_of(st.none(), _pair(1, 3)), "padding": PADDING}),
    st.just({"type": "MaxPooling2D"}))
OTHER = st.one_of(
    st.just({"type": "BatchNormalization"}),
    st.builds(lambda a: {"type": "Activation", "activation": a},
              st.sampled_from(["relu", "sigmoid", "softmax", "linear"])),
    st.builds(lambda r: {"type": "Dropout", "rate": r}, st.sampled_from([0, 0.25, 0.5, 1])),
    st.just({"type": "Flatten"}),
    st.just({"type": "GlobalAveragePooling2D"}),
    st.builds(lambda m: {"type": "RandomFlip", "mode": m},
              st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"])),
    st.just({"type": "RandomFlip"}),
    st.fixed_dictionaries(
        {"type": st.just("RandomTranslation"), "height_factor": st.sampled_from([0, 0.1, 1]),
         "width_factor": st.sampled_from([0.05, 0.5])},
        optional={"fill_mode": st.sampled_from(["reflect", "wrap", "constant", "nearest"])}),
    st.fixed_dictionaries({"type": st.just("Dense"), "units": st.integers(1, 4)},
                          optional={"activation": ACTIVATION, "use_bias": st.booleans()}),
)
# Mostly spatial layers, so stacks go deep enough to shrink the image away.
LAYER = st.sampled_from(["conv"] * 4 + ["pool"] * 3 + ["other"] * 3).flatmap(
    {"conv": CONV, "pool": POOL, "other": OTHER}.get)
INPUT_SHAPE = st.tuples(st.integers(1, 40), st.integers(1, 40), st.integers(1, 4))
# Lengths drawn evenly: st.lists alone favours very short stacks.
STACK = st.integers(1, 10).flatmap(lambda n: st.lists(LAYER, min_size=n, max_size=n))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(input_shape=INPUT_SHAPE, layers=STACK)
@example((1, 1, 1), [{"type": "MaxPooling2D", "pool_size": 2, "padding": "same"}])
@example((3, 3, 1), [{"type": "Conv2D", "filters": 1, "kernel_size": 3}])
@example((2, 3, 1), [{"type": "Conv2D", "filters": 1, "kernel_size": 3}])
@example((4, 4, 2), [{"type": "Dense", "units": 3}, {"type": "Flatten"}, {"type": "Flatten"}])
@example((4, 4, 2), [{"type": "Flatten"}, {"type": "BatchNormalization"}])
@example((4, 4, 2), [{"type": "Flatten"}, {"type": "GlobalAveragePooling2D"}])
@example((4, 4, 2), [{"type": "GlobalAveragePooling2D"}, {"type": "MaxPooling2D"}])
@example((5, 9, 1), [{"type": "AvgPool2D", "pool_size": (2, 3), "strides": (3, 1)}])
@example((32, 32, 3), [{"type": "RandomFlip", "mode": "horizontal"},
                       {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},
                       {"type": "Conv2D", "filters": 2, "kernel_size": 3}, {"type": "Flatten"},
                       {"type": "Dropout", "rate": 0.5}, {"type": "Dense", "units": 3}])
@example((4, 4, 2), [{"type": "Flatten"}, {"type": "RandomFlip"}])
def test_random_stacks_match_keras(input_shape, layers):
    assert our_trace(input_shape, layers) == keras_trace(input_shape, layers)
