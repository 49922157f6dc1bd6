"""A kernel sliding over a small grid, frame by frame: the data behind the animation.

`slide(size, kernel_size, strides, padding)` lays out a size x size input with the
border padding="same" adds (TensorFlow's rule: pad_total = max((out - 1) * s + k - n, 0),
the smaller half on top/left), and returns one `Frame` per output position, in
reading order: where the window sits on the padded grid and the output value it
writes. Input values are small whole numbers and the kernel a fixed pattern, so a
student can check a product sum by hand. The page only draws what it gets here.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.calculator.feature_map import padding_amounts  # TensorFlow's 'same' rule

GRID_SIZES = (5, 6, 7)  # input grids small enough to read every number
KERNEL_SIZES = (1, 2, 3, 4, 5)
STRIDES = (1, 2, 3)
KERNEL_PATTERN = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])  # Sobel x, for k = 3


class Frame(NamedTuple):
    top: int      # window's top row on the padded grid
    left: int     # window's left column on the padded grid
    out_row: int  # the output cell it writes
    out_col: int
    value: int    # sum of input * kernel under the window


class Slide(NamedTuple):
    padded: np.ndarray   # (P, P) input with zero padding around it
    is_pad: np.ndarray   # (P, P) bool, True on padding cells
    kernel: np.ndarray   # (k, k) ints
    output: np.ndarray   # (out, out) ints: the finished output
    frames: list[Frame]  # one per output cell, in reading order
    pad: tuple[int, int]  # (before, after) cells added on each axis
    strides: int


def input_grid(size: int) -> np.ndarray:
    """(size, size) ints 0..4 in a fixed, irregular pattern (the same every time)."""
    rows, cols = np.indices((size, size))
    return (rows * 3 + cols * 2 + rows * cols) % 5


def kernel_of(kernel_size: int) -> np.ndarray:
    """(k, k) ints: Sobel-x for 3, 1 for 1, else +1 left of centre, -1 right, 0 on it."""
    if kernel_size == 3:
        return KERNEL_PATTERN.copy()
    if kernel_size == 1:
        return np.ones((1, 1), int)  # a 1x1 kernel only scales: weight 1 keeps the input
    cols = np.arange(kernel_size) - (kernel_size - 1) / 2
    return np.tile(np.sign(-cols).astype(int), (kernel_size, 1))


def slide(size: int, kernel_size: int, strides: int, padding: str) -> Slide:
    """Every step of a kernel_size x kernel_size window over a size x size input.

    Raises ValueError when the window does not fit (padding='valid', kernel > size),
    the same case in which Keras refuses the layer.
    """
    if padding == "valid" and kernel_size > size:
        raise ValueError(f"a {kernel_size}x{kernel_size} kernel does not fit a "
                         f"{size}x{size} input with padding='valid'")
    before, after = padding_amounts(size, kernel_size, strides, padding)
    grid = input_grid(size)
    padded = np.pad(grid, (before, after))                   # (P, P)
    is_pad = np.pad(np.zeros_like(grid, bool), (before, after), constant_values=True)
    kernel = kernel_of(kernel_size)
    out = (padded.shape[0] - kernel_size) // strides + 1     # = the shape engine's size
    output = np.zeros((out, out), int)
    frames = []
    for i in range(out):
        for j in range(out):
            top, left = i * strides, j * strides
            value = int((padded[top:top + kernel_size, left:left + kernel_size] * kernel).sum())
            output[i, j] = value
            frames.append(Frame(top, left, i, j, value))
    return Slide(padded, is_pad, kernel, output, frames, (before, after), strides)
