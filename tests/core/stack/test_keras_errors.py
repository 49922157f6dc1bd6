"""The messages the pages quote for a window that outgrows its input: Keras 3's, checked
against real Keras word for word, and TensorFlow 2's, checked against the notebook's."""
import pytest

from core.stack import presets
from core.stack.keras_errors import keras_error

keras = pytest.importorskip("keras")

# What the notebook printed when it built model_pool (TensorFlow 2, its own output).
NOTEBOOK_ERROR = (
    "ValueError: Negative dimension size caused by subtracting 2 from 1 for "
    "'{{node max_pooling2d_27/MaxPool}} = MaxPool[T=DT_FLOAT, data_format=\"NHWC\", "
    "ksize=[1, 2, 2, 1], padding=\"VALID\", strides=[1, 2, 2, 1]](activation_39/Relu)' "
    "with input shapes: [?,1,1,64].")


def keras_says(input_shape, layers) -> str:
    """What Keras 3 raises while building the stack, as the student's notebook shows it."""
    keras.backend.clear_session()
    with pytest.raises(ValueError) as info:
        keras.Sequential([keras.Input(shape=input_shape)] + [
            getattr(keras.layers, s["type"])(**{k: v for k, v in s.items() if k != "type"})
            for s in layers])
    return f"ValueError: {info.value}"


def test_the_notebooks_failing_model_in_keras_3_and_in_tensorflow_2():
    input_shape, layers = presets.preset("stride_pool")
    said = keras_error(input_shape, layers)
    assert said.layer == 12 and said.subtracting == (2, 1)
    assert said.keras3.removeprefix("ValueError: ") in keras_says(input_shape, layers)
    head, _, tail = said.tf2.partition(" for '…' ")
    assert NOTEBOOK_ERROR.startswith(head) and NOTEBOOK_ERROR.endswith(tail)
    assert "Negative dimension size" not in keras_says(input_shape, layers), "TF 2's words"


@pytest.mark.parametrize("input_shape, layers", [
    ((2, 2, 3), [{"type": "Conv2D", "filters": 4, "kernel_size": 3}]),
    ((2, 8, 3), [{"type": "Conv2D", "filters": 4, "kernel_size": (3, 5), "strides": 2}]),
    ((6, 6, 1), [{"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2},
                 {"type": "AveragePooling2D", "pool_size": 3}]),
    ((1, 4, 3), [{"type": "MaxPooling2D", "pool_size": (2, 3), "strides": (1, 2)}]),
])
def test_keras_3_prints_what_we_say_it_prints(input_shape, layers):
    said = keras_error(input_shape, layers)
    assert said.keras3.removeprefix("ValueError: ") in keras_says(input_shape, layers)


def test_no_message_for_a_stack_that_builds_or_fails_otherwise():
    assert keras_error(*presets.preset("stride")) is None
    assert keras_error((8, 8, 1), [{"type": "Conv2D", "filters": 0, "kernel_size": 3}]) is None
