"""A layer stack from a stranger: a shared link's, or an uploaded model's config.

`check_layer(raw)` turns anything decoded from JSON into a spec as the calculator's
editor stores it: a supported type, only that type's arguments, each value of the kind
and within the ranges the editor's fields hold (core.stack.spec's MAX_*). It does not
ask whether Keras would build the layer: a stack Keras refuses (the notebook's failing
model) is worth sharing, and the shape engine explains it. Anything else raises
`LayerRefused` with a `code` the pages translate; nothing from the stranger is ever run,
used as a file name or shown unescaped.
"""
from __future__ import annotations

from typing import Any

from core.stack.spec import (
    ACTIVATIONS, CHOICES, DEFAULTS, FRACTIONS, MAX_SIZE, MAX_UNITS, PADDINGS, PAIR_ARGUMENTS,
    SUPPORTED, is_int,
)


class LayerRefused(ValueError):
    """A layer the editor cannot hold; `code` is unknown_layer or bad_value."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _plain_int(value: Any, low: int, high: int) -> bool:
    """JSON's whole numbers only (numpy's never come from a stranger's JSON)."""
    return isinstance(value, int) and is_int(value, low, high)


def check_value(layer_type: str, argument: str, value: Any) -> Any:
    """The value as the editor stores it, or LayerRefused."""
    if argument in ("filters", "units") and _plain_int(value, 0, MAX_UNITS):
        return value
    if argument in PAIR_ARGUMENTS:
        if value is None and argument == "strides" and layer_type != "Conv2D":
            return None
        if _plain_int(value, -MAX_SIZE, MAX_SIZE):
            return value
        if (isinstance(value, list) and len(value) == 2
                and all(_plain_int(v, -MAX_SIZE, MAX_SIZE) for v in value)):
            return tuple(value)
    if argument == "padding" and value in PADDINGS:
        return value
    if argument == "activation" and (value in ACTIVATIONS or
                                     (value is None and layer_type != "Activation")):
        return value
    if argument == "use_bias" and isinstance(value, bool):
        return value
    if (argument in FRACTIONS and isinstance(value, (int, float))
            and not isinstance(value, bool) and 0 <= value <= 1):
        return value
    if argument in CHOICES and value in CHOICES[argument]:
        return value
    raise LayerRefused("bad_value", f"{layer_type}: {argument}={value!r} is not allowed")


def check_layer(raw: Any) -> dict:
    """A layer spec from a stranger as the editor stores it, or LayerRefused."""
    if not isinstance(raw, dict) or raw.get("type") not in SUPPORTED:
        kind = raw.get("type") if isinstance(raw, dict) else raw
        raise LayerRefused("unknown_layer", f"unknown layer {kind!r}")
    layer_type = raw["type"]
    spec = {"type": layer_type}
    for argument, value in raw.items():
        if argument == "type":
            continue
        if argument not in DEFAULTS[layer_type]:
            raise LayerRefused("bad_value", f"{layer_type} has no argument {argument!r}")
        spec[argument] = check_value(layer_type, argument, value)
    return spec


def check_input_shape(raw: Any) -> tuple[int, int, int]:
    """(H, W, C) from a stranger, each from 0 to MAX_SIZE, or LayerRefused."""
    if not (isinstance(raw, list) and len(raw) == 3
            and all(_plain_int(v, 0, MAX_SIZE) for v in raw)):
        raise LayerRefused("bad_value", f"input shape {raw!r} is not allowed")
    return raw[0], raw[1], raw[2]
