"""One image through a whole trained model, layer by layer: the forward pass a student watches.

`forward(model, image)` runs a (32, 32, 3) image through every layer of a Keras model in
order (a transfer model's extractor opened up into its own layers) and returns one
`LayerOutput` per layer: its output for the image, the values a Dense layer computed
before its softmax, and the shape engine's row for the layer (core.stack.shapes, the
calculator's table), read from the layer's own config, so the page can show that each
output has the shape the calculator predicted. tests/core/training/test_forward.py
checks every output against Keras' own model (a probe model on the same layers, and
`model(x)` for the last). The worker uses `layers_of` and `first_conv` for the live view
of the first layer's filters (core.training.live_filters).

Runs in the server only to predict (docs/ARCHITECTURE.md, "Why training runs in worker
processes"), under core.training.look_inside's lock; TensorFlow is not imported here.
"""
from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np

from core.stack.shapes import LayerRow, try_summarize
from core.stack.untrusted import LayerRefused, check_layer
from core.transfer.checkpoints import CONTAINERS, LAYER_ARGS

SPATIAL = 3  # an output of (H, W, C) is a stack of feature maps; (N,) is a vector


class LayerOutput(NamedTuple):
    index: int  # from 0, in the opened-up order
    name: str  # the shape engine's name (conv2d, batch_normalization_1, ...), as the calculator
    type: str  # the Keras class: Conv2D, BatchNormalization, Activation, ...
    values: np.ndarray  # (H, W, C) or (N,) float32: the layer's output for the image
    logits: np.ndarray | None  # (N,) a Dense layer's values before its softmax, else None
    row: LayerRow | None  # the shape engine's row for the layer; None if it cannot read it

    @property
    def maps(self) -> bool:
        """True for feature maps (H, W, C), False for a vector."""
        return self.values.ndim == SPATIAL

    @property
    def same_as_calculator(self) -> bool:
        return self.row is not None and tuple(self.row.output_shape) == self.values.shape


class Pass(NamedTuple):
    image: np.ndarray  # (32, 32, 3) uint8, as shown
    layers: list[LayerOutput]
    probabilities: np.ndarray | None  # (K,) the model's softmax output, if it ends in one


def layers_of(model) -> list:
    """The model's layers in order, nested models (a transfer model's extractor) opened up,
    input layers left out."""
    found = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind in CONTAINERS or hasattr(layer, "layers"):
            found += layers_of(layer)
        else:
            found.append(layer)
    return found


def spec_of(layer) -> dict | None:
    """The layer as the calculator's spec (core.stack.spec), read from its config with the
    same checks as an uploaded model's (core.stack.untrusted); None for a type it lacks."""
    kind = type(layer).__name__
    if kind not in LAYER_ARGS:
        return None
    config = json.loads(json.dumps(layer.get_config(), default=str))  # tuples -> lists
    raw = {"type": kind, **{k: config[k] for k in LAYER_ARGS[kind] if k in config}}
    try:
        spec = check_layer(raw)
    except LayerRefused:
        return None
    if spec.get("activation") == "linear" and kind != "Activation":
        spec["activation"] = None  # Keras writes "linear" for no activation
    return spec


def calculator_rows(input_shape, layers: list) -> list[LayerRow | None]:
    """The shape engine's row for each layer (None from the first it cannot read on)."""
    specs = [spec_of(layer) for layer in layers]
    known = next((i for i, s in enumerate(specs) if s is None), len(specs))
    rows, _ = try_summarize(tuple(input_shape), specs[:known])
    return rows + [None] * (len(layers) - len(rows))


def first_conv(model) -> tuple[list, object] | None:
    """(the layers before it, the first Conv2D) of a model, or None without one."""
    layers = layers_of(model)
    for i, layer in enumerate(layers):
        if type(layer).__name__ == "Conv2D":
            return layers[:i], layer
    return None


def _name(row: LayerRow | None, layer) -> str:
    """The calculator's name for the layer, else the one Keras gave it."""
    return row.name if row is not None else layer.name


def _logits(layer, x: np.ndarray) -> np.ndarray | None:
    """The values a softmax turns into probabilities: a softmax Dense layer's x @ kernel +
    bias, or an Activation('softmax') layer's input x; None for any other layer."""
    kind = type(layer).__name__
    if kind not in ("Dense", "Activation") or layer.get_config().get("activation") != "softmax":
        return None
    if x.ndim != 1:  # a softmax over a feature map's channels: no class bars
        return None
    if kind == "Activation":
        return np.array(x, np.float32)
    out = np.asarray(x, np.float32) @ np.asarray(layer.kernel)
    return out + np.asarray(layer.bias) if layer.use_bias else out


def forward(model, image: np.ndarray, lock=None) -> Pass:
    """image (32, 32, 3) uint8 through every layer, in inference mode (BatchNormalization
    uses its learned statistics, Dropout passes everything), as the worker feeds images:
    float32 0..255, one at a time. `lock`: held while Keras runs."""
    from contextlib import nullcontext

    layers = layers_of(model)
    rows = calculator_rows(model.inputs[0].shape[1:], layers)
    x = np.asarray(image, dtype=np.float32)[None]                  # (1, 32, 32, 3)
    found = []
    with lock or nullcontext():
        for index, (layer, row) in enumerate(zip(layers, rows)):
            logits = _logits(layer, np.asarray(x)[0])
            x = layer(x, training=False)
            found.append(LayerOutput(index, _name(row, layer), type(layer).__name__,
                                     np.asarray(x)[0], logits, row))
    last = found[-1] if found else None
    probabilities = (last.values.astype(np.float64) if last is not None
                     and last.logits is not None else None)
    return Pass(np.asarray(image), found, probabilities)
