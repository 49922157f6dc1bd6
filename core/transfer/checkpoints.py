"""Saved feature extractors: check an uploaded `.keras` file before anything loads it.

A `.keras` file is a zip of `config.json`, `metadata.json` and `model.weights.h5`.
Uploads are untrusted, so `inspect_keras` reads only the zip's listing and its JSON
config, in plain Python: it refuses other formats (`.h5` among them), damaged zips,
path-traversal or unexpected member names, members that unpack to more than the caps
below, Lambda layers, custom or non-Keras classes, settings outside the calculator's
ranges, models too big for the lab, and extractors whose input does not fit 32x32x3
images; it turns the layers into our own spec (core.stack.spec) so the shape engine can
describe them. Only a file that passes is handed to Keras, which still loads it with
`safe_mode=True`. Every string from the file that an error message repeats goes
through `printable` first.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

from core.config import INPUT_SHAPE
from core.data.dataset import DataError
from core.stack.shapes import summarize, totals
from core.stack.spec import ShapeError
from core.stack.untrusted import LayerRefused, check_layer

MAX_KERAS_BYTES = 50 * 2**20  # the notebook's extractor is 1.8 MB of weights
MAX_UNPACKED_BYTES = 2 * MAX_KERAS_BYTES  # all members together, as their headers declare
MAX_JSON_BYTES = 2**20  # config.json or metadata.json; the notebook's config is 12 KB
MAX_PARAMS = 10_000_000  # the notebook's extractor has 448,384
MAX_MACS = 2_000_000_000  # multiply-adds per image; the notebook's extractor does 53 million
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
    "RandomFlip": ("mode",),
    "RandomTranslation": ("height_factor", "width_factor", "fill_mode"),
}


def printable(text, limit: int = 80) -> str:
    """A string from a user's file (its name, a member name, a class name) fit to repeat
    in a message shown as Markdown: anything but letters, digits and ` ._-/(),'=+`
    becomes `_` (no links, emphasis, HTML or LaTeX), cut to `limit` characters."""
    return re.sub(r"[^\w .,/()'=+\-]", "_", str(text))[:limit]


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
    shown = {k: printable(v) if isinstance(v, str) else v for k, v in details.items()}
    raise CheckpointError(message, code, **shown)


def _check_members(archive: zipfile.ZipFile, name: str) -> None:
    """Only the three members Keras writes, inside the archive, within the size caps."""
    infos = archive.infolist()
    for info in infos:
        member = info.filename
        if member.startswith(("/", "\\")) or ".." in member.replace("\\", "/").split("/"):
            _fail("unsafe_member", f"{name}: the archive holds a file named {member!r} that "
                  "points outside it; refused.", file=name, member=member)
        if member not in ALLOWED_MEMBERS:
            _fail("unexpected_member", f"{name}: the archive holds {member!r}, which a saved "
                  "extractor never has; refused.", file=name, member=member)
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or not {"config.json", "model.weights.h5"} <= set(names):
        _fail("bad_zip", f"{name}: the archive lacks config.json or model.weights.h5.", file=name)
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES or any(
            info.file_size > MAX_JSON_BYTES for info in infos if info.filename.endswith(".json")):
        _fail("unpacks_too_large", f"{name}: the archive unpacks to more than "
              f"{MAX_UNPACKED_BYTES // 2**20} MB; refused.", file=name,
              limit_mb=MAX_UNPACKED_BYTES // 2**20)


def _read_json(archive: zipfile.ZipFile, member: str, name: str):
    # zipfile stops at the size the header declares (checked above), and a lie fails the CRC.
    try:
        with archive.open(member) as stream:
            return json.loads(stream.read(MAX_JSON_BYTES + 1))
    except (ValueError, zipfile.BadZipFile, KeyError, RecursionError, OSError,
            NotImplementedError, RuntimeError):  # odd compression, a password: also refused
        _fail("bad_zip", f"{name}: its {member} is damaged.", file=name)


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
    except (zipfile.BadZipFile, ValueError, OSError):
        _fail("bad_zip", f"{name}: the file is damaged (not a readable .keras archive).", file=name)
    _check_members(archive, name)
    config = _read_json(archive, "config.json", name)
    metadata = (_read_json(archive, "metadata.json", name)
                if "metadata.json" in archive.namelist() else {})
    if not isinstance(config, dict):
        _fail("not_extractor", f"{name}: its config.json does not describe a model.", file=name)
    return config, metadata if isinstance(metadata, dict) else {}


def _check_safe(config, name: str) -> None:
    """Refuse anything in the config that would run code or need custom classes.

    Walks the JSON with a list instead of recursion: a config nested a thousand deep
    is refused like any other, not a crash."""
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(reversed(node))  # depth first, in file order
        if not isinstance(node, dict):
            continue
        class_name, inner = node.get("class_name"), node.get("config")
        if (class_name in ("Lambda", "__lambda__", "function")
                or isinstance(inner, dict) and "function" in inner):
            _fail("unsafe_layer", f"{name}: the model contains a Lambda layer or Python code, "
                  "which is never loaded.", file=name)
        module = node.get("module")
        if module is not None and not (module == "keras" or str(module).startswith("keras.")):
            _fail("custom_object", f"{name}: the model uses {class_name!r} from {module!r}, "
                  "which is not part of Keras; refused.", file=name, name=str(class_name))
        if node.get("registered_name") not in (None, class_name) and module is not None:
            _fail("custom_object", f"{name}: the model uses the custom object "
                  f"{node.get('registered_name')!r}; refused.", file=name,
                  name=str(node.get("registered_name")))
        pending.extend(reversed(node.values()))


def _as_spec(layer: dict, name: str) -> dict:
    """Our spec of one Keras layer config, with the calculator's checks on every value."""
    class_name = layer.get("class_name")
    if not isinstance(class_name, str) or class_name not in LAYER_ARGS:
        _fail("unsupported_layer", f"{name}: the layer type {class_name!r} is not one this lab "
              "uses.", file=name, layer_type=str(class_name))
    config = layer.get("config")
    config = config if isinstance(config, dict) else {}
    raw = {"type": class_name, **{k: config[k] for k in LAYER_ARGS[class_name] if k in config}}
    try:
        spec = check_layer(raw)
    except LayerRefused:
        _fail("bad_layer_value", f"{name}: a {class_name} layer has settings this lab does not "
              "accept.", file=name, layer_type=class_name)
    if spec.get("activation") == "linear" and class_name != "Activation":
        spec["activation"] = None
    return spec


def _layers(config: dict, name: str) -> tuple[tuple, list[dict]]:
    """(input shape, layer configs) of a saved Sequential or Functional model."""
    if (str(config.get("class_name")) not in CONTAINERS
            or not isinstance(config.get("config"), dict)):
        _fail("not_extractor", f"{name}: expected a saved model, found "
              f"{config.get('class_name')!r}.", file=name)
    layers = config["config"].get("layers")
    if not isinstance(layers, list) or not all(isinstance(l, dict) for l in layers):
        _fail("not_extractor", f"{name}: its config.json lists no layers.", file=name)
    inputs = [l for l in layers if l.get("class_name") == "InputLayer"]
    shape = ()
    if inputs and isinstance(inputs[0].get("config"), dict):
        batch_shape = inputs[0]["config"].get("batch_shape")
        shape = tuple(batch_shape[1:]) if isinstance(batch_shape, list) else ()
    if shape != tuple(INPUT_SHAPE):
        _fail("wrong_input", f"{name}: the extractor takes inputs of shape {shape}, but the "
              f"images are {tuple(INPUT_SHAPE)}.", file=name, shape=str(shape))
    return shape, [l for l in layers if l.get("class_name") != "InputLayer"]


def check_archive(data: bytes, name: str = "model.keras") -> dict:
    """The config of any .keras archive that passes the structural and safety checks
    (members, sizes, no code, no custom classes); CheckpointError otherwise. A whole
    model, not only an extractor: the run library checks its entries' models with it."""
    config, _ = _read_zip(data, printable(name, 100))
    _check_safe(config, printable(name, 100))
    return config


def inspect_keras(data: bytes, name: str = "extractor.keras") -> CheckpointInfo:
    """Check an uploaded extractor without loading it; raises CheckpointError."""
    name = printable(name, 100)
    config, metadata = _read_zip(data, name)
    _check_safe(config, name)
    _, layers = _layers(config, name)
    specs = [_as_spec(l, name) for l in layers]
    try:
        rows = summarize(INPUT_SHAPE, specs)
    except ShapeError as err:
        _fail("not_extractor", f"{name}: its layers do not fit together ({err}).", file=name)
    if not rows or len(rows[-1].output_shape) != 3:
        _fail("not_extractor", f"{name}: an extractor must end in a feature map (H, W, C), "
              "not a flat vector.", file=name)
    total = totals(rows)
    if total.params > MAX_PARAMS or total.macs > MAX_MACS:
        _fail("model_too_big", f"{name}: {total.params:,} parameters and {total.macs:,} "
              "multiply-adds per image is more than this lab runs.", file=name,
              params=f"{total.params:,}", max_params=f"{MAX_PARAMS:,}")
    return CheckpointInfo(specs, rows[-1].output_shape, total.params, total.non_trainable_params,
                          len(data), printable(metadata.get("keras_version", "?"), 20))
