"""The shape engine by hand: notebook figures, hand-computed examples, every error and warning.

No TensorFlow here; tests/core/stack/test_shapes_vs_keras.py compares with real Keras.
"""
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from core.stack import presets
from core.stack.shapes import (
    ShapeError, ShapeWarning, WARNING_MESSAGES, check_warnings, summarize, totals,
    try_summarize,
)
from core.stack.spec import compact_layer, display_values, normalize_layer

CONV = "Conv2D"


def conv(filters, kernel_size, **kwargs):
    return {"type": CONV, "filters": filters, "kernel_size": kernel_size, **kwargs}


def error_of(input_shape, layers) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        summarize(input_shape, layers)
    return info.value


# --- the notebook's figures -------------------------------------------------------

def test_single_conv_is_the_notebooks_56_parameters():
    (row,) = summarize(*presets.preset("single_conv"))
    assert (row.name, row.output_shape, row.params) == ("conv2d", (32, 32, 2), 56)
    assert row.macs == 32 * 32 * 3 * 3 * 3 * 2


def test_single_conv_with_valid_padding_gives_30x30():
    (row,) = summarize((32, 32, 3), [conv(2, 3, padding="valid")])
    assert row.output_shape == (30, 30, 2)


def test_stride_model_matches_the_notebook_summary():
    rows = summarize(*presets.preset("stride"))
    convs = [r for r in rows if r.type == CONV]
    assert [r.output_shape for r in convs] == [(16, 16, 64), (8, 8, 64), (4, 4, 64), (2, 2, 64)]
    assert [r.params for r in convs] == [1792, 36928, 36928, 36928]
    assert {r.params for r in rows if r.type == "BatchNormalization"} == {256}
    assert rows[-2].output_shape == (256,) and rows[-1].output_shape == (3,)
    assert rows[-1].params == 771
    assert totals(rows).params == 114_371


def test_shared_extractor_has_448384_parameters():
    rows = summarize(*presets.preset("shared_extractor"))
    assert rows[-1].output_shape == (2, 2, 128)
    assert totals(rows).params == 448_384


def test_super_model_totals():
    total = totals(summarize(*presets.preset("super_model")))
    assert (total.params, total.trainable_params, total.non_trainable_params) == (
        449_923, 448_899, 1_024)


def test_stride_pool_model_fails_at_its_third_pooling_layer():
    input_shape, layers = presets.preset("stride_pool")
    err = error_of(input_shape, layers)
    pools = [i for i, layer in enumerate(layers) if layer["type"] == "MaxPooling2D"]
    assert err.layer_index == pools[2] == 11
    assert err.code == "pool_too_small"
    assert err.details["input_size"] == (1, 1) and err.details["pool_size"] == (2, 2)
    assert str(err).startswith(
        "Layer 12 (MaxPooling2D) needs at least 2x2 input, but the previous layer outputs 1x1.")


def test_stride_pool_fixed_builds_with_the_stride_models_output_and_params():
    fixed = summarize(*presets.preset("stride_pool_fixed"))
    stride = summarize(*presets.preset("stride"))
    assert fixed[-3].output_shape == stride[-3].output_shape == (2, 2, 64)
    assert totals(fixed).params == totals(stride).params
    assert all(not r.warnings for r in fixed)


def test_extractor_width_parameter():
    rows = summarize((32, 32, 3), presets.shared_extractor(width=8))
    assert rows[-1].output_shape == (2, 2, 8)


def test_with_head_adds_flatten_only_when_needed():
    assert [l["type"] for l in presets.with_head([conv(4, 3)], 5)] == [CONV, "Flatten", "Dense"]
    gap = [conv(4, 3), {"type": "GlobalAveragePooling2D"}, {"type": "Dropout", "rate": 0.2}]
    assert [l["type"] for l in presets.with_head(gap, 5)][-2:] == ["Dropout", "Dense"]
    assert presets.with_head([], 2)[-1] == {"type": "Dense", "units": 2, "activation": "softmax"}


def test_every_preset_is_fresh_and_known():
    for preset_id in presets.PRESET_IDS:
        first, second = presets.preset(preset_id)[1], presets.preset(preset_id)[1]
        assert first == second and first is not second
    with pytest.raises(KeyError):
        presets.preset("nope")


# --- hand-computed examples ---------------------------------------------------------

def test_lenet_like_shapes_params_macs_receptive_field():
    pool = {"type": "MaxPooling2D", "pool_size": 2}
    rows = summarize((28, 28, 1), [conv(6, 5), pool, conv(16, 5), pool])
    assert [r.output_shape for r in rows] == [(24, 24, 6), (12, 12, 6), (8, 8, 16), (4, 4, 16)]
    assert [r.params for r in rows] == [156, 0, 2416, 0]
    assert rows[0].macs == 24 * 24 * 5 * 5 * 1 * 6
    assert rows[2].macs == 8 * 8 * 5 * 5 * 6 * 16
    assert [r.receptive_field for r in rows] == [(5, 5), (6, 6), (14, 14), (16, 16)]
    assert [r.jump for r in rows] == [(1, 1), (2, 2), (2, 2), (4, 4)]
    assert [r.name for r in rows] == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]


def test_non_square_kernel_and_strides():
    (row,) = summarize((9, 4, 2), [conv(3, (3, 1), strides=(2, 1))])
    assert row.output_shape == (4, 4, 3)
    assert row.receptive_field == (3, 1) and row.jump == (2, 1)
    assert row.params == 3 * 1 * 2 * 3 + 3


def test_same_padding_rounds_up_and_never_fails():
    rows = summarize((7, 1, 1), [conv(1, 5, strides=3, padding="same"),
                                 {"type": "AvgPool2D", "pool_size": 4, "padding": "same"}])
    assert rows[0].output_shape == (3, 1, 1) and rows[1].output_shape == (1, 1, 1)


def test_pooling_strides_default_to_pool_size_and_can_differ():
    rows = summarize((7, 8, 2), [{"type": "MaxPooling2D", "pool_size": 3, "strides": 2}])
    assert rows[0].output_shape == (3, 3, 2)
    (row,) = summarize((9, 9, 1), [{"type": "MaxPooling2D", "pool_size": 3}])
    assert row.output_shape == (3, 3, 1)


def test_dense_on_a_feature_map_works_per_position():
    (row,) = summarize((4, 4, 2), [{"type": "Dense", "units": 3}])
    assert row.output_shape == (4, 4, 3) and row.params == 2 * 3 + 3
    assert row.macs == 4 * 4 * 2 * 3 and row.receptive_field == (1, 1)
    assert [w.code for w in row.warnings] == ["dense_on_feature_map"]


def test_flatten_gap_and_vector_layers():
    rows = summarize((5, 6, 8), [{"type": "GlobalAveragePooling2D"},
                                 {"type": "BatchNormalization"},
                                 {"type": "Dense", "units": 4, "use_bias": False},
                                 {"type": "Flatten"}])
    assert [r.output_shape for r in rows] == [(8,), (8,), (4,), (4,)]
    assert rows[1].params == 32 and rows[1].non_trainable_params == 16
    assert rows[1].trainable_params == 16
    assert rows[2].params == 32 and rows[2].macs == 32
    assert all(r.receptive_field == (5, 6) and r.jump is None for r in rows)


def test_batchnorm_activation_dropout_keep_the_shape_and_receptive_field():
    rows = summarize((8, 8, 3), [conv(4, 3), {"type": "BatchNormalization"},
                                 {"type": "Activation", "activation": "relu"},
                                 {"type": "Dropout", "rate": 0.3}])
    assert {r.output_shape for r in rows} == {(6, 6, 4)}
    assert {r.receptive_field for r in rows} == {(3, 3)}
    assert rows[1].params == 16 and rows[1].non_trainable_params == 8


def test_conv_without_bias_and_activation_argument():
    (row,) = summarize((8, 8, 3), [conv(4, 3, use_bias=False, activation="relu")])
    assert row.params == 3 * 3 * 3 * 4


def test_activation_memory_and_totals():
    rows = summarize((4, 4, 1), [conv(2, 3), {"type": "Flatten"}, {"type": "Dense", "units": 5}])
    assert [r.activation_size for r in rows] == [8, 8, 5]
    assert [r.activation_bytes for r in rows] == [32, 32, 20]
    total = totals(rows)
    assert total.params == 20 + 45 and total.macs == 2 * 2 * 9 * 2 + 8 * 5
    assert total.activation_bytes == 84 and total.non_trainable_params == 0


def test_names_number_repeats_per_type_and_aliases_are_normalised():
    rows = summarize((8, 8, 1), [{"type": "MaxPool2D"}, {"type": "AvgPool2D", "pool_size": 2},
                                 {"type": "MaxPooling2D", "padding": "same"}])
    assert [r.name for r in rows] == ["max_pooling2d", "average_pooling2d", "max_pooling2d_1"]
    assert [r.type for r in rows] == ["MaxPooling2D", "AveragePooling2D", "MaxPooling2D"]


def test_empty_stack_has_no_rows():
    assert summarize((3, 3, 1), []) == [] and totals([]).params == 0


# --- errors -------------------------------------------------------------------------

ERROR_CASES = {  # id -> (input_shape, layers, layer_index, code, details subset)
    "bad_input_shape": ((32, 32), [], -1, "bad_input_shape", {}),
    "input_float": ((32.0, 32, 3), [], -1, "bad_input_shape", {}),
    "nonpositive_size": ((0, 32, 3), [], -1, "nonpositive_size", {"input_shape": (0, 32, 3)}),
    "bad_layer_spec": ((8, 8, 1), ["Conv2D"], 0, "bad_layer_spec", {}),
    "unknown_layer": ((8, 8, 1), [{"type": "Conv3D"}], 0, "unknown_layer",
                      {"layer_type": "Conv3D"}),
    "unknown_argument": ((8, 8, 1), [{"type": CONV, "filter": 3, "kernel_size": 3}], 0,
                         "unknown_argument", {"argument": "filter"}),
    "missing_argument": ((8, 8, 1), [{"type": "Dense"}], 0, "missing_argument",
                         {"argument": "units"}),
    "filters_zero": ((8, 8, 1), [conv(0, 3)], 0, "bad_argument",
                     {"argument": "filters", "expected": "positive_int"}),
    "units_float": ((8, 8, 1), [{"type": "Dense", "units": 3.0}], 0, "bad_argument",
                    {"argument": "units", "expected": "positive_int"}),
    "filters_bool": ((8, 8, 1), [conv(True, 3)], 0, "bad_argument", {"argument": "filters"}),
    "kernel_triple": ((8, 8, 1), [conv(1, (3, 3, 3))], 0, "bad_argument",
                      {"argument": "kernel_size", "expected": "int_or_pair"}),
    "kernel_zero": ((8, 8, 1), [conv(1, 0)], 0, "bad_argument",
                    {"argument": "kernel_size", "expected": "positive_int_or_pair"}),
    "strides_negative": ((8, 8, 1), [conv(1, 3, strides=-1)], 0, "bad_argument",
                         {"argument": "strides", "expected": "positive_int_or_pair"}),
    "zero_stride": ((8, 8, 1), [{"type": "MaxPooling2D", "strides": (1, 0)}], 0,
                    "zero_stride", {"argument": "strides"}),
    "bias_str": ((8, 8, 1), [conv(1, 3, use_bias="no")], 0, "bad_argument",
                 {"argument": "use_bias", "expected": "bool"}),
    "rate": ((8, 8, 1), [{"type": "Dropout", "rate": 1.5}], 0, "bad_argument",
             {"argument": "rate", "expected": "rate_0_1"}),
    "activation": ((8, 8, 1), [{"type": "Activation", "activation": "RELU"}], 0,
                   "bad_argument", {"argument": "activation", "expected": "activation_name"}),
    "bad_padding": ((8, 8, 1), [conv(1, 3, padding="full")], 0, "bad_padding",
                    {"value": "full"}),
    "pool_padding_is_case_sensitive": ((8, 8, 1), [{"type": "MaxPooling2D", "padding": "SAME"}],
                                       0, "bad_padding", {"value": "SAME"}),
    "needs_4d_input": ((8, 8, 1), [{"type": "Flatten"}, conv(1, 3)], 1, "needs_4d_input",
                       {"input_shape": (64,), "layer_type": CONV}),
    "gap_after_flatten": ((8, 8, 1), [{"type": "Flatten"}, {"type": "GlobalAveragePooling2D"}],
                          1, "needs_4d_input", {}),
    "kernel_too_large": ((2, 4, 1), [conv(1, 3)], 0, "kernel_too_large",
                         {"input_size": (2, 4), "kernel_size": (3, 3), "from_input": True}),
    "pool_too_small": ((1, 4, 1), [{"type": "AveragePooling2D", "pool_size": 2}], 0,
                       "pool_too_small", {"input_size": (1, 4), "pool_size": (2, 2)}),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_errors_name_the_layer_code_and_details(case):
    input_shape, layers, index, code, details = ERROR_CASES[case]
    err = error_of(input_shape, layers)
    assert (err.layer_index, err.code) == (index, code)
    assert details.items() <= err.details.items()
    assert str(err).endswith(".") and len(str(err)) > 20
    if index >= 0:
        assert str(err).startswith(f"Layer {index + 1}")
        display_values(err.details)  # every detail renders


def test_kernel_too_large_message_names_the_sizes():
    err = error_of((8, 8, 1), [conv(1, 5), conv(1, 5)])
    assert err.layer_index == 1
    assert str(err).startswith(
        "Layer 2 (Conv2D) needs at least 5x5 input for its 5x5 kernel with padding='valid', "
        "but the previous layer outputs 4x4.")


def test_output_of_size_zero_is_an_error_and_exact_fit_is_not():
    assert summarize((3, 3, 1), [conv(1, 3)])[0].output_shape == (1, 1, 1)
    assert error_of((2, 3, 1), [conv(1, 3)]).code == "kernel_too_large"


def test_try_summarize_returns_rows_before_the_error():
    rows, err = try_summarize(*presets.preset("stride_pool"))
    assert len(rows) == 11 and err.layer_index == 11
    rows, err = try_summarize(*presets.preset("stride"))
    assert err is None and len(rows) == 14


def test_errors_pickle_and_render_their_details():
    err = error_of((8, 8, 1), [conv(1, 3, padding="full")])
    copy = pickle.loads(pickle.dumps(err))
    assert (str(copy), copy.layer_index, copy.code, copy.details) == (
        str(err), err.layer_index, err.code, err.details)
    assert display_values(err.details)["allowed"] == "valid, same"
    values = display_values({"kernel_size": (3, 5), "input_shape": (4, 4, 2), "rate": 0.5})
    assert values == {"kernel_size": "3x5", "input_shape": "(4, 4, 2)", "rate": "0.5"}


def test_conv_padding_is_lowercased_like_keras():
    assert normalize_layer(conv(1, 3, padding="SAME"))["padding"] == "same"


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    (row,) = summarize((np.int64(8), 8, 1), [conv(np.int64(2), np.int32(3))])
    assert row.output_shape == (6, 6, 2) and type(row.output_shape[0]) is int


# --- warnings -----------------------------------------------------------------------

WARNING_CASES = {  # code -> (input_shape, layers, layer_index)
    "dense_on_feature_map": ((4, 4, 2), [{"type": "Dense", "units": 3}], 0),
    "pool_window_one": ((4, 4, 2), [{"type": "MaxPooling2D", "pool_size": (1, 2)}], 0),
    "strides_skip_pixels": ((8, 8, 1), [conv(1, 1, strides=2)], 0),
    "edge_pixels_dropped": ((5, 5, 1), [{"type": "MaxPooling2D", "pool_size": 2}], 0),
    "dropout_rate_zero": ((4, 4, 2), [{"type": "Dropout", "rate": 0}], 0),
    "dropout_rate_one": ((4, 4, 2), [{"type": "Dropout", "rate": 1}], 0),
    "softmax_not_last": ((4, 4, 2), [{"type": "Activation", "activation": "softmax"},
                                     {"type": "Flatten"}], 0),
    "augment_not_image": ((4, 4, 2), [{"type": "Flatten"}, {"type": "RandomFlip"}], 1),
}


def test_every_warning_code_has_a_case_and_a_message():
    assert set(WARNING_CASES) == set(WARNING_MESSAGES)


@pytest.mark.parametrize("code", WARNING_CASES)
def test_warnings(code):
    input_shape, layers, index = WARNING_CASES[code]
    found = [(i, w) for i, w in check_warnings(input_shape, layers) if w.code == code]
    assert found and found[0][0] == index
    message = found[0][1].message
    assert message.endswith(".") and "{" not in message


def test_edge_pixels_dropped_counts_rows_and_columns():
    (row,) = summarize((5, 6, 1), [{"type": "MaxPooling2D", "pool_size": 2}])
    (warning,) = row.warnings
    assert warning.details["dropped_rows"] == 1 and warning.details["dropped_cols"] == 0
    code, details = warning  # a warning is a (code, details) pair
    assert code == "edge_pixels_dropped" and details["input_size"] == (5, 6)


def test_notebook_models_have_no_warnings():
    for preset_id in ("single_conv", "stride", "shared_extractor", "super_model"):
        assert check_warnings(*presets.preset(preset_id)) == []


def test_softmax_on_the_last_layer_is_fine():
    assert check_warnings((4, 4, 1), presets.with_head([conv(2, 3)], 3)) == []


def test_warning_is_a_named_pair():
    warning = ShapeWarning("dropout_rate_zero", {"rate": 0.0})
    assert warning == ("dropout_rate_zero", {"rate": 0.0})


# --- compact specs and the import boundary -------------------------------------------

def test_compact_layer_keeps_key_and_non_default_arguments():
    assert compact_layer(conv(8, (3, 3), strides=(1, 1), padding="valid")) == conv(8, 3)
    assert compact_layer({"type": "MaxPool2D", "strides": 2}) == {
        "type": "MaxPooling2D", "pool_size": 2}
    assert compact_layer({"type": "MaxPooling2D", "pool_size": (2, 3), "strides": 1}) == {
        "type": "MaxPooling2D", "pool_size": (2, 3), "strides": 1}
    assert compact_layer({"type": "Dropout"}) == {"type": "Dropout", "rate": 0.5}


def test_shapes_never_imports_tensorflow():
    code = ("import sys, core.stack.shapes, core.stack.build, core.stack.presets; "
            "assert not {'tensorflow', 'keras'} & set(sys.modules), 'tf imported'")
    root = Path(__file__).parents[3]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_augmentation_keeps_the_shape_and_costs_nothing_counted():
    """RandomFlip and RandomTranslation change pixels only while training: no weights, no
    multiply-accumulates, the receptive field of the layer after them unchanged."""
    layers = [{"type": "RandomFlip", "mode": "horizontal"},
              {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},
              conv(2, 3)]
    flip, shift, convolution = summarize((32, 32, 3), layers)
    assert flip.output_shape == shift.output_shape == (32, 32, 3)
    assert (flip.params, flip.macs, shift.params, shift.macs) == (0, 0, 0, 0)
    assert (flip.name, shift.name) == ("random_flip", "random_translation")
    assert convolution.receptive_field == (3, 3) and not flip.warnings and not shift.warnings


@pytest.mark.parametrize("spec, expected", [
    ({"type": "RandomFlip", "mode": "diagonal"}, "choice"),
    ({"type": "RandomTranslation", "height_factor": -0.1, "width_factor": 0.1}, "rate_0_1"),
    ({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1,
      "fill_mode": "zeros"}, "choice"),
])
def test_augmentation_arguments_are_checked(spec, expected):
    with pytest.raises(ShapeError) as info:
        summarize((8, 8, 3), [spec])
    assert info.value.details["expected"] == expected
