"""The calculator's table: records for good, failing and broken stacks, and the exported
code of editor-made and linked stacks checked against real Keras."""
import pytest

from core.stack import presets
from core.calculator.summary import COLUMNS, keras_shape, summary
from core.calculator.edit import fields_of, spec_from_fields
from core.calculator.link import decode, encode


def test_super_model_records_and_totals():
    result = summary(*presets.preset("super_model"))
    assert result.error is None and not result.warnings
    assert len(result.records) == 18 and set(COLUMNS) <= set(result.records[0])
    first = result.records[0]
    assert first["layer"] == "conv2d (Conv2D)" and first["output_shape"] == "(None, 32, 32, 128)"
    assert (first["params"], first["receptive_field"], first["memory"]) == (3_584, "3x3", "512.0 KB")
    assert result.records[-1]["receptive_field"] == "image"
    assert result.totals.params == 449_923 and result.totals.non_trainable_params == 1_024


def test_failing_stack_marks_the_layer_and_those_after_it():
    result = summary(*presets.preset("stride_pool"))
    statuses = [r["status"] for r in result.records]
    assert statuses[:11] == ["ok"] * 11 and statuses[11] == "error"
    assert statuses[12:] == ["not_reached"] * 6
    names = [r["name"] for r in result.records]
    assert names[11:14] == ["max_pooling2d_2", "conv2d_3", "batch_normalization_3"]
    assert result.records[11]["params"] is None and result.error.layer_index == 11
    assert result.totals.params == sum(r.params for r in result.rows)


def test_broken_input_and_layers_never_raise():
    result = summary((0, 32, 3), [{"type": "Flatten"}, "junk", {"type": "Conv3D"}])
    assert result.error.code == "nonpositive_size"
    assert [r["status"] for r in result.records] == ["not_reached"] * 3
    assert [r["layer"] for r in result.records] == ["flatten (Flatten)", "? (?)", "? (?)"]
    assert summary((8, 8, 1), []).records == []


def test_warnings_mark_their_rows():
    result = summary((5, 5, 1), [{"type": "MaxPooling2D", "pool_size": 2}])
    assert result.records[0]["status"] == "warning" and result.warnings[0][0] == 0


def test_keras_shape():
    assert keras_shape((16, 16, 64)) == "(None, 16, 16, 64)" and keras_shape((3,)) == "(None, 3)"


# --- the exported code builds what the table says ----------------------------------

EDITED = [  # what the editor makes: text sizes, defaults left out
    {"type": "Conv2D", "filters": 6, "kernel_size": "5x3", "strides": "2", "padding": "same",
     "activation": "relu", "use_bias": False},
    {"type": "MaxPooling2D", "pool_size": "3", "strides": "", "padding": "valid"},
    {"type": "BatchNormalization"},
    {"type": "Dropout", "rate": 0.3},
    {"type": "Conv2D", "filters": 4, "kernel_size": "1", "strides": "1", "padding": "valid",
     "activation": None, "use_bias": True},
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 15, "activation": "softmax", "use_bias": True},
]


@pytest.mark.slow
def test_exported_code_of_an_edited_and_linked_stack_matches_the_table():
    pytest.importorskip("keras")
    from tests.core.stack.test_build import assert_model_matches, run_code
    from core.stack.build import keras_code

    layers = [spec_from_fields({**fields_of(f), **f}) for f in EDITED]
    shape, linked = decode(encode((40, 36, 3), layers))
    for stack in (layers, linked):
        model = run_code(keras_code(shape, stack))
        assert_model_matches(model, shape, stack)
        records = summary(shape, stack).records
        assert [keras_shape(tuple(layer.output.shape[1:])) for layer in model.layers] == [
            r["output_shape"] for r in records]
