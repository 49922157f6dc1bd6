"""Features forming, live: the first layer's filters and one fixed test image's feature maps,
sent by the worker when fit begins and after every epoch.

`filters_event(model, image, epoch, image_index)` reads the first Conv2D's kernel and runs
the image through the layers up to and including it (inference mode); `callbacks(...)`
returns the Keras callback that emits one as a contract event (FiltersEvent), through the
same `emit` as every other event, so a Ray cluster relays it too. Only the first
MAX_FILTERS filters and MAX_MAPS maps travel, to 4 significant digits: the line stays
small (a few hundred KB at most) and the epoch is not slowed
(benchmarks/live_filters.py measures it against the same run without it).
TensorFlow is imported by the worker, never here.
"""
from __future__ import annotations

import numpy as np

from core.engine.contract import FiltersEvent
from core.training.forward import first_conv

MAX_FILTERS = 64  # the stride model's 64 first-layer filters, all of them
MAX_MAPS = 16  # feature maps of the fixed image: two rows of eight on the page
IMAGE_INDEX = 0  # the fixed test image: the first of the job's test set
DIGITS = 4  # significant digits sent; the page shows colours and 3 digits on hover


def _rounded(values: np.ndarray) -> tuple[float, ...]:
    """Plain floats to DIGITS significant digits, for a short JSON line."""
    return tuple(float(v) for v in np.char.mod(f"%.{DIGITS}g", values.ravel()))


def filters_event(model, image: np.ndarray, epoch: int,
                  image_index: int = IMAGE_INDEX) -> FiltersEvent | None:
    """The event for a model now; None for a model without a Conv2D.

    image: (H, W, C) uint8, fed as the worker feeds images (float32 0..255)."""
    found = first_conv(model)
    if found is None:
        return None
    before, conv = found
    kernel = np.asarray(conv.kernel)[..., :MAX_FILTERS]               # (k_h, k_w, C_in, F')
    x = np.asarray(image, dtype=np.float32)[None]
    for layer in (*before, conv):
        x = layer(x, training=False)
    maps = np.asarray(x)[0][..., :MAX_MAPS]                           # (H, W, F'')
    return FiltersEvent(epoch=epoch, layer=conv.name, filters=int(conv.filters),
                        image_index=image_index, kernel_shape=tuple(kernel.shape),
                        kernels=_rounded(kernel), map_shape=tuple(maps.shape),
                        maps=_rounded(maps))


def weight_change(first: FiltersEvent, latest: FiltersEvent) -> float | None:
    """How far the filters sent have moved since the start: ||W - W0|| / ||W0|| over the
    kernels of both events (None if they do not compare, or W0 is all zeros)."""
    if first.kernel_shape != latest.kernel_shape:
        return None
    start, now = np.asarray(first.kernels), np.asarray(latest.kernels)
    size = float(np.linalg.norm(start))
    return float(np.linalg.norm(now - start)) / size if size > 0 else None


def callbacks(keras, emit, model, x_test) -> list:
    """[the callback] that emits a FiltersEvent when fit begins and after each epoch; []
    when the model has no Conv2D or there is no test image. The server's setting
    live_filters switches it off (core.training.fit.run_job)."""
    if len(x_test) <= IMAGE_INDEX or first_conv(model) is None:
        return []
    image = x_test[IMAGE_INDEX]

    class LiveFilters(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if not hasattr(self, "sent"):  # fine-tuning fits twice: the start only once
                self.sent = True
                emit(filters_event(model, image, 0))

        def on_epoch_end(self, epoch, logs=None):
            emit(filters_event(model, image, epoch + 1))

    return [LiveFilters()]
