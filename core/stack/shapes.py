"""The shape engine: what Keras would build from a layer list, computed by hand.

`summarize(input_shape, layers)` walks the layer specs (see `core.stack.spec`) and returns
one `LayerRow` per layer: output shape, parameter counts exactly as Keras counts
them, multiply-accumulates, receptive field and memory. It agrees with Keras 3 on
every stack Keras accepts and raises `ShapeError` at the layer where Keras fails
(tests/core/stack/test_shapes_vs_keras.py checks this against real Keras). Pure Python:
the calculator page uses it without importing TensorFlow.

Output sizes per spatial axis, for an input of n, window k and stride s:
    padding="valid": (n - k) // s + 1, an error unless n >= k (Keras refuses size 0)
    padding="same":  ceil(n / s), never an error
Receptive field: rf += (k - 1) * jump; jump *= s, from rf = jump = 1 at the image.
Once the output is a flat vector (Flatten, GlobalAveragePooling2D) we report the
whole input image (H, W) as its receptive field and `jump=None`: every value can
depend on every pixel. A Dense on a feature map works per position (like a 1x1
convolution) and keeps the receptive field. The recurrence can exceed the image
size; we report it as is (the part outside the image is padding).
Dropout and the augmentation layers (RandomFlip, RandomTranslation) act only while
training: same shape out, no weights, no multiply-accumulates counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import NamedTuple

from core.stack.spec import (
    AUGMENTATION, KERAS_NAMES, POOLING, ShapeError, display_values, layer_label,
    normalize_input_shape, normalize_layer, pair_text,
)

__all__ = ["LayerRow", "ShapeError", "ShapeWarning", "Totals", "check_warnings",
           "summarize", "totals", "try_summarize"]

BYTES_PER_FLOAT = 4  # float32 activations


@dataclass(frozen=True)
class LayerRow:
    """One layer of a summary; shapes leave out the batch dimension."""
    index: int                       # 0-based position in the layer list
    name: str                        # Keras' auto name: conv2d, conv2d_1, ...
    type: str                        # canonical class name, aliases resolved
    spec: dict = field(hash=False)  # normalised spec (core.stack.spec)
    input_shape: tuple = ()          # (H, W, C) or (features,)
    output_shape: tuple = ()
    params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0    # BatchNormalization's moving mean and variance
    macs: int = 0                    # multiply-accumulates per example
    receptive_field: tuple = (1, 1)  # (rf_h, rf_w) in input pixels
    jump: tuple | None = (1, 1)      # input pixels between neighbouring outputs
    activation_size: int = 0         # floats in the output, per example
    activation_bytes: int = 0        # the same in float32 bytes
    warnings: tuple = field(default=(), hash=False)  # (ShapeWarning, ...)


class Totals(NamedTuple):
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    activation_bytes: int  # all layer outputs of one example, input image excluded


class _Step(NamedTuple):
    """What one layer does: output shape, weights, work, and its window if any."""
    output_shape: tuple
    params: int = 0
    non_trainable: int = 0
    macs: int = 0
    window: tuple | None = None  # ((k_h, k_w), (s_h, s_w)) of a sliding window
    flat: bool = False           # output no longer has a spatial layout


class ShapeWarning(NamedTuple):
    """A stack Keras accepts but a student probably did not mean: (code, details)."""
    code: str
    details: dict

    @property
    def message(self) -> str:
        """The warning as an English sentence."""
        return WARNING_MESSAGES[self.code].format(**display_values(self.details))


WARNING_MESSAGES = {  # code -> English template over display_values(details)
    "dense_on_feature_map": (
        "Dense({units}) gets a feature map of shape {input_shape}, so Keras applies it "
        "to every position separately (like a 1x1 convolution). Add Flatten or "
        "GlobalAveragePooling2D before it to get one vector per image."),
    "pool_window_one": (
        "{layer_type} with pool_size {pool_size} has a window of 1 along a side, so it "
        "does not combine neighbouring pixels there."),
    "strides_skip_pixels": (
        "{layer_type} uses strides {strides}, larger than its {window} window, so "
        "some input pixels are never looked at."),
    "edge_pixels_dropped": (
        "With padding='valid' the {window} window with strides {strides} does not fit "
        "the {input_size} input evenly: the last {dropped_rows} row(s) and "
        "{dropped_cols} column(s) are ignored. padding='same' keeps them."),
    "dropout_rate_zero": "Dropout with rate 0 drops nothing: the layer has no effect.",
    "dropout_rate_one": (
        "Dropout with rate 1 drops every value during training: the next layer sees "
        "only zeros."),
    "augment_not_image": (
        "{layer_type} gets a flat vector of shape {input_shape}, not an image: Keras "
        "accepts it, but shifting or flipping only means something on an image. Put it "
        "first, right after the input."),
    "softmax_not_last": (
        "softmax turns the values into class probabilities that sum to 1; it belongs "
        "on the last layer only."),
}


def _window_warnings(spec: dict, shape: tuple, window: tuple, strides: tuple) -> list:
    layer_type, found = spec["type"], []
    base = {"layer_type": layer_type, "window": window, "strides": strides}
    if layer_type in POOLING and 1 in window:
        found.append(ShapeWarning("pool_window_one",
                                  {"layer_type": layer_type, "pool_size": window}))
    if any(s > k for k, s in zip(window, strides)):
        found.append(ShapeWarning("strides_skip_pixels", dict(base)))
    if spec["padding"] == "valid":
        rows, cols = ((n - k) % s for n, k, s in zip(shape[:2], window, strides))
        if rows or cols:
            found.append(ShapeWarning("edge_pixels_dropped", {
                **base, "input_size": shape[:2], "dropped_rows": rows, "dropped_cols": cols}))
    return found


def layer_warnings(spec: dict, shape: tuple, is_last: bool) -> tuple:
    """The ShapeWarnings of one valid layer applied to an input of `shape`."""
    layer_type, found = spec["type"], []
    if layer_type == "Conv2D":
        found += _window_warnings(spec, shape, spec["kernel_size"], spec["strides"])
    elif layer_type in POOLING:
        pool = spec["pool_size"]
        found += _window_warnings(spec, shape, pool, spec["strides"] or pool)
    elif layer_type == "Dense" and len(shape) > 1:
        found.append(ShapeWarning("dense_on_feature_map",
                                  {"units": spec["units"], "input_shape": shape}))
    elif layer_type == "Dropout" and spec["rate"] in (0, 1):
        code = "dropout_rate_zero" if spec["rate"] == 0 else "dropout_rate_one"
        found.append(ShapeWarning(code, {"rate": spec["rate"]}))
    elif layer_type in AUGMENTATION and len(shape) != 3:
        found.append(ShapeWarning("augment_not_image",
                                  {"layer_type": layer_type, "input_shape": shape}))
    if spec.get("activation") == "softmax" and not is_last:
        found.append(ShapeWarning("softmax_not_last", {"layer_type": layer_type}))
    return tuple(found)


def _require_feature_map(index: int, layer_type: str, shape: tuple) -> None:
    if len(shape) != 3:
        message = (f"{layer_label(index, layer_type)} needs a feature map (height, width, "
                   f"channels), but the previous layer outputs a flat vector of "
                   f"{shape[0]} values. Put it before Flatten.")
        raise ShapeError(message, index, "needs_4d_input",
                         {"layer_type": layer_type, "input_shape": shape})


def _slide(index: int, spec: dict, shape: tuple, kernel: tuple, strides: tuple) -> tuple:
    """(H_out, W_out) of a window sliding over an (H, W, C) input."""
    size = shape[:2]
    if spec["padding"] == "same":
        return tuple(-(-n // s) for n, s in zip(size, strides))
    if all(n >= k for n, k in zip(size, kernel)):
        return tuple((n - k) // s + 1 for n, k, s in zip(size, kernel, strides))
    layer_type = spec["type"]
    source = "the input image is" if index == 0 else "the previous layer outputs"
    if layer_type == "Conv2D":
        code, details = "kernel_too_large", {"kernel_size": kernel}
        message = (f"{layer_label(index, layer_type)} needs at least {pair_text(kernel)} "
                   f"input for its {pair_text(kernel)} kernel with padding='valid', but "
                   f"{source} {pair_text(size)}. Use padding='same' or a smaller kernel.")
    else:
        code, details = "pool_too_small", {"pool_size": kernel}
        message = (f"{layer_label(index, layer_type)} needs at least {pair_text(kernel)} "
                   f"input, but {source} {pair_text(size)}. Remove this pooling layer, "
                   f"use padding='same' or shrink the image less before it.")
    details.update(layer_type=layer_type, input_size=size, from_input=index == 0)
    raise ShapeError(message, index, code, details)


def _step(index: int, spec: dict, shape: tuple) -> _Step:
    """Apply one normalised layer spec to an input shape (batch dimension left out)."""
    layer_type = spec["type"]
    if layer_type == "Conv2D":
        _require_feature_map(index, layer_type, shape)
        kernel, strides, filters = spec["kernel_size"], spec["strides"], spec["filters"]
        h, w = _slide(index, spec, shape, kernel, strides)
        weights = kernel[0] * kernel[1] * shape[2] * filters  # kernel: (k_h, k_w, C_in, filters)
        return _Step((h, w, filters), weights + filters * spec["use_bias"],
                     macs=h * w * weights, window=(kernel, strides))
    if layer_type in POOLING:
        _require_feature_map(index, layer_type, shape)
        pool = spec["pool_size"]
        strides = spec["strides"] or pool
        h, w = _slide(index, spec, shape, pool, strides)
        return _Step((h, w, shape[2]), window=(pool, strides))
    if layer_type == "GlobalAveragePooling2D":
        _require_feature_map(index, layer_type, shape)
        return _Step((shape[2],), flat=True)
    if layer_type == "Flatten":
        return _Step((prod(shape),), flat=True)
    if layer_type == "Dense":  # on a feature map Keras applies it to the last axis
        units, features = spec["units"], shape[-1]
        weights = features * units
        return _Step(shape[:-1] + (units,), weights + units * spec["use_bias"],
                     macs=prod(shape[:-1]) * weights)
    if layer_type == "BatchNormalization":  # gamma, beta trained; mean, variance not
        return _Step(shape, 4 * shape[-1], non_trainable=2 * shape[-1])
    return _Step(shape)  # Activation, Dropout, RandomFlip, RandomTranslation (no weights)


def _row(index: int, name: str, spec: dict, shape: tuple, step: _Step,
         receptive_field: tuple, jump: tuple | None, warnings: tuple) -> LayerRow:
    size = prod(step.output_shape)
    return LayerRow(
        index=index, name=name, type=spec["type"], spec=spec, input_shape=shape,
        output_shape=step.output_shape, params=step.params,
        trainable_params=step.params - step.non_trainable,
        non_trainable_params=step.non_trainable, macs=step.macs,
        receptive_field=receptive_field, jump=jump, activation_size=size,
        activation_bytes=size * BYTES_PER_FLOAT, warnings=warnings)


def _walk(input_shape, layers, rows: list) -> None:
    """Append a LayerRow per layer to `rows`; raise ShapeError at the first bad one."""
    image = normalize_input_shape(input_shape)
    shape, rf, jump = image, (1, 1), (1, 1)
    counts: dict[str, int] = {}
    for index, raw in enumerate(layers):
        spec = normalize_layer(raw, index)
        step = _step(index, spec, shape)
        if step.flat or jump is None:
            rf, jump = image[:2], None
        elif step.window is not None:
            (k_h, k_w), (s_h, s_w) = step.window
            rf = (rf[0] + (k_h - 1) * jump[0], rf[1] + (k_w - 1) * jump[1])
            jump = (jump[0] * s_h, jump[1] * s_w)
        seen = counts.get(spec["type"], 0)
        counts[spec["type"]] = seen + 1
        name = KERAS_NAMES[spec["type"]] + (f"_{seen}" if seen else "")
        warnings = layer_warnings(spec, shape, index == len(layers) - 1)
        rows.append(_row(index, name, spec, shape, step, rf, jump, warnings))
        shape = step.output_shape


def summarize(input_shape, layers) -> list[LayerRow]:
    """One LayerRow per layer spec, in order; ShapeError at the first impossible layer.

    input_shape: (H, W, C); layers: list of spec dicts (see core.stack.spec).
    """
    rows: list[LayerRow] = []
    _walk(input_shape, layers, rows)
    return rows


def try_summarize(input_shape, layers) -> tuple[list[LayerRow], ShapeError | None]:
    """The rows up to the first impossible layer, and that layer's error (or None)."""
    rows: list[LayerRow] = []
    try:
        _walk(input_shape, layers, rows)
    except ShapeError as err:
        return rows, err
    return rows, None


def check_warnings(input_shape, layers) -> list[tuple[int, ShapeWarning]]:
    """(layer_index, warning) for every stack Keras accepts but a student may not mean.

    Raises ShapeError if the stack is impossible.
    """
    return [(row.index, w) for row in summarize(input_shape, layers) for w in row.warnings]


def totals(rows: list[LayerRow]) -> Totals:
    """Sums over a summary: parameters as Keras' summary prints them, work and memory."""
    return Totals(
        params=sum(r.params for r in rows),
        trainable_params=sum(r.trainable_params for r in rows),
        non_trainable_params=sum(r.non_trainable_params for r in rows),
        macs=sum(r.macs for r in rows),
        activation_bytes=sum(r.activation_bytes for r in rows))
