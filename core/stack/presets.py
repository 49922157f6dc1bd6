"""The lab notebook's architectures, as layer lists (see core.stack.spec), in one place.

Every preset takes the notebook's (32, 32, 3) images. Titles and explanations live
in the i18n tables under `preset_<id>`; here are only ids and specs.

    single_conv        section 1: one Conv2D(2, 3x3, same): (32, 32, 2), 56 params
    stride             section 2: 4x [Conv2D(64, 3x3, strides 2, same), BN, ReLU],
                       Flatten, Dense(3, softmax): 32 -> 16 -> 8 -> 4 -> 2, 114,371 params
    stride_pool        section 2: the stride model with MaxPooling2D() after each ReLU;
                       fails, as in the notebook: the third pooling layer (index 11)
                       gets a 1x1 input
    stride_pool_fixed  our fix: the same blocks with strides 1, so pooling alone halves
                       the size: 32 -> 16 -> 8 -> 4 -> 2, the same (2, 2, 64) output and
                       the same 114,371 parameters as `stride`, but 4.0x the
                       multiply-accumulates (14,156,544 vs 3,539,712): each convolution
                       works at 4x the positions before pooling halves the size. Both
                       see every pixel (3x3 windows at strides 2 overlap).
    shared_extractor   section 3: 4x [Conv2D(128, 3x3, same), BN, ReLU, MaxPooling2D()],
                       (2, 2, 128), 448,384 params
    super_model        the extractor + Flatten + Dense(3, softmax): 449,923 params,
                       1,024 of them non-trainable
"""
from __future__ import annotations

from typing import Callable

from core.config import INPUT_SHAPE

N_SUPERCLASSES = 3  # the notebook's first task: small, medium, aquatic mammals
STRIDE_FILTERS = 64  # 2**6 in the notebook
EXTRACTOR_WIDTH = 128  # 2**7 in the notebook
BLOCKS = 4  # conv blocks in every notebook model


def _conv_block(filters: int, strides: int, pool: bool) -> list[dict]:
    """Conv2D(3x3, same) -> BatchNormalization -> ReLU [-> MaxPooling2D(2)]."""
    block = [
        {"type": "Conv2D", "filters": filters, "kernel_size": 3, "strides": strides,
         "padding": "same"},
        {"type": "BatchNormalization"},
        {"type": "Activation", "activation": "relu"},
    ]
    return block + ([{"type": "MaxPooling2D", "pool_size": 2}] if pool else [])


def _blocks(filters: int, strides: int, pool: bool, blocks: int = BLOCKS) -> list[dict]:
    return [layer for _ in range(blocks) for layer in _conv_block(filters, strides, pool)]


def with_head(layers: list[dict], n_classes: int = N_SUPERCLASSES) -> list[dict]:
    """`layers` + Flatten (unless the output is already a vector) + Dense(n, softmax)."""
    head = [{"type": "Dense", "units": n_classes, "activation": "softmax"}]
    for layer in reversed(layers):
        kind = layer.get("type")
        if kind in ("Flatten", "GlobalAveragePooling2D", "GlobalAvgPool2D"):
            return list(layers) + head
        if kind in ("Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"):
            break  # the output is still a feature map
    return list(layers) + [{"type": "Flatten"}] + head


def single_conv() -> list[dict]:
    """Section 1: one convolution with 2 filters."""
    return [{"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 1,
             "padding": "same"}]


def stride(n_classes: int = N_SUPERCLASSES) -> list[dict]:
    """Section 2: strides 2 halve the size in every block."""
    return with_head(_blocks(STRIDE_FILTERS, strides=2, pool=False), n_classes)


def stride_pool(n_classes: int = N_SUPERCLASSES) -> list[dict]:
    """Section 2's failing model: strides 2 and pooling both halve the size."""
    return with_head(_blocks(STRIDE_FILTERS, strides=2, pool=True), n_classes)


def stride_pool_fixed(n_classes: int = N_SUPERCLASSES) -> list[dict]:
    """The fix: strides 1, pooling does the shrinking (same output as `stride`)."""
    return with_head(_blocks(STRIDE_FILTERS, strides=1, pool=True), n_classes)


def shared_extractor(width: int = EXTRACTOR_WIDTH) -> list[dict]:
    """Section 3's feature extractor: (32, 32, 3) -> (2, 2, width)."""
    return _blocks(width, strides=1, pool=True)


def super_model(width: int = EXTRACTOR_WIDTH, n_classes: int = N_SUPERCLASSES) -> list[dict]:
    """Section 3: the extractor with a superclass head."""
    return with_head(shared_extractor(width), n_classes)


PRESETS: dict[str, Callable[[], list[dict]]] = {  # id -> builder with the notebook's values
    "single_conv": single_conv,
    "stride": stride,
    "stride_pool": stride_pool,
    "stride_pool_fixed": stride_pool_fixed,
    "shared_extractor": shared_extractor,
    "super_model": super_model,
}
PRESET_IDS = tuple(PRESETS)


def preset(preset_id: str) -> tuple[tuple[int, int, int], list[dict]]:
    """(input_shape, layers) of a preset; a fresh list each call, safe to edit."""
    if preset_id not in PRESETS:
        raise KeyError(f"unknown preset {preset_id!r}; choose from {', '.join(PRESET_IDS)}")
    return tuple(INPUT_SHAPE), PRESETS[preset_id]()
