"""One output value of a Conv2D on a colour image, computed number by number.

The notebook's first layer, Conv2D(2, 3x3, padding='same'), has 56 parameters:
2 filters x (3 x 3 x 3 weights + 1 bias). `one_value(image, kernel, bias, ...)` returns
every number the page shows for one filter at one output position: the three 3x3 input
patches (red, green, blue; cells of the zero padding marked), the filter's three 3x3
kernels, the nine products per channel, each channel's sum, the bias and the output
value; then its ReLU and the 2x2 max-pool window it falls in. The window sits where
Keras puts it for the chosen strides and padding (TensorFlow's 'same' rule, from
core.calculator.feature_map). tests/core/calculator/test_one_value.py checks each
number against Keras' own Conv2D, ReLU and MaxPooling2D with random weights, strides
1 and 2, both paddings and odd and even image sizes. Plain numpy: the calculator page
never imports TensorFlow.

Weights come from `initial_weights(seed, ...)`: kernels drawn as Keras draws them by
default (Glorot uniform), and a small random bias per filter (Keras starts biases at
0; one that is not 0 shows where the bias enters).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.calculator.feature_map import conv2d, output_shape, padding_amounts

POOL_SIZE = 2  # the MaxPooling2D(2) that follows a conv block in the notebook
BIAS_LIMIT = 0.5  # the drawn bias lies in [-0.5, 0.5]: visible, but small beside the sums


class PoolWindow(NamedTuple):
    """The 2x2 MaxPooling2D window (strides 2, padding 'valid') an output falls in."""
    out_row: int  # the pooled map's cell it writes
    out_col: int
    top: int  # its top-left cell on the feature map
    left: int
    values: np.ndarray  # (2, 2) the ReLU outputs under it
    value: float  # their largest: what MaxPooling2D keeps


class OneValue(NamedTuple):
    row: int  # the output position
    col: int
    filter: int  # from 0
    top: int  # the window's top-left on the image; negative = in the padding
    left: int
    patches: np.ndarray  # (C, k, k) input values under the window, 0 on padding cells
    is_pad: np.ndarray  # (k, k) True on cells of the padding
    kernels: np.ndarray  # (C, k, k) the filter's weights, one k x k grid per channel
    products: np.ndarray  # (C, k, k) patches * kernels
    sums: np.ndarray  # (C,) each channel's sum of products
    bias: float
    value: float  # sums.sum() + bias: the Conv2D's output at (row, col)
    relu: float  # max(value, 0)
    feature: np.ndarray  # (H_out, W_out) the filter's whole output, before ReLU
    pool: PoolWindow | None  # None: padding='valid' pooling drops this row or column


def initial_weights(seed: int, kernel_size: int = 3, channels: int = 3,
                    filters: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(kernel (k, k, C_in, F), bias (F,)): Keras' default Glorot-uniform kernel, drawn with
    numpy: limit = sqrt(6 / (fan_in + fan_out)), fan_in = k*k*C_in, fan_out = k*k*F."""
    rng = np.random.default_rng(seed)
    fan_in, fan_out = kernel_size ** 2 * channels, kernel_size ** 2 * filters
    limit = np.sqrt(6 / (fan_in + fan_out))
    kernel = rng.uniform(-limit, limit, (kernel_size, kernel_size, channels, filters))
    return kernel.astype(np.float32), rng.uniform(-BIAS_LIMIT, BIAS_LIMIT,
                                                  filters).astype(np.float32)


def layer_output(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray, strides: int,
                 padding: str) -> np.ndarray:
    """What the Conv2D outputs: image (H, W, C) -> (H_out, W_out, F), bias added."""
    return conv2d(np.asarray(image, float), kernel, strides, padding) + np.asarray(bias, float)


def positions(size: tuple, kernel_size: int, strides: int, padding: str) -> tuple[int, int]:
    """(H_out, W_out): how many output positions a student can pick."""
    return output_shape(tuple(size), kernel_size, strides, padding)


def _patch(image: np.ndarray, top: int, left: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, k, k) values under a k x k window at (top, left) of image (H, W, C), 0 outside;
    and (k, k) True where the window is outside the image (the padding)."""
    h, w, c = image.shape
    rows, cols = np.arange(top, top + k), np.arange(left, left + k)
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    patch = np.zeros((c, k, k))
    for i, r in enumerate(rows):
        for j, col in enumerate(cols):
            if inside[i, j]:
                patch[:, i, j] = image[r, col]
    return patch, ~inside


def _pool_window(relu_map: np.ndarray, row: int, col: int) -> PoolWindow | None:
    """The MaxPooling2D(2) window over relu_map (H_out, W_out) that holds (row, col)."""
    out_row, out_col = row // POOL_SIZE, col // POOL_SIZE
    pooled_h, pooled_w = (n // POOL_SIZE for n in relu_map.shape)  # 'valid': floor
    if out_row >= pooled_h or out_col >= pooled_w:
        return None
    top, left = out_row * POOL_SIZE, out_col * POOL_SIZE
    values = relu_map[top:top + POOL_SIZE, left:left + POOL_SIZE]
    return PoolWindow(out_row, out_col, top, left, values, float(values.max()))


def one_value(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray, filter_index: int,
              row: int, col: int, strides: int = 1, padding: str = "same") -> OneValue:
    """Every number behind output (row, col) of filter `filter_index`.

    image: (H, W, C) pixel values as the model gets them (0..255); kernel (k, k, C, F),
    bias (F,). Raises ValueError for a position outside the output.
    """
    image = np.asarray(image, float)
    kernel = np.asarray(kernel, float)
    k = kernel.shape[0]
    h_out, w_out = positions(image.shape[:2], k, strides, padding)
    if not (0 <= row < h_out and 0 <= col < w_out and 0 <= filter_index < kernel.shape[3]):
        raise ValueError(f"output ({row}, {col}) of filter {filter_index} is outside the "
                         f"{h_out}x{w_out}x{kernel.shape[3]} output")
    pad_top = padding_amounts(image.shape[0], k, strides, padding)[0]
    pad_left = padding_amounts(image.shape[1], k, strides, padding)[0]
    top, left = row * strides - pad_top, col * strides - pad_left
    patches, is_pad = _patch(image, top, left, k)                  # (C, k, k), (k, k)
    kernels = np.moveaxis(kernel[:, :, :, filter_index], -1, 0)    # (C, k, k)
    products = patches * kernels
    sums = products.sum(axis=(1, 2))                               # (C,)
    value = float(sums.sum() + float(bias[filter_index]))
    feature = layer_output(image, kernel[..., filter_index:filter_index + 1],
                           np.asarray(bias)[filter_index:filter_index + 1], strides,
                           padding)[..., 0]                        # (H_out, W_out)
    pool = _pool_window(np.maximum(feature, 0), row, col)
    return OneValue(row, col, filter_index, top, left, patches, is_pad, kernels, products,
                    sums, float(bias[filter_index]), value, max(value, 0.0), feature, pool)
