"""A stranger's layers (a link's, an uploaded model's) are held to the editor's ranges."""
import pytest

from core.stack import presets
from core.stack.spec import MAX_SIZE, MAX_UNITS, SUPPORTED
from core.stack.untrusted import LayerRefused, check_input_shape, check_layer


def refused(raw) -> str:
    with pytest.raises(LayerRefused) as info:
        check_layer(raw)
    return info.value.code


def test_every_preset_layer_passes_unchanged_but_for_pairs():
    for preset_id in presets.PRESET_IDS:
        for layer in presets.preset(preset_id)[1]:
            assert check_layer(dict(layer)) == layer


def test_a_stack_keras_refuses_is_still_shown():
    """The notebook's failing model is worth sharing: odd but holdable values pass."""
    assert check_layer({"type": "Conv2D", "filters": 0, "kernel_size": -3})["filters"] == 0
    assert check_layer({"type": "MaxPooling2D", "pool_size": [3, 5]})["pool_size"] == (3, 5)


def test_what_the_editor_cannot_hold_is_refused_with_a_code():
    assert refused({"type": "Conv3D"}) == "unknown_layer"
    assert refused("Conv2D") == "unknown_layer"
    assert refused({"type": "Lambda", "function": "os.system"}) == "unknown_layer"
    assert refused({"type": "Conv2D", "filters": MAX_UNITS + 1, "kernel_size": 3}) == "bad_value"
    assert refused({"type": "Conv2D", "filters": True, "kernel_size": 3}) == "bad_value"
    assert refused({"type": "Conv2D", "filters": 8, "kernel_size": MAX_SIZE + 1}) == "bad_value"
    assert refused({"type": "Dense", "units": 3, "kernel_initializer": "x"}) == "bad_value"
    assert refused({"type": "Activation", "activation": None}) == "bad_value"
    assert refused({"type": "Dropout", "rate": 1.5}) == "bad_value"
    assert refused({"type": "RandomFlip", "mode": "diagonal"}) == "bad_value"
    assert refused({"type": "RandomTranslation", "height_factor": [0.1, 0.2],
                    "width_factor": 0.1}) == "bad_value"
    assert refused({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1,
                    "seed": 3}) == "bad_value"
    assert len(SUPPORTED) == 11


def test_the_augmentation_layers_pass_as_the_editor_stores_them():
    flip = {"type": "RandomFlip", "mode": "horizontal"}
    shift = {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0,
             "fill_mode": "nearest"}
    assert check_layer(dict(flip)) == flip and check_layer(dict(shift)) == shift


def test_input_shapes():
    assert check_input_shape([32, 32, 3]) == (32, 32, 3)
    for bad in ([32, 32], [32, 32, -1], [32, 32, MAX_SIZE + 1], "32x32x3", [32, 32, 3.0]):
        with pytest.raises(LayerRefused):
            check_input_shape(bad)
