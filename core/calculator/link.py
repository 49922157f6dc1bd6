"""A stack in a link: the input shape and layer specs as one short URL query value.

`encode(input_shape, layers)` writes `[[H, W, C], [spec, ...]]` as compact JSON
(each spec as `core.stack.spec.compact_layer` shortens it), deflates it with zlib and
encodes it as URL-safe base64 without padding: the notebook's 18-layer super model
fits in about 120 characters. `decode(text)` reverses it and checks everything a
stranger's link could carry; any problem raises `LinkError` with a `code` for a
translated message, never anything else. A decoded stack may still be one Keras
refuses (the notebook's failing model is worth sharing); it only has to be
something the editor can show.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from core.stack.spec import (
    ACTIVATIONS, DEFAULTS, PADDINGS, SUPPORTED, ShapeError, compact_layer,
)
from core.calculator.edit import MAX_LAYERS, MAX_SIZE, MAX_UNITS, PAIR_ARGUMENTS

PARAM = "stack"  # the query parameter: ?stack=...
MAX_LINK_CHARS = 4000  # longer values are refused before decoding (browsers keep ~8k)
MAX_JSON_BYTES = 20_000  # a deflate bomb stops here


class LinkError(ValueError):
    """A link value that is not a stack; `code` names the problem for the UI."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _plain(value: Any) -> Any:
    """Tuples as lists, for JSON."""
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def encode(input_shape, layers: list) -> str:
    """The URL-safe text of a stack; layers Keras refuses are kept as they are."""
    specs = []
    for index, spec in enumerate(layers):
        try:
            spec = compact_layer(spec, index)
        except ShapeError:
            pass  # an invalid layer travels as typed, so the link shows the same error
        specs.append({k: _plain(v) for k, v in spec.items()} if isinstance(spec, dict)
                     else spec)
    text = json.dumps([_plain(input_shape), specs], separators=(",", ":"), default=repr)
    packed = zlib.compress(text.encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def _unpack(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        raise LinkError("empty", "the link has no stack")
    if len(text) > MAX_LINK_CHARS:
        raise LinkError("too_long", f"the stack in the link is over {MAX_LINK_CHARS} characters")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON_BYTES)
        if inflater.unconsumed_tail:
            raise LinkError("too_long", "the stack in the link unpacks to too much data")
        return json.loads(raw.decode("utf-8"))
    except RecursionError:  # "[[[[...": a 75-character link nests deeper than Python can
        raise LinkError("garbled", "the link's stack is nested too deeply") from None
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as err:
        if isinstance(err, LinkError):
            raise
        raise LinkError("garbled", "the link's stack is not readable (cut off or altered?)")


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_value(layer_type: str, argument: str, value: Any) -> Any:
    """The value as the editor stores it, or LinkError."""
    if argument in ("filters", "units") and _is_int(value, 0, MAX_UNITS):
        return value
    if argument in PAIR_ARGUMENTS:
        if value is None and argument == "strides" and layer_type != "Conv2D":
            return None
        if _is_int(value, -MAX_SIZE, MAX_SIZE):
            return value
        if (isinstance(value, list) and len(value) == 2
                and all(_is_int(v, -MAX_SIZE, MAX_SIZE) for v in value)):
            return tuple(value)
    if argument == "padding" and value in PADDINGS:
        return value
    if argument == "activation" and (value in ACTIVATIONS or
                                     (value is None and layer_type != "Activation")):
        return value
    if argument == "use_bias" and isinstance(value, bool):
        return value
    if (argument == "rate" and isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 <= value <= 1):
        return value
    raise LinkError("bad_value", f"{layer_type}: {argument}={value!r} is not allowed in a link")


def check_layer(raw: Any) -> dict:
    """A layer spec from a stranger (a link, an uploaded model's config) as the editor
    stores it: a supported type, known arguments, values in the editor's ranges;
    LinkError otherwise."""
    if not isinstance(raw, dict) or raw.get("type") not in SUPPORTED:
        kind = raw.get("type") if isinstance(raw, dict) else raw
        raise LinkError("unknown_layer", f"unknown layer {kind!r} in the link")
    layer_type = raw["type"]
    spec = {"type": layer_type}
    for argument, value in raw.items():
        if argument == "type":
            continue
        if argument not in DEFAULTS[layer_type]:
            raise LinkError("bad_value", f"{layer_type} has no argument {argument!r}")
        spec[argument] = _check_value(layer_type, argument, value)
    return spec


def decode(text: Any) -> tuple[tuple[int, int, int], list[dict]]:
    """(input_shape, layers) from a link's value; LinkError for anything malformed."""
    data = _unpack(text)
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[1], list)):
        raise LinkError("garbled", "the link's stack has the wrong structure")
    shape, layers = data
    if not (isinstance(shape, list) and len(shape) == 3
            and all(_is_int(v, 0, MAX_SIZE) for v in shape)):
        raise LinkError("bad_value", f"input shape {shape!r} is not allowed in a link")
    if len(layers) > MAX_LAYERS:
        raise LinkError("too_long", f"the link has more than {MAX_LAYERS} layers")
    return (shape[0], shape[1], shape[2]), [check_layer(layer) for layer in layers]
