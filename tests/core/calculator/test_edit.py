"""Editing a stack: size text, list operations, type changes and the editor's fields."""
import pytest

from core.stack import presets
from core.stack.shapes import summarize
from core.stack.spec import SUPPORTED, compact_layer, normalize_layer
from core.calculator.edit import (
    NEW_LAYER, change_type, default_stack, fields_of, insert_layer, move_layer, pair_to_text,
    remove_layer, spec_from_fields, text_to_pair,
)

A, B, C = ({"type": "Flatten"}, {"type": "Dropout", "rate": 0.1},
           {"type": "Dense", "units": 3})


@pytest.mark.parametrize("text, value", [
    ("3", 3), (" 3 ", 3), ("3x5", (3, 5)), ("3 x 5", (3, 5)), ("3,5", (3, 5)),
    ("(3, 5)", (3, 5)), ("3×5", (3, 5)), ("0", 0), ("-1", -1), ("", None),
    ("abc", "abc"), ("3x", "3x"), ("3x5x7", "3x5x7"), ("2.5", "2.5"),
])
def test_text_to_pair_reads_sizes_and_keeps_anything_else(text, value):
    assert text_to_pair(text) == value


@pytest.mark.parametrize("value, text", [
    (3, "3"), ((3, 3), "3"), ((3, 5), "3x5"), ([2, 1], "2x1"), (None, ""), ("abc", "abc"),
])
def test_pair_to_text(value, text):
    assert pair_to_text(value) == text


def test_insert_remove_move_return_new_lists():
    layers = [A, B]
    assert insert_layer(layers, 1, "Dense") == [A, NEW_LAYER["Dense"], B]
    assert insert_layer(layers, 99, "Flatten")[-1] == {"type": "Flatten"}
    assert insert_layer([], 0, "Conv2D") == [NEW_LAYER["Conv2D"]]
    assert insert_layer(layers, 0, "Dense")[0] is not NEW_LAYER["Dense"]  # a copy
    assert remove_layer([A, B, C], 1) == [A, C]
    assert move_layer([A, B, C], 2, -1) == [A, C, B]
    assert move_layer([A, B, C], 0, -1) == [A, B, C]  # already first
    assert move_layer([A, B, C], 2, 1) == [A, B, C]   # already last
    assert layers == [A, B]


def test_new_layers_are_valid_specs():
    for layer_type in SUPPORTED:
        assert normalize_layer(NEW_LAYER[layer_type])["type"] == layer_type


def test_change_type_keeps_shared_arguments():
    conv = {"type": "Conv2D", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "same",
            "activation": "relu"}
    assert change_type(conv, "MaxPooling2D") == {"type": "MaxPooling2D", "pool_size": 5,
                                                 "padding": "same"}
    pool = {"type": "MaxPooling2D", "pool_size": 3, "strides": 1}
    assert change_type(pool, "AveragePooling2D") == {"type": "AveragePooling2D", "pool_size": 3,
                                                     "strides": 1}
    assert change_type(pool, "Conv2D")["kernel_size"] == 3
    assert change_type(conv, "Dense") == {"type": "Dense", "units": 3, "activation": "relu"}
    assert change_type(conv, "Flatten") == {"type": "Flatten"}
    assert change_type("junk", "Dropout") == {"type": "Dropout", "rate": 0.5}
    assert change_type(conv, "Conv2D") == conv


@pytest.mark.parametrize("preset_id", presets.PRESET_IDS)
def test_fields_round_trip_every_preset_layer(preset_id):
    _, layers = presets.preset(preset_id)
    for index, spec in enumerate(layers):
        again = spec_from_fields(fields_of(spec))
        assert normalize_layer(again, index) == normalize_layer(spec, index)
        assert again == compact_layer(spec, index) or again.get("strides") == 1


def test_fields_of_every_argument_and_type():
    spec = {"type": "Conv2D", "filters": 8, "kernel_size": (3, 5), "strides": 2,
            "padding": "same", "activation": None, "use_bias": False}
    assert fields_of(spec) == {"type": "Conv2D", "filters": 8, "kernel_size": "3x5",
                               "strides": "2", "padding": "same", "activation": None,
                               "use_bias": False}
    assert fields_of({"type": "MaxPooling2D"}) == {"type": "MaxPooling2D", "pool_size": "2",
                                                   "strides": "", "padding": "valid"}
    assert fields_of({"type": "Dropout", "rate": 0.2}) == {"type": "Dropout", "rate": 0.2}


def test_fields_of_shows_broken_specs_without_failing():
    assert fields_of("Conv2D")["type"] == "Conv2D"
    assert fields_of({"type": "Conv3D"})["type"] == "Conv2D"
    broken = fields_of({"type": "Conv2D", "filters": True, "kernel_size": (3, 3, 3),
                        "padding": "full", "activation": "RELU", "use_bias": "no"})
    assert broken == {"type": "Conv2D", "filters": 1, "kernel_size": "(3, 3, 3)",
                      "strides": "1", "padding": "valid", "activation": None,
                      "use_bias": True}
    assert fields_of({"type": "Dense"})["units"] == 3  # missing: the new-layer default
    assert fields_of({"type": "Dense", "units": 10**9})["units"] == 4096
    assert fields_of({"type": "Activation", "activation": None})["activation"] == "relu"
    assert fields_of({"type": "Dropout", "rate": 7})["rate"] == 1.0


def test_spec_from_fields_keeps_what_the_student_typed():
    fields = {"type": "Conv2D", "filters": 0, "kernel_size": "three", "strides": "0",
              "padding": "valid", "activation": None, "use_bias": True}
    assert spec_from_fields(fields) == {"type": "Conv2D", "filters": 0, "kernel_size": "three",
                                        "strides": 0}
    fields = {"type": "MaxPooling2D", "pool_size": "2", "strides": "", "padding": "valid"}
    assert spec_from_fields(fields) == {"type": "MaxPooling2D", "pool_size": 2}
    fields["strides"] = "1"
    assert spec_from_fields(fields)["strides"] == 1
    fields = {"type": "Conv2D", "filters": 2, "kernel_size": "", "strides": "1",
              "padding": "same", "activation": "relu", "use_bias": False}
    assert spec_from_fields(fields) == {"type": "Conv2D", "filters": 2, "kernel_size": "",
                                        "padding": "same", "activation": "relu",
                                        "use_bias": False}


def test_default_stack_is_valid_and_fresh():
    shape, layers = default_stack()
    assert shape == (32, 32, 3) and len(summarize(shape, layers)) == len(layers)
    layers.clear()
    assert default_stack()[1]


def test_the_augmentation_layers_round_trip_through_the_fields():
    shift = {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.2,
             "fill_mode": "constant"}
    assert fields_of(shift) == {"type": "RandomTranslation", "height_factor": 0.1,
                                "width_factor": 0.2, "fill_mode": "constant"}
    assert spec_from_fields(fields_of(shift)) == shift
    flip = {"type": "RandomFlip", "mode": "horizontal"}
    assert spec_from_fields(fields_of(flip)) == flip
    assert fields_of({"type": "RandomFlip", "mode": "diagonal"})["mode"] == "horizontal"
    assert fields_of({"type": "RandomTranslation", "height_factor": 3,
                      "width_factor": "x"}) == {"type": "RandomTranslation", "height_factor": 1.0,
                                                "width_factor": 0.1, "fill_mode": "reflect"}
