"""Hand-built `.keras` archives for the untrusted-input tests: no Keras needed to make them.

A plain extractor config (an InputLayer and one Conv2D), layers that ask for unsafe
deserialization, and `keras_zip`, which packs a config (or any text) as config.json
beside metadata.json and model.weights.h5, with extra members or a tampered listing.
"""
import io
import json
import zipfile

INPUT = {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 32, 32, 3], "name": "input"}}
CONV = {"module": "keras.layers", "class_name": "Conv2D",
        "config": {"name": "conv", "filters": 8, "kernel_size": [3, 3], "strides": [1, 1],
                   "padding": "same", "activation": "relu", "use_bias": True}}
LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "config": {
    "name": "evil", "function": {"class_name": "__lambda__", "config": {
        "code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}}
OS_SYSTEM = {"module": "os", "class_name": "system", "registered_name": "system",
             "config": {"command": "touch ran"}}
LOOKALIKE = dict(CONV, module="kerasevil.layers")  # starts with "keras" but is not Keras
REGISTERED = dict(CONV, registered_name="MyPackage>EvilConv")


def model_config(*layers) -> dict:
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "extractor", "layers": [INPUT, *layers]}}


def keras_zip(config=None, extra=(), config_text=None, weights=b"\x89HDF\r\n\x1a\n",
              tamper=None) -> bytes:
    """A .keras archive built by hand: config.json, metadata.json, model.weights.h5, extra;
    tamper(ZipInfo) may change config.json's entry in the listing before it is written."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", config_text or json.dumps(config or model_config(CONV)))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("model.weights.h5", weights)
        for name, content in extra:
            archive.writestr(name, content)
        if tamper:
            tamper(archive.getinfo("config.json"))
    return out.getvalue()


def encrypted(info):
    info.flag_bits |= 0x1


def unknown_method(info):
    info.compress_type = 99
