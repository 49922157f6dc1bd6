"""Load a saved extractor back and prove it is the one that was trained.

The pretraining job saves two files: the whole superclass model (`model.keras`, the
extractor inside it as the sub-model named "extractor") and the extractor on its own
(`extractor.keras`, what a student downloads and reuses). `compare` loads both from
disk with `safe_mode=True` (the notebook's cell reused the in-memory model instead of
the loaded one, which proves nothing) and checks three things on a few test images:
every weight is equal, the feature maps are equal, and the loaded extractor under the
trained superclass head predicts exactly what the trained model predicts.

Runs in the server (loading and predicting only, see docs/ARCHITECTURE.md), under
core.training.look_inside's lock. `max_difference` is plain numpy.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.training.look_inside import _KERAS_LOCK, load_model
from core.transfer.models import EXTRACTOR_NAME


class RoundTrip(NamedTuple):
    same_architecture: bool  # same weight shapes in the same order
    tensors: int  # weight tensors compared (kernels, biases, BatchNormalization's four)
    values: int  # numbers compared
    max_weight_difference: float | None  # max |w_trained - w_loaded| over every weight
    max_feature_difference: float | None  # max |features| difference on the images
    trained_classes: np.ndarray  # (N,) the trained superclass model's predictions
    loaded_classes: np.ndarray  # (N,) the loaded extractor + the same head
    max_probability_difference: float | None


def max_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float | None:
    """max |a_i - b_i| over paired arrays; None if the lists' shapes do not pair up."""
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return None
    return max((float(np.max(np.abs(x - y))) for x, y in zip(a, b) if x.size), default=0.0)


def compare(model_path: Path, extractor_path: Path, images: np.ndarray) -> RoundTrip:
    """The trained model's extractor vs an extractor file, on images (N, 32, 32, 3) uint8."""
    trained = load_model(model_path)
    loaded = load_model(extractor_path)
    x = np.asarray(images, dtype=np.float32)  # the worker feeds float 0..255 too
    with _KERAS_LOCK:
        inner = trained.get_layer(EXTRACTOR_NAME)
        before = [np.asarray(w) for w in inner.weights]
        after = [np.asarray(w) for w in loaded.weights]
        difference = max_difference(before, after)
        probs = np.asarray(trained(x, training=False))  # (N, 3)
        if difference is None:
            empty = np.zeros(0, dtype=int)
            return RoundTrip(False, len(after), sum(w.size for w in after), None, None,
                             probs.argmax(1), empty, None)
        features = np.asarray(inner(x, training=False))  # (N, H, W, C)
        reloaded = np.asarray(loaded(x, training=False))
        head = reloaded
        for layer in trained.layers[trained.layers.index(inner) + 1:]:
            head = layer(head, training=False)  # Flatten, Dense(3): the trained head
        head = np.asarray(head)  # (N, 3)
    return RoundTrip(True, len(before), sum(w.size for w in before), difference,
                     float(np.max(np.abs(features - reloaded))), probs.argmax(1),
                     head.argmax(1), float(np.max(np.abs(probs - head))))


class Loaded(NamedTuple):
    """An extractor file loaded, saved again and loaded back (the notebook's round trip)."""
    tensors: int  # weight tensors in the file
    values: int  # numbers in them
    output_shape: tuple  # the feature map of one image, e.g. (2, 2, 16)
    max_weight_difference: float  # between the file and its copy saved and loaded back
    max_feature_difference: float  # on the images


def describe(extractor_path: Path, images: np.ndarray) -> Loaded:
    """Load an extractor file safely, save it again, load the copy back and compare the
    two on images (N, 32, 32, 3) uint8: what step 3 proves for a file nobody here trained
    (the bundled extractor, an upload)."""
    import tempfile

    loaded = load_model(extractor_path)
    x = np.asarray(images, dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="cnnlab-roundtrip-") as folder:
        copy = Path(folder) / "extractor.keras"
        with _KERAS_LOCK:
            loaded.save(copy)
        again = load_model(copy)
    with _KERAS_LOCK:
        features = np.asarray(loaded(x, training=False))  # (N, H, W, C)
        features_again = np.asarray(again(x, training=False))
        weights = [np.asarray(w) for w in loaded.weights]
        weights_again = [np.asarray(w) for w in again.weights]
    return Loaded(len(weights), sum(w.size for w in weights), tuple(features.shape[1:]),
                  max_difference(weights, weights_again),
                  float(np.max(np.abs(features - features_again))))
