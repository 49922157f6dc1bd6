"""What one 3x3 filter does to a real image: convolution and max-pooling in numpy.

`conv2d` and `max_pool2d` compute exactly what `tf.nn.conv2d` and `tf.nn.max_pool2d`
compute for NHWC data (tests/core/calculator/test_feature_map.py checks this against
TensorFlow for every padding and stride): a cross-correlation, as in every deep
learning library, with TensorFlow's 'same' padding (the smaller half of the border
on the top and left). `feature_maps` is the calculator's view: image -> grey ->
filter -> pooled, each with its shape.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

KERNELS = {  # name -> 3x3 filter the student can pick (the names are i18n keys too)
    "edge": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], float),
    "vertical": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], float),  # Sobel x
    "horizontal": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float),  # Sobel y
    "blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
}
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as PIL converts to "L"
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$", re.IGNORECASE)


def padding_amounts(size: int, window: int, strides: int, padding: str) -> tuple[int, int]:
    """(before, after) cells TensorFlow adds on one axis."""
    if padding == "valid":
        return 0, 0
    out = -(-size // strides)
    total = max((out - 1) * strides + window - size, 0)
    return total // 2, total - total // 2


def output_shape(size: tuple, window: int, strides: int, padding: str) -> tuple[int, int]:
    """(H_out, W_out) of a window x window sliding over size = (H, W)."""
    if padding == "same":
        return tuple(-(-n // strides) for n in size)
    return tuple((n - window) // strides + 1 for n in size)


def _pad(x: np.ndarray, window: tuple, strides: tuple, padding: str, value: float):
    """x (H, W, C) padded for a window of (k_h, k_w) sliding with (s_h, s_w)."""
    (top, bottom), (left, right) = (padding_amounts(n, k, s, padding)
                                    for n, k, s in zip(x.shape[:2], window, strides))
    return np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=value)


def _windows(x: np.ndarray, window: tuple, strides: tuple) -> np.ndarray:
    """(H_out, W_out, C, k_h, k_w) views of x (H, W, C)."""
    if x.shape[0] < window[0] or x.shape[1] < window[1]:
        raise ValueError(f"a {window[0]}x{window[1]} window does not fit a "
                         f"{x.shape[0]}x{x.shape[1]} input with padding='valid'")
    views = sliding_window_view(x, window, axis=(0, 1))     # (H-k+1, W-k+1, C, k_h, k_w)
    return views[::strides[0], ::strides[1]]


def conv2d(x: np.ndarray, kernel: np.ndarray, strides: int = 1,
           padding: str = "valid") -> np.ndarray:
    """x (H, W, C_in), kernel (k_h, k_w, C_in, C_out) -> (H_out, W_out, C_out), no bias."""
    kernel = np.asarray(kernel, float)
    window, steps = kernel.shape[:2], (strides, strides)
    views = _windows(_pad(np.asarray(x, float), window, steps, padding, 0.0), window, steps)
    return np.einsum("hwcij,ijcf->hwf", views, kernel)


def max_pool2d(x: np.ndarray, pool_size: int = 2, strides: int | None = None,
               padding: str = "valid") -> np.ndarray:
    """x (H, W, C) -> (H_out, W_out, C), the largest value under each window.

    'same' pads with -inf, so padding never wins (TensorFlow ignores padded cells).
    """
    window = (pool_size, pool_size)
    steps = (strides or pool_size,) * 2
    views = _windows(_pad(np.asarray(x, float), window, steps, padding, -np.inf), window, steps)
    return views.max(axis=(3, 4))


def to_grey(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) -> float (H, W, 1) in [0, 1]."""
    return (image.astype(float) / 255.0 @ GREY_WEIGHTS)[..., None]


def parse_kernel(text: str) -> np.ndarray | None:
    """Nine numbers separated by spaces, commas or new lines -> (3, 3); else None."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if len(parts) != 9 or not all(_NUMBER.match(p) for p in parts):
        return None
    return np.array([float(p) for p in parts]).reshape(3, 3)


class FeatureMaps(NamedTuple):
    grey: np.ndarray     # (H, W, 1) the input the filter sees
    feature: np.ndarray  # (H', W', 1) after the 3x3 filter
    pooled: np.ndarray   # (H'', W'', 1) after max-pooling


def feature_maps(image: np.ndarray, kernel: np.ndarray, strides: int = 1,
                 padding: str = "same", pool_size: int = 2) -> FeatureMaps:
    """One filter on one image: uint8 (H, W, 3) -> grey, feature map, pooled map.

    kernel: (3, 3); it becomes one Conv2D filter with one input channel.
    """
    grey = to_grey(image)                                    # (H, W, 1)
    feature = conv2d(grey, np.asarray(kernel, float)[:, :, None, None], strides, padding)
    return FeatureMaps(grey, feature, max_pool2d(feature, pool_size))
