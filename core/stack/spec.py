"""Layer specs: the plain dicts that describe an architecture, checked and normalised.

A spec uses Keras' own class and argument names, e.g.
`{"type": "Conv2D", "filters": 64, "kernel_size": 3, "strides": 2, "padding": "same"}`.
`normalize_layer` fills in Keras' defaults, turns every int-or-pair into an (h, w)
tuple and raises `ShapeError` for anything Keras would refuse to construct, so the
shape engine, the model builder and the code export all read one canonical form.
`compact_layer` goes back: only the key arguments and those that differ from defaults.

Where Keras itself is odd we follow it: Conv2D lowercases `padding` ("SAME" works)
but the pooling layers accept only "valid"/"same"; AveragePooling2D has no default
`pool_size` in Keras 3 (we default it to 2, like MaxPooling2D, and always pass it).
We are stricter in three places: bools are not integers, Activation/activation
names must be one of `ACTIVATIONS`, and the augmentation layers take only what the
lesson uses (RandomFlip's `mode` one of `CHOICES`, where Keras accepts any string and
then flips nothing; RandomTranslation's factors one number from 0 to 1, meaning a shift
of up to that share of the image either way). We accept numpy integers, which Keras
refuses, and hand Keras plain ints.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

SUPPORTED = (
    "Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization", "Activation",
    "Dropout", "Flatten", "GlobalAveragePooling2D", "Dense", "RandomFlip", "RandomTranslation",
)
ALIASES = {  # Keras' short class names -> the names we store
    "MaxPool2D": "MaxPooling2D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
}
# The name Keras 3 derives from each class (Sequential numbers repeats: conv2d, conv2d_1).
KERAS_NAMES = {
    "Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d",
    "AveragePooling2D": "average_pooling2d", "BatchNormalization": "batch_normalization",
    "Activation": "activation", "Dropout": "dropout", "Flatten": "flatten",
    "GlobalAveragePooling2D": "global_average_pooling2d", "Dense": "dense",
    "RandomFlip": "random_flip", "RandomTranslation": "random_translation",
}
AUGMENTATION = ("RandomFlip", "RandomTranslation")  # change images while training only
POOLING = ("MaxPooling2D", "AveragePooling2D")
PADDINGS = ("valid", "same")
# Activation names accepted by keras.activations.get (a test checks each one).
ACTIVATIONS = (
    "relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "softplus",
    "softsign", "swish", "silu", "gelu", "exponential", "hard_sigmoid", "leaky_relu",
    "relu6", "mish", "log_softmax",
)
PAIR_ARGUMENTS = ("kernel_size", "strides", "pool_size")  # an int or an (h, w) pair
CHOICES = {  # arguments that take one of Keras' names
    "mode": ("horizontal", "vertical", "horizontal_and_vertical"),  # RandomFlip
    "fill_mode": ("reflect", "wrap", "constant", "nearest"),  # RandomTranslation's new border
}
FRACTIONS = ("rate", "height_factor", "width_factor")  # a number from 0 to 1
# The largest stack the app shows: the calculator's fields stop here, and a stack from a
# stranger (a link, an uploaded model) beyond them is refused (core.stack.untrusted).
MAX_LAYERS = 60
MAX_SIZE = 1024  # height, width, channel count, kernel and pool sizes, strides
MAX_UNITS = 4096  # filters and units
REQUIRED = object()  # marks an argument Keras requires
# Per type: argument -> default, in Keras' order. Pooling strides None = pool_size.
DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv2D": {"filters": REQUIRED, "kernel_size": REQUIRED, "strides": (1, 1),
               "padding": "valid", "activation": None, "use_bias": True},
    "MaxPooling2D": {"pool_size": (2, 2), "strides": None, "padding": "valid"},
    "AveragePooling2D": {"pool_size": (2, 2), "strides": None, "padding": "valid"},
    "BatchNormalization": {},
    "Activation": {"activation": REQUIRED},
    "Dropout": {"rate": 0.5},  # Keras requires rate; 0.5 is the classic choice
    "Flatten": {},
    "GlobalAveragePooling2D": {},
    "Dense": {"units": REQUIRED, "activation": None, "use_bias": True},
    "RandomFlip": {"mode": "horizontal_and_vertical"},
    "RandomTranslation": {"height_factor": REQUIRED, "width_factor": REQUIRED,
                          "fill_mode": "reflect"},
}
KEY_ARGUMENTS = {  # always shown in compact specs and code, even at their default
    "Conv2D": ("filters", "kernel_size"), "MaxPooling2D": ("pool_size",),
    "AveragePooling2D": ("pool_size",), "Activation": ("activation",),
    "Dropout": ("rate",), "Dense": ("units",), "RandomFlip": ("mode",),
    "RandomTranslation": ("height_factor", "width_factor"),
}


class ShapeError(ValueError):
    """An architecture Keras would reject, and where.

    `layer_index` is the 0-based failing layer (-1: the input shape), `code` a short
    machine key and `details` the numbers behind it, for translated messages.
    `str(err)` is an English sentence that numbers layers from 1, as people count.
    """

    def __init__(self, message: str, layer_index: int, code: str = "bad_argument",
                 details: dict | None = None):
        super().__init__(message)
        self.layer_index = layer_index
        self.code = code
        self.details = dict(details or {})

    def __reduce__(self):  # picklable, e.g. from a worker process
        return type(self), (str(self), self.layer_index, self.code, self.details)


def layer_label(index: int, layer_type: str) -> str:
    """'Layer 3 (Conv2D)' for index 2: people count from 1."""
    return f"Layer {index + 1} ({layer_type})"


def pair_text(pair: tuple[int, int]) -> str:
    """(3, 5) -> '3x5'."""
    return f"{pair[0]}x{pair[1]}"


def display_values(details: dict) -> dict[str, str]:
    """`details` as strings for a message template: pairs as '3x3', the rest as str."""
    out = {}
    for key, value in details.items():
        is_pair = (isinstance(value, tuple) and len(value) == 2 and key != "input_shape"
                   and all(map(is_int, value)))
        if is_pair:
            out[key] = pair_text(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            out[key] = ", ".join(value)  # e.g. the allowed paddings
        else:
            out[key] = str(value)
    return out


def is_int(value: Any, low: float = -math.inf, high: float = math.inf) -> bool:
    """A whole number (numpy's too, but not a bool) from low to high."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and low <= value <= high)


def _arg_error(index: int, layer_type: str, argument: str, value: Any, expected: str,
               why: str) -> ShapeError:
    details = {"layer_type": layer_type, "argument": argument, "value": value,
               "expected": expected}
    message = f"{layer_label(index, layer_type)}: `{argument}`={value!r} {why}."
    return ShapeError(message, index, "bad_argument", details)


def _positive_int(index: int, layer_type: str, argument: str, value: Any) -> int:
    if not is_int(value) or value <= 0:
        raise _arg_error(index, layer_type, argument, value, "positive_int",
                         "must be a whole number of 1 or more")
    return int(value)


def _pair(index: int, layer_type: str, argument: str, value: Any) -> tuple[int, int]:
    """An int or a 2-item list/tuple of ints -> (h, w), all >= 1."""
    items = (value, value) if is_int(value) else value
    if not isinstance(items, (tuple, list)) or len(items) != 2 or not all(map(is_int, items)):
        raise _arg_error(index, layer_type, argument, value, "int_or_pair",
                         "must be a whole number or a pair like (3, 3)")
    if argument == "strides" and 0 in items:
        message = (f"{layer_label(index, layer_type)}: strides={value!r} would never move "
                   "the window; strides must be 1 or more.")
        raise ShapeError(message, index, "zero_stride",
                         {"layer_type": layer_type, "argument": argument, "value": value})
    if min(items) <= 0:
        raise _arg_error(index, layer_type, argument, value, "positive_int_or_pair",
                         "must be 1 or more")
    return int(items[0]), int(items[1])


def _padding(index: int, layer_type: str, value: Any) -> str:
    # Conv2D lowercases its padding; the pooling layers compare it as given.
    text = value.lower() if isinstance(value, str) and layer_type == "Conv2D" else value
    if text not in PADDINGS:
        message = (f"{layer_label(index, layer_type)}: padding={value!r} is not one of "
                   "'valid' (no border) or 'same' (pad the border).")
        raise ShapeError(message, index, "bad_padding",
                         {"layer_type": layer_type, "value": value, "allowed": PADDINGS})
    return text


def _activation(index: int, layer_type: str, value: Any) -> str | None:
    if value is None or value in ACTIVATIONS:
        return value
    raise _arg_error(index, layer_type, "activation", value, "activation_name",
                     "is not an activation Keras knows, e.g. 'relu' or 'softmax'")


def _check_argument(index: int, layer_type: str, argument: str, value: Any) -> Any:
    """One argument's value, checked and normalised."""
    if argument in ("filters", "units"):
        return _positive_int(index, layer_type, argument, value)
    if argument in ("kernel_size", "pool_size"):
        return _pair(index, layer_type, argument, value)
    if argument == "strides":
        return None if value is None and layer_type in POOLING else _pair(
            index, layer_type, argument, value)
    if argument == "padding":
        return _padding(index, layer_type, value)
    if argument == "activation":
        return _activation(index, layer_type, value)
    if argument == "use_bias":
        if isinstance(value, bool):
            return value
        raise _arg_error(index, layer_type, argument, value, "bool", "must be True or False")
    if argument in FRACTIONS:  # Keras allows 0 <= rate <= 1 (and factors from -1)
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value <= 1:
            return float(value)
        raise _arg_error(index, layer_type, argument, value, "rate_0_1",
                         "must be a number from 0 to 1")
    if argument in CHOICES:
        if value in CHOICES[argument]:
            return value
        error = _arg_error(index, layer_type, argument, value, "choice",
                           f"is not one of {', '.join(CHOICES[argument])}")
        error.details["allowed"] = CHOICES[argument]
        raise error
    raise AssertionError(argument)  # DEFAULTS lists only the arguments above


def layer_type_of(spec: Any, index: int) -> str:
    """The canonical type name of `spec` (aliases resolved), or ShapeError."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        message = (f"Layer {index + 1}: a layer must be a dict with a 'type' key, "
                   f"like {{'type': 'Flatten'}}; got {spec!r}.")
        raise ShapeError(message, index, "bad_layer_spec", {"value": repr(spec)})
    layer_type = ALIASES.get(spec["type"], spec["type"])
    if layer_type not in SUPPORTED:
        message = (f"Layer {index + 1}: unknown layer type {spec['type']!r}; "
                   f"use one of {', '.join(SUPPORTED)}.")
        raise ShapeError(message, index, "unknown_layer",
                         {"layer_type": spec["type"], "supported": SUPPORTED})
    return layer_type


def normalize_layer(spec: Any, index: int = 0) -> dict:
    """A complete spec: canonical type, every argument present, pairs as (h, w) tuples.

    Pooling `strides` stays None when it was None (meaning: equal to pool_size).
    Raises ShapeError with `layer_index=index` for anything Keras would refuse.
    """
    layer_type = layer_type_of(spec, index)
    defaults = DEFAULTS[layer_type]
    for argument in spec:
        if argument != "type" and argument not in defaults:
            message = (f"{layer_label(index, layer_type)} has no argument `{argument}`; "
                       f"it takes {', '.join(defaults) or 'no arguments'}.")
            raise ShapeError(message, index, "unknown_argument", {
                "layer_type": layer_type, "argument": argument, "allowed": tuple(defaults)})
    out = {"type": layer_type}
    for argument, default in defaults.items():
        if argument not in spec and default is REQUIRED:
            message = f"{layer_label(index, layer_type)} needs the argument `{argument}`."
            raise ShapeError(message, index, "missing_argument",
                             {"layer_type": layer_type, "argument": argument})
        out[argument] = _check_argument(index, layer_type, argument,
                                        spec.get(argument, default))
    return out


def normalize_input_shape(input_shape: Any) -> tuple[int, int, int]:
    """(H, W, C) as ints >= 1, or ShapeError with layer_index -1."""
    items = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if items is None or len(items) != 3 or not all(map(is_int, items)):
        message = (f"The input shape must be three whole numbers (height, width, "
                   f"channels), like (32, 32, 3); got {input_shape!r}.")
        raise ShapeError(message, -1, "bad_input_shape", {"input_shape": input_shape})
    if min(items) <= 0:
        message = f"Every size of the input shape must be 1 or more; got {items}."
        raise ShapeError(message, -1, "nonpositive_size", {"input_shape": items})
    return int(items[0]), int(items[1]), int(items[2])


def _compact_value(value: Any) -> Any:
    square = isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]
    return value[0] if square else value


def compact_layer(spec: dict, index: int = 0) -> dict:
    """The shortest spec that means the same: key arguments plus non-defaults.

    Square pairs become one int: {"type": "Conv2D", "filters": 8, "kernel_size": 3}.
    """
    full = normalize_layer(spec, index)
    layer_type = full["type"]
    out = {"type": layer_type}
    for argument, default in DEFAULTS[layer_type].items():
        value = full[argument]
        if layer_type in POOLING and argument == "strides" and value == full["pool_size"]:
            continue  # strides equal to pool_size is what None means
        if argument in KEY_ARGUMENTS.get(layer_type, ()) or value != default:
            out[argument] = _compact_value(value)
    return out
