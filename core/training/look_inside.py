"""Looking inside a trained model in the server: feature maps, first-layer filters, and
classifying a student's own image.

A job's `model.keras` is loaded with `safe_mode=True` (no code from the file runs)
and only run forward, eagerly, layer by layer: docs/ARCHITECTURE.md ("Why training runs
in worker processes") explains why the server keeps its Keras work to loading and
predicting. TensorFlow is imported inside
the functions, under a lock (two threads importing it at once can break), so pages
that never look inside never pay for it. Uploaded images are decoded with Pillow:
PNG or JPEG only, size-capped, decompression bombs refused before any pixel is decoded.
"""
from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.config import INPUT_SHAPE

MAX_UPLOAD_BYTES = 10 * 2**20  # a phone photo is 2-6 MB
MAX_PIXELS = 25_000_000  # 6000x4000; larger (or a bomb claiming more) is refused unread
FORMATS = ("PNG", "JPEG")
_KERAS_LOCK = threading.RLock()  # one import, one forward pass at a time in the server


class ImageError(ValueError):
    """An upload that is not a usable image: `code` is an i18n key suffix
    (`train.upload.<code>`), `details` fills its placeholders."""

    def __init__(self, message: str, code: str, **details):
        super().__init__(message)
        self.code = code
        self.details = details


class FeatureMaps(NamedTuple):
    name: str  # the Keras layer name: conv2d, conv2d_1, ...
    index: int  # position in the model's layer list (as core.stack.shapes rows)
    maps: np.ndarray  # (H, W, C) float32: the layer's output for one image


def _keras():
    with _KERAS_LOCK:
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        return keras


def load_model(path: Path):
    """A job's saved model, loaded without running any code from the file."""
    keras = _keras()
    with _KERAS_LOCK:
        return keras.saving.load_model(Path(path), compile=False, safe_mode=True)


def _batch(image: np.ndarray) -> np.ndarray:
    """(32, 32, 3) uint8 -> (1, 32, 32, 3) float32 in 0..255, as the worker feeds it."""
    return np.asarray(image, dtype=np.float32)[None]


def feature_maps(model, image: np.ndarray) -> list[FeatureMaps]:
    """The output of every Conv2D layer for one (32, 32, 3) image, in order."""
    x, found = _batch(image), []
    with _KERAS_LOCK:
        for index, layer in enumerate(model.layers):
            x = layer(x, training=False)
            if type(layer).__name__ == "Conv2D":
                found.append(FeatureMaps(layer.name, index, np.asarray(x)[0]))
    return found


def first_filters(model) -> np.ndarray | None:
    """The first Conv2D's kernels as RGB tiles (F, k_h, k_w, 3) in 0..1, each filter
    stretched to its own min..max so its pattern shows; None without a 3-channel conv."""
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            kernel = np.asarray(layer.kernel)  # (k_h, k_w, C_in, F)
            if kernel.shape[2] != 3:
                return None
            tiles = np.moveaxis(kernel, -1, 0)  # (F, k_h, k_w, 3)
            low = tiles.min(axis=(1, 2, 3), keepdims=True)
            span = tiles.max(axis=(1, 2, 3), keepdims=True) - low
            return (tiles - low) / np.where(span > 0, span, 1)
    return None


def classify(model, image: np.ndarray) -> np.ndarray:
    """(K,) class probabilities for one (32, 32, 3) uint8 image."""
    with _KERAS_LOCK:
        return np.asarray(model(_batch(image), training=False))[0].astype(np.float64)


def decode_upload(data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    """An uploaded PNG/JPEG as the model sees it: ((32, 32, 3) uint8, original (W, H)).

    The centre square is cut out and shrunk to 32x32 (as CIFAR-100's images were
    made); transparency is dropped, phone photos are turned upright. ImageError for
    anything too big, not PNG/JPEG, or broken.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError("The file is too large.", "too_large",
                         size_mb=len(data) / 2**20, limit_mb=MAX_UPLOAD_BYTES / 2**20)
    too_many = ImageError("Too many pixels.", "too_many_pixels", limit=MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise too_many
            image.draft("RGB", (4 * INPUT_SHAPE[1], 4 * INPUT_SHAPE[0]))  # JPEG: decode small
            image = ImageOps.exif_transpose(image).convert("RGB")
            small = ImageOps.fit(image, INPUT_SHAPE[1::-1], Image.Resampling.LANCZOS)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise too_many from err
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise ImageError(f"Not a PNG or JPEG image: {err}", "not_image") from err
    return np.asarray(small, dtype=np.uint8), (width, height)
