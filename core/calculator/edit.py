"""Editing a layer stack: the pure operations behind the calculator's stack editor.

A stack is an input shape plus a list of layer specs (see `core.stack.spec`). The editor
shows one layer at a time as form fields; `fields_of` turns a spec into field values
and `spec_from_fields` turns them back. Window sizes (kernel_size, strides,
pool_size) are edited as text, "3" or "3x5", so a student can type any value Keras
accepts, or one it refuses and see why: we never repair a value here, the shape
engine explains it. Every function returns new lists and dicts; nothing is changed
in place.
"""
from __future__ import annotations

import re
from typing import Any

from core.stack import presets
from core.stack.spec import (
    ACTIVATIONS, CHOICES, DEFAULTS, FRACTIONS, KEY_ARGUMENTS, MAX_LAYERS, MAX_SIZE, MAX_UNITS,
    PADDINGS, PAIR_ARGUMENTS, POOLING, SUPPORTED,
)

DEFAULT_PRESET = "stride"  # the stack a new visitor (or a broken link) starts from
NEW_LAYER: dict[str, dict] = {  # what "add a layer" inserts, per type
    "Conv2D": {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
    "MaxPooling2D": {"type": "MaxPooling2D", "pool_size": 2},
    "AveragePooling2D": {"type": "AveragePooling2D", "pool_size": 2},
    "BatchNormalization": {"type": "BatchNormalization"},
    "Activation": {"type": "Activation", "activation": "relu"},
    "Dropout": {"type": "Dropout", "rate": 0.5},
    "Flatten": {"type": "Flatten"},
    "GlobalAveragePooling2D": {"type": "GlobalAveragePooling2D"},
    "Dense": {"type": "Dense", "units": 3, "activation": "softmax"},
    # Augmentation as the training page adds it: mirror left-right, shift up to 10%.
    "RandomFlip": {"type": "RandomFlip", "mode": "horizontal"},
    "RandomTranslation": {"type": "RandomTranslation", "height_factor": 0.1,
                          "width_factor": 0.1},
}
# The arguments the editor shows for each type, in Keras' order.
FIELDS = {layer_type: tuple(DEFAULTS[layer_type]) for layer_type in SUPPORTED}
_PAIR_TEXT = re.compile(r"^\(?\s*(-?\d+)\s*(?:[x×,*]\s*(-?\d+)\s*)?\)?$")


def default_stack() -> tuple[tuple[int, int, int], list[dict]]:
    """(input_shape, layers) a new visitor starts from."""
    return presets.preset(DEFAULT_PRESET)


def pair_to_text(value: Any) -> str:
    """3 -> "3", (3, 5) -> "3x5", (3, 3) -> "3", None -> "" (pooling: same as pool_size)."""
    if value is None:
        return ""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"
    return str(value)


def text_to_pair(text: str) -> Any:
    """"3" -> 3, "3x5" / "3,5" / "(3, 5)" -> (3, 5), "" -> None; anything else as typed.

    A string that is not a size stays a string, so the shape engine reports it.
    """
    text = text.strip()
    if not text:
        return None
    match = _PAIR_TEXT.match(text)
    if match is None:
        return text
    first, second = match.groups()
    return int(first) if second is None else (int(first), int(second))


def insert_layer(layers: list, index: int, layer_type: str) -> list:
    """A new layer of `layer_type` at position `index` (clamped to the list)."""
    index = max(0, min(index, len(layers)))
    return layers[:index] + [dict(NEW_LAYER[layer_type])] + layers[index:]


def remove_layer(layers: list, index: int) -> list:
    return layers[:index] + layers[index + 1:]


def move_layer(layers: list, index: int, offset: int) -> list:
    """The layer at `index` moved by `offset` places (-1 up, +1 down), within the list."""
    target = max(0, min(index + offset, len(layers) - 1))
    out = list(layers)
    out.insert(target, out.pop(index))
    return out


def change_type(spec: Any, layer_type: str) -> dict:
    """A layer of the new type, keeping the arguments both types share.

    Conv2D and the pooling layers share strides and padding, and a kernel becomes a
    pool window and back; Conv2D and Dense share activation and use_bias.
    """
    old = spec if isinstance(spec, dict) else {}
    if old.get("type") == layer_type:
        return dict(old)
    out = dict(NEW_LAYER[layer_type])
    carried = dict(old)
    if "kernel_size" in carried:
        carried.setdefault("pool_size", carried["kernel_size"])
    if "pool_size" in carried:
        carried.setdefault("kernel_size", carried["pool_size"])
    for argument in ("kernel_size", "pool_size", "strides", "padding", "activation",
                     "use_bias"):
        if argument in carried and argument in DEFAULTS[layer_type]:
            out[argument] = carried[argument]
    if layer_type in POOLING and old.get("type") == "Conv2D":
        out.pop("strides", None)  # a conv's stride 1 would make pooling overlap
    return out


def _number(value: Any, low: float, high: float, default: float) -> float:
    """`value` as a number for a number field, inside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return min(max(value, low), high)


def fields_of(spec: Any) -> dict:
    """The editor's field values for a spec: every field of its type, always displayable.

    A value a field cannot show (a float filter count, an unknown padding) is shown
    as the nearest value it can; the spec itself keeps its value until an edit.
    """
    layer_type = spec.get("type") if isinstance(spec, dict) else None
    layer_type = layer_type if layer_type in SUPPORTED else SUPPORTED[0]
    base = {**NEW_LAYER[layer_type], **(spec if isinstance(spec, dict) else {})}
    fields: dict[str, Any] = {"type": layer_type}
    for argument in FIELDS[layer_type]:
        value = base.get(argument, DEFAULTS[layer_type][argument])
        if argument in ("filters", "units"):
            fields[argument] = int(_number(value, 0, MAX_UNITS, 1))
        elif argument in PAIR_ARGUMENTS:
            fields[argument] = pair_to_text(value)
        elif argument == "padding":
            fields[argument] = value if value in PADDINGS else PADDINGS[0]
        elif argument == "activation":
            allowed = ACTIVATIONS if layer_type == "Activation" else (None, *ACTIVATIONS)
            fields[argument] = value if value in allowed else allowed[0]
        elif argument == "use_bias":
            fields[argument] = value if isinstance(value, bool) else True
        elif argument in FRACTIONS:
            fields[argument] = float(_number(value, 0.0, 1.0, NEW_LAYER[layer_type][argument]))
        elif argument in CHOICES:
            fields[argument] = value if value in CHOICES[argument] else CHOICES[argument][0]
    return fields


def spec_from_fields(fields: dict) -> dict:
    """A layer spec from the editor's field values (inverse of `fields_of`).

    Arguments at their Keras default are left out, except the key ones, so the
    stack stays as short as the notebook's code.
    """
    layer_type = fields["type"]
    spec: dict[str, Any] = {"type": layer_type}
    for argument in FIELDS[layer_type]:
        value = fields.get(argument)
        if argument in PAIR_ARGUMENTS:
            value = text_to_pair(value or "")
            if value is None and not (argument == "strides" and layer_type in POOLING):
                value = ""  # an empty kernel_size is an error the engine explains
        spec[argument] = value
    default, key = DEFAULTS[layer_type], KEY_ARGUMENTS.get(layer_type, ())
    return {k: v for k, v in spec.items()
            if k == "type" or k in key or not _is_default(v, default[k])}


def _is_default(value: Any, default: Any) -> bool:
    if isinstance(default, tuple) and isinstance(value, int) and not isinstance(value, bool):
        return default == (value, value)
    return value == default and type(value) is type(default)
