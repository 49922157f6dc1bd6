"""Saved feature extractors: check an uploaded `.keras` file before anything loads it.

A `.keras` file is a zip of `config.json`, `metadata.json` and `model.weights.h5`.
Uploads are untrusted, so `inspect_keras` reads only the zip's listing and its JSON
config, in plain Python: it refuses other formats (`.h5` among them), damaged zips,
path-traversal member names, Lambda layers, custom or non-Keras classes, and
extractors whose input does not fit 32x32x3 images; it turns the layers into our own
spec (core.spec) so the shape engine can describe them. Only a file that passes is
handed to a worker, which still loads it with `safe_mode=True`.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from core.config import INPUT_SHAPE
from core.dataset import DataError
from core.shapes import summarize, totals
from core.spec import ShapeError

MAX_KERAS_BYTES = 50 * 2**20  # the notebook's extractor is 1.8 MB of weights
ALLOWED_MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
CONTAINERS = {"Sequential", "Functional", "Model"}  # the extractor itself
LAYER_ARGS = {  # Keras class -> the config keys that our spec keeps
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation", "use_bias"),
    "BatchNormalization": (),
    "Activation": ("activation",),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "Dropout": ("rate",),
    "GlobalAveragePooling2D": (),
    "Flatten": (),
    "Dense": ("units", "activation", "use_bias"),
}


class CheckpointError(DataError):
    """An uploaded model file that is refused; `code` and `details` for the UI."""


@dataclass(frozen=True)
class CheckpointInfo:
    layers: list  # our layer specs, in order
    output_shape: tuple  # the extractor's feature map, e.g. (2, 2, 128)
    params: int
    non_trainable_params: int
    size_bytes: int
    keras_version: str


def _fail(code: str, message: str, **details):
    raise CheckpointError(message, code, **details)


def _read_zip(data: bytes, name: str) -> tuple[dict, dict]:
    """(config, metadata) from a .keras archive, reading nothing but those two JSON files."""
    if not name.lower().endswith(".keras"):
        if name.lower().endswith((".h5", ".hdf5")):
            _fail("h5_refused", f"{name}: .h5 files are not accepted; save the model as .keras.",
                  file=name)
        _fail("not_keras", f"{name}: only .keras model files are accepted.", file=name)
    if len(data) > MAX_KERAS_BYTES:
        _fail("too_large", f"{name}: the file is larger than {MAX_KERAS_BYTES // 2**20} MB.",
              file=name, limit_mb=MAX_KERAS_BYTES // 2**20)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        _fail("bad_zip", f"{name}: the file is damaged (not a readable .keras archive).", file=name)
    for member in names:
        if member.startswith(("/", "\\")) or ".." in member.replace("\\", "/").split("/"):
            _fail("unsafe_member", f"{name}: the archive holds a file named {member!r} that "
                  "points outside it; refused.", file=name, member=member)
    if "config.json" not in names or "model.weights.h5" not in names:
        _fail("bad_zip", f"{name}: the archive lacks config.json or model.weights.h5.", file=name)
    try:
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
    except (ValueError, zipfile.BadZipFile, KeyError):
        _fail("bad_zip", f"{name}: its config.json is damaged.", file=name)
    return config, metadata


def _check_safe(node, name: str) -> None:
    """Refuse anything in the config that would run code or need custom classes."""
    if isinstance(node, list):
        for item in node:
            _check_safe(item, name)
    elif isinstance(node, dict):
        class_name = node.get("class_name")
        if class_name in ("Lambda", "__lambda__", "function") or "function" in node.get("config", {}):
            _fail("unsafe_layer", f"{name}: the model contains a Lambda layer or Python code, "
                  "which is never loaded.", file=name)
        module = node.get("module")
        if module is not None and not str(module).startswith("keras"):
            _fail("custom_object", f"{name}: the model uses {class_name!r} from {module!r}, "
                  "which is not part of Keras; refused.", file=name, name=str(class_name))
        if node.get("registered_name") not in (None, class_name) and module is not None:
            _fail("custom_object", f"{name}: the model uses the custom object "
                  f"{node.get('registered_name')!r}; refused.", file=name,
                  name=str(node.get("registered_name")))
        for value in node.values():
            _check_safe(value, name)


def _as_spec(layer: dict, name: str) -> dict:
    class_name = layer.get("class_name")
    if class_name not in LAYER_ARGS:
        _fail("unsupported_layer", f"{name}: the layer type {class_name!r} is not one this lab "
              "uses.", file=name, layer_type=str(class_name))
    config = layer.get("config", {})
    spec = {"type": class_name}
    for key in LAYER_ARGS[class_name]:
        if key in config:
            value = config[key]
            spec[key] = tuple(value) if isinstance(value, list) else value
    if spec.get("activation") == "linear" and class_name != "Activation":
        spec["activation"] = None
    return spec


def inspect_keras(data: bytes, name: str = "extractor.keras") -> CheckpointInfo:
    """Check an uploaded extractor without loading it; raises CheckpointError."""
    config, metadata = _read_zip(data, name)
    _check_safe(config, name)
    if config.get("class_name") not in CONTAINERS:
        _fail("not_extractor", f"{name}: expected a saved model, found {config.get('class_name')!r}.",
              file=name)
    layers = config.get("config", {}).get("layers", [])
    inputs = [l for l in layers if l.get("class_name") == "InputLayer"]
    shape = tuple((inputs[0].get("config", {}).get("batch_shape") or [None])[1:]) if inputs else ()
    if shape != tuple(INPUT_SHAPE):
        _fail("wrong_input", f"{name}: the extractor takes inputs of shape {shape}, but the "
              f"images are {tuple(INPUT_SHAPE)}.", file=name, shape=str(shape))
    specs = [_as_spec(l, name) for l in layers if l.get("class_name") != "InputLayer"]
    try:
        rows = summarize(INPUT_SHAPE, specs)
    except ShapeError as err:
        _fail("not_extractor", f"{name}: its layers do not fit together ({err}).", file=name)
    if len(rows[-1].output_shape) != 3 if rows else True:
        _fail("not_extractor", f"{name}: an extractor must end in a feature map (H, W, C), "
              "not a flat vector.", file=name)
    total = totals(rows)
    return CheckpointInfo(specs, rows[-1].output_shape, total.params, total.non_trainable_params,
                          len(data), str(metadata.get("keras_version", "?")))
