"""Weight sharing: a Conv2D uses the same small kernel at every position; a Dense layer that
produced the same output from the same input would need a weight for every pair.

`versus_dense(input_shape, conv_spec)` asks the shape engine (core.stack.shapes) twice:
once for the Conv2D, once for Flatten + Dense(units = every value of the Conv2D's
output), so both counts are Keras' own parameter counts, never typed in. For the
notebook's section-1 layer on (32, 32, 3): 56 against 6,293,504.
"""
from __future__ import annotations

from math import prod
from typing import NamedTuple

from core.stack import presets
from core.stack.shapes import summarize


class Sharing(NamedTuple):
    input_shape: tuple  # (H, W, C)
    output_shape: tuple  # (H_out, W_out, F) of the Conv2D
    conv_params: int  # the Conv2D's weights and biases
    per_filter: int  # one filter's: k * k * C weights + 1 bias
    positions: int  # H_out * W_out: where each filter's weights are used again
    dense_params: int  # Flatten + Dense(H_out * W_out * F) from the same input
    conv_macs: int  # multiply-accumulates per image
    dense_macs: int

    @property
    def ratio(self) -> float:
        """How many times more parameters the Dense layer needs."""
        return self.dense_params / self.conv_params


def versus_dense(input_shape, conv_spec: dict) -> Sharing:
    """A Conv2D spec on input_shape against the Dense layer with the same input and output.

    Raises core.stack.spec.ShapeError for a Conv2D Keras would refuse."""
    conv, = summarize(input_shape, [conv_spec])
    flat, dense = summarize(input_shape, [{"type": "Flatten"},
                                          {"type": "Dense", "units": prod(conv.output_shape)}])
    filters = conv.output_shape[-1]
    return Sharing(tuple(input_shape), conv.output_shape, conv.params, conv.params // filters,
                   prod(conv.output_shape[:2]), dense.params, conv.macs, dense.macs)


def notebook_layers() -> dict[str, dict]:
    """The notebook's first Conv2D layers: section 1's single layer and the stride model's
    first one (name -> spec)."""
    return {"single_conv": presets.single_conv()[0], "stride": presets.stride()[0]}
