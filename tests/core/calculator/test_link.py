"""A stack in a link: exact round trips, short links, and every malformed link refused."""
import base64
import json
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from core.stack import presets
from core.stack.spec import normalize_layer
from core.calculator.link import MAX_LINK_CHARS, LinkError, decode, encode
from tests.core.stack.test_build import CUSTOM


def pack(data) -> str:
    raw = json.dumps(data).encode() if not isinstance(data, bytes) else data
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def same_stack(a_layers, b_layers):
    return [normalize_layer(s, i) for i, s in enumerate(a_layers)] == [
        normalize_layer(s, i) for i, s in enumerate(b_layers)]


@pytest.mark.parametrize("preset_id", presets.PRESET_IDS)
def test_presets_round_trip_in_short_links(preset_id):
    shape, layers = presets.preset(preset_id)
    text = encode(shape, layers)
    assert len(text) < 300 and set(text) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    decoded_shape, decoded = decode(text)
    assert decoded_shape == shape and same_stack(decoded, layers)
    assert encode(decoded_shape, decoded) == text  # a fixed point: links do not drift


def test_every_type_and_argument_round_trips_exactly():
    shape, layers = CUSTOM
    decoded_shape, decoded = decode(encode(shape, layers))
    assert decoded_shape == shape and same_stack(decoded, layers)
    assert decoded[0]["kernel_size"] == (3, 2)  # pairs come back as tuples


def test_invalid_layers_travel_as_typed():
    layers = [{"type": "Conv2D", "filters": 0, "kernel_size": 3, "strides": 0},
              {"type": "MaxPooling2D", "pool_size": -1}]
    assert decode(encode((0, 32, 3), layers)) == ((0, 32, 3), layers)


def test_thirty_layers_fit():
    layers = presets.stride_pool_fixed() + presets.shared_extractor()
    assert len(layers) == 34 and len(encode((32, 32, 3), layers)) < 400


@pytest.mark.parametrize("text, code", [
    (None, "empty"), ("", "empty"), ("A" * (MAX_LINK_CHARS + 1), "too_long"),
    ("not base64 !!", "garbled"), ("abc", "garbled"),
    (base64.urlsafe_b64encode(b"plain bytes").decode(), "garbled"),
    (pack(b"{not json"), "garbled"), (pack(b"\xff\xfe"), "garbled"),
    (pack({"input": [32, 32, 3]}), "garbled"), (pack([[32, 32, 3]]), "garbled"),
    (pack([[32, 32, 3], {"type": "Flatten"}]), "garbled"),
    (pack([[32, 32], []]), "bad_value"), (pack([[32, 32, 3.5], []]), "bad_value"),
    (pack([[32, 32, True], []]), "bad_value"), (pack([[32, 32, 10**6], []]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Conv3D"}]]), "unknown_layer"),
    (pack([[32, 32, 3], ["Flatten"]]), "unknown_layer"),
    (pack([[32, 32, 3], [{"type": "__import__"}]]), "unknown_layer"),
    (pack([[32, 32, 3], [{"type": "Flatten", "units": 3}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Dense", "units": "3"}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Dense", "units": 10**7}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Dense", "units": 3, "activation": "evil"}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Conv2D", "filters": 1, "kernel_size": [1, 2, 3]}]]),
     "bad_value"),
    (pack([[32, 32, 3], [{"type": "Conv2D", "filters": 1, "kernel_size": 3,
                          "strides": None}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Conv2D", "filters": 1, "kernel_size": 3,
                          "padding": "full"}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Dropout", "rate": 2}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Dense", "units": 3, "use_bias": 1}]]), "bad_value"),
    (pack([[32, 32, 3], [{"type": "Flatten"}] * 61]), "too_long"),
    (pack(b"[" + b" " * 100_000 + b"]"), "too_long"),  # a deflate bomb stops early
])
def test_malformed_links_raise_link_errors(text, code):
    with pytest.raises(LinkError) as info:
        decode(text)
    assert info.value.code == code


def test_pooling_strides_none_is_allowed():
    layers = [{"type": "MaxPooling2D", "pool_size": 2, "strides": None}]
    assert decode(pack([[8, 8, 1], layers]))[1] == layers


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_decodes_or_raises_a_link_error(text):
    try:
        decode(text)
    except LinkError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_packed_bytes_decode_or_raise_a_link_error(raw):
    try:
        decode(pack(raw))
    except LinkError:
        pass
