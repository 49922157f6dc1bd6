"""A stack in a link: the input shape and layer specs as one short URL query value.

`encode(input_shape, layers)` writes `[[H, W, C], [spec, ...]]` as compact JSON
(each spec as `core.stack.spec.compact_layer` shortens it), deflates it with zlib and
encodes it as URL-safe base64 without padding: the notebook's 18-layer super model
fits in about 120 characters. `decode(text)` reverses it and checks everything a
stranger's link could carry; any problem raises `LinkError` with a `code` for a
translated message, never anything else. Each layer gets core.stack.untrusted's
checks: a decoded stack may still be one Keras refuses (the notebook's failing model is
worth sharing); it only has to be something the editor can show.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from core.stack.spec import MAX_LAYERS, ShapeError, compact_layer
from core.stack.untrusted import LayerRefused, check_input_shape, check_layer

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


def decode(text: Any) -> tuple[tuple[int, int, int], list[dict]]:
    """(input_shape, layers) from a link's value; LinkError for anything malformed."""
    data = _unpack(text)
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[1], list)):
        raise LinkError("garbled", "the link's stack has the wrong structure")
    shape, layers = data
    if len(layers) > MAX_LAYERS:
        raise LinkError("too_long", f"the link has more than {MAX_LAYERS} layers")
    try:  # the checks every stranger's stack gets (an uploaded model's too)
        return check_input_shape(shape), [check_layer(layer) for layer in layers]
    except LayerRefused as err:
        raise LinkError(err.code, f"{err} in the link") from None
