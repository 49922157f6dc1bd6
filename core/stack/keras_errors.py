"""What Keras prints when a window does not fit its input: Keras 3's words today, and the
TensorFlow 2 words the notebook printed ("Negative dimension size").

Both are computed from the shape engine's error for the stack (core.stack.shapes), so the
calculator and the training page show the very line a student gets from running the
model in a notebook today. tests/core/stack/test_keras_errors.py runs real Keras and
checks each line word for word. Pure Python: no TensorFlow here.

    Keras 3, pooling:      Computed output size would be zero or negative. Received:
                           `inputs.shape=[None 1 1 64]`, `pool_size=[2 2]`, `strides=(2, 2)`,
                           `padding=valid`.
    Keras 3, Conv2D:       Computed output size would be zero or negative. Received
                           `inputs shape=(None, 2, 2, 3)`, `kernel shape=(3, 3, 3, 4)`,
                           `dilation_rate=[1 1]`, `strides=(1, 1)`, `padding=valid`.
    TensorFlow 2:          Negative dimension size caused by subtracting 2 from 1 ...
                           with input shapes: [?,1,1,64].
"""
from __future__ import annotations

from typing import NamedTuple

from core.stack.shapes import try_summarize
from core.stack.spec import POOLING, normalize_input_shape, normalize_layer

TOO_SMALL = ("pool_too_small", "kernel_too_large")  # the shape engine's codes for it


class KerasError(NamedTuple):
    layer: int  # the failing layer, counted from 1 as people count
    keras3: str  # "ValueError: Computed output size would be zero or negative. ..."
    tf2: str  # "ValueError: Negative dimension size caused by subtracting 2 from 1 ..."
    subtracting: tuple[int, int]  # (window, input size) along the first axis that fails


def keras_error(input_shape, layers: list) -> KerasError | None:
    """The messages for a stack whose window outgrows its input; None for any other stack
    (one that builds, or fails for another reason)."""
    rows, error = try_summarize(input_shape, layers)
    if error is None or error.code not in TOO_SMALL:
        return None
    index = error.layer_index
    spec = normalize_layer(layers[index], index)
    h, w, c = rows[-1].output_shape if rows else normalize_input_shape(input_shape)
    if spec["type"] in POOLING:
        window = spec["pool_size"]
        s_h, s_w = spec["strides"] or window
        received = (f"Received: `inputs.shape=[None {h} {w} {c}]`, "
                    f"`pool_size=[{window[0]} {window[1]}]`, `strides=({s_h}, {s_w})`, "
                    "`padding=valid`.")
    else:  # Conv2D's kernel: (k_h, k_w, C_in, filters)
        window = spec["kernel_size"]
        s_h, s_w = spec["strides"]
        received = (f"Received `inputs shape=(None, {h}, {w}, {c})`, "
                    f"`kernel shape=({window[0]}, {window[1]}, {c}, {spec['filters']})`, "
                    f"`dilation_rate=[1 1]`, `strides=({s_h}, {s_w})`, `padding=valid`.")
    size, k = next((n, k) for n, k in zip((h, w), window) if n < k)
    keras3 = f"ValueError: Computed output size would be zero or negative. {received}"
    tf2 = (f"ValueError: Negative dimension size caused by subtracting {k} from {size} "
           f"for '…' with input shapes: [?,{h},{w},{c}].")
    return KerasError(index + 1, keras3, tf2, (k, size))
