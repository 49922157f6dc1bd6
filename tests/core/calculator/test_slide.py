"""The sliding-kernel animation's data: sizes as the shape engine says, values as the
convolution (itself checked against TensorFlow in test_feature_map.py), few frames."""
import itertools

import numpy as np
import pytest

from core.calculator import slide as conv_anim
from core.calculator import feature_map
from core.stack.shapes import summarize

PADDINGS = ("valid", "same")


@pytest.mark.parametrize("size, kernel_size, strides, padding", list(itertools.product(
    conv_anim.GRID_SIZES, conv_anim.KERNEL_SIZES, conv_anim.STRIDES, PADDINGS)))
def test_slide_matches_the_shape_engine_and_the_convolution(size, kernel_size, strides, padding):
    slide = conv_anim.slide(size, kernel_size, strides, padding)
    (row,) = summarize((size, size, 1), [{"type": "Conv2D", "filters": 1,
                                          "kernel_size": kernel_size, "strides": strides,
                                          "padding": padding}])
    assert slide.output.shape == row.output_shape[:2]
    assert len(slide.frames) == slide.output.size <= 49  # smooth: a few dozen frames at most
    expected = feature_map.conv2d(conv_anim.input_grid(size)[..., None],
                                  slide.kernel[:, :, None, None], strides, padding)[..., 0]
    np.testing.assert_array_equal(slide.output, expected)
    before, after = slide.pad
    assert slide.is_pad.sum() == slide.is_pad.size - size * size
    assert slide.padded.shape[0] == size + before + after
    for frame in slide.frames:  # windows stay on the padded grid, jumping by the stride
        assert frame.top == frame.out_row * strides and frame.left == frame.out_col * strides
        assert frame.top + kernel_size <= slide.padded.shape[0]


def test_slide_refuses_what_keras_refuses():
    with pytest.raises(ValueError):
        conv_anim.slide(5, 6, 1, "valid")


def test_kernels_and_grid_are_small_whole_numbers():
    assert conv_anim.kernel_of(3).tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert conv_anim.kernel_of(4)[0].tolist() == [1, 1, -1, -1]
    assert conv_anim.kernel_of(1).tolist() == [[1]]
    grid = conv_anim.input_grid(7)
    assert grid.min() >= 0 and grid.max() <= 4 and len(np.unique(grid)) == 5
